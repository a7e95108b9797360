// fmt.js - words and numbers for people, and safe HTML.

/* Text made safe for innerHTML. */
export function esc(v) {
	return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/* A tagged template that escapes every value: html`<b>${x}</b>`; raw(s) passes s as it is. */
export function html(strings, ...values) {
	let out = strings[0];
	values.forEach((v, i) => {
		out += (v && v.raw !== undefined ? v.raw : Array.isArray(v) ? v.map((x) => (x && x.raw !== undefined ? x.raw : esc(x))).join('') : esc(v)) + strings[i + 1];
	});
	return { raw: out };
}
export const raw = (s) => ({ raw: s });

/* "12 s ago", "5 min ago", "3 h ago", "2 days ago" from an RFC 3339 time. */
export function age(t, now = Date.now()) {
	if (!t)
		return 'never';
	const s = Math.max(0, Math.round((now - Date.parse(t)) / 1000));
	if (s < 60)
		return `${s} s ago`;
	if (s < 3600)
		return `${Math.floor(s / 60)} min ago`;
	if (s < 86400)
		return `${Math.floor(s / 3600)} h ago`;
	const d = Math.floor(s / 86400);
	return `${d} day${d === 1 ? '' : 's'} ago`;
}

/* A local date and time, short. */
export function when(t) {
	if (!t)
		return '';
	return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/* Seconds as "1 h 05 min" or "12 min". */
export function duration(s) {
	if (s == null)
		return '';
	const h = Math.floor(s / 3600);
	const m = Math.round((s % 3600) / 60);
	return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

export function num(v, digits = 0) {
	return v == null || Number.isNaN(Number(v)) ? '–' : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/*
 * A vehicle as people name it: its brand and label ("Peugeot e-208"), its
 * label alone, or, without a label (the fleet face has none), its brand
 * and VIN ("Peugeot VR3...") or its VIN. withVin: the VIN in parentheses
 * after a name that lacks it ("Peugeot e-208 (VR3...)").
 */
export function vehicleName(v, withVin = false) {
	if (!v.label)
		return [v.brand, v.vin].filter((x) => x).join(' ');
	const name = [v.brand, v.label].filter((x) => x).join(' ');
	return withVin && v.vin ? `${name} (${v.vin})` : name;
}

/* "HeadlightsFault" -> "Headlights fault" */
export function words(name) {
	if (!name)
		return '';
	const s = String(name).replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
	return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/* <input type="date"> value (local) to an RFC 3339 instant at the start of that day. */
export function dayStart(v) {
	if (!v)
		return null;
	const [y, m, d] = v.split('-').map(Number);
	return new Date(y, m - 1, d).toISOString();
}

/*
 * A wait of s seconds in words, rounded: "a few seconds", "about 40
 * seconds", "about 1 minute", "about 2 minutes", "about 3 hours".
 */
export function aboutWait(s) {
	s = Math.max(0, Math.round(Number(s) || 0));
	const about = (n, unit) => `about ${n} ${unit}${n === 1 ? '' : 's'}`;
	if (s < 10)
		return 'a few seconds';
	if (s < 60)
		return about(s, 'second');
	if (s < 5400)
		return about(Math.round(s / 60), 'minute');
	return about(Math.round(s / 3600), 'hour');
}

/*
 * Energies in the units people read: a battery's in kWh, a tank's in
 * litres. The API gives a consumption per 100 km in Wh (Electric) or cl
 * (Fuel), as the official Trip schema says.
 */
export const isElectric = (type) => type === 'Electric';

/* "16.2 kWh/100 km" or "6.1 L/100 km" from an avgConsumption (Wh or cl per 100 km), or '' when unknown. */
export function per100km(type, avg) {
	if (avg == null || !Number.isFinite(Number(avg)))
		return '';
	return isElectric(type) ? `${num(avg / 1000, 1)} kWh/100 km` : `${num(avg / 100, 1)} L/100 km`;
}

/* "12.3 kWh" or "4.5 L" (an amount already in kWh or L), or '' when unknown. */
export function energyAmount(type, v) {
	if (v == null || !Number.isFinite(Number(v)))
		return '';
	return `${num(v, 1)} ${isElectric(type) ? 'kWh' : 'L'}`;
}

/* Seconds as hours with one decimal ("3.5 h"), for tables that add times up. */
export function hours(s) {
	return s == null ? '–' : `${num(s / 3600, 1)} h`;
}

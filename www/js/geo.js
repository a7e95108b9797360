// geo.js - places for people: coordinates in words, distances, zone radii,
// and addresses from a geocoder when the host configured one.
//
// Positions are [lon, lat] as GeoJSON and the API have them; people read
// them latitude first. A geocoder is optional (console.json `geocoder`, a
// URL template with {lat} and {lon}; "" or absent: none, the default):
// without one, or while it does not answer, places are said by their
// coordinates alone. Its answer may be Nominatim's (`display_name`) or
// GeoJSON (Photon, Pelias: the first feature's properties). Addresses are
// asked one at a time (public geocoders take one request a second),
// remembered for the page's life by position rounded to about 1 m, and
// after FAILS_OFF failures in a row the geocoder is left alone for OFF_MS.
// The template's origin must be the console's, or be allowed by the web
// server's Content-Security-Policy (connect-src): README.md, "The console".

const FAILS_OFF = 3;
const OFF_MS = 5 * 60 * 1000;

/* "48.85660, 2.35220": latitude then longitude, 5 decimals (about 1 m). */
export function coordsText(c) {
	if (!Array.isArray(c) || !Number.isFinite(c[0]) || !Number.isFinite(c[1]))
		return '';
	return `${c[1].toFixed(5)}, ${c[0].toFixed(5)}`;
}

/* The great-circle distance between two [lon, lat], in km. */
export function haversineKm([lon1, lat1], [lon2, lat2]) {
	const r = (d) => (d * Math.PI) / 180;
	const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
	return 12742 * Math.asin(Math.sqrt(a));
}

/* A zone's radius as the official API takes it: a whole number of km, 1 to 1000. */
export const RADIUS_MIN_KM = 1;
export const RADIUS_MAX_KM = 1000;
export function snapKm(km) {
	if (!Number.isFinite(km))
		return RADIUS_MIN_KM;
	return Math.min(RADIUS_MAX_KM, Math.max(RADIUS_MIN_KM, Math.round(km)));
}

/* The geocoder's URL for [lon, lat]: {lat} and {lon} of template filled (6 decimals), or null without a template. */
export function geocoderUrl(template, c) {
	if (!template || typeof template !== 'string' || !Array.isArray(c))
		return null;
	return template.replaceAll('{lat}', encodeURIComponent(c[1].toFixed(6))).replaceAll('{lon}', encodeURIComponent(c[0].toFixed(6)));
}

/* An address out of a geocoder's answer (Nominatim's or GeoJSON), or null. */
export function addressOf(body) {
	if (!body || typeof body !== 'object')
		return null;
	if (typeof body.display_name === 'string' && body.display_name)
		return body.display_name;
	const f = Array.isArray(body.features) ? body.features[0] : null;
	const p = f && f.properties;
	if (!p)
		return null;
	if (typeof p.label === 'string' && p.label)
		return p.label;
	const street = [p.housenumber, p.street].filter(Boolean).join(' ');
	const town = [p.postcode, p.city || p.town || p.village].filter(Boolean).join(' ');
	const parts = [p.name !== p.street ? p.name : null, street, town, p.country].filter((x) => typeof x === 'string' && x);
	return parts.length ? parts.join(', ') : null;
}

const known = new Map();        /* rounded position -> address (null: none there) */
let queue = Promise.resolve();
let fails = 0;
let offUntil = 0;

const key = (c) => `${c[1].toFixed(5)},${c[0].toFixed(5)}`;

/* The address already known for c: a string, null (none there), or undefined (not asked yet). */
export function knownAddress(c) {
	return Array.isArray(c) ? known.get(key(c)) : undefined;
}

/*
 * The address of [lon, lat] from the geocoder of template: a promise of a
 * string, or of null (no geocoder, nothing there, or it failed).
 */
export function address(template, c) {
	if (!template || !Array.isArray(c))
		return Promise.resolve(null);
	const k = key(c);
	if (known.has(k))
		return Promise.resolve(known.get(k));
	const ask = async () => {
		if (known.has(k))
			return known.get(k);
		if (Date.now() < offUntil)
			return null;
		try {
			const res = await fetch(geocoderUrl(template, c), { headers: { Accept: 'application/json' } });
			if (!res.ok)
				throw new Error(`geocoder: ${res.status}`);
			const a = addressOf(await res.json());
			fails = 0;
			known.set(k, a);
			return a;
		} catch {
			if (++fails >= FAILS_OFF) {
				offUntil = Date.now() + OFF_MS;
				fails = 0;
			}
			return null;
		}
	};
	const p = queue.then(ask);
	queue = p.then(() => {}, () => {});
	return p;
}

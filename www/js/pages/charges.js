// charges.js - a vehicle's charging sessions (cvapi's extension, doc/api.md
// "Charging sessions"), newest first, one page at a time, with the date
// filter and the API's paging links of the trips' list (listing.js), on
// either face (face.js). Each session gives its date, where, how long,
// the battery's levels from start to end, the energy added, its average
// and peak power, Slow or Quick, and its faults in words; its date opens
// the session's own page (charge.js).
//
// Also the words both pages say of a session (chargeFacts, chargeState).

import * as api from '../api.js';
import { html, raw, when, duration, num } from '../fmt.js';
import { coordsText } from '../geo.js';
import { openList } from '../listing.js';

const PAGE = 20;

const CAUSES = {
	Connection: 'the vehicle\'s reports were missing',
	GeoPrivacy: 'geolocation privacy was on',
	FullPrivacy: 'full privacy was on',
};
const FAULTS = {
	Unfinished: 'Its end was never reported: the car drove off, left the place or stopped reporting',
	DataLacking: 'Data lacking: reports more than 45 minutes apart while charging',
};
const MODES = { Slow: 'Slow', Quick: 'Quick' };

/* "Slow", "Quick", or '' (the API says neither). */
export function modeText(c) {
	return MODES[c.chargingMode] || '';
}

/*
 * A session's state in words: ["Charging now"] while it goes on (its
 * Unfinished fault, without a cause, says just that), each fault with its
 * cause, or ["Ended normally"].
 */
export function chargeState(c) {
	const out = [];
	if (c.done === false)
		out.push('Charging now');
	for (const f of c.faults || []) {
		if (f.fault === 'Unfinished' && c.done === false && !f.cause)
			continue;
		const text = FAULTS[f.fault] || f.fault;
		out.push(f.cause ? `${text} (${CAUSES[f.cause] || f.cause})` : text);
	}
	if (!out.length)
		out.push('Ended normally');
	if (c.interruptions)
		out.push(`Resumed after ${c.interruptions === 1 ? 'a pause' : `${c.interruptions} pauses`}`);
	return out;
}

/* "20 % → 80 %" (either end may be unknown). */
export function levelsText(c) {
	const l = (v) => (v == null ? '?' : `${num(v)} %`);
	return c.startLevel == null && c.endLevel == null ? '–' : `${l(c.startLevel)} → ${l(c.endLevel)}`;
}

/* "11.3 kWh", or what is missing to know it. */
export function energyText(c) {
	return c.energyAdded == null ? 'unknown' : `${num(c.energyAdded, 1)} kWh`;
}

/* "7.4 kW" (average), or '–'. */
export const powerText = (kw) => (kw == null ? '–' : `${num(kw, 1)} kW`);

/* The session's place, in coordinates, or ''. */
export function placeOf(c) {
	return c.position && c.position.geometry ? c.position.geometry.coordinates : null;
}

export async function render(view, args, ctx) {
	const f = ctx.face;
	const open = await openList(view, args, ctx, { name: 'charges', title: 'Charging', path: 'charges', pageSize: PAGE,
		formId: 'charge-filter', listId: 'charges-list', pick: (vs) => vs.find((v) => v.motorization && v.motorization !== 'Thermic') || vs[0] });
	if (!open)
		return;
	const { vid, page, list, vehicles } = open;
	const charges = api.items(page);
	if (!charges.length) {
		const v = vehicles.find((x) => x.id === decodeURIComponent(vid));
		list.innerHTML = v && v.motorization === 'Thermic' ? '<p>No charging session: this vehicle has no traction battery.</p>'
			: '<p>No charging session in this period.</p>';
		return;
	}
	list.innerHTML = html`
<div class="table-wrap"><table class="charges">
  <caption class="muted">Page ${page.currentPage} of ${page.totalPage}: ${page.total} charging sessions</caption>
  <thead><tr><th scope="col">Started</th><th scope="col">Where</th><th scope="col">Duration</th><th scope="col">Battery</th>
    <th scope="col">Energy added</th><th scope="col">Power (average, peak)</th><th scope="col">Mode</th><th scope="col">State</th></tr></thead>
  <tbody>${charges.map((c) => html`<tr class="charge-row" data-id="${c.id}">
    <td><a href="${f.href('charge', vid, c.id)}">${when(c.startedAt)}</a>${c.done === false ? raw(' <span class="pill on">charging</span>') : ''}</td>
    <td class="coords">${placeOf(c) ? coordsText(placeOf(c)) : 'unknown'}</td>
    <td>${duration(c.duration)}</td>
    <td class="levels">${levelsText(c)}</td>
    <td class="energy">${energyText(c)}</td>
    <td class="power">${powerText(c.avgPower)}, ${c.maxPower == null ? 'peak not reported' : powerText(c.maxPower)}</td>
    <td class="mode">${modeText(c) || '–'}</td>
    <td class="state">${chargeState(c).join('; ')}</td>
  </tr>`)}</tbody>
</table></div>
${open.pager}`.raw;
}

// trips.js - a vehicle's trips, newest first, one page at a time, with a
// date filter (the API's `timestamps`) and the API's own paging links
// (listing.js), on either face (face.js). A period the API refuses is
// said next to the dates (errors.js). Each trip gives its efficiency per
// 100 km when the API knows it (the vehicle's capacity).

import * as api from '../api.js';
import { html, raw, when, duration, num, per100km } from '../fmt.js';
import { openList } from '../listing.js';

const PAGE = 20;

export async function render(view, args, ctx) {
	const f = ctx.face;
	const open = await openList(view, args, ctx, { name: 'trips', title: 'Trips', path: 'trips', pageSize: PAGE, formId: 'trip-filter', listId: 'trips-list' });
	if (!open)
		return;
	const { vid, page, list } = open;
	const trips = api.items(page);
	if (!trips.length) {
		list.innerHTML = '<p>No trip in this period.</p>';
		return;
	}
	list.innerHTML = html`
<div class="table-wrap"><table>
  <caption class="muted">Page ${page.currentPage} of ${page.totalPage}: ${page.total} trips</caption>
  <thead><tr><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Distance</th><th scope="col">Average speed</th><th scope="col">Energy used</th></tr></thead>
  <tbody>${trips.map((t) => html`<tr class="trip-row">
    <td><a href="${f.href('trip', vid, t.id)}">${when(t.startedAt)}</a>${t.done === false ? raw(' <span class="pill">under way</span>') : ''}</td>
    <td>${duration(t.duration)}</td><td>${num(t.distance)} km</td>
    <td>${t.kinetic ? `${num(t.kinetic.avgSpeed)} km/h` : '–'}</td>
    <td>${(t.energyConsumptions || []).map((c) => `${num(c.consumption, 1)} % of the ${c.type === 'Electric' ? 'battery' : 'tank'}${c.avgConsumption != null ? ` (${per100km(c.type, c.avgConsumption)})` : ''}`).join(', ')}</td>
  </tr>`)}</tbody>
</table></div>
${open.pager}`.raw;
}

// trips.js - a vehicle's trips, newest first, one page at a time, with a
// date filter (the API's `timestamps`) and the API's own paging links,
// on either face (face.js). A period the API refuses is said next to the
// dates (errors.js).

import * as api from '../api.js';
import { html, raw, when, duration, num, dayStart, vehicleName } from '../fmt.js';
import { fieldErrors } from '../errors.js';
import { vehiclesOf } from '../face.js';

const PAGE = 20;

/* The vehicle picker shared by the per-vehicle pages of face f: answers the vehicles. */
export async function vehiclePicker(f, el, current, hrefOf) {
	const vehicles = await vehiclesOf(f);
	el.innerHTML = html`<label for="vehicle">Vehicle</label>
<select id="vehicle">${vehicles.map((v) => html`<option value="${v.id}"${raw(v.id === current ? ' selected' : '')}>${vehicleName(v, true)}</option>`)}</select>`.raw;
	el.querySelector('select').onchange = (ev) => {
		location.hash = hrefOf(ev.target.value);
	};
	return vehicles;
}

export async function render(view, args, ctx) {
	const vid = args[0] ? encodeURIComponent(args[0]) : '';
	const q = ctx.query;
	const f = ctx.face;
	const base = vid ? `${f.vehicle(vid)}/trips` : '';
	view.innerHTML = `<h1>Trips</h1>
<form class="filters" id="trip-filter">
  <div id="picker"></div>
  <div><label for="from">From</label><input type="date" id="from" name="from" value=""></div>
  <div><label for="to">To (included)</label><input type="date" id="to" name="to" value=""></div>
  <button type="submit">Show</button>
</form>
<div id="trips-list" aria-live="polite"></div>`;
	const vehicles = await vehiclePicker(f, view.querySelector('#picker'), vid, (id) => f.href('trips', id));
	if (!vid) {
		if (!vehicles.length) {
			view.querySelector('#trips-list').textContent = 'No vehicle in this account yet.';
			return;
		}
		location.replace(f.href('trips', vehicles[0].id));
		return;
	}
	const form = view.querySelector('#trip-filter');
	form.from.value = q.get('from') || '';
	form.to.value = q.get('to') || '';
	form.onsubmit = (ev) => {
		ev.preventDefault();
		const p = new URLSearchParams();
		if (form.from.value)
			p.set('from', form.from.value);
		if (form.to.value)
			p.set('to', form.to.value);
		location.hash = `${f.href('trips', vid)}?${p}`;
	};
	let path = q.get('at');
	if (!path || !path.startsWith(base)) {
		const p = new URLSearchParams({ pageSize: String(PAGE) });
		const from = dayStart(q.get('from'));
		let to = dayStart(q.get('to'));
		if (to)
			to = new Date(Date.parse(to) + 86400000).toISOString();
		if (from || to)
			p.set('timestamps', `${from || ''}/${to || ''}`);
		path = `${base}?${p}`;
	}
	const list = view.querySelector('#trips-list');
	let page;
	try {
		page = await api.get(path);
	} catch (e) {
		fieldErrors(list).show(e, [{ path: 'timestamps', field: form.to,
			text: form.from.value && form.to.value && form.to.value < form.from.value
				? 'The period ends before it starts: pick an end on or after the start.' : 'Pick the dates of the period again.' }]);
		return;
	}
	const trips = api.items(page);
	if (!trips.length) {
		list.innerHTML = '<p>No trip in this period.</p>';
		return;
	}
	const nav = (name, text) => {
		const l = api.link(page, name);
		if (!l)
			return '';
		const p = new URLSearchParams(q);
		p.set('at', l);
		return html`<a class="button secondary" href="${f.href('trips', vid)}?${p.toString()}" rel="${name}">${text}</a>`.raw;
	};
	list.innerHTML = html`
<div class="table-wrap"><table>
  <caption class="muted">Page ${page.currentPage} of ${page.totalPage}: ${page.total} trips</caption>
  <thead><tr><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Distance</th><th scope="col">Average speed</th><th scope="col">Energy used</th></tr></thead>
  <tbody>${trips.map((t) => html`<tr class="trip-row">
    <td><a href="${f.href('trip', vid, t.id)}">${when(t.startedAt)}</a>${t.done === false ? raw(' <span class="pill">under way</span>') : ''}</td>
    <td>${duration(t.duration)}</td><td>${num(t.distance)} km</td>
    <td>${t.kinetic ? `${num(t.kinetic.avgSpeed)} km/h` : '–'}</td>
    <td>${(t.energyConsumptions || []).map((c) => `${num(c.consumption, 1)} % of the ${c.type === 'Electric' ? 'battery' : 'tank'}`).join(', ')}</td>
  </tr>`)}</tbody>
</table></div>
<div class="pager">${raw(nav('first', 'First'))}${raw(nav('prev', 'Previous'))}${raw(nav('next', 'Next'))}</div>`.raw;
}

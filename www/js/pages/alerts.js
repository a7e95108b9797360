// alerts.js - alerts and collisions: the active ones, the history, and
// where they happened, on either face (face.js). A driver's #/alerts
// reads the latest page of every vehicle; a fleet manager's the fleet's
// own lists (every vehicle, newest first), a page at a time; #/alerts/VID
// (either face) one vehicle's history, a page at a time. Each alert's point
// on the map is labelled with its type (the active ones only when more
// than LABELS_MAX are drawn, so that labels stay readable), and the
// table gives its coordinates.

import * as api from '../api.js';
import { html, raw, when, words, esc, vehicleName } from '../fmt.js';
import { vehiclesOf } from '../face.js';
import { makeMap } from '../map.js';
import { coordsText } from '../geo.js';

const LATEST = 20;
const LABELS_MAX = 25;

function where(x) {
	return x && x.geometry ? x.geometry.coordinates : null;
}

function alertRows(list, names) {
	return list.map((a) => html`<tr class="alert-row${a.active ? ' active' : ''}">
  <td>${names.get(a.vid) || ''}</td>
  <td><span class="sev-${a.severity}">${words(a.severity)}</span></td>
  <td>${words(a.type)}</td>
  <td>${when(a.startedAt)}</td>
  <td>${a.active ? raw('<span class="pill off">active</span>') : when(a.endAt)}</td>
  <td>${where(a.startPosition) ? html`<span class="coords">${coordsText(where(a.startPosition))}</span> <button type="button" class="secondary show" data-lon="${where(a.startPosition)[0]}" data-lat="${where(a.startPosition)[1]}">Show on map</button>` : 'unknown'}</td>
</tr>`);
}

function alertTable(caption, list, names, cls) {
	if (!list.length)
		return html`<p class="muted ${cls}">${caption}: none.</p>`;
	return html`<div class="table-wrap"><table class="${cls}"><caption>${caption}</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Since</th><th scope="col">Ended</th><th scope="col">Where</th></tr></thead>
<tbody>${alertRows(list, names)}</tbody></table></div>`;
}

function collisionTable(list, names) {
	if (!list.length)
		return raw('<p class="muted">No collision.</p>');
	return html`<div class="table-wrap"><table class="collisions"><caption>Collisions</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">When</th><th scope="col">Impacts</th></tr></thead>
<tbody>${list.map((c) => html`<tr><td>${names.get(c.vid) || ''}</td><td>${when(c.createdAt)}</td>
<td>${(c.details || []).map((d) => `${words(d.side)}${d.severity ? ` (${words(d.severity)})` : ''}`).join(', ') || 'unknown'}</td></tr>`)}</tbody></table></div>`;
}

export async function render(view, args, ctx) {
	const vid = args[0] ? encodeURIComponent(args[0]) : '';
	const f = ctx.face;
	const vehicles = await vehiclesOf(f);
	const names = new Map(vehicles.map((v) => [v.id, vehicleName(v)]));
	view.innerHTML = html`<h1>Alerts</h1>
<div class="filters"><div><label for="vehicle">Vehicle</label><select id="vehicle"><option value="">All vehicles</option>
${vehicles.map((v) => html`<option value="${v.id}"${raw(v.id === vid ? ' selected' : '')}>${names.get(v.id)}</option>`)}</select></div></div>
<div id="alerts-map"></div><div id="alerts-body"></div>`.raw;
	view.querySelector('#vehicle').onchange = (ev) => {
		location.hash = ev.target.value ? f.href('alerts', ev.target.value) : f.href('alerts');
	};
	const mapping = makeMap(view.querySelector('#alerts-map'), { label: 'Where the alerts happened' });
	const body = view.querySelector('#alerts-body');
	let alerts = [], collisions = [], pager = '';
	/* one page of alerts (at: the page's path, kept in the address) and the latest collisions, with a pager */
	const paged = async (alertsPath, collisionsPath, vidOf) => {
		const at = ctx.query.get('at');
		const path = at && at.startsWith(alertsPath) ? at : `${alertsPath}?pageSize=${LATEST}`;
		const [page, cols] = await Promise.all([api.get(path), api.get(`${collisionsPath}?pageSize=${LATEST}`)]);
		alerts = api.items(page).map((a) => ({ ...a, vid: vidOf(a) }));
		collisions = api.items(cols).map((c) => ({ ...c, vid: vidOf(c) }));
		const here = vid ? f.href('alerts', vid) : f.href('alerts');
		const nav = (name, text) => {
			const l = api.link(page, name);
			return l ? html`<a class="button secondary" rel="${name}" href="${here}?at=${encodeURIComponent(l)}">${text}</a>`.raw : '';
		};
		pager = `<div class="pager"><span class="muted">Page ${esc(page.currentPage)} of ${esc(page.totalPage)}</span>${nav('first', 'First')}${nav('prev', 'Previous')}${nav('next', 'Next')}</div>`;
	};
	/* the vehicle of an item of a fleet-wide list: its `vehicle` link's last part */
	const linkedVid = (x) => (x._links && x._links.vehicle && x._links.vehicle.href ? x._links.vehicle.href.split('/').pop() : '');
	if (vid) {
		await paged(`${f.vehicle(vid)}/alerts`, `${f.vehicle(vid)}/collisions`, () => vid);
	} else if (f.fleet) {
		await paged(`${f.base}/alerts`, `${f.base}/collisions`, linkedVid);
	} else {
		const per = await Promise.all(vehicles.map(async (v) => {
			const [a, c] = await Promise.all([
				api.get(`${f.vehicle(v.id)}/alerts?pageSize=${LATEST}`),
				api.get(`${f.vehicle(v.id)}/collisions?pageSize=${LATEST}`),
			]);
			return [api.items(a).map((x) => ({ ...x, vid: v.id })), api.items(c).map((x) => ({ ...x, vid: v.id }))];
		}));
		alerts = per.flatMap((p) => p[0]).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
		collisions = per.flatMap((p) => p[1]).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
	}
	const map = await mapping;
	const active = alerts.filter((a) => a.active);
	body.innerHTML = [
		'<h2>Active</h2>', alertTable('Active alerts', active, names, 'active-alerts').raw,
		`<h2>History</h2>`, vid || f.fleet ? '' : `<p class="muted">The latest ${LATEST} of each vehicle; pick a vehicle for its whole history.</p>`,
		alertTable('Alert history', alerts, names, 'alert-history').raw, pager,
		'<h2>Collisions</h2>', collisionTable(collisions, names).raw,
	].join('');
	const placed = alerts.filter((a) => where(a.startPosition));
	for (const a of placed)
		map.point(where(a.startPosition), `${words(a.type)} (${names.get(a.vid) || ''})`, {
			cls: a.active ? 'cv-alert cv-alert-active' : 'cv-alert', color: a.active ? '#dc2626' : '#f59e0b',
			label: a.active || placed.length <= LABELS_MAX,
		});
	map.fit(14);
	body.onclick = (ev) => {
		const b = ev.target.closest('button.show');
		if (b && map.map) {
			map.map.setView([Number(b.dataset.lat), Number(b.dataset.lon)], 16);
			view.querySelector('#alerts-map').scrollIntoView({ behavior: 'smooth', block: 'center' });
		}
	};
}

// fleets.js - the fleet face (B2B v3) for fleet managers: their fleets, a
// fleet's vehicles on the map with their state (/fleets/{fid}/status, one
// call for 60 vehicles), and the fleet-wide alerts, newest first.

import * as api from '../api.js';
import { html, raw, age, when, num, words, vehicleName } from '../fmt.js';
import { makeMap } from '../map.js';

export async function render(view, args, ctx) {
	const fid = args[0];
	if (!fid) {
		const fleets = await api.all(`${api.B2B}/fleets?pageSize=60`);
		if (fleets.length === 1) {
			location.replace(`#/fleets/${encodeURIComponent(fleets[0].id)}`);
			return;
		}
		view.innerHTML = html`<h1>Fleets</h1>${fleets.length ? html`<ul>${fleets.map((f) => html`<li><a href="#/fleets/${encodeURIComponent(f.id)}">${f.label || f.name || f.id}</a></li>`)}</ul>` : raw('<p>No fleet.</p>')}`.raw;
		return;
	}
	const base = `${api.B2B}/fleets/${encodeURIComponent(fid)}`;
	const [fleet, vehicles, statuses, apage] = await Promise.all([
		api.get(base),
		api.all(`${base}/vehicles?pageSize=60`),
		api.all(`${base}/status?pageSize=60`),
		api.get(`${base}/alerts?pageSize=20`),
	]);
	const names = new Map(vehicles.map((v) => [v.id, vehicleName(v)]));
	const alerts = api.items(apage);
	view.innerHTML = html`<h1>Fleet ${fleet.label || fleet.name || fid}</h1>
<div id="fleet-map"></div>
<h2>Vehicles</h2>
<div class="table-wrap"><table class="fleet-vehicles"><caption>${vehicles.total} vehicles</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">Energy</th><th scope="col">Odometer</th><th scope="col">Doors</th><th scope="col">Updated</th></tr></thead>
<tbody>${vehicles.map((v) => {
	const st = statuses.find((s) => s.vehicleId === v.id || s.id === v.id || (s._links && s._links.vehicle && s._links.vehicle.href.endsWith(`/${v.id}`)));
	return html`<tr><td>${names.get(v.id)}<br><span class="muted">${v.vin}</span></td>
<td>${st ? (st.energies || []).map((e) => `${e.type}: ${num(e.level)} %, ${num(e.autonomy)} km`).join('; ') : '–'}</td>
<td>${st && st.odometer ? `${num(st.odometer.mileage)} km` : '–'}</td>
<td>${st && st.doorsState ? (st.doorsState.lockedStates || []).map(words).join(', ') : '–'}</td>
<td>${st ? age(st.updatedAt) : 'no data'}</td></tr>`;
})}</tbody></table></div>
<h2>Latest alerts</h2>
${alerts.length ? html`<div class="table-wrap"><table class="fleet-alerts"><caption>The latest ${alerts.length} of ${apage.total}</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Since</th><th scope="col">State</th></tr></thead>
<tbody>${alerts.map((a) => html`<tr><td>${names.get((a._links && a._links.vehicle && a._links.vehicle.href.split('/').pop()) || '') || ''}</td>
<td><span class="sev-${a.severity}">${words(a.severity)}</span></td><td>${words(a.type)}</td><td>${when(a.startedAt)}</td><td>${a.active ? 'active' : `ended ${when(a.endAt)}`}</td></tr>`)}</tbody></table></div>` : raw('<p class="muted">No alert.</p>')}`.raw;
	const map = await makeMap(view.querySelector('#fleet-map'), { label: 'Where the fleet\'s vehicles are' });
	for (const st of statuses) {
		const p = st.lastPosition;
		const vid = st._links && st._links.vehicle ? st._links.vehicle.href.split('/').pop() : null;
		if (p && p.geometry)
			map.vehicle(p.geometry.coordinates, names.get(vid) || '');
	}
	for (const a of alerts)
		if (a.active && a.startPosition && a.startPosition.geometry)
			map.point(a.startPosition.geometry.coordinates, words(a.type), { cls: 'cv-alert cv-alert-active', color: '#dc2626', label: true });
	map.fit(13);
	void ctx;
}

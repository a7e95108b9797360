// fleets.js - the fleet face (B2B v3) for fleet managers: their fleets,
// and a fleet's overview, kept up to date as the driver's Vehicles page
// is: every pollSeconds (console.json) the fleet's status list
// (/fleets/{fid}/status, every page of it) is read again, the table and
// the markers on the map follow, and every ALERTS_EVERY polls the latest
// fleet-wide alerts too. Each vehicle's row leads to its trips (with their
// tracks), its alerts and collisions, and its remote control (face.js:
// #/f/FID/...); the fleet's monitors and its whole alert history are in
// the menu. Vehicles are named as the fleet face knows them: the fleet
// face's Vehicle has no label (the official schema has none), so a name
// is the brand and the VIN.

import * as api from '../api.js';
import { html, raw, age, when, num, words, vehicleName } from '../fmt.js';
import { makeMap, consoleConfig } from '../map.js';
import { coordsText } from '../geo.js';
import { vehiclesOf } from '../face.js';
import { staleness, lastReport, keepLive, markChanged, STALE_NOTE } from '../fresh.js';

const ALERTS_EVERY = 6;
const LATEST = 20;

/* the vehicle an item of a fleet-wide list belongs to: its `vehicle` link's last part */
function vidOf(x) {
	return x && x._links && x._links.vehicle && x._links.vehicle.href ? x._links.vehicle.href.split('/').pop() : '';
}

function row(f, v, st, fresh) {
	const pos = st && st.lastPosition && st.lastPosition.geometry;
	const last = lastReport(st);
	const stale = st && fresh.isStale(v.id, last);
	return html`<tr data-vid="${v.id}"><th scope="row">${vehicleName(v)}${v.label ? html`<br><span class="muted">${v.vin}</span>` : ''}</th>
<td>${st ? (st.energies || []).map((e) => `${e.type === 'Electric' ? 'Battery' : 'Fuel'} ${num(e.level)} %, ${num(e.autonomy)} km`).join('; ') || '–' : '–'}</td>
<td>${st && st.odometer ? `${num(st.odometer.mileage)} km` : '–'}</td>
<td>${st && st.doorsState ? (st.doorsState.lockedStates || []).map(words).join(', ') : '–'}</td>
<td>${st && st.kinetic ? (st.kinetic.moving ? `${num(st.kinetic.speed)} km/h` : 'parked') : '–'}</td>
<td class="coords">${pos ? coordsText(pos.coordinates) : '–'}</td>
<td>${st ? html`<span class="age${stale ? ' stale' : ''}" data-t="${last}"${raw(stale ? html` title="${STALE_NOTE}"`.raw : '')}>${age(last)}${stale ? ', stale' : ''}</span>` : 'no data'}</td>
<td class="actions"><a class="button secondary" href="${f.href('trips', v.id)}">Trips</a>${v.motorization === 'Thermic' ? '' : html`<a class="button secondary" href="${f.href('charges', v.id)}">Charging</a>`}<a class="button secondary" href="${f.href('summary', v.id)}">Summary</a><a class="button secondary" href="${f.href('alerts', v.id)}">Alerts</a><a class="button secondary" href="${f.href('remote', v.id)}">Control</a></td></tr>`;
}

export async function render(view, args, ctx) {
	const fid = args[0];
	if (!fid) {
		const fleets = await api.all(`${api.B2B}/fleets?pageSize=60`);
		if (fleets.length === 1) {
			location.replace(`#/fleets/${encodeURIComponent(fleets[0].id)}`);
			return;
		}
		view.innerHTML = html`<h1>Fleets</h1>${fleets.length ? html`<ul>${fleets.map((x) => html`<li><a href="#/fleets/${encodeURIComponent(x.id)}">${x.label || x.name || x.id}</a></li>`)}</ul>` : raw('<p>This account manages no fleet.</p>')}`.raw;
		return;
	}
	const f = ctx.face;
	const [cfg, fleet, vehicles] = await Promise.all([consoleConfig(), api.get(f.base), vehiclesOf(f)]);
	view.innerHTML = html`<h1>Fleet ${fleet.label || fleet.name || fid}</h1>
<div id="fleet-map"></div>
<h2>Vehicles</h2>
<p class="muted" id="stale-note" hidden>${STALE_NOTE}</p>
<div class="table-wrap"><table class="fleet-vehicles"><caption>${vehicles.total} vehicles</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">Energy</th><th scope="col">Odometer</th><th scope="col">Doors</th><th scope="col">Moving</th><th scope="col">Position</th><th scope="col">Last report</th><th scope="col">Open</th></tr></thead>
<tbody id="fleet-rows"></tbody></table></div>
<h2>Latest alerts</h2>
<div id="fleet-alerts"></div>
<p><a href="${f.href('alerts')}">Every alert and collision of the fleet</a></p>`.raw;
	const names = new Map(vehicles.map((v) => [v.id, vehicleName(v)]));
	const status = new Map();
	const fresh = staleness(f, () => {
		if (!stopped)
			draw();
	});
	const rows = view.querySelector('#fleet-rows');
	const alertsEl = view.querySelector('#fleet-alerts');
	let alerts = null, alertsTotal = 0;
	let map = null, polls = 0, stopped = false, first = true;
	const markers = new Map();
	const alertMarks = [];

	function drawAlerts() {
		if (!alerts)
			return;
		alertsEl.innerHTML = alerts.length ? html`<div class="table-wrap"><table class="fleet-alerts"><caption>The latest ${alerts.length} of ${alertsTotal}</caption>
<thead><tr><th scope="col">Vehicle</th><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Since</th><th scope="col">State</th></tr></thead>
<tbody>${alerts.map((a) => html`<tr><td>${names.get(vidOf(a)) || a.vin || ''}</td>
<td><span class="sev-${a.severity}">${words(a.severity)}</span></td><td>${words(a.type)}</td><td>${when(a.startedAt)}</td><td>${a.active ? 'active' : `ended ${when(a.endAt)}`}</td></tr>`)}</tbody></table></div>`.raw
			: '<p class="muted">No alert.</p>';
	}

	let shown = null;       /* the rows' values as last drawn (markChanged) */
	function draw() {
		rows.innerHTML = vehicles.map((v) => row(f, v, status.get(v.id), fresh).raw).join('');
		shown = markChanged(rows, 'td', shown);
		view.querySelector('#stale-note').hidden = !rows.querySelector('.stale');
		drawAlerts();
		if (!map)
			return;
		for (const v of vehicles) {
			const p = status.get(v.id) && status.get(v.id).lastPosition;
			if (!p || !p.geometry)
				continue;
			if (markers.has(v.id))
				map.moveTo(markers.get(v.id), p.geometry.coordinates);
			else
				markers.set(v.id, map.vehicle(p.geometry.coordinates, names.get(v.id), { title: vehicleName(v, true) }));
		}
		for (const m of alertMarks.splice(0))
			m.remove();
		for (const a of alerts || [])
			if (a.active && a.startPosition && a.startPosition.geometry)
				alertMarks.push(map.point(a.startPosition.geometry.coordinates, words(a.type), { cls: 'cv-alert cv-alert-active', color: '#dc2626', label: true }));
		if (first) {
			map.fit(13);
			first = false;
		}
	}

	async function poll() {
		const withAlerts = polls % ALERTS_EVERY === 0;
		polls++;
		const [list, apage] = await Promise.all([
			api.all(`${f.base}/status?pageSize=60`),
			withAlerts ? api.get(`${f.base}/alerts?pageSize=${LATEST}`) : null,
		]);
		for (const st of list)
			status.set(vidOf(st) || st.id, st);
		if (apage) {
			alerts = api.items(apage);
			alertsTotal = apage.total;
		}
		fresh.learn([...status.entries()].map(([vid, st]) => [vid, lastReport(st)]));
	}

	await poll();
	draw();
	map = await makeMap(view.querySelector('#fleet-map'), { label: 'Where the fleet\'s vehicles are' });
	draw();
	const halt = keepLive(rows, Math.max(2, Number(cfg.pollSeconds) || 10) * 1000, poll, draw,
		() => ctx.say('The fleet could not be read again: what is shown may be old.', 'bad'));
	return () => {
		stopped = true;
		halt();
	};
}

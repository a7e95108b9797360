// trip.js - one trip: its track on the map with start and stop markers,
// its figures, speed and energy along the way, its alerts (labelled points
// on the map), and its export as GPX or GeoJSON.

import * as api from '../api.js';
import { html, when, duration, num, words } from '../fmt.js';
import { makeMap } from '../map.js';
import { lineChart } from '../chart.js';
import { gpx, geojson, download } from '../export.js';

const MAX_POINTS = 20000;       /* 10 pages of 2000: about 55 h at one point every 10 s */

export async function render(view, args, ctx) {
	const [vid, tid] = args.map((a) => encodeURIComponent(a));
	const base = `${api.B2C}/user/vehicles/${vid}/trips/${tid}`;
	/* everything at once; each part is drawn when it has arrived */
	const early = (p) => {
		p.catch(() => {});       /* awaited below, where a failure is shown */
		return p;
	};
	const positionsP = early(api.all(`${base}/wayPoints?pageSize=2000`, { max: MAX_POINTS }));
	const samplesP = early(api.all(`${base}/telemetry?pageSize=2000`, { max: MAX_POINTS }));
	const alertsP = early(api.all(`${base}/alerts?pageSize=60`));
	const trip = await api.get(base);
	view.innerHTML = html`
<h1>Trip of ${when(trip.startedAt)}</h1>
<p><a href="#/trips/${vid}">All trips of this vehicle</a></p>
<div class="figures" id="figures">
  <div>Started<b>${when(trip.startedAt)}</b></div>
  <div>Stopped<b>${trip.stoppedAt ? when(trip.stoppedAt) : 'under way'}</b></div>
  <div>Duration<b>${duration(trip.duration)}</b></div>
  <div>Distance<b>${num(trip.distance)} km</b></div>
  <div>Average speed<b>${trip.kinetic ? `${num(trip.kinetic.avgSpeed)} km/h` : '–'}</b></div>
  <div>Top speed<b>${trip.kinetic ? `${num(trip.kinetic.maxSpeed)} km/h` : '–'}</b></div>
  ${(trip.energyConsumptions || []).map((c) => html`<div>${c.type === 'Electric' ? 'Battery' : 'Fuel'} used<b>${num(c.consumption, 1)} % of the ${c.type === 'Electric' ? 'battery' : 'tank'}</b></div>`)}
  ${trip.startMileage != null ? html`<div>Odometer at start<b>${num(trip.startMileage)} km</b></div>` : ''}
</div>
<div id="trip-map"></div>
<div class="actions">
  <button type="button" id="export-gpx">Export GPX</button>
  <button type="button" id="export-geojson" class="secondary">Export GeoJSON</button>
</div>
<h2>Along the way</h2>
<div id="charts"><p class="muted">Loading the trip's telemetry…</p></div>
<h2>Alerts during the trip</h2>
<div id="trip-alerts"></div>`.raw;
	const [map, positions] = await Promise.all([
		makeMap(view.querySelector('#trip-map'), { label: 'The trip\'s track' }),
		positionsP,
	]);
	if (positions.length) {
		map.track(positions.map((f) => f.geometry.coordinates));
		map.point(positions[0].geometry.coordinates, `Start, ${when(trip.startedAt)}`, { cls: 'cv-start', color: '#16a34a' });
		if (trip.stoppedAt)
			map.point(positions[positions.length - 1].geometry.coordinates, `Stop, ${when(trip.stoppedAt)}`, { cls: 'cv-stop', color: '#dc2626' });
		map.fit(16);
	} else {
		view.querySelector('#trip-map').insertAdjacentHTML('afterend', '<p class="muted">No positions for this trip.</p>');
	}
	const name = `trip-${(trip.startedAt || tid).replace(/[:.]/g, '-')}`;
	view.querySelector('#export-gpx').onclick = () => download(`${name}.gpx`, 'application/gpx+xml', gpx(trip, positions, name));
	view.querySelector('#export-geojson').onclick = () => download(`${name}.geojson`, 'application/geo+json', geojson(trip, positions, name));

	const charts = view.querySelector('#charts');
	try {
		const samples = await samplesP;
		const speed = [], energy = new Map();
		for (const s of samples) {
			const t = Date.parse(s.createdAt);
			const v = s.vehicle || {};
			if (v.kinetic && v.kinetic.speed != null)
				speed.push({ t, v: v.kinetic.speed });
			for (const e of v.energies || [])
				if (e.level != null) {
					if (!energy.has(e.type))
						energy.set(e.type, []);
					energy.get(e.type).push({ t, v: e.level });
				}
		}
		charts.innerHTML = '';
		charts.append(lineChart(speed, { title: 'Speed', unit: 'km/h', cls: 'cv-chart chart-speed' }));
		for (const [type, pts] of energy)
			charts.append(lineChart(pts, { title: `${type === 'Electric' ? 'Battery' : 'Fuel'} level`, unit: '%', color: type === 'Electric' ? '#15803d' : '#b45309', cls: `cv-chart chart-energy` }));
	} catch (e) {
		charts.innerHTML = '';
		ctx.showError(charts, e);
	}
	const alertsEl = view.querySelector('#trip-alerts');
	try {
		const alerts = await alertsP;
		alertsEl.innerHTML = alerts.length ? html`<ul>${alerts.map((a) => html`<li><span class="sev-${a.severity}">${words(a.type)}</span>, ${when(a.startedAt)}</li>`)}</ul>`.raw : '<p class="muted">None.</p>';
		for (const a of alerts)
			if (a.startPosition && a.startPosition.geometry)
				map.point(a.startPosition.geometry.coordinates, words(a.type), { cls: 'cv-alert', color: '#f59e0b', label: true });
	} catch (e) {
		ctx.showError(alertsEl, e);
	}
}

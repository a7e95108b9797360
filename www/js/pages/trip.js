// trip.js - one trip (either face, face.js): its track on the map with
// start and stop markers, its figures (its efficiency per 100 km among
// them, once the API knows the vehicle's capacity), speed and energy
// along the way, its alerts (labelled points on the map), and its export
// as GPX, GeoJSON or CSV. On a driver's face, its eco-coaching scores
// (ecoaching.js); the fleet face has no eco-coaching.
//
// Replay: a timeline slider over the trip's time (arrow keys step it 10 s,
// Page Up/Down a tenth of the trip; Play runs the whole trip in about 30
// s) puts a marker where the vehicle was at that moment (its last position
// then), the charts' cursors on their values, and says the moment, the
// place and the values under it. Hovering a chart moves the replay to the
// moment under the pointer.

import * as api from '../api.js';
import { html, raw, when, duration, num, words, per100km } from '../fmt.js';
import { SAY } from '../errors.js';
import { scoresHtml } from '../ecoaching.js';
import { makeMap } from '../map.js';
import { lineChart, nearest } from '../chart.js';
import { gpx, geojson, csv, download } from '../export.js';
import { coordsText } from '../geo.js';

const PLAY_STEPS = 300;         /* Play: the trip in 300 steps of 100 ms */

const MAX_POINTS = 20000;       /* 10 pages of 2000: about 55 h at one point every 10 s */

export async function render(view, args, ctx) {
	const [vid, tid] = args.map((a) => encodeURIComponent(a));
	const f = ctx.face;
	const base = `${f.vehicle(vid)}/trips/${tid}`;
	/* everything at once; each part is drawn when it has arrived */
	const early = (p) => {
		p.catch(() => {});       /* awaited below, where a failure is shown */
		return p;
	};
	const positionsP = early(api.all(`${base}/wayPoints?pageSize=2000`, { max: MAX_POINTS }));
	const samplesP = early(api.all(`${base}/telemetry?pageSize=2000`, { max: MAX_POINTS }));
	const alertsP = early(api.all(`${base}/alerts?pageSize=60`));
	const ecoP = f.fleet ? null : early(api.get(`${base}/ecoaching`));
	const trip = await api.get(base);
	view.innerHTML = html`
<h1>Trip of ${when(trip.startedAt)}</h1>
<p><a href="${f.href('trips', vid)}">All trips of this vehicle</a></p>
<div class="figures" id="figures">
  <div>Started<b>${when(trip.startedAt)}</b></div>
  <div>Stopped<b>${trip.stoppedAt ? when(trip.stoppedAt) : 'under way'}</b></div>
  <div>Duration<b>${duration(trip.duration)}</b></div>
  <div>Distance<b>${num(trip.distance)} km</b></div>
  <div>Average speed<b>${trip.kinetic ? `${num(trip.kinetic.avgSpeed)} km/h` : '–'}</b></div>
  <div>Top speed<b>${trip.kinetic ? `${num(trip.kinetic.maxSpeed)} km/h` : '–'}</b></div>
  ${(trip.energyConsumptions || []).map((c) => html`<div>${c.type === 'Electric' ? 'Battery' : 'Fuel'} used<b>${num(c.consumption, 1)} % of the ${c.type === 'Electric' ? 'battery' : 'tank'}</b></div>
  <div class="efficiency" data-type="${c.type}">Efficiency (${c.type === 'Electric' ? 'battery' : 'fuel'})<b>${per100km(c.type, c.avgConsumption) || 'unknown'}</b>${c.avgConsumption == null ? raw(`<span class="muted">${trip.distance != null && trip.distance < 1 ? 'a trip under 1 km' : 'the vehicle\'s capacity is not known'}</span>`) : ''}</div>`)}
  ${trip.startMileage != null ? html`<div>Odometer at start<b>${num(trip.startMileage)} km</b></div>` : ''}
</div>
<div id="trip-map"></div>
<div id="replay" class="replay card" hidden>
  <label for="replay-t">Replay: the moment of the trip</label>
  <div class="replay-row"><button type="button" id="replay-play" class="secondary">Play</button><input type="range" id="replay-t" step="1000"></div>
  <output id="replay-now" for="replay-t" aria-live="polite"></output>
</div>
<div class="actions">
  <button type="button" id="export-gpx">Export GPX</button>
  <button type="button" id="export-geojson" class="secondary">Export GeoJSON</button>
  <button type="button" id="export-csv" class="secondary">Export CSV</button>
</div>
<h2>Along the way</h2>
<div id="charts"><p class="muted">Loading the trip's telemetry…</p></div>
${ecoP ? raw('<h2>Eco-driving</h2>\n<div id="ecoaching" aria-live="polite"><p class="muted">Scoring the trip…</p></div>') : ''}
<h2>Alerts during the trip</h2>
<div id="trip-alerts"></div>`.raw;
	if (ecoP)
		ecoP.then((eco) => {
			view.querySelector('#ecoaching').innerHTML = scoresHtml(eco).raw;
		}, (e) => {
			const el = view.querySelector('#ecoaching');
			el.innerHTML = '';
			ctx.showError(el, e, { notFound: SAY.noSuchTrip });
		});
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
	view.querySelector('#export-csv').onclick = async () => {
		let samples = [];
		try {
			samples = await samplesP;
		} catch { /* the positions alone */ }
		download(`${name}.csv`, 'text/csv', csv(positions, samples));
	};

	const charts = view.querySelector('#charts');
	const series = [];            /* [{ svg, name, unit }] the charts the replay moves */
	let stopReplay = () => {};
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
		const pick = (t) => replayTo(t);
		const add = (pts, title, unit, opts) => {
			const svg = lineChart(pts, { title, unit, onPick: pick, ...opts });
			charts.append(svg);
			if (svg.cvAt)
				series.push({ svg, title, unit });
		};
		add(speed, 'Speed', 'km/h', { cls: 'cv-chart chart-speed' });
		for (const [type, pts] of energy)
			add(pts, `${type === 'Electric' ? 'Battery' : 'Fuel'} level`, '%', { color: type === 'Electric' ? '#15803d' : '#b45309', cls: 'cv-chart chart-energy' });
		stopReplay = replay(view, map, trip, positions, series);
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
	return () => stopReplay();
}

let replayTo = () => {};

/*
 * The replay's slider, tied to the map (a marker at the position of the
 * moment) and the charts (their cursors); answers what stops its play.
 */
function replay(view, map, trip, positions, series) {
	const track = positions.map((p) => ({ t: Date.parse(p.properties && p.properties.createdAt), c: p.geometry.coordinates }))
		.filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
	const times = [...track.map((p) => p.t), ...series.flatMap((s) => [Date.parse(s.svg.dataset.t0), Date.parse(s.svg.dataset.t1)])].filter(Number.isFinite);
	const t0 = Date.parse(trip.startedAt) || Math.min(...times), t1 = Date.parse(trip.stoppedAt) || Math.max(...times);
	if (!Number.isFinite(t0) || !Number.isFinite(t1) || t1 <= t0 || (!track.length && !series.length))
		return () => {};
	const box = view.querySelector('#replay');
	const input = view.querySelector('#replay-t');
	const out = view.querySelector('#replay-now');
	const play = view.querySelector('#replay-play');
	input.min = String(t0);
	input.max = String(t1);
	input.value = String(t0);
	box.hidden = false;
	let marker = null;
	const time = (t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
	replayTo = (t) => {
		t = Math.min(t1, Math.max(t0, Math.round(t)));
		input.value = String(t);
		const parts = [time(t)];
		/* where the vehicle was: its last position at or before t */
		const before = track.filter((p) => p.t <= t);
		const at = before.length ? before[before.length - 1] : track[0];
		if (at) {
			if (marker)
				map.moveTo(marker, at.c);
			else
				marker = map.point(at.c, 'The replay\'s moment', { cls: 'cv-replay', color: '#2563eb' });
			parts.push(coordsText(at.c));
		}
		for (const s of series) {
			const p = s.svg.cvAt(t);
			parts.push(`${s.title} ${Number(p.v.toFixed(1))} ${s.unit}`);
		}
		out.value = parts.join(' · ');
		out.dataset.t = String(t);
	};
	input.oninput = () => replayTo(Number(input.value));
	input.onkeydown = (ev) => {
		const step = { ArrowRight: 10000, ArrowUp: 10000, ArrowLeft: -10000, ArrowDown: -10000, PageUp: (t1 - t0) / 10, PageDown: -(t1 - t0) / 10 }[ev.key];
		if (step === undefined)
			return;
		ev.preventDefault();
		replayTo(Number(input.value) + step);
	};
	let timer = null;
	const stop = () => {
		clearInterval(timer);
		timer = null;
		play.textContent = 'Play';
	};
	play.onclick = () => {
		if (timer) {
			stop();
			return;
		}
		if (Number(input.value) >= t1)
			replayTo(t0);
		play.textContent = 'Pause';
		timer = setInterval(() => {
			replayTo(Number(input.value) + (t1 - t0) / PLAY_STEPS);
			if (Number(input.value) >= t1)
				stop();
		}, 100);
	};
	replayTo(t0);
	return stop;
}

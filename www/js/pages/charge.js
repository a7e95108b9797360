// charge.js - one charging session (either face, face.js): its figures,
// its state in words, its place on the map, and its curve: the battery's
// level and the charging power over time (chart.js, one chart each, as a
// trip's speed and energy), with the points as a table for those who do
// not see the charts. Hovering a chart puts both charts' cursors on that
// moment and says its values (an <output>).
//
// A session still charging is kept live (fresh.js keepLive): the session
// and its curve are read again every pollSeconds (console.json) until it
// ends, and its last report's age ticks, marked stale when older than
// twice the vehicle's reporting period (as the vehicles' cards).
//
// A session the API does not have (404), or an address that names none,
// is said in words (errors.js SAY.noSuchCharge).

import * as api from '../api.js';
import { html, raw, when, duration, num, age } from '../fmt.js';
import { explain, SAY } from '../errors.js';
import { makeMap, consoleConfig } from '../map.js';
import { lineChart } from '../chart.js';
import { coordsText } from '../geo.js';
import { staleness, keepLive, STALE_NOTE } from '../fresh.js';
import { chargeState, levelsText, energyText, powerText, modeText, placeOf } from './charges.js';

const MAX_POINTS = 20000;       /* 10 pages of 2000 */
const CHID = /^[0-9a-f]{48}$/;

function figures(c) {
	return html`
  <div>Started<b>${when(c.startedAt)}</b></div>
  <div>Ended<b>${c.stoppedAt ? when(c.stoppedAt) : 'charging now'}</b></div>
  <div>Duration<b>${duration(c.duration)}</b></div>
  <div>Charging time<b>${c.chargingDuration == null ? '–' : duration(c.chargingDuration)}</b></div>
  <div>Battery<b class="levels">${levelsText(c)}</b></div>
  <div>Range<b>${c.startAutonomy == null && c.endAutonomy == null ? '–' : `${num(c.startAutonomy)} km → ${num(c.endAutonomy)} km`}</b></div>
  <div>Energy added<b class="energy">${energyText(c)}</b>${c.energyAdded == null ? raw('<span class="muted">the vehicle reported no power, and its battery\'s capacity is not known</span>') : ''}</div>
  <div>Average power<b class="avg-power">${powerText(c.avgPower)}</b></div>
  <div>Peak power<b class="max-power">${c.maxPower == null ? 'not reported' : powerText(c.maxPower)}</b></div>
  <div>Mode<b class="mode">${modeText(c) || '–'}</b></div>`;
}

/* The curve's points (API items, newest first) as { level, power } series oldest first. */
function series(points) {
	const level = [], power = [];
	for (const p of points) {
		const t = Date.parse(p.createdAt);
		if (p.level != null)
			level.push({ t, v: p.level });
		if (p.power != null)
			power.push({ t, v: p.power });
	}
	return { level, power };
}

const STATUS = { InProgress: 'charging', Stopped: 'paused', Finished: 'finished', Failure: 'failed', Disconnected: 'unplugged' };

function pointsTable(points) {
	return html`<details class="curve-points"><summary>The curve's ${points.length} points as a table</summary>
<div class="table-wrap"><table><caption>The session's reports, oldest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Battery</th><th scope="col">Range</th><th scope="col">Power</th><th scope="col">Charging</th></tr></thead>
<tbody>${[...points].reverse().map((p) => html`<tr class="curve-point" data-t="${p.createdAt}"><td>${when(p.createdAt)}</td>
<td>${p.level == null ? '–' : `${num(p.level)} %`}</td><td>${p.autonomy == null ? '–' : `${num(p.autonomy)} km`}</td>
<td>${powerText(p.power)}</td><td>${STATUS[p.status] || '–'}</td></tr>`)}</tbody></table></div></details>`;
}

export async function render(view, args, ctx) {
	const [vid, chid] = args.map((a) => encodeURIComponent(a));
	const f = ctx.face;
	const back = html`<p><a href="${f.href('charges', vid)}">All charging sessions of this vehicle</a></p>`;
	const notFound = (e) => {
		view.innerHTML = html`<h1>Charging session</h1>${back}`.raw;
		ctx.showError(view, e, { notFound: SAY.noSuchCharge });
	};
	if (!CHID.test(chid || '') || !/^[0-9a-f]{32}$/.test(vid || '') || !chid.startsWith(vid)) {
		view.innerHTML = html`<h1>Charging session</h1>${back}<p class="error" role="alert">${SAY.noSuchCharge}</p>`.raw;
		return;
	}
	const base = `${f.vehicle(vid)}/charges/${chid}`;
	const curveP = api.all(`${base}/curve?pageSize=2000`, { max: MAX_POINTS });
	curveP.catch(() => {});     /* awaited below, where a failure is shown */
	let c;
	try {
		c = await api.get(base);
	} catch (e) {
		if (e instanceof api.SessionEnded || e instanceof api.Unreachable)
			throw e;
		notFound(e);
		return;
	}
	view.innerHTML = html`
<h1>Charging session of ${when(c.startedAt)}</h1>
${back}
<p id="charge-live" class="notice" hidden></p>
<ul id="charge-state" class="charge-state"></ul>
<div class="figures" id="figures"></div>
<div id="charge-map"></div>
<p id="charge-where" class="muted"></p>
<h2>The curve</h2>
<div id="curve"><p class="muted">Loading the session's reports…</p></div>
<output id="curve-now" for="curve" aria-live="polite"></output>
<div id="curve-table"></div>
<p class="muted" id="stale-note" hidden></p>`.raw;
	view.querySelector('#stale-note').textContent = STALE_NOTE;

	const map = await makeMap(view.querySelector('#charge-map'), { label: 'Where the session took place' });
	const place = placeOf(c);
	if (place) {
		map.point(place, `Charging, ${when(c.startedAt)}`, { cls: 'cv-charge', color: '#15803d' });
		map.fit(15);
		view.querySelector('#charge-where').textContent = `Where: ${coordsText(place)}.`;
	} else {
		view.querySelector('#charge-where').textContent = 'No position for this session.';
	}

	const fresh = staleness(f, () => drawLive());
	function drawLive() {
		const live = view.querySelector('#charge-live');
		if (c.done !== false) {
			live.hidden = true;
			view.querySelector('#stale-note').hidden = true;
			return;
		}
		const stale = fresh.isStale(decodeURIComponent(vid), c.updatedAt);
		live.hidden = false;
		live.innerHTML = html`Charging now: this page follows it. Last report <span class="age${stale ? ' stale' : ''}" data-t="${c.updatedAt}"${raw(stale ? html` title="${STALE_NOTE}"`.raw : '')}>${age(c.updatedAt)}${stale ? ', stale' : ''}</span>.`.raw;
		view.querySelector('#stale-note').hidden = !stale;
	}

	function drawSession() {
		view.querySelector('#figures').innerHTML = figures(c).raw;
		view.querySelector('#charge-state').innerHTML = chargeState(c).map((s) => html`<li>${s}</li>`.raw).join('');
		if (c.done === false)
			fresh.learn([[decodeURIComponent(vid), c.updatedAt]]);
		drawLive();
	}

	const curveEl = view.querySelector('#curve');
	const out = view.querySelector('#curve-now');
	function drawCurve(points) {
		const { level, power } = series(points);
		curveEl.innerHTML = '';
		const charts = [];
		const pick = (t) => {
			const parts = [new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })];
			for (const { svg, title, unit } of charts) {
				const p = svg.cvAt(t);
				parts.push(`${title} ${Number(p.v.toFixed(1))} ${unit}`);
			}
			out.value = parts.join(' · ');
		};
		const add = (pts, title, unit, opts) => {
			const svg = lineChart(pts, { title, unit, onPick: pick, ...opts });
			curveEl.append(svg);
			if (svg.cvAt)
				charts.push({ svg, title, unit });
		};
		add(level, 'Battery level', '%', { color: '#15803d', cls: 'cv-chart chart-level' });
		if (power.length)
			add(power, 'Charging power', 'kW', { color: '#b45309', cls: 'cv-chart chart-power' });
		else
			curveEl.insertAdjacentHTML('beforeend', '<p class="muted no-power">The vehicle did not report its charging power: the level alone is drawn.</p>');
		view.querySelector('#curve-table').innerHTML = points.length ? pointsTable(points).raw : '';
	}

	drawSession();
	try {
		drawCurve(await curveP);
	} catch (e) {
		curveEl.innerHTML = '';
		ctx.showError(curveEl, e, { notFound: SAY.noSuchCharge });
	}
	if (c.done !== false)
		return undefined;

	/* still charging: read again until it ends */
	const cfg = await consoleConfig();
	let points = null;
	const halt = keepLive(view, Math.max(2, Number(cfg.pollSeconds) || 10) * 1000, async () => {
		[c, points] = await Promise.all([api.get(base), api.all(`${base}/curve?pageSize=2000`, { max: MAX_POINTS })]);
	}, () => {
		drawSession();
		drawCurve(points);
		if (c.done !== false)
			halt();
	}, (e) => ctx.say(`The session could not be read again: ${explain(e, { notFound: SAY.noSuchCharge })}`, 'bad'));
	return halt;
}

// fleet.js - the user's vehicles: a card each and a map of where they are,
// kept up to date by polling /status with If-None-Match (a 304 when
// nothing changed) every pollSeconds (console.json, default 10). A card
// gives the vehicle's position in coordinates, and its address when
// console.json has a geocoder (geo.js). A value is marked stale when
// older than twice its vehicle's reporting period (fresh.js), and the
// mark explained under the cards and in its title.

import * as api from '../api.js';
import { html, raw, age, num, words, vehicleName } from '../fmt.js';
import { makeMap, consoleConfig } from '../map.js';
import { coordsText, address, knownAddress } from '../geo.js';
import { staleness, lastReport, keepLive, markChanged, STALE_NOTE } from '../fresh.js';

const ALERTS_EVERY = 6;        /* polls between two reads of the alerts */

/* the staleness of the vehicles on the page (fresh.js), and the vehicle whose card is being written and its last report */
let fresh = null, cur = '', curUpdated = '';

function ageSpan(t) {
	if (!t)
		return raw('<span class="age">no data</span>');
	/* a value the vehicle has not sent again since (its last report is stale too), not one its reports leave out */
	const old = fresh && fresh.isStale(cur, t) && fresh.isStale(cur, curUpdated);
	return html`<span class="age${old ? ' stale' : ''}" data-t="${t}"${raw(old ? html` title="${STALE_NOTE}"`.raw : '')}>${age(t)}${old ? ', stale' : ''}</span>`;
}

function energyRows(st) {
	return (st.energies || []).map((e) => {
		const ch = e.extension && e.extension.electric && e.extension.electric.charging;
		const charging = ch ? html`<dt>Charging</dt><dd>${ch.plugged ? 'plugged' : 'unplugged'}${ch.status ? `, ${words(ch.status)}` : ''}${ch.remainingTime ? ` (${ch.remainingTime.replace(/^PT/, '').toLowerCase()} left)` : ''} ${ageSpan(e.createdAt)}</dd>` : '';
		return html`<dt>${e.type === 'Electric' ? 'Battery' : 'Fuel'}</dt><dd>${num(e.level)} %, ${num(e.autonomy)} km ${ageSpan(e.createdAt)}</dd>${charging}`;
	});
}

/* Where the vehicle is: its coordinates, their age, and a line for its address (geo.js). */
function where(pos) {
	const c = pos && pos.geometry && pos.geometry.coordinates;
	if (!c)
		return pos ? ageSpan(pos.properties && pos.properties.createdAt) : 'unknown';
	const a = knownAddress(c);
	return html`<span class="coords">${coordsText(c)}</span> ${ageSpan(pos.properties && pos.properties.createdAt)}<span class="address" data-at="${coordsText(c)}">${a || ''}</span>`;
}

function card(v, st, alerts) {
	cur = v.id;
	curUpdated = lastReport(st);
	const locked = st && st.doorsState && st.doorsState.lockedStates;
	const active = (alerts || []).filter((a) => a.active);
	const pos = st && st.lastPosition;
	return html`
<article class="card" data-vid="${v.id}" aria-labelledby="t-${v.id}">
  <h2 id="t-${v.id}">${vehicleName(v)}</h2>
  <div class="muted">${v.vin} · ${words(v.motorization)}</div>
  ${!st ? raw('<p class="muted">No data from this vehicle yet.</p>') : html`
  <dl>
    <dt>Last report</dt><dd>${ageSpan(lastReport(st))}</dd>
    ${energyRows(st)}
    <dt>Odometer</dt><dd>${st.odometer ? html`${num(st.odometer.mileage)} km ${ageSpan(st.odometer.createdAt)}` : '–'}</dd>
    <dt>Doors</dt><dd class="locks">${locked ? html`${locked.map(words).join(', ')} ${ageSpan(st.doorsState.createdAt)}` : '–'}</dd>
    <dt>Moving</dt><dd>${st.kinetic ? html`${st.kinetic.moving ? `yes, ${num(st.kinetic.speed)} km/h` : 'no'} ${ageSpan(st.kinetic.createdAt)}` : '–'}</dd>
    <dt>Position</dt><dd class="position">${where(pos)}</dd>
    <dt>Alerts</dt><dd class="active-alerts">${alerts === null ? 'unknown' : active.length ? raw(active.map((a) => html`<span class="sev-${a.severity}">${words(a.type)}</span>`.raw).join(', ')) : 'none active'}</dd>
  </dl>`}
  <div class="actions">
    <a class="button" href="#/trips/${v.id}">Trips</a>
    ${v.motorization === 'Thermic' ? '' : html`<a class="button" href="#/charges/${v.id}">Charging</a>`}
    <a class="button" href="#/summary/${v.id}">Summary</a>
    <a class="button" href="#/alerts/${v.id}">Alerts</a>
    <a class="button" href="#/remote/${v.id}">Control</a>
  </div>
</article>`;
}

export async function render(view, args, ctx) {
	view.innerHTML = `<h1>Vehicles</h1><div id="fleet-map"></div><p class="muted" id="fleet-note"></p><div class="cards" id="cards" aria-live="off"></div>
<p class="muted" id="stale-note" hidden></p>`;
	view.querySelector('#stale-note').textContent = STALE_NOTE;
	fresh = staleness(ctx.face, () => draw());
	const [cfg, vehicles] = await Promise.all([consoleConfig(), api.all(`${api.B2C}/user/vehicles?pageSize=60`)]);
	/* the map loads while the vehicles are read; the cards do not wait for it */
	let map = null;
	const mapReady = makeMap(view.querySelector('#fleet-map'), { label: 'Where the vehicles are' }).then((m) => {
		map = m;
		drawMap();
	});
	const note = view.querySelector('#fleet-note');
	if (vehicles.total > vehicles.length)
		note.textContent = `The first ${vehicles.length} of ${vehicles.total} vehicles.`;
	if (!vehicles.length)
		note.textContent = 'No vehicle in this account yet.';
	const state = new Map(vehicles.map((v) => [v.id, { v, st: null, etag: null, alerts: null, error: null }]));
	const cards = view.querySelector('#cards');
	let polls = 0;
	let stopped = false;
	let first = true;

	/* a marker per vehicle, made once and moved by each poll (a popup open on it stays open) */
	const markers = new Map();
	function drawMap() {
		if (!map)
			return;
		for (const s of state.values()) {
			const p = s.st && s.st.lastPosition;
			if (!p || !p.geometry)
				continue;
			if (markers.has(s.v.id))
				map.moveTo(markers.get(s.v.id), p.geometry.coordinates);
			else
				markers.set(s.v.id, map.vehicle(p.geometry.coordinates, s.v.label || s.v.vin, { title: vehicleName(s.v, true) }));
		}
		if (first && polls) {
			map.fit(13);
			first = false;
		}
	}

	/* the addresses not known yet, asked of the geocoder and written in when it answers */
	function addresses() {
		if (!cfg.geocoder)
			return;
		for (const s of state.values()) {
			const c = s.st && s.st.lastPosition && s.st.lastPosition.geometry && s.st.lastPosition.geometry.coordinates;
			if (!c || knownAddress(c) !== undefined)
				continue;
			address(cfg.geocoder, c).then((a) => {
				if (!a || stopped)
					return;
				for (const el of cards.querySelectorAll('.address[data-at]'))
					if (el.dataset.at === coordsText(c))
						el.textContent = a;
			});
		}
	}

	let shown = null;       /* the cards' values as last drawn (markChanged) */
	function draw() {
		if (stopped)
			return;
		fresh.learn([...state.values()].filter((s) => s.st).map((s) => [s.v.id, lastReport(s.st)]));
		cards.innerHTML = [...state.values()].map((s) => card(s.v, s.st, s.alerts).raw).join('');
		shown = markChanged(cards, 'dd', shown);
		view.querySelector('#stale-note').hidden = !cards.querySelector('.stale');
		for (const s of state.values())
			if (s.error)
				ctx.showError(cards.querySelector(`[data-vid="${s.v.id}"]`), s.error);
		addresses();
		drawMap();
	}

	async function poll() {
		const withAlerts = polls % ALERTS_EVERY === 0;
		polls++;
		await Promise.all([...state.values()].map(async (s) => {
			try {
				const [st, alerts] = await Promise.all([
					api.get(`${api.B2C}/user/vehicles/${s.v.id}/status`, { etag: s.etag }),
					withAlerts ? api.get(`${api.B2C}/user/vehicles/${s.v.id}/alerts?pageSize=20`) : null,
				]);
				if (!st.notModified) {
					s.st = st;
					s.etag = st.etag;
				}
				if (alerts)
					s.alerts = api.items(alerts);
				s.error = null;
			} catch (e) {
				if (e instanceof api.SessionEnded)
					throw e;
				/* 404: no data yet; anything else is said on the card, with the age of what is shown */
				s.error = e.status === 404 ? null : e;
			}
		}));
	}

	await poll();
	draw();
	await mapReady;
	const halt = keepLive(view, Math.max(2, Number(cfg.pollSeconds) || 10) * 1000, poll, draw);
	return () => {
		stopped = true;
		halt();
	};
}

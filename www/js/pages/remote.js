// remote.js - remote actions on one vehicle, and their progress.
//
// Actions are posted under a callback; the console uses one of its own,
// a poll callback (`callback: {poll: {name}}`, a cvapi extension: nothing
// is delivered anywhere, the console reads the action instead), made the
// first time it is needed and found again by its label afterwards. Each
// action is then read every 500 ms until it is done, and every state it
// went through is shown: Accepted, Waking up the vehicle, Checking the
// vehicle, Sent to the vehicle, then Done, Already done or Failed with
// its cause in words. A destination the API refuses is said next to
// its field (errors.js). The map shows the vehicle where it last was
// (its coordinates under the map); a destination's card gives its
// coordinates.
//
// On the fleet face (face.js) a callback must be a webhook (the fleet
// face has no poll callback): the console uses the fleet's remote
// callback labelled `cvapi console`, and the first time asks the fleet
// manager for the address its events go to (said next to the field when
// refused); it still follows each action by reading it. The fleet face
// adds immobilization and the stolen report, each asked to be confirmed
// first, and the vehicle's theft reports are listed.
//
// An action is followed to its final state through outages: its reads
// wait for the server (api.js) and go on when it answers, so an action
// that ended while the console could not see it is shown ended. An
// action that could not be sent for an outage says so, and is not sent
// again by itself (it may have been).

import * as api from '../api.js';
import { html, raw, words, when, vehicleName } from '../fmt.js';
import { makeMap } from '../map.js';
import { coordsText } from '../geo.js';
import { fieldErrors } from '../errors.js';

const LABEL = 'cvapi console';
const POLL_MS = 500;

const STATES = {
	Accepted: 'Accepted',
	WakingUpVehicle: 'Waking up the vehicle',
	CheckingVehicle: 'Checking the vehicle',
	SentToVehicle: 'Sent to the vehicle',
	Success: 'Done',
	AlreadyDone: 'Already done',
	Failed: 'Failed',
};
const FINAL = new Set(['Success', 'AlreadyDone', 'Failed']);
const CAUSES = {
	VehicleConnectionTimeout: 'the vehicle did not answer in time (out of coverage or switched off)',
	SameActionInProgress: 'the same kind of action is already under way',
	TooManyWakeUpsOverMonth: 'the vehicle was woken up too often this month',
	NotPossibleDueToVehicleBatteryLevel: 'the battery is too low',
	DoorsOpen: 'a door is open',
	VehicleInUse: 'the vehicle is being driven',
	CanceledByDriver: 'the driver cancelled it',
	WrongCommand: 'this vehicle cannot do that',
};

/* the fleet face's remote types, all served by the console's fleet callback */
const FLEET_TYPES = ['ThermalPreconditioning', 'ElectricBatteryChargingRequest', 'Horn', 'Doors', 'Lights', 'Immobilization', 'Stolen', 'WakeUp', 'Navigation'];

const ACTIONS = [
	{ id: 'lock', text: 'Lock', body: { door: { state: 'Locked' } } },
	{ id: 'unlock', text: 'Unlock', body: { door: { state: 'Unlocked' } } },
	{ id: 'horn', text: 'Horn', body: { horn: { state: 'Activated' } } },
	{ id: 'lights', text: 'Flash the lights', body: { lights: { on: true } } },
	{ id: 'precond-on', text: 'Start preconditioning', body: { preconditioning: { airConditioning: { immediate: true } } } },
	{ id: 'precond-off', text: 'Stop preconditioning', body: { preconditioning: { airConditioning: { immediate: false } } } },
	{ id: 'charge', text: 'Charge now', body: { charging: { immediate: true } }, electric: true },
	{ id: 'wakeup', text: 'Wake up', body: { wakeUp: { action: 'WakeUp' } } },
	{ id: 'immobilize', text: 'Immobilize', body: { immobilization: { activate: true } }, fleet: true,
		confirm: 'Immobilize this vehicle? It cannot be started until the immobilization is released.' },
	{ id: 'release', text: 'Release the immobilization', body: { immobilization: { activate: false } }, fleet: true },
	{ id: 'stolen', text: 'Report stolen', body: { stolen: { stolen: true } }, fleet: true,
		confirm: 'Report this vehicle stolen? It is then tracked more closely until reported recovered.' },
	{ id: 'recovered', text: 'Report recovered', body: { stolen: { stolen: false } }, fleet: true },
];

export function causeText(c) {
	return CAUSES[c] || words(c);
}

/* The console's fleet callback of face f, or null when the fleet has none yet. */
async function fleetCallback(f) {
	/* (the fleet face keeps a callback's label in its subscribe) */
	const found = (await api.all(`${f.base}/remote/callbacks?pageSize=60`)).find((cb) => cb.subscribe && cb.subscribe.label === LABEL);
	return found ? api.get(`${f.base}/remote/callbacks/${found.id}`) : null;
}

/* The console's poll callback: found by its label, or made. */
export async function consoleCallback() {
	const found = (await api.all(`${api.B2C}/user/callbacks?pageSize=60`))
		.find((cb) => cb.label === LABEL && cb.subscribe && cb.subscribe.callback && cb.subscribe.callback.poll);
	if (found)
		return found;
	const ref = await api.post(`${api.B2C}/user/callbacks`, { label: LABEL, type: ['Remote'], callback: { poll: { name: LABEL } } });
	return api.get(`${api.B2C}/user/callbacks/${ref.id || ref.callbackId}`);
}

function progress(seen, a) {
	return html`<ul class="progress" aria-label="Progress">${seen.map((s) => {
		const cls = s === 'Failed' ? 'final-bad' : FINAL.has(s) ? 'final-ok' : '';
		const cause = s === 'Failed' && a.failureCause ? `: ${causeText(a.failureCause)}` : '';
		return html`<li class="${cls}" data-state="${s}">${STATES[s] || s}${cause}</li>`;
	})}</ul>`;
}

/*
 * The fleet face's first time: a form for the address the console's fleet
 * callback sends its events to; answers the callback once made.
 */
function askWebhook(view, f, ctx) {
	view.insertAdjacentHTML('beforeend', html`<form id="fcb-form" class="card">
<h2>Where this fleet's remote actions are reported</h2>
<p>On the fleet face every remote action is reported to a webhook. Give the address the server sends the console's actions' events to (the console itself follows each action by reading it).</p>
<label for="fcb-target">Webhook address (https://…)</label><input id="fcb-target" name="target" type="url" placeholder="https://example.com/cvapi-fleet">
<div class="actions"><button type="submit">Use this address</button></div><div id="fcb-msg"></div></form>`.raw);
	const form = view.querySelector('#fcb-form');
	const errors = fieldErrors(view.querySelector('#fcb-msg'));
	form.target.focus();
	return new Promise((resolve) => {
		form.onsubmit = async (ev) => {
			ev.preventDefault();
			errors.clear();
			try {
				const ref = await api.post(`${f.base}/remote/callbacks`, { label: LABEL, remoteTypes: FLEET_TYPES,
					callback: { webhook: { name: LABEL, target: form.target.value } } });
				form.remove();
				resolve(await api.get(`${f.base}/remote/callbacks/${ref.callbackId}`));
			} catch (e) {
				errors.show(e, [{ path: 'callback', field: form.target, text: 'Give the webhook\'s address: https:// followed by a host the server can reach.' }]);
				if (e instanceof api.SessionEnded)
					throw e;
			}
		};
	});
}

export async function render(view, args, ctx) {
	const vid = encodeURIComponent(args[0] || '');
	const f = ctx.face;
	if (!vid) {
		location.replace(f.home);
		return;
	}
	let [v, cb] = await Promise.all([api.get(f.vehicle(vid)), f.fleet ? fleetCallback(f) : consoleCallback()]);
	if (!cb) {
		view.innerHTML = html`<h1>Control ${vehicleName(v)}</h1>`.raw;
		cb = await askWebhook(view, f, ctx);
	}
	const base = `${f.vehicle(vid)}/callbacks/${cb.id}/remotes`;
	const cbStatus = `${f.fleet ? `${f.base}/remote/callbacks` : `${api.B2C}/user/callbacks`}/${cb.id}/status`;
	const electric = v.motorization !== 'Thermic';
	view.innerHTML = html`<h1>Control ${vehicleName(v)}</h1>
${cb.status === 'Paused' ? raw('<p class="notice" id="paused">The console\'s callback is paused: actions are refused until it runs again. <button type="button" id="resume">Resume it</button></p>') : ''}
<div class="remote-grid" id="remote-buttons">
  ${ACTIONS.filter((a) => (electric || !a.electric) && (f.fleet || !a.fleet)).map((a) => html`<button type="button" data-action="${a.id}"${raw(a.fleet ? ' class="fleet-action"' : '')}>${a.text}</button>`)}
</div>
<h2>Send a destination</h2>
<p class="muted">Click the map to pick the destination, or type it, then send it to the vehicle's navigation.</p>
<div id="nav-map" class="map small"></div>
<p class="muted" id="vehicle-at"></p>
<form class="filters" id="nav-form">
  <div><label for="nav-lat">Latitude</label><input id="nav-lat" name="lat" inputmode="decimal" required></div>
  <div><label for="nav-lon">Longitude</label><input id="nav-lon" name="lon" inputmode="decimal" required></div>
  <button type="submit">Send destination</button>
</form>
<h2>Actions</h2>
<div id="remote-now" aria-live="polite"></div>
<div id="remote-history"></div>
${f.fleet ? raw('<h2>Theft reports</h2><div id="stolen-list"></div>') : ''}`.raw;
	let stopped = false;
	const timers = new Set();
	const wait = (ms) => new Promise((res) => { const t = setTimeout(() => { timers.delete(t); res(); }, ms); timers.add(t); });
	const resume = view.querySelector('#resume');
	if (resume)
		resume.onclick = async () => {
			try {
				await api.put(cbStatus, { status: 'Running' });
				view.querySelector('#paused').remove();
			} catch (e) {
				ctx.showError(view.querySelector('#paused'), e);
			}
		};

	const now = view.querySelector('#remote-now');
	/* refused: the failure said next to the form's field it came from when fields (errors.js) name it, else in the action's box */
	async function follow(text, body, errors = null, fields = [], where = null) {
		const box = document.createElement('div');
		box.className = 'card remote-action';
		box.innerHTML = html`<h3>${text}</h3>${where ? html`<div class="coords">${coordsText(where)}</div>` : ''}<div class="state">Sending…</div>`.raw;
		now.prepend(box);
		const state = box.querySelector('.state');
		let ref;
		try {
			ref = await api.post(base, { label: text, ...body });
		} catch (e) {
			state.innerHTML = '';
			if (errors && errors.show(e, fields))
				state.textContent = 'Not sent: see the form above.';
			else
				ctx.showError(state, e);
			return;
		}
		box.dataset.rid = ref.remoteActionId;
		const seen = [];
		for (;;) {
			if (stopped)
				return;
			let a;
			try {
				a = await api.get(`${base}/${ref.remoteActionId}`);
			} catch (e) {
				ctx.showError(state, e);
				return;
			}
			/* every action was Accepted, and one the vehicle carried out was Sent to it, even when that came and went between two reads */
			const add = (x) => { if (!seen.includes(x)) seen.push(x); };
			add('Accepted');
			if (a.status === 'Success' || a.status === 'AlreadyDone')
				add('SentToVehicle');
			add(a.status);
			state.innerHTML = progress(seen, a).raw;
			box.dataset.status = a.status;
			if (FINAL.has(a.status))
				return;
			await wait(POLL_MS);
		}
	}

	view.querySelector('#remote-buttons').onclick = (ev) => {
		const b = ev.target.closest('button[data-action]');
		if (!b)
			return;
		const a = ACTIONS.find((x) => x.id === b.dataset.action);
		if (a.confirm && !confirm(a.confirm))
			return;
		follow(a.text, a.body);
	};

	const navForm = view.querySelector('#nav-form');
	const navErrors = fieldErrors(null);
	const map = await makeMap(view.querySelector('#nav-map'), { label: 'Pick a destination' });
	try {
		const st = await api.get(`${f.vehicle(vid)}/lastPosition`);
		if (st.geometry) {
			map.vehicle(st.geometry.coordinates, v.label || v.vin, { title: vehicleName(v, true) });
			map.fit(13);
			view.querySelector('#vehicle-at').textContent = `The vehicle was last at ${coordsText(st.geometry.coordinates)}.`;
		}
	} catch (e) {
		if (e instanceof api.SessionEnded)
			throw e;
	}
	let dest = null;
	map.onClick(([lon, lat]) => {
		navForm.lat.value = lat.toFixed(6);
		navForm.lon.value = lon.toFixed(6);
		navErrors.clear();
		if (dest)
			dest.remove();
		dest = map.point([lon, lat], 'Destination', { cls: 'cv-destination', color: '#7c3aed' });
	});
	const LAT = 'The latitude is a number from -90 to 90.';
	const LON = 'The longitude is a number from -180 to 180.';
	const NAV_FIELDS = [
		{ path: 'navigation.positions[0].coordinates[0]', field: navForm.lon, text: LON },
		{ path: 'navigation.positions[0].coordinates[1]', field: navForm.lat, text: LAT },
		{ path: 'navigation', field: navForm.lat, text: 'The destination needs a latitude (-90 to 90) and a longitude (-180 to 180).' },
	];
	navForm.onsubmit = (ev) => {
		ev.preventDefault();
		navErrors.clear();
		const lat = Number(navForm.lat.value), lon = Number(navForm.lon.value);
		const badLat = !Number.isFinite(lat) || Math.abs(lat) > 90, badLon = !Number.isFinite(lon) || Math.abs(lon) > 180;
		if (badLat)
			navErrors.say(navForm.lat, LAT);
		if (badLon)
			navErrors.say(navForm.lon, LON);
		if (badLat || badLon) {
			(badLat ? navForm.lat : navForm.lon).focus();
			return;
		}
		follow('Navigate', { navigation: { positions: [{ type: 'Point', coordinates: [lon, lat] }] } }, navErrors, NAV_FIELDS, [lon, lat]);
	};

	/* the latest actions: the last page of the list (it is in the order posted) */
	const hist = view.querySelector('#remote-history');
	try {
		let page = await api.get(`${base}?pageSize=10`);
		const last = api.link(page, 'last');
		if (page.totalPage > 1 && last)
			page = await api.get(last);
		const list = api.items(page).reverse();
		hist.innerHTML = list.length ? html`<div class="table-wrap"><table><caption>Earlier actions from the console</caption>
<thead><tr><th scope="col">Action</th><th scope="col">State</th></tr></thead>
<tbody>${list.map((a) => html`<tr><td>${(a.remote && a.remote.label) || words(a.type)}</td><td>${STATES[a.status] || a.status}${a.failureCause ? `: ${causeText(a.failureCause)}` : ''}</td></tr>`)}</tbody></table></div>`.raw : '';
	} catch (e) {
		ctx.showError(hist, e);
	}
	if (f.fleet)
		showThefts(view.querySelector('#stolen-list'), `${f.vehicle(vid)}/stolen?pageSize=20`, ctx);
	return () => {
		stopped = true;
		for (const t of timers)
			clearTimeout(t);
	};
}

/* A fleet vehicle's theft reports, newest first (the API's order), into el. */
async function showThefts(el, path, ctx) {
	try {
		const list = api.items(await api.get(path));
		el.innerHTML = list.length ? html`<div class="table-wrap"><table class="thefts"><caption>Theft reports</caption>
<thead><tr><th scope="col">Reported</th><th scope="col">Ended</th><th scope="col">Where</th></tr></thead>
<tbody>${list.map((t) => html`<tr><td>${when(t.createdAt || t.startedAt)}</td><td>${t.endAt || t.stoppedAt ? when(t.endAt || t.stoppedAt) : 'still reported stolen'}</td>
<td>${t.startPosition && t.startPosition.geometry ? coordsText(t.startPosition.geometry.coordinates) : ''}</td></tr>`)}</tbody></table></div>`.raw
			: '<p class="muted">Never reported stolen.</p>';
	} catch (e) {
		ctx.showError(el, e);
	}
}

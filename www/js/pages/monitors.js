// monitors.js - the user's monitors: listed with their zones on the map,
// paused, resumed, deleted; a zone monitor made by drawing its circle
// (a click for the centre, a second one for the edge) or typing it.
//
// A monitor sends its events to one of the user's webhook callbacks; when
// there is none, the page offers to make one (a name and an address).
// What the API refuses is said next to the field it came from (errors.js).

import * as api from '../api.js';
import { html, raw, words, vehicleName } from '../fmt.js';
import { makeMap } from '../map.js';
import { fieldErrors } from '../errors.js';

const ZONE = 'triggerParam.triggers[0].zone';

function haversineKm([lon1, lat1], [lon2, lat2]) {
	const r = (d) => (d * Math.PI) / 180;
	const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
	return 12742 * Math.asin(Math.sqrt(a));
}

function triggerText(t) {
	if (t.zone)
		return `${t.zone.transition === 'In' ? 'enters' : 'leaves'} ${t.zone.place.radius} km around ${t.zone.place.center.latitude.toFixed(4)}, ${t.zone.place.center.longitude.toFixed(4)}`;
	if (t.data)
		return `${t.data.data} ${words(t.data.op).toLowerCase()} ${(t.data.value || []).join(', ')}`;
	if (t.time)
		return 'time window';
	return t.name || '';
}

export async function render(view, args, ctx) {
	const [vehicles, allCallbacks] = await Promise.all([
		api.all(`${api.B2C}/user/vehicles?pageSize=60`),
		api.all(`${api.B2C}/user/callbacks?pageSize=60&types=Monitor`),
	]);
	const names = new Map(vehicles.map((v) => [v.id, vehicleName(v)]));
	const callbacks = allCallbacks.filter((c) => c.subscribe && c.subscribe.callback && c.subscribe.callback.webhook);
	view.innerHTML = html`<h1>Monitors</h1>
<div id="mon-map"></div>
<div id="mon-list" aria-live="polite"></div>
<h2>New zone monitor</h2>
<form id="mon-form" class="card">
  <p class="muted">Press “Draw the zone”, then click the map at its centre and again at its edge; or type the centre and the radius.</p>
  <div class="filters">
    <div><label for="mon-vehicle">Vehicle</label><select id="mon-vehicle" name="vehicle">${vehicles.map((v) => html`<option value="${v.id}">${names.get(v.id)}</option>`)}</select></div>
    <div><label for="mon-callback">Send events to</label><select id="mon-callback" name="callback">${callbacks.map((c) => html`<option value="${c.id}">${c.label || c.subscribe.callback.webhook.name} (${c.subscribe.callback.webhook.target})</option>`)}<option value="">a new webhook…</option></select></div>
    <div><label for="mon-label">Name</label><input id="mon-label" name="label" required maxlength="64" value="Zone"></div>
    <div><label for="mon-transition">Notify when the vehicle</label><select id="mon-transition" name="transition"><option value="Out">leaves the zone</option><option value="In">enters the zone</option></select></div>
  </div>
  <div class="filters">
    <div><label for="mon-lat">Centre latitude</label><input id="mon-lat" name="lat" inputmode="decimal" required></div>
    <div><label for="mon-lon">Centre longitude</label><input id="mon-lon" name="lon" inputmode="decimal" required></div>
    <div><label for="mon-radius">Radius (km)</label><input id="mon-radius" name="radius" type="number" min="1" max="1000" step="1" required value="1"></div>
    <button type="button" id="mon-draw" class="secondary">Draw the zone</button>
  </div>
  <fieldset id="mon-new-webhook"${raw(callbacks.length ? ' hidden' : '')}>
    <legend>New webhook</legend>
    <label for="wh-name">Name</label><input id="wh-name" name="whname" value="My webhook" maxlength="64">
    <label for="wh-target">Address (https://…)</label><input id="wh-target" name="whtarget" type="url" placeholder="https://example.com/cvapi">
  </fieldset>
  <div class="actions"><button type="submit">Create the monitor</button></div>
  <div id="mon-form-msg" aria-live="polite"></div>
</form>`.raw;
	const mapping = makeMap(view.querySelector('#mon-map'), { label: 'The monitors\' zones' });
	const list = view.querySelector('#mon-list');
	const form = view.querySelector('#mon-form');
	const cbSelect = form.callback;
	cbSelect.onchange = () => {
		view.querySelector('#mon-new-webhook').hidden = cbSelect.value !== '';
	};
	if (!callbacks.length)
		cbSelect.value = '';

	let map = null;
	async function load() {
		const rows = [];
		await Promise.all(callbacks.flatMap((cb) => vehicles.map(async (v) => {
			for (const m of await api.all(`${api.B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/monitors?pageSize=60`))
				rows.push({ m, v, cb });
		})));
		map = await mapping;
		rows.sort((a, b) => Date.parse(b.m.createdAt) - Date.parse(a.m.createdAt));
		map.clear();
		for (const { m } of rows)
			for (const t of (m.monitor && m.monitor.triggerParam && m.monitor.triggerParam.triggers) || [])
				if (t.zone)
					map.circle([t.zone.place.center.longitude, t.zone.place.center.latitude], t.zone.place.radius * 1000, { cls: `cv-zone ${m.status === 'Paused' ? 'paused' : ''}`, color: m.status === 'Paused' ? '#6b7280' : '#7c3aed' });
		map.fit(13);
		list.innerHTML = rows.length ? html`<div class="table-wrap"><table class="monitors"><caption>${rows.length} monitor${rows.length === 1 ? '' : 's'}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Vehicle</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.map(({ m, v, cb }) => html`<tr class="monitor-row" data-mid="${m.monitorId}">
  <td>${m.monitor.label || ''}</td><td>${names.get(v.id)}</td>
  <td>${((m.monitor.triggerParam && m.monitor.triggerParam.triggers) || []).map(triggerText).join('; ')}</td>
  <td><span class="pill ${m.status === 'Running' ? 'on' : 'off'}">${words(m.status)}</span></td>
  <td class="actions"><button type="button" class="secondary" data-op="${m.status === 'Paused' ? 'Running' : 'Paused'}" data-path="${api.B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/monitors/${m.monitorId}">${m.status === 'Paused' ? 'Resume' : 'Pause'}</button>
  <button type="button" class="secondary" data-op="delete" data-path="${api.B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/monitors/${m.monitorId}" aria-label="Delete ${m.monitor.label || 'this monitor'}">Delete</button></td>
</tr>`)}</tbody></table></div>`.raw : '<p class="muted">No monitor yet.</p>';
		drawDraft();
	}

	list.onclick = async (ev) => {
		const b = ev.target.closest('button[data-op]');
		if (!b)
			return;
		b.disabled = true;
		try {
			if (b.dataset.op === 'delete') {
				if (!confirm('Delete this monitor?')) {
					b.disabled = false;
					return;
				}
				await api.del(b.dataset.path);
			} else {
				await api.put(`${b.dataset.path}/status`, { status: b.dataset.op });
			}
			await load();
		} catch (e) {
			b.disabled = false;
			ctx.showError(list, e);
		}
	};

	/* drawing: a click sets the centre, the next the edge */
	let drawing = 0;
	let draft = null;
	function drawDraft() {
		if (draft)
			draft.remove();
		draft = null;
		if (!map)
			return;
		const lat = Number(form.lat.value), lon = Number(form.lon.value), r = Number(form.radius.value);
		if (form.lat.value && form.lon.value && Number.isFinite(lat) && Number.isFinite(lon) && r > 0)
			draft = map.circle([lon, lat], r * 1000, { cls: 'cv-zone cv-draft', color: '#0b3d91' });
	}
	view.querySelector('#mon-draw').onclick = () => {
		drawing = 1;
		ctx.say('Click the map at the centre of the zone.');
	};
	mapping.then((m) => m.onClick(([lon, lat]) => {
		if (drawing === 1) {
			form.lat.value = lat.toFixed(6);
			form.lon.value = lon.toFixed(6);
			drawing = 2;
			ctx.say('Now click the edge of the zone.');
		} else if (drawing === 2) {
			const km = haversineKm([Number(form.lon.value), Number(form.lat.value)], [lon, lat]);
			form.radius.value = String(Math.max(1, Math.round(km)));
			drawing = 0;
			ctx.say('');
		}
		drawDraft();
	}));
	for (const name of ['lat', 'lon', 'radius'])
		form[name].oninput = drawDraft;

	/* the API's member paths, by the request they are sent in, and what to say at their field */
	const WEBHOOK_FIELDS = [
		{ path: 'label', field: form.whname, text: 'Give the webhook a name, up to 64 characters.' },
		{ path: 'callback.webhook.name', field: form.whname, text: 'Give the webhook a name, up to 64 characters.' },
		{ path: 'callback', field: form.whtarget, text: 'Give the webhook\'s address: https:// followed by a host the server can reach.' },
	];
	const MONITOR_FIELDS = [
		{ path: 'label', field: form.label, text: 'Give the monitor a name, up to 64 characters.' },
		{ path: `${ZONE}.transition`, field: form.transition, text: 'Choose whether to be told when the vehicle leaves or enters the zone.' },
		{ path: `${ZONE}.place.center.latitude`, field: form.lat, text: 'The latitude is a number from -90 to 90.' },
		{ path: `${ZONE}.place.center.longitude`, field: form.lon, text: 'The longitude is a number from -180 to 180.' },
		{ path: `${ZONE}.place.center`, field: form.lat, text: 'The zone needs a centre: a latitude and a longitude.' },
		{ path: `${ZONE}.place.radius`, field: form.radius, text: 'The radius is 1 to 1000 km.' },
	];
	const msg = view.querySelector('#mon-form-msg');
	const errors = fieldErrors(msg);
	form.onsubmit = async (ev) => {
		ev.preventDefault();
		errors.clear();
		const lat = Number(form.lat.value), lon = Number(form.lon.value), radius = Number(form.radius.value);
		const bad = [[form.lat, !form.lat.value || !Number.isFinite(lat) || Math.abs(lat) > 90, MONITOR_FIELDS[2].text],
			[form.lon, !form.lon.value || !Number.isFinite(lon) || Math.abs(lon) > 180, MONITOR_FIELDS[3].text],
			[form.radius, !Number.isInteger(radius) || radius < 1 || radius > 1000, MONITOR_FIELDS[5].text]].filter((b) => b[1]);
		if (bad.length) {
			for (const [field, , text] of bad)
				errors.say(field, text);
			bad[0][0].focus();
			return;
		}
		let fields = WEBHOOK_FIELDS;
		try {
			let cbid = cbSelect.value;
			if (!cbid) {
				const ref = await api.post(`${api.B2C}/user/callbacks`, { label: form.whname.value, type: ['Monitor'], callback: { webhook: { name: form.whname.value, target: form.whtarget.value } } });
				cbid = ref.callbackId;
				const made = await api.get(`${api.B2C}/user/callbacks/${cbid}`);
				callbacks.push(made);
				/* offered from now on, and picked */
				cbSelect.insertAdjacentHTML('afterbegin', html`<option value="${cbid}">${form.whname.value} (${form.whtarget.value})</option>`.raw);
				cbSelect.value = cbid;
				view.querySelector('#mon-new-webhook').hidden = true;
			}
			fields = MONITOR_FIELDS;
			await api.post(`${api.B2C}/user/vehicles/${form.vehicle.value}/callbacks/${cbid}/monitors`, {
				label: form.label.value,
				extendedEventParam: ['vehicle.position'],
				triggerParam: { boolExp: 'zone', triggers: [{ name: 'zone', zone: { transition: form.transition.value, place: { radius, center: { latitude: lat, longitude: lon } } } }] },
			});
			msg.innerHTML = '<p role="status">Monitor created.</p>';
		} catch (e) {
			errors.show(e, fields);
			return;
		}
		try {
			await load();
		} catch (e) {
			ctx.showError(list, e);
		}
	};
	await load();
}

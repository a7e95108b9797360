// monitors.js - the user's monitors: listed with their zones on the map
// beside the vehicles (where each last was), paused, resumed, edited,
// deleted; a zone monitor made or edited by drawing its circle (a click
// for the centre, a second one for the edge, the circle following the
// pointer between them) or by typing its centre and radius into the
// form's fields (the map draws it as typed: no mouse needed; "Use the
// map's centre" takes the centre from the map, which the arrow keys pan).
// The official API takes a zone's radius as a whole number of km: a drawn
// radius snaps to it (geo.js snapKm) and the page says so. Editing puts
// the monitor's whole MonitorParameter back (PUT), its zone changed, on
// the same vehicle and callback.
//
// A monitor sends its events to one of the user's webhook callbacks; when
// there is none, the page offers to make one (a name and an address).
// On the fleet face (face.js) a monitor watches every vehicle of the fleet
// and has a webhook of its own: the form asks for its address, and
// editing keeps it. What the API refuses is said next to the field it
// came from (errors.js).
//
// What each monitor fired: its "Deliveries" button shows the delivery log
// (doc/api.md, beyond the official API) of the webhook its events go to,
// newest first, a page at a time: when, how many events, and whether they
// were delivered (else why not). On the user face a webhook may serve
// several monitors, and its log is theirs together: the panel says so.

import * as api from '../api.js';
import { html, raw, words, vehicleName } from '../fmt.js';
import { makeMap } from '../map.js';
import { fieldErrors } from '../errors.js';
import { haversineKm, snapKm, RADIUS_MIN_KM, RADIUS_MAX_KM } from '../geo.js';
import { vehiclesOf } from '../face.js';
import { deliveryLog } from '../deliveries.js';

const ZONE = 'triggerParam.triggers[0].zone';

/* The zone of a monitor whose one trigger is a zone (the kind this page makes and edits), or null. */
function onlyZone(m) {
	const t = (m.monitor && m.monitor.triggerParam && m.monitor.triggerParam.triggers) || [];
	return t.length === 1 && t[0].zone ? t[0].zone : null;
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
	const f = ctx.face;
	const [vehicles, allCallbacks] = await Promise.all([
		vehiclesOf(f),
		f.fleet ? [] : api.all(`${api.B2C}/user/callbacks?pageSize=60&types=Monitor`),
	]);
	const names = new Map(vehicles.map((v) => [v.id, vehicleName(v)]));
	const callbacks = allCallbacks.filter((c) => c.subscribe && c.subscribe.callback && c.subscribe.callback.webhook);
	view.innerHTML = html`<h1>Monitors</h1>${f.fleet ? raw('<p class="muted">A monitor of the fleet watches every vehicle of the fleet, present and future, and sends its events to a webhook of its own.</p>') : ''}
<div id="mon-map"></div>
<div id="mon-list" aria-live="polite"></div>
<section id="mon-log" hidden aria-labelledby="mon-log-title"><h2 id="mon-log-title" tabindex="-1">Deliveries</h2><p class="muted" id="mon-log-note"></p><div id="mon-log-body"></div></section>
<h2 id="mon-form-title">New zone monitor</h2>
<form id="mon-form" class="card" aria-labelledby="mon-form-title">
  <p class="muted">Press “Draw the zone”, then click the map at its centre and again at its edge; or type the centre and the radius (the map draws the zone as you type).</p>
  <div class="filters"${raw(f.fleet ? ' hidden' : '')}>
    <div><label for="mon-vehicle">Vehicle</label><select id="mon-vehicle" name="vehicle">${vehicles.map((v) => html`<option value="${v.id}">${names.get(v.id)}</option>`)}</select></div>
  </div>
  <div class="filters">
    <div${raw(f.fleet ? ' hidden' : '')}><label for="mon-callback">Send events to</label><select id="mon-callback" name="callback">${callbacks.map((c) => html`<option value="${c.id}">${c.label || c.subscribe.callback.webhook.name} (${c.subscribe.callback.webhook.target})</option>`)}<option value="">a new webhook…</option></select></div>
    <div><label for="mon-label">Name</label><input id="mon-label" name="label" required maxlength="64" value="Zone"></div>
    <div><label for="mon-transition">Notify when the vehicle</label><select id="mon-transition" name="transition"><option value="Out">leaves the zone</option><option value="In">enters the zone</option></select></div>
  </div>
  <div class="filters">
    <div><label for="mon-lat">Centre latitude</label><input id="mon-lat" name="lat" inputmode="decimal" required></div>
    <div><label for="mon-lon">Centre longitude</label><input id="mon-lon" name="lon" inputmode="decimal" required></div>
    <div><label for="mon-radius">Radius (km)</label><input id="mon-radius" name="radius" type="number" min="${RADIUS_MIN_KM}" max="${RADIUS_MAX_KM}" step="1" required value="1" aria-describedby="mon-snap"></div>
    <button type="button" id="mon-draw" class="secondary">Draw the zone</button>
    <button type="button" id="mon-centre" class="secondary">Use the map's centre</button>
  </div>
  <p class="muted" id="mon-snap">A zone's radius is a whole number of km (${RADIUS_MIN_KM} to ${RADIUS_MAX_KM}), as the official API takes it: a drawn circle snaps to the nearest km.</p>
  <fieldset id="mon-new-webhook"${raw(callbacks.length && !f.fleet ? ' hidden' : '')}>
    <legend>New webhook</legend>
    <label for="wh-name">Name</label><input id="wh-name" name="whname" value="My webhook" maxlength="64">
    <label for="wh-target">Address (https://…)</label><input id="wh-target" name="whtarget" type="url" placeholder="https://example.com/cvapi">
  </fieldset>
  <div class="actions"><button type="submit" id="mon-submit">Create the monitor</button><button type="button" id="mon-cancel" class="secondary" hidden>Cancel the changes</button></div>
  <div id="mon-form-msg" aria-live="polite"></div>
</form>`.raw;
	const mapping = makeMap(view.querySelector('#mon-map'), { label: 'The monitors\' zones and the vehicles' });
	const list = view.querySelector('#mon-list');
	const form = view.querySelector('#mon-form');
	const cbSelect = form.callback;
	cbSelect.onchange = () => {
		view.querySelector('#mon-new-webhook').hidden = cbSelect.value !== '';
	};
	if (!callbacks.length)
		cbSelect.value = '';

	/* where each vehicle last was (404: never), drawn with the zones when it is known (the list does not wait for it) */
	let map = null;
	const positions = new Map();
	let markers = [];
	function drawVehicles() {
		for (const m of markers)
			m.remove();
		markers = map ? vehicles.filter((v) => positions.has(v.id))
			.map((v) => map.vehicle(positions.get(v.id), v.label || v.vin, { title: vehicleName(v, true) })) : [];
	}
	/* a fleet's from its status list (one read for 60 vehicles), a user's vehicle by vehicle */
	(f.fleet ? api.all(`${f.base}/status?pageSize=60`).then((list) => {
		for (const st of list) {
			const vid = st._links && st._links.vehicle ? st._links.vehicle.href.split('/').pop() : '';
			if (st.lastPosition && st.lastPosition.geometry)
				positions.set(vid, st.lastPosition.geometry.coordinates);
		}
	}, () => {}) : Promise.all(vehicles.map(async (v) => {
		try {
			const p = await api.get(`${f.vehicle(v.id)}/lastPosition`);
			if (p && p.geometry)
				positions.set(v.id, p.geometry.coordinates);
		} catch { /* none: not drawn (an ended session is on its way to the login page) */ }
	}))).then(async () => {
		await mapping;
		if (map && positions.size) {
			drawVehicles();
			map.fit(13);
		}
	});

	let rows = [];
	let editing = null;     /* the row being edited: { m, v, cb, path } */
	async function load() {
		const found = [];
		if (f.fleet) {
			for (const m of await api.all(`${f.base}/monitors?pageSize=60`))
				found.push({ m, v: null, cb: null, path: `${f.base}/monitors/${m.monitorId}`, log: `${f.base}/monitors/${m.monitorId}/deliveries` });
		}
		await Promise.all(callbacks.flatMap((cb) => vehicles.map(async (v) => {
			for (const m of await api.all(`${api.B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/monitors?pageSize=60`))
				found.push({ m, v, cb, path: `${api.B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/monitors/${m.monitorId}`,
					log: `${api.B2C}/user/callbacks/${cb.id}/deliveries` });
		})));
		map = await mapping;
		rows = found.sort((a, b) => Date.parse(b.m.createdAt) - Date.parse(a.m.createdAt));
		map.clear();
		for (const { m } of rows)
			for (const t of (m.monitor && m.monitor.triggerParam && m.monitor.triggerParam.triggers) || [])
				if (t.zone)
					map.circle([t.zone.place.center.longitude, t.zone.place.center.latitude], t.zone.place.radius * 1000, { cls: `cv-zone ${m.status === 'Paused' ? 'paused' : ''}`, color: m.status === 'Paused' ? '#6b7280' : '#7c3aed' });
		drawVehicles();
		map.fit(13);
		list.innerHTML = rows.length ? html`<div class="table-wrap"><table class="monitors"><caption>${rows.length} monitor${rows.length === 1 ? '' : 's'}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Vehicle</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.map(({ m, v, path }) => html`<tr class="monitor-row" data-mid="${m.monitorId}">
  <td>${m.monitor.label || ''}</td><td>${v ? names.get(v.id) : 'every vehicle of the fleet'}</td>
  <td>${((m.monitor.triggerParam && m.monitor.triggerParam.triggers) || []).map(triggerText).join('; ')}</td>
  <td><span class="pill ${m.status === 'Running' ? 'on' : 'off'}">${words(m.status)}</span></td>
  <td class="actions"><button type="button" class="secondary" data-op="${m.status === 'Paused' ? 'Running' : 'Paused'}" data-path="${path}">${m.status === 'Paused' ? 'Resume' : 'Pause'}</button>
  ${onlyZone(m) ? html`<button type="button" class="secondary" data-op="edit" data-mid="${m.monitorId}" aria-label="Edit ${m.monitor.label || 'this monitor'}">Edit</button>` : ''}
  <button type="button" class="secondary" data-op="log" data-mid="${m.monitorId}" aria-label="Deliveries of ${m.monitor.label || 'this monitor'}">Deliveries</button>
  <button type="button" class="secondary" data-op="delete" data-path="${path}" aria-label="Delete ${m.monitor.label || 'this monitor'}">Delete</button></td>
</tr>`)}</tbody></table></div>`.raw : '<p class="muted">No monitor yet.</p>';
		drawDraft();
	}

	list.onclick = async (ev) => {
		const b = ev.target.closest('button[data-op]');
		if (!b)
			return;
		if (b.dataset.op === 'edit') {
			edit(rows.find((r) => r.m.monitorId === b.dataset.mid));
			return;
		}
		if (b.dataset.op === 'log') {
			showLog(rows.find((r) => r.m.monitorId === b.dataset.mid));
			return;
		}
		b.disabled = true;
		try {
			if (b.dataset.op === 'delete') {
				if (!confirm('Delete this monitor?')) {
					b.disabled = false;
					return;
				}
				await api.del(b.dataset.path);
				if (editing && editing.path === b.dataset.path)
					edit(null);
			} else {
				await api.put(`${b.dataset.path}/status`, { status: b.dataset.op });
			}
			await load();
		} catch (e) {
			b.disabled = false;
			ctx.showError(list, e);
		}
	};

	/* the form for a new monitor (row null), or filled with row's to edit it */
	const title = view.querySelector('#mon-form-title');
	const submit = view.querySelector('#mon-submit');
	const cancel = view.querySelector('#mon-cancel');
	function edit(row) {
		editing = row || null;
		errors.clear();
		form.vehicle.disabled = form.callback.disabled = !!editing;
		cancel.hidden = !editing;
		if (!editing) {
			view.querySelector('#mon-new-webhook').hidden = !f.fleet && cbSelect.value !== '';
			title.textContent = 'New zone monitor';
			submit.textContent = 'Create the monitor';
			form.label.value = 'Zone';
			drawDraft();
			return;
		}
		const z = onlyZone(editing.m);
		title.textContent = `Edit ${editing.m.monitor.label || 'the monitor'}`;
		submit.textContent = 'Save the changes';
		if (!f.fleet) {
			form.vehicle.value = editing.v.id;
			form.callback.value = editing.cb.id;
		}
		view.querySelector('#mon-new-webhook').hidden = true;
		form.label.value = editing.m.monitor.label || '';
		form.transition.value = z.transition;
		form.lat.value = String(z.place.center.latitude);
		form.lon.value = String(z.place.center.longitude);
		form.radius.value = String(z.place.radius);
		drawDraft(true);
		form.label.focus();
		form.scrollIntoView({ block: 'nearest' });
	}
	cancel.onclick = () => edit(null);

	/* the zone of the form, drawn as it is typed or drawn (show: the map moved to it) */
	let draft = null;
	function drawDraft(show = false) {
		if (draft)
			draft.remove();
		draft = null;
		if (!map)
			return;
		const lat = Number(form.lat.value), lon = Number(form.lon.value), r = Number(form.radius.value);
		if (form.lat.value && form.lon.value && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && r > 0) {
			draft = map.circle([lon, lat], r * 1000, { cls: 'cv-zone cv-draft', color: '#0b3d91' });
			if (show)
				map.show(draft, 13);
		}
	}

	/* drawing: a click sets the centre, the pointer shows the radius (snapped), the next click sets it */
	let drawing = 0;
	function snapped(edge) {
		const km = haversineKm([Number(form.lon.value), Number(form.lat.value)], edge);
		return { km, r: snapKm(km) };
	}
	view.querySelector('#mon-draw').onclick = () => {
		drawing = 1;
		ctx.say('Click the map at the centre of the zone.');
	};
	view.querySelector('#mon-centre').onclick = () => {
		if (!map || !map.center())
			return;
		const [lon, lat] = map.center();
		form.lat.value = lat.toFixed(6);
		form.lon.value = lon.toFixed(6);
		drawDraft();
	};
	mapping.then((m) => {
		m.onClick(([lon, lat]) => {
			if (drawing === 1) {
				form.lat.value = lat.toFixed(6);
				form.lon.value = lon.toFixed(6);
				drawing = 2;
				ctx.say('Now click the edge of the zone (its radius snaps to whole km).');
			} else if (drawing === 2) {
				const { km, r } = snapped([lon, lat]);
				form.radius.value = String(r);
				drawing = 0;
				ctx.say(Math.abs(km - r) < 0.05 ? `The zone's radius: ${r} km.`
					: `The zone's radius: ${r} km (you drew ${km.toFixed(1)} km; the official API takes whole km).`);
			}
			drawDraft();
		});
		m.onMove((edge) => {
			if (drawing !== 2)
				return;
			form.radius.value = String(snapped(edge).r);
			drawDraft();
		});
	});
	for (const name of ['lat', 'lon', 'radius']) {
		form[name].oninput = () => drawDraft();
		form[name].onchange = () => drawDraft(true);
	}

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
		{ path: `${ZONE}.place.radius`, field: form.radius, text: `The radius is a whole number of km, ${RADIUS_MIN_KM} to ${RADIUS_MAX_KM}.` },
	];
	/* a fleet monitor is one request: its webhook's members and the monitor's */
	const FLEET_FIELDS = [
		{ path: 'subscribeParam.callback.webhook.name', field: form.whname, text: WEBHOOK_FIELDS[0].text },
		{ path: 'subscribeParam.callback', field: form.whtarget, text: WEBHOOK_FIELDS[2].text },
		...MONITOR_FIELDS,
	];
	const msg = view.querySelector('#mon-form-msg');
	const errors = fieldErrors(msg);
	form.onsubmit = async (ev) => {
		ev.preventDefault();
		errors.clear();
		const lat = Number(form.lat.value), lon = Number(form.lon.value), radius = Number(form.radius.value);
		const bad = [[form.lat, !form.lat.value || !Number.isFinite(lat) || Math.abs(lat) > 90, MONITOR_FIELDS[2].text],
			[form.lon, !form.lon.value || !Number.isFinite(lon) || Math.abs(lon) > 180, MONITOR_FIELDS[3].text],
			[form.radius, !Number.isInteger(radius) || radius < RADIUS_MIN_KM || radius > RADIUS_MAX_KM, MONITOR_FIELDS[5].text]].filter((b) => b[1]);
		if (bad.length) {
			for (const [field, , text] of bad)
				errors.say(field, text);
			bad[0][0].focus();
			return;
		}
		const zone = { transition: form.transition.value, place: { radius, center: { latitude: lat, longitude: lon } } };
		let fields = WEBHOOK_FIELDS;
		ctx.say('');
		try {
			if (editing) {
				/* the whole parameter back, with the form's name and zone */
				fields = MONITOR_FIELDS;
				const was = editing.m.monitor;
				await api.put(editing.path, { ...was, label: form.label.value,
					triggerParam: { ...was.triggerParam, triggers: [{ ...was.triggerParam.triggers[0], zone }] } });
				msg.innerHTML = '<p role="status">Monitor changed.</p>';
				edit(null);
			} else if (f.fleet) {
				fields = FLEET_FIELDS;
				await api.post(`${f.base}/monitors`, {
					label: form.label.value,
					subscribeParam: { callback: { webhook: { name: form.whname.value, target: form.whtarget.value } } },
					extendedEventParam: ['vehicle.position'],
					triggerParam: { boolExp: 'zone', triggers: [{ name: 'zone', zone }] },
				});
				msg.innerHTML = '<p role="status">Monitor created.</p>';
			} else {
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
					triggerParam: { boolExp: 'zone', triggers: [{ name: 'zone', zone }] },
				});
				msg.innerHTML = '<p role="status">Monitor created.</p>';
			}
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
	/* the delivery log of a row's webhook, in the panel under the list */
	const logPanel = view.querySelector('#mon-log');
	const logBody = view.querySelector('#mon-log-body');
	function showLog(r) {
		if (!r)
			return;
		logPanel.hidden = false;
		view.querySelector('#mon-log-title').textContent = `Deliveries of ${r.m.monitor.label || 'the monitor'}`;
		const sharing = r.cb ? rows.filter((x) => x.cb && x.cb.id === r.cb.id).length : 1;
		view.querySelector('#mon-log-note').textContent = sharing > 1
			? `Its webhook serves ${sharing} monitors: this log is theirs together.` : 'What the monitor fired, and whether it was delivered, newest first.';
		deliveryLog(logBody, r.log, ctx);
		view.querySelector('#mon-log-title').focus();
	}
	await load();
}

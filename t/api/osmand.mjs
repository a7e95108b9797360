// Tracking devices in the OsmAnd protocol (/osmand, cvapi-ingest; the
// decoder is core/osmand.c, unit-tested with every field in
// t/unit-osmand.c): a query-mode GET, a form POST and a JSON POST shaped
// like Traccar Client 9's become the vehicle's position in /status; a
// drive without ignition becomes a trip; a retried fix is stored once;
// the port of its own; every malformed request refused with nothing
// stored; the device id never in the logs; the rate limit per device.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { now } from '../lib/clock.mjs';
import { cvsimOnce, historyArgs } from '../lib/sim.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KNOT = 1.852;             // km/h

/* key=value lines of cvctl's output */
function kv(text) {
	return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/* A user's vehicle with a new OsmAnd device: { token, vin, id, device (the id alone) }. */
async function phoneCar(srv, login, vin) {
	await srv.cvctl(['user', 'add', login, '--password', `${login}-pw`]);
	const out = kv(await srv.cvctl(['vehicle', 'add', vin, '--owner', login, '--energy', 'petrol', '--device', 'osmand']));
	assert.match(out.device, /^osmand:[A-Za-z0-9_-]{43}$/);
	return { token: await srv.token(login), vin, id: out.id, device: out.device.slice('osmand:'.length) };
}

const qs = (o) => new URLSearchParams(o).toString();

apiSuite('osmand', { osmand: true }, (srv, it) => {
	let car, other;
	const V = (c) => `${B2C}/user/vehicles/${c.id}`;
	const status = (c) => srv.vehicleStatus(c);
	const stored = (c) => srv.telemetryTotal(c);
	const fix = (query, opts = {}) => srv.request(opts.method || 'GET', `${opts.base || ''}/osmand${query === null ? '' : '?' + query}`,
		{ headers: opts.headers, body: opts.body });
	const T = () => Math.floor(now() / 1000) * 1000 - 3600000;    // a whole second an hour ago

	it('set-up: vehicles with an OsmAnd device each (cvctl vehicle add --device osmand)', async () => {
		car = await phoneCar(srv, 'phone', 'VR3UPHNKSKT000101');
		other = await phoneCar(srv, 'phone2', 'VR3UPHNKSKT000102');
		assert.notEqual(car.device, other.device);
	});

	it('a query-mode GET becomes the vehicle\'s position in /status (200, empty body)', async () => {
		const t = T();
		const r = await fix(qs({ id: car.device, timestamp: String(t / 1000), lat: '48.8566', lon: '2.3522', speed: '0.0',
			bearing: '90.0', altitude: '35.0', accuracy: '5.0', batt: '87' }));
		assert.equal(r.status, 200, r.text);
		assert.equal(r.text, '');
		const s = await status(car);
		await assertSchema(s, 'Status');
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.3522, 48.8566, 35]);
		assert.equal(s.lastPosition.properties.heading, 90);
		assert.equal(s.lastPosition.properties.createdAt, new Date(t).toISOString().replace('.000', ''));
		assert.deepEqual(s.kinetic, { createdAt: s.lastPosition.properties.createdAt, moving: false, speed: 0 });
		assert.equal(s.energies, undefined, 'the phone\'s battery is not the car\'s');
		assert.equal(await stored(car), 1);
	});

	it('a form POST (the app\'s SDK) and a POST with the fields in the query (the older Android app)', async () => {
		const t = T() + 10000;
		const r = await fix(null, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: qs({ id: car.device, lat: '48.857', lon: '2.353', timestamp: String(t / 1000), speed: String(30 / KNOT),
				bearing: '45.5', battery_health: 'good', charge: 'true' }) });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.text, '');
		let s = await status(car);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.353, 48.857, 0]);
		assert.equal(s.kinetic.speed, 30);
		const r2 = await fix(qs({ id: car.device, lat: '48.858', lon: '2.354', timestamp: String(t / 1000 + 10), speed: '0.0',
			mock: 'true', alarm: 'alert message' }), { method: 'POST' });
		assert.equal(r2.status, 200, r2.text);
		s = await status(car);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.354, 48.858, 0]);
		assert.equal(await stored(car), 3);
		const alarms = await srv.get(`${V(car)}/alarms`, car.token);
		assert.equal(alarms.status, 200, alarms.text);
		assert.equal(alarms.body.total, 1, 'the alarm is an alarm event');
	});

	it('a JSON POST shaped like Traccar Client 9\'s (with "_" and extras) becomes the position', async () => {
		const t = T() + 60000;
		const iso = new Date(t).toISOString();
		const body = {
			location: {
				timestamp: iso,
				coords: { latitude: 48.86, longitude: 2.36, accuracy: 5, speed: 12.5, heading: -1, altitude: 40, floor: null },
				is_moving: true, odometer: 1234, event: 'motionchange', battery: { level: 0.79, is_charging: false },
				activity: { type: 'in_vehicle' }, extras: { heartbeat: true }, mock: false, age: 12,
				uuid: '0e9a2473-a9a7-4c00-997b-fb97d2154e75',
				_: `&id=${car.device}&lat=48.86&lon=2.36&timestamp=${iso}&`,
			},
			device_id: car.device,
		};
		const r = await srv.request('POST', '/osmand', { body });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.text, '');
		const s = await status(car);
		await assertSchema(s, 'Status');
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.36, 48.86, 40]);
		assert.equal(s.kinetic.speed, 45, '12.5 m/s');
		assert.equal(s.odometer, undefined, 'the app\'s distance counter is not the car\'s odometer');
		assert.equal(await stored(car), 4);
	});

	it('a fix sent again (same device, same time) is acknowledged and not stored twice', async () => {
		const before = await stored(car);
		const t = T() + 120000;
		const q = qs({ id: car.device, timestamp: String(t / 1000), lat: '48.87', lon: '2.37', speed: '1.0' });
		for (let i = 0; i < 3; i++) {
			const r = await fix(q);
			assert.equal(r.status, 200, r.text);
		}
		const body = { device_id: car.device, location: { timestamp: new Date(t).toISOString(), coords: { latitude: 48.87, longitude: 2.37, speed: 0.5 } } };
		const j = await srv.request('POST', '/osmand', { body });
		assert.equal(j.status, 200, j.text);
		assert.equal(await stored(car), before + 1);
	});

	it('a drive without ignition becomes a trip: moving from 8 km/h, parked after 5 minutes standing', async () => {
		const t0 = T() - 3600000;
		let lat = 48.80;
		// 10 minutes at 50 km/h, a fix every 10 s (139 m a fix), then 6 minutes parked
		for (let k = 0; k <= 60; k++) {
			const r = await fix(qs({ id: other.device, timestamp: String((t0 + k * 10000) / 1000), lat: lat.toFixed(6), lon: '2.30',
				speed: (50 / KNOT).toFixed(3), bearing: '0' }));
			assert.equal(r.status, 200, r.text);
			lat += 0.00125;
		}
		// parked where the last moving fix was: the fixes wander by up to 17 m around it (GPS jitter)
		lat -= 0.00125;
		const jitter = [[0.0001, 0], [-0.00008, 0.0001], [0.00013, -0.00012], [0, 0.0002], [-0.0001, -0.00005], [0.00005, 0.00015]];
		for (let k = 1; k <= 12; k++) {
			const [dlat, dlon] = jitter[k % jitter.length];
			const r = await fix(qs({ id: other.device, timestamp: String((t0 + 600000 + k * 30000) / 1000), lat: (lat + dlat).toFixed(6),
				lon: (2.30 + dlon).toFixed(6), speed: '0.0' }));
			assert.equal(r.status, 200, r.text);
		}
		const trips = await srv.get(`${V(other)}/trips`, other.token);
		assert.equal(trips.status, 200, trips.text);
		await assertSchema(trips.body, 'Trips');
		assert.equal(trips.body.total, 1, trips.text);
		const trip = trips.body._embedded.trips[0];
		assert.equal(trip.done, true);
		assert.equal(trip.startedAt, new Date(t0).toISOString().replace('.000', ''));
		assert.equal(trip.stoppedAt, new Date(t0 + 600000 + 300000).toISOString().replace('.000', ''), 'stopped at the fix 5 minutes after the last move');
		// 60 steps of 0.00125 degree of latitude (138.99 m): 8.339 km; the jitter while parked adds nothing
		// (counted, its steps would add about 200 m)
		assert.ok(Math.abs(trip.distance - 8.339) < 0.002, `distance from the track: ${trip.distance} km`);
		assert.deepEqual(trip.faults, [], 'no odometer to lack, positions at both ends: Nominal, not DataLacking');
		assert.equal(trip.startMileage, undefined, 'no mileage: a phone has no odometer');
		assert.ok(trip.startPosition && trip.stopPosition, 'both ends have a position');
		assert.equal(trip.kinetic.maxSpeed, 50);
		const s = await status(other);
		assert.equal(s.ignition.type, 'Stop', 'the status says the ignition the movement showed');
	});

	it('a tracker\'s ignition drives its trips', async () => {
		const t0 = T() - 2 * 3600000;
		const trk = await phoneCar(srv, 'tracker', 'VR3UPHNKSKT000103');
		const send = async (k, ign, speed) => {
			const r = await fix(qs({ deviceid: trk.device, timestamp: String((t0 + k * 60000) / 1000), lat: (48.7 + k / 1000).toFixed(4),
				lon: '2.2', speed: String(speed), ignition: ign, odometer: String(100000 + k * 500) }));
			assert.equal(r.status, 200, r.text);
		};
		await send(0, 'true', 0);
		for (let k = 1; k <= 8; k++)
			await send(k, 'true', k === 4 ? 0 : 20);
		await send(9, 'false', 0);
		const trips = await srv.get(`${V(trk)}/trips`, trk.token);
		assert.equal(trips.body.total, 1, trips.text);
		const trip = trips.body._embedded.trips[0];
		assert.equal(trip.done, true);
		assert.deepEqual(trip.faults, [], 'odometer and positions at both ends: Nominal');
		assert.equal(trip.distance, 4.5, 'from the odometer');
		assert.equal(trip.startMileage, 100);
	});

	it('cvsim --protocol osmand drives a phone: its fixes become positions and trips, a re-run stores nothing twice', { timeout: 170000 }, async () => {
		const sim = await phoneCar(srv, 'simphone', 'VR3UPHNKSKT000104');
		const file = join(mkdtempSync(join(tmpdir(), 'cvapi-sim-')), 'vehicles.txt');
		const cred = kv(await srv.cvctl(['vehicle', 'add', 'VR3UPHNKSKT000105', '--owner', 'simphone', '--energy', 'electric'])).credential;
		writeFileSync(file, `VR3UPHNKSKT000104 petrol x-unused osmand:${sim.device}\nVR3UPHNKSKT000105 electric ${cred}\n`);
		const r = await cvsimOnce(srv, ['--vehicles', file, '--protocol', 'osmand', ...historyArgs(1), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		const s = await status(sim);
		assert.ok(s.lastPosition, 'a position');
		assert.equal(s.energies, undefined, 'nothing of the car\'s energy');
		const trips = await srv.get(`${V(sim)}/trips`, sim.token);
		assert.ok(trips.body.total >= 1, `trips: ${trips.text.slice(0, 200)}`);
		const count = await stored(sim);
		assert.ok(count > 100, `${count} fixes with a speed`);
		// the other vehicle, without a device, uploaded through the vehicle link
		const list = await srv.get(`${B2C}/user/vehicles`, sim.token);
		const link = list.body._embedded.vehicles.find((v) => v.vin === 'VR3UPHNKSKT000105');
		const ls = await srv.get(`${B2C}/user/vehicles/${link.id}/status`, sim.token);
		assert.ok(ls.body.energies, 'the vehicle link\'s vehicle has its energies');
		const again = await cvsimOnce(srv, ['--vehicles', file, '--protocol', 'osmand', ...historyArgs(1), '--quiet']);
		assert.equal(again.code, 0, again.stderr);
		assert.equal(await stored(sim), count, 'the same fixes again: stored once');
		assert.equal((await srv.get(`${V(sim)}/trips`, sim.token)).body.total, trips.body.total);
	});

	it('the port of its own serves / and /osmand, and nothing else', async () => {
		assert.ok(srv.osmandBase);
		const t = T() + 300000;
		let r = await srv.request('GET', `${srv.osmandBase}/?${qs({ id: car.device, timestamp: String(t / 1000), lat: '48.9', lon: '2.4' })}`);
		assert.equal(r.status, 200, r.text);
		r = await srv.request('POST', `${srv.osmandBase}/osmand`, { body: { device_id: car.device,
			location: { timestamp: new Date(t + 1000).toISOString(), coords: { latitude: 48.91, longitude: 2.41 } } } });
		assert.equal(r.status, 200, r.text);
		const s = await status(car);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.41, 48.91, 0]);
		for (const path of [`${B2C}/user`, '/healthz', '/index.html', '/telematics/v1/vehicles/VR3UPHNKSKT000101/commands', '/x']) {
			r = await srv.request('GET', `${srv.osmandBase}${path}`, { token: car.token });
			assert.equal(r.status, 403, `${path}: ${r.status} ${r.text.slice(0, 80)}`);
		}
	});

	it('every malformed request is refused and nothing is stored', async () => {
		const t = String(Math.floor((T() + 400000) / 1000));
		const before = await stored(car);
		const pos = JSON.stringify((await status(car)).lastPosition);
		const form = { 'content-type': 'application/x-www-form-urlencoded' };
		const json = (o) => ({ method: 'POST', body: JSON.stringify(o), headers: { 'content-type': 'application/json' } });
		const loc = { timestamp: new Date(Number(t) * 1000).toISOString(), coords: { latitude: 1, longitude: 2 } };
		const cases = [
			['no id', qs({ timestamp: t, lat: '1', lon: '2' }), {}, 400, /id: is required/],
			['nothing at all', null, {}, 400, /id: is required/],
			['an empty id', qs({ id: '', lat: '1', lon: '2' }), {}, 400, /id: must be the device id/],
			['an unknown device (query: 400)', qs({ id: 'unknown-device-0123456789abcdef', timestamp: t, lat: '1', lon: '2' }), {}, 400, /unknown device/],
			['a bad lat', qs({ id: car.device, timestamp: t, lat: '91', lon: '2' }), {}, 400, /lat: must be a number from -90 to 90/],
			['lat without lon', qs({ id: car.device, timestamp: t, lat: '1' }), {}, 400, /lon: is required with lat/],
			['a bad timestamp', qs({ id: car.device, timestamp: 'yesterday', lat: '1', lon: '2' }), {}, 400, /timestamp: must be/],
			['a fix from the future', qs({ id: car.device, timestamp: String(Math.floor(now() / 1000) + 600), lat: '1', lon: '2' }), {}, 400, /timestamp: must be/],
			['a bad speed', qs({ id: car.device, timestamp: t, lat: '1', lon: '2', speed: 'fast' }), {}, 400, /speed: must be/],
			['an id twice', qs({ id: car.device, deviceid: car.device, lat: '1', lon: '2' }), {}, 400, /deviceid: and id/],
			['a malformed query item', `id=${car.device}&lat`, {}, 400, /malformed query parameter/],
			['bad JSON', null, { method: 'POST', body: '{"device_id": ', headers: { 'content-type': 'application/json' } }, 400, /not valid JSON/],
			['JSON without device_id', null, json({ location: loc }), 400, /device_id: is required/],
			['JSON with a bad latitude', null, json({ device_id: car.device, location: { ...loc, coords: { latitude: 'north', longitude: 2 } } }), 400, /location\.coords\.latitude: must be/],
			['JSON of an unknown device (404)', null, json({ device_id: 'unknown-device-0123456789abcdef', location: loc }), 404, /unknown device/],
			['JSON sent as text/plain', null, { method: 'POST', body: JSON.stringify({ device_id: car.device, location: loc }), headers: { 'content-type': 'text/plain' } }, 415, /form .* or application\/json/],
			['JSON sent as a form', null, { method: 'POST', body: JSON.stringify({ device_id: car.device, location: loc }), headers: form }, 400, /malformed form field/],
			['fields in the query and the body', qs({ lat: '1' }), { method: 'POST', body: qs({ id: car.device, lat: '1', lon: '2' }), headers: form }, 400, /not both/],
			['an oversized body', null, { method: 'POST', body: qs({ id: car.device, lat: '1', lon: '2', x: 'y'.repeat(20000) }), headers: form }, 413, null],
		];
		for (const [what, q, opts, code, re] of cases) {
			const r = await fix(q, opts);
			assert.equal(r.status, code, `${what}: ${r.status} ${r.text}`);
			if (re) {
				await assertXError(r, code);
				assert.match(r.body.message, re, what);
			}
			assert.ok(!r.text.includes(car.device), `${what}: the answer does not hold the id`);
		}
		assert.equal(await stored(car), before, 'nothing stored');
		assert.equal(JSON.stringify((await status(car)).lastPosition), pos, 'the position unchanged');
	});

	it('no log line holds a device id, known or unknown', async () => {
		const secret = 'zz-unknown-device-id-0123456789abcdef';
		await fix(qs({ id: secret, lat: '1', lon: '2' }));
		await fix(`id=${secret}&lat&lon=2`);
		await fix(null, { method: 'POST', body: `${secret}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		const logs = srv.ws.logs();
		assert.match(logs, /audit event=auth-failed scheme=device reason=unknown-device device="osmand:<37 characters>"/);
		for (const id of [secret, car.device, other.device])
			assert.ok(!logs.includes(id), `the id ${id.slice(0, 6)}... is in the logs`);
	});
});

apiSuite('osmand-limit', { env: { CVAPI_RATE_DEVICE: '1000000/2' } }, (srv, it) => {
	it('a device over its budget of a second is answered 429, and that fix is not stored', async () => {
		const a = await phoneCar(srv, 'limited', 'VR3UPHNKSKT000201');
		const b = await phoneCar(srv, 'limited2', 'VR3UPHNKSKT000202');
		const t = Math.floor(now() / 1000) - 600;
		const send = (c, k) => srv.request('GET', `/osmand?${qs({ id: c.device, timestamp: String(t + k), lat: '1', lon: '2', speed: '0' })}`);
		const got = [];
		for (let k = 0; k < 4; k++)
			got.push(await send(a, k));
		const refused = got.filter((r) => r.status === 429);
		assert.ok(refused.length >= 1, got.map((r) => r.status).join(' '));
		await assertXError(refused[0], 429);
		assert.ok(Number(refused[0].headers.get('retry-after')) >= 1);
		const ok = got.filter((r) => r.status === 200).length;
		const tel = await srv.get(`${B2C}/user/vehicles/${a.id}/telemetry?pageSize=1`, a.token);
		assert.equal(tel.body.total, ok, 'only the fixes answered 200 are stored');
		const other = await send(b, 0);
		assert.equal(other.status, 200, 'another device has its own budget');
	});
});

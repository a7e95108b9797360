// The vehicle link (POST /telematics/v1/vehicles/{vin}/messages, see
// doc/vehicle-link.md) and /healthz: batches, retries, late samples, and a
// malformed twin for every field, each checked to have written nothing.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError, isRfc3339 } from '../lib/schema.mjs';
import { now } from '../lib/clock.mjs';

const iso = (ms) => new Date(ms).toISOString();
const T0 = Date.parse('2024-05-01T08:00:00Z');

apiSuite('ingest', (srv, it) => {
	let car, ev, tok;
	const V = (v) => `${B2C}/user/vehicles/${v.id}`;

	/* What a user can see of a vehicle: the status text and the telemetry. */
	async function snapshot(v) {
		const s = await srv.get(`${V(v)}/status`, tok);
		const t = await srv.get(`${V(v)}/telemetry?pageSize=2000`, tok);
		return { status: s.status, body: s.text, telemetry: t.text };
	}

	it('/healthz answers 200 with a small JSON', async () => {
		const r = await srv.get('/healthz');
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/json');
		assert.match(r.headers.get('cache-control') || '', /no-store/);
		assert.deepEqual(Object.keys(r.body).sort(), ['checkedAt', 'role', 'status', 'store', 'time']);
		assert.equal(r.body.status, 'ok');
		assert.equal(r.body.role, 'single', 'no replication');
		assert.equal(r.body.store, 'writable');
		assert.ok(isRfc3339(r.body.time));
		assert.ok(Math.abs(Date.parse(r.body.time) - now()) < 60000);
		assert.ok(isRfc3339(r.body.checkedAt));
		const age = Date.parse(r.body.time) - Date.parse(r.body.checkedAt);
		assert.ok(age >= 0 && age < 1000, `checked within the last second (${age} ms)`);
		// a burst writes at most once a second per process: few distinct checks
		const t0 = Date.now();
		const burst = await Promise.all(Array.from({ length: 40 }, () => srv.get('/healthz')));
		const seconds = Math.ceil((Date.now() - t0) / 1000) + 1;
		const checks = new Set(burst.map((b) => b.body.checkedAt));
		assert.ok(burst.every((b) => b.status === 200));
		assert.ok(checks.size <= 2 * seconds, `${checks.size} writes for 40 calls in ${seconds} s by 2 processes`);
		assert.equal((await srv.request('HEAD', '/healthz')).status, 200);
		await assertXError(await srv.request('POST', '/healthz', { body: {} }), 405, { code: 40501 });
		await assertXError(await srv.get('/healthz?verbose=1'), 400, { code: 40007, message: /unknown query parameter "verbose"/ });
		await assertXError(await srv.get('/healthzz'), 404, {}).catch(() => {}); // not ours to route
	});

	it('a batch of several samples: acknowledged, then visible in status and telemetry', async () => {
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		ev = srv.vehicles.find((v) => v.energy === 'electric');
		tok = await srv.token('demo');
		const samples = [0, 1, 2, 3].map((k) => ({
			at: iso(T0 + k * 60000), speed: 10 * k + 0.5, odometer: 1000 + k,
			position: { lat: 45 + k / 100, lon: 5 + k / 100, alt: 200 + k, heading: 10 * k, signal: 50 + k },
		}));
		samples[2].outsideTemp = -3.5;
		const r = await srv.upload(car.vin, car.cred, { messageId: 'VR3UPHNKSKT000001-000001', samples });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/json');
		assert.deepEqual(Object.keys(r.body).sort(), ['accepted', 'commands', 'committedAt', 'duplicate', 'messageId']);
		assert.equal(r.body.messageId, 'VR3UPHNKSKT000001-000001');
		assert.equal(r.body.accepted, 4);
		assert.equal(r.body.duplicate, false);
		assert.ok(isRfc3339(r.body.committedAt));
		const s = await srv.get(`${V(car)}/status`, tok);
		assert.equal(s.status, 200, s.text);
		await assertSchema(s.body, 'Status');
		assert.equal(s.body.createdAt, '2024-05-01T08:03:00Z');
		assert.deepEqual(s.body.kinetic, { createdAt: '2024-05-01T08:03:00Z', moving: true, speed: 30.5 });
		assert.deepEqual(s.body.odometer, { createdAt: '2024-05-01T08:03:00Z', mileage: 1003 });
		assert.deepEqual(s.body.environment, { air: { createdAt: '2024-05-01T08:02:00Z', temp: -3.5 } });
		assert.deepEqual(s.body.lastPosition.geometry.coordinates, [5.03, 45.03, 203]);
		assert.equal(s.body.lastPosition.properties.heading, 30);
		assert.equal(s.body.lastPosition.properties.signalQuality, 53);
		const t = await srv.get(`${V(car)}/telemetry`, tok);
		assert.equal(t.body.total, 4);
		assert.deepEqual(t.body._embedded.telemetries.map((x) => x.vehicle.kinetic.speed), [30.5, 20.5, 10.5, 0.5]);
	});

	it('a retried batch (same messageId) is acknowledged as a duplicate and not stored again', async () => {
		const before = await snapshot(car);
		for (const samples of [
			[{ at: iso(T0), speed: 0.5 }],
			[{ at: iso(T0 + 3600000), speed: 99 }], // other content, same id: still the same batch
		]) {
			const r = await srv.upload(car.vin, car.cred, { messageId: 'VR3UPHNKSKT000001-000001', samples });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.accepted, 0);
			assert.equal(r.body.duplicate, true);
			assert.equal(r.body.messageId, 'VR3UPHNKSKT000001-000001');
			assert.ok(isRfc3339(r.body.committedAt));
		}
		assert.deepEqual(await snapshot(car), before);
		// a message id is per vehicle
		const o = await srv.upload(ev.vin, ev.cred, { messageId: 'VR3UPHNKSKT000001-000001', samples: [{ at: iso(T0), speed: 1 }] });
		assert.equal(o.body.duplicate, false);
		assert.equal(o.body.accepted, 1);
	});

	it('the same batch sent several times at once is stored once', async () => {
		const before = (await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total;
		const batch = { messageId: 'race-1', samples: [0, 1, 2].map((k) => ({ at: iso(T0 + 86400000 + k * 1000), speed: 3 })) };
		const rs = await Promise.all(Array.from({ length: 6 }, () => srv.upload(ev.vin, ev.cred, batch)));
		assert.ok(rs.every((r) => r.status === 200), rs.map((r) => r.text).join('\n'));
		assert.deepEqual(rs.map((r) => r.body.duplicate).sort(), [false, true, true, true, true, true]);
		assert.deepEqual(rs.map((r) => r.body.accepted).sort(), [0, 0, 0, 0, 0, 3]);
		assert.equal((await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total, before + 3);
	});

	it('different batches of one vehicle at once, their times interleaved: every sample stored once, in order', async () => {
		// eight uploads whose samples fall into the same telemetry blocks: each merges into what the others wrote
		const t0 = T0 + 2 * 86400000;
		const before = (await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total;
		const batches = Array.from({ length: 8 }, (_, j) => ({ messageId: `interleave-${j}`,
			samples: Array.from({ length: 50 }, (_, k) => ({ at: iso(t0 + (k * 8 + j) * 1000), speed: j * 10 + 1 })) }));
		const rs = await Promise.all(batches.map((b) => srv.upload(ev.vin, ev.cred, b)));
		assert.ok(rs.every((r) => r.status === 200 && r.body.accepted === 50), rs.map((r) => r.text).join('\n'));
		const all = await srv.get(`${V(ev)}/telemetry?pageSize=2000&timestamps=${iso(t0)}/${iso(t0 + 400000)}`, tok);
		assert.equal(all.status, 200, all.text);
		assert.equal(all.body.total, 400);
		const times = all.body._embedded.telemetries.map((x) => Date.parse(x.createdAt));
		assert.deepEqual(times, Array.from({ length: 400 }, (_, i) => t0 + (399 - i) * 1000), 'each second once, newest first');
		assert.equal((await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total, before + 400);
	});

	it('late and out-of-order samples: each part of the status keeps its newest value; history has them all', async () => {
		const late = [
			{ at: iso(T0 - 3600000), speed: 77, odometer: 5, outsideTemp: 30, battery12v: 11.9, position: { lat: 1, lon: 1 } },
			{ at: iso(T0 + 120000), ignition: 'Stop', outsideTemp: 20 }, // older than 08:03 for other parts
		];
		const r = await srv.upload(car.vin, car.cred, { messageId: 'late-1', samples: late });
		assert.equal(r.status, 200, r.text);
		const s = (await srv.get(`${V(car)}/status`, tok)).body;
		assert.equal(s.createdAt, '2024-05-01T08:03:00Z');
		assert.equal(s.kinetic.speed, 30.5);
		assert.equal(s.odometer.mileage, 1003);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [5.03, 45.03, 203]);
		// parts never seen before are taken, with their own times
		assert.deepEqual(s.battery, { createdAt: '2024-05-01T07:00:00Z', voltage: 11.9 });
		assert.deepEqual(s.ignition, { createdAt: '2024-05-01T08:02:00Z', type: 'Stop' });
		// 08:02:00 replaced the environment of 08:02:00 (same time: the later upload wins)
		assert.deepEqual(s.environment, { air: { createdAt: '2024-05-01T08:02:00Z', temp: 20 } });
		const t = await srv.get(`${V(car)}/telemetry`, tok);
		assert.deepEqual(t.body._embedded.telemetries.map((x) => x.createdAt),
			['2024-05-01T08:03:00Z', '2024-05-01T08:02:00Z', '2024-05-01T08:01:00Z', '2024-05-01T08:00:00Z', '2024-05-01T07:00:00Z']);
		// two samples with the same time are one: the later upload replaced it
		const same = t.body._embedded.telemetries[1];
		assert.deepEqual(same.vehicle, { ignition: { createdAt: '2024-05-01T08:02:00Z', type: 'Stop' } });
		assert.deepEqual(same.environment, { air: { temp: 20 } });
	});

	it('samples of one batch in any order, events, and the bounds themselves are accepted', async () => {
		const edge = {
			at: iso(T0 + 7200000), speed: 500, odometer: 2000000, outsideTemp: -60, battery12v: 30,
			position: { lat: -90, lon: -180, alt: -500, heading: 360, signal: 100, fix: 'none', type: 'Estimated' },
			fuel: { level: 100, autonomy: 3000 },
			electric: { level: 0, autonomy: 0, charging: { status: 'Finished', mode: 'Quick', plugged: false, rate: 500, remainingTime: 604800, power: 400 } },
			doors: { locked: 'SuperLocked', open: ['Driver', 'Passenger', 'RearLeft', 'RearRight', 'Trunk'] },
			preconditioning: 'Failure', maintenance: { days: -3650, km: -100000 }, privacy: 'Full', ignition: 'StartUp',
			events: [
				{ type: 'alert', alert: 'AddWasherFluid', severity: 'Critical', active: false },
				{ type: 'alert', alert: 'AddWasherFluid', active: true },
				{ type: 'collision', details: [{ side: 'Front', severity: 'Minimal' }, { side: 'Rear' }, { side: 'Lateral', severity: 'Major' }] },
				{ type: 'alarm', activation: 'Inactive' },
				{ type: 'alarm', trigger: 'VolumetricBreakIn' },
				{ type: 'alarm', activation: 'Active', trigger: 'VolumetricBreakIn' },
				{ type: 'collision', details: [{ side: 'Rear', severity: 'Minor' }] },
				{ type: 'alert', alert: 'AddWasherFluid', severity: 'Information', active: true },
			],
		};
		const low = { at: iso(T0 + 7140000), speed: 0, odometer: 0, outsideTemp: 70, battery12v: 0, position: { lat: 90, lon: 180, alt: 9000, heading: 0, signal: 0 }, maintenance: { days: 3650, km: 100000 } };
		const eventsOnly = { at: iso(T0 + 7080000), events: [{ type: 'alarm', activation: 'Active' }] };
		const r = await srv.upload(car.vin, car.cred, { messageId: 'edge-1', samples: [edge, eventsOnly, low] });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.accepted, 3);
		const s = (await srv.get(`${V(car)}/status`, tok)).body;
		await assertSchema(s, 'Status');
		assert.equal(s.kinetic.speed, 500);
		assert.equal(s.odometer.mileage, 2000000);
		assert.equal(s.battery.voltage, 30);
		assert.equal(s.environment.air.temp, -60);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [-180, -90, -500]);
		const m = (await srv.get(`${V(car)}/maintenance`, tok)).body;
		assert.equal(m.daysBeforeMaintenance, -3650);
		assert.equal(m.mileageBeforeMaintenance, -100000);
	});

	it('a batch of 1000 samples (the most) is accepted whole', async () => {
		const samples = Array.from({ length: 1000 }, (_, k) => ({ at: iso(T0 - 86400000 + k * 1000), speed: k % 500 }));
		const before = (await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total;
		const r = await srv.upload(ev.vin, ev.cred, { messageId: 'big-1', samples });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.accepted, 1000);
		assert.equal((await srv.get(`${V(ev)}/telemetry?pageSize=1`, tok)).body.total, before + 1000);
	});

	it('the content type may carry parameters; the message id may use its whole alphabet', async () => {
		const r = await srv.upload(car.vin, car.cred, { messageId: 'aZ09._-:'.repeat(8), samples: [{ at: iso(T0 - 7200000), speed: 1 }] },
			{ contentType: 'application/json; charset=utf-8' });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.messageId.length, 64);
	});

	// ---- malformed twins: every one must leave the vehicle's data untouched ----
	const S = { at: '2024-05-01T09:00:00Z', speed: 42 };
	const batch = (sample, extra = {}) => JSON.stringify({ messageId: `bad-${Math.random().toString(36).slice(2)}`, samples: [sample], ...extra });
	const withS = (patch) => batch({ ...S, ...patch });
	const future = () => new Date(now() + 6 * 60000).toISOString();
	const bad = [
		// name, body (string or function), message
		['bad JSON: truncated', '{"messageId":"a","samples":[', /not valid JSON/],
		['bad JSON: a trailing comma', '{"messageId":"a","samples":[{"at":"2024-05-01T09:00:00Z","speed":1},]}', /not valid JSON/],
		['bad JSON: trailing data', '{"messageId":"a","samples":[{"at":"2024-05-01T09:00:00Z","speed":1}]} {}', /not valid JSON/],
		['bad JSON: single quotes', "{'messageId':'a'}", /not valid JSON/],
		// json-c reads NaN even in strict mode; the bounds check refuses it then
		['bad JSON: NaN', '{"messageId":"a","samples":[{"at":"2024-05-01T09:00:00Z","speed":NaN}]}', /not valid JSON|speed: must be a number from 0 to 500/],
		['bad JSON: nested too deep', `{"messageId":"a","samples":${'['.repeat(40)}${']'.repeat(40)}}`, /not valid JSON/],
		['an empty body', '', /body is empty/],
		['an array instead of an object', '[]', /must be a JSON object/],
		['a string instead of an object', '"hello"', /must be a JSON object/],
		['an unknown top-level field', batch(S, { vehicleId: 'x' }), /vehicleId: unknown field/],
		['no messageId', JSON.stringify({ samples: [S] }), /messageId: is required/],
		['messageId is a number', JSON.stringify({ messageId: 7, samples: [S] }), /messageId: must be a string of 1 to 64 bytes/],
		['messageId is empty', JSON.stringify({ messageId: '', samples: [S] }), /messageId/],
		['messageId is too long', JSON.stringify({ messageId: 'm'.repeat(65), samples: [S] }), /messageId: must be a string of 1 to 64 bytes/],
		['messageId has a space', JSON.stringify({ messageId: 'a b', samples: [S] }), /messageId: must be 1 to 64 characters among/],
		['messageId has a slash', JSON.stringify({ messageId: 'a/b', samples: [S] }), /messageId/],
		['no samples', JSON.stringify({ messageId: 'a' }), /samples: is required \(an array of 1 to 1000 items\)/],
		['samples is an object', JSON.stringify({ messageId: 'a', samples: S }), /samples: must be an array of 1 to 1000 items/],
		['samples is empty', JSON.stringify({ messageId: 'a', samples: [] }), /samples: must be an array of 1 to 1000 items/],
		['1001 samples', () => JSON.stringify({ messageId: 'a', samples: Array.from({ length: 1001 }, (_, k) => ({ at: iso(T0 + k * 1000), speed: 1 })) }), /samples: must be an array of 1 to 1000 items/],
		['a sample that is not an object', JSON.stringify({ messageId: 'a', samples: [3] }), /samples\[0\]: must be an object/],
		['a misspelt field (mileage for odometer)', withS({ mileage: 3 }), /samples\[0\]\.mileage: unknown field/],
		['no at', batch({ speed: 1 }), /samples\[0\]\.at: is required/],
		['at is a number', withS({ at: 1714554000 }), /samples\[0\]\.at: must be an RFC 3339 time/],
		['at without a zone', withS({ at: '2024-05-01T09:00:00' }), /at: must be an RFC 3339 time/],
		['at is a date only', withS({ at: '2024-05-01' }), /at: must be an RFC 3339 time/],
		['at before 1970', withS({ at: '1969-12-31T23:59:59Z' }), /at: must be an RFC 3339 time/],
		['at on 31 February', withS({ at: '2024-02-31T00:00:00Z' }), /at: must be an RFC 3339 time/],
		['at more than 5 minutes ahead', () => withS({ at: future() }), /at: is more than 5 minutes in the future/],
		['a sample with no data besides at', batch({ at: S.at }), /samples\[0\]: holds no data besides its time/],
		['position is not an object', withS({ position: [45, 5] }), /position: must be an object/],
		['position without lat', withS({ position: { lon: 5 } }), /position\.lat: is required/],
		['position without lon', withS({ position: { lat: 5 } }), /position\.lon: is required/],
		['position.lat above 90', withS({ position: { lat: 90.0001, lon: 5 } }), /position\.lat: must be a number from -90 to 90/],
		['position.lat below -90', withS({ position: { lat: -91, lon: 5 } }), /position\.lat: must be a number from -90 to 90/],
		['position.lat is a string', withS({ position: { lat: '45', lon: 5 } }), /position\.lat: must be a number/],
		['position.lon above 180', withS({ position: { lat: 5, lon: 180.5 } }), /position\.lon: must be a number from -180 to 180/],
		['position.lon below -180', withS({ position: { lat: 5, lon: -181 } }), /position\.lon: must be a number from -180 to 180/],
		['position.alt below -500', withS({ position: { lat: 5, lon: 5, alt: -501 } }), /position\.alt: must be a number from -500 to 9000/],
		['position.alt above 9000', withS({ position: { lat: 5, lon: 5, alt: 9001 } }), /position\.alt: must be a number from -500 to 9000/],
		['position.heading above 360', withS({ position: { lat: 5, lon: 5, heading: 361 } }), /position\.heading: must be a number from 0 to 360/],
		['position.heading negative', withS({ position: { lat: 5, lon: 5, heading: -1 } }), /position\.heading: must be a number from 0 to 360/],
		['position.fix unknown', withS({ position: { lat: 5, lon: 5, fix: '4D' } }), /position\.fix: must be one of none, 2D, 3D/],
		['position.signal above 100', withS({ position: { lat: 5, lon: 5, signal: 101 } }), /position\.signal: must be a number from 0 to 100/],
		['position.type unknown', withS({ position: { lat: 5, lon: 5, type: 'GPS' } }), /position\.type: must be one of Acquire, Estimated/],
		['position with an unknown field', withS({ position: { lat: 5, lon: 5, speed: 3 } }), /position\.speed: unknown field/],
		['speed negative', withS({ speed: -0.1 }), /speed: must be a number from 0 to 500/],
		['speed above 500', withS({ speed: 500.1 }), /speed: must be a number from 0 to 500/],
		['speed is a string', withS({ speed: '50' }), /speed: must be a number/],
		['speed is null', withS({ speed: null }), /speed: must be a number/],
		['speed is infinite (1e999)', batch(S).replace('"speed":42', '"speed":1e999'), /speed: must be a number from 0 to 500|not valid JSON/],
		['odometer negative', withS({ odometer: -1 }), /odometer: must be a number from 0 to (2e\+06|2000000)/],
		['odometer above 2,000,000', withS({ odometer: 2000000.1 }), /odometer: must be a number from/],
		['ignition unknown', withS({ ignition: 'On' }), /ignition: must be one of Stop, StartUp, Start/],
		['ignition is a boolean', withS({ ignition: true }), /ignition: must be one of Stop, StartUp, Start/],
		['fuel is a number', withS({ fuel: 50 }), /fuel: must be an object/],
		['fuel without level', withS({ fuel: { autonomy: 3 } }), /fuel\.level: is required/],
		['fuel.level above 100', withS({ fuel: { level: 100.1 } }), /fuel\.level: must be a number from 0 to 100/],
		['fuel.autonomy above 3000', withS({ fuel: { level: 1, autonomy: 3001 } }), /fuel\.autonomy: must be a number from 0 to 3000/],
		['fuel.autonomy negative', withS({ fuel: { level: 1, autonomy: -1 } }), /fuel\.autonomy: must be a number from 0 to 3000/],
		['fuel with charging', withS({ fuel: { level: 1, charging: { status: 'InProgress' } } }), /fuel\.charging: unknown field/],
		['electric.level negative', withS({ electric: { level: -1 } }), /electric\.level: must be a number from 0 to 100/],
		['electric.charging without status', withS({ electric: { level: 1, charging: { mode: 'Slow' } } }), /electric\.charging\.status: is required/],
		['electric.charging.status unknown', withS({ electric: { level: 1, charging: { status: 'Charging' } } }), /charging\.status: must be one of Disconnected, InProgress, Failure, Stopped, Finished/],
		['electric.charging.mode unknown', withS({ electric: { level: 1, charging: { status: 'InProgress', mode: 'Fast' } } }), /charging\.mode: must be one of No, Slow, Quick/],
		['electric.charging.plugged is a string', withS({ electric: { level: 1, charging: { status: 'InProgress', plugged: 'yes' } } }), /charging\.plugged: must be true or false/],
		['electric.charging.rate above 500', withS({ electric: { level: 1, charging: { status: 'InProgress', rate: 501 } } }), /charging\.rate: must be a number from 0 to 500/],
		['electric.charging.remainingTime above a week', withS({ electric: { level: 1, charging: { status: 'InProgress', remainingTime: 604801 } } }), /charging\.remainingTime: must be a number from 0 to 604800/],
		['electric.charging.power above 400 kW', withS({ electric: { level: 1, charging: { status: 'InProgress', power: 400.1 } } }), /samples\[0\]\.electric\.charging\.power: must be a number from 0 to 400/],
		['electric.charging.power negative', withS({ electric: { level: 1, charging: { status: 'InProgress', power: -1 } } }), /samples\[0\]\.electric\.charging\.power: must be a number from 0 to 400/],
		['electric.charging.power is a string', withS({ electric: { level: 1, charging: { status: 'InProgress', power: '7.4' } } }), /samples\[0\]\.electric\.charging\.power: must be a number/],
		['electric.charging.power is null', withS({ electric: { level: 1, charging: { status: 'InProgress', power: null } } }), /samples\[0\]\.electric\.charging\.power: must be a number/],
		['electric.charging with an unknown field', withS({ electric: { level: 1, charging: { status: 'InProgress', powerKw: 7 } } }), /charging\.powerKw: unknown field/],
		['electric.charging is a string', withS({ electric: { level: 1, charging: 'InProgress' } }), /electric\.charging: must be an object/],
		['doors without locked', withS({ doors: { open: [] } }), /doors\.locked: is required/],
		['doors.locked unknown', withS({ doors: { locked: 'Open' } }), /doors\.locked: must be one of Unlocked, Locked, SuperLocked/],
		['doors.open is not an array', withS({ doors: { locked: 'Locked', open: 'Trunk' } }), /doors\.open: must be an array of at most 5 items/],
		['doors.open has an unknown door', withS({ doors: { locked: 'Locked', open: ['Boot'] } }), /doors\.open\[0\]: must be one of Driver, Passenger, RearLeft, RearRight, Trunk/],
		['doors.open has a number', withS({ doors: { locked: 'Locked', open: [1] } }), /doors\.open\[0\]: must be one of Driver, Passenger, RearLeft, RearRight, Trunk/],
		['doors.open has 6 doors', withS({ doors: { locked: 'Locked', open: ['Driver', 'Passenger', 'RearLeft', 'RearRight', 'Trunk', 'Trunk'] } }), /doors\.open: must be an array of at most 5 items/],
		['preconditioning unknown', withS({ preconditioning: 'On' }), /preconditioning: must be one of Disabled, Enabled, Finished, Failure/],
		['outsideTemp below -60', withS({ outsideTemp: -60.1 }), /outsideTemp: must be a number from -60 to 70/],
		['outsideTemp above 70', withS({ outsideTemp: 70.1 }), /outsideTemp: must be a number from -60 to 70/],
		['battery12v above 30', withS({ battery12v: 30.001 }), /battery12v: must be a number from 0 to 30/],
		['battery12v negative', withS({ battery12v: -0.1 }), /battery12v: must be a number from 0 to 30/],
		['maintenance empty', withS({ maintenance: {} }), /maintenance: needs days or km/],
		['maintenance.days above 3650', withS({ maintenance: { days: 3651 } }), /maintenance\.days: must be a number from -3650 to 3650/],
		['maintenance.days below -3650', withS({ maintenance: { days: -3651 } }), /maintenance\.days: must be a number from -3650 to 3650/],
		['maintenance.km above 100000', withS({ maintenance: { km: 100000.1 } }), /maintenance\.km: must be a number from -100000 to 100000/],
		['maintenance with an unknown field', withS({ maintenance: { days: 1, hours: 2 } }), /maintenance\.hours: unknown field/],
		['privacy unknown', withS({ privacy: 'Private' }), /privacy: must be one of None, Geolocation, Full/],
		['events is an object', withS({ events: {} }), /events: must be an array/],
		['9 events', withS({ events: Array.from({ length: 9 }, () => ({ type: 'alarm', activation: 'Active' })) }), /events: must be an array of at most 8 items/],
		['an event that is not an object', withS({ events: ['alert'] }), /events\[0\]: must be an object/],
		['an event without type', withS({ events: [{ alert: 'AddWasherFluid', active: true }] }), /events\[0\]\.type: is required/],
		['an event of an unknown type', withS({ events: [{ type: 'crash' }] }), /events\[0\]\.type: must be one of alert, collision, alarm, theft/],
		['an alert without its name', withS({ events: [{ type: 'alert', active: true }] }), /events\[0\]\.alert: is required/],
		['an alert with an unknown name', withS({ events: [{ type: 'alert', alert: 'FlatTyre', active: true }] }), /events\[0\]\.alert: unknown value "FlatTyre"/],
		['an alert with an unknown severity', withS({ events: [{ type: 'alert', alert: 'AddWasherFluid', severity: 'Major', active: true }] }), /severity: must be one of Information, Warning, Critical/],
		['an alert without active', withS({ events: [{ type: 'alert', alert: 'AddWasherFluid' }] }), /events\[0\]\.active: is required/],
		['an alert with active as a string', withS({ events: [{ type: 'alert', alert: 'AddWasherFluid', active: 'yes' }] }), /active: must be true or false/],
		['an alert with a collision field', withS({ events: [{ type: 'alert', alert: 'AddWasherFluid', active: true, details: [] }] }), /events\[0\]\.details: unknown field/],
		['a collision without details', withS({ events: [{ type: 'collision' }] }), /details: is required/],
		['a collision with no details', withS({ events: [{ type: 'collision', details: [] }] }), /details: must be an array of 1 to 3 items/],
		['a collision with 4 details', withS({ events: [{ type: 'collision', details: Array(4).fill({ side: 'Front' }) }] }), /details: must be an array of 1 to 3 items/],
		['a collision detail without side', withS({ events: [{ type: 'collision', details: [{ severity: 'Minor' }] }] }), /details\[0\]\.side: is required/],
		['a collision detail with an unknown side', withS({ events: [{ type: 'collision', details: [{ side: 'Top' }] }] }), /details\[0\]\.side: must be one of Front, Rear, Lateral/],
		['a collision detail with an unknown severity', withS({ events: [{ type: 'collision', details: [{ side: 'Rear', severity: 'Huge' }] }] }), /details\[0\]\.severity: must be one of Minimal, Minor, Major/],
		['a collision detail that is not an object', withS({ events: [{ type: 'collision', details: ['Front'] }] }), /details\[0\]: must be an object/],
		['an alarm with neither activation nor trigger', withS({ events: [{ type: 'alarm' }] }), /an alarm event needs activation or trigger/],
		['an alarm with an unknown activation', withS({ events: [{ type: 'alarm', activation: 'On' }] }), /activation: must be one of Inactive, Active/],
		['an alarm with an unknown trigger', withS({ events: [{ type: 'alarm', trigger: 'Ghost' }] }), /trigger: unknown value "Ghost"/],
		['a theft without active', withS({ events: [{ type: 'theft' }] }), /events\[0\]\.active: is required \(true when reported stolen/],
		['a theft with active as a number', withS({ events: [{ type: 'theft', active: 1 }] }), /active: must be true or false/],
		['a theft with an alert field', withS({ events: [{ type: 'theft', active: true, alert: 'AddWasherFluid' }] }), /events\[0\]\.alert: unknown field/],
		['a good sample then a bad one (nothing of the batch is written)', JSON.stringify({ messageId: 'half-1', samples: [{ at: '2024-05-01T10:00:00Z', speed: 1 }, { at: '2024-05-01T10:01:00Z', speed: 501 }] }), /samples\[1\]\.speed: must be a number from 0 to 500/],
	];
	for (const [name, body, message] of bad) {
		it(`upload refused, nothing written: ${name} -> 400`, async () => {
			const before = await snapshot(car);
			const r = await srv.upload(car.vin, car.cred, typeof body === 'function' ? body() : body);
			await assertXError(r, 400, { code: 40004, message }).catch(async (e) => {
				// malformed JSON has its own cause
				if (r.status === 400 && r.body && r.body.code === 40003)
					return assertXError(r, 400, { code: 40003, message });
				throw e;
			});
			assert.deepEqual(await snapshot(car), before, 'the vehicle data changed');
		});
	}

	it('the retried half-good batch is still new: nothing of the refused one was remembered', async () => {
		const r = await srv.upload(car.vin, car.cred, { messageId: 'half-1', samples: [{ at: '2024-05-01T10:00:00Z', speed: 1 }] });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.duplicate, false);
		assert.equal(r.body.accepted, 1);
	});

	const good = JSON.stringify({ messageId: 'ok-x', samples: [S] });
	const refused = [
		// name, vin, credential (null: no header), options, status, code, message
		['no credential', () => car.vin, null, {}, 401, 40101, /no credentials/],
		['a wrong credential', () => car.vin, 'A'.repeat(43), {}, 401, 40102, /unknown vehicle or bad credential/],
		["another vehicle's credential", () => car.vin, () => ev.cred, {}, 401, 40102, /unknown vehicle or bad credential/],
		['an unknown VIN (same answer)', () => 'VF1AAAAAAAA000000', () => car.cred, {}, 401, 40102, /unknown vehicle or bad credential/],
		['Basic instead of Bearer', () => car.vin, null, { headers: { authorization: 'Basic eDp5' } }, 401, 40102, /must be Bearer/],
		['an overlong credential', () => car.vin, 'c'.repeat(300), {}, 401, 40102, /must be Bearer/],
		['a user access token', () => car.vin, () => tok, {}, 401, 40102, /unknown vehicle or bad credential/],
		['a VIN in lower case', () => car.vin.toLowerCase(), () => car.cred, {}, 400, 40002, /a VIN is 17 characters/],
		['a VIN of 16 characters', () => car.vin.slice(1), () => car.cred, {}, 400, 40002, /a VIN is 17 characters/],
		['a VIN of 18 characters', () => car.vin + '1', () => car.cred, {}, 400, 40002, /a VIN is 17 characters/],
		['a VIN with an O', () => 'VR3UPHNKSKT00000O', () => car.cred, {}, 400, 40002, /but I, O, Q/],
		['a VIN with an I', () => 'VR3UPHNKSKT00000I', () => car.cred, {}, 400, 40002, /but I, O, Q/],
		['a VIN with a Q', () => 'VR3UPHNKSKT00000Q', () => car.cred, {}, 400, 40002, /but I, O, Q/],
		['the content type text/plain', () => car.vin, () => car.cred, { contentType: 'text/plain' }, 415, 41501, /must be application\/json/],
		['no content type', () => car.vin, () => car.cred, { contentType: null }, 415, 41501, /must be application\/json/],
		['the content type application/jsonx', () => car.vin, () => car.cred, { contentType: 'application/jsonx' }, 415, 41501, /must be application\/json/],
		['the content type form-urlencoded', () => car.vin, () => car.cred, { contentType: 'application/x-www-form-urlencoded' }, 415, 41501, /must be application\/json/],
	];
	for (const [name, vin, cred, opts, status, code, message] of refused) {
		it(`upload refused, nothing written: ${name} -> ${status}`, async () => {
			const before = await snapshot(car);
			const c = typeof cred === 'function' ? cred() : cred;
			const r = await srv.upload(vin(), c, good, opts);
			await assertXError(r, status, { code, message });
			assert.deepEqual(await snapshot(car), before, 'the vehicle data changed');
		});
	}

	it('a body over 4 MiB -> 413, nothing written', async () => {
		const before = await snapshot(car);
		const pad = ' '.repeat(4 * 1024 * 1024 - good.length + 1);
		const r = await srv.upload(car.vin, car.cred, good + pad);
		await assertXError(r, 413, { code: 41301, message: /larger than 4194304 bytes/ });
		// far over: the web server refuses it itself (its own 413 page)
		const big = await srv.upload(car.vin, car.cred, good + ' '.repeat(5 * 1024 * 1024));
		assert.equal(big.status, 413);
		assert.deepEqual(await snapshot(car), before, 'the vehicle data changed');
		// exactly 4 MiB is fine
		const ok = await srv.upload(car.vin, car.cred, JSON.stringify({ messageId: 'max-1', samples: [{ at: '2024-05-01T11:00:00Z', speed: 2 }] }).padEnd(4 * 1024 * 1024, ' '));
		assert.equal(ok.status, 200, ok.text.slice(0, 300));
	});

	it('4 MiB of tiny JSON values -> 413 before a tree is built; without credentials -> 401 before it is parsed', async () => {
		const before = await snapshot(car);
		const tiny = `{"messageId":"tiny-1","samples":[${'1,'.repeat(2 * 1024 * 1024 - 40)}1]}`;
		const r = await srv.upload(car.vin, car.cred, tiny);
		await assertXError(r, 413, { code: 41301, message: /more than 100000 JSON values/ });
		// who asks is checked from the headers first: a stranger's body is never parsed
		const anon = await srv.upload(car.vin, null, tiny);
		await assertXError(anon, 401, { code: 40101 });
		const wrong = await srv.upload(car.vin, 'not-the-credential', tiny);
		await assertXError(wrong, 401, { code: 40102 });
		assert.deepEqual(await snapshot(car), before, 'the vehicle data changed');
	});

	it('other methods, paths and query parameters of the vehicle link', async () => {
		const g = await srv.request('GET', `/telematics/v1/vehicles/${car.vin}/messages`, { token: car.cred });
		await assertXError(g, 405, { code: 40501 });
		assert.equal(g.headers.get('allow'), 'POST');
		await assertXError(await srv.request('POST', `/telematics/v1/vehicles/${car.vin}/message`, { token: car.cred, body: good, headers: { 'content-type': 'application/json' } }), 404, { code: 40401 });
		await assertXError(await srv.request('POST', `/telematics/v1/vehicles/${car.vin}/messages?sync=1`, { token: car.cred, body: good, headers: { 'content-type': 'application/json' } }), 400, { code: 40007, message: /unknown query parameter "sync"/ });
		await assertXError(await srv.request('POST', '/telematics/v2/anything', { body: good, headers: { 'content-type': 'application/json' } }), 404, { code: 40401 });
	});
});

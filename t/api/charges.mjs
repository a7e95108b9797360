// Charging sessions (an extension, doc/cvapi-extensions.yaml) and
// eco-coaching (the official B2C 4.0 operations): an electric car charges
// at home with its power reported, then at a DC charger with levels only,
// then pauses and resumes; its capacity is set with cvctl. Every answer is
// checked against its schema (ours for charges, the official ECoaching)
// and its values; the fleet face; scopes; a monitor on the charging
// status fires at a session's start and end; the malformed twins.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { receiver, superviseNotify } from '../lib/notify.mjs';
import { now } from '../lib/clock.mjs';

const T0 = Date.parse('2024-06-03T18:00:00Z');
const MIN = 60000;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const T = (m) => iso(T0 + Math.round(m * MIN));
const hex16 = (ms) => ms.toString(16).padStart(16, '0');
const HOME = { lat: 48.85, lon: 2.35, alt: 35 };
const AWAY = { lat: 48.95, lon: 2.55, alt: 60 };

/* A parked sample at minute m: the battery (level %), charging (status, power kW or none), where. */
function P(m, level, status, { power, mode = 'Slow', where = HOME, plugged } = {}) {
	const s = { at: T(m), speed: 0, position: { ...where }, electric: { level, autonomy: Math.round(level * 3) } };
	if (status) {
		s.electric.charging = { status, mode, plugged: plugged ?? status !== 'Disconnected' };
		if (power !== undefined)
			s.electric.charging.power = power;
	}
	return s;
}

/* Home: 20 % to 80 % at 7.4 kW, a sample every 5 min for 90 min, then Finished and unplugged. */
const home = [P(0, 20, 'Disconnected'), ...Array.from({ length: 19 }, (_, i) => P(1 + 5 * i, 20 + (i * 60) / 18, 'InProgress', { power: 7.4 })),
	P(96, 80, 'Finished', { power: 0 }), P(120, 80, 'Disconnected')];
/* A drive away, then a quick charge with levels only (no power), 30 % to 70 %. */
const drive = [{ at: T(180), speed: 60, ignition: 'Start', position: { lat: 48.9, lon: 2.45 }, electric: { level: 79, autonomy: 237 } },
	{ at: T(200), speed: 0, ignition: 'Stop', position: { ...AWAY }, electric: { level: 30, autonomy: 90 } }];
const quick = [P(201, 30, 'InProgress', { mode: 'Quick', where: AWAY }), P(211, 50, 'InProgress', { mode: 'Quick', where: AWAY }),
	P(221, 70, 'Finished', { mode: 'Quick', where: AWAY }), P(240, 70, 'Disconnected', { where: AWAY })];
/* Back home: charging, a 5-minute pause (Stopped), charging again: one session, one interruption; still charging. */
const paused = [P(300, 70, 'InProgress', { power: 3.7 }), P(310, 72, 'InProgress', { power: 3.7 }), P(315, 73, 'Stopped', { power: 0 }),
	P(320, 73, 'InProgress', { power: 3.7 }), P(330, 75, 'InProgress', { power: 3.7 })];

apiSuite('charges', (srv, it) => {
	let ev, tok, V, noPos, noTrip;
	const strip = ({ _links, ...rest }) => rest;
	const chid = (m) => ev.id + hex16(T0 + Math.round(m * MIN));

	it('set-up: the car\'s capacity with cvctl, then its charges uploaded', async () => {
		await srv.cvctl(['retention', '36500']);
		ev = srv.vehicles.find((v) => v.energy === 'electric');
		V = `${B2C}/user/vehicles/${ev.id}`;
		tok = await srv.token('demo');
		noPos = await srv.token('demo', { scope: 'data:trip data:telemetry' });
		noTrip = await srv.token('demo', { scope: 'data:telemetry data:position' });
		const empty = await srv.get(`${V}/charges`, tok);
		assert.equal(empty.status, 200, empty.text);
		await assertSchema(empty.body, 'Charges', { doc: 'ext' });
		assert.equal(empty.body.total, 0);
		await srv.cvctl(['vehicle', 'capacity', ev.vin, '--battery-kwh', '50']);
		for (const [id, samples] of [['ch-home', home], ['ch-drive', drive], ['ch-quick', quick], ['ch-paused', paused]]) {
			const r = await srv.upload(ev.vin, ev.cred, { messageId: id, samples });
			assert.equal(r.status, 200, r.text);
		}
	});

	it('the list: newest first, each session with its figures; ours, never in the official answers', async () => {
		const r = await srv.get(`${V}/charges`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Charges', { doc: 'ext' });
		assert.equal(r.body.total, 3);
		const [p, q, h] = r.body._embedded.charges;
		assert.deepEqual([p.id, q.id, h.id], [chid(300), chid(201), chid(1)]);
		// home: power reported, 7.4 kW for 90 min and the last 5 min tapering to 0
		assert.equal(h.startedAt, T(1));
		assert.equal(h.stoppedAt, T(96));
		assert.equal(h.duration, 95 * 60);
		assert.equal(h.startLevel, 20);
		assert.equal(h.endLevel, 80);
		assert.equal(h.maxPower, 7.4);
		assert.ok(h.energyAdded >= 11.1 && h.energyAdded <= 11.5, `energy from the power: ${h.energyAdded}`);
		assert.equal(h.avgPower, Math.round((h.energyAdded / (h.chargingDuration / 3600)) * 10) / 10);
		assert.equal(h.chargingMode, 'Slow');
		assert.equal(h.done, true);
		assert.deepEqual(h.faults, []);
		assert.deepEqual(h.position, { type: 'Feature', geometry: { type: 'Point', coordinates: [HOME.lon, HOME.lat, HOME.alt] },
			properties: { createdAt: T(1) } });
		// quick: levels only, so the energy is 40 % of the 50 kWh set with cvctl
		assert.equal(q.energyAdded, 20);
		assert.equal(q.chargingMode, 'Quick');
		assert.equal(q.maxPower, undefined, 'no power reported: no peak');
		assert.equal(q.avgPower, 60, '20 kWh in 20 minutes');
		assert.deepEqual(q.position.geometry.coordinates, [AWAY.lon, AWAY.lat, AWAY.alt]);
		// paused: one session, resumed once, still charging (Unfinished while it does)
		assert.equal(p.interruptions, 1);
		assert.equal(p.done, false);
		assert.equal(p.stoppedAt, undefined);
		assert.deepEqual(p.faults, [{ fault: 'Unfinished' }]);
		assert.equal(p.chargingDuration, 25 * 60, 'the pause is not charging time');
		// links
		assert.equal(h._links.self.href, `${srv.base}${V}/charges/${h.id}`);
		assert.equal(h._links.vehicle.href, `${srv.base}${V}`);
		assert.equal(h._links.curve.href, `${srv.base}${V}/charges/${h.id}/curve`);
		// the official answers are untouched: the drive's trip is an official Trip, with its efficiency
		// (49 % of the 50 kWh over its distance, Wh per 100 km)
		const trips = await srv.get(`${V}/trips`, tok);
		await assertSchema(trips.body, 'Trips');
		const d = trips.body._embedded.trips.find((t) => t.startedAt === T(180));
		const e = d.energyConsumptions.find((x) => x.type === 'Electric');
		assert.ok(Math.abs(e.avgConsumption - (0.49 * 50000) / (d.distance / 100)) <= 1, `${e.avgConsumption} Wh/100 km over ${d.distance} km`);
	});

	it('one session by its id; paging and the time filter as trips have them', async () => {
		const one = await srv.get(`${V}/charges/${chid(201)}`, tok);
		assert.equal(one.status, 200, one.text);
		await assertSchema(one.body, 'Charge', { doc: 'ext' });
		const list = (await srv.get(`${V}/charges`, tok)).body._embedded.charges;
		assert.deepEqual(one.body, list[1]);
		const p1 = await srv.get(`${V}/charges?pageSize=2`, tok);
		await assertSchema(p1.body, 'Charges', { doc: 'ext' });
		assert.deepEqual(p1.body._embedded.charges.map((c) => c.id), [chid(300), chid(201)]);
		assert.equal(p1.body.totalPage, 2);
		const p2 = await srv.get(p1.body._links.next.href.replace(srv.base, ''), tok);
		assert.deepEqual(p2.body._embedded.charges.map((c) => c.id), [chid(1)]);
		const day = await srv.get(`${V}/charges?timestamps=${T(150)}/${T(250)}`, tok);
		assert.equal(day.status, 200, day.text);
		assert.deepEqual(day.body._embedded.charges.map((c) => c.id), [chid(201)]);
		// without data:position, no position
		const np = await srv.get(`${V}/charges/${chid(1)}`, noPos);
		assert.equal(np.status, 200, np.text);
		assert.equal(np.body.position, undefined);
		const { position, ...rest } = strip(list[2]);
		assert.ok(position, 'with data:position, a position');
		assert.deepEqual(strip(np.body), rest, 'the rest the same');
	});

	it('a session\'s curve: its samples with the level or the charging state, newest first, paged', async () => {
		const r = await srv.get(`${V}/charges/${chid(1)}/curve?pageSize=2000`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'ChargeCurve', { doc: 'ext' });
		const pts = r.body._embedded.points;
		// the 19 charging samples and the Finished one (the span is 1 to 96 min)
		assert.equal(r.body.total, 20);
		assert.equal(pts.length, 20);
		assert.deepEqual(pts[0], { createdAt: T(96), level: 80, autonomy: 240, power: 0, status: 'Finished' });
		assert.deepEqual(pts[19], { createdAt: T(1), level: 20, autonomy: 60, power: 7.4, status: 'InProgress' });
		const page = await srv.get(`${V}/charges/${chid(1)}/curve?pageSize=5&timestamps=${T(0)}/${T(30)}`, tok);
		assert.equal(page.body.total, 6);
		assert.equal(page.body._embedded.points.length, 5);
		const levels = await srv.get(`${V}/charges/${chid(201)}/curve`, tok);
		assert.ok(levels.body._embedded.points.every((p) => p.power === undefined), 'no power reported: none in the points');
	});

	it('the capacity set later applies to sessions already stored; unknown, no energy from levels', async () => {
		await srv.cvctl(['vehicle', 'capacity', ev.vin, '--battery-kwh', '60']);
		const q = (await srv.get(`${V}/charges/${chid(201)}`, tok)).body;
		assert.equal(q.energyAdded, 24);
		// another electric car with no capacity known: the levels give no energy, the power does
		const vin = 'VR3CHARGE00000001';
		const out = await srv.cvctl(['vehicle', 'add', vin, '--owner', 'demo', '--energy', 'electric', '--brand', 'Peugeot']);
		const cred = /credential=(\S+)/.exec(out)[1];
		const id = /id=(\S+)/.exec(out)[1];
		const r = await srv.upload(vin, cred, { messageId: 'nocap', samples: [P(0, 10, 'InProgress'), P(30, 40, 'InProgress'), P(40, 45, 'Finished')] });
		assert.equal(r.status, 200, r.text);
		const c = await srv.get(`${B2C}/user/vehicles/${id}/charges`, tok);
		await assertSchema(c.body, 'Charges', { doc: 'ext' });
		const s = c.body._embedded.charges[0];
		assert.equal(s.energyAdded, undefined, 'no capacity, no power: the energy is unknown');
		assert.equal(s.startLevel, 10);
		assert.equal(s.endLevel, 45);
	});

	it('the vehicle\'s summary by day, week and month: its trips and sessions added up', async () => {
		const day = `${iso(Date.parse('2024-06-03T00:00:00Z'))}/${iso(Date.parse('2024-06-04T00:00:00Z'))}`;
		const r = await srv.get(`${V}/summary?period=day&timestamps=${day}`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'VehicleSummary', { doc: 'ext' });
		assert.equal(r.body.period, 'day');
		assert.equal(r.body.periods.length, 1);
		const [p] = r.body.periods;
		assert.equal(p.startedAt, '2024-06-03T00:00:00Z');
		assert.equal(p.endedAt, '2024-06-04T00:00:00Z');
		// what the day's trips and sessions say, added up
		const trips = (await srv.get(`${V}/trips?timestamps=${day}`, tok)).body._embedded.trips;
		const charges = (await srv.get(`${V}/charges?timestamps=${day}`, tok)).body._embedded.charges;
		assert.equal(p.trips, trips.length);
		assert.equal(p.trips, 1);
		assert.equal(p.distance, Math.round(trips.reduce((a, t) => a + t.distance, 0) * 10) / 10);
		assert.equal(p.drivingTime, trips.reduce((a, t) => a + t.duration, 0));
		assert.equal(p.parkedTime, 86400 - p.drivingTime);
		assert.equal(p.charges, 3);
		assert.equal(p.chargingTime, charges.reduce((a, c) => a + c.chargingDuration, 0));
		assert.ok(Math.abs(p.energyCharged - charges.reduce((a, c) => a + (c.energyAdded || 0), 0)) < 0.11, `${p.energyCharged}`);
		const el = p.energies.find((x) => x.type === 'Electric');
		assert.equal(el.consumption, 49);
		assert.equal(el.energyUsed, 29.4, '49 % of the 60 kWh set with cvctl');
		assert.equal(el.avgConsumption, trips[0].energyConsumptions[0].avgConsumption);
		// the same day in its week (2024-06-03 was a Monday) and its month
		const wk = await srv.get(`${V}/summary?period=week&timestamps=${day}`, tok);
		await assertSchema(wk.body, 'VehicleSummary', { doc: 'ext' });
		assert.equal(wk.body.periods[0].startedAt, '2024-06-03T00:00:00Z');
		assert.equal(wk.body.periods[0].endedAt, '2024-06-10T00:00:00Z');
		assert.equal(wk.body.periods[0].charges, 3);
		const mo = await srv.get(`${V}/summary?period=month&timestamps=2024-05-20T00:00:00Z/2024-07-02T00:00:00Z`, tok);
		await assertSchema(mo.body, 'VehicleSummary', { doc: 'ext' });
		assert.deepEqual(mo.body.periods.map((x) => x.startedAt), ['2024-07-01T00:00:00Z', '2024-06-01T00:00:00Z', '2024-05-01T00:00:00Z']);
		assert.deepEqual(mo.body.periods.map((x) => x.charges), [0, 3, 0]);
		// by default, the last 7 days, this one first
		const recent = await srv.get(`${V}/summary?period=day`, tok);
		assert.equal(recent.status, 200, recent.text);
		assert.equal(recent.body.periods.length, 7);
		assert.ok(Date.parse(recent.body.periods[0].endedAt) > now());
		// bad input
		await assertXError(await srv.get(`${V}/summary`, tok), 400, { message: /period/ });
		await assertXError(await srv.get(`${V}/summary?period=year`, tok), 400, { message: /period/ });
		await assertXError(await srv.get(`${V}/summary?period=day,week`, tok), 400, { message: /period/ });
		await assertXError(await srv.get(`${V}/summary?period=day&timestamps=2020-01-01T00:00:00Z/2022-01-01T00:00:00Z`, tok), 400,
			{ message: /366 periods/ });
		await assertXError(await srv.get(`${V}/summary?period=day&timestamps=2999-01-01T00:00:00Z/`, tok), 400, { message: /timestamps/ });
		await assertXError(await srv.get(`${V}/summary?period=day`, noTrip), 403, { code: 40302, message: /data:trip/ });
	});

	it('the fleet face: the same sessions with the VIN', async () => {
		const auth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
		const FV = `/connectedcar/v3/fleets/demo-fleet/vehicles/${ev.id}`;
		const r = await srv.request('GET', `${FV}/charges?client_id=console`, { headers: auth });
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Charges', { doc: 'ext' });
		const b2c = (await srv.get(`${V}/charges`, tok)).body._embedded.charges;
		for (const [k, c] of r.body._embedded.charges.entries()) {
			assert.equal(c.vin, ev.vin);
			const { vin, _links, ...rest } = c;
			assert.deepEqual(rest, strip(b2c[k]));
			assert.equal(_links.self.href, `${srv.base}${FV}/charges/${c.id}`);
		}
		const sum = await srv.request('GET', `${FV}/summary?client_id=console&period=month`, { headers: auth });
		assert.equal(sum.status, 200, sum.text);
		await assertSchema(sum.body, 'VehicleSummary', { doc: 'ext' });
		const one = await srv.request('GET', `${FV}/charges/${chid(1)}/curve?client_id=console&pageSize=3`, { headers: auth });
		assert.equal(one.status, 200, one.text);
		await assertSchema(one.body, 'ChargeCurve', { doc: 'ext' });
		assert.equal(one.body.total, 20);
	});

	it('scopes and bad input: 4xx xErrors, nothing else', async () => {
		for (const p of ['charges', `charges/${chid(1)}`, `charges/${chid(1)}/curve`])
			await assertXError(await srv.get(`${V}/${p}`, noTrip), 403, { code: 40302, message: /data:trip/ });
		await assertXError(await srv.get(`${V}/charges/${chid(2)}`, tok), 404, { message: /no such charging session/ });
		await assertXError(await srv.get(`${V}/charges/${chid(2)}/curve`, tok), 404, { message: /no such charging session/ });
		await assertXError(await srv.get(`${V}/charges/${chid(1).slice(1)}`, tok), 400, { message: /charging session/ });
		await assertXError(await srv.get(`${V}/charges/${'g'.repeat(48)}`, tok), 400, { message: /charging session/ });
		// another vehicle's session under this vehicle: not found here
		const other = srv.vehicles.find((v) => v.energy !== 'electric');
		await assertXError(await srv.get(`${V}/charges/${other.id}${hex16(T0 + MIN)}`, tok), 404);
		await assertXError(await srv.get(`${V}/charges?pageSize=61`, tok), 400, { message: /pageSize/ });
		await assertXError(await srv.get(`${V}/charges/${chid(1)}/curve?pageSize=2001`, tok), 400, { message: /pageSize/ });
		await assertXError(await srv.get(`${V}/charges?timestamps=yesterday`, tok), 400, { message: /timestamps/ });
		await assertXError(await srv.get(`${V}/charges?colour=red`, tok), 400, { message: /colour/ });
		const stranger = await srv.cvctl(['user', 'add', 'stranger', '--password', 'x']).then(() => srv.token('stranger'));
		await assertXError(await srv.get(`${V}/charges`, stranger), 403);
		// a power out of range is refused at upload, nothing stored
		const before = (await srv.get(`${V}/charges`, tok)).body;
		for (const power of [-1, 400.5, 'fast', null]) {
			const r = await srv.upload(ev.vin, ev.cred, { messageId: `bad-power-${power}`, samples: [P(500, 50, 'InProgress', { power })] });
			await assertXError(r, 400, { message: /charging\.power/ });
		}
		assert.deepEqual((await srv.get(`${V}/charges`, tok)).body, before);
	});

	it('eco-coaching of a trip, by the vehicle\'s path and by the trip\'s alone (official ECoaching)', async () => {
		const car = srv.vehicles.find((v) => v.energy === 'petrol');
		const CV = `${B2C}/user/vehicles/${car.id}`;
		// a drive of 10 min sampled every 2 s: one harsh brake, 8 minutes idling with the engine on before it
		const t0 = T0 + 2 * 86400000;
		const samples = [{ at: iso(t0), ignition: 'StartUp', speed: 0, fuel: { level: 60, autonomy: 500 }, odometer: 1000, position: { ...HOME }, outsideTemp: 5 }];
		let at = t0, speed = 0;
		for (let i = 1; i <= 240; i++) {                                   // 8 minutes standing, engine on
			at += 2000;
			samples.push({ at: iso(at), ignition: 'Start', speed: 0 });
		}
		for (let i = 0; i < 30; i++) {                                    // 60 s: up to 90 km/h gently
			at += 2000;
			speed = Math.min(90, speed + 6);
			samples.push({ at: iso(at), ignition: 'Start', speed });
		}
		for (let i = 0; i < 60; i++) {                                    // 2 min at 90
			at += 2000;
			samples.push({ at: iso(at), ignition: 'Start', speed: 90 });
		}
		for (const v of [60, 30, 0]) {                                    // a harsh stop: 30 km/h in 2 s (4.2 m/s2)
			at += 2000;
			samples.push({ at: iso(at), ignition: 'Start', speed: v });
		}
		at += 2000;
		samples.push({ at: iso(at), ignition: 'Stop', speed: 0, odometer: 1004, position: { ...AWAY }, fuel: { level: 59, autonomy: 495 } });
		const r = await srv.upload(car.vin, car.cred, { messageId: 'eco', samples });
		assert.equal(r.status, 200, r.text);
		const tid = car.id + hex16(t0);
		const a = await srv.get(`${CV}/trips/${tid}/ecoaching`, tok);
		assert.equal(a.status, 200, a.text);
		await assertSchema(a.body, 'ECoaching');
		const b = await srv.get(`${B2C}/user/trips/${tid}/ecoaching?locale=fr-FR`, tok);
		assert.equal(b.status, 200, b.text);
		await assertSchema(b.body, 'ECoaching');
		assert.deepEqual(b.body.scores, a.body.scores);
		assert.equal(a.body._links.trip.href, `${srv.base}${CV}/trips/${tid}`);
		assert.equal(b.body._links.self.href, `${srv.base}${B2C}/user/trips/${tid}/ecoaching`);
		const score = Object.fromEntries(a.body.scores.map((s) => [s.category, s.score]));
		assert.equal(a.body.scores[0].category, 'Global');
		assert.ok(score.Break < 10, `a harsh brake costs points: ${JSON.stringify(score)}`);
		assert.equal(score.Acceleration, 10, 'the acceleration was gentle');
		assert.ok(score.StartStop < 5, `8 of 11 minutes idling: ${score.StartStop}`);
		assert.equal(score.AirCondioner, undefined, 'no data for it: left out');
		assert.equal(score.TirePressure, undefined);
		for (const s of a.body.scores)
			assert.ok(s.score >= 0 && s.score <= 10);
		// the trip's efficiency once the tank is known: 1 % of 50 L over 4 km
		await srv.cvctl(['vehicle', 'capacity', car.vin, '--tank-l', '50']);
		const trip = await srv.get(`${CV}/trips/${tid}`, tok);
		assert.equal(trip.status, 200, trip.text);
		await assertSchema(trip.body, 'Trip');
		assert.deepEqual(trip.body.energyConsumptions, [{ type: 'Fuel', subType: 'FossilEnergy', consumption: 1, avgConsumption: 1250 }]);
		// someone else's trip is no trip of theirs; a malformed id; the scope
		const stranger = await srv.token('stranger');
		await assertXError(await srv.get(`${B2C}/user/trips/${tid}/ecoaching`, stranger), 404, { message: /no such trip/ });
		await assertXError(await srv.get(`${CV}/trips/${tid}/ecoaching`, stranger), 403);
		await assertXError(await srv.get(`${B2C}/user/trips/${tid.slice(2)}/ecoaching`, tok), 400, { message: /trip/ });
		await assertXError(await srv.get(`${B2C}/user/trips/${car.id}${hex16(t0 + 1)}/ecoaching`, tok), 404, { message: /no such trip/ });
		await assertXError(await srv.get(`${B2C}/user/trips/${tid}/ecoaching`, noTrip), 403, { code: 40302, message: /data:trip/ });
		await assertXError(await srv.get(`${B2C}/user/trips/${tid}/ecoaching?colour=red`, tok), 400, { message: /colour/ });
	});

	it('a monitor on the charging status fires when a session starts and when it ends', { timeout: 90000 }, async () => {
		const rx = await receiver();
		const nd = await superviseNotify(srv);
		try {
			const cb = await srv.request('POST', `${B2C}/user/callbacks`, { token: tok, body: { label: 'charging', type: ['Monitor'],
				callback: { webhook: { name: 'rx', target: rx.url } } } });
			assert.equal(cb.status, 200, cb.text);
			const mon = await srv.request('POST', `${V}/callbacks/${cb.body.callbackId}/monitors`, { token: tok, body: { label: 'charging',
				triggerParam: { triggers: [{ name: 'chg', data: { data: 'vehicle.energy.charging.status', op: 'onChange' } }] } } });
			assert.equal(mon.status, 202, mon.text);
			const t = now();
			const at = (s) => iso(t - 120000 + s * 1000);
			// unplugged first (its last report was a charge under way), and still, then a session; a monitor
			// fires when its condition becomes true: each change that follows a sample without one
			const up = await srv.upload(ev.vin, ev.cred, { messageId: 'live-charge', samples: [
				{ ...P(0, 50, 'Disconnected'), at: at(-20) }, { ...P(0, 50, 'Disconnected'), at: at(-10) },
				{ ...P(0, 50, 'InProgress', { power: 11 }), at: at(0) }, { ...P(0, 52, 'InProgress', { power: 11 }), at: at(30) },
				{ ...P(0, 53, 'Finished', { power: 0 }), at: at(60) }] });
			assert.equal(up.status, 200, up.text);
			// the unplugging, the start and the end
			await rx.until(() => rx.got.filter((g) => g.body?.monitorEvent?.monitorId === mon.body.monitorId).length >= 3, 60000,
				'the start and the end delivered');
			const statuses = rx.got.filter((g) => g.body?.monitorEvent?.monitorId === mon.body.monitorId)
				.map((g) => JSON.stringify(g.body)).join('\n');
			assert.match(statuses, /InProgress/);
			assert.match(statuses, /Finished/);
			const live = (await srv.get(`${V}/charges?timestamps=${at(-5)}/`, tok)).body._embedded.charges;
			assert.equal(live.length, 1);
			assert.equal(live[0].done, true);
			assert.equal(live[0].endLevel, 53);
		} finally {
			await nd.stop();
			await rx.close();
		}
	});
});

// Trips (cvapi-trips), built at ingest: a petrol car drives a day of
// trips (ignition StartUp/Start/Stop, positions, odometers, fuel, speeds, a
// gap, a timeout then a trip seen mid-way, a restart without Stop, one
// still open), an electric car is first seen mid-way; a late batch lands
// inside an earlier trip and changes it. Every endpoint's bodies are
// checked against the official schemas and their exact values: the list
// and its filters (timestamps, states, duration, distance), paging,
// wayPoints with and without tolerance, the trip's telemetry, alerts and
// collisions; the fleet face; the malformed twins; then cvsim's two days.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, BUILDDIR } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { historyArgs, historyEnd } from '../lib/sim.mjs';

const T0 = Date.parse('2024-06-03T07:00:00Z');
const MIN = 60000;
const TANK_CL = 4500;           // the demo petrol car's tank (cvctl demo)
const BATTERY_WH = 50000;       // the demo electric car's battery
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const T = (m) => iso(T0 + Math.round(m * MIN));       // minute m of the day
const hex16 = (ms) => ms.toString(16).padStart(16, '0');
let CAR = '';                                             // the petrol car's id, once known
/* A trip's id: its vehicle (default the petrol car) and its start time, as the API makes them. */
const tidOf = (m, vid = CAR) => vid + hex16(T0 + Math.round(m * MIN));
const r7 = (x) => Math.round(x * 1e7) / 1e7;
const r1 = (x) => Math.round(x * 10) / 10;

/*
 * Where the petrol car is at minute m: trip A (0..11) goes east, then north
 * from minute 5 (a corner); elsewhere a zigzag going north.
 */
function where(m) {
	if (m <= 5)
		return { lat: 48.8, lon: r7(2.3 + 0.01 * m) };
	if (m <= 11)
		return { lat: r7(48.8 + 0.01 * (m - 5)), lon: 2.35 };
	return { lat: r7(48.9 + 0.001 * m), lon: r7(2.4 + ((Math.round(m) % 3) - 1) * 0.002) };
}
const alt = (m) => 30 + (Math.round(m) % 10);
const odo = (m) => 10000 + m;                             // 1 km a minute
const fuel = (m) => r1(70 - m / 20);

/*
 * A sample at minute m with ignition ign (or null) and speed: position,
 * odometer, fuel; opts.partial: speed only; opts.events: events only.
 */
function S(m, ign, speed, { partial = false, events, noData = false } = {}) {
	const s = { at: T(m) };
	if (!noData) {
		s.speed = speed;
		if (ign)
			s.ignition = ign;
		if (!partial) {
			const p = where(m);
			s.position = { lat: p.lat, lon: p.lon, alt: alt(m) };
			s.odometer = odo(m);
			s.fuel = { level: fuel(m), autonomy: Math.round(fuel(m) * 8) };
		}
	}
	if (events)
		s.events = events;
	return s;
}
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, k) => a + k);
const drive = (ms, speed = (m) => 40 + (m % 7) * 5) => ms.map((m) => S(m, 'Start', speed(m)));

const washer = (active) => ({ type: 'alert', alert: 'AddWasherFluid', active });
const crash = (side) => ({ type: 'collision', details: [{ side, severity: 'Minor' }] });

/* The petrol car's day, in upload batches. */
const tripA = [S(0, 'StartUp', 0), ...drive(range(1, 4)), S(3.5, null, 77, { partial: true }),
	S(5, 'Start', 60, { events: [washer(true)] }), ...drive(range(6, 10)), S(11, 'Stop', 0)];
tripA.find((s) => s.at === T(7)).events = [crash('Front')];
const eventsOnly = S(7.5, null, 0, { noData: true, events: [crash('Rear')] });
const parked = [S(30, 'Stop', 0), S(50, 'Stop', 0, { events: [washer(false)] }),
	S(100, 'Stop', 0, { events: [{ type: 'alert', alert: 'BrakingSystemFailure', active: true, severity: 'Critical' }] })];
const tripB = [S(60, 'StartUp', 0), ...drive([61, 62, 63, 78, 79]), S(80, 'Stop', 0)];             // a 15-minute gap
const tripC1 = [S(120, 'StartUp', 0), ...drive(range(121, 125))];                                   // then 45 min of silence
const tripC2 = [S(170, 'Start', 70), ...drive(range(171, 175)), S(176, 'Stop', 0)];                // seen running again
const tripD = [S(240, 'StartUp', 0), ...drive(range(241, 245))];
const tripE = [S(246, 'StartUp', 0), ...drive(range(247, 250)), S(251, 'Stop', 0)];                // a restart: D had no Stop
const tripF = [S(300, 'StartUp', 0), ...drive([301, 302, 315]), S(316, 'Stop', 0)];                // a 13-minute gap...
const lateF = [S(305, 'Start', 90), S(308, 'Start', 130, { events: [crash('Lateral')] }), S(311, 'Start', 80)]; // ...filled late
const tripG = [S(400, 'StartUp', 0), ...drive(range(401, 405))];                                   // still open

/*
 * What each trip should be: its samples (with data), how it ended, its
 * faults. `stop`: the minute it stopped (Stop, or its last sample when
 * Unfinished); null while open.
 */
const C = 'Connection';
function trip(name, samples, faults, done = true) {
	const ss = samples.filter((s) => s.speed !== undefined).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
	const mins = ss.map((s) => (Date.parse(s.at) - T0) / MIN);
	return { name, ss, mins, start: mins[0], last: mins[mins.length - 1], faults, done };
}
function expectedTrips(afterLate) {
	return [
		trip('G', tripG, [{ fault: 'Unfinished' }], false),
		afterLate ? trip('F', [...tripF, ...lateF], []) : trip('F', tripF, [{ fault: 'DataLacking', cause: C }]),
		trip('E', tripE, []),
		trip('D', tripD, [{ fault: 'Unfinished', cause: C }]),
		trip('C2', tripC2, [{ fault: 'Unstarted', cause: C }]),
		trip('C1', tripC1, [{ fault: 'Unfinished', cause: C }]),
		trip('B', tripB, [{ fault: 'DataLacking', cause: C }]),
		trip('A', tripA, []),
	];
}

const feature = (m, withAlt) => ({
	type: 'Feature',
	geometry: { type: 'Point', coordinates: withAlt ? [where(m).lon, where(m).lat, alt(m)] : [where(m).lon, where(m).lat] },
	properties: { createdAt: T(m) },
});

/* The Trip object (without _links) the API should send for t. */
function tripBody(t, { positions = true } = {}) {
	const first = t.ss[0];
	const withPos = t.ss.filter((s) => s.position);
	const posMin = (s) => (Date.parse(s.at) - T0) / MIN;
	const speeds = t.ss.map((s) => Math.round(s.speed * 10));
	const sum = speeds.reduce((a, b) => a + b, 0);
	const fuels = t.ss.filter((s) => s.fuel);
	const f0 = fuels[0].fuel, f1 = fuels[fuels.length - 1].fuel;
	const energy = (f) => ({ type: 'Fuel', subType: 'FossilEnergy', level: f.level, autonomy: f.autonomy });
	const o = {
		id: tidOf(t.start),
		createdAt: T(t.start),
		updatedAt: T(t.last),
		startedAt: T(t.start),
	};
	if (t.done)
		o.stoppedAt = T(t.last);
	if (positions) {
		o.startPosition = feature(posMin(withPos[0]), false);
		if (t.done)
			o.stopPosition = feature(posMin(withPos[withPos.length - 1]), false);
	}
	o.duration = Math.round((t.last - t.start) * 60);
	o.distance = odo(t.last) - odo(t.start);
	o.startMileage = first.odometer;
	o.startEnergies = [energy(f0)];
	if (t.done)
		o.endEnergies = [energy(f1)];
	const usedDpts = Math.max(0, Math.round(f0.level * 10) - Math.round(f1.level * 10));
	o.energyConsumptions = [{ type: 'Fuel', subType: 'FossilEnergy', consumption: usedDpts / 10 }];
	// cl per 100 km with the demo car's 45 L tank (cvctl demo), for a trip of 1 km or more
	if (o.distance >= 1)
		o.energyConsumptions[0].avgConsumption = Math.round((usedDpts * TANK_CL * 1000) / (o.distance * 1000)) / 10;
	o.kinetic = { avgSpeed: Math.floor((sum * 2 + speeds.length) / (2 * speeds.length)) / 10, maxSpeed: Math.max(...speeds) / 10 };
	o.done = t.done;
	o.faults = t.faults;
	return o;
}

/* Douglas-Peucker on [lon, lat] points with a tolerance in metres (equirectangular around each chord), as in doc/api.md. */
function simplify(pts, tolM) {
	const R = 6371008.8, rad = Math.PI / 180;
	const keep = pts.map((_, i) => i === 0 || i === pts.length - 1);
	const dist = (a, b, p) => {
		const k = Math.cos((a[1] + b[1]) / 2 * rad) * rad * R, m = rad * R;
		const bx = (b[0] - a[0]) * k, by = (b[1] - a[1]) * m;
		let px = (p[0] - a[0]) * k, py = (p[1] - a[1]) * m;
		const len2 = bx * bx + by * by;
		if (len2 > 0) {
			const t = Math.min(1, Math.max(0, (px * bx + py * by) / len2));
			px -= t * bx;
			py -= t * by;
		}
		return Math.hypot(px, py);
	};
	const stack = [[0, pts.length - 1]];
	while (stack.length) {
		const [a, b] = stack.pop();
		let far = a, dmax = -1;
		for (let i = a + 1; i < b; i++) {
			const d = dist(pts[a], pts[b], pts[i]);
			if (d > dmax) {
				dmax = d;
				far = i;
			}
		}
		if (far === a || dmax <= tolM)
			continue;
		keep[far] = true;
		stack.push([a, far], [far, b]);
	}
	return pts.filter((_, i) => keep[i]);
}

const CVSIM = join(BUILDDIR, 'sim', 'cvsim');
function cvsim(args) {
	return new Promise((res) => {
		execFile(CVSIM, args, { timeout: 170000 }, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
	});
}

apiSuite('trips', (srv, it) => {
	let car, ev, tok, noPos, tripOnly, V, EV;
	const want = (afterLate) => expectedTrips(afterLate);

	/* Every item of a list, following next links; checks each page's schema and total. */
	async function collect(url, schema, key, token = tok) {
		const items = [];
		let total = null;
		for (let pages = 1; url; pages++) {
			assert.ok(pages <= 500, 'runaway paging');
			const r = await srv.get(url, token);
			assert.equal(r.status, 200, `${url}: ${r.text}`);
			await assertSchema(r.body, schema);
			assert.equal(r.body.currentPage, pages, url);
			total ??= r.body.total;
			assert.equal(r.body.total, total, 'the total does not change from page to page');
			items.push(...r.body._embedded[key]);
			url = r.body._links.next?.href;
		}
		assert.equal(items.length, total, 'the pages hold total items');
		return items;
	}

	const strip = ({ _links, ...rest }) => rest;

	it('uploads: an empty list first, then a day of trips in batches, out of order inside each', async () => {
		// the hand-made day is in 2024: nothing may expire (cvapi-ingest purges between requests)
		await srv.cvctl(['retention', '36500']);
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		ev = srv.vehicles.find((v) => v.energy === 'electric');
		CAR = car.id;
		V = `${B2C}/user/vehicles/${car.id}`;
		EV = `${B2C}/user/vehicles/${ev.id}`;
		tok = await srv.token('demo');
		noPos = await srv.token('demo', { scope: 'data:trip data:alert data:collision data:telemetry' });
		tripOnly = await srv.token('demo', { scope: 'data:trip' });
		const empty = await srv.get(`${V}/trips`, tok);
		assert.equal(empty.status, 200, empty.text);
		await assertSchema(empty.body, 'Trips');
		assert.deepEqual(empty.body._embedded.trips, []);
		assert.equal(empty.body.total, 0);
		const batches = [
			['tr-1', [...tripA, eventsOnly, ...parked, ...tripB]],
			['tr-2', [...tripC1, ...tripC2, ...tripD, ...tripE]],
			['tr-3', [...tripF, ...tripG]],
		];
		for (const [id, samples] of batches) {
			const shuffled = samples.map((s, k) => [(k * 7919) % 101, s]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
			const r = await srv.upload(car.vin, car.cred, { messageId: id, samples: shuffled });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.accepted, samples.length);
		}
		// the electric car: its first sample ever is a Start at 60 km/h (seen mid-way)
		const e = range(1000, 1006).map((m) => ({
			at: T(m), speed: m === 1006 ? 0 : 60, ignition: m === 1006 ? 'Stop' : 'Start',
			position: { lat: 48.7, lon: r7(2.2 + (m - 1000) / 100) }, odometer: 500 + (m - 1000) * 0.5,
			electric: { level: 80 - (m - 1000), autonomy: 300 - 4 * (m - 1000), charging: { status: 'Disconnected' } },
		}));
		const r = await srv.upload(ev.vin, ev.cred, { messageId: 'ev-1', samples: e });
		assert.equal(r.status, 200, r.text);
	});

	it('the list: every trip newest first with its exact figures, faults and links; the open one too', async () => {
		const r = await srv.get(`${V}/trips`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Trips');
		const items = r.body._embedded.trips;
		const exp = want(false);
		assert.equal(r.body.total, exp.length);
		assert.deepEqual(items.map((x) => x.id), exp.map((t) => tidOf(t.start)), 'newest first');
		for (const [k, t] of exp.entries()) {
			await assertSchema(items[k], 'Trip');
			assert.deepEqual(strip(items[k]), tripBody(t), `trip ${t.name}`);
			const base = `${srv.base}${V}/trips/${tidOf(t.start)}`;
			assert.deepEqual(items[k]._links, {
				self: { href: base }, vehicle: { href: `${srv.base}${V}` }, waypoints: { href: `${base}/wayPoints` },
				alerts: { href: `${base}/alerts` }, collisions: { href: `${base}/collisions` },
			});
			const one = await srv.get(items[k]._links.self.href, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Trip');
			assert.deepEqual(one.body, items[k], 'the item is the list entry');
		}
	});

	it('a late batch lands inside an earlier trip: it fills its gap (now Nominal), its speed and collision count', async () => {
		const F = tidOf(300);
		const before = await srv.get(`${V}/trips/${F}`, tok);
		assert.deepEqual(before.body.faults, [{ fault: 'DataLacking', cause: C }]);
		const r = await srv.upload(car.vin, car.cred, { messageId: 'tr-late', samples: lateF });
		assert.equal(r.status, 200, r.text);
		const after = await srv.get(`${V}/trips/${F}`, tok);
		assert.equal(after.status, 200, after.text);
		await assertSchema(after.body, 'Trip');
		assert.deepEqual(strip(after.body), tripBody(want(true)[1]));
		assert.equal(after.body.kinetic.maxSpeed, 130);
		// the other trips did not move, the open one is still open
		const all = (await srv.get(`${V}/trips`, tok)).body._embedded.trips;
		assert.deepEqual(all.map(strip), want(true).map((t) => tripBody(t)));
		// a retried batch changes nothing
		const again = await srv.upload(car.vin, car.cred, { messageId: 'tr-late', samples: lateF });
		assert.equal(again.body.duplicate, true);
		assert.deepEqual((await srv.get(`${V}/trips`, tok)).body._embedded.trips.map(strip), want(true).map((t) => tripBody(t)));
	});

	it('a batch refused for one bad sample writes nothing: the trips stay as they were', async () => {
		const before = (await srv.get(`${V}/trips`, tok)).body;
		const r = await srv.upload(car.vin, car.cred, { messageId: 'tr-bad', samples: [S(500, 'StartUp', 0), { at: T(501), speed: -1 }] });
		await assertXError(r, 400, { code: 40004, message: /speed/ });
		assert.deepEqual((await srv.get(`${V}/trips`, tok)).body, before);
	});

	it('the electric car: first seen running, so Unstarted; electric energies', async () => {
		const r = await srv.get(`${EV}/trips`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Trips');
		const [t] = r.body._embedded.trips;
		assert.equal(r.body.total, 1);
		assert.equal(t.id, tidOf(1000, ev.id));
		assert.deepEqual(t.faults, [{ fault: 'Unstarted', cause: C }]);
		assert.equal(t.duration, 360);
		assert.equal(t.distance, 3);
		assert.deepEqual(t.startEnergies, [{ type: 'Electric', subType: 'ElectricEnergy', level: 80, autonomy: 300 }]);
		assert.deepEqual(t.endEnergies, [{ type: 'Electric', subType: 'ElectricEnergy', level: 74, autonomy: 276 }]);
		// 6 % of its 50 kWh over 3 km, in Wh per 100 km
		assert.deepEqual(t.energyConsumptions, [{ type: 'Electric', subType: 'ElectricEnergy', consumption: 6,
			avgConsumption: (60 * BATTERY_WH * 1000) / 3000 / 10 }]);
	});

	it('without data:position: no start or stop positions', async () => {
		const r = await srv.get(`${V}/trips`, noPos);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Trips');
		assert.deepEqual(r.body._embedded.trips.map(strip), want(true).map((t) => tripBody(t, { positions: false })));
	});

	const names = (items) => items.map((x) => expectedTrips(true).find((t) => tidOf(t.start) === x.id)?.name);
	const filters = [
		['states=Nominal', ['F', 'E', 'A']],
		['states=DataLacking', ['B']],
		['states=Unfinished', ['G', 'D', 'C1']],
		['states=Unstarted,Unfinished', ['G', 'D', 'C2', 'C1']],
		['states=Nominal&states=DataLacking', ['F', 'E', 'B', 'A']],
		['states=Unstarted,DataLacking,Unfinished,Nominal', ['G', 'F', 'E', 'D', 'C2', 'C1', 'B', 'A']],
		['duration=600-', ['F', 'B', 'A']],
		['duration=300-360', ['G', 'E', 'D', 'C2', 'C1']],
		['duration=0-299', []],
		['duration=960-960', ['F']],
		['distance=10-', ['F', 'B', 'A']],
		['distance=5.5-11', ['C2', 'A']],
		['distance=0.1-5', ['G', 'E', 'D', 'C1']],
		['distance=20.0-20.0', ['B']],
		[`timestamps=${T(100)}/${T(300)}`, ['E', 'D', 'C2', 'C1']],
		[`timestamps=${T(300)}/`, ['G', 'F']],
		[`timestamps=/${T(60)}&timestamps=${T(400)}/PT1M`, ['G', 'A']],
		[`timestamps=${T(1)}/${T(59)}`, []],
		['states=Nominal&duration=600-', ['F', 'A']],
		['states=Unfinished&distance=5-5&timestamps=' + `${T(200)}/`, ['G', 'D']],
	];
	for (const [q, expect] of filters) {
		it(`trips?${q}`, async () => {
			const r = await srv.get(`${V}/trips?${q}`, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, 'Trips');
			assert.deepEqual(names(r.body._embedded.trips), expect);
			assert.equal(r.body.total, expect.length);
			// page by page through the next links, which keep the filters
			assert.deepEqual(names(await collect(`${V}/trips?${q}&pageSize=1`, 'Trips', 'trips')), expect);
		});
	}

	it('paging: next links give each trip once; indexRange; prev and last', async () => {
		const all = (await srv.get(`${V}/trips`, tok)).body._embedded.trips;
		for (const size of [1, 3, 8, 60])
			assert.deepEqual(await collect(`${V}/trips?pageSize=${size}`, 'Trips', 'trips'), all, `pageSize=${size}`);
		const r = await srv.get(`${V}/trips?indexRange=2-4`, tok);
		assert.deepEqual(r.body._embedded.trips, all.slice(2, 5));
		const p = await srv.get(`${V}/trips?pageSize=3&indexRange=3-`, tok);
		assert.equal(p.body.currentPage, 2);
		assert.equal(p.body.totalPage, 3);
		assert.equal(p.body._links.prev.href, `${srv.base}${V}/trips?pageSize=3&indexRange=0-`);
		assert.equal(p.body._links.last.href, `${srv.base}${V}/trips?pageSize=3&indexRange=6-`);
		const n = await srv.get(p.body._links.next.href, tok);
		assert.deepEqual(n.body._embedded.trips, all.slice(6, 8));
	});

	it('wayPoints: the positions of the trip, oldest first, paged', async () => {
		const A = tidOf(0);
		const ms = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];       // 3.5 has no position
		const r = await srv.get(`${V}/trips/${A}/wayPoints`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'WayPoints');
		assert.equal(r.body.total, ms.length);
		assert.deepEqual(r.body._embedded.positions, ms.map((m) => feature(m, true)));
		for (const size of [1, 5, 12, 2000]) {
			const items = await collect(`${V}/trips/${A}/wayPoints?pageSize=${size}`, 'WayPoints', 'positions');
			assert.deepEqual(items, r.body._embedded.positions, `pageSize=${size}`);
		}
		const ts = await srv.get(`${V}/trips/${A}/wayPoints?timestamps=${T(3)}/${T(6)}`, tok);
		assert.deepEqual(ts.body._embedded.positions, [3, 4, 5].map((m) => feature(m, true)));
		const ir = await srv.get(`${V}/trips/${A}/wayPoints?indexRange=10-`, tok);
		assert.deepEqual(ir.body._embedded.positions, [10, 11].map((m) => feature(m, true)));
		// the open trip: its positions so far
		const g = await srv.get(`${V}/trips/${tidOf(400)}/wayPoints`, tok);
		assert.deepEqual(g.body._embedded.positions, range(400, 405).map((m) => feature(m, true)));
	});

	it('wayPoints with tolerance: Douglas-Peucker in km before paging', async () => {
		const A = tidOf(0);
		for (const tol of ['0.5', '0.0001', '2']) {
			const r = await srv.get(`${V}/trips/${A}/wayPoints?tolerance=${tol}`, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, 'WayPoints');
			assert.deepEqual(r.body._embedded.positions, [0, 5, 11].map((m) => feature(m, true)), `tolerance=${tol}: the ends and the corner`);
			assert.equal(r.body.total, 3);
		}
		const zero = await srv.get(`${V}/trips/${A}/wayPoints?tolerance=0`, tok);
		assert.equal(zero.body.total, 12, 'tolerance 0: every position');
		// trip F zigzags: the kept points are those of a reference Douglas-Peucker
		const F = tidOf(300);
		const full = (await srv.get(`${V}/trips/${F}/wayPoints`, tok)).body._embedded.positions;
		assert.equal(full.length, 8);
		for (const tol of [0.05, 0.1, 0.2, 1]) {
			const exp = simplify(full.map((p) => p.geometry.coordinates), tol * 1000);
			const items = await collect(`${V}/trips/${F}/wayPoints?tolerance=${tol}&pageSize=2`, 'WayPoints', 'positions');
			assert.deepEqual(items.map((p) => p.geometry.coordinates), exp, `tolerance=${tol}`);
			assert.ok(items.length < full.length || tol < 0.1, `tolerance=${tol} drops points`);
		}
	});

	it('the trip\'s telemetry: its samples as cvapi-telemetry writes them, with a trip link', async () => {
		const A = tidOf(0);
		const r = await srv.get(`${V}/trips/${A}/telemetry?pageSize=2000`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Telemetries');
		const items = r.body._embedded.telemetries;
		assert.equal(r.body.total, 13, 'trip A has 13 samples (3.5 has a speed only)');
		const tel = await srv.get(`${V}/telemetry?timestamps=${T(0)}/${iso(T0 + 11 * MIN + 1)}&pageSize=2000`, tok);
		assert.equal(tel.body.total, 13, tel.text);
		for (const [k, item] of items.entries()) {
			const { trip, ...links } = item._links;
			assert.equal(trip.href, `${srv.base}${V}/trips/${A}`);
			assert.deepEqual({ ...item, _links: links }, tel.body._embedded.telemetries[k], 'the same item as cvapi-telemetry');
		}
		assert.deepEqual(await collect(`${V}/trips/${A}/telemetry?pageSize=4`, 'Telemetries', 'telemetries'), items);
		const k = await srv.get(`${V}/trips/${A}/telemetry?type=vehicle.energies&pageSize=2000&extension=odometer`, tok);
		assert.equal(k.status, 200, k.text);
		await assertSchema(k.body, 'Telemetries');
		assert.equal(k.body.total, 12, 'the samples with fuel (not 3.5)');
		assert.ok(k.body._embedded.telemetries.every((x) => Object.keys(x.vehicle).join() === 'energies'));
		const ts = await srv.get(`${V}/trips/${A}/telemetry?timestamps=${T(3)}/${T(4)}`, tok);
		assert.deepEqual(ts.body._embedded.telemetries.map((x) => x.createdAt), [T(3.5), T(3)]);
		// without data:telemetry: the items, without their members
		const bare = await srv.get(`${V}/trips/${A}/telemetry?indexRange=0-1`, tripOnly);
		assert.equal(bare.status, 200, bare.text);
		await assertSchema(bare.body, 'Telemetries');
		assert.deepEqual(bare.body._embedded.telemetries.map(strip), [{ createdAt: T(11) }, { createdAt: T(10) }]);
	});

	it('the trip\'s alerts and collisions: the vehicle\'s items of its span, same ids and links as cvapi-events', async () => {
		const A = tidOf(0);
		const a = await srv.get(`${V}/trips/${A}/alerts`, tok);
		assert.equal(a.status, 200, a.text);
		await assertSchema(a.body, 'Alerts');
		assert.equal(a.body.total, 1);
		const [al] = a.body._embedded.alerts;
		assert.equal(al.type, 'AddWasherFluid');
		assert.equal(al.startedAt, T(5));
		assert.equal(al.endAt, T(50), 'it ended after the trip: still the trip\'s alert');
		assert.equal(al._links.self.href, `${srv.base}${V}/alerts/${al.id}`);
		const fromEvents = await srv.get(al._links.self.href, tok);
		assert.deepEqual(fromEvents.body, al, 'the same item as cvapi-events');
		const item = await srv.get(`${V}/trips/${A}/alerts/${al.id}`, tok);
		assert.equal(item.status, 200, item.text);
		await assertSchema(item.body, 'Alert');
		assert.deepEqual(item.body, al);
		assert.equal((await srv.get(`${V}/trips/${A}/alerts?locale=fr-FR`, tok)).status, 200);
		// the alert raised while parked belongs to no trip; trip B has none
		for (const m of [60, 120, 170, 240, 246, 300, 400]) {
			const x = await srv.get(`${V}/trips/${tidOf(m)}/alerts`, tok);
			assert.equal(x.body.total, 0, `trip at ${m}`);
		}
		await assertXError(await srv.get(`${V}/trips/${tidOf(60)}/alerts/${al.id}`, tok), 404, { code: 40402, message: /no such alert in this trip/ });

		const c = await srv.get(`${V}/trips/${A}/collisions`, tok);
		assert.equal(c.status, 200, c.text);
		await assertSchema(c.body, 'Collisions');
		assert.deepEqual(c.body._embedded.Collisions.map((x) => [x.createdAt, x.details[0].side]), [[T(7.5), 'Rear'], [T(7), 'Front']],
			'a collision in a sample with nothing else counts too');
		const all = (await srv.get(`${V}/collisions`, tok)).body._embedded.Collisions;
		for (const x of c.body._embedded.Collisions) {
			assert.deepEqual(x, all.find((y) => y.id === x.id), 'the same item as cvapi-events');
			const one = await srv.get(`${V}/trips/${A}/collisions/${x.id}`, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Collision');
			assert.deepEqual(one.body, x);
		}
		assert.deepEqual(await collect(`${V}/trips/${A}/collisions?pageSize=1`, 'Collisions', 'Collisions'), c.body._embedded.Collisions);
		const f = await srv.get(`${V}/trips/${tidOf(300)}/collisions`, tok);
		assert.deepEqual(f.body._embedded.Collisions.map((x) => x.createdAt), [T(308)], 'the late batch\'s collision is in trip F');
		const ts = await srv.get(`${V}/trips/${A}/collisions?timestamps=${T(7)}/${T(7.5)}`, tok);
		assert.deepEqual(ts.body._embedded.Collisions.map((x) => x.createdAt), [T(7)]);
		await assertXError(await srv.get(`${V}/trips/${tidOf(300)}/collisions/${c.body._embedded.Collisions[0].id}`, tok), 404,
			{ code: 40402, message: /no such collision in this trip/ });
	});

	it('the fleet face: the same trips under /connectedcar/v3, with the VIN (b2b schemas)', async () => {
		const auth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
		const FV = `/connectedcar/v3/fleets/demo-fleet/vehicles/${car.id}`;
		const r = await srv.request('GET', `${FV}/trips?client_id=console&pageSize=3`, { headers: auth });
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Trips', { doc: 'b2b' });
		const b2c = (await srv.get(`${V}/trips?pageSize=3`, tok)).body._embedded.trips;
		for (const [k, t] of r.body._embedded.trips.entries()) {
			assert.equal(t.vin, car.vin);
			const { vin, _links, ...rest } = t;
			assert.deepEqual(rest, strip(b2c[k]));
			assert.equal(_links.self.href, `${srv.base}${FV}/trips/${t.id}`);
		}
		const w = await srv.request('GET', `${FV}/trips/${tidOf(0)}/wayPoints?client_id=console&tolerance=1`, { headers: auth });
		assert.equal(w.status, 200, w.text);
		await assertSchema(w.body, 'WayPoints', { doc: 'b2b' });
		assert.equal(w.body.total, 3);
		const no = await srv.request('GET', `${FV}/trips?client_id=console`, { headers: { authorization: `Basic ${Buffer.from('fleet:nope').toString('base64')}` } });
		assert.equal(no.status, 401);
	});

	it('scopes: data:trip for everything, data:position for wayPoints, data:alert and data:collision for those', async () => {
		const A = tidOf(0);
		const none = await srv.token('demo', { scope: 'data:telemetry data:position data:alert data:collision' });
		for (const p of ['trips', `trips/${A}`, `trips/${A}/telemetry`, `trips/${A}/wayPoints`, `trips/${A}/alerts`, `trips/${A}/collisions`])
			await assertXError(await srv.get(`${V}/${p}`, none), 403, { code: 40302, message: /data:trip/ });
		await assertXError(await srv.get(`${V}/trips/${A}/wayPoints`, noPos), 403, { code: 40302, message: /data:position/ });
		await assertXError(await srv.get(`${V}/trips/${A}/alerts`, tripOnly), 403, { code: 40302, message: /data:alert/ });
		await assertXError(await srv.get(`${V}/trips/${A}/collisions`, tripOnly), 403, { code: 40302, message: /data:collision/ });
		assert.equal((await srv.get(`${V}/trips/${A}`, tripOnly)).status, 200);
	});

	/* {A}: trip A's id, {A:m}: an id of the petrol car at minute m, {EV}: the electric car's trip id */
	const bad = [
		// path under the vehicle, status, code, message
		['trips/123', 400, 40002, /malformed trip id: 48 lowercase hex digits/],
		['trips/{A}0', 400, 40002, /malformed trip id/],
		['trips/{V}0000018FD1A6BA00', 400, 40002, /malformed trip id/],
		['trips/{V}0000018fd1a6ba0g', 400, 40002, /malformed trip id/],
		['trips/{V}ffffffffffffffff', 400, 40002, /malformed trip id/],
		['trips/{V}0000000000000000', 404, 40402, /no such trip/],
		['trips/{EV}', 404, 40402, /no such trip/],                            // the electric car's trip
		['trips/{EVV}0000000000000000', 404, 40402, /no such trip/],          // an id naming another vehicle
		['trips/{A:1}/wayPoints', 404, 40402, /no such trip/],
		['trips/123/telemetry', 400, 40002, /malformed trip id/],
		['trips/{A}/alerts/123', 400, 40002, /malformed alert id: 52 lowercase hex digits/],
		['trips/{A}/collisions/{A:7}0', 400, 40002, /malformed collision id: 50 lowercase hex digits/],
		['trips/{A}/collisions/{A:7}05', 404, 40402, /no such collision in this trip/],
		['trips/{A}/collisions/{EVV}' + '0'.repeat(18), 404, 40402, /no such collision in this trip/],
		['trips/{A}/alerts/{A:8}0001', 404, 40402, /no such alert in this trip/],
		['trips/{A}/unknown', 404, 40401, /no such resource/],
		['trips/{A}/wayPoints?tolerance=-1', 400, 40001, /tolerance must be a number of km from 0 to 1000/],
		['trips/{A}/wayPoints?tolerance=abc', 400, 40001, /tolerance must be a number of km/],
		['trips/{A}/wayPoints?tolerance=1001', 400, 40001, /tolerance must be a number of km/],
		['trips/{A}/wayPoints?tolerance=0.1234567', 400, 40001, /tolerance must be a number of km/],
		['trips/{A}/wayPoints?tolerance=1e3', 400, 40001, /tolerance must be a number of km/],
		['trips/{A}/wayPoints?tolerance=.5', 400, 40001, /tolerance must be a number of km/],
		['trips/{A}/wayPoints?tolerance=', 400, 40001, /tolerance must be a number of km from 0 to 1000/],
		['trips/{A}/wayPoints?tolerance=1&tolerance=2', 400, 40008, /tolerance is given more than once/],
		['trips/{A}/wayPoints?pageSize=2001', 400, 40001, /pageSize must be a whole number from 1 to 2000/],
		['trips/{A}/wayPoints?type=vehicle', 400, 40007, /unknown query parameter "type"/],
		['trips?states=Fine', 400, 40001, /states: unknown value "Fine"/],
		['trips?states=nominal', 400, 40001, /states: unknown value "nominal"/],
		['trips?states=Nominal,', 400, 40001, /states: empty or overlong item/],
		['trips?duration=10', 400, 40001, /duration must be min-max or min- in whole seconds/],
		['trips?duration=20-10', 400, 40001, /duration must be min-max/],
		['trips?duration=a-b', 400, 40001, /duration must be min-max/],
		['trips?duration=1.5-', 400, 40001, /duration must be min-max/],
		['trips?duration=-5', 400, 40001, /duration must be min-max/],
		['trips?duration=1-2-3', 400, 40001, /duration must be min-max/],
		['trips?duration=1-&duration=2-', 400, 40008, /duration is given more than once/],
		['trips?duration=1%202', 400, 40001, /duration must be min-max or min- in whole seconds/],
		['trips?distance=0.15-', 400, 40001, /distance must be min-max or min- in km with at most one decimal/],
		['trips?distance=5-1', 400, 40001, /distance must be min-max/],
		['trips?distance=.5-', 400, 40001, /distance must be min-max/],
		['trips?distance=1.-2', 400, 40001, /distance must be min-max/],
		['trips?pageSize=61', 400, 40001, /pageSize must be a whole number from 1 to 60/],
		['trips?pageSize=0', 400, 40001, /pageSize must be a whole number from 1 to 60/],
		['trips?indexRange=5-2', 400, 40001, /indexRange ends before it starts/],
		['trips?timestamps=yesterday/', 400, 40005, /RFC 3339/],
		['trips?tolerance=1', 400, 40007, /unknown query parameter "tolerance"/],
		['trips?foo=1', 400, 40007, /unknown query parameter "foo"/],
		['trips?pageToken=AAAA', 400, 40006, /not one this server made/],
		['trips/{A}?pageSize=1', 400, 40007, /unknown query parameter "pageSize"/],
		['trips/{A}/alerts?pageSize=61', 400, 40001, /pageSize must be a whole number from 1 to 60/],
		['trips/{A}/collisions?locale=fr', 400, 40007, /unknown query parameter "locale"/],
		['trips/{A}/telemetry?type=vehicle.nothing', 400, 40001, /type: unknown value "vehicle.nothing"/],
		['trips/{A}/telemetry?extension=weather', 400, 40001, /extension: unknown value "weather"/],
		['trips/{A}/telemetry?states=Nominal', 400, 40007, /unknown query parameter "states"/],
	];
	const fill = (p) => p.replace(/\{A\}/g, () => tidOf(0)).replace(/\{A:([0-9.]+)\}/g, (_, m) => tidOf(Number(m)))
		.replace(/\{EV\}/g, () => tidOf(1000, ev.id)).replace(/\{EVV\}/g, () => ev.id).replace(/\{V\}/g, () => car.id);
	for (const [p, status, code, message] of bad) {
		it(`GET .../${p} -> ${status}`, async () => {
			await assertXError(await srv.get(`${V}/${fill(p)}`, tok), status, { code, message });
		});
	}

	it('another user\'s vehicle: 403 whatever the trip id; a bad vehicle id: 400; POST: 405', async () => {
		const A = tidOf(0);
		const m = await srv.addUserWithVehicle('mallory', 'VF3MALLXRY0000009');
		await assertXError(await srv.get(`${V}/trips`, m.token), 403, { code: 40301 });
		await assertXError(await srv.get(`${V}/trips/${A}/wayPoints`, m.token), 403, { code: 40301 });
		await assertXError(await srv.get(`${B2C}/user/vehicles/xyz/trips`, tok), 400, { code: 40002 });
		await assertXError(await srv.request('POST', `${V}/trips`, { token: tok, body: {} }), 405, { code: 40501 });
	});

	it('a pageToken of one list is refused by another trip\'s or with other filters', async () => {
		const A = tidOf(0);
		const p = await srv.get(`${V}/trips/${A}/wayPoints?pageSize=2`, tok);
		const pt = new URL(p.body._links.next.href).searchParams.get('pageToken');
		await assertXError(await srv.get(`${V}/trips/${tidOf(400)}/wayPoints?pageSize=2&pageToken=${pt}`, tok), 400, { code: 40006 });
		await assertXError(await srv.get(`${V}/trips/${A}/wayPoints?pageSize=2&tolerance=1&pageToken=${pt}`, tok), 400, { code: 40006 });
		const l = await srv.get(`${V}/trips?pageSize=2&states=Nominal`, tok);
		const lt = new URL(l.body._links.next.href).searchParams.get('pageToken');
		await assertXError(await srv.get(`${V}/trips?pageSize=2&pageToken=${lt}`, tok), 400, { code: 40006 });
	});

	it('cvsim: two days of the demo fleet; every vehicle has trips, they match the schemas, most are Nominal',
		{ skip: existsSync(CVSIM) ? false : `${CVSIM} is not built`, timeout: 240000 }, async (t) => {
			const file = join(srv.top, 'sim-vehicles.txt');
			writeFileSync(file, srv.vehicles.map((v) => `${v.vin} ${v.energy} ${v.cred}`).join('\n') + '\n');
			const r = await cvsim(['--url', srv.base, '--vehicles', file, '--seed', '7', ...historyArgs(2), '--quiet']);
			assert.equal(r.code, 0, r.stderr);
			// the simulated days only (two days up to historyEnd(); the hand-made ones above are in 2024)
			const since = `timestamps=${iso(Date.parse(historyEnd()) - 3 * 86400000)}/`;
			let total = 0, nominal = 0;
			for (const v of srv.vehicles) {
				const base = `${B2C}/user/vehicles/${v.id}`;
				const trips = await collect(`${base}/trips?${since}&pageSize=60`, 'Trips', 'trips');
				assert.ok(trips.length >= 2, `${v.vin} (${v.energy}): ${trips.length} trips in two days`);
				for (const x of trips) {
					await assertSchema(x, 'Trip');
					assert.ok(x.duration > 0 && x.distance > 0, `${x.id}: a simulated trip moves`);
					assert.ok(x.done || x === trips[0], 'only the newest trip may be open');
				}
				total += trips.length;
				nominal += trips.filter((x) => x.faults.length === 0).length;
				t.diagnostic(`${v.energy}: ${trips.length} trips, ${trips.filter((x) => !x.faults.length).length} Nominal, faults seen: ${
					[...new Set(trips.flatMap((x) => x.faults.map((f) => f.fault)))].join(' ') || 'none'}`);
				const one = trips.find((x) => x.done) || trips[0];
				const w = await srv.get(`${one._links.waypoints.href}?pageSize=2000`, tok);
				assert.equal(w.status, 200, w.text);
				await assertSchema(w.body, 'WayPoints');
				assert.ok(w.body.total > 1, 'a simulated trip has a path');
				const s = await srv.get(`${one._links.waypoints.href}?tolerance=0.05&pageSize=2000`, tok);
				assert.equal(s.status, 200, s.text);
				await assertSchema(s.body, 'WayPoints');
				assert.ok(s.body.total >= 2 && s.body.total <= w.body.total, `simplified: ${s.body.total} of ${w.body.total}`);
				const tel = await srv.get(`${one._links.self.href}/telemetry?pageSize=2000`, tok);
				assert.equal(tel.status, 200, tel.text);
				await assertSchema(tel.body, 'Telemetries');
				assert.ok(tel.body.total >= w.body.total);
			}
			assert.ok(nominal / total >= 0.8, `most trips are Nominal: ${nominal} of ${total}`);
		});
});

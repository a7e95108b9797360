// The demo data: cvsim writes two days of history for the demo vehicles
// (petrol, electric, plug-in hybrid) through the vehicle link, then every
// endpoint of both faces answers per its schema for each of them (the
// fleet face as the demo fleet manager, fleet/fleet, over demo-fleet),
// and the paging links of the telemetry walk the whole history.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema } from '../lib/schema.mjs';
import { CVSIM, cvsimOnce, historyArgs, vehiclesFile } from '../lib/sim.mjs';

apiSuite('demo', (srv, it) => {
	let tok;
	const skip = existsSync(CVSIM) ? false : `${CVSIM} is not built`;

	it('cvsim writes two days of history for the demo vehicles', { skip, timeout: 180000 }, async () => {
		const r = await cvsimOnce(srv, ['--vehicles', vehiclesFile(srv), '--seed', '7', ...historyArgs(2), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		tok = await srv.token('demo');
	});

	it('status, lastPosition and maintenance of every demo vehicle match their schemas', { skip }, async () => {
		for (const v of srv.vehicles) {
			const V = `${B2C}/user/vehicles/${v.id}`;
			const s = await srv.get(`${V}/status`, tok);
			assert.equal(s.status, 200, s.text);
			await assertSchema(s.body, 'Status');
			const types = s.body.energies.map((e) => e.type).sort();
			const want = { petrol: ['Fuel'], diesel: ['Fuel'], electric: ['Electric'], phev: ['Electric', 'Fuel'] }[v.energy];
			assert.deepEqual(types, want, `${v.vin} (${v.energy}) reports the energies it has`);
			assert.ok(s.body.odometer.mileage > 0);
			assert.ok(s.body.lastPosition, 'status holds the last position');
			const [lon, lat] = s.body.lastPosition.geometry.coordinates;
			assert.ok(Math.abs(lat - 48.86) < 1 && Math.abs(lon - 2.35) < 1.5, `${v.vin} is around Paris: ${lat}, ${lon}`);

			const p = await srv.get(`${V}/lastPosition`, tok);
			assert.equal(p.status, 200, p.text);
			assert.equal(p.ctype, 'application/vnd.geo+json');
			await assertSchema(p.body, 'Position');

			const m = await srv.get(`${V}/maintenance`, tok);
			assert.equal(m.status, 200, m.text);
			await assertSchema(m.body, 'Maintenance');

			const one = await srv.get(`${V}`, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Vehicle');
		}
	});

	it('the telemetry of every demo vehicle, followed page by page to the end, matches its schema', { skip, timeout: 120000 }, async () => {
		for (const v of srv.vehicles) {
			let url = `${B2C}/user/vehicles/${v.id}/telemetry?pageSize=500`;
			let seen = 0;
			let total = null;
			let last = Infinity;
			for (let pages = 0; url; pages++) {
				assert.ok(pages < 100, 'the next links end');
				const r = await srv.get(url, tok);
				assert.equal(r.status, 200, r.text);
				await assertSchema(r.body, 'Telemetries');
				total ??= r.body.total;
				assert.equal(r.body.total, total, 'total stays the same from page to page');
				for (const item of r.body._embedded.telemetries) {
					const t = Date.parse(item.createdAt);
					assert.ok(t < last, 'newest first, each sample once');
					last = t;
					seen++;
				}
				url = r.body._links.next ? r.body._links.next.href : null;
			}
			assert.equal(seen, total, `${v.vin}: the pages hold every sample`);
			// about 400 samples a vehicle-day
			assert.ok(total > 300 && total < 2000, `${v.vin}: ${total} samples in two days`);
		}
	});

	it('the alerts, collisions and alarms of the demo fleet match their schemas, and alerts start and end', { skip, timeout: 120000 }, async () => {
		let alerts = 0;
		let ended = 0;
		for (const v of srv.vehicles) {
			const V = `${B2C}/user/vehicles/${v.id}`;
			for (const [p, name, key, item] of [['alerts', 'Alerts', 'alerts', 'Alert'], ['collisions', 'Collisions', 'Collisions', 'Collision'],
				['alarms', 'Alarms', 'alarms', 'AlarmDetails']]) {
				const r = await srv.get(`${V}/${p}?pageSize=2000`, tok);
				assert.equal(r.status, 200, r.text);
				await assertSchema(r.body, name);
				const items = r.body._embedded[key];
				assert.equal(items.length, r.body.total);
				if (items.length) {
					const one = await srv.get(`${V}/${p}/${items[0].id}`, tok);
					assert.equal(one.status, 200, one.text);
					await assertSchema(one.body, item);
				}
				if (p === 'alerts') {
					alerts += items.length;
					ended += items.filter((a) => !a.active && Date.parse(a.endAt) >= Date.parse(a.startedAt)).length;
				}
			}
		}
		assert.ok(alerts > 0, 'the simulated vehicles raise alerts');
		assert.ok(ended > 0, 'and some of them end');
	});

	it('the fleet face over the demo fleet: every list and item matches the b2b schemas', { skip, timeout: 120000 }, async () => {
		const B2B = '/connectedcar/v3';
		const auth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
		const get = async (path, name, extra) => {
			const r = await srv.request('GET', `${B2B}${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: auth });
			assert.equal(r.status, 200, `${path}: ${r.text}`);
			await assertSchema(r.body, name, { doc: 'b2b', ...(extra || {}) });
			return r.body;
		};
		const F = '/fleets/demo-fleet';
		await get('/fleets', 'Fleets');
		await get(F, 'Fleet');
		const vs = await get(`${F}/vehicles`, 'Vehicles');
		assert.equal(vs.total, srv.vehicles.length);
		for (const [p, name] of [['status', 'StatusList'], ['maintenances', 'MaintenanceList'], ['alerts?pageSize=2000', 'Alerts'],
			['collisions?pageSize=2000', 'Collisions'], ['trips', 'Trips']])
			await get(`${F}/${p}`, name);
		let trips = 0;
		for (const v of srv.vehicles) {
			const V = `${F}/vehicles/${v.id}`;
			await get(V, 'Vehicle');
			await get(`/vehicles/${v.vin}`, 'VehicleCapabilities', { extra: ['createdAt'] });
			for (const [p, name] of [['status', 'Status'], ['lastPosition', 'Position'], ['maintenance', 'Maintenance'],
				['telemetry?pageSize=100', 'Telemetries'], ['alerts', 'Alerts'], ['collisions', 'Collisions'], ['alarms', 'Alarms'],
				['stolen', 'StolenCollection']])
				await get(`${V}/${p}`, name);
			const t = await get(`${V}/trips`, 'Trips');
			trips += t.total;
			if (t._embedded.trips.length) {
				const tid = t._embedded.trips[0].id;
				await get(`${V}/trips/${tid}`, 'Trip');
				await get(`${V}/trips/${tid}/wayPoints?pageSize=2000`, 'WayPoints');
			}
		}
		assert.ok(trips > 0, 'the demo fleet drove');
	});

	it('the electric and plug-in cars charged: sessions with curves; every car\'s trips have their efficiency and eco-coaching, its driver\'s own', { skip, timeout: 120000 }, async () => {
		const globals = {};
		for (const v of srv.vehicles) {
			const V = `${B2C}/user/vehicles/${v.id}`;
			const c = await srv.get(`${V}/charges?pageSize=60`, tok);
			assert.equal(c.status, 200, c.text);
			await assertSchema(c.body, 'Charges', { doc: 'ext' });
			if (v.energy === 'electric' || v.energy === 'phev') {
				assert.ok(c.body.total > 0, `${v.vin} (${v.energy}) charged in two days`);
				const done = c.body._embedded.charges.find((x) => x.done && x.energyAdded > 0);
				assert.ok(done, `${v.vin}: a session ended with its energy`);
				assert.ok(done.endLevel > done.startLevel, `${v.vin}: its level rose`);
				assert.ok(done.maxPower > 0, 'cvsim reports the power');
				const curve = await srv.get(`${V}/charges/${done.id}/curve?pageSize=2000`, tok);
				assert.equal(curve.status, 200, curve.text);
				await assertSchema(curve.body, 'ChargeCurve', { doc: 'ext' });
				assert.ok(curve.body.total >= 2, `${v.vin}: a curve of ${curve.body.total} points`);
				const levels = curve.body._embedded.points.filter((p) => p.level !== undefined).map((p) => p.level);
				assert.ok(Math.max(...levels) > Math.min(...levels), 'the curve climbs');
			} else {
				assert.equal(c.body.total, 0, `${v.vin} (${v.energy}) has no battery to charge`);
			}
			const trips = (await srv.get(`${V}/trips?pageSize=60`, tok)).body._embedded.trips.filter((t) => t.done && t.distance >= 5);
			assert.ok(trips.length > 0, `${v.vin} drove`);
			assert.ok(trips.some((t) => t.energyConsumptions.some((e) => e.avgConsumption > 0)), `${v.vin}: a trip's efficiency`);
			const scores = [];
			for (const t of trips.slice(0, 8)) {
				const e = await srv.get(`${V}/trips/${t.id}/ecoaching`, tok);
				assert.equal(e.status, 200, e.text);
				await assertSchema(e.body, 'ECoaching');
				const g = e.body.scores.find((x) => x.category === 'Global');
				if (g)
					scores.push(g.score);
			}
			assert.ok(scores.length > 0, `${v.vin}: trips scored`);
			globals[v.energy] = scores.reduce((a, b) => a + b, 0) / scores.length;
			const sum = await srv.get(`${V}/summary?period=day`, tok);
			assert.equal(sum.status, 200, sum.text);
			await assertSchema(sum.body, 'VehicleSummary', { doc: 'ext' });
		}
		// the demo's drivers: the petrol car's sporty, the electric car's calm (cvctl demo)
		assert.notEqual(globals.petrol, globals.electric, JSON.stringify(globals));
	});
});

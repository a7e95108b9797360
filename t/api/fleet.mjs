// The B2B fleet face (/connectedcar/v3): a fleet manager authenticated
// with HTTP Basic and client_id sees their fleets, the fleets' vehicles and
// each vehicle's state and history, through the same programs as the B2C
// face; bodies checked against b2b-v3.19.2.yaml; every bad credential and
// every foreign fleet or vehicle refused.
import assert from 'node:assert/strict';
import { apiSuite } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const B2B = '/connectedcar/v3';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const FLEET = 'demo-fleet';
const b2b = { doc: 'b2b' };

apiSuite('fleet', (srv, it) => {
	const auth = { authorization: basic('fleet', 'fleet') };
	let car, other, mallory;

	/* GET on the fleet face as the demo fleet manager (client_id=console unless q says otherwise). */
	async function get(path, { headers = auth, client = 'console' } = {}) {
		const sep = path.includes('?') ? '&' : '?';
		return srv.request('GET', `${B2B}${path}${client ? `${sep}client_id=${client}` : ''}`, { headers });
	}

	it('set-up: data for a demo vehicle, a second fleet manager with a fleet, a vehicle of no fleet', async () => {
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		const up = await srv.upload(car.vin, car.cred, {
			messageId: 'f-1',
			samples: [
				{ at: '2024-07-01T08:00:00Z', speed: 0, ignition: 'StartUp', position: { lat: 48.85, lon: 2.35 }, maintenance: { days: 30, km: 1500 } },
				{ at: '2024-07-01T08:01:00Z', speed: 42, position: { lat: 48.86, lon: 2.36 },
					events: [{ type: 'alert', alert: 'AddWasherFluid', active: true }, { type: 'collision', details: [{ side: 'Front' }] },
						{ type: 'alarm', activation: 'Active' }] },
			],
		});
		assert.equal(up.status, 200, up.text);
		await srv.cvctl(['user', 'add', 'boss', '--password', 'boss-pw']);
		await srv.cvctl(['fleet', 'add', 'boss-fleet', '--owner', 'boss']);
		mallory = await srv.addUserWithVehicle('mallory', 'VF3MALLXRY0000002');
		other = srv.vehicles.find((v) => v.energy === 'electric');
	});

	it('GET /fleets: the manager\'s fleets only', async () => {
		const r = await get('/fleets');
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Fleets', b2b);
		assert.deepEqual(r.body._embedded.fleets.map((f) => f.id), [FLEET]);
		assert.equal(r.body.total, 1);
		const f = r.body._embedded.fleets[0];
		assert.equal(f._links.self.href, `${srv.base}${B2B}/fleets/${FLEET}`);
		assert.equal(f._links.vehicles.href, `${srv.base}${B2B}/fleets/${FLEET}/vehicles`);
		const b = await get('/fleets', { headers: { authorization: basic('boss', 'boss-pw') } });
		assert.deepEqual(b.body._embedded.fleets.map((x) => x.id), ['boss-fleet']);
	});

	it('GET /fleets/{fid} and its vehicles, with vinPrefix', async () => {
		const r = await get(`/fleets/${FLEET}`);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Fleet', b2b);
		assert.equal(r.body.id, FLEET);
		const v = await get(`/fleets/${FLEET}/vehicles`);
		assert.equal(v.status, 200, v.text);
		await assertSchema(v.body, 'Vehicles', b2b);
		assert.deepEqual(v.body._embedded.vehicles.map((x) => x.vin).sort(), srv.vehicles.map((x) => x.vin).sort());
		for (const x of v.body._embedded.vehicles) {
			assert.equal(x._links.self.href, `${srv.base}${B2B}/fleets/${FLEET}/vehicles/${x.id}`);
			assert.equal(x._links.fleet.href, `${srv.base}${B2B}/fleets/${FLEET}`);
			const one = await srv.request('GET', `${x._links.self.href.slice(srv.base.length)}?client_id=console`, { headers: auth });
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Vehicle', b2b);
			assert.deepEqual(one.body, x);
		}
		const p = await get(`/fleets/${FLEET}/vehicles?vinPrefix=${car.vin.slice(0, 12)}`);
		assert.deepEqual(p.body._embedded.vehicles.map((x) => x.vin), [car.vin]);
		const page = await get(`/fleets/${FLEET}/vehicles?pageSize=2`);
		assert.equal(page.body._embedded.vehicles.length, 2);
		assert.ok(page.body._links.next);
	});

	it('a vehicle\'s status, lastPosition, maintenance, telemetry, alerts, collisions and alarms', async () => {
		const V = `/fleets/${FLEET}/vehicles/${car.id}`;
		const base = `${srv.base}${B2B}${V}`;
		for (const [p, name] of [['status', 'Status'], ['maintenance', 'Maintenance'], ['telemetry', 'Telemetries'],
			['alerts', 'Alerts'], ['collisions', 'Collisions'], ['alarms', 'Alarms']]) {
			const r = await get(`${V}/${p}`);
			assert.equal(r.status, 200, `${p}: ${r.text}`);
			await assertSchema(r.body, name, b2b);
			assert.equal(r.body._links.self.href.split('?')[0], `${base}/${p}`);
		}
		const s = await get(`${V}/status?profile=endUser`);
		assert.deepEqual(s.body.lastPosition.geometry.coordinates, [2.36, 48.86, 0]);
		const pos = await get(`${V}/lastPosition`);
		assert.equal(pos.status, 200, pos.text);
		assert.equal(pos.ctype, 'application/vnd.geo+json');
		await assertSchema(pos.body, 'Position', b2b);
		const t = await get(`${V}/telemetry`);
		assert.equal(t.body.total, 2);
		assert.equal(t.body._embedded.telemetries[0]._links.vehicle.href, base);
		const a = await get(`${V}/alerts`);
		const alert = a.body._embedded.alerts[0];
		assert.equal(alert.type, 'AddWasherFluid');
		assert.ok(alert._links.self.href.startsWith(`${base}/alerts/`));
		const one = await srv.request('GET', `${alert._links.self.href.slice(srv.base.length)}?client_id=console`, { headers: auth });
		assert.equal(one.status, 200, one.text);
		await assertSchema(one.body, 'Alert', b2b);
		assert.deepEqual(one.body, alert);
		const c = await get(`${V}/collisions`);
		const cone = await get(`${V}/collisions/${c.body._embedded.Collisions[0].id}`);
		await assertSchema(cone.body, 'Collision', b2b);
		// the fleet face shows what the B2C face shows
		const tok = await srv.token('demo');
		const b2cAlerts = await srv.get(`/connectedcar/v4/user/vehicles/${car.id}/alerts`, tok);
		assert.deepEqual(b2cAlerts.body._embedded.alerts.map((x) => x.id), a.body._embedded.alerts.map((x) => x.id));
	});

	it('fleet-wide alerts and collisions: every vehicle\'s, merged newest first, paged with next links', async () => {
		// the three demo vehicles: collisions at the same instant in two of them, alerts at several times
		const at = (m) => new Date(Date.parse('2024-07-02T10:00:00Z') + m * 60000).toISOString();
		const plan = { petrol: [0, 5, 9], electric: [5, 7], phev: [1, 5, 12] };
		for (const v of srv.vehicles) {
			const samples = (plan[v.energy] || []).map((m) => ({ at: at(m), speed: 10,
				events: [{ type: 'collision', details: [{ side: 'Rear' }] }, { type: 'alert', alert: 'RiskOfIce', active: true },
					{ type: 'alert', alert: 'RiskOfIce', active: false }] }));
			// each raise is closed by the next sample's clear: one occurrence per minute listed
			const r = await srv.upload(v.vin, v.cred, { messageId: `fw-${v.vin}`, samples });
			assert.equal(r.status, 200, r.text);
		}
		// and one of mallory's, which the fleet must not show
		const m = await srv.upload(mallory.vin, mallory.cred, { messageId: 'fw-m', samples: [{ at: at(3), events: [{ type: 'collision', details: [{ side: 'Front' }] }] }] });
		assert.equal(m.status, 200, m.text);
		const ids = Object.fromEntries(srv.vehicles.map((v) => [v.energy, v.id]));
		const want = Object.entries(plan).flatMap(([e, ms]) => ms.map((x) => [at(x), ids[e]]))
			.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? 1 : -1) : (a[0] < b[0] ? 1 : -1)));
		const all = await get(`/fleets/${FLEET}/collisions?pageSize=2000&timestamps=${at(0)}/PT1H`);
		assert.equal(all.status, 200, all.text);
		await assertSchema(all.body, 'Collisions', b2b);
		const items = all.body._embedded.Collisions;
		assert.deepEqual(items.map((c) => [c.createdAt.replace('Z', '.000Z'), c.id.slice(0, 32)]), want);
		assert.equal(all.body.total, want.length);
		for (const c of items)
			assert.equal(c.vin, srv.vehicles.find((v) => v.id === c.id.slice(0, 32)).vin);
		// page by page: each once, in the same order, across vehicles sharing an instant
		const seen = [];
		let url = `/fleets/${FLEET}/collisions?pageSize=1&timestamps=${at(0)}/PT1H`;
		for (let pages = 0; url; pages++) {
			assert.ok(pages <= want.length, 'runaway paging');
			const r = await (pages ? srv.request('GET', url, { headers: auth }) : get(url));
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.total, want.length);
			seen.push(...r.body._embedded.Collisions);
			url = r.body._links.next ? r.body._links.next.href.slice(srv.base.length) : null;
		}
		assert.deepEqual(seen, items);
		const ir = await get(`/fleets/${FLEET}/collisions?indexRange=2-4&timestamps=${at(0)}/PT1H`);
		assert.deepEqual(ir.body._embedded.Collisions, items.slice(2, 5));
		// an item by its id, through the fleet
		const one = await get(`/fleets/${FLEET}/collisions/${items[3].id}`);
		assert.equal(one.status, 200, one.text);
		await assertSchema(one.body, 'Collision', b2b);
		assert.deepEqual(one.body, items[3]);
		// alerts: the same merge
		const al = await get(`/fleets/${FLEET}/alerts?pageSize=2000&timestamps=${at(0)}/PT1H`);
		assert.equal(al.status, 200, al.text);
		await assertSchema(al.body, 'Alerts', b2b);
		assert.deepEqual(al.body._embedded.alerts.map((a) => [a.startedAt.replace('Z', '.000Z'), a.id.slice(0, 32)]), want);
		const a1 = await get(`/fleets/${FLEET}/alerts/${al.body._embedded.alerts[0].id}`);
		assert.deepEqual(a1.body, al.body._embedded.alerts[0]);
		// mallory's collision is not the fleet's
		const tokm = mallory.token;
		const mc = (await srv.get(`/connectedcar/v4/user/vehicles/${mallory.id}/collisions`, tokm)).body._embedded.Collisions[0];
		await assertXError(await get(`/fleets/${FLEET}/collisions/${mc.id}`), 404, { code: 40402, message: /no such collision/ });
		await assertXError(await get(`/fleets/${FLEET}/collisions/xyz`), 400, { code: 40002 });
		await assertXError(await get('/fleets/boss-fleet/collisions'), 403, { code: 40301 });
		// boss's fleet is empty
		const b = await get('/fleets/boss-fleet/alerts', { headers: { authorization: basic('boss', 'boss-pw') } });
		assert.equal(b.status, 200, b.text);
		assert.equal(b.body.total, 0);
	});

	it('fleet-wide status and maintenances: each vehicle that has sent data, paged', async () => {
		const s = await get(`/fleets/${FLEET}/status`);
		assert.equal(s.status, 200, s.text);
		await assertSchema(s.body, 'StatusList', b2b);
		const items = s.body._embedded.status;
		// every demo vehicle has sent something by now; ids in order
		assert.deepEqual(items.map((x) => x.vin).sort(), srv.vehicles.map((v) => v.vin).sort());
		assert.equal(s.body.total, srv.vehicles.length);
		for (const it2 of items) {
			const v = srv.vehicles.find((x) => x.vin === it2.vin);
			assert.equal(it2._links.self.href, `${srv.base}${B2B}/fleets/${FLEET}/vehicles/${v.id}/status`);
			const one = await get(`/fleets/${FLEET}/vehicles/${v.id}/status`);
			assert.equal(one.body.updatedAt, it2.updatedAt);
		}
		const p1 = await get(`/fleets/${FLEET}/status?pageSize=2`);
		assert.deepEqual(p1.body._embedded.status, items.slice(0, 2));
		const p2 = await srv.request('GET', p1.body._links.next.href.slice(srv.base.length), { headers: auth });
		assert.deepEqual(p2.body._embedded.status, items.slice(2));
		assert.equal(p2.body._links.next, undefined);
		// maintenance: only the vehicle that sent maintenance data
		const m = await get(`/fleets/${FLEET}/maintenances`);
		assert.equal(m.status, 200, m.text);
		await assertSchema(m.body, 'MaintenanceList', b2b);
		assert.deepEqual(m.body._embedded.maintenances.map((x) => x.vin), [car.vin]);
		assert.equal(m.body._embedded.maintenances[0].daysBeforeMaintenance, 30);
		await assertXError(await get(`/fleets/${FLEET}/status?pageSize=0`), 400, { code: 40001 });
		await assertXError(await get('/fleets/boss-fleet/maintenances'), 403, { code: 40301 });
	});

	it('stolen history: theft periods from the upload, their positions as waypoints', async () => {
		const at = (m) => new Date(Date.parse('2024-07-03T02:00:00Z') + m * 60000).toISOString();
		const p = (m) => ({ lat: 48.9 + m / 100, lon: 2.2 + m / 100 });
		const samples = [
			{ at: at(0), position: p(0), events: [{ type: 'theft', active: true }] },
			...[1, 2, 3, 4, 5].map((m) => ({ at: at(m), speed: 50, position: p(m) })),
			{ at: at(6), speed: 0 },                                   // no position: not a waypoint
			{ at: at(7), position: p(7), events: [{ type: 'theft', active: false }] },
			{ at: at(8), position: p(8) },                             // after: not a waypoint
			{ at: at(20), events: [{ type: 'theft', active: true }] }, // a second theft, still going on
		];
		const up = await srv.upload(car.vin, car.cred, { messageId: 'theft-1', samples });
		assert.equal(up.status, 200, up.text);
		const V = `/fleets/${FLEET}/vehicles/${car.id}`;
		const r = await get(`${V}/stolen`);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'StolenCollection', b2b);
		const list = r.body._embedded.stolen;
		assert.deepEqual(list.map((x) => [x.state, x.startedAt, x.endAt]),
			[[true, at(20).replace('.000Z', 'Z'), undefined], [false, at(0).replace('.000Z', 'Z'), at(7).replace('.000Z', 'Z')]]);
		assert.deepEqual(list[1].startPosition.geometry.coordinates, [2.2, 48.9, 0]);
		assert.deepEqual(list[1].endPosition.geometry.coordinates, [2.27, 48.97, 0]);
		// the open one starts where the vehicle was last seen
		assert.deepEqual(list[0].startPosition.geometry.coordinates, [2.28, 48.98, 0]);
		const one = await srv.request('GET', `${list[1]._links.self.href.slice(srv.base.length)}?client_id=console`, { headers: auth });
		assert.equal(one.status, 200, one.text);
		await assertSchema(one.body, 'Stolen', b2b);
		assert.deepEqual(one.body, list[1]);
		const wp = await get(`${V}/stolen/${list[1].id}/waypoints`);
		assert.equal(wp.status, 200, wp.text);
		await assertSchema(wp.body, 'WayPoints', b2b);
		const coords = [0, 1, 2, 3, 4, 5, 7].map((m) => [Math.round((2.2 + m / 100) * 1e7) / 1e7, Math.round((48.9 + m / 100) * 1e7) / 1e7, 0]);
		assert.deepEqual(wp.body._embedded.positions.map((x) => x.geometry.coordinates), coords);
		assert.equal(wp.body.total, 7);
		// paged
		const seen = [];
		let url = `${V}/stolen/${list[1].id}/waypoints?pageSize=3`;
		for (let pages = 0; url; pages++) {
			assert.ok(pages < 5);
			const x = await (pages ? srv.request('GET', url, { headers: auth }) : get(url));
			assert.equal(x.status, 200, x.text);
			seen.push(...x.body._embedded.positions);
			url = x.body._links.next ? x.body._links.next.href.slice(srv.base.length) : null;
		}
		assert.deepEqual(seen, wp.body._embedded.positions);
		// the ongoing one: its waypoints run to now
		const wo = await get(`${V}/stolen/${list[0].id}/waypoints`);
		assert.equal(wo.body.total, 0);
		await assertXError(await get(`${V}/stolen/${list[1].id.slice(0, -1)}x`), 400, { code: 40002, message: /malformed theft id/ });
		await assertXError(await get(`${V}/stolen/${other.id}${list[1].id.slice(32)}`), 404, { code: 40402, message: /no such theft/ });
		await assertXError(await get(`${V}/stolen/${car.id}${'0'.repeat(20)}/waypoints`), 404, { code: 40402 });
		await assertXError(await get(`${V}/stolen?type=x`), 400, { code: 40007 });
		await assertXError(await get(`${V}/stolen/${list[1].id}/waypoints?pageSize=2001`), 400, { code: 40001, message: /pageSize/ });
		await assertXError(await get(`${V}/stolen/${list[1].id}/waypoints?tolerance=1`), 400, { code: 40007 });
		await assertXError(await get(`${V}/stolen?pageToken=AAAA`), 400, { code: 40006 });
	});

	it('fleet-wide trips: every vehicle\'s, merged newest first, with the trip filters, paged', async () => {
		// a trip per demo vehicle, two of them starting at the same instant
		const at = (m) => new Date(Date.parse('2024-07-04T07:00:00Z') + m * 60000).toISOString();
		const starts = { petrol: 0, electric: 0, phev: 30 };
		for (const v of srv.vehicles) {
			const m0 = starts[v.energy];
			const samples = [0, 1, 2, 3].map((k) => ({ at: at(m0 + k), speed: k === 3 ? 0 : 40, odometer: 1000 + k,
				ignition: k === 0 ? 'StartUp' : k === 3 ? 'Stop' : 'Start', position: { lat: 48.8 + k / 100, lon: 2.3 } }));
			const r = await srv.upload(v.vin, v.cred, { messageId: `ft-${v.vin}`, samples });
			assert.equal(r.status, 200, r.text);
		}
		const q = `timestamps=${at(0)}/PT2H`;
		const r = await get(`/fleets/${FLEET}/trips?${q}`);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Trips', b2b);
		const trips = r.body._embedded.trips;
		assert.equal(r.body.total, 3);
		const ids = Object.fromEntries(srv.vehicles.map((v) => [v.energy, v.id]));
		const want = [[at(30), ids.phev], ...[[at(0), ids.petrol], [at(0), ids.electric]].sort((a, b) => (a[1] < b[1] ? 1 : -1))];
		assert.deepEqual(trips.map((t) => [t.startedAt.replace('Z', '.000Z'), t.id.slice(0, 32)]), want);
		for (const t of trips) {
			assert.equal(t.vin, srv.vehicles.find((v) => v.id === t.id.slice(0, 32)).vin);
			assert.ok(t._links.self.href.includes(`/fleets/${FLEET}/vehicles/${t.id.slice(0, 32)}/trips/${t.id}`));
			const one = await srv.request('GET', `${t._links.self.href.slice(srv.base.length)}?client_id=console`, { headers: auth });
			assert.equal(one.status, 200, one.text);
			assert.deepEqual(one.body, t);
		}
		// page by page, across the two trips of the same instant
		const seen = [];
		let url = `/fleets/${FLEET}/trips?${q}&pageSize=1`;
		for (let pages = 0; url; pages++) {
			assert.ok(pages < 5);
			const x = await (pages ? srv.request('GET', url, { headers: auth }) : get(url));
			assert.equal(x.status, 200, x.text);
			seen.push(...x.body._embedded.trips);
			url = x.body._links.next ? x.body._links.next.href.slice(srv.base.length) : null;
		}
		assert.deepEqual(seen, trips);
		// filters
		const nominal = await get(`/fleets/${FLEET}/trips?${q}&states=Nominal&duration=170-190&distance=0.3-`);
		assert.equal(nominal.body.total, 3, nominal.text);
		const none = await get(`/fleets/${FLEET}/trips?${q}&duration=200-`);
		assert.equal(none.body.total, 0);
		await assertXError(await get(`/fleets/${FLEET}/trips?duration=abc`), 400, { code: 40001, message: /duration/ });
		await assertXError(await get(`/fleets/${FLEET}/trips?states=Broken`), 400, { code: 40001 });
		await assertXError(await get(`/fleets/${FLEET}/trips?pageSize=61`), 400, { code: 40001 });
		await assertXError(await get('/fleets/boss-fleet/trips'), 403, { code: 40301 });
	});

	it('the fleet-wide time index and the merge of each vehicle\'s history give the same pages', async () => {
		// every page of every fleet-wide list, by next links (small pages, filters too)
		const lists = ['alerts?pageSize=2', 'collisions?pageSize=1', 'trips?pageSize=1', 'alerts?pageSize=3&indexRange=1-4',
			`alerts?pageSize=2&timestamps=2024-07-02T10:04:00Z/2024-07-02T10:08:00Z`, 'trips?pageSize=2&states=Nominal'];
		const walk = async () => {
			const out = [];
			for (const l of lists) {
				let url = `/fleets/${FLEET}/${l}`;
				for (let pages = 0; url; pages++) {
					assert.ok(pages < 60, 'runaway paging');
					const r = await (pages ? srv.request('GET', url, { headers: auth }) : get(url));
					assert.equal(r.status, 200, r.text);
					out.push([l, r.body.total, Object.values(r.body._embedded).flat().map((x) => x.id)]);
					url = r.body._links.next ? r.body._links.next.href.slice(srv.base.length) : null;
				}
			}
			return out;
		};
		const indexed = await walk();
		assert.ok(indexed.some(([, , ids]) => ids.length), 'the lists are not empty');
		await srv.cvctl(['reindex', '--drop']);
		const merged = await walk();
		assert.deepEqual(merged, indexed);
		assert.match(await srv.cvctl(['reindex']), /^\d+ records indexed$/m);
		assert.deepEqual(await walk(), indexed);
		const bad = await srv.cvctlRun(['reindex', '--all']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /reindex \[--drop\]/);
	});

	it('GET /vehicles/{vin}: the capabilities of a vehicle of the manager\'s fleets', async () => {
		const r = await get(`/vehicles/${car.vin}`);
		assert.equal(r.status, 200, r.text);
		// the document requires createdAt without declaring it
		await assertSchema(r.body, 'VehicleCapabilities', { ...b2b, extra: ['createdAt'] });
		assert.equal(r.body.vin, car.vin);
		assert.equal(r.body.motorization, 'Thermic');
		await assertXError(await get(`/vehicles/${mallory.vin}`), 403, { code: 40301, message: /not in one of your fleets/ });
		await assertXError(await get('/vehicles/VF3UNKNWN00000000'), 403, { code: 40301, message: /not in one of your fleets/ });
		await assertXError(await get('/vehicles/vf3lower'), 400, { code: 40002 });
	});

	const creds = [
		// name, headers, client, status, code, message
		['no credentials', {}, 'console', 401, 40101, /no credentials/],
		['a wrong password', { authorization: basic('fleet', 'nope') }, 'console', 401, 40105, /wrong login or password/],
		['an unknown user', { authorization: basic('nobody', 'fleet') }, 'console', 401, 40105, /wrong login or password/],
		['malformed Basic (no colon)', { authorization: `Basic ${Buffer.from('fleet').toString('base64')}` }, 'console', 401, 40102, /malformed Basic/],
		['malformed Basic (not base64)', { authorization: 'Basic %%%' }, 'console', 401, 40102, /malformed Basic/],
		['an empty login', { authorization: basic('', 'fleet') }, 'console', 401, 40102, /malformed Basic/],
		['bytes after the base64 padding', { authorization: `${basic('fleet', 'fleet')}xyz` }, 'console', 401, 40102, /malformed Basic/],
		['too much padding', { authorization: `${basic('fleet', 'fleet')}==` }, 'console', 401, 40102, /malformed Basic/],
		['an unknown bearer token', { authorization: 'Bearer abc' }, 'console', 401, 40101, /unknown or revoked access token/],
		['no client_id', null, null, 401, 40104, /client_id is required/],
		['an unknown client_id', null, 'app-nobody', 401, 40104, /unknown client_id/],
		['a certificate the web server did not verify (header spoofing has no effect)', { authorization: '', 'ssl-client-verify': 'SUCCESS', 'ssl-client-s-dn': 'CN=fleet' }, 'console', 401, 40101, /no credentials/],
	];
	for (const [name, headers, client, status, code, message] of creds) {
		it(`GET /fleets with ${name} -> ${status}`, async () => {
			const r = await get('/fleets', { headers: headers || auth, client });
			await assertXError(r, status, { code, message });
			// a bearer token's failure is challenged as RFC 6750 says (t/api/fleet-token.mjs), never with Basic
			const bearer = /^Bearer /.test((headers || {}).authorization || '');
			if (status === 401 && code !== 40104)
				assert.match(r.headers.get('www-authenticate') || '', bearer ? /^Bearer realm="cvapi", error="invalid_token"/ : /^Basic realm="cvapi"/);
			assert.ok(!r.text.includes(FLEET));
		});
	}

	it('a verified Basic credential is remembered in memory only: the store keeps nothing of it', async (t) => {
		const ok = await get('/fleets');
		assert.equal(ok.status, 200, ok.text);
		const { execFileSync } = await import('node:child_process');
		let dump;
		try {
			dump = execFileSync('db5.3_dump', ['-h', srv.home, '-p', 'basicauth.db'], { encoding: 'utf8' });
		} catch (e) {
			t.skip(`db5.3_dump: ${e.message.split('\n')[0]}`);
			return;
		}
		const data = dump.slice(dump.indexOf('HEADER=END') + 10, dump.indexOf('DATA=END')).trim();
		assert.equal(data, '', 'basicauth.db holds no record');
	});

	it('a fleet that is not yours, or does not exist: 403 with no data', async () => {
		for (const p of ['/fleets/boss-fleet', '/fleets/boss-fleet/vehicles', '/fleets/no-such-fleet', `/fleets/boss-fleet/vehicles/${car.id}/status`]) {
			const r = await get(p);
			await assertXError(r, 403, { code: 40301, message: /this fleet is not yours/ });
		}
		// the manager of that fleet does see it
		const b = await get('/fleets/boss-fleet', { headers: { authorization: basic('boss', 'boss-pw') } });
		assert.equal(b.status, 200, b.text);
	});

	it('a vehicle that is not in the fleet: 403; a malformed vehicle id: 400', async () => {
		for (const p of ['', '/status', '/telemetry', '/alerts', '/lastPosition']) {
			await assertXError(await get(`/fleets/${FLEET}/vehicles/${mallory.id}${p}`), 403, { code: 40301, message: /not in this fleet/ });
			await assertXError(await get(`/fleets/${FLEET}/vehicles/xyz${p}`), 400, { code: 40002 });
		}
		assert.ok(other); // a demo vehicle of the fleet answers
		assert.equal((await get(`/fleets/${FLEET}/vehicles/${other.id}`)).status, 200);
	});

	const bad = [
		[`/fleets/${FLEET}/vehicles?pageSize=61`, 40001, /pageSize/],
		[`/fleets/${FLEET}/vehicles?extension=onboardCapabilities`, 40001, /extension: unknown value/],
		['/fleets?vinPrefix=VF3', 40007, /unknown query parameter "vinPrefix"/],
		['/fleets?pageToken=AAAA', 40006, /not one this server made/],
		[() => `/fleets/${FLEET}/vehicles/${car.id}/status?profile=admin`, 40001, /profile: unknown value "admin"/],
		[() => `/fleets/${FLEET}/vehicles/${car.id}/telemetry?timestamps=today/`, 40005, /RFC 3339/],
		[() => `/fleets/${FLEET}/vehicles/${car.id}/alarms?type=x`, 40001, /type: unknown value "x"/],
		[() => `/fleets/${FLEET}/vehicles/${car.id}/alerts/123`, 40002, /malformed alert id/],
	];
	for (const [p, code, message] of bad) {
		it(`GET ${typeof p === 'string' ? p : p.toString().slice(6, 80)} -> 400`, async () => {
			await assertXError(await get(typeof p === 'string' ? p : p()), 400, { code, message });
		});
	}

	it('the user face does not take Basic, nor the fleet face a user\'s bearer token', async () => {
		const r = await srv.request('GET', `/connectedcar/v4/user/vehicles/${car.id}/status`, { headers: auth });
		await assertXError(r, 401, { code: 40102, message: /must be Bearer/ });
		const tok = await srv.token('fleet');
		const f = await get('/fleets', { headers: { authorization: `Bearer ${tok}` } });
		await assertXError(f, 401, { code: 40101 });
	});
});

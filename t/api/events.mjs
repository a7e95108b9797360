// What happened to a vehicle: alerts (occurrences opened and closed by the
// upload's alert events), collisions and alarms; lists, items, paging,
// filters, positions under data:position, and the malformed twins.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const T = (i) => iso(T0 + i * 60000); // sample i is at T0 + i minutes
const pos = (i) => ({ lat: 48.8 + i / 1000, lon: 2.3 + i / 1000, alt: 30 + i });
const coords = (i) => [Math.round((2.3 + i / 1000) * 1e7) / 1e7, Math.round((48.8 + i / 1000) * 1e7) / 1e7, 30 + i];

const alert = (name, active, severity) => ({ type: 'alert', alert: name, active, ...(severity ? { severity } : {}) });

/*
 * The uploads: minute i, its position (when it has one) and its events.
 * Two batches, the second out of order, so the server has to sort.
 */
const plan = [
	[0, true, [alert('AddWasherFluid', true)]],
	[1, true, [{ type: 'collision', details: [{ side: 'Front', severity: 'Minor' }, { side: 'Lateral' }] }]],
	[2, false, [alert('BrakingSystemFailure', true, 'Critical'), { type: 'alarm', activation: 'Active' }]],
	[3, true, [alert('AddWasherFluid', true)]],                  // already active: nothing new
	[5, true, [alert('AddWasherFluid', false)]],                 // closes the one of minute 0
	[6, true, [alert('CoolantLevellow', false)]],                // nothing active to clear
	[7, true, [{ type: 'alarm', trigger: 'VolumetricBreakIn' }]],
	[8, true, [{ type: 'alarm', activation: 'Inactive', trigger: 'HoodDoorBreakIn' }]],
	[9, true, [alert('AddWasherFluid', true, 'Information')]],  // a new occurrence
	[10, true, [{ type: 'collision', details: [{ side: 'Rear', severity: 'Major' }] }]],
	[12, false, [alert('BrakingSystemFailure', false)]],
];

function sample([i, hasPos, events]) {
	const s = { at: T(i), speed: 20 + i, events };
	if (hasPos)
		s.position = pos(i);
	return s;
}

/* What the lists should hold, newest first. Positions: the sample's, or the last known before it. */
const expectedAlerts = [
	{ start: 9, type: 'AddWasherFluid', severity: 'Information', active: true, startPos: 9 },
	{ start: 2, type: 'BrakingSystemFailure', severity: 'Critical', active: false, end: 12, startPos: 1, endPos: 10 },
	{ start: 0, type: 'AddWasherFluid', severity: 'Warning', active: false, end: 5, startPos: 0, endPos: 5 },
];
const expectedCollisions = [
	{ at: 10, details: [{ side: 'Rear', severity: 'Major' }] },
	{ at: 1, details: [{ side: 'Front', severity: 'Minor' }, { side: 'Lateral' }] },
];
const expectedAlarms = [
	{ at: 8, status: 'Inactive', trigger: 'HoodDoorBreakIn', pos: 8 },
	{ at: 7, trigger: 'VolumetricBreakIn', pos: 7 },
	{ at: 2, status: 'Active' },
];

apiSuite('events', (srv, it) => {
	let car, tok, noPos, base;

	it('uploads with alert, collision and alarm events', async () => {
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		base = `${B2C}/user/vehicles/${car.id}`;
		tok = await srv.token('demo');
		noPos = await srv.token('demo', { scope: 'data:alert data:collision data:telemetry' });
		// nothing yet: empty lists
		for (const [p, name, key] of [['alerts', 'Alerts', 'alerts'], ['collisions', 'Collisions', 'Collisions'], ['alarms', 'Alarms', 'alarms']]) {
			const r = await srv.get(`${base}/${p}`, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, name);
			assert.deepEqual(r.body._embedded[key], []);
			assert.equal(r.body.total, 0);
		}
		const a = await srv.upload(car.vin, car.cred, { messageId: 'ev-1', samples: plan.slice(0, 6).map(sample) });
		assert.equal(a.status, 200, a.text);
		const b = await srv.upload(car.vin, car.cred, { messageId: 'ev-2', samples: plan.slice(6).reverse().map(sample) });
		assert.equal(b.status, 200, b.text);
		// a retried batch changes nothing
		const again = await srv.upload(car.vin, car.cred, { messageId: 'ev-2', samples: plan.slice(6).map(sample) });
		assert.equal(again.body.duplicate, true);
	});

	const idTime = (id) => Number.parseInt(id.slice(32, 48), 16);

	it('alerts: occurrences with their start, end, severity and positions, newest first', async () => {
		const r = await srv.get(`${base}/alerts`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Alerts');
		const items = r.body._embedded.alerts;
		assert.equal(r.body.total, expectedAlerts.length);
		assert.equal(items.length, expectedAlerts.length);
		for (const [k, want] of expectedAlerts.entries()) {
			const got = items[k];
			await assertSchema(got, 'Alert');
			assert.match(got.id, /^[0-9a-f]{52}$/);
			assert.equal(got.id.slice(0, 32), car.id);
			assert.equal(idTime(got.id), T0 + want.start * 60000);
			assert.equal(got.type, want.type);
			assert.equal(got.severity, want.severity);
			assert.equal(got.active, want.active);
			assert.equal(got.startedAt, T(want.start));
			assert.equal(got.createdAt, T(want.start));
			assert.equal(got.endAt, want.end === undefined ? undefined : T(want.end));
			assert.deepEqual(got.startPosition.geometry.coordinates, coords(want.startPos));
			assert.equal(got.startPosition.properties.createdAt, T(want.start));
			if (want.endPos === undefined)
				assert.equal(got.endPosition, undefined);
			else
				assert.deepEqual(got.endPosition.geometry.coordinates, coords(want.endPos));
			assert.equal(got._links.vehicle.href, `${srv.base}${base}`);
			// the self link gives the same alert
			const one = await srv.get(got._links.self.href, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Alert');
			assert.deepEqual(one.body, got);
		}
	});

	it('alerts without data:position: no positions', async () => {
		const r = await srv.get(`${base}/alerts`, noPos);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Alerts');
		for (const a of r.body._embedded.alerts) {
			assert.equal(a.startPosition, undefined);
			assert.equal(a.endPosition, undefined);
		}
		assert.equal(r.body._embedded.alerts.length, expectedAlerts.length);
	});

	it('collisions: each with its details, newest first, and by id', async () => {
		const r = await srv.get(`${base}/collisions`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Collisions');
		const items = r.body._embedded.Collisions;
		assert.equal(r.body.total, expectedCollisions.length);
		assert.deepEqual(items.map((c) => c.createdAt), expectedCollisions.map((c) => T(c.at)));
		for (const [k, want] of expectedCollisions.entries()) {
			const { _links, id, createdAt, updatedAt, ...rest } = items[k];
			assert.match(id, /^[0-9a-f]{50}$/);
			assert.equal(updatedAt, createdAt);
			assert.deepEqual(rest, { details: want.details });
			const one = await srv.get(_links.self.href, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Collision');
			assert.deepEqual(one.body, items[k]);
		}
	});

	it('alarms: status and trigger parts, the type filter, and by id', async () => {
		const r = await srv.get(`${base}/alarms`, tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Alarms');
		const items = r.body._embedded.alarms;
		assert.equal(items.length, expectedAlarms.length);
		for (const [k, want] of expectedAlarms.entries()) {
			const got = items[k];
			await assertSchema(got, 'AlarmDetails');
			assert.equal(idTime(got.id), T0 + want.at * 60000);
			assert.equal(got.status?.activation, want.status);
			assert.equal(got.trigger?.type, want.trigger);
			if (want.trigger) {
				assert.equal(got.trigger.startAt, T(want.at));
				assert.deepEqual(got.trigger.position.geometry.coordinates, coords(want.pos));
			}
			const one = await srv.get(`${base}/alarms/${got.id}`, tok);
			assert.equal(one.status, 200, one.text);
			assert.deepEqual(one.body, got);
		}
		const s = await srv.get(`${base}/alarms?type=vehicle.alarm.status`, tok);
		await assertSchema(s.body, 'Alarms');
		assert.deepEqual(s.body._embedded.alarms.map((a) => [a.status.activation, a.trigger]), [['Inactive', undefined], ['Active', undefined]]);
		const t = await srv.get(`${base}/alarms?type=vehicle.alarm.trigger`, tok);
		assert.deepEqual(t.body._embedded.alarms.map((a) => [a.trigger.type, a.status]), [['HoodDoorBreakIn', undefined], ['VolumetricBreakIn', undefined]]);
		const both = await srv.get(`${base}/alarms?type=vehicle.alarm.trigger,vehicle.alarm.status`, tok);
		assert.deepEqual(both.body._embedded, r.body._embedded);
		const np = await srv.get(`${base}/alarms`, noPos);
		assert.ok(np.body._embedded.alarms.every((a) => !a.trigger || a.trigger.position === undefined));
	});

	it('paging: next links, indexRange and timestamps', async () => {
		for (const [p, key, n] of [['alerts', 'alerts', 3], ['collisions', 'Collisions', 2], ['alarms', 'alarms', 3]]) {
			const all = (await srv.get(`${base}/${p}`, tok)).body._embedded[key];
			const seen = [];
			let url = `${base}/${p}?pageSize=1`;
			for (let pages = 0; url; pages++) {
				assert.ok(pages <= n, 'runaway paging');
				const r = await srv.get(url, tok);
				assert.equal(r.status, 200, r.text);
				assert.equal(r.body.total, n);
				seen.push(...r.body._embedded[key]);
				url = r.body._links.next?.href;
			}
			assert.deepEqual(seen, all, `${p}: every item once through the next links`);
			const ir = await srv.get(`${base}/${p}?indexRange=1-1`, tok);
			assert.deepEqual(ir.body._embedded[key], all.slice(1, 2));
		}
		// timestamps: what started (or happened) in the interval
		const r = await srv.get(`${base}/alerts?timestamps=${T(1)}/${T(9)}`, tok);
		assert.deepEqual(r.body._embedded.alerts.map((a) => a.startedAt), [T(2)]);
		const c = await srv.get(`${base}/collisions?timestamps=${T(5)}/&timestamps=/${T(1)}`, tok);
		assert.deepEqual(c.body._embedded.Collisions.map((a) => a.createdAt), [T(10)]);
		const c2 = await srv.get(`${base}/collisions?timestamps=${T(1)}/PT1M`, tok);
		assert.deepEqual(c2.body._embedded.Collisions.map((a) => a.createdAt), [T(1)]);
	});

	it('a vehicle with no events has empty lists; another vehicle\'s ids are not found', async () => {
		const other = srv.vehicles.find((v) => v.energy === 'electric');
		const ob = `${B2C}/user/vehicles/${other.id}`;
		const items = (await srv.get(`${base}/collisions`, tok)).body._embedded.Collisions;
		const r = await srv.get(`${ob}/collisions/${items[0].id}`, tok);
		await assertXError(r, 404, { code: 40402, message: /no such collision/ });
		const l = await srv.get(`${ob}/alerts`, tok);
		assert.equal(l.body.total, 0);
	});

	const Z = '0'.repeat(32);
	const bad = [
		// path, status, code, message
		['alerts/123', 400, 40002, /malformed alert id: 52 lowercase hex digits/],
		[() => `alerts/${car.id}0000018fd1a6ba00000G`, 400, 40002, /malformed alert id/],
		[() => `alerts/${car.id.toUpperCase()}0000018fd1a6ba000000`, 400, 40002, /malformed alert id/],
		[() => `alerts/${car.id}0000018fd1a6ba0000000`, 400, 40002, /malformed alert id/],
		[() => `alerts/${car.id}00000000000000000000`, 404, 40402, /no such alert/],
		[`alerts/${Z}00000000000000000000`, 404, 40402, /no such alert/],
		[() => `collisions/${car.id}0000018fd1a6ba0000`, 404, 40402, /no such collision/],
		[() => `collisions/${car.id}0000018fd1a6ba00000`, 400, 40002, /malformed collision id: 50 lowercase hex digits/],
		[() => `alarms/${car.id}ffffffffffffffffff`, 400, 40002, /malformed alarm id/],
		['alarms/x', 400, 40002, /malformed alarm id/],
		['alerts?pageSize=0', 400, 40001, /pageSize/],
		['alerts?pageSize=2001', 400, 40001, /pageSize/],
		['collisions?indexRange=2-1', 400, 40001, /indexRange ends before it starts/],
		['collisions?timestamps=yesterday/', 400, 40005, /RFC 3339/],
		['alarms?type=vehicle.alarm', 400, 40001, /type: unknown value "vehicle.alarm"/],
		['alarms?type=', 400, 40001, /type: empty or overlong item/],
		['alerts?type=vehicle.alarm.status', 400, 40007, /unknown query parameter "type"/],
		['alerts?pageToken=AAAA', 400, 40006, /not one this server made/],
		[`alerts/${Z}00000000000000000000?pageSize=1`, 400, 40007, /unknown query parameter "pageSize"/],
	];
	for (const [p, status, code, message] of bad) {
		it(`GET .../${typeof p === 'string' ? p : p.toString().slice(7, 60)} -> ${status}`, async () => {
			await assertXError(await srv.get(`${base}/${typeof p === 'string' ? p : p()}`, tok), status, { code, message });
		});
	}

	it('the same event found by an alarm id is not a collision', async () => {
		const alarms = (await srv.get(`${base}/alarms`, tok)).body._embedded.alarms;
		await assertXError(await srv.get(`${base}/collisions/${alarms[0].id}`, tok), 404, { code: 40402 });
		const cols = (await srv.get(`${base}/collisions`, tok)).body._embedded.Collisions;
		await assertXError(await srv.get(`${base}/alarms/${cols[0].id}`, tok), 404, { code: 40402 });
	});

	it('a pageToken of one collection is refused by another', async () => {
		const p = await srv.get(`${base}/alerts?pageSize=1`, tok);
		const pt = new URL(p.body._links.next.href).searchParams.get('pageToken');
		await assertXError(await srv.get(`${base}/collisions?pageSize=1&pageToken=${pt}`, tok), 400, { code: 40006 });
		await assertXError(await srv.get(`${base}/alerts?pageSize=1&timestamps=${T(0)}/&pageToken=${pt}`, tok), 400, { code: 40006 });
	});
});

// Owners' quotas (db/quotas.h): what one user or fleet may keep in the
// store. Over a quota, what would be new is refused with 403, code 40304,
// naming the quota, and nothing is written; lowering a quota removes
// nothing; an owner reads its quotas and usage at /user/limits and
// /fleets/{fid}/limits.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertXError } from '../lib/schema.mjs';
import { now } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const fleetAuth = { authorization: basic('fleet', 'fleet') };
const hook = (label) => ({ label, type: ['Monitor'], callback: { webhook: { name: 'q', target: 'https://hooks.example.com/q' } } });
const zone = { name: 'home', zone: { transition: 'Out', place: { radius: 100, center: { latitude: 48.85, longitude: 2.35 } } } };
const timed = { name: 'night', time: { times: [{ recurrence: 'Daily', start: 'PT22H', duration: 'PT1H' }], timeZone: 'UTC' } };

/* The limits answer as { quota: { limit, used } }, its shape checked. */
function limitsOf(r) {
	assert.equal(r.status, 200, r.text);
	assert.ok(Array.isArray(r.body.limits), r.text);
	assert.deepEqual(r.body.limits.map((x) => x.quota), ['callbacks', 'monitors', 'vehicleMonitors', 'timedMonitors',
		'queuedNotifications', 'redeliveriesPerHour', 'idempotencyKeys']);
	for (const x of r.body.limits) {
		assert.ok(Number.isInteger(x.limit) && x.limit >= 0, JSON.stringify(x));
		assert.ok(x.used === undefined || (Number.isInteger(x.used) && x.used >= 0), JSON.stringify(x));
	}
	return Object.fromEntries(r.body.limits.map((x) => [x.quota, { limit: x.limit, used: x.used }]));
}

async function assertOver(r, quota) {
	await assertXError(r, 403, { code: 40304, message: new RegExp(`over the quota ${quota}: \\d+ `) });
}

apiSuite('quotas', (srv, it) => {
	let tok, cars;
	const req = (method, path, body) => srv.request(method, path, { token: tok, body });
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	const monitor = (car, cb, triggers, label = 'm') => req('POST', `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/monitors`,
		{ label, triggerParam: { triggers } });

	it('/user/limits: the defaults, and what the user uses', async () => {
		tok = await srv.token('demo');
		cars = srv.vehicles;
		const l = limitsOf(await srv.get(`${B2C}/user/limits`, tok));
		assert.deepEqual(Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.limit])), {
			callbacks: 100, monitors: 1000, vehicleMonitors: 32, timedMonitors: 100, queuedNotifications: 10000, redeliveriesPerHour: 60,
			idempotencyKeys: 10000 });
		assert.equal(l.callbacks.used, 0);
		await assertXError(await srv.get(`${B2C}/user/limits?pageSize=1`, tok), 400, { code: 40007, message: /unknown query parameter / });
		await assertXError(await srv.get(`${B2C}/user/limits`), 401, {});
	});

	it('callbacks: over the quota a new one is refused (403 40304) and not made; lowering it removes none', async () => {
		await srv.cvctl(['user', 'limits', 'demo', '--callbacks', '2']);
		const made = [];
		for (const label of ['a', 'b']) {
			const r = await req('POST', `${B2C}/user/callbacks`, hook(label));
			assert.equal(r.status, 200, r.text);
			made.push(r.body.callbackId);
		}
		await assertOver(await req('POST', `${B2C}/user/callbacks`, hook('c')), 'callbacks');
		const list = await srv.get(`${B2C}/user/callbacks`, tok);
		assert.equal(list.body.total, 2, 'the refused one was not made');
		assert.equal(limitsOf(await srv.get(`${B2C}/user/limits`, tok)).callbacks.used, 2);
		const out = await srv.cvctl(['user', 'limits', 'demo', '--callbacks', '1']);
		assert.match(out, /callbacks=1\/used=2/);
		assert.equal((await srv.get(`${B2C}/user/callbacks`, tok)).body.total, 2, 'lowering removes nothing');
		assert.equal((await req('DELETE', `${B2C}/user/callbacks/${made[1]}`)).status, 204);
		await assertOver(await req('POST', `${B2C}/user/callbacks`, hook('d')), 'callbacks');
		await srv.cvctl(['user', 'limits', 'demo', '--callbacks', 'default']);
		assert.equal((await req('POST', `${B2C}/user/callbacks`, hook('e'))).status, 200, 'back to the default');
	});

	it('monitors on one vehicle, and timed monitors: each its own quota; a change that makes one timed counts too', async () => {
		await srv.cvctl(['user', 'limits', 'demo', '--vehicle-monitors', '2', '--timed-monitors', '1']);
		const cb = (await req('POST', `${B2C}/user/callbacks`, hook('mons'))).body.callbackId;
		for (let i = 0; i < 2; i++)
			assert.equal((await monitor(cars[0], cb, [zone])).status, 202);
		await assertOver(await monitor(cars[0], cb, [zone]), 'vehicleMonitors');
		assert.equal((await monitor(cars[1], cb, [zone])).status, 202, 'another vehicle has its own');
		const t = await monitor(cars[1], cb, [timed]);
		assert.equal(t.status, 202, t.text);
		await assertOver(await monitor(cars[2], cb, [timed]), 'timedMonitors');
		// a refreshEvent is the timer's work too
		await assertOver(await req('POST', `${B2C}/user/vehicles/${cars[2].id}/callbacks/${cb}/monitors`,
			{ label: 'r', triggerParam: { triggers: [zone] }, subscribeParam: { refreshEvent: 60 } }), 'timedMonitors');
		const plain = await monitor(cars[2], cb, [zone]);
		assert.equal(plain.status, 202, 'a monitor without a time trigger');
		const put = await req('PUT', `${B2C}/user/vehicles/${cars[2].id}/callbacks/${cb}/monitors/${plain.body.monitorId}`,
			{ label: 'm', triggerParam: { triggers: [zone, timed] } });
		await assertOver(put, 'timedMonitors');
		const l = limitsOf(await srv.get(`${B2C}/user/limits`, tok));
		assert.deepEqual([l.vehicleMonitors.used, l.timedMonitors.used, l.monitors.used], [2, 1, 5]);
		await srv.cvctl(['user', 'limits', 'demo', '--default']);
	});

	it('redeliveries an hour: over the quota, 403 with Retry-After; nothing counted for a refused one', async () => {
		await srv.cvctl(['user', 'limits', 'demo', '--redeliveries', '0']);
		const cb = (await req('POST', `${B2C}/user/callbacks`, hook('redo'))).body.callbackId;
		const r = await req('POST', `${B2C}/user/callbacks/${cb}/deliveries/${'0'.repeat(32)}/redeliver`);
		await assertOver(r, 'redeliveriesPerHour');
		const wait = Number(r.headers.get('retry-after'));
		assert.ok(wait >= 1 && wait <= 3600, `Retry-After ${wait}`);
		await srv.cvctl(['user', 'limits', 'demo', '--redeliveries', '5']);
		await assertXError(await req('POST', `${B2C}/user/callbacks/${cb}/deliveries/${'0'.repeat(32)}/redeliver`), 404, {});
		assert.equal(limitsOf(await srv.get(`${B2C}/user/limits`, tok)).redeliveriesPerHour.used, 0, 'a redelivery that failed is not counted');
		await srv.cvctl(['user', 'limits', 'demo', '--default']);
	});

	it('the fleet face: /fleets/{fid}/limits, and a fleet\'s monitors quota', async () => {
		let l = limitsOf(await freq('GET', `${B2B}/fleets/${FLEET}/limits`));
		assert.equal(l.monitors.used, 0);
		await srv.cvctl(['fleet', 'limits', FLEET, '--monitors', '1']);
		const body = { label: 'yard', subscribeParam: { callback: { webhook: { name: 'q', target: 'https://hooks.example.com/q' } } },
			triggerParam: { triggers: [zone] } };
		const first = await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, body);
		assert.equal(first.status, 202, first.text);
		await assertOver(await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, body), 'monitors');
		l = limitsOf(await freq('GET', `${B2B}/fleets/${FLEET}/limits`));
		assert.deepEqual([l.monitors.limit, l.monitors.used, l.callbacks.used], [1, 1, 0], 'a fleet monitor\'s own webhook is not a callback of the quota');
		// the user's quotas are the user's: its monitors count nothing here
		assert.equal((await srv.get(`${B2C}/user/limits`, tok)).status, 200);
		assert.equal((await freq('GET', `${B2B}/fleets/other-fleet/limits`)).status, 403);
		await srv.cvctl(['fleet', 'limits', FLEET, '--default']);
	});

	it('a callback\'s queue at its quota: uploads are stored, new firings dropped and logged; deleting it is immediate', async () => {
		await srv.cvctl(['user', 'limits', 'demo', '--queued', '2']);
		const cb = (await req('POST', `${B2C}/user/callbacks`, hook('queue'))).body.callbackId;
		const car = cars[cars.length - 1];
		const fuelBelow = { name: 'low', data: { data: 'vehicle.energy.fuel.level', op: 'lowerThan', value: ['10'] } };
		assert.equal((await monitor(car, cb, [fuelBelow])).status, 202);
		// nothing delivers here (no cvnotify): every firing stays queued
		const t0 = now() - 3600000;
		const sample = (sec, level) => ({ at: new Date(t0 + sec * 1000).toISOString(), fuel: { level, autonomy: 300 } });
		for (let k = 0; k < 3; k++) {
			const u = await srv.upload(car.vin, car.cred, { messageId: `q-${k}`, samples: [sample(20 * k, 50), sample(20 * k + 10, 5)] });
			assert.equal(u.status, 200, `upload ${k} stored whatever the queue: ${u.text}`);
		}
		const l = limitsOf(await srv.get(`${B2C}/user/limits`, tok));
		assert.deepEqual(l.queuedNotifications, { limit: 2, used: 2 });
		const log = await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, tok);
		assert.equal(log.status, 200, log.text);
		const dropped = log.body._embedded.deliveries.filter((d) => d.outcome === 'Dropped');
		assert.equal(dropped.length, 1, log.text);
		assert.equal(dropped[0].events, 1);
		assert.equal(dropped[0].webhookId, undefined, 'never a message');
		assert.match(dropped[0].error, /queue holds 2 notifications, its quota \(queuedNotifications\)/);
		// deleted: its queue and log are out of sight at once, swept after the answer
		assert.equal((await req('DELETE', `${B2C}/user/callbacks/${cb}`)).status, 204);
		await assertXError(await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, tok), 404, {});
		assert.equal(limitsOf(await srv.get(`${B2C}/user/limits`, tok)).queuedNotifications.used, 0);
		assert.match(await srv.cvctl(['purge', '--verbose']), /^0 deleted callback\(s\) left to sweep$/m);
		await srv.cvctl(['user', 'limits', 'demo', '--default']);
	});

	it('cvctl user limits and fleet limits refuse a bad value or an unknown owner', async () => {
		for (const [args, code] of [[['user', 'limits', 'demo', '--monitors', '-1'], 2], [['user', 'limits', 'demo', '--monitors', 'lots'], 2],
			[['user', 'limits', 'demo', '--monitors', '10000001'], 2], [['user', 'limits', 'nobody-here'], 1],
			[['fleet', 'limits', 'no-fleet', '--callbacks', '3'], 1], [['user', 'limits', 'demo', '--default', '--monitors', '3'], 2]]) {
			const r = await srv.cvctlRun(args);
			assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
			assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		}
	});
});

// Monitors end to end: uploads through the real web server fire monitors
// in the upload transaction, the real cvnotify delivers the outbox to a
// real local receiver. Bodies are checked against the official webhook
// templates, signatures the Standard Webhooks way; order, retries,
// at-least-once across a kill -9 of cvnotify, paused callbacks, and the
// address guard.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, descendantsOf, SRCDIR } from '../lib/server.mjs';
import { assertSchema } from '../lib/schema.mjs';
import { receiver, startNotify, verifySignature } from '../lib/notify.mjs';
import { now } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const fleetAuth = { authorization: basic('fleet', 'fleet') };
const HOME = { latitude: 48.8566, longitude: 2.3522 };
// the first car's history: a month before the programs' today, at 08:00 UTC
const T0 = (Math.floor(now() / 86400000) - 35) * 86400000 + 8 * 3600000;
const T = (sec) => new Date(T0 + sec * 1000).toISOString();
const at = (sec, lat, fuel) => ({ at: T(sec), position: { lat, lon: HOME.longitude }, ...(fuel === undefined ? {} : { fuel: { level: fuel, autonomy: 300 } }) });
// 48.8566 is home; 0.02 degrees north is 2.2 km away
const IN = HOME.latitude, OUT = HOME.latitude + 0.02;
// the template's dateTime format is RFC 3339 date-time (spec/README)
const templateDefects = [/unknown format "dateTime"/];

/* The delivery log once pred(body) holds: cvnotify writes an entry after the receiver had the request. */
async function logUntil(get, pred, what) {
	for (let i = 0; ; i++) {
		const r = await get();
		assert.equal(r.status, 200, r.text);
		if (pred(r.body))
			return r;
		assert.ok(i < 200, `${what} within 10 s: ${r.text}`);
		await new Promise((res) => setTimeout(res, 50));
	}
}

apiSuite('notify', (srv, it) => {
	let tok, car, rx, nd, cb, secret, timed, msg = 0;
	const req = (method, path, body, t = tok) => srv.request(method, path, { token: t, body });
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	const upload = async (samples, v = car) => {
		const r = await srv.upload(v.vin, v.cred, { messageId: `n-${++msg}`, samples });
		assert.equal(r.status, 200, r.text);
		return r;
	};
	const monitors = () => `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/monitors`;
	const monitor = async (triggerParam, extra = {}) => {
		const r = await req('POST', monitors(), { label: 'test', triggerParam, extendedEventParam: ['vehicle.position', 'vehicle.alerts'], ...extra });
		assert.equal(r.status, 202, r.text);
		return r.body.monitorId;
	};
	const zone = (name, transition = 'Out') => ({ name, zone: { transition, place: { radius: 1, center: HOME } } });
	const fuelBelow = (name, v) => ({ name, data: { data: 'vehicle.energy.fuel.level', op: 'lowerThan', value: [String(v)] } });
	const forMonitor = (id) => rx.delivered().filter((g) => g.body?.monitorEvent?.monitorId === id);

	it('set-up: a receiver, cvnotify, a callback with attributes', async () => {
		tok = await srv.token('demo');
		car = srv.vehicles[0];
		rx = await receiver();
		nd = await startNotify(srv);
		const r = await req('POST', `${B2C}/user/callbacks`, { label: 'hooks', type: ['Monitor'], callback: { webhook: { name: 'rx', target: `${rx.url}?team=1`,
			attributes: [{ type: 'Header', key: 'X-Api-Key', value: 'k3y' }, { type: 'Query', key: 'car', value: '$vin' },
				{ type: 'Body', key: 'team', value: 'blue' }] } } });
		assert.equal(r.status, 200, r.text);
		cb = r.body.callbackId;
		secret = r.body.signingSecret;
		// a known start: at home, fuel high
		await upload([at(0, IN, 80)]);
	});

	it('a vehicle driven out of a zone: exactly one notification, per the template, signed, with the attributes', async () => {
		const id = await monitor({ triggers: [zone('home')] });
		await upload([at(10, IN, 80), at(20, OUT, 80), at(30, OUT + 0.01, 80)]);
		const [got] = await rx.until(() => forMonitor(id).length >= 1, 20000, 'the zone notification').then(() => forMonitor(id));
		const m = got.body;
		await assertSchema(m, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
		assert.equal(m.callbackId, cb);
		assert.equal(m.type, 'Monitor');
		assert.equal(m.date, T(20).replace('.000Z', 'Z'));
		assert.equal(m.monitorEvent.refresh, false);
		assert.deepEqual(m.attributes, [{ key: 'team', value: 'blue' }]);
		assert.equal(m.monitorEvent.extensions[0].type, 'vehicle.position');
		assert.equal(m.monitorEvent.extensions[0].body[0].position.geometry.coordinates[1], OUT);
		assert.equal(got.headers['x-api-key'], 'k3y', 'the Header attribute');
		assert.equal(got.headers['content-type'], 'application/json');
		assert.equal(got.url, `/hook?team=1&car=${car.vin}`, 'the Query attribute, its variable filled in');
		assert.ok(verifySignature(secret, got.headers, got.text), 'a valid Standard Webhooks signature');
		assert.ok(!verifySignature(secret, got.headers, got.text.replace('blue', 'bluf')), 'the signature covers the body');
		assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - now() / 1000) < 60);
		// still outside, then a later sample: no second one (no refreshEvent)
		await upload([at(40, OUT, 80)]);
		// the next firing of another monitor arrives after anything this upload could have sent
		const probe = await monitor({ triggers: [fuelBelow('f', 50)] });
		await upload([at(50, OUT, 40)]);
		await rx.until(() => forMonitor(probe).length >= 1, 20000, 'the probe');
		assert.equal(forMonitor(id).length, 1, 'one notification for one exit');
		assert.ok(!nd.log().includes('k3y'), 'header values are never logged');
		for (const x of [id, probe])
			assert.equal((await req('DELETE', `${monitors()}/${x}`)).status, 204);
	});

	it('a data trigger (fuel below 10%) fires on the transition, with the value that fired it', async () => {
		const id = await monitor({ triggers: [fuelBelow('low', 10)] });
		await upload([at(100, IN, 30), at(110, IN, 9.5), at(120, IN, 8)]);
		const [got] = await rx.until(() => forMonitor(id).length >= 1).then(() => forMonitor(id));
		await assertSchema(got.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
		assert.deepEqual(got.body.monitorEvent.values, [{ data: 'vehicle.energy.fuel.level', value: { type: 'string', body: { literalValue: '9.5' } } }]);
		assert.equal(got.body.date, T(110).replace('.000Z', 'Z'));
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('boolExp: !, | and parentheses decide', async () => {
		// fires when out of the zone with fuel not low, or in the zone with low fuel
		const id = await monitor({ triggers: [zone('out'), fuelBelow('low', 20)], boolExp: '(out & !low) | (!out & low)' });
		await upload([at(200, IN, 50)]);                      // in, fuel ok: false
		await upload([at(210, OUT, 15)]);                     // out, low: false
		await upload([at(220, OUT, 50)]);                     // out, ok: true -> fires
		await upload([at(230, IN, 50)]);                      // false
		await upload([at(240, IN, 10)]);                      // in, low: true -> fires
		await rx.until(() => forMonitor(id).length >= 2);
		assert.deepEqual(forMonitor(id).map((g) => g.body.date), [T(220), T(240)].map((s) => s.replace('.000Z', 'Z')));
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('a time window opens with no upload: the timer fires it, once', async () => {
		await upload([at(250, IN, 50)]);                      // at home
		const opens = new Date(Math.ceil(now() / 1000) * 1000 + 2000);
		const id = timed = await monitor({ triggers: [{ name: 'fuel', data: { data: 'vehicle.energy.fuel.level', op: 'greaterThan', value: ['1'] } },
			{ name: 'soon', time: { times: [{ recurrence: 'None', start: opens.toISOString() }], timeZone: 'UTC' } }], boolExp: 'fuel & soon' });
		const g = await srv.get(`${monitors()}/${id}`, tok);
		assert.deepEqual(g.body.monitor.triggerParam.triggers[1], { name: 'soon', time: { times: [{ recurrence: 'None', start: opens.toISOString().replace('.000Z', 'Z') }], timeZone: 'UTC' } });
		const [got] = await rx.until(() => forMonitor(id).length >= 1, 30000, 'the timer\'s notification').then(() => forMonitor(id));
		await assertSchema(got.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
		assert.ok(Date.parse(got.body.date) >= opens.getTime(), `fired when the window opened (${got.body.date}), not before`);
		assert.equal(got.body.monitorEvent.refresh, false);
		// it stays true (fuel stays above 1%) through the tests below: checked at the end
	});

	it('a paused callback is sent nothing; resumed, it gets what fires next', async () => {
		const id = await monitor({ triggers: [zone('home')] });
		assert.equal((await req('PUT', `${B2C}/user/callbacks/${cb}/status`, { status: 'Paused' })).status, 202);
		await upload([at(300, IN, 50), at(310, OUT, 50)]);
		await nd.waitLog(/dropped 1 notification\(s\) of paused callbacks/);
		assert.equal((await req('PUT', `${B2C}/user/callbacks/${cb}/status`, { status: 'Running' })).status, 202);
		await upload([at(320, IN, 50), at(330, OUT, 50)]);
		await rx.until(() => forMonitor(id).length >= 1);
		assert.deepEqual(forMonitor(id).map((g) => g.body.date), [T(330).replace('.000Z', 'Z')], 'only what fired while running');
		// the delivery log keeps the dropped one, which can be sent again
		const log = await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, tok);
		assert.equal(log.status, 200, log.text);
		const dropped = log.body._embedded.deliveries.find((d) => d.outcome === 'Dropped');
		assert.ok(dropped, JSON.stringify(log.body));
		assert.equal(dropped.error, 'the callback is paused (or polled: nothing is delivered)');
		assert.equal(dropped.events, 1);
		const again = await srv.request('POST', dropped._links.redeliver.href, { token: tok });
		assert.equal(again.status, 202, again.text);
		assert.deepEqual(again.body, { queued: 1 });
		await rx.until(() => forMonitor(id).length >= 2, 20000, 'the redelivery');
		assert.equal(forMonitor(id)[1].body.date, T(310).replace('.000Z', 'Z'), 'the dropped event, sent again');
		assert.notEqual(forMonitor(id)[1].headers['webhook-id'], dropped.webhookId, 'as a new message');
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('refreshEvent: reminders by sample time while the condition holds, refresh true', async () => {
		const id = await monitor({ triggers: [fuelBelow('low', 10)] }, { subscribeParam: { refreshEvent: 60 } });
		await upload([at(400, IN, 50), at(410, IN, 5), at(440, IN, 5), at(470, IN, 5), at(530, IN, 5)]);
		await rx.until(() => forMonitor(id).length >= 3);
		// (these samples are a month old: the timer may add a reminder of its own, dated now, after them)
		assert.deepEqual(forMonitor(id).slice(0, 3).map((g) => [g.body.date, g.body.monitorEvent.refresh]),
			[[T(410), false], [T(470), true], [T(530), true]].map(([d, r]) => [d.replace('.000Z', 'Z'), r]));
		assert.ok(forMonitor(id).slice(3).every((g) => g.body.monitorEvent.refresh === true));
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('kill -9 of cvnotify in a burst: after its restart every event arrives, none lost, repeats with the same webhook-id', async () => {
		const id = await monitor({ triggers: [zone('home')] });
		const samples = [];
		for (let i = 0; i < 40; i++)
			samples.push(at(600 + 2 * i, i % 2 ? OUT : IN, 50));
		await upload(samples);                                // 20 exits: 20 notifications queued at once
		await rx.until(() => forMonitor(id).length >= 3);
		await nd.kill('SIGKILL');
		nd = await startNotify(srv);
		await rx.until(() => new Set(forMonitor(id).map((g) => g.headers['webhook-id'])).size >= 20, 30000, '20 distinct events');
		const got = forMonitor(id);
		const byId = new Map();
		for (const g of got) {
			const prev = byId.get(g.headers['webhook-id']);
			if (prev)
				assert.equal(prev.text.replace(/"date":"[^"]*"/, ''), g.text.replace(/"date":"[^"]*"/, ''), 'a repeat carries the same event');
			byId.set(g.headers['webhook-id'], g);
		}
		const dates = [...byId.values()].map((g) => g.body.date);
		assert.deepEqual(dates, [...dates].sort(), 'in the order they were raised');
		assert.equal(byId.size, 20);
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('kill -9 of the upload backend mid-upload: each exit notified exactly once, none for what was not stored', async () => {
		const id = await monitor({ triggers: [zone('home')] });
		const ingest = () => descendantsOf(srv.ws.process.pid).filter((p) => p.cmd.endsWith('/cvapi-ingest.fcgi'));
		const N = 12;
		let kills = 0;
		for (let i = 0; i < N; i++) {
			const body = { messageId: `crash-${i}`, samples: [at(700 + 4 * i, IN, 50), at(702 + 4 * i, OUT, 50)] };
			const t0 = Date.now();
			for (let tries = 0; ; tries++) {
				assert.ok(Date.now() - t0 < 15000, `upload ${i} not acknowledged within 15 s`);
				// the web server answers 5xx while it starts the backends again: a vehicle retries a little later
				if (tries)
					await new Promise((res) => setTimeout(res, 50));
				const p = srv.upload(car.vin, car.cred, body).catch(() => ({ status: 0 }));
				if (i % 3 === 1 && tries === 0) {
					// killed while the upload is on its way: it may or may not have been stored
					for (const proc of ingest()) {
						try { process.kill(proc.pid, 'SIGKILL'); kills++; } catch { /* gone */ }
					}
				}
				const r = await p;
				if (r.status === 200)
					break;                      // sent again until acknowledged, as a vehicle does
			}
		}
		assert.ok(kills > 0, 'backends were killed');
		// the recovery after a death ends every process of the store, cvnotify too: its supervisor starts it again
		if (nd.child.exitCode !== null || nd.child.signalCode !== null)
			nd = await startNotify(srv);
		// and the other programs, which the web server starts again on the next request
		for (const t0 = Date.now(); (await srv.get(`${B2C}/user/callbacks/${cb}`, tok)).status !== 200;) {
			assert.ok(Date.now() - t0 < 15000, 'cvapi-callbacks answers again within 15 s');
			await new Promise((res) => setTimeout(res, 50));
		}
		const distinct = () => [...new Map(forMonitor(id).map((g) => [g.headers['webhook-id'], g])).values()];
		await rx.until(() => distinct().length >= N, 30000, `${N} exits notified`);
		// a cvnotify ended by the recovery may send again what it had not recorded: the same message, same
		// webhook-id, which a receiver drops; a second message for one exit would be a retried upload stored twice
		const want = Array.from({ length: N }, (_, i) => T(702 + 4 * i).replace('.000Z', 'Z'));
		assert.deepEqual(distinct().map((g) => g.body.date), want, 'one message per exit, in order: none lost, none doubled');
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
	});

	it('a fleet monitor with a bounded retry policy: the receiver fails for a while, then every event arrives, in order, batched', async () => {
		rx.respond = 500;
		const r = await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, { label: 'fleet out', subscribeParam: {
			retryPolicy: { policy: 'Bounded', retryNumber: 20, retryDelay: 1 }, batchNotify: { size: 3, timeWindow: 5 },
			callback: { webhook: { name: 'rx', target: rx.fleetMonitorUrl, attributes: [{ type: 'Header', key: 'X-Fleet', value: '$fleetId' }] } } },
		triggerParam: { triggers: [zone('home')] } });
		assert.equal(r.status, 202, r.text);
		const fid = r.body.monitorId, fsecret = r.body.signingSecret;
		const mine = () => rx.got.filter((g) => g.body?.monitorId === fid);
		await upload([at(800, IN, 50), at(810, OUT, 50), at(820, IN, 50), at(830, OUT, 50), at(840, IN, 50), at(850, OUT, 50)]);
		await rx.until(() => mine().length >= 2, 20000, 'two failed attempts');
		rx.respond = 200;
		await rx.until(() => mine().some((g) => g.status === 200), 20000, 'a delivery');
		const ok = mine().filter((g) => g.status === 200);
		const failed = mine().filter((g) => g.status !== 200);
		assert.equal(ok.length, 1, 'one request carries the batch');
		const b = ok[0].body;
		await assertSchema(b, 'MonitorEvents', { doc: 'webhook-b2b', ignore: templateDefects });
		assert.deepEqual(b.events.map((e) => e.eventDate), [T(810), T(830), T(850)].map((s) => s.replace('.000Z', 'Z')));
		assert.ok(b.events.every((e) => e.fleetId === FLEET && e.vin === car.vin));
		assert.equal(ok[0].headers['x-fleet'], FLEET);
		assert.ok(failed.every((g) => g.headers['webhook-id'] === ok[0].headers['webhook-id'] && g.text === ok[0].text),
			'every attempt of the batch is the same request, under the same webhook-id');
		assert.ok(verifySignature(fsecret, ok[0].headers, ok[0].text));
		// the delivery log: every attempt, newest first
		const LOG = `${B2B}/fleets/${FLEET}/monitors/${fid}/deliveries`;
		const log = await logUntil(() => freq('GET', LOG), (body) => body._embedded.deliveries.some((d) => d.outcome === 'Delivered'),
			'the delivery logged');
		const entries = log.body._embedded.deliveries;
		assert.equal(log.body.total, failed.length + 1);
		assert.deepEqual(entries.map((d) => d.outcome), ['Delivered', ...failed.map(() => 'Failed')]);
		assert.deepEqual(entries.map((d) => d.attempt), entries.map((d, i) => entries.length - i));
		assert.ok(entries.every((d) => d.webhookId === ok[0].headers['webhook-id'] && d.events === 3));
		assert.equal(entries[0].status, 200);
		assert.ok(entries.slice(1).every((d) => d.status === 500 && d.error === 'HTTP 500' && !d._links));
		assert.ok(entries.every((d) => Number.isInteger(d.latencyMs) && !Number.isNaN(Date.parse(d.at))));
		// a retried attempt cannot be sent again; the delivered batch can
		const failedId = entries[1].id;
		const c409 = await freq('POST', `${LOG}/${failedId}/redeliver`);
		assert.equal(c409.status, 409, c409.text);
		assert.match(c409.body.message, /was retried/);
		assert.equal((await freq('POST', `${LOG}/nothex/redeliver`)).status, 400);
		assert.equal((await freq('POST', `${LOG}/${'0'.repeat(32)}/redeliver`)).status, 404);
		const re = await freq('POST', `${LOG}/${entries[0].id}/redeliver`);
		assert.equal(re.status, 202, re.text);
		assert.deepEqual(re.body, { queued: 3 });
		await rx.until(() => mine().filter((g) => g.status === 200).length >= 2, 20000, 'the batch sent again');
		const second = mine().filter((g) => g.status === 200)[1];
		assert.deepEqual(second.body.events, b.events, 'the same events');
		assert.notEqual(second.headers['webhook-id'], ok[0].headers['webhook-id']);
		// another user's token cannot read a fleet's log; another fleet's path is not this one
		assert.equal((await srv.get(`${B2C}/user/callbacks/${fid}/deliveries`, tok)).status, 404);
		assert.equal((await freq('DELETE', `${B2B}/fleets/${FLEET}/monitors/${fid}`)).status, 204);
	});

	it('the address guard: a target that resolves to loopback is refused unless allowed, and the policy gives up', async () => {
		await nd.stop();
		nd = await startNotify(srv, { env: { CVAPI_NOTIFY_ALLOW: '' } });
		const r = await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, { label: 'guarded', subscribeParam: {
			retryPolicy: { policy: 'None' }, callback: { webhook: { name: 'rx', target: `http://localhost:${rx.port}/guarded` } } },
		triggerParam: { triggers: [zone('home')] } });
		assert.equal(r.status, 202, r.text);
		const gid = r.body.monitorId;
		await upload([at(900, IN, 50), at(910, OUT, 50)]);
		await nd.waitLog(new RegExp(`${gid} .*the address of the target is not allowed.*attempt 2 of 2`));
		await nd.waitLog(new RegExp(`${gid} .*given up`));
		assert.equal(rx.got.filter((g) => g.url.startsWith('/guarded')).length, 0, 'nothing reached the receiver');
		const g = await freq('GET', `${B2B}/fleets/${FLEET}/monitors/${gid}`);
		assert.equal(g.status, 200);
		await nd.stop();
		nd = await startNotify(srv);
		// what the tests below upload must not reach /guarded once loopback is allowed again
		assert.equal((await freq('DELETE', `${B2B}/fleets/${FLEET}/monitors/${gid}`)).status, 204);
	});

	it('every extendedEventParam on each face: each extension\'s body has its face\'s template shape (an array on the user face, an object on the fleet face)', async () => {
		// every name each face takes, and a telemetry type (the fleet face's table and the user face's take both)
		const b2cExt = ['vehicle.doorsState', 'vehicle.status', 'vehicle.maintenance', 'vehicle.position', 'vehicle.telemetry',
			'vehicle.alerts', 'vehicle.alarm', 'vehicle.trip', 'vehicle.telemetry.vehicle.energies'];
		const b2bExt = ['vehicle.doorsState', 'vehicle.status', 'vehicle.maintenance', 'vehicle.position', 'vehicle.telemetry',
			'vehicle.alerts', 'vehicle.collisions', 'vehicle.trip', 'vehicle.stolen', 'vehicle.telemetry.vehicle.energies'];
		const id = await monitor({ triggers: [zone('home')] }, { extendedEventParam: b2cExt });
		const f = await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, { label: 'every extension', extendedEventParam: b2bExt,
			subscribeParam: { callback: { webhook: { name: 'rx', target: rx.fleetMonitorUrl } } }, triggerParam: { triggers: [zone('home')] } });
		assert.equal(f.status, 202, f.text);
		const fid = f.body.monitorId;
		const fleetGot = () => rx.delivered().filter((g) => g.body?.monitorId === fid);
		// at home with something of every kind known, then out of the zone
		await upload([{ ...at(1000, IN, 60), ignition: 'Start', speed: 30, odometer: 12000, doors: { locked: 'Locked', open: [] },
			maintenance: { days: 100, km: 9000 }, events: [{ type: 'alert', alert: 'AddWasherFluid', active: true },
				{ type: 'collision', details: [{ side: 'Front', severity: 'Minor' }] }, { type: 'alarm', activation: 'Active' },
				{ type: 'theft', active: true }] }, at(1010, OUT, 60)]);
		await rx.until(() => forMonitor(id).length >= 1 && fleetGot().length >= 1, 20000, 'both faces\' notifications');
		// (the receiver has checked each body against its face's template)
		const user = forMonitor(id)[0].body.monitorEvent.extensions;
		const fleet = fleetGot()[0].body.events[0].extensions;
		assert.deepEqual(user.map((x) => x.type), b2cExt, 'the user face: one extension per name asked, in order');
		assert.deepEqual(fleet.map((x) => x.type), b2bExt, 'the fleet face: one extension per name asked, in order');
		assert.ok(user.every((x) => Array.isArray(x.body) && x.body.length === 1), `each a list of one item: ${JSON.stringify(user)}`);
		assert.ok(fleet.every((x) => x.body && typeof x.body === 'object' && !Array.isArray(x.body)), `each an object: ${JSON.stringify(fleet)}`);
		// the same data on both faces, in each face's shape
		const byType = (list, t) => list.find((x) => x.type === t).body;
		for (const t of b2cExt.filter((x) => b2bExt.includes(x)))
			assert.deepEqual(byType(fleet, t), byType(user, t)[0], `${t}: the same data`);
		assert.equal(byType(fleet, 'vehicle.position').position.geometry.coordinates[1], OUT);
		assert.deepEqual(byType(fleet, 'vehicle.alerts').alerts.map((a) => a.type), ['AddWasherFluid']);
		assert.equal(byType(fleet, 'vehicle.collisions').collisions.details[0].side, 'Front');
		assert.equal(byType(fleet, 'vehicle.stolen').stolen.stolen, true);
		assert.equal(byType(user, 'vehicle.alarm')[0].alarm.activation, 'Active');
		assert.ok(byType(fleet, 'vehicle.trip').trip, 'the trip under way');
		assert.ok(byType(fleet, 'vehicle.doorsState').doorState, 'the doors');
		assert.ok(byType(fleet, 'vehicle.maintenance').maintenance, 'the maintenance');
		assert.equal((await req('DELETE', `${monitors()}/${id}`)).status, 204);
		assert.equal((await freq('DELETE', `${B2B}/fleets/${FLEET}/monitors/${fid}`)).status, 204);
		// found again, and the trip ended, for the tests below
		await upload([{ ...at(1020, OUT, 60), ignition: 'Stop', speed: 0, events: [{ type: 'theft', active: false }] }]);
	});

	it('one cvnotify per store: a second one waits for the first', async () => {
		const second = await startNotify(srv, { ready: /another cvnotify delivers this store: waiting/ });
		const end = await second.stop();
		assert.equal(end.code, 0, second.log());
		assert.ok(!/delivering the outbox/.test(second.log()), 'it never delivered');
	});

	it('refreshEvent while the vehicle is silent: the timer sends the reminder', { timeout: 150000 }, async () => {
		// another car, with samples of now (the first car's history is a month old)
		const car2 = srv.vehicles[1];
		const r = await req('POST', `${B2C}/user/vehicles/${car2.id}/callbacks/${cb}/monitors`, { label: 'silent',
			subscribeParam: { refreshEvent: 60 }, triggerParam: { triggers: [{ name: 'parked', data: { data: 'vehicle.kinetic.speed', op: 'lowerThan', value: ['1'] } }] } });
		assert.equal(r.status, 202, r.text);
		const id = r.body.monitorId;
		const t = now();
		const u = await srv.upload(car2.vin, car2.cred, { messageId: 'silent-1', samples: [
			{ at: new Date(t - 2000).toISOString(), speed: 30 }, { at: new Date(t - 1000).toISOString(), speed: 0 }] });
		assert.equal(u.status, 200, u.text);
		await rx.until(() => forMonitor(id).length >= 2, 120000, 'a reminder from the timer');
		const [first, second] = forMonitor(id);
		assert.equal(first.body.monitorEvent.refresh, false);
		assert.equal(second.body.monitorEvent.refresh, true);
		const gap = Date.parse(second.body.date) - Date.parse(first.body.date);
		assert.ok(gap >= 60000 && gap < 70000, `the reminder came refreshEvent after the firing (${gap} ms), with no upload`);
		assert.equal((await req('DELETE', `${B2C}/user/vehicles/${car2.id}/callbacks/${cb}/monitors/${id}`)).status, 204);
	});

	it('the time monitor, true since its window opened many timer turns ago, fired once', async () => {
		assert.equal(forMonitor(timed).length, 1, 'one notification for one opening');
		assert.equal((await req('DELETE', `${monitors()}/${timed}`)).status, 204);
	});

	it('set-down: cvnotify stops cleanly', async () => {
		const end = await nd.stop();
		assert.equal(end.code, 0, nd.log());
		await rx.close();
	});
});

// A firing whose event would exceed what a notification may hold is not
// queued, and the upload that fired it is stored all the same: the firing
// shows as Dropped in the callback's delivery log, and in the log. The
// largest event a monitor can ask for (vehicle.alerts 16 times, every
// alert active: about 125 KB) fits under the outbox's 128 KB; the programs
// here are given a ceiling of 64 KB (CVAPI_NOTE_MAX).
apiSuite('notify (an event larger than a notification may hold)', { env: { CVAPI_NOTE_MAX: '65536' } }, (srv, it) => {
	const enums = readFileSync(join(SRCDIR, 'core', 'enums.c'), 'utf8');
	const alertNames = [...enums.match(/cv_alert_names\[\] = \{([^}]*)\}/)[1].matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]);

	it('the upload is stored, the firing dropped and logged, the callback\'s other monitor notified', { timeout: 60000 }, async () => {
		const car = await srv.addUserWithVehicle('bignote', 'VR3CEXLNG00000001');
		const req = (method, path, body) => srv.request(method, path, { token: car.token, body });
		const rx = await receiver();
		const nd = await startNotify(srv);
		try {
			const c = await req('POST', `${B2C}/user/callbacks`, { label: 'hooks', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } });
			assert.equal(c.status, 200, c.text);
			const cb = c.body.callbackId;
			const monitors = `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/monitors`;
			const full = { triggers: [{ name: 'full', data: { data: 'vehicle.energy.fuel.level', op: 'greaterThan', value: ['95'] } }] };
			const big = await req('POST', monitors, { label: 'big', triggerParam: full, extendedEventParam: Array(16).fill('vehicle.alerts') });
			assert.equal(big.status, 202, big.text);
			const small = await req('POST', monitors, { label: 'small', triggerParam: full, extendedEventParam: ['vehicle.position'] });
			assert.equal(small.status, 202, small.text);
			// every alert raised, 8 a sample, then the tank filled
			const t0 = Math.floor(now() / 1000) * 1000 - 600000;
			const at = (i) => new Date(t0 + i * 1000).toISOString();
			const samples = [];
			for (let i = 0; i < alertNames.length; i += 8)
				samples.push({ at: at(samples.length), position: { lat: 48.8566, lon: 2.3522 }, fuel: { level: 50, autonomy: 300 },
					events: alertNames.slice(i, i + 8).map((alert) => ({ type: 'alert', alert, active: true })) });
			samples.push({ at: at(100), fuel: { level: 97, autonomy: 600 } });
			const u = await srv.upload(car.vin, car.cred, { messageId: 'big-1', samples });
			assert.equal(u.status, 200, u.text);
			assert.equal(u.body.accepted, samples.length);
			// stored: the status and the alerts say so
			const s = await srv.get(`${B2C}/user/vehicles/${car.id}/status`, car.token);
			assert.equal(s.body.energies.find((e) => e.type === 'Fuel').level, 97);
			const a = await srv.get(`${B2C}/user/vehicles/${car.id}/alerts?pageSize=1`, car.token);
			assert.equal(a.body.total, alertNames.length, 'every alert is stored');
			// the small monitor is notified; the big one is not
			await rx.until(() => rx.delivered().some((g) => g.body?.monitorEvent?.monitorId === small.body.monitorId), 20000, 'the small monitor\'s event');
			// cvnotify logs the delivery once it has read the answer: after the receiver had it
			const log = await logUntil(() => srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, car.token),
				(body) => body._embedded.deliveries.some((d) => d.outcome === 'Delivered'), 'the delivery logged');
			const entries = log.body._embedded.deliveries;
			const dropped = entries.filter((d) => d.outcome === 'Dropped');
			assert.equal(dropped.length, 1, JSON.stringify(entries));
			assert.equal(dropped[0].error, 'the event exceeds 65536 bytes, the most a notification may hold: not sent');
			assert.equal(dropped[0].events, 1);
			assert.equal(dropped[0].webhookId, undefined, 'no message was made');
			assert.equal(dropped[0]._links, undefined, 'nothing to send again');
			assert.ok(entries.some((d) => d.outcome === 'Delivered'), 'the small monitor\'s event, delivered');
			assert.equal(rx.delivered().filter((g) => g.body?.monitorEvent?.monitorId === big.body.monitorId).length, 0);
			assert.match(srv.ws.logs(), new RegExp(`monitor u:bignote/${big.body.monitorId}: its event for vehicle ${car.id} exceeds 65536 bytes: dropped`));
			// the vehicle's next upload is stored too, and does not fire it again
			const next = await srv.upload(car.vin, car.cred, { messageId: 'big-2', samples: [{ at: at(110), fuel: { level: 98, autonomy: 600 } }] });
			assert.equal(next.status, 200, next.text);
			const again = await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, car.token);
			assert.equal(again.body._embedded.deliveries.filter((d) => d.outcome === 'Dropped').length, 1);
		} finally {
			const end = await nd.stop();
			assert.equal(end.code, 0, nd.log());
			await rx.close();
		}
	});
});

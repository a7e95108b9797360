// Remote actions end to end: applications post them through the real web
// server, a vehicle (this test, speaking the vehicle link as a vehicle
// does) polls, acknowledges and reports, the real cvnotify delivers every
// event to a real local receiver. Bodies are checked against the official
// schemas and webhook templates; the life of an action, its refusals, its
// timeout, its repeats, and a kill -9 of the backends in the middle.
import assert from 'node:assert/strict';
import { apiSuite, B2C, descendantsOf } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { receiver, superviseNotify, verifySignature } from '../lib/notify.mjs';
import { nowIso } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const fleetAuth = { authorization: basic('fleet', 'fleet') };
const TIMEOUT = 6;                   // seconds a vehicle has to answer (CVAPI_REMOTE_TIMEOUT)
const templateDefects = [/unknown format "dateTime"/];

apiSuite('remote', { env: { CVAPI_REMOTE_TIMEOUT: String(TIMEOUT) } }, (srv, it) => {
	let tok, car, car2, fcar, rx, nd, cb, secret, fcb, mcb, msg = 0;
	const req = (method, path, body, t = tok) => srv.request(method, path, { token: t, body });
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	const remotes = (v = car, c = cb) => `${B2C}/user/vehicles/${v.id}/callbacks/${c}/remotes`;
	const fremotes = (c = fcb) => `${B2B}/fleets/${FLEET}/vehicles/${fcar.id}/callbacks/${c}/remotes`;
	const upload = async (v, samples, extra = {}) => {
		const r = await srv.upload(v.vin, v.cred, { messageId: `r-${++msg}`, samples, ...extra });
		assert.equal(r.status, 200, r.text);
		return r;
	};
	const sample = (extra = {}) => ({ at: nowIso(-1000), odometer: 1234.5, ...extra });
	// the vehicle's side
	const link = (v, method, path, body) => srv.request(method, `/telematics/v1/vehicles/${v.vin}/commands${path}`, { token: v.cred, body });
	const poll = async (v) => {
		const r = await link(v, 'GET', '');
		assert.equal(r.status, 200, r.text);
		return r.body.commands;
	};
	const ack = (v, rid) => link(v, 'POST', `/${rid}/ack`);
	const result = (v, rid, body) => link(v, 'POST', `/${rid}/result`, body);
	const post = async (body, path = remotes(), t = tok) => {
		const r = await req('POST', path, body, t);
		assert.equal(r.status, 202, r.text);
		return r.body;
	};
	const events = (rid) => rx.delivered().filter((g) => (g.body?.remoteEvent?.remoteActionId ?? g.body?.events?.[0]?.remoteActionId) === rid);
	// the distinct events of an action (a repeat after a crash carries the same webhook-id), as "status[:cause]"
	const statuses = (rid) => [...new Map(events(rid).map((g) => [g.headers['webhook-id'], g])).values()]
		.flatMap((g) => (g.body.remoteEvent ? [g.body.remoteEvent] : g.body.events))
		.map((e) => e.eventStatus.status + (e.eventStatus.failureCause ? `:${e.eventStatus.failureCause}` : ''));
	const until = (rid, n, what, ms = 20000) => rx.until(() => statuses(rid).length >= n, ms, what || `${n} events of ${rid}`);

	it('set-up: a receiver, cvnotify, a callback for remote actions, a fleet remote callback', async () => {
		tok = await srv.token('demo');
		[car, fcar, car2] = srv.vehicles;
		rx = await receiver();
		nd = await superviseNotify(srv);
		let r = await req('POST', `${B2C}/user/callbacks`, { label: 'remotes', type: ['Remote'], callback: { webhook: { name: 'rx', target: rx.url,
			attributes: [{ type: 'Header', key: 'X-Remote', value: '$remoteType' }, { type: 'Query', key: 'rid', value: '$remoteId' }] } } });
		assert.equal(r.status, 200, r.text);
		cb = r.body.callbackId;
		secret = r.body.signingSecret;
		r = await req('POST', `${B2C}/user/callbacks`, { label: 'monitors only', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } });
		assert.equal(r.status, 200, r.text);
		mcb = r.body.callbackId;
		r = await freq('POST', `${B2B}/fleets/${FLEET}/remote/callbacks`, { label: 'fleet remotes', remoteTypes: ['Doors', 'Immobilization', 'Stolen', 'WakeUp'],
			callback: { webhook: { name: 'rx', target: rx.fleetRemoteUrl } } });
		assert.equal(r.status, 200, r.text);
		fcb = r.body.callbackId;
	});

	it('lock the doors of an awake car: Accepted, CheckingVehicle, SentToVehicle, Success, each per the template; /status shows it locked', async () => {
		await upload(car, [sample({ doors: { locked: 'Unlocked' } })]);
		const p = await post({ label: 'lock it', door: { state: 'Locked' } });
		await assertSchema(p, 'RemotePostResponse');
		assert.equal(p.type, 'Doors');
		assert.match(p._links.remote.href, new RegExp(`${remotes()}/${p.remoteActionId}$`));
		let g = await srv.get(`${remotes()}/${p.remoteActionId}`, tok);
		assert.equal(g.status, 200, g.text);
		await assertSchema(g.body, 'RemoteAction');
		assert.equal(g.body.status, 'CheckingVehicle', 'an awake car is checked at once');
		assert.deepEqual(g.body.remote, { label: 'lock it', door: { state: 'Locked' } });
		// the vehicle finds it, acknowledges, does it, reports
		const cmds = await poll(car);
		assert.equal(cmds.length, 1);
		assert.deepEqual({ id: cmds[0].remoteActionId, type: cmds[0].type, door: cmds[0].door }, { id: p.remoteActionId, type: 'Doors', door: { state: 'Locked' } });
		let a = await ack(car, p.remoteActionId);
		assert.equal(a.status, 200, a.text);
		assert.deepEqual([a.body.status, a.body.execute], ['SentToVehicle', true]);
		await upload(car, [sample({ doors: { locked: 'Locked' } })]);
		a = await result(car, p.remoteActionId, { status: 'Success' });
		assert.equal(a.status, 200, a.text);
		assert.equal(a.body.status, 'Success');
		await until(p.remoteActionId, 4);
		assert.deepEqual(statuses(p.remoteActionId), ['Accepted', 'CheckingVehicle', 'SentToVehicle', 'Success']);
		for (const e of events(p.remoteActionId)) {
			await assertSchema(e.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
			assert.equal(e.body.type, 'Remote');
			assert.equal(e.body.callbackId, cb);
			assert.equal(e.body.remoteEvent.remoteType, 'Doors');
			assert.equal(e.headers['x-remote'], 'Doors', '$remoteType in a Header attribute');
			assert.equal(e.url, `/hook?rid=${p.remoteActionId}`, '$remoteId in a Query attribute');
			assert.ok(verifySignature(secret, e.headers, e.text), 'signed');
		}
		assert.deepEqual(events(p.remoteActionId).at(-1).body.remoteEvent.eventStatus, { type: 'Done', status: 'Success' });
		g = await srv.get(`${remotes()}/${p.remoteActionId}`, tok);
		assert.equal(g.body.status, 'Success');
		const s = await srv.get(`${B2C}/user/vehicles/${car.id}/status`, tok);
		assert.equal(s.body.doorsState.lockedStates[0], 'Locked');
		assert.deepEqual(await poll(car), [], 'nothing left to do');
		// the vehicle repeats itself (a lost answer): the same answer, nothing new
		a = await result(car, p.remoteActionId, { status: 'Success' });
		assert.deepEqual([a.status, a.body.status, a.body.repeat], [200, 'Success', true]);
		a = await ack(car, p.remoteActionId);
		assert.deepEqual([a.status, a.body.status, a.body.execute], [200, 'Success', false]);
		a = await result(car, p.remoteActionId, { status: 'Failed', failureCause: 'DoorsOpen' });
		assert.equal(a.status, 409, a.text);
		assert.match(a.body.message, /ended Success/);
	});

	it('the same action twice at once: the second fails with SameActionInProgress; another type goes ahead', async () => {
		const first = await post({ horn: { state: 'Activated' } });
		const second = await post({ horn: { state: 'Activated' } });
		const lights = await post({ lights: { on: true } });
		await until(second.remoteActionId, 2);
		assert.deepEqual(statuses(second.remoteActionId), ['Accepted', 'Failed:SameActionInProgress']);
		const g = await srv.get(`${remotes()}/${second.remoteActionId}`, tok);
		assert.deepEqual([g.body.status, g.body.failureCause], ['Failed', 'SameActionInProgress']);
		assert.deepEqual((await poll(car)).map((c) => c.remoteActionId), [first.remoteActionId, lights.remoteActionId]);
		for (const x of [first, lights]) {
			const r = await result(car, x.remoteActionId, { status: x === first ? 'Success' : 'AlreadyDone' });
			assert.equal(r.status, 200, r.text);
		}
		await until(lights.remoteActionId, 4);
		assert.deepEqual(statuses(lights.remoteActionId), ['Accepted', 'CheckingVehicle', 'SentToVehicle', 'AlreadyDone']);
	});

	it('a sleeping car is woken: WakingUpVehicle, then checked and sent once it answers', async () => {
		await upload(car2, [sample()], { sleep: true });
		const p = await post({ wakeUp: { action: 'WakeUp' } }, remotes(car2));
		await until(p.remoteActionId, 2);
		assert.deepEqual(statuses(p.remoteActionId), ['Accepted', 'WakingUpVehicle']);
		assert.equal((await srv.get(`${remotes(car2)}/${p.remoteActionId}`, tok)).body.status, 'WakingUpVehicle');
		const [c] = await poll(car2);
		assert.equal(c.status, 'WakingUpVehicle');
		const a = await ack(car2, p.remoteActionId);
		assert.deepEqual([a.body.status, a.body.execute], ['SentToVehicle', true]);
		assert.equal((await result(car2, p.remoteActionId, { status: 'Success' })).status, 200);
		await until(p.remoteActionId, 5);
		assert.deepEqual(statuses(p.remoteActionId), ['Accepted', 'WakingUpVehicle', 'CheckingVehicle', 'SentToVehicle', 'Success']);
		// heard from again: awake, no wake-up for the next one
		const q = await post({ navigation: { positions: [{ type: 'Point', coordinates: [2.2945, 48.8584] }] } }, remotes(car2));
		await until(q.remoteActionId, 1);
		assert.deepEqual(statuses(q.remoteActionId), ['CheckingVehicle'], 'a navigation starts at CheckingVehicle');
		const r = await result(car2, q.remoteActionId, { status: 'Failed', failureCause: 'CanceledByDriver' });
		assert.equal(r.status, 200, r.text);
		await until(q.remoteActionId, 3);
		assert.deepEqual(statuses(q.remoteActionId), ['CheckingVehicle', 'SentToVehicle', 'Failed:CanceledByDriver']);
	});

	it('a car that never answers: VehicleConnectionTimeout from the timer', async () => {
		const p = await post({ lights: { on: false } }, remotes(car2));
		const t0 = Date.now();
		await rx.until(() => statuses(p.remoteActionId).length >= 3, (TIMEOUT + 15) * 1000, 'the timeout');
		assert.deepEqual(statuses(p.remoteActionId), ['Accepted', 'CheckingVehicle', 'Failed:VehicleConnectionTimeout']);
		assert.ok(Date.now() - t0 >= (TIMEOUT - 1) * 1000, 'not before the deadline');
		const g = await srv.get(`${remotes(car2)}/${p.remoteActionId}`, tok);
		assert.deepEqual([g.body.status, g.body.failureCause], ['Failed', 'VehicleConnectionTimeout']);
		const late = await result(car2, p.remoteActionId, { status: 'Success' });
		assert.equal(late.status, 409, 'a late success cannot undo the timeout');
	});

	it('every bad body, id and missing right: a 4xx xError saying what, and nothing stored', async () => {
		const count = async () => (await srv.get(`${remotes()}?pageSize=1`, tok)).body.total;
		const before = await count();
		const bad = [
			[{}, /one action is required/],
			[{ door: { state: 'Locked' }, horn: { state: 'Activated' } }, /one action per request/],
			[{ door: { state: 'Ajar' } }, /door\.state: must be one of Unlocked, Locked/],
			[{ door: {} }, /door\.state: is required/],
			[{ horn: { state: 1 } }, /horn\.state/],
			[{ lights: { on: 'yes' } }, /lights\.on/],
			[{ wakeUp: { action: 'Sleep' } }, /wakeUp\.action/],
			[{ preconditioning: { airConditioning: {} } }, /at least one of immediate, programs/],
			[{ preconditioning: { airConditioning: { programs: [{ slot: 9, enabled: true, start: 'PT8H', occurence: { day: ['Mon'] } }] } } }, /slot/],
			[{ preconditioning: { airConditioning: { programs: [1, 2, 3, 4, 5].map((s) => ({ slot: s % 4 + 1, enabled: true, start: 'PT8H', occurence: { day: ['Mon'] } })) } } }, /programs: must be an array of 1 to 4 items/],
			[{ charging: { preferences: { level: 'Level1' }, immediate: true } }, /preferences: not with/],
			[{ charging: { nextDelayedTime: 'soon' } }, /RFC 3339/],
			[{ navigation: { positions: [] } }, /positions: must be an array of 1 to 10 items/],
			[{ navigation: { positions: Array(11).fill({ type: 'Point', coordinates: [2, 48] }) } }, /1 to 10/],
			[{ navigation: { positions: [{ type: 'Point', coordinates: [2, 91] }] } }, /coordinates\[1\]: must be a number from -90 to 90/],
			[{ immobilization: { activate: true } }, /fleet face only/],
			[{ label: '', door: { state: 'Locked' } }, /label/],
			[{ attributes: [{ type: 'Header', key: 'X', value: '$nope' }], door: { state: 'Locked' } }, /unknown variable/],
			[{ callbackAttributes: { pushnotif: [] }, door: { state: 'Locked' } }, /webhooks are what this server delivers/],
		];
		for (const [body, says] of bad) {
			await assertXError(await req('POST', remotes(), body), 400, { message: says });
		}
		let r = await srv.request('POST', remotes(), { token: tok, body: '{"door":', headers: { 'content-type': 'application/json' } });
		assert.equal(r.status, 400, 'bad JSON');
		r = await srv.request('POST', remotes(), { token: tok, body: 'door=Locked', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		assert.equal(r.status, 415, 'not JSON');
		// rights
		const horn = await srv.token('demo', { scope: 'remote:horn:write' });
		await assertXError(await req('POST', remotes(), { door: { state: 'Locked' } }, horn), 403, { message: /remote:door:write/ });
		const data = await srv.token('demo', { scope: 'data:telemetry' });
		r = await req('POST', remotes(), { horn: { state: 'Activated' } }, data);
		assert.equal(r.status, 403, 'no remote scope at all');
		assert.equal((await srv.get(remotes(), data)).status, 403, 'listing needs a remote scope too');
		const other = await srv.addUserWithVehicle('remote-other', 'VR3REM0TE0THER001');
		r = await req('POST', remotes(other), { door: { state: 'Locked' } });
		assert.equal(r.status, 403, 'another user\'s vehicle');
		r = await req('POST', remotes(car), { door: { state: 'Locked' } }, other.token);
		assert.equal(r.status, 403, 'my vehicle for another user');
		r = await req('POST', remotes(car, mcb), { door: { state: 'Locked' } });
		assert.equal(r.status, 400, 'a callback for monitors only');
		assert.match(r.body.message, /does not serve remote actions/);
		r = await req('POST', remotes(car, 'f'.repeat(32)), { door: { state: 'Locked' } });
		assert.equal(r.status, 404, 'no such callback');
		r = await req('POST', remotes(car, 'nothex'), { door: { state: 'Locked' } });
		assert.equal(r.status, 400, 'a malformed callback id');
		assert.equal((await req('PUT', `${B2C}/user/callbacks/${cb}/status`, { status: 'Paused' })).status, 202);
		await assertXError(await req('POST', remotes(), { door: { state: 'Locked' } }), 409, { message: /Paused/ });
		assert.equal((await req('PUT', `${B2C}/user/callbacks/${cb}/status`, { status: 'Running' })).status, 202);
		r = await srv.get(`${remotes()}/${'0'.repeat(32)}`, tok);
		assert.equal(r.status, 404, 'no such action');
		r = await srv.get(`${remotes()}/xyz`, tok);
		assert.equal(r.status, 400, 'a malformed action id');
		assert.equal(await count(), before, 'nothing was stored');
	});

	it('the vehicle link refuses what is wrong and answers repeats the same', async () => {
		const p = await post({ door: { state: 'Unlocked' } });
		let r = await result(car, p.remoteActionId, { status: 'Done' });
		assert.equal(r.status, 400);
		assert.match(r.body.message, /status: must be one of Success, AlreadyDone, Failed/);
		r = await result(car, p.remoteActionId, { status: 'Success', failureCause: 'DoorsOpen' });
		assert.equal(r.status, 400);
		assert.match(r.body.message, /only with status Failed/);
		r = await result(car, p.remoteActionId, { status: 'Failed', failureCause: 'Gremlins' });
		assert.equal(r.status, 400);
		r = await result(car, p.remoteActionId, { status: 'Success', extra: 1 });
		assert.equal(r.status, 400);
		assert.match(r.body.message, /extra: unknown field/);
		r = await ack(car2, p.remoteActionId);
		assert.equal(r.status, 404, 'another vehicle\'s action');
		r = await ack(car, 'zz');
		assert.equal(r.status, 400);
		r = await srv.upload(car.vin, car.cred, { messageId: 'r-sleepy', samples: [sample()], sleep: 'yes' });
		assert.equal(r.status, 400);
		assert.match(r.body.message, /sleep: must be true or false/);
		r = await link(car, 'GET', '', undefined);
		assert.equal(r.status, 200);
		r = await srv.request('GET', `/telematics/v1/vehicles/${car.vin}/commands`, { token: car2.cred });
		assert.equal(r.status, 401, 'another vehicle\'s credential');
		// the upload's reply carries the commands too
		const u = await upload(car, [sample()]);
		assert.deepEqual(u.body.commands.map((c) => c.remoteActionId), [p.remoteActionId]);
		r = await result(car, p.remoteActionId, { status: 'Failed', failureCause: 'DoorsOpen' });
		assert.deepEqual([r.status, r.body.status, r.body.failureCause], [200, 'Failed', 'DoorsOpen']);
		r = await result(car, p.remoteActionId, { status: 'Failed', failureCause: 'DoorsOpen' });
		assert.deepEqual([r.status, r.body.repeat], [200, true]);
	});

	it('the list pages like every collection and follows the schema', async () => {
		const all = await srv.get(`${remotes()}?pageSize=60`, tok);
		assert.equal(all.status, 200, all.text);
		await assertSchema(all.body, 'RemoteActions');
		const n = all.body.total;
		assert.ok(n >= 5, `${n} actions`);
		const ids = [];
		for (let url = `${remotes()}?pageSize=2`; url;) {
			const r = await srv.get(url, tok);
			assert.equal(r.status, 200, r.text);
			ids.push(...r.body._embedded.remoteActions.map((a) => a.remoteActionId));
			url = r.body._links.next?.href;
		}
		assert.deepEqual(ids, all.body._embedded.remoteActions.map((a) => a.remoteActionId), 'the pages make the whole list, in order');
		assert.deepEqual(ids, [...ids].sort(), 'in the order posted');
	});

	it('the fleet face: immobilization and the lock through a remote callback, RemoteEvents per the template', async () => {
		await upload(fcar, [sample()]);
		let r = await freq('POST', fremotes(), { immobilization: { activate: true } });
		assert.equal(r.status, 202, r.text);
		await assertSchema(r.body, 'RemotePostResponse', { doc: 'b2b' });
		const rid = r.body.remoteActionId;
		r = await freq('POST', fremotes(), { horn: { state: 'Activated' } });
		assert.equal(r.status, 400, 'Horn is not among the callback\'s remoteTypes');
		assert.match(r.body.message, /does not serve Horn/);
		r = await freq('POST', fremotes(), { stolen: { stolen: true, trackingPeriod: { running: 30 } } });
		assert.equal(r.status, 400);
		assert.equal((await result(fcar, rid, { status: 'Success' })).status, 200);
		await until(rid, 4);
		for (const e of events(rid)) {
			await assertSchema(e.body, 'RemoteEvents', { doc: 'webhook-b2b', ignore: templateDefects });
			assert.equal(e.body.callbackId, fcb);
			assert.equal(e.body.events[0].vin, fcar.vin);
			assert.equal(e.body.events[0].remoteType, 'Immobilization');
		}
		const g = await freq('GET', `${fremotes()}/${rid}`);
		assert.equal(g.status, 200, g.text);
		await assertSchema(g.body, 'RemoteAction', { doc: 'b2b' });
		assert.equal(g.body.status, 'Success');
		const l = await freq('GET', fremotes());
		assert.equal(l.status, 200, l.text);
		await assertSchema(l.body, 'RemoteActions', { doc: 'b2b' });
		// a wake-up: VehicleState in the fleet template
		r = await freq('POST', fremotes(), { wakeUp: {} });
		assert.equal(r.status, 202, r.text);
		assert.equal((await result(fcar, r.body.remoteActionId, { status: 'Success' })).status, 200);
		await until(r.body.remoteActionId, 4);
		assert.equal(events(r.body.remoteActionId)[0].body.events[0].remoteType, 'VehicleState');
	});

	it('kill -9 of cvnotify, the callbacks backend and the vehicle link\'s mid-action: the action still ends once, every event delivered', async () => {
		const p = await post({ door: { state: 'Locked' } });
		// cvnotify's supervisor starts it again at once, as systemd or cvapi-spawn --daemon would
		await nd.nd.kill('SIGKILL');
		const callbacks = () => descendantsOf(srv.ws.process.pid).filter((x) => x.cmd.endsWith('/cvapi-callbacks.fcgi'));
		for (const x of callbacks()) {
			try { process.kill(x.pid, 'SIGKILL'); } catch { /* gone */ }
		}
		// the vehicle goes on meanwhile, retrying as a vehicle does while the server recovers; the
		// vehicle link's backend is killed too, between the acknowledgement and the result
		const ingest = () => descendantsOf(srv.ws.process.pid).filter((x) => x.cmd.endsWith('/cvapi-ingest.fcgi'));
		let killed = false;
		const killIngest = () => {
			if (killed)
				return;
			killed = true;
			for (const x of ingest()) {
				try { process.kill(x.pid, 'SIGKILL'); } catch { /* gone */ }
			}
		};
		for (const [what, call] of [['ack', () => ack(car, p.remoteActionId)],
			['result', () => { killIngest(); return result(car, p.remoteActionId, { status: 'Success' }); }]]) {
			for (const t0 = Date.now(); ;) {
				const r = await call().catch(() => ({ status: 0 }));
				if (r.status === 200)
					break;
				assert.ok(Date.now() - t0 < 15000, `${what} answered within 15 s (${r.status})`);
				await new Promise((res) => setTimeout(res, 50));
			}
		}
		// cvnotify's restart may wait out a recovery and its supervisor's back-off: on 2 loaded cores, tens of seconds
		await until(p.remoteActionId, 4, 'every event after the restart', 60000);
		assert.deepEqual(statuses(p.remoteActionId), ['Accepted', 'CheckingVehicle', 'SentToVehicle', 'Success'], 'each state once, in order');
		for (const t0 = Date.now(); (await srv.get(`${remotes()}/${p.remoteActionId}`, tok)).status !== 200;) {
			assert.ok(Date.now() - t0 < 15000, 'cvapi-callbacks answers again');
			await new Promise((res) => setTimeout(res, 50));
		}
		assert.equal((await srv.get(`${remotes()}/${p.remoteActionId}`, tok)).body.status, 'Success');
	});

	it('deleting the callback deletes its actions', async () => {
		// the kills above may still cost a request or two: a process stuck on a dead one's mutex is
		// ended by its watchdog (the web server answers 500 or 502 for it), a recovery answers 503.
		// A client asks again; what was committed is then found as it should be.
		const settled = async (call) => {
			for (const t0 = Date.now(); ;) {
				const r = await call().catch(() => ({ status: 0 }));
				if (r.status && r.status < 500)
					return r;
				assert.ok(Date.now() - t0 < 15000, `answered within 15 s (${r.status})`);
				await new Promise((res) => setTimeout(res, 50));
			}
		};
		const r = await settled(() => req('POST', remotes(), { horn: { state: 'Unactivated' } }));
		assert.equal(r.status, 202, r.text);
		const p = r.body;
		let tries = 0;
		const d = await settled(() => { tries++; return req('DELETE', `${B2C}/user/callbacks/${cb}`); });
		assert.ok(d.status === 204 || (tries > 1 && d.status === 404), `deleted (a retry may find it gone): ${d.status} ${d.text}`);
		assert.equal((await settled(() => srv.get(`${B2C}/user/callbacks/${cb}`, tok))).status, 404, 'the callback is gone');
		const left = await settled(() => link(car, 'GET', ''));
		assert.equal(left.status, 200, left.text);
		assert.ok(!left.body.commands.some((c) => c.remoteActionId === p.remoteActionId), 'no longer pending');
		assert.equal((await settled(() => ack(car, p.remoteActionId))).status, 404);
		await nd.stop();
		await rx.close();
	});
});

// A vehicle asleep with two callbacks for actions, the user's (a poll
// callback) and its fleet manager's: every action there needs a wake-up.
// upost and fpost post a body on either face and answer where the action
// stands, [status, failureCause].
async function sleepingWithOwners(srv) {
	const tok = await srv.token('demo');
	const car = srv.vehicles[1];
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	let r = await srv.request('POST', `${B2C}/user/callbacks`, { token: tok, body: { label: 'r', type: ['Remote'], callback: { poll: { name: 'r' } } } });
	assert.equal(r.status, 200, r.text);
	const ucb = r.body.callbackId;
	r = await freq('POST', `${B2B}/fleets/${FLEET}/remote/callbacks`, { label: 'fleet remotes', remoteTypes: ['Horn', 'WakeUp', 'Lights'],
		callback: { webhook: { name: 'rx', target: 'http://127.0.0.1:9/hook' } } });
	assert.equal(r.status, 200, r.text);
	const fcb = r.body.callbackId;
	r = await srv.upload(car.vin, car.cred, { messageId: 'wk-1', samples: [{ at: nowIso(-1000), odometer: 10 }], sleep: true });
	assert.equal(r.status, 200, r.text);
	const status = async (get) => {
		const g = await get;
		assert.equal(g.status, 200, g.text);
		return [g.body.status, g.body.failureCause].filter(Boolean);
	};
	const user = `${B2C}/user/vehicles/${car.id}/callbacks/${ucb}/remotes`;
	const fleet = `${B2B}/fleets/${FLEET}/vehicles/${car.id}/callbacks/${fcb}/remotes`;
	return {
		async upost(body) {
			const x = await srv.request('POST', user, { token: tok, body });
			assert.equal(x.status, 202, x.text);
			return status(srv.get(`${user}/${x.body.remoteActionId}`, tok));
		},
		async fpost(body) {
			const x = await freq('POST', fleet, body);
			assert.equal(x.status, 202, x.text);
			return status(freq('GET', `${fleet}/${x.body.remoteActionId}`));
		},
	};
}

// The month's wake-ups are counted per owner of the actions: the vehicle's
// user and the fleet manager of its fleet each have the allowance, and
// neither can spend the other's.
apiSuite('remote (wake-ups per owner)', { env: { CVAPI_REMOTE_WAKEUPS: '1' } }, (srv, it) => {
	it('the user spends its one wake-up; the fleet manager still has its own, then none', async () => {
		const { upost, fpost } = await sleepingWithOwners(srv);
		assert.deepEqual(await upost({ door: { state: 'Locked' } }), ['WakingUpVehicle'], 'the user\'s wake-up');
		assert.deepEqual(await upost({ horn: { state: 'Activated' } }), ['Failed', 'TooManyWakeUpsOverMonth'], 'the user has none left');
		assert.deepEqual(await fpost({ wakeUp: {} }), ['WakingUpVehicle'], 'the fleet manager\'s own wake-up');
		assert.deepEqual(await fpost({ horn: { state: 'Activated' } }), ['Failed', 'TooManyWakeUpsOverMonth'], 'and none left');
	});
});

// Above the owners' allowances, the vehicle has a cap of the month for all
// of them together (CVAPI_REMOTE_VEHICLE_WAKEUPS): past it, an owner with
// wake-ups left gets the same failure, and the log names the cap.
apiSuite('remote (wake-ups per vehicle)', { env: { CVAPI_REMOTE_WAKEUPS: '2', CVAPI_REMOTE_VEHICLE_WAKEUPS: '3' } }, (srv, it) => {
	it('two owners with two wake-ups each share the vehicle\'s three', async () => {
		const { upost, fpost } = await sleepingWithOwners(srv);
		const logged = async (re, what) => {
			const t0 = Date.now();
			while (!re.test(srv.ws.logs()) && Date.now() - t0 < 10000)
				await new Promise((res) => setTimeout(res, 20));
			assert.match(srv.ws.logs(), re, what);
		};
		assert.deepEqual(await upost({ door: { state: 'Locked' } }), ['WakingUpVehicle'], 'the user\'s first');
		assert.deepEqual(await upost({ horn: { state: 'Activated' } }), ['WakingUpVehicle'], 'the user\'s second');
		assert.deepEqual(await upost({ lights: { on: true } }), ['Failed', 'TooManyWakeUpsOverMonth'], 'the user\'s own are spent');
		await logged(/audit event=remote-add owner=u:demo .*type=Lights status=Failed cause=TooManyWakeUpsOverMonth reason="the owner's 2 wake-ups of this vehicle this month are spent \(CVAPI_REMOTE_WAKEUPS\)"/,
			'the log names the owner\'s allowance');
		assert.deepEqual(await fpost({ wakeUp: {} }), ['WakingUpVehicle'], 'the fleet manager\'s first: the vehicle\'s third');
		assert.deepEqual(await fpost({ lights: { on: true } }), ['Failed', 'TooManyWakeUpsOverMonth'],
			'its second: the vehicle\'s cap, though it has one left');
		await logged(/audit event=remote-add owner=f:demo-fleet .*type=Lights status=Failed cause=TooManyWakeUpsOverMonth reason="the vehicle's cap of 3 wake-ups this month, all owners together, is spent \(CVAPI_REMOTE_VEHICLE_WAKEUPS\)"/,
			'the log names the vehicle\'s cap');
	});
});

// Idempotency-Key on the POSTs that create (an extension: doc/api.md
// "Idempotency-Key"; cgi/keyed.h, db/idem.h): callbacks, monitors and
// remote actions, on both faces, through the real web server and programs.
// The same request with the same key gets the first answer again, byte
// for byte, with `Idempotent-Replayed: true`, and makes nothing; another
// request under a used key is a 422; keys are a tenant's (owner and
// client); a malformed header is a 400 naming it; the idempotencyKeys
// quota refuses a new key past it; only a success is kept; a day later a
// key is unknown again and `cvctl purge` forgets it. Nothing refused is
// written: every case counts the collection before and after, and for
// remote actions what the vehicle link hands the car.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { TestClock, SEAM, nowIso } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const DAY = 24 * 3600 * 1000;
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const hook = { webhook: { name: 'h', target: 'https://hooks.example.com/idem' } };
const zone = { name: 'home', zone: { transition: 'Out', place: { radius: 100, center: { latitude: 48.85, longitude: 2.35 } } } };
// the programs' clock, moved a day on by the last test (t/lib/clock.mjs)
const clock = new TestClock(nowIso());

/*
 * What is created, on which face: its POST's path for a tenant (t), a
 * body (i makes another one), the answer's status and schema. A
 * collection's total counts what exists.
 */
const KINDS = [
	{ name: 'user callback', face: 'b2c', status: 200, schema: 'CallbackRef',
		path: () => `${B2C}/user/callbacks`,
		body: (i) => ({ label: `cb ${i}`, callback: hook }) },
	{ name: 'fleet callback', face: 'b2b', status: 200, schema: 'CallbackRef',
		path: (t) => `${B2B}/fleets/${t.fleet}/remote/callbacks?client_id=console`,
		body: (i) => ({ label: `fcb ${i}`, remoteTypes: ['Horn'], callback: hook }) },
	{ name: 'user monitor', face: 'b2c', status: 202, schema: 'MonitorRef',
		path: (t) => `${B2C}/user/vehicles/${t.car.id}/callbacks/${t.cb}/monitors`,
		body: (i) => ({ label: `m ${i}`, triggerParam: { triggers: [zone] } }) },
	{ name: 'fleet monitor', face: 'b2b', status: 202, schema: 'MonitorRef',
		path: (t) => `${B2B}/fleets/${t.fleet}/monitors?client_id=console`,
		body: (i) => ({ label: `fm ${i}`, subscribeParam: { callback: hook }, triggerParam: { triggers: [zone] } }) },
	{ name: 'user remote action', face: 'b2c', status: 202, schema: 'RemotePostResponse', remote: true,
		path: (t) => `${B2C}/user/vehicles/${t.car.id}/callbacks/${t.cb}/remotes`,
		body: (i) => ({ label: `r ${i}`, horn: { state: 'Activated' } }) },
	{ name: 'fleet remote action', face: 'b2b', status: 202, schema: 'RemotePostResponse', remote: true,
		path: (t) => `${B2B}/fleets/${t.fleet}/vehicles/${t.car.id}/callbacks/${t.cb}/remotes?client_id=console`,
		body: (i) => ({ label: `fr ${i}`, horn: { state: 'Activated' } }) },
];

/* The headers of an answer that are its own, not the request's (the date, the rate limits, the framing). */
function ownHeaders(r) {
	const skip = /^(date|connection|keep-alive|transfer-encoding|x-ratelimit-.*|idempotent-replayed)$/;
	return Object.fromEntries([...r.headers.entries()].filter(([k]) => !skip.test(k)).sort());
}

apiSuite('idempotency', { env: clock.env }, (srv, it) => {
	// tenants: two users and two fleets, each with a callback serving monitors and remote actions
	const tenants = {};
	const tenant = (k, other = false) => tenants[`${k.face}${other ? '-other' : ''}`];
	const send = (k, t, body, key, path = k.path(t)) => srv.request('POST', path,
		{ headers: { ...t.auth(), ...(key === undefined ? {} : { 'idempotency-key': key }) }, body });
	const total = async (k, t) => {
		const p = k.path(t);
		const r = await srv.request('GET', `${p}${p.includes('?') ? '&' : '?'}pageSize=1`, { headers: t.auth() });
		assert.equal(r.status, 200, r.text);
		return r.body.total;
	};
	// what the vehicle link hands the car: the ids of its commands
	const commands = async (car) => {
		const r = await srv.request('GET', `/telematics/v1/vehicles/${car.vin}/commands`, { token: car.cred });
		assert.equal(r.status, 200, r.text);
		return r.body.commands.map((c) => c.remoteActionId);
	};
	// the car does what it was handed: nothing is left for the next test
	const carryOut = async (car) => {
		for (const rid of await commands(car)) {
			const r = await srv.request('POST', `/telematics/v1/vehicles/${car.vin}/commands/${rid}/result`,
				{ token: car.cred, body: { status: 'Success' } });
			assert.equal(r.status, 200, r.text);
		}
	};
	const awake = async (car) => {
		const r = await srv.upload(car.vin, car.cred, { messageId: `idem-${car.vin}-${Date.now()}-${Math.random()}`,
			samples: [{ at: new Date(clock.now() - 1000).toISOString(), odometer: 1000 }] });
		assert.equal(r.status, 200, r.text);
	};
	const keysUsed = async (t) => {
		const r = await srv.request('GET', t.fleet ? `${B2B}/fleets/${t.fleet}/limits?client_id=console` : `${B2C}/user/limits`,
			{ headers: t.auth() });
		assert.equal(r.status, 200, r.text);
		return r.body.limits.find((x) => x.quota === 'idempotencyKeys');
	};
	// the answer made, checked against its schema (a signing secret is the extension the POST adds)
	const assertMade = async (k, r) => {
		assert.equal(r.status, k.status, r.text);
		assert.equal(r.headers.get('idempotent-replayed'), null, 'a first answer is no replay');
		const { signingSecret, ...ref } = r.body;
		await assertSchema(ref, k.schema, { doc: k.face });
		return r.body;
	};
	const assertReplay = (first, again, what) => {
		assert.equal(again.status, first.status, `${what}: the first status: ${again.text}`);
		assert.equal(again.text, first.text, `${what}: the first body, byte for byte`);
		assert.equal(again.ctype, first.ctype, what);
		assert.deepEqual(ownHeaders(again), ownHeaders(first), `${what}: the first answer's headers`);
		assert.equal(again.headers.get('idempotent-replayed'), 'true', `${what}: said to be a replay`);
	};
	const firsts = new Map();           // kind name -> { key, body, answer } of the replay test

	it('set-up: a second user and a second fleet, each tenant with a callback; the cars awake', async () => {
		const [car, fcar] = srv.vehicles;
		const userTok = await srv.token('demo');
		const bob = await srv.addUserWithVehicle('idem-bob', 'VR3DEMP0TENT00001');
		await srv.cvctl(['user', 'add', 'idem-mgr', '--password', 'idem-mgr-pw']);
		await srv.cvctl(['fleet', 'add', 'idem-fleet', '--owner', 'idem-mgr']);
		await srv.cvctl(['fleet', 'add-vehicle', 'idem-fleet', fcar.vin]);
		tenants.b2c = { login: 'demo', car, tok: userTok, auth: () => ({ authorization: `Bearer ${tenants.b2c.tok}` }) };
		tenants['b2c-other'] = { login: 'idem-bob', car: bob, tok: bob.token, auth: () => ({ authorization: `Bearer ${tenants['b2c-other'].tok}` }) };
		tenants.b2b = { fleet: 'demo-fleet', car: fcar, auth: () => ({ authorization: basic('fleet', 'fleet') }) };
		tenants['b2b-other'] = { fleet: 'idem-fleet', car: fcar, auth: () => ({ authorization: basic('idem-mgr', 'idem-mgr-pw') }) };
		for (const [name, t] of Object.entries(tenants)) {
			const b2b = name.startsWith('b2b');
			const r = await srv.request('POST', b2b ? `${B2B}/fleets/${t.fleet}/remote/callbacks?client_id=console` : `${B2C}/user/callbacks`,
				{ headers: t.auth(), body: b2b ? { label: 'idem', remoteTypes: ['Horn'], callback: hook } : { label: 'idem', callback: hook } });
			assert.equal(r.status, 200, r.text);
			t.cb = r.body.callbackId;
		}
		for (const car of [srv.vehicles[0], srv.vehicles[1], bob])
			await awake(car);
	});

	it('the same request and key again: the first answer byte for byte, Idempotent-Replayed: true, nothing made', async () => {
		for (const k of KINDS) {
			const t = tenant(k);
			const key = `replay-${k.name}-8e03978e-40d5-43e8`;
			const before = await total(k, t);
			const cmds = k.remote ? await commands(t.car) : [];
			const first = await send(k, t, k.body(1), key);
			const made = await assertMade(k, first);
			assert.equal(await total(k, t), before + 1, `${k.name}: made`);
			for (let n = 0; n < 2; n++)
				assertReplay(first, await send(k, t, k.body(1), key), `${k.name}, sent again`);
			assert.equal(await total(k, t), before + 1, `${k.name}: made once`);
			if (k.remote) {
				const handed = (await commands(t.car)).filter((id) => !cmds.includes(id));
				assert.deepEqual(handed, [made.remoteActionId], `${k.name}: one action reaches the vehicle link`);
				await carryOut(t.car);
			}
			firsts.set(k.name, { key, body: k.body(1), answer: first });
		}
	});

	it('another request under a used key: 422 naming it, nothing made', async () => {
		for (const k of KINDS) {
			const t = tenant(k);
			const { key } = firsts.get(k.name);
			const before = await total(k, t);
			const cmds = k.remote ? await commands(t.car) : [];
			await assertXError(await send(k, t, k.body(2), key), 422, { code: 42201, message: /^Idempotency-Key: .*another request/ });
			assert.equal(await total(k, t), before, `${k.name}: nothing made`);
			if (k.remote)
				assert.deepEqual(await commands(t.car), cmds, `${k.name}: nothing handed to the car`);
		}
		// the same body on another path: another request too
		const [cbs, , mons] = KINDS;
		const t = tenant(mons);
		const before = await total(mons, t);
		await assertXError(await send(mons, t, firsts.get(cbs.name).body, firsts.get(cbs.name).key), 422, { code: 42201 });
		assert.equal(await total(mons, t), before);
		// and the same path and body with a query (client_id, the token's: cvctl's)
		const cb = KINDS[0];
		const ct = tenant(cb);
		const n = await total(cb, ct);
		await assertXError(await send(cb, ct, firsts.get(cb.name).body, firsts.get(cb.name).key, `${cb.path(ct)}?client_id=cvctl`),
			422, { code: 42201 });
		assert.equal(await total(cb, ct), n);
	});

	it('keys are a tenant\'s: another user\'s or fleet\'s, or another client\'s, same key makes its own', async () => {
		for (const k of KINDS) {
			const t = tenant(k, true);
			const { key, body, answer } = firsts.get(k.name);
			const before = await total(k, t);
			const r = await send(k, t, body, key);
			await assertMade(k, r);
			assert.notEqual(r.text, answer.text, `${k.name}: another tenant's own answer`);
			assertReplay(r, await send(k, t, body, key), `${k.name}, the other tenant again`);
			assert.equal(await total(k, t), before + 1, `${k.name}: the other tenant's, once`);
			if (k.remote)
				await carryOut(t.car);
		}
		// the same user through another client: another tenant
		const k = KINDS[0];
		const t = { ...tenant(k), tok: await srv.token('demo', { client: 'console' }) };
		t.auth = () => ({ authorization: `Bearer ${t.tok}` });
		const { key, body, answer } = firsts.get(k.name);
		const r = await send(k, t, body, key);
		await assertMade(k, r);
		assert.notEqual(r.text, answer.text);
	});

	it('a malformed Idempotency-Key: 400 (40010) naming it, nothing made', async () => {
		const bad = [['k'.repeat(256), /at most 255/], ['a\tb', /printable ASCII/], ['caf\u00e9', /printable ASCII/],
			['k1, k2', /sent once/]];
		for (const k of KINDS) {
			const t = tenant(k);
			const before = await total(k, t);
			const cmds = k.remote ? await commands(t.car) : [];
			for (const [key, says] of bad)
				await assertXError(await send(k, t, k.body(3), key), 400, { code: 40010, message: new RegExp(`^Idempotency-Key: .*${says.source}`) });
			// the header twice on the wire: the web server joins the two values
			const body = JSON.stringify(k.body(3));
			const raw = await srv.raw(`POST ${k.path(t)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.auth().authorization}\r\n` +
				`Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n` +
				'Idempotency-Key: twice-1\r\nIdempotency-Key: twice-2\r\n\r\n' + body);
			assert.equal(raw.status, 400, `${k.name}, the header twice: ${raw.head}\n${raw.body}`);
			assert.equal(JSON.parse(raw.body).code, 40010, raw.body);
			assert.match(JSON.parse(raw.body).message, /^Idempotency-Key: /);
			assert.equal(await total(k, t), before, `${k.name}: nothing made`);
			if (k.remote)
				assert.deepEqual(await commands(t.car), cmds, `${k.name}: nothing handed to the car`);
		}
		// an empty one: refused when the web server passes it on, otherwise no key at all (lighttpd drops it)
		const k = KINDS[0];
		const t = tenant(k);
		const before = await total(k, t);
		const r = await send(k, t, k.body(4), '');
		if (r.status === 400) {
			await assertXError(r, 400, { code: 40010, message: /^Idempotency-Key: must not be empty/ });
			assert.equal(await total(k, t), before);
		} else {
			await assertMade(k, r);
			await assertMade(k, await send(k, t, k.body(4), ''));
			assert.equal(await total(k, t), before + 2, 'no key: each request makes its own');
		}
	});

	it('only a success is kept: a refused request with a key runs again; a replay spends no quota', async () => {
		// a remote action to a paused callback: 409, nothing kept; resumed, the same request makes it
		const k = KINDS[4];
		const t = tenant(k);
		const status = (s) => srv.request('PUT', `${B2C}/user/callbacks/${t.cb}/status`, { headers: t.auth(), body: { status: s } });
		assert.equal((await status('Paused')).status, 202);
		const before = await total(k, t);
		await assertXError(await send(k, t, k.body(5), 'paused-then-running'), 409, { message: /Paused/ });
		assert.equal((await status('Running')).status, 202);
		const r = await send(k, t, k.body(5), 'paused-then-running');
		await assertMade(k, r);
		assert.equal(await total(k, t), before + 1);
		await carryOut(t.car);
		// at the callbacks quota: a replay still answers, a new callback is refused, and once allowed made with the same key
		const cbs = KINDS[0];
		const ct = tenant(cbs);
		const used = await total(cbs, ct);
		await srv.cvctl(['user', 'limits', 'demo', '--callbacks', String(used)]);
		const { key, body, answer } = firsts.get(cbs.name);
		assertReplay(answer, await send(cbs, ct, body, key), 'a replay at the callbacks quota');
		await assertXError(await send(cbs, ct, cbs.body(6), 'over-callbacks'), 403, { code: 40304, message: /over the quota callbacks/ });
		await srv.cvctl(['user', 'limits', 'demo', '--callbacks', 'default']);
		await assertMade(cbs, await send(cbs, ct, cbs.body(6), 'over-callbacks'));
		assert.equal(await total(cbs, ct), used + 1);
	});

	it('the same request sent at once under one key: one is made, every answer is its answer', async () => {
		for (const k of [KINDS[0], KINDS[4]]) {
			const t = tenant(k);
			const before = await total(k, t);
			const cmds = k.remote ? await commands(t.car) : [];
			const all = await Promise.all(Array.from({ length: 6 }, () => send(k, t, k.body(7), `at-once-${k.name}`)));
			const made = all.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
			assert.equal(made.length, 1, `${k.name}: one made: ${all.map((r) => `${r.status} ${r.headers.get('idempotent-replayed')}`).join(', ')}`);
			await assertMade(k, made[0]);
			for (const r of all)
				if (r !== made[0])
					assertReplay(made[0], r, `${k.name} at once`);
			assert.equal(await total(k, t), before + 1, `${k.name}: made once`);
			if (k.remote) {
				assert.deepEqual((await commands(t.car)).filter((id) => !cmds.includes(id)), [made[0].body.remoteActionId]);
				await carryOut(t.car);
			}
		}
	});

	it('the idempotencyKeys quota: a new key past it is refused (403 40304) with nothing made; replays and keyless POSTs go on', async () => {
		for (const face of ['b2c', 'b2b']) {
			const t = tenants[face];
			const set = (n) => srv.cvctl([...(t.fleet ? ['fleet', 'limits', t.fleet] : ['user', 'limits', t.login]), '--idempotency-keys', n]);
			const { used } = await keysUsed(t);
			assert.ok(used >= 3, `${face}: ${used} keys kept`);
			assert.match(await set(String(used)), new RegExp(`idempotencyKeys=${used}/used=${used}`));
			for (const k of KINDS.filter((x) => x.face === face)) {
				const before = await total(k, t);
				const cmds = k.remote ? await commands(t.car) : [];
				await assertXError(await send(k, t, k.body(8), `over-${k.name}`), 403,
					{ code: 40304, message: /^over the quota idempotencyKeys: \d+ Idempotency-Keys kept at most \(each is forgotten 24 h after/ });
				assert.equal(await total(k, t), before, `${k.name}: nothing made`);
				if (k.remote)
					assert.deepEqual(await commands(t.car), cmds, `${k.name}: nothing handed to the car`);
				const { key, body, answer } = firsts.get(k.name);
				assertReplay(answer, await send(k, t, body, key), `${k.name}: a replay at the quota`);
				await assertMade(k, await send(k, t, k.body(8)));
				assert.equal(await total(k, t), before + 1, `${k.name}: without a key, made`);
				if (k.remote)
					await carryOut(t.car);
			}
			assert.deepEqual(await keysUsed(t), { quota: 'idempotencyKeys', limit: used, used }, `${face}: nothing more kept`);
			await set('default');
		}
	});

	it('a day later a key is unknown again (a new request may take it), and cvctl purge forgets the old ones',
		{ skip: SEAM ? false : 'the programs were built without the clock seam' }, async () => {
			const used = async () => Promise.all(['b2c', 'b2b', 'b2c-other', 'b2b-other'].map(async (n) => (await keysUsed(tenants[n])).used));
			const kept = await used();
			assert.ok(kept.every((n) => n >= 3), `keys kept: ${kept}`);
			clock.advance(DAY + 60000);
			tenants.b2c.tok = await srv.token('demo');      // the earlier tokens expired meanwhile
			const again = new Map();
			for (const k of KINDS) {
				const t = tenant(k);
				const { key, body, answer } = firsts.get(k.name);
				const before = await total(k, t);
				const r = await send(k, t, body, key);
				await assertMade(k, r);
				assert.notEqual(r.text, answer.text, `${k.name}: made anew, not the old answer`);
				assert.equal(await total(k, t), before + 1, k.name);
				assertReplay(r, await send(k, t, body, key), `${k.name}: the key now names the new answer`);
				if (k.remote) {
					assert.ok((await commands(t.car)).includes(r.body.remoteActionId), `${k.name}: handed to the car`);
					await carryOut(t.car);
				}
				again.set(k.name, r);
			}
			tenants['b2c-other'].tok = await srv.token('idem-bob');
			assert.deepEqual(await used(), kept, 'taken again in place: counted once');
			await srv.cvctl(['purge']);
			assert.deepEqual(await used(), [3, 3, 0, 0], 'every key of a day ago forgotten, the three taken again kept');
			for (const k of KINDS)
				assertReplay(again.get(k.name), await send(k, tenant(k), firsts.get(k.name).body, firsts.get(k.name).key),
					`${k.name}: still answers after the purge`);
		});
});

// Rate limits and the brake on guessing (cgi/quota.h), with the default
// settings: every counted answer says its budgets (X-RateLimit-*-1, the
// day; -2, the second); a client over a budget gets 429 with
// X-RateLimit-Reset and Retry-After, its request does nothing, and the
// budget comes back after Reset; the processes of a program share one
// budget; a kept answer (the answer cache) is counted like any read. Ten
// wrong passwords of an account in a minute lock it out, right password
// or not, until the delay passes (CVAPI_GUESS_DELAY=2 here); a success
// before that clears them; the same for fleet managers' Basic credentials
// and for a client address, which vehicles' wrong credentials also count
// against (never the vehicle itself: anyone can read a VIN).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { cvsimOnce, historyArgs, vehiclesFile } from '../lib/sim.mjs';

const B2B = '/connectedcar/v3';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const CBS = `${B2C}/user/callbacks`;
const hook = { label: 'limits', type: ['Monitor'], callback: { webhook: { name: 'ops', target: 'https://hooks.example.com/cv' } } };

/* The X-RateLimit headers of r as numbers (null when absent). */
function budget(r) {
	const n = (h) => (r.headers.get(h) === null ? null : Number(r.headers.get(h)));
	return {
		limit1: n('x-ratelimit-limit-1'), remaining1: n('x-ratelimit-remaining-1'),
		limit2: n('x-ratelimit-limit-2'), remaining2: n('x-ratelimit-remaining-2'),
		reset: n('x-ratelimit-reset'), retry: n('retry-after'),
	};
}

/* A 429 for a spent budget: the xError, Reset and Retry-After (the same whole seconds, at least 1). */
async function assertRefused(r, what) {
	await assertXError(r, 429, { code: 42901, message: /too many requests/ });
	const b = budget(r);
	assert.ok(Number.isInteger(b.retry) && b.retry >= 1, `${what}: Retry-After ${b.retry}`);
	assert.equal(b.reset, b.retry, `${what}: X-RateLimit-Reset says the same wait`);
	return b;
}

// The defaults (the other suites raise them); cvapi's own brake on guessing with a 2 s first lockout.
apiSuite('limits', {
	env: { CVAPI_RATE_CLIENT: null, CVAPI_RATE_TOKEN: null, CVAPI_RATE_VEHICLE: null, CVAPI_GUESS_DELAY: '2', CVAPI_CACHE_TRACE: '1',
		// a user's and the token endpoint's budgets above what the tests of this suite ask (the next suite tests them)
		CVAPI_RATE_USER: '100000000/1000', CVAPI_RATE_GRANT: '100000000/1000' },
}, (srv, it) => {
	let car;
	const status = () => `${B2C}/user/vehicles/${car.id}/status`;

	/* A token of client (a public one made here, with these limits) for login, by the password grant. */
	async function grant(client, limits, login = car.login, password = `${car.login}-pw`) {
		await srv.cvctl(['client', 'add', client, '--public']);
		if (limits)
			await srv.cvctl(['client', 'limits', client, ...limits]);
		const r = await srv.oauth({ grant_type: 'password', username: login, password, client_id: client });
		assert.equal(r.status, 200, r.text);
		return r.body.access_token;
	}

	it('set-up: a user with a vehicle and its data', async () => {
		car = await srv.addUserWithVehicle('limited', 'VF3LMTD0000000001', 'electric');
		const up = await srv.upload(car.vin, car.cred, {
			messageId: 'l-0', samples: [{ at: '2024-05-01T08:00:00Z', odometer: 1000, position: { lat: 48.85, lon: 2.35 } }],
		});
		assert.equal(up.status, 200, up.text);
	});

	it('every counted answer says the budgets (the defaults: 1000000 a day and 50 a second per grant)', async () => {
		const tok = await grant('plain');
		const r = await srv.get(status(), tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Status');
		const b = budget(r);
		assert.equal(b.limit1, 1000000);
		assert.equal(b.limit2, 50);
		assert.equal(b.remaining1, 999999);
		assert.equal(b.remaining2, 49);
		assert.equal(b.reset, null, 'Reset only on a 429');
		assert.equal(b.retry, null);
		// a refusal of a counted request says them too; the vehicle link says its own
		const nf = await srv.get(`${B2C}/user/vehicles/ffffffffffffffffffffffffffffffff/status`, tok);
		assert.equal(nf.status, 403, nf.text);
		assert.equal(budget(nf).limit2, 50);
		assert.equal(budget(nf).remaining2, 48);
		const up = await srv.upload(car.vin, car.cred, { messageId: 'l-1', samples: [{ at: '2024-05-01T08:01:00Z', odometer: 1001 }] });
		assert.equal(up.status, 200, up.text);
		assert.equal(budget(up).limit1, 1000000);
		assert.equal(budget(up).limit2, 20);
		// nobody known, no budget: an unauthenticated answer says none
		const anon = await srv.get(status());
		assert.equal(anon.status, 401);
		assert.equal(budget(anon).limit1, null);
	});

	it('a burst over the second\'s budget gets 429 with Reset and Retry-After; after that wait it is answered again', async () => {
		const tok = await grant('bursty');
		let ok = 0;
		let refused = null;
		let last = 50;
		for (let i = 0; i < 200 && !refused; i++) {
			const r = await srv.get(status(), tok);
			if (r.status === 429) {
				refused = r;
				break;
			}
			assert.equal(r.status, 200, r.text);
			const b = budget(r);
			// a sliding count: each read adds one, while the last second's share fades (whole requests shown)
			assert.ok(b.remaining2 <= last, `the second's remaining never goes up: ${b.remaining2} after ${last}`);
			last = b.remaining2;
			ok++;
		}
		assert.ok(refused, 'a burst of 200 reads met the limit');
		// 50 a sliding second: a burst that crosses a second's end may get a few more
		assert.ok(ok >= 49 && ok <= 75, `${ok} reads were answered before the first 429`);
		const b = await assertRefused(refused, 'the burst');
		assert.equal(b.limit2, 50);
		assert.equal(b.remaining2, 0);
		assert.equal(b.limit1, 1000000);
		// an honest client waits as told, and is answered
		await sleep(b.retry * 1000);
		const again = await srv.get(status(), tok);
		assert.equal(again.status, 200, again.text);
		assert.ok(budget(again).remaining2 >= 0);
		// someone else's grant was never limited by it
		const other = await grant('bystander');
		assert.equal((await srv.get(status(), other)).status, 200);
	});

	it('a kept answer (the answer cache) is counted, and says its own request\'s budget', async () => {
		const tok = await grant('cached', ['--day', '0', '--second', '0', '--token-day', '40', '--token-second', '0']);
		let hits = 0;
		for (let i = 1; i <= 40; i++) {
			const r = await srv.get(status(), tok);
			assert.equal(r.status, 200, r.text);
			if (r.headers.get('x-cvapi-cache') === 'hit')
				hits++;
			const b = budget(r);
			assert.equal(b.limit1, 40);
			assert.equal(b.remaining1, 40 - i, `read ${i}`);
			assert.equal(b.limit2, 1000, 'no budget of a second of the client\'s nor the grant\'s: the user\'s (CVAPI_RATE_USER)');
		}
		assert.ok(hits >= 10, `${hits} of the 40 reads came from the cache`);
		const over = await srv.get(status(), tok);
		const b = await assertRefused(over, 'the 41st read');
		assert.equal(over.headers.get('x-cvapi-cache'), null, 'a refusal is not the kept answer');
		assert.equal(b.remaining1, 0);
		// two fixed UTC days weighed (doc/api.md): a burst's budget comes back from the next midnight on, a
		// request each 40th of a day; so at least 36 minutes, at any time of day (ask at 23:59 or at 00:01)
		assert.ok(b.retry >= 86400 / 40 - 60, `the day's budget comes back in a 40th of a day at the soonest, not ${b.retry} s`);
	});

	it('the processes of a program share one budget', async () => {
		const tok = await grant('shared', ['--day', '0', '--second', '0', '--token-day', '30', '--token-second', '0']);
		// 60 reads, 10 at a time: both processes of cvapi-vehicle answer
		const codes = [];
		for (let i = 0; i < 6; i++)
			codes.push(...(await Promise.all(Array.from({ length: 10 }, () => srv.get(status(), tok)))).map((r) => r.status));
		assert.equal(codes.filter((c) => c === 200).length, 30, codes.join(' '));
		assert.equal(codes.filter((c) => c === 429).length, 30, codes.join(' '));
	});

	it('a refused request does nothing: no callback made, no upload stored', async () => {
		const tok = await grant('writer', ['--day', '0', '--second', '0', '--token-day', '2', '--token-second', '0']);
		const other = await grant('reader');
		const before = (await srv.get(CBS, other)).body.total;
		assert.equal((await srv.request('POST', CBS, { token: tok, body: hook })).status, 200);
		assert.equal((await srv.get(CBS, tok)).status, 200);
		const r = await srv.request('POST', CBS, { token: tok, body: { ...hook, label: 'refused' } });
		await assertRefused(r, 'a POST over the budget');
		const after = await srv.get(CBS, other);
		assert.equal(after.body.total, before + 1, 'only the first callback was made');
		assert.ok(!after.body._embedded.callbacks.some((c) => c.label === 'refused'), after.text);

		// the vehicle link: 20 a second; the refused batch is not stored, and is new when sent again
		const codes = [];
		let refused = null;
		for (let i = 0; i < 200 && !refused; i++) {
			const u = await srv.upload(car.vin, car.cred, {
				messageId: `burst-${i}`, samples: [{ at: new Date(Date.UTC(2024, 4, 2, 8, 0, i)).toISOString(), odometer: 2000 + i }],
			});
			codes.push(u.status);
			if (u.status === 429)
				refused = { u, i };
		}
		assert.ok(refused, `a burst of uploads met the limit: ${codes.join(' ')}`);
		const b = await assertRefused(refused.u, 'an upload over the budget');
		assert.equal(b.limit2, 20);
		const s = await srv.get(status(), other);
		assert.equal(s.body.odometer.mileage, 2000 + refused.i - 1, 'the last stored batch is the one before the refusal');
		await sleep(b.retry * 1000);
		const again = await srv.upload(car.vin, car.cred, {
			messageId: `burst-${refused.i}`, samples: [{ at: new Date(Date.UTC(2024, 4, 2, 8, 0, refused.i)).toISOString(), odometer: 2000 + refused.i }],
		});
		assert.equal(again.status, 200, again.text);
		assert.notEqual(again.body.repeat, true, 'the refused batch was never stored: it is new');
		assert.equal((await srv.get(status(), other)).body.odometer.mileage, 2000 + refused.i);
	});

	it('cvsim, a vehicle link client in a hurry, waits as each 429 asks: every batch stored once', { timeout: 170000 }, async () => {
		// two weekdays of history for the three demo vehicles in small batches, 4 at a time: over 20 a second each
		const r = await cvsimOnce(srv, ['--vehicles', vehiclesFile(srv), '--seed', '5', ...historyArgs(2), '--batch', '10', '--parallel', '4']);
		assert.equal(r.code, 0, r.stderr);
		const m = /samples=(\d+) batches=(\d+) duplicates=(\d+)/.exec(r.stdout);
		assert.ok(m, r.stdout);
		assert.ok(Number(m[2]) > 100, r.stdout);
		assert.equal(Number(m[3]), 0, 'no batch was sent twice after being stored');
		const refusals = (srv.ws.logs().match(/POST \/telematics\/v1\/vehicles\/[A-Z0-9]+\/messages: too many requests/g) || []).length;
		assert.ok(refusals > 0, `the vehicles went over their budget (${r.stdout.trim()})`);
	});

	it('cvctl client limits: prints, sets, resets; refuses a bad value or an unknown client', async () => {
		await srv.cvctl(['client', 'add', 'knobs', '--public']);
		assert.equal((await srv.cvctl(['client', 'limits', 'knobs'])).trim(),
			'day=default second=default token-day=default token-second=default');
		assert.equal((await srv.cvctl(['client', 'limits', 'knobs', '--second', '5', '--token-day', '0'])).trim(),
			'day=default second=5 token-day=0 token-second=default');
		assert.equal((await srv.cvctl(['client', 'limits', 'knobs', '--second', 'default'])).trim(),
			'day=default second=default token-day=0 token-second=default');
		assert.equal((await srv.cvctl(['client', 'limits', 'knobs', '--default'])).trim(),
			'day=default second=default token-day=default token-second=default');
		for (const bad of [['--day', '-1'], ['--day', 'many'], ['--second', '4294967296'], ['--token-day'], ['--hourly', '3']]) {
			const r = await srv.cvctlRun(['client', 'limits', 'knobs', ...bad]);
			assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, /^cvctl: .+\n$/, bad.join(' '));
		}
		const d = await srv.cvctlRun(['client', 'limits', 'knobs', '--default', '--day', '3']);
		assert.equal(d.code, 2, d.stderr);
		const u = await srv.cvctlRun(['client', 'limits', 'nobody']);
		assert.equal(u.code, 1);
		assert.match(u.stderr, /no client nobody/);
	});

	it('a client\'s own limits apply at once, in every process, and on the fleet face', async () => {
		const tok = await grant('tuned');
		assert.equal(budget(await srv.get(status(), tok)).limit2, 50);
		// the tighter budget is the one said: the client's 200 a second, until it has more than the grant
		await srv.cvctl(['client', 'limits', 'tuned', '--token-second', '500']);
		assert.equal(budget(await srv.get(status(), tok)).limit2, 200);
		await srv.cvctl(['client', 'limits', 'tuned', '--second', '1000']);
		for (let i = 0; i < 4; i++)
			assert.equal(budget(await srv.get(status(), tok)).limit2, 500);
		// the fleet face: the client_id's budget, and the manager's
		await srv.cvctl(['client', 'add', 'fleetapp', '--public']);
		await srv.cvctl(['client', 'limits', 'fleetapp', '--day', '7', '--token-day', '900']);
		const fleets = () => srv.request('GET', `${B2B}/fleets?client_id=fleetapp`, { headers: { authorization: basic('fleet', 'fleet') } });
		for (let i = 1; i <= 7; i++) {
			const f = await fleets();
			assert.equal(f.status, 200, f.text);
			assert.equal(budget(f).limit1, 7);
			assert.equal(budget(f).remaining1, 7 - i);
			assert.equal(budget(f).limit2, 50, 'the manager\'s second: the default');
		}
		await assertRefused(await fleets(), 'the fleet face over the client\'s day');
	});

	it('a fleet manager naming an application\'s client_id spends its own share of that budget, not the application\'s users\'', async () => {
		await srv.cvctl(['client', 'add', 'managed', '--public']);
		await srv.cvctl(['client', 'limits', 'managed', '--day', '3']);
		await srv.cvctl(['user', 'add', 'manager3', '--password', 'manager3-pw']);
		await srv.cvctl(['fleet', 'add', 'fleet3', '--owner', 'manager3']);
		const fleets = (who) => srv.request('GET', `${B2B}/fleets?client_id=managed`, { headers: { authorization: basic(who, `${who}-pw`) } });
		for (let i = 0; i < 3; i++)
			assert.equal((await fleets('manager3')).status, 200);
		await assertRefused(await fleets('manager3'), 'the manager\'s share of the client\'s day');
		// the application's own users are still answered, under the client's budget
		const tok = await srv.token(car.login, { client: 'managed' });
		const mine = await srv.get(status(), tok);
		assert.equal(mine.status, 200, mine.text);
		assert.equal(budget(mine).remaining1, 2, 'the users\' budget: untouched by the manager');
	});

	it('the 11th wrong password in a minute is refused even when right, until the delay passes; a success before clears them', async () => {
		await srv.cvctl(['user', 'add', 'guessed', '--password', 'right-pw']);
		const login = (password) => srv.oauth({ grant_type: 'password', username: 'guessed', password, client_id: 'console' });
		for (let i = 0; i < 9; i++)
			assert.equal((await login(`wrong-${i}`)).status, 400);
		assert.equal((await login('right-pw')).status, 200, 'nine failures, then a success');
		for (let i = 0; i < 10; i++) {
			const r = await login(`wrong-again-${i}`);
			await assertXError(r, 400, { message: /bad username or password/, extra: ['error', 'error_description'] });
		}
		const locked = await login('right-pw');
		await assertXError(locked, 429, { code: 42902, message: /too many failed attempts for this account/ });
		assert.equal(locked.body.access_token, undefined);
		const retry = Number(locked.headers.get('retry-after'));
		assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
		// no password is checked meanwhile: a wrong one gets the same answer
		await assertXError(await login('wrong-during'), 429, { code: 42902 });
		// the audit log says who was locked out, and who knocked
		assert.match(srv.ws.logs(), /audit event=lockout who=account login=guessed\b/);
		assert.match(srv.ws.logs(), /audit event=auth-locked who=account login=guessed\b/);
		// another account is not locked
		assert.equal((await srv.oauth({ grant_type: 'password', username: car.login, password: `${car.login}-pw`, client_id: 'console' })).status, 200);
		await sleep(retry * 1000);
		assert.equal((await login('right-pw')).status, 200, 'after the delay');
	});

	it('the same brake on the fleet face\'s Basic credentials; a vehicle\'s wrong credentials count for the address only', async () => {
		await srv.cvctl(['user', 'add', 'manager2', '--password', 'manager2-pw']);
		await srv.cvctl(['fleet', 'add', 'fleet2', '--owner', 'manager2']);
		const fleets = (pw) => srv.request('GET', `${B2B}/fleets?client_id=console`, { headers: { authorization: basic('manager2', pw) } });
		for (let i = 0; i < 10; i++)
			await assertXError(await fleets(`nope-${i}`), 401, { code: 40105 });
		const f = await fleets('manager2-pw');
		await assertXError(f, 429, { code: 42902, message: /for this account/ });
		const fr = Number(f.headers.get('retry-after'));
		assert.ok(fr >= 1, `Retry-After ${fr}`);

		// a VIN is on the windscreen: wrong credentials must not keep the vehicle out
		const up = (cred, i) => srv.upload(car.vin, cred, { messageId: `g-${i}`, samples: [{ at: '2024-05-03T08:00:00Z', odometer: 3000 }] });
		for (let i = 0; i < 10; i++)
			await assertXError(await up(`not-the-credential-${i}`, i), 401, { code: 40102 });
		const v = await up(car.cred, 10);
		assert.equal(v.status, 200, v.text);
		await sleep(fr * 1000);
		const after = await fleets('manager2-pw');
		assert.equal(after.status, 200, after.text);
		assert.deepEqual(after.body._embedded.fleets.map((x) => x.id), ['fleet2']);
	});

	it('an address that fails 100 times in a minute is locked out, whatever the account', async () => {
		// the earlier tests' failures of the last minute count too: at most 100 more
		let failures = 0;
		for (; failures <= 100; failures++) {
			const r = await srv.oauth({ grant_type: 'password', username: `nobody-${failures}`, password: 'x', client_id: 'console' });
			if (r.status === 429)
				break;
			await assertXError(r, 400, { message: /bad username or password/, extra: ['error', 'error_description'] });
		}
		assert.ok(failures >= 50 && failures <= 100, `locked out after ${failures} more failures`);
		const r = await srv.oauth({ grant_type: 'password', username: car.login, password: `${car.login}-pw`, client_id: 'console' });
		await assertXError(r, 429, { code: 42902, message: /from this address/ });
		assert.match(srv.ws.logs(), /audit event=lockout who=address\b/);
		await sleep(Number(r.headers.get('retry-after')) * 1000);
		assert.equal((await srv.oauth({ grant_type: 'password', username: car.login, password: `${car.login}-pw`, client_id: 'console' })).status, 200);
	});
});

// The token endpoint and the user's budget: a grant more is no budget more.
apiSuite('limits (tokens and users)', { env: { CVAPI_RATE_GRANT: '1000/2', CVAPI_RATE_USER: '1000/4' } }, (srv, it) => {
	it('a third token in a second for one account is refused, password or refresh; another account is not', async () => {
		await srv.cvctl(['user', 'add', 'hasty', '--password', 'hasty-pw']);
		const login = (u = 'hasty') => srv.oauth({ grant_type: 'password', username: u, password: `${u}-pw`, client_id: 'console' });
		const first = await login();
		assert.equal(first.status, 200, first.text);
		const again = await srv.oauth({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'console' });
		assert.equal(again.status, 200, again.text);
		// within the same second, a third: refused before anything is checked or issued
		const third = await login();
		if (third.status === 200) {
			// the second turned between the two: one more is over the budget again
			const fourth = await login();
			await assertRefused(fourth, 'a burst of grants');
		} else {
			const b = await assertRefused(third, 'a third grant in a second');
			assert.ok(b.retry <= 2, `a second's wait: ${b.retry}`);
			assert.equal(third.body.access_token, undefined);
		}
		await srv.cvctl(['user', 'add', 'calm', '--password', 'calm-pw']);
		assert.equal((await login('calm')).status, 200, 'another account has its own');
	});

	it('a user\'s grants share one budget: two logins are not twice the requests', async () => {
		await srv.cvctl(['user', 'add', 'twice', '--password', 'twice-pw']);
		const grant = async () => {
			const r = await srv.oauth({ grant_type: 'password', username: 'twice', password: 'twice-pw', client_id: 'console' });
			assert.equal(r.status, 200, r.text);
			return r.body.access_token;
		};
		const a = await grant();
		await new Promise((res) => setTimeout(res, 1100));       // the grants' own budget of a second
		const b = await grant();
		const got = [];
		for (let i = 0; i < 6; i++)
			got.push((await srv.get(`${B2C}/user`, i % 2 ? a : b)).status);
		assert.ok(got.filter((s) => s === 429).length >= 1, `the user's 4 a second across both grants: ${got}`);
		assert.ok(got.filter((s) => s === 200).length <= 4 * 2, `${got}`);
	});
});

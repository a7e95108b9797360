// A fleet manager's bearer token: the password grant with scope=fleet
// gives a token the fleet face takes besides Basic and certificates, with
// a user token's lifetimes, rotation, reuse detection and revocation.
// Every bearer failure keeps the fleet face's 401 40101 and answers with
// an RFC 6750 challenge, never a Basic one; another fleet is 403 40301. A
// request that says it comes from a script (X-Requested-With) never gets
// a Basic challenge either. The brake on guessing and the grant budget
// apply as to users.
import assert from 'node:assert/strict';
import { apiSuite } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { TestClock, SEAM, nowIso } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const b2b = { doc: 'b2b' };
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
// the programs' clock, moved past an access token's hour by the expiry test
const clock = new TestClock(nowIso());

/* A bearer failure on the fleet face: 401 40101, a Bearer challenge with error, no Basic. */
async function assertBearerRefused(r, error, message) {
	await assertXError(r, 401, { code: 40101, message });
	const ch = r.headers.get('www-authenticate') || '';
	assert.match(ch, new RegExp(`^Bearer realm="cvapi", error="${error}"`), ch);
	assert.doesNotMatch(ch, /Basic/);
	assert.ok(!r.text.includes(FLEET));
}

apiSuite('fleet-token', { env: clock.env }, (srv, it) => {
	/* GET on the fleet face with a token (client_id=console unless told otherwise). */
	const get = (path, token, { client = 'console', headers = {} } = {}) => {
		const sep = path.includes('?') ? '&' : '?';
		return srv.request('GET', `${B2B}${path}${client ? `${sep}client_id=${client}` : ''}`, {
			headers: { ...headers, authorization: `Bearer ${token}` } });
	};
	const grant = (username, password, scope, extra = {}) => srv.oauth({ grant_type: 'password', username, password,
		client_id: 'console', ...(scope === undefined ? {} : { scope }), ...extra });
	const refresh = (token) => srv.oauth({ grant_type: 'refresh_token', refresh_token: token, client_id: 'console' });
	const revoke = (token) => srv.request('POST', '/oauth2/revoke', {
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ token, client_id: 'console' }).toString() });
	let car;

	it('set-up: a second fleet manager with a fleet', async () => {
		await srv.cvctl(['user', 'add', 'boss', '--password', 'boss-pw']);
		await srv.cvctl(['fleet', 'add', 'boss-fleet', '--owner', 'boss']);
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		const up = await srv.upload(car.vin, car.cred, { messageId: 'ft-1', samples: [
			{ at: '2024-07-01T08:00:00Z', speed: 30, position: { lat: 48.85, lon: 2.35 } }] });
		assert.equal(up.status, 200, up.text);
	});

	it('the password grant with scope=fleet: a token that reads the fleet face as Basic does', async () => {
		const r = await grant('fleet', 'fleet', 'fleet');
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.scope, 'fleet');
		assert.equal(r.body.token_type, 'Bearer');
		assert.equal(r.body.expires_in, 3600);
		const tok = r.body.access_token;
		const f = await get('/fleets', tok);
		assert.equal(f.status, 200, f.text);
		await assertSchema(f.body, 'Fleets', b2b);
		assert.deepEqual(f.body._embedded.fleets.map((x) => x.id), [FLEET]);
		assert.equal(f.headers.get('www-authenticate'), null);
		const one = await get(`/fleets/${FLEET}`, tok);
		await assertSchema(one.body, 'Fleet', b2b);
		const v = await get(`/fleets/${FLEET}/vehicles`, tok);
		assert.equal(v.status, 200, v.text);
		await assertSchema(v.body, 'Vehicles', b2b);
		const viaBasic = await srv.request('GET', `${B2B}/fleets/${FLEET}/vehicles?client_id=console`,
			{ headers: { authorization: basic('fleet', 'fleet') } });
		assert.deepEqual(v.body, viaBasic.body);
		const s = await get(`/fleets/${FLEET}/vehicles/${car.id}/status`, tok);
		assert.equal(s.status, 200, s.text);
		await assertSchema(s.body, 'Status', b2b);
		// counted like the manager's Basic requests (the fleet face's budgets)
		assert.ok(s.headers.get('x-ratelimit-limit-1'), 'rate limit headers');
		// both faces in one token, when both are asked for
		const both = await grant('fleet', 'fleet', 'fleet data:telemetry');
		assert.equal(both.status, 200, both.text);
		assert.deepEqual(both.body.scope.split(' ').sort(), ['data:telemetry', 'fleet']);
		assert.equal((await get('/fleets', both.body.access_token)).status, 200);
	});

	it('a grant that names no scope is not a fleet token; a client not allowed fleet cannot ask for it', async () => {
		const r = await grant('fleet', 'fleet');
		assert.equal(r.status, 200, r.text);
		assert.ok(!r.body.scope.split(' ').includes('fleet'), r.body.scope);
		await assertBearerRefused(await get('/fleets', r.body.access_token), 'insufficient_scope', /lacks the scope fleet/);
		assert.match((await get('/fleets', r.body.access_token)).headers.get('www-authenticate'), /scope="fleet"/);
		await srv.cvctl(['client', 'add', 'b2c-only', '--public', '--scope', 'data:telemetry data:position']);
		const no = await grant('fleet', 'fleet', 'fleet', { client_id: 'b2c-only' });
		assert.equal(no.status, 400, no.text);
		assert.equal(no.body.error, 'invalid_scope');
		// cvctl token issue: fleet only when named
		await assertBearerRefused(await get('/fleets', await srv.token('fleet', { client: 'console' })), 'insufficient_scope');
		const named = await srv.token('fleet', { client: 'console', scope: 'fleet' });
		assert.equal((await get('/fleets', named)).status, 200);
	});

	it('refresh: the pair rotates and keeps the scope; a reused refresh token ends the grant on the fleet face too', async () => {
		const first = (await grant('fleet', 'fleet', 'fleet')).body;
		const second = await refresh(first.refresh_token);
		assert.equal(second.status, 200, second.text);
		assert.equal(second.body.scope, 'fleet');
		assert.notEqual(second.body.access_token, first.access_token);
		assert.equal((await get('/fleets', second.body.access_token)).status, 200);
		const reuse = await refresh(first.refresh_token);
		assert.equal(reuse.status, 400, reuse.text);
		assert.equal(reuse.body.error, 'invalid_grant');
		await assertBearerRefused(await get('/fleets', second.body.access_token), 'invalid_token', /unknown or revoked/);
		await assertBearerRefused(await get('/fleets', first.access_token), 'invalid_token', /unknown or revoked/);
	});

	it('revocation: a revoked access token, or the grant of a revoked refresh token, is refused at once', async () => {
		const a = (await grant('fleet', 'fleet', 'fleet')).body;
		assert.equal((await get(`/fleets/${FLEET}`, a.access_token)).status, 200);
		assert.equal((await revoke(a.access_token)).status, 200);
		await assertBearerRefused(await get(`/fleets/${FLEET}`, a.access_token), 'invalid_token', /unknown or revoked/);
		const b = (await grant('fleet', 'fleet', 'fleet')).body;
		assert.equal((await revoke(b.refresh_token)).status, 200);
		await assertBearerRefused(await get('/fleets', b.access_token), 'invalid_token');
		// a refresh token is not an access token
		const c = (await grant('fleet', 'fleet', 'fleet')).body;
		await assertBearerRefused(await get('/fleets', c.refresh_token), 'invalid_token');
		await assertBearerRefused(await get('/fleets', 'not-a-token'), 'invalid_token', /unknown or revoked/);
	});

	it('another manager\'s fleet, or a login that manages none: 403 40301 as with Basic', async () => {
		const mine = (await grant('fleet', 'fleet', 'fleet')).body.access_token;
		const boss = (await grant('boss', 'boss-pw', 'fleet')).body.access_token;
		for (const p of ['/fleets/boss-fleet', '/fleets/boss-fleet/vehicles', '/fleets/no-such-fleet',
			`/fleets/boss-fleet/vehicles/${car.id}/status`]) {
			const r = await get(p, mine);
			await assertXError(r, 403, { code: 40301, message: /this fleet is not yours/ });
			assert.equal(r.headers.get('www-authenticate'), null);
		}
		await assertXError(await get(`/fleets/${FLEET}`, boss), 403, { code: 40301 });
		assert.deepEqual((await get('/fleets', boss)).body._embedded.fleets.map((x) => x.id), ['boss-fleet']);
		// a user who manages no fleet: a fleet token shows nothing
		const demo = await grant('demo', 'demo', 'fleet');
		assert.equal(demo.status, 200, demo.text);
		const none = await get('/fleets', demo.body.access_token);
		assert.equal(none.status, 200, none.text);
		assert.equal(none.body.total, 0);
		await assertXError(await get(`/fleets/${FLEET}`, demo.body.access_token), 403, { code: 40301 });
		await assertXError(await get(`/fleets/${FLEET}/vehicles/${car.id}`, demo.body.access_token), 403, { code: 40301 });
	});

	it('a user\'s token on the fleet face: 401 40101, no Basic challenge', async () => {
		const user = (await grant('demo', 'demo')).body.access_token;
		await assertBearerRefused(await get('/fleets', user), 'insufficient_scope');
		await assertBearerRefused(await get(`/fleets/${FLEET}/vehicles/${car.id}/status`, user), 'insufficient_scope');
		// and a fleet token on the user face: a token lacking the user face's scopes
		const fleetOnly = (await grant('fleet', 'fleet', 'fleet')).body.access_token;
		await assertXError(await srv.get(`/connectedcar/v4/user/vehicles/${car.id}/lastPosition`, fleetOnly), 403, { code: 40302 });
	});

	it('client_id: still required, and it must be the token\'s client', async () => {
		const tok = (await grant('fleet', 'fleet', 'fleet')).body.access_token;
		await assertXError(await get('/fleets', tok, { client: null }), 401, { code: 40104, message: /client_id is required/ });
		await srv.cvctl(['client', 'add', 'other-app', '--public']);
		await assertXError(await get('/fleets', tok, { client: 'other-app' }), 403, { code: 40303 });
	});

	it('expiry (the clock seam): an expired access token is refused; its refresh token gives a working pair', { skip: !SEAM && 'no clock seam' }, async () => {
		const a = (await grant('fleet', 'fleet', 'fleet')).body;
		assert.equal((await get('/fleets', a.access_token)).status, 200);
		clock.advance(3601 * 1000);
		const r = await get('/fleets', a.access_token);
		await assertBearerRefused(r, 'invalid_token', /expired: refresh it/);
		assert.match(r.headers.get('www-authenticate'), /error_description="expired"/);
		const b = await refresh(a.refresh_token);
		assert.equal(b.status, 200, b.text);
		assert.equal((await get('/fleets', b.body.access_token)).status, 200);
	});

	it('wrong passwords: the token endpoint answers 400 without a challenge; a script never gets a Basic challenge', async () => {
		const bad = await grant('fleet', 'nope', 'fleet');
		await assertXError(bad, 400, { message: /bad username or password/, extra: ['error', 'error_description'] });
		assert.equal(bad.headers.get('www-authenticate'), null);
		// Basic from a script (X-Requested-With): the same 401 40105, with a challenge no browser acts on
		const xhr = { 'x-requested-with': 'cvapi-console' };
		const b = await srv.request('GET', `${B2B}/fleets?client_id=console`, { headers: { ...xhr, authorization: basic('fleet', 'nope') } });
		await assertXError(b, 401, { code: 40105, message: /wrong login or password/ });
		assert.equal(b.headers.get('www-authenticate'), 'Bearer realm="cvapi"');
		const n = await srv.request('GET', `${B2B}/fleets?client_id=console`, { headers: xhr });
		await assertXError(n, 401, { code: 40101 });
		assert.equal(n.headers.get('www-authenticate'), 'Bearer realm="cvapi"');
		// without it, Basic clients keep their challenge
		const plain = await srv.request('GET', `${B2B}/fleets?client_id=console`, { headers: { authorization: basic('fleet', 'nope') } });
		assert.equal(plain.headers.get('www-authenticate'), 'Basic realm="cvapi"');
		// the token endpoint's 401 (an unknown client) likewise
		const u = await grant('fleet', 'fleet', 'fleet', { client_id: 'no-such-app' });
		await assertXError(u, 401, { code: 40104, extra: ['error', 'error_description'] });
		assert.match(u.headers.get('www-authenticate'), /^Basic /);
		const ux = await srv.oauth({ grant_type: 'password', username: 'fleet', password: 'fleet', client_id: 'no-such-app' }, { headers: xhr });
		assert.equal(ux.status, 401);
		assert.equal(ux.headers.get('www-authenticate'), 'Bearer realm="cvapi"');
	});
});

// The brake on guessing and the grant budget, as for users' logins.
apiSuite('fleet-token (limits)', { env: { CVAPI_RATE_GRANT: '3/0', CVAPI_GUESS_DELAY: '60' } }, (srv, it) => {
	const grant = (username, password) => srv.oauth({ grant_type: 'password', username, password, client_id: 'console', scope: 'fleet' });

	it('a fleet manager\'s grants count against the account\'s budget (CVAPI_RATE_GRANT)', async () => {
		await srv.cvctl(['user', 'add', 'brisk', '--password', 'brisk-pw']);
		await srv.cvctl(['fleet', 'add', 'brisk-fleet', '--owner', 'brisk']);
		const first = await grant('brisk', 'brisk-pw');
		assert.equal(first.status, 200, first.text);
		assert.equal((await srv.oauth({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'console' })).status, 200);
		assert.equal((await grant('brisk', 'brisk-pw')).status, 200);
		const over = await grant('brisk', 'brisk-pw');
		await assertXError(over, 429, { code: 42901 });
		assert.ok(Number(over.headers.get('retry-after')) >= 1);
	});

	it('ten wrong passwords lock the manager out of the grant and of fresh Basic alike', async () => {
		await srv.cvctl(['user', 'add', 'guessed', '--password', 'right-pw']);
		await srv.cvctl(['fleet', 'add', 'guessed-fleet', '--owner', 'guessed']);
		for (let i = 0; i < 10; i++)
			await assertXError(await grant('guessed', `wrong-${i}`), 400, { message: /bad username or password/, extra: ['error', 'error_description'] });
		const locked = await grant('guessed', 'right-pw');
		await assertXError(locked, 429, { code: 42902, message: /for this account/ });
		assert.equal(locked.body.access_token, undefined);
		const f = await srv.request('GET', `${B2B}/fleets?client_id=console`, { headers: { authorization: basic('guessed', 'right-pw') } });
		await assertXError(f, 429, { code: 42902, message: /for this account/ });
		assert.match(srv.ws.logs(), /audit event=lockout who=account login=guessed\b/);
	});
});

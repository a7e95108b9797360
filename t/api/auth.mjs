// Authentication and authorisation on every B2C endpoint: no token, bad
// tokens, expired tokens, client_id, scopes, vehicles of other accounts.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertXError } from '../lib/schema.mjs';

apiSuite('auth', (srv, it) => {
	const V = `${B2C}/user/vehicles`;
	const t = {}; // tokens by name
	let vid;
	let other;

	// every endpoint, with {v} for a vehicle id, and the scope it needs
	const endpoints = [
		['/user', null],
		['/user/vehicles', null],
		['/user/vehicles/{v}', null],
		['/user/vehicles/{v}/status', null],
		['/user/vehicles/{v}/lastPosition', 'data:position'],
		['/user/vehicles/{v}/maintenance', 'data:telemetry'],
		['/user/vehicles/{v}/telemetry', 'data:telemetry'],
		['/user/vehicles/{v}/alerts', 'data:alert'],
		['/user/vehicles/{v}/collisions', 'data:collision'],
		['/user/vehicles/{v}/alarms', 'data:telemetry'],
	];
	const path = (p, id = vid) => `${B2C}${p.replace('{v}', id)}`;

	it('set-up: tokens, data for every endpoint, a second account', async () => {
		vid = srv.vehicles[0].id;
		t.good = await srv.token('demo');
		t.expired = await srv.token('demo', { ttl: -10 });
		t.none = await srv.token('demo', { scope: '' });
		t.console = await srv.token('demo', { client: 'console' });
		const up = await srv.upload(srv.vehicles[0].vin, srv.vehicles[0].cred, {
			messageId: 'auth-1',
			samples: [{ at: '2024-05-01T08:30:00Z', speed: 10, position: { lat: 1, lon: 2 }, maintenance: { days: 10 } }],
		});
		assert.equal(up.status, 200, up.text);
		other = await srv.addUserWithVehicle('mallory', 'VF3MALLXRY0000001');
		const up2 = await srv.upload(other.vin, other.cred, {
			messageId: 'm-1', samples: [{ at: '2024-05-01T08:30:00Z', speed: 99, position: { lat: 45.5, lon: 4.25 }, maintenance: { km: 77 } }],
		});
		assert.equal(up2.status, 200, up2.text);
		for (const [p] of endpoints) {
			const r = await srv.get(path(p), t.good);
			assert.equal(r.status, 200, `${p}: ${r.text}`);
		}
	});

	for (const [p, scope] of endpoints) {
		const cases = [
			// name, headers or token, status, code, message
			['no Authorization header', {}, 401, 40101, /no credentials/],
			['an empty Authorization header', { authorization: '' }, 401, 40101, /no credentials/],
			['Basic instead of Bearer', { authorization: 'Basic ZGVtbzpkZW1v' }, 401, 40102, /must be Bearer/],
			['Bearer with nothing after it', { authorization: 'Bearer ' }, 401, 40102, /must be Bearer|no credentials/],
			['an overlong token', { authorization: `Bearer ${'a'.repeat(300)}` }, 401, 40102, /must be Bearer/],
			['an unknown token', { authorization: `Bearer ${'A'.repeat(43)}` }, 401, 40102, /unknown or revoked/],
			['an expired token', () => ({ authorization: `Bearer ${t.expired}` }), 401, 40103, /expired/],
			["client_id not matching the token's client", () => ({ authorization: `Bearer ${t.console}`, q: 'client_id=app9' }), 403, 40303, /client_id does not match/],
		];
		if (scope)
			cases.push(['a token without its scope', () => ({ authorization: `Bearer ${t.none}` }), 403, 40302, new RegExp(`lacks the scope ${scope}`)]);
		for (const [name, hdr, status, code, message] of cases) {
			it(`GET ${p}: ${name} -> ${status}`, async () => {
				const h = typeof hdr === 'function' ? hdr() : { ...hdr };
				const q = h.q;
				delete h.q;
				const r = await srv.request('GET', path(p) + (q ? `?${q}` : ''), { headers: h });
				await assertXError(r, status, { code, message });
				if (status === 401)
					assert.match(r.headers.get('www-authenticate') || '', /^Bearer realm="cvapi"/);
				assert.ok(!r.text.includes(srv.vehicles[0].vin), 'no vehicle data in an error');
			});
		}
		if (p.includes('{v}')) {
			it(`GET ${p} of another account's vehicle -> 403 with no data`, async () => {
				const r = await srv.get(path(p, other.id), t.good);
				await assertXError(r, 403, { code: 40301, message: /not in your account/ });
				for (const leak of [other.vin, '99', '45.5', '77'])
					assert.ok(!r.body.message.includes(leak), r.text);
				// and the same for an id that exists nowhere
				const g = await srv.get(path(p, 'a'.repeat(32)), t.good);
				await assertXError(g, 403, { code: 40301 });
				assert.equal(g.body.message, r.body.message);
				// the owner does get it
				assert.equal((await srv.get(path(p, other.id), other.token)).status, 200);
			});
			it(`GET ${p} with a malformed vehicle id -> 400`, async () => {
				await assertXError(await srv.get(path(p, 'not-an-id'), t.good), 400, { code: 40002, message: /32 hexadecimal characters/ });
				await assertXError(await srv.get(path(p, 'A'.repeat(31)), t.good), 400, { code: 40002 });
			});
		}
		it(`GET ${p} with a matching client_id, and with a token of another user`, async () => {
			assert.equal((await srv.get(`${path(p)}?client_id=console`, t.console)).status, 200);
			assert.equal((await srv.get(`${path(p)}?client_id=cvctl`, t.good)).status, 200);
		});
	}

	it('the expired token was otherwise fine, and tokens do not leak across users', async () => {
		await assertXError(await srv.get(`${B2C}/user`, t.expired), 401, { code: 40103 });
		const me = await srv.get(`${B2C}/user`, other.token);
		assert.equal(me.status, 200);
		assert.equal(me.body.email, undefined); // mallory has none
		const list = await srv.get(V, other.token);
		assert.deepEqual(list.body._embedded.vehicles.map((v) => v.vin), [other.vin]);
	});
});

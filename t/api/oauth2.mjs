// POST /oauth2/token: password and refresh_token grants, public and
// confidential clients, scopes, and every malformed request we can think of.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const ALL_SCOPES = [
	'data:telemetry', 'data:position', 'data:trip', 'data:alert', 'data:collision',
	'remote:door:write', 'remote:preconditioning:write', 'remote:horn:write', 'remote:charging:write',
	'remote:lights:write', 'remote:wakeup:write', 'remote:navigation:write', 'data:vehicle:devices:pnc',
];

/* A successful token reply, checked; returns its body. */
function assertTokenReply(r, scopes) {
	assert.equal(r.status, 200, r.text);
	assert.equal(r.ctype, 'application/json');
	assert.match(r.headers.get('cache-control') || '', /no-store/);
	const b = r.body;
	assert.deepEqual(Object.keys(b).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
	assert.equal(b.token_type, 'Bearer');
	assert.equal(b.expires_in, 3600);
	assert.match(b.access_token, /^[A-Za-z0-9_-]{40,}$/);
	assert.match(b.refresh_token, /^[A-Za-z0-9_-]{40,}$/);
	assert.notEqual(b.access_token, b.refresh_token);
	if (scopes)
		assert.deepEqual(b.scope.split(' ').sort(), [...scopes].sort());
	return b;
}

/* An OAuth2 error: an xError plus RFC 6749's error and error_description. */
async function assertOAuthError(r, status, error, message) {
	const b = await assertXError(r, status, { message, extra: ['error', 'error_description'] });
	assert.equal(b.error, error, r.text);
	assert.equal(b.error_description, b.message);
	assert.match(r.headers.get('cache-control') || '', /no-store/);
	if (status === 401)
		assert.match(r.headers.get('www-authenticate') || '', /^Basic /);
}

const demo = { grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' };

apiSuite('oauth2', (srv, it) => {
	it('password grant with the public console client: all its scopes, a token that works', async () => {
		const b = assertTokenReply(await srv.oauth(demo), ALL_SCOPES);
		const u = await srv.get(`${B2C}/user`, b.access_token);
		assert.equal(u.status, 200, u.text);
		assert.equal(u.body.email, 'demo@cvapi.example');
		assert.equal(u.body.firstName, 'Camille');
		assert.equal(u.body.lastName, 'Martin');
		await assertSchema(u.body, 'User');
	});

	it('the refresh token rotates: the new one works, and the old one is refused (its reuse ends the grant)', async () => {
		const first = assertTokenReply(await srv.oauth(demo));
		const second = assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'console' }), ALL_SCOPES);
		assert.notEqual(second.refresh_token, first.refresh_token);
		assert.notEqual(second.access_token, first.access_token);
		assert.equal((await srv.get(`${B2C}/user`, second.access_token)).status, 200);
		const third = assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: 'console' }), ALL_SCOPES);
		assert.equal((await srv.get(`${B2C}/user`, third.access_token)).status, 200);
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: 'console' }),
			400, 'invalid_grant', /used/);
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: third.refresh_token, client_id: 'console' }),
			400, 'invalid_grant', /used|unknown/);
	});

	it('a refresh token used by several requests at once is honoured once', async () => {
		const b = assertTokenReply(await srv.oauth(demo));
		const rs = await Promise.all(Array.from({ length: 6 }, () =>
			srv.oauth({ grant_type: 'refresh_token', refresh_token: b.refresh_token, client_id: 'console' })));
		assert.deepEqual(rs.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400], rs.map((r) => r.text).join('\n'));
		for (const r of rs.filter((x) => x.status === 400))
			await assertOAuthError(r, 400, 'invalid_grant', /used|unknown/);
		// the others were reuses: the pair the first one got is revoked with its grant
		const won = rs.find((x) => x.status === 200).body;
		assert.equal((await srv.get(`${B2C}/user`, won.access_token)).status, 401);
	});

	it('scope narrowing: a token gets what was asked, and a refresh can narrow it again but not widen it', async () => {
		const b = assertTokenReply(await srv.oauth({ ...demo, scope: 'data:telemetry data:position' }), ['data:telemetry', 'data:position']);
		const v = srv.vehicles[0].id;
		// the narrowed token reaches what it has...
		const tel = await srv.get(`${B2C}/user/vehicles/${v}/telemetry`, b.access_token);
		assert.equal(tel.status, 200, tel.text);
		const r = assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: b.refresh_token, client_id: 'console', scope: 'data:position' }), ['data:position']);
		// ...and a narrower one loses the rest
		await assertXError(await srv.get(`${B2C}/user/vehicles/${v}/telemetry`, r.access_token), 403, { code: 40302, message: /data:telemetry/ });
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: r.refresh_token, client_id: 'console', scope: 'data:position data:trip' }),
			400, 'invalid_scope', /not granted/);
	});

	it('a refresh token is not an access token, and an access token is not a refresh token', async () => {
		const b = assertTokenReply(await srv.oauth(demo));
		await assertXError(await srv.get(`${B2C}/user`, b.refresh_token), 401, { code: 40102 });
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: b.access_token, client_id: 'console' }),
			400, 'invalid_grant', /unknown|used/);
	});

	it('a confidential client authenticates with HTTP Basic or with client_id/client_secret', async () => {
		await srv.cvctl(['client', 'add', 'app1', '--secret', 's3cret-app1', '--scope', 'data:telemetry data:position']);
		const scopes = ['data:telemetry', 'data:position'];
		const form = { grant_type: 'password', username: 'demo', password: 'demo' };
		const a = assertTokenReply(await srv.oauth(form, { basic: ['app1', 's3cret-app1'] }), scopes);
		const b = assertTokenReply(await srv.oauth({ ...form, client_id: 'app1', client_secret: 's3cret-app1' }), scopes);
		assert.equal((await srv.get(`${B2C}/user?client_id=app1`, a.access_token)).status, 200);
		assert.equal((await srv.get(`${B2C}/user`, b.access_token)).status, 200);
		// Basic plus the same client_id in the form is fine
		assertTokenReply(await srv.oauth({ ...form, client_id: 'app1' }, { basic: ['app1', 's3cret-app1'] }), scopes);
		// refresh through Basic
		assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: a.refresh_token }, { basic: ['app1', 's3cret-app1'] }), scopes);
		// a refresh token of app1 cannot be used by the console
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: b.refresh_token, client_id: 'console' }),
			400, 'invalid_grant', /another client/);
		// the client's scopes bound what can be asked
		await assertOAuthError(await srv.oauth({ ...form, scope: 'data:trip' }, { basic: ['app1', 's3cret-app1'] }),
			400, 'invalid_scope', /not granted/);
		// a token of app1 used with client_id=console
		await assertXError(await srv.get(`${B2C}/user?client_id=console`, a.access_token), 403, { code: 40303, message: /client_id/ });
	});

	const form = { grant_type: 'password', username: 'demo', password: 'demo' };
	const bad = [
		// name, form (object or raw string), request options, status, error, message
		['wrong password', { ...demo, password: 'nope' }, {}, 400, 'invalid_grant', /bad username or password/],
		['unknown user (the same answer as a wrong password)', { ...demo, username: 'nobody' }, {}, 400, 'invalid_grant', /bad username or password/],
		['overlong username', { ...demo, username: 'u'.repeat(300) }, {}, 400, 'invalid_grant', /bad username or password/],
		['missing password', { grant_type: 'password', username: 'demo', client_id: 'console' }, {}, 400, 'invalid_request', /username and password are required/],
		['empty username', { ...demo, username: '' }, {}, 400, 'invalid_request', /username and password are required/],
		['unknown client', { ...demo, client_id: 'nosuchclient' }, {}, 401, 'invalid_client', /unknown client/],
		['no client at all', form, {}, 401, 'invalid_client', /no client/],
		['overlong client_id', { ...demo, client_id: 'c'.repeat(200) }, {}, 401, 'invalid_client', /unknown client/],
		['missing grant_type', { username: 'demo', password: 'demo', client_id: 'console' }, {}, 400, 'invalid_request', /grant_type is required/],
		['unsupported grant (client_credentials)', { grant_type: 'client_credentials', client_id: 'console' }, {}, 400, 'unsupported_grant_type', /password or refresh_token/],
		['unsupported grant (authorization_code)', { grant_type: 'authorization_code', code: 'x', client_id: 'console' }, {}, 400, null, /unknown form field "code"/],
		['unknown scope', { ...demo, scope: 'data:telemetry data:everything' }, {}, 400, 'invalid_scope', /unknown scope "data:everything"/],
		['scopes separated by a comma', { ...demo, scope: 'data:telemetry,data:position' }, {}, 400, 'invalid_scope', /unknown scope "data:telemetry,data:position"/],
		['overlong scope', { ...demo, scope: 'data:telemetry '.repeat(100) }, {}, 400, 'invalid_scope', /scope/],
		['a secret sent for the public console client', { ...demo, client_secret: 'guess' }, {}, 401, 'invalid_client', /public/],
		['Basic credentials for the public console client with a secret', form, { basic: ['console', 'x'] }, 401, 'invalid_client', /public/],
		['Basic credentials for an unknown client', form, { basic: ['ghost', 'x'] }, 401, 'invalid_client', /unknown client/],
		['Basic credentials that are not base64', form, { headers: { authorization: 'Basic %%%%' } }, 401, 'invalid_client', /malformed Basic/],
		['Basic credentials without a colon', form, { headers: { authorization: 'Basic ' + Buffer.from('console').toString('base64') } }, 401, 'invalid_client', /malformed Basic/],
		['Basic and form naming two different clients', { ...form, client_id: 'other' }, { basic: ['console', ''] }, 400, 'invalid_request', /two different client ids/],
		['refresh_token grant without refresh_token', { grant_type: 'refresh_token', client_id: 'console' }, {}, 400, 'invalid_request', /refresh_token is required/],
		['unknown refresh token', { grant_type: 'refresh_token', refresh_token: 'A'.repeat(43), client_id: 'console' }, {}, 400, 'invalid_grant', /unknown or used/],
		['overlong refresh token', { grant_type: 'refresh_token', refresh_token: 'A'.repeat(300), client_id: 'console' }, {}, 400, 'invalid_request', /refresh_token/],
		['unknown form field', { ...demo, colour: 'blue' }, {}, 400, null, /unknown form field "colour"/],
		['a field given twice', 'grant_type=password&username=demo&password=demo&client_id=console&username=demo', {}, 400, null, /more than once/],
		['malformed form: bad percent escape', 'grant_type=password&username=de%zzmo&password=demo&client_id=console', {}, 400, null, /malformed value/],
		['malformed form: a field without =', 'grant_type=password&username&password=demo&client_id=console', {}, 400, null, /malformed form field/],
		['malformed form: a control character', 'grant_type=password&username=de%01mo&password=demo&client_id=console', {}, 400, null, /malformed value/],
		['wrong content type: JSON', JSON.stringify(demo), { contentType: 'application/json' }, 415, null, /x-www-form-urlencoded/],
		['wrong content type: none', new URLSearchParams(demo).toString(), { contentType: null }, 415, null, /x-www-form-urlencoded/],
		['wrong content type: a longer name', new URLSearchParams(demo).toString(), { contentType: 'application/x-www-form-urlencodedX' }, 415, null, /x-www-form-urlencoded/],
		['a huge body', { ...demo, scope: 'x'.repeat(20000) }, {}, 413, null, /larger than 16384 bytes/],
	];
	for (const [name, f, opts, status, error, message] of bad) {
		it(`refused: ${name} -> ${status}`, async () => {
			const r = await srv.oauth(f, opts);
			if (error)
				await assertOAuthError(r, status, error, message);
			else
				await assertXError(r, status, { message, extra: ['error', 'error_description'] });
		});
	}

	it('the content type may carry a charset', async () => {
		assertTokenReply(await srv.oauth(demo, { contentType: 'application/x-www-form-urlencoded; charset=utf-8' }));
	});

	it('wrong client secret, and a missing one, for a confidential client -> 401', async () => {
		await srv.cvctl(['client', 'add', 'app2', '--secret', 'right-secret']);
		await assertOAuthError(await srv.oauth(form, { basic: ['app2', 'wrong-secret'] }), 401, 'invalid_client', /bad client secret/);
		await assertOAuthError(await srv.oauth({ ...form, client_id: 'app2', client_secret: 'wrong-secret' }), 401, 'invalid_client', /bad client secret/);
		await assertOAuthError(await srv.oauth({ ...form, client_id: 'app2' }), 401, 'invalid_client', /bad client secret/);
		await assertOAuthError(await srv.oauth({ ...form, client_id: 'app2', client_secret: '' }), 401, 'invalid_client', /bad client secret/);
	});

	/* POST /oauth2/revoke with a form */
	const revoke = (form, opts = {}) => srv.request('POST', '/oauth2/revoke', {
		headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.basic ? { authorization: 'Basic ' + Buffer.from(opts.basic.join(':')).toString('base64') } : {}) },
		body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
	});

	it('revocation (RFC 7009): an access token stops working at once, a refresh token can no longer be used', async () => {
		const pair = assertTokenReply(await srv.oauth(demo));
		assert.equal((await srv.get(`${B2C}/user`, pair.access_token)).status, 200);
		const r = await revoke({ client_id: 'console', token: pair.access_token, token_type_hint: 'access_token' });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.body, {});
		assert.match(r.headers.get('cache-control') || '', /no-store/);
		await assertXError(await srv.get(`${B2C}/user`, pair.access_token), 401, { code: 40102 });
		// the refresh token, hinted wrongly: the hint is only a hint
		assert.equal((await revoke({ client_id: 'console', token: pair.refresh_token, token_type_hint: 'access_token' })).status, 200);
		await assertOAuthError(await srv.oauth({ grant_type: 'refresh_token', refresh_token: pair.refresh_token, client_id: 'console' }),
			400, 'invalid_grant', /unknown or used refresh token/);
		// again, and an unknown token, and an unknown hint: 200, as RFC 7009 asks (the answer tells nothing)
		assert.equal((await revoke({ client_id: 'console', token: pair.access_token })).status, 200);
		assert.equal((await revoke({ client_id: 'console', token: 'no-such-token' })).status, 200);
		assert.equal((await revoke({ client_id: 'console', token: 'x'.repeat(300) })).status, 200);
		assert.equal((await revoke({ client_id: 'console', token: 'no-such-token', token_type_hint: 'something_else' })).status, 200);
	});

	it('a refresh token used twice revokes every token of its grant (reuse detection)', async () => {
		const refresh = (t) => srv.oauth({ grant_type: 'refresh_token', refresh_token: t, client_id: 'console' });
		const p1 = assertTokenReply(await srv.oauth(demo));
		const p2 = assertTokenReply(await refresh(p1.refresh_token));
		const p3 = assertTokenReply(await refresh(p2.refresh_token));
		const other = assertTokenReply(await srv.oauth(demo));
		// p1's refresh token again: a stolen copy, or a replay
		await assertOAuthError(await refresh(p1.refresh_token), 400, 'invalid_grant', /already used: every token of its grant is revoked/);
		for (const t of [p1.access_token, p2.access_token, p3.access_token])
			await assertXError(await srv.get(`${B2C}/user`, t), 401, { code: 40102 });
		await assertOAuthError(await refresh(p3.refresh_token), 400, 'invalid_grant', /unknown or used/);
		// another login of the same user is another grant: untouched
		assert.equal((await srv.get(`${B2C}/user`, other.access_token)).status, 200);
		assertTokenReply(await refresh(other.refresh_token));
	});

	it('revoking a refresh token revokes the access tokens of its grant (RFC 7009)', async () => {
		const p1 = assertTokenReply(await srv.oauth(demo));
		const p2 = assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: p1.refresh_token, client_id: 'console' }));
		assert.equal((await revoke({ client_id: 'console', token: p2.refresh_token })).status, 200);
		for (const t of [p1.access_token, p2.access_token])
			await assertXError(await srv.get(`${B2C}/user`, t), 401, { code: 40102 });
	});

	it('revocation: the client authenticates, the token must be its own, and nothing is revoked otherwise', async () => {
		const pair = assertTokenReply(await srv.oauth(demo));
		await assertOAuthError(await revoke({ token: pair.access_token }), 401, 'invalid_client', /no client/);
		await assertOAuthError(await revoke({ client_id: 'nosuchclient', token: pair.access_token }), 401, 'invalid_client', /unknown client/);
		await assertOAuthError(await revoke({ client_id: 'console', client_secret: 'guess', token: pair.access_token }), 401, 'invalid_client', /public/);
		await srv.cvctl(['client', 'add', 'app3', '--secret', 'app3-secret']);
		await assertOAuthError(await revoke({ token: pair.access_token }, { basic: ['app3', 'wrong'] }), 401, 'invalid_client', /bad client secret/);
		await assertOAuthError(await revoke({ token: pair.access_token }, { basic: ['app3', 'app3-secret'] }), 400, 'unauthorized_client', /another client/);
		await assertOAuthError(await revoke({ client_id: 'console' }), 400, 'invalid_request', /token is required/);
		await assertOAuthError(await revoke({ client_id: 'console', token: '' }), 400, 'invalid_request', /token is required/);
		await assertXError(await revoke({ client_id: 'console', token: pair.access_token, extra: '1' }), 400, { message: /extra/ });
		await assertXError(await revoke(`client_id=console&token=${pair.access_token}&token=${pair.refresh_token}`), 400, { message: /token/ });
		await assertXError(await srv.request('POST', '/oauth2/revoke', { headers: { 'content-type': 'application/json' }, body: '{}' }), 415);
		// none of these revoked anything
		assert.equal((await srv.get(`${B2C}/user`, pair.access_token)).status, 200);
		assertTokenReply(await srv.oauth({ grant_type: 'refresh_token', refresh_token: pair.refresh_token, client_id: 'console' }));
	});

	it('other methods and paths', async () => {
		const g = await srv.request('GET', '/oauth2/token');
		await assertXError(g, 405, { code: 40501, message: /GET is not allowed/ });
		assert.equal(g.headers.get('allow'), 'POST');
		await assertXError(await srv.oauth(demo, {}).then(() => srv.request('POST', '/oauth2/tokens', { body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })),
			404, { code: 40401 });
		await assertXError(await srv.request('POST', '/oauth2/token?grant_type=password', { body: new URLSearchParams(demo).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
			400, { code: 40007, message: /unknown query parameter "grant_type"/ });
	});
});

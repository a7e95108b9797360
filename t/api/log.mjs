// The programs' log (cgi/log.h): authentication is audited in lines a log
// tool can parse (who, which client, from where, how it ended), no secret
// is ever written, and nothing a request carries can forge a line.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';

const B2B = '/connectedcar/v3';
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

/* The audit lines of text as objects: { prog, event, key: value... } (logfmt, with \" and \\ escapes). */
function audits(text) {
	const out = [];
	for (const line of text.split('\n')) {
		const m = /^cvapi\[([a-z0-9-]+)\] audit (.*)$/.exec(line);
		if (!m)
			continue;
		const o = { prog: m[1] };
		const re = /([a-z]+)=("((?:[^"\\]|\\.)*)"|[^ ]+)/g;
		let kv;
		while ((kv = re.exec(m[2])) !== null)
			o[kv[1]] = kv[3] !== undefined ? kv[3].replace(/\\(.)/g, '$1') : kv[2];
		out.push(o);
	}
	return out;
}

/* Until cond() holds (the programs' log reaches the test through a pipe), at most 10 s. */
async function until(cond) {
	const t0 = Date.now();
	while (!cond() && Date.now() - t0 < 10000)
		await new Promise((res) => setTimeout(res, 20));
}

apiSuite('log', (srv, it) => {
	const since = () => {
		const at = srv.ws.logs().length;
		return () => srv.ws.logs().slice(at);
	};

	it('a wrong Basic password: audited with the login, the client and the address, never the password', async () => {
		const log = since();
		const r = await srv.get(`${B2B}/fleets?client_id=console`, null, { headers: { authorization: basic('fleet', 'Gu3ss-Pw!') } });
		assert.equal(r.status, 401);
		await until(() => audits(log()).some((x) => x.event === 'auth-failed'));
		const a = audits(log()).filter((x) => x.event === 'auth-failed');
		assert.equal(a.length, 1, log());
		assert.deepEqual({ ...a[0] }, { prog: 'cvapi-user', event: 'auth-failed', scheme: 'basic', reason: 'bad-password',
			login: 'fleet', client: 'console', addr: '127.0.0.1' });
		assert.ok(!log().includes('Gu3ss-Pw!'), 'the password is not in the log');
		// a right one: a login, once (then remembered: no line per request)
		const ok = await srv.get(`${B2B}/fleets?client_id=console`, null, { headers: { authorization: basic('fleet', 'fleet') } });
		assert.equal(ok.status, 200, ok.text);
		await until(() => audits(log()).some((x) => x.event === 'login'));
		const logins = audits(log()).filter((x) => x.event === 'login');
		assert.equal(logins.length, 1);
		assert.equal(logins[0].login, 'fleet');
		assert.equal(logins[0].scheme, 'basic');
	});

	it('token grants: a login, a failure, a refresh, each with login and client', async () => {
		const log = since();
		const bad = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'not-it-123', client_id: 'console' });
		assert.equal(bad.status, 400);
		const nobody = await srv.oauth({ grant_type: 'password', username: 'ghost', password: 'x', client_id: 'console' });
		assert.equal(nobody.status, 400);
		const good = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
		assert.equal(good.status, 200, good.text);
		const ref = await srv.oauth({ grant_type: 'refresh_token', refresh_token: good.body.refresh_token, client_id: 'console' });
		assert.equal(ref.status, 200, ref.text);
		await until(() => audits(log()).some((x) => x.event === 'token-refreshed'));
		const a = audits(log()).map(({ event, reason, login, client, scheme }) => ({ event, reason, login, client, scheme }));
		assert.deepEqual(a, [
			{ event: 'auth-failed', reason: 'bad-password', login: 'demo', client: 'console', scheme: 'password' },
			{ event: 'auth-failed', reason: 'unknown-login', login: 'ghost', client: 'console', scheme: 'password' },
			{ event: 'login', reason: undefined, login: 'demo', client: 'console', scheme: 'password' },
			{ event: 'token-refreshed', reason: undefined, login: 'demo', client: 'console', scheme: undefined },
		]);
		for (const secret of ['not-it-123', good.body.access_token, good.body.refresh_token, ref.body.access_token])
			assert.ok(!log().includes(secret), 'no secret in the log');
	});

	it('a bearer token that is unknown, and a vehicle with a bad credential: audited', async () => {
		const log = since();
		assert.equal((await srv.get(`${B2C}/user`, 'no-such-token')).status, 401);
		const v = srv.vehicles[0];
		assert.equal((await srv.upload(v.vin, 'wrong-credential', { messageId: 'm', samples: [] })).status, 401);
		await until(() => audits(log()).some((x) => x.scheme === 'vehicle'));
		const a = audits(log());
		assert.ok(a.some((x) => x.event === 'auth-failed' && x.scheme === 'bearer' && x.reason === 'unknown-token'), log());
		assert.ok(a.some((x) => x.event === 'auth-failed' && x.scheme === 'vehicle' && x.reason === 'bad-credential' &&
			x.vin === v.vin));
		assert.ok(!log().includes('wrong-credential'));
	});

	it('what a request carries cannot forge a line: control characters are escaped', async () => {
		const log = since();
		const v = srv.vehicles[0];
		const forged = 'cvapi[cvapi-ingest] audit event=login login=admin';
		const body = `{"messageId":"forge-1","samples":[{"at":"2024-05-01T08:30:00Z","x\\n${forged}":1}]}`;
		const r = await srv.upload(v.vin, v.cred, body);
		assert.equal(r.status, 400, r.text);
		await until(() => log().includes(r.body.uuid));
		const text = log();
		assert.ok(text.includes('\\x0a'), `the newline is written escaped: ${text}`);
		for (const line of text.split('\n'))
			assert.ok(!line.startsWith(forged), `a forged line: ${line}`);
		assert.ok(!audits(text).some((x) => x.login === 'admin'));
		// the same through the path and a query parameter
		const q = await srv.get(`${B2C}/user?x%0a${encodeURIComponent(forged)}=1`, await srv.token('demo'));
		assert.equal(q.status, 400);
		for (const line of log().split('\n'))
			assert.ok(!line.startsWith(forged), `a forged line: ${line}`);
	});
});

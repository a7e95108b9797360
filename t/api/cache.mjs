// The answer cache (cgi/rcache.h): each process keeps its answers to a
// vehicle, its /status, /lastPosition and /maintenance (user face) and
// sends them again while the vehicle's data and anyone's rights are
// unchanged. What a user must never see: an answer older than an upload that was acknowledged, another
// token's answer (scopes, owner), links of another host, an expired
// token's answer. The programs run with CVAPI_CACHE_TRACE=1, so that the
// answers say whether they came from the cache (X-Cvapi-Cache: hit|miss).
import assert from 'node:assert/strict';
import { apiSuite, B2C, WEBSERVER } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const sample = (i, extra = {}) => ({
	at: new Date(Date.UTC(2024, 4, 1, 8, 0, i)).toISOString(),
	position: { lat: 48.85 + i / 1000, lon: 2.35, alt: 35, heading: 90, fix: '3D' },
	speed: 10 + i,
	odometer: 1000 + i,
	ignition: 'Start',
	maintenance: { days: 100 - i, km: 5000 - i },
	...extra,
});

apiSuite('cache', { env: { CVAPI_CACHE_TRACE: '1' } }, (srv, it) => {
	let car; // { login, token, vin, id, cred }
	let n = 0;
	const url = (what) => `${B2C}/user/vehicles/${car.id}${what ? '/' + what : ''}`;
	const upload = async (extra) => {
		n += 1;
		const r = await srv.upload(car.vin, car.cred, { messageId: `cache-${n}`, samples: [sample(n, extra)] });
		assert.equal(r.status, 200, r.text);
	};
	/* reads of path until one is a hit (every process keeps its own copies): the hit */
	const untilHit = async (path, token) => {
		for (let i = 0; i < 40; i++) {
			const r = await srv.get(path, token);
			assert.equal(r.status, 200, r.text);
			if (r.headers.get('x-cvapi-cache') === 'hit')
				return r;
		}
		assert.fail(`no answer of ${path} came from the cache in 40 reads`);
	};

	it('a repeated read is answered from the cache, the same bytes and headers', async () => {
		car = await srv.addUserWithVehicle('cacheuser', 'VF3CACHE000000001', 'electric');
		await upload();
		for (const what of ['status', 'lastPosition', 'maintenance', '']) {
			const first = await srv.get(url(what), car.token);
			assert.equal(first.status, 200, first.text);
			assert.equal(first.headers.get('x-cvapi-cache'), 'miss', `${what}: a first read is made, and kept`);
			const hit = await untilHit(url(what), car.token);
			assert.equal(hit.text, first.text, what);
			assert.equal(hit.ctype, first.ctype, what);
			assert.equal(hit.headers.get('content-length'), first.headers.get('content-length'), what);
		}
		const s = await untilHit(url('status'), car.token);
		await assertSchema(s.body, 'Status');
		assert.equal(s.body.kinetic.speed, 11);
		const v = await untilHit(url(''), car.token);
		await assertSchema(v.body, 'Vehicle');
		assert.equal(v.body.vin, car.vin);
	});

	it('someone\'s refresh grant ends no kept answer (a refresh token reads nothing)', async () => {
		// every process holds a copy: a run of hits
		let hits = 0;
		for (let i = 0; i < 40 && hits < 6; i++)
			hits = (await srv.get(url('status'), car.token)).headers.get('x-cvapi-cache') === 'hit' ? hits + 1 : 0;
		assert.equal(hits, 6, 'six hits in a row before the refresh');
		const pw = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
		assert.equal(pw.status, 200, pw.text);
		const rf = await srv.oauth({ grant_type: 'refresh_token', refresh_token: pw.body.refresh_token, client_id: 'console' });
		assert.equal(rf.status, 200, rf.text);
		for (let i = 0; i < 6; i++)
			assert.equal((await srv.get(url('status'), car.token)).headers.get('x-cvapi-cache'), 'hit', `read ${i} after the refresh`);
	});

	it('an acknowledged upload is in every read after it, in every process', async () => {
		for (let round = 0; round < 5; round++) {
			// every process holds a copy (two processes: hits on a few reads in a row)
			for (let i = 0; i < 6; i++)
				await srv.get(url('status'), car.token);
			await upload();
			const speed = 10 + n;
			for (let i = 0; i < 8; i++) {
				for (const what of ['status', 'lastPosition', 'maintenance']) {
					const r = await srv.get(url(what), car.token);
					assert.equal(r.status, 200, r.text);
					if (what === 'status')
						assert.equal(r.body.kinetic.speed, speed, `round ${round}, read ${i}: ${r.headers.get('x-cvapi-cache')}`);
					if (what === 'lastPosition')
						assert.equal(r.body.geometry.coordinates[1], Number((48.85 + n / 1000).toFixed(7)));
					if (what === 'maintenance')
						assert.equal(r.body.mileageBeforeMaintenance, 5000 - n, JSON.stringify(r.body));
				}
			}
		}
		// and the new answer is kept in its turn
		const hit = await untilHit(url('status'), car.token);
		assert.equal(hit.body.kinetic.speed, 10 + n);
	});

	it('the answer kept for one token is not another\'s: scopes and owners', async () => {
		const full = await srv.token('cacheuser');
		const narrow = await srv.token('cacheuser', { scope: 'data:position' });
		const a = await untilHit(url('status'), full);
		const b = await untilHit(url('status'), narrow);
		assert.ok(a.body.kinetic, 'all scopes: the vehicle\'s data');
		assert.equal(b.body.kinetic, undefined, 'data:position only: no kinetic');
		assert.ok(b.body.lastPosition);
		await assertXError(await srv.get(url('maintenance'), narrow), 403, { code: 40302, message: /data:telemetry/ });
		// someone else's token, after the owner's answers were kept
		const other = await srv.token('demo');
		for (let i = 0; i < 4; i++)
			await assertXError(await srv.get(url('status'), other), 403, { code: 40301 });
		await assertXError(await srv.get(url('status'), 'not-a-token'), 401, { code: 40102 });
	});

	it('the links follow the request\'s host, kept or not', async () => {
		const port = new URL(srv.base).port;
		const raw = (host) => srv.raw(`GET ${url('status')} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${car.token}\r\nConnection: close\r\n\r\n`);
		for (let i = 0; i < 4; i++) {
			const o = await raw(`other.example:${port}`);
			assert.equal(o.status, 200, o.body);
			assert.equal(JSON.parse(o.body)._links.self.href, `http://other.example:${port}${url('status')}`);
			const m = await raw(`127.0.0.1:${port}`);
			assert.equal(JSON.parse(m.body)._links.self.href, `${srv.base}${url('status')}`);
		}
	});

	it('a GET with a body is refused, though the same GET without one is kept', async () => {
		// the same key as the reads above: the same Host, path and token; both processes hold a copy
		for (let i = 0; i < 6; i++)
			await untilHit(url('status'), car.token);
		for (let i = 0; i < 6; i++) {
			const r = await srv.raw(`GET ${url('status')} HTTP/1.1\r\nHost: ${new URL(srv.base).host}\r\nAuthorization: Bearer ${car.token}\r\n` +
				'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
			// lighttpd refuses a GET with a body itself (400, its own page); Apache passes it on
			if (WEBSERVER === 'lighttpd' && r.status === 400)
				continue;
			assert.equal(r.status, 413, r.body);
			assert.match(JSON.parse(r.body).message, /takes no body/);
		}
	});

	it('HEAD after GET: the kept head, no body', async () => {
		const g = await untilHit(url('status'), car.token);
		for (let i = 0; i < 4; i++) {
			const h = await srv.request('HEAD', url('status'), { token: car.token });
			assert.equal(h.status, 200);
			assert.equal(h.text, '');
			assert.equal(h.ctype, 'application/hal+json');
			assert.equal(h.headers.get('content-length'), g.headers.get('content-length'));
		}
	});

	it('a token that expired is refused, though its answer was kept', async () => {
		const short = await srv.token('cacheuser', { ttl: 2 });
		const issued = Date.now();
		const hit = await untilHit(url('status'), short);
		assert.equal(hit.body.kinetic.speed, 10 + n);
		// wait for the instant the token expires (no condition of the server to poll)
		await new Promise((res) => setTimeout(res, Math.max(0, issued + 2100 - Date.now())));
		for (let i = 0; i < 4; i++)
			await assertXError(await srv.get(url('status'), short), 401, { code: 40103, message: /expired/ });
	});

	it('a revoked token is refused at once, though its answer was kept', async () => {
		const t = await srv.token('cacheuser', { client: 'console' });
		await untilHit(url('status'), t);
		const r = await srv.request('POST', '/oauth2/revoke', { headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ client_id: 'console', token: t }).toString() });
		assert.equal(r.status, 200, r.text);
		// every process, whatever it kept
		for (let i = 0; i < 6; i++)
			await assertXError(await srv.get(url('status'), t), 401, { code: 40102 });
	});

	it('a query string is part of the key: client_id is checked on every request', async () => {
		const ok = await untilHit(`${url('status')}?client_id=cvctl`, car.token);
		assert.equal(ok.body.kinetic.speed, 10 + n);
		for (let i = 0; i < 4; i++)
			await assertXError(await srv.get(`${url('status')}?client_id=someone-else`, car.token), 403, { code: 40303 });
	});
});

// CVAPI_BASE_URL: the public base URL links are built on. Set, every link
// of both faces uses it whatever Host (or X-Forwarded-Host) a request
// names, kept answers included, and another Host never appears in an
// answer. Malformed, it is said in the error log at start and links follow
// the requests again.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';

const BASE = 'https://api.example.com';
const B2B = '/connectedcar/v3';
const basic = `Basic ${Buffer.from('fleet:fleet').toString('base64')}`;

/* Every href in a JSON body. */
function hrefs(body) {
	const out = [];
	JSON.stringify(body, (k, v) => {
		if (k === 'href')
			out.push(v);
		return v;
	});
	return out;
}

apiSuite('links', { env: { CVAPI_BASE_URL: `${BASE}/` } }, (srv, it) => {
	it('every link of both faces is built on CVAPI_BASE_URL, whatever Host or X-Forwarded-Host the request names', async () => {
		const tok = await srv.token('demo');
		const v = srv.vehicles[0].id;
		const ask = (path, auth, host) => srv.raw(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Host: forged.example\r\n` +
			`X-Forwarded-Proto: http\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`);
		const paths = [[`${B2C}/user/vehicles`, `Bearer ${tok}`], [`${B2C}/user/vehicles/${v}`, `Bearer ${tok}`],
			[`${B2B}/fleets/demo-fleet/vehicles?client_id=console`, basic]];
		for (let i = 0; i < 3; i++) {
			// repeated: the answers a process keeps are built on it too
			for (const [path, auth] of paths)
				for (const host of ['evil.example', new URL(srv.base).host]) {
					const r = await ask(path, auth, host);
					assert.equal(r.status, 200, r.body);
					const links = hrefs(JSON.parse(r.body));
					assert.ok(links.length > 0, path);
					for (const h of links)
						assert.ok(h.startsWith(`${BASE}/connectedcar/`), `${path} with Host ${host}: ${h}`);
					assert.ok(!r.body.includes('evil.example') && !r.body.includes('forged.example'), r.body);
				}
		}
	});
});

apiSuite('links (a malformed base URL)', { env: { CVAPI_BASE_URL: 'ftp://files.example/path' } }, (srv, it) => {
	it('said in the error log, and links follow the request\'s Host', async () => {
		const tok = await srv.token('demo');
		const r = await srv.get(`${B2C}/user/vehicles`, tok);
		assert.equal(r.status, 200, r.text);
		for (const h of hrefs(r.body))
			assert.ok(h.startsWith(`${srv.base}/connectedcar/`), h);
		assert.match(srv.ws.logs(), /CVAPI_BASE_URL="ftp:\/\/files.example\/path" is not http\(s\):\/\/host\[:port\] with no path/);
	});
});

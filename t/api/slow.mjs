// Slow clients, through the web server: a request body that arrives slowly
// or never costs its own request and nothing else. Another client sees no
// failure meanwhile, and no FastCGI process ends or is replaced, for longer
// than the programs' watchdog. lighttpd reads a body whole before it passes
// it on, so no program waits on such a client at all; Apache's
// mod_proxy_fcgi connects to a program first and passes the body on as it
// comes, so a program waits, until the body's own deadline (2 s and what
// the body takes at 16 KB/s, at most the client deadline: watchdog.h). The
// last suite has four clients trickle bodies at 600 B/s behind both.
import assert from 'node:assert/strict';
import net from 'node:net';
import { apiSuite, B2C, WEBSERVER, descendantsOf } from '../lib/server.mjs';
import { nowIso } from '../lib/clock.mjs';

const WATCHDOG = 1;             // s of store work before a program ends itself
const CLIENT = 3;               // s a program waits for a body

/* A request whose head and first bytes of body are sent, the rest never: { done: Promise<text>, end() }. */
function stalled(base, path, headers, declared, sent) {
	const u = new URL(base);
	const s = net.connect(Number(u.port), u.hostname);
	let got = '';
	s.on('data', (d) => { got += d.toString('latin1'); });
	const done = new Promise((res) => { s.on('close', () => res(got)); s.on('error', () => {}); });
	const head = [`POST ${path} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${declared}`,
		...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
	s.write(head + sent);
	return { done, end: () => s.destroy() };
}

apiSuite('slow', { env: { CVAPI_WATCHDOG: String(WATCHDOG), CVAPI_CLIENT_TIMEOUT: String(CLIENT) } }, (srv, it) => {
	/* The vehicle has a status to read: one sample uploaded. */
	async function ready() {
		const v = srv.vehicles[0];
		const r = await srv.upload(v.vin, v.cred, { messageId: 'slow-1', samples: [{ at: nowIso(),
			speed: 0, odometer: 100, ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] });
		assert.equal(r.status, 200, r.text);
		return { tok: await srv.token('demo'), v };
	}

	const fcgi = () => descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd) && p.state !== 'Z')
		.map((p) => `${p.cmd.replace(/.*\//, '')}[${p.pid}]`).sort();

	/* Another client's requests, of three programs, for ms: every answer that was not 200. */
	async function reads(ms, tok, v) {
		const failures = [];
		let n = 0;
		const t0 = Date.now();
		while (Date.now() - t0 < ms) {
			const probes = [
				srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok),
				srv.get('/healthz'),
				srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' }),
			];
			for (const r of await Promise.allSettled(probes)) {
				n++;
				if (r.status !== 'fulfilled' || r.value.status !== 200)
					failures.push(r.status === 'fulfilled' ? `${r.value.status} ${r.value.text.slice(0, 120)}` : String(r.reason));
			}
		}
		return { n, failures };
	}

	it('a token request whose body stops half way: others are served meanwhile, no process ends', async () => {
		const { tok, v } = await ready();
		assert.equal((await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok)).status, 200);
		const before = fcgi();
		assert.ok(before.length >= 7, `the programs run: ${before.join(' ')}`);
		const t0 = Date.now();
		const slow = stalled(srv.base, '/oauth2/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, 100,
			'grant_type');
		// longer than the watchdog, which once ended the process reading this body
		const { n, failures } = await reads((WATCHDOG + 1) * 1000 + 500, tok, v);
		assert.deepEqual(failures, [], `another client's requests failed (${failures.length} of ${n})`);
		assert.ok(n >= 3);
		// Apache (which reads bodies under 16 KB whole before it passes them
		// on) and lighttpd both hold this one; neither passed it to a program
		slow.end();
		await slow.done;
		void t0;
		assert.deepEqual(fcgi(), before, 'no FastCGI process ended or was replaced');
		assert.doesNotMatch(srv.ws.logs(), /recovering|killed by signal|needs recovery/);
	});

	it('four uploads at once, each stopping after 20 KB of 100 KB: reads go on, nothing written, no process ends', async () => {
		const { tok, v } = await ready();
		const before = fcgi();
		const slows = [];
		const t0 = Date.now();
		const part = `{"messageId":"stalled","samples":[${'{"speed":1},'.repeat(1700)}`;
		for (let i = 0; i < 4; i++)
			slows.push(stalled(srv.base, `/telematics/v1/vehicles/${v.vin}/messages`,
				{ 'Content-Type': 'application/json', Authorization: `Bearer ${v.cred}` }, 100000, part));
		const { n, failures } = await reads((WATCHDOG + 1) * 1000 + 500, tok, v);
		assert.deepEqual(failures, [], `another client's requests failed (${failures.length} of ${n})`);
		for (const s of slows)
			s.end();
		await Promise.all(slows.map((s) => s.done));
		void t0;
		// nothing of the stalled uploads was written: the messageId is new
		const again = await srv.upload(v.vin, v.cred, { messageId: 'stalled', samples: [{ at: nowIso(),
			speed: 2 }] });
		assert.equal(again.status, 200, again.text);
		assert.equal(again.body.duplicate, false, again.text);
		assert.deepEqual(fcgi(), before, 'no FastCGI process ended or was replaced');
	});

	it('a request refused before its body is read (unknown path) is answered once the body is in', async () => {
		const before = fcgi();
		const u = new URL(srv.base);
		const s = net.connect(Number(u.port), u.hostname);
		let got = '';
		s.on('data', (d) => { got += d.toString('latin1'); });
		const done = new Promise((res) => { s.on('close', res); s.on('error', () => {}); });
		s.write(`POST ${B2C}/user/nothing-here HTTP/1.1\r\nHost: ${u.host}\r\nContent-Length: 10\r\n` +
			'Content-Type: application/json\r\nConnection: close\r\n\r\n{"a"');
		// the rest of the body comes a little later; the answer follows it
		await new Promise((res) => setTimeout(res, 300));
		s.write(':12345}');
		await done;
		assert.match(got, /^HTTP\/1\.1 404 /, got.slice(0, 200));
		assert.deepEqual(fcgi(), before);
	});
});

/* A request whose body of `total` bytes is sent at `rate` bytes a second: { done: Promise<text>, open(), stop() }. */
function trickle(base, path, total, rate) {
	const u = new URL(base);
	const s = net.connect(Number(u.port), u.hostname);
	let got = '', sent = 0, closed = false;
	s.on('data', (d) => { got += d.toString('latin1'); });
	s.on('error', () => {});
	const done = new Promise((res) => s.on('close', () => { closed = true; res(got); }));
	s.write([`POST ${path} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${total}`,
		'Content-Type: application/x-www-form-urlencoded', 'Connection: close', '', ''].join('\r\n'));
	const body = `grant_type=password&username=demo&password=demo&client_id=console&pad=${'a'.repeat(total)}`.slice(0, total);
	const t = setInterval(() => {
		const n = Math.min(Math.round(rate / 10), total - sent);
		if (n <= 0 || closed) {
			clearInterval(t);
			return;
		}
		s.write(body.slice(sent, sent + n));
		sent += n;
	}, 100);
	return { done, open: () => !closed && !got, stop: () => { clearInterval(t); s.destroy(); } };
}

// The programs' defaults: a client deadline of 20 s, which a small body never gets (a body's deadline
// is 2 s and what it takes at 16 KB/s: watchdog.h)
apiSuite('slow (trickling bodies)', (srv, it) => {
	it('four clients trickle 16 KB token bodies at 600 B/s: a login is answered meanwhile; behind Apache each trickle ends with 408 at its body\'s deadline', { timeout: 60000 }, async () => {
		const slow = [0, 1, 2, 3].map(() => trickle(srv.base, '/oauth2/token', 16000, 600));
		await new Promise((res) => setTimeout(res, 500));
		const login = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
		assert.equal(login.status, 200, login.text);
		if (WEBSERVER === 'apache') {
			// Apache passes a body on as it comes: the programs end each trickle at the body's deadline
			// (Apache answers the client 503 when the program stops reading, or the program's 408)
			const answers = await Promise.all(slow.map((x) => x.done));
			for (const a of answers)
				assert.match(a, /^HTTP\/1\.1 (408|503) /, a.slice(0, 300));
			const cut = srv.ws.logs().match(/POST \/oauth2\/token: the body did not arrive within 3 s -> 408/g) || [];
			assert.equal(cut.length, 4, `each trickle ended by its body's deadline: ${cut.length}`);
		} else {
			// lighttpd reads a body whole before a program sees it: the trickles hold nobody
			assert.ok(slow.every((x) => x.open()), 'the trickles are still sending, unanswered');
		}
		slow.forEach((x) => x.stop());
	});
});

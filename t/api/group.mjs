// make run-group: the demo as a three-site replication group behind its
// HAProxy front (etc/run-group.sh, etc/haproxy.cfg.in). Through the one
// URL: a login, a read, an upload; each site's /healthz says its role; the
// master's whole process group killed: writes through the front resume at
// the elected replica, what was acknowledged is there.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, after } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { B2C, BUILDDIR, SRCDIR, JSDIR, freePort, skipReason, WEBSERVER } from '../lib/server.mjs';
import { until } from '../lib/until.mjs';

function haveHaproxy() {
	try {
		execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}
const skip = skipReason() || (WEBSERVER !== 'lighttpd' ? 'make run-group runs lighttpd sites' : false) ||
	(haveHaproxy() ? false : 'haproxy is not installed');

/* A handshake of an unknown IMEI at port: the bytes answered (a daemon: [0]), or null without one. */
function tkHello(port) {
	return new Promise((res) => {
		const s = net.connect(port, '127.0.0.1');
		let got = Buffer.alloc(0);
		s.on('connect', () => s.write(Buffer.concat([Buffer.from([0, 15]), Buffer.from('999999999999999')])));
		s.on('data', (d) => { got = Buffer.concat([got, d]); });
		s.on('close', () => res(got.length ? [...got] : null));
		s.on('error', () => res(null));
		s.setTimeout(3000, () => s.destroy());
	});
}

let proc = null, out = '', vardir = null, port = 0;
after(async () => {
	if (proc && proc.exitCode === null) {
		proc.kill('SIGTERM');
		await Promise.race([new Promise((res) => proc.once('exit', res)), sleep(20000)]);
		if (proc.exitCode === null)
			try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
	}
	// what a site's own process group still holds
	for (const n of [1, 2, 3]) {
		try { process.kill(-Number(readFileSync(join(vardir, `site${n}`, 'pgid'), 'utf8')), 'SIGKILL'); } catch { /* gone */ }
	}
	if (vardir && !process.env.CV_KEEP)
		rmSync(vardir, { recursive: true, force: true });
});

const front = (p) => `http://127.0.0.1:${port}${p}`;
const health = async (n) => {
	const r = await fetch(`http://127.0.0.1:${port + n}/healthz`, { signal: AbortSignal.timeout(3000) });
	return r.status === 200 ? r.json() : null;
};
const login = async () => {
	const r = await fetch(front('/oauth2/token'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'grant_type=password&username=demo&password=demo&client_id=console', signal: AbortSignal.timeout(15000) });
	if (r.status !== 200)
		return null;
	const commit = r.headers.get('cvapi-commit');
	assert.match(commit || '', /^[A-Za-z0-9_-]{27}$/, 'a write through the front names its commit');
	return { tok: (await r.json()).access_token, commit };
};
/* A read right after the login, wherever the front sends it: it names the login's commit (read-your-writes). */
const readAfter = async ({ tok, commit }) => {
	const r = await fetch(front(`${B2C}/user/vehicles`), { headers: { authorization: `Bearer ${tok}`, 'cvapi-read-after': commit } });
	assert.equal(r.status, 200, await r.clone().text());
	return r.json();
};

test('make run-group: the demo through the front, a role on every site', { skip, timeout: 240000 }, async () => {
	// ports P..P+3 and P+11..P+13 free: a base with room
	port = await freePort();
	while (port > 60000)
		port = await freePort();
	vardir = mkdtempSync(join(tmpdir(), 'cvapi-group-'));
	proc = spawn('sh', [join(SRCDIR, 'etc', 'run-group.sh')], {
		detached: true, stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, PORT: String(port), TELTONIKA_PORT: String(port + 20), VARDIR: vardir, BUILDDIR, SRCDIR, JSDIR, DEMO_DAYS: '1',
			LIGHTTPD: process.env.CV_LIGHTTPD || 'lighttpd',
			ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=0', CVAPI_RATE_CLIENT: '1000000000/1000000',
			CVAPI_RATE_TOKEN: '1000000000/1000000', CVAPI_RATE_USER: '1000000000/1000000',
			CVAPI_RATE_GRANT: '1000000000/1000000', CVAPI_RATE_VEHICLE: '1000000000/1000000' },
	});
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { out += d; });
	await until('run-group says it is running', 200000, () => {
		assert.equal(proc.exitCode, null, `run-group exited:\n${out}`);
		return out.includes('cvapi is running as a replication group');
	});
	const roles = await Promise.all([1, 2, 3].map(health));
	assert.deepEqual(roles.map((b) => b && b.role), ['master', 'replica', 'replica'], JSON.stringify(roles));
	// the Teltonika trackers' daemon listens on the master alone
	const tklog = (n) => (existsSync(join(vardir, `site${n}`, 'run', 'cvteltonika.log')) ?
		readFileSync(join(vardir, `site${n}`, 'run', 'cvteltonika.log'), 'utf8') : '');
	await until('cvteltonika on every site, listening on the master', 30000, () => [2, 3].every((n) => /not its replication group's master/.test(tklog(n))) &&
		new RegExp(`listening on ${port + 21} `).test(tklog(1)));
	for (const n of [2, 3])
		assert.doesNotMatch(tklog(n), /listening on \d/, tklog(n));
	// a tracker at the front's port reaches it: an unknown IMEI is answered 00 by the master's daemon
	assert.deepEqual(await tkHello(port + 20), [0]);
	const login1 = await login();
	assert.ok(login1, 'a login through the front');
	// the token was written at the master, and the read may land on a replica: each of a few reads in a row
	// (round robin: every site) waits there for the login's commit
	let body;
	for (let i = 0; i < 3; i++)
		body = await readAfter(login1);
	assert.equal(body._embedded.vehicles.length, 3, 'the demo vehicles');
	assert.ok(body._links.self.href.startsWith(front('/')), `links name the front: ${body._links.self.href}`);
});

test('the master\'s process group killed: writes through the front resume at an elected replica', { skip, timeout: 120000 }, async () => {
	assert.ok(proc && out.includes('cvapi is running'), 'the group runs');
	const pgid = Number(readFileSync(join(vardir, 'site1', 'pgid'), 'utf8'));
	const t0 = Date.now();
	process.kill(-pgid, 'SIGKILL');
	const login2 = await until('a login (a write) through the front', 60000, login);
	const ms = Date.now() - t0;
	const roles = await Promise.all([2, 3].map(health));
	assert.ok(roles.some((b) => b && b.role === 'master'), JSON.stringify(roles));
	// the new master's cvteltonika listens now, on its own port (the trackers' address follows the master)
	const master = [2, 3].find((n, i) => roles[i] && roles[i].role === 'master');
	await until('the new master\'s cvteltonika listening', 20000, () =>
		new RegExp(`listening on ${port + 20 + master} `).test(readFileSync(join(vardir, `site${master}`, 'run', 'cvteltonika.log'), 'utf8')));
	assert.deepEqual(await until('a tracker through the front, at the new master', 20000, () => tkHello(port + 20)), [0]);
	// the dead site may still be in the front's readers for a moment: a read there fails over to another
	const body = await until('the new token read through the front', 20000, async () => {
		const r = await fetch(front(`${B2C}/user/vehicles`), { headers: { authorization: `Bearer ${login2.tok}`,
			'cvapi-read-after': login2.commit } });
		assert.ok(r.status === 200 || r.status >= 500, `a read after the login got ${r.status}`);
		return r.status === 200 && r.json();
	});
	assert.equal(body._embedded.vehicles.length, 3);
	console.log(`# first write through the front ${ms} ms after the master's death`);
});

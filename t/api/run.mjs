// `make run` (etc/run.sh): the demo server starts with a day of history,
// answers, keeps cvnotify running when it dies (cvapi-spawn --daemon), and
// stops whole on SIGTERM. lighttpd only: make run starts lighttpd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILDDIR, SRCDIR, JSDIR, WEBSERVER, descendantsOf, freePort, skipReason } from '../lib/server.mjs';

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const skip = WEBSERVER !== 'lighttpd' ? 'make run starts lighttpd: the suite runs behind another server'
	: skipReason() || (existsSync(join(BUILDDIR, 'cgi', 'cvapi-spawn')) ? false : 'cvapi-spawn is not built');

async function until(cond, what, ms = 30000) {
	const t0 = Date.now();
	while (!(await cond())) {
		if (Date.now() - t0 > ms)
			throw new Error(`waited ${ms} ms for ${what}`);
		await sleep(50);
	}
}

const alive = (pid) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

test('make run: the demo server answers, cvteltonika listens on TELTONIKA_PORT, cvnotify comes back when killed, SIGTERM stops it all', { skip, timeout: 180000 }, async () => {
	const vardir = mkdtempSync(join(tmpdir(), 'cvapi-run-'));
	const port = await freePort();
	const tkport = await freePort();
	const child = spawn('sh', [join(SRCDIR, 'etc', 'run.sh')], {
		detached: true, stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, SRCDIR, BUILDDIR, JSDIR, VARDIR: vardir, PORT: String(port), TELTONIKA_PORT: String(tkport),
			PROCS: '1', DEMO_DAYS: '1',
			LIGHTTPD: process.env.CV_LIGHTTPD || 'lighttpd' },
	});
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
	const notifiers = () => descendantsOf(child.pid).filter((p) => p.cmd.endsWith('/cvnotify') && p.state !== 'Z');
	let everyone = [];
	try {
		await until(() => out.includes('cvapi is running.'), `the server (${out})`, 150000);
		const health = await fetch(`http://127.0.0.1:${port}/healthz`);
		assert.equal(health.status, 200);
		await until(() => notifiers().length === 1, 'cvnotify');
		// the Teltonika trackers' daemon, on TELTONIKA_PORT, supervised the same way
		assert.match(out, new RegExp(`Teltonika trackers: TCP port ${tkport}`));
		await until(() => descendantsOf(child.pid).some((p) => p.cmd.endsWith('/cvteltonika') && p.state !== 'Z'), 'cvteltonika');
		await until(() => new Promise((res) => {
			const s = net.connect(tkport, '127.0.0.1', () => { s.destroy(); res(true); });
			s.on('error', () => res(false));
		}), 'cvteltonika listening on TELTONIKA_PORT');
		const [first] = notifiers();
		everyone = descendantsOf(child.pid).map((p) => p.pid);
		process.kill(first.pid, 'SIGKILL');
		// one reading of the process table per try
		await until(() => {
			const now = notifiers();
			return now.length === 1 && now[0].pid !== first.pid;
		}, 'a new cvnotify');
		everyone.push(...descendantsOf(child.pid).map((p) => p.pid));
		process.kill(child.pid, 'SIGTERM');
		let timer;
		const end = await Promise.race([exited, new Promise((res) => { timer = setTimeout(res, 20000, null); })]);
		clearTimeout(timer);
		assert.ok(end, `make run stopped on SIGTERM: ${out}`);
		assert.match(out, /cvapi: stopped/);
		await until(() => everyone.every((p) => !alive(p)), 'every process of make run gone', 10000);
	} finally {
		try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
		for (const p of everyone)
			try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
		rmSync(vardir, { recursive: true, force: true });
	}
});

// cvapi-spawn: the supervisor of the FastCGI programs for web servers that
// only connect to them (Apache mod_proxy_fcgi). Its own instance runs on
// the suite's store, in a folder of its own, and is talked to directly in
// FastCGI over its sockets, whatever web server the suite uses: the sockets
// answer, a killed process is replaced, SIGHUP replaces every process,
// SIGKILL of the supervisor leaves no orphan and a restart replaces the
// stale sockets, SIGTERM stops everything and removes the sockets; usage
// errors exit 2; a request whose body stalls is answered 408, and no process
// ends for it.
// Behind Apache, the suite's own programs run under it too.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { apiSuite, BUILDDIR, WEBSERVER, childrenOf } from '../lib/server.mjs';

const SPAWN = join(BUILDDIR, 'cgi', 'cvapi-spawn');
const PROGRAMS = ['cvapi-ingest', 'cvapi-vehicle'].map((n) => join(BUILDDIR, 'cgi', `${n}.fcgi`));
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/* Run to completion: { code, stdout, stderr }. */
function run(file, args, { env, user } = {}) {
	return new Promise((res) => {
		const o = { env: env || process.env, timeout: 20000, killSignal: 'SIGKILL' };
		if (user) {
			o.uid = user.uid;
			o.gid = user.gid;
		}
		execFile(file, args, o, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
	});
}

const alive = (pid) => {
	try {
		process.kill(pid, 0);
		return existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
};

/* Wait until cond() is true (polling, never a fixed sleep); fail after ms. */
async function until(cond, what, ms = 8000) {
	const t0 = Date.now();
	while (!(await cond())) {
		if (Date.now() - t0 > ms)
			assert.fail(`not within ${ms} ms: ${what}`);
		await sleep(20);
	}
}

/* One FastCGI record. */
function record(type, id, content = Buffer.alloc(0)) {
	const h = Buffer.alloc(8);
	h.writeUInt8(1, 0);
	h.writeUInt8(type, 1);
	h.writeUInt16BE(id, 2);
	h.writeUInt16BE(content.length, 4);
	return Buffer.concat([h, content]);
}

function nameValue(name, value) {
	const len = (n) => (n < 128 ? Buffer.from([n]) : Buffer.from([(n >>> 24) | 0x80, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
	const n = Buffer.from(name);
	const v = Buffer.from(value);
	return Buffer.concat([len(n.length), len(v.length), n, v]);
}

/* A FastCGI GET over the UNIX socket sock: { status, body } (status from the Status header, 200 without). */
function fcgiGet(sock, uri) {
	return new Promise((res, rej) => {
		const params = { REQUEST_METHOD: 'GET', REQUEST_URI: uri, QUERY_STRING: '', SERVER_NAME: '127.0.0.1',
			SERVER_PORT: '80', HTTP_HOST: '127.0.0.1', SERVER_PROTOCOL: 'HTTP/1.1', GATEWAY_INTERFACE: 'CGI/1.1' };
		const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]);
		const body = Buffer.concat(Object.entries(params).map(([k, v]) => nameValue(k, v)));
		const s = net.connect(sock);
		let buf = Buffer.alloc(0);
		let stdout = '';
		const timer = setTimeout(() => { s.destroy(); rej(new Error(`no FastCGI answer on ${sock} within 5 s`)); }, 5000);
		s.on('error', (e) => { clearTimeout(timer); rej(e); });
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			while (buf.length >= 8) {
				const type = buf.readUInt8(1);
				const len = buf.readUInt16BE(4);
				const pad = buf.readUInt8(6);
				if (buf.length < 8 + len + pad)
					break;
				const content = buf.subarray(8, 8 + len);
				buf = buf.subarray(8 + len + pad);
				if (type === 6)
					stdout += content.toString();
				if (type === 3) {
					clearTimeout(timer);
					s.destroy();
					const i = stdout.indexOf('\r\n\r\n');
					const head = i < 0 ? stdout : stdout.slice(0, i);
					const m = /^Status: (\d{3})/mi.exec(head);
					res({ status: m ? Number(m[1]) : 200, body: i < 0 ? '' : stdout.slice(i + 4) });
				}
			}
		});
		s.write(Buffer.concat([record(1, 1, begin), record(4, 1, body), record(4, 1), record(5, 1)]));
	});
}

apiSuite('spawn', (srv, it) => {
	let dir;
	let sup = null;         // { child, out, err, exited }
	const sock = (name) => join(dir, `${name}.sock`);

	/* Start cvapi-spawn on the suite's store, as the programs' user (env: added to theirs); resolves once it printed "ready". */
	async function start(args = ['--procs', '2'], env = {}, programs = PROGRAMS) {
		const child = spawn(SPAWN, ['--dir', dir, ...args, ...programs], {
			detached: true, stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...srv.env, CVAPI_HOME: srv.home, ...env }, ...(srv.user || {}),
		});
		const s = { child, out: '', err: '' };
		s.exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
		child.stderr.on('data', (d) => { s.err += d.toString(); });
		const ready = await new Promise((res) => {
			child.stdout.on('data', (d) => {
				s.out += d.toString();
				if (s.out.includes('\n'))
					res(true);
			});
			s.exited.then(() => res(false));
		});
		assert.ok(ready, `cvapi-spawn became ready: ${s.err}`);
		assert.equal(s.out, 'ready\n');
		sup = s;
		return s;
	}

	const programsOf = (s, name) => childrenOf(s.child.pid).filter((p) => p.cmd.endsWith(`/${name}.fcgi`));

	it('cvapi-spawn: bad usage exits 2, --help and --version 0, a missing program 1, one line each', async () => {
		dir = join(srv.top, 'spawn');
		mkdirSync(dir);
		if (srv.user)
			chownSync(dir, srv.user.uid, srv.user.gid);
		const h = await run(SPAWN, ['--help']);
		assert.equal(h.code, 0);
		assert.match(h.stdout, /^Usage: cvapi-spawn --dir RUNDIR/);
		assert.equal(h.stderr, '');
		const v = await run(SPAWN, ['--version']);
		assert.equal(v.code, 0);
		assert.match(v.stdout, /^cvapi-spawn \(cvapi\) \d+\.\d+/);
		const bad = [
			[[], /--dir RUNDIR is required/],
			[['--dir', dir], /no PROGRAM/],
			[['--dir'], /lacks its value/],
			[['--dir', dir, '--procs', '0', PROGRAMS[0]], /--procs/],
			[['--dir', dir, '--procs', 'two', PROGRAMS[0]], /--procs/],
			[['--dir', dir, '--mode', '0999', PROGRAMS[0]], /--mode/],
			[['--frob', '--dir', dir, PROGRAMS[0]], /unknown option/],
			[['--dir', dir, PROGRAMS[0], PROGRAMS[0]], /share one socket/],
			[['--dir', dir, '--group', 'no such group', PROGRAMS[0]], /--group/],
		];
		for (const [args, re] of bad) {
			const r = await run(SPAWN, args);
			const what = `${args.join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`;
			assert.equal(r.code, 2, what);
			assert.equal(r.stdout, '', what);
			assert.match(r.stderr, /^cvapi-spawn: [^\n]+\n$/, what);
			assert.match(r.stderr, re, what);
		}
		const missing = await run(SPAWN, ['--dir', dir, join(dir, 'nothing.fcgi')]);
		assert.equal(missing.code, 1);
		assert.match(missing.stderr, /^cvapi-spawn: cannot run .*nothing\.fcgi: No such file or directory\n$/);
		// a file in the way of a socket is not removed
		writeFileSync(join(dir, 'cvapi-ingest.sock'), 'not a socket\n');
		const inTheWay = await run(SPAWN, ['--dir', dir, ...PROGRAMS], { user: srv.user });
		assert.equal(inTheWay.code, 1, inTheWay.stderr);
		assert.match(inTheWay.stderr, /^cvapi-spawn: .*cvapi-ingest\.sock exists and is not a socket\n$/);
		assert.equal(readFileSync(join(dir, 'cvapi-ingest.sock'), 'utf8'), 'not a socket\n');
		await run('/bin/rm', ['-f', join(dir, 'cvapi-ingest.sock')]);
	});

	it('cvapi-spawn: one socket per program (of the --group given), N processes on it, each answering FastCGI', async () => {
		// a group the programs' user may give its sockets: as root, any (nogroup); else its own
		const group = process.getuid() === 0 && !srv.user ? 65534 : (srv.user ? srv.user.gid : process.getgid());
		const s = await start(['--procs', '2', '--mode', '0660', '--group', String(group)],
			{ CVAPI_CLIENT_TIMEOUT: '2', CVAPI_WATCHDOG: '1' });
		for (const n of ['cvapi-ingest', 'cvapi-vehicle']) {
			const st = statSync(sock(n));
			assert.ok(st.isSocket(), `${sock(n)} is a socket`);
			assert.equal(st.mode & 0o777, 0o660, `${n}.sock has mode 0660`);
			assert.equal(st.gid, group, `${n}.sock belongs to group ${group}`);
			assert.equal(programsOf(s, n).length, 2, `two ${n} processes`);
		}
		assert.equal(childrenOf(s.child.pid).length, 4);
		for (let i = 0; i < 6; i++) {
			const r = await fcgiGet(sock('cvapi-ingest'), '/healthz');
			assert.equal(r.status, 200, r.body);
		}
		// the vehicle program routes on REQUEST_URI: an unknown path is its 404 xError
		const r = await fcgiGet(sock('cvapi-vehicle'), '/connectedcar/v4/user/vehicles/x/nothing');
		assert.equal(r.status, 404);
		assert.match(r.body, /"code":\s*404/);
	});

	// before any process is killed: a death inside Berkeley DB makes the next
	// opener recover the store, which would end this test's processes too
	it('a body that stalls costs its request a 408 after the client deadline (CVAPI_CLIENT_TIMEOUT), never the process', async () => {
		const s = sup;
		const before = programsOf(s, 'cvapi-ingest').map((p) => p.pid).sort();
		const errAt = s.err.length;
		// an upload whose body never comes, held longer than the watchdog (1 s here)
		// a vehicle with its credential: the body is read once the credential is checked
		const v = srv.vehicles[0];
		const params = { REQUEST_METHOD: 'POST', REQUEST_URI: `/telematics/v1/vehicles/${v.vin}/messages`,
			CONTENT_LENGTH: '1000', CONTENT_TYPE: 'application/json', HTTP_AUTHORIZATION: `Bearer ${v.cred}` };
		const body = Buffer.concat(Object.entries(params).map(([k, v]) => nameValue(k, v)));
		const c = net.connect(sock('cvapi-ingest'));
		let got = Buffer.alloc(0);
		c.on('data', (d) => { got = Buffer.concat([got, d]); });
		const closed = new Promise((res) => { c.on('close', res); c.on('error', () => {}); });
		const t0 = Date.now();
		c.write(Buffer.concat([record(1, 1, Buffer.from([0, 1, 0, 0, 0, 0, 0, 0])), record(4, 1, body), record(4, 1),
			record(5, 1, Buffer.from('{"messageId":'))]));
		// meanwhile the other process answers, again and again
		let answered = 0;
		while (Date.now() - t0 < 1500) {
			assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200);
			answered++;
		}
		await closed;
		const took = Date.now() - t0;
		const text = got.toString('latin1');
		assert.match(text, /Status: 408 Request Timeout/, `the stalled request is answered 408: ${s.err.slice(errAt)}`);
		assert.match(text, /the body did not arrive within 2 s/);
		assert.ok(took >= 2000 && took < 6000, `answered after the 2 s client deadline (${took} ms)`);
		assert.ok(answered > 0);
		assert.doesNotMatch(s.err.slice(errAt), /killed by signal/, 'no process ended');
		assert.deepEqual(programsOf(s, 'cvapi-ingest').map((p) => p.pid).sort(), before, 'no process replaced');
		for (let i = 0; i < 4; i++)
			assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200);
	});

	it('cvapi-spawn: a process killed with SIGKILL is replaced at once, and logged', async () => {
		const s = sup;
		const [victim, other] = programsOf(s, 'cvapi-ingest');
		process.kill(victim.pid, 'SIGKILL');
		await until(() => programsOf(s, 'cvapi-ingest').length === 2 && !programsOf(s, 'cvapi-ingest').some((p) => p.pid === victim.pid),
			'a second cvapi-ingest process again');
		await until(() => s.err.includes(`cvapi-ingest.fcgi[${victim.pid}] killed by signal 9, restarted as `), 'the log line');
		const m = new RegExp(`cvapi-ingest\\.fcgi\\[${victim.pid}\\] killed by signal 9, restarted as (\\d+)\\n`).exec(s.err);
		assert.ok(m, s.err);
		// a process killed inside the store may make it panic: the others then
		// answer 503 once, exit and are restarted, and the next one to open
		// the store recovers it. Within 5 s every answer is a 200 again.
		const t0 = Date.now();
		await until(async () => {
			try {
				return (await fcgiGet(sock('cvapi-ingest'), '/healthz')).status === 200;
			} catch {
				return false; // a process leaving in the middle of the request
			}
		}, 'the program answers 200 again');
		assert.ok(Date.now() - t0 < 5000, 'answering again within 5 s');
		// and the store settles: both programs answer every round for 2 s in
		// a row (a survivor's failchk, at most once a second in each process
		// that answers, may find the death later and end the others, as
		// above; the next test must not meet that)
		let good = 0;
		let since = Date.now();
		await until(async () => {
			try {
				const a = await fcgiGet(sock('cvapi-ingest'), '/healthz');
				const b = await fcgiGet(sock('cvapi-vehicle'), '/connectedcar/v4/user/vehicles/x/nothing');
				good = a.status === 200 && b.status === 404 ? good + 1 : 0;
			} catch {
				good = 0;
			}
			if (!good)
				since = Date.now();
			return good >= 10 && Date.now() - since >= 2000;
		}, 'both programs answer again, every round for 2 s', 20000);
		assert.equal(programsOf(s, 'cvapi-ingest').length, 2);
		assert.ok(programsOf(s, 'cvapi-ingest').every((p) => p.pid !== victim.pid));
		void other;
	});

	it('cvapi-spawn: SIGHUP replaces every process, one at a time, and the sockets keep answering', async () => {
		const s = sup;
		const before = childrenOf(s.child.pid).map((p) => p.pid);
		process.kill(s.child.pid, 'SIGHUP');
		// requests during the replacement are answered (they queue on the socket);
		// a connection the leaving process had just taken may be cut (EPIPE), and
		// is sent again, as a web server does
		let answered = 0;
		while (!s.err.includes('every process replaced')) {
			let r = null;
			try {
				r = await fcgiGet(sock('cvapi-ingest'), '/healthz');
			} catch (e) {
				assert.match(String(e.code || e.message), /EPIPE|ECONNRESET/, `a request failed: ${e.message}`);
				continue;
			}
			assert.equal(r.status, 200, `${r.body}\n${s.err}`);
			answered++;
		}
		assert.ok(answered > 0, 'requests were answered during the replacement');
		const after = childrenOf(s.child.pid).map((p) => p.pid);
		assert.equal(after.length, 4);
		assert.ok(after.every((p) => !before.includes(p)), `new pids ${after} (before ${before})`);
		assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200);
	});

	it('cvapi-spawn: killed with SIGKILL, its processes stop too; a new one replaces the stale sockets', async () => {
		const s = sup;
		const pids = childrenOf(s.child.pid).map((p) => p.pid);
		process.kill(s.child.pid, 'SIGKILL');
		await s.exited;
		await until(() => pids.every((p) => !alive(p)), `the orphaned programs ${pids} exit`);
		assert.ok(existsSync(sock('cvapi-ingest')), 'the stale socket is still there');
		const s2 = await start(['--procs', '1']);
		assert.equal(childrenOf(s2.child.pid).length, 2);
		assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200);
	});

	it('cvapi-spawn: SIGTERM stops every process, removes the sockets, exits 0', async () => {
		const s = sup;
		const pids = childrenOf(s.child.pid).map((p) => p.pid);
		assert.equal(pids.length, 2);
		process.kill(s.child.pid, 'SIGTERM');
		const end = await Promise.race([s.exited, sleep(10000).then(() => null)]);
		assert.ok(end, 'cvapi-spawn exited within 10 s');
		assert.deepEqual(end, { code: 0, sig: null }, s.err);
		assert.ok(pids.every((p) => !alive(p)), 'no program is left running');
		let group = true;
		try { process.kill(-s.child.pid, 0); } catch { group = false; }
		assert.equal(group, false, 'nothing is left in its process group');
		for (const n of ['cvapi-ingest', 'cvapi-vehicle'])
			assert.ok(!existsSync(sock(n)), `${n}.sock is removed`);
		assert.ok(!/ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.test(s.err), s.err);
		sup = null;
	});

	it('cvapi-spawn --daemon: cvnotify kept running without a socket, started again when killed, stopped with the rest', async () => {
		const CVNOTIFY = join(BUILDDIR, 'notify', 'cvnotify');
		const child = spawn(SPAWN, ['--dir', dir, '--procs', '1', '--daemon', CVNOTIFY, PROGRAMS[0]], {
			detached: true, stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...srv.env, CVAPI_HOME: srv.home, CVAPI_NOTIFY_ALLOW: 'loopback' }, ...(srv.user || {}),
		});
		let err = '';
		child.stderr.on('data', (d) => { err += d.toString(); });
		const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
		const notifiers = () => childrenOf(child.pid).filter((p) => p.cmd.endsWith('/cvnotify'));
		let stopped = false;
		try {
			await until(() => notifiers().length === 1 && err.includes('delivering the outbox'), 'cvnotify runs under cvapi-spawn', 30000);
			assert.ok(!existsSync(join(dir, 'cvnotify.sock')), 'no socket for a daemon');
			assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200, 'the FastCGI program beside it answers');
			const [victim] = notifiers();
			process.kill(victim.pid, 'SIGKILL');
			// one reading of the process table per try: it changes between two
			await until(() => {
				const now = notifiers();
				return now.length === 1 && now[0].pid !== victim.pid;
			}, 'a new cvnotify', 30000);
			await until(() => err.includes(`cvnotify[${victim.pid}] killed by signal 9, restarted as `), 'the log line');
			const pids = childrenOf(child.pid).map((p) => p.pid);
			process.kill(child.pid, 'SIGTERM');
			const end = await Promise.race([exited, sleep(10000).then(() => null)]);
			stopped = end !== null;
			assert.deepEqual(end, { code: 0, sig: null }, err);
			assert.ok(pids.every((p) => !alive(p)), 'cvnotify and the program stopped');
			assert.ok(!/ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.test(err), err);
		} finally {
			// a failure leaves nothing running (its pipes would keep this test process alive)
			if (!stopped) {
				try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
				await exited;
			}
		}
	});

	it('the programs say which of their environment settings they refuse, and run with the defaults', async () => {
		const bad = { CVAPI_CACHE: 'lots', CVAPI_WATCHDOG: '0', CVAPI_PURGE_EVERY: '-5', CVAPI_CLIENT_TIMEOUT: '1m',
			CVAPI_RATE_TOKEN: '100/s', CVAPI_GUESS_DELAY: '0', CVAPI_NOTE_MAX: '100' };
		const s = await start(['--procs', '1'], bad);
		const want = [];
		for (const prog of ['cvapi-ingest', 'cvapi-vehicle']) {
			want.push(new RegExp(`${prog}: CVAPI_CACHE="lots" is not a whole number from 0 to 65536: 256 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_WATCHDOG="0" is not a whole number from 1 to 3600: 3 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_PURGE_EVERY="-5" is not a whole number from 0 to 86400: 10 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_CLIENT_TIMEOUT="1m" is not a whole number from 1 to 3600: 20 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_RATE_TOKEN="100/s" is not DAY/SECOND \\(requests, 0 for no limit\\) or off: 1000000/50 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_GUESS_DELAY="0" is not a whole number from 1 to 86400: 60 is used\n`));
			want.push(new RegExp(`${prog}: CVAPI_NOTE_MAX="100" is not a whole number from 1024 to 131072: 131072 is used\n`));
		}
		await until(() => want.every((re) => re.test(s.err)), `every refusal said: ${s.err}`);
		assert.equal((await fcgiGet(sock('cvapi-ingest'), '/healthz')).status, 200);
		const r = await fcgiGet(sock('cvapi-vehicle'), '/connectedcar/v4/user/vehicles/x/nothing');
		assert.equal(r.status, 404);
		process.kill(s.child.pid, 'SIGTERM');
		assert.deepEqual(await s.exited, { code: 0, sig: null }, s.err);
		sup = null;
	});

	it('cvapi-callbacks and cvnotify say which of their settings they refuse, and run with the defaults', async () => {
		const CVNOTIFY = join(BUILDDIR, 'notify', 'cvnotify');
		const bad = { CVAPI_REMOTE_TIMEOUT: '0', CVAPI_REMOTE_AWAKE: 'soon', CVAPI_REMOTE_WAKEUPS: '-1',
			CVAPI_REMOTE_VEHICLE_WAKEUPS: '20001', CVAPI_NOTIFY_WATCHDOG: '3601', CVAPI_NOTE_MAX: '1023' };
		const s = await start(['--procs', '1', '--daemon', CVNOTIFY], { ...bad, CVAPI_NOTIFY_ALLOW: 'loopback' },
			[join(BUILDDIR, 'cgi', 'cvapi-callbacks.fcgi')]);
		const want = [
			/cvapi-callbacks: CVAPI_REMOTE_TIMEOUT="0" is not a whole number from 1 to 86400: 120 is used\n/,
			/cvapi-callbacks: CVAPI_REMOTE_AWAKE="soon" is not a whole number from 0 to 3600: 180 is used\n/,
			/cvapi-callbacks: CVAPI_REMOTE_WAKEUPS="-1" is not a whole number from 0 to 10000: 30 is used\n/,
			/cvapi-callbacks: CVAPI_REMOTE_VEHICLE_WAKEUPS="20001" is not a whole number from 0 to 20000: 60 is used\n/,
			/cvnotify: CVAPI_NOTIFY_WATCHDOG="3601" is not a whole number from 1 to 3600: 30 is used\n/,
			/cvnotify: CVAPI_NOTE_MAX="1023" is not a whole number from 1024 to 131072: 131072 is used\n/,
		];
		await until(() => want.every((re) => re.test(s.err)) && s.err.includes('delivering the outbox'), `every refusal said: ${s.err}`);
		assert.equal((await fcgiGet(sock('cvapi-callbacks'), '/connectedcar/v4/user/callbacks')).status, 401, 'it answers: who asks?');
		process.kill(s.child.pid, 'SIGTERM');
		assert.deepEqual(await s.exited, { code: 0, sig: null }, s.err);
		sup = null;
	});

	it('behind Apache, the programs are the children of cvapi-spawn and answer through it', { skip: WEBSERVER !== 'apache' && 'the suite runs behind lighttpd' }, async () => {
		const kids = childrenOf(srv.ws.process.pid);
		const names = kids.map((p) => p.cmd.split('/').pop()).sort();
		for (const n of ['cvapi-ingest', 'cvapi-oauth2', 'cvapi-telemetry', 'cvapi-user', 'cvapi-vehicle'])
			assert.equal(names.filter((x) => x === `${n}.fcgi`).length, 2, `two ${n} processes: ${names}`);
		assert.equal((await srv.get('/healthz')).status, 200);
	});

	// whatever happened above, stop our instance
	it('cvapi-spawn: clean up', async () => {
		if (sup) {
			try { process.kill(-sup.child.pid, 'SIGKILL'); } catch { /* gone */ }
			sup = null;
		}
	});
});

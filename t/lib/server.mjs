// server.mjs - start the real cvapi server for one API test file.
//
// Each test file gets its own world: a fresh temporary folder holding a
// store made by `cvctl init` + `cvctl demo`, and a web server instantiated
// from the etc/ template on an ephemeral port, running the FastCGI programs
// of the build tree. Nothing is shared between files.
//
// Environment (exported by `make check`; defaults for running a file by hand):
//   CV_SRCDIR      the source tree (default: two folders above this file)
//   CV_BUILDDIR    the build tree with tools/cvctl and cgi/*.fcgi (default: CV_SRCDIR)
//   CV_WEBSERVER   lighttpd (default) or apache
//   CV_LIGHTTPD    the lighttpd binary (default: lighttpd on PATH or /usr/sbin)
//   CV_APACHE2     the apache2 binary
//   CV_KEEP        1: keep the temporary folder (its path is printed)
//
// Usage in a test file:
//
//   import { apiSuite, B2C } from '../lib/server.mjs';
//   apiSuite('telemetry', (srv, it) => {
//     it('...', async () => {
//       const r = await srv.get(`${B2C}/user`, await srv.token('demo'));
//     });
//   });
//
// apiSuite() declares the tests at the top level (so that automake's TAP
// driver counts each one): a first test starts the server, every test is
// followed by a search of the server's logs for sanitizer reports (the
// test that caused one fails), a last test stops everything. The server
// is also killed when the process exits for any reason.
//
// Web servers are pluggable: WEBSERVERS maps a name to a function
// (ctx) => ({ name, available, user, start, stop, logs }) (see lighttpd()
// for the contract).
import assert from 'node:assert/strict';
import { test as nodeTest } from 'node:test';
import { schemaSkip, schemaProblems } from './schema.mjs';
import { answerProblems } from './conform.mjs';
import './clock.mjs';  // the suite's clock, exported to every program (CVAPI_TEST_NOW)
import { spawn, execFile, execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync, accessSync, chownSync, chmodSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const SRCDIR = process.env.CV_SRCDIR || resolve(here, '..', '..');
export const BUILDDIR = process.env.CV_BUILDDIR || SRCDIR;
export const WEBSERVER = process.env.CV_WEBSERVER || 'lighttpd';
export const B2C = '/connectedcar/v4';
/* Debian's browser libraries (Leaflet), served at /javascript/ */
export const JSDIR = process.env.CV_JSDIR || '/usr/share/javascript';

const SANITIZER_PATTERNS = [/ERROR: AddressSanitizer/, /ERROR: LeakSanitizer/, /runtime error:/];

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function findProgram(explicit, name) {
	if (explicit)
		return explicit;
	for (const d of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/sbin'])) {
		const p = join(d || '.', name);
		try {
			accessSync(p, constants.X_OK);
			return p;
		} catch { /* next */ }
	}
	return null;
}

/* An ephemeral port: bind port 0, read it, close. */
export function freePort() {
	return new Promise((res, rej) => {
		const s = net.createServer();
		s.unref();
		s.on('error', rej);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => res(port));
		});
	});
}

/*
 * Replace the @NAME@ markers of a template with values; a marker without a
 * value left on a line that is not a comment is an error.
 */
export function instantiate(template, values) {
	const out = template.replace(/@([A-Z0-9_]+)@/g, (m, name) => (name in values ? String(values[name]) : m));
	for (const line of out.split('\n')) {
		const m = /@[A-Z0-9_]+@/.exec(line);
		if (m && !/^\s*#/.test(line))
			throw new Error(`template marker ${m[0]} has no value`);
	}
	return out;
}

/* Processes to kill if this process exits while they run: pgid -> folder to remove. */
const live = new Map();
function killAllNow() {
	for (const [pgid, dir] of live) {
		try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
		if (dir && !process.env.CV_KEEP)
			try { rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ }
	}
	live.clear();
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.once(sig, () => {
		killAllNow();
		process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
	});
}

/* Kill a process group: TERM, wait up to graceMs for the leader, then KILL. */
async function killGroup(child, graceMs = 3000) {
	const pgid = child.pid;
	const exited = child.exitCode !== null || child.signalCode !== null;
	try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
	if (!exited) {
		const done = new Promise((res) => child.once('exit', res));
		await Promise.race([done, sleep(graceMs)]);
	}
	// the FastCGI children share the group; give them a moment, then make sure
	for (let i = 0; i < 20; i++) {
		try { process.kill(-pgid, 0); } catch { break; }
		await sleep(50);
		if (i === 10)
			try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
	}
	try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
}

/* The TLS template of etc/ for ctx.tls ({ port, cert, key, ca }), or ''. */
function tlsConf(ctx, name) {
	if (!ctx.tls)
		return '';
	return '\n' + instantiate(readFileSync(join(SRCDIR, 'etc', name), 'utf8'), {
		TLSPORT: ctx.tls.port, TLSCERT: ctx.tls.cert, TLSKEY: ctx.tls.key, CLIENTCA: ctx.tls.ca,
	});
}

/* The OsmAnd port's template of etc/ for ctx.osmandPort (its own port, doc/devices.md), or ''. */
function osmandConf(ctx, name) {
	if (!ctx.osmandPort)
		return '';
	return '\n' + instantiate(readFileSync(join(SRCDIR, 'etc', name), 'utf8'), {
		OSMANDPORT: ctx.osmandPort, RUNDIR: ctx.rundir, FCGIDIR: ctx.fcgidir, PROCS: ctx.procs,
	});
}

/*
 * Test certificates in dir, made with the openssl command: a CA, the
 * server's certificate for 127.0.0.1, a client certificate of that CA
 * (client.pem, subject C=FR, O=Fleet, CN=manager), and the same subject
 * signed by another CA (rogue.pem). The web server trusts both CAs for
 * client certificates (clientcas.pem): telling them apart is cvapi's job.
 */
export function makeCertificates(dir) {
	mkdirSync(dir, { recursive: true });
	const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
	const ca = (name, cn) => ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
		'-keyout', `${name}.key`, '-out', `${name}.pem`);
	const leaf = (name, subj, caName, ext) => {
		ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subj, '-keyout', `${name}.key`, '-out', `${name}.csr`);
		writeFileSync(join(dir, `${name}.ext`), ext);
		ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial',
			'-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
	};
	ca('ca', 'cvapi test CA');
	ca('rogueca', 'someone else');
	leaf('server', '/CN=127.0.0.1', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
	leaf('client', '/C=FR/O=Fleet/CN=manager', 'ca', 'extendedKeyUsage=clientAuth\n');
	leaf('rogue', '/C=FR/O=Fleet/CN=manager', 'rogueca', 'extendedKeyUsage=clientAuth\n');
	// the web server trusts both CAs for client certificates: the rogue one is verified too
	writeFileSync(join(dir, 'clientcas.pem'), readFileSync(join(dir, 'ca.pem'), 'utf8') + readFileSync(join(dir, 'rogueca.pem'), 'utf8'));
	return {
		ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'),
		clientca: join(dir, 'clientcas.pem'), clientPem: join(dir, 'client.pem'), roguePem: join(dir, 'rogue.pem'),
		client: { cert: readFileSync(join(dir, 'client.pem')), key: readFileSync(join(dir, 'client.key')) },
		rogue: { cert: readFileSync(join(dir, 'rogue.pem')), key: readFileSync(join(dir, 'rogue.key')) },
	};
}

/*
 * lighttpd: ctx = { port, home, rundir, fcgidir, wwwdir, procs, env, tls }.
 * start() resolves when the process runs (or rejects with its log when it
 * exits early, e.g. port taken); stop() kills it and its FastCGI children;
 * logs() returns the text of its logs (error log, then its own output).
 */
function lighttpd(ctx) {
	const bin = findProgram(process.env.CV_LIGHTTPD, 'lighttpd');
	let child = null;
	let out = '';
	return {
		name: 'lighttpd',
		available: bin ? null : 'lighttpd not found (set LIGHTTPD at configure time or CV_LIGHTTPD)',
		async start() {
			const conf = join(ctx.rundir, 'lighttpd.conf');
			const tpl = readFileSync(join(SRCDIR, 'etc', 'lighttpd.conf.in'), 'utf8');
			writeFileSync(conf, instantiate(tpl, {
				PORT: ctx.port, FCGIDIR: ctx.fcgidir, WWWDIR: ctx.wwwdir, JSDIR, HOME: ctx.home,
				RUNDIR: ctx.rundir, PROCS: ctx.procs,
			}) + tlsConf(ctx, 'lighttpd-tls.conf.in') + osmandConf(ctx, 'lighttpd-osmand.conf.in'));
			out = '';
			child = spawn(bin, ['-D', '-f', conf], { detached: true, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
			live.set(child.pid, ctx.top);
			const collect = (d) => { out += d.toString(); };
			child.stdout.on('data', collect);
			child.stderr.on('data', collect);
			child.exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
			return child;
		},
		async stop() {
			if (!child)
				return;
			await killGroup(child);
			live.delete(child.pid);
			try { writeFileSync(join(ctx.rundir, 'lighttpd.out'), out); } catch { /* folder gone */ }
			child = null;
		},
		logs() {
			let s = '';
			try { s += readFileSync(join(ctx.rundir, 'error.log'), 'utf8'); } catch { /* none yet */ }
			return s + out;
		},
		get process() { return child; },
	};
}

/*
 * Apache 2.4 + mod_proxy_fcgi, from etc/apache2.conf.in, with the FastCGI
 * programs run by cgi/cvapi-spawn on UNIX sockets in the run folder: the
 * same contract as lighttpd(). start() starts cvapi-spawn with every
 * cvapi-*.fcgi of the build tree, waits for its "ready" line, then starts
 * Apache; stop() stops Apache, then cvapi-spawn with SIGTERM, and fails if
 * a program is left running or a socket is left behind. `process` is
 * cvapi-spawn, the parent of the programs.
 *
 * When the tests run as root, the programs (and cvctl, see `user`) run as
 * www-data, as Apache's workers do, and the temporary folder is theirs.
 */
function apache(ctx) {
	const tplPath = join(SRCDIR, 'etc', 'apache2.conf.in');
	const bin = findProgram(process.env.CV_APACHE2, 'apache2');
	const spawnBin = join(BUILDDIR, 'cgi', 'cvapi-spawn');
	const root = process.getuid && process.getuid() === 0;
	let uid = process.getuid ? process.getuid() : 0;
	let gid = process.getgid ? process.getgid() : 0;
	if (root) {
		try {
			const pw = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('www-data:'));
			[uid, gid] = pw.split(':').slice(2, 4).map(Number);
		} catch { /* no www-data: the start fails with Apache's own message */ }
	}
	let child = null;
	let sup = null;
	let out = '';
	let supOut = '';
	const sockets = [];
	const collect = (d) => { out += d.toString(); };
	return {
		name: 'apache',
		available: !existsSync(tplPath) ? 'Apache API tests skipped: etc/apache2.conf.in does not exist yet'
			: !bin ? 'Apache API tests skipped: apache2 not found (set APACHE2 at configure time or CV_APACHE2)'
				: !existsSync(spawnBin) ? `Apache API tests skipped: ${spawnBin} is not built` : null,
		user: root ? { uid, gid } : null,
		async start() {
			const conf = join(ctx.rundir, 'apache2.conf');
			mkdirSync(join(ctx.rundir, 'logs'), { recursive: true });
			if (root)
				chownSync(join(ctx.rundir, 'logs'), uid, gid);
			// the programs first: cvapi-spawn as their user, ready once every socket listens
			const programs = readdirSync(ctx.fcgidir).filter((f) => /^cvapi-[a-z0-9]+\.fcgi$/.test(f)).sort();
			sockets.length = 0;
			for (const f of programs)
				sockets.push(join(ctx.rundir, f.replace(/\.fcgi$/, '.sock')));
			supOut = '';
			sup = spawn(spawnBin, ['--dir', ctx.rundir, '--procs', String(ctx.procs), '--mode', '0660',
				...programs.map((f) => join(ctx.fcgidir, f))], {
				detached: true, stdio: ['ignore', 'pipe', 'pipe'],
				env: { ...ctx.env, CVAPI_HOME: ctx.home, CVAPI_TRUST_PROXY: '0' },
				...(root ? { uid, gid } : {}),
			});
			live.set(sup.pid, ctx.top);
			sup.stderr.on('data', collect);
			sup.exited = new Promise((res) => sup.once('exit', (code, sig) => res({ code, sig })));
			const ready = await new Promise((res) => {
				sup.stdout.on('data', (d) => {
					supOut += d.toString();
					if (supOut.includes('ready\n'))
						res(true);
				});
				sup.exited.then(() => res(false));
			});
			if (!ready)
				throw new Error(`cvapi-spawn exited before it was ready (${sup.exitCode ?? sup.signalCode}):\n${out}`);
			writeFileSync(conf, instantiate(readFileSync(tplPath, 'utf8'), {
				PORT: ctx.port, WWWDIR: ctx.wwwdir, JSDIR, RUNDIR: ctx.rundir, USER: `#${uid}`, GROUP: `#${gid}`,
			}) + tlsConf(ctx, 'apache2-tls.conf.in') + osmandConf(ctx, 'apache2-osmand.conf.in'));
			child = spawn(bin, ['-f', conf, '-DFOREGROUND'], { detached: true, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
			live.set(child.pid, ctx.top);
			child.stdout.on('data', collect);
			child.stderr.on('data', collect);
			return child;
		},
		async stop() {
			const problems = [];
			if (child) {
				await killGroup(child, 5000);
				live.delete(child.pid);
				child = null;
			}
			if (sup) {
				const pgid = sup.pid;
				try { process.kill(sup.pid, 'SIGTERM'); } catch { /* gone */ }
				const end = await Promise.race([sup.exited, sleep(10000).then(() => null)]);
				if (!end)
					problems.push('cvapi-spawn did not exit within 10 s of SIGTERM');
				else if (end.code !== 0)
					problems.push(`cvapi-spawn exited with ${end.code ?? end.sig} after SIGTERM`);
				// the programs are in its process group: none may be left
				let left = true;
				try { process.kill(-pgid, 0); } catch { left = false; }
				if (left) {
					problems.push('processes of cvapi-spawn\'s group are left running after it stopped');
					try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
				}
				for (const s of sockets)
					if (existsSync(s))
						problems.push(`${s} is left behind`);
				live.delete(pgid);
				sup = null;
			}
			try { writeFileSync(join(ctx.rundir, 'apache2.out'), out); } catch { /* folder gone */ }
			if (problems.length)
				throw new Error(`stopping Apache and cvapi-spawn: ${problems.join('; ')}\n${out}`);
		},
		logs() {
			let s = '';
			try { s += readFileSync(join(ctx.rundir, 'error.log'), 'utf8'); } catch { /* none yet */ }
			return s + out;
		},
		get process() { return sup; },
		get apache() { return child; },
	};
}

export const WEBSERVERS = { lighttpd, apache };

/* ---- processes -------------------------------------------------------------- */

/* Every process of the machine: [{ pid, ppid, state, cmd }] (cmd: argv[0]). */
export function processTable() {
	const all = [];
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d))
			continue;
		try {
			const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')[0];
			all.push({ pid: Number(d), ppid: Number(f[1]), state: f[0], cmd });
		} catch { /* gone meanwhile */ }
	}
	return all;
}

/* The live (not zombie) children of pid, by pid. */
export function childrenOf(pid) {
	return processTable().filter((p) => p.ppid === pid && p.state !== 'Z').sort((a, b) => a.pid - b.pid);
}

/* Every process below pid, at any depth. */
export function descendantsOf(pid) {
	const all = processTable();
	const out = [];
	const walk = (p) => {
		for (const c of all.filter((x) => x.ppid === p)) {
			out.push(c);
			walk(c.pid);
		}
	};
	walk(pid);
	return out;
}


/* Why this run cannot start a server (a skip reason), or null. */
export function skipReason() {
	const make = WEBSERVERS[WEBSERVER];
	if (!make)
		return `unknown CV_WEBSERVER "${WEBSERVER}" (lighttpd or apache)`;
	const cvctl = join(BUILDDIR, 'tools', 'cvctl');
	if (!existsSync(cvctl))
		return `${cvctl} is not built (set CV_BUILDDIR to the build tree)`;
	return make({}).available;
}

function run(file, args, { input, env, uid, gid } = {}) {
	return new Promise((res) => {
		const o = { env: env || process.env, maxBuffer: 64 << 20 };
		if (uid !== undefined) {
			o.uid = uid;
			o.gid = gid;
		}
		const p = execFile(file, args, o, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
		if (input !== undefined)
			p.stdin.end(input);
	});
}

/* A response: status, headers, ctype (no parameters), text, body (parsed JSON or null). */
async function wrap(res) {
	const text = await res.text();
	let body = null;
	const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
	if (/json/.test(ctype) && text.length) {
		try { body = JSON.parse(text); } catch { body = undefined; }
	}
	return { status: res.status, headers: res.headers, ctype, text, body };
}

/* The data of an HTTP/1.1 chunked body, a Buffer (hex size CRLF data CRLF ..., then 0 CRLF CRLF). */
function dechunk(buf) {
	const parts = [];
	let at = 0;
	for (;;) {
		const eol = buf.indexOf('\r\n', at);
		const size = eol < 0 ? NaN : parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0], 16);
		if (!(size > 0))
			return Buffer.concat(parts);
		parts.push(buf.subarray(eol + 2, eol + 2 + size));
		at = eol + 2 + size + 2;
	}
}

/* The server handle given to a suite; fields are set once start() ran. */
export class Server {
	constructor(opts = {}) {
		this.opts = opts;
		this.base = null;
		this.vehicles = [];
		this.logOffset = 0;
		this.answers = [];          // act-side answers being checked (request(), checkAnswers())
	}

	async start() {
		const top = mkdtempSync(join(tmpdir(), 'cvapi-test-'));
		this.top = top;
		this.home = join(top, 'db');
		this.rundir = join(top, 'run');
		mkdirSync(this.home);
		mkdirSync(this.rundir);
		live.set(`dir:${top}`, top);
		// a suite may put the store folder on a file system of its own (disk.mjs: a small tmpfs)
		if (this.opts.mountHome)
			this.opts.mountHome(this.home);
		this.cvctlBin = join(BUILDDIR, 'tools', 'cvctl');
		this.env = {
			...process.env,
			ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:log_path=stderr',
			UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1',
			// tests upload history of any date: no purge unless a test asks for it
			CVAPI_PURGE_EVERY: process.env.CVAPI_PURGE_EVERY ?? '0',
			// the suites read as fast as one client can: budgets far above
			// that, still counted, so that every answer carries the
			// headers (limits.mjs tests the defaults)
			CVAPI_RATE_CLIENT: '1000000000/1000000',
			CVAPI_RATE_TOKEN: '1000000000/1000000',
			CVAPI_RATE_VEHICLE: '1000000000/1000000',
			CVAPI_RATE_DEVICE: '1000000000/1000000',
			CVAPI_RATE_USER: '1000000000/1000000',
			CVAPI_RATE_GRANT: '1000000000/1000000',
			// the tests' webhook receivers listen on 127.0.0.1, as cvnotify is told (notify.mjs)
			CVAPI_NOTIFY_ALLOW: 'loopback',
			...(this.opts.env || {}),
		};
		delete this.env.CVAPI_HOME;
		// a suite's null: the variable unset (the programs' default)
		for (const [k, v] of Object.entries(this.env))
			if (v === null)
				delete this.env[k];
		const common = {
			top, home: this.home, rundir: this.rundir, procs: this.opts.procs || 2,
			fcgidir: join(BUILDDIR, 'cgi'), wwwdir: join(SRCDIR, 'www'), env: this.env,
		};
		// the store belongs to whoever the web server runs the programs as
		this.user = WEBSERVERS[WEBSERVER](common).user || null;
		if (this.user) {
			chmodSync(top, 0o755);
			for (const d of [top, this.home, this.rundir])
				chownSync(d, this.user.uid, this.user.gid);
		}
		// a suite may make the store itself (repl.mjs: a replication site, whose data comes from its master)
		if (this.opts.setup) {
			await this.opts.setup(this);
		} else {
			await this.cvctl(['init']);
			const vfile = join(top, 'vehicles.txt');
			await this.cvctl(['demo', '--vehicles', vfile]);
			this.vehicles = readFileSync(vfile, 'utf8').trim().split('\n').map((l) => {
				// then what cvsim is told of the car: its capacities and its driver's style
				const [vin, energy, cred, ...sim] = l.trim().split(/\s+/);
				return { vin, energy, cred, sim: sim.join(' ') };
			});
		}

		if (this.opts.tls) {
			this.pki = makeCertificates(join(top, 'tls'));
			if (this.user)
				for (const f of readdirSync(join(top, 'tls')))
					chownSync(join(top, 'tls', f), this.user.uid, this.user.gid);
		}
		let lastErr = null;
		for (let attempt = 0; attempt < 5; attempt++) {
			// a fixed port (repl.mjs: a site's URL is known to its group before it starts)
			const port = this.opts.port || await freePort();
			const tls = this.pki ? { port: await freePort(), cert: this.pki.cert, key: this.pki.key, ca: this.pki.clientca } : null;
			// opts.osmand: the OsmAnd protocol on a port of its own too (etc/*-osmand.conf.in)
			const osmandPort = this.opts.osmand ? await freePort() : null;
			const ws = WEBSERVERS[WEBSERVER]({ ...common, port, tls, osmandPort });
			this.tlsBase = tls ? `https://127.0.0.1:${tls.port}` : null;
			this.osmandBase = osmandPort ? `http://127.0.0.1:${osmandPort}` : null;
			const child = await ws.start();
			this.ws = ws;
			this.base = `http://127.0.0.1:${port}`;
			try {
				await this.waitHealthy(child);
				break;
			} catch (e) {
				lastErr = e;
				await ws.stop();
				this.ws = null;
				if (!/bind|address already in use/i.test(e.message))
					throw e;
			}
		}
		if (!this.ws)
			throw lastErr;

		if (this.opts.setup)
			return this;
		// demo vehicles: ids from the API
		this.demoToken = await this.token('demo');
		const r = await this.get(`${B2C}/user/vehicles`, this.demoToken);
		if (r.status !== 200)
			throw new Error(`GET /user/vehicles: ${r.status} ${r.text}`);
		for (const v of r.body._embedded.vehicles) {
			const d = this.vehicles.find((x) => x.vin === v.vin);
			if (d)
				d.id = v.id;
		}
		for (const d of this.vehicles)
			if (!d.id)
				throw new Error(`demo vehicle ${d.vin} is not listed by /user/vehicles`);
		if (process.env.CV_KEEP)
			console.log(`# cvapi test folder: ${top}, server ${this.base}`);
		return this;
	}

	/* Poll /healthz until 200 (never a fixed sleep); fail early if the server died. */
	async waitHealthy(child, timeoutMs = 30000) {
		const t0 = Date.now();
		let last = '';
		while (Date.now() - t0 < timeoutMs) {
			if (child && (child.exitCode !== null || child.signalCode !== null))
				throw new Error(`${this.ws.name} exited (${child.exitCode ?? child.signalCode}):\n${this.ws.logs()}`);
			try {
				const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
				last = `${res.status} ${await res.text()}`;
				if (res.status === 200)
					return;
			} catch (e) {
				last = e.cause ? e.cause.code || e.cause.message : e.message;
			}
			await sleep(25);
		}
		throw new Error(`${this.ws.name} did not answer /healthz with 200 within ${timeoutMs} ms (last: ${last}):\n${this.ws.logs()}`);
	}

	/* Sanitizer reports in the logs since the last call: an array of excerpts. */
	sanitizerReports() {
		if (!this.ws)
			return [];
		const text = this.ws.logs();
		const fresh = text.slice(this.logOffset);
		this.logOffset = text.length;
		const found = [];
		for (const re of SANITIZER_PATTERNS) {
			const m = re.exec(fresh);
			if (m)
				found.push(fresh.slice(Math.max(0, m.index - 200), m.index + 1500));
		}
		return found;
	}

	checkSanitizers() {
		const found = this.sanitizerReports();
		if (found.length)
			throw new Error(`sanitizer report in the server log:\n${found.join('\n---\n')}`);
	}

	async stop() {
		let reports = [];
		if (this.ws) {
			await this.ws.stop();
			// leak reports are written when the FastCGI programs exit
			reports = this.sanitizerReports();
			this.ws = null;
		}
		if (this.top) {
			live.delete(`dir:${this.top}`);
			if (this.opts.unmountHome)
				this.opts.unmountHome(this.home);
			if (!process.env.CV_KEEP)
				rmSync(this.top, { recursive: true, force: true });
			this.top = null;
		}
		if (reports.length)
			throw new Error(`sanitizer report in the server log at shutdown:\n${reports.join('\n---\n')}`);
	}

	/* cvctl -H HOME args...: resolves to stdout; rejects with stderr on failure. */
	async cvctl(args, opts = {}) {
		const r = await this.cvctlRun(args, opts);
		if (r.code !== 0)
			throw new Error(`cvctl ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
		return r.stdout;
	}

	/* cvctl without the throw: { code, stdout, stderr }. */
	cvctlRun(args, opts = {}) {
		return run(this.cvctlBin, ['-H', this.home, ...args], { ...opts, env: this.env, ...(this.user || {}) });
	}

	/* An access token for user (cvctl token issue): scope "a b", ttl seconds, client. */
	async token(user, { scope, ttl, client } = {}) {
		const args = ['token', 'issue', user];
		if (scope !== undefined)
			args.push('--scope', scope);
		if (ttl !== undefined)
			args.push('--ttl', String(ttl));
		if (client !== undefined)
			args.push('--client', client);
		return (await this.cvctl(args)).trim();
	}

	/* Add a user and a vehicle: { login, token, vin, id, cred }. */
	async addUserWithVehicle(login, vin, energy = 'petrol') {
		await this.cvctl(['user', 'add', login, '--password', `${login}-pw`]);
		const out = await this.cvctl(['vehicle', 'add', vin, '--owner', login, '--energy', energy]);
		const kv = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')));
		return { login, token: await this.token(login), vin, id: kv.id, cred: kv.credential };
	}

	url(path) {
		return path.startsWith('http') ? path : this.base + path;
	}

	/* Any request: opts { token, headers, body (string|Buffer|object -> JSON), method }. */
	async request(method, path, { token, headers = {}, body } = {}) {
		const h = { ...headers };
		if (token !== undefined && token !== null)
			h.authorization = `Bearer ${token}`;
		let payload = body;
		if (body !== undefined && typeof body === 'object' && !(body instanceof Uint8Array)) {
			payload = JSON.stringify(body);
			if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
				h['content-type'] = 'application/json';
		}
		const res = await fetch(this.url(path), { method, headers: h, body: payload, redirect: 'manual' });
		const r = await wrap(res);
		// the act side's answers are checked against the documents (conform.mjs); the test fails at its end
		this.answers.push(answerProblems(method, this.url(path), r).catch((e) => [`${method} ${path}: ${e.message}`]));
		return r;
	}

	/* Throw the problems of the act-side answers got since the last call (see conform.mjs). */
	async checkAnswers() {
		const got = this.answers.splice(0);
		const problems = (await Promise.all(got)).flatMap((p) => p || []);
		if (problems.length)
			throw new Error(`act-side answers that do not follow the official documents:\n  ${problems.join('\n  ')}`);
	}

	get(path, token, opts = {}) {
		return this.request('GET', path, { ...opts, token });
	}

	/* The status of vehicle car ({ id, token }) as its owner reads it (asserted 200): the body. */
	async vehicleStatus(car) {
		const s = await this.get(`${B2C}/user/vehicles/${car.id}/status`, car.token);
		assert.equal(s.status, 200, s.text);
		return s.body;
	}

	/* How many telemetry samples of vehicle car ({ id, token }) are stored (asserted 200). */
	async telemetryTotal(car) {
		const t = await this.get(`${B2C}/user/vehicles/${car.id}/telemetry?pageSize=1`, car.token);
		assert.equal(t.status, 200, t.text);
		return t.body.total;
	}

	/*
	 * GET over TLS (a server started with { tls: true }), presenting the
	 * client certificate `client` ({ cert, key }, e.g. this.pki.client) if
	 * given: { status, text, body, headers: Map-like }.
	 */
	tlsGet(path, { client, headers = {} } = {}) {
		return new Promise((res, rej) => {
			const req = https.request(`${this.tlsBase}${path}`, {
				method: 'GET', headers, ca: readFileSync(this.pki.ca), ...(client || {}),
			}, (r) => {
				let text = '';
				r.setEncoding('utf8');
				r.on('data', (d) => { text += d; });
				r.on('end', () => {
					let body = null;
					try { body = JSON.parse(text); } catch { /* not JSON */ }
					res({ status: r.statusCode, text, body, ctype: (r.headers['content-type'] || '').split(';')[0],
						headers: { get: (n) => r.headers[n.toLowerCase()] ?? null } });
				});
			});
			req.on('error', rej);
			req.setTimeout(15000, () => req.destroy(new Error('TLS request timed out')));
			req.end();
		});
	}

	/* The vehicle link: POST a batch (object, or a raw string with opts.contentType). */
	upload(vin, cred, body, { contentType = 'application/json', headers = {} } = {}) {
		const h = { ...headers };
		if (contentType !== null)
			h['content-type'] = contentType;
		return this.request('POST', `/telematics/v1/vehicles/${vin}/messages`, {
			token: cred, headers: h, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
		});
	}

	/* POST /oauth2/token with a form (object or raw string); opts.basic = [id, secret]. */
	oauth(form, { basic, contentType = 'application/x-www-form-urlencoded', headers = {} } = {}) {
		const h = { ...headers };
		if (contentType !== null)
			h['content-type'] = contentType;
		if (basic)
			h.authorization = 'Basic ' + Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64');
		const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
		return this.request('POST', '/oauth2/token', { headers: h, body });
	}

	/* A raw HTTP/1.1 request (the exact bytes, with CRLFs) over a socket, for what fetch refuses to send: { status, head, body }. */
	raw(text) {
		return new Promise((res, rej) => {
			const u = new URL(this.base);
			const s = net.connect(Number(u.port), u.hostname);
			let buf = Buffer.alloc(0);
			s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
			s.on('error', rej);
			s.on('end', () => {
				const i = buf.indexOf('\r\n\r\n');
				const head = (i < 0 ? buf : buf.subarray(0, i)).toString('utf8');
				const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
				let body = i < 0 ? Buffer.alloc(0) : buf.subarray(i + 4);
				// a chunked body (Apache mod_proxy_fcgi streams the programs' answers) is decoded
				if (/^transfer-encoding:\s*chunked\s*$/im.test(head))
					body = dechunk(body);
				body = body.toString('utf8');
				res({ status: m ? Number(m[1]) : 0, head, body });
			});
			s.end(text);
		});
	}
}

/*
 * A file's tests with a server: fn(srv, test) declares them with
 * test(name, [options], async (t) => ...), node:test's test() plus:
 *   - a first test starts the server, a last one stops it (and reports
 *     sanitizer reports written at shutdown, such as leaks);
 *   - after each test the server's logs are searched for sanitizer
 *     reports: the test that caused one fails;
 *   - when no server can be started (see skipReason) every test is
 *     skipped with the reason.
 * Tests are top level, so that automake's TAP driver counts each one.
 * opts: { procs, tls, env (added to the programs' environment),
 * beforeStart (awaited first, e.g. to set the test's clock) }.
 */
export function apiSuite(name, opts, fn) {
	if (typeof opts === 'function') {
		fn = opts;
		opts = {};
	}
	// a suite may say why it cannot run here (opts.skip)
	const reason = opts.skip || skipReason();
	const srv = new Server(opts);
	let started = false;
	let startError = null;
	nodeTest(`${name}: start the server (${WEBSERVER})`, { skip: reason || false, timeout: 60000 }, async () => {
		try {
			if (opts.beforeStart)
				await opts.beforeStart();
			await srv.start();
			started = true;
		} catch (e) {
			startError = e;
			throw e;
		}
	});
	// say it when bodies are not checked against the official schemas
	nodeTest(`${name}: bodies are checked against the official OpenAPI documents`, { skip: reason || schemaSkip || false }, async () => {
		await schemaProblems({}, 'xError');
	});
	const wrapped = (tname, topts, tfn) => {
		if (typeof topts === 'function') {
			tfn = topts;
			topts = {};
		}
		// no test waits for ever: 120 s unless it says otherwise
		nodeTest(tname, { timeout: 120000, ...topts, skip: reason || topts.skip || false }, async (t) => {
			if (!started)
				throw new Error(`the server did not start${startError ? ': ' + startError.message.split('\n')[0] : ''}`);
			try {
				await tfn(t);
				await srv.checkAnswers();
			} finally {
				srv.answers.length = 0;
				srv.checkSanitizers();
			}
		});
	};
	fn(srv, wrapped);
	nodeTest(`${name}: stop the server`, { skip: reason || false, timeout: 30000 }, async () => {
		await srv.stop();
	});
	return srv;
}

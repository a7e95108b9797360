// Replication: a group of three sites on this machine, each a whole cvapi
// (web server, FastCGI programs, store, cvrepl, cvnotify), on Berkeley DB's
// Replication Manager. The master takes writes, the replicas serve reads
// (after a client's own writes when it names them) and send writes to it;
// when the master dies under uploads, remote actions and a firing monitor,
// a replica is elected, nothing acknowledged is lost and deliveries go on;
// the old master comes back as a replica and every store converges (cvctl
// digest). Timeouts are the tests' own (cvctl repl init): acknowledgements
// wait 10 s, elections 4 s, heartbeats every 500 ms.
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server, B2C, BUILDDIR, freePort, skipReason } from '../lib/server.mjs';
import { cvsimOnce, vehiclesFile, historyArgs } from '../lib/sim.mjs';
import { now } from '../lib/clock.mjs';
import { receiver, superviseNotify } from '../lib/notify.mjs';
import { until } from '../lib/until.mjs';

const CVREPL = join(BUILDDIR, 'repl', 'cvrepl');
const TIMEOUTS = ['--ack-timeout', '10000', '--election-timeout', '4000', '--heartbeat', '500'];
const skip = skipReason() || false;
const T0 = Date.parse('2024-03-01T00:00:00Z');
// an hour ago: later than the simulated history (it ends 2 hours ago or earlier), what the monitor sees first
const FRESH = now() - 3600000;

/* An answer as any site would give it: each site's links name the site itself. */
function same(r, site) {
	return JSON.stringify(r.body).split(site.url).join('SITE');
}

/* A fetch that never throws: a network error is status 0. */
async function attempt(fn) {
	try {
		return await fn();
	} catch {
		return { status: 0, text: 'unreachable' };
	}
}

/*
 * A write at the master as a client should make it: sent again while it is
 * answered 503 (a commit not yet acknowledged by enough sites, as when a
 * process's first connections are still coming up on a loaded machine;
 * the same request again is safe: an upload by its message id, a POST by
 * its Idempotency-Key), until its final answer.
 */
async function write(fn) {
	return until('a write answered other than 503', 30000, async () => {
		const r = await fn();
		return r.status !== 503 && r;
	}, 200);
}

/* One site: its store, its cvrepl, its web server on a port fixed in advance (its URL). */
class Site {
	constructor(n, port, rport, peers) {
		this.n = n;
		this.port = port;
		this.rport = rport;
		this.url = `http://127.0.0.1:${port}`;
		this.repl = null;
		this.srv = new Server({
			port,
			setup: async (srv) => {
				const args = ['repl', 'init', '--local', `127.0.0.1:${rport}`, ...TIMEOUTS];
				for (const p of peers)
					args.push('--peer', `127.0.0.1:${p}`);
				await srv.cvctl(args);
				if (!peers.length) {
					await srv.cvctl(['init']);
					const vfile = join(srv.top, 'vehicles.txt');
					await srv.cvctl(['demo', '--vehicles', vfile]);
					srv.vehicles = readFileSync(vfile, 'utf8').trim().split('\n').map((l) => {
						const [vin, energy, cred] = l.trim().split(/\s+/);
						return { vin, energy, cred };
					});
				}
				this.startRepl();
				// the web server once cvrepl has its role: the group's creator master, a site that joins
				// a replica with its copy from the master (its programs open what the copy brings)
				await this.settled(peers.length ? 'replica' : 'master');
			},
		});
	}

	startRepl() {
		const srv = this.srv;
		const log = openSync(join(srv.top, 'cvrepl.log'), 'a');
		const o = { detached: true, env: { ...srv.env, CVAPI_HOME: srv.home, CVAPI_SITE_URL: this.url, CVREPL_VERBOSE: '1' },
			stdio: ['ignore', log, log] };
		if (srv.user) {
			o.uid = srv.user.uid;
			o.gid = srv.user.gid;
		}
		this.replDown = false;
		const child = spawn(CVREPL, [], o);
		this.repl = child;
		closeSync(log);
		child.exited = new Promise((res) => child.once('exit', () => res()));
		// kept running as cvapi-spawn keeps it in a site (make run-group): a recovery ends every process of the
		// site, cvrepl included, and its restart brings the site back into its group
		child.exited.then(() => {
			if (!this.replDown && this.repl === child)
				setTimeout(() => { if (!this.replDown && this.repl === child) this.startRepl(); }, 200);
		});
	}

	/* cvctl repl status, until it says role and synced */
	async settled(role, ms = 60000) {
		await until(`site ${this.n}: cvrepl says ${role}`, ms, async () => {
			const r = await this.srv.cvctlRun(['repl', 'status']);
			return r.code === 0 && r.stdout.includes(`role ${role}\n`) && r.stdout.includes('synced yes') && r.stdout;
		});
	}

	/* cvnotify, kept running as its supervisor would (it delivers at the master only) */
	async startNotify() {
		this.sup = await superviseNotify(this.srv);
	}

	/* cvctl digest: each database's records and content hash */
	async digest() {
		const r = await this.srv.cvctlRun(['digest']);
		return r.code === 0 ? r.stdout : `failed: ${r.stderr}`;
	}

	replLog() {
		try {
			return readFileSync(join(this.srv.top, 'cvrepl.log'), 'utf8');
		} catch {
			return '';
		}
	}

	async health() {
		const r = await attempt(() => this.srv.get('/healthz'));
		return r.status === 200 ? r.body : { ok: false, status: r.status, text: r.text };
	}

	/* Every process of the site, dead at once: cvrepl, the web server and its programs. */
	async killAll() {
		this.replDown = true;
		if (this.sup) {
			this.sup.stopping = true;
			try {
				process.kill(-this.sup.nd.child.pid, 'SIGKILL');
			} catch { /* gone */ }
			await this.sup.nd.exited;
			this.sup = null;
		}
		for (const child of [this.repl, this.srv.ws.process]) {
			if (!child || child.exitCode !== null || child.signalCode !== null)
				continue;
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch { /* gone */ }
		}
		await this.repl.exited;
		await this.srv.ws.process.exited;
	}

	async stop() {
		this.replDown = true;
		if (this.sup)
			await this.sup.stop().catch(() => {});
		if (this.repl && this.repl.exitCode === null && this.repl.signalCode === null) {
			this.repl.kill('SIGTERM');
			await Promise.race([this.repl.exited, sleep(10000)]);
			if (this.repl.exitCode === null && this.repl.signalCode === null)
				this.repl.kill('SIGKILL');
		}
		await this.srv.stop();
	}
}

const sites = [];
after(async () => {
	for (const s of sites)
		await s.stop().catch(() => {});
});

const opt = { skip, timeout: 120000 };
let tok, vehicles, rx, rcb, monitored;

test('three sites: the group creator is the master, the others replicas that serve', opt, async () => {
	const ports = [await freePort(), await freePort(), await freePort()];
	const rports = [await freePort(), await freePort(), await freePort()];
	sites.push(new Site(1, ports[0], rports[0], []));
	await sites[0].srv.start();
	sites.push(new Site(2, ports[1], rports[1], [rports[0]]));
	sites.push(new Site(3, ports[2], rports[2], [rports[0], rports[1]]));
	// sites join one at a time: a join changes the group's membership, which the members acknowledge
	await sites[1].srv.start();
	await sites[2].srv.start();
	const h = await until('the master says master', 30000, async () => {
		const b = await sites[0].health();
		return b.role === 'master' && b;
	});
	assert.equal(h.store, 'writable');
	for (const s of sites.slice(1)) {
		const b = await until(`site ${s.n} says replica with its master's URL`, 30000, async () => {
			const x = await s.health();
			return x.role === 'replica' && x.master === sites[0].url && x;
		});
		assert.equal(b.store, 'read-only');
		assert.match(b.reason, /replica/);
		assert.match(b.logPosition, /^\d+\/\d+$/);
		// cvctl repl status says the listener's (cvrepl's) connections, not its own process's
		const st = await until(`site ${s.n}: cvctl repl status shows its master's peer connected`, 20000, async () => {
			const x = await s.srv.cvctlRun(['repl', 'status']);
			return x.code === 0 && x.stdout.includes(`peer 127.0.0.1:${sites[0].rport} connected\n`) && x.stdout;
		});
		assert.match(st, new RegExp(`^cvrepl ${s.repl.pid}$`, 'm'), st);
		assert.doesNotMatch(st, / unknown$/m, st);
	}
	// a token issued at the master, read everywhere
	tok = (await sites[0].srv.cvctl(['token', 'issue', 'demo'])).trim();
	const r = await sites[0].srv.get(`${B2C}/user/vehicles`, tok);
	assert.equal(r.status, 200, r.text);
	vehicles = sites[0].srv.vehicles.map((v) => ({ ...v, id: r.body._embedded.vehicles.find((x) => x.vin === v.vin).id }));
	for (const s of sites.slice(1)) {
		const x = await until(`site ${s.n} knows the token`, 20000, async () => {
			const y = await s.srv.get(`${B2C}/user/vehicles`, tok);
			return y.status === 200 && y;
		});
		assert.equal(same(x, s), same(r, sites[0]));
	}
});

/*
 * A batch of n samples: speeds 30 up, so that a monitor of "speed below 31"
 * fires once a batch, at its first sample (the one before it was 39); its
 * position says the batch (longitude 2.3 + seq / 1000). From time base,
 * 10 s apart by default.
 */
function batch(vin, seq, n = 10, base = T0, step = 10000) {
	const samples = [];
	for (let j = 0; j < n; j++) {
		const at = base + (seq * n + j) * step;
		samples.push({ at: new Date(at).toISOString(), speed: 30 + j, odometer: 1000 + seq, ignition: 'Start',
			position: { lat: 48.8 + j / 1000, lon: 2.3 + seq / 1000 } });
	}
	return { messageId: `${vin}-${seq}`, samples };
}

test('cvnotify on every site, a callback with a monitor and one for remote actions, made at the master', opt, async () => {
	rx = await receiver();
	for (const s of sites)
		await s.startNotify();
	const m = sites[0].srv;
	let r = await write(() => m.request('POST', `${B2C}/user/callbacks`, { token: tok, headers: { 'idempotency-key': 'cb-monitor' },
		body: { label: 'failover', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } } }));
	assert.equal(r.status, 200, r.text);
	const mcb = r.body.callbackId;
	r = await write(() => m.request('POST', `${B2C}/user/callbacks`, { token: tok, headers: { 'idempotency-key': 'cb-remote' },
		body: { label: 'failover remotes', type: ['Remote'], callback: { webhook: { name: 'rx', target: rx.url } } } }));
	assert.equal(r.status, 200, r.text);
	rcb = r.body.callbackId;
	monitored = vehicles[0];
	r = await write(() => m.request('POST', `${B2C}/user/vehicles/${monitored.id}/callbacks/${mcb}/monitors`, { token: tok,
		headers: { 'idempotency-key': 'mon-slow' }, body: { label: 'slow', extendedEventParam: ['vehicle.position'],
			triggerParam: { triggers: [{ name: 'slow', data: { data: 'vehicle.kinetic.speed', op: 'lowerThan', value: ['31'] } }] } } }));
	assert.equal(r.status, 202, r.text);
	// the monitor fires at the master and its cvnotify delivers
	const up = await write(() => m.upload(monitored.vin, monitored.cred, batch(monitored.vin, 5, 10, FRESH)));
	assert.equal(up.status, 200, up.text);
	await rx.until(() => firedSeqs().has(5), 30000, 'the first firing delivered');
});

/* The longitude of a notification's position, as a batch number. */
function seqOf(body) {
	let found = null;
	const walk = (o) => {
		if (!o || typeof o !== 'object' || found !== null)
			return;
		if (Array.isArray(o.coordinates) && typeof o.coordinates[0] === 'number')
			found = Math.round((o.coordinates[0] - 2.3) * 1000);
		for (const v of Object.values(o))
			walk(v);
	};
	walk(body);
	return found;
}
/* The batches whose firing reached the receiver. */
function firedSeqs() {
	return new Set(rx.delivered().filter((g) => g.body?.monitorEvent).map((g) => seqOf(g.body)));
}
/* The remote actions whose events reached the receiver. */
function remoteIds() {
	return new Set(rx.delivered().map((g) => g.body?.remoteEvent?.remoteActionId ?? g.body?.events?.[0]?.remoteActionId).filter(Boolean));
}

test('a write at the master is read at every replica', opt, async () => {
	const v = vehicles[0];
	const up = await write(() => sites[0].srv.upload(v.vin, v.cred, batch(v.vin, 0)));
	assert.equal(up.status, 200, up.text);
	const m = await sites[0].srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok);
	assert.equal(m.status, 200, m.text);
	for (const s of sites.slice(1)) {
		// the replica's answer caches see what replication applied
		await until(`site ${s.n} reads the upload`, 20000, async () => {
			const x = await s.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok);
			return x.status === 200 && same(x, s) === same(m, sites[0]) && x;
		});
	}
	// cvctl repl status: the lag, asked of the master over the group's own connections, 0 once applied
	for (const s of sites.slice(1)) {
		const st = await until(`site ${s.n}: cvctl repl status says 0 bytes behind`, 20000, async () => {
			const x = await s.srv.cvctlRun(['repl', 'status']);
			assert.equal(x.code, 0, x.stderr);
			assert.match(x.stdout, /^lag (\d+ bytes behind the master|unknown: the master did not answer)$/m, x.stdout);
			return /^lag 0 bytes behind the master$/m.test(x.stdout) && x.stdout;
		});
		assert.doesNotMatch(st, /^replica /m, 'a replica lists no replicas');
	}
	// the master asks each replica; what it writes meanwhile (cvnotify's timers) may show for a moment
	// (each seen at 0 at least once: the master's own writes meanwhile may put one a commit behind at any moment)
	const zero = new Set();
	const ms = await until('the master says each replica 0 bytes behind', 30000, async () => {
		const x = await sites[0].srv.cvctlRun(['repl', 'status']);
		assert.equal(x.code, 0, x.stderr);
		assert.match(x.stdout, /^lag 0 bytes \(the master\)$/m, x.stdout);
		for (const s of sites.slice(1)) {
			const l = new RegExp(`^replica 127\\.0\\.0\\.1:${s.rport} lag (\\d+ bytes|unknown: [a-z ]+)$`, 'm').exec(x.stdout);
			assert.ok(l, x.stdout);
			if (l[1] === '0 bytes')
				zero.add(s.n);
		}
		return zero.size === sites.length - 1 ? x.stdout : { ok: false, stdout: x.stdout };
	});
	assert.doesNotMatch(ms, /^lag \d+ bytes behind/m, ms);
});

test('read-your-writes: a write names its commit, a read naming it waits on a replica until it is applied', opt, async () => {
	const [m, r1, r2] = sites;
	// a token just issued at the master, used at once on a replica
	const t = await m.srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
	assert.equal(t.status, 200, t.text);
	const commit = t.headers.get('cvapi-commit');
	assert.match(commit || '', /^[A-Za-z0-9_-]{27}$/, 'the token endpoint names its commit');
	const fresh = t.body.access_token;
	for (const s of [r1, r2]) {
		const x = await s.srv.get(`${B2C}/user/vehicles`, fresh, { headers: { 'cvapi-read-after': commit } });
		assert.equal(x.status, 200, `site ${s.n}: ${x.text}`);
	}
	// an upload, read at once on a replica: the new state, not a cached one
	const v = vehicles[0];
	const before = await r1.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok);
	assert.equal(before.status, 200, before.text);
	const up = await write(() => m.srv.upload(v.vin, v.cred, batch(v.vin, 6, 10, FRESH)));
	assert.equal(up.status, 200, up.text);
	const uc = up.headers.get('cvapi-commit');
	assert.match(uc || '', /^[A-Za-z0-9_-]{27}$/);
	const ms = await m.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok);
	const rs = await r1.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok, { headers: { 'cvapi-read-after': uc } });
	assert.equal(rs.status, 200, rs.text);
	assert.equal(same(rs, r1), same(ms, m), 'the replica answers with the upload');
	assert.notEqual(same(rs, r1), same(before, r1), 'the upload changed the status');
	// reads change nothing: no commit named
	assert.equal(ms.headers.get('cvapi-commit'), null);
	// a commit the replica cannot have applied (the same group's, far later in its log): 503, retry, after a
	// bounded wait; the master, which made every commit of its group, does not wait
	const raw = Buffer.from(uc, 'base64url');
	raw.writeUInt32BE(raw.readUInt32BE(12) + 1000, 12);
	const later = raw.toString('base64url');
	const t0 = Date.now();
	const w = await r2.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok, { headers: { 'cvapi-read-after': later } });
	assert.equal(w.status, 503, w.text);
	assert.equal(w.headers.get('retry-after'), '1');
	assert.match(w.body.message, /not yet applied/);
	assert.equal(w.body.code, 50301);
	assert.ok(Date.now() - t0 >= 2500, 'it waited for the commit first');
	const wm = await m.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok, { headers: { 'cvapi-read-after': later } });
	assert.equal(wm.status, 200, wm.text);
	// a token unknown on the replica, read after that commit: it may be one the commit issues, so the replica
	// waits for it, then says what it knows
	const t1 = Date.now();
	const u = await r2.srv.get(`${B2C}/user/vehicles`, 'no-such-token', { headers: { 'cvapi-read-after': later } });
	assert.equal(u.status, 401, u.text);
	assert.ok(Date.now() - t1 >= 2500, 'it waited for the commit first');
	// what is not a commit token: 400 on every site, before any wait
	const bad = { 'too short': uc.slice(1), 'not base64url': `${uc.slice(0, 26)}*`, 'another format': Buffer.alloc(20, 7).toString('base64url'),
		'no generation': Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(16)]).toString('base64url') };
	for (const [what, value] of Object.entries(bad)) {
		for (const s of sites) {
			const x = await s.srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok, { headers: { 'cvapi-read-after': value } });
			assert.equal(x.status, 400, `${what} at site ${s.n}: ${x.text}`);
			assert.match(x.body.message, /Cvapi-Read-After/);
			assert.equal(x.body.code, 40010);
		}
	}
});

test('a write sent to a replica: 307 to the master, which takes it; cvctl there says where the master is', opt, async () => {
	const v = vehicles[1];
	const path = `/telematics/v1/vehicles/${v.vin}/messages`;
	const r = await sites[1].srv.upload(v.vin, v.cred, batch(v.vin, 0));
	assert.equal(r.status, 307, r.text);
	assert.equal(r.headers.get('location'), `${sites[0].url}${path}`);
	assert.match(r.body.message, /replica/);
	// a client that follows the redirect, method, credential and body kept (as cvsim does), is answered by the master
	const again = await sites[2].srv.upload(v.vin, v.cred, batch(v.vin, 1));
	assert.equal(again.status, 307, again.text);
	const f = await write(() => fetch(again.headers.get('location'), { method: 'POST', redirect: 'manual',
		headers: { authorization: `Bearer ${v.cred}`, 'content-type': 'application/json' },
		body: JSON.stringify(batch(v.vin, 1)) }));
	assert.equal(f.status, 200, await f.text());
	// the token endpoint too
	const t = await sites[2].srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
	assert.equal(t.status, 307, t.text);
	assert.equal(t.headers.get('location'), `${sites[0].url}/oauth2/token`);
	// cvsim pointed at a replica follows the 307s: a day of history reaches the master
	const sim = await cvsimOnce(sites[1].srv, ['--vehicles', vehiclesFile(sites[0].srv), '--seed', '3', '--quiet',
		...historyArgs(1)]);
	assert.equal(sim.code, 0, sim.stderr);
	const after = await sites[0].srv.get(`${B2C}/user/vehicles/${vehicles[2].id}/trips`, tok);
	assert.equal(after.status, 200, after.text);
	assert.ok(after.body.total > 0, 'the simulated day made trips at the master');
	const c = await sites[1].srv.cvctlRun(['user', 'add', 'nobody', '--password', 'x']);
	assert.equal(c.code, 1);
	assert.match(c.stderr, new RegExp(`the master is 127\\.0\\.0\\.1:${sites[0].rport}`));
});

test('the master dies (every process, SIGKILL) under uploads, remote actions and a firing monitor: a replica is elected, writes and deliveries resume, nothing acknowledged is lost', opt, async () => {
	const acked = new Map(vehicles.map((v) => [v.vin, new Set()]));
	// batches sent at least once: one whose answer was lost (the master died, or the test stopped its retries) may be stored too
	const tried = new Map(vehicles.map((v) => [v.vin, new Set()]));
	const actions = [];
	let stop = false;
	let master = sites[0];
	const deadline = Date.now() + 90000;
	const running = () => !stop && Date.now() < deadline;
	// later than anything the monitor has seen (cvsim's history, the set-up's batch), 50 ms a sample;
	// a batch is sent once its last sample is past, so none is ever in the future however fast the site
	const base = now() - 60000;

	/* the master as a client finds it: the site whose /healthz says so */
	async function findMaster() {
		for (const s of sites) {
			const b = await s.health();
			if (b.role === 'master')
				return s;
		}
		return null;
	}

	async function uploader(v) {
		for (let seq = 10; running(); seq++) {
			while (running() && base + (seq + 1) * 500 > now())
				await sleep(50);
			const body = batch(v.vin, seq, 10, base, 50);
			tried.get(v.vin).add(seq);
			while (running()) {
				const r = await attempt(() => master.srv.upload(v.vin, v.cred, body));
				if (r.status === 200) {
					acked.get(v.vin).add(seq);
					break;
				}
				assert.ok(r.status === 0 || r.status === 307 || r.status >= 500, `an upload got ${r.status}: ${r.text}`);
				master = (await findMaster()) || master;
				await sleep(50);
			}
		}
	}

	/* remote actions on the second car, each retried with its Idempotency-Key until a 202 */
	async function actor() {
		const v = vehicles[1];
		for (let i = 0; running() && i < 15; i++) {
			const key = `failover-${i}`;
			while (running()) {
				const r = await attempt(() => master.srv.request('POST', `${B2C}/user/vehicles/${v.id}/callbacks/${rcb}/remotes`,
					{ token: tok, headers: { 'idempotency-key': key }, body: { label: key, lights: { on: i % 2 === 0 } } }));
				if (r.status === 202) {
					actions.push(r.body.remoteActionId);
					break;
				}
				assert.ok(r.status === 0 || r.status === 307 || r.status >= 500, `a remote action got ${r.status}: ${r.text}`);
				master = (await findMaster()) || master;
				await sleep(50);
			}
			await sleep(200);
		}
	}
	// what each vehicle holds already (the earlier tests' uploads)
	const had = new Map();
	for (const v of vehicles) {
		const r = await sites[0].srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok);
		had.set(v.vin, r.status === 200 ? r.body.total : 0);
	}
	const load = Promise.all([...vehicles.map(uploader), actor()]);
	load.catch(() => { stop = true; });
	let killedAt, ackedBefore;
	try {
		await until('uploads and actions acknowledged before the kill', 20000,
			() => [...acked.values()].every((x) => x.size >= 3) && actions.length >= 2);
		killedAt = Date.now();
		ackedBefore = { samples: new Set(acked.get(monitored.vin)), actions: actions.length };
		await sites[0].killAll();
		const elected = await until('a replica elected master', 60000, async () => {
			const m = await findMaster();
			return m && m !== sites[0] && m;
		});
		const electedMs = Date.now() - killedAt;
		const count = () => [...acked.values()].reduce((a, x) => a + x.size, 0);
		const before = count();
		// 60 s: a new master's process stuck past its watchdog costs its site a recovery and an election
		await until('uploads and actions acknowledged by the new master', 60000,
			() => count() >= before + 6 && acked.get(monitored.vin).size > ackedBefore.samples.size && actions.length > ackedBefore.actions);
		console.log(`# site ${elected.n} elected; first writes there ${Date.now() - killedAt} ms after the kill (election seen at ${electedMs} ms)`);
	} finally {
		stop = true;
		await load;
	}
	// every acknowledged batch is at the new master, once
	const m = await findMaster();
	for (const v of vehicles) {
		const r = await m.srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok);
		assert.equal(r.status, 200, r.text);
		// nothing acknowledged lost, nothing stored twice: whole batches, between those acknowledged and those sent
		const stored = r.body.total - had.get(v.vin);
		assert.ok(stored % 10 === 0 && stored >= acked.get(v.vin).size * 10 && stored <= tried.get(v.vin).size * 10,
			`${v.vin}: ${stored} samples stored, ${acked.get(v.vin).size} batches acknowledged, ${tried.get(v.vin).size} sent`);
	}
	// every acknowledged remote action is there, and its events were delivered (by either master's cvnotify)
	for (const rid of actions) {
		const r = await m.srv.get(`${B2C}/user/vehicles/${vehicles[1].id}/callbacks/${rcb}/remotes/${rid}`, tok);
		assert.equal(r.status, 200, `${rid}: ${r.text}`);
	}
	await rx.until(() => actions.every((rid) => remoteIds().has(rid)), 60000, 'an event of every acknowledged remote action');
	// every acknowledged batch of the monitored car fired, and its notification was delivered: before the kill
	// by the old master, after it by the new one (at least once: a repeat keeps its webhook-id)
	const fired = [...acked.get(monitored.vin)].filter((seq) => seq > 10);
	await rx.until(() => { const f = firedSeqs(); return fired.every((seq) => f.has(seq)); }, 60000,
		`the firing of every acknowledged batch (${fired.length})`);
	assert.ok(fired.some((seq) => !ackedBefore.samples.has(seq)), 'firings after the kill');
	rx.assertValid();
});

test('the old master comes back as a replica and converges with the group', opt, async () => {
	const old = sites[0];
	// what the kill left of its web server (Apache's own processes, behind Apache) goes first
	await old.srv.ws.stop().catch(() => {});
	old.startRepl();
	await old.settled('replica');
	const child = await old.srv.ws.start();
	await old.srv.waitHealthy(child, 60000);
	const b = await until('the old master says replica, with its master', 30000, async () => {
		const x = await old.health();
		return x.role === 'replica' && x.master && x;
	});
	assert.notEqual(b.master, old.url, 'its master is another site');
	await old.startNotify();
	// what every site answers for every vehicle is the same
	for (const v of vehicles) {
		const paths = [`${B2C}/user/vehicles/${v.id}/status`, `${B2C}/user/vehicles/${v.id}/telemetry?pageSize=100`];
		for (const p of paths) {
			await until(`${p}: the same answer at every site`, 30000, async () => {
				const got = await Promise.all(sites.map((s) => s.srv.get(p, tok)));
				return got.every((g, i) => g.status === 200 && same(g, sites[i]) === same(got[0], sites[0]));
			});
		}
	}
	// and every site's store holds the same records (cvnotify's timer may still write: compared until they agree)
	const digests = await until('the same store digest at every site', 60000, async () => {
		const d = await Promise.all(sites.map((x) => x.digest()));
		if (d.every((x) => x === d[0] && !x.startsWith('failed')))
			return d;
		// what differs, for the message
		const lines = d.map((x) => x.split('\n'));
		return { ok: false, differ: lines[0].map((l, i) => lines.map((x) => x[i])).filter((ls) => ls.some((l) => l !== ls[0])) };
	});
	assert.match(digests[0], /^remotes\.db +[1-9]\d* /m, 'the remote actions are in the stores');
	assert.match(digests[0], /^\(all\) +\d+ [0-9a-f]{64}$/m);
});

test('a replica whose cvrepl stopped says its peers\' connections are unknown', opt, async () => {
	const roles = await Promise.all(sites.map(async (x) => (await x.health()).role));
	const m = sites[roles.indexOf('master')];
	const r = sites[roles.indexOf('replica')];
	assert.ok(m && r, roles.join(' '));
	await until(`site ${r.n}: its master's peer connected`, 20000, async () => {
		const x = await r.srv.cvctlRun(['repl', 'status']);
		return x.stdout.includes(`peer 127.0.0.1:${m.rport} connected\n`);
	});
	// stopped for this test (its supervision too)
	r.replDown = true;
	r.repl.kill('SIGTERM');
	await r.repl.exited;
	const down = await r.srv.cvctlRun(['repl', 'status']);
	assert.equal(down.code, 0, down.stderr);
	assert.match(down.stdout, /^cvrepl not running$/m, down.stdout);
	for (const s of sites.filter((x) => x !== r))
		assert.match(down.stdout, new RegExp(`^peer 127\\.0\\.0\\.1:${s.rport} unknown$`, 'm'), down.stdout);
	assert.doesNotMatch(down.stdout, /connected$/m, down.stdout);
	assert.match(down.stdout, /^lag unknown: cvrepl does not run at this site$/m, down.stdout);
	// the master cannot ask it either
	const ms = await m.srv.cvctlRun(['repl', 'status']);
	assert.match(ms.stdout, new RegExp(`^replica 127\\.0\\.0\\.1:${r.rport} lag unknown: (not connected|it did not answer)$`, 'm'), ms.stdout);
	// and back, for what follows
	r.startRepl();
	await r.settled('replica');
});

test('replacing a site: one stopped for good and removed from the group, a new one joins; the group still elects without it', opt, async () => {
	const role = async (s) => (await s.health()).role;
	const master = await until('the master', 30000, async () => {
		for (const s of sites)
			if (await role(s) === 'master')
				return s;
		return null;
	});
	const [gone, stays] = sites.filter((s) => s !== master);
	await gone.stop();
	// refused: no site named, not an address
	let r = await master.srv.cvctlRun(['repl', 'remove']);
	assert.equal(r.code, 2, r.stderr);
	r = await master.srv.cvctlRun(['repl', 'remove', 'no-port']);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /HOST:PORT/);
	r = await master.srv.cvctlRun(['repl', 'remove', `127.0.0.1:${gone.rport}`]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, new RegExp(`site 127\\.0\\.0\\.1:${gone.rport} removed from the group`));
	// a new site joins through the master, gets its copy and serves what the others do
	const fresh = new Site(4, await freePort(), await freePort(), [master.rport]);
	sites.push(fresh);
	await fresh.srv.start();
	await fresh.startNotify();
	await until('the same store digest at the three sites of the group', 60000, async () => {
		const d = await Promise.all([master, stays, fresh].map((x) => x.digest()));
		return d.every((x) => x === d[0] && !x.startsWith('failed')) && d;
	});
	// the group is master, stays and fresh: without the master, two of three elect one (with the removed
	// site still counted, two of four could not)
	await master.killAll();
	const next = await until('a new master among the two left', 60000, async () => {
		for (const s of [stays, fresh])
			if (await role(s) === 'master')
				return s;
		return null;
	});
	const v = vehicles[2];
	const up = await until('a write at the new master', 30000, async () => {
		const x = await attempt(() => next.srv.upload(v.vin, v.cred, batch(v.vin, 0, 10, now() - 60000, 100)));
		return x.status === 200 ? x : { ok: false, status: x.status, text: x.text };
	});
	assert.equal(up.status, 200);
	const st = await next.srv.cvctlRun(['repl', 'status']);
	assert.equal(st.code, 0, st.stderr);
	assert.ok(!st.stdout.includes(`:${gone.rport} `), `the removed site is no peer any more:\n${st.stdout}`);
});

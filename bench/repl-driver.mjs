// repl-driver.mjs - the client side of bench/repl.sh and bench/repl-drill.sh:
// a replication group's lag, a write's time to a replica, failovers, and
// the drills (SIGSTOP of the master, a two-site group).
//
//   node bench/repl-driver.mjs lag CONFIG        (repl.sh)
//   node bench/repl-driver.mjs failover CONFIG   (repl.sh)
//   node bench/repl-driver.mjs sigstop CONFIG    (repl-drill.sh sigstop)
//   node bench/repl-driver.mjs twosite CONFIG    (repl-drill.sh two-site)
//
// CONFIG is a JSON file written by the shell script:
//   sites    [{ n, dir, url }]: each site's folder (bench/repl-site.sh) and URL
//   front    the HAProxy front's URL, or null
//   site     the path of bench/repl-site.sh (kills and restarts a site)
//   token    a bearer token of the demo user (read on every site)
//   probes   [{ vin, cred, id }]: vehicles only this driver uploads for
//   seconds, rounds, label, hold: per command (below)
// Everything it prints goes to stdout; result lines start with a word in
// capitals (LAG, VISIBLE, FAILOVER, DRILL) followed by key=value pairs.
import { readFileSync } from 'node:fs';
import { spawnSync, execFileSync } from 'node:child_process';

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const cmd = process.argv[2];
const cfg = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const B2C = '/connectedcar/v4';
// samples 20 days back (within the 60 days of retention: the purge would take older ones)
const T0 = Math.floor(Date.now() / 1000 - 20 * 86400) * 1000;
const now = () => performance.now();
const say = (s) => console.log(s);

function pct(xs, p) {
	if (!xs.length)
		return NaN;
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))];
}
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

/* A request that never throws: a network error or a timeout is status 0. */
async function req(url, { method = 'GET', token, body, ms = 5000 } = {}) {
	const headers = {};
	if (token)
		headers.authorization = `Bearer ${token}`;
	if (body)
		headers['content-type'] = 'application/json';
	try {
		const r = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(ms) });
		const text = await r.text();
		return { status: r.status, text };
	} catch (e) {
		return { status: 0, text: String(e.cause?.code || e.name || e) };
	}
}
async function health(site, ms = 1000) {
	const r = await req(`${site.url}/healthz`, { ms });
	if (r.status !== 200)
		return { status: r.status, role: null };
	try {
		return { ...JSON.parse(r.text), status: 200 };
	} catch {
		return { status: 200, role: null };
	}
}
async function findMaster(sites, ms = 1000) {
	const hs = await Promise.all(sites.map((s) => health(s, ms)));
	const i = hs.findIndex((h) => h.role === 'master');
	return i < 0 ? null : sites[i];
}
function site(cmdName, s, ...args) {
	const r = spawnSync(cfg.site, [cmdName, s.dir, ...args], { encoding: 'utf8', env: process.env });
	if (r.status !== 0)
		throw new Error(`repl-site.sh ${cmdName} ${s.dir}: ${r.stderr}`);
}
function lsn(text) {
	const m = /^(\d+)\/(\d+)$/.exec(text || '');
	return m ? Number(m[1]) * 16 * 1024 * 1024 + Number(m[2]) : NaN; // 16 MB log files (db/store.c)
}

/* One vehicle's uploads: batches of n samples, the k-th at T0 + k s, messageId label-vin-seq. */
class Vehicle {
	constructor(v, label, n = 10) {
		Object.assign(this, v);
		this.label = label;
		this.n = n;
		this.seq = 0;
		this.acked = new Set();      // seqs answered 200
		this.sent = new Set();       // seqs sent at least once
		this.late = [];              // requests left hanging: { seq, at, status, ms }
	}
	body(seq) {
		const samples = [];
		for (let j = 0; j < this.n; j++) {
			const k = seq * this.n + j;
			samples.push({ at: new Date(T0 + k * 1000).toISOString(), speed: 30 + (k % 50), odometer: 1000 + k,
				ignition: 'Start', position: { lat: 48.8 + (k % 1000) / 100000, lon: 2.3 } });
		}
		return JSON.stringify({ messageId: `${this.label}-${this.vin}-${seq}`, samples });
	}
	post(url, seq, ms) {
		this.sent.add(seq);
		return req(`${url}/telematics/v1/vehicles/${this.vin}/messages`, { method: 'POST', token: this.cred, body: this.body(seq), ms });
	}
	/* every sample time the site at url holds for this vehicle */
	async held(url) {
		const times = new Set();
		let next = `${url}${B2C}/user/vehicles/${this.id}/telemetry?pageSize=500`;
		while (next) {
			const r = await req(next, { token: cfg.token, ms: 20000 });
			if (r.status !== 200)
				throw new Error(`telemetry at ${url}: ${r.status} ${r.text.slice(0, 200)}`);
			const b = JSON.parse(r.text);
			for (const t of b._embedded.telemetries)
				times.add(Date.parse(t.createdAt));
			next = b._links.next?.href || null;
		}
		return times;
	}
	/* acknowledged batches whose samples the site at url lacks */
	async lost(url) {
		const times = await this.held(url);
		const lost = [];
		for (const seq of this.acked) {
			for (let j = 0; j < this.n; j++) {
				if (!times.has(T0 + (seq * this.n + j) * 1000)) {
					lost.push(seq);
					break;
				}
			}
		}
		return { lost, held: times.size };
	}
}

/*
 * Writers: one per vehicle, each sending its batches one after the other to
 * the master as a client finds it (the site whose /healthz says master, or
 * the front). A 200 is an acknowledgement; anything else, the same batch
 * again (idempotent by messageId) after finding the master again. A request
 * that has not answered after `patience` ms is left open (its answer, when
 * it comes, is recorded: a 200 then counts as acknowledged) and the writer
 * goes on with its next batch elsewhere: a stopped master's answers after
 * SIGCONT are what the SIGSTOP drill watches.
 */
class Writers {
	constructor(vehicles, sites, { front = null, patience = 3000, pause = 20 } = {}) {
		this.vehicles = vehicles;
		this.sites = sites;
		this.front = front;
		this.patience = patience;
		this.pause = pause;
		this.log = [];                 // { t, vin, status, url }
		this.master = null;
		this.stopped = false;
		this.pending = new Set();
	}
	start() {
		this.runs = this.vehicles.map((v) => this.run(v));
	}
	async target() {
		if (this.front)
			return this.front;
		if (!this.master)
			this.master = await findMaster(this.sites);
		return this.master ? this.master.url : null;
	}
	async run(v) {
		while (!this.stopped) {
			const seq = v.seq++;
			for (;;) {
				if (this.stopped)
					break;
				const url = await this.target();
				if (!url) {
					await sleep(50);
					continue;
				}
				const t = now();
				const p = v.post(url, seq, 120000).then((r) => {
					const done = now();
					this.log.push({ t: done, sent: t, vin: v.vin, seq, status: r.status, url });
					if (r.status === 200)
						v.acked.add(seq);
					return r;
				});
				this.pending.add(p);
				p.finally(() => this.pending.delete(p));
				const r = await Promise.race([p, sleep(this.patience).then(() => null)]);
				if (r === null) {
					// left hanging: the next batch goes elsewhere; this one is recorded when it answers
					v.late.push({ seq, url, sentAt: t, p });
					if (!this.front && this.master && this.master.url === url)
						this.master = null;
					break;
				}
				if (r.status === 200)
					break;
				if (!this.front)
					this.master = null;
				await sleep(50);
			}
			await sleep(this.pause);
		}
	}
	async stop(ms = 60000) {
		this.stopped = true;
		await Promise.all(this.runs);
		await Promise.race([Promise.allSettled([...this.pending]), sleep(ms)]);
	}
	/* the first 200 answered after t whose request was sent after t */
	firstOk(t) {
		const ok = this.log.filter((e) => e.status === 200 && e.sent >= t).map((e) => e.t);
		return ok.length ? Math.min(...ok) - t : NaN;
	}
	/* the longest time between two 200s (or from t0 to the first) answered in [t0, t1) */
	gap(t0, t1) {
		const ok = this.log.filter((e) => e.status === 200 && e.t >= t0 && e.t < t1).map((e) => e.t).sort((a, b) => a - b);
		let g = 0, last = t0;
		for (const t of ok) {
			g = Math.max(g, t - last);
			last = t;
		}
		return Math.max(g, t1 - last);
	}
	codes(t0, t1) {
		const c = {};
		for (const e of this.log)
			if (e.t >= t0 && e.t < t1)
				c[e.status] = (c[e.status] || 0) + 1;
		return c;
	}
}

/* Every acknowledged batch of every vehicle at the site at url; the lost ones listed. */
async function verify(vehicles, url) {
	let acked = 0, lost = 0, held = 0;
	const detail = [];
	for (const v of vehicles) {
		const r = await v.lost(url);
		acked += v.acked.size * v.n;
		lost += r.lost.length * v.n;
		held += r.held;
		if (r.lost.length)
			detail.push(`${v.vin}: batches ${r.lost.slice(0, 10).join(',')}${r.lost.length > 10 ? '...' : ''} acknowledged, not at ${url}`);
	}
	return { acked, lost, held, detail };
}

/* Every site holds the same samples for every vehicle (awaited up to ms). */
async function converged(vehicles, sites, ms = 60000) {
	const t0 = now();
	let last = '';
	while (now() - t0 < ms) {
		last = '';
		for (const v of vehicles) {
			const sets = [];
			for (const s of sites)
				sets.push(await v.held(s.url).catch((e) => String(e.message)));
			const sizes = sets.map((x) => (typeof x === 'string' ? x : x.size));
			if (sizes.some((x) => x !== sizes[0]))
				last += ` ${v.vin}: ${sizes.join('/')}`;
		}
		if (!last)
			return { ok: true, ms: now() - t0 };
		await sleep(500);
	}
	return { ok: false, last };
}

// ---------------------------------------------------------------- lag
/*
 * For cfg.seconds: every 100 ms each site's /healthz logPosition (the
 * master's end of log, a replica's last applied transaction), the bytes
 * each replica is behind and, from the master's log rate over the run, the
 * time that is. Meanwhile a probe vehicle uploads one sample at a time to
 * the master (a new mileage each), and each replica's status of that
 * vehicle is read every 2 ms from the POST until it shows the mileage:
 * the time for a write at the master to be readable at a replica.
 */
async function lag() {
	const sites = cfg.sites;
	const master = await findMaster(sites);
	if (!master)
		throw new Error('no master');
	const replicas = sites.filter((s) => s !== master);
	const end = now() + cfg.seconds * 1000;
	const samples = [];   // { t, m, r: [..] }
	const sampler = (async () => {
		while (now() < end) {
			const t = now();
			const hs = await Promise.all([master, ...replicas].map((s) => health(s, 2000)));
			const m = lsn(hs[0].logPosition);
			samples.push({ t, m, r: hs.slice(1).map((h) => lsn(h.logPosition)) });
			await sleep(Math.max(0, 100 - (now() - t)));
		}
	})();
	const pv = new Vehicle(cfg.probes[0], cfg.label, 1);
	const ack = [], first = [], all = [], afterAck = [], allAfterAck = [];
	let k = Math.floor(Date.now() / 1000) % 100000 * 10;
	const probe = (async () => {
		while (now() < end - 1000) {
			const seq = k++;
			const mileage = 1000 + seq;
			const t = now();
			const seen = replicas.map((s) => (async () => {
				const deadline = t + 30000;
				while (now() < deadline) {
					const r = await req(`${s.url}${B2C}/user/vehicles/${pv.id}/status`, { token: cfg.token, ms: 5000 });
					if (r.status === 200) {
						const b = JSON.parse(r.text);
						if ((b.odometer?.mileage ?? -1) >= mileage)
							return now() - t;
					}
					await sleep(2);
				}
				return Infinity;
			})());
			const up = await pv.post(master.url, seq, 30000);
			const a = now() - t;
			const vis = await Promise.all(seen);
			if (up.status !== 200) {
				say(`# probe upload ${up.status} ${up.text.slice(0, 100)}`);
				continue;
			}
			ack.push(a);
			first.push(Math.min(...vis));
			all.push(Math.max(...vis));
			afterAck.push(Math.max(0, Math.min(...vis) - a));
			allAfterAck.push(Math.max(0, Math.max(...vis) - a));
			await sleep(100 + Math.random() * 100);
		}
	})();
	await Promise.all([sampler, probe]);
	// the same one-sample uploads at the plain site (no replication), one after the other, for reference
	const plain = [];
	if (cfg.plain) {
		const pp = new Vehicle(cfg.plain, cfg.label, 1);
		for (let i = 0; i < 30; i++) {
			const t = now();
			const r = await pp.post(cfg.plain.url, k++, 30000);
			if (r.status === 200)
				plain.push(now() - t);
			await sleep(100 + Math.random() * 100);
		}
	}
	// the master's log rate over the run
	const okS = samples.filter((s) => Number.isFinite(s.m));
	const rate = okS.length > 1 ? (okS[okS.length - 1].m - okS[0].m) / ((okS[okS.length - 1].t - okS[0].t) / 1000) : 0;
	const lagB = [];
	for (const s of okS)
		for (const r of s.r)
			if (Number.isFinite(r))
				lagB.push(Math.max(0, s.m - r));
	const lagMs = rate > 0 ? lagB.map((b) => b / rate * 1000) : [];
	say(`LAG label=${cfg.label} samples=${lagB.length} log_rate_kBps=${(rate / 1024).toFixed(0)} ` +
		`lag_p50_kB=${f1(pct(lagB, 50) / 1024)} lag_p99_kB=${f1(pct(lagB, 99) / 1024)} lag_max_kB=${f1(Math.max(...lagB) / 1024)} ` +
		`lag_p50_ms=${f1(pct(lagMs, 50))} lag_p99_ms=${f1(pct(lagMs, 99))} lag_max_ms=${f1(Math.max(...lagMs))}`);
	say(`VISIBLE label=${cfg.label} writes=${ack.length} ack_p50_ms=${f1(pct(ack, 50))} ack_p99_ms=${f1(pct(ack, 99))} ` +
		`first_replica_p50_ms=${f1(pct(first, 50))} first_replica_p99_ms=${f1(pct(first, 99))} ` +
		`all_replicas_p50_ms=${f1(pct(all, 50))} all_replicas_p99_ms=${f1(pct(all, 99))} all_replicas_max_ms=${f1(Math.max(...all))} ` +
		`after_ack_p50_ms=${f1(pct(afterAck, 50))} after_ack_p99_ms=${f1(pct(afterAck, 99))} ` +
		`all_after_ack_p50_ms=${f1(pct(allAfterAck, 50))} all_after_ack_p99_ms=${f1(pct(allAfterAck, 99))}` +
		(plain.length ? ` plain_ack_p50_ms=${f1(pct(plain, 50))} plain_ack_p99_ms=${f1(pct(plain, 99))}` : ''));
}

// ---------------------------------------------------------------- failover
/*
 * cfg.rounds times: two writers (one vehicle through the front, one
 * straight to the master it finds) upload batches of 10 samples; the
 * master's processes are all killed (SIGKILL to its process group); timed
 * from the kill: a survivor's /healthz says master, the first 200 of the
 * direct writer at the new master, the first 200 through the front. Then
 * the dead site is started again and timed until it serves as a replica
 * (/healthz 200), before the next round kills the next master. At the end
 * every acknowledged batch is looked for at the last master.
 */
async function failover() {
	const sites = cfg.sites;
	// probes 3 and 4 (lag uploads with the first)
	const vs = cfg.probes.slice(-2).map((p) => new Vehicle(p, cfg.label, 10));
	const direct = new Writers([vs[0]], sites, { patience: 2000, pause: 10 });
	const front = cfg.front ? new Writers([vs[1]], sites, { front: cfg.front, patience: 2000, pause: 10 }) : null;
	direct.start();
	front?.start();
	const res = [];
	try {
		for (let i = 0; i < cfg.rounds; i++) {
			const old = await findMaster(sites);
			if (!old)
				throw new Error('no master before the kill');
			// writes flowing at the master (and through the front)
			const t1 = now();
			while (!(direct.firstOk(t1) >= 0 && (!front || front.firstOk(t1) >= 0)))
				await sleep(20);
			await sleep(1000);
			const t0 = now();
			site('kill', old);
			let elected = NaN, who = null;
			const survivors = sites.filter((s) => s !== old);
			while (now() - t0 < 60000) {
				const m = await findMaster(survivors, 500);
				if (m) {
					elected = now() - t0;
					who = m;
					break;
				}
				await sleep(20);
			}
			while (now() - t0 < 60000 && !(direct.firstOk(t0) >= 0 && (!front || front.firstOk(t0) >= 0)))
				await sleep(20);
			const d = direct.firstOk(t0), fr = front ? front.firstOk(t0) : NaN;
			const tr = now();
			site('start', old);
			const rejoin = now() - tr;
			const r = { round: i + 1, killed: old.n, elected: who?.n ?? 0, elected_ms: elected, direct_ms: d, front_ms: fr, rejoin_ms: rejoin };
			res.push(r);
			say(`# round ${r.round}: site ${r.killed} killed; site ${r.elected} master at ${f1(elected)} ms; first 200 direct ${f1(d)} ms, ` +
				`through the front ${f1(fr)} ms; site ${r.killed} back as a replica in ${f1(rejoin)} ms`);
			// the rejoined site settled (its cvrepl connected to the others) before the next kill
			await sleep(3000);
		}
	} finally {
		await direct.stop(10000);
		await front?.stop(10000);
	}
	const m = await findMaster(sites);
	const v = await verify(vs, m.url);
	for (const d of v.detail)
		say(`# LOST ${d}`);
	const col = (k) => res.map((r) => r[k]).filter(Number.isFinite);
	const fmt = (k) => `${k.replace(/_ms$/, '')}_p50_ms=${f1(pct(col(k), 50))} ${k.replace(/_ms$/, '')}_max_ms=${f1(Math.max(...col(k)))}`;
	say(`FAILOVER label=${cfg.label} rounds=${res.length} ${fmt('elected_ms')} ${fmt('direct_ms')} ${fmt('front_ms')} ${fmt('rejoin_ms')} ` +
		`each_direct_ms=${res.map((r) => f1(r.direct_ms)).join(',')} each_front_ms=${res.map((r) => f1(r.front_ms)).join(',')} ` +
		`acked_samples=${v.acked} lost=${v.lost}`);
	if (v.lost || res.some((r) => !Number.isFinite(r.direct_ms)))
		process.exitCode = 1;
}

// ---------------------------------------------------------------- drills
function cvctlStatus(s) {
	try {
		return execFileSync(`${cfg.build}/tools/cvctl`, ['-H', `${s.dir}/db`, 'repl', 'status'], { encoding: 'utf8', timeout: 5000 });
	} catch (e) {
		return `(cvctl: ${e.status ?? e.signal}) ${e.stdout || ''}${e.stderr || ''}`;
	}
}
const roleOf = (st) => (/^role (\S+)/m.exec(st) || [])[1] || '?';

/* Each site's role as /healthz and cvctl say it, every 200 ms, while fn runs; transitions logged. */
function watchRoles(sites, t0) {
	const last = new Map();
	const events = [];
	let on = true, twoMasters = 0;
	const loop = (async () => {
		while (on) {
			const hs = await Promise.all(sites.map((s) => health(s, 1000)));
			const roles = sites.map((s, i) => `${hs[i].status === 200 ? hs[i].role : `http ${hs[i].status}`}/${roleOf(cvctlStatus(s))}`);
			if (hs.filter((h) => h.role === 'master').length > 1)
				twoMasters++;
			sites.forEach((s, i) => {
				if (last.get(s.n) !== roles[i]) {
					events.push(`${f1((now() - t0) / 1000)} s: site ${s.n} healthz/cvctl ${roles[i]}`);
					last.set(s.n, roles[i]);
				}
			});
			await sleep(200);
		}
	})();
	return { events, stop: async () => { on = false; await loop; }, twoMasters: () => twoMasters };
}

async function until(ms, fn) {
	const t0 = now();
	while (now() - t0 < ms) {
		const x = await fn();
		if (x)
			return now() - t0;
		await sleep(50);
	}
	return NaN;
}

function logTail(s, re, max = 40) {
	try {
		const lines = readFileSync(`${s.dir}/run/cvrepl.log`, 'utf8').split('\n');
		return lines.filter((l) => re.test(l)).slice(-max);
	} catch {
		return [];
	}
}

/* A drill's start: the probe vehicles uploading to the master, each site's role watched. */
function drill(sites) {
	const vs = cfg.probes.map((p) => new Vehicle(p, cfg.label, 10));
	const w = new Writers(vs, sites, { patience: 3000, pause: 20 });
	const roles = watchRoles(sites, now());
	w.start();
	return { vs, w, roles, fails: [] };
}

async function sigstop() {
	const sites = cfg.sites;
	const { vs, w, roles, fails } = drill(sites);
	let old, tStop, tCont, tEnd, elected = NaN, resumed = NaN, demoted = NaN, synced = NaN, who = null;
	try {
		await until(20000, () => vs.every((v) => v.acked.size >= 3));
		old = await findMaster(sites);
		say(`# site ${old.n} is the master; SIGSTOP to all its processes`);
		tStop = now();
		site('signal', old, 'STOP');
		const survivors = sites.filter((s) => s !== old);
		elected = await until(60000, async () => (who = await findMaster(survivors, 500)));
		const base = vs.map((v) => v.acked.size);
		resumed = await until(60000, () => vs.every((v, i) => v.acked.size > base[i])) + elected;
		say(`# site ${who?.n} elected ${f1(elected)} ms after the SIGSTOP; every writer acknowledged again at ${f1(resumed)} ms`);
		await sleep(cfg.hold * 1000);
		say(`# SIGCONT to site ${old.n} after ${f1((now() - tStop) / 1000)} s stopped`);
		tCont = now();
		site('signal', old, 'CONT');
		demoted = await until(60000, async () => (await health(old, 1000)).role === 'replica' || roleOf(cvctlStatus(old)) === 'replica');
		let seen = null, nm = null;
		synced = await until(60000, async () => {
			seen = await health(old, 1000);
			nm = await findMaster(sites);
			return seen.status === 200 && seen.role === 'replica' && seen.master === nm?.url;
		});
		say(`# site ${old.n} after SIGCONT: says replica at ${f1(demoted)} ms, serves as a synced replica of the new master at ${f1(synced)} ms`);
		if (!Number.isFinite(synced))
			say(`# site ${old.n}'s /healthz last said ${JSON.stringify(seen)}; the master is site ${nm?.n} (${nm?.url})`);
		await sleep(5000);
	} finally {
		tEnd = now();
		await w.stop(60000);
		await roles.stop();
	}
	for (const e of roles.events)
		say(`#   ${e}`);
	// what the requests left hanging at the stopped master got when it woke up
	const late = vs.flatMap((v) => v.late.map((l) => ({ ...l, vin: v.vin })));
	const lateLog = late.map((l) => w.log.find((e) => e.vin === l.vin && e.seq === l.seq && e.sent === l.sentAt));
	const lateCodes = {};
	for (const e of lateLog)
		lateCodes[e ? e.status : 'none'] = (lateCodes[e ? e.status : 'none'] || 0) + 1;
	say(`# requests left hanging at the stopped master: ${late.length}; their answers: ${JSON.stringify(lateCodes)}`);
	say(`# answers while stopped: ${JSON.stringify(w.codes(tStop, tCont))}; after SIGCONT: ${JSON.stringify(w.codes(tCont, Infinity))}`);
	const wgap = w.gap(tCont, tEnd);
	say(`# writes after SIGCONT: the longest time without a 200 ${f1(wgap)} ms (the old master's return makes two masters: Berkeley DB's DUPMASTER, then an election)`);
	const m = await findMaster(sites);
	const v = await verify(vs, m.url);
	for (const d of v.detail)
		say(`# LOST ${d}`);
	const conv = await converged(vs, sites);
	say(`# stores: ${conv.ok ? `every site holds the same samples (${f1(conv.ms)} ms)` : `differ:${conv.last}`}`);
	for (const l of logTail(old, /DUPMASTER|dupmaster|rollback|ROLLBACK|election|Election|NEWMASTER|master|client/i, 25))
		say(`#   site ${old.n} cvrepl.log: ${l}`);
	if (!Number.isFinite(elected))
		fails.push('no replica elected');
	if (!Number.isFinite(resumed))
		fails.push('writes did not resume');
	if (!Number.isFinite(synced))
		fails.push(`site ${old?.n} did not serve as a replica within 60 s of SIGCONT`);
	if (v.lost)
		fails.push(`${v.lost} acknowledged samples lost`);
	if (!conv.ok)
		fails.push('the stores did not converge');
	if (roles.twoMasters())
		say(`# two sites said master at once in ${roles.twoMasters()} polls (200 ms apart)`);
	say(`DRILL sigstop ${fails.length ? 'FAIL' : 'PASS'}: elected ${f1(elected)} ms, writes resumed ${f1(resumed)} ms after the SIGSTOP; ` +
		`old master a replica ${f1(demoted)} ms after SIGCONT (serving ${f1(synced)} ms); ${v.acked} samples acknowledged, ${v.lost} lost; ` +
		`${late.length} requests hung at the stopped master; after SIGCONT writes stopped for up to ${f1(wgap)} ms${fails.length ? `; ${fails.join('; ')}` : ''}`);
	if (fails.length)
		process.exitCode = 1;
}

async function twosite() {
	const sites = cfg.sites;
	const { vs, w, roles, fails } = drill(sites);
	const notes = [];
	try {
		await until(20000, () => vs.every((v) => v.acked.size >= 3));
		// 1. the master dies
		const old = await findMaster(sites);
		const other = sites.find((s) => s !== old);
		say(`# site ${old.n} is the master; SIGKILL to all its processes; watching ${cfg.hold} s`);
		const tk = now();
		site('kill', old);
		await sleep(cfg.hold * 1000);
		const tw = now();
		const okWhileDead = w.log.filter((e) => e.status === 200 && e.sent >= tk && e.t < tw).length;
		const codes = w.codes(tk, tw);
		const h = await health(other);
		say(`# while the master was dead: answers ${JSON.stringify(codes)}; site ${other.n} says ${h.role ?? `http ${h.status}`} (${roleOf(cvctlStatus(other))})`);
		if (okWhileDead)
			fails.push(`${okWhileDead} writes acknowledged while the master was dead`);
		if (h.role === 'master')
			fails.push(`site ${other.n} made itself master alone`);
		// 2. it comes back
		const tr = now();
		site('start', old, 'none');
		const back = await until(120000, () => w.firstOk(tr) >= 0);
		const m1 = await findMaster(sites);
		say(`# site ${old.n} started again: first 200 ${f1(back)} ms after its start; master now site ${m1?.n}`);
		notes.push(`writes back ${f1(back)} ms after the master's restart (master: site ${m1?.n})`);
		if (!Number.isFinite(back))
			fails.push('writes did not resume after the master came back');
		await until(60000, async () => (await health(old)).status === 200);
		await sleep(3000);
		// 3. the replica dies: the master goes on alone (the QUORUM policy waits for no acknowledgement with two sites)
		const m2 = await findMaster(sites);
		const rep = sites.find((s) => s !== m2);
		say(`# site ${rep.n} (the replica) killed; watching 10 s`);
		const tk2 = now();
		site('kill', rep);
		await sleep(10000);
		const ok2 = w.log.filter((e) => e.status === 200 && e.sent >= tk2).length;
		say(`# with the replica dead: answers ${JSON.stringify(w.codes(tk2, now()))}`);
		notes.push(`replica dead: ${ok2} writes acknowledged by the master alone in 10 s`);
		site('start', rep);
		await sleep(3000);
	} finally {
		await w.stop(30000);
		await roles.stop();
	}
	for (const e of roles.events)
		say(`#   ${e}`);
	const m = await findMaster(sites);
	const v = await verify(vs, m.url);
	for (const d of v.detail)
		say(`# LOST ${d}`);
	const conv = await converged(vs, sites);
	say(`# stores: ${conv.ok ? `both sites hold the same samples (${f1(conv.ms)} ms)` : `differ:${conv.last}`}`);
	if (v.lost)
		fails.push(`${v.lost} acknowledged samples lost`);
	if (!conv.ok)
		fails.push('the stores did not converge');
	say(`DRILL two-site ${fails.length ? 'FAIL' : 'PASS'}: no write acknowledged while the master was dead ` +
		`(${cfg.hold} s), no master elected alone; ${notes.join('; ')}; ${v.acked} samples acknowledged, ${v.lost} lost` +
		`${fails.length ? `; ${fails.join('; ')}` : ''}`);
	if (fails.length)
		process.exitCode = 1;
}

const cmds = { lag, failover, sigstop, twosite };
if (!cmds[cmd]) {
	console.error('usage: node bench/repl-driver.mjs lag|failover|sigstop|twosite CONFIG');
	process.exit(2);
}
await cmds[cmd]();
// requests still open (a stopped site's) and their timers must not hold the process
process.exit(process.exitCode ?? 0);

// abuse-driver.mjs - the client side of bench/abuse.sh: the victim, the
// abuser, their receivers, and the two cvnotify, in one Node process.
//
//   node abuse-driver.mjs BASE_A BASE_B HOME_A HOME_B CVNOTIFY WORK ROUNDS
//
// Two servers of the same build: A's store holds the victim and the
// abuser, B's the victim alone (the same setup). WORK/cars.txt: "STORE TAG
// VIN ID CREDENTIAL" a line (victim's car: tag victim in both stores;
// the abuser's: a0..a31 in A); WORK/tokens.txt: "STORE LOGIN TOKEN". The
// abuser logs in with its login as password on the fleet face, fleet
// abuse-fleet, which holds the victim's car and the abuser's.
//
// Setup. The victim, in each store: a callback to a receiver of its own
// (204 at once) and two zone monitors (In and Out) on its car: each of its
// uploads, in and out of the zone in turn, fires one. The abuser, in A, at
// every quota at once:
//   callbacks   100: 99 to the black hole (accepts, never answers) and one
//               to a sink (204 at once) that its redeliveries come from;
//   monitors    1,000 on its 32 cars (32 a car: vehicleMonitors), each
//               into callback i % 100: zones around PLAY (In, Out in
//               turn; its uploads cross them), of which timedMonitors
//               (100) are windows open all day with refreshEvent 60
//               (the timer fires them every minute); the sink's 10 are
//               zones around SINKP, crossed once at setup;
//   fleet       vehicleMonitors (32) fleet monitors of abuse-fleet, on
//               every car of the fleet and so on the victim's: zones
//               around the victim's HOME (In, Out in turn: each victim
//               upload fires half of them), 31 with a webhook to the black
//               hole, one to the sink, batchNotify 1,000 (5 s),
//               retryPolicy Always (1 s);
//   queues      with FILL=1 (default), every queue of the black hole
//               filled to queuedNotifications (10,000) with cvnotify
//               stopped: two uploads of 1,000 samples crossing PLAY per
//               car (10 monitors x 500 firings x 2 a callback), twenty
//               crossing HOME on one car for the fleet monitors (500 x 20);
//               then cvnotify delivers the sinks' first batches (the
//               redeliveries' sources).
// Rounds: ROUNDS, each an arm without the abuser (store B) and one with
// it (store A), the order alternating (B A, A B, ...). An arm: its
// store's cvnotify (B's runs all along; A's only during its arms, as the
// abuser's deliveries, timer and all are its activity), then
//   reads      wrk -c READ_CONNS for READ_S s on the victim's status;
//   uploads    UPLOADS uploads of VICTIM_BATCH samples, one every EVERY_MS
//              (jittered), each timed; each fires the victim's monitor, timed
//              from the upload's POST to its arrival at the victim's
//              receiver (not arrived GRACE_S after the last upload: inf).
// With the abuser, meanwhile: its cars upload ABUSE_BATCH samples each
// every ABUSE_EVERY_MS (crossing PLAY: about half its monitors fire),
// SLOW clients trickle a token request's body at 5 bytes a second, and
// it spends its redeliveries (redeliveriesPerHour, 60, of each owner,
// user and fleet, shared between the rounds: 1,000-event batches on the
// fleet face).
// Prints "SETUP ..." lines, then "ARM r name key=value ...", a line an arm.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
	client, pool, quantile, fmt, sleep, batch, zone, allDay, near, receiver, blackHole, trickle, HOME, OUT,
} from './tenants.mjs';

const [baseA, baseB, homeA, homeB, cvnotify, work, roundsArg] = process.argv.slice(2);
const env = (k, d) => Number(process.env[k] ?? d);
const ROUNDS = Number(roundsArg), READ_S = env('READ_S', 10), READ_CONNS = env('READ_CONNS', 4);
const UPLOADS = env('UPLOADS', 100), VICTIM_BATCH = env('VICTIM_BATCH', 100), EVERY_MS = env('EVERY_MS', 200);
const GRACE_S = env('GRACE_S', 10), ABUSE_BATCH = env('ABUSE_BATCH', 10), ABUSE_EVERY_MS = env('ABUSE_EVERY_MS', 2000);
const SLOW = env('SLOW', 4), FILL = env('FILL', 1), WARM_S = env('WARM_S', 3), TIMEOUT_S = env('TIMEOUT_S', 10);
const PLAY = { lat: 46, lon: 6 }, SINKP = { lat: 47, lon: 7 };
const QUOTA = { callbacks: 100, monitors: 1000, vehicleMonitors: 32, timedMonitors: 100, redeliveriesPerHour: 60 };

const cars = {}, tokens = {};
for (const l of readFileSync(`${work}/cars.txt`, 'utf8').trim().split('\n')) {
	const [store, tag, vin, id, cred] = l.split(/\s+/);
	(cars[store] ??= {})[tag] = { tag, vin, id, cred };
}
for (const l of readFileSync(`${work}/tokens.txt`, 'utf8').trim().split('\n')) {
	const [store, login, token] = l.split(/\s+/);
	(tokens[store] ??= {})[login] = token;
}
const abuserCars = Object.keys(cars.A).filter((t) => /^a\d+$/.test(t)).sort((x, y) => x.slice(1) - y.slice(1));
const say = (s) => console.log(s);

// ---- clocks: each car's samples a second apart, forward, from 2 days ago
const clock = {};
const seconds = (key, n) => {
	const from = clock[key] ?? Math.floor(Date.now() / 1000) - 2 * 86400;
	clock[key] = from + n;
	return from;
};
let msgs = 0;
const up = (api, store, tag, n, opts) => api.upload(cars[store][tag].vin, cars[store][tag].cred,
	batch(`ab-${tag}-${++msgs}`, seconds(`${store}${tag}`, n), n, opts));

// ---- receivers
const arrived = { A: new Map(), B: new Map() };          // the victim's: sample date -> arrival
const victimRx = {};
for (const s of ['A', 'B'])
	victimRx[s] = await receiver((text, t) => {
		try {
			const m = JSON.parse(text);
			if (!arrived[s].has(m.date))
				arrived[s].set(m.date, t);
		} catch { /* not a notification */ }
	});
let sinkGot = 0;
const sink = await receiver(() => { sinkGot++; });
const hole = await blackHole();

// ---- cvnotify
function startNotify(home) {
	const child = spawn(cvnotify, ['--timeout', String(TIMEOUT_S)], { env: { ...process.env, CVAPI_HOME: home, CVAPI_NOTIFY_ALLOW: 'loopback' },
		stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	child.stderr.on('data', (d) => { log = (log + d).slice(-100000); });
	child.exited = new Promise((res) => child.once('exit', res));
	child.log = () => log;
	return child;
}
const until = async (cond, what, limit = 60000) => {
	for (const t = Date.now(); !(await cond()); await sleep(100))
		if (Date.now() - t > limit)
			throw new Error(`${what}: not within ${limit} ms`);
};
const stopNotify = async (nd) => {
	nd.kill('SIGTERM');
	await nd.exited;
};

// ---- the victim, in each store
const api = { A: client(baseA), B: client(baseB) };
const victim = { A: api.A.user(tokens.A.victim), B: api.B.user(tokens.B.victim) };
let out = { A: false, B: false };
for (const s of ['A', 'B']) {
	const cb = (await victim[s]('POST', '/user/callbacks', { type: ['Monitor'], callback: { webhook: { name: 'mine', target: `${victimRx[s].url}/v` } } })).body.callbackId;
	for (const t of ['In', 'Out'])
		await victim[s]('POST', `/user/vehicles/${cars[s].victim.id}/callbacks/${cb}/monitors`, { label: `home ${t}`, triggerParam: { triggers: [zone('z', t)] } });
	await up(api[s], s, 'victim', 1, { where: HOME });
}

// ---- the abuser, in A
const abuser = api.A.user(tokens.A.abuser);
const fleet = api.A.fleet('abuser', 'abuser');
const FID = 'abuse-fleet';
const range = (n) => Array.from({ length: n }, (_, i) => i);
const t0 = performance.now();
const cbs = await pool(range(QUOTA.callbacks), async (i) => (await abuser('POST', '/user/callbacks', { type: ['Monitor'],
	callback: { webhook: { name: `cb${i}`, target: i === QUOTA.callbacks - 1 ? `${sink.url}/user` : `${hole.url}/user/${i}` } } })).body.callbackId);
const SINK_CB = QUOTA.callbacks - 1;
const monitors = range(QUOTA.monitors).map((i) => {
	const car = abuserCars[Math.floor(i / QUOTA.vehicleMonitors)];
	const c = i % QUOTA.callbacks;
	if (c === SINK_CB)
		return { car, c, body: { label: `sink ${i}`, triggerParam: { triggers: [zone('s', i % 2 ? 'Out' : 'In', SINKP)] } } };
	if (i % (QUOTA.monitors / QUOTA.timedMonitors) === 0)
		return { car, c, body: { label: `timed ${i}`, triggerParam: { triggers: [allDay('day')] }, subscribeParam: { refreshEvent: 60 } } };
	return { car, c, body: { label: `play ${i}`, triggerParam: { triggers: [zone('p', i % 2 ? 'Out' : 'In', PLAY)] } } };
});
const makeMonitor = (m) => abuser('POST', `/user/vehicles/${cars.A[m.car].id}/callbacks/${cbs[m.c]}/monitors`, m.body);
const makeFleetMonitor = async (i) => (await fleet('POST', `/fleets/${FID}/monitors`, {
	label: `watch ${i}`, triggerParam: { triggers: [zone('h', i % 2 ? 'Out' : 'In', HOME)] },
	subscribeParam: { retryPolicy: { policy: 'Always', retryDelay: 1 }, batchNotify: { size: 1000, timeWindow: 5 },
		callback: { webhook: { name: `f${i}`, target: i === 0 ? `${sink.url}/fleet` : `${hole.url}/fleet/${i}` } } } })).body.monitorId;
// first the sinks and what they deliver (no black hole has a queue yet, so cvnotify has its slots for them):
// the user sink's monitors crossed once, 1,000 firings of the fleet sink
await pool(monitors.filter((m) => m.c === SINK_CB), makeMonitor);
const fmons = [await makeFleetMonitor(0)];
await pool(abuserCars, (tag) => up(api.A, 'A', tag, 1, { where: PLAY }), 4);
await pool([...new Set(monitors.filter((m) => m.c === SINK_CB).map((m) => m.car))],
	(tag) => up(api.A, 'A', tag, 4, { alternate: [SINKP, near(SINKP)] }), 4);
await up(api.A, 'A', abuserCars[0], 1000, { alternate: [HOME, OUT] });
await up(api.A, 'A', abuserCars[0], 1000, { alternate: [HOME, OUT] });
await up(api.A, 'A', abuserCars[0], 1, { where: PLAY });
const userLog = `/user/callbacks/${cbs[SINK_CB]}/deliveries`, fleetLog = `/fleets/${FID}/monitors/${fmons[0]}/deliveries`;
const redeliverable = async (call, path) => ((await call('GET', `${path}?pageSize=60`)).body._embedded?.deliveries ?? [])
	.filter((d) => d.outcome === 'Delivered' && d._links?.redeliver);
{
	const nd = startNotify(homeA);
	const t2 = performance.now();
	await until(async () => (await redeliverable(abuser, userLog)).length >= 1 && (await redeliverable(fleet, fleetLog)).some((d) => d.events >= 1000),
		'the sinks\' first deliveries', 120000);
	await stopNotify(nd);
	say(`SETUP the sinks' first batches delivered in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
}
const sources = { user: (await redeliverable(abuser, userLog))[0], fleet: (await redeliverable(fleet, fleetLog)).find((d) => d.events >= 1000) };
say(`SETUP redelivery sources: user ${sources.user.events} event(s), fleet ${sources.fleet.events} events`);
// then the rest, the fleet sink paused meanwhile (the fill is the black holes')
const sinkStatus = (status) => fleet('PUT', `/fleets/${FID}/monitors/${fmons[0]}/status`, { status });
await sinkStatus('Paused');
await pool(monitors.filter((m) => m.c !== SINK_CB), makeMonitor);
fmons.push(...await pool(range(QUOTA.vehicleMonitors - 1).map((i) => i + 1), makeFleetMonitor));
const lim = async (call, path) => (await call('GET', path)).body.limits.map((x) => `${x.quota}=${x.used ?? '-'}/${x.limit}`).join(' ');
say(`SETUP abuser made in ${((performance.now() - t0) / 1000).toFixed(1)} s; user: ${await lim(abuser, '/user/limits')}`);
say(`SETUP fleet: ${await lim(fleet, `/fleets/${FID}/limits`)}`);
if (FILL) {
	const t1 = performance.now();
	// the user's queues: 2 x 1,000 samples crossing PLAY per car; the fleet's: 20 x 1,000 crossing HOME on a0
	await pool([...abuserCars, ...abuserCars], (tag) => up(api.A, 'A', tag, 1000, { alternate: [PLAY, near(PLAY)] }), 2);
	for (let i = 0; i < 20; i++)
		await up(api.A, 'A', abuserCars[0], 1000, { alternate: [HOME, OUT] });
	await up(api.A, 'A', abuserCars[0], 1, { where: PLAY });
	say(`SETUP queues filled in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}
await sinkStatus('Running');

// ---- the abuser's activity, for one arm: { stop() -> counts }
function abuse() {
	let on = true, uploads = 0, upErr = 0;
	const redo = { ok: 0, refused: 0, ms: [] };
	const perRound = Math.ceil(QUOTA.redeliveriesPerHour / ROUNDS);
	const slows = range(SLOW).map(() => trickle(baseA, 4000, 5));
	const loops = abuserCars.map(async (tag, k) => {
		await sleep((ABUSE_EVERY_MS * k) / abuserCars.length);
		for (let side = false; on; side = !side) {
			const t = performance.now();
			try {
				await up(api.A, 'A', tag, ABUSE_BATCH, { where: side ? near(PLAY) : PLAY });
				uploads++;
			} catch {
				upErr++;
			}
			await sleep(Math.max(0, ABUSE_EVERY_MS - (performance.now() - t)));
		}
	});
	const spend = async (call, path, src, n) => {
		for (let i = 0; i < n && on; i++) {
			const r = await call('POST', `${path}/${src.id}/redeliver`, undefined, [403]);
			if (r.status === 202) {
				redo.ok++;
				redo.ms.push(r.ms);
			} else {
				redo.refused++;
			}
			await sleep(((READ_S + UPLOADS * EVERY_MS / 1000) * 1000) / n);
		}
	};
	const redos = [spend(abuser, userLog, sources.user, perRound), spend(fleet, fleetLog, sources.fleet, perRound)];
	return async () => {
		on = false;
		await Promise.all([...loops, ...redos]);
		slows.forEach((x) => x.stop());
		return { uploads, upErr, redo };
	};
}

// ---- the victim's measures
function wrk(url, token) {
	const args = ['-t1', `-c${READ_CONNS}`, `-d${READ_S}s`, '--latency', '-H', `Authorization: Bearer ${token}`, url];
	const pin = process.env.WRK_CPU !== undefined && process.env.WRK_CPU !== '';
	const child = spawn(pin ? 'taskset' : 'wrk', pin ? ['-c', process.env.WRK_CPU, 'wrk', ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
	let text = '';
	child.stdout.on('data', (d) => { text += d; });
	return new Promise((res) => child.on('exit', () => {
		const unit = (v) => { const m = v.match(/^([\d.]+)(us|ms|s)$/); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
		const pct = (p) => unit((text.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm')) || [])[1] || '');
		res({ rps: Number((text.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]), p50: pct(50), p99: pct(99),
			errors: Number((text.match(/Non-2xx or 3xx responses: (\d+)/) || [])[1] || 0) });
	}));
}
const busyTicks = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number)
	.reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0);
const HZ = 100;

async function arm(r, s) {
	const with_ = s === 'A';
	const nd = with_ ? startNotify(homeA) : null;
	if (nd)
		await until(() => nd.log().includes('delivering the outbox'), 'cvnotify started', 30000);
	hole.reset();
	const stop = with_ ? abuse() : null;
	await sleep(WARM_S * 1000);
	const b0 = busyTicks(), w0 = performance.now();
	const reads = await wrk(`${s === 'A' ? baseA : baseB}/connectedcar/v4/user/vehicles/${cars[s].victim.id}/status`, tokens[s].victim);
	const sent = [], upMs = [];
	for (let i = 0; i < UPLOADS; i++) {
		out[s] = !out[s];
		const from = seconds(`${s}victim`, VICTIM_BATCH);
		const body = batch(`victim-${s}-${++msgs}`, from, VICTIM_BATCH, { where: out[s] ? OUT : HOME });
		const res = await api[s].upload(cars[s].victim.vin, cars[s].victim.cred, body);
		sent.push({ at: body.samples[0].at, t0: res.t0 });
		upMs.push(res.ms);
		await sleep(Math.max(0, EVERY_MS * (0.5 + Math.random()) - res.ms));
	}
	const last = performance.now();
	await until(() => sent.every((x) => arrived[s].has(x.at)) || performance.now() - last > GRACE_S * 1000, 'the grace', (GRACE_S + 5) * 1000);
	const busy = ((busyTicks() - b0) / HZ / ((performance.now() - w0) / 1000)) * 100;
	const dl = sent.map((x) => (arrived[s].has(x.at) ? arrived[s].get(x.at) - x.t0 : Infinity));
	const a = stop ? await stop() : null;
	if (nd)
		await stopNotify(nd);
	say(`ARM ${r} ${with_ ? 'with' : 'without'} reads_rps=${fmt(reads.rps, 0)} read_p50_ms=${fmt(reads.p50, 2)} read_p99_ms=${fmt(reads.p99, 2)} ` +
		`read_errors=${reads.errors} up_p50_ms=${fmt(quantile(upMs, 0.5))} up_p99_ms=${fmt(quantile(upMs, 0.99))} ` +
		`dl_p50_ms=${fmt(quantile(dl, 0.5))} dl_p99_ms=${fmt(quantile(dl, 0.99))} arrived=${dl.filter(Number.isFinite).length}/${dl.length} ` +
		`busy_pct=${busy.toFixed(0)}` + (a ? ` abuser_uploads=${a.uploads} abuser_upload_errors=${a.upErr} redeliveries=${a.redo.ok} ` +
		`redeliveries_refused=${a.redo.refused} redeliver_p50_ms=${fmt(quantile(a.redo.ms, 0.5))} holes_open_max=${hole.openMax()}` : ''));
	// what the victim's notifications still owe arrives before the next arm (A's wait for its next arm)
	if (!with_)
		await until(() => sent.every((x) => arrived[s].has(x.at)), 'the victim\'s leftovers', 60000).catch(() => {});
}

const ndB = startNotify(homeB);
await until(() => ndB.log().includes('delivering the outbox'), 'cvnotify (B) started', 30000);
for (let r = 1; r <= ROUNDS; r++)
	for (const s of r % 2 ? ['B', 'A'] : ['A', 'B'])
		await arm(r, s);
await stopNotify(ndB);
process.exit(0);

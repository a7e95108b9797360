// notify-driver.mjs - the client side of bench/notify.sh: a webhook
// receiver, the uploads that fire monitors, and cvnotify itself, in one
// Node process.
//
//   node notify-driver.mjs API TOKEN CARS_FILE HOME ROUNDS BIN_A [BIN_B]
//
// CARS_FILE: "VIN ID CREDENTIAL" a line, two vehicles. Two callbacks to
// this process: "fast" (answers 204 at once) with two zone monitors on the
// first vehicle (transition In and Out: every upload, alternately in and
// out of the zone, fires one), "slow" (answers after SLOW_MS, while the
// driver says so) with the same on the second vehicle. Then ROUNDS rounds,
// the binaries in turn (A B, B A, ...: a drift of the machine hits both),
// each with a cvnotify of its own on the store at HOME:
//   idle   IDLE_S seconds with nothing to deliver: the CPU time of all
//          cvnotify's threads (/proc/PID/task/*/schedstat, in ns) and their
//          context switches (.../status: how often they woke);
//   quiet  EVENTS uploads of the first vehicle, one at a time, each
//          followed by a random pause of 20 to 70 ms: from the upload's
//          POST to its notification's arrival, and to the upload's answer
//          (the durable commit, which the notification cannot beat by
//          much);
//   busy   the same while the slow callback always has a request in
//          flight (SLOW queued notifications of the second vehicle, each
//          answered after SLOW_MS): what a callback waits while another's
//          webhook is slow;
//   stop   SIGTERM to exit.
// Prints one line a round and phase: "ROUND r bin=X idle_cpu_ms= wakeups_per_s=
// quiet_p50_ms= quiet_p90_ms= quiet_max_ms= commit_p50_ms= busy_p50_ms= busy_p90_ms= busy_max_ms=
// busy_in_flight= stop_ms=".
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [api, token, carsFile, home, roundsArg, binA, binB] = process.argv.slice(2);
const cars = readFileSync(carsFile, 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
const ROUNDS = Number(roundsArg);
const IDLE_S = Number(process.env.IDLE_S || 10), EVENTS = Number(process.env.EVENTS || 40);
const SLOW_MS = Number(process.env.SLOW_MS || 1000), SLOW = Number(process.env.SLOW || 12);
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const HOME = { latitude: 45, longitude: 5 };
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// ---- the receiver
const arrived = new Map();     // sample date -> performance.now() of its arrival (fast)
const waiters = new Map();     // sample date -> resolve
let slowMode = false, slowPending = 0, slowDone = 0;
const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const t = performance.now();
		if (req.url.startsWith('/slow')) {
			slowPending++;
			const answer = () => { slowPending--; slowDone++; res.writeHead(204); res.end(); };
			if (slowMode)
				setTimeout(answer, SLOW_MS);
			else
				answer();
			return;
		}
		res.writeHead(204);
		res.end();
		let m;
		try { m = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return; }
		const date = m.date;
		const w = waiters.get(date);
		if (w) {
			waiters.delete(date);
			w(t);
		} else {
			arrived.set(date, t);
		}
	});
});
server.keepAliveTimeout = 60000;
await new Promise((res) => server.listen(0, '127.0.0.1', res));
const base = `http://127.0.0.1:${server.address().port}`;

const post = async (path, body) => {
	const r = await fetch(api + path, { method: 'POST', headers: auth, body: JSON.stringify(body) });
	const t = await r.text();
	if (r.status !== 202 && r.status !== 200)
		throw new Error(`${path}: ${r.status} ${t.slice(0, 200)}`);
	return JSON.parse(t);
};
for (const [k, car] of [['fast', cars[0]], ['slow', cars[1]]]) {
	const cb = (await post('/user/callbacks', { type: ['Monitor'], callback: { webhook: { name: k, target: `${base}/${k}` } } })).callbackId;
	for (const transition of ['In', 'Out'])
		await post(`/user/vehicles/${car[1]}/callbacks/${cb}/monitors`, { triggerParam: { triggers: [{ name: 'z', zone: { transition, place: { radius: 1, center: HOME } } }] } });
}

// ---- uploads: sample times a second apart from a day ago, one a call, in and out of the zone in turn
let clock = Math.floor(Date.now() / 1000) - 86400, msg = 0;
const upload = async (car) => {
	const at = new Date(++clock * 1000).toISOString().replace('.000Z', 'Z');
	car.out = !car.out;
	const body = JSON.stringify({ messageId: `nb-${++msg}`, samples: [{ at, position: { lat: HOME.latitude + (car.out ? 0.05 : 0), lon: HOME.longitude } }] });
	const t0 = performance.now();
	const r = await fetch(`${api.replace(/\/connectedcar\/v4$/, '')}/telematics/v1/vehicles/${car[0]}/messages`,
		{ method: 'POST', headers: { authorization: `Bearer ${car[2]}`, 'content-type': 'application/json' }, body });
	await r.text();
	if (r.status !== 200)
		throw new Error(`upload: ${r.status}`);
	return { at, t0, answered: performance.now() - t0 };
};
const arrival = (at) => arrived.has(at) ? Promise.resolve(arrived.get(at)) : new Promise((res) => waiters.set(at, res));
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const f1 = (x) => x.toFixed(1);

// ---- cvnotify
function start(bin) {
	const child = spawn(bin, ['--flights', '8'], { env: { ...process.env, CVAPI_HOME: home, CVAPI_NOTIFY_ALLOW: 'loopback' }, stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	child.stderr.on('data', (d) => { log += d; });
	child.exited = new Promise((res) => child.once('exit', res));
	child.log = () => log;
	return child;
}
const until = async (cond, what, ms = 30000) => {
	for (const t = Date.now(); !cond(); await sleep(5))
		if (Date.now() - t > ms)
			throw new Error(`${what}: not within ${ms} ms`);
};
// CPU time (ns) and context switches of every thread of pid (the waker wakes too)
const procStat = (pid) => {
	let ns = 0, switches = 0;
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
		const st = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
		switches += Number(st.match(/^voluntary_ctxt_switches:\s+(\d+)/m)[1]) + Number(st.match(/^nonvoluntary_ctxt_switches:\s+(\d+)/m)[1]);
	}
	return { ns, switches };
};

async function round(r, name, bin) {
	const nd = start(bin);
	await until(() => nd.log().includes('delivering the outbox'), 'cvnotify started');
	await sleep(1000);
	// idle
	const a = procStat(nd.pid), ta = performance.now();
	await sleep(IDLE_S * 1000);
	const b = procStat(nd.pid), tb = performance.now();
	const secs = (tb - ta) / 1000;
	const idleCpu = (b.ns - a.ns) / 1e6, wakeups = (b.switches - a.switches) / secs;
	// quiet
	const quiet = [], commit = [];
	for (let i = 0; i < EVENTS; i++) {
		const u = await upload(cars[0]);
		const t = await arrival(u.at);
		quiet.push(t - u.t0);
		commit.push(u.answered);
		await sleep(20 + Math.random() * 50);
	}
	// busy: the slow callback has a request in flight throughout
	slowMode = true;
	const slowBefore = slowDone;
	for (let i = 0; i < SLOW; i++)
		await upload(cars[1]);
	await until(() => slowPending > 0, 'a slow request in flight');
	const busy = [];
	let inFlight = 0;
	for (let i = 0; i < EVENTS; i++) {
		const u = await upload(cars[0]);
		const t = await arrival(u.at);
		busy.push(t - u.t0);
		inFlight += slowPending > 0;
		await sleep(20 + Math.random() * 50);
	}
	slowMode = false;
	await until(() => slowDone - slowBefore >= SLOW, 'the slow queue drained', 60000);
	// stop
	const ts = performance.now();
	nd.kill('SIGTERM');
	await nd.exited;
	const stopMs = performance.now() - ts;
	console.log(`ROUND ${r} bin=${name} idle_cpu_ms=${idleCpu.toFixed(1)} wakeups_per_s=${f1(wakeups)} ` +
		`quiet_p50_ms=${f1(q(quiet, 0.5))} quiet_p90_ms=${f1(q(quiet, 0.9))} quiet_max_ms=${f1(q(quiet, 1))} ` +
		`commit_p50_ms=${f1(q(commit, 0.5))} busy_p50_ms=${f1(q(busy, 0.5))} busy_p90_ms=${f1(q(busy, 0.9))} ` +
		`busy_max_ms=${f1(q(busy, 1))} busy_in_flight=${inFlight}/${EVENTS} stop_ms=${stopMs.toFixed(0)}`);
}

// a first sample for each vehicle: from then on every upload crosses its edge
// (what they fire is delivered before the rounds)
for (const car of cars)
	await upload(car);
{
	const nd = start(binA);
	await sleep(2000);
	nd.kill('SIGTERM');
	await nd.exited;
}
const bins = binB ? [['A', binA], ['B', binB]] : [['A', binA]];
for (let r = 1; r <= ROUNDS; r++)
	for (const [name, bin] of (r % 2 ? bins : [...bins].reverse()))
		await round(r, name, bin);
server.close();
process.exit(0);

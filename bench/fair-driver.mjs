// fair-driver.mjs - the client side of bench/fair.sh: a receiver that
// never answers (the black hole), one that answers at once, the uploads
// that fire monitors, and cvnotify itself, in one Node process.
//
//   node fair-driver.mjs API TOKEN CARS_FILE HOME ROUNDS BIN_A [BIN_B]
//
// CARS_FILE: "VIN ID CREDENTIAL" a line, two vehicles: the first in the
// fleet demo-fleet, the second only the user demo's. Once: a callback of
// demo's ("other": another owner than the fleet) answered 204 at once,
// with two zone monitors on the second vehicle (In and Out: every upload,
// in and out of the zone in turn, fires one). Then ROUNDS rounds, the
// binaries in turn (A B, B A, ...), each:
//   holes    HOLES fleet monitors of demo-fleet, each with a webhook of its
//            own to the black hole (a TCP server that accepts, reads and
//            never answers; with HOLE_MS, one that answers 204 that late),
//            retryPolicy Bounded 100, retryDelay 1 s, fired once by an
//            exit of the first vehicle: HOLES callbacks of one owner that
//            keep a request open as long as cvnotify lets them;
//   measure  the binary's cvnotify (--timeout TIMEOUT_S), and for
//            DURATION_S an upload of the second vehicle every EVERY_MS
//            (jittered), not waiting for its notification: from each
//            upload's POST to its notification's arrival at "other"; an
//            event not arrived GRACE_S after the last upload counts as
//            never (its latency infinite: a p99 "inf" says more than 1% did
//            not arrive within the round);
//   after    cvnotify stopped, the fleet monitors deleted (their notes with
//            them), and what "other" still has queued delivered by BIN_A
//            before the next round.
// Prints one line a round: "ROUND r bin=X events=N arrived=N p50_ms=
// p90_ms= p99_ms= max_ms= holes_open_max=" (holes_open_max: the most
// requests the black hole held at once).
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [api, token, carsFile, home, roundsArg, binA, binB] = process.argv.slice(2);
const cars = readFileSync(carsFile, 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
const ROUNDS = Number(roundsArg);
const HOLES = Number(process.env.HOLES || 200), DURATION_S = Number(process.env.DURATION_S || 30);
const EVERY_MS = Number(process.env.EVERY_MS || 250), GRACE_S = Number(process.env.GRACE_S || 10);
const TIMEOUT_S = Number(process.env.TIMEOUT_S || 10), HOLE_MS = Number(process.env.HOLE_MS || 0);
const B2B = api.replace(/\/v4$/, '/v3');
const userAuth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}`, 'content-type': 'application/json' };
const HOME = { latitude: 45, longitude: 5 };
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// ---- the black hole: accepts, reads, never answers (or answers HOLE_MS late)
let holesOpen = 0, holesOpenMax = 0;
const hole = net.createServer((sock) => {
	holesOpen++;
	holesOpenMax = Math.max(holesOpenMax, holesOpen);
	let buf = '';
	sock.on('data', (d) => {
		buf += d;
		// one answer per request when HOLE_MS is set (the request's end: its body after the headers)
		const end = buf.indexOf('\r\n\r\n');
		const len = Number((buf.match(/content-length:\s*(\d+)/i) || [])[1] || 0);
		if (HOLE_MS && end >= 0 && buf.length >= end + 4 + len) {
			buf = buf.slice(end + 4 + len);
			setTimeout(() => sock.writable && sock.write('HTTP/1.1 204 No Content\r\n\r\n'), HOLE_MS);
		}
	});
	sock.on('error', () => {});
	sock.on('close', () => { holesOpen--; });
});
await new Promise((res) => hole.listen(0, '127.0.0.1', res));
const holeBase = `http://127.0.0.1:${hole.address().port}`;

// ---- the other owner's receiver
const arrived = new Map();     // sample date -> performance.now() of its arrival
const rx = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const t = performance.now();
		res.writeHead(204);
		res.end();
		try {
			const m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			if (!arrived.has(m.date))
				arrived.set(m.date, t);
		} catch { /* not ours */ }
	});
});
rx.keepAliveTimeout = 60000;
await new Promise((res) => rx.listen(0, '127.0.0.1', res));
const rxBase = `http://127.0.0.1:${rx.address().port}`;

const call = async (method, url, headers, body) => {
	const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const t = await r.text();
	if (r.status >= 300)
		throw new Error(`${method} ${url}: ${r.status} ${t.slice(0, 200)}`);
	return t ? JSON.parse(t) : null;
};
const zone = (transition) => ({ triggers: [{ name: 'z', zone: { transition, place: { radius: 1, center: HOME } } }] });
/* Run fn over items, 8 at a time. */
const pool = async (items, fn) => {
	let i = 0;
	const out = [];
	await Promise.all(Array.from({ length: 8 }, async () => {
		while (i < items.length) {
			const k = i++;
			out[k] = await fn(items[k]);
		}
	}));
	return out;
};

// ---- the other owner: one callback, two zone monitors on the second vehicle
{
	const cb = (await call('POST', `${api}/user/callbacks`, userAuth, { type: ['Monitor'], callback: { webhook: { name: 'other', target: `${rxBase}/other` } } })).callbackId;
	for (const transition of ['In', 'Out'])
		await call('POST', `${api}/user/vehicles/${cars[1][1]}/callbacks/${cb}/monitors`, userAuth, { triggerParam: zone(transition) });
}

// ---- uploads: sample times a second apart from two days ago, in and out of the zone in turn
let clock = Math.floor(Date.now() / 1000) - 2 * 86400, msg = 0;
const upload = async (car, out) => {
	const at = new Date(++clock * 1000).toISOString().replace('.000Z', 'Z');
	const body = JSON.stringify({ messageId: `fair-${++msg}`, samples: [{ at, position: { lat: HOME.latitude + (out ? 0.05 : 0), lon: HOME.longitude } }] });
	const t0 = performance.now();
	const r = await fetch(`${api.replace(/\/connectedcar\/v4$/, '')}/telematics/v1/vehicles/${car[0]}/messages`,
		{ method: 'POST', headers: { authorization: `Bearer ${car[2]}`, 'content-type': 'application/json' }, body });
	await r.text();
	if (r.status !== 200)
		throw new Error(`upload: ${r.status}`);
	return { at, t0 };
};
const q = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'inf');

// ---- cvnotify
function start(bin) {
	const child = spawn(bin, ['--timeout', String(TIMEOUT_S)], { env: { ...process.env, CVAPI_HOME: home, CVAPI_NOTIFY_ALLOW: 'loopback' }, stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	child.stderr.on('data', (d) => { log += d; });
	child.exited = new Promise((res) => child.once('exit', res));
	child.log = () => log;
	return child;
}
const until = async (cond, what, limit = 30000) => {
	for (const t = Date.now(); !cond(); await sleep(10))
		if (Date.now() - t > limit)
			throw new Error(`${what}: not within ${limit} ms`);
};
const stopNotify = async (nd) => {
	nd.kill('SIGTERM');
	await nd.exited;
};

let out2 = false;
async function round(r, name, bin) {
	// the holes: fresh monitors (no back-off carried over), fired once
	const ids = await pool(Array.from({ length: HOLES }, (_, i) => i), async (i) => (await call('POST', `${B2B}/fleets/demo-fleet/monitors?client_id=console`, fleetAuth, {
		label: `hole ${i}`, triggerParam: zone('Out'), subscribeParam: { retryPolicy: { policy: 'Bounded', retryNumber: 100, retryDelay: 1 },
			callback: { webhook: { name: `hole${i}`, target: `${holeBase}/fleet/${i}` } } } })).monitorId);
	await upload(cars[0], false);
	await upload(cars[0], true);
	holesOpenMax = 0;
	const nd = start(bin);
	await until(() => nd.log().includes('delivering the outbox'), 'cvnotify started');
	await until(() => holesOpen >= 8, 'the holes hold requests');
	// measure
	const sent = [];
	const t1 = performance.now() + DURATION_S * 1000;
	while (performance.now() < t1) {
		out2 = !out2;
		sent.push(await upload(cars[1], out2));
		await sleep(EVERY_MS * (0.5 + Math.random()));
	}
	const last = performance.now();
	await until(() => sent.every((s) => arrived.has(s.at)) || performance.now() - last > GRACE_S * 1000, 'the grace', (GRACE_S + 5) * 1000);
	const lat = sent.map((s) => (arrived.has(s.at) ? arrived.get(s.at) - s.t0 : Infinity));
	const n = lat.filter(Number.isFinite).length;
	await stopNotify(nd);
	console.log(`ROUND ${r} bin=${name} events=${sent.length} arrived=${n} p50_ms=${ms(q(lat, 0.5))} p90_ms=${ms(q(lat, 0.9))} ` +
		`p99_ms=${ms(q(lat, 0.99))} max_ms=${ms(q(lat, 1))} holes_open_max=${holesOpenMax}`);
	// after: the holes gone, the rest delivered by A
	await pool(ids, (id) => call('DELETE', `${B2B}/fleets/demo-fleet/monitors/${id}?client_id=console`, fleetAuth));
	const drain = start(binA);
	await until(() => sent.every((s) => arrived.has(s.at)), 'the rest delivered', 120000);
	await stopNotify(drain);
}

// a first sample of the second vehicle: from then on each upload crosses the zone's edge
// (what it fires is delivered before the rounds)
await upload(cars[1], out2);
{
	const nd = start(binA);
	await sleep(2000);
	await stopNotify(nd);
}
const bins = binB ? [['A', binA], ['B', binB]] : [['A', binA]];
for (let r = 1; r <= ROUNDS; r++)
	for (const [name, bin] of (r % 2 ? bins : [...bins].reverse()))
		await round(r, name, bin);
hole.close();
rx.close();
process.exit(0);

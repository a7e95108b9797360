// remote-driver.mjs - the client side of bench/remote.sh: a webhook
// receiver and a driver of remote actions, in one Node process.
//
//   node remote-driver.mjs API TOKEN IDS_FILE CREDS_FILE N POSTS
//
// 1. Latency: one callback whose webhook is this process; for each vehicle
//    of IDS_FILE (one id a line) in parallel, N actions in turn (lock,
//    unlock...: one under way per vehicle), each timed from its POST to
//    the arrival of its Done event. Prints "LATENCY n= p50_ms= p90_ms=
//    p99_ms= max_ms= outcomes=...".
// 2. Accepted actions/s: POSTS posts by 8 concurrent clients over the
//    vehicles (wake-ups, so that each is a full write: records, outbox),
//    then, as the reference in the same run, as many one-sample uploads of
//    the same vehicles by 8 clients (CREDS_FILE: VIN ENERGY CREDENTIAL a
//    line): both are one durable commit per request. Prints "ACCEPT
//    posts_per_s= uploads_per_s=".
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [api, token, idsFile, credsFile, nArg, postsArg] = process.argv.slice(2);
const ids = readFileSync(idsFile, 'utf8').trim().split('\n');
const cars = readFileSync(credsFile, 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
const N = Number(nArg), POSTS = Number(postsArg);
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const waiting = new Map();     // remoteActionId -> resolve(outcome)
const early = new Map();       // Done events that beat their POST's answer

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		res.writeHead(204);
		res.end();
		let m;
		try { m = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return; }
		const ev = m.remoteEvent;
		if (!ev || ev.eventStatus?.type !== 'Done')
			return;
		const outcome = ev.eventStatus.status + (ev.eventStatus.failureCause ? `:${ev.eventStatus.failureCause}` : '');
		const w = waiting.get(ev.remoteActionId);
		if (w) {
			waiting.delete(ev.remoteActionId);
			w([Date.now(), outcome]);
		} else {
			early.set(ev.remoteActionId, [Date.now(), outcome]);
		}
	});
});
server.keepAliveTimeout = 60000;
await new Promise((res) => server.listen(0, '127.0.0.1', res));
const target = `http://127.0.0.1:${server.address().port}/hook`;

const post = async (path, body) => {
	const r = await fetch(api + path, { method: 'POST', headers: auth, body: JSON.stringify(body) });
	const t = await r.text();
	if (r.status !== 202 && r.status !== 200)
		throw new Error(`${path}: ${r.status} ${t.slice(0, 200)}`);
	return JSON.parse(t);
};
const cb = (await post('/user/callbacks', { type: ['Remote'], callback: { webhook: { name: 'bench', target } } })).callbackId;

// ---- 1. latency
const times = [], outcomes = {};
await Promise.all(ids.map(async (vid, k) => {
	for (let i = 0; i < N; i++) {
		const t0 = Date.now();
		const p = await post(`/user/vehicles/${vid}/callbacks/${cb}/remotes`, { door: { state: (i + k) % 2 ? 'Locked' : 'Unlocked' } });
		const [t1, outcome] = early.get(p.remoteActionId) ||
			await new Promise((res) => waiting.set(p.remoteActionId, res));
		early.delete(p.remoteActionId);
		times.push(t1 - t0);
		outcomes[outcome] = (outcomes[outcome] || 0) + 1;
	}
}));
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(`LATENCY n=${times.length} p50_ms=${q(0.5)} p90_ms=${q(0.9)} p99_ms=${q(0.99)} max_ms=${times.at(-1)} ` +
	`outcomes=${Object.entries(outcomes).map(([k, v]) => `${k}:${v}`).join(',')}`);

// ---- 2. accepted actions/s, and one-sample uploads as the reference
async function burst(n, one) {
	let i = 0;
	const t0 = Date.now();
	await Promise.all(Array.from({ length: 8 }, async () => {
		while (i < n)
			await one(i++);
	}));
	return n / ((Date.now() - t0) / 1000);
}
const postRate = await burst(POSTS, (i) => post(`/user/vehicles/${ids[i % ids.length]}/callbacks/${cb}/remotes`, { wakeUp: {} }));
const base = api.replace(/\/connectedcar\/v4$/, '');
const uploadRate = await burst(POSTS, async (i) => {
	const [vin, , cred] = cars[i % cars.length];
	const r = await fetch(`${base}/telematics/v1/vehicles/${vin}/messages`, { method: 'POST',
		headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/json' },
		body: JSON.stringify({ messageId: `bench-ref-${i}`, samples: [{ at: new Date(Date.now() - 1000).toISOString(), odometer: 1000 + i / 1000 }] }) });
	await r.text();
	if (r.status !== 200)
		throw new Error(`upload: ${r.status}`);
});
console.log(`ACCEPT posts_per_s=${postRate.toFixed(0)} uploads_per_s=${uploadRate.toFixed(0)}`);
server.close();
process.exit(0);

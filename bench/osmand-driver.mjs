// osmand-driver.mjs - bench/osmand.sh's client (a process of its own, one per run).
//
//   node osmand-driver.mjs KIND BASE CLIENTS_FILE SECONDS STATE_FILE
//
// KIND is what each client sends, one request after the other on its own
// keep-alive connection (the next once the answer came), for SECONDS:
//   query   phones: GET /osmand?id=...&timestamp=...&lat=... (the Android
//           app's query mode), one fix a request
//   form    phones: POST /osmand, the same fields as an
//           application/x-www-form-urlencoded body (the app's SDK)
//   json    phones: POST /osmand, Traccar Client 9's JSON location (with
//           its "_" copy, battery, activity, extras, uuid)
//   link1   vehicles: POST /telematics/v1/vehicles/{vin}/messages, one sample
//   link10  vehicles: the same, batches of 10 samples
// CLIENTS_FILE: one client a line, "KEY SECRET" (a phone: its vehicle id and
// its device id; a vehicle: its VIN and credential). Every client drives at
// 50 km/h northwards, a reading a second: position, altitude, heading,
// speed (the fields a phone's fix maps to, doc/devices.md), the same
// readings in every kind. STATE_FILE (JSON, created when missing) carries
// from run to run each client's next reading (fix times keep increasing, so
// that no fix is a retry of an earlier one) and the samples acknowledged for
// it. A 503 or 429 is answered as the apps and vehicles do: the same request
// again after its Retry-After (100 ms without one); the latency counted is
// the last try's. Any other answer but 200 stops the run (exit 1).
// Prints one line:
//   RESULT kind=K requests=N samples=S seconds=T req_per_s=R samples_per_s=R
//     p50_ms=.. p99_ms=.. max_ms=.. retries=N cpu_ms=C cpu_total_ms=C
// (cpu_ms: this process's CPU over the timed window; cpu_total_ms: over its life)
import http from 'node:http';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const [kind, baseArg, clientsFile, secsArg, stateFile] = process.argv.slice(2);
const PER = { query: 1, form: 1, json: 1, link1: 1, link10: 10 };
if (!PER[kind] || !stateFile) {
	console.error('usage: node osmand-driver.mjs query|form|json|link1|link10 BASE CLIENTS_FILE SECONDS STATE_FILE');
	process.exit(2);
}
const base = new URL(baseArg), secs = Number(secsArg), per = PER[kind];
const clients = readFileSync(clientsFile, 'utf8').trim().split('\n').map((l) => l.split(' '));
const state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { start: Math.floor(Date.now() / 1000) * 1000 - 20 * 86400000, next: {}, acked: {} };
const KNOT = 1.852;
const SPEED = 50;               // km/h

/* reading k of client i: k seconds after the start, 13.9 m north of reading k - 1 */
function reading(i, k) {
	return { at: state.start + k * 1000, lat: 45 + i / 100 + k * (SPEED / 3.6) / 111195, lon: 5 + i / 100,
		alt: 200 + (k % 50), heading: 0, kmh: SPEED };
}

const f6 = (x) => x.toFixed(6);
function fields(id, r) {
	return new URLSearchParams({ id, timestamp: String(r.at / 1000), lat: f6(r.lat), lon: f6(r.lon), speed: (r.kmh / KNOT).toFixed(2),
		bearing: r.heading.toFixed(1), altitude: r.alt.toFixed(1), accuracy: '5.0', batt: '87.0' }).toString();
}

/* the request of reading r for client [key, secret]: { method, path, headers, body } */
function request(key, secret, i, k) {
	if (kind === 'query')
		return { method: 'GET', path: `/osmand?${fields(secret, reading(i, k))}`, headers: {} };
	if (kind === 'form')
		return { method: 'POST', path: '/osmand', headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: fields(secret, reading(i, k)) };
	if (kind === 'json') {
		const r = reading(i, k), iso = new Date(r.at).toISOString();
		return { method: 'POST', path: '/osmand', headers: { 'content-type': 'application/json' }, body: JSON.stringify({
			location: {
				timestamp: iso, coords: { latitude: r.lat, longitude: r.lon, accuracy: 5, speed: r.kmh / 3.6, heading: r.heading,
					altitude: r.alt },
				is_moving: true, odometer: k * (SPEED / 3.6), battery: { level: 0.87, is_charging: false },
				activity: { type: 'in_vehicle' }, extras: {}, uuid: `00000000-0000-4000-8000-${String(i).padStart(4, '0')}${String(k).padStart(8, '0')}`,
				_: `&id=${secret}&lat=${f6(r.lat)}&lon=${f6(r.lon)}&timestamp=${iso}&`,
			},
			device_id: secret,
		}) };
	}
	const samples = [];
	for (let j = 0; j < per; j++) {
		const r = reading(i, k + j);
		samples.push({ at: new Date(r.at).toISOString(), position: { lat: Number(f6(r.lat)), lon: Number(f6(r.lon)), alt: r.alt,
			heading: r.heading, fix: '3D' }, speed: r.kmh });
	}
	return { method: 'POST', path: `/telematics/v1/vehicles/${key}/messages`,
		headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
		body: JSON.stringify({ messageId: `b-${i}-${k}`, samples }) };
}

function send(agent, q) {
	return new Promise((ok, ko) => {
		const headers = { ...q.headers };
		if (q.body !== undefined)
			headers['content-length'] = Buffer.byteLength(q.body);
		const h = http.request({ host: base.hostname, port: base.port, agent, method: q.method, path: q.path, headers }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => ok({ status: res.statusCode, retry: res.headers['retry-after'], text }));
		});
		h.on('error', ko);
		h.end(q.body);
	});
}

const lat = [];
let requests = 0, samples = 0, retries = 0;
const cpu0 = process.cpuUsage(), t0 = performance.now();
await Promise.all(clients.map(async ([key, secret], i) => {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	let k = state.next[key] ?? 0;
	while (performance.now() - t0 < secs * 1000) {
		const q = request(key, secret, i, k);
		let t, a;
		for (;;) {
			t = performance.now();
			a = await send(agent, q);
			if (a.status !== 503 && a.status !== 429)
				break;
			retries++;
			await new Promise((ok) => setTimeout(ok, a.retry ? Number(a.retry) * 1000 : 100));
		}
		if (a.status !== 200) {
			console.error(`${kind}: ${q.method} ${q.path.split('?')[0]} answered ${a.status}: ${a.text.slice(0, 300)}`);
			process.exit(1);
		}
		lat.push(performance.now() - t);
		requests++;
		samples += per;
		k += per;
		state.acked[key] = (state.acked[key] ?? 0) + per;
	}
	state.next[key] = k;
	agent.destroy();
}));
const el = (performance.now() - t0) / 1000, cpu = process.cpuUsage(cpu0), all = process.cpuUsage();
writeFileSync(stateFile, JSON.stringify(state));
lat.sort((x, y) => x - y);
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] : 0);
console.log(`RESULT kind=${kind} requests=${requests} samples=${samples} seconds=${el.toFixed(2)} req_per_s=${Math.round(requests / el)} ` +
	`samples_per_s=${Math.round(samples / el)} p50_ms=${pct(0.5).toFixed(2)} p99_ms=${pct(0.99).toFixed(2)} max_ms=${(lat.at(-1) ?? 0).toFixed(1)} ` +
	`retries=${retries} cpu_ms=${Math.round((cpu.user + cpu.system) / 1000)} cpu_total_ms=${Math.round((all.user + all.system) / 1000)}`);

// tenants.mjs - what bench/abuse-driver.mjs and quota-driver.mjs share:
// the API calls of a user (bearer token) and of a fleet manager (Basic,
// client_id), uploads through the vehicle link, receivers (one that
// answers 204 at once, a black hole that accepts and never answers), a
// pool of concurrent calls, quantiles, and the triggers they use.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/*
 * A client of the server at base (http://127.0.0.1:PORT): user(token) and
 * fleet(login, password) give call(method, path, body) on each face, which
 * throws on a status of 300 or more unless `ok` lists it, and answers
 * { status, body, ms }.
 */
export function client(base) {
	const B2C = `${base}/connectedcar/v4`, B2B = `${base}/connectedcar/v3`;
	async function call(url, method, headers, body, ok = []) {
		const t0 = performance.now();
		const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await r.text();
		const ms = performance.now() - t0;
		if (r.status >= 300 && !ok.includes(r.status))
			throw new Error(`${method} ${url}: ${r.status} ${text.slice(0, 200)}`);
		return { status: r.status, body: text ? JSON.parse(text) : null, ms, headers: r.headers };
	}
	return {
		base,
		user: (token) => (method, path, body, ok) => call(`${B2C}${path}`, method,
			{ authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, ok),
		fleet: (login, password) => (method, path, body, ok) => call(`${B2B}${path}${path.includes('?') ? '&' : '?'}client_id=console`,
			method, { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`,
				'content-type': 'application/json' }, body, ok),
		/* POST a batch through the vehicle link: { status, ms } (throws on anything but 200) */
		async upload(vin, cred, batch) {
			const body = JSON.stringify(batch);
			const t0 = performance.now();
			const r = await fetch(`${base}/telematics/v1/vehicles/${vin}/messages`, { method: 'POST', body,
				headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/json' } });
			const text = await r.text();
			const ms = performance.now() - t0;
			if (r.status !== 200)
				throw new Error(`upload ${vin}: ${r.status} ${text.slice(0, 200)}`);
			return { status: r.status, ms, t0 };
		},
	};
}

/* Run fn over items, `width` at a time; the answers in order. */
export async function pool(items, fn, width = 8) {
	let i = 0;
	const out = [];
	await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
		while (i < items.length) {
			const k = i++;
			out[k] = await fn(items[k], k);
		}
	}));
	return out;
}

/* The p-quantile of xs (0..1; Infinity counts as the largest). */
export function quantile(xs, p) {
	const s = [...xs].sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}
export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'inf');
export const iso = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/* Where the vehicles drive: HOME, and OUT a little north of it (out of a 1 km zone around HOME). */
export const HOME = { lat: 45, lon: 5 };
export const OUT = { lat: 45.05, lon: 5 };
/* A zone trigger of 1 km around center (transition In or Out): fires at each crossing of its edge. */
export const zone = (name, transition, center = HOME) => ({ name, zone: { transition, place: { radius: 1,
	center: { latitude: center.lat, longitude: center.lon } } } });
/* A place and the one a little north of it, out of its zone. */
export const near = (p) => ({ lat: p.lat + 0.05, lon: p.lon });
/* Triggers that a sample near HOME at at most 130 km/h and 55% fuel never makes true: evaluated, never fired. */
export const quiet = (name, i) => [
	{ name, zone: { transition: 'In', place: { radius: 1, center: { latitude: 10 + (i % 50) + 0.5, longitude: 10 } } } },
	{ name, data: { data: 'vehicle.energy.fuel.level', op: 'lowerThan', value: ['3'] } },
	{ name, data: { data: 'vehicle.kinetic.speed', op: 'greaterThan', value: ['200'] } },
][i % 3];
/*
 * The trigger that fires most often: a monitor fires when its condition
 * becomes true, so at most at every other sample; the i-th of these (a
 * zone In, or Out, in turn) does so in a batch() that alternates.
 */
export const everyOther = (name, i) => zone(name, i % 2 ? 'Out' : 'In');
/* A time window open all day, every day (UTC): true at every turn of the timer. */
export const allDay = (name) => ({ name, time: { times: [{ recurrence: 'Daily', start: 'PT0S', duration: 'PT24H' }], timeZone: 'UTC' } });
/* A window of one second a day, at 03:00:00 UTC: evaluated at every turn, true almost never. */
export const rareWindow = (name) => ({ name, time: { times: [{ recurrence: 'Daily', start: 'PT3H', duration: 'PT1S' }], timeZone: 'UTC' } });

/*
 * A batch of n samples from second `from` (one a second): every sample at
 * `where` (HOME or OUT), or (alternate) HOME and OUT in turn, or
 * (alternate: [A, B]) A and B in turn; the speed
 * changes at every sample (60, 61, ..., 99, 60, ...), with odometer,
 * ignition and fuel, about 170 bytes of JSON a sample.
 */
export function batch(id, from, n, { where = HOME, alternate = false } = {}) {
	const samples = [];
	for (let i = 0; i < n; i++) {
		const pair = Array.isArray(alternate) ? alternate : [HOME, OUT];
		const p = alternate ? pair[i % 2] : where;
		samples.push({ at: iso(from + i), position: { lat: p.lat, lon: p.lon, heading: 0 }, speed: 60 + (i % 40),
			odometer: 1000 + ((from + i) % 1000000) / 10, ignition: 'Start', fuel: { level: 55, autonomy: 400 } });
	}
	return { messageId: id, samples };
}

/* A receiver answering 204 at once; onBody(text, arrivedAt) for each request. Resolves to { url, server }. */
export async function receiver(onBody = () => {}) {
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const t = performance.now();
			res.writeHead(204);
			res.end();
			onBody(Buffer.concat(chunks).toString('utf8'), t);
		});
	});
	server.keepAliveTimeout = 60000;
	await new Promise((res) => server.listen(0, '127.0.0.1', res));
	return { url: `http://127.0.0.1:${server.address().port}`, server };
}

/* A black hole: accepts, reads, never answers. { url, open(), openMax(), reset(), server } */
export async function blackHole() {
	let open = 0, openMax = 0;
	const server = net.createServer((sock) => {
		open++;
		openMax = Math.max(openMax, open);
		sock.on('data', () => {});
		sock.on('error', () => {});
		sock.on('close', () => { open--; });
	});
	await new Promise((res) => server.listen(0, '127.0.0.1', res));
	return { url: `http://127.0.0.1:${server.address().port}`, open: () => open, openMax: () => openMax,
		reset: () => { openMax = open; }, server };
}

/*
 * A request body trickled at `rate` bytes a second (as t/api/slow.mjs):
 * a token request of `total` bytes to base. { stop(), answered() }
 */
export function trickle(base, total, rate) {
	const u = new URL(base);
	const s = net.connect(Number(u.port), u.hostname);
	let got = '', sent = 0, closed = false;
	s.on('data', (d) => { got += d.toString('latin1'); });
	s.on('error', () => {});
	s.on('close', () => { closed = true; });
	s.write([`POST /oauth2/token HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${total}`,
		'Content-Type: application/x-www-form-urlencoded', 'Connection: close', '', ''].join('\r\n'));
	const body = `grant_type=password&username=demo&password=demo&client_id=console&pad=${'a'.repeat(total)}`.slice(0, total);
	const t = setInterval(() => {
		const n = Math.min(rate, total - sent);
		if (n <= 0 || closed) {
			clearInterval(t);
			return;
		}
		s.write(body.slice(sent, sent + n));
		sent += n;
	}, 1000);
	return { stop: () => { clearInterval(t); s.destroy(); }, answered: () => got.slice(0, 12), closed: () => closed };
}

// teltonika-driver.mjs - bench/teltonika.sh's client (a process of its own).
//
//   node teltonika-driver.mjs records PORT IMEIS_FILE SECONDS RECORDS START_MS
//     one connection per IMEI, each sending AVL packets (Codec 8) of RECORDS
//     records one after the other (the next once the acknowledgement came);
//     prints "RECORDS records=N packets=P seconds=S records_per_s=R p50_ms p99_ms"
//   node teltonika-driver.mjs upload BASE VEHICLES_FILE SECONDS BATCH START_MS
//     one keep-alive connection per vehicle ("VIN CRED" lines), batches of
//     BATCH samples through the vehicle link, the same readings; prints "UPLOAD ..."
//   node teltonika-driver.mjs idle PORT N
//     opens N connections to cvteltonika and holds them (no handshake: the
//     daemon's struct is allocated at accept); prints "HELD n" then waits
//     for SIGTERM
import net from 'node:net';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { avl, hello } from '../t/lib/teltonika.mjs';

const [mode, target, arg3, arg4, arg5, arg6] = process.argv.slice(2);
const pct = (a, p) => (a.length ? a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))] : 0);

function reading(i, k, t) {
	return { at: t, lat: 45 + i / 1000 + k / 1e5, lon: 5 + k / 1e5, alt: 200, angle: 90, sats: 9, speed: 50,
		io: { 239: 1, 240: 1, 66: [2, 13800], 16: [4, 100000 + k * 14] } };
}

function tracker(port, imei) {
	return new Promise((res, rej) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = Buffer.alloc(0), want = null;
		s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (want) want(); });
		s.on('error', rej);
		const read = (n) => new Promise((ok) => {
			want = () => { if (buf.length >= n) { const o = buf.subarray(0, n); buf = buf.subarray(n); want = null; ok(o); } };
			want();
		});
		s.on('connect', async () => {
			s.write(hello(imei));
			const a = await read(1);
			if (a[0] !== 1)
				return rej(new Error(`IMEI ${imei} refused`));
			res({ s, read });
		});
	});
}

async function records() {
	const port = Number(target), imeis = readFileSync(arg3, 'utf8').trim().split('\n');
	const secs = Number(arg4), per = Number(arg5), start = Number(arg6);
	const lat = [];
	let recs = 0, packets = 0;
	const conns = await Promise.all(imeis.map((m) => tracker(port, m)));
	const t0 = Date.now();
	await Promise.all(conns.map(async (c, i) => {
		let k = 0;
		while (Date.now() - t0 < secs * 1000) {
			const rs = [];
			for (let j = 0; j < per; j++, k++)
				rs.push(reading(i, k, start + k * 1000));
			const t = performance.now();
			c.s.write(avl(rs));
			const a = await c.read(4);
			if (a.readUInt32BE(0) !== per)
				throw new Error('short acknowledgement');
			lat.push(performance.now() - t);
			recs += per;
			packets++;
		}
		c.s.end();
	}));
	const el = (Date.now() - t0) / 1000;
	console.log(`RECORDS records=${recs} packets=${packets} seconds=${el.toFixed(1)} records_per_s=${Math.round(recs / el)} ` +
		`p50_ms=${pct(lat, 0.5).toFixed(1)} p99_ms=${pct(lat, 0.99).toFixed(1)}`);
}

async function upload() {
	const base = new URL(target), cars = readFileSync(arg3, 'utf8').trim().split('\n').map((l) => l.split(' '));
	const secs = Number(arg4), per = Number(arg5), start = Number(arg6);
	const lat = [];
	let samples = 0, batches = 0;
	const t0 = Date.now();
	await Promise.all(cars.map(async ([vin, cred], i) => {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		let k = 0;
		while (Date.now() - t0 < secs * 1000) {
			const s = [];
			for (let j = 0; j < per; j++, k++) {
				const r = reading(i, k, start + k * 1000);
				s.push({ at: new Date(r.at).toISOString(), position: { lat: r.lat, lon: r.lon, alt: r.alt, heading: r.angle, fix: '3D' },
					speed: r.speed, odometer: (100000 + k * 14) / 1000, ignition: 'Start', battery12v: 13.8 });
			}
			const body = JSON.stringify({ messageId: `b-${i}-${k}`, samples: s });
			const t = performance.now();
			const status = await new Promise((ok, ko) => {
				const q = http.request({ host: base.hostname, port: base.port, agent, method: 'POST', path: `/telematics/v1/vehicles/${vin}/messages`,
					headers: { authorization: `Bearer ${cred}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
					r.resume();
					r.on('end', () => ok(r.statusCode));
				});
				q.on('error', ko);
				q.end(body);
			});
			if (status !== 200)
				throw new Error(`upload: ${status}`);
			lat.push(performance.now() - t);
			samples += per;
			batches++;
		}
		agent.destroy();
	}));
	const el = (Date.now() - t0) / 1000;
	console.log(`UPLOAD samples=${samples} batches=${batches} seconds=${el.toFixed(1)} samples_per_s=${Math.round(samples / el)} ` +
		`p50_ms=${pct(lat, 0.5).toFixed(1)} p99_ms=${pct(lat, 0.99).toFixed(1)}`);
}

async function idle() {
	const port = Number(target), n = Number(arg3), held = [];
	for (let i = 0; i < n; i++) {
		held.push(await new Promise((ok, ko) => {
			const s = net.connect(port, '127.0.0.1', () => ok(s));
			s.on('error', ko);
		}));
	}
	console.log(`HELD ${held.length}`);
	process.on('SIGTERM', () => { for (const s of held) s.destroy(); process.exit(0); });
	setInterval(() => {}, 1 << 30);
}

await ({ records, upload, idle })[mode]();

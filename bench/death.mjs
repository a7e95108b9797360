// death.mjs - what one FastCGI process's death costs the service.
//
// Starts the real server of the build tree (t/lib/server.mjs: the web
// server of CV_WEBSERVER from etc/, a fresh demo store), runs readers
// (status, /user, a token grant, /healthz: four programs) at a steady
// concurrency, and kills one process with SIGKILL, once while it is idle
// (a cvapi-events process, a program the readers do not use) and once
// under load (a
// cvapi-vehicle process). For each kill it reports the requests that
// failed, the longest time without any successful answer, and how many
// processes of the other programs ended (were replaced) because of it.
//
//   node bench/death.mjs            # ROUNDS=3 CONC=8 by default
//   CV_WEBSERVER=apache node bench/death.mjs
//
// The server's programs run with the answer cache off, so that every read
// reaches the store.
import { Server, B2C, descendantsOf } from '../t/lib/server.mjs';

const ROUNDS = Number(process.env.ROUNDS || 3);
const CONC = Number(process.env.CONC || 8);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

const srv = new Server({ env: { CVAPI_CACHE: '0' } });
await srv.start();
const v = srv.vehicles[0];
await srv.upload(v.vin, v.cred, { messageId: 'death-1', samples: [{ at: new Date().toISOString(), speed: 0,
	odometer: 100, ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] });
const tok = await srv.token('demo');

const fcgi = () => descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd) && p.state !== 'Z');

let stop = false;
let failed = 0;
let lastOk = Date.now();
let maxGap = 0;
let answered = 0;
async function reader(i) {
	const probes = [
		() => srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok),
		() => srv.get(`${B2C}/user`, tok),
		() => srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' }),
		() => srv.get('/healthz'),
	];
	for (let n = i; !stop; n++) {
		let ok = false;
		try {
			ok = (await probes[n % probes.length]()).status === 200;
		} catch { /* a failed connection */ }
		const now = Date.now();
		if (ok) {
			maxGap = Math.max(maxGap, now - lastOk);
			lastOk = now;
			answered++;
		} else {
			failed++;
		}
	}
}

/* Kill one process of prog (busy: while the load runs) and measure the 3 s after it. */
async function kill(prog) {
	await sleep(1000);
	const before = fcgi();
	const victim = before.find((p) => p.cmd.endsWith(`/${prog}.fcgi`));
	failed = 0;
	maxGap = 0;
	answered = 0;
	lastOk = Date.now();
	process.kill(victim.pid, 'SIGKILL');
	await sleep(3000);
	const after = new Set(fcgi().map((p) => p.pid));
	const others = before.filter((p) => p.pid !== victim.pid && !after.has(p.pid)).length;
	return { failed, maxGap, answered, others };
}

const load = Array.from({ length: CONC }, (_, i) => reader(i));
const results = { idle: [], busy: [] };
for (let r = 0; r < ROUNDS; r++) {
	results.idle.push(await kill('cvapi-events'));
	results.busy.push(await kill('cvapi-vehicle'));
}
stop = true;
await Promise.all(load);
await srv.stop();
for (const [what, rs] of Object.entries(results))
	for (const r of rs)
		console.log(`${process.env.CV_WEBSERVER || 'lighttpd'} ${what === 'idle' ? 'cvapi-events (idle)' : 'cvapi-vehicle (under load)'}: ` +
			`${r.failed} failed of ${r.failed + r.answered} in 3 s, longest gap ${r.maxGap} ms, ${r.others} other processes ended`);

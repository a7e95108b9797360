// death.mjs - what one process's death costs the service.
//
// Starts the real server of the build tree (t/lib/server.mjs: the web
// server of CV_WEBSERVER from etc/, a fresh demo store) and cvnotify, runs
// a load (readers of status, /user, a token grant and /healthz; two
// vehicles uploading: four programs) at a steady concurrency, and kills
// processes with SIGKILL:
//
//   idle      a cvapi-events process (a program the load does not use:
//             waiting for a request, outside Berkeley DB)
//   busy      a cvapi-vehicle process under the load (wherever it is)
//   cvnotify  cvnotify, waiting for the network or at work
//
// ROUNDS of each, then a drill: for DRILL seconds, a random process of
// the load's programs killed every 1.5 s. For each kill it reports the
// requests that failed in the 3 s after it (uploads apart), the longest
// time without any successful answer, and how many other processes ended
// (were replaced); for the drill, the dead processes recovered after and
// those that were not (as the openers' log lines name them), every
// process that ended, and the failed requests.
//
//   node bench/death.mjs            # ROUNDS=3 CONC=8 DRILL=45
//   CV_WEBSERVER=apache node bench/death.mjs
//   CV_BUILDDIR=OTHER_BUILD node bench/death.mjs   # another build's programs
//
// The server's programs run with the answer cache off, so that every read
// reaches the store.
import { Server, B2C, descendantsOf } from '../t/lib/server.mjs';
import { startNotify } from '../t/lib/notify.mjs';

const ROUNDS = Number(process.env.ROUNDS || 3);
const CONC = Number(process.env.CONC || 8);
const DRILL = Number(process.env.DRILL || 45);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

const srv = new Server({ env: { CVAPI_CACHE: '0' } });
await srv.start();
const tok = await srv.token('demo');
const v = srv.vehicles[0];
const T0 = Date.now() - 6 * 3600000;
let seq = 0;
const upload = (veh) => {
	const at = new Date(T0 + ++seq * 1000).toISOString();
	return srv.upload(veh.vin, veh.cred, { messageId: `death-${seq}`, samples: [{ at, speed: 0, odometer: 100 + seq,
		ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] });
};
await upload(v);
let nd = await startNotify(srv);
const nds = [nd];

const fcgi = () => descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd) && p.state !== 'Z');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const logs = () => srv.ws.logs() + nds.map((n) => n.log()).join('');

let stop = false;
const count = { failed: 0, upFailed: 0, answered: 0, maxGap: 0, lastOk: Date.now() };
function reset() {
	Object.assign(count, { failed: 0, upFailed: 0, answered: 0, maxGap: 0, lastOk: Date.now() });
}
async function client(i) {
	const probes = [
		() => srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok),
		() => srv.get(`${B2C}/user`, tok),
		() => srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' }),
		() => srv.get('/healthz'),
	];
	const uploader = i < 2;
	for (let n = i; !stop; n++) {
		let ok = false;
		try {
			ok = (await (uploader ? upload(srv.vehicles[i]) : probes[n % probes.length]())).status === 200;
		} catch { /* a failed connection */ }
		const now = Date.now();
		if (ok) {
			count.maxGap = Math.max(count.maxGap, now - count.lastOk);
			count.lastOk = now;
			count.answered++;
		} else if (uploader) {
			count.upFailed++;
		} else {
			count.failed++;
		}
	}
}

/* cvnotify kept running, as its supervisor would. */
let watching = true;
const supervise = async () => {
	while (watching) {
		await nd.exited;
		if (watching) {
			nd = await startNotify(srv);
			nds.push(nd);
		}
	}
};
const supervisor = supervise();

/* Dead processes the openers named: recovered after (several openers may name one), or not. */
const named = (re) => new Set([...logs().matchAll(re)].map((m) => m[1])).size;
const recoveries = () => named(/process (\d+) died with the store open: recovering/g);
const outsideDeaths = () => named(/process (\d+) died outside the store: no recovery/g);

/* Kill one process (pid) and measure the 3 s after it. */
async function kill(what, pid) {
	const before = fcgi().filter((p) => p.pid !== pid);
	const rec = recoveries();
	reset();
	try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
	await sleep(3000);
	const others = before.filter((p) => !alive(p.pid)).length;
	return { what, failed: count.failed, upFailed: count.upFailed, maxGap: count.maxGap, answered: count.answered,
		others, recovered: recoveries() > rec };
}

const load = Array.from({ length: CONC }, (_, i) => client(i));
await sleep(1500);
const results = [];
for (let r = 0; r < ROUNDS; r++) {
	results.push(await kill('cvapi-events (idle)', fcgi().find((p) => p.cmd.endsWith('/cvapi-events.fcgi')).pid));
	await sleep(1000);
	results.push(await kill('cvapi-vehicle (busy)', fcgi().find((p) => p.cmd.endsWith('/cvapi-vehicle.fcgi')).pid));
	await sleep(1000);
	// (a recovery after the last kill ended cvnotify: its supervisor starts it again)
	while (!alive(nd.child.pid))
		await sleep(50);
	results.push(await kill('cvnotify', nd.child.pid));
	await sleep(1000);
}

/* The drill: a process of the load's programs every 1.5 s. */
const drill = { kills: 0, ended: 0, rec: recoveries(), outside: outsideDeaths() };
const seen = new Set(fcgi().map((p) => p.pid));
reset();
const t0 = Date.now();
while (Date.now() - t0 < DRILL * 1000) {
	const ps = fcgi().filter((p) => /\/cvapi-(vehicle|user|oauth2|ingest)\.fcgi$/.test(p.cmd));
	try {
		process.kill(ps[Math.floor(Math.random() * ps.length)].pid, 'SIGKILL');
		drill.kills++;
	} catch { /* none, or gone meanwhile */ }
	for (let i = 0; i < 15; i++) {
		await sleep(100);
		for (const p of fcgi())
			seen.add(p.pid);
	}
}
drill.ended = [...seen].filter((pid) => !alive(pid)).length;
Object.assign(drill, { recoveries: recoveries() - drill.rec, outsideDeaths: outsideDeaths() - drill.outside,
	failed: count.failed, upFailed: count.upFailed, answered: count.answered, maxGap: count.maxGap });

stop = true;
await Promise.all(load);
watching = false;
await nd.stop();
await supervisor.catch(() => {});
await srv.stop();
const ws = process.env.CV_WEBSERVER || 'lighttpd';
for (const r of results)
	console.log(`${ws} ${r.what}: ${r.failed} reads and ${r.upFailed} uploads failed of ${r.failed + r.upFailed + r.answered} ` +
		`in 3 s, longest gap ${r.maxGap} ms, ${r.others} other processes ended, ${r.recovered ? 'recovered' : 'no recovery'}`);
console.log(`${ws} drill: ${drill.kills} kills in ${DRILL} s: ${drill.recoveries} deaths recovered after, ${drill.outsideDeaths} ` +
	`without recovery, ${drill.ended} processes ended in all; ${drill.failed} reads and ${drill.upFailed} uploads failed of ` +
	`${drill.failed + drill.upFailed + drill.answered}, longest gap ${drill.maxGap} ms`);

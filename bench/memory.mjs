// memory.mjs - what each FastCGI program holds, at rest and at its largest
// allowed request body, and what it keeps after answering.
//
// Starts the real server of the build tree (t/lib/server.mjs) with one
// process per program, then sends cvapi-ingest a 4 MiB body of tiny JSON
// values ([1,1,1...], the worst case for a JSON parser) with and without
// credentials, and a largest real batch (1000 full samples), and
// cvapi-oauth2 its largest form (16 KB). Reports VmRSS at rest, VmHWM (the
// peak) and VmRSS after the answers, from /proc. Use a build without
// sanitizers (CV_BUILDDIR=...): their shadow memory dwarfs the rest.
//
//   CV_BUILDDIR=/path/to/release-build node bench/memory.mjs
import { Server, descendantsOf } from '../t/lib/server.mjs';
import { readFileSync } from 'node:fs';

const srv = new Server({ procs: 1 });
await srv.start();
const v = srv.vehicles[0];
const progs = () => Object.fromEntries(descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd))
	.map((p) => [p.cmd.replace(/.*\//, '').replace(/\.fcgi$/, ''), p.pid]));
const status = (pid) => Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')
	.filter((l) => /^Vm(RSS|HWM):/.test(l)).map((l) => [l.split(':')[0], Number(l.split(/\s+/)[1]) / 1024]));
// every program serves once, so that each has opened the store
await srv.get('/healthz');
await srv.get('/connectedcar/v4/user', await srv.token('demo'));
const rest = Object.fromEntries(Object.entries(progs()).map(([n, pid]) => [n, status(pid).VmRSS]));

const tiny = '[' + '1,'.repeat(2 * 1024 * 1024 - 2) + '1]';
const bodies = [
	['4 MiB of [1,1,...], no credentials', () => srv.request('POST', `/telematics/v1/vehicles/${v.vin}/messages`,
		{ headers: { 'content-type': 'application/json' }, body: tiny })],
	['4 MiB of [1,1,...] as a batch', () => srv.upload(v.vin, v.cred, `{"messageId":"m1","samples":${tiny}}`.slice(0, 4 * 1024 * 1024))],
	['1000 full samples', () => srv.upload(v.vin, v.cred, { messageId: 'm2', samples: Array.from({ length: 1000 }, (_, i) => ({
		at: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString(), speed: 50, odometer: 1000 + i,
		position: { lat: 48.8 + i / 1e4, lon: 2.3, alt: 35, heading: 90 }, ignition: 'Start',
		fuel: { level: 50, autonomy: 400 }, doors: { locked: 'Locked' }, outsideTemp: 12, battery12v: 12.5 })) })],
	['oauth2: a 16 KB form', () => srv.oauth(`grant_type=password&username=demo&password=${'x'.repeat(16000)}&client_id=console`)],
];
for (const [name, send] of bodies) {
	const r = await send();
	console.log(`# ${name}: ${r.status}`);
}
const p = progs();
console.log('program | at rest | peak (VmHWM) | after (VmRSS)');
for (const [n, pid] of Object.entries(p)) {
	const s = status(pid);
	console.log(`${n} | ${rest[n]?.toFixed(1)} MB | ${s.VmHWM.toFixed(1)} MB | ${s.VmRSS.toFixed(1)} MB`);
}
await srv.stop();

// One process's death between requests: its replacement recovers the
// store (HACKING.md says why a death always costs a recovery), ending the
// other processes, which are replaced in turn; within 5 s every program
// answers again, and what was acknowledged before is still there.
// (crash.mjs kills processes in the middle of their writes.)
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSuite, B2C, descendantsOf } from '../lib/server.mjs';
import { nowIso } from '../lib/clock.mjs';

apiSuite('death', (srv, it) => {
	const fcgi = () => descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd) && p.state !== 'Z');

	it('a process killed between requests: the store recovered, every program answering within 5 s, nothing lost', async () => {
		const v = srv.vehicles[0];
		const up = await srv.upload(v.vin, v.cred, { messageId: 'death-1', samples: [{ at: nowIso(),
			speed: 0, odometer: 100, ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] });
		assert.equal(up.status, 200, up.text);
		const tok = await srv.token('demo');
		// every process has opened the store: a few rounds of each program's requests
		for (let i = 0; i < 6; i++) {
			const rs = await Promise.all([srv.get(`${B2C}/user/vehicles/${v.id}/alerts`, tok),
				srv.get(`${B2C}/user/vehicles/${v.id}/alerts`, tok), srv.get(`${B2C}/user`, tok), srv.get('/healthz')]);
			for (const r of rs)
				assert.equal(r.status, 200, r.text);
		}
		const before = fcgi();
		const victim = before.find((p) => p.cmd.endsWith('/cvapi-events.fcgi'));
		assert.ok(victim, `cvapi-events runs: ${before.map((p) => p.cmd).join(' ')}`);
		let stop = false;
		const failures = [];
		let n = 0;
		const reader = async () => {
			while (!stop) {
				for (const r of await Promise.allSettled([srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok),
					srv.get(`${B2C}/user`, tok), srv.get('/healthz')])) {
					n++;
					if (r.status !== 'fulfilled' || r.value.status !== 200)
						failures.push(r.status === 'fulfilled' ? `${r.value.status} ${r.value.text.slice(0, 100)}` : String(r.reason));
				}
			}
		};
		/* Kill the victim; wait for its replacement, which answers. */
		async function killAndCheck() {
			process.kill(victim.pid, 'SIGKILL');
			// the web server (or cvapi-spawn) starts a replacement, which opens the store
			const t0 = Date.now();
			const count = before.filter((p) => p.cmd === victim.cmd).length;
			let replaced = false;
			while (!replaced && Date.now() - t0 < 15000) {
				// a request to the program makes lighttpd notice the death at once
				await srv.get(`${B2C}/user/vehicles/${v.id}/alerts`, tok).catch(() => null);
				const now = fcgi().filter((p) => p.cmd === victim.cmd && p.pid !== victim.pid);
				replaced = now.length === count;
				if (!replaced)
					await sleep(50);
			}
			assert.ok(replaced, 'cvapi-events was replaced');
		}

		const load = [reader(), reader()];
		try {
			await killAndCheck();
		} finally {
			stop = true;
			await Promise.all(load);
		}
		// every program answers again within 5 s of the kill, with the data acknowledged before
		const t0 = Date.now();
		const probes = [() => srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok), () => srv.get(`${B2C}/user`, tok),
			() => srv.get('/healthz'), () => srv.get(`${B2C}/user/vehicles/${v.id}/alerts`, tok),
			() => srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok)];
		const pending = new Set(probes.keys());
		while (pending.size && Date.now() - t0 < 5000) {
			for (const i of [...pending]) {
				const r = await probes[i]().catch(() => ({ status: 0 }));
				if (r.status === 200)
					pending.delete(i);
			}
			if (pending.size)
				await sleep(50);
		}
		assert.equal(pending.size, 0, `programs not answering 5 s after the death: ${[...pending].join(', ')}`);
		const st = await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok);
		assert.equal(st.body.odometer.mileage, 100, 'the acknowledged upload is still there');
		// the replacement's line reaches the log in its own time
		const t1 = Date.now();
		while (!/died with the store open: recovering/.test(srv.ws.logs()) && Date.now() - t1 < 5000)
			await sleep(50);
		assert.match(srv.ws.logs(), /died with the store open: recovering/);
		console.log(`# ${failures.length} of ${n} requests failed around the death`);
	});
});

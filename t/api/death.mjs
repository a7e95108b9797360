// One process's death. Killed outside Berkeley DB (a FastCGI program
// waiting for a request, cvnotify waiting for the network), it costs that
// process alone: its replacement empties its registry slot instead of
// recovering, no other process of the store is replaced, and the requests
// of the load on the other programs all succeed. Killed inside (in the
// middle of store work), it costs a recovery as before: every program
// answers again, with what was acknowledged. (HACKING.md "The store";
// crash.mjs kills writers in the middle of their transactions.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSuite, B2C, descendantsOf } from '../lib/server.mjs';
import { startNotify } from '../lib/notify.mjs';
import { nowIso } from '../lib/clock.mjs';

/* What the processes file of the store says of pid: 'outside', 'inside', or null (no word). */
function mark(home, pid) {
	let b;
	try {
		b = readFileSync(join(home, 'processes'));
	} catch {
		return null;
	}
	for (let i = 0; i + 8 <= b.length; i += 8) {
		const w = b.readBigUInt64LE(i);
		if (w && Number(w >> 1n) === pid)
			return w & 1n ? 'outside' : 'inside';
	}
	return null;
}

/* The state letter of pid in /proc ('T': stopped), or null when gone. */
function procState(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
	} catch {
		return null;
	}
}

/* Resolves once cond() holds; fails after ms. */
async function until(cond, ms, what) {
	const t0 = Date.now();
	while (!(await cond())) {
		assert.ok(Date.now() - t0 < ms, `${what}: not within ${ms} ms`);
		await sleep(20);
	}
}

apiSuite('death', (srv, it) => {
	const fcgi = () => descendantsOf(srv.ws.process.pid).filter((p) => /\.fcgi$/.test(p.cmd) && p.state !== 'Z');
	const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
	const v = () => srv.vehicles[0];
	let tok;
	let seq = 0;
	const acked = [];
	// the uploads' samples: a second apart, the newest last, in the past hour
	const t0 = Date.parse(nowIso()) - 3600000;

	/*
	 * A load on every program but cvapi-events: status, /user, /healthz and
	 * uploads (writers), each request's failure noted.
	 */
	function load() {
		const l = { stop: false, failures: [], n: 0 };
		const note = (r, what) => {
			l.n++;
			if (r.status !== 'fulfilled' || r.value.status !== 200)
				l.failures.push(`${what}: ${r.status === 'fulfilled' ? `${r.value.status} ${r.value.text.slice(0, 80)}` : r.reason}`);
		};
		const reader = async () => {
			while (!l.stop) {
				const rs = await Promise.allSettled([srv.get(`${B2C}/user/vehicles/${v().id}/status`, tok),
					srv.get(`${B2C}/user`, tok), srv.get('/healthz')]);
				rs.forEach((r, i) => note(r, ['status', 'user', 'healthz'][i]));
			}
		};
		const writer = async () => {
			while (!l.stop) {
				const id = `death-${++seq}`;
				const at = new Date(t0 + seq * 1000).toISOString();
				const [r] = await Promise.allSettled([srv.upload(v().vin, v().cred, { messageId: id, samples: [{ at,
					speed: 0, odometer: 1000 + seq, ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] })]);
				note(r, 'upload');
				if (r.status === 'fulfilled' && r.value.status === 200)
					acked.push(1000 + seq);
			}
		};
		l.done = Promise.all([reader(), reader(), writer(), writer()]);
		return l;
	}

	/* Every program's process has served a request (has the store open, between requests). */
	async function warm() {
		for (let i = 0; i < 6; i++) {
			const rs = await Promise.all([srv.get(`${B2C}/user/vehicles/${v().id}/alerts`, tok),
				srv.get(`${B2C}/user/vehicles/${v().id}/alerts`, tok), srv.get(`${B2C}/user`, tok), srv.get('/healthz')]);
			for (const r of rs)
				assert.equal(r.status, 200, r.text);
		}
	}

	/*
	 * Kill pid with SIGKILL where its mark says `want`: stopped (SIGSTOP)
	 * at a moment of its own, its mark read while it cannot change, and
	 * let go again (SIGCONT) until it says so.
	 */
	async function killWhere(pid, want, ms = 15000) {
		const t0 = Date.now();
		for (;;) {
			process.kill(pid, 'SIGSTOP');
			await until(() => procState(pid) === 'T', 2000, `${pid} stopped`);
			if (mark(srv.home, pid) === want) {
				process.kill(pid, 'SIGKILL');
				return Date.now();
			}
			process.kill(pid, 'SIGCONT');
			assert.ok(Date.now() - t0 < ms, `${pid} never seen ${want} the store within ${ms} ms`);
			await sleep(Math.random() * 20);
		}
	}

	/* What the opener after pid's death said of it (in logs(): the web server's log by default). */
	async function verdict(pid, logs = () => srv.ws.logs()) {
		const re = new RegExp(`process ${pid} died (outside the store|with the store open)`);
		await until(() => re.test(logs()), 10000, `the opener's word on ${pid}`);
		return logs().match(re)[1] === 'outside the store' ? 'outside' : 'inside';
	}

	it('set-up: every program has its processes on the store', async () => {
		tok = await srv.token('demo');
		const up = await srv.upload(v().vin, v().cred, { messageId: 'death-0', samples: [{ at: new Date(t0).toISOString(),
			speed: 0, odometer: 1000, ignition: 'Stop', position: { lat: 48.8, lon: 2.3 } }] });
		assert.equal(up.status, 200, up.text);
		acked.push(1000);
		await warm();
	});

	it('an idle FastCGI process killed under load: no recovery, no other process replaced, no request of the load failed', async () => {
		const before = fcgi();
		const victim = before.find((p) => p.cmd.endsWith('/cvapi-events.fcgi'));
		assert.ok(victim, `cvapi-events runs: ${before.map((p) => p.cmd).join(' ')}`);
		// nothing is sent to cvapi-events meanwhile: between requests, outside the store
		const l = load();
		try {
			await sleep(300);
			await killWhere(victim.pid, 'outside');
			// a request to the program makes the web server start its replacement at once
			await until(async () => {
				await srv.get(`${B2C}/user/vehicles/${v().id}/alerts`, tok).catch(() => null);
				return fcgi().filter((p) => p.cmd === victim.cmd && p.pid !== victim.pid).length ===
					before.filter((p) => p.cmd === victim.cmd).length;
			}, 15000, 'cvapi-events replaced');
			const r = await srv.get(`${B2C}/user/vehicles/${v().id}/alerts`, tok);
			assert.equal(r.status, 200, r.text);
			await sleep(300);
		} finally {
			l.stop = true;
			await l.done;
		}
		assert.equal(await verdict(victim.pid), 'outside');
		assert.doesNotMatch(srv.ws.logs(), /died with the store open: recovering/);
		const gone = before.filter((p) => p.pid !== victim.pid && !alive(p.pid));
		assert.deepEqual(gone.map((p) => `${p.pid} ${p.cmd}`), [], 'no other process was replaced');
		assert.deepEqual(l.failures, [], `the load's requests (${l.n})`);
		assert.ok(acked.length > 0, 'uploads were acknowledged meanwhile');
		console.log(`# ${l.n} requests of the load around the death, none failed`);
	});

	it('cvnotify killed while waiting for the network: no recovery, no FastCGI process replaced', { timeout: 60000 }, async () => {
		const before = fcgi();
		const nd = await startNotify(srv);
		const pid = nd.child.pid;
		await killWhere(pid, 'outside');
		await nd.exited;
		// its supervisor starts it again: the replacement opens the store
		const next = await startNotify(srv);
		const outcome = await verdict(pid, next.log);
		await next.stop();
		assert.equal(outcome, 'outside');
		const gone = before.filter((p) => !alive(p.pid));
		assert.deepEqual(gone.map((p) => `${p.pid} ${p.cmd}`), [], 'no FastCGI process was replaced');
		await warm();
	});

	it('a process killed inside the store: recovered, every program answering again, nothing acknowledged lost', { timeout: 60000 }, async () => {
		const l = load();
		let outcome, killed;
		try {
			await sleep(300);
			const victim = fcgi().find((p) => p.cmd.endsWith('/cvapi-ingest.fcgi'));
			assert.ok(victim, 'cvapi-ingest runs');
			killed = await killWhere(victim.pid, 'inside');
			outcome = await verdict(victim.pid);
		} finally {
			l.stop = true;
			await l.done;
		}
		assert.equal(outcome, 'inside');
		const probes = [() => srv.get(`${B2C}/user/vehicles/${v().id}/status`, tok), () => srv.get(`${B2C}/user`, tok),
			() => srv.get('/healthz'), () => srv.get(`${B2C}/user/vehicles/${v().id}/alerts`, tok),
			() => srv.get(`${B2C}/user/vehicles/${v().id}/telemetry?pageSize=1`, tok)];
		const pending = new Set(probes.keys());
		await until(async () => {
			for (const i of [...pending]) {
				const r = await probes[i]().catch(() => ({ status: 0 }));
				if (r.status === 200)
					pending.delete(i);
			}
			return pending.size === 0;
		}, 5000, `every program answering after the recovery (${[...pending].join(', ')})`);
		console.log(`# every program answers ${Date.now() - killed} ms after the death inside`);
		// each upload one sample at a time of its own: the acknowledged are all there (and maybe
		// one the killed process committed without answering)
		const tel = await srv.get(`${B2C}/user/vehicles/${v().id}/telemetry?pageSize=1`, tok);
		assert.equal(tel.status, 200, tel.text);
		assert.ok(tel.body.total >= acked.length, `every acknowledged sample is there (${tel.body.total} of ${acked.length})`);
	});
});

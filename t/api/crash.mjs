// Crashes: FastCGI programs killed with SIGKILL in the middle of a load of
// uploads and reads. What was acknowledged is never lost; requests in flight
// may fail; within 5 seconds every program answers again; no process is
// left hung.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSuite, B2C, descendantsOf } from '../lib/server.mjs';

const BATCH = 25;               // samples per upload
const T0 = Date.parse('2024-03-01T00:00:00Z');

const programs = (srv, name) => descendantsOf(srv.ws.process.pid).filter((p) => p.cmd.endsWith(`/${name}.fcgi`));

/* The running processes of a program, once there is one (a supervisor may be
 * waiting out a restart delay after the recovery ended its processes). */
async function processesOf(srv, name) {
	const t0 = Date.now();
	let found = programs(srv, name);
	while (!found.length && Date.now() - t0 < 10000) {
		await sleep(20);
		found = programs(srv, name);
	}
	return found;
}

/* A fetch that never hangs the test: a network error or timeout becomes status 0. */
async function attempt(fn) {
	try {
		return await fn();
	} catch {
		return { status: 0 };
	}
}

apiSuite('crash', (srv, it) => {
	let tok;
	const acked = new Map();     // vin -> samples acknowledged
	let stop = false;
	let failedInFlight = 0;
	// however the test ends, the load stops by then (no loop outlives it)
	const deadline = Date.now() + 100000;
	const running = () => !stop && Date.now() < deadline;

	/* One vehicle uploading batches; a failed batch is sent again, as a vehicle would. */
	async function uploader(v) {
		let seq = 0;
		acked.set(v.vin, 0);
		while (running()) {
			const samples = [];
			for (let j = 0; j < BATCH; j++) {
				const at = T0 + (seq * BATCH + j) * 10000;
				samples.push({ at: new Date(at).toISOString(), speed: j, odometer: 100 + seq, ignition: 'Start',
					position: { lat: 48.8 + j / 1000, lon: 2.3 + seq / 1000 } });
			}
			const body = { messageId: `${v.vin}-${seq}`, samples };
			while (running()) {
				const r = await attempt(() => srv.upload(v.vin, v.cred, body));
				if (r.status === 200) {
					acked.set(v.vin, acked.get(v.vin) + BATCH);
					break;
				}
				assert.ok(r.status === 0 || r.status >= 500, `an upload got ${r.status}: ${r.text}`);
				failedInFlight++;
				await sleep(20);
			}
			seq++;
		}
	}

	/* Readers of status and telemetry; failures while a program restarts are allowed. */
	async function reader(v) {
		while (running()) {
			const r = await attempt(() => srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok));
			if (r.status !== 200 && r.status !== 404) {
				assert.ok(r.status === 0 || r.status >= 500, `a status read got ${r.status}: ${r.text}`);
				failedInFlight++;
				await sleep(20);
			}
			const t = await attempt(() => srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=5`, tok));
			if (t.status !== 200 && t.status !== 0 && t.status < 500)
				assert.fail(`a telemetry read got ${t.status}: ${t.text}`);
		}
	}

	/* Every program answers a real request: ms it took, or a failure after 5 s. */
	async function allAnswer(since) {
		const v = srv.vehicles[0];
		const probes = {
			ingest: () => srv.get('/healthz'),
			user: () => srv.get(`${B2C}/user`, tok),
			vehicle: () => srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok),
			telemetry: () => srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok),
			oauth2: () => srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' }),
		};
		const pending = new Set(Object.keys(probes));
		while (pending.size && Date.now() - since < 5000) {
			for (const name of [...pending]) {
				const r = await attempt(() => Promise.race([probes[name](), sleep(1000).then(() => ({ status: 0 }))]));
				if (r.status === 200)
					pending.delete(name);
			}
			if (pending.size)
				await sleep(50);
		}
		if (pending.size) {
			// what the store said meanwhile (recovery, probe, panics)
			const store = srv.ws.logs().split('\n').filter((l) => /store|recover|probe|watchdog/.test(l) && !/BDB1582/.test(l)).slice(-30);
			assert.fail(`still not answering 5 s after the kill: ${[...pending].join(', ')}\n${store.join('\n')}`);
		}
		return Date.now() - since;
	}

	it('a writer and a reader killed with SIGKILL under load: nothing acknowledged lost', { timeout: 120000 }, async () => {
		tok = await srv.token('demo');
		const load = Promise.all([...srv.vehicles.map(uploader), ...srv.vehicles.map(reader)]);
		load.catch(() => { stop = true; });
		try {
			await underLoad(load);
		} finally {
			stop = true;
			await load.catch(() => {});
		}
	});

	/* The kills and the checks, while the load runs. */
	async function underLoad(load) {
		// let the load build up: every vehicle has some acknowledged batches
		const t0 = Date.now();
		while ([...acked.values()].some((n) => n < 2 * BATCH) && Date.now() - t0 < 20000)
			await sleep(20);

		// kill writers (the ingest programs) in the middle of their transactions
		for (let round = 0; round < 3; round++) {
			const victims = await processesOf(srv, 'cvapi-ingest');
			assert.ok(victims.length > 0, 'cvapi-ingest is running');
			const killedAt = Date.now();
			process.kill(victims[0].pid, 'SIGKILL');
			await allAnswer(killedAt);
			await sleep(200);
		}
		// kill a reader
		const readers = await processesOf(srv, 'cvapi-vehicle');
		assert.ok(readers.length > 0, 'cvapi-vehicle is running');
		const killedAt = Date.now();
		process.kill(readers[0].pid, 'SIGKILL');
		await allAnswer(killedAt);

		// more load after the crashes, then stop
		const before = [...acked.values()].reduce((a, b) => a + b, 0);
		while ([...acked.values()].reduce((a, b) => a + b, 0) < before + 3 * BATCH && running())
			await sleep(20);
		assert.ok(running(), 'uploads go on after the crashes');
		stop = true;
		await load;

		// nothing acknowledged is lost, nothing is stored twice
		for (const v of srv.vehicles) {
			// a reader killed inside the library is found by the next failchk,
			// a second later: the recovery it costs may fall on this read
			let r;
			for (const t1 = Date.now(); ; await sleep(50)) {
				r = await srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok);
				if (r.status < 500 || Date.now() - t1 > 5000)
					break;
			}
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.total, acked.get(v.vin), `${v.vin}: telemetry holds every acknowledged sample once`);
		}
		console.log(`# ${[...acked.values()].reduce((a, b) => a + b, 0)} samples acknowledged, ${failedInFlight} requests failed in flight`);
	}

	it('no process is left hung: every program answers a burst of parallel requests', { timeout: 60000 }, async () => {
		const v = srv.vehicles[0];
		const burst = async () => {
			const reqs = [];
			for (let i = 0; i < 16; i++) {
				reqs.push(srv.get('/healthz'));
				reqs.push(srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok));
				reqs.push(srv.get(`${B2C}/user/vehicles/${v.id}/telemetry?pageSize=1`, tok));
				reqs.push(srv.get(`${B2C}/user`, tok));
			}
			const res = await Promise.race([Promise.all(reqs.map((p) => p.catch((e) => ({ status: 0, text: String(e) })))),
				sleep(15000).then(() => null)]);
			assert.ok(res, 'every request of the burst was answered within 15 s');
			return res;
		};
		// A process of a program that has not served a request since the crashes
		// learns of them now: it answers 503 (the store is recovering) once and is
		// replaced, and the replacement's recovery ends the others still on the old
		// environment, whose requests in flight may fail. Within 5 s of the first
		// burst, a whole burst is answered 200.
		const t0 = Date.now();
		let res = await burst();
		while (res.some((r) => r.status !== 200) && Date.now() - t0 < 5000) {
			for (const r of res)
				assert.ok(r.status === 200 || r.status >= 500 || r.status === 0, `${r.status} ${r.text}`);
			await sleep(100);
			res = await burst();
		}
		for (const r of res)
			assert.equal(r.status, 200, r.text);
		for (const p of descendantsOf(srv.ws.process.pid))
			assert.notEqual(p.state, 'D', `process ${p.pid} (${p.cmd}) is stuck in uninterruptible sleep`);
	});

	it('the store opens cleanly after the crashes (cvctl recover)', async () => {
		const out = await srv.cvctl(['recover']);
		assert.equal(out, '');
	});
});

// notify.mjs - the delivery side in API tests: a real local webhook
// receiver, and the real cvnotify on a test's store.
//
//   const rx = await receiver();            // http://127.0.0.1:PORT/hook
//   rx.respond = 500;                       // or 'hang', or 200 (the default)
//   await rx.waitFor(3);                    // resolves once 3 requests arrived
//   rx.got                                  // [{ url, headers, text, body, at }]
//   const nd = await startNotify(srv);      // cvnotify on srv's store
//   await nd.kill('SIGKILL'); await nd.stop();
//
// verifySignature() checks a request the Standard Webhooks way with the
// callback's whsec_ secret.
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { BUILDDIR } from './server.mjs';

/* A webhook receiver on an ephemeral port that records every request. */
export function receiver() {
	const rx = {
		got: [],
		respond: 200,                // a status, or 'hang' (never answers)
		waiters: [],
		hanging: [],
	};
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body;
			try { body = JSON.parse(text); } catch { body = undefined; }
			const mode = rx.respond;
			if (mode === 'hang') {
				rx.hanging.push(res);
			} else {
				rx.got.push({ url: req.url, headers: req.headers, text, body, at: Date.now(), status: mode });
				res.writeHead(mode, { 'content-type': 'application/json' });
				res.end(mode >= 200 && mode < 300 ? '' : '{"code":500,"message":"receiver told to fail"}');
			}
			rx.waiters = rx.waiters.filter((w) => !w());
		});
	});
	/* Resolves when pred(rx) holds (checked on every request), or rejects after ms. */
	rx.until = (pred, ms = 20000, what = 'the receiver\'s condition') => new Promise((res, rej) => {
		if (pred(rx))
			return res(rx.got);
		const timer = setTimeout(() => rej(new Error(`${what}: not met within ${ms} ms; got ${rx.got.length} request(s)`)), ms);
		rx.waiters.push(() => {
			if (!pred(rx))
				return false;
			clearTimeout(timer);
			res(rx.got);
			return true;
		});
	});
	/* n requests answered with 2xx so far. */
	rx.delivered = () => rx.got.filter((g) => g.status >= 200 && g.status < 300);
	rx.waitFor = (n, ms) => rx.until((r) => r.delivered().length >= n, ms, `${n} delivered request(s)`);
	rx.close = () => new Promise((res) => {
		for (const h of rx.hanging)
			h.destroy();
		server.closeAllConnections?.();
		server.close(() => res());
	});
	return new Promise((res) => {
		server.listen(0, '127.0.0.1', () => {
			// a receiver a failed test left open never keeps the test process alive
			server.unref();
			rx.port = server.address().port;
			rx.url = `http://127.0.0.1:${rx.port}/hook`;
			res(rx);
		});
	});
}

/* The Standard Webhooks check: true if the request carries a valid v1 signature of secret (whsec_...). */
export function verifySignature(secret, headers, text) {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	const id = headers['webhook-id'], ts = headers['webhook-timestamp'], sigs = headers['webhook-signature'];
	if (!id || !ts || !sigs)
		return false;
	const want = createHmac('sha256', key).update(`${id}.${ts}.${text}`).digest();
	return sigs.split(' ').some((s) => {
		const [v, b64] = s.split(',');
		const got = Buffer.from(b64 || '', 'base64');
		return v === 'v1' && got.length === want.length && timingSafeEqual(got, want);
	});
}

/*
 * cvnotify on srv's store, as the store's user, loopback allowed (the
 * receiver is local), its watchdog at 5 s. Its stderr is kept: nd.log(). Killed with the test
 * process if it is still running.
 */
export function startNotify(srv, { args = [], env = {}, ready = /delivering the outbox/ } = {}) {
	const bin = join(BUILDDIR, 'notify', 'cvnotify');
	const o = {
		env: { ...srv.env, CVAPI_HOME: srv.home, CVAPI_NOTIFY_ALLOW: 'loopback', CVAPI_NOTIFY_WATCHDOG: '5', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	};
	if (srv.user) {
		o.uid = srv.user.uid;
		o.gid = srv.user.gid;
	}
	const child = spawn(bin, args, o);
	let log = '';
	const lineWaiters = [];
	const onData = (d) => {
		log += d;
		for (let i = lineWaiters.length - 1; i >= 0; i--)
			if (lineWaiters[i]())
				lineWaiters.splice(i, 1);
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
	// a cvnotify left running (a test that failed half-way) never keeps the test process alive:
	// the exit handler below kills it
	child.unref();
	child.stdout.unref?.();
	child.stderr.unref?.();
	const killer = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
	process.on('exit', killer);
	const nd = {
		child,
		log: () => log,
		exited,
		/* Resolves when the log matches re, or rejects after ms. */
		waitLog: (re, ms = 20000) => new Promise((res, rej) => {
			if (re.test(log))
				return res(log);
			const timer = setTimeout(() => rej(new Error(`cvnotify log: ${re} not seen within ${ms} ms:\n${log}`)), ms);
			lineWaiters.push(() => {
				if (!re.test(log))
					return false;
				clearTimeout(timer);
				res(log);
				return true;
			});
		}),
		async kill(sig = 'SIGKILL') {
			try { process.kill(child.pid, sig); } catch { /* gone */ }
			return exited;
		},
		async stop() {
			if (child.exitCode === null && child.signalCode === null)
				child.kill('SIGTERM');
			// a cvnotify that does not stop within 10 s is killed: a test never waits on it for ever
			const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10000);
			const end = await exited;
			clearTimeout(timer);
			process.removeListener('exit', killer);
			return end;
		},
	};
	return nd.waitLog(ready).then(() => nd);
}

/*
 * cvnotify kept running as its supervisor would keep it: started again
 * whenever it exits (its watchdog, a recovery that ended it) until
 * sup.stop(). sup.nd is the current one.
 */
export async function superviseNotify(srv, opts = {}) {
	const sup = { nd: await startNotify(srv, opts), stopping: false, restarts: 0 };
	const watch = () => sup.nd.exited.then(async () => {
		if (sup.stopping)
			return;
		sup.restarts++;
		sup.nd = await startNotify(srv, opts);
		watch();
	});
	watch();
	sup.stop = async () => {
		sup.stopping = true;
		return sup.nd.stop();
	};
	return sup;
}

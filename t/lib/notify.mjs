// notify.mjs - the delivery side in API tests: a real local webhook
// receiver, and the real cvnotify on a test's store.
//
//   const rx = await receiver();            // three targets, one per webhook template:
//                                           //   rx.url             the user face's  (Message)
//                                           //   rx.fleetMonitorUrl the fleet face's monitors (MonitorEvents)
//                                           //   rx.fleetRemoteUrl  the fleet face's remote actions (RemoteEvents)
//   rx.respond = 500;                       // or 'hang', or 200 (the default)
//   await rx.waitFor(3);                    // resolves once 3 requests arrived
//   rx.got                                  // [{ url, headers, text, body, at, status, problems }]
//   rx.held                                 // the requests left unanswered ('hang'): [{ url, headers, text, body, at, closed }]
//   const nd = await startNotify(srv);      // cvnotify on srv's store
//   await nd.kill('SIGKILL'); await nd.stop();
//
// Every body received is checked against the template of the target it
// came to (webhookProblems): rx.until() and rx.waitFor() reject as soon as
// one does not follow it, and rx.close() throws if one arrived since; a
// request to any other path is a problem too.
//
// verifySignature() checks a request the Standard Webhooks way with the
// callback's whsec_ secret.
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { BUILDDIR } from './server.mjs';
import { schemaProblems } from './schema.mjs';

/* The receiver's paths: the template (document and schema) each one's bodies follow. */
const TARGETS = {
	'/hook': { doc: 'webhook-b2c', schema: 'Message' },
	'/fleet/monitors': { doc: 'webhook-b2b', schema: 'MonitorEvents' },
	'/fleet/remote': { doc: 'webhook-b2b', schema: 'RemoteEvents' },
};

/*
 * Known defects of the templates (spec/README, doc/api.md), each for the
 * problems it explains: `re` on the problem, `value` on the member it names.
 */
const TEMPLATE_DEFECTS = [
	// the extensions' type enum leaves out vehicle.telemetry.<TelemetryEnum>, which the
	// monitor's extendedEventParam takes and each template's table describes
	{ re: /\/extensions\/\d+\/type must be equal to one of/, value: /^vehicle\.telemetry\.[A-Za-z.]+$/ },
];

/* The value at an Ajv instance path (/a/0/b) of body. */
function memberAt(body, path) {
	let v = body;
	for (const part of path.split('/').slice(1))
		v = v?.[part];
	return v;
}

/* Problems of a request (path without query, parsed body) against the template of its target; [] when fine. */
export async function webhookProblems(path, body) {
	const t = TARGETS[path];
	if (!t)
		return [`${path}: not a target of the receiver (${Object.keys(TARGETS).join(', ')})`];
	if (!body || typeof body !== 'object')
		return ['the body is not a JSON object'];
	const problems = await schemaProblems(body, t.schema, { doc: t.doc });
	return problems.filter((p) => !TEMPLATE_DEFECTS.some((d) => d.re.test(p) && d.value.test(String(memberAt(body, p.split(' ')[0])))))
		.map((p) => `${t.doc} ${t.schema}: ${p}`);
}

/* A webhook receiver on an ephemeral port that records every request, checking its body. */
export function receiver() {
	const rx = {
		got: [],
		respond: 200,                // a status, or 'hang' (never answers)
		waiters: [],
		hanging: [],
		held: [],                    // the requests 'hang' left unanswered; closed: the sender gave up
		invalid: [],                 // the requests whose body does not follow its template
	};
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', async () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body;
			try { body = JSON.parse(text); } catch { body = undefined; }
			let problems;
			try {
				problems = await webhookProblems(req.url.split('?')[0], body);
			} catch (e) {
				problems = [`the check failed: ${e.message}`];
			}
			const mode = rx.respond;
			if (problems.length)
				rx.invalid.push({ url: req.url, problems, text });
			if (mode === 'hang') {
				const h = { url: req.url, headers: req.headers, text, body, at: Date.now(), closed: false };
				rx.hanging.push(res);
				rx.held.push(h);
				res.on('close', () => {
					h.closed = true;
					rx.waiters = rx.waiters.filter((w) => !w());
				});
			} else {
				rx.got.push({ url: req.url, headers: req.headers, text, body, at: Date.now(), status: mode, problems });
				res.writeHead(mode, { 'content-type': 'application/json' });
				res.end(mode >= 200 && mode < 300 ? '' : '{"code":500,"message":"receiver told to fail"}');
			}
			rx.waiters = rx.waiters.filter((w) => !w());
		});
	});
	/* The received bodies that do not follow their template, as an Error (null: none). */
	const invalidError = () => (rx.invalid.length ? new Error(`notifications that do not follow their webhook template:\n${
		rx.invalid.map((i) => `  ${i.url}: ${i.problems.join('; ')}\n    body: ${i.text.slice(0, 1500)}`).join('\n')}`) : null);
	rx.assertValid = () => {
		const e = invalidError();
		if (e)
			throw e;
	};
	/* Resolves when pred(rx) holds (checked on every request), or rejects after ms or at the first body that does not follow its template. */
	rx.until = (pred, ms = 20000, what = 'the receiver\'s condition') => new Promise((res, rej) => {
		if (invalidError())
			return rej(invalidError());
		if (pred(rx))
			return res(rx.got);
		const timer = setTimeout(() => rej(new Error(`${what}: not met within ${ms} ms; got ${rx.got.length} request(s)`)), ms);
		rx.waiters.push(() => {
			const e = invalidError();
			if (!e && !pred(rx))
				return false;
			clearTimeout(timer);
			if (e)
				rej(e);
			else
				res(rx.got);
			return true;
		});
	});
	/* n requests answered with 2xx so far. */
	rx.delivered = () => rx.got.filter((g) => g.status >= 200 && g.status < 300);
	rx.waitFor = (n, ms) => rx.until((r) => r.delivered().length >= n, ms, `${n} delivered request(s)`);
	/* Stop it; throws if a body that does not follow its template arrived. */
	rx.close = () => new Promise((res) => {
		for (const h of rx.hanging)
			h.destroy();
		server.closeAllConnections?.();
		server.close(() => res());
	}).then(() => rx.assertValid());
	return new Promise((res) => {
		server.listen(0, '127.0.0.1', () => {
			// a receiver a failed test left open never keeps the test process alive
			server.unref();
			rx.port = server.address().port;
			const base = `http://127.0.0.1:${rx.port}`;
			rx.url = `${base}/hook`;
			rx.fleetMonitorUrl = `${base}/fleet/monitors`;
			rx.fleetRemoteUrl = `${base}/fleet/remote`;
			res(rx);
		});
	}).then(async (r) => {
		// the documents are read once here, so that checking a body never reorders what arrives
		await webhookProblems('/hook', {});
		return r;
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

// Fair delivery, and batches that keep their id. cvnotify's slots are
// shared by every owner: one owner's receivers that never answer hold at
// most its cap (CVAPI_NOTIFY_OWNER_FLIGHTS), and another owner's
// notification goes at once; freed slots go round an owner's callbacks,
// not in key order; a receiver slower than the timeout is told so in the
// delivery log; a fleet batch sent once is sent again, after a kill -9 of
// cvnotify before its result was recorded, with the same events under the
// same webhook-id; a callback whose results cannot be recorded (cvnotify's
// writes fail: a file size limit set on it, as a full disk would) is held
// rather than sent the same request again and again. Only cvnotify is
// under test here (the web server makes the callbacks and takes the
// uploads): the suite runs behind lighttpd.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { apiSuite, B2C, WEBSERVER } from '../lib/server.mjs';
import { receiver, startNotify } from '../lib/notify.mjs';
import { now } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
const HOME = { latitude: 48.8566, longitude: 2.3522 };
// the car's history: a month before the programs' today, at 08:00 UTC
const T0 = (Math.floor(now() / 86400000) - 35) * 86400000 + 8 * 3600000;
const T = (sec) => new Date(T0 + sec * 1000).toISOString();
const IN = HOME.latitude, OUT = HOME.latitude + 0.02;
const zoneOut = { triggers: [{ name: 'home', zone: { transition: 'Out', place: { radius: 1, center: HOME } } }] };
const HOLES = 20, CAP = 4;
const prlimit = (() => {
	try {
		execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();

apiSuite('fair', { skip: WEBSERVER !== 'lighttpd' && 'only cvnotify is under test: the suite runs behind lighttpd' }, (srv, it) => {
	let tok, car, rx, hole, nd, clock = 0;
	const holes = [];
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	const req = (method, path, body) => srv.request(method, path, { token: tok, body });
	/* One exit from the zone (every Out monitor of the car fires once), at sample times of its own. */
	const exit = async () => {
		clock += 20;
		const r = await srv.upload(car.vin, car.cred, { messageId: `fair-${clock}`, samples: [
			{ at: T(clock), position: { lat: IN, lon: HOME.longitude } }, { at: T(clock + 10), position: { lat: OUT, lon: HOME.longitude } }] });
		assert.equal(r.status, 200, r.text);
		return T(clock + 10).replace('.000Z', 'Z');
	};
	/* A fleet monitor of the car whose webhook is target. */
	const fleetMonitor = async (target, subscribeParam = {}) => {
		const r = await freq('POST', `${B2B}/fleets/${FLEET}/monitors`, { label: 'fair', triggerParam: zoneOut,
			subscribeParam: { callback: { webhook: { name: 'rx', target } }, ...subscribeParam } });
		assert.equal(r.status, 202, r.text);
		return r.body.monitorId;
	};
	/* Stop cvnotify: a clean exit, and no sanitizer's report on its stderr. */
	const stopNotify = async () => {
		const end = await nd.stop();
		assert.doesNotMatch(nd.log(), /Sanitizer|runtime error/, nd.log());
		return end;
	};
	/* Until the API answers again (a cvnotify started after a kill -9 recovers the store, which ends the programs). */
	const apiBack = async () => {
		for (let i = 0; (await srv.get(`${B2C}/user/callbacks`, tok)).status !== 200; i++) {
			assert.ok(i < 300, 'the programs answer again');
			await new Promise((res) => setTimeout(res, 50));
		}
	};

	it('set-up: a receiver that answers, one that never does, the car at home', async () => {
		tok = await srv.token('demo');
		car = srv.vehicles[0];
		rx = await receiver();
		hole = await receiver();
		hole.respond = 'hang';
		clock = 0;
		const r = await srv.upload(car.vin, car.cred, { messageId: 'fair-0', samples: [{ at: T(0), position: { lat: IN, lon: HOME.longitude } }] });
		assert.equal(r.status, 200, r.text);
	});

	it(`${HOLES} silent receivers of a fleet hold ${CAP} slots of 8; a user's notification goes at once`, async () => {
		// the fleet's keys (f:...) sort before the user's (u:...): walked in key order, the fleet's would take every slot
		for (let i = 0; i < HOLES; i++)
			holes.push(await fleetMonitor(hole.fleetMonitorUrl, { retryPolicy: { policy: 'Bounded', retryNumber: 100, retryDelay: 1 } }));
		const c = await req('POST', `${B2C}/user/callbacks`, { label: 'fair', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } });
		assert.equal(c.status, 200, c.text);
		const m = await req('POST', `${B2C}/user/vehicles/${car.id}/callbacks/${c.body.callbackId}/monitors`, { label: 'fair', triggerParam: zoneOut });
		assert.equal(m.status, 202, m.text);
		// a timeout far longer than the test: a slot held by a silent receiver stays held
		nd = await startNotify(srv, { args: ['--flights', '8', '--timeout', '120'], env: { CVAPI_NOTIFY_OWNER_FLIGHTS: String(CAP) } });
		const date = await exit();
		await hole.until(() => hole.held.length >= CAP, 20000, `${CAP} silent requests`);
		await rx.until(() => rx.delivered().length >= 1, 20000, 'the user\'s notification, while the fleet\'s hang');
		assert.equal(rx.delivered()[0].body.date, date);
		assert.equal(hole.held.length, CAP, `the fleet holds its ${CAP} slots, no more, though ${HOLES} of its callbacks wait`);
		assert.equal(new Set(hole.held.map((h) => h.body.monitorId)).size, CAP, 'one request per callback');
		assert.ok(hole.held.every((h) => !h.closed), 'none has timed out');
		assert.match(nd.log(), /8 in flight at most, 4 per owner/);
	});

	it('freed slots go round the owner\'s callbacks: each silent one is tried once before any is tried again', async () => {
		await stopNotify();
		const before = hole.held.length;
		nd = await startNotify(srv, { args: ['--flights', '8', '--timeout', '1'], env: { CVAPI_NOTIFY_OWNER_FLIGHTS: String(CAP) } });
		await hole.until(() => hole.held.length >= before + HOLES, 60000, `${HOLES} more requests`);
		const round = hole.held.slice(before, before + HOLES).map((h) => h.body.monitorId);
		assert.equal(new Set(round).size, HOLES, `the first ${HOLES} requests went to ${HOLES} callbacks: ${round.join(' ')}`);
	});

	it('a receiver slower than the timeout is told so in the delivery log', async () => {
		const slow = await fleetMonitor(hole.fleetMonitorUrl, { retryPolicy: { policy: 'None' } });
		await exit();
		const LOG = `${B2B}/fleets/${FLEET}/monitors/${slow}/deliveries`;
		for (let i = 0; ; i++) {
			const r = await freq('GET', LOG);
			assert.equal(r.status, 200, r.text);
			const d = r.body._embedded?.deliveries?.[0];
			if (d) {
				assert.equal(d.outcome, 'Failed', JSON.stringify(d));
				assert.equal(d.error, 'no answer within the 1 s timeout: a receiver must answer within it (a 2xx at once, the work after)');
				assert.equal(d.status, undefined, 'no status: no answer');
				break;
			}
			assert.ok(i < 600, 'the attempt is logged');
			await new Promise((res) => setTimeout(res, 50));
		}
		assert.match(nd.log(), new RegExp(`f:${FLEET}/${slow} .*no answer within the 1 s timeout`));
		for (const id of [...holes, slow])
			assert.equal((await freq('DELETE', `${B2B}/fleets/${FLEET}/monitors/${id}`)).status, 204);
	});

	it('kill -9 of cvnotify while a receiver holds a fleet batch: the next cvnotify sends the same events under the same webhook-id', async () => {
		await stopNotify();
		nd = await startNotify(srv);
		const batched = await fleetMonitor(hole.fleetMonitorUrl, { batchNotify: { size: 5, timeWindow: 5 } });
		const mine = (list) => list.filter((g) => g.body?.monitorId === batched);
		const first = [await exit(), await exit()];
		// two events: the window runs out short of 5, and the batch of two goes
		await hole.until(() => mine(hole.held).length >= 1, 30000, 'the batch');
		const taken = mine(hole.held)[0];
		assert.deepEqual(taken.body.events.map((e) => e.eventDate), first);
		// two more wait behind it: a batch gathered again would take them too
		const later = [await exit(), await exit()];
		await nd.kill('SIGKILL');
		hole.respond = 200;
		nd = await startNotify(srv);
		await apiBack();
		await hole.until(() => mine(hole.delivered()).length >= 1, 30000, 'the batch delivered');
		const again = mine(hole.delivered())[0];
		assert.equal(again.headers['webhook-id'], taken.headers['webhook-id'], 'the batch keeps its webhook-id');
		assert.deepEqual(again.body.events, taken.body.events, 'and its events');
		await hole.until(() => mine(hole.delivered()).length >= 2, 30000, 'the later events delivered');
		const next = mine(hole.delivered())[1];
		assert.deepEqual(next.body.events.map((e) => e.eventDate), later, 'the later events in a batch of their own');
		assert.notEqual(next.headers['webhook-id'], taken.headers['webhook-id']);
		assert.equal((await freq('DELETE', `${B2B}/fleets/${FLEET}/monitors/${batched}`)).status, 204);
	});

	it('results that cannot be recorded: the callback is held, said once; once writes work again, delivered and recorded', {
		skip: !prlimit && 'prlimit (util-linux) is needed',
	}, async () => {
		const c = await req('POST', `${B2C}/user/callbacks`, { label: 'held', type: ['Monitor'], callback: { webhook: { name: 'rx', target: `${rx.url}?held=1` } } });
		assert.equal(c.status, 200, c.text);
		const cb = c.body.callbackId;
		const m = await req('POST', `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/monitors`, { label: 'held', triggerParam: zoneOut });
		assert.equal(m.status, 202, m.text);
		const mine = () => rx.got.filter((g) => g.url.includes('held=1'));
		// every write of cvnotify's now fails (EFBIG), as on a full disk
		execFileSync('prlimit', ['--fsize=1:unlimited', '--pid', String(nd.child.pid)]);
		const date = await exit();
		await rx.until(() => mine().length >= 2, 20000, 'the request sent again once held');
		const said = new RegExp(`u:demo/${cb}: the result of its delivery cannot be recorded .*: nothing is sent to it for 1 s`, 'g');
		assert.equal(nd.log().match(said).length, 1, `said once: ${nd.log()}`);
		assert.ok(mine().every((g) => g.body.date === date && g.headers['webhook-id'] === mine()[0].headers['webhook-id']));
		execFileSync('prlimit', ['--fsize=unlimited:unlimited', '--pid', String(nd.child.pid)]);
		await nd.waitLog(new RegExp(`u:demo/${cb}: its results are recorded again`));
		const log = await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, tok);
		assert.equal(log.status, 200, log.text);
		assert.deepEqual(log.body._embedded.deliveries.map((d) => [d.outcome, d.attempt]), [['Delivered', 1]],
			'what could not be recorded left nothing; the delivery is recorded');
		assert.equal((await req('DELETE', `${B2C}/user/callbacks/${cb}`)).status, 204);
	});

	it('set-down', async () => {
		const end = await stopNotify();
		assert.equal(end.code, 0, nd.log());
		await rx.close();
		await hole.close();
	});
});

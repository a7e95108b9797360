// quota-driver.mjs - the client side of bench/quota-cost.sh: one command
// per invocation, the state between them in WORK/quota-state.json.
//
//   node quota-driver.mjs BASE WORK COMMAND [ARGS]
//
// BASE: http://127.0.0.1:PORT. WORK/cars.txt: "TAG VIN ID CREDENTIAL" a
// line (quota-cost.sh makes them with cvctl); WORK/tokens.txt: "LOGIN
// TOKEN" a line. Users log in with their login as password; fleet
// managers on the fleet face likewise. REFUSED (env): a URL where nothing
// listens; SINK (env): a receiver answering 204 at once.
//
// Commands (each prints lines of "key=value" for the script):
//   a-setup             (a): on car aq, 32 quiet monitors of its user
//                       (one callback) and 32 of fleet fq; on af, 32
//                       monitors of its user firing at every other sample
//                       (zones In and Out in turn, crossed at every
//                       sample; one callback each) and 32 of fleet ff; on ax the same
//                       as af with extendedEventParam (vehicle.status,
//                       vehicle.position, vehicle.telemetry), fleet fx;
//                       on ay with every name each face takes, fleet fy.
//                       Every car gets a first sample.
//   a-upload TAG REPS   REPS uploads of 1,000 samples to car TAG, one after
//                       the other: "upload tag=TAG ms=..." each
//   a-cleanup           DELETE the callbacks and fleet monitors of (a):
//                       "delete what=... ms=..." each
//   c-fill              a callback (to REFUSED) with 20 monitors on car
//                       cc firing at every other sample; one upload of
//                       1,000 samples (10,000 firings): "fill ms=... cb=..."; and what
//                       /user/limits says of queuedNotifications
//   c-delete            a callback with an empty queue and 20 monitors (on
//                       car ce)
//                       deleted, then the full one: "delete what=empty
//                       ms=...", "delete what=full ms=..."
//   d-run REPS          (d), with cvnotify running: a fleet monitor of
//                       fleet fr (batchNotify 1,000, 5 s), its webhook
//                       SINK; 2,000 samples of car dr fire it 1,000 times;
//                       once its log has the batch Delivered, REPS
//                       redeliveries of that entry, each waited for:
//                       "redeliver ms=... queued=..."
//   b-owners FROM TO KIND   owners tFROM..tTO: a sample of each of its cars
//                       tNc1..c4 (the timer skips a car without data), a
//                       callback to SINK and 100 timed monitors, 25 a car;
//                       KIND closed (a window of 1 s a day: evaluated at
//                       every turn, never true) or open (all day, with
//                       refreshEvent 60: true at once, again every 60 s)
//   b-drop FROM TO      DELETE those owners' callbacks (their monitors go too)
//   b-bypass LOGIN N    N monitors of LOGIN with a refreshEvent (60) and no
//                       time trigger, 32 on each of its cars bN...; how
//                       many were accepted, and /user/limits' timedMonitors
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { client, pool, batch, quiet, everyOther, allDay, rareWindow, zone, sleep, OUT, HOME } from './tenants.mjs';

const [base, work, cmd, ...args] = process.argv.slice(2);
const api = client(base);
const cars = Object.fromEntries(readFileSync(`${work}/cars.txt`, 'utf8').trim().split('\n').map((l) => l.split(/\s+/))
	.map(([tag, vin, id, cred]) => [tag, { tag, vin, id, cred }]));
const tokens = Object.fromEntries(readFileSync(`${work}/tokens.txt`, 'utf8').trim().split('\n').map((l) => l.split(/\s+/)));
const STATE = `${work}/quota-state.json`;
const state = existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : { clock: {}, cbs: [], fmons: [] };
const save = () => writeFileSync(STATE, JSON.stringify(state));
const REFUSED = process.env.REFUSED, SINK = process.env.SINK;
const user = (login) => api.user(tokens[login]);
const fleetOf = (fid) => api.fleet(`m-${fid}`, `m-${fid}`);
const EXT = ['vehicle.status', 'vehicle.position', 'vehicle.telemetry'];
/* every name each face takes (cgi/monitors.c) */
const ALL_B2C = ['vehicle.doorsState', 'vehicle.status', 'vehicle.maintenance', 'vehicle.position', 'vehicle.telemetry',
	'vehicle.alerts', 'vehicle.alarm', 'vehicle.trip'];
const ALL_B2B = ['vehicle.doorsState', 'vehicle.status', 'vehicle.maintenance', 'vehicle.position', 'vehicle.telemetry',
	'vehicle.alerts', 'vehicle.collisions', 'vehicle.trip', 'vehicle.stolen'];

/* The next n seconds of car tag's clock (samples a second apart, forward, from 3 days ago). */
function seconds(tag, n) {
	const from = state.clock[tag] ?? Math.floor(Date.now() / 1000) - 3 * 86400;
	state.clock[tag] = from + n;
	return from;
}
let msgs = 0;
const upload = (tag, n, opts = { alternate: true }) => api.upload(cars[tag].vin, cars[tag].cred, batch(`q-${tag}-${Date.now()}-${++msgs}`, seconds(tag, n), n, opts));

async function callback(login, name, target) {
	const cb = (await user(login)('POST', '/user/callbacks', { type: ['Monitor'], callback: { webhook: { name, target } } })).body.callbackId;
	state.cbs.push({ login, cb });
	return cb;
}
const monitor = (login, tag, cb, triggers, extra = {}, ok = []) => user(login)('POST', `/user/vehicles/${cars[tag].id}/callbacks/${cb}/monitors`,
	{ label: triggers[0].name, triggerParam: { triggers }, ...extra }, ok);
async function fleetMonitor(fid, triggers, subscribe, extra = {}) {
	const r = await fleetOf(fid)('POST', `/fleets/${fid}/monitors`, { label: triggers[0].name, triggerParam: { triggers },
		subscribeParam: { retryPolicy: { policy: 'Bounded', retryNumber: 3, retryDelay: 10 }, ...subscribe }, ...extra });
	state.fmons.push({ fid, mid: r.body.monitorId });
	return r.body.monitorId;
}
const limits = async (call, path) => Object.fromEntries((await call('GET', path)).body.limits.map((x) => [x.quota, x]));
const range = (n) => Array.from({ length: n }, (_, i) => i);

const commands = {
	async 'a-setup'() {
		const hook = { callback: { webhook: { name: 'refused', target: REFUSED } } };
		const q = await callback('owner', 'quiet', REFUSED);
		await pool(range(32), (i) => monitor('owner', 'aq', q, [quiet(`q${i}`, i)]));
		await pool(range(32), (i) => fleetMonitor('fq', [quiet(`q${i}`, i)], hook));
		for (const [tag, fid, ext, extB2B] of [['af', 'ff'], ['ax', 'fx', EXT, EXT], ['ay', 'fy', ALL_B2C, ALL_B2B]]) {
			const cbs = await pool(range(32), (i) => callback('owner', `${tag}${i}`, REFUSED));
			await pool(range(32), (i) => monitor('owner', tag, cbs[i], [everyOther(`s${i}`, i)], ext ? { extendedEventParam: ext } : {}));
			await pool(range(32), (i) => fleetMonitor(fid, [everyOther(`s${i}`, i)], hook, extB2B ? { extendedEventParam: extB2B } : {}));
		}
		for (const tag of ['a0', 'aq', 'af', 'ax', 'ay'])
			await upload(tag, 1);
		const l = await limits(user('owner'), '/user/limits');
		const lf = await limits(fleetOf('ff'), '/fleets/ff/limits');
		console.log(`setup user_vehicleMonitors=${l.vehicleMonitors.used}/${l.vehicleMonitors.limit} user_callbacks=${l.callbacks.used}/${l.callbacks.limit}` +
			` fleet_vehicleMonitors=${lf.vehicleMonitors.used}/${lf.vehicleMonitors.limit}`);
	},
	async 'a-upload'(tag, reps) {
		for (let r = 0; r < Number(reps); r++)
			console.log(`upload tag=${tag} ms=${(await upload(tag, 1000)).ms.toFixed(1)}`);
	},
	async 'a-cleanup'() {
		for (const { login, cb } of state.cbs.splice(0))
			console.log(`delete what=callback ms=${(await user(login)('DELETE', `/user/callbacks/${cb}`)).ms.toFixed(1)}`);
		for (const { fid, mid } of state.fmons.splice(0))
			console.log(`delete what=fleet-monitor ms=${(await fleetOf(fid)('DELETE', `/fleets/${fid}/monitors/${mid}`)).ms.toFixed(1)}`);
	},
	async 'c-fill'() {
		const cb = await callback('owner', 'full', REFUSED);
		await pool(range(20), (i) => monitor('owner', 'cc', cb, [everyOther(`s${i}`, i)]));
		await upload('cc', 1);
		state.full = cb;
		const ms = (await upload('cc', 1000)).ms;
		const l = await limits(user('owner'), '/user/limits');
		console.log(`fill ms=${ms.toFixed(1)} limit=${l.queuedNotifications.limit} limits_used=${l.queuedNotifications.used ?? 'absent'}`);
	},
	async 'c-delete'() {
		const empty = await callback('owner', 'empty', REFUSED);
		await pool(range(20), (i) => monitor('owner', 'ce', empty, [everyOther(`e${i}`, i)]));
		console.log(`delete what=empty ms=${(await user('owner')('DELETE', `/user/callbacks/${empty}`)).ms.toFixed(1)}`);
		console.log(`delete what=full ms=${(await user('owner')('DELETE', `/user/callbacks/${state.full}`)).ms.toFixed(1)}`);
		state.cbs = [];
	},
	async 'd-run'(reps) {
		const fleet = fleetOf('fr');
		const mid = await fleetMonitor('fr', [everyOther('s', 0)], { callback: { webhook: { name: 'sink', target: SINK } },
			batchNotify: { size: 1000, timeWindow: 5 } });
		await upload('dr', 1);
		await upload('dr', 1000);
		await upload('dr', 1000);
		const log = async () => (await fleet('GET', `/fleets/fr/monitors/${mid}/deliveries?pageSize=60`)).body._embedded?.deliveries ?? [];
		const delivered = async (n) => {
			for (const t = Date.now(); Date.now() - t < 120000; await sleep(200)) {
				const d = (await log()).filter((x) => x.outcome === 'Delivered');
				if (d.length >= n)
					return d;
			}
			throw new Error(`d-run: ${n} deliveries not logged within 120 s: ${JSON.stringify((await log()).slice(0, 3))}`);
		};
		const first = (await delivered(1)).find((x) => x._links?.redeliver);
		console.log(`batch events=${first.events} latencyMs=${first.latencyMs}`);
		for (let r = 1; r <= Number(reps); r++) {
			const res = await fleet('POST', `/fleets/fr/monitors/${mid}/deliveries/${first.id}/redeliver`);
			console.log(`redeliver ms=${res.ms.toFixed(1)} queued=${res.body.queued}`);
			await delivered(1 + r);
		}
		await fleet('DELETE', `/fleets/fr/monitors/${mid}`);
		state.fmons = [];
	},
	async 'b-owners'(from, to, kind) {
		const triggers = kind === 'open' ? [allDay('day')] : [rareWindow('night')];
		const extra = kind === 'open' ? { subscribeParam: { refreshEvent: 60 } } : {};
		await pool(range(Number(to) - Number(from) + 1).map((i) => `t${Number(from) + i}`), async (login) => {
			// a vehicle without data is not evaluated: each car its first sample (again: a new one each time)
			for (let c = 1; c <= 4; c++)
				await upload(`${login}c${c}`, 1, { where: HOME });
			const cb = await callback(login, 'sink', SINK);
			for (let i = 0; i < 100; i++) {
				const r = await monitor(login, `${login}c${1 + (i % 4)}`, cb, triggers, extra);
				if (r.status !== 202)
					throw new Error(`b-owners: ${r.status}`);
			}
		}, 4);
	},
	async 'b-drop'(from, to) {
		const drop = state.cbs.filter((x) => /^t\d+$/.test(x.login) && Number(x.login.slice(1)) >= Number(from) && Number(x.login.slice(1)) <= Number(to));
		await pool(drop, ({ login, cb }) => user(login)('DELETE', `/user/callbacks/${cb}`));
		state.cbs = state.cbs.filter((x) => !drop.includes(x));
	},
	async 'b-bypass'(login, n) {
		// the owner's cars are bypass1..bypassK, each out of the zone: an Out zone holds, and refreshes
		const tags = Object.keys(cars).filter((t) => t.startsWith('bypass'));
		for (const tag of tags)
			await upload(tag, 1, { where: OUT });
		const cb = await callback(login, 'sink', SINK);
		let ok = 0, refused = 0;
		await pool(range(Number(n)), async (i) => {
			const r = await monitor(login, tags[Math.floor(i / 32) % tags.length], cb, [zone(`o${i}`, 'Out')], { subscribeParam: { refreshEvent: 60 } }, [403]);
			if (r.status === 202)
				ok++;
			else
				refused++;
		});
		const l = await limits(user(login), '/user/limits');
		console.log(`bypass accepted=${ok} refused=${refused} timedMonitors_used=${l.timedMonitors.used}/${l.timedMonitors.limit} monitors_used=${l.monitors.used}/${l.monitors.limit}`);
	},
};

if (!commands[cmd])
	throw new Error(`unknown command ${cmd}`);
try {
	await commands[cmd](...args);
} finally {
	save();
}
process.exit(0);

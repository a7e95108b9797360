// Remote actions carried out by the simulator: cvsim --live drives the
// demo vehicles and answers their commands over the vehicle link, cvnotify
// delivers every event to a local receiver. What the actions change shows
// in /status; a vehicle out of coverage times out; a sleeping one is woken.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { cvsimLive, vehiclesFile } from '../lib/sim.mjs';
import { assertSchema } from '../lib/schema.mjs';
import { receiver, superviseNotify } from '../lib/notify.mjs';

const TIMEOUT = 20;                  // CVAPI_REMOTE_TIMEOUT: above a sleeping vehicle's poll (10 s) and wake-up (3 s)
const AWAKE = 4;                     // CVAPI_REMOTE_AWAKE, and cvsim --awake
const templateDefects = [/unknown format "dateTime"/];

apiSuite('remote-sim', { env: { CVAPI_REMOTE_TIMEOUT: String(TIMEOUT), CVAPI_REMOTE_AWAKE: String(AWAKE) } }, (srv, it) => {
	let tok, petrol, electric, away, rx, nd, cb, sim, simLog = () => '';
	const req = (method, path, body) => srv.request(method, path, { token: tok, body });
	const remotes = (v) => `${B2C}/user/vehicles/${v.id}/callbacks/${cb}/remotes`;
	const events = (rid) => rx.delivered().filter((g) => g.body?.remoteEvent?.remoteActionId === rid);
	const statuses = (rid) => [...new Map(events(rid).map((g) => [g.headers['webhook-id'], g])).values()]
		.map((g) => g.body.remoteEvent.eventStatus)
		.map((e) => e.status + (e.failureCause ? `:${e.failureCause}` : ''));
	const done = (rid) => statuses(rid).some((s) => /^(Success|AlreadyDone|Failed)/.test(s));
	// post an action and wait for its Done event: its statuses
	const act = async (v, body, ms = 30000) => {
		const r = await req('POST', remotes(v), body);
		assert.equal(r.status, 202, r.text);
		const rid = r.body.remoteActionId;
		await rx.until(() => done(rid), ms, `${JSON.stringify(body)} done; cvsim said:\n${simLog()}`);
		for (const e of events(rid))
			await assertSchema(e.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
		return { rid, statuses: statuses(rid) };
	};
	const status = async (v) => (await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok)).body;

	it('set-up: a receiver, cvnotify, a callback, cvsim driving the demo vehicles live, one out of coverage', async () => {
		tok = await srv.token('demo');
		const byEnergy = (e) => srv.vehicles.find((v) => v.energy === e);
		petrol = byEnergy('petrol');
		electric = byEnergy('electric');
		away = srv.vehicles.find((v) => v !== petrol && v !== electric);
		rx = await receiver();
		nd = await superviseNotify(srv);
		const r = await req('POST', `${B2C}/user/callbacks`, { type: ['Remote'], callback: { webhook: { name: 'rx', target: rx.url } } });
		assert.equal(r.status, 200, r.text);
		cb = r.body.callbackId;
		// parked: what a command does then does not hang on the time of day (a driving car refuses some)
		const live = cvsimLive(srv, ['--vehicles', vehiclesFile(srv), '--parked', '--seed', '7',
			'--awake', String(AWAKE), '--offline', away.vin]);
		sim = live.proc;
		simLog = live.log;
		// live from now: the first samples arrive at once
		for (const t0 = Date.now(); !(await status(petrol)).doorsState;) {
			assert.ok(Date.now() - t0 < 20000, `cvsim uploads within 20 s:\n${simLog()}`);
			await new Promise((res) => setTimeout(res, 100));
		}
	});

	it('unlock then lock: the simulator does it, the events arrive, /status shows the doors locked', async () => {
		const u = await act(petrol, { door: { state: 'Unlocked' } });
		assert.match(u.statuses.at(-1), /^(Success|AlreadyDone)$/, u.statuses.join(' '));
		assert.equal((await status(petrol)).doorsState.lockedStates[0], 'Unlocked');
		const l = await act(petrol, { door: { state: 'Locked' } });
		assert.deepEqual(l.statuses.slice(-3), ['CheckingVehicle', 'SentToVehicle', 'Success'], l.statuses.join(' '));
		assert.equal((await status(petrol)).doorsState.lockedStates[0], 'Locked');
		const again = await act(petrol, { door: { state: 'Locked' } });
		assert.equal(again.statuses.at(-1), 'AlreadyDone', 'locking a locked car');
	});

	it('preconditioning and charging change what /status shows', async () => {
		const p = await act(electric, { preconditioning: { airConditioning: { immediate: true } } });
		if (p.statuses.at(-1) === 'Success')
			assert.equal((await status(electric)).preconditioning.airConditioning.status, 'Enabled');
		else
			assert.match(p.statuses.at(-1), /BatteryLevel/, p.statuses.join(' '));
		const c = await act(electric, { charging: { immediate: false } });
		assert.match(c.statuses.at(-1), /^(Success|AlreadyDone)$/);
		const s = (await status(electric)).energies.find((e) => e.type === 'Electric');
		assert.notEqual(s.extension.electric.charging.status, 'InProgress', 'charging stopped');
		const h = await act(petrol, { charging: { immediate: true } });
		assert.equal(h.statuses.at(-1), 'Failed:WrongCommand', 'a petrol car has no battery to charge');
	});

	it('every other type of both faces against the simulator: wake-up, navigation, horn, lights, immobilization, stolen', async () => {
		const w = await act(petrol, { wakeUp: { action: 'WakeUp' } });
		assert.equal(w.statuses.at(-1), 'Success');
		const n = await act(petrol, { navigation: { positions: [{ type: 'Point', coordinates: [2.2945, 48.8584] }] } });
		assert.equal(n.statuses[0], 'CheckingVehicle', 'a navigation starts at CheckingVehicle');
		assert.equal(n.statuses.at(-1), 'Success', 'no approval asked: the driver cannot refuse');
		for (const body of [{ horn: { state: 'Activated' } }, { lights: { on: true } }]) {
			const r = await act(electric, body);
			assert.equal(r.statuses.at(-1), 'Success', `${JSON.stringify(body)}: ${r.statuses.join(' ')}`);
		}
		// the fleet face: a remote callback of the fleet, the same simulator
		const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
		const B2B = '/connectedcar/v3';
		const freq = (method, path, body) => srv.request(method, `${path}?client_id=console`, { headers: fleetAuth, body });
		let r = await freq('POST', `${B2B}/fleets/demo-fleet/remote/callbacks`, { remoteTypes: ['Immobilization', 'Stolen'],
			callback: { webhook: { name: 'rx', target: rx.fleetRemoteUrl } } });
		assert.equal(r.status, 200, r.text);
		const fcb = r.body.callbackId;
		const fdone = (rid) => rx.delivered().some((g) => g.body?.events?.some((e) => e.remoteActionId === rid && e.eventStatus.type === 'Done'));
		for (const body of [{ immobilization: { activate: false } }, { stolen: { trackingPeriod: { running: 30 } } }]) {
			r = await freq('POST', `${B2B}/fleets/demo-fleet/vehicles/${electric.id}/callbacks/${fcb}/remotes`, body);
			assert.equal(r.status, 202, r.text);
			const rid = r.body.remoteActionId;
			await rx.until(() => fdone(rid), 30000, `${JSON.stringify(body)} done`);
			const last = rx.delivered().flatMap((g) => g.body?.events || []).filter((e) => e.remoteActionId === rid).at(-1);
			assert.match(last.eventStatus.status, /^(Success|AlreadyDone)$/, JSON.stringify(last));
		}
	});

	it('a sleeping vehicle is woken first', async () => {
		// silent longer than the awake time: asleep for the server and for the simulator
		const since = Date.now();
		await new Promise((res) => setTimeout(res, (AWAKE + 1) * 1000));
		assert.ok(Date.now() - since > AWAKE * 1000);
		const w = await act(petrol, { lights: { on: true } });
		assert.deepEqual(w.statuses, ['Accepted', 'WakingUpVehicle', 'CheckingVehicle', 'SentToVehicle', 'Success']);
	});

	it('a vehicle out of coverage: VehicleConnectionTimeout', async () => {
		const t = await act(away, { horn: { state: 'Activated' } }, (TIMEOUT + 20) * 1000);
		assert.equal(t.statuses.at(-1), 'Failed:VehicleConnectionTimeout');
	});

	it('stop cvsim and cvnotify', async () => {
		sim.kill('SIGTERM');
		const code = await new Promise((res) => sim.once('exit', (c) => res(c)));
		assert.equal(code, 0, simLog());
		assert.match(simLog(), /commands=\d+ failed=\d+/);
		await nd.stop();
		await rx.close();
	});
});

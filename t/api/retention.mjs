// Retention: history older than the retention period (60 days by default,
// per vehicle if set) is purged, by `cvctl purge` and by cvapi-ingest
// between requests; what is newer, and alerts or thefts still going on,
// stay; message ids of the last 7 days are still recognised.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSuite, B2C } from '../lib/server.mjs';
import { now as clockNow } from '../lib/clock.mjs';

// cvapi-ingest purges every second in this test (lighttpd and cvapi-spawn pass it on)
process.env.CVAPI_PURGE_EVERY = '1';

const DAY = 24 * 3600 * 1000;

apiSuite('retention', (srv, it) => {
	let tok, car, ev, now;
	const ago = (d, m = 0) => new Date(now - d * DAY + m * 60000).toISOString();
	const count = async (v, what) => {
		const r = await srv.get(`${B2C}/user/vehicles/${v.id}/${what}?pageSize=1`, tok);
		assert.equal(r.status, 200, r.text);
		return r.body.total;
	};

	it('set-up: old and recent history for two vehicles', async () => {
		// nothing expires while the history is written and counted
		await srv.cvctl(['retention', '36500']);
		tok = await srv.token('demo');
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		ev = srv.vehicles.find((v) => v.energy === 'electric');
		now = clockNow();
		const samples = [
			{ at: ago(100), speed: 10, position: { lat: 48, lon: 2 }, events: [
				{ type: 'collision', details: [{ side: 'Front' }] },
				{ type: 'alert', alert: 'AddWasherFluid', active: true },
				{ type: 'theft', active: true }] },
			{ at: ago(99), speed: 10, events: [{ type: 'theft', active: false }] },
			{ at: ago(95), speed: 10, events: [{ type: 'alert', alert: 'AddWasherFluid', active: false }] },
			{ at: ago(70), speed: 10, events: [{ type: 'alert', alert: 'OilLevelLow', active: true }] },
			{ at: ago(50), speed: 10, events: [{ type: 'collision', details: [{ side: 'Rear' }] }] },
			{ at: ago(10), speed: 10 },
		];
		for (const v of [car, ev]) {
			const r = await srv.upload(v.vin, v.cred, { messageId: `ret-${v.vin}`, samples });
			assert.equal(r.status, 200, r.text);
		}
		assert.equal(await count(car, 'telemetry'), 6);
		assert.equal(await count(car, 'alerts'), 2);
	});

	it('cvctl retention prints and sets the period; bad values are refused', async () => {
		assert.equal((await srv.cvctl(['retention'])).trim(), '36500');
		await srv.cvctl(['retention', '60']);
		assert.equal((await srv.cvctl(['retention'])).trim(), '60');
		assert.equal((await srv.cvctl(['retention', '--vehicle', car.vin])).trim(), '60');
		for (const [args, code, msg] of [
			[['retention', '0'], 2, /from 1 to 36500/], [['retention', 'abc'], 2, /DAYS/], [['retention', '36501'], 2, /DAYS/],
			[['retention', '10', '--vehicle', 'bad'], 2, /VIN/], [['retention', '10', '--vehicle', 'VF3NSUCHCAR000000'], 1, /no vehicle/],
			[['retention', '10', '--truck', 'x'], 2, /retention/], [['purge', 'now'], 2, /purge/]]) {
			const r = await srv.cvctlRun(args);
			assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, msg);
		}
		assert.equal((await srv.cvctl(['retention'])).trim(), '60', 'nothing changed');
	});

	it('purged: older than 60 days goes, except an alert still active', async () => {
		// cvapi-ingest may have begun (it purges between requests): cvctl finishes the job
		const out = await srv.cvctl(['purge', '--verbose']);
		assert.match(out, /records deleted in \d+ steps, median \d+ ms, the longest \d+ ms/);
		for (const v of [car, ev]) {
			assert.equal(await count(v, 'telemetry'), 2, 'the samples of 50 and 10 days ago');
			const a = await srv.get(`${B2C}/user/vehicles/${v.id}/alerts`, tok);
			assert.deepEqual(a.body._embedded.alerts.map((x) => [x.type, x.active]), [['OilLevelLow', true]]);
			const c = await srv.get(`${B2C}/user/vehicles/${v.id}/collisions`, tok);
			assert.deepEqual(c.body._embedded.Collisions.map((x) => x.details[0].side), ['Rear']);
		}
		// the fleet-wide list (from the fleet-wide time index) lost the same records
		const fleet = await srv.request('GET', '/connectedcar/v3/fleets/demo-fleet/collisions?client_id=console',
			{ headers: { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` } });
		assert.equal(fleet.status, 200, fleet.text);
		assert.deepEqual(fleet.body._embedded.Collisions.map((x) => x.details[0].side), ['Rear', 'Rear']);
		// the message ids of the last 7 days are kept: a retried batch is still recognised
		const again = await srv.upload(car.vin, car.cred, { messageId: `ret-${car.vin}`, samples: [{ at: ago(1), speed: 1 }] });
		assert.equal(again.body.duplicate, true);
	});

	it('a vehicle\'s own period: 30 days for one car, the other keeps 60', async () => {
		await srv.cvctl(['retention', '30', '--vehicle', car.vin]);
		assert.equal((await srv.cvctl(['retention', '--vehicle', car.vin])).trim(), '30');
		assert.equal((await srv.cvctl(['retention', '--vehicle', ev.vin])).trim(), '60');
		await srv.cvctl(['purge']);
		assert.equal(await count(car, 'telemetry'), 1);
		assert.equal(await count(ev, 'telemetry'), 2);
		// 0 removes the override
		await srv.cvctl(['retention', '0', '--vehicle', car.vin]);
		assert.equal((await srv.cvctl(['retention', '--vehicle', car.vin])).trim(), '60');
	});

	it('cvapi-ingest purges by itself, a step at a time between uploads', async () => {
		const phev = srv.vehicles.find((v) => v.energy === 'phev');
		const old = Array.from({ length: 40 }, (_, i) => ({ at: ago(200, i), speed: 5 }));
		const r = await srv.upload(phev.vin, phev.cred, { messageId: 'old-1', samples: [...old, { at: ago(2), speed: 5 }] });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.accepted, 41, 'stored, then purged');
		// uploads keep cvapi-ingest busy; its purge step comes once a second
		const deadline = Date.now() + 30000;
		let n = 41;
		for (let i = 0; n > 1 && Date.now() < deadline; i++) {
			await srv.upload(phev.vin, phev.cred, { messageId: `tick-${i}`, samples: [{ at: ago(1, i), speed: 1 }] });
			n = await count(phev, 'telemetry') - i - 1;
			if (n > 1)
				await sleep(100);
		}
		assert.equal(n, 1, 'the 40 samples of 200 days ago are purged without cvctl');
	});
});

// The clock-sensitive features at fixed instants: every program of a test
// server runs on a clock the test sets (the clock seam, t/lib/clock.mjs),
// at instants where calendars turn: just after midnight, in the small
// hours, the last seconds of a month, Sundays, and the two 2026
// Europe/Paris daylight saving time changes. At each one, and as the clock
// is moved on from it:
//   - cvsim's history (no --end): from midnight UTC a day back, to now;
//   - retention: what is older than 60 days goes, the rest stays;
//   - a client's day budget is a sliding day: midnight gives nothing back;
//   - tokens expire after their lifetime (cvctl's, the access token's
//     hour, the refresh token's 30 days);
//   - the monthly wake-up allowance starts again with the UTC month only;
//   - remote actions fail at their deadline (cvnotify's timer);
//   - a trip across midnight (or the DST change), and its gap;
//   - a monitor's daily window in Europe/Paris opens at its local time,
//     on an upload and from cvnotify's timer.
// The expected UTC times are written out by hand, not computed with the
// time zone rules the code under test uses.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { receiver, startNotify } from '../lib/notify.mjs';
import { SEAM, TestClock, instant } from '../lib/clock.mjs';
import { CVSIM, cvsimOnce } from '../lib/sim.mjs';

const S = 1000, MIN = 60 * S, H = 60 * MIN, DAY = 24 * H;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const templateDefects = [/unknown format "dateTime"/];

// at: the instant; win: a daily window (local start, days) in Europe/Paris
// and open, the UTC time it first opens after `at`; timer: another one,
// opened by cvnotify's timer; monthTurns: the UTC month changes within a
// minute of `at`.
const INSTANTS = [
	{ at: '2026-01-15T01:30:00Z', why: 'a Thursday, 01:30Z (02:30 CET)',
		win: { start: 'PT3H' }, open: '2026-01-15T02:00:00Z', timer: { start: 'PT4H' }, timerOpen: '2026-01-15T03:00:00Z' },
	{ at: '2026-02-28T23:59:30Z', why: 'the last day of February, a Saturday; Sunday 00:59:30 in Paris', monthTurns: true,
		win: { start: 'PT1H', day: ['Sun'] }, open: '2026-03-01T00:00:00Z', timer: { start: 'PT2H' }, timerOpen: '2026-03-01T01:00:00Z' },
	{ at: '2026-03-29T00:59:30Z', why: 'a Sunday, 30 s before Paris moves from CET to CEST',
		win: { start: 'PT3H', day: ['Sun'] }, open: '2026-03-29T01:00:00Z', timer: { start: 'PT4H30M' }, timerOpen: '2026-03-29T02:30:00Z' },
	{ at: '2026-05-31T23:59:30Z', why: 'the last day of May, a Sunday; Monday 01:59:30 in Paris', monthTurns: true,
		win: { start: 'PT2H', day: ['Mon'] }, open: '2026-06-01T00:00:00Z', timer: { start: 'PT3H' }, timerOpen: '2026-06-01T01:00:00Z' },
	{ at: '2026-06-01T00:00:30Z', why: 'a Monday, 30 s after midnight UTC',
		win: { start: 'PT3H' }, open: '2026-06-01T01:00:00Z', timer: { start: 'PT4H' }, timerOpen: '2026-06-01T02:00:00Z' },
	{ at: '2026-10-25T00:59:30Z', why: 'a Sunday, 30 s before Paris moves from CEST back to CET',
		win: { start: 'PT3H', day: ['Sun'] }, open: '2026-10-25T02:00:00Z', timer: { start: 'PT4H' }, timerOpen: '2026-10-25T03:00:00Z' },
];

const skipAll = SEAM ? false : 'the programs are built without the clock seam (configure --disable-clock-seam)';

for (const I of INSTANTS) {
	const T = instant(I.at);
	const clock = new TestClock(I.at);
	const TIMEOUT = 30;             // seconds a remote action waits for its vehicle

	apiSuite(`clock at ${I.at} (${I.why})`, {
		beforeStart: () => clock.set(I.at),     // each server starts at its instant, however long the others took
		env: { ...clock.env, CVAPI_REMOTE_TIMEOUT: String(TIMEOUT), CVAPI_REMOTE_WAKEUPS: '2', CVAPI_PURGE_EVERY: '0' },
	}, (srv, it) => {
		let tok, rx, nd, mcb, pcb, capped, fresh, m1, m2, wakes = {}, n = 0;
		const car = {};
		const V = (c) => `${B2C}/user/vehicles/${c.id}`;
		const req = (method, path, body, t = tok) => srv.request(method, path, { token: t, body });
		const upload = async (c, samples) => {
			const r = await srv.upload(c.vin, c.cred, { messageId: `clk-${++n}`, samples });
			assert.equal(r.status, 200, r.text);
			return r.body;
		};
		const total = async (c, what, q = '') => {
			const r = await srv.get(`${V(c)}/${what}?pageSize=1${q}`, tok);
			assert.equal(r.status, 200, r.text);
			return r.body.total;
		};
		const remote = (c, rid) => req('GET', `${V(c)}/callbacks/${pcb}/remotes/${rid}`).then((r) => {
			assert.equal(r.status, 200, r.text);
			return r.body;
		});
		const post = async (c, body) => {
			const r = await req('POST', `${V(c)}/callbacks/${pcb}/remotes`, body);
			assert.equal(r.status, 202, r.text);
			return r.body.remoteActionId;
		};
		const monitor = async (c, name, win) => {
			const r = await req('POST', `${V(c)}/callbacks/${mcb}/monitors`, { label: name, triggerParam: {
				triggers: [{ name: 'fuel', data: { data: 'vehicle.energy.fuel.level', op: 'greaterThan', value: ['1'] } },
					{ name: 'open', time: { times: [{ recurrence: 'Daily', start: win.start, duration: 'PT1H',
						...(win.day ? { occurence: { day: win.day } } : {}) }], timeZone: 'Europe/Paris' } }],
				boolExp: 'fuel & open' } });
			assert.equal(r.status, 202, r.text);
			return r.body.monitorId;
		};
		const notes = (mid) => rx.delivered().filter((g) => g.body?.monitorEvent?.monitorId === mid);

		it(`set-up at ${I.at}: vehicles, tokens, a receiver, callbacks`, { skip: skipAll }, async () => {
			assert.ok(Math.abs(clock.now() - T) < 60 * S, 'the test runs at its instant');
			tok = await srv.token('demo');
			for (const [k, vin] of [['sim', 'VF3CLKSMA00000001'], ['ret', 'VF3CLKRET00000002'], ['wake', 'VF3CLKWAK00000003'],
				['trip', 'VF3CLKTRP00000004'], ['win', 'VF3CLKWND00000005']]) {
				const out = await srv.cvctl(['vehicle', 'add', vin, '--owner', 'demo', '--energy', 'petrol']);
				const kv = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')));
				car[k] = { vin, id: kv.id, cred: kv.credential };
			}
			rx = await receiver();
			let r = await req('POST', `${B2C}/user/callbacks`, { label: 'clock', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } });
			assert.equal(r.status, 200, r.text);
			mcb = r.body.callbackId;
			r = await req('POST', `${B2C}/user/callbacks`, { label: 'remotes', type: ['Remote'], callback: { poll: { name: 'clock' } } });
			assert.equal(r.status, 200, r.text);
			pcb = r.body.callbackId;
			// a client with a budget of 5 requests a day, and a token of it
			await srv.cvctl(['client', 'add', 'clockapp', '--public']);
			await srv.cvctl(['client', 'limits', 'clockapp', '--day', '5', '--second', '0']);
			capped = await srv.token('demo', { client: 'clockapp' });
			// a token of 2 minutes, and the password grant's pair
			fresh = { short: await srv.token('demo', { ttl: 120 }) };
			r = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.expires_in, 3600);
			fresh.pair = r.body;
		});

		it('cvsim without --end: a day of history from midnight UTC a day back, to the programs\' now', {
			skip: skipAll || (existsSync(CVSIM) ? false : `${CVSIM} is not built`), timeout: 120000 }, async () => {
			const file = join(srv.top, 'clock-vehicles.txt');
			writeFileSync(file, `${car.sim.vin} petrol ${car.sim.cred}\n`);
			// each check of the instant starts at it, however long the set-up took
			clock.set(I.at);
			const r = await cvsimOnce(srv, ['--vehicles', file, '--seed', '11', '--days', '1', '--quiet']);
			assert.equal(r.code, 0, r.stderr);
			const start = (Math.floor(T / DAY) - 1) * DAY;
			assert.equal(await total(car.sim, 'telemetry', `&timestamps=/${iso(start)}`), 0, 'nothing before the history\'s start');
			assert.ok(await total(car.sim, 'telemetry', `&timestamps=${iso(start)}/${iso(start + 31 * MIN)}`) > 0, `history from ${iso(start)}`);
			assert.ok(await total(car.sim, 'telemetry', `&timestamps=${iso(T - 31 * MIN)}/`) > 0, `history up to ${I.at}`);
			assert.equal(await total(car.sim, 'telemetry', `&timestamps=${iso(clock.now() + S)}/`), 0, 'nothing after now');
		});

		it('retention: 62 days ago goes, 58 days ago stays', { skip: skipAll }, async () => {
			await upload(car.ret, [{ at: iso(T - 62 * DAY), speed: 10 }]);
			await upload(car.ret, [{ at: iso(T - 58 * DAY), speed: 20 }]);
			await upload(car.ret, [{ at: iso(T - MIN), speed: 30 }]);
			await srv.cvctl(['purge']);
			assert.equal(await total(car.ret, 'telemetry'), 2);
			assert.equal(await total(car.ret, 'telemetry', `&timestamps=/${iso(T - 60 * DAY)}`), 0);
		});

		it('a client\'s day budget: 5 requests, then 429 with a wait of hours', { skip: skipAll }, async () => {
			clock.set(iso(T - 5 * S));
			for (let i = 0; i < 5; i++) {
				const r = await srv.get(`${B2C}/user`, capped);
				assert.equal(r.status, 200, `request ${i + 1}: ${r.text}`);
			}
			const r = await srv.get(`${B2C}/user`, capped);
			await assertXError(r, 429, { code: 42901, message: /too many requests/ });
			assert.ok(Number(r.headers.get('retry-after')) > 3600, `the day's budget comes back in hours (${r.headers.get('retry-after')} s)`);
		});

		it('wake-ups: two a month, the third refused', { skip: skipAll }, async () => {
			clock.set(iso(T - 5 * S));
			wakes.lights = await post(car.wake, { lights: { on: true } });
			wakes.horn = await post(car.wake, { horn: { state: 'Activated' } });
			const door = await post(car.wake, { door: { state: 'Locked' } });
			for (const rid of [wakes.lights, wakes.horn])
				assert.equal((await remote(car.wake, rid)).status, 'WakingUpVehicle');
			const d = await remote(car.wake, door);
			assert.deepEqual([d.status, d.failureCause], ['Failed', 'TooManyWakeUpsOverMonth']);
		});

		it('a trip across the instant (minutes before to minutes after: a vehicle\'s clock may run 5 minutes ahead)', { skip: skipAll }, async () => {
			await upload(car.trip, [
				{ at: iso(T - 8 * MIN), ignition: 'StartUp', speed: 0, odometer: 1000, position: { lat: 48.85, lon: 2.35 } },
				{ at: iso(T - 7 * MIN), ignition: 'Start', speed: 50, odometer: 1001, position: { lat: 48.86, lon: 2.35 } },
				{ at: iso(T + MIN), ignition: 'Start', speed: 40, odometer: 1008, position: { lat: 48.9, lon: 2.35 } },
				{ at: iso(T + 2 * MIN), ignition: 'Stop', speed: 0, odometer: 1009, position: { lat: 48.91, lon: 2.35 } },
			]);
			const r = await srv.get(`${V(car.trip)}/trips`, tok);
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body._embedded.trips.length, 1, r.text);
			const [x] = r.body._embedded.trips;
			await assertSchema(x, 'Trip');
			assert.deepEqual([x.startedAt, x.stoppedAt, x.done], [iso(T - 8 * MIN), iso(T + 2 * MIN), true]);
			assert.deepEqual(x.faults, [], 'samples 8 minutes apart across the instant: Nominal');
		});

		it(`a daily window of Europe/Paris (${I.win.start}${I.win.day ? ' on ' + I.win.day : ''}) opens at ${I.open}, on an upload`,
			{ skip: skipAll }, async () => {
				await upload(car.win, [{ at: iso(T - 10 * S), fuel: { level: 50, autonomy: 400 } }]);
				m1 = await monitor(car.win, 'window', I.win);
				m2 = await monitor(car.win, 'timer', I.timer);
				const open = instant(I.open);
				clock.set(iso(open + 2 * S));
				// before the window, then inside it: the upload fires the monitor at the second sample
				await upload(car.win, [{ at: iso(open - S), fuel: { level: 50, autonomy: 400 } }, { at: iso(open + S), fuel: { level: 50, autonomy: 400 } }]);
				nd = await startNotify(srv);
				await rx.until(() => notes(m1).length >= 1, 20000, 'the window\'s notification');
				const [got] = notes(m1);
				await assertSchema(got.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
				assert.equal(got.body.date, iso(open + S), 'fired by the first sample inside the window');
			});

		it('past the instant: the day budget is still spent, wake-ups follow the UTC month, actions time out', { skip: skipAll }, async () => {
			assert.ok(clock.now() >= T + 30 * S);
			tok = await srv.token('demo');
			// a sliding day: midnight gives nothing back (the client's budget, whatever its token: the first may have expired)
			capped = await srv.token('demo', { client: 'clockapp' });
			const r = await srv.get(`${B2C}/user`, capped);
			await assertXError(r, 429, { code: 42901 });
			assert.ok(Number(r.headers.get('retry-after')) > 3600, `still hours to wait (${r.headers.get('retry-after')} s)`);
			// the month's allowance: a new month starts it again, nothing else does
			const w = await post(car.wake, { wakeUp: { action: 'WakeUp' } });
			const a = await remote(car.wake, w);
			if (I.monthTurns)
				assert.equal(a.status, 'WakingUpVehicle', 'a new month, a new allowance');
			else
				assert.deepEqual([a.status, a.failureCause], ['Failed', 'TooManyWakeUpsOverMonth']);
			// the two actions of the instant are past their deadline: cvnotify's timer fails them
			if (clock.now() < T + 2 * MIN)
				clock.set(iso(T + 2 * MIN));
			for (const rid of [wakes.lights, wakes.horn]) {
				for (let i = 0; ; i++) {
					const x = await remote(car.wake, rid);
					if (x.status === 'Failed') {
						assert.equal(x.failureCause, 'VehicleConnectionTimeout');
						break;
					}
					assert.ok(i < 200, `${rid} failed by the timer (${x.status})`);
					await new Promise((res) => setTimeout(res, 50));
				}
			}
		});

		it(`cvnotify's timer opens another daily window at ${I.timerOpen}`, { skip: skipAll }, async () => {
			const open = instant(I.timerOpen);
			assert.equal(notes(m2).length, 0, 'not before its time');
			clock.set(iso(open + S));
			await rx.until(() => notes(m2).length >= 1, 20000, 'the timer\'s notification');
			const [got] = notes(m2);
			await assertSchema(got.body, 'Message', { doc: 'webhook-b2c', ignore: templateDefects });
			const fired = Date.parse(got.body.date);
			assert.ok(fired >= open && fired < open + 15 * S, `fired at ${got.body.date}, as the window opened at ${I.timerOpen}`);
		});

		it('tokens expire: two minutes, an hour; a trip with a gap of 12 minutes', { skip: skipAll }, async () => {
			// the clock is now over 2 minutes past the tokens' issue
			await assertXError(await srv.get(`${B2C}/user`, fresh.short), 401, { code: 40103, message: /expired/ });
			clock.advance(H + MIN);
			await assertXError(await srv.get(`${B2C}/user`, fresh.pair.access_token), 401, { code: 40103, message: /expired/ });
			tok = await srv.token('demo');
			const t2 = clock.now() - 20 * MIN;
			await upload(car.trip, [
				{ at: iso(t2), ignition: 'StartUp', speed: 0, odometer: 1009, position: { lat: 48.91, lon: 2.35 } },
				{ at: iso(t2 + MIN), ignition: 'Start', speed: 50, odometer: 1010, position: { lat: 48.92, lon: 2.35 } },
				{ at: iso(t2 + 13 * MIN), ignition: 'Start', speed: 50, odometer: 1020, position: { lat: 48.98, lon: 2.35 } },
				{ at: iso(t2 + 14 * MIN), ignition: 'Stop', speed: 0, odometer: 1021, position: { lat: 48.99, lon: 2.35 } },
			]);
			const r = await srv.get(`${V(car.trip)}/trips`, tok);
			assert.equal(r.status, 200, r.text);
			const x = r.body._embedded.trips.find((y) => y.startedAt === iso(t2));
			assert.ok(x, r.text);
			assert.equal(x.stoppedAt, iso(t2 + 14 * MIN));
			assert.deepEqual(x.faults, [{ fault: 'DataLacking', cause: 'Connection' }]);
		});

		it('the budget is back within a day; 30 days later the refresh token is spent and retention moved on', { skip: skipAll }, async () => {
			// the client waits as it is told, and is answered: within a day of the instant's requests
			capped = await srv.token('demo', { client: 'clockapp' });
			const refused = await srv.get(`${B2C}/user`, capped);
			await assertXError(refused, 429, { code: 42901 });
			const wait = Number(refused.headers.get('retry-after'));
			// two fixed UTC days weighed (doc/api.md): back by the end of the day after the instant's at the latest
			assert.ok(clock.now() + wait * S <= (Math.floor(T / DAY) + 2) * DAY, `Retry-After ${wait} s`);
			clock.advance(wait * S + S);
			capped = await srv.token('demo', { client: 'clockapp' });
			assert.equal((await srv.get(`${B2C}/user`, capped)).status, 200, 'answered after the wait');
			const r = await srv.oauth({ grant_type: 'refresh_token', refresh_token: fresh.pair.refresh_token, client_id: 'console' });
			assert.equal(r.status, 200, r.text);
			clock.advance(30 * DAY);
			const late = await srv.oauth({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token, client_id: 'console' });
			assert.equal(late.status, 400, late.text);
			assert.equal(late.body.error, 'invalid_grant');
			await srv.cvctl(['purge']);
			tok = await srv.token('demo');
			assert.equal(await total(car.ret, 'telemetry'), 1, 'the sample of 58 days before the instant is now 89 days old');
			await nd.stop();
			await rx.close?.();
		});
	});
}

// The wall clock steps back (an NTP step, an operator's date): cvnotify
// paces its turns on the monotonic clock, so none of its timers stalls for
// the hour. (The programs' watchdog is tested likewise in t/unit-watchdog.)
{
	const clock = new TestClock('2026-04-08T10:00:00Z');
	apiSuite('the wall clock steps back', {
		beforeStart: () => clock.set('2026-04-08T10:00:00Z'),
		env: { ...clock.env, CVAPI_REMOTE_TIMEOUT: '30' },
	}, (srv, it) => {
		it('an hour back: cvnotify\'s timer still fails a remote action at its deadline', { skip: skipAll }, async () => {
			const tok = await srv.token('demo', { ttl: 30 * 86400 });
			const out = await srv.cvctl(['vehicle', 'add', 'VF3CLKBCK00000007', '--owner', 'demo', '--energy', 'petrol']);
			const car = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')));
			let r = await srv.request('POST', `${B2C}/user/callbacks`, { token: tok, body: { label: 'back', type: ['Remote'], callback: { poll: { name: 'back' } } } });
			assert.equal(r.status, 200, r.text);
			const cb = r.body.callbackId;
			const post = async (body) => {
				const x = await srv.request('POST', `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/remotes`, { token: tok, body });
				assert.equal(x.status, 202, x.text);
				return x.body.remoteActionId;
			};
			const timedOut = async (rid) => {
				for (let i = 0; ; i++) {
					const x = await srv.get(`${B2C}/user/vehicles/${car.id}/callbacks/${cb}/remotes/${rid}`, tok);
					assert.equal(x.status, 200, x.text);
					if (x.body.status === 'Failed') {
						assert.equal(x.body.failureCause, 'VehicleConnectionTimeout');
						return;
					}
					assert.ok(i < 200, `${rid} failed by the timer within 10 s (${x.body.status})`);
					await new Promise((res) => setTimeout(res, 50));
				}
			};
			const nd = await startNotify(srv);
			try {
				// the timer has run at the present time: an action past its deadline fails
				const a = await post({ lights: { on: true } });
				clock.advance(31 * S);
				await timedOut(a);
				// an hour back, another one does too
				clock.advance(-H);
				const b = await post({ horn: { state: 'Activated' } });
				clock.advance(31 * S);
				await timedOut(b);
			} finally {
				await nd.stop();
			}
		});
	});
}

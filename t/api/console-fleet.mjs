// The console's fleet face in a real browser (headless Chromium driven by
// playwright-core, as console.mjs), and what both faces gained with it:
// the fleet manager's login by bearer token (no password in the browser,
// no Basic challenge ever), the live fleet overview, every vehicle's
// trips (with the replay and the CSV export), alerts, collisions and
// remote control (immobilization and the stolen report with their
// progress), the fleet's monitors with their delivery log (the real
// cvnotify and a local webhook receiver), lists past their first page,
// stale values marked by the vehicle's reporting period, a phone-sized
// screen and the keyboard.
//
// A day of simulated history and the demo vehicles driven live (cvsim
// --live --parked) carry out the remote actions. Screenshots go to
// t/api/console/ under the build tree. Skipped, saying why, when Chromium
// or playwright-core is missing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, BUILDDIR } from '../lib/server.mjs';
import { cvsimOnce, cvsimLive, historyArgs, vehiclesFile } from '../lib/sim.mjs';
import { chromiumPath, playwright, skip, collectProblems, newContext } from '../lib/browser.mjs';
import { receiver, startNotify } from '../lib/notify.mjs';
import { now } from '../lib/clock.mjs';
const SHOTS = join(BUILDDIR, 't', 'api', 'console');
const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const FINAL = ['Success', 'AlreadyDone', 'Failed'];

apiSuite('console-fleet', (srv, it) => {
	let browser, page, sim = null, simLog = () => '', rx = null, nd = null, tok;
	const problems = [];
	const apiRequests = [];       // every request of the page to the API or the token endpoint: [method, url, headers]
	const basicChallenges = [];   // answers that asked the browser for Basic credentials
	const url = (hash = '') => `${srv.base}/${hash}`;
	const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	const session = (p = page) => p.evaluate(() => JSON.parse(sessionStorage.getItem('cvapi.session') || 'null'));
	const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
	const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
	const final = (p) => p.waitForFunction((f) => f.includes(document.querySelector('.remote-action')?.dataset.status), FINAL, { timeout: 60000 })
		.catch((e) => { throw new Error(`${e.message}\ncvsim said:\n${simLog()}`); });

	async function newPage(viewport = { width: 1100, height: 900 }) {
		const ctx = await newContext(browser, { viewport, acceptDownloads: true });
		const p = await ctx.newPage();
		await p.route(/^https?:\/\/[^/]*tile/, (r) => r.abort());
		collectProblems(p, problems);
		p.on('request', (r) => {
			const u = new URL(r.url());
			if (u.pathname.startsWith('/connectedcar/') || u.pathname.startsWith('/oauth2/'))
				apiRequests.push([r.method(), r.url(), r.headers()]);
		});
		p.on('response', async (r) => {
			const u = new URL(r.url());
			if (u.origin === srv.base && !u.pathname.startsWith('/connectedcar/') && !u.pathname.startsWith('/oauth2/') && r.status() >= 400)
				problems.push(`${u.pathname}: ${r.status()}`);
			const h = await r.allHeaders().catch(() => ({}));
			if (/basic/i.test(h['www-authenticate'] || ''))
				basicChallenges.push(`${r.status()} ${r.url()}: ${h['www-authenticate']}`);
		});
		return p;
	}

	/* The login form filled and sent with the keyboard alone. */
	async function keyboardLogin(p, user, password, kind) {
		await p.goto(url('#/login'));
		await p.waitForSelector('#login-form');
		await p.check(`input[name=kind][value=${kind}]`);
		// the form may be the one of a login just refused: emptied first
		await p.fill('#login', '');
		await p.fill('#password', '');
		await p.focus('#login');
		await p.keyboard.type(user);
		await p.keyboard.press('Tab');
		await p.keyboard.type(password);
		await p.keyboard.press('Enter');
	}

	it('set-up: a day of history, the vehicles driven live, a webhook receiver, cvnotify, Chromium', { skip, timeout: 240000 }, async () => {
		mkdirSync(SHOTS, { recursive: true });
		const vf = vehiclesFile(srv);
		const r = await cvsimOnce(srv, ['--vehicles', vf, '--seed', '11', ...historyArgs(1), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		const live = cvsimLive(srv, ['--vehicles', vf, '--parked', '--seed', '11', '--quiet']);
		sim = live.proc;
		simLog = live.log;
		rx = await receiver();
		nd = await startNotify(srv);
		tok = await srv.token('demo');
		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
		page = await newPage();
	});

	it('a wrong fleet manager\'s password is said so: no Basic challenge, no session', { skip }, async () => {
		await keyboardLogin(page, 'fleet', 'not-the-password', 'fleet');
		await page.waitForSelector('#login-error:not([hidden])');
		assert.equal(await page.textContent('#login-error'), 'Wrong user name or password.');
		assert.equal(await session(), null);
		assert.deepEqual(basicChallenges, []);
	});

	it('the fleet manager logs in with the keyboard: a bearer token of scope fleet, no password kept, every request marked', { skip }, async () => {
		await keyboardLogin(page, 'fleet', 'fleet', 'fleet');
		await page.waitForSelector('table.fleet-vehicles tbody tr');
		assert.equal(new URL(page.url()).hash, `#/fleets/${FLEET}`);
		const s = await session();
		assert.equal(s.kind, 'fleet');
		assert.equal(s.scope, 'fleet');
		assert.ok(s.access && s.refresh, JSON.stringify(s));
		const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
		assert.doesNotMatch(stored, /Basic |"basic"|password|fleet:fleet|ZmxlZXQ6ZmxlZXQ/, 'no password, no Basic credential in the browser');
		// the API takes the token, on the fleet face only
		assert.equal((await srv.request('GET', `${B2B}/fleets?client_id=console`, { token: s.access })).status, 200);
		for (const [method, u, h] of apiRequests) {
			assert.ok(h['x-requested-with'], `${method} ${u} carries X-Requested-With`);
			assert.ok(!/^Basic /i.test(h.authorization || ''), `${method} ${u} sends no Basic credential`);
		}
		assert.deepEqual(basicChallenges, []);
		await shot(page, 'fleet-overview');
	});

	it('the overview is live: the fleet\'s status read again with each poll, a vehicle\'s new odometer shown', { skip, timeout: 60000 }, async () => {
		const v = srv.vehicles[0];
		const reads = () => apiRequests.filter(([m, u]) => m === 'GET' && new URL(u).pathname === `${B2B}/fleets/${FLEET}/status`).length;
		const before = reads();
		const st = (await freq('GET', `${B2B}/fleets/${FLEET}/vehicles/${v.id}/status`)).body;
		const km = Math.round(st.odometer.mileage) + 1234;
		const r = await srv.upload(v.vin, v.cred, { messageId: 'console-fleet-odo', samples: [{ at: new Date(now()).toISOString(), odometer: km }] });
		assert.equal(r.status, 200, r.text);
		await page.waitForFunction(({ vid, text }) => document.querySelector(`tr[data-vid="${vid}"]`)?.textContent.includes(text),
			{ vid: v.id, text: `${km.toLocaleString('en-US')} km` }, { timeout: 30000 });
		assert.ok(reads() > before, 'read again by the poll');
		// the value the poll changed is marked as such (the car is parked: its other values may move too, never its VIN)
		const changed = await page.locator(`tr[data-vid="${v.id}"] td.changed`).allInnerTexts();
		assert.ok(changed.includes(`${km.toLocaleString('en-US')} km`), JSON.stringify(changed));
		assert.equal(await page.locator(`tr[data-vid="${v.id}"] th.changed`).count(), 0);
		assert.equal(await page.locator(`tr[data-vid="${v.id}"] td:has-text("${km.toLocaleString('en-US')} km")`).getAttribute('title'),
			'Changed since the last poll');
	});

	it('every vehicle reachable: named by brand and VIN, its trips, a trip with its track, replay and CSV, its alerts and collisions', { skip, timeout: 90000 }, async () => {
		const names = await page.locator('table.fleet-vehicles tbody th').allInnerTexts();
		assert.deepEqual(names.map((n) => n.split(/\s+/).pop()).sort(), srv.vehicles.map((v) => v.vin).sort());
		assert.equal(await page.locator('path.cv-vehicle').count(), srv.vehicles.length);
		const v = srv.vehicles.find((x) => x.energy === 'electric');
		await page.click(`tr[data-vid="${v.id}"] >> text=Trips`);
		await page.waitForSelector('tr.trip-row');
		assert.equal(new URL(page.url()).hash, `#/f/${FLEET}/trips/${v.id}`);
		const trips = (await freq('GET', `${B2B}/fleets/${FLEET}/vehicles/${v.id}/trips?pageSize=20`)).body;
		assert.equal(await page.locator('tr.trip-row').count(), trips._embedded.trips.length);
		const trip = trips._embedded.trips.find((t) => t.stoppedAt && t.duration > 120);
		await page.click(`a[href="#/f/${FLEET}/trip/${v.id}/${trip.id}"]`);
		await page.waitForSelector('path.cv-track');
		await page.waitForSelector('#replay:not([hidden])');
		// the replay with the keyboard: the slider steps 10 s, and the marker, the charts and the words follow
		const t0 = Date.parse(trip.startedAt);
		assert.equal(Number(await page.inputValue('#replay-t')), t0);
		await page.focus('#replay-t');
		for (let i = 0; i < 6; i++)
			await page.keyboard.press('ArrowRight');
		assert.equal(Number(await page.inputValue('#replay-t')), t0 + 60000);
		const said = await page.textContent('#replay-now');
		assert.match(said, /\d+\.\d{5}, \d+\.\d{5} · Speed \d+(\.\d)? km\/h · Battery level \d+(\.\d)? %/, said);
		// the marker is where the vehicle was a minute in (its last position by then)
		const wp = (await freq('GET', `${B2B}/fleets/${FLEET}/vehicles/${v.id}/trips/${trip.id}/wayPoints?pageSize=2000`)).body._embedded.positions;
		const then = wp.filter((p) => Date.parse(p.properties.createdAt) <= t0 + 60000).at(-1).geometry.coordinates;
		assert.ok(said.includes(`${then[1].toFixed(5)}, ${then[0].toFixed(5)}`), `${said} / ${then}`);
		assert.equal(await page.locator('path.cv-replay').count(), 1);
		// hovering a chart gives its value there and moves the replay to that moment
		await page.locator('svg.chart-speed').hover({ position: { x: 300, y: 80 } });
		const cursor = await page.textContent('svg.chart-speed .cursor-value');
		assert.match(cursor, /^\d+(\.\d)? km\/h at /);
		assert.notEqual(Number(await page.inputValue('#replay-t')), t0 + 60000);
		assert.ok((await page.textContent('#replay-now')).includes(cursor.replace(/ at .*/, '')), 'the replay says the value hovered');
		await shot(page, 'fleet-trip-replay');
		// CSV beside GPX and GeoJSON: a row per position, with the values of the moment
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
		assert.match(dl.suggestedFilename(), /\.csv$/);
		const lines = readFileSync(await dl.path(), 'utf8').split('\r\n');
		assert.equal(lines.at(-1), '', 'every line ends with CRLF');
		assert.equal(lines[0], 'time,latitude,longitude,altitude_m,speed_kmh,battery_percent,fuel_percent');
		assert.equal(lines.length - 2, wp.length);
		const [time, lat, lon] = lines[1].split(',');
		assert.deepEqual([time, Number(lon), Number(lat)], [wp[0].properties.createdAt, ...wp[0].geometry.coordinates.slice(0, 2)]);
		assert.ok(lines.slice(1, -1).every((l) => l.split(',').length === 7 && /^\d{4}-\d\d-\d\dT/.test(l)));
		// its alerts and collisions
		await page.goto(url(`#/f/${FLEET}/alerts/${v.id}`));
		await page.waitForSelector('#alerts-body h2');
		const a = (await freq('GET', `${B2B}/fleets/${FLEET}/vehicles/${v.id}/alerts?pageSize=20`)).body;
		assert.equal(await page.locator('table.alert-history tbody tr, p.alert-history').count(), a.total ? Math.min(a.total, 20) : 1);
		assert.match(await page.innerText('#alerts-body'), /Collisions/);
	});

	it('the fleet\'s alerts page past the first page', { skip, timeout: 60000 }, async () => {
		const all = (await freq('GET', `${B2B}/fleets/${FLEET}/alerts?pageSize=20`)).body;
		await page.goto(url(`#/f/${FLEET}/alerts`));
		await page.waitForSelector('#alerts-body h2');
		assert.equal(await page.locator('table.alert-history tbody tr').count(), Math.min(20, all.total));
		if (all.total > 20) {
			await page.click('a[rel=next]');
			await page.waitForFunction(() => /Page 2 of/.test(document.querySelector('.pager')?.textContent || ''));
			assert.equal(await page.locator('table.alert-history tbody tr').count(), Math.min(20, all.total - 20));
		} else {
			// fewer than a page: no pager link to a next page
			assert.equal(await page.locator('a[rel=next]').count(), 0);
		}
		const cols = (await freq('GET', `${B2B}/fleets/${FLEET}/collisions?pageSize=20`)).body;
		assert.equal(await page.locator('table.collisions tbody tr').count(), Math.min(20, cols.total));
	});

	it('remote control: the fleet\'s webhook asked once (a refused address said at its field), immobilize and report stolen followed to their end', { skip, timeout: 150000 }, async () => {
		const v = srv.vehicles.find((x) => x.energy === 'petrol');
		await page.goto(url(`#/f/${FLEET}/remote/${v.id}`));
		await page.waitForSelector('#fcb-target');
		const before = (await freq('GET', `${B2B}/fleets/${FLEET}/remote/callbacks`)).body.total;
		await page.fill('#fcb-target', 'ftp://example.com/nope');
		await page.click('#fcb-form button[type=submit]');
		await page.waitForSelector('#fcb-target + .field-error');
		assert.equal(await page.textContent('.field-error'), 'Give the webhook\'s address: https:// followed by a host the server can reach.');
		assert.equal((await freq('GET', `${B2B}/fleets/${FLEET}/remote/callbacks`)).body.total, before, 'nothing stored');
		await page.fill('#fcb-target', rx.fleetRemoteUrl);
		await page.click('#fcb-form button[type=submit]');
		await page.waitForSelector('button[data-action=immobilize]');
		// refused at the confirmation: nothing sent
		page.once('dialog', (d) => d.dismiss());
		await page.click('button[data-action=immobilize]');
		assert.equal(await page.locator('.remote-action').count(), 0);
		page.once('dialog', (d) => d.accept());
		await page.click('button[data-action=immobilize]');
		await final(page);
		assert.match(await page.getAttribute('.remote-action', 'data-status'), /^(Success|AlreadyDone)$/);
		const steps = await page.locator('.remote-action >> nth=0 >> .progress li').allInnerTexts();
		assert.equal(steps[0], 'Accepted');
		assert.match(steps.at(-1), /^(Done|Already done)$/);
		page.once('dialog', (d) => d.accept());
		await page.click('button[data-action=stolen]');
		await page.waitForFunction(() => document.querySelectorAll('.remote-action').length === 2);
		await final(page);
		assert.match(await page.getAttribute('.remote-action', 'data-status'), /^(Success|AlreadyDone)$/);
		// as the API has them, under the console's fleet callback, labelled
		const cbs = (await freq('GET', `${B2B}/fleets/${FLEET}/remote/callbacks`)).body._embedded.callbacks.filter((c) => c.subscribe.label === 'cvapi console');
		assert.equal(cbs.length, 1, 'one console callback for the fleet');
		const acts = (await freq('GET', `${B2B}/fleets/${FLEET}/vehicles/${v.id}/callbacks/${cbs[0].id}/remotes`)).body._embedded.remoteActions;
		assert.deepEqual(acts.map((x) => Object.keys(x.remote).filter((k) => k !== 'label')[0]), ['immobilization', 'stolen']);
		await page.click('button[data-action=release]');
		await page.waitForFunction(() => document.querySelectorAll('.remote-action').length === 3);
		await final(page);
		await shot(page, 'fleet-remote');
		// the callback is found again: not asked twice
		await page.goto(url(`#/f/${FLEET}/remote/${v.id}`));
		await page.waitForSelector('button[data-action=lock]');
		assert.equal(await page.locator('#fcb-form').count(), 0);
	});

	it('the fleet\'s monitors: one made with its zone typed, what it fired and whether delivered, paused, deleted', { skip, timeout: 120000 }, async () => {
		await page.goto(url(`#/f/${FLEET}/monitors`));
		await page.waitForSelector('#mon-form');
		assert.equal(await page.isVisible('#mon-vehicle'), false, 'a fleet monitor watches every vehicle');
		await page.fill('#mon-label', 'Depot');
		await page.fill('#wh-target', rx.fleetMonitorUrl);
		// a zone far from every vehicle, left: the monitor fires when a vehicle goes from in it to out of it
		await page.fill('#mon-lat', '45.75');
		await page.fill('#mon-lon', '4.85');
		await page.fill('#mon-radius', '2');
		await page.selectOption('#mon-transition', 'Out');
		await page.focus('#mon-submit');
		await page.keyboard.press('Enter');
		await page.waitForSelector('tr.monitor-row');
		assert.match(await page.innerText('tr.monitor-row'), /Depot\s+every vehicle of the fleet\s+leaves 2 km around 45\.7500, 4\.8500/);
		const mid = await page.getAttribute('tr.monitor-row', 'data-mid');
		const m = (await freq('GET', `${B2B}/fleets/${FLEET}/monitors/${mid}`)).body;
		assert.equal(m.monitor.subscribeParam.callback.webhook.target, rx.fleetMonitorUrl);
		assert.deepEqual(m.monitor.triggerParam.triggers[0].zone, { transition: 'Out', place: { radius: 2, center: { latitude: 45.75, longitude: 4.85 } } });
		// nothing fired yet
		await page.click('tr.monitor-row button:has-text("Deliveries")');
		await page.waitForSelector('.deliveries-none');
		// a vehicle in the zone, then out of it: one event, delivered
		const v = srv.vehicles[0];
		const t = now();
		const r = await srv.upload(v.vin, v.cred, { messageId: 'console-fleet-zone', samples: [
			{ at: new Date(t - 2000).toISOString(), position: { lat: 45.75, lon: 4.85 } },
			{ at: new Date(t - 1000).toISOString(), position: { lat: 45.80, lon: 4.85 } }] });
		assert.equal(r.status, 200, r.text);
		await rx.until(() => rx.got.some((g) => g.body?.monitorId === mid && g.status === 200), 60000, 'the event delivered');
		await page.click('tr.monitor-row button:has-text("Deliveries")');
		await page.waitForSelector('tr.delivery[data-outcome=Delivered]');
		assert.match(await page.innerText('table.deliveries tbody tr >> nth=0'), /Delivered \(HTTP 200\)/);
		assert.equal(await page.evaluate(() => document.activeElement.id), 'mon-log-title', 'the log is where the focus goes');
		await shot(page, 'fleet-monitors');
		await page.click('tr.monitor-row button:has-text("Pause")');
		await page.waitForSelector('tr.monitor-row button:has-text("Resume")');
		assert.equal((await freq('GET', `${B2B}/fleets/${FLEET}/monitors/${mid}`)).body.status, 'Paused');
		page.once('dialog', (d) => d.accept());
		await page.click('tr.monitor-row button:has-text("Delete")');
		await page.waitForSelector('text=No monitor yet.');
		assert.equal((await freq('GET', `${B2B}/fleets/${FLEET}/monitors/${mid}`)).status, 404);
	});

	it('the driver\'s monitors show their deliveries too', { skip, timeout: 90000 }, async () => {
		const v = srv.vehicles[1];
		const cb = await srv.request('POST', `${B2C}/user/callbacks`, { token: tok, body: { label: 'rx', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } } });
		assert.equal(cb.status, 200, cb.text);
		const mon = await srv.request('POST', `${B2C}/user/vehicles/${v.id}/callbacks/${cb.body.callbackId}/monitors`, { token: tok, body: {
			label: 'Lyon', triggerParam: { triggers: [{ name: 'z', zone: { transition: 'Out', place: { radius: 2, center: { latitude: 45.75, longitude: 4.85 } } } }] } } });
		assert.equal(mon.status, 202, mon.text);
		const t = now();
		const r = await srv.upload(v.vin, v.cred, { messageId: 'console-user-zone', samples: [
			{ at: new Date(t - 2000).toISOString(), position: { lat: 45.75, lon: 4.85 } },
			{ at: new Date(t - 1000).toISOString(), position: { lat: 45.80, lon: 4.85 } }] });
		assert.equal(r.status, 200, r.text);
		await rx.until(() => rx.got.some((g) => g.body?.monitorEvent?.monitorId === mon.body.monitorId && g.status === 200), 60000, 'the event delivered');
		const p = await newPage();
		await keyboardLogin(p, 'demo', 'demo', 'user');
		await p.waitForSelector('.card');
		await p.goto(url('#/monitors'));
		await p.waitForSelector('tr.monitor-row');
		await p.click('tr.monitor-row:has-text("Lyon") button:has-text("Deliveries")');
		await p.waitForSelector('tr.delivery[data-outcome=Delivered]');
		assert.match(await p.textContent('#mon-log-title'), /Deliveries of Lyon/);
		await p.context().close();
	});

	it('a driver\'s card marks the value its last poll changed', { skip, timeout: 60000 }, async () => {
		const v = srv.vehicles[2];
		const p = await newPage();
		await keyboardLogin(p, 'demo', 'demo', 'user');
		await p.waitForSelector(`.card[data-vid="${v.id}"] dd`);
		const st = (await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok)).body;
		const km = Math.round(st.odometer.mileage) + 4321;
		const r = await srv.upload(v.vin, v.cred, { messageId: 'console-card-odo', samples: [{ at: new Date(now()).toISOString(), odometer: km }] });
		assert.equal(r.status, 200, r.text);
		const text = `${km.toLocaleString('en-US')} km`;
		await p.waitForFunction(({ vid, text }) => document.querySelector(`.card[data-vid="${vid}"]`)?.textContent.includes(text),
			{ vid: v.id, text }, { timeout: 30000 });
		const odo = p.locator(`.card[data-vid="${v.id}"] dd:has-text("${text}")`);
		assert.match(await odo.getAttribute('class'), /\bchanged\b/);
		assert.equal(await odo.getAttribute('title'), 'Changed since the last poll');
		assert.equal(await p.locator(`.card[data-vid="${v.id}"] h2.changed`).count(), 0);
		await p.context().close();
	});

	it('a value is stale only past twice its vehicle\'s reporting period, and the mark says why', { skip, timeout: 60000 }, async () => {
		// two vehicles of the demo user, quiet for 5 minutes: one reported every 10 s (stale), one every 30 min (not)
		const t = now();
		const add = async (vin, label, every) => {
			const out = await srv.cvctl(['vehicle', 'add', vin, '--owner', 'demo', '--energy', 'petrol', '--brand', 'Peugeot', '--label', label]);
			const cred = /credential=(\S+)/.exec(out)[1];
			const samples = Array.from({ length: 6 }, (_, i) => ({ at: new Date(t - 300000 - (5 - i) * every * 1000).toISOString(), odometer: 100 + i }));
			const r = await srv.upload(vin, cred, { messageId: `stale-${vin}`, samples });
			assert.equal(r.status, 200, r.text);
			return /id=(\S+)/.exec(out)[1];
		};
		const quick = await add('VR3STALE000000001', 'quick', 10);
		const slow = await add('VR3STALE000000002', 'slow', 1800);
		const p = await newPage();
		await keyboardLogin(p, 'demo', 'demo', 'user');
		await p.waitForSelector(`.card[data-vid="${quick}"] .age`);
		await p.waitForSelector(`.card[data-vid="${quick}"] .age.stale`, { timeout: 20000 });
		assert.equal(await p.locator(`.card[data-vid="${slow}"] .age.stale`).count(), 0, 'a vehicle that reports every 30 min is not stale at 5');
		assert.match(await p.getAttribute(`.card[data-vid="${quick}"] .age.stale >> nth=0`, 'title'), /twice this vehicle's reporting period/);
		assert.match(await p.innerText(`.card[data-vid="${quick}"]`), /5 min ago, stale/);
		assert.equal(await p.isVisible('#stale-note'), true, 'the mark explained under the cards');
		await shot(p, 'stale');
		await p.context().close();
	});

	it('on a phone-sized screen the fleet face fits: nothing wider than the screen, every field labelled', { skip, timeout: 60000 }, async () => {
		const phone = await newPage({ width: 390, height: 844 });
		await keyboardLogin(phone, 'fleet', 'fleet', 'fleet');
		await phone.waitForSelector('table.fleet-vehicles tbody tr');
		const v = srv.vehicles[0];
		for (const hash of [`#/fleets/${FLEET}`, `#/f/${FLEET}/monitors`, `#/f/${FLEET}/remote/${v.id}`, `#/f/${FLEET}/alerts`, `#/f/${FLEET}/trips/${v.id}`]) {
			await phone.goto(url(hash));
			await phone.waitForSelector('main h1');
			await phone.waitForLoadState('networkidle');
			const wide = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
			assert.ok(wide <= 0, `${hash}: ${wide} px wider than the screen`);
			const unlabelled = await phone.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, button')]
				.filter((e) => !e.closest('[hidden]') && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim())
				.map((e) => e.outerHTML.slice(0, 80)));
			assert.deepEqual(unlabelled, [], hash);
		}
		await phone.goto(url(`#/fleets/${FLEET}`));
		await phone.waitForSelector('table.fleet-vehicles tbody tr');
		await shot(phone, 'fleet-phone');
		await phone.context().close();
	});

	it('the fleet manager\'s token is refreshed before it expires, and log out revokes both tokens', { skip }, async () => {
		const before = await session();
		await page.evaluate(() => {
			const s = JSON.parse(sessionStorage.getItem('cvapi.session'));
			s.expires = Date.now();
			sessionStorage.setItem('cvapi.session', JSON.stringify(s));
		});
		await page.goto(url(`#/f/${FLEET}/alerts`));
		await page.waitForSelector('#alerts-body h2');
		const after = await session();
		assert.equal(after.kind, 'fleet');
		assert.notEqual(after.access, before.access);
		assert.notEqual(after.refresh, before.refresh);
		await page.click('#logout');
		await page.waitForSelector('#login-form');
		assert.equal(await session(), null);
		assert.equal((await srv.request('GET', `${B2B}/fleets?client_id=console`, { token: after.access })).status, 401, 'the access token is revoked');
		const f = await srv.oauth({ grant_type: 'refresh_token', client_id: 'console', refresh_token: after.refresh });
		assert.equal(f.status, 400, 'the refresh token is revoked');
		assert.deepEqual(basicChallenges, []);
	});

	it('no error in any page, and every file of the console was served', { skip }, async () => {
		assert.deepEqual(problems, []);
	});

	it('stop Chromium, cvsim, cvnotify and the receiver', { skip }, async () => {
		if (browser)
			await browser.close();
		if (sim)
			sim.kill('SIGTERM');
		if (nd)
			await nd.stop();
		if (rx)
			await rx.close();
	});
});

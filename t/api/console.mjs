// The console in a real browser: headless Chromium (Debian's) driven by
// playwright-core, against the real server of the other API tests, with
// two days of simulated history (cvsim --days) and the demo vehicles
// driven live (cvsim --live --parked) so that remote actions are carried
// out. The map tiles' server is unreachable here (as it may be for any
// host): every tile request is refused, and the map must still show the
// positions and tracks on its plain background.
//
// A screenshot of every page goes to t/api/console/ under the build tree.
// A lockout after wrong passwords lasts 120 s here (CVAPI_GUESS_DELAY), so
// that the console has minutes to say; an account may have 40 tokens a
// day (CVAPI_RATE_GRANT), so that one spends them here.
//
// Skipped, saying why, when Chromium or playwright-core is missing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, BUILDDIR } from '../lib/server.mjs';
import { assertSchema } from '../lib/schema.mjs';
import { cvsimOnce, cvsimLive, historyArgs, vehiclesFile } from '../lib/sim.mjs';
import { chromiumPath, playwright, skip, collectProblems, newContext, layoutProblems } from '../lib/browser.mjs';
import { now } from '../lib/clock.mjs';
const SHOTS = join(BUILDDIR, 't', 'api', 'console');

apiSuite('console', { env: { CVAPI_GUESS_DELAY: '120', CVAPI_RATE_GRANT: '40/0' } }, (srv, it) => {
	let browser, page, tok, sim = null, simLog = () => '';
	const problems = [];          // errors in the page: none is allowed
	const url = (hash = '') => `${srv.base}/${hash}`;
	const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	const session = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('cvapi.session') || 'null'));

	async function newPage(viewport = { width: 1100, height: 900 }) {
		const ctx = await newContext(browser, { viewport, acceptDownloads: true });
		const p = await ctx.newPage();
		// no tile server: every tile is refused, as on a host without one
		await p.route(/^https?:\/\/[^/]*tile/, (r) => r.abort());
		collectProblems(p, problems);
		p.on('response', (r) => {
			// the console's own files and Leaflet must all be served
			const u = new URL(r.url());
			if (u.origin === srv.base && !u.pathname.startsWith('/connectedcar/') && !u.pathname.startsWith('/oauth2/') && r.status() >= 400)
				problems.push(`${u.pathname}: ${r.status()}`);
		});
		return p;
	}

	async function login(p, user = 'demo', password = 'demo', kind = 'user') {
		await p.goto(url('#/login'));
		await p.check(`input[name=kind][value=${kind}]`);
		await p.fill('#login', user);
		await p.fill('#password', password);
		await p.click('#login-form button[type=submit]');
	}

	it('every answer, page, script, library or API, says how a browser may use it (CSP, framing, sniffing, referrer)', async () => {
		const tok0 = await srv.token('demo');
		const answers = {
			'the page': await srv.get('/'),
			'a script': await srv.get('/js/app.js'),
			'Leaflet': await srv.get('/javascript/leaflet/leaflet.css'),
			'an API answer': await srv.get(`${B2C}/user`, tok0),
			'an API error': await srv.get(`${B2C}/user`),
			'a file that is not there': await srv.get('/nothing.html'),
		};
		for (const [what, r] of Object.entries(answers)) {
			const csp = r.headers.get('content-security-policy') || '';
			assert.match(csp, /(^|; )default-src 'self'(;|$)/, `${what} (${r.status}): ${csp}`);
			assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/, what);
			assert.match(csp, /(^|; )object-src 'none'(;|$)/, what);
			assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, what);
			assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
			assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
			assert.equal(r.headers.get('referrer-policy'), 'no-referrer', what);
		}
		assert.equal(answers['the page'].status, 200);
		assert.equal(answers['an API error'].status, 401);
	});

	it('set-up: two days of history, the vehicles driven live, Chromium', { skip, timeout: 240000 }, async () => {
		mkdirSync(SHOTS, { recursive: true });
		const vf = vehiclesFile(srv);
		const r = await cvsimOnce(srv, ['--vehicles', vf, '--seed', '7', ...historyArgs(2), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		const live = cvsimLive(srv, ['--vehicles', vf, '--parked', '--seed', '7', '--quiet']);
		sim = live.proc;
		simLog = live.log;
		tok = await srv.token('demo');
		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
		page = await newPage();
	});

	it('a wrong password is said so, and nothing else happens', { skip }, async () => {
		await login(page, 'demo', 'not-the-password');
		await page.waitForSelector('#login-error:not([hidden])');
		assert.equal(await page.textContent('#login-error'), 'Wrong user name or password.');
		assert.equal(await session(), null);
		await shot('login');
	});

	it('a locked account is said locked, and for how long; a rate limit says when to try again', { skip }, async () => {
		// ten wrong passwords in a minute lock the account for CVAPI_GUESS_DELAY (120 s): the right one is refused too
		await srv.cvctl(['user', 'add', 'locked', '--password', 'locked-pw']);
		for (let i = 0; i < 10; i++) {
			const r = await srv.oauth({ grant_type: 'password', username: 'locked', password: `wrong-${i}`, client_id: 'console' });
			assert.equal(r.status, 400, r.text);
		}
		const refusal = (code) => page.waitForResponse(async (r) => r.status() === 429 && (await r.json()).code === code);
		const saidLocked = refusal(42902);
		await login(page, 'locked', 'locked-pw');
		await saidLocked;
		await page.waitForFunction(() => /locked/.test(document.getElementById('login-error').textContent));
		assert.equal(await page.textContent('#login-error'),
			'This account is locked for now, after too many failed attempts to log in. Try again in about 2 minutes.');
		assert.equal(await session(), null);
		await shot('login-locked');
		// a fleet manager over the token endpoint's budget of a day for the account (CVAPI_RATE_GRANT, 40 here, spent
		// here on its own account): a plain rate limit, with its wait
		await srv.cvctl(['user', 'add', 'busy', '--password', 'busy-pw']);
		await srv.cvctl(['fleet', 'add', 'busy-fleet', '--owner', 'busy']);
		for (let i = 0; i < 40; i++) {
			const r = await srv.oauth({ grant_type: 'password', username: 'busy', password: 'busy-pw', client_id: 'console', scope: 'fleet' });
			assert.equal(r.status, 200, r.text);
		}
		const saidBusy = refusal(42901);
		await login(page, 'busy', 'busy-pw', 'fleet');
		await saidBusy;
		await page.waitForFunction(() => /Too many/.test(document.getElementById('login-error').textContent));
		assert.match(await page.textContent('#login-error'), /^Too many requests: try again in (\d+ s|about \d+ (minute|hour)s?)\.$/);
		assert.equal(await session(), null);
	});

	it('logged in as demo: a card per vehicle with its values and their ages, and a marker each on the map', { skip }, async () => {
		await login(page);
		await page.waitForSelector('.card .age');
		const vehicles = (await srv.get(`${B2C}/user/vehicles`, tok)).body._embedded.vehicles;
		assert.equal(vehicles.length, 3);
		assert.equal(await page.locator('.card').count(), 3);
		await page.waitForFunction(() => document.querySelectorAll('path.cv-vehicle').length === 3);
		for (const v of vehicles) {
			const card = page.locator(`.card[data-vid="${v.id}"]`);
			const text = await card.innerText();
			assert.ok(text.includes(v.vin) && text.includes(v.brand), text);
			const st = (await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok)).body;
			// the odometer as the API has it (rounded to the km), with an age
			assert.ok(text.includes(Math.round(st.odometer.mileage).toLocaleString('en-US')), `${text}\n${st.odometer.mileage}`);
			assert.match(text, /\d+ (s|min|h) ago|\d+ days? ago/);
			assert.match(text, /Locked|Unlocked/);
		}
		// each marker is labelled with its vehicle
		const labels = await page.locator('.cv-label').allInnerTexts();
		assert.deepEqual(labels.sort(), vehicles.map((v) => v.label).sort());
		await shot('fleet');
	});

	it('the fleet page polls with If-None-Match: the ETag of the last answer, so that an unchanged status is a 304', { skip, timeout: 60000 }, async () => {
		const etags = new Map();
		const checks = [];
		const pending = [];
		const isStatus = (u) => /\/status$/.test(new URL(u).pathname);
		const onResp = (r) => {
			if (isStatus(r.url()) && r.status() === 200)
				pending.push(r.allHeaders().then((h) => etags.set(r.url(), h.etag)));
		};
		const onReq = (r) => {
			if (isStatus(r.url()) && etags.has(r.url()))
				pending.push(r.allHeaders().then((h) => checks.push([r.url(), h['if-none-match'], etags.get(r.url())])));
		};
		page.on('response', onResp);
		page.on('request', onReq);
		// the page's first reads, then its next poll (every 10 s) asks with what they got
		await page.reload();
		for (const t0 = Date.now(); checks.length < 3;) {
			assert.ok(Date.now() - t0 < 45000, `the page polls (${checks.length} conditional reads)`);
			await page.waitForEvent('request', { predicate: (r) => isStatus(r.url()), timeout: 30000 });
			await Promise.all(pending);
		}
		page.off('response', onResp);
		page.off('request', onReq);
		for (const [u, sent, had] of checks)
			assert.equal(sent, had, u);
	});

	it('over its rate limit the console says it waits, waits as told, and draws the page', { skip, timeout: 60000 }, async () => {
		// the console's own client gets 3 requests a second per grant: a page's first reads go over it
		await srv.cvctl(['client', 'limits', 'console', '--token-second', '3']);
		const refused = [];
		const onResp = (r) => {
			if (r.url().includes('/connectedcar/') && r.status() === 429)
				refused.push(r);
		};
		page.on('response', onResp);
		try {
			await page.reload();
			await page.waitForFunction(() => /Too many requests: waiting \d+ s before asking again/.test(document.getElementById('status').textContent),
				null, { timeout: 20000 });
			assert.ok(refused.length > 0, 'the API refused some reads');
			const h = await refused[0].allHeaders();
			assert.ok(Number(h['retry-after']) >= 1, JSON.stringify(h));
			// every card drawn in the end, and the waiting said no more
			await page.waitForFunction(() => document.querySelectorAll('.card').length === 3 &&
				[...document.querySelectorAll('.card')].every((c) => c.querySelector('.age')) &&
				!/Too many requests/.test(document.getElementById('status').textContent), null, { timeout: 30000 })
				.catch(async (e) => {
					const state = await page.evaluate(() => `${document.querySelectorAll('.card').length} cards; ` +
						`status line: "${document.getElementById('status').textContent}"; ${document.getElementById('view').innerText.slice(0, 300)}`);
					throw new Error(`${e.message}: ${state}`);
				});
			await shot('rate-limited');
		} finally {
			page.off('response', onResp);
			await srv.cvctl(['client', 'limits', 'console', '--default']);
		}
	});

	let trip, tripVid;
	it('trips: the list of a vehicle, a page at a time, filtered by date', { skip }, async () => {
		const v = srv.vehicles.find((x) => x.energy === 'electric');
		tripVid = v.id;
		await page.click(`.card[data-vid="${v.id}"] >> text=Trips`);
		await page.waitForSelector('tr.trip-row');
		const api = (await srv.get(`${B2C}/user/vehicles/${v.id}/trips?pageSize=20`, tok)).body;
		assert.equal(await page.locator('tr.trip-row').count(), api._embedded.trips.length);
		trip = api._embedded.trips[0];
		if (api.total > 20) {
			await page.click('a[rel=next]');
			await page.waitForFunction(() => /Page 2 of/.test(document.querySelector('caption')?.textContent || ''));
		}
		// a day with no trips in the future: the filter reaches the API
		const later = new Date(now() + 5 * 86400000).toISOString().slice(0, 10);
		await page.fill('#from', later);
		await page.click('#trip-filter button[type=submit]');
		await page.waitForSelector('text=No trip in this period.');
		await page.goto(url(`#/trips/${v.id}`));
		await page.waitForSelector('tr.trip-row');
		await shot('trips');
	});

	it('a trip: its track with start and stop markers, its figures, and speed and energy charts', { skip }, async () => {
		await page.click(`a[href="#/trip/${tripVid}/${trip.id}"]`);
		await page.waitForSelector('path.cv-track');
		await page.waitForSelector('svg.chart-speed path.series');
		assert.equal(await page.locator('path.cv-start').count(), 1);
		assert.equal(await page.locator('path.cv-stop').count(), trip.stoppedAt ? 1 : 0);
		assert.ok(await page.locator('svg.chart-energy path.series').count() >= 1, 'an energy chart');
		// the track is drawn inside the map, not off it (the map fits it)
		const box = await page.locator('#trip-map').boundingBox();
		const track = await page.locator('path.cv-track').boundingBox();
		assert.ok(track.width > 20 || track.height > 20, 'the track has a size');
		assert.ok(track.x >= box.x - 1 && track.x + track.width <= box.x + box.width + 1, 'the track fits the map');
		const figures = await page.innerText('#figures');
		assert.ok(figures.includes(`${Math.round(trip.distance)} km`), figures);
		await shot('trip');
	});

	it('a trip exported as GPX and GeoJSON: both parse and hold every position', { skip }, async () => {
		const wp = (await srv.get(`${B2C}/user/vehicles/${tripVid}/trips/${trip.id}/wayPoints?pageSize=2000`, tok)).body;
		const [gpxDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-gpx')]);
		assert.match(gpxDl.suggestedFilename(), /\.gpx$/);
		const gpx = readFileSync(await gpxDl.path(), 'utf8');
		const parsed = await page.evaluate((text) => {
			const doc = new DOMParser().parseFromString(text, 'application/xml');
			if (doc.querySelector('parsererror'))
				return { error: doc.querySelector('parsererror').textContent };
			const pts = [...doc.getElementsByTagName('trkpt')];
			return { root: doc.documentElement.localName, ns: doc.documentElement.namespaceURI, n: pts.length,
				first: [Number(pts[0].getAttribute('lon')), Number(pts[0].getAttribute('lat'))],
				times: pts.filter((p) => p.getElementsByTagName('time').length).length };
		}, gpx);
		assert.equal(parsed.error, undefined, parsed.error);
		assert.equal(parsed.root, 'gpx');
		assert.equal(parsed.ns, 'http://www.topografix.com/GPX/1/1');
		assert.equal(parsed.n, wp.total);
		assert.equal(parsed.times, wp.total);
		assert.deepEqual(parsed.first, wp._embedded.positions[0].geometry.coordinates.slice(0, 2));
		const [gjDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-geojson')]);
		const gj = JSON.parse(readFileSync(await gjDl.path(), 'utf8'));
		assert.equal(gj.type, 'FeatureCollection');
		assert.equal(gj.features[0].geometry.type, 'LineString');
		assert.equal(gj.features[0].geometry.coordinates.length, wp.total);
	});

	it('alerts: active and history as the API has them, each where it happened on the map', { skip }, async () => {
		await page.goto(url('#/alerts'));
		await page.waitForSelector('#alerts-body h2');
		let total = 0, active = 0, placed = 0;
		for (const v of srv.vehicles) {
			const a = (await srv.get(`${B2C}/user/vehicles/${v.id}/alerts?pageSize=20`, tok)).body;
			for (const x of a._embedded?.alerts || []) {
				total++;
				active += x.active ? 1 : 0;
				placed += x.startPosition ? 1 : 0;
			}
		}
		assert.ok(total > 0, 'two days of history hold alerts');
		assert.equal(await page.locator('table.alert-history tbody tr').count(), total);
		assert.equal(await page.locator('table.active-alerts tbody tr').count(), active);
		assert.equal(await page.locator('path.cv-alert').count(), placed);
		assert.ok(placed > 0, 'an alert on the map');
		await shot('alerts');
	});

	it('monitors: draw a zone on the map, see it listed and stored, pause it, delete it', { skip }, async () => {
		await page.goto(url('#/monitors'));
		await page.waitForSelector('#mon-form');
		await page.waitForSelector('#mon-map.leaflet-container');
		// no callback yet: the page offers a new webhook
		assert.equal(await page.isVisible('#mon-new-webhook'), true);
		await page.fill('#wh-target', 'https://example.com/cvapi-hook');
		await page.fill('#mon-label', 'Home zone');
		await page.click('#mon-draw');
		const box = await page.locator('#mon-map').boundingBox();
		await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
		await page.mouse.click(box.x + box.width / 2 + 120, box.y + box.height / 2);
		const lat = Number(await page.inputValue('#mon-lat')), lon = Number(await page.inputValue('#mon-lon'));
		const radius = Number(await page.inputValue('#mon-radius'));
		assert.ok(Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && radius >= 1, `${lat} ${lon} ${radius}`);
		await page.waitForSelector('path.cv-draft');
		const vid = await page.inputValue('#mon-vehicle');
		await page.click('#mon-form button[type=submit]');
		await page.waitForSelector('tr.monitor-row');
		assert.match(await page.innerText('tr.monitor-row'), /Home zone/);
		assert.ok(await page.locator('path.cv-zone').count() >= 1);
		await shot('monitors');
		// stored as drawn
		const cbs = (await srv.get(`${B2C}/user/callbacks`, tok)).body._embedded.callbacks;
		const cb = cbs.find((c) => c.subscribe.callback.webhook && c.subscribe.callback.webhook.target === 'https://example.com/cvapi-hook');
		assert.ok(cb, 'the new webhook callback');
		const mid = await page.getAttribute('tr.monitor-row', 'data-mid');
		const m = await srv.get(`${B2C}/user/vehicles/${vid}/callbacks/${cb.id}/monitors/${mid}`, tok);
		assert.equal(m.status, 200, m.text);
		// the spec's trigger name pattern holds literal quotes (a defect of the document; see callbacks.mjs)
		await assertSchema(m.body, 'Monitor', { ignore: [/triggers\/\d+\/name must match pattern/] });
		const z = m.body.monitor.triggerParam.triggers[0].zone;
		assert.deepEqual([z.place.center.latitude, z.place.center.longitude, z.place.radius], [lat, lon, radius]);
		// pause, then delete
		await page.click('tr.monitor-row button:has-text("Pause")');
		await page.waitForSelector('tr.monitor-row button:has-text("Resume")');
		assert.equal((await srv.get(`${B2C}/user/vehicles/${vid}/callbacks/${cb.id}/monitors/${mid}`, tok)).body.status, 'Paused');
		page.once('dialog', (d) => d.accept());
		await page.click('tr.monitor-row button:has-text("Delete")');
		await page.waitForSelector('text=No monitor yet.');
		assert.equal((await srv.get(`${B2C}/user/vehicles/${vid}/callbacks/${cb.id}/monitors/${mid}`, tok)).status, 404);
	});

	it('a value the API refuses is said next to its field, in the console\'s words', { skip }, async () => {
		const raw = /callback\.|webhook\.target|timestamps|\(\d{3}\)/;
		// a new webhook without its address: the API names callback.webhook.target
		await page.goto(url('#/monitors'));
		await page.waitForSelector('#mon-form');
		await page.selectOption('#mon-callback', '');
		await page.fill('#wh-target', '');
		await page.fill('#mon-lat', '48.85');
		await page.fill('#mon-lon', '2.35');
		await page.click('#mon-form button[type=submit]');
		await page.waitForSelector('#wh-target + #wh-target-error');
		assert.equal(await page.textContent('#wh-target-error'), 'Give the webhook\'s address: https:// followed by a host the server can reach.');
		assert.equal(await page.getAttribute('#wh-target', 'aria-invalid'), 'true');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'wh-target');
		assert.doesNotMatch(await page.innerText('#view'), raw);
		await shot('monitor-refused');
		// fixed, the message goes
		await page.fill('#wh-target', 'https://example.com/cvapi-hook-2');
		await page.click('#mon-form button[type=submit]');
		await page.waitForSelector('tr.monitor-row');
		assert.equal(await page.locator('.field-error').count(), 0);
		assert.equal(await page.getAttribute('#wh-target', 'aria-invalid'), null);
		page.once('dialog', (d) => d.accept());
		await page.click('tr.monitor-row button:has-text("Delete")');
		await page.waitForSelector('text=No monitor yet.');

		// a period that ends before it starts: the API refuses the trips' timestamps
		await page.goto(url(`#/trips/${tripVid}`));
		await page.waitForSelector('tr.trip-row');
		const day = (d) => new Date(now() + d * 86400000).toISOString().slice(0, 10);
		await page.fill('#from', day(-1));
		await page.fill('#to', day(-5));
		await page.click('#trip-filter button[type=submit]');
		await page.waitForSelector('#to + #to-error');
		assert.equal(await page.textContent('#to-error'), 'The period ends before it starts: pick an end on or after the start.');
		assert.doesNotMatch(await page.innerText('#view'), raw);
	});

	it('remote: Unlock then Lock reach Done, shown step by step, and /status shows the doors locked', { skip, timeout: 120000 }, async () => {
		const v = srv.vehicles.find((x) => x.energy === 'petrol');
		await page.goto(url(`#/remote/${v.id}`));
		await page.waitForSelector('button[data-action=lock]');
		const finalOf = () => page.evaluate(() => document.querySelector('.remote-action')?.dataset.status || '');
		const press = async (action) => {
			await page.click(`button[data-action=${action}]`);
			await page.waitForFunction(() => ['Success', 'AlreadyDone', 'Failed'].includes(document.querySelector('.remote-action')?.dataset.status),
				null, { timeout: 60000 }).catch((e) => { throw new Error(`${e.message}\ncvsim said:\n${simLog()}`); });
			return finalOf();
		};
		assert.match(await press('unlock'), /^(Success|AlreadyDone)$/);
		assert.equal(await press('lock'), 'Success');
		const steps = await page.locator('.remote-action >> nth=0 >> .progress li').allInnerTexts();
		assert.deepEqual([steps[0], steps.at(-2), steps.at(-1)], ['Accepted', 'Sent to the vehicle', 'Done'], steps.join(' '));
		const st = (await srv.get(`${B2C}/user/vehicles/${v.id}/status`, tok)).body;
		assert.equal(st.doorsState.lockedStates[0], 'Locked');
		// the console's own callback is a poll callback: nothing is queued for delivery
		const cbs = (await srv.get(`${B2C}/user/callbacks?types=Remote`, tok)).body._embedded.callbacks;
		const mine = cbs.filter((c) => c.label === 'cvapi console');
		assert.equal(mine.length, 1, 'one console callback, made once');
		assert.deepEqual(mine[0].subscribe.callback, { poll: { name: 'cvapi console' } });
		await shot('remote');
	});

	it('Lock on a locked car: Already done, in words', { skip, timeout: 90000 }, async () => {
		await page.click('button[data-action=lock]');
		await page.waitForFunction(() => document.querySelectorAll('.remote-action').length === 3
			&& ['Success', 'AlreadyDone', 'Failed'].includes(document.querySelector('.remote-action').dataset.status), null, { timeout: 60000 });
		assert.equal(await page.getAttribute('.remote-action >> nth=0', 'data-status'), 'AlreadyDone');
		assert.equal(await page.innerText('.remote-action >> nth=0 >> .progress li >> nth=-1'), 'Already done');
		// a petrol car is offered no charging; an electric one is
		assert.equal(await page.locator('button[data-action=charge]').count(), 0);
		const e = srv.vehicles.find((x) => x.energy === 'electric');
		await page.goto(url(`#/remote/${e.id}`));
		await page.waitForSelector('button[data-action=charge]');
	});

	it('the token is refreshed before it expires, without the person noticing', { skip }, async () => {
		const before = await session();
		await page.evaluate(() => {
			const s = JSON.parse(sessionStorage.getItem('cvapi.session'));
			s.expires = Date.now();
			sessionStorage.setItem('cvapi.session', JSON.stringify(s));
		});
		await page.goto(url('#/alerts'));
		await page.waitForSelector('#alerts-body h2');
		const after = await session();
		assert.notEqual(after.access, before.access);
		assert.notEqual(after.refresh, before.refresh);
		// the old refresh token was spent by the rotation
		const r = await srv.request('POST', '/oauth2/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: `grant_type=refresh_token&client_id=console&refresh_token=${encodeURIComponent(before.refresh)}` });
		assert.equal(r.status, 400);
	});

	it('an ended session goes back to login, then returns to the page it was on', { skip }, async () => {
		const s = await session();
		// ended elsewhere: both tokens revoked
		for (const t of [s.access, s.refresh]) {
			const r = await srv.request('POST', '/oauth2/revoke', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: `client_id=console&token=${encodeURIComponent(t)}` });
			assert.equal(r.status, 200, r.text);
		}
		await page.goto(url(`#/trips/${tripVid}`));
		await page.waitForSelector('#login-form');
		assert.match(await page.innerText('.login'), /Your session has ended/);
		await shot('expired');
		await page.fill('#login', 'demo');
		await page.fill('#password', 'demo');
		await page.click('#login-form button[type=submit]');
		await page.waitForSelector('tr.trip-row');
		assert.equal(new URL(page.url()).hash, `#/trips/${tripVid}`);
	});

	it('log out revokes the tokens', { skip }, async () => {
		const s = await session();
		await page.click('#logout');
		await page.waitForSelector('#login-form');
		assert.equal(await session(), null);
		const r = await srv.get(`${B2C}/user`, s.access);
		assert.equal(r.status, 401, 'the access token is revoked');
		const f = await srv.request('POST', '/oauth2/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: `grant_type=refresh_token&client_id=console&refresh_token=${encodeURIComponent(s.refresh)}` });
		assert.equal(f.status, 400, 'the refresh token is revoked');
	});

	it('a fleet manager sees the fleet: its vehicles, on the map, and the fleet-wide alerts', { skip }, async () => {
		await login(page, 'fleet', 'fleet', 'fleet');
		await page.waitForSelector('table.fleet-vehicles');
		// the table is drawn before its rows are filled in: wait for them, then count
		await page.waitForFunction(() => document.querySelectorAll('table.fleet-vehicles tbody tr').length > 0);
		assert.equal(await page.locator('table.fleet-vehicles tbody tr').count(), 3);
		await page.waitForFunction(() => document.querySelectorAll('path.cv-vehicle').length === 3);
		await page.waitForFunction(() => document.querySelectorAll('table.fleet-alerts tbody tr').length > 0);
		await shot('fleets');
		await page.click('#logout');
		await page.waitForSelector('#login-form');
	});

	it('each role is sent to its own home page from the other\'s pages, session kept; the login form offers the role last used', { skip }, async () => {
		const note = (re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status').textContent), re.source);
		// a fleet manager on a driver's page
		await login(page, 'fleet', 'fleet', 'fleet');
		await page.waitForSelector('table.fleet-vehicles');
		const home = new URL(page.url()).hash;
		await page.goto(url('#/alerts'));
		await note(/That page is a driver's: here is your home page as a fleet manager\./);
		await page.waitForFunction((h) => location.hash === h && document.querySelector('table.fleet-vehicles'), home);
		assert.equal((await session()).kind, 'fleet', 'the session holds');
		assert.equal(await page.locator('#login-form').count(), 0);
		await page.click('#logout');
		await page.waitForSelector('#login-form');
		assert.equal(await page.isChecked('input[name=kind][value=fleet]'), true, 'the form offers the fleet manager again');
		// a driver on a fleet manager's page
		await login(page);
		await page.waitForSelector('.card .age');
		await page.goto(url('#/fleets'));
		await note(/That page is a fleet manager's: here is your home page as a driver\./);
		await page.waitForFunction(() => location.hash === '#/fleet' && document.querySelector('.card'));
		assert.equal((await session()).kind, 'user', 'the session holds');
		await page.click('#logout');
		await page.waitForSelector('#login-form');
		assert.equal(await page.isChecked('input[name=kind][value=user]'), true, 'the form offers the driver again');
	});

	it('61 vehicles, one more than a page: the user\'s pages and the fleet manager\'s list every one', { skip, timeout: 180000 }, async () => {
		// a user with 61 vehicles, who also manages a fleet of them
		const N = 61;
		const vins = [], labels = [];
		await srv.cvctl(['user', 'add', 'many', '--password', 'many']);
		await srv.cvctl(['fleet', 'add', 'many-fleet', '--owner', 'many', '--label', 'Sixty-one']);
		for (let i = 0; i < N; i++) {
			const n = String(i).padStart(3, '0');
			vins.push(`VR3MANY0000000${n}`);
			labels.push(`car ${n}`);
			// the last one has no brand: named by its label alone
			await srv.cvctl(['vehicle', 'add', vins[i], '--owner', 'many', '--energy', 'electric',
				...(i === N - 1 ? [] : ['--brand', 'Peugeot']), '--label', labels[i]]);
			await srv.cvctl(['fleet', 'add-vehicle', 'many-fleet', vins[i]]);
		}
		const p = await newPage();
		const noUndefined = async (what) => assert.doesNotMatch(await p.evaluate(() => document.body.innerText), /undefined/, what);
		// which of keys the elements of sel show (each key is in one element's text at most)
		const shown = async (sel, keys) => {
			const texts = await p.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent), sel);
			return keys.filter((k) => texts.some((t) => t.includes(k)));
		};

		await login(p, 'many', 'many');
		await p.waitForSelector('#cards .card[data-vid]');
		assert.deepEqual(await shown('#cards .card[data-vid]', vins), vins, 'the vehicles page has a card for each');
		assert.equal(await p.locator('#cards .card[data-vid]').count(), N);
		assert.equal(await p.textContent('#fleet-note'), '', 'and does not say it shows only some');
		await noUndefined('the vehicles page names the one without a brand');
		for (const [hash, sel] of [['#/trips', '#vehicle option'], ['#/alerts', '#vehicle option:not([value=""])'],
			['#/monitors', '#mon-vehicle option']]) {
			await p.goto(url(hash));
			await p.waitForSelector(sel, { state: 'attached' });
			assert.deepEqual(await shown(sel, labels), labels, `${hash}: every vehicle in the picker`);
			assert.equal(await p.locator(sel).count(), N, hash);
			await noUndefined(hash);
		}
		await p.click('#logout');
		await p.waitForSelector('#login-form');

		await login(p, 'many', 'many', 'fleet');
		await p.waitForSelector('table.fleet-vehicles');
		assert.equal(new URL(p.url()).hash, '#/fleets/many-fleet', 'the only fleet opens');
		// the table is drawn before its rows are filled in: wait for them, then count
		await p.waitForFunction(() => document.querySelectorAll('table.fleet-vehicles tbody tr').length > 0);
		assert.deepEqual(await shown('table.fleet-vehicles tbody tr', vins), vins, 'the fleet\'s table has a row for each');
		assert.equal(await p.locator('table.fleet-vehicles tbody tr').count(), N);
		assert.equal(await p.textContent('table.fleet-vehicles caption'), `${N} vehicles`);
		await noUndefined('the fleet\'s table');
		await p.screenshot({ path: join(SHOTS, 'fleets-61.png'), fullPage: true });
		await p.click('#logout');
		await p.waitForSelector('#login-form');
		await p.context().close();
	});

	it('on a phone-sized screen: nothing wider than the screen, every field labelled', { skip }, async () => {
		const phone = await newPage({ width: 390, height: 844 });
		await login(phone);
		await phone.waitForSelector('.card .age');
		await phone.waitForFunction(() => document.querySelectorAll('path.cv-vehicle').length === 3);
		const ev = srv.vehicles.find((v) => v.energy === 'electric').id;
		for (const hash of ['#/fleet', `#/remote/${srv.vehicles[0].id}`, '#/monitors', '#/alerts', `#/charges/${ev}`, `#/summary/${ev}`]) {
			await phone.goto(url(hash));
			await phone.waitForSelector('main h1');
			await phone.waitForLoadState('networkidle');
			const { wide, unlabelled } = await layoutProblems(phone);
			assert.ok(wide <= 0, `${hash}: ${wide} px wider than the screen`);
			assert.deepEqual(unlabelled, [], hash);
		}
		await phone.goto(url('#/fleet'));
		await phone.waitForSelector('.card .age');
		await phone.screenshot({ path: join(SHOTS, 'fleet-phone.png'), fullPage: true });
		await phone.context().close();
	});

	it('no error in any page, and every file of the console was served', { skip }, async () => {
		assert.deepEqual(problems, []);
	});

	it('stop Chromium and cvsim', { skip }, async () => {
		if (browser)
			await browser.close();
		if (sim)
			sim.kill('SIGTERM');
	});
});

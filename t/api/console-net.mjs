// The console and the network around it, in a real browser (headless
// Chromium driven by playwright-core, as console.mjs): outages of the
// server, map tiles that cannot be had, a geocoder, and the maps' tools.
//
// The browser reaches the server through a front the test runs (a small
// reverse proxy, as a host may put before cvapi): it passes every request
// to the real server, serves the console's console.json with this test's
// settings (a `geocoder`, a `tiles` of its own), and passes /geocode/ and
// /tiles/ to a stub geocoder and tile server the test starts. An outage
// is the front's port refusing connections (closed, its connections
// dropped) or the front answering 503 as a web server whose programs are
// down; the real server and cvsim (which drives the vehicles straight to
// it) go on meanwhile, so that a remote action ends while the console
// cannot see it. Tiles on the usual tile servers are refused, as on a
// host without internet.
//
// Skipped, saying why, when Chromium or playwright-core is missing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { apiSuite, B2C, BUILDDIR, SRCDIR } from '../lib/server.mjs';
import { cvsimOnce, cvsimLive, historyArgs, vehiclesFile } from '../lib/sim.mjs';
import { chromiumPath, playwright, skip, collectProblems, newContext } from '../lib/browser.mjs';
const SHOTS = join(BUILDDIR, 't', 'api', 'console');

const UNREACHABLE = 'Server unreachable, retrying...';
const NO_TILES = 'Map tiles are unavailable here: positions and tracks are drawn on a plain background.';
const RAW = /Failed to fetch|TypeError|NetworkError|dynamically imported|ERR_|\(50\d\)/;
// a 1x1 transparent PNG: what the stub tile server answers
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/* Until cond() is true (checked every 50 ms), at most ms. */
async function until(cond, what, ms = 30000) {
	const t0 = Date.now();
	for (;;) {
		const v = await cond();
		if (v)
			return v;
		if (Date.now() - t0 > ms)
			throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/* The stub geocoder and tile server: Nominatim's reverse answer, a PNG per tile; what it was asked. */
function stubServer() {
	const stub = { asked: [], tiles: 0, inFlight: 0, maxInFlight: 0 };
	stub.server = http.createServer((req, res) => {
		const u = new URL(req.url, 'http://stub');
		if (u.pathname.startsWith('/tiles/')) {
			stub.tiles++;
			res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' });
			res.end(PNG);
			return;
		}
		if (u.pathname === '/geocode/reverse') {
			const lat = u.searchParams.get('lat'), lon = u.searchParams.get('lon');
			stub.asked.push([Number(lon), Number(lat)]);
			stub.inFlight++;
			stub.maxInFlight = Math.max(stub.maxInFlight, stub.inFlight);
			// an answer that takes a moment, so that requests asked together would overlap
			setTimeout(() => {
				stub.inFlight--;
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ place_id: 1, lat, lon, display_name: `${Number(lat).toFixed(3)} North Street, Testville`, address: { road: 'North Street' } }));
			}, 30);
			return;
		}
		res.writeHead(404);
		res.end();
	});
	return stub;
}

/*
 * The front: passes requests to target (the real server), console.json
 * with settings, /geocode/ and /tiles/ to the stub. mode: 'up', 'refuse'
 * (the port closed), '503' (every answer a 503 from the front itself).
 */
function front(target, stubPort, settings) {
	const f = { mode: 'up', sockets: new Set(), port: 0 };
	const console0 = JSON.parse(readFileSync(join(SRCDIR, 'www', 'console.json'), 'utf8'));
	f.server = http.createServer((req, res) => {
		if (f.mode === '503') {
			res.writeHead(503, { 'Content-Type': 'text/html', Connection: 'close' });
			res.end('<h1>503 Service Unavailable</h1>');
			return;
		}
		const path = req.url;
		if (path.split('?')[0] === '/console.json') {
			res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
			res.end(JSON.stringify({ ...console0, ...settings() }));
			return;
		}
		const to = /^\/(geocode|tiles)\//.test(path) ? `http://127.0.0.1:${stubPort}` : target;
		const up = http.request(`${to}${path}`, { method: req.method, headers: req.headers }, (r) => {
			res.writeHead(r.statusCode, r.headers);
			r.pipe(res);
		});
		up.on('error', () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(up);
	});
	f.server.on('connection', (s) => {
		f.sockets.add(s);
		s.on('close', () => f.sockets.delete(s));
	});
	f.listen = (port = 0) => new Promise((res, rej) => {
		f.server.once('error', rej);
		f.server.listen(port, '127.0.0.1', () => {
			f.server.off('error', rej);
			f.port = f.server.address().port;
			res();
		});
	});
	/* the port refuses: closed, and every connection dropped */
	f.refuse = async () => {
		f.mode = 'refuse';
		const closed = new Promise((r) => f.server.close(r));
		for (const s of f.sockets)
			s.destroy();
		await closed;
	};
	/* every answer a 503; the connections open now are dropped, so that none is kept alive past it */
	f.fail503 = () => {
		f.mode = '503';
		for (const s of f.sockets)
			s.destroy();
	};
	f.restore = async () => {
		if (f.mode === 'refuse')
			await f.listen(f.port);
		f.mode = 'up';
	};
	return f;
}

apiSuite('console-net', {}, (srv, it) => {
	let browser, sim = null, simLog = () => '', stub, fr, tok;
	let settings = {};
	const problems = [];
	const tileFailures = [];

	async function newPage(viewport = { width: 1100, height: 900 }) {
		const ctx = await newContext(browser, { viewport });
		const p = await ctx.newPage();
		// the usual tile servers are out of reach, as on a host without internet
		await p.route(/^https?:\/\/[^/]*tile[^/]*\//, (r) => r.abort('connectionrefused'));
		p.on('requestfailed', (r) => {
			if (/tile/.test(new URL(r.url()).hostname))
				tileFailures.push({ url: r.url(), error: r.failure() && r.failure().errorText });
		});
		collectProblems(p, problems);
		return p;
	}
	const url = (hash = '') => `http://127.0.0.1:${fr.port}/${hash}`;
	const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

	async function login(p) {
		await p.goto(url('#/login'));
		await p.fill('#login', 'demo');
		await p.fill('#password', 'demo');
		await p.click('#login-form button[type=submit]');
		await p.waitForSelector('.card .age');
	}

	it('set-up: a day of history, the vehicles driven live, the front, the stub geocoder and tile server, Chromium', { skip, timeout: 240000 }, async () => {
		mkdirSync(SHOTS, { recursive: true });
		const vf = vehiclesFile(srv);
		const r = await cvsimOnce(srv, ['--vehicles', vf, '--seed', '11', ...historyArgs(1), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		const live = cvsimLive(srv, ['--vehicles', vf, '--parked', '--seed', '11', '--quiet']);
		sim = live.proc;
		simLog = live.log;
		tok = await srv.token('demo');
		stub = stubServer();
		await new Promise((res) => stub.server.listen(0, '127.0.0.1', res));
		fr = front(srv.base, stub.server.address().port, () => settings);
		await fr.listen();
		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
	});

	it('geo.js: coordinates in words, whole-km radii, the geocoder\'s URL and answers (Nominatim, Photon, Pelias)', { skip }, async () => {
		const p = await newPage();
		await p.goto(url('#/login'));
		const got = await p.evaluate(async () => {
			const g = await import('/js/geo.js');
			return {
				coords: [g.coordsText([2.3522, 48.8566]), g.coordsText([-0.5, -33.123456]), g.coordsText(null)],
				snap: [2.5, 2.49, 0.2, 0, 1000.4, 5000, NaN].map(g.snapKm),
				url: [g.geocoderUrl('/g?lat={lat}&lon={lon}&again={lat}', [2.35, 48.85]), g.geocoderUrl('', [1, 2])],
				addr: [g.addressOf({ display_name: '1 Rue X, Paris' }),
					g.addressOf({ type: 'FeatureCollection', features: [{ properties: { name: 'Gare', housenumber: '3', street: 'Rue Y', postcode: '75010', city: 'Paris', country: 'France' } }] }),
					g.addressOf({ features: [{ properties: { label: '3 Rue Y, Paris, France' } }] }),
					g.addressOf({ features: [] }), g.addressOf(null), g.addressOf({ error: 'Unable to geocode' })],
				km: Math.round(g.haversineKm([2.35, 48.85], [2.35, 48.95]) * 100) / 100,
			};
		});
		assert.deepEqual(got.coords, ['48.85660, 2.35220', '-33.12346, -0.50000', '']);
		assert.deepEqual(got.snap, [3, 2, 1, 1, 1000, 1000, 1]);
		assert.deepEqual(got.url, ['/g?lat=48.850000&lon=2.350000&again=48.850000', null]);
		assert.deepEqual(got.addr, ['1 Rue X, Paris', 'Gare, 3 Rue Y, 75010 Paris, France', '3 Rue Y, Paris, France', null, null, null]);
		assert.equal(got.km, 11.12);
		await p.context().close();
	});

	it('without tiles, a map says so on itself after its first failures and asks for no more; every map has a scale bar', { skip, timeout: 60000 }, async () => {
		settings = {};
		const p = await newPage();
		await login(p);
		const vehicles = srv.vehicles;
		for (const [hash, sel] of [['#/alerts', '#alerts-map'], ['#/monitors', '#mon-map'], [`#/remote/${vehicles[0].id}`, '#nav-map'], ['#/fleet', '#fleet-map']]) {
			tileFailures.length = 0;
			await p.goto(url(hash));
			await p.waitForSelector(`${sel} .cv-map-note`);
			assert.equal(await p.textContent(`${sel} .cv-map-note`), NO_TILES, hash);
			assert.match(await p.textContent(`${sel} .leaflet-control-scale-line`), /^\d+ (m|km)$/, `${hash}: a scale bar`);
			// zoom out and in: the view asks for no more tiles
			await p.click(`${sel} .leaflet-control-zoom-out`);
			await p.click(`${sel} .leaflet-control-zoom-in`);
			await p.waitForLoadState('networkidle');
			// two tiles asked first: both refused, the map gives up; or the page moved the view before they came,
			// and two tiles of the new view are asked in their place (the old ones refused or cancelled)
			const refused = tileFailures.filter((f) => f.error === 'net::ERR_CONNECTION_REFUSED').length;
			assert.ok(refused >= 2 && tileFailures.length <= 4, `${hash}: ${JSON.stringify(tileFailures)}`);
			assert.equal(await p.locator(`${sel} img.leaflet-tile`).count(), 0, `${hash}: no tile left on the map`);
		}
		await shot(p, 'no-tiles');
		await p.context().close();
	});

	it('tiles served from the host itself (console.json `tiles`) are shown, with no note', { skip, timeout: 60000 }, async () => {
		settings = { tiles: '/tiles/{z}/{x}/{y}.png', attribution: 'test tiles' };
		const before = stub.tiles;
		const p = await newPage();
		await login(p);
		await until(() => p.locator('#fleet-map img.leaflet-tile-loaded').count().then((n) => n >= 6), 'the tiles on the map');
		await p.waitForLoadState('networkidle');
		assert.ok(stub.tiles - before >= 6, `${stub.tiles - before} tiles asked`);
		assert.equal(await p.locator('#fleet-map .cv-map-note').count(), 0);
		assert.match(await p.textContent('#fleet-map .leaflet-control-attribution'), /test tiles/);
		await p.context().close();
		settings = {};
	});

	it('with a geocoder: cards and popups give each vehicle\'s coordinates and address, asked one at a time', { skip, timeout: 60000 }, async () => {
		settings = { geocoder: '/geocode/reverse?format=jsonv2&lat={lat}&lon={lon}', pollSeconds: 2 };
		stub.asked.length = 0;
		stub.maxInFlight = 0;
		const p = await newPage();
		await login(p);
		for (const v of srv.vehicles) {
			const pos = (await srv.get(`${B2C}/user/vehicles/${v.id}/lastPosition`, tok)).body.geometry.coordinates;
			const card = `.card[data-vid="${v.id}"]`;
			const lat = pos[1].toFixed(5), lon = pos[0].toFixed(5);
			await until(async () => (await p.innerText(`${card} .position`)).includes('North Street'), `${v.vin}'s address`)
				.catch(async (e) => { throw new Error(`${e.message}: ${await p.innerText(card)}`); });
			const text = await p.innerText(`${card} .position`);
			assert.ok(text.includes(`${lat}, ${lon}`), text);
			assert.ok(text.includes(`${pos[1].toFixed(3)} North Street, Testville`), text);
			assert.ok(stub.asked.some(([lo, la]) => Math.abs(lo - pos[0]) < 1e-6 && Math.abs(la - pos[1]) < 1e-6), `${v.vin}'s place asked`);
		}
		assert.equal(stub.maxInFlight, 1, 'one request at a time');
		assert.equal(stub.asked.length, 3, 'each place asked once');
		// a marker's popup: the vehicle, its coordinates and its address (known already: not asked again)
		// a marker inside the view (Leaflet leaves one outside it an empty path)
		await p.click('#fleet-map path.cv-vehicle >> visible=true >> nth=0', { timeout: 5000 });
		await p.waitForSelector('.leaflet-popup .cv-popup .cv-address:not(:empty)', { timeout: 5000 })
			.catch(async (e) => {
				await shot(p, 'geocoder-failed');
				throw new Error(`${e.message}: ${await p.innerHTML('#fleet-map .leaflet-popup-pane')}`);
			});
		const popup = await p.innerText('.leaflet-popup .cv-popup');
		assert.match(popup, /-?\d+\.\d{5}, -?\d+\.\d{5}/);
		assert.match(popup, /North Street, Testville/);
		assert.equal(stub.asked.length, 3);
		// the next poll draws the cards again and moves the markers, and leaves the popup open
		await p.evaluate(() => { document.querySelector('#cards .card').dataset.drawn = 'before'; });
		await p.waitForFunction(() => document.querySelectorAll('#cards .card').length === 3 && !document.querySelector('#cards [data-drawn]'),
			null, { timeout: 10000 });
		assert.equal(await p.locator('.leaflet-popup .cv-popup').count(), 1, 'the popup is still open after a poll');
		await shot(p, 'geocoder');
		await p.context().close();
		settings = {};
	});

	it('alerts are labelled on the map; the vehicles are on the Monitors and Control maps', { skip, timeout: 60000 }, async () => {
		const p = await newPage();
		await login(p);
		await p.goto(url('#/alerts'));
		await p.waitForSelector('#alerts-body h2');
		const placed = await p.locator('path.cv-alert').count();
		assert.ok(placed > 0, 'alerts on the map');
		const labels = await p.locator('#alerts-map .cv-point-label').allInnerTexts();
		assert.ok(labels.length >= Math.min(placed, 1), `${labels.length} labels for ${placed} points`);
		for (const l of labels)
			assert.match(l, /^[A-Z][a-z].* \(.+\)$/, l);
		assert.match(await p.innerText('table.alert-history'), /-?\d+\.\d{5}, -?\d+\.\d{5}/, 'the table gives coordinates');
		await p.goto(url('#/monitors'));
		await p.waitForSelector('#mon-map.leaflet-container');
		await until(() => p.locator('#mon-map path.cv-vehicle').count().then((n) => n === 3), 'three vehicles on the monitors\' map');
		const v = srv.vehicles[1];
		await p.goto(url(`#/remote/${v.id}`));
		await p.waitForSelector('#nav-map path.cv-vehicle');
		assert.match(await p.textContent('#vehicle-at'), /^The vehicle was last at -?\d+\.\d{5}, -?\d+\.\d{5}\.$/);
		await p.context().close();
	});

	it('zones: drawn (the radius snapped to whole km, and said), typed with the keyboard alone, then edited', { skip, timeout: 90000 }, async () => {
		const p = await newPage();
		await login(p);
		await p.goto(url('#/monitors'));
		await p.waitForSelector('#mon-map.leaflet-container');
		await p.fill('#wh-target', 'https://example.com/zones-hook');
		// drawn: the centre, the pointer moving out (the circle follows, snapped), the edge
		await p.click('#mon-draw');
		const box = await p.locator('#mon-map').boundingBox();
		const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
		await p.mouse.click(cx, cy);
		await p.mouse.move(cx + 60, cy);
		await p.waitForSelector('path.cv-draft');
		await p.mouse.click(cx + 137, cy);
		const r = Number(await p.inputValue('#mon-radius'));
		assert.ok(Number.isInteger(r) && r >= 1, `radius ${r}`);
		const said = await p.textContent('#status');
		assert.match(said, /^The zone's radius: \d+ km( \(you drew \d+\.\d km; the official API takes whole km\))?\.$/, said);
		assert.match(said, new RegExp(`radius: ${r} km`));
		assert.match(await p.textContent('#mon-snap'), /whole number of km/);
		// typed: the keyboard alone, from the centre's latitude to the submit button
		await p.fill('#mon-label', 'Typed zone');
		await p.focus('#mon-lat');
		await p.keyboard.press('Control+A');
		await p.keyboard.type('48.8600');
		await p.keyboard.press('Tab');
		await p.keyboard.press('Control+A');
		await p.keyboard.type('2.3400');
		await p.keyboard.press('Tab');
		await p.keyboard.press('Control+A');
		await p.keyboard.type('3');
		await p.keyboard.press('Tab');
		// the map drew the typed zone and moved to it: 6 km across, as the scale bar measures it
		await p.waitForSelector('path.cv-draft');
		await until(async () => {
			const [zone, scale, text] = [await p.locator('path.cv-draft').boundingBox(), await p.locator('#mon-map .leaflet-control-scale-line').boundingBox(),
				await p.textContent('#mon-map .leaflet-control-scale-line')];
			const m = /^(\d+) (m|km)$/.exec(text);
			const pxPerKm = scale.width / (Number(m[1]) / (m[2] === 'm' ? 1000 : 1));
			return Math.abs(zone.width / pxPerKm - 6) < 0.6;
		}, 'the typed zone drawn 6 km across', 5000);
		const vid = await p.inputValue('#mon-vehicle');
		await p.focus('#mon-radius');
		await p.keyboard.press('Enter');
		await p.waitForSelector('tr.monitor-row:has-text("Typed zone")');
		const cb = (await srv.get(`${B2C}/user/callbacks`, tok)).body._embedded.callbacks
			.find((c) => c.subscribe.callback.webhook && c.subscribe.callback.webhook.target === 'https://example.com/zones-hook');
		const mid = await p.getAttribute('tr.monitor-row:has-text("Typed zone")', 'data-mid');
		const path = `${B2C}/user/vehicles/${vid}/callbacks/${cb.id}/monitors/${mid}`;
		let z = (await srv.get(path, tok)).body.monitor.triggerParam.triggers[0].zone;
		assert.deepEqual([z.place.center.latitude, z.place.center.longitude, z.place.radius], [48.86, 2.34, 3]);
		// edited: the form filled with it, the radius and the transition changed, the same monitor kept
		await p.click('tr.monitor-row:has-text("Typed zone") button[data-op=edit]');
		assert.equal(await p.inputValue('#mon-radius'), '3');
		assert.equal(await p.inputValue('#mon-lat'), '48.86');
		assert.equal(await p.isDisabled('#mon-vehicle'), true, 'a monitor stays on its vehicle');
		await p.fill('#mon-radius', '5');
		await p.selectOption('#mon-transition', 'In');
		await p.fill('#mon-label', 'Edited zone');
		await p.click('#mon-submit');
		await p.waitForSelector('tr.monitor-row:has-text("Edited zone")');
		assert.match(await p.innerText('tr.monitor-row:has-text("Edited zone")'), /enters 5 km around 48\.8600, 2\.3400/);
		const m = (await srv.get(path, tok)).body;
		z = m.monitor.triggerParam.triggers[0].zone;
		assert.deepEqual([z.transition, z.place.radius, m.monitor.label], ['In', 5, 'Edited zone']);
		assert.equal(await p.textContent('#mon-form-title'), 'New zone monitor', 'the form is back to a new monitor');
		// the centre from the map, panned with the arrow keys
		const centre = async () => {
			await p.click('#mon-centre');
			return [Number(await p.inputValue('#mon-lon')), Number(await p.inputValue('#mon-lat'))];
		};
		const [lon0, lat0] = await centre();
		await p.focus('#mon-map');
		for (let i = 0; i < 3; i++)
			await p.keyboard.press('ArrowRight');
		await until(async () => (await centre())[0] > lon0, 'the centre moved east');
		const [, lat1] = await centre();
		assert.ok(Math.abs(lat1 - lat0) < 1e-3, `${lat0} -> ${lat1}`);
		await shot(p, 'zones');
		p.once('dialog', (d) => d.accept());
		await p.click('tr.monitor-row:has-text("Edited zone") button[data-op=delete]');
		await p.waitForSelector('text=No monitor yet.');
		await p.context().close();
	});

	it('an outage during a remote action: one banner, then the action followed to its end once the server answers', { skip, timeout: 120000 }, async () => {
		const p = await newPage();
		await login(p);
		const v = srv.vehicles.find((x) => x.energy === 'petrol');
		await p.goto(url(`#/remote/${v.id}`));
		await p.waitForSelector('button[data-action=horn]');
		await p.click('button[data-action=horn]');
		// sent: the action has its id; then the front's port refuses
		const rid = await until(() => p.getAttribute('.remote-action', 'data-rid'), 'the action sent');
		await fr.refuse();
		await p.waitForSelector('#offline:not([hidden])');
		assert.equal(await p.textContent('#offline'), UNREACHABLE);
		assert.equal(await p.locator('#offline').count(), 1);
		// the action ends on the server while the console cannot see it
		const cbs = (await srv.get(`${B2C}/user/callbacks?types=Remote`, tok)).body._embedded.callbacks;
		const cb = cbs.find((c) => c.label === 'cvapi console');
		const final = await until(async () => {
			const a = (await srv.get(`${B2C}/user/vehicles/${v.id}/callbacks/${cb.id}/remotes/${rid}`, tok)).body;
			return ['Success', 'AlreadyDone', 'Failed'].includes(a.status) ? a.status : null;
		}, 'the action\'s end on the server', 60000).catch((e) => { throw new Error(`${e.message}\ncvsim said:\n${simLog()}`); });
		const during = await p.getAttribute('.remote-action', 'data-status');
		assert.ok(!['Success', 'AlreadyDone', 'Failed'].includes(during), `not seen ended yet (${during})`);
		assert.equal(await p.isVisible('#offline'), true, 'still said unreachable');
		await shot(p, 'outage-remote');
		// a press during the outage: not sent, said in words
		await p.click('button[data-action=lights]');
		await p.waitForSelector('.remote-action >> nth=0 >> .error');
		assert.match(await p.innerText('.remote-action >> nth=0'), /could not be reached/);
		await fr.restore();
		await p.waitForSelector('#offline', { state: 'hidden', timeout: 20000 });
		await p.waitForFunction((want) => document.querySelector(`.remote-action[data-rid="${want[0]}"]`)?.dataset.status === want[1], [rid, final], { timeout: 20000 });
		assert.doesNotMatch(await p.innerText('#view'), RAW);
		await p.context().close();
	});

	it('an outage during a page change (503s, then a refused port): the page and its module load by themselves once the server answers', { skip, timeout: 120000 }, async () => {
		const p = await newPage();
		await login(p);
		const failedModules = [];
		p.on('requestfailed', (r) => { if (r.url().includes('/js/pages/')) failedModules.push(r.url()); });
		p.on('response', (r) => { if (r.url().includes('/js/pages/') && r.status() >= 500) failedModules.push(r.url()); });
		// 503s: the trips page's module and its reads meet them
		fr.fail503();
		await p.evaluate(() => { location.hash = '#/trips'; });
		await p.waitForSelector('#offline:not([hidden])');
		assert.equal(await p.textContent('#offline'), UNREACHABLE);
		await until(() => failedModules.some((u) => u.endsWith('/js/pages/trips.js')), 'the module refused');
		await fr.restore();
		await p.waitForSelector('tr.trip-row', { timeout: 30000 });
		await p.waitForSelector('#offline', { state: 'hidden' });
		// the port refusing: the monitors page, never loaded in this tab
		await fr.refuse();
		await p.evaluate(() => { location.hash = '#/monitors'; });
		await p.waitForSelector('#offline:not([hidden])');
		await until(() => failedModules.some((u) => u.endsWith('/js/pages/monitors.js')), 'the module\'s fetch failed');
		await shot(p, 'outage-page');
		assert.doesNotMatch(await p.innerText('#view'), RAW);
		await fr.restore();
		await p.waitForSelector('#mon-form', { timeout: 30000 });
		await p.waitForSelector('#offline', { state: 'hidden' });
		assert.doesNotMatch(await p.innerText('body'), RAW);
		// and the vehicles page, left open through an outage, draws its cards again with no word of it
		await p.goto(url('#/fleet'));
		await p.waitForSelector('.card .age');
		await fr.refuse();
		await p.waitForSelector('#offline:not([hidden])', { timeout: 30000 });
		await fr.restore();
		await p.waitForSelector('#offline', { state: 'hidden', timeout: 30000 });
		assert.equal(await p.locator('.card .error').count(), 0);
		assert.doesNotMatch(await p.innerText('body'), RAW);
		await p.context().close();
	});

	it('a login during an outage says the server cannot be reached, and works once it answers', { skip, timeout: 60000 }, async () => {
		const p = await newPage();
		await p.goto(url('#/login'));
		await p.waitForSelector('#login-form');
		await fr.refuse();
		await p.fill('#login', 'demo');
		await p.fill('#password', 'demo');
		await p.click('#login-form button[type=submit]');
		await p.waitForSelector('#login-error:not([hidden])');
		assert.equal(await p.textContent('#login-error'), 'The server could not be reached: log in again once it answers.');
		assert.equal(await p.textContent('#offline'), UNREACHABLE);
		await fr.restore();
		await p.waitForSelector('#offline', { state: 'hidden', timeout: 20000 });
		await p.click('#login-form button[type=submit]');
		await p.waitForSelector('.card .age');
		await p.context().close();
	});

	it('no script error in any page', { skip }, async () => {
		assert.deepEqual(problems, []);
	});

	it('stop Chromium, cvsim, the front and the stub', { skip }, async () => {
		if (browser)
			await browser.close();
		if (sim)
			sim.kill('SIGTERM');
		if (fr && fr.mode !== 'refuse')
			await new Promise((r) => { fr.server.close(r); for (const s of fr.sockets) s.destroy(); });
		if (stub)
			await new Promise((r) => stub.server.close(r));
	});
});

// The console's energy pages in a real browser (headless Chromium driven
// by playwright-core, as console.mjs): a vehicle's charging sessions, a
// session's page with its curve charted and its place on the map, a
// session still charging followed live until it ends, a trip's
// efficiency and (on a driver's face) its eco-coaching scores, and a
// vehicle's summary by day, week and month; on both faces, with the
// keyboard and on a phone-sized screen. What the pages show is checked
// against what the API answers, never against numbers written here.
//
// The data is uploaded as a vehicle would (the demo's cars have their
// capacities, cvctl demo): an electric car's trip sampled every 2 s with
// a harsh stop, a charge at 11 kW with the power reported, a quick charge
// with levels only, and a charge under way; a petrol car's trip on a cold
// day. Screenshots go to t/api/console/ under the build tree. Skipped,
// saying why, when Chromium or playwright-core is missing.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, BUILDDIR } from '../lib/server.mjs';
import { assertSchema } from '../lib/schema.mjs';
import { chromiumPath, playwright, skip, collectProblems, newContext, layoutProblems } from '../lib/browser.mjs';
import { now } from '../lib/clock.mjs';
const SHOTS = join(BUILDDIR, 't', 'api', 'console');
const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const MIN = 60000;
const iso = (ms) => new Date(ms).toISOString();
const hex16 = (ms) => ms.toString(16).padStart(16, '0');
const HOME = { lat: 48.85, lon: 2.35, alt: 35 };
const WORK = { lat: 48.89, lon: 2.41, alt: 60 };
const CHARGER = { lat: 48.95, lon: 2.55, alt: 70 };
/* the console's words for a session it cannot find (www/js/errors.js SAY.noSuchCharge) */
const NO_SUCH_CHARGE = 'This vehicle has no such charging session: the address may be wrong, or the session was removed with the vehicle\'s old history.';

/* a number as the console writes it in en-US, d decimals */
const fmt = (v, d = 0) => Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/* A parked sample at ms t: the battery (level %), charging (status, power kW or none), where. */
function P(t, level, status, { power, mode = 'Slow', where = HOME } = {}) {
	const s = { at: iso(t), speed: 0, position: { ...where }, electric: { level, autonomy: Math.round(level * 3) } };
	if (status) {
		s.electric.charging = { status, mode, plugged: status !== 'Disconnected' };
		if (power !== undefined)
			s.electric.charging.power = power;
	}
	return s;
}

/*
 * A drive of about 6 km from a to b starting at t0, a sample every 2 s:
 * a gentle start to 84 km/h, 4 minutes at it, a harsh stop (30 km/h in
 * 2 s). energy(frac) gives each sample's energy members along the way.
 */
function drive(t0, a, b, energy, extra = {}) {
	const speeds = [0];
	for (let v = 6; v <= 84; v += 6)
		speeds.push(v);
	for (let i = 0; i < 120; i++)
		speeds.push(84);
	speeds.push(60, 30, 0);
	const n = speeds.length;
	return speeds.map((speed, i) => {
		const f = i / (n - 1);
		const s = { at: iso(t0 + i * 2000), speed, ignition: i === 0 ? 'StartUp' : i === n - 1 ? 'Stop' : 'Start',
			position: { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f, alt: a.alt + (b.alt - a.alt) * f }, ...extra };
		if (i === 0 || i === n - 1)
			Object.assign(s, energy(f), { odometer: 1000 + Math.round(6 * f) });
		return s;
	});
}

apiSuite('console-energy', (srv, it) => {
	let browser, page, tok, ev, car;
	let evTrip, carTrip, liveId, liveT;
	const problems = [];
	const url = (hash = '') => `${srv.base}/${hash}`;
	const shot = (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
	const fget = (path) => srv.request('GET', `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth });
	const V = (v) => `${B2C}/user/vehicles/${v.id}`;

	async function newPage(viewport = { width: 1100, height: 900 }) {
		const ctx = await newContext(browser, { viewport, locale: 'en-US' });
		const p = await ctx.newPage();
		await p.route(/^https?:\/\/[^/]*tile/, (r) => r.abort());
		collectProblems(p, problems);
		p.on('response', (r) => {
			const u = new URL(r.url());
			if (u.origin === srv.base && !u.pathname.startsWith('/connectedcar/') && !u.pathname.startsWith('/oauth2/') && r.status() >= 400)
				problems.push(`${u.pathname}: ${r.status()}`);
		});
		return p;
	}

	async function login(p, user, kind) {
		await p.goto(url('#/login'));
		await p.check(`input[name=kind][value=${kind}]`);
		await p.fill('#login', user);
		await p.fill('#password', user);
		await p.click('#login-form button[type=submit]');
	}

	/* The link of a card or row (holder, a selector) that reads exactly `text`. */
	const button = (p, holder, text) => p.locator(`${holder} a`, { hasText: new RegExp(`^${text}$`) });

	/* The text of the figure labelled `label` on a trip's or session's page. */
	const figure = (p, label) => p.locator('#figures > div', { hasText: label }).locator('b').first().innerText();

	it('set-up: an electric car\'s trip and charges, a petrol car\'s trip, a charge under way; Chromium', { skip, timeout: 60000 }, async () => {
		mkdirSync(SHOTS, { recursive: true });
		ev = srv.vehicles.find((v) => v.energy === 'electric');
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		const t0 = Math.floor((now() - 26 * 3600000) / MIN) * MIN;
		// the electric car: 80 % to 78 % over 6 km, then 30 % to 80 % at 11 kW at work, then a quick charge with levels only
		const trip = drive(t0, HOME, WORK, (f) => ({ electric: { level: 80 - 2 * f, autonomy: 240 } }));
		const t1 = t0 + 15 * MIN;
		const slow = [P(t1 - MIN, 30, 'Disconnected', { where: WORK })];
		for (let i = 0; i <= 12; i++)
			slow.push(P(t1 + i * 5 * MIN, 30 + (50 * i) / 12, 'InProgress', { power: i < 11 ? 11 : 4, where: WORK }));
		slow.push(P(t1 + 65 * MIN, 80, 'Finished', { power: 0, where: WORK }), P(t1 + 80 * MIN, 80, 'Disconnected', { where: WORK }));
		const t2 = t0 + 5 * 3600000;
		const quick = [0, 10, 20, 30].map((m, i) => P(t2 + m * MIN, 20 + 20 * i, 'InProgress', { mode: 'Quick', where: CHARGER }));
		quick.push(P(t2 + 31 * MIN, 80, 'Finished', { mode: 'Quick', where: CHARGER }), P(t2 + 40 * MIN, 80, 'Disconnected', { where: CHARGER }));
		// charging at home for the last 12 minutes, still under way
		liveT = Math.floor((now() - 12 * MIN) / 1000) * 1000;
		const live = [0, 4, 8].map((m, i) => P(liveT + m * MIN, 50 + 2 * i, 'InProgress', { power: 7.4 }));
		for (const [id, samples] of [['e-trip', trip], ['e-slow', slow], ['e-quick', quick], ['e-live', live]]) {
			const r = await srv.upload(ev.vin, ev.cred, { messageId: id, samples });
			assert.equal(r.status, 200, r.text);
		}
		// the petrol car: 6 km at 5 °C, 60 % to 59 % of its tank
		const r = await srv.upload(car.vin, car.cred, { messageId: 'p-trip',
			samples: drive(t0 + 2 * 3600000, HOME, WORK, (f) => ({ fuel: { level: 60 - f, autonomy: 500 } }), { outsideTemp: 5 }) });
		assert.equal(r.status, 200, r.text);
		tok = await srv.token('demo');
		evTrip = ev.id + hex16(t0);
		carTrip = car.id + hex16(t0 + 2 * 3600000);
		liveId = ev.id + hex16(liveT);
		for (const [v, tid] of [[ev, evTrip], [car, carTrip]]) {
			const t = await srv.get(`${V(v)}/trips/${tid}`, tok);
			assert.equal(t.status, 200, t.text);
			assert.ok(t.body.energyConsumptions[0].avgConsumption > 0, JSON.stringify(t.body.energyConsumptions));
		}
		const c = (await srv.get(`${V(ev)}/charges`, tok)).body;
		await assertSchema(c, 'Charges', { doc: 'ext' });
		assert.equal(c.total, 3);
		assert.equal(c._embedded.charges[0].id, liveId);
		assert.equal(c._embedded.charges[0].done, false);
		browser = await playwright.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
		page = await newPage();
	});

	it('a driver\'s Charging page: every session of the API with its figures in words, none for a petrol car', { skip }, async () => {
		await login(page, 'demo', 'user');
		await page.waitForSelector(`.card[data-vid="${ev.id}"]`);
		assert.equal(await button(page, `.card[data-vid="${car.id}"]`, 'Charging').count(), 0, 'no Charging for a car without a battery');
		assert.equal(await button(page, `.card[data-vid="${car.id}"]`, 'Summary').count(), 1);
		await button(page, `.card[data-vid="${ev.id}"]`, 'Charging').click();
		await page.waitForSelector('tr.charge-row');
		assert.equal(new URL(page.url()).hash, `#/charges/${ev.id}`);
		await page.waitForFunction(() => document.activeElement.tagName === 'H1' && document.activeElement.textContent === 'Charging');
		const api = (await srv.get(`${V(ev)}/charges?pageSize=20`, tok)).body._embedded.charges;
		assert.deepEqual(await page.locator('tr.charge-row').evaluateAll((rows) => rows.map((r) => r.dataset.id)), api.map((c) => c.id));
		for (const c of api) {
			const row = page.locator(`tr.charge-row[data-id="${c.id}"]`);
			assert.equal(await row.locator('td.levels').innerText(), `${fmt(c.startLevel)} % → ${fmt(c.endLevel)} %`);
			assert.equal(await row.locator('td.energy').innerText(), c.energyAdded == null ? 'unknown' : `${fmt(c.energyAdded, 1)} kWh`);
			assert.equal(await row.locator('td.mode').innerText(), c.chargingMode);
			assert.equal(await row.locator('td.power').innerText(),
				`${fmt(c.avgPower, 1)} kW, ${c.maxPower == null ? 'peak not reported' : `${fmt(c.maxPower, 1)} kW`}`);
			const coords = c.position.geometry.coordinates;
			assert.equal(await row.locator('td.coords').innerText(), `${coords[1].toFixed(5)}, ${coords[0].toFixed(5)}`);
			assert.match(await row.locator('td.state').innerText(), c.done ? /^Ended normally$/ : /^Charging now$/);
		}
		await shot(page, 'charges');
		// a petrol car has none, and says why
		await page.goto(url(`#/charges/${car.id}`));
		await page.waitForSelector('text=No charging session: this vehicle has no traction battery.');
	});

	it('a session\'s page: its figures as the API gives them, the level and power charted, its points, its place on the map', { skip }, async () => {
		const list = (await srv.get(`${V(ev)}/charges`, tok)).body._embedded.charges;
		const slow = list.find((c) => c.done && c.maxPower != null);
		await page.goto(url(`#/charges/${ev.id}`));
		await page.click(`tr.charge-row[data-id="${slow.id}"] a`);
		await page.waitForSelector('svg.chart-level path.series');
		assert.equal(new URL(page.url()).hash, `#/charge/${ev.id}/${slow.id}`);
		assert.equal(await figure(page, 'Energy added'), `${fmt(slow.energyAdded, 1)} kWh`);
		assert.equal(await figure(page, 'Average power'), `${fmt(slow.avgPower, 1)} kW`);
		assert.equal(await figure(page, 'Peak power'), `${fmt(slow.maxPower, 1)} kW`);
		assert.equal(await figure(page, 'Battery'), `${fmt(slow.startLevel)} % → ${fmt(slow.endLevel)} %`);
		assert.equal(await figure(page, 'Mode'), 'Slow');
		assert.deepEqual(await page.locator('#charge-state li').allInnerTexts(), ['Ended normally']);
		assert.ok(await page.locator('#charge-live').isHidden(), 'an ended session is not followed');
		// the curve: both charts, and every point in the table
		const curve = (await srv.get(`${V(ev)}/charges/${slow.id}/curve?pageSize=2000`, tok)).body;
		await assertSchema(curve, 'ChargeCurve', { doc: 'ext' });
		assert.equal(await page.locator('svg.chart-power path.series').count(), 1);
		assert.equal(await page.locator('tr.curve-point').count(), curve.total);
		const levels = curve._embedded.points.map((p) => p.level);
		assert.match(await page.locator('svg.chart-level title').first().textContent(),
			new RegExp(`^Battery level: from ${Math.min(...levels).toFixed(1)} to ${Math.max(...levels).toFixed(1)} %, ${levels.length} samples$`));
		const first = curve._embedded.points.at(-1);
		assert.equal(await page.locator('tr.curve-point').first().getAttribute('data-t'), first.createdAt, 'the table oldest first');
		// hovering a chart puts both cursors there and says the moment's values
		await page.locator('svg.chart-level').hover({ position: { x: 300, y: 80 } });
		assert.match(await page.textContent('#curve-now'), /^.+? · Battery level \d+(\.\d)? % · Charging power \d+(\.\d)? kW$/);
		assert.match(await page.textContent('svg.chart-power .cursor-value'), /^\d+(\.\d)? kW at /);
		// its place on the map, in coordinates too
		assert.equal(await page.locator('path.cv-charge').count(), 1);
		const c = slow.position.geometry.coordinates;
		assert.equal(await page.textContent('#charge-where'), `Where: ${c[1].toFixed(5)}, ${c[0].toFixed(5)}.`);
		await shot(page, 'charge');
		// the quick charge reported no power: its level alone, and said so
		const quick = list.find((c) => c.chargingMode === 'Quick');
		await page.goto(url(`#/charge/${ev.id}/${quick.id}`));
		await page.waitForSelector('svg.chart-level path.series');
		assert.equal(await page.locator('svg.chart-power').count(), 0);
		assert.match(await page.textContent('p.no-power'), /did not report its charging power/);
		assert.equal(await figure(page, 'Peak power'), 'not reported');
		assert.equal(await figure(page, 'Energy added'), `${fmt(quick.energyAdded, 1)} kWh`);
		assert.equal(await figure(page, 'Mode'), 'Quick');
	});

	it('a session the API does not have, or an address naming none, is said in words', { skip }, async () => {
		const missing = ev.id + hex16(liveT + 1);
		assert.equal((await srv.get(`${V(ev)}/charges/${missing}`, tok)).status, 404);
		for (const id of [missing, 'not-a-session', car.id + hex16(liveT)]) {
			await page.goto(url(`#/charge/${ev.id}/${id}`));
			await page.waitForSelector('main [role=alert]');
			assert.equal(await page.textContent('main [role=alert]'), NO_SUCH_CHARGE, id);
			assert.equal(await page.locator('main h1').textContent(), 'Charging session');
			assert.equal(await page.locator(`a[href="#/charges/${ev.id}"]`).count(), 1, 'a way back to the list');
		}
	});

	it('a session still charging is followed live until it ends', { skip, timeout: 90000 }, async () => {
		await page.goto(url(`#/charge/${ev.id}/${liveId}`));
		await page.waitForSelector('#charge-live:not([hidden])');
		assert.match(await page.textContent('#charge-live'), /^Charging now: this page follows it\. Last report .* ago/);
		assert.deepEqual(await page.locator('#charge-state li').allInnerTexts(), ['Charging now']);
		assert.equal(await figure(page, 'Ended'), 'charging now');
		const before = (await srv.get(`${V(ev)}/charges/${liveId}`, tok)).body;
		assert.equal(await figure(page, 'Battery'), `${fmt(before.startLevel)} % → ${fmt(before.endLevel)} %`);
		// a new report: the page shows it by itself
		const t = Math.floor(now() / 1000) * 1000;
		let r = await srv.upload(ev.vin, ev.cred, { messageId: 'e-live-2', samples: [P(t - 2000, 57, 'InProgress', { power: 7.4 })] });
		assert.equal(r.status, 200, r.text);
		await page.waitForFunction((text) => [...document.querySelectorAll('#figures > div')].some((d) => d.textContent.includes(text)),
			`${fmt(before.startLevel)} % → 57 %`, { timeout: 30000 });
		assert.equal(await page.locator('tr.curve-point').count(), (await srv.get(`${V(ev)}/charges/${liveId}/curve`, tok)).body.total);
		// its end: said, and no longer followed
		r = await srv.upload(ev.vin, ev.cred, { messageId: 'e-live-3', samples: [P(t - 1000, 58, 'Finished', { power: 0 })] });
		assert.equal(r.status, 200, r.text);
		await page.waitForSelector('#charge-live[hidden]', { state: 'attached', timeout: 30000 });
		const after = (await srv.get(`${V(ev)}/charges/${liveId}`, tok)).body;
		assert.equal(after.done, true);
		assert.deepEqual(await page.locator('#charge-state li').allInnerTexts(), ['Ended normally']);
		assert.equal(await figure(page, 'Battery'), `${fmt(after.startLevel)} % → ${fmt(after.endLevel)} %`);
		assert.notEqual(await figure(page, 'Ended'), 'charging now');
	});

	it('a trip\'s efficiency in kWh or L per 100 km, and its eco-coaching scores with a bar and words each', { skip }, async () => {
		for (const [v, tid, unit, div] of [[ev, evTrip, 'kWh/100 km', 1000], [car, carTrip, 'L/100 km', 100]]) {
			const trip = (await srv.get(`${V(v)}/trips/${tid}`, tok)).body;
			const eco = (await srv.get(`${V(v)}/trips/${tid}/ecoaching`, tok)).body;
			await assertSchema(eco, 'ECoaching');
			await page.goto(url(`#/trip/${v.id}/${tid}`));
			await page.waitForSelector('li.eco-score');
			const e = trip.energyConsumptions[0];
			assert.equal(await page.locator(`.efficiency[data-type="${e.type}"] b`).innerText(), `${fmt(e.avgConsumption / div, 1)} ${unit}`);
			// every category the API scored, and only those, with its score in words and a bar named by it
			const shown = await page.locator('li.eco-score').evaluateAll((li) => li.map((x) => x.dataset.category));
			assert.deepEqual(shown, eco.scores.map((s) => s.category));
			for (const s of eco.scores) {
				const li = page.locator(`li.eco-score[data-category="${s.category}"]`);
				assert.equal(Number(await li.locator('meter').getAttribute('value')), s.score);
				assert.match(await li.locator('.eco-value').innerText(), new RegExp(`^${fmt(s.score, 1).replace('.', '\\.')} out of 10, (excellent|good|fair|poor|very poor)$`));
				assert.ok((await li.locator('.eco-what').innerText()).length > 20, 'what it measures');
			}
			const name = await page.locator('li.eco-score[data-category="Break"] .eco-name').innerText();
			assert.equal(await page.getByRole('meter', { name }).count(), 1, 'the bar is named by its category');
			assert.ok(eco.scores.find((s) => s.category === 'Break').score < 10, 'the harsh stop costs points');
			// what is not scored is said, not shown as a score
			const note = await page.textContent('.eco-missing');
			assert.match(note, /Air conditioning and tyre pressure are never scored/);
			if (v === ev) {
				assert.ok(!eco.scores.some((s) => s.category === 'ColdEngine'));
				assert.match(note, /cold engine \(it needs an engine burning fuel/);
				await shot(page, 'trip-ecoaching');
			} else {
				assert.ok(eco.scores.some((s) => s.category === 'ColdEngine'), 'a petrol car on a cold day');
				assert.doesNotMatch(note, /cold engine/);
			}
		}
	});

	it('the summary: week by week first, then by day and by month with the keyboard; its table and bars are the API\'s', { skip, timeout: 60000 }, async () => {
		await page.goto(url(`#/fleet`));
		await page.waitForSelector(`.card[data-vid="${ev.id}"]`);
		await button(page, `.card[data-vid="${ev.id}"]`, 'Summary').click();
		for (const period of ['week', 'day', 'month']) {
			if (period !== 'week') {
				// the period's link reached with Tab, followed with Enter
				const label = { day: 'Day by day', month: 'Month by month' }[period];
				await page.focus('nav.periods a[aria-current="page"]');
				for (let i = 0; i < 3 && await page.evaluate(() => document.activeElement.textContent) !== label; i++)
					await page.keyboard.press(period === 'day' ? 'Shift+Tab' : 'Tab');
				await page.keyboard.press('Enter');
				await page.waitForFunction((p) => location.hash.endsWith(`?period=${p}`), period);
			}
			const s = (await srv.get(`${V(ev)}/summary?period=${period}`, tok)).body;
			await assertSchema(s, 'VehicleSummary', { doc: 'ext' });
			// the page drawn for this period (the last one's table stays until the new one is in)
			const starts = s.periods.map((p) => p.startedAt);
			await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('tr.period')].map((x) => x.dataset.start)) === want,
				JSON.stringify(starts), { timeout: 20000 }).catch(() => {});
			assert.equal(await page.getAttribute('nav.periods a[aria-current="page"]', 'href'), `#/summary/${ev.id}${period === 'week' ? '' : `?period=${period}`}`);
			assert.deepEqual(await page.locator('tr.period').evaluateAll((r) => r.map((x) => x.dataset.start)), starts);
			for (const p of s.periods) {
				const row = page.locator(`tr.period[data-start="${p.startedAt}"]`);
				assert.equal(await row.locator('td.trips').innerText(), fmt(p.trips));
				assert.equal(await row.locator('td.distance').innerText(), `${fmt(p.distance, 1)} km`);
				assert.equal(await row.locator('td.charges').innerText(), fmt(p.charges));
				assert.equal(await row.locator('td.driving').innerText(), `${fmt(p.drivingTime / 3600, 1)} h`);
				assert.equal(await row.locator('td.charged').innerText(), p.energyCharged != null ? `${fmt(p.energyCharged, 1)} kWh` : '–');
				const el = p.energies.find((x) => x.type === 'Electric');
				if (el && el.energyUsed != null)
					assert.equal(await row.locator('td.used-Electric').innerText(), `${fmt(el.energyUsed, 1)} kWh`);
				if (el && el.avgConsumption != null)
					assert.equal(await row.locator('td.per100-Electric').innerText(), `${fmt(el.avgConsumption / 1000, 1)} kWh/100 km`);
			}
			// the bars, oldest on the left: a distance each, and the energy charged
			const bars = await page.locator('svg.chart-distance rect.bar').evaluateAll((r) => r.map((x) => Number(x.dataset.v)));
			assert.deepEqual(bars, [...s.periods].reverse().map((p) => p.distance));
			const charged = await page.locator('svg.chart-battery rect.bar-charged').evaluateAll((r) => r.map((x) => Number(x.dataset.v)));
			assert.deepEqual(charged, [...s.periods].reverse().filter((p) => p.energyCharged != null).map((p) => p.energyCharged));
			const sum = (k) => s.periods.reduce((a, p) => a + p[k], 0);
			assert.deepEqual([sum('trips'), sum('charges')], [1, 3], `the uploads are in the periods: ${JSON.stringify(s.periods)}`);
			await shot(page, `summary-${period}`);
		}
	});

	it('the fleet face: the same sessions, session page, summary; a trip\'s efficiency without eco-coaching', { skip, timeout: 60000 }, async () => {
		const fp = await newPage();
		await login(fp, 'fleet', 'fleet');
		await fp.waitForSelector(`tr[data-vid="${ev.id}"]`);
		assert.equal(await button(fp, `tr[data-vid="${car.id}"]`, 'Charging').count(), 0);
		await button(fp, `tr[data-vid="${ev.id}"]`, 'Charging').click();
		await fp.waitForSelector('tr.charge-row');
		assert.equal(new URL(fp.url()).hash, `#/f/${FLEET}/charges/${ev.id}`);
		const FV = `${B2B}/fleets/${FLEET}/vehicles/${ev.id}`;
		const list = (await fget(`${FV}/charges?pageSize=20`)).body._embedded.charges;
		assert.deepEqual(await fp.locator('tr.charge-row').evaluateAll((rows) => rows.map((r) => r.dataset.id)), list.map((c) => c.id));
		await fp.click(`tr.charge-row[data-id="${list[1].id}"] a`);
		await fp.waitForSelector('svg.chart-level path.series');
		assert.equal(await figure(fp, 'Energy added'), `${fmt(list[1].energyAdded, 1)} kWh`);
		await fp.goto(url(`#/f/${FLEET}/trip/${ev.id}/${evTrip}`));
		await fp.waitForSelector('.efficiency b');
		const trip = (await fget(`${FV}/trips/${evTrip}`)).body;
		assert.equal(await fp.locator('.efficiency b').innerText(), `${fmt(trip.energyConsumptions[0].avgConsumption / 1000, 1)} kWh/100 km`);
		await fp.waitForSelector('#trip-alerts p, #trip-alerts ul');
		assert.equal(await fp.locator('#ecoaching').count(), 0, 'no eco-coaching on the fleet face');
		await fp.goto(url(`#/f/${FLEET}/summary/${ev.id}?period=month`));
		await fp.waitForSelector('table.summary tbody tr');
		const s = (await fget(`${FV}/summary?period=month`)).body;
		assert.deepEqual(await fp.locator('tr.period').evaluateAll((r) => r.map((x) => x.dataset.start)), s.periods.map((p) => p.startedAt));
		// a session of another vehicle under this one: not found, in words
		await fp.goto(url(`#/f/${FLEET}/charge/${ev.id}/${ev.id}${hex16(liveT + 1)}`));
		await fp.waitForSelector('main [role=alert]');
		assert.equal(await fp.textContent('main [role=alert]'), NO_SUCH_CHARGE);
		await fp.context().close();
	});

	it('on a phone-sized screen: nothing wider than the screen, every field labelled', { skip, timeout: 60000 }, async () => {
		const phone = await newPage({ width: 390, height: 844 });
		await login(phone, 'demo', 'user');
		await phone.waitForSelector('.card');
		const list = (await srv.get(`${V(ev)}/charges`, tok)).body._embedded.charges;
		for (const [hash, ready] of [[`#/charges/${ev.id}`, 'tr.charge-row'], [`#/charge/${ev.id}/${list[1].id}`, 'svg.chart-level'],
			[`#/summary/${ev.id}`, 'table.summary'], [`#/trip/${ev.id}/${evTrip}`, 'li.eco-score']]) {
			await phone.goto(url(hash));
			await phone.waitForSelector(ready);
			const { wide, unlabelled } = await layoutProblems(phone);
			assert.ok(wide <= 0, `${hash}: ${wide} px wider than the screen`);
			assert.deepEqual(unlabelled, [], hash);
			assert.ok(await phone.locator('caption, svg[role=img] > title').count() > 0, `${hash}: tables captioned, charts titled`);
		}
		await shot(phone, 'charge-phone');
		await phone.context().close();
	});

	it('no error in any page, and every file of the console was served', { skip }, async () => {
		assert.deepEqual(problems, []);
	});

	it('stop Chromium', { skip }, async () => {
		if (browser)
			await browser.close();
	});
});

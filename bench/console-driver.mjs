// console-driver.mjs BASE ROUNDS - the console's page loads, timed in Chromium.
//
// For every page of the console, ROUNDS loads in a fresh browser context
// (an empty cache: what a first visit costs) and ROUNDS more in a warmed
// one (the files cached: what a return costs), each timed from navigation
// start to:
//   paint  the first contentful paint (the browser's own measure)
//   ready  the page's content on screen (its main element drawn: the cards
//          and markers, the track and its chart, the tables...)
// The reference, in the same run and the same browser: ref.html, a static
// page with the same stylesheet and a table of the same vehicles written
// into it (no script, no API call): the floor of a page load here.
// Map tiles are refused (no tile server is reached): the map's cost is
// Leaflet's, not a tile server's.
//
// Prints one line per page and mode, then PAGE lines for the summary.
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 't', 'package.json'));
const { chromium } = require('playwright-core');

const [base, roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg) || 10;
const B2C = `${base}/connectedcar/v4`;

async function json(url, opts) {
	const r = await fetch(url, opts);
	if (!r.ok)
		throw new Error(`${url}: ${r.status} ${await r.text()}`);
	return r.json();
}

const pair = await json(`${base}/oauth2/token`, {
	method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
	body: 'grant_type=password&username=demo&password=demo&client_id=console',
});
const auth = { Authorization: `Bearer ${pair.access_token}` };
const vehicles = (await json(`${B2C}/user/vehicles`, { headers: auth }))._embedded.vehicles;
const v = vehicles.find((x) => x.motorization === 'Electric') || vehicles[0];
const trip = (await json(`${B2C}/user/vehicles/${v.id}/trips?pageSize=1`, { headers: auth }))._embedded.trips[0];
// cvsim's history runs from midnight UTC DAYS ago to now: one day, shortly
// after midnight, may hold no trip of this vehicle yet
if (!trip)
	throw new Error(`no trip of ${v.vin} in the history: more DAYS needed`);
// an electric car charges in cvsim's history: its latest session
const charges = (await json(`${B2C}/user/vehicles/${v.id}/charges?pageSize=1`, { headers: auth }))._embedded;
const charge = charges && charges.charges && charges.charges[0];
if (!charge)
	throw new Error(`no charging session of ${v.vin} in the history: more DAYS needed`);
const session = JSON.stringify({ kind: 'user', login: 'demo', access: pair.access_token, refresh: pair.refresh_token,
	expires: Date.now() + pair.expires_in * 1000, scope: pair.scope });

const PAGES = [
	['reference (static)', '/ref.html', 'table tbody tr'],
	['login', '/#/login', '#login-form'],
	['vehicles', '/#/fleet', '.card .age'],
	['trips', `/#/trips/${v.id}`, 'tr.trip-row'],
	['trip', `/#/trip/${v.id}/${trip.id}`, 'svg.chart-speed path.series'],
	['alerts', '/#/alerts', '#alerts-body table, #alerts-body p'],
	['monitors', '/#/monitors', '#mon-list table, #mon-list p'],
	['remote', `/#/remote/${v.id}`, 'button[data-action=lock]'],
	['charges', `/#/charges/${v.id}`, 'tr.charge-row'],
	['charge', `/#/charge/${v.id}/${charge.id}`, 'svg.chart-level path.series'],
	['summary', `/#/summary/${v.id}`, 'table.summary tbody tr'],
];
const extra = { vehicles: () => document.querySelectorAll('path.cv-vehicle').length > 0, trip: () => !!document.querySelector('path.cv-track') };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });

async function context() {
	const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
	await ctx.addInitScript((s) => { if (!location.pathname.endsWith('ref.html')) sessionStorage.setItem('cvapi.session', s); }, session);
	await ctx.route(/^https?:\/\/[^/]*tile/, (r) => r.abort());
	return ctx;
}

async function load(ctx, name, path, selector) {
	const page = await ctx.newPage();
	await page.goto(base + path, { waitUntil: 'commit' });
	await page.waitForSelector(selector, { timeout: 30000 });
	if (extra[name])
		await page.waitForFunction(extra[name], null, { timeout: 30000 });
	const t = await page.evaluate(() => {
		const fcp = performance.getEntriesByName('first-contentful-paint')[0];
		return { ready: performance.now(), paint: fcp ? fcp.startTime : NaN };
	});
	await page.close();
	return t;
}

const q = (xs, p) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

for (const [name, path, selector] of PAGES) {
	const cold = [], warm = [];
	for (let i = 0; i < ROUNDS; i++) {
		const ctx = await context();
		cold.push(await load(ctx, name, path, selector));
		warm.push(await load(ctx, name, path, selector));
		await ctx.close();
	}
	for (const [mode, xs] of [['first visit', cold], ['return', warm]]) {
		const paint = xs.map((x) => x.paint), ready = xs.map((x) => x.ready);
		console.log(`${name.padEnd(20)} ${mode.padEnd(12)} paint p50 ${q(paint, 0.5).toFixed(0).padStart(5)} ms p90 ${q(paint, 0.9).toFixed(0).padStart(5)} ms   ready p50 ${q(ready, 0.5).toFixed(0).padStart(5)} ms p90 ${q(ready, 0.9).toFixed(0).padStart(5)} ms   max ${Math.max(...ready).toFixed(0)} ms`);
		console.log(`PAGE name=${name.replace(/ /g, '_')} mode=${mode.replace(/ /g, '_')} paint_p50=${q(paint, 0.5).toFixed(0)} ready_p50=${q(ready, 0.5).toFixed(0)} ready_p90=${q(ready, 0.9).toFixed(0)} ready_max=${Math.max(...ready).toFixed(0)}`);
	}
}
await browser.close();

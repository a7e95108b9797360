// browser.mjs - what the console's browser tests share: Debian's Chromium
// and playwright-core (a test dependency, t/package.json), or why the
// tests are skipped, and a page's script errors collected.
import { existsSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { JSDIR } from './server.mjs';
import { tool } from './schema.mjs';
import { CVSIM } from './sim.mjs';
import { now } from './clock.mjs';

function findChromium() {
	for (const p of [process.env.CV_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)) {
		try {
			accessSync(p, constants.X_OK);
			return p;
		} catch { /* next */ }
	}
	return null;
}

/* The Chromium binary, or null. */
export const chromiumPath = findChromium();

/* playwright-core, or null. */
export let playwright = null;
try {
	playwright = await tool('playwright-core');
} catch { /* said in skip */ }

/* Why the browser tests cannot run here (a sentence), or false. */
export const skip = !chromiumPath ? 'the console\'s browser tests skipped: Chromium is not installed (apt-get install chromium)'
	: !playwright ? 'the console\'s browser tests skipped: playwright-core is not installed (./bootstrap installs it in t/node_modules)'
		: !existsSync(CVSIM) ? `the console's browser tests skipped: ${CVSIM} is not built`
			: !existsSync(join(JSDIR, 'leaflet', 'leaflet.esm.min.js')) ? `the console's browser tests skipped: Leaflet is not in ${JSDIR} (apt-get install libjs-leaflet)`
				: false;

/* Every script error of page p, and every error it logs but a resource that failed to load, pushed to problems. */
export function collectProblems(p, problems) {
	p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	p.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			problems.push(`console error: ${m.text()}`);
	});
}

/*
 * A browser context of browser (options as Playwright's newContext) whose
 * pages live at the programs' time: under a suite clock (CVAPI_TEST_NOW),
 * Date in the page runs at the same offset from the real clock, as a
 * device set to the right time would be; otherwise the page's own clock.
 */
export async function newContext(browser, options) {
	const ctx = await browser.newContext(options);
	const off = now() - Date.now();
	if (Math.abs(off) > 1000) {
		await ctx.addInitScript((offset) => {
			const Real = Date;
			const realNow = Real.now.bind(Real);
			class Shifted extends Real {
				constructor(...a) {
					if (a.length === 0)
						super(realNow() + offset);
					else
						super(...a);
				}
				static now() { return realNow() + offset; }
			}
			globalThis.Date = Shifted;
		}, off);
	}
	return ctx;
}

/*
 * What keeps page p from being read on its screen: { wide, unlabelled }:
 * how many px wider than the screen the page is (0 or less is right), and
 * the controls (fields, buttons, bars) that have no name (a label,
 * aria-label, aria-labelledby, or their own text).
 */
export function layoutProblems(p) {
	return p.evaluate(() => ({
		wide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
		unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, button, meter')]
			.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !(e.textContent || '').trim())
			.map((e) => e.outerHTML.slice(0, 80)),
	}));
}

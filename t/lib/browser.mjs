// browser.mjs - what the console's browser tests share: Debian's Chromium
// and playwright-core (a test dependency, t/package.json), or why the
// tests are skipped, and a page's script errors collected.
import { existsSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { JSDIR } from './server.mjs';
import { tool } from './schema.mjs';
import { CVSIM } from './sim.mjs';

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

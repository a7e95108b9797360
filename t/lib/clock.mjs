// clock.mjs - the tests' clock: the instant cvapi's programs believe it is.
//
// Every program reads the time of day through cv_now_ms(), which in a
// build with the clock seam (configure's default) adds the offset held in
// the file $CVAPI_CLOCK names (core/cvtime.h). A test that expects
// something of the time compares with now() here, never with Date.now().
//
// The whole suite at an instant:  make check CVAPI_TEST_NOW=2026-03-29T00:59:30Z
// Each test program then starts at that instant and its time flows from there.
//
// A test of its own at an instant (t/api/clock.mjs):
//   const c = new TestClock('2026-10-25T00:59:30Z');
//   apiSuite('x', fn, { env: c.env });      // the server, cvctl, cvsim, cvnotify
//   c.now(); c.set('2026-10-25T02:00:00Z'); c.advance(3600000);
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const builddir = process.env.CV_BUILDDIR || resolve(here, '..', '..');

/* true when the programs were built with the clock seam (config.h says so). */
export const SEAM = (() => {
	try {
		return /^#define CV_CLOCK_SEAM 1$/m.test(readFileSync(join(builddir, 'config.h'), 'utf8'));
	} catch {
		return false;
	}
})();

/* Milliseconds since the epoch of an RFC 3339 instant, or a throw. */
export function instant(iso) {
	const t = Date.parse(iso);
	if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/.test(iso) || Number.isNaN(t))
		throw new Error(`not an RFC 3339 UTC instant: ${iso}`);
	return t;
}

const made = [];
process.on('exit', () => {
	if (!process.env.CV_KEEP)
		for (const d of made)
			rmSync(d, { recursive: true, force: true });
});

/*
 * A clock file the programs read: set(iso) moves it to an instant, and
 * time flows from there; advance(ms) jumps ahead. The file is replaced
 * whole (rename), so no program ever reads half of it.
 */
export class TestClock {
	constructor(iso) {
		const dir = mkdtempSync(join(tmpdir(), 'cvapi-clock-'));
		made.push(dir);
		// read by the programs as the web server's user (Apache's www-data)
		chmodSync(dir, 0o755);
		this.file = join(dir, 'offset');
		this.offset = 0;
		this.env = { CVAPI_CLOCK: this.file };
		if (iso)
			this.set(iso);
		else
			this.write();
	}

	write() {
		const tmp = `${this.file}.new`;
		writeFileSync(tmp, `${this.offset}\n`);
		renameSync(tmp, this.file);
	}

	/* The programs' now, in ms. */
	now() {
		return Date.now() + this.offset;
	}

	/* Now is iso (and flows on). */
	set(iso) {
		this.offset = instant(iso) - Date.now();
		this.write();
		return this;
	}

	/* Jump ms ahead. */
	advance(ms) {
		this.offset += ms;
		this.write();
		return this;
	}

	/* Read back an offset another process wrote. */
	static read(file) {
		try {
			const v = Number(readFileSync(file, 'utf8').trim());
			return Number.isFinite(v) ? v : 0;
		} catch {
			return 0;
		}
	}
}

/*
 * The suite's clock: CVAPI_TEST_NOW (an instant) starts a clock there for
 * this test program, exported to every program it starts; a CVAPI_CLOCK
 * already set is followed as it is.
 */
let suite = null;
if (process.env.CVAPI_TEST_NOW) {
	if (!SEAM)
		throw new Error('CVAPI_TEST_NOW needs the clock seam: configure without --disable-clock-seam');
	suite = new TestClock(process.env.CVAPI_TEST_NOW);
	process.env.CVAPI_CLOCK = suite.file;
} else if (process.env.CVAPI_CLOCK && existsSync(process.env.CVAPI_CLOCK)) {
	suite = { now: () => Date.now() + TestClock.read(process.env.CVAPI_CLOCK) };
}

/* The programs' now (ms), as the suite's clock has it. */
export function now() {
	return suite ? suite.now() : Date.now();
}

/* now() + ms, as an RFC 3339 string. */
export function nowIso(ms = 0) {
	return new Date(now() + ms).toISOString();
}

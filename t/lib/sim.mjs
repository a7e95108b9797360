// sim.mjs - cvsim for the API tests: the demo vehicles of a test server,
// a history written at once, or the vehicles driven live.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILDDIR } from './server.mjs';
import { now } from './clock.mjs';

export const CVSIM = join(BUILDDIR, 'sim', 'cvsim');

/*
 * A vehicles file for cvsim of srv's demo vehicles, as cvctl demo writes it
 * ("VIN ENERGY CREDENTIAL", then the capacities and the driver's style): its path.
 */
export function vehiclesFile(srv) {
	const file = join(mkdtempSync(join(tmpdir(), 'cvapi-sim-')), 'vehicles.txt');
	writeFileSync(file, srv.vehicles.map((v) => `${v.vin} ${v.energy} ${v.cred}${v.sim ? ` ${v.sim}` : ''}`).join('\n') + '\n');
	return file;
}

const DAY = 86400000;

/*
 * Where a test's history ends: the last UTC midnight that began a
 * Wednesday and is at least 2 hours past (today's, or up to 7 days and 2
 * hours ago). History of D days (cvsim --days D --end historyEnd()) is
 * then D whole days ending on a Tuesday, whatever the day and hour the
 * test runs: the same weekdays, the same kind of traffic, well inside the
 * retention period; and samples of the last hour a test makes itself are
 * always later than all of it.
 */
export function historyEnd() {
	const day = Math.floor((now() - 2 * 3600000) / DAY);
	const back = (((day + 3) % 7) - 2 + 7) % 7;      // 1970-01-01 was a Thursday (3, Monday 0)
	return new Date((day - back) * DAY).toISOString().replace('.000Z', 'Z');
}

/* cvsim's arguments for D whole days of history ending at historyEnd(). */
export function historyArgs(days) {
	return ['--days', String(days), '--end', historyEnd()];
}

/* cvsim run to its end (e.g. --days): { code, stdout, stderr }. */
export function cvsimOnce(srv, args, timeoutMs = 170000) {
	return new Promise((res) => {
		execFile(CVSIM, ['--url', srv.base, ...args], { timeout: timeoutMs, env: srv.env }, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
	});
}

/*
 * cvsim --live with args, against srv: { proc, log() }. Its output is
 * collected; it never outlives the test process and never keeps it alive.
 */
export function cvsimLive(srv, args) {
	let log = '';
	const proc = spawn(CVSIM, ['--live', '--url', srv.base, ...args], { env: srv.env, stdio: ['ignore', 'pipe', 'pipe'] });
	proc.stdout.on('data', (d) => { log += d; });
	proc.stderr.on('data', (d) => { log += d; });
	proc.unref();
	proc.stdout.unref?.();
	proc.stderr.unref?.();
	process.on('exit', () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
	return { proc, log: () => log };
}

// until.mjs - waiting for a condition in the API tests, never for a fixed time.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Poll fn (sync or async) every `every` ms until it returns a truthy
 * value that is not a response with ok === false, and return that value;
 * fail after ms with `what` and what fn last returned (or threw).
 */
export async function until(what, ms, fn, every = 50) {
	const t0 = Date.now();
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last && last.ok !== false)
				return last;
		} catch (e) {
			last = e.message;
		}
		if (Date.now() - t0 > ms)
			assert.fail(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
		await sleep(every);
	}
}

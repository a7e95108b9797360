// A full disk: the store on a small tmpfs of its own, filled by another
// file. Under the reserve (CVAPI_STORE_RESERVE) every authenticated write
// is refused with 507 and says why, reads go on, /healthz answers 200 with
// "store": "read-only", no program dies; with space freed, writes come
// back. Then the disk filled to the last byte: still no death, reads go on.
// cvnotify under the reserve delivers nothing and says so once, then
// delivers when space comes back. Needs root (mount); elsewhere it says it
// skipped. The tmpfs holds the regions with every page allocated (127 MB
// with the 64 MB cache, store.h), a log file, and room above the reserve.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, descendantsOf, WEBSERVER } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { nowIso } from '../lib/clock.mjs';
import { receiver, startNotify } from '../lib/notify.mjs';

const root = process.getuid && process.getuid() === 0;
const MB = 1024 * 1024;
const RESERVE = 24;                 // MB (CVAPI_STORE_RESERVE)

/* Fill the file system of dir with file `name` until `leave` bytes are free (0: until it is full). */
function fill(dir, name, leave) {
	const fd = openSync(join(dir, name), 'a');
	const chunk = Buffer.alloc(MB, 0x5a);
	try {
		for (;;) {
			const s = statfsSync(dir);
			const free = s.bavail * s.bsize;
			if (free <= leave)
				break;
			const n = Math.min(chunk.length, leave ? free - leave : chunk.length);
			try {
				writeSync(fd, chunk, 0, Math.max(n, 1));
			} catch (e) {
				if (e.code === 'ENOSPC')
					break;
				throw e;
			}
		}
	} finally {
		closeSync(fd);
	}
}

const programs = (srv) => descendantsOf(srv.ws.process.pid).filter((p) => /cvapi-[a-z0-9]+\.fcgi$/.test(p.cmd))
	.map((p) => p.pid).sort();

apiSuite('disk', {
	skip: root ? false : 'needs root to mount a small tmpfs for the store',
	env: { CVAPI_STORE_RESERVE: String(RESERVE) },
	mountHome: (home) => execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=192m,mode=0755', 'tmpfs', home]),
	unmountHome: (home) => {
		try { execFileSync('umount', ['-l', home]); } catch { /* not mounted */ }
	},
}, (srv, it) => {
	let tok, car, before;
	const upload = (i) => srv.upload(car.vin, car.cred, { messageId: `disk-${i}`, samples: [{ at: nowIso(-1000), odometer: 100 + i }] });
	const health = async () => {
		const r = await srv.get('/healthz');
		assert.equal(r.status, 200, r.text);
		return r.body.store;
	};

	it('a store with room: writes and reads, /healthz says writable', { skip: !root }, async () => {
		tok = await srv.token('demo');
		car = srv.vehicles[0];
		assert.equal((await upload(1)).status, 200);
		assert.equal(await health(), 'writable');
		before = programs(srv);
		assert.ok(before.length > 0);
	});

	it('under the reserve: writes get 507 saying why, nothing is written; reads, logins and /healthz go on', { skip: !root }, async () => {
		fill(srv.home, 'filler', (RESERVE - 8) * MB);
		const u = await upload(2);
		await assertXError(u, 507, { code: 50701, message: /disk is nearly full/ });
		const cb = await srv.request('POST', `${B2C}/user/callbacks`, { token: tok,
			body: { label: 'full', type: ['Monitor'], callback: { poll: { name: 'full' } } } });
		await assertXError(cb, 507, { code: 50701 });
		const s = await srv.get(`${B2C}/user/vehicles/${car.id}/status`, tok);
		assert.equal(s.status, 200, s.text);
		await assertSchema(s.body, 'Status');
		assert.equal(s.body.odometer.mileage, 101, 'the refused upload was not stored');
		const cbs = await srv.get(`${B2C}/user/callbacks`, tok);
		assert.ok(!cbs.body._embedded?.callbacks?.some((c) => c.label === 'full'), cbs.text);
		assert.equal(await health(), 'read-only');
		const login = await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' });
		assert.equal(login.status, 200, 'a user can still log in to read');
		assert.deepEqual(programs(srv), before, 'no program died');
	});

	it('with space freed, writes come back', { skip: !root }, async () => {
		rmSync(join(srv.home, 'filler'));
		assert.equal((await upload(3)).status, 200);
		assert.equal(await health(), 'writable');
		const s = await srv.get(`${B2C}/user/vehicles/${car.id}/status`, tok);
		assert.equal(s.body.odometer.mileage, 103);
	});

	it('the disk full to the last byte: no program dies, reads go on, writes are refused', { skip: !root }, async () => {
		fill(srv.home, 'filler', 0);
		for (let i = 0; i < 5; i++) {
			await assertXError(await upload(10 + i), 507, { code: 50701 });
			assert.equal((await srv.get(`${B2C}/user`, tok)).status, 200);
		}
		assert.equal(await health(), 'read-only');
		assert.deepEqual(programs(srv), before, 'no program died');
		assert.doesNotMatch(srv.ws.logs(), /needs recovery|SIGBUS|run database recovery/i);
		rmSync(join(srv.home, 'filler'));
		assert.equal((await upload(20)).status, 200);
	});

	it('cvnotify under the reserve: nothing delivered, said once; with space back, delivered and recorded', {
		skip: !root || (WEBSERVER !== 'lighttpd' && 'only cvnotify is under test: behind lighttpd'),
	}, async () => {
		const rx = await receiver();
		const req = (method, path, body) => srv.request(method, path, { token: tok, body });
		const c = await req('POST', `${B2C}/user/callbacks`, { label: 'disk', type: ['Monitor'], callback: { webhook: { name: 'rx', target: rx.url } } });
		assert.equal(c.status, 200, c.text);
		const cb = c.body.callbackId;
		const home = { latitude: 48.8566, longitude: 2.3522 };
		const m = await req('POST', `${B2C}/user/vehicles/${car.id}/callbacks/${cb}/monitors`, { label: 'disk',
			triggerParam: { triggers: [{ name: 'home', zone: { transition: 'Out', place: { radius: 1, center: home } } }] } });
		assert.equal(m.status, 202, m.text);
		// queued while there is room, cvnotify not running
		const u = await srv.upload(car.vin, car.cred, { messageId: 'disk-notify', samples: [
			{ at: nowIso(-3000), position: { lat: home.latitude, lon: home.longitude } },
			{ at: nowIso(-2000), position: { lat: home.latitude + 0.02, lon: home.longitude } }] });
		assert.equal(u.status, 200, u.text);
		fill(srv.home, 'filler', (RESERVE - 8) * MB);
		const nd = await startNotify(srv);
		try {
			// said in its first turn, before any walk of the outbox
			await nd.waitLog(/the store's disk is under its reserve: nothing is delivered/);
			assert.equal(rx.got.length + rx.held.length, 0, 'nothing sent');
			rmSync(join(srv.home, 'filler'));
			await rx.waitFor(1);
			await nd.waitLog(/the store's disk has room again: delivering/);
			for (let i = 0; ; i++) {
				const log = await srv.get(`${B2C}/user/callbacks/${cb}/deliveries`, tok);
				assert.equal(log.status, 200, log.text);
				if (log.body._embedded?.deliveries?.[0]?.outcome === 'Delivered')
					break;
				assert.ok(i < 200, `the delivery recorded: ${log.text}`);
				await new Promise((res) => setTimeout(res, 50));
			}
			assert.equal(nd.log().match(/under its reserve/g).length, 1, 'said once');
			assert.equal(rx.got.length, 1, 'sent once');
		} finally {
			await nd.stop();
			await rx.close();
		}
	});
});

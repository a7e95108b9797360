// GET /user, /user/vehicles (paging, vinPrefix), /user/vehicles/{id}, and
// their malformed-parameter twins.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError, isRfc3339 } from '../lib/schema.mjs';

const MOTORIZATION = { petrol: 'Thermic', diesel: 'Thermic', electric: 'Electric', phev: 'Hybrid' };
const SUBS = ['status', 'lastPosition', 'maintenance', 'telemetry', 'trips', 'alerts', 'alarms', 'collisions'];

apiSuite('user', (srv, it) => {
	const V = `${B2C}/user/vehicles`;
	let tok;
	let all; // every vehicle of demo, in the API's order
	const extra = []; // vehicles added here: { vin, energy }

	it('GET /user: the demo user, with links', async () => {
		tok = await srv.token('demo');
		const r = await srv.get(`${B2C}/user`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'User');
		assert.equal(r.body.email, 'demo@cvapi.example');
		assert.equal(r.body.firstName, 'Camille');
		assert.equal(r.body.lastName, 'Martin');
		assert.ok(isRfc3339(r.body.createdAt) && isRfc3339(r.body.updatedAt), r.text);
		assert.deepEqual(r.body._links, { self: { href: `${srv.base}${B2C}/user` }, vehicles: { href: `${srv.base}${V}` } });
		// the links are built from the Host the client used
		const h = await srv.raw(`GET ${B2C}/user HTTP/1.1\r\nHost: api.example.test:8443\r\nAuthorization: Bearer ${tok}\r\nConnection: close\r\n\r\n`);
		assert.equal(h.status, 200, h.head);
		assert.equal(JSON.parse(h.body)._links.self.href, `http://api.example.test:8443${B2C}/user`);
		// HEAD: the same answer without a body
		const head = await srv.request('HEAD', `${B2C}/user`, { token: tok });
		assert.equal(head.status, 200);
		assert.equal(head.text, '');
	});

	it('GET /user/vehicles: the three demo vehicles, each complete and browsable', async () => {
		const r = await srv.get(V, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Vehicles');
		assert.equal(r.body.total, 3);
		assert.equal(r.body.totalPage, 1);
		assert.equal(r.body.currentPage, 1);
		const vs = r.body._embedded.vehicles;
		assert.deepEqual(vs.map((v) => v.vin).sort(), srv.vehicles.map((v) => v.vin).sort());
		assert.equal(r.body._links.self.href, `${srv.base}${V}`);
		assert.equal(r.body._links.first.href, `${srv.base}${V}?pageSize=60&indexRange=0-`);
		assert.equal(r.body._links.next, undefined);
		assert.equal(r.body._links.prev, undefined);
		for (const v of vs) {
			const d = srv.vehicles.find((x) => x.vin === v.vin);
			assert.equal(v.id, d.id);
			assert.match(v.id, /^[0-9a-f]{32}$/);
			assert.notEqual(v.id, v.vin);
			assert.equal(v.motorization, MOTORIZATION[d.energy]);
			assert.equal(v.brand, 'Peugeot');
			assert.ok(v.label.length > 0);
			assert.ok(isRfc3339(v.createdAt) && isRfc3339(v.updatedAt));
			assert.equal(v._links.self.href, `${srv.base}${V}/${v.id}`);
			assert.equal(v._links.user.href, `${srv.base}${B2C}/user`);
			for (const s of SUBS)
				assert.equal(v._links[s].href, `${srv.base}${V}/${v.id}/${s}`);
			// following self gives the same vehicle
			const one = await srv.get(v._links.self.href, tok);
			assert.equal(one.status, 200, one.text);
			await assertSchema(one.body, 'Vehicle');
			assert.deepEqual(one.body, v);
		}
	});

	it('paging: pageSize, next links followed to the end, prev/first/last, indexRange', async () => {
		for (let i = 0; i < 9; i++) {
			const vin = `VF7PGTEST${String(i).padStart(8, '0')}`;
			await srv.cvctl(['vehicle', 'add', vin, '--owner', 'demo', '--energy', i % 2 ? 'electric' : 'diesel', '--label', `test ${i}`]);
			extra.push(vin);
		}
		const full = await srv.get(V, tok);
		assert.equal(full.body.total, 12);
		all = full.body._embedded.vehicles;
		assert.equal(all.length, 12);
		assert.equal(new Set(all.map((v) => v.id)).size, 12);

		// follow next from the first page of 5
		const seen = [];
		let url = `${V}?pageSize=5`;
		const pages = [];
		while (url) {
			const r = await srv.get(url, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, 'Vehicles');
			pages.push(r.body);
			seen.push(...r.body._embedded.vehicles.map((v) => v.id));
			url = r.body._links.next?.href;
			assert.ok(pages.length <= 3, 'more pages than expected');
		}
		assert.deepEqual(pages.map((p) => p._embedded.vehicles.length), [5, 5, 2]);
		assert.deepEqual(pages.map((p) => p.currentPage), [1, 2, 3]);
		assert.ok(pages.every((p) => p.total === 12 && p.totalPage === 3));
		assert.deepEqual(seen, all.map((v) => v.id), 'every vehicle exactly once, in order');
		assert.equal(pages[0]._links.prev, undefined);
		assert.ok(pages[1]._links.prev && pages[2]._links.prev);
		assert.match(pages[0]._links.next.href, /^http:\/\/127\.0\.0\.1:\d+\/connectedcar\/v4\/user\/vehicles\?pageSize=5&pageToken=[A-Za-z0-9_-]+$/);

		// prev of the last page is the middle page
		const prev = await srv.get(pages[2]._links.prev.href, tok);
		assert.deepEqual(prev.body._embedded.vehicles.map((v) => v.id), all.slice(5, 10).map((v) => v.id));
		// last and first
		const last = await srv.get(pages[0]._links.last.href, tok);
		assert.deepEqual(last.body._embedded.vehicles.map((v) => v.id), all.slice(10).map((v) => v.id));
		const first = await srv.get(pages[2]._links.first.href, tok);
		assert.deepEqual(first.body._embedded.vehicles.map((v) => v.id), all.slice(0, 5).map((v) => v.id));

		// indexRange
		const cases = [
			['indexRange=5-7', 5, 8],
			['indexRange=10-', 10, 12],
			['indexRange=0-0', 0, 1],
			['indexRange=5-7&pageSize=2', 5, 7],
			['indexRange=11-400', 11, 12],
			['indexRange=12-', 12, 12],
			['indexRange=100-', 12, 12],
			['pageSize=60&indexRange=0-', 0, 12],
		];
		for (const [q, from, to] of cases) {
			const r = await srv.get(`${V}?${q}`, tok);
			assert.equal(r.status, 200, `${q}: ${r.text}`);
			await assertSchema(r.body, 'Vehicles');
			assert.deepEqual(r.body._embedded.vehicles.map((v) => v.id), all.slice(from, to).map((v) => v.id), q);
			assert.equal(r.body.total, 12, q);
		}
		// a pageToken wins over indexRange
		const tokUrl = new URL(pages[0]._links.next.href);
		tokUrl.searchParams.set('indexRange', '0-1');
		const won = await srv.get(tokUrl.href, tok);
		assert.equal(won.status, 200, won.text);
		assert.deepEqual(won.body._embedded.vehicles.map((v) => v.id), all.slice(5, 10).map((v) => v.id));
	});

	it('vinPrefix filters, and its next links keep the filter', async () => {
		const r = await srv.get(`${V}?vinPrefix=VF7PGTEST`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.total, 9);
		assert.deepEqual(r.body._embedded.vehicles.map((v) => v.vin).sort(), [...extra].sort());
		const one = await srv.get(`${V}?vinPrefix=VR3UKZKXZMJ000002`, tok);
		assert.deepEqual(one.body._embedded.vehicles.map((v) => v.vin), ['VR3UKZKXZMJ000002']);
		const none = await srv.get(`${V}?vinPrefix=ZZZ`, tok);
		assert.equal(none.status, 200);
		assert.equal(none.body.total, 0);
		assert.deepEqual(none.body._embedded.vehicles, []);
		assert.equal(none.body.totalPage, 0);
		await assertSchema(none.body, 'Vehicles');
		// paged
		const seen = [];
		let url = `${V}?vinPrefix=VF7PGTEST&pageSize=4`;
		while (url) {
			const p = await srv.get(url, tok);
			assert.equal(p.status, 200, p.text);
			assert.ok(p.body._embedded.vehicles.every((v) => v.vin.startsWith('VF7PGTEST')));
			seen.push(...p.body._embedded.vehicles.map((v) => v.vin));
			url = p.body._links.next?.href;
			if (url)
				assert.match(url, /vinPrefix=VF7PGTEST/);
		}
		assert.deepEqual(seen.sort(), [...extra].sort());
	});

	it('the other query parameters of the spec are accepted (locale, country, extension, client_id)', async () => {
		for (const q of ['locale=fr-FR', 'country=FR', 'country=FR,DE&country=IT', 'extension=onboardCapabilities,branding', 'client_id=cvctl']) {
			const r = await srv.get(`${V}?${q}`, tok);
			assert.equal(r.status, 200, `${q}: ${r.text}`);
			const v = await srv.get(`${V}/${srv.vehicles[0].id}?${q}`, tok);
			assert.equal(v.status, 200, `${q}: ${v.text}`);
		}
		assert.equal((await srv.get(`${B2C}/user?country=FR&client_id=cvctl`, tok)).status, 200);
	});

	// ---- malformed twins -------------------------------------------------
	const badList = [
		// query, code, message
		['pageSize=0', 40001, /pageSize must be a whole number from 1 to 60/],
		['pageSize=61', 40001, /pageSize must be a whole number from 1 to 60/],
		['pageSize=-1', 40001, /pageSize/],
		['pageSize=abc', 40001, /pageSize/],
		['pageSize=1.5', 40001, /pageSize/],
		['pageSize=', 40001, /pageSize/],
		['pageSize=99999999999999999999999', 40001, /pageSize/],
		['pageSize=5&pageSize=6', 40008, /pageSize is given more than once/],
		['indexRange=abc', 40001, /indexRange must look like 0-9 or 10-/],
		['indexRange=5', 40001, /indexRange must look like/],
		['indexRange=-5', 40001, /indexRange/],
		['indexRange=7-5', 40001, /indexRange ends before it starts/],
		['indexRange=1-x', 40001, /indexRange end/],
		['indexRange=1--2', 40001, /indexRange end/],
		['indexRange=', 40001, /indexRange/],
		['indexRange=99999999999-', 40001, /indexRange start/],
		['pageToken=', 40006, /pageToken is empty or too long/],
		['pageToken=' + 'A'.repeat(600), 40006, /pageToken is empty or too long/],
		['pageToken=forged', 40006, /pageToken is not one this server made/],
		['pageToken=' + 'A'.repeat(55), 40006, /pageToken is not one this server made/],
		['vinPrefix=' + 'A'.repeat(18), 40001, /vinPrefix must be 1 to 17 characters/],
		['vinPrefix=VR3%20U', 40001, /vinPrefix/],
		['vinPrefix=VR3/U', 40001, /vinPrefix/],
		['vinPrefix=', 40001, /vinPrefix/],
		['locale=' + 'x'.repeat(17), 40001, /locale must be 1 to 16 characters/],
		['locale=fr%20FR', 40001, /locale/],
		['extension=wheels', 40001, /extension: unknown value "wheels"/],
		['extension=branding,,pictures', 40001, /extension: empty or overlong item/],
		['country=fr', 40001, /country: unknown value "fr"/],
		['country=FRA', 40001, /country: unknown value "FRA"/],
		['client_id=', 40001, /client_id is malformed/],
		['client_id=a%20b', 40001, /client_id is malformed/],
		['client_id=' + 'c'.repeat(65), 40001, /client_id is malformed/],
		['colour=blue', 40007, /unknown query parameter "colour"/],
		['timestamps=2024-05-01T00:00:00Z/', 40007, /unknown query parameter "timestamps"/],
		['pageSize', 40001, /malformed query parameter "pageSize"/],
		['p'.repeat(70) + '=1', 40001, /malformed query parameter/],
		['pageSize=%zz', 40001, /query parameter pageSize has a malformed value/],
		[Array.from({ length: 33 }, (_, i) => `country=F${String.fromCharCode(65 + (i % 26))}`).join('&'), 40001, /too many query parameters/],
	];
	for (const [q, code, message] of badList) {
		it(`GET /user/vehicles?${q.slice(0, 60)} -> 400`, async () => {
			await assertXError(await srv.get(`${V}?${q}`, tok), 400, { code, message });
		});
	}

	it('a pageToken is bound to its collection, filters and user', async () => {
		const p = await srv.get(`${V}?pageSize=2`, tok);
		const next = new URL(p.body._links.next.href);
		const pt = next.searchParams.get('pageToken');
		// other filters
		await assertXError(await srv.get(`${V}?pageSize=2&vinPrefix=VF7&pageToken=${pt}`, tok), 400,
			{ code: 40006, message: /another collection or other filters/ });
		// another collection (the telemetry of a vehicle)
		await assertXError(await srv.get(`${V}/${srv.vehicles[0].id}/telemetry?pageToken=${pt}`, tok), 400,
			{ code: 40006, message: /another collection or other filters/ });
		// another user
		const other = await srv.addUserWithVehicle('paging-other', 'VF7PGXTHER0000001');
		await assertXError(await srv.get(`${V}?pageSize=2&pageToken=${pt}`, other.token), 400,
			{ code: 40006, message: /another collection or other filters/ });
		// one character changed
		const flipped = pt.slice(0, 10) + (pt[10] === 'A' ? 'B' : 'A') + pt.slice(11);
		await assertXError(await srv.get(`${V}?pageSize=2&pageToken=${flipped}`, tok), 400,
			{ code: 40006, message: /not one this server made/ });
		// the same token still works where it belongs
		assert.equal((await srv.get(`${V}?pageSize=2&pageToken=${pt}`, tok)).status, 200);
	});

	const badIds = [
		['xyz', 400, 40002],
		['0123456789abcdef0123456789abcde', 400, 40002],      // 31
		['0123456789abcdef0123456789abcdef0', 400, 40002],    // 33
		['0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 400, 40002], // 64
		['0123456789abcdefg123456789abcdef', 400, 40002],     // not hex
		['VR3UPHNKSKT000001', 400, 40002],                    // a VIN is not an id
		['a'.repeat(600), 400, 40001],                         // longer than any path we take
		['0123456789abcdef0123456789abcdef', 403, 40301],     // well formed, nobody's
	];
	for (const [id, status, code] of badIds) {
		it(`GET /user/vehicles/${id.slice(0, 40)} -> ${status}`, async () => {
			const r = await srv.get(`${V}/${id}`, tok);
			await assertXError(r, status, { code: code ?? undefined, message: status === 403 ? /not in your account/ : /vehicle id|malformed/ });
		});
	}

	it("another user's vehicle: 403, and nothing of it in the answer", async () => {
		const other = await srv.addUserWithVehicle('other-owner', 'VF7XTHER000000001', 'electric');
		const r = await srv.get(`${V}/${other.id}`, tok);
		const b = await assertXError(r, 403, { code: 40301, message: /not in your account/ });
		assert.ok(!r.text.includes(other.vin) && !r.text.includes('Electric'), r.text);
		// the same answer as for an id that does not exist
		const ghost = await srv.get(`${V}/${'f'.repeat(32)}`, tok);
		assert.equal(ghost.body.message, b.message);
		// and the owner sees it; demo's list does not
		const mine = await srv.get(`${V}/${other.id}`, other.token);
		assert.equal(mine.status, 200);
		assert.equal(mine.body.vin, other.vin);
		const list = await srv.get(V, tok);
		assert.ok(!list.body._embedded.vehicles.some((v) => v.id === other.id));
		const theirs = await srv.get(V, other.token);
		assert.deepEqual(theirs.body._embedded.vehicles.map((v) => v.id), [other.id]);
	});

	const badPaths = [
		['GET', `${B2C}/user/`, 404, 40401],
		['GET', `${B2C}/users`, 404, 40401],
		['GET', `${B2C}/user/vehicle`, 404, 40401],
		['GET', `${B2C}/user/vehicles/0123456789abcdef0123456789abcdef/nothing`, 404, 40401],
		['GET', `${B2C}/user/vehicles/0123456789abcdef0123456789abcdef/status/more`, 404, 40401],
		['GET', '/connectedcar/v3/fleetz', 404, 40401],
		['GET', '/connectedcar/v2/fleets', 404, 40401],
		['POST', `${B2C}/user`, 405, 40501],
		['DELETE', `${B2C}/user/vehicles`, 405, 40501],
		['PUT', `${B2C}/user/vehicles/0123456789abcdef0123456789abcdef`, 405, 40501],
	];
	for (const [method, path, status, code] of badPaths) {
		it(`${method} ${path} -> ${status}`, async () => {
			const r = await srv.request(method, path, { token: tok });
			await assertXError(r, status, { code, message: status === 404 ? /no such resource/ : /is not allowed here/ });
			if (status === 405)
				assert.equal(r.headers.get('allow'), 'GET');
		});
	}

});

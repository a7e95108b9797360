// GET /user/vehicles/{id}/telemetry: newest first, paging through next
// links, time filters (timestamps), type filter, and the malformed twins.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const T0 = Date.parse('2024-04-01T00:00:00Z');
const N = 150;
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const T = (i) => iso(T0 + i * 60000); // sample i is at T0 + i minutes

/* What the vehicle uploads as sample i. */
function sample(i) {
	const s = { at: T(i), speed: (i % 100) + 0.5, odometer: (10000 + i) / 10 };
	if (i % 3 === 0)
		s.outsideTemp = -5 + i / 10;
	if (i % 5 === 0)
		s.privacy = i % 2 ? 'Full' : 'Geolocation';
	if (i % 7 === 0)
		s.doors = { locked: 'SuperLocked', open: ['Driver', 'RearRight'] };
	if (i % 11 === 0)
		s.fuel = { level: i % 100, autonomy: 3 * i };
	if (i % 13 === 0)
		s.battery12v = 12.345;
	if (i % 17 === 0)
		s.ignition = 'StartUp';
	return s;
}

/* The telemetry item a user should see for sample i, limited to the parts of mask. */
function expected(i, parts = ['vehicle', 'environment', 'privacy']) {
	const s = sample(i);
	const o = { createdAt: s.at };
	const v = {};
	if (parts.includes('vehicle') || parts.includes('vehicle.battery'))
		if (s.battery12v !== undefined)
			v.battery = { voltage: 12.345 };
	if (parts.includes('vehicle') || parts.includes('vehicle.doorsState'))
		if (s.doors)
			v.doorsState = {
				lockedStates: ['SuperLocked'],
				opening: ['Driver', 'Passenger', 'RearLeft', 'RearRight', 'Trunk'].map((d) => ({ identifier: d, state: s.doors.open.includes(d) ? 'Open' : 'Closed' })),
			};
	if (parts.includes('vehicle') || parts.includes('vehicle.energies'))
		if (s.fuel)
			v.energies = [{ type: 'Fuel', subType: 'FossilEnergy', level: s.fuel.level, autonomy: s.fuel.autonomy }];
	if (parts.includes('vehicle') || parts.includes('vehicle.ignition'))
		if (s.ignition)
			v.ignition = { createdAt: s.at, type: 'StartUp' };
	if (parts.includes('vehicle')) {
		v.kinetic = { moving: true, speed: s.speed };
		v.odometer = { mileage: s.odometer };
	}
	if (Object.keys(v).length)
		o.vehicle = v;
	if (parts.includes('environment') && s.outsideTemp !== undefined)
		o.environment = { air: { temp: Math.round(s.outsideTemp * 10) / 10 } };
	if (parts.includes('privacy') && s.privacy)
		o.privacy = { state: s.privacy };
	return o;
}


const has = (i, parts) => Object.keys(expected(i, parts)).length > 1;
const range = (a, b) => Array.from({ length: b - a }, (_, k) => a + k);
const desc = (is) => [...new Set(is)].sort((a, b) => b - a);
const indexOf = (item) => (Date.parse(item.createdAt) - T0) / 60000;

apiSuite('telemetry', (srv, it) => {
	let car, other, tok, TEL;

	/* Every item of a query, following next links; checks each page. */
	async function collect(query, { pageSize } = {}) {
		let url = `${TEL}?${query}${pageSize ? `${query ? '&' : ''}pageSize=${pageSize}` : ''}`;
		const items = [];
		let pages = 0;
		let total = null;
		while (url) {
			const r = await srv.get(url, tok);
			assert.equal(r.status, 200, `${url}: ${r.text}`);
			await assertSchema(r.body, 'Telemetries');
			pages++;
			assert.equal(r.body.currentPage, pages, url);
			if (total === null)
				total = r.body.total;
			assert.equal(r.body.total, total, 'the total does not change from page to page');
			items.push(...r.body._embedded.telemetries);
			url = r.body._links.next?.href;
			assert.ok(pages <= 400, 'runaway paging');
		}
		assert.equal(items.length, total, `${query}: the pages hold total items`);
		return items;
	}

	function assertItems(items, is, parts) {
		const want = desc(is);
		const got = items.map(indexOf);
		assert.deepEqual(got, want, 'every matching sample exactly once, newest first');
		for (const item of items) {
			const { _links, ...rest } = item;
			assert.deepEqual(rest, expected(indexOf(item), parts));
			assert.equal(_links.vehicle.href, `${srv.base}${B2C}/user/vehicles/${car.id}`);
		}
	}

	it('upload 150 samples in two out-of-order batches (and a few to another vehicle)', async () => {
		car = srv.vehicles.find((v) => v.energy === 'petrol');
		other = srv.vehicles.find((v) => v.energy === 'electric');
		tok = await srv.token('demo', { scope: 'data:telemetry' });
		TEL = `${B2C}/user/vehicles/${car.id}/telemetry`;
		// an empty history first
		const empty = await srv.get(TEL, tok);
		assert.equal(empty.status, 200, empty.text);
		await assertSchema(empty.body, 'Telemetries');
		assert.deepEqual(empty.body._embedded.telemetries, []);
		assert.equal(empty.body.total, 0);
		const a = range(0, 100).sort((x, y) => ((x * 37) % 101) - ((y * 37) % 101));
		for (const [id, is] of [['tel-a', a], ['tel-b', range(100, N).reverse()]]) {
			const r = await srv.upload(car.vin, car.cred, { messageId: id, samples: is.map(sample) });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.accepted, is.length);
		}
		const o = await srv.upload(other.vin, other.cred, { messageId: 'x', samples: range(0, 5).map((i) => ({ at: T(i), speed: 1 })) });
		assert.equal(o.status, 200, o.text);
	});

	it('the first page: 60 newest samples, each with its values and links', async () => {
		const r = await srv.get(TEL, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Telemetries');
		assert.equal(r.body.total, N);
		assert.equal(r.body.totalPage, 3);
		assert.equal(r.body.currentPage, 1);
		assert.ok(r.body._links.next);
		assert.equal(r.body._links.prev, undefined);
		assert.equal(r.body._links.self.href, `${srv.base}${TEL}`);
		assert.equal(r.body._links.last.href, `${srv.base}${TEL}?pageSize=60&indexRange=120-`);
		assertItems(r.body._embedded.telemetries, range(90, N));
		for (const item of r.body._embedded.telemetries)
			await assertSchema(item, 'Telemetry');
		// an item's self link gives that item alone
		const item = r.body._embedded.telemetries[7];
		const one = await srv.get(item._links.self.href, tok);
		assert.equal(one.status, 200, one.text);
		assert.equal(one.body.total, 1);
		assert.deepEqual(one.body._embedded.telemetries, [item]);
	});

	it('next links followed to the end give every sample exactly once, newest first', async () => {
		for (const pageSize of [25, 7, 149, 150, 2000]) {
			const items = await collect('', { pageSize });
			assertItems(items, range(0, N));
		}
	});

	it('indexRange picks ranks of the newest-first list', async () => {
		const all = desc(range(0, N));
		for (const [q, from, to] of [['indexRange=10-19', 10, 20], ['indexRange=145-', 145, 150], ['indexRange=0-0', 0, 1],
			['indexRange=140-&pageSize=3', 140, 143], ['indexRange=150-', 150, 150]]) {
			const r = await srv.get(`${TEL}?${q}`, tok);
			assert.equal(r.status, 200, r.text);
			assert.deepEqual(r.body._embedded.telemetries.map(indexOf), all.slice(from, to), q);
		}
		// the next link of an indexRange page continues after it
		const r = await srv.get(`${TEL}?indexRange=10-&pageSize=5`, tok);
		const n = await srv.get(r.body._links.next.href, tok);
		assert.deepEqual(n.body._embedded.telemetries.map(indexOf), all.slice(15, 20));
	});

	const intervals = [
		// timestamps values, the samples they hold
		[[`${T(10)}/${T(20)}`], range(10, 20)],
		[[`${T(140)}/`], range(140, N)],
		[[`/${T(10)}`], range(0, 10)],
		[[`${T(30)}/PT1H`], range(30, 90)],
		[[`PT30M/${T(100)}`], range(70, 100)],
		[[`${T(10)}/${T(10)}`], []],
		[[`${T(5)}/P1D`], range(5, N)],
		[['2024-04-01T00:00:30.5Z/2024-04-01T00:03:00.001Z'], [1, 2, 3]],
		[['2024-04-01T02:00:00%2B02:00/2024-04-01T02:05:00%2B02:00'], range(0, 5)],
		[['2024-03-31T19:00:00-05:00/PT2M'], range(0, 2)],
		[['2020-01-01T00:00:00Z/2021-01-01T00:00:00Z'], []],
		[[`${T(0)}/${T(5)}`, `${T(100)}/${T(110)}`], [...range(0, 5), ...range(100, 110)]],
		[[`${T(100)}/${T(110)}`, `${T(0)}/${T(5)}`], [...range(0, 5), ...range(100, 110)]],
		[[`${T(0)}/${T(50)}`, `${T(40)}/${T(60)}`], range(0, 60)],
		[[`${T(0)}/${T(50)}`, `${T(50)}/${T(60)}`, `${T(55)}/PT10M`], range(0, 65)],
		[[`${T(20)}/${T(30)}`, `${T(20)}/${T(30)}`], range(20, 30)],
		[Array.from({ length: 10 }, (_, k) => `${T(k * 15)}/PT2M`), range(0, 10).flatMap((k) => [k * 15, k * 15 + 1])],
		[['/', '1970-01-01T00:00:00Z/9999-12-31T23:59:59Z'].slice(1), range(0, N)],
	];
	for (const [ts, is] of intervals) {
		it(`timestamps=${ts.join(' & ')}`, async () => {
			const q = ts.map((x) => `timestamps=${x}`).join('&');
			const r = await srv.get(`${TEL}?${q}&pageSize=2000`, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, 'Telemetries');
			assert.equal(r.body.total, new Set(is).size);
			assertItems(r.body._embedded.telemetries, is);
			// and page by page through the next links, which keep the filter
			assertItems(await collect(q, { pageSize: 4 }), is);
		});
	}

	const types = [
		['environment', ['environment']],
		['privacy', ['privacy']],
		['environment,privacy', ['environment', 'privacy']],
		['environment&type=privacy', ['environment', 'privacy']],
		['vehicle', ['vehicle']],
		['vehicle.doorsState', ['vehicle.doorsState']],
		['vehicle.energies,vehicle.battery', ['vehicle.energies', 'vehicle.battery']],
		['vehicle.ignition', ['vehicle.ignition']],
		['vehicle.adas', []],
		['vehicle.alarm.status,vehicle.wipingBlades', []],
	];
	for (const [q, parts] of types) {
		it(`type=${q}: only samples with those parts, and only those parts`, async () => {
			const is = range(0, N).filter((i) => has(i, parts));
			const r = await srv.get(`${TEL}?type=${q}&pageSize=2000`, tok);
			assert.equal(r.status, 200, r.text);
			await assertSchema(r.body, 'Telemetries');
			assert.equal(r.body.total, is.length);
			assertItems(r.body._embedded.telemetries, is, parts);
			assertItems(await collect(`type=${q}`, { pageSize: 9 }), is, parts);
		});
	}

	it('vehicle.ignition in a telemetry item has the createdAt its schema (IgnitionBase) requires', async () => {
		const r = await srv.get(`${TEL}?type=vehicle.ignition&pageSize=1`, tok);
		assert.equal(r.status, 200, r.text);
		const item = r.body._embedded.telemetries[0];
		assert.ok(item.vehicle.ignition, r.text);
		await assertSchema(item, 'Telemetry');
		assert.equal(item.vehicle.ignition.createdAt, item.createdAt);
	});

	it('type and timestamps together', async () => {
		const is = range(30, 90).filter((i) => i % 3 === 0);
		assertItems(await collect(`type=environment&timestamps=${T(30)}/PT1H`, { pageSize: 6 }), is, ['environment']);
	});

	it("another vehicle's history is its own", async () => {
		const r = await srv.get(`${B2C}/user/vehicles/${other.id}/telemetry`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.total, 5);
		assert.deepEqual(r.body._embedded.telemetries.map((x) => x.createdAt), range(0, 5).reverse().map(T));
	});

	it('extension and client_id are accepted', async () => {
		for (const q of ['extension=odometer', 'extension=fuel,electric', 'extension=location,maintenance', 'client_id=cvctl']) {
			const r = await srv.get(`${TEL}?${q}&pageSize=1`, tok);
			assert.equal(r.status, 200, `${q}: ${r.text}`);
			assert.equal(r.body.total, N);
		}
	});

	const bad = [
		// query, code, message
		['timestamps=R5/2024-04-01T00:00:00Z/PT1H', 40005, /repeating intervals \(Rn\/\.\.\.\) are not supported/],
		['timestamps=R/2024-04-01T00:00:00Z/PT1H', 40005, /repeating intervals/],
		['timestamps=yesterday', 40005, /expected start\/end/],
		['timestamps=2024-04-01T00:00:00Z', 40005, /expected start\/end/],
		['timestamps=/', 40005, /expected start\/end/],
		['timestamps=', 40005, /expected start\/end/],
		['timestamps=a/b/c', 40005, /expected start\/end/],
		['timestamps=PT1H/PT2H', 40005, /expected start\/end/],
		['timestamps=2024-13-01T00:00:00Z/', 40005, /RFC 3339/],
		['timestamps=2024-02-30T00:00:00Z/', 40005, /RFC 3339/],
		['timestamps=2024-04-01/', 40005, /RFC 3339/],
		['timestamps=2024-04-01T00:00:00/', 40005, /RFC 3339/],
		['timestamps=2024-04-01 00:00:00Z/', 40005, /RFC 3339/],
		['timestamps=2024-04-01T00:00:00+02:00/', 40005, /RFC 3339/], // an unencoded + is a space
		['timestamps=1969-12-31T23:59:59Z/', 40005, /RFC 3339/],
		[`timestamps=${T(20)}/${T(10)}`, 40005, /ends before it starts/],
		[`timestamps=${T(0)}/P1X`, 40005, /bad start time or duration/],
		[`timestamps=${T(0)}/P`, 40005, /bad start time or duration/],
		[`timestamps=${T(0)}/PT`, 40005, /bad start time or duration/],
		[`timestamps=${T(0)}/P1W1D`, 40005, /bad start time or duration/],
		[`timestamps=${T(0)}/P1.5D`, 40005, /bad start time or duration/],
		['timestamps=P1D/', 40005, /bad duration or end time/],
		[`timestamps=P1D/${T(0)}x`, 40005, /bad duration or end time/],
		[`timestamps=${'2'.repeat(70)}/`, 40005, /expected start\/end/],
		[Array.from({ length: 11 }, (_, k) => `timestamps=${T(k)}/PT1M`).join('&'), 40005, /at most 10 timestamps intervals/],
		['type=vehicle.kinetic', 40001, /type: unknown value "vehicle.kinetic"/],
		['type=Environment', 40001, /type: unknown value "Environment"/],
		['type=environment,', 40001, /type: empty or overlong item/],
		['type=', 40001, /type: empty or overlong item/],
		['extension=weather', 40001, /extension: unknown value "weather"/],
		['pageSize=2001', 40001, /pageSize must be a whole number from 1 to 2000/],
		['pageSize=0', 40001, /pageSize must be a whole number from 1 to 2000/],
		['pageSize=1e3', 40001, /pageSize/],
		['indexRange=3-1', 40001, /indexRange ends before it starts/],
		['indexRange=x-', 40001, /indexRange start/],
		['pageToken=AAAA', 40006, /not one this server made/],
		['vinPrefix=VR3', 40007, /unknown query parameter "vinPrefix"/],
		['timestamp=2024-04-01T00:00:00Z/', 40007, /unknown query parameter "timestamp"/],
	];
	for (const [q, code, message] of bad) {
		it(`GET telemetry?${q.slice(0, 70)} -> 400`, async () => {
			await assertXError(await srv.get(`${TEL}?${q}`, tok), 400, { code, message });
		});
	}

	it('huge durations and far times are clamped, not overflowed', async () => {
		for (const q of [`${T(0)}/P99999999Y`, `P99999999Y/${T(10)}`, `${T(0)}/PT99999999H`, `P99999999W/${T(10)}`,
			'9999-12-31T23:59:59.999Z/P99999999Y', `P99999999Y99999999M99999999DT99999999H99999999M99999999S/${T(3)}`]) {
			const r = await srv.get(`${TEL}?timestamps=${q}&pageSize=1`, tok);
			assert.equal(r.status, 200, `${q}: ${r.text}`);
			await assertSchema(r.body, 'Telemetries');
		}
	});

	it('a pageToken is bound to its vehicle, its filters and its user', async () => {
		const p = await srv.get(`${TEL}?type=environment&pageSize=3`, tok);
		const pt = new URL(p.body._links.next.href).searchParams.get('pageToken');
		const cases = [
			[`${TEL}?type=privacy&pageSize=3&pageToken=${pt}`, tok],
			[`${TEL}?pageSize=3&pageToken=${pt}`, tok],
			[`${TEL}?type=environment&timestamps=${T(0)}/&pageSize=3&pageToken=${pt}`, tok],
			[`${B2C}/user/vehicles/${other.id}/telemetry?type=environment&pageSize=3&pageToken=${pt}`, tok],
			[`${B2C}/user/vehicles?pageToken=${pt}`, tok],
		];
		for (const [url, k] of cases)
			await assertXError(await srv.get(url, k), 400, { code: 40006, message: /another collection or other filters/ });
		// the token of another user of the same vehicle's collection path
		const t2 = await srv.token('demo'); // same user, another token: fine
		assert.equal((await srv.get(`${TEL}?type=environment&pageSize=3&pageToken=${pt}`, t2)).status, 200);
	});
});

// The latest state of a vehicle: /status (scopes optional), /lastPosition
// (GeoJSON, data:position), /maintenance (data:telemetry): what a user sees
// after the vehicle uploaded data.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError, isRfc3339 } from '../lib/schema.mjs';
import { nowIso } from '../lib/clock.mjs';

const AT = '2024-05-01T08:30:00Z';
const FULL = {
	at: AT,
	position: { lat: 48.85661234, lon: 2.35221987, alt: 35, heading: 90, fix: '3D', signal: 80, type: 'Acquire' },
	speed: 50.5,
	odometer: 12345.6,
	ignition: 'Start',
	fuel: { level: 55.5, autonomy: 420 },
	electric: { level: 80, autonomy: 250, charging: { status: 'InProgress', mode: 'Slow', plugged: true, rate: 20, remainingTime: 3600, power: 7.2 } },
	doors: { locked: 'Locked', open: ['Trunk'] },
	preconditioning: 'Disabled',
	outsideTemp: 12.5,
	battery12v: 12.6,
	maintenance: { days: 120, km: 8000 },
	privacy: 'None',
	events: [{ type: 'alert', alert: 'AddWasherFluid', severity: 'Warning', active: true }],
};
const DOORS = ['Driver', 'Passenger', 'RearLeft', 'RearRight', 'Trunk'];

apiSuite('vehicle', (srv, it) => {
	let phev; // the plug-in hybrid: it has both energies
	let tok;
	const url = (id, what) => `${B2C}/user/vehicles/${id}/${what}`;

	it('before any upload: status, lastPosition and maintenance answer 404 with an xError', async () => {
		phev = srv.vehicles.find((v) => v.energy === 'phev');
		tok = await srv.token('demo');
		for (const what of ['status', 'lastPosition', 'maintenance'])
			await assertXError(await srv.get(url(phev.id, what), tok), 404, { code: 40402, message: /no data yet/ });
	});

	it('status after a full sample: every member with its value, as the schema says', async () => {
		const up = await srv.upload(phev.vin, phev.cred, { messageId: 'full-1', samples: [FULL] });
		assert.equal(up.status, 200, up.text);
		const r = await srv.get(url(phev.id, 'status'), tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Status');
		const s = r.body;
		assert.deepEqual(s._links, {
			self: { href: `${srv.base}${url(phev.id, 'status')}` },
			vehicle: { href: `${srv.base}${B2C}/user/vehicles/${phev.id}` },
		});
		assert.equal(s.createdAt, AT);
		assert.ok(isRfc3339(s.updatedAt));
		assert.ok(Date.parse(s.updatedAt) > Date.parse(AT));
		assert.deepEqual(s.kinetic, { createdAt: AT, moving: true, speed: 50.5 });
		assert.deepEqual(s.odometer, { createdAt: AT, mileage: 12345.6 });
		assert.deepEqual(s.ignition, { createdAt: AT, type: 'Start' });
		assert.deepEqual(s.battery, { createdAt: AT, voltage: 12.6 });
		assert.deepEqual(s.environment, { air: { createdAt: AT, temp: 12.5 } });
		assert.deepEqual(s.privacy, { createdAt: AT, state: 'None' });
		assert.deepEqual(s.preconditioning, { airConditioning: { createdAt: AT, status: 'Disabled' } });
		assert.deepEqual(s.doorsState, {
			createdAt: AT, lockedStates: ['Locked'],
			opening: DOORS.map((d) => ({ identifier: d, state: d === 'Trunk' ? 'Open' : 'Closed' })),
		});
		// the sample's charging power (cvapi's own, for charging sessions) is no member of the official Status
		assert.deepEqual(s.energies, [
			{ createdAt: AT, type: 'Fuel', subType: 'FossilEnergy', level: 55.5, autonomy: 420 },
			{
				createdAt: AT, type: 'Electric', subType: 'ElectricEnergy', level: 80, autonomy: 250,
				extension: { electric: { charging: { plugged: true, status: 'InProgress', chargingMode: 'Slow', chargingRate: 20, remainingTime: 'PT1H' } } },
			},
		]);
		// the position as GeoJSON [lon, lat, alt], kept to 1e-7 degree
		assert.deepEqual(s.lastPosition, {
			type: 'Feature',
			geometry: { type: 'Point', coordinates: [2.3522199, 48.8566123, 35] },
			properties: { createdAt: AT, updatedAt: s.updatedAt, heading: 90, signalQuality: 80, type: 'Acquire', fixStatus: '3D' },
		});
	});

	it('status with fewer scopes: the members under a missing scope are left out', async () => {
		const cases = [
			['data:telemetry', true, false],
			['data:position', false, true],
			['', false, false],
			['data:trip data:alert', false, false],
			['data:telemetry data:position', true, true],
		];
		for (const [scope, tel, pos] of cases) {
			const k = await srv.token('demo', { scope });
			const r = await srv.get(url(phev.id, 'status'), k);
			assert.equal(r.status, 200, `${scope}: ${r.text}`);
			await assertSchema(r.body, 'Status');
			const keys = Object.keys(r.body);
			assert.equal(keys.includes('lastPosition'), pos, `scope "${scope}": ${keys}`);
			for (const m of ['kinetic', 'odometer', 'energies', 'doorsState', 'battery', 'environment', 'ignition', 'privacy', 'preconditioning'])
				assert.equal(keys.includes(m), tel, `scope "${scope}": ${m} in ${keys}`);
			assert.ok(keys.includes('_links') && keys.includes('createdAt') && keys.includes('updatedAt'));
		}
	});

	it('lastPosition: a GeoJSON Feature (application/vnd.geo+json), with data:position only', async () => {
		const k = await srv.token('demo', { scope: 'data:position' });
		const r = await srv.get(url(phev.id, 'lastPosition'), k);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/vnd.geo+json');
		const body = JSON.parse(r.text);
		await assertSchema(body, 'Position');
		assert.deepEqual(body.geometry, { type: 'Point', coordinates: [2.3522199, 48.8566123, 35] });
		assert.equal(body.type, 'Feature');
		assert.equal(body.properties.createdAt, AT);
		assert.equal(body.properties.heading, 90);
		const noPos = await srv.token('demo', { scope: 'data:telemetry' });
		await assertXError(await srv.get(url(phev.id, 'lastPosition'), noPos), 403, { code: 40302, message: /lacks the scope data:position/ });
	});

	it('maintenance: days and km before the next service, with data:telemetry only', async () => {
		const k = await srv.token('demo', { scope: 'data:telemetry' });
		const r = await srv.get(url(phev.id, 'maintenance'), k);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.ctype, 'application/hal+json');
		await assertSchema(r.body, 'Maintenance');
		assert.equal(r.body.createdAt, AT);
		assert.equal(r.body.daysBeforeMaintenance, 120);
		assert.equal(r.body.mileageBeforeMaintenance, 8000);
		assert.equal(r.body._links.self.href, `${srv.base}${url(phev.id, 'maintenance')}`);
		assert.equal(r.body._links.vehicle.href, `${srv.base}${B2C}/user/vehicles/${phev.id}`);
		assert.equal(r.body._links.alerts.href, `${srv.base}${url(phev.id, 'alerts')}`);
		const noTel = await srv.token('demo', { scope: 'data:position' });
		await assertXError(await srv.get(url(phev.id, 'maintenance'), noTel), 403, { code: 40302, message: /lacks the scope data:telemetry/ });
	});

	it('overdue maintenance is negative; only the part sent is shown', async () => {
		const up = await srv.upload(phev.vin, phev.cred, { messageId: 'maint-2', samples: [{ at: '2024-05-01T09:00:00Z', maintenance: { km: -12.5 } }] });
		assert.equal(up.status, 200, up.text);
		const r = await srv.get(url(phev.id, 'maintenance'), tok);
		await assertSchema(r.body, 'Maintenance');
		assert.equal(r.body.mileageBeforeMaintenance, -12.5);
		assert.equal(r.body.daysBeforeMaintenance, undefined);
		assert.equal(r.body.createdAt, '2024-05-01T09:00:00Z');
	});

	it('a vehicle with data but no position: status 200 without lastPosition, lastPosition 404, maintenance 404', async () => {
		const ev = srv.vehicles.find((v) => v.energy === 'electric');
		const up = await srv.upload(ev.vin, ev.cred, {
			messageId: 'nopos-1',
			samples: [{ at: AT, electric: { level: 33.3, charging: { status: 'Disconnected' } }, doors: { locked: 'Unlocked' }, speed: 0 }],
		});
		assert.equal(up.status, 200, up.text);
		const r = await srv.get(url(ev.id, 'status'), tok);
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Status');
		assert.equal(r.body.lastPosition, undefined);
		assert.deepEqual(r.body.kinetic, { createdAt: AT, moving: false, speed: 0 });
		assert.deepEqual(r.body.energies, [{
			createdAt: AT, type: 'Electric', subType: 'ElectricEnergy', level: 33.3, autonomy: 0,
			extension: { electric: { charging: { plugged: false, status: 'Disconnected', chargingMode: 'No', chargingRate: 0, remainingTime: 'PT0S' } } },
		}]);
		assert.deepEqual(r.body.doorsState.lockedStates, ['Unlocked']);
		assert.ok(r.body.doorsState.opening.every((d) => d.state === 'Closed'));
		await assertXError(await srv.get(url(ev.id, 'lastPosition'), tok), 404, { code: 40402, message: /no position yet/ });
		await assertXError(await srv.get(url(ev.id, 'maintenance'), tok), 404, { code: 40402, message: /no maintenance data yet/ });
	});

	it('position defaults and variants: Estimated positions carry no fixStatus, 2D is shown', async () => {
		const samples = [
			[{ lat: -33.8688, lon: 151.2093 }, { heading: 0, signalQuality: 0, type: 'Acquire', fixStatus: '3D' }, [151.2093, -33.8688, 0]],
			[{ lat: 0, lon: -180, alt: -500, type: 'Estimated', fix: '2D' }, { heading: 0, signalQuality: 0, type: 'Estimated' }, [-180, 0, -500]],
			[{ lat: 90, lon: 180, alt: 9000, fix: '2D', heading: 360, signal: 100 }, { heading: 360, signalQuality: 100, type: 'Acquire', fixStatus: '2D' }, [180, 90, 9000]],
			[{ lat: 10, lon: 10, fix: 'none' }, { heading: 0, signalQuality: 0, type: 'Acquire' }, [10, 10, 0]],
		];
		let n = 0;
		for (const [pos, props, coords] of samples) {
			n++;
			const at = `2024-06-01T00:00:0${n}Z`;
			const up = await srv.upload(phev.vin, phev.cred, { messageId: `pos-${n}`, samples: [{ at, position: pos }] });
			assert.equal(up.status, 200, up.text);
			const r = await srv.get(url(phev.id, 'lastPosition'), tok);
			const body = JSON.parse(r.text);
			await assertSchema(body, 'Position');
			assert.deepEqual(body.geometry.coordinates, coords, JSON.stringify(pos));
			const { createdAt, updatedAt, ...rest } = body.properties;
			assert.equal(createdAt, at);
			assert.ok(isRfc3339(updatedAt));
			assert.deepEqual(rest, props, JSON.stringify(pos));
		}
	});

	it('query parameters: client_id only', async () => {
		for (const what of ['status', 'lastPosition', 'maintenance']) {
			await assertXError(await srv.get(`${url(phev.id, what)}?pageSize=5`, tok), 400, { code: 40007, message: /unknown query parameter "pageSize"/ });
			await assertXError(await srv.get(`${url(phev.id, what)}?client_id=`, tok), 400, { code: 40001, message: /client_id is malformed/ });
			await assertXError(await srv.get(`${url(phev.id, what)}?client_id=a&client_id=a`, tok), 400, { code: 40008 });
			assert.equal((await srv.get(`${url(phev.id, what)}?client_id=cvctl`, tok)).status, 200);
			const r = await srv.request('POST', url(phev.id, what), { token: tok, body: {} });
			await assertXError(r, 405, { code: 40501 });
			assert.equal(r.headers.get('allow'), 'GET');
		}
	});
	it('reads carry Cache-Control and an ETag; If-None-Match answers 304 until the data changes', async () => {
		for (const what of ['status', 'lastPosition', 'maintenance']) {
			const r = await srv.get(url(phev.id, what), tok);
			assert.equal(r.status, 200, r.text);
			assert.equal(r.headers.get('cache-control'), 'private, no-cache');
			const etag = r.headers.get('etag');
			assert.match(etag, /^"[0-9a-f]{16}"$/);
			const again = await srv.get(url(phev.id, what), tok);
			assert.equal(again.headers.get('etag'), etag, 'the same data, the same ETag');
			const nm = await srv.get(url(phev.id, what), tok, { headers: { 'if-none-match': etag } });
			assert.equal(nm.status, 304, nm.text);
			assert.equal(nm.text, '');
			assert.equal(nm.headers.get('etag'), etag);
			const other = await srv.get(url(phev.id, what), tok, { headers: { 'if-none-match': '"0000000000000000"' } });
			assert.equal(other.status, 200);
			assert.deepEqual(other.body, r.body);
		}
		const before = (await srv.get(url(phev.id, 'status'), tok)).headers.get('etag');
		const up = await srv.upload(phev.vin, phev.cred, { messageId: 'etag-1', samples: [{ ...FULL,
			at: nowIso(), speed: 77 }] });
		assert.equal(up.status, 200, up.text);
		const after = await srv.get(url(phev.id, 'status'), tok, { headers: { 'if-none-match': before } });
		assert.equal(after.status, 200, 'changed data is sent again');
		assert.notEqual(after.headers.get('etag'), before);
		assert.equal(after.body.kinetic.speed, 77);
		// errors carry no validators
		const e = await srv.get(url('0'.repeat(32), 'status'), tok);
		assert.equal(e.headers.get('etag'), null);
	});
});

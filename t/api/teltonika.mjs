// Teltonika trackers (dev/cvteltonika, the real daemon on the real store;
// the codec is core/teltonika.c, unit-tested in t/unit-teltonika.c, the
// mapping core/tksample.c in t/unit-tksample.c): the public
// documentation's Codec 8 and 8 Extended packets become positions in
// /status, a drive becomes a trip, the acknowledgement comes after the
// commit, a packet sent again is stored once, every malformed input closes
// the connection with nothing stored and the daemon alive, an
// immobilization goes out as Codec 12 once the vehicle stands and reaches
// Done with its notifications, the remote types a device cannot carry out
// are refused at the POST, and many connections at once.
import assert from 'node:assert/strict';
import { apiSuite, B2C } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';
import { receiver, superviseNotify } from '../lib/notify.mjs';
import { now } from '../lib/clock.mjs';
import { startTeltonika, connect, hello, avl, frame, c12 } from '../lib/teltonika.mjs';
import { cvsimOnce, cvsimLive, historyArgs } from '../lib/sim.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const fleetAuth = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
const hex = (h) => Buffer.from(h, 'hex');
const DOC_IMEI = '356307042441013';
// the documentation's packets (wiki.teltonika-gps.com, "Codec"): t/unit-teltonika.c's vectors
const DOC_C8_1 = hex('000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F1' +
	'0000601A014E0000000000000000010000C7CF');
const DOC_C8_2 = hex('000000000000002808010000016B40D9AD80010000000000000000000000000000000103021503010101425E1000' +
	'00010000F22A');
const DOC_C8_3 = hex('000000000000004308020000016B40D57B480100000000000000000000000000000001010101000000000000016B' +
	'40D5C198010000000000000000000000000000000101010101000000020000252C');
const DOC_C8E = hex('000000000000004A8E010000016B412CEE000100000000000000000000000000000000010005000100010100010011' +
	'001D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A00000100002994');
const DOC_C8E_2017 = hex('000000000000005F8E010000015FBA40B620000F0DCDE420959D30008A000006000000000006000100EF00' +
	'00010011001E000100100000CBDF0002000B000000003544C875000E0000000029BFE4D10001010000110000000000000000' +
	'000000000000000000010000D153');
const ack = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const iso = (ms) => new Date(ms).toISOString().replace('.000', '');

/* key=value lines of cvctl's output */
const kv = (text) => Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

apiSuite('teltonika', { env: { CVAPI_REMOTE_TIMEOUT: '30' } }, (srv, it) => {
	let tk, car, tok;
	const V = (c) => `${B2C}/user/vehicles/${c.id}`;
	const status = (c) => srv.vehicleStatus(c);
	const stored = (c) => srv.telemetryTotal(c);
	/* A connection that has done its handshake with imei (accepted). */
	const tracker = async (imei) => {
		const t = await connect(tk.port);
		t.send(hello(imei));
		assert.deepEqual(await t.read(1), Buffer.from([1]), 'the handshake accepted');
		return t;
	};
	const trackerCar = async (login, vin, imei) => {
		await srv.cvctl(['user', 'add', login, '--password', `${login}-pw`]);
		const r = await srv.cvctlRun(['vehicle', 'add', vin, '--owner', login, '--energy', 'diesel', '--device', `teltonika:${imei}`]);
		assert.equal(r.code, 0, r.stderr);
		const out = kv(r.stdout);
		assert.equal(out.device, `teltonika:${imei}`);
		// a typo in an IMEI typed by hand: its check digit (Luhn) is said, the link made all the same
		const luhn = [...imei].reverse().reduce((t, c, i) => t + (i % 2 ? [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][+c] : +c), 0) % 10 === 0;
		assert.equal(/not the IMEI's check digit/.test(r.stderr), !luhn, r.stderr);
		return { token: await srv.token(login), vin, id: out.id, imei };
	};

	it('set-up: the daemon, a vehicle with the documentation\'s IMEI (cvctl vehicle add --device teltonika:IMEI)', async () => {
		tk = await startTeltonika(srv);
		car = await trackerCar('trk', 'VR3UPHNKSKT000201', DOC_IMEI);
		tok = car.token;
	});

	it('the documentation\'s Codec 8 Extended packet (a fix) becomes the position in /status, acknowledged after the commit', async () => {
		const t = await tracker(DOC_IMEI);
		t.send(DOC_C8E_2017);
		assert.deepEqual(await t.read(4), ack(1), 'the record count');
		// read right after the acknowledgement: the record is there
		const s = await status(car);
		await assertSchema(s, 'Status');
		assert.deepEqual(s.lastPosition.geometry.coordinates, [25.2562916, 54.6676016, 138]);
		assert.equal(s.lastPosition.properties.createdAt, iso(0x15FBA40B620));
		assert.equal(s.ignition.type, 'Stop', 'IO 239 = 0');
		assert.equal(await stored(car), 1);
		await t.end();
	});

	it('the documentation\'s Codec 8 packets (no fix) keep the last position and bring the external voltage; 8 Extended too', async () => {
		const t = await tracker(DOC_IMEI);
		t.send(DOC_C8_1);
		assert.deepEqual(await t.read(4), ack(1));
		let s = await status(car);
		await assertSchema(s, 'Status');
		assert.deepEqual(s.lastPosition.geometry.coordinates, [25.2562916, 54.6676016, 138], 'no fix: the last position stays');
		assert.equal(s.battery.voltage, 24.079, 'IO 66: 0x5E0F mV');
		t.send(DOC_C8_2);
		assert.deepEqual(await t.read(4), ack(1));
		t.send(DOC_C8_3);
		assert.deepEqual(await t.read(4), ack(2), 'two records');
		t.send(DOC_C8E);
		assert.deepEqual(await t.read(4), ack(1));
		s = await status(car);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [25.2562916, 54.6676016, 138]);
		// DOC_C8_3's records carry IO 1 only (no place in the model): nothing of them is stored
		assert.equal(await stored(car), 4);
		await t.end();
	});

	it('a packet sent again (the acknowledgement lost) is acknowledged and not stored twice', async () => {
		const before = await stored(car);
		const t = await tracker(DOC_IMEI);
		for (const p of [DOC_C8E_2017, DOC_C8_1, DOC_C8E_2017]) {
			t.send(p);
			assert.deepEqual(await t.read(4), ack(1));
		}
		assert.equal(await stored(car), before);
		await t.end();
	});

	it('a drive becomes a trip: the tracker\'s ignition opens and closes it, its odometer gives the distance', async () => {
		const drv = await trackerCar('drive', 'VR3UPHNKSKT000202', '356307042441014');
		const t = await tracker(drv.imei);
		const t0 = Math.floor(now() / 1000) * 1000 - 3 * 3600000;
		const rec = (k, ign, speed) => ({ at: t0 + k * 60000, lat: 48.7 + k / 1000, lon: 2.2, alt: 80, angle: 0, sats: 9, speed,
			io: { 239: ign, 240: speed > 0 ? 1 : 0, 66: [2, 13800], 16: [4, 100000 + k * 500] } });
		// Codec 8 Extended for the first packet, Codec 8 for the rest, several records a packet
		t.send(avl([rec(0, 1, 0), rec(1, 1, 30), rec(2, 1, 30)], 0x8e));
		assert.deepEqual(await t.read(4), ack(3));
		t.send(avl([rec(3, 1, 30), rec(4, 1, 0), rec(5, 1, 30), rec(6, 1, 30)]));
		assert.deepEqual(await t.read(4), ack(4));
		t.send(avl([rec(7, 1, 30), rec(8, 1, 30), rec(9, 0, 0)]));
		assert.deepEqual(await t.read(4), ack(3));
		const trips = await srv.get(`${V(drv)}/trips`, drv.token);
		assert.equal(trips.status, 200, trips.text);
		await assertSchema(trips.body, 'Trips');
		assert.equal(trips.body.total, 1, trips.text);
		const trip = trips.body._embedded.trips[0];
		assert.equal(trip.done, true);
		assert.equal(trip.startedAt, iso(t0));
		assert.equal(trip.stoppedAt, iso(t0 + 9 * 60000));
		assert.equal(trip.distance, 4.5, 'from the odometer (IO 16)');
		const s = await status(drv);
		assert.deepEqual(s.lastPosition.geometry.coordinates, [2.2, 48.709, 80]);
		assert.equal(s.battery.voltage, 13.8);
		await t.end();
	});

	it('malformed input: the connection is closed, nothing stored, the daemon alive', async () => {
		const before = await stored(car);
		const rec = { at: now() - 60000, lat: 48.1, lon: 2.1, speed: 10, io: { 239: 1 } };
		const good = avl([rec]);
		const wrongCrc = Buffer.from(good);
		wrongCrc[wrongCrc.length - 1] ^= 0xff;
		const badPreamble = Buffer.from(good);
		badPreamble[0] = 1;
		const unknownCodec = Buffer.from(good);
		unknownCodec[8] = 0x10;
		const oversized = Buffer.from('000000000000FFFF08', 'hex');
		const mismatch = Buffer.from(good.subarray(8, good.length - 4));
		mismatch[mismatch.length - 1] = 2;
		const cases = [['a bad preamble', badPreamble], ['a wrong CRC', wrongCrc], ['an unknown codec', unknownCodec],
			['an oversized length', oversized], ['a record count mismatch', frame(mismatch)], ['a data field too short', frame(Buffer.from([8, 1, 0]))]];
		for (const [what, bytes] of cases) {
			const t = await tracker(DOC_IMEI);
			t.send(bytes);
			const left = await t.closed;
			assert.equal(left.length, 0, `${what}: no acknowledgement`);
		}
		// truncated, then closed by the tracker: nothing of it stored
		let t = await tracker(DOC_IMEI);
		t.send(good.subarray(0, 30));
		await t.end();
		await tk.waitLog(/closed by the tracker 30 bytes into a message/);
		// an unknown IMEI: 00 and closed; a handshake that is not one: closed
		t = await connect(tk.port);
		t.send(hello('123456789012345'));
		assert.deepEqual(await t.closed, Buffer.from([0]), 'refused: 00, then closed');
		await tk.waitLog(/IMEI 123456789012345 is no registered device/);
		t = await connect(tk.port);
		t.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
		assert.equal((await t.closed).length, 0, 'not a handshake: closed without an answer');
		await tk.waitLog(/not a handshake/);
		assert.equal(await stored(car), before, 'nothing stored');
		assert.ok(tk.alive(), 'the daemon lives');
		for (const why of ['no preamble', 'wrong CRC', 'unknown codec', 'data field over 1280 bytes', 'record count mismatch',
			'data field too short for its codec'])
			assert.match(tk.log(), new RegExp(why));
		// and still serves
		t = await tracker(DOC_IMEI);
		t.send(good);
		assert.deepEqual(await t.read(4), ack(1));
		assert.equal(await stored(car), before + 1);
		await t.end();
	});

	it('an immobilization goes out as Codec 12 once the vehicle stands, and reaches Done with its notifications', async () => {
		const [fcar] = srv.vehicles;
		const imei = '356307042441015';
		assert.equal(kv(await srv.cvctl(['vehicle', 'device', fcar.vin, `teltonika:${imei}`])).device, `teltonika:${imei}`);
		const rx = await receiver();
		const nd = await superviseNotify(srv);
		try {
			const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
			let r = await freq('POST', `${B2B}/fleets/${FLEET}/remote/callbacks`, { label: 'immobilize', remoteTypes: ['Immobilization', 'Stolen', 'Doors'],
				callback: { webhook: { name: 'rx', target: rx.fleetRemoteUrl } } });
			assert.equal(r.status, 200, r.text);
			const remotes = `${B2B}/fleets/${FLEET}/vehicles/${fcar.id}/callbacks/${r.body.callbackId}/remotes`;
			// the tracker reports a moving car
			const t = await tracker(imei);
			const at = now() - 2000;
			t.send(avl([{ at, lat: 48.2, lon: 2.2, speed: 50, angle: 90, io: { 239: 1, 240: 1 } }]));
			assert.deepEqual(await t.read(4), ack(1));
			r = await freq('POST', remotes, { immobilization: { activate: true } });
			assert.equal(r.status, 202, r.text);
			const rid = r.body.remoteActionId;
			const events = () => rx.delivered().filter((g) => g.body?.events?.[0]?.remoteActionId === rid)
				.map((g) => g.body.events[0].eventStatus.status);
			// moving: nothing is sent (two of the daemon's beats)
			await assert.rejects(t.read(1, 2500), /no 1 bytes/);
			let g = await freq('GET', `${remotes}/${rid}`);
			assert.equal(g.body.status, 'CheckingVehicle', 'it waits for a standstill');
			// standing, ignition on: the command goes
			t.send(avl([{ at: at + 1000, lat: 48.2, lon: 2.2, speed: 0, io: { 239: 1, 240: 0 } }]));
			assert.deepEqual(await t.read(4), ack(1));
			const cmd = await t.command();
			assert.deepEqual([cmd.type, cmd.text], [5, 'setdigout 1'], 'Codec 12, type 5');
			g = await freq('GET', `${remotes}/${rid}`);
			assert.equal(g.body.status, 'SentToVehicle');
			t.send(c12('DOUT1:1 Timeout:INFINITY'));
			await rx.until(() => events().includes('Success'), 20000, 'the Success event');
			assert.deepEqual(events(), ['Accepted', 'CheckingVehicle', 'SentToVehicle', 'Success']);
			for (const e of rx.delivered().filter((x) => x.body?.events?.[0]?.remoteActionId === rid))
				await assertSchema(e.body, 'RemoteEvents', { doc: 'webhook-b2b', ignore: [/unknown format "dateTime"/] });
			g = await freq('GET', `${remotes}/${rid}`);
			await assertSchema(g.body, 'RemoteAction', { doc: 'b2b' });
			assert.equal(g.body.status, 'Success');
			// the release goes at once, moving or not; an answer without the success text fails it
			t.send(avl([{ at: at + 2000, lat: 48.2, lon: 2.2, speed: 40, io: { 239: 1, 240: 1 } }]));
			assert.deepEqual(await t.read(4), ack(1));
			r = await freq('POST', remotes, { immobilization: { activate: false } });
			assert.equal(r.status, 202, r.text);
			const off = await t.command();
			assert.equal(off.text, 'setdigout 0');
			t.send(c12('DOUT1 Is disabled from CFG'));
			await rx.until(() => rx.delivered().some((x) => x.body?.events?.[0]?.remoteActionId === r.body.remoteActionId &&
				x.body.events[0].eventStatus.status === 'Failed'), 20000, 'the Failed event');
			g = await freq('GET', `${remotes}/${r.body.remoteActionId}`);
			assert.deepEqual([g.body.status, g.body.failureCause], ['Failed', 'VehicleError']);
			// what a tracker cannot carry out is refused at the POST, nothing written
			r = await freq('POST', remotes, { stolen: { stolen: true } });
			await assertXError(r, 400, { message: /teltonika device, which cannot carry out Stolen/ });
			const l = await freq('GET', remotes);
			assert.equal(l.body.total, 2, 'nothing written');
			await t.end();
		} finally {
			await nd.stop();
			await rx.close();
		}
	});

	it('a remote type an OsmAnd phone or a tracker cannot carry out: 400 at the POST, nothing written', async () => {
		const user = 'phoneremote';
		await srv.cvctl(['user', 'add', user, '--password', 'pw']);
		const out = kv(await srv.cvctl(['vehicle', 'add', 'VR3UPHNKSKT000203', '--owner', user, '--energy', 'petrol', '--device', 'osmand']));
		const ptok = await srv.token(user);
		for (const [t, vid, what] of [[ptok, out.id, /osmand device, which cannot carry out Horn/], [tok, car.id, /teltonika device, which cannot carry out Horn/]]) {
			let r = await srv.request('POST', `${B2C}/user/callbacks`, { token: t, body: { label: 'r', type: ['Remote'],
				callback: { webhook: { name: 'rx', target: 'http://127.0.0.1:9/hook' } } } });
			assert.equal(r.status, 200, r.text);
			const path = `${B2C}/user/vehicles/${vid}/callbacks/${r.body.callbackId}/remotes`;
			r = await srv.request('POST', path, { token: t, body: { horn: { state: 'Activated' } } });
			await assertXError(r, 400, { message: what });
			r = await srv.get(path, t);
			assert.equal(r.body.total, 0, 'nothing written');
		}
	});

	it('cvsim --protocol teltonika: a day of history through Codec 8 and 8 Extended becomes positions and trips, a re-run stores nothing twice', { timeout: 170000 }, async () => {
		// IMEIs ending odd speak Codec 8 Extended, even Codec 8 (sim/tkdev.h)
		const a = await trackerCar('simtrk', 'VR3UPHNKSKT000211', '356307042441021');
		const out = kv(await srv.cvctl(['vehicle', 'add', 'VR3UPHNKSKT000212', '--owner', 'simtrk', '--energy', 'petrol',
			'--device', 'teltonika:356307042441032']));
		const b = { id: out.id, token: a.token };
		const file = join(mkdtempSync(join(tmpdir(), 'cvapi-sim-')), 'vehicles.txt');
		writeFileSync(file, `${a.vin} diesel x-unused teltonika:${a.imei}\nVR3UPHNKSKT000212 petrol x-unused teltonika:356307042441032\n`);
		const args = ['--vehicles', file, '--protocol', 'teltonika', '--teltonika', `127.0.0.1:${tk.port}`, ...historyArgs(1), '--quiet'];
		let r = await cvsimOnce(srv, args);
		assert.equal(r.code, 0, r.stderr);
		const counts = [];
		for (const c of [a, b]) {
			const s = await status(c);
			await assertSchema(s, 'Status');
			assert.ok(s.lastPosition, 'a position');
			assert.ok(s.odometer, 'the odometer (IO 16)');
			const trips = await srv.get(`${V(c)}/trips`, c.token);
			assert.ok(trips.body.total >= 1, `trips: ${trips.text.slice(0, 200)}`);
			counts.push(await stored(c));
			assert.ok(counts.at(-1) > 100, `${counts.at(-1)} records`);
		}
		r = await cvsimOnce(srv, args);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual([await stored(a), await stored(b)], counts, 'sent again: acknowledged, not stored twice');
	});

	it('cvsim --live --protocol teltonika answers the Codec 12 command: an immobilization reaches Success', { timeout: 60000 }, async () => {
		const fcar = srv.vehicles[1];
		const imei = '356307042441047';
		await srv.cvctl(['vehicle', 'device', fcar.vin, `teltonika:${imei}`]);
		const file = join(mkdtempSync(join(tmpdir(), 'cvapi-sim-')), 'vehicles.txt');
		writeFileSync(file, `${fcar.vin} ${fcar.energy} ${fcar.cred} teltonika:${imei}\n`);
		const live = cvsimLive(srv, ['--vehicles', file, '--parked', '--protocol', 'teltonika', '--teltonika', `127.0.0.1:${tk.port}`]);
		try {
			const freq = (method, path, body) => srv.request(method, `${path}${path.includes('?') ? '&' : '?'}client_id=console`, { headers: fleetAuth, body });
			let r = await freq('POST', `${B2B}/fleets/${FLEET}/remote/callbacks`, { label: 'sim', remoteTypes: ['Immobilization'],
				callback: { webhook: { name: 'none', target: 'http://127.0.0.1:9/hook' } } });
			assert.equal(r.status, 200, r.text);
			const remotes = `${B2B}/fleets/${FLEET}/vehicles/${fcar.id}/callbacks/${r.body.callbackId}/remotes`;
			// sent once the simulated tracker's records show it standing (parked)
			r = await freq('POST', remotes, { immobilization: { activate: true } });
			assert.equal(r.status, 202, r.text);
			const rid = r.body.remoteActionId;
			await tk.waitLog(new RegExp(`action ${rid}: "setdigout 1" answered "DOUT1:1 Timeout:INFINITY": Success`), 30000);
			const g = await freq('GET', `${remotes}/${rid}`);
			assert.equal(g.body.status, 'Success', live.log());
		} finally {
			live.proc.kill('SIGTERM');
		}
	});

	it('many connections at once: 300 idle ones held while 20 trackers report, each acknowledged', async () => {
		const idle = [];
		for (let i = 0; i < 300; i++)
			idle.push(await connect(tk.port));
		const cars = [];
		for (let i = 0; i < 20; i++)
			cars.push(`3563070424420${String(i).padStart(2, '0')}`);
		const linked = await Promise.all(cars.map(async (imei, i) => {
			const out = kv(await srv.cvctl(['vehicle', 'add', `VR3UPHNKSKT0003${String(i).padStart(2, '0')}`, '--owner', 'trk', '--energy', 'diesel',
				'--device', `teltonika:${imei}`]));
			return { imei, id: out.id };
		}));
		const t0 = now() - 600000;
		await Promise.all(linked.map(async (c, i) => {
			const t = await tracker(c.imei);
			for (let k = 0; k < 3; k++) {
				t.send(avl([{ at: t0 + k * 1000, lat: 45 + i / 100, lon: 5, speed: 20, io: { 239: 1 } },
					{ at: t0 + k * 1000 + 500, lat: 45 + i / 100, lon: 5.001, speed: 20, io: { 239: 1 } }]));
				assert.deepEqual(await t.read(4), ack(2));
			}
			await t.end();
		}));
		for (const c of linked) {
			const t = await srv.get(`${B2C}/user/vehicles/${c.id}/telemetry?pageSize=1`, tok);
			assert.equal(t.body.total, 6, `${c.imei}: every record`);
		}
		assert.ok(idle.every((t) => !t.ended), 'the idle connections are held');
		await Promise.all(idle.map((t) => t.end()));
		assert.ok(tk.alive());
	});

	it('the daemon stops on SIGTERM', async () => {
		const end = await tk.stop();
		assert.equal(end.code, 0, tk.log());
		assert.doesNotMatch(tk.log(), /runtime error|AddressSanitizer|LeakSanitizer/);
	});
});

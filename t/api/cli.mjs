// The command-line interface: cvctl (every command, success and each
// failure), cvsim's option handling, and the man pages of every installed
// program.
//
// The promise (shared/docs/INTERFACE.md): every command has --help and a
// man page; exit status 0 on success, 1 on failure with one clear line on
// stderr, 2 on bad usage. What cvctl makes is then used for real: the
// vehicle credential on the vehicle link, tokens on the API, a backup
// served by a second web server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, chownSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C, SRCDIR, BUILDDIR, WEBSERVER, WEBSERVERS, freePort } from '../lib/server.mjs';
import { historyArgs } from '../lib/sim.mjs';

const CVCTL = join(BUILDDIR, 'tools', 'cvctl');
const CVSIM = join(BUILDDIR, 'sim', 'cvsim');

/* Run a program: { code, stdout, stderr } (code -1 when killed by a signal or the timeout). */
function run(file, args, { input, env, user, timeout = 60000 } = {}) {
	return new Promise((res) => {
		const o = { env: env || process.env, maxBuffer: 16 << 20, timeout, killSignal: 'SIGKILL' };
		if (user) {
			o.uid = user.uid;
			o.gid = user.gid;
		}
		const p = execFile(file, args, o, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
		p.stdin.on('error', () => { /* the program may exit before reading */ });
		p.stdin.end(input === undefined ? '' : input);
	});
}

/* A failure: this exit status, stdout empty, stderr exactly one line "prog: ..." matching re. */
function assertFails(r, code, re, prog = 'cvctl') {
	const what = `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
	assert.equal(r.code, code, what);
	assert.equal(r.stdout, '', `nothing on stdout: ${what}`);
	assert.ok(r.stderr.endsWith('\n'), `stderr ends with a newline: ${what}`);
	const lines = r.stderr.slice(0, -1).split('\n');
	assert.equal(lines.length, 1, `exactly one line on stderr: ${what}`);
	assert.ok(lines[0].startsWith(`${prog}: `), `the line starts with "${prog}: ": ${what}`);
	assert.ok(lines[0].length > prog.length + 12, `the line says what is wrong: ${what}`);
	if (re)
		assert.match(lines[0], re, what);
}

/* A success: exit 0, nothing on stderr; returns stdout. */
function assertOk(r) {
	assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
	assert.equal(r.stderr, '', 'nothing on stderr');
	return r.stdout;
}

function keyValues(text) {
	return Object.fromEntries(text.trim().split('\n').map((l) => {
		const i = l.indexOf('=');
		return [l.slice(0, i), l.slice(i + 1)];
	}));
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

apiSuite('cli', (srv, it) => {
	// cvctl on the suite's store (as the programs' user), and on a store of our own
	const ctl = (args, opts = {}) => srv.cvctlRun(args, opts);
	const ctlAt = (home, args, opts = {}) => run(CVCTL, ['-H', home, ...args], { env: srv.env, user: srv.user, ...opts });
	const dir = (name) => {
		const d = join(srv.top, name);
		mkdirSync(d, { recursive: true });
		if (srv.user)
			chownSync(d, srv.user.uid, srv.user.gid);
		return d;
	};
	const oauth = (form, basic) => srv.oauth({ grant_type: 'password', ...form }, basic ? { basic } : {});
	let alice; // { token, id, vin, cred }

	// ---- usage, --help, --version ----------------------------------------

	it('cvctl --help and --version: exit 0, text on stdout, nothing on stderr', async () => {
		const h = assertOk(await run(CVCTL, ['--help']));
		assert.match(h, /^Usage: cvctl /);
		for (const c of ['init', 'user add', 'client add', 'vehicle add', 'token issue', 'demo', 'verify', 'backup', 'recover'])
			assert.ok(h.includes(c), `--help mentions ${c}`);
		assert.match(assertOk(await run(CVCTL, ['--version'])), /^cvctl \(cvapi\) \d+\.\d+/);
		// after -H DIR, and after a command
		assert.match(assertOk(await ctl(['--help'])), /^Usage: cvctl /);
		assert.match(assertOk(await ctl(['user', 'add', '--help'])), /^Usage: cvctl /);
		assert.match(assertOk(await ctl(['--version'])), /^cvctl \(cvapi\) /);
	});

	it('cvctl repl init: each bad option exit 2, a running store refused (exit 1), DB_CONFIG left as it was', async () => {
		const fresh = join(srv.top, 'repl-bad');
		for (const [args, re] of [
			[[], /--local/],
			[['--local'], /--local/],
			[['--local', 'host'], /HOST:PORT/],
			[['--local', 'host:0'], /HOST:PORT/],
			[['--local', 'host:65536'], /HOST:PORT/],
			[['--local', '::1:5011'], /HOST:PORT/],
			[['--local', 'h:5011', '--peer', 'x'], /--peer/],
			[['--local', 'h:5011', '--peer', 'h:5011'], /own --local/],
			[['--local', 'h:5011', '--priority', '-1'], /--priority/],
			[['--local', 'h:5011', '--priority', 'x'], /--priority/],
			[['--local', 'h:5011', '--ack-timeout', '0'], /ack-timeout/],
			[['--local', 'h:5011', '--heartbeat', '600001'], /heartbeat/],
			[['--local', 'h:5011', '--frob', '1'], /--frob/],
		]) {
			assertFails(await ctlAt(fresh, ['repl', 'init', ...args]), 2, re);
			assert.ok(!existsSync(join(fresh, 'DB_CONFIG')), `${args.join(' ')}: nothing written`);
		}
		// the suite's store has its programs running: refused before DB_CONFIG is written
		assertFails(await ctl(['repl', 'init', '--local', '127.0.0.1:5011']), 1, /stop the site first/);
		assert.ok(!existsSync(join(srv.home, 'DB_CONFIG')), 'the running store keeps no replication settings');
		assert.match(assertOk(await ctl(['repl', 'status'])), /^role single$/m);
	});

	it('cvctl without a command, with an unknown command, with -H and no folder: exit 2', async () => {
		assertFails(await run(CVCTL, [], { env: { ...srv.env, CVAPI_HOME: srv.home }, user: srv.user }), 2, /no command/);
		assertFails(await ctl([]), 2, /no command/);
		assertFails(await ctl(['frobnicate']), 2, /unknown command frobnicate/);
		assertFails(await ctl(['--frob']), 2, /unknown command/);
		assertFails(await run(CVCTL, ['-H']), 2, /-H/);
		assertFails(await ctl(['user']), 2, /user add/);
		assertFails(await ctl(['user', 'remove', 'x']), 2, /user add/);
		assertFails(await ctl(['client', 'list']), 2, /client add/);
		assertFails(await ctl(['vehicle']), 2, /vehicle add/);
		assertFails(await ctl(['token', 'forget', 'demo']), 2, /token issue/);
		assertFails(await ctl(['init', 'extra']), 2, /init takes no argument/);
		assertFails(await ctl(['verify', 'extra']), 2, /verify takes no argument/);
		assertFails(await ctl(['recover', 'extra']), 2, /recover takes no argument/);
		assertFails(await ctl(['backup']), 2, /backup/);
		assertFails(await ctl(['backup', 'a', 'b']), 2, /backup/);
		assertFails(await ctl(['demo', '--bogus']), 2, /--bogus/);
		// a subcommand's words counted: the family's usage, or the subcommand's own synopsis
		assertFails(await ctl(['client', 'limits']), 2, /client limits ID \[--day N\]/);
		assertFails(await ctl(['fleet', 'add-vehicle', 'f']), 2, /fleet add ID --owner LOGIN, fleet add-vehicle ID VIN, or fleet limits ID \.\.\./);
		assertFails(await ctl(['cert', 'add', 'f']), 2, /cert add FILE LOGIN/);
		assertFails(await ctl(['token', 'issue']), 2, /token issue LOGIN/);
		assertFails(await ctl(['token', 'list', 'extra']), 2, /unknown or incomplete option extra/);
		assertFails(await ctl(['purge', '--verbose', '--verbose']), 2, /purge \[--verbose\]/);
	});

	// ---- init, verify, recover ---------------------------------------------

	it('cvctl init creates a store and is idempotent; verify is ok on a fresh store; recover', async () => {
		const home = join(dir('fresh'), 'db');
		assertOk(await ctlAt(home, ['init']));
		assert.ok(existsSync(join(home, 'users.db')), 'the databases exist');
		assertOk(await ctlAt(home, ['init']));
		assert.match(assertOk(await ctlAt(home, ['verify'])), /^\d+ databases verified\n$/);
		assertOk(await ctlAt(home, ['recover']));
		assert.match(assertOk(await ctlAt(home, ['verify'])), /databases verified/);
		// the same through CVAPI_HOME instead of -H
		assertOk(await run(CVCTL, ['init'], { env: { ...srv.env, CVAPI_HOME: home }, user: srv.user }));
	});

	it('cvctl init in a folder that cannot be made, or a file: exit 1, one line', async () => {
		assertFails(await ctlAt('/nonexistent/cvapi/db', ['init']), 1, /cannot create \/nonexistent\/cvapi\/db/);
		const f = join(dir('afile'), 'file');
		writeFileSync(f, 'not a store\n');
		if (srv.user)
			chownSync(f, srv.user.uid, srv.user.gid);
		assertFails(await ctlAt(f, ['init']), 1, /Not a directory/);
	});

	it('cvctl verify on a damaged database: exit 1, one line naming the file', async () => {
		const home = join(dir('damaged'), 'db');
		assertOk(await ctlAt(home, ['init']));
		for (const f of readdirSync(home))
			if (f.startsWith('__db.'))
				rmSync(join(home, f));
		const junk = Buffer.alloc(8192);
		for (let i = 0; i < junk.length; i++)
			junk[i] = (i * 7919 + 13) & 0xff;
		writeFileSync(join(home, 'users.db'), junk);
		if (srv.user)
			chownSync(join(home, 'users.db'), srv.user.uid, srv.user.gid);
		const r = await ctlAt(home, ['verify']);
		assertFails(r, 1, /users\.db/);
	});

	// ---- user add ----------------------------------------------------------

	it('cvctl user add: the user can log in; a duplicate -> 1', async () => {
		assertOk(await ctl(['user', 'add', 'alice', '--password', 'alice-pw', '--first', 'Alice', '--last', 'Liddell', '--email', 'alice@example.org']));
		const r = await oauth({ username: 'alice', password: 'alice-pw', client_id: 'console' });
		assert.equal(r.status, 200, r.text);
		const u = await srv.get(`${B2C}/user`, r.body.access_token);
		assert.equal(u.status, 200, u.text);
		assert.equal(u.body.email, 'alice@example.org');
		assert.equal(u.body.firstName, 'Alice');
		assertFails(await ctl(['user', 'add', 'alice', '--password', 'other']), 1, /user alice already exists/);
		// the first password still works
		assert.equal((await oauth({ username: 'alice', password: 'alice-pw', client_id: 'console' })).status, 200);
	});

	it('cvctl user add --password-stdin', async () => {
		assertOk(await ctl(['user', 'add', 'bruno', '--password-stdin'], { input: 'from stdin\n' }));
		assert.equal((await oauth({ username: 'bruno', password: 'from stdin', client_id: 'console' })).status, 200);
		assert.equal((await oauth({ username: 'bruno', password: 'from stdin\n', client_id: 'console' })).status, 400);
		assertFails(await ctl(['user', 'add', 'bruno2', '--password-stdin'], { input: '' }), 2, /password/);
	});

	it('cvctl user add: bad login, missing password, unknown option -> 2', async () => {
		for (const login of ['bad login', '', 'x'.repeat(65), 'café', 'a/b'])
			assertFails(await ctl(['user', 'add', login, '--password', 'pw']), 2, /login/);
		assertFails(await ctl(['user', 'add', 'carol']), 2, /password is required/);
		assertFails(await ctl(['user', 'add', 'carol', '--password', '']), 2, /password is required/);
		assertFails(await ctl(['user', 'add', 'carol', '--password']), 2, /--password/);
		assertFails(await ctl(['user', 'add', 'carol', '--password', 'pw', '--nickname', 'c']), 2, /--nickname/);
		assertFails(await ctl(['user', 'add', 'carol', '--password', 'pw', '--first', 'x'.repeat(200)]), 2, /longer than/);
		assertFails(await ctl(['user', 'add']), 2);
		// none of these made a user
		assert.equal((await oauth({ username: 'carol', password: 'pw', client_id: 'console' })).status, 400);
	});

	// ---- client add --------------------------------------------------------

	it('cvctl client add: prints a secret that authenticates the client', async () => {
		const out = assertOk(await ctl(['client', 'add', 'app1', '--name', 'App one']));
		assert.match(out, /^client_secret=[A-Za-z0-9_-]{43}\n$/);
		const secret = keyValues(out).client_secret;
		const r = await oauth({ username: 'alice', password: 'alice-pw' }, ['app1', secret]);
		assert.equal(r.status, 200, r.text);
		const bad = await oauth({ username: 'alice', password: 'alice-pw' }, ['app1', 'wrong']);
		assert.equal(bad.status, 401, bad.text);
		assertFails(await ctl(['client', 'add', 'app1']), 1, /client app1 already exists/);
	});

	it('cvctl client add --secret, --public, --scope', async () => {
		assert.equal(assertOk(await ctl(['client', 'add', 'app2', '--secret', 's3cret'])), '');
		assert.equal((await oauth({ username: 'alice', password: 'alice-pw' }, ['app2', 's3cret'])).status, 200);
		assert.equal(assertOk(await ctl(['client', 'add', 'pub1', '--public', '--scope', 'data:position'])), '');
		const r = await oauth({ username: 'alice', password: 'alice-pw', client_id: 'pub1' });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.scope, 'data:position');
	});

	it('cvctl client add: unknown scope, --public with --secret, bad id -> 2', async () => {
		assertFails(await ctl(['client', 'add', 'app3', '--scope', 'data:position data:bogus']), 2, /unknown scope data:bogus/);
		assertFails(await ctl(['client', 'add', 'app3', '--public', '--secret', 's']), 2, /--public and --secret/);
		assertFails(await ctl(['client', 'add', 'app 3']), 2, /client id/);
		assertFails(await ctl(['client', 'add', 'app3', '--colour', 'red']), 2, /--colour/);
		// nothing was added
		assert.equal(assertOk(await ctl(['client', 'add', 'app3', '--public'])), '');
	});

	// ---- vehicle add -------------------------------------------------------

	it('cvctl vehicle add: prints id= and credential=; the credential works on the vehicle link', async () => {
		const vin = 'VF3ALXCE000000001';
		const out = assertOk(await ctl(['vehicle', 'add', vin, '--owner', 'alice', '--energy', 'electric', '--brand', 'Peugeot', '--label', 'e-2008']));
		assert.match(out, /^id=[0-9a-f]{32}\ncredential=[A-Za-z0-9_-]{43}\n$/);
		const kv = keyValues(out);
		alice = { vin, id: kv.id, cred: kv.credential, token: (assertOk(await ctl(['token', 'issue', 'alice']))).trim() };
		const up = await srv.upload(vin, kv.credential, {
			messageId: 'cli-1',
			samples: [{ at: '2024-05-01T08:30:00Z', speed: 42, position: { lat: 48.85, lon: 2.35 },
				electric: { level: 64, autonomy: 210, charging: { status: 'Disconnected' } } }],
		});
		assert.equal(up.status, 200, up.text);
		assert.equal(up.body.accepted, 1);
		const list = await srv.get(`${B2C}/user/vehicles`, alice.token);
		assert.equal(list.status, 200, list.text);
		assert.deepEqual(list.body._embedded.vehicles.map((v) => [v.id, v.vin]), [[kv.id, vin]]);
		const st = await srv.get(`${B2C}/user/vehicles/${kv.id}/status`, alice.token);
		assert.equal(st.status, 200, st.text);
		assert.ok(st.text.includes('64'), `the uploaded level is in the status: ${st.text}`);
		// a wrong credential is refused
		const bad = await srv.upload(vin, srv.vehicles[0].cred, { messageId: 'cli-2', samples: [{ at: '2024-05-01T08:31:00Z', speed: 1 }] });
		assert.equal(bad.status, 401, bad.text);
	});

	it('cvctl vehicle add: bad VIN, bad energy, missing owner -> 2; unknown owner, duplicate VIN -> 1', async () => {
		const ok = ['--owner', 'alice', '--energy', 'petrol'];
		for (const vin of ['VF3SHORT', 'VF3ALXCE0000000011', 'vf3alice000000002', 'VF3ALXCE00000000I', 'VF3ALXCE00000000O', 'VF3ALXCE00000000Q', 'VF3ALXCE-00000002'])
			assertFails(await ctl(['vehicle', 'add', vin, ...ok]), 2, /VIN/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000002', '--owner', 'alice', '--energy', 'hydrogen']), 2, /--energy/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000002', '--owner', 'alice']), 2, /--energy/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000002', '--energy', 'petrol']), 2, /--owner/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000002', ...ok, '--colour', 'red']), 2, /--colour/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000002', '--owner', 'nobody', '--energy', 'petrol']), 1, /no user nobody/);
		assertFails(await ctl(['vehicle', 'add', alice.vin, ...ok]), 1, new RegExp(`VIN ${alice.vin} already exists`));
		assertFails(await ctl(['vehicle', 'add', srv.vehicles[0].vin, ...ok]), 1, /already exists/);
		// alice still has one vehicle, and its credential was not replaced
		const list = await srv.get(`${B2C}/user/vehicles`, alice.token);
		assert.equal(list.body._embedded.vehicles.length, 1, list.text);
		const up = await srv.upload(alice.vin, alice.cred, { messageId: 'cli-3', samples: [{ at: '2024-05-01T08:32:00Z', speed: 1 }] });
		assert.equal(up.status, 200, up.text);
	});

	it('cvctl vehicle add --device and vehicle device: device=KIND:ID printed, the device reports; refusals -> 1 or 2, nothing written', async () => {
		const ok = ['--owner', 'alice', '--energy', 'petrol'];
		// a generated OsmAnd id: 43 characters of base64url; its fix reaches the vehicle
		const out = assertOk(await ctl(['vehicle', 'add', 'VF3ALXCE000000010', ...ok, '--device', 'osmand']));
		assert.match(out, /^id=[0-9a-f]{32}\ncredential=[A-Za-z0-9_-]{43}\ndevice=osmand:[A-Za-z0-9_-]{43}\n$/);
		const phone = keyValues(out);
		const id = phone.device.slice('osmand:'.length);
		const t = Math.floor(Date.now() / 1000) - 60;
		let r = await srv.request('GET', `/osmand?id=${id}&timestamp=${t}&lat=48.1&lon=2.1&speed=10`);
		assert.equal(r.status, 200, r.text);
		const st = await srv.get(`${B2C}/user/vehicles/${phone.id}/status`, alice.token);
		assert.deepEqual(st.body.lastPosition.geometry.coordinates, [2.1, 48.1, 0]);
		// given ids, to a new vehicle and to an existing one
		const imei = '356307042441013';
		assert.match(assertOk(await ctl(['vehicle', 'add', 'VF3ALXCE000000011', ...ok, '--device', `teltonika:${imei}`])),
			new RegExp(`\ndevice=teltonika:${imei}\n$`));
		const given = 'my-phone-0123456789abcdefghij';
		assertOk(await ctl(['vehicle', 'add', 'VF3ALXCE000000012', ...ok]));
		assert.equal(assertOk(await ctl(['vehicle', 'device', 'VF3ALXCE000000012', `osmand:${given}`])), `device=osmand:${given}\n`);
		assert.equal(assertOk(await ctl(['vehicle', 'device', 'VF3ALXCE000000012', `osmand:${given}`])), `device=osmand:${given}\n`,
			'the same link again: fine, nothing changes');
		// a short id is taken with a warning: it can be guessed
		assertOk(await ctl(['vehicle', 'add', 'VF3ALXCE000000013', ...ok]));
		const short = await ctl(['vehicle', 'device', 'VF3ALXCE000000013', 'osmand:48241179']);
		assert.equal(short.code, 0, short.stderr);
		assert.match(short.stderr, /^cvctl: warning: .* 8 characters can be guessed/);
		// refusals: exit 1 with one line, or 2 (bad usage), and nothing written
		assertFails(await ctl(['vehicle', 'device', 'VF3ALXCE000000012', `teltonika:${imei}`]), 1,
			/teltonika device reports for vehicle VF3ALXCE000000011 already/);
		assertFails(await ctl(['vehicle', 'device', 'VF3ALXCE000000011', 'osmand:another-phone-0123456789ab']), 1,
			/vehicle VF3ALXCE000000011 has a device already \(teltonika\)/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000014', ...ok, '--device', `osmand:${given}`]), 1,
			/osmand device reports for vehicle VF3ALXCE000000012 already/);
		assertFails(await ctl(['vehicle', 'device', 'VF3ALXCE000000019', 'osmand']), 1, /no vehicle with VIN VF3ALXCE000000019/);
		for (const bad of ['gt06:123', 'osmand:', 'osmand:a b', `osmand:${'x'.repeat(65)}`, 'teltonika:12345', 'teltonika:35630704244101a', 'teltonika'])
			assertFails(await ctl(['vehicle', 'device', 'VF3ALXCE000000012', bad]), 2, /osmand|teltonika/);
		assertFails(await ctl(['vehicle', 'add', 'VF3ALXCE000000015', ...ok, '--device', 'teltonika:1']), 2, /15 digits/);
		assertFails(await ctl(['vehicle', 'device', 'VF3ALXCE000000012']), 2, /vehicle device VIN KIND:ID/);
		assertFails(await ctl(['vehicle', 'device', 'VF3BAD', `osmand:${given}`]), 2, /VIN/);
		// the vehicles refused were not made; the another-phone id reports for nobody
		const list = await srv.get(`${B2C}/user/vehicles`, alice.token);
		const vins = list.body._embedded.vehicles.map((v) => v.vin);
		assert.ok(!vins.includes('VF3ALXCE000000014') && !vins.includes('VF3ALXCE000000015'), vins.join(' '));
		r = await srv.request('GET', `/osmand?id=another-phone-0123456789ab&lat=1&lon=2`);
		assert.equal(r.status, 400, r.text);
		assert.match(r.body.message, /unknown device/);
	});

	it('cvctl vehicle add --battery-kwh --tank-l and vehicle capacity: the values read back; bad ones -> 2, nothing written', async () => {
		const add = (vin, energy, ...more) => ctl(['vehicle', 'add', vin, '--owner', 'alice', '--energy', energy, ...more]);
		const capacity = (vin, ...more) => ctl(['vehicle', 'capacity', vin, ...more]);
		assert.match(assertOk(await add('VF3ALXCE000000020', 'phev', '--battery-kwh', '12.4', '--tank-l', '40')), /^id=[0-9a-f]{32}\ncredential=/);
		assert.equal(assertOk(await capacity('VF3ALXCE000000020')), 'battery-kwh=12.4\ntank-l=40\n');
		assertOk(await add('VF3ALXCE000000021', 'electric', '--battery-kwh', '300'));
		assert.equal(assertOk(await capacity('VF3ALXCE000000021')), 'battery-kwh=300\n', 'an electric car has no tank');
		assertOk(await add('VF3ALXCE000000022', 'petrol'));
		assert.equal(assertOk(await capacity('VF3ALXCE000000022')), 'tank-l=unknown\n', 'none given: unknown');
		// set later: what is given changes, the rest stays
		assert.equal(assertOk(await capacity('VF3ALXCE000000022', '--tank-l', '45.5')), 'tank-l=45.5\n');
		assert.equal(assertOk(await capacity('VF3ALXCE000000020', '--tank-l', '0.1')), 'battery-kwh=12.4\ntank-l=0.1\n');
		assert.equal(assertOk(await capacity('VF3ALXCE000000020', '--tank-l', '43')), 'battery-kwh=12.4\ntank-l=43\n');
		// bad values: exit 2, one line, nothing written
		for (const [opt, value] of [['--battery-kwh', '0'], ['--battery-kwh', '300.1'], ['--battery-kwh', '11.55'],
			['--battery-kwh', '-5'], ['--battery-kwh', '5e1'], ['--battery-kwh', '50kWh'], ['--battery-kwh', ''],
			['--battery-kwh', ' 50'], ['--battery-kwh', '5,5'], ['--tank-l', '200.5'], ['--tank-l', '0.0'], ['--tank-l', 'x']]) {
			const re = new RegExp(`${opt} takes the .* above 0 and up to ${opt === '--tank-l' ? 200 : 300}, with at most one decimal`);
			assertFails(await add('VF3ALXCE000000023', 'phev', opt, value), 2, re);
			assertFails(await capacity('VF3ALXCE000000020', opt, value), 2, re);
		}
		// a store the energy has not
		assertFails(await add('VF3ALXCE000000023', 'electric', '--tank-l', '40'), 2, /--tank-l is for petrol, diesel and phev vehicles, not electric/);
		assertFails(await add('VF3ALXCE000000023', 'petrol', '--battery-kwh', '40'), 2, /--battery-kwh is for electric and phev vehicles, not petrol/);
		assertFails(await add('VF3ALXCE000000023', 'diesel', '--tank-l', '50', '--battery-kwh', '1'), 2, /--battery-kwh is for electric and phev vehicles, not diesel/);
		assertFails(await capacity('VF3ALXCE000000021', '--tank-l', '40'), 2, /--tank-l is for petrol, diesel and phev vehicles, not electric/);
		assertFails(await capacity('VF3ALXCE000000022', '--tank-l', '50', '--battery-kwh', '40'), 2, /--battery-kwh is for electric and phev vehicles, not petrol/);
		// bad usage, unknown vehicle
		assertFails(await capacity('VF3ALXCE000000020', '--battery-kwh'), 2, /unknown or incomplete option --battery-kwh/);
		assertFails(await capacity('VF3ALXCE000000020', '--battery', '50'), 2, /unknown or incomplete option --battery/);
		assertFails(await ctl(['vehicle', 'capacity']), 2, /vehicle capacity VIN \[--battery-kwh N\] \[--tank-l N\]/);
		assertFails(await capacity('VF3BAD'), 2, /VIN/);
		assertFails(await capacity('VF3ALXCE000000029', '--tank-l', '40'), 1, /no vehicle with VIN VF3ALXCE000000029/);
		// nothing of the refused was written
		assert.equal(assertOk(await capacity('VF3ALXCE000000020')), 'battery-kwh=12.4\ntank-l=43\n');
		assert.equal(assertOk(await capacity('VF3ALXCE000000021')), 'battery-kwh=300\n');
		assert.equal(assertOk(await capacity('VF3ALXCE000000022')), 'tank-l=45.5\n');
		assertFails(await capacity('VF3ALXCE000000023'), 1, /no vehicle with VIN VF3ALXCE000000023/);
		// the demo's cars have theirs
		const want = { petrol: 'tank-l=45\n', electric: 'battery-kwh=50\n', phev: 'battery-kwh=12\ntank-l=40\n' };
		for (const v of srv.vehicles)
			assert.equal(assertOk(await capacity(v.vin)), want[v.energy], `${v.vin} (${v.energy})`);
	});

	// ---- token issue -------------------------------------------------------

	it('cvctl token issue: the token works on GET /user; an expired one does not', async () => {
		const tok = assertOk(await ctl(['token', 'issue', 'demo'])).trim();
		assert.match(tok, TOKEN_RE);
		const r = await srv.get(`${B2C}/user`, tok);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.email, 'demo@cvapi.example');
		const old = assertOk(await ctl(['token', 'issue', 'demo', '--ttl', '-5'])).trim();
		const e = await srv.get(`${B2C}/user`, old);
		assert.equal(e.status, 401, e.text);
		assert.match(e.body.message, /expired/);
		const short = assertOk(await ctl(['token', 'issue', 'demo', '--ttl', '1', '--client', 'console', '--scope', 'data:position'])).trim();
		assert.equal((await srv.get(`${B2C}/user`, short)).status, 200);
		assert.equal((await srv.get(`${B2C}/user/vehicles/${srv.vehicles[0].id}/telemetry`, short)).status, 403, 'the scope is applied');
		await sleep(1100);
		assert.equal((await srv.get(`${B2C}/user`, short)).status, 401, 'a 1 s token expires');
	});

	it('cvctl token issue: unknown user -> 1; bad --ttl, unknown scope, bad login -> 2', async () => {
		assertFails(await ctl(['token', 'issue', 'nobody']), 1, /no user nobody/);
		for (const ttl of ['abc', '', '1.5', '99999999999', '10s'])
			assertFails(await ctl(['token', 'issue', 'demo', '--ttl', ttl]), 2, /--ttl/);
		assertFails(await ctl(['token', 'issue', 'demo', '--ttl']), 2, /--ttl/);
		assertFails(await ctl(['token', 'issue', 'demo', '--scope', 'data:nope']), 2, /unknown scope data:nope/);
		assertFails(await ctl(['token', 'issue', 'bad login']), 2, /login/);
		assertFails(await ctl(['token', 'issue']), 2);
	});

	it('cvctl token list and revoke: per user, client or family; a revoked token is refused at once', async () => {
		const pair = (await srv.oauth({ grant_type: 'password', username: 'demo', password: 'demo', client_id: 'console' })).body;
		const mine = assertOk(await ctl(['token', 'issue', 'demo', '--client', 'console'])).trim();
		const list = assertOk(await ctl(['token', 'list', '--user', 'demo', '--client', 'console'])).trim().split('\n');
		// kind user client issued expires family [used]
		for (const l of list)
			assert.match(l, /^(access|refresh) demo console \S+Z \S+Z [0-9a-f]{32}( used)?$/, l);
		assert.ok(!list.some((l) => l.includes(pair.access_token) || l.includes(mine)), 'never a token\'s text');
		assert.ok(list.filter((l) => l.startsWith('refresh ')).length >= 1);
		assert.equal(assertOk(await ctl(['token', 'list', '--user', 'nobody'])), '');
		// the password grant's two tokens share a family: revoke it
		const fams = new Map();
		for (const l of list) {
			const f = l.split(' ')[5];
			fams.set(f, (fams.get(f) || 0) + 1);
		}
		const grant = [...fams].find(([, n]) => n === 2)[0];
		assert.deepEqual(keyValues(assertOk(await ctl(['token', 'revoke', '--family', grant]))), { revoked: '2' });
		assert.equal((await srv.get(`${B2C}/user`, pair.access_token)).status, 401);
		assert.equal((await srv.get(`${B2C}/user`, mine)).status, 200, 'another family is left alone');
		assert.deepEqual(keyValues(assertOk(await ctl(['token', 'revoke', '--user', 'demo', '--client', 'console']))).revoked !== '0', true);
		assert.equal((await srv.get(`${B2C}/user`, mine)).status, 401);
		assert.deepEqual(keyValues(assertOk(await ctl(['token', 'revoke', '--user', 'nobody']))), { revoked: '0' });
		assertFails(await ctl(['token', 'revoke']), 2, /--user, --client or --family/);
		assertFails(await ctl(['token', 'revoke', '--family', 'xyz']), 2, /--family/);
		assertFails(await ctl(['token', 'revoke', '--family', '0'.repeat(32)]), 2, /names no grant/);
		assertFails(await ctl(['token', 'list', '--bogus', 'x']), 2, /--bogus/);
	});

	// ---- fleet ---------------------------------------------------------------

	it('cvctl fleet add and add-vehicle; the demo fleet exists; failures -> 1 or 2, one line', async () => {
		assertOk(await ctl(['fleet', 'add', 'cli-fleet', '--owner', 'fleet', '--label', 'CLI fleet']));
		assertFails(await ctl(['fleet', 'add', 'cli-fleet', '--owner', 'fleet']), 1, /fleet cli-fleet already exists/);
		assertFails(await ctl(['fleet', 'add', 'demo-fleet', '--owner', 'fleet']), 1, /fleet demo-fleet already exists/);
		assertFails(await ctl(['fleet', 'add', 'f-nobody', '--owner', 'nobody']), 1, /no user nobody/);
		assertFails(await ctl(['fleet', 'add', 'bad fleet', '--owner', 'fleet']), 2, /fleet id/);
		assertFails(await ctl(['fleet', 'add', 'f-noowner']), 2, /--owner/);
		assertFails(await ctl(['fleet', 'add', 'f-x', '--owner', 'fleet', '--colour', 'red']), 2, /--colour/);
		const vin = srv.vehicles[0].vin;
		assertOk(await ctl(['fleet', 'add-vehicle', 'cli-fleet', vin]));
		assertOk(await ctl(['fleet', 'add-vehicle', 'cli-fleet', vin]));   // idempotent
		assertFails(await ctl(['fleet', 'add-vehicle', 'no-such-fleet', vin]), 1, /no fleet no-such-fleet or no vehicle/);
		assertFails(await ctl(['fleet', 'add-vehicle', 'cli-fleet', 'VR3UPHNKSKT99999X']), 1, /no vehicle VR3UPHNKSKT99999X/);
		assertFails(await ctl(['fleet', 'add-vehicle', 'cli-fleet', 'NOTAVIN']), 2, /VIN/);
		assertFails(await ctl(['fleet', 'remove', 'cli-fleet']), 2, /fleet add/);
		assertFails(await ctl(['fleet']), 2);
	});

	// ---- demo --------------------------------------------------------------

	it('cvctl demo is idempotent: a second run adds nothing', async () => {
		// the suite's store already ran `cvctl demo`
		const before = await srv.get(`${B2C}/user/vehicles`, srv.demoToken);
		const vfile = join(dir('demo2'), 'vehicles.txt');
		assert.equal(assertOk(await ctl(['demo'])), '', 'no new vehicle printed');
		assert.equal(assertOk(await ctl(['demo', '--vehicles', vfile])), '');
		assert.equal(readFileSync(vfile, 'utf8'), '', 'no vehicle written');
		const after = await srv.get(`${B2C}/user/vehicles`, srv.demoToken);
		assert.deepEqual(after.body, before.body);
		// the demo credentials were not replaced
		const up = await srv.upload(srv.vehicles[1].vin, srv.vehicles[1].cred, { messageId: 'cli-demo', samples: [{ at: '2024-05-01T08:30:00Z', speed: 3 }] });
		assert.equal(up.status, 200, up.text);
		assert.equal((await oauth({ username: 'fleet', password: 'fleet', client_id: 'console' })).status, 200);
	});

	it('cvctl demo on a fresh store prints one line per vehicle; then nothing', async () => {
		const home = join(dir('demo-fresh'), 'db');
		const out = assertOk(await ctlAt(home, ['demo']));
		const lines = out.trim().split('\n');
		assert.equal(lines.length, 3, out);
		const energies = lines.map((l) => {
			const [vin, energy, cred] = l.split(' ');
			assert.match(vin, /^[A-HJ-NPR-Z0-9]{17}$/);
			assert.match(cred, TOKEN_RE);
			return energy;
		});
		assert.deepEqual(energies.sort(), ['electric', 'petrol', 'phev']);
		// then what cvsim is to know: the capacities, and a driver of each style
		assert.deepEqual(lines.map((l) => l.split(' ').slice(3).join(' ')).sort(),
			['battery:12 tank:40 style:normal', 'battery:50 style:calm', 'tank:45 style:sporty']);
		assert.equal(assertOk(await ctlAt(home, ['demo'])), '');
		// a demo car made before capacities (here: without them) gets them from the next demo, and nothing else
		const old = join(dir('demo-old'), 'db');
		assertOk(await ctlAt(old, ['user', 'add', 'demo', '--password', 'demo']));
		assertOk(await ctlAt(old, ['vehicle', 'add', 'VR3MRHNSSMY000003', '--owner', 'demo', '--energy', 'phev', '--tank-l', '43']));
		assert.equal(assertOk(await ctlAt(old, ['vehicle', 'capacity', 'VR3MRHNSSMY000003'])), 'battery-kwh=unknown\ntank-l=43\n');
		assert.equal(assertOk(await ctlAt(old, ['demo'])).trim().split('\n').length, 2, 'the two other cars are new');
		assert.equal(assertOk(await ctlAt(old, ['vehicle', 'capacity', 'VR3MRHNSSMY000003'])), 'battery-kwh=12\ntank-l=43\n',
			'the battery it lacked; its own tank kept');
		assertFails(await ctlAt(join(dir('demo-bad'), 'db'), ['demo', '--vehicles', '/nonexistent/dir/v.txt']), 1, /cannot write/);
	});

	// ---- backup, recover ---------------------------------------------------

	it('cvctl backup DIR: a web server started on the backup serves the data', { timeout: 90000 }, async () => {
		// written before the backup: a user, a vehicle with a sample, a token
		const tok = alice.token;
		const bk = join(dir('backup'), 'copy');
		assert.match(assertOk(await ctl(['backup', bk])), /backup written to/);
		assert.ok(existsSync(join(bk, 'users.db')));
		// written after it: not in the backup
		assertOk(await ctl(['user', 'add', 'late', '--password', 'late-pw']));
		// a second backup into the same folder replaces the first
		const bk2 = join(dir('backup2'), 'copy');
		assertOk(await ctl(['backup', bk2]));
		assertOk(await ctl(['backup', bk2]));

		// a second web server, same programs, on the backup
		const rundir = dir('backup-run');
		const port = await freePort();
		const ws = WEBSERVERS[WEBSERVER]({
			top: null, home: bk, rundir, port, procs: 1,
			fcgidir: join(BUILDDIR, 'cgi'), wwwdir: join(SRCDIR, 'www'), env: srv.env,
		});
		const child = await ws.start();
		try {
			const base = `http://127.0.0.1:${port}`;
			let health = null;
			for (let t0 = Date.now(); Date.now() - t0 < 30000; await sleep(50)) {
				assert.ok(child.exitCode === null && child.signalCode === null, `${ws.name} on the backup exited:\n${ws.logs()}`);
				try {
					health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
					if (health.status === 200)
						break;
				} catch { /* not yet */ }
			}
			assert.equal(health && health.status, 200, `the server on the backup is healthy:\n${ws.logs()}`);
			const get = async (p, t) => {
				const res = await fetch(base + p, { headers: { authorization: `Bearer ${t}` } });
				const text = await res.text();
				return { status: res.status, text, body: res.status === 200 ? JSON.parse(text) : null };
			};
			const u = await get(`${B2C}/user`, tok);
			assert.equal(u.status, 200, u.text);
			assert.equal(u.body.email, 'alice@example.org');
			const st = await get(`${B2C}/user/vehicles/${alice.id}/status`, tok);
			assert.equal(st.status, 200, st.text);
			assert.ok(st.text.includes('64'), `the sample uploaded before the backup is there: ${st.text}`);
			const d = await get(`${B2C}/user/vehicles`, srv.demoToken);
			assert.equal(d.status, 200, d.text);
			assert.equal(d.body._embedded.vehicles.length, srv.vehicles.length);
			// the backup takes uploads with the credentials it holds
			const up = await fetch(`${base}/telematics/v1/vehicles/${alice.vin}/messages`, {
				method: 'POST', headers: { authorization: `Bearer ${alice.cred}`, 'content-type': 'application/json' },
				body: JSON.stringify({ messageId: 'cli-bk', samples: [{ at: '2024-05-02T08:30:00Z', speed: 7 }] }),
			});
			const upText = await up.text();
			assert.equal(up.status, 200, upText);
		} finally {
			await ws.stop();
		}
		const logs = ws.logs();
		assert.ok(!/ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.test(logs), `sanitizer report from the server on the backup:\n${logs}`);
		// the backup with its server stopped: recover and verify; the late user is not there
		assertOk(await ctlAt(bk, ['recover']));
		assert.match(assertOk(await ctlAt(bk, ['verify'])), /databases verified/);
		assertFails(await ctlAt(bk, ['token', 'issue', 'late']), 1, /no user late/);
		assert.match(assertOk(await ctlAt(bk, ['token', 'issue', 'alice'])).trim(), TOKEN_RE);
		// a copy of the copy, as an operator would restore it
		const restored = join(dir('restored'), 'db');
		cpSync(bk2, restored, { recursive: true });
		if (srv.user)
			for (const f of ['', ...readdirSync(restored)])
				chownSync(join(restored, f), srv.user.uid, srv.user.gid);
		assertOk(await ctlAt(restored, ['recover']));
		assert.match(assertOk(await ctlAt(restored, ['verify'])), /databases verified/);
		assert.match(assertOk(await ctlAt(restored, ['token', 'issue', 'late'])).trim(), TOKEN_RE, 'the second backup has the late user');
	});

	it('cvctl backup into a file: exit 1, one line', async () => {
		const f = join(dir('bkfile'), 'file');
		writeFileSync(f, 'x');
		assertFails(await ctl(['backup', f]), 1, /backup to/);
	});

	it('cvctl recover on the live store: exit 0, the server keeps serving', async () => {
		assert.equal(assertOk(await ctl(['recover'])), '');
		const r = await srv.get(`${B2C}/user`, alice.token);
		assert.equal(r.status, 200, r.text);
	});

	// ---- cvsim's options ---------------------------------------------------

	const noSim = existsSync(CVSIM) ? false : `${CVSIM} is not built`;

	it('cvsim --help, --version: exit 0 on stdout; bad usage -> 2, one line', { skip: noSim }, async () => {
		assert.match(assertOk(await run(CVSIM, ['--help'])), /^Usage: cvsim /);
		assert.match(assertOk(await run(CVSIM, ['--version'])), /^cvsim \(cvapi\) \d+\.\d+/);
		const vf = join(dir('sim'), 'v.txt');
		writeFileSync(vf, `${alice.vin} electric ${alice.cred}\n`);
		const cases = [
			[[], /--vehicles/],
			[['--vehicles', vf], /nothing to do/],
			[['--vehicles', vf, '--days', '0'], /--days/],
			[['--vehicles', vf, '--days', 'x'], /--days/],
			[['--vehicles', vf, '--days'], /--days needs a value/],
			[['--vehicles', vf, '--days', '1', '--batch', '1001'], /--batch/],
			[['--vehicles', vf, '--days', '1', '--parallel', '0'], /--parallel/],
			[['--vehicles', vf, '--days', '1', '--speedup', '2'], /--speedup only applies/],
			[['--vehicles', vf, '--live', '--parallel', '2'], /--parallel only applies/],
			[['--vehicles', vf, '--days', '1', '--url', 'ftp://x'], /--url/],
			[['--vehicles', vf, '--days', '1', '--frob'], /unknown option --frob/],
			[['--vehicles', vf, '--days', '1', 'extra'], /unexpected argument extra/],
			[['--vehicles', vf, '--days', '1', '--no-commands'], /only apply to --live/],
			[['--vehicles', vf, '--days', '1', '--parked'], /only apply to --live/],
			[['--vehicles', vf, '--live', '--awake', '3601'], /--awake takes 0 to 3600/],
			[['--vehicles', vf, '--live', '--exec-delay', '-1'], /--exec-delay takes/],
			[['--vehicles', vf, '--live', '--offline', 'SHORT'], /--offline takes a VIN/],
			[['--vehicles', vf, '--days', '1', '--end', 'yesterday'], /--end takes an RFC 3339 time/],
			[['--vehicles', vf, '--days', '1', '--end', '2026-02-30T00:00:00Z'], /--end takes an RFC 3339 time/],
			[['--vehicles', vf, '--days', '1', '--end'], /--end needs a value/],
			[['--vehicles', vf, '--days', '1', '--protocol', 'pigeon'], /--protocol takes link, osmand or teltonika/],
			[['--vehicles', vf, '--days', '1', '--teltonika', '127.0.0.1:5027'], /--teltonika only applies to --protocol teltonika/],
			[['--vehicles', vf, '--days', '1', '--protocol', 'teltonika', '--teltonika', 'nohost'], /--teltonika takes HOST:PORT/],
			[['--vehicles', vf, '--end', '2026-01-01T00:00:00Z'], /nothing to do|--end only applies/],
			[['--vehicles', vf, '--days', '1', '--live', '--end', '2026-01-01T00:00:00Z'], /--end only applies to --days, without --live/],
			[['--vehicles', vf, '--days', '1', '--end', '9999-01-01T00:00:00Z'], /--end is in the future/],
		];
		for (const [args, re] of cases)
			assertFails(await run(CVSIM, args), 2, re, 'cvsim');
	});

	it('cvsim: unreadable vehicles file -> 1; a day of history through the server -> 0', { skip: noSim, timeout: 120000 }, async () => {
		assertFails(await run(CVSIM, ['--vehicles', '/nonexistent/v.txt', '--days', '1']), 1, /nonexistent/, 'cvsim');
		const bad = join(dir('sim'), 'bad.txt');
		for (const dev of ['gt06:1', 'osmand:', 'osmand:a:b', `osmand:${'x'.repeat(65)}`, 'osmand:x extra']) {
			writeFileSync(bad, `${alice.vin} electric ${alice.cred} ${dev}\n`);
			assertFails(await run(CVSIM, ['--vehicles', bad, '--days', '1']), 1, /expected VIN|a device is osmand:ID/, 'cvsim');
		}
		// the capacities and the driver's style a line may give
		for (const [energy, extra, re] of [
			['electric', 'battery:0', /battery:KWH takes kWh above 0 and up to 300, one decimal at most/],
			['electric', 'battery:300.1', /battery:KWH takes kWh/],
			['electric', 'battery:50.25', /battery:KWH takes kWh/],
			['phev', 'tank:200.5', /tank:L takes litres above 0 and up to 200/],
			['electric', 'tank:40', /tank: is for petrol, diesel and phev vehicles/],
			['diesel', 'battery:10', /battery: is for electric and phev vehicles/],
			['electric', 'battery:50 battery:60', /a field is given twice/],
			['electric', 'osmand:phone-1 teltonika:356307042441013', /a vehicle has one device/],
			['electric', 'style:wild', /the style is calm, normal or sporty/],
			['electric', 'colour:red', /a device is osmand:ID or teltonika:IMEI, and the other fields/],
			['electric', 'battery:50 tank:40 style:calm osmand:a osmand:b', /expected VIN ENERGY CREDENTIAL/],
		]) {
			writeFileSync(bad, `${alice.vin} ${energy} ${alice.cred} ${extra}\n`);
			assertFails(await run(CVSIM, ['--vehicles', bad, '--days', '1']), 1, re, 'cvsim');
		}
		const vf = join(dir('sim'), 'v.txt');
		writeFileSync(vf, `${alice.vin} electric ${alice.cred} style:sporty battery:77.5\n`);
		const r = await run(CVSIM, ['--vehicles', vf, ...historyArgs(1), '--quiet', '--url', srv.base], { timeout: 110000 });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stderr, '');
		const t = await srv.get(`${B2C}/user/vehicles/${alice.id}/status`, alice.token);
		assert.equal(t.status, 200, t.text);
	});

	// ---- configurations ----------------------------------------------------

	it('the systemd unit runs every program the web server configurations route to, and no other', () => {
		const am = readFileSync(join(SRCDIR, 'Makefile.am'), 'utf8').replace(/\\\n/g, ' ');
		const built = [...am.matchAll(/^fcgi_PROGRAMS\s*\+?=(.*)$/gm)].flatMap((m) => m[1].trim().split(/\s+/))
			.map((p) => p.split('/').pop().replace(/\.fcgi$/, '')).sort();
		const unit = readFileSync(join(SRCDIR, 'etc', 'cvapi-spawn.service.in'), 'utf8').replace(/\\\n/g, ' ');
		const exec = /^ExecStart=(.*)$/m.exec(unit);
		assert.ok(exec, 'the unit has an ExecStart');
		const spawned = [...exec[1].matchAll(/\/(cvapi-[a-z0-9]+)\.fcgi/g)].map((m) => m[1]).sort();
		const apache = [...new Set([...readFileSync(join(SRCDIR, 'etc', 'apache2.conf.in'), 'utf8')
			.matchAll(/^ProxyPassMatch .*unix:@RUNDIR@\/(cvapi-[a-z0-9]+)\.sock/gm)].map((m) => m[1]))].sort();
		const lighttpd = [...new Set([...readFileSync(join(SRCDIR, 'etc', 'lighttpd.conf.in'), 'utf8')
			.matchAll(/"bin-path" => "@FCGIDIR@\/(cvapi-[a-z0-9]+)\.fcgi"/g)].map((m) => m[1]))].sort();
		assert.ok(built.length >= 7, built.join(' '));
		assert.deepEqual(spawned, built, 'cvapi-spawn.service runs every program built');
		assert.deepEqual(apache, built, 'apache2.conf.in routes to every program built');
		assert.deepEqual(lighttpd, built, 'lighttpd.conf.in starts every program built');
		// the installed snippets (made by make from the templates' routes,
		// etc/snippet.sh): every program, on the unit's sockets, and nothing
		// the unit does not start
		const sockets = (file, re) => [...new Set([...readFileSync(join(BUILDDIR, 'etc', file), 'utf8').matchAll(re)]
			.map((m) => m[1]))].sort();
		const dir = /--dir (\S+)/.exec(exec[1])[1].replace('@runstatedir@', '[^"]*');
		assert.deepEqual(sockets('lighttpd/50-cvapi.conf', new RegExp(`^\\s*"socket" => "${dir}/(cvapi-[a-z0-9]+)\\.sock",$`, 'gm')),
			built, 'the lighttpd snippet connects to every program built');
		assert.deepEqual(sockets('apache2/cvapi.conf', new RegExp(`^ProxyPassMatch .*"unix:${dir}/(cvapi-[a-z0-9]+)\\.sock\\|`, 'gm')),
			built, 'the Apache snippet routes to every program built');
		for (const f of ['lighttpd/50-cvapi.conf', 'apache2/cvapi.conf'])
			assert.doesNotMatch(readFileSync(join(BUILDDIR, 'etc', f), 'utf8'), /@[A-Za-z_]+@|bin-path/, `${f} is filled in`);
		// the programs' own user, not the web server's; the web server reaches the sockets only
		assert.match(unit, /^User=cvapi$/m);
		assert.doesNotMatch(unit, /^(User|Group)=www-data$/m);
		assert.match(exec[1], /--group www-data/);
	});

	// ---- man pages ---------------------------------------------------------

	it('every installed program has a man page, listed for installation', () => {
		const am = readFileSync(join(SRCDIR, 'Makefile.am'), 'utf8').replace(/\\\n/g, ' ');
		const listed = (re) => [...am.matchAll(re)].flatMap((m) => m[1].trim().split(/\s+/)).filter(Boolean);
		const programs = listed(/^(?:fcgi|sbin|bin)_PROGRAMS\s*\+?=(.*)$/gm);
		const mans = listed(/^dist_man\d_MANS\s*\+?=(.*)$/gm);
		assert.ok(programs.includes('tools/cvctl'), programs.join(' '));
		for (const p of programs) {
			const base = p.split('/').pop().replace(/\.fcgi$/, '');
			const page = mans.find((m) => new RegExp(`^man/${base.replace(/[.]/g, '\\.')}\\.[18]$`).test(m));
			assert.ok(page, `${p} has a man page in dist_man*_MANS (${mans.join(' ')})`);
			assert.ok(existsSync(join(SRCDIR, page)), `${page} exists`);
		}
		// every FastCGI program of cgi/ and cvsim when sim/ exists
		for (const f of readdirSync(join(SRCDIR, 'cgi')).filter((x) => x.endsWith('.c')))
			if (/^int main\s*\(/m.test(readFileSync(join(SRCDIR, 'cgi', f), 'utf8')))
				assert.ok(existsSync(join(SRCDIR, 'man', `cvapi-${f.slice(0, -2)}.8`)), `man/cvapi-${f.slice(0, -2)}.8 for cgi/${f}`);
		assert.ok(existsSync(join(SRCDIR, 'man', 'cvctl.8')));
		if (existsSync(join(SRCDIR, 'sim')))
			assert.ok(existsSync(join(SRCDIR, 'man', 'cvsim.1')));
	});

	it('cvctl --help and cvctl(8) list the same commands, each with the same options', async () => {
		const options = (text) => [...new Set(text.match(/--[a-z][a-z-]*/g) || [])].sort();
		// --help: a row is "  SYNOPSIS  description", its continuation lines indented further;
		// the command's words are the synopsis's first ones, in lower case
		const help = assertOk(await run(CVCTL, ['--help'])).split('\n').filter((l) => /^ {2}[a-z]/.test(l)).map((l) => {
			const synopsis = l.trim().split(/ {2,}/)[0];
			return [/^[a-z][a-z -]*(?= |$)/.exec(synopsis)[0].trim(), options(synopsis)];
		});
		// cvctl(8): the tag of each .TP of COMMANDS, on one or more macro lines; the command's
		// words are the tag's first, bold argument ("user add " in .BI "user add " login ...)
		const roff = readFileSync(join(SRCDIR, 'man', 'cvctl.8'), 'utf8').split(/^\.SH /m)
			.find((s) => s.startsWith('COMMANDS')).split(/^\.TP\n/m).slice(1);
		const man = roff.map((tp) => {
			const tag = [];
			for (const l of tp.split('\n')) {
				if (!l.startsWith('.'))
					break;
				tag.push(l.replace(/^\.[A-Z]+ ?/, ''));
			}
			const words = /^(?:"([^"]*)"|(\S+))/.exec(tag[0]);
			return [(words[1] || words[2]).trim(), options(tag.join(' ').replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-'))];
		});
		assert.ok(help.length >= 18, JSON.stringify(help));
		assert.deepEqual(Object.fromEntries(man), Object.fromEntries(help), 'the man page documents what --help lists');
		assert.equal(man.length, help.length, 'one entry each');
	});

	it('the man pages render without warnings (man --warnings -l)', async (t) => {
		const probe = await run('/bin/sh', ['-c', 'command -v man']);
		if (probe.code !== 0) {
			t.skip('man is not installed');
			return;
		}
		const pages = readdirSync(join(SRCDIR, 'man')).filter((f) => /\.[18]$/.test(f));
		assert.ok(pages.length >= 7, pages.join(' '));
		for (const p of pages) {
			const file = join(SRCDIR, 'man', p);
			const r = await run('/bin/sh', ['-c', 'MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null', 'sh', file],
				{ env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', LC_ALL: 'C.UTF-8' } });
			assert.equal(r.code, 0, `${p}: exit ${r.code}`);
			assert.equal(r.stdout, '', `${p} renders without warnings`);
			const text = await run('/bin/sh', ['-c', 'MANWIDTH=80 man -l "$1"', 'sh', file], { env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat' } });
			assert.match(text.stdout, /NAME/, `${p} renders`);
			if (/^(cvctl|cvsim)\./.test(p))
				assert.match(text.stdout, /EXIT STATUS/, `${p} documents the exit status`);
		}
	});
});

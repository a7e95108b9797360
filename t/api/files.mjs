// The store folder's files against its own user: whoever runs the programs
// owns the store folder and can plant links there; cvctl run by root on
// that folder must not be led to write, resize or give away a file of
// root's. Run as root (as CI does), with the store given to `nobody`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, chownSync, chmodSync, writeFileSync, readFileSync, statSync, lstatSync, readdirSync,
	rmSync, symlinkSync, lchownSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILDDIR } from '../lib/server.mjs';

const CVCTL = join(BUILDDIR, 'tools', 'cvctl');
const GEN_BYTES = 16384 * 8;
const root = process.getuid && process.getuid() === 0;
const nobody = (() => {
	const pw = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
	return pw ? { uid: Number(pw.split(':')[2]), gid: Number(pw.split(':')[3]) } : null;
})();
const skip = !root ? 'needs root (the attack is on root\'s cvctl)' : !nobody ? 'no user nobody' : false;

/* Run to completion as user (default: this process's; also { cwd }): { code, stdout, stderr }. */
function run(file, args, user) {
	return new Promise((res) => {
		const o = { timeout: 20000, killSignal: 'SIGKILL', ...(user || {}) };
		execFile(file, args, o, (err, stdout, stderr) => {
			res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
		});
	});
}

let top, store, gen;

test('setup: a store made by its user, nobody', { skip }, async () => {
	top = mkdtempSync(join(tmpdir(), 'cvapi-files-'));
	chmodSync(top, 0o755);
	store = join(top, 'db');
	mkdirSync(store);
	chownSync(store, nobody.uid, nobody.gid);
	gen = join(store, 'generations');
	const r = await run(CVCTL, ['-H', store, 'init'], nobody);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(statSync(gen).uid, nobody.uid);
	assert.equal(statSync(gen).size, GEN_BYTES);
});

/* A root file with known content, mode and owner, and how to check it was left alone. */
function rootFile(name) {
	const p = join(top, name);
	writeFileSync(p, 'root secret\n', { mode: 0o600 });
	const before = statSync(p);
	return {
		path: p,
		check() {
			const after = statSync(p);
			assert.equal(readFileSync(p, 'utf8'), 'root secret\n', 'content untouched');
			assert.equal(after.uid, 0, 'still root\'s');
			assert.equal(after.size, before.size, 'size untouched');
			assert.equal(after.mode, before.mode, 'mode untouched');
		},
	};
}

test('a symbolic link planted as generations: root\'s cvctl refuses it, the target is untouched', { skip }, async () => {
	const target = rootFile('shadow');
	for (const args of [['rm', '-f', gen], ['ln', '-s', target.path, gen]]) {
		const r = await run(`/bin/${args[0]}`, args.slice(1), nobody);
		assert.equal(r.code, 0, r.stderr);
	}
	assert.ok(lstatSync(gen).isSymbolicLink());
	for (const cmd of [['init'], ['verify'], ['user', 'add', 'eve', '--password', 'x']]) {
		const r = await run(CVCTL, ['-H', store, ...cmd]);
		assert.equal(r.code, 1, `cvctl ${cmd[0]} fails: ${r.stderr}`);
		assert.match(r.stderr, /generations.*symbolic link/);
		assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		target.check();
	}
	assert.ok(lstatSync(gen).isSymbolicLink(), 'the link is left as it is');
});

test('a hard link, a FIFO, a file of another size or owner as generations: refused, left as they are', { skip }, async () => {
	const cases = [
		{ make: [['rm', '-f', gen], ['touch', join(store, 'mine')], ['ln', join(store, 'mine'), gen]], want: /other names/ },
		{ make: [['rm', '-f', gen], ['mkfifo', gen]], want: /not a regular file/ },
		{ make: [['rm', '-f', gen], ['touch', gen]], want: /not the size/ },
	];
	for (const c of cases) {
		for (const args of c.make) {
			const r = await run(`/usr/bin/${args[0]}`, args.slice(1), nobody);
			assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
		}
		const before = lstatSync(gen);
		const r = await run(CVCTL, ['-H', store, 'verify']);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, c.want);
		const after = lstatSync(gen);
		assert.deepEqual([after.ino, after.size, after.uid, after.mode], [before.ino, before.size, before.uid, before.mode]);
	}
	// a file of root's (planted by root, say by an older cvctl): refused, not taken over
	rmSync(gen);
	writeFileSync(gen, Buffer.alloc(GEN_BYTES), { mode: 0o660 });
	const r = await run(CVCTL, ['-H', store, 'verify']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /generations/);
	assert.equal(statSync(gen).uid, 0);
	rmSync(gen);
	rmSync(join(store, 'mine'));
});

test('root\'s cvctl on the user\'s store works as that user: every file it makes is nobody\'s', { skip }, async () => {
	for (const cmd of [['init'], ['user', 'add', 'bob', '--password', 'bob-pw'], ['verify']]) {
		const r = await run(CVCTL, ['-H', store, ...cmd]);
		assert.equal(r.code, 0, `cvctl ${cmd.join(' ')}: ${r.stderr}`);
	}
	const st = statSync(gen);
	assert.equal(st.size, GEN_BYTES);
	const notTheirs = readdirSync(store).filter((f) => lstatSync(join(store, f)).uid !== nobody.uid);
	assert.deepEqual(notTheirs, [], 'files of the store not owned by its user');
	// the user itself still opens everything
	const r = await run(CVCTL, ['-H', store, 'user', 'add', 'carol', '--password', 'carol-pw'], nobody);
	assert.equal(r.code, 0, r.stderr);
});

test('the store folder a link of the user\'s to a folder of root\'s: root\'s cvctl acts as the user, makes nothing there', { skip }, async () => {
	const rootDir = join(top, 'root-only');
	mkdirSync(rootDir, { mode: 0o755 });
	const svc = join(top, 'svc');
	mkdirSync(svc);
	chownSync(svc, nobody.uid, nobody.gid);
	const link = join(svc, 'db');
	const made = await run('/bin/ln', ['-s', rootDir, link], nobody);
	assert.equal(made.code, 0, made.stderr);
	for (const cmd of [['init'], ['user', 'add', 'eve', '--password', 'x']]) {
		const r = await run(CVCTL, ['-H', link, ...cmd]);
		assert.equal(r.code, 1, `cvctl ${cmd[0]} fails: ${r.stderr}`);
		assert.deepEqual(readdirSync(rootDir), [], `nothing made in root's folder: ${r.stderr}`);
	}
	// and through a link of root's that leads into the user's folder: the user's still
	const rootLink = join(top, 'via-root');
	const r = await run('/bin/ln', ['-s', link, rootLink]);
	assert.equal(r.code, 0, r.stderr);
	const again = await run(CVCTL, ['-H', rootLink, 'init']);
	assert.equal(again.code, 1, again.stderr);
	assert.deepEqual(readdirSync(rootDir), [], 'nothing made in root\'s folder');
});

// The way to the store, judged from / (store.h, cv_store_owner): a folder
// on it that someone else may write in (group, others, no sticky bit), or
// a step of a third user's, could be swapped for a link between root's
// check and its open; root's cvctl refuses such a way, and makes nothing.
const OTHER = 4242;                 // neither root nor nobody

/* A folder of uid's (root: 0) under top, with mode. */
function folder(name, uid, mode) {
	const p = join(top, name);
	mkdirSync(p);
	chmodSync(p, mode);
	if (uid)
		chownSync(p, uid, uid === nobody.uid ? nobody.gid : uid);
	return p;
}

/* cvctl as root refused, saying why (want), within one line. */
function refused(r, want) {
	assert.equal(r.code, 1, `refused: ${r.stdout}${r.stderr}`);
	assert.match(r.stderr, /refusing the store in/);
	assert.match(r.stderr, want);
	assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

/* A store of nobody's in folder dir, made by nobody. */
async function nobodyStore(dir) {
	const db = join(dir, 'db');
	mkdirSync(db);
	chownSync(db, nobody.uid, nobody.gid);
	const r = await run(CVCTL, ['-H', db, 'init'], nobody);
	assert.equal(r.code, 0, r.stderr);
	return db;
}

test('a link above the store: root\'s, followed (cvctl acts as the user); a third user\'s: refused', { skip }, async () => {
	const svc = folder('svc-up', nobody.uid, 0o755);
	await nobodyStore(svc);
	const up = join(top, 'up');
	symlinkSync(svc, up);
	const ok = await run(CVCTL, ['-H', join(up, 'db'), 'user', 'add', 'up', '--password', 'x']);
	assert.equal(ok.code, 0, ok.stderr);
	assert.deepEqual(readdirSync(join(svc, 'db')).filter((f) => lstatSync(join(svc, 'db', f)).uid !== nobody.uid), []);
	lchownSync(up, OTHER, OTHER);
	refused(await run(CVCTL, ['-H', join(up, 'db'), 'verify']), /up belongs to uid 4242 and .*svc-up to uid \d+: no one but root and the store's owner/);
	// a link of root's whose target is reached through a folder its group may write in
	const gw = folder('gw-up', 0, 0o775);
	const inner = folder('gw-up/in', nobody.uid, 0o755);
	await nobodyStore(inner);
	const via = join(top, 'via-gw');
	symlinkSync(inner, via);
	refused(await run(CVCTL, ['-H', join(via, 'db'), 'verify']), new RegExp(`folder ${gw} is writable by its group`));
});

test('a folder above the store that its group or others may write in without the sticky bit: refused; sticky: followed', { skip }, async () => {
	const gw = folder('gw', 0, 0o775);
	const db = await nobodyStore(gw);
	refused(await run(CVCTL, ['-H', db, 'verify']), new RegExp(`folder ${gw} is writable by its group without the sticky bit`));
	chmodSync(gw, 0o757);
	refused(await run(CVCTL, ['-H', db, 'verify']), /is writable by others/);
	// a store yet to be made there: refused before anything is made
	refused(await run(CVCTL, ['-H', join(gw, 'new'), 'init']), /writable by others/);
	assert.ok(!existsSync(join(gw, 'new')), 'nothing made');
	// with the sticky bit (as /tmp), nobody else may rename or remove what is not theirs
	chmodSync(gw, 0o1777);
	const r = await run(CVCTL, ['-H', db, 'verify']);
	assert.equal(r.code, 0, r.stderr);
	// a folder of a third user's on the way
	const theirs = folder('theirs', OTHER, 0o755);
	const db2 = await nobodyStore(theirs);
	refused(await run(CVCTL, ['-H', db2, 'verify']), new RegExp(`${theirs} belongs to uid 4242 and ${db2} to uid ${nobody.uid}`));
});

test('a relative path: the working folder\'s own way is judged from /', { skip }, async () => {
	const ok = await run(CVCTL, ['-H', 'db', 'verify'], { cwd: top });
	assert.equal(ok.code, 0, ok.stderr);
	const gw = folder('gw-cwd', 0, 0o775);
	const sub = folder('gw-cwd/sub', 0, 0o755);
	await nobodyStore(sub);
	refused(await run(CVCTL, ['-H', 'db', 'verify'], { cwd: sub }), new RegExp(`folder ${gw} is writable by its group`));
	refused(await run(CVCTL, ['-H', './sub/../sub/db', 'verify'], { cwd: gw }), /writable by its group/);
});

test('teardown', { skip }, () => {
	rmSync(top, { recursive: true, force: true });
});

// teltonika.mjs - the Teltonika trackers' side, for the tests: the real
// daemon (dev/cvteltonika) started on a store, and a tracker played over
// TCP with packets built here from the protocol's public documentation
// (Codec 8, 8 Extended, 12; CRC-16/IBM).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { BUILDDIR, freePort } from './server.mjs';

/* CRC-16/IBM (ARC) of a Buffer. */
export function crc16(buf) {
	let crc = 0;
	for (const b of buf) {
		crc ^= b;
		for (let i = 0; i < 8; i++)
			crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
	}
	return crc;
}

/* A packet around a data field: 4 zero bytes, length, data, CRC (4 bytes, the low 2 the CRC). */
export function frame(data, { crc } = {}) {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 4);
	const tail = Buffer.alloc(4);
	tail.writeUInt32BE(crc ?? crc16(data), 0);
	return Buffer.concat([head, data, tail]);
}

/* The IMEI handshake. */
export function hello(imei) {
	const b = Buffer.alloc(2 + imei.length);
	b.writeUInt16BE(imei.length, 0);
	b.write(imei, 2, 'latin1');
	return b;
}

/*
 * An AVL packet of records [{ at (ms), lat, lon, alt, angle, sats, speed (km/h), io: { id: value } }],
 * Codec 8 (codec 8) or 8 Extended (0x8e); every IO value given as [size, value] or a number (1 byte).
 */
export function avl(records, codec = 8) {
	const ext = codec === 0x8e;
	const parts = [Buffer.from([codec, records.length])];
	for (const r of records) {
		const g = Buffer.alloc(8 + 1 + 15);
		g.writeBigUInt64BE(BigInt(r.at), 0);
		g.writeUInt8(r.priority ?? 0, 8);
		g.writeInt32BE(Math.round((r.lon ?? 0) * 1e7), 9);
		g.writeInt32BE(Math.round((r.lat ?? 0) * 1e7), 13);
		g.writeInt16BE(r.alt ?? 0, 17);
		g.writeUInt16BE(r.angle ?? 0, 19);
		g.writeUInt8(r.sats ?? (r.lat === undefined ? 0 : 9), 21);
		g.writeUInt16BE(r.speed ?? 0, 22);
		const groups = { 1: [], 2: [], 4: [], 8: [] };
		for (const [id, v] of Object.entries(r.io || {})) {
			const [size, value] = Array.isArray(v) ? v : [1, v];
			groups[size].push([Number(id), value]);
		}
		const n = Object.values(groups).reduce((a, g2) => a + g2.length, 0);
		const w = ext ? 2 : 1;
		const num = (v) => {
			const b = Buffer.alloc(w);
			if (ext) b.writeUInt16BE(v); else b.writeUInt8(v);
			return b;
		};
		const io = [num(r.event ?? 0), num(n)];
		for (const size of [1, 2, 4, 8]) {
			io.push(num(groups[size].length));
			for (const [id, value] of groups[size]) {
				const b = Buffer.alloc(size);
				if (size === 8) b.writeBigUInt64BE(BigInt(value)); else b.writeUIntBE(value, 0, size);
				io.push(num(id), b);
			}
		}
		if (ext)
			io.push(num(0));
		parts.push(g, ...io);
	}
	parts.push(Buffer.from([records.length]));
	return frame(Buffer.concat(parts));
}

/* A Codec 12 message of type 5 (command) or 6 (response) carrying text. */
export function c12(text, type = 6) {
	const t = Buffer.from(text, 'latin1');
	const d = Buffer.alloc(8 + t.length);
	d.writeUInt8(0x0c, 0);
	d.writeUInt8(1, 1);
	d.writeUInt8(type, 2);
	d.writeUInt32BE(t.length, 3);
	t.copy(d, 7);
	d.writeUInt8(1, 7 + t.length);
	return frame(d);
}

/* The text of a whole Codec 12 message at the start of buf, and its length; null when incomplete. */
export function readC12(buf) {
	if (buf.length < 12)
		return null;
	const len = buf.readUInt32BE(4);
	if (buf.length < 12 + len)
		return null;
	const size = buf.readUInt32BE(11);
	return { type: buf[10], text: buf.subarray(15, 15 + size).toString('latin1'), length: 12 + len };
}

/*
 * A tracker's connection to port: send(bytes), read(n) resolves with the
 * next n bytes received, closed resolves when the daemon closes it (with
 * what it had received and not read).
 */
export function connect(port) {
	return new Promise((res, rej) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = Buffer.alloc(0);
		let waiter = null;
		const t = {
			socket: s,
			ended: false,
			closed: null,
			send(b) { s.write(b); },
			pending() { return buf; },
			read(n, ms = 15000) {
				return new Promise((ok, ko) => {
					const timer = setTimeout(() => { waiter = null; ko(new Error(`no ${n} bytes within ${ms} ms (have ${buf.length})`)); }, ms);
					const check = () => {
						if (buf.length >= n) {
							clearTimeout(timer);
							waiter = null;
							const out = buf.subarray(0, n);
							buf = buf.subarray(n);
							ok(out);
							return true;
						}
						if (t.ended) {
							clearTimeout(timer);
							waiter = null;
							ko(new Error(`closed with ${buf.length} of ${n} bytes`));
							return true;
						}
						return false;
					};
					if (!check())
						waiter = check;
				});
			},
			/* The next Codec 12 message. */
			async command(ms = 15000) {
				const head = await t.read(12, ms);
				const rest = await t.read(head.readUInt32BE(4), ms);
				return readC12(Buffer.concat([head, rest]));
			},
			end() { s.end(); return t.closed; },
		};
		t.closed = new Promise((ok) => s.on('close', () => { t.ended = true; if (waiter) waiter(); ok(buf); }));
		s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (waiter) waiter(); });
		s.on('end', () => { t.ended = true; if (waiter) waiter(); });
		s.once('connect', () => res(t));
		s.once('error', (e) => { if (!t.ended) rej(e); t.ended = true; if (waiter) waiter(); });
	});
}

/*
 * The daemon on srv's store, listening on a free port of 127.0.0.1:
 * { port, log(), waitLog(re), alive(), stop() }. env is added to its environment.
 */
export async function startTeltonika(srv, { env = {}, args = [] } = {}) {
	const port = await freePort();
	const o = { env: { ...srv.env, CVAPI_HOME: srv.home, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true };
	if (srv.user) {
		o.uid = srv.user.uid;
		o.gid = srv.user.gid;
	}
	const child = spawn(join(BUILDDIR, 'dev', 'cvteltonika'), ['--listen', `127.0.0.1:${port}`, ...args], o);
	let log = '';
	const waiters = [];
	const onData = (d) => {
		log += d;
		for (let i = waiters.length - 1; i >= 0; i--)
			if (waiters[i]())
				waiters.splice(i, 1);
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	const exited = new Promise((res) => child.once('exit', (code, sig) => res({ code, sig })));
	const killer = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
	process.on('exit', killer);
	const d = {
		port,
		child,
		exited,
		log: () => log,
		waitLog: (re, ms = 15000) => new Promise((res, rej) => {
			if (re.test(log))
				return res(log);
			const timer = setTimeout(() => rej(new Error(`cvteltonika log: ${re} not seen within ${ms} ms:\n${log}`)), ms);
			waiters.push(() => {
				if (!re.test(log))
					return false;
				clearTimeout(timer);
				res(log);
				return true;
			});
		}),
		alive: () => child.exitCode === null && child.signalCode === null,
		async stop() {
			if (d.alive())
				child.kill('SIGTERM');
			const timer = setTimeout(killer, 10000);
			const end = await exited;
			clearTimeout(timer);
			process.removeListener('exit', killer);
			return end;
		},
	};
	await Promise.race([d.waitLog(/listening on/), exited.then((e) => { throw new Error(`cvteltonika exited (${e.code ?? e.sig}):\n${log}`); })]);
	return d;
}

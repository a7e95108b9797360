// Every route reaches its program. The web server configurations route by
// regular expressions (etc/lighttpd.conf.in, etc/apache2.conf.in) while
// each program declares its routes in its own table (cgi/*.c): this test
// reads every table from the sources, sends each route through the web
// server with a query parameter no route takes, and checks that the 400
// xError came from the program whose table holds the route (its log line
// carries the xError's uuid and the program's name).
//
// It also sends every route once per path id with that id malformed (the
// others well-formed, the caller authenticated): the request layer checks
// each id by the kind its capture names (cgi/req.h) and answers 400 40002
// before any handler runs.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, SRCDIR } from '../lib/server.mjs';

/* String macros of a C source: NAME -> value, with CV_B2C and CV_B2B from req.h. */
function macros(src, known) {
	const m = { ...known };
	for (const line of src.split('\n')) {
		const d = /^#define ([A-Z_0-9]+) ((?:[A-Z_0-9]+|"[^"]*")(?: (?:[A-Z_0-9]+|"[^"]*"))*)\s*$/.exec(line);
		if (d)
			m[d[1]] = concat(d[2], m);
	}
	return m;
}

/* A C string expression (literals and macro names) as its value, or null when a name is unknown. */
function concat(expr, m) {
	let out = '';
	for (const tok of expr.match(/"[^"]*"|[A-Z_0-9]+/g) || []) {
		if (tok.startsWith('"'))
			out += tok.slice(1, -1);
		else if (tok in m && m[tok] !== null)
			out += m[tok];
		else
			return null;
	}
	return out;
}

/* [{ prog, method, pattern }] of every program's route table. */
function routeTables() {
	const req = readFileSync(join(SRCDIR, 'cgi', 'req.h'), 'utf8');
	const base = macros(req, {});
	const routes = [];
	for (const f of readdirSync(join(SRCDIR, 'cgi')).filter((x) => x.endsWith('.c'))) {
		const src = readFileSync(join(SRCDIR, 'cgi', f), 'utf8');
		const prog = /cv_serve\(argc, argv, "(cvapi-[a-z0-9]+)"/.exec(src);
		if (!prog)
			continue;
		const m = macros(src, base);
		for (const r of src.matchAll(/\{ "(GET|POST|PUT|DELETE|PATCH)", ((?:[A-Z_0-9]+ )*"[^"]*")/g)) {
			const pattern = concat(r[2], m);
			assert.ok(pattern, `${f}: cannot read the pattern ${r[2]}`);
			routes.push({ prog: prog[1], method: r[1], pattern });
		}
	}
	return routes;
}

apiSuite('routes', (srv, it) => {
	it('every route of every program reaches that program through the web server', async () => {
		const routes = routeTables();
		assert.ok(routes.length >= 50, `${routes.length} routes read`);
		const progs = new Set(routes.map((r) => r.prog));
		assert.ok(progs.size >= 7, [...progs].join(' '));
		const wrong = [];
		const answered = [];
		for (const r of routes) {
			// a tracking device's routes take any parameter (the OsmAnd protocol's, core/osmand.h): one
			// without the device id is their 400; "/" is theirs on the OsmAnd port alone (osmand.mjs)
			if (r.pattern === '/')
				continue;
			const says = r.pattern === '/osmand' ? /^id: is required/ : /unknown query parameter "zzunknown"/;
			const path = r.pattern.replace(/\{vin\}/g, 'VF3AAAAAAAAAAAAAA').replace(/\{[a-z]+\}/g, 'x1');
			const res = await srv.request(r.method, `${path}?zzunknown=1`);
			const body = res.body && typeof res.body === 'object' ? res.body : {};
			if (res.status !== 400 || typeof body.uuid !== 'string' || !says.test(body.message || ''))
				wrong.push(`${r.method} ${path}: ${res.status} ${res.text.slice(0, 80)}`);
			else
				answered.push({ ...r, path, uuid: body.uuid });
		}
		// the programs' log lines reach the test through a pipe: wait for them
		const t0 = Date.now();
		const logged = () => answered.every((a) => srv.ws.logs().includes(a.uuid));
		while (!logged() && Date.now() - t0 < 10000)
			await new Promise((res) => setTimeout(res, 50));
		const lines = srv.ws.logs().split('\n');
		for (const a of answered) {
			const line = lines.find((l) => l.includes(a.uuid));
			const who = line && /^cvapi\[([a-z0-9-]+)\]/.exec(line);
			if (!who || who[1] !== a.prog)
				wrong.push(`${a.method} ${a.path}: answered by ${who ? who[1] : '?'}, declared by ${a.prog}`);
		}
		assert.deepEqual(wrong, [], `${wrong.length} of ${routes.length} routes do not reach their program`);
	});

	/* A well-formed id of each kind (cgi/req.h); {fid} is the demo's fleet, checked by authentication. */
	const GOOD = {
		id: '0123456789abcdef0123456789abcdef', vid: '0123456789abcdef0123456789abcdef', vin: 'VF3AAAAAAAAAAAAAA',
		fid: 'demo-fleet', cbid: 'a'.repeat(32), mid: 'b'.repeat(32), rid: 'c'.repeat(32), did: '0'.repeat(32),
		tid: '0'.repeat(48), chid: '0'.repeat(48), cid: '0'.repeat(50), alarmid: '0'.repeat(50), aid: '0'.repeat(52), sid: '0'.repeat(52),
	};
	const SAYS = { id: /32 hexadecimal characters/, vid: /32 hexadecimal characters/, vin: /a VIN is 17 characters/ };

	it('every path id of every route is checked by the layer: malformed, a 400 (40002) naming its kind', async () => {
		const tok = await srv.token('demo');
		const car = srv.vehicles[0];
		const fleet = { authorization: `Basic ${Buffer.from('fleet:fleet').toString('base64')}` };
		const wrong = [];
		let asked = 0;
		for (const r of routeTables()) {
			const names = [...r.pattern.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]);
			for (const name of names.filter((n) => n !== 'fid')) {
				assert.ok(GOOD[name], `${r.pattern}: {${name}} is a kind of path id this test knows`);
				for (const bad of ['x1', GOOD[name].slice(1)]) {
					const path = r.pattern.replace(/\{([a-z]+)\}/g, (m, n) => (n === name ? bad : n === 'vin' ? car.vin : GOOD[n]));
					const b2b = path.startsWith('/connectedcar/v3');
					const opts = path.startsWith('/telematics') ? { token: car.cred } : b2b ? { headers: fleet } : { token: tok };
					const res = await srv.request(r.method, b2b ? `${path}?client_id=console` : path, opts);
					const says = SAYS[name] || /^malformed [a-z ]+ id: \d+ lowercase hex digits$/;
					asked++;
					if (res.status !== 400 || res.body?.code !== 40002 || !says.test(res.body?.message || ''))
						wrong.push(`${r.method} ${path}: ${res.status} ${res.text.slice(0, 120)}`);
				}
			}
		}
		assert.ok(asked >= 100, `${asked} requests`);
		assert.deepEqual(wrong, [], `${wrong.length} of ${asked} malformed ids were not refused by the layer`);
	});
});

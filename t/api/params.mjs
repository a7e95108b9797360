// Every query parameter the official documents declare for a GET we serve
// is accepted with its spec values, on both faces: the test walks the
// operations of b2c-v4.17.2.yaml and b2b-v3.19.2.yaml (from
// $CVAPI_SPEC_DIR), asks each one once without parameters (its baseline:
// 200 for a collection, 200 or 404 for an item of another collection),
// then once per declared parameter and value, and expects the baseline's
// status each time, never a 400.
//
// Each parameter is also sent once with a wrong value (an unknown enum
// value, pageSize 0, a malformed range, time, token...), which must be a 400
// whose message names it.
//
// Values: each value of an enum (and all of them at once for a list),
// pageSize 1 and the spec's maximum, indexRange 0-, a pageToken from the
// collection's own next link, timestamps, distance and duration ranges, a
// tolerance, a locale, a vinPrefix. Ids are real: two days of simulated
// history, a collision, an alarm and a theft uploaded, a callback, a
// monitor and a remote action of each face.
//
// Skipped, saying so, without CVAPI_SPEC_DIR.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite, B2C } from '../lib/server.mjs';
import { SPEC_DIR, tool } from '../lib/schema.mjs';
import { cvsimOnce, historyArgs, vehiclesFile } from '../lib/sim.mjs';
import { now } from '../lib/clock.mjs';

const B2B = '/connectedcar/v3';
const FLEET = 'demo-fleet';
const basic = `Basic ${Buffer.from('fleet:fleet').toString('base64')}`;
const skip = SPEC_DIR ? false : 'the spec walk skipped: CVAPI_SPEC_DIR is not set';

/* The GET operations of a document: [{ path, params: [{ name, schema }] }], references followed. */
function operations(doc) {
	const res = (x) => {
		while (x && typeof x === 'object' && x.$ref) {
			let y = doc;
			for (const k of x.$ref.replace(/^#\//, '').split('/'))
				y = y[k];
			x = y;
		}
		return x;
	};
	const out = [];
	for (const [path, item0] of Object.entries(doc.paths)) {
		const item = res(item0);
		if (!item.get)
			continue;
		const params = [...(item.parameters || []), ...(item.get.parameters || [])].map(res)
			.filter((p) => p.in === 'query')
			.map((p) => {
				const schema = res(p.schema || {});
				return { name: p.name, schema: schema.type === 'array' ? { ...schema, items: res(schema.items || {}) } : schema };
			});
		out.push({ path, params });
	}
	return out;
}

/* The values to send for a parameter: a list of query strings (without the ?). */
function values(p, pageToken) {
	const q = (v) => `${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`;
	const s = p.schema;
	const en = s.type === 'array' ? s.items.enum : s.enum;
	if (en) {
		const one = en.map((v) => q(String(v)));
		// a list: all of its values at once (as many as it may hold), as repeated parameters
		if (s.type === 'array')
			one.push(en.slice(0, s.maxItems || en.length).map((v) => q(String(v))).join('&'));
		return one;
	}
	switch (p.name) {
	case 'pageSize': return [q(1), q(s.maximum || 60)];
	case 'indexRange': return [q('0-'), q('0-1')];
	case 'pageToken': return pageToken ? [q(pageToken)] : [];
	case 'timestamps': return [q('2020-01-01T00:00:00Z/'), `${q('2020-01-01T00:00:00Z/2021-01-01T00:00:00Z')}&${q('/2030-01-01T00:00:00Z')}`];
	case 'distance': case 'duration': return [q('0-'), q('1-1000')];
	case 'tolerance': return [q('0.01')];
	case 'locale': return [q('fr-FR'), q('en')];
	case 'vinPrefix': return [q('VR3')];
	default: throw new Error(`no value known for the parameter ${p.name}`);
	}
}

/* A wrong value for a parameter, which must be refused with a 400 naming it (null: none to send). */
function wrong(p) {
	const s = p.schema;
	if (s.type === 'array' ? s.items.enum : s.enum)
		return 'no-such-value';
	return { pageSize: '0', indexRange: 'x-1', pageToken: 'not-a-token', timestamps: 'yesterday', distance: 'far',
		duration: 'long', tolerance: '-1', locale: 'x'.repeat(64), vinPrefix: 'x'.repeat(40) }[p.name] ?? null;
}

apiSuite('params', (srv, it) => {
	let tok;
	const ids = {};

	const request = (path, face) => srv.request('GET', path, face === 'b2b'
		? { headers: { authorization: basic } } : { token: tok });
	const withClient = (path, face) => (face === 'b2b' ? `${path}${path.includes('?') ? '&' : '?'}client_id=console` : path);

	it('set-up: history, events, callbacks, monitors and remote actions of both faces', { skip, timeout: 240000 }, async () => {
		const r = await cvsimOnce(srv, ['--vehicles', vehiclesFile(srv), '--seed', '3', ...historyArgs(2), '--quiet']);
		assert.equal(r.code, 0, r.stderr);
		tok = await srv.token('demo');
		const car = srv.vehicles.find((v) => v.energy === 'petrol');
		const at = (m) => new Date(now() - 3600000 + m * 60000).toISOString();
		const up = await srv.upload(car.vin, car.cred, {
			messageId: 'params-events',
			samples: [
				{ at: at(0), speed: 10, position: { lat: 48.85, lon: 2.35 },
					events: [{ type: 'collision', details: [{ side: 'Front' }] }, { type: 'alarm', activation: 'Active' }, { type: 'theft', active: true }] },
				{ at: at(1), speed: 20, position: { lat: 48.86, lon: 2.36 } },
				{ at: at(2), position: { lat: 48.87, lon: 2.37 }, events: [{ type: 'theft', active: false }] },
			],
		});
		assert.equal(up.status, 200, up.text);
		ids.vid = car.id;
		ids.id = car.id;
		ids.vin = car.vin;
		ids.fid = FLEET;
		const first = async (path, face = 'b2c') => {
			const g = await request(withClient(path, face), face);
			assert.equal(g.status, 200, `${path}: ${g.text}`);
			const e = g.body._embedded || {};
			const list = Object.values(e).find(Array.isArray) || [];
			assert.ok(list.length, `${path} lists something`);
			return list[0];
		};
		const V = `${B2C}/user/vehicles/${car.id}`;
		ids.tid = (await first(`${V}/trips`)).id;
		ids.aid = (await first(`${V}/alerts`)).id;
		ids.cid = (await first(`${V}/collisions`)).id;
		const alarm = await first(`${V}/alarms`);
		ids.alarm = alarm.id;
		ids.sid = (await first(`${B2B}/fleets/${FLEET}/vehicles/${car.id}/stolen`, 'b2b')).id;
		// a callback, a monitor and a remote action per face
		const post = (path, body, face = 'b2c') => srv.request('POST', withClient(path, face),
			face === 'b2b' ? { headers: { authorization: basic }, body } : { token: tok, body });
		const cb = await post(`${B2C}/user/callbacks`, { callback: { webhook: { name: 'p', target: 'https://example.com/p' } } });
		assert.equal(cb.status, 200, cb.text);
		ids.cbid = cb.body.callbackId;
		const mon = await post(`${V}/callbacks/${ids.cbid}/monitors`, { label: 'p', triggerParam: { boolExp: 'z',
			triggers: [{ name: 'z', zone: { transition: 'Out', place: { radius: 1, center: { latitude: 48.8, longitude: 2.3 } } } }] } });
		assert.equal(mon.status, 202, mon.text);
		ids.mid = mon.body.monitorId;
		const rem = await post(`${V}/callbacks/${ids.cbid}/remotes`, { horn: { state: 'Activated' } });
		assert.equal(rem.status, 202, rem.text);
		ids.rid = rem.body.remoteActionId;
		const fcb = await post(`${B2B}/fleets/${FLEET}/remote/callbacks`, { remoteTypes: ['Horn'], callback: { webhook: { name: 'p', target: 'https://example.com/p' } } }, 'b2b');
		assert.equal(fcb.status, 200, fcb.text);
		ids.fcbid = fcb.body.callbackId;
		const fmon = await post(`${B2B}/fleets/${FLEET}/monitors`, { label: 'p', subscribeParam: { callback: { webhook: { name: 'p', target: 'https://example.com/p' } } },
			triggerParam: { boolExp: 'z', triggers: [{ name: 'z', zone: { transition: 'Out', place: { radius: 1, center: { latitude: 48.8, longitude: 2.3 } } } }] } }, 'b2b');
		assert.equal(fmon.status, 202, fmon.text);
		ids.fmid = fmon.body.monitorId;
		const frem = await post(`${B2B}/fleets/${FLEET}/vehicles/${car.id}/callbacks/${ids.fcbid}/remotes`, { horn: { state: 'Activated' } }, 'b2b');
		assert.equal(frem.status, 202, frem.text);
		ids.frid = frem.body.remoteActionId;
	});

	/* The real path of a spec path: its captures filled in. */
	function realPath(face, path) {
		const alarms = /\/alarms\/\{aid\}$/.test(path);
		const b2b = face === 'b2b';
		const fill = {
			'{id}': ids.id, '{vid}': ids.vid, '{vin}': ids.vin, '{fid}': ids.fid, '{tid}': ids.tid,
			'{aid}': alarms ? ids.alarm : ids.aid, '{cid}': ids.cid, '{sid}': ids.sid,
			'{mid}': b2b ? ids.fmid : ids.mid, '{cbid}': b2b ? ids.fcbid : ids.cbid, '{rid}': b2b ? ids.frid : ids.rid,
		};
		return (b2b ? B2B : B2C) + path.replace(/\{[a-z]+\}/g, (m) => {
			assert.ok(fill[m], `no id for ${m} in ${path}`);
			return fill[m];
		});
	}

	for (const [face, file] of [['b2c', 'b2c-v4.17.2.yaml'], ['b2b', 'b2b-v3.19.2.yaml']]) {
		it(`${face}: every declared query parameter of every GET, with its spec values, is accepted`, { skip, timeout: 300000 }, async () => {
			const YAML = await tool('yaml');
			const doc = YAML.parse(readFileSync(join(SPEC_DIR, file), 'utf8'));
			const refused = [];
			let asked = 0, ops = 0;
			for (const op of operations(doc)) {
				const path = realPath(face, op.path);
				const base = await request(withClient(path, face), face);
				assert.ok(base.status === 200 || (base.status === 404 && /\{[a-z]+\}$/.test(op.path)),
					`${op.path}: served (${base.status} ${base.text.slice(0, 200)})`);
				ops++;
				// a collection's own next link holds a pageToken for it
				let pageToken = null;
				if (op.params.some((p) => p.name === 'pageToken')) {
					const one = await request(withClient(`${path}?pageSize=1`, face), face);
					const next = one.body?._links?.next?.href;
					pageToken = next ? new URL(next).searchParams.get('pageToken') : null;
				}
				for (const p of op.params) {
					const bad = wrong(p);
					if (bad !== null) {
						const r = await request(withClient(`${path}?${p.name}=${encodeURIComponent(bad)}`, face), face);
						asked++;
						if (r.status !== 400 || !String(r.body?.message).includes(p.name))
							refused.push(`${op.path}?${p.name}=${bad}: ${r.status} ${r.body?.message || r.text.slice(0, 120)} (a 400 naming ${p.name} was expected)`);
					}
					for (const v of values(p, pageToken)) {
						const r = await request(withClient(`${path}?${v}`, face), face);
						asked++;
						if (r.status !== base.status)
							refused.push(`${op.path}?${decodeURIComponent(v)}: ${r.status} ${r.body?.message || r.text.slice(0, 120)}`);
					}
				}
			}
			assert.ok(ops > 15 && asked > ops, `${ops} operations, ${asked} requests`);
			assert.deepEqual(refused, [], `${refused.length} of ${asked} requests were not answered as without the parameter`);
		});
	}
});

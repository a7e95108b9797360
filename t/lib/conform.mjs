// conform.mjs - the act side's answers against the official documents, as
// a validating proxy in front of the server would check them.
//
// The act side is what cvapi-callbacks serves on both faces: callbacks,
// monitors, remote actions, and the delivery log. Server.request() hands
// every answer it gets to answerProblems(); apiSuite() fails the test that
// got an answer with problems (see server.mjs). An answer is checked
// against what the document declares for its operation (path template,
// method, status): the schema of that status's content, its media type,
// xError for a 4xx or 5xx, no body for a 204. What cvapi serves beyond the
// documents (the delivery log, a new secret) is checked against
// EXTENSIONS below, written from doc/api.md.
//
// DEVIATIONS lists what cvapi answers on purpose unlike the documents
// (their defects, or an extension member), each with the reason doc/api.md
// gives; keep it short.
import { specDocument, schemaProblemsAt, ownSchemaProblems } from './schema.mjs';

const FACES = [['/connectedcar/v4', 'b2c'], ['/connectedcar/v3', 'b2b']];
const ACT = /\/(callbacks|monitors|remotes)(\/|$)/;

const link = { type: 'object', required: ['href'], properties: { href: { type: 'string', format: 'uri' } }, additionalProperties: false };
const links = (...names) => ({ type: 'object', properties: Object.fromEntries(names.map((n) => [n, link])), additionalProperties: false });

/* The delivery log (doc/api.md, "The delivery log"): one entry per attempt, paged as the collections are. */
const deliveryLog = {
	type: 'object',
	required: ['_embedded', '_links', 'total'],
	additionalProperties: false,
	properties: {
		_embedded: {
			type: 'object', required: ['deliveries'], additionalProperties: false,
			properties: {
				deliveries: {
					type: 'array',
					items: {
						type: 'object',
						required: ['id', 'at', 'outcome', 'attempt', 'events'],
						// every message has its id; a Dropped event too large to send never became one
						if: { properties: { outcome: { const: 'Dropped' } } }, else: { required: ['webhookId'] },
						additionalProperties: false,
						properties: {
							id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
							webhookId: { type: 'string', pattern: '^msg_[0-9a-f]{32}$' },
							at: { type: 'string', format: 'date-time' },
							outcome: { enum: ['Delivered', 'Failed', 'GivenUp', 'Dropped'] },
							attempt: { type: 'integer', minimum: 0 },          // 0: Dropped, never tried
							status: { type: 'integer', minimum: 100, maximum: 599 },
							latencyMs: { type: 'integer', minimum: 0 },
							error: { type: 'string', minLength: 1 },
							events: { type: 'integer', minimum: 1 },
							_links: links('redeliver'),
						},
					},
				},
			},
		},
		_links: links('self', 'first', 'prev', 'next', 'last'),
		total: { type: 'integer', minimum: 0 },
		totalPage: { type: 'integer', minimum: 0 },
		currentPage: { type: 'integer', minimum: 1 },
	},
};

/*
 * cvapi's own act-side routes (path templates after the face's prefix):
 * the answer of each status, a JSON schema of the tests' own or a schema
 * of the face's document with members added.
 */
const EXTENSIONS = [
	{ method: 'GET', path: /^(\/user|\/fleets\/[^/]+\/remote)\/callbacks\/[^/]+\/deliveries$/, status: 200, own: deliveryLog },
	{ method: 'GET', path: /^\/fleets\/[^/]+\/monitors\/[^/]+\/deliveries$/, status: 200, own: deliveryLog },
	{ method: 'POST', path: /\/deliveries\/[^/]+\/redeliver$/, status: 202,
		own: { type: 'object', required: ['queued'], additionalProperties: false, properties: { queued: { type: 'integer', minimum: 1 } } } },
	{ method: 'POST', path: /^(\/user|\/fleets\/[^/]+\/remote)\/callbacks\/[^/]+\/secret$/, status: 200,
		schema: 'CallbackRef', extra: ['signingSecret'] },
];

/*
 * Documented differences from the documents: for answers to `op` (METHOD
 * and the document's path template), problems matching `re`.
 */
export const DEVIATIONS = [
	{ op: /^POST (\/user\/callbacks|\/fleets\/\{fid\}\/remote\/callbacks|\/fleets\/\{fid\}\/monitors)$/, re: /^\.signingSecret: member not declared/,
		why: 'the POST that makes a callback, or a fleet monitor and its webhook, answers its signing secret once (doc/api.md, Signing)' },
	{ op: /\/monitors/, re: /\/triggers\/\d+\/name must match pattern/,
		why: 'the trigger name pattern holds literal quotes: names are plain identifiers (spec/README)' },
	{ op: /\/monitors/, re: /\/extendedEventParam\/\d+ must be equal to one of/, value: /^vehicle\.telemetry\.[A-Za-z.]+$/,
		why: 'the extendedEventParam enum leaves out the vehicle.telemetry.<TelemetryEnum> its text describes' },
	{ op: /\/monitors/, re: /\/triggers\/\d+\/time\/timeZone must match pattern/,
		why: 'timeZone takes any IANA name the server\'s tzdata has (doc/api.md), UTC too; the pattern wants a slash' },
	{ op: /^GET \/user\/callbacks/, re: /\.callback\.poll: member not declared/,
		why: 'a poll callback, beyond the official API (doc/api.md, Callbacks)' },
];

/* The value at an Ajv instance path (/a/0/b) of body. */
function at(body, path) {
	let v = body;
	for (const part of path.split('/').slice(1))
		v = v?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
	return v;
}

/* A problem cvapi answers on purpose (see DEVIATIONS). */
function deviation(op, body, problem) {
	return DEVIATIONS.some((d) => d.op.test(op) && d.re.test(problem) && (!d.value || d.value.test(String(at(body, problem.split(' ')[0])))));
}

const templates = new Map();

/* The document's path template matching path (after the face's prefix), or null. */
function template(doc, face, path) {
	if (!templates.has(face))
		templates.set(face, Object.keys(doc.paths).map((t) => [t, new RegExp('^' + t.trim().replace(/\{[^}]+\}/g, '[^/]+') + '$')]));
	const hit = templates.get(face).find(([, re]) => re.test(path));
	return hit ? hit[0] : null;
}

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/* {ptr, types} of the content the document declares for an operation's status; ptr null: no content. */
function declared(doc, tpl, method, status) {
	const op = doc.paths[tpl]?.[method.toLowerCase()];
	if (!op)
		return { problem: `the document has no ${method} ${tpl}` };
	const key = Object.keys(op.responses || {}).find((k) => String(k) === String(status));
	if (key === undefined)
		return { problem: `${method} ${tpl}: the document declares no ${status} answer (${Object.keys(op.responses || {}).join(', ')})` };
	let ptr = `#/paths/${esc(tpl)}/${method.toLowerCase()}/responses/${key}`;
	let resp = op.responses[key];
	if (typeof resp.$ref === 'string') {
		ptr = resp.$ref;
		resp = ptr.replace(/^#\//, '').split('/').reduce((n, p) => n?.[p], doc);
	}
	const content = resp?.content;
	if (!content)
		return { ptr: null, types: [] };
	const mt = Object.keys(content)[0];
	return { ptr: `${ptr}/content/${esc(mt)}/schema`, types: Object.keys(content).map((t) => t.trim()) };
}

/*
 * Problems of an answer res ({status, ctype, text, body}) to METHOD url;
 * null when it is not an act-side answer (or validation is skipped).
 */
export async function answerProblems(method, url, res) {
	const u = new URL(url, 'http://x');
	const face = FACES.find(([prefix]) => u.pathname.startsWith(prefix + '/'));
	if (!face || !ACT.test(u.pathname) || res.status === 304 || res.status === 0)
		return null;
	const [prefix, name] = face;
	const doc = await specDocument(name);
	if (!doc)
		return null;
	const path = u.pathname.slice(prefix.length);
	const what = `${method} ${u.pathname} -> ${res.status}`;
	const problems = [];
	if (res.status >= 400) {
		// a gateway error page of the web server's own, while it starts a backend again after a kill
		if (res.status >= 502 && res.status <= 504 && res.ctype !== 'application/json')
			return [];
		if (res.ctype !== 'application/json' || !res.body)
			problems.push(`an error is an application/json xError, not ${res.ctype || 'no body'}`);
		else
			problems.push(...await schemaProblemsAt(res.body, name, '#/components/schemas/xError', { extra: ['uuid', 'timestamp'] }));
		return problems.map((p) => `${what}: ${p}`);
	}
	const ext = EXTENSIONS.find((e) => e.method === method && e.path.test(path));
	const tpl = ext ? null : template(doc, name, path);
	const op = `${method} ${tpl || path}`;
	if (ext) {
		if (res.status !== ext.status)
			problems.push(`cvapi answers ${ext.status} here (doc/api.md)`);
		else if (ext.own)
			problems.push(...await ownSchemaProblems(res.body, ext.own));
		else
			problems.push(...await schemaProblemsAt(res.body, name, `#/components/schemas/${ext.schema}`, { extra: ext.extra }));
	} else if (!tpl) {
		problems.push('no operation of the document has this path');
	} else {
		const d = declared(doc, tpl, method, res.status);
		if (d.problem) {
			problems.push(d.problem);
		} else if (!d.ptr) {
			if (res.text.length)
				problems.push(`the document declares no body, and ${res.text.length} bytes came`);
		} else {
			if (!d.types.includes(res.ctype))
				problems.push(`media type ${res.ctype}, the document says ${d.types.join(' or ')}`);
			if (res.body === null || res.body === undefined)
				problems.push('no JSON body');
			else
				problems.push(...(await schemaProblemsAt(res.body, name, d.ptr)).filter((p) => !deviation(op, res.body, p)));
		}
	}
	return problems.map((p) => `${what}: ${p}`);
}

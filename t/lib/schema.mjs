// schema.mjs - check response bodies against the official OpenAPI documents.
//
// The documents live outside the repository, in $CVAPI_SPEC_DIR (see
// shared/spec/README.md); they are read at run time and adapted in memory
// only. Without CVAPI_SPEC_DIR every check here is a no-op and
// `schemaSkip` holds the reason, which suites report as a skipped test
// (never silently).
//
// Two checks per body:
//   1. Ajv validation against #/components/schemas/<Name> (types, enums,
//      required members, date-time formats);
//   2. unknown members: OpenAPI schemas allow additional properties, so a
//      misspelt member ("mileage" for "milage") passes 1. Every member we
//      send must be declared somewhere in the schema (followed through
//      $ref, allOf/anyOf/oneOf, properties and items).
//
// Adaptations of the originals (the known defects of spec/README.md):
//   - `#components/...` references get their missing `/`;
//   - OpenAPI 3.0 `nullable: true` becomes a "null" type;
//   - boolean exclusiveMinimum/exclusiveMaximum (draft 4) become numbers;
//   - format `dateTime` means `date-time`; OpenAPI's numeric and other
//     formats (float, double, int32, int64, byte, ...) are annotations.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';

export const SPEC_DIR = process.env.CVAPI_SPEC_DIR || '';
export const DOCS = {
	b2c: 'b2c-v4.17.2.yaml',
	b2b: 'b2b-v3.19.2.yaml',
	'webhook-b2c': 'webhook-b2c-v4.16.0.yaml',
	'webhook-b2b': 'webhook-b2b-v3.18.0.yaml',
};

export const schemaSkip = SPEC_DIR ? null : 'schema validation skipped: CVAPI_SPEC_DIR is not set';
/* cvapi's OpenAPI description of its extensions (doc/cvapi-extensions.yaml): document "ext". */
export const EXT_DOC = fileURLToPath(new URL('../../doc/cvapi-extensions.yaml', import.meta.url));

/* Formats Ajv should treat as annotations (OpenAPI 3.0 data type formats and friends). */
const ANNOTATION_FORMATS = ['float', 'double', 'int32', 'int64', 'byte', 'binary', 'password', 'decimal'];

let ajv = null;
const docs = {};

/* Walk a parsed document and fix it in place; returns the set of formats seen. */
function adapt(node, formats) {
	if (Array.isArray(node)) {
		node.forEach((n) => adapt(n, formats));
		return;
	}
	if (!node || typeof node !== 'object')
		return;
	if (typeof node.$ref === 'string' && node.$ref.startsWith('#') && !node.$ref.startsWith('#/'))
		node.$ref = '#/' + node.$ref.slice(1);
	if (node.nullable === true) {
		if (typeof node.type === 'string')
			node.type = [node.type, 'null'];
		else if (Array.isArray(node.enum) && !node.enum.includes(null))
			node.enum = [...node.enum, null];
		delete node.nullable;
	} else if (node.nullable === false) {
		delete node.nullable;
	}
	for (const [kx, km] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
		if (typeof node[kx] === 'boolean') {
			if (node[kx] && typeof node[km] === 'number') {
				node[kx] = node[km];
				delete node[km];
			} else {
				delete node[kx];
			}
		}
	}
	if (typeof node.format === 'string') {
		if (node.format === 'dateTime')
			node.format = 'date-time';
		formats.add(node.format);
	}
	for (const v of Object.values(node))
		adapt(v, formats);
}

/*
 * An npm test tool: from t/node_modules beside this file, else from
 * $CV_NODE_MODULES (a node_modules folder elsewhere, e.g. the source tree's
 * when the tests run from a release tarball: `make distcheck` passes it;
 * ES modules ignore NODE_PATH).
 */
export async function tool(name) {
	try {
		return (await import(name)).default;
	} catch (e) {
		const dir = process.env.CV_NODE_MODULES;
		if (!dir || !existsSync(join(dir, name)))
			throw e;
		const path = createRequire(join(dir, '..', 'cvapi-resolve.js')).resolve(name);
		return (await import(pathToFileURL(path).href)).default;
	}
}

async function load() {
	if (ajv || !SPEC_DIR)
		return;
	let Ajv, addFormats, YAML;
	try {
		Ajv = await tool('ajv');
		addFormats = await tool('ajv-formats');
		YAML = await tool('yaml');
	} catch (e) {
		throw new Error(`the npm test tools are missing (run ./bootstrap, or cd t && npm install, or set CV_NODE_MODULES): ${e.message}`);
	}
	ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
	addFormats(ajv);
	const formats = new Set();
	for (const [name, file] of Object.entries(DOCS)) {
		const path = join(SPEC_DIR, file);
		if (!existsSync(path))
			continue;
		const doc = YAML.parse(readFileSync(path, 'utf8'), { version: '1.2', uniqueKeys: false, maxAliasCount: -1 });
		adapt(doc, formats);
		docs[name] = doc;
		ajv.addSchema(doc, name);
	}
	if (!docs.b2c)
		throw new Error(`CVAPI_SPEC_DIR=${SPEC_DIR} has no ${DOCS.b2c}`);
	// cvapi's own description of its extensions (document "ext"), from the source tree
	const ext = YAML.parse(readFileSync(EXT_DOC, 'utf8'), { version: '1.2', uniqueKeys: false });
	adapt(ext, formats);
	docs.ext = ext;
	ajv.addSchema(ext, 'ext');
	for (const f of ANNOTATION_FORMATS)
		if (!ajv.formats[f])
			ajv.addFormat(f, true);
	for (const f of formats)
		if (!ajv.formats[f])
			ajv.addFormat(f, true);
}

/* ---- the unknown-member walk ---------------------------------------------- */

function pointer(doc, ref) {
	let node = doc;
	for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
		const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
		node = node?.[key];
	}
	if (node === undefined)
		throw new Error(`unresolved reference ${ref}`);
	return node;
}

/* The plain schemas s stands for: $ref resolved, allOf/anyOf/oneOf flattened. */
function leaves(doc, s, out = [], depth = 0) {
	if (!s || typeof s !== 'object' || depth > 64)
		return out;
	if (typeof s.$ref === 'string') {
		leaves(doc, pointer(doc, s.$ref), out, depth + 1);
	}
	for (const k of ['allOf', 'anyOf', 'oneOf'])
		if (Array.isArray(s[k]))
			for (const sub of s[k])
				leaves(doc, sub, out, depth + 1);
	out.push(s);
	return out;
}

function unknownMembers(doc, value, schemas, path, problems) {
	const ls = schemas.flatMap((s) => leaves(doc, s));
	if (Array.isArray(value)) {
		const items = ls.map((l) => l.items).filter((i) => i && typeof i === 'object');
		if (items.length)
			value.forEach((v, i) => unknownMembers(doc, v, items, `${path}[${i}]`, problems));
		return;
	}
	if (!value || typeof value !== 'object')
		return;
	const withProps = ls.filter((l) => l.properties && typeof l.properties === 'object');
	const addl = ls.map((l) => l.additionalProperties).filter((a) => a !== undefined && a !== false);
	if (!withProps.length && !addl.length)
		return; // a free-form object: nothing to compare with
	const open = addl.some((a) => a === true || (typeof a === 'object' && !Object.keys(a).length));
	// a member a schema requires is declared by it, even without a "properties" entry
	// (IgnitionBase requires createdAt and lists only type)
	const required = new Set(ls.flatMap((l) => (Array.isArray(l.required) ? l.required : [])));
	for (const [k, v] of Object.entries(value)) {
		const subs = withProps.map((l) => l.properties[k]).filter(Boolean);
		if (!subs.length && required.has(k))
			continue;
		if (subs.length) {
			unknownMembers(doc, v, subs, `${path}.${k}`, problems);
		} else if (addl.some((a) => typeof a === 'object')) {
			unknownMembers(doc, v, addl.filter((a) => typeof a === 'object'), `${path}.${k}`, problems);
		} else if (!open) {
			problems.push({ path: `${path}.${k}`, top: path === '' ? k : null });
		}
	}
}

/*
 * Members cvapi sends on purpose beyond the schemas, each with where it is
 * decided (a walk path suffix). Keep this list short: every entry is a
 * deviation a client written against the spec will not expect.
 */
export const DOCUMENTED_EXTENSIONS = [
	// shared/docs/API.md: lastPosition "properties (heading, signal quality, updatedAt...)";
	// the Position schema lists createdAt only.
	{ re: /\.properties\.updatedAt$/, why: 'GeoJSON position properties carry updatedAt (API.md)' },
];

/* ---- public --------------------------------------------------------------- */

/*
 * Problems of body against schema `name` of document `doc` (b2c...), as
 * strings; [] when fine or when validation is skipped. opts.extra lists
 * members allowed at the top level beyond the schema (e.g. xError's uuid);
 * opts.ignore lists RegExps of problems to leave out (a known issue that a
 * test of its own reports, so that it fails one test, not all of them).
 */
export async function schemaProblems(body, name, { doc = 'b2c', extra = [], ignore = [] } = {}) {
	return schemaProblemsAt(body, doc, `#/components/schemas/${name}`, { extra, ignore });
}

/*
 * The same against any schema of a document, named by a JSON pointer
 * (`#/components/schemas/X`, or an operation's inline response schema).
 */
export async function schemaProblemsAt(body, doc, ptr, { extra = [], ignore = [] } = {}) {
	if (!SPEC_DIR)
		return [];
	await load();
	if (!docs[doc])
		throw new Error(`no document ${doc} in ${SPEC_DIR}`);
	const ref = `${doc}${ptr}`;
	const validate = ajv.getSchema(ref);
	if (!validate)
		throw new Error(`no schema ${ref}`);
	const problems = [];
	if (!validate(body))
		for (const e of validate.errors)
			problems.push(`${e.instancePath || '(root)'} ${e.message}${e.params && e.params.allowedValues ? ' ' + JSON.stringify(e.params.allowedValues) : ''}`);
	const walked = [];
	unknownMembers(docs[doc], body, [pointer(docs[doc], ptr)], '', walked);
	for (const p of walked)
		if (!(p.top !== null && extra.includes(p.top)) && !DOCUMENTED_EXTENSIONS.some((x) => x.re.test(p.path)))
			problems.push(`${p.path}: member not declared in the schema`);
	return problems.filter((p) => !ignore.some((re) => re.test(p)));
}

/* The parsed (adapted) document `name` (b2c, b2b, webhook-b2c, webhook-b2b, ext); null when validation is skipped. */
export async function specDocument(name) {
	if (!SPEC_DIR)
		return null;
	await load();
	return docs[name] || null;
}

const compiled = new WeakMap();

/* Problems of body against a JSON schema of the tests' own (a cvapi extension the documents do not describe). */
export async function ownSchemaProblems(body, schema) {
	if (!SPEC_DIR)
		return [];
	await load();
	if (!compiled.has(schema))
		compiled.set(schema, ajv.compile(schema));
	const validate = compiled.get(schema);
	return validate(body) ? [] : validate.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
}

/* Assert body matches schema `name` (see schemaProblems). */
export async function assertSchema(body, name, opts = {}) {
	const problems = await schemaProblems(body, name, opts);
	assert.deepEqual(problems, [], `body does not match ${opts.doc || 'b2c'} schema ${name}:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/* true if s is an RFC 3339 date-time that parses. */
export function isRfc3339(s) {
	return typeof s === 'string' && RFC3339.test(s) && !Number.isNaN(Date.parse(s));
}

/*
 * Assert res (from Server.request) is an xError with this HTTP status:
 * application/json, code = status * 100 + two digits (cause, if given, is
 * the exact code), a uuid, an RFC 3339 timestamp and a message matching
 * `message` (RegExp) when given. extra: members allowed beyond those
 * (the token endpoint adds RFC 6749's error and error_description).
 */
export async function assertXError(res, status, { message, code, extra = [] } = {}) {
	const what = `${res.status} ${res.text.slice(0, 400)}`;
	assert.equal(res.status, status, `HTTP status: ${what}`);
	assert.equal(res.ctype, 'application/json', `content type of an error: ${what}`);
	const b = res.body;
	assert.ok(b && typeof b === 'object' && !Array.isArray(b), `error body must be a JSON object: ${what}`);
	const allowed = ['code', 'uuid', 'message', 'timestamp', ...extra];
	for (const k of Object.keys(b))
		assert.ok(allowed.includes(k), `unexpected member ${k} in xError: ${what}`);
	assert.ok(Number.isInteger(b.code), `code must be an integer: ${what}`);
	assert.equal(String(b.code).length, 5, `code is status + 2 digits: ${what}`);
	assert.equal(Math.floor(b.code / 100), status, `code's first 3 digits must be the HTTP status: ${what}`);
	if (code !== undefined)
		assert.equal(b.code, code, `xError code: ${what}`);
	assert.match(String(b.uuid), UUID, `uuid: ${what}`);
	assert.ok(isRfc3339(b.timestamp), `timestamp must be RFC 3339: ${what}`);
	assert.equal(typeof b.message, 'string', `message: ${what}`);
	assert.ok(b.message.length > 5, `message must say what was wrong: ${what}`);
	if (message)
		assert.match(b.message, message, `message: ${what}`);
	await assertSchema(b, 'xError', { extra: ['uuid', 'timestamp', ...extra] });
	return b;
}

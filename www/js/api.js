// api.js - the console's only way to the server: the public API.
//
// A session lives in sessionStorage (one browser tab, gone when it
// closes): the OAuth2 token pair of the public client `console`, a
// user's, or a fleet manager's (the password grant with scope `fleet`,
// doc/api.md): no password is ever kept in the browser. Every request
// carries `X-Requested-With`, so that no answer challenges with
// `WWW-Authenticate: Basic` and no browser opens its own sign-in dialog.
// Every call goes through call():
//   - the access token is refreshed shortly before it expires, and
//     once more when a call meets 401 (another tab may have rotated it);
//   - a session that cannot be refreshed ends: the console goes back to
//     its login page and returns to the page it was on (see app.js);
//   - 429: the call waits for Retry-After (said on the status line), then
//     asks again;
//   - an outage (the server cannot be reached: a network error, or 502,
//     503 or 504 from the web server or the API) is not the call's
//     failure: the console says once that the server is unreachable
//     (hook reachable(false)), one probe asks /healthz with a back-off
//     (BACKOFF_MS) until the server answers, then every read that met the
//     outage is sent again (reachable(true)). Reads (GET) and token
//     refreshes wait so; a write (POST, PUT, DELETE) is not sent again by
//     itself, since it may have been done: it throws Unreachable, which
//     errors.js says in words;
//   - any other failure throws an ApiError carrying the API's own message,
//     its xError code and its Retry-After: errors.js says it in the
//     console's words (never the raw message) for the person.
// Conditional reads: get(path, { etag }) sends If-None-Match and answers
// { notModified: true } on 304, so that polling costs the server almost
// nothing when nothing changed. Lists: all(path, { max }) reads every page
// of a collection by its `next` links; no page takes only the first one.

export const B2C = '/connectedcar/v4';
export const B2B = '/connectedcar/v3';
export const CLIENT_ID = 'console';
const KEY = 'cvapi.session';
const REFRESH_MARGIN_MS = 60 * 1000;
const ALL_MAX = 10000;          /* items all() reads at most, unless told */

export class ApiError extends Error {
	constructor(status, message, body, retryAfter = null) {
		super(message);
		this.status = status;
		this.body = body;
		/* the xError's code (42902...), its message as the API wrote it ("label: is required"), Retry-After in seconds */
		this.code = body && Number.isInteger(body.code) ? body.code : null;
		this.detail = body && typeof body.message === 'string' ? body.message : '';
		this.retryAfter = retryAfter;
	}
}

/* Thrown when the session is over: the caller need not say anything more. */
export class SessionEnded extends Error {}

/* Thrown by a write that met an outage: it was not sent again, and may or may not have been done. */
export class Unreachable extends Error {}

let onSessionEnd = () => {};
let onWait = () => {};
let onReachable = () => {};
/* hooks: sessionEnded() when the session is over, waiting(text|null) for 429 waits, reachable(bool) when an outage starts and ends */
export function setHooks({ sessionEnded, waiting, reachable }) {
	if (sessionEnded)
		onSessionEnd = sessionEnded;
	if (waiting)
		onWait = waiting;
	if (reachable)
		onReachable = reachable;
}

export function session() {
	let s = null;
	try {
		s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
	} catch { /* none */ }
	if (s && !valid(s))
		sessionStorage.removeItem(KEY);
	return valid(s);
}

/* A session as stored; one of an older console (a fleet manager's Basic credential) is forgotten. */
function valid(s) {
	return s && (s.kind === 'user' || s.kind === 'fleet') && typeof s.access === 'string' && typeof s.refresh === 'string' ? s : null;
}

function save(s) {
	if (s)
		sessionStorage.setItem(KEY, JSON.stringify(s));
	else
		sessionStorage.removeItem(KEY);
}

/* The message of an answer that failed: the xError's, else the status. */
async function failure(res) {
	let body = null;
	try {
		body = await res.json();
	} catch { /* not JSON */ }
	const msg = body && (body.message || body.error_description || body.error);
	const ra = res.headers.get('Retry-After');
	return new ApiError(res.status, msg ? `${msg} (${res.status})` : `the server answered ${res.status} ${res.statusText}`, body,
		ra !== null && /^\d+$/.test(ra.trim()) ? Number(ra) : null);
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/* The waits between two probes of an outage: short first (a restart), then at most 15 s. */
export const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

/* Is this answer the web server's or the API's way of saying it cannot serve now? */
export function outageStatus(status) {
	return status === 502 || status === 503 || status === 504;
}

let outage = null;      /* while the server cannot be reached: the promise of its return */
let probes = 0;         /* probes since the server last answered: the back-off's step */

/*
 * The server could not be reached: the reachable hook says so (once: one
 * banner, app.js), and the answer is a promise resolved when it answers
 * again. One probe at a
 * time asks /healthz (no session, no rate limit) after each wait of the
 * back-off; any answer below 500 ends the outage.
 */
export function serverDown() {
	if (!outage) {
		onReachable(false);
		outage = (async () => {
			for (;;) {
				await sleep(BACKOFF_MS[Math.min(probes, BACKOFF_MS.length - 1)]);
				probes++;
				try {
					const res = await fetch('/healthz', { cache: 'no-store' });
					if (res.status < 500)
						break;
				} catch { /* still unreachable */ }
			}
			outage = null;
			onReachable(true);
		})();
	}
	return outage;
}

/* The server answered: the next outage's back-off starts from its first step. */
function serverUp() {
	if (!outage)
		probes = 0;
}

/* One probe now, outside any outage: does the server answer (below 500)? */
export async function answers() {
	try {
		return (await fetch('/healthz', { cache: 'no-store' })).status < 500;
	} catch {
		return false;
	}
}

/*
 * Read-your-writes across a replication group (doc/api.md, Replication):
 * the last commit this tab's writes made (a write's Cvapi-Commit, a login
 * included) goes with every read as Cvapi-Read-After, so that a replica
 * answers only once it has it. Kept for the tab's life (a reload too).
 */
const COMMIT_KEY = 'cvapi.commit';
let lastCommit = null;
try {
	lastCommit = sessionStorage.getItem(COMMIT_KEY);
} catch { /* no storage: this page's life only */ }

function readAfter(init) {
	const method = (init.method || 'GET').toUpperCase();
	if (!lastCommit || (method !== 'GET' && method !== 'HEAD'))
		return init;
	return { ...init, headers: { ...(init.headers || {}), 'Cvapi-Read-After': lastCommit } };
}

function noteCommit(res) {
	const c = res.headers.get('Cvapi-Commit');
	if (!c || c === lastCommit)
		return;
	lastCommit = c;
	try {
		sessionStorage.setItem(COMMIT_KEY, c);
	} catch { /* kept in memory */ }
}

/* The marker of the console's requests: no answer to one challenges with Basic (doc/api.md). */
export const MARKER = { 'X-Requested-With': 'cvapi-console' };

/*
 * fetch(), through outages when wait: a network error or an outage's
 * status waits for the server (serverDown()) and the request is sent
 * again; without wait, it throws Unreachable once the outage is said.
 */
async function send(url, init, { wait }) {
	init = { ...init, headers: { ...(init.headers || {}), ...MARKER } };
	for (;;) {
		if (outage && wait)
			await outage;
		let res = null;
		try {
			res = await fetch(url, readAfter(init));
			noteCommit(res);
		} catch (e) {
			if (!(e instanceof TypeError))
				throw e;
		}
		if (res && !outageStatus(res.status)) {
			serverUp();
			return res;
		}
		const back = serverDown();
		if (!wait)
			throw new Unreachable('the server could not be reached');
		if (res && res.status === 503 && /^\d+$/.test(res.headers.get('Retry-After') || ''))
			await sleep(Math.min(60, Number(res.headers.get('Retry-After'))) * 1000);
		await back;
	}
}

async function tokenCall(path, fields, { wait = false } = {}) {
	const res = await send(path, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ client_id: CLIENT_ID, ...fields }).toString(),
	}, { wait });
	if (!res.ok)
		throw await failure(res);
	return res.json();
}

function pair(t, login, kind) {
	return {
		kind, login, access: t.access_token, refresh: t.refresh_token,
		expires: Date.now() + t.expires_in * 1000, scope: t.scope,
	};
}

/* Log a user in (password grant); throws ApiError with the server's words. */
export async function loginUser(login, password) {
	const t = await tokenCall('/oauth2/token', { grant_type: 'password', username: login, password });
	save(pair(t, login, 'user'));
}

/* Log a fleet manager in: the password grant with scope `fleet` (the fleet face's bearer token). */
export async function loginFleet(login, password) {
	const t = await tokenCall('/oauth2/token', { grant_type: 'password', username: login, password, scope: 'fleet' });
	save(pair(t, login, 'fleet'));
}

/* Log out: the tokens are revoked (RFC 7009), then the session forgotten. */
export async function logout() {
	const s = session();
	save(null);
	if (!s)
		return;
	for (const [token, hint] of [[s.refresh, 'refresh_token'], [s.access, 'access_token']]) {
		try {
			await tokenCall('/oauth2/revoke', { token, token_type_hint: hint });
		} catch { /* the session is forgotten either way */ }
	}
}

let refreshing = null;
/*
 * A new token pair for the session whose access token `sent` was refused
 * or is about to expire. One refresh at a time; and when the stored
 * session already holds another access token (another call of this tab
 * refreshed it), that one is used: a refresh token is never sent twice,
 * since the server takes a second use for a stolen copy and ends the grant.
 * A refresh that meets an outage waits for the server and is sent again:
 * one whose answer was lost on the way (the rare case: a refused
 * connection sent nothing) is then refused as a second use, and the
 * session ends as for any refused refresh.
 */
async function refresh(sent) {
	const cur = session();
	if (!cur)
		throw endSession();
	if (cur.access !== sent)
		return cur;
	if (!refreshing) {
		refreshing = (async () => {
			try {
				const t = await tokenCall('/oauth2/token', { grant_type: 'refresh_token', refresh_token: cur.refresh }, { wait: true });
				const next = pair(t, cur.login, cur.kind);
				save(next);
				return next;
			} catch (e) {
				/* refused (used, revoked, expired): the session is over; anything else (the network, a 503) is said */
				if (e instanceof ApiError && (e.status === 400 || e.status === 401))
					throw endSession();
				throw e;
			} finally {
				refreshing = null;
			}
		})();
	}
	return refreshing;
}

function endSession() {
	save(null);
	onSessionEnd();
	return new SessionEnded('the session has ended: log in again');
}

/*
 * One API call: method, path (absolute path or full URL), optional JSON
 * body, optional etag. Answers the parsed body, or { notModified: true },
 * or null for 204. A GET waits through outages; another method throws
 * Unreachable.
 */
export async function call(method, path, { body, etag } = {}) {
	for (let attempt = 0; ; attempt++) {
		let s = session();
		if (!s)
			throw endSession();
		if (s.expires - Date.now() < REFRESH_MARGIN_MS)
			s = await refresh(s.access);
		const headers = { Authorization: `Bearer ${s.access}` };
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		if (etag)
			headers['If-None-Match'] = etag;
		let url = path;
		if (s.kind === 'fleet' && !/[?&]client_id=/.test(url))
			url += (url.includes('?') ? '&' : '?') + `client_id=${CLIENT_ID}`;
		const res = await send(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, { wait: method === 'GET' });
		if (res.status === 304)
			return { notModified: true };
		if (res.status === 401 && attempt === 0) {
			await refresh(s.access);
			continue;
		}
		if (res.status === 401)
			throw endSession();
		if (res.status === 429 && attempt < 5) {
			const wait = Math.min(60, Number(res.headers.get('Retry-After')) || 1);
			onWait(`Too many requests: waiting ${wait} s before asking again`);
			await sleep(wait * 1000);
			onWait(null);
			continue;
		}
		if (!res.ok)
			throw await failure(res);
		if (res.status === 204)
			return null;
		const data = await res.json();
		if (data && typeof data === 'object') {
			Object.defineProperty(data, 'etag', { value: res.headers.get('ETag'), enumerable: false });
		}
		return data;
	}
}

export const get = (path, opts) => call('GET', path, opts);
export const post = (path, body) => call('POST', path, { body });
export const put = (path, body) => call('PUT', path, { body });
export const del = (path) => call('DELETE', path);

/* The base of a vehicle's resources on the session's face. */
export function vehicleBase(vid, fid) {
	const s = session();
	return s && s.kind === 'fleet' ? `${B2B}/fleets/${encodeURIComponent(fid)}/vehicles/${vid}` : `${B2C}/user/vehicles/${vid}`;
}

/* A collection's items (the first array under _embedded). */
export function items(page) {
	const e = page && page._embedded;
	if (!e)
		return [];
	const k = Object.keys(e).find((n) => Array.isArray(e[n]));
	return k ? e[k] : [];
}

/*
 * Every item of a collection, its first page at path (ask for the largest
 * pageSize the collection takes: fewer calls), then the pages its `next`
 * links give, until there is none or `max` items are read (a bound on
 * what one page of the console loads). The array's `total` is the
 * collection's as its first page says it (it may hold more than max).
 */
export async function all(path, { max = ALL_MAX } = {}) {
	const out = [];
	let total;
	for (let next = path; next && out.length < max;) {
		const page = await get(next);
		if (total === undefined)
			total = page.total;
		out.push(...items(page));
		next = link(page, 'next');
	}
	out.length = Math.min(out.length, max);
	Object.defineProperty(out, 'total', { value: total ?? out.length, enumerable: false });
	return out;
}

/* A link of a resource, as a path on this origin. */
export function link(res, name) {
	const l = res && res._links && res._links[name];
	if (!l || !l.href)
		return null;
	const u = new URL(l.href, location.origin);
	return u.pathname + u.search;
}

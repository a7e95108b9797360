// errors.js - failures said in the console's words.
//
// The API's messages are written for programmers: they start with the
// JSON path of the member at fault ("callback.webhook.target: is
// required (a string)") or the query parameter ("timestamps \"...\": the
// interval ends before it starts"), and the console used to end them with
// the status. None of that is shown to the person any more:
//   - explain(e) says a failure in words chosen by its xError code and
//     status (a lockout, a rate limit, a quota, a vehicle not in the
//     account, a busy server...), never the API's message, a member path
//     or a status code; a page says what a 404 means where it asked
//     (explain(e, { notFound })), as "not found" alone would not;
//   - fieldErrors(out) says a form's failures: show(e, fields) ties the
//     form's fields to the member paths (or query parameters) they were
//     sent as: a 400 naming one of them is said next to that field, in the
//     words the form gave for it, the field marked invalid (aria-invalid,
//     aria-describedby) and focused; anything else is explain()ed once in
//     `out`, under the form.
// The member path is read from the start of the API's message (doc/api.md,
// "Errors"): a name, then `.name` or `[n]` parts, up to ':' or a space.
//
// This is the one place that words what goes wrong: SAY holds the
// console's other sentences about failures (the outage banner, a map
// without tiles or without Leaflet, a geocoder that does not answer), so
// that no page writes its own, and no page ever shows an exception's raw
// text ("Failed to fetch").

import { ApiError, SessionEnded, Unreachable } from './api.js';
import { aboutWait } from './fmt.js';

/* "in 12 s" under two minutes, "in about 3 minutes" above. */
function inWhile(s) {
	return s != null && s < 120 ? `in ${Math.max(1, s)} s` : `in ${aboutWait(s ?? 60)}`;
}

/* What a 429 means: a lockout after failed passwords (42902), or a rate limit (42901). */
function tooMany(e) {
	if (e.code === 42902) {
		const who = /address/.test(e.detail) ? 'Logging in from this network is locked for now, after too many failed attempts'
			: 'This account is locked for now, after too many failed attempts to log in';
		return `${who}. Try again in ${aboutWait(e.retryAfter ?? 60)}.`;
	}
	return `Too many requests: try again ${inWhile(e.retryAfter)}.`;
}

const BY_CODE = {
	40002: 'This address names no vehicle of yours.',
	40005: 'The period is not valid: check its dates.',
	40006: 'This page of the list is no longer valid: start again from the first page.',
	40301: 'This vehicle or fleet is not in your account.',
	40302: 'Your account may not do this.',
	40304: 'Your account holds as many of these as it may: delete one before adding another.',
	40402: 'There is nothing there yet.',
	41301: 'This is too large for the server.',
	50301: 'The server is busy: try again in a moment.',
	50701: 'The server is short of disk space: changes are refused for now (reading still works).',
};

/* What the console says, in its words, of failures that are no API answer. */
export const SAY = {
	/* the banner while the server cannot be reached (api.js: an outage) */
	unreachable: 'Server unreachable, retrying...',
	/* a map whose tile server failed its first tiles (map.js) */
	noTiles: 'Map tiles are unavailable here: positions and tracks are drawn on a plain background.',
	noLeaflet: 'No map: Leaflet is not installed on the server (package libjs-leaflet).',
	/* a login that could not reach the server */
	loginUnreachable: 'The server could not be reached: log in again once it answers.',
	/* a page whose module could not be loaded with the server reachable */
	pageBroken: 'This page could not be loaded: reload the console.',
	/* a charging session's page whose session the API does not have (404), or whose address names none */
	noSuchCharge: 'This vehicle has no such charging session: the address may be wrong, or the session was removed with the vehicle\'s old history.',
	/* a trip whose eco-coaching the API does not have (404) */
	noSuchTrip: 'This vehicle has no such trip: the address may be wrong, or the trip was removed with the vehicle\'s old history.',
};

/*
 * A failure in the console's words; notFound: what a 404 means where the
 * call was made ("No such charging session..."), when the general words
 * would not say it.
 */
export function explain(e, { notFound } = {}) {
	if (e instanceof Unreachable || e instanceof TypeError)
		return 'The server could not be reached, so this was not done (or not confirmed): try again once it answers.';
	if (!(e instanceof ApiError))
		return 'Something went wrong in the console: reload the page and try again.';
	if (e.status === 429)
		return tooMany(e);
	if (e.status === 404 && notFound)
		return notFound;
	if (BY_CODE[e.code])
		return BY_CODE[e.code];
	if (e.status === 401)
		return 'The server did not accept your credentials: log in again.';
	if (e.status === 403)
		return 'Your account may not do this.';
	if (e.status === 404)
		return 'Not found: it may have been deleted meanwhile.';
	if (e.status === 409)
		return 'This clashes with a change made meanwhile: reload the page and try again.';
	if (e.status >= 400 && e.status < 500)
		return 'The server did not accept this: check the values and try again.';
	return 'The server failed to do this: try again later.';
}

/* The member path or query parameter an API message is about ("callback.webhook.target"), or ''. */
export function memberPath(message) {
	const m = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*)(?=[: ])/.exec(message || '');
	return m ? m[1] : '';
}

/* Does path lie at or under prefix ("a.b[0].c" under "a.b" or "a.b[0]", not under "a.bc")? */
function under(path, prefix) {
	return path === prefix || (path.startsWith(prefix) && /^[.[]/.test(path.slice(prefix.length)));
}

/*
 * A form's failures, said next to its fields or in out (an element under
 * the form). Answers:
 *   show(e, fields): fields a list of { path, field, text }: path a member
 *     path (or query parameter) whose failures belong to field (an input
 *     of the form, not hidden), said as text; the longest path that holds
 *     the failure wins. Answers true when a field took it;
 *   say(field, text): a problem the console found itself, said the same way;
 *   clear(): every message said, gone.
 */
export function fieldErrors(out) {
	const shown = [];
	function clear() {
		for (const { field, p } of shown.splice(0)) {
			p.remove();
			field.removeAttribute('aria-invalid');
			const ids = (field.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== p.id);
			if (ids.length)
				field.setAttribute('aria-describedby', ids.join(' '));
			else
				field.removeAttribute('aria-describedby');
		}
		if (out)
			out.replaceChildren();
	}
	function say(field, text) {
		const p = document.createElement('p');
		p.className = 'error field-error';
		p.id = `${field.id || field.name}-error`;
		p.setAttribute('role', 'alert');
		p.textContent = text;
		field.after(p);
		field.setAttribute('aria-invalid', 'true');
		field.setAttribute('aria-describedby', [field.getAttribute('aria-describedby'), p.id].filter(Boolean).join(' '));
		shown.push({ field, p });
	}
	function show(e, fields = []) {
		clear();
		if (e instanceof SessionEnded)
			return false;
		if (e instanceof ApiError && e.status === 400) {
			const path = memberPath(e.detail);
			const hit = fields.filter((f) => path && under(path, f.path)).sort((a, b) => b.path.length - a.path.length)[0];
			if (hit && hit.field && !hit.field.closest('[hidden]')) {
				say(hit.field, hit.text);
				hit.field.focus();
				return true;
			}
		}
		if (out) {
			const p = document.createElement('p');
			p.className = 'error';
			p.setAttribute('role', 'alert');
			p.textContent = explain(e);
			out.append(p);
		}
		return false;
	}
	return { clear, show, say };
}

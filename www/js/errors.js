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
//     or a status code;

import { ApiError } from './api.js';
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

/* A failure in the console's words. */
export function explain(e) {
	if (!(e instanceof ApiError))
		return e instanceof TypeError ? 'The server could not be reached: check the connection and try again.'
			: `Something went wrong: ${e && e.message}`;
	if (e.status === 429)
		return tooMany(e);
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

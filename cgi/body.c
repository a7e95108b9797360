/* body.c - request bodies: read within the client deadline, bounded, parsed (see reqint.h). */
#include "config.h"
#include "req.h"
#include "reqint.h"
#include "watchdog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- body --------------------------------------------------------------- */

/* The declared length of the body: 0 when none, -1 when malformed. */
static int64_t body_length(const struct cv_req *r)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->fcgi->envp);
	int64_t len = 0;

	if (cl && *cl && cv_parse_i64(cl, 0, INT64_MAX / 2, &len))
		return -1;
	return len;
}

/* The declared body against the route's limits, before anything is read. */
int cv_body_check(struct cv_req *r)
{
	int64_t len = body_length(r);

	if (len < 0)
		return cv_fail(r, 400, CV_C_BAD_PARAM, "malformed Content-Length");
	if (len == 0)
		return 0;
	if (!r->route->max_body)
		return cv_fail(r, 413, CV_C_TOO_LARGE, "this request takes no body");
	if ((size_t)len > r->route->max_body)
		return cv_fail(r, 413, CV_C_TOO_LARGE, "the body is larger than %zu bytes", r->route->max_body);
	return 0;
}

/*
 * Read the body (checked by body_check), in the watchdog's client phase: a
 * client that does not send it within its deadline (the client deadline,
 * sooner for a small body: cv_wd_body) gets 408 (watchdog.h), and the
 * process lives on.
 */
int cv_body_read(struct cv_req *r)
{
	int64_t len = body_length(r);
	char chunk[16384];
	int st = 0;

	if (len <= 0)
		return 0;
	cv_wd_body(r->fcgi->ipcFd, len);
	cv_buf_init(&r->body, r->route->max_body);
	while (r->body.len < (size_t)len) {
		size_t want = CV_MIN(sizeof(chunk), (size_t)len - r->body.len);
		int n = FCGX_GetStr(chunk, (int)want, r->fcgi->in);

		if (n <= 0) {
			if (cv_wd_cut())
				st = cv_fail(r, 408, CV_C_GENERIC, "the body did not arrive within %u s",
					     cv_wd_limit_seconds());
			else
				st = cv_fail(r, 400, CV_C_BAD_PARAM, "the body is shorter than its Content-Length");
			break;
		}
		cv_buf_add(&r->body, chunk, (size_t)n);
	}
	r->body_done = !st;
	r->body_bytes = r->body.len;
	cv_wd_store();
	return st;
}

/*
 * A body that was declared but not read (the request was refused before
 * it was needed) is read and dropped, within the client deadline, before
 * the answer: libfcgi's close would otherwise drain it with no deadline
 * at all, and closing a TCP connection with data unread resets it.
 */
void cv_body_drop(struct cv_req *r)
{
	char chunk[16384];

	if (r->body_done || body_length(r) <= 0)
		return;
	cv_wd_body(r->fcgi->ipcFd, body_length(r));
	while (FCGX_GetStr(chunk, (int)sizeof(chunk), r->fcgi->in) > 0)
		;
	r->body_done = true;
}

/*
 * The end of the request's input: the web server's last, empty stdin
 * record, which it sends right after the parameters, or after the body.
 * Read here, within a short client deadline, when nothing else is left (a
 * body read whole, or none); true once it has been seen. serve.c closes a
 * connection at once only then: a web server that is still sending finds
 * the connection closed under its write, and Apache then answers 503.
 */
bool cv_body_ended(struct cv_req *r)
{
	FCGX_Stream *in = r->fcgi->in;

	if (FCGX_HasSeenEOF(in))
		return true;
	if (!r->body_done && body_length(r) != 0)
		return false;
	cv_wd_body(r->fcgi->ipcFd, 0);
	return FCGX_GetChar(in) == EOF && FCGX_HasSeenEOF(in) && !FCGX_GetError(in);
}

/* Is the request's Content-Type application/x-www-form-urlencoded (parameters allowed)? */
static bool form_type(const struct cv_req *r)
{
	const char *ct = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);

	return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33) && (!ct[33] || ct[33] == ';');
}

int cv_body_pairs(struct cv_req *r)
{
	if (!form_type(r))
		return cv_fail(r, 415, CV_C_MEDIA, "the body must be application/x-www-form-urlencoded");
	return cv_pairs_split(r, cv_buf_str(&r->body), r->body.len, r->form, &r->nform, "form field");
}

int cv_body_form(struct cv_req *r, const char *const *names, const char **vals)
{
	const char *p = cv_buf_str(&r->body);
	size_t i;
	int st;

	for (i = 0; names[i]; i++)
		vals[i] = NULL;
	if (!form_type(r))
		return cv_fail(r, 415, CV_C_MEDIA, "the body must be application/x-www-form-urlencoded");
	st = cv_pairs_split(r, p, r->body.len, r->form, &r->nform, "form field");
	for (size_t f = 0; f < r->nform && !st; f++) {
		const char *name = r->form[f][0];

		for (i = 0; names[i]; i++)
			if (!strcmp(names[i], name))
				break;
		if (!names[i])
			return cv_fail(r, 400, CV_C_UNKNOWN_PARAM, "unknown form field \"%.40s\"", name);
		if (vals[i])
			return cv_fail(r, 400, CV_C_DUP_PARAM, "form field %s is given more than once", name);
		vals[i] = r->form[f][1];
	}
	return st;
}

/*
 * How many JSON values text holds, about (separators and containers
 * outside strings, plus one): read before json-c builds a tree of them, at
 * about 80 bytes a value, so that a body of tiny values ([1,1,1...]: 2
 * bytes each) cannot make a process hold 40 times its size.
 */
static size_t json_values(const char *p, size_t n)
{
	size_t count = 1;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ',' || c == '[' || c == '{') {
			count++;
		}
	}
	return count;
}

int cv_body_json(struct cv_req *r, json_object **out)
{
	const char *ct = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error je;

	*out = NULL;
	if (!ct || strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' '))
		return cv_fail(r, 415, CV_C_MEDIA, "the body must be application/json");
	if (r->body.len == 0)
		return cv_fail(r, 400, CV_C_BAD_JSON, "the body is empty");
	if (json_values(r->body.p, r->body.len) > CV_JSON_MAX_VALUES)
		return cv_fail(r, 413, CV_C_TOO_LARGE, "the body holds more than %d JSON values", CV_JSON_MAX_VALUES);
	tok = json_tokener_new_ex(16);
	if (!tok)
		cv_die("out of memory (json_tokener_new_ex)");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, r->body.p, (int)r->body.len);
	je = json_tokener_get_error(tok);
	if (!o || je != json_tokener_success || (size_t)json_tokener_get_parse_end(tok) != r->body.len) {
		json_object_put(o);
		json_tokener_free(tok);
		return cv_fail(r, 400, CV_C_BAD_JSON, "the body is not valid JSON%s%s",
			       je != json_tokener_success ? ": " : "",
			       je != json_tokener_success ? json_tokener_error_desc(je) : " (trailing data)");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return cv_fail(r, 400, CV_C_BAD_JSON, "the body must be a JSON object");
	}
	*out = o;
	return 0;
}


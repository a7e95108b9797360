/* req.c - the request layer's shared pieces: errors, decoding, links, routing (see req.h). */
#include "config.h"
#include "req.h"
#include "reqint.h"
#include "actions.h"
#include "cvtime.h"
#include "ids.h"
#include "log.h"
#include "outbox.h"
#include "quotas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set when the store reported DB_RUNRECOVERY: answer, then exit to be restarted (reqint.h). */
bool cv_req_panicked;
/* Set when the store's handles went stale (a replica resynchronized): answer, then exit to be restarted. */
bool cv_req_stale;

/* ---- errors ------------------------------------------------------------- */

int cv_fail(struct cv_req *r, int status, int cause, const char *fmt, ...)
{
	char msg[512], emsg[600], epath[220], emethod[24];
	va_list ap;
	struct cv_jw w;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cv_uuid4(r->uuid);
	/* the message may quote the request (a JSON key, a value): escaped (log.h) */
	fprintf(stderr, "cvapi[%s] %s %s %s: %s -> %d\n", r->prog, r->uuid,
		cv_log_escape(r->method ? r->method : "-", false, emethod, sizeof(emethod)),
		cv_log_escape(r->path[0] ? r->path : "-", false, epath, sizeof(epath)),
		cv_log_escape(msg, false, emsg, sizeof(emsg)), status);
	cv_buf_reset(&r->out);
	r->status = status;
	r->ctype = "application/json";
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kint(&w, "code", (int64_t)status * 100 + cause);
	cv_jw_kstr(&w, "uuid", r->uuid);
	cv_jw_kstr(&w, "message", msg);
	cv_jw_ktime(&w, "timestamp", r->now);
	cv_jw_end(&w);
	return status;
}

int cv_fail_store(struct cv_req *r, enum cv_err e, const char *what)
{
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "%s", what);
	if (e == CV_EPANIC) {
		cv_req_panicked = true;
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is recovering, retry");
	}
	if (e == CV_EDEADLOCK || e == CV_EBUSY)
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is busy, retry");
	if (e == CV_ESTALE) {
		cv_req_stale = true;
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "this site's store was just resynchronized, retry");
	}
	if (e == CV_EREPLICA)
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "this site takes no changes now (a replica), retry");
	return cv_fail(r, 500, CV_C_STORE, "store failure reading %s: %s", what, cv_strerror(e));
}

int cv_fail_quota(struct cv_req *r, int q, int64_t limit, int64_t retry_ms)
{
	static const char *const what[CV_Q_COUNT] = {
		"callbacks", "monitors", "monitors on this vehicle", "monitors with a time trigger",
		"notifications waiting in this callback's queue", "redeliveries an hour",
		"Idempotency-Keys kept",
	};
	/* what frees one: an owner deletes what it keeps; a key is forgotten a day after its request */
	const char *remedy = q == CV_Q_IDEM_KEYS ? "each is forgotten 24 h after its request; send creations "
		"without the header meanwhile, or ask the host for more" : "delete some, or ask the host for more";

	if (q < 0 || q >= CV_Q_COUNT)
		return cv_fail(r, 500, CV_C_GENERIC, "unknown quota");
	if (retry_ms > 0) {
		char v[24];

		snprintf(v, sizeof(v), "%lld", (long long)((retry_ms + 999) / 1000));
		cv_header(r, "Retry-After", v);
	}
	return cv_fail(r, 403, CV_C_QUOTA, "over the quota %s: %lld %s at most (%s)", cv_quota_names[q],
		       (long long)limit, what[q], remedy);
}

void cv_header(struct cv_req *r, const char *name, const char *value)
{
	cv_buf_addf(&r->headers, "%s: %s\r\n", name, value);
}

/* ---- decoding ----------------------------------------------------------- */

static int hexv(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) into dst (dstsz); plus_space turns '+' into ' '
 * (query strings). Refuses bad escapes, NUL and control bytes.
 */
bool cv_pct_decode(const char *s, size_t n, char *dst, size_t dstsz, bool plus_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return false;
			hi = hexv(s[i + 1]);
			lo = hexv(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		if (o + 1 >= dstsz)
			return false;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return true;
}

const char *cv_param(const struct cv_req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (!strcmp(r->params[i][0], name))
			return r->params[i][1];
	return NULL;
}

/* ---- the links' base ----------------------------------------------------- */

/* A Host header, server name or port we put in links: no room for tricks. */
static bool host_ok(const char *h)
{
	return cv_chars_ok(h, CV_HOST_MAX, ".-:[]");
}

/*
 * Append s to dst (size bytes, a string of length at) and return the new
 * length: what snprintf would give, truncated alike, without its cost on
 * every request.
 */
size_t cv_str_put(char *dst, size_t size, size_t at, const char *s)
{
	size_t n = strlen(s);

	if (at + 1 >= size)
		return at;
	if (n > size - 1 - at)
		n = size - 1 - at;
	memcpy(dst + at, s, n);
	dst[at + n] = '\0';
	return at + n;
}

/* the public base URL (CVAPI_BASE_URL), or empty: links follow the request */
static char fixed_base[CV_HOST_MAX + 16];

bool cv_base_url_set(const char *url)
{
	const char *host = !strncmp(url, "https://", 8) ? url + 8 : !strncmp(url, "http://", 7) ? url + 7 : NULL;
	char h[CV_HOST_MAX + 1];
	size_t n;

	if (!host)
		return false;
	n = strlen(host);
	if (n && host[n - 1] == '/')
		n--;
	if (!n || n > CV_HOST_MAX || (size_t)(host - url) + n >= sizeof(fixed_base))
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	if (!host_ok(h))
		return false;
	memcpy(fixed_base, url, (size_t)(host - url));
	memcpy(fixed_base + (host - url), h, n + 1);
	return true;
}

void cv_set_base(struct cv_req *r)
{
	/* the environment does not change while the process runs: read it once */
	static int trust_proxy = -1;
	char **envp = r->fcgi->envp;
	const char *host = FCGX_GetParam("HTTP_HOST", envp);
	const char *https = FCGX_GetParam("HTTPS", envp);
	const char *scheme = https && (!strcmp(https, "on") || !strcmp(https, "1")) ? "https" : "http";
	size_t n;

	if (fixed_base[0]) {
		/* a host set it: another Host is answered, never echoed */
		cv_strlcpy(r->base, fixed_base, sizeof(r->base));
		return;
	}
	if (trust_proxy < 0) {
		const char *trust = getenv("CVAPI_TRUST_PROXY");

		trust_proxy = trust && !strcmp(trust, "1");
	}
	if (trust_proxy) {
		const char *fh = FCGX_GetParam("HTTP_X_FORWARDED_HOST", envp);
		const char *fp = FCGX_GetParam("HTTP_X_FORWARDED_PROTO", envp);

		if (fh && host_ok(fh))
			host = fh;
		if (fp && (!strcmp(fp, "https") || !strcmp(fp, "http")))
			scheme = fp;
	}
	if (host && host_ok(host)) {
		n = cv_str_put(r->base, sizeof(r->base), 0, scheme);
		n = cv_str_put(r->base, sizeof(r->base), n, "://");
		cv_str_put(r->base, sizeof(r->base), n, host);
	} else {
		const char *name = FCGX_GetParam("SERVER_NAME", envp);
		const char *port = FCGX_GetParam("SERVER_PORT", envp);

		if (!name || !host_ok(name))
			name = "localhost";
		if (!port || !host_ok(port))
			port = "80";
		snprintf(r->base, sizeof(r->base), "%s://%s:%s", scheme, name, port);
	}
}

/* ---- routing ------------------------------------------------------------ */

/*
 * Split the raw path into segments, decode each and match pattern; captures
 * go to r->seg. Returns 1 on match, 0 on no match, -1 on a malformed path.
 */
int cv_route_match(struct cv_req *r, const char *pattern)
{
	const char *p = pattern, *u = r->raw_path, *uend = r->raw_path + r->raw_path_len;
	size_t nseg = 0, off = 0;

	while (*p && u < uend) {
		const char *pe, *ue;

		if (*p != '/' || *u != '/')
			return 0;
		p++;
		u++;
		pe = strchr(p, '/');
		if (!pe)
			pe = p + strlen(p);
		for (ue = u; ue < uend && *ue != '/'; ue++)
			;
		if (*p == '{') {
			/* captures go to segbuf: no allocation per request (the path is at most CV_PATH_MAX) */
			if (ue == u)
				return 0;
			if (nseg >= CV_MAX_SEGS)
				return 0;
			if (!cv_pct_decode(u, (size_t)(ue - u), r->segbuf + off, sizeof(r->segbuf) - off, false))
				return -1;
			/* its name, between the braces of the pattern */
			r->segname[nseg] = p + 1;
			r->segnamelen[nseg] = (size_t)(pe - p) - 2;
			r->seg[nseg++] = r->segbuf + off;
			off += strlen(r->segbuf + off) + 1;
		} else {
			if ((size_t)(pe - p) != (size_t)(ue - u) || memcmp(p, u, (size_t)(pe - p)))
				return 0;
		}
		p = pe;
		u = ue;
	}
	if (*p || u != uend)
		return 0;
	r->nseg = nseg;
	return 1;
}

/* ---- path ids ------------------------------------------------------------ */

static bool hex_ok(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

static bool vehicle_ok(const char *s)
{
	unsigned char b[16];

	return cv_vid_bytes(s, b) == CV_OK;
}

static bool vin_ok(const char *s)
{
	return cv_vin_ok(s, strlen(s));
}

static bool callback_ok(const char *s)
{
	return hex_ok(s, CV_CB_IDLEN);
}

static bool monitor_ok(const char *s)
{
	return hex_ok(s, CV_MON_IDLEN);
}

static bool delivery_ok(const char *s)
{
	int64_t at;
	uint64_t seq;

	return cv_delivery_id_parse(s, &at, &seq);
}

/* history ids (ids.h): the vehicle, the time, a suffix of 0, 1 or 2 bytes */
static bool history_ok(const char *s, size_t slen)
{
	char vid[33];
	int64_t at;
	unsigned suffix;

	return cv_coll_parse_id(s, slen, vid, &at, &suffix);
}

static bool trip_ok(const char *s) { return history_ok(s, 0); }
static bool collision_ok(const char *s) { return history_ok(s, 1); }
static bool alert_ok(const char *s) { return history_ok(s, 2); }

/*
 * The kinds of id a path holds, by the name of their capture in the route
 * patterns: the layer checks each capture's syntax before the handler
 * (cv_ids_check), and a pattern with another name does not start
 * (cv_route_names_ok). what: the 400's message, or the id's name in
 * "malformed WHAT id: LEN lowercase hex digits". A fleet ({fid}) has no
 * syntax of its own: authentication checks that it is the manager's (403).
 */
static const struct id_kind {
	const char *name;
	bool (*ok)(const char *s);
	const char *what;
	int len;                            /* 0: what is the whole message */
} id_kinds[] = {
	{ "id", vehicle_ok, "a vehicle id is 32 hexadecimal characters", 0 },
	{ "vid", vehicle_ok, "a vehicle id is 32 hexadecimal characters", 0 },
	{ "vin", vin_ok, "a VIN is 17 characters: digits and capitals but I, O, Q", 0 },
	{ "fid", NULL, NULL, 0 },
	{ "cbid", callback_ok, "callback", CV_CB_IDLEN },
	{ "mid", monitor_ok, "monitor", CV_MON_IDLEN },
	{ "rid", cv_action_id_ok, "remote action", CV_ACTION_ID_LEN },
	{ "did", delivery_ok, "delivery", CV_DL_IDLEN },
	{ "tid", trip_ok, "trip", CV_ID_LEN(0) },
	{ "chid", trip_ok, "charging session", CV_ID_LEN(0) },
	{ "cid", collision_ok, "collision", CV_ID_LEN(1) },
	{ "alarmid", collision_ok, "alarm", CV_ID_LEN(1) },
	{ "aid", alert_ok, "alert", CV_ID_LEN(2) },
	{ "sid", alert_ok, "theft", CV_ID_LEN(2) },
};

static const struct id_kind *kind_of(const char *name, size_t len)
{
	for (size_t i = 0; i < CV_ARRAY_LEN(id_kinds); i++)
		if (strlen(id_kinds[i].name) == len && !memcmp(id_kinds[i].name, name, len))
			return &id_kinds[i];
	return NULL;
}

bool cv_route_names_ok(const char *pattern, char *bad, size_t badsz)
{
	for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
		size_t len = strcspn(p + 1, "}");

		if (!kind_of(p + 1, len)) {
			snprintf(bad, badsz, "%.*s", (int)len, p + 1);
			return false;
		}
	}
	return true;
}

int cv_ids_check(struct cv_req *r, bool for_auth)
{
	for (size_t i = 0; i < r->nseg; i++) {
		const struct id_kind *k = kind_of(r->segname[i], r->segnamelen[i]);
		/* the vehicle link's credential is the path VIN's: checked before it */
		bool auth_reads = r->route->auth == CV_AUTH_VEHICLE && k->ok == vin_ok;

		if (auth_reads != for_auth || !k->ok || k->ok(r->seg[i]))
			continue;
		if (!k->len)
			return cv_fail(r, 400, CV_C_BAD_ID, "%s", k->what);
		return cv_fail(r, 400, CV_C_BAD_ID, "malformed %s id: %d lowercase hex digits", k->what, k->len);
	}
	return 0;
}

const char *cv_req_capture(const struct cv_req *r, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < r->nseg; i++)
		if (r->segnamelen[i] == len && !memcmp(r->segname[i], name, len))
			return r->seg[i];
	return NULL;
}

const char *cv_req_id(const struct cv_req *r, const char *name)
{
	const char *v = cv_req_capture(r, name);

	if (!v)
		cv_die("%s: the route %s has no {%s}", r->prog, r->route ? r->route->pattern : "?", name);
	return v;
}

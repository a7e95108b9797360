/* req.c - the request layer: routing, query validation, auth, errors (see req.h). */
#include "config.h"
#include "req.h"
#include "cvtime.h"
#include "ids.h"
#include "purge.h"
#include "watchdog.h"
#include "log.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by SIGTERM/SIGINT: finish the current request, then exit. */
static volatile sig_atomic_t cv_stop;
/* Set when the store reported DB_RUNRECOVERY: answer, then exit to be restarted. */
static bool cv_panicked;

/* Purging between requests (cv_serve_purge): on, and how often. */
static bool cv_purging;
static int64_t cv_purge_every_ms = 10000;
static int64_t cv_purge_last;

void cv_serve_purge(bool on)
{
	cv_purging = on;
}

/* A purge step when one is due; a busy store (another step) is no error. */
static void purge_tick(struct cv_store *st, const char *prog, int64_t now)
{
	struct cv_purge_stats ps;
	enum cv_err e;

	if (!cv_purging || cv_purge_every_ms <= 0 || (now - cv_purge_last < cv_purge_every_ms && now >= cv_purge_last))
		return;
	cv_purge_last = now;
	e = cv_purge_step(st, now, 200, &ps);
	if (e == CV_EPANIC)
		cv_panicked = true;
	else if (e && e != CV_EDEADLOCK)
		fprintf(stderr, "cvapi[%s]: purge: %s\n", prog, cv_strerror(e));
}

/*
 * libfcgi's accept() retries after a signal, so an idle program would sleep
 * through SIGTERM: pointing fd 0, the listening socket, at /dev/null
 * (dup2 is async-signal-safe) makes the pending or next accept fail and
 * the loop end. A request being answered has its own connection and
 * finishes first. dup2, not close: a closed fd 0 would be the next file
 * the store opens, and a second signal would close that.
 */
static int devnull_fd = -1;

/* A request that read or wrote more than this gives its memory back after it (malloc_trim). */
#define CV_TRIM_AFTER (1024 * 1024)

static void on_term(int sig)
{
	(void)sig;
	cv_stop = 1;
	if (devnull_fd >= 0)
		dup2(devnull_fd, 0);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

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
		cv_panicked = true;
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is recovering, retry");
	}
	if (e == CV_EDEADLOCK)
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is busy, retry");
	return cv_fail(r, 500, CV_C_STORE, "store failure reading %s: %s", what, cv_strerror(e));
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
static bool pct_decode(const char *s, size_t n, char *dst, size_t dstsz, bool plus_space)
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

/* ---- links -------------------------------------------------------------- */

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
static size_t str_put(char *dst, size_t size, size_t at, const char *s)
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

static void set_base(struct cv_req *r)
{
	/* the environment does not change while the process runs: read it once */
	static int trust_proxy = -1;
	char **envp = r->fcgi->envp;
	const char *host = FCGX_GetParam("HTTP_HOST", envp);
	const char *https = FCGX_GetParam("HTTPS", envp);
	const char *scheme = https && (!strcmp(https, "on") || !strcmp(https, "1")) ? "https" : "http";
	size_t n;

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
		n = str_put(r->base, sizeof(r->base), 0, scheme);
		n = str_put(r->base, sizeof(r->base), n, "://");
		str_put(r->base, sizeof(r->base), n, host);
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

void cv_link_href(struct cv_req *r, struct cv_buf *b, const char *path)
{
	cv_buf_adds(b, r->base);
	cv_buf_adds(b, path);
}

/*
 * vsnprintf for formats whose only conversions are %s and %% (every link
 * path is one), without its cost: false, and nothing consumed that matters,
 * for any other format (the caller then uses vsnprintf on a copy of ap).
 */
static bool fmt_links(char *dst, size_t size, const char *fmt, va_list ap)
{
	size_t o = 0;
	const char *f = fmt;

	while (*f) {
		const char *s = f;
		size_t n;

		if (*f != '%') {
			/* a run of literal characters at once */
			while (*f && *f != '%')
				f++;
			n = (size_t)(f - s);
		} else if (f[1] == 's') {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = strlen(s);
			f += 2;
		} else if (f[1] == '%') {
			n = 1;
			f += 2;
		} else {
			return false;
		}
		if (n > size - 1 - o)
			n = size - 1 - o;
		memcpy(dst + o, s, n);
		o += n;
	}
	dst[o] = '\0';
	return true;
}

void cv_jw_link(struct cv_jw *w, struct cv_req *r, const char *name, const char *fmt, ...)
{
	char href[CV_PATH_MAX + 64 + sizeof(r->base)];
	size_t bl = strlen(r->base);
	va_list ap, ap2;

	/* base, then the path (at most CV_PATH_MAX + 63 bytes) formatted after it */
	memcpy(href, r->base, bl);
	va_start(ap, fmt);
	va_copy(ap2, ap);
	if (!fmt_links(href + bl, CV_PATH_MAX + 64, fmt, ap))
		vsnprintf(href + bl, CV_PATH_MAX + 64, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	cv_jw_key(w, name);
	cv_jw_obj(w);
	cv_jw_kstr(w, "href", href);
	cv_jw_end(w);
}

/* ---- routing ------------------------------------------------------------ */

/*
 * Split the raw path into segments, decode each and match pattern; captures
 * go to r->seg. Returns 1 on match, 0 on no match, -1 on a malformed path.
 */
static int match(struct cv_req *r, const char *pattern)
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
			if (!pct_decode(u, (size_t)(ue - u), r->segbuf + off, sizeof(r->segbuf) - off, false))
				return -1;
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

/* ---- query -------------------------------------------------------------- */

static int parse_range(struct cv_req *r, const char *v)
{
	const char *dash = strchr(v, '-');
	char a[24];
	int64_t from, to = -1;
	size_t la;

	if (!dash || dash == v || (size_t)(dash - v) >= sizeof(a))
		return cv_fail(r, 400, CV_C_BAD_PARAM, "indexRange must look like 0-9 or 10-");
	la = (size_t)(dash - v);
	memcpy(a, v, la);
	a[la] = '\0';
	if (a[0] == '-' || cv_parse_i64(a, 0, 1000000000, &from))
		return cv_fail(r, 400, CV_C_BAD_PARAM, "indexRange start must be a whole number from 0");
	if (dash[1] && (dash[1] == '-' || cv_parse_i64(dash + 1, 0, 1000000000, &to)))
		return cv_fail(r, 400, CV_C_BAD_PARAM, "indexRange end must be a whole number or empty");
	if (to >= 0 && to < from)
		return cv_fail(r, 400, CV_C_BAD_PARAM, "indexRange ends before it starts");
	r->q.has_range = true;
	r->q.range_from = from;
	r->q.range_to = to;
	return 0;
}

/* Digits into *v (at most 12); the end of what was read, or NULL. */
static const char *parse_digits(const char *p, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (*p >= '0' && *p <= '9' && n < 12) {
		*v = *v * 10 + (*p++ - '0');
		n++;
	}
	return n && !(*p >= '0' && *p <= '9') ? p : NULL;
}

/* km with at most one decimal, into tenths of a km. */
static const char *parse_km_tenths(const char *p, int64_t *v)
{
	int64_t frac = 0;

	p = parse_digits(p, v);
	if (!p)
		return NULL;
	*v *= 10;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9') || (p[2] >= '0' && p[2] <= '9'))
			return NULL;
		frac = p[1] - '0';
		p += 2;
	}
	*v += frac;
	return p;
}

/* "min-max" or "min-" with parse as the bound reader: false if malformed or max < min. */
static bool parse_span(const char *s, const char *(*parse)(const char *, int64_t *), int64_t *min, int64_t *max)
{
	const char *p = parse(s, min);

	if (!p || *p != '-')
		return false;
	*max = -1;
	if (!p[1])
		return true;
	p = parse(p + 1, max);
	return p && !*p && *max >= *min;
}

/* A number of km (digits, up to 6 decimals), at most max_km, into mm. */
static bool parse_km_mm(const char *s, int64_t max_km, int64_t *mm)
{
	int64_t ip = 0, frac = 0;
	int nfrac = 0;
	const char *p = parse_digits(s, &ip);

	if (!p || ip > max_km)
		return false;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++nfrac > 6)
				return false;
			frac = frac * 10 + (*p - '0');
		}
		if (!nfrac)
			return false;
	}
	if (*p)
		return false;
	for (; nfrac < 6; nfrac++)
		frac *= 10;
	*mm = ip * 1000000 + frac;
	return *mm <= max_km * 1000000;
}

/* The member of r->q a field's value goes to. */
#define QDST(r, f, type) ((type *)(void *)((char *)&(r)->q + (f)->dst))

static int parse_list(struct cv_req *r, const struct cv_field *f, const char *v)
{
	char item[96];
	const char *p = v;

	while (1) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		uint32_t m;

		if (n == 0 || n >= sizeof(item))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "%s: empty or overlong item", f->name);
		memcpy(item, p, n);
		item[n] = '\0';
		m = f->check(item);
		if (!m)
			return cv_fail(r, 400, CV_C_BAD_PARAM, "%s: unknown value \"%.60s\"", f->name, item);
		*QDST(r, f, uint32_t) |= m;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int parse_field(struct cv_req *r, const struct cv_field *f, size_t fi, const char *v, unsigned *seen)
{
	int64_t n;
	const char *why;

	if (f->type != CV_F_TIMESTAMPS && f->type != CV_F_LIST && (*seen & (1u << fi)))
		return cv_fail(r, 400, CV_C_DUP_PARAM, "%s is given more than once", f->name);
	*seen |= 1u << fi;
	switch (f->type) {
	case CV_F_PAGESIZE:
		if (cv_parse_i64(v, 1, f->max, &n))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "pageSize must be a whole number from 1 to %lld",
				       (long long)f->max);
		r->q.has_page_size = true;
		r->q.page_size = n;
		return 0;
	case CV_F_INDEXRANGE:
		return parse_range(r, v);
	case CV_F_PAGETOKEN:
		if (!*v || strlen(v) > (size_t)f->max)
			return cv_fail(r, 400, CV_C_BAD_PAGETOKEN, "pageToken is empty or too long");
		r->q.page_token = v;
		return 0;
	case CV_F_TIMESTAMPS: {
		struct cv_interval *iv;

		if (r->q.nintervals >= CV_MAX_INTERVALS)
			return cv_fail(r, 400, CV_C_BAD_TIME, "at most %d timestamps intervals", CV_MAX_INTERVALS);
		iv = &r->q.intervals[r->q.nintervals];
		if (cv_interval_parse(v, &iv->from, &iv->to, &why))
			return cv_fail(r, 400, CV_C_BAD_TIME, "timestamps \"%.80s\": %s", v, why);
		r->q.nintervals++;
		return 0;
	}
	case CV_F_CLIENT_ID:
		if (!cv_chars_ok(v, CV_LOGIN_MAX, "._-:"))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "client_id is malformed");
		r->q.client_id = v;
		return 0;
	case CV_F_STRING:
		if (!cv_chars_ok(v, (size_t)f->max, "._-:"))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "%s must be 1 to %lld characters among A-Z a-z 0-9 . _ - :",
				       f->name, (long long)f->max);
		*QDST(r, f, const char *) = v;
		return 0;
	case CV_F_LIST:
		return parse_list(r, f, v);
	case CV_F_SPAN_S: {
		struct cv_span *sp = QDST(r, f, struct cv_span);

		if (strlen(v) > 32 || !parse_span(v, parse_digits, &sp->min, &sp->max))
			return cv_fail(r, 400, CV_C_BAD_PARAM,
				       "%s must be min-max or min- in whole seconds (e.g. 10-3600, 20-)", f->name);
		sp->set = true;
		return 0;
	}
	case CV_F_SPAN_KM: {
		struct cv_span *sp = QDST(r, f, struct cv_span);
		int64_t a, b;

		if (strlen(v) > 32 || !parse_span(v, parse_km_tenths, &a, &b))
			return cv_fail(r, 400, CV_C_BAD_PARAM,
				       "%s must be min-max or min- in km with at most one decimal (e.g. 1-150, 0.1-)", f->name);
		sp->set = true;
		sp->min = a * 100;
		sp->max = b < 0 ? -1 : b * 100;
		return 0;
	}
	case CV_F_KM: {
		struct cv_opt *o = QDST(r, f, struct cv_opt);

		if (strlen(v) > 24 || !parse_km_mm(v, f->max, &o->v))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "%s must be a number of km from 0 to %lld (e.g. 0.05)",
				       f->name, (long long)f->max);
		o->set = true;
		return 0;
	}
	}
	return cv_fail(r, 500, CV_C_GENERIC, "unhandled field type");
}

static int parse_query(struct cv_req *r)
{
	const char *q = r->query_string;
	const struct cv_field *fields = r->route->fields;
	unsigned seen = 0;

	while (q && *q) {
		const char *amp = strchr(q, '&'), *eq;
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		char name[64], *val;
		size_t fi;
		int st;

		if (n == 0) {
			q = amp ? amp + 1 : NULL;
			continue;
		}
		if (r->nparams >= CV_MAX_PARAMS)
			return cv_fail(r, 400, CV_C_BAD_PARAM, "too many query parameters (at most %d)", CV_MAX_PARAMS);
		eq = memchr(q, '=', n);
		if (!eq || !pct_decode(q, (size_t)(eq - q), name, sizeof(name), true))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "malformed query parameter \"%.40s\"", q);
		val = cv_malloc(n + 1);
		if (!pct_decode(eq + 1, (size_t)(q + n - eq - 1), val, n + 1, true)) {
			free(val);
			return cv_fail(r, 400, CV_C_BAD_PARAM, "query parameter %s has a malformed value", name);
		}
		r->params[r->nparams][0] = cv_strdup(name);
		r->params[r->nparams][1] = val;
		r->nparams++;
		for (fi = 0; fields && fields[fi].name; fi++)
			if (!strcmp(fields[fi].name, name))
				break;
		if (!fields || !fields[fi].name)
			return cv_fail(r, 400, CV_C_UNKNOWN_PARAM, "unknown query parameter \"%.40s\"", name);
		st = parse_field(r, &fields[fi], fi, val, &seen);
		if (st)
			return st;
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* ---- auth --------------------------------------------------------------- */

/* The vehicle link: the path's VIN and the vehicle's own credential (Bearer). */
static int auth_vehicle(struct cv_req *r)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	char hex[CV_SHA256_HEXLEN + 1];
	enum cv_err e;

	if (!r->nseg || !cv_vin_ok(r->seg[0], strlen(r->seg[0])))
		return cv_fail(r, 400, CV_C_BAD_ID, "a VIN is 17 characters: digits and capitals but I, O, Q");
	if (!h || !*h)
		return cv_fail(r, 401, CV_C_NO_CRED, "no credentials: send Authorization: Bearer <vehicle credential>");
	if (strncasecmp(h, "Bearer ", 7) || !h[7] || strlen(h + 7) > 256)
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "the Authorization header must be Bearer <vehicle credential>");
	e = cv_vehicle_by_vin(r->store, NULL, r->seg[0], &r->veh);
	if (e && e != CV_ENOTFOUND)
		return cv_fail_store(r, e, "vehicle");
	cv_sha256_hex(h + 7, strlen(h + 7), hex);
	if (e || !cv_memeq_ct(hex, r->veh.cred_sha256, CV_SHA256_HEXLEN)) {
		cv_audit(r, "auth-failed", "scheme", "vehicle", "reason", e ? "unknown-vin" : "bad-credential",
			 "vin", r->seg[0], NULL);
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "unknown vehicle or bad credential");
	}
	return 0;
}

static int auth_user(struct cv_req *r)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	enum cv_err e;
	uint32_t missing;

	if (!h || !*h) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "no-credentials", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\"");
		return cv_fail(r, 401, CV_C_NO_CRED, "no credentials: send Authorization: Bearer <access token>");
	}
	if (strncasecmp(h, "Bearer ", 7) || strlen(h + 7) == 0 || strlen(h + 7) > 256) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "malformed", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_request\"");
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "the Authorization header must be Bearer <access token>");
	}
	e = cv_token_lookup(r->store, NULL, h + 7, &r->tok, r->now);
	if (e == CV_ENOTFOUND || (!e && r->tok.kind != CV_TOKEN_ACCESS)) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "unknown-token", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_token\"");
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "unknown or revoked access token");
	}
	if (e == CV_EAUTH) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "expired-token", "login", r->tok.user,
			 "client", r->tok.client, NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_token\"");
		return cv_fail(r, 401, CV_C_EXPIRED, "the access token has expired: refresh it");
	}
	if (e)
		return cv_fail_store(r, e, "token");
	if (r->q.client_id && strcmp(r->q.client_id, r->tok.client))
		return cv_fail(r, 403, CV_C_CLIENT_MISMATCH, "client_id does not match the token's client");
	missing = r->route->scopes & ~r->tok.scopes;
	if (missing) {
		struct cv_buf b = CV_BUF_INIT(0);
		int st;

		cv_scopes_fmt(missing, &b);
		st = cv_fail(r, 403, CV_C_SCOPE, "the token lacks the scope %s", cv_buf_str(&b));
		cv_buf_release(&b);
		return st;
	}
	return 0;
}

void cv_jw_vin(struct cv_jw *w, const struct cv_req *r)
{
	if (r->b2b && r->veh.vin[0])
		cv_jw_kstr(w, "vin", r->veh.vin);
}

bool cv_basic_parse(const char *b64, char *user, size_t usz, char *pass, size_t psz)
{
	char dec[2 * CV_LOGIN_MAX + 260], tmp[sizeof(dec) * 2];
	size_t n = 0, pad = 0;
	const char *p;
	long dl;
	char *colon;

	while (*b64 == ' ')
		b64++;
	/* standard base64: map it to base64url for our decoder */
	for (p = b64; *p && *p != '='; p++) {
		if (n + 1 >= sizeof(tmp))
			return false;
		tmp[n++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	/* then at most two '=' that complete the last quantum, and nothing after */
	while (*p == '=' && pad < 2) {
		p++;
		pad++;
	}
	if (*p || (pad && (n + pad) % 4))
		return false;
	tmp[n] = '\0';
	dl = cv_unb64url(tmp, n, dec, sizeof(dec) - 1);
	if (dl < 0)
		return false;
	dec[dl] = '\0';
	if ((size_t)dl != strlen(dec))
		return false;           /* a NUL inside */
	colon = strchr(dec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	return cv_strlcpy(user, dec, usz) == CV_OK && cv_strlcpy(pass, colon + 1, psz) == CV_OK;
}

static int fleet_unauthorized(struct cv_req *r, int cause, const char *msg)
{
	cv_header(r, "WWW-Authenticate", "Basic realm=\"cvapi\"");
	return cv_fail(r, 401, cause, "%s", msg);
}

/*
 * The fleet face: a client certificate the web server verified
 * (SSL_CLIENT_VERIFY=SUCCESS and its subject SSL_CLIENT_S_DN, FastCGI
 * parameters a client cannot set), registered with `cvctl cert add`; or
 * HTTP Basic with a fleet manager's login and password. client_id must name
 * a registered client. Then the fleet of the path, if any, must be theirs.
 */
static int auth_fleet(struct cv_req *r)
{
	char **envp = r->fcgi->envp;
	const char *verify = FCGX_GetParam("SSL_CLIENT_VERIFY", envp);
	const char *pem = FCGX_GetParam("SSL_CLIENT_CERT", envp);
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", envp);
	struct cv_client client;
	enum cv_err e;

	memset(&r->tok, 0, sizeof(r->tok));
	if (verify && !strcmp(verify, "SUCCESS")) {
		char key[CV_CERT_KEY_MAX + 1], *nl;

		/* the certificate itself: its issuer and subject, not a DN the web server wrote */
		if (!pem || !*pem) {
			cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-exported", NULL);
			return fleet_unauthorized(r, CV_C_BAD_CERT, "the web server passes no SSL_CLIENT_CERT: "
						  "have it export the client certificate (etc/*-tls.conf.in)");
		}
		if (cv_cert_key(pem, strlen(pem), key)) {
			cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "unreadable", NULL);
			return fleet_unauthorized(r, CV_C_BAD_CERT, "the client certificate cannot be read");
		}
		e = cv_cert_login(r->store, NULL, key, r->tok.user);
		if (e == CV_ENOTFOUND || e == CV_EINVAL) {
			nl = strchr(key, '\n');
			*nl = '\0';
			cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-registered", "issuer", key,
				 "subject", nl + 1, NULL);
			cv_header(r, "WWW-Authenticate", "Basic realm=\"cvapi\"");
			return cv_fail(r, 401, CV_C_BAD_CERT, "this client certificate is not registered "
				       "(issuer %.200s, subject %.200s): `cvctl cert add` its PEM file", key, nl + 1);
		}
		if (e)
			return cv_fail_store(r, e, "certificate");
	} else if (h && !strncasecmp(h, "Basic ", 6)) {
		char pass[256];

		bool fresh;

		if (!cv_basic_parse(h + 6, r->tok.user, sizeof(r->tok.user), pass, sizeof(pass)) || !r->tok.user[0]) {
			cv_audit(r, "auth-failed", "scheme", "basic", "reason", "malformed", NULL);
			return fleet_unauthorized(r, CV_C_BAD_TOKEN, "malformed Basic credentials: base64 of login:password");
		}
		e = cv_basic_check(r->store, r->tok.user, pass, r->now, &fresh);
		explicit_bzero(pass, sizeof(pass));
		if (e == CV_EAUTH) {
			cv_audit(r, "auth-failed", "scheme", "basic", "reason", "bad-password", "login", r->tok.user,
				 "client", r->q.client_id, NULL);
			return fleet_unauthorized(r, CV_C_BAD_PASSWORD, "wrong login or password");
		}
		if (e)
			return cv_fail_store(r, e, "user");
		/* a login: the password was checked, not remembered */
		if (fresh)
			cv_audit(r, "login", "scheme", "basic", "login", r->tok.user, "client", r->q.client_id, NULL);
	} else if (verify && *verify && strcmp(verify, "NONE")) {
		cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-verified", NULL);
		return fleet_unauthorized(r, CV_C_BAD_CERT, "the client certificate was not verified");
	} else {
		cv_audit(r, "auth-failed", "scheme", "basic", "reason", "no-credentials", NULL);
		return fleet_unauthorized(r, CV_C_NO_CRED,
					 "no credentials: send Authorization: Basic, or a client certificate");
	}
	if (!r->q.client_id)
		return cv_fail(r, 401, CV_C_BAD_CLIENT, "client_id is required on the fleet face");
	e = cv_client_get(r->store, NULL, r->q.client_id, &client);
	if (e == CV_ENOTFOUND) {
		cv_audit(r, "auth-failed", "reason", "unknown-client", "login", r->tok.user, "client", r->q.client_id, NULL);
		return cv_fail(r, 401, CV_C_BAD_CLIENT, "unknown client_id");
	}
	if (e)
		return cv_fail_store(r, e, "client");
	cv_strlcpy(r->tok.client, client.id, sizeof(r->tok.client));
	r->tok.kind = CV_TOKEN_ACCESS;
	r->tok.scopes = CV_SC_ALL;
	r->b2b = true;
	if (!strncmp(r->route->pattern, CV_B2B "/fleets/{fid}", strlen(CV_B2B "/fleets/{fid}"))) {
		struct cv_fleet f;

		r->fid = r->seg[0];
		e = cv_fleet_get(r->store, NULL, r->fid, &f);
		if (e && e != CV_ENOTFOUND)
			return cv_fail_store(r, e, "fleet");
		/* an unknown fleet and another manager's answer alike */
		if (e || strcmp(f.owner, r->tok.user))
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this fleet is not yours");
	}
	return 0;
}

int cv_check_vehicle(struct cv_req *r)
{
	size_t seg = r->b2b ? 1 : 0;
	const char *vid = seg < r->nseg ? r->seg[seg] : "";
	unsigned char b[16];
	enum cv_err e;
	int n;

	if (cv_vid_bytes(vid, b))
		return cv_fail(r, 400, CV_C_BAD_ID, "a vehicle id is 32 hexadecimal characters");
	if (r->b2b) {
		e = cv_fleet_has_vehicle(r->store, NULL, r->fid, vid);
		if (e == CV_ENOTFOUND)
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this vehicle is not in this fleet");
		/* the fleet face names vehicles by VIN in its objects */
		if (!e)
			e = cv_vehicle_get(r->store, NULL, vid, &r->veh);
		n = snprintf(r->vbase, sizeof(r->vbase), CV_B2B "/fleets/%s/vehicles/%s", r->fid, vid);
	} else {
		e = cv_user_has_vehicle(r->store, NULL, r->tok.user, vid);
		if (e == CV_ENOTFOUND)
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this vehicle is not in your account");
		n = snprintf(r->vbase, sizeof(r->vbase), CV_B2C "/user/vehicles/%s", vid);
	}
	if (e)
		return cv_fail_store(r, e, "vehicle link");
	if (n < 0 || (size_t)n >= sizeof(r->vbase))
		return cv_fail(r, 400, CV_C_BAD_ID, "overlong path");
	r->vid = vid;
	return 0;
}

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
static int body_check(struct cv_req *r)
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
 * client that does not send it within the client deadline gets 408
 * (watchdog.h), and the process lives on.
 */
static int read_body(struct cv_req *r)
{
	int64_t len = body_length(r);
	char chunk[16384];
	int st = 0;

	if (len <= 0)
		return 0;
	cv_wd_client(r->fcgi->ipcFd);
	cv_buf_init(&r->body, r->route->max_body);
	while (r->body.len < (size_t)len) {
		size_t want = CV_MIN(sizeof(chunk), (size_t)len - r->body.len);
		int n = FCGX_GetStr(chunk, (int)want, r->fcgi->in);

		if (n <= 0) {
			if (cv_wd_cut())
				st = cv_fail(r, 408, CV_C_GENERIC, "the body did not arrive within %u s",
					     cv_wd_client_seconds());
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
static void body_drop(struct cv_req *r)
{
	char chunk[16384];

	if (r->body_done || body_length(r) <= 0)
		return;
	cv_wd_client(r->fcgi->ipcFd);
	while (FCGX_GetStr(chunk, (int)sizeof(chunk), r->fcgi->in) > 0)
		;
	r->body_done = true;
}

int cv_body_form(struct cv_req *r, const char *const *names, const char **vals)
{
	const char *ct = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);
	const char *p = cv_buf_str(&r->body), *end = p + r->body.len;
	size_t i;

	for (i = 0; names[i]; i++)
		vals[i] = NULL;
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) || (ct[33] && ct[33] != ';'))
		return cv_fail(r, 415, CV_C_MEDIA, "the body must be application/x-www-form-urlencoded");
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
		char name[64], *val;

		if (n == 0) {
			p++;
			continue;
		}
		if (r->nform >= CV_MAX_PARAMS)
			return cv_fail(r, 400, CV_C_BAD_PARAM, "too many form fields");
		eq = memchr(p, '=', n);
		if (!eq || !pct_decode(p, (size_t)(eq - p), name, sizeof(name), true))
			return cv_fail(r, 400, CV_C_BAD_PARAM, "malformed form field");
		val = cv_malloc(n + 1);
		if (!pct_decode(eq + 1, (size_t)(p + n - eq - 1), val, n + 1, true)) {
			free(val);
			return cv_fail(r, 400, CV_C_BAD_PARAM, "form field %s has a malformed value", name);
		}
		r->form[r->nform][0] = cv_strdup(name);
		r->form[r->nform][1] = val;
		r->nform++;
		for (i = 0; names[i]; i++)
			if (!strcmp(names[i], name))
				break;
		if (!names[i])
			return cv_fail(r, 400, CV_C_UNKNOWN_PARAM, "unknown form field \"%.40s\"", name);
		if (vals[i])
			return cv_fail(r, 400, CV_C_DUP_PARAM, "form field %s is given more than once", name);
		vals[i] = val;
		p += n + (amp ? 1 : 0);
	}
	return 0;
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

/* ---- the loop ----------------------------------------------------------- */

static void req_release(struct cv_req *r)
{
	for (size_t i = 0; i < CV_MAX_SEGS; i++)
		r->seg[i] = NULL;
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i][0]);
		free(r->params[i][1]);
	}
	r->nparams = 0;
	for (size_t i = 0; i < r->nform; i++) {
		free(r->form[i][0]);
		free(r->form[i][1]);
	}
	r->nform = 0;
	cv_buf_release(&r->body);
}

/* v in decimal, in buf (24 bytes); returns buf */
static const char *fmt_uint(char buf[24], size_t v)
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static bool rc_trace;                  /* CVAPI_CACHE_TRACE: an X-Cvapi-Cache header */

/* The head of the answer in head (at most 256 bytes): Status, Content-Type, Content-Length lines. */
static size_t response_head(const struct cv_req *r, char head[256])
{
	char num[24];
	size_t n;

	/* "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", without snprintf */
	n = str_put(head, 256, 0, "Status: ");
	n = str_put(head, 256, n, fmt_uint(num, (size_t)(r->status > 0 ? r->status : 0)));
	n = str_put(head, 256, n, " ");
	n = str_put(head, 256, n, reason(r->status));
	n = str_put(head, 256, n, "\r\nContent-Type: ");
	n = str_put(head, 256, n, r->ctype ? r->ctype : "application/json");
	n = str_put(head, 256, n, "\r\nContent-Length: ");
	n = str_put(head, 256, n, fmt_uint(num, r->out.len));
	n = str_put(head, 256, n, "\r\n");
	return n;
}

static void send_response(struct cv_req *r)
{
	char head[256];
	size_t n = response_head(r, head);

	FCGX_PutStr(head, (int)n, r->fcgi->out);
	if (r->headers.len)
		FCGX_PutStr(r->headers.p, (int)r->headers.len, r->fcgi->out);
	FCGX_PutStr("\r\n", 2, r->fcgi->out);
	if (r->out.len && strcmp(r->method, "HEAD"))
		FCGX_PutStr(r->out.p, (int)r->out.len, r->fcgi->out);
}

/* key += s (false if it does not fit) */
static bool rc_key_add(struct cv_req *r, const char *s)
{
	size_t n = strlen(s);

	if (n + 1 > sizeof(r->rc_key) - r->rc_klen)
		return false;
	memcpy(r->rc_key + r->rc_klen, s, n);
	r->rc_key[r->rc_klen + n] = '\n';
	r->rc_klen += n + 1;
	return true;
}

/*
 * The answer cache (rcache.h), before anything is parsed or read: a B2C
 * GET or HEAD with a bearer token whose kept answer is still valid is sent
 * as it is (true). Otherwise the request may be kept once answered: its key
 * and the generations are noted now, before the store is read.
 */
static bool rc_lookup(struct cv_req *r)
{
	char **envp = r->fcgi->envp;
	const char *auth = FCGX_GetParam("HTTP_AUTHORIZATION", envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", envp);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", envp);
	const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", envp);
	const char *resp;
	size_t len, head_len;
	bool head_only = !strcmp(r->method, "HEAD");

	/* a request with a body gets read_body()'s answer, never a kept one */
	if (!cv_rc_on() || r->route->auth != CV_AUTH_USER || !r->nseg || !auth || !*auth || !uri ||
	    (!head_only && strcmp(r->method, "GET")) || (cl && *cl && strcmp(cl, "0")) || inm)
		return false;
	r->rc_klen = 0;
	if (!rc_key_add(r, r->base) || !rc_key_add(r, uri) || !rc_key_add(r, auth))
		return false;
	resp = cv_rc_find(&r->store->gen, r->rc_key, r->rc_klen, r->now, &len, &head_len);
	if (resp) {
		cv_wd_reply(r->fcgi->ipcFd);
		FCGX_PutStr(resp, (int)head_len, r->fcgi->out);
		if (rc_trace)
			FCGX_PutStr("X-Cvapi-Cache: hit\r\n", 20, r->fcgi->out);
		FCGX_PutStr("\r\n", 2, r->fcgi->out);
		if (!head_only)
			FCGX_PutStr(resp + head_len, (int)(len - head_len), r->fcgi->out);
		return true;
	}
	cv_rc_note(&r->store->gen, cv_gen_slot(r->seg[0], strlen(r->seg[0])), &r->rc_stamp);
	r->rc_try = true;
	return false;
}

void cv_rc_vehicle(struct cv_req *r)
{
	if (r->rc_try && r->vid && r->nseg && !strcmp(r->vid, r->seg[0]))
		r->rc_ok = true;
}

/* Keep the answer just made, when cacheable (head without the blank line, body). */
static void rc_keep(struct cv_req *r)
{
	struct cv_buf h = CV_BUF_INIT(0);
	char head[256];
	size_t n = response_head(r, head);

	if (cv_buf_add(&h, head, n) || (r->headers.len && cv_buf_add(&h, r->headers.p, r->headers.len))) {
		cv_buf_release(&h);
		return;
	}
	cv_rc_keep(r->rc_key, r->rc_klen, &r->rc_stamp, r->now, r->tok.expires, h.p, h.len, r->out.p, r->out.len);
	cv_buf_release(&h);
}

/*
 * An API read's validators: "Cache-Control: private, no-cache" (a cache
 * may keep it for this user only, and must ask again before reusing it)
 * and a strong ETag, a hash of the body. A request whose If-None-Match
 * names it gets 304 and no body: a client that polls pays a round trip,
 * not the transfer.
 */
static void set_validators(struct cv_req *r)
{
	static const char hex[] = "0123456789abcdef";
	const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", r->fcgi->envp);
	uint64_t h = cv_hash64(r->out.p, r->out.len);
	char etag[19];

	etag[0] = '"';
	for (int i = 0; i < 16; i++)
		etag[1 + i] = hex[(h >> (60 - 4 * i)) & 15];
	etag[17] = '"';
	etag[18] = '\0';
	cv_header(r, "Cache-Control", "private, no-cache");
	cv_header(r, "ETag", etag);
	if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
		r->status = 304;
		cv_buf_reset(&r->out);
	}
}

static void handle(struct cv_req *r, const struct cv_route *routes)
{
	char **envp = r->fcgi->envp;
	const char *uri = FCGX_GetParam("REQUEST_URI", envp);
	const char *qm;
	const struct cv_route *rt, *path_match = NULL;
	int st = 0;

	r->method = FCGX_GetParam("REQUEST_METHOD", envp);
	if (!r->method)
		r->method = "GET";
	if (!uri)
		uri = "/";
	qm = strchr(uri, '?');
	r->raw_path = uri;
	r->raw_path_len = qm ? (size_t)(qm - uri) : strlen(uri);
	r->query_string = qm ? qm + 1 : "";
	if (!pct_decode(uri, r->raw_path_len, r->path, sizeof(r->path), false)) {
		cv_strlcpy(r->path, "(malformed)", sizeof(r->path));
		st = cv_fail(r, 400, CV_C_BAD_PARAM, "malformed or overlong path");
		goto out;
	}
	set_base(r);
	for (rt = routes; rt->method; rt++) {
		int m = match(r, rt->pattern);

		if (m < 0) {
			st = cv_fail(r, 400, CV_C_BAD_ID, "malformed path segment");
			goto out;
		}
		if (!m)
			continue;
		path_match = rt;
		if (!strcmp(rt->method, r->method) || (!strcmp(r->method, "HEAD") && !strcmp(rt->method, "GET")))
			break;
	}
	if (!rt->method) {
		if (path_match) {
			cv_header(r, "Allow", path_match->method);
			st = cv_fail(r, 405, CV_C_METHOD, "%s is not allowed here", r->method);
		} else {
			st = cv_fail(r, 404, CV_C_NO_ROUTE, "no such resource");
		}
		goto out;
	}
	r->route = rt;
	r->rc_try = r->rc_ok = false;
	if (rc_lookup(r)) {
		req_release(r);
		return;
	}
	/* who asks, from the headers, before a body is read: an unknown
	 * client's body costs a read and a drop, never a parse */
	st = parse_query(r);
	if (!st)
		st = body_check(r);
	cv_wd_store();
	if (!st && rt->auth == CV_AUTH_USER)
		st = auth_user(r);
	if (!st && rt->auth == CV_AUTH_FLEET)
		st = auth_fleet(r);
	if (!st && rt->auth == CV_AUTH_VEHICLE)
		st = auth_vehicle(r);
	if (!st)
		st = read_body(r);
	if (!st) {
		r->status = 200;
		r->ctype = "application/hal+json";
		st = rt->fn(r);
	}
	if (!st && r->status == 200 && (rt->auth == CV_AUTH_USER || rt->auth == CV_AUTH_FLEET) &&
	    (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")))
		set_validators(r);
	if (!st && r->status == 200 && r->rc_ok) {
		rc_keep(r);
		if (rc_trace)
			cv_header(r, "X-Cvapi-Cache", "miss");
	}
out:
	(void)st;
	body_drop(r);
	cv_wd_reply(r->fcgi->ipcFd);
	send_response(r);
	req_release(r);
}

static void usage(const char *prog, const char *summary, FILE *f)
{
	fprintf(f,
		"Usage: %s [--help] [--version]\n"
		"%s\n"
		"A FastCGI responder: the web server starts it (see etc/); it reads the\n"
		"store in $CVAPI_HOME. See %s(8).\n", prog, summary, prog);
}

/*
 * The whole number in environment variable name, from min to max; def when
 * it is unset, or bad (then said on stderr, once, at start).
 */
static int64_t env_int(const char *prog, const char *name, int64_t min, int64_t max, int64_t def)
{
	const char *v = getenv(name);
	int64_t n;

	if (!v)
		return def;
	if (cv_parse_i64(v, min, max, &n) != CV_OK) {
		fprintf(stderr, "%s: %s=\"%.40s\" is not a whole number from %lld to %lld: %lld is used\n", prog, name,
			v, (long long)min, (long long)max, (long long)def);
		return def;
	}
	return n;
}

int cv_serve(int argc, char **argv, const char *prog, const char *summary, const struct cv_route *routes)
{
	struct cv_store store;
	FCGX_Request fr;
	struct sigaction sa;
	const char *home;
	struct cv_req r;
	unsigned watchdog, client;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			usage(prog, summary, stdout);
			return 0;
		}
		if (!strcmp(argv[1], "--version")) {
			printf("%s (cvapi) %s\n", prog, PACKAGE_VERSION);
			return 0;
		}
		usage(prog, summary, stderr);
		return 2;
	}
	if (FCGX_IsCGI()) {
		fprintf(stderr, "%s: not started as a FastCGI responder (no socket on stdin)\n", prog);
		usage(prog, summary, stderr);
		return 2;
	}
	home = getenv("CVAPI_HOME");
	if (!home || !*home)
		home = CV_STATEDIR "/db";
	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The watchdog (watchdog.h): store work that takes more than
	 * `watchdog` seconds (default 3; a lock wait gives up after 2), or an
	 * opening of the store (recovery included) that takes more than 30 s
	 * (alarm), ends the process with SIGALRM (default action, which no
	 * wait inside Berkeley DB can ignore), and the web server starts a
	 * fresh one: a survivor of a peer's crash can otherwise hang for good
	 * on a mutex the dead process held. Waiting on the client (a body, an
	 * answer) has its own deadline, `client` seconds, which ends the
	 * request, never the process.
	 */
	watchdog = (unsigned)env_int(prog, "CVAPI_WATCHDOG", 1, 3600, 3);
	client = (unsigned)env_int(prog, "CVAPI_CLIENT_TIMEOUT", 1, 3600, 20);
	cv_rc_setup((size_t)env_int(prog, "CVAPI_CACHE", 0, CV_RC_MAX, CV_RC_DEFAULT));
	rc_trace = getenv("CVAPI_CACHE_TRACE") && !strcmp(getenv("CVAPI_CACHE_TRACE"), "1");
	cv_purge_every_ms = env_int(prog, "CVAPI_PURGE_EVERY", 0, 86400, cv_purge_every_ms / 1000) * 1000;
	signal(SIGALRM, SIG_DFL);
	alarm(watchdog > 30 ? watchdog : 30);
	if (cv_store_owner(home) || cv_store_open(&store, home, 0))
		return 1;
	alarm(0);
	cv_wd_start(watchdog, client);
	FCGX_Init();
	FCGX_InitRequest(&fr, 0, 0);
	memset(&r, 0, sizeof(r));
	while (!cv_stop && FCGX_Accept_r(&fr) >= 0) {
		cv_wd_client(fr.ipcFd);
		memset(&r, 0, offsetof(struct cv_req, out));
		cv_buf_reset(&r.out);
		cv_buf_reset(&r.headers);
		cv_buf_reset(&r.scratch);
		r.fcgi = &fr;
		r.store = &store;
		r.prog = prog;
		r.now = cv_now_ms();
		handle(&r, routes);
		/* the whole answer, end of request included, while the reply
		 * deadline holds; the connection is closed only once idle */
		FCGX_FClose(fr.err);
		FCGX_FClose(fr.out);
		cv_wd_idle();
		FCGX_Finish_r(&fr);
		cv_wd_store();
		/* after a large request, the memory goes back to the system: a
		 * process keeps what a usual request needs, not its largest */
		if (r.body_bytes > CV_TRIM_AFTER || r.out.cap > CV_TRIM_AFTER || r.scratch.cap > CV_TRIM_AFTER) {
			if (r.out.cap > CV_TRIM_AFTER)
				cv_buf_release(&r.out);
			if (r.scratch.cap > CV_TRIM_AFTER)
				cv_buf_release(&r.scratch);
			malloc_trim(0);
		}
		purge_tick(&store, prog, cv_now_ms());
		if (cv_panicked || cv_store_maintain(&store, cv_now_ms()) == CV_EPANIC) {
			/*
			 * Close the handles (that takes this process out of the
			 * environment's registry, or the next process to open it
			 * would see one more dead process and recover once more),
			 * then leave at once: a panicked environment does not free
			 * its memory, which is no leak worth reporting at exit.
			 */
			fprintf(stderr, "cvapi[%s]: the store needs recovery: exiting to be restarted\n", prog);
			fflush(stderr);
			cv_store_close(&store);
			_exit(1);
		}
		cv_wd_idle();
	}
	cv_buf_release(&r.out);
	cv_buf_release(&r.headers);
	cv_buf_release(&r.scratch);
	FCGX_Free(&fr, 1);
	cv_rc_free();
	cv_store_close(&store);
	return 0;
}

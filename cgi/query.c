/* query.c - query parameters, validated into struct cv_query before any handler runs (see reqint.h). */
#include "config.h"
#include "req.h"
#include "reqint.h"
#include "cvtime.h"

#include <stdlib.h>
#include <string.h>

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
	case CV_F_ANY:
		return 0;
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

const struct cv_field cv_fields_any[] = {
	{ "*", CV_F_ANY, 0, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

int cv_pairs_split(struct cv_req *r, const char *p, size_t len, char *pairs[][2], size_t *count, const char *what)
{
	/* a device's request may hold its id, a credential: never quoted (log.h) */
	bool quiet = r->route && r->route->auth == CV_AUTH_DEVICE;

	const char *end = p + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
		char name[64], *val;

		if (n > 0) {
			if (*count >= CV_MAX_PARAMS)
				return cv_fail(r, 400, CV_C_BAD_PARAM, "too many %ss (at most %d)", what, CV_MAX_PARAMS);
			eq = memchr(p, '=', n);
			if (!eq || !cv_pct_decode(p, (size_t)(eq - p), name, sizeof(name), true))
				return quiet ? cv_fail(r, 400, CV_C_BAD_PARAM, "malformed %s (name=value)", what)
					     : cv_fail(r, 400, CV_C_BAD_PARAM, "malformed %s \"%.40s\"", what, p);
			val = cv_malloc(n + 1);
			if (!cv_pct_decode(eq + 1, (size_t)(p + n - eq - 1), val, n + 1, true)) {
				free(val);
				return cv_fail(r, 400, CV_C_BAD_PARAM, "%s %s has a malformed value", what, name);
			}
			pairs[*count][0] = cv_strdup(name);
			pairs[*count][1] = val;
			(*count)++;
		}
		p += n + (amp ? 1 : 0);
	}
	return 0;
}

int cv_query_parse(struct cv_req *r)
{
	const struct cv_field *fields = r->route->fields;
	unsigned seen = 0;
	int st;

	if (!r->query_string)
		return 0;
	st = cv_pairs_split(r, r->query_string, strlen(r->query_string), r->params, &r->nparams, "query parameter");
	if (fields && fields[0].type == CV_F_ANY)
		return st;      /* the handler's decoder reads them */
	for (size_t i = 0; i < r->nparams && !st; i++) {
		const char *name = r->params[i][0];
		size_t fi;

		for (fi = 0; fields && fields[fi].name; fi++)
			if (!strcmp(fields[fi].name, name))
				break;
		if (!fields || !fields[fi].name)
			return cv_fail(r, 400, CV_C_UNKNOWN_PARAM, "unknown query parameter \"%.40s\"", name);
		st = parse_field(r, &fields[fi], fi, r->params[i][1], &seen);
	}
	return st;
}

/* ---- list checkers shared by routes -------------------------------------- */

uint32_t cv_check_profile(const char *item)
{
	return !strcmp(item, "fleet") || !strcmp(item, "endUser");
}

uint32_t cv_check_tel_type(const char *item)
{
	return cv_tel_part_mask(item);
}

uint32_t cv_check_tel_extension(const char *item)
{
	static const char *const names[] = { "location", "maintenance", "alerts", "collision", "odometer", "fuel",
					     "electric" };

	for (size_t i = 0; i < CV_ARRAY_LEN(names); i++)
		if (!strcmp(item, names[i]))
			return 1;
	return 0;
}

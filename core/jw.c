/* jw.c - streaming JSON writer (see jw.h). */
#include "jw.h"
#include "cvtime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void cv_jw_init(struct cv_jw *w, struct cv_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void jw_put(struct cv_jw *w, const char *s, size_t n)
{
	if (!w->err)
		w->err = cv_buf_add(w->b, s, n);
}

/* Called before every value or key: the comma, unless a key precedes. */
static void jw_sep(struct cv_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth - 1])
			jw_put(w, ",", 1);
		w->need_comma[w->depth - 1] = true;
	}
}

static void jw_open(struct cv_jw *w, char open, char close)
{
	jw_sep(w);
	if (w->depth >= CV_JW_DEPTH) {
		w->err = CV_ETOOBIG;
		return;
	}
	jw_put(w, &open, 1);
	w->need_comma[w->depth] = false;
	w->closer[w->depth] = close;
	w->depth++;
}

void cv_jw_obj(struct cv_jw *w) { jw_open(w, '{', '}'); }
void cv_jw_arr(struct cv_jw *w) { jw_open(w, '[', ']'); }

void cv_jw_end(struct cv_jw *w)
{
	if (w->depth <= 0) {
		w->err = CV_EINVAL;
		return;
	}
	w->depth--;
	jw_put(w, &w->closer[w->depth], 1);
}

enum cv_err cv_json_escape(struct cv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	enum cv_err e;

	/* the usual string (a key, a link, a name) needs no escape: one copy */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		char *p;

		e = cv_buf_grow(b, n + 2);
		if (e)
			return e;
		p = b->p + b->len;
		p[0] = '"';
		memcpy(p + 1, s, n);
		p[n + 1] = '"';
		b->len += n + 2;
		b->p[b->len] = '\0';
		return CV_OK;
	}
	e = cv_buf_addc(b, '"');

	for (i = 0; i < n && !e; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		e = cv_buf_add(b, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (!e)
			e = cv_buf_add(b, esc, elen);
	}
	if (!e)
		e = cv_buf_add(b, s + start, n - start);
	if (!e)
		e = cv_buf_addc(b, '"');
	return e;
}

void cv_jw_key(struct cv_jw *w, const char *key)
{
	jw_sep(w);
	if (!w->err)
		w->err = cv_json_escape(w->b, key, strlen(key));
	jw_put(w, ":", 1);
	w->after_key = true;
}

void cv_jw_strn(struct cv_jw *w, const char *s, size_t n)
{
	jw_sep(w);
	if (!w->err)
		w->err = cv_json_escape(w->b, s, n);
}

void cv_jw_str(struct cv_jw *w, const char *s)
{
	cv_jw_strn(w, s, strlen(s));
}

/*
 * Write the digits of a into the end of buf (buf[0..end)), at least `min`
 * of them (leading zeros); returns where they start. No printf on the hot
 * path: a page of 2,000 positions writes about 8,000 numbers.
 */
static size_t put_digits(char *buf, size_t end, uint64_t a, int min)
{
	size_t i = end;

	do {
		buf[--i] = (char)('0' + a % 10);
		a /= 10;
		min--;
	} while (a || min > 0);
	return i;
}

void cv_jw_int(struct cv_jw *w, int64_t v)
{
	char tmp[24];
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t i = put_digits(tmp, sizeof(tmp), a, 1);

	if (v < 0)
		tmp[--i] = '-';
	jw_sep(w);
	jw_put(w, tmp + i, sizeof(tmp) - i);
}

void cv_jw_fixed(struct cv_jw *w, int64_t v, int decimals)
{
	char tmp[32];
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t div = 1, ip, fp;
	int n, d;

	if (decimals < 0 || decimals > 9)
		decimals = decimals < 0 ? 0 : 9;     /* the fixed-point values here have 0 to 7 */
	for (d = 0; d < decimals; d++)
		div *= 10;
	ip = a / div;
	fp = a % div;
	{
		char digits[24];
		size_t i = put_digits(digits, sizeof(digits), ip, 1);

		n = 0;
		if (v < 0)
			tmp[n++] = '-';
		memcpy(tmp + n, digits + i, sizeof(digits) - i);
		n += (int)(sizeof(digits) - i);
	}
	if (fp) {
		char frac[24];
		size_t i = put_digits(frac, sizeof(frac), fp, decimals);
		size_t fl = sizeof(frac);

		while (fl > i && frac[fl - 1] == '0')
			fl--;
		tmp[n++] = '.';
		memcpy(tmp + n, frac + i, fl - i);
		n += (int)(fl - i);
	}
	jw_sep(w);
	jw_put(w, tmp, (size_t)n);
}

void cv_jw_num(struct cv_jw *w, double v, int decimals)
{
	double scale = 1;

	if (!isfinite(v)) {
		cv_jw_null(w);
		return;
	}
	for (int d = 0; d < decimals; d++)
		scale *= 10;
	cv_jw_fixed(w, (int64_t)llround(v * scale), decimals);
}

void cv_jw_bool(struct cv_jw *w, bool v)
{
	jw_sep(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

void cv_jw_null(struct cv_jw *w)
{
	jw_sep(w);
	jw_put(w, "null", 4);
}

void cv_jw_time(struct cv_jw *w, int64_t ms)
{
	char tmp[CV_TIME_STRLEN];

	cv_time_fmt(ms, tmp);
	jw_sep(w);
	jw_put(w, "\"", 1);
	jw_put(w, tmp, strlen(tmp));
	jw_put(w, "\"", 1);
}

void cv_jw_raw(struct cv_jw *w, const char *json, size_t n)
{
	jw_sep(w);
	jw_put(w, json, n);
}

void cv_jw_raw_members(struct cv_jw *w, const char *json, size_t n)
{
	if (n == 0)
		return;
	jw_sep(w);
	jw_put(w, json, n);
}

void cv_jw_kstr(struct cv_jw *w, const char *key, const char *s) { cv_jw_key(w, key); cv_jw_str(w, s); }
void cv_jw_kint(struct cv_jw *w, const char *key, int64_t v) { cv_jw_key(w, key); cv_jw_int(w, v); }
void cv_jw_kfixed(struct cv_jw *w, const char *key, int64_t v, int d) { cv_jw_key(w, key); cv_jw_fixed(w, v, d); }
void cv_jw_kbool(struct cv_jw *w, const char *key, bool v) { cv_jw_key(w, key); cv_jw_bool(w, v); }
void cv_jw_ktime(struct cv_jw *w, const char *key, int64_t ms) { cv_jw_key(w, key); cv_jw_time(w, ms); }

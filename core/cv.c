/* cv.c - errors, allocation and small string helpers (see cv.h). */
#include "cv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cv_errstr[CV_ERR_COUNT] = {
	[CV_OK] = "success",
	[CV_EINVAL] = "invalid input",
	[CV_ETOOBIG] = "too large",
	[CV_ENOTFOUND] = "not found",
	[CV_EEXIST] = "already exists",
	[CV_EDEADLOCK] = "deadlock, transaction aborted",
	[CV_EPANIC] = "store needs recovery",
	[CV_EIO] = "store or system failure",
	[CV_EAUTH] = "bad credentials",
	[CV_EFORBIDDEN] = "forbidden",
	[CV_EQUOTA] = "over a quota",
	[CV_EBUSY] = "busy: try again later",
	[CV_EREPLICA] = "not the master of the replication group",
	[CV_ESTALE] = "the store's handles are stale: reopen",
};

const char *cv_strerror(enum cv_err err)
{
	if ((unsigned)err >= CV_ERR_COUNT || !cv_errstr[err])
		return "unknown error";
	return cv_errstr[err];
}

void cv_die(const char *fmt, ...)
{
	va_list ap;

	fputs("cvapi: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *cv_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		cv_die("out of memory (%zu bytes)", n);
	return p;
}

void *cv_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		cv_die("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

uint64_t cv_hash64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void *cv_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		cv_die("out of memory (%zu bytes)", n);
	return q;
}

char *cv_strndup(const char *s, size_t n)
{
	char *p = cv_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cv_strdup(const char *s)
{
	return cv_strndup(s, strlen(s));
}

enum cv_err cv_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);

	if (dstsz == 0)
		return CV_ETOOBIG;
	if (n >= dstsz) {
		memcpy(dst, src, dstsz - 1);
		dst[dstsz - 1] = '\0';
		return CV_ETOOBIG;
	}
	memcpy(dst, src, n + 1);
	return CV_OK;
}

bool cv_memeq_ct(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

enum cv_err cv_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '-'))
		return CV_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return CV_EINVAL;
	*out = v;
	return CV_OK;
}

bool cv_chars_ok(const char *s, size_t max, const char *extra)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		char c = *s;

		if (n >= max)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return n > 0;
}

bool cv_vin_ok(const char *s, size_t n)
{
	if (n != 17)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) || c == 'I' || c == 'O' || c == 'Q')
			return false;
	}
	return true;
}

int cv_name_index(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

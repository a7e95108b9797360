/* buf.c - growable byte buffer with a ceiling (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cv_buf_init(struct cv_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
}

void cv_buf_release(struct cv_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void cv_buf_reset(struct cv_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

enum cv_err cv_buf_grow(struct cv_buf *b, size_t n)
{
	size_t need, cap;

	if (b->max == 0)
		b->max = SIZE_MAX / 2;
	if (n > b->max || b->len > b->max - n)
		return CV_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return CV_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < SIZE_MAX / 4 ? cap * 2 : need;
	b->p = cv_realloc(b->p, cap);
	b->cap = cap;
	return CV_OK;
}

enum cv_err cv_buf_add(struct cv_buf *b, const void *data, size_t n)
{
	enum cv_err e = cv_buf_grow(b, n);

	if (e)
		return e;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CV_OK;
}

enum cv_err cv_buf_adds(struct cv_buf *b, const char *s)
{
	return cv_buf_add(b, s, strlen(s));
}

enum cv_err cv_buf_addc(struct cv_buf *b, char c)
{
	return cv_buf_add(b, &c, 1);
}

enum cv_err cv_buf_vaddf(struct cv_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	enum cv_err e;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return CV_EINVAL;
	e = cv_buf_grow(b, (size_t)n);
	if (e)
		return e;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CV_OK;
}

enum cv_err cv_buf_addf(struct cv_buf *b, const char *fmt, ...)
{
	va_list ap;
	enum cv_err e;

	va_start(ap, fmt);
	e = cv_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return e;
}

void cv_buf_truncate(struct cv_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

const char *cv_buf_str(const struct cv_buf *b)
{
	return b->p ? b->p : "";
}

char *cv_buf_detach(struct cv_buf *b, size_t *len)
{
	char *p = b->p ? b->p : cv_strdup("");

	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

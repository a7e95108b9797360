/*
 * buf.h - a growable byte buffer with a ceiling.
 *
 *   struct cv_buf b;
 *   cv_buf_init(&b, 1 << 20);     // never grows past 1 MiB
 *   if (cv_buf_add(&b, data, n)) ...   // CV_ETOOBIG past the ceiling
 *   use b.p (always NUL-terminated), b.len
 *   cv_buf_release(&b);
 *
 * A buffer that grows from outside input must have a ceiling; max = 0 means
 * SIZE_MAX/2 and is for data the program makes itself. After a CV_ETOOBIG
 * the buffer is unchanged. b.p is NULL until the first addition; use
 * cv_buf_str() for a string that is never NULL.
 */
#ifndef CV_BUF_H
#define CV_BUF_H

#include <stdarg.h>
#include "cv.h"

struct cv_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
};

#define CV_BUF_INIT(max_) { NULL, 0, 0, (max_) }

void cv_buf_init(struct cv_buf *b, size_t max);
/* Free the memory; the buffer may be used again after cv_buf_init(). */
void cv_buf_release(struct cv_buf *b);
/* Empty the buffer, keeping its memory. */
void cv_buf_reset(struct cv_buf *b);
/* Make room for n more bytes. */
enum cv_err cv_buf_grow(struct cv_buf *b, size_t n);
enum cv_err cv_buf_add(struct cv_buf *b, const void *data, size_t n);
enum cv_err cv_buf_adds(struct cv_buf *b, const char *s);
enum cv_err cv_buf_addc(struct cv_buf *b, char c);
enum cv_err cv_buf_addf(struct cv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum cv_err cv_buf_vaddf(struct cv_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drop bytes past len (len <= b->len). */
void cv_buf_truncate(struct cv_buf *b, size_t len);
/* The contents as a string: "" when empty. */
const char *cv_buf_str(const struct cv_buf *b);
/* Hand the memory over to the caller (who must free it); the buffer is reset. */
char *cv_buf_detach(struct cv_buf *b, size_t *len);

#endif

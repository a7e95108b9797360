/* pack.c - little-endian record packing (see pack.h). */
#include "pack.h"

#include <string.h>

uint64_t cv_rd_uint(struct cv_rd *r, int n)
{
	uint64_t v = 0;

	if (r->bad || n < 1 || n > 8 || r->off + (size_t)n > r->len) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
	r->off += (size_t)n;
	return v;
}

enum cv_err cv_wr_uint(struct cv_buf *b, uint64_t v, int n)
{
	unsigned char tmp[8];

	if (n < 1 || n > 8)
		return CV_EINVAL;
	for (int i = 0; i < n; i++)
		tmp[i] = (unsigned char)(v >> (8 * i));
	return cv_buf_add(b, tmp, (size_t)n);
}

uint64_t cv_rd_varint(struct cv_rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; !r->bad; shift += 7) {
		unsigned char c;

		if (r->off >= r->len || shift > 63) {
			r->bad = true;
			break;
		}
		c = r->p[r->off++];
		if (shift == 63 && (c & 0x7e)) {
			r->bad = true;      /* bits past 64 */
			break;
		}
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	return 0;
}

enum cv_err cv_wr_varint(struct cv_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	return cv_buf_add(b, tmp, n);
}

enum cv_err cv_wr_str(struct cv_buf *b, const char *s)
{
	size_t n = strlen(s);
	enum cv_err e = cv_wr_varint(b, n);

	return e ? e : cv_buf_add(b, s, n);
}

void cv_rd_str(struct cv_rd *r, char *out, size_t outsz)
{
	uint64_t n = cv_rd_varint(r);

	if (outsz)
		out[0] = '\0';
	if (r->bad || n >= outsz || n > r->len - r->off || memchr(r->p + r->off, '\0', (size_t)n)) {
		r->bad = true;
		return;
	}
	memcpy(out, r->p + r->off, (size_t)n);
	out[n] = '\0';
	r->off += (size_t)n;
}

/*
 * pack.h - little-endian packing of the store's binary records (samples,
 * events, tokens, trips...): fixed-width unsigned integers of 1 to 8 bytes,
 * and variable-length ones (LEB128: 7 bits a byte, low bits first, the high
 * bit set on every byte but the last) for the telemetry blocks' deltas.
 *
 * Reading is bounds-checked: a read past the end sets `bad` and returns 0,
 * and every later read does the same, so a decoder reads all its fields and
 * checks `bad` (and that `off` reached `len`) once at the end.
 */
#ifndef CV_PACK_H
#define CV_PACK_H

#include "buf.h"

struct cv_rd {
	const unsigned char *p;
	size_t len;
	size_t off;
	bool bad;
};

/* A reader over p[0..len). */
#define CV_RD_INIT(p, len) { (const unsigned char *)(p), (len), 0, false }

/* The next n bytes (1..8) as an unsigned little-endian integer. */
uint64_t cv_rd_uint(struct cv_rd *r, int n);

/* Append v as n bytes (1..8), little-endian. */
enum cv_err cv_wr_uint(struct cv_buf *b, uint64_t v, int n);

/* The next LEB128 integer (at most 10 bytes, and no bits past 64). */
uint64_t cv_rd_varint(struct cv_rd *r);
/* Append v as LEB128 (1 to 10 bytes). */
enum cv_err cv_wr_varint(struct cv_buf *b, uint64_t v);

/*
 * A string: its length (LEB128) then its bytes, no terminator. Reading
 * copies it into out (outsz bytes, terminated); a longer one, or one
 * holding a NUL, sets `bad`.
 */
enum cv_err cv_wr_str(struct cv_buf *b, const char *s);
void cv_rd_str(struct cv_rd *r, char *out, size_t outsz);

/* Signed to unsigned so that small magnitudes stay small: 0, -1, 1, -2... -> 0, 1, 2, 3... */
static inline uint64_t cv_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t cv_unzigzag(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

#endif

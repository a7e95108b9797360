/*
 * tblock.h - telemetry blocks: a run of one vehicle's samples, packed
 * together as deltas.
 *
 * The telemetry database holds a vehicle's samples in blocks, keyed by the
 * vehicle and the time of the block's first sample (store.h). Packing a
 * run of samples together is what brings a sample down from about 170
 * bytes on disk (a record of its own: key, item overhead and half-empty
 * pages) to a few tens: consecutive samples of a vehicle differ little,
 * and a block pays its key and overhead once.
 *
 * A block (version byte CV_TBLOCK_V):
 *
 *   u8      version
 *   varint  count                    samples in the block, >= 1
 *   varint  span                     last sample's time - first's (ms)
 *   varint  common                   the groups every sample has (AND
 *                                    of their `has`): counting by groups
 *                                    skips a block that has them all
 *   count x sample:
 *     varint  dt                     time - previous sample's (first: 0)
 *     varint  bits                   bit 0: `has` changed; bit 1 + i:
 *                                    column i changed (see tblock.c)
 *     varint  has                    if bit 0
 *     zigzag varint per changed column, in column order: the value minus
 *             the column's previous value in the block (0 at the start)
 *
 * A column is written only for a sample whose `has` includes its group
 * and whose value differs from the column's previous one: a value that
 * stays put costs nothing. A record of the former layout (one sample per
 * record, rec.h's cv_sample_encode, first byte 1) reads as a block of one.
 *
 * Version 3 added a column, the last: the charging power (kW x 10) plus
 * one, 0 when the sample did not report it. A version 2 block (written
 * before; 27 columns) still reads, its samples without a power. Blocks
 * are always written in the current version.
 *
 * Bounds: a block holds at most CV_TBLOCK_MAX samples and about
 * CV_TBLOCK_BYTES bytes (it stays on its page: no overflow pages), and
 * its samples span less than CV_TBLOCK_SPAN_MS, so that retention, which
 * deletes whole blocks, keeps nothing more than that past its cutoff.
 *
 * Samples in a block have distinct times, ascending. Events are not in
 * blocks (they are records of their own, see store.h).
 */
#ifndef CV_TBLOCK_H
#define CV_TBLOCK_H

#include "buf.h"
#include "vdata.h"

#define CV_TBLOCK_V 3
#define CV_TBLOCK_MAX 256
#define CV_TBLOCK_BYTES 3000
#define CV_TBLOCK_SPAN_MS (6LL * 3600 * 1000)

/* The columns: the fields of a sample that are delta-coded (tblock.c). */
#define CV_TBLOCK_COLS 28

/*
 * Pack a block from s[0..n) (n >= 1; ascending distinct times) into out
 * (appended): as many samples as the bounds allow, at least one. *used
 * says how many; the block's key time is s[0].at.
 */
enum cv_err cv_tblock_pack(const struct cv_sample *s, size_t n, struct cv_buf *out, size_t *used);

/* The header of a block. CV_EINVAL if malformed. */
struct cv_tblock_info {
	uint8_t version;        /* CV_TBLOCK_V, 2, or 1 (a one-sample record) */
	size_t count;           /* samples */
	int64_t last_at;        /* the last sample's time */
	uint32_t common;        /* the groups every sample has */
};
enum cv_err cv_tblock_info(const void *p, size_t len, int64_t first_at, struct cv_tblock_info *bi);

/* Reading a block's samples in order. */
struct cv_tblock_rd {
	const unsigned char *p;
	size_t len, off;
	size_t left;            /* samples still to read */
	size_t read;            /* samples read */
	int64_t at;
	uint32_t has;
	int64_t col[CV_TBLOCK_COLS];
	int ncols;              /* the columns its version has */
	bool single;            /* a record of the former one-sample layout */
	int64_t first_at, last_at;
	uint32_t common;        /* the groups every sample has */
};

/* Start reading block p[0..len) keyed at first_at; CV_EINVAL if its header is malformed. */
enum cv_err cv_tblock_open(struct cv_tblock_rd *rd, const void *p, size_t len, int64_t first_at);
/*
 * Move to the next sample without building it: rd->at and rd->has are its
 * time and groups (what counting needs). CV_OK, CV_ENOTFOUND after the
 * last, CV_EINVAL if the block is malformed (nothing more is read).
 */
enum cv_err cv_tblock_step(struct cv_tblock_rd *rd);
/*
 * The next sample into *s (events: none): CV_OK, CV_ENOTFOUND after the
 * last, CV_EINVAL if the block is malformed (nothing more is read).
 */
enum cv_err cv_tblock_next(struct cv_tblock_rd *rd, struct cv_sample *s);

#endif

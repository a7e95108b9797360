/*
 * telemetry.h - a vehicle's telemetry history in the store.
 *
 * Samples live in blocks (tblock.h) in the telemetry database, keyed
 * vid (16) . time of the block's first sample (8, big-endian ms). A
 * vehicle's blocks cover disjoint, ascending time ranges: the block for
 * time t is the last one starting at or before t. Finding a time is one
 * cursor seek, as it was with a record per sample; what changes is that a
 * read decodes a block (up to CV_TBLOCK_MAX samples) and an upload
 * rewrites the block it extends.
 *
 * Writers take the blocks they change with DB_RMW; readers without a
 * transaction read committed blocks (DB_READ_COMMITTED), each block whole.
 */
#ifndef CV_TELEMETRY_H
#define CV_TELEMETRY_H

#include "store.h"
#include "vdata.h"

/*
 * Store samples s[0..n) of vehicle vid (in ascending time; a sample with
 * no group is skipped, its events are the caller's). Each lands in the
 * block covering its time, replacing a stored sample of the same time;
 * blocks that outgrow their bounds split. An upload that extends the
 * newest block rewrites only that block and adds new ones.
 */
enum cv_err cv_telemetry_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			     const struct cv_sample *s, size_t n);

/*
 * Walk a vehicle's telemetry in [from, to), newest first (desc) or oldest
 * first, starting at `start` (the first visited sample is the nearest to
 * start in walking order, start included). fn returns nonzero to stop.
 * Cost: one seek, then the blocks visited.
 */
struct cv_walk {
	int64_t from, to;       /* half-open time range */
	int64_t start;          /* where to begin in walking order */
	bool desc;
};
enum cv_err cv_telemetry_walk(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      const struct cv_walk *wk,
			      int (*fn)(const struct cv_sample *s, void *arg), void *arg);

/*
 * Count the vehicle's samples with from <= at < to, and, with accept,
 * those whose groups (`has`) it accepts. accept must be monotone (what
 * accepts some groups accepts any more of them): a block wholly inside the
 * range whose common groups are accepted counts from its header, without
 * decoding.
 */
enum cv_err cv_telemetry_count(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			       int64_t from, int64_t to, bool (*accept)(uint32_t has, void *arg), void *arg,
			       int64_t *count);

/* CV_OK if the vehicle has a sample at time `at`, else CV_ENOTFOUND. */
enum cv_err cv_telemetry_exists(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at);

#endif

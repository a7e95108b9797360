/*
 * trips.h - a vehicle's trips in the store: built at ingest from its
 * telemetry, inside the upload's transaction, and read back by cvapi-trips.
 *
 * Databases (key layout in store.h):
 *
 *   trips     vid (16) . start (8)   every trip, closed or not (the open
 *                                     one too, done = 0, rewritten by each
 *                                     batch that extends it): a list page
 *                                     is one cursor walk, an item one get
 *   tripopen  vid (16)               the builder's state (struct
 *                                     cv_trip_state): the open trip, the
 *                                     newest sample folded, the latest
 *                                     ignition reported
 *
 * A trip is made only of the telemetry history: the samples that carry at
 * least one data group (a sample with events only is not in the telemetry,
 * and is not folded in), one per millisecond (the one the history keeps).
 * So folding the stored telemetry again from a trip's start gives the same
 * trips as the upload-time fold: that is how late samples are handled.
 *
 * Late samples. The builder (core/trip.h) only moves forward. A batch
 * whose samples are all newer than the state's watermark (the newest
 * sample folded so far) is folded in sample by sample: one read and two
 * writes per batch (the state, the open trip). A batch holding samples at
 * or before the watermark, but at most CV_TRIPS_LATE_WINDOW_MS before it,
 * makes a re-fold: from P, the start of the trip that may have been open
 * at the earliest such sample L (the latest trip started at or before L
 * that was open then, or stopped without a Stop close enough before L to
 * be extended by it), else L itself, every trip starting at or after P is
 * deleted and the stored telemetry from P on (this batch's samples are
 * already written, in the same transaction) is folded again, with the
 * ignition reported before P (read back from the telemetry, at most
 * CV_TRIPS_IGN_LOOKBACK samples) as the builder's starting point. Cost:
 * one cursor walk over the vehicle's telemetry from P to its newest sample
 * and one write per trip rebuilt; P is never more than
 * CV_TRIPS_REFOLD_MAX_MS before the watermark (a late sample inside a trip
 * that started earlier than that, a trip over a day long, does not change
 * it). Measured (release build, no log flush): 1 to 7 ms for a sample a
 * few minutes late, 100 to 140 ms for one 23 hours late on a vehicle that
 * sends a sample a second (83,000 samples read back); about 1,500 samples,
 * a few ms, at one a minute. Samples older than the window are stored in
 * the telemetry but never cause a re-fold (they only count if a later
 * re-fold starts before them). Nor does a late sample in a trip whose
 * first sample was purged (db/purge.h, with a retention shorter than the
 * window): a re-fold would cut that trip short.
 *
 * Unstarted is exact (cv_trip_feed_after): the state keeps the latest
 * ignition reported, so a trip is Unstarted when its first sample is not a
 * StartUp and the vehicle was already running (no Stop since the trip
 * before), and never after a Stop.
 *
 * A trip stays open (done = false, fault Unfinished) until a sample closes
 * it: a Stop, a restart, or the next sample more than 30 minutes later.
 * Nothing closes it on a clock (there is no batch job), so a vehicle that
 * went silent shows its last trip in progress.
 */
#ifndef CV_TRIPS_H
#define CV_TRIPS_H

#include "model.h"
#include "trip.h"

/* Samples this much older than the newest one folded never change trips (24 h). */
#define CV_TRIPS_LATE_WINDOW_MS (24 * 3600 * 1000LL)
/* A re-fold never starts more than this before the newest sample folded (48 h). */
#define CV_TRIPS_REFOLD_MAX_MS (2 * CV_TRIPS_LATE_WINDOW_MS)
/* How many samples before a re-fold's start are searched for the ignition. */
#define CV_TRIPS_IGN_LOOKBACK 1000

/* The builder's state for one vehicle (the tripopen record). */
struct cv_trip_state {
	bool has_open;
	struct cv_trip open;       /* valid when has_open */
	int64_t watermark;         /* ms, the newest sample folded (-1: none yet) */
	uint8_t last_ign;          /* enum cv_ign, or CV_TRIP_IGN_UNKNOWN */
};

/* The state of vehicle vid; a vehicle with none gets the empty state (CV_OK). */
enum cv_err cv_trip_state_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      struct cv_trip_state *ts);

/*
 * Fold a batch into the vehicle's trips. s[0..n) is the batch sorted by
 * time, already written to the history in txn (cv_history_put, in array
 * order); call it in the same transaction, after the samples. What it
 * changes: trips (closed and open) and the state, as described above.
 * *refolded (may be NULL) tells whether a re-fold ran.
 */
enum cv_err cv_trips_ingest(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			    const struct cv_sample *s, size_t n, bool *refolded);

/* The trip of vehicle vid that started at `start`; CV_ENOTFOUND if none. */
enum cv_err cv_trip_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			struct cv_trip *t);

/*
 * Walk the vehicle's trips newest first: those started in [from, start]
 * (start inclusive: a resume point), stopping when fn returns nonzero.
 * One cursor seek, then one step per trip.
 */
enum cv_err cv_trips_walk_desc(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t from,
			       int64_t start, int (*fn)(const struct cv_trip *t, void *arg), void *arg);

/* The time span of a trip's data: startedAt to stoppedAt, or to its last sample while open. */
int64_t cv_trip_end_at(const struct cv_trip *t);

#endif

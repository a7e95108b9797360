/*
 * purge.h - retention: a vehicle's history older than its retention period
 * is deleted, a little at a time.
 *
 * The period is CV_RETENTION_DEFAULT_DAYS unless `cvctl retention` set
 * another default (meta key "retention") or one for a vehicle (meta key
 * "retention:" vehicle id). What goes: telemetry blocks whose samples are
 * all older than the cutoff (now - period; a block spans at most
 * CV_TBLOCK_SPAN_MS), events older than it, alert occurrences and thefts that ended
 * before it, trips that started before it; message ids older than
 * CV_MSGID_KEEP_MS (a retried batch is recognised for that long). And
 * tokens that expired more than CV_TOKEN_KEEP_MS ago (until then, an
 * expired access token is told apart from an unknown one): each step also
 * sweeps a part of the token database, going round it, and then of the
 * remote actions: those posted before the default retention period go.
 * Each step starts with a sweep step (sweep.h) when a deleted callback
 * left something, and ends with the Idempotency-Keys made more than
 * CV_IDEM_KEEP_MS ago (idem.h), oldest first, in a transaction of their
 * own (a tenant's keyed POSTs, which write the counts it updates, cannot
 * make the step give up the history's work).
 *
 * cv_purge_step() does one small transaction (DB_TXN_NOSYNC: a purge lost
 * in a crash is simply done again), after the sweep step's own: it takes up the round of the vehicles
 * where the last step, of any process, left it (meta key "purge-next"),
 * deletes at most `budget` records, for at most CV_PURGE_STEP_MS, and
 * returns. Its locks are those of the
 * old end of each vehicle's key range, which uploads (the new end) and
 * most reads do not touch; a step that meets a lock gives up at once
 * (DB_TXN_NOWAIT) rather than wait. cvapi-ingest runs a step every
 * CVAPI_PURGE_EVERY seconds (default 10) between requests; `cvctl purge`
 * runs steps until a whole round finds nothing to delete.
 */
#ifndef CV_PURGE_H
#define CV_PURGE_H

#include "model.h"

#define CV_RETENTION_DEFAULT_DAYS 60
#define CV_RETENTION_MAX_DAYS 36500
#define CV_MSGID_KEEP_MS (7LL * 24 * 3600 * 1000)
#define CV_TOKEN_KEEP_MS (7LL * 24 * 3600 * 1000)
#define CV_PURGE_STEP_MS 3            /* a step stops after this long */

/*
 * The retention period in days of vehicle vid (its override, else the
 * default), or with vid NULL the default.
 */
enum cv_err cv_retention_get(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t *days);
/* Set it (1..CV_RETENTION_MAX_DAYS); days 0 with a vid removes the override. */
enum cv_err cv_retention_set(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t days);

struct cv_purge_stats {
	size_t swept;           /* records of deleted callbacks swept first (sweep.h) */
	bool sweep_more;        /* and some are left */
	size_t deleted;         /* records deleted by this step */
	size_t forgotten;       /* Idempotency-Keys forgotten (idem.h), in their own transaction */
	bool forget_more;       /* and some expired are left (the budget ran out, or a lock was held) */
	size_t vehicles;        /* vehicles visited */
	bool wrapped;           /* the round reached the last vehicle and starts again */
};

/*
 * One step of at most `budget` deletions (and at most 64 vehicles
 * visited), then at most `budget` Idempotency-Keys. CV_EDEADLOCK when
 * another process holds what the history's part needs (try later); the
 * stats say what was done.
 */
enum cv_err cv_purge_step(struct cv_store *st, int64_t now, size_t budget, struct cv_purge_stats *ps);

#endif

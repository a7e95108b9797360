/*
 * sweep.h - a callback deleted at once, what it leaves deleted in steps.
 *
 * A callback has dependants: its monitors (the owner's monitors quota
 * bounds them), its remote actions (kept for the retention period), its
 * queue (the owner's queuedNotifications quota per callback) and its
 * delivery log (CV_DL_KEEP entries, some with the notes of a batch).
 * Deleting them all in the request's transaction would make a request's
 * cost grow with what its owner has accumulated, up to the watchdog's
 * limit: cvapi's rule is that no request's transaction does.
 *
 * So cv_sweep_callback deletes, in the caller's transaction, the callback
 * and its monitors (nothing fires into it any more) and leaves a mark;
 * cv_sweep_step deletes the rest in small transactions of their own, the
 * remote actions first, then the queue, then the delivery log, and the
 * mark with the last of them. What waits to be swept is out of sight
 * from the deletion's commit on: every read of it goes through the
 * callback (a 404 once it is gone), cvnotify skips a queue whose callback
 * is gone and records nothing for it, and a remote action of a deleted
 * callback is handed to no vehicle, is in the way of no new one, is
 * unknown to a report, and queues no notification (actions.c).
 *
 * Who sweeps: the program that answered the deletion, between requests
 * (cv_serve_sweep, cgi/req.h), until nothing is left; cvapi-ingest at each
 * of its purge ticks (cv_purge_step starts with a sweep step); `cvctl
 * purge`. A step lost in a crash is done again: its mark is still there.
 *
 * Marks, in the meta database: "sweep\0" owner \0 callback id -> when
 * the callback was deleted (ms, 8 bytes big-endian).
 */
#ifndef CV_SWEEP_H
#define CV_SWEEP_H

#include "model.h"

/* Records a step deletes at most (a remote action counts once, with its entry in the vehicle's index). */
#define CV_SWEEP_BUDGET 500
/* How long a step waits for a lock another transaction holds. */
#define CV_SWEEP_LOCK_WAIT_MS 100

/*
 * Delete callback (owner, cbid) under txn, at now: its record and its
 * monitors, and a mark for the rest. CV_ENOTFOUND: no such callback
 * (nothing done).
 */
enum cv_err cv_sweep_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t now);

/*
 * One step, a transaction of its own (not flushed: a step lost in a crash
 * is done again) that waits CV_SWEEP_LOCK_WAIT_MS at most for a lock: at
 * most budget records of the first marked callback's leftovers, its mark
 * with the last of them. *deleted: how many records went; *more: a mark is
 * left (this one or another). CV_EDEADLOCK: another transaction held what
 * the step needs (try again later).
 */
enum cv_err cv_sweep_step(struct cv_store *st, size_t budget, size_t *deleted, bool *more);

/* How many callbacks wait to be swept (cvctl, tests). */
enum cv_err cv_sweep_pending(struct cv_store *st, size_t *n);

#endif

/*
 * engine.h - the monitor engine: a vehicle's monitors evaluated inside the
 * transaction that stores its upload (ingest.h), their firings queued in
 * the outbox (outbox.h) by the same transaction.
 *
 * The monitors an upload evaluates are found through the watch index
 * (watch.h): one cursor range for the vehicle's own (B2C, scope "v" vid)
 * and one per fleet it belongs to (B2B, scope "f" fleet id), never a scan
 * of every monitor. A watch record is the monitor as the engine needs it,
 * packed (its triggers, status, callback, refreshEvent, and what a firing
 * adds: extendedEventParam and attributes); cv_monitor_put and
 * cv_monitor_del keep it in step with the monitor record, in their
 * transaction (cv_watch_put, cv_watch_del). The states (mstate, vid .
 * owner \0 id) of a vehicle are one cursor range too: loading costs a few
 * cursor reads whatever the count.
 *
 * For each sample, in time order (a sample older than one a monitor has
 * already seen is not evaluated for it), a monitor's condition is computed from
 * the vehicle's state before the sample and after it (monitor.h). It
 * fires when it becomes true (refresh false), and again every refreshEvent
 * seconds while it stays true (refresh true), by sample time or by the
 * timer's, whichever comes first. Its last
 * truth and last firing, per vehicle, are kept in mstate. A Paused monitor
 * is not evaluated: resumed, it starts from what it last saw. A monitor
 * with a time trigger or a refreshEvent is also evaluated by cvnotify's
 * timer (cv_engine_tick): a window opens, and a reminder comes due,
 * without any upload. A firing's event is rendered in its face's webhook
 * template (mevent.h).
 *
 * A firing whose event would exceed what a notification may hold
 * (cv_engine_note_max) is not queued: it is logged as dropped (a line on
 * stderr, and a Dropped entry in its callback's delivery log,
 * cv_delivery_refused), and the upload or the timer's turn goes on, as for
 * a watch record cvapi did not write, which fires nothing. The buffer that
 * renders an event never grows past that ceiling. So are a watch's
 * firings past CV_ENGINE_FIRINGS_MAX in one batch, and a firing whose
 * callback's queue holds its owner's queuedNotifications quota already
 * (quotas.h): a Dropped entry that counts the events refused at the same
 * instant, and the upload goes on; the queue's length is read before the
 * event is rendered, so that a full queue costs two lookups a firing.
 *
 * The engine by job: watch.c the records (keys, packed forms, their
 * writes), watchload.c loading (cv_engine_load, cv_engine_free), engine.c
 * evaluation and firing (cv_engine_step, _flush, _save), mevent.c the
 * event a firing sends, montimer.c the timer (cv_engine_tick).
 */
#ifndef CV_ENGINE_H
#define CV_ENGINE_H

#include "watch.h"

/* A firing waiting for cv_engine_flush. */
struct cv_firing {
	size_t watch;                   /* index in the engine's watches */
	struct cv_state before, after;
	int64_t at;
	bool refresh;
};

struct cv_engine {
	const char *vid;                /* hex */
	unsigned char vidb[CV_MSTATE_VID];
	int64_t now;
	struct cv_watch *w;
	size_t n, cap;
	struct cv_buf extras;           /* the watches' packed extras */
	bool have_veh;
	struct cv_vehicle veh;          /* read at the first firing (its VIN) */
	size_t fired;                   /* notifications queued (for tests and logs) */
	struct cv_firing *firing;       /* decided, not yet queued */
	size_t nfiring, capfiring;
	char qowner[CV_CB_OWNER_MAX + 1];       /* the last owner that fired, */
	uint64_t qmax;                          /* and its queuedNotifications quota (quotas.h) */
};

/*
 * The most bytes a firing's event may hold: CV_NOTE_BODY_MAX (outbox.h)
 * unless set lower (from CVAPI_NOTE_MAX, by the programs that fire
 * monitors, at start); clamped to [CV_ENGINE_NOTE_MIN, CV_NOTE_BODY_MAX].
 */
#define CV_ENGINE_NOTE_MIN 1024
void cv_engine_note_max(size_t max);	/* (engine.c) */

/*
 * The most a watch fires in one batch (an upload, or the timer's turn for
 * a vehicle): past it, its firings are counted and logged as one Dropped
 * entry of its callback, not rendered. What bounds an upload's rendering
 * work: vehicleMonitors x this, whatever the samples do. An honest monitor
 * stays far under it (a reminder every 60 s fires 17 times in the 1,000 s
 * of a full batch at 1 Hz). cv_engine_firings_max sets another (tests; 0:
 * the default).
 */
#define CV_ENGINE_FIRINGS_MAX 100
void cv_engine_firings_max(size_t max);	/* (engine.c) */

/* ---- loading (watchload.c) ---- */

/* Load the monitors watching vehicle vid (hex) and their state, under txn. */
enum cv_err cv_engine_load(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t now, struct cv_engine *eng);
/* What loading and the steps took (the watches' array stays, for the next vehicle's). */
void cv_engine_free(struct cv_engine *eng);

/* ---- evaluation and firing (engine.c) ---- */

/*
 * Evaluate every running monitor for one sample at `at` taking the vehicle
 * from before to after (st and txn unused: evaluation reads nothing from the
 * store); what fires waits for cv_engine_flush.
 */
enum cv_err cv_engine_step(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_state *before,
			   const struct cv_state *after, int64_t at);
/* The same for one watch of eng (the timer's: before == after, at its turn's time). */
enum cv_err cv_engine_step_watch(struct cv_engine *eng, struct cv_watch *w, const struct cv_state *before,
				 const struct cv_state *after, int64_t at);
/*
 * Queue the firings the steps decided (their notifications rendered now:
 * called once the batch's events and trips are written, so that
 * extensions such as vehicle.collisions and vehicle.trip include them).
 */
enum cv_err cv_engine_flush(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng);
/* Write the states that changed. */
enum cv_err cv_engine_save(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng);

/* ---- the timer (montimer.c) ---- */

/*
 * The timer's turn (cvnotify, every few seconds): each monitor with a
 * time trigger or a refreshEvent is evaluated at `now` for each vehicle it
 * watches, against the vehicle's last known state (its status record)
 * with no sample (no onChange), one transaction per monitor and vehicle;
 * what fires (a window opening, a reminder due) is queued as at upload.
 * *fired: notifications queued.
 */
enum cv_err cv_engine_tick(struct cv_store *st, int64_t now, size_t *fired);

#endif

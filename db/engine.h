/*
 * engine.h - the monitor engine: a vehicle's monitors evaluated inside the
 * transaction that stores its upload (ingest.h), their firings queued in
 * the outbox (outbox.h) by the same transaction.
 *
 * The monitors an upload evaluates are found through the watch index
 * (store.h): one cursor range for the vehicle's own (B2C, scope "v" vid)
 * and one per fleet it belongs to (B2B, scope "f" fleet id), never a scan
 * of every monitor. A watch record is the monitor as the engine needs it,
 * packed (its triggers, status, callback, refreshEvent, and what a firing
 * adds: extendedEventParam and attributes); cv_monitor_put and
 * cv_monitor_del keep it in step with the monitor record, in their
 * transaction. The states (mstate, vid . owner \0 id) of a vehicle are one
 * cursor range too: loading costs a few cursor reads whatever the count.
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
 * without any upload.
 *
 * A firing whose event would exceed what a notification may hold
 * (cv_engine_note_max) is not queued: it is logged as dropped (a line on
 * stderr, and a Dropped entry in its callback's delivery log,
 * cv_delivery_refused), and the upload or the timer's turn goes on, as for
 * a watch record cvapi did not write, which fires nothing. The buffer that
 * renders an event never grows past that ceiling.
 */
#ifndef CV_ENGINE_H
#define CV_ENGINE_H

#include "model.h"
#include "monitor.h"

/* One monitor watching the vehicle, and its state for it. */
struct cv_watch {
	char owner[CV_CB_OWNER_MAX + 1];
	char id[CV_MON_IDLEN + 1];
	char cbid[CV_CB_IDLEN + 1];
	uint8_t status;                 /* enum cv_cb_status */
	uint8_t b2b;
	int32_t refresh_s;
	struct cv_mon_def def;
	size_t extra_off, extra_len;    /* extendedEventParam and attributes, packed, in the engine's extras */
	/* mstate */
	uint8_t truth;
	int64_t fired;                  /* the sample time of its last firing (ms), 0 never */
	int64_t seen;                   /* the latest time it was evaluated at (a sample's, or the timer's) */
	bool dirty;                     /* mstate to write */
};

/* A firing waiting for cv_engine_flush. */
struct cv_firing {
	size_t watch;                   /* index in the engine's watches */
	struct cv_state before, after;
	int64_t at;
	bool refresh;
};

struct cv_engine {
	const char *vid;                /* hex */
	unsigned char vidb[16];
	int64_t now;
	struct cv_watch *w;
	size_t n, cap;
	struct cv_buf extras;           /* the watches' packed extras */
	bool have_veh;
	struct cv_vehicle veh;          /* read at the first firing (its VIN) */
	size_t fired;                   /* notifications queued (for tests and logs) */
	struct cv_firing *firing;       /* decided, not yet queued */
	size_t nfiring, capfiring;
};

/*
 * The most bytes a firing's event may hold: CV_NOTE_BODY_MAX (outbox.h)
 * unless set lower (from CVAPI_NOTE_MAX, by the programs that fire
 * monitors, at start); clamped to [CV_ENGINE_NOTE_MIN, CV_NOTE_BODY_MAX].
 */
#define CV_ENGINE_NOTE_MIN 1024
void cv_engine_note_max(size_t max);

/* Keep the watch record of m in step (from cv_monitor_put / cv_monitor_del, same txn). */
enum cv_err cv_watch_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m);
enum cv_err cv_watch_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m);

/* Load the monitors watching vehicle vid (hex) and their state, under txn. */
enum cv_err cv_engine_load(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t now, struct cv_engine *eng);
/* Evaluate every running monitor for one sample at `at` taking the vehicle from before to after. */
enum cv_err cv_engine_step(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_state *before,
			   const struct cv_state *after, int64_t at);
/*
 * Queue the firings the steps decided (their notifications rendered now:
 * called once the batch's events and trips are written, so that
 * extensions such as vehicle.collisions and vehicle.trip include them).
 */
enum cv_err cv_engine_flush(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng);
/* Write the states that changed. */
enum cv_err cv_engine_save(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng);
void cv_engine_free(struct cv_engine *eng);

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

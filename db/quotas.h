/*
 * quotas.h - owners' quotas: how much one owner (a user, "u:" login, or a
 * fleet, "f:" fleet id: the owner keys of model.h) may keep in the store
 * and ask of it.
 *
 * cvapi serves many tenants from one store: without a bound, one owner's
 * monitors make every upload of a vehicle slow (each sample is evaluated
 * against each monitor of the vehicle), its queues and its callbacks
 * make deletions and walks long, its timed monitors load the timer. Each
 * quota below has a default no honest owner meets; a host sets an owner's
 * own (`cvctl user limits`, `cvctl fleet limits`). Lowering a quota
 * removes nothing that exists: it refuses what would be new.
 *
 *   callbacks             callbacks of the owner
 *   monitors              monitors of the owner
 *   vehicleMonitors       monitors of the owner on one vehicle (the bound
 *                         of an upload's evaluation: samples x monitors)
 *   timedMonitors         monitors with a time trigger or a refreshEvent
 *                         (the timer's work: cv_quota_timed)
 *   queuedNotifications   notifications waiting in one callback's queue
 *   redeliveriesPerHour   POSTs of .../redeliver in the current hour (UTC)
 *   idempotencyKeys       Idempotency-Keys kept (idem.h: a key lives 24 h,
 *                         then the purge forgets it); counted and checked by
 *                         cv_idem_put, which keeps one
 *
 * Records, in the meta database: "quota\0" owner -> the owner's own
 * values (a count byte, then that many big-endian int64, -1: the
 * default); "redeliver\0" owner -> the redeliveries of the current hour.
 */
#ifndef CV_QUOTAS_H
#define CV_QUOTAS_H

#include "model.h"

enum cv_quota {
	CV_Q_CALLBACKS,
	CV_Q_MONITORS,
	CV_Q_VEHICLE_MONITORS,
	CV_Q_TIMED_MONITORS,
	CV_Q_QUEUE,
	CV_Q_REDELIVERIES,
	CV_Q_IDEM_KEYS,
	CV_Q_COUNT
};

/* The quotas' names (the API's and cvctl's: --callbacks, --vehicle-monitors ...). */
extern const char *const cv_quota_names[CV_Q_COUNT];
extern const char *const cv_quota_options[CV_Q_COUNT];
/* The defaults. */
extern const int64_t cv_quota_defaults[CV_Q_COUNT];
/* The most a host may set one to. */
#define CV_QUOTA_MAX 10000000

/* Is m one of the timer's monitors (a time trigger, or a refreshEvent: watch.h's timed list)? */
bool cv_quota_timed(const struct cv_monitor *m);

/* The owner's own values as set (-1: the default) into set. */
enum cv_err cv_limits_get_set(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t set[CV_Q_COUNT]);
/* The owner's quotas in force (its own, else the defaults). */
enum cv_err cv_limits_get(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t out[CV_Q_COUNT]);
/* Set the owner's own values (-1: the default); all -1 removes the record. */
enum cv_err cv_limits_put(struct cv_store *st, DB_TXN *txn, const char *owner, const int64_t set[CV_Q_COUNT]);

/*
 * What the owner uses of each quota now: callbacks, monitors, the most
 * monitors on one of its vehicles, timed monitors, the longest queue of
 * its callbacks, the redeliveries of the current hour at now, and the
 * Idempotency-Keys it keeps.
 */
enum cv_err cv_limits_usage(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t now,
			    int64_t used[CV_Q_COUNT]);

/*
 * May the owner have one more of quota q (callbacks, monitors, or timed
 * monitors; vehicleMonitors with vid, the vehicle)? CV_OK, or CV_EQUOTA
 * with *limit the quota in force. Call it in the transaction that adds
 * the record, so that two requests at once cannot both pass.
 */
enum cv_err cv_limits_check(struct cv_store *st, DB_TXN *txn, const char *owner, enum cv_quota q, const char *vid,
			    int64_t *limit);

/*
 * Count one redelivery of the owner at now against its hourly quota:
 * CV_OK (counted), or CV_EQUOTA with *limit the quota and *retry_ms how
 * long until one more is allowed. In the redelivery's transaction.
 */
enum cv_err cv_limits_redeliver(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t now, int64_t *limit,
				int64_t *retry_ms);

#endif

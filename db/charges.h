/*
 * charges.h - a vehicle's charging sessions in the store: built at ingest
 * from its telemetry (core/charge.h), inside the upload's transaction, as
 * trips are (trips.h), and read back by cvapi-trips.
 *
 * Databases (key layout in store.h):
 *
 *   charges     vid (16) . start (8)   every session, the current one too
 *                                      (rewritten by each batch that
 *                                      changes it): a list page is one
 *                                      cursor walk (cv_history_walk_desc
 *                                      with no suffix), an item one get
 *   chargeopen  vid (16)               the builder's state: a version, a
 *                                      flag, the current session's record
 *
 * The samples folded are those the history keeps (cv_history_kept), in
 * time order, after the batch is written, as for trips.
 *
 * Only forward. The builder folds a sample only when it is newer than the
 * newest it has looked at for the current session (core/charge.h); there
 * is no re-fold for late samples as trips have: a sample that arrives
 * after newer ones is in the telemetry, so in a session's curve (read
 * from the telemetry), but changes no figure of a session. Vehicles send
 * their samples in order, and a vehicle that was out of coverage sends
 * its backlog oldest first, so what a late sample could change is one
 * figure of one session; a re-fold would cost a walk of the telemetry in
 * every batch that holds one.
 *
 * Cost for a vehicle that does not charge: one get of its state (not
 * found) per batch, nothing written. A charging vehicle's batch: the
 * state and the current session's record written once each.
 */
#ifndef CV_CHARGES_H
#define CV_CHARGES_H

#include "model.h"
#include "charge.h"

/* The builder's state for one vehicle (the chargeopen record). */
struct cv_charge_state {
	bool has_cur;
	struct cv_charge cur;      /* valid when has_cur */
};

/* The state of vehicle vid; a vehicle with none gets the empty state (CV_OK). */
enum cv_err cv_charge_state_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
				struct cv_charge_state *cs);

/*
 * Fold a batch into the vehicle's charging sessions. s[0..n) is the batch
 * sorted by time, already written to the history in txn; call it in the
 * same transaction, after the samples. What it changes: the sessions that
 * the batch opened, changed or closed, and the state (only when the
 * builder's state moved).
 */
enum cv_err cv_charges_ingest(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      const struct cv_sample *s, size_t n);

/* The session of vehicle vid that started at `start`; CV_ENOTFOUND if none. */
enum cv_err cv_charge_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			  struct cv_charge *c);

#endif

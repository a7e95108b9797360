/*
 * actions.h - remote actions in the store: the actions applications post,
 * the vehicle link's side of them (what it polls, what it reports), and
 * their timeouts. The action's model, its body and its state machine, is
 * core/remote.h; what the link knows of the vehicle (heard from, asleep,
 * the month's wake-ups) is vlink.h.
 *
 * An action is posted under a callback of its owner for one vehicle. It
 * lives in two databases (store.h):
 *   remotes  owner \0 callback id \0 vid (16) . rid (16)   the action, packed
 *   ractive  vid (16) . rid (16)                          owner \0 callback id \0,
 *            until (8), type (1), status (1): a vehicle's actions in one
 *            cursor range (what it polls), every one in one scan (the
 *            timer). Until is the deadline of one under way; one done is
 *            kept an hour (until then), to answer the vehicle's repeats
 * The action id (rid) is the time it was posted (8 bytes, ms) and 8
 * random bytes, in hex: a vehicle's actions list in the order posted.
 *
 * Every change of state (core/remote.h's state machine) is written in one
 * transaction with its notification in the callback's outbox (outbox.h),
 * so that a crash can neither lose an event nor notify one that was not
 * stored. The vehicle link's acknowledgements and results are idempotent:
 * a repeat changes nothing and queues nothing.
 */
#ifndef CV_DB_ACTIONS_H
#define CV_DB_ACTIONS_H

#include "model.h"
#include "remote.h"
#include "vlink.h"

#define CV_ACTION_ID_LEN 32

struct cv_action {
	char id[CV_ACTION_ID_LEN + 1];
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	char vid[CV_VID_HEXLEN + 1];
	char vin[CV_VIN_MAX + 1];
	uint8_t b2b;
	struct cv_remote rm;                        /* what was asked */
	struct cv_remote_state sm;                  /* where it stands */
	int64_t created, updated;
	int64_t deadline;                           /* not done by then: VehicleConnectionTimeout */
	/* B2C: the Remote's attributes, and callbackAttributes.webhook */
	struct cv_cb_attr attrs[CV_CB_ATTRS_MAX];
	size_t nattrs;
	struct cv_cb_attr cbattrs[CV_CB_ATTRS_MAX];
	size_t ncbattrs;
};

/* A fresh action id for time now. */
void cv_action_id_new(int64_t now, char out[CV_ACTION_ID_LEN + 1]);
/* true if id is a well-formed action id. */
bool cv_action_id_ok(const char *id);

/*
 * Post action a (id, owner, cbid, vid, vin, b2b, rm, attributes set;
 * created = now) under txn: the checks that end it at once (the same type
 * already under way: SameActionInProgress; a wake-up past the owner's
 * allowance of the month or the vehicle's cap, vlink.h:
 * TooManyWakeUpsOverMonth, *spent saying which; an energy-hungry action
 * on a traction battery under 10% and not plugged in:
 * NotPossibleDueToVehicleBatteryLevel), its first states and their
 * notifications. a->sm and a->deadline are set.
 */
enum cv_err cv_action_create(struct cv_store *st, DB_TXN *txn, struct cv_action *a,
			     const struct cv_remote_cfg *cfg, enum cv_vlink_spent *spent);

/* One action (owner, cbid, vid and rid all match) or CV_ENOTFOUND. */
enum cv_err cv_action_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, const char *vid,
			  const char *rid, struct cv_action *a);
/*
 * The actions of vehicle vid under callback (owner, cbid), in the order
 * posted: all counted into *total, fn called for ranks [offset, offset +
 * limit); fn returns nonzero to stop.
 */
enum cv_err cv_action_list(struct cv_store *st, const char *owner, const char *cbid, const char *vid, size_t offset,
			   size_t limit, size_t *total, int (*fn)(const struct cv_action *a, void *arg), void *arg);

/*
 * The vehicle's actions not done yet and not past their deadline at now,
 * in the order posted (read committed, no write: what a vehicle's poll
 * costs when nothing is pending is one cursor seek). fn returns nonzero
 * to stop.
 */
enum cv_err cv_action_pending(struct cv_store *st, const char *vid, int64_t now,
			      int (*fn)(const struct cv_action *a, void *arg), void *arg);

/*
 * The vehicle reports on action rid (its own): ev CV_RE_ACK (received) or
 * CV_RE_RESULT (in: outcome, refuse, feedback), one transaction. One past
 * its deadline times out first (the vehicle is then told not to carry it
 * out); a vehicle woken for it is checked first (and may be refused then). The
 * action after it goes to *a. CV_ENOTFOUND: not this vehicle's action;
 * CV_EEXIST: a result other than the one recorded. *steps: the states
 * entered (0 for a repeat).
 */
enum cv_err cv_action_report(struct cv_store *st, const char *vid, const char *rid, enum cv_remote_event ev,
			     const struct cv_remote_in *in, int64_t now, struct cv_action *a, int *steps);

/*
 * The vehicles with an action under way (not done, its deadline after now)
 * of one of types (bits 1 << enum cv_remote_type): fn(vid, arg) once per
 * such action, in key order. One scan of the index, read committed, no
 * write: what a device's daemon (cvteltonika) asks every second, at the
 * cost of the actions under way whatever the number of vehicles. fn
 * returns nonzero to stop.
 */
enum cv_err cv_action_under_way(struct cv_store *st, int64_t now, uint32_t types,
				int (*fn)(const char *vid, void *arg), void *arg);

/* Fail with VehicleConnectionTimeout every action whose deadline is past; *n: how many. */
enum cv_err cv_action_tick(struct cv_store *st, int64_t now, size_t *n);

/*
 * Delete under txn at most max actions of callback (owner, cbid), done or
 * not (the callback is deleted: sweep.h), adding how many to *n; fewer
 * than max: none is left.
 */
enum cv_err cv_action_drop_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, size_t max,
				    size_t *n);

/* Packed form (tests). */
enum cv_err cv_action_encode(const struct cv_action *a, struct cv_buf *out);
enum cv_err cv_action_decode(const void *p, size_t len, struct cv_action *a);

#endif

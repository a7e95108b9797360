/*
 * vlink.h - the vehicle link's state in the store: when a vehicle was last
 * heard from, whether it said it goes to sleep, and the wake-ups that
 * remote actions cost it this month.
 *
 * vlink.db (store.h) holds two kinds of records:
 *   vid (16)         the link's state (17 bytes): last heard from (8, ms),
 *                    sleeping (1), and the wake-ups of the month that all
 *                    owners' actions together cost the vehicle (8 bytes:
 *                    yyyymm << 32 | count), against the vehicle's cap
 *   vid (16) owner   the wake-ups of the month that owner's actions cost
 *                    the vehicle (8 bytes, the same form): the vehicle's
 *                    user and a fleet manager each have the month's
 *                    allowance, and neither can spend the other's
 *
 * The exchanges that write anyway touch the state (an upload, db/ingest.c;
 * an acknowledgement or a result, actions.c); a poll writes nothing, so a
 * vehicle that only polls counts as asleep once awake_ms have passed. A
 * missing record reads as never heard from and no wake-up spent. vid is
 * the vehicle's 16 bytes; every call works under the caller's txn.
 */
#ifndef CV_DB_VLINK_H
#define CV_DB_VLINK_H

#include "model.h"

struct cv_vlink {
	int64_t last;           /* last heard from (ms); 0: never */
	bool sleeping;          /* it said it goes to sleep, and has not been heard from since */
};

enum cv_err cv_vlink_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], struct cv_vlink *l);

/* The vehicle was heard from at now; sleeping: it said it goes to sleep now (it must then be woken). */
enum cv_err cv_vlink_touch(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t now, bool sleeping);

/* true if the vehicle of l is awake at now: heard from less than awake_ms before, and not gone to sleep. */
bool cv_vlink_awake(const struct cv_vlink *l, int64_t now, int64_t awake_ms);

/* Which allowance of wake-ups a wake-up would go past (cv_vlink_wake). */
enum cv_vlink_spent {
	CV_VLINK_SPENT_NONE,            /* within both: counted */
	CV_VLINK_SPENT_OWNER,           /* the owner's of the month */
	CV_VLINK_SPENT_VEHICLE,         /* the vehicle's cap, all owners together */
};

/*
 * Spend one of owner's wake-ups of the vehicle in the calendar month (UTC)
 * of now: counted against the owner's allowance (per_owner a month) and
 * the vehicle's cap (per_vehicle a month, all owners together), in that
 * order. *spent: the first one already used up, and then nothing is
 * counted. CV_EINVAL: an owner empty or too long.
 */
enum cv_err cv_vlink_wake(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *owner,
			  int64_t now, uint32_t per_owner, uint32_t per_vehicle, enum cv_vlink_spent *spent);

#endif

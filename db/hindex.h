/*
 * hindex.h - the fleet-wide time index: every vehicle's alerts, collisions
 * and trips in one time order.
 *
 * A fleet-wide list (/fleets/{fid}/alerts, /collisions, /trips) shows the
 * records of all the fleet's vehicles, newest first. Merging the vehicles'
 * own histories costs a cursor and a seek per vehicle for every page, and
 * a count per vehicle for `total`: about 30 ms for 1,000 vehicles, most of
 * it Berkeley DB's per-call cost. The hindex database keeps a copy of each
 * such record in one time order instead:
 *
 *   key    kind (1) . at (8) . suffix (2) . vid (16)     (big-endian)
 *   value  the record, as in its own database (alerts, events, trips)
 *
 * so a page is one seek and a step per record, whichever vehicles they
 * belong to, and `total` one bulk scan of the interval. The order (time,
 * suffix, then vehicle) is the merge's, so page tokens mean the same with
 * or without the index. A fleet keeps the records of its vehicles (the
 * reader filters by the fleet's vehicle set): the index serves every fleet,
 * and a vehicle that joins a fleet brings its history with it.
 *
 * Writers keep it in step in the same transaction as the record itself
 * (db/model.c for alerts and collisions, db/trips.c for trips, db/purge.c
 * deletes both). A store made before the index has no meta key "hindex":
 * fleet-wide lists then merge the vehicles' histories, until `cvctl
 * reindex` builds the index and sets the key.
 */
#ifndef CV_HINDEX_H
#define CV_HINDEX_H

#include "store.h"

enum cv_hkind { CV_HK_ALERT = 1, CV_HK_COLLISION = 2, CV_HK_TRIP = 3 };

#define CV_HINDEX_KEYLEN 27

/* Put (or replace) / delete (absent is fine) the copy of a record. */
enum cv_err cv_hindex_put(struct cv_store *st, DB_TXN *txn, enum cv_hkind kind, const unsigned char vid[16],
			  int64_t at, unsigned suffix, const void *val, size_t len);
enum cv_err cv_hindex_del(struct cv_store *st, DB_TXN *txn, enum cv_hkind kind, const unsigned char vid[16],
			  int64_t at, unsigned suffix);

/* Whether the index is complete (meta key "hindex"); set it (after a rebuild) or clear it. */
bool cv_hindex_ready(struct cv_store *st);
enum cv_err cv_hindex_set_ready(struct cv_store *st, DB_TXN *txn, bool ready);

/* One record of the index. */
struct cv_hrec {
	int64_t at;
	unsigned suffix;
	const unsigned char *vid;       /* 16 bytes */
	const void *val;
	size_t len;
};

/*
 * Walk the kind's records newest first: those at or before (pos, vid) in
 * the index order (pos = CV_POS(at, suffix), store.h; vid NULL: every
 * vehicle at pos) and at or after time `from`. fn returns nonzero to stop.
 */
enum cv_err cv_hindex_walk_desc(struct cv_store *st, enum cv_hkind kind, int64_t from, int64_t pos,
				const unsigned char *vid, int (*fn)(const struct cv_hrec *h, void *arg), void *arg);

/* Call fn for each of the kind's records with from <= at < to, oldest first, read in bulk. */
enum cv_err cv_hindex_scan(struct cv_store *st, enum cv_hkind kind, int64_t from, int64_t to,
			   int (*fn)(const struct cv_hrec *h, void *arg), void *arg);

/* Drop every entry (a step of `cvctl reindex`). */
enum cv_err cv_hindex_clear(struct cv_store *st, DB_TXN *txn);
/* Clear the ready key and every entry, in a transaction of its own (`cvctl reindex --drop`). */
enum cv_err cv_hindex_drop(struct cv_store *st);

/*
 * Build the index from the records (`cvctl reindex`): clear it and the
 * ready key, copy every alert, collision and trip (a transaction per
 * 1,000), then set the key. Uploads may run meanwhile: they keep what
 * they write in step, and a copy made here is the same bytes. *n: records
 * indexed.
 */
enum cv_err cv_hindex_rebuild(struct cv_store *st, size_t *n);

#endif

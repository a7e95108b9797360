/*
 * history.h - collections of a vehicle's time-keyed history (alerts,
 * collisions, alarms, thefts, trips...): `timestamps` intervals (merged,
 * newest first), pages from an offset or a pageToken's resume point, the
 * count for `total`, single items by id, and the fleet-wide lists that
 * merge every vehicle of a fleet.
 */
#ifndef CV_HISTORY_H
#define CV_HISTORY_H

#include "page.h"
#include "hindex.h"
#include "ids.h"

/*
 * Sort and merge r->q.intervals into out (newest first); with none, one
 * interval covering all time. Returns how many.
 */
size_t cv_intervals_desc(const struct cv_req *r, struct cv_interval out[CV_MAX_INTERVALS]);

/*
 * A collection kept in a history database (keys vid . at . suffix of
 * `slen` bytes, see cv_history_walk_desc). The request's vehicle (r->vid,
 * r->vbase, r->veh on the fleet face) is set before render is called.
 */
struct cv_coll {
	const char *path;           /* "alerts": the path segment, for messages */
	const char *embedded;       /* member of _embedded */
	enum cv_dbid db;
	size_t slen;                /* key suffix bytes: 0, 1 or 2 */
	/* 1 if the record belongs to the collection (and the request's filters) */
	int (*accept)(struct cv_req *r, const void *val, size_t len);
	/* write the item (a value); 0 or a store error */
	enum cv_err (*render)(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned suffix,
			      const void *val, size_t len);
	/* its records in the fleet-wide time index (hindex.h), or 0: fleet lists merge */
	enum cv_hkind hkind;
	const char *capture;        /* an item's id in the path ("aid" for {aid}, req.h), NULL: no items */
};

/* Record ids (cv_coll_id, cv_coll_parse_id): ids.h. */

/* GET the path vehicle's collection: newest first, paged, `timestamps`. */
int cv_coll_list(struct cv_req *r, const struct cv_coll *c);
/* GET one item of it, the id in the path's capture c->capture; `what` names it in errors. */
int cv_coll_item(struct cv_req *r, const struct cv_coll *c, const char *what);
/*
 * The fleet face's lists over every vehicle of r->fid, merged newest first
 * (a cursor per vehicle and a heap: a page costs a seek per vehicle and a
 * heap step per item, however deep), and an item of any of them.
 */
int cv_coll_fleet_list(struct cv_req *r, const struct cv_coll *c);
int cv_coll_fleet_item(struct cv_req *r, const struct cv_coll *c, const char *what);

#endif

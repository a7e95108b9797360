/*
 * history.h - walking a vehicle's time-keyed history for a collection
 * page: `timestamps` intervals (merged, newest first), the page's offset or
 * resume key, and the count for `total`.
 */
#ifndef CV_HISTORY_H
#define CV_HISTORY_H

#include "page.h"

/*
 * Sort and merge r->q.intervals into out (newest first); with none, one
 * interval covering all time. Returns how many.
 */
size_t cv_intervals_desc(const struct cv_req *r, struct cv_interval out[CV_MAX_INTERVALS]);

#endif

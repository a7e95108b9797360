/* history.c - time intervals for history collections (see history.h). */
#include "history.h"
#include "cvtime.h"

#include <stdlib.h>
#include <string.h>

static int by_to_desc(const void *a, const void *b)
{
	const struct cv_interval *x = a, *y = b;

	return x->to < y->to ? 1 : x->to > y->to ? -1 : 0;
}

size_t cv_intervals_desc(const struct cv_req *r, struct cv_interval out[CV_MAX_INTERVALS])
{
	size_t n = r->q.nintervals, m = 0;

	if (n == 0) {
		out[0].from = CV_TIME_MIN;
		out[0].to = CV_TIME_MAX + 1;
		return 1;
	}
	memcpy(out, r->q.intervals, n * sizeof(out[0]));
	qsort(out, n, sizeof(out[0]), by_to_desc);
	for (size_t i = 0; i < n; i++) {
		if (out[i].from >= out[i].to)
			continue;
		if (m > 0 && out[i].to >= out[m - 1].from) {
			if (out[i].from < out[m - 1].from)
				out[m - 1].from = out[i].from;
			continue;
		}
		out[m++] = out[i];
	}
	return m;
}

/*
 * window.c - the window of a list paged by rank (see window.h).
 */
#include "config.h"
#include "window.h"

bool cv_window_take(const struct cv_window *w)
{
	return !w->stopped && w->n >= w->offset && w->n - w->offset < w->limit;
}

void cv_window_stop(struct cv_window *w)
{
	w->stopped = true;
}

void cv_window_count(struct cv_window *w)
{
	w->n++;
}

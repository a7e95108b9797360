/*
 * window.h - the window of a list paged by rank: which entries of a store
 * walk go to the walk's consumer, and how many entries the list has.
 *
 * A list walk visits the entries that the list shows (after its filters),
 * in the list's order, to the end: every one is counted, so that the total
 * is right. Only the entries of rank offset .. offset + limit - 1 are
 * handed to the consumer (its callback), which may answer that it wants
 * no more; the rest is then only counted. For each entry, in order:
 *
 *	if (cv_window_take(&w)) {
 *		... decode the entry ...
 *		if (fn(&entry, arg))
 *			cv_window_stop(&w);
 *	}
 *	cv_window_count(&w);
 *
 * cv_window_take() only looks, so that a walk reads the value of the
 * page's entries alone. An entry that turns out not to be the list's (a
 * filter on its value, a record that does not decode) is passed over
 * without cv_window_count(): it takes no rank. When the walk is over, w.n
 * is the list's total.
 *
 * Plain values, nothing allocated: a window lives in its walk's context.
 * The page's end is computed without overflow (limit SIZE_MAX: to the end).
 */
#ifndef CV_WINDOW_H
#define CV_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

struct cv_window {
	size_t offset;              /* ranks before the page */
	size_t limit;               /* the page's entries at most */
	size_t n;                   /* entries counted: the next one's rank; the total at the end */
	bool stopped;               /* the consumer wants no more */
};

/* A window before its walk: as an initializer or a value. */
#define CV_WINDOW(offset, limit) ((struct cv_window){ (offset), (limit), 0, false })

/* Whether the next entry (of rank w->n) goes to the consumer: on the page, and not stopped. */
bool cv_window_take(const struct cv_window *w);
/* The consumer wants no more entries: the walk goes on counting. */
void cv_window_stop(struct cv_window *w);
/* Count the entry just seen, taken or not. */
void cv_window_count(struct cv_window *w);

#endif

/*
 * unit-window.c - the window of a list paged by rank (db/window): which
 * entries a walk hands over, the total it counts, a consumer that stops,
 * entries passed over without a rank, and a page that runs to the end of
 * size_t without overflow.
 */
#include "window.h"
#include "tap.h"

#include <stdint.h>
#include <string.h>

/* What a walk handed over: the entries' values, in order. */
struct seen {
	int got[16];
	size_t n;
	size_t stop_after;          /* answer stop once this many are in (0: never) */
};

static int consume(int entry, struct seen *s)
{
	s->got[s->n++] = entry;
	return s->stop_after && s->n == s->stop_after;
}

/*
 * The walk of window.h over the entries 0 .. count - 1, as a store walk
 * does it; negative values are passed over (not the list's).
 */
static size_t walk(const int *entries, size_t count, size_t offset, size_t limit, struct seen *s)
{
	struct cv_window w = CV_WINDOW(offset, limit);

	for (size_t i = 0; i < count; i++) {
		if (entries[i] < 0)
			continue;
		if (cv_window_take(&w) && consume(entries[i], s))
			cv_window_stop(&w);
		cv_window_count(&w);
	}
	return w.n;
}

static const int five[] = { 10, 11, 12, 13, 14 };

static void test_pages(void)
{
	struct seen s = { { 0 }, 0, 0 };

	is_int(walk(five, 5, 0, 3, &s), 5, "first page of 3: the total counts all five");
	is_int(s.n, 3, "three handed over");
	ok(s.got[0] == 10 && s.got[1] == 11 && s.got[2] == 12, "ranks 0, 1, 2");

	memset(&s, 0, sizeof(s));
	is_int(walk(five, 5, 2, 2, &s), 5, "offset 2, limit 2: total 5");
	is_int(s.n, 2, "two handed over");
	ok(s.got[0] == 12 && s.got[1] == 13, "ranks 2 and 3");

	memset(&s, 0, sizeof(s));
	is_int(walk(five, 5, 3, 10, &s), 5, "a page past the end of the list: total 5");
	is_int(s.n, 2, "the last two handed over");
	ok(s.got[0] == 13 && s.got[1] == 14, "ranks 3 and 4");

	memset(&s, 0, sizeof(s));
	is_int(walk(five, 5, 5, 3, &s), 5, "offset at the end: total 5");
	is_int(s.n, 0, "nothing handed over");

	memset(&s, 0, sizeof(s));
	is_int(walk(five, 5, 1, 0, &s), 5, "limit 0: counts only");
	is_int(s.n, 0, "nothing handed over");

	memset(&s, 0, sizeof(s));
	is_int(walk(five, 0, 0, 3, &s), 0, "an empty list: total 0");
	is_int(s.n, 0, "nothing handed over");
}

static void test_stop(void)
{
	struct seen s = { { 0 }, 0, 2 };

	is_int(walk(five, 5, 1, 4, &s), 5, "a consumer that stops: the walk still counts to the end");
	is_int(s.n, 2, "nothing handed over after stop");
	ok(s.got[0] == 11 && s.got[1] == 12, "ranks 1 and 2");
}

static void test_passed_over(void)
{
	static const int mixed[] = { -1, 20, -1, -1, 21, 22, -1, 23 };
	struct seen s = { { 0 }, 0, 0 };

	is_int(walk(mixed, 8, 1, 2, &s), 4, "entries passed over take no rank and do not count");
	is_int(s.n, 2, "two handed over");
	ok(s.got[0] == 21 && s.got[1] == 22, "ranks 1 and 2 of the list, not of the walk");
}

static void test_edges(void)
{
	struct cv_window w = CV_WINDOW(0, SIZE_MAX);
	struct holder {
		int before;
		struct cv_window w;
		int after;
	} h = { 1, CV_WINDOW(3, 4), 2 };

	ok(cv_window_take(&w), "limit SIZE_MAX: rank 0 is in");
	w.n = SIZE_MAX - 1;
	ok(cv_window_take(&w), "and so is rank SIZE_MAX - 1");

	w = CV_WINDOW(5, SIZE_MAX);
	w.n = 4;
	ok(!cv_window_take(&w), "offset 5, limit SIZE_MAX: rank 4 is before the page");
	w.n = SIZE_MAX - 1;
	ok(cv_window_take(&w), "rank SIZE_MAX - 1 is in: offset + limit does not wrap");

	w = CV_WINDOW(SIZE_MAX - 2, 2);
	w.n = SIZE_MAX - 2;
	ok(cv_window_take(&w), "a page at the top of size_t: its first rank is in");
	cv_window_count(&w);
	ok(cv_window_take(&w), "its second too");
	cv_window_count(&w);
	ok(!cv_window_take(&w), "the rank after it is not");

	ok(h.before == 1 && h.w.offset == 3 && h.w.limit == 4 && h.w.n == 0 && !h.w.stopped && h.after == 2,
	   "CV_WINDOW initializes a member of a larger struct");
	cv_window_stop(&h.w);
	h.w.n = 3;
	ok(!cv_window_take(&h.w), "a stopped window takes nothing, even on its page");
	cv_window_count(&h.w);
	is_int(h.w.n, 4, "and still counts");
}

int main(void)
{
	test_pages();
	test_stop();
	test_passed_over();
	test_edges();
	return tap_done();
}

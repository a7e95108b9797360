/*
 * page.h - collection paging: pageSize, indexRange, pageToken, and the HAL
 * links and counters of a collection response.
 *
 * A page starts at a rank (offset) in the collection's order. indexRange
 * gives it directly ("10-" or "10-19": ranks 10..19, capped by pageSize);
 * a pageToken gives it with a resume key, so the store can seek straight to
 * the page instead of skipping `offset` items. pageToken wins over
 * indexRange; pageSize caps the count in every case.
 *
 * pageToken = base64url(version . offset . resume key . resume id (16
 * bytes: which vehicle, for lists merging a fleet's vehicles) . filter
 * digest . HMAC-SHA-256 truncated to 16 bytes), keyed with a secret kept in the
 * store: it is stateless, cannot be forged or edited, and is refused when
 * used with other filters, another collection or another user than the
 * ones that made it.
 */
#ifndef CV_PAGE_H
#define CV_PAGE_H

#include "req.h"

struct cv_page {
	int64_t size;           /* items per page */
	int64_t offset;         /* rank of the first item */
	int64_t limit;          /* how many items this page holds at most */
	bool resume;            /* a pageToken gave a resume key */
	int64_t resume_key;     /* collection-defined (a time for history) */
	unsigned char resume_id[16];  /* collection-defined (a vehicle for fleet lists) */
	int64_t total;          /* set by the handler before cv_page_links() */
	int64_t count;          /* items written, set by the handler */
	bool more;              /* the handler saw an item past the page */
	int64_t next_key;       /* resume key of the next page when more */
	unsigned char next_id[16];    /* and its resume id */
};

/*
 * Read pageSize / indexRange / pageToken (already validated as syntax by
 * the request layer) into pg; default_size when pageSize is absent.
 * Returns 0, or 400 for a bad or foreign pageToken.
 */
int cv_page_init(struct cv_req *r, int64_t default_size, struct cv_page *pg);

/*
 * The walk of a page, one item at a time, in the collection's order:
 *   CV_PAGE_SKIP  the item is before the page (*skip, the items still to
 *                 skip for an indexRange, counts down; skip may be NULL);
 *   CV_PAGE_STOP  the page is full: pg notes that there is more, and this
 *                 item's resume key (key, and id when not NULL) for the
 *                 next page's token; the walk stops;
 *   CV_PAGE_TAKE  the item is on the page: render it, then pg->count++.
 */
enum cv_page_step { CV_PAGE_SKIP, CV_PAGE_TAKE, CV_PAGE_STOP };
enum cv_page_step cv_page_step(struct cv_page *pg, int64_t *skip, int64_t key, const unsigned char *id);

/*
 * Where a newest-first walk of one interval starts on this page: the
 * interval's positions run from oldest to newest (times, or CV_POS
 * positions). false: the page resumes below the interval, which has
 * nothing for it; otherwise *start is newest, or the resume point when the
 * page resumes inside the interval.
 */
bool cv_page_from(const struct cv_page *pg, int64_t oldest, int64_t newest, int64_t *start);

/*
 * The one count-then-emit walk of a newest-first list over time intervals
 * (the request's timestamps, newest first: cv_intervals_desc):
 *   count(ctx, iv, &n)   adds to n the items of [iv->from, iv->to) that
 *                        the list shows;
 *   walk(ctx, iv, start) writes the interval's items newest first from
 *                        position `start` down, each through
 *                        cv_page_step, stopping when it says STOP;
 *   positions            true when the walk's positions are CV_POS(time,
 *                        suffix) (history records), false for times.
 * cv_page_intervals() counts every interval into pg->total, then walks
 * them in order from where the page starts (cv_page_from) until the page
 * is full. The first error of a callback ends it and is returned.
 */
struct cv_page_source {
	enum cv_err (*count)(void *ctx, const struct cv_interval *iv, int64_t *n);
	enum cv_err (*walk)(void *ctx, const struct cv_interval *iv, int64_t start);
	bool positions;
};
enum cv_err cv_page_intervals(struct cv_page *pg, const struct cv_interval *iv, size_t n,
			      const struct cv_page_source *src, void *ctx);

/*
 * A collection response: cv_page_open() starts r->out with
 * {"_embedded":{"<embedded>":[ ; the items follow; cv_page_close() ends the
 * array and writes the paging members (cv_page_finish), and returns 0, or
 * 500 when the response outgrew its buffer.
 */
void cv_page_open(struct cv_jw *w, struct cv_req *r, const char *embedded);
int cv_page_close(struct cv_jw *w, struct cv_req *r, const struct cv_page *pg);

/*
 * The close of a list paged by rank alone (the store's struct cv_window,
 * db/window.h, or a count kept by the handler): the list has total items,
 * and the next page resumes at the rank after this one's last item (the
 * pageToken's resume key is that rank). Sets pg->total and pg->next_key,
 * then as cv_page_close().
 */
int cv_page_close_ranked(struct cv_jw *w, struct cv_req *r, struct cv_page *pg, int64_t total);

/*
 * Write "_links" (self, first, prev, next, last) and "total", "totalPage",
 * "currentPage" into the current object. Call after the items.
 */
void cv_page_finish(struct cv_jw *w, struct cv_req *r, const struct cv_page *pg);

#endif

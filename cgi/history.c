/* history.c - time intervals for history collections (see history.h). */
#include "history.h"
#include "cvtime.h"
#include "ids.h"

#include <stdio.h>

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

/* ---- lists and items ------------------------------------------------------- */

struct walk_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	const struct cv_coll *c;
	unsigned char vid[16];  /* the vehicle (one vehicle's lists) */
	int64_t skip;       /* items still to skip (indexRange) */
	enum cv_err err;
};

static int emit_one(int64_t at, unsigned suffix, const void *val, size_t len, void *arg)
{
	struct walk_ctx *c = arg;

	if (!c->c->accept(c->r, val, len))
		return 0;
	switch (cv_page_step(c->pg, &c->skip, CV_POS(at, suffix), NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	c->err = c->c->render(c->r, c->w, at, suffix, val, len);
	if (c->err)
		return 1;
	c->pg->count++;
	return 0;
}

struct count_arg {
	struct cv_req *r;
	const struct cv_coll *c;
};

static bool count_accept(const void *val, size_t len, void *arg)
{
	const struct count_arg *a = arg;

	return a->c->accept(a->r, val, len) != 0;
}

/* The collection's records of one vehicle in an interval, counted in bulk, added to *n. */
static enum cv_err count_one(struct cv_req *r, const struct cv_coll *coll, const unsigned char vid[16],
			     const struct cv_interval *iv, int64_t *n)
{
	struct count_arg a = { r, coll };
	int64_t k = 0;
	enum cv_err e = cv_history_count(r->store, NULL, coll->db, vid, iv->from, iv->to, count_accept, &a, &k);

	*n += k;
	return e;
}

static enum cv_err list_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct walk_ctx *c = ctx;

	return count_one(c->r, c->c, c->vid, iv, n);
}

static enum cv_err list_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct walk_ctx *c = ctx;
	enum cv_err e = cv_history_walk_desc(c->r->store, NULL, c->c->db, c->vid, c->c->slen, iv->from, start,
					     emit_one, c);

	return e ? e : c->err;
}

static const struct cv_page_source list_source = { list_count, list_walk, true };

int cv_coll_list(struct cv_req *r, const struct cv_coll *coll)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_page pg;
	struct cv_jw w;
	struct walk_ctx c;
	size_t n;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	n = cv_intervals_desc(r, iv);
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.c = coll;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_vid_bytes(r->vid, c.vid);
	cv_page_open(&w, r, coll->embedded);
	e = cv_page_intervals(&pg, iv, n, &list_source, &c);
	if (e)
		return cv_fail_store(r, e, coll->path);
	return cv_page_close(&w, r, &pg);
}

/* Render the record (vid . at . suffix) of the request's vehicle (r->vid); 404 if absent or of another kind. */
static int render_item(struct cv_req *r, const struct cv_coll *coll, const char *what, int64_t at, unsigned suffix)
{
	unsigned char vid[16];
	struct cv_jw w;
	enum cv_err e;

	cv_vid_bytes(r->vid, vid);
	e = cv_history_get(r->store, NULL, coll->db, vid, at, suffix, coll->slen, &r->scratch);
	if (!e && !coll->accept(r, r->scratch.p, r->scratch.len))
		e = CV_ENOTFOUND;
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s", what);
	if (e)
		return cv_fail_store(r, e, what);
	cv_jw_init(&w, &r->out);
	e = coll->render(r, &w, at, suffix, r->scratch.p, r->scratch.len);
	if (e)
		return cv_fail_store(r, e, what);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

int cv_coll_item(struct cv_req *r, const struct cv_coll *coll, const char *what)
{
	char vid[33];
	int64_t at;
	unsigned suffix;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	/* its syntax checked by the layer (cv_ids_check) */
	cv_coll_parse_id(cv_req_id(r, coll->capture), coll->slen, vid, &at, &suffix);
	if (strcmp(vid, r->vid))
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s", what);
	return render_item(r, coll, what, at, suffix);
}

/*
 * An item of a fleet (/fleets/{fid}/alerts/{aid}): the id names the
 * vehicle, which must be in the fleet (else the item does not exist here).
 */
int cv_coll_fleet_item(struct cv_req *r, const struct cv_coll *coll, const char *what)
{
	char vid[33];
	int64_t at;
	unsigned suffix;
	enum cv_err e;

	/* its syntax checked by the layer (cv_ids_check) */
	cv_coll_parse_id(cv_req_id(r, coll->capture), coll->slen, vid, &at, &suffix);
	e = cv_fleet_has_vehicle(r->store, NULL, r->fid, vid);
	if (!e)
		e = cv_vehicle_get(r->store, NULL, vid, &r->veh);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s", what);
	if (e)
		return cv_fail_store(r, e, what);
	snprintf(r->vbase, sizeof(r->vbase), CV_B2B "/fleets/%s/vehicles/%s", r->fid, r->veh.id);
	r->vid = r->veh.id;
	return render_item(r, coll, what, at, suffix);
}

/* ---- fleet-wide lists: the vehicles' histories merged ------------------------ */

/* One vehicle of the fleet and its cursor; its record is read when one of its items is shown. */
struct fleet_veh {
	char id[CV_VID_HEXLEN + 1];
	unsigned char vid[16];
	struct cv_hist_iter it;
};

struct fleet_set {
	struct fleet_veh *v;
	size_t n, cap;
};

static int collect_vehicle(const char *vid, void *arg)
{
	struct fleet_set *fs = arg;

	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? 2 * fs->cap : 16;
		fs->v = cv_realloc(fs->v, fs->cap * sizeof(*fs->v));
	}
	memset(&fs->v[fs->n], 0, sizeof(fs->v[fs->n]));
	memcpy(fs->v[fs->n].id, vid, sizeof(fs->v[fs->n].id));
	if (!cv_vid_bytes(vid, fs->v[fs->n].vid))
		fs->n++;
	return 0;
}

/* Merge order, newest first: position, then vehicle id, both descending. */
static bool before(const struct fleet_veh *a, const struct fleet_veh *b)
{
	int64_t pa = CV_POS(a->it.at, a->it.suffix), pb = CV_POS(b->it.at, b->it.suffix);

	return pa != pb ? pa > pb : memcmp(a->vid, b->vid, 16) > 0;
}

/* A binary heap of the vehicles whose cursor holds a record. */
static void heap_down(struct fleet_veh **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct fleet_veh *t;

		if (l < n && before(h[l], h[m]))
			m = l;
		if (l + 1 < n && before(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Move a vehicle's cursor to its next record of the collection. */
static enum cv_err skip_rejected(struct cv_req *r, const struct cv_coll *coll, struct fleet_veh *fv)
{
	enum cv_err e = CV_OK;

	while (!e && fv->it.valid && !coll->accept(r, fv->it.val, fv->it.len))
		e = cv_hist_iter_next(&fv->it);
	return e;
}

/*
 * Walk the fleet's records of one time interval newest first, from the
 * page's resume point: open a cursor per vehicle at it (one seek each),
 * then pop the newest. A page costs a seek per vehicle and a heap step per
 * item, however deep it is.
 */
static enum cv_err merge_interval(struct cv_req *r, const struct cv_coll *coll, struct fleet_set *fs,
				  const struct cv_interval *iv, const struct cv_page *pg,
				  int (*fn)(struct cv_req *r, struct fleet_veh *fv, void *arg), void *arg)
{
	struct fleet_veh **heap = cv_calloc(fs->n ? fs->n : 1, sizeof(*heap));
	size_t hn = 0;
	enum cv_err e = CV_OK;
	bool stop = false;

	for (size_t i = 0; i < fs->n && !e; i++) {
		struct fleet_veh *fv = &fs->v[i];
		int64_t start = CV_POS(iv->to - 1, 0xffff);

		if (pg && pg->resume) {
			/* what follows (P, V) in the order: positions below P, and
			 * P itself for vehicles at or below V */
			int64_t p = memcmp(fv->vid, pg->resume_id, 16) > 0 ? pg->resume_key - 1 : pg->resume_key;

			if (p < start)
				start = p;
		}
		e = cv_hist_iter_open(r->store, NULL, coll->db, fv->vid, coll->slen, iv->from, start, &fv->it);
		if (!e)
			e = skip_rejected(r, coll, fv);
		if (!e && fv->it.valid)
			heap[hn++] = fv;
	}
	for (size_t i = hn; i-- > 0;)
		heap_down(heap, hn, i);
	while (!e && hn && !stop) {
		struct fleet_veh *top = heap[0];

		if (fn(r, top, arg)) {
			stop = true;
			break;
		}
		e = cv_hist_iter_next(&top->it);
		if (!e)
			e = skip_rejected(r, coll, top);
		if (!e && !top->it.valid)
			heap[0] = heap[--hn];
		heap_down(heap, hn, 0);
	}
	for (size_t i = 0; i < fs->n; i++)
		cv_hist_iter_close(&fs->v[i].it);
	free(heap);
	return e;
}

struct vid_set;

struct fleet_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	const struct cv_coll *c;
	struct fleet_set *fs;
	struct vid_set *set;    /* the fleet's vehicles, for the time index */
	int64_t skip;
	enum cv_err err;
};

/* One item of a fleet-wide page (vehicle vid, vidhex in hex), or the page's end; nonzero stops. */
static int fleet_emit(struct cv_req *r, struct fleet_ctx *c, const char *vidhex, const unsigned char vid[16],
		      int64_t at, unsigned suffix, const void *val, size_t len)
{
	switch (cv_page_step(c->pg, &c->skip, CV_POS(at, suffix), vid)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	if (strcmp(r->veh.id, vidhex)) {
		/* the vehicle's record (the fleet face shows its VIN), once per run of its items */
		enum cv_err e = cv_vehicle_get(r->store, NULL, vidhex, &r->veh);

		if (e == CV_ENOTFOUND) {
			r->veh.id[0] = '\0';
			return 0;       /* a link to a vehicle that is gone: nothing of it to show */
		}
		if (e) {
			c->err = e;
			return 1;
		}
	}
	r->vid = r->veh.id;
	snprintf(r->vbase, sizeof(r->vbase), CV_B2B "/fleets/%s/vehicles/%s", r->fid, r->veh.id);
	c->err = c->c->render(r, c->w, at, suffix, val, len);
	if (c->err)
		return 1;
	c->pg->count++;
	return 0;
}

static int fleet_one(struct cv_req *r, struct fleet_veh *fv, void *arg)
{
	return fleet_emit(r, arg, fv->id, fv->vid, fv->it.at, fv->it.suffix, fv->it.val, fv->it.len);
}

/* ---- fleet-wide lists from the time index ------------------------------------ */

/*
 * The fleet's vehicles as a hash set of 16-byte ids (open addressing, at
 * most half full): the index holds every vehicle's records, and a fleet's
 * total tests each one. Vehicle ids are random, so their first bytes hash.
 */
struct vid_set {
	unsigned char (*slot)[16];
	bool *used;
	size_t mask;
};

static size_t vid_hash(const unsigned char *vid, size_t mask)
{
	uint64_t h;

	memcpy(&h, vid, sizeof(h));
	return (size_t)(h ^ (h >> 29)) & mask;
}

static void set_init(struct vid_set *s, const struct fleet_set *fs)
{
	size_t cap = 16;

	while (cap < 2 * fs->n)
		cap *= 2;
	s->slot = cv_calloc(cap, 16);
	s->used = cv_calloc(cap, sizeof(bool));
	s->mask = cap - 1;
	for (size_t i = 0; i < fs->n; i++) {
		size_t j = vid_hash(fs->v[i].vid, s->mask);

		while (s->used[j] && memcmp(s->slot[j], fs->v[i].vid, 16))
			j = (j + 1) & s->mask;
		memcpy(s->slot[j], fs->v[i].vid, 16);
		s->used[j] = true;
	}
}

static bool in_set(const struct vid_set *s, const unsigned char *vid)
{
	for (size_t j = vid_hash(vid, s->mask); s->used[j]; j = (j + 1) & s->mask)
		if (!memcmp(s->slot[j], vid, 16))
			return true;
	return false;
}

/* Counting through the index: the fleet's records of an interval. */
struct indexed_count {
	struct fleet_ctx *fc;
	int64_t n;
};

static int indexed_count_one(const struct cv_hrec *h, void *arg)
{
	struct indexed_count *a = arg;

	if (in_set(a->fc->set, h->vid) && a->fc->c->accept(a->fc->r, h->val, h->len))
		a->n++;
	return 0;
}

static int indexed_one(const struct cv_hrec *h, void *arg)
{
	struct fleet_ctx *c = arg;
	char vidhex[CV_VID_HEXLEN + 1];

	if (!in_set(c->set, h->vid) || !c->c->accept(c->r, h->val, h->len))
		return 0;
	cv_hex(h->vid, 16, vidhex);
	return fleet_emit(c->r, c, vidhex, h->vid, h->at, h->suffix, h->val, h->len);
}

/*
 * The page from the fleet-wide index: `total` is one bulk scan of each
 * interval, the page one seek and a step per record, whatever the number
 * of vehicles (hindex.h).
 */
static enum cv_err indexed_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct fleet_ctx *c = ctx;
	struct indexed_count a = { c, 0 };
	enum cv_err e = cv_hindex_scan(c->r->store, c->c->hkind, iv->from, iv->to, indexed_count_one, &a);

	*n += a.n;
	return e;
}

static enum cv_err indexed_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct fleet_ctx *c = ctx;
	/* from the resume point itself: (time, suffix, vehicle) */
	const unsigned char *vid = c->pg->resume && start == c->pg->resume_key ? c->pg->resume_id : NULL;
	enum cv_err e = cv_hindex_walk_desc(c->r->store, c->c->hkind, iv->from, start, vid, indexed_one, c);

	return e ? e : c->err;
}

static const struct cv_page_source indexed_source = { indexed_count, indexed_walk, true };

/* Without the index: each vehicle's records counted in bulk, then merged. */
static enum cv_err merged_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct fleet_ctx *c = ctx;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < c->fs->n && !e; i++)
		e = count_one(c->r, c->c, c->fs->v[i].vid, iv, n);
	return e;
}

static enum cv_err merged_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct fleet_ctx *c = ctx;
	enum cv_err e;

	(void)start;    /* merge_interval resumes from the page's token itself */
	e = merge_interval(c->r, c->c, c->fs, iv, c->pg, fleet_one, c);
	return e ? e : c->err;
}

static const struct cv_page_source merged_source = { merged_count, merged_walk, true };

int cv_coll_fleet_list(struct cv_req *r, const struct cv_coll *coll)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct fleet_set fs = { NULL, 0, 0 };
	struct vid_set set = { NULL, NULL, 0 };
	struct fleet_ctx c;
	struct cv_page pg;
	struct cv_jw w;
	size_t n;
	enum cv_err e;
	bool indexed = coll->hkind && cv_hindex_ready(r->store);
	int st = cv_page_init(r, 60, &pg);

	if (st)
		return st;
	e = cv_fleet_vehicle_ids(r->store, NULL, r->fid, collect_vehicle, &fs);
	if (e) {
		free(fs.v);
		return cv_fail_store(r, e, "fleet vehicles");
	}
	n = cv_intervals_desc(r, iv);
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.c = coll;
	c.fs = &fs;
	c.set = &set;
	c.skip = pg.resume ? 0 : pg.offset;
	if (indexed)
		set_init(&set, &fs);
	cv_page_open(&w, r, coll->embedded);
	e = cv_page_intervals(&pg, iv, n, indexed ? &indexed_source : &merged_source, &c);
	free(set.slot);
	free(set.used);
	free(fs.v);
	if (e)
		return cv_fail_store(r, e, coll->path);
	return cv_page_close(&w, r, &pg);
}

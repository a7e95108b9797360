/*
 * trips.c - cvapi-trips: a vehicle's trips (both faces: the same under
 * /connectedcar/v3/fleets/{fid}/vehicles/{vid}/ for a fleet manager, whose
 * objects carry the VIN; the fleet face has no scopes).
 *
 *   GET /connectedcar/v4/user/vehicles/{id}/trips                      data:trip
 *       timestamps (on startedAt), duration (s: "min-max" or "min-"),
 *       distance (km, at most one decimal: "0.5-12" or "1-"), states
 *       (TripStateEnum, comma-separated or repeated; Nominal = no fault),
 *       pageSize (1..60), indexRange, pageToken
 *   GET .../trips/{tid}                                                data:trip
 *   GET .../trips/{tid}/wayPoints                        data:trip data:position
 *       timestamps, tolerance (km, Douglas-Peucker), pageSize (1..2000),
 *       indexRange, pageToken
 *   GET .../trips/{tid}/telemetry                 data:trip (data:telemetry: members)
 *       timestamps, type, extension, pageSize (1..2000), indexRange, pageToken
 *   GET .../trips/{tid}/alerts[/{aid}]                       data:trip data:alert
 *   GET .../trips/{tid}/collisions[/{cid}]               data:trip data:collision
 *       lists: timestamps, pageSize (1..60), indexRange, pageToken; alerts
 *       also locale (accepted, unused)
 *
 * Trips are built at ingest (db/trips.h): a list page is one cursor walk
 * of the trips database, newest first; the open trip is in it (done false).
 * Positions (startPosition, stopPosition; alert positions) need
 * data:position too. A trip id is its vehicle's id (32 hex digits) then
 * its start time in ms (16), as cvapi-events' ids carry their vehicle.
 * What belongs to a trip is what happened in its span: from startedAt to
 * stoppedAt (to its last sample while it is open), limited by `timestamps`
 * where given. wayPoints are oldest first (a path); the other
 * lists newest first. Alert and collision items are the vehicle's own
 * (same ids and self links as cvapi-events).
 */
#include "history.h"
#include "links.h"
#include "trips.h"
#include "charges.h"
#include "ecoach.h"
#include "settings.h"
#include "cvtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* `states` bits: the fault bits of core/trip.h, and Nominal (no fault). */
#define STATE_NOMINAL 8u

#define TRIPS_PAGE_MAX 60
#define HF_PAGE_MAX 2000
/* Positions a trip may have for wayPoints with a tolerance (all held in memory). */
#define SIMPLIFY_MAX 200000
/* tolerance ceiling, km */
#define TOLERANCE_MAX_KM 1000

static bool want_positions(const struct cv_req *r)
{
	return (r->tok.scopes & CV_SC_BIT(CV_SC_POSITION)) != 0;
}

/*
 * The path vehicle's capacities into r->veh, for what needs them (a trip's
 * avgConsumption, a charging session's energy); the fleet face loaded its
 * record already.
 */
static int load_capacity(struct cv_req *r)
{
	enum cv_err e;

	if (r->b2b)
		return 0;
	e = cv_vehicle_capacity(r->store, NULL, r->vid, &r->veh.battery_wh, &r->veh.tank_cl);
	return e ? cv_fail_store(r, e, "vehicle") : 0;
}

/* ---- ids ------------------------------------------------------------------- */

/*
 * Ids carry their vehicle (cgi/history.h): the vehicle, the time in ms,
 * then the key suffix (none for a trip, 1 byte for a collision's index in
 * its sample, 2 for an alert's code).
 */

/*
 * The vehicle of the path (0, or 403 written) and the trip {tid}: 0, or 404
 * when the vehicle has no such trip.
 */
static int load_trip(struct cv_req *r, unsigned char vid[16], struct cv_trip *t)
{
	char idv[33];
	int64_t start;
	unsigned none;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	/* its syntax checked by the layer (cv_ids_check) */
	cv_coll_parse_id(cv_req_id(r, "tid"), 0, idv, &start, &none);
	if (strcmp(idv, r->vid))
		return cv_fail(r, 404, CV_C_NO_DATA, "no such trip");
	cv_vid_bytes(r->vid, vid);
	e = cv_trip_get(r->store, NULL, vid, start, t);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such trip");
	return e ? cv_fail_store(r, e, "trip") : 0;
}

/*
 * The request's timestamps intervals, newest first, each limited to the
 * trip's span [lo, hi] (ms, inclusive); empty ones dropped.
 */
static size_t span_intervals(const struct cv_req *r, int64_t lo, int64_t hi, struct cv_interval out[CV_MAX_INTERVALS])
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	size_t n = cv_intervals_desc(r, iv), m = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t from = CV_MAX(iv[i].from, lo), to = CV_MIN(iv[i].to, hi + 1);

		if (from < to) {
			out[m].from = from;
			out[m].to = to;
			m++;
		}
	}
	return m;
}

/* ---- trips ----------------------------------------------------------------- */

struct trip_filter {
	bool dur;
	int64_t dur_min, dur_max;      /* s; dur_max -1: no upper bound */
	bool dist;
	int64_t dist_min, dist_max;    /* m; dist_max -1: no upper bound */
	uint32_t states;               /* fault bits and STATE_NOMINAL; 0: any */
};

/* The trip filters of the query (parsed and checked by the request layer). */
static void trip_filter_of(const struct cv_query *q, struct trip_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->dur = q->duration.set;
	f->dur_min = q->duration.min;
	f->dur_max = q->duration.max;
	f->dist = q->distance.set;
	f->dist_min = q->distance.min;
	f->dist_max = q->distance.max;
	f->states = q->states;
}

static bool trip_matches(const struct trip_filter *f, const struct cv_trip *t)
{
	if (f->dur) {
		int64_t s = (cv_trip_duration_ms(t) + 500) / 1000;

		if (s < f->dur_min || (f->dur_max >= 0 && s > f->dur_max))
			return false;
	}
	if (f->dist) {
		int64_t m = cv_trip_distance_m(t);

		if (m < 0 || m < f->dist_min || (f->dist_max >= 0 && m > f->dist_max))
			return false;
	}
	if (f->states) {
		unsigned faults = cv_trip_faults(t);

		if (!((faults ? faults : STATE_NOMINAL) & f->states))
			return false;
	}
	return true;
}

static void render_trip(struct cv_req *r, struct cv_jw *w, const struct cv_trip *t)
{
	char id[CV_ID_MAX + 1];
	const char *v = r->vbase;

	cv_coll_id(id, r->vid, t->start_at, 0, 0);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/trips/%s", v, id);
	cv_render_link(w, r, "vehicle", "%s", v);
	cv_render_link(w, r, "waypoints", "%s/trips/%s/wayPoints", v, id);
	cv_render_link(w, r, "alerts", "%s/trips/%s/alerts", v, id);
	cv_render_link(w, r, "collisions", "%s/trips/%s/collisions", v, id);
	cv_jw_end(w);
	cv_trip_render_members(w, t, id, r->b2b ? r->veh.vin : NULL, want_positions(r),
			       &(struct cv_trip_capacity){ r->veh.battery_wh, r->veh.tank_cl });
	cv_jw_end(w);
}

struct trips_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	struct trip_filter f;
	unsigned char vid[16];
	int64_t skip;
	int64_t counted;
};

static int trip_count(const struct cv_trip *t, void *arg)
{
	struct trips_ctx *c = arg;

	c->counted += trip_matches(&c->f, t);
	return 0;
}

static int trip_emit(const struct cv_trip *t, void *arg)
{
	struct trips_ctx *c = arg;

	if (!trip_matches(&c->f, t))
		return 0;
	switch (cv_page_step(c->pg, &c->skip, t->start_at, NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	render_trip(c->r, c->w, t);
	c->pg->count++;
	return 0;
}

static enum cv_err trips_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct trips_ctx *c = ctx;
	enum cv_err e;

	c->counted = 0;
	e = cv_trips_walk_desc(c->r->store, NULL, c->vid, iv->from, iv->to - 1, trip_count, c);
	*n += c->counted;
	return e;
}

static enum cv_err trips_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct trips_ctx *c = ctx;

	return cv_trips_walk_desc(c->r->store, NULL, c->vid, iv->from, start, trip_emit, c);
}

static const struct cv_page_source trips_source = { trips_count, trips_walk, false };

static int get_trips(struct cv_req *r)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_page pg;
	struct cv_jw w;
	struct trips_ctx c;
	size_t n;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	memset(&c, 0, sizeof(c));
	trip_filter_of(&r->q, &c.f);
	if (!st)
		st = load_capacity(r);
	if (!st)
		st = cv_page_init(r, TRIPS_PAGE_MAX, &pg);
	if (st)
		return st;
	cv_vid_bytes(r->vid, c.vid);
	n = cv_intervals_desc(r, iv);
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_page_open(&w, r, "trips");
	e = cv_page_intervals(&pg, iv, n, &trips_source, &c);
	if (e)
		return cv_fail_store(r, e, "trips");
	return cv_page_close(&w, r, &pg);
}

static int get_trip(struct cv_req *r)
{
	unsigned char vid[16];
	struct cv_trip t;
	struct cv_jw w;
	int st = load_trip(r, vid, &t);

	if (!st)
		st = load_capacity(r);
	if (st)
		return st;
	cv_jw_init(&w, &r->out);
	render_trip(r, &w, &t);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

/* ---- wayPoints --------------------------------------------------------------- */

struct wp {
	int64_t at;
	int32_t alt_m;
};

struct wp_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	int64_t skip;
	int64_t counted;
	/* with a tolerance: every position, kept in memory */
	struct cv_geo_point *pts;
	struct wp *meta;
	size_t n, cap;
	bool too_many;
};

static int wp_count(const struct cv_sample *s, void *arg)
{
	struct wp_ctx *c = arg;

	c->counted += CV_HAS(s, CV_G_POS);
	return 0;
}

/* Page logic shared by both paths: 1 to stop (page full), 0 to write the item. */
static int wp_admit(struct wp_ctx *c, int64_t at)
{
	switch (cv_page_step(c->pg, &c->skip, at, NULL)) {
	case CV_PAGE_SKIP: return -1;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	c->pg->count++;
	return 0;
}

static int wp_emit(const struct cv_sample *s, void *arg)
{
	struct wp_ctx *c = arg;
	int a;

	if (!CV_HAS(s, CV_G_POS))
		return 0;
	a = wp_admit(c, s->at);
	if (a == 0)
		cv_render_point(c->w, s->lat_e7, s->lon_e7, s->alt_m, s->at);
	return a > 0;
}

static int wp_collect(const struct cv_sample *s, void *arg)
{
	struct wp_ctx *c = arg;

	if (!CV_HAS(s, CV_G_POS))
		return 0;
	if (c->n >= SIMPLIFY_MAX) {
		c->too_many = true;
		return 1;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->pts = cv_realloc(c->pts, c->cap * sizeof(*c->pts));
		c->meta = cv_realloc(c->meta, c->cap * sizeof(*c->meta));
	}
	c->pts[c->n].lat_e7 = s->lat_e7;
	c->pts[c->n].lon_e7 = s->lon_e7;
	c->meta[c->n].at = s->at;
	c->meta[c->n].alt_m = s->alt_m;
	c->n++;
	return 0;
}

/* With a tolerance: every position of the span in memory, simplified, then the page. */
static int waypoints_simplified(struct cv_req *r, const unsigned char vid[16], struct cv_interval *iv, size_t n,
				double tol_m, struct wp_ctx *c)
{
	bool *keep;
	size_t *work;
	enum cv_err e = CV_OK;

	/* oldest first: the intervals are newest first */
	for (size_t i = n; i-- > 0 && !e && !c->too_many;) {
		struct cv_walk wk = { iv[i].from, iv[i].to, iv[i].from, false };

		e = cv_telemetry_walk(r->store, NULL, vid, &wk, wp_collect, c);
	}
	if (e)
		return cv_fail_store(r, e, "wayPoints");
	if (c->too_many)
		return cv_fail(r, 400, CV_C_BAD_PARAM,
			       "tolerance: this trip has more than %d positions to simplify; narrow it with timestamps",
			       SIMPLIFY_MAX);
	keep = cv_calloc(c->n ? c->n : 1, sizeof(*keep));
	work = cv_calloc(c->n ? 2 * c->n : 1, sizeof(*work));
	c->pg->total = (int64_t)cv_geo_simplify(c->pts, c->n, tol_m, keep, work);
	free(work);
	cv_page_open(c->w, r, "positions");
	for (size_t i = 0; i < c->n; i++) {
		int a;

		if (!keep[i] || (c->pg->resume && c->meta[i].at < c->pg->resume_key))
			continue;
		a = wp_admit(c, c->meta[i].at);
		if (a > 0)
			break;
		if (a == 0)
			cv_render_point(c->w, c->pts[i].lat_e7, c->pts[i].lon_e7, c->meta[i].alt_m, c->meta[i].at);
	}
	free(keep);
	return cv_page_close(c->w, r, c->pg);
}

static int get_waypoints(struct cv_req *r)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	unsigned char vid[16];
	struct cv_trip t;
	struct cv_page pg;
	struct cv_jw w;
	struct wp_ctx c;
	int64_t tol_mm = r->q.tolerance.set ? r->q.tolerance.v : 0;
	enum cv_err e = CV_OK;
	size_t n;
	int st = load_trip(r, vid, &t);

	if (st)
		return st;
	st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	n = span_intervals(r, t.start_at, cv_trip_end_at(&t), iv);
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.skip = pg.resume ? 0 : pg.offset;
	if (tol_mm > 0) {
		st = waypoints_simplified(r, vid, iv, n, (double)tol_mm / 1000.0, &c);
		free(c.pts);
		free(c.meta);
		return st;
	}
	for (size_t i = 0; i < n && !e; i++) {
		struct cv_walk wk = { iv[i].from, iv[i].to, iv[i].from, false };

		e = cv_telemetry_walk(r->store, NULL, vid, &wk, wp_count, &c);
	}
	if (e)
		return cv_fail_store(r, e, "wayPoints");
	pg.total = c.counted;
	cv_page_open(&w, r, "positions");
	for (size_t i = n; i-- > 0 && !e && !pg.more;) {
		struct cv_walk wk = { iv[i].from, iv[i].to, iv[i].from, false };

		if (pg.resume) {
			if (iv[i].to <= pg.resume_key)
				continue;
			wk.start = CV_MAX(wk.start, pg.resume_key);
		}
		e = cv_telemetry_walk(r->store, NULL, vid, &wk, wp_emit, &c);
	}
	if (e)
		return cv_fail_store(r, e, "wayPoints");
	return cv_page_close(&w, r, &pg);
}

/* ---- telemetry --------------------------------------------------------------- */

struct tel_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	const char *tid;
	uint32_t select;    /* parts a sample must have one of (type filter) */
	uint32_t show;      /* parts written: none without data:telemetry */
	unsigned char vid[16];
	int64_t skip;
	int64_t counted;
};

static int tel_count(const struct cv_sample *s, void *arg)
{
	struct tel_ctx *c = arg;

	c->counted += cv_sample_has_parts(s, c->select);
	return 0;
}

static int tel_emit(const struct cv_sample *s, void *arg)
{
	struct tel_ctx *c = arg;
	struct cv_jw *w = c->w;

	if (!cv_sample_has_parts(s, c->select))
		return 0;
	switch (cv_page_step(c->pg, &c->skip, s->at, NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	cv_render_telemetry_item(c->r, w, s, c->show, c->tid);
	c->pg->count++;
	return 0;
}

static enum cv_err trip_tel_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct tel_ctx *c = ctx;
	struct cv_walk wk = { iv->from, iv->to, iv->to - 1, true };
	enum cv_err e;

	c->counted = 0;
	e = cv_telemetry_walk(c->r->store, NULL, c->vid, &wk, tel_count, c);
	*n += c->counted;
	return e;
}

static enum cv_err trip_tel_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct tel_ctx *c = ctx;
	struct cv_walk wk = { iv->from, iv->to, start, true };

	return cv_telemetry_walk(c->r->store, NULL, c->vid, &wk, tel_emit, c);
}

static const struct cv_page_source trip_tel_source = { trip_tel_count, trip_tel_walk, false };

static int get_telemetry(struct cv_req *r)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_trip t;
	struct cv_page pg;
	struct cv_jw w;
	struct tel_ctx c;
	enum cv_err e;
	size_t n;
	int st;

	memset(&c, 0, sizeof(c));
	st = load_trip(r, c.vid, &t);
	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	n = span_intervals(r, t.start_at, cv_trip_end_at(&t), iv);
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.tid = cv_req_id(r, "tid");
	c.select = r->q.type ? r->q.type : CV_TP_ALL;
	c.show = r->tok.scopes & CV_SC_BIT(CV_SC_TELEMETRY) ? c.select : 0;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_page_open(&w, r, "telemetries");
	e = cv_page_intervals(&pg, iv, n, &trip_tel_source, &c);
	if (e)
		return cv_fail_store(r, e, "telemetry");
	return cv_page_close(&w, r, &pg);
}

/* ---- alerts and collisions ------------------------------------------------------ */

/*
 * The items below are written as cvapi-events writes them (same ids, self
 * links to /user/vehicles/{id}/alerts/{aid} and .../collisions/{cid}): a
 * copy of its alert_render and collision_render until both move to a
 * shared module.
 */
/* One kind of the trip's events: where they are and how each is checked and written. */
struct evkind {
	const char *what;           /* "alert", "collision" */
	const char *capture;        /* its id in the path: "aid", "cid" (req.h) */
	const char *embedded;       /* member of _embedded */
	enum cv_dbid db;
	size_t slen;                /* key suffix bytes */
};

static const struct evkind k_alerts = { "alert", "aid", "alerts", CV_DB_ALERTS, 2 };
static const struct evkind k_collisions = { "collision", "cid", "Collisions", CV_DB_EVENTS, 1 };

/* Render (when w is not NULL) the record if it is of the kind: 1 if it is, 0 if not, -1 on a bad record. */
static int ev_item(struct cv_req *r, struct cv_jw *w, const struct evkind *k, int64_t at, unsigned suffix,
		   const void *val, size_t len)
{
	if (k->db == CV_DB_ALERTS) {
		struct cv_alert_rec a;

		if (cv_alert_decode(val, len, at, (uint16_t)suffix, &a))
			return -1;
		if (w)
			cv_render_alert(r, w, &a);
		return 1;
	} else {
		struct cv_event ev;

		if (cv_event_decode(val, len, &ev))
			return -1;
		if (ev.kind != CV_EV_COLLISION)
			return 0;
		if (w)
			cv_render_collision(r, w, at, suffix, &ev);
		return 1;
	}
}

struct ev_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	const struct evkind *k;
	unsigned char vid[16];
	int64_t skip;
	int64_t counted;
	enum cv_err err;
};

static int ev_count(int64_t at, unsigned suffix, const void *val, size_t len, void *arg)
{
	struct ev_ctx *c = arg;
	int m = ev_item(c->r, NULL, c->k, at, suffix, val, len);

	if (m < 0) {
		c->err = CV_EINVAL;
		return 1;
	}
	c->counted += m;
	return 0;
}

static int ev_emit(int64_t at, unsigned suffix, const void *val, size_t len, void *arg)
{
	struct ev_ctx *c = arg;
	int m = ev_item(c->r, NULL, c->k, at, suffix, val, len);

	if (m <= 0) {
		if (m < 0)
			c->err = CV_EINVAL;
		return m < 0;
	}
	switch (cv_page_step(c->pg, &c->skip, CV_POS(at, suffix), NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	ev_item(c->r, c->w, c->k, at, suffix, val, len);
	c->pg->count++;
	return 0;
}

static enum cv_err ev_list_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct ev_ctx *c = ctx;
	enum cv_err e;

	c->counted = 0;
	e = cv_history_walk_desc(c->r->store, NULL, c->k->db, c->vid, c->k->slen, iv->from,
				 CV_POS(iv->to - 1, 0xffff), ev_count, c);
	*n += c->counted;
	return e ? e : c->err;
}

static enum cv_err ev_list_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct ev_ctx *c = ctx;
	enum cv_err e = cv_history_walk_desc(c->r->store, NULL, c->k->db, c->vid, c->k->slen, iv->from, start,
					     ev_emit, c);

	return e ? e : c->err;
}

static const struct cv_page_source ev_source = { ev_list_count, ev_list_walk, true };

static int get_ev_list(struct cv_req *r, const struct evkind *k)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_trip t;
	struct cv_page pg;
	struct cv_jw w;
	struct ev_ctx c;
	enum cv_err e;
	size_t n;
	int st;

	memset(&c, 0, sizeof(c));
	st = load_trip(r, c.vid, &t);
	if (!st)
		st = cv_page_init(r, TRIPS_PAGE_MAX, &pg);
	if (st)
		return st;
	n = span_intervals(r, t.start_at, cv_trip_end_at(&t), iv);
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.k = k;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_page_open(&w, r, k->embedded);
	e = cv_page_intervals(&pg, iv, n, &ev_source, &c);
	if (e)
		return cv_fail_store(r, e, k->embedded);
	return cv_page_close(&w, r, &pg);
}

static int get_ev_item(struct cv_req *r, const struct evkind *k)
{
	unsigned char vid[16];
	char idv[33];
	struct cv_trip t;
	struct cv_jw w;
	int64_t at;
	unsigned suffix;
	enum cv_err e;
	int m, st = load_trip(r, vid, &t);

	if (st)
		return st;
	/* its syntax checked by the layer (cv_ids_check) */
	cv_coll_parse_id(cv_req_id(r, k->capture), k->slen, idv, &at, &suffix);
	if (strcmp(idv, r->vid) || at < t.start_at || at > cv_trip_end_at(&t))
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s in this trip", k->what);
	e = cv_history_get(r->store, NULL, k->db, vid, at, suffix, k->slen, &r->scratch);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s in this trip", k->what);
	if (e)
		return cv_fail_store(r, e, k->what);
	cv_jw_init(&w, &r->out);
	m = ev_item(r, &w, k, at, suffix, r->scratch.p, r->scratch.len);
	if (m < 0)
		return cv_fail_store(r, CV_EINVAL, k->what);
	if (m == 0)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such %s in this trip", k->what);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static int get_alerts(struct cv_req *r) { return get_ev_list(r, &k_alerts); }
static int get_alert(struct cv_req *r) { return get_ev_item(r, &k_alerts); }
static int get_collisions(struct cv_req *r) { return get_ev_list(r, &k_collisions); }
static int get_collision(struct cv_req *r) { return get_ev_item(r, &k_collisions); }

/* ---- eco-coaching ---------------------------------------------------------------- */

/* The scorer's parameters: core/ecoach.h's defaults with the host's settings (ecoach_setup, at start). */
static struct cv_ecoach_params eco_params;

/* Read the eco-coaching settings (doc/ecoaching.md); values that do not fit together leave the defaults. */
static void ecoach_setup(const char *prog)
{
	struct cv_ecoach_params p = cv_ecoach_defaults;

	p.harsh_accel_cms2 = (uint16_t)cv_setting_int(prog, "CVAPI_ECOACH_HARSH_ACCEL", 100, 1000, p.harsh_accel_cms2);
	p.harsh_brake_cms2 = (uint16_t)cv_setting_int(prog, "CVAPI_ECOACH_HARSH_BRAKE", 100, 1000, p.harsh_brake_cms2);
	p.speed_eco_dkmh = (uint16_t)(cv_setting_int(prog, "CVAPI_ECOACH_SPEED_ECO", 30, 250, p.speed_eco_dkmh / 10) * 10);
	p.speed_full_dkmh = (uint16_t)(cv_setting_int(prog, "CVAPI_ECOACH_SPEED_FULL", 40, 300,
						      p.speed_full_dkmh / 10) * 10);
	p.idle_min_ms = cv_setting_int(prog, "CVAPI_ECOACH_IDLE_MIN", 10, 3600, p.idle_min_ms / 1000) * 1000;
	if (!cv_ecoach_params_ok(&p)) {
		fprintf(stderr, "%s: CVAPI_ECOACH_SPEED_ECO must be below CVAPI_ECOACH_SPEED_FULL: the eco-coaching "
			"defaults are used\n", prog);
		p = cv_ecoach_defaults;
	}
	eco_params = p;
}

/*
 * The trip {tid} of /user/trips/{tid}/...: its vehicle is in its id
 * (ids.h), and must be in the user's account; a trip of anyone else's
 * vehicle is no trip of this user's (404, as one that does not exist).
 * Sets r->vid (to idv, which must outlive the handler's use of r) and
 * r->vbase as cv_check_vehicle does.
 */
static int load_user_trip(struct cv_req *r, char idv[33], unsigned char vid[16], struct cv_trip *t)
{
	int64_t start;
	unsigned none;
	enum cv_err e;
	int n;

	cv_coll_parse_id(cv_req_id(r, "tid"), 0, idv, &start, &none);
	e = cv_user_has_vehicle(r->store, NULL, r->tok.user, idv);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such trip");
	if (e)
		return cv_fail_store(r, e, "vehicle link");
	n = snprintf(r->vbase, sizeof(r->vbase), CV_B2C "/user/vehicles/%s", idv);
	if (n < 0 || (size_t)n >= sizeof(r->vbase))
		return cv_fail(r, 400, CV_C_BAD_ID, "overlong path");
	r->vid = idv;
	cv_vid_bytes(idv, vid);
	e = cv_trip_get(r->store, NULL, vid, start, t);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such trip");
	return e ? cv_fail_store(r, e, "trip") : 0;
}

static int eco_feed(const struct cv_sample *s, void *arg)
{
	cv_ecoach_feed(arg, s);
	return 0;
}

/*
 * GET /user/trips/{tid}/ecoaching and /user/vehicles/{id}/trips/{tid}/ecoaching
 * (b2c 4.0, ECoaching): the trip's telemetry, oldest first, folded into
 * the scorer (core/ecoach.h) when it is read; a trip still open is scored
 * as far as it went.
 */
static int ecoaching(struct cv_req *r, bool by_vehicle)
{
	char idv[33], id[CV_ID_MAX + 1];
	unsigned char vid[16];
	struct cv_trip t;
	struct cv_ecoach *eco;
	struct cv_ecoach_scores sc;
	struct cv_jw w;
	enum cv_err e;
	int st = by_vehicle ? load_trip(r, vid, &t) : load_user_trip(r, idv, vid, &t);

	if (st)
		return st;
	eco = cv_malloc(sizeof(*eco));
	cv_ecoach_init(eco, &eco_params);
	{
		struct cv_walk wk = { t.start_at, cv_trip_end_at(&t) + 1, t.start_at, false };

		e = cv_telemetry_walk(r->store, NULL, vid, &wk, eco_feed, eco);
	}
	cv_ecoach_score(eco, &sc);
	free(eco);
	if (e) {
		r->vid = NULL;
		return cv_fail_store(r, e, "telemetry");
	}
	cv_coll_id(id, r->vid, t.start_at, 0, 0);
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	if (by_vehicle)
		cv_render_link(&w, r, "self", "%s/trips/%s/ecoaching", r->vbase, id);
	else
		cv_render_link(&w, r, "self", CV_B2C "/user/trips/%s/ecoaching", id);
	cv_render_link(&w, r, "vehicle", "%s", r->vbase);
	cv_render_link(&w, r, "trip", "%s/trips/%s", r->vbase, id);
	cv_jw_end(&w);
	cv_ecoach_render_members(&w, &sc);
	cv_jw_end(&w);
	r->vid = NULL;          /* idv goes with this frame */
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static int get_ecoaching(struct cv_req *r) { return ecoaching(r, true); }
static int get_user_trip_ecoaching(struct cv_req *r) { return ecoaching(r, false); }

/* ---- charging sessions (an extension: doc/api.md) ---------------------------- */

static void render_charge(struct cv_req *r, struct cv_jw *w, const struct cv_charge *c)
{
	char id[CV_ID_MAX + 1];
	const char *v = r->vbase;

	cv_coll_id(id, r->vid, c->start_at, 0, 0);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/charges/%s", v, id);
	cv_render_link(w, r, "vehicle", "%s", v);
	cv_render_link(w, r, "curve", "%s/charges/%s/curve", v, id);
	cv_jw_end(w);
	cv_charge_render_members(w, c, id, r->b2b ? r->veh.vin : NULL, want_positions(r), r->veh.battery_wh);
	cv_jw_end(w);
}

static int charge_accept(struct cv_req *r, const void *val, size_t len)
{
	(void)r;
	(void)val;
	(void)len;
	return 1;
}

static enum cv_err charge_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned suffix,
				 const void *val, size_t len)
{
	struct cv_charge c;
	enum cv_err e = cv_charge_decode(val, len, &c);

	(void)at;
	(void)suffix;
	if (!e)
		render_charge(r, w, &c);
	return e;
}

static const struct cv_coll c_charges = { "charges", "charges", CV_DB_CHARGES, 0, charge_accept, charge_render, 0,
					  "chid" };

/* GET .../vehicles/{id}/charges: the vehicle's charging sessions, newest first, paged, `timestamps` on startedAt. */
static int get_charges(struct cv_req *r)
{
	int st = cv_check_vehicle(r);

	if (!st)
		st = load_capacity(r);
	return st ? st : cv_coll_list(r, &c_charges);
}

static int get_charge(struct cv_req *r)
{
	int st = cv_check_vehicle(r);

	if (!st)
		st = load_capacity(r);
	return st ? st : cv_coll_item(r, &c_charges, "charging session");
}

struct curve_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	const struct cv_charge *c;
	unsigned char vid[16];
	int64_t skip;
	int64_t counted;
};

static int curve_count(const struct cv_sample *s, void *arg)
{
	struct curve_ctx *c = arg;

	c->counted += cv_charge_curve_has(c->c, s);
	return 0;
}

static int curve_emit(const struct cv_sample *s, void *arg)
{
	struct curve_ctx *c = arg;

	if (!cv_charge_curve_has(c->c, s))
		return 0;
	switch (cv_page_step(c->pg, &c->skip, s->at, NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	cv_jw_obj(c->w);
	cv_charge_render_point_members(c->w, s);
	cv_jw_end(c->w);
	c->pg->count++;
	return 0;
}

static enum cv_err curve_count_iv(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct curve_ctx *c = ctx;
	struct cv_walk wk = { iv->from, iv->to, iv->to - 1, true };
	enum cv_err e;

	c->counted = 0;
	e = cv_telemetry_walk(c->r->store, NULL, c->vid, &wk, curve_count, c);
	*n += c->counted;
	return e;
}

static enum cv_err curve_walk_iv(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct curve_ctx *c = ctx;
	struct cv_walk wk = { iv->from, iv->to, start, true };

	return cv_telemetry_walk(c->r->store, NULL, c->vid, &wk, curve_emit, c);
}

static const struct cv_page_source curve_source = { curve_count_iv, curve_walk_iv, false };

/*
 * GET .../charges/{chid}/curve: the session's samples that carry its
 * battery level or charging state (core/charge.h cv_charge_curve_has),
 * newest first and paged as a trip's telemetry is, `timestamps` within
 * the session's span.
 */
static int get_curve(struct cv_req *r)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_charge ch;
	struct cv_page pg;
	struct cv_jw w;
	struct curve_ctx c;
	char idv[33];
	int64_t start;
	unsigned none;
	enum cv_err e;
	size_t n;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	memset(&c, 0, sizeof(c));
	cv_coll_parse_id(cv_req_id(r, "chid"), 0, idv, &start, &none);
	if (strcmp(idv, r->vid))
		return cv_fail(r, 404, CV_C_NO_DATA, "no such charging session");
	cv_vid_bytes(r->vid, c.vid);
	e = cv_charge_get(r->store, NULL, c.vid, start, &ch);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such charging session");
	if (e)
		return cv_fail_store(r, e, "charging session");
	st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	n = span_intervals(r, ch.start_at, cv_charge_end_at(&ch), iv);
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.c = &ch;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_page_open(&w, r, "points");
	e = cv_page_intervals(&pg, iv, n, &curve_source, &c);
	if (e)
		return cv_fail_store(r, e, "charging curve");
	return cv_page_close(&w, r, &pg);
}

/* ---- a vehicle's summary by period (an extension: doc/api.md) --------------------- */

enum period { P_DAY = 1, P_WEEK = 2, P_MONTH = 4 };
/* The most periods one answer holds (a year of days). */
#define SUMMARY_MAX 366

static uint32_t check_period(const char *item)
{
	return !strcmp(item, "day") ? P_DAY : !strcmp(item, "week") ? P_WEEK : !strcmp(item, "month") ? P_MONTH : 0;
}

#define DAY_MS 86400000LL

/* The start (UTC) of the period of kind p holding t. */
static int64_t period_start(enum period p, int64_t t)
{
	int64_t day = (t >= 0 ? t : t - DAY_MS + 1) / DAY_MS;
	struct tm tm;
	time_t s;

	if (p == P_DAY)
		return day * DAY_MS;
	if (p == P_WEEK)
		return (day - ((day % 7 + 7 + 3) % 7)) * DAY_MS;       /* 1970-01-01 was a Thursday: Monday is 0 */
	s = (time_t)(day * 86400);
	gmtime_r(&s, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm) * 1000;
}

/* The start of the period after the one starting at start. */
static int64_t period_next(enum period p, int64_t start)
{
	struct tm tm;
	time_t s;

	if (p == P_DAY)
		return start + DAY_MS;
	if (p == P_WEEK)
		return start + 7 * DAY_MS;
	s = (time_t)(start / 1000);
	gmtime_r(&s, &tm);
	tm.tm_mon++;
	return (int64_t)timegm(&tm) * 1000;
}

struct period_sum {
	int64_t start, end;         /* ms, [start, end) */
	uint32_t trips, charges;
	int64_t distance_m;         /* trips of known distance */
	int64_t driving_ms;
	int64_t charging_ms;
	int64_t charged_wh;         /* sessions of known energy */
	uint32_t used_dpts[CV_TRIP_NENERGY];   /* level lost on trips, % x 10 */
	int64_t used_dist_m[CV_TRIP_NENERGY];  /* ... over this distance (trips with that level and a distance) */
};

struct summary_ctx {
	struct period_sum *ps;
	size_t n;                   /* ps[0] newest */
	enum period p;
};

static struct period_sum *period_of(struct summary_ctx *c, int64_t at)
{
	for (size_t i = 0; i < c->n; i++)
		if (at >= c->ps[i].start && at < c->ps[i].end)
			return &c->ps[i];
	return NULL;
}

static int sum_trip(const struct cv_trip *t, void *arg)
{
	struct period_sum *p = period_of(arg, t->start_at);
	int64_t d = cv_trip_distance_m(t);

	if (!p)
		return 0;
	p->trips++;
	p->driving_ms += cv_trip_duration_ms(t);
	if (d > 0)
		p->distance_m += d;
	for (int e = 0; e < CV_TRIP_NENERGY; e++) {
		const struct cv_trip_energy_levels *l = &t->energy[e];

		if (!(t->flags & (e == CV_TRIP_ELEC ? CV_TRIP_F_ELEC : CV_TRIP_F_FUEL)) || d <= 0)
			continue;
		p->used_dpts[e] += l->start_level > l->end_level ? l->start_level - l->end_level : 0;
		p->used_dist_m[e] += d;
	}
	return 0;
}

struct charge_sum_ctx {
	struct summary_ctx *c;
	uint32_t battery_wh;
};

static int sum_charge(int64_t at, unsigned suffix, const void *val, size_t len, void *arg)
{
	struct charge_sum_ctx *x = arg;
	struct period_sum *p = period_of(x->c, at);
	struct cv_charge ch;
	int64_t wh;

	(void)suffix;
	if (!p || cv_charge_decode(val, len, &ch))
		return 0;
	p->charges++;
	p->charging_ms += ch.charge_ms;
	wh = cv_charge_energy_wh(&ch, x->battery_wh);
	if (wh > 0)
		p->charged_wh += wh;
	return 0;
}

static void render_period(struct cv_req *r, struct cv_jw *w, const struct period_sum *p, int64_t now)
{
	static const char *const types[CV_TRIP_NENERGY] = { [CV_TRIP_FUEL] = "Fuel", [CV_TRIP_ELEC] = "Electric" };
	const uint32_t cap[CV_TRIP_NENERGY] = { [CV_TRIP_FUEL] = r->veh.tank_cl, [CV_TRIP_ELEC] = r->veh.battery_wh };
	int64_t span = CV_MIN(p->end, now) - p->start;

	cv_jw_obj(w);
	cv_jw_ktime(w, "startedAt", p->start);
	cv_jw_ktime(w, "endedAt", p->end);
	cv_jw_kint(w, "trips", p->trips);
	cv_jw_kfixed(w, "distance", (p->distance_m + 50) / 100, 1);
	cv_jw_kint(w, "drivingTime", p->driving_ms / 1000);
	cv_jw_kint(w, "parkedTime", span > p->driving_ms ? (span - p->driving_ms) / 1000 : 0);
	cv_jw_kint(w, "charges", p->charges);
	cv_jw_kint(w, "chargingTime", p->charging_ms / 1000);
	if (p->charges)
		cv_jw_kfixed(w, "energyCharged", (p->charged_wh + 50) / 100, 1);
	cv_jw_key(w, "energies");
	cv_jw_arr(w);
	for (int e = 0; e < CV_TRIP_NENERGY; e++) {
		int64_t avg;

		if (!p->used_dist_m[e])
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", types[e]);
		cv_jw_kfixed(w, "consumption", p->used_dpts[e], 1);
		if (cap[e]) {
			/* what was used, in tenths of kWh (a battery in Wh) or of L (a tank in cl):
			 * points x 10 / 1000 x capacity, then / 100 (Wh) or / 10 (cl) for tenths */
			int64_t div = e == CV_TRIP_ELEC ? 100000 : 10000;
			int64_t used = (int64_t)p->used_dpts[e] * cap[e];

			cv_jw_kfixed(w, "energyUsed", (used + div / 2) / div, 1);
			/* per 100 km, as a trip's avgConsumption (charge.h), over all the period's trips */
			if (p->used_dist_m[e] >= CV_CONSUMPTION_MIN_M) {
				avg = (used * 1000 * 2 + p->used_dist_m[e]) / (2 * p->used_dist_m[e]);
				cv_jw_kfixed(w, "avgConsumption", avg, 1);
			}
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
	cv_jw_end(w);
}

/*
 * GET .../vehicles/{id}/summary?period=day|week|month: the vehicle's trips
 * and charging sessions added up per period (UTC days, ISO weeks from
 * Monday, calendar months), newest first, over `timestamps` (default: the
 * last 7 days, 8 weeks or 6 months, the current one included); a
 * record counts in the period its start falls in.
 */
static int get_summary(struct cv_req *r)
{
	struct summary_ctx c = { NULL, 0, 0 };
	struct charge_sum_ctx x;
	unsigned char vid[16];
	int64_t now = cv_now_ms(), from, to, start;
	enum cv_err e;
	struct cv_jw w;
	int st = cv_check_vehicle(r);

	if (!st)
		st = load_capacity(r);
	if (st)
		return st;
	if (!r->q.period || (r->q.period & (r->q.period - 1)))
		return cv_fail(r, 400, CV_C_BAD_PARAM, "period: one of day, week, month is required");
	c.p = (enum period)r->q.period;
	if (r->q.nintervals) {
		from = r->q.intervals[0].from;
		to = r->q.intervals[0].to;
		for (size_t i = 1; i < r->q.nintervals; i++) {
			from = CV_MIN(from, r->q.intervals[i].from);
			to = CV_MAX(to, r->q.intervals[i].to);
		}
		to = CV_MIN(to, now + 1);
	} else {
		to = now + 1;
		from = period_start(c.p, now);
		for (int i = 1; i < (c.p == P_DAY ? 7 : c.p == P_WEEK ? 8 : 6); i++)
			from = period_start(c.p, from - 1);
	}
	if (from >= to)
		return cv_fail(r, 400, CV_C_BAD_PARAM, "timestamps: the interval holds no period up to now");
	start = period_start(c.p, CV_MAX(from, 0));
	c.ps = cv_calloc(SUMMARY_MAX, sizeof(*c.ps));
	for (int64_t t = start; t < to; t = period_next(c.p, t)) {
		if (c.n == SUMMARY_MAX) {
			free(c.ps);
			return cv_fail(r, 400, CV_C_BAD_PARAM, "timestamps: more than 366 periods; ask for a shorter interval");
		}
		c.ps[c.n].start = t;
		c.ps[c.n].end = period_next(c.p, t);
		c.n++;
	}
	/* newest first */
	for (size_t i = 0; i < c.n / 2; i++) {
		struct period_sum tmp = c.ps[i];

		c.ps[i] = c.ps[c.n - 1 - i];
		c.ps[c.n - 1 - i] = tmp;
	}
	cv_vid_bytes(r->vid, vid);
	e = cv_trips_walk_desc(r->store, NULL, vid, start, c.ps[0].end - 1, sum_trip, &c);
	x.c = &c;
	x.battery_wh = r->veh.battery_wh;
	if (!e)
		e = cv_history_walk_desc(r->store, NULL, CV_DB_CHARGES, vid, 0, start, CV_POS(c.ps[0].end - 1, 0), sum_charge, &x);
	if (e) {
		free(c.ps);
		return cv_fail_store(r, e, "summary");
	}
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	cv_render_link(&w, r, "self", "%s/summary?period=%s", r->vbase,
		       c.p == P_DAY ? "day" : c.p == P_WEEK ? "week" : "month");
	cv_render_link(&w, r, "vehicle", "%s", r->vbase);
	cv_jw_end(&w);
	cv_jw_kstr(&w, "period", c.p == P_DAY ? "day" : c.p == P_WEEK ? "week" : "month");
	cv_jw_key(&w, "periods");
	cv_jw_arr(&w);
	for (size_t i = 0; i < c.n; i++)
		render_period(r, &w, &c.ps[i], now);
	cv_jw_end(&w);
	cv_jw_end(&w);
	free(c.ps);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

/* ---- routes -------------------------------------------------------------------- */

static uint32_t check_state(const char *item)
{
	if (!strcmp(item, "Nominal"))
		return STATE_NOMINAL;
	for (int i = 0; i < CV_TRIP_NFAULTS; i++)
		if (!strcmp(item, cv_trip_fault_names[i]))
			return 1u << i;
	return 0;
}

/* ---- the fleet's trips, every vehicle's merged ------------------------------ */

/* A trip of the fleet's list that the request's filters (r->q) keep. */
static int fleet_trip_accept(struct cv_req *r, const void *val, size_t len)
{
	struct trip_filter f;
	struct cv_trip t;

	trip_filter_of(&r->q, &f);
	if (!f.dur && !f.dist && !f.states)
		return 1;       /* no filter: every trip, without decoding it (a fleet's total counts them all) */
	return cv_trip_decode(val, len, &t) == CV_OK && trip_matches(&f, &t);
}

static enum cv_err fleet_trip_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned suffix,
				     const void *val, size_t len)
{
	struct cv_trip t;
	enum cv_err e = cv_trip_decode(val, len, &t);

	(void)at;
	(void)suffix;
	if (!e)
		render_trip(r, w, &t);
	return e;
}

static const struct cv_coll c_trips = { "trips", "trips", CV_DB_TRIPS, 0, fleet_trip_accept, fleet_trip_render, CV_HK_TRIP,
					"tid" };

/* GET /fleets/{fid}/trips: every vehicle's trips, newest first, with the list's filters. */
static int get_fleet_trips(struct cv_req *r)
{
	return cv_coll_fleet_list(r, &c_trips);
}

/* The trip filters of a trips list, parsed into r->q.duration, distance and states. */
#define TRIP_FILTERS                                                  \
	CV_FIELD_SPAN_S("duration", duration),         \
	CV_FIELD_SPAN_KM("distance", distance),         \
	CV_FIELD_LIST("states", check_state, states)

static const struct cv_field trips_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	TRIP_FILTERS,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field waypoints_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	CV_FIELD_KM("tolerance", TOLERANCE_MAX_KM, tolerance),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field telemetry_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	CV_FIELD_LIST("type", cv_check_tel_type, type),
	CV_FIELD_LIST("extension", cv_check_tel_extension, extension),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field alerts_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	CV_FIELD_STRING("locale", 35, locale),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field list_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field item_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field ecoaching_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_STRING("locale", 35, locale),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field summary_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_TIMESTAMPS,
	CV_FIELD_LIST("period", check_period, period),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_summary_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_TIMESTAMPS,
	CV_FIELD_LIST("period", check_period, period),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field curve_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	{ NULL, 0, 0, NULL, 0 },
};

/*
 * The fleet face: the same tables, and profile (fleet or endUser: both show
 * the same data) where its operations declare it: every trip operation but
 * a trip's collisions.
 */
static const struct cv_field fleet_trips_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	TRIP_FILTERS,
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_waypoints_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	CV_FIELD_KM("tolerance", TOLERANCE_MAX_KM, tolerance),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_telemetry_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	CV_FIELD_LIST("type", cv_check_tel_type, type),
	CV_FIELD_LIST("extension", cv_check_tel_extension, extension),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_alerts_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	CV_FIELD_STRING("locale", 35, locale),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_item_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_list_fields[] = {
	CV_FIELDS_LIST(TRIPS_PAGE_MAX),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_curve_fields[] = {
	CV_FIELDS_LIST(HF_PAGE_MAX),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

#define T CV_B2C "/user/vehicles/{id}/trips"
#define TRIP CV_SC_BIT(CV_SC_TRIP)
static const struct cv_route routes[] = {
	{ "GET", T, get_trips, CV_AUTH_USER, TRIP, trips_fields, 0 },
	{ "GET", T "/{tid}", get_trip, CV_AUTH_USER, TRIP, item_fields, 0 },
	{ "GET", T "/{tid}/wayPoints", get_waypoints, CV_AUTH_USER, TRIP | CV_SC_BIT(CV_SC_POSITION), waypoints_fields, 0 },
	{ "GET", T "/{tid}/telemetry", get_telemetry, CV_AUTH_USER, TRIP, telemetry_fields, 0 },
	{ "GET", T "/{tid}/alerts", get_alerts, CV_AUTH_USER, TRIP | CV_SC_BIT(CV_SC_ALERT), alerts_fields, 0 },
	{ "GET", T "/{tid}/alerts/{aid}", get_alert, CV_AUTH_USER, TRIP | CV_SC_BIT(CV_SC_ALERT), item_fields, 0 },
	{ "GET", T "/{tid}/collisions", get_collisions, CV_AUTH_USER, TRIP | CV_SC_BIT(CV_SC_COLLISION), list_fields, 0 },
	{ "GET", T "/{tid}/collisions/{cid}", get_collision, CV_AUTH_USER, TRIP | CV_SC_BIT(CV_SC_COLLISION),
	  item_fields, 0 },
	{ "GET", T "/{tid}/ecoaching", get_ecoaching, CV_AUTH_USER, TRIP, ecoaching_fields, 0 },
	{ "GET", CV_B2C "/user/trips/{tid}/ecoaching", get_user_trip_ecoaching, CV_AUTH_USER, TRIP, ecoaching_fields, 0 },
#define CH CV_B2C "/user/vehicles/{id}/charges"
	{ "GET", CH, get_charges, CV_AUTH_USER, TRIP, list_fields, 0 },
	{ "GET", CH "/{chid}", get_charge, CV_AUTH_USER, TRIP, item_fields, 0 },
	{ "GET", CH "/{chid}/curve", get_curve, CV_AUTH_USER, TRIP, curve_fields, 0 },
	{ "GET", CV_B2C "/user/vehicles/{id}/summary", get_summary, CV_AUTH_USER, TRIP, summary_fields, 0 },
#define FT CV_B2B "/fleets/{fid}/vehicles/{vid}/trips"
	{ "GET", FT, get_trips, CV_AUTH_FLEET, 0, fleet_trips_fields, 0 },
	{ "GET", FT "/{tid}", get_trip, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FT "/{tid}/wayPoints", get_waypoints, CV_AUTH_FLEET, 0, fleet_waypoints_fields, 0 },
	{ "GET", FT "/{tid}/telemetry", get_telemetry, CV_AUTH_FLEET, 0, fleet_telemetry_fields, 0 },
	{ "GET", FT "/{tid}/alerts", get_alerts, CV_AUTH_FLEET, 0, fleet_alerts_fields, 0 },
	{ "GET", FT "/{tid}/alerts/{aid}", get_alert, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FT "/{tid}/collisions", get_collisions, CV_AUTH_FLEET, 0, list_fields, 0 },
	{ "GET", FT "/{tid}/collisions/{cid}", get_collision, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/trips", get_fleet_trips, CV_AUTH_FLEET, 0, fleet_trips_fields, 0 },
#define FCH CV_B2B "/fleets/{fid}/vehicles/{vid}/charges"
	{ "GET", FCH, get_charges, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", FCH "/{chid}", get_charge, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FCH "/{chid}/curve", get_curve, CV_AUTH_FLEET, 0, fleet_curve_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/vehicles/{vid}/summary", get_summary, CV_AUTH_FLEET, 0, fleet_summary_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	ecoach_setup("cvapi-trips");
	return cv_serve(argc, argv, "cvapi-trips", "A vehicle's trips, their eco-coaching, and its charging sessions.",
			routes);
}

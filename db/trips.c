/* trips.c - trips built at ingest, with the re-fold for late samples (see trips.h). */
#include "trips.h"
#include "hindex.h"
#include "cvtime.h"

#include <string.h>

#define STATE_V 1
#define STATE_HEAD (1 + 1 + 8 + 1)          /* version, flags, watermark, last ignition */
#define STATE_F_OPEN 1

static void trip_key(unsigned char kb[24], const unsigned char vid[16], int64_t start)
{
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)start);
}

int64_t cv_trip_end_at(const struct cv_trip *t)
{
	return t->done ? t->stop_at : t->last_at;
}

/* ---- the state record ------------------------------------------------------ */

static void state_empty(struct cv_trip_state *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->watermark = -1;
	ts->last_ign = CV_TRIP_IGN_UNKNOWN;
}

static enum cv_err state_decode(const unsigned char *p, size_t len, struct cv_trip_state *ts)
{
	uint64_t u = 0;
	int64_t wm;

	state_empty(ts);
	if (len < STATE_HEAD || p[0] != STATE_V || p[1] & ~STATE_F_OPEN)
		return CV_EINVAL;
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)p[2 + i] << (8 * i);
	wm = (int64_t)u;
	if (wm < -1 || wm > CV_TIME_MAX || (p[10] > CV_IGN_START && p[10] != CV_TRIP_IGN_UNKNOWN))
		return CV_EINVAL;
	ts->watermark = wm;
	ts->last_ign = p[10];
	ts->has_open = p[1] & STATE_F_OPEN;
	if (!ts->has_open)
		return len == STATE_HEAD ? CV_OK : CV_EINVAL;
	if (cv_trip_decode(p + STATE_HEAD, len - STATE_HEAD, &ts->open) || ts->open.done)
		return CV_EINVAL;
	return CV_OK;
}

enum cv_err cv_trip_state_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      struct cv_trip_state *ts)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_TRIPOPEN, txn, vid, 16, &b);

	if (e == CV_ENOTFOUND) {
		state_empty(ts);
		e = CV_OK;
	} else if (!e) {
		e = state_decode((const unsigned char *)b.p, b.len, ts);
	}
	cv_buf_release(&b);
	return e;
}

static enum cv_err state_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			     const struct cv_trip_state *ts)
{
	unsigned char head[STATE_HEAD];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	head[0] = STATE_V;
	head[1] = ts->has_open ? STATE_F_OPEN : 0;
	for (int i = 0; i < 8; i++)
		head[2 + i] = (unsigned char)((uint64_t)ts->watermark >> (8 * i));
	head[10] = ts->last_ign;
	e = cv_buf_add(&b, head, sizeof(head));
	if (!e && ts->has_open)
		e = cv_trip_encode(&ts->open, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_TRIPOPEN, txn, vid, 16, b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

/* ---- trips ----------------------------------------------------------------- */

static enum cv_err trip_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const struct cv_trip *t)
{
	unsigned char kb[24];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_trip_encode(t, &b);

	trip_key(kb, vid, t->start_at);
	if (!e)
		e = cv_store_put(st, CV_DB_TRIPS, txn, kb, sizeof(kb), b.p, b.len, 0);
	if (!e)
		e = cv_hindex_put(st, txn, CV_HK_TRIP, vid, t->start_at, 0, b.p, b.len);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_trip_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			struct cv_trip *t)
{
	unsigned char kb[24];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (start < 0)
		return CV_ENOTFOUND;
	trip_key(kb, vid, start);
	e = cv_store_get(st, CV_DB_TRIPS, txn, kb, sizeof(kb), &b);
	if (!e)
		e = cv_trip_decode(b.p, b.len, t);
	cv_buf_release(&b);
	return e;
}

/*
 * A cursor on the vehicle's trips at the last one started at or before
 * `at`: 0 with kb/d filled, DB_NOTFOUND if none (a Berkeley DB code).
 */
static int seek_at_or_before(DBC *c, DBT *k, DBT *d, const unsigned char vid[16], int64_t at)
{
	unsigned char *kb = k->data;
	int ret;

	trip_key(kb, vid, at);
	k->size = 24;
	ret = cv_cursor_last_le(c, k, d, 0);
	if (ret == 0 && (k->size != 24 || memcmp(kb, vid, 16)))
		ret = DB_NOTFOUND;
	return ret;
}

static void cursor_dbts(DBT *k, DBT *d, unsigned char *kb, size_t kbsz, unsigned char *vb, size_t vbsz)
{
	memset(k, 0, sizeof(*k));
	memset(d, 0, sizeof(*d));
	k->data = kb;
	k->ulen = (u_int32_t)kbsz;
	k->flags = DB_DBT_USERMEM;
	d->data = vb;
	d->ulen = (u_int32_t)vbsz;
	d->flags = DB_DBT_USERMEM;
}

enum cv_err cv_trips_walk_desc(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t from,
			       int64_t start, int (*fn)(const struct cv_trip *t, void *arg), void *arg)
{
	DB *db = st->db[CV_DB_TRIPS];
	DBC *c;
	DBT k, d;
	unsigned char kb[32], vb[256];
	enum cv_err e = CV_OK;
	int ret;

	if (start < 0 || start < from)
		return CV_OK;
	ret = db->cursor(db, txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	cursor_dbts(&k, &d, kb, sizeof(kb), vb, sizeof(vb));
	ret = seek_at_or_before(c, &k, &d, vid, start);
	while (ret == 0) {
		struct cv_trip t;

		if (k.size != 24 || memcmp(kb, vid, 16) || (int64_t)cv_be64_get(kb + 16) < from)
			break;
		e = cv_trip_decode(vb, d.size, &t);
		if (e || fn(&t, arg))
			break;
		ret = c->get(c, &k, &d, DB_PREV);
	}
	if (!e && ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	return e;
}

/* ---- folding --------------------------------------------------------------- */

struct fold {
	struct cv_store *st;
	DB_TXN *txn;
	const unsigned char *vid;
	struct cv_trip_state *ts;
	enum cv_err err;
};

/* Fold one sample into the state; a trip it closes is stored. */
static enum cv_err fold_one(struct fold *f, const struct cv_sample *s)
{
	struct cv_trip_state *ts = f->ts;
	struct cv_trip closed;
	enum cv_trip_step step = cv_trip_feed_after(&ts->open, &ts->has_open, s, ts->last_ign, &closed);

	if (CV_HAS(s, CV_G_IGN))
		ts->last_ign = s->ignition;
	ts->watermark = s->at;
	return step & CV_TRIP_CLOSED ? trip_put(f->st, f->txn, f->vid, &closed) : CV_OK;
}

static int fold_cb(const struct cv_sample *s, void *arg)
{
	struct fold *f = arg;

	f->err = fold_one(f, s);
	return f->err != CV_OK;
}

struct ign_ctx {
	uint8_t ign;
	int seen;
};

static int ign_cb(const struct cv_sample *s, void *arg)
{
	struct ign_ctx *c = arg;

	if (CV_HAS(s, CV_G_IGN)) {
		c->ign = s->ignition;
		return 1;
	}
	return ++c->seen >= CV_TRIPS_IGN_LOOKBACK;
}

/* Delete the vehicle's trips started at or after `from`. */
static enum cv_err delete_from(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t from)
{
	DB *db = st->db[CV_DB_TRIPS];
	DBC *c;
	DBT k, d;
	unsigned char kb[32], vb[256];
	int ret;
	enum cv_err e = CV_OK;

	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	cursor_dbts(&k, &d, kb, sizeof(kb), vb, sizeof(vb));
	trip_key(kb, vid, from);
	k.size = 24;
	ret = c->get(c, &k, &d, DB_SET_RANGE);
	while (ret == 0 && k.size == 24 && !memcmp(kb, vid, 16)) {
		ret = c->del(c, 0);
		if (!ret)
			e = cv_hindex_del(st, txn, CV_HK_TRIP, vid, (int64_t)cv_be64_get(kb + 16), 0);
		if (!ret && !e)
			ret = c->get(c, &k, &d, DB_NEXT);
	}
	c->close(c);
	if (e)
		return e;
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

/*
 * Where a re-fold for a late sample at `late` starts: the start of the
 * trip that may have been open at `late` (the latest started at or before
 * it, if it was still open then, or ended Unfinished close enough before
 * it to be extended), else `late`. -1 when that trip's first sample is no
 * longer in the telemetry (purged: the retention is shorter than the late
 * window), which a re-fold would turn into a shorter trip.
 */
static enum cv_err refold_start(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t late,
				int64_t *p)
{
	DB *db = st->db[CV_DB_TRIPS];
	DBC *c;
	DBT k, d;
	unsigned char kb[32], vb[256];
	struct cv_trip t;
	enum cv_err e = CV_OK;
	int ret;

	*p = late;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	cursor_dbts(&k, &d, kb, sizeof(kb), vb, sizeof(vb));
	ret = seek_at_or_before(c, &k, &d, vid, late);
	if (ret == 0) {
		e = cv_trip_decode(vb, d.size, &t);
		if (!e && (!t.done || t.stop_at >= late ||
			   ((t.faults & CV_TRIP_UNFINISHED) && late - t.last_at <= CV_TRIP_TIMEOUT_MS)))
			*p = t.start_at;
	} else if (ret != DB_NOTFOUND) {
		e = cv_store_err(ret);
	}
	c->close(c);
	if (!e && *p != late) {
		e = cv_telemetry_exists(st, txn, vid, *p);
		if (e == CV_ENOTFOUND) {
			*p = -1;
			e = CV_OK;
		}
	}
	return e;
}

/* Rebuild the trips from the stored telemetry from time p (a refold_start()), see trips.h. */
static enum cv_err refold(struct fold *f, int64_t p)
{
	struct ign_ctx ic = { CV_TRIP_IGN_UNKNOWN, 0 };
	enum cv_err e = CV_OK;

	if (p > 0) {
		struct cv_walk back = { 0, p, p - 1, true };

		e = cv_telemetry_walk(f->st, f->txn, f->vid, &back, ign_cb, &ic);
	}
	if (!e)
		e = delete_from(f->st, f->txn, f->vid, p);
	if (!e) {
		struct cv_walk fwd = { p, CV_TIME_MAX + 1, p, false };
		int64_t old_wm = f->ts->watermark;

		state_empty(f->ts);
		f->ts->last_ign = ic.ign;
		f->err = CV_OK;
		e = cv_telemetry_walk(f->st, f->txn, f->vid, &fwd, fold_cb, f);
		if (!e)
			e = f->err;
		if (f->ts->watermark < old_wm)
			f->ts->watermark = old_wm;
	}
	return e;
}

enum cv_err cv_trips_ingest(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			    const struct cv_sample *s, size_t n, bool *refolded)
{
	struct cv_trip_state ts;
	struct fold f = { st, txn, vid, &ts, CV_OK };
	int64_t late = INT64_MAX, wm, p = 0;
	bool newer = false;
	enum cv_err e = cv_trip_state_get(st, txn, vid, &ts);

	if (refolded)
		*refolded = false;
	if (e)
		return e;
	wm = ts.watermark;
	for (size_t i = 0; i < n; i++) {
		if (!cv_history_kept(s, n, i))
			continue;
		if (s[i].at > wm)
			newer = true;
		else if (wm - s[i].at <= CV_TRIPS_LATE_WINDOW_MS && s[i].at < late)
			late = s[i].at;
	}
	/* a late sample re-folds, unless it lands in a trip started too long ago */
	if (late != INT64_MAX) {
		e = refold_start(st, txn, vid, late, &p);
		if (e)
			return e;
		if (p < 0 || wm - p > CV_TRIPS_REFOLD_MAX_MS)
			late = INT64_MAX;
	}
	if (late != INT64_MAX) {
		if (refolded)
			*refolded = true;
		e = refold(&f, p);
	} else if (newer) {
		for (size_t i = 0; i < n && !e; i++)
			if (s[i].at > wm && cv_history_kept(s, n, i))
				e = fold_one(&f, &s[i]);
	} else {
		return CV_OK;           /* only samples too old to change trips */
	}
	if (!e && ts.has_open)
		e = trip_put(st, txn, vid, &ts.open);
	if (!e)
		e = state_put(st, txn, vid, &ts);
	return e;
}

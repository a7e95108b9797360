/* history.c - history reads: iterators, counts, walks, events, alert and theft periods (see model.h). */
#include "config.h"
#include "model.h"
#include "hindex.h"

#include <stdlib.h>
#include <string.h>

/* ---- history ------------------------------------------------------------ */

bool cv_history_kept(const struct cv_sample *s, size_t n, size_t i)
{
	if (!s[i].has)
		return false;
	for (size_t j = i + 1; j < n && s[j].at == s[i].at; j++)
		if (s[j].has)
			return false;
	return true;
}

struct bulk_ctx {
	const unsigned char *vid;
	int64_t to;
	int (*fn)(int64_t at, const void *val, size_t len, void *arg);
	void *arg;
};

static int bulk_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct bulk_ctx *b = arg;
	int64_t at;

	if (klen < 24 || memcmp(k, b->vid, 16))
		return 1;       /* past the vehicle */
	at = (int64_t)cv_be64_get((const unsigned char *)k + 16);
	return at >= b->to || b->fn(at, v, vlen, b->arg);
}

/*
 * Vehicle vid's records of a history database with from <= at < to, oldest
 * first, read in bulk (DB_MULTIPLE_KEY): a cursor call and its locks per
 * buffer of records rather than per record, which is most of the cost of
 * counting a vehicle's history.
 * fn gets each record's time and packed value; nonzero stops the walk.
 */
static enum cv_err bulk_walk(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			     int64_t from, int64_t to,
			     int (*fn)(int64_t at, const void *val, size_t len, void *arg), void *arg)
{
	struct bulk_ctx b = { vid, to, fn, arg };
	unsigned char kb[24];

	if (from < 0)
		from = 0;
	if (from >= to)
		return CV_OK;
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)from);
	return cv_store_scan(st, id, txn, kb, sizeof(kb), bulk_one, &b);
}

static void hist_key(unsigned char *kb, const unsigned char vid[16], int64_t at, unsigned suffix, size_t slen)
{
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)at);
	if (slen == 2) {
		kb[24] = (unsigned char)(suffix >> 8);
		kb[25] = (unsigned char)suffix;
	} else if (slen == 1) {
		kb[24] = (unsigned char)suffix;
	}
}

/* Read the cursor's record into the iterator's fields; false past its vehicle or time range. */
static bool iter_take(struct cv_hist_iter *it)
{
	if (it->k.size != 24 + it->slen || memcmp(it->kb, it->vid, 16))
		return false;
	it->at = (int64_t)cv_be64_get(it->kb + 16);
	if (it->at < it->from)
		return false;
	it->suffix = it->slen == 2 ? (unsigned)it->kb[24] << 8 | it->kb[25] : it->slen == 1 ? it->kb[24] : 0;
	it->val = it->vb;
	it->len = it->d.size;
	return true;
}

static enum cv_err iter_settle(struct cv_hist_iter *it, int ret)
{
	it->valid = ret == 0 && iter_take(it);
	if (ret && ret != DB_NOTFOUND)
		return cv_store_err(ret);
	return CV_OK;
}

enum cv_err cv_hist_iter_open(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			      size_t slen, int64_t from, int64_t start, struct cv_hist_iter *it)
{
	DB *db = st->db[id];
	size_t klen = 24 + slen;
	int ret;

	memset(it, 0, sizeof(*it));
	memcpy(it->vid, vid, 16);
	it->slen = slen;
	it->from = from < 0 ? 0 : from;
	if (start < 0 || CV_POS_AT(start) < it->from)
		return CV_OK;           /* an empty range: not valid, no cursor */
	ret = db->cursor(db, txn, &it->c, txn ? 0 : DB_READ_COMMITTED);
	if (ret) {
		it->c = NULL;
		return cv_store_err(ret);
	}
	hist_key(it->kb, vid, CV_POS_AT(start), CV_POS_SUFFIX(start), slen);
	it->k.data = it->kb;
	it->k.size = (u_int32_t)klen;
	it->k.ulen = sizeof(it->kb);
	it->k.flags = DB_DBT_USERMEM;
	it->d.data = it->vb;
	it->d.ulen = sizeof(it->vb);
	it->d.flags = DB_DBT_USERMEM;
	return iter_settle(it, cv_cursor_last_le(it->c, &it->k, &it->d, 0));
}

enum cv_err cv_hist_iter_next(struct cv_hist_iter *it)
{
	if (!it->valid)
		return CV_OK;
	return iter_settle(it, it->c->get(it->c, &it->k, &it->d, DB_PREV));
}

void cv_hist_iter_close(struct cv_hist_iter *it)
{
	if (it->c)
		it->c->close(it->c);
	it->c = NULL;
	it->valid = false;
}

struct count_walk {
	bool (*accept)(const void *val, size_t len, void *arg);
	void *arg;
	int64_t n;
};

static int count_one(int64_t at, const void *val, size_t len, void *arg)
{
	struct count_walk *c = arg;

	(void)at;
	if (!c->accept || c->accept(val, len, c->arg))
		c->n++;
	return 0;
}

enum cv_err cv_history_count(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			     int64_t from, int64_t to, bool (*accept)(const void *val, size_t len, void *arg),
			     void *arg, int64_t *count)
{
	struct count_walk c = { accept, arg, 0 };
	enum cv_err e = bulk_walk(st, txn, id, vid, from, to, count_one, &c);

	*count = c.n;
	return e;
}

enum cv_err cv_history_walk_desc(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
				 size_t slen, int64_t from, int64_t start,
				 int (*fn)(int64_t at, unsigned suffix, const void *val, size_t len, void *arg),
				 void *arg)
{
	struct cv_hist_iter *it = cv_malloc(sizeof(*it));
	enum cv_err e = cv_hist_iter_open(st, txn, id, vid, slen, from, start, it);

	while (!e && it->valid && !fn(it->at, it->suffix, it->val, it->len, arg))
		e = cv_hist_iter_next(it);
	cv_hist_iter_close(it);
	free(it);
	return e;
}

enum cv_err cv_history_get(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			   int64_t at, unsigned suffix, size_t slen, struct cv_buf *out)
{
	unsigned char kb[26];

	if (slen > 2)
		return CV_EINVAL;
	hist_key(kb, vid, at, suffix, slen);
	return cv_store_get(st, id, txn, kb, 24 + slen, out);
}

enum cv_err cv_event_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			 unsigned index, struct cv_event *ev)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_history_get(st, txn, CV_DB_EVENTS, vid, at, index, 1, &b);

	if (!e)
		e = cv_event_decode(b.p, b.len, ev);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_period_get(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char vid[16],
			  int64_t start, unsigned code, struct cv_alert_rec *a)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_history_get(st, txn, db, vid, start, code, 2, &b);

	if (!e)
		e = cv_alert_decode(b.p, b.len, start, (uint16_t)code, a);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_alert_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			 unsigned code, struct cv_alert_rec *a)
{
	return cv_period_get(st, txn, CV_DB_ALERTS, vid, start, code, a);
}

static enum cv_err period_put(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char vid[16],
			      const struct cv_alert_rec *a)
{
	unsigned char kb[26];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	hist_key(kb, vid, a->start, a->code, 2);
	e = cv_alert_encode(a, &b);
	if (!e)
		e = cv_store_put(st, db, txn, kb, sizeof(kb), b.p, b.len, 0);
	if (!e && db == CV_DB_ALERTS)
		e = cv_hindex_put(st, txn, CV_HK_ALERT, vid, a->start, a->code, b.p, b.len);
	cv_buf_release(&b);
	return e;
}

/*
 * A period opened and closed by events (an alert occurrence, a theft): the
 * record in `db` (key vid . start . code), the start of the open one in
 * alertopen under vid . open_code.
 */
static enum cv_err period_apply(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, unsigned code, unsigned open_code,
				const unsigned char vid[16], int64_t at, const struct cv_event *ev, int64_t now)
{
	unsigned char ok[18], val[8];
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_alert_rec a;
	int64_t open_at = -1;
	enum cv_err e;

	memcpy(ok, vid, 16);
	ok[16] = (unsigned char)(open_code >> 8);
	ok[17] = (unsigned char)open_code;
	e = cv_store_get(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok), &b);
	if (!e && b.len == 8)
		open_at = (int64_t)cv_be64_get((const unsigned char *)b.p);
	cv_buf_release(&b);
	if (e && e != CV_ENOTFOUND)
		return e;
	if (ev->active) {
		if (open_at >= 0)
			return CV_OK;           /* already active */
		memset(&a, 0, sizeof(a));
		a.start = at;
		a.code = (uint16_t)code;
		a.severity = ev->kind == CV_EV_ALERT ? ev->severity : 2;
		a.active = 1;
		a.updated = now;
		a.has_start_pos = ev->has_pos;
		a.start_lat_e7 = ev->lat_e7;
		a.start_lon_e7 = ev->lon_e7;
		a.start_alt_m = ev->alt_m;
		e = period_put(st, txn, db, vid, &a);
		cv_be64_put(val, (uint64_t)at);
		if (!e)
			e = cv_store_put(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok), val, sizeof(val), 0);
		return e;
	}
	if (open_at < 0 || at < open_at)
		return CV_OK;                   /* nothing active to close */
	{
		unsigned char kb[26];

		hist_key(kb, vid, open_at, code, 2);
		e = cv_store_get(st, db, txn, kb, sizeof(kb), &b);
		if (!e)
			e = cv_alert_decode(b.p, b.len, open_at, (uint16_t)code, &a);
		cv_buf_release(&b);
	}
	if (e == CV_ENOTFOUND)
		return cv_store_del(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok));
	if (e)
		return e;
	a.active = 0;
	a.end = at;
	a.updated = now;
	a.has_end_pos = ev->has_pos;
	a.end_lat_e7 = ev->lat_e7;
	a.end_lon_e7 = ev->lon_e7;
	a.end_alt_m = ev->alt_m;
	e = period_put(st, txn, db, vid, &a);
	if (!e)
		e = cv_store_del(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok));
	return e;
}

enum cv_err cv_alert_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now)
{
	return period_apply(st, txn, CV_DB_ALERTS, ev->code, ev->code, vid, at, ev, now);
}

enum cv_err cv_theft_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now)
{
	return period_apply(st, txn, CV_DB_STOLEN, 0, CV_THEFT_OPEN_CODE, vid, at, ev, now);
}

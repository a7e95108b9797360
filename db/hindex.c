/* hindex.c - the fleet-wide time index (see hindex.h). */
#include "hindex.h"
#include "rec.h"
#include "cv.h"

#include <stdlib.h>
#include <string.h>

static const char key_ready[] = "hindex";

static void hkey(unsigned char kb[CV_HINDEX_KEYLEN], enum cv_hkind kind, int64_t at, unsigned suffix,
		 const unsigned char *vid)
{
	kb[0] = (unsigned char)kind;
	cv_be64_put(kb + 1, (uint64_t)at);
	kb[9] = (unsigned char)(suffix >> 8);
	kb[10] = (unsigned char)suffix;
	if (vid)
		memcpy(kb + 11, vid, 16);
	else
		memset(kb + 11, 0xff, 16);
}

/* Read a key back into h (val/len untouched); false if it is not one of kind's. */
static bool hrec_of(const unsigned char *k, size_t klen, enum cv_hkind kind, struct cv_hrec *h)
{
	if (klen != CV_HINDEX_KEYLEN || k[0] != (unsigned char)kind)
		return false;
	h->at = (int64_t)cv_be64_get(k + 1);
	h->suffix = (unsigned)k[9] << 8 | k[10];
	h->vid = k + 11;
	return true;
}

enum cv_err cv_hindex_put(struct cv_store *st, DB_TXN *txn, enum cv_hkind kind, const unsigned char vid[16],
			  int64_t at, unsigned suffix, const void *val, size_t len)
{
	unsigned char kb[CV_HINDEX_KEYLEN];

	hkey(kb, kind, at, suffix, vid);
	return cv_store_put(st, CV_DB_HINDEX, txn, kb, sizeof(kb), val, len, 0);
}

enum cv_err cv_hindex_del(struct cv_store *st, DB_TXN *txn, enum cv_hkind kind, const unsigned char vid[16],
			  int64_t at, unsigned suffix)
{
	unsigned char kb[CV_HINDEX_KEYLEN];
	enum cv_err e;

	hkey(kb, kind, at, suffix, vid);
	e = cv_store_del(st, CV_DB_HINDEX, txn, kb, sizeof(kb));
	return e == CV_ENOTFOUND ? CV_OK : e;
}

bool cv_hindex_ready(struct cv_store *st)
{
	return cv_store_exists(st, CV_DB_META, NULL, key_ready, sizeof(key_ready) - 1) == CV_OK;
}

enum cv_err cv_hindex_set_ready(struct cv_store *st, DB_TXN *txn, bool ready)
{
	enum cv_err e;

	if (ready)
		return cv_store_put(st, CV_DB_META, txn, key_ready, sizeof(key_ready) - 1, "1", 1, 0);
	e = cv_store_del(st, CV_DB_META, txn, key_ready, sizeof(key_ready) - 1);
	return e == CV_ENOTFOUND ? CV_OK : e;
}

enum cv_err cv_hindex_walk_desc(struct cv_store *st, enum cv_hkind kind, int64_t from, int64_t pos,
				const unsigned char *vid, int (*fn)(const struct cv_hrec *h, void *arg), void *arg)
{
	DB *db = st->db[CV_DB_HINDEX];
	DBC *c;
	DBT k, d;
	unsigned char kb[64];
	int ret;
	enum cv_err e = CV_OK;

	if (pos < 0 || CV_POS_AT(pos) < from)
		return CV_OK;
	ret = db->cursor(db, NULL, &c, DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	hkey(kb, kind, CV_POS_AT(pos), CV_POS_SUFFIX(pos), vid);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = kb;
	k.size = CV_HINDEX_KEYLEN;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.flags = DB_DBT_REALLOC;
	ret = cv_cursor_last_le(c, &k, &d, 0);
	while (ret == 0) {
		struct cv_hrec h;

		if (!hrec_of(kb, k.size, kind, &h) || h.at < from)
			break;
		h.val = d.data;
		h.len = d.size;
		if (fn(&h, arg))
			break;
		ret = c->get(c, &k, &d, DB_PREV);
	}
	if (ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	free(d.data);
	c->close(c);
	return e;
}

struct scan_ctx {
	enum cv_hkind kind;
	int64_t to;
	int (*fn)(const struct cv_hrec *h, void *arg);
	void *arg;
};

static int scan_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct scan_ctx *x = arg;
	struct cv_hrec h;

	if (!hrec_of(k, klen, x->kind, &h) || h.at >= x->to)
		return 1;
	h.val = v;
	h.len = vlen;
	return x->fn(&h, x->arg);
}

enum cv_err cv_hindex_scan(struct cv_store *st, enum cv_hkind kind, int64_t from, int64_t to,
			   int (*fn)(const struct cv_hrec *h, void *arg), void *arg)
{
	struct scan_ctx x = { kind, to, fn, arg };
	unsigned char kb[CV_HINDEX_KEYLEN];

	if (from < 0)
		from = 0;
	if (from >= to)
		return CV_OK;
	hkey(kb, kind, from, 0, NULL);
	memset(kb + 9, 0, 18);          /* the first key at `from` */
	return cv_store_scan(st, CV_DB_HINDEX, NULL, kb, sizeof(kb), scan_one, &x);
}

enum cv_err cv_hindex_clear(struct cv_store *st, DB_TXN *txn)
{
	u_int32_t n;

	return cv_store_err(st->db[CV_DB_HINDEX]->truncate(st->db[CV_DB_HINDEX], txn, &n, 0));
}

/* The index entry a record of db (key k) has, if any: false when it has none. */
static bool entry_of(enum cv_dbid db, const unsigned char *k, size_t klen, const void *val, size_t len,
		     enum cv_hkind *kind, unsigned *suffix)
{
	struct cv_event ev;

	switch (db) {
	case CV_DB_ALERTS:
		*kind = CV_HK_ALERT;
		*suffix = klen == 26 ? (unsigned)k[24] << 8 | k[25] : 0;
		return klen == 26;
	case CV_DB_EVENTS:
		*kind = CV_HK_COLLISION;
		*suffix = klen == 25 ? k[24] : 0;
		return klen == 25 && !cv_event_decode(val, len, &ev) && ev.kind == CV_EV_COLLISION;
	case CV_DB_TRIPS:
		*kind = CV_HK_TRIP;
		*suffix = 0;
		return klen == 24;
	default:
		return false;
	}
}

/* Copy db's records into the index, a transaction per 1,000. */
static enum cv_err copy_db(struct cv_store *st, enum cv_dbid id, size_t *n)
{
	DB *db = st->db[id];
	unsigned char last[64];
	size_t lastlen = 0;
	bool end = false;
	enum cv_err e = CV_OK;

	while (!e && !end) {
		DB_TXN *txn = NULL;
		DBC *c = NULL;
		DBT k, d;
		int ret = 0;
		size_t batch = 0;

		e = cv_store_begin(st, &txn, 0);
		if (!e)
			e = cv_store_err(db->cursor(db, txn, &c, 0));
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		k.flags = DB_DBT_REALLOC;
		d.flags = DB_DBT_REALLOC;
		if (!e && lastlen) {
			k.data = cv_malloc(lastlen);
			memcpy(k.data, last, lastlen);
			k.size = (u_int32_t)lastlen;
			ret = c->get(c, &k, &d, DB_SET_RANGE);
			if (ret == 0 && k.size == lastlen && !memcmp(k.data, last, lastlen))
				ret = c->get(c, &k, &d, DB_NEXT);
		} else if (!e) {
			ret = c->get(c, &k, &d, DB_FIRST);
		}
		for (; !e && ret == 0 && batch < 1000; batch++) {
			enum cv_hkind kind;
			unsigned suffix;

			if (k.size > sizeof(last)) {
				e = CV_EINVAL;
				break;
			}
			memcpy(last, k.data, k.size);
			lastlen = k.size;
			if (entry_of(id, k.data, k.size, d.data, d.size, &kind, &suffix)) {
				e = cv_hindex_put(st, txn, kind, k.data, (int64_t)cv_be64_get((unsigned char *)k.data + 16),
						  suffix, d.data, d.size);
				if (!e)
					(*n)++;
			}
			if (!e)
				ret = c->get(c, &k, &d, DB_NEXT);
		}
		if (!e && ret == DB_NOTFOUND)
			end = true;
		else if (!e && ret)
			e = cv_store_err(ret);
		free(k.data);
		free(d.data);
		if (c)
			c->close(c);
		if (!e) {
			e = cv_store_commit(txn);
			txn = NULL;
		}
		cv_store_abort(txn);
	}
	return e;
}

/* Not ready, and empty (cv_txn_fn). */
static enum cv_err drop_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	enum cv_err e = cv_hindex_set_ready(st, txn, false);

	(void)arg;
	return e ? e : cv_hindex_clear(st, txn);
}

/* Ready (cv_txn_fn). */
static enum cv_err ready_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	(void)arg;
	return cv_hindex_set_ready(st, txn, true);
}

enum cv_err cv_hindex_drop(struct cv_store *st)
{
	return cv_store_txn(st, 0, drop_txn, NULL);
}

enum cv_err cv_hindex_rebuild(struct cv_store *st, size_t *n)
{
	static const enum cv_dbid dbs[] = { CV_DB_ALERTS, CV_DB_EVENTS, CV_DB_TRIPS };
	enum cv_err e = cv_hindex_drop(st);     /* not ready while it is rebuilt: lists merge meanwhile */

	*n = 0;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]) && !e; i++)
		e = copy_db(st, dbs[i], n);
	return e ? e : cv_store_txn(st, 0, ready_txn, NULL);
}

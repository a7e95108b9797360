/* callbacks.c - callbacks under their owners (see model.h). */
#include "model.h"
#include "engine.h"
#include "outbox.h"
#include "actions.h"
#include "window.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* owner \0 id; 0 when either is too long */
static size_t cb_key(char *k, size_t ksz, const char *owner, const char *id)
{
	size_t ol = strlen(owner), il = strlen(id);

	if (!ol || ol > CV_CB_OWNER_MAX || !il || il > CV_CB_IDLEN || ol + 1 + il > ksz)
		return 0;
	memcpy(k, owner, ol + 1);
	memcpy(k + ol + 1, id, il);
	return ol + 1 + il;
}

/* A JSON record of db under owner \0 id, decoded by decode into out. */
static enum cv_err rec_get(struct cv_store *st, enum cv_dbid db, DB_TXN *txn, const char *owner, const char *id,
			   enum cv_err (*decode)(const char *json, size_t len, void *out), void *out)
{
	char k[CV_CB_OWNER_MAX + 2 + CV_CB_IDLEN];
	size_t kl = cb_key(k, sizeof(k), owner, id);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_ENOTFOUND;
	e = cv_store_get(st, db, txn, k, kl, &b);
	if (!e)
		e = decode(b.p, b.len, out);
	cv_buf_release(&b);
	return e;
}

/* The record encoded by encode, written under owner \0 id (flags: 0 or DB_NOOVERWRITE). */
static enum cv_err rec_put(struct cv_store *st, enum cv_dbid db, DB_TXN *txn, const char *owner, const char *id,
			   enum cv_err (*encode)(const void *rec, struct cv_buf *out), const void *rec, uint32_t flags)
{
	char k[CV_CB_OWNER_MAX + 2 + CV_CB_IDLEN];
	size_t kl = cb_key(k, sizeof(k), owner, id);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = encode(rec, &b);
	if (!e)
		e = cv_store_put(st, db, txn, k, kl, b.p, b.len, flags);
	cv_buf_release(&b);
	return e;
}

static enum cv_err rec_del(struct cv_store *st, enum cv_dbid db, DB_TXN *txn, const char *owner, const char *id)
{
	char k[CV_CB_OWNER_MAX + 2 + CV_CB_IDLEN];
	size_t kl = cb_key(k, sizeof(k), owner, id);

	return kl ? cv_store_del(st, db, txn, k, kl) : CV_ENOTFOUND;
}

static enum cv_err cb_decode(const char *json, size_t len, void *out)
{
	return cv_callback_decode(json, len, out);
}

static enum cv_err cb_encode(const void *rec, struct cv_buf *out)
{
	return cv_callback_encode(rec, out);
}

static enum cv_err mon_decode(const char *json, size_t len, void *out)
{
	return cv_monitor_decode(json, len, out);
}

static enum cv_err mon_encode(const void *rec, struct cv_buf *out)
{
	return cv_monitor_encode(rec, out);
}

enum cv_err cv_callback_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id,
			    struct cv_callback *cb)
{
	return rec_get(st, CV_DB_CALLBACKS, txn, owner, id, cb_decode, cb);
}

enum cv_err cv_callback_put(struct cv_store *st, DB_TXN *txn, const struct cv_callback *cb, uint32_t flags)
{
	return rec_put(st, CV_DB_CALLBACKS, txn, cb->owner, cb->id, cb_encode, cb, flags);
}

enum cv_err cv_callback_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id)
{
	enum cv_err e = rec_del(st, CV_DB_CALLBACKS, txn, owner, id);

	/* its monitors, its remote actions and what waited for delivery go with it */
	if (!e)
		e = cv_monitors_drop_callback(st, txn, owner, id);
	if (!e)
		e = cv_action_drop_callback(st, txn, owner, id);
	return e ? e : cv_outbox_drop(st, txn, owner, id);
}

struct cb_list {
	const char *owner;
	size_t ol;                  /* strlen(owner) + 1: the key prefix */
	bool (*keep)(const struct cv_callback *cb, void *arg);
	int (*fn)(const struct cv_callback *cb, void *arg);
	void *arg;
	struct cv_window w;
	enum cv_err err;
};

static int cb_list_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct cb_list *l = arg;
	struct cv_callback cb;

	if (klen < l->ol || memcmp(k, l->owner, l->ol))
		return 1;               /* past the owner's callbacks */
	if (cv_callback_decode(v, vlen, &cb)) {
		l->err = CV_EINVAL;
		return 1;
	}
	if (l->keep && !l->keep(&cb, l->arg))
		return 0;
	if (cv_window_take(&l->w) && l->fn(&cb, l->arg))
		cv_window_stop(&l->w);
	cv_window_count(&l->w);
	return 0;
}

enum cv_err cv_callbacks_of(struct cv_store *st, DB_TXN *txn, const char *owner,
			    bool (*keep)(const struct cv_callback *cb, void *arg), size_t offset, size_t limit,
			    size_t *total, int (*fn)(const struct cv_callback *cb, void *arg), void *arg)
{
	struct cb_list l = { owner, strlen(owner) + 1, keep, fn, arg, CV_WINDOW(offset, limit), CV_OK };
	enum cv_err e;

	if (l.ol > CV_CB_OWNER_MAX + 1)
		return CV_EINVAL;
	e = cv_store_scan(st, CV_DB_CALLBACKS, txn, owner, l.ol, cb_list_one, &l);
	*total = l.w.n;
	return e ? e : l.err;
}

/* ---- monitors, under the same owners --------------------------------------- */

enum cv_err cv_monitor_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id, struct cv_monitor *m)
{
	return rec_get(st, CV_DB_MONITORS, txn, owner, id, mon_decode, m);
}

enum cv_err cv_monitor_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m, uint32_t flags)
{
	enum cv_err e = rec_put(st, CV_DB_MONITORS, txn, m->owner, m->id, mon_encode, m, flags);

	/* the engine's copy, in the same transaction */
	return e ? e : cv_watch_put(st, txn, m);
}

enum cv_err cv_monitor_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id)
{
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	enum cv_err e = cv_monitor_get(st, txn, owner, id, m);

	if (!e)
		e = cv_watch_del(st, txn, m);
	if (!e || e == CV_EINVAL)
		e = rec_del(st, CV_DB_MONITORS, txn, owner, id);
	free(m);
	return e;
}

struct mon_list {
	const char *owner;
	size_t ol;
	bool (*keep)(const struct cv_monitor *m, void *arg);
	int (*fn)(const struct cv_monitor *m, void *arg);
	void *arg;
	struct cv_window w;
	enum cv_err err;
	struct cv_monitor m;        /* large: one per walk, not per record */
};

static int mon_list_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct mon_list *l = arg;

	if (klen < l->ol || memcmp(k, l->owner, l->ol))
		return 1;
	if (cv_monitor_decode(v, vlen, &l->m)) {
		l->err = CV_EINVAL;
		return 1;
	}
	if (l->keep && !l->keep(&l->m, l->arg))
		return 0;
	if (cv_window_take(&l->w) && l->fn(&l->m, l->arg))
		cv_window_stop(&l->w);
	cv_window_count(&l->w);
	return 0;
}

enum cv_err cv_monitors_of(struct cv_store *st, DB_TXN *txn, const char *owner,
			   bool (*keep)(const struct cv_monitor *m, void *arg), size_t offset, size_t limit,
			   size_t *total, int (*fn)(const struct cv_monitor *m, void *arg), void *arg)
{
	struct mon_list *l = cv_calloc(1, sizeof(*l));
	enum cv_err e;

	l->owner = owner;
	l->ol = strlen(owner) + 1;
	l->keep = keep;
	l->fn = fn;
	l->arg = arg;
	l->w = CV_WINDOW(offset, limit);
	if (l->ol > CV_CB_OWNER_MAX + 1) {
		free(l);
		return CV_EINVAL;
	}
	e = cv_store_scan(st, CV_DB_MONITORS, txn, owner, l->ol, mon_list_one, l);
	*total = l->w.n;
	if (!e)
		e = l->err;
	free(l);
	return e;
}

struct mon_drop {
	const char *cbid;
	char ids[64][CV_MON_IDLEN + 1];
	size_t n;
	bool more;
};

static bool drop_keep(const struct cv_monitor *m, void *arg)
{
	return !strcmp(m->cbid, ((struct mon_drop *)arg)->cbid);
}

static int drop_one(const struct cv_monitor *m, void *arg)
{
	struct mon_drop *d = arg;

	if (d->n == sizeof(d->ids) / sizeof(d->ids[0])) {
		d->more = true;
		return 1;
	}
	cv_strlcpy(d->ids[d->n++], m->id, sizeof(d->ids[0]));
	return 0;
}

enum cv_err cv_monitors_drop_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid)
{
	struct mon_drop d;
	enum cv_err e;
	size_t total;

	do {
		memset(&d, 0, sizeof(d));
		d.cbid = cbid;
		e = cv_monitors_of(st, txn, owner, drop_keep, 0, SIZE_MAX, &total, drop_one, &d);
		for (size_t i = 0; i < d.n && !e; i++)
			e = cv_monitor_del(st, txn, owner, d.ids[i]);
	} while (!e && d.more);
	return e;
}

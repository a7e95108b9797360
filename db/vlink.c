/* vlink.c - the vehicle link's state in the store (see vlink.h). */
#include "config.h"
#include "vlink.h"
#include "pack.h"

#include <string.h>
#include <time.h>

#define STATE_LEN 17

struct wakeups {
	uint32_t month;         /* yyyymm of the wake-ups counted */
	uint32_t n;
};

/* The key of owner's wake-ups of vehicle vid; 0 if the owner does not fit. */
static size_t wakeups_key(unsigned char *k, const unsigned char vid[16], const char *owner)
{
	size_t ol = strlen(owner);

	if (ol == 0 || ol > CV_CB_OWNER_MAX)
		return 0;
	memcpy(k, vid, 16);
	memcpy(k + 16, owner, ol);
	return 16 + ol;
}

static enum cv_err wakeups_get(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t kl, struct wakeups *w)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_VLINK, txn, k, kl, &b);

	memset(w, 0, sizeof(*w));
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e && b.len == 8) {
		uint64_t v = cv_be64_get((const unsigned char *)b.p);

		w->month = (uint32_t)(v >> 32);
		w->n = (uint32_t)v;
	}
	cv_buf_release(&b);
	return e;
}

static enum cv_err wakeups_put(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t kl,
			       const struct wakeups *w)
{
	unsigned char v[8];

	cv_be64_put(v, (uint64_t)w->month << 32 | w->n);
	return cv_store_put(st, CV_DB_VLINK, txn, k, kl, v, sizeof(v), 0);
}

enum cv_err cv_vlink_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], struct cv_vlink *l)
{
	unsigned char v[STATE_LEN];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_VLINK, txn, vid, 16, &b);

	memset(l, 0, sizeof(*l));
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e && b.len == STATE_LEN) {
		memcpy(v, b.p, STATE_LEN);
		l->last = (int64_t)cv_be64_get(v);
		l->sleeping = v[8] != 0;
	}
	cv_buf_release(&b);
	return e;
}

static enum cv_err state_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const struct cv_vlink *l)
{
	unsigned char v[STATE_LEN];

	cv_be64_put(v, (uint64_t)l->last);
	v[8] = l->sleeping;
	cv_be64_put(v + 9, 0);
	return cv_store_put(st, CV_DB_VLINK, txn, vid, 16, v, sizeof(v), 0);
}

enum cv_err cv_vlink_touch(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t now, bool sleeping)
{
	struct cv_vlink l;
	enum cv_err e = cv_vlink_get(st, txn, vid, &l);

	if (e)
		return e;
	if (now > l.last)
		l.last = now;
	l.sleeping = sleeping;
	return state_put(st, txn, vid, &l);
}

bool cv_vlink_awake(const struct cv_vlink *l, int64_t now, int64_t awake_ms)
{
	return l->last && !l->sleeping && now - l->last < awake_ms;
}

static uint32_t month_of(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (uint32_t)((tm.tm_year + 1900) * 100 + tm.tm_mon + 1);
}

enum cv_err cv_vlink_wake(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *owner,
			  int64_t now, uint32_t allowance, bool *spent)
{
	unsigned char k[16 + CV_CB_OWNER_MAX];
	size_t kl = wakeups_key(k, vid, owner);
	uint32_t month = month_of(now);
	struct wakeups w;
	enum cv_err e;

	*spent = false;
	if (!kl)
		return CV_EINVAL;
	e = wakeups_get(st, txn, k, kl, &w);
	if (e)
		return e;
	if (w.month != month) {
		w.month = month;
		w.n = 0;
	}
	if (w.n >= allowance) {
		*spent = true;
		return CV_OK;
	}
	w.n++;
	return wakeups_put(st, txn, k, kl, &w);
}

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

static void wakeups_read(const unsigned char v[8], struct wakeups *w)
{
	uint64_t x = cv_be64_get(v);

	w->month = (uint32_t)(x >> 32);
	w->n = (uint32_t)x;
}

static void wakeups_write(unsigned char v[8], const struct wakeups *w)
{
	cv_be64_put(v, (uint64_t)w->month << 32 | w->n);
}

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
	if (e == CV_ENOTFOUND)
		e = CV_OK;
	else if (!e && b.len == 8)
		wakeups_read((const unsigned char *)b.p, w);
	cv_buf_release(&b);
	return e;
}

static enum cv_err wakeups_put(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t kl,
			       const struct wakeups *w)
{
	unsigned char v[8];

	wakeups_write(v, w);
	return cv_store_put(st, CV_DB_VLINK, txn, k, kl, v, sizeof(v), 0);
}

/* The link's state record: the link, and every owner's wake-ups of the month together. */
struct state {
	struct cv_vlink l;
	struct wakeups all;
};

static enum cv_err state_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], struct state *s)
{
	unsigned char v[STATE_LEN];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_VLINK, txn, vid, 16, &b);

	memset(s, 0, sizeof(*s));
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e && b.len == STATE_LEN) {
		memcpy(v, b.p, STATE_LEN);
		s->l.last = (int64_t)cv_be64_get(v);
		s->l.sleeping = v[8] != 0;
		wakeups_read(v + 9, &s->all);
	}
	cv_buf_release(&b);
	return e;
}

static enum cv_err state_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const struct state *s)
{
	unsigned char v[STATE_LEN];

	cv_be64_put(v, (uint64_t)s->l.last);
	v[8] = s->l.sleeping;
	wakeups_write(v + 9, &s->all);
	return cv_store_put(st, CV_DB_VLINK, txn, vid, 16, v, sizeof(v), 0);
}

enum cv_err cv_vlink_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], struct cv_vlink *l)
{
	struct state s;
	enum cv_err e = state_get(st, txn, vid, &s);

	*l = s.l;
	return e;
}

enum cv_err cv_vlink_touch(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t now, bool sleeping)
{
	struct state s;
	enum cv_err e = state_get(st, txn, vid, &s);

	if (e)
		return e;
	if (now > s.l.last)
		s.l.last = now;
	s.l.sleeping = sleeping;
	return state_put(st, txn, vid, &s);
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

/* w as it stands in month: a count of an earlier month starts again from zero. */
static void wakeups_in(struct wakeups *w, uint32_t month)
{
	if (w->month != month) {
		w->month = month;
		w->n = 0;
	}
}

enum cv_err cv_vlink_wake(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *owner,
			  int64_t now, uint32_t per_owner, uint32_t per_vehicle, enum cv_vlink_spent *spent)
{
	unsigned char k[16 + CV_CB_OWNER_MAX];
	size_t kl = wakeups_key(k, vid, owner);
	uint32_t month = month_of(now);
	struct wakeups w;
	struct state s;
	enum cv_err e;

	*spent = CV_VLINK_SPENT_NONE;
	if (!kl)
		return CV_EINVAL;
	e = wakeups_get(st, txn, k, kl, &w);
	if (!e)
		e = state_get(st, txn, vid, &s);
	if (e)
		return e;
	wakeups_in(&w, month);
	wakeups_in(&s.all, month);
	if (w.n >= per_owner)
		*spent = CV_VLINK_SPENT_OWNER;
	else if (s.all.n >= per_vehicle)
		*spent = CV_VLINK_SPENT_VEHICLE;
	if (*spent)
		return CV_OK;
	w.n++;
	s.all.n++;
	e = wakeups_put(st, txn, k, kl, &w);
	return e ? e : state_put(st, txn, vid, &s);
}

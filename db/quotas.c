/* quotas.c - owners' quotas (see quotas.h). */
#include "config.h"
#include "quotas.h"
#include "outbox.h"
#include "idem.h"

#include <stdlib.h>
#include <string.h>

const char *const cv_quota_names[CV_Q_COUNT] = {
	"callbacks", "monitors", "vehicleMonitors", "timedMonitors", "queuedNotifications", "redeliveriesPerHour",
	"idempotencyKeys",
};
const char *const cv_quota_options[CV_Q_COUNT] = {
	"--callbacks", "--monitors", "--vehicle-monitors", "--timed-monitors", "--queued", "--redeliveries",
	"--idempotency-keys",
};
/*
 * Far above what an application needs, low enough that the work each
 * bounds stays small: 32 monitors of one owner on a vehicle keep a
 * 1,000-sample upload's evaluation under half a second (about 14 us per
 * monitor and sample, measured on the test machine); 100 timed monitors
 * are a timer turn of a few milliseconds. 10,000 Idempotency-Keys (each
 * lives a day) are a keyed creation every 9 s around the clock, far past
 * what an owner keeps of callbacks and monitors and what a user's remote
 * actions need; a key's answer is cvapi's own (a reference of under 1 KB
 * whatever the body), so they are about 10 MB of the store at most, and
 * the count is one record: the check costs a keyed POST one lookup.
 */
const int64_t cv_quota_defaults[CV_Q_COUNT] = { 100, 1000, 32, 100, 10000, 60, 10000 };

#define QUOTA_PREFIX "quota"
#define REDELIVER_PREFIX "redeliver"
#define HOUR_MS (3600LL * 1000)

/* prefix \0 owner; 0 when the owner is empty or too long */
static size_t meta_key(unsigned char *k, const char *prefix, const char *owner)
{
	size_t pl = strlen(prefix), ol = strlen(owner);

	if (!ol || ol > CV_CB_OWNER_MAX)
		return 0;
	memcpy(k, prefix, pl + 1);
	memcpy(k + pl + 1, owner, ol);
	return pl + 1 + ol;
}

enum cv_err cv_limits_get_set(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t set[CV_Q_COUNT])
{
	unsigned char k[sizeof(QUOTA_PREFIX) + CV_CB_OWNER_MAX];
	size_t kl = meta_key(k, QUOTA_PREFIX, owner);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	for (size_t i = 0; i < CV_Q_COUNT; i++)
		set[i] = -1;
	if (!kl)
		return CV_EINVAL;
	e = cv_store_get(st, CV_DB_META, txn, k, kl, &b);
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e) {
		const unsigned char *p = (const unsigned char *)b.p;
		size_t n = b.len ? p[0] : 0;

		/* a record of a later version may hold more quotas: the known ones are read */
		if (b.len < 1 + 8 * n)
			e = CV_EINVAL;
		for (size_t i = 0; !e && i < n && i < CV_Q_COUNT; i++)
			set[i] = (int64_t)cv_be64_get(p + 1 + 8 * i);
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_limits_get(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t out[CV_Q_COUNT])
{
	enum cv_err e = cv_limits_get_set(st, txn, owner, out);

	for (size_t i = 0; i < CV_Q_COUNT; i++)
		if (out[i] < 0)
			out[i] = cv_quota_defaults[i];
	return e;
}

enum cv_err cv_limits_put(struct cv_store *st, DB_TXN *txn, const char *owner, const int64_t set[CV_Q_COUNT])
{
	unsigned char k[sizeof(QUOTA_PREFIX) + CV_CB_OWNER_MAX], v[1 + 8 * CV_Q_COUNT];
	size_t kl = meta_key(k, QUOTA_PREFIX, owner);
	bool any = false;

	if (!kl)
		return CV_EINVAL;
	v[0] = CV_Q_COUNT;
	for (size_t i = 0; i < CV_Q_COUNT; i++) {
		if (set[i] < -1 || set[i] > CV_QUOTA_MAX)
			return CV_EINVAL;
		any |= set[i] >= 0;
		cv_be64_put(v + 1 + 8 * i, (uint64_t)set[i]);
	}
	if (!any) {
		enum cv_err e = cv_store_del(st, CV_DB_META, txn, k, kl);

		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	return cv_store_put(st, CV_DB_META, txn, k, kl, v, sizeof(v), 0);
}

/* ---- usage ------------------------------------------------------------------------ */

/* The vehicles of an owner's monitors, and how many are timed. */
struct mon_count {
	const char *vid;            /* count this vehicle's only (NULL: every vehicle) */
	char (*vids)[CV_VID_HEXLEN + 1];
	size_t n, cap;
	int64_t timed, on_vid;
	int64_t every;              /* monitors on every vehicle */
};

bool cv_quota_timed(const struct cv_monitor *m)
{
	return cv_mon_timed(&m->def) || m->refresh_s > 0;
}

static int mon_count_one(const struct cv_monitor *m, void *arg)
{
	struct mon_count *c = arg;

	if (cv_quota_timed(m))
		c->timed++;
	/* a monitor without a vehicle (a fleet monitor) watches every vehicle of its fleet */
	if (c->vid) {
		c->on_vid += !m->vid[0] || !strcmp(m->vid, c->vid);
		return 0;
	}
	if (!m->vid[0]) {
		c->every++;
		return 0;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->vids = cv_realloc(c->vids, c->cap * sizeof(*c->vids));
	}
	cv_strlcpy(c->vids[c->n++], m->vid, sizeof(c->vids[0]));
	return 0;
}

static int vid_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The most monitors on one vehicle. */
static int64_t most_on_one(struct mon_count *c)
{
	int64_t most = 0, run = 0;

	if (!c->n)
		return c->every;
	qsort(c->vids, c->n, sizeof(*c->vids), vid_cmp);
	for (size_t i = 0; i < c->n; i++) {
		run = i && !strcmp(c->vids[i], c->vids[i - 1]) ? run + 1 : 1;
		if (run > most)
			most = run;
	}
	return most + c->every;
}

/* A callback of the quota: a fleet monitor's own webhook (model.h) counts as its monitor, not as a callback. */
static bool is_callback(const struct cv_callback *cb, void *arg)
{
	(void)arg;
	return !(cb->b2b && cb->types == CV_CBT_MONITOR);
}

static enum cv_err redeliveries(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t now, int64_t *hour,
				int64_t *n)
{
	unsigned char k[sizeof(REDELIVER_PREFIX) + CV_CB_OWNER_MAX];
	size_t kl = meta_key(k, REDELIVER_PREFIX, owner);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	*hour = now - now % HOUR_MS;
	*n = 0;
	if (!kl)
		return CV_EINVAL;
	e = cv_store_get(st, CV_DB_META, txn, k, kl, &b);
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e && b.len == 16) {
		/* counts of an earlier hour are none of this one's */
		if ((int64_t)cv_be64_get((const unsigned char *)b.p) == *hour)
			*n = (int64_t)cv_be64_get((const unsigned char *)b.p + 8);
	}
	cv_buf_release(&b);
	return e;
}

/* The longest queue of the owner's callbacks (cv_callbacks_of). */
struct longest {
	struct cv_store *st;
	DB_TXN *txn;
	uint64_t most;
	enum cv_err e;
};

static int longest_one(const struct cv_callback *cb, void *arg)
{
	struct longest *l = arg;
	uint64_t n = 0;

	l->e = cv_outbox_waiting(l->st, l->txn, cb->owner, cb->id, &n);
	if (n > l->most)
		l->most = n;
	return l->e != CV_OK;
}

enum cv_err cv_limits_usage(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t now,
			    int64_t used[CV_Q_COUNT])
{
	struct longest q = { st, txn, 0, CV_OK };
	struct mon_count c = { 0 };
	size_t ncb = 0, nmon = 0, nall = 0;
	int64_t hour;
	enum cv_err e;

	for (size_t i = 0; i < CV_Q_COUNT; i++)
		used[i] = -1;
	e = cv_callbacks_of(st, txn, owner, is_callback, 0, 0, &ncb, NULL, NULL);
	if (!e)
		e = cv_monitors_of(st, txn, owner, NULL, 0, SIZE_MAX, &nmon, mon_count_one, &c);
	if (!e) {
		used[CV_Q_CALLBACKS] = (int64_t)ncb;
		used[CV_Q_MONITORS] = (int64_t)nmon;
		used[CV_Q_VEHICLE_MONITORS] = most_on_one(&c);
		used[CV_Q_TIMED_MONITORS] = c.timed;
		e = redeliveries(st, txn, owner, now, &hour, &used[CV_Q_REDELIVERIES]);
	}
	if (!e)
		e = cv_idem_count(st, txn, owner, &used[CV_Q_IDEM_KEYS]);
	if (!e)
		e = cv_callbacks_of(st, txn, owner, NULL, 0, SIZE_MAX, &nall, longest_one, &q);
	if (!e)
		e = q.e;
	if (!e)
		used[CV_Q_QUEUE] = (int64_t)q.most;
	free(c.vids);
	return e;
}

enum cv_err cv_limits_check(struct cv_store *st, DB_TXN *txn, const char *owner, enum cv_quota q, const char *vid,
			    int64_t *limit)
{
	int64_t lim[CV_Q_COUNT], used = 0;
	struct mon_count c = { .vid = vid };
	size_t n = 0;
	enum cv_err e = cv_limits_get(st, txn, owner, lim);

	if (e)
		return e;
	*limit = lim[q];
	switch (q) {
	case CV_Q_CALLBACKS:
		e = cv_callbacks_of(st, txn, owner, is_callback, 0, 0, &n, NULL, NULL);
		used = (int64_t)n;
		break;
	case CV_Q_MONITORS:
	case CV_Q_TIMED_MONITORS:
	case CV_Q_VEHICLE_MONITORS:
		if (q == CV_Q_VEHICLE_MONITORS && !vid)
			return CV_EINVAL;
		e = cv_monitors_of(st, txn, owner, NULL, 0, SIZE_MAX, &n, mon_count_one, &c);
		used = q == CV_Q_MONITORS ? (int64_t)n : q == CV_Q_TIMED_MONITORS ? c.timed : c.on_vid;
		free(c.vids);
		break;
	default:
		return CV_EINVAL;
	}
	if (e)
		return e;
	return used + 1 > *limit ? CV_EQUOTA : CV_OK;
}

enum cv_err cv_limits_redeliver(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t now, int64_t *limit,
				int64_t *retry_ms)
{
	unsigned char k[sizeof(REDELIVER_PREFIX) + CV_CB_OWNER_MAX], v[16];
	size_t kl = meta_key(k, REDELIVER_PREFIX, owner);
	int64_t lim[CV_Q_COUNT], hour, n;
	enum cv_err e = cv_limits_get(st, txn, owner, lim);

	if (!e)
		e = redeliveries(st, txn, owner, now, &hour, &n);
	if (e)
		return e;
	*limit = lim[CV_Q_REDELIVERIES];
	*retry_ms = 0;
	if (n + 1 > *limit) {
		*retry_ms = hour + HOUR_MS - now;
		return CV_EQUOTA;
	}
	cv_be64_put(v, (uint64_t)hour);
	cv_be64_put(v + 8, (uint64_t)(n + 1));
	return cv_store_put(st, CV_DB_META, txn, k, kl, v, sizeof(v), 0);
}

/* sweep.c - a callback deleted at once, what it leaves deleted in steps (see sweep.h). */
#include "config.h"
#include "sweep.h"
#include "actions.h"
#include "outbox.h"

#include <string.h>

#define MARK_PREFIX "sweep"
#define MARK_MAX (sizeof(MARK_PREFIX) + CV_CB_OWNER_MAX + 1 + CV_CB_IDLEN)

/* "sweep\0" owner \0 cbid into k: its length; 0 if an id is empty or too long. */
static size_t mark_key(unsigned char *k, const char *owner, const char *cbid)
{
	size_t pl = sizeof(MARK_PREFIX), ol = strlen(owner), cl = strlen(cbid);

	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN)
		return 0;
	memcpy(k, MARK_PREFIX, pl);
	memcpy(k + pl, owner, ol);
	k[pl + ol] = '\0';
	memcpy(k + pl + ol + 1, cbid, cl);
	return pl + ol + 1 + cl;
}

enum cv_err cv_sweep_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t now)
{
	unsigned char k[MARK_MAX], v[8];
	size_t kl = mark_key(k, owner, cbid);
	enum cv_err e;

	if (!kl)
		return CV_ENOTFOUND;
	e = cv_callback_del(st, txn, owner, cbid);
	if (e)
		return e;
	cv_be64_put(v, (uint64_t)now);
	return cv_store_put(st, CV_DB_META, txn, k, kl, v, sizeof(v), 0);
}

/* The first mark into owner and cbid: true if there is one. */
struct first_mark {
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	unsigned char key[MARK_MAX];
	size_t kl;
	size_t seen;            /* marks seen, up to 2: is another left? */
};

static int mark_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct first_mark *m = arg;
	const unsigned char *p = k;
	size_t pl = sizeof(MARK_PREFIX);
	const unsigned char *nul;

	size_t ol, cl;

	(void)v;
	(void)vlen;
	if (klen <= pl || memcmp(p, MARK_PREFIX, pl))
		return 1;
	nul = klen <= MARK_MAX ? memchr(p + pl, '\0', klen - pl) : NULL;
	if (!nul)
		return 0;               /* not a mark cvapi wrote: left alone */
	ol = (size_t)(nul - (p + pl));
	cl = klen - pl - ol - 1;
	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN)
		return 0;
	if (m->seen++ == 0) {
		memcpy(m->owner, p + pl, ol);
		m->owner[ol] = '\0';
		memcpy(m->cbid, nul + 1, cl);
		m->cbid[cl] = '\0';
		memcpy(m->key, k, klen);
		m->kl = klen;
	}
	return m->seen >= 2;
}

enum cv_err cv_sweep_step(struct cv_store *st, size_t budget, size_t *deleted, bool *more)
{
	struct first_mark m;
	DB_TXN *txn = NULL;
	size_t done = 0;
	enum cv_err e;

	*deleted = 0;
	*more = false;
	memset(&m, 0, sizeof(m));
	e = cv_store_begin(st, &txn, DB_TXN_NOSYNC);
	if (e)
		return e;
	/* a lock held elsewhere is waited for briefly, not for the store's
	 * 2 s: the marks share the meta database's pages with records
	 * uploads and logins read and write, and a step that gave up at the
	 * first conflict could lose to them for ever */
	txn->set_timeout(txn, CV_SWEEP_LOCK_WAIT_MS * 1000, DB_SET_LOCK_TIMEOUT);
	e = cv_store_scan(st, CV_DB_META, txn, MARK_PREFIX, sizeof(MARK_PREFIX), mark_one, &m);
	if (e || !m.kl) {
		cv_store_abort(txn);
		return e;
	}
	/* the remote actions first (already out of the vehicle's sight: actions.h) */
	e = cv_action_drop_callback(st, txn, m.owner, m.cbid, budget, &done);
	if (!e && done < budget)
		e = cv_outbox_drop(st, txn, m.owner, m.cbid, budget - done, &done);
	/* fewer than the budget: nothing of it is left, nor its mark */
	if (!e && done < budget)
		e = cv_store_del(st, CV_DB_META, txn, m.key, m.kl);
	if (e == CV_ENOTFOUND)
		e = CV_OK;
	if (e) {
		cv_store_abort(txn);
		return e;
	}
	e = cv_store_commit(txn);
	if (!e) {
		*deleted = done;
		*more = done >= budget || m.seen > 1;
	}
	return e;
}

static int count_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	(void)v;
	(void)vlen;
	if (klen <= sizeof(MARK_PREFIX) || memcmp(k, MARK_PREFIX, sizeof(MARK_PREFIX)))
		return 1;
	(*(size_t *)arg)++;
	return 0;
}

enum cv_err cv_sweep_pending(struct cv_store *st, size_t *n)
{
	*n = 0;
	return cv_store_scan(st, CV_DB_META, NULL, MARK_PREFIX, sizeof(MARK_PREFIX), count_one, n);
}

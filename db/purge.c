/* purge.c - retention (see purge.h). */
#include "purge.h"
#include "sweep.h"
#include "tblock.h"
#include "hindex.h"
#include "idem.h"
#include "cvtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)
#define MAX_VEHICLES_PER_STEP 64

static const char key_default[] = "retention";
static const char key_next[] = "purge-next";
static const char key_tokens[] = "purge-tokens-next";
static const char key_remotes[] = "purge-remotes-next";

static size_t vehicle_key(char *out, size_t outsz, const char *vid)
{
	int n = snprintf(out, outsz, "retention:%s", vid);

	return n < 0 || (size_t)n >= outsz ? 0 : (size_t)n;
}

static enum cv_err read_days(struct cv_store *st, DB_TXN *txn, const char *key, size_t klen, int64_t *days)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_META, txn, key, klen, &b);

	if (!e && (b.len != 8 || (int64_t)cv_be64_get((const unsigned char *)b.p) < 1))
		e = CV_EINVAL;
	if (!e)
		*days = (int64_t)cv_be64_get((const unsigned char *)b.p);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_retention_get(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t *days)
{
	char k[80];
	size_t kl;
	enum cv_err e;

	if (vid) {
		kl = vehicle_key(k, sizeof(k), vid);
		if (!kl)
			return CV_EINVAL;
		e = read_days(st, txn, k, kl, days);
		if (e != CV_ENOTFOUND)
			return e;
	}
	e = read_days(st, txn, key_default, sizeof(key_default) - 1, days);
	if (e == CV_ENOTFOUND) {
		*days = CV_RETENTION_DEFAULT_DAYS;
		e = CV_OK;
	}
	return e;
}

enum cv_err cv_retention_set(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t days)
{
	unsigned char v[8];
	char k[80];
	size_t kl = vid ? vehicle_key(k, sizeof(k), vid) : sizeof(key_default) - 1;

	if (!kl || days < 0 || days > CV_RETENTION_MAX_DAYS || (days == 0 && !vid))
		return CV_EINVAL;
	if (!vid)
		memcpy(k, key_default, sizeof(key_default));
	if (days == 0) {
		enum cv_err e = cv_store_del(st, CV_DB_META, txn, k, kl);

		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	cv_be64_put(v, (uint64_t)days);
	return cv_store_put(st, CV_DB_META, txn, k, kl, v, sizeof(v), 0);
}

/* What a step may still do. */
struct budget {
	size_t left;            /* deletions */
	size_t visits;          /* records looked at (deleted or kept) */
	size_t deleted;
	int64_t deadline;       /* ms: a step holds its locks no longer than CV_PURGE_STEP_MS */
};

/* One more record may be looked at (and deleted). */
static bool budget_take(struct budget *bg)
{
	if (!bg->left || !bg->visits)
		return false;
	if (bg->visits % 16 == 0 && cv_mono_ms() >= bg->deadline) {
		bg->visits = 0;
		return false;
	}
	bg->visits--;
	return true;
}

/* Keep a record of a period (alert, theft) still active, or ended after the cutoff. */
static bool period_expired(const DBT *k, const DBT *d, int64_t cutoff)
{
	struct cv_alert_rec a;
	const unsigned char *kb = k->data;

	if (k->size != 26 || cv_alert_decode(d->data, d->size, (int64_t)cv_be64_get(kb + 16),
					     (uint16_t)(kb[24] << 8 | kb[25]), &a))
		return true;    /* unreadable: it goes */
	return !a.active && a.end < cutoff;
}

/* A telemetry block goes when all its samples are older than the cutoff. */
static bool block_expired(const DBT *k, const DBT *d, int64_t cutoff)
{
	struct cv_tblock_info bi;

	if (k->size != 24 || cv_tblock_info(d->data, d->size, (int64_t)cv_be64_get((const unsigned char *)k->data + 16),
					    &bi))
		return true;    /* unreadable: it goes */
	return bi.last_at < cutoff;
}

/* How a database's records expire. */
enum expiry {
	EXP_AT,         /* by the time in the key */
	EXP_PERIOD,     /* period_expired() */
	EXP_BLOCK,      /* block_expired() */
};

/* The fleet-wide index's copy of a record of db (key kb) goes with it (hindex.h). */
static enum cv_err unindex(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char *kb, size_t klen)
{
	int64_t at = klen >= 24 ? (int64_t)cv_be64_get(kb + 16) : 0;

	if (db == CV_DB_ALERTS && klen == 26)
		return cv_hindex_del(st, txn, CV_HK_ALERT, kb, at, (unsigned)kb[24] << 8 | kb[25]);
	if (db == CV_DB_EVENTS && klen == 25)
		return cv_hindex_del(st, txn, CV_HK_COLLISION, kb, at, kb[24]);
	if (db == CV_DB_TRIPS && klen == 24)
		return cv_hindex_del(st, txn, CV_HK_TRIP, kb, at, 0);
	return CV_OK;
}

/*
 * Delete vehicle vid's records of a time-keyed database (vid . at . ...)
 * older than cutoff, and that `how` says expired. Returns
 * CV_OK with *done when nothing expired is left, or when the budget ran out
 * (*done false).
 */
static enum cv_err purge_db(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			    int64_t cutoff, enum expiry how, struct budget *bg, bool *done)
{
	DB *db = st->db[id];
	DBC *c;
	DBT k, d;
	unsigned char kb[64];
	int ret;
	enum cv_err e = CV_OK;

	*done = false;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, 0);
	k.data = kb;
	k.size = 24;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.flags = DB_DBT_MALLOC;
	for (ret = c->get(c, &k, &d, DB_SET_RANGE | DB_RMW); ret == 0; ret = c->get(c, &k, &d, DB_NEXT | DB_RMW)) {
		bool go;

		if (k.size < 24 || memcmp(kb, vid, 16) || (int64_t)cv_be64_get(kb + 16) >= cutoff) {
			free(d.data);
			d.data = NULL;
			break;
		}
		if (!budget_take(bg)) {
			free(d.data);
			d.data = NULL;
			goto out;       /* budget spent: not done */
		}
		go = how == EXP_AT || (how == EXP_PERIOD ? period_expired(&k, &d, cutoff) : block_expired(&k, &d, cutoff));
		free(d.data);
		d.data = NULL;
		if (go) {
			ret = c->del(c, 0);
			if (ret)
				break;
			e = unindex(st, txn, id, kb, k.size);
			if (e)
				goto out;
			bg->left--;
			bg->deleted++;
		}
	}
	if (ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	else
		*done = true;
out:
	c->close(c);
	return e;
}

/* Message ids of vid received before `before` (their keys are hashes: the vehicle's whole range is read). */
static enum cv_err purge_msgids(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t before,
				struct budget *bg, bool *done)
{
	DB *db = st->db[CV_DB_MSGIDS];
	DBC *c;
	DBT k, d;
	unsigned char kb[64], val[8];
	int ret;
	enum cv_err e = CV_OK;

	*done = false;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, vid, 16);
	k.data = kb;
	k.size = 16;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.data = val;
	d.ulen = sizeof(val);
	d.flags = DB_DBT_USERMEM;
	for (ret = c->get(c, &k, &d, DB_SET_RANGE | DB_RMW); ret == 0; ret = c->get(c, &k, &d, DB_NEXT | DB_RMW)) {
		if (k.size < 16 || memcmp(k.data, vid, 16))
			break;
		if (!budget_take(bg))
			goto out;
		if (d.size != 8 || (int64_t)cv_be64_get(val) < before) {
			ret = c->del(c, 0);
			if (ret)
				break;
			bg->left--;
			bg->deleted++;
		}
	}
	if (ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	else
		*done = true;
out:
	c->close(c);
	return e;
}

/* Everything expired of one vehicle; *done when it has nothing left. */
static enum cv_err purge_vehicle(struct cv_store *st, DB_TXN *txn, const char *vidhex, int64_t now,
				 struct budget *bg, bool *done)
{
	static const struct { enum cv_dbid id; enum expiry how; } dbs[] = {
		{ CV_DB_TELEMETRY, EXP_BLOCK }, { CV_DB_EVENTS, EXP_AT }, { CV_DB_ALERTS, EXP_PERIOD },
		{ CV_DB_STOLEN, EXP_PERIOD }, { CV_DB_TRIPS, EXP_AT }, { CV_DB_CHARGES, EXP_AT },
	};
	unsigned char vid[16];
	int64_t days, cutoff;
	enum cv_err e;

	*done = true;
	if (cv_vid_bytes(vidhex, vid))
		return CV_OK;   /* not a vehicle id: nothing of it to purge */
	e = cv_retention_get(st, txn, vidhex, &days);
	if (e)
		return e;
	cutoff = now - days * DAY_MS;
	for (size_t i = 0; i < CV_ARRAY_LEN(dbs) && !e && *done; i++)
		e = purge_db(st, txn, dbs[i].id, vid, cutoff, dbs[i].how, bg, done);
	if (!e && *done)
		e = purge_msgids(st, txn, vid, now - CV_MSGID_KEEP_MS, bg, done);
	return e;
}

/*
 * A sweep of a whole database, a part per step, from where the last step
 * left it (the meta key `pos`: a key of that database; at the end it
 * starts again from the first): each record that expired() says is old
 * enough goes. For databases not kept per vehicle.
 */
typedef bool (*expired_fn)(const unsigned char *k, size_t kl, const unsigned char *v, size_t vl, int64_t now);

static enum cv_err sweep(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const char *pos_key, expired_fn expired,
			 bool keys_only, int64_t now, struct budget *bg)
{
	DB *db = st->db[id];
	DBC *c;
	DBT k, d;
	unsigned char kb[256], vb[512];
	struct cv_buf pos = CV_BUF_INIT(0);
	int ret;
	enum cv_err e = cv_store_get(st, CV_DB_META, txn, pos_key, strlen(pos_key), &pos);

	if (e == CV_ENOTFOUND || (!e && pos.len > sizeof(kb)))
		cv_buf_reset(&pos);
	else if (e)
		return e;
	ret = db->cursor(db, txn, &c, 0);
	if (ret) {
		cv_buf_release(&pos);
		return cv_store_err(ret);
	}
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, pos.p, pos.len);
	k.data = kb;
	k.size = (u_int32_t)pos.len;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.data = vb;
	d.ulen = sizeof(vb);
	d.flags = DB_DBT_USERMEM | (keys_only ? DB_DBT_PARTIAL : 0);
	ret = pos.len ? c->get(c, &k, &d, DB_SET_RANGE | DB_RMW) : c->get(c, &k, &d, DB_FIRST | DB_RMW);
	for (; ret == 0; ret = c->get(c, &k, &d, DB_NEXT | DB_RMW)) {
		if (!budget_take(bg))
			break;          /* the next step goes on from this key */
		if (expired(kb, k.size, vb, keys_only ? 0 : d.size, now)) {
			ret = c->del(c, 0);
			if (ret)
				break;
			bg->left--;
			bg->deleted++;
		}
	}
	if (ret == DB_NOTFOUND) {
		k.size = 0;     /* from the start next time */
		ret = 0;
	}
	c->close(c);
	cv_buf_release(&pos);
	if (ret)
		return cv_store_err(ret);
	return cv_store_put(st, CV_DB_META, txn, pos_key, strlen(pos_key), kb, k.size, 0);
}

/* A token that expired more than CV_TOKEN_KEEP_MS ago (or cannot be read). */
static bool token_expired(const unsigned char *k, size_t kl, const unsigned char *v, size_t vl, int64_t now)
{
	struct cv_token t;

	(void)k;
	(void)kl;
	return cv_token_decode(v, vl, &t) || t.expires < now - CV_TOKEN_KEEP_MS;
}

/*
 * A remote action posted before the default retention period (its key
 * ends with the action id, whose first 8 bytes are the time it was
 * posted; an action ends within a day of it). cutoff is passed as now.
 */
static bool remote_expired(const unsigned char *k, size_t kl, const unsigned char *v, size_t vl, int64_t cutoff)
{
	(void)v;
	(void)vl;
	return kl >= 16 && (int64_t)cv_be64_get(k + kl - 16) < cutoff;
}

/* One more expired Idempotency-Key may go (cv_idem_purge's take): a deletion of the budget. */
static bool take_key(void *arg)
{
	struct budget *bg = arg;

	if (!budget_take(bg))
		return false;
	bg->left--;
	bg->deleted++;
	return true;
}

/* The Idempotency-Keys past their day, a transaction of their own; a lock held elsewhere is for later. */
static enum cv_err purge_keys(struct cv_store *st, int64_t now, size_t budget, struct cv_purge_stats *ps)
{
	struct budget bg = { budget, budget * 4, 0, cv_mono_ms() + CV_PURGE_STEP_MS };
	DB_TXN *txn = NULL;
	size_t n = 0;
	enum cv_err e = cv_store_begin(st, &txn, DB_TXN_NOSYNC | DB_TXN_NOWAIT);

	if (!e)
		e = cv_idem_purge(st, txn, now, take_key, &bg, &n, &ps->forget_more);
	if (!e) {
		e = cv_store_commit(txn);
		txn = NULL;
	}
	cv_store_abort(txn);
	if (e == CV_EDEADLOCK) {
		ps->forget_more = true;         /* not this time */
		return CV_OK;
	}
	ps->forgotten = e ? 0 : n;
	return e;
}

enum cv_err cv_purge_step(struct cv_store *st, int64_t now, size_t budget, struct cv_purge_stats *ps)
{
	struct budget bg = { budget, budget * 4, 0, cv_mono_ms() + CV_PURGE_STEP_MS };
	char next[CV_VID_HEXLEN + 1] = "", kb[64], dummy[1];
	DB_TXN *txn = NULL;
	DBC *c = NULL;
	DBT k, d;
	int ret;
	enum cv_err e;

	memset(ps, 0, sizeof(*ps));
	/* what deleted callbacks left, first (sweep.h); busy is for later */
	e = cv_sweep_step(st, budget, &ps->swept, &ps->sweep_more);
	if (e == CV_EDEADLOCK)
		ps->sweep_more = true;          /* not this time */
	else if (e)
		return e;
	e = cv_store_begin(st, &txn, DB_TXN_NOSYNC | DB_TXN_NOWAIT);
	if (e)
		return e;
	/* where the round is: taking this key for writing makes one step at a time */
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key_next;
	k.size = sizeof(key_next) - 1;
	d.data = next;
	d.ulen = sizeof(next) - 1;
	d.flags = DB_DBT_USERMEM;
	ret = st->db[CV_DB_META]->get(st->db[CV_DB_META], txn, &k, &d, DB_RMW);
	if (ret == 0 && d.size <= CV_VID_HEXLEN)
		next[d.size] = '\0';
	else
		next[0] = '\0';
	if (ret && ret != DB_NOTFOUND && ret != DB_BUFFER_SMALL)
		e = cv_store_err(ret);
	if (!e) {
		ret = st->db[CV_DB_VEHICLES]->cursor(st->db[CV_DB_VEHICLES], txn, &c, 0);
		e = cv_store_err(ret);
	}
	if (!e) {
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		memcpy(kb, next, strlen(next) + 1);
		k.data = kb;
		k.size = (u_int32_t)strlen(next);
		k.ulen = sizeof(kb);
		k.flags = DB_DBT_USERMEM;
		d.data = dummy;
		d.ulen = sizeof(dummy);
		d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;       /* the keys only */
		ret = next[0] ? c->get(c, &k, &d, DB_SET_RANGE) : c->get(c, &k, &d, DB_FIRST);
		for (; ret == 0 && !e; ret = c->get(c, &k, &d, DB_NEXT)) {
			char vid[CV_VID_HEXLEN + 1];
			bool done;

			if (k.size > CV_VID_HEXLEN)
				continue;
			memcpy(vid, kb, k.size);
			vid[k.size] = '\0';
			if (ps->vehicles == MAX_VEHICLES_PER_STEP || !bg.left || !bg.visits) {
				memcpy(next, vid, sizeof(vid));   /* the next step starts here */
				break;
			}
			ps->vehicles++;
			e = purge_vehicle(st, txn, vid, now, &bg, &done);
			if (!e && !done) {
				memcpy(next, vid, sizeof(vid));   /* not finished: again next step */
				break;
			}
		}
		if (!e && ret == DB_NOTFOUND) {
			next[0] = '\0';
			ps->wrapped = true;
		} else if (!e && ret) {
			e = cv_store_err(ret);
		}
		c->close(c);
	}
	if (!e)
		e = cv_store_put(st, CV_DB_META, txn, key_next, sizeof(key_next) - 1, next, strlen(next), 0);
	if (!e && bg.left && bg.visits)
		e = sweep(st, txn, CV_DB_TOKENS, key_tokens, token_expired, false, now, &bg);
	if (!e && bg.left && bg.visits) {
		int64_t days = CV_RETENTION_DEFAULT_DAYS;

		e = cv_retention_get(st, txn, NULL, &days);
		if (!e)
			e = sweep(st, txn, CV_DB_REMOTES, key_remotes, remote_expired, true, now - days * 86400 * 1000, &bg);
	}
	if (!e) {
		e = cv_store_commit(txn);
		txn = NULL;
	}
	cv_store_abort(txn);
	ps->deleted = e ? 0 : bg.deleted;
	if (!e)
		e = purge_keys(st, now, budget, ps);
	return e;
}

/* charges.c - charging sessions built at ingest (see charges.h). */
#include "config.h"
#include "charges.h"
#include "cvtime.h"

#include <string.h>

#define STATE_V 1
#define STATE_HEAD 2                        /* version, flags */
#define STATE_F_CUR 1

static void charge_key(unsigned char kb[24], const unsigned char vid[16], int64_t start)
{
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)start);
}

/* ---- the state record ------------------------------------------------------ */

static enum cv_err state_decode(const unsigned char *p, size_t len, struct cv_charge_state *cs)
{
	memset(cs, 0, sizeof(*cs));
	if (len < STATE_HEAD || p[0] != STATE_V || p[1] & ~STATE_F_CUR)
		return CV_EINVAL;
	cs->has_cur = p[1] & STATE_F_CUR;
	if (!cs->has_cur)
		return len == STATE_HEAD ? CV_OK : CV_EINVAL;
	return cv_charge_decode(p + STATE_HEAD, len - STATE_HEAD, &cs->cur);
}

enum cv_err cv_charge_state_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
				struct cv_charge_state *cs)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_CHARGEOPEN, txn, vid, 16, &b);

	if (e == CV_ENOTFOUND) {
		memset(cs, 0, sizeof(*cs));
		e = CV_OK;
	} else if (!e) {
		e = state_decode((const unsigned char *)b.p, b.len, cs);
	}
	cv_buf_release(&b);
	return e;
}

static enum cv_err state_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			     const struct cv_charge_state *cs)
{
	unsigned char head[STATE_HEAD] = { STATE_V, cs->has_cur ? STATE_F_CUR : 0 };
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	/* no session current: the state is its absence */
	if (!cs->has_cur) {
		e = cv_store_del(st, CV_DB_CHARGEOPEN, txn, vid, 16);
		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	e = cv_buf_add(&b, head, sizeof(head));
	if (!e)
		e = cv_charge_encode(&cs->cur, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_CHARGEOPEN, txn, vid, 16, b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

/* ---- sessions --------------------------------------------------------------- */

static enum cv_err charge_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      const struct cv_charge *c)
{
	unsigned char kb[24];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_charge_encode(c, &b);

	charge_key(kb, vid, c->start_at);
	if (!e)
		e = cv_store_put(st, CV_DB_CHARGES, txn, kb, sizeof(kb), b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_charge_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			  struct cv_charge *c)
{
	unsigned char kb[24];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	charge_key(kb, vid, start);
	e = cv_store_get(st, CV_DB_CHARGES, txn, kb, sizeof(kb), &b);
	if (!e)
		e = cv_charge_decode(b.p, b.len, c);
	cv_buf_release(&b);
	return e;
}

/* ---- folding ------------------------------------------------------------------ */

enum cv_err cv_charges_ingest(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      const struct cv_sample *s, size_t n)
{
	struct cv_charge_state cs;
	struct cv_charge closed;
	int64_t seen;
	bool had, cur_changed = false;
	enum cv_err e = cv_charge_state_get(st, txn, vid, &cs);

	if (e)
		return e;
	had = cs.has_cur;
	seen = had ? cs.cur.seen_at : -1;
	for (size_t i = 0; i < n && !e; i++) {
		enum cv_charge_step step;

		if (!cv_history_kept(s, n, i))
			continue;
		step = cv_charge_feed(&cs.cur, &cs.has_cur, &s[i], &closed);
		/* the session that left is stored as it left; a next one (REOPENED) is the current one */
		if (step & CV_CHARGE_CLOSED) {
			e = charge_put(st, txn, vid, &closed);
			cur_changed = false;
		}
		if (step & (CV_CHARGE_OPENED | CV_CHARGE_EXTENDED | CV_CHARGE_ENDED | CV_CHARGE_RESUMED))
			cur_changed = true;
	}
	if (!e && cs.has_cur && cur_changed)
		e = charge_put(st, txn, vid, &cs.cur);
	if (!e && (cs.has_cur != had || (cs.has_cur && cs.cur.seen_at != seen)))
		e = state_put(st, txn, vid, &cs);
	return e;
}

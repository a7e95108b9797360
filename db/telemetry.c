/* telemetry.c - a vehicle's telemetry blocks in the store (see telemetry.h). */
#include "telemetry.h"
#include "tblock.h"
#include "cv.h"

#include <stdlib.h>
#include <string.h>

/* Room for any block: CV_TBLOCK_BYTES, plus the one sample that may pass it, plus the header. */
#define BLOCK_BUF 8192

/* A cursor over one vehicle's blocks; `on`: it is on one, at key time `at`, value vb[0..d.size). */
struct bcur {
	DBC *c;
	DBT k, d;
	unsigned char kb[32];
	unsigned char vb[BLOCK_BUF];
	unsigned char vid[16];
	uint32_t rmw;           /* DB_RMW for a writer */
	bool on;
	int64_t at;
};

static enum cv_err bc_open(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], uint32_t rmw,
			   struct bcur *b)
{
	DB *db = st->db[CV_DB_TELEMETRY];
	int ret = db->cursor(db, txn, &b->c, txn ? 0 : DB_READ_COMMITTED);

	if (ret) {
		b->c = NULL;
		return cv_store_err(ret);
	}
	memset(&b->k, 0, sizeof(b->k));
	memset(&b->d, 0, sizeof(b->d));
	memcpy(b->vid, vid, 16);
	b->k.data = b->kb;
	b->k.ulen = sizeof(b->kb);
	b->k.flags = DB_DBT_USERMEM;
	b->d.data = b->vb;
	b->d.ulen = sizeof(b->vb);
	b->d.flags = DB_DBT_USERMEM;
	b->rmw = rmw;
	b->on = false;
	return CV_OK;
}

static void bc_close(struct bcur *b)
{
	if (b->c)
		b->c->close(b->c);
	b->c = NULL;
}

/* After a cursor move with Berkeley DB's answer ret: whether it stands on a block of the vehicle. */
static enum cv_err bc_settle(struct bcur *b, int ret)
{
	b->on = ret == 0 && b->k.size == 24 && !memcmp(b->kb, b->vid, 16);
	if (b->on)
		b->at = (int64_t)cv_be64_get(b->kb + 16);
	if (ret == DB_BUFFER_SMALL)
		return CV_EINVAL;       /* no block is that large: not one of ours */
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

/*
 * Move the cursor (DB_SET_RANGE to vid . t, DB_NEXT, DB_PREV or DB_LAST);
 * *ret is Berkeley DB's answer. b->on says whether it stands on a block of
 * the vehicle.
 */
static enum cv_err bc_move(struct bcur *b, uint32_t flag, int64_t t, int *ret)
{
	if (flag == DB_SET_RANGE) {
		memcpy(b->kb, b->vid, 16);
		cv_be64_put(b->kb + 16, (uint64_t)t);
		b->k.size = 24;
	}
	*ret = b->c->get(b->c, &b->k, &b->d, flag | b->rmw);
	return bc_settle(b, *ret);
}

/* Stand on the vehicle's block holding time t: the last one starting at or before t (b->on false if none). */
static enum cv_err bc_seek(struct bcur *b, int64_t t)
{
	int ret;

	memcpy(b->kb, b->vid, 16);
	cv_be64_put(b->kb + 16, (uint64_t)t);
	b->k.size = 24;
	ret = cv_cursor_last_le(b->c, &b->k, &b->d, b->rmw);
	return bc_settle(b, ret);
}

/* ---- writing ------------------------------------------------------------- */

/*
 * Merge the stored samples old[0..nold) and the new ones s[0..n) (both
 * ascending; new ones with no group skipped) into out; a new sample
 * replaces a stored one of the same time, and of two new ones of the same
 * time the later in s wins. Returns how many went to out.
 */
static size_t merge(const struct cv_sample *old, size_t nold, const struct cv_sample *s, size_t n,
		    struct cv_sample *out)
{
	size_t i = 0, j = 0, m = 0;

	while (i < nold || j < n) {
		if (j < n && !s[j].has) {
			j++;
			continue;
		}
		if (j < n && j + 1 < n && s[j + 1].at == s[j].at) {
			j++;    /* a later sample of the same time in the batch wins */
			continue;
		}
		if (j == n || (i < nold && old[i].at < s[j].at)) {
			out[m++] = old[i++];
		} else {
			if (i < nold && old[i].at == s[j].at)
				i++;
			out[m++] = s[j++];
		}
	}
	return m;
}

/* Decode the block the cursor stands on into out (room for CV_TBLOCK_MAX); *n samples. */
static enum cv_err decode_all(const struct bcur *b, struct cv_sample *out, size_t *n)
{
	struct cv_tblock_rd rd;
	enum cv_err e = cv_tblock_open(&rd, b->vb, b->d.size, b->at);

	*n = 0;
	while (!e && *n < CV_TBLOCK_MAX && !(e = cv_tblock_next(&rd, &out[*n])))
		(*n)++;
	if (e == CV_ENOTFOUND)
		e = CV_OK;
	if (!e && rd.left)
		e = CV_EINVAL;          /* more than a block may hold */
	return e;
}

/* Write the merged samples m[0..n) as blocks; the first may be the unchanged stored block (old[0..oldlen) at old_at). */
static enum cv_err write_blocks(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
				const struct cv_sample *m, size_t n, const void *old, size_t oldlen, int64_t old_at)
{
	struct cv_buf v = CV_BUF_INIT(0);
	unsigned char kb[24];
	enum cv_err e = CV_OK;

	memcpy(kb, vid, 16);
	while (n && !e) {
		size_t used;

		cv_buf_reset(&v);
		e = cv_tblock_pack(m, n, &v, &used);
		if (e)
			break;
		if (!(old && m[0].at == old_at && v.len == oldlen && !memcmp(v.p, old, oldlen))) {
			cv_be64_put(kb + 16, (uint64_t)m[0].at);
			e = cv_store_put(st, CV_DB_TELEMETRY, txn, kb, sizeof(kb), v.p, v.len, 0);
		}
		m += used;
		n -= used;
	}
	cv_buf_release(&v);
	return e;
}

enum cv_err cv_telemetry_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			     const struct cv_sample *s, size_t n)
{
	struct bcur *b = cv_malloc(sizeof(*b));
	struct cv_sample *old = NULL, *m = NULL;
	size_t i = 0;
	enum cv_err e;

	for (i = 1; i < n; i++)
		if (s[i].at < s[i - 1].at) {
			free(b);
			return CV_EINVAL;       /* not in time order */
		}
	i = 0;
	e = bc_open(st, txn, vid, DB_RMW, b);

	while (!e && i < n) {
		size_t j, nold = 0, nm;
		int64_t next, old_at = -1;
		unsigned char *oldv = NULL;
		size_t oldlen = 0;
		int ret;

		if (!s[i].has) {
			i++;
			continue;
		}
		e = bc_seek(b, s[i].at);
		if (!e && b->on) {
			/* extend (or insert into) this block; the next one bounds it */
			if (!old)
				old = cv_malloc(CV_TBLOCK_MAX * sizeof(*old));
			old_at = b->at;
			oldlen = b->d.size;
			oldv = cv_malloc(oldlen ? oldlen : 1);
			memcpy(oldv, b->vb, oldlen);
			e = decode_all(b, old, &nold);
			if (!e)
				e = bc_move(b, DB_NEXT, 0, &ret);
		} else if (!e) {
			/* before the vehicle's first block: new blocks, up to that one */
			e = bc_move(b, DB_SET_RANGE, s[i].at, &ret);
		}
		next = b->on ? b->at : INT64_MAX;
		for (j = i; j < n && s[j].at < next; j++)
			;
		if (!e) {
			m = cv_realloc(m, (nold + (j - i)) * sizeof(*m));
			nm = merge(old, nold, s + i, j - i, m);
			e = write_blocks(st, txn, vid, m, nm, oldv, oldlen, old_at);
		}
		free(oldv);
		i = j;
	}
	bc_close(b);
	free(b);
	free(old);
	free(m);
	return e;
}

/* ---- reading ------------------------------------------------------------- */

enum cv_err cv_telemetry_walk(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			      const struct cv_walk *wk,
			      int (*fn)(const struct cv_sample *s, void *arg), void *arg)
{
	int64_t from = wk->from < 0 ? 0 : wk->from;    /* history times are never negative */
	int64_t start = wk->start;
	struct bcur *b;
	struct cv_sample *smp;
	bool stop = false;
	int ret;
	enum cv_err e;

	if (from >= wk->to)
		return CV_OK;   /* an empty range */
	if (wk->desc) {
		if (start >= wk->to)
			start = wk->to - 1;
		if (start < from)
			return CV_OK;
	} else if (start < from) {
		start = from;
	}
	b = cv_malloc(sizeof(*b));
	smp = cv_malloc(CV_TBLOCK_MAX * sizeof(*smp));
	e = bc_open(st, txn, vid, 0, b);
	if (!e)
		e = bc_seek(b, start);
	if (!e && !b->on && !wk->desc)
		e = bc_move(b, DB_SET_RANGE, start, &ret);     /* the first block is after start */
	while (!e && b->on && !stop) {
		size_t n;

		e = decode_all(b, smp, &n);
		if (e)
			break;
		if (wk->desc) {
			for (size_t i = n; i-- > 0 && !stop;) {
				if (smp[i].at > start)
					continue;
				stop = smp[i].at < from || fn(&smp[i], arg);
			}
			if (!stop)
				e = bc_move(b, DB_PREV, 0, &ret);
		} else {
			for (size_t i = 0; i < n && !stop; i++) {
				if (smp[i].at < start)
					continue;
				stop = smp[i].at >= wk->to || fn(&smp[i], arg);
			}
			if (!stop)
				e = bc_move(b, DB_NEXT, 0, &ret);
		}
	}
	bc_close(b);
	free(b);
	free(smp);
	return e;
}

enum cv_err cv_telemetry_count(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			       int64_t from, int64_t to, bool (*accept)(uint32_t has, void *arg), void *arg,
			       int64_t *count)
{
	struct bcur *b;
	int ret;
	enum cv_err e;

	*count = 0;
	if (from < 0)
		from = 0;
	if (from >= to)
		return CV_OK;
	b = cv_malloc(sizeof(*b));
	e = bc_open(st, txn, vid, 0, b);
	if (!e)
		e = bc_seek(b, from);
	if (!e && !b->on)
		e = bc_move(b, DB_SET_RANGE, from, &ret);
	while (!e && b->on && b->at < to) {
		struct cv_tblock_rd rd;
		struct cv_tblock_info bi;

		e = cv_tblock_info(b->vb, b->d.size, b->at, &bi);
		if (e)
			break;
		if (b->at >= from && bi.last_at < to && (!accept || accept(bi.common, arg))) {
			/* wholly inside, and all accepted: its header says how many */
			*count += (int64_t)bi.count;
		} else {
			e = cv_tblock_open(&rd, b->vb, b->d.size, b->at);
			while (!e && !(e = cv_tblock_step(&rd)))
				if (rd.at >= from && rd.at < to && (!accept || accept(rd.has, arg)))
					(*count)++;
			if (e == CV_ENOTFOUND)
				e = CV_OK;
		}
		if (!e)
			e = bc_move(b, DB_NEXT, 0, &ret);
	}
	bc_close(b);
	free(b);
	return e;
}

enum cv_err cv_telemetry_exists(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at)
{
	struct bcur *b = cv_malloc(sizeof(*b));
	enum cv_err e = bc_open(st, txn, vid, 0, b);
	bool found = false;

	if (!e)
		e = bc_seek(b, at);
	if (!e && b->on) {
		struct cv_tblock_rd rd;

		e = cv_tblock_open(&rd, b->vb, b->d.size, b->at);
		while (!e && !found && !(e = cv_tblock_step(&rd)) && rd.at <= at)
			found = rd.at == at;
		if (e == CV_ENOTFOUND)
			e = CV_OK;
	}
	bc_close(b);
	free(b);
	return e ? e : found ? CV_OK : CV_ENOTFOUND;
}

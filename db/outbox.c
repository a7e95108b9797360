/* outbox.c - notifications waiting for delivery (see outbox.h). */
#include "config.h"
#include "outbox.h"
#include "cbattr.h"
#include "ids.h"
#include "pack.h"
#include "window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A note's record: version 1 without the remote action's members, 2 with
 * them, 3 with the batch's last seq and the timeouts in a row too. A note
 * is written in the lowest version that holds it: 3 only while it carries
 * a batch recorded before its first attempt or a run of timeouts, so that
 * a cvnotify of before version 3 still reads every other note.
 */
#define NOTE_VERSION 3
#define KEY_MAX (CV_CB_OWNER_MAX + 1 + CV_CB_IDLEN + 1 + 8)

/* owner \0 cbid \0 (the callback's prefix); 0 when either is empty or too long */
static size_t prefix(unsigned char *k, const char *owner, const char *cbid)
{
	size_t ol = strlen(owner), cl = strlen(cbid);

	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN)
		return 0;
	memcpy(k, owner, ol + 1);
	memcpy(k + ol + 1, cbid, cl + 1);
	return ol + 1 + cl + 1;
}

/* Split a key into its callback and seq; false if it is not an outbox key. */
static bool split(const unsigned char *k, size_t kl, char *owner, char *cbid, uint64_t *seq)
{
	const unsigned char *a = memchr(k, '\0', kl), *b;
	size_t ol, cl;

	if (!a || kl < 8)
		return false;
	b = memchr(a + 1, '\0', kl - (size_t)(a + 1 - k));
	if (!b || (size_t)(k + kl - (b + 1)) != 8)
		return false;
	ol = (size_t)(a - k);
	cl = (size_t)(b - a - 1);
	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN)
		return false;
	memcpy(owner, k, ol);
	owner[ol] = '\0';
	memcpy(cbid, a + 1, cl);
	cbid[cl] = '\0';
	*seq = cv_be64_get(b + 1);
	return true;
}

void cv_note_clear(struct cv_note *n)
{
	free(n->body);
	n->body = NULL;
	n->body_len = 0;
}

enum cv_err cv_note_encode(const struct cv_note *n, struct cv_buf *out)
{
	unsigned version = n->batch_last || n->timeouts ? 3 : 2;
	enum cv_err e = cv_wr_uint(out, version, 1);

	if (!e)
		e = cv_buf_add(out, n->wid, sizeof(n->wid));
	if (!e)
		e = cv_wr_uint(out, n->kind, 1);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)n->raised, 8);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)n->queued, 8);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)n->due, 8);
	if (!e)
		e = cv_wr_uint(out, n->attempts, 2);
	if (!e)
		e = cv_wr_uint(out, n->batch, 2);
	if (!e)
		e = cv_wr_str(out, n->ref);
	if (!e)
		e = cv_wr_str(out, n->vid);
	if (!e)
		e = cv_wr_str(out, n->vin);
	if (!e)
		e = cv_wr_str(out, n->fid);
	if (!e)
		e = cv_cbattr_pack(out, n->attrs, n->nattrs, CV_NOTE_ATTRS);
	/* version 2: a remote action's type, status and label */
	if (!e)
		e = cv_wr_str(out, n->rtype);
	if (!e)
		e = cv_wr_str(out, n->rstatus);
	if (!e)
		e = cv_wr_str(out, n->rlabel);
	/* version 3: the batch's last note, the timeouts in a row */
	if (!e && version >= 3)
		e = cv_wr_uint(out, n->batch_last, 8);
	if (!e && version >= 3)
		e = cv_wr_uint(out, n->timeouts, 2);
	/* the body is the rest of the record */
	if (!e)
		e = cv_buf_add(out, n->body, n->body_len);
	return e;
}

enum cv_err cv_note_decode(const void *p, size_t len, struct cv_note *n)
{
	struct cv_rd rd = CV_RD_INIT(p, len);

	n->body = NULL;
	n->body_len = 0;
	unsigned version = (unsigned)cv_rd_uint(&rd, 1);

	n->rtype[0] = n->rstatus[0] = n->rlabel[0] = '\0';
	n->batch_last = 0;
	n->timeouts = 0;
	if (version < 1 || version > NOTE_VERSION || len - rd.off < sizeof(n->wid))
		return CV_EINVAL;
	memcpy(n->wid, rd.p + rd.off, sizeof(n->wid));
	rd.off += sizeof(n->wid);
	n->kind = (uint8_t)cv_rd_uint(&rd, 1);
	n->raised = (int64_t)cv_rd_uint(&rd, 8);
	n->queued = (int64_t)cv_rd_uint(&rd, 8);
	n->due = (int64_t)cv_rd_uint(&rd, 8);
	n->attempts = (uint16_t)cv_rd_uint(&rd, 2);
	n->batch = (uint16_t)cv_rd_uint(&rd, 2);
	cv_rd_str(&rd, n->ref, sizeof(n->ref));
	cv_rd_str(&rd, n->vid, sizeof(n->vid));
	cv_rd_str(&rd, n->vin, sizeof(n->vin));
	cv_rd_str(&rd, n->fid, sizeof(n->fid));
	cv_cbattr_unpack(&rd, n->attrs, CV_NOTE_ATTRS, &n->nattrs);
	if (version >= 2) {
		cv_rd_str(&rd, n->rtype, sizeof(n->rtype));
		cv_rd_str(&rd, n->rstatus, sizeof(n->rstatus));
		cv_rd_str(&rd, n->rlabel, sizeof(n->rlabel));
	}
	if (version >= 3) {
		n->batch_last = cv_rd_uint(&rd, 8);
		n->timeouts = (uint16_t)cv_rd_uint(&rd, 2);
	}
	if (rd.bad || (n->kind != CV_NOTE_MONITOR && n->kind != CV_NOTE_REMOTE) || len - rd.off > CV_NOTE_BODY_MAX)
		return CV_EINVAL;
	n->body_len = len - rd.off;
	n->body = cv_strndup((const char *)rd.p + rd.off, n->body_len);
	return CV_OK;
}

/*
 * The seq of the oldest (newest false) or the newest note under prefix
 * k[0..pl) (a callback's queue) into *seq, read committed under txn: no
 * lock is kept on the queue's pages, which cv_outbox_add takes for
 * writing (two uploads that each kept a read lock there would deadlock).
 * *seq is left as it is when the queue is empty.
 */
static enum cv_err queue_end(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t pl, bool newest,
			     uint64_t *seq)
{
	unsigned char found[KEY_MAX];
	DB *db = st->db[CV_DB_OUTBOX];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	int ret;

	ret = db->cursor(db, txn, &c, DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memcpy(found, k, pl);
	dk.data = found;
	dk.size = (u_int32_t)pl;
	dk.ulen = sizeof(found);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_PARTIAL;      /* the key only */
	if (newest) {
		/* the last key <= prefix . ff..ff */
		memset(found + pl, 0xff, 8);
		dk.size = (u_int32_t)(pl + 8);
		ret = cv_cursor_last_le(c, &dk, &dd, 0);
	} else {
		ret = c->get(c, &dk, &dd, DB_SET_RANGE);
	}
	if (!ret && dk.size == pl + 8 && !memcmp(found, k, pl))
		*seq = cv_be64_get(found + pl);
	c->close(c);
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

enum cv_err cv_outbox_add(struct cv_store *st, DB_TXN *txn, struct cv_note *n, uint64_t max)
{
	unsigned char k[KEY_MAX], last[KEY_MAX];
	size_t pl = prefix(k, n->owner, n->cbid);
	DB *db = st->db[CV_DB_OUTBOX];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;
	int ret;

	if (!pl || n->body_len > CV_NOTE_BODY_MAX)
		return CV_EINVAL;
	/* the callback's last seq: the last key <= prefix . ff..ff, read for update */
	memcpy(last, k, pl);
	memset(last + pl, 0xff, 8);
	dk.data = last;
	dk.size = (u_int32_t)(pl + 8);
	dk.ulen = sizeof(last);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_PARTIAL;
	ret = db->cursor(db, txn, &c, 0);
	if (!ret) {
		ret = cv_cursor_last_le(c, &dk, &dd, DB_RMW);
		c->close(c);
	}
	if (ret && ret != DB_NOTFOUND)
		return cv_store_err(ret);
	n->seq = 1;
	if (!ret && dk.size == pl + 8 && !memcmp(last, k, pl))
		n->seq = cv_be64_get(last + pl) + 1;
	if (max != CV_OUTBOX_UNBOUNDED) {
		/* the queue's length from its oldest note to its newest, which is
		 * locked now: no other transaction adds to it until this one ends */
		uint64_t first = n->seq;

		e = n->seq > 1 ? queue_end(st, txn, k, pl, false, &first) : CV_OK;
		if (e)
			return e;
		if (n->seq - first >= max)
			return CV_EQUOTA;
	}
	cv_be64_put(k + pl, n->seq);
	cv_random(n->wid, sizeof(n->wid));
	n->due = n->queued;
	n->attempts = 0;
	n->batch = 0;
	n->batch_last = 0;
	n->timeouts = 0;
	e = cv_note_encode(n, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_OUTBOX, txn, k, pl + 8, b.p, b.len, DB_NOOVERWRITE);
	if (!e)
		cv_store_touch(st, txn, CV_GEN_OUTBOX);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_outbox_update(struct cv_store *st, DB_TXN *txn, const struct cv_note *n)
{
	unsigned char k[KEY_MAX];
	size_t pl = prefix(k, n->owner, n->cbid);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!pl)
		return CV_ENOTFOUND;
	cv_be64_put(k + pl, n->seq);
	e = cv_store_exists(st, CV_DB_OUTBOX, txn, k, pl + 8);
	if (!e)
		e = cv_note_encode(n, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_OUTBOX, txn, k, pl + 8, b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_outbox_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, uint64_t seq)
{
	unsigned char k[KEY_MAX];
	size_t pl = prefix(k, owner, cbid);
	enum cv_err e;

	if (!pl)
		return CV_OK;
	cv_be64_put(k + pl, seq);
	e = cv_store_del(st, CV_DB_OUTBOX, txn, k, pl + 8);
	return e == CV_ENOTFOUND ? CV_OK : e;
}

/* Delete at most max records of database id under the callback's prefix (owner \0 cbid \0), counted into *n. */
static enum cv_err range_drop(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const char *owner, const char *cbid,
			      size_t max, size_t *n)
{
	unsigned char start[KEY_MAX];
	size_t pl = prefix(start, owner, cbid);

	return pl ? cv_store_del_prefix(st, id, txn, start, pl, NULL, NULL, max, n) : CV_OK;
}

enum cv_err cv_outbox_drop(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, size_t max,
			   size_t *n)
{
	size_t done = 0;
	enum cv_err e = range_drop(st, txn, CV_DB_OUTBOX, owner, cbid, max, &done);

	if (!e && done < max)
		e = range_drop(st, txn, CV_DB_DELIVERIES, owner, cbid, max - done, &done);
	*n += done;
	return e;
}

enum cv_err cv_outbox_waiting(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, uint64_t *n)
{
	unsigned char k[KEY_MAX];
	size_t pl = prefix(k, owner, cbid);
	uint64_t first = 0, last = 0;
	enum cv_err e;

	*n = 0;
	if (!pl)
		return CV_OK;
	e = queue_end(st, txn, k, pl, false, &first);
	if (!e && first)
		e = queue_end(st, txn, k, pl, true, &last);
	if (!e && first && last >= first)
		*n = last - first + 1;
	return e;
}

/*
 * Where a walk starts (cv_outbox_walk) into k: its length. Owner and
 * callback ids hold no byte below ' ', so owner \1 sorts past every key
 * of that owner, and owner \0 cbid \1 past every key of that callback.
 */
static size_t walk_start(unsigned char *k, const char *owner, const char *cbid, bool past)
{
	size_t ol, cl;

	if (!owner)
		return 0;
	ol = strlen(owner);
	if (ol > CV_CB_OWNER_MAX)
		ol = CV_CB_OWNER_MAX;
	memcpy(k, owner, ol);
	if (!cbid) {
		k[ol] = past ? '\1' : '\0';
		return ol + 1;
	}
	cl = strlen(cbid);
	if (cl > CV_CB_IDLEN)
		cl = CV_CB_IDLEN;
	k[ol] = '\0';
	memcpy(k + ol + 1, cbid, cl);
	k[ol + 1 + cl] = past ? '\1' : '\0';
	return ol + 1 + cl + 1;
}

enum cv_err cv_outbox_walk(struct cv_store *st, const char *owner, const char *cbid, bool past,
			   int (*fn)(struct cv_note *n, void *arg), void *arg)
{
	DB *db = st->db[CV_DB_OUTBOX];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	unsigned char k[KEY_MAX];
	uint32_t op = DB_FIRST;
	enum cv_err e = CV_OK;
	int ret;

	ret = db->cursor(db, NULL, &c, DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	dk.data = k;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_REALLOC;
	dk.size = (u_int32_t)walk_start(k, owner, cbid, past);
	if (dk.size)
		op = DB_SET_RANGE;
	for (;;) {
		struct cv_note *n;
		uint64_t seq;
		int next;

		ret = c->get(c, &dk, &dd, op);
		if (ret)
			break;
		op = DB_NEXT;
		n = cv_calloc(1, sizeof(*n));
		if (!split(k, dk.size, n->owner, n->cbid, &seq) || cv_note_decode(dd.data, dd.size, n)) {
			/* not a note cvapi wrote: skipped, never sent */
			free(n);
			continue;
		}
		n->seq = seq;
		next = fn(n, arg);
		if (next == CV_HEADS_STOP)
			break;
		if (next == CV_HEADS_SKIP) {
			/* past this callback's queue: owner \0 cbid \1 */
			size_t pl = dk.size - 8;

			k[pl - 1] = '\1';
			dk.size = (u_int32_t)pl;
			op = DB_SET_RANGE;
		} else if (next == CV_HEADS_OWNER) {
			/* past this owner's queues: owner \1 */
			size_t ol = strlen((const char *)k);

			k[ol] = '\1';
			dk.size = (u_int32_t)(ol + 1);
			op = DB_SET_RANGE;
		}
	}
	if (ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	free(dd.data);
	return e;
}

enum cv_err cv_outbox_heads(struct cv_store *st, int (*fn)(struct cv_note *n, void *arg), void *arg)
{
	return cv_outbox_walk(st, NULL, NULL, false, fn, arg);
}

enum cv_err cv_outbox_head(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, struct cv_note *n)
{
	unsigned char k[KEY_MAX], start[KEY_MAX];
	size_t pl = prefix(start, owner, cbid);
	DB *db = st->db[CV_DB_OUTBOX];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	uint64_t seq;
	enum cv_err e;
	int ret;

	memset(n, 0, sizeof(*n));
	if (!pl)
		return CV_ENOTFOUND;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	memcpy(k, start, pl);
	dk.data = k;
	dk.size = (u_int32_t)pl;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_MALLOC;
	ret = c->get(c, &dk, &dd, DB_SET_RANGE | DB_RMW);
	c->close(c);
	if (ret == DB_NOTFOUND)
		return CV_ENOTFOUND;
	if (ret)
		return cv_store_err(ret);
	if (dk.size != pl + 8 || memcmp(k, start, pl)) {
		free(dd.data);
		return CV_ENOTFOUND;
	}
	e = cv_note_decode(dd.data, dd.size, n);
	free(dd.data);
	if (e)
		return e;
	if (!split(k, dk.size, n->owner, n->cbid, &seq))
		return CV_EINVAL;
	n->seq = seq;
	return CV_OK;
}

static int count_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	(void)k;
	(void)klen;
	(void)v;
	(void)vlen;
	(*(size_t *)arg)++;
	return 0;
}

enum cv_err cv_outbox_count(struct cv_store *st, size_t *n)
{
	*n = 0;
	return cv_store_scan(st, CV_DB_OUTBOX, NULL, "", 0, count_one, n);
}

/* ---- the delivery log ------------------------------------------------------ */

#define DL_VERSION 1
#define DL_KEY_MAX (KEY_MAX + 8)

const char *const cv_dl_outcome_names[4] = { "Delivered", "Failed", "GivenUp", "Dropped" };

void cv_delivery_id(const struct cv_delivery *d, char out[CV_DL_IDLEN + 1])
{
	snprintf(out, CV_DL_IDLEN + 1, "%016llx%016llx", (unsigned long long)d->at, (unsigned long long)d->seq);
}

bool cv_delivery_id_parse(const char *id, int64_t *at, uint64_t *seq)
{
	char a[17], b[17];

	if (strlen(id) != CV_DL_IDLEN || strspn(id, "0123456789abcdef") != CV_DL_IDLEN)
		return false;
	memcpy(a, id, 16);
	a[16] = '\0';
	memcpy(b, id + 16, 16);
	b[16] = '\0';
	*at = (int64_t)strtoull(a, NULL, 16);
	*seq = strtoull(b, NULL, 16);
	return *at >= 0;
}

static size_t dl_key(unsigned char *k, const char *owner, const char *cbid, int64_t at, uint64_t seq)
{
	size_t pl = prefix(k, owner, cbid);

	if (!pl)
		return 0;
	cv_be64_put(k + pl, (uint64_t)at);
	cv_be64_put(k + pl + 8, seq);
	return pl + 16;
}

static enum cv_err dl_encode(const struct cv_delivery *d, struct cv_note *const *notes, size_t n, struct cv_buf *b)
{
	struct cv_buf one = CV_BUF_INIT(0);
	enum cv_err e = cv_wr_uint(b, DL_VERSION, 1);

	if (!e)
		e = cv_wr_str(b, d->wid);
	if (!e)
		e = cv_wr_uint(b, d->outcome, 1);
	if (!e)
		e = cv_wr_uint(b, d->attempt, 2);
	if (!e)
		e = cv_wr_uint(b, d->status, 2);
	if (!e)
		e = cv_wr_uint(b, d->latency_ms, 4);
	if (!e)
		e = cv_wr_uint(b, d->events, 4);
	if (!e)
		e = cv_wr_str(b, d->error);
	if (!e)
		e = cv_wr_uint(b, n > 0, 1);
	if (!e && n)
		e = cv_wr_varint(b, n);
	for (size_t i = 0; i < n && !e; i++) {
		cv_buf_reset(&one);
		e = cv_note_encode(notes[i], &one);
		if (!e)
			e = cv_wr_varint(b, one.len);
		if (!e)
			e = cv_buf_add(b, one.p, one.len);
	}
	cv_buf_release(&one);
	return e;
}

/* The fixed part of an entry; rd is left at its notes (count first) when d->has_notes. */
static bool dl_decode(struct cv_rd *rd, struct cv_delivery *d)
{
	if (cv_rd_uint(rd, 1) != DL_VERSION)
		return false;
	cv_rd_str(rd, d->wid, sizeof(d->wid));
	d->outcome = (uint8_t)cv_rd_uint(rd, 1);
	d->attempt = (uint16_t)cv_rd_uint(rd, 2);
	d->status = (uint16_t)cv_rd_uint(rd, 2);
	d->latency_ms = (uint32_t)cv_rd_uint(rd, 4);
	d->events = (uint32_t)cv_rd_uint(rd, 4);
	cv_rd_str(rd, d->error, sizeof(d->error));
	d->has_notes = cv_rd_uint(rd, 1) != 0;
	return !rd->bad && d->outcome <= CV_DL_DROPPED;
}

/* Delete the callback's entries older than keep_from, and (count) the oldest beyond CV_DL_KEEP. */
static enum cv_err dl_trim(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t keep_from,
			   bool count)
{
	unsigned char k[DL_KEY_MAX], start[DL_KEY_MAX];
	size_t pl = prefix(start, owner, cbid), total = 0;
	DB *db = st->db[CV_DB_DELIVERIES];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	int ret;

	/* how many there are: from the newest back (keys only) */
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	dk.data = k;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_PARTIAL;
	memcpy(k, start, pl);
	dk.size = (u_int32_t)pl;
	for (ret = count ? c->get(c, &dk, &dd, DB_SET_RANGE) : DB_NOTFOUND; !ret; ret = c->get(c, &dk, &dd, DB_NEXT)) {
		if (dk.size != pl + 16 || memcmp(k, start, pl))
			break;
		total++;
	}
	/* then from the oldest on: too old, or too many */
	memcpy(k, start, pl);
	dk.size = (u_int32_t)pl;
	for (ret = c->get(c, &dk, &dd, DB_SET_RANGE | DB_RMW); !ret; ret = c->get(c, &dk, &dd, DB_NEXT | DB_RMW)) {
		if (dk.size != pl + 16 || memcmp(k, start, pl))
			break;
		if ((int64_t)cv_be64_get(k + pl) >= keep_from && total <= CV_DL_KEEP)
			break;
		ret = c->del(c, 0);
		if (ret)
			break;
		total--;
	}
	c->close(c);
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

enum cv_err cv_delivery_add(struct cv_store *st, DB_TXN *txn, const struct cv_delivery *d, struct cv_note *const *notes,
			    size_t n)
{
	unsigned char k[DL_KEY_MAX];
	size_t kl = dl_key(k, d->owner, d->cbid, d->at, d->seq);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = dl_encode(d, notes, n, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_DELIVERIES, txn, k, kl, b.p, b.len, 0);
	cv_buf_release(&b);
	/* the old ones go at every add (the walk stops at the first young
	 * one); the count, a walk of the whole log, one add in 32 */
	if (!e) {
		unsigned char coin;

		cv_random(&coin, 1);
		e = dl_trim(st, txn, d->owner, d->cbid, d->at - CV_DL_KEEP_MS, (coin & 31) == 0);
	}
	return e;
}

enum cv_err cv_delivery_refused(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t at,
				const char *why, uint32_t events)
{
	unsigned char k[DL_KEY_MAX];
	size_t kl = dl_key(k, owner, cbid, at, 0), pl = kl - 16;
	DB *db = st->db[CV_DB_DELIVERIES];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	struct cv_delivery d;
	uint32_t before = 0;
	int ret;

	if (!kl)
		return CV_EINVAL;
	/*
	 * The log's newest entry, read for update: a refusal for the same
	 * reason (an earlier event of this instant, or of a run of them while
	 * a queue is full) is replaced by one at this instant counting both,
	 * so that a run takes one entry, not the places of the entries a
	 * redelivery needs.
	 */
	memset(k + pl, 0xff, 16);
	dk.data = k;
	dk.size = (u_int32_t)kl;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_MALLOC;
	ret = db->cursor(db, txn, &c, 0);
	if (!ret)
		ret = cv_cursor_last_le(c, &dk, &dd, DB_RMW);
	if (!ret && dk.size == kl && cv_be64_get(k + pl + 8) == 0) {
		struct cv_rd rd = CV_RD_INIT(dd.data, dd.size);
		unsigned char want[DL_KEY_MAX];

		memset(&d, 0, sizeof(d));
		if (prefix(want, owner, cbid) == pl && !memcmp(k, want, pl) && dl_decode(&rd, &d) &&
		    d.outcome == CV_DL_DROPPED && !d.has_notes && !strcmp(d.error, why)) {
			before = d.events;
			ret = c->del(c, 0);
		}
	}
	free(dd.data);
	if (c)
		c->close(c);
	if (ret && ret != DB_NOTFOUND)
		return cv_store_err(ret);
	memset(&d, 0, sizeof(d));
	cv_strlcpy(d.owner, owner, sizeof(d.owner));
	cv_strlcpy(d.cbid, cbid, sizeof(d.cbid));
	d.at = at;
	d.outcome = CV_DL_DROPPED;
	d.events = before < UINT32_MAX - events ? before + events : UINT32_MAX;
	cv_strlcpy(d.error, why, sizeof(d.error));
	return cv_delivery_add(st, txn, &d, NULL, 0);
}

/* Set up dd for the window's next entry: its whole value inside the page, nothing of it outside. */
static void in_page(DBT *dd, DBT *buf, const struct cv_window *w)
{
	if (cv_window_take(w)) {
		dd->flags = DB_DBT_REALLOC;
		dd->data = buf->data;
		dd->dlen = dd->doff = 0;
	} else {
		dd->flags = DB_DBT_PARTIAL;
		dd->data = NULL;
		dd->dlen = dd->doff = 0;
	}
}

enum cv_err cv_deliveries_of(struct cv_store *st, const char *owner, const char *cbid, size_t offset, size_t limit,
			     size_t *total, int (*fn)(const struct cv_delivery *d, void *arg), void *arg)
{
	unsigned char k[DL_KEY_MAX], start[DL_KEY_MAX];
	size_t pl = prefix(start, owner, cbid);
	DB *db = st->db[CV_DB_DELIVERIES];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 }, buf = { 0 };
	struct cv_window w = CV_WINDOW(offset, limit);
	int ret;

	*total = 0;
	if (!pl)
		return CV_OK;
	ret = db->cursor(db, NULL, &c, DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	dk.data = k;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	memcpy(k, start, pl);
	memset(k + pl, 0xff, 16);
	dk.size = (u_int32_t)(pl + 16);
	/* the values of the page's entries only (the others are counted by key) */
	for (ret = (in_page(&dd, &buf, &w), cv_cursor_last_le(c, &dk, &dd, 0)); !ret;
	     ret = (in_page(&dd, &buf, &w), c->get(c, &dk, &dd, DB_PREV))) {
		struct cv_delivery d;
		struct cv_rd rd = CV_RD_INIT(dd.data, dd.size);

		if (buf.data != dd.data && dd.flags == DB_DBT_REALLOC)
			buf.data = dd.data;
		if (dk.size != pl + 16 || memcmp(k, start, pl))
			break;
		if (cv_window_take(&w)) {
			memset(&d, 0, sizeof(d));
			cv_strlcpy(d.owner, owner, sizeof(d.owner));
			cv_strlcpy(d.cbid, cbid, sizeof(d.cbid));
			d.at = (int64_t)cv_be64_get(k + pl);
			d.seq = cv_be64_get(k + pl + 8);
			if (!dl_decode(&rd, &d))
				continue;          /* not an entry cvapi wrote */
			if (fn(&d, arg))
				cv_window_stop(&w);
		}
		cv_window_count(&w);
	}
	c->close(c);
	/* a first read that found only another callback's entry and nothing before it: never taken into buf */
	if (dd.flags == DB_DBT_REALLOC && dd.data != buf.data)
		free(dd.data);
	free(buf.data);
	*total = w.n;
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

enum cv_err cv_delivery_redeliver(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t at,
				  uint64_t seq, int64_t now, uint64_t max, size_t *queued)
{
	unsigned char k[DL_KEY_MAX];
	size_t kl = dl_key(k, owner, cbid, at, seq);
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_delivery d;
	struct cv_rd rd;
	enum cv_err e;
	uint64_t n;

	*queued = 0;
	if (!kl)
		return CV_ENOTFOUND;
	e = cv_store_get(st, CV_DB_DELIVERIES, txn, k, kl, &b);
	if (e) {
		cv_buf_release(&b);
		return e;
	}
	rd = (struct cv_rd)CV_RD_INIT(b.p, b.len);
	memset(&d, 0, sizeof(d));
	if (!dl_decode(&rd, &d) || !d.has_notes) {
		cv_buf_release(&b);
		return CV_EINVAL;
	}
	n = cv_rd_varint(&rd);
	for (uint64_t i = 0; i < n && !e && !rd.bad; i++) {
		uint64_t len = cv_rd_varint(&rd);
		struct cv_note *note;

		if (rd.bad || len > rd.len - rd.off) {
			e = CV_EINVAL;
			break;
		}
		note = cv_calloc(1, sizeof(*note));
		e = cv_note_decode(rd.p + rd.off, (size_t)len, note);
		rd.off += (size_t)len;
		if (!e) {
			cv_strlcpy(note->owner, owner, sizeof(note->owner));
			cv_strlcpy(note->cbid, cbid, sizeof(note->cbid));
			note->queued = now;
			e = cv_outbox_add(st, txn, note, max);
			if (!e)
				(*queued)++;
		}
		cv_note_clear(note);
		free(note);
	}
	cv_buf_release(&b);
	return e;
}

/* watch.c - the monitor engine's records: keys, packed forms, and their writes (see watch.h). */
#include "config.h"
#include "watch.h"
#include "quotas.h"
#include "cbattr.h"
#include "pack.h"

#include <stdlib.h>
#include <string.h>

#define WATCH_VERSION 1
#define MSTATE_VERSION 1
#define WATCH_STATUS_END 2              /* version and status: what a change of status alone changes */

static const char fleet_owner[] = "f:";

const char *cv_watch_fleet(const char *owner)
{
	size_t pl = sizeof(fleet_owner) - 1;

	return strncmp(owner, fleet_owner, pl) ? NULL : owner + pl;
}

/* ---- keys ------------------------------------------------------------- */

size_t cv_watch_scope_key(char *k, size_t ksz, char scope, const char *id)
{
	size_t il = strlen(id);

	if (!il || 1 + il + 1 > ksz)
		return 0;
	k[0] = scope;
	memcpy(k + 1, id, il + 1);
	return il + 2;
}

size_t cv_watch_key(char *k, size_t ksz, const struct cv_monitor *m)
{
	const char *fid = cv_watch_fleet(m->owner);
	size_t sl = !m->b2b ? cv_watch_scope_key(k, ksz, CV_WATCH_VEHICLE, m->vid)
		    : fid ? cv_watch_scope_key(k, ksz, CV_WATCH_FLEET, fid) : 0;
	size_t ol = strlen(m->owner), il = strlen(m->id);

	if (!sl || sl + ol + 1 + il > ksz)
		return 0;
	memcpy(k + sl, m->owner, ol + 1);
	memcpy(k + sl + ol + 1, m->id, il);
	return sl + ol + 1 + il;
}

/* The next part of a key at *p (up to a NUL, or to end if last) into out[0..outsz): false if too long. */
static bool key_part(const char **p, const char *end, bool last, char *out, size_t outsz)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	size_t l;

	if (last == (nul != NULL))
		return false;
	l = (size_t)((last ? end : nul) - *p);
	if (l >= outsz)
		return false;
	memcpy(out, *p, l);
	out[l] = '\0';
	*p += l + !last;
	return true;
}

bool cv_watch_key_parse(const void *k, size_t klen, struct cv_watch_key *out)
{
	const char *p = k, *end = p + klen;

	if (!klen || (p[0] != CV_WATCH_VEHICLE && p[0] != CV_WATCH_FLEET))
		return false;
	out->scope = *p++;
	return key_part(&p, end, false, out->scope_id, sizeof(out->scope_id)) && out->scope_id[0] &&
	       key_part(&p, end, false, out->owner, sizeof(out->owner)) &&
	       key_part(&p, end, true, out->id, sizeof(out->id));
}

size_t cv_mstate_key(unsigned char *k, const char *owner, const char *id, const unsigned char vid[CV_MSTATE_VID])
{
	size_t ol = strlen(owner), il = strlen(id);

	if (ol > CV_CB_OWNER_MAX || il > CV_MON_IDLEN)
		return 0;
	memcpy(k, vid, CV_MSTATE_VID);
	memcpy(k + CV_MSTATE_VID, owner, ol + 1);
	memcpy(k + CV_MSTATE_VID + ol + 1, id, il);
	return CV_MSTATE_VID + ol + 1 + il;
}

bool cv_mstate_key_parse(const void *k, size_t klen, char owner[CV_CB_OWNER_MAX + 1], char id[CV_MON_IDLEN + 1])
{
	const char *p = (const char *)k + CV_MSTATE_VID, *end = (const char *)k + klen;

	return klen > CV_MSTATE_VID && key_part(&p, end, false, owner, CV_CB_OWNER_MAX + 1) &&
	       key_part(&p, end, true, id, CV_MON_IDLEN + 1);
}

/* ---- values ----------------------------------------------------------- */

enum cv_err cv_watch_pack(const struct cv_monitor *m, struct cv_buf *b)
{
	enum cv_err e = cv_wr_uint(b, WATCH_VERSION, 1);

	if (!e)
		e = cv_wr_uint(b, m->status, 1);
	if (!e)
		e = cv_wr_uint(b, m->b2b, 1);
	if (!e)
		e = cv_wr_uint(b, (uint32_t)m->refresh_s, 4);
	if (!e)
		e = cv_wr_str(b, m->cbid);
	if (!e)
		e = cv_mon_pack(&m->def, b);
	/* the extras */
	if (!e)
		e = cv_wr_uint(b, m->next, 1);
	for (size_t i = 0; i < m->next && !e; i++)
		e = cv_wr_str(b, m->ext[i]);
	if (!e)
		e = cv_cbattr_pack(b, m->attrs, m->nattrs, CV_CB_ATTRS_MAX);
	if (!e)
		e = cv_cbattr_pack(b, m->cbattrs, m->ncbattrs, CV_CB_ATTRS_MAX);
	return e;
}

enum cv_err cv_watch_unpack(const void *v, size_t vlen, struct cv_watch *w)
{
	struct cv_rd rd = CV_RD_INIT(v, vlen);

	if (cv_rd_uint(&rd, 1) != WATCH_VERSION)
		return CV_EINVAL;
	w->status = (uint8_t)cv_rd_uint(&rd, 1);
	w->b2b = (uint8_t)cv_rd_uint(&rd, 1);
	w->refresh_s = (int32_t)(uint32_t)cv_rd_uint(&rd, 4);
	cv_rd_str(&rd, w->cbid, sizeof(w->cbid));
	if (rd.bad || cv_mon_unpack(&rd, &w->def))
		return CV_EINVAL;
	/* the extras stay packed until the monitor fires */
	w->extra_off = rd.off;
	w->extra_len = rd.len - rd.off;
	return CV_OK;
}

bool cv_watch_same(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && alen >= WATCH_STATUS_END &&
	       !memcmp((const char *)a + WATCH_STATUS_END, (const char *)b + WATCH_STATUS_END, alen - WATCH_STATUS_END);
}

enum cv_err cv_watch_extras(const void *p, size_t len, struct cv_monitor *m)
{
	struct cv_rd rd = CV_RD_INIT(p, len);

	m->next = (size_t)cv_rd_uint(&rd, 1);
	if (m->next > CV_MON_EXT_MAX)
		return CV_EINVAL;
	for (size_t i = 0; i < m->next; i++)
		cv_rd_str(&rd, m->ext[i], sizeof(m->ext[i]));
	cv_cbattr_unpack(&rd, m->attrs, CV_CB_ATTRS_MAX, &m->nattrs);
	cv_cbattr_unpack(&rd, m->cbattrs, CV_CB_ATTRS_MAX, &m->ncbattrs);
	return rd.bad || rd.off != rd.len ? CV_EINVAL : CV_OK;
}

static void le64_put(unsigned char *p, int64_t v)
{
	for (int j = 0; j < 8; j++)
		p[j] = (unsigned char)((uint64_t)v >> (8 * j));
}

/* version (1) truth (1) fired (8) seen (8) */
void cv_mstate_pack(const struct cv_watch *w, unsigned char v[CV_MSTATE_LEN])
{
	v[0] = MSTATE_VERSION;
	v[1] = w->truth;
	le64_put(v + 2, w->fired);
	le64_put(v + 10, w->seen);
}

void cv_mstate_unpack(const void *v, size_t vlen, struct cv_watch *w)
{
	struct cv_rd rd = CV_RD_INIT(v, vlen);

	w->truth = 0, w->fired = 0, w->seen = 0;
	if (cv_rd_uint(&rd, 1) != MSTATE_VERSION)
		return;
	w->truth = (uint8_t)cv_rd_uint(&rd, 1);
	w->fired = (int64_t)cv_rd_uint(&rd, 8);
	if (vlen >= CV_MSTATE_LEN)          /* (one of before `seen` has 10 bytes: seen 0) */
		w->seen = (int64_t)cv_rd_uint(&rd, 8);
	if (rd.bad)
		w->truth = 0, w->fired = 0, w->seen = 0;
}

/* ---- writes ----------------------------------------------------------- */

struct state_del {
	struct cv_store *st;
	DB_TXN *txn;
	const struct cv_monitor *m;
	enum cv_err e;
};

static enum cv_err state_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m, const char *vid)
{
	unsigned char vb[CV_MSTATE_VID], k[CV_MSTATE_KEY_MAX];
	size_t kl;
	enum cv_err e;

	if (strlen(vid) != CV_VID_HEXLEN)
		return CV_OK;
	cv_vid_bytes(vid, vb);
	kl = cv_mstate_key(k, m->owner, m->id, vb);
	e = kl ? cv_store_del(st, CV_DB_MSTATE, txn, k, kl) : CV_OK;
	return e == CV_ENOTFOUND ? CV_OK : e;
}

static int state_del_one(const struct cv_vehicle *v, void *arg)
{
	struct state_del *d = arg;

	d->e = state_del(d->st, d->txn, d->m, v->id);
	return d->e != CV_OK;
}

/* Delete m's states: its vehicle's, or every vehicle of its fleet's (m watched: its owner a fleet's). */
static enum cv_err states_drop(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	struct state_del d = { st, txn, m, CV_OK };
	size_t total;
	enum cv_err e;

	if (!m->b2b)
		return state_del(st, txn, m, m->vid);
	e = cv_fleet_vehicles(st, txn, cv_watch_fleet(m->owner), NULL, 0, SIZE_MAX, &total, state_del_one, &d);
	return e ? e : d.e;
}

enum cv_err cv_watch_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	char k[CV_WATCH_KEY_MAX];
	size_t kl = cv_watch_key(k, sizeof(k), m);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_watch_pack(m, &b);
	if (!e) {
		/* a monitor whose definition changed starts afresh: what the old
		 * one saw says nothing of the new (a status change keeps it) */
		struct cv_buf old = CV_BUF_INIT(0);
		enum cv_err g = cv_store_get(st, CV_DB_WATCH, txn, k, kl, &old);

		if (g && g != CV_ENOTFOUND)
			e = g;
		else if (!g && !cv_watch_same(old.p, old.len, b.p, b.len))
			e = states_drop(st, txn, m);
		cv_buf_release(&old);
	}
	if (!e)
		e = cv_store_put(st, CV_DB_WATCH, txn, k, kl, b.p, b.len, 0);
	/* the timer's index: monitors whose truth changes with time alone, and
	 * those with reminders, due while a vehicle is silent too */
	if (!e && cv_quota_timed(m))
		e = cv_store_put(st, CV_DB_TIMED, txn, k, kl, "", 0, 0);
	else if (!e && (e = cv_store_del(st, CV_DB_TIMED, txn, k, kl)) == CV_ENOTFOUND)
		e = CV_OK;
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_watch_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	char k[CV_WATCH_KEY_MAX];
	size_t kl = cv_watch_key(k, sizeof(k), m);
	enum cv_err e;

	if (!kl)
		return CV_OK;
	e = cv_store_del(st, CV_DB_WATCH, txn, k, kl);
	if (!e || e == CV_ENOTFOUND)
		e = cv_store_del(st, CV_DB_TIMED, txn, k, kl);
	if (e && e != CV_ENOTFOUND)
		return e;
	return states_drop(st, txn, m);
}

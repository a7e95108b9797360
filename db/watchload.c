/*
 * watchload.c - the monitor engine's loading: the watches of a vehicle and
 * their states, read into a struct cv_engine (cv_engine_load,
 * cv_engine_free; see engine.h).
 */
#include "config.h"
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FLEETS 64                   /* fleets of one vehicle that the engine follows */

/*
 * The watches of one upload live in an array the process keeps from one
 * upload to the next (a process serves one request at a time): a few
 * hundred of them are a few hundred KB, which malloc would otherwise map
 * and unmap, page faults included, on every upload.
 */
static struct cv_watch *pool;
static size_t pool_cap;

static struct cv_watch *watch_new(struct cv_engine *eng)
{
	if (eng->n == eng->cap) {
		eng->cap = eng->cap ? 2 * eng->cap : 16;
		pool = cv_realloc(pool, eng->cap * sizeof(*pool));
		pool_cap = eng->cap;
		eng->w = pool;
	}
	memset(&eng->w[eng->n], 0, sizeof(eng->w[0]));
	return &eng->w[eng->n];
}

struct scan {
	struct cv_engine *eng;
	const char *prefix;             /* the scope's: scope \0 */
	size_t pl;
	enum cv_err e;
};

/* One watch record of a scope's range (cv_store_scan); malformed ones are skipped. */
static int watch_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct scan *s = arg;
	struct cv_watch_key key;
	struct cv_watch *w;

	if (klen < s->pl || memcmp(k, s->prefix, s->pl))
		return 1;
	if (!cv_watch_key_parse(k, klen, &key))
		return 0;
	w = watch_new(s->eng);
	cv_strlcpy(w->owner, key.owner, sizeof(w->owner));
	cv_strlcpy(w->id, key.id, sizeof(w->id));
	if (cv_watch_unpack(v, vlen, w))
		return 0;
	/* its extras, kept packed with the others' until it fires */
	if (cv_buf_add(&s->eng->extras, (const char *)v + w->extra_off, w->extra_len)) {
		s->e = CV_ETOOBIG;
		return 1;
	}
	w->extra_off = s->eng->extras.len - w->extra_len;
	s->eng->n++;
	return 0;
}

static enum cv_err load_scope(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, char scope, const char *id)
{
	char k[CV_WATCH_KEY_MAX];
	struct scan s = { eng, k, cv_watch_scope_key(k, sizeof(k), scope, id), CV_OK };
	enum cv_err e;

	if (!s.pl)
		return CV_OK;
	e = cv_store_scan(st, CV_DB_WATCH, txn, k, s.pl, watch_one, &s);
	return e ? e : s.e;
}

static int watch_cmp(const void *a, const void *b)
{
	const struct cv_watch *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	return c ? c : strcmp(x->id, y->id);
}

struct states {
	struct cv_engine *eng;
	size_t at;                  /* the next watch to match (both in key order) */
};

/* One state of the vehicle (mstate, watch.h), matched to its watch. */
static int state_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct states *s = arg;
	struct cv_engine *eng = s->eng;
	char o[CV_CB_OWNER_MAX + 1], i[CV_MON_IDLEN + 1];

	if (klen < CV_MSTATE_VID || memcmp(k, eng->vidb, CV_MSTATE_VID))
		return 1;
	if (!cv_mstate_key_parse(k, klen, o, i))
		return 0;
	while (s->at < eng->n) {
		struct cv_watch *w = &eng->w[s->at];
		int c = strcmp(w->owner, o);

		if (!c)
			c = strcmp(w->id, i);
		if (c > 0)
			break;              /* a state without a watch (a monitor deleted meanwhile) */
		s->at++;
		if (c == 0) {
			cv_mstate_unpack(v, vlen, w);
			break;
		}
	}
	return 0;
}

/* The fleets of a vehicle (vehfleets: vid \0 fleet id). */
struct fleets {
	const char *prefix;
	size_t pl;
	char id[MAX_FLEETS][CV_LOGIN_MAX + 1];
	size_t n;
};

static int fleet_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct fleets *f = arg;

	(void)v;
	(void)vlen;
	if (klen < f->pl || memcmp(k, f->prefix, f->pl))
		return 1;
	if (klen - f->pl > CV_LOGIN_MAX || f->n == MAX_FLEETS)
		return 0;
	memcpy(f->id[f->n], (const char *)k + f->pl, klen - f->pl);
	f->id[f->n][klen - f->pl] = '\0';
	f->n++;
	return 0;
}

enum cv_err cv_engine_load(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t now, struct cv_engine *eng)
{
	char vk[CV_VID_HEXLEN + 2];
	struct fleets *f;
	enum cv_err e;

	memset(eng, 0, sizeof(*eng));
	cv_buf_init(&eng->extras, 0);
	eng->w = pool;
	eng->cap = pool_cap;
	eng->vid = vid;
	eng->now = now;
	cv_vid_bytes(vid, eng->vidb);
	e = load_scope(st, txn, eng, CV_WATCH_VEHICLE, vid);
	if (e)
		return e;
	f = cv_calloc(1, sizeof(*f));
	f->pl = strlen(vid) + 1;
	if (f->pl > sizeof(vk)) {
		free(f);
		return CV_EINVAL;
	}
	memcpy(vk, vid, f->pl);
	f->prefix = vk;
	e = cv_store_scan(st, CV_DB_VEHFLEETS, txn, vk, f->pl, fleet_one, f);
	for (size_t i = 0; i < f->n && !e; i++)
		e = load_scope(st, txn, eng, CV_WATCH_FLEET, f->id[i]);
	free(f);
	if (!e && eng->n) {
		/* their states: one range of the vehicle's, in the watches' order */
		struct states ss = { eng, 0 };

		qsort(eng->w, eng->n, sizeof(eng->w[0]), watch_cmp);
		e = cv_store_scan(st, CV_DB_MSTATE, txn, eng->vidb, CV_MSTATE_VID, state_one, &ss);
	}
	return e;
}

void cv_engine_free(struct cv_engine *eng)
{
	cv_buf_release(&eng->extras);
	free(eng->firing);
	eng->firing = NULL;
	eng->nfiring = eng->capfiring = 0;
	eng->w = NULL;              /* the pool stays for the next upload */
	eng->n = eng->cap = 0;
}

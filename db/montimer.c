/*
 * montimer.c - the monitor engine's timer: the monitors whose truth
 * changes with time alone, or with a reminder due, evaluated without an
 * upload (cv_engine_tick; see engine.h).
 */
#include "config.h"
#include "engine.h"

#include <stdlib.h>
#include <string.h>

/* One vehicle's timed monitors, stepped in one transaction. */
struct tick {
	const char *vid;
	const struct cv_watch_key *const *keys;     /* the timed monitors on this vehicle */
	size_t nkeys;
	int64_t now;
	size_t fired;
};

/* Is w one of the keys? */
static bool timed_here(const struct tick *t, const struct cv_watch *w)
{
	for (size_t i = 0; i < t->nkeys; i++)
		if (!strcmp(w->owner, t->keys[i]->owner) && !strcmp(w->id, t->keys[i]->id))
			return true;
	return false;
}

/* A vehicle's timed monitors at now, its watches loaded once (cv_txn_fn). */
static enum cv_err tick_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct tick *t = arg;
	struct cv_engine eng;
	struct cv_buf buf = CV_BUF_INIT(0);
	struct cv_status_rec rec;
	enum cv_err e;

	t->fired = 0;
	e = cv_status_get(st, txn, t->vid, &buf, &rec);
	if (e) {
		cv_buf_release(&buf);
		return e == CV_ENOTFOUND ? CV_OK : e;       /* no data yet: nothing to evaluate */
	}
	e = cv_engine_load(st, txn, t->vid, t->now, &eng);
	for (size_t i = 0; i < eng.n && !e; i++) {
		struct cv_watch *w = &eng.w[i];

		if (timed_here(t, w))
			e = cv_engine_step_watch(&eng, w, &rec.state, &rec.state, t->now);
	}
	/* only what changed is written; a turn where nothing did commits nothing */
	if (!e)
		e = cv_engine_save(st, txn, &eng);
	if (!e)
		e = cv_engine_flush(st, txn, &eng);
	t->fired = eng.fired;
	cv_engine_free(&eng);
	cv_buf_release(&buf);
	return e;
}

/* The timed monitors' keys, gathered before any transaction runs (no cursor held across writes). */
struct timed_list {
	struct cv_watch_key *key;
	size_t n, cap;
};

static int timed_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct timed_list *l = arg;

	(void)v;
	(void)vlen;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->key = cv_realloc(l->key, l->cap * sizeof(*l->key));
	}
	if (cv_watch_key_parse(k, klen, &l->key[l->n]))
		l->n++;                 /* (else not one of ours) */
	return 0;
}

/* A fleet's vehicle ids, gathered likewise. */
struct fleet_ids {
	char (*id)[CV_VID_HEXLEN + 1];
	size_t n, cap;
};

static int fleet_id_one(const struct cv_vehicle *v, void *arg)
{
	struct fleet_ids *f = arg;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->id = cv_realloc(f->id, f->cap * sizeof(*f->id));
	}
	cv_strlcpy(f->id[f->n++], v->id, sizeof(f->id[0]));
	return 0;
}

/* A (vehicle, timed monitor) pair of the turn. */
struct pair {
	char vid[CV_VID_HEXLEN + 1];
	const struct cv_watch_key *key;
};

struct pairs {
	struct pair *p;
	size_t n, cap;
};

static void pair_add(struct pairs *ps, const char *vid, const struct cv_watch_key *key)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->p = cv_realloc(ps->p, ps->cap * sizeof(*ps->p));
	}
	cv_strlcpy(ps->p[ps->n].vid, vid, sizeof(ps->p[0].vid));
	ps->p[ps->n++].key = key;
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->vid, ((const struct pair *)b)->vid);
}

/*
 * The turn: every timed monitor on each of its vehicles (a fleet's: every
 * vehicle of the fleet), grouped by vehicle, so that a vehicle's watches
 * are loaded once and its timed monitors stepped in one transaction, not
 * one transaction per monitor (1,950 timed monitors were once 1,950
 * transactions every 5 s).
 */
enum cv_err cv_engine_tick(struct cv_store *st, int64_t now, size_t *fired)
{
	struct timed_list l = { NULL, 0, 0 };
	struct pairs ps = { NULL, 0, 0 };
	const struct cv_watch_key **keys = NULL;
	enum cv_err e = cv_store_scan(st, CV_DB_TIMED, NULL, "", 0, timed_one, &l);

	*fired = 0;
	for (size_t i = 0; i < l.n && !e; i++) {
		if (l.key[i].scope == CV_WATCH_VEHICLE) {
			pair_add(&ps, l.key[i].scope_id, &l.key[i]);
		} else {
			struct fleet_ids f = { NULL, 0, 0 };
			size_t total;

			e = cv_fleet_vehicles(st, NULL, l.key[i].scope_id, NULL, 0, SIZE_MAX, &total, fleet_id_one, &f);
			for (size_t j = 0; j < f.n; j++)
				pair_add(&ps, f.id[j], &l.key[i]);
			free(f.id);
		}
	}
	if (ps.n)
		qsort(ps.p, ps.n, sizeof(*ps.p), pair_cmp);
	keys = cv_calloc(ps.n ? ps.n : 1, sizeof(*keys));
	for (size_t i = 0; i < ps.n && e != CV_EPANIC;) {
		size_t j = i;
		struct tick t = { ps.p[i].vid, keys, 0, now, 0 };

		while (j < ps.n && !strcmp(ps.p[j].vid, ps.p[i].vid))
			keys[t.nkeys++] = ps.p[j++].key;
		e = cv_store_txn(st, 0, tick_txn, &t);
		*fired += t.fired;
		i = j;
	}
	free(keys);
	free(ps.p);
	free(l.key);
	return e;
}

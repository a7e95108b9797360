/*
 * engine.c - the monitor engine's evaluation: each watch stepped through
 * the samples, its firings deferred, then queued in the outbox with the
 * event rendered (mevent.h), its state written back (see engine.h).
 */
#include "config.h"
#include "engine.h"
#include "mevent.h"
#include "outbox.h"
#include "quotas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- firing ----------------------------------------------------------- */

static size_t note_max = CV_NOTE_BODY_MAX;
static size_t firings_max = CV_ENGINE_FIRINGS_MAX;

void cv_engine_note_max(size_t max)
{
	note_max = max < CV_ENGINE_NOTE_MIN ? CV_ENGINE_NOTE_MIN : max > CV_NOTE_BODY_MAX ? CV_NOTE_BODY_MAX : max;
}

void cv_engine_firings_max(size_t max)
{
	firings_max = max ? max : CV_ENGINE_FIRINGS_MAX;
}

/* A firing whose event does not fit in a notification: logged as dropped, never queued. */
static enum cv_err drop_oversized(struct cv_store *st, DB_TXN *txn, const struct cv_engine *eng,
				  const struct cv_watch *wt)
{
	char why[CV_DL_ERROR_MAX + 1];

	fprintf(stderr, "cvapi: monitor %s/%s: its event for vehicle %s exceeds %zu bytes: dropped\n", wt->owner, wt->id,
		eng->vid, note_max);
	snprintf(why, sizeof(why), "the event exceeds %zu bytes, the most a notification may hold: not sent", note_max);
	return cv_delivery_refused(st, txn, wt->owner, wt->cbid, eng->now, why, 1);
}

/* A firing whose callback's queue is full (its owner's queuedNotifications): logged as dropped, never queued. */
static enum cv_err drop_full(struct cv_store *st, DB_TXN *txn, const struct cv_engine *eng, const struct cv_watch *wt)
{
	char why[CV_DL_ERROR_MAX + 1];

	snprintf(why, sizeof(why), "the callback's queue holds %llu notifications, its quota (queuedNotifications): "
		 "not queued", (unsigned long long)eng->qmax);
	return cv_delivery_refused(st, txn, wt->owner, wt->cbid, eng->now, why, 1);
}

/* Is the queue of wt's callback full? Its owner's quota read once for the owner's firings in a row. */
static enum cv_err queue_full(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_watch *wt,
			      bool *full)
{
	uint64_t waiting;
	enum cv_err e = CV_OK;

	if (strcmp(eng->qowner, wt->owner)) {
		int64_t lim[CV_Q_COUNT];

		/* read committed: a lock kept on the quota's page until the
		 * upload commits would only hold up its writers */
		e = cv_limits_get(st, NULL, wt->owner, lim);
		if (e == CV_EINVAL) {
			/* a record cvapi did not write: the defaults, and the upload goes on */
			fprintf(stderr, "cvapi: the quotas of %s are unreadable: the defaults hold\n", wt->owner);
			e = CV_OK;
		}
		if (e)
			return e;
		cv_strlcpy(eng->qowner, wt->owner, sizeof(eng->qowner));
		eng->qmax = (uint64_t)lim[CV_Q_QUEUE];
	}
	e = cv_outbox_waiting(st, txn, wt->owner, wt->cbid, &waiting);
	*full = !e && waiting >= eng->qmax;
	return e;
}

/* The note of a firing at `at` (but its body): for the monitor's callback, with its attributes. */
static void note_of(struct cv_note *n, const struct cv_engine *eng, const struct cv_watch *wt, const char *fleet,
		    const struct cv_monitor *m, int64_t at)
{
	cv_strlcpy(n->owner, wt->owner, sizeof(n->owner));
	cv_strlcpy(n->cbid, wt->cbid, sizeof(n->cbid));
	n->kind = CV_NOTE_MONITOR;
	n->raised = at;
	n->queued = eng->now;
	cv_strlcpy(n->ref, wt->id, sizeof(n->ref));
	cv_strlcpy(n->vid, eng->vid, sizeof(n->vid));
	cv_strlcpy(n->vin, eng->veh.vin, sizeof(n->vin));
	if (fleet)
		cv_strlcpy(n->fid, fleet, sizeof(n->fid));
	/* the monitor's attributes, then those it adds to its callback's webhook */
	for (size_t i = 0; i < m->nattrs && n->nattrs < CV_NOTE_ATTRS; i++)
		n->attrs[n->nattrs++] = m->attrs[i];
	for (size_t i = 0; i < m->ncbattrs && n->nattrs < CV_NOTE_ATTRS; i++)
		n->attrs[n->nattrs++] = m->cbattrs[i];
}

/* A firing: its event rendered and queued in the outbox. */
static enum cv_err fire(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_firing *f)
{
	const struct cv_watch *wt = &eng->w[f->watch];
	const char *fleet = wt->b2b ? cv_watch_fleet(wt->owner) : NULL;
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_note *n = cv_calloc(1, sizeof(*n));
	struct cv_buf b = CV_BUF_INIT(note_max);
	struct cv_jw w;
	bool full = false;
	enum cv_err e = CV_OK;

	if (cv_watch_extras(eng->extras.p + wt->extra_off, wt->extra_len, m) || (wt->b2b && !fleet)) {
		/* a watch record cvapi did not write: it fires nothing, and the upload goes on */
		fprintf(stderr, "cvapi: monitor %s/%s: its watch record is malformed: not fired\n", wt->owner, wt->id);
		goto out;
	}
	if (!eng->have_veh) {
		e = cv_vehicle_get(st, txn, eng->vid, &eng->veh);
		eng->have_veh = !e;
	}
	if (!e)
		e = queue_full(st, txn, eng, wt, &full);
	if (!e && full)
		e = drop_full(st, txn, eng, wt);
	if (e || full)
		goto out;
	cv_jw_init(&w, &b);
	e = cv_mevent_render(st, txn, &(struct cv_mevent){
		.b2b = wt->b2b, .monitor = wt->id, .fleet = fleet,
		.vid = eng->vid, .vidb = eng->vidb, .vin = eng->veh.vin, .at = f->at,
		.def = &wt->def, .before = &f->before, .after = &f->after,
		.ext = m->ext, .next = m->next, .refresh = f->refresh }, &w);
	if (!e && w.err == CV_ETOOBIG) {
		/* more than a notification may hold: dropped, and the upload goes on */
		e = drop_oversized(st, txn, eng, wt);
		goto out;
	}
	if (!e)
		e = w.err;
	if (e)
		goto out;
	note_of(n, eng, wt, fleet, m, f->at);
	n->body = b.p;
	n->body_len = b.len;
	e = cv_outbox_add(st, txn, n, eng->qmax);
	n->body = NULL;
	if (e == CV_EQUOTA)
		e = drop_full(st, txn, eng, wt);
	else if (!e)
		eng->fired++;
out:
	cv_buf_release(&b);
	free(n);
	free(m);
	return e;
}

/*
 * A firing, queued by cv_engine_flush once the batch's events and trips are
 * stored; past CV_ENGINE_FIRINGS_MAX for the watch in this batch, counted
 * to be logged as dropped instead.
 */
static enum cv_err defer(struct cv_engine *eng, struct cv_watch *w, const struct cv_state *before,
			 const struct cv_state *after, int64_t at, bool refresh)
{
	struct cv_firing *f;

	if (w->deferred >= firings_max) {
		w->capped++;
		return CV_OK;
	}
	w->deferred++;

	if (eng->nfiring == eng->capfiring) {
		eng->capfiring = eng->capfiring ? 2 * eng->capfiring : 8;
		eng->firing = cv_realloc(eng->firing, eng->capfiring * sizeof(*eng->firing));
	}
	f = &eng->firing[eng->nfiring++];
	f->watch = (size_t)(w - eng->w);
	f->before = *before;
	f->after = *after;
	f->at = at;
	f->refresh = refresh;
	return CV_OK;
}

enum cv_err cv_engine_flush(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->nfiring && !e; i++)
		e = fire(st, txn, eng, &eng->firing[i]);
	eng->nfiring = 0;
	/* the firings past a watch's share of the batch: one entry for each callback */
	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		char why[CV_DL_ERROR_MAX + 1];

		if (!w->capped)
			continue;
		snprintf(why, sizeof(why), "the monitor fired more than %zu times in one upload: the rest not sent",
			 firings_max);
		e = cv_delivery_refused(st, txn, w->owner, w->cbid, eng->now, why, w->capped);
		w->capped = 0;
	}
	return e;
}

/* ---- evaluation ------------------------------------------------------- */

enum cv_err cv_engine_step_watch(struct cv_engine *eng, struct cv_watch *w, const struct cv_state *before,
				 const struct cv_state *after, int64_t at)
{
	enum cv_err e = CV_OK;
	bool truth;

	/* in time order only: a sample older than what the monitor has seen
	 * (a late one, or one before the timer's last turn) is stored but not
	 * evaluated, so that it cannot take the monitor back in time */
	if (w->status != CV_CB_RUNNING || at < w->seen)
		return CV_OK;
	/* written with the state when the truth or a firing changes it: what a
	 * later, older sample must not undo. A vehicle's clock may run ahead
	 * of the server's (by 5 minutes at most): kept at the server's now, so
	 * that the timer's turns are not held back */
	w->seen = at < eng->now ? at : eng->now;
	truth = cv_mon_eval(&w->def, before, after, at);
	if (truth && !w->truth) {
		e = defer(eng, w, before, after, at, false);
		w->fired = at;
		w->dirty = true;
	} else if (truth && w->refresh_s > 0 && at - w->fired >= (int64_t)w->refresh_s * 1000) {
		e = defer(eng, w, before, after, at, true);
		w->fired = at;
		w->dirty = true;
	}
	if (truth != (w->truth != 0)) {
		w->truth = truth;
		w->dirty = true;
	}
	return e;
}

enum cv_err cv_engine_step(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_state *before,
			   const struct cv_state *after, int64_t at)
{
	enum cv_err e = CV_OK;

	(void)st;
	(void)txn;

	for (size_t i = 0; i < eng->n && !e; i++)
		e = cv_engine_step_watch(eng, &eng->w[i], before, after, at);
	return e;
}

enum cv_err cv_engine_save(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		unsigned char k[CV_MSTATE_KEY_MAX], v[CV_MSTATE_LEN];
		size_t kl;

		if (!w->dirty)
			continue;
		kl = cv_mstate_key(k, w->owner, w->id, eng->vidb);
		cv_mstate_pack(w, v);
		e = cv_store_put(st, CV_DB_MSTATE, txn, k, kl, v, sizeof(v), 0);
		w->dirty = false;
	}
	return e;
}

/* ingest.c - a vehicle's batch, stored in one transaction (see ingest.h). */
#include "config.h"
#include "ingest.h"
#include "trips.h"
#include "charges.h"
#include "engine.h"
#include "vlink.h"
#include "motion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Where the events of s happened: its own position, or the last one known
 * before it (the state as merged so far).
 */
static void place_events(struct cv_sample *s, const struct cv_state *state)
{
	const struct cv_sample *where = CV_HAS(s, CV_G_POS) ? s : cv_state_has_position(state) ? &state->v : NULL;

	for (int j = 0; j < s->nevents; j++) {
		struct cv_event *ev = &s->events[j];

		ev->has_pos = where != NULL;
		if (where) {
			ev->lat_e7 = where->lat_e7;
			ev->lon_e7 = where->lon_e7;
			ev->alt_m = where->alt_m;
		}
	}
}

/*
 * Each sample's message id (cv_ingest.sample_ids): the known ones left
 * out, CV_EEXIST when none is left. A try after a deadlock finds the
 * same ones known (what it wrote was undone), so compacting in place is
 * safe.
 */
static enum cv_err sample_ids_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], struct cv_ingest *b)
{
	char id[CV_MSGID_MAX + 32];
	size_t kept = 0;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < b->n && !e; i++) {
		snprintf(id, sizeof(id), "%s:%lld", b->msgid, (long long)b->samples[i].at);
		e = cv_msgid_put(st, txn, vid, id, b->now);
		if (e == CV_EEXIST) {
			e = CV_OK;
			continue;
		}
		if (kept != i)
			b->samples[kept] = b->samples[i];
		kept++;
	}
	if (e)
		return e;
	b->n = kept;
	return kept ? CV_OK : CV_EEXIST;
}

/* One try of the transaction (cv_txn_fn); CV_EEXIST: the batch is known. */
static enum cv_err batch_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct cv_ingest *b = arg;
	unsigned char vid[16];
	struct cv_buf buf = CV_BUF_INIT(0);
	struct cv_status_rec rec;
	struct cv_engine eng = { 0 };
	struct cv_state *before = cv_malloc(sizeof(*before));
	enum cv_err e;

	cv_vid_bytes(b->vehicle, vid);
	e = b->sample_ids ? sample_ids_put(st, txn, vid, b) : cv_msgid_put(st, txn, vid, b->msgid, b->now);
	if (!e) {
		/* the status record is read under the transaction: the put's write lock serialises batches */
		e = cv_status_get(st, txn, b->vehicle, &buf, &rec);
		if (e == CV_ENOTFOUND) {
			memset(&rec, 0, sizeof(rec));
			e = CV_OK;
		}
	}
	if (!e)
		e = cv_engine_load(st, txn, b->vehicle, b->now, &eng);
	for (size_t i = 0; i < b->n && !e; i++) {
		struct cv_sample *s = &b->samples[i];

		/* the state before s: its history, trips and monitors see the ignition set here */
		if (b->device)
			cv_motion_ignition(&rec.state, s);
		place_events(s, &rec.state);
		for (int j = 0; j < s->nevents && !e; j++)
			if (s->events[j].kind == CV_EV_ALERT)
				e = cv_alert_apply(st, txn, vid, s->at, &s->events[j], b->now);
			else if (s->events[j].kind == CV_EV_THEFT)
				e = cv_theft_apply(st, txn, vid, s->at, &s->events[j], b->now);
		if (eng.n) {
			/* the monitors see each sample's effect on the state */
			*before = rec.state;
			cv_state_merge(&rec.state, s, b->now);
			if (!e)
				e = cv_engine_step(st, txn, &eng, before, &rec.state, s->at);
		} else {
			cv_state_merge(&rec.state, s, b->now);
		}
	}
	if (!e)
		e = cv_engine_save(st, txn, &eng);
	if (!e)
		e = cv_history_put(st, txn, vid, b->samples, b->n);
	/* trips read the samples just written: after them, same transaction */
	if (!e)
		e = cv_trips_ingest(st, txn, vid, b->samples, b->n, NULL);
	if (!e)
		e = cv_charges_ingest(st, txn, vid, b->samples, b->n);
	/* the firings, rendered once the batch's events and trips are in */
	if (!e)
		e = cv_engine_flush(st, txn, &eng);
	b->fired = eng.fired;
	if (!e)
		e = cv_status_put(st, txn, b->vehicle, &rec.state);
	/* heard from: awake (remote actions need no wake-up) unless it says it goes to sleep */
	if (!e)
		e = cv_vlink_touch(st, txn, vid, b->now, b->sleeping);
	cv_engine_free(&eng);
	free(before);
	cv_buf_release(&buf);
	return e;
}

enum cv_err cv_ingest_batch(struct cv_store *st, struct cv_ingest *b)
{
	enum cv_err e = cv_store_txn(st, 0, batch_txn, b);

	b->duplicate = e == CV_EEXIST;
	return b->duplicate ? CV_OK : e;
}

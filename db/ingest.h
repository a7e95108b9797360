/*
 * ingest.h - a vehicle's batch of samples, stored in one transaction: the
 * write side of the vehicle link, with no HTTP in it (cgi/ingest.c parses
 * and answers; this stores).
 *
 * What one batch does, all or nothing: the message id (a batch sent again
 * is acknowledged and not stored twice), every sample in the history with
 * its events placed where the vehicle was, alert events opening and
 * closing alert occurrences and theft periods, the trips folded in
 * (db/trips.h, reading back the history for late samples), and the status
 * snapshot with its rendered fragments, and the vehicle's monitors
 * evaluated on every sample, their firings queued for delivery (engine.h).
 * The transaction is durable: when
 * cv_ingest_batch returns CV_OK, the log is on disk.
 */
#ifndef CV_INGEST_H
#define CV_INGEST_H

#include "model.h"

struct cv_ingest {
	/* in */
	const char *vehicle;        /* the vehicle id (hex) */
	const char *msgid;          /* the batch's message id */
	struct cv_sample *samples;  /* in time order; their events get placed (has_pos, position) */
	size_t n;
	int64_t now;                /* when it was received (ms) */
	bool sleeping;              /* the vehicle goes to sleep after this batch (vlink.h) */
	bool device;                /* a tracking device's report (devices.h): a sample without an
				     * ignition gets the one its movement shows, an ignition on after
				     * a Stop becomes StartUp (core/motion.h), before anything reads it */
	bool sample_ids;            /* msgid is a prefix, and each sample a message of its own,
				     * "msgid:at" (ms): a sample known already is left out (samples
				     * and n are compacted in place), and the batch is a duplicate
				     * only when every sample was known. A tracker's records: one
				     * sent again is stored once, whatever packet carries it */
	/* out */
	bool duplicate;             /* the message id was stored already: nothing written */
	size_t fired;               /* notifications queued */
};

/*
 * Store the batch b (cv_store_txn: retried on deadlock). CV_OK with
 * b->duplicate set when the message id was known: acknowledged, not
 * stored again.
 */
enum cv_err cv_ingest_batch(struct cv_store *st, struct cv_ingest *b);

#endif

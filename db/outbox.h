/*
 * outbox.h - notifications waiting for delivery: the durable queue between
 * the transactions that raise events (an upload firing a monitor, a remote
 * action changing state) and cvnotify, which delivers them.
 *
 * A notification is written in the transaction that raised it, so a crash
 * can neither lose one that was committed nor leave one for data that was
 * not. Each callback's notifications are one key range (owner \0 callback
 * id \0 seq), in the order they were raised: cvnotify sends them in that
 * order and deletes them once delivered (or given up). A commit that
 * queued one bumps the generation slot CV_GEN_OUTBOX (gen.h), which is
 * what wakes cvnotify.
 *
 * The record holds the event itself (JSON, rendered when it was raised:
 * what the vehicle's data was then), what the $variables of attributes
 * stand for, the attributes the monitor added to its callback's, and the
 * delivery state (attempts made, when the next is due, the batch its
 * first attempt carried, the attempts in a row that timed out): every
 * part of a delivery lives in the store, so any cvnotify can take over.
 * The head note of a callback's queue holds that state for the batch it
 * starts.
 */
#ifndef CV_OUTBOX_H
#define CV_OUTBOX_H

#include "model.h"

enum cv_note_kind { CV_NOTE_MONITOR = 1, CV_NOTE_REMOTE = 2 };

#define CV_NOTE_WIDLEN 16                       /* bytes of a webhook id */
#define CV_NOTE_BODY_MAX (128u * 1024)       /* half a bulk read (cv_store_scan) */
#define CV_NOTE_ATTRS (2 * CV_CB_ATTRS_MAX)

struct cv_note {
	/* the callback, and the place in its queue (set by cv_outbox_add) */
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	uint64_t seq;
	unsigned char wid[CV_NOTE_WIDLEN];          /* webhook-id: the same on every attempt */
	uint8_t kind;                               /* enum cv_note_kind */
	int64_t raised;                             /* when the event happened (ms) */
	int64_t queued;                             /* when it was queued (ms): kept 3 days at most */
	int64_t due;                                /* the next attempt is not before (ms) */
	uint16_t attempts;                          /* made so far */
	uint16_t batch;                             /* notes its first attempt carried (0: none yet):
						       a retry carries the same, under the same webhook-id */
	uint64_t batch_last;                        /* the seq of the batch's last note (0: not recorded,
						       as before version 3: `batch` notes from this one) */
	uint16_t timeouts;                          /* attempts in a row of the callback that got no
						       answer in time (carried to the next batch) */
	/* what $variables stand for */
	char ref[CV_MON_IDLEN + 1];                 /* the monitor (or remote action) */
	char vid[CV_VID_HEXLEN + 1];
	char vin[CV_VIN_MAX + 1];
	char fid[CV_LOGIN_MAX + 1];                 /* B2B: the fleet; "" on B2C */
	char rtype[32];                             /* a remote action's type, status, label; "" */
	char rstatus[24];
	char rlabel[CV_REMOTE_LABEL_MAX + 1];
	/* the monitor's own attributes (Header, Query, Body) and those it adds to the webhook, as given */
	struct cv_cb_attr attrs[CV_NOTE_ATTRS];
	size_t nattrs;
	/* the event: B2C monitorEvent or remoteEvent, B2B MonitorEvent or RemoteEvent (webhook templates) */
	char *body;                                 /* owned (cv_note_clear) */
	size_t body_len;
};

/* Free what n owns. */
void cv_note_clear(struct cv_note *n);

/*
 * Queue n for its callback (owner, cbid) under txn, n->queued set: n->seq
 * becomes the callback's next, n->wid a fresh random id, n->due
 * n->queued. Bumps CV_GEN_OUTBOX at commit. A queue that holds max notes
 * already takes none: CV_EQUOTA (the owner's queuedNotifications,
 * quotas.h), nothing written; CV_OUTBOX_UNBOUNDED: no bound.
 */
#define CV_OUTBOX_UNBOUNDED UINT64_MAX
enum cv_err cv_outbox_add(struct cv_store *st, DB_TXN *txn, struct cv_note *n, uint64_t max);
/*
 * How many notes wait in callback (owner, cbid)'s queue, under txn (NULL:
 * read committed): from its oldest to its newest seq, two lookups whatever
 * its length (notes leave a queue from its head, so the range has no
 * holes; were there one, the count would be high, never low).
 */
enum cv_err cv_outbox_waiting(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, uint64_t *n);

/*
 * Walk the queues, read committed (no transaction): notes in key order, a
 * callback's in the order they were raised, each given to fn, which owns
 * it (cv_note_clear, free) and says what next: CV_HEADS_NEXT the next note,
 * CV_HEADS_SKIP the first note of the next callback (one seek: a long
 * queue costs no more than a short one), CV_HEADS_OWNER the first note of
 * the next owner (one seek too), CV_HEADS_STOP the end.
 */
enum { CV_HEADS_NEXT, CV_HEADS_SKIP, CV_HEADS_OWNER, CV_HEADS_STOP };
enum cv_err cv_outbox_heads(struct cv_store *st, int (*fn)(struct cv_note *n, void *arg), void *arg);
/*
 * The same walk from a place: owner NULL, the first queue; else owner's
 * first queue (cbid NULL) or callback (owner, cbid)'s; with `past`, the
 * first queue after that owner's (cbid NULL) or after that callback's. It
 * goes on to the end of the outbox, across owners, until fn stops it: a
 * walk that must wrap around starts again from the beginning.
 */
enum cv_err cv_outbox_walk(struct cv_store *st, const char *owner, const char *cbid, bool past,
			   int (*fn)(struct cv_note *n, void *arg), void *arg);
/* The first note of callback (owner, cbid) under txn, read for update; CV_ENOTFOUND when its queue is empty. */
enum cv_err cv_outbox_head(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, struct cv_note *n);

/* Rewrite n's delivery state (attempts, due, batch, timeouts) under txn; CV_ENOTFOUND if it is gone. */
enum cv_err cv_outbox_update(struct cv_store *st, DB_TXN *txn, const struct cv_note *n);
/* Delete note seq of callback (owner, cbid) under txn (absent: CV_OK). */
enum cv_err cv_outbox_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, uint64_t seq);
/*
 * Delete under txn at most max records of callback (owner, cbid)'s notes,
 * then of its delivery log (a callback deleted: sweep.h), adding how many
 * to *n; fewer than max: none is left.
 */
enum cv_err cv_outbox_drop(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, size_t max,
			   size_t *n);
/* How many notes wait, in all (a full scan: for tests and cvctl). */
enum cv_err cv_outbox_count(struct cv_store *st, size_t *n);

/*
 * The delivery log: one entry per attempt, kept 3 days and at most
 * CV_DL_KEEP per callback (the oldest go first). The entry that ends a
 * batch's life (delivered, given up, dropped) keeps the notes it carried,
 * so that they can be sent again on request (cv_delivery_redeliver).
 */
#define CV_DL_KEEP 1000
#define CV_DL_KEEP_MS (3LL * 86400 * 1000)
#define CV_DL_IDLEN 32                          /* hex of at (8) . seq (8) */
#define CV_DL_ERROR_MAX 160

enum cv_dl_outcome { CV_DL_DELIVERED, CV_DL_FAILED, CV_DL_GIVEN_UP, CV_DL_DROPPED };
extern const char *const cv_dl_outcome_names[4];

struct cv_delivery {
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	int64_t at;                                 /* when the attempt ended (ms) */
	uint64_t seq;                               /* the batch's first note */
	char wid[4 + 2 * CV_NOTE_WIDLEN + 1];       /* webhook-id */
	uint8_t outcome;                            /* enum cv_dl_outcome */
	uint16_t attempt;                           /* 1 for the first */
	uint16_t status;                            /* HTTP status; 0: no answer */
	uint32_t latency_ms;
	uint32_t events;                            /* notes carried */
	char error[CV_DL_ERROR_MAX + 1];            /* why it failed; "" */
	bool has_notes;                             /* the notes are kept (final outcomes) */
};

/* The id of d in the API (CV_DL_IDLEN hex digits), and back (false if malformed). */
void cv_delivery_id(const struct cv_delivery *d, char out[CV_DL_IDLEN + 1]);
bool cv_delivery_id_parse(const char *id, int64_t *at, uint64_t *seq);

/*
 * Log d under txn, with notes[0..n) when n > 0 (a final outcome); then
 * trim the callback's log to CV_DL_KEEP_MS and CV_DL_KEEP entries.
 */
enum cv_err cv_delivery_add(struct cv_store *st, DB_TXN *txn, const struct cv_delivery *d, struct cv_note *const *notes,
			    size_t n);
/*
 * Log under txn `events` events of callback (owner, cbid) never queued,
 * because a notification cannot hold it (cv_engine_note_max, engine.h):
 * an entry Dropped at `at` (seq 0, which no queued note has), with no
 * webhook-id and no notes, `why` its error. When the log's newest entry
 * is such a refusal for the same reason (another event of the instant, or
 * a run of them: a full queue), it is replaced by this one, its `events`
 * counting both: a run takes one entry of the CV_DL_KEEP.
 */
enum cv_err cv_delivery_refused(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t at,
				const char *why, uint32_t events);
/* A callback's log, newest first: counted into *total, fn for ranks [offset, offset + limit). */
enum cv_err cv_deliveries_of(struct cv_store *st, const char *owner, const char *cbid, size_t offset, size_t limit,
			     size_t *total, int (*fn)(const struct cv_delivery *d, void *arg), void *arg);
/*
 * Queue again, under txn, the notes that entry (at, seq) of callback
 * (owner, cbid) kept, as new notes (new webhook-ids) raised now.
 * CV_ENOTFOUND: no such entry; CV_EINVAL: it kept no notes (an attempt
 * that was retried); CV_EQUOTA: they would take the queue past max notes,
 * and the caller aborts txn. *queued: how many.
 */
enum cv_err cv_delivery_redeliver(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, int64_t at,
				  uint64_t seq, int64_t now, uint64_t max, size_t *queued);

/* Packed form (tests). */
enum cv_err cv_note_encode(const struct cv_note *n, struct cv_buf *out);
enum cv_err cv_note_decode(const void *p, size_t len, struct cv_note *n);

#endif

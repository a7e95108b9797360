/*
 * cvnotify.c - cvnotify: delivers the outbox (db/outbox.h) to the
 * callbacks' webhooks.
 *
 *   cvnotify [--allow RANGES] [--timeout SECONDS] [--flights N]
 *
 * The store is $CVAPI_HOME, as for the FastCGI programs. One thread does
 * all the work, with one libcurl multi handle: up to N requests in flight,
 * at most one per callback, so that each callback's notifications arrive
 * in the order they were raised. A turn of its loop:
 *
 *   1. The timer's jobs that are due (below).
 *   2. Walk the queues (one seek per callback) when the outbox's
 *      generation slot moved (a commit queued something), when a retry or
 *      a batch window comes due, and on every beat (once a second). For
 *      each callback not in flight: a Paused one has its notes dropped; a
 *      head not yet due waits; otherwise its batch (the notes its first
 *      attempt carried, or up to batchNotify.size, waiting up to
 *      timeWindow for a full one) is sent.
 *   3. Drive the transfers. Each finished one is judged once (judge.h:
 *      delivered, tried again at a given time, or given up, and why), and
 *      the verdicts are applied all in one transaction: a delivery deletes
 *      the notes (and ends a Failed status); a failed attempt sets the
 *      next one; a batch given up is deleted and its callback marked
 *      Failed. The lines on stderr say the same verdicts.
 *   4. The store's housekeeping (cv_store_maintain).
 * Then it sleeps in curl_multi_poll until a transfer needs it, the next
 * due thing (a retry, a batch window, the beat, the timer), or a wake-up.
 *
 * A flight (one request) is FREE, SENDING or ANSWERED (its transfer ended,
 * its verdict waiting for the transaction), and moves FREE -> SENDING ->
 * ANSWERED -> FREE (SENDING -> FREE when cvnotify stops) in flight_to()
 * alone, which does what entering each state means.
 *
 * The wake-up: a second thread, the waker, only waits on the outbox's
 * generation slot (cv_gen_wait: a futex on the shared counter, which
 * cv_gen_bump wakes; gen.h) and, when it moves, ends the loop's sleep
 * (curl_multi_wakeup). Nothing is polled: at rest cvnotify wakes once a
 * second, for the beat, and a commit that queued a note wakes it at once,
 * whether requests are in flight or not.
 *
 * The timer: every 5 s, the monitors with a time trigger are evaluated at
 * the current time against their vehicles' last known state
 * (cv_engine_tick), since a window opens and closes without any upload;
 * what fires goes through the outbox like the rest. On every beat, the
 * remote actions whose vehicle did not answer in time are failed with
 * VehicleConnectionTimeout (cv_remote_tick), their events queued likewise.
 * Both are paced on the monotonic clock: a wall clock set back an hour
 * would otherwise stall them for that hour.
 *
 * The watchdog: a turn's store work that outlives CVAPI_NOTIFY_WATCHDOG
 * ends the process (SIGALRM's default action, which no wait inside
 * Berkeley DB can ignore), as the programs' watchdog does. Stuck on a
 * mutex of a process that died (failchk can hang there), cvnotify can only
 * be replaced: its supervisor starts it again, and that open recovers the
 * store. The sleep, waiting for the network, is outside it. A store that
 * needs recovery (CV_EPANIC) ends the process at once (leave_on_panic).
 *
 * Delivery is at least once: a cvnotify killed after a 2xx and before its
 * commit sends those notes again, with the same webhook-id. All delivery
 * state is in the store; nothing is kept here that a restart would miss.
 * The addresses a webhook may reach are checked on the address connected
 * to (netguard.h): --allow (or $CVAPI_NOTIFY_ALLOW) names what the guard
 * lets through besides public addresses.
 */
#include "config.h"
#include "store.h"
#include "model.h"
#include "outbox.h"
#include "actions.h"
#include "webhook.h"
#include "netguard.h"
#include "judge.h"
#include "engine.h"
#include "cvtime.h"
#include "settings.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define PROG "cvnotify"
#define BATCH_MAX 1000                  /* notes in one request (batchNotify.size's bound) */
#define BEAT_MS 1000                    /* a walk, the remote actions' timeouts, at least this often */
#define TICK_MS 5000                    /* the timer: time-triggered monitors evaluated this often */
#define DROP_MAX 256                    /* notes of paused callbacks dropped per walk */
#define RESULTS_MAX 1024                /* finished transfers applied in one transaction */
#define WATCHDOG_S 30                   /* store work of one turn, at most (CVAPI_NOTIFY_WATCHDOG) */

enum flight_state {
	FL_FREE,                            /* no request */
	FL_SENDING,                         /* its transfer is in the multi handle */
	FL_ANSWERED,                        /* the transfer ended, judged: waiting for the results' transaction */
};
static const char *const flight_state_names[] = { "FREE", "SENDING", "ANSWERED" };

struct flight {
	enum flight_state state;
	CURL *h;
	struct curl_slist *hl;
	struct cv_callback cb;
	struct cv_note **notes;
	size_t n;
	struct cv_wh_request rq;
	int64_t started;                    /* cv_mono_ms() */
	bool refused;                       /* the guard refused an address */
	char err[CURL_ERROR_SIZE];
	/* ANSWERED */
	long status;                        /* the HTTP status; 0: none */
	uint32_t latency_ms;
	struct cv_verdict verdict;
};

/* The command line and the environment. */
static struct {
	const char *home, *allow;
	long timeout_s;
	size_t flights;
	unsigned watchdog;
} opt = { .timeout_s = 10, .flights = 64, .watchdog = WATCHDOG_S };

static struct cv_store st;
static struct cv_netguard guard;
static CURLM *multi;
static struct flight *flights;          /* opt.flights of them */
static size_t busy;                     /* flights not FREE */
static volatile sig_atomic_t stop;
/* the pace of the loop */
static uint64_t seen;                   /* the outbox's generation at the last walk */
static int64_t next_walk;               /* wall clock: the first retry or batch window due */
static int64_t next_beat, next_tick;    /* cv_mono_ms() */

/*
 * The store must be recovered (CV_EPANIC): leave at once with
 * CV_EXIT_RECOVER, for the supervisor's restart to recover it (_exit: what
 * Berkeley DB holds in a failed environment is not ours to free).
 * Otherwise e.
 */
static enum cv_err leave_on_panic(enum cv_err e)
{
	if (e == CV_EPANIC)
		_exit(CV_EXIT_RECOVER);
	return e;
}

static void note_free(struct cv_note *n)
{
	cv_note_clear(n);
	free(n);
}

/* ---- flights ---------------------------------------------------------------- */

/*
 * The one place a flight changes state, with what entering each state
 * does: SENDING starts the transfer, ANSWERED takes it out of the multi
 * handle, FREE releases all the flight held. Any other move is a bug.
 */
static void flight_to(struct flight *f, enum flight_state to)
{
	static const bool legal[3][3] = {
		[FL_FREE] = { [FL_SENDING] = true },
		[FL_SENDING] = { [FL_ANSWERED] = true, [FL_FREE] = true },
		[FL_ANSWERED] = { [FL_FREE] = true },
	};

	if (!legal[f->state][to])
		cv_die(PROG ": a flight cannot go from %s to %s", flight_state_names[f->state], flight_state_names[to]);
	switch (to) {
	case FL_SENDING:
		f->started = cv_mono_ms();
		curl_multi_add_handle(multi, f->h);
		busy++;
		break;
	case FL_ANSWERED:
		f->latency_ms = (uint32_t)(cv_mono_ms() - f->started);
		curl_multi_remove_handle(multi, f->h);
		break;
	case FL_FREE:
		if (f->state == FL_SENDING)
			curl_multi_remove_handle(multi, f->h);
		curl_easy_cleanup(f->h);
		curl_slist_free_all(f->hl);
		cv_wh_free(&f->rq);
		for (size_t i = 0; i < f->n; i++)
			note_free(f->notes[i]);
		free(f->notes);
		memset(f, 0, sizeof(*f));
		busy--;
		break;
	}
	f->state = to;
}

static struct flight *flight_of(const char *owner, const char *cbid)
{
	for (size_t i = 0; i < opt.flights; i++)
		if (flights[i].state != FL_FREE && !strcmp(flights[i].cb.owner, owner) && !strcmp(flights[i].cb.id, cbid))
			return &flights[i];
	return NULL;
}

static struct flight *flight_free(void)
{
	for (size_t i = 0; busy < opt.flights && i < opt.flights; i++)
		if (flights[i].state == FL_FREE)
			return &flights[i];
	return NULL;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct flight *f = arg;

	(void)purpose;
	if (!cv_ng_permits(&guard, &a->addr, a->addrlen)) {
		f->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* Send notes[0..n) of callback cb from free flight f, which owns them from now on. */
static void launch(struct flight *f, const struct cv_callback *cb, struct cv_note **notes, size_t n, int64_t now)
{
	f->cb = *cb;
	f->notes = notes;
	f->n = n;
	cv_wh_build(&f->cb, f->notes, f->n, now / 1000, &f->rq);
	for (size_t i = 0; i < f->rq.nheaders; i++)
		f->hl = curl_slist_append(f->hl, f->rq.headers[i]);
	f->h = curl_easy_init();
	if (!f->h)
		cv_die(PROG ": curl_easy_init failed");
	curl_easy_setopt(f->h, CURLOPT_URL, cv_buf_str(&f->rq.url));
	curl_easy_setopt(f->h, CURLOPT_POST, 1L);
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, f->rq.body.p);
	curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)f->rq.body.len);
	curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->hl);
	curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, 0L);
	/* straight to the target: a proxy from the environment would be the
	 * only address the guard sees */
	curl_easy_setopt(f->h, CURLOPT_PROXY, "");
	curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT, opt.timeout_s);
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT, opt.timeout_s);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
	flight_to(f, FL_SENDING);
}

/* ---- the walk: what to send ------------------------------------------------ */

struct walk {
	int64_t now;
	/* the callback whose notes are being gathered */
	struct cv_callback cb;
	bool have_cb, skip_cb, paused;
	struct cv_note **notes;
	size_t n, want;
	/* notes of paused callbacks, to drop */
	struct cv_note *drop[DROP_MAX];
	size_t ndrop;
};

/* Something comes due at t (wall clock): the loop walks again then. */
static void due_at(int64_t t)
{
	if (t < next_walk)
		next_walk = t;
}

static void gathered_free(struct walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		note_free(w->notes[i]);
	w->n = 0;
}

/* The gathered notes of the current callback: sent, or kept waiting for a fuller batch. */
static void gather_end(struct walk *w)
{
	if (w->n) {
		const struct cv_note *head = w->notes[0];
		bool batching = w->cb.b2b && w->cb.batch_size > 1 && head->batch == 0;
		int64_t window_end = head->queued + (int64_t)w->cb.batch_window * 1000;
		struct flight *f = flight_free();

		if (batching && w->n < (size_t)w->cb.batch_size && window_end > w->now) {
			/* a batch fills up to its size, or waits out its time window */
			due_at(window_end);
			gathered_free(w);
		} else if (!f) {
			gathered_free(w);
		} else {
			launch(f, &w->cb, w->notes, w->n, w->now);
			w->notes = cv_calloc(BATCH_MAX, sizeof(*w->notes));
			w->n = 0;
		}
	}
	w->have_cb = w->skip_cb = w->paused = false;
}

static int walk_one(struct cv_note *n, void *arg)
{
	struct walk *w = arg;

	if (w->have_cb && (strcmp(n->owner, w->cb.owner) || strcmp(n->cbid, w->cb.id)))
		gather_end(w);
	if (!w->have_cb) {
		enum cv_err e;

		if (!flight_free()) {
			note_free(n);
			return CV_HEADS_STOP;
		}
		memset(&w->cb, 0, sizeof(w->cb));
		cv_strlcpy(w->cb.owner, n->owner, sizeof(w->cb.owner));
		cv_strlcpy(w->cb.id, n->cbid, sizeof(w->cb.id));
		w->have_cb = true;
		if (flight_of(n->owner, n->cbid)) {
			w->skip_cb = true;
		} else {
			e = leave_on_panic(cv_callback_get(&st, NULL, n->owner, n->cbid, &w->cb));
			/* gone (its notes go with it) or unreadable: nothing to send it */
			w->skip_cb = e != CV_OK;
			/* paused, or made a poll callback since: nothing to send */
			w->paused = !e && (w->cb.status == CV_CB_PAUSED || !w->cb.target[0]);
		}
		if (!w->skip_cb && !w->paused) {
			if (n->due > w->now) {
				due_at(n->due);
				w->skip_cb = true;
			}
			w->want = n->batch ? n->batch : w->cb.b2b && w->cb.batch_size > 1 ? (size_t)w->cb.batch_size : 1;
			if (w->want > BATCH_MAX)
				w->want = BATCH_MAX;
		}
		if (w->skip_cb) {
			note_free(n);
			return CV_HEADS_SKIP;
		}
	}
	if (w->paused) {
		/* nothing is sent while paused: dropped */
		if (w->ndrop == DROP_MAX) {
			note_free(n);
			return CV_HEADS_SKIP;
		}
		w->drop[w->ndrop++] = n;
		return CV_HEADS_NEXT;
	}
	/* one kind per request */
	if (w->n && n->kind != w->notes[0]->kind) {
		note_free(n);
		gather_end(w);
		return CV_HEADS_SKIP;
	}
	w->notes[w->n++] = n;
	if (w->n >= w->want) {
		gather_end(w);
		return CV_HEADS_SKIP;
	}
	return CV_HEADS_NEXT;
}

static enum cv_err drop_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct walk *w = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < w->ndrop && !e; i++) {
		struct cv_note *n = w->drop[i];
		struct cv_delivery d;

		e = cv_outbox_del(s, txn, n->owner, n->cbid, n->seq);
		/* logged with the note, which a redelivery can send once resumed */
		memset(&d, 0, sizeof(d));
		cv_strlcpy(d.owner, n->owner, sizeof(d.owner));
		cv_strlcpy(d.cbid, n->cbid, sizeof(d.cbid));
		d.at = w->now;
		d.seq = n->seq;
		memcpy(d.wid, "msg_", 4);
		for (size_t j = 0; j < CV_NOTE_WIDLEN; j++)
			snprintf(d.wid + 4 + 2 * j, 3, "%02x", n->wid[j]);
		d.outcome = CV_DL_DROPPED;
		d.events = 1;
		cv_strlcpy(d.error, "the callback is paused (or polled: nothing is delivered)", sizeof(d.error));
		if (!e)
			e = cv_delivery_add(s, txn, &d, &w->drop[i], 1);
	}
	return e;
}

static void walk(int64_t now)
{
	struct walk *w = cv_calloc(1, sizeof(*w));
	enum cv_err e;

	w->now = now;
	w->notes = cv_calloc(BATCH_MAX, sizeof(*w->notes));
	next_walk = INT64_MAX;                 /* (the beat walks anyway) */
	e = cv_outbox_heads(&st, walk_one, w);
	if (w->have_cb)
		gather_end(w);
	if (leave_on_panic(e))
		fprintf(stderr, PROG ": reading the outbox: %s\n", cv_strerror(e));
	if (w->ndrop) {
		e = leave_on_panic(cv_store_txn(&st, DB_TXN_NOSYNC, drop_txn, w));
		if (!e)
			fprintf(stderr, PROG ": dropped %zu notification(s) of paused callbacks\n", w->ndrop);
		for (size_t i = 0; i < w->ndrop; i++)
			note_free(w->drop[i]);
		if (!e)
			due_at(now);               /* more may wait behind them */
	}
	gathered_free(w);
	free(w->notes);
	free(w);
}

/* ---- results ---------------------------------------------------------------- */

/* Judge f's ended transfer (res: libcurl's word on it) at now, once: f->verdict. */
static void judge(struct flight *f, CURLcode res, int64_t now)
{
	struct cv_attempt a = { .attempts = f->notes[0]->attempts, .queued = f->notes[0]->queued, .now = now };
	long status = 0;

	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	if (res == CURLE_OK) {
		a.answer = CV_ANSWER_HTTP;
		a.status = status;
		f->status = status > 0 && status < 1000 ? status : 0;
	} else {
		a.answer = f->refused ? CV_ANSWER_REFUSED
			 : res == CURLE_OPERATION_TIMEDOUT ? CV_ANSWER_TIMEOUT : CV_ANSWER_TRANSPORT;
		a.error = f->err[0] ? f->err : curl_easy_strerror(res);
	}
	cv_judge(&a, &f->cb, &f->verdict);
}

/* The log entry of f's attempt, ended at `at`. */
static void log_entry(const struct flight *f, int64_t at, struct cv_delivery *d)
{
	const struct cv_verdict *v = &f->verdict;

	memset(d, 0, sizeof(*d));
	cv_strlcpy(d->owner, f->cb.owner, sizeof(d->owner));
	cv_strlcpy(d->cbid, f->cb.id, sizeof(d->cbid));
	d->at = at;
	d->seq = f->notes[0]->seq;
	cv_strlcpy(d->wid, f->rq.id, sizeof(d->wid));
	d->outcome = (uint8_t)v->outcome;
	d->attempt = (uint16_t)v->attempt;
	d->status = (uint16_t)f->status;
	d->latency_ms = f->latency_ms;
	d->events = (uint32_t)f->n;
	cv_strlcpy(d->error, v->fault, sizeof(d->error));
}

/* Move cb from status `from` to `to` (otherwise leave it); *exists: the callback is still there. */
static enum cv_err set_status(struct cv_store *s, DB_TXN *txn, const struct cv_callback *cb, uint8_t from, uint8_t to,
			      int64_t now, bool *exists)
{
	struct cv_callback cur;
	enum cv_err e = cv_callback_get(s, txn, cb->owner, cb->id, &cur);

	*exists = e != CV_ENOTFOUND;
	if (e == CV_ENOTFOUND)
		return CV_OK;
	if (e || cur.status != from)
		return e;
	cur.status = to;
	cur.updated = now;
	return cv_callback_put(s, txn, &cur, 0);
}

/*
 * Apply f's verdict under txn. A callback deleted meanwhile took its queue
 * and its log: nothing is written for it.
 */
static enum cv_err apply(struct cv_store *s, DB_TXN *txn, const struct flight *f, int64_t now)
{
	const struct cv_verdict *v = &f->verdict;
	struct cv_delivery d;
	enum cv_err e = CV_OK;
	bool exists = true;

	log_entry(f, now, &d);
	if (v->outcome == CV_DL_FAILED) {
		/* tried again: the same batch, due then; the entry keeps no notes */
		struct cv_note next = *f->notes[0];
		struct cv_callback cur;

		e = cv_callback_get(s, txn, f->cb.owner, f->cb.id, &cur);
		if (e == CV_ENOTFOUND)
			return CV_OK;
		if (!e)
			e = cv_delivery_add(s, txn, &d, NULL, 0);
		next.attempts = (uint16_t)v->attempt;
		next.batch = (uint16_t)f->n;
		next.due = v->next;
		if (!e)
			e = cv_outbox_update(s, txn, &next);
		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	/* delivered or given up: the notes leave the queue, kept by the log entry; the status follows */
	for (size_t j = 0; j < f->n && !e; j++)
		e = cv_outbox_del(s, txn, f->cb.owner, f->cb.id, f->notes[j]->seq);
	if (!e && v->outcome == CV_DL_DELIVERED)
		e = set_status(s, txn, &f->cb, CV_CB_FAILED, CV_CB_RUNNING, now, &exists);
	else if (!e)
		e = set_status(s, txn, &f->cb, CV_CB_RUNNING, CV_CB_FAILED, now, &exists);
	if (!e && exists)
		e = cv_delivery_add(s, txn, &d, f->notes, f->n);
	return e;
}

struct results {
	struct flight *done[RESULTS_MAX];
	size_t n;
	int64_t now;
};

static enum cv_err results_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	const struct results *r = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < r->n && !e; i++)
		e = apply(s, txn, r->done[i], r->now);
	return e;
}

/* The target without its query (which may hold credentials), for log lines. */
static void target_for_log(const char *t, char *out, size_t n)
{
	size_t l = strcspn(t, "?#");

	snprintf(out, n, "%.*s", (int)(l < 200 ? l : 200), t);
}

/* Say f's verdict on stderr: a line per failed attempt, one more when it is given up. */
static void say(const struct flight *f)
{
	const struct cv_verdict *v = &f->verdict;
	char target[256], tries[48];

	if (v->outcome == CV_DL_DELIVERED)
		return;
	target_for_log(f->cb.target, target, sizeof(target));
	if (v->allowed)
		snprintf(tries, sizeof(tries), "attempt %u of %u", v->attempt, v->allowed);
	else
		snprintf(tries, sizeof(tries), "attempt %u", v->attempt);
	fprintf(stderr, PROG ": %s/%s %s (%zu event%s) to %s: %s after %lu ms, %s\n", f->cb.owner, f->cb.id, f->rq.id,
		f->n, f->n == 1 ? "" : "s", target, v->fault, (unsigned long)f->latency_ms, tries);
	if (v->outcome == CV_DL_GIVEN_UP)
		fprintf(stderr, PROG ": %s/%s %s: given up (%s); the callback is marked Failed\n", f->cb.owner, f->cb.id,
			f->rq.id, cv_giveup_names[v->giveup]);
}

/* Judge and apply the ended transfers; true if any ended. */
static bool collect(int64_t now)
{
	struct results *r = cv_calloc(1, sizeof(*r));
	CURLMsg *m;
	int left;
	bool any;

	r->now = now;
	while (r->n < RESULTS_MAX && (m = curl_multi_info_read(multi, &left))) {
		struct flight *f = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		judge(f, m->data.result, now);
		flight_to(f, FL_ANSWERED);      /* (m is not read after this) */
		r->done[r->n++] = f;
	}
	any = r->n > 0;
	if (any) {
		enum cv_err e = leave_on_panic(cv_store_txn(&st, 0, results_txn, r));

		if (e)
			fprintf(stderr, PROG ": recording %zu deliveries: %s (they will be sent again)\n", r->n,
				cv_strerror(e));
		for (size_t i = 0; i < r->n; i++) {
			say(r->done[i]);
			flight_to(r->done[i], FL_FREE);
		}
	}
	free(r);
	return any;
}

/* ---- the turn --------------------------------------------------------------- */

/* One of the timer's jobs (time-triggered monitors, remote timeouts): said when it fails. */
static void timer_job(enum cv_err (*job)(struct cv_store *st, int64_t now, size_t *n), int64_t now, const char *what)
{
	size_t n = 0;
	enum cv_err e = leave_on_panic(job(&st, now, &n));

	if (e)
		fprintf(stderr, PROG ": %s: %s\n", what, cv_strerror(e));
}

/* One turn of the loop: the store work, under the watchdog (see the top of the file). */
static void turn(void)
{
	int64_t now = cv_now_ms(), mono = cv_mono_ms();
	uint64_t g = cv_gen_get(&st.gen, CV_GEN_OUTBOX);
	bool beat = mono >= next_beat;
	int running = 0;

	if (mono >= next_tick) {
		timer_job(cv_engine_tick, now, "the timer's turn");
		next_tick = mono + TICK_MS;
	}
	if (beat) {
		timer_job(cv_remote_tick, now, "the remote actions' timeouts");
		next_beat = mono + BEAT_MS;
	}
	if (beat || g != seen || now >= next_walk) {
		seen = g;
		walk(now);
	}
	curl_multi_perform(multi, &running);
	if (collect(cv_now_ms()))
		due_at(0);                      /* a callback is free again: its next notes may go at once */
	leave_on_panic(cv_store_maintain(&st, cv_now_ms()));
}

/* How long the loop may sleep: until the next walk, beat or tick (libcurl shortens it for its transfers). */
static int sleep_ms(void)
{
	int64_t now = cv_now_ms(), mono = cv_mono_ms(), ms = next_beat - mono;

	if (next_tick - mono < ms)
		ms = next_tick - mono;
	if (next_walk - now < ms)
		ms = next_walk - now;
	return ms < 0 ? 0 : (int)ms;
}

/* ---- the waker -------------------------------------------------------------- */

/*
 * A second thread that only waits for the outbox's generation to move
 * (cv_gen_wait, a futex that cv_gen_bump wakes) and then ends the loop's
 * sleep (curl_multi_wakeup: the one call libcurl allows on a multi handle
 * that another thread uses). It reads the generation and calls that, and
 * nothing else. It wakes the loop after every move it sees, and the turn
 * reads the generation after its sleep: a bump during a turn ends the
 * next sleep at once. All signals are blocked in it: they go to the loop.
 */
static pthread_t waker;
static int waker_quit;

static void *waker_main(void *arg)
{
	uint64_t last = cv_gen_get(&st.gen, CV_GEN_OUTBOX);

	(void)arg;
	for (;;) {
		uint64_t g = cv_gen_get(&st.gen, CV_GEN_OUTBOX);

		if (__atomic_load_n(&waker_quit, __ATOMIC_SEQ_CST))
			return NULL;
		if (g != last)
			curl_multi_wakeup(multi);
		last = g;
		cv_gen_wait(&st.gen, CV_GEN_OUTBOX, g, -1);
	}
}

static void waker_start(void)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&waker, NULL, waker_main, NULL))
		cv_die(PROG ": cannot start the waker thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * Its wait ends when the word moves: quit is set, then the slot bumped
 * (which costs the next cvnotify's first walk nothing: it walks at start).
 * Had the waker read the slot after the bump, it would read quit set too.
 */
static void waker_stop(void)
{
	__atomic_store_n(&waker_quit, 1, __ATOMIC_SEQ_CST);
	cv_gen_bump(&st.gen, CV_GEN_OUTBOX);
	pthread_join(waker, NULL);
}

/* ---- main ------------------------------------------------------------------- */

/*
 * One cvnotify per store: two would each send what the other has in
 * flight, and out of order. An flock() on CVAPI_HOME/cvnotify.lock, held
 * until exit (a killed one releases it at once); a second one says so and
 * waits for it.
 */
static int one_at_a_time(const char *home)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/cvnotify.lock", home) >= sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	fprintf(stderr, PROG ": another cvnotify delivers this store: waiting for it to end\n");
	/* tried again every 100 ms rather than a blocking wait, which a
	 * SIGTERM arriving just before it would not end */
	while (!stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	close(fd);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--allow RANGES] [--timeout SECONDS] [--flights N]\n"
		"Delivers the notifications of the store in $CVAPI_HOME to their webhooks. See " PROG "(8).\n");
}

/* The command line and the environment into opt and the guard: -1 to go on, else the exit status. */
static int options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'a' }, { "timeout", required_argument, NULL, 't' },
		{ "flights", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	int c;

	opt.home = getenv("CVAPI_HOME");
	opt.allow = getenv("CVAPI_NOTIFY_ALLOW");
	while ((c = getopt_long(argc, argv, "a:t:f:hV", opts, NULL)) != -1) {
		int64_t v;

		switch (c) {
		case 'a':
			opt.allow = optarg;
			break;
		case 't':
			if (cv_parse_i64(optarg, 1, 600, &v)) {
				fprintf(stderr, PROG ": --timeout: seconds, 1 to 600\n");
				return 2;
			}
			opt.timeout_s = (long)v;
			break;
		case 'f':
			if (cv_parse_i64(optarg, 1, 4096, &v)) {
				fprintf(stderr, PROG ": --flights: 1 to 4096\n");
				return 2;
			}
			opt.flights = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!opt.home || !*opt.home) {
		fprintf(stderr, PROG ": CVAPI_HOME is not set: it names the store\n");
		return 2;
	}
	if (opt.allow && cv_ng_allow(&guard, opt.allow)) {
		fprintf(stderr, PROG ": --allow: \"%s\": CIDR ranges, addresses, loopback, private or any\n", opt.allow);
		return 2;
	}
	return -1;
}

/* Signals, libcurl, the store (its owner, the lock, the open), the settings, the waker: -1 to go on, else the exit status. */
static int setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		cv_die(PROG ": curl_global_init failed");
	if (cv_store_owner(opt.home))
		return 2;
	if (one_at_a_time(opt.home))
		return stop ? 0 : 2;
	if (cv_store_open(&st, opt.home, 0))
		return stop ? 0 : CV_EXIT_RECOVER;
	multi = curl_multi_init();
	if (!multi)
		cv_die(PROG ": curl_multi_init failed");
	flights = cv_calloc(opt.flights, sizeof(*flights));
	fprintf(stderr, PROG ": delivering the outbox of %s (%zu in flight at most)\n", opt.home, opt.flights);
	if (cv_clock_offset())
		fprintf(stderr, PROG ": CVAPI_CLOCK: the wall clock is shifted by %lld ms (a test setting)\n",
			(long long)cv_clock_offset());
	opt.watchdog = (unsigned)cv_setting_int(PROG, "CVAPI_NOTIFY_WATCHDOG", 1, 3600, WATCHDOG_S);
	cv_engine_note_max((size_t)cv_setting_int(PROG, "CVAPI_NOTE_MAX", CV_ENGINE_NOTE_MIN, CV_NOTE_BODY_MAX,
						  CV_NOTE_BODY_MAX));
	seen = cv_gen_get(&st.gen, CV_GEN_OUTBOX);
	waker_start();
	return -1;
}

static void teardown(void)
{
	waker_stop();
	fprintf(stderr, PROG ": stopping; what is in flight is sent again by the next start\n");
	for (size_t i = 0; i < opt.flights; i++)
		if (flights[i].state != FL_FREE)
			flight_to(&flights[i], FL_FREE);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	cv_store_close(&st);
	free(flights);
}

int main(int argc, char **argv)
{
	int status = options(argc, argv);

	if (status < 0)
		status = setup();
	if (status >= 0)
		return status;
	/* the first turn walks, and runs the timer's jobs */
	while (!stop) {
		alarm(opt.watchdog);
		turn();
		alarm(0);
		if (!stop) {
			/* waiting for the network: a death here costs no recovery (store.h) */
			cv_store_outside(&st, true);
			curl_multi_poll(multi, NULL, 0, sleep_ms(), NULL);
			cv_store_outside(&st, false);
		}
	}
	teardown();
	return 0;
}

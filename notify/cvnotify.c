/*
 * cvnotify.c - cvnotify: delivers the outbox (db/outbox.h) to the
 * callbacks' webhooks.
 *
 *   cvnotify [--allow RANGES] [--timeout SECONDS] [--flights N]
 *
 * The store is $CVAPI_HOME, as for the FastCGI programs. One thread does
 * all the work, with one libcurl multi handle: up to N requests in flight,
 * at most one per callback, so that each callback's notifications arrive
 * in the order they were raised, and at most CVAPI_NOTIFY_OWNER_FLIGHTS
 * per owner, so that one owner's slow or silent receivers cannot hold the
 * slots everyone shares. A turn of its loop:
 *
 *   1. The timer's jobs that are due (below).
 *   2. Walk the queues (one seek per callback) when the outbox's
 *      generation slot moved (a commit queued something), when a retry or
 *      a batch window comes due, when a flight came free, and on every
 *      beat (once a second). Round robin: from the owner after the last
 *      one something was sent for, round to it; within an owner, from the
 *      callback after the last one sent, round to it (never key order,
 *      which would serve the same owners and callbacks first at every
 *      walk). For each callback not in flight and not held (below): a
 *      Paused one has its notes dropped; a head not yet due waits;
 *      otherwise its batch (the notes its first attempt carried, or up to
 *      batchNotify.size, waiting up to timeWindow for a full one) is sent.
 *      A batch that could have held other notes is recorded in its head
 *      note (its size and its last note) in one durable transaction
 *      before it goes, so that whatever dies when, it is sent again with
 *      the same notes under the same webhook-id.
 *   3. Drive the transfers. Each finished one is judged once (judge.h:
 *      delivered, tried again at a given time, or given up, and why; a
 *      callback that keeps timing out waits longer each time), and the
 *      verdicts are applied all in one transaction: a delivery deletes
 *      the notes (and ends a Failed status); a failed attempt sets the
 *      next one; a batch given up is deleted and its callback marked
 *      Failed. The lines on stderr say the same verdicts. A result that
 *      cannot be recorded holds its callback (nothing is sent to it for a
 *      while that grows) rather than send the same request again at once.
 *   4. The store's housekeeping (cv_store_maintain).
 * Then it sleeps in curl_multi_poll until a transfer needs it, the next
 * due thing (a retry, a batch window, the beat, the timer), or a wake-up.
 * While the store's disk is under its reserve (cv_store_low) nothing is
 * written: no walk, no timer, the results wait.
 *
 * A flight (one request) is FREE, READY (its batch to be recorded first),
 * SENDING or ANSWERED (its transfer ended, its verdict waiting for the
 * transaction), and moves FREE -> [READY ->] SENDING -> ANSWERED -> FREE
 * (READY -> FREE when its batch could not be recorded, SENDING -> FREE
 * when cvnotify stops) in flight_to() alone, which does what entering
 * each state means.
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
 * VehicleConnectionTimeout (cv_action_tick), their events queued likewise.
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
 * state is in the store; what is kept here (the flights, the round robin's
 * places, the holds) a restart may lose at no cost but a repeat.
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
#define OWNER_FLIGHTS 8                 /* requests in flight per owner (CVAPI_NOTIFY_OWNER_FLIGHTS) */
#define CONNECT_S 3                     /* connecting to a receiver, at most (CVAPI_NOTIFY_CONNECT_TIMEOUT) */
#define HOLD_MIN_MS 1000                /* a callback whose result could not be recorded waits this, */
#define HOLD_MAX_MS 60000               /* twice as long at each new failure, up to this */
#define HOLDS 256                       /* callbacks held so at once (beyond: the one due first goes) */
#define ROTORS 1024                     /* owners whose place among their callbacks is kept (a cache) */

enum flight_state {
	FL_FREE,                            /* no request */
	FL_READY,                           /* its batch gathered, to be recorded before its first send */
	FL_SENDING,                         /* its transfer is in the multi handle */
	FL_ANSWERED,                        /* the transfer ended, judged: waiting for the results' transaction */
};
static const char *const flight_state_names[] = { "FREE", "READY", "SENDING", "ANSWERED" };

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
	int64_t ended;                      /* wall clock */
	struct cv_verdict verdict;
};

/* The command line and the environment. */
static struct {
	const char *home, *allow;
	long timeout_s, connect_s;
	size_t flights, owner_flights;
	int64_t backoff_max_ms;
	unsigned watchdog;
} opt = { .timeout_s = 10, .connect_s = CONNECT_S, .flights = 64, .owner_flights = OWNER_FLIGHTS,
	  .backoff_max_ms = CV_JUDGE_BACKOFF_MAX_S * 1000LL, .watchdog = WATCHDOG_S };

static struct cv_store st;
static struct cv_netguard guard;
static CURLM *multi;
static struct flight *flights;          /* opt.flights of them */
static size_t busy;                     /* flights not FREE */
static size_t answered;                 /* flights ANSWERED */
static volatile sig_atomic_t stop;
/* the pace of the loop */
static uint64_t seen;                   /* the outbox's generation at the last walk */
static int64_t next_walk;               /* wall clock: the first retry or batch window due */
static int64_t next_beat, next_tick;    /* cv_mono_ms() */
static bool store_low;                  /* the store's disk is under its reserve: nothing is written */

/*
 * The store must be recovered (CV_EPANIC): leave at once with
 * CV_EXIT_RECOVER, for the supervisor's restart to recover it (_exit: what
 * Berkeley DB holds in a failed environment is not ours to free); its
 * handles went stale (CV_ESTALE, a replica's resynchronization): leave
 * with 1, to be started again. Otherwise e.
 */
static enum cv_err leave_on_panic(enum cv_err e)
{
	if (e == CV_EPANIC)
		_exit(CV_EXIT_RECOVER);
	/* a replicated site resynchronized under this process (db/repl.h): its handles are dead for
	 * good, and a fresh process opens fresh ones; nothing was acknowledged by this one */
	if (e == CV_ESTALE) {
		fprintf(stderr, "cvnotify: the store's handles went stale: exiting to be restarted\n");
		_exit(1);
	}
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
 * does: READY and SENDING take a slot, SENDING starts the transfer,
 * ANSWERED takes it out of the multi handle, FREE releases all the flight
 * held. Any other move is a bug.
 */
static void flight_to(struct flight *f, enum flight_state to)
{
	static const bool legal[4][4] = {
		[FL_FREE] = { [FL_READY] = true, [FL_SENDING] = true },
		[FL_READY] = { [FL_SENDING] = true, [FL_FREE] = true },
		[FL_SENDING] = { [FL_ANSWERED] = true, [FL_FREE] = true },
		[FL_ANSWERED] = { [FL_FREE] = true },
	};

	if (!legal[f->state][to])
		cv_die(PROG ": a flight cannot go from %s to %s", flight_state_names[f->state], flight_state_names[to]);
	if (f->state == FL_FREE)
		busy++;
	switch (to) {
	case FL_READY:
		break;
	case FL_SENDING:
		f->started = cv_mono_ms();
		curl_multi_add_handle(multi, f->h);
		break;
	case FL_ANSWERED:
		f->latency_ms = (uint32_t)(cv_mono_ms() - f->started);
		curl_multi_remove_handle(multi, f->h);
		answered++;
		break;
	case FL_FREE:
		if (f->state == FL_SENDING)
			curl_multi_remove_handle(multi, f->h);
		if (f->state == FL_ANSWERED)
			answered--;
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

static struct flight *flight_free(void)
{
	for (size_t i = 0; busy < opt.flights && i < opt.flights; i++)
		if (flights[i].state == FL_FREE)
			return &flights[i];
	return NULL;
}

/*
 * The flights in the air, by owner and callback: made at the start of
 * each walk (the walk visits a callback once, so what it launches need not
 * be in it), for the one-per-callback rule and the per-owner cap.
 */
static struct flight **aloft;
static size_t naloft;

static int flight_cmp(const void *a, const void *b)
{
	const struct flight *x = *(struct flight *const *)a, *y = *(struct flight *const *)b;
	int c = strcmp(x->cb.owner, y->cb.owner);

	return c ? c : strcmp(x->cb.id, y->cb.id);
}

static void aloft_make(void)
{
	naloft = 0;
	for (size_t i = 0; i < opt.flights; i++)
		if (flights[i].state != FL_FREE)
			aloft[naloft++] = &flights[i];
	qsort(aloft, naloft, sizeof(*aloft), flight_cmp);
}

/* The first of aloft at or after (owner, cbid) (cbid "": the owner's first). */
static size_t aloft_at(const char *owner, const char *cbid)
{
	size_t lo = 0, hi = naloft;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(aloft[mid]->cb.owner, owner);

		if (!c)
			c = strcmp(aloft[mid]->cb.id, cbid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool in_flight(const char *owner, const char *cbid)
{
	size_t i = aloft_at(owner, cbid);

	return i < naloft && !strcmp(aloft[i]->cb.owner, owner) && !strcmp(aloft[i]->cb.id, cbid);
}

static size_t owner_in_flight(const char *owner)
{
	size_t i = aloft_at(owner, ""), n = 0;

	while (i + n < naloft && !strcmp(aloft[i + n]->cb.owner, owner))
		n++;
	return n;
}

/* ---- the round robin -------------------------------------------------------- */

/*
 * Walks start with the owner after the last one a walk sent something
 * for, and an owner's callbacks with the one after the last it sent
 * (its rotor): freed slots go round the owners, and round each owner's
 * callbacks, whatever their keys. The rotors are a cache of ROTORS
 * owners, by hash: an owner whose entry another took starts again from
 * its first callback, which costs it its place in the turn and nothing
 * else.
 */
struct rotor {
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
};
static struct rotor *rotors;            /* ROTORS of them */
static char last_owner[CV_CB_OWNER_MAX + 1];

static struct rotor *rotor_of(const char *owner)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)owner; *p; p++)
		h = (h ^ *p) * 16777619u;
	return &rotors[h % ROTORS];
}

/* The callback owner last sent something for; NULL: none known. */
static const char *rotor_get(const char *owner)
{
	const struct rotor *r = rotor_of(owner);

	return r->cbid[0] && !strcmp(r->owner, owner) ? r->cbid : NULL;
}

static void rotor_set(const char *owner, const char *cbid)
{
	struct rotor *r = rotor_of(owner);

	cv_strlcpy(r->owner, owner, sizeof(r->owner));
	cv_strlcpy(r->cbid, cbid, sizeof(r->cbid));
	cv_strlcpy(last_owner, owner, sizeof(last_owner));
}

/* ---- holds: callbacks whose result could not be recorded ---------------------- */

/*
 * A transaction that fails (a full disk, a store in trouble) cannot record
 * what a callback's request came to: its notes are still queued, and
 * sending them again at once would only repeat the request. The callback
 * waits instead, HOLD_MIN_MS, then twice as long at each new failure, up
 * to HOLD_MAX_MS, and its first failure is said once; the first result of
 * it recorded ends the hold. Held in memory, as what could not be written
 * must be: a restart forgets them, and sends again once, as at least once
 * allows. At most HOLDS callbacks.
 */
struct hold {
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	int64_t until, delay;               /* cv_mono_ms() */
};
static struct hold holds[HOLDS];
static size_t nholds;

static struct hold *hold_find(const char *owner, const char *cbid)
{
	for (size_t i = 0; nholds && i < HOLDS; i++)
		if (holds[i].delay && !strcmp(holds[i].owner, owner) && !strcmp(holds[i].cbid, cbid))
			return &holds[i];
	return NULL;
}

static bool held(const char *owner, const char *cbid, int64_t mono)
{
	const struct hold *h = hold_find(owner, cbid);

	return h && mono < h->until;
}

static void hold(const char *owner, const char *cbid, const char *what, enum cv_err e)
{
	struct hold *h = hold_find(owner, cbid);

	if (h) {
		h->delay = h->delay * 2 < HOLD_MAX_MS ? h->delay * 2 : HOLD_MAX_MS;
	} else {
		h = &holds[0];
		for (size_t i = 0; i < HOLDS; i++) {
			if (!holds[i].delay) {
				h = &holds[i];
				break;
			}
			if (holds[i].until < h->until)
				h = &holds[i];
		}
		if (!h->delay)
			nholds++;
		cv_strlcpy(h->owner, owner, sizeof(h->owner));
		cv_strlcpy(h->cbid, cbid, sizeof(h->cbid));
		h->delay = HOLD_MIN_MS;
		fprintf(stderr, PROG ": %s/%s: %s cannot be recorded (%s): nothing is sent to it for %d s, then longer "
			"while that lasts\n", owner, cbid, what, cv_strerror(e), HOLD_MIN_MS / 1000);
	}
	h->until = cv_mono_ms() + h->delay;
}

static void unhold(const char *owner, const char *cbid)
{
	struct hold *h = hold_find(owner, cbid);

	if (!h)
		return;
	fprintf(stderr, PROG ": %s/%s: its results are recorded again\n", owner, cbid);
	memset(h, 0, sizeof(*h));
	nholds--;
}

/* ---- a request -------------------------------------------------------------- */

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

/*
 * Make the request carrying notes[0..n) of callback cb in free flight f,
 * which owns them from now on; it is sent at once, or, when its batch must
 * be recorded first (record), once that is done (record_batches).
 */
static void launch(struct flight *f, const struct cv_callback *cb, struct cv_note **notes, size_t n, int64_t now,
		   bool record)
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
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT, opt.connect_s < opt.timeout_s ? opt.connect_s : opt.timeout_s);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
	flight_to(f, record ? FL_READY : FL_SENDING);
}

/* ---- the walk: what to send ------------------------------------------------ */

struct walk {
	int64_t now, mono;
	/* the owner being walked, the flights it may still take, and (the
	 * second pass) the last callback to look at */
	char owner[CV_CB_OWNER_MAX + 1];
	size_t room;
	char upto[CV_CB_IDLEN + 1];
	/* the callback whose notes are being gathered */
	struct cv_callback cb;
	bool have_cb, skip_cb, paused;
	uint64_t last;                      /* the batch recorded at its first attempt ends there; 0: not recorded */
	struct cv_note **notes;
	size_t n, want;
	/* notes of paused callbacks, to drop */
	struct cv_note *drop[DROP_MAX];
	size_t ndrop;
	size_t ready;                       /* flights made READY */
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
		struct flight *f = w->room ? flight_free() : NULL;

		if (batching && w->n < (size_t)w->cb.batch_size && window_end > w->now) {
			/* a batch fills up to its size, or waits out its time window */
			due_at(window_end);
			gathered_free(w);
		} else if (!f) {
			gathered_free(w);
		} else {
			/* a batch that could have held other notes is recorded before it goes */
			launch(f, &w->cb, w->notes, w->n, w->now, batching);
			w->ready += batching;
			w->notes = cv_calloc(BATCH_MAX, sizeof(*w->notes));
			w->n = 0;
			w->room--;
			rotor_set(w->cb.owner, w->cb.id);
		}
	}
	w->have_cb = w->skip_cb = w->paused = false;
	w->last = 0;
}

/* The walk of one owner's queues (walk_owner): each note, in key order. */
static int walk_one(struct cv_note *n, void *arg)
{
	struct walk *w = arg;

	/* past the owner, or (the second pass) past where the first began */
	if (strcmp(n->owner, w->owner) || (w->upto[0] && strcmp(n->cbid, w->upto) > 0)) {
		note_free(n);
		gather_end(w);
		return CV_HEADS_STOP;
	}
	if (w->have_cb && strcmp(n->cbid, w->cb.id))
		gather_end(w);
	if (!w->have_cb) {
		enum cv_err e;

		if (!w->room || !flight_free()) {
			note_free(n);
			return CV_HEADS_STOP;
		}
		memset(&w->cb, 0, sizeof(w->cb));
		cv_strlcpy(w->cb.owner, n->owner, sizeof(w->cb.owner));
		cv_strlcpy(w->cb.id, n->cbid, sizeof(w->cb.id));
		w->have_cb = true;
		if (in_flight(n->owner, n->cbid) || held(n->owner, n->cbid, w->mono)) {
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
			w->last = n->batch ? n->batch_last : 0;
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
	/* one kind per request; a recorded batch, its notes and no other */
	if ((w->n && n->kind != w->notes[0]->kind) || (w->last && n->seq > w->last)) {
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

static int owner_of(struct cv_note *n, void *arg)
{
	cv_strlcpy(arg, n->owner, CV_CB_OWNER_MAX + 1);
	note_free(n);
	return CV_HEADS_STOP;
}

/* The first owner with notes after `after` ("": the first of all) into out; false: none. */
static bool next_owner(const char *after, char *out)
{
	char o[CV_CB_OWNER_MAX + 1] = "";
	enum cv_err e = leave_on_panic(cv_outbox_walk(&st, after[0] ? after : NULL, NULL, true, owner_of, o));

	if (e)
		fprintf(stderr, PROG ": reading the outbox: %s\n", cv_strerror(e));
	cv_strlcpy(out, o, CV_CB_OWNER_MAX + 1);
	return !e && o[0];
}

/*
 * One owner's queues: at most the flights its cap leaves it, its
 * callbacks from the one after its rotor round to the rotor.
 */
static void walk_owner(struct walk *w, const char *owner)
{
	size_t aloft_o = owner_in_flight(owner);
	const char *r = rotor_get(owner);
	char from[CV_CB_IDLEN + 1] = "";
	enum cv_err e;

	if (aloft_o >= opt.owner_flights)
		return;
	w->room = opt.owner_flights - aloft_o;
	cv_strlcpy(w->owner, owner, sizeof(w->owner));
	if (r)
		cv_strlcpy(from, r, sizeof(from));
	w->upto[0] = '\0';
	e = leave_on_panic(cv_outbox_walk(&st, owner, from[0] ? from : NULL, from[0] != '\0', walk_one, w));
	if (w->have_cb)
		gather_end(w);
	if (!e && from[0] && w->room && flight_free()) {
		cv_strlcpy(w->upto, from, sizeof(w->upto));
		e = leave_on_panic(cv_outbox_walk(&st, owner, NULL, false, walk_one, w));
		if (w->have_cb)
			gather_end(w);
	}
	if (e)
		fprintf(stderr, PROG ": reading the outbox: %s\n", cv_strerror(e));
}

static enum cv_err drop_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct walk *w = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < w->ndrop && !e; i++) {
		struct cv_note *n = w->drop[i];
		struct cv_delivery d;
		struct cv_callback cb;

		/* deleted since the walk: its log is being swept, nothing is added to it */
		e = cv_callback_get(s, txn, n->owner, n->cbid, &cb);
		if (e == CV_ENOTFOUND) {
			e = CV_OK;
			continue;
		}
		if (!e)
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

/* What record_txn found: the flights whose head note was gone (the callback deleted meanwhile). */
struct recording {
	struct flight *f[RESULTS_MAX];
	bool gone[RESULTS_MAX];
	size_t n;
};

/* Record each READY flight's batch in its head note: its size and its last note. */
static enum cv_err record_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct recording *r = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < r->n && !e; i++) {
		struct flight *f = r->f[i];
		struct cv_note head = *f->notes[0];

		head.batch = (uint16_t)f->n;
		head.batch_last = f->notes[f->n - 1]->seq;
		e = cv_outbox_update(s, txn, &head);
		r->gone[i] = e == CV_ENOTFOUND;
		if (r->gone[i])
			e = CV_OK;
	}
	return e;
}

/*
 * The batches made READY by the walk, recorded in one durable transaction
 * before any goes: a cvnotify that dies after a receiver took one sends
 * the same notes again, under the same webhook-id, whenever it dies. What
 * cannot be recorded is not sent (its callback held).
 */
static void record_batches(void)
{
	struct recording *r = cv_calloc(1, sizeof(*r));

	/* RESULTS_MAX at a time */
	for (;;) {
		enum cv_err e;

		r->n = 0;
		for (size_t i = 0; i < opt.flights && r->n < RESULTS_MAX; i++)
			if (flights[i].state == FL_READY)
				r->f[r->n++] = &flights[i];
		if (!r->n)
			break;
		e = leave_on_panic(cv_store_txn(&st, 0, record_txn, r));
		for (size_t i = 0; i < r->n; i++) {
			struct flight *f = r->f[i];

			if (e)
				hold(f->cb.owner, f->cb.id, "the batch it is to be sent", e);
			if (e || r->gone[i]) {
				flight_to(f, FL_FREE);
				continue;
			}
			f->notes[0]->batch = (uint16_t)f->n;
			f->notes[0]->batch_last = f->notes[f->n - 1]->seq;
			flight_to(f, FL_SENDING);
		}
	}
	free(r);
}

/* Walk the owners round from the one after the last served, each's queues (walk_owner). */
static void walk(int64_t now)
{
	struct walk *w = cv_calloc(1, sizeof(*w));
	char first[CV_CB_OWNER_MAX + 1], o[CV_CB_OWNER_MAX + 1];
	bool wrapped;
	enum cv_err e;

	w->now = now;
	w->mono = cv_mono_ms();
	w->notes = cv_calloc(BATCH_MAX, sizeof(*w->notes));
	next_walk = INT64_MAX;                 /* (the beat walks anyway) */
	aloft_make();
	/* from the owner after the last served to the end, then from the first up to it */
	cv_strlcpy(first, last_owner, sizeof(first));
	cv_strlcpy(o, first, sizeof(o));
	wrapped = !first[0];
	while (flight_free()) {
		if (!next_owner(o, o)) {
			if (wrapped)
				break;
			wrapped = true;
			o[0] = '\0';
			continue;
		}
		if (wrapped && first[0] && strcmp(o, first) > 0)
			break;
		walk_owner(w, o);
	}
	if (w->ndrop) {
		e = leave_on_panic(cv_store_txn(&st, DB_TXN_NOSYNC, drop_txn, w));
		if (!e)
			fprintf(stderr, PROG ": dropped %zu notification(s) of paused callbacks\n", w->ndrop);
		for (size_t i = 0; i < w->ndrop; i++)
			note_free(w->drop[i]);
		if (!e)
			due_at(now);               /* more may wait behind them */
	}
	if (w->ready)
		record_batches();
	gathered_free(w);
	free(w->notes);
	free(w);
}

/* ---- results ---------------------------------------------------------------- */

/* Judge f's ended transfer (res: libcurl's word on it) at now, once: f->verdict. */
static void judge(struct flight *f, CURLcode res, int64_t now)
{
	struct cv_attempt a = { .attempts = f->notes[0]->attempts, .queued = f->notes[0]->queued, .now = now,
				.timeouts = f->notes[0]->timeouts, .timeout_ms = opt.timeout_s * 1000LL,
				.connect_ms = (opt.connect_s < opt.timeout_s ? opt.connect_s : opt.timeout_s) * 1000LL,
				.backoff_max_ms = opt.backoff_max_ms };
	long status = 0;
	curl_off_t connect_us = 0;

	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(f->h, CURLINFO_CONNECT_TIME_T, &connect_us);
	f->ended = now;
	if (res == CURLE_OK) {
		a.answer = CV_ANSWER_HTTP;
		a.status = status;
		f->status = status > 0 && status < 1000 ? status : 0;
	} else {
		a.answer = f->refused ? CV_ANSWER_REFUSED
			 : res == CURLE_OPERATION_TIMEDOUT ? CV_ANSWER_TIMEOUT : CV_ANSWER_TRANSPORT;
		a.error = f->err[0] ? f->err : curl_easy_strerror(res);
		a.connected = connect_us > 0;
	}
	cv_judge(&a, &f->cb, &f->verdict);
}

/* The log entry of f's attempt. */
static void log_entry(const struct flight *f, struct cv_delivery *d)
{
	const struct cv_verdict *v = &f->verdict;

	memset(d, 0, sizeof(*d));
	cv_strlcpy(d->owner, f->cb.owner, sizeof(d->owner));
	cv_strlcpy(d->cbid, f->cb.id, sizeof(d->cbid));
	d->at = f->ended;
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
 * A batch given up after timeouts hands the run on: the callback's next
 * note (now its head) waits the back-off, and the run goes on counting
 * from there.
 */
static enum cv_err hand_on(struct cv_store *s, DB_TXN *txn, const struct flight *f)
{
	struct cv_note head;
	enum cv_err e = cv_outbox_head(s, txn, f->cb.owner, f->cb.id, &head);

	if (e == CV_ENOTFOUND || e == CV_EINVAL)
		return CV_OK;                   /* nothing waits (or not a note cvapi wrote) */
	if (!e) {
		head.timeouts = (uint16_t)f->verdict.timeouts;
		if (head.due < f->verdict.next)
			head.due = f->verdict.next;
		e = cv_outbox_update(s, txn, &head);
	}
	cv_note_clear(&head);
	return e;
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

	log_entry(f, &d);
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
		next.batch_last = f->notes[f->n - 1]->seq;
		next.timeouts = (uint16_t)v->timeouts;
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
	if (!e && exists && v->outcome == CV_DL_GIVEN_UP && v->timeouts)
		e = hand_on(s, txn, f);
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

/* Judge the ended transfers, once each: they wait ANSWERED for record_results. */
static void collect(int64_t now)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(multi, &left))) {
		struct flight *f = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		judge(f, m->data.result, now);
		flight_to(f, FL_ANSWERED);      /* (m is not read after this) */
	}
}

/*
 * Apply the ANSWERED flights' verdicts, all in one transaction; when it
 * fails, each in one of its own, so that one result that cannot be
 * recorded holds its callback alone. True if a flight was freed.
 */
static bool record_results(int64_t now)
{
	struct results *r;
	enum cv_err e;

	if (!answered)
		return false;
	r = cv_calloc(1, sizeof(*r));
	r->now = now;
	for (size_t i = 0; i < opt.flights && r->n < RESULTS_MAX; i++)
		if (flights[i].state == FL_ANSWERED)
			r->done[r->n++] = &flights[i];
	e = leave_on_panic(cv_store_txn(&st, 0, results_txn, r));
	for (size_t i = 0; i < r->n; i++) {
		struct flight *f = r->done[i];

		if (e) {
			struct results one = { .done = { f }, .n = 1, .now = now };
			enum cv_err e1 = leave_on_panic(cv_store_txn(&st, 0, results_txn, &one));

			if (e1) {
				hold(f->cb.owner, f->cb.id, "the result of its delivery", e1);
				flight_to(f, FL_FREE);
				continue;
			}
		}
		unhold(f->cb.owner, f->cb.id);
		say(f);
		flight_to(f, FL_FREE);
	}
	free(r);
	return true;
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

/*
 * Is the store's disk under its reserve (store.h)? Then the programs
 * refuse writes, and cvnotify writes nothing either: no request goes (its
 * result could not be recorded), the timer does not run (its firings could
 * not be queued), the results of the requests in flight wait ANSWERED.
 * Said once when it starts and once when it ends.
 */
static bool disk_low(void)
{
	bool low = cv_store_low(&st);

	if (low && !store_low)
		fprintf(stderr, PROG ": the store's disk is under its reserve: nothing is delivered and the timer does "
			"not run until space comes back\n");
	else if (!low && store_low)
		fprintf(stderr, PROG ": the store's disk has room again: delivering\n");
	if (!low && store_low)
		due_at(0);
	store_low = low;
	return low;
}

/* One turn of the loop: the store work, under the watchdog (see the top of the file). */
static void turn(void)
{
	int64_t now = cv_now_ms(), mono = cv_mono_ms();
	uint64_t g = cv_gen_get(&st.gen, CV_GEN_OUTBOX);
	bool beat = mono >= next_beat;
	int running = 0;
	/* a replication group delivers from its master alone (db/repl.h): a replica waits, its
	 * outbox a copy of the master's, which the next master's cvnotify goes on from */
	bool follower = cv_store_role(&st, NULL) > CV_ROLE_MASTER;

	if (follower || disk_low()) {
		next_beat = mono + BEAT_MS;
	} else {
		if (mono >= next_tick) {
			timer_job(cv_engine_tick, now, "the timer's turn");
			next_tick = mono + TICK_MS;
		}
		if (beat) {
			timer_job(cv_action_tick, now, "the remote actions' timeouts");
			next_beat = mono + BEAT_MS;
		}
		if (beat || g != seen || now >= next_walk) {
			seen = g;
			walk(now);
		}
	}
	curl_multi_perform(multi, &running);
	collect(cv_now_ms());
	if (!store_low && !follower && record_results(cv_now_ms()))
		due_at(0);                      /* a callback is free again: its next notes may go at once */
	leave_on_panic(cv_store_maintain(&st, cv_now_ms()));
}

/* How long the loop may sleep: until the next walk, beat or tick (libcurl shortens it for its transfers). */
static int sleep_ms(void)
{
	int64_t now = cv_now_ms(), mono = cv_mono_ms(), ms = next_beat - mono;

	if (!store_low && next_tick - mono < ms)
		ms = next_tick - mono;
	if (!store_low && next_walk - now < ms)
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
	/* a write past a file size limit fails (EFBIG) like a full disk's, rather than end the process */
	signal(SIGXFSZ, SIG_IGN);
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
	aloft = cv_calloc(opt.flights, sizeof(*aloft));
	rotors = cv_calloc(ROTORS, sizeof(*rotors));
	opt.watchdog = (unsigned)cv_setting_int(PROG, "CVAPI_NOTIFY_WATCHDOG", 1, 3600, WATCHDOG_S);
	/* a turn on a replicated master waits for acknowledgements, and any turn for a lockout (store.h) */
	if (opt.watchdog < cv_store_watchdog_floor(&st)) {
		fprintf(stderr, PROG ": CVAPI_NOTIFY_WATCHDOG raised to %u s on a replicated site\n",
			cv_store_watchdog_floor(&st));
		opt.watchdog = cv_store_watchdog_floor(&st);
	}
	opt.owner_flights = (size_t)cv_setting_int(PROG, "CVAPI_NOTIFY_OWNER_FLIGHTS", 1, 4096, OWNER_FLIGHTS);
	opt.connect_s = (long)cv_setting_int(PROG, "CVAPI_NOTIFY_CONNECT_TIMEOUT", 1, 600, CONNECT_S);
	opt.backoff_max_ms = 1000 * cv_setting_int(PROG, "CVAPI_NOTIFY_BACKOFF_MAX", 1, 86400, CV_JUDGE_BACKOFF_MAX_S);
	cv_store_set_reserve((uint64_t)cv_setting_int(PROG, "CVAPI_STORE_RESERVE", 0, 1048576, CV_STORE_RESERVE_DEFAULT));
	fprintf(stderr, PROG ": delivering the outbox of %s (%zu in flight at most, %zu per owner)\n", opt.home,
		opt.flights, opt.owner_flights < opt.flights ? opt.owner_flights : opt.flights);
	if (cv_clock_offset())
		fprintf(stderr, PROG ": CVAPI_CLOCK: the wall clock is shifted by %lld ms (a test setting)\n",
			(long long)cv_clock_offset());
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
	free(aloft);
	free(rotors);
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

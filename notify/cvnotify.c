/*
 * cvnotify.c - cvnotify: delivers the outbox (db/outbox.h) to the
 * callbacks' webhooks.
 *
 *   cvnotify [--allow RANGES] [--timeout SECONDS] [--flights N]
 *
 * The store is $CVAPI_HOME, as for the FastCGI programs. One process, one
 * thread, one libcurl multi handle: up to N requests in flight, at most one
 * per callback, so that each callback's notifications arrive in the order
 * they were raised. The loop:
 *
 *   1. Walk the queues (one seek per callback) when the outbox's generation
 *      slot moved (a commit queued something), when a retry or a batch
 *      window comes due, and at least once a second. For each callback
 *      not in flight: a Paused one has its notes dropped; a head not yet
 *      due waits; otherwise its batch (the notes its first attempt carried,
 *      or up to batchNotify.size, waiting up to timeWindow for a full one)
 *      is sent.
 *   2. Drive the transfers; collect the finished ones, and apply them all
 *      in one transaction: a 2xx deletes the notes (and ends a Failed
 *      status); anything else counts an attempt and sets the next one by
 *      the callback's retry policy, or gives the notes up (3 days at most,
 *      or the policy's tries spent) and marks the callback Failed.
 *
 * The timer: every 5 s, the monitors with a time trigger are evaluated at
 * the current time against their vehicles' last known state
 * (cv_engine_tick), since a window opens and closes without any upload;
 * what fires goes through the outbox like the rest. Every second, the
 * remote actions whose vehicle did not answer in time are failed with
 * VehicleConnectionTimeout (cv_remote_tick), their events queued likewise.
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
#include "engine.h"
#include "cvtime.h"
#include "settings.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "cvnotify"
#define BATCH_MAX 1000                  /* notes in one request (batchNotify.size's bound) */
#define KEEP_MS (3LL * 86400 * 1000)    /* a note is given up 3 days after it was queued */
#define RESCAN_MS 1000
#define POLL_MS 10                      /* how often the generation slot is looked at when idle */
#define DROP_MAX 256                    /* notes of paused callbacks dropped per walk */
#define TICK_MS 5000                    /* the timer: time-triggered monitors evaluated this often */
#define REMOTE_TICK_MS 1000             /* remote actions past their deadline are failed this often */
#define WATCHDOG_S 30                   /* store work of one turn of the loop, at most (CVAPI_NOTIFY_WATCHDOG) */

struct flight {
	bool used, done;
	CURL *h;
	struct curl_slist *hl;
	struct cv_callback cb;
	struct cv_note **notes;
	size_t n;
	struct cv_wh_request rq;
	int64_t started;                    /* cv_mono_ms() */
	long status;
	CURLcode res;
	bool refused;                       /* the guard refused the address */
	char err[CURL_ERROR_SIZE];
};

static struct cv_store st;
static struct cv_netguard guard;
static CURLM *multi;
static struct flight *flights;
static size_t nflights = 64;
static long timeout_s = 10;
static volatile sig_atomic_t stop;
static int64_t next_scan;               /* wall clock, at most RESCAN_MS past the last walk's */
static int64_t next_tick, next_remote;  /* cv_mono_ms() */

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

static void note_free(struct cv_note *n)
{
	cv_note_clear(n);
	free(n);
}

static struct flight *flight_of(const char *owner, const char *cbid)
{
	for (size_t i = 0; i < nflights; i++)
		if (flights[i].used && !strcmp(flights[i].cb.owner, owner) && !strcmp(flights[i].cb.id, cbid))
			return &flights[i];
	return NULL;
}

static struct flight *flight_free(void)
{
	for (size_t i = 0; i < nflights; i++)
		if (!flights[i].used)
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

/* The target without its query (which may hold credentials), for log lines. */
static void target_for_log(const char *t, char *out, size_t n)
{
	size_t l = strcspn(t, "?#");

	snprintf(out, n, "%.*s", (int)(l < 200 ? l : 200), t);
}

/* Start sending w's gathered notes. */
static void launch(struct walk *w)
{
	struct flight *f = flight_free();

	if (!f) {
		for (size_t i = 0; i < w->n; i++)
			note_free(w->notes[i]);
		w->n = 0;
		return;
	}
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->cb = w->cb;
	f->notes = w->notes;
	f->n = w->n;
	w->notes = cv_calloc(BATCH_MAX, sizeof(*w->notes));
	w->n = 0;
	cv_wh_build(&f->cb, f->notes, f->n, w->now / 1000, &f->rq);
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
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT, timeout_s);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(f->h, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(f->h, CURLOPT_PRIVATE, f);
	f->started = cv_mono_ms();
	curl_multi_add_handle(multi, f->h);
}

/* The gathered notes of the current callback: sent, or kept waiting for a fuller batch. */
static void gather_end(struct walk *w)
{
	if (w->n) {
		const struct cv_note *head = w->notes[0];
		bool batching = w->cb.b2b && w->cb.batch_size > 1 && head->batch == 0;
		int64_t window_end = head->queued + (int64_t)w->cb.batch_window * 1000;

		if (batching && w->n < (size_t)w->cb.batch_size && window_end > w->now) {
			/* a batch fills up to its size, or waits out its time window */
			if (window_end < next_scan)
				next_scan = window_end;
			for (size_t i = 0; i < w->n; i++)
				note_free(w->notes[i]);
			w->n = 0;
		} else {
			launch(w);
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
			e = cv_callback_get(&st, NULL, n->owner, n->cbid, &w->cb);
			if (e == CV_EPANIC)
				_exit(CV_EXIT_RECOVER);
			/* gone (its notes go with it) or unreadable: nothing to send it */
			w->skip_cb = e != CV_OK;
			/* paused, or made a poll callback since: nothing to send */
			w->paused = !e && (w->cb.status == CV_CB_PAUSED || !w->cb.target[0]);
		}
		if (!w->skip_cb && !w->paused) {
			if (n->due > w->now) {
				if (n->due < next_scan)
					next_scan = n->due;
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
	next_scan = now + RESCAN_MS;
	e = cv_outbox_heads(&st, walk_one, w);
	if (w->have_cb)
		gather_end(w);
	if (e == CV_EPANIC)
		_exit(CV_EXIT_RECOVER);
	if (e)
		fprintf(stderr, PROG ": reading the outbox: %s\n", cv_strerror(e));
	if (w->ndrop) {
		e = cv_store_txn(&st, DB_TXN_NOSYNC, drop_txn, w);
		if (e == CV_EPANIC)
			_exit(CV_EXIT_RECOVER);
		if (!e)
			fprintf(stderr, PROG ": dropped %zu notification(s) of paused callbacks\n", w->ndrop);
		for (size_t i = 0; i < w->ndrop; i++)
			note_free(w->drop[i]);
		if (!e)
			next_scan = now;       /* more may wait behind them */
	}
	for (size_t i = 0; i < w->n; i++)
		note_free(w->notes[i]);
	free(w->notes);
	free(w);
}

/* ---- results ---------------------------------------------------------------- */

struct results {
	struct flight *done[1024];
	size_t n;
	int64_t now;
};

/* Why f failed, in words (never a header value or the target's query). */
static void why_failed(const struct flight *f, char *out, size_t n)
{
	if (f->refused)
		snprintf(out, n, "the address of the target is not allowed (see --allow)");
	else if (f->res != CURLE_OK)
		snprintf(out, n, "%s", f->err[0] ? f->err : curl_easy_strerror(f->res));
	else
		snprintf(out, n, "HTTP %ld", f->status);
}

/* The log entry of f's attempt ending at now. */
static void log_entry(const struct flight *f, int64_t now, uint8_t outcome, struct cv_delivery *d)
{
	memset(d, 0, sizeof(*d));
	cv_strlcpy(d->owner, f->cb.owner, sizeof(d->owner));
	cv_strlcpy(d->cbid, f->cb.id, sizeof(d->cbid));
	d->at = now;
	d->seq = f->notes[0]->seq;
	cv_strlcpy(d->wid, f->rq.id, sizeof(d->wid));
	d->outcome = outcome;
	d->attempt = (uint16_t)(f->notes[0]->attempts + 1);
	d->status = f->res == CURLE_OK && f->status > 0 && f->status < 1000 ? (uint16_t)f->status : 0;
	d->latency_ms = (uint32_t)(cv_mono_ms() - f->started);
	d->events = (uint32_t)f->n;
	if (outcome != CV_DL_DELIVERED)
		why_failed(f, d->error, sizeof(d->error));
}

/* Attempts a retry policy allows in all (0: no bound but the 3 days). */
static unsigned attempts_allowed(const struct cv_callback *cb)
{
	switch (cb->retry) {
	case CV_RETRY_NONE: return 2;                                   /* one try, one retry */
	case CV_RETRY_BOUNDED: return 1 + (unsigned)cb->retry_number;
	default: return 0;
	}
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

static enum cv_err results_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct results *r = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < r->n && !e; i++) {
		struct flight *f = r->done[i];
		struct cv_note *head = f->notes[0];
		bool ok = f->res == CURLE_OK && f->status >= 200 && f->status < 300;
		unsigned allowed = attempts_allowed(&f->cb);
		struct cv_delivery d;
		bool exists = true;

		/* (a callback deleted meanwhile took its queue and its log: nothing to log for it) */
		if (ok) {
			for (size_t j = 0; j < f->n && !e; j++)
				e = cv_outbox_del(s, txn, f->cb.owner, f->cb.id, f->notes[j]->seq);
			if (!e)
				e = set_status(s, txn, &f->cb, CV_CB_FAILED, CV_CB_RUNNING, r->now, &exists);
			log_entry(f, r->now, CV_DL_DELIVERED, &d);
			if (!e && exists)
				e = cv_delivery_add(s, txn, &d, f->notes, f->n);
			continue;
		}
		if ((allowed && head->attempts + 1u >= allowed) || r->now - head->queued >= KEEP_MS) {
			for (size_t j = 0; j < f->n && !e; j++)
				e = cv_outbox_del(s, txn, f->cb.owner, f->cb.id, f->notes[j]->seq);
			if (!e)
				e = set_status(s, txn, &f->cb, CV_CB_RUNNING, CV_CB_FAILED, r->now, &exists);
			log_entry(f, r->now, CV_DL_GIVEN_UP, &d);
			if (!e && exists)
				e = cv_delivery_add(s, txn, &d, f->notes, f->n);
			continue;
		}
		{
			struct cv_callback cur;

			e = cv_callback_get(s, txn, f->cb.owner, f->cb.id, &cur);
			if (e == CV_ENOTFOUND) {
				e = CV_OK;
				continue;
			}
		}
		log_entry(f, r->now, CV_DL_FAILED, &d);
		if (!e)
			e = cv_delivery_add(s, txn, &d, NULL, 0);
		if (e)
			continue;
		{
			struct cv_note next = *head;

			next.attempts = (uint16_t)(head->attempts + 1);
			next.batch = (uint16_t)f->n;
			next.due = r->now + (int64_t)(f->cb.retry_delay > 0 ? f->cb.retry_delay : 10) * 1000;
			e = cv_outbox_update(s, txn, &next);
			if (e == CV_ENOTFOUND)
				e = CV_OK;             /* the callback was deleted meanwhile */
		}
	}
	return e;
}

static void log_result(const struct flight *f, int64_t now)
{
	const struct cv_note *head = f->notes[0];
	unsigned allowed = attempts_allowed(&f->cb);
	bool ok = f->res == CURLE_OK && f->status >= 200 && f->status < 300;
	char target[256], why[CURL_ERROR_SIZE + 64], tries[48];

	if (ok)
		return;
	target_for_log(f->cb.target, target, sizeof(target));
	why_failed(f, why, sizeof(why));
	if (allowed)
		snprintf(tries, sizeof(tries), "attempt %u of %u", head->attempts + 1u, allowed);
	else
		snprintf(tries, sizeof(tries), "attempt %u", head->attempts + 1u);
	fprintf(stderr, PROG ": %s/%s %s (%zu event%s) to %s: %s after %lld ms, %s\n", f->cb.owner, f->cb.id,
		f->rq.id, f->n, f->n == 1 ? "" : "s", target, why, (long long)(cv_mono_ms() - f->started), tries);
	if ((allowed && head->attempts + 1u >= allowed) || now - head->queued >= KEEP_MS)
		fprintf(stderr, PROG ": %s/%s %s: given up; the callback is marked Failed\n", f->cb.owner, f->cb.id,
			f->rq.id);
}

static void flight_end(struct flight *f)
{
	curl_multi_remove_handle(multi, f->h);
	curl_easy_cleanup(f->h);
	curl_slist_free_all(f->hl);
	cv_wh_free(&f->rq);
	for (size_t i = 0; i < f->n; i++)
		note_free(f->notes[i]);
	free(f->notes);
	memset(f, 0, sizeof(*f));
}

/* Apply the finished transfers; true if any finished. */
static bool collect(int64_t now)
{
	struct results *r = cv_calloc(1, sizeof(*r));
	CURLMsg *m;
	int left;
	enum cv_err e;
	bool any;

	r->now = now;
	while (r->n < sizeof(r->done) / sizeof(r->done[0]) && (m = curl_multi_info_read(multi, &left))) {
		struct flight *f = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		f->res = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &f->status);
		f->done = true;
		r->done[r->n++] = f;
	}
	any = r->n > 0;
	if (any) {
		e = cv_store_txn(&st, 0, results_txn, r);
		if (e == CV_EPANIC)
			_exit(CV_EXIT_RECOVER);
		if (e)
			fprintf(stderr, PROG ": recording %zu deliveries: %s (they will be sent again)\n", r->n,
				cv_strerror(e));
		for (size_t i = 0; i < r->n; i++) {
			log_result(r->done[i], now);
			flight_end(r->done[i]);
		}
	}
	free(r);
	return any;
}

/* One of the timer's jobs (time-triggered monitors, remote timeouts): said when it fails, recovered when it must. */
static void timer_turn(enum cv_err (*job)(struct cv_store *st, int64_t now, size_t *n), int64_t now, const char *what)
{
	size_t n = 0;
	enum cv_err e = job(&st, now, &n);

	if (e == CV_EPANIC)
		_exit(CV_EXIT_RECOVER);
	if (e)
		fprintf(stderr, PROG ": %s: %s\n", what, cv_strerror(e));
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'a' }, { "timeout", required_argument, NULL, 't' },
		{ "flights", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	const char *home = getenv("CVAPI_HOME"), *allow = getenv("CVAPI_NOTIFY_ALLOW");
	struct sigaction sa;
	unsigned watchdog;
	uint64_t seen;
	int c;

	while ((c = getopt_long(argc, argv, "a:t:f:hV", opts, NULL)) != -1) {
		int64_t v;

		switch (c) {
		case 'a':
			allow = optarg;
			break;
		case 't':
			if (cv_parse_i64(optarg, 1, 600, &v)) {
				fprintf(stderr, PROG ": --timeout: seconds, 1 to 600\n");
				return 2;
			}
			timeout_s = (long)v;
			break;
		case 'f':
			if (cv_parse_i64(optarg, 1, 4096, &v)) {
				fprintf(stderr, PROG ": --flights: 1 to 4096\n");
				return 2;
			}
			nflights = (size_t)v;
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
	if (!home || !*home) {
		fprintf(stderr, PROG ": CVAPI_HOME is not set: it names the store\n");
		return 2;
	}
	if (allow && cv_ng_allow(&guard, allow)) {
		fprintf(stderr, PROG ": --allow: \"%s\": CIDR ranges, addresses, loopback, private or any\n", allow);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		cv_die(PROG ": curl_global_init failed");
	if (cv_store_owner(home))
		return 2;
	if (one_at_a_time(home))
		return stop ? 0 : 2;
	if (cv_store_open(&st, home, 0))
		return stop ? 0 : CV_EXIT_RECOVER;
	multi = curl_multi_init();
	if (!multi)
		cv_die(PROG ": curl_multi_init failed");
	flights = cv_calloc(nflights, sizeof(*flights));
	fprintf(stderr, PROG ": delivering the outbox of %s (%zu in flight at most)\n", home, nflights);
	if (cv_clock_offset())
		fprintf(stderr, PROG ": CVAPI_CLOCK: the wall clock is shifted by %lld ms (a test setting)\n",
			(long long)cv_clock_offset());
	seen = cv_gen_get(&st.gen, CV_GEN_OUTBOX);
	watchdog = (unsigned)cv_setting_int(PROG, "CVAPI_NOTIFY_WATCHDOG", 1, 3600, WATCHDOG_S);
	cv_engine_note_max((size_t)cv_setting_int(PROG, "CVAPI_NOTE_MAX", CV_ENGINE_NOTE_MIN, CV_NOTE_BODY_MAX,
						  CV_NOTE_BODY_MAX));
	alarm(watchdog);
	walk(cv_now_ms());
	while (!stop) {
		int64_t now = cv_now_ms(), mono = cv_mono_ms();
		uint64_t g = cv_gen_get(&st.gen, CV_GEN_OUTBOX);
		int running = 0, wait_ms;

		/*
		 * The watchdog: a turn's store work that outlives it ends the
		 * process (SIGALRM's default action, which no wait inside
		 * Berkeley DB can ignore), as the programs' watchdog does. Stuck
		 * on a mutex of a process that died (failchk can hang there),
		 * cvnotify can only be replaced: its supervisor starts it again,
		 * and that open recovers the store. Waiting for the network is
		 * outside it.
		 */
		alarm(watchdog);
		/* the turns are paced by the monotonic clock: a wall clock set
		 * back an hour would otherwise stall them for that hour */
		if (mono >= next_tick) {
			timer_turn(cv_engine_tick, now, "the timer's turn");
			next_tick = mono + TICK_MS;
		}
		if (mono >= next_remote) {
			timer_turn(cv_remote_tick, now, "the remote actions' timeouts");
			next_remote = mono + REMOTE_TICK_MS;
		}
		/* a next scan further ahead than a rescan: the wall clock went back */
		if (g != seen || now >= next_scan || next_scan - now > RESCAN_MS) {
			seen = g;
			walk(now);
		}
		curl_multi_perform(multi, &running);
		if (collect(cv_now_ms())) {
			/* a callback is free again: its next notes may go at once */
			next_scan = 0;
			continue;
		}
		wait_ms = POLL_MS;
		alarm(0);
		cv_store_outside(&st, true);    /* a death while waiting costs no recovery (store.h) */
		curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
		cv_store_outside(&st, false);
		alarm(watchdog);
		if (cv_store_maintain(&st, cv_now_ms()) == CV_EPANIC)
			_exit(CV_EXIT_RECOVER);
	}
	alarm(0);
	fprintf(stderr, PROG ": stopping; what is in flight is sent again by the next start\n");
	for (size_t i = 0; i < nflights; i++)
		if (flights[i].used)
			flight_end(&flights[i]);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	cv_store_close(&st);
	free(flights);
	return 0;
}

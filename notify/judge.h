/*
 * judge.h - what the end of one delivery attempt means, decided once: the
 * batch was delivered, is tried again at a given time, or is given up,
 * and why. A pure function of the answer, of the batch's delivery state
 * and of the callback's retry policy: no clock, no store, no I/O.
 * cvnotify judges each finished transfer once, then applies the verdict in
 * the transaction that records the results (the outbox, the callback's
 * status, the delivery log) and says it on stderr from the same verdict.
 *
 * The rules (doc/api.md, "Callbacks"):
 *   - a 2xx is a delivery; anything else is a failed attempt: another
 *     status (1xx and 3xx too: redirects are not followed), no answer
 *     within the timeout, a transport error, an address the guard refused;
 *   - a failed attempt ends the batch (given up) when the policy has no
 *     try left (None: the first and one retry; Bounded: the first and
 *     retry_number retries; Always: no bound), or when the batch's first
 *     note was queued CV_JUDGE_KEEP_MS (3 days) ago or more; otherwise the
 *     next attempt is due retry_delay seconds later (CV_JUDGE_DELAY_S when
 *     the callback has none);
 *   - a callback that keeps timing out backs off: after the k-th attempt
 *     in a row without an answer in time, the next waits at least
 *     base x 2^(k-1), base the larger of retry_delay and the request's
 *     timeout, at most the back-off's ceiling (never less than
 *     retry_delay). The run is the callback's, not the batch's: a batch
 *     given up after timeouts hands it to the next, which waits as long
 *     (cv_verdict.next). An answer, even an error, ends the run.
 * A timeout says which one ran out, the connection's or the request's; the
 * request's tells the receiver it answered too late (it is expected to
 * answer at once and do its work afterwards).
 */
#ifndef CV_JUDGE_H
#define CV_JUDGE_H

#include "outbox.h"

#define CV_JUDGE_KEEP_MS (3LL * 86400 * 1000)   /* a note is given up 3 days after it was queued */
#define CV_JUDGE_DELAY_S 10                     /* between tries, when the callback says nothing */
#define CV_JUDGE_BACKOFF_MAX_S 600               /* the longest wait after timeouts in a row, by default */
#define CV_JUDGE_FAULT_MAX 320

/* How a transfer ended. */
enum cv_answer {
	CV_ANSWER_HTTP,             /* a status came back */
	CV_ANSWER_TIMEOUT,          /* none within the timeout */
	CV_ANSWER_TRANSPORT,        /* the connection or the exchange failed */
	CV_ANSWER_REFUSED,          /* the guard refused the address (netguard.h) */
};

struct cv_attempt {
	enum cv_answer answer;
	long status;                /* CV_ANSWER_HTTP: the status */
	const char *error;          /* TIMEOUT, TRANSPORT: the transport's words (NULL: none) */
	unsigned attempts;          /* attempts of this batch made before this one */
	int64_t queued;             /* when the batch's first note was queued (ms) */
	int64_t now;                /* when this attempt ended (ms) */
	/* TIMEOUT */
	bool connected;             /* the connection was made: the request's timeout ran out, not the connection's */
	int64_t timeout_ms;         /* the request's timeout (0: not known: the transport's words are used) */
	int64_t connect_ms;         /* the connection's */
	/* the back-off */
	unsigned timeouts;          /* attempts in a row of the callback that timed out, before this one */
	int64_t backoff_max_ms;     /* the longest wait after timeouts (0: CV_JUDGE_BACKOFF_MAX_S) */
};

/* Why a batch was given up. */
enum cv_giveup { CV_GIVEUP_NONE, CV_GIVEUP_TRIES, CV_GIVEUP_AGE };
extern const char *const cv_giveup_names[3];

struct cv_verdict {
	enum cv_dl_outcome outcome; /* CV_DL_DELIVERED, CV_DL_FAILED (tried again) or CV_DL_GIVEN_UP */
	int64_t next;               /* CV_DL_FAILED: when the next attempt is due (ms); CV_DL_GIVEN_UP after a
				       timeout: the callback's next batch not before (its back-off); else 0 */
	unsigned timeouts;          /* attempts in a row that timed out, this one included (0: it did not) */
	enum cv_giveup giveup;      /* CV_DL_GIVEN_UP: why (the policy's tries before the age) */
	unsigned attempt;           /* this attempt's number: 1 for the first */
	unsigned allowed;           /* attempts the policy allows in all; 0: no bound but the age */
	char fault[CV_JUDGE_FAULT_MAX]; /* why the attempt failed ("HTTP 503", ...); "" when delivered */
};

/* Judge attempt a of a batch for callback cb (its retry, retry_number, retry_delay) into *v. */
void cv_judge(const struct cv_attempt *a, const struct cv_callback *cb, struct cv_verdict *v);

/* The least wait after the k-th timeout in a row (k >= 1): base_ms x 2^(k-1), at most max_ms. */
int64_t cv_judge_backoff(unsigned k, int64_t base_ms, int64_t max_ms);

#endif

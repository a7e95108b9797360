/*
 * unit-judge.c - the verdict on a delivery attempt (notify/judge.h): every
 * class of HTTP status, timeouts, transport errors and the guard's
 * refusal, each retry policy's last try, the 3-day bound, when the
 * next attempt is due, and the back-off of a callback that keeps timing
 * out.
 */
#include "judge.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define NOW 1714552200000LL             /* 2024-05-01 08:30 UTC */
#define S 1000LL
#define DAY (86400 * S)

static const struct cv_callback always = { .retry = CV_RETRY_ALWAYS, .retry_delay = 10 };
static const struct cv_callback none = { .retry = CV_RETRY_NONE, .retry_number = 3, .retry_delay = 10 };
static const struct cv_callback bounded = { .retry = CV_RETRY_BOUNDED, .retry_number = 3, .retry_delay = 60 };

/* The verdict on an HTTP answer `status` to the first attempt of a batch queued a minute ago. */
static struct cv_verdict http(const struct cv_callback *cb, long status)
{
	struct cv_attempt a = { .answer = CV_ANSWER_HTTP, .status = status, .queued = NOW - 60 * S, .now = NOW };
	struct cv_verdict v;

	cv_judge(&a, cb, &v);
	return v;
}

static void test_statuses(void)
{
	static const long delivered[] = { 200, 201, 202, 204, 299 };
	static const long failed[] = { 100, 199, 300, 301, 302, 304, 307, 400, 401, 403, 404, 408, 410, 429,
				       499, 500, 502, 503, 504, 599, 0 };
	char what[64];

	for (size_t i = 0; i < sizeof(delivered) / sizeof(delivered[0]); i++) {
		struct cv_verdict v = http(&always, delivered[i]);

		is_int(v.outcome, CV_DL_DELIVERED, "HTTP %ld: delivered", delivered[i]);
		is_str(v.fault, "", "HTTP %ld: no fault", delivered[i]);
		is_int(v.attempt, 1, "HTTP %ld: the first attempt", delivered[i]);
	}
	/* a delivery is a delivery whatever the policy, on the last try or late */
	{
		struct cv_attempt a = { .answer = CV_ANSWER_HTTP, .status = 204, .attempts = 1, .queued = NOW - 4 * DAY,
					.now = NOW };
		struct cv_verdict v;

		cv_judge(&a, &none, &v);
		is_int(v.outcome, CV_DL_DELIVERED, "a 204 on None's last try, 4 days late: delivered");
	}
	for (size_t i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
		struct cv_verdict v = http(&always, failed[i]);

		is_int(v.outcome, CV_DL_FAILED, "HTTP %ld: a failed attempt, tried again", failed[i]);
		snprintf(what, sizeof(what), "HTTP %ld", failed[i]);
		is_str(v.fault, what, "HTTP %ld: the fault says the status", failed[i]);
		ok(v.next == NOW + 10 * S, "HTTP %ld: the next attempt in 10 s", failed[i]);
		is_int(v.giveup, CV_GIVEUP_NONE, "HTTP %ld: not given up", failed[i]);
	}
}

static void test_no_answer(void)
{
	struct cv_attempt a = { .answer = CV_ANSWER_TIMEOUT, .error = "Operation timed out after 10001 milliseconds",
				.queued = NOW, .now = NOW + 10 * S };
	struct cv_verdict v;

	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "a timeout: tried again");
	is_str(v.fault, "Operation timed out after 10001 milliseconds", "in the transport's words");
	ok(v.next == NOW + 20 * S, "10 s after the attempt ended");
	a.error = NULL;
	cv_judge(&a, &always, &v);
	is_str(v.fault, "no answer within the timeout", "a timeout without words");

	a.answer = CV_ANSWER_TRANSPORT;
	a.error = "Couldn't connect to server";
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "a transport error: tried again");
	is_str(v.fault, "Couldn't connect to server", "in the transport's words");
	a.error = "";
	cv_judge(&a, &always, &v);
	is_str(v.fault, "the exchange failed", "a transport error without words");

	a.answer = CV_ANSWER_REFUSED;
	a.error = "Couldn't connect to server";
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "the guard's refusal: tried again");
	is_str(v.fault, "the address of the target is not allowed (see --allow)", "the guard's words, not the transport's");

	/* a status is only read from an HTTP answer */
	a.answer = CV_ANSWER_TIMEOUT;
	a.status = 200;
	a.error = "timed out";
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "a timeout after a 200 was seen (a body cut short): not a delivery");
}

/* The attempt after `made` attempts of a batch queued an hour ago, answered 503. */
static struct cv_verdict try_n(const struct cv_callback *cb, unsigned made)
{
	struct cv_attempt a = { .answer = CV_ANSWER_HTTP, .status = 503, .attempts = made, .queued = NOW - 3600 * S,
				.now = NOW };
	struct cv_verdict v;

	cv_judge(&a, cb, &v);
	return v;
}

static void test_policies(void)
{
	struct cv_verdict v;
	struct cv_callback b1 = bounded, nodelay = always;

	/* None: one try and one retry (what the official description says), whatever retryNumber says */
	v = try_n(&none, 0);
	is_int(v.outcome, CV_DL_FAILED, "None, first try: tried again");
	is_int(v.allowed, 2, "None allows 2 attempts");
	ok(v.next == NOW + 10 * S, "None retries after its delay, 10 s");
	v = try_n(&none, 1);
	is_int(v.outcome, CV_DL_GIVEN_UP, "None, the retry: given up");
	is_int(v.giveup, CV_GIVEUP_TRIES, "because its tries are spent");
	is_int(v.attempt, 2, "attempt 2");
	is_str(v.fault, "HTTP 503", "the fault of the last attempt");
	ok(v.next == 0, "no next attempt");

	/* Bounded: the first try and retry_number retries, retry_delay apart */
	for (unsigned made = 0; made < 3; made++) {
		v = try_n(&bounded, made);
		is_int(v.outcome, CV_DL_FAILED, "Bounded 3, attempt %u: tried again", made + 1);
		ok(v.next == NOW + 60 * S, "Bounded, attempt %u: the next after retryDelay, 60 s", made + 1);
		is_int(v.allowed, 4, "Bounded 3 allows 4 attempts");
	}
	v = try_n(&bounded, 3);
	is_int(v.outcome, CV_DL_GIVEN_UP, "Bounded 3, attempt 4: given up");
	is_int(v.giveup, CV_GIVEUP_TRIES, "its tries spent");
	v = try_n(&bounded, 7);
	is_int(v.outcome, CV_DL_GIVEN_UP, "Bounded 3, past its tries (a policy narrowed meanwhile): given up");
	b1.retry_number = 1;
	is_int(try_n(&b1, 0).outcome, CV_DL_FAILED, "Bounded 1, first try: tried again");
	is_int(try_n(&b1, 1).outcome, CV_DL_GIVEN_UP, "Bounded 1, the retry: given up");
	b1.retry_number = 100;
	is_int(try_n(&b1, 99).outcome, CV_DL_FAILED, "Bounded 100, attempt 100: tried again");
	is_int(try_n(&b1, 100).outcome, CV_DL_GIVEN_UP, "Bounded 100, attempt 101: given up");

	/* Always: no bound on tries, only the 3 days */
	v = try_n(&always, 5000);
	is_int(v.outcome, CV_DL_FAILED, "Always, attempt 5001: tried again");
	is_int(v.allowed, 0, "Always: no bound on attempts");
	is_int(v.attempt, 5001, "attempt 5001");
	nodelay.retry_delay = 0;
	v = try_n(&nodelay, 0);
	ok(v.next == NOW + CV_JUDGE_DELAY_S * S, "no retryDelay stored: 10 s");
}

static void test_age(void)
{
	struct cv_attempt a = { .answer = CV_ANSWER_HTTP, .status = 500, .attempts = 3, .now = NOW };
	struct cv_verdict v;

	a.queued = NOW - 3 * DAY + 1;
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "Always, 1 ms short of 3 days: tried again");
	ok(v.next == NOW + 10 * S, "even when the next attempt falls past the 3 days");
	a.queued = NOW - 3 * DAY;
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_GIVEN_UP, "Always, queued exactly 3 days ago: given up");
	is_int(v.giveup, CV_GIVEUP_AGE, "because of its age");
	is_str(cv_giveup_names[v.giveup], "queued 3 days ago: no notification is kept longer", "said so");
	a.queued = NOW - 10 * DAY;
	a.attempts = 1;
	cv_judge(&a, &bounded, &v);
	is_int(v.outcome, CV_DL_GIVEN_UP, "Bounded, 10 days old with tries left: given up");
	is_int(v.giveup, CV_GIVEUP_AGE, "because of its age");
	a.attempts = 3;
	cv_judge(&a, &bounded, &v);
	is_int(v.giveup, CV_GIVEUP_TRIES, "Bounded 3 on attempt 4, 10 days old: its tries are said first");
	a.attempts = 1;
	cv_judge(&a, &none, &v);
	is_int(v.giveup, CV_GIVEUP_TRIES, "None's retry, 10 days old: the tries are said first");
	is_str(cv_giveup_names[v.giveup], "the retry policy allows no more attempts", "said so");
	/* a clock set back: a note queued "in the future" is not old */
	a.queued = NOW + DAY;
	a.attempts = 0;
	cv_judge(&a, &always, &v);
	is_int(v.outcome, CV_DL_FAILED, "queued after now (the wall clock went back): tried again");
}

/* The k-th timeout in a row (k >= 1) of a batch queued a minute ago, the request's timeout 10 s. */
static struct cv_verdict timeout_n(const struct cv_callback *cb, unsigned k, unsigned made)
{
	struct cv_attempt a = { .answer = CV_ANSWER_TIMEOUT, .error = "Operation timed out", .attempts = made,
				.queued = NOW - 60 * S, .now = NOW, .connected = true, .timeout_ms = 10 * S,
				.connect_ms = 3 * S, .timeouts = k - 1, .backoff_max_ms = 600 * S };
	struct cv_verdict v;

	cv_judge(&a, cb, &v);
	return v;
}

static void test_timeouts(void)
{
	struct cv_callback fast = { .retry = CV_RETRY_BOUNDED, .retry_number = 100, .retry_delay = 1 };
	struct cv_callback slow = { .retry = CV_RETRY_BOUNDED, .retry_number = 100, .retry_delay = 3600 };
	struct cv_verdict v;
	static const long long waits[] = { 10, 20, 40, 80, 160, 320, 600, 600 };
	struct cv_attempt a = { .answer = CV_ANSWER_TIMEOUT, .error = "Connection timed out after 3001 milliseconds",
				.queued = NOW, .now = NOW, .timeout_ms = 10 * S, .connect_ms = 3 * S };

	/* the words: which timeout ran out, and what a receiver too slow must do */
	v = timeout_n(&always, 1, 0);
	is_str(v.fault, "no answer within the 10 s timeout: a receiver must answer within it (a 2xx at once, the work "
	       "after)", "a receiver slower than the timeout is told so");
	ok(strlen(v.fault) <= CV_DL_ERROR_MAX, "the words fit a log entry");
	is_int(v.timeouts, 1, "the first timeout of a run");
	cv_judge(&a, &always, &v);
	is_str(v.fault, "no connection within 3 s", "the connection's timeout, said as such");
	is_int(v.timeouts, 1, "counted in the run too");

	/* the back-off: the larger of retryDelay and the timeout, doubled per timeout in a row, at most 600 s */
	for (unsigned k = 1; k <= 8; k++) {
		v = timeout_n(&fast, k, k - 1);
		is_int(v.outcome, CV_DL_FAILED, "timeout %u in a row, Bounded 100: tried again", k);
		ok(v.next == NOW + waits[k - 1] * S, "timeout %u in a row: the next in %lld s (got %lld)", k, waits[k - 1],
		   (long long)((v.next - NOW) / S));
		is_int(v.timeouts, k, "the run is %u long", k);
	}
	v = timeout_n(&fast, 3, 2);
	is_str(v.fault, "no answer within the 10 s timeout: a receiver must answer within it (a 2xx at once, the work "
	       "after); 3 in a row: the next attempt waits 40 s", "a run says how long it is and what it costs");
	ok(strlen(v.fault) <= CV_DL_ERROR_MAX, "and still fits a log entry");
	v = timeout_n(&fast, 60000, 99);
	ok(v.next == NOW + 600 * S, "a very long run: the ceiling");
	v = timeout_n(&slow, 5, 4);
	ok(v.next == NOW + 3600 * S, "never less than the policy's own delay (3600 s)");
	ok(cv_judge_backoff(1, 10 * S, 600 * S) == 10 * S && cv_judge_backoff(4, 10 * S, 600 * S) == 80 * S &&
	   cv_judge_backoff(40, 10 * S, 600 * S) == 600 * S && cv_judge_backoff(2, 0, 600 * S) == 2,
	   "cv_judge_backoff: base x 2^(k-1), bounded");

	/* a run ends with any answer, even an error */
	{
		struct cv_attempt h = { .answer = CV_ANSWER_HTTP, .status = 503, .queued = NOW, .now = NOW,
					.timeouts = 7, .timeout_ms = 10 * S };

		cv_judge(&h, &fast, &v);
		is_int(v.timeouts, 0, "an answer (503) ends the run");
		ok(v.next == NOW + 1 * S, "and the policy's delay is back");
		h.answer = CV_ANSWER_TRANSPORT;
		cv_judge(&h, &fast, &v);
		is_int(v.timeouts, 0, "a refused connection is no timeout");
	}

	/* given up after a timeout: the run goes on to the callback's next batch, which waits as long */
	v = timeout_n(&none, 4, 1);
	is_int(v.outcome, CV_DL_GIVEN_UP, "None's retry timed out: given up");
	is_int(v.timeouts, 4, "the run");
	ok(v.next == NOW + 80 * S, "the next batch waits the back-off (80 s)");
	v = try_n(&none, 1);
	ok(v.next == 0, "given up after an answer: no wait for the next batch");
}

int main(void)
{
	test_statuses();
	test_no_answer();
	test_policies();
	test_age();
	test_timeouts();
	return tap_done();
}

/*
 * judge.c - the verdict on one delivery attempt (see judge.h).
 */
#include "config.h"
#include "judge.h"

#include <stdio.h>
#include <string.h>

const char *const cv_giveup_names[3] = {
	"",
	"the retry policy allows no more attempts",
	"queued 3 days ago: no notification is kept longer",
};

/* Attempts a retry policy allows in all (0: no bound but the 3 days). */
static unsigned attempts_allowed(const struct cv_callback *cb)
{
	switch (cb->retry) {
	case CV_RETRY_NONE:
		return 2;                               /* one try, one retry */
	case CV_RETRY_BOUNDED:
		return 1 + (unsigned)(cb->retry_number > 0 ? cb->retry_number : 0);
	default:
		return 0;
	}
}

/* Seconds of ms, rounded up, for words. */
static long long secs(int64_t ms)
{
	return (long long)((ms + 999) / 1000);
}

/* Why the attempt failed, in words (never a header value or the target's query); "" when delivered. */
static void fault_of(const struct cv_attempt *a, char *out, size_t n)
{
	switch (a->answer) {
	case CV_ANSWER_HTTP:
		if (a->status >= 200 && a->status < 300)
			out[0] = '\0';
		else
			snprintf(out, n, "HTTP %ld", a->status);
		break;
	case CV_ANSWER_REFUSED:
		snprintf(out, n, "the address of the target is not allowed (see --allow)");
		break;
	case CV_ANSWER_TIMEOUT:
		if (a->timeout_ms > 0 && a->connected)
			snprintf(out, n, "no answer within the %lld s timeout: a receiver must answer within it "
				 "(a 2xx at once, the work after)", secs(a->timeout_ms));
		else if (a->connect_ms > 0 && !a->connected)
			snprintf(out, n, "no connection within %lld s", secs(a->connect_ms));
		else
			snprintf(out, n, "%s", a->error && *a->error ? a->error : "no answer within the timeout");
		break;
	case CV_ANSWER_TRANSPORT:
	default:
		snprintf(out, n, "%s", a->error && *a->error ? a->error : "the exchange failed");
		break;
	}
}

int64_t cv_judge_backoff(unsigned k, int64_t base_ms, int64_t max_ms)
{
	int64_t d = base_ms > 0 ? base_ms : 1;

	for (unsigned i = 1; i < k && d < max_ms; i++)
		d *= 2;
	return d < max_ms ? d : max_ms;
}

void cv_judge(const struct cv_attempt *a, const struct cv_callback *cb, struct cv_verdict *v)
{
	int64_t delay = (int64_t)(cb->retry_delay > 0 ? cb->retry_delay : CV_JUDGE_DELAY_S) * 1000;

	memset(v, 0, sizeof(*v));
	v->attempt = a->attempts + 1;
	v->allowed = attempts_allowed(cb);
	fault_of(a, v->fault, sizeof(v->fault));
	if (a->answer == CV_ANSWER_TIMEOUT) {
		int64_t max = a->backoff_max_ms > 0 ? a->backoff_max_ms : CV_JUDGE_BACKOFF_MAX_S * 1000LL;
		int64_t wait = cv_judge_backoff(a->timeouts + 1, delay > a->timeout_ms ? delay : a->timeout_ms, max);

		v->timeouts = a->timeouts < UINT16_MAX ? a->timeouts + 1 : a->timeouts;
		if (wait > delay)
			delay = wait;
	}
	if (a->answer == CV_ANSWER_HTTP && a->status >= 200 && a->status < 300) {
		v->outcome = CV_DL_DELIVERED;
	} else if (v->allowed && v->attempt >= v->allowed) {
		v->outcome = CV_DL_GIVEN_UP;
		v->giveup = CV_GIVEUP_TRIES;
	} else if (a->now - a->queued >= CV_JUDGE_KEEP_MS) {
		v->outcome = CV_DL_GIVEN_UP;
		v->giveup = CV_GIVEUP_AGE;
	} else {
		v->outcome = CV_DL_FAILED;
	}
	if (v->outcome == CV_DL_FAILED || (v->outcome == CV_DL_GIVEN_UP && v->timeouts))
		v->next = a->now + delay;
	/* a run of timeouts: how long it is, and what it costs */
	if (v->timeouts > 1 && v->outcome == CV_DL_FAILED) {
		size_t l = strlen(v->fault);

		snprintf(v->fault + l, sizeof(v->fault) - l, "; %u in a row: the next attempt waits %lld s", v->timeouts,
			 secs(delay));
	}
}

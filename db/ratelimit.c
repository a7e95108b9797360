/*
 * ratelimit.c - shared request budgets and failed-credential counts (see ratelimit.h).
 */
#include "config.h"
#include "ratelimit.h"
#include "ids.h"
#include "model.h"
#include "shmap.h"

#include <string.h>

/*
 * A slot: its key (0: free), when it was last used (seconds), and four
 * words. A budget: w[0], w[1] the day windows, w[2], w[3] the second
 * windows, each word a window's number (high 32 bits) and its count (low
 * 32), the window n in w[n & 1]. Failed credentials: w[0], w[1] the minute
 * windows, w[2] the end of the lockout (ms), w[3] the lockouts of the day
 * (low 16 bits) and the last one's start (seconds, above them).
 * Slot 0 is the header: its key the table's seed.
 */
struct cv_rl_slot {
	uint64_t key;
	uint64_t used;
	uint64_t w[4];
};

#define RL_BYTES ((size_t)CV_RL_SLOTS * sizeof(struct cv_rl_slot))
#define DAY_MS 86400000LL
#define SECOND_MS 1000LL
#define MINUTE_MS 60000LL
#define STALE_S (2 * 86400)         /* a slot unused this long is free */

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static bool cas(uint64_t *p, uint64_t *expected, uint64_t v)
{
	return __atomic_compare_exchange_n(p, expected, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

enum cv_err cv_rl_open(struct cv_rl *t, const char *home)
{
	void *m = NULL;
	enum cv_err e = cv_shmap_open(home, CV_RL_FILE, RL_BYTES, &m);
	uint64_t seed = 0, fresh;

	t->slot = NULL;
	t->seed = 0;
	if (e)
		return e;
	t->slot = m;
	/* a new table gets its seed from the first process that opens it */
	seed = ld(&t->slot[0].key);
	while (!seed) {
		cv_random(&fresh, sizeof(fresh));
		if (fresh && (cas(&t->slot[0].key, &seed, fresh) || seed))
			seed = seed ? seed : fresh;
	}
	t->seed = seed;
	return CV_OK;
}

void cv_rl_close(struct cv_rl *t)
{
	cv_shmap_close(t->slot, RL_BYTES);
	t->slot = NULL;
}

uint64_t cv_rl_key(const struct cv_rl *t, char kind, const void *name, size_t len)
{
	unsigned char in[8 + 1 + 256], h[32];
	uint64_t k;

	if (len > 256)
		len = 256;
	memcpy(in, &t->seed, 8);
	in[8] = (unsigned char)kind;
	memcpy(in + 9, name, len);
	cv_sha256(in, 9 + len, h);
	memcpy(&k, h, 8);
	return k ? k : 1;
}

/* A key of failed credentials (odd) whose lockout is still running at now. */
static bool lockout_running(struct cv_rl_slot *s, uint64_t key, int64_t now)
{
	return (key & 1) && (int64_t)ld(&s->w[2]) > now;
}

/*
 * The slot of key (claimed when missing and claim is set), or NULL. Among
 * its CV_RL_PROBE places: the one that holds it, else a free or stale one,
 * else the one used least recently that holds no running lockout.
 */
static struct cv_rl_slot *slot_of(struct cv_rl *t, uint64_t key, bool claim, int64_t now)
{
	uint64_t now_s = (uint64_t)(now / 1000), oldest = UINT64_MAX, victim_key = 0;
	size_t first = 1 + (size_t)(key % (CV_RL_SLOTS - 1)), victim = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < CV_RL_PROBE; i++) {
			size_t at = 1 + (first - 1 + i) % (CV_RL_SLOTS - 1);
			struct cv_rl_slot *s = &t->slot[at];
			uint64_t k = ld(&s->key), used;

			if (k == key) {
				if (claim)
					st(&s->used, now_s);
				return s;
			}
			if (pass == 0)
				continue;
			/* second pass: take a free or stale place */
			used = ld(&s->used);
			if (!k || (used + STALE_S < now_s && !lockout_running(s, k, now))) {
				if (cas(&s->key, &k, key) || k == key) {
					if (k != key) {
						for (int w = 0; w < 4; w++)
							st(&s->w[w], 0);
					}
					st(&s->used, now_s);
					return s;
				}
			}
			if (used < oldest && k && !lockout_running(s, k, now)) {
				oldest = used;
				victim = at;
				victim_key = k;
			}
		}
		if (!claim)
			return NULL;
	}
	/* all in use: the least recently used place is taken, if nobody took it meanwhile */
	if (victim) {
		struct cv_rl_slot *s = &t->slot[victim];

		if (!cas(&s->key, &victim_key, key))
			return victim_key == key ? s : NULL;
		for (int w = 0; w < 4; w++)
			st(&s->w[w], 0);
		st(&s->used, now_s);
		return s;
	}
	return NULL;
}

/* ---- sliding windows ----------------------------------------------------- */

struct win {
	bool counted;               /* win_take counted one (to give back) */
	uint64_t *w;                /* the pair of words */
	int64_t len;                /* ms */
	uint32_t idx;               /* this window's number */
	int64_t into;               /* ms into it */
	uint32_t prev;              /* the count of the one before */
};

static void win_at(struct win *v, uint64_t *pair, int64_t len, int64_t now)
{
	uint64_t pw;
	uint32_t pidx;

	v->counted = false;
	v->w = pair;
	v->len = len;
	v->idx = (uint32_t)(now / len);
	v->into = now % len;
	pidx = v->idx - 1;
	pw = ld(&pair[pidx & 1]);
	v->prev = (uint32_t)(pw >> 32) == pidx ? (uint32_t)pw : 0;
}

static uint32_t count_of(const struct win *v, uint64_t word)
{
	return (uint32_t)(word >> 32) == v->idx ? (uint32_t)word : 0;
}

/* The sliding count given this window's count. */
static double win_est(const struct win *v, uint32_t cur)
{
	return (double)v->prev * (double)(v->len - v->into) / (double)v->len + (double)cur;
}

/* The word holds a window after v's (another process's clock ran ahead). */
static bool win_behind(const struct win *v, uint64_t word)
{
	return (int32_t)((uint32_t)(word >> 32) - v->idx) > 0;
}

/*
 * Count one more in window v while the sliding count stays within limit:
 * the new sliding count, or -1. A clock behind the window in place counts
 * nothing (and overwrites nothing): the rare request on that edge is free.
 */
static double win_take(struct win *v, uint32_t limit)
{
	uint64_t *cur = &v->w[v->idx & 1];
	uint64_t word = ld(cur);

	for (;;) {
		uint32_t c = count_of(v, word);
		double est = win_est(v, c);

		if (win_behind(v, word))
			return est;
		if (est + 1 > (double)limit)
			return -1;
		if (cas(cur, &word, ((uint64_t)v->idx << 32) | (uint64_t)(c + 1))) {
			v->counted = true;
			return est + 1;
		}
	}
}

/* Give back what win_take counted (if its window is still the current one). */
static void win_untake(struct win *v)
{
	uint64_t *cur = &v->w[v->idx & 1];
	uint64_t word = ld(cur);

	if (!v->counted)
		return;
	for (;;) {
		uint32_t c = count_of(v, word);

		if (!c || cas(cur, &word, ((uint64_t)v->idx << 32) | (uint64_t)(c - 1)))
			return;
	}
}

/* Count one more in window v, whatever the count: the new sliding count. */
static double win_add(struct win *v)
{
	uint64_t *cur = &v->w[v->idx & 1];
	uint64_t word = ld(cur);

	for (;;) {
		uint32_t c = count_of(v, word);

		if (win_behind(v, word))
			return win_est(v, c);
		if (cas(cur, &word, ((uint64_t)v->idx << 32) | (uint64_t)(c + 1)))
			return win_est(v, c + 1);
	}
}

/* ms until one more request fits within limit, nobody asking meanwhile. */
static int64_t win_retry(const struct win *v, uint32_t limit)
{
	uint32_t cur = count_of(v, ld(&v->w[v->idx & 1]));
	double room = (double)limit - 1, wait;

	if ((double)cur > room) {
		/* this window alone is over: into the next one, where it weighs as prev */
		wait = (double)(v->len - v->into) + (double)v->len * (1 - room / (double)cur);
	} else if (v->prev) {
		wait = (double)v->len * (1 - (room - (double)cur) / (double)v->prev) - (double)v->into;
	} else {
		wait = 0;
	}
	return wait < 1 ? 1 : (int64_t)wait + 1;
}

static uint32_t remaining(uint32_t limit, double est)
{
	return est >= (double)limit ? 0 : (uint32_t)((double)limit - est);
}

/* ---- budgets -------------------------------------------------------------- */

/* Fold one window's sliding count est under limit into s (the tighter budget of its kind). */
static void note(struct cv_rl_state *s, bool second, uint32_t limit, double est)
{
	uint32_t left = remaining(limit, est);

	if (second) {
		if (!s->has_second || left < s->remaining_second) {
			s->limit_second = limit;
			s->remaining_second = left;
		}
		s->has_second = true;
	} else {
		if (!s->has_day || left < s->remaining_day) {
			s->limit_day = limit;
			s->remaining_day = left;
		}
		s->has_day = true;
	}
}

bool cv_rl_take(struct cv_rl *t, const struct cv_rl_ask *a, int64_t now, struct cv_rl_state *s)
{
	struct win taken[2 * CV_RL_KEYS];
	struct cv_rl_slot *slots[CV_RL_KEYS] = { 0 };
	size_t ntaken = 0;
	bool ok = true;

	memset(s, 0, sizeof(*s));
	if (!t->slot)
		return true;
	for (size_t i = 0; i < a->n && ok; i++) {
		const struct cv_rl_rule *r = &a->rule[i];

		if (!r->day && !r->second)
			continue;
		slots[i] = slot_of(t, a->key[i] & ~(uint64_t)1, true, now);
		if (!slots[i])
			continue;
		for (int which = 0; which < 2 && ok; which++) {
			uint32_t limit = which ? r->second : r->day;
			struct win *v = &taken[ntaken];
			double est;

			if (!limit)
				continue;
			win_at(v, &slots[i]->w[which ? 2 : 0], which ? SECOND_MS : DAY_MS, now);
			est = win_take(v, limit);
			if (est < 0) {
				ok = false;
				s->retry_ms = win_retry(v, limit);
				s->by_second = which == 1;
			} else {
				ntaken++;
				note(s, which == 1, limit, est);
			}
		}
	}
	if (ok)
		return true;
	/* refused: what was taken is given back, and the headers say the budgets as they stand */
	while (ntaken)
		win_untake(&taken[--ntaken]);
	s->has_day = s->has_second = false;
	for (size_t i = 0; i < a->n; i++) {
		const struct cv_rl_rule *r = &a->rule[i];

		if (!slots[i] && (r->day || r->second))
			slots[i] = slot_of(t, a->key[i] & ~(uint64_t)1, false, now);
		for (int which = 0; slots[i] && which < 2; which++) {
			uint32_t limit = which ? r->second : r->day;
			struct win v;

			if (!limit)
				continue;
			win_at(&v, &slots[i]->w[which ? 2 : 0], which ? SECOND_MS : DAY_MS, now);
			note(s, which == 1, limit, win_est(&v, count_of(&v, ld(&v.w[v.idx & 1]))));
		}
	}
	/* the budget that refused is spent, whatever the estimate rounds to */
	if (s->by_second)
		s->remaining_second = 0;
	else
		s->remaining_day = 0;
	return false;
}

/* ---- failed credentials ----------------------------------------------------- */

int64_t cv_rl_locked(struct cv_rl *t, uint64_t key, int64_t now)
{
	struct cv_rl_slot *s;
	int64_t until;

	if (!t->slot)
		return 0;
	s = slot_of(t, key | 1, false, now);
	if (!s)
		return 0;
	until = (int64_t)ld(&s->w[2]);
	if (until <= now)
		return 0;
	/* a lockout being knocked at stays the most recently used */
	st(&s->used, (uint64_t)(now / 1000));
	return until - now;
}

int64_t cv_rl_failed(struct cv_rl *t, uint64_t key, uint32_t threshold, int64_t base_ms, int64_t max_ms, int64_t now)
{
	struct cv_rl_slot *s;
	struct win v;
	uint64_t word, strikes, last;
	int64_t delay;

	if (!t->slot || !threshold)
		return 0;
	s = slot_of(t, key | 1, true, now);
	if (!s)
		return 0;
	win_at(&v, &s->w[0], MINUTE_MS, now);
	win_add(&v);
	/*
	 * Failures are counted whole over this minute and the one before, not
	 * weighted as budgets are: threshold failures within any 60 s then
	 * always lock, where the weighted count let 10 failures that straddle
	 * a minute's edge pass (5 just before, 5 just after weigh 9.9).
	 * Within 120 s they may lock too: the brake errs on the strict side.
	 */
	if ((uint64_t)v.prev + count_of(&v, ld(&v.w[v.idx & 1])) < threshold)
		return 0;
	/* a lockout: the day's earlier ones double it */
	word = ld(&s->w[3]);
	strikes = word & 0xffff;
	last = word >> 16;
	if (last + 86400 < (uint64_t)(now / 1000))
		strikes = 0;
	delay = base_ms;
	for (uint64_t i = 0; i < strikes && delay < max_ms; i++)
		delay *= 2;
	if (delay > max_ms)
		delay = max_ms;
	st(&s->w[3], ((uint64_t)(now / 1000) << 16) | (strikes + 1 < 0xffff ? strikes + 1 : 0xffff));
	st(&s->w[2], (uint64_t)(now + delay));
	/* the count starts again after the lockout */
	st(&s->w[0], 0);
	st(&s->w[1], 0);
	return delay;
}

void cv_rl_succeeded(struct cv_rl *t, uint64_t key)
{
	struct cv_rl_slot *s;

	if (!t->slot)
		return;
	s = slot_of(t, key | 1, false, 0);
	if (!s)
		return;
	for (int w = 0; w < 4; w++)
		st(&s->w[w], 0);
}

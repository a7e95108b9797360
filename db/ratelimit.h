/*
 * ratelimit.h - request budgets and failed-credential counts, shared by
 * every process of a store, never written to the store.
 *
 * The file "ratelimits" in the store folder (shmap.h) holds a table of
 * CV_RL_SLOTS slots, each a 64-bit key and a few 64-bit words, read and
 * changed with atomic operations only: no lock, nothing a killed process
 * can leave held, no log flush on any path. A restart of the server keeps
 * the counts (the file stays); removing the file forgets them, which is
 * all a lost count costs.
 *
 * Keys are a keyed hash (the table's own random seed, made with the file)
 * of a kind and a name (cv_rl_key): 'c' a client, 't' a grant (a token's
 * family), 'v' a vehicle, 'u' an account's failed passwords, 'a' a client
 * address's. Keys of failed credentials are odd, budgets' even. A key
 * lives in one of CV_RL_PROBE slots from its hash; a slot unused for two
 * days is taken again, and when all of them are in use the one used least
 * recently is, but never one whose lockout is running (then the new key
 * is not counted).
 *
 * Budgets (cv_rl_take) are sliding windows, a day and a second, each kept
 * as two fixed windows (this one and the one before) whose counts are
 * weighed by how much of the earlier one the sliding window still covers.
 * A request is counted against every budget it falls under, or none: a
 * refused request costs nothing, so a client that waits gets its budget
 * back. Each count is changed by compare-and-swap against its limit, so two
 * processes never both take the last request of a budget.
 *
 * Failed credentials (cv_rl_failed): failures are counted whole over the
 * current clock minute and the one before (threshold failures within any
 * 60 s always lock; within 120 s they may); reaching the threshold locks
 * the key out for a delay that
 * doubles with each lockout of the day (base, 2 base, 4 base ... at most
 * max). A success clears the key (cv_rl_succeeded).
 */
#ifndef CV_RATELIMIT_H
#define CV_RATELIMIT_H

#include "cv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_RL_FILE "ratelimits"
#define CV_RL_SLOTS 65536           /* 3 MB */
#define CV_RL_PROBE 8

struct cv_rl_slot;

struct cv_rl {
	struct cv_rl_slot *slot;    /* the mapping, its first slot the header; NULL: closed (nothing is limited) */
	uint64_t seed;
};

/* Requests a sliding day and a sliding second may make; 0: no limit. */
struct cv_rl_rule {
	uint32_t day, second;
};

/* The budgets one request is counted against. */
#define CV_RL_KEYS 3
struct cv_rl_ask {
	size_t n;
	uint64_t key[CV_RL_KEYS];
	struct cv_rl_rule rule[CV_RL_KEYS];
};

/* What the answer's X-RateLimit headers say: -1 the day's, -2 the second's (the tighter budget of each). */
struct cv_rl_state {
	bool has_day, has_second;   /* some budget has such a limit */
	uint32_t limit_day, remaining_day, limit_second, remaining_second;
	int64_t retry_ms;           /* refused: how long until the request would be taken */
	bool by_second;             /* refused by a second's budget (else a day's) */
};

/* Map home/CV_RL_FILE (made when missing), and make its seed when new. */
enum cv_err cv_rl_open(struct cv_rl *t, const char *home);
void cv_rl_close(struct cv_rl *t);

/* The key of kind (a letter, above) and name[0..len); never 0. */
uint64_t cv_rl_key(const struct cv_rl *t, char kind, const void *name, size_t len);

/*
 * Count one request against every budget of a at now (ms): true when it
 * is taken; false (nothing counted) when one budget is spent. *s is filled
 * either way. A closed table takes everything and reports no limit.
 */
bool cv_rl_take(struct cv_rl *t, const struct cv_rl_ask *a, int64_t now, struct cv_rl_state *s);

/* How long (ms) key is still locked out at now; 0: it may try. */
int64_t cv_rl_locked(struct cv_rl *t, uint64_t key, int64_t now);
/*
 * One failure of key at now: when it makes `threshold` in a sliding
 * minute, key is locked out for base_ms doubled once per earlier lockout
 * within a day, at most max_ms, and that delay is returned; else 0.
 */
int64_t cv_rl_failed(struct cv_rl *t, uint64_t key, uint32_t threshold, int64_t base_ms, int64_t max_ms, int64_t now);
/* A success of key: its failures and lockouts are forgotten. */
void cv_rl_succeeded(struct cv_rl *t, uint64_t key);

#endif

/*
 * rcache.h - a process's copies of its recent answers to the reads that
 * depend on one vehicle's data and on who asks, and on nothing else.
 *
 * A read of GET .../vehicles/{id}/status costs three B-tree lookups (token,
 * ownership, status) and the rendering; most reads of a vehicle repeat the
 * one before. The request layer (req.c) keeps the whole answer (head and
 * body) of such a read, keyed by everything of the request it depends on
 * (the base URL of the links, REQUEST_URI with its query, the
 * Authorization header), together with the change generations (db/gen.h)
 * noted before the store was read: CV_GEN_ALL (who may read what) and the
 * vehicle's slot. A copy is served while both are unchanged, the token has
 * not expired, and it is younger than CV_RC_TTL_MS; anything else is a
 * miss and the read runs as usual. An upload bumps the vehicle's slot once
 * its transaction committed and before it answers, so a read that follows
 * an acknowledged upload, in any process, never gets the older copy.
 *
 * Only GET and HEAD without a body are looked up (a body gets the usual
 * refusal). Only a handler knows that its answer has no other input: it says so with
 * cv_rc_vehicle() (req.h), and only answers with status 200 are kept. The
 * table is direct-mapped (a new answer replaces the one in its place),
 * CVAPI_CACHE entries (default CV_RC_DEFAULT, 0 = off), per process.
 */
#ifndef CV_RCACHE_H
#define CV_RCACHE_H

#include "gen.h"
#include "ratelimit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_RC_DEFAULT 256
#define CV_RC_MAX 65536
#define CV_RC_TTL_MS 30000          /* a backstop: the generations decide */
#define CV_RC_KEY_MAX 1024

/* The generations a copy depends on, noted before the store is read. */
struct cv_rc_stamp {
	size_t slot;                /* the vehicle's, cv_gen_slot() */
	uint64_t all, veh;
};

/* Size the table: entries rounded up to a power of two, at most CV_RC_MAX; 0: off. */
void cv_rc_setup(size_t entries);
bool cv_rc_on(void);
/* Note the generations of slot now (before reading the store). */
void cv_rc_note(const struct cv_gen *g, size_t slot, struct cv_rc_stamp *s);

/*
 * The kept answer for key[0..klen), when still valid against g at now:
 * *resp (head, blank line, body) of *len bytes, the head's *head_len of
 * them, and the budgets its request was counted against (*ask): a kept
 * answer is counted like the read it saves (quota.h). NULL: a miss (an
 * invalid copy is dropped).
 */
const char *cv_rc_find(const struct cv_gen *g, const char *key, size_t klen, int64_t now,
		       size_t *len, size_t *head_len, const struct cv_rl_ask **ask);
/*
 * Keep an answer (copied) under key, made at now (ms) for a request counted
 * against ask: valid while s holds, before `expires` (the token's) and for
 * CV_RC_TTL_MS at most. The head holds no X-RateLimit header: those are
 * the asking request's.
 */
void cv_rc_keep(const char *key, size_t klen, const struct cv_rc_stamp *s, int64_t now, int64_t expires,
		const struct cv_rl_ask *ask, const char *head, size_t head_len, const char *body, size_t body_len);
/* Drop every copy, free the table. */
void cv_rc_free(void);

#endif

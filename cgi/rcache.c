/*
 * rcache.c - the per-process answer cache (see rcache.h).
 */
#include "config.h"
#include "rcache.h"
#include "cv.h"

#include <stdlib.h>
#include <string.h>

struct rc_entry {
	uint64_t hash;
	char *mem;                  /* key, then the answer; NULL: empty */
	size_t klen, len, head_len;
	struct cv_rc_stamp stamp;
	struct cv_rl_ask ask;
	int64_t kept, until;        /* ms */
};

static struct rc_entry *rc_table;
static size_t rc_mask;              /* entries - 1 */

static void rc_drop(struct rc_entry *e)
{
	free(e->mem);
	memset(e, 0, sizeof(*e));
}

void cv_rc_setup(size_t entries)
{
	size_t n = 1;

	cv_rc_free();
	if (!entries)
		return;
	if (entries > CV_RC_MAX)
		entries = CV_RC_MAX;
	while (n < entries)
		n <<= 1;
	rc_table = cv_calloc(n, sizeof(*rc_table));
	rc_mask = n - 1;
}

bool cv_rc_on(void)
{
	return rc_table != NULL;
}

void cv_rc_note(const struct cv_gen *g, size_t slot, struct cv_rc_stamp *s)
{
	s->slot = slot;
	s->all = cv_gen_get(g, CV_GEN_ALL);
	s->veh = cv_gen_get(g, slot);
}

const char *cv_rc_find(const struct cv_gen *g, const char *key, size_t klen, int64_t now,
		       size_t *len, size_t *head_len, const struct cv_rl_ask **ask)
{
	struct rc_entry *e;
	uint64_t h;

	if (!rc_table)
		return NULL;
	h = cv_hash64(key, klen);
	e = &rc_table[h & rc_mask];
	/* the key holds a bearer token: compared in constant time, like tokens */
	if (!e->mem || e->hash != h || e->klen != klen || !cv_memeq_ct(e->mem, key, klen))
		return NULL;
	if (now >= e->until || now < e->kept || cv_gen_get(g, CV_GEN_ALL) != e->stamp.all ||
	    cv_gen_get(g, e->stamp.slot) != e->stamp.veh) {
		rc_drop(e);
		return NULL;
	}
	*len = e->len;
	*head_len = e->head_len;
	*ask = &e->ask;
	return e->mem + klen;
}

void cv_rc_keep(const char *key, size_t klen, const struct cv_rc_stamp *s, int64_t now, int64_t expires,
		const struct cv_rl_ask *ask, const char *head, size_t head_len, const char *body, size_t body_len)
{
	struct rc_entry *e;
	uint64_t h;

	if (!rc_table || klen > CV_RC_KEY_MAX)
		return;
	h = cv_hash64(key, klen);
	e = &rc_table[h & rc_mask];
	rc_drop(e);
	e->mem = cv_malloc(klen + head_len + body_len);
	memcpy(e->mem, key, klen);
	memcpy(e->mem + klen, head, head_len);
	if (body_len)
		memcpy(e->mem + klen + head_len, body, body_len);
	e->hash = h;
	e->klen = klen;
	e->len = head_len + body_len;
	e->head_len = head_len;
	e->stamp = *s;
	e->ask = *ask;
	e->kept = now;
	e->until = expires < now + CV_RC_TTL_MS ? expires : now + CV_RC_TTL_MS;
}

void cv_rc_free(void)
{
	if (rc_table)
		for (size_t i = 0; i <= rc_mask; i++)
			free(rc_table[i].mem);
	free(rc_table);
	rc_table = NULL;
	rc_mask = 0;
}

/*
 * gen.c - change generations in a shared mapping (see gen.h).
 */
#include "config.h"
#include "gen.h"
#include "shmap.h"

#define GEN_BYTES ((size_t)CV_GEN_SLOTS * sizeof(uint64_t))

enum cv_err cv_gen_open(struct cv_gen *g, const char *home)
{
	void *m = NULL;
	enum cv_err e = cv_shmap_open(home, CV_GEN_FILE, GEN_BYTES, &m);

	g->slot = e ? NULL : m;
	return e;
}

void cv_gen_close(struct cv_gen *g)
{
	if (g->slot)
		cv_shmap_close(g->slot, GEN_BYTES);
	g->slot = NULL;
}

size_t cv_gen_slot(const void *id, size_t len)
{
	return 1 + (size_t)(cv_hash64(id, len) % (CV_GEN_SLOTS - 2));
}

uint64_t cv_gen_get(const struct cv_gen *g, size_t slot)
{
	if (!g->slot || slot >= CV_GEN_SLOTS)
		return 0;
	return __atomic_load_n(&g->slot[slot], __ATOMIC_ACQUIRE);
}

void cv_gen_bump(struct cv_gen *g, size_t slot)
{
	if (g->slot && slot < CV_GEN_SLOTS)
		__atomic_add_fetch(&g->slot[slot], 1, __ATOMIC_RELEASE);
}

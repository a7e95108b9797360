/*
 * gen.c - change generations in a shared mapping (see gen.h).
 */
#include "config.h"
#include "gen.h"
#include "shmap.h"

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif
#include <limits.h>
#include <time.h>
#include <unistd.h>

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

/* The futex word of a slot: its low 32 bits, which every bump changes. */
static uint32_t *low_word(uint64_t *slot)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint32_t *)slot + 1;
#else
	return (uint32_t *)slot;
#endif
}

void cv_gen_bump(struct cv_gen *g, size_t slot)
{
	if (!g->slot || slot >= CV_GEN_SLOTS)
		return;
	__atomic_add_fetch(&g->slot[slot], 1, __ATOMIC_RELEASE);
#ifdef __linux__
	if (CV_GEN_WAITED(slot))
		syscall(SYS_futex, low_word(&g->slot[slot]), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
}

bool cv_gen_wait(const struct cv_gen *g, size_t slot, uint64_t seen, int ms)
{
	struct timespec ts;

	if (!g->slot || slot >= CV_GEN_SLOTS)
		return false;
	if (cv_gen_get(g, slot) != seen)
		return true;
#ifdef __linux__
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	/* sleeps unless the word is no longer seen's low half, until a FUTEX_WAKE, a signal or the time */
	syscall(SYS_futex, low_word(&g->slot[slot]), FUTEX_WAIT, (uint32_t)seen, ms < 0 ? NULL : &ts, NULL, 0);
#else
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(ms >= 0 && ms < 10 ? ms : 10) * 1000000L;
	nanosleep(&ts, NULL);
#endif
	return cv_gen_get(g, slot) != seen;
}

/* procs.c - which processes of a store may be inside Berkeley DB (see procs.h). */
#include "config.h"
#include "procs.h"
#include "gen.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define PROCS_BYTES ((size_t)CV_PROCS_SLOTS * sizeof(uint64_t))

static pid_t word_pid(uint64_t w)
{
	return (pid_t)(w >> 1);
}

static bool pid_gone(pid_t pid)
{
	return kill(pid, 0) != 0 && errno == ESRCH;
}

enum cv_err cv_procs_open(struct cv_procs *p, const char *home)
{
	void *m;
	enum cv_err e = cv_shm_map(home, CV_PROCS_FILE, PROCS_BYTES, &m);

	p->slot = m;
	p->mine = NULL;
	return e;
}

void cv_procs_join(struct cv_procs *p)
{
	uint64_t me = (uint64_t)getpid() << 1;

	if (!p->slot || p->mine)
		return;
	for (size_t i = 0; i < CV_PROCS_SLOTS; i++) {
		uint64_t w = __atomic_load_n(&p->slot[i], __ATOMIC_ACQUIRE);

		if (w && (word_pid(w) == getpid() || pid_gone(word_pid(w))))
			__atomic_compare_exchange_n(&p->slot[i], &w, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	for (size_t i = 0; i < CV_PROCS_SLOTS && !p->mine; i++) {
		uint64_t free_word = 0;

		if (__atomic_compare_exchange_n(&p->slot[i], &free_word, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			p->mine = &p->slot[i];
	}
}

void cv_procs_quiet(struct cv_procs *p, bool quiet)
{
	if (p->mine)
		__atomic_store_n(p->mine, (uint64_t)getpid() << 1 | (quiet ? 1u : 0u), __ATOMIC_SEQ_CST);
}

bool cv_procs_was_quiet(const struct cv_procs *p, pid_t pid)
{
	bool quiet = false, seen = false;

	if (!p->slot || pid <= 0)
		return false;
	/* every word of the pid must say so (a word left by an earlier
	 * process of the same pid could only make it look quiet) */
	for (size_t i = 0; i < CV_PROCS_SLOTS; i++) {
		uint64_t w = __atomic_load_n(&p->slot[i], __ATOMIC_ACQUIRE);

		if (w && word_pid(w) == pid) {
			quiet = (seen ? quiet : true) && (w & 1);
			seen = true;
		}
	}
	return seen && quiet;
}

void cv_procs_forget(struct cv_procs *p, pid_t pid)
{
	if (!p->slot || pid <= 0)
		return;
	for (size_t i = 0; i < CV_PROCS_SLOTS; i++) {
		uint64_t w = __atomic_load_n(&p->slot[i], __ATOMIC_ACQUIRE);

		if (w && word_pid(w) == pid)
			__atomic_compare_exchange_n(&p->slot[i], &w, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
}

void cv_procs_close(struct cv_procs *p)
{
	if (p->mine)
		__atomic_store_n(p->mine, 0, __ATOMIC_RELEASE);
	p->mine = NULL;
	if (p->slot)
		munmap(p->slot, PROCS_BYTES);
	p->slot = NULL;
}

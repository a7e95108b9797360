/*
 * procs.h - which processes of a store may be inside Berkeley DB's code.
 *
 * When a process dies with the environment open, its replacement must
 * choose between failchk (cheap: only the dead process's locks and
 * transactions are released, nobody else notices) and recovery (every
 * other process is ended). failchk is only safe when the dead process
 * held no Berkeley DB mutex, that is when it died outside Berkeley DB's
 * code. Measured: failchk tried after a death inside (a writer killed in
 * the middle of a transaction) failed and left the environment to a
 * panic that took more than 5 s to settle in 1 run in 4, where plain
 * recovery settled in under a second every time.
 *
 * So each process says, in shared memory, whether it is "quiet": outside
 * every Berkeley DB call, with no transaction or cursor of its own to
 * clean up beyond what failchk handles. A FastCGI program is quiet while
 * it waits for a request, reads a body or sends an answer (the
 * watchdog's phases other than STORE). The opener that finds a dead
 * process in the registry runs the failchk probe only when every dead
 * one had said it was quiet; an unknown process (no slot, cvctl, a probe
 * child) counts as not quiet.
 *
 * The file "processes" in the store folder (opened as gen.h says) holds
 * CV_PROCS_SLOTS 64-bit words: 0 is free, otherwise pid << 1 | quiet.
 * A process claims a free word with a compare-and-swap when it opens the
 * store and frees it when it closes it; a killed process's word stays
 * until an opener finds it dead.
 */
#ifndef CV_PROCS_H
#define CV_PROCS_H

#include "cv.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CV_PROCS_FILE "processes"
#define CV_PROCS_SLOTS 4096         /* 32 KB */

struct cv_procs {
	uint64_t *slot;             /* the mapping; NULL when closed */
	uint64_t *mine;             /* this process's word; NULL without one */
};

/* Map home/CV_PROCS_FILE. No word is claimed yet. */
enum cv_err cv_procs_open(struct cv_procs *p, const char *home);
/*
 * Claim a word for this process (not quiet): words of processes that are
 * gone, and any left with this pid by an earlier process, are freed
 * first. Without a free word the process simply has none (and counts as
 * unknown: never quiet).
 */
void cv_procs_join(struct cv_procs *p);
/* Say whether this process is quiet (nothing without a word). */
void cv_procs_quiet(struct cv_procs *p, bool quiet);
/* Did pid say it was quiet? false when it has no word. */
bool cv_procs_was_quiet(const struct cv_procs *p, pid_t pid);
/* Free pid's word (a dead process, handled). */
void cv_procs_forget(struct cv_procs *p, pid_t pid);
/* Free this process's word and unmap; safe on a closed one. */
void cv_procs_close(struct cv_procs *p);

#endif

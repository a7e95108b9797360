/*
 * gen.h - change generations: counters in shared memory that tell every
 * process of a store that something it may have copied has changed.
 *
 * The file "generations" in the store folder holds CV_GEN_SLOTS 64-bit
 * counters and is mapped (MAP_SHARED) by every process that opens the
 * store. Slot CV_GEN_ALL is the generation of everything; the other slots
 * but CV_GEN_OUTBOX are vehicles' (cv_gen_slot(vid): a hash, so two vehicles may share one,
 * which only costs a cache a needless miss).
 *
 * The protocol (what makes a copy safe to reuse):
 *   - a writer bumps a slot after the transaction that changed the data
 *     committed (cv_store_commit does it for the writes cv_store_put and
 *     cv_store_del tracked; see store.h), before it answers anyone;
 *   - a reader loads the counters it depends on before it reads the store;
 *     a copy of what it then read stays valid while they are unchanged.
 * A reader that loaded a counter before a bump and read the data after it
 * holds newer data under an older counter: a needless miss, never a stale
 * hit. A writer killed between its commit and its bump had not answered;
 * every process bumps CV_GEN_ALL when it opens the store, so its
 * replacement ends any copy of the old data.
 *
 * Counters only grow and are read and bumped with atomic operations (one
 * 64-bit word each: lock-free on every platform cvapi builds on).
 *
 * Waiting for a bump (cv_gen_wait): a futex on the slot's low 32 bits,
 * which every bump changes. The mapping is a file shared between
 * processes, so the futex is the shared kind (FUTEX_WAIT, FUTEX_WAKE, not
 * their _PRIVATE forms), keyed by the file and offset, not the address.
 * Only CV_GEN_OUTBOX is waited on (by cvnotify), so only its bumps wake
 * (CV_GEN_WAITED): one more system call per commit that queued a
 * notification, none for the others. Elsewhere than on Linux a wait is a
 * sleep of at most 10 ms.
 */
#ifndef CV_GEN_H
#define CV_GEN_H

#include "cv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_GEN_FILE "generations"
#define CV_GEN_SLOTS 16384          /* 128 KB */
#define CV_GEN_ALL 0
/* The outbox's slot: bumped by every commit that queued a notification (outbox.h), which wakes cvnotify. */
#define CV_GEN_OUTBOX (CV_GEN_SLOTS - 1)
/* The slots whose bumps wake the processes waiting on them (cv_gen_wait). */
#define CV_GEN_WAITED(slot) ((slot) == CV_GEN_OUTBOX)

struct cv_gen {
	uint64_t *slot;             /* the mapping; NULL when closed */
};

/*
 * Map home/CV_GEN_FILE, creating it (mode 0660, zeros) when missing: made
 * whole under another name, then renamed into place unless another
 * process made it first. The file is opened without following a symbolic
 * link and must be cvapi's: a regular file of this user's, with one link,
 * of exactly CV_GEN_SLOTS counters; anything else is refused (CV_EINVAL)
 * and left as it is: never resized, never given to anyone. On failure a
 * line saying why is printed on stderr.
 */
enum cv_err cv_gen_open(struct cv_gen *g, const char *home);
/* Unmap; safe on a closed one. */
void cv_gen_close(struct cv_gen *g);

/* The slot of vehicle id[0..len): 1 .. CV_GEN_SLOTS-2. */
size_t cv_gen_slot(const void *id, size_t len);
/* The current value of a slot (0 when g is closed). */
uint64_t cv_gen_get(const struct cv_gen *g, size_t slot);
/* Add one to a slot (nothing when g is closed); wake its waiters if it is CV_GEN_WAITED. */
void cv_gen_bump(struct cv_gen *g, size_t slot);
/*
 * Wait until a slot is no longer `seen` or ms milliseconds pass (ms < 0:
 * no bound); true if it moved. A signal handled meanwhile may end the
 * wait early (false unless it moved). At once when g is closed.
 */
bool cv_gen_wait(const struct cv_gen *g, size_t slot, uint64_t seen, int ms);

#endif

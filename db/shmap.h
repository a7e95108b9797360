/*
 * shmap.h - files of the store folder mapped in shared memory: counters
 * that every process of a store reads and writes with atomic operations,
 * and that need not survive a restart (gen.h, ratelimit.h).
 *
 * A file is made whole or not at all (zeros, mode 0660, made under another
 * name and renamed into place unless another process made it first), and
 * opened without following a symbolic link and without blocking on a
 * FIFO. It must be cvapi's: a regular file of this user's, with one link,
 * of exactly the size asked for; anything else is refused and left as it
 * is: never resized, never given to anyone.
 */
#ifndef CV_SHMAP_H
#define CV_SHMAP_H

#include "cv.h"

#include <stddef.h>

/* Map home/name (bytes long) read-write and shared into *map; on failure a line saying why is on stderr. */
enum cv_err cv_shmap_open(const char *home, const char *name, size_t bytes, void **map);
/* Unmap (nothing when map is NULL). */
void cv_shmap_close(void *map, size_t bytes);

#endif

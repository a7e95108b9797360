/*
 * gen.c - change generations in a shared mapping (see gen.h).
 */
#define _GNU_SOURCE 1                  /* mkostemp, renameat2 */
#include "config.h"
#include "gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_BYTES ((off_t)CV_GEN_SLOTS * (off_t)sizeof(uint64_t))

/*
 * Make home/CV_GEN_FILE whole or not at all: a new file of its own name,
 * sized, then renamed into place unless one is there already (then that
 * one is used). 0: made or already there; -1: errno says why.
 */
static int gen_make(const char *home, const char *path)
{
	char tmp[4096];
	int fd, n, ret = 0;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", home, CV_GEN_FILE);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0660) < 0 || ftruncate(fd, GEN_BYTES) < 0 ||
	    (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0 && errno != EEXIST))
		ret = -1;
	n = errno;
	close(fd);
	/* still there when the rename failed (or found the name taken) */
	unlink(tmp);
	errno = n;
	return ret;
}

enum cv_err cv_gen_open(struct cv_gen *g, const char *home)
{
	char path[4096];
	struct stat sb;
	void *m;
	int fd, n;

	g->slot = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", home, CV_GEN_FILE);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "cvapi: store folder name too long: %s\n", home);
		return CV_EINVAL;
	}
	/* never through a symbolic link, never blocking on a FIFO */
	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (gen_make(home, path) < 0) {
			fprintf(stderr, "cvapi: cannot make %s: %s\n", path, strerror(errno));
			return CV_EIO;
		}
		fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "cvapi: cannot open %s: %s\n", path,
			errno == ELOOP ? "it is a symbolic link, which cvapi never follows there" : strerror(errno));
		return CV_EIO;
	}
	if (fstat(fd, &sb) < 0) {
		fprintf(stderr, "cvapi: cannot stat %s: %s\n", path, strerror(errno));
		close(fd);
		return CV_EIO;
	}
	/* cvapi's own: a regular file of this user's, with no other name, of the size cvapi makes */
	if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1 || sb.st_uid != geteuid() || sb.st_size != GEN_BYTES) {
		fprintf(stderr, "cvapi: %s is not cvapi's (%s): refused, left as it is\n", path,
			!S_ISREG(sb.st_mode) ? "not a regular file" : sb.st_nlink != 1 ? "it has other names (hard links)"
			: sb.st_uid != geteuid() ? "another user owns it" : "not the size cvapi makes");
		close(fd);
		return CV_EINVAL;
	}
	m = mmap(NULL, (size_t)GEN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "cvapi: cannot map %s: %s\n", path, strerror(errno));
		return CV_EIO;
	}
	g->slot = m;
	return CV_OK;
}

void cv_gen_close(struct cv_gen *g)
{
	if (g->slot)
		munmap(g->slot, (size_t)GEN_BYTES);
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

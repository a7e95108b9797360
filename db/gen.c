/*
 * gen.c - change generations in a shared mapping (see gen.h).
 */
#include "config.h"
#include "gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_BYTES ((off_t)CV_GEN_SLOTS * (off_t)sizeof(uint64_t))

enum cv_err cv_gen_open(struct cv_gen *g, const char *home)
{
	char path[4096];
	struct stat sb, hb;
	void *m;
	int fd, n;

	g->slot = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", home, CV_GEN_FILE);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "cvapi: store folder name too long: %s\n", home);
		return CV_EINVAL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd < 0) {
		fprintf(stderr, "cvapi: cannot open %s: %s\n", path, strerror(errno));
		return CV_EIO;
	}
	if (fstat(fd, &sb) < 0) {
		fprintf(stderr, "cvapi: cannot stat %s: %s\n", path, strerror(errno));
		close(fd);
		return CV_EIO;
	}
	/* made by root (cvctl run as root on the programs' store): the file
	 * goes to the folder's owner, or the programs could not map it */
	if (geteuid() == 0 && sb.st_uid == 0 && stat(home, &hb) == 0 && hb.st_uid != 0 &&
	    fchown(fd, hb.st_uid, hb.st_gid) < 0)
		fprintf(stderr, "cvapi: cannot give %s to the store's owner: %s\n", path, strerror(errno));
	/* a new file, or one a concurrent opener is sizing: the same size,
	 * zeros, whoever gets there first */
	if (sb.st_size < GEN_BYTES && ftruncate(fd, GEN_BYTES) < 0) {
		fprintf(stderr, "cvapi: cannot size %s: %s\n", path, strerror(errno));
		close(fd);
		return CV_EIO;
	}
	if (sb.st_size > GEN_BYTES) {
		fprintf(stderr, "cvapi: %s has %lld bytes, not %lld: not cvapi's, or of another version\n",
			path, (long long)sb.st_size, (long long)GEN_BYTES);
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
	return 1 + (size_t)(cv_hash64(id, len) % (CV_GEN_SLOTS - 1));
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

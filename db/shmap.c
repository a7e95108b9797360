/*
 * shmap.c - store files mapped in shared memory (see shmap.h).
 */
#define _GNU_SOURCE 1                  /* mkostemp, renameat2 */
#include "config.h"
#include "shmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Make home/name whole or not at all: a new file of its own name, sized,
 * then renamed into place unless one is there already (then that one is
 * used). 0: made or already there; -1: errno says why.
 */
static int shmap_make(const char *home, const char *name, const char *path, size_t bytes)
{
	char tmp[4096];
	int fd, n, ret = 0;

	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", home, name);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* the blocks allocated now: a full disk later must not be a SIGBUS in a request */
	if (fchmod(fd, 0660) < 0 || (errno = posix_fallocate(fd, 0, (off_t)bytes)) != 0 ||
	    (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0 && errno != EEXIST))
		ret = -1;
	n = errno;
	close(fd);
	/* still there when the rename failed (or found the name taken) */
	unlink(tmp);
	errno = n;
	return ret;
}

enum cv_err cv_shmap_open(const char *home, const char *name, size_t bytes, void **map)
{
	char path[4096];
	struct stat sb;
	void *m;
	int fd, n;

	*map = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", home, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "cvapi: store folder name too long: %s\n", home);
		return CV_EINVAL;
	}
	/* never through a symbolic link, never blocking on a FIFO */
	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (shmap_make(home, name, path, bytes) < 0) {
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
	if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1 || sb.st_uid != geteuid() || (size_t)sb.st_size != bytes) {
		fprintf(stderr, "cvapi: %s is not cvapi's (%s): refused, left as it is\n", path,
			!S_ISREG(sb.st_mode) ? "not a regular file" : sb.st_nlink != 1 ? "it has other names (hard links)"
			: sb.st_uid != geteuid() ? "another user owns it" : "not the size cvapi makes");
		close(fd);
		return CV_EINVAL;
	}
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "cvapi: cannot map %s: %s\n", path, strerror(errno));
		return CV_EIO;
	}
	*map = m;
	return CV_OK;
}

void cv_shmap_close(void *map, size_t bytes)
{
	if (map)
		munmap(map, bytes);
}

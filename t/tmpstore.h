/*
 * tmpstore.h - the unit tests' temporary store folder: removed, files and
 * all, at the end of a test program (a store holds only plain files).
 */
#ifndef CV_TMPSTORE_H
#define CV_TMPSTORE_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void rm_store(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

#endif

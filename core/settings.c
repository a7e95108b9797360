/* settings.c - the programs' settings from their environment (see settings.h). */
#include "settings.h"
#include "cv.h"

#include <stdio.h>
#include <stdlib.h>

int64_t cv_setting_int(const char *prog, const char *name, int64_t min, int64_t max, int64_t def)
{
	const char *v = getenv(name);
	int64_t n;

	if (!v || !*v)
		return def;
	if (cv_parse_i64(v, min, max, &n) != CV_OK) {
		fprintf(stderr, "%s: %s=\"%.40s\" is not a whole number from %lld to %lld: %lld is used\n", prog, name,
			v, (long long)min, (long long)max, (long long)def);
		return def;
	}
	return n;
}

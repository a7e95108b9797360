/*
 * fuzz-time.c - libFuzzer harness for cv_time_parse, cv_duration_parse and
 * cv_interval_parse (core/cvtime.c).
 *
 * Build and run (from the source tree, or `make fuzz` in a build tree):
 *
 *   t/fuzz/build.sh . /tmp/fuzz
 *   mkdir -p /tmp/fuzz/corpus-time
 *   printf '2024-05-01T08:30:00.123+02:00' > /tmp/fuzz/corpus-time/t
 *   printf 'P1Y2M3DT4H5M6.7S' > /tmp/fuzz/corpus-time/d
 *   printf '2024-01-31T00:00:00Z/P1M' > /tmp/fuzz/corpus-time/i
 *   /tmp/fuzz/fuzz-time -max_total_time=60 /tmp/fuzz/corpus-time
 *
 * Besides crashes and undefined behaviour it checks: a parsed time is in
 * range and formats to a string that parses back to it; an interval is an
 * ordered range inside [CV_TIME_MIN, CV_TIME_MAX + 1].
 */
#include "cvtime.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = cv_strndup((const char *)data, size);   /* stops at the first NUL for the parsers */
	int64_t t, back, from, to;
	struct cv_duration d;
	const char *why = NULL;
	char out[CV_TIME_STRLEN];

	if (cv_time_parse(s, &t) == CV_OK) {
		if (t < CV_TIME_MIN || t > CV_TIME_MAX)
			abort();
		cv_time_fmt(t, out);
		if (cv_time_parse(out, &back) != CV_OK || back != t)
			abort();
	}
	if (cv_duration_parse(s, &d) == CV_OK) {
		if (d.months < 0 || d.ms < 0)
			abort();
		(void)cv_time_add(CV_TIME_MAX, &d);
		(void)cv_time_sub(CV_TIME_MIN, &d);
		cv_duration_fmt(d.ms, out);
	}
	if (cv_interval_parse(s, &from, &to, &why) == CV_OK) {
		if (from < CV_TIME_MIN || to > CV_TIME_MAX + 1 || from > to)
			abort();
	} else if (!why) {
		abort();
	}
	free(s);
	return 0;
}

/*
 * cvtime.h - time in cvapi: milliseconds since the Unix epoch, UTC, in an
 * int64_t. RFC 3339 times and ISO 8601 durations and intervals, as the API
 * exchanges them.
 */
#ifndef CV_CVTIME_H
#define CV_CVTIME_H

#include "cv.h"

/* "2024-05-01T08:30:00.123Z" plus NUL, with room to spare. */
#define CV_TIME_STRLEN 32

/* Years 1970..9999 are accepted; everything else is CV_EINVAL. */
#define CV_TIME_MIN 0LL
#define CV_TIME_MAX 253402300799999LL

/*
 * Wall-clock now, in ms: the one place cvapi reads the time of day.
 *
 * The clock seam (built unless configure --disable-clock-seam): when
 * $CVAPI_CLOCK names a file, its content, a signed decimal number of ms
 * ("-21600000\n"), is added to the real clock at every call, so that every
 * process of a test (programs, cvnotify, cvctl, cvsim) runs at the same
 * chosen instant and time still flows. A test moves the clock by replacing
 * the file whole (write elsewhere, rename over). A file that cannot be
 * read or holds anything else adds nothing, and is said once on stderr.
 * Durations (watchdogs, deadlines of steps, latencies, pacing) are never
 * measured with it: cv_mono_ms() is for them.
 */
int64_t cv_now_ms(void);

/*
 * Milliseconds of CLOCK_MONOTONIC: for durations and deadlines only, never
 * for a time of day. Neither the clock seam nor a step of the wall clock
 * (settimeofday, an NTP step) moves it, so a wall clock set an hour ahead
 * fires no watchdog and one set back stalls no timer.
 */
int64_t cv_mono_ms(void);

/*
 * The clock seam's offset now, in ms: 0 without the seam, without
 * $CVAPI_CLOCK or with a file that holds no offset. The long-running
 * programs say it at start, so that a shifted clock is never a surprise.
 */
int64_t cv_clock_offset(void);

/*
 * Format ms as RFC 3339 UTC into out (CV_TIME_STRLEN bytes):
 * "2024-05-01T08:30:00Z", or with ".123" when ms is not a whole second.
 */
void cv_time_fmt(int64_t ms, char out[CV_TIME_STRLEN]);

/*
 * Parse an RFC 3339 date-time ("2024-05-01T08:30:00Z", fractional seconds
 * up to 9 digits, kept to the ms; offsets "+02:00"; 't' and 'z' accepted).
 * The whole string must match. Returns CV_OK or CV_EINVAL.
 */
enum cv_err cv_time_parse(const char *s, int64_t *ms);

/* An ISO 8601 duration: PnYnMnDTnHnMnS, PnW; seconds may have decimals. */
struct cv_duration {
	int64_t months;   /* years * 12 + months */
	int64_t ms;       /* weeks, days, hours, minutes, seconds */
};

/* Parse a duration; "P", "PT", negative and empty parts are CV_EINVAL. */
enum cv_err cv_duration_parse(const char *s, struct cv_duration *d);

/* t + d (months applied on the calendar, clamped to the month's end). */
int64_t cv_time_add(int64_t t, const struct cv_duration *d);
/* t - d. */
int64_t cv_time_sub(int64_t t, const struct cv_duration *d);

/* Format a duration of ms as ISO 8601, "PT1H2M3S" ("PT0S" for 0). */
void cv_duration_fmt(int64_t ms, char out[CV_TIME_STRLEN]);

/*
 * One `timestamps` interval: "start/end", "start/", "/end", "start/PnD",
 * "PnD/end". The result is the half-open range [from, to): a missing start
 * is CV_TIME_MIN, a missing end is CV_TIME_MAX + 1. "/" alone and repeating
 * intervals ("R5/...") are CV_EINVAL; *why gets a static explanation.
 */
enum cv_err cv_interval_parse(const char *s, int64_t *from, int64_t *to, const char **why);

#endif

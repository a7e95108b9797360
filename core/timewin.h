/*
 * timewin.h - a monitor's time trigger: windows of time, in a time zone.
 *
 * A time trigger ({times: [...], timeZone}) holds while the time is inside
 * one of its windows. An entry is either
 *   Daily (the default recurrence): `start` a duration from local midnight
 *         ("PT8H30M", under 24 h), `duration` (required, up to 7 days), on
 *         the days of `occurence.day` (Mon..Sun; every day when absent) of
 *         the ISO weeks of `occurence.week` ("w1", "w10-w20"; every week
 *         when absent); the window opens at that local wall-clock time,
 *         daylight saving time included, and lasts `duration`;
 *   None: `start` an RFC 3339 time, `duration` optional (without it the
 *         window never closes).
 * The zone is an IANA name ("Europe/Paris", the default) of the system's
 * time zone database (tzdata): a name without a file there is refused at
 * creation. Local times are computed by the C library with TZ set to the
 * zone: the one place core/ reads files (the zone's, through libc), and
 * not thread-safe, like the rest of a process's monitor evaluation.
 */
#ifndef CV_TIMEWIN_H
#define CV_TIMEWIN_H

#include "cv.h"
#include "jread.h"
#include "jw.h"
#include "pack.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define CV_TW_ENTRIES 8
#define CV_TW_ZONE_MAX 63
#define CV_TW_DURATION_MAX_S (7 * 86400)

struct cv_tw_entry {
	uint8_t daily;              /* 1: Daily, 0: None */
	int64_t start;              /* Daily: seconds after local midnight; None: ms since the epoch */
	int64_t duration_s;         /* Daily: 1 .. CV_TW_DURATION_MAX_S; None: 0 for no end */
	uint8_t days;               /* bit 0 Monday .. bit 6 Sunday */
	uint64_t weeks;             /* bit w: ISO week w (1..53) */
	bool has_days, has_weeks;   /* given (rendered back only then) */
};

struct cv_tw {
	char zone[CV_TW_ZONE_MAX + 1];
	uint8_t n;
	struct cv_tw_entry e[CV_TW_ENTRIES];
};

/*
 * Read a TimeTrigger, the value o at jr's path ("triggers[0].time"), into
 * tw. CV_OK, or CV_EINVAL with the failure in jr (jread.h).
 */
enum cv_err cv_tw_parse(struct cv_jread *jr, json_object *o, struct cv_tw *tw);

/* true if t (ms) is inside one of the windows. */
bool cv_tw_holds(const struct cv_tw *tw, int64_t t);

/* The TimeTrigger as the API shows it (a value). */
void cv_tw_render(struct cv_jw *w, const struct cv_tw *tw);

/* Packed form (inside a monitor's, monitor.h); unpacking checks bounds. */
enum cv_err cv_tw_pack(const struct cv_tw *tw, struct cv_buf *out);
void cv_tw_unpack(struct cv_rd *rd, struct cv_tw *tw);

#endif

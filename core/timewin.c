/* timewin.c - a monitor's time trigger (see timewin.h). */
#include "config.h"
#include "timewin.h"
#include "cvtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define PACK_VERSION 1
static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* Letters, digits, '/', '_', '-', '+'; not absolute, no "..": a name under the database's folder. */
static bool zone_chars_ok(const char *z)
{
	size_t n = strlen(z);

	if (!n || n > CV_TW_ZONE_MAX || z[0] == '/' || strstr(z, ".."))
		return false;
	for (const char *p = z; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/_-+", *p)))
			return false;
	return true;
}

/* An IANA name the system's database has. */
static bool zone_ok(const char *z)
{
	char path[256];
	const char *dir = getenv("TZDIR");
	struct stat sb;

	if (!zone_chars_ok(z))
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", z) >= sizeof(path))
		return false;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* "w12" (case aside) into 12; 0 if not one. */
static int week_of(const char *s, size_t n)
{
	int w = 0;

	if (n < 2 || n > 3 || (s[0] != 'w' && s[0] != 'W'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		w = w * 10 + (s[i] - '0');
	}
	return w >= 1 && w <= 53 ? w : 0;
}

static void read_weeks(struct cv_jread *jr, json_object *a, size_t n, struct cv_tw_entry *e)
{
	cv_jr_enter(jr, "week");
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(a, i);
		const char *s = json_object_is_type(d, json_type_string) ? json_object_get_string(d) : "";
		const char *dash = strchr(s, '-');
		int from = week_of(s, dash ? (size_t)(dash - s) : strlen(s)), to = dash ? week_of(dash + 1, strlen(dash + 1)) : from;

		cv_jr_enter_item(jr, i);
		if (!from || !to || to < from)
			cv_jr_fail(jr, NULL, "must be \"wN\" or \"wN-wM\", weeks 1 to 53, N <= M");
		cv_jr_leave(jr);
		for (int w = from; w <= to && w; w++)
			e->weeks |= 1ull << w;
	}
	cv_jr_leave(jr);
	e->has_weeks = true;
}

/* occurence {day, week} of a Daily window: every day and week when absent */
static void read_occurence(struct cv_jread *jr, json_object *o, struct cv_tw_entry *e)
{
	static const char *const keys[] = { "day", "week", NULL };
	json_object *oc = cv_jr_object(jr, o, "occurence", keys, CV_JR_OPTIONAL), *a;
	uint32_t days;
	size_t n;

	e->days = 0x7f;
	e->weeks = ~0ull << 1;
	if (!oc)
		return;
	cv_jr_enter(jr, "occurence");
	if (cv_jr_names(jr, oc, "day", day_names, 7, 1, 7, CV_JR_OPTIONAL, &days)) {
		e->days = (uint8_t)days;
		e->has_days = true;
	}
	if ((a = cv_jr_array(jr, oc, "week", 1, 53, CV_JR_OPTIONAL, &n)) != NULL) {
		e->weeks = 0;
		read_weeks(jr, a, n, e);
	}
	cv_jr_leave(jr);
}

static void read_entry(struct cv_jread *jr, json_object *o, struct cv_tw_entry *e)
{
	static const char *const keys[] = { "recurrence", "start", "duration", "occurence", NULL };
	static const char *const recurrences[] = { "Daily", "None" };
	int64_t ms;
	int rec = 0;

	memset(e, 0, sizeof(*e));
	if (!cv_jr_object(jr, o, NULL, keys, CV_JR_REQUIRED))
		return;
	cv_jr_enum(jr, o, "recurrence", recurrences, 2, CV_JR_OPTIONAL, &rec);
	e->daily = rec == 0;
	if (e->daily) {
		if (cv_jr_duration(jr, o, "start", 0, 86399000,
				   "a time of day as a duration from midnight, under 24 h in whole seconds, such as PT8H30M",
				   CV_JR_REQUIRED | CV_JR_WHOLE_S, &ms))
			e->start = ms / 1000;
		if (cv_jr_duration(jr, o, "duration", 1000, CV_TW_DURATION_MAX_S * 1000LL,
				   "an ISO 8601 duration of 1 s to 7 days in whole seconds, such as PT7H30M",
				   CV_JR_REQUIRED | CV_JR_WHOLE_S, &ms))
			e->duration_s = ms / 1000;
		read_occurence(jr, o, e);
	} else {
		cv_jr_time(jr, o, "start", CV_JR_REQUIRED, &e->start);
		if (cv_jr_duration(jr, o, "duration", 1000, 3660LL * 86400000,
				   "an ISO 8601 duration of 1 s to 3660 days in whole seconds, such as P1DT12H",
				   CV_JR_WHOLE_S, &ms))
			e->duration_s = ms / 1000;
		if (cv_jr_has(o, "occurence"))
			cv_jr_fail(jr, "occurence", "only with recurrence Daily");
	}
}

enum cv_err cv_tw_parse(struct cv_jread *jr, json_object *o, struct cv_tw *tw)
{
	static const char *const keys[] = { "times", "timeZone", NULL };
	json_object *x;
	size_t n;

	memset(tw, 0, sizeof(*tw));
	snprintf(tw->zone, sizeof(tw->zone), "Europe/Paris");
	if (!cv_jr_object(jr, o, NULL, keys, CV_JR_REQUIRED))
		return CV_EINVAL;
	if (json_object_object_get_ex(o, "timeZone", &x)) {
		const char *z = json_object_is_type(x, json_type_string) ? json_object_get_string(x) : "";

		if (!zone_ok(z))
			cv_jr_fail(jr, "timeZone", "must be an IANA time zone this system knows, such as Europe/Paris");
		else
			snprintf(tw->zone, sizeof(tw->zone), "%s", z);
	}
	x = cv_jr_array(jr, o, "times", 1, CV_TW_ENTRIES, CV_JR_REQUIRED, &n);
	cv_jr_enter(jr, "times");
	for (size_t i = 0; x && i < n; i++) {
		cv_jr_enter_item(jr, i);
		read_entry(jr, json_object_array_get_idx(x, i), &tw->e[i]);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
	tw->n = (uint8_t)n;
	return jr->failed ? CV_EINVAL : CV_OK;
}

/* ---- evaluating ----------------------------------------------------------- */

static void use_zone(const char *zone)
{
	static char cur[CV_TW_ZONE_MAX + 1];

	if (strcmp(cur, zone)) {
		setenv("TZ", zone, 1);
		tzset();
		snprintf(cur, sizeof(cur), "%s", zone);
	}
}

/* ISO 8601 week (1..53) of a normalised struct tm. */
static int iso_week(const struct tm *d)
{
	int wd = (d->tm_wday + 6) % 7;          /* Monday 0 */
	int w = (d->tm_yday - wd + 10) / 7;
	int y = d->tm_year + 1900;

	if (w < 1) {
		/* the last week of the year before: 53 if that year's 1 January was a Thursday, or a Wednesday in a leap year */
		int py = y - 1;
		bool leap = (py % 4 == 0 && py % 100) || py % 400 == 0;
		/* weekday (Monday 0) of the previous year's 1 January */
		int j = ((wd - d->tm_yday - (leap ? 366 : 365)) % 7 + 7) % 7;

		return j == 3 || (leap && j == 2) ? 53 : 52;
	}
	if (w == 53) {
		bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
		int j = ((wd - d->tm_yday) % 7 + 7) % 7;       /* weekday of this year's 1 January */

		if (!(j == 3 || (leap && j == 2)))
			return 1;
	}
	return w;
}

bool cv_tw_holds(const struct cv_tw *tw, int64_t t)
{
	bool zone_set = false;
	struct tm now;
	time_t ts = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);

	for (size_t i = 0; i < tw->n; i++) {
		const struct cv_tw_entry *e = &tw->e[i];
		int kmax;

		if (!e->daily) {
			if (t >= e->start && (!e->duration_s || t < e->start + e->duration_s * 1000))
				return true;
			continue;
		}
		if (!zone_set) {
			use_zone(tw->zone);
			localtime_r(&ts, &now);
			zone_set = true;
		}
		/* windows that opened today or on the days before and may still be open */
		kmax = (int)((e->start + e->duration_s) / 86400) + 1;
		for (int k = 0; k <= kmax; k++) {
			struct tm d = now;
			time_t ws;

			/* the day, found at its noon (a zone whose DST starts at
			 * midnight has no 00:00 that day) */
			d.tm_mday -= k;
			d.tm_hour = 12;
			d.tm_min = 0;
			d.tm_sec = 0;
			d.tm_isdst = -1;
			if (mktime(&d) == (time_t)-1)
				continue;
			if (!(e->days & (1u << ((d.tm_wday + 6) % 7))) || !(e->weeks & (1ull << iso_week(&d))))
				continue;
			/* the window opens at that day's wall-clock time `start`,
			 * given as fields in range (seconds past their range would
			 * be added as elapsed time, across a DST change) */
			d.tm_hour = (int)(e->start / 3600);
			d.tm_min = (int)(e->start / 60 % 60);
			d.tm_sec = (int)(e->start % 60);
			d.tm_isdst = -1;
			ws = mktime(&d);
			if (ws != (time_t)-1 && ts >= ws && ts < ws + e->duration_s)
				return true;
		}
	}
	return false;
}

/* ---- writing -------------------------------------------------------------- */

void cv_tw_render(struct cv_jw *w, const struct cv_tw *tw)
{
	cv_jw_obj(w);
	cv_jw_key(w, "times");
	cv_jw_arr(w);
	for (size_t i = 0; i < tw->n; i++) {
		const struct cv_tw_entry *e = &tw->e[i];

		char s[CV_TIME_STRLEN];

		cv_jw_obj(w);
		cv_jw_kstr(w, "recurrence", e->daily ? "Daily" : "None");
		if (e->daily)
			cv_duration_fmt(e->start * 1000, s);
		else
			cv_time_fmt(e->start, s);
		cv_jw_kstr(w, "start", s);
		if (e->duration_s) {
			cv_duration_fmt(e->duration_s * 1000, s);
			cv_jw_kstr(w, "duration", s);
		}
		if (e->has_days || e->has_weeks) {
			cv_jw_key(w, "occurence");
			cv_jw_obj(w);
			if (e->has_days) {
				cv_jw_key(w, "day");
				cv_jw_arr(w);
				for (int j = 0; j < 7; j++)
					if (e->days & (1u << j))
						cv_jw_str(w, day_names[j]);
				cv_jw_end(w);
			}
			if (e->has_weeks) {
				cv_jw_key(w, "week");
				cv_jw_arr(w);
				for (int a = 1; a <= 53; a++) {
					char ws[16];
					int b = a;

					if (!(e->weeks & (1ull << a)))
						continue;
					while (b < 53 && (e->weeks & (1ull << (b + 1))))
						b++;
					if (a == b)
						snprintf(ws, sizeof(ws), "w%d", a);
					else
						snprintf(ws, sizeof(ws), "w%d-w%d", a, b);
					cv_jw_str(w, ws);
					a = b;
				}
				cv_jw_end(w);
			}
			cv_jw_end(w);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
	cv_jw_kstr(w, "timeZone", tw->zone);
	cv_jw_end(w);
}

enum cv_err cv_tw_pack(const struct cv_tw *tw, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, PACK_VERSION, 1);

	if (!e)
		e = cv_wr_str(out, tw->zone);
	if (!e)
		e = cv_wr_uint(out, tw->n, 1);
	for (size_t i = 0; i < tw->n && !e; i++) {
		const struct cv_tw_entry *x = &tw->e[i];

		e = cv_wr_uint(out, (uint64_t)x->daily | (uint64_t)x->has_days << 1 | (uint64_t)x->has_weeks << 2, 1);
		if (!e)
			e = cv_wr_uint(out, (uint64_t)x->start, 8);
		if (!e)
			e = cv_wr_uint(out, (uint64_t)x->duration_s, 8);
		if (!e)
			e = cv_wr_uint(out, x->days, 1);
		if (!e)
			e = cv_wr_uint(out, x->weeks, 8);
	}
	return e;
}

void cv_tw_unpack(struct cv_rd *rd, struct cv_tw *tw)
{
	memset(tw, 0, sizeof(*tw));
	if (cv_rd_uint(rd, 1) != PACK_VERSION)
		rd->bad = true;
	cv_rd_str(rd, tw->zone, sizeof(tw->zone));
	tw->n = (uint8_t)cv_rd_uint(rd, 1);
	if (tw->n > CV_TW_ENTRIES)
		rd->bad = true;
	for (size_t i = 0; i < tw->n && !rd->bad; i++) {
		struct cv_tw_entry *x = &tw->e[i];
		unsigned f = (unsigned)cv_rd_uint(rd, 1);

		x->daily = f & 1;
		x->has_days = (f >> 1) & 1;
		x->has_weeks = (f >> 2) & 1;
		x->start = (int64_t)cv_rd_uint(rd, 8);
		x->duration_s = (int64_t)cv_rd_uint(rd, 8);
		x->days = (uint8_t)cv_rd_uint(rd, 1);
		x->weeks = cv_rd_uint(rd, 8);
		if (x->daily ? x->start < 0 || x->start >= 86400 || x->duration_s < 1 || x->duration_s > CV_TW_DURATION_MAX_S
			     : x->start < CV_TIME_MIN || x->start > CV_TIME_MAX || x->duration_s < 0 ||
				       x->duration_s > 3660LL * 86400)
			rd->bad = true;
	}
	/* checked at creation; here only that it names nothing outside the database */
	if (!rd->bad && !zone_chars_ok(tw->zone))
		rd->bad = true;
}

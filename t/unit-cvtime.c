/* unit-cvtime.c - tests of core/cvtime: RFC 3339 times, ISO 8601 durations and intervals. */
#include "cvtime.h"
#include "tap.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T_20240501 1714552200000LL   /* 2024-05-01T08:30:00Z */
#define DAY 86400000LL

static void time_ok(const char *s, int64_t want)
{
	int64_t got = -1;
	enum cv_err e = cv_time_parse(s, &got);

	ok(e == CV_OK && got == want, "parse %s -> %lld (got %d, %lld)", s, (long long)want, (int)e, (long long)got);
}

static void time_bad(const char *s)
{
	int64_t got = 12345;
	enum cv_err e = cv_time_parse(s, &got);

	ok(e == CV_EINVAL && got == 12345, "refuse \"%s\" (and leave the output alone)", s);
}

static void fmt_is(int64_t ms, const char *want)
{
	char out[CV_TIME_STRLEN];

	cv_time_fmt(ms, out);
	is_str(out, want, "format %lld", (long long)ms);
}

static void test_time(void)
{
	static const char *const rt[] = {
		"1970-01-01T00:00:00Z", "2024-05-01T08:30:00Z", "2024-05-01T08:30:00.123Z",
		"2024-02-29T23:59:59.999Z", "2000-02-29T12:00:00.001Z", "9999-12-31T23:59:59.999Z",
		"2038-01-19T03:14:08Z", "2100-03-01T00:00:00.5Z",
	};

	time_ok("2024-05-01T08:30:00Z", T_20240501);
	time_ok("2024-05-01t08:30:00z", T_20240501);
	time_ok("2024-05-01T10:30:00+02:00", T_20240501);
	time_ok("2024-05-01T03:00:00-05:30", T_20240501);
	time_ok("2024-05-01T08:30:00+00:00", T_20240501);
	time_ok("2024-05-01T08:30:00-00:00", T_20240501);
	time_ok("2024-05-01T08:30:00.1Z", T_20240501 + 100);
	time_ok("2024-05-01T08:30:00.12Z", T_20240501 + 120);
	time_ok("2024-05-01T08:30:00.123Z", T_20240501 + 123);
	time_ok("2024-05-01T08:30:00.1239Z", T_20240501 + 123);
	time_ok("2024-05-01T08:30:00.123456789Z", T_20240501 + 123);
	time_ok("2024-05-01T08:30:00.999999999Z", T_20240501 + 999);
	time_ok("2024-05-01T10:30:00.5+02:00", T_20240501 + 500);
	time_ok("1970-01-01T00:00:00Z", 0);
	time_ok("1970-01-01T01:00:00+01:00", 0);
	time_ok("2024-02-29T00:00:00Z", 1709164800000LL);
	time_ok("2000-02-29T00:00:00Z", 951782400000LL);
	time_ok("9999-12-31T23:59:59Z", 253402300799000LL);
	time_ok("9999-12-31T23:59:59.999Z", CV_TIME_MAX);
	time_ok("2016-12-31T23:59:60Z", 1483228799000LL);

	time_bad("");
	time_bad("2024-05-01T08:30:00");
	time_bad("2024-05-01 08:30:00Z");
	time_bad("2024-05-01");
	time_bad("2024-05-01T24:00:00Z");
	time_bad("2024-05-01T23:60:00Z");
	time_bad("2024-05-01T23:59:61Z");
	time_bad("2024-13-01T00:00:00Z");
	time_bad("2024-00-01T00:00:00Z");
	time_bad("2024-05-00T00:00:00Z");
	time_bad("2024-04-31T00:00:00Z");
	time_bad("2023-02-29T00:00:00Z");
	time_bad("1900-02-29T00:00:00Z");
	time_bad("2024-05-01T08:30:00Zjunk");
	time_bad("2024-05-01T08:30:00Z ");
	time_bad(" 2024-05-01T08:30:00Z");
	time_bad("2024-05-01T08:30:00+02:00x");
	time_bad("2024-05-01T08:30:00.Z");
	time_bad("2024-05-01T08:30:00.1234567890Z");
	time_bad("2024-05-01T08:30:00+24:00");
	time_bad("2024-05-01T08:30:00+02:60");
	time_bad("2024-05-01T08:30:00+0200");
	time_bad("2024-05-01T08:30:00+02");
	time_bad("2024-5-01T08:30:00Z");
	time_bad("2024-05-01T8:30:00Z");
	time_bad("1969-12-31T23:59:59Z");
	time_bad("1969-12-31T23:59:59.999Z");
	time_bad("1970-01-01T00:00:00+00:01");
	time_bad("1970-01-01T00:30:00+01:00");
	time_bad("0000-01-01T00:00:00Z");
	time_bad("9999-12-31T23:59:59-00:01");
	time_bad("+2024-05-01T08:30:00Z");
	time_bad("-2024-05-01T08:30:00Z");
	time_bad("2024-05-01T08:30:00\xc2\xa0Z");
	ok(cv_time_parse(NULL, &(int64_t){0}) == CV_EINVAL, "NULL is refused");

	fmt_is(0, "1970-01-01T00:00:00Z");
	fmt_is(T_20240501, "2024-05-01T08:30:00Z");
	fmt_is(T_20240501 + 7, "2024-05-01T08:30:00.007Z");
	fmt_is(CV_TIME_MAX, "9999-12-31T23:59:59.999Z");
	fmt_is(-1, "1970-01-01T00:00:00Z");
	fmt_is(INT64_MAX, "9999-12-31T23:59:59.999Z");
	fmt_is(INT64_MIN, "1970-01-01T00:00:00Z");

	for (size_t i = 0; i < CV_ARRAY_LEN(rt); i++) {
		int64_t t = -1;
		char out[CV_TIME_STRLEN];

		cv_time_parse(rt[i], &t);
		cv_time_fmt(t, out);
		ok(i == 7 ? !strcmp(out, "2100-03-01T00:00:00.500Z") : !strcmp(out, rt[i]),
		   "round trip %s -> %s", rt[i], out);
	}
	/* every day of a leap and a common year formats and parses back */
	{
		bool all = true;

		for (int64_t t = 1672531200000LL; t < 1672531200000LL + 731 * DAY; t += DAY + 3723004) {
			char out[CV_TIME_STRLEN];
			int64_t back = -1;

			cv_time_fmt(t, out);
			if (cv_time_parse(out, &back) || back != t) {
				all = false;
				printf("# failed at %s\n", out);
			}
		}
		ok(all, "2023-2024 round trips at many times of day");
	}
	{
		int64_t now = cv_now_ms();

		ok(now > 1700000000000LL && now < CV_TIME_MAX, "cv_now_ms is plausible");
	}
}

static void dur_ok(const char *s, int64_t months, int64_t ms)
{
	struct cv_duration d = { -1, -1 };
	enum cv_err e = cv_duration_parse(s, &d);

	ok(e == CV_OK && d.months == months && d.ms == ms, "duration %s = %lld months %lld ms (got %d: %lld, %lld)",
	   s, (long long)months, (long long)ms, (int)e, (long long)d.months, (long long)d.ms);
}

static void dur_bad(const char *s)
{
	struct cv_duration d = { -1, -1 };

	ok(cv_duration_parse(s, &d) == CV_EINVAL && d.months == -1 && d.ms == -1, "refuse duration \"%s\"", s);
}

static void test_duration(void)
{
	char out[CV_TIME_STRLEN];

	dur_ok("PT1H", 0, 3600000);
	dur_ok("P1D", 0, DAY);
	dur_ok("P1Y2M", 14, 0);
	dur_ok("PT0.5S", 0, 500);
	dur_ok("PT0,5S", 0, 500);
	dur_ok("PT1.234567S", 0, 1234);
	dur_ok("P2W", 0, 14 * DAY);
	dur_ok("P1M", 1, 0);
	dur_ok("PT1M", 0, 60000);
	dur_ok("P1MT1M", 1, 60000);
	dur_ok("P1Y2M3DT4H5M6.7S", 14, 3 * DAY + 4 * 3600000 + 5 * 60000 + 6700);
	dur_ok("PT0S", 0, 0);
	dur_ok("P0D", 0, 0);
	dur_ok("PT36H", 0, 36 * 3600000LL);
	dur_ok("P100000000D", 0, 100000000 * DAY);

	dur_bad("");
	dur_bad("P");
	dur_bad("PT");
	dur_bad("P1DT");
	dur_bad("P1H");
	dur_bad("P1S");
	dur_bad("PT1D");
	dur_bad("PT1Y");
	dur_bad("P1W1D");
	dur_bad("P1Y1W");
	dur_bad("P1WT1H");
	dur_bad("-P1D");
	dur_bad("P-1D");
	dur_bad("PT-1H");
	dur_bad("P1");
	dur_bad("PD");
	dur_bad("P1D1Y");
	dur_bad("P1M1Y");
	dur_bad("PT1S1M");
	dur_bad("P1D1D");
	dur_bad("PT1H1H");
	dur_bad("P1TT1H");
	dur_bad("P1.5D");
	dur_bad("PT1.5H");
	dur_bad("PT1.S");
	dur_bad("PT.5S");
	dur_bad("1D");
	dur_bad("p1d");
	dur_bad("P1d");
	dur_bad("P1D ");
	dur_bad("P 1D");
	dur_bad("P10000000000D");
	dur_bad("P99999999999999999999Y");
	ok(cv_duration_parse(NULL, &(struct cv_duration){ 0, 0 }) == CV_EINVAL, "NULL duration refused");

	cv_duration_fmt(0, out);
	is_str(out, "PT0S", "format 0");
	cv_duration_fmt(3723000, out);
	is_str(out, "PT1H2M3S", "format 1h2m3s");
	cv_duration_fmt(3600000, out);
	is_str(out, "PT1H", "format 1h");
	cv_duration_fmt(60000, out);
	is_str(out, "PT1M", "format 1m");
	cv_duration_fmt(3600000 + 5000, out);
	is_str(out, "PT1H5S", "format 1h5s");
	cv_duration_fmt(604800000, out);
	is_str(out, "PT168H", "format a week");
	cv_duration_fmt(999, out);
	is_str(out, "PT0S", "sub-second durations round down");
	cv_duration_fmt(-5000, out);
	is_str(out, "PT0S", "negative durations format as PT0S");
	cv_duration_fmt(INT64_MAX, out);
	ok(strlen(out) > 3 && out[0] == 'P', "the largest duration formats (%s)", out);
}

static void add_is(int64_t t, const char *dur, int64_t want)
{
	struct cv_duration d;
	char a[CV_TIME_STRLEN], b[CV_TIME_STRLEN];

	cv_duration_parse(dur, &d);
	cv_time_fmt(t, a);
	cv_time_fmt(want, b);
	is_int(cv_time_add(t, &d), want, "%s + %s = %s", a, dur, b);
}

static void sub_is(int64_t t, const char *dur, int64_t want)
{
	struct cv_duration d;
	char a[CV_TIME_STRLEN], b[CV_TIME_STRLEN];

	cv_duration_parse(dur, &d);
	cv_time_fmt(t, a);
	cv_time_fmt(want, b);
	is_int(cv_time_sub(t, &d), want, "%s - %s = %s", a, dur, b);
}

static void test_add(void)
{
	const int64_t jan31_2024 = 1706659200000LL, feb29_2024 = 1709164800000LL;
	const int64_t jan31_2023 = 1675123200000LL, feb28_2023 = 1677542400000LL;
	const int64_t mar31_2023 = 1680220800000LL;
	const int64_t feb29_2020 = 1582934400000LL, feb28_2021 = 1614470400000LL;

	add_is(jan31_2024, "P1M", feb29_2024);
	add_is(jan31_2023, "P1M", feb28_2023);
	add_is(jan31_2024 + 3723000, "P1M", feb29_2024 + 3723000);
	add_is(jan31_2023, "P2M", mar31_2023);
	add_is(feb29_2020, "P1Y", feb28_2021);
	add_is(feb29_2020, "P4Y", feb29_2024);
	add_is(jan31_2024, "P1D", jan31_2024 + DAY);
	add_is(jan31_2024, "P1MT1H", feb29_2024 + 3600000);
	add_is(1735603200000LL, "P1M", 1738281600000LL);     /* 2024-12-31 + 1 month = 2025-01-31 */
	add_is(0, "P12M", 31536000000LL);                    /* 1970 + 1 year */
	sub_is(mar31_2023, "P1M", feb28_2023);
	sub_is(feb29_2024, "P1M", 1706659200000LL - 2 * DAY); /* 2024-01-29 */
	sub_is(feb29_2024 + DAY, "P1D", feb29_2024);
	sub_is(T_20240501, "PT1H", T_20240501 - 3600000);
	sub_is(1704067200000LL, "P1M", 1701388800000LL);     /* 2024-01-01 - 1 month = 2023-12-01 */
	sub_is(0, "P1M", -31 * DAY);                         /* before the epoch: 1969-12-01 */

	/* huge durations must not overflow (the result is only clamped by callers) */
	{
		struct cv_duration d;
		int64_t r;

		is_int(cv_duration_parse("P999999999Y", &d), CV_OK, "999999999 years is a duration");
		r = cv_time_add(T_20240501, &d);
		ok(r > CV_TIME_MAX, "time + 999999999 years is past the maximum");
		r = cv_time_sub(T_20240501, &d);
		ok(r < CV_TIME_MIN, "time - 999999999 years is before the minimum");
		is_int(cv_duration_parse("P1000000000Y1000000000M1000000000DT1000000000H1000000000M1000000000.999S", &d),
		       CV_OK, "the largest duration parses");
		r = cv_time_add(CV_TIME_MAX, &d);
		ok(r > CV_TIME_MAX, "the largest duration added to the largest time");
		r = cv_time_sub(CV_TIME_MIN, &d);
		ok(r < CV_TIME_MIN, "the largest duration taken from the smallest time");
		is_int(cv_duration_parse("P1000000000W", &d), CV_OK, "the largest week count parses");
		ok(cv_time_add(CV_TIME_MAX, &d) > CV_TIME_MAX, "and adds without overflow");
		ok(cv_time_sub(CV_TIME_MIN, &d) < CV_TIME_MIN, "and subtracts without overflow");
		d.months = INT64_MAX;
		d.ms = 0;
		ok(cv_time_add(0, &d) > CV_TIME_MAX, "months = INT64_MAX saturates");
		d.months = INT64_MIN;
		ok(cv_time_add(CV_TIME_MAX, &d) < CV_TIME_MIN, "months = INT64_MIN saturates");
	}
}

static void iv_ok(const char *s, int64_t from, int64_t to)
{
	int64_t f = -1, t = -1;
	const char *why = NULL;
	enum cv_err e = cv_interval_parse(s, &f, &t, &why);

	ok(e == CV_OK && f == from && t == to, "interval %s = [%lld, %lld) (got %d: [%lld, %lld) %s)", s,
	   (long long)from, (long long)to, (int)e, (long long)f, (long long)t, e ? why : "");
}

static void iv_bad(const char *s, const char *why_has)
{
	int64_t f = -1, t = -1;
	const char *why = NULL;
	enum cv_err e = cv_interval_parse(s, &f, &t, &why);

	ok(e == CV_EINVAL && why && strstr(why, why_has), "refuse interval \"%s\" (%s)", s, why ? why : "no reason");
}

static void test_interval(void)
{
	const int64_t end = T_20240501 + DAY;

	iv_ok("2024-05-01T08:30:00Z/2024-05-02T08:30:00Z", T_20240501, end);
	iv_ok("2024-05-01T08:30:00Z/", T_20240501, CV_TIME_MAX + 1);
	iv_ok("/2024-05-02T08:30:00Z", CV_TIME_MIN, end);
	iv_ok("2024-05-01T08:30:00Z/P1D", T_20240501, end);
	iv_ok("P1D/2024-05-02T08:30:00Z", T_20240501, end);
	iv_ok("2024-05-01T08:30:00Z/PT1H", T_20240501, T_20240501 + 3600000);
	iv_ok("PT1H/2024-05-01T08:30:00Z", T_20240501 - 3600000, T_20240501);
	iv_ok("2024-01-31T00:00:00Z/P1M", 1706659200000LL, 1709164800000LL);
	iv_ok("2024-05-01T10:30:00+02:00/2024-05-02T08:30:00Z", T_20240501, end);
	iv_ok("2024-05-01T08:30:00Z/2024-05-01T08:30:00Z", T_20240501, T_20240501);
	iv_ok("P1Y/1970-06-01T00:00:00Z", CV_TIME_MIN, 13046400000LL);
	iv_ok("9000-01-01T00:00:00Z/P9999Y", 221845392000000LL, CV_TIME_MAX + 1);
	iv_ok("2024-05-01T08:30:00Z/P999999999Y", T_20240501, CV_TIME_MAX + 1);
	iv_ok("P999999999Y/2024-05-01T08:30:00Z", CV_TIME_MIN, T_20240501);
	iv_ok("2024-05-01T08:30:00Z/P1000000000W", T_20240501, CV_TIME_MAX + 1);

	iv_bad("R5/2024-05-01T08:30:00Z/P1D", "repeating intervals");
	iv_bad("R/2024-05-01T08:30:00Z/P1D", "repeating intervals");
	iv_bad("R5/P1D", "repeating intervals");
	iv_bad("2024-05-02T08:30:00Z/2024-05-01T08:30:00Z", "ends before it starts");
	iv_bad("/", "expected");
	iv_bad("", "expected");
	iv_bad("R", "expected");
	iv_bad("2024-05-01T08:30:00Z", "expected");
	iv_bad("a/b/c", "expected");
	iv_bad("P1D/P2D", "expected");
	iv_bad("P1D/", "bad duration or end time");
	iv_bad("/P1D", "bad start time or duration");
	iv_bad("P1H/2024-05-01T08:30:00Z", "bad duration or end time");
	iv_bad("2024-05-01T08:30:00Z/P", "bad start time or duration");
	iv_bad("2024-05-01T08:30:00/2024-05-02T08:30:00Z", "RFC 3339");
	iv_bad("2024-05-01T08:30:00Z/2024-05-02", "RFC 3339");
	iv_bad("2024-05-01T08:30:00Z/2024-05-02T08:30:00Zjunk", "RFC 3339");
	iv_bad("1969-05-01T08:30:00Z/", "RFC 3339");
	iv_bad("2024-05-01T08:30:00.000000000000000000000000000000000000000000000000000000000000Z/", "expected");
	iv_bad("2024-05-01T08:30:00.0000000000Z/", "RFC 3339");
	{
		int64_t f, t;
		const char *why = NULL;

		ok(cv_interval_parse(NULL, &f, &t, &why) == CV_EINVAL && why, "NULL interval refused with a reason");
	}
}

/* The clock seam: $CVAPI_CLOCK's file shifts cv_now_ms(), replaced whole at any time. */
static void test_seam(void)
{
#ifdef CV_CLOCK_SEAM
	char dir[] = "/tmp/cvtime-XXXXXX", file[64], tmp[80];
	const int64_t day = 86400000LL;
	int64_t real, shifted;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(false, "a folder for the clock file");
		return;
	}
	snprintf(file, sizeof(file), "%s/offset", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", file);
	unsetenv("CVAPI_CLOCK");
	real = cv_now_ms();
	setenv("CVAPI_CLOCK", file, 1);
	f = fopen(file, "w");
	fputs("-8640000000\n", f);
	fclose(f);
	shifted = cv_now_ms();
	ok(shifted < real - 99 * day && shifted > real - 101 * day, "an offset of -100 days moves the clock 100 days back");
	f = fopen(tmp, "w");
	fputs("3600000", f);
	fclose(f);
	rename(tmp, file);
	shifted = cv_now_ms();
	ok(shifted >= real + 3600000 && shifted < real + 3660000, "a file replaced moves it at once (an hour ahead, no newline)");
	f = fopen(file, "w");
	fputs("soon\n", f);
	fclose(f);
	shifted = cv_now_ms();
	ok(shifted >= real && shifted < real + 60000, "an offset that is not a number adds nothing");
	unlink(file);
	shifted = cv_now_ms();
	ok(shifted >= real && shifted < real + 60000, "a file gone adds nothing");
	unsetenv("CVAPI_CLOCK");
	rmdir(dir);
#else
	ok(true, "# SKIP built without the clock seam");
#endif
}

int main(void)
{
	test_seam();
	test_time();
	test_duration();
	test_add();
	test_interval();
	return tap_done();
}

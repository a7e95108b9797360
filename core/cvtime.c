/* cvtime.c - RFC 3339 times, ISO 8601 durations and intervals (see cvtime.h). */
#include "cvtime.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef CV_CLOCK_SEAM
/* The offset $CVAPI_CLOCK's file holds, 0 when it is not set (see cvtime.h). */
static int64_t seam_offset(void)
{
	static volatile int warned;
	const char *path = getenv("CVAPI_CLOCK");
	char buf[32];
	int64_t off;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return 0;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	n = -1;
	if (fd >= 0) {
		do
			n = read(fd, buf, sizeof(buf) - 1);
		while (n < 0 && errno == EINTR);
		close(fd);
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0) {
		buf[n] = '\0';
		if (!cv_parse_i64(buf, -CV_TIME_MAX, CV_TIME_MAX, &off))
			return off;
	}
	if (!warned) {
		warned = 1;
		fprintf(stderr, "cvapi: CVAPI_CLOCK: %s does not hold an offset in ms; the real clock it is\n", path);
	}
	return 0;
}
#endif

int64_t cv_clock_offset(void)
{
#ifdef CV_CLOCK_SEAM
	return seam_offset();
#else
	return 0;
#endif
}

int64_t cv_now_ms(void)
{
	struct timespec ts;
	int64_t ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#ifdef CV_CLOCK_SEAM
	ms += seam_offset();
#endif
	return ms;
}

int64_t cv_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* Write v as exactly n decimal digits at p; returns p + n. */
static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/*
 * Every response carries several times: they are written digit by digit
 * (the layout is fixed) rather than through snprintf, which cost a quarter
 * of a status read's instructions.
 */
void cv_time_fmt(int64_t ms, char out[CV_TIME_STRLEN])
{
	int64_t secs, days, y;
	int m, d, rem, msec;
	char *p = out;

	if (ms < CV_TIME_MIN)
		ms = CV_TIME_MIN;
	if (ms > CV_TIME_MAX)
		ms = CV_TIME_MAX;
	secs = ms / 1000;
	msec = (int)(ms % 1000);
	days = secs / 86400;
	rem = (int)(secs % 86400);
	civil_from_days(days, &y, &m, &d);
	/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z": years are 1970..9999 after the clamp */
	p = put_digits(p, (int)y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem % 60, 2);
	if (msec) {
		*p++ = '.';
		p = put_digits(p, msec, 3);
	}
	*p++ = 'Z';
	*p = '\0';
}

/* Read exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

enum cv_err cv_time_parse(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h, mi, se, frac = 0, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (!s)
		return CV_EINVAL;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d) || (*p != 'T' && *p != 't') )
		return CV_EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &se))
		return CV_EINVAL;
	if (*p == '.') {
		int n = 0;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac = frac * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return CV_EINVAL;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return CV_EINVAL;
	} else {
		return CV_EINVAL;
	}
	if (*p)
		return CV_EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || se > 60)
		return CV_EINVAL;
	if (se == 60)
		se = 59; /* a leap second is read as the second before it */
	t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000 + frac;
	t -= (int64_t)sign * (oh * 3600 + om * 60) * 1000;
	if (t < CV_TIME_MIN || t > CV_TIME_MAX)
		return CV_EINVAL;
	*ms = t;
	return CV_OK;
}

enum cv_err cv_duration_parse(const char *s, struct cv_duration *dur)
{
	const char *p = s;
	bool in_time = false, any = false, weeks = false, other = false;
	/* designators in the order they must appear */
	const char *order = "YMWD";
	const char *torder = "HMS";
	int pos = 0;
	int64_t months = 0, ms = 0;

	if (!s || *p++ != 'P')
		return CV_EINVAL;
	while (*p) {
		int64_t ip = 0;
		int64_t fms = 0; /* fraction, in ms of the unit's ms value / 1000 */
		int ndig = 0, nfrac = 0;
		char unit;
		const char *where;

		if (*p == 'T') {
			if (in_time)
				return CV_EINVAL;
			in_time = true;
			pos = 0;
			p++;
			if (!*p)
				return CV_EINVAL;
			continue;
		}
		while (*p >= '0' && *p <= '9') {
			if (ip > 100000000)
				return CV_EINVAL;
			ip = ip * 10 + (*p - '0');
			p++;
			ndig++;
		}
		if (*p == '.' || *p == ',') {
			p++;
			while (*p >= '0' && *p <= '9') {
				if (nfrac < 3)
					fms = fms * 10 + (*p - '0');
				nfrac++;
				p++;
			}
			if (nfrac == 0)
				return CV_EINVAL;
			for (int k = nfrac; k < 3; k++)
				fms *= 10;
		}
		if (ndig == 0)
			return CV_EINVAL;
		unit = *p++;
		where = strchr(in_time ? torder : order, unit);
		if (!unit || !where || (int)(where - (in_time ? torder : order)) < pos)
			return CV_EINVAL;
		pos = (int)(where - (in_time ? torder : order)) + 1;
		if (nfrac && !(in_time && unit == 'S'))
			return CV_EINVAL; /* fractions only on seconds */
		any = true;
		if (!in_time) {
			switch (unit) {
			case 'Y': months += ip * 12; other = true; break;
			case 'M': months += ip; other = true; break;
			case 'W': ms += ip * 7 * 86400000LL; weeks = true; break;
			case 'D': ms += ip * 86400000LL; other = true; break;
			}
		} else {
			other = true;
			switch (unit) {
			case 'H': ms += ip * 3600000LL; break;
			case 'M': ms += ip * 60000LL; break;
			case 'S': ms += ip * 1000LL + fms; break;
			}
		}
	}
	if (!any || (weeks && other))
		return CV_EINVAL;
	dur->months = months;
	dur->ms = ms;
	return CV_OK;
}

/*
 * Times and month counts far outside 1970..9999 are clamped before the
 * calendar arithmetic so that it cannot overflow: results that far out are
 * out of range either way, and callers clamp them to [CV_TIME_MIN,
 * CV_TIME_MAX] (about 3 million years and 20000 years of slack).
 */
#define TIME_SLACK 100000000000000000LL
#define MONTHS_SLACK (20000LL * 12)

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t add_months(int64_t t, int64_t months)
{
	int64_t days, msday, y, mi;
	int m, d, dim;

	t = clamp64(t, -TIME_SLACK, TIME_SLACK);
	months = clamp64(months, -MONTHS_SLACK, MONTHS_SLACK);
	days = t >= 0 ? t / 86400000 : (t - 86399999) / 86400000;
	msday = t - days * 86400000;
	civil_from_days(days, &y, &m, &d);
	mi = y * 12 + (m - 1) + months;
	y = mi >= 0 ? mi / 12 : (mi - 11) / 12;
	m = (int)(mi - y * 12) + 1;
	dim = days_in_month(y, m);
	if (d > dim)
		d = dim;
	return days_from_civil(y, m, d) * 86400000 + msday;
}

int64_t cv_time_add(int64_t t, const struct cv_duration *d)
{
	return add_months(t, d->months) + clamp64(d->ms, -TIME_SLACK, TIME_SLACK);
}

int64_t cv_time_sub(int64_t t, const struct cv_duration *d)
{
	t = clamp64(t, -TIME_SLACK, TIME_SLACK);
	return add_months(t - clamp64(d->ms, -TIME_SLACK, TIME_SLACK), -clamp64(d->months, -MONTHS_SLACK, MONTHS_SLACK));
}

void cv_duration_fmt(int64_t ms, char out[CV_TIME_STRLEN])
{
	int64_t s = ms / 1000;
	int64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
	int n = snprintf(out, CV_TIME_STRLEN, "PT");

	if (ms < 0) {
		snprintf(out, CV_TIME_STRLEN, "PT0S");
		return;
	}
	if (h)
		n += snprintf(out + n, (size_t)(CV_TIME_STRLEN - n), "%lldH", (long long)h);
	if (m)
		n += snprintf(out + n, (size_t)(CV_TIME_STRLEN - n), "%lldM", (long long)m);
	if (sec || (!h && !m))
		snprintf(out + n, (size_t)(CV_TIME_STRLEN - n), "%lldS", (long long)sec);
}

enum cv_err cv_interval_parse(const char *s, int64_t *from, int64_t *to, const char **why)
{
	const char *slash;
	char a[64], b[64];
	size_t la, lb;
	struct cv_duration d;
	bool a_dur, b_dur;

	*why = "expected start/end, start/, /end, start/duration or duration/end";
	if (!s || (s[0] == 'R' && s[1] != '\0')) {
		if (s && s[0] == 'R')
			*why = "repeating intervals (Rn/...) are not supported";
		return CV_EINVAL;
	}
	slash = strchr(s, '/');
	if (!slash || strchr(slash + 1, '/'))
		return CV_EINVAL;
	la = (size_t)(slash - s);
	lb = strlen(slash + 1);
	if (la >= sizeof(a) || lb >= sizeof(b) || (la == 0 && lb == 0))
		return CV_EINVAL;
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, slash + 1, lb + 1);
	a_dur = a[0] == 'P';
	b_dur = b[0] == 'P';
	if (a_dur && b_dur)
		return CV_EINVAL;
	if (a_dur) {
		if (lb == 0 || cv_duration_parse(a, &d) || cv_time_parse(b, to)) {
			*why = "bad duration or end time";
			return CV_EINVAL;
		}
		*from = cv_time_sub(*to, &d);
	} else if (b_dur) {
		if (la == 0 || cv_time_parse(a, from) || cv_duration_parse(b, &d)) {
			*why = "bad start time or duration";
			return CV_EINVAL;
		}
		*to = cv_time_add(*from, &d);
	} else {
		*from = CV_TIME_MIN;
		*to = CV_TIME_MAX + 1;
		if ((la && cv_time_parse(a, from)) || (lb && cv_time_parse(b, to))) {
			*why = "times must be RFC 3339, e.g. 2024-05-01T08:30:00Z";
			return CV_EINVAL;
		}
	}
	if (*from < CV_TIME_MIN)
		*from = CV_TIME_MIN;
	if (*to > CV_TIME_MAX + 1)
		*to = CV_TIME_MAX + 1;
	if (*from > *to) {
		*why = "the interval ends before it starts";
		return CV_EINVAL;
	}
	return CV_OK;
}

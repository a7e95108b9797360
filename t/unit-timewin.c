/*
 * unit-timewin.c - time triggers (core/timewin): windows by day and week
 * in an IANA zone through the system's tzdata (winter and summer time, a
 * window across midnight, ISO weeks at the turn of the year), absolute
 * windows, every refusal, and the rendered and packed forms.
 */
#include "timewin.h"
#include "cvtime.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static int64_t at(const char *s)
{
	int64_t t = -1;

	cv_time_parse(s, &t);
	return t;
}

static bool parse(const char *json, struct cv_tw *tw, char *err, size_t errsz)
{
	json_object *o = json_tokener_parse(json);
	struct cv_jread jr;
	enum cv_err e;

	cv_jr_init(&jr, "time");
	e = cv_tw_parse(&jr, o, tw);
	cv_strlcpy(err, jr.err, errsz);

	json_object_put(o);
	return e == CV_OK;
}

static void test_daily(void)
{
	struct cv_tw tw;
	char err[200];

	ok(parse("{\"times\": [{\"recurrence\": \"Daily\", \"start\": \"PT8H30M\", \"duration\": \"PT7H30M\", "
		 "\"occurence\": {\"day\": [\"Mon\", \"Tue\", \"Thu\", \"Fri\"]}}], \"timeZone\": \"Europe/Paris\"}",
		 &tw, err, sizeof(err)), "a working-day window parses (%s)", err);
	/* 2026-11-02 is a Monday; Paris is UTC+1 in November */
	ok(!cv_tw_holds(&tw, at("2026-11-02T07:29:59Z")), "Monday 08:29:59 in Paris: not yet");
	ok(cv_tw_holds(&tw, at("2026-11-02T07:30:00Z")), "Monday 08:30 in Paris: open");
	ok(cv_tw_holds(&tw, at("2026-11-02T14:59:59Z")), "Monday 15:59:59: still open");
	ok(!cv_tw_holds(&tw, at("2026-11-02T15:00:00Z")), "Monday 16:00: closed (the end is not in)");
	ok(!cv_tw_holds(&tw, at("2026-11-04T09:00:00Z")), "Wednesday: not a day of it");
	/* 2026-07-06 is a Monday; Paris is UTC+2 in July */
	ok(cv_tw_holds(&tw, at("2026-07-06T06:30:00Z")), "summer: 08:30 in Paris is 06:30 UTC");
	ok(!cv_tw_holds(&tw, at("2026-07-06T06:29:00Z")), "summer: 08:29 in Paris is not in");

	/* Chile's summer time starts at midnight: on 2026-09-06 there is no 00:00 in Santiago */
	ok(parse("{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\"}], \"timeZone\": \"America/Santiago\"}",
		 &tw, err, sizeof(err)), "a window in a zone whose DST starts at midnight (%s)", err);
	ok(cv_tw_holds(&tw, at("2026-09-06T11:30:00Z")), "08:30 in Santiago (UTC-3 that day): open");
	ok(!cv_tw_holds(&tw, at("2026-09-06T12:30:00Z")), "09:30: closed, not an hour late");
	ok(cv_tw_holds(&tw, at("2026-09-05T12:30:00Z")), "the day before, 08:30 at UTC-4: open");

	ok(parse("{\"times\": [{\"start\": \"PT22H\", \"duration\": \"PT4H\"}], \"timeZone\": \"UTC\"}", &tw, err,
		 sizeof(err)), "a window across midnight, Daily by default (%s)", err);
	ok(cv_tw_holds(&tw, at("2026-11-03T01:00:00Z")), "01:00: in the window that opened the day before");
	ok(!cv_tw_holds(&tw, at("2026-11-03T02:00:00Z")), "02:00: closed");
	ok(cv_tw_holds(&tw, at("2026-11-03T23:00:00Z")), "23:00: open");

	ok(parse("{\"times\": [{\"start\": \"PT0S\", \"duration\": \"PT24H\", \"occurence\": {\"week\": [\"w45\"]}}], "
		 "\"timeZone\": \"UTC\"}", &tw, err, sizeof(err)), "ISO week 45 only (%s)", err);
	ok(cv_tw_holds(&tw, at("2026-11-02T12:00:00Z")), "2026-11-02 is in week 45");
	ok(!cv_tw_holds(&tw, at("2026-11-09T12:00:00Z")), "2026-11-09 is in week 46");
	ok(parse("{\"times\": [{\"start\": \"PT0S\", \"duration\": \"PT24H\", \"occurence\": {\"week\": [\"w53\"]}}], "
		 "\"timeZone\": \"UTC\"}", &tw, err, sizeof(err)), "ISO week 53 (%s)", err);
	ok(cv_tw_holds(&tw, at("2027-01-01T12:00:00Z")), "2027-01-01 is in week 53 of 2026");
	ok(cv_tw_holds(&tw, at("2026-12-28T12:00:00Z")), "2026-12-28 too");
	ok(!cv_tw_holds(&tw, at("2027-01-04T12:00:00Z")), "2027-01-04 is in week 1");
	ok(!cv_tw_holds(&tw, at("2025-12-29T12:00:00Z")), "2025-12-29 is in week 1 of 2026");
	ok(parse("{\"times\": [{\"start\": \"PT0S\", \"duration\": \"PT24H\", \"occurence\": {\"week\": [\"w52-w53\", \"w1\"]}}], "
		 "\"timeZone\": \"UTC\"}", &tw, err, sizeof(err)), "a range of weeks (%s)", err);
	ok(cv_tw_holds(&tw, at("2021-01-03T12:00:00Z")), "2021-01-03 is in week 53 of 2020");
	ok(cv_tw_holds(&tw, at("2022-01-02T12:00:00Z")), "2022-01-02 is in week 52 of 2021");
	ok(!cv_tw_holds(&tw, at("2022-01-10T12:00:00Z")), "2022-01-10 is in week 2");
}

static void test_none(void)
{
	struct cv_tw tw;
	char err[200];

	ok(parse("{\"times\": [{\"recurrence\": \"None\", \"start\": \"2026-11-02T10:00:00Z\", \"duration\": \"PT1H\"}]}",
		 &tw, err, sizeof(err)), "an absolute window (%s)", err);
	ok(!cv_tw_holds(&tw, at("2026-11-02T09:59:59Z")), "before it");
	ok(cv_tw_holds(&tw, at("2026-11-02T10:30:00Z")), "in it");
	ok(!cv_tw_holds(&tw, at("2026-11-02T11:00:00Z")), "after it");
	is_str(tw.zone, "Europe/Paris", "the zone's default");
	ok(parse("{\"times\": [{\"recurrence\": \"None\", \"start\": \"2026-11-02T12:00:00+01:00\"}]}", &tw, err,
		 sizeof(err)), "from a time on, without end (%s)", err);
	ok(!cv_tw_holds(&tw, at("2026-11-02T10:59:59Z")) && cv_tw_holds(&tw, at("2036-01-01T00:00:00Z")),
	   "from 11:00 UTC on, for ever");
}

static void test_refused(void)
{
	static const struct { const char *json, *why; } cases[] = {
		{ "[]", "time: must be an object" },
		{ "{\"times\": []}", "time.times: must be an array of 1 to 8 items" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\"}], \"timeZone\": \"Mars/Olympus\"}", "time.timeZone: must be an IANA" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\"}], \"timeZone\": \"../../etc/passwd\"}", "time.timeZone" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\"}], \"timeZone\": \"/etc/localtime\"}", "time.timeZone" },
		{ "{\"times\": [{\"start\": \"PT8H\"}]}", "time.times[0].duration: is required (an ISO 8601 duration of 1 s to 7 days" },
		{ "{\"times\": [{\"start\": \"PT25H\", \"duration\": \"PT1H\"}]}", "time.times[0].start: must be a time of day" },
		{ "{\"times\": [{\"start\": \"P1M\", \"duration\": \"PT1H\"}]}", "time.times[0].start" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"P8D\"}]}", "time.times[0].duration" },
		{ "{\"times\": [{\"recurrence\": \"Weekly\", \"start\": \"PT8H\", \"duration\": \"PT1H\"}]}", "time.times[0].recurrence: must be one of Daily, None" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"occurence\": {\"day\": [\"Mon\", \"Lun\"]}}]}", "time.times[0].occurence.day[1]" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"occurence\": {\"week\": [\"w0\"]}}]}", "time.times[0].occurence.week[0]" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"occurence\": {\"week\": [\"w54\"]}}]}", "time.times[0].occurence.week[0]" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"occurence\": {\"week\": [\"w10-w5\"]}}]}", "time.times[0].occurence.week[0]" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"occurence\": {\"month\": [1]}}]}", "time.times[0].occurence.month: unknown field" },
		{ "{\"times\": [{\"recurrence\": \"None\", \"start\": \"PT8H\"}]}", "time.times[0].start: must be an RFC 3339 time" },
		{ "{\"times\": [{\"recurrence\": \"None\", \"start\": \"2026-11-02T10:00:00Z\", \"occurence\": {\"day\": [\"Mon\"]}}]}", "time.times[0].occurence: only with recurrence Daily" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\", \"enabled\": true}]}", "time.times[0].enabled: unknown field" },
		{ "{\"times\": [{\"start\": \"PT8H\", \"duration\": \"PT1H\"}], \"zone\": \"UTC\"}", "time.zone: unknown field" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cv_tw tw;
		char err[200] = "";
		bool parsed = parse(cases[i].json, &tw, err, sizeof(err));

		ok(!parsed && !strncmp(err, cases[i].why, strlen(cases[i].why)), "refused: %s -> %s", cases[i].json, err);
	}
}

static void test_forms(void)
{
	struct cv_tw tw, back;
	char err[200];
	struct cv_buf a = CV_BUF_INIT(0), b = CV_BUF_INIT(0), p = CV_BUF_INIT(0);
	struct cv_jw w;
	struct cv_rd rd;

	ok(parse("{\"times\": [{\"start\": \"PT8H30M\", \"duration\": \"PT7H30M\", \"occurence\": {\"day\": [\"Fri\", \"Mon\"], "
		 "\"week\": [\"w1\", \"w2\", \"w3\", \"w30\"]}}, {\"recurrence\": \"None\", \"start\": \"2026-11-02T10:00:00Z\"}], "
		 "\"timeZone\": \"America/New_York\"}", &tw, err, sizeof(err)), "two windows (%s)", err);
	cv_jw_init(&w, &a);
	cv_tw_render(&w, &tw);
	is_str(cv_buf_str(&a), "{\"times\":[{\"recurrence\":\"Daily\",\"start\":\"PT8H30M\",\"duration\":\"PT7H30M\","
	       "\"occurence\":{\"day\":[\"Mon\",\"Fri\"],\"week\":[\"w1-w3\",\"w30\"]}},{\"recurrence\":\"None\","
	       "\"start\":\"2026-11-02T10:00:00Z\"}],\"timeZone\":\"America/New_York\"}", "rendered as the API shows it");
	cv_tw_pack(&tw, &p);
	rd = (struct cv_rd)CV_RD_INIT(p.p, p.len);
	cv_tw_unpack(&rd, &back);
	ok(!rd.bad && rd.off == p.len, "the packed form unpacks whole");
	cv_jw_init(&w, &b);
	cv_tw_render(&w, &back);
	is_str(cv_buf_str(&b), cv_buf_str(&a), "and renders the same");
	{
		size_t refused = 0;

		for (size_t cut = 0; cut < p.len; cut++) {
			struct cv_rd r = CV_RD_INIT(p.p, cut);

			cv_tw_unpack(&r, &back);
			refused += r.bad;
		}
		is_int(refused, (long long)p.len, "every cut form is refused");
	}
	cv_buf_release(&a);
	cv_buf_release(&b);
	cv_buf_release(&p);
}

int main(void)
{
	test_daily();
	test_none();
	test_refused();
	test_forms();
	return tap_done();
}

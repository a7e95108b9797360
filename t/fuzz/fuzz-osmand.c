/*
 * fuzz-osmand.c - libFuzzer harness for the OsmAnd protocol's decoder
 * (core/osmand.c): cv_osm_query, cv_osm_json and cv_osm_sample.
 *
 * The first byte picks the mode: 'j' the rest is a JSON body (parsed by
 * json-c as the request layer does, then read when it is an object),
 * anything else the rest is a query string, split at & and = into at
 * most 32 pairs (the request layer's decoding is fuzz-request's).
 *
 * Build and run (from the source tree, or `make fuzz` in a build tree):
 *
 *   t/fuzz/build.sh . /tmp/fuzz
 *   /tmp/fuzz/fuzz-osmand -max_total_time=60 t/fuzz/corpus/osmand
 *
 * Besides crashes and undefined behaviour it checks: a refusal says why;
 * a fix read has an id of the protocol's syntax, a time from 2000 to 5
 * minutes after now, and every value in its documented range; its sample
 * holds what the vehicle model's bounds allow (vdata.h).
 */
#include "osmand.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1780272000000LL
#define MAXP 32

static void check_fix(const struct cv_osm_fix *f)
{
	struct cv_sample s;

	if (!cv_chars_ok(f->id, CV_OSM_ID_MAX, "._-"))
		abort();
	if (f->at < CV_OSM_PAST_MS || f->at > NOW + CV_OSM_FUTURE_MS)
		abort();
	if (CV_OSM_HAS(f, CV_OSM_POS) && (f->lat_e7 < -900000000 || f->lat_e7 > 900000000 ||
					  f->lon_e7 < -1800000000 || f->lon_e7 > 1800000000))
		abort();
	if (f->heading_dd > 3600 || f->batt_dpct > 1000 || f->hdop_x10 > 1000 || f->speed_mms > 514444 + 1)
		abort();
	if (f->alt_dm < -100000 || f->alt_dm > 1000000 || f->odo_m > 10000000000ULL)
		abort();
	if (cv_osm_sample(f, &s)) {
		if (!s.has && !s.nevents)
			abort();
		if (s.alt_m < -500 || s.alt_m > 9000 || s.heading > 360 || s.speed_dkmh > 5000 || s.odo_hm > 2000000)
			abort();
		if (s.nevents > 1 || (s.nevents && s.events[0].code > cv_alarm_trigger_count))
			abort();
	} else if (s.has || s.nevents) {
		abort();
	}
}

/* A decoder's verdict: a fix read is checked, a refusal says why. */
static void verdict(enum cv_err e, const struct cv_osm_fix *f, const struct cv_jread *jr)
{
	if (e == CV_OK)
		check_fix(f);
	else if (e != CV_EINVAL || !jr->failed || !jr->err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cv_osm_fix f;
	struct cv_jread jr;
	enum cv_err e;

	if (!size)
		return 0;
	if (data[0] == 'j') {
		char *text = cv_strndup((const char *)data + 1, size - 1);
		json_object *o = json_tokener_parse(text);

		free(text);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			return 0;
		}
		e = cv_osm_json(o, NOW, &f, &jr);
		verdict(e, &f, &jr);
		json_object_put(o);
		return 0;
	}
	{
		char *q = cv_strndup((const char *)data + 1, size - 1), *p = q;
		struct cv_osm_pair pairs[MAXP];
		size_t n = 0;

		while (*p && n < MAXP) {
			char *amp = strchr(p, '&'), *eq;

			if (amp)
				*amp = '\0';
			eq = strchr(p, '=');
			if (eq)
				*eq = '\0';
			pairs[n].name = p;
			pairs[n].value = eq ? eq + 1 : "";
			n++;
			if (!amp)
				break;
			p = amp + 1;
		}
		e = cv_osm_query(pairs, n, NOW, &f, &jr);
		verdict(e, &f, &jr);
		free(q);
	}
	return 0;
}

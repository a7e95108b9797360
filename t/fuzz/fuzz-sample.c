/*
 * fuzz-sample.c - libFuzzer harness for the vehicle link's sample path:
 * JSON text -> json-c -> cv_sample_parse -> cv_sample_encode ->
 * cv_sample_decode -> cv_state_merge -> rendering (core/vdata.c, db/rec.c);
 * the same bytes as packed records, telemetry blocks among them (db/tblock.c).
 *
 * Build and run (from the source tree, or `make fuzz` in a build tree):
 *
 *   t/fuzz/build.sh . /tmp/fuzz
 *   mkdir -p /tmp/fuzz/corpus-sample
 *   printf '{"at":"2024-05-01T08:30:00Z","speed":50.5,"position":{"lat":1,"lon":2}}' \
 *       > /tmp/fuzz/corpus-sample/a
 *   /tmp/fuzz/fuzz-sample -max_total_time=60 -dict=t/fuzz/sample.dict /tmp/fuzz/corpus-sample
 *
 * Input is either one sample object or an array of them; the same bytes
 * also go to the packed-record decoders. Besides crashes
 * and undefined behaviour it checks: a parsed sample and its events encode
 * and decode to the same values; every rendering is valid JSON; a refusal
 * comes with a message naming its path; the charging sessions the samples
 * make (core/charge.h, fed in array order) are records the decoder
 * accepts, with figures in range.
 */
#include "vdata.h"
#include "charge.h"
#include "rec.h"
#include "tblock.h"
#include "cvtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server's clock in this harness: far in the future, so `at` is rarely refused. */
#define FUZZ_NOW 253402300799999LL

static void must_be_json(const struct cv_buf *b)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, cv_buf_str(b), (int)b->len);

	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != b->len)
		abort();
	json_object_put(o);
	json_tokener_free(tok);
}

/* A charging session: its record decodes, the same, and renders. */
static void check_charge(const struct cv_charge *c)
{
	struct cv_buf b = CV_BUF_INIT(0), again = CV_BUF_INIT(0);
	struct cv_charge d;
	struct cv_jw w;

	if (cv_charge_encode(c, &b) || cv_charge_decode(b.p, b.len, &d) || cv_charge_encode(&d, &again) ||
	    again.len != b.len || memcmp(again.p, b.p, b.len))
		abort();
	if (d.last_at < d.start_at || cv_charge_energy_wh(&d, 0) < -1 || cv_charge_energy_wh(&d, 50000) < -1 ||
	    cv_charge_avg_power_dkw(&d, 50000) < -1)
		abort();
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_charge_render_members(&w, &d, "c", "VR3UPHNKSKT000001", true, 50000);
	cv_jw_end(&w);
	if (w.err)
		abort();
	must_be_json(&b);
	cv_buf_release(&b);
	cv_buf_release(&again);
}

/* The charging sessions of this input's samples. */
static struct cv_charge chg_cur;
static bool chg_has;

static void feed_charge(const struct cv_sample *s)
{
	struct cv_charge closed;

	if (cv_charge_feed(&chg_cur, &chg_has, s, &closed) & CV_CHARGE_CLOSED)
		check_charge(&closed);
	if (chg_has)
		check_charge(&chg_cur);
}

static void check_sample(json_object *o, const char *path, struct cv_state *st)
{
	struct cv_sample s, d;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	struct cv_jread jr;

	cv_jr_init(&jr, path);
	if (cv_sample_parse(&jr, o, FUZZ_NOW, &s) != CV_OK) {
		/* a failure names its member under the sample's path */
		if (!jr.failed || strncmp(jr.err, path, strlen(path)))
			abort();
		return;
	}
	/* the packed record round trip */
	if (cv_sample_encode(&s, &b) || cv_sample_decode(b.p, b.len, s.at, &d))
		abort();
	if (d.has != s.has || d.at != s.at)
		abort();
	if (CV_HAS(&s, CV_G_POS) && (d.lat_e7 != s.lat_e7 || d.lon_e7 != s.lon_e7 || d.alt_m != s.alt_m ||
				      d.heading != s.heading || d.fix != s.fix || d.pos_type != s.pos_type ||
				      d.signal != s.signal))
		abort();
	if ((CV_HAS(&s, CV_G_KIN) && d.speed_dkmh != s.speed_dkmh) || (CV_HAS(&s, CV_G_ODO) && d.odo_hm != s.odo_hm) ||
	    (CV_HAS(&s, CV_G_AIR) && d.air_temp_dc != s.air_temp_dc) ||
	    (CV_HAS(&s, CV_G_BATT12) && d.batt_mv != s.batt_mv) ||
	    (CV_HAS(&s, CV_G_MAINT) && (d.maint_days != s.maint_days || d.maint_dkm != s.maint_dkm)) ||
	    (CV_HAS(&s, CV_G_CHARGE) && (d.chg_status != s.chg_status || d.chg_mode != s.chg_mode ||
					  d.plugged != s.plugged || d.chg_rate != s.chg_rate ||
					  d.chg_remaining != s.chg_remaining || d.has_chg_power != s.has_chg_power ||
					  d.chg_power_dkw != s.chg_power_dkw)) ||
	    (CV_HAS(&s, CV_G_DOORS) && (d.lock != s.lock || d.doors_open != s.doors_open)) ||
	    (CV_HAS(&s, CV_G_FUEL) && (d.fuel_level != s.fuel_level || d.fuel_autonomy != s.fuel_autonomy)) ||
	    (CV_HAS(&s, CV_G_ELEC) && (d.elec_level != s.elec_level || d.elec_autonomy != s.elec_autonomy)))
		abort();
	for (int i = 0; i < s.nevents; i++) {
		struct cv_event ev;

		cv_buf_reset(&b);
		if (cv_event_encode(&s.events[i], &b) || cv_event_decode(b.p, b.len, &ev) ||
		    memcmp(&ev, &s.events[i], sizeof(ev)))
			abort();
	}
	/* rendering of the item, whole */
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_telemetry_members(&w, &d, CV_TP_ALL);
	cv_jw_end(&w);
	if (w.err)
		abort();
	must_be_json(&b);
	cv_state_merge(st, &s, s.at);
	feed_charge(&s);
	cv_buf_release(&b);
}

static void check_state(const struct cv_state *st)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	struct cv_status_rec r;

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_status_members(&w, st);
	if (cv_state_has_maintenance(st))
		cv_render_maintenance_members(&w, st);
	cv_jw_end(&w);
	if (w.err)
		abort();
	must_be_json(&b);
	if (cv_state_has_position(st)) {
		cv_buf_reset(&b);
		cv_jw_init(&w, &b);
		cv_render_position(&w, st);
		if (w.err)
			abort();
		must_be_json(&b);
	}
	cv_buf_reset(&b);
	if (cv_status_encode(st, &b) || cv_status_decode(b.p, b.len, &r) || memcmp(&r.state, st, sizeof(*st)))
		abort();
	cv_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_tokener *tok;
	json_object *o;
	struct cv_state st;

	if (size > 1 << 16)
		return 0;
	/* the same bytes as packed records: refused or decoded, never a crash */
	{
		struct cv_sample s;
		struct cv_event ev;
		struct cv_token t;
		struct cv_status_rec r;
		struct cv_charge c;

		struct cv_tblock_rd rd;
		struct cv_tblock_info bi;
		enum cv_err e;

		(void)cv_sample_decode(data, size, 0, &s);
		(void)cv_tblock_info(data, size, 1000, &bi);
		e = cv_tblock_open(&rd, data, size, 1000);
		while (!e)
			e = cv_tblock_next(&rd, &s);
		(void)cv_event_decode(data, size, &ev);
		(void)cv_token_decode(data, size, &t);
		if (cv_charge_decode(data, size, &c) == CV_OK)
			check_charge(&c);
		if (cv_status_decode(data, size, &r) == CV_OK) {
			struct cv_state copy;

			memcpy(&copy, &r.state, sizeof(copy));
			check_state(&copy);
		}
	}
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!o)
		return 0;
	memset(&st, 0, sizeof(st));
	chg_has = false;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);

		for (size_t i = 0; i < n && i < 64; i++) {
			char path[32];

			snprintf(path, sizeof(path), "samples[%zu]", i);
			check_sample(json_object_array_get_idx(o, i), path, &st);
		}
	} else {
		check_sample(o, "samples[0]", &st);
	}
	check_state(&st);
	json_object_put(o);
	return 0;
}

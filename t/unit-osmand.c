/*
 * unit-osmand.c - tests of core/osmand: the requests of Traccar's own
 * decoder tests and of the Traccar Client apps (query, form and JSON
 * mode) read into fixes, every bad field refused with its name, and the
 * fixes as vehicle samples.
 */
#include "config.h"
#include "osmand.h"
#include "cvtime.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1780272000000LL     /* 2026-06-01T00:00:00Z */

/* ---- a query string split and decoded as the request layer does ------------ */

#define MAXP 32
static char pbuf[MAXP][2][256];
static struct cv_osm_pair pairs[MAXP];

static void pct_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < 255; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n + 1 && s[i + 1] && s[i + 2]) {
			char h[3] = { s[i + 1], s[i + 2], 0 };

			out[o++] = (char)strtol(h, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

static size_t split(const char *q)
{
	size_t n = 0;

	while (*q && n < MAXP) {
		size_t len = strcspn(q, "&"), nl;
		const char *eq = memchr(q, '=', len);

		nl = eq ? (size_t)(eq - q) : len;
		if (len) {
			pct_decode(q, nl, pbuf[n][0]);
			pct_decode(eq ? eq + 1 : q + len, eq ? len - nl - 1 : 0, pbuf[n][1]);
			pairs[n].name = pbuf[n][0];
			pairs[n].value = pbuf[n][1];
			n++;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return n;
}

static enum cv_err query(const char *q, struct cv_osm_fix *f, struct cv_jread *jr)
{
	return cv_osm_query(pairs, split(q), NOW, f, jr);
}

static enum cv_err json(const char *text, struct cv_osm_fix *f, struct cv_jread *jr)
{
	json_object *o = json_tokener_parse(text);
	enum cv_err e;

	if (!o) {
		cv_jr_init(jr, "");
		return cv_jr_fail(jr, NULL, "test: bad JSON"), CV_EIO;
	}
	e = cv_osm_json(o, NOW, f, jr);
	json_object_put(o);
	return e;
}

static int64_t t(const char *iso)
{
	int64_t ms = -1;

	cv_time_parse(iso, &ms);
	return ms;
}

/* ---- query and form mode ------------------------------------------------------- */

static void test_query_vectors(void)
{
	struct cv_osm_fix f;
	struct cv_jread jr;
	struct cv_sample s;

	/* Traccar's decoder tests (OsmAndProtocolDecoderTest, testDecodeQuery) */
	is_int(query("id=123456&timestamp=1377177267&cell=257,02,16,2224&cell=257,02,16,2223,-90"
		     "&wifi=00-14-22-01-23-45,-80&wifi=00-1C-B3-09-85-15,-70", &f, &jr), CV_OK,
	       "cells and wifi (repeated, other names): accepted");
	is_str(f.id, "123456", "its id");
	is_int(f.at, 1377177267000LL, "epoch seconds");
	ok(!CV_OSM_HAS(&f, CV_OSM_POS), "no position");
	ok(!cv_osm_sample(&f, &s), "nothing a vehicle keeps: nothing to store");

	is_int(query("timestamp=1377177267&lat=60.0&lon=30.0", &f, &jr), CV_EINVAL, "no id: refused");
	ok(strstr(jr.err, "id: is required") != NULL, "%s", jr.err);

	is_int(query("id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0"
		     "&altitude=224.0&speed=0.0", &f, &jr), CV_OK, "ISO 8601");
	is_int(f.at, t("2016-01-27T18:55:47Z"), "its time");
	ok(f.lat_e7 == 420628800 && f.lon_e7 == -882341200, "lat, lon");
	ok(CV_OSM_HAS(&f, CV_OSM_HDOP) && f.hdop_x10 == 60, "hdop");
	ok(CV_OSM_HAS(&f, CV_OSM_ALT) && f.alt_dm == 2240, "altitude");
	ok(CV_OSM_HAS(&f, CV_OSM_SPEED) && f.speed_mms == 0, "speed 0");

	is_int(query("id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0&altitude=224.0&speed=0.0",
		     &f, &jr), CV_OK, "epoch ms");
	is_int(f.at, 1442068686579LL, "ms above 2^31 - 1");

	is_int(query("lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0"
		     "&id=353861053849681", &f, &jr), CV_OK, "yyyy-MM-dd HH:mm:ss");
	is_int(f.at, t("2014-06-04T09:10:11Z"), "read as UTC");
	is_int(f.alt_dm, 3847, "altitude 384.7");

	is_int(query("id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=0.0&bearing=0.0&altitude=0&hdop=0.0",
		     &f, &jr), CV_OK, "bearing");
	ok(CV_OSM_HAS(&f, CV_OSM_HEADING), "a heading");
	is_int(query("id=123456&timestamp=1377177267&lat=60.0&lon=30.0", &f, &jr), CV_OK, "the least: id, time, place");

	is_int(query("lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid=123456", &f, &jr),
	       CV_OK, "deviceid, heading, no timestamp");
	is_str(f.id, "123456", "deviceid is the id");
	ok(!CV_OSM_HAS(&f, CV_OSM_TIME) && f.at == NOW, "no timestamp: the time it arrived");

	is_int(query("id=861001000719969&lat=41.666667&lon=-0.883333&altitude=350.059479&speed=0.000000&batt=87",
		     &f, &jr), CV_OK, "batt");
	ok(CV_OSM_HAS(&f, CV_OSM_BATT) && f.batt_dpct == 870, "87 %%");

	is_int(query("id=123456&timestamp=1377177267&location=60.0,30.0", &f, &jr), CV_OK, "location=lat,lon");
	ok(CV_OSM_HAS(&f, CV_OSM_POS) && f.lat_e7 == 600000000 && f.lon_e7 == 300000000, "its position");

	is_int(query("id=123456789012345&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571"
		     "&bearing=7.19889788244&speed=40&ignition=true&rpm=933&fuel=24", &f, &jr), CV_OK,
	       "a tracker: ignition, other attributes");
	ok(CV_OSM_HAS(&f, CV_OSM_IGN) && f.ignition, "ignition on");
	is_int(f.speed_mms, 20578, "40 knots in mm/s");
	is_int(f.heading_dd, 72, "7.2 degrees");
	ok(cv_osm_sample(&f, &s) && CV_HAS(&s, CV_G_IGN) && s.ignition == CV_IGN_START, "ignition Start");
	is_int(s.speed_dkmh, 741, "74.1 km/h");

	/* the Traccar Client apps: the Android app's query string, the SDK's form */
	is_int(query("id=123456789012345&timestamp=1619315200&lat=0.0&lon=0.0&speed=0.0&bearing=0.0&altitude=0.0"
		     "&accuracy=0.0&batt=0.0&alarm=alert%20message", &f, &jr), CV_OK, "the Android app, an alarm");
	is_str(f.alarm, "alert message", "the alarm's text");
	is_int(query("id=48241179&lat=37.4219983&lon=-122.084&timestamp=1749995112&accuracy=5.0&altitude=5.0"
		     "&speed=1.0E-4&bearing=90.0&batt=80&charge=true&battery_health=good&battery_voltage=4100"
		     "&battery_temp=31.5&mock=true", &f, &jr), CV_OK, "the SDK's form (1.0E-4: Java's notation)");
	ok(CV_OSM_HAS(&f, CV_OSM_CHARGE) && f.charge, "charging");
	ok(CV_OSM_HAS(&f, CV_OSM_ACCURACY) && f.accuracy_cm == 500, "accuracy 5 m");
	is_int(query("id=1&lat=1&lon=2&speed=-1&bearing=-1&accuracy=-1&hdop=-1&batt=-1", &f, &jr), CV_OK, "-1: unknown");
	ok(!CV_OSM_HAS(&f, CV_OSM_SPEED) && !CV_OSM_HAS(&f, CV_OSM_HEADING) && !CV_OSM_HAS(&f, CV_OSM_ACCURACY) &&
	   !CV_OSM_HAS(&f, CV_OSM_HDOP) && !CV_OSM_HAS(&f, CV_OSM_BATT), "none of them kept");
	is_int(query("id=1&lat=1&lon=2&valid=false&odometer=1234567&ignition=0", &f, &jr), CV_OK, "valid, odometer");
	ok(CV_OSM_HAS(&f, CV_OSM_VALID) && !f.valid, "not a fix");
	is_int(f.odo_m, 1234567, "odometer in metres");
	ok(CV_OSM_HAS(&f, CV_OSM_IGN) && !f.ignition, "ignition 0: off");
	is_int(query("id=1&lat=1&lon=2&timestamp=2026-06-01T00:04:59Z", &f, &jr), CV_OK, "4:59 ahead: a fast clock");
	is_int(query("id=1&lat=1&lon=2&timestamp=2026-06-01T02:00:00%2B02:00", &f, &jr), CV_OK, "an offset");
	is_int(f.at, NOW, "applied");
	is_int(query("id=1&timestamp=946684800", &f, &jr), CV_OK, "2000-01-01: the earliest");
}

static void bad_query(const char *q, const char *want)
{
	struct cv_osm_fix f;
	struct cv_jread jr;

	ok(query(q, &f, &jr) == CV_EINVAL && strstr(jr.err, want), "%s refused: %s", q, jr.err);
}

static void test_query_bad(void)
{
	char longid[100] = "id=";
	char longnum[64];

	bad_query("lat=1&lon=2", "id: is required");
	bad_query("id=", "id: must be the device id");
	bad_query("id=a%20b", "id: must be the device id");
	bad_query("id=a:b", "id: must be the device id");
	memset(longid + 3, 'x', 65);
	bad_query(longid, "id: must be the device id");
	bad_query("id=1&id=1", "id: is given more than once");
	bad_query("id=1&deviceid=1", "deviceid: and id");
	bad_query("id=1&lat=91&lon=0", "lat: must be a number from -90 to 90");
	bad_query("id=1&lat=-90.5&lon=0", "lat: must be");
	bad_query("id=1&lat=1&lon=180.1", "lon: must be a number from -180 to 180");
	bad_query("id=1&lat=abc&lon=0", "lat: must be");
	bad_query("id=1&lat=&lon=0", "lat: must be");
	bad_query("id=1&lat=NaN&lon=0", "lat: must be");
	bad_query("id=1&lat=Infinity&lon=0", "lat: must be");
	bad_query("id=1&lat=0x10&lon=0", "lat: must be");
	bad_query("id=1&lat=%2B5&lon=0", "lat: must be");
	bad_query("id=1&lat=.5&lon=0", "lat: must be");
	bad_query("id=1&lat=5.&lon=0", "lat: must be");
	bad_query("id=1&lat=1e&lon=0", "lat: must be");
	bad_query("id=1&lat=1%20&lon=0", "lat: must be");
	snprintf(longnum, sizeof(longnum), "id=1&lat=1.%s&lon=0", "1111111111111111111111111111111");
	bad_query(longnum, "lat: must be");
	bad_query("id=1&lat=1", "lon: is required with lat");
	bad_query("id=1&lon=1", "lat: is required with lon");
	bad_query("id=1&lat=1&lon=1&location=1,1", "location: and lat");
	bad_query("id=1&location=1", "location: must be lat,lon");
	bad_query("id=1&location=1,2,3", "location: must be lat,lon");
	bad_query("id=1&location=91,2", "location: must be lat,lon");
	bad_query("id=1&location=,2", "location: must be lat,lon");
	bad_query("id=1&timestamp=yesterday", "timestamp: must be epoch seconds");
	bad_query("id=1&timestamp=", "timestamp: must be");
	bad_query("id=1&timestamp=-5", "timestamp: must be");
	bad_query("id=1&timestamp=619315200", "timestamp: must be");            /* 1989 */
	bad_query("id=1&timestamp=1780272301", "timestamp: must be");           /* 5:01 ahead */
	bad_query("id=1&timestamp=99999999999999999999", "timestamp: must be");
	bad_query("id=1&timestamp=2026-13-01T00:00:00Z", "timestamp: must be");
	bad_query("id=1&timestamp=2016-01-27T18:55:47", "timestamp: must be");  /* no zone */
	bad_query("id=1&timestamp=2014-06-04+09:10", "timestamp: must be");
	bad_query("id=1&timestamp=2014-06-04+25:10:11", "timestamp: must be");
	bad_query("id=1&speed=-2", "speed: must be a number from 0 to 1000, or -1");
	bad_query("id=1&speed=1001", "speed: must be");
	bad_query("id=1&speed=fast", "speed: must be");
	bad_query("id=1&bearing=361", "bearing: must be a number from 0 to 360");
	bad_query("id=1&heading=-0.5", "heading: must be");
	bad_query("id=1&altitude=100001", "altitude: must be");
	bad_query("id=1&accuracy=-3", "accuracy: must be");
	bad_query("id=1&hdop=101", "hdop: must be");
	bad_query("id=1&batt=101", "batt: must be");
	bad_query("id=1&charge=yes", "charge: must be true or false");
	bad_query("id=1&valid=2", "valid: must be true or false");
	bad_query("id=1&ignition=on", "ignition: must be true or false");
	bad_query("id=1&odometer=-1", "odometer: must be");
	bad_query("id=1&odometer=1e11", "odometer: must be");
	bad_query("id=1&alarm=", "alarm: must be 1 to 64");
	bad_query("id=1&alarm=a%0Ab", "alarm: must be 1 to 64");
	bad_query("id=1&alarm=caf%C3%A9", "alarm: must be 1 to 64");
	bad_query("id=1&alarm=sos&alarm=sos", "alarm: is given more than once");
}

/* ---- JSON mode --------------------------------------------------------------------- */

/* Traccar Client 9's body: its location template, with the form-encoded copy "_" and extras. */
static const char client9[] =
	"{\"location\":{\"timestamp\":\"2025-06-15T13:45:12.862Z\",\"coords\":{\"latitude\":37.4219983,"
	"\"longitude\":-122.084,\"accuracy\":5,\"speed\":0,\"heading\":-1,\"altitude\":5},\"is_moving\":false,"
	"\"odometer\":0,\"event\":\"motionchange\",\"battery\":{\"level\":1,\"is_charging\":false},"
	"\"activity\":{\"type\":\"still\"},\"extras\":{},"
	"\"_\":\"&id=48241179&lat=37.4219983&lon=-122.084&timestamp=2025-06-15T13:45:12.862Z&\"},"
	"\"device_id\":\"48241179\"}";

static void test_json_vectors(void)
{
	struct cv_osm_fix f;
	struct cv_jread jr;
	struct cv_sample s;

	is_int(json(client9, &f, &jr), CV_OK, "Traccar Client 9 (Traccar's decoder test)");
	ok(f.json, "JSON mode");
	is_str(f.id, "48241179", "device_id");
	is_int(f.at, t("2025-06-15T13:45:12.862Z"), "the time, to the ms");
	ok(f.lat_e7 == 374219983 && f.lon_e7 == -1220840000, "coords");
	ok(CV_OSM_HAS(&f, CV_OSM_SPEED) && f.speed_mms == 0, "speed 0 m/s");
	ok(!CV_OSM_HAS(&f, CV_OSM_HEADING), "heading -1: unknown");
	ok(CV_OSM_HAS(&f, CV_OSM_BATT) && f.batt_dpct == 1000, "battery level 1: 100 %%");
	ok(CV_OSM_HAS(&f, CV_OSM_CHARGE) && !f.charge, "not charging");
	ok(CV_OSM_HAS(&f, CV_OSM_MOVING) && !f.moving, "not moving");
	is_str(f.event, "motionchange", "event");
	ok(CV_OSM_HAS(&f, CV_OSM_APP_ODO) && !CV_OSM_HAS(&f, CV_OSM_ODO), "the app's odometer, not the vehicle's");
	ok(cv_osm_sample(&f, &s) && CV_HAS(&s, CV_G_POS) && CV_HAS(&s, CV_G_KIN) && !CV_HAS(&s, CV_G_ODO),
	   "a sample: position and speed, no odometer");
	is_int(s.fix, CV_FIX_3D, "with an altitude: 3D");

	is_int(json("{\"location\":{\"timestamp\":\"2025-06-15T13:45:12.862Z\",\"coords\":{\"latitude\":37.4219983,"
		    "\"longitude\":-122.084,\"accuracy\":5,\"speed\":0,\"heading\":-1,\"altitude\":5},\"is_moving\":false,"
		    "\"odometer\":0,\"event\":\"motionchange\",\"battery\":{\"level\":1,\"is_charging\":false},"
		    "\"activity\":{\"type\":\"still\"},\"extras\":{\"device_string_test\":\"long_device_id\","
		    "\"device_bool_test\":true,\"device_bool_false_test\":false,\"device_integer_test\":1,"
		    "\"device_integer_twelve_test\":12,\"device_double_test\":1.345,"
		    "\"device_very_long_double_test\":1763636.3442},\"_\":\"&id=48241179&lat=37.4219983&lon=-122.084"
		    "&timestamp=2025-06-15T13:45:12.862Z&\"},\"device_id\":\"48241179\"}", &f, &jr), CV_OK,
	       "extras of every type: ignored");

	is_int(json("{\"location\":{\"extras\":{},\"mock\":true,\"coords\":{\"speed_accuracy\":-1,\"speed\":-1,"
		    "\"longitude\":-122.406417,\"ellipsoidal_altitude\":0,\"floor\":null,\"heading_accuracy\":-1,"
		    "\"latitude\":37.785834000000001,\"accuracy\":5,\"altitude_accuracy\":-1,\"altitude\":0,"
		    "\"heading\":-1},\"is_moving\":false,\"age\":188,\"odometer\":0,"
		    "\"uuid\":\"2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8\",\"event\":\"motionchange\","
		    "\"battery\":{\"level\":-1,\"is_charging\":false},\"activity\":{\"type\":\"unknown\",\"confidence\":100},"
		    "\"timestamp\":\"2025-05-09T04:11:30.579Z\"},\"device_id\":\"658765\"}", &f, &jr), CV_OK,
	       "iOS: mock, age, uuid, a null member, -1 everywhere");
	ok(!CV_OSM_HAS(&f, CV_OSM_SPEED) && !CV_OSM_HAS(&f, CV_OSM_BATT), "speed and battery -1: unknown");
	is_int(f.lat_e7, 377858340, "latitude rounded to 1e-7");

	is_int(json("{\"location\":{\"event\":\"motionchange\",\"is_moving\":false,"
		    "\"uuid\":\"0e9a2473-a9a7-4c00-997b-fb97d2154e75\",\"timestamp\":\"2021-07-21T08:06:34.444Z\","
		    "\"odometer\":0,\"coords\":{\"latitude\":-6.1148096,\"longitude\":106.6837015,\"accuracy\":3.8,"
		    "\"speed\":18.67,\"speed_accuracy\":0.26,\"heading\":63,\"heading_accuracy\":0.28,\"altitude\":35.7,"
		    "\"altitude_accuracy\":3.8},\"activity\":{\"type\":\"still\",\"confidence\":100},"
		    "\"battery\":{\"is_charging\":false,\"level\":0.79},\"extras\":{}},\"device_id\":\"8737767034\"}",
		    &f, &jr), CV_OK, "Android, driving");
	is_int(f.speed_mms, 18670, "18.67 m/s");
	is_int(f.heading_dd, 630, "heading 63");
	is_int(f.batt_dpct, 790, "79 %%");
	ok(cv_osm_sample(&f, &s), "a sample");
	is_int(s.speed_dkmh, 672, "67.2 km/h");
	is_int(s.alt_m, 36, "36 m");
	is_int(s.heading, 63, "heading");

	is_int(json("{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\",\"alarm\":\"sos\"}}",
		    &f, &jr), CV_OK, "no coords: no position");
	ok(!CV_OSM_HAS(&f, CV_OSM_POS) && CV_OSM_HAS(&f, CV_OSM_ALARM), "an alarm alone");
	is_int(json("{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\",\"coords\":null,"
		    "\"battery\":null,\"is_moving\":null}}", &f, &jr), CV_OK, "known members null: absent");
}

static void bad_json(const char *text, const char *want)
{
	struct cv_osm_fix f;
	struct cv_jread jr;

	ok(json(text, &f, &jr) == CV_EINVAL && strstr(jr.err, want), "%s refused: %s", text, jr.err);
}

#define LOC(x) "{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\"" x "}}"
#define CO(x) LOC(",\"coords\":{\"latitude\":1,\"longitude\":2" x "}")

static void test_json_bad(void)
{
	bad_json("[1]", "must be an object");
	bad_json("{\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\"}}", "device_id: is required");
	bad_json("{\"device_id\":48241179,\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\"}}", "device_id: must be");
	bad_json("{\"device_id\":\"\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\"}}", "device_id: must be");
	bad_json("{\"device_id\":\"a b\",\"location\":{\"timestamp\":\"2025-06-15T13:45:12Z\"}}", "device_id: must be");
	bad_json("{\"device_id\":\"a\"}", "location: is required");
	bad_json("{\"device_id\":\"a\",\"location\":[]}", "location: must be an object");
	bad_json("{\"device_id\":\"a\",\"location\":{}}", "location.timestamp: is required");
	bad_json("{\"device_id\":\"a\",\"location\":{\"timestamp\":1377177267}}", "location.timestamp: must be");
	bad_json("{\"device_id\":\"a\",\"location\":{\"timestamp\":\"1377177267\"}}", "location.timestamp: must be");
	bad_json("{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2027-06-15T13:45:12Z\"}}", "location.timestamp");
	bad_json("{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2025-06-15 13:45:12\"}}", "location.timestamp");
	bad_json(LOC(",\"coords\":[]"), "location.coords: must be an object");
	bad_json(LOC(",\"coords\":{\"longitude\":2}"), "location.coords.latitude: is required");
	bad_json(LOC(",\"coords\":{\"latitude\":1}"), "location.coords.longitude: is required");
	bad_json(LOC(",\"coords\":{\"latitude\":\"1\",\"longitude\":2}"), "location.coords.latitude: must be");
	bad_json(LOC(",\"coords\":{\"latitude\":100,\"longitude\":2}"), "location.coords.latitude: must be");
	bad_json(LOC(",\"coords\":{\"latitude\":1,\"longitude\":-181}"), "location.coords.longitude: must be");
	bad_json(CO(",\"speed\":\"fast\""), "location.coords.speed: must be a number");
	bad_json(CO(",\"speed\":600"), "location.coords.speed: must be");
	bad_json(CO(",\"heading\":400"), "location.coords.heading: must be");
	bad_json(CO(",\"altitude\":true"), "location.coords.altitude: must be a number");
	bad_json(CO(",\"accuracy\":-2"), "location.coords.accuracy: must be");
	bad_json(LOC(",\"is_moving\":\"yes\""), "location.is_moving: must be true or false");
	bad_json(LOC(",\"odometer\":-5"), "location.odometer: must be");
	bad_json(LOC(",\"battery\":{\"level\":2}"), "location.battery.level: must be");
	bad_json(LOC(",\"battery\":{\"level\":0.5,\"is_charging\":1}"), "location.battery.is_charging: must be");
	bad_json(LOC(",\"battery\":5"), "location.battery: must be an object");
	bad_json(LOC(",\"alarm\":7"), "location.alarm: must be");
	bad_json(LOC(",\"event\":\"\""), "location.event: must be");
}

/* ---- samples ------------------------------------------------------------------------- */

static void test_samples(void)
{
	struct cv_osm_fix f;
	struct cv_jread jr;
	struct cv_sample s;

	query("id=1&lat=1&lon=2&altitude=12000&speed=1000", &f, &jr);
	ok(cv_osm_sample(&f, &s), "a sample");
	is_int(s.alt_m, 9000, "altitude clamped to the sample's 9,000 m");
	is_int(s.speed_dkmh, 5000, "1,000 knots: the sample's 500 km/h");
	is_int(s.fix, CV_FIX_3D, "3D");
	is_int(s.at, NOW, "the time it arrived");
	query("id=1&lat=1&lon=2&altitude=-600", &f, &jr);
	cv_osm_sample(&f, &s);
	is_int(s.alt_m, -500, "and -500 m");
	query("id=1&lat=1&lon=2", &f, &jr);
	cv_osm_sample(&f, &s);
	ok(s.fix == CV_FIX_2D && s.alt_m == 0 && s.heading == 0, "no altitude: 2D at 0 m");
	query("id=1&lat=1&lon=2&valid=0&bearing=359.6", &f, &jr);
	cv_osm_sample(&f, &s);
	is_int(s.fix, CV_FIX_NONE, "valid false: no fix");
	is_int(s.heading, 360, "359.6 degrees: 360");
	query("id=1&odometer=123456789", &f, &jr);
	ok(cv_osm_sample(&f, &s) && CV_HAS(&s, CV_G_ODO) && s.odo_hm == 1234567, "odometer: 123,456.7 km");
	query("id=1&odometer=200000100", &f, &jr);
	ok(!cv_osm_sample(&f, &s), "an odometer past the sample's 200,000 km: left out");
	query("id=1&batt=50&charge=true&accuracy=3&hdop=1", &f, &jr);
	ok(!cv_osm_sample(&f, &s), "the phone's battery, accuracy, hdop: nothing a vehicle keeps");
	query("id=1&ignition=false", &f, &jr);
	ok(cv_osm_sample(&f, &s) && CV_HAS(&s, CV_G_IGN) && s.ignition == CV_IGN_STOP, "ignition Stop");
	query("id=1&alarm=tow", &f, &jr);
	ok(cv_osm_sample(&f, &s) && s.nevents == 1 && s.events[0].kind == CV_EV_ALARM && s.events[0].active == 2,
	   "an alarm: an alarm event, Active");
	is_str(cv_alarm_trigger_names[s.events[0].code - 1], "VehicleLifting", "tow: VehicleLifting");
	query("id=1&alarm=sos", &f, &jr);
	cv_osm_sample(&f, &s);
	is_int(s.events[0].code, 0, "sos: no trigger");
}

int main(void)
{
	test_query_vectors();
	test_query_bad();
	test_json_vectors();
	test_json_bad();
	test_samples();
	return tap_done();
}

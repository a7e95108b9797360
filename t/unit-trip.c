/* unit-trip.c - tests of core/trip: building trips, faults, distances, records, rendering. */
#include "trip.h"
#include "cvtime.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AT 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define SEC 1000LL
#define MIN (60 * SEC)
#define NONE (-1)

/* One sample; NONE leaves a group out. Position is lat/lon in 1e-7 degrees. */
struct spec {
	int64_t at;
	int ign;
	int64_t lat, lon;
	int speed, odo, fuel, elec;
	int privacy;
};

static struct cv_sample mk(struct spec p)
{
	struct cv_sample s;

	memset(&s, 0, sizeof(s));
	s.at = p.at;
	if (p.ign != NONE) {
		s.has |= 1u << CV_G_IGN;
		s.ignition = (uint8_t)p.ign;
	}
	if (p.lat != NONE) {
		s.has |= 1u << CV_G_POS;
		s.lat_e7 = (int32_t)p.lat;
		s.lon_e7 = (int32_t)p.lon;
		s.fix = CV_FIX_3D;      /* the vehicle link's default */
	}
	if (p.speed != NONE) {
		s.has |= 1u << CV_G_KIN;
		s.speed_dkmh = (uint16_t)p.speed;
	}
	if (p.odo != NONE) {
		s.has |= 1u << CV_G_ODO;
		s.odo_hm = (uint32_t)p.odo;
	}
	if (p.fuel != NONE) {
		s.has |= 1u << CV_G_FUEL;
		s.fuel_level = (uint16_t)p.fuel;
		s.fuel_autonomy = (uint16_t)(p.fuel * 3 / 4);
	}
	if (p.elec != NONE) {
		s.has |= 1u << CV_G_ELEC;
		s.elec_level = (uint16_t)p.elec;
		s.elec_autonomy = (uint16_t)(p.elec / 4);
	}
	if (p.privacy != NONE) {
		s.has |= 1u << CV_G_PRIVACY;
		s.privacy = (uint8_t)p.privacy;
	}
	return s;
}

/* Shorthands: a full sample, and one with only some groups. */
#define FULL(at_, ign_, lat_, lon_, speed_, odo_, fuel_, elec_) \
	mk((struct spec){ (at_), (ign_), (lat_), (lon_), (speed_), (odo_), (fuel_), (elec_), NONE })
#define PART(at_, ign_, speed_) mk((struct spec){ (at_), (ign_), NONE, NONE, (speed_), NONE, NONE, NONE, NONE })

static enum cv_trip_step feed(struct cv_trip *open, bool *has_open, struct cv_sample s, struct cv_trip *closed)
{
	return cv_trip_feed(open, has_open, &s, closed);
}

/* Render t as a whole object (no _links) into a new string; free it. */
static char *render(const struct cv_trip *t, const char *id, const char *vin, bool positions)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_trip_render_members(&w, t, id, vin, positions, NULL);
	cv_jw_end(&w);
	if (w.err)
		printf("# render error %d\n", (int)w.err);
	return cv_buf_detach(&b, NULL);
}

static json_object *parse_json(const char *s)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));

	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  (size_t)json_tokener_get_parse_end(tok) != strlen(s))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The value at a path of keys and [indexes], e.g. "kinetic.avgSpeed", "faults[0].fault"; NULL if none. */
static json_object *at_path(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".[");

		if (n) {
			if (n >= sizeof(key))
				return NULL;
			memcpy(key, path, n);
			key[n] = '\0';
			if (!json_object_object_get_ex(o, key, &o))
				return NULL;
			path += n;
		} else if (*path == '[') {
			char *end;
			long i = strtol(path + 1, &end, 10);

			if (*end != ']' || !json_object_is_type(o, json_type_array))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
			path = end + 1;
		} else {
			path++;
		}
	}
	return o;
}

static const char *str_at(json_object *o, const char *path)
{
	json_object *v = at_path(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* ---- geometry ----------------------------------------------------------- */

static void test_geo(void)
{
	double m;

	ok(cv_geo_dist_m(488566000, 23522000, 488566000, 23522000) == 0, "a point is 0 m from itself");
	m = cv_geo_dist_m(0, 0, 0, 10000000);
	ok(fabs(m - 111195.0802) < 0.001, "1 degree along the equator: 111195.080 m (got %.4f)", m);
	m = cv_geo_dist_m(480000000, 20000000, 490000000, 20000000);
	ok(fabs(m - 111195.0802) < 0.001, "1 degree along a meridian: the same (got %.4f)", m);
	m = cv_geo_dist_m(0, 0, 0, 1800000000);
	ok(fabs(m - M_PI * 6371008.8) < 0.001, "antipodes: half the circumference (got %.3f)", m);
	m = cv_geo_dist_m(900000000, 0, -900000000, 0);
	ok(fabs(m - M_PI * 6371008.8) < 0.001, "pole to pole: half the circumference");
	m = cv_geo_dist_m(488566000, 23522000, 515074000, -1278000);
	ok(fabs(m - 343556.5) < 0.1, "Paris to London: 343.557 km (got %.1f)", m);
	ok(cv_geo_dist_m(515074000, -1278000, 488566000, 23522000) == m, "symmetric");
	m = cv_geo_dist_m(10000000, 1799999999, 10000000, -1799999999);
	ok(m < 0.03, "across the antimeridian: 2e-7 degrees (got %.4f m)", m);
}

/* ---- a nominal trip ----------------------------------------------------- */

static const char nominal_json[] =
	"{\"id\":\"t1\",\"createdAt\":\"2024-05-01T08:30:00Z\",\"updatedAt\":\"2024-05-01T08:34:00Z\","
	"\"startedAt\":\"2024-05-01T08:30:00Z\",\"stoppedAt\":\"2024-05-01T08:34:00Z\","
	"\"startPosition\":{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[2.3522,48.8566]},"
	"\"properties\":{\"createdAt\":\"2024-05-01T08:30:00Z\"}},"
	"\"stopPosition\":{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[2.3622,48.8666]},"
	"\"properties\":{\"createdAt\":\"2024-05-01T08:34:00Z\"}},"
	"\"duration\":240,\"distance\":4.4,\"startMileage\":12345.6,"
	"\"startEnergies\":[{\"type\":\"Fuel\",\"subType\":\"FossilEnergy\",\"level\":55.6,\"autonomy\":417},"
	"{\"type\":\"Electric\",\"subType\":\"ElectricEnergy\",\"level\":80,\"autonomy\":200}],"
	"\"endEnergies\":[{\"type\":\"Fuel\",\"subType\":\"FossilEnergy\",\"level\":54,\"autonomy\":405},"
	"{\"type\":\"Electric\",\"subType\":\"ElectricEnergy\",\"level\":77,\"autonomy\":192}],"
	"\"energyConsumptions\":[{\"type\":\"Fuel\",\"subType\":\"FossilEnergy\",\"consumption\":1.6},"
	"{\"type\":\"Electric\",\"subType\":\"ElectricEnergy\",\"consumption\":3}],"
	"\"kinetic\":{\"avgSpeed\":34.1,\"maxSpeed\":90.5},\"done\":true,\"faults\":[]}";

/* StartUp, two Start, a speed-only reading, Stop: 4 min, 4.4 km. */
static void nominal(struct cv_trip *out)
{
	struct cv_trip open, closed;
	bool has = false;

	memset(&closed, 0, sizeof(closed));
	is_int(feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, 556, 800), &closed),
	       CV_TRIP_OPENED, "nominal: StartUp opens a trip");
	ok(has, "a trip is open");
	is_int(cv_trip_faults(&open), CV_TRIP_UNFINISHED, "an open trip is Unfinished");
	is_int(feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 488590000, 23545000, 500, 123466, 552, 795), &closed),
	       CV_TRIP_EXTENDED, "Start extends it");
	is_int(feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_START, 488630000, 23590000, 905, 123480, 548, 785), &closed),
	       CV_TRIP_EXTENDED, "Start extends it");
	is_int(feed(&open, &has, PART(AT + 3 * MIN, NONE, 300), &closed), CV_TRIP_EXTENDED,
	       "a sample without ignition extends it");
	is_int(open.nsamples, 4, "4 samples so far");
	is_int(cv_trip_duration_ms(&open), 3 * MIN, "duration so far: 3 min");
	is_int(cv_trip_distance_m(&open), 2400, "distance so far: 2.4 km");
	is_int(feed(&open, &has, FULL(AT + 4 * MIN, CV_IGN_STOP, 488666000, 23622000, 0, 123500, 540, 770), &closed),
	       CV_TRIP_CLOSED, "Stop closes it");
	ok(!has, "no trip open");
	ok(closed.done, "done");
	is_int(closed.faults, 0, "no fault stored");
	is_int(cv_trip_faults(&closed), 0, "Nominal");
	is_int(closed.start_at, AT, "startedAt");
	is_int(closed.stop_at, AT + 4 * MIN, "stoppedAt");
	is_int(cv_trip_duration_ms(&closed), 240000, "duration 240 s");
	is_int(cv_trip_distance_m(&closed), 4400, "distance 4.4 km by odometer");
	ok(closed.flags & CV_TRIP_F_GPS, "GPS distance kept too");
	is_int(closed.odo_start_hm, 123456, "start mileage");
	is_int(closed.start_lat_e7, 488566000, "start lat");
	is_int(closed.start_lon_e7, 23522000, "start lon");
	is_int(closed.end_lat_e7, 488666000, "stop lat");
	is_int(closed.end_lon_e7, 23622000, "stop lon");
	is_int(closed.speed_count, 5, "5 speed readings");
	is_int(closed.speed_sum_dkmh, 0 + 500 + 905 + 300 + 0, "their sum");
	is_int(closed.speed_max_dkmh, 905, "max speed 90.5");
	is_int(closed.energy[CV_TRIP_FUEL].start_level, 556, "fuel at start 55.6 %%");
	is_int(closed.energy[CV_TRIP_FUEL].end_level, 540, "fuel at stop 54 %%");
	is_int(closed.energy[CV_TRIP_ELEC].start_level, 800, "battery at start 80 %%");
	is_int(closed.energy[CV_TRIP_ELEC].end_level, 770, "battery at stop 77 %%");
	is_int(closed.nsamples, 5, "5 samples");
	is_int(feed(&open, &has, FULL(AT + 5 * MIN, CV_IGN_STOP, 488666000, 23622000, 0, 123500, 540, 770), &closed),
	       CV_TRIP_IGNORED, "a Stop with no trip open is ignored");
	is_int(feed(&open, &has, PART(AT + 6 * MIN, NONE, 0), &closed), CV_TRIP_IGNORED,
	       "a sample without ignition and no trip open is ignored");
	ok(!has, "still no trip open");
	*out = closed;
}

static void test_nominal(void)
{
	struct cv_trip t;
	char *s;

	nominal(&t);
	s = render(&t, "t1", NULL, true);
	is_str(s, nominal_json, "nominal: the Trip object");
	free(s);
}

/* ---- faults ------------------------------------------------------------- */

static void test_unstarted(void)
{
	struct cv_trip open, closed;
	bool has = false;

	feed(&open, &has, FULL(AT, CV_IGN_START, 488566000, 23522000, 650, 123456, 500, NONE), &closed);
	is_int(open.faults, CV_TRIP_UNSTARTED, "Start at 65 km/h: seen mid-way, Unstarted");
	is_int(open.cause[0], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
	feed(&open, &has, FULL(AT + MIN, CV_IGN_STOP, 488566000, 23522000, 0, 123466, 500, NONE), &closed);
	is_int(cv_trip_faults(&closed), CV_TRIP_UNSTARTED, "closed: Unstarted only");

	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_START, 488566000, 23522000, 49, 123456, 500, NONE), &closed);
	is_int(open.faults, 0, "Start at 4.9 km/h: a start");
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_START, 488566000, 23522000, 50, 123456, 500, NONE), &closed);
	is_int(open.faults, CV_TRIP_UNSTARTED, "Start at 5 km/h: Unstarted");
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 800, 123456, 500, NONE), &closed);
	is_int(open.faults, 0, "StartUp is a start whatever the speed");
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_START, 488566000, 23522000, NONE, 123456, 500, NONE), &closed);
	is_int(open.faults, 0, "Start without a speed counts as a start");
}

static void test_datalacking(void)
{
	struct cv_trip open, closed;
	bool has = false;
	char *s;
	json_object *o;

	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, 500, NONE), &closed);
	is_int(feed(&open, &has, FULL(AT + 10 * MIN, CV_IGN_START, 488566000, 23522000, 300, 123466, 500, NONE),
		    &closed), CV_TRIP_EXTENDED, "a gap of 10 min extends");
	is_int(open.faults, 0, "and is no fault");
	is_int(feed(&open, &has, FULL(AT + 20 * MIN + 1, CV_IGN_START, 488566000, 23522000, 300, 123476, 500, NONE),
		    &closed), CV_TRIP_EXTENDED, "a gap of 10 min 1 ms extends");
	is_int(open.faults, CV_TRIP_DATALACKING, "and is DataLacking");
	is_int(open.cause[1], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
	feed(&open, &has, FULL(AT + 21 * MIN, CV_IGN_STOP, 488566000, 23522000, 0, 123480, 500, NONE), &closed);
	is_int(cv_trip_faults(&closed), CV_TRIP_DATALACKING, "closed: DataLacking");
	s = render(&closed, "t2", NULL, true);
	o = parse_json(s);
	ok(o != NULL, "renders as JSON");
	is_str(str_at(o, "faults[0].fault"), "DataLacking", "faults[0].fault");
	is_str(str_at(o, "faults[0].cause"), "Connection", "faults[0].cause");
	ok(!at_path(o, "faults[1]"), "one fault");
	json_object_put(o);
	free(s);

	/* a gap under Full privacy: the vehicle said it would go silent */
	has = false;
	feed(&open, &has, mk((struct spec){ AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, NONE, NONE,
					   CV_PRIV_FULL }), &closed);
	feed(&open, &has, PART(AT + 15 * MIN, CV_IGN_START, 300), &closed);
	is_int(open.faults, CV_TRIP_DATALACKING, "a gap under Full privacy: DataLacking");
	is_int(open.cause[1], CV_TRIP_CAUSE_FULLPRIVACY, "cause FullPrivacy");

	/* no position at the start under Geolocation privacy */
	has = false;
	feed(&open, &has, mk((struct spec){ AT, CV_IGN_STARTUP, NONE, NONE, 0, 123456, NONE, NONE,
					   CV_PRIV_GEOLOCATION }), &closed);
	is_int(open.faults, CV_TRIP_DATALACKING, "no start position: DataLacking");
	is_int(open.cause[1], CV_TRIP_CAUSE_GEOPRIVACY, "cause GeoPrivacy");

	/* no odometer at the stop; samples in between may lack anything */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, NONE, NONE), &closed);
	feed(&open, &has, PART(AT + MIN, CV_IGN_START, 300), &closed);
	is_int(open.faults, 0, "a sample without position nor odometer in the middle is fine");
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 488566000, 23522000, 0, NONE, NONE, NONE), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "no odometer at the stop: DataLacking");
	is_int(closed.cause[1], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
}

static void test_unfinished(void)
{
	struct cv_trip open, closed, before;
	bool has = false;
	char *s;
	json_object *o;

	/* a restart without a Stop */
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, 500, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 488566000, 23522000, 300, 123466, 495, NONE), &closed);
	memset(&closed, 0, sizeof(closed));
	is_int(feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STARTUP, 488566000, 23522000, 0, 123470, 495, NONE),
		    &closed), CV_TRIP_REOPENED, "StartUp after Start: the old trip ends and a new one opens");
	ok(has, "a trip is open");
	ok(closed.done, "the old one is done");
	is_int(closed.faults, CV_TRIP_UNFINISHED, "Unfinished");
	is_int(closed.cause[2], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
	is_int(closed.stop_at, AT + MIN, "stopped at its last sample");
	is_int(closed.nsamples, 2, "the StartUp is not in it");
	is_int(cv_trip_distance_m(&closed), 1000, "its distance");
	is_int(open.start_at, AT + 2 * MIN, "the new one starts at the StartUp");
	is_int(open.nsamples, 1, "with one sample");
	is_int(open.faults, 0, "and no fault stored");
	s = render(&closed, "t3", NULL, false);
	o = parse_json(s);
	is_str(str_at(o, "faults[0].fault"), "Unfinished", "rendered: Unfinished");
	is_str(str_at(o, "stoppedAt"), "2024-05-01T08:31:00Z", "rendered: stoppedAt");
	ok(json_object_get_boolean(at_path(o, "done")), "rendered: done");
	ok(!at_path(o, "startPosition") && !at_path(o, "stopPosition"), "no positions without the scope");
	json_object_put(o);
	free(s);
	is_int(feed(&open, &has, FULL(AT + 2 * MIN + 10 * SEC, CV_IGN_STARTUP, 488566000, 23522000, 0, 123470, 495,
				      NONE), &closed), CV_TRIP_EXTENDED, "StartUp after StartUp extends");

	/* the open trip as the API shows it */
	s = render(&open, "t4", NULL, true);
	o = parse_json(s);
	ok(o != NULL, "an open trip renders as JSON");
	ok(!json_object_get_boolean(at_path(o, "done")), "not done");
	ok(!at_path(o, "stoppedAt") && !at_path(o, "stopPosition") && !at_path(o, "endEnergies"),
	   "no stoppedAt, stopPosition, endEnergies");
	ok(at_path(o, "startPosition") != NULL, "a startPosition");
	is_str(str_at(o, "faults[0].fault"), "Unfinished", "faults: Unfinished");
	ok(!at_path(o, "faults[0].cause"), "without a cause");
	is_int(json_object_get_int(at_path(o, "duration")), 10, "duration so far: 10 s");
	json_object_put(o);
	free(s);

	/* a late sample changes nothing */
	before = open;
	is_int(feed(&open, &has, FULL(AT + 2 * MIN + 5 * SEC, CV_IGN_START, 488566000, 23522000, 900, 123999, 400,
				      NONE), &closed), CV_TRIP_IGNORED, "a late sample is ignored");
	is_int(feed(&open, &has, FULL(AT + 2 * MIN + 10 * SEC, CV_IGN_STOP, 488566000, 23522000, 900, 123999, 400,
				      NONE), &closed), CV_TRIP_IGNORED, "so is one at the same time");
	ok(has && open.nsamples == before.nsamples && open.last_at == before.last_at &&
	   open.speed_max_dkmh == before.speed_max_dkmh, "the trip is unchanged");

	/* timeouts */
	is_int(feed(&open, &has, FULL(AT + 2 * MIN + 10 * SEC + CV_TRIP_TIMEOUT_MS, CV_IGN_START, 488566000,
				      23522000, 0, 123470, 495, NONE), &closed), CV_TRIP_EXTENDED,
	       "30 min later: still the same trip");
	is_int(open.faults, CV_TRIP_DATALACKING, "DataLacking");
	is_int(feed(&open, &has, FULL(AT + 2 * MIN + 10 * SEC + 2 * CV_TRIP_TIMEOUT_MS + 1, CV_IGN_START,
				      488566000, 23522000, 700, 123570, 490, NONE), &closed), CV_TRIP_REOPENED,
	       "30 min 1 ms later on: the trip timed out and a new one opens");
	is_int(closed.faults, CV_TRIP_DATALACKING | CV_TRIP_UNFINISHED, "the old one: DataLacking and Unfinished");
	is_int(closed.stop_at, AT + 2 * MIN + 10 * SEC + CV_TRIP_TIMEOUT_MS, "stopped at its last sample");
	is_int(open.faults, CV_TRIP_UNSTARTED, "the new one was seen moving: Unstarted");
	is_int(feed(&open, &has, FULL(open.last_at + CV_TRIP_TIMEOUT_MS + 1, CV_IGN_STOP, 488566000, 23522000, 0,
				      123600, 480, NONE), &closed), CV_TRIP_CLOSED,
	       "a Stop after the timeout closes the trip");
	ok(!has, "no trip open");
	is_int(closed.faults, CV_TRIP_UNSTARTED | CV_TRIP_UNFINISHED, "Unfinished: its Stop came too late");
	is_int(closed.nsamples, 1, "the Stop is not in it");
	is_int(closed.stop_at, closed.start_at, "stopped at its only sample");
	is_int(cv_trip_duration_ms(&closed), 0, "duration 0");

	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, 500, NONE), &closed);
	is_int(feed(&open, &has, PART(AT + CV_TRIP_TIMEOUT_MS + 1, NONE, 0), &closed), CV_TRIP_CLOSED,
	       "a sample without ignition after the timeout closes the trip");
	ok(!has, "and opens none");

	/* the timeout from a clock */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 488566000, 23522000, 0, 123456, 500, NONE), &closed);
	ok(!cv_trip_expire(&open, &has, AT + CV_TRIP_TIMEOUT_MS, &closed), "expire: not before the timeout");
	ok(has, "still open");
	ok(cv_trip_expire(&open, &has, AT + CV_TRIP_TIMEOUT_MS + 1, &closed), "expire: after it");
	ok(!has, "closed");
	is_int(closed.faults, CV_TRIP_UNFINISHED, "Unfinished");
	is_int(closed.stop_at, AT, "stopped at its last sample");
	ok(!cv_trip_expire(&open, &has, AT + 10 * CV_TRIP_TIMEOUT_MS, &closed), "expire: nothing open");
}

/* ---- distances ---------------------------------------------------------- */

static void test_gps_distance(void)
{
	struct cv_trip open, closed;
	bool has = false;
	int64_t step = llround(1000.0 * cv_geo_dist_m(480000000, 20000000, 480100000, 20000000));
	char *s;
	json_object *o;

	is_int(step, 1111951, "0.01 degree of latitude: 1111.951 m");
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, NONE, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 480100000, 20000000, 600, NONE, NONE, NONE), &closed);
	feed(&open, &has, PART(AT + MIN + 30 * SEC, CV_IGN_START, 600), &closed);
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 480200000, 20000000, 0, NONE, NONE, NONE), &closed);
	is_int(closed.gps_mm, 2 * step, "the sum of the steps");
	is_int(cv_trip_distance_m(&closed), 2224, "no odometer: distance by GPS, 2.224 km");
	is_int(closed.faults, 0, "no odometer anywhere, positions at both ends: complete (Nominal)");
	ok(!(closed.flags & CV_TRIP_F_ODO), "no odometer seen");
	s = render(&closed, "t5", NULL, true);
	o = parse_json(s);
	ok(fabs(json_object_get_double(at_path(o, "distance")) - 2.224) < 1e-9, "rendered distance 2.224");
	ok(!at_path(o, "startMileage"), "no startMileage");
	is_int(json_object_array_length(at_path(o, "startEnergies")), 0, "no energies");
	json_object_put(o);
	free(s);

	/* the odometer seen late: GPS first, then the late odometer */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, NONE, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 480100000, 20000000, 600, 100000, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 480200000, 20000000, 0, 100011, NONE, NONE), &closed);
	is_int(cv_trip_distance_m(&closed), 2224, "odometer missing at the start: GPS");
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, NONE, NONE, 0, NONE, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, NONE, NONE, 600, 100000, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 480200000, 20000000, 0, 100011, NONE, NONE), &closed);
	is_int(cv_trip_distance_m(&closed), 1100, "one position only: the late odometer, 1.1 km");
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, NONE, NONE, 0, NONE, NONE, NONE), &closed);
	feed(&open, &has, PART(AT + 2 * MIN, CV_IGN_STOP, 0), &closed);
	is_int(cv_trip_distance_m(&closed), -1, "neither: unknown");
	s = render(&closed, "t6", NULL, true);
	o = parse_json(s);
	ok(o && !at_path(o, "distance") && !at_path(o, "startPosition"), "rendered without distance nor position");
	json_object_put(o);
	free(s);
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, 100011, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 480100000, 20000000, 0, 100000, NONE, NONE), &closed);
	is_int(cv_trip_distance_m(&closed), 1112, "an odometer going backwards: GPS");
}

/* ---- trips without an odometer (a phone): the track ---------------------- */

/* A sample with a position (fix as given) and perhaps a speed, nothing else. */
static struct cv_sample at_pos(int64_t at, int ign, int64_t lat, int64_t lon, uint8_t fix)
{
	struct cv_sample s = mk((struct spec){ at, ign, lat, lon, 300, NONE, NONE, NONE, NONE });

	s.fix = fix;
	return s;
}

static void test_track(void)
{
	struct cv_trip open, closed;
	bool has = false;
	int64_t ab = llround(1000.0 * cv_geo_dist_m(480000000, 20000000, 480100000, 20000000));
	int64_t crawl;
	char *s;
	json_object *o;

	/* a phone's drive: no odometer anywhere, positions at both ends */
	feed(&open, &has, at_pos(AT, CV_IGN_STARTUP, 480000000, 20000000, CV_FIX_2D), &closed);
	is_int(open.odo_cause, CV_TRIP_CAUSE_CONNECTION, "no odometer at the start: undecided");
	is_int(cv_trip_faults(&open), CV_TRIP_UNFINISHED, "open: Unfinished only, not DataLacking");
	feed(&open, &has, at_pos(AT + MIN, CV_IGN_START, 480100000, 20000000, CV_FIX_2D), &closed);
	/* stopped at a light: fixes wander by 5 to 25 m around it */
	feed(&open, &has, at_pos(AT + MIN + 10 * SEC, NONE, 480100450, 20000000, CV_FIX_2D), &closed);
	feed(&open, &has, at_pos(AT + MIN + 20 * SEC, NONE, 480099400, 20000300, CV_FIX_2D), &closed);
	feed(&open, &has, at_pos(AT + MIN + 30 * SEC, NONE, 480100000, 20002500, CV_FIX_2D), &closed);
	feed(&open, &has, at_pos(AT + MIN + 40 * SEC, NONE, 480101800, 19999000, CV_FIX_2D), &closed);
	is_int(open.gps_mm, ab, "jitter under 30 m of the last position counted: nothing added");
	is_int(open.end_lat_e7, 480101800, "but the last position is the last fix");
	/* a fix without validity (a cached position, valid=false) far off: left out */
	feed(&open, &has, at_pos(AT + MIN + 50 * SEC, NONE, 490000000, 20000000, CV_FIX_NONE), &closed);
	is_int(open.gps_mm, ab, "a position with fix none: not in the track");
	is_int(feed(&open, &has, at_pos(AT + 2 * MIN, CV_IGN_STOP, 480200000, 20000000, CV_FIX_2D), &closed),
	       CV_TRIP_CLOSED, "Stop closes it");
	is_int(closed.gps_mm, 2 * ab, "the track: the two steps of the drive");
	is_int(cv_trip_distance_m(&closed), 2224, "distance 2.224 km by the track");
	is_int(cv_trip_faults(&closed), 0, "Nominal: positions at both ends, no odometer to lack");
	is_int(closed.odo_cause, CV_TRIP_CAUSE_NONE, "nothing undecided once closed without an odometer");
	s = render(&closed, "p1", NULL, true);
	o = parse_json(s);
	ok(fabs(json_object_get_double(at_path(o, "distance")) - 2.224) < 1e-9, "rendered distance 2.224");
	is_int(json_object_array_length(at_path(o, "faults")), 0, "faults: []");
	ok(!at_path(o, "startMileage"), "no startMileage");
	ok(at_path(o, "stopPosition") != NULL, "a stopPosition");
	json_object_put(o);
	free(s);

	/* a crawl in 10 m steps adds up; under 30 m at the end is lost */
	has = false;
	crawl = llround(1000.0 * cv_geo_dist_m(480000000, 20000000, 480002700, 20000000));
	feed(&open, &has, at_pos(AT, CV_IGN_STARTUP, 480000000, 20000000, CV_FIX_3D), &closed);
	for (int i = 1; i <= 10; i++)
		feed(&open, &has, at_pos(AT + i * 10 * SEC, CV_IGN_START, 480000000 + 900 * i, 20000000, CV_FIX_3D),
		     &closed);
	ok(crawl > 30000 && crawl < 30100, "3 steps of 10 m: over 30 m (%lld mm)", (long long)crawl);
	is_int(open.gps_mm, 3 * crawl, "10 steps of 10 m: 90 m counted in 30 m strides");
	is_int(cv_trip_distance_m(&open), 90, "distance so far 90 m (of 100)");
	ok(open.flags & CV_TRIP_F_GPS, "a distance, even under the threshold");

	/* standing still the whole trip: a distance of 0, not unknown */
	has = false;
	feed(&open, &has, at_pos(AT, CV_IGN_STARTUP, 480000000, 20000000, CV_FIX_3D), &closed);
	feed(&open, &has, at_pos(AT + MIN, CV_IGN_STOP, 480001000, 20000000, CV_FIX_3D), &closed);
	is_int(cv_trip_distance_m(&closed), 0, "11 m of wander: distance 0");
	is_int(cv_trip_faults(&closed), 0, "and Nominal");

	/* only invalid positions: no track, no distance */
	has = false;
	feed(&open, &has, at_pos(AT, CV_IGN_STARTUP, 480000000, 20000000, CV_FIX_NONE), &closed);
	feed(&open, &has, at_pos(AT + MIN, CV_IGN_STOP, 480100000, 20000000, CV_FIX_NONE), &closed);
	ok(!(closed.flags & (CV_TRIP_F_TRACK | CV_TRIP_F_GPS)), "fix none only: no track");
	is_int(cv_trip_distance_m(&closed), -1, "distance unknown");
	ok(closed.flags & CV_TRIP_F_POS, "the ends are still its positions");
}

/* The odometer rule stays for a trip that has one; without either, DataLacking. */
static void test_odometer_rule(void)
{
	struct cv_trip open, closed;
	bool has = false;

	/* neither odometer nor positions */
	feed(&open, &has, PART(AT, CV_IGN_STARTUP, 0), &closed);
	feed(&open, &has, PART(AT + MIN, CV_IGN_STOP, 0), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "no odometer, no position: DataLacking");
	is_int(cv_trip_distance_m(&closed), -1, "distance unknown");

	/* no odometer, no position at the Stop */
	has = false;
	feed(&open, &has, at_pos(AT, CV_IGN_STARTUP, 480000000, 20000000, CV_FIX_2D), &closed);
	feed(&open, &has, PART(AT + MIN, CV_IGN_STOP, 0), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "no odometer, no stop position: DataLacking");
	is_int(closed.cause[1], CV_TRIP_CAUSE_CONNECTION, "cause Connection");

	/* an odometer only at the Stop: the start lacked it */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, NONE, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_STOP, 480100000, 20000000, 0, 100011, NONE, NONE), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "odometer at the Stop only: DataLacking");
	is_int(closed.odo_cause, CV_TRIP_CAUSE_NONE, "decided");

	/* the odometer shows mid-way: DataLacking from then, with the start's cause first */
	has = false;
	feed(&open, &has, mk((struct spec){ AT, CV_IGN_STARTUP, 480000000, 20000000, 0, NONE, NONE, NONE,
					   CV_PRIV_FULL }), &closed);
	is_int(open.odo_cause, CV_TRIP_CAUSE_FULLPRIVACY, "undecided, under Full privacy");
	feed(&open, &has, mk((struct spec){ AT + MIN, CV_IGN_START, 480100000, 20000000, 300, NONE, NONE, NONE,
					   CV_PRIV_NONE }), &closed);
	feed(&open, &has, PART(AT + 15 * MIN, CV_IGN_START, 300), &closed);
	is_int(open.cause[1], CV_TRIP_CAUSE_CONNECTION, "a gap: DataLacking, Connection");
	feed(&open, &has, FULL(AT + 16 * MIN, CV_IGN_START, 480200000, 20000000, 300, 100000, NONE, NONE), &closed);
	is_int(open.faults, CV_TRIP_DATALACKING, "an odometer shows: DataLacking");
	is_int(open.cause[1], CV_TRIP_CAUSE_FULLPRIVACY, "the start's cause, which came first");
	feed(&open, &has, FULL(AT + 17 * MIN, CV_IGN_STOP, 480300000, 20000000, 0, 100020, NONE, NONE), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "closed: DataLacking");
	is_int(cv_trip_distance_m(&closed), 3 * 1112, "distance by the track (the start had no odometer)");

	/* an odometer at the start and none at the Stop: as before */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, 100000, NONE, NONE), &closed);
	is_int(open.odo_cause, CV_TRIP_CAUSE_NONE, "an odometer at the start: nothing undecided");
	feed(&open, &has, FULL(AT + MIN, CV_IGN_STOP, 480100000, 20000000, 0, NONE, NONE, NONE), &closed);
	is_int(closed.faults, CV_TRIP_DATALACKING, "none at the Stop: DataLacking");

	/* no position and no odometer at the start: the position's cause */
	has = false;
	feed(&open, &has, mk((struct spec){ AT, CV_IGN_STARTUP, NONE, NONE, 0, NONE, NONE, NONE,
					   CV_PRIV_GEOLOCATION }), &closed);
	is_int(open.odo_cause, CV_TRIP_CAUSE_NONE, "no position: decided at once");
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 480100000, 20000000, 300, 100000, NONE, NONE), &closed);
	is_int(open.cause[1], CV_TRIP_CAUSE_GEOPRIVACY, "DataLacking, GeoPrivacy, kept when an odometer shows");
}

static void test_energy(void)
{
	struct cv_trip open, closed;
	bool has = false;
	char *s;
	json_object *o;

	/* charged during the trip (regeneration, a stop at a charger): no negative consumption */
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, 0, 1000, NONE, 500), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_STOP, 480000000, 20000000, 0, 1000, NONE, 520), &closed);
	s = render(&closed, "t7", NULL, true);
	o = parse_json(s);
	is_str(str_at(o, "energyConsumptions[0].type"), "Electric", "electric only");
	ok(json_object_get_double(at_path(o, "energyConsumptions[0].consumption")) == 0, "consumption 0");
	ok(!at_path(o, "energyConsumptions[1]"), "one consumption");
	ok(at_path(o, "kinetic") != NULL, "kinetic from the speeds");
	ok(fabs(json_object_get_double(at_path(o, "distance"))) == 0, "distance 0");
	json_object_put(o);
	free(s);

	/* energies first seen after the start */
	has = false;
	feed(&open, &has, FULL(AT, CV_IGN_STARTUP, 480000000, 20000000, NONE, 1000, NONE, NONE), &closed);
	feed(&open, &has, FULL(AT + MIN, CV_IGN_START, 480000000, 20000000, NONE, 1000, 300, NONE), &closed);
	feed(&open, &has, FULL(AT + 2 * MIN, CV_IGN_STOP, 480000000, 20000000, NONE, 1000, 296, NONE), &closed);
	is_int(closed.energy[CV_TRIP_FUEL].start_level, 300, "start energy: the first reading");
	s = render(&closed, "t8", NULL, true);
	o = parse_json(s);
	ok(fabs(json_object_get_double(at_path(o, "energyConsumptions[0].consumption")) - 0.4) < 1e-9,
	   "consumption 0.4 points");
	ok(!at_path(o, "kinetic"), "no kinetic without a speed");
	json_object_put(o);
	free(s);
}

/* ---- records ------------------------------------------------------------ */

static bool same_record(const struct cv_trip *a, const struct cv_trip *b)
{
	struct cv_buf x = CV_BUF_INIT(0), y = CV_BUF_INIT(0);
	bool same = !cv_trip_encode(a, &x) && !cv_trip_encode(b, &y) && x.len == y.len && !memcmp(x.p, y.p, x.len);

	cv_buf_release(&x);
	cv_buf_release(&y);
	return same;
}

/* Decoding must refuse or give a trip that renders as JSON. */
static bool decode_safely(const unsigned char *p, size_t len, int *accepted)
{
	struct cv_trip t;
	char *s;
	json_object *o;

	if (cv_trip_decode(p, len, &t) != CV_OK)
		return true;
	++*accepted;
	s = render(&t, "x", "VR3UPHNKSKT000001", true);
	o = parse_json(s);
	free(s);
	if (!o)
		return false;
	json_object_put(o);
	return true;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_records(void)
{
	struct cv_trip t, open, closed, back;
	struct cv_buf b = CV_BUF_INIT(0), full = CV_BUF_INIT(CV_TRIP_RECLEN - 1);
	unsigned char rec[CV_TRIP_RECLEN + 1], junk[2 * CV_TRIP_RECLEN];
	bool has = false, all = true;
	int accepted = 0;

	nominal(&t);
	is_int(cv_trip_encode(&t, &b), CV_OK, "encode a closed trip");
	is_int(b.len, CV_TRIP_RECLEN, "CV_TRIP_RECLEN bytes");
	is_int((unsigned char)b.p[0], 2, "version 2 first");
	is_int(cv_trip_decode(b.p, b.len, &back), CV_OK, "decode it");
	ok(same_record(&t, &back), "round trip");
	ok(back.start_at == t.start_at && back.stop_at == t.stop_at && back.done == 1 &&
	   back.gps_mm == t.gps_mm && back.start_lon_e7 == t.start_lon_e7 &&
	   back.energy[CV_TRIP_ELEC].end_autonomy == t.energy[CV_TRIP_ELEC].end_autonomy, "fields survive");
	memcpy(rec, b.p, b.len);

	/* an open trip with faults, causes, negative coordinates */
	feed(&open, &has, mk((struct spec){ AT, CV_IGN_START, -338688000, -1512093000, 700, NONE, 10, 1000,
					   CV_PRIV_GEOLOCATION }), &closed);
	feed(&open, &has, PART(AT + 20 * MIN, NONE, 5000), &closed);
	cv_buf_reset(&b);
	cv_trip_encode(&open, &b);
	ok(cv_trip_decode(b.p, b.len, &back) == CV_OK && same_record(&open, &back), "round trip of an open trip");
	is_int(back.start_lat_e7, -338688000, "a negative latitude");
	is_int(back.faults, CV_TRIP_UNSTARTED | CV_TRIP_DATALACKING, "its faults");
	is_int(back.cause[1], CV_TRIP_CAUSE_CONNECTION, "their causes");

	is_int(cv_trip_encode(&t, &full), CV_ETOOBIG, "a buffer too small: CV_ETOOBIG");
	is_int(full.len, 0, "and nothing written");

	is_int(cv_trip_decode(rec, 0, &back), CV_EINVAL, "empty: refused");
	is_int(cv_trip_decode(rec, 1, &back), CV_EINVAL, "version alone: refused");
	is_int(cv_trip_decode(rec, CV_TRIP_RECLEN - 1, &back), CV_EINVAL, "one byte short: refused");
	rec[CV_TRIP_RECLEN] = 0;
	is_int(cv_trip_decode(rec, CV_TRIP_RECLEN + 1, &back), CV_EINVAL, "one byte more: refused");
#define BAD(off, val, what) do { \
		unsigned char c = rec[off]; \
		rec[off] = (val); \
		is_int(cv_trip_decode(rec, CV_TRIP_RECLEN, &back), CV_EINVAL, what); \
		rec[off] = c; \
	} while (0)
	BAD(0, 3, "version 3: refused");
	BAD(0, 1, "version 1 at version 2's length: refused");
	BAD(0, 0, "version 0: refused");
	BAD(8, 0x80, "a negative start time: refused");
	BAD(14, 0, "last sample before the start: refused");
	BAD(CV_TRIP_RECLEN_V1 - 8, 0x80, "unknown flags: refused");
	BAD(CV_TRIP_RECLEN_V1 - 8, CV_TRIP_F_GPS | CV_TRIP_F_POS, "a distance without a track: refused");
	BAD(CV_TRIP_RECLEN_V1 - 8, CV_TRIP_F_TRACK, "a track without positions: refused");
	BAD(CV_TRIP_RECLEN_V1 - 7, 2, "done 2: refused");
	BAD(CV_TRIP_RECLEN_V1 - 6, 8, "unknown fault: refused");
	BAD(CV_TRIP_RECLEN_V1 - 5, CV_TRIP_CAUSE_COUNT, "unknown cause: refused");
	BAD(CV_TRIP_RECLEN_V1 - 2, 3, "unknown ignition: refused");
	BAD(CV_TRIP_RECLEN_V1 - 1, 3, "unknown privacy mode: refused");
	BAD(CV_TRIP_RECLEN_V1 + 3, 0x40, "the last position counted out of range: refused");
	BAD(CV_TRIP_RECLEN - 1, CV_TRIP_CAUSE_COUNT, "unknown odo_cause: refused");
	BAD(CV_TRIP_RECLEN - 1, CV_TRIP_CAUSE_CONNECTION, "odo_cause with an odometer seen: refused");
	ok(cv_trip_decode(rec, CV_TRIP_RECLEN, &back) == CV_OK, "the record is intact again");

	/* version 1: the same without the last position counted and odo_cause */
	rec[0] = 1;
	rec[CV_TRIP_RECLEN_V1 - 8] &= (unsigned char)~CV_TRIP_F_TRACK;
	ok(cv_trip_decode(rec, CV_TRIP_RECLEN_V1, &back) == CV_OK, "a version 1 record reads");
	ok((back.flags & CV_TRIP_F_TRACK) && back.track_lat_e7 == t.end_lat_e7 && back.track_lon_e7 == t.end_lon_e7,
	   "its last position is the last one counted");
	ok(back.gps_mm == t.gps_mm && back.odo_cause == CV_TRIP_CAUSE_NONE && back.faults == t.faults,
	   "its track length and faults as stored");
	rec[CV_TRIP_RECLEN_V1 - 8] |= CV_TRIP_F_TRACK;
	is_int(cv_trip_decode(rec, CV_TRIP_RECLEN_V1, &back), CV_EINVAL, "version 1 with a version 2 flag: refused");
	is_int(cv_trip_decode(rec, CV_TRIP_RECLEN_V1 + 1, &back), CV_EINVAL, "version 1, one byte more: refused");
	rec[0] = 2;
	is_int(cv_trip_decode(rec, CV_TRIP_RECLEN_V1, &back), CV_EINVAL, "version 2 at version 1's length: refused");
	ok(cv_trip_decode(rec, CV_TRIP_RECLEN, &back) == CV_OK, "the record is intact again");

	/* every single-bit flip and random bytes: refused, or a trip that renders */
	for (size_t i = 0; i < CV_TRIP_RECLEN * 8; i++) {
		rec[i / 8] ^= (unsigned char)(1u << (i % 8));
		all = decode_safely(rec, CV_TRIP_RECLEN, &accepted) && all;
		rec[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	ok(all, "bit flips: refused or valid (%d of %d accepted)", accepted, CV_TRIP_RECLEN * 8);
	accepted = 0;
	for (int n = 0; n < 20000; n++) {
		size_t len = (size_t)(rng() % sizeof(junk));

		for (size_t i = 0; i < len; i++)
			junk[i] = (unsigned char)rng();
		if (len && n % 2)
			junk[0] = 1;
		all = decode_safely(junk, len, &accepted) && all;
	}
	ok(all, "random bytes: refused or valid (%d accepted)", accepted);
	cv_buf_release(&b);
	cv_buf_release(&full);
}

/* ---- rendering ---------------------------------------------------------- */

static void test_render(void)
{
	static const char *const members[] = {
		"id", "createdAt", "updatedAt", "startedAt", "stoppedAt", "startPosition", "stopPosition",
		"duration", "distance", "startMileage", "startEnergies", "endEnergies", "energyConsumptions",
		"kinetic", "done", "faults",
	};
	struct cv_trip t;
	char *s;
	json_object *o;
	bool all = true;

	nominal(&t);
	s = render(&t, "t1", "VR3UPHNKSKT000001", true);
	o = parse_json(s);
	ok(o != NULL, "render: JSON");
	for (size_t i = 0; i < CV_ARRAY_LEN(members); i++)
		if (!at_path(o, members[i])) {
			printf("#   missing %s\n", members[i]);
			all = false;
		}
	ok(all, "every member of a nominal closed trip");
	is_str(str_at(o, "id"), "t1", "id (required)");
	is_str(str_at(o, "createdAt"), "2024-05-01T08:30:00Z", "createdAt (required)");
	is_str(str_at(o, "vin"), "VR3UPHNKSKT000001", "vin (required by b2b)");
	ok(!at_path(o, "_links"), "no _links: the caller writes them");
	is_str(str_at(o, "startPosition.type"), "Feature", "startPosition is a Feature");
	is_str(str_at(o, "startPosition.geometry.type"), "Point", "of a Point");
	ok(json_object_get_double(at_path(o, "startPosition.geometry.coordinates[0]")) == 2.3522, "lon first");
	ok(json_object_get_double(at_path(o, "startPosition.geometry.coordinates[1]")) == 48.8566, "lat second");
	is_str(str_at(o, "startPosition.properties.createdAt"), "2024-05-01T08:30:00Z", "with its createdAt");
	ok(json_object_is_type(at_path(o, "duration"), json_type_int), "duration: an integer");
	is_int(json_object_get_int(at_path(o, "duration")), 240, "240 s");
	ok(json_object_get_double(at_path(o, "distance")) == 4.4, "distance 4.4 km");
	ok(json_object_get_double(at_path(o, "startMileage")) == 12345.6, "startMileage 12345.6");
	ok(json_object_get_double(at_path(o, "kinetic.avgSpeed")) == 34.1, "avgSpeed 34.1 (1705 / 5 samples)");
	ok(json_object_get_double(at_path(o, "kinetic.maxSpeed")) == 90.5, "maxSpeed 90.5");
	is_str(str_at(o, "energyConsumptions[0].type"), "Fuel", "EnergyConsumption.type (required)");
	ok(json_object_get_double(at_path(o, "energyConsumptions[0].consumption")) == 1.6, "fuel: 1.6 points");
	ok(json_object_get_double(at_path(o, "energyConsumptions[1].consumption")) == 3, "battery: 3 points");
	is_int(json_object_array_length(at_path(o, "faults")), 0, "faults: [] (Nominal)");
	json_object_put(o);
	free(s);

	s = render(&t, "t1", NULL, false);
	o = parse_json(s);
	ok(!at_path(o, "vin") && !at_path(o, "startPosition") && !at_path(o, "stopPosition"),
	   "no vin, no positions when not asked");
	json_object_put(o);
	free(s);

	/* every fault, every cause name */
	t.faults = CV_TRIP_FAULTS_ALL;
	t.cause[0] = CV_TRIP_CAUSE_GEOPRIVACY;
	t.cause[1] = CV_TRIP_CAUSE_FULLPRIVACY;
	t.cause[2] = CV_TRIP_CAUSE_NONE;
	s = render(&t, "t1", NULL, false);
	o = parse_json(s);
	is_str(str_at(o, "faults[0].fault"), "Unstarted", "Unstarted");
	is_str(str_at(o, "faults[0].cause"), "GeoPrivacy", "GeoPrivacy");
	is_str(str_at(o, "faults[1].fault"), "DataLacking", "DataLacking");
	is_str(str_at(o, "faults[1].cause"), "FullPrivacy", "FullPrivacy");
	is_str(str_at(o, "faults[2].fault"), "Unfinished", "Unfinished");
	ok(!at_path(o, "faults[2].cause"), "no cause written for CV_TRIP_CAUSE_NONE");
	json_object_put(o);
	free(s);
}

int main(void)
{
	test_geo();
	test_nominal();
	test_unstarted();
	test_datalacking();
	test_unfinished();
	test_gps_distance();
	test_track();
	test_odometer_rule();
	test_energy();
	test_records();
	test_render();
	return tap_done();
}

/* unit-vdata.c - tests of core/vdata: sample parsing, state merging, rendering. */
#include "vdata.h"
#include "cvtime.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define AT 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define NOW (AT + 3600000)          /* the server's clock in these tests */

static const char full_sample[] =
	"{\"at\": \"2024-05-01T08:30:00Z\","
	" \"position\": {\"lat\": 48.8566, \"lon\": 2.3522, \"alt\": 35, \"heading\": 90,"
	"  \"fix\": \"3D\", \"signal\": 80, \"type\": \"Acquire\"},"
	" \"speed\": 50.5, \"odometer\": 12345.6, \"ignition\": \"Start\","
	" \"fuel\": {\"level\": 55.5, \"autonomy\": 420},"
	" \"electric\": {\"level\": 80, \"autonomy\": 250,"
	"  \"charging\": {\"status\": \"InProgress\", \"mode\": \"Slow\", \"plugged\": true,"
	"   \"rate\": 20, \"remainingTime\": 3600, \"power\": 7.2}},"
	" \"doors\": {\"locked\": \"Locked\", \"open\": [\"Trunk\"]},"
	" \"preconditioning\": \"Disabled\", \"outsideTemp\": 12.5, \"battery12v\": 12.6,"
	" \"maintenance\": {\"days\": 120, \"km\": 8000}, \"privacy\": \"None\","
	" \"events\": ["
	"  {\"type\": \"alert\", \"alert\": \"AddWasherFluid\", \"severity\": \"Warning\", \"active\": true},"
	"  {\"type\": \"collision\", \"details\": [{\"side\": \"Front\", \"severity\": \"Minor\"}]},"
	"  {\"type\": \"alarm\", \"activation\": \"Active\", \"trigger\": \"VolumetricBreakIn\"}"
	" ]}";

/* Parse text as a sample; err gets the message (or "" on success). */
static enum cv_err parse_text(const char *text, int64_t now, struct cv_sample *s, char *err, size_t errsz)
{
	json_object *o = json_tokener_parse(text);
	struct cv_jread jr;
	enum cv_err e;

	err[0] = '\0';
	if (!o) {
		printf("# test bug: not JSON: %s\n", text);
		return CV_EIO;
	}
	cv_jr_init(&jr, "samples[0]");
	e = cv_sample_parse(&jr, o, now, s);
	cv_strlcpy(err, jr.err, errsz);
	json_object_put(o);
	return e;
}

/* A sample that must parse. */
static void good(const char *text, struct cv_sample *s, const char *what)
{
	char err[256];
	enum cv_err e = parse_text(text, NOW, s, err, sizeof(err));

	ok(e == CV_OK, "accepted: %s", what);
	if (e)
		printf("#   %s\n#   error: %s\n", text, err);
}

/* A sample that must be refused with a message starting with want. */
static void bad(const char *text, const char *want)
{
	struct cv_sample s;
	char err[256];
	enum cv_err e = parse_text(text, NOW, &s, err, sizeof(err));

	ok(e == CV_EINVAL && !strncmp(err, want, strlen(want)), "refused: %s", want);
	if (e != CV_EINVAL || strncmp(err, want, strlen(want)))
		printf("#   %s\n#   got %d: %s\n", text, (int)e, err);
}

/* "{"at":...,<members>}" */
#define S(members) "{\"at\":\"2024-05-01T08:30:00Z\"," members "}"

static void test_full(void)
{
	struct cv_sample s;
	const struct cv_event *ev;

	good(full_sample, &s, "the full sample of doc/vehicle-link.md");
	is_int(s.at, AT, "at");
	is_int(s.has, (1u << CV_G_COUNT) - 1, "every group present");
	is_int(s.lat_e7, 488566000, "lat x 1e7");
	is_int(s.lon_e7, 23522000, "lon x 1e7");
	is_int(s.alt_m, 35, "alt");
	is_int(s.heading, 90, "heading");
	is_int(s.fix, CV_FIX_3D, "fix");
	is_int(s.signal, 80, "signal");
	is_int(s.pos_type, CV_POS_ACQUIRE, "position type");
	is_int(s.speed_dkmh, 505, "speed x 10");
	is_int(s.odo_hm, 123456, "odometer x 10");
	is_int(s.ignition, CV_IGN_START, "ignition");
	is_int(s.fuel_level, 555, "fuel level x 10");
	is_int(s.fuel_autonomy, 420, "fuel autonomy");
	is_int(s.elec_level, 800, "electric level x 10");
	is_int(s.elec_autonomy, 250, "electric autonomy");
	is_int(s.chg_status, CV_CHG_INPROGRESS, "charging status");
	is_int(s.chg_mode, CV_CHGMODE_SLOW, "charging mode");
	is_int(s.plugged, 1, "plugged");
	is_int(s.chg_rate, 20, "charging rate");
	is_int(s.chg_remaining, 3600, "remaining time");
	ok(s.has_chg_power == 1 && s.chg_power_dkw == 72, "charging power 7.2 kW kept as 72");
	is_int(s.lock, CV_LOCK_LOCKED, "locked");
	is_int(s.doors_open, 1u << CV_DOOR_TRUNK, "open doors: the trunk");
	is_int(s.precond, CV_PRE_DISABLED, "preconditioning");
	is_int(s.air_temp_dc, 125, "outside temperature x 10");
	is_int(s.batt_mv, 12600, "12 V battery in mV");
	is_int(s.maint_days, 120, "maintenance days");
	is_int(s.maint_dkm, 80000, "maintenance km x 10");
	is_int(s.privacy, CV_PRIV_NONE, "privacy");
	is_int(s.nevents, 3, "three events");
	ev = &s.events[0];
	ok(ev->kind == CV_EV_ALERT && ev->severity == 1 && ev->active == 1, "alert event: kind, severity, active");
	is_str(cv_alert_names[ev->code], "AddWasherFluid", "alert code");
	ev = &s.events[1];
	ok(ev->kind == CV_EV_COLLISION && ev->ndetails == 1 && ev->side[0] == 0 && ev->csev[0] == 2,
	   "collision event: one detail, Front, Minor");
	ev = &s.events[2];
	ok(ev->kind == CV_EV_ALARM && ev->active == 2, "alarm event: Active");
	is_str(ev->code ? cv_alarm_trigger_names[ev->code - 1] : "", "VolumetricBreakIn", "alarm trigger");
}

static void test_values(void)
{
	struct cv_sample s;

	good(S("\"position\":{\"lat\":-33.8688,\"lon\":-151.2093}"), &s, "southern and western position");
	ok(s.lat_e7 == -338688000 && s.lon_e7 == -1512093000, "negative coordinates x 1e7");
	ok(s.fix == CV_FIX_3D && s.pos_type == CV_POS_ACQUIRE && s.alt_m == 0, "position defaults: 3D, Acquire, alt 0");
	good(S("\"position\":{\"lat\":90,\"lon\":180,\"alt\":9000,\"heading\":360,\"signal\":100}"), &s, "position maxima");
	ok(s.lat_e7 == 900000000 && s.lon_e7 == 1800000000 && s.alt_m == 9000 && s.heading == 360 && s.signal == 100,
	   "maxima kept");
	good(S("\"position\":{\"lat\":-90,\"lon\":-180,\"alt\":-500,\"heading\":0,\"signal\":0,"
	       "\"fix\":\"none\",\"type\":\"Estimated\"}"), &s, "position minima");
	ok(s.lat_e7 == -900000000 && s.lon_e7 == -1800000000 && s.alt_m == -500 && s.fix == CV_FIX_NONE &&
	   s.pos_type == CV_POS_ESTIMATED, "minima kept");
	good(S("\"position\":{\"lat\":0.00000004,\"lon\":0.00000005}"), &s, "sub-1e-7 coordinates");
	ok(s.lat_e7 == 0 && s.lon_e7 == 1, "rounded to 1e-7");
	good(S("\"outsideTemp\":-12.5"), &s, "negative temperature");
	is_int(s.air_temp_dc, -125, "-12.5 C kept as -125");
	is_int(s.has, 1u << CV_G_AIR, "only the air group");
	good(S("\"outsideTemp\":-60,\"battery12v\":0,\"speed\":0,\"odometer\":0"), &s, "lower bounds");
	ok(s.air_temp_dc == -600 && s.batt_mv == 0 && s.speed_dkmh == 0 && s.odo_hm == 0, "lower bounds kept");
	good(S("\"outsideTemp\":70,\"battery12v\":30,\"speed\":500,\"odometer\":2000000"), &s, "upper bounds");
	ok(s.air_temp_dc == 700 && s.batt_mv == 30000 && s.speed_dkmh == 5000 && s.odo_hm == 20000000,
	   "upper bounds kept");
	good(S("\"battery12v\":12.3456"), &s, "battery to the mV");
	is_int(s.batt_mv, 12346, "12.3456 V rounds to 12346 mV");
	good(S("\"maintenance\":{\"days\":-10,\"km\":-123.4}"), &s, "overdue maintenance");
	ok(s.maint_days == -10 && s.maint_dkm == -1234, "negative maintenance kept");
	good(S("\"maintenance\":{\"km\":100000}"), &s, "maintenance km only");
	ok(s.maint_days == INT32_MIN && s.maint_dkm == 1000000, "missing days is INT32_MIN");
	good(S("\"maintenance\":{\"days\":-3650}"), &s, "maintenance days only");
	ok(s.maint_days == -3650 && s.maint_dkm == INT32_MIN, "missing km is INT32_MIN");
	good(S("\"electric\":{\"level\":0,\"charging\":{\"status\":\"Disconnected\"}}"), &s, "disconnected");
	ok(s.plugged == 0 && s.chg_mode == CV_CHGMODE_NO && s.chg_rate == 0 && s.chg_remaining == 0,
	   "plugged defaults to false when disconnected");
	ok(CV_HAS(&s, CV_G_ELEC) && CV_HAS(&s, CV_G_CHARGE) && !CV_HAS(&s, CV_G_FUEL), "electric and charging groups");
	good(S("\"electric\":{\"level\":100,\"charging\":{\"status\":\"Finished\",\"plugged\":false,"
	       "\"rate\":500,\"remainingTime\":604800,\"mode\":\"Quick\"}}"), &s, "charging maxima");
	ok(s.plugged == 0 && s.chg_status == CV_CHG_FINISHED && s.chg_rate == 500 && s.chg_remaining == 604800 &&
	   s.chg_mode == CV_CHGMODE_QUICK && s.elec_level == 1000, "charging maxima kept");
	good(S("\"electric\":{\"level\":50,\"charging\":{\"status\":\"Stopped\"}}"), &s, "stopped");
	is_int(s.plugged, 1, "plugged defaults to true when not disconnected");
	is_int(s.has_chg_power, 0, "no power reported");
	good(S("\"electric\":{\"level\":50,\"charging\":{\"status\":\"InProgress\",\"power\":0}}"), &s,
	     "charging power 0");
	ok(s.has_chg_power == 1 && s.chg_power_dkw == 0, "a power of 0 is reported, not absent");
	good(S("\"electric\":{\"level\":50,\"charging\":{\"status\":\"InProgress\",\"mode\":\"Quick\",\"power\":400}}"),
	     &s, "charging power maximum");
	ok(s.has_chg_power == 1 && s.chg_power_dkw == 4000, "400 kW kept as 4000");
	good(S("\"electric\":{\"level\":50,\"charging\":{\"status\":\"InProgress\",\"power\":11.04}}"), &s,
	     "charging power to 0.01");
	is_int(s.chg_power_dkw, 110, "11.04 kW rounds to 0.1 kW");
	good(S("\"electric\":{\"level\":50}"), &s, "electric without charging");
	ok(!CV_HAS(&s, CV_G_CHARGE), "no charging group");
	good(S("\"doors\":{\"locked\":\"SuperLocked\",\"open\":[\"Driver\",\"Passenger\",\"RearLeft\",\"RearRight\",\"Trunk\"]}"),
	     &s, "every door open");
	ok(s.lock == CV_LOCK_SUPERLOCKED && s.doors_open == 0x1f, "all door bits");
	good(S("\"doors\":{\"locked\":\"Unlocked\",\"open\":[]}"), &s, "no door open");
	is_int(s.doors_open, 0, "no door bits");
	good(S("\"ignition\":\"StartUp\",\"preconditioning\":\"Failure\",\"privacy\":\"Full\""), &s, "enums");
	ok(s.ignition == CV_IGN_STARTUP && s.precond == CV_PRE_FAILURE && s.privacy == CV_PRIV_FULL, "enum values");
	good(S("\"events\":[{\"type\":\"alert\",\"alert\":\"WaterInTheDieselFuelFilter\",\"active\":false}]"), &s,
	     "an event alone");
	ok(s.has == 0 && s.nevents == 1 && s.events[0].severity == 1 && s.events[0].active == 0,
	   "no group, one cleared alert, severity defaults to Warning");
	is_int(s.events[0].code, cv_alert_count - 1, "the last alert name");
	good(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Rear\"},"
	       "{\"side\":\"Lateral\",\"severity\":\"Major\"},{\"side\":\"Front\",\"severity\":\"Minimal\"}]}]"),
	     &s, "a collision with three details");
	ok(s.events[0].ndetails == 3 && s.events[0].side[0] == 1 && s.events[0].csev[0] == 0 &&
	   s.events[0].side[1] == 2 && s.events[0].csev[1] == 3 && s.events[0].csev[2] == 1, "details kept");
	good(S("\"events\":[{\"type\":\"theft\",\"active\":true},{\"type\":\"theft\",\"active\":false}]"),
	     &s, "thefts reported and found");
	ok(s.nevents == 2 && s.events[0].kind == CV_EV_THEFT && s.events[0].active == 1 && s.events[1].active == 0,
	   "theft events");
	good(S("\"events\":[{\"type\":\"alarm\",\"trigger\":\"NoBreakIn\"},{\"type\":\"alarm\",\"activation\":\"Inactive\"}]"),
	     &s, "alarms with trigger or activation");
	ok(s.events[0].code == 1 && s.events[0].active == 0 && s.events[1].code == 0 && s.events[1].active == 1,
	   "alarm codes");
	good(S("\"events\":[{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},"
	       "{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},"
	       "{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},"
	       "{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true},"
	       "{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true}],\"speed\":1"), &s, "eight events");
	is_int(s.nevents, 8, "eight events kept");
	good("{\"at\":\"2024-05-01T10:30:00+02:00\",\"speed\":1}", &s, "a time with an offset");
	is_int(s.at, AT, "read as UTC");
	good("{\"at\":\"2024-05-01T09:35:00Z\",\"speed\":1}", &s, "exactly 5 minutes ahead of the server");
}

static void test_future(void)
{
	struct cv_sample s;
	char err[256];

	is_int(parse_text(S("\"speed\":1"), AT + 300000, &s, err, sizeof(err)), CV_OK, "now + 5 min accepted");
	is_int(parse_text(S("\"speed\":1"), AT - 300000, &s, err, sizeof(err)), CV_OK, "now + 5 min (boundary) accepted");
	is_int(parse_text(S("\"speed\":1"), AT - 300001, &s, err, sizeof(err)), CV_EINVAL, "now + 5 min + 1 ms refused");
	is_str(err, "samples[0].at: is more than 5 minutes in the future", "with the reason");
	is_int(parse_text(S("\"speed\":1"), 0, &s, err, sizeof(err)), CV_EINVAL, "far future refused");
}

static void test_bad(void)
{
	bad("[]", "samples[0]: must be an object");
	bad("5", "samples[0]: must be an object");
	bad("{\"speed\":1}", "samples[0].at: is required");
	bad("{\"at\":5,\"speed\":1}", "samples[0].at: must be an RFC 3339 time");
	bad("{\"at\":\"2024-05-01T08:30:00\",\"speed\":1}", "samples[0].at: must be an RFC 3339 time");
	bad("{\"at\":\"1969-12-31T23:59:59Z\",\"speed\":1}", "samples[0].at: must be an RFC 3339 time");
	bad("{\"at\":\"2024-05-01T08:30:00Z\"}", "samples[0]: holds no data besides its time");
	bad(S("\"events\":[]"), "samples[0]: holds no data besides its time");
	bad(S("\"sped\":1"), "samples[0].sped: unknown field");
	bad(S("\"speed\":1,\"Speed\":1"), "samples[0].Speed: unknown field");

	/* position */
	bad(S("\"position\":[1,2]"), "samples[0].position: must be an object");
	bad(S("\"position\":null"), "samples[0].position: must be an object");
	bad(S("\"position\":{\"lat\":1,\"lon\":2,\"speed\":3}"), "samples[0].position.speed: unknown field");
	bad(S("\"position\":{\"lon\":2}"), "samples[0].position.lat: is required");
	bad(S("\"position\":{\"lat\":2}"), "samples[0].position.lon: is required");
	bad(S("\"position\":{}"), "samples[0].position.lat: is required");
	bad(S("\"position\":{\"lat\":90.0000001,\"lon\":0}"), "samples[0].position.lat: must be a number from -90 to 90");
	bad(S("\"position\":{\"lat\":-90.5,\"lon\":0}"), "samples[0].position.lat: must be a number from -90 to 90");
	bad(S("\"position\":{\"lat\":\"48.8\",\"lon\":0}"), "samples[0].position.lat: must be a number");
	bad(S("\"position\":{\"lat\":true,\"lon\":0}"), "samples[0].position.lat: must be a number");
	bad(S("\"position\":{\"lat\":null,\"lon\":0}"), "samples[0].position.lat: must be a number");
	bad(S("\"position\":{\"lat\":NaN,\"lon\":0}"), "samples[0].position.lat: must be a number from");
	bad(S("\"position\":{\"lat\":1e400,\"lon\":0}"), "samples[0].position.lat: must be a number from");
	bad(S("\"position\":{\"lat\":0,\"lon\":180.1}"), "samples[0].position.lon: must be a number from -180 to 180");
	bad(S("\"position\":{\"lat\":0,\"lon\":-181}"), "samples[0].position.lon: must be a number from -180 to 180");
	bad(S("\"position\":{\"lat\":0,\"lon\":[]}"), "samples[0].position.lon: must be a number");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"alt\":-501}"), "samples[0].position.alt: must be a number from -500 to 9000");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"alt\":9001}"), "samples[0].position.alt: must be a number from -500 to 9000");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"heading\":-1}"), "samples[0].position.heading: must be a number from 0 to 360");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"heading\":361}"), "samples[0].position.heading: must be a number from 0 to 360");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"fix\":\"4D\"}"), "samples[0].position.fix: must be one of none, 2D, 3D");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"fix\":3}"), "samples[0].position.fix: must be one of none, 2D, 3D");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"signal\":101}"), "samples[0].position.signal: must be a number from 0 to 100");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"signal\":-1}"), "samples[0].position.signal: must be a number from 0 to 100");
	bad(S("\"position\":{\"lat\":0,\"lon\":0,\"type\":\"GPS\"}"), "samples[0].position.type: must be one of Acquire, Estimated");

	/* scalars */
	bad(S("\"speed\":-0.1"), "samples[0].speed: must be a number from 0 to 500");
	bad(S("\"speed\":500.1"), "samples[0].speed: must be a number from 0 to 500");
	bad(S("\"speed\":\"fast\""), "samples[0].speed: must be a number");
	bad(S("\"odometer\":-1"), "samples[0].odometer: must be a number from 0 to 2000000");
	bad(S("\"odometer\":2000000.1"), "samples[0].odometer: must be a number from 0 to 2000000");
	bad(S("\"ignition\":\"On\""), "samples[0].ignition: must be one of Stop, StartUp, Start");
	bad(S("\"ignition\":1"), "samples[0].ignition: must be one of Stop, StartUp, Start");
	bad(S("\"preconditioning\":\"On\""), "samples[0].preconditioning: must be one of Disabled, Enabled, Finished, Failure");
	bad(S("\"outsideTemp\":-60.1"), "samples[0].outsideTemp: must be a number from -60 to 70");
	bad(S("\"outsideTemp\":70.1"), "samples[0].outsideTemp: must be a number from -60 to 70");
	bad(S("\"battery12v\":30.001"), "samples[0].battery12v: must be a number from 0 to 30");
	bad(S("\"battery12v\":-0.001"), "samples[0].battery12v: must be a number from 0 to 30");
	bad(S("\"privacy\":\"Partial\""), "samples[0].privacy: must be one of None, Geolocation, Full");
	bad(S("\"privacy\":false"), "samples[0].privacy: must be one of None, Geolocation, Full");

	/* fuel and electric */
	bad(S("\"fuel\":55"), "samples[0].fuel: must be an object");
	bad(S("\"fuel\":{\"autonomy\":10}"), "samples[0].fuel.level: is required");
	bad(S("\"fuel\":{\"level\":100.1}"), "samples[0].fuel.level: must be a number from 0 to 100");
	bad(S("\"fuel\":{\"level\":-1}"), "samples[0].fuel.level: must be a number from 0 to 100");
	bad(S("\"fuel\":{\"level\":1,\"autonomy\":3001}"), "samples[0].fuel.autonomy: must be a number from 0 to 3000");
	bad(S("\"fuel\":{\"level\":1,\"autonomy\":-1}"), "samples[0].fuel.autonomy: must be a number from 0 to 3000");
	bad(S("\"fuel\":{\"level\":1,\"charging\":{\"status\":\"Finished\"}}"), "samples[0].fuel.charging: unknown field");
	bad(S("\"electric\":{}"), "samples[0].electric.level: is required");
	bad(S("\"electric\":{\"level\":\"80\"}"), "samples[0].electric.level: must be a number");
	bad(S("\"electric\":{\"level\":1,\"charging\":true}"), "samples[0].electric.charging: must be an object");
	bad(S("\"electric\":{\"level\":1,\"charging\":{}}"), "samples[0].electric.charging.status: is required");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Charging\"}}"),
	    "samples[0].electric.charging.status: must be one of Disconnected, InProgress, Failure, Stopped, Finished");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Finished\",\"mode\":\"Fast\"}}"),
	    "samples[0].electric.charging.mode: must be one of No, Slow, Quick");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Finished\",\"plugged\":1}}"),
	    "samples[0].electric.charging.plugged: must be true or false");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Finished\",\"rate\":501}}"),
	    "samples[0].electric.charging.rate: must be a number from 0 to 500");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Finished\",\"remainingTime\":604801}}"),
	    "samples[0].electric.charging.remainingTime: must be a number from 0 to 604800");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"Finished\",\"remainingTime\":-1}}"),
	    "samples[0].electric.charging.remainingTime: must be a number from 0 to 604800");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"InProgress\",\"power\":400.1}}"),
	    "samples[0].electric.charging.power: must be a number from 0 to 400");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"InProgress\",\"power\":-0.5}}"),
	    "samples[0].electric.charging.power: must be a number from 0 to 400");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"InProgress\",\"power\":\"7.4\"}}"),
	    "samples[0].electric.charging.power: must be a number");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"InProgress\",\"power\":null}}"),
	    "samples[0].electric.charging.power: must be a number");
	bad(S("\"electric\":{\"level\":1,\"charging\":{\"status\":\"InProgress\",\"powerKw\":7}}"),
	    "samples[0].electric.charging.powerKw: unknown field");
	bad(S("\"electric\":{\"level\":1,\"range\":7}"), "samples[0].electric.range: unknown field");

	/* doors */
	bad(S("\"doors\":\"Locked\""), "samples[0].doors: must be an object");
	bad(S("\"doors\":{\"open\":[]}"), "samples[0].doors.locked: is required");
	bad(S("\"doors\":{\"locked\":\"Closed\"}"), "samples[0].doors.locked: must be one of Unlocked, Locked, SuperLocked");
	bad(S("\"doors\":{\"locked\":\"Locked\",\"open\":\"Trunk\"}"), "samples[0].doors.open: must be an array of at most 5 items");
	bad(S("\"doors\":{\"locked\":\"Locked\",\"open\":[\"Roof\"]}"), "samples[0].doors.open[0]: must be one of Driver, Passenger, RearLeft, RearRight, Trunk");
	bad(S("\"doors\":{\"locked\":\"Locked\",\"open\":[1]}"), "samples[0].doors.open[0]: must be one of Driver, Passenger, RearLeft, RearRight, Trunk");
	bad(S("\"doors\":{\"locked\":\"Locked\",\"open\":[\"Driver\",\"Driver\",\"Driver\",\"Driver\",\"Driver\",\"Driver\"]}"),
	    "samples[0].doors.open: must be an array of at most 5 items");
	bad(S("\"doors\":{\"locked\":\"Locked\",\"windows\":[]}"), "samples[0].doors.windows: unknown field");

	/* maintenance */
	bad(S("\"maintenance\":{}"), "samples[0].maintenance: needs days or km");
	bad(S("\"maintenance\":3"), "samples[0].maintenance: must be an object");
	bad(S("\"maintenance\":{\"days\":3651}"), "samples[0].maintenance.days: must be a number from -3650 to 3650");
	bad(S("\"maintenance\":{\"days\":-3651}"), "samples[0].maintenance.days: must be a number from -3650 to 3650");
	bad(S("\"maintenance\":{\"km\":100000.1}"), "samples[0].maintenance.km: must be a number from -100000 to 100000");
	bad(S("\"maintenance\":{\"km\":-100001}"), "samples[0].maintenance.km: must be a number from -100000 to 100000");
	bad(S("\"maintenance\":{\"days\":1,\"hours\":1}"), "samples[0].maintenance.hours: unknown field");

	/* events */
	bad(S("\"events\":{}"), "samples[0].events: must be an array");
	bad(S("\"events\":[1,2,3,4,5,6,7,8,9]"), "samples[0].events: must be an array of at most 8 items");
	bad(S("\"events\":[\"alert\"]"), "samples[0].events[0]: must be an object");
	bad(S("\"speed\":1,\"events\":[{\"type\":\"alarm\",\"trigger\":\"NoBreakIn\"},null]"), "samples[0].events[1]: must be an object");
	bad(S("\"events\":[{}]"), "samples[0].events[0].type: is required (one of alert, collision, alarm, theft)");
	bad(S("\"events\":[{\"type\":\"theft\"}]"), "samples[0].events[0].active: is required (true when reported stolen, false when found)");
	bad(S("\"events\":[{\"type\":\"none\"}]"), "samples[0].events[0].type: must be one of alert, collision, alarm");
	bad(S("\"events\":[{\"type\":\"crash\"}]"), "samples[0].events[0].type: must be one of alert, collision, alarm");
	bad(S("\"events\":[{\"type\":\"alert\",\"active\":true}]"), "samples[0].events[0].alert: is required");
	bad(S("\"events\":[{\"type\":\"alert\",\"alert\":\"FlatTyre\",\"active\":true}]"),
	    "samples[0].events[0].alert: unknown value \"FlatTyre\"");
	bad(S("\"events\":[{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"severity\":\"Fatal\",\"active\":true}]"),
	    "samples[0].events[0].severity: must be one of Information, Warning, Critical");
	bad(S("\"events\":[{\"type\":\"alert\",\"alert\":\"OilLevelLow\"}]"), "samples[0].events[0].active: is required");
	bad(S("\"events\":[{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":\"yes\"}]"),
	    "samples[0].events[0].active: must be true or false");
	bad(S("\"events\":[{\"type\":\"alert\",\"alert\":\"OilLevelLow\",\"active\":true,\"details\":[]}]"),
	    "samples[0].events[0].details: unknown field");
	bad(S("\"events\":[{\"type\":\"collision\"}]"), "samples[0].events[0].details: is required");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":{}}]"), "samples[0].events[0].details: must be an array of 1 to 3 items");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[]}]"), "samples[0].events[0].details: must be an array of 1 to 3 items");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Front\"},{\"side\":\"Front\"},"
	      "{\"side\":\"Front\"},{\"side\":\"Front\"}]}]"), "samples[0].events[0].details: must be an array of 1 to 3 items");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[\"Front\"]}]"), "samples[0].events[0].details[0]: must be an object");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Front\"},{\"severity\":\"Minor\"}]}]"),
	    "samples[0].events[0].details[1].side: is required");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Top\"}]}]"),
	    "samples[0].events[0].details[0].side: must be one of Front, Rear, Lateral");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Front\",\"severity\":\"unknown\"}]}]"),
	    "samples[0].events[0].details[0].severity: must be one of Minimal, Minor, Major");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Front\",\"speed\":3}]}]"),
	    "samples[0].events[0].details[0].speed: unknown field");
	bad(S("\"events\":[{\"type\":\"collision\",\"details\":[{\"side\":\"Front\"}],\"alert\":\"x\"}]"),
	    "samples[0].events[0].alert: unknown field");
	bad(S("\"events\":[{\"type\":\"alarm\"}]"), "samples[0].events[0]: an alarm event needs activation or trigger");
	bad(S("\"events\":[{\"type\":\"alarm\",\"activation\":\"none\"}]"),
	    "samples[0].events[0].activation: must be one of Inactive, Active");
	bad(S("\"events\":[{\"type\":\"alarm\",\"trigger\":\"Burglar\"}]"), "samples[0].events[0].trigger: unknown value \"Burglar\"");
	bad(S("\"events\":[{\"type\":\"alarm\",\"trigger\":\"NoBreakIn\",\"severity\":\"Warning\"}]"),
	    "samples[0].events[0].severity: unknown field");
}


static void test_merge(void)
{
	struct cv_state st;
	struct cv_sample a, b, c;

	memset(&st, 0, sizeof(st));
	good("{\"at\":\"2024-05-01T08:30:00Z\",\"speed\":10,\"odometer\":100}", &a, "sample a (newest)");
	good("{\"at\":\"2024-05-01T08:00:00Z\",\"speed\":20,\"fuel\":{\"level\":40}}", &b, "sample b (older)");
	good("{\"at\":\"2024-05-01T08:30:00Z\",\"speed\":30}", &c, "sample c (same time as a)");

	cv_state_merge(&st, &a, 111);
	ok(st.v.speed_dkmh == 100 && st.v.odo_hm == 1000, "a merged");
	ok(st.at[CV_G_KIN] == AT && st.at[CV_G_ODO] == AT, "group times from a");
	is_int(st.updated, 111, "updated set");
	is_int(st.v.at, AT, "state time");

	cv_state_merge(&st, &b, 222);
	is_int(st.v.speed_dkmh, 100, "an older sample does not overwrite speed");
	is_int(st.at[CV_G_KIN], AT, "nor its time");
	ok(CV_HAS(&st.v, CV_G_FUEL) && st.v.fuel_level == 400, "a group new to the state is taken from an older sample");
	is_int(st.at[CV_G_FUEL], AT - 1800000, "with its own time");
	is_int(st.v.at, AT, "the state time stays the newest");
	is_int(st.updated, 222, "updated because something changed");

	cv_state_merge(&st, &b, 333);
	is_int(st.updated, 333, "b again: its fuel has the same time, so it is taken again");

	{
		struct cv_sample old;

		good("{\"at\":\"2024-05-01T07:00:00Z\",\"speed\":5,\"fuel\":{\"level\":1}}", &old, "sample older than all");
		cv_state_merge(&st, &old, 444);
		ok(st.v.speed_dkmh == 100 && st.v.fuel_level == 400, "nothing overwritten");
		is_int(st.updated, 333, "updated unchanged when nothing changed");
	}

	cv_state_merge(&st, &c, 555);
	is_int(st.v.speed_dkmh, 300, "a sample with the same time replaces");
	is_int(st.v.odo_hm, 1000, "other groups kept");
	is_int(st.v.has, (1u << CV_G_KIN) | (1u << CV_G_ODO) | (1u << CV_G_FUEL), "groups seen");

	/* the charging power goes with its group: a newer charging group without it clears it */
	good("{\"at\":\"2024-05-01T09:00:00Z\",\"electric\":{\"level\":50,\"charging\":"
	     "{\"status\":\"InProgress\",\"mode\":\"Quick\",\"power\":98.5}}}", &a, "charging at 98.5 kW");
	good("{\"at\":\"2024-05-01T08:50:00Z\",\"electric\":{\"level\":40,\"charging\":"
	     "{\"status\":\"InProgress\",\"power\":50}}}", &b, "an older one at 50 kW");
	good("{\"at\":\"2024-05-01T09:10:00Z\",\"electric\":{\"level\":60,\"charging\":"
	     "{\"status\":\"Finished\"}}}", &c, "a newer one without power");
	cv_state_merge(&st, &a, 666);
	ok(st.v.has_chg_power == 1 && st.v.chg_power_dkw == 985, "the state takes the power");
	cv_state_merge(&st, &b, 777);
	is_int(st.v.chg_power_dkw, 985, "an older sample does not overwrite it");
	cv_state_merge(&st, &c, 888);
	ok(st.v.has_chg_power == 0 && st.v.chg_status == CV_CHG_FINISHED, "a newer charging group without power clears it");
}

/* ---- rendering, read back with json-c ----------------------------------- */

/* Follow "a.b[2].c" into o; NULL if any step is missing. */
static json_object *jget(json_object *o, const char *path)
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

			if (*end != ']' || !json_object_is_type(o, json_type_array) ||
			    i < 0 || (size_t)i >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
			path = end + 1;
		} else {
			path++;
		}
	}
	return o;
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "(missing)";
}

static double jnum(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) ?
	       json_object_get_double(v) : -99999;
}

static int jbool(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

/* Parse what w wrote, requiring one complete JSON value. */
static json_object *readback(struct cv_buf *b, const char *what)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, cv_buf_str(b), (int)b->len);
	bool good_ = o && json_tokener_get_error(tok) == json_tokener_success &&
		     (size_t)json_tokener_get_parse_end(tok) == b->len;

	ok(good_, "%s is valid JSON", what);
	if (!good_) {
		printf("#   %s\n", cv_buf_str(b));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void test_render(void)
{
	struct cv_sample s;
	struct cv_state st;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	json_object *o;

	good(full_sample, &s, "full sample for rendering");
	memset(&st, 0, sizeof(st));
	cv_state_merge(&st, &s, AT + 1000);

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_status_members(&w, &st);
	cv_jw_end(&w);
	is_int(w.err, CV_OK, "status rendered");
	o = readback(&b, "status members");
	if (o) {
		is_str(jstr(o, "battery.createdAt"), "2024-05-01T08:30:00Z", "battery.createdAt");
		ok(jnum(o, "battery.voltage") == 12.6, "battery.voltage 12.6");
		is_str(jstr(o, "doorsState.lockedStates[0]"), "Locked", "doorsState.lockedStates");
		is_int(json_object_array_length(jget(o, "doorsState.opening")), 5, "five doors listed");
		is_str(jstr(o, "doorsState.opening[0].identifier"), "Driver", "first door");
		is_str(jstr(o, "doorsState.opening[0].state"), "Closed", "the driver's door is closed");
		is_str(jstr(o, "doorsState.opening[4].identifier"), "Trunk", "last door");
		is_str(jstr(o, "doorsState.opening[4].state"), "Open", "the trunk is open");
		is_str(jstr(o, "energies[0].type"), "Fuel", "energies[0] is fuel");
		ok(jnum(o, "energies[0].level") == 55.5, "fuel level 55.5");
		ok(jnum(o, "energies[0].autonomy") == 420, "fuel autonomy 420");
		is_str(jstr(o, "energies[1].type"), "Electric", "energies[1] is electric");
		is_str(jstr(o, "energies[1].subType"), "ElectricEnergy", "electric subType");
		ok(jnum(o, "energies[1].level") == 80, "electric level 80");
		ok(jnum(o, "energies[1].autonomy") == 250, "electric autonomy 250");
		is_int(jbool(o, "energies[1].extension.electric.charging.plugged"), 1, "plugged");
		is_str(jstr(o, "energies[1].extension.electric.charging.status"), "InProgress", "charging status");
		is_str(jstr(o, "energies[1].extension.electric.charging.chargingMode"), "Slow", "charging mode");
		ok(jnum(o, "energies[1].extension.electric.charging.chargingRate") == 20, "charging rate");
		is_str(jstr(o, "energies[1].extension.electric.charging.remainingTime"), "PT1H", "remaining time PT1H");
		ok(jget(o, "energies[1].extension.electric.charging.power") == NULL &&
		   jget(o, "energies[1].extension.electric.charging.chargingPower") == NULL,
		   "the charging power is no member of the official Status");
		ok(jnum(o, "environment.air.temp") == 12.5, "environment.air.temp 12.5");
		is_str(jstr(o, "ignition.type"), "Start", "ignition.type");
		is_int(jbool(o, "kinetic.moving"), 1, "moving");
		ok(jnum(o, "kinetic.speed") == 50.5, "speed 50.5");
		ok(jnum(o, "odometer.mileage") == 12345.6, "mileage 12345.6");
		is_str(jstr(o, "preconditioning.airConditioning.status"), "Disabled", "preconditioning");
		is_str(jstr(o, "privacy.state"), "None", "privacy.state");
		is_str(jstr(o, "privacy.createdAt"), "2024-05-01T08:30:00Z", "privacy.createdAt");
		json_object_put(o);
	}

	ok(cv_state_has_position(&st), "the state has a position");
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_render_position(&w, &st);
	is_int(w.err, CV_OK, "position rendered");
	o = readback(&b, "position");
	if (o) {
		is_str(jstr(o, "type"), "Feature", "a Feature");
		is_str(jstr(o, "geometry.type"), "Point", "a Point");
		ok(jnum(o, "geometry.coordinates[0]") == 2.3522, "longitude first");
		ok(jnum(o, "geometry.coordinates[1]") == 48.8566, "latitude second");
		ok(jnum(o, "geometry.coordinates[2]") == 35, "altitude third");
		is_str(jstr(o, "properties.createdAt"), "2024-05-01T08:30:00Z", "createdAt");
		is_str(jstr(o, "properties.updatedAt"), "2024-05-01T08:30:01Z", "updatedAt");
		ok(jnum(o, "properties.heading") == 90, "heading");
		ok(jnum(o, "properties.signalQuality") == 80, "signalQuality");
		is_str(jstr(o, "properties.type"), "Acquire", "type");
		is_str(jstr(o, "properties.fixStatus"), "3D", "fixStatus");
		json_object_put(o);
	}

	ok(cv_state_has_maintenance(&st), "the state has maintenance data");
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_maintenance_members(&w, &st);
	cv_jw_end(&w);
	o = readback(&b, "maintenance");
	if (o) {
		ok(jnum(o, "daysBeforeMaintenance") == 120, "daysBeforeMaintenance");
		ok(jnum(o, "mileageBeforeMaintenance") == 8000, "mileageBeforeMaintenance");
		json_object_put(o);
	}

	/* the telemetry item, whole and filtered */
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_telemetry_members(&w, &s, CV_TP_ALL);
	cv_jw_end(&w);
	o = readback(&b, "telemetry item");
	if (o) {
		is_str(jstr(o, "createdAt"), "2024-05-01T08:30:00Z", "createdAt");
		ok(jnum(o, "vehicle.battery.voltage") == 12.6, "vehicle.battery.voltage");
		is_str(jstr(o, "vehicle.doorsState.opening[4].state"), "Open", "vehicle.doorsState");
		ok(jget(o, "vehicle.doorsState.createdAt") == NULL, "no createdAt inside telemetry parts");
		ok(jnum(o, "vehicle.energies[0].level") == 55.5, "vehicle.energies");
		ok(jget(o, "vehicle.energies[1].extension.electric.charging.power") == NULL,
		   "nor of the official telemetry item");
		is_str(jstr(o, "vehicle.ignition.type"), "Start", "vehicle.ignition");
		ok(jnum(o, "vehicle.kinetic.speed") == 50.5, "vehicle.kinetic");
		ok(jnum(o, "vehicle.odometer.mileage") == 12345.6, "vehicle.odometer");
		ok(jnum(o, "environment.air.temp") == 12.5, "environment");
		is_str(jstr(o, "privacy.state"), "None", "privacy");
		json_object_put(o);
	}

	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_telemetry_members(&w, &s, cv_tel_part_mask("environment"));
	cv_jw_end(&w);
	o = readback(&b, "environment-only telemetry");
	if (o) {
		ok(jget(o, "vehicle") == NULL && jget(o, "privacy") == NULL, "only environment");
		ok(jnum(o, "environment.air.temp") == 12.5, "environment kept");
		json_object_put(o);
	}

	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_telemetry_members(&w, &s, cv_tel_part_mask("vehicle.energies") | cv_tel_part_mask("vehicle.ignition"));
	cv_jw_end(&w);
	o = readback(&b, "energies and ignition telemetry");
	if (o) {
		ok(jget(o, "vehicle.energies") && jget(o, "vehicle.ignition") && !jget(o, "vehicle.kinetic") &&
		   !jget(o, "vehicle.battery") && !jget(o, "environment"), "only the parts asked for");
		json_object_put(o);
	}

	/* a negative temperature and negative coordinates */
	good(S("\"outsideTemp\":-12.5,\"position\":{\"lat\":-0.5,\"lon\":-0.0000001,\"alt\":-20,\"fix\":\"none\"}"), &s,
	     "negative values for rendering");
	memset(&st, 0, sizeof(st));
	cv_state_merge(&st, &s, AT);
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_status_members(&w, &st);
	cv_jw_end(&w);
	o = readback(&b, "status with a negative temperature");
	if (o) {
		ok(jnum(o, "environment.air.temp") == -12.5, "temp -12.5");
		ok(jget(o, "battery") == NULL && jget(o, "energies") == NULL && jget(o, "kinetic") == NULL,
		   "absent groups are not rendered");
		json_object_put(o);
	}
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_render_position(&w, &st);
	o = readback(&b, "negative position");
	if (o) {
		ok(jnum(o, "geometry.coordinates[0]") == -0.0000001, "lon -0.0000001");
		ok(jnum(o, "geometry.coordinates[1]") == -0.5, "lat -0.5");
		ok(jnum(o, "geometry.coordinates[2]") == -20, "alt -20");
		ok(jget(o, "properties.fixStatus") == NULL, "no fixStatus without a fix");
		json_object_put(o);
	}

	/* an empty state renders nothing, still inside a valid object */
	memset(&st, 0, sizeof(st));
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_status_members(&w, &st);
	cv_jw_end(&w);
	is_str(cv_buf_str(&b), "{}", "an empty state has no members");
	ok(!cv_state_has_position(&st) && !cv_state_has_maintenance(&st), "nor position nor maintenance");

	/* out-of-range enum values (a corrupt record) still render valid JSON */
	memset(&st, 0xff, sizeof(st));
	st.v.has = (1u << CV_G_COUNT) - 1;
	for (int g = 0; g < CV_G_COUNT; g++)
		st.at[g] = AT;
	st.updated = AT;
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_render_status_members(&w, &st);
	cv_jw_end(&w);
	o = readback(&b, "status of a state full of 0xff");
	json_object_put(o);
	cv_buf_reset(&b);
	cv_jw_init(&w, &b);
	cv_render_position(&w, &st);
	o = readback(&b, "position of a state full of 0xff");
	json_object_put(o);
	cv_buf_release(&b);
}

static void test_parts(void)
{
	struct cv_sample s;

	is_int(cv_tel_part_mask("environment"), 1u << CV_TP_ENVIRONMENT, "environment mask");
	is_int(cv_tel_part_mask("vehicle.battery"), 1u << CV_TP_BATTERY, "vehicle.battery mask");
	ok((cv_tel_part_mask("vehicle") & (1u << CV_TP_ODOMETER)) && !(cv_tel_part_mask("vehicle") & (1u << CV_TP_PRIVACY)),
	   "vehicle covers the vehicle parts only");
	ok(cv_tel_part_mask("vehicle.adas") != 0, "known but unsupported kinds are accepted");
	is_int(cv_tel_part_mask("vehicle.adas") & CV_TP_ALL, 0, "and match nothing");
	is_int(cv_tel_part_mask("Environment"), 0, "names are case-sensitive");
	is_int(cv_tel_part_mask(""), 0, "empty is unknown");
	is_int(cv_tel_part_mask("weather"), 0, "unknown name");

	good(S("\"speed\":3"), &s, "a speed-only sample");
	ok(cv_sample_has_parts(&s, 1u << CV_TP_KINETIC), "has kinetic");
	ok(!cv_sample_has_parts(&s, 1u << CV_TP_ENVIRONMENT), "has no environment");
	ok(!cv_sample_has_parts(&s, cv_tel_part_mask("vehicle.adas")), "matches no unsupported kind");
	is_str(cv_energy_motorization(CV_ENERGY_ELECTRIC), "Electric", "electric motorization");
	is_str(cv_energy_motorization(CV_ENERGY_PHEV), "Hybrid", "phev motorization");
	is_str(cv_energy_motorization(CV_ENERGY_DIESEL), "Thermic", "diesel motorization");
}

static void test_capacity(void)
{
	static const struct { enum cv_capacity kind; const char *text; uint32_t want; } good_[] = {
		{ CV_CAP_BATTERY, "50", 50000 }, { CV_CAP_BATTERY, "11.5", 11500 }, { CV_CAP_BATTERY, "0.1", 100 },
		{ CV_CAP_BATTERY, "300", 300000 }, { CV_CAP_BATTERY, "300.0", 300000 }, { CV_CAP_BATTERY, "046", 46000 },
		{ CV_CAP_TANK, "45", 4500 }, { CV_CAP_TANK, "40.5", 4050 }, { CV_CAP_TANK, "200", 20000 },
		{ CV_CAP_TANK, "0.1", 10 },
	};
	static const struct { enum cv_capacity kind; const char *text; } bad_[] = {
		{ CV_CAP_BATTERY, "" }, { CV_CAP_BATTERY, "0" }, { CV_CAP_BATTERY, "0.0" }, { CV_CAP_BATTERY, "300.1" },
		{ CV_CAP_BATTERY, "301" }, { CV_CAP_BATTERY, "11.55" }, { CV_CAP_BATTERY, "-5" }, { CV_CAP_BATTERY, "+5" },
		{ CV_CAP_BATTERY, "5." }, { CV_CAP_BATTERY, ".5" }, { CV_CAP_BATTERY, "5e1" }, { CV_CAP_BATTERY, " 5" },
		{ CV_CAP_BATTERY, "5 " }, { CV_CAP_BATTERY, "5kWh" }, { CV_CAP_BATTERY, "5,5" },
		{ CV_CAP_BATTERY, "99999999999999999999" }, { CV_CAP_BATTERY, "0000050" }, { CV_CAP_TANK, "200.1" },
		{ CV_CAP_TANK, "0" }, { CV_CAP_TANK, "nan" }, { CV_CAP_TANK, "inf" },
	};
	unsigned bad = 0;
	uint32_t v;
	char text[CV_CAPACITY_STRLEN];

	for (size_t i = 0; i < CV_ARRAY_LEN(good_); i++) {
		v = 0;
		if (cv_capacity_parse(good_[i].kind, good_[i].text, &v) || v != good_[i].want) {
			printf("# %s: %u\n", good_[i].text, v);
			bad++;
		}
	}
	is_int(bad, 0, "capacities read: whole numbers and one decimal, up to the bound");
	bad = 0;
	for (size_t i = 0; i < CV_ARRAY_LEN(bad_); i++) {
		v = 7;
		if (cv_capacity_parse(bad_[i].kind, bad_[i].text, &v) != CV_EINVAL || v != 7) {
			printf("# accepted: \"%s\"\n", bad_[i].text);
			bad++;
		}
	}
	is_int(bad, 0, "capacities refused: 0, past the bound, two decimals, signs, blanks, units, exponents");
	ok(cv_capacity_applies(CV_CAP_BATTERY, CV_ENERGY_ELECTRIC) && cv_capacity_applies(CV_CAP_BATTERY, CV_ENERGY_PHEV) &&
	   !cv_capacity_applies(CV_CAP_BATTERY, CV_ENERGY_PETROL) && !cv_capacity_applies(CV_CAP_BATTERY, CV_ENERGY_DIESEL),
	   "a battery: electric and phev");
	ok(!cv_capacity_applies(CV_CAP_TANK, CV_ENERGY_ELECTRIC) && cv_capacity_applies(CV_CAP_TANK, CV_ENERGY_PHEV) &&
	   cv_capacity_applies(CV_CAP_TANK, CV_ENERGY_PETROL) && cv_capacity_applies(CV_CAP_TANK, CV_ENERGY_DIESEL),
	   "a tank: petrol, diesel and phev");
	cv_capacity_fmt(CV_CAP_BATTERY, 50000, text);
	is_str(text, "50", "50000 Wh is 50 kWh");
	cv_capacity_fmt(CV_CAP_BATTERY, 11500, text);
	is_str(text, "11.5", "11500 Wh is 11.5 kWh");
	cv_capacity_fmt(CV_CAP_TANK, 4050, text);
	is_str(text, "40.5", "4050 cl is 40.5 L");
	cv_capacity_fmt(CV_CAP_TANK, 20000, text);
	is_str(text, "200", "20000 cl is 200 L");
}

int main(void)
{
	test_full();
	test_values();
	test_future();
	test_bad();
	test_merge();
	test_render();
	test_parts();
	test_capacity();
	return tap_done();
}

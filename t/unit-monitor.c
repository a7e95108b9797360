/* unit-monitor.c - tests of core/monitor: triggers read from triggerParam, and their truth. */
#include "monitor.h"
#include "tap.h"

#include <string.h>

/* Parse JSON text as a triggerParam; err gets the message. */
static enum cv_err parse(const char *json, bool b2b, struct cv_mon_def *def, char *err, size_t errsz)
{
	json_object *o = json_tokener_parse(json);
	struct cv_jread jr;
	enum cv_err e;

	if (!o) {
		snprintf(err, errsz, "bad JSON in the test");
		return CV_EIO;
	}
	cv_jr_init(&jr, "triggerParam");
	e = cv_mon_parse(&jr, o, b2b, def);
	cv_strlcpy(err, jr.err, errsz);
	json_object_put(o);
	return e;
}

static void refused(const char *json, bool b2b, const char *want, const char *desc)
{
	struct cv_mon_def def;
	char err[256];
	enum cv_err e = parse(json, b2b, &def, err, sizeof(err));

	ok(e == CV_EINVAL && strstr(err, want) != NULL, "%s: \"%s\"", desc, err);
}

static void test_refused(void)
{
	const char *z = "\"zone\":{\"transition\":\"Out\",\"place\":{\"radius\":2,\"center\":{\"latitude\":48.8,\"longitude\":2.3}}}";
	char buf[512];

	refused("[]", false, "triggerParam: must be an object", "not an object");
	refused("{}", false, "triggerParam.triggers: is required (an array of 1 to 5 items)", "no triggers");
	refused("{\"triggers\":[]}", false, "triggers: must be an array of 1 to 5 items", "no trigger at all");
	refused("{\"triggers\":[{},{},{},{},{},{}]}", false, "triggers: must be an array of 1 to 5 items", "six triggers");
	refused("{\"triggers\":[1]}", false, "triggers[0]: must be an object", "a number");
	refused("{\"triggers\":[{\"name\":\"a\"}],\"x\":1}", false, "triggerParam.x: unknown field", "an unknown member");
	refused("{\"triggers\":[{\"zone\":{}}]}", false, "triggers[0].name: is required", "no name");
	refused("{\"triggers\":[{\"name\":\"\\\"z1\\\"\"}]}", false, "triggers[0].name", "quotes in a name");
	refused("{\"triggers\":[{\"name\":\"z\"}]}", false, "exactly one of zone, time or data", "no kind");
	snprintf(buf, sizeof(buf), "{\"triggers\":[{\"name\":\"z\",%s,\"data\":{}}]}", z);
	refused(buf, false, "exactly one of zone, time or data", "two kinds");
	snprintf(buf, sizeof(buf), "{\"triggers\":[{\"name\":\"z\",%s},{\"name\":\"z\",%s}]}", z, z);
	refused(buf, false, "triggers[1].name: \"z\" names two triggers", "a name twice");
	refused("{\"triggers\":[{\"name\":\"t\",\"time\":{\"times\":[]}}]}", false,
		"triggers[0].time.times: must be an array of 1 to 8 items", "time: no window");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"Across\"}}]}", false, "zone.transition: must be one of In, Out", "transition");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\"}}]}", false, "zone.place: is required (an object)", "no place");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":0,\"center\":{\"latitude\":1,\"longitude\":1}}}}]}",
		false, "place.radius: must be above 0 km", "radius 0");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":1001,\"center\":{\"latitude\":1,\"longitude\":1}}}}]}",
		false, "place.radius: must be a number from 0 to 1000", "radius too large");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":\"2\",\"center\":{\"latitude\":1,\"longitude\":1}}}}]}",
		false, "place.radius", "radius as a string");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":2,\"center\":{\"latitude\":91,\"longitude\":1}}}}]}",
		false, "center.latitude: must be a number from -90 to 90", "latitude");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":2,\"center\":{\"latitude\":1,\"longitude\":-181}}}}]}",
		false, "center.longitude", "longitude");
	refused("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":2,\"center\":{\"latitude\":1}}}}]}",
		false, "center.longitude: is required (a number from -180 to 180)", "no longitude");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"op\":\"equalsTo\",\"value\":[\"1\"]}}]}", false, "data.data: is required", "no data name");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.fuel\",\"op\":\"onChange\"}}]}", false,
		"unknown data name \"vehicle.fuel\"", "an unknown data name");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.trip.state\",\"op\":\"onChange\"}}]}", false,
		"not watched by this server", "a name the vehicle link does not carry");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.maintenance.daysBeforeMaintenance\",\"op\":\"lowerThan\",\"value\":[\"3\"]}}]}",
		false, "unknown data name", "a fleet-face name on the user face");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\"}}]}", false, "data.op: is required (one of equalsTo, greaterThan, lowerThan, includedIn, onChange)", "no op");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"above\",\"value\":[\"1\"]}}]}", false, "data.op: must be one of equalsTo", "unknown op");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\"}}]}", false, "data.value: is required (an array of 1 item)", "no value");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":\"1\"}}]}", false, "data.value: must be an array of 1 item", "value not a list");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[\"1\",\"2\"]}}]}", false, "data.value: must be an array of 1 item", "two values");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[\"1.25\"]}}]}", false, "at most 1 decimals", "too many decimals");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[\"ten\"]}}]}", false, "a number", "not a number");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[10]}}]}", false, "value[0]: must be a number with at most 1 decimals in a string", "a JSON number");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"onChange\",\"value\":[\"1\"]}}]}", false, "onChange takes no value", "onChange with a value");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.energy.charging.status\",\"op\":\"greaterThan\",\"value\":[\"1\"]}}]}", false,
		"greaterThan does not apply to vehicle.energy.charging.status", "> on a name");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.energy.charging.status\",\"op\":\"includedIn\",\"value\":[\"Finished\",\"Charging\"]}}]}", false,
		"value[1]: must be one of Disconnected, InProgress, Failure, Stopped, Finished", "an unknown status");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.doorsState.opening\",\"op\":\"equalsTo\",\"value\":[\"1\"]}}]}", false,
		"equalsTo does not apply", "opening: onChange only");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.kinetic.moving\",\"op\":\"equalsTo\",\"value\":[\"yes\"]}}]}", false,
		"one of false, true", "a boolean as yes");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"onChange\",\"previous\":{\"op\":\"greaterThan\",\"value\":[\"1\"]}}}]}", false,
		"previous.op: must be one of equalsTo, includedIn", "previous with >");
	refused("{\"triggers\":[{\"name\":\"d\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"onChange\",\"previous\":{\"op\":\"equalsTo\",\"value\":[\"1\"]}}}]}", true,
		"data.previous: unknown field", "previous on the fleet face");
	snprintf(buf, sizeof(buf), "{\"triggers\":[{\"name\":\"z\",%s}],\"boolExp\":\"z & y\"}", z);
	refused(buf, false, "triggerParam.boolExp: unknown trigger name \"y\" at 5", "an unknown name in boolExp");
	snprintf(buf, sizeof(buf), "{\"triggers\":[{\"name\":\"z\",%s}],\"boolExp\":\"(z\"}", z);
	refused(buf, false, "boolExp: ')' expected", "unbalanced boolExp");
	snprintf(buf, sizeof(buf), "{\"triggers\":[{\"name\":\"z\",%s}],\"boolExp\":true}", z);
	refused(buf, false, "boolExp: must be a string", "boolExp not a string");
}

/* A state at a place, with fuel and speed. */
static void state_at(struct cv_state *st, double lat, double lon, int fuel_pct, int speed)
{
	memset(st, 0, sizeof(*st));
	st->v.has = 1u << CV_G_POS | 1u << CV_G_FUEL | 1u << CV_G_KIN | 1u << CV_G_CHARGE;
	st->v.lat_e7 = (int32_t)(lat * 1e7);
	st->v.lon_e7 = (int32_t)(lon * 1e7);
	st->v.fuel_level = (uint16_t)(fuel_pct * 10);
	st->v.speed_dkmh = (uint16_t)(speed * 10);
	st->v.chg_status = CV_CHG_DISCONNECTED;
}

static void test_eval(void)
{
	struct cv_mon_def def;
	struct cv_state home, near, far, none, low, charging;
	char err[256];
	enum cv_err e;

	state_at(&home, 48.8566, 2.3522, 50, 0);
	state_at(&near, 48.8666, 2.3522, 50, 30);     /* 1.1 km north */
	state_at(&far, 48.9566, 2.3522, 50, 90);      /* 11 km north */
	state_at(&low, 48.9566, 2.3522, 8, 90);
	memset(&none, 0, sizeof(none));
	charging = far;
	charging.v.chg_status = CV_CHG_INPROGRESS;

	e = parse("{\"triggers\":[{\"name\":\"home\",\"zone\":{\"transition\":\"Out\",\"place\":{\"radius\":2,"
		  "\"center\":{\"latitude\":48.8566,\"longitude\":2.3522}}}}]}", false, &def, err, sizeof(err));
	if (ok(e == CV_OK, "a zone monitor parses (%s)", err)) {
		ok(!cv_mon_eval(&def, &home, &home, 0), "Out: false at the center");
		ok(!cv_mon_eval(&def, &home, &near, 0), "Out: false 1.1 km away (radius 2 km)");
		ok(cv_mon_eval(&def, &near, &far, 0), "Out: true 11 km away");
		ok(!cv_mon_eval(&def, &none, &none, 0), "no position: false");
	}
	e = parse("{\"triggers\":[{\"name\":\"fuel\",\"data\":{\"data\":\"vehicle.energy.fuel.level\",\"op\":\"lowerThan\",\"value\":[\"10\"]}}]}",
		  false, &def, err, sizeof(err));
	if (ok(e == CV_OK, "a data monitor parses (%s)", err)) {
		ok(!cv_mon_eval(&def, &far, &far, 0), "fuel 50 %% is not below 10");
		ok(cv_mon_eval(&def, &far, &low, 0), "fuel 8 %% is");
		ok(!cv_mon_eval(&def, &none, &none, 0), "no fuel data: false");
	}
	e = parse("{\"triggers\":[{\"name\":\"chg\",\"data\":{\"data\":\"vehicle.energy.charging.status\",\"op\":\"onChange\","
		  "\"previous\":{\"op\":\"equalsTo\",\"value\":[\"Disconnected\"]}}}]}", false, &def, err, sizeof(err));
	if (ok(e == CV_OK, "onChange with previous parses (%s)", err)) {
		ok(cv_mon_eval(&def, &far, &charging, 0), "Disconnected -> InProgress: a change from the previous value asked");
		ok(!cv_mon_eval(&def, &charging, &charging, 0), "no change: false");
		ok(!cv_mon_eval(&def, &charging, &far, 0), "InProgress -> Disconnected: previous was not Disconnected");
		ok(!cv_mon_eval(&def, &none, &charging, 0), "a first value is not a change");
	}
	e = parse("{\"triggers\":["
		  "{\"name\":\"z1\",\"zone\":{\"transition\":\"Out\",\"place\":{\"radius\":2,\"center\":{\"latitude\":48.8566,\"longitude\":2.3522}}}},"
		  "{\"name\":\"fast\",\"data\":{\"data\":\"vehicle.kinetic.speed\",\"op\":\"greaterThan\",\"value\":[\"50.5\"]}},"
		  "{\"name\":\"fuel\",\"data\":{\"data\":\"vehicle.energy.fuel.level\",\"op\":\"lowerThan\",\"value\":[\"10\"]}}],"
		  "\"boolExp\":\"z1 & (fast | !fuel)\"}", false, &def, err, sizeof(err));
	if (ok(e == CV_OK, "three triggers and a boolExp parse (%s)", err)) {
		is_int(cv_mon_truths(&def, &home, &far, 0), 3, "far: out of the zone, fast, fuel fine");
		ok(cv_mon_eval(&def, &home, &far, 0), "z1 & (fast | !fuel) holds far away");
		ok(!cv_mon_eval(&def, &home, &near, 0), "not near");
		is_int(cv_mon_truths(&def, &home, &low, 0), 7, "low: out, fast, fuel low");
	}
	e = parse("{\"triggers\":[{\"name\":\"a\",\"data\":{\"data\":\"vehicle.kinetic.moving\",\"op\":\"equalsTo\",\"value\":[\"true\"]}},"
		  "{\"name\":\"b\",\"data\":{\"data\":\"vehicle.energy.fuel.level\",\"op\":\"lowerThan\",\"value\":[\"10\"]}}]}",
		  false, &def, err, sizeof(err));
	if (ok(e == CV_OK, "without boolExp (%s)", err)) {
		ok(!cv_mon_eval(&def, &home, &far, 0), "all triggers must hold: moving but fuel fine");
		ok(cv_mon_eval(&def, &home, &low, 0), "moving and fuel low");
	}
	e = parse("{\"triggers\":[{\"name\":\"m\",\"data\":{\"data\":\"vehicle.maintenance.mileageBeforeMaintenance\",\"op\":\"lowerThan\",\"value\":[\"500\"]}}]}",
		  true, &def, err, sizeof(err));
	ok(e == CV_OK, "a fleet-face data name on the fleet face (%s)", err);
}

static void test_render(void)
{
	struct cv_mon_def def;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	char err[256];
	const char *in = "{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":2.5,"
			 "\"center\":{\"latitude\":48.8566,\"longitude\":-2.3522}}}},"
			 "{\"name\":\"s\",\"data\":{\"data\":\"vehicle.energy.charging.status\",\"op\":\"includedIn\",\"value\":[\"Finished\",\"Stopped\"]}},"
			 "{\"name\":\"t\",\"data\":{\"data\":\"environment.air.temp\",\"op\":\"lowerThan\",\"value\":[\"-2.5\"]}},"
			 "{\"name\":\"o\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[\"10000\"]}}],"
			 "\"boolExp\":\"z | s & t | o\"}";
	const char *want = "{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":2.5,"
			   "\"center\":{\"latitude\":48.8566,\"longitude\":-2.3522}}}},"
			   "{\"name\":\"s\",\"data\":{\"data\":\"vehicle.energy.charging.status\",\"op\":\"includedIn\",\"value\":[\"Finished\",\"Stopped\"]}},"
			   "{\"name\":\"t\",\"data\":{\"data\":\"environment.air.temp\",\"op\":\"lowerThan\",\"value\":[\"-2.5\"]}},"
			   "{\"name\":\"o\",\"data\":{\"data\":\"vehicle.odometer\",\"op\":\"greaterThan\",\"value\":[\"10000\"]}}],"
			   "\"boolExp\":\"z | s & t | o\"}";

	if (!ok(parse(in, false, &def, err, sizeof(err)) == CV_OK, "parse (%s)", err))
		return;
	cv_jw_init(&w, &b);
	cv_mon_render(&w, &def);
	is_str(b.p, want, "rendered as given, numbers in their units");
	cv_buf_release(&b);
}

int main(void)
{
	test_refused();
	test_eval();
	test_render();
	return tap_done();
}

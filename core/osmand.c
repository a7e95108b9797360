/* osmand.c - the OsmAnd protocol's fields into a fix, a fix into a sample (see osmand.h). */
#include "config.h"
#include "osmand.h"
#include "cvtime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- values --------------------------------------------------------------- */

#define NUM_MAX 32      /* the longest number text read */

/*
 * A decimal number as devices write it: [-]digits[.digits][(e|E)[+-]digits]
 * (Java's Double.toString writes 1.0E-4), finite. false otherwise.
 */
static bool parse_num(const char *s, double *out)
{
	const char *p = s;
	char *end;
	double d;

	if (strlen(s) > NUM_MAX)
		return false;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	d = strtod(s, &end);
	if (*end || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* true, false, 1 or 0 (true and false in any case) */
static bool parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return false;
	return true;
}

/* 1 to CV_OSM_TEXT_MAX printable ASCII characters */
static bool text_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CV_OSM_TEXT_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/*
 * A fix time in its four forms (osmand.h) into *ms; false when none fits
 * or out of range.
 */
static bool parse_time(const char *s, int64_t now, int64_t *ms)
{
	int64_t t;
	char iso[40];
	size_t n = strlen(s);

	if (n && strspn(s, "0123456789") == n) {
		if (cv_parse_i64(s, 0, INT64_MAX / 2, &t))
			return false;
		if (t < CV_OSM_SECONDS_BELOW)
			t *= 1000;
	} else if (strchr(s, 'T')) {
		if (cv_time_parse(s, &t))
			return false;
	} else {
		/* "yyyy-MM-dd HH:mm:ss", UTC: read as the RFC 3339 time it spells */
		if (n != 19 || s[10] != ' ' || n + 2 > sizeof(iso))
			return false;
		memcpy(iso, s, n);
		iso[10] = 'T';
		iso[19] = 'Z';
		iso[20] = '\0';
		if (cv_time_parse(iso, &t))
			return false;
	}
	if (t < CV_OSM_PAST_MS || t > now + CV_OSM_FUTURE_MS)
		return false;
	*ms = t;
	return true;
}

/* ---- the fields, whatever the mode -------------------------------------------- */

/*
 * A number field read from text or JSON: within [min, max], or exactly -1
 * when unknown_neg (unknown: *known false), or any negative when
 * any_neg (JSON's location library). false when wrong.
 */
static bool num_in(double d, double min, double max, bool unknown_neg, bool any_neg, bool *known)
{
	*known = true;
	if ((unknown_neg && d == -1) || (any_neg && d < 0)) {
		*known = false;
		return true;
	}
	return d >= min && d <= max;
}

/* A degrees value into x 1e7 */
static int32_t e7(double deg)
{
	return (int32_t)llround(deg * 1e7);
}

static const char TIME_FORMS[] = "epoch seconds or ms, ISO 8601 with a T and a zone, or yyyy-MM-dd HH:mm:ss (UTC), "
				 "from 2000 to 5 minutes from now";

/* ---- query/form mode -------------------------------------------------------- */

/* The names query mode knows; each may be given once. */
enum qname {
	Q_ID, Q_DEVICEID, Q_TIMESTAMP, Q_LAT, Q_LON, Q_LOCATION, Q_SPEED, Q_BEARING, Q_HEADING, Q_ALTITUDE,
	Q_ACCURACY, Q_HDOP, Q_BATT, Q_CHARGE, Q_VALID, Q_ODOMETER, Q_IGNITION, Q_ALARM, Q_COUNT
};
static const char *const qnames[Q_COUNT] = {
	"id", "deviceid", "timestamp", "lat", "lon", "location", "speed", "bearing", "heading", "altitude",
	"accuracy", "hdop", "batt", "charge", "valid", "odometer", "ignition", "alarm",
};

/* A number field of query mode: false (failed) when wrong; *known false when -1 (with unknown_neg). */
static bool q_num(struct cv_jread *jr, const char *name, const char *v, double min, double max, bool unknown_neg,
		  double *out, bool *known)
{
	*known = false;
	if (!parse_num(v, out) || !num_in(*out, min, max, unknown_neg, false, known))
		return cv_jr_fail(jr, name, "must be a number from %g to %g%s", min, max, unknown_neg ? ", or -1 (unknown)" : "");
	return true;
}

static bool q_bool(struct cv_jread *jr, const char *name, const char *v, bool *out)
{
	if (!parse_bool(v, out))
		return cv_jr_fail(jr, name, "must be true or false (or 1 or 0)");
	return true;
}

/* "lat,lon" of location into the fix */
static void q_location(struct cv_jread *jr, const char *v, struct cv_osm_fix *f)
{
	const char *comma = strchr(v, ',');
	char lat[NUM_MAX + 1];
	double a, b;

	if (!comma || (size_t)(comma - v) > NUM_MAX || strchr(comma + 1, ',')) {
		cv_jr_fail(jr, "location", "must be lat,lon in degrees");
		return;
	}
	memcpy(lat, v, (size_t)(comma - v));
	lat[comma - v] = '\0';
	if (!parse_num(lat, &a) || !parse_num(comma + 1, &b) || a < -90 || a > 90 || b < -180 || b > 180) {
		cv_jr_fail(jr, "location", "must be lat,lon in degrees (-90 to 90, -180 to 180)");
		return;
	}
	f->lat_e7 = e7(a);
	f->lon_e7 = e7(b);
	f->has |= 1u << CV_OSM_POS;
}

static void q_field(struct cv_jread *jr, enum qname q, const char *v, int64_t now, struct cv_osm_fix *f)
{
	const char *name = qnames[q];
	double d;
	bool known;

	switch (q) {
	case Q_ID:
	case Q_DEVICEID:
		if (!cv_chars_ok(v, CV_OSM_ID_MAX, "._-"))
			cv_jr_fail(jr, name, "must be the device id: 1 to %d characters among A-Z a-z 0-9 . _ -",
				   CV_OSM_ID_MAX);
		else
			cv_strlcpy(f->id, v, sizeof(f->id));
		break;
	case Q_TIMESTAMP:
		if (!parse_time(v, now, &f->at))
			cv_jr_fail(jr, name, "must be %s", TIME_FORMS);
		else
			f->has |= 1u << CV_OSM_TIME;
		break;
	case Q_LAT:
		if (q_num(jr, name, v, -90, 90, false, &d, &known))
			f->lat_e7 = e7(d);
		break;
	case Q_LON:
		if (q_num(jr, name, v, -180, 180, false, &d, &known))
			f->lon_e7 = e7(d);
		break;
	case Q_LOCATION:
		q_location(jr, v, f);
		break;
	case Q_SPEED:
		if (q_num(jr, name, v, 0, 1000, true, &d, &known) && known) {
			f->speed_mms = (uint32_t)llround(d * 1852000.0 / 3600.0);
			f->has |= 1u << CV_OSM_SPEED;
		}
		break;
	case Q_BEARING:
	case Q_HEADING:
		if (q_num(jr, name, v, 0, 360, true, &d, &known) && known) {
			f->heading_dd = (uint16_t)lround(d * 10);
			f->has |= 1u << CV_OSM_HEADING;
		}
		break;
	case Q_ALTITUDE:
		if (q_num(jr, name, v, -10000, 100000, false, &d, &known)) {
			f->alt_dm = (int32_t)lround(d * 10);
			f->has |= 1u << CV_OSM_ALT;
		}
		break;
	case Q_ACCURACY:
		if (q_num(jr, name, v, 0, 1000000, true, &d, &known) && known) {
			f->accuracy_cm = (uint32_t)llround(d * 100);
			f->has |= 1u << CV_OSM_ACCURACY;
		}
		break;
	case Q_HDOP:
		if (q_num(jr, name, v, 0, 100, true, &d, &known) && known) {
			f->hdop_x10 = (uint16_t)lround(d * 10);
			f->has |= 1u << CV_OSM_HDOP;
		}
		break;
	case Q_BATT:
		if (q_num(jr, name, v, 0, 100, true, &d, &known) && known) {
			f->batt_dpct = (uint16_t)lround(d * 10);
			f->has |= 1u << CV_OSM_BATT;
		}
		break;
	case Q_CHARGE:
		if (q_bool(jr, name, v, &f->charge))
			f->has |= 1u << CV_OSM_CHARGE;
		break;
	case Q_VALID:
		if (q_bool(jr, name, v, &f->valid))
			f->has |= 1u << CV_OSM_VALID;
		break;
	case Q_ODOMETER:
		if (q_num(jr, name, v, 0, 1e10, false, &d, &known)) {
			f->odo_m = (uint64_t)llround(d);
			f->has |= 1u << CV_OSM_ODO;
		}
		break;
	case Q_IGNITION:
		if (q_bool(jr, name, v, &f->ignition))
			f->has |= 1u << CV_OSM_IGN;
		break;
	case Q_ALARM:
		if (!text_ok(v))
			cv_jr_fail(jr, name, "must be 1 to %d printable ASCII characters", CV_OSM_TEXT_MAX);
		else {
			cv_strlcpy(f->alarm, v, sizeof(f->alarm));
			f->has |= 1u << CV_OSM_ALARM;
		}
		break;
	case Q_COUNT:
		break;
	}
}

enum cv_err cv_osm_query(const struct cv_osm_pair *p, size_t n, int64_t now, struct cv_osm_fix *f,
			 struct cv_jread *jr)
{
	uint32_t seen = 0;

	memset(f, 0, sizeof(*f));
	f->valid = true;
	f->at = now;
	cv_jr_init(jr, "");
	for (size_t i = 0; i < n && !jr->failed; i++) {
		int q;

		for (q = 0; q < Q_COUNT; q++)
			if (!strcmp(p[i].name, qnames[q]))
				break;
		if (q == Q_COUNT)
			continue;       /* another name: accepted, not kept */
		if (seen & (1u << q)) {
			cv_jr_fail(jr, qnames[q], "is given more than once");
			break;
		}
		seen |= 1u << q;
		q_field(jr, (enum qname)q, p[i].value, now, f);
	}
	if (!jr->failed && (seen & (1u << Q_ID)) && (seen & (1u << Q_DEVICEID)))
		cv_jr_fail(jr, "deviceid", "and id: one of them names the device");
	else if (!jr->failed && !(seen & ((1u << Q_ID) | (1u << Q_DEVICEID))))
		cv_jr_fail(jr, "id", "is required (the device id, or deviceid)");
	else if (!jr->failed && (seen & (1u << Q_LOCATION)) && (seen & ((1u << Q_LAT) | (1u << Q_LON))))
		cv_jr_fail(jr, "location", "and lat, lon: one of them gives the position");
	else if (!jr->failed && (seen & (1u << Q_LAT)) && !(seen & (1u << Q_LON)))
		cv_jr_fail(jr, "lon", "is required with lat");
	else if (!jr->failed && (seen & (1u << Q_LON)) && !(seen & (1u << Q_LAT)))
		cv_jr_fail(jr, "lat", "is required with lon");
	else if (!jr->failed && (seen & (1u << Q_LAT)))
		f->has |= 1u << CV_OSM_POS;
	return jr->failed ? CV_EINVAL : CV_OK;
}

/* ---- JSON mode -------------------------------------------------------------------- */

/* Is member name of o there and not null? */
static bool present(json_object *o, const char *name)
{
	json_object *v;

	return o && json_object_object_get_ex(o, name, &v) && v != NULL;
}

/* An optional number member (null: absent); *known as num_in says. */
static bool j_num(struct cv_jread *jr, json_object *o, const char *name, double min, double max, bool any_neg,
		  bool unknown_neg, double *out, bool *known)
{
	json_object *v;

	*known = false;
	if (jr->failed || !present(o, name))
		return false;
	json_object_object_get_ex(o, name, &v);
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return cv_jr_fail(jr, name, "must be a number");
	*out = json_object_get_double(v);
	if (!isfinite(*out) || !num_in(*out, min, max, unknown_neg, any_neg, known))
		return cv_jr_fail(jr, name, "must be a number from %g to %g%s", min, max,
				  any_neg ? ", or negative (unknown)" : unknown_neg ? ", or -1 (unknown)" : "");
	return *known;
}

static void j_coords(struct cv_jread *jr, json_object *c, struct cv_osm_fix *f)
{
	double d;
	bool known;

	if (cv_jr_number(jr, c, "latitude", -90, 90, CV_JR_REQUIRED, &d))
		f->lat_e7 = e7(d);
	if (cv_jr_number(jr, c, "longitude", -180, 180, CV_JR_REQUIRED, &d))
		f->lon_e7 = e7(d);
	if (!jr->failed)
		f->has |= 1u << CV_OSM_POS;
	if (j_num(jr, c, "speed", 0, 514.444, true, false, &d, &known)) {
		f->speed_mms = (uint32_t)llround(d * 1000);
		f->has |= 1u << CV_OSM_SPEED;
	}
	if (j_num(jr, c, "heading", 0, 360, true, false, &d, &known)) {
		f->heading_dd = (uint16_t)lround(d * 10);
		f->has |= 1u << CV_OSM_HEADING;
	}
	if (j_num(jr, c, "altitude", -10000, 100000, false, false, &d, &known)) {
		f->alt_dm = (int32_t)lround(d * 10);
		f->has |= 1u << CV_OSM_ALT;
	}
	if (j_num(jr, c, "accuracy", 0, 1000000, false, true, &d, &known)) {
		f->accuracy_cm = (uint32_t)llround(d * 100);
		f->has |= 1u << CV_OSM_ACCURACY;
	}
}

static void j_text(struct cv_jread *jr, json_object *o, const char *name, char *out, enum cv_osm_field bit,
		   struct cv_osm_fix *f)
{
	const char *s;

	if (!present(o, name) || !cv_jr_string(jr, o, name, CV_OSM_TEXT_MAX, CV_JR_REQUIRED, &s))
		return;
	if (!text_ok(s)) {
		cv_jr_fail(jr, name, "must be 1 to %d printable ASCII characters", CV_OSM_TEXT_MAX);
		return;
	}
	cv_strlcpy(out, s, CV_OSM_TEXT_MAX + 1);
	f->has |= 1u << bit;
}

static void j_location(struct cv_jread *jr, json_object *loc, int64_t now, struct cv_osm_fix *f)
{
	json_object *sub;
	const char *ts;
	double d;
	bool known;

	if (cv_jr_string(jr, loc, "timestamp", 40, CV_JR_REQUIRED, &ts)) {
		if (!strchr(ts, 'T') || !parse_time(ts, now, &f->at))
			cv_jr_fail(jr, "timestamp", "must be an ISO 8601 time with a T and a zone, from 2000 to 5 minutes "
				   "from now");
		else
			f->has |= 1u << CV_OSM_TIME;
	}
	if (present(loc, "coords") && (sub = cv_jr_object(jr, loc, "coords", NULL, CV_JR_REQUIRED)) != NULL) {
		cv_jr_enter(jr, "coords");
		j_coords(jr, sub, f);
		cv_jr_leave(jr);
	}
	if (present(loc, "is_moving") && cv_jr_bool(jr, loc, "is_moving", CV_JR_REQUIRED, &f->moving))
		f->has |= 1u << CV_OSM_MOVING;
	if (j_num(jr, loc, "odometer", 0, 1e10, false, false, &d, &known)) {
		f->odo_m = (uint64_t)llround(d);
		f->has |= 1u << CV_OSM_APP_ODO;
	}
	j_text(jr, loc, "event", f->event, CV_OSM_EVENT, f);
	j_text(jr, loc, "alarm", f->alarm, CV_OSM_ALARM, f);
	if (present(loc, "battery") && (sub = cv_jr_object(jr, loc, "battery", NULL, CV_JR_REQUIRED)) != NULL) {
		cv_jr_enter(jr, "battery");
		if (j_num(jr, sub, "level", 0, 1, false, true, &d, &known)) {
			f->batt_dpct = (uint16_t)lround(d * 1000);
			f->has |= 1u << CV_OSM_BATT;
		}
		if (present(sub, "is_charging") && cv_jr_bool(jr, sub, "is_charging", CV_JR_REQUIRED, &f->charge))
			f->has |= 1u << CV_OSM_CHARGE;
		cv_jr_leave(jr);
	}
}

enum cv_err cv_osm_json(json_object *body, int64_t now, struct cv_osm_fix *f, struct cv_jread *jr)
{
	json_object *loc;
	const char *id;

	memset(f, 0, sizeof(*f));
	f->json = true;
	f->valid = true;
	f->at = now;
	cv_jr_init(jr, "");
	if (!cv_jr_object(jr, body, NULL, NULL, CV_JR_REQUIRED))
		return CV_EINVAL;
	if (cv_jr_string(jr, body, "device_id", CV_OSM_ID_MAX, CV_JR_REQUIRED, &id)) {
		if (!cv_chars_ok(id, CV_OSM_ID_MAX, "._-"))
			cv_jr_fail(jr, "device_id", "must be the device id: 1 to %d characters among A-Z a-z 0-9 . _ -",
				   CV_OSM_ID_MAX);
		else
			cv_strlcpy(f->id, id, sizeof(f->id));
	}
	if ((loc = cv_jr_object(jr, body, "location", NULL, CV_JR_REQUIRED)) != NULL) {
		cv_jr_enter(jr, "location");
		j_location(jr, loc, now, f);
		cv_jr_leave(jr);
	}
	return jr->failed ? CV_EINVAL : CV_OK;
}

/* ---- the fix as a sample ------------------------------------------------------------ */

/* An alarm's name to the vehicle model's trigger (index + 1 of cv_alarm_trigger_names), 0 for none. */
static uint16_t alarm_trigger(const char *name)
{
	static const struct { const char *alarm, *trigger; } map[] = {
		{ "tow", "VehicleLifting" },
		{ "bonnet", "HoodDoorBreakIn" },
		{ "hood", "HoodDoorBreakIn" },
		{ "trunk", "TrunkDoorBreakIn" },
	};

	for (size_t i = 0; i < CV_ARRAY_LEN(map); i++) {
		if (strcasecmp(name, map[i].alarm))
			continue;
		for (size_t t = 0; t < cv_alarm_trigger_count; t++)
			if (!strcmp(cv_alarm_trigger_names[t], map[i].trigger))
				return (uint16_t)(t + 1);
	}
	return 0;
}

bool cv_osm_sample(const struct cv_osm_fix *f, struct cv_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->at = f->at;
	if (CV_OSM_HAS(f, CV_OSM_POS)) {
		int64_t alt = CV_OSM_HAS(f, CV_OSM_ALT) ? (f->alt_dm >= 0 ? f->alt_dm + 5 : f->alt_dm - 5) / 10 : 0;

		s->lat_e7 = f->lat_e7;
		s->lon_e7 = f->lon_e7;
		s->alt_m = (int32_t)(alt < -500 ? -500 : alt > 9000 ? 9000 : alt);
		s->heading = CV_OSM_HAS(f, CV_OSM_HEADING) ? (uint16_t)((f->heading_dd + 5) / 10) : 0;
		s->fix = !f->valid ? CV_FIX_NONE : CV_OSM_HAS(f, CV_OSM_ALT) ? CV_FIX_3D : CV_FIX_2D;
		s->pos_type = CV_POS_ACQUIRE;
		s->has |= 1u << CV_G_POS;
	}
	if (CV_OSM_HAS(f, CV_OSM_SPEED)) {
		/* mm/s to km/h x 10: x 36 / 1000 */
		uint64_t dkmh = ((uint64_t)f->speed_mms * 36 + 500) / 1000;

		s->speed_dkmh = (uint16_t)(dkmh > 5000 ? 5000 : dkmh);
		s->has |= 1u << CV_G_KIN;
	}
	if (CV_OSM_HAS(f, CV_OSM_ODO) && f->odo_m / 100 <= 2000000) {
		s->odo_hm = (uint32_t)(f->odo_m / 100);
		s->has |= 1u << CV_G_ODO;
	}
	if (CV_OSM_HAS(f, CV_OSM_IGN)) {
		s->ignition = f->ignition ? CV_IGN_START : CV_IGN_STOP;
		s->has |= 1u << CV_G_IGN;
	}
	if (CV_OSM_HAS(f, CV_OSM_ALARM)) {
		struct cv_event *ev = &s->events[s->nevents++];

		ev->kind = CV_EV_ALARM;
		ev->active = 2;         /* Active (cv_activation_names) */
		ev->code = alarm_trigger(f->alarm);
	}
	return s->has || s->nevents;
}

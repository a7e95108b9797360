/* vdata.c - vehicle samples: parse, merge into state, render (see vdata.h). */
#include "vdata.h"
#include "cvtime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const cv_energy_names[CV_ENERGY_COUNT] = { "petrol", "diesel", "electric", "phev" };

const char *const cv_fix_names[] = { "none", "2D", "3D" };
const char *const cv_postype_names[] = { "Acquire", "Estimated" };
const char *const cv_ign_names[] = { "Stop", "StartUp", "Start" };
const char *const cv_chg_names[] = { "Disconnected", "InProgress", "Failure", "Stopped", "Finished" };
const char *const cv_chgmode_names[] = { "No", "Slow", "Quick" };
const char *const cv_lock_names[] = { "Unlocked", "Locked", "SuperLocked" };
const char *const cv_precond_names[] = { "Disabled", "Enabled", "Finished", "Failure" };
const char *const cv_privacy_names[] = { "None", "Geolocation", "Full" };
const char *const cv_door_names[] = { "Driver", "Passenger", "RearLeft", "RearRight", "Trunk" };
const char *const cv_severity_names[] = { "Information", "Warning", "Critical" };
const char *const cv_side_names[] = { "Front", "Rear", "Lateral" };
const char *const cv_csev_names[] = { "unknown", "Minimal", "Minor", "Major" };
const char *const cv_activation_names[] = { "none", "Inactive", "Active" };

const char *cv_energy_motorization(enum cv_energy e)
{
	switch (e) {
	case CV_ENERGY_ELECTRIC: return "Electric";
	case CV_ENERGY_PHEV: return "Hybrid";
	default: return "Thermic";
	}
}

/* ---- parsing ------------------------------------------------------------ */

struct vp {
	char *err;
	size_t errsz;
};

static enum cv_err vp_fail(struct vp *p, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum cv_err vp_fail(struct vp *p, const char *path, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errsz, "%s%s%s: ", path, key ? "." : "", key ? key : "");

	if (n < 0 || (size_t)n >= p->errsz)
		return CV_EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return CV_EINVAL;
}

/* Refuse keys of o that are not in allowed (NULL-terminated). */
static enum cv_err vp_known(struct vp *p, json_object *o, const char *path, const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return vp_fail(p, path, key, "unknown field");
	}
	return CV_OK;
}

static bool is_number(json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/* A number in [min, max] with `decimals` kept: out = round(v * 10^decimals). */
static enum cv_err vp_fixed(struct vp *p, json_object *o, const char *path, const char *key,
			    double min, double max, int decimals, int64_t *out, bool *present)
{
	json_object *v;
	double d, scale = 1;

	*present = false;
	if (!json_object_object_get_ex(o, key, &v))
		return CV_OK;
	if (!is_number(v))
		return vp_fail(p, path, key, "must be a number");
	d = json_object_get_double(v);
	if (!isfinite(d) || d < min || d > max)
		return vp_fail(p, path, key, "must be between %.10g and %.10g", min, max);
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	*out = (int64_t)llround(d * scale);
	*present = true;
	return CV_OK;
}

static enum cv_err vp_enum(struct vp *p, json_object *o, const char *path, const char *key,
			   const char *const *names, size_t n, int *out, bool *present)
{
	json_object *v;
	const char *s;

	*present = false;
	if (!json_object_object_get_ex(o, key, &v))
		return CV_OK;
	if (!json_object_is_type(v, json_type_string))
		return vp_fail(p, path, key, "must be a string");
	s = json_object_get_string(v);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], s)) {
			*out = (int)i;
			*present = true;
			return CV_OK;
		}
	}
	if (n <= 6) {
		char list[160] = "";
		size_t len = 0;

		for (size_t i = 0; i < n; i++) {
			int k = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", names[i]);

			if (k < 0 || (size_t)k >= sizeof(list) - len)
				break;
			len += (size_t)k;
		}
		return vp_fail(p, path, key, "must be one of %s", list);
	}
	return vp_fail(p, path, key, "unknown value \"%.40s\"", s);
}

static enum cv_err vp_bool(struct vp *p, json_object *o, const char *path, const char *key,
			   bool *out, bool *present)
{
	json_object *v;

	*present = false;
	if (!json_object_object_get_ex(o, key, &v))
		return CV_OK;
	if (!json_object_is_type(v, json_type_boolean))
		return vp_fail(p, path, key, "must be true or false");
	*out = json_object_get_boolean(v);
	*present = true;
	return CV_OK;
}

/* An object member; missing is fine (*sub = NULL), anything but an object is not. */
static enum cv_err vp_obj(struct vp *p, json_object *o, const char *path, const char *key, json_object **sub)
{
	*sub = NULL;
	if (!json_object_object_get_ex(o, key, sub))
		return CV_OK;
	if (!json_object_is_type(*sub, json_type_object))
		return vp_fail(p, path, key, "must be an object");
	return CV_OK;
}

#define TRY(x) do { enum cv_err e_ = (x); if (e_) return e_; } while (0)

static enum cv_err parse_position(struct vp *p, json_object *o, const char *path, struct cv_sample *s)
{
	static const char *const keys[] = { "lat", "lon", "alt", "heading", "fix", "signal", "type", NULL };
	int64_t v;
	int e;
	bool has, hlat, hlon;

	TRY(vp_known(p, o, path, keys));
	TRY(vp_fixed(p, o, path, "lat", -90, 90, 7, &v, &hlat));
	s->lat_e7 = (int32_t)v;
	TRY(vp_fixed(p, o, path, "lon", -180, 180, 7, &v, &hlon));
	s->lon_e7 = (int32_t)v;
	if (!hlat || !hlon)
		return vp_fail(p, path, hlat ? "lon" : "lat", "is required");
	TRY(vp_fixed(p, o, path, "alt", -500, 9000, 0, &v, &has));
	s->alt_m = has ? (int32_t)v : 0;
	TRY(vp_fixed(p, o, path, "heading", 0, 360, 0, &v, &has));
	s->heading = has ? (uint16_t)v : 0;
	TRY(vp_enum(p, o, path, "fix", cv_fix_names, CV_ARRAY_LEN(cv_fix_names), &e, &has));
	s->fix = has ? (uint8_t)e : CV_FIX_3D;
	TRY(vp_fixed(p, o, path, "signal", 0, 100, 0, &v, &has));
	s->signal = has ? (uint8_t)v : 0;
	TRY(vp_enum(p, o, path, "type", cv_postype_names, CV_ARRAY_LEN(cv_postype_names), &e, &has));
	s->pos_type = has ? (uint8_t)e : CV_POS_ACQUIRE;
	s->has |= 1u << CV_G_POS;
	return CV_OK;
}

static enum cv_err parse_energy(struct vp *p, json_object *o, const char *path,
				uint16_t *level, uint16_t *autonomy, bool with_charging, struct cv_sample *s)
{
	static const char *const fkeys[] = { "level", "autonomy", NULL };
	static const char *const ekeys[] = { "level", "autonomy", "charging", NULL };
	int64_t v;
	bool has, hl;
	json_object *c;

	TRY(vp_known(p, o, path, with_charging ? ekeys : fkeys));
	TRY(vp_fixed(p, o, path, "level", 0, 100, 1, &v, &hl));
	if (!hl)
		return vp_fail(p, path, "level", "is required");
	*level = (uint16_t)v;
	TRY(vp_fixed(p, o, path, "autonomy", 0, 3000, 0, &v, &has));
	*autonomy = has ? (uint16_t)v : 0;
	if (!with_charging)
		return CV_OK;
	TRY(vp_obj(p, o, path, "charging", &c));
	if (c) {
		static const char *const ckeys[] = { "status", "mode", "plugged", "rate", "remainingTime", NULL };
		char cpath[160];
		int e;
		bool b;

		snprintf(cpath, sizeof(cpath), "%.100s.charging", path);
		TRY(vp_known(p, c, cpath, ckeys));
		TRY(vp_enum(p, c, cpath, "status", cv_chg_names, CV_ARRAY_LEN(cv_chg_names), &e, &has));
		if (!has)
			return vp_fail(p, cpath, "status", "is required");
		s->chg_status = (uint8_t)e;
		TRY(vp_enum(p, c, cpath, "mode", cv_chgmode_names, CV_ARRAY_LEN(cv_chgmode_names), &e, &has));
		s->chg_mode = has ? (uint8_t)e : CV_CHGMODE_NO;
		TRY(vp_bool(p, c, cpath, "plugged", &b, &has));
		s->plugged = has ? b : s->chg_status != CV_CHG_DISCONNECTED;
		TRY(vp_fixed(p, c, cpath, "rate", 0, 500, 0, &v, &has));
		s->chg_rate = has ? (uint16_t)v : 0;
		TRY(vp_fixed(p, c, cpath, "remainingTime", 0, 604800, 0, &v, &has));
		s->chg_remaining = has ? (uint32_t)v : 0;
		s->has |= 1u << CV_G_CHARGE;
	}
	return CV_OK;
}

static enum cv_err parse_doors(struct vp *p, json_object *o, const char *path, struct cv_sample *s)
{
	static const char *const keys[] = { "locked", "open", NULL };
	json_object *open;
	int e;
	bool has;

	TRY(vp_known(p, o, path, keys));
	TRY(vp_enum(p, o, path, "locked", cv_lock_names, CV_ARRAY_LEN(cv_lock_names), &e, &has));
	if (!has)
		return vp_fail(p, path, "locked", "is required");
	s->lock = (uint8_t)e;
	s->doors_open = 0;
	if (json_object_object_get_ex(o, "open", &open)) {
		size_t n;

		if (!json_object_is_type(open, json_type_array))
			return vp_fail(p, path, "open", "must be an array of door names");
		n = json_object_array_length(open);
		if (n > CV_DOOR_COUNT)
			return vp_fail(p, path, "open", "has more than %d doors", CV_DOOR_COUNT);
		for (size_t i = 0; i < n; i++) {
			json_object *d = json_object_array_get_idx(open, i);
			const char *name = json_object_is_type(d, json_type_string) ? json_object_get_string(d) : NULL;
			size_t k;

			for (k = 0; name && k < CV_DOOR_COUNT; k++)
				if (!strcmp(cv_door_names[k], name))
					break;
			if (!name || k == CV_DOOR_COUNT)
				return vp_fail(p, path, "open",
					       "must hold door names among Driver, Passenger, RearLeft, RearRight, Trunk");
			s->doors_open |= (uint8_t)(1u << k);
		}
	}
	s->has |= 1u << CV_G_DOORS;
	return CV_OK;
}

static enum cv_err parse_maintenance(struct vp *p, json_object *o, const char *path, struct cv_sample *s)
{
	static const char *const keys[] = { "days", "km", NULL };
	int64_t v;
	bool hd, hk;

	TRY(vp_known(p, o, path, keys));
	TRY(vp_fixed(p, o, path, "days", -3650, 3650, 0, &v, &hd));
	s->maint_days = hd ? (int32_t)v : INT32_MIN;
	TRY(vp_fixed(p, o, path, "km", -100000, 100000, 1, &v, &hk));
	s->maint_dkm = hk ? (int32_t)v : INT32_MIN;
	if (!hd && !hk)
		return vp_fail(p, path, NULL, "needs days or km");
	s->has |= 1u << CV_G_MAINT;
	return CV_OK;
}

static enum cv_err parse_event(struct vp *p, json_object *o, const char *path, struct cv_event *ev)
{
	static const char *const kinds[] = { "none", "alert", "collision", "alarm", "theft" };
	int kind, e;
	bool has, b;

	if (!json_object_is_type(o, json_type_object))
		return vp_fail(p, path, NULL, "must be an object");
	memset(ev, 0, sizeof(*ev));
	TRY(vp_enum(p, o, path, "type", kinds + 1, CV_ARRAY_LEN(kinds) - 1, &kind, &has));
	if (!has)
		return vp_fail(p, path, "type", "is required (alert, collision, alarm or theft)");
	ev->kind = (uint8_t)(kind + 1);
	switch (ev->kind) {
	case CV_EV_ALERT: {
		static const char *const keys[] = { "type", "alert", "severity", "active", NULL };

		TRY(vp_known(p, o, path, keys));
		TRY(vp_enum(p, o, path, "alert", cv_alert_names, cv_alert_count, &e, &has));
		if (!has)
			return vp_fail(p, path, "alert", "is required");
		ev->code = (uint16_t)e;
		TRY(vp_enum(p, o, path, "severity", cv_severity_names, CV_ARRAY_LEN(cv_severity_names), &e, &has));
		ev->severity = has ? (uint8_t)e : 1;
		TRY(vp_bool(p, o, path, "active", &b, &has));
		if (!has)
			return vp_fail(p, path, "active", "is required (true when raised, false when cleared)");
		ev->active = b;
		break;
	}
	case CV_EV_COLLISION: {
		static const char *const keys[] = { "type", "details", NULL };
		static const char *const dkeys[] = { "side", "severity", NULL };
		json_object *det;
		size_t n;

		TRY(vp_known(p, o, path, keys));
		if (!json_object_object_get_ex(o, "details", &det) || !json_object_is_type(det, json_type_array))
			return vp_fail(p, path, "details", "is required: an array of {side, severity}");
		n = json_object_array_length(det);
		if (n < 1 || n > CV_MAX_COLLISION_DETAILS)
			return vp_fail(p, path, "details", "must hold 1 to %d items", CV_MAX_COLLISION_DETAILS);
		for (size_t i = 0; i < n; i++) {
			json_object *d = json_object_array_get_idx(det, i);
			char dpath[160];

			snprintf(dpath, sizeof(dpath), "%.100s.details[%zu]", path, i);
			if (!json_object_is_type(d, json_type_object))
				return vp_fail(p, dpath, NULL, "must be an object");
			TRY(vp_known(p, d, dpath, dkeys));
			TRY(vp_enum(p, d, dpath, "side", cv_side_names, CV_ARRAY_LEN(cv_side_names), &e, &has));
			if (!has)
				return vp_fail(p, dpath, "side", "is required");
			ev->side[i] = (uint8_t)e;
			TRY(vp_enum(p, d, dpath, "severity", cv_csev_names + 1, CV_ARRAY_LEN(cv_csev_names) - 1, &e, &has));
			ev->csev[i] = has ? (uint8_t)(e + 1) : 0;
		}
		ev->ndetails = (uint8_t)n;
		break;
	}
	case CV_EV_ALARM: {
		static const char *const keys[] = { "type", "activation", "trigger", NULL };
		bool ht;

		TRY(vp_known(p, o, path, keys));
		TRY(vp_enum(p, o, path, "activation", cv_activation_names + 1, 2, &e, &has));
		ev->active = has ? (uint8_t)(e + 1) : 0;
		TRY(vp_enum(p, o, path, "trigger", cv_alarm_trigger_names, cv_alarm_trigger_count, &e, &ht));
		ev->code = ht ? (uint16_t)(e + 1) : 0;
		if (!has && !ht)
			return vp_fail(p, path, NULL, "an alarm event needs activation or trigger");
		break;
	}
	case CV_EV_THEFT: {
		static const char *const keys[] = { "type", "active", NULL };

		TRY(vp_known(p, o, path, keys));
		TRY(vp_bool(p, o, path, "active", &b, &has));
		if (!has)
			return vp_fail(p, path, "active", "is required (true when reported stolen, false when found)");
		ev->active = b;
		break;
	}
	}
	return CV_OK;
}

enum cv_err cv_sample_parse(json_object *o, const char *path, int64_t now,
			    struct cv_sample *s, char *err, size_t errsz)
{
	static const char *const keys[] = {
		"at", "position", "speed", "odometer", "ignition", "fuel", "electric", "doors",
		"preconditioning", "outsideTemp", "battery12v", "maintenance", "privacy", "events", NULL
	};
	struct vp p = { err, errsz };
	json_object *v, *sub;
	int64_t n;
	int e;
	bool has;
	char spath[160];

	memset(s, 0, sizeof(*s));
	if (!json_object_is_type(o, json_type_object))
		return vp_fail(&p, path, NULL, "must be an object");
	TRY(vp_known(&p, o, path, keys));
	if (!json_object_object_get_ex(o, "at", &v))
		return vp_fail(&p, path, "at", "is required (RFC 3339 time)");
	if (!json_object_is_type(v, json_type_string) || cv_time_parse(json_object_get_string(v), &s->at))
		return vp_fail(&p, path, "at", "must be an RFC 3339 time such as 2024-05-01T08:30:00Z");
	if (s->at > now + 300000)
		return vp_fail(&p, path, "at", "is more than 5 minutes in the future");

	TRY(vp_obj(&p, o, path, "position", &sub));
	if (sub) {
		snprintf(spath, sizeof(spath), "%.100s.position", path);
		TRY(parse_position(&p, sub, spath, s));
	}
	TRY(vp_fixed(&p, o, path, "speed", 0, 500, 1, &n, &has));
	if (has) {
		s->speed_dkmh = (uint16_t)n;
		s->has |= 1u << CV_G_KIN;
	}
	TRY(vp_fixed(&p, o, path, "odometer", 0, 2000000, 1, &n, &has));
	if (has) {
		s->odo_hm = (uint32_t)n;
		s->has |= 1u << CV_G_ODO;
	}
	TRY(vp_enum(&p, o, path, "ignition", cv_ign_names, CV_ARRAY_LEN(cv_ign_names), &e, &has));
	if (has) {
		s->ignition = (uint8_t)e;
		s->has |= 1u << CV_G_IGN;
	}
	TRY(vp_obj(&p, o, path, "fuel", &sub));
	if (sub) {
		snprintf(spath, sizeof(spath), "%.100s.fuel", path);
		TRY(parse_energy(&p, sub, spath, &s->fuel_level, &s->fuel_autonomy, false, s));
		s->has |= 1u << CV_G_FUEL;
	}
	TRY(vp_obj(&p, o, path, "electric", &sub));
	if (sub) {
		snprintf(spath, sizeof(spath), "%.100s.electric", path);
		TRY(parse_energy(&p, sub, spath, &s->elec_level, &s->elec_autonomy, true, s));
		s->has |= 1u << CV_G_ELEC;
	}
	TRY(vp_obj(&p, o, path, "doors", &sub));
	if (sub) {
		snprintf(spath, sizeof(spath), "%.100s.doors", path);
		TRY(parse_doors(&p, sub, spath, s));
	}
	TRY(vp_enum(&p, o, path, "preconditioning", cv_precond_names, CV_ARRAY_LEN(cv_precond_names), &e, &has));
	if (has) {
		s->precond = (uint8_t)e;
		s->has |= 1u << CV_G_PRECOND;
	}
	TRY(vp_fixed(&p, o, path, "outsideTemp", -60, 70, 1, &n, &has));
	if (has) {
		s->air_temp_dc = (int16_t)n;
		s->has |= 1u << CV_G_AIR;
	}
	TRY(vp_fixed(&p, o, path, "battery12v", 0, 30, 3, &n, &has));
	if (has) {
		s->batt_mv = (uint16_t)n;
		s->has |= 1u << CV_G_BATT12;
	}
	TRY(vp_obj(&p, o, path, "maintenance", &sub));
	if (sub) {
		snprintf(spath, sizeof(spath), "%.100s.maintenance", path);
		TRY(parse_maintenance(&p, sub, spath, s));
	}
	TRY(vp_enum(&p, o, path, "privacy", cv_privacy_names, CV_ARRAY_LEN(cv_privacy_names), &e, &has));
	if (has) {
		s->privacy = (uint8_t)e;
		s->has |= 1u << CV_G_PRIVACY;
	}
	if (json_object_object_get_ex(o, "events", &v)) {
		size_t ne;

		if (!json_object_is_type(v, json_type_array))
			return vp_fail(&p, path, "events", "must be an array");
		ne = json_object_array_length(v);
		if (ne > CV_MAX_EVENTS)
			return vp_fail(&p, path, "events", "holds more than %d events", CV_MAX_EVENTS);
		for (size_t i = 0; i < ne; i++) {
			snprintf(spath, sizeof(spath), "%.100s.events[%zu]", path, i);
			TRY(parse_event(&p, json_object_array_get_idx(v, i), spath, &s->events[i]));
		}
		s->nevents = (uint8_t)ne;
	}
	if (!s->has && !s->nevents)
		return vp_fail(&p, path, NULL, "holds no data besides its time");
	return CV_OK;
}

/* ---- state -------------------------------------------------------------- */

void cv_state_merge(struct cv_state *st, const struct cv_sample *s, int64_t now)
{
	struct cv_sample *d = &st->v;
	bool changed = false;

	for (int g = 0; g < CV_G_COUNT; g++) {
		if (!CV_HAS(s, g) || (CV_HAS(d, g) && st->at[g] > s->at))
			continue;
		changed = true;
		st->at[g] = s->at;
		d->has |= 1u << g;
		switch ((enum cv_group)g) {
		case CV_G_POS:
			d->lat_e7 = s->lat_e7; d->lon_e7 = s->lon_e7; d->alt_m = s->alt_m;
			d->heading = s->heading; d->fix = s->fix; d->pos_type = s->pos_type; d->signal = s->signal;
			break;
		case CV_G_KIN: d->speed_dkmh = s->speed_dkmh; break;
		case CV_G_ODO: d->odo_hm = s->odo_hm; break;
		case CV_G_IGN: d->ignition = s->ignition; break;
		case CV_G_FUEL: d->fuel_level = s->fuel_level; d->fuel_autonomy = s->fuel_autonomy; break;
		case CV_G_ELEC: d->elec_level = s->elec_level; d->elec_autonomy = s->elec_autonomy; break;
		case CV_G_CHARGE:
			d->chg_status = s->chg_status; d->chg_mode = s->chg_mode; d->plugged = s->plugged;
			d->chg_rate = s->chg_rate; d->chg_remaining = s->chg_remaining;
			break;
		case CV_G_DOORS: d->lock = s->lock; d->doors_open = s->doors_open; break;
		case CV_G_PRECOND: d->precond = s->precond; break;
		case CV_G_AIR: d->air_temp_dc = s->air_temp_dc; break;
		case CV_G_BATT12: d->batt_mv = s->batt_mv; break;
		case CV_G_MAINT: d->maint_days = s->maint_days; d->maint_dkm = s->maint_dkm; break;
		case CV_G_PRIVACY: d->privacy = s->privacy; break;
		case CV_G_COUNT: break;
		}
	}
	if (changed) {
		if (s->at > d->at)
			d->at = s->at;
		st->updated = now;
	}
}

/* ---- rendering ---------------------------------------------------------- */

/* Members shared by Status (with createdAt per part) and Telemetry (without). */
static void render_doors(struct cv_jw *w, const struct cv_sample *s, int64_t at)
{
	cv_jw_key(w, "doorsState");
	cv_jw_obj(w);
	if (at)
		cv_jw_ktime(w, "createdAt", at);
	cv_jw_key(w, "lockedStates");
	cv_jw_arr(w);
	cv_jw_str(w, cv_lock_names[s->lock < CV_ARRAY_LEN(cv_lock_names) ? s->lock : 0]);
	cv_jw_end(w);
	cv_jw_key(w, "opening");
	cv_jw_arr(w);
	for (int d = 0; d < CV_DOOR_COUNT; d++) {
		cv_jw_obj(w);
		cv_jw_kstr(w, "identifier", cv_door_names[d]);
		cv_jw_kstr(w, "state", (s->doors_open >> d) & 1 ? "Open" : "Closed");
		cv_jw_end(w);
	}
	cv_jw_end(w);
	cv_jw_end(w);
}

static void render_energies(struct cv_jw *w, const struct cv_sample *s, const int64_t *at)
{
	cv_jw_key(w, "energies");
	cv_jw_arr(w);
	if (CV_HAS(s, CV_G_FUEL)) {
		cv_jw_obj(w);
		if (at)
			cv_jw_ktime(w, "createdAt", at[CV_G_FUEL]);
		cv_jw_kstr(w, "type", "Fuel");
		cv_jw_kstr(w, "subType", "FossilEnergy");
		cv_jw_kfixed(w, "level", s->fuel_level, 1);
		cv_jw_kint(w, "autonomy", s->fuel_autonomy);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_ELEC)) {
		cv_jw_obj(w);
		if (at)
			cv_jw_ktime(w, "createdAt", at[CV_G_ELEC]);
		cv_jw_kstr(w, "type", "Electric");
		cv_jw_kstr(w, "subType", "ElectricEnergy");
		cv_jw_kfixed(w, "level", s->elec_level, 1);
		cv_jw_kint(w, "autonomy", s->elec_autonomy);
		if (CV_HAS(s, CV_G_CHARGE)) {
			char rem[CV_TIME_STRLEN];

			cv_jw_key(w, "extension");
			cv_jw_obj(w);
			cv_jw_key(w, "electric");
			cv_jw_obj(w);
			cv_jw_key(w, "charging");
			cv_jw_obj(w);
			cv_jw_kbool(w, "plugged", s->plugged);
			cv_jw_kstr(w, "status", cv_chg_names[s->chg_status < CV_ARRAY_LEN(cv_chg_names) ? s->chg_status : 0]);
			cv_jw_kstr(w, "chargingMode", cv_chgmode_names[s->chg_mode < CV_ARRAY_LEN(cv_chgmode_names) ? s->chg_mode : 0]);
			cv_jw_kint(w, "chargingRate", s->chg_rate);
			cv_duration_fmt((int64_t)s->chg_remaining * 1000, rem);
			cv_jw_kstr(w, "remainingTime", rem);
			cv_jw_end(w);
			cv_jw_end(w);
			cv_jw_end(w);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

void cv_render_status_members(struct cv_jw *w, const struct cv_state *st)
{
	const struct cv_sample *s = &st->v;

	if (CV_HAS(s, CV_G_BATT12)) {
		cv_jw_key(w, "battery");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_BATT12]);
		cv_jw_kfixed(w, "voltage", s->batt_mv, 3);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_DOORS))
		render_doors(w, s, st->at[CV_G_DOORS]);
	if (CV_HAS(s, CV_G_FUEL) || CV_HAS(s, CV_G_ELEC))
		render_energies(w, s, st->at);
	if (CV_HAS(s, CV_G_AIR)) {
		cv_jw_key(w, "environment");
		cv_jw_obj(w);
		cv_jw_key(w, "air");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_AIR]);
		cv_jw_kfixed(w, "temp", s->air_temp_dc, 1);
		cv_jw_end(w);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_IGN)) {
		cv_jw_key(w, "ignition");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_IGN]);
		cv_jw_kstr(w, "type", cv_ign_names[s->ignition < CV_ARRAY_LEN(cv_ign_names) ? s->ignition : 0]);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_KIN)) {
		cv_jw_key(w, "kinetic");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_KIN]);
		cv_jw_kbool(w, "moving", s->speed_dkmh > 0);
		cv_jw_kfixed(w, "speed", s->speed_dkmh, 1);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_ODO)) {
		cv_jw_key(w, "odometer");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_ODO]);
		cv_jw_kfixed(w, "mileage", s->odo_hm, 1);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_PRECOND)) {
		cv_jw_key(w, "preconditioning");
		cv_jw_obj(w);
		cv_jw_key(w, "airConditioning");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_PRECOND]);
		cv_jw_kstr(w, "status", cv_precond_names[s->precond < CV_ARRAY_LEN(cv_precond_names) ? s->precond : 0]);
		cv_jw_end(w);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_PRIVACY)) {
		cv_jw_key(w, "privacy");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", st->at[CV_G_PRIVACY]);
		cv_jw_kstr(w, "state", cv_privacy_names[s->privacy < CV_ARRAY_LEN(cv_privacy_names) ? s->privacy : 0]);
		cv_jw_end(w);
	}
}

bool cv_state_has_position(const struct cv_state *st)
{
	return CV_HAS(&st->v, CV_G_POS);
}

void cv_render_position(struct cv_jw *w, const struct cv_state *st)
{
	const struct cv_sample *s = &st->v;

	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Feature");
	cv_jw_key(w, "geometry");
	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Point");
	cv_jw_key(w, "coordinates");
	cv_jw_arr(w);
	cv_jw_fixed(w, s->lon_e7, 7);
	cv_jw_fixed(w, s->lat_e7, 7);
	cv_jw_int(w, s->alt_m);
	cv_jw_end(w);
	cv_jw_end(w);
	cv_jw_key(w, "properties");
	cv_jw_obj(w);
	cv_jw_ktime(w, "createdAt", st->at[CV_G_POS]);
	cv_jw_ktime(w, "updatedAt", st->updated);
	cv_jw_kint(w, "heading", s->heading);
	cv_jw_kint(w, "signalQuality", s->signal);
	cv_jw_kstr(w, "type", cv_postype_names[s->pos_type < CV_ARRAY_LEN(cv_postype_names) ? s->pos_type : 0]);
	if (s->pos_type == CV_POS_ACQUIRE && s->fix != CV_FIX_NONE)
		cv_jw_kstr(w, "fixStatus", cv_fix_names[s->fix < CV_ARRAY_LEN(cv_fix_names) ? s->fix : 0]);
	cv_jw_end(w);
	cv_jw_end(w);
}

void cv_render_point(struct cv_jw *w, int32_t lat_e7, int32_t lon_e7, int32_t alt_m, int64_t at)
{
	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Feature");
	cv_jw_key(w, "geometry");
	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Point");
	cv_jw_key(w, "coordinates");
	cv_jw_arr(w);
	cv_jw_fixed(w, lon_e7, 7);
	cv_jw_fixed(w, lat_e7, 7);
	cv_jw_int(w, alt_m);
	cv_jw_end(w);
	cv_jw_end(w);
	cv_jw_key(w, "properties");
	cv_jw_obj(w);
	cv_jw_ktime(w, "createdAt", at);
	cv_jw_end(w);
	cv_jw_end(w);
}

bool cv_state_has_maintenance(const struct cv_state *st)
{
	return CV_HAS(&st->v, CV_G_MAINT);
}

void cv_render_maintenance_members(struct cv_jw *w, const struct cv_state *st)
{
	const struct cv_sample *s = &st->v;

	cv_jw_ktime(w, "createdAt", st->at[CV_G_MAINT]);
	cv_jw_ktime(w, "updatedAt", st->updated);
	if (s->maint_days != INT32_MIN)
		cv_jw_kint(w, "daysBeforeMaintenance", s->maint_days);
	if (s->maint_dkm != INT32_MIN)
		cv_jw_kfixed(w, "mileageBeforeMaintenance", s->maint_dkm, 1);
}

uint32_t cv_tel_part_mask(const char *name)
{
	static const struct { const char *name; uint32_t mask; } map[] = {
		{ "environment", 1u << CV_TP_ENVIRONMENT },
		{ "privacy", 1u << CV_TP_PRIVACY },
		{ "vehicle", (1u << CV_TP_BATTERY) | (1u << CV_TP_DOORS) | (1u << CV_TP_ENERGIES) |
			     (1u << CV_TP_IGNITION) | (1u << CV_TP_KINETIC) | (1u << CV_TP_ODOMETER) },
		{ "vehicle.battery", 1u << CV_TP_BATTERY },
		{ "vehicle.doorsState", 1u << CV_TP_DOORS },
		{ "vehicle.energies", 1u << CV_TP_ENERGIES },
		{ "vehicle.ignition", 1u << CV_TP_IGNITION },
		/* kinds the vehicle link does not carry yet: accepted, match nothing */
		{ "vehicle.adas", 0x80000000u }, { "vehicle.engines", 0x80000000u },
		{ "vehicle.lightingSystem", 0x80000000u }, { "vehicle.safety", 0x80000000u },
		{ "vehicle.lighting", 0x80000000u }, { "vehicle.drivingBehavior", 0x80000000u },
		{ "vehicle.transmission", 0x80000000u }, { "vehicle.alarm.status", 0x80000000u },
		{ "vehicle.alarm.trigger", 0x80000000u }, { "vehicle.wipingBlades", 0x80000000u },
	};

	for (size_t i = 0; i < CV_ARRAY_LEN(map); i++)
		if (!strcmp(map[i].name, name))
			return map[i].mask;
	return 0;
}

uint32_t cv_groups_parts(uint32_t has)
{
	uint32_t m = 0;

#define G(g) ((has >> (g)) & 1u)
	if (G(CV_G_AIR)) m |= 1u << CV_TP_ENVIRONMENT;
	if (G(CV_G_PRIVACY)) m |= 1u << CV_TP_PRIVACY;
	if (G(CV_G_BATT12)) m |= 1u << CV_TP_BATTERY;
	if (G(CV_G_DOORS)) m |= 1u << CV_TP_DOORS;
	if (G(CV_G_FUEL) || G(CV_G_ELEC)) m |= 1u << CV_TP_ENERGIES;
	if (G(CV_G_IGN)) m |= 1u << CV_TP_IGNITION;
	if (G(CV_G_KIN)) m |= 1u << CV_TP_KINETIC;
	if (G(CV_G_ODO)) m |= 1u << CV_TP_ODOMETER;
#undef G
	return m;
}

static uint32_t sample_parts(const struct cv_sample *s)
{
	return cv_groups_parts(s->has);
}

bool cv_sample_has_parts(const struct cv_sample *s, uint32_t mask)
{
	return (sample_parts(s) & mask) != 0;
}

void cv_render_telemetry_members(struct cv_jw *w, const struct cv_sample *s, uint32_t mask)
{
	uint32_t m = sample_parts(s) & mask;
	uint32_t vm = m & ~((1u << CV_TP_ENVIRONMENT) | (1u << CV_TP_PRIVACY));

	cv_jw_ktime(w, "createdAt", s->at);
	if (vm) {
		cv_jw_key(w, "vehicle");
		cv_jw_obj(w);
		if (m & (1u << CV_TP_BATTERY)) {
			cv_jw_key(w, "battery");
			cv_jw_obj(w);
			cv_jw_kfixed(w, "voltage", s->batt_mv, 3);
			cv_jw_end(w);
		}
		if (m & (1u << CV_TP_DOORS))
			render_doors(w, s, 0);
		if (m & (1u << CV_TP_ENERGIES))
			render_energies(w, s, NULL);
		if (m & (1u << CV_TP_IGNITION)) {
			/* IgnitionBase requires createdAt even inside a telemetry item */
			cv_jw_key(w, "ignition");
			cv_jw_obj(w);
			cv_jw_ktime(w, "createdAt", s->at);
			cv_jw_kstr(w, "type", cv_ign_names[s->ignition < CV_ARRAY_LEN(cv_ign_names) ? s->ignition : 0]);
			cv_jw_end(w);
		}
		if (m & (1u << CV_TP_KINETIC)) {
			cv_jw_key(w, "kinetic");
			cv_jw_obj(w);
			cv_jw_kbool(w, "moving", s->speed_dkmh > 0);
			cv_jw_kfixed(w, "speed", s->speed_dkmh, 1);
			cv_jw_end(w);
		}
		if (m & (1u << CV_TP_ODOMETER)) {
			cv_jw_key(w, "odometer");
			cv_jw_obj(w);
			cv_jw_kfixed(w, "mileage", s->odo_hm, 1);
			cv_jw_end(w);
		}
		cv_jw_end(w);
	}
	if (m & (1u << CV_TP_ENVIRONMENT)) {
		cv_jw_key(w, "environment");
		cv_jw_obj(w);
		cv_jw_key(w, "air");
		cv_jw_obj(w);
		cv_jw_kfixed(w, "temp", s->air_temp_dc, 1);
		cv_jw_end(w);
		cv_jw_end(w);
	}
	if (m & (1u << CV_TP_PRIVACY)) {
		cv_jw_key(w, "privacy");
		cv_jw_obj(w);
		cv_jw_kstr(w, "state", cv_privacy_names[s->privacy < CV_ARRAY_LEN(cv_privacy_names) ? s->privacy : 0]);
		cv_jw_end(w);
	}
}

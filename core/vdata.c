/* vdata.c - vehicle samples: parse, merge into state, render (see vdata.h). */
#include "vdata.h"
#include "cvtime.h"
#include "jread.h"

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

/* ---- capacities ----------------------------------------------------------- */

/* Wh per kWh, cl per litre: both units keep one decimal exactly. */
static uint32_t capacity_unit(enum cv_capacity kind)
{
	return kind == CV_CAP_BATTERY ? 1000 : 100;
}

enum cv_err cv_capacity_parse(enum cv_capacity kind, const char *text, uint32_t *out)
{
	uint32_t unit = capacity_unit(kind), max = kind == CV_CAP_BATTERY ? CV_BATTERY_WH_MAX : CV_TANK_CL_MAX;
	uint64_t whole = 0, tenths = 0;
	const char *p = text;
	size_t digits = 0;

	for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		whole = whole * 10 + (uint64_t)(*p - '0');
	if (!digits)
		return CV_EINVAL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return CV_EINVAL;
		tenths = (uint64_t)(*p++ - '0');
	}
	if (*p)
		return CV_EINVAL;       /* a second decimal, another character, or too many digits */
	whole = whole * unit + tenths * (unit / 10);
	if (whole == 0 || whole > max)
		return CV_EINVAL;
	*out = (uint32_t)whole;
	return CV_OK;
}

bool cv_capacity_applies(enum cv_capacity kind, enum cv_energy e)
{
	if (kind == CV_CAP_BATTERY)
		return e == CV_ENERGY_ELECTRIC || e == CV_ENERGY_PHEV;
	return e == CV_ENERGY_PETROL || e == CV_ENERGY_DIESEL || e == CV_ENERGY_PHEV;
}

void cv_capacity_fmt(enum cv_capacity kind, uint32_t v, char out[CV_CAPACITY_STRLEN])
{
	uint32_t tenth = capacity_unit(kind) / 10;

	v /= tenth;
	if (v % 10)
		snprintf(out, CV_CAPACITY_STRLEN, "%u.%u", v / 10, v % 10);
	else
		snprintf(out, CV_CAPACITY_STRLEN, "%u", v / 10);
}

/* ---- parsing ------------------------------------------------------------ */

/* A number from min to max with `decimals` kept: *out = round(v * 10^decimals). */
static bool read_fixed(struct cv_jread *jr, json_object *o, const char *name, double min, double max, int decimals,
		       int flags, int64_t *out)
{
	double d, scale = 1;

	if (!cv_jr_number(jr, o, name, min, max, flags, &d))
		return false;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	*out = (int64_t)llround(d * scale);
	return true;
}

/* An enum member into a byte: def when absent. */
static void read_enum8(struct cv_jread *jr, json_object *o, const char *name, const char *const *names, size_t n,
		       uint8_t def, uint8_t *out)
{
	int e;

	*out = cv_jr_enum(jr, o, name, names, n, CV_JR_OPTIONAL, &e) ? (uint8_t)e : def;
}

static void parse_position(struct cv_jread *jr, json_object *o, struct cv_sample *s)
{
	int64_t v;

	if (read_fixed(jr, o, "lat", -90, 90, 7, CV_JR_REQUIRED, &v))
		s->lat_e7 = (int32_t)v;
	if (read_fixed(jr, o, "lon", -180, 180, 7, CV_JR_REQUIRED, &v))
		s->lon_e7 = (int32_t)v;
	s->alt_m = read_fixed(jr, o, "alt", -500, 9000, 0, CV_JR_OPTIONAL, &v) ? (int32_t)v : 0;
	s->heading = read_fixed(jr, o, "heading", 0, 360, 0, CV_JR_OPTIONAL, &v) ? (uint16_t)v : 0;
	read_enum8(jr, o, "fix", cv_fix_names, CV_ARRAY_LEN(cv_fix_names), CV_FIX_3D, &s->fix);
	s->signal = read_fixed(jr, o, "signal", 0, 100, 0, CV_JR_OPTIONAL, &v) ? (uint8_t)v : 0;
	read_enum8(jr, o, "type", cv_postype_names, CV_ARRAY_LEN(cv_postype_names), CV_POS_ACQUIRE, &s->pos_type);
	s->has |= 1u << CV_G_POS;
}

static void parse_charging(struct cv_jread *jr, json_object *c, struct cv_sample *s)
{
	int64_t v;
	int e;
	bool b;

	if (cv_jr_enum(jr, c, "status", cv_chg_names, CV_ARRAY_LEN(cv_chg_names), CV_JR_REQUIRED, &e))
		s->chg_status = (uint8_t)e;
	read_enum8(jr, c, "mode", cv_chgmode_names, CV_ARRAY_LEN(cv_chgmode_names), CV_CHGMODE_NO, &s->chg_mode);
	s->plugged = cv_jr_bool(jr, c, "plugged", CV_JR_OPTIONAL, &b) ? b : s->chg_status != CV_CHG_DISCONNECTED;
	s->chg_rate = read_fixed(jr, c, "rate", 0, 500, 0, CV_JR_OPTIONAL, &v) ? (uint16_t)v : 0;
	s->chg_remaining = read_fixed(jr, c, "remainingTime", 0, 604800, 0, CV_JR_OPTIONAL, &v) ? (uint32_t)v : 0;
	if (read_fixed(jr, c, "power", 0, 400, 1, CV_JR_OPTIONAL, &v)) {
		s->has_chg_power = 1;
		s->chg_power_dkw = (uint16_t)v;
	}
	s->has |= 1u << CV_G_CHARGE;
}

static void parse_energy(struct cv_jread *jr, json_object *o, uint16_t *level, uint16_t *autonomy,
			 bool with_charging, struct cv_sample *s)
{
	static const char *const ckeys[] = { "status", "mode", "plugged", "rate", "remainingTime", "power", NULL };
	int64_t v;
	json_object *c;

	if (read_fixed(jr, o, "level", 0, 100, 1, CV_JR_REQUIRED, &v))
		*level = (uint16_t)v;
	*autonomy = read_fixed(jr, o, "autonomy", 0, 3000, 0, CV_JR_OPTIONAL, &v) ? (uint16_t)v : 0;
	if (with_charging && (c = cv_jr_object(jr, o, "charging", ckeys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "charging");
		parse_charging(jr, c, s);
		cv_jr_leave(jr);
	}
}

static void parse_doors(struct cv_jread *jr, json_object *o, struct cv_sample *s)
{
	uint32_t open = 0;
	int k;

	if (cv_jr_enum(jr, o, "locked", cv_lock_names, CV_ARRAY_LEN(cv_lock_names), CV_JR_REQUIRED, &k))
		s->lock = (uint8_t)k;
	cv_jr_names(jr, o, "open", cv_door_names, CV_DOOR_COUNT, 0, CV_DOOR_COUNT, CV_JR_OPTIONAL, &open);
	s->doors_open = (uint8_t)open;
	s->has |= 1u << CV_G_DOORS;
}

static void parse_maintenance(struct cv_jread *jr, json_object *o, struct cv_sample *s)
{
	int64_t v;
	bool hd, hk;

	hd = read_fixed(jr, o, "days", -3650, 3650, 0, CV_JR_OPTIONAL, &v);
	s->maint_days = hd ? (int32_t)v : INT32_MIN;
	hk = read_fixed(jr, o, "km", -100000, 100000, 1, CV_JR_OPTIONAL, &v);
	s->maint_dkm = hk ? (int32_t)v : INT32_MIN;
	if (!hd && !hk)
		cv_jr_fail(jr, NULL, "needs days or km");
	s->has |= 1u << CV_G_MAINT;
}

static void parse_collision(struct cv_jread *jr, json_object *o, struct cv_event *ev)
{
	static const char *const dkeys[] = { "side", "severity", NULL };
	size_t n;
	json_object *det = cv_jr_array(jr, o, "details", 1, CV_MAX_COLLISION_DETAILS, CV_JR_REQUIRED, &n);
	int e;

	cv_jr_enter(jr, "details");
	for (size_t i = 0; det && i < n; i++) {
		json_object *d = json_object_array_get_idx(det, i);

		cv_jr_enter_item(jr, i);
		if (cv_jr_object(jr, d, NULL, dkeys, CV_JR_REQUIRED)) {
			if (cv_jr_enum(jr, d, "side", cv_side_names, CV_ARRAY_LEN(cv_side_names), CV_JR_REQUIRED, &e))
				ev->side[i] = (uint8_t)e;
			ev->csev[i] = cv_jr_enum(jr, d, "severity", cv_csev_names + 1, CV_ARRAY_LEN(cv_csev_names) - 1,
						 CV_JR_OPTIONAL, &e) ? (uint8_t)(e + 1) : 0;
		}
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
	ev->ndetails = (uint8_t)n;
}

static void parse_event(struct cv_jread *jr, json_object *o, struct cv_event *ev)
{
	static const char *const kinds[] = { "alert", "collision", "alarm", "theft" };
	static const char *const alert_keys[] = { "type", "alert", "severity", "active", NULL };
	static const char *const collision_keys[] = { "type", "details", NULL };
	static const char *const alarm_keys[] = { "type", "activation", "trigger", NULL };
	static const char *const theft_keys[] = { "type", "active", NULL };
	int kind, e;
	bool b, ha, ht;

	memset(ev, 0, sizeof(*ev));
	if (!cv_jr_object(jr, o, NULL, NULL, CV_JR_REQUIRED) ||
	    !cv_jr_enum(jr, o, "type", kinds, CV_ARRAY_LEN(kinds), CV_JR_REQUIRED, &kind))
		return;
	ev->kind = (uint8_t)(kind + 1);
	switch (ev->kind) {
	case CV_EV_ALERT:
		cv_jr_known(jr, o, alert_keys);
		if (cv_jr_enum(jr, o, "alert", cv_alert_names, cv_alert_count, CV_JR_REQUIRED, &e))
			ev->code = (uint16_t)e;
		read_enum8(jr, o, "severity", cv_severity_names, CV_ARRAY_LEN(cv_severity_names), 1, &ev->severity);
		if (cv_jr_bool(jr, o, "active", CV_JR_OPTIONAL, &b))
			ev->active = b;
		else
			cv_jr_fail(jr, "active", "is required (true when raised, false when cleared)");
		break;
	case CV_EV_COLLISION:
		cv_jr_known(jr, o, collision_keys);
		parse_collision(jr, o, ev);
		break;
	case CV_EV_ALARM:
		cv_jr_known(jr, o, alarm_keys);
		ha = cv_jr_enum(jr, o, "activation", cv_activation_names + 1, 2, CV_JR_OPTIONAL, &e);
		ev->active = ha ? (uint8_t)(e + 1) : 0;
		ht = cv_jr_enum(jr, o, "trigger", cv_alarm_trigger_names, cv_alarm_trigger_count, CV_JR_OPTIONAL, &e);
		ev->code = ht ? (uint16_t)(e + 1) : 0;
		if (!ha && !ht)
			cv_jr_fail(jr, NULL, "an alarm event needs activation or trigger");
		break;
	case CV_EV_THEFT:
		cv_jr_known(jr, o, theft_keys);
		if (cv_jr_bool(jr, o, "active", CV_JR_OPTIONAL, &b))
			ev->active = b;
		else
			cv_jr_fail(jr, "active", "is required (true when reported stolen, false when found)");
		break;
	}
}

enum cv_err cv_sample_parse(struct cv_jread *jr, json_object *o, int64_t now, struct cv_sample *s)
{
	static const char *const keys[] = {
		"at", "position", "speed", "odometer", "ignition", "fuel", "electric", "doors",
		"preconditioning", "outsideTemp", "battery12v", "maintenance", "privacy", "events", NULL
	};
	static const char *const pos_keys[] = { "lat", "lon", "alt", "heading", "fix", "signal", "type", NULL };
	static const char *const fuel_keys[] = { "level", "autonomy", NULL };
	static const char *const elec_keys[] = { "level", "autonomy", "charging", NULL };
	static const char *const door_keys[] = { "locked", "open", NULL };
	static const char *const maint_keys[] = { "days", "km", NULL };
	json_object *sub, *events;
	int64_t n;
	size_t ne;

	memset(s, 0, sizeof(*s));
	if (!cv_jr_object(jr, o, NULL, keys, CV_JR_REQUIRED) || !cv_jr_time(jr, o, "at", CV_JR_REQUIRED, &s->at))
		return CV_EINVAL;
	if (s->at > now + 300000)
		cv_jr_fail(jr, "at", "is more than 5 minutes in the future");
	if ((sub = cv_jr_object(jr, o, "position", pos_keys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "position");
		parse_position(jr, sub, s);
		cv_jr_leave(jr);
	}
	if (read_fixed(jr, o, "speed", 0, 500, 1, CV_JR_OPTIONAL, &n)) {
		s->speed_dkmh = (uint16_t)n;
		s->has |= 1u << CV_G_KIN;
	}
	if (read_fixed(jr, o, "odometer", 0, 2000000, 1, CV_JR_OPTIONAL, &n)) {
		s->odo_hm = (uint32_t)n;
		s->has |= 1u << CV_G_ODO;
	}
	if (cv_jr_has(o, "ignition")) {
		read_enum8(jr, o, "ignition", cv_ign_names, CV_ARRAY_LEN(cv_ign_names), 0, &s->ignition);
		s->has |= 1u << CV_G_IGN;
	}
	if ((sub = cv_jr_object(jr, o, "fuel", fuel_keys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "fuel");
		parse_energy(jr, sub, &s->fuel_level, &s->fuel_autonomy, false, s);
		s->has |= 1u << CV_G_FUEL;
		cv_jr_leave(jr);
	}
	if ((sub = cv_jr_object(jr, o, "electric", elec_keys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "electric");
		parse_energy(jr, sub, &s->elec_level, &s->elec_autonomy, true, s);
		s->has |= 1u << CV_G_ELEC;
		cv_jr_leave(jr);
	}
	if ((sub = cv_jr_object(jr, o, "doors", door_keys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "doors");
		parse_doors(jr, sub, s);
		cv_jr_leave(jr);
	}
	if (cv_jr_has(o, "preconditioning")) {
		read_enum8(jr, o, "preconditioning", cv_precond_names, CV_ARRAY_LEN(cv_precond_names), 0, &s->precond);
		s->has |= 1u << CV_G_PRECOND;
	}
	if (read_fixed(jr, o, "outsideTemp", -60, 70, 1, CV_JR_OPTIONAL, &n)) {
		s->air_temp_dc = (int16_t)n;
		s->has |= 1u << CV_G_AIR;
	}
	if (read_fixed(jr, o, "battery12v", 0, 30, 3, CV_JR_OPTIONAL, &n)) {
		s->batt_mv = (uint16_t)n;
		s->has |= 1u << CV_G_BATT12;
	}
	if ((sub = cv_jr_object(jr, o, "maintenance", maint_keys, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "maintenance");
		parse_maintenance(jr, sub, s);
		cv_jr_leave(jr);
	}
	if (cv_jr_has(o, "privacy")) {
		read_enum8(jr, o, "privacy", cv_privacy_names, CV_ARRAY_LEN(cv_privacy_names), 0, &s->privacy);
		s->has |= 1u << CV_G_PRIVACY;
	}
	events = cv_jr_array(jr, o, "events", 0, CV_MAX_EVENTS, CV_JR_OPTIONAL, &ne);
	if (events) {
		cv_jr_enter(jr, "events");
		for (size_t i = 0; i < ne; i++) {
			cv_jr_enter_item(jr, i);
			parse_event(jr, json_object_array_get_idx(events, i), &s->events[i]);
			cv_jr_leave(jr);
		}
		cv_jr_leave(jr);
		s->nevents = (uint8_t)ne;
	}
	if (!jr->failed && !s->has && !s->nevents)
		cv_jr_fail(jr, NULL, "holds no data besides its time");
	return jr->failed ? CV_EINVAL : CV_OK;
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
			d->has_chg_power = s->has_chg_power; d->chg_power_dkw = s->chg_power_dkw;
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

/* remote.c - remote actions: the Remote body and the life of an action (see remote.h). */
#include "config.h"
#include "remote.h"
#include "cvtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cv_rtype_names[CV_RT_COUNT] = {
	"ThermalPreconditioning", "ElectricBatteryChargingRequest", "Horn", "Doors", "Lights",
	"Immobilization", "Stolen", "WakeUp", "Navigation",
};
const char *const cv_rtype_members[CV_RT_COUNT] = {
	"preconditioning", "charging", "horn", "door", "lights", "immobilization", "stolen", "wakeUp", "navigation",
};
const char *const cv_rstatus_names[CV_RS_COUNT] = {
	"Accepted", "WakingUpVehicle", "CheckingVehicle", "SentToVehicle", "Success", "AlreadyDone", "Failed",
};
const char *const cv_rcause_names[CV_RC_COUNT] = {
	"", "GeneralError", "VehicleError", "WrongCommand", "VehicleConnectionTimeout", "MissingRights",
	"NotPossibleDueToVehicleBatteryLevel", "NotPossibleDueToVehiclePrivacyLevel", "TooManyWakeUpsOverMonth",
	"TooManyRequestInShortTime", "SameActionInProgress", "NotPossibleDueToVehicleStolenState", "VehicleInUse",
	"TooManyRequestSent", "DoorsOpen", "VehicleErrorOrCidInside", "CidInside", "ExternalChargingSystemError",
	"VehicleChargingSystemError", "VehicleIsNotLocked", "CanceledByDriver",
};
const char *const cv_rfeedback_names[3] = { "", "NoCIDBlacklisted", "CIDBlacklisted" };

const char *cv_rtype_webhook_b2b(enum cv_rtype t)
{
	if (t == CV_RT_WAKEUP)
		return "VehicleState";
	if (t == CV_RT_NAVIGATION || t >= CV_RT_COUNT)
		return NULL;
	return cv_rtype_names[t];
}

/* ---- reading a Remote body ------------------------------------------------ */

struct rd {
	char *err;
	size_t errsz;
};

static enum cv_err bad(struct rd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum cv_err bad(struct rd *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, d->errsz, fmt, ap);
	va_end(ap);
	return CV_EINVAL;
}

/* o is an object whose members are all among names (NULL-terminated); else the error. */
static enum cv_err object_of(struct rd *d, json_object *o, const char *where, const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	if (!json_object_is_type(o, json_type_object))
		return bad(d, "%s: an object", where);
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (cv_name_index(key, names, n) < 0)
			return bad(d, "%s.%.40s: unknown field", where, key);
	}
	return CV_OK;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *x = NULL;

	return json_object_object_get_ex(o, key, &x) ? x : NULL;
}

static enum cv_err want_bool(struct rd *d, json_object *o, const char *where, const char *key, bool required)
{
	json_object *x = member(o, key);

	if (!x)
		return required ? bad(d, "%s.%s: required, true or false", where, key) : CV_OK;
	return json_object_is_type(x, json_type_boolean) ? CV_OK : bad(d, "%s.%s: true or false", where, key);
}

/* A string member among names[0..n): its index, or -1 (absent and not required) with *e set on error. */
static int want_enum(struct rd *d, json_object *o, const char *where, const char *key, const char *const *names,
		     size_t n, bool required, enum cv_err *e)
{
	json_object *x = member(o, key);
	char list[160] = "";
	int k;

	*e = CV_OK;
	if (!x && !required)
		return -1;
	k = x && json_object_is_type(x, json_type_string) ? cv_name_index(json_object_get_string(x), names, n) : -1;
	if (k >= 0)
		return k;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list);

		snprintf(list + l, sizeof(list) - l, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
	}
	*e = bad(d, "%s.%s: %s%s", where, key, x ? "" : "required, ", list);
	return -1;
}

static enum cv_err want_int(struct rd *d, json_object *o, const char *where, const char *key, int64_t min,
			    int64_t max, bool required, int64_t *v)
{
	json_object *x = member(o, key);

	if (!x)
		return required ? bad(d, "%s.%s: required, an integer from %lld to %lld", where, key,
				      (long long)min, (long long)max) : CV_OK;
	if (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < min || json_object_get_int64(x) > max)
		return bad(d, "%s.%s: an integer from %lld to %lld", where, key, (long long)min, (long long)max);
	*v = json_object_get_int64(x);
	return CV_OK;
}

/* A time of day as an ISO 8601 duration from midnight ("PT14H30M"), under 24 h. */
static enum cv_err want_clock(struct rd *d, json_object *o, const char *where, const char *key, bool required)
{
	json_object *x = member(o, key);
	struct cv_duration du;

	if (!x)
		return required ? bad(d, "%s.%s: required, a time of day as a duration from midnight (PT14H30M)",
				      where, key) : CV_OK;
	if (!json_object_is_type(x, json_type_string) || cv_duration_parse(json_object_get_string(x), &du) ||
	    du.months || du.ms >= 86400000)
		return bad(d, "%s.%s: a time of day as a duration from midnight under 24 h (PT14H30M)", where, key);
	return CV_OK;
}

static enum cv_err want_time(struct rd *d, json_object *o, const char *where, const char *key)
{
	json_object *x = member(o, key);
	int64_t t;

	if (!x)
		return CV_OK;
	if (!json_object_is_type(x, json_type_string) || cv_time_parse(json_object_get_string(x), &t))
		return bad(d, "%s.%s: an RFC 3339 time (2026-12-04T08:00:00Z)", where, key);
	return CV_OK;
}

static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* occurence {day: [Mon..Sun], at least one, no repeat} */
static enum cv_err want_occurence(struct rd *d, json_object *o, const char *where, bool required)
{
	static const char *const names[] = { "day", NULL };
	json_object *x = member(o, "occurence"), *a;
	char w[96];
	unsigned seen = 0;
	size_t n;
	enum cv_err e;

	if (!x)
		return required ? bad(d, "%s.occurence: required, {day: [Mon, ...]}", where) : CV_OK;
	snprintf(w, sizeof(w), "%s.occurence", where);
	e = object_of(d, x, w, names);
	if (e)
		return e;
	a = member(x, "day");
	if (!a || !json_object_is_type(a, json_type_array) || (n = json_object_array_length(a)) == 0 || n > 7)
		return bad(d, "%s.day: required, 1 to 7 of Mon, Tue, Wed, Thu, Fri, Sat, Sun", w);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		int k = json_object_is_type(v, json_type_string) ? cv_name_index(json_object_get_string(v), days, 7) : -1;

		if (k < 0)
			return bad(d, "%s.day[%zu]: Mon, Tue, Wed, Thu, Fri, Sat or Sun", w, i);
		if (seen & (1u << k))
			return bad(d, "%s.day[%zu]: %s twice", w, i, days[k]);
		seen |= 1u << k;
	}
	return CV_OK;
}

static enum cv_err read_door(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "state", "forced", NULL };
	static const char *const states[] = { "Unlocked", "Locked" };
	enum cv_err e = object_of(d, o, "door", names);

	(void)rm;
	if (!e)
		want_enum(d, o, "door", "state", states, 2, true, &e);
	if (!e)
		e = want_bool(d, o, "door", "forced", false);
	return e;
}

static enum cv_err read_horn(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "state", NULL };
	static const char *const states[] = { "Activated", "Unactivated" };
	enum cv_err e = object_of(d, o, "horn", names);

	(void)rm;
	if (!e)
		want_enum(d, o, "horn", "state", states, 2, true, &e);
	return e;
}

static enum cv_err read_lights(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "on", NULL };
	enum cv_err e = object_of(d, o, "lights", names);

	(void)rm;
	return e ? e : want_bool(d, o, "lights", "on", true);
}

static enum cv_err read_wakeup(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "action", NULL };
	static const char *const actions[] = { "WakeUp" };
	enum cv_err e = object_of(d, o, "wakeUp", names);

	(void)rm;
	if (!e)
		want_enum(d, o, "wakeUp", "action", actions, 1, false, &e);
	return e;
}

static enum cv_err read_immobilization(struct rd *d, json_object *o, const char *where)
{
	static const char *const names[] = { "activate", NULL };
	enum cv_err e = object_of(d, o, where, names);

	return e ? e : want_bool(d, o, where, "activate", true);
}

static enum cv_err read_immo(struct rd *d, json_object *o, struct cv_remote *rm)
{
	(void)rm;
	return read_immobilization(d, o, "immobilization");
}

/* RemoteStolen: exactly one of stolen, trackingPeriod, immobilization */
static enum cv_err read_stolen(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "stolen", "trackingPeriod", "immobilization", NULL };
	static const char *const tp_names[] = { "running", "shutdown", NULL };
	json_object *tp;
	int64_t v;
	enum cv_err e = object_of(d, o, "stolen", names);

	(void)rm;
	if (e)
		return e;
	if (json_object_object_length(o) != 1)
		return bad(d, "stolen: exactly one of stolen, trackingPeriod or immobilization");
	e = want_bool(d, o, "stolen", "stolen", false);
	if (!e && (tp = member(o, "trackingPeriod")) != NULL) {
		e = object_of(d, tp, "stolen.trackingPeriod", tp_names);
		if (!e && json_object_object_length(tp) == 0)
			e = bad(d, "stolen.trackingPeriod: at least one of running, shutdown (seconds)");
		if (!e)
			e = want_int(d, tp, "stolen.trackingPeriod", "running", 5, 86400, false, &v);
		if (!e)
			e = want_int(d, tp, "stolen.trackingPeriod", "shutdown", 60, 86400, false, &v);
	}
	if (!e && member(o, "immobilization"))
		e = read_immobilization(d, member(o, "immobilization"), "stolen.immobilization");
	return e;
}

/* GeoJSON Points, 1 to 10: [longitude, latitude(, altitude)] */
static enum cv_err read_navigation(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "positions", "driverApproval", NULL };
	static const char *const pt_names[] = { "type", "coordinates", NULL };
	json_object *a;
	size_t n;
	enum cv_err e = object_of(d, o, "navigation", names);

	(void)rm;
	if (!e)
		e = want_bool(d, o, "navigation", "driverApproval", false);
	if (e)
		return e;
	a = member(o, "positions");
	if (!a || !json_object_is_type(a, json_type_array) || (n = json_object_array_length(a)) == 0 || n > 10)
		return bad(d, "navigation.positions: required, 1 to 10 GeoJSON Points (the last is the destination)");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(a, i), *t, *c;
		char w[48];
		size_t nc;

		snprintf(w, sizeof(w), "navigation.positions[%zu]", i);
		e = object_of(d, p, w, pt_names);
		if (e)
			return e;
		t = member(p, "type");
		if (!t || !json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), "Point"))
			return bad(d, "%s.type: required, Point", w);
		c = member(p, "coordinates");
		if (!c || !json_object_is_type(c, json_type_array) || (nc = json_object_array_length(c)) < 2 || nc > 3)
			return bad(d, "%s.coordinates: required, [longitude, latitude] or [longitude, latitude, altitude]", w);
		for (size_t k = 0; k < nc; k++) {
			json_object *v = json_object_array_get_idx(c, k);
			double x, lim = k == 0 ? 180 : k == 1 ? 90 : 9000;

			if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
				return bad(d, "%s.coordinates[%zu]: a number", w, k);
			x = json_object_get_double(v);
			if (!isfinite(x) || x < (k == 2 ? -500 : -lim) || x > lim)
				return bad(d, "%s.coordinates[%zu]: %s", w, k,
					   k == 0 ? "a longitude from -180 to 180" : k == 1 ? "a latitude from -90 to 90"
					   : "an altitude from -500 to 9000 m");
		}
	}
	return CV_OK;
}

/* airConditioning {immediate, programs: up to 4 in distinct slots} */
static enum cv_err read_precond(struct rd *d, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "airConditioning", NULL };
	static const char *const ac_names[] = { "immediate", "programs", NULL };
	static const char *const pg_names[] = { "slot", "enabled", "actionsType", "recurrence", "start", "occurence", NULL };
	static const char *const actions[] = { "Set", "Delete" };
	static const char *const recurrences[] = { "None", "Daily" };
	const char *w = "preconditioning.airConditioning";
	json_object *ac, *a;
	unsigned slots = 0;
	enum cv_err e = object_of(d, o, "preconditioning", names);

	if (e)
		return e;
	ac = member(o, "airConditioning");
	if (!ac)
		return bad(d, "%s: required, {immediate, programs}", w);
	e = object_of(d, ac, w, ac_names);
	if (!e)
		e = want_bool(d, ac, w, "immediate", false);
	if (e)
		return e;
	a = member(ac, "programs");
	if (!member(ac, "immediate") && !a)
		return bad(d, "%s: at least one of immediate, programs", w);
	rm->energy_hungry = member(ac, "immediate") && json_object_get_boolean(member(ac, "immediate"));
	if (!a)
		return CV_OK;
	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) == 0 ||
	    json_object_array_length(a) > 4)
		return bad(d, "%s.programs: 1 to 4 programs", w);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		char pw[64];
		int64_t slot = 0;
		int act;

		snprintf(pw, sizeof(pw), "%s.programs[%zu]", w, i);
		e = object_of(d, p, pw, pg_names);
		if (!e)
			e = want_int(d, p, pw, "slot", 1, 4, true, &slot);
		if (!e && (slots & (1u << slot)))
			e = bad(d, "%s.slot: slot %lld is used twice", pw, (long long)slot);
		slots |= 1u << slot;
		act = e ? -1 : want_enum(d, p, pw, "actionsType", actions, 2, false, &e);
		if (!e)
			e = want_bool(d, p, pw, "enabled", act != 1);
		if (!e)
			want_enum(d, p, pw, "recurrence", recurrences, 2, false, &e);
		if (!e)
			e = want_clock(d, p, pw, "start", act != 1);
		if (!e)
			e = want_occurence(d, p, pw, act != 1);
		if (e)
			return e;
	}
	return CV_OK;
}

/* charging: immediate, schedule {nextDelayedTime | programs}, or preferences alone */
static enum cv_err read_charging(struct rd *d, json_object *o, struct cv_remote *rm, bool b2b)
{
	static const char *const names[] = { "nextDelayedTime", "schedule", "immediate", "preferences", NULL };
	static const char *const sc_names[] = { "nextDelayedTime", "programs", NULL };
	static const char *const pg_names[] = { "start", "occurence", "enabled", "end", "slot", "recurrence", NULL };
	static const char *const pg_names_b2c[] = { "start", "occurence", "enabled", "end", "recurrence", NULL };
	static const char *const pf_names[] = { "level", "type", NULL };
	static const char *const levels[] = { "Level1", "Level2", "Level3", "Level4", "Level5" };
	static const char *const types[] = { "Partial", "Full" };
	static const char *const recurrences[] = { "None", "Daily" };
	json_object *sc, *pf, *a;
	enum cv_err e = object_of(d, o, "charging", names);

	if (!e)
		e = want_bool(d, o, "charging", "immediate", false);
	if (!e)
		e = want_time(d, o, "charging", "nextDelayedTime");
	if (e)
		return e;
	if (json_object_object_length(o) == 0)
		return bad(d, "charging: one of immediate, schedule, nextDelayedTime or preferences");
	pf = member(o, "preferences");
	if (pf && json_object_object_length(o) > 1)
		return bad(d, "charging.preferences: not with immediate, schedule or nextDelayedTime (a separate action)");
	if (pf) {
		e = object_of(d, pf, "charging.preferences", pf_names);
		if (!e && json_object_object_length(pf) == 0)
			e = bad(d, "charging.preferences: at least one of level, type");
		if (!e)
			want_enum(d, pf, "charging.preferences", "level", levels, 5, false, &e);
		if (!e)
			want_enum(d, pf, "charging.preferences", "type", types, 2, false, &e);
		return e;
	}
	rm->energy_hungry = member(o, "immediate") && json_object_get_boolean(member(o, "immediate"));
	sc = member(o, "schedule");
	if (!sc)
		return CV_OK;
	if (member(o, "nextDelayedTime"))
		return bad(d, "charging.nextDelayedTime: not with schedule (use schedule.nextDelayedTime)");
	e = object_of(d, sc, "charging.schedule", sc_names);
	if (!e)
		e = want_time(d, sc, "charging.schedule", "nextDelayedTime");
	if (e)
		return e;
	a = member(sc, "programs");
	if ((a != NULL) == (member(sc, "nextDelayedTime") != NULL))
		return bad(d, "charging.schedule: exactly one of nextDelayedTime, programs");
	if (!a)
		return CV_OK;
	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) == 0 ||
	    json_object_array_length(a) > 4)
		return bad(d, "charging.schedule.programs: 1 to 4 programs");
	{
		unsigned slots = 0;

		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *p = json_object_array_get_idx(a, i);
			char pw[64];
			int64_t slot = 0;

			snprintf(pw, sizeof(pw), "charging.schedule.programs[%zu]", i);
			e = object_of(d, p, pw, b2b ? pg_names : pg_names_b2c);
			if (!e)
				e = want_int(d, p, pw, "slot", 1, 4, false, &slot);
			if (!e && slot && (slots & (1u << slot)))
				e = bad(d, "%s.slot: slot %lld is used twice", pw, (long long)slot);
			slots |= slot ? 1u << slot : 0;
			if (!e)
				e = want_bool(d, p, pw, "enabled", false);
			if (!e)
				want_enum(d, p, pw, "recurrence", recurrences, 2, false, &e);
			if (!e)
				e = want_clock(d, p, pw, "start", true);
			if (!e)
				e = want_clock(d, p, pw, "end", false);
			if (!e)
				e = want_occurence(d, p, pw, false);
			if (e)
				return e;
		}
	}
	return CV_OK;
}

static enum cv_err read_charging_b2c(struct rd *d, json_object *o, struct cv_remote *rm)
{
	return read_charging(d, o, rm, false);
}

static enum cv_err read_charging_b2b(struct rd *d, json_object *o, struct cv_remote *rm)
{
	return read_charging(d, o, rm, true);
}

typedef enum cv_err (*action_reader)(struct rd *d, json_object *o, struct cv_remote *rm);

enum cv_err cv_remote_parse(json_object *o, bool b2b, const char *const *skip, struct cv_remote *rm, char *err,
			    size_t errsz)
{
	const action_reader readers[CV_RT_COUNT] = {
		read_precond, b2b ? read_charging_b2b : read_charging_b2c, read_horn, read_door, read_lights,
		b2b ? read_immo : NULL, b2b ? read_stolen : NULL, read_wakeup, read_navigation,
	};
	struct rd d = { err, errsz };
	json_object *action = NULL;
	const char *text;
	int type = -1;
	enum cv_err e;

	memset(rm, 0, sizeof(*rm));
	if (!json_object_is_type(o, json_type_object))
		return bad(&d, "the body: a Remote object with one action");
	json_object_object_foreach(o, key, val) {
		int k = cv_name_index(key, cv_rtype_members, CV_RT_COUNT);
		bool skipped = false;

		for (size_t i = 0; skip && skip[i]; i++)
			skipped |= !strcmp(key, skip[i]);
		if (skipped)
			continue;
		if (!strcmp(key, "label")) {
			if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) < 1 ||
			    json_object_get_string_len(val) > CV_REMOTE_LABEL_MAX)
				return bad(&d, "label: 1 to %d bytes", CV_REMOTE_LABEL_MAX);
			cv_strlcpy(rm->label, json_object_get_string(val), sizeof(rm->label));
			continue;
		}
		if (k < 0 || !readers[k])
			return bad(&d, "%.40s: unknown field%s", key,
				   k >= 0 ? " (an action of the fleet face only)" : "");
		if (action)
			return bad(&d, "%s: one action per request (%s is given too)", key, cv_rtype_members[type]);
		action = val;
		type = k;
	}
	if (!action)
		return bad(&d, "the body: one action is required (%s)",
			   b2b ? "door, horn, lights, preconditioning, charging, wakeUp, navigation, immobilization or stolen"
			       : "door, horn, lights, preconditioning, charging, wakeUp or navigation");
	e = readers[type](&d, action, rm);
	if (e)
		return e;
	rm->type = (uint8_t)type;
	text = json_object_to_json_string_ext(action, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || strlen(text) > CV_REMOTE_ACTION_MAX)
		return bad(&d, "%s: at most %d bytes", cv_rtype_members[type], CV_REMOTE_ACTION_MAX);
	cv_strlcpy(rm->action, text, sizeof(rm->action));
	return CV_OK;
}

/* ---- the state machine --------------------------------------------------- */

static void enter(struct cv_rsm *m, struct cv_rsm *out, int *n, uint8_t status, uint8_t cause, uint8_t feedback)
{
	m->status = status;
	m->cause = status == CV_RS_FAILED ? cause : 0;
	m->feedback = status == CV_RS_SUCCESS || status == CV_RS_ALREADY ? feedback : 0;
	out[(*n)++] = *m;
}

int cv_rsm_step(struct cv_rsm *m, enum cv_rsm_event ev, const struct cv_rsm_in *in, struct cv_rsm *out)
{
	struct cv_rsm s = *m;
	int n = 0;

	switch (ev) {
	case CV_RE_CREATE:
		if (!in->navigation)
			enter(&s, out, &n, CV_RS_ACCEPTED, 0, 0);
		if (in->refuse)
			enter(&s, out, &n, CV_RS_FAILED, in->refuse, 0);
		else if (!in->awake && !in->navigation)
			enter(&s, out, &n, CV_RS_WAKING, 0, 0);
		else
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		break;
	case CV_RE_WOKEN:
		if (s.status == CV_RS_ACCEPTED || s.status == CV_RS_WAKING)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		break;
	case CV_RE_CHECK:
		if (s.status != CV_RS_CHECKING)
			return -1;
		if (in->refuse)
			enter(&s, out, &n, CV_RS_FAILED, in->refuse, 0);
		break;
	case CV_RE_ACK:
		if (CV_RS_FINAL(s.status) || s.status == CV_RS_SENT)
			break;
		if (s.status != CV_RS_CHECKING)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		enter(&s, out, &n, CV_RS_SENT, 0, 0);
		break;
	case CV_RE_RESULT:
		if (in->outcome != CV_RS_SUCCESS && in->outcome != CV_RS_ALREADY && in->outcome != CV_RS_FAILED)
			return -1;
		if (CV_RS_FINAL(s.status)) {
			/* the same report again is acknowledged; another is a contradiction */
			if (s.status == in->outcome &&
			    (s.status != CV_RS_FAILED || s.cause == (in->refuse ? in->refuse : CV_RC_VEHICLE)))
				break;
			return -1;
		}
		if (s.status != CV_RS_CHECKING && s.status != CV_RS_SENT)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		if (s.status != CV_RS_SENT)
			enter(&s, out, &n, CV_RS_SENT, 0, 0);
		enter(&s, out, &n, in->outcome, in->outcome == CV_RS_FAILED ? (in->refuse ? in->refuse : CV_RC_VEHICLE) : 0,
		      in->feedback);
		break;
	case CV_RE_TIMEOUT:
		if (!CV_RS_FINAL(s.status))
			enter(&s, out, &n, CV_RS_FAILED, CV_RC_TIMEOUT, 0);
		break;
	default:
		return -1;
	}
	*m = s;
	return n;
}

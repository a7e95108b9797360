/* remote.c - remote actions: the Remote body and the life of an action (see remote.h). */
#include "config.h"
#include "remote.h"

#include <string.h>

const char *const cv_remote_type_names[CV_RT_COUNT] = {
	"ThermalPreconditioning", "ElectricBatteryChargingRequest", "Horn", "Doors", "Lights",
	"Immobilization", "Stolen", "WakeUp", "Navigation",
};
const char *const cv_remote_type_members[CV_RT_COUNT] = {
	"preconditioning", "charging", "horn", "door", "lights", "immobilization", "stolen", "wakeUp", "navigation",
};
const char *const cv_remote_status_names[CV_RS_COUNT] = {
	"Accepted", "WakingUpVehicle", "CheckingVehicle", "SentToVehicle", "Success", "AlreadyDone", "Failed",
};
const char *const cv_remote_cause_names[CV_RC_COUNT] = {
	"", "GeneralError", "VehicleError", "WrongCommand", "VehicleConnectionTimeout", "MissingRights",
	"NotPossibleDueToVehicleBatteryLevel", "NotPossibleDueToVehiclePrivacyLevel", "TooManyWakeUpsOverMonth",
	"TooManyRequestInShortTime", "SameActionInProgress", "NotPossibleDueToVehicleStolenState", "VehicleInUse",
	"TooManyRequestSent", "DoorsOpen", "VehicleErrorOrCidInside", "CidInside", "ExternalChargingSystemError",
	"VehicleChargingSystemError", "VehicleIsNotLocked", "CanceledByDriver",
};
const char *const cv_remote_feedback_names[3] = { "", "NoCIDBlacklisted", "CIDBlacklisted" };

const char *cv_remote_type_webhook_b2b(enum cv_remote_type t)
{
	if (t == CV_RT_WAKEUP)
		return "VehicleState";
	if (t == CV_RT_NAVIGATION || t >= CV_RT_COUNT)
		return NULL;
	return cv_remote_type_names[t];
}

/* ---- reading a Remote body ------------------------------------------------ */

/*
 * Each action's reader reads its member (o) at jr's path ("door"): the
 * first failure in jr. Members are checked in the schema's order.
 */

#define CLOCK_EXPECTED "a time of day as a duration from midnight, under 24 h, such as PT14H30M"
static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const recurrences[] = { "None", "Daily" };

/* occurence {day: [Mon..Sun], at least one, none twice} */
static void read_occurence(struct cv_jread *jr, json_object *o, int flags)
{
	static const char *const names[] = { "day", NULL };
	json_object *oc = cv_jr_object(jr, o, "occurence", names, flags);
	uint32_t mask;

	if (!oc)
		return;
	cv_jr_enter(jr, "occurence");
	cv_jr_names(jr, oc, "day", days, 7, 1, 7, CV_JR_REQUIRED | CV_JR_UNIQUE, &mask);
	cv_jr_leave(jr);
}

static void read_door(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "state", "forced", NULL };
	static const char *const states[] = { "Unlocked", "Locked" };
	int k;
	bool b;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_enum(jr, o, "state", states, 2, CV_JR_REQUIRED, &k);
	cv_jr_bool(jr, o, "forced", CV_JR_OPTIONAL, &b);
}

static void read_horn(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "state", NULL };
	static const char *const states[] = { "Activated", "Unactivated" };
	int k;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_enum(jr, o, "state", states, 2, CV_JR_REQUIRED, &k);
}

static void read_lights(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "on", NULL };
	bool b;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_bool(jr, o, "on", CV_JR_REQUIRED, &b);
}

static void read_wakeup(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "action", NULL };
	static const char *const actions[] = { "WakeUp" };
	int k;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_enum(jr, o, "action", actions, 1, CV_JR_OPTIONAL, &k);
}

static void read_immo(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "activate", NULL };
	bool b;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_bool(jr, o, "activate", CV_JR_REQUIRED, &b);
}

/* RemoteStolen: exactly one of stolen, trackingPeriod, immobilization */
static void read_stolen(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "stolen", "trackingPeriod", "immobilization", NULL };
	static const char *const tp_names[] = { "running", "shutdown", NULL };
	json_object *x;
	int64_t v;
	bool b;

	if (!cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED))
		return;
	if (json_object_object_length(o) != 1)
		cv_jr_fail(jr, NULL, "must hold exactly one of stolen, trackingPeriod or immobilization");
	cv_jr_bool(jr, o, "stolen", CV_JR_OPTIONAL, &b);
	if ((x = cv_jr_object(jr, o, "trackingPeriod", tp_names, CV_JR_OPTIONAL)) != NULL) {
		if (json_object_object_length(x) == 0)
			cv_jr_fail(jr, "trackingPeriod", "must hold at least one of running, shutdown (seconds)");
		cv_jr_enter(jr, "trackingPeriod");
		cv_jr_int(jr, x, "running", 5, 86400, CV_JR_OPTIONAL, &v);
		cv_jr_int(jr, x, "shutdown", 60, 86400, CV_JR_OPTIONAL, &v);
		cv_jr_leave(jr);
	}
	if ((x = cv_jr_object(jr, o, "immobilization", NULL, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "immobilization");
		read_immo(jr, x, rm);
		cv_jr_leave(jr);
	}
}

/* GeoJSON Points, 1 to 10: [longitude, latitude(, altitude)] */
static void read_navigation(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "positions", "driverApproval", NULL };
	static const char *const pt_names[] = { "type", "coordinates", NULL };
	static const char *const point[] = { "Point" };
	static const double lo[] = { -180, -90, -500 }, hi[] = { 180, 90, 9000 };
	json_object *a, *c;
	size_t n, nc;
	double d;
	bool b;
	int k;

	(void)rm;
	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_bool(jr, o, "driverApproval", CV_JR_OPTIONAL, &b);
	a = cv_jr_array(jr, o, "positions", 1, 10, CV_JR_REQUIRED, &n);
	cv_jr_enter(jr, "positions");
	for (size_t i = 0; a && i < n && !jr->failed; i++) {
		json_object *p = json_object_array_get_idx(a, i);

		cv_jr_enter_item(jr, i);
		cv_jr_object(jr, p, NULL, pt_names, CV_JR_REQUIRED);
		cv_jr_enum(jr, p, "type", point, 1, CV_JR_REQUIRED, &k);
		c = cv_jr_array(jr, p, "coordinates", 2, 3, CV_JR_REQUIRED, &nc);
		cv_jr_enter(jr, "coordinates");
		for (size_t j = 0; c && j < nc; j++) {
			cv_jr_enter_item(jr, j);
			cv_jr_number(jr, json_object_array_get_idx(c, j), NULL, lo[j], hi[j], CV_JR_REQUIRED, &d);
			cv_jr_leave(jr);
		}
		cv_jr_leave(jr);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
}

/* airConditioning {immediate, programs: up to 4 in distinct slots} */
static void read_precond(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	static const char *const names[] = { "airConditioning", NULL };
	static const char *const ac_names[] = { "immediate", "programs", NULL };
	static const char *const pg_names[] = { "slot", "enabled", "actionsType", "recurrence", "start", "occurence", NULL };
	static const char *const actions[] = { "Set", "Delete" };
	json_object *ac, *a;
	unsigned slots = 0;
	size_t n;
	bool immediate = false, b;

	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	if (!(ac = cv_jr_object(jr, o, "airConditioning", ac_names, CV_JR_REQUIRED)))
		return;
	cv_jr_enter(jr, "airConditioning");
	cv_jr_bool(jr, ac, "immediate", CV_JR_OPTIONAL, &immediate);
	if (!cv_jr_has(ac, "immediate") && !cv_jr_has(ac, "programs"))
		cv_jr_fail(jr, NULL, "must hold at least one of immediate, programs");
	rm->energy_hungry = immediate;
	a = cv_jr_array(jr, ac, "programs", 1, 4, CV_JR_OPTIONAL, &n);
	cv_jr_enter(jr, "programs");
	for (size_t i = 0; a && i < n && !jr->failed; i++) {
		json_object *p = json_object_array_get_idx(a, i);
		int64_t slot = 0, ms;
		int act = 0, k;
		int set = CV_JR_REQUIRED;

		cv_jr_enter_item(jr, i);
		cv_jr_object(jr, p, NULL, pg_names, CV_JR_REQUIRED);
		if (cv_jr_int(jr, p, "slot", 1, 4, CV_JR_REQUIRED, &slot) && (slots & (1u << slot)))
			cv_jr_fail(jr, "slot", "slot %lld is used twice", (long long)slot);
		slots |= 1u << slot;
		/* a program deleted needs no more than its slot */
		if (cv_jr_enum(jr, p, "actionsType", actions, 2, CV_JR_OPTIONAL, &act) && act == 1)
			set = CV_JR_OPTIONAL;
		cv_jr_bool(jr, p, "enabled", set, &b);
		cv_jr_enum(jr, p, "recurrence", recurrences, 2, CV_JR_OPTIONAL, &k);
		cv_jr_duration(jr, p, "start", 0, 86399999, CLOCK_EXPECTED, set, &ms);
		read_occurence(jr, p, set);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
	cv_jr_leave(jr);
}

static void read_charging_program(struct cv_jread *jr, json_object *p, bool b2b, unsigned *slots)
{
	static const char *const pg_names[] = { "start", "occurence", "enabled", "end", "slot", "recurrence", NULL };
	static const char *const pg_names_b2c[] = { "start", "occurence", "enabled", "end", "recurrence", NULL };
	int64_t slot = 0, ms;
	bool b;
	int k;

	cv_jr_object(jr, p, NULL, b2b ? pg_names : pg_names_b2c, CV_JR_REQUIRED);
	if (cv_jr_int(jr, p, "slot", 1, 4, CV_JR_OPTIONAL, &slot) && (*slots & (1u << slot)))
		cv_jr_fail(jr, "slot", "slot %lld is used twice", (long long)slot);
	*slots |= slot ? 1u << slot : 0;
	cv_jr_bool(jr, p, "enabled", CV_JR_OPTIONAL, &b);
	cv_jr_enum(jr, p, "recurrence", recurrences, 2, CV_JR_OPTIONAL, &k);
	cv_jr_duration(jr, p, "start", 0, 86399999, CLOCK_EXPECTED, CV_JR_REQUIRED, &ms);
	cv_jr_duration(jr, p, "end", 0, 86399999, CLOCK_EXPECTED, CV_JR_OPTIONAL, &ms);
	read_occurence(jr, p, CV_JR_OPTIONAL);
}

/* charging: immediate, schedule {nextDelayedTime | programs}, or preferences alone */
static void read_charging(struct cv_jread *jr, json_object *o, struct cv_remote *rm, bool b2b)
{
	static const char *const names[] = { "nextDelayedTime", "schedule", "immediate", "preferences", NULL };
	static const char *const sc_names[] = { "nextDelayedTime", "programs", NULL };
	static const char *const pf_names[] = { "level", "type", NULL };
	static const char *const levels[] = { "Level1", "Level2", "Level3", "Level4", "Level5" };
	static const char *const types[] = { "Partial", "Full" };
	json_object *sc, *pf, *a;
	unsigned slots = 0;
	int64_t t;
	size_t n;
	bool immediate = false;
	int k;

	if (!cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED))
		return;
	cv_jr_bool(jr, o, "immediate", CV_JR_OPTIONAL, &immediate);
	cv_jr_time(jr, o, "nextDelayedTime", CV_JR_OPTIONAL, &t);
	if (json_object_object_length(o) == 0)
		cv_jr_fail(jr, NULL, "must hold one of immediate, schedule, nextDelayedTime or preferences");
	if (cv_jr_has(o, "preferences") && json_object_object_length(o) > 1)
		cv_jr_fail(jr, "preferences", "not with immediate, schedule or nextDelayedTime (a separate action)");
	if ((pf = cv_jr_object(jr, o, "preferences", pf_names, CV_JR_OPTIONAL)) != NULL) {
		if (json_object_object_length(pf) == 0)
			cv_jr_fail(jr, "preferences", "must hold at least one of level, type");
		cv_jr_enter(jr, "preferences");
		cv_jr_enum(jr, pf, "level", levels, 5, CV_JR_OPTIONAL, &k);
		cv_jr_enum(jr, pf, "type", types, 2, CV_JR_OPTIONAL, &k);
		cv_jr_leave(jr);
		return;
	}
	rm->energy_hungry = immediate;
	if (cv_jr_has(o, "schedule") && cv_jr_has(o, "nextDelayedTime"))
		cv_jr_fail(jr, "nextDelayedTime", "not with schedule (use schedule.nextDelayedTime)");
	if (!(sc = cv_jr_object(jr, o, "schedule", sc_names, CV_JR_OPTIONAL)))
		return;
	cv_jr_enter(jr, "schedule");
	cv_jr_time(jr, sc, "nextDelayedTime", CV_JR_OPTIONAL, &t);
	if (cv_jr_has(sc, "programs") == cv_jr_has(sc, "nextDelayedTime"))
		cv_jr_fail(jr, NULL, "must hold exactly one of nextDelayedTime, programs");
	a = cv_jr_array(jr, sc, "programs", 1, 4, CV_JR_OPTIONAL, &n);
	cv_jr_enter(jr, "programs");
	for (size_t i = 0; a && i < n && !jr->failed; i++) {
		cv_jr_enter_item(jr, i);
		read_charging_program(jr, json_object_array_get_idx(a, i), b2b, &slots);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
	cv_jr_leave(jr);
}

static void read_charging_b2c(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	read_charging(jr, o, rm, false);
}

static void read_charging_b2b(struct cv_jread *jr, json_object *o, struct cv_remote *rm)
{
	read_charging(jr, o, rm, true);
}

typedef void (*action_reader)(struct cv_jread *jr, json_object *o, struct cv_remote *rm);

enum cv_err cv_remote_parse(struct cv_jread *jr, json_object *o, bool b2b, const char *const *skip,
			    struct cv_remote *rm)
{
	const action_reader readers[CV_RT_COUNT] = {
		read_precond, b2b ? read_charging_b2b : read_charging_b2c, read_horn, read_door, read_lights,
		b2b ? read_immo : NULL, b2b ? read_stolen : NULL, read_wakeup, read_navigation,
	};
	json_object *action = NULL;
	const char *text, *label;
	int type = -1;

	memset(rm, 0, sizeof(*rm));
	if (!cv_jr_object(jr, o, NULL, NULL, CV_JR_REQUIRED))
		return CV_EINVAL;
	json_object_object_foreach(o, key, val) {
		int k = cv_name_index(key, cv_remote_type_members, CV_RT_COUNT);
		bool skipped = false;

		for (size_t i = 0; skip && skip[i]; i++)
			skipped |= !strcmp(key, skip[i]);
		if (skipped || !strcmp(key, "label"))
			continue;
		if (k < 0 || !readers[k]) {
			cv_jr_fail(jr, key, "unknown field%s", k >= 0 ? " (an action of the fleet face only)" : "");
			break;
		}
		if (action) {
			cv_jr_fail(jr, key, "one action per request (%s is given too)",
				   cv_remote_type_members[type]);
			break;
		}
		action = val;
		type = k;
	}
	if (cv_jr_string(jr, o, "label", CV_REMOTE_LABEL_MAX, CV_JR_OPTIONAL, &label))
		cv_strlcpy(rm->label, label, sizeof(rm->label));
	if (!action)
		cv_jr_fail(jr, NULL, "one action is required (%s)",
			   b2b ? "door, horn, lights, preconditioning, charging, wakeUp, navigation, immobilization or stolen"
			       : "door, horn, lights, preconditioning, charging, wakeUp or navigation");
	if (jr->failed)
		return CV_EINVAL;
	cv_jr_enter(jr, cv_remote_type_members[type]);
	readers[type](jr, action, rm);
	cv_jr_leave(jr);
	if (jr->failed)
		return CV_EINVAL;
	rm->type = (uint8_t)type;
	text = json_object_to_json_string_ext(action, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || strlen(text) > CV_REMOTE_ACTION_MAX)
		cv_jr_fail(jr, cv_remote_type_members[type], "must be at most %d bytes of JSON",
			   CV_REMOTE_ACTION_MAX);
	else
		cv_strlcpy(rm->action, text, sizeof(rm->action));
	return jr->failed ? CV_EINVAL : CV_OK;
}

/* ---- the state machine --------------------------------------------------- */

static void enter(struct cv_remote_state *m, struct cv_remote_state *out, int *n, uint8_t status, uint8_t cause,
		  uint8_t feedback)
{
	m->status = status;
	m->cause = status == CV_RS_FAILED ? cause : 0;
	m->feedback = status == CV_RS_SUCCESS || status == CV_RS_ALREADY ? feedback : 0;
	out[(*n)++] = *m;
}

int cv_remote_step(struct cv_remote_state *m, enum cv_remote_event ev, const struct cv_remote_in *in,
		   struct cv_remote_state *out)
{
	struct cv_remote_state s = *m;
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

/*
 * remotes.c - the remote actions of both faces, in cvapi-callbacks:
 *
 *   B2C  /user/vehicles/{id}/callbacks/{cbid}/remotes[/{rid}]
 *   B2B  /fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes[/{rid}]
 *
 * An action is posted for a vehicle of the account (403 for another's)
 * under one of its owner's callbacks (404 for another's) that serves
 * remote actions of that type and is not paused (409). On the user face,
 * the token must carry the action's scope (remote:door:write...: 403).
 * The body is read whole (cv_remotes_read, below) before anything is
 * stored; the answer is 202 with the action's id at once, and its progress
 * arrives as the callback's notifications, readable back with GET. The
 * POST takes an Idempotency-Key (keyed.h): a horn sent again after a
 * timeout sounds once.
 */
#include "config.h"
#include "remotes.h"
#include "actions.h"
#include "log.h"
#include "links.h"
#include "page.h"
#include "subscribe.h"
#include "keyed.h"
#include "settings.h"
#include "devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The scope each action needs on the user face (RemoteType order). */
static const int type_scope[CV_RT_COUNT] = {
	CV_SC_R_PRECOND, CV_SC_R_CHARGING, CV_SC_R_HORN, CV_SC_R_DOOR, CV_SC_R_LIGHTS,
	-1, -1, CV_SC_R_WAKEUP, CV_SC_R_NAVIGATION,
};

#define ANY_REMOTE_SCOPE                                                                            \
	(CV_SC_BIT(CV_SC_R_DOOR) | CV_SC_BIT(CV_SC_R_PRECOND) | CV_SC_BIT(CV_SC_R_HORN) |            \
	 CV_SC_BIT(CV_SC_R_CHARGING) | CV_SC_BIT(CV_SC_R_LIGHTS) | CV_SC_BIT(CV_SC_R_WAKEUP) |       \
	 CV_SC_BIT(CV_SC_R_NAVIGATION))

/* The path's vehicle and callback: 0 or the failure written. owner, cb and (B2C) r->veh are set. */
static int check_parents(struct cv_req *r, char *owner, size_t n, struct cv_callback *cb)
{
	const char *cbid = cv_req_id(r, "cbid");
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	if (!r->b2b && !(r->tok.scopes & ANY_REMOTE_SCOPE))
		return cv_fail(r, 403, CV_C_SCOPE, "remote actions need a remote:...:write scope (remote:door:write...)");
	cv_sub_owner(r, owner, n);
	e = cv_callback_get(r->store, NULL, owner, cbid, cb);
	if (e)
		return cv_fail_store(r, e, "no such callback");
	if (!(cb->types & CV_CBT_REMOTE))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "this callback does not serve remote actions (its type is Monitor only)");
	if (!r->b2b) {
		/* the user face's objects do not carry the VIN, but its notifications may ($vin) */
		e = cv_vehicle_get(r->store, NULL, r->vid, &r->veh);
		if (e)
			return cv_fail_store(r, e, "vehicle");
	}
	return 0;
}

/* The action's path on its face. */
static void action_path(const struct cv_req *r, const struct cv_action *a, char *p, size_t n)
{
	int len = snprintf(p, n, "%s/callbacks/%s/remotes/%s", r->vbase, a->cbid, a->id);

	if (len < 0 || (size_t)len >= n)
		p[0] = '\0';
}

static void links(struct cv_jw *w, struct cv_req *r, const struct cv_action *a, const char *self_name)
{
	char path[CV_PATH_MAX + 128];

	action_path(r, a, path, sizeof(path));
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	if (r->b2b)
		cv_render_link(w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	cv_render_link(w, r, "callback", r->b2b ? CV_B2B "/fleets/%s/remote/callbacks/%s" : "%s%s",
		       r->b2b ? r->fid : CV_B2C "/user/callbacks/", a->cbid);
	cv_render_link(w, r, self_name, "%s", path);
	cv_jw_end(w);
}

/* RemoteAction: the action as asked (Remote), where it stands (the schema's members only). */
static void render_action(struct cv_jw *w, struct cv_req *r, const struct cv_action *a)
{
	cv_jw_obj(w);
	links(w, r, a, "self");
	cv_jw_kstr(w, "remoteActionId", a->id);
	cv_jw_kstr(w, "type", cv_remote_type_names[a->rm.type]);
	cv_jw_kstr(w, "status", cv_remote_status_names[a->sm.status]);
	if (a->sm.cause)
		cv_jw_kstr(w, "failureCause", cv_remote_cause_names[a->sm.cause]);
	if (a->sm.feedback)
		cv_jw_kstr(w, "feedbackDetail", cv_remote_feedback_names[a->sm.feedback]);
	cv_jw_key(w, "remote");
	cv_jw_obj(w);
	if (a->rm.label[0])
		cv_jw_kstr(w, "label", a->rm.label);
	if (a->nattrs)
		cv_sub_render_attrs(w, "attributes", a->attrs, a->nattrs);
	if (a->ncbattrs) {
		cv_jw_key(w, "callbackAttributes");
		cv_jw_obj(w);
		cv_sub_render_attrs(w, "webhook", a->cbattrs, a->ncbattrs);
		cv_jw_end(w);
	}
	cv_jw_key(w, cv_remote_type_members[a->rm.type]);
	cv_jw_raw(w, a->rm.action, strlen(a->rm.action));
	cv_jw_end(w);
	cv_jw_end(w);
}

/* ---- the Remote body ------------------------------------------------------ */

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

void cv_remotes_read(struct cv_jread *jr, json_object *o, bool b2b, struct cv_action *a)
{
	/* the user face's members that add to the callback's attributes: read after the action */
	static const char *const b2c_more[] = { "attributes", "callbackAttributes", NULL };
	const char *const *skip = b2b ? NULL : b2c_more;
	struct cv_remote *rm = &a->rm;
	const action_reader readers[CV_RT_COUNT] = {
		read_precond, b2b ? read_charging_b2b : read_charging_b2c, read_horn, read_door, read_lights,
		b2b ? read_immo : NULL, b2b ? read_stolen : NULL, read_wakeup, read_navigation,
	};
	json_object *action = NULL;
	const char *text, *label;
	int type = -1;

	memset(rm, 0, sizeof(*rm));
	a->nattrs = 0;
	a->ncbattrs = 0;
	if (!cv_jr_object(jr, o, NULL, NULL, CV_JR_REQUIRED))
		return;
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
		return;
	cv_jr_enter(jr, cv_remote_type_members[type]);
	readers[type](jr, action, rm);
	cv_jr_leave(jr);
	if (jr->failed)
		return;
	rm->type = (uint8_t)type;
	text = json_object_to_json_string_ext(action, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || strlen(text) > CV_REMOTE_ACTION_MAX)
		cv_jr_fail(jr, cv_remote_type_members[type], "must be at most %d bytes of JSON",
			   CV_REMOTE_ACTION_MAX);
	else
		cv_strlcpy(rm->action, text, sizeof(rm->action));
	if (!b2b) {
		cv_sub_attributes(jr, o, "attributes", a->attrs, &a->nattrs);
		cv_sub_cbattrs(jr, o, "callbackAttributes", a->cbattrs, &a->ncbattrs);
	}
}


/* The Remote body into a: 0 or the 400 written. */
static int read_body(struct cv_req *r, struct cv_action *a)
{
	struct cv_jread jr;
	json_object *o = NULL;
	int st = cv_body_json(r, &o);

	if (st)
		return st;
	cv_jr_init(&jr, "");
	cv_remotes_read(&jr, o, r->b2b, a);
	json_object_put(o);
	return jr.failed ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
}

#define TIMEOUT_S 120
#define AWAKE_S 180
#define WAKEUPS 30                      /* an owner's, a month */
#define VEHICLE_WAKEUPS (2 * WAKEUPS)   /* the vehicle's cap, a month */

/* the defaults, until cv_remotes_setup() */
static struct cv_remote_cfg remote_cfg = { TIMEOUT_S * 1000, AWAKE_S * 1000, WAKEUPS, VEHICLE_WAKEUPS };

void cv_remotes_setup(const char *prog)
{
	remote_cfg.timeout_ms = cv_setting_int(prog, "CVAPI_REMOTE_TIMEOUT", 1, 86400, TIMEOUT_S) * 1000;
	remote_cfg.awake_ms = cv_setting_int(prog, "CVAPI_REMOTE_AWAKE", 0, 3600, AWAKE_S) * 1000;
	remote_cfg.wakeups = (int32_t)cv_setting_int(prog, "CVAPI_REMOTE_WAKEUPS", 0, 10000, WAKEUPS);
	remote_cfg.vehicle_wakeups = (int32_t)cv_setting_int(prog, "CVAPI_REMOTE_VEHICLE_WAKEUPS", 0, 20000,
							     VEHICLE_WAKEUPS);
}

/* Which allowance a wake-up refused went past, for the log: NULL when none. */
static const char *spent_reason(enum cv_vlink_spent s, const struct cv_remote_cfg *cfg, char *out, size_t n)
{
	if (s == CV_VLINK_SPENT_OWNER)
		snprintf(out, n, "the owner's %d wake-ups of this vehicle this month are spent (CVAPI_REMOTE_WAKEUPS)",
			 (int)cfg->wakeups);
	else if (s == CV_VLINK_SPENT_VEHICLE)
		snprintf(out, n, "the vehicle's cap of %d wake-ups this month, all owners together, is spent "
			 "(CVAPI_REMOTE_VEHICLE_WAKEUPS)", (int)cfg->vehicle_wakeups);
	return s == CV_VLINK_SPENT_NONE ? NULL : out;
}

struct create_arg {
	struct cv_action *a;
	struct cv_remote_cfg cfg;
	bool paused;
	enum cv_vlink_spent spent;
};

static enum cv_err create_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct create_arg *c = arg;
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	/* the callback read again in the transaction: a deletion or a pause
	 * that committed since the checks cannot be missed */
	enum cv_err e = cv_callback_get(st, txn, c->a->owner, c->a->cbid, cb);

	c->paused = !e && cb->status == CV_CB_PAUSED;
	free(cb);
	/* paused: nothing is made, and the transaction ends there (with a key, no answer is kept for it) */
	if (c->paused)
		return CV_EFORBIDDEN;
	return e ? e : cv_action_create(st, txn, c->a, &c->cfg, &c->spent);
}

/*
 * A vehicle that reports through a tracking device (devices.h) has no
 * other link: the types its device cannot carry out are refused here,
 * nothing written (0, or the 400 written).
 */
static int device_can(struct cv_req *r, enum cv_remote_type type)
{
	enum cv_device_kind kind;
	enum cv_err e = cv_device_of_vehicle(r->store, NULL, r->vid, &kind);

	if (e == CV_ENOTFOUND)
		return 0;
	if (e)
		return cv_fail_store(r, e, "vehicle");
	if (cv_device_remote_types(kind) & (1u << type))
		return 0;
	return cv_fail(r, 400, CV_C_BAD_FIELD, "this vehicle reports through a%s %s device, which cannot carry out %s actions%s",
		       kind == CV_DEV_OSMAND ? "n" : "", cv_device_kind_names[kind], cv_remote_type_names[type],
		       kind == CV_DEV_OSMAND ? " (a phone app takes no remote action)" : " (a tracker: Immobilization only)");
}

int cv_post_remote(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_action *a = cv_calloc(1, sizeof(*a));
	struct create_arg c = { .a = a };
	struct cv_jw w;
	enum cv_err e = CV_OK;
	int st = cv_keyed_start(r);

	if (!st)
		st = check_parents(r, owner, sizeof(owner), cb);
	if (!st)
		st = read_body(r, a);
	if (!st && !r->b2b && !(r->tok.scopes & CV_SC_BIT(type_scope[a->rm.type])))
		st = cv_fail(r, 403, CV_C_SCOPE, "this action (%s) needs the scope %s",
			     cv_remote_type_members[a->rm.type], cv_scope_names[type_scope[a->rm.type]]);
	if (!st && r->b2b && !(cb->remote_types & (1u << a->rm.type)))
		st = cv_fail(r, 400, CV_C_BAD_FIELD, "this callback does not serve %s actions (its remoteTypes)",
			     cv_remote_type_names[a->rm.type]);
	if (!st && cb->status == CV_CB_PAUSED)
		st = cv_fail(r, 409, CV_C_CONFLICT, "this callback is Paused: resume it (PUT .../status) to send actions");
	if (!st)
		st = device_can(r, a->rm.type);
	if (!st) {
		cv_action_id_new(r->now, a->id);
		cv_strlcpy(a->owner, owner, sizeof(a->owner));
		cv_strlcpy(a->cbid, cb->id, sizeof(a->cbid));
		cv_strlcpy(a->vid, r->vid, sizeof(a->vid));
		cv_strlcpy(a->vin, r->veh.vin, sizeof(a->vin));
		a->b2b = r->b2b;
		a->created = r->now;
		c.cfg = remote_cfg;
		/* the answer before the write, which keeps it with an Idempotency-Key (keyed.h) */
		r->status = 202;
		cv_jw_init(&w, &r->out);
		cv_jw_obj(&w);
		links(&w, r, a, "remote");
		cv_jw_kstr(&w, "remoteActionId", a->id);
		cv_jw_kstr(&w, "type", cv_remote_type_names[a->rm.type]);
		cv_jw_end(&w);
		st = w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
	}
	if (!st)
		st = cv_keyed_txn(r, create_txn, &c, &e);
	if (!st && c.paused)
		st = cv_fail(r, 409, CV_C_CONFLICT, "this callback is Paused: resume it (PUT .../status) to send actions");
	else if (!st && e)
		st = cv_fail_store(r, e, "no such callback");
	if (!st) {
		char why[160];

		/* an action refused at once says why: its cause, and for a wake-up which allowance */
		cv_audit(r, "remote-add", "owner", owner, "remote", a->id, "callback", a->cbid, "type",
			 cv_remote_type_names[a->rm.type], "status", cv_remote_status_names[a->sm.status],
			 "cause", a->sm.cause ? cv_remote_cause_names[a->sm.cause] : NULL,
			 "reason", spent_reason(c.spent, &c.cfg, why, sizeof(why)), NULL);
	}
	free(a);
	free(cb);
	return st;
}

int cv_get_remote(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_action *a = cv_calloc(1, sizeof(*a));
	struct cv_jw w;
	enum cv_err e;
	int st = check_parents(r, owner, sizeof(owner), cb);

	if (!st) {
		e = cv_action_get(r->store, NULL, owner, cb->id, r->vid, cv_req_id(r, "rid"), a);
		if (e)
			st = cv_fail_store(r, e, "no such remote action");
	}
	if (!st) {
		cv_jw_init(&w, &r->out);
		render_action(&w, r, a);
		st = w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
	}
	free(a);
	free(cb);
	return st;
}

struct list_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
};

static int list_one(const struct cv_action *a, void *arg)
{
	struct list_ctx *c = arg;

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	render_action(c->w, c->r, a);
	c->pg->count++;
	return 0;
}

int cv_get_remotes(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_page pg;
	struct cv_jw w;
	struct list_ctx c = { &w, r, &pg };
	size_t total;
	enum cv_err e;
	int st = check_parents(r, owner, sizeof(owner), cb);

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (!st) {
		cv_page_open(&w, r, "remoteActions");
		e = cv_action_list(r->store, owner, cb->id, r->vid, (size_t)pg.offset, (size_t)pg.limit + 1, &total,
				   list_one, &c);
		if (e)
			st = cv_fail_store(r, e, "remote actions");
		else
			st = cv_page_close_ranked(&w, r, &pg, (int64_t)total);
	}
	free(cb);
	return st;
}

/*
 * unit-remote.c - remote actions: the Remote body of both faces
 * (cgi/remotes.c's reader), the state machine of an action (core/remote),
 * and its life in a store in a fresh temporary folder (db/actions and
 * db/vlink, with the outbox and the upload path), without HTTP.
 *
 * What it holds to: every action of each face is read, and every wrong
 * member is refused naming it; an action goes Accepted, WakingUpVehicle
 * when the vehicle sleeps, CheckingVehicle, SentToVehicle and ends once,
 * each state notified once in order; a repeated acknowledgement or result
 * changes nothing, a contradicting one is refused; the same type twice at
 * once, a wake-up over the owner's allowance or the vehicle's cap of the
 * month, an energy-hungry action on an empty battery end at once with
 * their cause; a vehicle that never
 * answers times out; a deleted callback takes its actions.
 */
#include "remotes.h"
#include "ingest.h"
#include "purge.h"
#include "outbox.h"
#include "sweep.h"
#include "quotas.h"
#include "ids.h"
#include "tap.h"
#include "tmpstore.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define SEC 1000LL

/* ---- the body ------------------------------------------------------------ */

struct good {
	bool b2b;
	const char *json;
	enum cv_remote_type type;
	bool hungry;
};

static const struct good goods[] = {
	{ false, "{\"door\":{\"state\":\"Locked\"}}", CV_RT_DOORS, false },
	{ false, "{\"door\":{\"state\":\"Locked\"},\"attributes\":[{\"type\":\"Header\",\"key\":\"X-R\","
		 "\"value\":\"$remoteType\"}],\"callbackAttributes\":{\"webhook\":[{\"type\":\"Query\",\"key\":\"q\","
		 "\"value\":\"1\"}]}}", CV_RT_DOORS, false },
	{ false, "{\"label\":\"lock\",\"door\":{\"state\":\"Unlocked\",\"forced\":true}}", CV_RT_DOORS, false },
	{ false, "{\"horn\":{\"state\":\"Activated\"}}", CV_RT_HORN, false },
	{ false, "{\"lights\":{\"on\":true}}", CV_RT_LIGHTS, false },
	{ false, "{\"wakeUp\":{\"action\":\"WakeUp\"}}", CV_RT_WAKEUP, false },
	{ false, "{\"wakeUp\":{}}", CV_RT_WAKEUP, false },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"immediate\":true}}}", CV_RT_PRECOND, true },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1,\"enabled\":true,"
		 "\"recurrence\":\"Daily\",\"start\":\"PT7H30M\",\"occurence\":{\"day\":[\"Mon\",\"Fri\"]}},"
		 "{\"slot\":2,\"actionsType\":\"Delete\"}]}}}", CV_RT_PRECOND, false },
	{ false, "{\"charging\":{\"immediate\":true}}", CV_RT_CHARGING, true },
	{ false, "{\"charging\":{\"immediate\":false,\"schedule\":{\"nextDelayedTime\":\"2026-12-05T01:00:00Z\"}}}",
	  CV_RT_CHARGING, false },
	{ false, "{\"charging\":{\"nextDelayedTime\":\"2026-12-05T01:00:00Z\"}}", CV_RT_CHARGING, false },
	{ false, "{\"charging\":{\"schedule\":{\"programs\":[{\"start\":\"PT1H\",\"end\":\"PT6H\",\"enabled\":true,"
		 "\"occurence\":{\"day\":[\"Sat\"]}}]}}}", CV_RT_CHARGING, false },
	{ false, "{\"charging\":{\"preferences\":{\"level\":\"Level3\",\"type\":\"Full\"}}}", CV_RT_CHARGING, false },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[2.35,48.85]},"
		 "{\"type\":\"Point\",\"coordinates\":[2.29,48.86,35]}],\"driverApproval\":true}}", CV_RT_NAVIGATION, false },
	{ true, "{\"immobilization\":{\"activate\":true}}", CV_RT_IMMOBILIZATION, false },
	{ true, "{\"stolen\":{\"stolen\":true}}", CV_RT_STOLEN, false },
	{ true, "{\"stolen\":{\"trackingPeriod\":{\"running\":30,\"shutdown\":120}}}", CV_RT_STOLEN, false },
	{ true, "{\"stolen\":{\"immobilization\":{\"activate\":false}}}", CV_RT_STOLEN, false },
	{ true, "{\"charging\":{\"schedule\":{\"programs\":[{\"slot\":1,\"start\":\"PT1H\"},{\"slot\":2,\"start\":\"PT2H\"}]}}}",
	  CV_RT_CHARGING, false },
};

struct bad {
	bool b2b;
	const char *json, *says;
};

static const struct bad bads[] = {
	{ false, "[]", "the body" },
	{ false, "{}", "one action is required" },
	{ false, "{\"label\":\"x\"}", "one action is required" },
	{ false, "{\"door\":{\"state\":\"Locked\"},\"horn\":{\"state\":\"Activated\"}}", "one action per request" },
	{ false, "{\"dor\":{\"state\":\"Locked\"}}", "dor: unknown field" },
	{ false, "{\"immobilization\":{\"activate\":true}}", "fleet face only" },
	{ false, "{\"stolen\":{\"stolen\":true}}", "fleet face only" },
	{ false, "{\"label\":7,\"door\":{\"state\":\"Locked\"}}", "label" },
	{ false, "{\"door\":\"Locked\"}", "door: must be an object" },
	{ false, "{\"door\":{}}", "door.state: is required (one of Unlocked, Locked)" },
	{ false, "{\"door\":{\"state\":\"Open\"}}", "door.state: must be one of Unlocked, Locked" },
	{ false, "{\"door\":{\"state\":\"Locked\",\"forced\":\"yes\"}}", "door.forced" },
	{ false, "{\"door\":{\"state\":\"Locked\",\"speed\":1}}", "door.speed: unknown field" },
	{ false, "{\"horn\":{\"state\":\"Loud\"}}", "horn.state" },
	{ false, "{\"lights\":{}}", "lights.on: is required (true or false)" },
	{ false, "{\"lights\":{\"on\":1}}", "lights.on" },
	{ false, "{\"wakeUp\":{\"action\":\"Sleep\"}}", "wakeUp.action" },
	{ false, "{\"preconditioning\":{}}", "preconditioning.airConditioning: is required (an object)" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{}}}", "at least one of immediate, programs" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":5,\"enabled\":true,"
		 "\"start\":\"PT7H\",\"occurence\":{\"day\":[\"Mon\"]}}]}}}", "slot" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1,\"enabled\":true,"
		 "\"start\":\"PT25H\",\"occurence\":{\"day\":[\"Mon\"]}}]}}}", "start" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1,\"enabled\":true,"
		 "\"start\":\"PT7H\",\"occurence\":{\"day\":[\"Mon\",\"Mon\"]}}]}}}", "occurence.day[1]: Mon is given twice" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1,\"enabled\":true,"
		 "\"start\":\"PT7H\",\"occurence\":{\"day\":[\"Mon\"]}},{\"slot\":1,\"actionsType\":\"Delete\"}]}}}",
	  "used twice" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1}]}}}", "programs[0].enabled: is required (true or false)" },
	{ false, "{\"preconditioning\":{\"airConditioning\":{\"programs\":[{\"slot\":1,\"actionsType\":\"Move\"}]}}}",
	  "actionsType" },
	{ false, "{\"charging\":{}}", "charging: must hold one of" },
	{ false, "{\"charging\":{\"immediate\":true,\"preferences\":{\"level\":\"Level1\"}}}", "preferences: not with" },
	{ false, "{\"charging\":{\"preferences\":{\"level\":\"Level9\"}}}", "preferences.level" },
	{ false, "{\"charging\":{\"nextDelayedTime\":\"tomorrow\"}}", "charging.nextDelayedTime: must be an RFC 3339 time" },
	{ false, "{\"charging\":{\"schedule\":{}}}", "exactly one of nextDelayedTime, programs" },
	{ false, "{\"charging\":{\"schedule\":{\"programs\":[{\"slot\":1,\"start\":\"PT1H\"}]}}}", "slot: unknown field" },
	{ false, "{\"charging\":{\"schedule\":{\"programs\":[{\"end\":\"PT1H\"}]}}}", "programs[0].start: is required (a time of day" },
	{ false, "{\"navigation\":{}}", "navigation.positions: is required (an array of 1 to 10 items)" },
	{ false, "{\"navigation\":{\"positions\":[]}}", "navigation.positions: must be an array of 1 to 10 items" },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[200,48]}]}}", "coordinates[0]: must be a number from -180 to 180" },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[2,95]}]}}", "coordinates[1]: must be a number from -90 to 90" },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Line\",\"coordinates\":[2,45]}]}}", "positions[0].type: must be one of Point" },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[2]}]}}", "coordinates" },
	{ false, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[\"2\",45]}]}}", "a number" },
	{ true, "{\"immobilization\":{}}", "immobilization.activate: is required (true or false)" },
	{ true, "{\"stolen\":{\"stolen\":true,\"trackingPeriod\":{\"running\":30}}}", "exactly one of" },
	{ true, "{\"stolen\":{\"trackingPeriod\":{\"running\":2}}}", "running" },
	{ true, "{\"stolen\":{\"trackingPeriod\":{}}}", "at least one of running" },
	{ true, "{\"attributes\":[],\"door\":{\"state\":\"Locked\"}}", "attributes: unknown field" },
	{ false, "{\"door\":{\"state\":\"Locked\"},\"attributes\":[{\"type\":\"Header\",\"key\":\"X-R\"}]}",
	  "attributes[0].value: is required" },
	{ false, "{\"door\":{\"state\":\"Open\"},\"attributes\":7}", "door.state" },
};

static void test_parse(void)
{
	struct cv_action *a = calloc(1, sizeof(*a));
	struct cv_jread jr;

	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		json_object *o = json_tokener_parse(goods[i].json);

		cv_jr_init(&jr, "");
		cv_remotes_read(&jr, o, goods[i].b2b, a);
		if (!ok(!jr.failed, "good %zu: %s", i, goods[i].json))
			printf("# %s\n", jr.err);
		is_int(a->rm.type, goods[i].type, "good %zu is a %s", i, cv_remote_type_names[goods[i].type]);
		is_int(a->rm.energy_hungry, goods[i].hungry, "good %zu: energy-hungry %d", i, goods[i].hungry);
		json_object_put(o);
	}
	is_int(a->nattrs + a->ncbattrs, 0, "the last good has no attributes");
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		json_object *o = json_tokener_parse(bads[i].json);

		cv_jr_init(&jr, "");
		cv_remotes_read(&jr, o, bads[i].b2b, a);
		ok(jr.failed, "bad %zu refused: %s", i, bads[i].json);
		if (!ok(strstr(jr.err, bads[i].says) != NULL, "bad %zu says \"%s\"", i, bads[i].says))
			printf("# got: %s\n", jr.err);
		json_object_put(o);
	}
	{
		/* the action's text is compact JSON of the member; the user face's attributes are read too */
		json_object *o = json_tokener_parse(goods[1].json);

		cv_jr_init(&jr, "");
		cv_remotes_read(&jr, o, false, a);
		ok(!jr.failed, "a body with attributes");
		is_int(a->nattrs, 1, "its attribute");
		is_str(a->attrs[0].value, "$remoteType", "with its value");
		is_int(a->ncbattrs, 1, "and its callbackAttributes.webhook");
		json_object_put(o);
		o = json_tokener_parse("{ \"label\": \"L\", \"door\": { \"state\": \"Locked\" } }");
		cv_jr_init(&jr, "");
		cv_remotes_read(&jr, o, false, a);
		ok(!jr.failed, "spaced body");
		is_str(a->rm.action, "{\"state\":\"Locked\"}", "the action kept compact");
		is_str(a->rm.label, "L", "the label kept");
		json_object_put(o);
	}
	is_str(cv_remote_type_webhook_b2b(CV_RT_WAKEUP), "VehicleState", "B2B webhook: WakeUp is VehicleState");
	ok(cv_remote_type_webhook_b2b(CV_RT_NAVIGATION) == NULL, "B2B webhook: no Navigation");
	is_str(cv_remote_type_webhook_b2b(CV_RT_DOORS), "Doors", "B2B webhook: Doors");
	free(a);
}

/* ---- the state machine ------------------------------------------------------ */

static int steps(struct cv_remote_state *m, enum cv_remote_event ev, struct cv_remote_in in, const char *want)
{
	struct cv_remote_state out[CV_REMOTE_MAX_STEPS];
	char got[256] = "";
	int n = cv_remote_step(m, ev, &in, out);

	for (int i = 0; i < n; i++) {
		size_t l = strlen(got);

		snprintf(got + l, sizeof(got) - l, "%s%s%s%s", i ? " " : "", cv_remote_status_names[out[i].status],
			 out[i].cause ? ":" : "", cv_remote_cause_names[out[i].cause]);
	}
	if (n < 0)
		snprintf(got, sizeof(got), "refused");
	is_str(got, want, "steps: %s", want);
	return n;
}

static void test_sm(void)
{
	struct cv_remote_state m = { 0 };
	struct cv_remote_in none = { 0 };

	steps(&m, CV_RE_CREATE, (struct cv_remote_in){ .awake = true }, "Accepted CheckingVehicle");
	steps(&m, CV_RE_CHECK, none, "");
	steps(&m, CV_RE_ACK, none, "SentToVehicle");
	steps(&m, CV_RE_ACK, none, "");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, "Success");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, "");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED, .refuse = CV_RC_DOORS_OPEN }, "refused");
	is_int(m.status, CV_RS_SUCCESS, "a contradiction leaves it as it was");
	steps(&m, CV_RE_TIMEOUT, none, "");
	steps(&m, CV_RE_ACK, none, "");

	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, none, "Accepted WakingUpVehicle");
	steps(&m, CV_RE_CHECK, none, "refused");
	steps(&m, CV_RE_WOKEN, none, "CheckingVehicle");
	steps(&m, CV_RE_WOKEN, none, "");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED, .refuse = CV_RC_DOORS_OPEN },
	      "SentToVehicle Failed:DoorsOpen");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED, .refuse = CV_RC_DOORS_OPEN }, "");

	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, none, "Accepted WakingUpVehicle");
	steps(&m, CV_RE_ACK, none, "CheckingVehicle SentToVehicle");
	steps(&m, CV_RE_TIMEOUT, none, "Failed:VehicleConnectionTimeout");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, "refused");

	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, (struct cv_remote_in){ .navigation = true }, "CheckingVehicle");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED }, "SentToVehicle Failed:VehicleError");

	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, (struct cv_remote_in){ .awake = true, .refuse = CV_RC_SAME_IN_PROGRESS },
	      "Accepted Failed:SameActionInProgress");
	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, (struct cv_remote_in){ .awake = true }, "Accepted CheckingVehicle");
	steps(&m, CV_RE_CHECK, (struct cv_remote_in){ .refuse = CV_RC_BATTERY },
	      "Failed:NotPossibleDueToVehicleBatteryLevel");
	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_CREATE, (struct cv_remote_in){ .awake = true }, "Accepted CheckingVehicle");
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_ALREADY }, "SentToVehicle AlreadyDone");
	memset(&m, 0, sizeof(m));
	steps(&m, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_CHECKING }, "refused");
}

/* ---- in the store -------------------------------------------------------------- */

static struct cv_store st;
static struct cv_vehicle veh, ev;
static const struct cv_remote_cfg cfg = { .timeout_ms = 60 * SEC, .awake_ms = 180 * SEC, .wakeups = 3,
					  .vehicle_wakeups = 6 };

static void mk_vehicle(struct cv_vehicle *v, const char *vin, enum cv_energy energy)
{
	unsigned char id[16];

	memset(v, 0, sizeof(*v));
	cv_random(id, sizeof(id));
	cv_hex(id, sizeof(id), v->id);
	cv_strlcpy(v->vin, vin, sizeof(v->vin));
	cv_strlcpy(v->brand, "Peugeot", sizeof(v->brand));
	cv_strlcpy(v->owner, "ann", sizeof(v->owner));
	v->energy = energy;
}

static enum cv_err setup_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct cv_user u = { .login = "ann" };
	struct cv_callback cb = { .id = "0123456789abcdef0123456789abcdef", .owner = "u:ann",
				  .types = CV_CBT_REMOTE, .target = "http://127.0.0.1:9/hook" };
	enum cv_err e;

	(void)arg;
	e = cv_user_put(s, txn, &u, DB_NOOVERWRITE);
	if (!e)
		e = cv_vehicle_add(s, txn, &veh);
	if (!e)
		e = cv_vehicle_add(s, txn, &ev);
	if (!e)
		e = cv_callback_put(s, txn, &cb, 0);
	return e;
}

#define CBID "0123456789abcdef0123456789abcdef"

static int msg_n;

/* An upload from v at time now: heard from (sleeping: it says it goes to sleep); elec: a battery level in % (< 0: none). */
static enum cv_err upload(const struct cv_vehicle *v, int64_t now, bool sleeping, int elec)
{
	struct cv_sample s = { .at = now - SEC };
	char id[32];
	struct cv_ingest b;

	s.has = 1u << CV_G_ODO;
	s.odo_hm = 1000;
	if (elec >= 0) {
		s.has |= 1u << CV_G_ELEC | 1u << CV_G_CHARGE;
		s.elec_level = (uint16_t)(elec * 10);
		s.elec_autonomy = (uint16_t)elec * 3;
		s.plugged = 0;
	}
	snprintf(id, sizeof(id), "m%d", ++msg_n);
	b = (struct cv_ingest){ .vehicle = v->id, .msgid = id, .samples = &s, .n = 1, .now = now, .sleeping = sleeping };
	return cv_ingest_batch(&st, &b);
}

struct post_arg {
	struct cv_action *a;
	enum cv_vlink_spent spent;
};

static enum cv_vlink_spent last_spent;  /* which allowance the last post went past */

static enum cv_err post_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct post_arg *p = arg;

	return cv_action_create(s, txn, p->a, &cfg, &p->spent);
}

/* Post the Remote body json for v at time now, for callback cbid of ann; the action into a. */
static enum cv_err post_to(const struct cv_vehicle *v, const char *cbid, const char *json, int64_t now,
			   struct cv_action *a)
{
	json_object *o = json_tokener_parse(json);
	struct cv_jread jr;
	struct post_arg p = { a, CV_VLINK_SPENT_NONE };
	enum cv_err e;

	memset(a, 0, sizeof(*a));
	cv_jr_init(&jr, "");
	cv_remotes_read(&jr, o, false, a);
	json_object_put(o);
	if (jr.failed)
		return CV_EINVAL;
	cv_action_id_new(now, a->id);
	cv_strlcpy(a->owner, "u:ann", sizeof(a->owner));
	cv_strlcpy(a->cbid, cbid, sizeof(a->cbid));
	cv_strlcpy(a->vid, v->id, sizeof(a->vid));
	cv_strlcpy(a->vin, v->vin, sizeof(a->vin));
	a->created = now;
	e = cv_store_txn(&st, 0, post_txn, &p);
	last_spent = p.spent;
	return e;
}

static enum cv_err post(const struct cv_vehicle *v, const char *json, int64_t now, struct cv_action *a)
{
	return post_to(v, CBID, json, now, a);
}

/* The notes waiting, as "status[:cause]" joined by spaces, then dropped (the outbox emptied). */
struct heads {
	char text[1024];
	char last_body[1024];
	size_t n;
};

static int head_one(struct cv_note *n, void *arg)
{
	struct heads *h = arg;
	size_t l = strlen(h->text);
	json_object *o = json_tokener_parse(n->body), *es, *x;
	const char *status = "?", *cause = NULL;

	if (o && json_object_object_get_ex(o, "eventStatus", &es)) {
		if (json_object_object_get_ex(es, "status", &x))
			status = json_object_get_string(x);
		if (json_object_object_get_ex(es, "failureCause", &x))
			cause = json_object_get_string(x);
	}
	snprintf(h->text + l, sizeof(h->text) - l, "%s%s%s%s", h->n ? " " : "", status, cause ? ":" : "",
		 cause ? cause : "");
	cv_strlcpy(h->last_body, n->body, sizeof(h->last_body));
	h->n++;
	json_object_put(o);
	cv_note_clear(n);
	free(n);
	return CV_HEADS_NEXT;
}

static enum cv_err drop_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	size_t n = 0;

	(void)arg;
	return cv_outbox_drop(s, txn, "u:ann", CBID, SIZE_MAX, &n);
}

static void notes_are(const char *want, const char *what)
{
	struct heads h = { .n = 0 };

	cv_outbox_heads(&st, head_one, &h);
	is_str(h.text, want, "notified: %s (%s)", want, what);
	cv_store_txn(&st, 0, drop_txn, NULL);
}

struct pend {
	char ids[8][CV_ACTION_ID_LEN + 1];
	size_t n;
};

static int pend_one(const struct cv_action *a, void *arg)
{
	struct pend *p = arg;

	if (p->n < 8)
		cv_strlcpy(p->ids[p->n++], a->id, sizeof(p->ids[0]));
	return 0;
}

static int64_t poll_now;    /* the time the vehicle polls at (0: before any deadline) */

static size_t pending_n(const struct cv_vehicle *v)
{
	struct pend p = { .n = 0 };

	return cv_action_pending(&st, v->id, poll_now, pend_one, &p) ? 999 : p.n;
}

static int report(const struct cv_vehicle *v, const char *rid, enum cv_remote_event e, struct cv_remote_in in, int64_t now,
		  enum cv_err *err)
{
	struct cv_action a;
	int n = -1;

	*err = cv_action_report(&st, v->id, rid, e, &in, now, &a, &n);
	return n;
}

static int count_one(const struct cv_action *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static void test_store(void)
{
	struct cv_action a, b, c;
	struct cv_remote_in none = { 0 };
	int64_t now = T0;
	enum cv_err e;
	size_t n, total;
	int listed = 0;

	/* never heard from: asleep, woken */
	is_int(post(&veh, "{\"door\":{\"state\":\"Locked\"}}", now, &a), CV_OK, "lock a vehicle never heard from");
	is_str(cv_remote_status_names[a.sm.status], "WakingUpVehicle", "it is being woken");
	notes_are("Accepted WakingUpVehicle", "posted to a sleeping vehicle");
	is_int(pending_n(&veh), 1, "the vehicle's poll finds it");
	is_int(report(&veh, a.id, CV_RE_ACK, none, now + 3 * SEC, &e), 2, "acknowledged: two states");
	is_int(e, CV_OK, "the acknowledgement is stored");
	notes_are("CheckingVehicle SentToVehicle", "acknowledged");
	is_int(report(&veh, a.id, CV_RE_ACK, none, now + 4 * SEC, &e), 0, "a repeated acknowledgement: nothing");
	notes_are("", "nothing for a repeat");
	is_int(report(&veh, a.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, now + 5 * SEC, &e), 1,
	       "the result");
	notes_are("Success", "done");
	is_int(pending_n(&veh), 0, "nothing pending once done");
	is_int(report(&veh, a.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, now + 6 * SEC, &e), 0,
	       "the same result again: nothing");
	is_int(e, CV_OK, "and it is answered");
	report(&veh, a.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED, .refuse = CV_RC_DOORS_OPEN },
	       now + 6 * SEC, &e);
	is_int(e, CV_EEXIST, "another result is refused");
	notes_are("", "nothing for a contradiction");
	is_int(cv_action_get(&st, NULL, "u:ann", CBID, veh.id, a.id, &b), CV_OK, "read it back");
	is_str(cv_remote_status_names[b.sm.status], "Success", "read back: Success");
	is_str(b.rm.action, "{\"state\":\"Locked\"}", "read back: the action");
	is_int(cv_action_get(&st, NULL, "u:bob", CBID, veh.id, a.id, &b), CV_ENOTFOUND, "another owner: not found");
	is_int(cv_action_get(&st, NULL, "u:ann", CBID, ev.id, a.id, &b), CV_ENOTFOUND, "another vehicle: not found");
	report(&ev, a.id, CV_RE_ACK, none, now, &e);
	is_int(e, CV_ENOTFOUND, "another vehicle cannot report on it");

	/* awake after an upload */
	now += 60 * SEC;
	is_int(upload(&veh, now, false, -1), CV_OK, "the vehicle uploads");
	is_int(post(&veh, "{\"horn\":{\"state\":\"Activated\"}}", now + SEC, &a), CV_OK, "horn");
	notes_are("Accepted CheckingVehicle", "an awake vehicle needs no wake-up");
	is_int(post(&veh, "{\"horn\":{\"state\":\"Activated\"}}", now + 2 * SEC, &b), CV_OK, "horn again");
	notes_are("Accepted Failed:SameActionInProgress", "the same type twice at once");
	is_int(pending_n(&veh), 1, "the refused one is not pending");
	is_int(post(&veh, "{\"lights\":{\"on\":true}}", now + 2 * SEC, &c), CV_OK, "lights meanwhile");
	notes_are("Accepted CheckingVehicle", "another type goes ahead");
	is_int(pending_n(&veh), 2, "two pending");
	is_int(report(&veh, c.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_ALREADY }, now + 3 * SEC, &e), 2,
	       "a result without an acknowledgement");
	notes_are("SentToVehicle AlreadyDone", "the result implies the receipt");

	/* the horn never answered */
	is_int(cv_action_tick(&st, now + 30 * SEC, &n), CV_OK, "a turn of the timer before the deadline");
	is_int(n, 0, "nothing timed out yet");
	is_int(cv_action_tick(&st, a.deadline, &n), CV_OK, "a turn at the deadline");
	is_int(n, 1, "the horn timed out");
	notes_are("Failed:VehicleConnectionTimeout", "timed out");
	is_int(pending_n(&veh), 0, "nothing pending after the timeout");
	/* past its deadline before the timer's turn: not handed over any more */
	is_int(post(&veh, "{\"horn\":{\"state\":\"Activated\"}}", a.deadline + SEC, &b), CV_OK, "horn once more");
	notes_are("Accepted CheckingVehicle", "the horn is free again");
	poll_now = b.deadline;
	is_int(pending_n(&veh), 0, "past its deadline, the poll leaves it out");
	poll_now = 0;
	{
		struct cv_action late;
		int nsteps = -1;

		e = cv_action_report(&st, veh.id, b.id, CV_RE_ACK, &none, b.deadline + SEC, &late, &nsteps);
		is_int(e, CV_OK, "a late acknowledgement is answered");
		is_str(cv_remote_status_names[late.sm.status], "Failed", "with the timeout: not to be carried out");
		notes_are("Failed:VehicleConnectionTimeout", "timed out by the late acknowledgement");
		is_int(cv_action_tick(&st, b.deadline + 2 * SEC, &n), CV_OK, "the timer's turn after it");
		is_int(n, 0, "finds nothing more to do");
	}
	/* a failure without a cause, reported twice: the same answer */
	is_int(post(&veh, "{\"lights\":{\"on\":false}}", b.deadline + 3 * SEC, &c), CV_OK, "lights off");
	notes_are("Accepted CheckingVehicle", "lights off");
	is_int(report(&veh, c.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED }, b.deadline + 4 * SEC, &e), 2,
	       "failed, no cause");
	notes_are("SentToVehicle Failed:VehicleError", "VehicleError when no cause is given");
	is_int(report(&veh, c.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_FAILED }, b.deadline + 5 * SEC, &e), 0,
	       "the same again");
	is_int(e, CV_OK, "is a repeat, not a contradiction");
	report(&veh, a.id, CV_RE_RESULT, (struct cv_remote_in){ .outcome = CV_RS_SUCCESS }, a.deadline + SEC, &e);
	is_int(e, CV_EEXIST, "a late success is refused: the action failed");
	is_int(cv_action_tick(&st, a.deadline + 2 * 3600 * SEC, &n), CV_OK, "a turn an hour later");
	report(&veh, a.id, CV_RE_ACK, none, a.deadline + 2 * 3600 * SEC, &e);
	is_int(e, CV_ENOTFOUND, "an hour after, the vehicle's index forgets it");
	is_int(cv_action_get(&st, NULL, "u:ann", CBID, veh.id, a.id, &b), CV_OK, "the action stays readable");
	is_str(cv_remote_cause_names[b.sm.cause], "VehicleConnectionTimeout", "with its cause");

	/* it says it goes to sleep */
	now = a.deadline + 3 * 3600 * SEC;
	is_int(upload(&veh, now, true, -1), CV_OK, "an upload that says sleep");
	is_int(post(&veh, "{\"wakeUp\":{}}", now + SEC, &a), CV_OK, "wake up");
	notes_are("Accepted WakingUpVehicle", "a vehicle asleep is woken");
	is_int(post(&veh, "{\"navigation\":{\"positions\":[{\"type\":\"Point\",\"coordinates\":[2.3,48.8]}]}}", now + SEC,
		    &b), CV_OK, "navigation");
	notes_are("CheckingVehicle", "a navigation skips Accepted and the wake-up");
	/* the month's allowance: 3, two spent (the lock, the wake-up) */
	is_int(post(&veh, "{\"lights\":{\"on\":false}}", now + SEC, &c), CV_OK, "lights");
	notes_are("Accepted WakingUpVehicle", "the third wake-up of the month");
	is_int(post(&veh, "{\"door\":{\"state\":\"Unlocked\"}}", now + SEC, &c), CV_OK, "unlock");
	notes_are("Accepted Failed:TooManyWakeUpsOverMonth", "the fourth is refused");
	is_int(last_spent, CV_VLINK_SPENT_OWNER, "on the owner's allowance");

	/* an empty battery */
	is_int(upload(&ev, now, false, 5), CV_OK, "an electric vehicle at 5%%");
	is_int(post(&ev, "{\"preconditioning\":{\"airConditioning\":{\"immediate\":true}}}", now + SEC, &a), CV_OK,
	       "preconditioning now");
	notes_are("Accepted CheckingVehicle Failed:NotPossibleDueToVehicleBatteryLevel", "refused on the battery");
	is_int(post(&ev, "{\"door\":{\"state\":\"Locked\"}}", now + SEC, &a), CV_OK, "a lock needs no battery");
	notes_are("Accepted CheckingVehicle", "the lock goes ahead");

	is_int(cv_action_list(&st, "u:ann", CBID, veh.id, 1, 100, &total, count_one, &listed), CV_OK, "list");
	is_int(total, 10, "ten actions for the first vehicle");
	is_int(listed, 9, "from the second on: nine");
}

static enum cv_err del_cb_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	(void)arg;
	return cv_sweep_callback(s, txn, "u:ann", CBID, T0);
}

/* A second callback of ann, for remote actions: made, or deleted (arg non-NULL). */
static enum cv_err cb_other_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct cv_callback cb = { .id = "cb-other", .owner = "u:ann", .types = CV_CBT_REMOTE,
				  .target = "http://127.0.0.1:9/other" };

	return arg ? cv_sweep_callback(s, txn, "u:ann", "cb-other", T0) : cv_callback_put(s, txn, &cb, 0);
}

static void test_drop(void)
{
	struct cv_action a;
	size_t total = 1;
	int listed = 0;

	struct pend p = { .n = 0 };
	struct cv_remote_in none = { 0 };
	struct cv_action same;
	enum cv_err err;

	is_int(cv_action_pending(&st, ev.id, poll_now, pend_one, &p), CV_OK, "pending read");
	is_int(p.n, 1, "the lock is pending");
	is_int(cv_store_txn(&st, 0, del_cb_txn, NULL), CV_OK, "delete the callback");
	/* from the deletion on, before any sweep: out of the vehicle's sight */
	is_int(pending_n(&ev), 0, "its actions are no longer pending");
	report(&ev, p.ids[0], CV_RE_ACK, none, T0 + SEC, &err);
	is_int(err, CV_ENOTFOUND, "a report of one is unknown");
	is_int(cv_store_txn(&st, 0, cb_other_txn, NULL), CV_OK, "another callback");
	is_int(post_to(&ev, "cb-other", "{\"door\":{\"state\":\"Locked\"}}", T0 + 2 * SEC, &same), CV_OK,
	       "a lock of the same vehicle");
	ok(same.sm.cause != CV_RC_SAME_IN_PROGRESS, "the deleted callback's is not in its way (%s)",
	   cv_remote_status_names[same.sm.status]);
	{
		size_t n = 0;
		bool more = true;

		is_int(cv_sweep_step(&st, CV_SWEEP_BUDGET, &n, &more), CV_OK, "sweep what it left");
		ok(n >= 1 && !more, "its actions, queue and log swept in one step (%zu records)", n);
	}
	is_int(pending_n(&ev), same.sm.status == CV_RS_FAILED ? 0 : 1, "the other callback's lock is what is pending");
	is_int(cv_store_txn(&st, 0, cb_other_txn, &st), CV_OK, "the other callback deleted");
	{
		size_t n = 0;
		bool more = true;

		while (more && !cv_sweep_step(&st, CV_SWEEP_BUDGET, &n, &more))
			;
		is_int(pending_n(&ev), 0, "nothing pending");
	}
	is_int(cv_action_list(&st, "u:ann", CBID, veh.id, 0, 100, &total, count_one, &listed), CV_OK, "list");
	is_int(total, 0, "none listed");
	memset(&a, 0, sizeof(a));
	{
		size_t n;

		is_int(cv_action_tick(&st, T0 + 400 * 86400 * SEC, &n), CV_OK, "the timer");
		is_int(n, 0, "finds nothing to time out");
	}
}

static enum cv_err cb_again_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct cv_callback cb = { .id = CBID, .owner = "u:ann", .types = CV_CBT_REMOTE, .target = "http://127.0.0.1:9/hook" };

	(void)arg;
	return cv_callback_put(s, txn, &cb, 0);
}

/* Retention: a purge past the default period takes the actions posted before it. */
static void test_purge(void)
{
	struct cv_action a;
	struct cv_purge_stats ps;
	size_t total = 9;
	int listed = 0, steps = 0;
	enum cv_err e = CV_OK;

	is_int(cv_store_txn(&st, 0, cb_again_txn, NULL), CV_OK, "a callback again");
	is_int(post(&veh, "{\"wakeUp\":{}}", T0, &a), CV_OK, "an action");
	is_int(post(&veh, "{\"lights\":{\"on\":true}}", T0 + 70 * 86400 * SEC, &a), CV_OK, "another, 70 days later");
	for (int i = 0; i < 50 && !e; i++, steps++)
		e = cv_purge_step(&st, T0 + 61 * 86400 * SEC, 1000, &ps);
	is_int(e, CV_OK, "%d purge steps, 61 days on", steps);
	is_int(cv_action_list(&st, "u:ann", CBID, veh.id, 0, 100, &total, count_one, &listed), CV_OK, "list");
	is_int(total, 1, "the action older than the retention period is gone, the later one stays");
}

static enum cv_err poll_cb_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct cv_callback cb = { .id = CBID, .owner = "u:ann", .types = CV_CBT_REMOTE, .target = "" };

	(void)arg;
	return cv_callback_put(s, txn, &cb, 0);
}

static enum cv_err quota_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	return cv_limits_put(s, txn, "u:ann", arg);
}

struct last_dl {
	struct cv_delivery d;
	size_t n;
};

static int last_dl_one(const struct cv_delivery *d, void *arg)
{
	struct last_dl *l = arg;

	if (!l->n++)
		l->d = *d;
	return 0;
}

/*
 * A callback's queue at the owner's quota: an action's progress is not
 * queued, the action goes on, and the delivery log says why.
 */
static void test_queue_quota(void)
{
	int64_t set[CV_Q_COUNT];
	struct cv_action a;
	struct last_dl l = { .n = 0 };
	size_t total = 0;

	cv_store_txn(&st, 0, drop_txn, NULL);
	for (size_t i = 0; i < CV_Q_COUNT; i++)
		set[i] = -1;
	set[CV_Q_QUEUE] = 0;
	is_int(cv_store_txn(&st, 0, quota_txn, set), CV_OK, "ann's queue quota set to 0");
	is_int(post(&veh, "{\"horn\":{\"state\":\"Activated\"}}", T0 + 71 * 86400 * SEC, &a), CV_OK,
	       "an action posted all the same");
	is_int(cv_deliveries_of(&st, "u:ann", CBID, 0, 1, &total, last_dl_one, &l), CV_OK, "the delivery log");
	is_str(l.n ? cv_dl_outcome_names[l.d.outcome] : "", "Dropped", "its newest entry: dropped");
	is_str(l.n ? l.d.error : "", "the callback's queue holds 0 notifications, its quota (queuedNotifications): not queued",
	       "saying why");
	ok(l.n && l.d.events >= 2, "counting the action's steps (%u)", l.n ? l.d.events : 0);
	notes_are("", "nothing queued");
	for (size_t i = 0; i < CV_Q_COUNT; i++)
		set[i] = -1;
	is_int(cv_store_txn(&st, 0, quota_txn, set), CV_OK, "the default again");
}

/* A poll callback (no target): its actions go through their states, and nothing is queued for delivery. */
static void test_poll(void)
{
	struct cv_action a, got;
	size_t n = 0;
	int64_t t = T0 + 90 * 86400 * SEC;

	is_int(cv_action_tick(&st, t, &n), CV_OK, "the earlier tests' actions timed out first");
	is_int(cv_store_txn(&st, 0, poll_cb_txn, NULL), CV_OK, "the callback made a poll callback");
	cv_store_txn(&st, 0, drop_txn, NULL);
	is_int(post(&ev, "{\"horn\":{\"state\":\"Activated\"}}", t, &a), CV_OK, "an action under it");
	ok(!CV_RS_FINAL(a.sm.status), "under way (%s)", cv_remote_status_names[a.sm.status]);
	notes_are("", "nothing for a poll callback");
	is_int(cv_action_tick(&st, a.deadline + SEC, &n), CV_OK, "the timer");
	is_int(n, 1, "times it out");
	notes_are("", "nor for its timeout");
	is_int(cv_action_get(&st, NULL, "u:ann", CBID, ev.id, a.id, &got), CV_OK, "read back");
	is_str(cv_remote_status_names[got.sm.status], "Failed", "failed, as the client reads it");
}

struct wake_arg {
	const unsigned char *vid;
	const char *owner;
	int64_t now;
	enum cv_vlink_spent spent;
	bool sleeping;
	int touch;              /* 1: touch the link instead, 0: spend a wake-up */
};

static enum cv_err wake_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct wake_arg *w = arg;

	if (w->touch)
		return cv_vlink_touch(s, txn, w->vid, w->now, w->sleeping);
	/* an owner has 2 a month, the vehicle 3 */
	return cv_vlink_wake(s, txn, w->vid, w->owner, w->now, 2, 3, &w->spent);
}

/* Spend a wake-up of vid for owner at now: which allowance it went past (-1: the call failed). */
static int wake(const unsigned char *vid, const char *owner, int64_t now)
{
	struct wake_arg w = { vid, owner, now, CV_VLINK_SPENT_NONE, false, 0 };

	return cv_store_txn(&st, 0, wake_txn, &w) ? -1 : (int)w.spent;
}

/* The link's state: awake or not; each owner's wake-ups of the month and the vehicle's cap over them all. */
static void test_vlink(void)
{
	unsigned char vid[16] = { 0xee, 0x01 };
	struct cv_vlink l = { 0 };
	struct wake_arg touch = { vid, NULL, T0, CV_VLINK_SPENT_NONE, false, 1 };
	const int64_t june = 1717200000000LL;  /* 2024-06-01T00:00:00Z */

	ok(!cv_vlink_awake(&l, T0, 180 * SEC), "never heard from: asleep");
	l.last = T0;
	ok(cv_vlink_awake(&l, T0 + 179 * SEC, 180 * SEC), "heard from 179 s before: awake");
	ok(!cv_vlink_awake(&l, T0 + 180 * SEC, 180 * SEC), "180 s before: asleep");
	l.sleeping = true;
	ok(!cv_vlink_awake(&l, T0 + SEC, 180 * SEC), "said it goes to sleep: asleep");

	is_int(wake(vid, "u:ann", T0), CV_VLINK_SPENT_NONE, "the user's first wake-up");
	is_int(wake(vid, "u:ann", T0 + SEC), CV_VLINK_SPENT_NONE, "its second");
	is_int(wake(vid, "u:ann", T0 + 2 * SEC), CV_VLINK_SPENT_OWNER, "a third: past the user's allowance");
	is_int(cv_store_txn(&st, 0, wake_txn, &touch), CV_OK, "the vehicle uploads meanwhile");
	is_int(cv_vlink_get(&st, NULL, vid, &l), CV_OK, "its link read");
	ok(l.last == T0 && !l.sleeping, "heard from, awake");
	is_int(wake(vid, "f:fleet", T0 + 3 * SEC), CV_VLINK_SPENT_NONE, "a fleet manager's first: the vehicle's third");
	is_int(wake(vid, "f:fleet", T0 + 4 * SEC), CV_VLINK_SPENT_VEHICLE, "its second: past the vehicle's cap");
	is_int(wake(vid, "f:other", T0 + 5 * SEC), CV_VLINK_SPENT_VEHICLE, "another's first too");
	is_int(wake(vid, "u:ann", T0 + 6 * SEC), CV_VLINK_SPENT_OWNER, "the user's own comes first");
	is_int(wake(vid, "f:fleet", june), CV_VLINK_SPENT_NONE, "the next month: the fleet manager's first");
	is_int(wake(vid, "u:ann", june + SEC), CV_VLINK_SPENT_NONE, "the user's first");
	is_int(wake(vid, "u:ann", june + 2 * SEC), CV_VLINK_SPENT_NONE, "its second");
	is_int(wake(vid, "f:other", june + 3 * SEC), CV_VLINK_SPENT_VEHICLE, "the cap again, all owners together");
	is_int(wake(vid, "", june), -1, "no owner: refused");
}

int main(void)
{
	char dir[] = "/tmp/cvapi-unit-remote-XXXXXX";

	test_parse();
	test_sm();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!ok(cv_store_open(&st, dir, CV_STORE_CREATE) == CV_OK, "open a new store in %s", dir)) {
		rm_store(dir);
		return tap_done();
	}
	mk_vehicle(&veh, "VR3REMOTE00000001", CV_ENERGY_PETROL);
	mk_vehicle(&ev, "VR3REMOTE00000002", CV_ENERGY_ELECTRIC);
	is_int(cv_store_txn(&st, 0, setup_txn, NULL), CV_OK, "a user, two vehicles, a callback");
	test_store();
	test_vlink();
	test_drop();
	test_purge();
	test_queue_quota();
	test_poll();
	cv_store_close(&st);
	rm_store(dir);
	return tap_done();
}

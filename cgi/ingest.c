/*
 * ingest.c - cvapi-ingest: the vehicle link, and the health check.
 *
 *   POST /telematics/v1/vehicles/{vin}/messages
 *        Authorization: Bearer <the vehicle's upload credential>
 *        {"messageId": "...", "samples": [ {...}, ... ], "sleep": false}
 *   GET  /telematics/v1/vehicles/{vin}/commands
 *   POST /telematics/v1/vehicles/{vin}/commands/{rid}/ack
 *   POST /telematics/v1/vehicles/{vin}/commands/{rid}/result
 *        {"status": "Success" | "AlreadyDone" | "Failed", "failureCause": "...", "feedbackDetail": "..."}
 *   GET  /healthz
 *   GET|POST /osmand?id=...&lat=...   (or a form body, or a JSON body)
 *   GET|POST /                         the same, on a port of its own (etc/lighttpd-osmand.conf.in, apache2-osmand.conf.in)
 *
 * A batch is validated whole before anything is written, then stored in one
 * transaction: the message id (a retried batch is acknowledged again and
 * not stored twice), every sample in the history, the vehicle's trips
 * (db/trips.h), the status snapshot with its response fragments. 200 means
 * committed with the log flushed. The reply lists the remote actions
 * waiting for the vehicle, as the commands poll does.
 *
 * The commands poll reads the vehicle's waiting actions and writes
 * nothing. Acknowledging an action (received: SentToVehicle) and
 * reporting its result are each one transaction with the events they
 * raise (db/actions.h); a repeat is answered the same and changes nothing.
 * The format is in doc/vehicle-link.md.
 *
 * /osmand takes a fix of a tracking device in the OsmAnd protocol
 * (Traccar Client; core/osmand.h reads it, doc/devices.md): the device
 * is found by its id in the registry (db/devices.h), the fix becomes one
 * sample of its vehicle and is stored exactly as an upload's (db/ingest.h,
 * with the ignition its movement shows when it reports none), under the
 * message id "osmand:<fix time in ms>": a fix sent again (the app retries
 * whatever it did not see answered) is acknowledged and not stored twice.
 * 200 with an empty body once committed; 400 for a missing id or a bad
 * field; an unknown device 404 in JSON mode (the app's expectation), 400
 * otherwise. The mode is the Content-Type's: application/json, or the
 * query string, or an application/x-www-form-urlencoded body.
 */
#include "req.h"
#include "reqint.h"
#include "ingest.h"
#include "actions.h"
#include "cvtime.h"
#include "devices.h"
#include "osmand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (4u * 1024 * 1024)

static int by_time(const void *a, const void *b)
{
	const struct cv_sample *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

struct cmd_ctx {
	struct cv_jw *w;
};

static int command_one(const struct cv_action *a, void *arg)
{
	struct cmd_ctx *c = arg;

	cv_jw_obj(c->w);
	cv_jw_kstr(c->w, "remoteActionId", a->id);
	cv_jw_kstr(c->w, "type", cv_remote_type_names[a->rm.type]);
	cv_jw_key(c->w, cv_remote_type_members[a->rm.type]);
	cv_jw_raw(c->w, a->rm.action, strlen(a->rm.action));
	cv_jw_kstr(c->w, "status", cv_remote_status_names[a->sm.status]);
	cv_jw_ktime(c->w, "issuedAt", a->created);
	cv_jw_ktime(c->w, "expiresAt", a->deadline);
	cv_jw_end(c->w);
	return 0;
}

/* "commands": the remote actions waiting for the vehicle, in the order posted (read only). */
static enum cv_err write_commands(struct cv_jw *w, struct cv_req *r)
{
	struct cmd_ctx c = { w };
	enum cv_err e;

	cv_jw_key(w, "commands");
	cv_jw_arr(w);
	e = cv_action_pending(r->store, r->veh.id, r->now, command_one, &c);
	cv_jw_end(w);
	return e;
}

/* The batch's samples, read whole before the store is touched: jr tells the first thing wrong. */
static struct cv_sample *read_batch(struct cv_req *r, struct cv_jread *jr, json_object *body, const char **msgid,
				    bool *sleeping, size_t *n)
{
	static const char *const keys[] = { "messageId", "samples", "sleep", NULL };
	json_object *samples;
	struct cv_sample *s;

	cv_jr_init(jr, "");
	cv_jr_object(jr, body, NULL, keys, CV_JR_REQUIRED);
	if (cv_jr_string(jr, body, "messageId", CV_MSGID_MAX, CV_JR_REQUIRED, msgid) &&
	    !cv_chars_ok(*msgid, CV_MSGID_MAX, "._-:"))
		cv_jr_fail(jr, "messageId", "must be 1 to %d characters among A-Z a-z 0-9 . _ - :", CV_MSGID_MAX);
	*sleeping = false;
	cv_jr_bool(jr, body, "sleep", CV_JR_OPTIONAL, sleeping);
	samples = cv_jr_array(jr, body, "samples", 1, CV_MAX_SAMPLES, CV_JR_REQUIRED, n);
	if (!samples)
		return NULL;
	s = cv_calloc(*n, sizeof(*s));
	cv_jr_enter(jr, "samples");
	for (size_t i = 0; i < *n && !jr->failed; i++) {
		cv_jr_enter_item(jr, i);
		cv_sample_parse(jr, json_object_array_get_idx(samples, i), r->now, &s[i]);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
	if (jr->failed) {
		free(s);
		return NULL;
	}
	return s;
}

static int post_messages(struct cv_req *r)
{
	json_object *body;
	struct cv_sample *s;
	struct cv_jread jr;
	const char *msgid = NULL;
	size_t n;
	bool dup, sleeping;
	struct cv_ingest batch;
	enum cv_err e;
	struct cv_jw w;
	int st = cv_body_json(r, &body);

	if (st)
		return st;
	s = read_batch(r, &jr, body, &msgid, &sleeping, &n);
	if (!s) {
		json_object_put(body);
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err);
	}
	qsort(s, n, sizeof(*s), by_time);
	batch = (struct cv_ingest){ .vehicle = r->veh.id, .msgid = msgid, .samples = s, .n = n, .now = r->now,
				 .sleeping = sleeping };
	e = cv_ingest_batch(r->store, &batch);
	dup = batch.duplicate;
	free(s);
	if (e) {
		json_object_put(body);
		return cv_fail_store(r, e, "batch");
	}
	r->ctype = "application/json";
	/* the batch is committed: whatever happens to the commands, the answer is 200 */
	for (int pass = 0; pass < 2; pass++) {
		cv_buf_reset(&r->out);
		cv_jw_init(&w, &r->out);
		cv_jw_obj(&w);
		cv_jw_kstr(&w, "messageId", msgid);
		cv_jw_kint(&w, "accepted", dup ? 0 : (int64_t)n);
		cv_jw_kbool(&w, "duplicate", dup);
		cv_jw_ktime(&w, "committedAt", r->now);
		if (pass == 0) {
			e = write_commands(&w, r);
			if (e) {
				fprintf(stderr, "cvapi-ingest: %s: the commands for the reply: %s\n", r->veh.vin, cv_strerror(e));
				continue;     /* again, with none: the poll will find them */
			}
		} else {
			cv_jw_key(&w, "commands");
			cv_jw_arr(&w);
			cv_jw_end(&w);
		}
		break;
	}
	cv_jw_end(&w);
	json_object_put(body);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static int get_commands(struct cv_req *r)
{
	struct cv_jw w;
	enum cv_err e;

	r->ctype = "application/json";
	cv_header(r, "Cache-Control", "no-store");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	e = write_commands(&w, r);
	cv_jw_end(&w);
	if (e)
		return cv_fail_store(r, e, "commands");
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

/* The answer to a report: where the action stands, and whether the vehicle may carry it out. */
static int answer_report(struct cv_req *r, const struct cv_action *a, int steps)
{
	struct cv_jw w;

	r->ctype = "application/json";
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "remoteActionId", a->id);
	cv_jw_kstr(&w, "status", cv_remote_status_names[a->sm.status]);
	if (a->sm.cause)
		cv_jw_kstr(&w, "failureCause", cv_remote_cause_names[a->sm.cause]);
	cv_jw_kbool(&w, "execute", a->sm.status == CV_RS_SENT);
	cv_jw_kbool(&w, "repeat", steps == 0);
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static int report(struct cv_req *r, enum cv_remote_event ev, const struct cv_remote_in *in)
{
	struct cv_action *a = cv_calloc(1, sizeof(*a));
	const char *rid = cv_req_id(r, "rid");
	int steps = 0, st;
	enum cv_err e;

	e = cv_action_report(r->store, r->veh.id, rid, ev, in, r->now, a, &steps);
	if (e == CV_EEXIST)
		st = cv_fail(r, 409, CV_C_CONFLICT, "this action ended %s%s%s: another result cannot replace it",
			     cv_remote_status_names[a->sm.status], a->sm.cause ? " " : "",
			     cv_remote_cause_names[a->sm.cause]);
	else if (e)
		st = cv_fail_store(r, e, "no such command for this vehicle");
	else
		st = answer_report(r, a, steps);
	free(a);
	return st;
}

static int post_ack(struct cv_req *r)
{
	static const struct cv_remote_in none = { 0 };

	return report(r, CV_RE_ACK, &none);
}

static int post_result(struct cv_req *r)
{
	static const char *const keys[] = { "status", "failureCause", "feedbackDetail", NULL };
	static const char *const outcomes[] = { "Success", "AlreadyDone", "Failed" };
	static const uint8_t outcome_status[] = { CV_RS_SUCCESS, CV_RS_ALREADY, CV_RS_FAILED };
	struct cv_remote_in in = { 0 };
	struct cv_jread jr;
	json_object *o = NULL;
	int k, st = cv_body_json(r, &o);

	if (st)
		return st;
	cv_jr_init(&jr, "");
	cv_jr_object(&jr, o, NULL, keys, CV_JR_REQUIRED);
	if (cv_jr_enum(&jr, o, "status", outcomes, 3, CV_JR_REQUIRED, &k))
		in.outcome = outcome_status[k];
	if (cv_jr_has(o, "failureCause") && in.outcome != CV_RS_FAILED)
		cv_jr_fail(&jr, "failureCause", "only with status Failed");
	else if (cv_jr_enum(&jr, o, "failureCause", cv_remote_cause_names + 1, CV_RC_COUNT - 1, CV_JR_OPTIONAL,
			    &k))
		in.refuse = (uint8_t)(k + 1);
	if (cv_jr_has(o, "feedbackDetail") && in.outcome == CV_RS_FAILED)
		cv_jr_fail(&jr, "feedbackDetail", "not with status Failed");
	else if (cv_jr_enum(&jr, o, "feedbackDetail", cv_remote_feedback_names + 1, 2, CV_JR_OPTIONAL, &k))
		in.feedback = (uint8_t)(k + 1);
	json_object_put(o);
	if (jr.failed)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err);
	return report(r, CV_RE_RESULT, &in);
}

/*
 * /healthz proves the store writable with a small unsynced transaction, at
 * most once a second per process: in between, the last success answers
 * (checkedAt says when), so that anyone who can reach the port cannot turn
 * it into a stream of writes. The one piece of state this program keeps
 * between requests; a process that restarts checks again at once. Under
 * the disk's reserve (store.h) it writes nothing and says "read-only":
 * still 200, as reads are served.
 */
static int64_t healthz_checked;

/* The write that proves the store writable (cv_txn_fn). */
static enum cv_err healthz_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	static const char key[] = "healthz";
	unsigned char val[8];

	cv_be64_put(val, (uint64_t)*(const int64_t *)arg);
	return cv_store_put(st, CV_DB_META, txn, key, sizeof(key) - 1, val, sizeof(val), 0);
}

static int get_healthz(struct cv_req *r)
{
	struct cv_jw w;
	enum cv_err e = CV_OK;
	struct cv_repl_view v;
	enum cv_role role = cv_store_role(r->store, &v);
	bool low = cv_store_low(r->store);
	/* a replica (or a site with no master known) takes no writes: a read proves what it serves */
	bool replica = role >= CV_ROLE_REPLICA;
	const char *why = NULL;

	if (replica && !v.synced)
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "this site has not caught up with its replication group yet");
	if (low || replica) {
		/* under the reserve: a read proves the store answers (a panicked one does not) */
		struct cv_buf b = CV_BUF_INIT(0);

		e = cv_store_get(r->store, CV_DB_META, NULL, "healthz", 7, &b);
		cv_buf_release(&b);
		/* stale handles (a replica resynchronized): this answer, then a restart that opens them again */
		if (e == CV_ESTALE)
			cv_req_stale = true;
		if (e && e != CV_ENOTFOUND)
			return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store does not answer: %s", cv_strerror(e));
		goto answer;
	}
	if (healthz_checked && r->now >= healthz_checked && r->now - healthz_checked < 1000)
		goto answer;
	e = cv_store_txn(r->store, DB_TXN_NOSYNC, healthz_txn, &r->now);
	if (e) {
		if (e == CV_ESTALE)
			cv_req_stale = true;
		healthz_checked = 0;
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is not writable: %s", cv_strerror(e));
	}
	healthz_checked = r->now;
answer:
	r->ctype = "application/json";
	cv_header(r, "Cache-Control", "no-store");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "status", "ok");
	cv_jw_kstr(&w, "role", role == CV_ROLE_SINGLE ? "single" : role == CV_ROLE_MASTER ? "master" : "replica");
	/* under the disk's reserve: reads are served, writes refused (507) */
	if (role == CV_ROLE_REPLICA)
		why = "a replica: changes are made at the master";
	else if (role == CV_ROLE_UNKNOWN)
		why = "no master is known now: an election may be under way";
	else if (low)
		why = "the disk is nearly full: writes are refused until space is freed";
	cv_jw_kstr(&w, "store", why ? "read-only" : "writable");
	if (why)
		cv_jw_kstr(&w, "reason", why);
	if (role != CV_ROLE_SINGLE) {
		char lsn[48];

		if (v.url[0])
			cv_jw_kstr(&w, "master", v.url);
		snprintf(lsn, sizeof(lsn), "%llu/%llu", (unsigned long long)(v.lsn >> 32),
			 (unsigned long long)(v.lsn & 0xffffffffu));
		cv_jw_kstr(&w, "logPosition", lsn);
	}
	cv_jw_ktime(&w, "time", r->now);
	if (healthz_checked)
		cv_jw_ktime(&w, "checkedAt", healthz_checked);
	cv_jw_end(&w);
	return 0;
}

/* ---- /osmand ---------------------------------------------------------------- */

/* A fix's largest body: a JSON location (about 1 KB) with room for extras, or a form. */
#define OSMAND_MAX_BODY 16384

/* Is the request's Content-Type application/json (parameters allowed)? */
static bool body_is_json(const struct cv_req *r)
{
	const char *ct = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);

	return ct && !strncasecmp(ct, "application/json", 16) && (!ct[16] || ct[16] == ';' || ct[16] == ' ');
}

/* Read the fix of r, in the mode its Content-Type says: 0, or the failure's status (written). */
static int osmand_read(struct cv_req *r, struct cv_osm_fix *f)
{
	struct cv_osm_pair p[CV_MAX_PARAMS];
	char *(*pairs)[2] = r->params;
	size_t n = r->nparams;
	struct cv_jread jr;
	enum cv_err e;
	int st;

	if (body_is_json(r)) {
		json_object *body;

		/* the fields are the body's: a query string holds nothing of the fix in JSON mode */
		st = cv_body_json(r, &body);
		if (st)
			return st;
		e = cv_osm_json(body, r->now, f, &jr);
		json_object_put(body);
		return e ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
	}
	if (r->body.len) {
		if (r->nparams)
			return cv_fail(r, 400, CV_C_BAD_PARAM, "the fields are in the query string or in the body, not both");
		st = cv_body_pairs(r);
		if (st)
			return st == 415 ? cv_fail(r, 415, CV_C_MEDIA, "the body must be a form "
						    "(application/x-www-form-urlencoded) or application/json") : st;
		pairs = r->form;
		n = r->nform;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (struct cv_osm_pair){ pairs[i][0], pairs[i][1] };
	e = cv_osm_query(p, n, r->now, f, &jr);
	return e ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
}

static int osmand(struct cv_req *r)
{
	struct cv_osm_fix *f = cv_calloc(1, sizeof(*f));
	struct cv_sample *s = cv_calloc(1, sizeof(*s));
	char msgid[32];
	struct cv_ingest batch;
	enum cv_err e;
	int st = osmand_read(r, f);

	if (!st)
		st = cv_auth_device(r, CV_DEV_OSMAND, f->id, f->json ? 404 : 400);
	/* nothing the vehicle keeps (an id alone, a push token's upload): acknowledged, nothing stored */
	if (!st && cv_osm_sample(f, s)) {
		snprintf(msgid, sizeof(msgid), "osmand:%lld", (long long)s->at);
		batch = (struct cv_ingest){ .vehicle = r->veh.id, .msgid = msgid, .samples = s, .n = 1, .now = r->now,
					 .device = true };
		e = cv_ingest_batch(r->store, &batch);
		if (e)
			st = cv_fail_store(r, e, "fix");
	}
	free(f);
	free(s);
	if (st)
		return st;
	r->ctype = "text/plain";
	cv_header(r, "Cache-Control", "no-store");
	return 0;
}

static const struct cv_route routes[] = {
	{ "POST", "/telematics/v1/vehicles/{vin}/messages", post_messages, CV_AUTH_VEHICLE, 0, NULL, MAX_BODY },
	{ "GET", "/telematics/v1/vehicles/{vin}/commands", get_commands, CV_AUTH_VEHICLE, 0, NULL, 0 },
	{ "POST", "/telematics/v1/vehicles/{vin}/commands/{rid}/ack", post_ack, CV_AUTH_VEHICLE, 0, NULL, 1024 },
	{ "POST", "/telematics/v1/vehicles/{vin}/commands/{rid}/result", post_result, CV_AUTH_VEHICLE, 0, NULL, 4096 },
	{ "GET", "/healthz", get_healthz, CV_AUTH_NONE, 0, NULL, 0 },
	{ "GET", "/osmand", osmand, CV_AUTH_DEVICE, 0, cv_fields_any, 0 },
	{ "POST", "/osmand", osmand, CV_AUTH_DEVICE, 0, cv_fields_any, OSMAND_MAX_BODY },
	/* the same on a port of its own, where the apps' default URL has no path (etc/lighttpd-osmand.conf.in, apache2-osmand.conf.in) */
	{ "GET", "/", osmand, CV_AUTH_DEVICE, 0, cv_fields_any, 0 },
	{ "POST", "/", osmand, CV_AUTH_DEVICE, 0, cv_fields_any, OSMAND_MAX_BODY },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	cv_serve_purge(true);
	return cv_serve(argc, argv, "cvapi-ingest", "The vehicle link (/telematics/v1), tracking devices (/osmand) and /healthz.",
			routes);
}

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
 * The body is read whole (core/remote.h) before anything is stored; the
 * answer is 202 with the action's id at once, and its progress arrives as
 * the callback's notifications, readable back with GET.
 */
#include "config.h"
#include "remotes.h"
#include "actions.h"
#include "log.h"
#include "links.h"
#include "page.h"
#include "subscribe.h"
#include "settings.h"

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

/* The Remote body into a (type, label, action; attributes on the user face): 0 or the 400 written. */
static int read_body(struct cv_req *r, struct cv_action *a)
{
	static const char *const skip[] = { "attributes", "callbackAttributes", NULL };
	struct cv_jread jr;
	json_object *o = NULL;
	int st = cv_body_json(r, &o);

	if (st)
		return st;
	cv_jr_init(&jr, "");
	cv_remote_parse(&jr, o, r->b2b, r->b2b ? NULL : skip, &a->rm);
	if (!r->b2b) {
		cv_sub_attributes(&jr, o, "attributes", a->attrs, &a->nattrs);
		cv_sub_cbattrs(&jr, o, "callbackAttributes", a->cbattrs, &a->ncbattrs);
	}
	json_object_put(o);
	return jr.failed ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
}

/* the defaults, until cv_remote_settings() */
static struct cv_remote_cfg remote_cfg = { 120 * 1000, 180 * 1000, 30 };

void cv_remote_settings(const char *prog)
{
	remote_cfg.timeout_ms = cv_setting_int(prog, "CVAPI_REMOTE_TIMEOUT", 1, 86400, 120) * 1000;
	remote_cfg.awake_ms = cv_setting_int(prog, "CVAPI_REMOTE_AWAKE", 0, 3600, 180) * 1000;
	remote_cfg.wakeups = (int32_t)cv_setting_int(prog, "CVAPI_REMOTE_WAKEUPS", 0, 10000, 30);
}

struct create_arg {
	struct cv_action *a;
	struct cv_remote_cfg cfg;
	bool paused;
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
	if (!e && !c->paused)
		e = cv_action_create(st, txn, c->a, &c->cfg);
	return e;
}

int cv_post_remote(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_action *a = cv_calloc(1, sizeof(*a));
	struct create_arg c = { .a = a };
	struct cv_jw w;
	enum cv_err e;
	int st = check_parents(r, owner, sizeof(owner), cb);

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
	if (!st) {
		cv_action_id_new(r->now, a->id);
		cv_strlcpy(a->owner, owner, sizeof(a->owner));
		cv_strlcpy(a->cbid, cb->id, sizeof(a->cbid));
		cv_strlcpy(a->vid, r->vid, sizeof(a->vid));
		cv_strlcpy(a->vin, r->veh.vin, sizeof(a->vin));
		a->b2b = r->b2b;
		a->created = r->now;
		c.cfg = remote_cfg;
		e = cv_store_txn(r->store, 0, create_txn, &c);
		if (e)
			st = cv_fail_store(r, e, "no such callback");
		else if (c.paused)
			st = cv_fail(r, 409, CV_C_CONFLICT, "this callback is Paused: resume it (PUT .../status) to send actions");
	}
	if (!st) {
		cv_audit(r, "remote-add", "owner", owner, "remote", a->id, "callback", a->cbid, "type",
			 cv_remote_type_names[a->rm.type], "status", cv_remote_status_names[a->sm.status],
			 NULL);
		r->status = 202;
		cv_jw_init(&w, &r->out);
		cv_jw_obj(&w);
		links(&w, r, a, "remote");
		cv_jw_kstr(&w, "remoteActionId", a->id);
		cv_jw_kstr(&w, "type", cv_remote_type_names[a->rm.type]);
		cv_jw_end(&w);
		st = w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
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

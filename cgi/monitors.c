/*
 * monitors.c - the monitors of both faces, in cvapi-callbacks:
 *
 *   B2C  /user/vehicles/{id}/callbacks/{cbid}/monitors[/{mid}[/status]]
 *   B2B  /fleets/{fid}/monitors[/{mid}[/status]]
 *
 * A user's monitor watches one vehicle of the user (403 for another's, as
 * every vehicle path) and notifies one of the user's callbacks that serves
 * monitors (404 for another's). A fleet's monitor watches every vehicle of
 * the fleet, present and future, and carries its own webhook in its
 * subscribeParam (MonitorCallbackSubscribe): that webhook is stored as a
 * callback of the fleet serving this monitor only, under the monitor's id,
 * written and deleted with it. The body (MonitorParameter) is read whole
 * before anything is stored: its triggerParam by core/monitor (every
 * trigger, data name and boolExp checked), the rest here. The POST takes
 * an Idempotency-Key (keyed.h).
 */
#include "config.h"
#include "monitors.h"
#include "ids.h"
#include "log.h"
#include "links.h"
#include "page.h"
#include "subscribe.h"
#include "keyed.h"
#include "quotas.h"
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* extendedEventParam: each face's names, and vehicle.telemetry.<TelemetryEnum> */
static const char *const ext_names[] = {
	"vehicle.doorsState", "vehicle.status", "vehicle.maintenance", "vehicle.position", "vehicle.telemetry",
	"vehicle.alerts", "vehicle.alarm", "vehicle.trip",
};
static const char *const ext_names_b2b[] = {
	"vehicle.doorsState", "vehicle.status", "vehicle.maintenance", "vehicle.position", "vehicle.telemetry",
	"vehicle.alerts", "vehicle.collisions", "vehicle.trip", "vehicle.stolen",
};
#define N_EXT (sizeof(ext_names) / sizeof(ext_names[0]))
#define N_EXT_B2B (sizeof(ext_names_b2b) / sizeof(ext_names_b2b[0]))

/* The monitor's path on its face (links). */
static void mon_path(const struct cv_req *r, const struct cv_monitor *m, char *p, size_t n)
{
	int len = r->b2b ? snprintf(p, n, CV_B2B "/fleets/%s/monitors/%s", r->fid, m->id)
			 : snprintf(p, n, "%s/callbacks/%s/monitors/%s", r->vbase, m->cbid, m->id);

	/* every part is bounded far below CV_PATH_MAX + 128; an empty link rather than a wrong one */
	if (len < 0 || (size_t)len >= n)
		p[0] = '\0';
}

/* The path's vehicle (the user's) and callback (the user's, serving monitors): 0 or the failure written. */
static int check_parents(struct cv_req *r, char *owner, size_t n)
{
	struct cv_callback cb;
	enum cv_err e;
	int st;

	if (r->b2b) {
		/* the fleet was checked with who asks; the monitor carries its webhook */
		cv_sub_owner(r, owner, n);
		return 0;
	}
	st = cv_check_vehicle(r);
	if (st)
		return st;
	cv_sub_owner(r, owner, n);
	e = cv_callback_get(r->store, NULL, owner, cv_req_id(r, "cbid"), &cb);
	if (e)
		return cv_fail_store(r, e, "no such callback");
	if (!(cb.types & CV_CBT_MONITOR))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "this callback does not serve monitors (its type is Remote only)");
	return 0;
}

/* The path's monitor, under its vehicle and callback: 0 or the failure written. */
static int load(struct cv_req *r, char *owner, size_t n, struct cv_monitor *m)
{
	enum cv_err e;
	int st = check_parents(r, owner, n);

	if (st)
		return st;
	e = cv_monitor_get(r->store, NULL, owner, cv_req_id(r, "mid"), m);
	if (!e && !r->b2b && (strcmp(m->vid, r->vid) || strcmp(m->cbid, cv_req_id(r, "cbid"))))
		e = CV_ENOTFOUND;
	return e ? cv_fail_store(r, e, "no such monitor") : 0;
}

/*
 * subscribeParam: refreshEvent, and on B2C callbackAttributes; on B2B
 * (MonitorCallbackSubscribe, required) the monitor's webhook and policies
 * into cb.
 */
static void read_subscribe(struct cv_jread *jr, json_object *o, bool b2b, struct cv_monitor *m, struct cv_callback *cb)
{
	static const char *const names[] = { "refreshEvent", "callbackAttributes", NULL };
	static const char *const names_b2b[] = { "retryPolicy", "batchNotify", "callback", "refreshEvent", NULL };
	json_object *sp = cv_jr_object(jr, o, "subscribeParam", b2b ? names_b2b : names,
				       b2b ? CV_JR_REQUIRED : CV_JR_OPTIONAL);
	int64_t v;

	if (!sp)
		return;
	cv_jr_enter(jr, "subscribeParam");
	if (cv_jr_int(jr, sp, "refreshEvent", 60, 7 * 86400, CV_JR_OPTIONAL, &v))
		m->refresh_s = (int32_t)v;
	if (b2b) {
		cv_sub_policies(jr, sp, true, cb);
		cv_sub_callback(jr, sp, cb);
		if (!jr->failed && !cb->target[0])
			cv_jr_fail(jr, "callback.poll", "a monitor's events go to a webhook");
	} else {
		cv_sub_cbattrs(jr, sp, "callbackAttributes", m->cbattrs, &m->ncbattrs);
	}
	cv_jr_leave(jr);
}

/* extendedEventParam: the names of what a firing carries besides its values. */
static void read_extended(struct cv_jread *jr, json_object *o, bool b2b, struct cv_monitor *m)
{
	size_t n;
	json_object *x = cv_jr_array(jr, o, "extendedEventParam", 0, CV_MON_EXT_MAX, CV_JR_OPTIONAL, &n);

	m->next = 0;
	cv_jr_enter(jr, "extendedEventParam");
	for (size_t i = 0; x && i < n && !jr->failed; i++) {
		json_object *v = json_object_array_get_idx(x, i);
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		bool known = (b2b ? cv_name_index(s, ext_names_b2b, N_EXT_B2B) : cv_name_index(s, ext_names, N_EXT)) >= 0 ||
			     (!strncmp(s, "vehicle.telemetry.", 18) && cv_tel_part_mask(s + 18) != 0);

		cv_jr_enter_item(jr, i);
		if (!known || strlen(s) > CV_MON_EXT_LEN)
			cv_jr_fail(jr, NULL, "must be one of vehicle.doorsState, vehicle.status, vehicle.maintenance, "
				   "vehicle.position, vehicle.telemetry[.TelemetryEnum], vehicle.alerts, %s, vehicle.trip%s",
				   b2b ? "vehicle.collisions" : "vehicle.alarm", b2b ? ", vehicle.stolen" : "");
		else
			cv_strlcpy(m->ext[m->next++], s, sizeof(m->ext[0]));
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
}

/*
 * MonitorParameter into m (label, subscribeParam, attributes,
 * extendedEventParam, triggerParam); on the fleet face, its webhook and
 * policies into cb.
 */
static int read_body(struct cv_req *r, struct cv_monitor *m, struct cv_callback *cb)
{
	static const char *const names[] = { "label", "subscribeParam", "attributes", "extendedEventParam",
					     "triggerParam", NULL };
	static const char *const names_b2b[] = { "label", "subscribeParam", "extendedEventParam", "triggerParam", NULL };
	struct cv_jread jr;
	json_object *o, *tp;
	const char *label = "";
	int st = cv_body_json(r, &o);

	if (st)
		return st;
	cv_jr_init(&jr, "");
	cv_jr_object(&jr, o, NULL, r->b2b ? names_b2b : names, CV_JR_REQUIRED);
	cv_jr_string(&jr, o, "label", CV_NAME_MAX, CV_JR_OPTIONAL, &label);
	cv_strlcpy(m->label, label, sizeof(m->label));
	m->refresh_s = 0;
	m->ncbattrs = 0;
	read_subscribe(&jr, o, r->b2b, m, cb);
	cv_sub_attributes(&jr, o, "attributes", m->attrs, &m->nattrs);
	read_extended(&jr, o, r->b2b, m);
	if ((tp = cv_jr_object(&jr, o, "triggerParam", NULL, CV_JR_REQUIRED)) != NULL) {
		cv_jr_enter(&jr, "triggerParam");
		cv_mon_parse(&jr, tp, r->b2b, &m->def);
		cv_jr_leave(&jr);
	}
	json_object_put(o);
	return jr.failed ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
}

/* MonitorParameter as stored; cb: a fleet monitor's webhook (NULL on B2C). */
static void render_parameter(struct cv_jw *w, const struct cv_monitor *m, const struct cv_callback *cb)
{
	cv_jw_obj(w);
	if (m->label[0])
		cv_jw_kstr(w, "label", m->label);
	cv_jw_key(w, "subscribeParam");
	cv_jw_obj(w);
	if (cb) {
		cv_sub_render_policies(w, cb);
		cv_sub_render_callback(w, cb);
	}
	if (m->refresh_s)
		cv_jw_kint(w, "refreshEvent", m->refresh_s);
	if (m->ncbattrs) {
		cv_jw_key(w, "callbackAttributes");
		cv_jw_obj(w);
		cv_sub_render_attrs(w, "webhook", m->cbattrs, m->ncbattrs);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	if (!cb)
		cv_sub_render_attrs(w, "attributes", m->attrs, m->nattrs);
	cv_jw_key(w, "extendedEventParam");
	cv_jw_arr(w);
	for (size_t i = 0; i < m->next; i++)
		cv_jw_str(w, m->ext[i]);
	cv_jw_end(w);
	cv_jw_key(w, "triggerParam");
	cv_mon_render(w, &m->def);
	cv_jw_end(w);
}

static void render_monitor(struct cv_jw *w, struct cv_req *r, const struct cv_monitor *m, const struct cv_callback *cb)
{
	char path[CV_PATH_MAX + 128];

	mon_path(r, m, path, sizeof(path));
	cv_jw_obj(w);
	cv_jw_ktime(w, "createdAt", m->created);
	cv_jw_ktime(w, "updatedAt", m->updated);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s", path);
	if (r->b2b)
		cv_render_link(w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	cv_jw_end(w);
	cv_jw_kstr(w, "monitorId", m->id);
	cv_jw_key(w, "monitor");
	render_parameter(w, m, r->b2b ? cb : NULL);
	cv_jw_kstr(w, "status", cv_cb_status_names[m->status]);
	cv_jw_end(w);
}

/* MonitorRef; a new fleet monitor's webhook secret as signingSecret (cb, or NULL) */
static int render_ref(struct cv_req *r, const struct cv_monitor *m, const struct cv_callback *cb)
{
	char path[CV_PATH_MAX + 128], secret[64];
	struct cv_jw w;

	mon_path(r, m, path, sizeof(path));
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_ktime(&w, "createdAt", m->created);
	cv_jw_ktime(&w, "updatedAt", m->updated);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	if (r->b2b)
		cv_render_link(&w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	cv_render_link(&w, r, "monitor", "%s", path);
	cv_jw_end(&w);
	cv_jw_kstr(&w, "monitorId", m->id);
	cv_jw_kstr(&w, "status", cv_cb_status_names[m->status]);
	if (cb) {
		cv_sub_secret_text(cb, secret);
		cv_jw_kstr(&w, "signingSecret", secret);
	}
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

struct put_arg {
	const struct cv_monitor *m;
	const struct cv_callback *cb;   /* a fleet monitor's webhook, written with it */
	uint32_t flags;
	enum cv_quota over;             /* the quota it would go over, and its value */
	int64_t limit;
	struct cv_monitor old;          /* large: the monitor before a change */
};

/*
 * The owner's quotas a monitor must fit in, in the transaction that writes
 * it: a new one counts against monitors, monitors on its vehicle and, if
 * timed (a time trigger or a refreshEvent), timed monitors; a change
 * against timed monitors when it becomes timed.
 */
static enum cv_err quotas_txn(struct cv_store *st, DB_TXN *txn, struct put_arg *a)
{
	bool timed = cv_quota_timed(a->m);
	enum cv_err e = CV_OK;

	if (!(a->flags & DB_NOOVERWRITE)) {
		if (!timed)
			return CV_OK;
		e = cv_monitor_get(st, txn, a->m->owner, a->m->id, &a->old);
		if (e || cv_quota_timed(&a->old))
			return e;
	} else {
		a->over = CV_Q_MONITORS;
		e = cv_limits_check(st, txn, a->m->owner, CV_Q_MONITORS, NULL, &a->limit);
		if (!e) {
			a->over = CV_Q_VEHICLE_MONITORS;
			e = cv_limits_check(st, txn, a->m->owner, CV_Q_VEHICLE_MONITORS, a->m->vid, &a->limit);
		}
		if (e || !timed)
			return e;
	}
	a->over = CV_Q_TIMED_MONITORS;
	return cv_limits_check(st, txn, a->m->owner, CV_Q_TIMED_MONITORS, NULL, &a->limit);
}

static enum cv_err put_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct put_arg *a = arg;
	enum cv_err e = quotas_txn(st, txn, a);

	if (!e && a->cb)
		e = cv_callback_put(st, txn, a->cb, a->flags);
	return e ? e : cv_monitor_put(st, txn, a->m, a->flags);
}

/*
 * Store m (and cb); with an Idempotency-Key, the answer already in r is
 * kept with it (keyed.h). 0, or r answered.
 */
static int save(struct cv_req *r, const struct cv_monitor *m, const struct cv_callback *cb, uint32_t flags)
{
	struct put_arg *a = cv_calloc(1, sizeof(*a));
	enum cv_err e;
	int st;

	a->m = m;
	a->cb = cb;
	a->flags = flags;
	st = cv_keyed_txn(r, put_txn, a, &e);
	if (!st && e == CV_EQUOTA)
		st = cv_fail_quota(r, (int)a->over, a->limit, 0);
	else if (!st && e)
		st = cv_fail_store(r, e, "monitor");
	free(a);
	return st;
}

/* A fleet monitor's webhook (its callback, under the monitor's id); 0 or the failure written. */
static int load_fleet_cb(struct cv_req *r, const struct cv_monitor *m, struct cv_callback *cb)
{
	enum cv_err e = cv_callback_get(r->store, NULL, m->owner, m->id, cb);

	return e ? cv_fail_store(r, e, "the monitor's webhook") : 0;
}

int cv_post_monitor(struct cv_req *r)
{
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	unsigned char id[CV_MON_IDLEN / 2];
	int st = cv_keyed_start(r);

	if (!st)
		st = check_parents(r, m->owner, sizeof(m->owner));
	if (!st)
		st = read_body(r, m, cb);
	if (!st) {
		cv_random(id, sizeof(id));
		cv_hex(id, sizeof(id), m->id);
		if (!r->b2b)
			cv_strlcpy(m->vid, r->vid, sizeof(m->vid));
		cv_strlcpy(m->cbid, r->b2b ? m->id : cv_req_id(r, "cbid"), sizeof(m->cbid));
		m->b2b = r->b2b;
		m->status = CV_CB_RUNNING;
		m->created = m->updated = r->now;
		if (r->b2b) {
			/* the monitor's own webhook: a callback of the fleet serving this monitor only */
			cv_strlcpy(cb->id, m->id, sizeof(cb->id));
			cv_strlcpy(cb->owner, m->owner, sizeof(cb->owner));
			cv_strlcpy(cb->label, m->label, sizeof(cb->label));
			cb->b2b = 1;
			cb->types = CV_CBT_MONITOR;
			cb->status = CV_CB_RUNNING;
			cv_random(cb->secret, sizeof(cb->secret));
			cb->created = cb->updated = r->now;
		}
		/* the answer before the write, which keeps it with an Idempotency-Key (keyed.h) */
		r->status = 202;
		st = render_ref(r, m, r->b2b ? cb : NULL);
	}
	if (!st)
		st = save(r, m, r->b2b ? cb : NULL, DB_NOOVERWRITE);
	if (!st)
		cv_audit(r, "monitor-add", "owner", m->owner, "monitor", m->id, "callback", m->cbid, NULL);
	free(cb);
	free(m);
	return st;
}

int cv_put_monitor(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	int st = load(r, owner, sizeof(owner), m);

	if (!st && r->b2b)
		st = load_fleet_cb(r, m, cb);
	if (!st)
		st = read_body(r, m, cb);
	if (!st) {
		m->updated = cb->updated = r->now;
		cv_strlcpy(cb->label, m->label, sizeof(cb->label));
		st = save(r, m, r->b2b ? cb : NULL, 0);
	}
	if (!st) {
		r->status = 202;
		st = render_ref(r, m, NULL);
	}
	free(cb);
	free(m);
	return st;
}

int cv_get_monitor(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_jw w;
	int st = load(r, owner, sizeof(owner), m);

	if (!st && r->b2b)
		st = load_fleet_cb(r, m, cb);
	if (!st) {
		cv_jw_init(&w, &r->out);
		render_monitor(&w, r, m, cb);
		st = w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
	}
	free(cb);
	free(m);
	return st;
}

struct list_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
	struct cv_callback cb;
	enum cv_err err;
};

static bool list_keep(const struct cv_monitor *m, void *arg)
{
	const struct list_ctx *c = arg;

	if (c->r->b2b)
		return m->b2b;
	return !strcmp(m->vid, c->r->vid) && !strcmp(m->cbid, cv_req_id(c->r, "cbid"));
}

static int list_one(const struct cv_monitor *m, void *arg)
{
	struct list_ctx *c = arg;

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	if (c->r->b2b) {
		c->err = cv_callback_get(c->r->store, NULL, m->owner, m->id, &c->cb);
		if (c->err)
			return 1;
	}
	render_monitor(c->w, c->r, m, &c->cb);
	c->pg->count++;
	return 0;
}

int cv_get_monitors(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_page pg;
	struct cv_jw w;
	struct list_ctx *c = cv_calloc(1, sizeof(*c));
	size_t total;
	enum cv_err e;
	int st = check_parents(r, owner, sizeof(owner));

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (!st) {
		c->w = &w;
		c->r = r;
		c->pg = &pg;
		cv_page_open(&w, r, "monitors");
		e = cv_monitors_of(r->store, NULL, owner, list_keep, (size_t)pg.offset, (size_t)pg.limit + 1, &total,
				   list_one, c);
		if (!e)
			e = c->err;
		if (e)
			st = cv_fail_store(r, e, "monitors");
		else
			st = cv_page_close_ranked(&w, r, &pg, (int64_t)total);
	}
	free(c);
	return st;
}

int cv_put_monitor_status(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_jread jr;
	json_object *o = NULL;
	int st = load(r, owner, sizeof(owner), m);

	if (!st)
		st = cv_body_json(r, &o);
	if (!st) {
		cv_jr_init(&jr, "");
		cv_sub_status(&jr, o, &m->status);
		json_object_put(o);
		if (jr.failed)
			st = cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err);
	}
	if (!st) {
		m->updated = r->now;
		st = save(r, m, NULL, 0);
	}
	if (!st) {
		/* the specs' answer is a MonitorRef, as for the monitor's PUT */
		r->status = 202;
		st = render_ref(r, m, NULL);
	}
	free(m);
	return st;
}

struct del_arg {
	const char *owner, *id;
	bool b2b;
	int64_t now;
};

/* the monitor and, on the fleet face, its webhook (what that leaves is swept after the answer: sweep.h) */
static enum cv_err del_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	const struct del_arg *a = arg;
	enum cv_err e = cv_monitor_del(st, txn, a->owner, a->id);

	if (!e && a->b2b)
		e = cv_sweep_callback(st, txn, a->owner, a->id, a->now);
	return e;
}

int cv_delete_monitor(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct del_arg a = { owner, NULL, r->b2b, r->now };
	enum cv_err e;
	int st = load(r, owner, sizeof(owner), m);

	if (!st) {
		a.id = m->id;
		e = cv_store_txn(r->store, 0, del_txn, &a);
		st = e ? cv_fail_store(r, e, "no such monitor") : 0;
		if (!st && r->b2b)
			cv_serve_sweep();
	}
	if (!st) {
		cv_audit(r, "monitor-delete", "owner", owner, "monitor", m->id, NULL);
		r->status = 204;
	}
	free(m);
	return st;
}

/*
 * callbacks.c - cvapi-callbacks: the callbacks of both faces, where
 * notifications of monitors and remote actions are delivered.
 *
 *   B2C  /user/callbacks[/{cbid}[/status]]              CallbackSubscribe
 *   B2B  /fleets/{fid}/remote/callbacks[/{cbid}[/status]]  RemoteCallbackSubscribe
 *
 * A callback belongs to the user of the token (B2C) or to the fleet of the
 * path (B2B): anyone else's id is a 404, as if it did not exist. Bodies are
 * read whole into a struct cv_callback before anything is stored; every
 * member is checked, and an unknown one is refused (a misspelt policy is
 * never silently the default).
 *
 * Beyond the official API (doc/api.md): deliveries are signed the Standard
 * Webhooks way with a per-callback secret, returned once as `signingSecret`
 * when the callback is made, and again by POST .../{cbid}/secret, which
 * replaces it; GET .../{cbid}/deliveries is the callback's delivery log
 * (on B2B also .../monitors/{mid}/deliveries, a monitor's own webhook's),
 * and POST .../deliveries/{did}/redeliver queues a batch again. The POSTs
 * that create (a callback here, a monitor, a remote action) take an
 * Idempotency-Key (keyed.h).
 */
#include "config.h"
#include "req.h"
#include "links.h"
#include "page.h"
#include "ids.h"
#include "log.h"
#include "subscribe.h"
#include "keyed.h"
#include "monitors.h"
#include "remotes.h"
#include "outbox.h"
#include "quotas.h"
#include "sweep.h"

#include <json-c/json.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#define BODY_MAX (64 * 1024)
/* B2C callbacks: what the official API documents for its webhooks */
#define B2C_RETRY_DELAY 10

/* ---- who owns what ------------------------------------------------------- */

/* The collection's path on this face, for links. */
static void coll_path(const struct cv_req *r, char *p, size_t n)
{
	if (r->b2b)
		snprintf(p, n, CV_B2B "/fleets/%s/remote/callbacks", r->fid);
	else
		snprintf(p, n, CV_B2C "/user/callbacks");
}

/* ---- reading a body ----------------------------------------------------- */

static const char *const cb_types[] = { "Monitor", "Remote" };

/* B2C CallbackSubscribe: label, type, callback. */
static void read_b2c(struct cv_jread *jr, json_object *o, struct cv_callback *cb)
{
	static const char *const names[] = { "label", "type", "callback", NULL };
	const char *label = "";

	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_string(jr, o, "label", CV_NAME_MAX, CV_JR_OPTIONAL, &label);
	cv_strlcpy(cb->label, label, sizeof(cb->label));
	cb->types = CV_CBT_MONITOR | CV_CBT_REMOTE;
	cv_jr_names(jr, o, "type", cb_types, 2, 1, 32, CV_JR_OPTIONAL, &cb->types);
	cv_sub_callback(jr, o, cb);
	if (!jr->failed && !cb->target[0] && cb->types != CV_CBT_REMOTE)
		cv_jr_fail(jr, "callback.poll", "a poll callback serves remote actions only: set type to [\"Remote\"]");
	/* the official API's webhooks: retried every 10 s until delivered, within 3 days */
	cb->retry = CV_RETRY_ALWAYS;
	cb->retry_number = 0;
	cb->retry_delay = B2C_RETRY_DELAY;
	cb->batch_size = 0;
	cb->batch_window = 0;
}

/* B2B RemoteCallbackSubscribe: label, retryPolicy, batchNotify, callback, remoteTypes. */
static void read_b2b(struct cv_jread *jr, json_object *o, struct cv_callback *cb)
{
	static const char *const names[] = { "label", "retryPolicy", "batchNotify", "callback", "remoteTypes", NULL };
	const char *label = "";

	cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED);
	cv_jr_string(jr, o, "label", CV_NAME_MAX, CV_JR_OPTIONAL, &label);
	cv_strlcpy(cb->label, label, sizeof(cb->label));
	cb->types = CV_CBT_REMOTE;
	cv_jr_names(jr, o, "remoteTypes", cv_remote_type_names, CV_RT_COUNT, 1, 32, CV_JR_REQUIRED,
		    &cb->remote_types);
	/* remote callbacks: None or Bounded (RemoteCallbackSubscribe narrows the policy) */
	cv_sub_policies(jr, o, false, cb);
	cv_sub_callback(jr, o, cb);
	if (!jr->failed && !cb->target[0])
		cv_jr_fail(jr, "callback.poll", "poll callbacks are served on the user face only");
}

/* The body into cb (the subscription; id, owner, status and secret are the caller's). */
static int read_subscribe(struct cv_req *r, struct cv_callback *cb)
{
	struct cv_jread jr;
	json_object *o;
	int st = cv_body_json(r, &o);

	if (st)
		return st;
	cv_jr_init(&jr, "");
	if (r->b2b)
		read_b2b(&jr, o, cb);
	else
		read_b2c(&jr, o, cb);
	json_object_put(o);
	return jr.failed ? cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err) : 0;
}

/* ---- writing ------------------------------------------------------------ */

static void render_subscribe(struct cv_jw *w, const struct cv_callback *cb)
{
	cv_jw_key(w, "subscribe");
	cv_jw_obj(w);
	if (cb->label[0])
		cv_jw_kstr(w, "label", cb->label);
	if (cb->b2b) {
		cv_sub_render_policies(w, cb);
	} else {
		cv_jw_key(w, "type");
		cv_jw_arr(w);
		for (size_t i = 0; i < 2; i++)
			if (cb->types & (1u << i))
				cv_jw_str(w, cb_types[i]);
		cv_jw_end(w);
	}
	cv_sub_render_callback(w, cb);
	if (cb->b2b) {
		cv_jw_key(w, "remoteTypes");
		cv_jw_arr(w);
		for (size_t i = 0; i < CV_RT_COUNT; i++)
			if (cb->remote_types & (1u << i))
				cv_jw_str(w, cv_remote_type_names[i]);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

/* UserCallback (B2C) or RemoteCallback (B2B). */
static void render_callback(struct cv_jw *w, struct cv_req *r, const struct cv_callback *cb)
{
	char coll[CV_PATH_MAX];

	coll_path(r, coll, sizeof(coll));
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/%s", coll, cb->id);
	if (r->b2b) {
		cv_render_link(w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
		cv_render_link(w, r, "remotes", CV_B2B "/fleets/%s/vehicles/{vid}/callbacks/%s/remotes", r->fid,
			       cb->id);
	}
	cv_jw_end(w);
	if (!r->b2b && cb->label[0])
		cv_jw_kstr(w, "label", cb->label);
	cv_jw_kstr(w, "id", cb->id);
	render_subscribe(w, cb);
	cv_jw_kstr(w, "status", cv_cb_status_names[cb->status]);
	cv_jw_end(w);
}

/* CallbackRef: links, callbackId, status; with_secret adds signingSecret. */
static int render_ref(struct cv_req *r, const struct cv_callback *cb, bool with_secret)
{
	char coll[CV_PATH_MAX], secret[64];
	struct cv_jw w;

	coll_path(r, coll, sizeof(coll));
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	if (r->b2b)
		cv_render_link(&w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	cv_render_link(&w, r, "callback", "%s/%s", coll, cb->id);
	cv_jw_end(&w);
	cv_jw_kstr(&w, "callbackId", cb->id);
	cv_jw_kstr(&w, "status", cv_cb_status_names[cb->status]);
	if (with_secret) {
		cv_sub_secret_text(cb, secret);
		cv_jw_kstr(&w, "signingSecret", secret);
	}
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

/* ---- handlers ----------------------------------------------------------- */

struct list_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
};

static bool list_keep(const struct cv_callback *cb, void *arg)
{
	const struct list_ctx *c = arg;
	uint32_t want = c->r->q.type;

	/* a fleet monitor's own webhook is the monitor's, not a remote callback */
	if (c->r->b2b && !(cb->types & CV_CBT_REMOTE))
		return false;
	if (!want)
		return true;
	return c->r->b2b ? (cb->remote_types & want) != 0 : (cb->types & want) != 0;
}

static int list_one(const struct cv_callback *cb, void *arg)
{
	struct list_ctx *c = arg;

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	render_callback(c->w, c->r, cb);
	c->pg->count++;
	return 0;
}

static int get_callbacks(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_page pg;
	struct cv_jw w;
	struct list_ctx c = { &w, r, &pg };
	size_t total;
	enum cv_err e;
	int st = cv_page_init(r, 60, &pg);

	if (st)
		return st;
	cv_sub_owner(r, owner, sizeof(owner));
	cv_page_open(&w, r, "callbacks");
	/* one more than the page, to know whether a next page exists */
	e = cv_callbacks_of(r->store, NULL, owner, list_keep, (size_t)pg.offset, (size_t)pg.limit + 1, &total,
			    list_one, &c);
	if (e)
		return cv_fail_store(r, e, "callbacks");
	return cv_page_close_ranked(&w, r, &pg, (int64_t)total);
}

/* The path's callback of the owner: 0, or 404 written. */
static int load(struct cv_req *r, struct cv_callback *cb)
{
	char owner[CV_CB_OWNER_MAX + 1];
	const char *id = cv_req_id(r, "cbid");
	enum cv_err e;

	cv_sub_owner(r, owner, sizeof(owner));
	e = cv_callback_get(r->store, NULL, owner, id, cb);
	/* a fleet monitor's own webhook is reached through its monitor only */
	if (!e && r->b2b && !(cb->types & CV_CBT_REMOTE))
		e = CV_ENOTFOUND;
	return e ? cv_fail_store(r, e, "no such callback") : 0;
}

static int get_callback(struct cv_req *r)
{
	struct cv_callback cb;
	struct cv_jw w;
	int st = load(r, &cb);

	if (st)
		return st;
	cv_jw_init(&w, &r->out);
	render_callback(&w, r, &cb);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

struct write_arg {
	struct cv_callback *cb;
	uint32_t flags;
	int64_t limit;          /* the quota in force, when over it */
};

static enum cv_err put_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct write_arg *a = arg;
	/* a new one: within the owner's quota, counted in this transaction */
	enum cv_err e = a->flags & DB_NOOVERWRITE ? cv_limits_check(st, txn, a->cb->owner, CV_Q_CALLBACKS, NULL, &a->limit)
		: CV_OK;

	return e ? e : cv_callback_put(st, txn, a->cb, a->flags);
}

/*
 * Store cb (a new one with DB_NOOVERWRITE; with an Idempotency-Key, the
 * answer already in r is kept with it: keyed.h); 0, or r answered.
 */
static int store(struct cv_req *r, struct cv_callback *cb, uint32_t flags)
{
	struct write_arg a = { cb, flags, 0 };
	enum cv_err e;
	int st = cv_keyed_txn(r, put_txn, &a, &e);

	if (st)
		return st;
	if (e == CV_EQUOTA)
		return cv_fail_quota(r, CV_Q_CALLBACKS, a.limit, 0);
	return e ? cv_fail_store(r, e, "callback") : 0;
}

static int post_callback(struct cv_req *r)
{
	struct cv_callback cb;
	unsigned char id[CV_CB_IDLEN / 2];
	int st = cv_keyed_start(r);

	if (st)
		return st;
	memset(&cb, 0, sizeof(cb));
	st = read_subscribe(r, &cb);
	if (st)
		return st;
	cv_random(id, sizeof(id));
	cv_hex(id, sizeof(id), cb.id);
	cv_sub_owner(r, cb.owner, sizeof(cb.owner));
	cb.b2b = r->b2b;
	cb.status = CV_CB_RUNNING;
	cv_random(cb.secret, sizeof(cb.secret));
	cb.created = cb.updated = r->now;
	/* the answer before the write, which keeps it with an Idempotency-Key (keyed.h) */
	st = render_ref(r, &cb, true);
	if (!st)
		st = store(r, &cb, DB_NOOVERWRITE);
	if (st)
		return st;
	cv_audit(r, "callback-add", "owner", cb.owner, "callback", cb.id, NULL);
	return 0;
}

/* PUT: the whole subscription replaced; id, status, secret and created kept. */
static bool of_callback(const struct cv_monitor *m, void *arg)
{
	return !strcmp(m->cbid, arg);
}

static int count_only(const struct cv_monitor *m, void *arg)
{
	(void)m;
	(void)arg;
	return 0;
}

static int put_callback(struct cv_req *r)
{
	struct cv_callback cb, now;
	int st = load(r, &cb);

	if (st)
		return st;
	now = cb;
	st = read_subscribe(r, &now);
	if (st)
		return st;
	if (!now.target[0] && cb.target[0]) {
		/* a poll callback serves remote actions only: not while monitors send to it */
		size_t n = 0;
		enum cv_err e = cv_monitors_of(r->store, NULL, cb.owner, of_callback, 0, 0, &n, count_only, cb.id);

		if (e)
			return cv_fail_store(r, e, "monitors");
		if (n)
			return cv_fail(r, 409, CV_C_CONFLICT,
				       "this callback has %zu monitor%s: delete %s before making it a poll callback", n,
				       n == 1 ? "" : "s", n == 1 ? "it" : "them");
	}
	now.updated = r->now;
	st = store(r, &now, 0);
	if (st)
		return st;
	r->status = 202;
	return render_ref(r, &now, false);
}

static int put_status(struct cv_req *r)
{
	struct cv_callback cb;
	struct cv_jread jr;
	json_object *o;
	int st = load(r, &cb);

	if (!st)
		st = cv_body_json(r, &o);
	if (st)
		return st;
	cv_jr_init(&jr, "");
	cv_sub_status(&jr, o, &cb.status);
	json_object_put(o);
	if (jr.failed)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err);
	/* Running again after a failure: deliveries resume (cvnotify) */
	cb.updated = r->now;
	st = store(r, &cb, 0);
	if (st)
		return st;
	r->status = 202;
	return render_ref(r, &cb, false);
}

static int post_secret(struct cv_req *r)
{
	struct cv_callback cb;
	int st = load(r, &cb);

	if (st)
		return st;
	cv_random(cb.secret, sizeof(cb.secret));
	cb.updated = r->now;
	st = store(r, &cb, 0);
	if (st)
		return st;
	cv_audit(r, "callback-secret", "owner", cb.owner, "callback", cb.id, NULL);
	return render_ref(r, &cb, true);
}

struct del_arg {
	const char *owner, *id;
	int64_t now;
};

/* the callback and its monitors; what else it leaves is swept after the answer (sweep.h) */
static enum cv_err del_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	const struct del_arg *a = arg;

	return cv_sweep_callback(st, txn, a->owner, a->id, a->now);
}

static int delete_callback(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1];
	struct cv_callback cb;
	struct del_arg a = { owner, NULL, r->now };
	enum cv_err e;
	int st = load(r, &cb);

	if (st)
		return st;
	cv_sub_owner(r, owner, sizeof(owner));
	a.id = cb.id;
	e = cv_store_txn(r->store, 0, del_txn, &a);
	if (e)
		return cv_fail_store(r, e, "no such callback");
	cv_serve_sweep();
	cv_audit(r, "callback-delete", "owner", owner, "callback", cb.id, NULL);
	r->status = 204;
	return 0;
}

/* ---- the delivery log (beyond the official API) -------------------------- */

/*
 * The callback whose log the path names: a callback of the user or of the
 * fleet (remote callbacks), or on B2B a monitor's own webhook, whose id is
 * the monitor's (/fleets/{fid}/monitors/{mid}/deliveries). 0, or 404.
 */
static int load_logged(struct cv_req *r, struct cv_callback *cb, bool monitor)
{
	char owner[CV_CB_OWNER_MAX + 1];
	const char *id;
	enum cv_err e;

	if (!monitor)
		return load(r, cb);
	id = cv_req_id(r, "mid");
	cv_sub_owner(r, owner, sizeof(owner));
	e = cv_callback_get(r->store, NULL, owner, id, cb);
	if (!e && (cb->types & CV_CBT_REMOTE))
		e = CV_ENOTFOUND;
	return e ? cv_fail_store(r, e, "no such monitor") : 0;
}

/* The path of the log: .../callbacks/{cbid}/deliveries or .../monitors/{mid}/deliveries. */
static void log_path(const struct cv_req *r, const struct cv_callback *cb, bool monitor, char *p, size_t n)
{
	char coll[CV_PATH_MAX];
	size_t l;

	if (monitor)
		snprintf(coll, sizeof(coll), CV_B2B "/fleets/%s/monitors", r->fid);
	else
		coll_path(r, coll, sizeof(coll));
	l = strlen(coll);
	if (l + 1 + strlen(cb->id) + 11 >= n) {
		p[0] = '\0';
		return;
	}
	memcpy(p, coll, l);
	snprintf(p + l, n - l, "/%s/deliveries", cb->id);
}

struct dl_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
	const char *path;
};

static int dl_one(const struct cv_delivery *d, void *arg)
{
	struct dl_ctx *c = arg;
	struct cv_jw *w = c->w;
	char id[CV_DL_IDLEN + 1];

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	cv_delivery_id(d, id);
	cv_jw_obj(w);
	cv_jw_kstr(w, "id", id);
	if (d->wid[0])
		cv_jw_kstr(w, "webhookId", d->wid);         /* none for an event never queued */
	cv_jw_ktime(w, "at", d->at);
	cv_jw_kstr(w, "outcome", cv_dl_outcome_names[d->outcome]);
	cv_jw_kint(w, "attempt", d->attempt);
	if (d->status)
		cv_jw_kint(w, "status", d->status);
	if (d->outcome != CV_DL_DROPPED)
		cv_jw_kint(w, "latencyMs", d->latency_ms);
	if (d->error[0])
		cv_jw_kstr(w, "error", d->error);
	cv_jw_kint(w, "events", d->events);
	if (d->has_notes) {
		cv_jw_key(w, "_links");
		cv_jw_obj(w);
		cv_render_link(w, c->r, "redeliver", "%s/%s/redeliver", c->path, id);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	c->pg->count++;
	return 0;
}

static int get_deliveries_of(struct cv_req *r, bool monitor)
{
	char path[CV_PATH_MAX];
	struct cv_callback cb;
	struct cv_page pg;
	struct cv_jw w;
	struct dl_ctx c = { &w, r, &pg, path };
	size_t total;
	enum cv_err e;
	int st = load_logged(r, &cb, monitor);

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	log_path(r, &cb, monitor, path, sizeof(path));
	cv_header(r, "Cache-Control", "no-store");
	cv_page_open(&w, r, "deliveries");
	e = cv_deliveries_of(r->store, cb.owner, cb.id, (size_t)pg.offset, (size_t)pg.limit + 1, &total, dl_one, &c);
	if (e)
		return cv_fail_store(r, e, "deliveries");
	return cv_page_close_ranked(&w, r, &pg, (int64_t)total);
}

static int get_deliveries(struct cv_req *r)
{
	return get_deliveries_of(r, false);
}

static int get_monitor_deliveries(struct cv_req *r)
{
	return get_deliveries_of(r, true);
}

struct redeliver_arg {
	const struct cv_callback *cb;
	int64_t at, now;
	uint64_t seq;
	size_t queued;
	enum cv_quota over;             /* the quota it would pass: the hour's, or the queue's */
	int64_t limit, retry_ms;
};

static enum cv_err redeliver_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct redeliver_arg *a = arg;
	int64_t lim[CV_Q_COUNT];
	struct cv_callback cur;
	/* the callback read again in the transaction: deleted meanwhile, a 404 */
	enum cv_err e = cv_callback_get(st, txn, a->cb->owner, a->cb->id, &cur);

	if (e)
		return e;
	e = cv_limits_redeliver(st, txn, a->cb->owner, a->now, &a->limit, &a->retry_ms);

	a->over = CV_Q_REDELIVERIES;
	if (!e)
		e = cv_limits_get(st, txn, a->cb->owner, lim);
	if (e)
		return e;
	a->over = CV_Q_QUEUE;
	a->limit = lim[CV_Q_QUEUE];
	a->retry_ms = 0;
	return cv_delivery_redeliver(st, txn, a->cb->owner, a->cb->id, a->at, a->seq, a->now, (uint64_t)lim[CV_Q_QUEUE],
				     &a->queued);
}

static int post_redeliver_of(struct cv_req *r, bool monitor)
{
	struct cv_callback cb;
	struct redeliver_arg a = { .cb = &cb, .now = r->now };
	struct cv_jw w;
	enum cv_err e;
	int st = load_logged(r, &cb, monitor);

	if (st)
		return st;
	/* its syntax checked by the layer (cv_ids_check) */
	cv_delivery_id_parse(cv_req_id(r, "did"), &a.at, &a.seq);
	e = cv_store_txn(r->store, 0, redeliver_txn, &a);
	if (e == CV_EQUOTA)
		return cv_fail_quota(r, (int)a.over, a.limit, a.retry_ms);
	if (e == CV_EINVAL)
		return cv_fail(r, 409, CV_C_CONFLICT, "this attempt was retried: send again the one that ended its batch "
			       "(Delivered, GivenUp or Dropped)");
	if (e)
		return cv_fail_store(r, e, "no such delivery");
	cv_audit(r, "callback-redeliver", "owner", cb.owner, "callback", cb.id, NULL);
	r->status = 202;
	r->ctype = "application/json";
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kint(&w, "queued", (int64_t)a.queued);
	cv_jw_end(&w);
	return 0;
}

static int post_redeliver(struct cv_req *r)
{
	return post_redeliver_of(r, false);
}

static int post_monitor_redeliver(struct cv_req *r)
{
	return post_redeliver_of(r, true);
}

/* ---- routes ------------------------------------------------------------- */

static uint32_t check_cb_type(const char *item)
{
	int k = cv_name_index(item, cb_types, 2);

	return k < 0 ? 0 : 1u << k;
}

static uint32_t check_remote_type(const char *item)
{
	int k = cv_name_index(item, cv_remote_type_names, CV_RT_COUNT);

	return k < 0 ? 0 : 1u << k;
}

static const struct cv_field list_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("types", check_cb_type, type),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_list_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("types", check_remote_type, type),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field mon_list_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field item_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

#define B2C_CB CV_B2C "/user/callbacks"
#define B2C_MON CV_B2C "/user/vehicles/{id}/callbacks/{cbid}/monitors"
#define B2B_MON CV_B2B "/fleets/{fid}/monitors"
#define B2B_CB CV_B2B "/fleets/{fid}/remote/callbacks"
#define B2C_RA CV_B2C "/user/vehicles/{id}/callbacks/{cbid}/remotes"
#define B2B_RA CV_B2B "/fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes"

static const struct cv_route routes[] = {
	{ "GET", B2C_CB, get_callbacks, CV_AUTH_USER, 0, list_fields, 0 },
	{ "POST", B2C_CB, post_callback, CV_AUTH_USER, 0, item_fields, BODY_MAX },
	{ "GET", B2C_CB "/{cbid}", get_callback, CV_AUTH_USER, 0, item_fields, 0 },
	{ "PUT", B2C_CB "/{cbid}", put_callback, CV_AUTH_USER, 0, item_fields, BODY_MAX },
	{ "DELETE", B2C_CB "/{cbid}", delete_callback, CV_AUTH_USER, 0, item_fields, 0 },
	{ "PUT", B2C_CB "/{cbid}/status", put_status, CV_AUTH_USER, 0, item_fields, 1024 },
	{ "POST", B2C_CB "/{cbid}/secret", post_secret, CV_AUTH_USER, 0, item_fields, 0 },
	{ "GET", B2C_CB "/{cbid}/deliveries", get_deliveries, CV_AUTH_USER, 0, mon_list_fields, 0 },
	{ "POST", B2C_CB "/{cbid}/deliveries/{did}/redeliver", post_redeliver, CV_AUTH_USER, 0, item_fields, 0 },
	{ "GET", B2C_MON, cv_get_monitors, CV_AUTH_USER, 0, mon_list_fields, 0 },
	{ "POST", B2C_MON, cv_post_monitor, CV_AUTH_USER, 0, item_fields, BODY_MAX },
	{ "GET", B2C_MON "/{mid}", cv_get_monitor, CV_AUTH_USER, 0, item_fields, 0 },
	{ "PUT", B2C_MON "/{mid}", cv_put_monitor, CV_AUTH_USER, 0, item_fields, BODY_MAX },
	{ "DELETE", B2C_MON "/{mid}", cv_delete_monitor, CV_AUTH_USER, 0, item_fields, 0 },
	{ "PUT", B2C_MON "/{mid}/status", cv_put_monitor_status, CV_AUTH_USER, 0, item_fields, 1024 },
	{ "GET", B2B_CB, get_callbacks, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "POST", B2B_CB, post_callback, CV_AUTH_FLEET, 0, item_fields, BODY_MAX },
	{ "GET", B2B_CB "/{cbid}", get_callback, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "PUT", B2B_CB "/{cbid}", put_callback, CV_AUTH_FLEET, 0, item_fields, BODY_MAX },
	{ "DELETE", B2B_CB "/{cbid}", delete_callback, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "PUT", B2B_CB "/{cbid}/status", put_status, CV_AUTH_FLEET, 0, item_fields, 1024 },
	{ "POST", B2B_CB "/{cbid}/secret", post_secret, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "GET", B2B_CB "/{cbid}/deliveries", get_deliveries, CV_AUTH_FLEET, 0, mon_list_fields, 0 },
	{ "POST", B2B_CB "/{cbid}/deliveries/{did}/redeliver", post_redeliver, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "GET", B2B_MON "/{mid}/deliveries", get_monitor_deliveries, CV_AUTH_FLEET, 0, mon_list_fields, 0 },
	{ "POST", B2B_MON "/{mid}/deliveries/{did}/redeliver", post_monitor_redeliver, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "GET", B2B_MON, cv_get_monitors, CV_AUTH_FLEET, 0, mon_list_fields, 0 },
	{ "POST", B2B_MON, cv_post_monitor, CV_AUTH_FLEET, 0, item_fields, BODY_MAX },
	{ "GET", B2B_MON "/{mid}", cv_get_monitor, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "PUT", B2B_MON "/{mid}", cv_put_monitor, CV_AUTH_FLEET, 0, item_fields, BODY_MAX },
	{ "DELETE", B2B_MON "/{mid}", cv_delete_monitor, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ "PUT", B2B_MON "/{mid}/status", cv_put_monitor_status, CV_AUTH_FLEET, 0, item_fields, 1024 },
	{ "GET", B2C_RA, cv_get_remotes, CV_AUTH_USER, 0, mon_list_fields, 0 },
	{ "POST", B2C_RA, cv_post_remote, CV_AUTH_USER, 0, item_fields, BODY_MAX },
	{ "GET", B2C_RA "/{rid}", cv_get_remote, CV_AUTH_USER, 0, item_fields, 0 },
	{ "GET", B2B_RA, cv_get_remotes, CV_AUTH_FLEET, 0, mon_list_fields, 0 },
	{ "POST", B2B_RA, cv_post_remote, CV_AUTH_FLEET, 0, item_fields, BODY_MAX },
	{ "GET", B2B_RA "/{rid}", cv_get_remote, CV_AUTH_FLEET, 0, item_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	cv_remotes_setup("cvapi-callbacks");
	return cv_serve(argc, argv, "cvapi-callbacks",
			"Callbacks, monitors and remote actions: where notifications go and what sets them off "
			"(/user/callbacks..., /user/vehicles/{id}/callbacks/{cbid}/monitors..., .../remotes..., "
			"/fleets/{fid}/remote/callbacks..., /fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes...).", routes);
}

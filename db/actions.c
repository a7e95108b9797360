/* actions.c - remote actions in the store (see actions.h). */
#include "config.h"
#include "actions.h"
#include "cbattr.h"
#include "ids.h"
#include "outbox.h"
#include "pack.h"
#include "quotas.h"
#include "window.h"
#include "jw.h"

#include <stdlib.h>
#include <string.h>

#define ACTION_VERSION 1
#define KEY_MAX (CV_CB_OWNER_MAX + 1 + CV_CB_IDLEN + 1 + 32)
#define KEEP_DONE_MS (3600LL * 1000)   /* a done action answers the vehicle's repeats this long */

/* ---- ids and keys ---------------------------------------------------------- */

void cv_action_id_new(int64_t now, char out[CV_ACTION_ID_LEN + 1])
{
	unsigned char b[16];

	cv_be64_put(b, (uint64_t)now);
	cv_random(b + 8, 8);
	cv_hex(b, sizeof(b), out);
}

bool cv_action_id_ok(const char *id)
{
	unsigned char b[16];

	return strlen(id) == CV_ACTION_ID_LEN && strspn(id, "0123456789abcdef") == CV_ACTION_ID_LEN &&
	       !cv_unhex(id, b, 16);
}

/* owner \0 cbid \0 (the callback's prefix); 0 if either does not fit */
static size_t cb_prefix(unsigned char *k, const char *owner, const char *cbid)
{
	size_t ol = strlen(owner), cl = strlen(cbid);

	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN)
		return 0;
	memcpy(k, owner, ol + 1);
	memcpy(k + ol + 1, cbid, cl + 1);
	return ol + cl + 2;
}

/* the remotes key: owner \0 cbid \0 vid16 rid16; 0 if malformed */
static size_t rkey(unsigned char *k, const char *owner, const char *cbid, const char *vid, const char *rid)
{
	size_t pl = cb_prefix(k, owner, cbid);

	if (!pl || cv_unhex(vid, k + pl, 16) || cv_unhex(rid, k + pl + 16, 16))
		return 0;
	return pl + 32;
}

/* ---- the record -------------------------------------------------------------- */

enum cv_err cv_action_encode(const struct cv_action *a, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, ACTION_VERSION, 1);

	if (!e)
		e = cv_wr_str(out, a->id);
	if (!e)
		e = cv_wr_str(out, a->owner);
	if (!e)
		e = cv_wr_str(out, a->cbid);
	if (!e)
		e = cv_wr_str(out, a->vid);
	if (!e)
		e = cv_wr_str(out, a->vin);
	if (!e)
		e = cv_wr_uint(out, a->b2b, 1);
	if (!e)
		e = cv_wr_uint(out, a->rm.type, 1);
	if (!e)
		e = cv_wr_uint(out, a->rm.energy_hungry, 1);
	if (!e)
		e = cv_wr_str(out, a->rm.label);
	if (!e)
		e = cv_wr_str(out, a->rm.action);
	if (!e)
		e = cv_wr_uint(out, a->sm.status, 1);
	if (!e)
		e = cv_wr_uint(out, a->sm.cause, 1);
	if (!e)
		e = cv_wr_uint(out, a->sm.feedback, 1);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)a->created, 8);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)a->updated, 8);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)a->deadline, 8);
	if (!e)
		e = cv_cbattr_pack(out, a->attrs, a->nattrs, CV_CB_ATTRS_MAX);
	if (!e)
		e = cv_cbattr_pack(out, a->cbattrs, a->ncbattrs, CV_CB_ATTRS_MAX);
	return e;
}

enum cv_err cv_action_decode(const void *p, size_t len, struct cv_action *a)
{
	struct cv_rd rd = CV_RD_INIT(p, len);

	memset(a, 0, sizeof(*a));
	if (cv_rd_uint(&rd, 1) != ACTION_VERSION)
		return CV_EINVAL;
	cv_rd_str(&rd, a->id, sizeof(a->id));
	cv_rd_str(&rd, a->owner, sizeof(a->owner));
	cv_rd_str(&rd, a->cbid, sizeof(a->cbid));
	cv_rd_str(&rd, a->vid, sizeof(a->vid));
	cv_rd_str(&rd, a->vin, sizeof(a->vin));
	a->b2b = (uint8_t)cv_rd_uint(&rd, 1);
	a->rm.type = (uint8_t)cv_rd_uint(&rd, 1);
	a->rm.energy_hungry = cv_rd_uint(&rd, 1) != 0;
	cv_rd_str(&rd, a->rm.label, sizeof(a->rm.label));
	cv_rd_str(&rd, a->rm.action, sizeof(a->rm.action));
	a->sm.status = (uint8_t)cv_rd_uint(&rd, 1);
	a->sm.cause = (uint8_t)cv_rd_uint(&rd, 1);
	a->sm.feedback = (uint8_t)cv_rd_uint(&rd, 1);
	a->created = (int64_t)cv_rd_uint(&rd, 8);
	a->updated = (int64_t)cv_rd_uint(&rd, 8);
	a->deadline = (int64_t)cv_rd_uint(&rd, 8);
	cv_cbattr_unpack(&rd, a->attrs, CV_CB_ATTRS_MAX, &a->nattrs);
	cv_cbattr_unpack(&rd, a->cbattrs, CV_CB_ATTRS_MAX, &a->ncbattrs);
	if (rd.bad || rd.off != len || a->rm.type >= CV_RT_COUNT || a->sm.status >= CV_RS_COUNT ||
	    a->sm.cause >= CV_RC_COUNT || a->sm.feedback >= 3 || !cv_action_id_ok(a->id))
		return CV_EINVAL;
	return CV_OK;
}

static enum cv_err put_record(struct cv_store *st, DB_TXN *txn, const struct cv_action *a)
{
	unsigned char k[KEY_MAX];
	size_t kl = rkey(k, a->owner, a->cbid, a->vid, a->id);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_action_encode(a, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_REMOTES, txn, k, kl, b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

/* The index key of action rid of vehicle vid (both hex): false if either is malformed. */
static bool akey(unsigned char k[32], const char *vid, const char *rid)
{
	return !cv_unhex(vid, k, 16) && !cv_unhex(rid, k + 16, 16);
}

/*
 * The vehicle's index: vid16 rid16 -> owner \0 cbid \0 until (8) type (1)
 * status (1). Until is the deadline of an action under way, and for one
 * done the time its entry goes (KEEP_DONE_MS after: a vehicle repeating
 * its report meanwhile is answered as the first time).
 */
static enum cv_err put_active(struct cv_store *st, DB_TXN *txn, const struct cv_action *a)
{
	unsigned char k[32], v[KEY_MAX + 10];
	size_t pl = cb_prefix(v, a->owner, a->cbid);
	bool done = CV_RS_FINAL(a->sm.status);

	if (!pl || !akey(k, a->vid, a->id))
		return CV_EINVAL;
	cv_be64_put(v + pl, (uint64_t)(done ? a->updated + KEEP_DONE_MS : a->deadline));
	v[pl + 8] = a->rm.type;
	v[pl + 9] = a->sm.status;
	return cv_store_put(st, CV_DB_RACTIVE, txn, k, sizeof(k), v, pl + 10, 0);
}

static enum cv_err del_active(struct cv_store *st, DB_TXN *txn, const char *vid, const char *rid)
{
	unsigned char k[32];
	enum cv_err e;

	if (!akey(k, vid, rid))
		return CV_EINVAL;
	e = cv_store_del(st, CV_DB_RACTIVE, txn, k, sizeof(k));
	return e == CV_ENOTFOUND ? CV_OK : e;
}

struct active {
	char owner[CV_CB_OWNER_MAX + 1];
	char cbid[CV_CB_IDLEN + 1];
	int64_t until;
	uint8_t type, status;
};

/* Split an index value; false if malformed. */
static bool split_active(const unsigned char *v, size_t vl, struct active *x)
{
	const unsigned char *a = memchr(v, '\0', vl), *b;
	size_t ol, cl;

	if (!a || vl < 10)
		return false;
	b = memchr(a + 1, '\0', vl - (size_t)(a + 1 - v));
	if (!b || (size_t)(v + vl - (b + 1)) != 10)
		return false;
	ol = (size_t)(a - v);
	cl = (size_t)(b - a - 1);
	if (!ol || ol > CV_CB_OWNER_MAX || !cl || cl > CV_CB_IDLEN || b[10] >= CV_RS_COUNT)
		return false;
	memcpy(x->owner, v, ol);
	x->owner[ol] = '\0';
	memcpy(x->cbid, a + 1, cl);
	x->cbid[cl] = '\0';
	x->until = (int64_t)cv_be64_get(b + 1);
	x->type = b[9];
	x->status = b[10];
	return true;
}

static enum cv_err get_active(struct cv_store *st, DB_TXN *txn, const unsigned char k[32], struct active *x)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_RACTIVE, txn, k, 32, &b);

	if (!e && !split_active((const unsigned char *)b.p, b.len, x))
		e = CV_EINVAL;
	cv_buf_release(&b);
	return e;
}

/* Store a's record and its index entry (as it stands now). */
static enum cv_err save(struct cv_store *st, DB_TXN *txn, const struct cv_action *a)
{
	enum cv_err e = put_record(st, txn, a);

	return e ? e : put_active(st, txn, a);
}

/* ---- notifications ------------------------------------------------------------- */

/*
 * true if nothing is delivered to callback (owner, cbid): a poll callback
 * (no target), or one deleted (what it left is being swept, sweep.h)
 */
static enum cv_err polled(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, bool *yes)
{
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	enum cv_err e = cv_callback_get(st, txn, owner, cbid, cb);

	*yes = e == CV_ENOTFOUND || (!e && !cb->target[0]);
	free(cb);
	return e == CV_ENOTFOUND ? CV_OK : e;
}

/*
 * Queue the event of state s of action a (RemoteEvent of its face) in its
 * callback's outbox; nothing for a poll callback, whose client reads the
 * action instead.
 */
static enum cv_err notify(struct cv_store *st, DB_TXN *txn, const struct cv_action *a,
			  const struct cv_remote_state *s, int64_t at)
{
	struct cv_note *n;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	const char *type = a->b2b ? cv_remote_type_webhook_b2b(a->rm.type) : cv_remote_type_names[a->rm.type];
	int64_t lim[CV_Q_COUNT];
	bool quiet;
	enum cv_err e = polled(st, txn, a->owner, a->cbid, &quiet);

	if (e || quiet)
		return e;
	n = cv_calloc(1, sizeof(*n));
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "remoteActionId", a->id);
	if (a->b2b) {
		cv_jw_kstr(&w, "vin", a->vin);
		cv_jw_ktime(&w, "eventDate", at);
	}
	if (type)
		cv_jw_kstr(&w, "remoteType", type);
	cv_jw_key(&w, "eventStatus");
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "type", CV_RS_FINAL(s->status) ? "Done" : "Pending");
	cv_jw_kstr(&w, "status", cv_remote_status_names[s->status]);
	if (s->cause)
		cv_jw_kstr(&w, "failureCause", cv_remote_cause_names[s->cause]);
	if (s->feedback)
		cv_jw_kstr(&w, "feedbackDetail", cv_remote_feedback_names[s->feedback]);
	cv_jw_end(&w);
	cv_jw_end(&w);
	if (w.err) {
		cv_buf_release(&b);
		free(n);
		return CV_ETOOBIG;
	}
	cv_strlcpy(n->owner, a->owner, sizeof(n->owner));
	cv_strlcpy(n->cbid, a->cbid, sizeof(n->cbid));
	n->kind = CV_NOTE_REMOTE;
	n->raised = at;
	n->queued = at;
	cv_strlcpy(n->ref, a->id, sizeof(n->ref));
	cv_strlcpy(n->vid, a->vid, sizeof(n->vid));
	cv_strlcpy(n->vin, a->vin, sizeof(n->vin));
	if (a->b2b)
		cv_strlcpy(n->fid, a->owner + 2, sizeof(n->fid));
	cv_strlcpy(n->rtype, type ? type : "", sizeof(n->rtype));
	cv_strlcpy(n->rstatus, cv_remote_status_names[s->status], sizeof(n->rstatus));
	cv_strlcpy(n->rlabel, a->rm.label, sizeof(n->rlabel));
	/* the action's attributes, then those it adds to its callback's webhook */
	for (size_t i = 0; i < a->nattrs && n->nattrs < CV_NOTE_ATTRS; i++)
		n->attrs[n->nattrs++] = a->attrs[i];
	for (size_t i = 0; i < a->ncbattrs && n->nattrs < CV_NOTE_ATTRS; i++)
		n->attrs[n->nattrs++] = a->cbattrs[i];
	n->body = b.p;
	n->body_len = b.len;
	e = cv_limits_get(st, NULL, a->owner, lim);     /* read committed, as the engine does */
	if (e == CV_EINVAL)
		e = CV_OK;                              /* unreadable: the defaults (engine.c) */
	if (!e)
		e = cv_outbox_add(st, txn, n, (uint64_t)lim[CV_Q_QUEUE]);
	if (e == CV_EQUOTA) {
		/* the queue is full: the action goes on, its event is logged as dropped */
		char why[CV_DL_ERROR_MAX + 1];

		snprintf(why, sizeof(why), "the callback's queue holds %lld notifications, its quota "
			 "(queuedNotifications): not queued", (long long)lim[CV_Q_QUEUE]);
		e = cv_delivery_refused(st, txn, a->owner, a->cbid, at, why, 1);
	}
	cv_note_clear(n);
	free(n);
	return e;
}

/* Apply ev to a, then store it (record, active index) and notify every state entered; *steps: how many. */
static enum cv_err advance(struct cv_store *st, DB_TXN *txn, struct cv_action *a, enum cv_remote_event ev,
			   const struct cv_remote_in *in, int64_t now, int *steps)
{
	struct cv_remote_state out[CV_REMOTE_MAX_STEPS];
	int n = cv_remote_step(&a->sm, ev, in, out);
	enum cv_err e = CV_OK;

	if (steps)
		*steps += n > 0 ? n : 0;
	if (n < 0)
		return CV_EEXIST;
	for (int i = 0; i < n && !e; i++)
		e = notify(st, txn, a, &out[i], now);
	return e;
}

/* ---- checks ------------------------------------------------------------------------- */

/* The checks on the vehicle's last state before an action is sent: a cause, or 0. */
static enum cv_err check_vehicle(struct cv_store *st, DB_TXN *txn, const struct cv_action *a, uint8_t *refuse)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_status_rec rec;
	enum cv_err e;

	*refuse = 0;
	if (!a->rm.energy_hungry)
		return CV_OK;
	e = cv_status_get(st, txn, a->vid, &b, &rec);
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e) {
		const struct cv_sample *v = &rec.state.v;

		/* a traction battery under 10% that is not charging keeps what it has for driving */
		if (CV_HAS(v, CV_G_ELEC) && v->elec_level < 100 && !(CV_HAS(v, CV_G_CHARGE) && v->plugged))
			*refuse = CV_RC_BATTERY;
	}
	cv_buf_release(&b);
	return e;
}

/*
 * Is the callback of an action gone? Its actions are then being swept
 * (sweep.h): until they are, they count as gone too (never handed to the
 * vehicle, never in the way of a new one, a report of one is unknown).
 */
static bool callback_gone(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, enum cv_err *err)
{
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	enum cv_err e = cv_callback_get(st, txn, owner, cbid, cb);

	free(cb);
	if (e && e != CV_ENOTFOUND)
		*err = e;
	return e == CV_ENOTFOUND;
}

struct same_ctx {
	struct cv_store *st;
	DB_TXN *txn;
	uint8_t type;
	bool found;
	int64_t now;
	enum cv_err err;
};

static int same_type(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct same_ctx *c = arg;
	struct active x;

	(void)k;
	(void)kl;
	/* one past its deadline is over, whether or not the timer said so yet */
	if (split_active(v, vl, &x) && x.type == c->type && !CV_RS_FINAL(x.status) && x.until > c->now &&
	    !callback_gone(c->st, c->txn, x.owner, x.cbid, &c->err))
		c->found = true;
	return c->found || c->err;
}

/*
 * The vehicle's entries in the index: one cursor range on its 16 bytes,
 * copied and the cursor closed before fn sees them (fn may read other
 * databases: no page of this one stays locked meanwhile). Under a
 * transaction the entries are read for update (DB_RMW): two posts for one
 * vehicle queue up rather than deadlock on the upgrade.
 */
struct ventry {
	unsigned char k[32];
	unsigned char v[KEY_MAX + 10];
	size_t vl;
};

static enum cv_err walk_vehicle(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
				int (*fn)(const void *k, size_t kl, const void *v, size_t vl, void *arg), void *arg)
{
	DB *db = st->db[CV_DB_RACTIVE];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	unsigned char k[32];
	size_t n = 0, cap = 8;
	struct ventry *list = cv_calloc(cap, sizeof(*list));
	uint32_t rmw = txn ? DB_RMW : 0;
	int ret = db->cursor(db, txn, &c, txn ? 0 : DB_READ_COMMITTED);

	if (ret) {
		free(list);
		return cv_store_err(ret);
	}
	memcpy(k, vid, 16);
	memset(k + 16, 0, 16);
	dk.data = k;
	dk.size = 16;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.data = list[0].v;
	dd.ulen = sizeof(list[0].v);
	dd.flags = DB_DBT_USERMEM;
	for (ret = c->get(c, &dk, &dd, DB_SET_RANGE | rmw); !ret; ret = c->get(c, &dk, &dd, DB_NEXT | rmw)) {
		if (dk.size != 32 || memcmp(k, vid, 16))
			break;
		memcpy(list[n].k, k, 32);
		list[n].vl = dd.size;
		if (++n == cap) {
			cap *= 2;
			list = cv_realloc(list, cap * sizeof(*list));
		}
		dd.data = list[n].v;
	}
	c->close(c);
	if (ret && ret != DB_NOTFOUND) {
		free(list);
		return cv_store_err(ret);
	}
	for (size_t i = 0; i < n; i++)
		if (fn(list[i].k, 32, list[i].v, list[i].vl, arg))
			break;
	free(list);
	return CV_OK;
}

/* ---- posting ---------------------------------------------------------------------------- */

enum cv_err cv_action_create(struct cv_store *st, DB_TXN *txn, struct cv_action *a,
			     const struct cv_remote_cfg *cfg, enum cv_vlink_spent *spent)
{
	unsigned char vid[16];
	struct same_ctx same = { .st = st, .txn = txn, .type = a->rm.type, .now = a->created };
	struct cv_remote_in in = { .navigation = a->rm.type == CV_RT_NAVIGATION };
	struct cv_vlink l;
	enum cv_err e;

	*spent = CV_VLINK_SPENT_NONE;
	if (cv_vid_bytes(a->vid, vid))
		return CV_EINVAL;
	memset(&a->sm, 0, sizeof(a->sm));
	a->updated = a->created;
	a->deadline = a->created + cfg->timeout_ms;
	e = walk_vehicle(st, txn, vid, same_type, &same);
	if (!e)
		e = same.err;
	if (!e)
		e = cv_vlink_get(st, txn, vid, &l);
	if (e)
		return e;
	in.awake = cv_vlink_awake(&l, a->created, cfg->awake_ms);
	if (same.found) {
		in.refuse = CV_RC_SAME_IN_PROGRESS;
	} else if (!in.awake && !in.navigation) {
		/* a wake-up, counted against the owner's allowance and the vehicle's cap of the month */
		e = cv_vlink_wake(st, txn, vid, a->owner, a->created, (uint32_t)cfg->wakeups,
				  (uint32_t)cfg->vehicle_wakeups, spent);
		if (e)
			return e;
		if (*spent)
			in.refuse = CV_RC_WAKEUPS;
	}
	if (!e)
		e = advance(st, txn, a, CV_RE_CREATE, &in, a->created, NULL);
	if (!e && a->sm.status == CV_RS_CHECKING) {
		e = check_vehicle(st, txn, a, &in.refuse);
		if (!e)
			e = advance(st, txn, a, CV_RE_CHECK, &in, a->created, NULL);
	}
	return e ? e : save(st, txn, a);
}

/* ---- reading ------------------------------------------------------------------------------ */

enum cv_err cv_action_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, const char *vid,
			  const char *rid, struct cv_action *a)
{
	unsigned char k[KEY_MAX];
	size_t kl = cv_action_id_ok(rid) ? rkey(k, owner, cbid, vid, rid) : 0;
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_ENOTFOUND;
	e = cv_store_get(st, CV_DB_REMOTES, txn, k, kl, &b);
	if (!e)
		e = cv_action_decode(b.p, b.len, a);
	cv_buf_release(&b);
	return e;
}

struct list_ctx {
	unsigned char prefix[KEY_MAX];
	size_t pl;
	struct cv_window w;
	int (*fn)(const struct cv_action *a, void *arg);
	void *arg;
	enum cv_err err;
	struct cv_action a;
};

static int list_step(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_ctx *c = arg;

	if (kl != c->pl + 16 || memcmp(k, c->prefix, c->pl))
		return 1;
	if (cv_window_take(&c->w)) {
		c->err = cv_action_decode(v, vl, &c->a);
		if (c->err)
			return 1;
		if (c->fn(&c->a, c->arg))
			cv_window_stop(&c->w);
	}
	cv_window_count(&c->w);
	return 0;
}

enum cv_err cv_action_list(struct cv_store *st, const char *owner, const char *cbid, const char *vid, size_t offset,
			   size_t limit, size_t *total, int (*fn)(const struct cv_action *a, void *arg), void *arg)
{
	struct list_ctx *c = cv_calloc(1, sizeof(*c));
	enum cv_err e;

	c->pl = cb_prefix(c->prefix, owner, cbid);
	if (!c->pl || cv_unhex(vid, c->prefix + c->pl, 16)) {
		free(c);
		return CV_ENOTFOUND;
	}
	c->pl += 16;
	c->w = CV_WINDOW(offset, limit);
	c->fn = fn;
	c->arg = arg;
	e = cv_store_scan(st, CV_DB_REMOTES, NULL, c->prefix, c->pl, list_step, c);
	if (!e)
		e = c->err;
	*total = c->w.n;
	free(c);
	return e;
}

struct pending_ctx {
	int64_t now;
	struct cv_store *st;
	int (*fn)(const struct cv_action *a, void *arg);
	void *arg;
	enum cv_err err;
	struct cv_action a;
};

static int pending_step(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct pending_ctx *c = arg;
	const unsigned char *kb = k;
	char vid[33], rid[33];
	struct active x;
	enum cv_err e;

	(void)kl;
	if (!split_active(v, vl, &x) || CV_RS_FINAL(x.status) || x.until <= c->now)
		return 0;
	if (callback_gone(c->st, NULL, x.owner, x.cbid, &c->err))
		return 0;
	if (c->err)
		return 1;
	cv_hex(kb, 16, vid);
	cv_hex(kb + 16, 16, rid);
	e = cv_action_get(c->st, NULL, x.owner, x.cbid, vid, rid, &c->a);
	if (e == CV_ENOTFOUND)
		return 0;       /* done and dropped meanwhile */
	if (e) {
		c->err = e;
		return 1;
	}
	if (CV_RS_FINAL(c->a.sm.status))
		return 0;
	return c->fn(&c->a, c->arg);
}

enum cv_err cv_action_pending(struct cv_store *st, const char *vid, int64_t now,
			      int (*fn)(const struct cv_action *a, void *arg), void *arg)
{
	unsigned char v[16];
	struct pending_ctx *c;
	enum cv_err e;

	if (cv_vid_bytes(vid, v))
		return CV_EINVAL;
	c = cv_calloc(1, sizeof(*c));
	c->now = now;
	c->st = st;
	c->fn = fn;
	c->arg = arg;
	e = walk_vehicle(st, NULL, v, pending_step, c);
	if (!e)
		e = c->err;
	free(c);
	return e;
}

/* ---- the vehicle's reports ------------------------------------------------------------------ */

struct report_arg {
	const char *vid, *rid;
	enum cv_remote_event ev;
	const struct cv_remote_in *in;
	int64_t now;
	struct cv_action *a;
	int steps;
};

static enum cv_err report_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct report_arg *r = arg;
	unsigned char k[32];
	struct cv_remote_in chk = { 0 };
	struct active x;
	enum cv_err e;

	r->steps = 0;
	if (!cv_action_id_ok(r->rid) || !akey(k, r->vid, r->rid))
		return CV_ENOTFOUND;
	e = cv_vlink_touch(st, txn, k, r->now, false);
	if (!e)
		e = get_active(st, txn, k, &x);
	if (!e && callback_gone(st, txn, x.owner, x.cbid, &e))
		e = CV_ENOTFOUND;
	if (!e)
		e = cv_action_get(st, txn, x.owner, x.cbid, r->vid, r->rid, r->a);
	if (e)
		return e == CV_EINVAL ? CV_ENOTFOUND : e;
	if (!CV_RS_FINAL(r->a->sm.status) && r->now >= r->a->deadline) {
		/* too late, whether or not the timer said so yet: never carried out now */
		struct cv_remote_in none = { 0 };

		e = advance(st, txn, r->a, CV_RE_TIMEOUT, &none, r->now, &r->steps);
	}
	if (!e && (r->a->sm.status == CV_RS_ACCEPTED || r->a->sm.status == CV_RS_WAKING)) {
		/* heard from at last: checked before it is handed over */
		e = advance(st, txn, r->a, CV_RE_WOKEN, &chk, r->now, &r->steps);
		if (!e)
			e = check_vehicle(st, txn, r->a, &chk.refuse);
		if (!e)
			e = advance(st, txn, r->a, CV_RE_CHECK, &chk, r->now, &r->steps);
	}
	if (!e && !(CV_RS_FINAL(r->a->sm.status) && r->steps))
		e = advance(st, txn, r->a, r->ev, r->in, r->now, &r->steps);
	if (e || !r->steps)
		return e;      /* a repeat: nothing written but the vehicle's last contact */
	r->a->updated = r->now;
	return save(st, txn, r->a);
}

enum cv_err cv_action_report(struct cv_store *st, const char *vid, const char *rid, enum cv_remote_event ev,
			     const struct cv_remote_in *in, int64_t now, struct cv_action *a, int *steps)
{
	struct report_arg r = { vid, rid, ev, in, now, a, 0 };
	enum cv_err e = cv_store_txn(st, 0, report_txn, &r);

	*steps = r.steps;
	return e;
}

/* ---- timeouts --------------------------------------------------------------------------------- */

struct due {
	char vid[33], rid[33];
};

struct tick_ctx {
	int64_t now;
	struct due *list;
	size_t n, cap;
};

static int tick_step(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct tick_ctx *c = arg;
	struct active x;

	/* an action whose deadline is past, or the entry of one done long enough */
	if (kl != 32 || !split_active(v, vl, &x) || x.until > c->now)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->list = cv_realloc(c->list, c->cap * sizeof(*c->list));
	}
	cv_hex(k, 16, c->list[c->n].vid);
	cv_hex((const unsigned char *)k + 16, 16, c->list[c->n].rid);
	c->n++;
	return c->n >= 1000;    /* the rest at the next turn */
}

struct timeout_arg {
	const struct due *d;
	int64_t now;
	struct cv_action a;
	bool timed_out;
};

static enum cv_err timeout_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct timeout_arg *t = arg;
	unsigned char k[32];
	struct cv_remote_in in = { 0 };
	struct active x;
	enum cv_err e;

	t->timed_out = false;
	if (!akey(k, t->d->vid, t->d->rid))
		return CV_EINVAL;
	/* read again in the transaction: a report that landed meanwhile moved the deadline */
	e = get_active(st, txn, k, &x);
	if (e == CV_ENOTFOUND || (!e && x.until > t->now))
		return CV_OK;
	if (!e && !CV_RS_FINAL(x.status))
		e = cv_action_get(st, txn, x.owner, x.cbid, t->d->vid, t->d->rid, &t->a);
	else if (!e)
		e = CV_ENOTFOUND;        /* done long enough: the entry goes */
	if (e == CV_ENOTFOUND || e == CV_EINVAL) {
		e = cv_store_del(st, CV_DB_RACTIVE, txn, k, sizeof(k));
		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	if (!e)
		e = advance(st, txn, &t->a, CV_RE_TIMEOUT, &in, t->now, NULL);
	t->a.updated = t->now;
	if (!e)
		e = save(st, txn, &t->a);
	t->timed_out = !e;
	return e;
}

enum cv_err cv_action_tick(struct cv_store *st, int64_t now, size_t *n)
{
	struct tick_ctx c = { .now = now };
	struct timeout_arg *t;
	enum cv_err e = cv_store_scan(st, CV_DB_RACTIVE, NULL, "", 0, tick_step, &c);

	*n = 0;
	t = cv_calloc(1, sizeof(*t));
	for (size_t i = 0; i < c.n && e != CV_EPANIC; i++) {
		enum cv_err te;

		t->d = &c.list[i];
		t->now = now;
		/* one that fails waits for the next turn; the others go ahead */
		te = cv_store_txn(st, 0, timeout_txn, t);
		if (te && !e)
			e = te;
		*n += t->timed_out;
	}
	free(t);
	free(c.list);
	return e;
}

struct under_way_ctx {
	int64_t now;
	uint32_t types;
	int (*fn)(const char *vid, void *arg);
	void *arg;
};

static int under_way_step(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct under_way_ctx *c = arg;
	struct active x;
	char vid[33];

	if (kl != 32 || !split_active(v, vl, &x) || CV_RS_FINAL(x.status) || x.until <= c->now ||
	    x.type >= CV_RT_COUNT || !(c->types & (1u << x.type)))
		return 0;
	cv_hex(k, 16, vid);
	return c->fn(vid, c->arg);
}

enum cv_err cv_action_under_way(struct cv_store *st, int64_t now, uint32_t types,
				int (*fn)(const char *vid, void *arg), void *arg)
{
	struct under_way_ctx c = { now, types, fn, arg };

	return cv_store_scan(st, CV_DB_RACTIVE, NULL, "", 0, under_way_step, &c);
}

/* ---- a callback deleted -------------------------------------------------------------------- */

/* An action of a callback being deleted: its entry in the vehicle's index first. */
static enum cv_err drop_one(const unsigned char *k, size_t kl, void *arg)
{
	const struct { struct cv_store *st; DB_TXN *txn; } *d = arg;
	char vid[33], rid[33];

	if (kl < 32)
		return CV_OK;
	cv_hex(k + kl - 32, 16, vid);
	cv_hex(k + kl - 16, 16, rid);
	return del_active(d->st, d->txn, vid, rid);
}

enum cv_err cv_action_drop_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid, size_t max,
				    size_t *n)
{
	unsigned char start[KEY_MAX];
	size_t pl = cb_prefix(start, owner, cbid);
	struct { struct cv_store *st; DB_TXN *txn; } d = { st, txn };

	return pl ? cv_store_del_prefix(st, CV_DB_REMOTES, txn, start, pl, drop_one, &d, max, n) : CV_OK;
}

/* engine.c - the monitor engine (see engine.h). */
#include "config.h"
#include "engine.h"
#include "outbox.h"
#include "jw.h"
#include "pack.h"

#include <stdlib.h>
#include <string.h>

#define WATCH_VERSION 1
#define MSTATE_VERSION 1
#define MAX_FLEETS 64                   /* fleets of one vehicle that the engine follows */
#define WATCH_KEY_MAX (1 + CV_LOGIN_MAX + 1 + CV_CB_OWNER_MAX + 1 + CV_MON_IDLEN)
#define MSTATE_KEY_MAX (CV_CB_OWNER_MAX + 1 + CV_MON_IDLEN + 1 + 16)

/* scope \0 (the start of a watch range): "v" vid or "f" fleet id */
static size_t scope_key(char *k, size_t ksz, char kind, const char *id)
{
	size_t il = strlen(id);

	if (!il || 1 + il + 1 > ksz)
		return 0;
	k[0] = kind;
	memcpy(k + 1, id, il + 1);
	return il + 2;
}

/* The watch key of m: its scope \0 owner \0 id; 0 if m cannot be watched. */
static size_t watch_key(char *k, size_t ksz, const struct cv_monitor *m)
{
	size_t sl = m->b2b ? (strncmp(m->owner, "f:", 2) ? 0 : scope_key(k, ksz, 'f', m->owner + 2))
			   : scope_key(k, ksz, 'v', m->vid);
	size_t ol = strlen(m->owner), il = strlen(m->id);

	if (!sl || sl + ol + 1 + il > ksz)
		return 0;
	memcpy(k + sl, m->owner, ol + 1);
	memcpy(k + sl + ol + 1, m->id, il);
	return sl + ol + 1 + il;
}

static size_t mstate_key(unsigned char *k, const char *owner, const char *id, const unsigned char vid[16])
{
	size_t ol = strlen(owner), il = strlen(id);

	if (ol > CV_CB_OWNER_MAX || il > CV_MON_IDLEN)
		return 0;
	memcpy(k, owner, ol + 1);
	memcpy(k + ol + 1, id, il + 1);
	memcpy(k + ol + 1 + il + 1, vid, 16);
	return ol + il + 2 + 16;
}

enum cv_err cv_watch_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	char k[WATCH_KEY_MAX];
	size_t kl = watch_key(k, sizeof(k), m);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_wr_uint(&b, WATCH_VERSION, 1);
	if (!e)
		e = cv_wr_uint(&b, m->status, 1);
	if (!e)
		e = cv_wr_uint(&b, m->b2b, 1);
	if (!e)
		e = cv_wr_uint(&b, (uint32_t)m->refresh_s, 4);
	if (!e)
		e = cv_wr_str(&b, m->cbid);
	if (!e)
		e = cv_mon_pack(&m->def, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_WATCH, txn, k, kl, b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_watch_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	char k[WATCH_KEY_MAX];
	size_t kl = watch_key(k, sizeof(k), m);
	unsigned char sk[MSTATE_KEY_MAX];
	size_t pl;
	DB *db = st->db[CV_DB_MSTATE];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	enum cv_err e;
	int ret;

	if (!kl)
		return CV_OK;
	e = cv_store_del(st, CV_DB_WATCH, txn, k, kl);
	if (e && e != CV_ENOTFOUND)
		return e;
	/* its states, one per vehicle it saw: owner \0 id \0 . vid */
	pl = mstate_key(sk, m->owner, m->id, (const unsigned char[16]){ 0 }) - 16;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	{
		unsigned char prefix[MSTATE_KEY_MAX];

		memcpy(prefix, sk, pl);
		dk.data = sk;
		dk.size = (u_int32_t)pl;
		dk.ulen = sizeof(sk);
		dk.flags = DB_DBT_USERMEM;
		dd.flags = DB_DBT_PARTIAL;
		for (ret = c->get(c, &dk, &dd, DB_SET_RANGE | DB_RMW); !ret; ret = c->get(c, &dk, &dd, DB_NEXT | DB_RMW)) {
			if (dk.size != pl + 16 || memcmp(sk, prefix, pl))
				break;
			ret = c->del(c, 0);
			if (ret)
				break;
		}
	}
	c->close(c);
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

/* ---- loading ---------------------------------------------------------- */

struct scan {
	struct cv_engine *eng;
	const char *prefix;
	size_t pl;
	enum cv_err e;
};

static struct cv_watch *watch_new(struct cv_engine *eng)
{
	if (eng->n == eng->cap) {
		eng->cap = eng->cap ? 2 * eng->cap : 4;
		eng->w = cv_realloc(eng->w, eng->cap * sizeof(*eng->w));
	}
	memset(&eng->w[eng->n], 0, sizeof(eng->w[0]));
	return &eng->w[eng->n];
}

/* One watch record of the range (cv_store_scan); malformed ones are skipped. */
static int watch_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct scan *s = arg;
	const char *key = k, *owner, *id, *nul;
	struct cv_watch *w;
	struct cv_rd rd = CV_RD_INIT(v, vlen);

	if (klen < s->pl || memcmp(k, s->prefix, s->pl))
		return 1;
	owner = key + s->pl;
	nul = memchr(owner, '\0', klen - s->pl);
	if (!nul)
		return 0;
	id = nul + 1;
	if ((size_t)(nul - owner) > CV_CB_OWNER_MAX || (size_t)(key + klen - id) > CV_MON_IDLEN)
		return 0;
	w = watch_new(s->eng);
	memcpy(w->owner, owner, (size_t)(nul - owner));
	memcpy(w->id, id, (size_t)(key + klen - id));
	if (cv_rd_uint(&rd, 1) != WATCH_VERSION)
		return 0;
	w->status = (uint8_t)cv_rd_uint(&rd, 1);
	w->b2b = (uint8_t)cv_rd_uint(&rd, 1);
	w->refresh_s = (int32_t)(uint32_t)cv_rd_uint(&rd, 4);
	cv_rd_str(&rd, w->cbid, sizeof(w->cbid));
	if (rd.bad || cv_mon_unpack(&rd, &w->def) || rd.off != rd.len)
		return 0;
	s->eng->n++;
	return 0;
}

static enum cv_err load_scope(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, char kind, const char *id)
{
	char k[WATCH_KEY_MAX];
	struct scan s = { eng, k, scope_key(k, sizeof(k), kind, id), CV_OK };

	if (!s.pl)
		return CV_OK;
	return cv_store_scan(st, CV_DB_WATCH, txn, k, s.pl, watch_one, &s);
}

struct fleets {
	const char *prefix;
	size_t pl;
	char id[MAX_FLEETS][CV_LOGIN_MAX + 1];
	size_t n;
};

static int fleet_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct fleets *f = arg;

	(void)v;
	(void)vlen;
	if (klen < f->pl || memcmp(k, f->prefix, f->pl))
		return 1;
	if (klen - f->pl > CV_LOGIN_MAX || f->n == MAX_FLEETS)
		return 0;
	memcpy(f->id[f->n], (const char *)k + f->pl, klen - f->pl);
	f->id[f->n][klen - f->pl] = '\0';
	f->n++;
	return 0;
}

enum cv_err cv_engine_load(struct cv_store *st, DB_TXN *txn, const char *vid, int64_t now, struct cv_engine *eng)
{
	char vk[CV_VID_HEXLEN + 2];
	struct fleets *f;
	enum cv_err e;

	memset(eng, 0, sizeof(*eng));
	eng->vid = vid;
	eng->now = now;
	cv_vid_bytes(vid, eng->vidb);
	e = load_scope(st, txn, eng, 'v', vid);
	if (e)
		return e;
	f = cv_calloc(1, sizeof(*f));
	f->pl = strlen(vid) + 1;
	if (f->pl > sizeof(vk)) {
		free(f);
		return CV_EINVAL;
	}
	memcpy(vk, vid, f->pl);
	f->prefix = vk;
	e = cv_store_scan(st, CV_DB_VEHFLEETS, txn, vk, f->pl, fleet_one, f);
	for (size_t i = 0; i < f->n && !e; i++)
		e = load_scope(st, txn, eng, 'f', f->id[i]);
	free(f);
	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		unsigned char k[MSTATE_KEY_MAX];
		size_t kl = mstate_key(k, w->owner, w->id, eng->vidb);
		struct cv_buf b = CV_BUF_INIT(0);

		e = cv_store_get(st, CV_DB_MSTATE, txn, k, kl, &b);
		if (!e) {
			struct cv_rd rd = CV_RD_INIT(b.p, b.len);

			if (cv_rd_uint(&rd, 1) == MSTATE_VERSION) {
				w->truth = (uint8_t)cv_rd_uint(&rd, 1);
				w->fired = (int64_t)cv_rd_uint(&rd, 8);
			}
			if (rd.bad)
				w->truth = 0, w->fired = 0;
		} else if (e == CV_ENOTFOUND) {
			e = CV_OK;
		}
		cv_buf_release(&b);
	}
	return e;
}

/* ---- firing ----------------------------------------------------------- */

/* The body member of an extension ("vehicle.doorsState" -> "doorState"...); NULL: not one. */
static const char *ext_member(const char *name)
{
	static const struct { const char *name, *member; } map[] = {
		{ "vehicle.doorsState", "doorState" }, { "vehicle.status", "status" },
		{ "vehicle.maintenance", "maintenance" }, { "vehicle.position", "position" },
		{ "vehicle.telemetry", "telemetry" }, { "vehicle.alerts", "alerts" },
		{ "vehicle.alarm", "alarm" }, { "vehicle.trip", "trip" },
		{ "vehicle.collisions", "collisions" }, { "vehicle.stolen", "stolen" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(name, map[i].name))
			return map[i].member;
	if (!strncmp(name, "vehicle.telemetry.", 18))
		return "telemetry";
	return NULL;
}

struct alerts_w {
	struct cv_jw *w;
	const unsigned char *vid;
};

/* One active alert of the vehicle (alertopen: vid . code -> start). */
static int alert_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct alerts_w *a = arg;
	const unsigned char *key = k;
	unsigned code;

	if (klen != 18 || memcmp(key, a->vid, 16))
		return 1;
	code = (unsigned)key[16] << 8 | key[17];
	if (code >= cv_alert_count || vlen != 8)
		return 0;
	cv_jw_obj(a->w);
	cv_jw_kstr(a->w, "type", cv_alert_names[code]);
	cv_jw_ktime(a->w, "startedAt", (int64_t)cv_be64_get(v));
	cv_jw_end(a->w);
	return 0;
}

/* extensions: [{type, body: [{member: ...}]}] with the data as it was after the sample. */
static enum cv_err render_extensions(struct cv_store *st, DB_TXN *txn, struct cv_jw *w, const struct cv_monitor *m,
				     const struct cv_engine *eng, const struct cv_state *after)
{
	enum cv_err e = CV_OK;

	cv_jw_key(w, "extensions");
	cv_jw_arr(w);
	for (size_t i = 0; i < m->next && !e; i++) {
		const char *name = m->ext[i], *member = ext_member(name);

		if (!member)
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", name);
		cv_jw_key(w, "body");
		cv_jw_arr(w);
		if (!strcmp(member, "alerts")) {
			struct alerts_w a = { w, eng->vidb };

			cv_jw_obj(w);
			cv_jw_key(w, "alerts");
			cv_jw_arr(w);
			e = cv_store_scan(st, CV_DB_ALERTOPEN, txn, eng->vidb, 16, alert_one, &a);
			cv_jw_end(w);
			cv_jw_end(w);
		} else if (!strcmp(member, "position")) {
			if (cv_state_has_position(after)) {
				cv_jw_obj(w);
				cv_jw_key(w, "position");
				cv_render_position(w, after);
				cv_jw_end(w);
			}
		} else if (!strcmp(member, "maintenance")) {
			if (cv_state_has_maintenance(after)) {
				cv_jw_obj(w);
				cv_jw_key(w, "maintenance");
				cv_jw_obj(w);
				cv_render_maintenance_members(w, after);
				cv_jw_end(w);
				cv_jw_end(w);
			}
		} else if (!strcmp(member, "status")) {
			cv_jw_obj(w);
			cv_jw_key(w, "status");
			cv_jw_obj(w);
			cv_render_status_members(w, after);
			cv_jw_end(w);
			cv_jw_end(w);
		} else if (!strcmp(member, "doorState") || !strcmp(member, "telemetry")) {
			uint32_t mask = !strcmp(member, "doorState") ? 1u << CV_TP_DOORS
				      : name[17] == '.' ? cv_tel_part_mask(name + 18) : CV_TP_ALL;

			cv_jw_obj(w);
			cv_jw_key(w, member);
			cv_jw_obj(w);
			cv_render_telemetry_members(w, &after->v, mask);
			cv_jw_end(w);
			cv_jw_end(w);
		}
		/* alarm, trip, collisions, stolen: an empty body (doc/api.md) */
		cv_jw_end(w);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	return e;
}

static enum cv_err fire(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_watch *wt,
			const struct cv_state *before, const struct cv_state *after, int64_t at, bool refresh)
{
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_note *n = cv_calloc(1, sizeof(*n));
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;
	enum cv_err e;

	e = cv_monitor_get(st, txn, wt->owner, wt->id, m);
	if (!e && !eng->have_veh) {
		e = cv_vehicle_get(st, txn, eng->vid, &eng->veh);
		eng->have_veh = !e;
	}
	if (e)
		goto out;
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	if (wt->b2b) {
		cv_jw_kstr(&w, "fleetId", wt->owner + 2);
		cv_jw_kstr(&w, "vin", eng->veh.vin);
		cv_jw_ktime(&w, "eventDate", at);
	} else {
		cv_jw_kstr(&w, "monitorId", wt->id);
	}
	cv_jw_key(&w, "values");
	cv_mon_render_values(&w, &wt->def, cv_mon_truths(&wt->def, before, after), before, after);
	e = render_extensions(st, txn, &w, m, eng, after);
	cv_jw_kbool(&w, "refresh", refresh);
	cv_jw_end(&w);
	if (e)
		goto out;
	cv_strlcpy(n->owner, wt->owner, sizeof(n->owner));
	cv_strlcpy(n->cbid, wt->cbid, sizeof(n->cbid));
	n->kind = CV_NOTE_MONITOR;
	n->raised = at;
	n->queued = eng->now;
	cv_strlcpy(n->ref, wt->id, sizeof(n->ref));
	cv_strlcpy(n->vid, eng->vid, sizeof(n->vid));
	cv_strlcpy(n->vin, eng->veh.vin, sizeof(n->vin));
	if (wt->b2b)
		cv_strlcpy(n->fid, wt->owner + 2, sizeof(n->fid));
	/* the monitor's attributes, then those it adds to its callback's webhook */
	for (size_t i = 0; i < m->nattrs && n->nattrs < CV_CB_ATTRS_MAX; i++)
		n->attrs[n->nattrs++] = m->attrs[i];
	for (size_t i = 0; i < m->ncbattrs && n->nattrs < CV_CB_ATTRS_MAX; i++)
		n->attrs[n->nattrs++] = m->cbattrs[i];
	n->body = b.p;
	n->body_len = b.len;
	e = cv_outbox_add(st, txn, n);
	n->body = NULL;
	if (!e)
		eng->fired++;
out:
	cv_buf_release(&b);
	free(n);
	free(m);
	return e;
}

enum cv_err cv_engine_step(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_state *before,
			   const struct cv_state *after, int64_t at)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		bool truth;

		if (w->status != CV_CB_RUNNING)
			continue;
		truth = cv_mon_eval(&w->def, before, after);
		if (truth && !w->truth) {
			e = fire(st, txn, eng, w, before, after, at, false);
			w->fired = at;
			w->dirty = true;
		} else if (truth && w->refresh_s > 0 && at - w->fired >= (int64_t)w->refresh_s * 1000) {
			e = fire(st, txn, eng, w, before, after, at, true);
			w->fired = at;
			w->dirty = true;
		}
		if (truth != (w->truth != 0)) {
			w->truth = truth;
			w->dirty = true;
		}
	}
	return e;
}

enum cv_err cv_engine_save(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		unsigned char k[MSTATE_KEY_MAX], v[10];
		size_t kl;

		if (!w->dirty)
			continue;
		kl = mstate_key(k, w->owner, w->id, eng->vidb);
		v[0] = MSTATE_VERSION;
		v[1] = w->truth;
		for (int j = 0; j < 8; j++)
			v[2 + j] = (unsigned char)((uint64_t)w->fired >> (8 * j));
		e = cv_store_put(st, CV_DB_MSTATE, txn, k, kl, v, sizeof(v), 0);
		w->dirty = false;
	}
	return e;
}

void cv_engine_free(struct cv_engine *eng)
{
	free(eng->w);
	eng->w = NULL;
	eng->n = eng->cap = 0;
}

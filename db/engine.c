/* engine.c - the monitor engine (see engine.h). */
#include "config.h"
#include "engine.h"
#include "cbattr.h"
#include "outbox.h"
#include "trips.h"
#include "ids.h"
#include "jw.h"
#include "pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_VERSION 1
#define MSTATE_VERSION 1                /* version, truth, fired (8), seen (8) */
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

/* vid (16) . owner \0 id: a vehicle's states are one cursor range */
static size_t mstate_key(unsigned char *k, const char *owner, const char *id, const unsigned char vid[16])
{
	size_t ol = strlen(owner), il = strlen(id);

	if (ol > CV_CB_OWNER_MAX || il > CV_MON_IDLEN)
		return 0;
	memcpy(k, vid, 16);
	memcpy(k + 16, owner, ol + 1);
	memcpy(k + 16 + ol + 1, id, il);
	return 16 + ol + 1 + il;
}

struct state_del {
	struct cv_store *st;
	DB_TXN *txn;
	const struct cv_monitor *m;
	enum cv_err e;
};

static enum cv_err state_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m, const char *vid)
{
	unsigned char vb[16], k[MSTATE_KEY_MAX];
	size_t kl;
	enum cv_err e;

	if (strlen(vid) != CV_VID_HEXLEN)
		return CV_OK;
	cv_vid_bytes(vid, vb);
	kl = mstate_key(k, m->owner, m->id, vb);
	e = kl ? cv_store_del(st, CV_DB_MSTATE, txn, k, kl) : CV_OK;
	return e == CV_ENOTFOUND ? CV_OK : e;
}

static int state_del_one(const struct cv_vehicle *v, void *arg)
{
	struct state_del *d = arg;

	d->e = state_del(d->st, d->txn, d->m, v->id);
	return d->e != CV_OK;
}

/* Delete m's states: its vehicle's, or every vehicle of its fleet's. */
static enum cv_err states_drop(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	struct state_del d = { st, txn, m, CV_OK };
	size_t total;
	enum cv_err e;

	if (!m->b2b)
		return state_del(st, txn, m, m->vid);
	e = cv_fleet_vehicles(st, txn, m->owner + 2, NULL, 0, SIZE_MAX, &total, state_del_one, &d);
	return e ? e : d.e;
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
		e = cv_wr_uint(&b, m->next, 1);
	for (size_t i = 0; i < m->next && !e; i++)
		e = cv_wr_str(&b, m->ext[i]);
	if (!e)
		e = cv_cbattr_pack(&b, m->attrs, m->nattrs, CV_CB_ATTRS_MAX);
	if (!e)
		e = cv_cbattr_pack(&b, m->cbattrs, m->ncbattrs, CV_CB_ATTRS_MAX);
	if (!e) {
		/* a monitor whose definition changed starts afresh: what the old
		 * one saw says nothing of the new (a status change keeps it) */
		struct cv_buf old = CV_BUF_INIT(0);
		enum cv_err g = cv_store_get(st, CV_DB_WATCH, txn, k, kl, &old);

		if (g && g != CV_ENOTFOUND)
			e = g;
		else if (!g && (old.len != b.len || old.len < 2 || memcmp(old.p + 2, b.p + 2, b.len - 2)))
			e = states_drop(st, txn, m);
		cv_buf_release(&old);
	}
	if (!e)
		e = cv_store_put(st, CV_DB_WATCH, txn, k, kl, b.p, b.len, 0);
	/* the timer's index: monitors whose truth changes with time alone, and
	 * those with reminders, due while a vehicle is silent too */
	if (!e && (cv_mon_timed(&m->def) || m->refresh_s > 0))
		e = cv_store_put(st, CV_DB_TIMED, txn, k, kl, "", 0, 0);
	else if (!e && (e = cv_store_del(st, CV_DB_TIMED, txn, k, kl)) == CV_ENOTFOUND)
		e = CV_OK;
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_watch_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m)
{
	char k[WATCH_KEY_MAX];
	size_t kl = watch_key(k, sizeof(k), m);
	enum cv_err e;

	if (!kl)
		return CV_OK;
	e = cv_store_del(st, CV_DB_WATCH, txn, k, kl);
	if (!e || e == CV_ENOTFOUND)
		e = cv_store_del(st, CV_DB_TIMED, txn, k, kl);
	if (e && e != CV_ENOTFOUND)
		return e;
	return states_drop(st, txn, m);
}

/* ---- loading ---------------------------------------------------------- */

struct scan {
	struct cv_engine *eng;
	const char *prefix;
	size_t pl;
	enum cv_err e;
};

/*
 * The watches of one upload live in an array the process keeps from one
 * upload to the next (a process serves one request at a time): a few
 * hundred of them are a few hundred KB, which malloc would otherwise map
 * and unmap, page faults included, on every upload.
 */
static struct cv_watch *pool;
static size_t pool_cap;

static struct cv_watch *watch_new(struct cv_engine *eng)
{
	if (eng->n == eng->cap) {
		eng->cap = eng->cap ? 2 * eng->cap : 16;
		pool = cv_realloc(pool, eng->cap * sizeof(*pool));
		pool_cap = eng->cap;
		eng->w = pool;
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
	if (rd.bad || cv_mon_unpack(&rd, &w->def))
		return 0;
	/* the extras stay packed until the monitor fires */
	w->extra_off = s->eng->extras.len;
	w->extra_len = rd.len - rd.off;
	if (cv_buf_add(&s->eng->extras, rd.p + rd.off, w->extra_len)) {
		s->e = CV_ETOOBIG;
		return 1;
	}
	s->eng->n++;
	return 0;
}

static enum cv_err load_scope(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, char kind, const char *id)
{
	char k[WATCH_KEY_MAX];
	struct scan s = { eng, k, scope_key(k, sizeof(k), kind, id), CV_OK };
	enum cv_err e;

	if (!s.pl)
		return CV_OK;
	e = cv_store_scan(st, CV_DB_WATCH, txn, k, s.pl, watch_one, &s);
	return e ? e : s.e;
}

static int watch_cmp(const void *a, const void *b)
{
	const struct cv_watch *x = a, *y = b;
	int c = strcmp(x->owner, y->owner);

	return c ? c : strcmp(x->id, y->id);
}

struct states {
	struct cv_engine *eng;
	size_t at;                  /* the next watch to match (both in key order) */
};

/* One state of the vehicle (vid . owner \0 id -> version, truth, fired), matched to its watch. */
static int state_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct states *s = arg;
	struct cv_engine *eng = s->eng;
	const char *owner = (const char *)k + 16, *nul, *id;
	char o[CV_CB_OWNER_MAX + 1], i[CV_MON_IDLEN + 1];
	struct cv_rd rd = CV_RD_INIT(v, vlen);

	if (klen < 16 || memcmp(k, eng->vidb, 16))
		return 1;
	nul = memchr(owner, '\0', klen - 16);
	if (!nul || (size_t)(nul - owner) > CV_CB_OWNER_MAX)
		return 0;
	id = nul + 1;
	if ((size_t)((const char *)k + klen - id) > CV_MON_IDLEN)
		return 0;
	memcpy(o, owner, (size_t)(nul - owner));
	o[nul - owner] = '\0';
	memcpy(i, id, (size_t)((const char *)k + klen - id));
	i[(const char *)k + klen - id] = '\0';
	while (s->at < eng->n) {
		struct cv_watch *w = &eng->w[s->at];
		int c = strcmp(w->owner, o);

		if (!c)
			c = strcmp(w->id, i);
		if (c > 0)
			break;              /* a state without a watch (a monitor deleted meanwhile) */
		s->at++;
		if (c == 0) {
			if (cv_rd_uint(&rd, 1) == MSTATE_VERSION) {
				w->truth = (uint8_t)cv_rd_uint(&rd, 1);
				w->fired = (int64_t)cv_rd_uint(&rd, 8);
				/* (a record of before `seen` is 10 bytes: seen 0) */
				if (rd.len - rd.off >= 8)
					w->seen = (int64_t)cv_rd_uint(&rd, 8);
			}
			if (rd.bad)
				w->truth = 0, w->fired = 0, w->seen = 0;
			break;
		}
	}
	return 0;
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
	cv_buf_init(&eng->extras, 0);
	eng->w = pool;
	eng->cap = pool_cap;
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
	if (!e && eng->n) {
		/* their states: one range of the vehicle's, in the watches' order */
		struct states ss = { eng, 0 };

		qsort(eng->w, eng->n, sizeof(eng->w[0]), watch_cmp);
		e = cv_store_scan(st, CV_DB_MSTATE, txn, eng->vidb, 16, state_one, &ss);
	}
	return e;
}

/* ---- firing ----------------------------------------------------------- */

static size_t note_max = CV_NOTE_BODY_MAX;

void cv_engine_note_max(size_t max)
{
	note_max = max < CV_ENGINE_NOTE_MIN ? CV_ENGINE_NOTE_MIN : max > CV_NOTE_BODY_MAX ? CV_NOTE_BODY_MAX : max;
}

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

/*
 * The vehicle's newest event of kind at or before `at` (the events
 * database, vid . at . index, read backwards); false if none within the
 * last EVENT_LOOKBACK events.
 */
#define EVENT_LOOKBACK 500
static bool last_event(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at, uint8_t kind,
		       struct cv_event *ev, int64_t *ev_at, unsigned *index)
{
	DB *db = st->db[CV_DB_EVENTS];
	DBC *c = NULL;
	unsigned char k[25];
	DBT dk = { 0 }, dd = { 0 };
	bool found = false;
	int ret, n = 0;

	if (db->cursor(db, txn, &c, 0))
		return false;
	memcpy(k, vid, 16);
	cv_be64_put(k + 16, (uint64_t)at);
	k[24] = 0xff;
	dk.data = k;
	dk.size = sizeof(k);
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_REALLOC;
	for (ret = cv_cursor_last_le(c, &dk, &dd, 0); !ret && n < EVENT_LOOKBACK; ret = c->get(c, &dk, &dd, DB_PREV), n++) {
		if (dk.size != sizeof(k) || memcmp(k, vid, 16))
			break;
		if (!cv_event_decode(dd.data, dd.size, ev) && ev->kind == kind) {
			*ev_at = (int64_t)cv_be64_get(k + 16);
			*index = k[24];
			found = true;
			break;
		}
	}
	c->close(c);
	free(dd.data);
	return found;
}

static int first_trip(const struct cv_trip *t, void *arg)
{
	*(struct cv_trip *)arg = *t;
	return 1;
}

/*
 * An extension's body in its face's webhook template: a list of one item
 * on the user face, [{member: ...}] (empty when nothing is known); the item
 * itself on the fleet face, {member: ...} (empty likewise). item_begin()
 * and item_end() bracket the item inside the body.
 */
static void body_begin(struct cv_jw *w, bool b2b)
{
	cv_jw_key(w, "body");
	if (b2b)
		cv_jw_obj(w);
	else
		cv_jw_arr(w);
}

static void item_begin(struct cv_jw *w, bool b2b)
{
	if (!b2b)
		cv_jw_obj(w);
}

static void item_end(struct cv_jw *w, bool b2b)
{
	if (!b2b)
		cv_jw_end(w);
}

/* extensions: [{type, body}] with the data as it was after the sample, body in the face's shape (b2b). */
static enum cv_err render_extensions(struct cv_store *st, DB_TXN *txn, struct cv_jw *w, const struct cv_monitor *m,
				     const struct cv_engine *eng, const struct cv_state *after, int64_t at, bool b2b)
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
		body_begin(w, b2b);
		if (!strcmp(member, "alerts")) {
			struct alerts_w a = { w, eng->vidb };

			item_begin(w, b2b);
			cv_jw_key(w, "alerts");
			cv_jw_arr(w);
			e = cv_store_scan(st, CV_DB_ALERTOPEN, txn, eng->vidb, 16, alert_one, &a);
			cv_jw_end(w);
			item_end(w, b2b);
		} else if (!strcmp(member, "position")) {
			if (cv_state_has_position(after)) {
				item_begin(w, b2b);
				cv_jw_key(w, "position");
				cv_render_position(w, after);
				item_end(w, b2b);
			}
		} else if (!strcmp(member, "maintenance")) {
			if (cv_state_has_maintenance(after)) {
				item_begin(w, b2b);
				cv_jw_key(w, "maintenance");
				cv_jw_obj(w);
				cv_render_maintenance_members(w, after);
				cv_jw_end(w);
				item_end(w, b2b);
			}
		} else if (!strcmp(member, "status")) {
			item_begin(w, b2b);
			cv_jw_key(w, "status");
			cv_jw_obj(w);
			cv_render_status_members(w, after);
			cv_jw_end(w);
			item_end(w, b2b);
		} else if (!strcmp(member, "doorState") || !strcmp(member, "telemetry")) {
			uint32_t mask = !strcmp(member, "doorState") ? 1u << CV_TP_DOORS
				      : name[17] == '.' ? cv_tel_part_mask(name + 18) : CV_TP_ALL;

			item_begin(w, b2b);
			cv_jw_key(w, member);
			cv_jw_obj(w);
			cv_render_telemetry_members(w, &after->v, mask);
			cv_jw_end(w);
			item_end(w, b2b);
		} else if (!strcmp(member, "collisions")) {
			struct cv_event ev;
			int64_t eat;
			unsigned index;

			if (last_event(st, txn, eng->vidb, at, CV_EV_COLLISION, &ev, &eat, &index)) {
				char id[CV_ID_MAX + 1];

				cv_coll_id(id, eng->vid, eat, index, 1);
				item_begin(w, b2b);
				cv_jw_key(w, "collisions");
				cv_jw_obj(w);
				cv_jw_kstr(w, "id", id);
				cv_jw_ktime(w, "createdAt", eat);
				cv_jw_key(w, "details");
				cv_jw_arr(w);
				for (int d = 0; d < ev.ndetails; d++) {
					cv_jw_obj(w);
					cv_jw_kstr(w, "side", cv_side_names[ev.side[d] < 3 ? ev.side[d] : 0]);
					if (ev.csev[d] >= 1 && ev.csev[d] <= 3)
						cv_jw_kstr(w, "severity", cv_csev_names[ev.csev[d]]);
					cv_jw_end(w);
				}
				cv_jw_end(w);
				cv_jw_end(w);
				item_end(w, b2b);
			}
		} else if (!strcmp(member, "alarm")) {
			struct cv_event ev;
			int64_t eat;
			unsigned index;

			if (last_event(st, txn, eng->vidb, at, CV_EV_ALARM, &ev, &eat, &index)) {
				item_begin(w, b2b);
				cv_jw_key(w, "alarm");
				cv_jw_obj(w);
				cv_jw_ktime(w, "createdAt", eat);
				if (ev.active >= 1 && ev.active <= 2)
					cv_jw_kstr(w, "activation", cv_activation_names[ev.active]);
				if (ev.code >= 1 && ev.code <= cv_alarm_trigger_count)
					cv_jw_kstr(w, "trigger", cv_alarm_trigger_names[ev.code - 1]);
				cv_jw_end(w);
				item_end(w, b2b);
			}
		} else if (!strcmp(member, "stolen")) {
			unsigned char ok[18];
			struct cv_buf b = CV_BUF_INIT(0);

			memcpy(ok, eng->vidb, 16);
			ok[16] = ok[17] = 0xff;         /* the active theft (store.h, alertopen) */
			if (!cv_store_get(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok), &b) && b.len == 8) {
				item_begin(w, b2b);
				cv_jw_key(w, "stolen");
				cv_jw_obj(w);
				cv_jw_kbool(w, "stolen", true);
				cv_jw_ktime(w, "since", (int64_t)cv_be64_get((const unsigned char *)b.p));
				cv_jw_end(w);
				item_end(w, b2b);
			}
			cv_buf_release(&b);
		} else if (!strcmp(member, "trip")) {
			/* the trip under way, else the last one */
			struct cv_trip_state ts;
			struct cv_trip t;
			bool have = false;

			if (!cv_trip_state_get(st, txn, eng->vidb, &ts) && ts.has_open && ts.open.start_at <= at) {
				t = ts.open;
				have = true;
			} else {
				memset(&t, 0, sizeof(t));
				t.start_at = -1;
				cv_trips_walk_desc(st, txn, eng->vidb, 0, at, first_trip, &t);
				have = t.start_at >= 0;
			}
			if (have) {
				char id[CV_ID_MAX + 1];

				cv_coll_id(id, eng->vid, t.start_at, 0, 0);
				item_begin(w, b2b);
				cv_jw_key(w, "trip");
				cv_jw_obj(w);
				cv_trip_render_members(w, &t, id, eng->veh.vin, true);
				cv_jw_end(w);
				item_end(w, b2b);
			}
		}
		cv_jw_end(w);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	return e;
}

/* What the monitor adds to its firings, from the watch's packed extras, into m. */
static enum cv_err unpack_extras(const struct cv_engine *eng, const struct cv_watch *wt, struct cv_monitor *m)
{
	struct cv_rd rd = CV_RD_INIT(eng->extras.p + wt->extra_off, wt->extra_len);

	m->next = (size_t)cv_rd_uint(&rd, 1);
	if (m->next > CV_MON_EXT_MAX)
		return CV_EINVAL;
	for (size_t i = 0; i < m->next; i++)
		cv_rd_str(&rd, m->ext[i], sizeof(m->ext[i]));
	cv_cbattr_unpack(&rd, m->attrs, CV_CB_ATTRS_MAX, &m->nattrs);
	cv_cbattr_unpack(&rd, m->cbattrs, CV_CB_ATTRS_MAX, &m->ncbattrs);
	return rd.bad || rd.off != rd.len ? CV_EINVAL : CV_OK;
}

/* A firing whose event does not fit in a notification: logged as dropped, never queued. */
static enum cv_err drop_oversized(struct cv_store *st, DB_TXN *txn, const struct cv_engine *eng,
				  const struct cv_watch *wt)
{
	char why[CV_DL_ERROR_MAX + 1];

	fprintf(stderr, "cvapi: monitor %s/%s: its event for vehicle %s exceeds %zu bytes: dropped\n", wt->owner, wt->id,
		eng->vid, note_max);
	snprintf(why, sizeof(why), "the event exceeds %zu bytes, the most a notification may hold: not sent", note_max);
	return cv_delivery_refused(st, txn, wt->owner, wt->cbid, eng->now, why);
}

static enum cv_err fire(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_watch *wt,
			const struct cv_state *before, const struct cv_state *after, int64_t at, bool refresh)
{
	struct cv_monitor *m = cv_calloc(1, sizeof(*m));
	struct cv_note *n = cv_calloc(1, sizeof(*n));
	struct cv_buf b = CV_BUF_INIT(note_max);
	struct cv_jw w;
	enum cv_err e = CV_OK;

	if (unpack_extras(eng, wt, m)) {
		/* a watch record cvapi did not write: it fires nothing, and the upload goes on */
		fprintf(stderr, "cvapi: monitor %s/%s: its watch record is malformed: not fired\n", wt->owner, wt->id);
		goto out;
	}
	if (!eng->have_veh) {
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
	cv_mon_render_values(&w, &wt->def, cv_mon_truths(&wt->def, before, after, at), before, after);
	e = render_extensions(st, txn, &w, m, eng, after, at, wt->b2b);
	cv_jw_kbool(&w, "refresh", refresh);
	cv_jw_end(&w);
	if (!e && w.err == CV_ETOOBIG) {
		/* more than a notification may hold: dropped, and the upload goes on */
		e = drop_oversized(st, txn, eng, wt);
		goto out;
	}
	if (!e)
		e = w.err;
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
	for (size_t i = 0; i < m->nattrs && n->nattrs < CV_NOTE_ATTRS; i++)
		n->attrs[n->nattrs++] = m->attrs[i];
	for (size_t i = 0; i < m->ncbattrs && n->nattrs < CV_NOTE_ATTRS; i++)
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

/* A firing, queued by cv_engine_flush once the batch's events and trips are stored. */
static enum cv_err defer(struct cv_engine *eng, const struct cv_watch *w, const struct cv_state *before,
			 const struct cv_state *after, int64_t at, bool refresh)
{
	struct cv_firing *f;

	if (eng->nfiring == eng->capfiring) {
		eng->capfiring = eng->capfiring ? 2 * eng->capfiring : 8;
		eng->firing = cv_realloc(eng->firing, eng->capfiring * sizeof(*eng->firing));
	}
	f = &eng->firing[eng->nfiring++];
	f->watch = (size_t)(w - eng->w);
	f->before = *before;
	f->after = *after;
	f->at = at;
	f->refresh = refresh;
	return CV_OK;
}

enum cv_err cv_engine_flush(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->nfiring && !e; i++) {
		const struct cv_firing *f = &eng->firing[i];

		e = fire(st, txn, eng, &eng->w[f->watch], &f->before, &f->after, f->at, f->refresh);
	}
	eng->nfiring = 0;
	return e;
}

/* One watch for one sample (or one tick of the timer: before == after, at = now). */
static enum cv_err step_one(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, struct cv_watch *w,
			    const struct cv_state *before, const struct cv_state *after, int64_t at)
{
	enum cv_err e = CV_OK;
	bool truth;

	/* in time order only: a sample older than what the monitor has seen
	 * (a late one, or one before the timer's last turn) is stored but not
	 * evaluated, so that it cannot take the monitor back in time */
	if (w->status != CV_CB_RUNNING || at < w->seen)
		return CV_OK;
	/* written with the state when the truth or a firing changes it: what a
	 * later, older sample must not undo. A vehicle's clock may run ahead
	 * of the server's (by 5 minutes at most): kept at the server's now, so
	 * that the timer's turns are not held back */
	w->seen = at < eng->now ? at : eng->now;
	truth = cv_mon_eval(&w->def, before, after, at);
	if (truth && !w->truth) {
		e = defer(eng, w, before, after, at, false);
		w->fired = at;
		w->dirty = true;
	} else if (truth && w->refresh_s > 0 && at - w->fired >= (int64_t)w->refresh_s * 1000) {
		e = defer(eng, w, before, after, at, true);
		w->fired = at;
		w->dirty = true;
	}
	if (truth != (w->truth != 0)) {
		w->truth = truth;
		w->dirty = true;
	}
	return e;
}

enum cv_err cv_engine_step(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng, const struct cv_state *before,
			   const struct cv_state *after, int64_t at)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->n && !e; i++)
		e = step_one(st, txn, eng, &eng->w[i], before, after, at);
	return e;
}

enum cv_err cv_engine_save(struct cv_store *st, DB_TXN *txn, struct cv_engine *eng)
{
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < eng->n && !e; i++) {
		struct cv_watch *w = &eng->w[i];
		unsigned char k[MSTATE_KEY_MAX], v[18];
		size_t kl;

		if (!w->dirty)
			continue;
		kl = mstate_key(k, w->owner, w->id, eng->vidb);
		v[0] = MSTATE_VERSION;
		v[1] = w->truth;
		for (int j = 0; j < 8; j++) {
			v[2 + j] = (unsigned char)((uint64_t)w->fired >> (8 * j));
			v[10 + j] = (unsigned char)((uint64_t)w->seen >> (8 * j));
		}
		e = cv_store_put(st, CV_DB_MSTATE, txn, k, kl, v, sizeof(v), 0);
		w->dirty = false;
	}
	return e;
}

void cv_engine_free(struct cv_engine *eng)
{
	cv_buf_release(&eng->extras);
	free(eng->firing);
	eng->firing = NULL;
	eng->nfiring = eng->capfiring = 0;
	eng->w = NULL;              /* the pool stays for the next upload */
	eng->n = eng->cap = 0;
}

/* ---- the timer ---------------------------------------------------------- */

struct tick {
	const char *vid;
	const char *owner, *id;
	int64_t now;
	size_t fired;
};

/* One timed monitor and one of its vehicles, at now (cv_txn_fn). */
static enum cv_err tick_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct tick *t = arg;
	struct cv_engine eng;
	struct cv_buf buf = CV_BUF_INIT(0);
	struct cv_status_rec rec;
	enum cv_err e;

	t->fired = 0;
	e = cv_status_get(st, txn, t->vid, &buf, &rec);
	if (e) {
		cv_buf_release(&buf);
		return e == CV_ENOTFOUND ? CV_OK : e;       /* no data yet: nothing to evaluate */
	}
	e = cv_engine_load(st, txn, t->vid, t->now, &eng);
	for (size_t i = 0; i < eng.n && !e; i++) {
		struct cv_watch *w = &eng.w[i];

		if (!strcmp(w->owner, t->owner) && !strcmp(w->id, t->id))
			e = step_one(st, txn, &eng, w, &rec.state, &rec.state, t->now);
	}
	if (!e)
		e = cv_engine_save(st, txn, &eng);
	if (!e)
		e = cv_engine_flush(st, txn, &eng);
	t->fired = eng.fired;
	cv_engine_free(&eng);
	cv_buf_release(&buf);
	return e;
}

struct timed_list {
	char (*keys)[WATCH_KEY_MAX + 1];
	size_t n, cap;
};

static int timed_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct timed_list *l = arg;

	const char *a, *b;

	(void)v;
	(void)vlen;
	/* scope \0 owner \0 id, or not one of ours */
	if (klen > WATCH_KEY_MAX || !(a = memchr(k, '\0', klen)) ||
	    !(b = memchr(a + 1, '\0', klen - (size_t)(a + 1 - (const char *)k))))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->keys = cv_realloc(l->keys, l->cap * sizeof(*l->keys));
	}
	memcpy(l->keys[l->n], k, klen);
	l->keys[l->n][klen] = '\0';
	l->n++;
	return 0;
}

/* A fleet's vehicle ids, gathered before any transaction runs (no cursor held across writes). */
struct fleet_ids {
	char (*id)[CV_VID_HEXLEN + 1];
	size_t n, cap;
};

static int fleet_id_one(const struct cv_vehicle *v, void *arg)
{
	struct fleet_ids *f = arg;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->id = cv_realloc(f->id, f->cap * sizeof(*f->id));
	}
	cv_strlcpy(f->id[f->n++], v->id, sizeof(f->id[0]));
	return 0;
}

enum cv_err cv_engine_tick(struct cv_store *st, int64_t now, size_t *fired)
{
	struct timed_list l = { NULL, 0, 0 };
	enum cv_err e = cv_store_scan(st, CV_DB_TIMED, NULL, "", 0, timed_one, &l);

	*fired = 0;
	for (size_t i = 0; i < l.n && e != CV_EPANIC; i++) {
		/* scope \0 owner \0 id: the key has its NULs; the copy ends with one more */
		const char *scope = l.keys[i], *owner = scope + strlen(scope) + 1, *id = owner + strlen(owner) + 1;
		struct tick t = { NULL, owner, id, now, 0 };

		if (scope[0] == 'v') {
			t.vid = scope + 1;
			e = cv_store_txn(st, 0, tick_txn, &t);
			*fired += t.fired;
		} else if (scope[0] == 'f') {
			struct fleet_ids f = { NULL, 0, 0 };
			size_t total;

			e = cv_fleet_vehicles(st, NULL, scope + 1, NULL, 0, SIZE_MAX, &total, fleet_id_one, &f);
			for (size_t j = 0; j < f.n && e != CV_EPANIC; j++) {
				t.vid = f.id[j];
				e = cv_store_txn(st, 0, tick_txn, &t);
				*fired += t.fired;
			}
			free(f.id);
		}
	}
	free(l.keys);
	return e;
}

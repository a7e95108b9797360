/* mevent.c - a monitor's firing as its webhook carries it (see mevent.h). */
#include "config.h"
#include "mevent.h"
#include "trips.h"
#include "ids.h"

#include <stdlib.h>
#include <string.h>

#define VID_BYTES 16
#define EVENT_KEY_LEN (VID_BYTES + 8 + 1)       /* events: vid . at . index (store.h) */
#define ALERTOPEN_KEY_LEN (VID_BYTES + 2)       /* alertopen: vid . code */
#define EVENT_LOOKBACK 500                      /* events read back for the last of a kind */

struct face;

/* What an extension's renderer has to hand. */
struct ext_ctx {
	struct cv_store *st;
	DB_TXN *txn;
	struct cv_jw *w;
	const struct cv_mevent *ev;
	const struct face *face;
	const char *member;             /* the item's member in the body */
	const char *part;               /* name.<part>: the part asked for; NULL for the name alone */
};

/* An extension's item into the body, if there is one; a store error, or CV_OK. */
typedef enum cv_err ext_render_fn(const struct ext_ctx *x);

/* One extension of a face: its name in extendedEventParam, its item's member, how the item is rendered. */
struct ext {
	const char *name;
	const char *member;
	ext_render_fn *render;
	bool parts;                     /* name.<part> too */
};

/* A face's template: what the event starts with, the shape of a body, the extensions. */
struct face {
	void (*head)(struct cv_jw *w, const struct cv_mevent *ev);
	bool body_list;                 /* a body is a list of one item (else the item itself) */
	const struct ext *ext;
	size_t n;
};

/* ---- the item of a body ------------------------------------------------- */

/* The item's start, up to its member's value; item_close() ends it. */
static void item_open(const struct ext_ctx *x)
{
	if (x->face->body_list)
		cv_jw_obj(x->w);
	cv_jw_key(x->w, x->member);
}

static void item_close(const struct ext_ctx *x)
{
	if (x->face->body_list)
		cv_jw_end(x->w);
}

/* ---- what the store knows ----------------------------------------------- */

/*
 * The vehicle's newest event of kind at or before the firing (the events
 * database, read backwards); false if none within the last
 * EVENT_LOOKBACK events.
 */
static bool last_event(const struct ext_ctx *x, uint8_t kind, struct cv_event *ev, int64_t *ev_at, unsigned *index)
{
	const unsigned char *vid = x->ev->vidb;
	DB *db = x->st->db[CV_DB_EVENTS];
	DBC *c = NULL;
	unsigned char k[EVENT_KEY_LEN];
	DBT dk = { 0 }, dd = { 0 };
	bool found = false;
	int ret, n = 0;

	if (db->cursor(db, x->txn, &c, 0))
		return false;
	memcpy(k, vid, VID_BYTES);
	cv_be64_put(k + VID_BYTES, (uint64_t)x->ev->at);
	k[VID_BYTES + 8] = 0xff;                /* the last index of `at` */
	dk.data = k;
	dk.size = sizeof(k);
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_REALLOC;
	for (ret = cv_cursor_last_le(c, &dk, &dd, 0); !ret && n < EVENT_LOOKBACK; ret = c->get(c, &dk, &dd, DB_PREV), n++) {
		if (dk.size != sizeof(k) || memcmp(k, vid, VID_BYTES))
			break;
		if (!cv_event_decode(dd.data, dd.size, ev) && ev->kind == kind) {
			*ev_at = (int64_t)cv_be64_get(k + VID_BYTES);
			*index = k[VID_BYTES + 8];
			found = true;
			break;
		}
	}
	c->close(c);
	free(dd.data);
	return found;
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

	if (klen != ALERTOPEN_KEY_LEN || memcmp(key, a->vid, VID_BYTES))
		return 1;
	code = (unsigned)key[VID_BYTES] << 8 | key[VID_BYTES + 1];
	if (code >= cv_alert_count || vlen != 8)
		return 0;
	cv_jw_obj(a->w);
	cv_jw_kstr(a->w, "type", cv_alert_names[code]);
	cv_jw_ktime(a->w, "startedAt", (int64_t)cv_be64_get(v));
	cv_jw_end(a->w);
	return 0;
}

static int first_trip(const struct cv_trip *t, void *arg)
{
	*(struct cv_trip *)arg = *t;
	return 1;
}

/* ---- the extensions' items ---------------------------------------------- */

static void telemetry_item(const struct ext_ctx *x, uint32_t mask)
{
	item_open(x);
	cv_jw_obj(x->w);
	cv_render_telemetry_members(x->w, &x->ev->after->v, mask);
	cv_jw_end(x->w);
	item_close(x);
}

static enum cv_err ext_doors(const struct ext_ctx *x)
{
	telemetry_item(x, 1u << CV_TP_DOORS);
	return CV_OK;
}

/* vehicle.telemetry, or one part: vehicle.telemetry.<TelemetryEnum> */
static enum cv_err ext_telemetry(const struct ext_ctx *x)
{
	telemetry_item(x, x->part ? cv_tel_part_mask(x->part) : CV_TP_ALL);
	return CV_OK;
}

/* an object of members of the state after the sample */
static void members_item(const struct ext_ctx *x, void (*members)(struct cv_jw *w, const struct cv_state *st))
{
	item_open(x);
	cv_jw_obj(x->w);
	members(x->w, x->ev->after);
	cv_jw_end(x->w);
	item_close(x);
}

static enum cv_err ext_status(const struct ext_ctx *x)
{
	members_item(x, cv_render_status_members);
	return CV_OK;
}

static enum cv_err ext_maintenance(const struct ext_ctx *x)
{
	if (cv_state_has_maintenance(x->ev->after))
		members_item(x, cv_render_maintenance_members);
	return CV_OK;
}

static enum cv_err ext_position(const struct ext_ctx *x)
{
	if (cv_state_has_position(x->ev->after)) {
		item_open(x);
		cv_render_position(x->w, x->ev->after);
		item_close(x);
	}
	return CV_OK;
}

/* the active alerts: a list, empty when none */
static enum cv_err ext_alerts(const struct ext_ctx *x)
{
	struct alerts_w a = { x->w, x->ev->vidb };
	enum cv_err e;

	item_open(x);
	cv_jw_arr(x->w);
	e = cv_store_scan(x->st, CV_DB_ALERTOPEN, x->txn, x->ev->vidb, VID_BYTES, alert_one, &a);
	cv_jw_end(x->w);
	item_close(x);
	return e;
}

/* the last collision, at or before the firing */
static enum cv_err ext_collisions(const struct ext_ctx *x)
{
	struct cv_jw *w = x->w;
	struct cv_event ev;
	int64_t eat;
	unsigned index;
	char id[CV_ID_MAX + 1];

	if (!last_event(x, CV_EV_COLLISION, &ev, &eat, &index))
		return CV_OK;
	cv_coll_id(id, x->ev->vid, eat, index, 1);
	item_open(x);
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
	item_close(x);
	return CV_OK;
}

/* the last alarm event, at or before the firing */
static enum cv_err ext_alarm(const struct ext_ctx *x)
{
	struct cv_jw *w = x->w;
	struct cv_event ev;
	int64_t eat;
	unsigned index;

	if (!last_event(x, CV_EV_ALARM, &ev, &eat, &index))
		return CV_OK;
	item_open(x);
	cv_jw_obj(w);
	cv_jw_ktime(w, "createdAt", eat);
	if (ev.active >= 1 && ev.active <= 2)
		cv_jw_kstr(w, "activation", cv_activation_names[ev.active]);
	if (ev.code >= 1 && ev.code <= cv_alarm_trigger_count)
		cv_jw_kstr(w, "trigger", cv_alarm_trigger_names[ev.code - 1]);
	cv_jw_end(w);
	item_close(x);
	return CV_OK;
}

/* the theft under way, if the vehicle is reported stolen */
static enum cv_err ext_stolen(const struct ext_ctx *x)
{
	unsigned char k[ALERTOPEN_KEY_LEN];
	struct cv_buf b = CV_BUF_INIT(0);

	memcpy(k, x->ev->vidb, VID_BYTES);
	k[VID_BYTES] = (unsigned char)(CV_THEFT_OPEN_CODE >> 8);
	k[VID_BYTES + 1] = (unsigned char)CV_THEFT_OPEN_CODE;
	if (!cv_store_get(x->st, CV_DB_ALERTOPEN, x->txn, k, sizeof(k), &b) && b.len == 8) {
		item_open(x);
		cv_jw_obj(x->w);
		cv_jw_kbool(x->w, "stolen", true);
		cv_jw_ktime(x->w, "since", (int64_t)cv_be64_get((const unsigned char *)b.p));
		cv_jw_end(x->w);
		item_close(x);
	}
	cv_buf_release(&b);
	return CV_OK;
}

/* the trip under way, else the last one */
static enum cv_err ext_trip(const struct ext_ctx *x)
{
	const struct cv_mevent *ev = x->ev;
	struct cv_trip_state ts;
	struct cv_trip t;
	char id[CV_ID_MAX + 1];

	if (!cv_trip_state_get(x->st, x->txn, ev->vidb, &ts) && ts.has_open && ts.open.start_at <= ev->at) {
		t = ts.open;
	} else {
		memset(&t, 0, sizeof(t));
		t.start_at = -1;
		cv_trips_walk_desc(x->st, x->txn, ev->vidb, 0, ev->at, first_trip, &t);
		if (t.start_at < 0)
			return CV_OK;
	}
	cv_coll_id(id, ev->vid, t.start_at, 0, 0);
	item_open(x);
	cv_jw_obj(x->w);
	cv_trip_render_members(x->w, &t, id, ev->vin, true, NULL);
	cv_jw_end(x->w);
	item_close(x);
	return CV_OK;
}

/* ---- the faces ---------------------------------------------------------- */

static void user_head(struct cv_jw *w, const struct cv_mevent *ev)
{
	cv_jw_kstr(w, "monitorId", ev->monitor);
}

static void fleet_head(struct cv_jw *w, const struct cv_mevent *ev)
{
	cv_jw_kstr(w, "fleetId", ev->fleet);
	cv_jw_kstr(w, "vin", ev->vin);
	cv_jw_ktime(w, "eventDate", ev->at);
}

/* webhook-b2c: extendedEventParam */
static const struct ext user_ext[] = {
	{ "vehicle.doorsState", "doorState", ext_doors, false },
	{ "vehicle.status", "status", ext_status, false },
	{ "vehicle.maintenance", "maintenance", ext_maintenance, false },
	{ "vehicle.position", "position", ext_position, false },
	{ "vehicle.telemetry", "telemetry", ext_telemetry, true },
	{ "vehicle.alerts", "alerts", ext_alerts, false },
	{ "vehicle.alarm", "alarm", ext_alarm, false },
	{ "vehicle.trip", "trip", ext_trip, false },
};

/* webhook-b2b: extendedEventParam */
static const struct ext fleet_ext[] = {
	{ "vehicle.doorsState", "doorState", ext_doors, false },
	{ "vehicle.status", "status", ext_status, false },
	{ "vehicle.maintenance", "maintenance", ext_maintenance, false },
	{ "vehicle.position", "position", ext_position, false },
	{ "vehicle.telemetry", "telemetry", ext_telemetry, true },
	{ "vehicle.alerts", "alerts", ext_alerts, false },
	{ "vehicle.collisions", "collisions", ext_collisions, false },
	{ "vehicle.trip", "trip", ext_trip, false },
	{ "vehicle.stolen", "stolen", ext_stolen, false },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct face user_face = { user_head, true, user_ext, N(user_ext) };
static const struct face fleet_face = { fleet_head, false, fleet_ext, N(fleet_ext) };

/* The extension of face f named name, and *part: for name.<part>, the part; NULL if f has none such. */
static const struct ext *ext_find(const struct face *f, const char *name, const char **part)
{
	*part = NULL;
	for (size_t i = 0; i < f->n; i++) {
		const struct ext *x = &f->ext[i];
		size_t l = strlen(x->name);

		if (!strcmp(name, x->name))
			return x;
		if (x->parts && !strncmp(name, x->name, l) && name[l] == '.') {
			*part = name + l + 1;
			return x;
		}
	}
	return NULL;
}

/* extensions: [{type, body}], each body in the face's shape */
static enum cv_err render_extensions(struct cv_store *st, DB_TXN *txn, const struct cv_mevent *ev,
				     const struct face *f, struct cv_jw *w)
{
	enum cv_err e = CV_OK;

	cv_jw_key(w, "extensions");
	cv_jw_arr(w);
	for (size_t i = 0; i < ev->next && !e; i++) {
		struct ext_ctx x = { st, txn, w, ev, f, NULL, NULL };
		const struct ext *ext = ext_find(f, ev->ext[i], &x.part);

		if (!ext)
			continue;
		x.member = ext->member;
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", ev->ext[i]);
		cv_jw_key(w, "body");
		if (f->body_list)
			cv_jw_arr(w);
		else
			cv_jw_obj(w);
		e = ext->render(&x);
		cv_jw_end(w);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	return e;
}

enum cv_err cv_mevent_render(struct cv_store *st, DB_TXN *txn, const struct cv_mevent *ev, struct cv_jw *w)
{
	const struct face *f = ev->b2b ? &fleet_face : &user_face;
	enum cv_err e;

	cv_jw_obj(w);
	f->head(w, ev);
	cv_jw_key(w, "values");
	cv_mon_render_values(w, ev->def, cv_mon_truths(ev->def, ev->before, ev->after, ev->at), ev->before, ev->after);
	e = render_extensions(st, txn, ev, f, w);
	cv_jw_kbool(w, "refresh", ev->refresh);
	cv_jw_end(w);
	return e;
}

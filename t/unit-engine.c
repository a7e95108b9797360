/*
 * unit-engine.c - the monitor engine inside the upload transaction
 * (db/engine.h and its modules, db/outbox, db/ingest) on a store in a
 * fresh temporary folder, driven by cv_ingest_batch as cvapi-ingest drives
 * it, without HTTP.
 *
 * What it holds to: a monitor fires once when its condition becomes true,
 * again every refreshEvent while it stays true, never while paused or after
 * deletion; a fleet monitor watches every vehicle of the fleet, including
 * one added after it; a batch that is not stored (a repeated message id)
 * queues nothing; the notes of a callback keep the order they were raised
 * in; a deleted callback takes its queue with it; each face's event has
 * the extensions its template lists, in its shape. And the packed forms of
 * triggers and of the engine's records survive a round trip and refuse
 * damaged bytes without harm.
 */
#include "engine.h"
#include "watch.h"
#include "ingest.h"
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

static struct cv_store st;
static struct cv_vehicle veh, veh2;

static enum cv_err setup_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct cv_user u = { .login = "ann" };
	struct cv_fleet f = { .id = "fleet1", .label = "Fleet", .owner = "ann" };
	enum cv_err e;

	(void)arg;
	e = cv_user_put(s, txn, &u, DB_NOOVERWRITE);
	if (!e)
		e = cv_vehicle_add(s, txn, &veh);
	if (!e)
		e = cv_vehicle_add(s, txn, &veh2);
	if (!e)
		e = cv_fleet_add(s, txn, &f);
	if (!e)
		e = cv_fleet_add_vehicle(s, txn, "fleet1", veh.id);
	return e;
}

static void mk_vehicle(struct cv_vehicle *v, const char *vin, const char *owner)
{
	unsigned char id[16];

	memset(v, 0, sizeof(*v));
	cv_random(id, sizeof(id));
	for (int i = 0; i < 16; i++)
		snprintf(v->id + 2 * i, 3, "%02x", id[i]);
	cv_strlcpy(v->vin, vin, sizeof(v->vin));
	cv_strlcpy(v->brand, "Peugeot", sizeof(v->brand));
	cv_strlcpy(v->owner, owner, sizeof(v->owner));
	v->energy = CV_ENERGY_PETROL;
}

/* ---- making callbacks and monitors --------------------------------------- */

static void mk_callback(struct cv_callback *cb, const char *owner, const char *id, bool b2b)
{
	memset(cb, 0, sizeof(*cb));
	cv_strlcpy(cb->id, id, sizeof(cb->id));
	cv_strlcpy(cb->owner, owner, sizeof(cb->owner));
	cb->b2b = b2b;
	cb->types = CV_CBT_MONITOR;
	cv_strlcpy(cb->target, "http://127.0.0.1:9/hook", sizeof(cb->target));
}

static bool mk_monitor(struct cv_monitor *m, const char *owner, const char *id, const char *cbid, const char *vid,
		       bool b2b, const char *trigger_json, int refresh_s)
{
	json_object *o = json_tokener_parse(trigger_json);
	struct cv_jread jr;
	enum cv_err e;

	memset(m, 0, sizeof(*m));
	cv_strlcpy(m->id, id, sizeof(m->id));
	cv_strlcpy(m->owner, owner, sizeof(m->owner));
	cv_strlcpy(m->cbid, cbid, sizeof(m->cbid));
	cv_strlcpy(m->vid, vid, sizeof(m->vid));
	m->b2b = b2b;
	m->refresh_s = refresh_s;
	cv_strlcpy(m->ext[m->next++], "vehicle.position", sizeof(m->ext[0]));
	cv_strlcpy(m->ext[m->next++], "vehicle.alerts", sizeof(m->ext[0]));
	m->attrs[m->nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_BODY, .key = "car", .value = "$vin" };
	cv_jr_init(&jr, "triggerParam");
	e = o ? cv_mon_parse(&jr, o, b2b, &m->def) : CV_EINVAL;
	json_object_put(o);
	if (e)
		printf("# %s\n", jr.err);
	return e == CV_OK;
}

struct put_arg {
	struct cv_callback *cb;
	struct cv_monitor *m;
	const char *del_owner, *del_id;
	bool del_cb;
};

static enum cv_err put_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct put_arg *a = arg;
	enum cv_err e = CV_OK;

	if (a->cb)
		e = cv_callback_put(s, txn, a->cb, 0);
	if (!e && a->m)
		e = cv_monitor_put(s, txn, a->m, 0);
	if (!e && a->del_id)
		e = a->del_cb ? cv_sweep_callback(s, txn, a->del_owner, a->del_id, T0)
			      : cv_monitor_del(s, txn, a->del_owner, a->del_id);
	return e;
}

/* Delete callback (owner, id) as the API does, then sweep what it left: how many steps that took. */
static int del_callback(const char *owner, const char *id)
{
	size_t n;
	bool more = true;
	int steps = 0;

	if (cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .del_owner = owner, .del_id = id, .del_cb = true }))
		return -1;
	while (more && steps < 1000) {
		if (cv_sweep_step(&st, CV_SWEEP_BUDGET, &n, &more))
			return -1;
		steps++;
	}
	return steps;
}

struct dl_add {
	const struct cv_delivery *d;
	struct cv_note *const *notes;
	size_t n;
};

static enum cv_err dl_add_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	const struct dl_add *a = arg;

	return cv_delivery_add(s, txn, a->d, a->notes, a->n);
}

struct redo {
	int64_t at;
	uint64_t seq, max;
	size_t *queued;
	int64_t now;
};

static enum cv_err redeliver_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	const struct redo *r = arg;

	return cv_delivery_redeliver(s, txn, "u:ann", "cbq", r->at, r->seq, r->now, r->max, r->queued);
}

static enum cv_err limits_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	return cv_limits_put(s, txn, "u:ann", arg);
}

static enum cv_err del_note_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	const struct cv_note *n = arg;

	return cv_outbox_del(s, txn, n->owner, n->cbid, n->seq);
}

/* ---- uploads and the outbox ------------------------------------------------ */

/* A sample at second sec: a position (lat, lon in degrees), and a fuel level in % (< 0: none). */
static struct cv_sample at_place(int sec, double lat, double lon, int fuel)
{
	struct cv_sample s;

	memset(&s, 0, sizeof(s));
	s.at = T0 + sec * SEC;
	s.has |= 1u << CV_G_POS;
	s.lat_e7 = (int32_t)(lat * 1e7);
	s.lon_e7 = (int32_t)(lon * 1e7);
	if (fuel >= 0) {
		s.has |= 1u << CV_G_FUEL;
		s.fuel_level = (uint16_t)(fuel * 10);
		s.fuel_autonomy = 300;
	}
	return s;
}

static int msg_n;
static int64_t upload_now = T0 + 86400 * SEC;      /* the server's clock at the uploads */

/* Upload samples for vehicle v; the notes queued (-1 on failure). */
static long upload(const struct cv_vehicle *v, struct cv_sample *s, size_t n, const char *msgid)
{
	char id[32];
	struct cv_ingest b;

	snprintf(id, sizeof(id), "m%d", ++msg_n);
	b = (struct cv_ingest){ .vehicle = v->id, .msgid = msgid ? msgid : id, .samples = s, .n = n, .now = upload_now };
	if (cv_ingest_batch(&st, &b) != CV_OK)
		return -1;
	return b.duplicate ? -2 : (long)b.fired;
}

struct heads {
	struct cv_note notes[64];
	size_t n;
};

static int head_one(struct cv_note *n, void *arg)
{
	struct heads *h = arg;

	if (h->n < 64)
		h->notes[h->n++] = *n;
	else
		cv_note_clear(n);
	free(n);
	return CV_HEADS_NEXT;
}

static void heads_clear(struct heads *h)
{
	for (size_t i = 0; i < h->n; i++)
		cv_note_clear(&h->notes[i]);
	h->n = 0;
}

static size_t outbox_n(void)
{
	size_t n = 0;

	cv_outbox_count(&st, &n);
	return n;
}

static enum cv_err drain_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	struct heads *h = arg;
	enum cv_err e = CV_OK;

	for (size_t i = 0; i < h->n && !e; i++)
		e = cv_outbox_del(s, txn, h->notes[i].owner, h->notes[i].cbid, h->notes[i].seq);
	return e;
}

/* Read every note (up to 64 per callback) into h, in key order, and delete them. */
static void drain(struct heads *h)
{
	h->n = 0;
	cv_outbox_heads(&st, head_one, h);
	cv_store_txn(&st, 0, drain_txn, h);
}

static json_object *body_of(const struct cv_note *n)
{
	return json_tokener_parse(n->body ? n->body : "");
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = o;
	char part[64];

	while (v && *path) {
		size_t l = strcspn(path, ".");

		snprintf(part, sizeof(part), "%.*s", (int)l, path);
		if (json_object_is_type(v, json_type_array))
			v = json_object_array_get_idx(v, (size_t)strtoul(part, NULL, 10));
		else if (!json_object_object_get_ex(v, part, &v))
			v = NULL;
		path += l + (path[l] == '.');
	}
	return v ? json_object_get_string(v) : NULL;
}

/* ---- tests ---------------------------------------------------------------- */

static const char zone_out[] =
	"{\"triggers\": [{\"name\": \"z1\", \"zone\": {\"transition\": \"Out\", \"place\": "
	"{\"center\": {\"latitude\": 48.8, \"longitude\": 2.3}, \"radius\": 1}}}]}";
static const char fuel_low[] =
	"{\"triggers\": [{\"name\": \"f\", \"data\": {\"data\": \"vehicle.energy.fuel.level\", "
	"\"op\": \"lowerThan\", \"value\": [\"10\"]}}]}";

static void test_zone(void)
{
	struct cv_callback cb;
	struct cv_monitor m;
	struct heads h;
	struct cv_sample s[3];
	json_object *o;

	mk_callback(&cb, "u:ann", "cb1", false);
	ok(mk_monitor(&m, "u:ann", "mon1", "cb1", veh.id, false, zone_out, 0), "a zone Out monitor parses");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m }), CV_OK, "callback and monitor stored");

	s[0] = at_place(0, 48.8, 2.3, -1);
	s[1] = at_place(10, 48.8001, 2.3, -1);
	is_int(upload(&veh, s, 2, NULL), 0, "inside the zone: nothing fires");
	is_int(outbox_n(), 0, "the outbox is empty");

	s[0] = at_place(20, 48.81, 2.3, -1);    /* 1.1 km north */
	s[1] = at_place(30, 48.82, 2.3, -1);
	is_int(upload(&veh, s, 2, NULL), 1, "driven out: one firing, not one per sample outside");
	drain(&h);
	is_int(h.n, 1, "one note waits");
	if (h.n == 1) {
		is_str(h.notes[0].owner, "u:ann", "for the monitor's owner");
		is_str(h.notes[0].cbid, "cb1", "for its callback");
		is_str(h.notes[0].ref, "mon1", "naming the monitor");
		is_str(h.notes[0].vin, veh.vin, "with the vehicle's VIN");
		is_int(h.notes[0].raised, T0 + 20 * SEC, "raised at the first sample outside");
		is_int(h.notes[0].nattrs, 1, "with the monitor's attributes");
		o = body_of(&h.notes[0]);
		ok(o != NULL, "the event is JSON");
		is_str(jstr(o, "monitorId"), "mon1", "monitorEvent.monitorId");
		is_str(jstr(o, "refresh"), "false", "refresh false: entering the condition");
		is_str(jstr(o, "extensions.0.type"), "vehicle.position", "the extensions asked for");
		ok(jstr(o, "extensions.0.body.0.position.geometry.coordinates.1") &&
		   !strncmp(jstr(o, "extensions.0.body.0.position.geometry.coordinates.1"), "48.81", 5),
		   "the position after the sample that fired");
		is_str(jstr(o, "extensions.1.type"), "vehicle.alerts", "and the active alerts");
		json_object_put(o);
	}
	heads_clear(&h);

	s[0] = at_place(40, 48.83, 2.3, -1);
	is_int(upload(&veh, s, 1, NULL), 0, "still outside: no second firing without refreshEvent");
	s[0] = at_place(50, 48.8, 2.3, -1);
	s[1] = at_place(60, 48.9, 2.3, -1);
	s[2] = at_place(70, 48.8, 2.3, -1);
	is_int(upload(&veh, s, 3, NULL), 1, "in, out, in within one batch: the exit fires once");

	/* the same message id again: acknowledged, nothing stored, nothing queued */
	s[0] = at_place(80, 49.0, 2.3, -1);
	is_int(upload(&veh, s, 1, "again"), 1, "out again: fires");
	drain(&h);
	heads_clear(&h);
	s[0] = at_place(90, 48.8, 2.3, -1);
	s[1] = at_place(95, 49.0, 2.3, -1);
	is_int(upload(&veh, s, 2, "again"), -2, "a repeated message id is a duplicate");
	is_int(outbox_n(), 0, "and queues nothing");

	/* paused: not evaluated */
	m.status = CV_CB_PAUSED;
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m });
	s[0] = at_place(100, 48.8, 2.3, -1);
	s[1] = at_place(110, 49.0, 2.3, -1);
	is_int(upload(&veh, s, 2, NULL), 0, "paused: nothing fires");
	m.status = CV_CB_RUNNING;
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m });

	/* deleted: nothing fires, its state goes with it */
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .del_owner = "u:ann", .del_id = "mon1" }), CV_OK,
	       "monitor deleted");
	s[0] = at_place(120, 48.8, 2.3, -1);
	s[1] = at_place(130, 49.0, 2.3, -1);
	is_int(upload(&veh, s, 2, NULL), 0, "deleted: nothing fires");
	is_int(outbox_n(), 0, "nothing queued");
}

static void test_refresh_and_order(void)
{
	struct cv_callback cb;
	struct cv_monitor m;
	struct heads h;
	struct cv_sample s[8];
	bool ordered = true;

	mk_callback(&cb, "u:ann", "cb2", false);
	ok(mk_monitor(&m, "u:ann", "mon2", "cb2", veh.id, false, fuel_low, 60), "a fuel monitor with refreshEvent 60 s");
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m });
	for (int i = 0; i < 8; i++)
		s[i] = at_place(1000 + 30 * i, 48.8, 2.3, 8);   /* below 10% from the start, for 210 s */
	is_int(upload(&veh, s, 8, NULL), 4, "true at 0 s, reminded at 60, 120 and 180 s");
	drain(&h);
	is_int(h.n, 4, "four notes");
	for (size_t i = 0; i < h.n; i++) {
		json_object *o = body_of(&h.notes[i]);

		if (i && h.notes[i].seq <= h.notes[i - 1].seq)
			ordered = false;
		if (i && h.notes[i].raised <= h.notes[i - 1].raised)
			ordered = false;
		is_str(jstr(o, "refresh"), i ? "true" : "false", "note %zu: refresh %s", i, i ? "true" : "false");
		is_str(jstr(o, "values.0.data"), "vehicle.energy.fuel.level", "note %zu: the value that fired", i);
		is_str(jstr(o, "values.0.value.body.literalValue"), "8", "note %zu: its literal value", i);
		json_object_put(o);
	}
	ok(ordered, "in the order they were raised");
	ok(h.n < 2 || memcmp(h.notes[0].wid, h.notes[1].wid, CV_NOTE_WIDLEN), "each with its own webhook id");
	heads_clear(&h);

	/* a new definition starts afresh: true already, it fires on the next sample */
	{
		struct cv_monitor m2;
		static const char fuel_20[] =
			"{\"triggers\": [{\"name\": \"f\", \"data\": {\"data\": \"vehicle.energy.fuel.level\", "
			"\"op\": \"lowerThan\", \"value\": [\"20\"]}}]}";

		s[0] = at_place(1215, 48.8, 2.3, 8);
		is_int(upload(&veh, s, 1, NULL), 0, "still below: no reminder yet");
		ok(mk_monitor(&m2, "u:ann", "mon2", "cb2", veh.id, false, fuel_20, 60), "the monitor replaced: below 20%%");
		cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m2 });
		s[0] = at_place(1220, 48.8, 2.3, 8);
		is_int(upload(&veh, s, 1, NULL), 1, "the replaced monitor fires as new");
		m2.status = CV_CB_PAUSED;
		cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m2 });
		m2.status = CV_CB_RUNNING;
		cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m2 });
		s[0] = at_place(1225, 48.8, 2.3, 8);
		is_int(upload(&veh, s, 1, NULL), 0, "paused and resumed: it remembers what it saw");
		drain(&h);
		heads_clear(&h);
	}

	/* a deleted callback takes its queue (and its monitors) with it */
	s[0] = at_place(2000, 48.8, 2.3, 50);
	s[1] = at_place(2010, 48.8, 2.3, 5);
	is_int(upload(&veh, s, 2, NULL), 1, "fuel back up then down: fires");
	is_int(outbox_n(), 1, "one note waits");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .del_owner = "u:ann", .del_id = "cb2", .del_cb = true }),
	       CV_OK, "callback deleted");
	{
		size_t n = 0, marks = 0;
		bool more = false;

		is_int(outbox_n(), 1, "its note waits for the sweep");
		is_int(cv_sweep_pending(&st, &marks), CV_OK, "marks counted");
		is_int(marks, 1, "one callback to sweep");
		is_int(cv_sweep_step(&st, CV_SWEEP_BUDGET, &n, &more), CV_OK, "a sweep step");
		is_int(n, 1, "took the note");
		ok(!more, "and nothing is left");
		is_int(outbox_n(), 0, "its note is gone");
		is_int(cv_sweep_pending(&st, &marks), CV_OK, "marks counted");
		is_int(marks, 0, "the mark went with it");
		is_int(cv_sweep_step(&st, CV_SWEEP_BUDGET, &n, &more), CV_OK, "a step with nothing to sweep");
		is_int(n, 0, "deletes nothing");
	}
}

static void test_fleet(void)
{
	struct cv_callback cb;
	struct cv_monitor m;
	struct heads h;
	struct cv_sample s[2];

	mk_callback(&cb, "f:fleet1", "fm1", true);
	ok(mk_monitor(&m, "f:fleet1", "fm1", "fm1", "", true, fuel_low, 0), "a fleet monitor parses");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m }), CV_OK, "stored");
	s[0] = at_place(3000, 48.8, 2.3, 30);
	s[1] = at_place(3010, 48.8, 2.3, 9);
	is_int(upload(&veh, s, 2, NULL), 1, "a vehicle of the fleet fires it");
	s[0] = at_place(3000, 48.8, 2.3, 30);
	s[1] = at_place(3010, 48.8, 2.3, 9);
	is_int(upload(&veh2, s, 2, NULL), 0, "a vehicle outside the fleet does not");
	drain(&h);
	is_int(h.n, 1, "one note");
	if (h.n == 1) {
		json_object *o = body_of(&h.notes[0]);

		is_str(h.notes[0].fid, "fleet1", "naming the fleet");
		is_str(jstr(o, "fleetId"), "fleet1", "MonitorEvent.fleetId");
		is_str(jstr(o, "vin"), veh.vin, "MonitorEvent.vin");
		ok(jstr(o, "eventDate") != NULL, "MonitorEvent.eventDate");
		json_object_put(o);
	}
	heads_clear(&h);
}

static enum cv_err join_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	(void)arg;
	return cv_fleet_add_vehicle(s, txn, "fleet1", veh2.id);
}

static void test_fleet_future_vehicle(void)
{
	struct cv_sample s[2];

	is_int(cv_store_txn(&st, 0, join_txn, NULL), CV_OK, "a second vehicle joins the fleet");
	s[0] = at_place(4000, 48.8, 2.3, 30);
	s[1] = at_place(4010, 48.8, 2.3, 7);
	is_int(upload(&veh2, s, 2, NULL), 1, "the fleet monitor watches it too");
	is_int(outbox_n(), 1, "queued");
}

/* The event o's extensions are of types ext[0..n), in this order, each body opening with `body`. */
static void extensions_are(json_object *o, const char *const *ext, size_t n, char body)
{
	for (size_t i = 0; i < n; i++) {
		char path[48];
		const char *b;

		snprintf(path, sizeof(path), "extensions.%zu.type", i);
		is_str(jstr(o, path), ext[i], "extension %zu: %s", i, ext[i]);
		snprintf(path, sizeof(path), "extensions.%zu.body", i);
		b = jstr(o, path);
		ok(b && b[0] == body, "extension %zu: its body is %s", i, body == '[' ? "a list" : "an object");
	}
}

/*
 * What extendedEventParam asks for, from the store as it is in the firing's
 * transaction. A name of the other face's (vehicle.alarm, which the fleet
 * face's template has not) is not rendered.
 */
static void test_extensions(void)
{
	static const char *const asked[] = { "vehicle.collisions", "vehicle.alarm", "vehicle.stolen", "vehicle.trip",
					     "vehicle.status", "vehicle.maintenance", "vehicle.doorsState",
					     "vehicle.telemetry.vehicle.energies" };
	static const char *const ext[] = { "vehicle.collisions", "vehicle.stolen", "vehicle.trip", "vehicle.status",
					   "vehicle.maintenance", "vehicle.doorsState", "vehicle.telemetry.vehicle.energies" };
	struct cv_callback cb;
	struct cv_monitor m;
	struct cv_sample s[3];
	struct heads h;

	mk_callback(&cb, "f:fleet1", "fm9", true);
	ok(mk_monitor(&m, "f:fleet1", "fm9", "fm9", "", true, fuel_low, 0), "a fleet monitor asking for every extension");
	m.next = 0;
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++)
		cv_strlcpy(m.ext[m.next++], asked[i], sizeof(m.ext[0]));
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m });
	s[0] = at_place(7000, 48.8, 2.3, 40);
	s[0].has |= 1u << CV_G_IGN | 1u << CV_G_KIN;
	s[0].ignition = CV_IGN_START;
	s[0].speed_dkmh = 300;
	s[0].nevents = 2;
	s[0].events[0] = (struct cv_event){ .kind = CV_EV_COLLISION, .ndetails = 1, .side = { 1 }, .csev = { 3 } };
	s[0].events[1] = (struct cv_event){ .kind = CV_EV_ALARM, .active = 2, .code = 1 };
	s[1] = at_place(7010, 48.801, 2.3, 30);
	s[1].nevents = 1;
	s[1].events[0] = (struct cv_event){ .kind = CV_EV_THEFT, .active = 1 };
	s[2] = at_place(7020, 48.802, 2.3, 4);
	s[2].has |= 1u << CV_G_KIN;
	s[2].speed_dkmh = 250;
	drain(&h);
	heads_clear(&h);
	/* (fm1, the fleet's fuel monitor of test_fleet, fires too) */
	is_int(upload(&veh, s, 3, NULL), 2, "a collision, an alarm, a theft, then fuel low while driving: fires");
	drain(&h);
	is_int(h.n, 2, "two notes");
	for (size_t k = 0; k < h.n; k++) {
		json_object *o;

		if (strcmp(h.notes[k].ref, "fm9"))
			continue;
		o = body_of(&h.notes[k]);

		/* the fleet face's template: body is the item itself, not a list of it (the user face's) */
		extensions_are(o, ext, sizeof(ext) / sizeof(ext[0]), '{');
		is_str(jstr(o, "extensions.0.body.collisions.details.0.side"), "Rear", "the last collision, its side");
		is_str(jstr(o, "extensions.0.body.collisions.details.0.severity"), "Major", "and severity");
		is_str(jstr(o, "extensions.1.body.stolen.stolen"), "true", "reported stolen");
		ok(jstr(o, "extensions.2.body.trip.startedAt") != NULL, "the trip under way");
		ok(jstr(o, "extensions.3.body.status") != NULL, "the status");
		ok(jstr(o, "extensions.5.body.doorState") != NULL, "the doors");
		ok(jstr(o, "extensions.6.body.telemetry") != NULL, "the telemetry asked for");
		ok(jstr(o, "extensions.7") == NULL, "and not the user face's vehicle.alarm");
		json_object_put(o);
	}
	heads_clear(&h);
	del_callback("f:fleet1", "fm9");
}

/* The user face's extensions: each body a list of one item (its template), empty when nothing is known. */
static void test_extensions_user(void)
{
	static const char *const ext[] = { "vehicle.alarm", "vehicle.trip", "vehicle.status", "vehicle.maintenance",
					   "vehicle.doorsState", "vehicle.telemetry", "vehicle.telemetry.vehicle.energies",
					   "vehicle.position", "vehicle.alerts" };
	struct cv_callback cb;
	struct cv_monitor m;
	struct cv_sample s[2];
	struct heads h;
	size_t seen = 0;

	mk_callback(&cb, "u:ann", "cb7", false);
	ok(mk_monitor(&m, "u:ann", "mon7", "cb7", veh.id, false, fuel_low, 0), "a user's monitor asking for every extension");
	m.next = 0;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		cv_strlcpy(m.ext[m.next++], ext[i], sizeof(m.ext[0]));
	cv_strlcpy(m.ext[m.next++], "vehicle.collisions", sizeof(m.ext[0]));
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m });
	s[0] = at_place(7100, 48.8, 2.3, 40);
	s[0].nevents = 1;
	s[0].events[0] = (struct cv_event){ .kind = CV_EV_ALARM, .active = 2, .code = 2 };
	s[1] = at_place(7110, 48.801, 2.3, 4);
	drain(&h);
	heads_clear(&h);
	ok(upload(&veh, s, 2, NULL) >= 1, "an alarm, then fuel low: fires");
	drain(&h);
	for (size_t k = 0; k < h.n; k++) {
		json_object *o;

		if (strcmp(h.notes[k].ref, "mon7"))
			continue;
		seen++;
		o = body_of(&h.notes[k]);
		is_str(jstr(o, "monitorId"), "mon7", "monitorEvent.monitorId");
		extensions_are(o, ext, sizeof(ext) / sizeof(ext[0]), '[');
		is_str(jstr(o, "extensions.0.body.0.alarm.activation"), "Active", "the last alarm");
		ok(jstr(o, "extensions.0.body.0.alarm.createdAt") != NULL, "its date");
		ok(jstr(o, "extensions.1.body.0.trip") != NULL, "a trip");
		ok(jstr(o, "extensions.2.body.0.status") != NULL, "the status");
		ok(jstr(o, "extensions.4.body.0.doorState") != NULL, "the doors");
		ok(jstr(o, "extensions.5.body.0.telemetry") != NULL, "the whole telemetry");
		ok(jstr(o, "extensions.6.body.0.telemetry") != NULL, "one part of the telemetry");
		ok(jstr(o, "extensions.7.body.0.position") != NULL, "the position");
		ok(jstr(o, "extensions.8.body.0.alerts") != NULL, "the active alerts, a list");
		ok(jstr(o, "extensions.9") == NULL, "and not the fleet face's vehicle.collisions");
		json_object_put(o);
	}
	is_int(seen, 1, "one note of the monitor");
	heads_clear(&h);
	del_callback("u:ann", "cb7");
}

/* The delivery log's newest entries of a callback, up to 4. */
struct dl_list {
	struct cv_delivery d[4];
	size_t n;
};

static int dl_one(const struct cv_delivery *d, void *arg)
{
	struct dl_list *l = arg;

	if (l->n < 4)
		l->d[l->n++] = *d;
	return 0;
}

static size_t dl_of(const char *owner, const char *cbid, struct dl_list *l)
{
	size_t total = 0;

	l->n = 0;
	cv_deliveries_of(&st, owner, cbid, 0, 4, &total, dl_one, l);
	return total;
}

/*
 * A firing whose event would exceed what a notification may hold: every
 * active alert, asked for CV_MON_EXT_MAX times. The largest event a
 * monitor can ask for fits under the outbox's ceiling; under a lower one
 * (CVAPI_NOTE_MAX) it does not, and the upload is stored all the same, the
 * firing logged as dropped, as a malformed watch fires nothing and lets the
 * upload go on.
 */
static void test_oversized(void)
{
	static const char fuel_high[] =
		"{\"triggers\": [{\"name\": \"f\", \"data\": {\"data\": \"vehicle.energy.fuel.level\", "
		"\"op\": \"greaterThan\", \"value\": [\"95\"]}}]}";
	struct cv_callback cb;
	struct cv_monitor m, small;
	struct cv_sample s[16];
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_status_rec rec;
	struct dl_list l;
	struct heads h;
	size_t ns = 0;

	mk_callback(&cb, "u:ann", "cb9", false);
	ok(mk_monitor(&m, "u:ann", "mon9", "cb9", veh.id, false, fuel_high, 0), "a monitor asking for the alerts 16 times");
	m.next = 0;
	while (m.next < CV_MON_EXT_MAX)
		cv_strlcpy(m.ext[m.next++], "vehicle.alerts", sizeof(m.ext[0]));
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m }), CV_OK, "stored");
	ok(mk_monitor(&small, "u:ann", "mon10", "cb9", veh.id, false, fuel_high, 0), "and a small one on the same callback");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &small }), CV_OK, "stored");
	/* every alert raised, 8 a sample (at odd milliseconds: the longest dates), then the fuel above 95% */
	for (size_t code = 0; code < cv_alert_count; code++) {
		if (code % CV_MAX_EVENTS == 0) {
			s[ns] = at_place(8000 + (int)ns, 48.8, 2.3, 50);
			s[ns].at += 123;
			ns++;
		}
		s[ns - 1].events[s[ns - 1].nevents++] =
			(struct cv_event){ .kind = CV_EV_ALERT, .severity = 1, .active = 1, .code = (uint16_t)code };
	}
	s[ns++] = at_place(8100, 48.8, 2.3, 97);
	drain(&h);
	heads_clear(&h);
	is_int(upload(&veh, s, ns, NULL), 2, "under the outbox's ceiling, both fire");
	drain(&h);
	is_int(h.n, 2, "two notes wait");
	for (size_t i = 0; i < h.n; i++)
		if (!strcmp(h.notes[i].ref, "mon9"))
			ok(h.notes[i].body_len > 120000 && h.notes[i].body_len <= CV_NOTE_BODY_MAX,
			   "the largest event a monitor can ask for fits (%zu bytes)", h.notes[i].body_len);
	heads_clear(&h);

	cv_engine_note_max(64 * 1024);
	s[0] = at_place(8200, 48.8, 2.3, 50);
	s[1] = at_place(8210, 48.8, 2.3, 97);
	is_int(upload(&veh, s, 2, NULL), 1, "under a 64 KB ceiling: the upload is stored, the small firing queued");
	drain(&h);
	is_int(h.n, 1, "one note waits");
	ok(h.n == 1 && !strcmp(h.notes[0].ref, "mon10"), "the small monitor's");
	heads_clear(&h);
	ok(!cv_status_get(&st, NULL, veh.id, &b, &rec) && rec.state.v.fuel_level == 970, "the upload's data is stored");
	cv_buf_release(&b);
	is_int(dl_of("u:ann", "cb9", &l), 1, "the delivery log has one entry");
	/* a log with no entry whose place is before every stored one: the read past it is freed (sanitizers) */
	is_int(dl_of("a:first", "cb0", &l), 0, "an empty log before every other: no entry");
	if (l.n == 1) {
		is_str(cv_dl_outcome_names[l.d[0].outcome], "Dropped", "the oversized firing, dropped");
		is_int(l.d[0].events, 1, "one event");
		is_int(l.d[0].at, upload_now, "at the upload's time");
		is_str(l.d[0].error, "the event exceeds 65536 bytes, the most a notification may hold: not sent",
		       "saying why");
		ok(!l.d[0].has_notes, "with nothing to send again");
	}
	s[0] = at_place(8220, 48.8, 2.3, 98);
	is_int(upload(&veh, s, 1, NULL), 0, "still above 95%%: it does not fire again");
	is_int(dl_of("u:ann", "cb9", &l), 1, "nor is it logged again");

	/* two in one upload: one entry, counting both */
	small.next = 0;
	while (small.next < CV_MON_EXT_MAX)
		cv_strlcpy(small.ext[small.next++], "vehicle.alerts", sizeof(small.ext[0]));
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &small }), CV_OK, "the small one grows as big");
	s[0] = at_place(8300, 48.8, 2.3, 50);
	s[1] = at_place(8310, 48.8, 2.3, 99);
	upload_now += SEC;
	is_int(upload(&veh, s, 2, NULL), 0, "both fire in one upload: stored, nothing queued");
	upload_now -= SEC;
	is_int(outbox_n(), 0, "the outbox is empty");
	is_int(dl_of("u:ann", "cb9", &l), 1, "a run of refusals for one reason: still one entry");
	if (l.n == 1) {
		is_int(l.d[0].at, upload_now + SEC, "moved to the newest instant");
		is_int(l.d[0].events, 3, "counting the three events");
		is_str(cv_dl_outcome_names[l.d[0].outcome], "Dropped", "dropped");
	}
	cv_engine_note_max(CV_NOTE_BODY_MAX);
	del_callback("u:ann", "cb9");
}

/*
 * A callback's queue at its owner's queuedNotifications quota: the upload
 * is stored, the firing dropped and logged (one entry for the firings of
 * one instant, counting them); once notes leave the queue, firings queue
 * again. The count is the queue's range, two lookups whatever its length.
 */
static void test_queue_quota(void)
{
	int64_t set[CV_Q_COUNT];
	struct cv_callback cb;
	struct cv_monitor m;
	struct cv_sample s[2];
	struct dl_list l;
	struct heads h;
	uint64_t waiting = 99;

	for (size_t i = 0; i < CV_Q_COUNT; i++)
		set[i] = -1;
	set[CV_Q_QUEUE] = 2;
	is_int(cv_store_txn(&st, 0, limits_txn, set), CV_OK, "ann's queue quota set to 2");
	mk_callback(&cb, "u:ann", "cbq", false);
	ok(mk_monitor(&m, "u:ann", "monq", "cbq", veh.id, false, fuel_low, 0), "a fuel monitor");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m }), CV_OK, "stored");
	drain(&h);
	heads_clear(&h);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "an empty queue counted");
	is_int((long)waiting, 0, "none waits");
	for (int k = 0; k < 2; k++) {
		s[0] = at_place(9500 + 20 * k, 48.8, 2.3, 50);
		s[1] = at_place(9510 + 20 * k, 48.8, 2.3, 5);
		ok(upload(&veh, s, 2, NULL) >= 1, "fuel low: fires");
		is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
		is_int((long)waiting, k + 1, "queued");
	}
	s[0] = at_place(9600, 48.8, 2.3, 50);
	s[1] = at_place(9610, 48.8, 2.3, 5);
	upload(&veh, s, 2, NULL);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
	is_int((long)waiting, 2, "a third firing: the upload is stored, nothing more queued");
	is_int(dl_of("u:ann", "cbq", &l), 1, "the delivery log has one entry");
	if (l.n == 1) {
		is_str(cv_dl_outcome_names[l.d[0].outcome], "Dropped", "the firing, dropped");
		is_int(l.d[0].events, 1, "one event");
		is_str(l.d[0].error, "the callback's queue holds 2 notifications, its quota (queuedNotifications): not queued",
		       "saying why");
	}
	/* the queue's head delivered: room for one */
	h.n = 0;
	cv_outbox_walk(&st, "u:ann", "cbq", false, head_one, &h);
	ok(h.n >= 1 && !strcmp(h.notes[0].cbid, "cbq"), "the queue's head read");
	if (h.n >= 1)
		is_int(cv_store_txn(&st, 0, del_note_txn, &h.notes[0]), CV_OK, "its head delivered (deleted)");
	heads_clear(&h);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
	is_int((long)waiting, 1, "one waits");
	s[0] = at_place(9700, 48.8, 2.3, 50);
	s[1] = at_place(9710, 48.8, 2.3, 5);
	upload(&veh, s, 2, NULL);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
	is_int((long)waiting, 2, "room again: queued");
	/* a batch's notes kept by its final entry, sent again: all of them or none */
	{
		struct heads q = { .n = 0 };
		struct cv_note *kept[2];
		struct cv_delivery d;
		size_t queued = 9;

		cv_outbox_walk(&st, "u:ann", "cbq", false, head_one, &q);
		ok(q.n >= 2 && !strcmp(q.notes[1].cbid, "cbq"), "the queue's two notes read");
		kept[0] = &q.notes[0];
		kept[1] = &q.notes[1];
		memset(&d, 0, sizeof(d));
		cv_strlcpy(d.owner, "u:ann", sizeof(d.owner));
		cv_strlcpy(d.cbid, "cbq", sizeof(d.cbid));
		d.at = upload_now + 5 * SEC;
		d.seq = q.notes[0].seq;
		d.outcome = CV_DL_GIVEN_UP;
		d.events = 2;
		is_int(cv_store_txn(&st, 0, dl_add_txn, &(struct dl_add){ &d, kept, 2 }), CV_OK, "a given-up batch of two logged");
		is_int(cv_store_txn(&st, 0, redeliver_txn, &(struct redo){ d.at, d.seq, 3, &queued, upload_now }), CV_EQUOTA,
		       "sent again into a queue of 2 with a quota of 3: refused");
		is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
		is_int((long)waiting, 2, "nothing queued");
		is_int(cv_store_txn(&st, 0, redeliver_txn, &(struct redo){ d.at, d.seq, 4, &queued, upload_now }), CV_OK,
		       "with a quota of 4: queued");
		is_int((long)queued, 2, "both");
		is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
		is_int((long)waiting, 4, "four wait");
		heads_clear(&q);
	}
	for (size_t i = 0; i < CV_Q_COUNT; i++)
		set[i] = -1;
	is_int(cv_store_txn(&st, 0, limits_txn, set), CV_OK, "ann's quota back to the default");
	/* deleted: the callback at once, the rest in steps of a budget, the mark with the last */
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .del_owner = "u:ann", .del_id = "cbq", .del_cb = true }),
	       CV_OK, "deleted");
	{
		size_t n = 0, marks = 0, total = 0;
		bool more = true;
		int steps = 0;

		while (more && steps < 20) {
			is_int(cv_sweep_step(&st, 2, &n, &more), CV_OK, "a step of 2");
			ok(n <= 2, "deletes 2 at most (%zu)", n);
			total += n;
			steps++;
			cv_sweep_pending(&st, &marks);
			is_int(marks, more ? 1 : 0, "the mark stays until the last step");
		}
		ok(steps >= 3, "4 notes and 2 log entries take several steps (%d)", steps);
		is_int(total, 6, "6 records swept");
	}
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbq", &waiting), CV_OK, "counted");
	is_int((long)waiting, 0, "its queue is gone");
	drain(&h);
	heads_clear(&h);
}

/*
 * A monitor firing again and again within one upload: past its share of
 * the batch (CV_ENGINE_FIRINGS_MAX, lowered here), its firings are logged
 * as one Dropped entry counting them, not rendered; the next upload has a
 * share of its own.
 */
static void test_firings_cap(void)
{
	struct cv_callback cb;
	struct cv_monitor m;
	struct cv_sample s[10];
	struct dl_list l;
	struct heads h;
	uint64_t waiting = 0;

	mk_callback(&cb, "u:ann", "cbf", false);
	ok(mk_monitor(&m, "u:ann", "monf", "cbf", veh.id, false, fuel_low, 0), "a fuel monitor");
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m }), CV_OK, "stored");
	drain(&h);
	heads_clear(&h);
	cv_engine_firings_max(2);
	for (int i = 0; i < 10; i++)
		s[i] = at_place(9800 + 10 * i, 48.8, 2.3, i % 2 ? 5 : 50);
	upload(&veh, s, 10, NULL);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbf", &waiting), CV_OK, "counted");
	is_int((long)waiting, 2, "five transitions: two queued");
	is_int(dl_of("u:ann", "cbf", &l), 1, "one log entry");
	if (l.n == 1) {
		is_str(cv_dl_outcome_names[l.d[0].outcome], "Dropped", "dropped");
		is_int(l.d[0].events, 3, "counting the other three");
		is_str(l.d[0].error, "the monitor fired more than 2 times in one upload: the rest not sent", "saying why");
	}
	for (int i = 0; i < 2; i++)
		s[i] = at_place(9900 + 10 * i, 48.8, 2.3, i % 2 ? 5 : 50);
	upload(&veh, s, 2, NULL);
	is_int(cv_outbox_waiting(&st, NULL, "u:ann", "cbf", &waiting), CV_OK, "counted");
	is_int((long)waiting, 3, "the next upload has a share of its own");
	cv_engine_firings_max(0);
	del_callback("u:ann", "cbf");
	drain(&h);
	heads_clear(&h);
}

/* A watch record's key: "v" vid \0 owner \0 id. */
struct watch_key {
	char k[160];
	size_t kl;
};

static void watch_key_of(struct watch_key *w, const char *vid, const char *owner, const char *id)
{
	int n = snprintf(w->k, sizeof(w->k), "v%s%c%s%c%s", vid, '\0', owner, '\0', id);

	w->kl = n > 0 ? (size_t)n : 0;
}

/* Give the attribute keyed "car" of a watch record the type 3, which no attribute has. */
static enum cv_err bad_type_txn(struct cv_store *s, DB_TXN *txn, void *arg)
{
	const struct watch_key *w = arg;
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(s, CV_DB_WATCH, txn, w->k, w->kl, &b);

	for (size_t i = 0; !e && i + 5 <= b.len; i++)
		if (b.p[i] == CV_CBA_BODY && b.p[i + 1] == 3 && !memcmp(b.p + i + 2, "car", 3)) {
			b.p[i] = CV_CBA_QUERY + 1;
			e = cv_store_put(s, CV_DB_WATCH, txn, w->k, w->kl, b.p, b.len, 0);
			cv_buf_release(&b);
			return e;
		}
	cv_buf_release(&b);
	return e ? e : CV_ENOTFOUND;
}

/* A watch record whose attribute has an unknown type is malformed: it fires nothing, and the upload goes on. */
static void test_watch_bad_type(void)
{
	struct cv_callback cb;
	struct cv_monitor m;
	struct cv_sample s[2];
	struct watch_key k;

	mk_callback(&cb, "u:ann", "cb8", false);
	ok(mk_monitor(&m, "u:ann", "mon8", "cb8", veh.id, false, fuel_low, 0), "a fuel monitor with a Body attribute");
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m });
	m.attrs[0].type = CV_CBA_QUERY + 1;
	is_int(cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &m }), CV_EINVAL,
	       "a monitor with an attribute of an unknown type is not written");
	watch_key_of(&k, veh.id, "u:ann", "mon8");
	is_int(cv_store_txn(&st, 0, bad_type_txn, &k), CV_OK, "its watch record damaged: an attribute's type 3");
	s[0] = at_place(9000, 48.8, 2.3, 50);
	s[1] = at_place(9010, 48.8, 2.3, 5);
	{
		struct heads h;

		drain(&h);
		heads_clear(&h);
		is_int(upload(&veh, s, 2, NULL), 1, "the upload is stored; only fm1, the fleet's fuel monitor, fires");
		is_int(outbox_n(), 1, "the damaged watch queued nothing");
		drain(&h);
		ok(h.n == 1 && !strcmp(h.notes[0].ref, "fm1"), "fm1's note waits");
		heads_clear(&h);
	}
	del_callback("u:ann", "cb8");
}

/* cvnotify's timer: a window opens, a reminder comes due, with no upload */
static void test_tick(void)
{
	struct cv_callback cb;
	struct cv_monitor m, r;
	struct cv_sample s[1];
	size_t fired = 9;
	char json[512];

	mk_callback(&cb, "u:ann", "cb3", false);
	snprintf(json, sizeof(json), "{\"triggers\": [{\"name\": \"w\", \"time\": {\"times\": [{\"recurrence\": \"None\", "
		 "\"start\": \"2024-05-03T00:00:00Z\"}]}}, {\"name\": \"f\", \"data\": {\"data\": "
		 "\"vehicle.energy.fuel.level\", \"op\": \"greaterThan\", \"value\": [\"1\"]}}]}");
	ok(mk_monitor(&m, "u:ann", "mon5", "cb3", veh.id, false, json, 0), "a monitor with a window opening on 3 May");
	ok(mk_monitor(&r, "u:ann", "mon6", "cb3", veh.id, false, fuel_low, 600), "a fuel monitor reminding every 10 min");
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .cb = &cb, .m = &m });
	cv_store_txn(&st, 0, put_txn, &(struct put_arg){ .m = &r });
	s[0] = at_place(5000, 48.8, 2.3, 5);     /* 1 May, fuel low */
	is_int(upload(&veh, s, 1, NULL), 1, "the sample fires the fuel monitor, not the window (closed on 1 May)");
	is_int(cv_engine_tick(&st, T0 + 5300 * SEC, &fired), CV_OK, "a turn of the timer 5 min later");
	is_int(fired, 0, "nothing due yet");
	is_int(cv_engine_tick(&st, T0 + 5601 * SEC, &fired), CV_OK, "10 min after the firing");
	is_int(fired, 1, "the reminder, with no upload");
	is_int(cv_engine_tick(&st, T0 + 5700 * SEC, &fired), CV_OK, "and again a little later");
	is_int(fired, 0, "no second reminder before the next 10 min");
	is_int(cv_engine_tick(&st, T0 + 2 * 86400 * SEC, &fired), CV_OK, "on 3 May");
	is_int(fired, 2, "the window opened (and a reminder came due)");
	is_int(cv_engine_tick(&st, T0 + 2 * 86400 * SEC + 10 * SEC, &fired), CV_OK, "a turn later");
	is_int(fired, 0, "the window, still open, fires no more");
	s[0] = at_place(6000, 48.8, 2.3, 50);    /* a late sample of 1 May */
	is_int(upload(&veh, s, 1, NULL), 0, "a sample older than the timer's turn is not evaluated against the window");
	is_int(cv_engine_tick(&st, T0 + 2 * 86400 * SEC + 20 * SEC, &fired), CV_OK, "the next turn");
	is_int(fired, 0, "the window monitor did not flip back and fire again");
	del_callback("u:ann", "cb3");
}

/* The engine's records (watch.h): keys and packed forms, read back as written, refused when damaged. */
static void test_records(void)
{
	struct cv_monitor m, back;
	struct cv_watch w, w2;
	struct cv_watch_key key;
	struct cv_buf b = CV_BUF_INIT(0), b2 = CV_BUF_INIT(0);
	char k[CV_WATCH_KEY_MAX], owner[CV_CB_OWNER_MAX + 1], id[CV_MON_IDLEN + 1];
	unsigned char mk[CV_MSTATE_KEY_MAX], mv[CV_MSTATE_LEN], vid[CV_MSTATE_VID];
	size_t kl;
	int refused = 0;

	is_str(cv_watch_fleet("f:fleet1"), "fleet1", "a fleet's owner names the fleet");
	ok(cv_watch_fleet("u:ann") == NULL && cv_watch_fleet("f") == NULL, "no other owner does");

	/* watch keys */
	ok(mk_monitor(&m, "f:fleet1", "fm7", "cb7", "", true, fuel_low, 60), "a fleet monitor");
	kl = cv_watch_key(k, sizeof(k), &m);
	ok(kl == 8 + 9 + 3 && !memcmp(k, "ffleet1\0f:fleet1\0fm7", kl), "its key: f fleet \\0 owner \\0 id");
	ok(cv_watch_key_parse(k, kl, &key) && key.scope == CV_WATCH_FLEET && !strcmp(key.scope_id, "fleet1") &&
	   !strcmp(key.owner, "f:fleet1") && !strcmp(key.id, "fm7"), "and its parts back");
	is_int(cv_watch_scope_key(k, sizeof(k), CV_WATCH_FLEET, "fleet1"), 8, "the scope's range starts with the key");
	cv_strlcpy(m.owner, "u:ann", sizeof(m.owner));
	is_int(cv_watch_key(k, sizeof(k), &m), 0, "a fleet monitor of a user's cannot be watched");
	ok(mk_monitor(&m, "u:ann", "mon7", "cb7", veh.id, false, fuel_low, 60), "a user's monitor");
	kl = cv_watch_key(k, sizeof(k), &m);
	ok(kl && k[0] == CV_WATCH_VEHICLE && cv_watch_key_parse(k, kl, &key) && !strcmp(key.scope_id, veh.id) &&
	   !strcmp(key.owner, "u:ann") && !strcmp(key.id, "mon7"), "its key: v vid \\0 owner \\0 id");
	is_int(cv_watch_key(k, 10, &m), 0, "no key into too small a buffer");
	ok(!cv_watch_key_parse("x1\0u:a\0m", 9, &key), "an unknown scope is refused");
	ok(!cv_watch_key_parse("v1\0u:a", 6, &key), "a key without its id is refused");
	ok(!cv_watch_key_parse("v\0u:a\0m", 8, &key), "so is one without a scope id");
	ok(!cv_watch_key_parse("v1\0u:a\0m\0x", 11, &key), "and one with a part too many");
	ok(!cv_watch_key_parse("v1\0u:a\0mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", 40, &key), "and one too long");

	/* watch values */
	m.status = CV_CB_RUNNING;
	cv_strlcpy(m.ext[2], "vehicle.telemetry.vehicle.energies", sizeof(m.ext[0]));
	m.next = 3;
	m.cbattrs[m.ncbattrs++] = (struct cv_cb_attr){ .type = CV_CBA_HEADER, .key = "x-k", .value = "v" };
	is_int(cv_watch_pack(&m, &b), CV_OK, "the watch record packs");
	memset(&w, 0, sizeof(w));
	is_int(cv_watch_unpack(b.p, b.len, &w), CV_OK, "and unpacks");
	ok(w.status == CV_CB_RUNNING && !w.b2b && w.refresh_s == 60 && !strcmp(w.cbid, "cb7") && w.def.ntrig == m.def.ntrig &&
	   !strcmp(w.def.trig[0].name, "f"),
	   "its status, face, refreshEvent, callback and triggers");
	memset(&back, 0, sizeof(back));
	ok(w.extra_off + w.extra_len == b.len && cv_watch_extras(b.p + w.extra_off, w.extra_len, &back) == CV_OK,
	   "its extras end the record and read back");
	ok(back.next == 3 && !strcmp(back.ext[2], m.ext[2]) && back.nattrs == 1 && !strcmp(back.attrs[0].value, "$vin") &&
	   back.ncbattrs == 1 && !strcmp(back.cbattrs[0].key, "x-k"), "extendedEventParam and both attribute lists");
	for (size_t cut = 0; cut < w.extra_len; cut++)
		refused += cv_watch_extras(b.p + w.extra_off, cut, &back) != CV_OK;
	is_int(refused, (long long)w.extra_len, "every truncation of the extras is refused");
	refused = 0;
	for (size_t cut = 0; cut < w.extra_off; cut++)
		refused += cv_watch_unpack(b.p, cut, &w2) != CV_OK;
	is_int(refused, (long long)w.extra_off, "and of what comes before them");
	b.p[0] = 2;
	is_int(cv_watch_unpack(b.p, b.len, &w2), CV_EINVAL, "a record of another version is refused");
	b.p[0] = 1;
	m.status = CV_CB_PAUSED;
	cv_watch_pack(&m, &b2);
	ok(cv_watch_same(b.p, b.len, b2.p, b2.len), "paused, it watches for the same");
	m.refresh_s = 61;
	cv_buf_release(&b2);
	cv_buf_init(&b2, 0);
	cv_watch_pack(&m, &b2);
	ok(!cv_watch_same(b.p, b.len, b2.p, b2.len), "another refreshEvent does not");
	ok(!cv_watch_same(b.p, 1, b2.p, 1), "nor does a record too short to tell");

	/* mstate */
	cv_vid_bytes(veh.id, vid);
	kl = cv_mstate_key(mk, "u:ann", "mon7", vid);
	ok(kl == CV_MSTATE_VID + 6 + 4 && !memcmp(mk, vid, CV_MSTATE_VID), "an mstate key starts with the vehicle");
	ok(cv_mstate_key_parse(mk, kl, owner, id) && !strcmp(owner, "u:ann") && !strcmp(id, "mon7"),
	   "and has the owner and id");
	ok(!cv_mstate_key_parse(mk, CV_MSTATE_VID + 3, owner, id), "a key without its id is refused");
	memset(&w, 0, sizeof(w));
	w.truth = 1, w.fired = T0, w.seen = T0 + SEC;
	cv_mstate_pack(&w, mv);
	memset(&w2, 0xff, sizeof(w2));
	cv_mstate_unpack(mv, sizeof(mv), &w2);
	ok(w2.truth == 1 && w2.fired == T0 && w2.seen == T0 + SEC, "an mstate reads back");
	cv_mstate_unpack(mv, 10, &w2);
	ok(w2.truth == 1 && w2.fired == T0 && w2.seen == 0, "one of before `seen` (10 bytes): seen 0");
	cv_mstate_unpack(mv, 9, &w2);
	ok(!w2.truth && !w2.fired && !w2.seen, "a truncated one reads as none");
	mv[0] = 9;
	cv_mstate_unpack(mv, sizeof(mv), &w2);
	ok(!w2.truth && !w2.fired && !w2.seen, "so does one of another version");
	cv_buf_release(&b);
	cv_buf_release(&b2);
}

static void test_pack(void)
{
	json_object *o = json_tokener_parse("{\"triggers\": [{\"name\": \"a\", \"zone\": {\"transition\": \"In\", "
					    "\"place\": {\"center\": {\"latitude\": -33.9, \"longitude\": 151.2}, "
					    "\"radius\": 2.5}}}, {\"name\": \"b\", \"data\": {\"data\": "
					    "\"vehicle.doorsState.lockedState\", \"op\": \"includedIn\", \"value\": "
					    "[\"Locked\", \"SuperLocked\"], \"previous\": {\"op\": \"equalsTo\", \"value\": "
					    "[\"Unlocked\"]}}}], \"boolExp\": \"!(a | b) & a\"}");
	struct cv_mon_def d, back;
	struct cv_buf b = CV_BUF_INIT(0), b2 = CV_BUF_INIT(0);
	struct cv_jw w1, w2;
	struct cv_jread jr;
	int refused = 0, accepted_same_len = 0;

	cv_jr_init(&jr, "triggerParam");
	ok(cv_mon_parse(&jr, o, false, &d) == CV_OK, "triggers parse");
	json_object_put(o);
	cv_mon_pack(&d, &b);
	{
		struct cv_rd rd = CV_RD_INIT(b.p, b.len);

		ok(cv_mon_unpack(&rd, &back) == CV_OK && rd.off == b.len, "the packed form unpacks whole");
	}
	cv_jw_init(&w1, &b2);
	cv_mon_render(&w1, &d);
	{
		struct cv_buf b3 = CV_BUF_INIT(0);

		cv_jw_init(&w2, &b3);
		cv_mon_render(&w2, &back);
		ok(b2.len == b3.len && !memcmp(b2.p, b3.p, b2.len), "and renders as the original");
		ok(back.exp.n == d.exp.n && !memcmp(back.exp.node, d.exp.node, d.exp.n * sizeof(d.exp.node[0])),
		   "with the same expression program");
		cv_buf_release(&b3);
	}
	/* every truncation, and every byte changed, is refused or read as some valid monitor: never out of bounds */
	for (size_t cut = 0; cut < b.len; cut++) {
		struct cv_rd rd = CV_RD_INIT(b.p, cut);

		if (cv_mon_unpack(&rd, &back) != CV_OK)
			refused++;
	}
	is_int(refused, (long long)b.len, "every truncated form is refused");
	for (size_t i = 0; i < b.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			unsigned char *p = (unsigned char *)b.p;
			struct cv_rd rd = CV_RD_INIT(b.p, b.len);

			p[i] ^= (unsigned char)(1u << bit);
			if (cv_mon_unpack(&rd, &back) == CV_OK) {
				accepted_same_len++;
				/* what is accepted evaluates without harm */
				(void)cv_boolexp_eval(&back.exp, 0x1f);
			}
			p[i] ^= (unsigned char)(1u << bit);
		}
	ok(1, "every one-bit change unpacks or is refused (%d accepted of %zu)", accepted_same_len, b.len * 8);
	cv_buf_release(&b);
	cv_buf_release(&b2);
}

int main(void)
{
	char dir[] = "/tmp/cvapi-unit-engine-XXXXXX";

	test_pack();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!ok(cv_store_open(&st, dir, CV_STORE_CREATE) == CV_OK, "open a new store in %s", dir)) {
		rm_store(dir);
		return tap_done();
	}
	mk_vehicle(&veh, "VR3ENGINE00000001", "ann");
	mk_vehicle(&veh2, "VR3ENGINE00000002", "ann");
	is_int(cv_store_txn(&st, 0, setup_txn, NULL), CV_OK, "a user, two vehicles, a fleet with the first");
	test_records();
	test_zone();
	test_refresh_and_order();
	test_fleet();
	test_fleet_future_vehicle();
	test_tick();
	test_extensions();
	test_extensions_user();
	test_oversized();
	test_watch_bad_type();
	test_queue_quota();
	test_firings_cap();
	cv_store_close(&st);
	rm_store(dir);
	return tap_done();
}

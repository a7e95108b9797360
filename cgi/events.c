/*
 * events.c - cvapi-events: what happened to a vehicle: alerts, collisions
 * and alarms (both faces: the same under /connectedcar/v3/fleets/{fid}/
 * vehicles/{vid}/ for a fleet manager).
 *
 *   GET /connectedcar/v4/user/vehicles/{id}/alerts[/{aid}]        data:alert
 *   GET /connectedcar/v4/user/vehicles/{id}/collisions[/{cid}]    data:collision
 *   GET /connectedcar/v4/user/vehicles/{id}/alarms[/{aid}]        data:telemetry
 *       lists: timestamps, pageSize (1..2000), indexRange, pageToken;
 *       alarms also type (vehicle.alarm.status, vehicle.alarm.trigger)
 *
 * Collisions and alarms are the upload's events, read from the events
 * database (key vid . at . index); alerts are occurrences opened and closed
 * at ingest (alerts database, key vid . start . code). Lists are newest
 * first; a page is one cursor seek from the pageToken's resume position (or
 * from the newest item after skipping the indexRange offset). Positions
 * (alert start and end, alarm trigger) need the data:position scope too.
 *
 * Ids are the record's key without the vehicle: 16 hex digits of the time
 * in ms, then 2 (event index) or 4 (alert code) hex digits.
 */
#include "history.h"
#include "links.h"
#include "cvtime.h"

#include <string.h>


enum alarm_part { AP_STATUS = 1, AP_TRIGGER = 2 };

static bool want_positions(const struct cv_req *r)
{
	return (r->tok.scopes & CV_SC_BIT(CV_SC_POSITION)) != 0;
}

/* ---- alerts ---------------------------------------------------------------- */

static int alert_accept(struct cv_req *r, const void *val, size_t len)
{
	(void)r;
	(void)val;
	(void)len;
	return 1;
}

static enum cv_err alert_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned code,
				const void *val, size_t len)
{
	struct cv_alert_rec a;
	enum cv_err e = cv_alert_decode(val, len, at, (uint16_t)code, &a);

	if (!e)
		cv_render_alert(r, w, &a);
	return e;
}

/* ---- collisions ------------------------------------------------------------ */

static int collision_accept(struct cv_req *r, const void *val, size_t len)
{
	struct cv_event ev;

	(void)r;
	return cv_event_decode(val, len, &ev) == CV_OK && ev.kind == CV_EV_COLLISION;
}

static enum cv_err collision_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned index,
				    const void *val, size_t len)
{
	struct cv_event ev;
	enum cv_err e = cv_event_decode(val, len, &ev);

	if (!e)
		cv_render_collision(r, w, at, index, &ev);
	return e;
}

/* ---- alarms ---------------------------------------------------------------- */

/* The alarm parts an event has, limited to the type filter. */
static unsigned alarm_parts(const struct cv_req *r, const struct cv_event *ev)
{
	unsigned parts = 0;

	if (ev->kind != CV_EV_ALARM)
		return 0;
	if (ev->active == 1 || ev->active == 2)
		parts |= AP_STATUS;
	if (ev->code >= 1 && ev->code <= cv_alarm_trigger_count)
		parts |= AP_TRIGGER;
	if (r->q.type)
		parts &= r->q.type;
	return parts;
}

static int alarm_accept(struct cv_req *r, const void *val, size_t len)
{
	struct cv_event ev;

	return cv_event_decode(val, len, &ev) == CV_OK && alarm_parts(r, &ev) != 0;
}

static enum cv_err alarm_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned index,
				const void *val, size_t len)
{
	struct cv_event ev;
	char id[CV_ID_MAX + 1];
	unsigned parts;
	enum cv_err e = cv_event_decode(val, len, &ev);

	if (e)
		return e;
	parts = alarm_parts(r, &ev);
	cv_coll_id(id, r->vid, at, index, 1);
	cv_jw_obj(w);
	cv_jw_kstr(w, "id", id);
	if (parts & AP_STATUS) {
		cv_jw_key(w, "status");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", at);
		cv_jw_kstr(w, "activation", cv_activation_names[ev.active]);
		cv_jw_end(w);
	}
	if (parts & AP_TRIGGER) {
		cv_jw_key(w, "trigger");
		cv_jw_obj(w);
		cv_jw_ktime(w, "createdAt", at);
		cv_jw_kstr(w, "type", cv_alarm_trigger_names[ev.code - 1]);
		cv_jw_ktime(w, "startAt", at);
		if (want_positions(r) && ev.has_pos) {
			cv_jw_key(w, "position");
			cv_render_point(w, ev.lat_e7, ev.lon_e7, ev.alt_m, at);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
	return CV_OK;
}

/* ---- thefts (the fleet face's stolen history) ------------------------------ */

static enum cv_err stolen_render(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned code,
				 const void *val, size_t len)
{
	struct cv_alert_rec a;
	char id[CV_ID_MAX + 1];
	enum cv_err e = cv_alert_decode(val, len, at, (uint16_t)code, &a);

	if (e)
		return e;
	cv_coll_id(id, r->vid, at, code, 2);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/stolen/%s", r->vbase, id);
	cv_render_link(w, r, "vehicle", "%s", r->vbase);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", id);
	cv_jw_kbool(w, "state", a.active);
	cv_jw_ktime(w, "createdAt", a.start);
	cv_jw_ktime(w, "updatedAt", a.updated);
	cv_jw_ktime(w, "startedAt", a.start);
	if (!a.active)
		cv_jw_ktime(w, "endAt", a.end);
	if (a.has_start_pos) {
		cv_jw_key(w, "startPosition");
		cv_render_point(w, a.start_lat_e7, a.start_lon_e7, a.start_alt_m, a.start);
	}
	if (!a.active && a.has_end_pos) {
		cv_jw_key(w, "endPosition");
		cv_render_point(w, a.end_lat_e7, a.end_lon_e7, a.end_alt_m, a.end);
	}
	cv_jw_end(w);
	return CV_OK;
}

static const struct cv_coll c_alerts = { "alerts", "alerts", CV_DB_ALERTS, 2, alert_accept, alert_render, CV_HK_ALERT,
					 "aid" };
static const struct cv_coll c_collisions = { "collisions", "Collisions", CV_DB_EVENTS, 1, collision_accept, collision_render,
					     CV_HK_COLLISION, "cid" };
static const struct cv_coll c_alarms = { "alarms", "alarms", CV_DB_EVENTS, 1, alarm_accept, alarm_render, 0, "alarmid" };
static const struct cv_coll c_stolen = { "stolen", "stolen", CV_DB_STOLEN, 2, alert_accept, stolen_render, 0, "sid" };

static int get_alerts(struct cv_req *r) { return cv_coll_list(r, &c_alerts); }
static int get_alert(struct cv_req *r) { return cv_coll_item(r, &c_alerts, "alert"); }
static int get_collisions(struct cv_req *r) { return cv_coll_list(r, &c_collisions); }
static int get_collision(struct cv_req *r) { return cv_coll_item(r, &c_collisions, "collision"); }
static int get_alarms(struct cv_req *r) { return cv_coll_list(r, &c_alarms); }
static int get_alarm(struct cv_req *r) { return cv_coll_item(r, &c_alarms, "alarm"); }
static int get_stolen_list(struct cv_req *r) { return cv_coll_list(r, &c_stolen); }
static int get_stolen(struct cv_req *r) { return cv_coll_item(r, &c_stolen, "theft"); }
static int get_fleet_alerts(struct cv_req *r) { return cv_coll_fleet_list(r, &c_alerts); }
static int get_fleet_alert(struct cv_req *r) { return cv_coll_fleet_item(r, &c_alerts, "alert"); }
static int get_fleet_collisions(struct cv_req *r) { return cv_coll_fleet_list(r, &c_collisions); }
static int get_fleet_collision(struct cv_req *r) { return cv_coll_fleet_item(r, &c_collisions, "collision"); }

/* ---- the positions of a theft --------------------------------------------- */

struct wp_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	int64_t skip;
	int64_t counted;
	bool counting;
};

static int wp_one(const struct cv_sample *s, void *arg)
{
	struct wp_ctx *c = arg;

	if (!CV_HAS(s, CV_G_POS))
		return 0;
	if (c->counting) {
		c->counted++;
		return 0;
	}
	switch (cv_page_step(c->pg, &c->skip, s->at, NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	cv_render_point(c->w, s->lat_e7, s->lon_e7, s->alt_m, s->at);
	c->pg->count++;
	return 0;
}

/*
 * GET .../stolen/{sid}/waypoints: where the vehicle went while stolen, in
 * time order (the positions of its telemetry from the theft's start to
 * its end, or to now while it lasts), paged like telemetry.
 */
static int get_stolen_waypoints(struct cv_req *r)
{
	struct cv_alert_rec a;
	struct cv_page pg;
	struct cv_jw w;
	struct wp_ctx c;
	unsigned char vid[16];
	char pvid[33];
	int64_t at, to;
	unsigned code;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	/* its syntax checked by the layer (cv_ids_check) */
	cv_coll_parse_id(cv_req_id(r, "sid"), 2, pvid, &at, &code);
	cv_vid_bytes(r->vid, vid);
	e = strcmp(pvid, r->vid) ? CV_ENOTFOUND : cv_period_get(r->store, NULL, CV_DB_STOLEN, vid, at, code, &a);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "no such theft");
	if (e)
		return cv_fail_store(r, e, "theft");
	to = a.active ? r->now + 1 : a.end + 1;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.counting = true;
	{
		struct cv_walk wk = { a.start, to, a.start, false };

		e = cv_telemetry_walk(r->store, NULL, vid, &wk, wp_one, &c);
	}
	if (e)
		return cv_fail_store(r, e, "telemetry");
	pg.total = c.counted;
	c.counting = false;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_page_open(&w, r, "positions");
	{
		struct cv_walk wk = { a.start, to, pg.resume ? pg.resume_key : a.start, false };

		e = cv_telemetry_walk(r->store, NULL, vid, &wk, wp_one, &c);
	}
	if (e)
		return cv_fail_store(r, e, "telemetry");
	return cv_page_close(&w, r, &pg);
}

static uint32_t check_alarm_type(const char *item)
{
	if (!strcmp(item, "vehicle.alarm.status"))
		return AP_STATUS;
	if (!strcmp(item, "vehicle.alarm.trigger"))
		return AP_TRIGGER;
	return 0;
}

static const struct cv_field list_fields[] = {
	CV_FIELDS_LIST(2000),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field alarm_fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_LIST("type", check_alarm_type, type),
	{ NULL, 0, 0, NULL, 0 },
};

/*
 * The fleet face: the same, and profile (fleet or endUser: both show the
 * same data). No gaps in a table: profile takes the slot of type where
 * there is no type filter.
 */
static const struct cv_field fleet_list_fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_alarm_fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_LIST("type", check_alarm_type, type),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_item_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field waypoint_fields[] = {
	CV_FIELDS_PAGE(2000),
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field item_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

#define V CV_B2C "/user/vehicles/{id}"
static const struct cv_route routes[] = {
	{ "GET", V "/alerts", get_alerts, CV_AUTH_USER, CV_SC_BIT(CV_SC_ALERT), list_fields, 0 },
	{ "GET", V "/alerts/{aid}", get_alert, CV_AUTH_USER, CV_SC_BIT(CV_SC_ALERT), item_fields, 0 },
	{ "GET", V "/collisions", get_collisions, CV_AUTH_USER, CV_SC_BIT(CV_SC_COLLISION), list_fields, 0 },
	{ "GET", V "/collisions/{cid}", get_collision, CV_AUTH_USER, CV_SC_BIT(CV_SC_COLLISION), item_fields, 0 },
	{ "GET", V "/alarms", get_alarms, CV_AUTH_USER, CV_SC_BIT(CV_SC_TELEMETRY), alarm_fields, 0 },
	{ "GET", V "/alarms/{alarmid}", get_alarm, CV_AUTH_USER, CV_SC_BIT(CV_SC_TELEMETRY), item_fields, 0 },
#define FV CV_B2B "/fleets/{fid}/vehicles/{vid}"
	{ "GET", FV "/alerts", get_alerts, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", FV "/alerts/{aid}", get_alert, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FV "/collisions", get_collisions, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", FV "/collisions/{cid}", get_collision, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FV "/alarms", get_alarms, CV_AUTH_FLEET, 0, fleet_alarm_fields, 0 },
	{ "GET", FV "/alarms/{alarmid}", get_alarm, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FV "/stolen", get_stolen_list, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", FV "/stolen/{sid}", get_stolen, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", FV "/stolen/{sid}/waypoints", get_stolen_waypoints, CV_AUTH_FLEET, 0, waypoint_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/alerts", get_fleet_alerts, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/alerts/{aid}", get_fleet_alert, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/collisions", get_fleet_collisions, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/collisions/{cid}", get_fleet_collision, CV_AUTH_FLEET, 0, fleet_item_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-events", "A vehicle's alerts, collisions and alarms.", routes);
}

/*
 * vehicle.c - cvapi-vehicle: the latest state of a vehicle.
 *
 *   GET /connectedcar/v4/user/vehicles/{id}/status        (scopes optional:
 *        data:telemetry adds the vehicle's data, data:position lastPosition)
 *   GET /connectedcar/v4/user/vehicles/{id}/lastPosition  (data:position)
 *   GET /connectedcar/v4/user/vehicles/{id}/maintenance   (data:telemetry)
 *   GET /connectedcar/v3/fleets/{fid}/vehicles/{vid}/status, lastPosition,
 *       maintenance: the same for a fleet manager (everything shown)
 *
 * The status record carries its JSON fragments rendered at ingest, so a
 * status read is three key lookups (token, ownership, status) and copies;
 * the B2C answers depend on nothing else, and the request layer keeps
 * them (rcache.h) until the vehicle's next upload or a change of rights.
 */
#include "links.h"
#include "page.h"

#include <string.h>

/* Read the status record of the path's vehicle into buf; 0 or the failure status. */
static int load(struct cv_req *r, struct cv_buf *buf, struct cv_status_rec *rec)
{
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	e = cv_status_get(r->store, NULL, r->vid, buf, rec);
	if (e == CV_ENOTFOUND)
		return cv_fail(r, 404, CV_C_NO_DATA, "the vehicle has sent no data yet");
	if (e)
		return cv_fail_store(r, e, "status");
	return 0;
}

/* The links of a resource of the path's vehicle: self (path tail), vehicle (and more: caller). */
static void write_links(struct cv_jw *w, struct cv_req *r, const char *tail)
{
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/%s", r->vbase, tail);
	cv_render_link(w, r, "vehicle", "%s", r->vbase);
}

/* The Status object of the request's vehicle from its record. */
static void render_status(struct cv_jw *w, struct cv_req *r, const struct cv_status_rec *rec)
{
	cv_jw_obj(w);
	write_links(w, r, "status");
	cv_jw_end(w);
	cv_render_vin(w, r);
	cv_jw_ktime(w, "createdAt", rec->state.v.at);
	cv_jw_ktime(w, "updatedAt", rec->state.updated);
	if (r->tok.scopes & CV_SC_BIT(CV_SC_TELEMETRY))
		cv_jw_raw_members(w, rec->members, rec->members_len);
	if ((r->tok.scopes & CV_SC_BIT(CV_SC_POSITION)) && rec->position_len) {
		cv_jw_key(w, "lastPosition");
		cv_jw_raw(w, rec->position, rec->position_len);
	}
	cv_jw_end(w);
}

/* The Maintenance object of the request's vehicle from its record. */
static void render_maintenance(struct cv_jw *w, struct cv_req *r, const struct cv_status_rec *rec)
{
	cv_jw_obj(w);
	write_links(w, r, "maintenance");
	cv_render_link(w, r, "alerts", "%s/alerts", r->vbase);
	cv_jw_end(w);
	cv_render_vin(w, r);
	cv_render_maintenance_members(w, &rec->state);
	cv_jw_end(w);
}

static int get_status(struct cv_req *r)
{
	struct cv_buf *buf = &r->scratch;
	struct cv_status_rec rec;
	struct cv_jw w;
	int st = load(r, buf, &rec);

	if (st)
		return st;
	cv_jw_init(&w, &r->out);
	render_status(&w, r, &rec);
	if (w.err)
		return cv_fail(r, 500, CV_C_GENERIC, "response too large");
	cv_rc_vehicle(r);
	return 0;
}

static int get_last_position(struct cv_req *r)
{
	struct cv_buf *buf = &r->scratch;
	struct cv_status_rec rec;
	int st = load(r, buf, &rec);

	if (!st && !rec.position_len)
		st = cv_fail(r, 404, CV_C_NO_DATA, "the vehicle has sent no position yet");
	if (!st) {
		r->ctype = "application/vnd.geo+json";
		cv_buf_add(&r->out, rec.position, rec.position_len);
		cv_rc_vehicle(r);
	}
	return st;
}

static int get_maintenance(struct cv_req *r)
{
	struct cv_buf *buf = &r->scratch;
	struct cv_status_rec rec;
	struct cv_jw w;
	int st = load(r, buf, &rec);

	if (!st && !cv_state_has_maintenance(&rec.state))
		st = cv_fail(r, 404, CV_C_NO_DATA, "the vehicle has sent no maintenance data yet");
	if (st)
		return st;
	cv_jw_init(&w, &r->out);
	render_maintenance(&w, r, &rec);
	if (w.err)
		return cv_fail(r, 500, CV_C_GENERIC, "response too large");
	cv_rc_vehicle(r);
	return 0;
}

/* ---- fleet lists: /fleets/{fid}/status, /fleets/{fid}/maintenances ------------ */

struct flist {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	bool maintenance;       /* else status */
	int64_t rank;           /* vehicles with data seen so far: the total */
	int64_t skip;           /* those still before the page */
	enum cv_err err;
};

/* Each vehicle of the fleet, in id order: those with data count; the page's ones are written. */
static int flist_one(const struct cv_vehicle *v, void *arg)
{
	struct flist *c = arg;
	struct cv_req *r = c->r;
	struct cv_status_rec rec;
	enum cv_err e = cv_status_get(r->store, NULL, v->id, &r->scratch, &rec);

	if (e == CV_ENOTFOUND || (!e && c->maintenance && !cv_state_has_maintenance(&rec.state)))
		return 0;
	if (e) {
		c->err = e;
		return 1;
	}
	/* the walk goes on past the page: every vehicle with data counts in the total */
	c->rank++;
	if (cv_page_step(c->pg, &c->skip, 0, NULL) == CV_PAGE_TAKE) {
		r->veh = *v;
		r->vid = r->veh.id;
		snprintf(r->vbase, sizeof(r->vbase), CV_B2B "/fleets/%s/vehicles/%s", r->fid, v->id);
		if (c->maintenance)
			render_maintenance(c->w, r, &rec);
		else
			render_status(c->w, r, &rec);
		c->pg->count++;
	}
	return 0;
}

/*
 * The latest state of every vehicle of the fleet that has sent some, in
 * vehicle id order, paged by rank: each page reads the fleet's status
 * records (a lookup per vehicle) to count them.
 */
static int get_fleet_list(struct cv_req *r, bool maintenance)
{
	struct cv_page pg;
	struct cv_jw w;
	struct flist c = { r, &w, &pg, maintenance, 0, 0, CV_OK };
	size_t total;
	enum cv_err e;
	int st = cv_page_init(r, 60, &pg);

	if (st)
		return st;
	c.skip = pg.offset;
	cv_page_open(&w, r, maintenance ? "maintenances" : "status");
	e = cv_fleet_vehicles(r->store, NULL, r->fid, NULL, 0, SIZE_MAX, &total, flist_one, &c);
	if (!e)
		e = c.err;
	if (e)
		return cv_fail_store(r, e, "fleet status");
	return cv_page_close_ranked(&w, r, &pg, c.rank);
}

static int get_fleet_status(struct cv_req *r)
{
	return get_fleet_list(r, false);
}

static int get_fleet_maintenances(struct cv_req *r)
{
	return get_fleet_list(r, true);
}

static const struct cv_field fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

/* B2B: profile (fleet, the default, or endUser) is accepted; both show the same data. */
static const struct cv_field fleet_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_list_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

#define VEH CV_B2C "/user/vehicles/{id}"
#define FVEH CV_B2B "/fleets/{fid}/vehicles/{vid}"

static const struct cv_route routes[] = {
	{ "GET", VEH "/status", get_status, CV_AUTH_USER, 0, fields, 0 },
	{ "GET", VEH "/lastPosition", get_last_position, CV_AUTH_USER, CV_SC_BIT(CV_SC_POSITION), fields, 0 },
	{ "GET", VEH "/maintenance", get_maintenance, CV_AUTH_USER, CV_SC_BIT(CV_SC_TELEMETRY), fields, 0 },
	{ "GET", FVEH "/status", get_status, CV_AUTH_FLEET, 0, fleet_fields, 0 },
	{ "GET", FVEH "/lastPosition", get_last_position, CV_AUTH_FLEET, 0, fleet_fields, 0 },
	{ "GET", FVEH "/maintenance", get_maintenance, CV_AUTH_FLEET, 0, fleet_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/status", get_fleet_status, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/maintenances", get_fleet_maintenances, CV_AUTH_FLEET, 0, fleet_list_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-vehicle",
			"The latest state of a vehicle: status, lastPosition, maintenance.", routes);
}

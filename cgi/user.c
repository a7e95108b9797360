/*
 * user.c - cvapi-user: who is asking and which vehicles they see.
 *
 *   B2C, a user:
 *   GET /connectedcar/v4/user
 *   GET /connectedcar/v4/user/limits            (quotas: an extension)
 *   GET /connectedcar/v4/user/vehicles
 *   GET /connectedcar/v4/user/vehicles/{id}
 *   B2B, a fleet manager:
 *   GET /connectedcar/v3/fleets
 *   GET /connectedcar/v3/fleets/{fid}
 *   GET /connectedcar/v3/fleets/{fid}/limits    (quotas: an extension)
 *   GET /connectedcar/v3/fleets/{fid}/vehicles
 *   GET /connectedcar/v3/fleets/{fid}/vehicles/{vid}
 *   GET /connectedcar/v3/vehicles/{vin}   (capabilities, of a vehicle in
 *       one of their fleets)
 *
 * Any other path of the API is answered here too (404 with an xError).
 */
#include "links.h"
#include "page.h"
#include "quotas.h"

#include <string.h>

static uint32_t check_extension(const char *item)
{
	static const char *const names[] = { "onboardCapabilities", "branding", "pictures" };

	for (size_t i = 0; i < CV_ARRAY_LEN(names); i++)
		if (!strcmp(names[i], item))
			return 1u << i;
	return 0;
}

static uint32_t check_country(const char *item)
{
	/* ISO 3166-1 alpha-2: two capital letters */
	return strlen(item) == 2 && item[0] >= 'A' && item[0] <= 'Z' && item[1] >= 'A' && item[1] <= 'Z';
}

static int get_user(struct cv_req *r)
{
	struct cv_user u;
	struct cv_jw w;
	enum cv_err e = cv_user_get(r->store, NULL, r->tok.user, &u);

	if (e)
		return cv_fail_store(r, e, "user");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	cv_render_link(&w, r, "self", CV_B2C "/user");
	cv_render_link(&w, r, "vehicles", CV_B2C "/user/vehicles");
	cv_jw_end(&w);
	if (u.email[0])
		cv_jw_kstr(&w, "email", u.email);
	if (u.first[0])
		cv_jw_kstr(&w, "firstName", u.first);
	if (u.last[0])
		cv_jw_kstr(&w, "lastName", u.last);
	cv_jw_ktime(&w, "createdAt", u.created);
	cv_jw_ktime(&w, "updatedAt", u.updated);
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

struct list_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
};

static int list_one(const struct cv_vehicle *v, void *arg)
{
	struct list_ctx *c = arg;

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	cv_render_vehicle(c->w, c->r, v);
	c->pg->count++;
	return 0;
}

static int get_vehicles(struct cv_req *r)
{
	struct cv_page pg;
	struct cv_jw w;
	struct list_ctx c = { &w, r, &pg };
	size_t total;
	enum cv_err e;
	int st = cv_page_init(r, 60, &pg);
	const char *prefix = r->q.vin_prefix;

	if (st)
		return st;
	cv_page_open(&w, r, "vehicles");
	/* one more than the page, to know whether a next page exists */
	if (r->b2b)
		e = cv_fleet_vehicles(r->store, NULL, r->fid, prefix, (size_t)pg.offset, (size_t)pg.limit + 1,
				      &total, list_one, &c);
	else
		e = cv_user_vehicles(r->store, NULL, r->tok.user, prefix, (size_t)pg.offset, (size_t)pg.limit + 1,
				     &total, list_one, &c);
	if (e)
		return cv_fail_store(r, e, "vehicles");
	return cv_page_close_ranked(&w, r, &pg, (int64_t)total);
}

static int get_vehicle(struct cv_req *r)
{
	struct cv_vehicle v;
	struct cv_jw w;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (st)
		return st;
	e = cv_vehicle_get(r->store, NULL, r->vid, &v);
	if (e)
		return cv_fail_store(r, e, "vehicle");
	cv_jw_init(&w, &r->out);
	cv_render_vehicle(&w, r, &v);
	if (w.err)
		return cv_fail(r, 500, CV_C_GENERIC, "response too large");
	cv_rc_vehicle(r);
	return 0;
}

/* ---- the fleet face ------------------------------------------------------ */

static void render_fleet(struct cv_jw *w, struct cv_req *r, const struct cv_fleet *f)
{
	static const char *const subs[] = { "vehicles", "status", "maintenances", "alerts", "trips", "collisions" };

	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", CV_B2B "/fleets/%s", f->id);
	for (size_t i = 0; i < CV_ARRAY_LEN(subs); i++)
		cv_render_link(w, r, subs[i], CV_B2B "/fleets/%s/%s", f->id, subs[i]);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", f->id);
	if (f->label[0])
		cv_jw_kstr(w, "name", f->label);
	cv_jw_ktime(w, "createdAt", f->created);
	cv_jw_ktime(w, "updatedAt", f->created);
	cv_jw_end(w);
}

struct fleets_ctx {
	struct cv_jw *w;
	struct cv_req *r;
	struct cv_page *pg;
};

static int fleet_one(const struct cv_fleet *f, void *arg)
{
	struct fleets_ctx *c = arg;

	if (cv_page_step(c->pg, NULL, 0, NULL) == CV_PAGE_STOP)
		return 1;
	render_fleet(c->w, c->r, f);
	c->pg->count++;
	return 0;
}

static int get_fleets(struct cv_req *r)
{
	struct cv_page pg;
	struct cv_jw w;
	struct fleets_ctx c = { &w, r, &pg };
	size_t total;
	enum cv_err e;
	int st = cv_page_init(r, 60, &pg);

	if (st)
		return st;
	cv_page_open(&w, r, "fleets");
	e = cv_owner_fleets(r->store, NULL, r->tok.user, (size_t)pg.offset, (size_t)pg.limit + 1, &total, fleet_one, &c);
	if (e)
		return cv_fail_store(r, e, "fleets");
	return cv_page_close_ranked(&w, r, &pg, (int64_t)total);
}

static int get_fleet(struct cv_req *r)
{
	struct cv_fleet f;
	struct cv_jw w;
	enum cv_err e = cv_fleet_get(r->store, NULL, r->fid, &f);

	if (e)
		return cv_fail_store(r, e, "fleet");
	cv_jw_init(&w, &r->out);
	render_fleet(&w, r, &f);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

/*
 * The owner's quotas and what it uses of each (an extension: db/quotas.h):
 * GET /user/limits, GET /fleets/{fid}/limits.
 */
static int get_limits(struct cv_req *r)
{
	char owner[CV_CB_OWNER_MAX + 1], self[CV_PATH_MAX];
	int64_t lim[CV_Q_COUNT], used[CV_Q_COUNT];
	struct cv_jw w;
	enum cv_err e;

	if (r->b2b) {
		snprintf(owner, sizeof(owner), "f:%s", r->fid);
		snprintf(self, sizeof(self), CV_B2B "/fleets/%s/limits", r->fid);
	} else {
		snprintf(owner, sizeof(owner), "u:%s", r->tok.user);
		cv_strlcpy(self, CV_B2C "/user/limits", sizeof(self));
	}
	e = cv_limits_get(r->store, NULL, owner, lim);
	if (!e)
		e = cv_limits_usage(r->store, NULL, owner, r->now, used);
	if (e)
		return cv_fail_store(r, e, "limits");
	r->ctype = "application/json";
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_links");
	cv_jw_obj(&w);
	cv_render_link(&w, r, "self", "%s", self);
	cv_jw_end(&w);
	cv_jw_key(&w, "limits");
	cv_jw_arr(&w);
	for (size_t i = 0; i < CV_Q_COUNT; i++) {
		cv_jw_obj(&w);
		cv_jw_kstr(&w, "quota", cv_quota_names[i]);
		cv_jw_kint(&w, "limit", lim[i]);
		if (used[i] >= 0)
			cv_jw_kint(&w, "used", used[i]);
		cv_jw_end(&w);
	}
	cv_jw_end(&w);
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

struct find_ctx {
	struct cv_store *store;
	const char *vid;
	bool found;
	enum cv_err err;
};

static int fleet_has(const struct cv_fleet *f, void *arg)
{
	struct find_ctx *c = arg;
	enum cv_err e = cv_fleet_has_vehicle(c->store, NULL, f->id, c->vid);

	if (e == CV_OK)
		c->found = true;
	else if (e != CV_ENOTFOUND)
		c->err = e;
	return c->found || c->err;
}

/* Capabilities of a vehicle by VIN: it must be in one of the manager's fleets. */
static int get_capabilities(struct cv_req *r)
{
	struct cv_vehicle v;
	struct cv_jw w;
	const char *vin = cv_req_id(r, "vin");
	size_t total;
	enum cv_err e;

	e = cv_vehicle_by_vin(r->store, NULL, vin, &v);
	if (e && e != CV_ENOTFOUND)
		return cv_fail_store(r, e, "vehicle");
	if (!e) {
		/* in a fleet of theirs? (an unknown VIN answers alike) */
		struct find_ctx c = { r->store, v.id, false, CV_OK };

		e = cv_owner_fleets(r->store, NULL, r->tok.user, 0, SIZE_MAX, &total, fleet_has, &c);
		if (!e)
			e = c.err;
		if (e)
			return cv_fail_store(r, e, "fleets");
		if (!c.found)
			e = CV_ENOTFOUND;
	}
	if (e)
		return cv_fail(r, 403, CV_C_NOT_YOURS, "this vehicle is not in one of your fleets");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "vin", v.vin);
	cv_jw_kstr(&w, "motorization", cv_energy_motorization(v.energy));
	cv_jw_ktime(&w, "createdAt", v.created);
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static const struct cv_field user_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_LIST("country", check_country, country),
	{ NULL, 0, 0, NULL, 0 },
};

/* str[6] is vinPrefix: keep the order in step with get_vehicles(). */
static const struct cv_field vehicles_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	CV_FIELD_STRING("locale", 16, locale),
	CV_FIELD_LIST("extension", check_extension, extension),
	CV_FIELD_STRING("vinPrefix", CV_VIN_MAX, vin_prefix),
	CV_FIELD_LIST("country", check_country, country),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field vehicle_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_STRING("locale", 16, locale),
	CV_FIELD_LIST("extension", check_extension, extension),
	CV_FIELD_LIST("country", check_country, country),
	{ NULL, 0, 0, NULL, 0 },
};

static uint32_t check_fleet_vehicles_extension(const char *item)
{
	return !strcmp(item, "branding") ? 1 : !strcmp(item, "pictures") ? 2 : 0;
}

static const struct cv_field fleets_fields[] = {
	{ "pageSize", CV_F_PAGESIZE, 60, NULL, 0 },
	{ "pageToken", CV_F_PAGETOKEN, 512, NULL, 0 },
	{ "indexRange", CV_F_INDEXRANGE, 0, NULL, 0 },
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field limits_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ NULL, 0, 0, NULL, 0 },
};

/* str[6] is vinPrefix, as in vehicles_fields: get_vehicles() reads it there. */
static const struct cv_field fleet_vehicles_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	CV_FIELD_STRING("locale", 16, locale),
	CV_FIELD_LIST("extension", check_fleet_vehicles_extension, extension),
	CV_FIELD_STRING("vinPrefix", CV_VIN_MAX, vin_prefix),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_field fleet_vehicle_fields[] = {
	CV_FIELD_CLIENT_ID,
	CV_FIELD_STRING("locale", 16, locale),
	CV_FIELD_LIST("extension", check_extension, extension),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_route routes[] = {
	{ "GET", CV_B2C "/user", get_user, CV_AUTH_USER, 0, user_fields, 0 },
	{ "GET", CV_B2C "/user/limits", get_limits, CV_AUTH_USER, 0, limits_fields, 0 },
	{ "GET", CV_B2C "/user/vehicles", get_vehicles, CV_AUTH_USER, 0, vehicles_fields, 0 },
	{ "GET", CV_B2C "/user/vehicles/{id}", get_vehicle, CV_AUTH_USER, 0, vehicle_fields, 0 },
	{ "GET", CV_B2B "/fleets", get_fleets, CV_AUTH_FLEET, 0, fleets_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}", get_fleet, CV_AUTH_FLEET, 0, fleet_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/limits", get_limits, CV_AUTH_FLEET, 0, limits_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/vehicles", get_vehicles, CV_AUTH_FLEET, 0, fleet_vehicles_fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/vehicles/{vid}", get_vehicle, CV_AUTH_FLEET, 0, fleet_vehicle_fields, 0 },
	{ "GET", CV_B2B "/vehicles/{vin}", get_capabilities, CV_AUTH_FLEET, 0, fleet_vehicle_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-user", "Users, fleets and the vehicles they see (/user..., /fleets...).", routes);
}

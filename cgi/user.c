/*
 * user.c - cvapi-user: the user and their vehicles (B2C).
 *
 *   GET /connectedcar/v4/user
 *   GET /connectedcar/v4/user/vehicles
 *   GET /connectedcar/v4/user/vehicles/{id}
 */
#include "links.h"
#include "page.h"

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
	cv_jw_link(&w, r, "self", CV_B2C "/user");
	cv_jw_link(&w, r, "vehicles", CV_B2C "/user/vehicles");
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

	if (c->pg->count >= c->pg->limit) {
		c->pg->more = true;
		return 1;
	}
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
	const char *prefix = r->q.str[6];

	if (st)
		return st;
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_key(&w, "_embedded");
	cv_jw_obj(&w);
	cv_jw_key(&w, "vehicles");
	cv_jw_arr(&w);
	/* one more than the page, to know whether a next page exists */
	e = cv_user_vehicles(r->store, NULL, r->tok.user, prefix, (size_t)pg.offset, (size_t)pg.limit + 1,
			     &total, list_one, &c);
	if (e)
		return cv_fail_store(r, e, "vehicles");
	cv_jw_end(&w);
	cv_jw_end(&w);
	pg.total = (int64_t)total;
	pg.next_key = pg.offset + pg.count;
	cv_page_finish(&w, r, &pg);
	cv_jw_end(&w);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static int get_vehicle(struct cv_req *r)
{
	struct cv_vehicle v;
	struct cv_jw w;
	enum cv_err e;
	int st = cv_check_vehicle(r, 0);

	if (st)
		return st;
	e = cv_vehicle_get(r->store, NULL, r->seg[0], &v);
	if (e)
		return cv_fail_store(r, e, "vehicle");
	cv_jw_init(&w, &r->out);
	cv_render_vehicle(&w, r, &v);
	return w.err ? cv_fail(r, 500, CV_C_GENERIC, "response too large") : 0;
}

static const struct cv_field user_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ "country", CV_F_LIST, 0, check_country },
	{ NULL, 0, 0, NULL },
};

/* str[6] is vinPrefix: keep the order in step with get_vehicles(). */
static const struct cv_field vehicles_fields[] = {
	CV_FIELDS_PAGE(60),
	CV_FIELD_CLIENT_ID,
	{ "locale", CV_F_STRING, 16, NULL },
	{ "extension", CV_F_LIST, 0, check_extension },
	{ "vinPrefix", CV_F_STRING, CV_VIN_MAX, NULL },
	{ "country", CV_F_LIST, 0, check_country },
	{ NULL, 0, 0, NULL },
};

static const struct cv_field vehicle_fields[] = {
	CV_FIELD_CLIENT_ID,
	{ "locale", CV_F_STRING, 16, NULL },
	{ "extension", CV_F_LIST, 0, check_extension },
	{ "country", CV_F_LIST, 0, check_country },
	{ NULL, 0, 0, NULL },
};

static const struct cv_route routes[] = {
	{ "GET", CV_B2C "/user", get_user, CV_AUTH_USER, 0, user_fields, 0 },
	{ "GET", CV_B2C "/user/vehicles", get_vehicles, CV_AUTH_USER, 0, vehicles_fields, 0 },
	{ "GET", CV_B2C "/user/vehicles/{id}", get_vehicle, CV_AUTH_USER, 0, vehicle_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-user", "The user and their vehicles (B2C /user...).", routes);
}

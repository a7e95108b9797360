/*
 * telemetry.c - cvapi-telemetry: a vehicle's telemetry history (both faces).
 *
 *   GET /connectedcar/v4/user/vehicles/{id}/telemetry
 *   GET /connectedcar/v3/fleets/{fid}/vehicles/{vid}/telemetry
 *       timestamps, type, pageSize (1..2000), indexRange, pageToken, extension
 *
 * Newest first. A page is one cursor seek: from the pageToken's resume time,
 * or, for indexRange, from the newest sample after skipping `offset` (whose
 * cost grows with the offset; follow `next` links for deep pages).
 */
#include "history.h"
#include "links.h"
#include "cvtime.h"

#include <string.h>


struct walk_ctx {
	struct cv_req *r;
	struct cv_jw *w;
	struct cv_page *pg;
	uint32_t mask;
	bool filtered;
	unsigned char vid[16];
	int64_t skip;       /* items still to skip (indexRange) */
};

/* Counting: a sample is listed if it has one of the filter's parts. */
static bool count_accept(uint32_t has, void *arg)
{
	const struct walk_ctx *c = arg;

	return (cv_groups_parts(has) & c->mask) != 0;
}

static int emit_one(const struct cv_sample *s, void *arg)
{
	struct walk_ctx *c = arg;

	if (!cv_sample_has_parts(s, c->mask))
		return 0;
	switch (cv_page_step(c->pg, &c->skip, s->at, NULL)) {
	case CV_PAGE_SKIP: return 0;
	case CV_PAGE_STOP: return 1;
	case CV_PAGE_TAKE: break;
	}
	cv_render_telemetry_item(c->r, c->w, s, c->mask, NULL);
	c->pg->count++;
	return 0;
}

/* what is listed: samples with one telemetry part at least (of the filter's) */
static enum cv_err tel_count(void *ctx, const struct cv_interval *iv, int64_t *n)
{
	struct walk_ctx *c = ctx;
	int64_t k = 0;
	enum cv_err e = cv_telemetry_count(c->r->store, NULL, c->vid, iv->from, iv->to, count_accept, c, &k);

	*n += k;
	return e;
}

static enum cv_err tel_walk(void *ctx, const struct cv_interval *iv, int64_t start)
{
	struct walk_ctx *c = ctx;
	struct cv_walk wk = { iv->from, iv->to, start, true };

	return cv_telemetry_walk(c->r->store, NULL, c->vid, &wk, emit_one, c);
}

static const struct cv_page_source tel_source = { tel_count, tel_walk, false };

static int get_telemetry(struct cv_req *r)
{
	struct cv_interval iv[CV_MAX_INTERVALS];
	struct cv_page pg;
	struct cv_jw w;
	struct walk_ctx c;
	size_t n;
	enum cv_err e;
	int st = cv_check_vehicle(r);

	if (!st)
		st = cv_page_init(r, 60, &pg);
	if (st)
		return st;
	n = cv_intervals_desc(r, iv);
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.w = &w;
	c.pg = &pg;
	c.filtered = r->q.type != 0;
	c.mask = c.filtered ? r->q.type : CV_TP_ALL;
	c.skip = pg.resume ? 0 : pg.offset;
	cv_vid_bytes(r->vid, c.vid);
	cv_page_open(&w, r, "telemetries");
	e = cv_page_intervals(&pg, iv, n, &tel_source, &c);
	if (e)
		return cv_fail_store(r, e, "telemetry");
	return cv_page_close(&w, r, &pg);
}

static const struct cv_field fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_LIST("type", cv_check_tel_type, type),
	CV_FIELD_LIST("extension", cv_check_tel_extension, extension),
	{ NULL, 0, 0, NULL, 0 },
};

/* B2B: the same, and profile (fleet or endUser: both show the same data). */
static const struct cv_field fleet_fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_LIST("type", cv_check_tel_type, type),
	CV_FIELD_LIST("extension", cv_check_tel_extension, extension),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	{ NULL, 0, 0, NULL, 0 },
};

static const struct cv_route routes[] = {
	{ "GET", CV_B2C "/user/vehicles/{id}/telemetry", get_telemetry, CV_AUTH_USER,
	  CV_SC_BIT(CV_SC_TELEMETRY), fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/vehicles/{vid}/telemetry", get_telemetry, CV_AUTH_FLEET, 0, fleet_fields, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-telemetry", "A vehicle's telemetry history.", routes);
}

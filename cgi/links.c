/* links.c - links and the objects of several programs (see links.h). */
#include "links.h"
#include "history.h"
#include "cvtime.h"

#include <string.h>

/* ---- links -------------------------------------------------------------- */

/*
 * vsnprintf for formats whose only conversions are %s and %% (every link
 * path is one), without its cost: false, and nothing consumed that matters,
 * for any other format (the caller then uses vsnprintf on a copy of ap).
 */
static bool fmt_links(char *dst, size_t size, const char *fmt, va_list ap)
{
	size_t o = 0;
	const char *f = fmt;

	while (*f) {
		const char *s = f;
		size_t n;

		if (*f != '%') {
			/* a run of literal characters at once */
			while (*f && *f != '%')
				f++;
			n = (size_t)(f - s);
		} else if (f[1] == 's') {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = strlen(s);
			f += 2;
		} else if (f[1] == '%') {
			n = 1;
			f += 2;
		} else {
			return false;
		}
		if (n > size - 1 - o)
			n = size - 1 - o;
		memcpy(dst + o, s, n);
		o += n;
	}
	dst[o] = '\0';
	return true;
}

void cv_render_link(struct cv_jw *w, struct cv_req *r, const char *name, const char *fmt, ...)
{
	char href[CV_PATH_MAX + 64 + sizeof(r->base)];
	size_t bl = strlen(r->base);
	va_list ap, ap2;

	/* base, then the path (at most CV_PATH_MAX + 63 bytes) formatted after it */
	memcpy(href, r->base, bl);
	va_start(ap, fmt);
	va_copy(ap2, ap);
	if (!fmt_links(href + bl, CV_PATH_MAX + 64, fmt, ap))
		vsnprintf(href + bl, CV_PATH_MAX + 64, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	cv_jw_key(w, name);
	cv_jw_obj(w);
	cv_jw_kstr(w, "href", href);
	cv_jw_end(w);
}


void cv_render_vin(struct cv_jw *w, const struct cv_req *r)
{
	if (r->b2b && r->veh.vin[0])
		cv_jw_kstr(w, "vin", r->veh.vin);
}

/* ---- objects ------------------------------------------------------------ */

void cv_render_vehicle(struct cv_jw *w, struct cv_req *r, const struct cv_vehicle *v)
{
	static const char *const subs[] = {
		"status", "lastPosition", "maintenance", "telemetry", "trips", "alerts",
		"alarms", "collisions",
	};

	char base[CV_PATH_MAX];

	if (r->b2b)
		snprintf(base, sizeof(base), CV_B2B "/fleets/%s/vehicles/%s", r->fid, v->id);
	else
		snprintf(base, sizeof(base), CV_B2C "/user/vehicles/%s", v->id);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s", base);
	if (r->b2b)
		cv_render_link(w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	else
		cv_render_link(w, r, "user", CV_B2C "/user");
	for (size_t i = 0; i < CV_ARRAY_LEN(subs); i++)
		if (!r->b2b || strcmp(subs[i], "alarms"))   /* the fleet face's vehicle items have no alarms link */
			cv_render_link(w, r, subs[i], "%s/%s", base, subs[i]);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", v->id);
	cv_jw_kstr(w, "vin", v->vin);
	if (v->brand[0])
		cv_jw_kstr(w, "brand", v->brand);
	if (v->label[0] && !r->b2b)
		cv_jw_kstr(w, "label", v->label);
	cv_jw_kstr(w, "motorization", cv_energy_motorization(v->energy));
	cv_jw_ktime(w, "createdAt", v->created);
	cv_jw_ktime(w, "updatedAt", v->updated);
	cv_jw_end(w);
}

void cv_render_alert(struct cv_req *r, struct cv_jw *w, const struct cv_alert_rec *a)
{
	char id[CV_ID_MAX + 1];

	cv_coll_id(id, r->vid, a->start, a->code, 2);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/alerts/%s", r->vbase, id);
	cv_render_link(w, r, "vehicle", "%s", r->vbase);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", id);
	cv_render_vin(w, r);
	cv_jw_kbool(w, "active", a->active);
	cv_jw_kstr(w, "type", a->code < cv_alert_count ? cv_alert_names[a->code] : cv_alert_names[0]);
	cv_jw_kstr(w, "severity", cv_severity_names[a->severity < 3 ? a->severity : 1]);
	cv_jw_ktime(w, "createdAt", a->start);
	cv_jw_ktime(w, "updatedAt", a->updated);
	cv_jw_ktime(w, "startedAt", a->start);
	if (!a->active)
		cv_jw_ktime(w, "endAt", a->end);
	if ((r->tok.scopes & CV_SC_BIT(CV_SC_POSITION)) && a->has_start_pos) {
		cv_jw_key(w, "startPosition");
		cv_render_point(w, a->start_lat_e7, a->start_lon_e7, a->start_alt_m, a->start);
	}
	if ((r->tok.scopes & CV_SC_BIT(CV_SC_POSITION)) && !a->active && a->has_end_pos) {
		cv_jw_key(w, "endPosition");
		cv_render_point(w, a->end_lat_e7, a->end_lon_e7, a->end_alt_m, a->end);
	}
	cv_jw_end(w);
}

void cv_render_collision(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned index, const struct cv_event *ev)
{
	char id[CV_ID_MAX + 1];

	cv_coll_id(id, r->vid, at, index, 1);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/collisions/%s", r->vbase, id);
	cv_render_link(w, r, "vehicle", "%s", r->vbase);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", id);
	cv_render_vin(w, r);
	cv_jw_ktime(w, "createdAt", at);
	cv_jw_ktime(w, "updatedAt", at);
	cv_jw_key(w, "details");
	cv_jw_arr(w);
	for (int i = 0; i < ev->ndetails; i++) {
		cv_jw_obj(w);
		cv_jw_kstr(w, "side", cv_side_names[ev->side[i] < 3 ? ev->side[i] : 0]);
		if (ev->csev[i] >= 1 && ev->csev[i] <= 3)
			cv_jw_kstr(w, "severity", cv_csev_names[ev->csev[i]]);
		cv_jw_end(w);
	}
	cv_jw_end(w);
	cv_jw_end(w);
}

void cv_render_telemetry_item(struct cv_req *r, struct cv_jw *w, const struct cv_sample *s, uint32_t show,
			      const char *trip_id)
{
	char from[CV_TIME_STRLEN], to[CV_TIME_STRLEN];

	cv_time_fmt(s->at, from);
	cv_time_fmt(s->at + 1, to);
	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_render_link(w, r, "self", "%s/telemetry?timestamps=%s/%s", r->vbase, from, to);
	cv_render_link(w, r, "vehicle", "%s", r->vbase);
	if (trip_id)
		cv_render_link(w, r, "trip", "%s/trips/%s", r->vbase, trip_id);
	cv_jw_end(w);
	cv_render_telemetry_members(w, s, show);
	cv_jw_end(w);
}

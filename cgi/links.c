/* links.c - the Vehicle object and its links (see links.h). */
#include "links.h"

#include <string.h>

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
	cv_jw_link(w, r, "self", "%s", base);
	if (r->b2b)
		cv_jw_link(w, r, "fleet", CV_B2B "/fleets/%s", r->fid);
	else
		cv_jw_link(w, r, "user", CV_B2C "/user");
	for (size_t i = 0; i < CV_ARRAY_LEN(subs); i++)
		if (!r->b2b || strcmp(subs[i], "alarms"))   /* the fleet face's vehicle items have no alarms link */
			cv_jw_link(w, r, subs[i], "%s/%s", base, subs[i]);
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

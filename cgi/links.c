/* links.c - the Vehicle object and its links (see links.h). */
#include "links.h"

void cv_render_vehicle(struct cv_jw *w, struct cv_req *r, const struct cv_vehicle *v)
{
	static const char *const subs[] = {
		"status", "lastPosition", "maintenance", "telemetry", "trips", "alerts",
		"alarms", "collisions",
	};

	cv_jw_obj(w);
	cv_jw_key(w, "_links");
	cv_jw_obj(w);
	cv_jw_link(w, r, "self", CV_B2C "/user/vehicles/%s", v->id);
	cv_jw_link(w, r, "user", CV_B2C "/user");
	for (size_t i = 0; i < CV_ARRAY_LEN(subs); i++)
		cv_jw_link(w, r, subs[i], CV_B2C "/user/vehicles/%s/%s", v->id, subs[i]);
	cv_jw_end(w);
	cv_jw_kstr(w, "id", v->id);
	cv_jw_kstr(w, "vin", v->vin);
	if (v->brand[0])
		cv_jw_kstr(w, "brand", v->brand);
	if (v->label[0])
		cv_jw_kstr(w, "label", v->label);
	cv_jw_kstr(w, "motorization", cv_energy_motorization(v->energy));
	cv_jw_ktime(w, "createdAt", v->created);
	cv_jw_ktime(w, "updatedAt", v->updated);
	cv_jw_end(w);
}

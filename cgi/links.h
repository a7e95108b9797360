/*
 * links.h - HAL renderings shared by several programs: a vehicle's links
 * and the Vehicle object.
 */
#ifndef CV_LINKS_H
#define CV_LINKS_H

#include "req.h"

/*
 * An alert occurrence (Alert schema) and a collision (Collision schema) of
 * the request's vehicle (r->vid, r->vbase), as values; positions only with
 * the data:position scope. Their ids are the records' keys (history.h).
 */
void cv_render_alert(struct cv_req *r, struct cv_jw *w, const struct cv_alert_rec *a);
void cv_render_collision(struct cv_req *r, struct cv_jw *w, int64_t at, unsigned index, const struct cv_event *ev);

/*
 * A Telemetry item of the request's vehicle (a value): its links (self:
 * the item's own time as a timestamps filter; vehicle; trip when trip_id is
 * given) and the sample's members limited to the parts in `show`.
 */
void cv_render_telemetry_item(struct cv_req *r, struct cv_jw *w, const struct cv_sample *s, uint32_t show,
			      const char *trip_id);

/* Write the Vehicle object for v, with the links of the request's face. */
void cv_render_vehicle(struct cv_jw *w, struct cv_req *r, const struct cv_vehicle *v);

#endif

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

/* Write the Vehicle object for v, with the links of the request's face. */
void cv_render_vehicle(struct cv_jw *w, struct cv_req *r, const struct cv_vehicle *v);

#endif

/*
 * links.h - HAL renderings shared by several programs: a vehicle's links
 * and the Vehicle object.
 */
#ifndef CV_LINKS_H
#define CV_LINKS_H

#include "req.h"

/* Write the Vehicle object for v, with the links of the request's face. */
void cv_render_vehicle(struct cv_jw *w, struct cv_req *r, const struct cv_vehicle *v);

#endif

/*
 * links.h - HAL renderings of the request layer shared by several
 * programs: a link (its href made of the request's base and a path), the
 * fleet face's vin member, the Vehicle object and the history items of a
 * vehicle. Collections' paging links are page.h's.
 */
#ifndef CV_LINKS_H
#define CV_LINKS_H

#include "req.h"

/*
 * Write "name":{"href":"<base><path>"} into the current object, the path
 * formatted from fmt (printf; a format of %s and %% only is formatted
 * without vsnprintf) and cut at CV_PATH_MAX + 63 bytes. base is r->base,
 * the scheme, host and port the request came by.
 */
void cv_render_link(struct cv_jw *w, struct cv_req *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * On the fleet face, write the "vin" member of the path's vehicle (its
 * objects carry it; after cv_check_vehicle()); nothing on the user face.
 */
void cv_render_vin(struct cv_jw *w, const struct cv_req *r);

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

/*
 * monitors.h - the handlers of both faces' monitors (monitors.c), in
 * cvapi-callbacks' route table:
 *
 *   GET, POST         /user/vehicles/{id}/callbacks/{cbid}/monitors, /fleets/{fid}/monitors
 *   GET, PUT, DELETE  .../monitors/{mid}
 *   PUT               .../monitors/{mid}/status
 *
 * POST, PUT and PUT .../status answer 202 with a MonitorRef (createdAt,
 * updatedAt, _links.monitor and on the fleet face _links.fleet,
 * monitorId, status); the fleet face's POST adds the webhook's
 * signingSecret.
 */
#ifndef CV_MONITORS_H
#define CV_MONITORS_H

#include "req.h"

int cv_get_monitors(struct cv_req *r);
int cv_post_monitor(struct cv_req *r);
int cv_get_monitor(struct cv_req *r);
int cv_put_monitor(struct cv_req *r);
int cv_delete_monitor(struct cv_req *r);
int cv_put_monitor_status(struct cv_req *r);

#endif

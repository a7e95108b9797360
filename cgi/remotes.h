/*
 * remotes.h - the handlers of both faces' remote actions (remotes.c), in
 * cvapi-callbacks' route table:
 *
 *   GET, POST  /user/vehicles/{id}/callbacks/{cbid}/remotes
 *              /fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes
 *   GET        .../remotes/{rid}
 */
#ifndef CV_REMOTES_H
#define CV_REMOTES_H

#include "req.h"

/*
 * Read the host's settings of remote actions, once, at the program's start:
 * CVAPI_REMOTE_TIMEOUT (seconds from posting to VehicleConnectionTimeout,
 * 1 to 86400, default 120), CVAPI_REMOTE_AWAKE (seconds a vehicle stays
 * awake after its last exchange, 0 to 3600, default 180),
 * CVAPI_REMOTE_WAKEUPS (wake-ups per vehicle and UTC month, 0 to 10000,
 * default 30). A value refused is said (core/settings.h).
 */
void cv_remote_settings(const char *prog);

int cv_post_remote(struct cv_req *r);
int cv_get_remotes(struct cv_req *r);
int cv_get_remote(struct cv_req *r);

#endif

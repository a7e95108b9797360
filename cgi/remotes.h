/*
 * remotes.h - the remote actions of both faces in cvapi-callbacks
 * (remotes.c): the handlers of its route table,
 *
 *   GET, POST  /user/vehicles/{id}/callbacks/{cbid}/remotes
 *              /fleets/{fid}/vehicles/{vid}/callbacks/{cbid}/remotes
 *   GET        .../remotes/{rid}
 *
 * the reader of their body and the host's settings of them. The action's
 * model is core/remote.h, its store db/actions.h.
 */
#ifndef CV_REMOTES_H
#define CV_REMOTES_H

#include "actions.h"
#include "jread.h"
#include "req.h"

#include <json-c/json.h>

/*
 * Read the host's settings of remote actions, once, at the program's start:
 * CVAPI_REMOTE_TIMEOUT (seconds from posting to VehicleConnectionTimeout,
 * 1 to 86400, default 120), CVAPI_REMOTE_AWAKE (seconds a vehicle stays
 * awake after its last exchange, 0 to 3600, default 180),
 * CVAPI_REMOTE_WAKEUPS (wake-ups an owner's actions may cost a vehicle in
 * a UTC month, 0 to 10000, default 30), CVAPI_REMOTE_VEHICLE_WAKEUPS (the
 * vehicle's cap: wake-ups all owners' actions together may cost it in a
 * UTC month, 0 to 20000, default 60, twice an owner's default). A value
 * refused is said (core/settings.h).
 */
void cv_remotes_setup(const char *prog);

/*
 * Read the Remote body o whole, with core/jread.h at jr's path (a body:
 * ""), checked against the schema of its face (b2b: the fleet face's
 * actions), into a: a->rm (the one action's type, its member as compact
 * JSON, the label, whether it needs the traction battery) and, on the user
 * face, `attributes` and `callbackAttributes.webhook` (subscribe.h; none
 * on the fleet face). The
 * first failure is in jr ("door.state: must be one of Unlocked, Locked");
 * after one, a is partial and the caller stores nothing. The rest of a
 * (id, owner, vehicle, times) is the caller's.
 */
void cv_remotes_read(struct cv_jread *jr, json_object *o, bool b2b, struct cv_action *a);

int cv_post_remote(struct cv_req *r);
int cv_get_remotes(struct cv_req *r);
int cv_get_remote(struct cv_req *r);

#endif

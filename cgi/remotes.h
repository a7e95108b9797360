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

int cv_post_remote(struct cv_req *r);
int cv_get_remotes(struct cv_req *r);
int cv_get_remote(struct cv_req *r);

#endif

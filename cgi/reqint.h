/*
 * reqint.h - the request layer's own pieces, shared by its files and by
 * no program: the stages serve.c runs for each request, in this order,
 * and the helpers they share. Programs use req.h only.
 *
 *   cv_route_match   the path against a route's pattern (req.c)
 *   cv_set_base      the scheme and host links are built on (req.c)
 *   cv_query_parse   every query parameter into r->q, or 400 (query.c)
 *   cv_body_check    the declared body against the route's limits (body.c)
 *   cv_ids_check     the ids authentication reads: the vehicle link's VIN (req.c)
 *   cv_auth_*        who asks, from the headers (auth.c)
 *   cv_ids_check     every other id of the path (req.c)
 *   cv_body_read     the body, within the client deadline (body.c)
 *   cv_body_drop     a body declared and not read, dropped before the answer (body.c)
 *   cv_body_ended    the end of the request's input read, when nothing else is left (body.c)
 *
 * Each stage returns 0, or the status of the xError it wrote (cv_fail).
 */
#ifndef CV_REQINT_H
#define CV_REQINT_H

#include "req.h"

/* Set when the store reported DB_RUNRECOVERY: the loop answers, then exits to be restarted. */
extern bool cv_req_panicked;
extern bool cv_req_stale;     /* the store's handles went stale (CV_ESTALE): answer, close, exit */

/* Split and decode the raw path, match pattern; captures to r->seg. 1 match, 0 no match, -1 malformed. */
int cv_route_match(struct cv_req *r, const char *pattern);
/*
 * true if every capture of pattern names a kind of path id (req.h); false
 * with the first other name in bad (cv_serve refuses to start).
 */
bool cv_route_names_ok(const char *pattern, char *bad, size_t badsz);
/*
 * Check the syntax of the path's ids, each by its capture's kind: those
 * authentication reads (for_auth: the vehicle link's {vin}) or all the
 * others. 0, or the 400 (CV_C_BAD_ID) written.
 */
int cv_ids_check(struct cv_req *r, bool for_auth);
/* The capture {name} of the route, or NULL when it has none. */
const char *cv_req_capture(const struct cv_req *r, const char *name);
/*
 * r->base: the public base URL when one is set (cv_base_url_set), else
 * from the request's host (or the forwarded one when CVAPI_TRUST_PROXY=1).
 */
void cv_set_base(struct cv_req *r);
/*
 * Set the public base URL every link is built on, whatever Host a request
 * names: "http://" or "https://", a host and an optional port, no path (one
 * trailing slash is dropped). false, and nothing set, for anything else.
 */
bool cv_base_url_set(const char *url);
int cv_query_parse(struct cv_req *r);
/*
 * Split p[0..len) (name=value&..., www-form-urlencoded; empty items
 * skipped) into decoded pairs appended to pairs[*count] (owned by the
 * request), at most CV_MAX_PARAMS in all. `what` names an item in the
 * errors ("query parameter", "form field"). 0, or the 400 answered.
 */
int cv_pairs_split(struct cv_req *r, const char *p, size_t len, char *pairs[][2], size_t *count, const char *what);
int cv_body_check(struct cv_req *r);

int cv_auth_vehicle(struct cv_req *r);
int cv_auth_user(struct cv_req *r);
int cv_auth_fleet(struct cv_req *r);
int cv_body_read(struct cv_req *r);
void cv_body_drop(struct cv_req *r);
bool cv_body_ended(struct cv_req *r);

/*
 * Percent-decode s[0..n) into dst (dstsz); plus_space turns '+' into ' '
 * (query strings and forms). Refuses bad escapes, NUL and control bytes.
 */
bool cv_pct_decode(const char *s, size_t n, char *dst, size_t dstsz, bool plus_space);
/* dst (size bytes, a string of length at) += s, truncated like snprintf; the new length. */
size_t cv_str_put(char *dst, size_t size, size_t at, const char *s);

#endif

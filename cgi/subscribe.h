/*
 * subscribe.h - what the callbacks and the monitors of both faces share
 * in cvapi-callbacks: who owns them, and the readers of their bodies.
 *
 * Readers return 0, or the 400 they wrote (cv_fail) naming the member:
 * `where` is the member's path in the body ("callback.webhook").
 */
#ifndef CV_SUBSCRIBE_H
#define CV_SUBSCRIBE_H

#include "req.h"

#include <json-c/json.h>

/* The owner of what the request reaches: "u:" login (B2C) or "f:" fleet id (B2B). */
void cv_sub_owner(const struct cv_req *r, char *owner, size_t n);

/* A string member: NULL when absent; *bad when present and not a string of 1..max bytes. */
const char *cv_sub_str(json_object *o, const char *key, size_t max, bool *bad);
/* The first member of o not in names (NULL-terminated), or NULL. */
const char *cv_sub_unknown(json_object *o, const char *const *names);
/* An integer member in [min, max] into *v (absent: *v kept). */
int cv_sub_int(struct cv_req *r, json_object *o, const char *where, const char *key, int64_t min, int64_t max,
	       int32_t *v);
/* A list of 1 or more names into a mask (bit i: names[i]). */
int cv_sub_names(struct cv_req *r, json_object *a, const char *where, const char *const *names, size_t n,
		 uint32_t *mask);
/* An attribute set (Header, Body, Query items; at most CV_CB_ATTRS_MAX) into attrs[0..*nattrs). */
int cv_sub_attributes(struct cv_req *r, json_object *a, const char *where, struct cv_cb_attr *attrs, size_t *nattrs);
/* callbackAttributes {webhook: [attributes]} (pushnotif and websocket are not served) into attrs[0..*nattrs). */
int cv_sub_cbattrs(struct cv_req *r, json_object *ca, const char *where, struct cv_cb_attr *attrs, size_t *nattrs);
/* Why a webhook target is refused, or NULL. */
const char *cv_sub_target_problem(const char *t);

/*
 * The member "callback" of o ({webhook}: name, target, attributes) into cb;
 * pre prefixes the member's path in errors ("" or "subscribeParam.").
 * {poll: {name}} (an extension) leaves cb->target empty: a callback whose
 * events are not delivered; the caller decides where that is allowed.
 */
int cv_sub_callback(struct cv_req *r, json_object *o, const char *pre, struct cv_callback *cb);
/*
 * The members retryPolicy (None, Bounded, and Always when always) and
 * batchNotify of o into cb; absent: one try, one event per request.
 */
int cv_sub_policies(struct cv_req *r, json_object *o, const char *pre, bool always, struct cv_callback *cb);

/* Writers: "key": [attributes] (header values masked), retryPolicy and batchNotify, "callback": {webhook}. */
void cv_sub_render_attrs(struct cv_jw *w, const char *key, const struct cv_cb_attr *a, size_t n);
void cv_sub_render_policies(struct cv_jw *w, const struct cv_callback *cb);
void cv_sub_render_callback(struct cv_jw *w, const struct cv_callback *cb);
/* The Standard Webhooks form of a callback's secret: whsec_ and standard base64. */
void cv_sub_secret_text(const struct cv_callback *cb, char out[64]);

#endif

/*
 * subscribe.h - what the callbacks and the monitors of both faces share
 * in cvapi-callbacks: who owns them, and the readers of their bodies.
 *
 * The readers read with core/jread.h: the member they are given (or a
 * member of o), at jr's path, its failure in jr; the handler answers the
 * first failure with one 400 (CV_C_BAD_FIELD). After a failure what they
 * stored is partial: the caller stores nothing.
 */
#ifndef CV_SUBSCRIBE_H
#define CV_SUBSCRIBE_H

#include "jread.h"
#include "req.h"

#include <json-c/json.h>

/* The owner of what the request reaches: "u:" login (B2C) or "f:" fleet id (B2B). */
void cv_sub_owner(const struct cv_req *r, char *owner, size_t n);

/* Member name of o, an attribute set (Header, Body, Query items; at most CV_CB_ATTRS_MAX) into attrs[0..*nattrs). */
void cv_sub_attributes(struct cv_jread *jr, json_object *o, const char *name, struct cv_cb_attr *attrs,
		       size_t *nattrs);
/* Member name of o, callbackAttributes {webhook: [attributes]} (pushnotif and websocket are not served). */
void cv_sub_cbattrs(struct cv_jread *jr, json_object *o, const char *name, struct cv_cb_attr *attrs,
		    size_t *nattrs);
/* Why a webhook target is refused ("must be an http:// or https:// URL..."), or NULL. */
const char *cv_sub_target_problem(const char *t);

/*
 * The member "callback" of o ({webhook}: name, target, attributes) into cb.
 * {poll: {name}} (an extension) leaves cb->target empty: a callback whose
 * events are not delivered; the caller decides where that is allowed.
 */
void cv_sub_callback(struct cv_jread *jr, json_object *o, struct cv_callback *cb);
/*
 * The members retryPolicy (None, Bounded, and Always when always) and
 * batchNotify of o into cb; absent: one try, one event per request.
 */
void cv_sub_policies(struct cv_jread *jr, json_object *o, bool always, struct cv_callback *cb);
/* The body of a PUT .../status, {status: Running or Paused}: its index in cv_cb_status_names. */
bool cv_sub_status(struct cv_jread *jr, json_object *o, uint8_t *status);

/* Writers: "key": [attributes] (header values masked), retryPolicy and batchNotify, "callback": {webhook}. */
void cv_sub_render_attrs(struct cv_jw *w, const char *key, const struct cv_cb_attr *a, size_t n);
void cv_sub_render_policies(struct cv_jw *w, const struct cv_callback *cb);
void cv_sub_render_callback(struct cv_jw *w, const struct cv_callback *cb);
/* The Standard Webhooks form of a callback's secret: whsec_ and standard base64. */
void cv_sub_secret_text(const struct cv_callback *cb, char out[64]);

#endif

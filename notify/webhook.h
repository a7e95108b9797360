/*
 * webhook.h - one delivery as cvnotify sends it: the request for a
 * callback and the notes it carries (outbox.h), built without I/O.
 *
 * The body follows the official webhook templates:
 *   B2C (webhook-b2c-v4.16.0): a Message {callbackId, attributes, type,
 *       date, monitorEvent | remoteEvent}, one event per request;
 *   B2B (webhook-b2b-v3.18.0): MonitorEvents {monitorId, attributes,
 *       events[]} or RemoteEvents {callbackId, attributes, events[]}, the
 *       batch of events in one request.
 * Attributes are the callback's, then those the monitor added: Header
 * ones become request headers, Query ones query parameters of the target,
 * Body ones the body's `attributes`. A value that is a variable ($vin,
 * $monitorId...: compared without case) is replaced by what it stands for.
 *
 * Every request is signed the Standard Webhooks way: webhook-id (the
 * note's id; for a batch, a digest of its notes' ids: the same on every
 * attempt of the same batch, another for a different batch),
 * webhook-timestamp (seconds), and webhook-signature "v1," + base64 of
 * HMAC-SHA256(secret, id "." timestamp "." body).
 */
#ifndef CV_WEBHOOK_H
#define CV_WEBHOOK_H

#include "outbox.h"

#define CV_WH_HEADERS (2 * CV_CB_ATTRS_MAX + 6)

struct cv_wh_request {
	struct cv_buf url;                          /* the target and the Query attributes */
	char *headers[CV_WH_HEADERS];               /* "Name: value", owned */
	size_t nheaders;
	struct cv_buf body;
	char id[4 + 2 * CV_NOTE_WIDLEN + 1];        /* webhook-id: "msg_" + hex */
};

/*
 * Build the request carrying notes[0..n) (one callback's, in queue order,
 * all of one kind) at time now_s (seconds).
 */
enum cv_err cv_wh_build(const struct cv_callback *cb, struct cv_note *const *notes, size_t n, int64_t now_s,
			struct cv_wh_request *rq);
void cv_wh_free(struct cv_wh_request *rq);

/* The value attribute value v takes for note n of callback cb (v itself unless a variable). */
const char *cv_wh_value(const struct cv_callback *cb, const struct cv_note *n, const char *v);

/* "v1," + base64(HMAC-SHA256(key, id "." ts "." body)) into out. */
void cv_wh_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts, const char *body, size_t len,
		char out[64]);

#endif

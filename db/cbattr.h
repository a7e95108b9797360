/*
 * cbattr.h - the packed form of a list of callback attributes (struct
 * cv_cb_attr, rec.h): the one codec of the records that carry them packed,
 * the watch records (engine.c), the remote actions (actions.c) and the
 * outbox's notes (outbox.c), each with its own bound on the count.
 *
 * The form: the count (1 byte), then for each attribute its type (1 byte,
 * enum cv_cb_attr_type), its key and its value (pack.h strings).
 *
 * Writing checks the whole list first and refuses it (CV_EINVAL, nothing
 * written) when it holds more than `max` attributes (or 255), or one whose
 * type is not an enum cv_cb_attr_type. Reading refuses what writing would
 * not have written: a count above `max`, an unknown type, a key or value
 * longer than its member holds or holding a NUL, bytes missing. A refusal
 * sets rd->bad and leaves *n 0, so that no part of a damaged list is used;
 * the caller checks rd->bad once at the end of its record, as with every
 * pack.h read.
 */
#ifndef CV_CBATTR_H
#define CV_CBATTR_H

#include "rec.h"
#include "pack.h"

/* true if type names an enum cv_cb_attr_type (also for the JSON records, rec.c). */
bool cv_cbattr_type_ok(int64_t type);

/*
 * true if a Header attribute may not have this name (any case): the
 * headers that frame the request or say where it goes (Host,
 * Content-Length, Transfer-Encoding, Connection...), the ones cvnotify
 * sets itself (Content-Type, User-Agent, Expect) and the signature's
 * (webhook-id, webhook-timestamp, webhook-signature). Refused when a
 * callback or monitor is written; left out of a delivery (a record
 * written before the rule).
 */
bool cv_cbattr_header_reserved(const char *name);

/* Append a[0..n) to b: CV_EINVAL if n > max or a type is unknown; b is unchanged on any error. */
enum cv_err cv_cbattr_pack(struct cv_buf *b, const struct cv_cb_attr *a, size_t n, size_t max);

/* Read a list of at most max attributes into a[0..max), its count into *n (0 on a refusal). */
void cv_cbattr_unpack(struct cv_rd *rd, struct cv_cb_attr *a, size_t max, size_t *n);

#endif

/*
 * keyed.h - the Idempotency-Key of cvapi-callbacks' creating POSTs (an
 * extension of the official API: doc/api.md "Idempotency-Key"): a
 * callback, a monitor and a remote action, on both faces. What the store
 * keeps, and for how long, is db/idem.h.
 *
 * A client that may send a creation twice (it timed out, or got a 503
 * after a commit whose answer was lost) sends it with a key of its
 * choosing; the same request with the same key, from the same tenant (the
 * owner, "u:" login or "f:" fleet, and the client id), within 24 h, is
 * answered with the first answer again and creates nothing.
 *
 * A creating handler
 *   1. starts with cv_keyed_start(r), before it reads or writes anything:
 *      a request without the header goes on as ever; a malformed one is
 *      answered 400 (CV_C_BAD_HEADER); a key the tenant used within 24 h
 *      is answered at once, with the first answer byte for byte (status,
 *      Content-Type, the headers its handler set, body) and
 *      `Idempotent-Replayed: true` when the request is the same (method,
 *      target and body: cv_idem_request_hash), else 422
 *      (CV_C_KEY_REUSED);
 *   2. checks the request as ever, and renders its answer in r (status,
 *      headers, body) before it writes: the answer is known before the
 *      transaction, so that it is kept in it;
 *   3. writes with cv_keyed_txn, which is cv_store_txn plus, with a key,
 *      the answer kept in the same transaction: both are committed, or
 *      neither. Its fn must return CV_OK only when it made what the answer
 *      says (a refusal found in the transaction is a failure, so that no
 *      answer is kept for nothing).
 * Only a success is kept: a request that fails writes nothing, and the
 * same request sent again runs again. A handler that does not call
 * cv_keyed_start never has a key (r->keyed is false, and cv_keyed_txn is
 * cv_store_txn): the header is ignored on other routes.
 *
 * Both functions return 0 to go on, or a status once r is answered (an
 * xError, or a replayed answer): the handler returns it as it is.
 */
#ifndef CV_KEYED_H
#define CV_KEYED_H

#include "req.h"

int cv_keyed_start(struct cv_req *r);

/*
 * Run fn in one durable transaction (cv_store_txn) with *e its result for
 * the caller to answer (fn's own failures and quotas); with a key, keep
 * r's answer under it in the same transaction (cv_idem_put). Nonzero when
 * the key's part answered instead, and nothing was made: 403 (40304) at
 * the owner's idempotencyKeys quota, 500 for an answer too large to keep
 * (CV_IDEM_ANSWER_MAX), or the answer of a request with the same key that
 * was committed first, while this one ran: replayed (or its 422) as by
 * cv_keyed_start.
 */
int cv_keyed_txn(struct cv_req *r, cv_txn_fn fn, void *arg, enum cv_err *e);

#endif

/* keyed.c - the Idempotency-Key of cvapi-callbacks' creating POSTs (see keyed.h). */
#include "config.h"
#include "keyed.h"
#include "subscribe.h"
#include "quotas.h"

#include <string.h>

/* r answered with the kept record: the same request gets its answer again, another one a 422. */
static int replay(struct cv_req *r, const struct cv_idem_rec *rec)
{
	const struct cv_idem_answer *a = &rec->answer;

	if (memcmp(rec->request, r->idem_request, sizeof(r->idem_request)))
		return cv_fail(r, 422, CV_C_KEY_REUSED, "Idempotency-Key: this key was used within 24 h for "
			       "another request (another path, query or body); a new request takes a new key");
	cv_buf_reset(&r->out);
	cv_buf_reset(&r->headers);
	if (cv_buf_add(&r->out, a->body, a->body_len) || cv_buf_add(&r->headers, a->headers, a->headers_len))
		return cv_fail(r, 500, CV_C_GENERIC, "the answer kept under this Idempotency-Key does not fit");
	cv_strlcpy(r->idem_ctype, a->ctype, sizeof(r->idem_ctype));
	r->ctype = r->idem_ctype;
	r->status = a->status;
	cv_header(r, "Idempotent-Replayed", "true");
	return r->status;
}

/* The key's live record: 0 when there is none (go on), else r answered with it. */
static int lookup(struct cv_req *r)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec rec;
	enum cv_err e = cv_idem_get(r->store, NULL, &r->idem, r->now, &b, &rec);
	int st = 0;

	if (!e)
		st = replay(r, &rec);
	else if (e == CV_EINVAL)
		st = cv_fail(r, 500, CV_C_STORE, "the answer kept under this Idempotency-Key cannot be read");
	else if (e != CV_ENOTFOUND)
		st = cv_fail_store(r, e, "Idempotency-Key");
	cv_buf_release(&b);
	return st;
}

int cv_keyed_start(struct cv_req *r)
{
	const char *key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", r->fcgi->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", r->fcgi->envp);
	const char *why;

	r->keyed = false;
	if (!key)
		return 0;
	why = cv_idem_key_problem(key);
	if (why)
		return cv_fail(r, 400, CV_C_BAD_HEADER, "Idempotency-Key: %s", why);
	cv_sub_owner(r, r->idem.owner, sizeof(r->idem.owner));
	cv_strlcpy(r->idem.client, r->tok.client, sizeof(r->idem.client));
	cv_sha256(key, strlen(key), r->idem.key);
	cv_idem_request_hash(r->method, uri ? uri : r->path, r->body.p, r->body.len, r->idem_request);
	r->keyed = true;
	return lookup(r);
}

struct keyed_arg {
	struct cv_req *r;
	cv_txn_fn fn;
	void *arg;
	const struct cv_buf *answer;    /* packed (cv_idem_pack) */
	enum cv_err refused;            /* the key's own refusal: CV_EEXIST or CV_EQUOTA */
	int64_t limit;                  /* the owner's idempotencyKeys quota */
};

/* The key first (a key taken meanwhile, or the quota, ends the transaction before any work), then fn. */
static enum cv_err keyed_fn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct keyed_arg *k = arg;
	int64_t lim[CV_Q_COUNT];
	enum cv_err e = cv_limits_get(st, txn, k->r->idem.owner, lim);

	k->refused = CV_OK;
	if (e)
		return e;
	k->limit = lim[CV_Q_IDEM_KEYS];
	e = cv_idem_put(st, txn, &k->r->idem, k->r->now, k->answer->p, k->answer->len, k->limit);
	if (e == CV_EEXIST || e == CV_EQUOTA)
		k->refused = e;
	return e ? e : k->fn(st, txn, k->arg);
}

int cv_keyed_txn(struct cv_req *r, cv_txn_fn fn, void *arg, enum cv_err *e)
{
	struct cv_buf answer = CV_BUF_INIT(0);
	struct keyed_arg k = { r, fn, arg, &answer, CV_OK, 0 };
	struct cv_idem_rec rec;
	int st = 0;

	if (!r->keyed) {
		*e = cv_store_txn(r->store, 0, fn, arg);
		return 0;
	}
	memset(&rec, 0, sizeof(rec));
	rec.created = r->now;
	memcpy(rec.request, r->idem_request, sizeof(rec.request));
	rec.answer.status = r->status;
	cv_strlcpy(rec.answer.ctype, r->ctype ? r->ctype : "application/json", sizeof(rec.answer.ctype));
	rec.answer.headers = r->headers.p;
	rec.answer.headers_len = r->headers.len;
	rec.answer.body = r->out.p;
	rec.answer.body_len = r->out.len;
	*e = cv_idem_pack(&rec, &answer);
	if (*e) {
		st = cv_fail(r, 500, CV_C_GENERIC, "the answer (%zu bytes) cannot be kept under its "
			     "Idempotency-Key (%zu bytes at most): nothing was made", r->out.len + r->headers.len,
			     (size_t)CV_IDEM_ANSWER_MAX);
	} else {
		*e = cv_store_txn(r->store, 0, keyed_fn, &k);
		if (k.refused == CV_EQUOTA)
			st = cv_fail_quota(r, CV_Q_IDEM_KEYS, k.limit, 0);
		else if (k.refused == CV_EEXIST)
			st = lookup(r);         /* committed first by a request with the same key */
	}
	cv_buf_release(&answer);
	return st;
}

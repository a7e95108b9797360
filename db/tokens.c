/* tokens.c - OAuth2 tokens (see model.h). */
#include "config.h"
#include "model.h"

#include <string.h>

/* ---- tokens ------------------------------------------------------------- */

enum cv_err cv_token_issue(struct cv_store *st, DB_TXN *txn, const struct cv_token *t, char out[CV_TOKEN_STRLEN])
{
	unsigned char h[32];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	cv_secret_new(out);
	cv_sha256(out, strlen(out), h);
	e = cv_token_encode(t, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_TOKENS, txn, h, sizeof(h), b.p, b.len, DB_NOOVERWRITE);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_token_lookup(struct cv_store *st, DB_TXN *txn, const char *token, struct cv_token *t, int64_t now)
{
	unsigned char h[32], rec[512];
	DBT k, d;
	int ret;
	enum cv_err e;

	cv_sha256(token, strlen(token), h);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = h;
	k.size = sizeof(h);
	d.data = rec;
	d.ulen = sizeof(rec);
	d.flags = DB_DBT_USERMEM;
	ret = st->db[CV_DB_TOKENS]->get(st->db[CV_DB_TOKENS], txn, &k, &d, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	e = cv_token_decode(rec, d.size, t);
	if (e)
		return e;
	return t->expires <= now ? CV_EAUTH : CV_OK;
}

enum cv_err cv_token_revoke(struct cv_store *st, DB_TXN *txn, const char *token)
{
	unsigned char h[32];
	struct cv_token t;
	enum cv_err e = cv_token_lookup(st, txn, token, &t, 0);

	if (e && e != CV_EAUTH)
		return e;
	/* answers kept for an access token (keyed by it) end with it; a
	 * refresh token reads nothing, and its rotation ends nobody's copies */
	if (t.kind == CV_TOKEN_ACCESS)
		cv_store_touch(st, txn, CV_GEN_ALL);
	cv_sha256(token, strlen(token), h);
	return cv_store_del(st, CV_DB_TOKENS, txn, h, sizeof(h));
}


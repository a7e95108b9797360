/* tokens.c - OAuth2 tokens (see model.h and rec.h's struct cv_token). */
#include "config.h"
#include "model.h"
#include "ids.h"

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

void cv_token_family_new(unsigned char out[CV_TOKEN_FAMILY])
{
	static const unsigned char zero[CV_TOKEN_FAMILY];

	do
		cv_random(out, CV_TOKEN_FAMILY);
	while (!memcmp(out, zero, CV_TOKEN_FAMILY));
}

/* The record under key h into *t (flags: 0 or DB_RMW). */
static enum cv_err get_hashed(struct cv_store *st, DB_TXN *txn, const unsigned char h[32], u_int32_t flags,
			      struct cv_token *t)
{
	unsigned char rec[512];
	DBT k, d;
	int ret;

	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)h;
	k.size = 32;
	d.data = rec;
	d.ulen = sizeof(rec);
	d.flags = DB_DBT_USERMEM;
	ret = st->db[CV_DB_TOKENS]->get(st->db[CV_DB_TOKENS], txn, &k, &d, txn ? flags : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	return cv_token_decode(rec, d.size, t);
}

enum cv_err cv_token_lookup(struct cv_store *st, DB_TXN *txn, const char *token, struct cv_token *t, int64_t now)
{
	unsigned char h[32];
	enum cv_err e;

	cv_sha256(token, strlen(token), h);
	e = get_hashed(st, txn, h, 0, t);
	if (e)
		return e;
	return t->expires <= now ? CV_EAUTH : CV_OK;
}

static bool same_family(const struct cv_token *t, void *arg)
{
	return !memcmp(t->family, arg, CV_TOKEN_FAMILY);
}

static bool has_family(const struct cv_token *t)
{
	static const unsigned char zero[CV_TOKEN_FAMILY];

	return memcmp(t->family, zero, CV_TOKEN_FAMILY) != 0;
}

enum cv_err cv_token_revoke(struct cv_store *st, DB_TXN *txn, const char *token)
{
	unsigned char h[32];
	struct cv_token t;
	enum cv_err e;

	cv_sha256(token, strlen(token), h);
	e = get_hashed(st, txn, h, DB_RMW, &t);
	if (e)
		return e;
	if (t.kind == CV_TOKEN_REFRESH && has_family(&t)) {
		size_t n;

		return cv_token_revoke_matching(st, txn, same_family, t.family, &n);
	}
	/* answers kept for an access token (keyed by it) end with it */
	if (t.kind == CV_TOKEN_ACCESS)
		cv_store_touch(st, txn, CV_GEN_ALL);
	return cv_store_del(st, CV_DB_TOKENS, txn, h, sizeof(h));
}

enum cv_err cv_token_spend(struct cv_store *st, DB_TXN *txn, const char *token, int64_t now, struct cv_token *t,
			   bool *reused)
{
	unsigned char h[32];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	*reused = false;
	cv_sha256(token, strlen(token), h);
	e = get_hashed(st, txn, h, DB_RMW, t);
	if (e)
		return e;
	if (t->kind != CV_TOKEN_REFRESH)
		return CV_ENOTFOUND;
	if (t->expires <= now)
		return CV_EAUTH;
	if (t->used) {
		size_t n;

		*reused = true;
		return cv_token_revoke_matching(st, txn, same_family, t->family, &n);
	}
	if (!has_family(t)) {
		/* made before families: spent as before (deleted), and the grant gets a family from here on */
		cv_token_family_new(t->family);
		return cv_store_del(st, CV_DB_TOKENS, txn, h, sizeof(h));
	}
	t->used = 1;
	e = cv_token_encode(t, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_TOKENS, txn, h, sizeof(h), b.p, b.len, 0);
	cv_buf_release(&b);
	t->used = 0;
	return e;
}

enum cv_err cv_token_revoke_matching(struct cv_store *st, DB_TXN *txn,
				     bool (*match)(const struct cv_token *t, void *arg), void *arg, size_t *n)
{
	DB *db = st->db[CV_DB_TOKENS];
	DBC *c = NULL;
	DBT k, d;
	struct cv_token t;
	bool access = false;
	int ret;

	*n = 0;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	/* write locks from the start: two scans never wait on each other's read locks to delete */
	while (!(ret = c->get(c, &k, &d, DB_NEXT | DB_RMW))) {
		if (cv_token_decode(d.data, d.size, &t) != CV_OK || !match(&t, arg))
			continue;
		ret = c->del(c, 0);
		if (ret)
			break;
		access |= t.kind == CV_TOKEN_ACCESS;
		(*n)++;
	}
	c->close(c);
	if (ret && ret != DB_NOTFOUND)
		return cv_store_err(ret);
	/* answers kept for a revoked access token end with it */
	if (access)
		cv_store_touch(st, txn, CV_GEN_ALL);
	return CV_OK;
}

enum cv_err cv_token_walk(struct cv_store *st, int (*fn)(const struct cv_token *t, void *arg), void *arg)
{
	DB *db = st->db[CV_DB_TOKENS];
	DBC *c = NULL;
	DBT k, d;
	struct cv_token t;
	int ret;

	ret = db->cursor(db, NULL, &c, DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while (!(ret = c->get(c, &k, &d, DB_NEXT)))
		if (cv_token_decode(d.data, d.size, &t) == CV_OK && fn(&t, arg))
			break;
	c->close(c);
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

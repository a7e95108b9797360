/* idem.c - Idempotency-Key: answers kept under their key (see idem.h). */
#include "config.h"
#include "idem.h"
#include "pack.h"

#include <string.h>

#define ANSWER_VERSION 1
/* owner \0 client \0 SHA-256(key) */
#define REC_KEY_MAX (CV_CB_OWNER_MAX + 1 + CV_LOGIN_MAX + 1 + 32)

/* ---- pure ------------------------------------------------------------------ */

const char *cv_idem_key_problem(const char *key)
{
	size_t n = strlen(key);

	if (!n)
		return "must not be empty";
	if (n > CV_IDEM_KEY_MAX)
		return "must be at most 255 characters";
	for (const char *p = key; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c > 0x7e)
			return "must be printable ASCII characters (no control character, no byte past 0x7e)";
		if (c == ',')
			return "must be sent once and hold no comma (a header sent twice arrives as one value "
			       "joined with commas)";
	}
	return NULL;
}

void cv_idem_request_hash(const char *method, const char *uri, const void *body, size_t n, unsigned char out[32])
{
	struct cv_buf b = CV_BUF_INIT(0);

	/* NUL never occurs in a method or a target: the parts cannot run into each other */
	if (cv_buf_add(&b, method, strlen(method) + 1) || cv_buf_add(&b, uri, strlen(uri) + 1) ||
	    (n && cv_buf_add(&b, body, n)))
		cv_die("hashing a request: out of memory");
	cv_sha256(b.p, b.len, out);
	cv_buf_release(&b);
}

/* bytes: a LEB128 length and the bytes */
static enum cv_err wr_bytes(struct cv_buf *b, const void *p, size_t n)
{
	enum cv_err e = cv_wr_varint(b, n);

	return e || !n ? e : cv_buf_add(b, p, n);
}

/* The bytes wr_bytes wrote: where they are in r's record (NULL when none), their length in *n. */
static const char *rd_bytes(struct cv_rd *r, size_t *n)
{
	uint64_t len = cv_rd_varint(r);
	const char *p;

	*n = 0;
	if (r->bad || len > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = (const char *)r->p + r->off;
	r->off += (size_t)len;
	*n = (size_t)len;
	return p;
}

enum cv_err cv_idem_pack(const struct cv_idem_rec *rec, struct cv_buf *out)
{
	const struct cv_idem_answer *a = &rec->answer;
	size_t tl = strnlen(a->ctype, sizeof(a->ctype));
	enum cv_err e;

	cv_buf_reset(out);
	if (a->status < 200 || a->status > 299 || tl >= sizeof(a->ctype))
		return CV_EINVAL;
	if (a->headers_len > CV_IDEM_ANSWER_MAX || a->body_len > CV_IDEM_ANSWER_MAX ||
	    tl + a->headers_len + a->body_len > CV_IDEM_ANSWER_MAX)
		return CV_ETOOBIG;
	e = cv_wr_uint(out, (uint64_t)rec->created, 8);
	if (!e)
		e = cv_buf_add(out, rec->request, sizeof(rec->request));
	if (!e)
		e = cv_wr_uint(out, ANSWER_VERSION, 1);
	if (!e)
		e = cv_wr_uint(out, (uint64_t)a->status, 2);
	if (!e)
		e = wr_bytes(out, a->ctype, tl);
	if (!e)
		e = wr_bytes(out, a->headers, a->headers_len);
	if (!e)
		e = wr_bytes(out, a->body, a->body_len);
	if (e)
		cv_buf_reset(out);
	return e;
}

enum cv_err cv_idem_unpack(const void *v, size_t n, struct cv_idem_rec *rec)
{
	struct cv_rd r = CV_RD_INIT(v, n);
	struct cv_idem_answer *a = &rec->answer;
	const char *ctype;
	size_t tl;

	memset(rec, 0, sizeof(*rec));
	rec->created = (int64_t)cv_rd_uint(&r, 8);
	if (!r.bad && n - r.off >= sizeof(rec->request)) {
		memcpy(rec->request, r.p + r.off, sizeof(rec->request));
		r.off += sizeof(rec->request);
	} else {
		r.bad = true;
	}
	if (cv_rd_uint(&r, 1) != ANSWER_VERSION)
		r.bad = true;
	a->status = (int)cv_rd_uint(&r, 2);
	ctype = rd_bytes(&r, &tl);
	a->headers = rd_bytes(&r, &a->headers_len);
	a->body = rd_bytes(&r, &a->body_len);
	if (r.bad || r.off != r.len || a->status < 200 || a->status > 299 || tl >= sizeof(a->ctype) ||
	    (tl && memchr(ctype, '\0', tl)))
		return CV_EINVAL;
	if (tl)
		memcpy(a->ctype, ctype, tl);
	a->ctype[tl] = '\0';
	return CV_OK;
}

/* ---- the store ---------------------------------------------------------------- */

/*
 * owner \0 client \0 SHA-256(key) into k (REC_KEY_MAX bytes): its length,
 * 0 when the owner is empty or a part too long.
 */
static size_t rec_key(unsigned char *k, const struct cv_idem_id *id)
{
	size_t ol = strnlen(id->owner, sizeof(id->owner)), cl = strnlen(id->client, sizeof(id->client));

	if (!ol || ol > CV_CB_OWNER_MAX || cl > CV_LOGIN_MAX)
		return 0;
	memcpy(k, id->owner, ol + 1);
	memcpy(k + ol + 1, id->client, cl + 1);
	memcpy(k + ol + cl + 2, id->key, 32);
	return ol + cl + 34;
}

/* The owner's count key, owner \0 (CV_CB_OWNER_MAX + 1 bytes): its length, 0 when empty or too long. */
static size_t count_key(unsigned char *k, const char *owner, size_t ol)
{
	if (!ol || ol > CV_CB_OWNER_MAX || memchr(owner, '\0', ol))
		return 0;
	memcpy(k, owner, ol);
	k[ol] = '\0';
	return ol + 1;
}

static enum cv_err count_get(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t kl, int64_t *n)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_IDEMKEYS, txn, k, kl, &b);

	*n = 0;
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e) {
		struct cv_rd r = CV_RD_INIT(b.p, b.len);

		*n = (int64_t)cv_rd_uint(&r, 8);
		if (r.bad || r.off != r.len || *n < 0)
			e = CV_EINVAL;
	}
	cv_buf_release(&b);
	return e;
}

/* The owner's count (its key k) += delta; a count of 0 is no record. */
static enum cv_err count_add(struct cv_store *st, DB_TXN *txn, const unsigned char *k, size_t kl, int64_t delta)
{
	struct cv_buf v = CV_BUF_INIT(0);
	int64_t n;
	enum cv_err e = count_get(st, txn, k, kl, &n);

	if (e)
		return e;
	n += delta;
	if (n <= 0) {
		e = cv_store_del(st, CV_DB_IDEMKEYS, txn, k, kl);
		return e == CV_ENOTFOUND ? CV_OK : e;
	}
	e = cv_wr_uint(&v, (uint64_t)n, 8);
	if (!e)
		e = cv_store_put(st, CV_DB_IDEMKEYS, txn, k, kl, v.p, v.len, 0);
	cv_buf_release(&v);
	return e;
}

/* created (big-endian) . k: the key's entry in the time order, into tk (8 + REC_KEY_MAX bytes); its length */
static size_t time_key(unsigned char *tk, int64_t created, const unsigned char *k, size_t kl)
{
	cv_be64_put(tk, (uint64_t)created);
	memcpy(tk + 8, k, kl);
	return 8 + kl;
}

enum cv_err cv_idem_get(struct cv_store *st, DB_TXN *txn, const struct cv_idem_id *id, int64_t now,
			struct cv_buf *buf, struct cv_idem_rec *rec)
{
	unsigned char k[REC_KEY_MAX];
	size_t kl = rec_key(k, id);
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_store_get(st, CV_DB_IDEMKEYS, txn, k, kl, buf);
	if (!e)
		e = cv_idem_unpack(buf->p, buf->len, rec);
	if (!e && now - rec->created >= CV_IDEM_KEEP_MS)
		e = CV_ENOTFOUND;
	return e;
}

enum cv_err cv_idem_put(struct cv_store *st, DB_TXN *txn, const struct cv_idem_id *id, int64_t created,
			const void *v, size_t n, int64_t max)
{
	unsigned char k[REC_KEY_MAX], ck[CV_CB_OWNER_MAX + 1], tk[8 + REC_KEY_MAX];
	size_t kl = rec_key(k, id), ckl = count_key(ck, id->owner, strnlen(id->owner, sizeof(id->owner)));
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec old;
	int64_t count;
	enum cv_err e;

	if (!kl || !ckl)
		return CV_EINVAL;
	e = cv_store_get(st, CV_DB_IDEMKEYS, txn, k, kl, &b);
	if (!e) {
		/* the key was used: within CV_IDEM_KEEP_MS it is that request's; after, it is taken again in
		 * place (its count stays), and its old place in the time order goes (an unreadable record's
		 * time is unknown: its entry, if any, stays, and the purge leaves the new record it names) */
		if (!cv_idem_unpack(b.p, b.len, &old)) {
			if (created - old.created < CV_IDEM_KEEP_MS) {
				e = CV_EEXIST;
			} else {
				size_t tkl = time_key(tk, old.created, k, kl);

				e = cv_store_del(st, CV_DB_IDEMTIME, txn, tk, tkl);
			}
			if (e == CV_ENOTFOUND)
				e = CV_OK;
		}
	} else if (e == CV_ENOTFOUND) {
		/* a new key: within the owner's quota, counted in this transaction */
		e = count_get(st, txn, ck, ckl, &count);
		if (!e && count >= max)
			e = CV_EQUOTA;
		if (!e)
			e = count_add(st, txn, ck, ckl, 1);
	}
	cv_buf_release(&b);
	if (!e)
		e = cv_store_put(st, CV_DB_IDEMKEYS, txn, k, kl, v, n, 0);
	if (!e) {
		size_t tkl = time_key(tk, created, k, kl);

		e = cv_store_put(st, CV_DB_IDEMTIME, txn, tk, tkl, "", 0, 0);
	}
	return e;
}

enum cv_err cv_idem_count(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t *n)
{
	unsigned char ck[CV_CB_OWNER_MAX + 1];
	size_t ckl = count_key(ck, owner, strlen(owner));

	*n = 0;
	return ckl ? count_get(st, txn, ck, ckl, n) : CV_EINVAL;
}

/*
 * The key whose entry in the time order is tk[0..tkl) goes, with its
 * count, when its record is the one made then (a key taken again has
 * another entry, and stays). An entry that is no key's is only dropped.
 */
static enum cv_err forget(struct cv_store *st, DB_TXN *txn, const unsigned char *tk, size_t tkl)
{
	const unsigned char *k = tk + 8, *nul;
	size_t kl, ckl;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec rec;
	unsigned char ck[CV_CB_OWNER_MAX + 1];
	enum cv_err e;

	if (tkl <= 8)
		return CV_OK;
	kl = tkl - 8;
	nul = memchr(k, '\0', kl);
	ckl = nul ? count_key(ck, (const char *)k, (size_t)(nul - k)) : 0;
	if (!ckl)
		return CV_OK;
	e = cv_store_get(st, CV_DB_IDEMKEYS, txn, k, kl, &b);
	if (e == CV_ENOTFOUND) {
		e = CV_OK;
	} else if (!e && (cv_idem_unpack(b.p, b.len, &rec) || rec.created == (int64_t)cv_be64_get(tk))) {
		/* its record (or one nobody can read, which its own entry names) */
		e = cv_store_del(st, CV_DB_IDEMKEYS, txn, k, kl);
		if (!e)
			e = count_add(st, txn, ck, ckl, -1);
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_idem_purge(struct cv_store *st, DB_TXN *txn, int64_t now, bool (*take)(void *arg), void *arg,
			  size_t *forgotten, bool *more)
{
	DB *db = st->db[CV_DB_IDEMTIME];
	unsigned char kb[8 + REC_KEY_MAX], dummy[1];
	DBC *c;
	DBT k, d;
	enum cv_err e = CV_OK;
	int ret = db->cursor(db, txn, &c, 0);

	*more = false;
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = kb;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.data = dummy;
	d.ulen = sizeof(dummy);
	d.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL;      /* the keys only */
	for (ret = c->get(c, &k, &d, DB_FIRST | DB_RMW); !ret; ret = c->get(c, &k, &d, DB_NEXT | DB_RMW)) {
		if (k.size >= 8 && now - (int64_t)cv_be64_get(kb) < CV_IDEM_KEEP_MS)
			break;                  /* the oldest left is live: so is every later one */
		if (!take(arg)) {
			*more = true;
			break;
		}
		e = forget(st, txn, kb, k.size);
		if (e)
			break;
		ret = c->del(c, 0);
		if (ret)
			break;
		(*forgotten)++;
	}
	if (!e && ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	return e;
}

/* model.c - store operations (see model.h). */
#include "model.h"
#include "hindex.h"
#include "ids.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* ---- secrets ------------------------------------------------------------ */

/*
 * SHA-256 with the implementation fetched once and one context reused, per
 * thread: EVP_Digest(..., EVP_sha256(), ...) looks the implementation up and
 * allocates a context on every call, which cost more than the hash itself
 * (about 8% of a status read's time in cvapi-vehicle).
 */
void cv_sha256(const void *data, size_t n, unsigned char out[32])
{
	static __thread EVP_MD_CTX *ctx;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	static __thread EVP_MD *md;
#else
	static __thread const EVP_MD *md;
#endif
	unsigned int len = 32;

	if (!md) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
		md = EVP_sha256();
#endif
		ctx = EVP_MD_CTX_new();
		if (!md || !ctx)
			cv_die("SHA-256 unavailable (EVP_MD_fetch or EVP_MD_CTX_new failed)");
	}
	if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, data, n) || !EVP_DigestFinal_ex(ctx, out, &len))
		cv_die("SHA-256 failed");
}

void cv_sha256_hex(const void *data, size_t n, char out[CV_SHA256_HEXLEN + 1])
{
	unsigned char h[32];

	cv_sha256(data, n, h);
	cv_hex(h, sizeof(h), out);
}

enum cv_err cv_password_hash(const char *pw, char out[CV_HASH_MAX + 1])
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = cv_calloc(1, sizeof(*cd));
	const char *h;
	enum cv_err e = CV_OK;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt))) {
		free(cd);
		return CV_EIO;
	}
	h = crypt_r(pw, salt, cd);
	if (!h || h[0] == '*' || cv_strlcpy(out, h, CV_HASH_MAX + 1))
		e = CV_EIO;
	free(cd);
	return e;
}

bool cv_password_check(const char *pw, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	bool ok;

	if (!hash[0])
		return false;
	cd = cv_calloc(1, sizeof(*cd));
	h = crypt_r(pw, hash, cd);
	ok = h && h[0] != '*' && strlen(h) == strlen(hash) && cv_memeq_ct(h, hash, strlen(hash));
	free(cd);
	return ok;
}

void cv_secret_new(char out[CV_TOKEN_STRLEN])
{
	unsigned char b[CV_TOKEN_BYTES];

	cv_random(b, sizeof(b));
	cv_b64url(b, sizeof(b), out);
}

/* ---- users, clients, vehicles ------------------------------------------- */

#define GET_JSON(dbid, key, decode, obj)                                              \
	do {                                                                          \
		struct cv_buf b_ = CV_BUF_INIT(0);                                    \
		enum cv_err e_ = cv_store_get(st, dbid, txn, key, strlen(key), &b_);  \
		if (!e_)                                                              \
			e_ = decode(b_.p, b_.len, obj);                               \
		cv_buf_release(&b_);                                                  \
		return e_;                                                            \
	} while (0)

#define PUT_JSON(dbid, key, encode, obj, flags)                                                 \
	do {                                                                                    \
		struct cv_buf b_ = CV_BUF_INIT(0);                                              \
		enum cv_err e_ = encode(obj, &b_);                                              \
		if (!e_)                                                                        \
			e_ = cv_store_put(st, dbid, txn, key, strlen(key), b_.p, b_.len, flags); \
		cv_buf_release(&b_);                                                            \
		return e_;                                                                      \
	} while (0)

enum cv_err cv_user_get(struct cv_store *st, DB_TXN *txn, const char *login, struct cv_user *u)
{
	GET_JSON(CV_DB_USERS, login, cv_user_decode, u);
}

enum cv_err cv_user_put(struct cv_store *st, DB_TXN *txn, const struct cv_user *u, uint32_t flags)
{
	PUT_JSON(CV_DB_USERS, u->login, cv_user_encode, u, flags);
}

enum cv_err cv_client_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_client *c)
{
	GET_JSON(CV_DB_CLIENTS, id, cv_client_decode, c);
}

enum cv_err cv_client_put(struct cv_store *st, DB_TXN *txn, const struct cv_client *c, uint32_t flags)
{
	PUT_JSON(CV_DB_CLIENTS, c->id, cv_client_encode, c, flags);
}

enum cv_err cv_vehicle_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_vehicle *v)
{
	GET_JSON(CV_DB_VEHICLES, id, cv_vehicle_decode, v);
}

enum cv_err cv_vehicle_by_vin(struct cv_store *st, DB_TXN *txn, const char *vin, struct cv_vehicle *v)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_VINS, txn, vin, strlen(vin), &b);

	if (!e)
		e = cv_vehicle_get(st, txn, b.p, v);
	cv_buf_release(&b);
	return e;
}

/* login \0 vid */
static size_t link_key(char *k, size_t ksz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb > ksz)
		return 0;
	memcpy(k, a, la);
	k[la] = '\0';
	memcpy(k + la + 1, b, lb);
	return la + 1 + lb;
}

enum cv_err cv_vehicle_add(struct cv_store *st, DB_TXN *txn, const struct cv_vehicle *v)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl;

	e = cv_store_put(st, CV_DB_VINS, txn, v->vin, strlen(v->vin), v->id, strlen(v->id), DB_NOOVERWRITE);
	if (!e)
		e = cv_vehicle_encode(v, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_VEHICLES, txn, v->id, strlen(v->id), b.p, b.len, DB_NOOVERWRITE);
	if (!e && v->owner[0]) {
		kl = link_key(k, sizeof(k), v->owner, v->id);
		e = kl ? cv_store_put(st, CV_DB_USERVEHS, txn, k, kl, "", 0, 0) : CV_EINVAL;
	}
	cv_buf_release(&b);
	return e;
}

/* CV_OK if the link owner \0 vid exists in db (uservehs, fleetvehs), CV_ENOTFOUND if not. */
static enum cv_err link_exists(struct cv_store *st, enum cv_dbid db, DB_TXN *txn, const char *owner, const char *vid)
{
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl = link_key(k, sizeof(k), owner, vid);

	if (!kl)
		return CV_ENOTFOUND;
	return cv_store_exists(st, db, txn, k, kl);
}

enum cv_err cv_user_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *login, const char *vid)
{
	return link_exists(st, CV_DB_USERVEHS, txn, login, vid);
}

/* The vehicles linked to owner (a login or a fleet id) in a link database. */
static enum cv_err linked_vehicles(struct cv_store *st, DB_TXN *txn, enum cv_dbid links, const char *login,
				   const char *vin_prefix, size_t offset, size_t limit, size_t *total,
				   int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	DBC *c;
	DBT k, d;
	char prefix[CV_LOGIN_MAX + 2], kb[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN + 1];
	size_t pl = strlen(login) + 1, n = 0, plen = vin_prefix ? strlen(vin_prefix) : 0;
	int ret;
	enum cv_err e = CV_OK;
	bool stop = false;

	if (pl > sizeof(prefix))
		return CV_EINVAL;
	memcpy(prefix, login, pl);
	ret = st->db[links]->cursor(st->db[links], txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, prefix, pl);
	k.data = kb;
	k.size = (u_int32_t)pl;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	for (ret = c->get(c, &k, &d, DB_SET_RANGE); ret == 0; ret = c->get(c, &k, &d, DB_NEXT)) {
		char vid[CV_VID_HEXLEN + 1];
		size_t vl;
		struct cv_vehicle v;

		if (k.size < pl || memcmp(kb, prefix, pl))
			break;
		vl = k.size - pl;
		if (vl > CV_VID_HEXLEN)
			continue;
		memcpy(vid, kb + pl, vl);
		vid[vl] = '\0';
		if (plen || (!stop && n >= offset && n < offset + limit)) {
			e = cv_vehicle_get(st, txn, vid, &v);
			if (e == CV_ENOTFOUND) {
				e = CV_OK;      /* a link to a vehicle that is gone: skip it */
				continue;
			}
			if (e)
				break;
			if (plen && strncmp(v.vin, vin_prefix, plen))
				continue;
		}
		if (!stop && n >= offset && n < offset + limit && fn(&v, arg))
			stop = true;
		n++;
	}
	if (!e && ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	*total = n;
	return e;
}

enum cv_err cv_user_vehicles(struct cv_store *st, DB_TXN *txn, const char *login, const char *vin_prefix,
			     size_t offset, size_t limit, size_t *total,
			     int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	return linked_vehicles(st, txn, CV_DB_USERVEHS, login, vin_prefix, offset, limit, total, fn, arg);
}

enum cv_err cv_fleet_vehicles(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vin_prefix,
			      size_t offset, size_t limit, size_t *total,
			      int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	return linked_vehicles(st, txn, CV_DB_FLEETVEHS, fid, vin_prefix, offset, limit, total, fn, arg);
}

struct fleet_ids {
	const char *fid;
	size_t pl;                  /* strlen(fid) + 1: the key prefix "fid\0" */
	int (*fn)(const char *vid, void *arg);
	void *arg;
};

static int fleet_ids_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct fleet_ids *fi = arg;
	char vid[CV_VID_HEXLEN + 1];

	(void)v;
	(void)vlen;
	if (klen < fi->pl || memcmp(k, fi->fid, fi->pl))
		return 1;               /* past the fleet's links */
	if (klen - fi->pl != CV_VID_HEXLEN)
		return 0;
	memcpy(vid, (const char *)k + fi->pl, CV_VID_HEXLEN);
	vid[CV_VID_HEXLEN] = '\0';
	return fi->fn(vid, fi->arg);
}

enum cv_err cv_fleet_vehicle_ids(struct cv_store *st, DB_TXN *txn, const char *fid,
				 int (*fn)(const char *vid, void *arg), void *arg)
{
	struct fleet_ids fi = { fid, strlen(fid) + 1, fn, arg };

	if (fi.pl > CV_LOGIN_MAX + 1)
		return CV_EINVAL;
	return cv_store_scan(st, CV_DB_FLEETVEHS, txn, fid, fi.pl, fleet_ids_one, &fi);
}

enum cv_err cv_owner_fleets(struct cv_store *st, DB_TXN *txn, const char *login, size_t offset, size_t limit,
			    size_t *total, int (*fn)(const struct cv_fleet *f, void *arg), void *arg)
{
	DBC *c;
	DBT k, d;
	size_t n = 0;
	int ret;
	enum cv_err e = CV_OK;
	bool stop = false;

	ret = st->db[CV_DB_FLEETS]->cursor(st->db[CV_DB_FLEETS], txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.flags = DB_DBT_REALLOC;
	d.flags = DB_DBT_REALLOC;
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		struct cv_fleet f;

		if (cv_fleet_decode(d.data, d.size, &f) || strcmp(f.owner, login))
			continue;
		if (!stop && n >= offset && n < offset + limit && fn(&f, arg))
			stop = true;
		n++;
	}
	if (ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	free(k.data);
	free(d.data);
	c->close(c);
	*total = n;
	return e;
}

/* name as an RFC 2253 DN into out (CV_SUBJECT_MAX + 1); false if it does not fit */
static bool cert_dn(const X509_NAME *name, char *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	bool ok;

	if (!b)
		cv_die("out of memory (BIO_new)");
	ok = X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0;
	n = BIO_get_mem_data(b, &p);
	ok = ok && n > 0 && n <= CV_SUBJECT_MAX && !memchr(p, '\n', (size_t)n) && !memchr(p, '\0', (size_t)n);
	if (ok) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return ok;
}

enum cv_err cv_cert_key(const char *pem, size_t len, char key[CV_CERT_KEY_MAX + 1])
{
	char issuer[CV_SUBJECT_MAX + 1], subject[CV_SUBJECT_MAX + 1];
	BIO *b;
	X509 *x;
	bool ok;

	if (!len || len > 65536)
		return CV_EINVAL;
	b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		cv_die("out of memory (BIO_new_mem_buf)");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x)
		return CV_EINVAL;
	ok = cert_dn(X509_get_issuer_name(x), issuer) && cert_dn(X509_get_subject_name(x), subject);
	X509_free(x);
	if (!ok)
		return CV_EINVAL;
	snprintf(key, CV_CERT_KEY_MAX + 1, "%s\n%s", issuer, subject);
	return CV_OK;
}

enum cv_err cv_cert_put(struct cv_store *st, DB_TXN *txn, const char *key, const char *login)
{
	struct cv_user u;
	enum cv_err e;

	if (!*key || strlen(key) > CV_CERT_KEY_MAX || !strchr(key, '\n'))
		return CV_EINVAL;
	e = cv_user_get(st, txn, login, &u);
	if (!e)
		e = cv_store_put(st, CV_DB_CERTS, txn, key, strlen(key), login, strlen(login), 0);
	return e;
}

enum cv_err cv_cert_login(struct cv_store *st, DB_TXN *txn, const char *key, char login[CV_LOGIN_MAX + 1])
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	if (!*key || strlen(key) > CV_CERT_KEY_MAX)
		return CV_ENOTFOUND;
	e = cv_store_get(st, CV_DB_CERTS, txn, key, strlen(key), &b);
	if (!e && (b.len == 0 || b.len > CV_LOGIN_MAX))
		e = CV_EINVAL;
	if (!e) {
		memcpy(login, b.p, b.len);
		login[b.len] = '\0';
	}
	cv_buf_release(&b);
	return e;
}

/*
 * The Basic verification cache: in this process's memory only, keyed by an
 * HMAC under a key drawn when the process first needs it, so that nothing
 * in the store, nor anything a reader of it can see, makes guessing a
 * password cheaper than yescrypt. Direct-mapped; an entry lasts
 * CV_BASIC_TTL_MS. The user's hash is in the message: a new password
 * forgets the old entries.
 */
#define BASIC_CACHE 64
static struct basic_entry {
	unsigned char mac[32];
	int64_t expires;
} basic_cache[BASIC_CACHE];
static unsigned char basic_key[32];
static bool basic_keyed;

static bool basic_mac(const char *login, const char *password, const char *hash, unsigned char mac[32])
{
	struct cv_buf b = CV_BUF_INIT(0);
	unsigned int len = 32;
	bool ok;

	if (!basic_keyed) {
		cv_random(basic_key, sizeof(basic_key));
		basic_keyed = true;
	}
	ok = !cv_buf_add(&b, login, strlen(login) + 1) && !cv_buf_add(&b, password, strlen(password) + 1) &&
	     !cv_buf_add(&b, hash, strlen(hash)) &&
	     HMAC(EVP_sha256(), basic_key, sizeof(basic_key), (const unsigned char *)b.p, b.len, mac, &len) && len == 32;
	cv_buf_release(&b);
	return ok;
}

enum cv_err cv_basic_check(struct cv_store *st, const char *login, const char *password, int64_t now, bool *fresh)
{
	struct cv_user u;
	struct basic_entry *slot;
	unsigned char mac[32];
	enum cv_err e = cv_user_get(st, NULL, login, &u);

	if (fresh)
		*fresh = false;
	if (e && e != CV_ENOTFOUND)
		return e;
	if (e == CV_ENOTFOUND) {
		/* the same yescrypt for nobody, so that timing does not tell who exists */
		cv_password_check(password, CV_DECOY_HASH);
		return CV_EAUTH;
	}
	if (!basic_mac(login, password, u.hash, mac))
		return CV_ETOOBIG;
	slot = &basic_cache[mac[0] % BASIC_CACHE];
	if (slot->expires > now && cv_memeq_ct(slot->mac, mac, sizeof(mac)))
		return CV_OK;
	if (!cv_password_check(password, u.hash))
		return CV_EAUTH;
	memcpy(slot->mac, mac, sizeof(mac));
	slot->expires = now + CV_BASIC_TTL_MS;
	if (fresh)
		*fresh = true;
	return CV_OK;
}

enum cv_err cv_fleet_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_fleet *f)
{
	GET_JSON(CV_DB_FLEETS, id, cv_fleet_decode, f);
}

enum cv_err cv_fleet_add(struct cv_store *st, DB_TXN *txn, const struct cv_fleet *f)
{
	struct cv_user u;
	enum cv_err e = cv_user_get(st, txn, f->owner, &u);

	if (e)
		return e;
	PUT_JSON(CV_DB_FLEETS, f->id, cv_fleet_encode, f, DB_NOOVERWRITE);
}

enum cv_err cv_fleet_add_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid)
{
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl = link_key(k, sizeof(k), fid, vid);
	struct cv_fleet f;
	struct cv_vehicle v;
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_fleet_get(st, txn, fid, &f);
	if (!e)
		e = cv_vehicle_get(st, txn, vid, &v);
	if (!e)
		e = cv_store_put(st, CV_DB_FLEETVEHS, txn, k, kl, "", 0, 0);
	return e;
}

enum cv_err cv_fleet_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid)
{
	return link_exists(st, CV_DB_FLEETVEHS, txn, fid, vid);
}

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

/* ---- status and history ------------------------------------------------- */

enum cv_err cv_vid_bytes(const char *vid, unsigned char out[16])
{
	return cv_unhex(vid, out, 16);
}

enum cv_err cv_status_get(struct cv_store *st, DB_TXN *txn, const char *vid, struct cv_buf *buf,
			  struct cv_status_rec *rec)
{
	enum cv_err e = cv_store_get(st, CV_DB_STATUS, txn, vid, strlen(vid), buf);

	return e ? e : cv_status_decode(buf->p, buf->len, rec);
}

enum cv_err cv_status_put(struct cv_store *st, DB_TXN *txn, const char *vid, const struct cv_state *state)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_status_encode(state, &b);

	if (!e)
		e = cv_store_put(st, CV_DB_STATUS, txn, vid, strlen(vid), b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_history_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			   const struct cv_sample *s, size_t n)
{
	unsigned char key[25];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_telemetry_put(st, txn, vid, s, n);

	memcpy(key, vid, 16);
	for (size_t j = 0; j < n && !e; j++) {
		cv_be64_put(key + 16, (uint64_t)s[j].at);
		for (int i = 0; i < s[j].nevents && !e; i++) {
			cv_buf_reset(&b);
			key[24] = (unsigned char)i;
			e = cv_event_encode(&s[j].events[i], &b);
			if (!e)
				e = cv_store_put(st, CV_DB_EVENTS, txn, key, 25, b.p, b.len, 0);
			if (!e && s[j].events[i].kind == CV_EV_COLLISION)
				e = cv_hindex_put(st, txn, CV_HK_COLLISION, vid, s[j].at, (unsigned)i, b.p, b.len);
		}
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_msgid_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *msgid, int64_t now)
{
	unsigned char key[32], h[32], val[8];

	cv_sha256(msgid, strlen(msgid), h);
	memcpy(key, vid, 16);
	memcpy(key + 16, h, 16);
	cv_be64_put(val, (uint64_t)now);
	return cv_store_put(st, CV_DB_MSGIDS, txn, key, sizeof(key), val, sizeof(val), DB_NOOVERWRITE);
}

struct bulk_ctx {
	const unsigned char *vid;
	int64_t to;
	int (*fn)(int64_t at, const void *val, size_t len, void *arg);
	void *arg;
};

static int bulk_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct bulk_ctx *b = arg;
	int64_t at;

	if (klen < 24 || memcmp(k, b->vid, 16))
		return 1;       /* past the vehicle */
	at = (int64_t)cv_be64_get((const unsigned char *)k + 16);
	return at >= b->to || b->fn(at, v, vlen, b->arg);
}

/*
 * Vehicle vid's records of a history database with from <= at < to, oldest
 * first, read in bulk (DB_MULTIPLE_KEY): a cursor call and its locks per
 * buffer of records rather than per record, which is most of the cost of
 * counting a vehicle's history.
 * fn gets each record's time and packed value; nonzero stops the walk.
 */
static enum cv_err bulk_walk(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			     int64_t from, int64_t to,
			     int (*fn)(int64_t at, const void *val, size_t len, void *arg), void *arg)
{
	struct bulk_ctx b = { vid, to, fn, arg };
	unsigned char kb[24];

	if (from < 0)
		from = 0;
	if (from >= to)
		return CV_OK;
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)from);
	return cv_store_scan(st, id, txn, kb, sizeof(kb), bulk_one, &b);
}

static void hist_key(unsigned char *kb, const unsigned char vid[16], int64_t at, unsigned suffix, size_t slen)
{
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)at);
	if (slen == 2) {
		kb[24] = (unsigned char)(suffix >> 8);
		kb[25] = (unsigned char)suffix;
	} else if (slen == 1) {
		kb[24] = (unsigned char)suffix;
	}
}

/* Read the cursor's record into the iterator's fields; false past its vehicle or time range. */
static bool iter_take(struct cv_hist_iter *it)
{
	if (it->k.size != 24 + it->slen || memcmp(it->kb, it->vid, 16))
		return false;
	it->at = (int64_t)cv_be64_get(it->kb + 16);
	if (it->at < it->from)
		return false;
	it->suffix = it->slen == 2 ? (unsigned)it->kb[24] << 8 | it->kb[25] : it->slen == 1 ? it->kb[24] : 0;
	it->val = it->vb;
	it->len = it->d.size;
	return true;
}

static enum cv_err iter_settle(struct cv_hist_iter *it, int ret)
{
	it->valid = ret == 0 && iter_take(it);
	if (ret && ret != DB_NOTFOUND)
		return cv_store_err(ret);
	return CV_OK;
}

enum cv_err cv_hist_iter_open(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			      size_t slen, int64_t from, int64_t start, struct cv_hist_iter *it)
{
	DB *db = st->db[id];
	size_t klen = 24 + slen;
	int ret;

	memset(it, 0, sizeof(*it));
	memcpy(it->vid, vid, 16);
	it->slen = slen;
	it->from = from < 0 ? 0 : from;
	if (start < 0 || CV_POS_AT(start) < it->from)
		return CV_OK;           /* an empty range: not valid, no cursor */
	ret = db->cursor(db, txn, &it->c, txn ? 0 : DB_READ_COMMITTED);
	if (ret) {
		it->c = NULL;
		return cv_store_err(ret);
	}
	hist_key(it->kb, vid, CV_POS_AT(start), CV_POS_SUFFIX(start), slen);
	it->k.data = it->kb;
	it->k.size = (u_int32_t)klen;
	it->k.ulen = sizeof(it->kb);
	it->k.flags = DB_DBT_USERMEM;
	it->d.data = it->vb;
	it->d.ulen = sizeof(it->vb);
	it->d.flags = DB_DBT_USERMEM;
	return iter_settle(it, cv_cursor_last_le(it->c, &it->k, &it->d, 0));
}

enum cv_err cv_hist_iter_next(struct cv_hist_iter *it)
{
	if (!it->valid)
		return CV_OK;
	return iter_settle(it, it->c->get(it->c, &it->k, &it->d, DB_PREV));
}

void cv_hist_iter_close(struct cv_hist_iter *it)
{
	if (it->c)
		it->c->close(it->c);
	it->c = NULL;
	it->valid = false;
}

struct count_walk {
	bool (*accept)(const void *val, size_t len, void *arg);
	void *arg;
	int64_t n;
};

static int count_one(int64_t at, const void *val, size_t len, void *arg)
{
	struct count_walk *c = arg;

	(void)at;
	if (!c->accept || c->accept(val, len, c->arg))
		c->n++;
	return 0;
}

enum cv_err cv_history_count(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			     int64_t from, int64_t to, bool (*accept)(const void *val, size_t len, void *arg),
			     void *arg, int64_t *count)
{
	struct count_walk c = { accept, arg, 0 };
	enum cv_err e = bulk_walk(st, txn, id, vid, from, to, count_one, &c);

	*count = c.n;
	return e;
}

enum cv_err cv_history_walk_desc(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
				 size_t slen, int64_t from, int64_t start,
				 int (*fn)(int64_t at, unsigned suffix, const void *val, size_t len, void *arg),
				 void *arg)
{
	struct cv_hist_iter *it = cv_malloc(sizeof(*it));
	enum cv_err e = cv_hist_iter_open(st, txn, id, vid, slen, from, start, it);

	while (!e && it->valid && !fn(it->at, it->suffix, it->val, it->len, arg))
		e = cv_hist_iter_next(it);
	cv_hist_iter_close(it);
	free(it);
	return e;
}

enum cv_err cv_event_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			 unsigned index, struct cv_event *ev)
{
	unsigned char kb[25];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	hist_key(kb, vid, at, index, 1);
	e = cv_store_get(st, CV_DB_EVENTS, txn, kb, sizeof(kb), &b);
	if (!e)
		e = cv_event_decode(b.p, b.len, ev);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_period_get(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char vid[16],
			  int64_t start, unsigned code, struct cv_alert_rec *a)
{
	unsigned char kb[26];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	hist_key(kb, vid, start, code, 2);
	e = cv_store_get(st, db, txn, kb, sizeof(kb), &b);
	if (!e)
		e = cv_alert_decode(b.p, b.len, start, (uint16_t)code, a);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_alert_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			 unsigned code, struct cv_alert_rec *a)
{
	return cv_period_get(st, txn, CV_DB_ALERTS, vid, start, code, a);
}

static enum cv_err period_put(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char vid[16],
			      const struct cv_alert_rec *a)
{
	unsigned char kb[26];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;

	hist_key(kb, vid, a->start, a->code, 2);
	e = cv_alert_encode(a, &b);
	if (!e)
		e = cv_store_put(st, db, txn, kb, sizeof(kb), b.p, b.len, 0);
	if (!e && db == CV_DB_ALERTS)
		e = cv_hindex_put(st, txn, CV_HK_ALERT, vid, a->start, a->code, b.p, b.len);
	cv_buf_release(&b);
	return e;
}

/*
 * A period opened and closed by events (an alert occurrence, a theft): the
 * record in `db` (key vid . start . code), the start of the open one in
 * alertopen under vid . open_code.
 */
static enum cv_err period_apply(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, unsigned code, unsigned open_code,
				const unsigned char vid[16], int64_t at, const struct cv_event *ev, int64_t now)
{
	unsigned char ok[18], val[8];
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_alert_rec a;
	int64_t open_at = -1;
	enum cv_err e;

	memcpy(ok, vid, 16);
	ok[16] = (unsigned char)(open_code >> 8);
	ok[17] = (unsigned char)open_code;
	e = cv_store_get(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok), &b);
	if (!e && b.len == 8)
		open_at = (int64_t)cv_be64_get((const unsigned char *)b.p);
	cv_buf_release(&b);
	if (e && e != CV_ENOTFOUND)
		return e;
	if (ev->active) {
		if (open_at >= 0)
			return CV_OK;           /* already active */
		memset(&a, 0, sizeof(a));
		a.start = at;
		a.code = (uint16_t)code;
		a.severity = ev->kind == CV_EV_ALERT ? ev->severity : 2;
		a.active = 1;
		a.updated = now;
		a.has_start_pos = ev->has_pos;
		a.start_lat_e7 = ev->lat_e7;
		a.start_lon_e7 = ev->lon_e7;
		a.start_alt_m = ev->alt_m;
		e = period_put(st, txn, db, vid, &a);
		cv_be64_put(val, (uint64_t)at);
		if (!e)
			e = cv_store_put(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok), val, sizeof(val), 0);
		return e;
	}
	if (open_at < 0 || at < open_at)
		return CV_OK;                   /* nothing active to close */
	{
		unsigned char kb[26];

		hist_key(kb, vid, open_at, code, 2);
		e = cv_store_get(st, db, txn, kb, sizeof(kb), &b);
		if (!e)
			e = cv_alert_decode(b.p, b.len, open_at, (uint16_t)code, &a);
		cv_buf_release(&b);
	}
	if (e == CV_ENOTFOUND)
		return cv_store_del(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok));
	if (e)
		return e;
	a.active = 0;
	a.end = at;
	a.updated = now;
	a.has_end_pos = ev->has_pos;
	a.end_lat_e7 = ev->lat_e7;
	a.end_lon_e7 = ev->lon_e7;
	a.end_alt_m = ev->alt_m;
	e = period_put(st, txn, db, vid, &a);
	if (!e)
		e = cv_store_del(st, CV_DB_ALERTOPEN, txn, ok, sizeof(ok));
	return e;
}

enum cv_err cv_alert_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now)
{
	return period_apply(st, txn, CV_DB_ALERTS, ev->code, ev->code, vid, at, ev, now);
}

enum cv_err cv_theft_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now)
{
	return period_apply(st, txn, CV_DB_STOLEN, 0, CV_THEFT_OPEN_CODE, vid, at, ev, now);
}

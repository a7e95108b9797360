/* fleetauth.c - fleet managers' credentials: client certificates, the Basic verification cache (see model.h). */
#include "config.h"
#include "model.h"
#include "ids.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

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
	bool ok;

	if (!basic_keyed) {
		cv_random(basic_key, sizeof(basic_key));
		basic_keyed = true;
	}
	ok = !cv_buf_add(&b, login, strlen(login) + 1) && !cv_buf_add(&b, password, strlen(password) + 1) &&
	     !cv_buf_add(&b, hash, strlen(hash));
	if (ok)
		cv_hmac_sha256(basic_key, sizeof(basic_key), b.p, b.len, mac);
	cv_buf_release(&b);
	return ok;
}

/* cv_basic_check, or with cache_only cv_basic_known. */
static enum cv_err basic(struct cv_store *st, const char *login, const char *password, int64_t now, bool *fresh,
			 bool cache_only)
{
	struct cv_user u;
	struct basic_entry *slot;
	unsigned char mac[32];
	enum cv_err e = cv_user_get(st, NULL, login, &u);

	if (fresh)
		*fresh = false;
	if (e && e != CV_ENOTFOUND)
		return e;
	if (e == CV_ENOTFOUND && cache_only)
		return CV_EAUTH;
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
	if (cache_only)
		return CV_EAUTH;
	if (!cv_password_check(password, u.hash))
		return CV_EAUTH;
	memcpy(slot->mac, mac, sizeof(mac));
	slot->expires = now + CV_BASIC_TTL_MS;
	if (fresh)
		*fresh = true;
	return CV_OK;
}

enum cv_err cv_basic_check(struct cv_store *st, const char *login, const char *password, int64_t now, bool *fresh)
{
	return basic(st, login, password, now, fresh, false);
}

enum cv_err cv_basic_known(struct cv_store *st, const char *login, const char *password, int64_t now)
{
	return basic(st, login, password, now, NULL, true);
}

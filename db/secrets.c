/* secrets.c - hashes, passwords, random secrets (see model.h). */
#include "config.h"
#include "model.h"
#include "ids.h"

#include <crypt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
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
	static __thread EVP_MD *md;
	unsigned int len = 32;

	if (!md) {
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
		ctx = EVP_MD_CTX_new();
		if (!md || !ctx)
			cv_die("SHA-256 unavailable (EVP_MD_fetch or EVP_MD_CTX_new failed)");
	}
	if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, data, n) || !EVP_DigestFinal_ex(ctx, out, &len))
		cv_die("SHA-256 failed");
}

/*
 * As cv_sha256, the MAC is fetched and its context made (digest set) once
 * per thread; each call starts it again with its own key.
 */
void cv_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n, unsigned char out[32])
{
	static __thread EVP_MAC_CTX *ctx;
	size_t len = 0;

	if (!ctx) {
		char digest[] = "SHA256";
		OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
					OSSL_PARAM_construct_end() };
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

		ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);      /* the context holds its own reference */
		if (!ctx || !EVP_MAC_CTX_set_params(ctx, params))
			cv_die("HMAC-SHA-256 unavailable (EVP_MAC_fetch or EVP_MAC_CTX_new failed)");
	}
	if (!EVP_MAC_init(ctx, key, keylen, NULL) || !EVP_MAC_update(ctx, data, n) ||
	    !EVP_MAC_final(ctx, out, &len, 32) || len != 32)
		cv_die("HMAC-SHA-256 failed");
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


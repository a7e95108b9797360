/* secrets.c - hashes, passwords, random secrets (see model.h). */
#include "config.h"
#include "model.h"
#include "ids.h"

#include <crypt.h>
#include <openssl/evp.h>
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


/* unit-secrets.c - tests of db/model's secrets: SHA-256, HMAC-SHA-256, random secrets. */
#include "model.h"
#include "ids.h"
#include "tap.h"

#include <string.h>

static void test_sha256(void)
{
	char hex[CV_SHA256_HEXLEN + 1];
	unsigned char raw[32], back[32];

	cv_sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256(\"abc\")");
	cv_sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256(\"\")");
	cv_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "SHA-256 of the 448-bit vector");
	cv_sha256("abc", 3, raw);
	cv_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", back, 32);
	ok(!memcmp(raw, back, 32), "cv_sha256 gives the raw bytes");
}

/* One test case of RFC 4231 (section 4): the key and data bytes as hex, the MAC's first `want` hex digits. */
static void hmac_case(const char *name, const char *key_hex, const char *data, bool data_hex, const char *want)
{
	unsigned char key[131], msg[160], mac[32];
	char hex[CV_SHA256_HEXLEN + 1];
	size_t kl = strlen(key_hex) / 2, dl = data_hex ? strlen(data) / 2 : strlen(data);

	cv_unhex(key_hex, key, kl);
	if (data_hex)
		cv_unhex(data, msg, dl);
	else
		memcpy(msg, data, dl);
	cv_hmac_sha256(key, kl, msg, dl, mac);
	cv_hex(mac, sizeof(mac), hex);
	hex[strlen(want)] = '\0';
	is_str(hex, want, "RFC 4231 %s", name);
}

/* "xx" repeated n times (n <= 131), for the RFC's keys and data of one repeated byte. */
static const char *repeat(char *out, const char *xx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(out + 2 * i, xx, 2);
	out[2 * n] = '\0';
	return out;
}

static void test_hmac(void)
{
	char k[263], d[263];

	hmac_case("test case 1", repeat(k, "0b", 20), "Hi There", false,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_case("test case 2 (a key shorter than the MAC)", "4a656665", "what do ya want for nothing?", false,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	hmac_case("test case 3", repeat(k, "aa", 20), repeat(d, "dd", 50), true,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	hmac_case("test case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", repeat(d, "cd", 50), true,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	hmac_case("test case 5 (truncated to 128 bits, as pageTokens are)", repeat(k, "0c", 20), "Test With Truncation",
		  false, "a3b6167473100ee06e0c796c2955552b");
	hmac_case("test case 6 (a key longer than the block)", repeat(k, "aa", 131),
		  "Test Using Larger Than Block-Size Key - Hash Key First", false,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	hmac_case("test case 7 (key and data longer than the block)", repeat(k, "aa", 131),
		  "This is a test using a larger than block-size key and a larger than block-size data. "
		  "The key needs to be hashed before being used by the HMAC algorithm.", false,
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	/* the context is reused: a short key after a long one is not mixed with it */
	hmac_case("test case 2 again, after the long key", "4a656665", "what do ya want for nothing?", false,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_passwords(void)
{
	char h1[CV_HASH_MAX + 1], h2[CV_HASH_MAX + 1];

	is_int(cv_password_hash("correct horse battery staple", h1), CV_OK, "hash a password");
	ok(!strncmp(h1, "$y$", 3), "yescrypt ($y$) hash: %.12s...", h1);
	ok(cv_password_check("correct horse battery staple", h1), "the right password is accepted");
	ok(!cv_password_check("correct horse battery stapl", h1), "a shorter password is refused");
	ok(!cv_password_check("Correct horse battery staple", h1), "a different password is refused");
	ok(!cv_password_check("", h1), "an empty password is refused");
	is_int(cv_password_hash("correct horse battery staple", h2), CV_OK, "hash it again");
	ok(strcmp(h1, h2) != 0, "a fresh salt each time");
	ok(cv_password_check("correct horse battery staple", h2), "both hashes check");
	ok(!cv_password_check("x", ""), "an empty hash never matches");
	ok(!cv_password_check("", ""), "not even the empty password");
	ok(!cv_password_check("x", "*"), "a failure token never matches");
	ok(!cv_password_check("x", "garbage"), "a malformed hash never matches");
	is_int(cv_password_hash("", h2), CV_OK, "the empty password hashes");
	ok(cv_password_check("", h2) && !cv_password_check(" ", h2), "and checks");
	is_int(cv_password_hash("p\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac", h2), CV_OK, "a UTF-8 password hashes");
	ok(cv_password_check("p\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac", h2), "and checks");
	{
		char h3[CV_HASH_MAX + 1];

		cv_strlcpy(h3, h1, sizeof(h3));
		h3[strlen(h3) - 1] ^= 1;
		ok(!cv_password_check("correct horse battery staple", h3), "a tampered hash is refused");
	}
}

static void test_secret(void)
{
	char a[CV_TOKEN_STRLEN], b[CV_TOKEN_STRLEN];
	unsigned char raw[64];

	cv_secret_new(a);
	cv_secret_new(b);
	is_int(strlen(a), 43, "a secret is 43 base64url characters");
	ok(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43, "of the url-safe alphabet");
	is_int(cv_unb64url(a, strlen(a), raw, sizeof(raw)), CV_TOKEN_BYTES, "it decodes to 32 bytes");
	ok(strcmp(a, b) != 0, "two secrets differ");
}

int main(void)
{
	test_sha256();
	test_hmac();
	test_passwords();
	test_secret();
	return tap_done();
}

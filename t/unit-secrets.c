/* unit-secrets.c - tests of db/model's secrets: SHA-256, passwords, random secrets. */
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
	test_passwords();
	test_secret();
	return tap_done();
}

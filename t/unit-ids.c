/* unit-ids.c - tests of core/ids: uuid4, hex, base64url. */
#include "ids.h"
#include "tap.h"

#include <string.h>

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid(void)
{
	char a[CV_UUID_STRLEN], b[CV_UUID_STRLEN];
	bool shape = true, version = true, variant = true;

	for (int n = 0; n < 200; n++) {
		cv_uuid4(a);
		if (strlen(a) != 36)
			shape = false;
		for (int i = 0; i < 36 && shape; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				if (a[i] != '-')
					shape = false;
			} else if (!is_lower_hex(a[i])) {
				shape = false;
			}
		}
		if (a[14] != '4')
			version = false;
		if (!strchr("89ab", a[19]))
			variant = false;
	}
	ok(shape, "uuid4: 8-4-4-4-12 lower-case hex");
	ok(version, "uuid4: version nibble is 4");
	ok(variant, "uuid4: variant bits are 10 (8, 9, a or b)");
	cv_uuid4(b);
	ok(strcmp(a, b) != 0, "two uuids differ");
}

static void test_random(void)
{
	unsigned char z[64] = { 0 }, r[64] = { 0 };

	cv_random(r, sizeof(r));
	ok(memcmp(z, r, sizeof(r)) != 0, "cv_random fills the buffer");
	cv_random(r, 0);
	ok(1, "cv_random of 0 bytes is harmless");
}

static void test_hex(void)
{
	const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	unsigned char back[6] = { 0 };
	char out[13];

	cv_hex(bytes, sizeof(bytes), out);
	is_str(out, "00017f80abff", "hex of 6 bytes");
	is_int(cv_unhex(out, back, sizeof(back)), CV_OK, "unhex reads it back");
	ok(!memcmp(back, bytes, sizeof(bytes)), "the same bytes");
	is_int(cv_unhex("00017F80ABFF", back, sizeof(back)), CV_OK, "unhex accepts upper case");
	ok(!memcmp(back, bytes, sizeof(bytes)), "the same bytes from upper case");
	cv_hex(bytes, 0, out);
	is_str(out, "", "hex of nothing is empty");
	is_int(cv_unhex("", back, 0), CV_OK, "unhex of nothing");
	is_int(cv_unhex("00017f80abf", back, 6), CV_EINVAL, "odd length refused");
	is_int(cv_unhex("00017f80abff00", back, 6), CV_EINVAL, "too long refused");
	is_int(cv_unhex("00017f80abfg", back, 6), CV_EINVAL, "non-hex refused");
	is_int(cv_unhex("0x017f80abff", back, 6), CV_EINVAL, "0x prefix refused");
	is_int(cv_unhex(" 0017f80abff", back, 6), CV_EINVAL, "space refused");
	is_int(cv_unhex("-1017f80abff", back, 6), CV_EINVAL, "sign refused");
}

static void test_b64(void)
{
	unsigned char data[40], back[41];
	char enc[64];
	bool all = true, lens = true;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 200);
	for (size_t n = 0; n <= 40; n++) {
		size_t el = cv_b64url(data, n, enc);
		long dl = cv_unb64url(enc, el, back, sizeof(back));

		if (el != (4 * n + 2) / 3 || strlen(enc) != el)
			lens = false;
		if (dl != (long)n || memcmp(back, data, n)) {
			all = false;
			printf("# round trip failed for length %zu: %s\n", n, enc);
		}
		if (strchr(enc, '=') || strchr(enc, '+') || strchr(enc, '/'))
			all = false;
	}
	ok(lens, "encoded lengths are ceil(4n/3), no padding");
	ok(all, "base64url round trips for lengths 0..40");

	cv_b64url("\xfb\xff\xbf", 3, enc);
	is_str(enc, "-_-_", "the url-safe alphabet (- and _)");
	cv_b64url("foobar", 6, enc);
	is_str(enc, "Zm9vYmFy", "foobar");
	cv_b64url("fooba", 5, enc);
	is_str(enc, "Zm9vYmE", "fooba");
	cv_b64url("foob", 4, enc);
	is_str(enc, "Zm9vYg", "foob");
	is_int(cv_unb64url("Zm9vYg", 6, back, sizeof(back)), 4, "decode foob");
	ok(!memcmp(back, "foob", 4), "foob decoded");

	is_int(cv_unb64url("", 0, back, 0), 0, "empty decodes to nothing");
	is_int(cv_unb64url("Zm9vYg==", 8, back, sizeof(back)), -1, "padding refused");
	is_int(cv_unb64url("Zm9v+g", 6, back, sizeof(back)), -1, "'+' refused");
	is_int(cv_unb64url("Zm9v/g", 6, back, sizeof(back)), -1, "'/' refused");
	is_int(cv_unb64url("Zm9v Yg", 7, back, sizeof(back)), -1, "space refused");
	is_int(cv_unb64url("Zm9v\x80g", 6, back, sizeof(back)), -1, "a high byte refused");
	is_int(cv_unb64url("Zm\0vYg", 6, back, sizeof(back)), -1, "an embedded NUL refused");
	is_int(cv_unb64url("Z", 1, back, sizeof(back)), -1, "length 1 (mod 4) refused");
	is_int(cv_unb64url("Zm9vY", 5, back, sizeof(back)), -1, "length 5 (mod 4 = 1) refused");
	is_int(cv_unb64url("Zh", 2, back, sizeof(back)), -1, "non-canonical trailing bits refused (Zh)");
	is_int(cv_unb64url("Zg", 2, back, sizeof(back)), 1, "canonical Zg accepted");
	is_int(cv_unb64url("Zm9", 3, back, sizeof(back)), -1, "non-canonical trailing bits refused (Zm9)");
	is_int(cv_unb64url("Zm8", 3, back, sizeof(back)), 2, "canonical Zm8 accepted");
	is_int(cv_unb64url("Zm9vYmFy", 8, back, 5), -1, "output overflow refused");
	is_int(cv_unb64url("Zm9vYmFy", 8, back, 6), 6, "output of exactly outsz");
	is_int(cv_unb64url("Zm9vYmFy", 4, back, 3), 3, "only len bytes of the input are read");
}

int main(void)
{
	test_uuid();
	test_random();
	test_hex();
	test_b64();
	return tap_done();
}

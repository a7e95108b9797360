/* unit-cv.c - core/cv.h: integers, string copies, constant-time compare, character sets, VINs. */
#include "cv.h"
#include "tap.h"

#include <string.h>

int main(void)
{
	int64_t v = 0;
	char small[4];

	/* cv_parse_i64 */
	ok(cv_parse_i64("42", 0, 100, &v) == CV_OK && v == 42, "42 in [0, 100]");
	ok(cv_parse_i64("-5", -10, 10, &v) == CV_OK && v == -5, "-5 in [-10, 10]");
	ok(cv_parse_i64("101", 0, 100, &v) == CV_EINVAL, "101 out of [0, 100]");
	ok(cv_parse_i64("", 0, 100, &v) == CV_EINVAL, "empty");
	ok(cv_parse_i64(" 1", 0, 100, &v) == CV_EINVAL, "leading blank");
	ok(cv_parse_i64("1x", 0, 100, &v) == CV_EINVAL, "trailing junk");
	ok(cv_parse_i64("+1", 0, 100, &v) == CV_EINVAL, "a plus sign");
	ok(cv_parse_i64("99999999999999999999", 0, INT64_MAX, &v) == CV_EINVAL, "overflow");

	/* cv_strlcpy */
	ok(cv_strlcpy(small, "abc", sizeof(small)) == CV_OK && !strcmp(small, "abc"), "fits");
	ok(cv_strlcpy(small, "abcd", sizeof(small)) == CV_ETOOBIG && !strcmp(small, "abc"), "truncated, terminated");

	/* cv_hash64: FNV-1a's published values */
	ok(cv_hash64("", 0) == 0xcbf29ce484222325ULL, "FNV-1a of nothing is the offset basis");
	ok(cv_hash64("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
	ok(cv_hash64("foobar", 6) == 0x85944171f73967e8ULL, "FNV-1a of \"foobar\"");

	/* cv_memeq_ct */
	ok(cv_memeq_ct("abc", "abc", 3), "equal");
	ok(!cv_memeq_ct("abc", "abd", 3), "last byte differs");

	/* cv_chars_ok */
	ok(cv_chars_ok("demo", 64, "._-@"), "a login");
	ok(cv_chars_ok("a.b_c-d@e", 64, "._-@"), "extra characters");
	ok(!cv_chars_ok("", 64, "._-@"), "empty");
	ok(!cv_chars_ok("a b", 64, "._-@"), "a blank");
	ok(!cv_chars_ok("a/b", 64, "._-@"), "a slash");
	ok(!cv_chars_ok("caf\xc3\xa9", 64, "._-@"), "non-ASCII");
	ok(cv_chars_ok("abcd", 4, ""), "exactly max");
	ok(!cv_chars_ok("abcde", 4, ""), "longer than max");

	/* cv_vin_ok */
	ok(cv_vin_ok("VR3UPHNKSKT000001", 17), "a VIN");
	ok(!cv_vin_ok("VR3UPHNKSKT00000", 16), "16 characters");
	ok(!cv_vin_ok("VR3UPHNKSKT000001X", 18), "18 characters");
	ok(!cv_vin_ok("VR3UPHNKSKT00000I", 17), "I is not used in VINs");
	ok(!cv_vin_ok("VR3UPHNKSKT00000O", 17), "O is not used in VINs");
	ok(!cv_vin_ok("VR3UPHNKSKT00000Q", 17), "Q is not used in VINs");
	ok(!cv_vin_ok("vr3uphnkskt000001", 17), "lower case");

	/* cv_strerror */
	ok(strcmp(cv_strerror(CV_ENOTFOUND), "not found") == 0, "strerror");
	ok(cv_strerror((enum cv_err)999) != NULL, "strerror of an unknown code");
	return tap_done();
}

/* unit-jw.c - tests of core/jw: nesting, commas, escaping, numbers, errors. */
#include "jw.h"
#include "tap.h"

#include <json-c/json.h>
#include <math.h>

/* Run one writer over a fresh buffer; the result is checked as a string. */
#define WRITE(buf, w) \
	for (int once_ = (cv_buf_init(&(buf), 0), cv_jw_init(&(w), &(buf)), 1); once_; once_ = 0)

static bool valid_json(const char *s)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	bool good = o && json_tokener_get_error(tok) == json_tokener_success &&
		    (size_t)json_tokener_get_parse_end(tok) == strlen(s);

	json_object_put(o);
	json_tokener_free(tok);
	return good;
}

static void test_nesting(void)
{
	struct cv_buf b;
	struct cv_jw w;

	WRITE(b, w) {
		cv_jw_obj(&w);
		cv_jw_kint(&w, "a", 1);
		cv_jw_key(&w, "b");
		cv_jw_arr(&w);
		cv_jw_int(&w, 1);
		cv_jw_str(&w, "two");
		cv_jw_obj(&w);
		cv_jw_end(&w);
		cv_jw_arr(&w);
		cv_jw_end(&w);
		cv_jw_null(&w);
		cv_jw_bool(&w, true);
		cv_jw_bool(&w, false);
		cv_jw_end(&w);
		cv_jw_key(&w, "c");
		cv_jw_obj(&w);
		cv_jw_kbool(&w, "d", false);
		cv_jw_kstr(&w, "e", "");
		cv_jw_end(&w);
		cv_jw_end(&w);
	}
	is_int(w.err, CV_OK, "no error");
	is_int(w.depth, 0, "depth back to 0");
	is_str(cv_buf_str(&b), "{\"a\":1,\"b\":[1,\"two\",{},[],null,true,false],\"c\":{\"d\":false,\"e\":\"\"}}",
	       "nested objects and arrays with commas");
	ok(valid_json(cv_buf_str(&b)), "valid JSON");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_arr(&w);
		for (int i = 0; i < 3; i++)
			cv_jw_int(&w, i);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "[0,1,2]", "array commas");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_obj(&w);
		cv_jw_raw_members(&w, "", 0);
		cv_jw_kint(&w, "a", 1);
		cv_jw_raw_members(&w, "\"x\":1,\"y\":2", 11);
		cv_jw_raw_members(&w, "", 0);
		cv_jw_key(&w, "z");
		cv_jw_raw(&w, "[true]", 6);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "{\"a\":1,\"x\":1,\"y\":2,\"z\":[true]}", "raw members spliced, empty ones skipped");
	ok(valid_json(cv_buf_str(&b)), "valid JSON");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_obj(&w);
		cv_jw_raw_members(&w, "", 0);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "{}", "an object of empty raw members is {}");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_int(&w, 5);
	}
	is_str(cv_buf_str(&b), "5", "a top-level scalar");
	cv_buf_release(&b);
}

static void test_escaping(void)
{
	struct cv_buf b;
	struct cv_jw w;
	char ctl[33];
	json_object *o;

	WRITE(b, w) {
		cv_jw_str(&w, "a\"b\\c/d");
	}
	is_str(cv_buf_str(&b), "\"a\\\"b\\\\c/d\"", "quote and backslash escaped, '/' not");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_str(&w, "\n\r\t\b\f");
	}
	is_str(cv_buf_str(&b), "\"\\n\\r\\t\\b\\f\"", "short escapes");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_strn(&w, "a\0b\x01\x1f\x7f", 6);
	}
	is_str(cv_buf_str(&b), "\"a\\u0000b\\u0001\\u001f\x7f\"", "other controls as \\u00XX, NUL included, DEL as is");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_str(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97");
	}
	is_str(cv_buf_str(&b), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97\"", "UTF-8 passes through");
	cv_buf_release(&b);

	for (int i = 0; i < 32; i++)
		ctl[i] = (char)(i + 1);
	ctl[32] = '\0';
	ctl[31] = '"';
	WRITE(b, w) {
		cv_jw_obj(&w);
		cv_jw_kstr(&w, "k\"ey", ctl);
		cv_jw_end(&w);
	}
	o = json_tokener_parse(cv_buf_str(&b));
	ok(o != NULL, "every control character escapes to valid JSON");
	if (o) {
		json_object *v = NULL;

		ok(json_object_object_get_ex(o, "k\"ey", &v), "escaped key reads back");
		is_str(v ? json_object_get_string(v) : NULL, ctl, "escaped value reads back byte for byte");
		json_object_put(o);
	}
	cv_buf_release(&b);

	cv_buf_init(&b, 0);
	is_int(cv_json_escape(&b, "x", 1), CV_OK, "cv_json_escape");
	is_str(cv_buf_str(&b), "\"x\"", "cv_json_escape adds the quotes");
	cv_buf_release(&b);
	cv_buf_init(&b, 0);
	is_int(cv_json_escape(&b, "", 0), CV_OK, "cv_json_escape of nothing");
	is_str(cv_buf_str(&b), "\"\"", "gives \"\"");
	cv_buf_release(&b);
}

static void check_int(int64_t v, const char *want)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;

	cv_jw_init(&w, &b);
	cv_jw_int(&w, v);
	is_str(cv_buf_str(&b), want, "integer %s", want);
	cv_buf_release(&b);
}

static void check_fixed(int64_t v, int d, const char *want)
{
	struct cv_buf b;
	struct cv_jw w;

	WRITE(b, w) {
		cv_jw_fixed(&w, v, d);
	}
	is_str(cv_buf_str(&b), want, "fixed %lld with %d decimals is %s", (long long)v, d, want);
	cv_buf_release(&b);
}

static void check_num(double v, int d, const char *want)
{
	struct cv_buf b;
	struct cv_jw w;

	WRITE(b, w) {
		cv_jw_num(&w, v, d);
	}
	is_str(cv_buf_str(&b), want, "num %g with %d decimals is %s", v, d, want);
	cv_buf_release(&b);
}

static void test_numbers(void)
{
	struct cv_buf b;
	struct cv_jw w;

	check_int(0, "0");
	check_int(-7, "-7");
	check_int(1234567890123LL, "1234567890123");
	check_int(INT64_MIN, "-9223372036854775808");
	check_int(INT64_MAX, "9223372036854775807");
	check_fixed(-5, 1, "-0.5");
	check_fixed(120, 1, "12");
	check_fixed(12345, 3, "12.345");
	check_fixed(0, 1, "0");
	check_fixed(-5, 7, "-0.0000005");
	check_fixed(23520000, 7, "2.352");
	check_fixed(-1799999999, 7, "-179.9999999");
	check_fixed(INT64_MIN, 0, "-9223372036854775808");
	check_fixed(INT64_MAX, 9, "9223372036.854775807");
	check_fixed(0, 0, "0");
	check_fixed(7, 0, "7");
	check_fixed(-7, 0, "-7");
	check_fixed(-125, 1, "-12.5");
	check_fixed(-120, 1, "-12");
	check_fixed(5, 3, "0.005");
	check_fixed(-5, 3, "-0.005");
	check_fixed(12600, 3, "12.6");
	check_fixed(488566000, 7, "48.8566");
	check_fixed(-1, 7, "-0.0000001");
	check_fixed(-1800000000, 7, "-180");
	check_fixed(INT64_MAX, 0, "9223372036854775807");
	check_fixed(INT64_MIN, 0, "-9223372036854775808");
	check_fixed(INT64_MIN, 3, "-9223372036854775.808");

	check_num(1.25, 1, "1.3");
	check_num(-0.04, 1, "0");
	check_num(2.5, 0, "3");
	check_num(3.14159, 2, "3.14");

	WRITE(b, w) {
		cv_jw_arr(&w);
		cv_jw_num(&w, INFINITY, 2);
		cv_jw_num(&w, NAN, 2);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "[null,null]", "non-finite numbers are null");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_arr(&w);
		cv_jw_int(&w, INT64_MIN);
		cv_jw_int(&w, 0);
		cv_jw_int(&w, -1);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "[-9223372036854775808,0,-1]", "integers");
	cv_buf_release(&b);
}

static void test_time(void)
{
	struct cv_buf b;
	struct cv_jw w;

	WRITE(b, w) {
		cv_jw_obj(&w);
		cv_jw_ktime(&w, "a", 0);
		cv_jw_ktime(&w, "b", 1714552200123LL);
		cv_jw_end(&w);
	}
	is_str(cv_buf_str(&b), "{\"a\":\"1970-01-01T00:00:00Z\",\"b\":\"2024-05-01T08:30:00.123Z\"}", "times");
	cv_buf_release(&b);
}

static void test_errors(void)
{
	struct cv_buf b;
	struct cv_jw w;

	WRITE(b, w) {
		for (int i = 0; i < CV_JW_DEPTH; i++)
			cv_jw_arr(&w);
	}
	is_int(w.err, CV_OK, "CV_JW_DEPTH levels are fine");
	cv_jw_arr(&w);
	is_int(w.err, CV_ETOOBIG, "one more level sets err");
	cv_jw_int(&w, 1);
	for (int i = 0; i < CV_JW_DEPTH; i++)
		cv_jw_end(&w);
	is_int(w.err, CV_ETOOBIG, "the error is sticky");
	cv_buf_release(&b);

	WRITE(b, w) {
		cv_jw_end(&w);
	}
	is_int(w.err, CV_EINVAL, "closing nothing sets err");
	cv_buf_release(&b);

	cv_buf_init(&b, 10);
	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "key", "a long value");
	is_int(w.err, CV_ETOOBIG, "the buffer's ceiling sets err");
	cv_jw_end(&w);
	is_int(w.err, CV_ETOOBIG, "still CV_ETOOBIG after more writes");
	ok(b.len <= 10, "the buffer stays under its ceiling");
	cv_buf_release(&b);
}

int main(void)
{
	test_nesting();
	test_escaping();
	test_numbers();
	test_time();
	test_errors();
	return tap_done();
}

/* unit-jread.c - tests of core/jread: every reader, bounds, absent and unknown members, paths, the first failure. */
#include "jread.h"
#include "tap.h"

#include <string.h>

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	if (!o)
		printf("# test bug: not JSON: %s\n", text);
	return o;
}

/* jr failed with exactly want */
static void failed_with(const struct cv_jread *jr, const char *want, const char *what)
{
	ok(jr->failed, "%s: refused", what);
	is_str(jr->err, want, "%s: the message", what);
}

static void test_int(void)
{
	json_object *o = parse("{\"n\": 5, \"big\": 101, \"d\": 1.5, \"s\": \"5\", \"nul\": null}");
	struct cv_jread jr;
	int64_t v = -1;

	cv_jr_init(&jr, "");
	ok(cv_jr_int(&jr, o, "n", 1, 100, CV_JR_REQUIRED, &v) && v == 5, "an integer in bounds");
	ok(cv_jr_int(&jr, o, "n", 5, 5, CV_JR_REQUIRED, &v), "the bounds are inclusive");
	v = -1;
	ok(!cv_jr_int(&jr, o, "absent", 1, 100, CV_JR_OPTIONAL, &v) && !jr.failed && v == -1,
	   "absent and optional: false, nothing stored, no failure");
	ok(!cv_jr_int(&jr, o, "absent", 1, 100, CV_JR_REQUIRED, &v), "absent and required: false");
	failed_with(&jr, "absent: is required (an integer from 1 to 100)", "absent and required");

	cv_jr_init(&jr, "");
	ok(!cv_jr_int(&jr, o, "big", 1, 100, CV_JR_OPTIONAL, &v), "above max");
	failed_with(&jr, "big: must be an integer from 1 to 100", "above max");
	cv_jr_init(&jr, "");
	cv_jr_int(&jr, o, "n", 6, 100, CV_JR_OPTIONAL, &v);
	failed_with(&jr, "n: must be an integer from 6 to 100", "below min");
	cv_jr_init(&jr, "");
	cv_jr_int(&jr, o, "d", 1, 100, CV_JR_OPTIONAL, &v);
	failed_with(&jr, "d: must be an integer from 1 to 100", "a number with a fraction");
	cv_jr_init(&jr, "");
	cv_jr_int(&jr, o, "s", 1, 100, CV_JR_OPTIONAL, &v);
	failed_with(&jr, "s: must be an integer from 1 to 100", "a string");
	cv_jr_init(&jr, "");
	cv_jr_int(&jr, o, "nul", 1, 100, CV_JR_OPTIONAL, &v);
	failed_with(&jr, "nul: must be an integer from 1 to 100", "null is present, and wrong");
	cv_jr_init(&jr, "");
	cv_jr_int(&jr, o, "n", INT64_MIN, -1, CV_JR_OPTIONAL, &v);
	failed_with(&jr, "n: must be an integer from -9223372036854775808 to -1", "the widest bounds");
	json_object_put(o);
}

static void test_number(void)
{
	json_object *o = parse("{\"lat\": 48.85, \"i\": 3, \"far\": 90.0000001, \"nan\": NaN, \"inf\": 1e400, \"t\": true}");
	struct cv_jread jr;
	double d = 0;

	cv_jr_init(&jr, "p");
	ok(cv_jr_number(&jr, o, "lat", -90, 90, CV_JR_REQUIRED, &d) && d == 48.85, "a number");
	ok(cv_jr_number(&jr, o, "i", 0, 3, CV_JR_REQUIRED, &d) && d == 3, "an integer is a number");
	ok(!jr.failed, "no failure");
	cv_jr_number(&jr, o, "far", -90, 90, CV_JR_OPTIONAL, &d);
	failed_with(&jr, "p.far: must be a number from -90 to 90", "just above max");
	cv_jr_init(&jr, "p");
	cv_jr_number(&jr, o, "nan", -90, 90, CV_JR_OPTIONAL, &d);
	failed_with(&jr, "p.nan: must be a number from -90 to 90", "NaN");
	cv_jr_init(&jr, "p");
	cv_jr_number(&jr, o, "inf", -1e300, 1e300, CV_JR_OPTIONAL, &d);
	failed_with(&jr, "p.inf: must be a number from -1e+300 to 1e+300", "infinite");
	cv_jr_init(&jr, "p");
	cv_jr_number(&jr, o, "t", 0, 0.5, CV_JR_OPTIONAL, &d);
	failed_with(&jr, "p.t: must be a number from 0 to 0.5", "a boolean");
	cv_jr_init(&jr, "p");
	cv_jr_number(&jr, o, "x", 0, 1, CV_JR_REQUIRED, &d);
	failed_with(&jr, "p.x: is required (a number from 0 to 1)", "absent and required");
	json_object_put(o);
}

static void test_bool_string_time(void)
{
	json_object *o = parse("{\"b\": false, \"one\": 1, \"s\": \"abc\", \"e\": \"\", \"at\": \"2024-05-01T08:30:00Z\","
			       " \"bad\": \"2024-05-01T08:30:00\"}");
	struct cv_jread jr;
	const char *s = NULL;
	int64_t t = 0;
	bool b = true;

	cv_jr_init(&jr, "");
	ok(cv_jr_bool(&jr, o, "b", CV_JR_REQUIRED, &b) && !b, "false");
	ok(cv_jr_string(&jr, o, "s", 3, CV_JR_REQUIRED, &s) && !strcmp(s, "abc"), "a string at its ceiling");
	ok(cv_jr_time(&jr, o, "at", CV_JR_REQUIRED, &t) && t == 1714552200000LL, "an RFC 3339 time");
	ok(!jr.failed, "no failure");
	cv_jr_bool(&jr, o, "one", CV_JR_OPTIONAL, &b);
	failed_with(&jr, "one: must be true or false", "1 is not a boolean");
	cv_jr_init(&jr, "");
	cv_jr_bool(&jr, o, "x", CV_JR_REQUIRED, &b);
	failed_with(&jr, "x: is required (true or false)", "a boolean required");
	cv_jr_init(&jr, "");
	cv_jr_string(&jr, o, "s", 2, CV_JR_OPTIONAL, &s);
	failed_with(&jr, "s: must be a string of 1 to 2 bytes", "past the ceiling");
	cv_jr_init(&jr, "");
	cv_jr_string(&jr, o, "e", 2, CV_JR_OPTIONAL, &s);
	failed_with(&jr, "e: must be a string of 1 to 2 bytes", "empty");
	cv_jr_init(&jr, "");
	cv_jr_string(&jr, o, "b", 2, CV_JR_OPTIONAL, &s);
	failed_with(&jr, "b: must be a string of 1 to 2 bytes", "not a string");
	cv_jr_init(&jr, "");
	cv_jr_time(&jr, o, "bad", CV_JR_OPTIONAL, &t);
	failed_with(&jr, "bad: must be an RFC 3339 time such as 2024-05-01T08:30:00Z", "a time without its zone");
	cv_jr_init(&jr, "");
	cv_jr_time(&jr, o, "one", CV_JR_OPTIONAL, &t);
	failed_with(&jr, "one: must be an RFC 3339 time such as 2024-05-01T08:30:00Z", "a number for a time");
	cv_jr_init(&jr, "");
	cv_jr_time(&jr, o, "x", CV_JR_REQUIRED, &t);
	failed_with(&jr, "x: is required (an RFC 3339 time such as 2024-05-01T08:30:00Z)", "a time required");
	json_object_put(o);
}

static void test_enum(void)
{
	static const char *const io[] = { "In", "Out" };
	/* longer than CV_JR_LIST_MAX once listed */
	static const char *const many[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
		"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
		"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		"Known",
	};
	json_object *o = parse("{\"t\": \"Out\", \"lower\": \"out\", \"n\": 1, \"k\": \"Known\", \"u\": \"Other\"}");
	struct cv_jread jr;
	int k = -1;

	cv_jr_init(&jr, "zone");
	ok(cv_jr_enum(&jr, o, "t", io, 2, CV_JR_REQUIRED, &k) && k == 1, "a name: its index");
	ok(cv_jr_enum(&jr, o, "k", many, CV_ARRAY_LEN(many), CV_JR_REQUIRED, &k) && k == 6, "in a long list");
	ok(!jr.failed, "no failure");
	cv_jr_enum(&jr, o, "lower", io, 2, CV_JR_OPTIONAL, &k);
	failed_with(&jr, "zone.lower: must be one of In, Out", "names are compared with their case");
	cv_jr_init(&jr, "zone");
	cv_jr_enum(&jr, o, "n", io, 2, CV_JR_OPTIONAL, &k);
	failed_with(&jr, "zone.n: must be one of In, Out", "a number");
	cv_jr_init(&jr, "zone");
	cv_jr_enum(&jr, o, "x", io, 2, CV_JR_REQUIRED, &k);
	failed_with(&jr, "zone.x: is required (one of In, Out)", "required");
	cv_jr_init(&jr, "zone");
	cv_jr_enum(&jr, o, "u", many, CV_ARRAY_LEN(many), CV_JR_OPTIONAL, &k);
	failed_with(&jr, "zone.u: unknown value \"Other\"", "a long list is not spelt out");
	cv_jr_init(&jr, "zone");
	cv_jr_enum(&jr, o, "n", many, CV_ARRAY_LEN(many), CV_JR_OPTIONAL, &k);
	failed_with(&jr, "zone.n: must be a string", "a long list, and not a string");
	cv_jr_init(&jr, "zone");
	cv_jr_enum(&jr, o, "x", many, CV_ARRAY_LEN(many), CV_JR_REQUIRED, &k);
	failed_with(&jr, "zone.x: is required", "a long list, required");
	json_object_put(o);
}

static void test_object_array(void)
{
	static const char *const names[] = { "a", "b", NULL };
	json_object *o = parse("{\"a\": {\"b\": 1}, \"b\": [1, 2, 3], \"c\": 5}");
	json_object *x;
	struct cv_jread jr;
	size_t n = 99;

	cv_jr_init(&jr, "");
	ok(!cv_jr_object(&jr, o, NULL, names, CV_JR_REQUIRED), "an unknown member refuses the object");
	failed_with(&jr, "c: unknown field", "an unknown member at the top");
	cv_jr_init(&jr, "");
	ok(cv_jr_object(&jr, o, NULL, NULL, CV_JR_REQUIRED) == o, "no list: any member");
	x = cv_jr_object(&jr, o, "a", (const char *const[]){ "b", NULL }, CV_JR_REQUIRED);
	ok(x && cv_jr_has(x, "b"), "a member object");
	ok(!cv_jr_object(&jr, o, "none", names, CV_JR_OPTIONAL) && !jr.failed, "absent and optional");
	cv_jr_object(&jr, o, "a", (const char *const[]){ "z", NULL }, CV_JR_REQUIRED);
	failed_with(&jr, "a.b: unknown field", "an unknown member is named under its object");
	cv_jr_init(&jr, "x");
	cv_jr_object(&jr, o, "b", NULL, CV_JR_OPTIONAL);
	failed_with(&jr, "x.b: must be an object", "an array for an object");
	cv_jr_init(&jr, "");
	cv_jr_object(&jr, o, "none", NULL, CV_JR_REQUIRED);
	failed_with(&jr, "none: is required (an object)", "an object required");
	cv_jr_init(&jr, "");
	x = parse("[1]");
	cv_jr_object(&jr, x, NULL, names, CV_JR_REQUIRED);
	failed_with(&jr, "the body: must be an object", "the body itself");
	json_object_put(x);

	cv_jr_init(&jr, "");
	ok(cv_jr_array(&jr, o, "b", 1, 3, CV_JR_REQUIRED, &n) && n == 3, "an array of 3, at its ceiling");
	cv_jr_array(&jr, o, "b", 1, 2, CV_JR_REQUIRED, &n);
	failed_with(&jr, "b: must be an array of 1 to 2 items", "too long");
	ok(n == 0, "no length on failure");
	cv_jr_init(&jr, "");
	cv_jr_array(&jr, o, "b", 4, 8, CV_JR_REQUIRED, &n);
	failed_with(&jr, "b: must be an array of 4 to 8 items", "too short");
	cv_jr_init(&jr, "");
	cv_jr_array(&jr, o, "a", 0, 8, CV_JR_REQUIRED, &n);
	failed_with(&jr, "a: must be an array of at most 8 items", "an object for an array");
	cv_jr_init(&jr, "");
	cv_jr_array(&jr, o, "none", 1, 1, CV_JR_REQUIRED, &n);
	failed_with(&jr, "none: is required (an array of 1 item)", "required, one item");

	cv_jr_init(&jr, "");
	ok(cv_jr_known(&jr, o, names) == false, "known: c is not");
	failed_with(&jr, "c: unknown field", "known");
	json_object_put(o);
}

/* Paths: members and items, nested, and what leaving restores. */
static void test_paths(void)
{
	static const char *const ops[] = { "equalsTo", "onChange" };
	json_object *o = parse("{\"triggerParam\": {\"triggers\": [{\"data\": {\"op\": \"x\"}}, {\"data\": {\"op\": \"y\"}}]}}");
	json_object *tp, *trs, *t;
	struct cv_jread jr;
	size_t n;
	int k;

	cv_jr_init(&jr, "");
	tp = cv_jr_object(&jr, o, "triggerParam", NULL, CV_JR_REQUIRED);
	cv_jr_enter(&jr, "triggerParam");
	trs = cv_jr_array(&jr, tp, "triggers", 1, 5, CV_JR_REQUIRED, &n);
	cv_jr_enter(&jr, "triggers");
	is_str(jr.path, "triggerParam.triggers", "members join with a dot");
	cv_jr_enter_item(&jr, 1);
	t = cv_jr_object(&jr, json_object_array_get_idx(trs, 1), "data", NULL, CV_JR_REQUIRED);
	cv_jr_enter(&jr, "data");
	is_str(jr.path, "triggerParam.triggers[1].data", "items in brackets");
	cv_jr_enum(&jr, t, "op", ops, 2, CV_JR_REQUIRED, &k);
	cv_jr_leave(&jr);
	cv_jr_leave(&jr);
	is_str(jr.path, "triggerParam.triggers", "leaving restores the path");
	cv_jr_leave(&jr);
	cv_jr_leave(&jr);
	is_str(jr.path, "", "back at the top");
	cv_jr_leave(&jr);
	is_str(jr.path, "", "one leave too many is harmless");
	failed_with(&jr, "triggerParam.triggers[1].data.op: must be one of equalsTo, onChange", "a nested member");

	/* the first failure wins: later reads are no-ops */
	k = 7;
	ok(!cv_jr_enum(&jr, t, "op", (const char *const[]){ "y" }, 1, CV_JR_REQUIRED, &k) && k == 7,
	   "a read after a failure is a no-op, even one that would succeed");
	ok(!cv_jr_fail(&jr, NULL, "another"), "cv_jr_fail returns false");
	is_str(jr.err, "triggerParam.triggers[1].data.op: must be one of equalsTo, onChange", "the first failure is kept");

	/* cv_jr_fail: at the path, or at a member of it */
	cv_jr_init(&jr, "samples[0]");
	cv_jr_fail(&jr, NULL, "holds no data besides its time");
	is_str(jr.err, "samples[0]: holds no data besides its time", "a failure of the value itself");
	cv_jr_init(&jr, "samples[0]");
	cv_jr_fail(&jr, "at", "is more than %d minutes in the future", 5);
	is_str(jr.err, "samples[0].at: is more than 5 minutes in the future", "a failure of a member, formatted");
	cv_jr_init(&jr, "");
	cv_jr_fail(&jr, "label", "x");
	is_str(jr.err, "label: x", "a member of the top has its name alone");
	json_object_put(o);
}

/* A path past its buffer is cut; the reason never is; deep nesting unwinds. */
static void test_long(void)
{
	char root[400];
	struct cv_jread jr;
	json_object *o = parse("{\"lat\": 100}");
	double d;

	memset(root, 'p', sizeof(root) - 1);
	root[sizeof(root) - 1] = '\0';
	cv_jr_init(&jr, root);
	is_int(jr.len, CV_JR_PATH_MAX - 1, "a long root is cut to the buffer");
	cv_jr_enter(&jr, "position");
	is_int(jr.len, CV_JR_PATH_MAX - 1, "a member past the buffer adds nothing");
	cv_jr_number(&jr, o, "lat", -90, 90, CV_JR_OPTIONAL, &d);
	ok(jr.failed && strstr(jr.err, ": must be a number from -90 to 90") != NULL, "the reason is kept: %s",
	   jr.err + CV_JR_PATH_MAX - 8);
	cv_jr_leave(&jr);
	is_int(jr.len, CV_JR_PATH_MAX - 1, "leaving restores the cut root");

	cv_jr_init(&jr, "");
	for (int i = 0; i < CV_JR_DEPTH; i++)
		cv_jr_enter(&jr, "a");
	is_int(jr.len, 2 * CV_JR_DEPTH - 1, "nested CV_JR_DEPTH deep");
	cv_jr_enter(&jr, "b");
	cv_jr_enter_item(&jr, 3);
	is_int(jr.len, 2 * CV_JR_DEPTH - 1, "deeper: the path stops growing");
	cv_jr_leave(&jr);
	cv_jr_leave(&jr);
	cv_jr_leave(&jr);
	is_int(jr.len, 2 * CV_JR_DEPTH - 3, "and every leave still pairs with its enter");
	for (int i = 1; i < CV_JR_DEPTH; i++)
		cv_jr_leave(&jr);
	is_str(jr.path, "", "back at the top");
	cv_jr_init(&jr, "samples");
	cv_jr_enter_item(&jr, 0);
	is_str(jr.path, "samples[0]", "item 0");
	cv_jr_leave(&jr);
	cv_jr_enter_item(&jr, 1234567);
	is_str(jr.path, "samples[1234567]", "item 1234567");
	json_object_put(o);
}

static void test_names(void)
{
	static const char *const days[] = { "Mon", "Tue", "Wed" };
	json_object *o = parse("{\"d\": [\"Wed\", \"Mon\"], \"twice\": [\"Mon\", \"Tue\", \"Mon\"], \"bad\": [\"Mon\", 3],"
			       " \"empty\": [], \"s\": \"Mon\"}");
	struct cv_jread jr;
	uint32_t m = 0;

	cv_jr_init(&jr, "occurence");
	ok(cv_jr_names(&jr, o, "d", days, 3, 1, 3, CV_JR_REQUIRED, &m) && m == 5, "names into a mask");
	ok(cv_jr_names(&jr, o, "twice", days, 3, 1, 3, CV_JR_OPTIONAL, &m) && m == 3, "a name twice, allowed");
	ok(!jr.failed, "no failure");
	m = 99;
	ok(!cv_jr_names(&jr, o, "none", days, 3, 1, 3, CV_JR_OPTIONAL, &m) && m == 99 && !jr.failed, "absent");
	cv_jr_names(&jr, o, "twice", days, 3, 1, 3, CV_JR_UNIQUE, &m);
	failed_with(&jr, "occurence.twice[2]: Mon is given twice", "a name twice, refused");
	cv_jr_init(&jr, "occurence");
	cv_jr_names(&jr, o, "bad", days, 3, 1, 3, CV_JR_OPTIONAL, &m);
	failed_with(&jr, "occurence.bad[1]: must be one of Mon, Tue, Wed", "an item is named by its index");
	cv_jr_init(&jr, "occurence");
	cv_jr_names(&jr, o, "empty", days, 3, 1, 3, CV_JR_OPTIONAL, &m);
	failed_with(&jr, "occurence.empty: must be an array of 1 to 3 items", "too few");
	cv_jr_init(&jr, "occurence");
	cv_jr_names(&jr, o, "s", days, 3, 1, 3, CV_JR_OPTIONAL, &m);
	failed_with(&jr, "occurence.s: must be an array of 1 to 3 items", "a name alone is not a list");
	is_str(jr.path, "occurence", "the path is back where it was");
	json_object_put(o);
}

static void test_duration(void)
{
	json_object *o = parse("{\"d\": \"PT8H30M\", \"frac\": \"PT1.5S\", \"mon\": \"P1M\", \"long\": \"PT25H\", \"n\": 5}");
	struct cv_jread jr;
	int64_t ms = 0;

	cv_jr_init(&jr, "");
	ok(cv_jr_duration(&jr, o, "d", 0, 86399999, "a time", CV_JR_REQUIRED, &ms) && ms == 30600000, "PT8H30M");
	ok(cv_jr_duration(&jr, o, "frac", 0, 86399999, "a time", CV_JR_OPTIONAL, &ms) && ms == 1500, "a fraction of a second");
	ok(!jr.failed, "no failure");
	cv_jr_duration(&jr, o, "frac", 0, 86399999, "a time in whole seconds", CV_JR_WHOLE_S, &ms);
	failed_with(&jr, "frac: must be a time in whole seconds", "whole seconds only");
	cv_jr_init(&jr, "");
	cv_jr_duration(&jr, o, "mon", 0, 86399999, "a time", CV_JR_OPTIONAL, &ms);
	failed_with(&jr, "mon: must be a time", "months are not a length of time");
	cv_jr_init(&jr, "");
	cv_jr_duration(&jr, o, "long", 0, 86399999, "a time", CV_JR_OPTIONAL, &ms);
	failed_with(&jr, "long: must be a time", "past max");
	cv_jr_init(&jr, "");
	cv_jr_duration(&jr, o, "n", 0, 86399999, "a time", CV_JR_OPTIONAL, &ms);
	failed_with(&jr, "n: must be a time", "a number");
	cv_jr_init(&jr, "");
	cv_jr_duration(&jr, o, "x", 1000, 2000, "a time", CV_JR_REQUIRED, &ms);
	failed_with(&jr, "x: is required (a time)", "required");
	json_object_put(o);
}

static void test_name_index(void)
{
	static const char *const names[] = { "Mon", "Tue", "Wed" };

	is_int(cv_name_index("Tue", names, 3), 1, "cv_name_index: found");
	is_int(cv_name_index("tue", names, 3), -1, "cv_name_index: case counts");
	is_int(cv_name_index("Wed", names, 2), -1, "cv_name_index: only the first n");
}

int main(void)
{
	test_int();
	test_number();
	test_bool_string_time();
	test_enum();
	test_object_array();
	test_paths();
	test_long();
	test_names();
	test_duration();
	test_name_index();
	return tap_done();
}

/* jread.c - reading a JSON body, member by member (see jread.h). */
#include "jread.h"
#include "cvtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TIME_EXPECTED "an RFC 3339 time such as 2024-05-01T08:30:00Z"

void cv_jr_init(struct cv_jread *jr, const char *root)
{
	jr->failed = false;
	jr->err[0] = '\0';
	jr->depth = 0;
	/* a root too long is cut, as any path */
	cv_strlcpy(jr->path, root, sizeof(jr->path));
	jr->len = strlen(jr->path);
}

/* path += s, as much as fits */
static void path_add(struct cv_jread *jr, const char *s)
{
	size_t n = strlen(s), room = sizeof(jr->path) - 1 - jr->len;

	if (n > room)
		n = room;
	memcpy(jr->path + jr->len, s, n);
	jr->len += n;
	jr->path[jr->len] = '\0';
}

/* Note where the path stands before an enter: false when nested too deep to be told (the path then stays). */
static bool mark(struct cv_jread *jr)
{
	if (jr->depth >= CV_JR_DEPTH) {
		jr->depth++;
		return false;
	}
	jr->marks[jr->depth++] = jr->len;
	return true;
}

void cv_jr_enter(struct cv_jread *jr, const char *name)
{
	if (!mark(jr))
		return;
	if (jr->len)
		path_add(jr, ".");
	path_add(jr, name);
}

void cv_jr_enter_item(struct cv_jread *jr, size_t i)
{
	char s[24], *p = s + sizeof(s);

	if (!mark(jr))
		return;
	/* "[i]" without snprintf: an upload enters 1000 samples */
	*--p = '\0';
	*--p = ']';
	do {
		*--p = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	*--p = '[';
	path_add(jr, p);
}

void cv_jr_leave(struct cv_jread *jr)
{
	if (!jr->depth)
		return;
	if (--jr->depth < CV_JR_DEPTH) {
		jr->len = jr->marks[jr->depth];
		jr->path[jr->len] = '\0';
	}
}

/* "PATH.name: " + the reason, once: the first failure is the one told */
static void failv(struct cv_jread *jr, const char *name, const char *fmt, va_list ap)
{
	size_t n;
	int k;

	if (jr->failed)
		return;
	jr->failed = true;
	if (name)
		k = snprintf(jr->err, sizeof(jr->err), "%s%s%.40s: ", jr->path, jr->len ? "." : "", name);
	else
		k = snprintf(jr->err, sizeof(jr->err), "%s: ", jr->len ? jr->path : "the body");
	n = k < 0 ? 0 : CV_MIN((size_t)k, sizeof(jr->err) - 1);
	vsnprintf(jr->err + n, sizeof(jr->err) - n, fmt, ap);
}

bool cv_jr_fail(struct cv_jread *jr, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failv(jr, name, fmt, ap);
	va_end(ap);
	return false;
}

bool cv_jr_has(json_object *o, const char *name)
{
	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, name, NULL);
}

/* o's member name, or o itself (name NULL), into *v; false when absent, or after a failure. */
static bool lookup(struct cv_jread *jr, json_object *o, const char *name, json_object **v)
{
	*v = NULL;
	if (jr->failed)
		return false;
	if (!name) {
		*v = o;
		return true;
	}
	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, name, v);
}

/* true when a read that found nothing good has nothing to tell: a failure before, or absent and optional. */
static bool quiet(const struct cv_jread *jr, bool present, int flags)
{
	return jr->failed || (!present && !(flags & CV_JR_REQUIRED));
}

/* The failure of a read, once its expectation is spelt out: false. */
static bool wrong(struct cv_jread *jr, const char *name, bool present, const char *expected)
{
	return present ? cv_jr_fail(jr, name, "must be %s", expected) : cv_jr_fail(jr, name, "is required (%s)", expected);
}

/* The first member of object o not in allowed (NULL-terminated), or NULL. */
static const char *unknown_member(json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return key;
	}
	return NULL;
}

bool cv_jr_known(struct cv_jread *jr, json_object *o, const char *const *allowed)
{
	const char *other;

	if (jr->failed)
		return false;
	if (!allowed || !json_object_is_type(o, json_type_object))
		return true;
	other = unknown_member(o, allowed);
	return other ? cv_jr_fail(jr, other, "unknown field") : true;
}

json_object *cv_jr_object(struct cv_jread *jr, json_object *o, const char *name, const char *const *allowed,
			  int flags)
{
	json_object *v;
	const char *other;
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_object)) {
		other = allowed ? unknown_member(v, allowed) : NULL;
		if (!other)
			return v;
		if (name)
			cv_jr_enter(jr, name);
		cv_jr_fail(jr, other, "unknown field");
		if (name)
			cv_jr_leave(jr);
		return NULL;
	}
	if (!quiet(jr, present, flags))
		wrong(jr, name, present, "an object");
	return NULL;
}

json_object *cv_jr_array(struct cv_jread *jr, json_object *o, const char *name, size_t min, size_t max, int flags,
			 size_t *n)
{
	json_object *v;
	char expected[64];
	bool present = lookup(jr, o, name, &v);

	*n = 0;
	if (present && json_object_is_type(v, json_type_array) && json_object_array_length(v) >= min &&
	    json_object_array_length(v) <= max) {
		*n = json_object_array_length(v);
		return v;
	}
	if (quiet(jr, present, flags))
		return NULL;
	if (min == max)
		snprintf(expected, sizeof(expected), "an array of %zu item%s", max, max == 1 ? "" : "s");
	else if (!min)
		snprintf(expected, sizeof(expected), "an array of at most %zu items", max);
	else
		snprintf(expected, sizeof(expected), "an array of %zu to %zu items", min, max);
	wrong(jr, name, present, expected);
	return NULL;
}

bool cv_jr_int(struct cv_jread *jr, json_object *o, const char *name, int64_t min, int64_t max, int flags,
	       int64_t *out)
{
	json_object *v;
	char expected[80];
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);

		if (x >= min && x <= max) {
			*out = x;
			return true;
		}
	}
	if (quiet(jr, present, flags))
		return false;
	snprintf(expected, sizeof(expected), "an integer from %lld to %lld", (long long)min, (long long)max);
	return wrong(jr, name, present, expected);
}

bool cv_jr_number(struct cv_jread *jr, json_object *o, const char *name, double min, double max, int flags,
		  double *out)
{
	json_object *v;
	char expected[80];
	bool present = lookup(jr, o, name, &v);

	if (present && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
		double d = json_object_get_double(v);

		if (isfinite(d) && d >= min && d <= max) {
			*out = d;
			return true;
		}
	}
	if (quiet(jr, present, flags))
		return false;
	snprintf(expected, sizeof(expected), "a number from %.10g to %.10g", min, max);
	return wrong(jr, name, present, expected);
}

bool cv_jr_bool(struct cv_jread *jr, json_object *o, const char *name, int flags, bool *out)
{
	json_object *v;
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
		return true;
	}
	return quiet(jr, present, flags) ? false : wrong(jr, name, present, "true or false");
}

bool cv_jr_string(struct cv_jread *jr, json_object *o, const char *name, size_t max_len, int flags,
		  const char **out)
{
	json_object *v;
	char expected[48];
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) >= 1 &&
	    (size_t)json_object_get_string_len(v) <= max_len) {
		*out = json_object_get_string(v);
		return true;
	}
	if (quiet(jr, present, flags))
		return false;
	snprintf(expected, sizeof(expected), "a string of 1 to %zu bytes", max_len);
	return wrong(jr, name, present, expected);
}

/* "one of A, B, C" into s (size bytes), or "" when it does not fit */
static void names_expected(char *s, size_t size, const char *const *names, size_t n)
{
	size_t at = 0;

	for (size_t i = 0; i < n && at < size; i++) {
		int k = snprintf(s + at, size - at, "%s%s", i ? ", " : "one of ", names[i]);

		at = k < 0 ? size : at + (size_t)k;
	}
	if (!n || at >= size)
		s[0] = '\0';
}

bool cv_jr_enum(struct cv_jread *jr, json_object *o, const char *name, const char *const *names, size_t n,
		int flags, int *out)
{
	json_object *v;
	char expected[CV_JR_LIST_MAX + 1];
	bool present = lookup(jr, o, name, &v);
	const char *s = present && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

	for (size_t i = 0; s && i < n; i++) {
		if (!strcmp(names[i], s)) {
			*out = (int)i;
			return true;
		}
	}
	if (quiet(jr, present, flags))
		return false;
	names_expected(expected, sizeof(expected), names, n);
	if (expected[0])
		return wrong(jr, name, present, expected);
	if (!present)
		return cv_jr_fail(jr, name, "is required");
	return s ? cv_jr_fail(jr, name, "unknown value \"%.40s\"", s) : cv_jr_fail(jr, name, "must be a string");
}

bool cv_jr_names(struct cv_jread *jr, json_object *o, const char *name, const char *const *names, size_t n,
		 size_t min, size_t max, int flags, uint32_t *mask)
{
	size_t len;
	json_object *a = cv_jr_array(jr, o, name, min, max, flags, &len);
	uint32_t m = 0;
	int k;

	if (!a)
		return false;
	if (name)
		cv_jr_enter(jr, name);
	for (size_t i = 0; i < len && !jr->failed; i++) {
		cv_jr_enter_item(jr, i);
		if (cv_jr_enum(jr, json_object_array_get_idx(a, i), NULL, names, n, CV_JR_REQUIRED, &k)) {
			if ((flags & CV_JR_UNIQUE) && (m & (1u << k)))
				cv_jr_fail(jr, NULL, "%s is given twice", names[k]);
			m |= 1u << k;
		}
		cv_jr_leave(jr);
	}
	if (name)
		cv_jr_leave(jr);
	if (jr->failed)
		return false;
	*mask = m;
	return true;
}

bool cv_jr_time(struct cv_jread *jr, json_object *o, const char *name, int flags, int64_t *out)
{
	json_object *v;
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_string) && !cv_time_parse(json_object_get_string(v), out))
		return true;
	return quiet(jr, present, flags) ? false : wrong(jr, name, present, TIME_EXPECTED);
}

bool cv_jr_duration(struct cv_jread *jr, json_object *o, const char *name, int64_t min_ms, int64_t max_ms,
		    const char *expected, int flags, int64_t *out)
{
	json_object *v;
	struct cv_duration d;
	bool present = lookup(jr, o, name, &v);

	if (present && json_object_is_type(v, json_type_string) && !cv_duration_parse(json_object_get_string(v), &d) &&
	    !d.months && d.ms >= min_ms && d.ms <= max_ms && (!(flags & CV_JR_WHOLE_S) || d.ms % 1000 == 0)) {
		*out = d.ms;
		return true;
	}
	return quiet(jr, present, flags) ? false : wrong(jr, name, present, expected);
}

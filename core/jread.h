/*
 * jread.h - reading a JSON body: members checked one by one into a
 * struct, every failure naming its member the same way.
 *
 * json-c parses; a reader walks the tree it built. A struct cv_jread
 * carries the path of the value being read ("triggerParam.triggers[1]")
 * and the first failure. Each reader takes an object and a member's name
 * (NULL: the value o itself, at the path: an array's item, a body),
 * checks the value, stores it and returns true when it was there and
 * good; absent, it returns false, a failure when flags holds
 * CV_JR_REQUIRED. Once a read failed every later one is a no-op that
 * returns false: a reader goes on without testing each step, and its
 * caller looks at jr->failed once. The first failure is the one told.
 *
 * A failure reads "PATH: REASON", PATH the member's path from the top of
 * the body (a member of the top: its name alone; the top itself: "the
 * body"):
 *
 *   absent, and required       PATH: is required (EXPECTED)
 *   present, and wrong         PATH: must be EXPECTED
 *   a member not in the list   PATH.NAME: unknown field
 *   a name not in a long list  PATH: unknown value "VALUE"
 *
 * EXPECTED is the reader's: "an object", "an array of 1 to 5 items", "an
 * integer from 1 to 100", "a number from -90 to 90", "true or false", "a
 * string of 1 to 64 bytes", "one of In, Out" (a list longer than
 * CV_JR_LIST_MAX characters is not spelt out), "an RFC 3339 time such as
 * 2024-05-01T08:30:00Z". A rule of the caller's (two members that exclude
 * each other, a name given twice...) fails with cv_jr_fail(), in the same
 * form.
 *
 * A path longer than CV_JR_PATH_MAX - 1 is cut, and one nested deeper
 * than CV_JR_DEPTH stops growing; the reason is never cut.
 * Nothing is allocated; the strings read point into the json-c tree.
 */
#ifndef CV_JREAD_H
#define CV_JREAD_H

#include "cv.h"

#include <json-c/json.h>

#define CV_JR_PATH_MAX 160
#define CV_JR_DEPTH 16
#define CV_JR_ERR_MAX 400
#define CV_JR_LIST_MAX 240

/* flags of a read */
#define CV_JR_OPTIONAL 0
#define CV_JR_REQUIRED 1
#define CV_JR_WHOLE_S 2         /* cv_jr_duration: whole seconds */
#define CV_JR_UNIQUE 4          /* cv_jr_names: no name twice */

struct cv_jread {
	bool failed;
	char err[CV_JR_ERR_MAX];            /* the first failure, "PATH: REASON" ("" until then) */
	char path[CV_JR_PATH_MAX];          /* the value being read */
	size_t len;                         /* strlen(path) */
	size_t depth;
	size_t marks[CV_JR_DEPTH];          /* len before each cv_jr_enter */
};

/* Start reading at root: "" for a body, or where the value sits ("triggerParam"). */
void cv_jr_init(struct cv_jread *jr, const char *root);

/* Read inside member name ("PATH.name") or item i ("PATH[i]") until cv_jr_leave(). */
void cv_jr_enter(struct cv_jread *jr, const char *name);
void cv_jr_enter_item(struct cv_jread *jr, size_t i);
void cv_jr_leave(struct cv_jread *jr);

/* Fail at PATH.name (name NULL: PATH) with a reason of the caller's; returns false. */
bool cv_jr_fail(struct cv_jread *jr, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* true if object o has member name (null included). */
bool cv_jr_has(json_object *o, const char *name);

/*
 * An object whose members are all in allowed (NULL-terminated; NULL
 * allows any): the object, or NULL when absent or wrong.
 */
json_object *cv_jr_object(struct cv_jread *jr, json_object *o, const char *name, const char *const *allowed,
			  int flags);
/* The members of object o (already checked to be one) are all in allowed; false (failed) otherwise. */
bool cv_jr_known(struct cv_jread *jr, json_object *o, const char *const *allowed);
/* An array of min to max items: the array (its length in *n), or NULL when absent or wrong. */
json_object *cv_jr_array(struct cv_jread *jr, json_object *o, const char *name, size_t min, size_t max, int flags,
			 size_t *n);
/* A JSON integer from min to max. */
bool cv_jr_int(struct cv_jread *jr, json_object *o, const char *name, int64_t min, int64_t max, int flags,
	       int64_t *out);
/* A JSON number (integer or not), finite, from min to max. */
bool cv_jr_number(struct cv_jread *jr, json_object *o, const char *name, double min, double max, int flags,
		  double *out);
bool cv_jr_bool(struct cv_jread *jr, json_object *o, const char *name, int flags, bool *out);
/* A string of 1 to max_len bytes. */
bool cv_jr_string(struct cv_jread *jr, json_object *o, const char *name, size_t max_len, int flags,
		  const char **out);
/* A string among names[0..n): its index. */
bool cv_jr_enum(struct cv_jread *jr, json_object *o, const char *name, const char *const *names, size_t n,
		int flags, int *out);
/*
 * An array of min to max names among names[0..n) (n at most 32): their
 * mask, bit i for names[i]. An item is named by its index ("day[2]"); with
 * CV_JR_UNIQUE a name given twice fails.
 */
bool cv_jr_names(struct cv_jread *jr, json_object *o, const char *name, const char *const *names, size_t n,
		 size_t min, size_t max, int flags, uint32_t *mask);
/* An RFC 3339 time (core/cvtime.h): ms since the epoch. */
bool cv_jr_time(struct cv_jread *jr, json_object *o, const char *name, int flags, int64_t *out);
/*
 * An ISO 8601 duration of weeks, days, hours, minutes and seconds (no
 * years or months: core/cvtime.h) from min_ms to max_ms, in whole seconds
 * with CV_JR_WHOLE_S: its ms. A duration means what its caller says:
 * `expected` tells it ("a time of day as a duration from midnight").
 */
bool cv_jr_duration(struct cv_jread *jr, json_object *o, const char *name, int64_t min_ms, int64_t max_ms,
		    const char *expected, int flags, int64_t *out);

#endif

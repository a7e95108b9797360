/*
 * jw.h - a streaming JSON writer over a cv_buf.
 *
 * json-c parses every input in cvapi; output goes through this writer
 * instead, because responses are written straight into the reply buffer
 * (no tree of objects built and then serialised) and pre-rendered
 * fragments from the store are spliced in as they are (cv_jw_raw).
 *
 *   struct cv_jw w; cv_jw_init(&w, &buf);
 *   cv_jw_obj(&w);  cv_jw_key(&w, "a"); cv_jw_int(&w, 1);  cv_jw_end(&w);
 *
 * The writer places commas itself; keys are emitted as given (escaped).
 * Nesting is bounded by CV_JW_DEPTH. Strings are escaped per RFC 8259 and
 * '/' is not escaped. Errors (ceiling of the buffer reached, nesting too
 * deep) are sticky: check w.err once at the end.
 */
#ifndef CV_JW_H
#define CV_JW_H

#include "buf.h"

#define CV_JW_DEPTH 32

struct cv_jw {
	struct cv_buf *b;
	enum cv_err err;
	int depth;
	bool need_comma[CV_JW_DEPTH];
	char closer[CV_JW_DEPTH];
	bool after_key;
};

void cv_jw_init(struct cv_jw *w, struct cv_buf *b);
void cv_jw_obj(struct cv_jw *w);
void cv_jw_arr(struct cv_jw *w);
void cv_jw_end(struct cv_jw *w);
void cv_jw_key(struct cv_jw *w, const char *key);
void cv_jw_str(struct cv_jw *w, const char *s);
void cv_jw_strn(struct cv_jw *w, const char *s, size_t n);
void cv_jw_int(struct cv_jw *w, int64_t v);
/* A number with at most `decimals` digits after the point, trailing zeros cut. */
void cv_jw_num(struct cv_jw *w, double v, int decimals);
/* A fixed-point value: v / 10^decimals, exact. */
void cv_jw_fixed(struct cv_jw *w, int64_t v, int decimals);
void cv_jw_bool(struct cv_jw *w, bool v);
void cv_jw_null(struct cv_jw *w);
/* An RFC 3339 UTC time from milliseconds since the epoch. */
void cv_jw_time(struct cv_jw *w, int64_t ms);
/* Already valid JSON (a value, or with raw_members a list of members). */
void cv_jw_raw(struct cv_jw *w, const char *json, size_t n);
/* Members "k":v,... to splice into the current object; n may be 0. */
void cv_jw_raw_members(struct cv_jw *w, const char *json, size_t n);

/* Shorthands: key then value. */
void cv_jw_kstr(struct cv_jw *w, const char *key, const char *s);
void cv_jw_kint(struct cv_jw *w, const char *key, int64_t v);
void cv_jw_kfixed(struct cv_jw *w, const char *key, int64_t v, int decimals);
void cv_jw_kbool(struct cv_jw *w, const char *key, bool v);
void cv_jw_ktime(struct cv_jw *w, const char *key, int64_t ms);

/* Append s escaped as a JSON string (with quotes) to b. */
enum cv_err cv_json_escape(struct cv_buf *b, const char *s, size_t n);

#endif

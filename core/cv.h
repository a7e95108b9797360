/*
 * cv.h - what every cvapi module shares: the error enum, allocation
 * helpers and a few macros.
 *
 * Errors: functions that can fail return an `enum cv_err` (0 = CV_OK) or, in
 * the request layer, an HTTP status (0 = fine). cv_strerror() never returns
 * NULL.
 *
 * Out of memory: cv_malloc(), cv_calloc(), cv_realloc() and cv_strdup()
 * never return NULL; they print one line and abort. A FastCGI program that
 * aborts is restarted by its web server and the store stays consistent
 * (every write is a transaction), so there is no recovery path to test for
 * a condition that Linux's overcommit makes nearly unobservable anyway.
 */
#ifndef CV_CV_H
#define CV_CV_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum cv_err {
	CV_OK = 0,
	CV_EINVAL,      /* bad argument or malformed input */
	CV_ETOOBIG,     /* a bounded buffer or list would exceed its ceiling */
	CV_ENOTFOUND,   /* no such record (DB_NOTFOUND) */
	CV_EEXIST,      /* the record already exists (DB_KEYEXIST) */
	CV_EDEADLOCK,   /* transaction lost a deadlock: retry it */
	CV_EPANIC,      /* the store needs recovery (DB_RUNRECOVERY): exit */
	CV_EIO,         /* any other failure of the store or the system */
	CV_EAUTH,       /* bad credentials */
	CV_EFORBIDDEN,  /* authenticated but not allowed */
	CV_EQUOTA,      /* over an owner's quota (db/quotas.h) */
	CV_EBUSY,       /* another process holds what this needs, for too long: try again later */
	CV_EREPLICA,    /* this site is not its group's master: writes go to the master (db/repl.h) */
	CV_ESTALE,      /* the store's handles went stale (a replica resynchronized): reopen */
	CV_ERR_COUNT
};

/* A static description of err; never NULL. */
const char *cv_strerror(enum cv_err err);

void *cv_malloc(size_t n);
void *cv_calloc(size_t nmemb, size_t size);
void *cv_realloc(void *p, size_t n);
char *cv_strdup(const char *s);
char *cv_strndup(const char *s, size_t n);

/* Print "cvapi: fatal: ..." on stderr and abort(). */
void cv_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copy src into dst of size dstsz, always NUL-terminated. Returns CV_OK, or
 * CV_ETOOBIG when src did not fit (dst then holds a truncated copy).
 */
enum cv_err cv_strlcpy(char *dst, const char *src, size_t dstsz);

/* Constant-time comparison of two byte strings of length n; true if equal. */
bool cv_memeq_ct(const void *a, const void *b, size_t n);

/* FNV-1a, 64 bits, of p[0..n): for hash tables, not against an adversary. */
uint64_t cv_hash64(const void *p, size_t n);

/*
 * Parse a whole decimal integer in [min, max]; leading/trailing garbage,
 * empty strings and overflow are CV_EINVAL.
 */
enum cv_err cv_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/*
 * true if s is 1 to max characters, each an ASCII letter, a digit or one of
 * the characters of extra (ids, logins, message ids, host names...).
 */
bool cv_chars_ok(const char *s, size_t max, const char *extra);
/* true if the n bytes at s are a VIN: 17 digits and capitals but I, O, Q (ISO 3779). */
bool cv_vin_ok(const char *s, size_t n);

/* The index of name in names[0..n), or -1 (an enum's name, a list's item). */
int cv_name_index(const char *name, const char *const *names, size_t n);

#define CV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CV_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * The exit status of a FastCGI program that found the store in need of
 * recovery (EX_TEMPFAIL): nothing is wrong with the program, and the
 * opener that replaces it recovers the store. cvapi-spawn restarts it at
 * once, without the delay it gives programs that keep dying young.
 */
#define CV_EXIT_RECOVER 75

#endif

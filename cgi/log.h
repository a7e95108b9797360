/*
 * log.h - the programs' log: one line per event on stderr (the web server's
 * error log, or cvapi-spawn's), never a secret, never a raw byte of a
 * request that could forge a line.
 *
 * Two kinds of line:
 *
 *   cvapi[PROG] UUID METHOD PATH: MESSAGE -> STATUS
 *       a request answered with an error (cv_fail in req.h); UUID is in
 *       the xError the client got.
 *
 *   cvapi[PROG] audit event=EVENT key=value ...
 *       authentication: who tried (login, client id, VIN), from where
 *       (addr, the web server's REMOTE_ADDR), by which scheme, and how it
 *       ended. Values that are not a plain word are double-quoted; a
 *       double quote or backslash inside is preceded by a backslash.
 *
 * Every value that comes from a request goes through cv_log_escape(): a
 * control byte, a backslash (and in quoted values a double quote) is
 * written as \xHH, \\ or \", so that a line always ends where cvapi ended
 * it and a log tool reads one event per line.
 */
#ifndef CV_LOG_H
#define CV_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct cv_req;

/*
 * s escaped into out (size n, always NUL-terminated; cut at a whole
 * escape when it does not fit): control bytes and DEL as \xHH, '\\' as
 * "\\\\", and '"' as "\\\"" when quoted. Returns out.
 */
char *cv_log_escape(const char *s, bool quoted, char *out, size_t n);

/*
 * An audit line: event (a word such as auth-failed), then pairs of key and
 * value (NULL value: left out), ended by a NULL key. The client's address
 * (addr=) is added from the request.
 */
void cv_audit(const struct cv_req *r, const char *event, ...);

#endif

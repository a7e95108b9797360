/*
 * idem.h - Idempotency-Key: the answer of a creating request, kept under
 * the key its client chose, so that the same request sent again gets the
 * same answer instead of a second creation (an extension of the official
 * API: doc/api.md "Idempotency-Key"; the request layer's side is
 * cgi/keyed.h).
 *
 * A key belongs to a tenant: an owner ("u:" login or "f:" fleet id, as
 * everywhere in the store) and the client id the request came with. The
 * store keeps, under the SHA-256 of the key (a key is the client's text,
 * up to CV_IDEM_KEY_MAX bytes: its hash bounds the store's key), when the
 * answer was made, the SHA-256 of the request it answered
 * (cv_idem_request_hash) and the answer itself: its status, Content-Type,
 * the headers its handler set, and its body. A record is written in the
 * transaction that made what its answer says was made (cv_idem_put), so
 * that the two are committed together or not at all.
 *
 * For CV_IDEM_KEEP_MS (24 h) a key names its answer; after that it is
 * unknown again (cv_idem_get reads an older record as absent, and a new
 * request may take the key), and the purge forgets it (cv_idem_purge,
 * called by db/purge.c in bounded steps).
 *
 * Databases (store.h):
 *   idemkeys   owner \0 client \0 SHA-256(key)  created (8) . request (32) . answer
 *              owner \0                         how many keys the owner keeps (8): its
 *                                               idempotencyKeys quota's usage, written
 *                                               with every key added or forgotten
 *   idemtime   created (8, big-endian) . owner \0 client \0 SHA-256(key)   empty: the
 *              keys in the order they were made, which the purge reads oldest first
 *
 * Values are little-endian (core/pack.h); the answer is a version byte (1),
 * the status (2), the Content-Type (a LEB128 length and its bytes), the
 * headers ("Name: value\r\n" lines, the same) and the body (the same).
 *
 * The functions that take a transaction work under the caller's; the
 * others are pure (no I/O), tested in t/unit-idem.
 */
#ifndef CV_IDEM_H
#define CV_IDEM_H

#include "model.h"

#define CV_IDEM_KEY_MAX 255                     /* the longest key a client may send */
#define CV_IDEM_KEEP_MS (24LL * 3600 * 1000)    /* how long a key names its answer */
#define CV_IDEM_ANSWER_MAX (64 * 1024)          /* the largest answer kept: type, headers and body */
#define CV_IDEM_CTYPE_MAX 63

/*
 * Why the value of an Idempotency-Key header is refused ("must not be
 * empty"...), or NULL for a key: 1 to CV_IDEM_KEY_MAX printable ASCII
 * characters (space to ~), no comma (a web server joins a header sent
 * twice into one value with commas: a comma is how a second key shows).
 */
const char *cv_idem_key_problem(const char *key);

/*
 * The SHA-256 of a request as its key binds it: method \0 uri \0 body,
 * where uri is the request's target as sent (path and query). Two
 * requests with the same key must have the same hash to share an answer.
 */
void cv_idem_request_hash(const char *method, const char *uri, const void *body, size_t n, unsigned char out[32]);

/* A tenant's key: whose, and the SHA-256 of its text. */
struct cv_idem_id {
	char owner[CV_CB_OWNER_MAX + 1];
	char client[CV_LOGIN_MAX + 1];
	unsigned char key[32];
};

/* An answer as kept: headers and body point into the caller's memory (or the record read). */
struct cv_idem_answer {
	int status;                             /* 2xx: only a success is kept */
	char ctype[CV_IDEM_CTYPE_MAX + 1];
	const char *headers;                    /* "Name: value\r\n" lines the handler set */
	size_t headers_len;
	const char *body;
	size_t body_len;
};

struct cv_idem_rec {
	int64_t created;                        /* ms: when the answer was made */
	unsigned char request[32];              /* cv_idem_request_hash of what it answered */
	struct cv_idem_answer answer;
};

/*
 * rec packed as an idemkeys value into out (replaced). CV_ETOOBIG when
 * the answer (type, headers and body) is larger than CV_IDEM_ANSWER_MAX,
 * CV_EINVAL when it is no success (a status outside 200..299) or its type
 * does not fit: out is left empty then.
 */
enum cv_err cv_idem_pack(const struct cv_idem_rec *rec, struct cv_buf *out);
/* Read an idemkeys value v[0..n) into rec (headers and body point into v): CV_EINVAL when malformed. */
enum cv_err cv_idem_unpack(const void *v, size_t n, struct cv_idem_rec *rec);

/*
 * The record of id, when one was made less than CV_IDEM_KEEP_MS before
 * now: CV_OK with rec (pointing into buf, which the caller releases);
 * CV_ENOTFOUND when there is none or it is older; CV_EINVAL when it
 * cannot be read.
 */
enum cv_err cv_idem_get(struct cv_store *st, DB_TXN *txn, const struct cv_idem_id *id, int64_t now,
			struct cv_buf *buf, struct cv_idem_rec *rec);

/*
 * Keep the answer packed in v[0..n) (cv_idem_pack, made at `created`)
 * under id, in the transaction that made what it answers. A key that is
 * new to the owner counts against its quota max (idempotencyKeys); one
 * whose record is older than CV_IDEM_KEEP_MS is taken again and counts
 * for nothing more. CV_EEXIST: a live record is there (another request
 * with this key was committed first; nothing written); CV_EQUOTA: the
 * owner keeps max keys already.
 */
enum cv_err cv_idem_put(struct cv_store *st, DB_TXN *txn, const struct cv_idem_id *id, int64_t created,
			const void *v, size_t n, int64_t max);

/* How many keys the owner keeps (its idempotencyKeys quota's usage): live ones and any not purged yet. */
enum cv_err cv_idem_count(struct cv_store *st, DB_TXN *txn, const char *owner, int64_t *n);

/*
 * Forget, under txn, the keys made before now - CV_IDEM_KEEP_MS, oldest
 * first: each goes with its entry in the time order and its count. take
 * is asked before each one (false: stop, the budget is spent). *forgotten
 * += how many went; *more: some are left (the budget ran out first).
 */
enum cv_err cv_idem_purge(struct cv_store *st, DB_TXN *txn, int64_t now, bool (*take)(void *arg), void *arg,
			  size_t *forgotten, bool *more);

#endif

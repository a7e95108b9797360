/*
 * ids.h - random identifiers and their text forms.
 *
 * Randomness comes from the kernel (getrandom); it never fails silently:
 * if the kernel cannot give random bytes the process dies (cv_die), since
 * every token and id would be guessable otherwise.
 */
#ifndef CV_IDS_H
#define CV_IDS_H

#include "cv.h"

#define CV_UUID_STRLEN 37   /* 36 characters and NUL */

void cv_random(void *buf, size_t n);
/* A random (version 4) UUID, lower case. */
void cv_uuid4(char out[CV_UUID_STRLEN]);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void cv_hex(const void *data, size_t n, char *out);
/* Decode exactly 2n hex digits into out[n]; CV_EINVAL on anything else. */
enum cv_err cv_unhex(const char *s, void *out, size_t n);
/* base64url without padding of n bytes into out (4*ceil(n/3)+1 bytes). */
size_t cv_b64url(const void *data, size_t n, char *out);
/*
 * Decode base64url without padding into out (at most outsz bytes).
 * Returns the decoded length, or -1 on a bad character or overflow.
 */
long cv_unb64url(const char *s, size_t len, void *out, size_t outsz);

/*
 * Record ids: the vehicle id (32 hex digits), the time (16), the suffix
 * (2 per byte): unique in the installation, and the record's key.
 */
#define CV_ID_LEN(slen) (32 + 16 + 2 * (slen))
#define CV_ID_MAX CV_ID_LEN(2)
void cv_coll_id(char *out, const char *vid, int64_t at, unsigned suffix, size_t slen);
/* Parse an id of a collection with slen suffix bytes; false if malformed. */
bool cv_coll_parse_id(const char *id, size_t slen, char vid[33], int64_t *at, unsigned *suffix);

#endif

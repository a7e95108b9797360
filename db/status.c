/* status.c - the status snapshot, history writes, message ids (see model.h). */
#include "config.h"
#include "model.h"
#include "hindex.h"
#include "ids.h"

#include <string.h>

/* ---- status and history ------------------------------------------------- */

enum cv_err cv_vid_bytes(const char *vid, unsigned char out[16])
{
	return cv_unhex(vid, out, 16);
}

enum cv_err cv_status_get(struct cv_store *st, DB_TXN *txn, const char *vid, struct cv_buf *buf,
			  struct cv_status_rec *rec)
{
	enum cv_err e = cv_store_get(st, CV_DB_STATUS, txn, vid, strlen(vid), buf);

	return e ? e : cv_status_decode(buf->p, buf->len, rec);
}

enum cv_err cv_status_put(struct cv_store *st, DB_TXN *txn, const char *vid, const struct cv_state *state)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_status_encode(state, &b);

	if (!e)
		e = cv_store_put(st, CV_DB_STATUS, txn, vid, strlen(vid), b.p, b.len, 0);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_history_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			   const struct cv_sample *s, size_t n)
{
	unsigned char key[25];
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_telemetry_put(st, txn, vid, s, n);

	memcpy(key, vid, 16);
	for (size_t j = 0; j < n && !e; j++) {
		cv_be64_put(key + 16, (uint64_t)s[j].at);
		for (int i = 0; i < s[j].nevents && !e; i++) {
			cv_buf_reset(&b);
			key[24] = (unsigned char)i;
			e = cv_event_encode(&s[j].events[i], &b);
			if (!e)
				e = cv_store_put(st, CV_DB_EVENTS, txn, key, 25, b.p, b.len, 0);
			if (!e && s[j].events[i].kind == CV_EV_COLLISION)
				e = cv_hindex_put(st, txn, CV_HK_COLLISION, vid, s[j].at, (unsigned)i, b.p, b.len);
		}
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_msgid_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *msgid, int64_t now)
{
	unsigned char key[32], h[32], val[8];

	cv_sha256(msgid, strlen(msgid), h);
	memcpy(key, vid, 16);
	memcpy(key + 16, h, 16);
	cv_be64_put(val, (uint64_t)now);
	return cv_store_put(st, CV_DB_MSGIDS, txn, key, sizeof(key), val, sizeof(val), DB_NOOVERWRITE);
}


/*
 * upload.h - posting batches to the vehicle link over HTTP, with libcurl.
 *
 *   POST {base}/telematics/v1/vehicles/{vin}/messages
 *   Authorization: Bearer {credential}
 *
 * and a tracking device's fixes in the OsmAnd protocol (osmand.h renders
 * them): GET or POST {base}/osmand..., no credential but the device id in
 * the fix.
 *
 * One struct sim_upload per thread: it owns one CURL easy handle, which
 * keeps its connection alive from one post to the next, and the buffer of
 * the last reply. curl_global_init() is the caller's job, before any
 * thread starts.
 *
 * A 2xx is success. A 4xx means cvsim sent something wrong (or the vehicles
 * file is stale): it is not retried and the server's message is reported.
 * A 5xx or a connection failure is retried, same body (so same messageId),
 * with a growing pause, up to SIM_UPLOAD_TRIES attempts in all. A 429, and
 * a 503 with a Retry-After (a replication group electing its master, at
 * most SIM_UPLOAD_WAITS times a call), wait as told and count no attempt.
 * A 307 or 308 (a replica sending writes to its master) is followed, the
 * same call at the URL it names, at most SIM_UPLOAD_REDIRECTS times a call.
 */
#ifndef SIM_UPLOAD_H
#define SIM_UPLOAD_H

#include <signal.h>
#include <curl/curl.h>
#include "buf.h"

#define SIM_UPLOAD_TRIES 8
#define SIM_UPLOAD_WAITS 30
#define SIM_UPLOAD_REDIRECTS 5
#define SIM_CRED_MAX 256

enum sim_up_status {
	SIM_UP_OK,
	SIM_UP_REFUSED,       /* 4xx, or a reply that makes no sense */
	SIM_UP_FAILED,        /* 5xx or connection failures, retries exhausted */
	SIM_UP_STOPPED        /* *stop became true while waiting to retry */
};

struct sim_upload {
	CURL *curl;
	char *base;           /* the server's base URL, without a trailing '/' */
	struct cv_buf reply;
};

struct sim_up_result {
	long status;          /* the last HTTP status, 0 if none */
	long accepted;        /* samples the server stored */
	bool duplicate;       /* the server had this messageId already */
	int attempts;
};

/* base is copied; CV_EINVAL if curl cannot be set up. */
enum cv_err sim_upload_init(struct sim_upload *u, const char *base);
void sim_upload_release(struct sim_upload *u);

/*
 * Post the JSON body for vin. On anything but SIM_UP_OK, err (errsz bytes)
 * gets one line saying what went wrong. stop may be NULL; when it becomes
 * non-zero, pending retries are abandoned.
 */
enum sim_up_status sim_upload_post(struct sim_upload *u, const char *vin, const char *cred,
				   const char *body, size_t len, const volatile sig_atomic_t *stop,
				   struct sim_up_result *res, char *err, size_t errsz);

/*
 * Another call of the vehicle link (the remote commands): method "GET" or
 * "POST" on /telematics/v1/vehicles/{vin}{suffix} ("/commands",
 * "/commands/ID/ack"...), body (JSON, may be NULL) when POSTing, retried
 * like an upload; the reply is in u->reply, *status its HTTP status.
 */
enum sim_up_status sim_link_call(struct sim_upload *u, const char *vin, const char *cred, const char *method,
				 const char *suffix, const char *body, const volatile sig_atomic_t *stop, long *status,
				 char *err, size_t errsz);

/*
 * Send one OsmAnd fix of vin's device: method on path (after the base:
 * "/osmand?id=..."), with body of type ctype when POSTing (NULL: none).
 * Retried and followed as an upload is; res->accepted is 1 on a 2xx (the
 * protocol's answer is empty: a fix sent again is stored once all the
 * same).
 */
enum sim_up_status sim_osmand_send(struct sim_upload *u, const char *vin, const char *method, const char *path,
				   const char *ctype, const char *body, size_t len, const volatile sig_atomic_t *stop,
				   struct sim_up_result *res, char *err, size_t errsz);

/* Sleep ms milliseconds unless *stop becomes non-zero (checked every 100 ms); false if stopped. */
bool sim_upload_sleep(int64_t ms, const volatile sig_atomic_t *stop);

#endif

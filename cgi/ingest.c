/*
 * ingest.c - cvapi-ingest: the vehicle link, and the health check.
 *
 *   POST /telematics/v1/vehicles/{vin}/messages
 *        Authorization: Bearer <the vehicle's upload credential>
 *        {"messageId": "...", "samples": [ {...}, ... ]}
 *   GET  /healthz
 *
 * A batch is validated whole before anything is written, then stored in one
 * transaction: the message id (a retried batch is acknowledged again and
 * not stored twice), every sample in the history, the vehicle's trips
 * (db/trips.h), the status snapshot with its response fragments. 200 means
 * committed with the log flushed.
 * The format is in doc/vehicle-link.md.
 */
#include "req.h"
#include "ingest.h"
#include "cvtime.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BODY (4u * 1024 * 1024)

static int by_time(const void *a, const void *b)
{
	const struct cv_sample *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static int post_messages(struct cv_req *r)
{
	json_object *body, *v, *samples;
	struct cv_sample *s;
	const char *msgid;
	char err[256];
	size_t n;
	bool dup;
	struct cv_ingest batch;
	enum cv_err e;
	struct cv_jw w;
	int st = cv_body_json(r, &body);

	if (st)
		return st;
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "messageId") && strcmp(key, "samples")) {
			st = cv_fail(r, 400, CV_C_BAD_FIELD, "%.40s: unknown field", key);
			json_object_put(body);
			return st;
		}
	}
	if (!json_object_object_get_ex(body, "messageId", &v) || !json_object_is_type(v, json_type_string) ||
	    !cv_chars_ok(json_object_get_string(v), CV_MSGID_MAX, "._-:")) {
		json_object_put(body);
		return cv_fail(r, 400, CV_C_BAD_FIELD,
			       "messageId: required, 1 to %d characters among A-Z a-z 0-9 . _ - :", CV_MSGID_MAX);
	}
	msgid = json_object_get_string(v);
	if (!json_object_object_get_ex(body, "samples", &samples) || !json_object_is_type(samples, json_type_array)) {
		json_object_put(body);
		return cv_fail(r, 400, CV_C_BAD_FIELD, "samples: required, an array of samples");
	}
	n = json_object_array_length(samples);
	if (n == 0 || n > CV_MAX_SAMPLES) {
		json_object_put(body);
		return cv_fail(r, 400, CV_C_BAD_FIELD, "samples: must hold 1 to %d samples", CV_MAX_SAMPLES);
	}
	s = cv_calloc(n, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), "samples[%zu]", i);
		if (cv_sample_parse(json_object_array_get_idx(samples, i), path, r->now, &s[i], err, sizeof(err))) {
			free(s);
			json_object_put(body);
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s", err);
		}
	}
	qsort(s, n, sizeof(*s), by_time);
	batch = (struct cv_ingest){ .vehicle = r->veh.id, .msgid = msgid, .samples = s, .n = n, .now = r->now };
	e = cv_ingest_batch(r->store, &batch);
	dup = batch.duplicate;
	free(s);
	if (e) {
		json_object_put(body);
		return cv_fail_store(r, e, "batch");
	}
	r->ctype = "application/json";
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "messageId", msgid);
	cv_jw_kint(&w, "accepted", dup ? 0 : (int64_t)n);
	cv_jw_kbool(&w, "duplicate", dup);
	cv_jw_ktime(&w, "committedAt", r->now);
	cv_jw_end(&w);
	json_object_put(body);
	return 0;
}

/*
 * /healthz proves the store writable with a small unsynced transaction, at
 * most once a second per process: in between, the last success answers
 * (checkedAt says when), so that anyone who can reach the port cannot turn
 * it into a stream of writes. The one piece of state this program keeps
 * between requests; a process that restarts checks again at once.
 */
static int64_t healthz_checked;

/* The write that proves the store writable (cv_txn_fn). */
static enum cv_err healthz_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	static const char key[] = "healthz";
	unsigned char val[8];

	cv_be64_put(val, (uint64_t)*(const int64_t *)arg);
	return cv_store_put(st, CV_DB_META, txn, key, sizeof(key) - 1, val, sizeof(val), 0);
}

static int get_healthz(struct cv_req *r)
{
	struct cv_jw w;
	enum cv_err e = CV_OK;

	if (healthz_checked && r->now >= healthz_checked && r->now - healthz_checked < 1000)
		goto answer;
	e = cv_store_txn(r->store, DB_TXN_NOSYNC, healthz_txn, &r->now);
	if (e) {
		healthz_checked = 0;
		return cv_fail(r, 503, CV_C_UNAVAILABLE, "the store is not writable: %s", cv_strerror(e));
	}
	healthz_checked = r->now;
answer:
	r->ctype = "application/json";
	cv_header(r, "Cache-Control", "no-store");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "status", "ok");
	cv_jw_kstr(&w, "store", "writable");
	cv_jw_ktime(&w, "time", r->now);
	cv_jw_ktime(&w, "checkedAt", healthz_checked);
	cv_jw_end(&w);
	return 0;
}

static const struct cv_route routes[] = {
	{ "POST", "/telematics/v1/vehicles/{vin}/messages", post_messages, CV_AUTH_VEHICLE, 0, NULL, MAX_BODY },
	{ "GET", "/healthz", get_healthz, CV_AUTH_NONE, 0, NULL, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	cv_serve_purge(true);
	return cv_serve(argc, argv, "cvapi-ingest", "The vehicle link (/telematics/v1) and /healthz.", routes);
}

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
#include "trips.h"
#include "cvtime.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BODY (4u * 1024 * 1024)

static int by_time(const void *a, const void *b)
{
	const struct cv_sample *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Where the events of s happened: its own position, or the last one known
 * before it (the state as merged so far).
 */
static void place_events(struct cv_sample *s, const struct cv_state *state)
{
	const struct cv_sample *where = CV_HAS(s, CV_G_POS) ? s : cv_state_has_position(state) ? &state->v : NULL;

	for (int j = 0; j < s->nevents; j++) {
		struct cv_event *ev = &s->events[j];

		ev->has_pos = where != NULL;
		if (where) {
			ev->lat_e7 = where->lat_e7;
			ev->lon_e7 = where->lon_e7;
			ev->alt_m = where->alt_m;
		}
	}
}

/*
 * The write: one transaction, retried on deadlock. Samples (in time order)
 * go to the history with their events placed, alert events open and close
 * alert occurrences, the trips fold them in (reading back the history for
 * late samples), and the status snapshot takes them all.
 */
static enum cv_err store_batch(struct cv_req *r, const char *msgid, struct cv_sample *s, size_t n, bool *dup)
{
	unsigned char vid[16];
	struct cv_buf buf = CV_BUF_INIT(0);
	enum cv_err e;
	int tries = 0;

	cv_vid_bytes(r->veh.id, vid);
	do {
		DB_TXN *txn = NULL;
		struct cv_status_rec rec;

		*dup = false;
		e = cv_store_begin(r->store, &txn, 0);
		if (!e) {
			e = cv_msgid_put(r->store, txn, vid, msgid, r->now);
			if (e == CV_EEXIST) {
				*dup = true;
				e = CV_OK;
				goto done;
			}
		}
		if (!e) {
			/* DB_RMW semantics come from the write lock the put takes; read under the txn */
			e = cv_status_get(r->store, txn, r->veh.id, &buf, &rec);
			if (e == CV_ENOTFOUND) {
				memset(&rec, 0, sizeof(rec));
				e = CV_OK;
			}
		}
		for (size_t i = 0; i < n && !e; i++) {
			place_events(&s[i], &rec.state);
			for (int j = 0; j < s[i].nevents && !e; j++)
				if (s[i].events[j].kind == CV_EV_ALERT)
					e = cv_alert_apply(r->store, txn, vid, s[i].at, &s[i].events[j], r->now);
				else if (s[i].events[j].kind == CV_EV_THEFT)
					e = cv_theft_apply(r->store, txn, vid, s[i].at, &s[i].events[j], r->now);
			cv_state_merge(&rec.state, &s[i], r->now);
		}
		if (!e)
			e = cv_history_put(r->store, txn, vid, s, n);
		/* trips read the samples just written: after them, same transaction */
		if (!e)
			e = cv_trips_ingest(r->store, txn, vid, s, n, NULL);
		if (!e)
			e = cv_status_put(r->store, txn, r->veh.id, &rec.state);
done:
		if (!e && !*dup) {
			e = cv_store_commit(txn);
			txn = NULL;
		}
		cv_store_abort(txn);
	} while (e == CV_EDEADLOCK && ++tries < 8);
	cv_buf_release(&buf);
	return e;
}

static int post_messages(struct cv_req *r)
{
	json_object *body, *v, *samples;
	struct cv_sample *s;
	const char *msgid;
	char err[256];
	size_t n;
	bool dup;
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
	e = store_batch(r, msgid, s, n, &dup);
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

static int get_healthz(struct cv_req *r)
{
	static const char key[] = "healthz";
	unsigned char val[8];
	DB_TXN *txn = NULL;
	struct cv_jw w;
	enum cv_err e = CV_OK;

	if (healthz_checked && r->now >= healthz_checked && r->now - healthz_checked < 1000)
		goto answer;
	cv_be64_put(val, (uint64_t)r->now);
	e = cv_store_begin(r->store, &txn, DB_TXN_NOSYNC);
	if (!e)
		e = cv_store_put(r->store, CV_DB_META, txn, key, sizeof(key) - 1, val, sizeof(val), 0);
	if (!e) {
		e = cv_store_commit(txn);
		txn = NULL;
	}
	cv_store_abort(txn);
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

/* upload.c - the vehicle link over libcurl (see upload.h). */
#include "config.h"
#include "upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#define REPLY_MAX (1u << 20)

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct cv_buf *b = arg;

	if (cv_buf_add(b, p, size * n))
		return 0;   /* a reply over the ceiling: curl reports a write error */
	return size * n;
}

enum cv_err sim_upload_init(struct sim_upload *u, const char *base)
{
	size_t n = strlen(base);

	memset(u, 0, sizeof(*u));
	while (n > 0 && base[n - 1] == '/')
		n--;
	u->base = cv_strndup(base, n);
	cv_buf_init(&u->reply, REPLY_MAX);
	u->curl = curl_easy_init();
	if (!u->curl)
		return CV_EINVAL;
	curl_easy_setopt(u->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(u->curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(u->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(u->curl, CURLOPT_USERAGENT, "cvsim/" PACKAGE_VERSION);
	curl_easy_setopt(u->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(u->curl, CURLOPT_WRITEDATA, &u->reply);
	return CV_OK;
}

void sim_upload_release(struct sim_upload *u)
{
	if (u->curl)
		curl_easy_cleanup(u->curl);
	free(u->base);
	cv_buf_release(&u->reply);
	memset(u, 0, sizeof(*u));
}

bool sim_upload_sleep(int64_t ms, const volatile sig_atomic_t *stop)
{
	while (ms > 0) {
		int64_t slice = ms < 100 ? ms : 100;
		struct timespec ts = { (time_t)(slice / 1000), (long)(slice % 1000) * 1000000L };

		if (stop && *stop)
			return false;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			if (stop && *stop)
				return false;
		ms -= slice;
	}
	return !(stop && *stop);
}

/* The message of an xError reply, or the start of whatever came back. */
static void reply_message(const struct cv_buf *reply, char *out, size_t outsz)
{
	json_object *o = json_tokener_parse(cv_buf_str(reply)), *m;

	if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		snprintf(out, outsz, "%s", json_object_get_string(m));
	else
		snprintf(out, outsz, "%.200s", reply->len ? cv_buf_str(reply) : "(empty reply)");
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	json_object_put(o);
}

/* Read accepted and duplicate from a 200 reply; false if it is not one. */
static bool parse_ok(const struct cv_buf *reply, struct sim_up_result *res)
{
	json_object *o = json_tokener_parse(cv_buf_str(reply)), *a, *d;
	bool ok = o && json_object_is_type(o, json_type_object) &&
		  json_object_object_get_ex(o, "accepted", &a) && json_object_is_type(a, json_type_int) &&
		  json_object_object_get_ex(o, "duplicate", &d) && json_object_is_type(d, json_type_boolean);

	if (ok) {
		res->accepted = (long)json_object_get_int64(a);
		res->duplicate = json_object_get_boolean(d);
	}
	json_object_put(o);
	return ok;
}

/* Did the last answer carry a Retry-After? */
static bool has_retry_after(CURL *curl)
{
	curl_off_t after = 0;

	return curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0;
}

/*
 * One call of the vehicle link: method ("GET" or "POST") on
 * /telematics/v1/vehicles/{vin}{suffix}, with body when POSTing; 5xx and
 * connection failures retried with a growing pause, as a vehicle does, and
 * a 429 (a rate limit) after the wait its Retry-After asks for, as a 503
 * that has one (a replication group without a master, for a while); a
 * 307 or 308 (a replica) is the same call at the URL it names. The reply
 * is in u->reply. what names the call in err.
 */
static enum sim_up_status exchange(struct sim_upload *u, const char *vin, const char *cred, const char *method,
				   const char *path, const char *ctype, const char *body, size_t len,
				   const volatile sig_atomic_t *stop, long *status, int *attempts, const char *what, char *err,
				   size_t errsz)
{
	struct cv_buf url = CV_BUF_INIT(0);
	struct curl_slist *headers = NULL;
	char auth[SIM_CRED_MAX + 32], msg[300], type[80];
	enum sim_up_status st = SIM_UP_FAILED;
	bool post = !strcmp(method, "POST");
	int64_t pause = 250;
	int redirects = 0, waits = 0;

	cv_buf_addf(&url, "%s%s", u->base, path);
	if (post && ctype) {
		snprintf(type, sizeof(type), "Content-Type: %s", ctype);
		headers = curl_slist_append(headers, type);
	}
	if (cred) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cred);
		headers = curl_slist_append(headers, auth);
	}
	headers = curl_slist_append(headers, "Expect:");
	if (!headers) {
		snprintf(err, errsz, "%s: out of memory", vin);
		cv_buf_release(&url);
		return SIM_UP_FAILED;
	}
	curl_easy_setopt(u->curl, CURLOPT_URL, cv_buf_str(&url));
	curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, headers);
	if (post) {
		curl_easy_setopt(u->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(u->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	} else {
		curl_easy_setopt(u->curl, CURLOPT_HTTPGET, 1L);
	}
	for (*attempts = 1;; (*attempts)++) {
		CURLcode rc;

		cv_buf_reset(&u->reply);
		rc = curl_easy_perform(u->curl);
		*status = 0;
		if (rc == CURLE_OK)
			curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, status);
		if (rc == CURLE_OK && *status >= 200 && *status < 300) {
			st = SIM_UP_OK;
			break;
		}
		if (rc == CURLE_OK && (*status == 307 || *status == 308) && redirects < SIM_UPLOAD_REDIRECTS) {
			/* a replica sends writes to its group's master: the same call there (method, body, credential) */
			char *to = NULL;

			curl_easy_getinfo(u->curl, CURLINFO_REDIRECT_URL, &to);
			if (to && (!strncmp(to, "http://", 7) || !strncmp(to, "https://", 8))) {
				curl_easy_setopt(u->curl, CURLOPT_URL, to);
				redirects++;
				(*attempts)--;
				continue;
			}
		}
		if (rc == CURLE_OK && (*status == 429 || (*status == 503 && waits < SIM_UPLOAD_WAITS &&
							   has_retry_after(u->curl)))) {
			/* over a rate limit, or a group electing its master: wait as told (Retry-After), then the
			 * same call again */
			curl_off_t after = 0;

			if (*status == 503)
				waits++;
			curl_easy_getinfo(u->curl, CURLINFO_RETRY_AFTER, &after);
			if (after < 1)
				after = 1;
			if (after > 60)
				after = 60;
			(*attempts)--;
			if (!sim_upload_sleep((int64_t)after * 1000, stop)) {
				st = SIM_UP_STOPPED;
				break;
			}
			continue;
		}
		if (rc == CURLE_OK && *status >= 400 && *status < 500) {
			reply_message(&u->reply, msg, sizeof(msg));
			snprintf(err, errsz, "%s: the server refused %s (HTTP %ld): %s", vin, what, *status, msg);
			st = SIM_UP_REFUSED;
			break;
		}
		if (rc != CURLE_OK && redirects) {
			/* the master it was sent to is gone: back to its own URL, which knows the next one */
			curl_easy_setopt(u->curl, CURLOPT_URL, cv_buf_str(&url));
			redirects = 0;
		}
		if (rc != CURLE_OK)
			snprintf(err, errsz, "%s: %s: %s", vin, u->base, curl_easy_strerror(rc));
		else if (*status >= 500)
			snprintf(err, errsz, "%s: server error (HTTP %ld)", vin, *status);
		else
			snprintf(err, errsz, "%s: unexpected HTTP status %ld", vin, *status);
		if (rc == CURLE_OK && *status < 500) {
			st = SIM_UP_REFUSED;
			break;
		}
		if (*attempts >= SIM_UPLOAD_TRIES) {
			size_t n = strlen(err);

			snprintf(err + n, errsz - n, " (gave up after %d attempts)", *attempts);
			st = SIM_UP_FAILED;
			break;
		}
		if (!sim_upload_sleep(pause, stop)) {
			st = SIM_UP_STOPPED;
			break;
		}
		pause = pause * 2 > 8000 ? 8000 : pause * 2;
	}
	curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	cv_buf_release(&url);
	return st;
}

enum sim_up_status sim_upload_post(struct sim_upload *u, const char *vin, const char *cred,
				   const char *body, size_t len, const volatile sig_atomic_t *stop,
				   struct sim_up_result *res, char *err, size_t errsz)
{
	enum sim_up_status st;
	char path[80];

	memset(res, 0, sizeof(*res));
	snprintf(path, sizeof(path), "/telematics/v1/vehicles/%s/messages", vin);
	st = exchange(u, vin, cred, "POST", path, "application/json", body, len, stop, &res->status, &res->attempts,
		      "a batch", err, errsz);
	if (st == SIM_UP_OK && !parse_ok(&u->reply, res)) {
		snprintf(err, errsz, "%s: unexpected reply to a batch: %.200s", vin, cv_buf_str(&u->reply));
		st = SIM_UP_REFUSED;
	}
	return st;
}

enum sim_up_status sim_link_call(struct sim_upload *u, const char *vin, const char *cred, const char *method,
				 const char *suffix, const char *body, const volatile sig_atomic_t *stop, long *status,
				 char *err, size_t errsz)
{
	int attempts;
	struct cv_buf path = CV_BUF_INIT(0);
	enum sim_up_status st;

	cv_buf_addf(&path, "/telematics/v1/vehicles/%s%s", vin, suffix);
	st = exchange(u, vin, cred, method, cv_buf_str(&path), "application/json", body, body ? strlen(body) : 0, stop,
		      status, &attempts, "a command call", err, errsz);
	cv_buf_release(&path);
	return st;
}

enum sim_up_status sim_osmand_send(struct sim_upload *u, const char *vin, const char *method, const char *path,
				   const char *ctype, const char *body, size_t len, const volatile sig_atomic_t *stop,
				   struct sim_up_result *res, char *err, size_t errsz)
{
	enum sim_up_status st;

	memset(res, 0, sizeof(*res));
	st = exchange(u, vin, NULL, method, path, ctype, body, len, stop, &res->status, &res->attempts, "a fix", err,
		      errsz);
	if (st == SIM_UP_OK)
		res->accepted = 1;
	return st;
}

/* webhook.c - one delivery's request (see webhook.h). */
#include "config.h"
#include "webhook.h"
#include "cbattr.h"
#include "cvtime.h"
#include "jw.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *cv_wh_value(const struct cv_callback *cb, const struct cv_note *n, const char *v)
{
	bool remote = n->kind == CV_NOTE_REMOTE;

	if (v[0] != '$')
		return v;
	v++;
	if (!strcasecmp(v, "vin"))
		return n->vin;
	if (!strcasecmp(v, "vid"))
		return n->vid;
	if (!strcasecmp(v, "callbackId"))
		return cb->id;
	if (!strcasecmp(v, "callbackLabel"))
		return cb->label;
	if (!strcasecmp(v, "monitorId"))
		return remote ? "" : n->ref;
	if (!strcasecmp(v, "fleetId"))
		return n->fid;
	if (!strcasecmp(v, "remoteId"))
		return remote ? n->ref : "";
	if (!strcasecmp(v, "remoteType"))
		return n->rtype;
	if (!strcasecmp(v, "remoteStatus"))
		return n->rstatus;
	if (!strcasecmp(v, "remoteLabel"))
		return n->rlabel;
	return "";
}

void cv_wh_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts, const char *body, size_t len,
		char out[64])
{
	struct cv_buf msg = CV_BUF_INIT(0);
	unsigned char mac[32], b64[4 * ((32 + 2) / 3) + 1];
	char head[128];
	int hl = snprintf(head, sizeof(head), "%s.%lld.", id, (long long)ts);

	if (cv_buf_add(&msg, head, (size_t)hl) || cv_buf_add(&msg, body, len))
		cv_die("cvnotify: a webhook body too big to sign");
	cv_hmac_sha256(key, keylen, msg.p, msg.len, mac);
	cv_buf_release(&msg);
	EVP_EncodeBlock(b64, mac, (int)sizeof(mac));
	snprintf(out, 64, "v1,%s", (const char *)b64);
}

/* The attributes of type t, the callback's then the first note's, as [{key, value}]. */
static void body_attrs(struct cv_jw *w, const struct cv_callback *cb, const struct cv_note *n)
{
	cv_jw_key(w, "attributes");
	cv_jw_arr(w);
	for (int pass = 0; pass < 2; pass++) {
		const struct cv_cb_attr *a = pass ? n->attrs : cb->attrs;
		size_t na = pass ? n->nattrs : cb->nattrs;

		for (size_t i = 0; i < na; i++) {
			if (a[i].type != CV_CBA_BODY)
				continue;
			cv_jw_obj(w);
			cv_jw_kstr(w, "key", a[i].key);
			cv_jw_kstr(w, "value", cv_wh_value(cb, n, a[i].value));
			cv_jw_end(w);
		}
	}
	cv_jw_end(w);
}

/* Append s to the URL, percent-encoding all but unreserved characters (RFC 3986). */
static void url_escape(struct cv_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
			cv_buf_addc(b, (char)c);
		} else {
			cv_buf_addc(b, '%');
			cv_buf_addc(b, hex[c >> 4]);
			cv_buf_addc(b, hex[c & 15]);
		}
	}
}

static void add_header(struct cv_wh_request *rq, const char *name, const char *value)
{
	size_t n = strlen(name) + 2 + strlen(value) + 1;
	char *h;

	if (rq->nheaders == CV_WH_HEADERS)
		return;
	h = cv_malloc(n);
	snprintf(h, n, "%s: %s", name, value);
	/* a variable's value (a callback's label...) may hold anything: no
	 * line break or other control character reaches the request */
	for (char *p = h; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	rq->headers[rq->nheaders++] = h;
}

enum cv_err cv_wh_build(const struct cv_callback *cb, struct cv_note *const *notes, size_t n, int64_t now_s,
			struct cv_wh_request *rq)
{
	const struct cv_note *first = notes[0];
	bool remote = first->kind == CV_NOTE_REMOTE;
	struct cv_jw w;
	char sig[64], ts[24];
	const char *sep;

	memset(rq, 0, sizeof(*rq));
	cv_buf_init(&rq->url, 0);
	cv_buf_init(&rq->body, 0);
	if (!n)
		return CV_EINVAL;
	memcpy(rq->id, "msg_", 4);
	{
		/* one note: its id; a batch: a digest of its notes' ids, so that a
		 * batch sent again with more notes in it is not taken for a repeat */
		unsigned char d[EVP_MAX_MD_SIZE];
		const unsigned char *id = first->wid;

		if (n > 1) {
			EVP_MD_CTX *c = EVP_MD_CTX_new();

			if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
				cv_die("cvnotify: SHA-256 failed");
			for (size_t i = 0; i < n; i++)
				EVP_DigestUpdate(c, notes[i]->wid, sizeof(notes[i]->wid));
			EVP_DigestFinal_ex(c, d, NULL);
			EVP_MD_CTX_free(c);
			id = d;
		}
		for (size_t i = 0; i < CV_NOTE_WIDLEN; i++)
			snprintf(rq->id + 4 + 2 * i, 3, "%02x", id[i]);
	}

	/* the target, then the Query attributes */
	cv_buf_adds(&rq->url, cb->target);
	sep = strchr(cb->target, '?') ? "&" : "?";
	for (int pass = 0; pass < 2; pass++) {
		const struct cv_cb_attr *a = pass ? first->attrs : cb->attrs;
		size_t na = pass ? first->nattrs : cb->nattrs;

		for (size_t i = 0; i < na; i++) {
			if (a[i].type == CV_CBA_QUERY) {
				cv_buf_adds(&rq->url, sep);
				url_escape(&rq->url, a[i].key);
				cv_buf_addc(&rq->url, '=');
				url_escape(&rq->url, cv_wh_value(cb, first, a[i].value));
				sep = "&";
			} else if (a[i].type == CV_CBA_HEADER && !cv_cbattr_header_reserved(a[i].key)) {
				add_header(rq, a[i].key, cv_wh_value(cb, first, a[i].value));
			}
		}
	}

	/* the body */
	cv_jw_init(&w, &rq->body);
	cv_jw_obj(&w);
	if (!cb->b2b) {
		/* one Message per request: the first note */
		cv_jw_kstr(&w, "callbackId", cb->id);
		body_attrs(&w, cb, first);
		cv_jw_kstr(&w, "type", remote ? "Remote" : "Monitor");
		cv_jw_ktime(&w, "date", first->raised);
		cv_jw_key(&w, remote ? "remoteEvent" : "monitorEvent");
		cv_jw_raw(&w, first->body, first->body_len);
	} else {
		if (remote)
			cv_jw_kstr(&w, "callbackId", cb->id);
		else
			cv_jw_kstr(&w, "monitorId", first->ref);
		body_attrs(&w, cb, first);
		cv_jw_key(&w, "events");
		cv_jw_arr(&w);
		for (size_t i = 0; i < n; i++)
			cv_jw_raw(&w, notes[i]->body, notes[i]->body_len);
		cv_jw_end(&w);
	}
	cv_jw_end(&w);

	add_header(rq, "Content-Type", "application/json");
	add_header(rq, "User-Agent", "cvnotify/" PACKAGE_VERSION);
	add_header(rq, "webhook-id", rq->id);
	snprintf(ts, sizeof(ts), "%lld", (long long)now_s);
	add_header(rq, "webhook-timestamp", ts);
	cv_wh_sign(cb->secret, sizeof(cb->secret), rq->id, now_s, rq->body.p, rq->body.len, sig);
	add_header(rq, "webhook-signature", sig);
	/* no "Expect: 100-continue" round trip */
	add_header(rq, "Expect", "");
	return CV_OK;
}

void cv_wh_free(struct cv_wh_request *rq)
{
	cv_buf_release(&rq->url);
	cv_buf_release(&rq->body);
	for (size_t i = 0; i < rq->nheaders; i++)
		free(rq->headers[i]);
	rq->nheaders = 0;
}

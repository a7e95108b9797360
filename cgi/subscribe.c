/* subscribe.c - what the callbacks and monitors of both faces share (see subscribe.h). */
#include "config.h"
#include "subscribe.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* "u:" login (B2C) or "f:" fleet id (B2B) */
void cv_sub_owner(const struct cv_req *r, char *owner, size_t n)
{
	snprintf(owner, n, "%s:%s", r->b2b ? "f" : "u", r->b2b ? r->fid : r->tok.user);
}

/* A string member: NULL when absent; *bad when present and not a string of 1..max bytes. */
const char *cv_sub_str(json_object *o, const char *key, size_t max, bool *bad)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || !*s || strlen(s) > max) {
		*bad = true;
		return NULL;
	}
	return s;
}

/* The members of o must all be in names (NULL-terminated): else the first other one. */
const char *cv_sub_unknown(json_object *o, const char *const *names)
{
	json_object_object_foreach(o, key, val) {
		size_t i;

		(void)val;
		for (i = 0; names[i] && strcmp(names[i], key); i++)
			;
		if (!names[i])
			return key;
	}
	return NULL;
}

/* A JSON integer member in [min, max]: *v; absent leaves *v; 0, or 400 written. */
int cv_sub_int(struct cv_req *r, json_object *o, const char *where, const char *key, int64_t min,
		      int64_t max, int32_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x))
		return 0;
	if (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < min ||
	    json_object_get_int64(x) > max)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.%s: an integer from %lld to %lld", where, key,
			       (long long)min, (long long)max);
	*v = (int32_t)json_object_get_int64(x);
	return 0;
}

/*
 * The variables an attribute value may name ($vin...), substituted at
 * delivery; compared without case, as the two faces spell them
 * differently ($vin, $Vin, $CallbackID, $monitorID...).
 */
static const char *const variables[] = {
	"vin", "vid", "callbackId", "callbackLabel", "monitorId", "fleetId", "remoteType", "remoteId",
	"remoteStatus", "remoteLabel", NULL,
};

static bool known_variable(const char *v)
{
	for (size_t i = 0; variables[i]; i++)
		if (!strcasecmp(v, variables[i]))
			return true;
	return false;
}

/* A header name (RFC 9110 token) or a query name: visible ASCII, no separators. */
static bool token_ok(const char *s, bool header)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f)
			return false;
		if (header ? strchr("\"(),/:;<=>?@[\\]{}", c) != NULL : strchr("&=#", c) != NULL)
			return false;
	}
	return true;
}

/*
 * A webhook target: http:// or https://, a host, no user name or password
 * (credentials go in attributes, which GET never shows), no fragment, no
 * space or control character. Where it may point (which addresses) is
 * checked at delivery, on the address actually connected to.
 */
const char *cv_sub_target_problem(const char *t)
{
	const char *host, *end;

	if (!strncmp(t, "https://", 8))
		host = t + 8;
	else if (!strncmp(t, "http://", 7))
		host = t + 7;
	else
		return "must be an http:// or https:// URL (webhooks are what this server delivers)";
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "must not hold spaces, control or non-ASCII characters (percent-encode them)";
	end = host + strcspn(host, "/?#");
	if (end == host || *host == ':')
		return "has no host";
	if (memchr(host, '@', (size_t)(end - host)))
		return "must not carry a user name or password: put credentials in a Header attribute";
	if (strchr(t, '#'))
		return "must not have a fragment (#...)";
	return NULL;
}

int cv_sub_attributes(struct cv_req *r, json_object *a, const char *where, struct cv_cb_attr *attrs, size_t *nattrs)
{
	static const char *const names[] = { "type", "key", "value", NULL };
	size_t n;

	if (!json_object_is_type(a, json_type_array))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes: an array of {type, key, value}", where);
	n = json_object_array_length(a);
	if (n > CV_CB_ATTRS_MAX)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes: at most %d", where, CV_CB_ATTRS_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_array_get_idx(a, i);
		struct cv_cb_attr *at = &attrs[i];
		const char *type, *key, *value, *other;
		bool bad = false;
		int t;

		if (!json_object_is_type(x, json_type_object))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes[%zu]: an object {type, key, value}",
				       where, i);
		other = cv_sub_unknown(x, names);
		if (other)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes[%zu].%.40s: unknown field", where, i,
				       other);
		type = cv_sub_str(x, "type", 16, &bad);
		t = type ? cv_name_index(type, cv_cb_attr_names, 3) : -1;
		if (t < 0)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes[%zu].type: Header, Body or Query",
				       where, i);
		key = cv_sub_str(x, "key", CV_CB_KEY_MAX, &bad);
		if (!key || !token_ok(key, t == CV_CBA_HEADER))
			return cv_fail(r, 400, CV_C_BAD_FIELD,
				       "%s.attributes[%zu].key: required, 1 to %d visible ASCII characters%s", where, i,
				       CV_CB_KEY_MAX, t == CV_CBA_HEADER ? " of a header name" : " without & = #");
		value = cv_sub_str(x, "value", CV_CB_VALUE_MAX, &bad);
		if (!value)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes[%zu].value: required, 1 to %d bytes",
				       where, i, CV_CB_VALUE_MAX);
		if (t == CV_CBA_HEADER && strpbrk(value, "\r\n"))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.attributes[%zu].value: no line breaks in a header",
				       where, i);
		if (value[0] == '$' && !known_variable(value + 1))
			return cv_fail(r, 400, CV_C_BAD_FIELD,
				       "%s.attributes[%zu].value: unknown variable %.40s (known: $vin, $vid, $callbackId, "
				       "$callbackLabel, $monitorId, $fleetId, $remoteType, $remoteId, $remoteStatus, $remoteLabel)", where, i, value);
		at->type = (uint8_t)t;
		cv_strlcpy(at->key, key, sizeof(at->key));
		cv_strlcpy(at->value, value, sizeof(at->value));
	}
	*nattrs = n;
	return 0;
}

int cv_sub_cbattrs(struct cv_req *r, json_object *ca, const char *where, struct cv_cb_attr *attrs, size_t *nattrs)
{
	const char *other;
	json_object *wh;
	char w[96];

	if (!json_object_is_type(ca, json_type_object))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s: an object {webhook}", where);
	other = cv_sub_unknown(ca, (const char *const[]){ "webhook", NULL });
	if (other)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.%.40s: %s", where, other,
			       strcmp(other, "pushnotif") && strcmp(other, "websocket") ? "unknown field"
			       : "webhooks are what this server delivers");
	*nattrs = 0;
	if (!json_object_object_get_ex(ca, "webhook", &wh))
		return 0;
	snprintf(w, sizeof(w), "%s.webhook", where);
	return cv_sub_attributes(r, wh, w, attrs, nattrs);
}

/* A list of names into a mask (bit i: names[i]): 0, or 400 written. */
int cv_sub_names(struct cv_req *r, json_object *a, const char *where, const char *const *names, size_t n,
		      uint32_t *mask)
{
	size_t len;

	if (!json_object_is_type(a, json_type_array) || (len = json_object_array_length(a)) == 0 || len > 32)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%s: a list of 1 to %zu names", where, n);
	*mask = 0;
	for (size_t i = 0; i < len; i++) {
		json_object *x = json_object_array_get_idx(a, i);
		int k = json_object_is_type(x, json_type_string) ? cv_name_index(json_object_get_string(x), names, n) : -1;

		if (k < 0) {
			char list[512];
			size_t at = 0;

			list[0] = '\0';
			for (size_t j = 0; j < n && at < sizeof(list); j++)
				at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", j ? ", " : "", names[j]);
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s[%zu]: one of %s", where, i, list);
		}
		*mask |= 1u << k;
	}
	return 0;
}


/* callback.KIND's members (among names) and its name into *name; 0 or the failure's status. */
static int read_kind(struct cv_req *r, json_object *o, const char *pre, const char *kind, const char *const *names,
		     const char **name)
{
	const char *other = cv_sub_unknown(o, names);
	bool bad = false;

	if (other)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.%s.%.40s: unknown field", pre, kind, other);
	*name = cv_sub_str(o, "name", CV_NAME_MAX, &bad);
	if (!*name)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.%s.name: required, 1 to %d bytes", pre, kind,
			       CV_NAME_MAX);
	return 0;
}

/*
 * callback: {webhook: {name, target, attributes}}, or (an extension) {poll:
 * {name}}: nothing is delivered, the client reads its actions' states (the
 * console's callback). websocket and pushnotif are refused.
 */
static int read_callback(struct cv_req *r, json_object *o, const char *pre, struct cv_callback *cb)
{
	static const char *const kinds[] = { "webhook", "poll", "websocket", "pushnotif", NULL };
	static const char *const wnames[] = { "name", "target", "attributes", NULL };
	static const char *const pnames[] = { "name", NULL };
	json_object *wh, *a;
	const char *other, *name, *target, *problem;
	char where[64];
	bool bad = false;
	int st;

	if (!json_object_is_type(o, json_type_object))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback: an object holding a webhook (or a poll)", pre);
	other = cv_sub_unknown(o, kinds);
	if (other)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.%.40s: unknown field", pre, other);
	if (json_object_object_get_ex(o, "websocket", NULL) || json_object_object_get_ex(o, "pushnotif", NULL))
		return cv_fail(r, 400, CV_C_BAD_FIELD,
			       "%scallback: websocket and push-notification callbacks are not served: "
			       "webhooks are what this server delivers", pre);
	if (json_object_object_get_ex(o, "poll", &wh)) {
		if (json_object_object_get_ex(o, "webhook", NULL))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback: either webhook or poll, not both", pre);
		if (!json_object_is_type(wh, json_type_object))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.poll: an object {name}", pre);
		st = read_kind(r, wh, pre, "poll", pnames, &name);
		if (st)
			return st;
		cv_strlcpy(cb->name, name, sizeof(cb->name));
		cb->target[0] = '\0';
		cb->nattrs = 0;
		return 0;
	}
	if (!json_object_object_get_ex(o, "webhook", &wh) || !json_object_is_type(wh, json_type_object))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.webhook: required, an object {name, target, attributes}",
			       pre);
	st = read_kind(r, wh, pre, "webhook", wnames, &name);
	if (st)
		return st;
	target = cv_sub_str(wh, "target", CV_CB_URL_MAX, &bad);
	if (!target)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.webhook.target: required, a URL of at most %d bytes",
			       pre, CV_CB_URL_MAX);
	problem = cv_sub_target_problem(target);
	if (problem)
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback.webhook.target: %s", pre, problem);
	cv_strlcpy(cb->name, name, sizeof(cb->name));
	cv_strlcpy(cb->target, target, sizeof(cb->target));
	cb->nattrs = 0;
	snprintf(where, sizeof(where), "%scallback.webhook", pre);
	if (json_object_object_get_ex(wh, "attributes", &a))
		return cv_sub_attributes(r, a, where, cb->attrs, &cb->nattrs);
	return 0;
}

int cv_sub_callback(struct cv_req *r, json_object *o, const char *pre, struct cv_callback *cb)
{
	json_object *x;

	if (!json_object_object_get_ex(o, "callback", &x))
		return cv_fail(r, 400, CV_C_BAD_FIELD, "%scallback: required, an object holding a webhook (or a poll)", pre);
	return read_callback(r, x, pre, cb);
}

int cv_sub_policies(struct cv_req *r, json_object *o, const char *pre, bool always, struct cv_callback *cb)
{
	static const char *const rnames[] = { "policy", "retryNumber", "retryDelay", NULL };
	static const char *const bnames[] = { "size", "timeWindow", NULL };
	const char *other, *policy;
	char where[64];
	json_object *x;
	bool bad = false;
	int st, p;

	/* no retryPolicy: one try (the schema's default policy is the first it lists) */
	cb->retry = CV_RETRY_NONE;
	cb->retry_number = 3;
	cb->retry_delay = 10;
	if (json_object_object_get_ex(o, "retryPolicy", &x)) {
		snprintf(where, sizeof(where), "%sretryPolicy", pre);
		if (!json_object_is_type(x, json_type_object))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s: an object {policy, retryNumber, retryDelay}", where);
		other = cv_sub_unknown(x, rnames);
		if (other)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.%.40s: unknown field", where, other);
		policy = cv_sub_str(x, "policy", 16, &bad);
		p = policy ? cv_name_index(policy, cv_cb_retry_names, always ? 3 : 2) : -1;
		if (p < 0)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.policy: required, %s", where,
				       always ? "None, Bounded or Always" : "None or Bounded");
		cb->retry = (uint8_t)p;
		st = cv_sub_int(r, x, where, "retryNumber", 1, 100, &cb->retry_number);
		if (!st)
			st = cv_sub_int(r, x, where, "retryDelay", 1, 86400, &cb->retry_delay);
		if (st)
			return st;
	}
	cb->batch_size = 0;
	cb->batch_window = 0;
	if (json_object_object_get_ex(o, "batchNotify", &x)) {
		snprintf(where, sizeof(where), "%sbatchNotify", pre);
		if (!json_object_is_type(x, json_type_object))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s: an object {size, timeWindow}", where);
		other = cv_sub_unknown(x, bnames);
		if (other)
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.%.40s: unknown field", where, other);
		if (!json_object_object_get_ex(x, "size", NULL))
			return cv_fail(r, 400, CV_C_BAD_FIELD, "%s.size: required, an integer from 1 to 1000", where);
		cb->batch_window = 60;
		st = cv_sub_int(r, x, where, "size", 1, 1000, &cb->batch_size);
		if (!st)
			st = cv_sub_int(r, x, where, "timeWindow", 5, 86400, &cb->batch_window);
		if (st)
			return st;
	}
	return 0;
}

void cv_sub_render_attrs(struct cv_jw *w, const char *key, const struct cv_cb_attr *a, size_t n)
{
	cv_jw_key(w, key);
	cv_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", cv_cb_attr_names[a[i].type]);
		cv_jw_kstr(w, "key", a[i].key);
		/* a header's value may be a credential: never shown again */
		cv_jw_kstr(w, "value", a[i].type == CV_CBA_HEADER && a[i].value[0] != '$' ? "********" : a[i].value);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

void cv_sub_render_policies(struct cv_jw *w, const struct cv_callback *cb)
{
	cv_jw_key(w, "retryPolicy");
	cv_jw_obj(w);
	cv_jw_kstr(w, "policy", cv_cb_retry_names[cb->retry]);
	if (cb->retry == CV_RETRY_BOUNDED)
		cv_jw_kint(w, "retryNumber", cb->retry_number);
	if (cb->retry != CV_RETRY_NONE)
		cv_jw_kint(w, "retryDelay", cb->retry_delay);
	cv_jw_end(w);
	if (cb->batch_size) {
		cv_jw_key(w, "batchNotify");
		cv_jw_obj(w);
		cv_jw_kint(w, "size", cb->batch_size);
		cv_jw_kint(w, "timeWindow", cb->batch_window);
		cv_jw_end(w);
	}
}

void cv_sub_render_callback(struct cv_jw *w, const struct cv_callback *cb)
{
	cv_jw_key(w, "callback");
	cv_jw_obj(w);
	if (!cb->target[0]) {
		cv_jw_key(w, "poll");
		cv_jw_obj(w);
		cv_jw_kstr(w, "name", cb->name);
		cv_jw_end(w);
		cv_jw_end(w);
		return;
	}
	cv_jw_key(w, "webhook");
	cv_jw_obj(w);
	cv_jw_kstr(w, "name", cb->name);
	cv_jw_kstr(w, "target", cb->target);
	cv_sub_render_attrs(w, "attributes", cb->attrs, cb->nattrs);
	cv_jw_end(w);
	cv_jw_end(w);
}

void cv_sub_secret_text(const struct cv_callback *cb, char out[64])
{
	unsigned char b64[4 * ((CV_CB_SECRET_LEN + 2) / 3) + 1];

	EVP_EncodeBlock(b64, cb->secret, CV_CB_SECRET_LEN);
	snprintf(out, 64, "whsec_%s", (const char *)b64);
}

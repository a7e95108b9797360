/* subscribe.c - what the callbacks and monitors of both faces share (see subscribe.h). */
#include "config.h"
#include "subscribe.h"

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

/* The index of s in names[0..n), or -1. */
int cv_sub_index(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
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
	"vin", "vid", "callbackId", "callbackLabel", "monitorId", "fleetId", "remoteType", "remoteId", NULL,
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
		t = type ? cv_sub_index(type, cv_cb_attr_names, 3) : -1;
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
				       "$callbackLabel, $monitorId, $fleetId, $remoteType, $remoteId)", where, i, value);
		at->type = (uint8_t)t;
		cv_strlcpy(at->key, key, sizeof(at->key));
		cv_strlcpy(at->value, value, sizeof(at->value));
	}
	*nattrs = n;
	return 0;
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
		int k = json_object_is_type(x, json_type_string) ? cv_sub_index(json_object_get_string(x), names, n) : -1;

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


/* subscribe.c - what the callbacks and monitors of both faces share (see subscribe.h). */
#include "config.h"
#include "subscribe.h"
#include "cbattr.h"
#include "netguard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "u:" login (B2C) or "f:" fleet id (B2B) */
void cv_sub_owner(const struct cv_req *r, char *owner, size_t n)
{
	snprintf(owner, n, "%s:%s", r->b2b ? "f" : "u", r->b2b ? r->fid : r->tok.user);
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
 * The ranges a webhook may reach besides public addresses: cvnotify's
 * setting, CVAPI_NOTIFY_ALLOW (netguard.h), read once. A value that is no
 * list of ranges is said once and allows nothing more.
 */
static const struct cv_netguard *guard(void)
{
	static struct cv_netguard g;
	static bool read;
	const char *allow = getenv("CVAPI_NOTIFY_ALLOW");

	if (!read) {
		read = true;
		if (allow && cv_ng_allow(&g, allow)) {
			fprintf(stderr, "cvapi: CVAPI_NOTIFY_ALLOW=\"%.60s\" is not a list of ranges: public addresses only\n",
				allow);
			memset(&g, 0, sizeof(g));
		}
	}
	return &g;
}

/*
 * A host that is a literal address ("169.254.169.254", "[::1]") that the
 * guard refuses; NULL for a name (resolved and checked at delivery) or an
 * address it permits.
 */
static const char *literal_refused(const char *host, size_t len)
{
	char a[64];
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	size_t n = len;

	if (len && host[0] == '[') {
		const char *close = memchr(host, ']', len);

		if (!close)
			return NULL;
		host++;
		n = (size_t)(close - host);
	} else {
		const char *colon = memchr(host, ':', len);

		if (colon)
			n = (size_t)(colon - host);
	}
	if (n == 0 || n >= sizeof(a))
		return NULL;
	memcpy(a, host, n);
	a[n] = '\0';
	if (inet_pton(AF_INET, a, &s4.sin_addr) == 1)
		return cv_ng_permits(guard(), (struct sockaddr *)&s4, sizeof(s4)) ? NULL : "an address";
	if (inet_pton(AF_INET6, a, &s6.sin6_addr) == 1)
		return cv_ng_permits(guard(), (struct sockaddr *)&s6, sizeof(s6)) ? NULL : "an address";
	return NULL;
}

/*
 * A webhook target: http:// or https://, a host, no user name or password
 * (credentials go in attributes, which GET never shows), no fragment, no
 * space or control character. A host that is a literal address the
 * guard refuses (loopback, private, link-local where metadata services
 * live...: netguard.h) is refused here, unless CVAPI_NOTIFY_ALLOW admits
 * it; a name is resolved and checked at delivery, on the address actually
 * connected to.
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
	if (literal_refused(host, (size_t)(end - host)))
		return "is an address a webhook may not reach (loopback, private, link-local, reserved or this host's: "
		       "the host's CVAPI_NOTIFY_ALLOW may admit it)";
	return NULL;
}

void cv_sub_attributes(struct cv_jread *jr, json_object *o, const char *name, struct cv_cb_attr *attrs,
		       size_t *nattrs)
{
	static const char *const keys[] = { "type", "key", "value", NULL };
	size_t n;
	json_object *a = cv_jr_array(jr, o, name, 0, CV_CB_ATTRS_MAX, CV_JR_OPTIONAL, &n);

	*nattrs = 0;
	if (!a)
		return;
	cv_jr_enter(jr, name);
	for (size_t i = 0; i < n && !jr->failed; i++) {
		json_object *x = json_object_array_get_idx(a, i);
		struct cv_cb_attr *at = &attrs[i];
		const char *key = NULL, *value = NULL;
		int t = CV_CBA_BODY;

		cv_jr_enter_item(jr, i);
		cv_jr_object(jr, x, NULL, keys, CV_JR_REQUIRED);
		cv_jr_enum(jr, x, "type", cv_cb_attr_names, 3, CV_JR_REQUIRED, &t);
		if (cv_jr_string(jr, x, "key", CV_CB_KEY_MAX, CV_JR_REQUIRED, &key) && !token_ok(key, t == CV_CBA_HEADER))
			cv_jr_fail(jr, "key", "must be visible ASCII characters%s",
				   t == CV_CBA_HEADER ? " of a header name" : " without & = #");
		else if (key && t == CV_CBA_HEADER && cv_cbattr_header_reserved(key))
			cv_jr_fail(jr, "key", "must not be %s: a header that frames the request, says where it goes or "
				   "signs it is cvnotify's", key);
		if (cv_jr_string(jr, x, "value", CV_CB_VALUE_MAX, CV_JR_REQUIRED, &value)) {
			if (t == CV_CBA_HEADER && strpbrk(value, "\r\n"))
				cv_jr_fail(jr, "value", "must hold no line break in a header");
			else if (value[0] == '$' && !known_variable(value + 1))
				cv_jr_fail(jr, "value", "unknown variable %.40s (known: $vin, $vid, $callbackId, $callbackLabel, "
					   "$monitorId, $fleetId, $remoteType, $remoteId, $remoteStatus, $remoteLabel)", value);
		}
		cv_jr_leave(jr);
		if (jr->failed)
			break;
		at->type = (uint8_t)t;
		cv_strlcpy(at->key, key, sizeof(at->key));
		cv_strlcpy(at->value, value, sizeof(at->value));
	}
	cv_jr_leave(jr);
	*nattrs = jr->failed ? 0 : n;
}

void cv_sub_cbattrs(struct cv_jread *jr, json_object *o, const char *name, struct cv_cb_attr *attrs,
		    size_t *nattrs)
{
	static const char *const keys[] = { "webhook", "pushnotif", "websocket", NULL };
	json_object *ca = cv_jr_object(jr, o, name, keys, CV_JR_OPTIONAL);

	*nattrs = 0;
	if (!ca)
		return;
	cv_jr_enter(jr, name);
	if (cv_jr_has(ca, "pushnotif") || cv_jr_has(ca, "websocket"))
		cv_jr_fail(jr, cv_jr_has(ca, "pushnotif") ? "pushnotif" : "websocket", "webhooks are what this server delivers");
	cv_sub_attributes(jr, ca, "webhook", attrs, nattrs);
	cv_jr_leave(jr);
}

/*
 * callback: {webhook: {name, target, attributes}}, or (an extension) {poll:
 * {name}}: nothing is delivered, the client reads its actions' states (the
 * console's callback). websocket and pushnotif are refused.
 */
void cv_sub_callback(struct cv_jread *jr, json_object *o, struct cv_callback *cb)
{
	static const char *const kinds[] = { "webhook", "poll", "websocket", "pushnotif", NULL };
	static const char *const wnames[] = { "name", "target", "attributes", NULL };
	static const char *const pnames[] = { "name", NULL };
	json_object *c = cv_jr_object(jr, o, "callback", kinds, CV_JR_REQUIRED), *k;
	const char *name = NULL, *target = NULL, *problem;

	if (!c)
		return;
	cv_jr_enter(jr, "callback");
	if (cv_jr_has(c, "websocket") || cv_jr_has(c, "pushnotif"))
		cv_jr_fail(jr, NULL, "websocket and push-notification callbacks are not served: "
			   "webhooks are what this server delivers");
	else if (cv_jr_has(c, "poll") && cv_jr_has(c, "webhook"))
		cv_jr_fail(jr, NULL, "either webhook or poll, not both");
	if ((k = cv_jr_object(jr, c, "poll", pnames, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "poll");
		cv_jr_string(jr, k, "name", CV_NAME_MAX, CV_JR_REQUIRED, &name);
		cv_jr_leave(jr);
		if (!jr->failed) {
			cv_strlcpy(cb->name, name, sizeof(cb->name));
			cb->target[0] = '\0';
			cb->nattrs = 0;
		}
	} else if ((k = cv_jr_object(jr, c, "webhook", wnames, CV_JR_REQUIRED)) != NULL) {
		cv_jr_enter(jr, "webhook");
		cv_jr_string(jr, k, "name", CV_NAME_MAX, CV_JR_REQUIRED, &name);
		if (cv_jr_string(jr, k, "target", CV_CB_URL_MAX, CV_JR_REQUIRED, &target) &&
		    (problem = cv_sub_target_problem(target)) != NULL)
			cv_jr_fail(jr, "target", "%s", problem);
		if (!jr->failed) {
			cv_strlcpy(cb->name, name, sizeof(cb->name));
			cv_strlcpy(cb->target, target, sizeof(cb->target));
		}
		cv_sub_attributes(jr, k, "attributes", cb->attrs, &cb->nattrs);
		cv_jr_leave(jr);
	}
	cv_jr_leave(jr);
}

void cv_sub_policies(struct cv_jread *jr, json_object *o, bool always, struct cv_callback *cb)
{
	static const char *const rnames[] = { "policy", "retryNumber", "retryDelay", NULL };
	static const char *const bnames[] = { "size", "timeWindow", NULL };
	json_object *x;
	int64_t v;
	int p;

	/* no retryPolicy: one try (the schema's default policy is the first it lists) */
	cb->retry = CV_RETRY_NONE;
	cb->retry_number = 3;
	cb->retry_delay = 10;
	if ((x = cv_jr_object(jr, o, "retryPolicy", rnames, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "retryPolicy");
		if (cv_jr_enum(jr, x, "policy", cv_cb_retry_names, always ? 3 : 2, CV_JR_REQUIRED, &p))
			cb->retry = (uint8_t)p;
		if (cv_jr_int(jr, x, "retryNumber", 1, 100, CV_JR_OPTIONAL, &v))
			cb->retry_number = (int32_t)v;
		if (cv_jr_int(jr, x, "retryDelay", 1, 86400, CV_JR_OPTIONAL, &v))
			cb->retry_delay = (int32_t)v;
		cv_jr_leave(jr);
	}
	cb->batch_size = 0;
	cb->batch_window = 0;
	if ((x = cv_jr_object(jr, o, "batchNotify", bnames, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "batchNotify");
		if (cv_jr_int(jr, x, "size", 1, 1000, CV_JR_REQUIRED, &v))
			cb->batch_size = (int32_t)v;
		cb->batch_window = 60;
		if (cv_jr_int(jr, x, "timeWindow", 5, 86400, CV_JR_OPTIONAL, &v))
			cb->batch_window = (int32_t)v;
		cv_jr_leave(jr);
	}
}

bool cv_sub_status(struct cv_jread *jr, json_object *o, uint8_t *status)
{
	static const char *const keys[] = { "status", NULL };
	int k;

	cv_jr_object(jr, o, NULL, keys, CV_JR_REQUIRED);
	if (!cv_jr_enum(jr, o, "status", cv_cb_status_names, 2, CV_JR_REQUIRED, &k))
		return false;
	*status = (uint8_t)k;
	return true;
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

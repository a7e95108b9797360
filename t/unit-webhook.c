/*
 * unit-webhook.c - cvnotify's pieces without I/O: the Standard Webhooks
 * signature (the specification's own example), the request built for a
 * callback (attributes, variables, the body per face), and the address
 * guard's ranges.
 */
#include "webhook.h"
#include "netguard.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_sign(void)
{
	/* the example of the Standard Webhooks specification */
	const char *secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	unsigned char key[64];
	int kl = EVP_DecodeBlock(key, (const unsigned char *)secret, (int)strlen(secret));
	char sig[64];
	const char *body = "{\"test\": 2432232314}";

	ok(kl == 24, "the example key decodes (24 bytes)");
	cv_wh_sign(key, 24, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig);
	is_str(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "the specification's signature");
	cv_wh_sign(key, 24, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig);
	ok(strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), "another timestamp, another signature");
}

static const char *header(const struct cv_wh_request *rq, const char *name)
{
	size_t l = strlen(name);

	for (size_t i = 0; i < rq->nheaders; i++)
		if (!strncmp(rq->headers[i], name, l) && rq->headers[i][l] == ':')
			return rq->headers[i] + l + 2;
	return NULL;
}

static void test_build(void)
{
	struct cv_callback cb = { .id = "c0ffee", .owner = "u:ann", .label = "mine",
				  .target = "https://hooks.example.com/in?x=1" };
	struct cv_note n = { .kind = CV_NOTE_MONITOR, .raised = 1714552200000LL, .ref = "mon1", .vin = "VR3ABCDE012345678",
			     .vid = "00112233445566778899aabbccddeeff" };
	struct cv_note *notes[2] = { &n, &n };
	struct cv_wh_request rq;
	json_object *o;

	cb.attrs[cb.nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_HEADER, .key = "Authorization", .value = "Bearer t0k" };
	cb.attrs[cb.nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_QUERY, .key = "car id", .value = "$VIN" };
	cb.attrs[cb.nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_BODY, .key = "who", .value = "$callbackLabel" };
	n.attrs[n.nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_BODY, .key = "m", .value = "$monitorId" };
	n.attrs[n.nattrs++] = (struct cv_cb_attr){ .type = CV_CBA_QUERY, .key = "r", .value = "$remoteId" };
	memset(n.wid, 0xab, sizeof(n.wid));
	n.body = cv_strdup("{\"monitorId\":\"mon1\",\"refresh\":false}");
	n.body_len = strlen(n.body);

	ok(cv_wh_build(&cb, notes, 1, 1700000000, &rq) == CV_OK, "B2C: built");
	is_str(cv_buf_str(&rq.url), "https://hooks.example.com/in?x=1&car%20id=VR3ABCDE012345678&r=",
	       "query attributes appended, escaped, variables filled in ($remoteId: none for a monitor)");
	is_str(header(&rq, "Authorization"), "Bearer t0k", "a Header attribute");
	is_str(header(&rq, "webhook-id"), "msg_abababababababababababababababab", "webhook-id from the note");
	is_str(header(&rq, "webhook-timestamp"), "1700000000", "webhook-timestamp");
	ok(header(&rq, "webhook-signature") && !strncmp(header(&rq, "webhook-signature"), "v1,", 3), "webhook-signature");
	o = json_tokener_parse(cv_buf_str(&rq.body));
	ok(o != NULL, "the body is JSON");
	is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	       "{\"callbackId\":\"c0ffee\",\"attributes\":[{\"key\":\"who\",\"value\":\"mine\"},{\"key\":\"m\",\"value\":\"mon1\"}],"
	       "\"type\":\"Monitor\",\"date\":\"2024-05-01T08:30:00Z\",\"monitorEvent\":{\"monitorId\":\"mon1\",\"refresh\":false}}",
	       "B2C: a Message wrapping the event");
	json_object_put(o);
	cv_wh_free(&rq);

	cb.b2b = 1;
	cv_strlcpy(n.fid, "f1", sizeof(n.fid));
	ok(cv_wh_build(&cb, notes, 2, 1700000000, &rq) == CV_OK, "B2B: built");
	o = json_tokener_parse(cv_buf_str(&rq.body));
	is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	       "{\"monitorId\":\"mon1\",\"attributes\":[{\"key\":\"who\",\"value\":\"mine\"},{\"key\":\"m\",\"value\":\"mon1\"}],"
	       "\"events\":[{\"monitorId\":\"mon1\",\"refresh\":false},{\"monitorId\":\"mon1\",\"refresh\":false}]}",
	       "B2B: MonitorEvents with the batch");
	json_object_put(o);
	cv_wh_free(&rq);
	cv_note_clear(&n);
}

static bool permits(const struct cv_netguard *g, const char *addr)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1)
		return cv_ng_permits(g, (struct sockaddr *)&a4, sizeof(a4));
	if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1)
		return cv_ng_permits(g, (struct sockaddr *)&a6, sizeof(a6));
	return false;
}

static void test_guard(void)
{
	struct cv_netguard none = { 0 }, lo = { 0 }, priv = { 0 }, cidr = { 0 }, bad = { 0 };
	static const char *const refused[] = {
		"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3",
	};
	static const char *const public_[] = { "93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:1.1.1.1" };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ok(!permits(&none, refused[i]), "refused by default: %s", refused[i]);
	for (size_t i = 0; i < sizeof(public_) / sizeof(public_[0]); i++)
		ok(permits(&none, public_[i]), "a public address passes: %s", public_[i]);
	ok(cv_ng_allow(&lo, "loopback") == CV_OK, "allow loopback");
	ok(permits(&lo, "127.0.0.1") && permits(&lo, "::1") && permits(&lo, "::ffff:127.0.0.1"), "loopback allowed");
	ok(!permits(&lo, "10.0.0.1") && !permits(&lo, "169.254.169.254"), "private still refused");
	ok(cv_ng_allow(&priv, "private") == CV_OK, "allow private");
	ok(permits(&priv, "10.0.0.1") && permits(&priv, "fd00::1") && !permits(&priv, "127.0.0.1"),
	   "private allowed, loopback not");
	ok(cv_ng_allow(&cidr, "10.1.0.0/16, 192.168.7.7") == CV_OK, "allow a CIDR and an address");
	ok(permits(&cidr, "10.1.200.3") && !permits(&cidr, "10.2.0.1"), "inside the CIDR only");
	ok(permits(&cidr, "192.168.7.7") && !permits(&cidr, "192.168.7.8"), "that address only");
	ok(cv_ng_allow(&bad, "10.0.0.0/33") != CV_OK, "a bad prefix length is refused");
	ok(cv_ng_allow(&bad, "intranet") != CV_OK, "an unknown word is refused");
}

int main(void)
{
	test_sign();
	test_build();
	test_guard();
	return tap_done();
}

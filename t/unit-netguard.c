/*
 * unit-netguard.c - tests of notify/netguard: the ranges a webhook may not
 * reach beyond the private ones (t/unit-webhook.c has those), 6to4, and the
 * host's own addresses.
 */
#include "netguard.h"
#include "tap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

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

static void test_ranges(void)
{
	struct cv_netguard none = { 0 }, priv = { 0 }, doc = { 0 };
	static const char *const refused[] = {
		"192.0.2.1", "198.51.100.7", "203.0.113.200", "192.88.99.1", "2001:db8::1", "100::1",
		"fec0::1", "::127.0.0.1", "::10.0.0.1", "::8.8.8.8",
		/* 6to4 addresses embedding refused IPv4 ones */
		"2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:0a00:0001:1::2", "2002:c000:0201::1",
	};
	static const char *const public_[] = { "2002:0808:0808::1", "2002:5db8:d822::1", "2606:4700::1111", "8.8.4.4" };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ok(!permits(&none, refused[i]), "refused by default: %s", refused[i]);
	for (size_t i = 0; i < sizeof(public_) / sizeof(public_[0]); i++)
		ok(permits(&none, public_[i]), "a public address passes: %s", public_[i]);
	ok(cv_ng_allow(&priv, "private") == CV_OK, "allow private");
	ok(permits(&priv, "fec0::1") && !permits(&priv, "192.0.2.1") && !permits(&priv, "::10.0.0.1"),
	   "\"private\" holds site-local, not the documentation ranges nor IPv4-compatible addresses");
	ok(cv_ng_allow(&doc, "192.0.2.0/24") == CV_OK, "allow a documentation range by its CIDR");
	ok(permits(&doc, "192.0.2.1") && !permits(&doc, "198.51.100.7"), "that range only");
}

/* Every address of the host's interfaces is its own, and refused; an address it does not hold is not. */
static void test_own(void)
{
	struct cv_netguard none = { 0 };
	struct ifaddrs *all, *i;
	unsigned char a[16] = { 0 };
	size_t n = 0;

	if (getifaddrs(&all)) {
		ok(true, "# SKIP getifaddrs failed");
		return;
	}
	for (i = all; i; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN];

		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		memset(a, 0, sizeof(a));
		if (i->ifa_addr->sa_family == AF_INET) {
			a[10] = a[11] = 0xff;
			memcpy(a + 12, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			inet_ntop(AF_INET, a + 12, text, sizeof(text));
		} else {
			memcpy(a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			inet_ntop(AF_INET6, a, text, sizeof(text));
		}
		ok(cv_ng_own(a), "%s (%s) is the host's own", text, i->ifa_name);
		ok(!cv_ng_permits(&none, i->ifa_addr, i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
				  sizeof(struct sockaddr_in6)), "and refused: %s", text);
		n++;
	}
	freeifaddrs(all);
	ok(n > 0, "the host has addresses (%zu)", n);
	inet_pton(AF_INET6, "2606:4700::1111", a);
	ok(!cv_ng_own(a), "an address the host does not hold is not its own");
}

int main(void)
{
	test_ranges();
	test_own();
	return tap_done();
}

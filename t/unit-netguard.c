/*
 * unit-netguard.c - tests of core/netguard: the ranges a webhook may not
 * reach beyond the private ones (t/unit-webhook.c has those), 6to4, NAT64
 * and Teredo, and the host's own addresses, however many.
 */
#define _GNU_SOURCE 1                  /* unshare */
#include "netguard.h"
#include "tap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Addresses that a translator or a tunnel takes to IPv4: judged by that IPv4 address too. */
static void test_embedded(void)
{
	struct cv_netguard none = { 0 }, priv = { 0 }, nat = { 0 };
	static const char *const refused[] = {
		/* local-use NAT64 (RFC 8215): its translator may lead anywhere inside */
		"64:ff9b:1::1", "64:ff9b:1::808:808", "64:ff9b:1:ffff::1",
		/* well-known NAT64: loopback, private, link-local, documentation IPv4 inside */
		"64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::169.254.169.254", "64:ff9b::192.0.2.1",
		"64:ff9b::100.64.0.1",
		/* Teredo: a client (last 32 bits, inverted) 127.0.0.1, 10.0.0.1, 169.254.169.254 */
		"2001:0:4136:e378:8000:63bf:80ff:fffe", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
		"2001:0:4136:e378:8000:63bf:5601:5601",
		/* Teredo: a public client (8.8.8.8) behind a server at 10.0.0.1 or 127.0.0.1 */
		"2001:0:a00:1:8000:63bf:f7f7:f7f7", "2001:0:7f00:1:8000:63bf:f7f7:f7f7",
	};
	static const char *const public_[] = {
		"64:ff9b::8.8.8.8", "64:ff9b::93.184.216.34",
		/* server 65.54.227.120, client 8.8.8.8; then client 128.255.255.254 (7f00:0001 inverted) */
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7", "2001:0:4136:e378:8000:63bf:7f00:1",
		/* beside the prefixes: 64:ff9b:2::/48 is not local-use NAT64, 2001:1::/32 not Teredo */
		"64:ff9b:2::a00:1", "2001:1::a00:1",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ok(!permits(&none, refused[i]), "refused by default: %s", refused[i]);
	for (size_t i = 0; i < sizeof(public_) / sizeof(public_[0]); i++)
		ok(permits(&none, public_[i]), "a public address passes: %s", public_[i]);
	ok(cv_ng_allow(&priv, "private") == CV_OK, "allow private");
	ok(permits(&priv, "64:ff9b:1::1"), "\"private\" holds local-use NAT64");
	ok(!permits(&priv, "64:ff9b::127.0.0.1") && !permits(&priv, "64:ff9b::10.0.0.1") &&
	   !permits(&priv, "2001:0:4136:e378:8000:63bf:f5ff:fffe"),
	   "but a translated or tunnelled address is still judged by the IPv4 one it leads to");
	ok(cv_ng_allow(&nat, "64:ff9b::/96") == CV_OK, "allow the well-known NAT64 prefix by its CIDR");
	ok(permits(&nat, "64:ff9b::10.0.0.1") && !permits(&nat, "64:ff9b:1::1"), "all of it, that prefix only");
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

/*
 * A host with many addresses: in a network namespace of its own (root
 * only), 200 public IPv4 and IPv6 addresses on its loopback interface; a
 * child process there reads them at its first check (this process has
 * made none yet, so the child's cache is empty) and says through its exit
 * status how many it did not take for the host's own, or let through.
 */
#define MANY 100
static void test_many_own(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		ok(true, "# SKIP root only: a network namespace with %d addresses", 2 * MANY);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct cv_netguard none = { 0 };
		FILE *ip;
		int missed = 0;

		if (unshare(CLONE_NEWNET) != 0 || !(ip = popen("ip -batch - >/dev/null 2>&1", "w")))
			_exit(255);
		fprintf(ip, "link set lo up\n");
		for (int i = 1; i <= MANY; i++)
			fprintf(ip, "addr add 203.0.114.%d/32 dev lo\naddr add 2606:4700:ffff::%x/128 dev lo\n", i, i);
		if (pclose(ip) != 0)
			_exit(254);
		for (int i = 1; i <= MANY; i++) {
			char v4[32], v6[64];

			snprintf(v4, sizeof(v4), "203.0.114.%d", i);
			snprintf(v6, sizeof(v6), "2606:4700:ffff::%x", i);
			missed += permits(&none, v4) + permits(&none, v6);
		}
		_exit(missed > 250 ? 250 : missed);
	}
	if (!ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status), "the child in its namespace ran"))
		return;
	ok(WEXITSTATUS(status) < 254, "%d addresses given to its loopback (%d)", 2 * MANY, WEXITSTATUS(status));
	is_int(WEXITSTATUS(status), 0, "every one of them is the host's own, and refused");
}

int main(void)
{
	/* first: its child must read the host's addresses afresh */
	test_many_own();
	test_ranges();
	test_embedded();
	test_own();
	return tap_done();
}

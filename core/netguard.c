/* netguard.c - which addresses a webhook may reach (see netguard.h). */
#include "config.h"
#include "netguard.h"

#include "cvtime.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct range {
	const char *cidr;
	bool private_;          /* allowed by "private" */
};

/* The refused ranges. */
static const struct range refused[] = {
	{ "0.0.0.0/8", false }, { "10.0.0.0/8", true }, { "100.64.0.0/10", true }, { "127.0.0.0/8", false },
	{ "169.254.0.0/16", true }, { "172.16.0.0/12", true }, { "192.0.0.0/24", true }, { "192.168.0.0/16", true },
	{ "198.18.0.0/15", true }, { "224.0.0.0/4", false }, { "240.0.0.0/4", false },
	{ "192.0.2.0/24", false }, { "198.51.100.0/24", false }, { "203.0.113.0/24", false }, { "192.88.99.0/24", false },
	{ "::/96", false }, { "64:ff9b:1::/48", true }, { "100::/64", false }, { "2001:db8::/32", false },
	{ "fc00::/7", true }, { "fec0::/10", true }, { "fe80::/10", true }, { "ff00::/8", false },
};

/*
 * The host's own addresses (IPv4 mapped), as many as it has, read again
 * when older than OWN_TTL_MS. own_known: a reading ever succeeded; until
 * one does, every address may be the host's own (cv_ng_own).
 */
#define OWN_TTL_MS 10000
static unsigned char (*own)[16];
static size_t nown, cap_own;
static bool own_known;
static int64_t own_read = INT64_MIN;

static bool own_family(const struct ifaddrs *i)
{
	return i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6);
}

static void own_refresh(void)
{
	struct ifaddrs *all, *i;
	int64_t now = cv_mono_ms();
	size_t n = 0;

	if (own_read != INT64_MIN && now - own_read < OWN_TTL_MS)
		return;
	if (getifaddrs(&all)) {
		/* the last reading stands a while; without one, the next check tries again */
		if (own_known)
			own_read = now;
		return;
	}
	own_read = now;
	for (i = all; i; i = i->ifa_next)
		n += own_family(i);
	if (n > cap_own) {
		own = cv_realloc(own, n * sizeof(*own));
		cap_own = n;
	}
	nown = 0;
	for (i = all; i; i = i->ifa_next) {
		if (!own_family(i))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			memset(own[nown], 0, 10);
			own[nown][10] = own[nown][11] = 0xff;
			memcpy(own[nown] + 12, &((const struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else {
			memcpy(own[nown], &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
		nown++;
	}
	own_known = true;
	freeifaddrs(all);
}

bool cv_ng_own(const unsigned char a[16])
{
	own_refresh();
	if (!own_known)
		return true;
	for (size_t i = 0; i < nown; i++)
		if (!memcmp(own[i], a, 16))
			return true;
	return false;
}

/* addr/bits into 16 bytes (IPv4 mapped); false if not one. */
static bool parse_cidr(const char *s, unsigned char addr[16], int *bits)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a4;
	long b = -1;

	if (hl == 0 || hl >= sizeof(host))
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (slash) {
		char *end;

		b = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || b < 0)
			return false;
	}
	if (inet_pton(AF_INET, host, &a4) == 1) {
		if (b > 32)
			return false;
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4, 4);
		*bits = b < 0 ? 128 : 96 + (int)b;
		return true;
	}
	if (inet_pton(AF_INET6, host, addr) == 1) {
		if (b > 128)
			return false;
		*bits = b < 0 ? 128 : (int)b;
		return true;
	}
	return false;
}

static bool in_range(const unsigned char a[16], const unsigned char r[16], int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, r, (size_t)full))
		return false;
	return !rest || ((a[full] ^ r[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static bool add(struct cv_netguard *g, const char *cidr)
{
	if (g->n == CV_NG_MAX)
		return false;
	if (!parse_cidr(cidr, g->allow[g->n].addr, &g->allow[g->n].bits))
		return false;
	g->n++;
	return true;
}

enum cv_err cv_ng_allow(struct cv_netguard *g, const char *list)
{
	char word[80];

	while (*list) {
		size_t l = strcspn(list, ", ");
		bool okw = true;

		if (l == 0) {
			list++;
			continue;
		}
		if (l >= sizeof(word))
			return CV_EINVAL;
		memcpy(word, list, l);
		word[l] = '\0';
		list += l;
		if (!strcmp(word, "loopback")) {
			okw = add(g, "127.0.0.0/8") && add(g, "::1/128");
		} else if (!strcmp(word, "private")) {
			for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]) && okw; i++)
				if (refused[i].private_)
					okw = add(g, refused[i].cidr);
		} else if (!strcmp(word, "any")) {
			okw = add(g, "::/0");
		} else {
			okw = add(g, word);
		}
		if (!okw)
			return CV_EINVAL;
	}
	return CV_OK;
}

/* In one of the refused ranges? */
static bool in_refused(const unsigned char a[16])
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		unsigned char r[16];
		int bits;

		if (parse_cidr(refused[i].cidr, r, &bits) && in_range(a, r, bits))
			return true;
	}
	return false;
}

/*
 * The IPv4 addresses (mapped) that the IPv6 address a leads to through a
 * tunnel or a translator, into v4: 6to4 (2002::/16) the one in bits 16 to
 * 47; the well-known NAT64 prefix (64:ff9b::/96) the last 32 bits; Teredo
 * (2001::/32) its server in bits 32 to 63 and its client in the last 32
 * bits, inverted (RFC 4380). How many: 0 to 2.
 */
static size_t embedded_v4(const unsigned char a[16], unsigned char v4[2][16])
{
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const unsigned char teredo[4] = { 0x20, 0x01, 0x00, 0x00 };
	size_t n = 0;

	memset(v4, 0, 2 * sizeof(v4[0]));
	v4[0][10] = v4[0][11] = v4[1][10] = v4[1][11] = 0xff;
	if (a[0] == 0x20 && a[1] == 0x02) {
		memcpy(v4[n++] + 12, a + 2, 4);
	} else if (!memcmp(a, nat64, sizeof(nat64))) {
		memcpy(v4[n++] + 12, a + 12, 4);
	} else if (!memcmp(a, teredo, sizeof(teredo))) {
		memcpy(v4[n++] + 12, a + 4, 4);
		for (int i = 12; i < 16; i++)
			v4[n][i] = (unsigned char)~a[i];
		n++;
	}
	return n;
}

bool cv_ng_permits(const struct cv_netguard *g, const struct sockaddr *sa, socklen_t len)
{
	unsigned char a[16], v4[2][16];
	size_t n;

	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	for (size_t i = 0; i < g->n; i++)
		if (in_range(a, g->allow[i].addr, g->allow[i].bits))
			return true;
	if (cv_ng_own(a) || in_refused(a))
		return false;
	/* where a tunnel or a translator takes it: each IPv4 address refused as itself */
	n = embedded_v4(a, v4);
	for (size_t i = 0; i < n; i++)
		if (cv_ng_own(v4[i]) || in_refused(v4[i]))
			return false;
	return true;
}

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
	{ "::/96", false }, { "64:ff9b::/96", true }, { "100::/64", false }, { "2001:db8::/32", false },
	{ "fc00::/7", true }, { "fec0::/10", true }, { "fe80::/10", true }, { "ff00::/8", false },
};

/* The host's own addresses (IPv4 mapped), read again when older than OWN_TTL_MS. */
#define OWN_MAX 64
#define OWN_TTL_MS 10000
static unsigned char own[OWN_MAX][16];
static size_t nown;
static int64_t own_read = INT64_MIN;

static void own_refresh(void)
{
	struct ifaddrs *all, *i;
	int64_t now = cv_mono_ms();

	if (own_read != INT64_MIN && now - own_read < OWN_TTL_MS)
		return;
	own_read = now;
	if (getifaddrs(&all))
		return;         /* the last reading stands */
	nown = 0;
	for (i = all; i && nown < OWN_MAX; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			memset(own[nown], 0, 10);
			own[nown][10] = own[nown][11] = 0xff;
			memcpy(own[nown] + 12, &((const struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			nown++;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(own[nown++], &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(all);
}

bool cv_ng_own(const unsigned char a[16])
{
	own_refresh();
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

bool cv_ng_permits(const struct cv_netguard *g, const struct sockaddr *sa, socklen_t len)
{
	unsigned char a[16];

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
	if (a[0] == 0x20 && a[1] == 0x02) {
		/* 6to4: the IPv4 address in bits 16 to 47 is where it goes */
		unsigned char v4[16] = { [10] = 0xff, [11] = 0xff };

		memcpy(v4 + 12, a + 2, 4);
		return !cv_ng_own(v4) && !in_refused(v4);
	}
	return true;
}

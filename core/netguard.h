/*
 * netguard.h - which addresses a webhook may reach.
 *
 * A callback's target is a URL that anyone with an account chose: without
 * a guard, cvnotify would POST into the host's own network (the store's
 * machine, a cloud metadata service, a router's admin page). So the
 * address actually connected to, after DNS, is checked: loopback, private
 * (RFC 1918, RFC 4193, the deprecated site-local fec0::/10), shared
 * (RFC 6598), link-local (metadata services live there), multicast,
 * reserved, documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32, which hosts do use inside), IPv4-compatible (::/96),
 * local-use NAT64 (64:ff9b:1::/48, whose translator may lead anywhere
 * inside) and unspecified addresses are refused, and so is every address
 * of the host's own interfaces (a public one reaches the host's own
 * services), unless a range the host allowed holds them. An IPv4-mapped
 * IPv6 address is judged as the IPv4 address it maps. An address that a
 * tunnel or a translator takes to IPv4 is refused as well when that IPv4
 * address is one of the host's or in a refused range (whatever the
 * allowed ranges say of it): 6to4 (2002::/16, bits 16 to 47), well-known
 * NAT64 (64:ff9b::/96, the last 32 bits), Teredo (2001::/32: its server,
 * bits 32 to 63, and its client, the last 32 bits inverted).
 *
 * The host's addresses, all of them, are read with getifaddrs() at the
 * first check and again when the last reading is over 10 s old; until a
 * reading succeeds, every address counts as the host's own (refused).
 */
#ifndef CV_NETGUARD_H
#define CV_NETGUARD_H

#include "cv.h"

#include <stdbool.h>
#include <sys/socket.h>

#define CV_NG_MAX 32

struct cv_netguard {
	struct {
		unsigned char addr[16];             /* IPv4 as mapped IPv6 */
		int bits;                           /* prefix length over the 16 bytes */
	} allow[CV_NG_MAX];
	size_t n;
};

/*
 * Allow a range: a CIDR ("10.1.0.0/16", "fd00::/8"), an address, or a
 * name: "loopback" (127.0.0.0/8 and ::1), "private" (every refused range
 * but loopback, multicast and unspecified), "any" (everything).
 * Several may be given separated by commas or spaces. CV_EINVAL on a word
 * that is none of these.
 */
enum cv_err cv_ng_allow(struct cv_netguard *g, const char *list);

/* true if the address may be connected to. */
bool cv_ng_permits(const struct cv_netguard *g, const struct sockaddr *sa, socklen_t len);

/* true if a (16 bytes, IPv4 as mapped IPv6) is an address of the host's interfaces, or may be (none read yet). */
bool cv_ng_own(const unsigned char a[16]);

#endif

/*
 * cvteltonika.c - cvteltonika: the Teltonika trackers' TCP server.
 *
 *   cvteltonika [--listen [HOST:]PORT] [--allow RANGES]
 *
 * The store is $CVAPI_HOME, as for the other programs. One thread, one
 * epoll loop: a listening socket and every tracker's connection
 * (tracker.h: the protocol and the store work of one connection), each a
 * fixed struct with a receive buffer of the codec's ceiling, allocated at
 * accept: an idle connection costs that and a descriptor, nothing more.
 * A turn of the loop:
 *
 *   1. New connections: accepted while under CVAPI_TELTONIKA_MAX_CONN,
 *      their source address checked against --allow (refused: closed at
 *      once, said sparingly).
 *   2. Bytes that came in: read into the connection's buffer, every whole
 *      message answered (tracker.h). The records of a packet are committed
 *      durably before their acknowledgement is sent; the loop waits for
 *      that commit (one vehicle's packet at a time: a tracker sends its
 *      next packet after the acknowledgement anyway).
 *   3. Once a second (the beat): connections silent for
 *      CVAPI_TELTONIKA_IDLE seconds are closed; the vehicles with an
 *      immobilization under way (one scan of the actions' index) get
 *      their command on their connection (tracker.h); the store's role is
 *      read, and the listening socket is open on a master (or a store
 *      without replication) only: a replica closes it and every
 *      connection, so that trackers reconnect to the group's master (its
 *      address is what they are configured with: doc/devices.md).
 *
 * The watchdog: a turn's store work that outlives CVAPI_TELTONIKA_WATCHDOG
 * ends the process (SIGALRM), as cvnotify's does; its supervisor starts it
 * again, and the open recovers the store. The wait in epoll is outside it
 * (cv_store_outside). A store that needs recovery ends the process at
 * once. Nothing is kept here that a restart loses but the connections: a
 * tracker reconnects and sends again what was not acknowledged.
 */
#define _GNU_SOURCE 1                  /* accept4 */
#include "config.h"
#include "tracker.h"
#include "devices.h"
#include "cvtime.h"
#include "netguard.h"
#include "settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "cvteltonika"
#define DEFAULT_LISTEN "5027"
#define BEAT_MS 1000
#define IDLE_S 900                      /* CVAPI_TELTONIKA_IDLE */
#define MAX_CONN 20000                  /* CVAPI_TELTONIKA_MAX_CONN */
#define WATCHDOG_S 30                   /* CVAPI_TELTONIKA_WATCHDOG */
#define EVENTS 256
#define VID_BUCKETS 4096

static struct {
	const char *home;
	const char *listen;
	const char *allow;
	int64_t idle_ms;
	size_t max_conn;
	unsigned watchdog;
} opt;

static struct cv_store st;
static struct cv_netguard sources;      /* --allow: the ranges trackers may connect from (none: any) */
static struct tkd_cmds cmds;
static struct tkd_ctx ctx;
static volatile sig_atomic_t stop;
static int ep = -1, lfd = -1;
static bool paused_accept;              /* out of descriptors: the listener rests until the next beat */
static struct tkd_conn **conns;         /* the open connections, in no order */
static size_t nconns;
static struct tkd_conn *by_vid[VID_BUCKETS];

/* ---- the connections' table ------------------------------------------------ */

static unsigned vid_hash(const char *vid)
{
	unsigned h = 0;

	for (const char *p = vid; *p; p++)
		h = h * 131 + (unsigned char)*p;
	return h % VID_BUCKETS;
}

static void vid_unlink(struct tkd_conn *c)
{
	struct tkd_conn **p;

	if (!c->vid[0])
		return;
	for (p = &by_vid[vid_hash(c->vid)]; *p; p = &(*p)->next_vid)
		if (*p == c) {
			*p = c->next_vid;
			break;
		}
	c->next_vid = NULL;
}

static struct tkd_conn *vid_find(const char *vid)
{
	for (struct tkd_conn *c = by_vid[vid_hash(vid)]; c; c = c->next_vid)
		if (!strcmp(c->vid, vid))
			return c;
	return NULL;
}

/*
 * Closed connections are freed at the end of the turn: one closed while
 * the turn's events are read (another's handshake claimed its vehicle)
 * may still be named by an event of it, which then finds fd -1.
 */
static struct tkd_conn *graveyard;

static void conn_close(struct tkd_conn *c)
{
	if (c->fd < 0)
		return;
	vid_unlink(c);
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	conns[c->index] = conns[--nconns];
	conns[c->index]->index = c->index;
	c->next_vid = graveyard;
	graveyard = c;
}

static void bury(void)
{
	while (graveyard) {
		struct tkd_conn *c = graveyard;

		graveyard = c->next_vid;
		free(c);
	}
}

/*
 * A handshake named c's vehicle: another connection of the same vehicle is
 * a tracker that reconnected before its old connection timed out (or one
 * that claims its IMEI: doc/devices.md): the newest is the vehicle's.
 */
static void claimed(struct tkd_conn *c)
{
	struct tkd_conn *old = vid_find(c->vid);

	if (old && old != c) {
		fprintf(stderr, PROG ": IMEI %s connected again from %s: its connection from %s closed\n", c->imei, c->peer,
			old->peer);
		conn_close(old);
	}
	c->next_vid = by_vid[vid_hash(c->vid)];
	by_vid[vid_hash(c->vid)] = c;
}

/* ---- listening ---------------------------------------------------------------- */

/* [HOST:]PORT, HOST a name, an IPv4 address or [an IPv6 one]: the listening socket, or -1 (said). */
static int listen_on(const char *spec)
{
	char host[256] = "", port[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai, *a;
	int fd = -1, one = 1, r;

	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
			spec++;
			hl -= 2;
		}
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, spec, hl);
		host[hl] = '\0';
		cv_strlcpy(port, colon + 1, sizeof(port));
	} else {
		cv_strlcpy(port, spec, sizeof(port));
	}
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (r) {
		fprintf(stderr, PROG ": --listen %s: %s\n", opt.listen, gai_strerror(r));
		return -1;
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 1024)) {
			fprintf(stderr, PROG ": --listen %s: %s\n", opt.listen, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

static bool listening(bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (on == (lfd >= 0))
		return true;
	if (!on) {
		close(lfd);
		lfd = -1;
		fprintf(stderr, PROG ": no longer the group's master: not listening, %zu connections closed (trackers go to "
			"the master)\n", nconns);
		while (nconns)
			conn_close(conns[0]);
		return true;
	}
	lfd = listen_on(opt.listen);
	if (lfd < 0)
		return false;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	paused_accept = false;
	fprintf(stderr, PROG ": listening on %s for Teltonika trackers (the store %s)\n", opt.listen, opt.home);
	return true;
}

/* Is the source of a connection among --allow's ranges (any, without --allow)? */
static bool source_ok(const struct sockaddr_storage *sa)
{
	unsigned char a[16] = { 0 };

	if (!sources.n)
		return true;
	if (sa->ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return false;
	}
	for (size_t i = 0; i < sources.n; i++) {
		int bits = sources.allow[i].bits, k = bits / 8;

		if (memcmp(a, sources.allow[i].addr, (size_t)k))
			continue;
		if (bits % 8 && ((a[k] ^ sources.allow[i].addr[k]) & (0xff << (8 - bits % 8)) & 0xff))
			continue;
		return true;
	}
	return false;
}

static void peer_text(const struct sockaddr_storage *sa, char *out, size_t n)
{
	char h[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, h, sizeof(h));
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, h, sizeof(h));
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	}
	snprintf(out, n, "%s:%u", h, port);
}

static int64_t refused_minute;
static unsigned refused_said;

/* A refusal at accept, said at most 10 times a minute. */
static void say_refused(const char *peer, const char *why)
{
	int64_t mono = cv_mono_ms();

	if (mono - refused_minute >= 60000) {
		refused_minute = mono;
		refused_said = 0;
	}
	if (refused_said++ < 10)
		fprintf(stderr, PROG ": %s: %s: closed\n", peer, why);
}

static void accept_all(void)
{
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct tkd_conn *c;
		char peer[48];
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				fprintf(stderr, PROG ": out of descriptors at %zu connections (raise the open-file limit: "
					"LimitNOFILE): not accepting for a second\n", nconns);
				epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
				paused_accept = true;
			}
			return;
		}
		peer_text(&sa, peer, sizeof(peer));
		if (!source_ok(&sa)) {
			say_refused(peer, "not among the networks trackers may connect from (--allow)");
			close(fd);
			continue;
		}
		if (nconns >= opt.max_conn) {
			say_refused(peer, "CVAPI_TELTONIKA_MAX_CONN connections are open");
			close(fd);
			continue;
		}
		c = cv_calloc(1, sizeof(*c));
		c->fd = fd;
		c->state = TKD_HELLO;
		c->ignition = c->movement = -1;
		c->speed_kmh = -1;
		c->last_in = cv_mono_ms();
		cv_strlcpy(c->peer, peer, sizeof(c->peer));
		c->index = nconns;
		conns[nconns++] = c;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			conn_close(c);
			continue;
		}
	}
}

/* Bytes for c: read until the socket has none, answering each whole message. */
static void readable(struct tkd_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->len == sizeof(c->buf)) {
			/* the codec refuses a message over the ceiling before its end: cannot happen */
			fprintf(stderr, PROG ": %s IMEI %s: buffer full: closed\n", c->peer, c->imei);
			conn_close(c);
			return;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (c->len)
				fprintf(stderr, PROG ": %s IMEI %s: closed %s %zu bytes into a message: nothing of it stored\n",
					c->peer, c->imei[0] ? c->imei : "-", n ? strerror(errno) : "by the tracker", c->len);
			conn_close(c);
			return;
		}
		c->len += (size_t)n;
		c->last_in = cv_mono_ms();
		if (!tkd_input(&ctx, c)) {
			conn_close(c);
			return;
		}
	}
}

/* ---- the beat ----------------------------------------------------------------- */

/* The vehicles with an immobilization under way, gathered during the scan and served after it (its cursor
 * holds a read lock that a report's transaction would wait for). */
#define UNDER_WAY_MAX 256

struct under_way_list {
	char vid[UNDER_WAY_MAX][CV_VID_HEXLEN + 1];
	size_t n;
};

static int under_way(const char *vid, void *arg)
{
	struct under_way_list *u = arg;

	if (vid_find(vid))
		cv_strlcpy(u->vid[u->n++], vid, sizeof(u->vid[0]));
	return u->n == UNDER_WAY_MAX;   /* the rest at the next beat */
}

static void beat(void)
{
	int64_t mono = cv_mono_ms();
	enum cv_err e;
	bool master = cv_store_role(&st, NULL) <= CV_ROLE_MASTER;

	if (!listening(master))
		stop = 2;
	if (paused_accept && lfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
		paused_accept = false;
	}
	for (size_t i = 0; i < nconns;) {
		struct tkd_conn *c = conns[i];

		if (mono - c->last_in >= opt.idle_ms) {
			conn_close(c);          /* conns[i] is another one now */
			continue;
		}
		i++;
	}
	if (nconns) {
		static struct under_way_list u;

		u.n = 0;
		e = cv_action_under_way(&st, cv_now_ms(), 1u << CV_RT_IMMOBILIZATION, under_way, &u);
		if (e == CV_EPANIC)
			_exit(CV_EXIT_RECOVER);
		for (size_t i = 0; i < u.n; i++) {
			struct tkd_conn *c = vid_find(u.vid[i]);

			if (c && !tkd_dispatch(&ctx, c))
				conn_close(c);
		}
	}
	if (cv_store_maintain(&st, cv_now_ms()) == CV_EPANIC)
		_exit(CV_EXIT_RECOVER);
}

/* ---- main ----------------------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--listen [HOST:]PORT] [--allow RANGES]\n"
		"Takes Teltonika trackers' connections (Codec 8, 8 Extended, 12) for the store in $CVAPI_HOME. "
		"See " PROG "(8).\n");
}

/* A command setting: printable ASCII, 1 to 200 characters; def when unset or refused (said). */
static const char *setting_text(const char *name, const char *def, bool may_be_empty)
{
	const char *v = getenv(name);
	size_t n;

	if (!v)
		return def;
	n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			n = 0;
	if ((n || may_be_empty) && n <= 200 && (n || !*v))
		return v;
	fprintf(stderr, PROG ": %s=\"...\" is not 1 to 200 printable ASCII characters: \"%s\" is used\n", name, def);
	return def;
}

static int options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' }, { "allow", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	int c;

	opt.home = getenv("CVAPI_HOME");
	opt.listen = getenv("CVAPI_TELTONIKA_LISTEN");
	opt.allow = getenv("CVAPI_TELTONIKA_ALLOW");
	while ((c = getopt_long(argc, argv, "l:a:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt.listen = optarg;
			break;
		case 'a':
			opt.allow = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!opt.listen || !*opt.listen)
		opt.listen = DEFAULT_LISTEN;
	if (!opt.home || !*opt.home) {
		fprintf(stderr, PROG ": CVAPI_HOME is not set: it names the store\n");
		return 2;
	}
	if (opt.allow && *opt.allow && cv_ng_allow(&sources, opt.allow)) {
		fprintf(stderr, PROG ": --allow: \"%s\": CIDR ranges, addresses, loopback, private or any\n", opt.allow);
		return 2;
	}
	return -1;
}

static int setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	opt.idle_ms = 1000 * cv_setting_int(PROG, "CVAPI_TELTONIKA_IDLE", 10, 86400, IDLE_S);
	opt.max_conn = (size_t)cv_setting_int(PROG, "CVAPI_TELTONIKA_MAX_CONN", 1, 1000000, MAX_CONN);
	cmds.immo_on.text = setting_text("CVAPI_TELTONIKA_IMMOBILIZE", "setdigout 1", false);
	cmds.immo_on.ok = setting_text("CVAPI_TELTONIKA_IMMOBILIZE_OK", "DOUT1:1", true);
	cmds.immo_off.text = setting_text("CVAPI_TELTONIKA_RELEASE", "setdigout 0", false);
	cmds.immo_off.ok = setting_text("CVAPI_TELTONIKA_RELEASE_OK", "DOUT1:0", true);
	cv_store_set_reserve((uint64_t)cv_setting_int(PROG, "CVAPI_STORE_RESERVE", 0, 1048576, CV_STORE_RESERVE_DEFAULT));
	if (cv_store_owner(opt.home))
		return 2;
	if (cv_store_open(&st, opt.home, 0))
		return stop ? 0 : CV_EXIT_RECOVER;
	opt.watchdog = (unsigned)cv_setting_int(PROG, "CVAPI_TELTONIKA_WATCHDOG", 1, 3600, WATCHDOG_S);
	if (opt.watchdog < cv_store_watchdog_floor(&st))
		opt.watchdog = cv_store_watchdog_floor(&st);
	if (cv_clock_offset())
		fprintf(stderr, PROG ": CVAPI_CLOCK: the wall clock is shifted by %lld ms (a test setting)\n",
			(long long)cv_clock_offset());
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(stderr, PROG ": epoll_create1: %s\n", strerror(errno));
		return 2;
	}
	conns = cv_calloc(opt.max_conn, sizeof(*conns));
	ctx = (struct tkd_ctx){ .st = &st, .cmds = &cmds, .claimed = claimed };
	if (cv_store_role(&st, NULL) <= CV_ROLE_MASTER) {
		if (!listening(true))
			return 2;
	} else {
		fprintf(stderr, PROG ": not its replication group's master (a replica, or no master known yet): "
			"listening once this site is\n");
	}
	return -1;
}

static void teardown(void)
{
	fprintf(stderr, PROG ": stopping: %zu connections closed (%llu records stored, %llu sent again, %llu refused)\n",
		nconns, (unsigned long long)ctx.records, (unsigned long long)ctx.duplicates,
		(unsigned long long)ctx.refused);
	while (nconns)
		conn_close(conns[0]);
	bury();
	if (lfd >= 0)
		close(lfd);
	close(ep);
	free(conns);
	cv_store_close(&st);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[EVENTS];
	int64_t next_beat = 0;
	int status = options(argc, argv);

	if (status < 0)
		status = setup();
	if (status >= 0)
		return status;
	while (!stop) {
		int64_t wait = next_beat - cv_mono_ms();
		int n;

		cv_store_outside(&st, true);
		n = epoll_wait(ep, evs, EVENTS, wait < 0 ? 0 : (int)wait);
		cv_store_outside(&st, false);
		alarm(opt.watchdog);
		for (int i = 0; i < n; i++) {
			struct tkd_conn *c = evs[i].data.ptr;

			if (!c) {
				if (lfd >= 0)
					accept_all();
				continue;
			}
			if (c->fd >= 0)
				readable(c);
		}
		if (cv_mono_ms() >= next_beat) {
			beat();
			next_beat = cv_mono_ms() + BEAT_MS;
		}
		alarm(0);
		bury();
	}
	teardown();
	return stop == 2 ? 2 : 0;
}

/*
 * cvctl repl init, repl status: a replication group's site (db/repl.h).
 * See cvctl(8).
 */
#include "config.h"
#include "cvctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A whole number of ms from 1 to max, or the default (0) when s is NULL. */
static bool ms_opt(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s)
		return true;
	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/*
 * repl init --local HOST:PORT [--peer HOST:PORT]... [--priority N]
 * [--ack-timeout MS] [--election-timeout MS] [--heartbeat MS]:
 * DB_CONFIG written, then the environment made again with replication
 * (the store's processes stopped). Its store is opened by nothing else.
 */
int cmd_repl_init(struct ctl *c, int argc, char **argv)
{
	struct cv_repl_conf conf;
	const char *local = NULL, *prio = NULL, *ack = NULL, *elect = NULL, *hb = NULL;
	enum cv_err e;

	memset(&conf, 0, sizeof(conf));
	conf.priority = CV_REPL_PRIORITY_DEFAULT;
	for (int i = 0; i < argc; i++) {
		const char **slot = NULL;

		if (i + 1 >= argc)
			return ctl_bad_option(argv[i]);
		if (!strcmp(argv[i], "--local"))
			slot = &local;
		else if (!strcmp(argv[i], "--priority"))
			slot = &prio;
		else if (!strcmp(argv[i], "--ack-timeout"))
			slot = &ack;
		else if (!strcmp(argv[i], "--election-timeout"))
			slot = &elect;
		else if (!strcmp(argv[i], "--heartbeat"))
			slot = &hb;
		if (slot) {
			if (!*slot)
				*slot = argv[i + 1];
			i++;
			continue;
		}
		if (strcmp(argv[i], "--peer"))
			return ctl_bad_option(argv[i]);
		if (conf.npeers == CV_REPL_PEERS)
			return ctl_usage_error("too many --peer (16 at most)");
		if (!cv_repl_addr_parse(argv[i + 1], &conf.peer[conf.npeers++]))
			return ctl_usage_error("--peer must be HOST:PORT (a port from 1 to 65535)");
		i++;
	}
	if (!local)
		return ctl_usage_error("repl init needs --local HOST:PORT, this site's replication address");
	if (!cv_repl_addr_parse(local, &conf.local))
		return ctl_usage_error("--local must be HOST:PORT (a port from 1 to 65535)");
	for (size_t i = 0; i < conf.npeers; i++)
		if (!strcmp(conf.peer[i].host, conf.local.host) && conf.peer[i].port == conf.local.port)
			return ctl_usage_error("a --peer is this site's own --local address");
	if (prio) {
		unsigned p = 0;

		/* 0 is allowed (a site that never becomes master) */
		if (!strcmp(prio, "0"))
			conf.priority = 0;
		else if (!ms_opt(prio, 1000000, &p))
			return ctl_usage_error("--priority must be a whole number from 0 to 1000000");
		else
			conf.priority = p;
	}
	if (!ms_opt(ack, 600000, &conf.ack_timeout) || !ms_opt(elect, 600000, &conf.election_timeout) ||
	    !ms_opt(hb, 600000, &conf.heartbeat))
		return ctl_usage_error("--ack-timeout, --election-timeout and --heartbeat take ms, from 1 to 600000");
	if (mkdir(c->home, 0770) != 0 && errno != EEXIST) {
		fprintf(stderr, "cvctl: cannot create %s: %s\n", c->home, strerror(errno));
		return 1;
	}
	/* refused before anything is written: a running site would read the new DB_CONFIG at its next open */
	{
		long pid;

		if (cv_store_unused(c->home, &pid)) {
			fprintf(stderr, "cvctl: process %ld has the store in %s open: stop the site first\n", pid, c->home);
			return 1;
		}
	}
	e = cv_repl_config_write(c->home, &conf);
	if (e)
		return ctl_fail("writing DB_CONFIG", e);
	e = cv_store_env_reset(c->home);
	if (e)
		return ctl_fail("making the environment again with replication", e);
	printf("site %s:%u, %s\n", conf.local.host, conf.local.port,
	       conf.npeers ? "joins its group through its peers when cvrepl starts" :
			     "creates the group when cvrepl starts");
	return 0;
}

/* Wait ms milliseconds. */
static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Ask site eid its position, for up to 2 s: this process's connections
 * (a subordinate's, its own) are made when repmgr starts, and a request
 * sent before one is up is unavailable at once.
 */
static enum cv_err ask_position(struct cv_store *st, int eid, struct cv_repl_position *p)
{
	enum cv_err e = CV_EBUSY;

	for (int i = 0; i < 40 && e == CV_EBUSY; i++) {
		e = cv_repl_ask_position(st, eid, 1000, p);
		if (e == CV_EBUSY)
			nap_ms(50);
	}
	return e;
}

/*
 * The lag lines: on a replica, how many bytes of log it is behind the
 * master (the master asked over repmgr's channels); on the master, 0 and
 * each replica's. This process joins the site's replication as a
 * subordinate (cvrepl stays the listener) to ask.
 */
static void print_lag(struct cv_store *st, const struct cv_repl_view *pub, enum cv_role role,
		      const struct cv_repl_peer *peers, size_t n)
{
	struct cv_repl_position mine, theirs;
	int ret;

	if (role != CV_ROLE_MASTER && role != CV_ROLE_REPLICA) {
		printf("lag unknown: no master is known\n");
		return;
	}
	ret = st->env->repmgr_start(st->env, 0, DB_REP_CLIENT);
	if ((ret && ret != DB_REP_IGNORE) || cv_repl_own_position(st, &mine)) {
		printf("lag unknown: cannot join the site's replication (%s)\n", ret ? db_strerror(ret) : "rep_stat");
		return;
	}
	if (role == CV_ROLE_REPLICA) {
		if (ask_position(st, DB_EID_MASTER, &theirs))
			printf("lag unknown: the master did not answer\n");
		else
			printf("lag %llu bytes behind the master\n",
			       (unsigned long long)cv_repl_lsn_bytes(st, mine.lsn, theirs.lsn));
		return;
	}
	printf("lag 0 bytes (the master)\n");
	for (size_t i = 0; i < n; i++) {
		if (cv_repl_link_state(pub, &peers[i]) <= 0)
			printf("replica %s lag unknown: not connected\n", peers[i].addr);
		else if (ask_position(st, peers[i].eid, &theirs))
			printf("replica %s lag unknown: it did not answer\n", peers[i].addr);
		else
			printf("replica %s lag %llu bytes\n", peers[i].addr,
			       (unsigned long long)cv_repl_lsn_bytes(st, theirs.lsn, mine.lsn));
	}
}

/* repl status: what Berkeley DB and cvrepl say of this site. */
int cmd_repl_status(struct ctl *c, int argc, char **argv)
{
	struct cv_store *st = &c->st;
	struct cv_repl_view pub, now;
	struct cv_repl_peer peers[CV_REPL_PUB_PEERS];
	size_t n;
	enum cv_err e;

	(void)argv;
	if (argc)
		return ctl_usage(c);
	c->audit = false;
	/* the environment alone: a replica may not have its databases yet */
	e = cv_store_open(st, c->home, CV_STORE_ENV_ONLY);
	if (e)
		return ctl_fail("opening the store", e);
	if (!st->replicated) {
		printf("role single\n");
		cv_store_close(st);
		return 0;
	}
	cv_repl_read(st->repl, &pub);
	now = pub;
	e = cv_repl_observe(st, &now);
	if (e) {
		cv_store_close(st);
		return ctl_fail("reading the replication status", e);
	}
	printf("role %s\n", cv_role_name(pub.pid ? now.role : CV_ROLE_UNKNOWN));
	printf("master %s\n", now.master[0] ? now.master : "-");
	printf("master-url %s\n", pub.url[0] && !strcmp(pub.master, now.master) ? pub.url : "-");
	printf("lsn %llu/%llu\n", (unsigned long long)(now.lsn >> 32), (unsigned long long)(now.lsn & 0xffffffffu));
	printf("synced %s\n", now.synced ? "yes" : "no");
	if (pub.pid)
		printf("cvrepl %ld\n", pub.pid);
	else
		printf("cvrepl not running\n");
	/* the addresses from this process's site list, the connections from the listener's (published) */
	n = cv_repl_peers(st, peers, sizeof(peers) / sizeof(peers[0]));
	for (size_t i = 0; i < n; i++) {
		int link = cv_repl_link_state(&pub, &peers[i]);

		printf("peer %s %s\n", peers[i].addr, link > 0 ? "connected" : link == 0 ? "disconnected" : "unknown");
	}
	/* with no cvrepl, this process would become the site's listener: no lag then */
	if (pub.pid)
		print_lag(st, &pub, now.role, peers, n);
	else
		printf("lag unknown: cvrepl does not run at this site\n");
	cv_store_close(st);
	return 0;
}

/*
 * repl remove HOST:PORT: the site at HOST:PORT leaves its group (Berkeley
 * DB's group membership, kept at the master), so that the group no longer
 * counts it for elections and acknowledgements: the way to replace a site
 * that is gone for good. Run at any site of the group whose cvrepl runs;
 * the site removed should be stopped first (a running one is told, and
 * stops taking part). This process joins the site's replication as a
 * subordinate (repmgr_start answers DB_REP_IGNORE: cvrepl stays the
 * listener) to send the request to the master's listener.
 */
int cmd_repl_remove(struct ctl *c, int argc, char **argv)
{
	struct cv_store *st = &c->st;
	struct cv_repl_addr a;
	struct cv_repl_view v;
	DB_SITE *site = NULL;
	enum cv_err e;
	int ret;

	if (argc != 1)
		return ctl_usage(c);
	if (!cv_repl_addr_parse(argv[0], &a))
		return ctl_usage_error("repl remove: the site is HOST:PORT, its replication address");
	e = cv_store_open(st, c->home, CV_STORE_ENV_ONLY);
	if (e)
		return ctl_fail("opening the store", e);
	if (!st->replicated) {
		cv_store_close(st);
		fprintf(stderr, "cvctl: repl remove: this store is no site of a replication group\n");
		return 1;
	}
	cv_repl_read(st->repl, &v);
	if (!v.pid || v.role == CV_ROLE_UNKNOWN) {
		cv_store_close(st);
		fprintf(stderr, "cvctl: repl remove: %s: start cvrepl, and wait for a master to be known\n",
			v.pid ? "no master is known now" : "cvrepl does not run at this site");
		return 1;
	}
	ret = st->env->repmgr_start(st->env, 0, DB_REP_CLIENT);
	if (ret && ret != DB_REP_IGNORE) {
		cv_store_close(st);
		fprintf(stderr, "cvctl: repl remove: joining the site's replication: %s\n", db_strerror(ret));
		return 1;
	}
	ret = st->env->repmgr_site(st->env, a.host, a.port, &site, 0);
	if (!ret)
		ret = site->remove(site);       /* closes site, whatever the outcome */
	cv_store_close(st);
	if (ret) {
		fprintf(stderr, "cvctl: repl remove %s: %s\n", argv[0],
			ret == DB_REP_UNAVAIL ? "the master did not take the request (is it a site of the group, and not "
			"the master itself?)" : db_strerror(ret));
		return 1;
	}
	printf("site %s removed from the group\n", argv[0]);
	return 0;
}

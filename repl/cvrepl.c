/*
 * cvrepl - a replication group's site: the one process of the site that
 * runs Berkeley DB's Replication Manager as its listener (elections,
 * incoming messages, heartbeats), and publishes the site's role for the
 * site's other processes (db/repl.h). See cvrepl(8).
 *
 * The loop, every CVREPL_TICK_MS:
 *   - what Berkeley DB says (cv_repl_observe): role, master, log position;
 *     and the listener's connections to the other sites
 *     (cv_repl_observe_links), which only this process knows;
 *   - on becoming master: every answer cache ended (CV_GEN_ALL), and the
 *     site's address and URL written under CV_REPL_MASTER_KEY, which the
 *     replicas read to send writes there;
 *   - on a replica: the master's URL read from that record, and every
 *     answer cache ended when the log moved (what the master changed
 *     reaches a replica's store without passing through its processes,
 *     which bump the generations on the master: gen.h);
 *   - the store's housekeeping (failchk, checkpoints: store.h).
 * cvrepl spawns nothing (a process running repmgr must not fork).
 */
#include "config.h"
#include "model.h"
#include "cvtime.h"
#include "settings.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CVREPL_TICK_MS 50
/* repmgr's message threads in the listener */
#define CVREPL_THREADS 3

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cvrepl [--help] [--version]\n"
		"A replication group's site: runs Berkeley DB's Replication Manager for the\n"
		"store in $CVAPI_HOME (set up by `cvctl repl init`) and publishes the site's\n"
		"role; $CVAPI_SITE_URL is this site's own URL, where replicas send writes\n"
		"when it is the master. See cvrepl(8).\n");
}

static void nap(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (!stop && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct master_rec {
	const char *addr, *url;
};

static enum cv_err master_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	const struct master_rec *m = arg;
	char v[2 * CV_REPL_TEXT + 2];
	int n = snprintf(v, sizeof(v), "%s %s", m->addr, m->url);

	if (n < 0 || (size_t)n >= sizeof(v))
		return CV_ETOOBIG;
	return cv_store_put(st, CV_DB_META, txn, CV_REPL_MASTER_KEY, sizeof(CV_REPL_MASTER_KEY) - 1, v, (size_t)n, 0);
}

/* The URL the record names for the master at addr; "" when it names another (not replicated yet). */
static enum cv_err master_url(struct cv_store *st, const char *addr, char *url, size_t n)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_META, NULL, CV_REPL_MASTER_KEY, sizeof(CV_REPL_MASTER_KEY) - 1, &b);
	size_t al = strlen(addr);

	url[0] = '\0';
	if (e == CV_ENOTFOUND)
		e = CV_OK;
	if (!e && b.len > al + 1 && b.len - al - 1 < n && !memcmp(b.p, addr, al) && ((char *)b.p)[al] == ' ') {
		memcpy(url, (char *)b.p + al + 1, b.len - al - 1);
		url[b.len - al - 1] = '\0';
	}
	cv_buf_release(&b);
	return e;
}

int main(int argc, char **argv)
{
	struct cv_store st;
	struct cv_repl_view pub, seen, now;
	struct sigaction sa;
	const char *home, *site_url;
	bool wrote_master = false, panic = false;
	int64_t last_url_read = 0;
	enum cv_err e;
	int ret;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[1], "--version")) {
			printf("cvrepl (cvapi) %s\n", PACKAGE_VERSION);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	home = getenv("CVAPI_HOME");
	if (!home || !*home)
		home = CV_STATEDIR "/db";
	site_url = getenv("CVAPI_SITE_URL");
	if (!site_url || !*site_url) {
		fprintf(stderr, "cvrepl: CVAPI_SITE_URL is not set: replicas will answer writes with 503 while this "
			"site is the master, not knowing where to send them\n");
		site_url = "";
	} else if (strlen(site_url) >= CV_REPL_TEXT || strchr(site_url, ' ')) {
		fprintf(stderr, "cvrepl: CVAPI_SITE_URL is not a URL of under %d characters\n", CV_REPL_TEXT);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cv_store_owner(home))
		return 1;
	/* the databases later: a site that joins its group has none before repmgr brings them */
	e = cv_store_open(&st, home, CV_STORE_ENV_ONLY);
	if (e)
		return stop ? 0 : e == CV_EPANIC ? CV_EXIT_RECOVER : 1;
	if (!st.replicated) {
		fprintf(stderr, "cvrepl: the store in %s is not a replication site (no local site in its DB_CONFIG: "
			"see cvctl repl init)\n", home);
		cv_store_close(&st);
		return 2;
	}
	/* CVREPL_VERBOSE=1: Berkeley DB's own account of elections and connections, on stderr */
	if (getenv("CVREPL_VERBOSE") && !strcmp(getenv("CVREPL_VERBOSE"), "1")) {
		st.env->set_msgfile(st.env, stderr);
		st.env->set_verbose(st.env, DB_VERB_REP_ELECT, 1);
		st.env->set_verbose(st.env, DB_VERB_REPMGR_CONNFAIL, 1);
		st.env->set_verbose(st.env, DB_VERB_REPMGR_MISC, 1);
	}
	cv_repl_read(st.repl, &seen);
	if (seen.pid && seen.pid != (long)getpid()) {
		fprintf(stderr, "cvrepl: another cvrepl (pid %ld) runs this site\n", seen.pid);
		cv_store_close(&st);
		return 1;
	}
	memset(&pub, 0, sizeof(pub));
	pub.role = CV_ROLE_UNKNOWN;
	pub.pid = (long)getpid();
	cv_repl_publish(st.repl, &pub);
	/*
	 * The listener: the first process to start repmgr is, and no other
	 * cvapi process starts it. DB_REP_IGNORE: a listener that died is
	 * still named until a failchk clears it (any process's, within a
	 * second): leave, to be started again. A site that cannot join its
	 * group yet (no peer answers) tries again.
	 */
	for (int ignored = 0;;) {
		/* cvctl repl status at any site asks this one its position (db/repl.h) */
		e = cv_repl_answer_positions(&st);
		if (e)
			fprintf(stderr, "cvrepl: answering position requests: %s\n", cv_strerror(e));
		ret = st.env->repmgr_start(st.env, CVREPL_THREADS, DB_REP_ELECTION);
		if (ret == DB_REP_IGNORE && ++ignored < 5 && !stop) {
			/* a failchk clears a dead listener; then a fresh handle may start */
			nap(300);
			cv_store_maintain(&st, cv_now_ms());
			cv_store_close(&st);
			e = cv_store_open(&st, home, CV_STORE_ENV_ONLY);
			if (e)
				return stop ? 0 : e == CV_EPANIC ? CV_EXIT_RECOVER : 1;
			cv_repl_publish(st.repl, &pub);
			continue;
		}
		if (ret != DB_REP_UNAVAIL || stop)
			break;
		fprintf(stderr, "cvrepl: cannot join the group yet (no peer answers): trying again\n");
		cv_store_maintain(&st, cv_now_ms());
		nap(1000);
	}
	if (ret) {
		fprintf(stderr, "cvrepl: repmgr_start: %s\n",
			ret == DB_REP_IGNORE ? "another process of this site is the listener (a dead one not cleared "
					       "yet?)" : db_strerror(ret));
		cv_store_maintain(&st, cv_now_ms());
		pub.pid = 0;
		cv_repl_publish(st.repl, &pub);
		cv_store_close(&st);
		return stop ? 0 : 1;
	}
	st.listener = true;
	fprintf(stderr, "cvrepl: site started (store %s)\n", home);
	seen = pub;
	while (!stop) {
		int64_t t = cv_now_ms();

		now = seen;     /* the URL read last stays until it is read again */
		e = cv_repl_observe(&st, &now);
		if (e == CV_EPANIC) {
			panic = true;
			break;
		}
		if (!e) {
			cv_repl_observe_links(&st, &now);
			if (now.role != seen.role || strcmp(now.master, seen.master)) {
				fprintf(stderr, "cvrepl: %s%s%s\n", cv_role_name(now.role),
					now.master[0] && now.role != CV_ROLE_MASTER ? ", master " : "",
					now.role != CV_ROLE_MASTER ? now.master : "");
				now.changed = t;
				now.url[0] = '\0';
				wrote_master = false;
				last_url_read = 0;
				/* what was cached under the other role may be what a rollback undid */
				cv_gen_bump(&st.gen, CV_GEN_ALL);
			}
			/* the databases, once this site has them (a replica's copy done) */
			if (!st.db[0] && (now.role == CV_ROLE_MASTER || (now.role == CV_ROLE_REPLICA && now.synced)))
				(void)cv_store_dbs_open(&st);
			if (now.role == CV_ROLE_MASTER) {
				cv_strlcpy(now.url, site_url, sizeof(now.url));
			} else if (now.role == CV_ROLE_REPLICA && st.db[0] && t - last_url_read >= 500) {
				e = master_url(&st, now.master, now.url, sizeof(now.url));
				last_url_read = t;
				if (e == CV_EPANIC) {
					panic = true;
					break;
				}
				/* a resynchronization replaced the databases: opened again next turn */
				if (e == CV_ESTALE)
					cv_store_dbs_close(&st);
				if (e)
					now.url[0] = '\0';
			}
			/* on a replica the log moves under the processes: their caches end */
			if (now.role != CV_ROLE_MASTER && now.lsn != seen.lsn)
				cv_gen_bump(&st.gen, CV_GEN_ALL);
			cv_repl_publish(st.repl, &now);
			if (now.role == CV_ROLE_MASTER && !wrote_master && st.db[0]) {
				struct master_rec m = { now.master, site_url };

				/* published first: the store takes this process's writes once the role says master */
				e = cv_store_txn(&st, 0, master_txn, &m);
				wrote_master = !e;
				if (e == CV_ESTALE)
					cv_store_dbs_close(&st);
				if (e && e != CV_EREPLICA)
					fprintf(stderr, "cvrepl: writing the master's address: %s\n", cv_strerror(e));
			}
			seen = now;
		}
		/* the listener's connections: its acknowledgements, its copies to a joining site */
		cv_store_nodelay(&st);
		if (cv_store_maintain(&st, t) == CV_EPANIC) {
			panic = true;
			break;
		}
		nap(CVREPL_TICK_MS);
	}
	pub.pid = 0;
	pub.role = CV_ROLE_UNKNOWN;
	pub.master[0] = pub.url[0] = '\0';
	cv_repl_publish(st.repl, &pub);
	if (panic) {
		/* handles left open: the next opener finds this process dead inside, and recovers (store.h) */
		fprintf(stderr, "cvrepl: the store needs recovery: exiting to be restarted\n");
		_exit(CV_EXIT_RECOVER);
	}
	cv_store_close(&st);
	return 0;
}

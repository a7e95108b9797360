/*
 * spawn.c - cvapi-spawn: start and supervise FastCGI programs on UNIX sockets.
 *
 *   cvapi-spawn --dir RUNDIR [--procs N] [--mode MODE] [--group GROUP] [--daemon PROGRAM]... PROGRAM...
 *
 * For each PROGRAM (a path to a FastCGI responder such as cvapi-vehicle.fcgi)
 * it listens on RUNDIR/NAME.sock (NAME: the file name without ".fcgi") and
 * keeps N processes of it running with that socket as their fd 0, which is
 * where libfcgi programs accept requests. The supervisor holds the listening
 * sockets itself: while a process is being replaced, connections wait in the
 * socket's backlog instead of failing, and a web server (Apache
 * mod_proxy_fcgi, nginx, lighttpd without bin-path) only ever connects.
 *
 * Events, all handled in one poll() loop fed by a signalfd (no work in
 * signal handlers):
 *   - a process exits or is killed: it is started again at once, or after a
 *     growing delay (up to SP_BACKOFF_MAX_MS) when it keeps dying within a
 *     second of its start, so that a broken install does not spin a core;
 *   - SIGTERM, SIGINT: SIGTERM to every process, up to SP_GRACE_MS for them
 *     to finish their request, SIGKILL for the rest, sockets removed, exit 0;
 *   - SIGHUP: the processes are replaced one at a time (new binaries), each
 *     stopped like above before its successor starts.
 * A --daemon PROGRAM (cvnotify) is supervised the same way, one process,
 * with no socket: its fd 0 is /dev/null.
 * Every process gets PR_SET_PDEATHSIG(SIGTERM): if the supervisor itself is
 * killed with SIGKILL, its processes stop too and nothing is left orphaned.
 *
 * stdout carries one line, "ready", once every socket listens and every
 * process runs its program (each start waits for the execv, through a
 * close-on-exec pipe); stderr one line per event, and the programs' own
 * stderr (their stdout goes there too).
 */
#include "config.h"
#include "cv.h"
#include "cvtime.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SP_PROG "cvapi-spawn"
#define SP_MAX_PROCS 64
#define SP_GRACE_MS 5000            /* SIGTERM to SIGKILL */
#define SP_QUICK_MS 1000            /* a process that dies sooner "keeps dying" */
#define SP_BACKOFF_MIN_MS 250       /* after the second quick death in a row */
#define SP_BACKOFF_MAX_MS 8000

/* One program: its socket. */
struct sp_prog {
	const char *path;
	const char *base;            /* file name, for the log */
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];   /* "" for a daemon */
	int fd;                      /* the listening socket, -1 when not made */
	bool daemon;                 /* --daemon: one process, no socket (cvnotify) */
};

/* One process slot of a program. */
struct sp_slot {
	struct sp_prog *prog;
	pid_t pid;                   /* 0: not running */
	int64_t started;             /* ms, monotonic */
	int64_t start_at;            /* when not running: ms at which to start it */
	unsigned quick;              /* deaths within SP_QUICK_MS in a row */
	int64_t kill_at;             /* stopping it: ms at which to SIGKILL it, else 0 */
};

static struct sp_prog *sp_progs;
static size_t sp_nprogs;
static struct sp_slot *sp_slots;
static size_t sp_nslots;

static void sp_usage(FILE *f)
{
	fprintf(f,
		"Usage: " SP_PROG " --dir RUNDIR [--procs N] [--mode MODE] [--group GROUP] [--daemon PROGRAM]... PROGRAM...\n"
		"Start and supervise cvapi's FastCGI programs on UNIX sockets.\n"
		"\n"
		"  -d, --dir RUNDIR  where the sockets are made: RUNDIR/NAME.sock, NAME being\n"
		"                    the program's file name without \".fcgi\"\n"
		"  -n, --procs N     processes per program (1 to %d, default 2)\n"
		"  -m, --mode MODE   the sockets' permissions, octal (default 0660): the web\n"
		"                    server's user must be able to connect\n"
		"  -g, --group GROUP the sockets' group (a group of this user's, by name or\n"
		"                    number): the web server's, so that it connects without\n"
		"                    being in the programs' group, which may read the store\n"
		"  -D, --daemon PROGRAM  also keep one process of PROGRAM running, without a\n"
		"                    socket (cvnotify); may be given several times\n"
		"  -h, --help        this text\n"
		"  -V, --version     the version\n"
		"\n"
		"Prints \"ready\" on stdout once every socket listens. A process that exits\n"
		"is restarted; SIGTERM or SIGINT stops everything (exit 0), SIGHUP restarts\n"
		"the processes one by one. The programs get this environment (CVAPI_HOME...).\n",
		SP_MAX_PROCS);
}

/* One line on stderr and exit status 2 (bad usage). */
static void sp_bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, SP_PROG ": %s%s%s (see " SP_PROG " --help)\n", what, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

/* An octal permission mode such as 0660; false if s is not one. */
static bool sp_parse_mode(const char *s, mode_t *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 4)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return false;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > 0777)
		return false;
	*out = (mode_t)v;
	return true;
}

/* "killed by signal 9" or "exited with status 1" for a wait status. */
static void sp_describe(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
}

/* Make fds 0, 1 and 2 valid, so that no socket of ours ever lands on them. */
static void sp_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int nul = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

			if (nul < 0) {
				fprintf(stderr, SP_PROG ": cannot open /dev/null: %s\n", strerror(errno));
				exit(1);
			}
			if (nul != fd) {
				dup2(nul, fd);
				close(nul);
			}
		}
	}
}

/* The socket of p: unlink a stale one, bind, set the group and mode, listen. Exits 1 on failure. */
static void sp_listen(struct sp_prog *p, mode_t mode, gid_t group)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;

	if (lstat(p->sock, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, SP_PROG ": %s exists and is not a socket\n", p->sock);
			exit(1);
		}
		if (unlink(p->sock) < 0) {
			fprintf(stderr, SP_PROG ": cannot remove the stale socket %s: %s\n", p->sock, strerror(errno));
			exit(1);
		}
	}
	p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		fprintf(stderr, SP_PROG ": socket: %s\n", strerror(errno));
		exit(1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	cv_strlcpy(sa.sun_path, p->sock, sizeof(sa.sun_path));
	/* no moment at which the socket is wider open than asked */
	old = umask(0777 & ~mode);
	if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		umask(old);
		fprintf(stderr, SP_PROG ": cannot listen on %s: %s\n", p->sock, strerror(e));
		exit(1);
	}
	umask(old);
	if (group != (gid_t)-1 && chown(p->sock, (uid_t)-1, group) < 0) {
		fprintf(stderr, SP_PROG ": cannot give %s to group %ld: %s\n", p->sock, (long)group, strerror(errno));
		exit(1);
	}
	if (chmod(p->sock, mode) < 0 || listen(p->fd, SOMAXCONN) < 0) {
		fprintf(stderr, SP_PROG ": cannot listen on %s: %s\n", p->sock, strerror(errno));
		exit(1);
	}
}

/*
 * Start the process of slot s. The child gets the socket as fd 0, stderr as
 * stdout, default signal handling, and SIGTERM when the supervisor dies.
 */
static void sp_start(struct sp_slot *s, const char *why_prefix)
{
	pid_t parent = getpid();
	int execd[2];                /* closed by a successful execv (O_CLOEXEC) */
	pid_t pid;
	char c;

	if (pipe(execd) < 0)
		execd[0] = execd[1] = -1;
	else {                       /* one thread: no fork between pipe and fcntl */
		fcntl(execd[0], F_SETFD, FD_CLOEXEC);
		fcntl(execd[1], F_SETFD, FD_CLOEXEC);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, SP_PROG ": fork for %s: %s, retrying in 1 s\n", s->prog->base, strerror(errno));
		s->start_at = cv_mono_ms() + 1000;
		if (execd[0] >= 0) {
			close(execd[0]);
			close(execd[1]);
		}
		return;
	}
	if (pid == 0) {
		sigset_t none;
		char *argv[2];

		if (execd[0] >= 0)
			close(execd[0]);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);        /* the supervisor died before prctl */
		if (s->prog->daemon) {
			int nul = open("/dev/null", O_RDONLY);

			if (nul < 0 || dup2(nul, 0) < 0 || dup2(2, 1) < 0)
				_exit(1);
			if (nul > 2)
				close(nul);
		} else if (dup2(s->prog->fd, 0) < 0 || dup2(2, 1) < 0) {
			_exit(1);
		}
		argv[0] = (char *)s->prog->path;
		argv[1] = NULL;
		execv(s->prog->path, argv);
		fprintf(stderr, SP_PROG ": cannot run %s: %s\n", s->prog->path, strerror(errno));
		_exit(127);
	}
	/* Wait until the child runs the program (or gave up): once this
	 * returns, the process table shows the program, not a copy of the
	 * supervisor, and "ready" and "restarted as" are true when printed. */
	if (execd[0] >= 0) {
		close(execd[1]);
		while (read(execd[0], &c, 1) < 0 && errno == EINTR)
			;
		close(execd[0]);
	}
	s->pid = pid;
	s->started = cv_mono_ms();
	s->start_at = 0;
	s->kill_at = 0;
	if (why_prefix)
		fprintf(stderr, "%s%d\n", why_prefix, (int)pid);
}

static struct sp_slot *sp_slot_of(pid_t pid)
{
	for (size_t i = 0; i < sp_nslots; i++)
		if (sp_slots[i].pid == pid)
			return &sp_slots[i];
	return NULL;
}

/* SIGTERM to slot s's process, SIGKILL after SP_GRACE_MS (see sp_tick). */
static void sp_stop(struct sp_slot *s)
{
	if (s->pid > 0 && !s->kill_at) {
		kill(s->pid, SIGTERM);
		s->kill_at = cv_mono_ms() + SP_GRACE_MS;
	}
}

/* SIGKILL the processes whose grace period is over. */
static void sp_tick(int64_t now)
{
	for (size_t i = 0; i < sp_nslots; i++) {
		struct sp_slot *s = &sp_slots[i];

		if (s->pid > 0 && s->kill_at && now >= s->kill_at) {
			fprintf(stderr, SP_PROG ": %s[%d] did not stop within %d s, killed\n",
				s->prog->base, (int)s->pid, SP_GRACE_MS / 1000);
			kill(s->pid, SIGKILL);
			s->kill_at = INT64_MAX;
		}
	}
}

/*
 * A process ended. Unless stopping, start its successor now or, when it
 * keeps dying young, after a delay doubling from SP_BACKOFF_MIN_MS.
 */
static void sp_reaped(struct sp_slot *s, int status, bool stopping)
{
	char what[64], line[160];
	int64_t now = cv_mono_ms();
	int64_t delay = 0;
	pid_t old = s->pid;

	s->pid = 0;
	s->kill_at = 0;
	if (stopping)
		return;
	sp_describe(status, what, sizeof(what));
	if (WIFEXITED(status) && WEXITSTATUS(status) == CV_EXIT_RECOVER) {
		/* the store needs recovery, which its successor runs: no delay */
		s->quick = 0;
	} else if (now - s->started < SP_QUICK_MS) {
		s->quick++;
		if (s->quick >= 2) {
			delay = SP_BACKOFF_MIN_MS;
			for (unsigned i = 2; i < s->quick && delay < SP_BACKOFF_MAX_MS; i++)
				delay *= 2;
			delay = CV_MIN(delay, SP_BACKOFF_MAX_MS);
		}
	} else {
		s->quick = 0;
	}
	if (delay) {
		fprintf(stderr, SP_PROG ": %s[%d] %s within 1 s of its start (%u in a row), restarting it in %d ms\n",
			s->prog->base, (int)old, what, s->quick, (int)delay);
		s->start_at = now + delay;
		return;
	}
	snprintf(line, sizeof(line), SP_PROG ": %s[%d] %s, restarted as ", s->prog->base, (int)old, what);
	sp_start(s, line);
}

/* Reap every child that ended; the slot being rolled (SIGHUP) is *rolling, else NULL. */
static void sp_reap_all(bool stopping, struct sp_slot **rolling)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct sp_slot *s = sp_slot_of(pid);

		if (!s)
			continue;
		if (!stopping && rolling && *rolling == s) {
			char line[160];

			s->pid = 0;
			s->kill_at = 0;
			s->quick = 0;
			snprintf(line, sizeof(line), SP_PROG ": %s[%d] replaced by ", s->prog->base, (int)pid);
			sp_start(s, line);
			*rolling = NULL;
			continue;
		}
		sp_reaped(s, status, stopping);
	}
}

static bool sp_any_running(void)
{
	for (size_t i = 0; i < sp_nslots; i++)
		if (sp_slots[i].pid > 0)
			return true;
	return false;
}

/* Options and programs into sp_progs / sp_slots; exits 0 or 2 on --help, --version, bad usage. */
#define SP_MAX_DAEMONS 8
static const char *sp_daemons[SP_MAX_DAEMONS];
static size_t sp_ndaemons;

static void sp_parse(int argc, char **argv, const char **dir, int *procs, mode_t *mode, gid_t *group)
{
	static const struct option opts[] = {
		{ "daemon", required_argument, NULL, 'D' },
		{ "dir", required_argument, NULL, 'd' },
		{ "procs", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	int64_t v;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+d:n:m:g:D:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (sp_ndaemons == SP_MAX_DAEMONS)
				sp_bad_usage("too many --daemon programs", optarg);
			sp_daemons[sp_ndaemons++] = optarg;
			break;
		case 'd':
			*dir = optarg;
			break;
		case 'n':
			if (cv_parse_i64(optarg, 1, SP_MAX_PROCS, &v) != CV_OK)
				sp_bad_usage("--procs wants a number of processes from 1 to 64", optarg);
			*procs = (int)v;
			break;
		case 'm':
			if (!sp_parse_mode(optarg, mode))
				sp_bad_usage("--mode wants an octal permission mode such as 0660", optarg);
			break;
		case 'g': {
			struct group *gr = getgrnam(optarg);

			if (gr)
				*group = gr->gr_gid;
			else if (cv_parse_i64(optarg, 0, INT32_MAX, &v) == CV_OK)
				*group = (gid_t)v;
			else
				sp_bad_usage("--group wants a group name or number", optarg);
			break;
		}
		case 'h':
			sp_usage(stdout);
			exit(0);
		case 'V':
			printf(SP_PROG " (cvapi) %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			if (optopt == 'd' || optopt == 'n' || optopt == 'm' || optopt == 'g' || optopt == 'D')
				sp_bad_usage("an option lacks its value", argv[optind - 1]);
			sp_bad_usage("unknown option", argv[optind - 1]);
		}
	}
	if (!*dir || !**dir)
		sp_bad_usage("--dir RUNDIR is required", NULL);
	if (optind >= argc && !sp_ndaemons)
		sp_bad_usage("no PROGRAM to run", NULL);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int procs = 2;
	mode_t mode = 0660;
	gid_t group = (gid_t)-1;
	sigset_t sigs;
	int sfd;
	bool stopping = false, hup = false;
	size_t roll_next = 0;
	struct sp_slot *rolling = NULL;

	sp_parse(argc, argv, &dir, &procs, &mode, &group);
	sp_nprogs = (size_t)(argc - optind) + sp_ndaemons;
	sp_progs = cv_calloc(sp_nprogs, sizeof(*sp_progs));
	for (size_t i = 0; i < sp_nprogs; i++) {
		struct sp_prog *p = &sp_progs[i];
		bool daemon = i >= (size_t)(argc - optind);
		const char *path = daemon ? sp_daemons[i - (size_t)(argc - optind)] : argv[optind + i];
		const char *slash = strrchr(path, '/');
		size_t len;
		int n;

		p->path = path;
		p->base = slash ? slash + 1 : p->path;
		p->fd = -1;
		p->daemon = daemon;
		if (daemon) {
			if (access(p->path, X_OK) < 0) {
				fprintf(stderr, SP_PROG ": cannot run %s: %s\n", p->path, strerror(errno));
				exit(1);
			}
			continue;
		}
		len = strlen(p->base);
		if (len > 5 && !strcmp(p->base + len - 5, ".fcgi"))
			len -= 5;
		if (!len)
			sp_bad_usage("not a program file name", p->path);
		n = snprintf(p->sock, sizeof(p->sock), "%s/%.*s.sock", dir, (int)len, p->base);
		if (n < 0 || (size_t)n >= sizeof(p->sock)) {
			fprintf(stderr, SP_PROG ": the socket path %s/%.*s.sock is too long (at most %zu bytes)\n",
				dir, (int)len, p->base, sizeof(p->sock) - 1);
			exit(1);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(sp_progs[j].sock, p->sock))
				sp_bad_usage("two programs would share one socket", p->sock);
		if (access(p->path, X_OK) < 0) {
			fprintf(stderr, SP_PROG ": cannot run %s: %s\n", p->path, strerror(errno));
			exit(1);
		}
	}

	sp_std_fds();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, SP_PROG ": signalfd: %s\n", strerror(errno));
		return 1;
	}

	sp_nslots = 0;
	for (size_t i = 0; i < sp_nprogs; i++) {
		if (!sp_progs[i].daemon)
			sp_listen(&sp_progs[i], mode, group);
		sp_nslots += sp_progs[i].daemon ? 1 : (size_t)procs;
	}
	sp_slots = cv_calloc(sp_nslots, sizeof(*sp_slots));
	for (size_t i = 0, k = 0; i < sp_nprogs; i++)
		for (size_t j = 0; j < (sp_progs[i].daemon ? 1 : (size_t)procs); j++)
			sp_slots[k++].prog = &sp_progs[i];
	for (size_t i = 0; i < sp_nslots; i++)
		sp_start(&sp_slots[i], NULL);
	fputs("ready\n", stdout);
	fflush(stdout);

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int64_t now = cv_mono_ms(), next = INT64_MAX;
		struct signalfd_siginfo si;
		int timeout;

		if (stopping && !sp_any_running())
			break;
		/* SIGHUP: the next slot to replace, once the previous one is back */
		if (hup && !stopping && !rolling) {
			while (roll_next < sp_nslots && sp_slots[roll_next].pid <= 0)
				roll_next++;
			if (roll_next < sp_nslots) {
				rolling = &sp_slots[roll_next++];
				sp_stop(rolling);
			} else {
				hup = false;
				fprintf(stderr, SP_PROG ": every process replaced\n");
			}
		}
		sp_tick(now);
		for (size_t i = 0; i < sp_nslots; i++) {
			struct sp_slot *s = &sp_slots[i];

			if (!stopping && s->pid <= 0 && s->start_at && s->start_at <= now) {
				char line[160];

				snprintf(line, sizeof(line), SP_PROG ": %s restarted as ", s->prog->base);
				sp_start(s, line);
			}
			if (!stopping && s->pid <= 0 && s->start_at)
				next = CV_MIN(next, s->start_at);
			if (s->pid > 0 && s->kill_at && s->kill_at != INT64_MAX)
				next = CV_MIN(next, s->kill_at);
		}
		timeout = next == INT64_MAX ? -1 : (int)CV_MAX(0, CV_MIN(next - now, 60000));
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, SP_PROG ": poll: %s\n", strerror(errno));
			return 1;
		}
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGTERM:
			case SIGINT:
				if (!stopping) {
					stopping = true;
					for (size_t i = 0; i < sp_nslots; i++)
						sp_stop(&sp_slots[i]);
				}
				break;
			case SIGHUP:
				if (!stopping && !hup) {
					hup = true;
					roll_next = 0;
					fprintf(stderr, SP_PROG ": SIGHUP: replacing every process, one at a time\n");
				}
				break;
			default:
				break;
			}
		}
		if (stopping)
			rolling = NULL;
		sp_reap_all(stopping, &rolling);
	}

	for (size_t i = 0; i < sp_nprogs; i++) {
		if (sp_progs[i].daemon)
			continue;
		close(sp_progs[i].fd);
		unlink(sp_progs[i].sock);
	}
	free(sp_slots);
	free(sp_progs);
	close(sfd);
	return 0;
}

/*
 * failchk-repro.c - what a process killed with SIGKILL costs the others
 * of a Berkeley DB 5.3 environment, outside cvapi.
 *
 *   failchk-repro DIR [SECONDS] [WRITERS] [MODE] [any|idle]
 *
 * WRITERS processes (default 4) open one transactional environment in
 * DIR as cvapi does (DB_REGISTER | DB_RECOVER, set_isalive, a thread
 * table, a 2 s lock timeout), open 8 databases, and in a loop read a few
 * records with a cursor and write a transaction of one to four records, each
 * followed by a pause of 0-3 ms outside Berkeley DB; every second each
 * runs failchk (one at a time, under an flock() of DIR) and a checkpoint;
 * a process opens the environment under the same flock().
 * Each says in shared memory, before and after every Berkeley DB call,
 * whether it is outside the library. The parent kills one of them with
 * SIGKILL every 50-300 ms for SECONDS (default 30), reads the mark the
 * dead one left, and starts a replacement. What the replacement does
 * depends on MODE:
 *
 *   recover   (default) the replacement opens: the registry names a dead
 *             process, so it recovers, ending every other writer first
 *             (DB_EVENT_REG_ALIVE), which are started again.
 *   clear     after a death outside the library, the parent empties the
 *             dead process's registry slot (under the registry's lock)
 *             and the survivors' failchk releases what it held: the
 *             replacement opens without recovery. After a death inside,
 *             as `recover`.
 *   probe     after a death outside the library, the replacement opens
 *             with DB_FAILCHK added (Berkeley DB attaches, runs failchk,
 *             and empties the slot when that suffices). Inside: `recover`.
 *
 * With `idle`, the parent first asks its victim to stop at its next pause
 * (outside the library, for good) and kills it there: only deaths outside
 * the library. With `any` (default), kills land wherever the writer is.
 *
 * Every writer counts the panics it meets (DB_RUNRECOVERY, the
 * environment's errors); a writer whose heartbeat stops for 5 s is
 * reported hung and killed. At the end every writer is stopped, the
 * environment is recovered once more, and every transaction a writer saw
 * committed is looked for. The figures go to stdout; the environment's
 * messages to stderr.
 *
 * Build: cc -O2 -o failchk-repro failchk-repro.c -ldb-5.3
 */
#define _GNU_SOURCE
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXW 16
#define NDB 8                           /* databases: one is checked at the end */
#define SLOT_LEN 25
#define SLOT_EMPTY "X                      0\n"

enum mode { M_RECOVER, M_CLEAR, M_PROBE };

struct worker {
	pid_t pid;
	volatile int outside;           /* 1: no call into Berkeley DB under way */
	volatile uint64_t beat;         /* bumped by every loop turn */
	volatile uint64_t acked;        /* commits acknowledged so far (the next key) */
	volatile int panics;            /* DB_RUNRECOVERY met */
	volatile int einval;            /* "Invalid argument" from a mutex */
	volatile int park;              /* set by the parent: stop at the next pause, outside */
	volatile int parked;            /* set by the writer: stopped outside for good */
};

static struct shared {
	struct worker w[MAXW];
	volatile int msgs_panic;        /* environment messages saying panic */
} *sh;

static const char *dir;
static uint32_t threads = 256;          /* set_thread_count (FAILCHK_THREADS) */
static int me = -1;                     /* this writer's index */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
	(void)env;
	(void)prefix;
	fprintf(stderr, "[%ld] %s\n", (long)getpid(), msg);
	if (me >= 0 && strstr(msg, "Invalid argument"))
		__atomic_add_fetch(&sh->w[me].einval, 1, __ATOMIC_SEQ_CST);
	if (strstr(msg, "panic") || strstr(msg, "PANIC"))
		__atomic_add_fetch(&sh->msgs_panic, 1, __ATOMIC_SEQ_CST);
}

static void msgcall(const DB_ENV *env, const char *msg)
{
	(void)env;
	fprintf(stderr, "[%ld] %s\n", (long)getpid(), msg);
}

static int isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	(void)env;
	(void)tid;
	(void)flags;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* As cvapi: a recovery ends every process still attached to the old regions. */
static void event(DB_ENV *env, u_int32_t ev, void *info)
{
	pid_t pid;

	(void)env;
	if (ev != DB_EVENT_REG_ALIVE || !info)
		return;
	pid = *(pid_t *)info;
	if (pid > 0 && pid != getpid() && pid != getppid())
		kill(pid, SIGKILL);
}

static int env_open(DB_ENV **out, uint32_t extra)
{
	DB_ENV *env;
	int ret = db_env_create(&env, 0);

	if (ret)
		return ret;
	env->set_errcall(env, errcall);
	env->set_msgcall(env, msgcall);
	env->set_lk_detect(env, DB_LOCK_DEFAULT);
	env->set_timeout(env, 2000000, DB_SET_LOCK_TIMEOUT);
	env->set_cachesize(env, 0, 16 * 1024 * 1024, 1);
	env->set_lk_max_locks(env, 100000);
	env->set_lk_max_objects(env, 100000);
	env->set_lk_max_lockers(env, 10000);
	env->set_thread_count(env, threads);
	env->set_isalive(env, isalive);
	env->set_event_notify(env, event);
	env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
	ret = env->open(env, dir, DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
			DB_THREAD | DB_REGISTER | DB_RECOVER | extra, 0660);
	if (ret) {
		env->close(env, 0);
		return ret;
	}
	*out = env;
	return 0;
}

static void mark(bool outside)
{
	__atomic_store_n(&sh->w[me].outside, outside ? 1 : 0, __ATOMIC_SEQ_CST);
}

static void check(int ret)
{
	if (ret == DB_RUNRECOVERY) {
		__atomic_add_fetch(&sh->w[me].panics, 1, __ATOMIC_SEQ_CST);
		_exit(75);
	}
}

/* One writer: transactions of one to four puts, a pause outside after each. */
static void writer(uint32_t extra)
{
	DB_ENV *env;
	DB *dbs[NDB], *db;
	int64_t last = mono_ms();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int ret;

	mark(false);
	srandom((unsigned)getpid());
	/* as cvapi: a process joins in the failchk turn, no failchk beside it */
	flock(dfd, LOCK_EX);
	ret = env_open(&env, extra);
	flock(dfd, LOCK_UN);
	if (ret) {
		fprintf(stderr, "[%ld] open: %s\n", (long)getpid(), db_strerror(ret));
		check(ret);
		_exit(1);
	}
	for (int i = 0; i < NDB; i++) {
		char name[16];

		snprintf(name, sizeof(name), i ? "t%d.db" : "t.db", i);
		if ((ret = db_create(&dbs[i], env, 0)) || (ret = dbs[i]->open(dbs[i], NULL, name, NULL, DB_BTREE,
									     DB_AUTO_COMMIT | DB_THREAD | DB_CREATE, 0660))) {
			fprintf(stderr, "[%ld] db open: %s\n", (long)getpid(), db_strerror(ret));
			check(ret);
			_exit(1);
		}
	}
	for (;;) {
		struct worker *w = &sh->w[me];
		uint64_t seq = w->acked;
		DB_TXN *txn;
		char kb[32], vb[200];
		int n = 1 + (int)(random() % 4);

		mark(false);
		/* a read with a cursor, at read committed, as a reader does */
		{
			DBC *c;
			DBT k = { 0 }, v = { 0 };

			db = dbs[random() % NDB];
			k.flags = v.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
			if (!(ret = db->cursor(db, NULL, &c, DB_READ_COMMITTED))) {
				for (int i = 0; i < 8 && !c->get(c, &k, &v, i ? DB_NEXT : DB_LAST); i++)
					;
				c->close(c);
			}
			check(ret);
		}
		ret = env->txn_begin(env, NULL, &txn, 0);
		check(ret);
		for (int i = 0; i < n && !ret; i++) {
			DBT k = { 0 }, v = { 0 };

			k.size = (u_int32_t)snprintf(kb, sizeof(kb), "%02d-%012llu-%d", me, (unsigned long long)seq, i);
			k.data = kb;
			memset(vb, 'a' + i, sizeof(vb));
			v.data = vb;
			v.size = sizeof(vb);
			/* the key checked at the end goes to t.db */
			db = i ? dbs[random() % NDB] : dbs[0];
			ret = db->put(db, txn, &k, &v, 0);
		}
		if (ret) {
			txn->abort(txn);
			check(ret);
		} else {
			ret = txn->commit(txn, 0);
			check(ret);
			if (!ret)
				w->acked = seq + 1;
		}
		if (mono_ms() - last >= 1000) {
			last = mono_ms();
			if (flock(dfd, LOCK_EX | LOCK_NB) == 0) {
				ret = env->failchk(env, 0);
				flock(dfd, LOCK_UN);
				check(ret);
			}
			check(env->txn_checkpoint(env, 1024, 1, 0));
		}
		mark(true);
		w->beat++;
		if (w->park) {
			w->parked = 1;
			for (;;)
				pause();
		}
		usleep((useconds_t)(random() % 3000));
	}
}

/*
 * Empty the registry slot of `pid`, which died outside the library: under
 * the registry's exclusive lock (its byte 1), only a slot that names pid
 * and that no process holds.
 */
static void registry_clear(pid_t pid)
{
	char path[4096], slot[SLOT_LEN + 1];
	struct flock x = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
	int fd;

	snprintf(path, sizeof(path), "%s/__db.register", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fcntl(fd, F_SETLKW, &x) == 0) {
		for (off_t at = 0; pread(fd, slot, SLOT_LEN, at) == SLOT_LEN; at += SLOT_LEN) {
			struct flock sl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };

			slot[SLOT_LEN] = '\0';
			if (slot[0] == 'X' || strtol(slot, NULL, 10) != pid)
				continue;
			if (fcntl(fd, F_GETLK, &sl) == 0 && sl.l_type == F_UNLCK &&
			    pwrite(fd, SLOT_EMPTY, SLOT_LEN, at) != SLOT_LEN)
				perror("registry");
		}
		x.l_type = F_UNLCK;
		fcntl(fd, F_SETLK, &x);
	}
	close(fd);
}

static pid_t start(int i, uint32_t extra)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		me = i;
		writer(extra);
	}
	sh->w[i].pid = pid;
	sh->w[i].outside = 0;
	sh->w[i].park = 0;
	sh->w[i].parked = 0;
	return pid;
}

static int slot_of(pid_t pid, int n)
{
	for (int i = 0; i < n; i++)
		if (sh->w[i].pid == pid)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	int seconds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 30;
	int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 4;
	enum mode mode = M_RECOVER;
	bool idle = argc > 5 && !strcmp(argv[5], "idle");
	int kills_out = 0, kills_in = 0, others = 0, hangs = 0, exits75 = 0, lost = 0, slow = 0;
	int64_t end, longest = 0;
	uint64_t beats[MAXW];
	int64_t beat_at[MAXW];

	if (argc < 2 || n < 2 || n > MAXW) {
		fprintf(stderr, "usage: failchk-repro DIR [SECONDS] [WRITERS 2-16] [recover|clear|probe] [any|idle]\n");
		return 2;
	}
	dir = argv[1];
	if (getenv("FAILCHK_THREADS"))
		threads = (uint32_t)strtoul(getenv("FAILCHK_THREADS"), NULL, 10);
	if (argc > 4)
		mode = !strcmp(argv[4], "clear") ? M_CLEAR : !strcmp(argv[4], "probe") ? M_PROBE : M_RECOVER;
	mkdir(dir, 0770);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(sh, 0, sizeof(*sh));
	srandom((unsigned)time(NULL));
	for (int i = 0; i < n; i++) {
		start(i, 0);
		usleep(100000);
	}
	end = mono_ms() + seconds * 1000LL;
	for (int i = 0; i < n; i++) {
		beats[i] = 0;
		beat_at[i] = mono_ms();
	}
	while (mono_ms() < end) {
		int64_t next = mono_ms() + 50 + random() % 250;
		int v = (int)(random() % n), st, i;
		pid_t pid;
		bool outside;

		/* meanwhile: writers ended by a recovery or a panic, and hangs */
		while (mono_ms() < next) {
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				if ((i = slot_of(pid, n)) < 0)
					continue;
				if (WIFEXITED(st) && WEXITSTATUS(st) == 75)
					exits75++;
				else
					others++;
				start(i, 0);
			}
			for (i = 0; i < n; i++) {
				if (sh->w[i].beat != beats[i]) {
					if (mono_ms() - beat_at[i] > longest)
						longest = mono_ms() - beat_at[i];
					beats[i] = sh->w[i].beat;
					beat_at[i] = mono_ms();
				} else if (mono_ms() - beat_at[i] > 5000 && !sh->w[i].park) {
					hangs++;
					fprintf(stderr, "%.1f s: writer %d (%ld) hung\n",
						(double)(mono_ms() - (end - seconds * 1000LL)) / 1000, i, (long)sh->w[i].pid);
					kill(sh->w[i].pid, SIGKILL);
					beat_at[i] = mono_ms();
				}
			}
			usleep(5000);
		}
		pid = sh->w[v].pid;
		if (idle) {
			/* stopped outside the library first: an idle process's death */
			int64_t t0 = mono_ms();

			sh->w[v].park = 1;
			while (!sh->w[v].parked && mono_ms() - t0 < 5000)
				usleep(1000);
			if (!sh->w[v].parked) {
				hangs++;
				fprintf(stderr, "%.1f s: writer %d (%ld) does not come out\n",
					(double)(mono_ms() - (end - seconds * 1000LL)) / 1000, v, (long)pid);
			}
		}
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		outside = sh->w[v].outside;
		outside ? kills_out++ : kills_in++;
		if (outside && mode == M_CLEAR)
			registry_clear(pid);
		start(v, outside && mode == M_PROBE ? DB_FAILCHK : 0);
		beat_at[v] = mono_ms();
	}
	for (int i = 0; i < n; i++)
		kill(sh->w[i].pid, SIGKILL);
	while (wait(NULL) > 0)
		;
	/* recover, then look for every acknowledged transaction */
	{
		DB_ENV *env;
		DB *db;
		int ret = env_open(&env, 0);

		if (ret || db_create(&db, env, 0) ||
		    db->open(db, NULL, "t.db", NULL, DB_BTREE, DB_AUTO_COMMIT | DB_THREAD, 0)) {
			fprintf(stderr, "final open: %s\n", db_strerror(ret));
			return 1;
		}
		for (int i = 0; i < n; i++)
			for (uint64_t s = 0; s < sh->w[i].acked; s++) {
				char kb[32];
				DBT k = { 0 }, d = { 0 };

				k.size = (u_int32_t)snprintf(kb, sizeof(kb), "%02d-%012llu-0", i, (unsigned long long)s);
				k.data = kb;
				d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
				if (db->get(db, NULL, &k, &d, 0))
					lost++;
			}
		db->close(db, 0);
		env->close(env, 0);
	}
	{
		int panics = 0, einval = 0;
		uint64_t acked = 0;

		for (int i = 0; i < n; i++) {
			panics += sh->w[i].panics;
			einval += sh->w[i].einval;
			acked += sh->w[i].acked;
		}
		slow = longest > 1000;
		printf("mode %s: %d s, %d writers: %d kills outside, %d inside; %d writers ended by recoveries, "
		       "%d left on a panic (DB_RUNRECOVERY %d, mutex EINVAL %d); %d hung; longest stall %lld ms%s; "
		       "%llu transactions acknowledged, %d lost\n",
		       mode == M_CLEAR ? "clear" : mode == M_PROBE ? "probe" : "recover", seconds, n, kills_out,
		       kills_in, others, exits75, panics, einval, hangs, (long long)longest, slow ? " (over 1 s)" : "",
		       (unsigned long long)acked, lost);
	}
	return 0;
}

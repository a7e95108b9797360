/* store.c - the Berkeley DB environment and its databases (see store.h). */
#define _GNU_SOURCE 1                  /* fallocate */
#include "store.h"
#include "cvtime.h"
#include "ids.h"
#include "shmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <sys/statvfs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
static void lsan_disable(void) { __lsan_disable(); }
static void lsan_enable(void) { __lsan_enable(); }
#else
static void lsan_disable(void) {}
static void lsan_enable(void) {}
#endif

const char *const cv_store_files[CV_DB_COUNT] = {
	[CV_DB_META] = "meta.db",
	[CV_DB_USERS] = "users.db",
	[CV_DB_CLIENTS] = "clients.db",
	[CV_DB_FLEETS] = "fleets.db",
	[CV_DB_VEHICLES] = "vehicles.db",
	[CV_DB_VINS] = "vins.db",
	[CV_DB_USERVEHS] = "uservehs.db",
	[CV_DB_FLEETVEHS] = "fleetvehs.db",
	[CV_DB_TOKENS] = "tokens.db",
	[CV_DB_STATUS] = "status.db",
	[CV_DB_TELEMETRY] = "telemetry.db",
	[CV_DB_EVENTS] = "events.db",
	[CV_DB_MSGIDS] = "msgids.db",
	[CV_DB_ALERTS] = "alerts.db",
	[CV_DB_ALERTOPEN] = "alertopen.db",
	[CV_DB_TRIPS] = "trips.db",
	[CV_DB_TRIPOPEN] = "tripopen.db",
	[CV_DB_CERTS] = "certs.db",
	[CV_DB_BASICAUTH] = "basicauth.db",
	[CV_DB_STOLEN] = "stolen.db",
	[CV_DB_HINDEX] = "hindex.db",
	[CV_DB_CALLBACKS] = "callbacks.db",
	[CV_DB_MONITORS] = "monitors.db",
	[CV_DB_VEHFLEETS] = "vehfleets.db",
	[CV_DB_WATCH] = "watch.db",
	[CV_DB_MSTATE] = "mstate.db",
	[CV_DB_OUTBOX] = "outbox.db",
	[CV_DB_TIMED] = "timed.db",
	[CV_DB_DELIVERIES] = "deliveries.db",
	[CV_DB_REMOTES] = "remotes.db",
	[CV_DB_RACTIVE] = "ractive.db",
	[CV_DB_VLINK] = "vlink.db",
	[CV_DB_IDEMKEYS] = "idemkeys.db",
	[CV_DB_IDEMTIME] = "idemtime.db",
	[CV_DB_DEVICES] = "devices.db",
	[CV_DB_CHARGES] = "charges.db",
	[CV_DB_CHARGEOPEN] = "chargeopen.db",
};

void cv_be64_put(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

uint64_t cv_be64_get(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

enum cv_err cv_store_err(int ret)
{
	switch (ret) {
	case 0: return CV_OK;
	case DB_NOTFOUND:
	case DB_KEYEMPTY: return CV_ENOTFOUND;
	case DB_KEYEXIST: return CV_EEXIST;
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED: return CV_EDEADLOCK;
	case DB_RUNRECOVERY: return CV_EPANIC;
	case DB_BUFFER_SMALL: return CV_ETOOBIG;
	case EINVAL: return CV_EINVAL;
	case EACCES: return CV_EREPLICA;
	case DB_REP_HANDLE_DEAD: return CV_ESTALE;
	case DB_REP_LOCKOUT:
	case DB_REP_UNAVAIL: return CV_EBUSY;
	default: return CV_EIO;
	}
}

/* failchk's question: is the process that held this slot still running? */
static int store_isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	(void)env;
	(void)tid;
	(void)flags;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Is process `pid` attached to the environment whose primary region file is
 * `region` (it maps that file)? A pid read from the registry may have been
 * reused by an unrelated process: only a process mapping our region file is
 * one of ours.
 */
static bool store_attached(pid_t pid, const char *region)
{
	char path[64], *line = NULL;
	size_t cap = 0, rlen = strlen(region);
	ssize_t n;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		found = (size_t)n >= rlen && !strcmp(line + n - rlen, region) &&
			(size_t)n > rlen && line[n - rlen - 1] == ' ';
	}
	free(line);
	fclose(f);
	return found;
}

/* Gone, or a zombie waiting for its parent: no longer touching the region. */
static bool store_gone(pid_t pid)
{
	char path[64], buf[256], *rp;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
}

/*
 * Berkeley DB's events. DB_EVENT_REG_ALIVE: this process is about to
 * recover the environment and `pid` is still attached to the old one; end
 * it (its supervisor starts a fresh one, which waits for the recovery) and
 * wait up to a second for it to be gone.
 */
/* On a replicated store: the commit token of this process's last commit
 * (cv_store_last_token); store_token_valid once one succeeded. */
static bool store_tokens;
static DB_TXN_TOKEN store_token;
static bool store_token_valid;

/* Commits of this process that replication did not acknowledge (cv_store_unacked). */
static uint64_t store_unacked_count;

uint64_t cv_store_unacked(void)
{
	return __atomic_load_n(&store_unacked_count, __ATOMIC_ACQUIRE);
}

static void store_event(DB_ENV *env, u_int32_t event, void *info)
{
	struct cv_store *st = env->app_private;
	pid_t pid;

	if (event == DB_EVENT_REP_PERM_FAILED) {
		__atomic_add_fetch(&store_unacked_count, 1, __ATOMIC_ACQ_REL);
		return;
	}
	if (event != DB_EVENT_REG_ALIVE || !info || !st)
		return;
	pid = *(pid_t *)info;
	if (pid <= 0 || pid == getpid() || !store_attached(pid, st->region))
		return;
	fprintf(stderr, "cvapi: store: recovering: ending process %ld, still on the old environment\n", (long)pid);
	if (kill(pid, SIGKILL) != 0)
		return;
	for (int i = 0; i < 100 && !store_gone(pid); i++)
		usleep(10000);
}

/*
 * Is msg noise? Two kinds: a call refused by a replication lockout (the
 * request answers 503); and a file of the store folder that is no
 * database, which a replica's copy from its master meets when it walks
 * the folder and tries every file as a database (skipping what is not
 * one): its complaints about the mapped files ("Encrypted database" or
 * "checksum" is how a file of random bytes reads, cvapi never
 * encrypting).
 */
static bool store_noise(const char *msg)
{
	static const char *const ours[] = { CV_GEN_FILE, CV_REPL_FILE, CV_STORE_PROCS_FILE, "ratelimits" };

	if (!strncmp(msg, "BDB0178 ", 8) || !strncmp(msg, "BDB0196 ", 8))
		return true;
	/* a call that met a replication lockout: the request answers 503 (repl.h, db_rep_conf_nowait) */
	if (!strncmp(msg, "BDB3504 ", 8) || !strncmp(msg, "BDB3509 ", 8))
		return true;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		const char *p = strstr(msg, ours[i]);

		if (p && p > msg && p[-1] == '/' && p[strlen(ours[i])] == ':')
			return true;
	}
	return false;
}

static void store_errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
	(void)env;
	if (msg && store_noise(msg))
		return;
	fprintf(stderr, "cvapi: store: %s%s%s\n", prefix ? prefix : "", prefix ? ": " : "", msg);
}

/* A new environment handle configured as every cvapi process configures it. */
static int store_env_make(struct cv_store *st, DB_ENV **out)
{
	DB_ENV *env;
	int ret = db_env_create(&env, 0);

	if (ret)
		return ret;
	env->set_errcall(env, store_errcall);
	/* Whoever waits for a lock wins or loses fast: deadlocks are detected at
	 * once, and a lock held for more than 2 s (by a process that died or
	 * hung) times out so that failchk can run. */
	env->set_lk_detect(env, DB_LOCK_DEFAULT);
	env->set_timeout(env, 2000000, DB_SET_LOCK_TIMEOUT);
	env->set_cachesize(env, 0, 64 * 1024 * 1024, 1);
	env->set_lg_bsize(env, 1024 * 1024);
	env->set_lg_max(env, 16 * 1024 * 1024);
	env->set_lk_max_locks(env, 100000);
	env->set_lk_max_objects(env, 100000);
	env->set_lk_max_lockers(env, 10000);
	env->set_tx_max(env, 1000);
	env->set_thread_count(env, 256);
	/*
	 * The regions are files mapped in memory: a page of one that the disk
	 * has no block for is a SIGBUS on a full disk, inside any process.
	 * So they are made whole at creation: every table at its maximum from
	 * the start (the main region then needs no growth), and written
	 * through (DB_REGION_INIT), which makes the file system give them
	 * their blocks. A log file is filled with zeroes when it is made
	 * (DB_LOG_ZERO): a full disk fails its creation, not a write into a
	 * hole of it.
	 */
	env->set_memory_init(env, DB_MEM_LOCK, 100000);
	env->set_memory_init(env, DB_MEM_LOCKOBJECT, 100000);
	env->set_memory_init(env, DB_MEM_LOCKER, 10000);
	env->set_memory_init(env, DB_MEM_TRANSACTION, 1000);
	env->set_memory_init(env, DB_MEM_THREAD, 256);
	env->set_flags(env, DB_REGION_INIT, 1);
	env->log_set_config(env, DB_LOG_ZERO, 1);
	env->set_isalive(env, store_isalive);
	env->app_private = st;
	env->set_event_notify(env, store_event);
	env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
	*out = env;
	return 0;
}

/* ---- the region files' blocks (store.h) --------------------------------- */

/*
 * How far this process maps the file (dev, ino): the end of its furthest
 * mapping, read from /proc/self/maps; 0 when it maps none of it.
 */
static off_t mapped_end(dev_t dev, ino_t ino)
{
	char *line = NULL;
	size_t cap = 0;
	off_t end = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	/* lo-hi perms offset major:minor inode path, numbers in hex but the inode */
	while (getline(&line, &cap, f) > 0) {
		char *p = line;
		unsigned long long lo, hi, off, ma, mi, in;

		lo = strtoull(p, &p, 16);
		if (*p++ != '-')
			continue;
		hi = strtoull(p, &p, 16);
		p += strspn(p, " ");
		p += strcspn(p, " ");
		off = strtoull(p, &p, 16);
		ma = strtoull(p, &p, 16);
		if (*p++ != ':')
			continue;
		mi = strtoull(p, &p, 16);
		in = strtoull(p, &p, 10);
		if (ma == major(dev) && mi == minor(dev) && in == (unsigned long long)ino && hi > lo &&
		    (off_t)(off + (hi - lo)) > end)
			end = (off_t)(off + (hi - lo));
	}
	free(line);
	fclose(f);
	return end;
}

/*
 * Give every region file of the store (__db.001, __db.002...) a block for
 * each page this process maps of it (store.h, HACKING.md "The store").
 * Berkeley DB maps a region at its largest size and makes the file larger
 * as the region grows by writing its last byte, which leaves a hole: on a
 * full disk, the first touch of a page in the hole is a SIGBUS. With the
 * blocks given here (fallocate, which never changes what the file holds,
 * while other processes write through their mappings), growth only ever
 * reaches pages that have one. A file system that cannot allocate ahead
 * (EOPNOTSUPP) is said once and left as it is. 0, or the errno of the
 * first failure (ENOSPC: the disk has no room for the regions).
 */
static int store_regions_allocate(const char *real)
{
	static bool said;
	DIR *d = opendir(real);
	struct dirent *de;
	int err = 0;

	if (!d)
		return errno;
	while (!err && (de = readdir(d))) {
		struct stat sb;
		off_t end;
		int fd;

		/* the regions (__db.001...), not the registry (__db.register) */
		if (strncmp(de->d_name, "__db.", 5) || !strchr("0123456789", de->d_name[5]) || !de->d_name[5])
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (end = mapped_end(sb.st_dev, sb.st_ino)) > 0 &&
		    fallocate(fd, 0, 0, end) != 0) {
			if (errno == EOPNOTSUPP) {
				if (!said)
					fprintf(stderr, "cvapi: store: %s: the file system cannot allocate the "
						"regions ahead: a full disk can end a process (SIGBUS)\n", real);
				said = true;
			} else {
				err = errno;
				fprintf(stderr, "cvapi: store: cannot allocate %lld bytes for %s/%s: %s\n",
					(long long)end, real, de->d_name, strerror(err));
			}
		}
		close(fd);
	}
	closedir(d);
	return err;
}

/* ---- deaths outside the store (store.h) --------------------------------- */

#define PROCS_BYTES ((size_t)CV_STORE_PROCS * sizeof(uint64_t))
/*
 * Word 0 is the boot the words belong to: a word says where a process of
 * this boot stood. After a reboot (or a power loss) every pid in the file
 * is of a machine that is gone, the region files are as the crash left
 * them, and only a recovery may open the store: the words are all
 * cleared before anything reads them (registry_settle, under the
 * registry's lock).
 */
#define PROCS_FIRST 1

/* This boot's stamp: a hash of the kernel's boot id, never 0 (0 when unknown: no word is then trusted). */
static uint64_t boot_stamp(void)
{
	char id[64];
	ssize_t n;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, id, sizeof(id));
	close(fd);
	if (n <= 0)
		return 0;
	return cv_hash64(id, (size_t)n) | 1;
}

/* Words of another boot (or of an unknown one) are cleared, and the file stamped with this boot. */
static void procs_boot(uint64_t *procs)
{
	uint64_t boot = boot_stamp();

	if (!procs)
		return;
	if (boot && __atomic_load_n(&procs[0], __ATOMIC_ACQUIRE) == boot)
		return;
	for (size_t i = PROCS_FIRST; i < CV_STORE_PROCS; i++)
		__atomic_store_n(&procs[i], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&procs[0], boot, __ATOMIC_RELEASE);
}

static pid_t word_pid(uint64_t w)
{
	return (pid_t)(w >> 1);
}

static bool pid_gone(pid_t pid)
{
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/*
 * Claim a word of the processes file for this process, saying "inside".
 * Words of processes that are gone, and any this pid left in an earlier
 * life, are freed first. Without a free word the process has none, and
 * its death counts as one inside the store.
 */
static void procs_join(struct cv_store *st)
{
	uint64_t me = (uint64_t)getpid() << 1;

	if (!st->procs)
		return;
	for (size_t i = PROCS_FIRST; i < CV_STORE_PROCS; i++) {
		uint64_t w = __atomic_load_n(&st->procs[i], __ATOMIC_ACQUIRE);

		if (w && (word_pid(w) == getpid() || pid_gone(word_pid(w))))
			__atomic_compare_exchange_n(&st->procs[i], &w, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	for (size_t i = PROCS_FIRST; i < CV_STORE_PROCS && !st->mine; i++) {
		uint64_t free_word = 0;

		if (__atomic_compare_exchange_n(&st->procs[i], &free_word, me, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			st->mine = &st->procs[i];
			st->me = me;
		}
	}
}

void cv_store_outside(struct cv_store *st, bool outside)
{
	if (st->mine)
		__atomic_store_n(st->mine, st->me | (outside ? 1u : 0u), __ATOMIC_SEQ_CST);
}

/* Did the dead process pid leave the store outside Berkeley DB? Every word of its must say so. */
static bool procs_outside(const uint64_t *procs, pid_t pid)
{
	bool seen = false;

	if (!procs || pid <= 0)
		return false;
	for (size_t i = PROCS_FIRST; i < CV_STORE_PROCS; i++) {
		uint64_t w = __atomic_load_n(&procs[i], __ATOMIC_ACQUIRE);

		if (w && word_pid(w) == pid) {
			if (!(w & 1))
				return false;
			seen = true;
		}
	}
	return seen;
}

/* Free the words of pid, a dead process whose slot was emptied. */
static void procs_forget(uint64_t *procs, pid_t pid)
{
	for (size_t i = PROCS_FIRST; procs && i < CV_STORE_PROCS; i++) {
		uint64_t w = __atomic_load_n(&procs[i], __ATOMIC_ACQUIRE);

		if (w && word_pid(w) == pid)
			__atomic_compare_exchange_n(&procs[i], &w, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
}

/*
 * Berkeley DB's registry, __db.register (env/env_register.c): one 25-byte
 * slot per process with the environment open, "%24lu\n" with its pid, or
 * REG_EMPTY when free. Each live process holds a write lock (fcntl) on the
 * first byte of its slot; a slot with a pid and no lock is a process that
 * died with the environment open, which makes the next opener recover.
 * Whoever changes the file holds a write lock on its byte 1.
 */
#define REG_SLOT 25
#define REG_EMPTY "X                      0\n"

/*
 * Before this process joins: the dead processes the registry names. The
 * slot of each that died outside Berkeley DB (procs_outside) is emptied,
 * under the registry's lock, so that Berkeley DB's open does not recover
 * for it; failchk releases what it held. *cleared: how many. Returns the
 * first dead process that was not outside, or 0: for that one the open
 * recovers. This process holds no lock of the registry yet, so closing
 * the file here releases none of Berkeley DB's.
 */
static pid_t registry_settle(const char *real, uint64_t *procs, int *cleared)
{
	struct flock ex = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
	char reg[PATH_MAX + 32], slot[REG_SLOT + 1];
	pid_t inside = 0;
	off_t at;
	int fd;

	*cleared = 0;
	snprintf(reg, sizeof(reg), "%s/__db.register", real);
	fd = open(reg, (procs ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* no registry: nobody has the store open, nobody died in it */
		procs_boot(procs);
		return 0;
	}
	/* an interrupted wait (a signal): look without the lock, change nothing */
	if (!procs || fcntl(fd, F_SETLKW, &ex) != 0)
		procs = NULL;
	/* the words of another boot say nothing of this one's processes */
	procs_boot(procs);
	for (at = 0; pread(fd, slot, REG_SLOT, at) == REG_SLOT; at += REG_SLOT) {
		struct flock sl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
		pid_t pid;

		slot[REG_SLOT] = '\0';
		if (slot[0] == 'X' || fcntl(fd, F_GETLK, &sl) != 0 || sl.l_type != F_UNLCK)
			continue;
		pid = (pid_t)strtol(slot, NULL, 10);
		if (procs_outside(procs, pid) && pwrite(fd, REG_EMPTY, REG_SLOT, at) == REG_SLOT) {
			fprintf(stderr, "cvapi: store: process %ld died outside the store: no recovery, "
				"failchk releases what it held\n", (long)pid);
			procs_forget(procs, pid);
			++*cleared;
		} else if (!inside) {
			inside = pid > 0 ? pid : 1;
		}
	}
	if (procs) {
		ex.l_type = F_UNLCK;
		fcntl(fd, F_SETLK, &ex);
	}
	close(fd);
	return inside;
}

/*
 * The failchk turn (store.h): the exclusive flock() of the store folder,
 * waited for up to wait_ms. 0: had; EWOULDBLOCK: another process held it
 * all that time; another errno: flock() itself failed (EBADF: no folder).
 */
static int store_turn(struct cv_store *st, int64_t wait_ms)
{
	int64_t until = cv_mono_ms() + wait_ms;

	if (st->dirfd < 0)
		return EBADF;
	while (flock(st->dirfd, LOCK_EX | LOCK_NB) != 0) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR)
			return errno;
		if (cv_mono_ms() >= until)
			return EWOULDBLOCK;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* failchk in its turn, waited for up to wait_ms (else left to whoever has it): Berkeley DB's answer. */
static int store_failchk(struct cv_store *st, int64_t wait_ms)
{
	int ret = 0;

	if (st->dirfd < 0 || store_turn(st, wait_ms) == 0) {
		ret = st->env->failchk(st->env, 0);
		if (st->dirfd >= 0)
			flock(st->dirfd, LOCK_UN);
	}
	return ret;
}

/* How long an open waits for the failchk turn (cv_store_set_turn_wait). */
static int64_t turn_wait_ms = CV_STORE_TURN_WAIT_MS;

void cv_store_set_turn_wait(int64_t ms)
{
	turn_wait_ms = ms > 0 ? ms : 0;
}

struct vehfleets_fill {
	struct cv_store *st;
	DB_TXN *txn;
	enum cv_err e;
};

/* One link of fleetvehs (fleet id \0 vehicle id) written the other way into vehfleets (cv_store_scan). */
static int vehfleets_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct vehfleets_fill *f = arg;
	const char *nul = memchr(k, '\0', klen);
	char rk[512];
	size_t fl;

	(void)v;
	(void)vlen;
	if (!nul || klen >= sizeof(rk))
		return 0;
	fl = (size_t)(nul - (const char *)k);
	memcpy(rk, nul + 1, klen - fl - 1);
	rk[klen - fl - 1] = '\0';
	memcpy(rk + klen - fl, k, fl);
	f->e = cv_store_put(f->st, CV_DB_VEHFLEETS, f->txn, rk, klen, "", 0, 0);
	return f->e != CV_OK;
}

static enum cv_err vehfleets_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct vehfleets_fill f = { st, txn, CV_OK };
	enum cv_err e = cv_store_scan(st, CV_DB_FLEETVEHS, txn, "", 0, vehfleets_one, &f);

	(void)arg;
	return e ? e : f.e;
}

/*
 * vehfleets came after fleetvehs: a store whose links predate it gets them
 * read the other way once (two processes doing it at once write the same).
 */
static enum cv_err vehfleets_fill(struct cv_store *st)
{
	DBC *c[2] = { NULL, NULL };
	DBT k = { 0 }, d = { 0 };
	int have[2] = { 0, 0 };
	enum cv_err e;

	for (int i = 0; i < 2; i++) {
		int ret = st->db[i ? CV_DB_FLEETVEHS : CV_DB_VEHFLEETS]->cursor(st->db[i ? CV_DB_FLEETVEHS : CV_DB_VEHFLEETS],
										NULL, &c[i], 0);

		if (ret) {
			e = cv_store_err(ret);
			goto out;
		}
		k.flags = d.flags = DB_DBT_PARTIAL;
		ret = c[i]->get(c[i], &k, &d, DB_FIRST);
		if (ret && ret != DB_NOTFOUND) {
			e = cv_store_err(ret);
			goto out;
		}
		have[i] = ret == 0;
	}
	e = CV_OK;
out:
	for (int i = 0; i < 2; i++)
		if (c[i])
			c[i]->close(c[i]);
	if (!e && !have[0] && have[1])
		e = cv_store_txn(st, 0, vehfleets_txn, NULL);
	if (e) {
		fprintf(stderr, "cvapi: cannot index the vehicles' fleets: %s\n", cv_strerror(e));
		cv_store_close(st);
	}
	return e;
}

/*
 * The walk to a store folder (cv_store_owner): its owner so far, the first
 * user other than root met (0: none yet), and that step's group.
 */
struct owner_walk {
	const char *home;
	uid_t uid;
	gid_t gid;
	char first[PATH_MAX];   /* the step that set uid */
};

/*
 * Judge one step of the walk, p (its lstat() in sb); through: a folder the
 * walk looks the next name up in. Every step must be root's or the store
 * owner's (the first other than root met sets it), and a folder walked
 * through must be writable by no one else (group, others) unless sticky:
 * anyone else who may rename or replace an entry of a folder on the way
 * could swap the next step for a link of theirs between this walk and
 * the open. false: refused, a line on stderr says why.
 */
static bool owner_judge(struct owner_walk *w, const char *p, const struct stat *sb, bool through)
{
	if (sb->st_uid != 0 && !w->uid) {
		w->uid = sb->st_uid;
		w->gid = sb->st_gid;
		cv_strlcpy(w->first, p, sizeof(w->first));
	} else if (sb->st_uid != 0 && sb->st_uid != w->uid) {
		fprintf(stderr, "cvapi: refusing the store in %s: %s belongs to uid %ld and %s to uid %ld: "
			"no one but root and the store's owner may own a step of the way\n", w->home, w->first,
			(long)w->uid, p, (long)sb->st_uid);
		return false;
	}
	if (through && (sb->st_mode & (S_IWGRP | S_IWOTH)) && !(sb->st_mode & S_ISVTX)) {
		fprintf(stderr, "cvapi: refusing the store in %s: the folder %s is writable by %s without the "
			"sticky bit: another user could swap what it holds\n", w->home, p,
			(sb->st_mode & S_IWOTH) ? "others" : "its group");
		return false;
	}
	return true;
}

static bool owner_refuse(const struct owner_walk *w, const char *p, int err)
{
	fprintf(stderr, "cvapi: refusing the store in %s: %s: %s\n", w->home, p, strerror(err));
	return false;
}

/*
 * Walk the way to path from "/" (a relative path from the working folder,
 * whose own way is walked too), each step looked at with lstat() before
 * it is followed, each link's target walked the same way from where the
 * link is, and judge every step and every folder walked through
 * (owner_judge). The walk ends where a step does not exist yet (the store
 * folder cvctl is about to make, say): what exists is judged. false:
 * refused (a line on stderr), also for a way too long or of more than 40
 * links.
 */
static bool owner_walk(struct owner_walk *w, const char *path)
{
	char done[PATH_MAX], rest[PATH_MAX], link[PATH_MAX], step[PATH_MAX];
	int links = 0;
	struct stat sb;

	/* done: the steps walked, absolute, no link in it, no trailing '/'; rest: the steps to go */
	done[0] = '\0';
	if (*path != '/') {
		size_t cl;

		if (!getcwd(rest, sizeof(rest)))
			return owner_refuse(w, "the working folder", errno);
		cl = strlen(rest);
		if (cl + 1 + strlen(path) >= sizeof(rest))
			return owner_refuse(w, path, ENAMETOOLONG);
		rest[cl] = '/';
		memcpy(rest + cl + 1, path, strlen(path) + 1);
	} else if (cv_strlcpy(rest, path, sizeof(rest))) {
		return owner_refuse(w, path, ENAMETOOLONG);
	}
	while (rest[0]) {
		size_t skip = strspn(rest, "/"), len = strcspn(rest + skip, "/"), dl = strlen(done);
		const char *dir = dl ? done : "/";
		ssize_t ll;

		if (len == 0)
			break;
		/* the folder the next name is looked up in */
		if (lstat(dir, &sb) != 0)
			return owner_refuse(w, dir, errno);
		if (!owner_judge(w, dir, &sb, true))
			return false;
		if (len == 1 && rest[skip] == '.') {
			memmove(rest, rest + skip + len, strlen(rest + skip + len) + 1);
			continue;
		}
		if (len == 2 && rest[skip] == '.' && rest[skip + 1] == '.') {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = '\0';
			memmove(rest, rest + skip + len, strlen(rest + skip + len) + 1);
			continue;
		}
		if (dl + 1 + len >= sizeof(step))
			return owner_refuse(w, path, ENAMETOOLONG);
		memcpy(step, done, dl);
		step[dl] = '/';
		memcpy(step + dl + 1, rest + skip, len);
		step[dl + 1 + len] = '\0';
		memmove(rest, rest + skip + len, strlen(rest + skip + len) + 1);
		if (lstat(step, &sb) != 0)
			return errno == ENOENT ? true : owner_refuse(w, step, errno);
		if (!owner_judge(w, step, &sb, false))
			return false;
		if (!S_ISLNK(sb.st_mode)) {
			memcpy(done, step, strlen(step) + 1);
			continue;
		}
		/* a link: its target, then what was left */
		ll = readlink(step, link, sizeof(link) - 1);
		if (ll <= 0)
			return owner_refuse(w, step, ll < 0 ? errno : ENOENT);
		if (++links > 40)
			return owner_refuse(w, path, ELOOP);
		link[ll] = '\0';
		if (link[0] == '/')
			done[0] = '\0';
		if (strlen(link) + 1 + strlen(rest) >= sizeof(link))
			return owner_refuse(w, path, ENAMETOOLONG);
		memcpy(link + ll, rest, strlen(rest) + 1);
		memcpy(rest, link, strlen(link) + 1);
	}
	return true;
}

/* Berkeley DB's replication status of env: DB_REP_MASTER, DB_REP_CLIENT, or 0 (not started). */
static u_int32_t store_rep_status(DB_ENV *env)
{
	DB_REP_STAT *sp = NULL;
	u_int32_t status = 0;

	if (env->rep_stat(env, &sp, 0) == 0 && sp) {
		status = sp->st_status;
		free(sp);
	}
	return status;
}

enum cv_role cv_store_role(const struct cv_store *st, struct cv_repl_view *v)
{
	struct cv_repl_view own;

	if (!v)
		v = &own;
	if (!st->replicated) {
		memset(v, 0, sizeof(*v));
		v->role = CV_ROLE_SINGLE;
		v->synced = true;
		return CV_ROLE_SINGLE;
	}
	cv_repl_read(st->repl, v);
	return v->role;
}

/* Close the databases of st (the environment stays open). */
void cv_store_dbs_close(struct cv_store *st)
{
	for (int i = 0; i < CV_DB_COUNT; i++) {
		if (st->db[i])
			st->db[i]->close(st->db[i], 0);
		st->db[i] = NULL;
	}
}

/*
 * Open every database of st, made when create says so. Without create, a
 * database not there yet (a replica whose copy from its master is under
 * way) or being replaced is waited for, up to wait_ms, a check every
 * 100 ms. Berkeley DB's answer; on failure none is left open.
 */
static int store_dbs_open(struct cv_store *st, bool create, int wait_ms)
{
	int waited = 0, ret;

	for (;;) {
		DB_TXN *txn = NULL;

		/*
		 * All in one transaction: on a replication master each open is
		 * logged, and a commit waits for the replicas' acknowledgement:
		 * one wait rather than one per database.
		 */
		ret = st->env->txn_begin(st->env, NULL, &txn, 0);
		for (int i = 0; !ret && i < CV_DB_COUNT; i++) {
			DB *db;

			ret = db_create(&db, st->env, 0);
			if (ret)
				break;
			/* telemetry blocks (tblock.h) of up to about 3 KB stay on their
			 * leaf page (no overflow pages) only with pages of 16 KB; a
			 * database that exists keeps the page size it was made with */
			if (i == CV_DB_TELEMETRY)
				db->set_pagesize(db, 16384);
			ret = db->open(db, txn, cv_store_files[i], NULL, DB_BTREE, DB_THREAD | (create ? DB_CREATE : 0),
				       0660);
			if (ret) {
				db->close(db, 0);
				break;
			}
			st->db[i] = db;
		}
		if (!ret) {
			ret = txn->commit(txn, 0);
			if (!ret)
				return 0;
			txn = NULL;
		}
		cv_store_dbs_close(st);
		if (txn)
			txn->abort(txn);
		/* a replication lockout shows as DB_LOCK_DEADLOCK to a handle's open */
		if (!((ret == ENOENT || ret == DB_REP_HANDLE_DEAD || ret == DB_REP_LOCKOUT || ret == DB_LOCK_DEADLOCK) &&
		      !create && waited < wait_ms))
			return ret;
		usleep(100000);
		waited += 100;
	}
}

enum cv_err cv_store_dbs_open(struct cv_store *st)
{
	int ret;

	if (st->db[0])
		return CV_OK;
	ret = store_dbs_open(st, !st->replicated || store_rep_status(st->env) == DB_REP_MASTER, 0);
	return cv_store_err(ret == ENOENT ? DB_NOTFOUND : ret);
}

/* A write of nothing much: the time, under the meta key "healthz" (cv_txn_fn). */
static enum cv_err warm_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	static const char key[] = "healthz";
	unsigned char val[8];

	(void)arg;
	cv_be64_put(val, (uint64_t)cv_now_ms());
	return cv_store_put(st, CV_DB_META, txn, key, sizeof(key) - 1, val, sizeof(val), 0);
}

void cv_store_nodelay(struct cv_store *st)
{
	static int64_t last = -1;
	int64_t now = cv_mono_ms();
	DIR *d;
	struct dirent *e;

	if (!st->replicated || (last >= 0 && now - last < CV_STORE_NODELAY_MS && now >= last))
		return;
	last = now;
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int type = 0, on = 0, one = 1;
		socklen_t len = sizeof(type);
		struct sockaddr_storage a;
		socklen_t alen = sizeof(a);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		/* a TCP socket (Berkeley DB's, the only ones a program's store
		 * work makes) whose Nagle's algorithm is still on */
		if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM ||
		    getsockname((int)fd, (struct sockaddr *)&a, &alen) ||
		    (a.ss_family != AF_INET && a.ss_family != AF_INET6))
			continue;
		len = sizeof(on);
		if (!getsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) && !on)
			(void)setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	closedir(d);
}

void cv_store_repl_ready(struct cv_store *st)
{
	static int64_t warmed = -1;
	struct cv_repl_view v;
	DB_REPMGR_SITE *list = NULL;
	u_int n = 0, up = 0;

	if (!st->replicated || cv_store_role(st, &v) != CV_ROLE_MASTER || v.changed == warmed)
		return;
	warmed = v.changed;
	/* Berkeley DB starts this process's part at its first log record */
	(void)cv_store_txn(st, DB_TXN_NOSYNC, warm_txn, NULL);
	for (int64_t until = cv_mono_ms() + CV_STORE_REPL_CONNECT_MS; cv_mono_ms() < until; usleep(10000)) {
		if (st->env->repmgr_site_list(st->env, &n, &list) || !list)
			break;
		up = 0;
		for (u_int i = 0; i < n; i++)
			up += list[i].status == DB_REPMGR_CONNECTED;
		free(list);
		list = NULL;
		/* a quorum of the others: the acknowledgements a commit waits for can come */
		if (up * 2 >= n)
			break;
	}
	cv_store_nodelay(st);
}

enum cv_err cv_store_repl_barrier(struct cv_store *st)
{
	if (!st->replicated)
		return CV_OK;
	return cv_store_txn(st, 0, warm_txn, NULL);
}

static enum cv_err store_open(struct cv_store *st, const char *home, unsigned flags)
{
	DB_ENV *env;
	int ret;
	/* no DB_FAILCHK: on finding a dead process, the opener would attach
	 * to the old regions to run failchk, and can hang there on a mutex the
	 * dead process held, or leave them panicked; recovery never looks
	 * inside them (HACKING.md) */
	uint32_t envflags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
			    DB_THREAD | DB_REGISTER | DB_RECOVER;
	char real[PATH_MAX];
	int cleared = 0, turn;
	u_int32_t rep_status = 0;
	bool create = true;

	memset(st, 0, sizeof(*st));
	st->dirfd = -1;
	if ((flags & CV_STORE_CREATE) && mkdir(home, 0770) != 0) {
		struct owner_walk w = { .home = home };

		if (errno != EEXIST) {
			fprintf(stderr, "cvapi: cannot create %s: %s\n", home, strerror(errno));
			return CV_EIO;
		}
		/*
		 * Still root: cv_store_owner found no one else on the way. A
		 * folder of someone else's there now appeared since (the walk
		 * ended where the store was yet to be made): refused, never
		 * written into as root.
		 */
		if (geteuid() == 0 && (!owner_walk(&w, home) || w.uid)) {
			if (w.uid)
				fprintf(stderr, "cvapi: refusing the store in %s: it appeared meanwhile, and uid %ld "
					"owns a step of the way to it\n", home, (long)w.uid);
			return CV_EIO;
		}
	}
	if (!realpath(home, real)) {
		fprintf(stderr, "cvapi: cannot open the store in %s: %s\n", home, strerror(errno));
		return CV_EIO;
	}
	/* a replication group's site (repl.h): the environment takes part in replication */
	st->replicated = cv_repl_configured(real);
	if (st->replicated) {
		envflags |= DB_INIT_REP;
		store_tokens = true;
	}
	/*
	 * A program joins a replicated site once cvrepl has it in the group,
	 * master or a replica done with its copy: an opening waits without
	 * limit inside Berkeley DB for a copy under way (a replication
	 * lockout), past any watchdog. It waits out here instead, up to
	 * CV_STORE_SYNC_WAIT_MS, and gives up (to be started again) after.
	 */
	if (st->replicated && !(flags & (CV_STORE_CREATE | CV_STORE_ENV_ONLY))) {
		struct cv_repl_view v;
		int64_t until = cv_mono_ms() + CV_STORE_SYNC_WAIT_MS;

		if (cv_repl_map(real, &st->repl))
			return CV_EIO;
		for (;;) {
			cv_repl_read(st->repl, &v);
			if (v.role == CV_ROLE_MASTER || (v.role == CV_ROLE_REPLICA && v.synced))
				break;
			if (cv_mono_ms() >= until) {
				fprintf(stderr, "cvapi: cannot open the store in %s now: its replication site is not in its "
					"group yet (cvrepl not running, electing, or copying from its master)\n", home);
				cv_store_close(st);
				return CV_EBUSY;
			}
			usleep(50000);
		}
	}
	if ((size_t)snprintf(st->region, sizeof(st->region), "%s/__db.001", real) >= sizeof(st->region)) {
		fprintf(stderr, "cvapi: store folder name too long: %s\n", home);
		return CV_EINVAL;
	}
	st->dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	{
		void *m = NULL;

		/* without the file, every death counts as one inside: recovery */
		if (!cv_shmap_open(real, CV_STORE_PROCS_FILE, PROCS_BYTES, &m))
			st->procs = m;
	}
	{
		pid_t dead = registry_settle(real, st->procs, &cleared);

		if (dead > 0)
			fprintf(stderr, "cvapi: store: process %ld died with the store open: recovering\n", (long)dead);
	}
	ret = store_env_make(st, &env);
	if (ret) {
		fprintf(stderr, "cvapi: db_env_create: %s\n", db_strerror(ret));
		cv_store_close(st);
		return cv_store_err(ret);
	}
	/*
	 * Joining takes a slot of Berkeley DB's thread table, which failchk
	 * walks without its lock: once the table is full (a thread count of
	 * processes started since the last recovery), a joiner reuses the
	 * slot of a dead one, and a failchk reading it meanwhile takes the
	 * joiner for a thread that died inside the library, and panics the
	 * store (bench/failchk-repro.c). So no failchk runs while a process
	 * joins: the open is made in the failchk turn, and never without it.
	 *
	 * Who holds the turn, and for how long: a failchk, for milliseconds,
	 * or until the watchdog of its process ends it when it hangs on a
	 * dead process's mutex (3 s in the programs, 30 s in cvnotify, by
	 * default); an opener, for its open, a recovery included (which the
	 * joiners would wait for inside Berkeley DB anyway). The open waits
	 * CV_STORE_TURN_WAIT_MS (10 s) for it: past what a healthy holder
	 * takes, under the 30 s that a program gives its whole open. Past
	 * that the holder is stuck, and joining beside it could panic the
	 * store, which costs every process a recovery: the open is refused
	 * (CV_EBUSY, a line on stderr), the program exits and its supervisor
	 * starts it again later, while the web server answers 503; cvctl
	 * says so. (It used to open without the turn after a second.) When
	 * flock() itself fails (a file system without it), there is no turn
	 * for anyone, failchk included: the open goes on.
	 */
	/*
	 * The word is claimed ("inside") before the open registers this
	 * process: a death during the open is one inside, whatever a word
	 * an earlier process of the same pid left says.
	 */
	procs_join(st);
	turn = store_turn(st, turn_wait_ms);
	if (turn == EWOULDBLOCK) {
		fprintf(stderr, "cvapi: cannot open the store in %s now: another process has held the failchk turn "
			"(a lock of the folder) for %lld ms, and joining beside a failchk can panic the store: "
			"try again later\n", home, (long long)turn_wait_ms);
		env->close(env, 0);
		cv_store_close(st);
		return CV_EBUSY;
	}
	ret = env->open(env, home, envflags, 0660);
	if (turn == 0)
		flock(st->dirfd, LOCK_UN);
	if (ret) {
		fprintf(stderr, "cvapi: cannot open the store in %s: %s\n", home, db_strerror(ret));
		env->close(env, 0);
		cv_store_close(st);
		return cv_store_err(ret);
	}
	st->env = env;
	/*
	 * Every page of the regions with a block on disk before anything here
	 * touches them (store_regions_allocate): without room for them the
	 * open fails rather than risk a SIGBUS later.
	 */
	ret = store_regions_allocate(real);
	if (ret) {
		cv_store_close(st);
		return CV_EIO;
	}
	/* what a process that died outside held (locks, its handles' entries,
	 * mutexes) is released now rather than at someone's next maintenance */
	if (cleared) {
		ret = store_failchk(st, 1000);
		if (ret) {
			fprintf(stderr, "cvapi: store: failchk: %s\n", db_strerror(ret));
			cv_store_close(st);
			return cv_store_err(ret);
		}
	}
	if (cv_gen_open(&st->gen, real)) {
		cv_store_close(st);
		return CV_EIO;
	}
	if (st->replicated) {
		if (!st->repl && cv_repl_map(real, &st->repl)) {
			cv_store_close(st);
			return CV_EIO;
		}
		rep_status = store_rep_status(env);
		st->setup = (flags & CV_STORE_CREATE) && rep_status == 0 &&
			    cv_store_role(st, NULL) == CV_ROLE_UNKNOWN && cv_repl_first_data(real);
		create = st->setup || rep_status == DB_REP_MASTER;
	}
	/* a process that died between a commit and its bump had answered no
	 * one; this bump, by its replacement or anyone, ends the copies of
	 * what that commit changed (gen.h) */
	cv_gen_bump(&st->gen, CV_GEN_ALL);
	if (flags & CV_STORE_ENV_ONLY)
		return CV_OK;
	ret = store_dbs_open(st, create, CV_STORE_SYNC_WAIT_MS);
	if (ret) {
		fprintf(stderr, "cvapi: cannot open the databases in %s: %s\n", home, db_strerror(ret));
		if (ret == ENOENT && !create)
			fprintf(stderr, "cvapi: store: the databases are not in %s: a replica that has not received "
				"its master's copy yet, or a site whose replication has not started (cvrepl)\n", home);
		cv_store_close(st);
		return cv_store_err(ret);
	}
	if (!create)
		return CV_OK;
	return vehfleets_fill(st);
}

enum cv_err cv_store_open(struct cv_store *st, const char *home, unsigned flags)
{
	enum cv_err e;

	/* Berkeley DB's failed open (a recovery that finds a torn log at a
	 * shutdown, an interrupted DB_REGISTER wait, a recovery under way
	 * elsewhere) keeps allocations of its own, the environment handle
	 * included, that no close releases: under LeakSanitizer what an open
	 * allocates is not counted (when it succeeds, all of it is reachable
	 * from the handles anyway) */
	lsan_disable();
	e = store_open(st, home, flags);
	lsan_enable();
	return e;
}

enum cv_err cv_store_unused(const char *home, long *pid_out)
{
	uint64_t *procs = NULL;

	*pid_out = 0;
	if (!cv_shmap_open(home, CV_STORE_PROCS_FILE, PROCS_BYTES, (void **)&procs)) {
		for (size_t i = 0; i < CV_STORE_PROCS; i++) {
			uint64_t w = __atomic_load_n(&procs[i], __ATOMIC_ACQUIRE);
			pid_t pid = (pid_t)(w >> 1);

			if (w && pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)) {
				*pid_out = (long)pid;
				cv_shmap_close(procs, PROCS_BYTES);
				return CV_EBUSY;
			}
		}
		cv_shmap_close(procs, PROCS_BYTES);
	}
	return CV_OK;
}

static enum cv_err store_env_reset(const char *home)
{
	struct cv_store st;
	DB_ENV *env;
	int ret;

	memset(&st, 0, sizeof(st));
	st.dirfd = -1;
	/* nobody may be on the environment that goes away */
	long pid;

	if (cv_store_unused(home, &pid)) {
		fprintf(stderr, "cvapi: process %ld has the store in %s open: stop the site first\n", pid, home);
		return CV_EBUSY;
	}
	ret = db_env_create(&env, 0);
	if (!ret)
		ret = env->remove(env, home, DB_FORCE);
	if (!ret)
		ret = store_env_make(&st, &env);
	if (!ret) {
		/* recovery from the logs rebuilds the regions, with replication when DB_CONFIG says so */
		ret = env->open(env, home, DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN |
				DB_THREAD | DB_RECOVER | (cv_repl_configured(home) ? DB_INIT_REP : 0), 0660);
		env->close(env, 0);
	}
	if (ret) {
		fprintf(stderr, "cvapi: cannot make the store's environment in %s again: %s\n", home, db_strerror(ret));
		return cv_store_err(ret);
	}
	return CV_OK;
}

enum cv_err cv_store_env_reset(const char *home)
{
	enum cv_err e;

	/* what Berkeley DB keeps of a removed environment handle is not counted (cv_store_open) */
	lsan_disable();
	e = store_env_reset(home);
	lsan_enable();
	return e;
}

enum cv_err cv_store_owner(const char *home)
{
	struct owner_walk w = { .home = home };
	struct passwd *pw;
	gid_t gid;
	int ret;

	if (geteuid() != 0)
		return CV_OK;
	if (!owner_walk(&w, home))
		return CV_EIO;
	if (!w.uid)
		return CV_OK;
	pw = getpwuid(w.uid);
	gid = pw ? pw->pw_gid : w.gid;
	ret = pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL);
	if (ret == 0)
		ret = setgid(gid);
	if (ret == 0)
		ret = setuid(w.uid);
	if (ret != 0 || geteuid() != w.uid || getuid() != w.uid) {
		fprintf(stderr, "cvapi: cannot become %s (uid %ld), who owns the store in %s: %s\n",
			pw ? pw->pw_name : "its owner", (long)w.uid, home, strerror(errno));
		return CV_EIO;
	}
	return CV_OK;
}

void cv_store_close(struct cv_store *st)
{
	/* closing is work inside Berkeley DB: a death now needs recovery */
	if (st->mine)
		__atomic_store_n(st->mine, 0, __ATOMIC_SEQ_CST);
	st->mine = NULL;
	cv_store_dbs_close(st);
	if (st->env)
		st->env->close(st->env, 0);
	st->env = NULL;
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
	cv_gen_close(&st->gen);
	cv_repl_unmap(st->repl);
	st->repl = NULL;
	cv_shmap_close(st->procs, PROCS_BYTES);
	st->procs = NULL;
}

enum cv_err cv_store_txn(struct cv_store *st, uint32_t flags, cv_txn_fn fn, void *arg)
{
	enum cv_err e;
	int tries = 0;

	do {
		DB_TXN *txn = NULL;

		e = cv_store_begin(st, &txn, flags);
		if (e)
			return e;
		e = fn(st, txn, arg);
		if (!e)
			e = cv_store_commit(txn);
		else
			cv_store_abort(txn);
	} while (e == CV_EDEADLOCK && ++tries < CV_TXN_TRIES);
	return e;
}

enum cv_err cv_store_begin(struct cv_store *st, DB_TXN **txn, uint32_t flags)
{
	/* a write anywhere but on the master would fork the group's history */
	if (st->replicated && !st->setup && cv_store_role(st, NULL) != CV_ROLE_MASTER) {
		*txn = NULL;
		return CV_EREPLICA;
	}
	/* a writer's first transaction on a master (this process's, since the
	 * site became master): its log records must find connections open */
	if (st->replicated && !st->setup && !st->listener && !(flags & DB_READ_COMMITTED)) {
		cv_store_repl_ready(st);
		cv_store_nodelay(st);
	}
	return cv_store_err(st->env->txn_begin(st->env, NULL, txn, flags));
}

/*
 * The generation bumps that open transactions owe (store.h, gen.h): one
 * entry per transaction and slot, in an array that grows as needed (a
 * process has one or two transactions open at a time).
 */
static struct pending_bump {
	DB_TXN *txn;
	struct cv_gen *gen;
	size_t slot;
} *pending;
static size_t npending, cap_pending;

/* The slot a write of key to database id changes, or -1: none. */
static long gen_slot_of(enum cv_dbid id, const void *key, size_t klen, bool del)
{
	switch (id) {
	case CV_DB_STATUS:
	case CV_DB_VEHICLES:
		return (long)cv_gen_slot(key, klen);
	case CV_DB_USERS:
	case CV_DB_CLIENTS:
	case CV_DB_FLEETS:
	case CV_DB_VINS:
	case CV_DB_USERVEHS:
	case CV_DB_FLEETVEHS:
	case CV_DB_VEHFLEETS:
	case CV_DB_CERTS:
		return CV_GEN_ALL;
	default:
		return -1;
	}
}

static void gen_owe(struct cv_store *st, DB_TXN *txn, long slot)
{
	if (slot < 0)
		return;
	if (!txn) {
		cv_gen_bump(&st->gen, (size_t)slot);
		return;
	}
	for (size_t i = 0; i < npending; i++)
		if (pending[i].txn == txn && pending[i].slot == (size_t)slot)
			return;
	if (npending == cap_pending) {
		cap_pending = cap_pending ? 2 * cap_pending : 16;
		pending = cv_realloc(pending, cap_pending * sizeof(*pending));
	}
	pending[npending++] = (struct pending_bump){ txn, &st->gen, (size_t)slot };
}

void cv_store_touch(struct cv_store *st, DB_TXN *txn, size_t slot)
{
	if (slot < CV_GEN_SLOTS)
		gen_owe(st, txn, (long)slot);
}

/* Settle what txn owes: bump (after a commit) or forget (abort). */
static void gen_settle(DB_TXN *txn, bool bump)
{
	size_t i = 0;

	while (i < npending) {
		if (pending[i].txn == txn) {
			if (bump)
				cv_gen_bump(pending[i].gen, pending[i].slot);
			pending[i] = pending[--npending];
		} else {
			i++;
		}
	}
}

/* Commits made by this process (cv_store_commits). */
static uint64_t store_commit_count;

uint64_t cv_store_commits(void)
{
	return store_commit_count;
}

enum cv_err cv_store_commit(DB_TXN *txn)
{
	DB_TXN_TOKEN tok = { { 0 } };
	bool want = store_tokens && !txn->parent && !txn->set_commit_token(txn, &tok);
	int ret = txn->commit(txn, 0);

	store_commit_count++;
	if (want && !ret) {
		store_token = tok;
		store_token_valid = true;
	}
	/* after a failed commit the transaction is gone and changed nothing;
	 * bumping anyway costs a miss, never a stale copy */
	gen_settle(txn, true);
	return cv_store_err(ret);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

unsigned cv_store_watchdog_floor(struct cv_store *st)
{
	db_timeout_t ack = 0;
	unsigned floor = CV_REPL_WATCHDOG_MIN;

	if (!st->replicated)
		return 0;
	if (!st->env->rep_get_timeout(st->env, DB_REP_ACK_TIMEOUT, &ack) && floor < ack / 1000000 + 2)
		floor = (unsigned)(ack / 1000000 + 2);
	return floor;
}

size_t cv_store_last_token(char *out, size_t outsz)
{
	if (!store_token_valid || outsz < CV_STORE_TOKEN_TEXT + 1)
		return 0;
	return cv_b64url(store_token.buf, sizeof(store_token.buf), out);
}

enum cv_err cv_store_applied(struct cv_store *st, const char *text, unsigned wait_ms)
{
	DB_TXN_TOKEN tok;
	int ret;

	if (!text || strlen(text) != CV_STORE_TOKEN_TEXT ||
	    cv_unb64url(text, CV_STORE_TOKEN_TEXT, tok.buf, sizeof(tok.buf)) != (long)sizeof(tok.buf))
		return CV_EINVAL;
	/* what Berkeley DB makes: format version 1, a replication generation, an envid, a log position */
	if (be32(tok.buf) != 1 || !be32(tok.buf + 4))
		return CV_EINVAL;
	if (!st->replicated)
		return CV_OK;
	/* Berkeley DB's timeout is in microseconds */
	ret = st->env->txn_applied(st->env, &tok, (db_timeout_t)wait_ms * 1000, 0);
	switch (ret) {
	case 0:
	case DB_KEYEMPTY:	/* a transaction that changed nothing */
	case DB_NOTFOUND:	/* not in this group's history: nothing to wait for */
		return CV_OK;
	case DB_TIMEOUT:
		return CV_EBUSY;
	case EINVAL:
		return CV_EINVAL;
	default:
		return cv_store_err(ret) == CV_OK ? CV_EBUSY : cv_store_err(ret);
	}
}

void cv_store_abort(DB_TXN *txn)
{
	if (txn) {
		gen_settle(txn, false);
		txn->abort(txn);
	}
}

/* The reserve in bytes (cv_store_set_reserve); 0: none. */
static uint64_t store_reserve = CV_STORE_RESERVE_DEFAULT * 1024ULL * 1024;

void cv_store_set_reserve(uint64_t mb)
{
	store_reserve = mb * 1024 * 1024;
}

bool cv_store_low(const struct cv_store *st)
{
	struct statvfs sv;

	if (!store_reserve || st->dirfd < 0 || fstatvfs(st->dirfd, &sv))
		return false;
	/* the blocks an unprivileged writer may still take */
	return (uint64_t)sv.f_bavail * sv.f_frsize < store_reserve;
}

enum cv_err cv_store_maintain(struct cv_store *st, int64_t now)
{
	static const int64_t every = 1000;
	int ret;

	if (now - st->last_maint < every && now >= st->last_maint)
		return CV_OK;
	st->last_maint = now;
	/* one failchk at a time (store.h); another process's turn is as good */
	ret = store_failchk(st, 0);
	if (ret)
		return cv_store_err(ret);
	/* a replicated store's master waits for its replicas before a
	 * checkpoint (db_rep_checkpoint_delay): the listener alone takes
	 * them, never a process that answers requests */
	if (st->replicated && !st->listener)
		return CV_OK;
	/* at least 1 MB of log or 1 minute since the last checkpoint */
	ret = st->env->txn_checkpoint(st->env, 1024, 1, 0);
	return cv_store_err(ret);
}

enum cv_err cv_store_del_prefix(struct cv_store *st, enum cv_dbid id, DB_TXN *txn, const void *prefix, size_t pl,
				enum cv_err (*each)(const unsigned char *k, size_t kl, void *arg), void *arg,
				size_t max, size_t *n)
{
	unsigned char k[512];
	size_t done = 0;
	DB *db = st->db[id];
	DBC *c = NULL;
	DBT dk = { 0 }, dd = { 0 };
	enum cv_err e = CV_OK;
	int ret;

	if (pl > sizeof(k))
		return CV_EINVAL;
	ret = db->cursor(db, txn, &c, 0);
	if (ret)
		return cv_store_err(ret);
	memcpy(k, prefix, pl);
	dk.data = k;
	dk.size = (u_int32_t)pl;
	dk.ulen = sizeof(k);
	dk.flags = DB_DBT_USERMEM;
	dd.flags = DB_DBT_PARTIAL;      /* the keys only */
	ret = c->get(c, &dk, &dd, DB_SET_RANGE | DB_RMW);
	while (!ret && done < max) {
		if (dk.size < pl || memcmp(k, prefix, pl))
			break;
		if (each && (e = each(k, dk.size, arg)) != CV_OK)
			break;
		ret = c->del(c, 0);
		if (ret)
			break;
		done++;
		ret = c->get(c, &dk, &dd, DB_NEXT | DB_RMW);
	}
	c->close(c);
	if (n)
		*n += done;
	if (e)
		return e;
	return ret && ret != DB_NOTFOUND ? cv_store_err(ret) : CV_OK;
}

enum cv_err cv_store_get(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen, struct cv_buf *out)
{
	DBT k, v;
	int ret;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	/* room for most records at once: a status record (2-3 KB) no longer
	 * takes a second lookup after DB_BUFFER_SMALL */
	if (out->cap < 4096 && cv_buf_grow(out, 4095 - out->len))
		return CV_ETOOBIG;
	for (;;) {
		v.flags = DB_DBT_USERMEM;
		v.data = out->p;
		v.ulen = (u_int32_t)(out->cap - 1);
		ret = st->db[id]->get(st->db[id], txn, &k, &v, txn ? 0 : DB_READ_COMMITTED);
		if (ret == DB_BUFFER_SMALL) {
			out->len = 0;
			if (cv_buf_grow(out, v.size))
				return CV_ETOOBIG;
			continue;
		}
		break;
	}
	if (ret)
		return cv_store_err(ret);
	out->len = v.size;
	out->p[out->len] = '\0';
	return CV_OK;
}

enum cv_err cv_store_exists(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			    const void *key, size_t klen)
{
	DBT k, v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	/* a partial get of zero bytes: existence without copying the value */
	v.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	v.dlen = 0;
	v.ulen = 0;
	return cv_store_err(st->db[id]->get(st->db[id], txn, &k, &v, txn ? 0 : DB_READ_COMMITTED));
}

enum cv_err cv_store_put(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen, const void *val, size_t vlen, uint32_t flags)
{
	DBT k, v;
	int ret;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	v.data = (void *)val;
	v.size = (u_int32_t)vlen;
	ret = st->db[id]->put(st->db[id], txn, &k, &v, flags);
	if (!ret)
		gen_owe(st, txn, gen_slot_of(id, key, klen, false));
	return cv_store_err(ret);
}

enum cv_err cv_store_del(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen)
{
	DBT k;
	int ret;

	memset(&k, 0, sizeof(k));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	ret = st->db[id]->del(st->db[id], txn, &k, 0);
	if (!ret)
		gen_owe(st, txn, gen_slot_of(id, key, klen, true));
	return cv_store_err(ret);
}

enum cv_err cv_store_scan(struct cv_store *st, enum cv_dbid id, DB_TXN *txn, const void *start, size_t slen,
			  int (*fn)(const void *k, size_t klen, const void *v, size_t vlen, void *arg), void *arg)
{
	enum { BULK = 256 * 1024 };
	DB *db = st->db[id];
	DBC *c;
	DBT k, d;
	unsigned char kb[512];
	void *buf;
	int ret;
	enum cv_err e = CV_OK;
	bool end = false;

	if (slen > sizeof(kb))
		return CV_EINVAL;
	ret = db->cursor(db, txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	buf = cv_malloc(BULK);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, start, slen);
	k.data = kb;
	k.size = (u_int32_t)slen;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.data = buf;
	d.ulen = BULK;
	d.flags = DB_DBT_USERMEM;
	ret = c->get(c, &k, &d, DB_SET_RANGE | DB_MULTIPLE_KEY);
	while (ret == 0 && !end) {
		void *p;

		DB_MULTIPLE_INIT(p, &d);
		for (;;) {
			void *kp, *vp;
			u_int32_t kl, vl;

			DB_MULTIPLE_KEY_NEXT(p, &d, kp, kl, vp, vl);
			if (!p)
				break;
			if (fn(kp, kl, vp, vl, arg)) {
				end = true;
				break;
			}
		}
		if (!end)
			ret = c->get(c, &k, &d, DB_NEXT | DB_MULTIPLE_KEY);
	}
	if (ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	free(buf);
	return e;
}

int cv_cursor_last_le(DBC *c, DBT *k, DBT *d, uint32_t rmw)
{
	unsigned char seek[512];
	size_t n = k->size;
	int ret;

	if (n > sizeof(seek))
		return EINVAL;
	memcpy(seek, k->data, n);
	ret = c->get(c, k, d, DB_SET_RANGE | rmw);
	if (ret == DB_NOTFOUND)
		return c->get(c, k, d, DB_LAST | rmw);
	if (ret == 0 && (k->size != n || memcmp(k->data, seek, n)))
		return c->get(c, k, d, DB_PREV | rmw);
	return ret;
}

/*
 * store.h - the cvapi store: one transactional Berkeley DB environment
 * shared by every process, and the databases in it.
 *
 * Every process opens the environment once (cv_store_open) with
 * DB_REGISTER | DB_RECOVER: when the registry names a process that died
 * with the environment open, the opener recovers it. Before recovery
 * runs, the opener ends (SIGKILL) every process still attached to the old
 * environment: recovery overwrites the old region files, and a process
 * left on them would hang on a mutex the dead one held, or read garbage.
 *
 * Except after a death outside Berkeley DB. Each process keeps a word in
 * the file "processes" of the store folder (CV_STORE_PROCS words of 64
 * bits, mapped shared: 0 free, else pid << 1 | outside), claimed when it
 * opens the store and freed when it closes it. It says "outside"
 * (cv_store_outside) only where it has no transaction, no cursor and no
 * call into Berkeley DB under way: a FastCGI program while it waits for a
 * request or sends an answer, cvnotify while it waits for the network. A
 * process that dies so marked held nothing failchk cannot release (its
 * handles' locks and log entries, its own mutexes): the opener that finds
 * its registry slot dead empties the slot (under the registry's own lock)
 * instead of recovering, and runs failchk; nobody else notices. A death
 * anywhere else, or of a process without a word (cvctl, a full file),
 * is recovered as above.
 *
 * Between openings, failchk runs in every process (cv_store_maintain): it
 * releases what dead processes held. One failchk runs at a
 * time, under an exclusive flock() of the store folder (the failchk
 * turn): two that cleaned up after the same dead process at once were
 * seen to wait on each other's mutexes for good. A process joins the
 * environment in that turn too, never beside a failchk (store.c), and
 * gives up with CV_EBUSY when another holds it too long. DB_RUNRECOVERY (CV_EPANIC) means this process
 * must exit and be restarted, leaving its registry slot for the next
 * opener to find (req.h).
 *
 * Key layout (all btrees; integers big-endian so keys sort as numbers):
 *
 *   db          key                                   value
 *   meta        name                                  text (schema version...)
 *   users       login                                 JSON user record
 *   clients     client id                             JSON client record
 *   fleets      fleet id                              JSON fleet record
 *   vehicles    vehicle id (32 hex chars)             JSON vehicle record
 *   vins        VIN                                   vehicle id
 *   uservehs    login \0 vehicle id                   empty: a user's vehicles
 *                                                     (one cursor range per user)
 *   fleetvehs   fleet id \0 vehicle id                empty
 *   tokens      SHA-256(token), 32 bytes              packed token (rec.h)
 *   status      vehicle id                            packed state + rendered JSON (rec.h)
 *   telemetry   vid (16 bytes) . at (8, ms)           a block of samples from `at` on
 *                                                     (tblock.h, telemetry.h)
 *   events      vid (16) . at (8) . index (1)         packed event (rec.h)
 *   alerts      vid (16) . start (8) . code (2)       packed alert occurrence (rec.h)
 *   alertopen   vid (16) . code (2)                   start (8) of the active occurrence
 *                                                     (code 0xffff: the active theft)
 *   stolen      vid (16) . start (8) . 0 (2)          packed theft period (as an alert, rec.h)
 *   trips       vid (16) . start (8)                  packed trip (core/trip.h)
 *   tripopen    vid (16)                              the vehicle's open trip, packed
 *   charges     vid (16) . start (8)                  packed charging session (core/charge.h)
 *   chargeopen  vid (16)                              the vehicle's current session, packed
 *   certs       client certificate subject (DN)       login of its fleet manager
 *   basicauth   (unused: the Basic verification cache is in each process's
 *               memory, model.h; `cvctl init` empties what an older cvapi kept)
 *   msgids      vid (16) . SHA-256(messageId)[0..16]  receipt time (8)
 *   hindex      kind (1) . at (8) . suffix (2) . vid (16)  a copy of an alert, collision
 *                                                     or trip record: every vehicle's in
 *                                                     one time order (hindex.h)
 *   callbacks   owner \0 callback id                   JSON callback record (rec.h); owner
 *                                                     "u:" login or "f:" fleet id, so
 *                                                     one cursor range lists an owner's
 *                                                     callbacks
 *   monitors    owner \0 monitor id                    JSON monitor record (rec.h), with its
 *                                                     vehicle and callback
 *   vehfleets   vehicle id \0 fleet id                 empty: a vehicle's fleets (fleetvehs
 *                                                     read the other way)
 *   watch       scope \0 owner \0 monitor id           the monitor as the engine reads it,
 *                                                     packed (watch.h); scope "v" vehicle
 *                                                     id (B2C) or "f" fleet id (B2B): the
 *                                                     monitors an upload evaluates are one
 *                                                     cursor range per scope
 *   mstate      vid (16) . owner \0 monitor id         a monitor's truth for one vehicle and
 *                                                     when it last fired, packed (watch.h)
 *   outbox      owner \0 callback id \0 seq (8)        a notification waiting for delivery,
 *                                                     packed (outbox.h): a callback's in
 *                                                     the order they were raised
 *   timed       scope \0 owner \0 monitor id           empty: the monitors with a time
 *                                                     trigger or a refreshEvent, which
 *                                                     cvnotify's timer evaluates (watch.h)
 *   deliveries  owner \0 callback id \0 at (8) . seq (8) a callback's delivery log: each
 *                                                     attempt, and with the final one the
 *                                                     notes it carried (outbox.h)
 *   remotes     owner \0 callback id \0 vid (16) . rid (16)  a remote action, packed
 *                                                     (actions.h): a vehicle's under one
 *                                                     callback in the order posted
 *   ractive     vid (16) . rid (16)                   owner \0 callback id \0 until (8)
 *                                                     type (1) status (1): a vehicle's actions,
 *                                                     under way (until: the deadline) or done
 *                                                     within the hour (actions.h)
 *   vlink       vid (16) [owner]                      the vehicle's link: when it was last
 *                                                     heard from, asleep or not; under an
 *                                                     owner, the wake-ups that owner's
 *                                                     actions cost it this month (vlink.h)
 *   idemkeys    owner \0 client \0 SHA-256(key)        an Idempotency-Key's answer: created (8)
 *                                                     . request hash (32) . answer, packed
 *                                                     (idem.h)
 *               owner \0                              how many keys the owner keeps (8)
 *   idemtime    created (8) . owner \0 client \0 SHA-256(key)  empty: the keys oldest first,
 *                                                     as the purge forgets them (idem.h)
 *   devices     "d" KIND ":" ID                       the vehicle id its reports go to
 *               "v" vehicle id                        KIND ":" ID of its device (devices.h;
 *                                                     an OsmAnd ID as its SHA-256 in hex)
 *
 * A page or a time range of a vehicle's history is one DB_SET_RANGE seek on
 * vid . start followed by DB_NEXT (or DB_PREV) over what is returned (for
 * telemetry, the seek lands on the block holding `start`).
 *
 * Beside the databases, the file "generations" (gen.h) holds the change
 * counters that the processes' answer caches check; it is not data (a
 * backup leaves it out; a missing one is made again, zeros).
 */
#ifndef CV_STORE_H
#define CV_STORE_H

#include <db.h>
#include "cv.h"
#include "gen.h"
#include "buf.h"
#include "repl.h"

enum cv_dbid {
	CV_DB_META,
	CV_DB_USERS,
	CV_DB_CLIENTS,
	CV_DB_FLEETS,
	CV_DB_VEHICLES,
	CV_DB_VINS,
	CV_DB_USERVEHS,
	CV_DB_FLEETVEHS,
	CV_DB_TOKENS,
	CV_DB_STATUS,
	CV_DB_TELEMETRY,
	CV_DB_EVENTS,
	CV_DB_MSGIDS,
	CV_DB_ALERTS,
	CV_DB_ALERTOPEN,
	CV_DB_TRIPS,
	CV_DB_TRIPOPEN,
	CV_DB_CERTS,
	CV_DB_BASICAUTH,
	CV_DB_STOLEN,
	CV_DB_HINDEX,
	CV_DB_CALLBACKS,
	CV_DB_MONITORS,
	CV_DB_VEHFLEETS,
	CV_DB_WATCH,
	CV_DB_MSTATE,
	CV_DB_OUTBOX,
	CV_DB_TIMED,
	CV_DB_DELIVERIES,
	CV_DB_REMOTES,
	CV_DB_RACTIVE,
	CV_DB_VLINK,
	CV_DB_IDEMKEYS,
	CV_DB_IDEMTIME,
	CV_DB_DEVICES,
	CV_DB_CHARGES,
	CV_DB_CHARGEOPEN,
	CV_DB_COUNT
};

/*
 * A position in a history list: the time of a record (ms) and its key
 * suffix (an event's index, an alert's code), as one number that sorts
 * the way the keys do; resume points of page tokens hold one.
 */
#define CV_POS_MAX_AT (INT64_MAX / 65536 - 1)      /* year 6429 */
#define CV_POS(at, suffix) ((int64_t)((at) < CV_POS_MAX_AT ? (at) : CV_POS_MAX_AT) * 65536 + (int64_t)(suffix))
#define CV_POS_AT(pos) ((pos) / 65536)
#define CV_POS_SUFFIX(pos) ((unsigned)((pos) % 65536))

struct cv_store {
	DB_ENV *env;
	DB *db[CV_DB_COUNT];
	struct cv_gen gen;      /* change generations (gen.h) */
	int64_t last_maint;     /* ms of the last cv_store_maintain() work */
	char region[4096];      /* absolute path of the primary region file */
	int dirfd;              /* the store folder: flock()ed around failchk, -1 when closed */
	uint64_t *procs;        /* the processes file, mapped; NULL without one */
	uint64_t *mine;         /* this process's word in it; NULL without one */
	uint64_t me;            /* what the word holds: this process's pid << 1 */
	bool replicated;        /* DB_CONFIG names a local site: a replication group's site (repl.h) */
	bool setup;             /* opened by cvctl on a replicated site whose replication has not
				 * started: it may write (the group's first data), nobody else can */
	struct cv_repl_shared *repl; /* the role cvrepl publishes (repl.h); NULL when not replicated */
	bool listener;          /* this process is its site's replication listener (cvrepl): on a
				 * replicated store it alone takes checkpoints (cv_store_maintain) */
};

#define CV_STORE_PROCS_FILE "processes"
#define CV_STORE_PROCS 1024     /* 8 KB */

enum cv_store_flags {
	CV_STORE_CREATE = 1,    /* create the home folder and the databases */
	CV_STORE_ENV_ONLY = 2,  /* the environment only: no database opened (cv_store_dbs_open) */
};

/*
 * Open the environment in `home` and every database. With CV_STORE_CREATE
 * the folder is created (mode 0770) when missing. Every page of the
 * regions (__db.001...) that the process maps has its block on disk once
 * the open returns (a page without one is a SIGBUS on a full disk): the
 * open fails when the disk has no room for them. The environment is
 * joined in the failchk turn only: CV_EBUSY when another process held it
 * for CV_STORE_TURN_WAIT_MS (cv_store_set_turn_wait). On failure the store
 * is left closed and a line saying why is printed on stderr.
 */
enum cv_err cv_store_open(struct cv_store *st, const char *home, unsigned flags);

/*
 * The reserve of the store's disk. Writes are refused while the free
 * space of the store folder's file system (what an unprivileged writer
 * may take) is under it, before Berkeley DB meets a full disk, which
 * panics the environment at its first failed log write: reads go on,
 * writes come back when space is freed. The default, 64 MB, holds a
 * log file (16 MB, made whole at once), a checkpoint and the largest
 * request with room to spare; CVAPI_STORE_RESERVE sets it in MB (0: no
 * reserve).
 */
#define CV_STORE_RESERVE_DEFAULT 64
void cv_store_set_reserve(uint64_t mb);
/*
 * How long cv_store_open waits for the failchk turn (below), in ms: no
 * process joins the environment while a failchk may run, and an open
 * that does not get the turn in that time fails with CV_EBUSY (its
 * holder is stuck; try again later). The default is for every program;
 * tests shorten it.
 */
#define CV_STORE_TURN_WAIT_MS 10000
/* How long an open on a replica waits for a database its master has not sent yet. */
#define CV_STORE_SYNC_WAIT_MS 20000
void cv_store_set_turn_wait(int64_t ms);
/* Is the free space of st's disk under the reserve? (A statvfs(); false when unknown.) */
bool cv_store_low(const struct cv_store *st);
/*
 * Run as root on a store folder that another user owns: become that user
 * (its supplementary groups, its group, then its uid; the folder's group
 * when the uid has no passwd entry) before anything in the folder is
 * opened or made. Every file made there is then the owner's, with nothing
 * to give away afterwards, and a link planted there by the owner leads
 * only where the owner could write anyway. The way to the folder is
 * walked from "/" (a relative path from the working folder, whose own way
 * is walked too), the path as given and the path its links lead to alike,
 * each step looked at without following it, up to the folder or to the
 * first step that does not exist yet (a store cvctl is about to make):
 *   - the owner is the one other than root met on the way: a folder or a
 *     link of the service user's anywhere on it (the store folder itself
 *     replaced by a link to a folder of root's) makes cvctl that user,
 *     who can only reach what it could reach anyway;
 *   - refused: a step owned by a second user other than root, and a
 *     folder walked through that its group or others may write in
 *     without the sticky bit; either could swap a step of the way for a
 *     link between this walk and the open.
 * Does nothing for other users, or for a way root owns all along. On
 * failure (CV_EIO) a line on stderr says why, and nothing was opened.
 * (cv_store_open with CV_STORE_CREATE, still root, refuses a folder that
 * appeared since with someone else on its way.)
 */
enum cv_err cv_store_owner(const char *home);
/*
 * Make the environment (the region files) of the store in home again,
 * running recovery from its logs, with DB_CONFIG's settings as they are
 * now (replication on or off: repl.h). Refused (CV_EBUSY, a line on
 * stderr) while a process that has the store open runs.
 */
enum cv_err cv_store_env_reset(const char *home);
/* Does no running process have the store in home open? CV_OK, or CV_EBUSY and one such process in *pid. */
enum cv_err cv_store_unused(const char *home, long *pid);
/*
 * The databases of a store opened with CV_STORE_ENV_ONLY (cvrepl, which
 * must run before its site has them): opened now, without waiting, made
 * only where this process may write (no replication, or the master):
 * CV_ENOTFOUND when they are not all there yet. Closed again by
 * cv_store_dbs_close (their handles went stale: CV_ESTALE).
 */
enum cv_err cv_store_dbs_open(struct cv_store *st);
void cv_store_dbs_close(struct cv_store *st);
/* Close every handle; safe on a store that failed to open. */
void cv_store_close(struct cv_store *st);
/*
 * Say whether this process is outside Berkeley DB from now on: no
 * transaction, no cursor, no call under way, until it says otherwise
 * (before its next store call). A death while outside costs no recovery
 * (above). Two atomic stores a request; nothing without a word.
 */
void cv_store_outside(struct cv_store *st, bool outside);

/*
 * Map a Berkeley DB return code to cv_err (0 -> CV_OK). Replication's:
 * EACCES (a write on a replica) CV_EREPLICA, DB_REP_HANDLE_DEAD CV_ESTALE
 * (the process must close the store and open it again), DB_REP_LOCKOUT and
 * DB_REP_UNAVAIL CV_EBUSY.
 */
enum cv_err cv_store_err(int dbret);

/*
 * The site's role (repl.h): CV_ROLE_SINGLE without replication, else what
 * cvrepl publishes (CV_ROLE_UNKNOWN while it does not run). v may be NULL.
 */
enum cv_role cv_store_role(const struct cv_store *st, struct cv_repl_view *v);
/*
 * How many commits of this process were not acknowledged by enough sites
 * (DB_EVENT_REP_PERM_FAILED, fired in the committing thread): such a
 * commit is on this site's disk, and may be rolled back if the master
 * fails before a replica has it. A request compares the count before and
 * after its work (cgi/serve.c answers 503 instead of a 2xx).
 */
uint64_t cv_store_unacked(void);
/*
 * Before this process's first write on a replication master (and its
 * first after the site became master again): a write of nothing much
 * starts its part in replication, then it waits, up to
 * CV_STORE_REPL_CONNECT_MS, until it is connected to a quorum of the
 * other sites. A commit sent over no connection is acknowledged by no
 * one (a 503 for a write that was fine), and, the last of the log in a
 * quiet moment, reaches no replica until the next write does (the
 * master's heartbeats announce the last record it sent). Nothing
 * elsewhere, or once done. cv_store_begin calls it for every writer
 * (not cvrepl, the listener, whose connections are its own); the
 * request layer calls it earlier, before a write's work.
 */
#define CV_STORE_REPL_CONNECT_MS 2000
void cv_store_repl_ready(struct cv_store *st);
/*
 * Nagle's algorithm off on this process's replication connections.
 * Berkeley DB 5.3 leaves it on, and a transaction's log records go out
 * as separate small messages: the second waits for the other site's
 * delayed acknowledgement of the first (40 ms on Linux), and every commit
 * on a master took that long. Berkeley DB opens its connections in its
 * own threads, so this looks at the process's TCP sockets and sets
 * TCP_NODELAY where it is off: from cv_store_begin (a writer on a
 * master), cv_store_repl_ready and cvrepl's loop, at most once every
 * CV_STORE_NODELAY_MS (a connection made again after a failure gets it
 * within that). Nothing without replication.
 */
#define CV_STORE_NODELAY_MS 1000
void cv_store_nodelay(struct cv_store *st);
/* How many commits this process made (cv_store_commit), successful or not. */
uint64_t cv_store_commits(void);
/*
 * On a replication master: a durable commit of nothing much, whose
 * acknowledgement (or its absence: cv_store_unacked) covers everything
 * logged before it. For an answer that stands on an earlier commit
 * without making one (a duplicate upload, an idempotent replay): the
 * first try's commit may not have been acknowledged. CV_OK elsewhere.
 */
enum cv_err cv_store_repl_barrier(struct cv_store *st);

/*
 * The least a process's watchdog may allow one turn of store work on
 * this store: 0 without replication; on a replicated site
 * CV_REPL_WATCHDOG_MIN (repl.h) or the acknowledgement timeout and 2 s,
 * whichever is longer (a commit waits for the replicas, a call for a
 * replication lockout: a watchdog's death inside the store costs a
 * recovery that ends every process of the site, cvrepl included).
 */
unsigned cv_store_watchdog_floor(struct cv_store *st);

/*
 * Read-your-writes across a replication group. A commit on a replicated
 * store records its commit token (Berkeley DB's DB_TXN_TOKEN: a
 * format version, the group's generation, the master's environment id
 * and the commit's log position), 20 bytes, written as
 * CV_STORE_TOKEN_TEXT characters of base64url.
 * cv_store_last_token: the token of this process's last successful
 * commit into out (outsz > CV_STORE_TOKEN_TEXT), its length returned; 0
 * when there is none (no replication, or no commit yet).
 * cv_store_applied: whether this site has applied the commit text names,
 * waiting up to wait_ms for it (txn_applied): CV_OK applied (and at once
 * without replication, or for a commit not in this group's history: a
 * rolled-back or foreign one has nothing to wait for), CV_EBUSY not within
 * wait_ms, CV_EINVAL text is not a token.
 */
#define CV_STORE_TOKEN_TEXT ((DB_TXN_TOKEN_SIZE * 4 + 2) / 3)
size_t cv_store_last_token(char *out, size_t outsz);
enum cv_err cv_store_applied(struct cv_store *st, const char *text, unsigned wait_ms);

/*
 * Begin a transaction (flags: 0, or DB_READ_COMMITTED for readers). On a
 * replicated site that is not the master: CV_EREPLICA, nothing begun
 * (a reader uses no transaction of this kind on a replica: cv_store_get
 * with a NULL txn, cursors of their own).
 */
enum cv_err cv_store_begin(struct cv_store *st, DB_TXN **txn, uint32_t flags);
/*
 * Commit durably (the log is flushed before this returns), then bump the
 * change generations (gen.h) of what the transaction wrote through
 * cv_store_put and cv_store_del:
 *   - status, vehicles (key: a vehicle id): that vehicle's slot;
 *   - users, clients, fleets, VINs, both vehicle links and certificates:
 *     CV_GEN_ALL (who may read what);
 *   - history, events, trips, message ids, tokens, Idempotency-Keys:
 *     nothing (no cached answer depends on them; a revoked access token
 *     says so itself, cv_store_touch);
 * and what cv_store_touch() added.
 * A write outside a transaction bumps at once. The tracking is per
 * process and not thread-safe, like the rest of a process's store use.
 * Writes through a cursor are not tracked: the only ones (purge) delete
 * history and expired tokens, on which no cached answer depends.
 */
enum cv_err cv_store_commit(DB_TXN *txn);
/* txn changes what the answers that depend on generation slot may say: bump it at commit. */
void cv_store_touch(struct cv_store *st, DB_TXN *txn, size_t slot);
/*
 * A transaction's work: its reads and writes under txn. CV_OK commits it;
 * any other value aborts it and is returned (a caller's own "no" included,
 * such as CV_EEXIST for a batch already stored).
 */
typedef enum cv_err (*cv_txn_fn)(struct cv_store *st, DB_TXN *txn, void *arg);
/* How many times cv_store_txn runs a transaction that keeps meeting deadlocks. */
#define CV_TXN_TRIES 8
/*
 * The one write path: begin (flags as cv_store_begin: 0 is durable,
 * DB_TXN_NOSYNC for what may be lost in a crash), run fn, commit when it
 * says CV_OK, abort otherwise; a deadlock (CV_EDEADLOCK, from fn or the
 * commit) runs it again, CV_TXN_TRIES times in all. fn must start from its
 * arguments each time, never from what an aborted try left in them.
 */
enum cv_err cv_store_txn(struct cv_store *st, uint32_t flags, cv_txn_fn fn, void *arg);
/* Abort (NULL: nothing); the tracked bumps of txn are dropped. */
void cv_store_abort(DB_TXN *txn);

/*
 * Housekeeping, cheap when there is nothing to do; call it between
 * requests. At most once a second: failchk (release what dead processes
 * held); once a minute: a checkpoint, after which Berkeley DB removes logs
 * no longer needed (on a replicated store, only in the listener).
 */
enum cv_err cv_store_maintain(struct cv_store *st, int64_t now_ms);

/*
 * Read key into out (replaced, not appended). CV_ENOTFOUND when absent.
 * txn may be NULL (a read-committed read of its own).
 */
enum cv_err cv_store_get(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen, struct cv_buf *out);
/* true if key exists. */
enum cv_err cv_store_exists(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			    const void *key, size_t klen);
/* Write key (flags: 0 or DB_NOOVERWRITE, which gives CV_EEXIST). */
enum cv_err cv_store_put(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen, const void *val, size_t vlen, uint32_t flags);
enum cv_err cv_store_del(struct cv_store *st, enum cv_dbid id, DB_TXN *txn,
			 const void *key, size_t klen);

/*
 * Position cursor c on the last record whose key is <= the key in k
 * (k->data, k->size; a USERMEM buffer of its own, which the found key then
 * replaces), as walking newest first needs: DB_SET_RANGE, then DB_PREV
 * when that landed past it, or DB_LAST when nothing is at or past it.
 * rmw: 0 or DB_RMW. Berkeley DB's answer (DB_NOTFOUND: no such record).
 */
int cv_cursor_last_le(DBC *c, DBT *k, DBT *d, uint32_t rmw);

/*
 * Read the records of database id from the first key >= start[0..slen)
 * on, in key order and in bulk (DB_MULTIPLE_KEY): a cursor call and its
 * locks per buffer of records rather than per record. fn gets each key and
 * value (valid during the call) and returns nonzero to stop. txn may be
 * NULL (read committed).
 */
enum cv_err cv_store_scan(struct cv_store *st, enum cv_dbid id, DB_TXN *txn, const void *start, size_t slen,
			  int (*fn)(const void *k, size_t klen, const void *v, size_t vlen, void *arg), void *arg);

/*
 * Delete, under txn, the records of database id whose key starts with
 * prefix[0..pl), in key order, at most max of them (SIZE_MAX: all), adding
 * how many to *n (may be NULL). each (may be NULL) sees every key first
 * and may fail the walk (its error is returned, the transaction is the
 * caller's to abort). *n short of max: none is left.
 */
enum cv_err cv_store_del_prefix(struct cv_store *st, enum cv_dbid id, DB_TXN *txn, const void *prefix, size_t pl,
				enum cv_err (*each)(const unsigned char *k, size_t kl, void *arg), void *arg,
				size_t max, size_t *n);

/* The database file names, in enum order (for verify and backup). */
extern const char *const cv_store_files[CV_DB_COUNT];

/* Big-endian integer helpers for keys. */
void cv_be64_put(unsigned char *p, uint64_t v);
uint64_t cv_be64_get(const unsigned char *p);

#endif

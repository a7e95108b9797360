/*
 * repl.h - a site of a replication group on Berkeley DB's Replication
 * Manager (repmgr): its settings, and its role as every process sees it.
 *
 * Settings. A store is replicated when its DB_CONFIG names a local site
 * (`repmgr_site HOST PORT db_local_site on`): every process then opens
 * the environment with DB_INIT_REP (store.h), and Berkeley DB reads the
 * rest of the settings from the same file at each open. `cvctl repl
 * init` writes them (cv_repl_config_write) and keeps every other line of
 * the file as it was.
 *
 * Roles. One process of a site, cvrepl(8), calls repmgr_start: it is the
 * replication listener (the first caller is; nobody else calls it), runs
 * the elections and receives the messages. Every other process that
 * writes on the master joins replication by itself at its first log
 * record (Berkeley DB's autostart: a selector thread, its own
 * connections, never the listener). cvrepl publishes what it sees in the
 * file "replication" of the store folder (shmap.h), which every process
 * maps: its pid, the site's role, the master's address and site URL, the
 * last log position applied, and whether the listener is connected to
 * each other site (up to CV_REPL_PUB_PEERS of them; a site beyond is not
 * published: its state is unknown). Only the listener's connections say
 * whether replication flows: another process's are its own, made when it
 * writes. A process reads the role there before it
 * writes (store.h: cv_store_begin refuses a write unless the site is the
 * master) and to answer /healthz; a role published by a cvrepl that is no
 * longer running is no role (CV_ROLE_UNKNOWN): no writes then.
 *
 * The master's site URL. cvrepl writes its own (CVAPI_SITE_URL) and
 * address under the meta key "repl-master" when its site becomes master;
 * that record is replicated, so the replicas' cvrepl read it and publish
 * the URL once its address is the master's they know.
 */
#ifndef CV_REPL_H
#define CV_REPL_H

#include "cv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_REPL_FILE "replication"
#define CV_REPL_TEXT 256
#define CV_REPL_PEERS 16
/* The most peers whose connection the file holds: a site's own peers and as many again that joined through them. */
#define CV_REPL_PUB_PEERS (2 * CV_REPL_PEERS)
/* the meta key the master's address and site URL are kept under: "HOST:PORT URL" */
#define CV_REPL_MASTER_KEY "repl-master"

enum cv_role {
	CV_ROLE_SINGLE,         /* no replication: the store takes writes */
	CV_ROLE_MASTER,         /* the group's master: takes writes */
	CV_ROLE_REPLICA,        /* a replica with a master: reads only */
	CV_ROLE_UNKNOWN,        /* no master known (an election, a site starting, cvrepl down): reads only */
};

/* "single", "master", "replica", "electing" */
const char *cv_role_name(enum cv_role r);

/*
 * The listener's connection to one other site. A site is known by its
 * EID, which every process of the site shares (the site list lives in the
 * environment), and its port, checked as well.
 */
struct cv_repl_link {
	int32_t eid;
	uint16_t port;
	uint8_t connected;              /* 1 connected, 0 not */
	uint8_t pad;
};

/* What cvrepl publishes (the mapped file, 1 KB); read with cv_repl_read. */
struct cv_repl_shared {
	uint64_t pid;                   /* cvrepl's while it runs, else 0 */
	uint64_t role;                  /* enum cv_role */
	uint64_t seq;                   /* odd while the fields below change */
	uint64_t lsn;                   /* a master's log end, a replica's last transaction applied:
					 * file << 32 | offset */
	uint64_t synced;                /* 1 once a replica has caught up with its master (startup done) */
	uint64_t changed;               /* ms of the last role change */
	char master[CV_REPL_TEXT];      /* the master's HOST:PORT, "" when none */
	char url[CV_REPL_TEXT];         /* its site URL, "" when unknown */
	uint64_t npeers;                /* links[0..npeers) hold, at most CV_REPL_PUB_PEERS; seqlocked as master */
	struct cv_repl_link links[CV_REPL_PUB_PEERS];
	char spare[1024 - 7 * 8 - 2 * CV_REPL_TEXT - CV_REPL_PUB_PEERS * sizeof(struct cv_repl_link)];
};

/* A consistent copy of the published state, the role checked against cvrepl being alive. */
struct cv_repl_view {
	enum cv_role role;
	bool synced;
	uint64_t lsn;
	int64_t changed;
	long pid;                       /* cvrepl's, 0 when none runs */
	char master[CV_REPL_TEXT];
	char url[CV_REPL_TEXT];
	size_t npeers;                  /* the listener's links (none when cvrepl is not running) */
	struct cv_repl_link links[CV_REPL_PUB_PEERS];
};

/* Map home/CV_REPL_FILE (created when missing, zeros); *map NULL on failure (a line on stderr). */
enum cv_err cv_repl_map(const char *home, struct cv_repl_shared **map);
void cv_repl_unmap(struct cv_repl_shared *map);
/*
 * Read the published state: a role published by a cvrepl whose process
 * is gone reads CV_ROLE_UNKNOWN. map NULL: CV_ROLE_UNKNOWN.
 */
void cv_repl_read(const struct cv_repl_shared *map, struct cv_repl_view *v);
/* cvrepl's side: publish the role, master, URL and links (seqlocked), the position and the pid. */
void cv_repl_publish(struct cv_repl_shared *map, const struct cv_repl_view *v);

/* ---- what Berkeley DB says (cvrepl, cvctl repl status) ------------------- */

struct cv_store;

/*
 * The site as Berkeley DB sees it now (rep_stat, the site list): role
 * (master; replica when a master is known; else unknown), the master's
 * HOST:PORT, the log position (a master's end of log, a replica's last
 * transaction applied), synced (a replica done with its start-up sync; a
 * master always). url and pid are left as they were.
 */
enum cv_err cv_repl_observe(struct cv_store *st, struct cv_repl_view *v);

/* One other site of the group, as the site list shows it. */
struct cv_repl_peer {
	char addr[CV_REPL_TEXT];        /* HOST:PORT */
	int eid;
	unsigned port;
	bool connected;                 /* this process's connection (see cv_repl_link_state) */
	bool c2c;                       /* a client-to-client sync peer (db_repmgr_peer) */
};
/* The other sites, up to max, into out; how many. */
size_t cv_repl_peers(struct cv_store *st, struct cv_repl_peer *out, size_t max);
/* This process's links to the other sites (the first CV_REPL_PUB_PEERS) into v->links: cvrepl's to publish. */
void cv_repl_observe_links(struct cv_store *st, struct cv_repl_view *v);
/* Peer p's connection as published in pub: 1 connected, 0 not, -1 unknown (not published, cvrepl not running). */
int cv_repl_link_state(const struct cv_repl_view *pub, const struct cv_repl_peer *p);

/*
 * Positions over repmgr's message channels: how far a replica is behind.
 * Berkeley DB tells a replica its own position (the last transaction it
 * applied) but not the master's, so a site asks the master for it: a
 * request on a DB_CHANNEL (the group's own connections, no other port),
 * answered by the master's listener. cvrepl answers on every site
 * (cv_repl_answer_positions, set before repmgr_start); cvctl repl status
 * asks as a subordinate process of its site. Positions compared are the
 * last transaction's (max_perm_lsn) on both sides, so a replica that has
 * applied everything is 0 behind, not the size of the master's last
 * commit record.
 */
struct cv_repl_position {
	enum cv_role role;              /* the answering site's */
	uint64_t lsn;                   /* its last transaction (max_perm_lsn): file << 32 | offset */
	int64_t at;                     /* its clock when it answered, ms */
};

/* This process (cvrepl) answers position requests from now on. */
enum cv_err cv_repl_answer_positions(struct cv_store *st);
/*
 * Ask the site eid (DB_EID_MASTER: the master) its position, waiting up
 * to timeout_ms. Needs repmgr started in this process (the listener, or a
 * subordinate: cvctl). CV_EBUSY when no master is known or the site does
 * not answer in time (a site whose cvrepl does not answer positions, an
 * older one, is the same).
 */
enum cv_err cv_repl_ask_position(struct cv_store *st, int eid, unsigned timeout_ms, struct cv_repl_position *p);
/* This site's own position (its last transaction), as a remote site would answer. */
enum cv_err cv_repl_own_position(struct cv_store *st, struct cv_repl_position *p);
/* Bytes of log from `from` to `to` (0 when to is not after from), log files taken as full. */
uint64_t cv_repl_lsn_bytes(struct cv_store *st, uint64_t from, uint64_t to);

/* ---- DB_CONFIG ----------------------------------------------------------- */

/* One site's address. */
struct cv_repl_addr {
	char host[CV_REPL_TEXT];
	unsigned port;
};

/* A site's settings, as `cvctl repl init` writes them. Timeouts in ms; 0: the default (cvctl(8)). */
struct cv_repl_conf {
	struct cv_repl_addr local;
	struct cv_repl_addr peer[CV_REPL_PEERS];
	size_t npeers;                  /* none: this site creates the group */
	unsigned priority;              /* election priority; 0 never master */
	unsigned ack_timeout;
	unsigned election_timeout;
	unsigned heartbeat;             /* the master sends one this often; replicas call an election after 3 missed */
};

#define CV_REPL_PRIORITY_DEFAULT 100
#define CV_REPL_ACK_TIMEOUT_DEFAULT 2000
#define CV_REPL_ELECTION_TIMEOUT_DEFAULT 3000
#define CV_REPL_HEARTBEAT_DEFAULT 1000
/* The least watchdog (s) of a replicated site's programs: a replication lockout is waited out in steps of 5 s. */
#define CV_REPL_WATCHDOG_MIN 20

/* Parse "HOST:PORT" (a host of letters, digits, '.', '-', ':' for IPv6 in [...]; port 1..65535). */
bool cv_repl_addr_parse(const char *s, struct cv_repl_addr *a);
/* Does home/DB_CONFIG name a local site (replication on)? */
bool cv_repl_configured(const char *home);
/*
 * May the group's first data be written here without a master? Only on
 * the site that creates the group (its local site db_group_creator), and
 * only before it was ever in a group (no membership database yet): cvctl
 * init and the first users, before the first cvrepl starts. Any other
 * write outside a master would fork the group's history.
 */
bool cv_repl_first_data(const char *home);
/*
 * Write the replication lines of home/DB_CONFIG from c (defaults filled
 * in), keeping the file's other lines; made under another name and
 * renamed into place. On failure a line on stderr.
 */
enum cv_err cv_repl_config_write(const char *home, const struct cv_repl_conf *c);
/* The replication lines for c, into buf (a NUL-terminated text); CV_ETOOBIG when it does not fit. */
enum cv_err cv_repl_config_text(const struct cv_repl_conf *c, char *buf, size_t n);

#endif

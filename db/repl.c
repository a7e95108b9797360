/* repl.c - a replication site's settings and published role (see repl.h). */
#define _GNU_SOURCE 1                  /* mkostemp */
#include "config.h"
#include "repl.h"
#include "shmap.h"
#include "store.h"
#include "cvtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(struct cv_repl_shared) == 1024, "the replication file is 1 KB");

const char *cv_role_name(enum cv_role r)
{
	switch (r) {
	case CV_ROLE_SINGLE: return "single";
	case CV_ROLE_MASTER: return "master";
	case CV_ROLE_REPLICA: return "replica";
	default: return "electing";
	}
}

enum cv_err cv_repl_map(const char *home, struct cv_repl_shared **map)
{
	void *m = NULL;
	enum cv_err e = cv_shmap_open(home, CV_REPL_FILE, sizeof(struct cv_repl_shared), &m);

	*map = e ? NULL : m;
	return e;
}

void cv_repl_unmap(struct cv_repl_shared *map)
{
	cv_shmap_close(map, sizeof(*map));
}

static bool alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void cv_repl_read(const struct cv_repl_shared *map, struct cv_repl_view *v)
{
	memset(v, 0, sizeof(*v));
	v->role = CV_ROLE_UNKNOWN;
	if (!map)
		return;
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t s0 = __atomic_load_n(&map->seq, __ATOMIC_ACQUIRE);

		if (s0 & 1)
			continue;
		memcpy(v->master, map->master, sizeof(v->master));
		memcpy(v->url, map->url, sizeof(v->url));
		v->npeers = (size_t)map->npeers;
		memcpy(v->links, map->links, sizeof(v->links));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&map->seq, __ATOMIC_RELAXED) == s0)
			break;
		v->master[0] = v->url[0] = '\0';
		v->npeers = 0;
	}
	if (v->npeers > CV_REPL_PUB_PEERS)
		v->npeers = 0;
	v->master[sizeof(v->master) - 1] = v->url[sizeof(v->url) - 1] = '\0';
	v->pid = (long)__atomic_load_n(&map->pid, __ATOMIC_ACQUIRE);
	v->role = (enum cv_role)__atomic_load_n(&map->role, __ATOMIC_ACQUIRE);
	v->lsn = __atomic_load_n(&map->lsn, __ATOMIC_ACQUIRE);
	v->synced = __atomic_load_n(&map->synced, __ATOMIC_ACQUIRE) != 0;
	v->changed = (int64_t)__atomic_load_n(&map->changed, __ATOMIC_ACQUIRE);
	if (v->role > CV_ROLE_UNKNOWN || v->role == CV_ROLE_SINGLE || !alive(v->pid)) {
		v->role = CV_ROLE_UNKNOWN;
		v->pid = 0;
		v->npeers = 0;
	}
}

void cv_repl_publish(struct cv_repl_shared *map, const struct cv_repl_view *v)
{
	if (!map)
		return;
	size_t np = v->npeers < CV_REPL_PUB_PEERS ? v->npeers : CV_REPL_PUB_PEERS;

	if (strcmp(map->master, v->master) || strcmp(map->url, v->url) || map->npeers != np ||
	    memcmp(map->links, v->links, np * sizeof(v->links[0])) ||
	    (__atomic_load_n(&map->seq, __ATOMIC_ACQUIRE) & 1)) {
		/* odd while writing, even after, whatever a publisher that died half-way left */
		uint64_t odd = __atomic_load_n(&map->seq, __ATOMIC_ACQUIRE) | 1;

		__atomic_store_n(&map->seq, odd, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		cv_strlcpy(map->master, v->master, sizeof(map->master));
		cv_strlcpy(map->url, v->url, sizeof(map->url));
		memset(map->links, 0, sizeof(map->links));
		memcpy(map->links, v->links, np * sizeof(v->links[0]));
		map->npeers = np;
		__atomic_store_n(&map->seq, odd + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&map->lsn, v->lsn, __ATOMIC_RELEASE);
	__atomic_store_n(&map->synced, v->synced ? 1 : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&map->changed, (uint64_t)v->changed, __ATOMIC_RELEASE);
	__atomic_store_n(&map->role, (uint64_t)v->role, __ATOMIC_RELEASE);
	__atomic_store_n(&map->pid, (uint64_t)v->pid, __ATOMIC_RELEASE);
}

/* ---- what Berkeley DB says ---------------------------------------------- */

static void addr_text(char *out, size_t n, const char *host, unsigned port)
{
	snprintf(out, n, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

enum cv_err cv_repl_observe(struct cv_store *st, struct cv_repl_view *v)
{
	DB_ENV *env = st->env;
	DB_REP_STAT *sp = NULL;
	int ret = env->rep_stat(env, &sp, 0);

	if (ret)
		return cv_store_err(ret);
	/* a replica's position: its last transaction applied (the next LSN moves when a record arrives,
	 * before it is applied: a cache bumped then could keep what the record replaces) */
	if (sp->st_status == DB_REP_CLIENT)
		v->lsn = (uint64_t)sp->st_max_perm_lsn.file << 32 | sp->st_max_perm_lsn.offset;
	else
		v->lsn = (uint64_t)sp->st_next_lsn.file << 32 | sp->st_next_lsn.offset;
	v->master[0] = '\0';
	if (sp->st_status == DB_REP_MASTER) {
		DB_SITE *site = NULL;
		const char *host;
		u_int port;

		v->role = CV_ROLE_MASTER;
		v->synced = true;
		if (env->repmgr_local_site(env, &site) == 0) {
			if (site->get_address(site, &host, &port) == 0)
				addr_text(v->master, sizeof(v->master), host, port);
			site->close(site);
		}
	} else if (sp->st_status == DB_REP_CLIENT && sp->st_master != DB_EID_INVALID) {
		DB_REPMGR_SITE *list = NULL;
		u_int n = 0;

		v->role = CV_ROLE_REPLICA;
		v->synced = sp->st_startup_complete != 0;
		if (env->repmgr_site_list(env, &n, &list) == 0 && list) {
			for (u_int i = 0; i < n; i++)
				if (list[i].eid == (int)sp->st_master)
					addr_text(v->master, sizeof(v->master), list[i].host, list[i].port);
			free(list);
		}
	} else {
		v->role = CV_ROLE_UNKNOWN;
		v->synced = false;
	}
	free(sp);
	return CV_OK;
}

size_t cv_repl_peers(struct cv_store *st, struct cv_repl_peer *out, size_t max)
{
	DB_REPMGR_SITE *list = NULL;
	u_int n = 0;
	size_t k = 0;

	if (st->env->repmgr_site_list(st->env, &n, &list) || !list)
		return 0;
	for (u_int i = 0; i < n && k < max; i++, k++) {
		addr_text(out[k].addr, sizeof(out[k].addr), list[i].host, list[i].port);
		out[k].eid = list[i].eid;
		out[k].port = list[i].port;
		out[k].connected = list[i].status == DB_REPMGR_CONNECTED;
		out[k].c2c = (list[i].flags & DB_REPMGR_ISPEER) != 0;
	}
	free(list);
	return k;
}

void cv_repl_observe_links(struct cv_store *st, struct cv_repl_view *v)
{
	struct cv_repl_peer peers[CV_REPL_PUB_PEERS];
	size_t n = cv_repl_peers(st, peers, CV_REPL_PUB_PEERS);

	memset(v->links, 0, sizeof(v->links));
	for (size_t i = 0; i < n; i++) {
		v->links[i].eid = peers[i].eid;
		v->links[i].port = (uint16_t)peers[i].port;
		v->links[i].connected = peers[i].connected;
	}
	v->npeers = n;
}

int cv_repl_link_state(const struct cv_repl_view *pub, const struct cv_repl_peer *p)
{
	for (size_t i = 0; i < pub->npeers && i < CV_REPL_PUB_PEERS; i++)
		if (pub->links[i].eid == p->eid && pub->links[i].port == p->port)
			return pub->links[i].connected ? 1 : 0;
	return -1;
}

/* ---- DB_CONFIG ----------------------------------------------------------- */

bool cv_repl_addr_parse(const char *s, struct cv_repl_addr *a)
{
	const char *colon = strrchr(s, ':');
	size_t hl;
	char *end;
	unsigned long port;

	memset(a, 0, sizeof(*a));
	if (!colon || colon == s)
		return false;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(a->host))
		return false;
	for (size_t i = 0; i < hl; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == ':' || c == '[' || c == ']'))
			return false;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || colon[1] == '+' || colon[1] == '-' || port < 1 || port > 65535)
		return false;
	memcpy(a->host, s, hl);
	a->host[hl] = '\0';
	/* [v6]: the brackets are the URL's, not the address's */
	if (a->host[0] == '[' && hl > 2 && a->host[hl - 1] == ']') {
		memmove(a->host, a->host + 1, hl - 2);
		a->host[hl - 2] = '\0';
	} else if (strchr(a->host, ':') || strchr(a->host, '[') || strchr(a->host, ']')) {
		return false;
	}
	a->port = (unsigned)port;
	return true;
}

/* Is this a line of ours (replication), which a new configuration replaces? */
static bool repl_line(const char *line)
{
	line += strspn(line, " \t");
	return !strncmp(line, "repmgr_", 7) || !strncmp(line, "rep_", 4) || !strncmp(line, "# cvapi replication", 19);
}

bool cv_repl_first_data(const char *home)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	bool creator = false;
	FILE *f;

	/* Berkeley DB's membership database: the site has been in a group */
	if ((size_t)snprintf(path, sizeof(path), "%s/__db.membership", home) >= sizeof(path) || access(path, F_OK) == 0)
		return false;
	snprintf(path, sizeof(path), "%s/DB_CONFIG", home);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!creator && getline(&line, &cap, f) > 0) {
		char *p = line + strspn(line, " \t");

		creator = !strncmp(p, "repmgr_site", 11) && strstr(p, "db_local_site on") &&
			  strstr(p, "db_group_creator on");
	}
	free(line);
	fclose(f);
	return creator;
}

bool cv_repl_configured(const char *home)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	bool on = false;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/DB_CONFIG", home) >= sizeof(path))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!on && getline(&line, &cap, f) > 0) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, "repmgr_site", 11) || (p[11] != ' ' && p[11] != '\t'))
			continue;
		on = strstr(p, "db_local_site on") != NULL;
	}
	free(line);
	fclose(f);
	return on;
}

enum cv_err cv_repl_config_text(const struct cv_repl_conf *c, char *buf, size_t n)
{
	unsigned ack = c->ack_timeout ? c->ack_timeout : CV_REPL_ACK_TIMEOUT_DEFAULT;
	unsigned elect = c->election_timeout ? c->election_timeout : CV_REPL_ELECTION_TIMEOUT_DEFAULT;
	unsigned hb = c->heartbeat ? c->heartbeat : CV_REPL_HEARTBEAT_DEFAULT;
	size_t o = 0;
	int w;

#define ADD(...)                                                                      \
	do {                                                                          \
		w = snprintf(buf + o, n - o, __VA_ARGS__);                            \
		if (w < 0 || (size_t)w >= n - o)                                      \
			return CV_ETOOBIG;                                            \
		o += (size_t)w;                                                       \
	} while (0)
	if (!n)
		return CV_ETOOBIG;
	buf[0] = '\0';
	ADD("# cvapi replication (cvctl repl init): this site, its peers, and how the group decides\n");
	/* the group's creator starts it, master alone, when no group exists yet;
	 * any other site asks its peers to let it join */
	ADD("repmgr_site %s %u db_local_site on%s\n", c->local.host, c->local.port,
	    c->npeers ? "" : " db_group_creator on");
	for (size_t i = 0; i < c->npeers; i++)
		ADD("repmgr_site %s %u db_bootstrap_helper on db_repmgr_peer on\n", c->peer[i].host, c->peer[i].port);
	ADD("rep_set_priority %u\n", c->priority);
	/* a commit waits for enough electable sites to survive the loss of any one */
	ADD("repmgr_set_ack_policy db_repmgr_acks_quorum\n");
	ADD("rep_set_config db_repmgr_conf_2site_strict on\n");
	/* no db_rep_conf_nowait: with it, an environment opened during a replication lockout
	 * (a role change, a sync) fails and leaves the site's count of handles one short, and
	 * the next lockout waits for ever; a call waits for the lockout instead (HACKING.md) */
	/* timeouts in microseconds */
	ADD("rep_set_timeout db_rep_ack_timeout %llu\n", (unsigned long long)ack * 1000);
	ADD("rep_set_timeout db_rep_election_timeout %llu\n", (unsigned long long)elect * 1000);
	ADD("rep_set_timeout db_rep_full_election_timeout %llu\n", (unsigned long long)elect * 2000);
	ADD("rep_set_timeout db_rep_election_retry %llu\n", (unsigned long long)elect * 1000);
	ADD("rep_set_timeout db_rep_connection_retry %llu\n", (unsigned long long)hb * 1000);
	ADD("rep_set_timeout db_rep_heartbeat_send %llu\n", (unsigned long long)hb * 1000);
	ADD("rep_set_timeout db_rep_heartbeat_monitor %llu\n", (unsigned long long)hb * 3000);
	/* the replicas' head start before a checkpoint (cvrepl takes them; 30 s by default) */
	ADD("rep_set_timeout db_rep_checkpoint_delay 1000000\n");
#undef ADD
	return CV_OK;
}

enum cv_err cv_repl_config_write(const char *home, const struct cv_repl_conf *c)
{
	char path[4096], tmp[4200], text[8192], *line = NULL;
	size_t cap = 0;
	enum cv_err e;
	FILE *in, *out;
	int fd;

	e = cv_repl_config_text(c, text, sizeof(text));
	if (e) {
		fprintf(stderr, "cvapi: the replication settings are too long\n");
		return e;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/DB_CONFIG", home) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.DB_CONFIG.XXXXXX", home) >= sizeof(tmp)) {
		fprintf(stderr, "cvapi: store folder name too long: %s\n", home);
		return CV_EINVAL;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, "cvapi: cannot write in %s: %s\n", home, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return CV_EIO;
	}
	fchmod(fd, 0640);
	in = fopen(path, "re");
	if (in) {
		while (getline(&line, &cap, in) > 0)
			if (!repl_line(line))
				fputs(line, out);
		free(line);
		fclose(in);
	}
	fputs(text, out);
	{
		bool bad = fflush(out) != 0 || fsync(fileno(out)) != 0;

		bad = fclose(out) != 0 || bad;
		if (!bad && rename(tmp, path) == 0)
			return CV_OK;
	}
	{
		fprintf(stderr, "cvapi: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return CV_EIO;
	}
}

/* ---- positions over repmgr's message channels ---------------------------- */

/* The request: these bytes; the answer: version, role, lsn (8), clock (8), little-endian. */
static const char position_request[] = "cvapi-position/1";
#define POSITION_ANSWER_LEN 18

static void put_le(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static enum cv_err own_position(DB_ENV *env, struct cv_repl_position *p)
{
	DB_REP_STAT *sp = NULL;
	int ret = env->rep_stat(env, &sp, 0);

	if (ret)
		return cv_store_err(ret);
	p->role = sp->st_status == DB_REP_MASTER ? CV_ROLE_MASTER :
		  sp->st_status == DB_REP_CLIENT && sp->st_master != DB_EID_INVALID ? CV_ROLE_REPLICA : CV_ROLE_UNKNOWN;
	p->lsn = (uint64_t)sp->st_max_perm_lsn.file << 32 | sp->st_max_perm_lsn.offset;
	p->at = cv_now_ms();
	free(sp);
	return CV_OK;
}

enum cv_err cv_repl_own_position(struct cv_store *st, struct cv_repl_position *p)
{
	return own_position(st->env, p);
}

/* repmgr's message thread: answer a position request; anything else gets no answer of ours. */
static void answer_position(DB_ENV *env, DB_CHANNEL *ch, DBT *req, u_int32_t nreq, u_int32_t flags)
{
	struct cv_repl_position p;
	unsigned char out[POSITION_ANSWER_LEN];
	DBT msg;

	if (!(flags & DB_REPMGR_NEED_RESPONSE))
		return;
	memset(&msg, 0, sizeof(msg));
	if (nreq == 1 && req[0].size == sizeof(position_request) - 1 &&
	    !memcmp(req[0].data, position_request, req[0].size) && own_position(env, &p) == CV_OK) {
		out[0] = 1;
		out[1] = (unsigned char)p.role;
		put_le(out + 2, p.lsn);
		put_le(out + 10, (uint64_t)p.at);
		msg.data = out;
		msg.size = sizeof(out);
	}
	/* an empty answer: not a request of ours, or no position to give */
	ch->send_msg(ch, &msg, 1, 0);
}

enum cv_err cv_repl_answer_positions(struct cv_store *st)
{
	int ret = st->env->repmgr_msg_dispatch(st->env, answer_position, 0);

	return ret ? cv_store_err(ret) : CV_OK;
}

enum cv_err cv_repl_ask_position(struct cv_store *st, int eid, unsigned timeout_ms, struct cv_repl_position *p)
{
	DB_CHANNEL *ch = NULL;
	DBT req, resp;
	const unsigned char *a;
	int ret;

	ret = st->env->repmgr_channel(st->env, eid, &ch, 0);
	if (ret)
		return ret == DB_REP_UNAVAIL ? CV_EBUSY : cv_store_err(ret);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.data = (void *)position_request;
	req.size = sizeof(position_request) - 1;
	resp.flags = DB_DBT_MALLOC;
	ret = ch->send_request(ch, &req, 1, &resp, (db_timeout_t)timeout_ms * 1000, 0);
	ch->close(ch, 0);
	if (ret) {
		free(resp.data);
		return ret == DB_REP_UNAVAIL || ret == DB_TIMEOUT || ret == DB_NOSERVER ? CV_EBUSY : cv_store_err(ret);
	}
	a = resp.data;
	if (resp.size != POSITION_ANSWER_LEN || a[0] != 1 || a[1] > CV_ROLE_UNKNOWN) {
		free(resp.data);
		return CV_EBUSY;
	}
	p->role = (enum cv_role)a[1];
	p->lsn = get_le(a + 2);
	p->at = (int64_t)get_le(a + 10);
	free(resp.data);
	return CV_OK;
}

uint64_t cv_repl_lsn_bytes(struct cv_store *st, uint64_t from, uint64_t to)
{
	uint32_t ff = (uint32_t)(from >> 32), fo = (uint32_t)from, tf = (uint32_t)(to >> 32), to_off = (uint32_t)to;
	u_int32_t max = 0;

	if (to <= from)
		return 0;
	if (ff == tf)
		return to_off - fo;
	if (st->env->get_lg_max(st->env, &max) || !max)
		max = 10 * 1024 * 1024;
	return (uint64_t)(tf - ff - 1) * max + (max > fo ? max - fo : 0) + to_off;
}

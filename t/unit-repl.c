/*
 * unit-repl.c - a replication site's settings and published role
 * (db/repl.h): addresses parsed, DB_CONFIG written with its other lines
 * kept, a store with a local site seen as replicated, the role read back
 * as published and as unknown once its publisher is gone.
 */
#include "repl.h"
#include "tap.h"
#include "tmpstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/cvapi-unit-repl.XXXXXX", path[256], text[4096];
	struct cv_repl_addr a;
	struct cv_repl_conf c;
	struct cv_repl_shared *map = NULL;
	struct cv_repl_view v, got;
	FILE *f;
	char *s;
	pid_t pid;
	int wst;

	/* addresses */
	ok(cv_repl_addr_parse("127.0.0.1:5011", &a) && !strcmp(a.host, "127.0.0.1") && a.port == 5011, "host:port");
	ok(cv_repl_addr_parse("db-2.example.org:65535", &a) && a.port == 65535, "a name, the highest port");
	ok(cv_repl_addr_parse("[::1]:5011", &a) && !strcmp(a.host, "::1"), "[v6]:port, brackets dropped");
	ok(!cv_repl_addr_parse("::1:5011", &a), "v6 without brackets refused");
	ok(!cv_repl_addr_parse("host:0", &a) && !cv_repl_addr_parse("host:65536", &a), "ports out of range refused");
	ok(!cv_repl_addr_parse("host:", &a) && !cv_repl_addr_parse(":5011", &a) && !cv_repl_addr_parse("host", &a),
	   "a missing host or port refused");
	ok(!cv_repl_addr_parse("host:+5", &a) && !cv_repl_addr_parse("host:5x", &a), "a port not all digits refused");
	ok(!cv_repl_addr_parse("ho st:5011", &a) && !cv_repl_addr_parse("h/o:5011", &a), "odd characters refused");

	/* the settings' text */
	memset(&c, 0, sizeof(c));
	cv_repl_addr_parse("127.0.0.1:5011", &c.local);
	c.priority = 100;
	is_int(cv_repl_config_text(&c, text, sizeof(text)), CV_OK, "a creator's settings");
	ok(strstr(text, "repmgr_site 127.0.0.1 5011 db_local_site on db_group_creator on\n") != NULL,
	   "no peer: the local site creates the group");
	ok(strstr(text, "repmgr_set_ack_policy db_repmgr_acks_quorum\n") != NULL, "quorum acknowledgements");
	ok(strstr(text, "rep_set_timeout db_rep_ack_timeout 2000000\n") != NULL, "the default ack timeout, in us");
	ok(strstr(text, "db_rep_conf_nowait on") == NULL, "no nowait (repl.c says why)");
	c.npeers = 2;
	cv_repl_addr_parse("127.0.0.1:5012", &c.peer[0]);
	cv_repl_addr_parse("127.0.0.1:5013", &c.peer[1]);
	c.ack_timeout = 10000;
	c.heartbeat = 500;
	is_int(cv_repl_config_text(&c, text, sizeof(text)), CV_OK, "a joiner's settings");
	ok(strstr(text, "repmgr_site 127.0.0.1 5011 db_local_site on\n") != NULL, "a joiner creates nothing");
	ok(strstr(text, "repmgr_site 127.0.0.1 5013 db_bootstrap_helper on db_repmgr_peer on\n") != NULL, "its peers help it join");
	ok(strstr(text, "db_rep_ack_timeout 10000000\n") && strstr(text, "db_rep_heartbeat_send 500000\n") &&
	   strstr(text, "db_rep_heartbeat_monitor 1500000\n"), "timeouts as given");
	is_int(cv_repl_config_text(&c, text, 64), CV_ETOOBIG, "a buffer too small says so");

	/* DB_CONFIG: other lines kept, ours replaced */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ok(!cv_repl_configured(dir), "no DB_CONFIG: not replicated");
	snprintf(path, sizeof(path), "%s/DB_CONFIG", dir);
	f = fopen(path, "w");
	fputs("set_cachesize 0 134217728 1\nrepmgr_site old 1 db_local_site on\nrep_set_priority 7\n", f);
	fclose(f);
	ok(cv_repl_configured(dir), "a local site: replicated");
	is_int(cv_repl_config_write(dir, &c), CV_OK, "written");
	s = slurp(path);
	ok(s && strstr(s, "set_cachesize 0 134217728 1\n"), "the host's own line kept");
	ok(s && !strstr(s, "repmgr_site old 1") && !strstr(s, "rep_set_priority 7"), "the old replication lines gone");
	ok(s && strstr(s, "repmgr_site 127.0.0.1 5011 db_local_site on\n"), "the new ones there");
	ok(cv_repl_configured(dir), "still replicated");
	ok(!cv_repl_first_data(dir), "a joining site takes no first data");
	memset(&c.peer, 0, sizeof(c.peer));
	c.npeers = 0;
	is_int(cv_repl_config_write(dir, &c), CV_OK, "written as the group's creator");
	ok(cv_repl_first_data(dir), "the creator, never in a group yet, takes the first data");
	snprintf(path, sizeof(path), "%s/__db.membership", dir);
	f = fopen(path, "w");
	fclose(f);
	ok(!cv_repl_first_data(dir), "once it was in a group, no more");
	unlink(path);
	snprintf(path, sizeof(path), "%s/DB_CONFIG", dir);

	/* the published role */
	is_int(cv_repl_map(dir, &map), CV_OK, "the replication file mapped");
	cv_repl_read(map, &got);
	is_int(got.role, CV_ROLE_UNKNOWN, "nothing published: no role");
	memset(&v, 0, sizeof(v));
	v.role = CV_ROLE_REPLICA;
	v.pid = (long)getpid();
	v.synced = true;
	v.lsn = (uint64_t)3 << 32 | 1234;
	cv_strlcpy(v.master, "127.0.0.1:5011", sizeof(v.master));
	cv_strlcpy(v.url, "http://127.0.0.1:8081", sizeof(v.url));
	cv_repl_publish(map, &v);
	cv_repl_read(map, &got);
	ok(got.role == CV_ROLE_REPLICA && got.synced && got.lsn == v.lsn && !strcmp(got.master, v.master) &&
	   !strcmp(got.url, v.url), "read back as published");
	is_int(got.npeers, 0, "no links published");

	/* the listener's links, and a peer's state read from them */
	{
		struct cv_repl_peer p1 = { .eid = 0, .port = 5011 }, p2 = { .eid = 1, .port = 5012 };
		struct cv_repl_peer p3 = { .eid = 2, .port = 5013 }, moved = { .eid = 1, .port = 6000 };

		is_int(cv_repl_link_state(&got, &p1), -1, "nothing published: unknown");
		v.npeers = 2;
		v.links[0] = (struct cv_repl_link){ .eid = 0, .port = 5011, .connected = 1 };
		v.links[1] = (struct cv_repl_link){ .eid = 1, .port = 5012, .connected = 0 };
		cv_repl_publish(map, &v);
		cv_repl_read(map, &got);
		is_int(got.npeers, 2, "two links read back");
		is_int(cv_repl_link_state(&got, &p1), 1, "the first: connected");
		is_int(cv_repl_link_state(&got, &p2), 0, "the second: disconnected");
		is_int(cv_repl_link_state(&got, &p3), -1, "a site not published: unknown");
		is_int(cv_repl_link_state(&got, &moved), -1, "the same EID with another port: unknown");
		v.links[1].connected = 1;
		cv_repl_publish(map, &v);
		cv_repl_read(map, &got);
		is_int(cv_repl_link_state(&got, &p2), 1, "a change of state is published");
		v.npeers = CV_REPL_PUB_PEERS + 5;
		for (size_t i = 0; i < CV_REPL_PUB_PEERS; i++)
			v.links[i] = (struct cv_repl_link){ .eid = (int32_t)i, .port = (uint16_t)(5011 + i), .connected = 1 };
		cv_repl_publish(map, &v);
		cv_repl_read(map, &got);
		is_int(got.npeers, CV_REPL_PUB_PEERS, "at most CV_REPL_PUB_PEERS links published");
		map->npeers = CV_REPL_PUB_PEERS + 1;
		cv_repl_read(map, &got);
		is_int(got.npeers, 0, "a count over the bound reads as none");
		v.npeers = 1;
		cv_repl_publish(map, &v);
		cv_repl_read(map, &got);
		ok(got.npeers == 1 && cv_repl_link_state(&got, &p2) == -1, "fewer links: the others are gone");
	}
	/* published by a process that is gone: no role */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &wst, 0);
	v.pid = (long)pid;
	cv_repl_publish(map, &v);
	cv_repl_read(map, &got);
	ok(got.role == CV_ROLE_UNKNOWN && got.pid == 0, "its publisher gone: no role");
	is_int(got.npeers, 0, "and no links: every peer unknown");
	cv_repl_read(NULL, &got);
	is_int(got.role, CV_ROLE_UNKNOWN, "no file: no role");
	is_str(cv_role_name(CV_ROLE_MASTER), "master", "role names");
	cv_repl_unmap(map);
	rm_store(dir);
	return tap_done();
}

/*
 * cvctl init, verify, backup, recover: the store as a whole. See cvctl(8).
 * main opens the store before any of them: for recover, that is all.
 */
#include "config.h"
#include "cvctl.h"
#include "hindex.h"
#include "ids.h"

#include <stdio.h>

/* The page tokens' key (cgi/page.c), made here unless there is one (cv_txn_fn). */
static enum cv_err page_key_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	static const char name[] = "pagetoken-key";
	unsigned char fresh[32];
	enum cv_err e;

	(void)arg;
	cv_random(fresh, sizeof(fresh));
	e = cv_store_put(st, CV_DB_META, txn, name, sizeof(name) - 1, fresh, sizeof(fresh), DB_NOOVERWRITE);
	return e == CV_EEXIST ? CV_OK : e;
}

/* init on a store made by an older cvapi: build the fleet-wide index it lacks (instant on a new store). */
int cmd_init(struct ctl *c, int argc, char **argv)
{
	struct cv_store *st = &c->st;
	size_t n;
	u_int32_t gone = 0;
	enum cv_err e;
	int ret;

	(void)argc;
	(void)argv;
	/* what an older cvapi kept of verified Basic credentials (SHA-256
	 * of login and password, cheap to guess against): emptied */
	ret = st->db[CV_DB_BASICAUTH]->truncate(st->db[CV_DB_BASICAUTH], NULL, &gone, DB_AUTO_COMMIT);
	if (ret)
		return ctl_fail("emptying basicauth.db", cv_store_err(ret));
	/*
	 * Made by the first program that needed it until now: here, so that
	 * a replica (which writes nothing) finds it with the rest.
	 */
	e = cv_store_txn(st, 0, page_key_txn, NULL);
	if (e)
		return ctl_fail("making the page tokens' key", e);
	if (cv_hindex_ready(st))
		return 0;
	e = cv_hindex_rebuild(st, &n);
	return e ? ctl_fail("building the fleet-wide index", e) : 0;
}

int cmd_recover(struct ctl *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	return 0;
}

/*
 * Berkeley DB's own messages during verify and backup: the last one is
 * kept for cvctl's single error line instead of going to stderr as it comes
 * (a failed backup or verify would print several lines).
 */
static char bdb_msg[256];

static void quiet_errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
	(void)env;
	(void)prefix;
	cv_strlcpy(bdb_msg, msg, sizeof(bdb_msg));
}

int cmd_verify(struct ctl *c, int argc, char **argv)
{
	const char *first = NULL;
	char why[256] = "";
	int bad = 0, first_ret = 0;

	(void)argc;
	(void)argv;
	c->st.env->set_errcall(c->st.env, quiet_errcall);
	for (int i = 0; i < CV_DB_COUNT; i++) {
		DB *db;
		int ret;

		bdb_msg[0] = '\0';
		ret = db_create(&db, c->st.env, 0);
		if (!ret)
			ret = db->verify(db, cv_store_files[i], NULL, NULL, 0); /* frees db */
		if (ret && !bad++) {
			first = cv_store_files[i];
			first_ret = ret;
			cv_strlcpy(why, bdb_msg, sizeof(why));
		}
	}
	if (bad) {
		fprintf(stderr, "cvctl: %s/%s: %s%s%s (%d of %d databases failed)\n", c->home, first,
			db_strerror(first_ret), why[0] ? ": " : "", why, bad, CV_DB_COUNT);
		return 1;
	}
	printf("%d databases verified\n", CV_DB_COUNT);
	return 0;
}

/* backup DIR */
int cmd_backup(struct ctl *c, int argc, char **argv)
{
	const char *dir = argv[0];
	int ret;

	(void)argc;
	bdb_msg[0] = '\0';
	c->st.env->set_errcall(c->st.env, quiet_errcall);
	ret = c->st.env->backup(c->st.env, dir, DB_CREATE | DB_BACKUP_CLEAN);
	if (ret) {
		fprintf(stderr, "cvctl: backup to %s: %s\n", dir, bdb_msg[0] ? bdb_msg : db_strerror(ret));
		return 1;
	}
	printf("backup written to %s\n", dir);
	return 0;
}

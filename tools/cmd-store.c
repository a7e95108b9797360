/*
 * cvctl init, verify, digest, backup, recover: the store as a whole. See cvctl(8).
 * main opens the store before any of them: for recover, that is all.
 */
#include "config.h"
#include "cvctl.h"
#include "hindex.h"
#include "ids.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

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

/* A length, then the bytes: records that differ cannot feed the digest the same bytes. */
static void digest_item(EVP_MD_CTX *a, EVP_MD_CTX *b, const DBT *d)
{
	unsigned char len[4] = { d->size >> 24, d->size >> 16, d->size >> 8, d->size };

	EVP_DigestUpdate(a, len, sizeof(len));
	EVP_DigestUpdate(a, d->data, d->size);
	EVP_DigestUpdate(b, len, sizeof(len));
	EVP_DigestUpdate(b, d->data, d->size);
}

/*
 * digest: each database's records and a SHA-256 of its keys and values
 * in key order, then the whole store's. Two stores with the same content
 * print the same lines, whatever their pages and logs: the sites of a
 * replication group that have applied the same commits agree.
 */
int cmd_digest(struct ctl *c, int argc, char **argv)
{
	EVP_MD_CTX *all = EVP_MD_CTX_new(), *one = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen;
	unsigned long long total = 0;
	DBT k = { 0 }, v = { 0 };
	int rc = 0;

	(void)argc;
	(void)argv;
	if (!all || !one || !EVP_DigestInit_ex(all, EVP_sha256(), NULL)) {
		fprintf(stderr, "cvctl: digest: no SHA-256 from libcrypto\n");
		rc = 1;
		goto out;
	}
	k.flags = v.flags = DB_DBT_REALLOC;
	for (int i = 0; i < CV_DB_COUNT && !rc; i++) {
		DB *db = c->st.db[i];
		DBC *cur = NULL;
		unsigned long long n = 0;
		int ret;

		if (!db) {
			printf("%-16s absent\n", cv_store_files[i]);
			continue;
		}
		EVP_DigestInit_ex(one, EVP_sha256(), NULL);
		ret = db->cursor(db, NULL, &cur, 0);
		while (!ret && !(ret = cur->get(cur, &k, &v, DB_NEXT))) {
			digest_item(one, all, &k);
			digest_item(one, all, &v);
			n++;
		}
		if (cur)
			cur->close(cur);
		if (ret != DB_NOTFOUND) {
			fprintf(stderr, "cvctl: digest: %s/%s: %s\n", c->home, cv_store_files[i], db_strerror(ret));
			rc = 1;
			break;
		}
		EVP_DigestFinal_ex(one, md, &mdlen);
		cv_hex(md, mdlen, hex);
		printf("%-16s %10llu %s\n", cv_store_files[i], n, hex);
		total += n;
	}
	if (!rc) {
		EVP_DigestFinal_ex(all, md, &mdlen);
		cv_hex(md, mdlen, hex);
		printf("%-16s %10llu %s\n", "(all)", total, hex);
	}
out:
	free(k.data);
	free(v.data);
	EVP_MD_CTX_free(one);
	EVP_MD_CTX_free(all);
	return rc;
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

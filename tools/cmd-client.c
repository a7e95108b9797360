/*
 * cvctl client add, client limits: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

/* ---- client add ---------------------------------------------------------- */

static enum cv_err put_client(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_client_put(st, txn, arg, DB_NOOVERWRITE);
}

int ctl_client_add(struct cv_store *st, const char *id, const char *secret, const char *scope,
		   const char *name, bool quiet_exists)
{
	struct cv_client c;
	const char *bad;
	size_t badlen;
	enum cv_err e;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++)
		c.limits[i] = -1;
	if (!ctl_login_ok(id))
		return ctl_usage_error("a client id is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	cv_strlcpy(c.id, id, sizeof(c.id));
	cv_strlcpy(c.name, name, sizeof(c.name));
	if (secret)
		cv_sha256_hex(secret, strlen(secret), c.secret_sha256);
	if (scope) {
		if (cv_scopes_parse(scope, &c.scopes, &bad, &badlen)) {
			fprintf(stderr, "cvctl: unknown scope %.*s\n", (int)badlen, bad);
			return 2;
		}
	} else {
		c.scopes = CV_SC_ALL;
	}
	c.created = cv_now_ms();
	e = cv_store_txn(st, 0, put_client, &c);
	if (e == CV_EEXIST && quiet_exists)
		return 0;
	if (e == CV_EEXIST) {
		fprintf(stderr, "cvctl: client %s already exists\n", id);
		return 1;
	}
	return e ? ctl_fail("adding the client", e) : 0;
}

/* client add ID [options] */
int cmd_client_add(struct ctl *c, int argc, char **argv)
{
	const char *secret, *scope, *name, *bad;
	int public;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--secret", &secret), CTL_OPT_FLAG("--public", &public),
		CTL_OPT_VALUE("--scope", &scope), CTL_OPT_VALUE("--name", &name),
		CTL_OPT_END
	};
	char fresh[CV_TOKEN_STRLEN];
	int rc;

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	if (public && secret)
		return ctl_usage_error("--public and --secret exclude each other");
	if (!public && !secret) {
		cv_secret_new(fresh);
		secret = fresh;
	}
	rc = ctl_client_add(&c->st, argv[0], secret, scope, name ? name : "", false);
	if (!rc && secret == fresh)
		printf("client_secret=%s\n", fresh);
	return rc;
}

/* ---- client limits ------------------------------------------------------- */

struct limits_arg {
	const char *id;
	int64_t set[CV_CLIENT_LIMITS];      /* -2: leave, -1: the default, else the value */
	struct cv_client c;
};

static enum cv_err limits_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct limits_arg *a = arg;
	enum cv_err e = cv_client_get(st, txn, a->id, &a->c);
	bool change = false;

	if (e)
		return e;
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++)
		if (a->set[i] != -2) {
			a->c.limits[i] = a->set[i];
			change = true;
		}
	return change ? cv_client_put(st, txn, &a->c, 0) : CV_OK;
}

/* client limits ID [options]: the limits' names are the options' */
int cmd_client_limits(struct ctl *c, int argc, char **argv)
{
	static const char *const names[CV_CLIENT_LIMITS] = { "day", "second", "token-day", "token-second" };
	const char *v[CV_CLIENT_LIMITS], *bad;
	int dflt;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--day", &v[0]), CTL_OPT_VALUE("--second", &v[1]),
		CTL_OPT_VALUE("--token-day", &v[2]), CTL_OPT_VALUE("--token-second", &v[3]),
		CTL_OPT_FLAG("--default", &dflt),
		CTL_OPT_END
	};
	struct limits_arg a;
	enum cv_err e;

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	memset(&a, 0, sizeof(a));
	a.id = argv[0];
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
		a.set[i] = dflt ? -1 : -2;
		if (!v[i])
			continue;
		if (dflt)
			return ctl_usage_error("--default sets every limit: give it alone");
		if (!strcmp(v[i], "default"))
			a.set[i] = -1;
		else if (cv_parse_i64(v[i], 0, UINT32_MAX, &a.set[i])) {
			fprintf(stderr, "cvctl: --%s must be a number of requests from 0 (no limit) to %u, or default\n",
				names[i], UINT32_MAX);
			return 2;
		}
	}
	e = cv_store_txn(&c->st, 0, limits_txn, &a);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no client %s\n", a.id);
		return 1;
	}
	if (e)
		return ctl_fail("setting the client's limits", e);
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
		if (a.c.limits[i] < 0)
			printf("%s%s=default", i ? " " : "", names[i]);
		else
			printf("%s%s=%lld", i ? " " : "", names[i], (long long)a.c.limits[i]);
	}
	printf("\n");
	return 0;
}

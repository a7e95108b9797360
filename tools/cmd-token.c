/*
 * cvctl token issue, token list, token revoke: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

/* ---- token issue --------------------------------------------------------- */

struct issue_arg {
	struct cv_token t;
	char out[CV_TOKEN_STRLEN];
};

static enum cv_err put_token(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct issue_arg *a = arg;
	struct cv_user u;
	enum cv_err e = cv_user_get(st, txn, a->t.user, &u);

	return e ? e : cv_token_issue(st, txn, &a->t, a->out);
}

/* token issue LOGIN [options] */
int cmd_token_issue(struct ctl *c, int argc, char **argv)
{
	const char *client, *scope, *ttl, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--client", &client), CTL_OPT_VALUE("--scope", &scope), CTL_OPT_VALUE("--ttl", &ttl),
		CTL_OPT_END
	};
	struct issue_arg a;
	size_t badlen;
	int64_t secs = 3600;
	enum cv_err e;

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	memset(&a, 0, sizeof(a));
	if (!ctl_login_ok(argv[0]))
		return ctl_usage_error("bad login");
	cv_strlcpy(a.t.user, argv[0], sizeof(a.t.user));
	cv_strlcpy(a.t.client, client ? client : "cvctl", sizeof(a.t.client));
	a.t.scopes = CV_SC_DEFAULT;            /* fleet only when named, as at /oauth2/token */
	if (scope && cv_scopes_parse(scope, &a.t.scopes, &bad, &badlen)) {
		fprintf(stderr, "cvctl: unknown scope %.*s\n", (int)badlen, bad);
		return 2;
	}
	if (ttl && cv_parse_i64(ttl, -31536000, 31536000, &secs))
		return ctl_usage_error("--ttl takes seconds, at most a year");
	a.t.kind = CV_TOKEN_ACCESS;
	cv_token_family_new(a.t.family);
	a.t.issued = cv_now_ms();
	a.t.expires = a.t.issued + secs * 1000;
	e = cv_store_txn(&c->st, 0, put_token, &a);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no user %s\n", argv[0]);
		return 1;
	}
	if (e)
		return ctl_fail("issuing the token", e);
	printf("%s\n", a.out);
	return 0;
}

/* ---- token list, token revoke -------------------------------------------- */

/* which tokens: every option given must match */
struct token_filter {
	const char *user, *client;
	bool has_family;
	unsigned char family[CV_TOKEN_FAMILY];
	size_t n;
};

/* The filter of the options --user, --client, --family: 0, else the exit status. */
static int filter_parse(struct token_filter *f, int argc, char **argv)
{
	static const unsigned char none[CV_TOKEN_FAMILY];
	const char *fam, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--user", &f->user), CTL_OPT_VALUE("--client", &f->client),
		CTL_OPT_VALUE("--family", &fam),
		CTL_OPT_END
	};

	memset(f, 0, sizeof(*f));
	bad = ctl_parse(argc, argv, opts);
	if (bad)
		return ctl_bad_option(bad);
	if (!fam)
		return 0;
	if (strlen(fam) != 2 * CV_TOKEN_FAMILY || cv_unhex(fam, f->family, CV_TOKEN_FAMILY))
		return ctl_usage_error("--family takes the 32 hex digits token list shows");
	if (!memcmp(f->family, none, CV_TOKEN_FAMILY))
		return ctl_usage_error("--family 000...0 names no grant (tokens made before families): use --user or --client");
	f->has_family = true;
	return 0;
}

static bool token_matches(const struct cv_token *t, void *arg)
{
	const struct token_filter *f = arg;

	return (!f->user || !strcmp(t->user, f->user)) && (!f->client || !strcmp(t->client, f->client)) &&
	       (!f->has_family || !memcmp(t->family, f->family, CV_TOKEN_FAMILY));
}

static int list_one(const struct cv_token *t, void *arg)
{
	struct token_filter *f = arg;
	char issued[CV_TIME_STRLEN], expires[CV_TIME_STRLEN], fam[2 * CV_TOKEN_FAMILY + 1];

	if (!token_matches(t, f))
		return 0;
	cv_time_fmt(t->issued, issued);
	cv_time_fmt(t->expires, expires);
	cv_hex(t->family, CV_TOKEN_FAMILY, fam);
	printf("%s %s %s %s %s %s%s\n", t->kind == CV_TOKEN_ACCESS ? "access" : "refresh", t->user, t->client, issued,
	       expires, fam, t->used ? " used" : "");
	f->n++;
	return 0;
}

static enum cv_err revoke_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct token_filter *f = arg;

	return cv_token_revoke_matching(st, txn, token_matches, f, &f->n);
}

/* token list [options] */
int cmd_token_list(struct ctl *c, int argc, char **argv)
{
	struct token_filter f;
	int rc = filter_parse(&f, argc, argv);
	enum cv_err e;

	if (rc)
		return rc;
	e = cv_token_walk(&c->st, list_one, &f);
	return e ? ctl_fail("listing the tokens", e) : 0;
}

/* token revoke options */
int cmd_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct token_filter f;
	int rc = filter_parse(&f, argc, argv);
	enum cv_err e;

	if (rc)
		return rc;
	if (!f.user && !f.client && !f.has_family)
		return ctl_usage_error("token revoke needs --user, --client or --family");
	e = cv_store_txn(&c->st, 0, revoke_txn, &f);
	if (e)
		return ctl_fail("revoking the tokens", e);
	printf("revoked=%zu\n", f.n);
	return 0;
}

/*
 * cvctl user add: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"

#include <stdio.h>
#include <string.h>

static enum cv_err put_user(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_user_put(st, txn, arg, DB_NOOVERWRITE);
}

int ctl_user_add(struct cv_store *st, const char *login, const char *pw, const char *first,
		 const char *last, const char *email, bool quiet_exists)
{
	struct cv_user u;
	enum cv_err e;

	memset(&u, 0, sizeof(u));
	if (!ctl_login_ok(login))
		return ctl_usage_error("a login is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	if (cv_strlcpy(u.login, login, sizeof(u.login)) || cv_strlcpy(u.first, first, sizeof(u.first)) ||
	    cv_strlcpy(u.last, last, sizeof(u.last)) || cv_strlcpy(u.email, email, sizeof(u.email)))
		return ctl_usage_error("a name or e-mail is longer than 128 bytes");
	e = cv_password_hash(pw, u.hash);
	if (e)
		return ctl_fail("hashing the password", e);
	u.created = u.updated = cv_now_ms();
	e = cv_store_txn(st, 0, put_user, &u);
	if (e == CV_EEXIST && quiet_exists)
		return 0;
	if (e == CV_EEXIST) {
		fprintf(stderr, "cvctl: user %s already exists\n", login);
		return 1;
	}
	return e ? ctl_fail("adding the user", e) : 0;
}

/* user add LOGIN [options] */
int cmd_user_add(struct ctl *c, int argc, char **argv)
{
	const char *pw, *first, *last, *email, *bad;
	int from_stdin;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--password", &pw), CTL_OPT_FLAG("--password-stdin", &from_stdin),
		CTL_OPT_VALUE("--first", &first), CTL_OPT_VALUE("--last", &last), CTL_OPT_VALUE("--email", &email),
		CTL_OPT_END
	};
	char line[1025];

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	if (from_stdin) {
		if (!fgets(line, sizeof(line), stdin))
			return ctl_usage_error("no password on standard input");
		line[strcspn(line, "\r\n")] = '\0';
		pw = line;
	}
	if (!pw || !*pw)
		return ctl_usage_error("a password is required (--password or --password-stdin)");
	return ctl_user_add(&c->st, argv[0], pw, first ? first : "", last ? last : "", email ? email : "", false);
}

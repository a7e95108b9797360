/*
 * cvctl cert add: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct cert_arg {
	char key[CV_CERT_KEY_MAX + 1];
	const char *login;
};

static enum cv_err put_cert(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct cert_arg *c = arg;

	return cv_cert_put(st, txn, c->key, c->login);
}

/* cert add FILE LOGIN: certificates of FILE's issuer and subject are LOGIN's. */
int cmd_cert_add(struct ctl *ctl, int argc, char **argv)
{
	struct cert_arg c;
	char buf[65537];
	size_t n;
	FILE *f;
	enum cv_err e;

	(void)argc;
	c.login = argv[1];
	if (!ctl_login_ok(c.login))
		return ctl_usage_error("a login is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	f = fopen(argv[0], "re");
	if (!f) {
		fprintf(stderr, "cvctl: cannot read %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf) || cv_cert_key(buf, n, c.key)) {
		fprintf(stderr, "cvctl: %s is not a PEM certificate (or its issuer or subject is over %d bytes)\n",
			argv[0], CV_SUBJECT_MAX);
		return 1;
	}
	e = cv_store_txn(&ctl->st, 0, put_cert, &c);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no user %s\n", c.login);
		return 1;
	}
	return e ? ctl_fail("adding the certificate", e) : 0;
}

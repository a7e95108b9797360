/*
 * cvctl user limits, fleet limits: an owner's quotas (db/quotas.h); see
 * cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "quotas.h"
#include "cvtime.h"

#include <stdio.h>
#include <string.h>

struct quota_arg {
	char owner[CV_CB_OWNER_MAX + 1];
	int64_t set[CV_Q_COUNT];            /* -2: leave, -1: the default, else the value */
	int64_t now[CV_Q_COUNT];            /* what is set once done */
	int64_t used[CV_Q_COUNT];
	bool fleet;
	const char *id;
	int64_t at;
};

static enum cv_err quota_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct quota_arg *a = arg;
	bool change = false;
	enum cv_err e;

	if (a->fleet) {
		struct cv_fleet f;

		e = cv_fleet_get(st, txn, a->id, &f);
	} else {
		struct cv_user u;

		e = cv_user_get(st, txn, a->id, &u);
	}
	if (!e)
		e = cv_limits_get_set(st, txn, a->owner, a->now);
	for (size_t i = 0; !e && i < CV_Q_COUNT; i++)
		if (a->set[i] != -2) {
			a->now[i] = a->set[i];
			change = true;
		}
	if (!e && change)
		e = cv_limits_put(st, txn, a->owner, a->now);
	if (!e)
		e = cv_limits_usage(st, txn, a->owner, a->at, a->used);
	return e;
}

static int owner_limits(struct ctl *c, int argc, char **argv, bool fleet)
{
	const char *v[CV_Q_COUNT], *bad;
	int dflt;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE(cv_quota_options[0], &v[0]), CTL_OPT_VALUE(cv_quota_options[1], &v[1]),
		CTL_OPT_VALUE(cv_quota_options[2], &v[2]), CTL_OPT_VALUE(cv_quota_options[3], &v[3]),
		CTL_OPT_VALUE(cv_quota_options[4], &v[4]), CTL_OPT_VALUE(cv_quota_options[5], &v[5]),
		CTL_OPT_VALUE(cv_quota_options[6], &v[6]),
		CTL_OPT_FLAG("--default", &dflt),
		CTL_OPT_END
	};
	struct quota_arg a;
	enum cv_err e;

	_Static_assert(CV_Q_COUNT == 7, "one option per quota");
	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	memset(&a, 0, sizeof(a));
	a.fleet = fleet;
	a.id = argv[0];
	a.at = cv_now_ms();
	if (!ctl_login_ok(a.id))
		return ctl_usage_error(fleet ? "a fleet id is 1 to 64 characters among A-Z a-z 0-9 . _ - @"
				       : "a login is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	snprintf(a.owner, sizeof(a.owner), "%s%s", fleet ? "f:" : "u:", a.id);
	for (size_t i = 0; i < CV_Q_COUNT; i++) {
		a.set[i] = dflt ? -1 : -2;
		if (!v[i])
			continue;
		if (dflt)
			return ctl_usage_error("--default sets every quota: give it alone");
		if (!strcmp(v[i], "default"))
			a.set[i] = -1;
		else if (cv_parse_i64(v[i], 0, CV_QUOTA_MAX, &a.set[i])) {
			fprintf(stderr, "cvctl: %s must be a number from 0 to %d, or default\n", cv_quota_options[i],
				CV_QUOTA_MAX);
			return 2;
		}
	}
	e = cv_store_txn(&c->st, 0, quota_txn, &a);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no %s %s\n", fleet ? "fleet" : "user", a.id);
		return 1;
	}
	if (e)
		return ctl_fail("setting the quotas", e);
	/* name=limit (its own, or default: the value in force), then what is used */
	for (size_t i = 0; i < CV_Q_COUNT; i++) {
		if (a.now[i] < 0)
			printf("%s%s=default(%lld)", i ? " " : "", cv_quota_names[i], (long long)cv_quota_defaults[i]);
		else
			printf("%s%s=%lld", i ? " " : "", cv_quota_names[i], (long long)a.now[i]);
		if (a.used[i] >= 0)
			printf("/used=%lld", (long long)a.used[i]);
	}
	printf("\n");
	return 0;
}

int cmd_user_limits(struct ctl *c, int argc, char **argv)
{
	return owner_limits(c, argc, argv, false);
}

int cmd_fleet_limits(struct ctl *c, int argc, char **argv)
{
	return owner_limits(c, argc, argv, true);
}

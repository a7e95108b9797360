/*
 * cvctl fleet add, fleet add-vehicle: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"

#include <stdio.h>
#include <string.h>

static enum cv_err put_fleet(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_fleet_add(st, txn, arg);
}

struct fleet_link {
	const char *fid;
	const char *vin;
};

static enum cv_err put_fleet_link(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct fleet_link *l = arg;
	struct cv_vehicle v;
	enum cv_err e = cv_vehicle_by_vin(st, txn, l->vin, &v);

	return e ? e : cv_fleet_add_vehicle(st, txn, l->fid, v.id);
}

int ctl_fleet_add(struct cv_store *st, const char *id, const char *owner, const char *label, bool quiet_exists)
{
	struct cv_fleet f;
	enum cv_err e;

	memset(&f, 0, sizeof(f));
	if (!ctl_login_ok(id))
		return ctl_usage_error("a fleet id is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	if (!owner || !ctl_login_ok(owner))
		return ctl_usage_error("--owner LOGIN is required");
	cv_strlcpy(f.id, id, sizeof(f.id));
	cv_strlcpy(f.owner, owner, sizeof(f.owner));
	if (cv_strlcpy(f.label, label ? label : "", sizeof(f.label)))
		return ctl_usage_error("--label takes at most 128 bytes");
	f.created = cv_now_ms();
	e = cv_store_txn(st, 0, put_fleet, &f);
	if (e == CV_EEXIST && quiet_exists)
		return 0;
	if (e == CV_EEXIST) {
		fprintf(stderr, "cvctl: fleet %s already exists\n", id);
		return 1;
	}
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no user %s\n", owner);
		return 1;
	}
	return e ? ctl_fail("adding the fleet", e) : 0;
}

int ctl_fleet_add_vehicle(struct cv_store *st, const char *fid, const char *vin)
{
	struct fleet_link l = { fid, vin };
	enum cv_err e;

	if (!ctl_login_ok(fid))
		return ctl_usage_error("bad fleet id");
	if (!ctl_vin_ok(vin))
		return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	e = cv_store_txn(st, 0, put_fleet_link, &l);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no fleet %s or no vehicle %s\n", fid, vin);
		return 1;
	}
	return e ? ctl_fail("adding the vehicle to the fleet", e) : 0;
}

/* fleet add ID [options] */
int cmd_fleet_add(struct ctl *c, int argc, char **argv)
{
	const char *owner, *label, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--owner", &owner), CTL_OPT_VALUE("--label", &label),
		CTL_OPT_END
	};

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	return ctl_fleet_add(&c->st, argv[0], owner, label, false);
}

/* fleet add-vehicle ID VIN */
int cmd_fleet_add_vehicle(struct ctl *c, int argc, char **argv)
{
	(void)argc;
	return ctl_fleet_add_vehicle(&c->st, argv[0], argv[1]);
}

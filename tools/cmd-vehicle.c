/*
 * cvctl vehicle add: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

static enum cv_err put_vehicle(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct cv_vehicle *v = arg;
	struct cv_user u;
	enum cv_err e = CV_OK;

	if (v->owner[0]) {
		e = cv_user_get(st, txn, v->owner, &u);
		if (e)
			return e == CV_ENOTFOUND ? CV_EFORBIDDEN : e;
	}
	return cv_vehicle_add(st, txn, v);
}

int ctl_vehicle_add(struct cv_store *st, const char *vin, const char *owner, const char *energy,
		    const char *brand, const char *label, char cred[CV_TOKEN_STRLEN],
		    char id[CV_VID_HEXLEN + 1], bool quiet_exists)
{
	struct cv_vehicle v;
	unsigned char raw[16];
	enum cv_err e;
	int en;

	memset(&v, 0, sizeof(v));
	if (!ctl_vin_ok(vin))
		return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	for (en = 0; en < CV_ENERGY_COUNT; en++)
		if (energy && !strcmp(energy, cv_energy_names[en]))
			break;
	if (en == CV_ENERGY_COUNT)
		return ctl_usage_error("--energy must be petrol, diesel, electric or phev");
	if (!owner || !ctl_login_ok(owner))
		return ctl_usage_error("--owner LOGIN is required");
	cv_random(raw, sizeof(raw));
	cv_hex(raw, sizeof(raw), v.id);
	cv_strlcpy(v.vin, vin, sizeof(v.vin));
	cv_strlcpy(v.owner, owner, sizeof(v.owner));
	if (cv_strlcpy(v.brand, brand ? brand : "", sizeof(v.brand)) ||
	    cv_strlcpy(v.label, label ? label : "", sizeof(v.label)))
		return ctl_usage_error("--brand and --label take at most 128 bytes");
	v.energy = (uint8_t)en;
	cv_secret_new(cred);
	cv_sha256_hex(cred, strlen(cred), v.cred_sha256);
	v.created = v.updated = cv_now_ms();
	e = cv_store_txn(st, 0, put_vehicle, &v);
	if (e == CV_EEXIST) {
		if (quiet_exists)
			return -1;
		fprintf(stderr, "cvctl: a vehicle with VIN %s already exists\n", vin);
		return 1;
	}
	if (e == CV_EFORBIDDEN) {
		fprintf(stderr, "cvctl: no user %s\n", owner);
		return 1;
	}
	if (e)
		return ctl_fail("adding the vehicle", e);
	memcpy(id, v.id, sizeof(v.id));
	return 0;
}

/* vehicle add VIN [options] */
int cmd_vehicle_add(struct ctl *c, int argc, char **argv)
{
	const char *owner, *energy, *brand, *label, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--owner", &owner), CTL_OPT_VALUE("--energy", &energy),
		CTL_OPT_VALUE("--brand", &brand), CTL_OPT_VALUE("--label", &label),
		CTL_OPT_END
	};
	char cred[CV_TOKEN_STRLEN], id[CV_VID_HEXLEN + 1];
	int rc;

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	rc = ctl_vehicle_add(&c->st, argv[0], owner, energy, brand, label, cred, id, false);
	if (!rc)
		printf("id=%s\ncredential=%s\n", id, cred);
	return rc;
}

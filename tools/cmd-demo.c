/*
 * cvctl demo: the demo account, through the adders of the user, client,
 * fleet and vehicle commands. See cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct demo_capacity {
	const char *vin;
	uint32_t battery_wh, tank_cl;
};

/* A demo car of a store made before capacities: give it the capacities it has not. */
static enum cv_err demo_capacity_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct demo_capacity *dc = arg;
	struct cv_vehicle v;
	uint32_t wh, cl;
	enum cv_err e = cv_vehicle_by_vin(st, txn, dc->vin, &v);

	if (e)
		return e;
	wh = !v.battery_wh && cv_capacity_applies(CV_CAP_BATTERY, v.energy) ? dc->battery_wh : 0;
	cl = !v.tank_cl && cv_capacity_applies(CV_CAP_TANK, v.energy) ? dc->tank_cl : 0;
	return wh || cl ? cv_vehicle_set_capacity(st, txn, v.id, wh, cl, cv_now_ms()) : CV_OK;
}

/* demo [--vehicles FILE] */
int cmd_demo(struct ctl *c, int argc, char **argv)
{
	/* capacities: usable battery (Wh) and tank (cl), what cvsim gives these energies (sim/vehicle.h) */
	static const struct { const char *vin, *energy, *brand, *label; uint32_t battery_wh, tank_cl; } cars[] = {
		{ "VR3UPHNKSKT000001", "petrol", "Peugeot", "208 PureTech 100", 0, 4500 },
		{ "VR3UKZKXZMJ000002", "electric", "Peugeot", "e-208 GT", 50000, 0 },
		{ "VR3MRHNSSMY000003", "phev", "Peugeot", "3008 Hybrid4", 12000, 4000 },
	};
	const char *path, *bad;
	const struct ctl_opt opts[] = { CTL_OPT_VALUE("--vehicles", &path), CTL_OPT_END };
	struct cv_store *st = &c->st;
	FILE *f = NULL;
	int rc;

	bad = ctl_parse(argc, argv, opts);
	if (bad)
		return ctl_bad_option(bad);
	/* open it first: a vehicle added without its credential written would be unusable */
	if (path) {
		f = fopen(path, "a");
		if (!f) {
			fprintf(stderr, "cvctl: cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	rc = ctl_user_add(st, "demo", "demo", "Camille", "Martin", "demo@cvapi.example", true);
	if (!rc)
		rc = ctl_user_add(st, "fleet", "fleet", "Fleet", "Manager", "fleet@cvapi.example", true);
	if (!rc)
		rc = ctl_client_add(st, "console", NULL, NULL, "cvapi console", true);
	if (!rc)
		rc = ctl_fleet_add(st, "demo-fleet", "fleet", "Demo fleet", true);
	if (rc) {
		if (f)
			fclose(f);
		return rc;
	}
	for (size_t i = 0; i < CV_ARRAY_LEN(cars); i++) {
		char cred[CV_TOKEN_STRLEN], id[CV_VID_HEXLEN + 1];

		rc = ctl_vehicle_add(st, cars[i].vin, "demo", cars[i].energy, cars[i].brand, cars[i].label,
				     cars[i].battery_wh, cars[i].tank_cl, NULL, cred, id, true);
		if (rc == -1) {
			/* already there: its credential stays what it was, a capacity it lacks is set */
			struct demo_capacity dc = { cars[i].vin, cars[i].battery_wh, cars[i].tank_cl };
			enum cv_err e = cv_store_txn(st, 0, demo_capacity_txn, &dc);

			rc = 0;
			if (e) {
				if (f)
					fclose(f);
				return ctl_fail("setting a demo vehicle's capacity", e);
			}
			continue;
		}
		if (rc) {
			if (f)
				fclose(f);
			return rc;
		}
		if (f) {
			fprintf(f, "%s %s %s\n", cars[i].vin, cars[i].energy, cred);
		} else {
			printf("%s %s %s\n", cars[i].vin, cars[i].energy, cred);
		}
	}
	/* the fleet owner's fleet holds the same vehicles */
	for (size_t i = 0; i < CV_ARRAY_LEN(cars) && !rc; i++)
		rc = ctl_fleet_add_vehicle(st, "demo-fleet", cars[i].vin);
	if (f && fclose(f)) {
		fprintf(stderr, "cvctl: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return rc;
}

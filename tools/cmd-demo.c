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

/* A line of cvsim's vehicles file: VIN ENERGY CREDENTIAL [battery:KWH] [tank:L] style:STYLE */
static void demo_line(FILE *f, const char *vin, const char *energy, const char *cred, uint32_t battery_wh,
		      uint32_t tank_cl, const char *style)
{
	char text[CV_CAPACITY_STRLEN];

	fprintf(f, "%s %s %s", vin, energy, cred);
	if (battery_wh) {
		cv_capacity_fmt(CV_CAP_BATTERY, battery_wh, text);
		fprintf(f, " battery:%s", text);
	}
	if (tank_cl) {
		cv_capacity_fmt(CV_CAP_TANK, tank_cl, text);
		fprintf(f, " tank:%s", text);
	}
	fprintf(f, " style:%s\n", style);
}

/* demo [--vehicles FILE] */
int cmd_demo(struct ctl *c, int argc, char **argv)
{
	/*
	 * Capacities: usable battery (Wh) and tank (cl), as cvsim gives these
	 * energies by default (sim/vehicle.h); and how cvsim drives each car,
	 * one driver of each style, so that their trips score differently.
	 */
	static const struct {
		const char *vin, *energy, *brand, *label;
		uint32_t battery_wh, tank_cl;
		const char *style;
	} cars[] = {
		{ "VR3UPHNKSKT000001", "petrol", "Peugeot", "208 PureTech 100", 0, 4500, "sporty" },
		{ "VR3UKZKXZMJ000002", "electric", "Peugeot", "e-208 GT", 50000, 0, "calm" },
		{ "VR3MRHNSSMY000003", "phev", "Peugeot", "3008 Hybrid4", 12000, 4000, "normal" },
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
		demo_line(f ? f : stdout, cars[i].vin, cars[i].energy, cred, cars[i].battery_wh, cars[i].tank_cl,
			  cars[i].style);
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

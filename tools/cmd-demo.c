/*
 * cvctl demo: the demo account, through the adders of the user, client,
 * fleet and vehicle commands. See cvctl(8).
 */
#include "config.h"
#include "cvctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* demo [--vehicles FILE] */
int cmd_demo(struct ctl *c, int argc, char **argv)
{
	static const struct { const char *vin, *energy, *brand, *label; } cars[] = {
		{ "VR3UPHNKSKT000001", "petrol", "Peugeot", "208 PureTech 100" },
		{ "VR3UKZKXZMJ000002", "electric", "Peugeot", "e-208 GT" },
		{ "VR3MRHNSSMY000003", "phev", "Peugeot", "3008 Hybrid4" },
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

		rc = ctl_vehicle_add(st, cars[i].vin, "demo", cars[i].energy, cars[i].brand, cars[i].label, NULL, cred, id,
				     true);
		if (rc == -1) {
			rc = 0;
			continue; /* already there: its credential stays what it was */
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

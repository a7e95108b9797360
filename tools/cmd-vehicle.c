/*
 * cvctl vehicle add, vehicle device, vehicle capacity: see cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "cvtime.h"
#include "ids.h"
#include "devices.h"
#include "teltonika.h"

#include <stdio.h>
#include <string.h>

/* A vehicle and, when it has one, its device: one transaction. */
struct new_vehicle {
	struct cv_vehicle v;
	const struct cv_device *dev;    /* NULL: none */
	char other[CV_VID_HEXLEN + 1];  /* CV_EBUSY, CV_EEXIST: where the device reports already */
};

static enum cv_err put_vehicle(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct new_vehicle *nv = arg;
	struct cv_user u;
	enum cv_err e = CV_OK;

	if (nv->v.owner[0]) {
		e = cv_user_get(st, txn, nv->v.owner, &u);
		if (e)
			return e == CV_ENOTFOUND ? CV_EFORBIDDEN : e;
	}
	e = cv_vehicle_add(st, txn, &nv->v);
	/* CV_EEXIST from the link is the device's, not the VIN's */
	if (!e && nv->dev && (e = cv_device_link(st, txn, nv->dev, nv->v.id, nv->other)) == CV_EEXIST)
		e = CV_EBUSY;
	return e;
}

/* A device's refusal (CV_EBUSY: it reports for another vehicle, other); 1. */
static int device_taken(struct cv_store *st, const struct cv_device *d, const char *other)
{
	struct cv_vehicle v;

	fprintf(stderr, "cvctl: this %s device reports for vehicle %s already: a device reports for one vehicle\n",
		cv_device_kind_names[d->kind], cv_vehicle_get(st, NULL, other, &v) ? other : v.vin);
	return 1;
}

/*
 * Read --device's value: "KIND:ID", or "osmand" alone for a new random id.
 * 0, or the bad usage's status (2) with its line said.
 */
static int device_arg(const char *arg, struct cv_device *d)
{
	char why[160];

	if (!strcmp(arg, cv_device_kind_names[CV_DEV_OSMAND])) {
		cv_device_new_osmand(d);
		return 0;
	}
	if (cv_device_parse(arg, d, why, sizeof(why)))
		return ctl_usage_error(why);
	if (d->kind == CV_DEV_OSMAND && strlen(d->id) < CV_DEVICE_ID_SAFE)
		fprintf(stderr, "cvctl: warning: an osmand device id is the device's only credential, and one of %zu "
			"characters can be guessed: \"--device osmand\" makes one of 43\n", strlen(d->id));
	if (d->kind == CV_DEV_TELTONIKA && !cv_tk_luhn_ok(d->id))
		fprintf(stderr, "cvctl: warning: %s: the last digit is not the IMEI's check digit (Luhn): a typo? "
			"The tracker's own IMEI is on its label and in its configurator\n", d->id);
	return 0;
}

/* The options of a capacity, by enum cv_capacity, and what each takes. */
static const char *const capacity_opt[] = { "--battery-kwh", "--tank-l" };

/*
 * Read a capacity option's value (NULL: not given, *out 0). 0, or the bad
 * usage's status (2) with its line said.
 */
static int capacity_arg(enum cv_capacity kind, const char *text, uint32_t *out)
{
	static const char *const why[] = {
		"--battery-kwh takes the usable battery in kWh, above 0 and up to 300, with at most one decimal (50, 11.5)",
		"--tank-l takes the fuel tank in litres, above 0 and up to 200, with at most one decimal (45, 40.5)",
	};

	*out = 0;
	if (text && cv_capacity_parse(kind, text, out))
		return ctl_usage_error(why[kind]);
	return 0;
}

/* A capacity given for an energy that has no such store: its line said, 2; else 0. */
static int capacity_applies(enum cv_capacity kind, uint32_t v, enum cv_energy energy)
{
	static const char *const why[] = {
		"--battery-kwh is for electric and phev vehicles", "--tank-l is for petrol, diesel and phev vehicles",
	};

	if (v && !cv_capacity_applies(kind, energy)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s, not %s", why[kind], cv_energy_names[energy]);
		return ctl_usage_error(msg);
	}
	return 0;
}

int ctl_vehicle_add(struct cv_store *st, const char *vin, const char *owner, const char *energy,
		    const char *brand, const char *label, uint32_t battery_wh, uint32_t tank_cl,
		    const struct cv_device *dev, char cred[CV_TOKEN_STRLEN], char id[CV_VID_HEXLEN + 1], bool quiet_exists)
{
	struct new_vehicle nv;
	unsigned char raw[16];
	enum cv_err e;
	int en;

	memset(&nv, 0, sizeof(nv));
	nv.dev = dev;
	if (!ctl_vin_ok(vin))
		return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	for (en = 0; en < CV_ENERGY_COUNT; en++)
		if (energy && !strcmp(energy, cv_energy_names[en]))
			break;
	if (en == CV_ENERGY_COUNT)
		return ctl_usage_error("--energy must be petrol, diesel, electric or phev");
	if (capacity_applies(CV_CAP_BATTERY, battery_wh, (enum cv_energy)en) ||
	    capacity_applies(CV_CAP_TANK, tank_cl, (enum cv_energy)en))
		return 2;
	if (!owner || !ctl_login_ok(owner))
		return ctl_usage_error("--owner LOGIN is required");
	cv_random(raw, sizeof(raw));
	cv_hex(raw, sizeof(raw), nv.v.id);
	cv_strlcpy(nv.v.vin, vin, sizeof(nv.v.vin));
	cv_strlcpy(nv.v.owner, owner, sizeof(nv.v.owner));
	if (cv_strlcpy(nv.v.brand, brand ? brand : "", sizeof(nv.v.brand)) ||
	    cv_strlcpy(nv.v.label, label ? label : "", sizeof(nv.v.label)))
		return ctl_usage_error("--brand and --label take at most 128 bytes");
	nv.v.energy = (uint8_t)en;
	nv.v.battery_wh = battery_wh;
	nv.v.tank_cl = tank_cl;
	cv_secret_new(cred);
	cv_sha256_hex(cred, strlen(cred), nv.v.cred_sha256);
	nv.v.created = nv.v.updated = cv_now_ms();
	e = cv_store_txn(st, 0, put_vehicle, &nv);
	if (e == CV_EBUSY)
		return device_taken(st, dev, nv.other);
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
	memcpy(id, nv.v.id, sizeof(nv.v.id));
	return 0;
}

/* vehicle add VIN [options] */
int cmd_vehicle_add(struct ctl *c, int argc, char **argv)
{
	const char *owner, *energy, *brand, *label, *device, *battery, *tank, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE("--owner", &owner), CTL_OPT_VALUE("--energy", &energy),
		CTL_OPT_VALUE("--brand", &brand), CTL_OPT_VALUE("--label", &label),
		CTL_OPT_VALUE("--device", &device), CTL_OPT_VALUE(capacity_opt[CV_CAP_BATTERY], &battery),
		CTL_OPT_VALUE(capacity_opt[CV_CAP_TANK], &tank), CTL_OPT_END
	};
	char cred[CV_TOKEN_STRLEN], id[CV_VID_HEXLEN + 1], text[CV_DEVICE_TEXT_MAX + 1];
	struct cv_device dev;
	uint32_t battery_wh, tank_cl;
	int rc;

	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	if (device && (rc = device_arg(device, &dev)) != 0)
		return rc;
	if ((rc = capacity_arg(CV_CAP_BATTERY, battery, &battery_wh)) != 0 ||
	    (rc = capacity_arg(CV_CAP_TANK, tank, &tank_cl)) != 0)
		return rc;
	rc = ctl_vehicle_add(&c->st, argv[0], owner, energy, brand, label, battery_wh, tank_cl, device ? &dev : NULL,
			     cred, id, false);
	if (!rc)
		printf("id=%s\ncredential=%s\n", id, cred);
	if (!rc && device) {
		cv_device_text(&dev, text);
		printf("device=%s\n", text);
	}
	return rc;
}

struct link_device {
	char vin[CV_VIN_MAX + 1];
	struct cv_device dev;
	char vid[CV_VID_HEXLEN + 1];
	char other[CV_VID_HEXLEN + 1];
	enum cv_device_kind had;        /* CV_EFORBIDDEN: the vehicle's own device */
};

static enum cv_err link_device_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct link_device *l = arg;
	struct cv_vehicle v;
	enum cv_err e = cv_vehicle_by_vin(st, txn, l->vin, &v);

	if (e)
		return e;
	cv_strlcpy(l->vid, v.id, sizeof(l->vid));
	e = cv_device_link(st, txn, &l->dev, v.id, l->other);
	if (e == CV_EBUSY && cv_device_of_vehicle(st, txn, v.id, &l->had) == CV_OK)
		return CV_EFORBIDDEN;
	return e;
}

/* vehicle device VIN KIND:ID */
int cmd_vehicle_device(struct ctl *c, int argc, char **argv)
{
	struct link_device l;
	char text[CV_DEVICE_TEXT_MAX + 1];
	enum cv_err e;
	int rc;

	(void)argc;
	memset(&l, 0, sizeof(l));
	if (!ctl_vin_ok(argv[0]))
		return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	cv_strlcpy(l.vin, argv[0], sizeof(l.vin));
	if ((rc = device_arg(argv[1], &l.dev)) != 0)
		return rc;
	e = cv_store_txn(&c->st, 0, link_device_txn, &l);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no vehicle with VIN %s\n", l.vin);
		return 1;
	}
	if (e == CV_EEXIST)
		return device_taken(&c->st, &l.dev, l.other);
	if (e == CV_EFORBIDDEN || e == CV_EBUSY) {
		fprintf(stderr, "cvctl: vehicle %s has a device already (%s): a vehicle has one device\n", l.vin,
			cv_device_kind_names[e == CV_EFORBIDDEN ? l.had : 0]);
		return 1;
	}
	if (e)
		return ctl_fail("linking the device", e);
	cv_device_text(&l.dev, text);
	printf("device=%s\n", text);
	return 0;
}

struct set_capacity {
	char vin[CV_VIN_MAX + 1];
	uint32_t battery_wh, tank_cl;   /* 0: leave it */
	int64_t now;
	struct cv_vehicle v;            /* the vehicle, as it is afterwards */
};

static enum cv_err set_capacity_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct set_capacity *sc = arg;
	enum cv_err e = cv_vehicle_by_vin(st, txn, sc->vin, &sc->v);

	if (e || (!sc->battery_wh && !sc->tank_cl))
		return e;       /* nothing to set: only read */
	/* CV_EINVAL: a store its energy has not, and nothing written */
	e = cv_vehicle_set_capacity(st, txn, sc->v.id, sc->battery_wh, sc->tank_cl, sc->now);
	if (!e)
		e = cv_vehicle_get(st, txn, sc->v.id, &sc->v);
	return e;
}

/* vehicle capacity VIN [--battery-kwh N] [--tank-l N] */
int cmd_vehicle_capacity(struct ctl *c, int argc, char **argv)
{
	const char *battery, *tank, *bad;
	const struct ctl_opt opts[] = {
		CTL_OPT_VALUE(capacity_opt[CV_CAP_BATTERY], &battery), CTL_OPT_VALUE(capacity_opt[CV_CAP_TANK], &tank),
		CTL_OPT_END
	};
	const uint32_t *have[2];
	struct set_capacity sc;
	enum cv_err e;
	int rc;

	memset(&sc, 0, sizeof(sc));
	bad = ctl_parse(argc - 1, argv + 1, opts);
	if (bad)
		return ctl_bad_option(bad);
	if (!ctl_vin_ok(argv[0]))
		return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	if ((rc = capacity_arg(CV_CAP_BATTERY, battery, &sc.battery_wh)) != 0 ||
	    (rc = capacity_arg(CV_CAP_TANK, tank, &sc.tank_cl)) != 0)
		return rc;
	cv_strlcpy(sc.vin, argv[0], sizeof(sc.vin));
	sc.now = cv_now_ms();
	if (!battery && !tank)
		c->audit = false;       /* only read */
	e = cv_store_txn(&c->st, 0, set_capacity_txn, &sc);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no vehicle with VIN %s\n", sc.vin);
		return 1;
	}
	if (e == CV_EINVAL && ((rc = capacity_applies(CV_CAP_BATTERY, sc.battery_wh, sc.v.energy)) != 0 ||
			       (rc = capacity_applies(CV_CAP_TANK, sc.tank_cl, sc.v.energy)) != 0))
		return rc;
	if (e)
		return ctl_fail("setting the capacity", e);
	have[CV_CAP_BATTERY] = &sc.v.battery_wh;
	have[CV_CAP_TANK] = &sc.v.tank_cl;
	for (int k = CV_CAP_BATTERY; k <= CV_CAP_TANK; k++) {
		char text[CV_CAPACITY_STRLEN];

		if (!cv_capacity_applies((enum cv_capacity)k, sc.v.energy))
			continue;
		if (*have[k])
			cv_capacity_fmt((enum cv_capacity)k, *have[k], text);
		printf("%s=%s\n", capacity_opt[k] + 2, *have[k] ? text : "unknown");
	}
	return 0;
}

/*
 * cvctl - administration of a cvapi store: see cvctl(8).
 *
 * Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.
 */
#include "config.h"
#include "model.h"
#include "purge.h"
#include "hindex.h"
#include "cvtime.h"
#include "ids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <pwd.h>
#include <unistd.h>

static const char usage_text[] =
	"Usage: cvctl [-H DIR] COMMAND [ARGS]\n"
	"Administration of the cvapi store in DIR (default $CVAPI_HOME, else " CV_STATEDIR "/db).\n"
	"\n"
	"  init                                   create the store (idempotent; on a store made by an\n"
	"                                         older cvapi, builds what it lacks: see reindex)\n"
	"  user add LOGIN [--password PW | --password-stdin] [--first NAME] [--last NAME] [--email ADDR]\n"
	"  client add ID [--secret SECRET | --public] [--scope \"S1 S2...\"] [--name NAME]\n"
	"  client limits ID [--day N] [--second N] [--token-day N] [--token-second N] [--default]\n"
	"                                         print or set the client's rate limits: requests a\n"
	"                                         day and a second for all its users, then for each\n"
	"                                         grant; 0 no limit, \"default\" the server's setting\n"
	"  vehicle add VIN --owner LOGIN --energy petrol|diesel|electric|phev [--brand B] [--label L]\n"
	"                                         prints id=... and credential=... (the upload credential)\n"
	"  fleet add ID --owner LOGIN [--label LABEL]   a fleet, managed by LOGIN\n"
	"  fleet add-vehicle ID VIN                    put a vehicle in the fleet\n"
	"  cert add FILE LOGIN                    a client certificate (PEM file): certificates\n"
	"                                         of its issuer and subject authenticate LOGIN\n"
	"                                         (fleet face)\n"
	"  retention [DAYS] [--vehicle VIN]       print or set how many days of history are kept\n"
	"                                         (default 60; with --vehicle, 0 removes the override)\n"
	"  purge [--verbose]                      delete expired history now (cvapi-ingest also does\n"
	"                                         it, a little at a time)\n"
	"  reindex [--drop]                       rebuild the fleet-wide time index of alerts,\n"
	"                                         collisions and trips; --drop only removes it (the\n"
	"                                         fleet-wide lists then merge each vehicle's history)\n"
	"  token issue LOGIN [--client ID] [--scope \"S1 S2...\"] [--ttl SECONDS]\n"
	"                                         prints an access token\n"
	"  token list [--user LOGIN] [--client ID]   the tokens (never their text): kind, user,\n"
	"                                         client, issued, expires, family, used\n"
	"  token revoke (--user LOGIN | --client ID | --family F)...\n"
	"                                         revoke the matching tokens (all options must match)\n"
	"  demo [--vehicles FILE]                 load the demo account (idempotent); FILE gets\n"
	"                                         one line per demo vehicle: VIN ENERGY CREDENTIAL\n"
	"  verify                                 check every database (run it with the server stopped)\n"
	"  backup DIR                             hot backup of databases and logs into DIR\n"
	"  recover                                run recovery now (any process opening the store does)\n"
	"\n"
	"  -H DIR   the store's folder\n"
	"  --help   this text;  --version  the version\n";

static int usage_error(const char *msg)
{
	fprintf(stderr, "cvctl: %s (see cvctl --help)\n", msg);
	return 2;
}

static int fail(const char *what, enum cv_err e)
{
	fprintf(stderr, "cvctl: %s: %s\n", what, cv_strerror(e));
	return 1;
}

/* Options after the positional arguments: "--name value" pairs and flags. */
struct opts {
	int argc;
	char **argv;
};

static const char *opt(const struct opts *o, const char *name)
{
	for (int i = 0; i < o->argc; i++)
		if (!strcmp(o->argv[i], name))
			return i + 1 < o->argc ? o->argv[i + 1] : "";
	return NULL;
}

static bool flag(const struct opts *o, const char *name)
{
	for (int i = 0; i < o->argc; i++)
		if (!strcmp(o->argv[i], name))
			return true;
	return false;
}

/* Refuse options not in allowed ("--x=" takes a value, "--x" is a flag). */
static bool opts_known(const struct opts *o, const char *const *allowed, const char **bad)
{
	for (int i = 0; i < o->argc; i++) {
		const char *const *a;
		bool takes = false;

		for (a = allowed; *a; a++) {
			size_t n = strlen(*a);

			takes = (*a)[n - 1] == '=';
			if (strlen(o->argv[i]) == n - (takes ? 1 : 0) && !strncmp(o->argv[i], *a, n - (takes ? 1 : 0)))
				break;
		}
		if (!*a) {
			*bad = o->argv[i];
			return false;
		}
		if (takes) {
			if (i + 1 >= o->argc) {
				*bad = o->argv[i];
				return false;
			}
			i++;
		}
	}
	return true;
}

/* ---- user add ----------------------------------------------------------- */

/* logins, client and fleet ids */
static bool login_ok(const char *s)
{
	return cv_chars_ok(s, CV_LOGIN_MAX, "._-@");
}

static bool vin_ok(const char *s)
{
	return cv_vin_ok(s, strlen(s));
}

static enum cv_err put_user(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_user_put(st, txn, arg, DB_NOOVERWRITE);
}

static int add_user(struct cv_store *st, const char *login, const char *pw, const char *first,
		    const char *last, const char *email, bool quiet_exists)
{
	struct cv_user u;
	enum cv_err e;

	memset(&u, 0, sizeof(u));
	if (!login_ok(login))
		return usage_error("a login is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	if (cv_strlcpy(u.login, login, sizeof(u.login)) || cv_strlcpy(u.first, first, sizeof(u.first)) ||
	    cv_strlcpy(u.last, last, sizeof(u.last)) || cv_strlcpy(u.email, email, sizeof(u.email)))
		return usage_error("a name or e-mail is longer than 128 bytes");
	e = cv_password_hash(pw, u.hash);
	if (e)
		return fail("hashing the password", e);
	u.created = u.updated = cv_now_ms();
	e = cv_store_txn(st, 0, put_user, &u);
	if (e == CV_EEXIST && quiet_exists)
		return 0;
	if (e == CV_EEXIST) {
		fprintf(stderr, "cvctl: user %s already exists\n", login);
		return 1;
	}
	return e ? fail("adding the user", e) : 0;
}

static int cmd_user(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--password=", "--password-stdin", "--first=", "--last=", "--email=", NULL };
	struct opts o = { argc - 2, argv + 2 };
	const char *bad, *pw;
	char line[1025];

	if (argc < 2 || strcmp(argv[0], "add"))
		return usage_error("user add LOGIN ...");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	pw = opt(&o, "--password");
	if (flag(&o, "--password-stdin")) {
		if (!fgets(line, sizeof(line), stdin))
			return usage_error("no password on standard input");
		line[strcspn(line, "\r\n")] = '\0';
		pw = line;
	}
	if (!pw || !*pw)
		return usage_error("a password is required (--password or --password-stdin)");
	return add_user(st, argv[1], pw, opt(&o, "--first") ? opt(&o, "--first") : "",
			opt(&o, "--last") ? opt(&o, "--last") : "", opt(&o, "--email") ? opt(&o, "--email") : "", false);
}

/* ---- client add --------------------------------------------------------- */

static enum cv_err put_client(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_client_put(st, txn, arg, DB_NOOVERWRITE);
}

static int add_client(struct cv_store *st, const char *id, const char *secret, const char *scope,
		      const char *name, bool quiet_exists)
{
	struct cv_client c;
	const char *bad;
	size_t badlen;
	enum cv_err e;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++)
		c.limits[i] = -1;
	if (!login_ok(id))
		return usage_error("a client id is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	cv_strlcpy(c.id, id, sizeof(c.id));
	cv_strlcpy(c.name, name, sizeof(c.name));
	if (secret)
		cv_sha256_hex(secret, strlen(secret), c.secret_sha256);
	if (scope) {
		if (cv_scopes_parse(scope, &c.scopes, &bad, &badlen)) {
			fprintf(stderr, "cvctl: unknown scope %.*s\n", (int)badlen, bad);
			return 2;
		}
	} else {
		c.scopes = CV_SC_ALL;
	}
	c.created = cv_now_ms();
	e = cv_store_txn(st, 0, put_client, &c);
	if (e == CV_EEXIST && quiet_exists)
		return 0;
	if (e == CV_EEXIST) {
		fprintf(stderr, "cvctl: client %s already exists\n", id);
		return 1;
	}
	return e ? fail("adding the client", e) : 0;
}

/* ---- client limits --------------------------------------------------- */

struct limits_arg {
	const char *id;
	int64_t set[CV_CLIENT_LIMITS];      /* -2: leave, -1: the default, else the value */
	struct cv_client c;
};

static enum cv_err limits_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct limits_arg *a = arg;
	enum cv_err e = cv_client_get(st, txn, a->id, &a->c);
	bool change = false;

	if (e)
		return e;
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++)
		if (a->set[i] != -2) {
			a->c.limits[i] = a->set[i];
			change = true;
		}
	return change ? cv_client_put(st, txn, &a->c, 0) : CV_OK;
}

static int client_limits(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--day=", "--second=", "--token-day=", "--token-second=", "--default", NULL };
	static const char *const names[CV_CLIENT_LIMITS] = { "day", "second", "token-day", "token-second" };
	struct opts o = { argc - 2, argv + 2 };
	struct limits_arg a;
	const char *bad;
	enum cv_err e;

	if (argc < 2)
		return usage_error("client limits ID [--day N] [--second N] [--token-day N] [--token-second N] [--default]");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	memset(&a, 0, sizeof(a));
	a.id = argv[1];
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
		char name[32];
		const char *v;

		snprintf(name, sizeof(name), "--%s", names[i]);
		v = opt(&o, name);
		a.set[i] = flag(&o, "--default") ? -1 : -2;
		if (!v)
			continue;
		if (flag(&o, "--default"))
			return usage_error("--default sets every limit: give it alone");
		if (!strcmp(v, "default"))
			a.set[i] = -1;
		else if (cv_parse_i64(v, 0, UINT32_MAX, &a.set[i])) {
			fprintf(stderr, "cvctl: %s must be a number of requests from 0 (no limit) to %u, or default\n",
				name, UINT32_MAX);
			return 2;
		}
	}
	e = cv_store_txn(st, 0, limits_txn, &a);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no client %s\n", a.id);
		return 1;
	}
	if (e)
		return fail("setting the client's limits", e);
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
		if (a.c.limits[i] < 0)
			printf("%s%s=default", i ? " " : "", names[i]);
		else
			printf("%s%s=%lld", i ? " " : "", names[i], (long long)a.c.limits[i]);
	}
	printf("\n");
	return 0;
}

static int cmd_client(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--secret=", "--public", "--scope=", "--name=", NULL };
	struct opts o = { argc - 2, argv + 2 };
	const char *bad, *secret;
	char fresh[CV_TOKEN_STRLEN];
	int rc;

	if (argc >= 1 && !strcmp(argv[0], "limits"))
		return client_limits(st, argc, argv);
	if (argc < 2 || strcmp(argv[0], "add"))
		return usage_error("client add ID ... or client limits ID ...");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	secret = opt(&o, "--secret");
	if (flag(&o, "--public") && secret)
		return usage_error("--public and --secret exclude each other");
	if (!flag(&o, "--public") && !secret) {
		cv_secret_new(fresh);
		secret = fresh;
	}
	rc = add_client(st, argv[1], secret, opt(&o, "--scope"), opt(&o, "--name") ? opt(&o, "--name") : "", false);
	if (!rc && secret == fresh)
		printf("client_secret=%s\n", fresh);
	return rc;
}

/* ---- vehicle add -------------------------------------------------------- */

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

static int add_vehicle(struct cv_store *st, const char *vin, const char *owner, const char *energy,
		       const char *brand, const char *label, char cred[CV_TOKEN_STRLEN], char id[CV_VID_HEXLEN + 1],
		       bool quiet_exists)
{
	struct cv_vehicle v;
	unsigned char raw[16];
	enum cv_err e;
	int en;

	memset(&v, 0, sizeof(v));
	if (!vin_ok(vin))
		return usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	for (en = 0; en < CV_ENERGY_COUNT; en++)
		if (energy && !strcmp(energy, cv_energy_names[en]))
			break;
	if (en == CV_ENERGY_COUNT)
		return usage_error("--energy must be petrol, diesel, electric or phev");
	if (!owner || !login_ok(owner))
		return usage_error("--owner LOGIN is required");
	cv_random(raw, sizeof(raw));
	cv_hex(raw, sizeof(raw), v.id);
	cv_strlcpy(v.vin, vin, sizeof(v.vin));
	cv_strlcpy(v.owner, owner, sizeof(v.owner));
	if (cv_strlcpy(v.brand, brand ? brand : "", sizeof(v.brand)) ||
	    cv_strlcpy(v.label, label ? label : "", sizeof(v.label)))
		return usage_error("--brand and --label take at most 128 bytes");
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
		return fail("adding the vehicle", e);
	memcpy(id, v.id, sizeof(v.id));
	return 0;
}

static int cmd_vehicle(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--owner=", "--energy=", "--brand=", "--label=", NULL };
	struct opts o = { argc - 2, argv + 2 };
	const char *bad;
	char cred[CV_TOKEN_STRLEN], id[CV_VID_HEXLEN + 1];
	int rc;

	if (argc < 2 || strcmp(argv[0], "add"))
		return usage_error("vehicle add VIN ...");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	rc = add_vehicle(st, argv[1], opt(&o, "--owner"), opt(&o, "--energy"), opt(&o, "--brand"),
			 opt(&o, "--label"), cred, id, false);
	if (!rc)
		printf("id=%s\ncredential=%s\n", id, cred);
	return rc;
}

/* ---- fleet add, fleet add-vehicle --------------------------------------- */

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

static int add_fleet(struct cv_store *st, const char *id, const char *owner, const char *label, bool quiet_exists)
{
	struct cv_fleet f;
	enum cv_err e;

	memset(&f, 0, sizeof(f));
	if (!login_ok(id))
		return usage_error("a fleet id is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	if (!owner || !login_ok(owner))
		return usage_error("--owner LOGIN is required");
	cv_strlcpy(f.id, id, sizeof(f.id));
	cv_strlcpy(f.owner, owner, sizeof(f.owner));
	if (cv_strlcpy(f.label, label ? label : "", sizeof(f.label)))
		return usage_error("--label takes at most 128 bytes");
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
	return e ? fail("adding the fleet", e) : 0;
}

static int add_fleet_vehicle(struct cv_store *st, const char *fid, const char *vin)
{
	struct fleet_link l = { fid, vin };
	enum cv_err e;

	if (!login_ok(fid))
		return usage_error("bad fleet id");
	if (!vin_ok(vin))
		return usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
	e = cv_store_txn(st, 0, put_fleet_link, &l);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no fleet %s or no vehicle %s\n", fid, vin);
		return 1;
	}
	return e ? fail("adding the vehicle to the fleet", e) : 0;
}

/* ---- cert add ------------------------------------------------------------ */

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
static int cmd_cert(struct cv_store *st, int argc, char **argv)
{
	struct cert_arg c;
	char buf[65537];
	size_t n;
	FILE *f;
	enum cv_err e;

	if (argc != 3 || strcmp(argv[0], "add"))
		return usage_error("cert add FILE LOGIN (FILE: the client certificate, PEM)");
	c.login = argv[2];
	if (!login_ok(c.login))
		return usage_error("a login is 1 to 64 characters among A-Z a-z 0-9 . _ - @");
	f = fopen(argv[1], "re");
	if (!f) {
		fprintf(stderr, "cvctl: cannot read %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf) || cv_cert_key(buf, n, c.key)) {
		fprintf(stderr, "cvctl: %s is not a PEM certificate (or its issuer or subject is over %d bytes)\n",
			argv[1], CV_SUBJECT_MAX);
		return 1;
	}
	e = cv_store_txn(st, 0, put_cert, &c);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no user %s\n", c.login);
		return 1;
	}
	return e ? fail("adding the certificate", e) : 0;
}

/* ---- retention, purge ---------------------------------------------------- */

struct retention_arg {
	const char *vid;
	int64_t days;
};

static enum cv_err set_retention(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct retention_arg *a = arg;

	return cv_retention_set(st, txn, a->vid, a->days);
}

static int cmd_retention(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--vehicle=", NULL };
	struct retention_arg a = { NULL, 0 };
	struct cv_vehicle v;
	struct opts o;
	const char *vin, *bad;
	bool set = argc > 0 && argv[0][0] != '-';
	enum cv_err e;

	o.argc = argc - (set ? 1 : 0);
	o.argv = argv + (set ? 1 : 0);
	if (!opts_known(&o, allowed, &bad))
		return usage_error("retention [DAYS] [--vehicle VIN]");
	vin = opt(&o, "--vehicle");
	if (vin) {
		if (!vin_ok(vin))
			return usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
		e = cv_vehicle_by_vin(st, NULL, vin, &v);
		if (e == CV_ENOTFOUND) {
			fprintf(stderr, "cvctl: no vehicle %s\n", vin);
			return 1;
		}
		if (e)
			return fail("reading the vehicle", e);
		a.vid = v.id;
	}
	if (!set) {
		e = cv_retention_get(st, NULL, a.vid, &a.days);
		if (e)
			return fail("reading the retention", e);
		printf("%lld\n", (long long)a.days);
		return 0;
	}
	if (cv_parse_i64(argv[0], vin ? 0 : 1, CV_RETENTION_MAX_DAYS, &a.days))
		return usage_error(vin ? "DAYS is a whole number from 0 (the default again) to 36500"
				       : "DAYS is a whole number from 1 to 36500");
	e = cv_store_txn(st, 0, set_retention, &a);
	return e ? fail("setting the retention", e) : 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Steps until a whole round of the vehicles deleted nothing. */
static int cmd_reindex(struct cv_store *st, int argc, char **argv)
{
	bool drop = argc == 1 && !strcmp(argv[0], "--drop");
	size_t n = 0;
	enum cv_err e;

	if (argc > 1 || (argc == 1 && !drop))
		return usage_error("reindex [--drop]");
	if (!drop) {
		e = cv_hindex_rebuild(st, &n);
		if (e)
			return fail("reindex", e);
		printf("%zu records indexed\n", n);
		return 0;
	}
	e = cv_hindex_drop(st);
	return e ? fail("reindex", e) : 0;
}

/* init on a store made by an older cvapi: build the fleet-wide index it lacks (instant on a new store). */
static int cmd_init(struct cv_store *st)
{
	size_t n;
	u_int32_t gone = 0;
	enum cv_err e;
	int ret;

	/* what an older cvapi kept of verified Basic credentials (SHA-256
	 * of login and password, cheap to guess against): emptied */
	ret = st->db[CV_DB_BASICAUTH]->truncate(st->db[CV_DB_BASICAUTH], NULL, &gone, DB_AUTO_COMMIT);
	if (ret)
		return fail("emptying basicauth.db", cv_store_err(ret));
	if (cv_hindex_ready(st))
		return 0;
	e = cv_hindex_rebuild(st, &n);
	return e ? fail("building the fleet-wide index", e) : 0;
}

static int cmd_purge(struct cv_store *st, int argc, char **argv)
{
	bool verbose = argc == 1 && !strcmp(argv[0], "--verbose");
	size_t total = 0, round = 0, steps = 0, cap = 0;
	int64_t worst = 0, *took = NULL;
	int quiet_rounds = 0, busy = 0;

	if (argc > 1 || (argc == 1 && !verbose))
		return usage_error("purge [--verbose]");
	while (quiet_rounds < 2) {
		struct cv_purge_stats ps;
		int64_t t0 = cv_mono_ms();
		enum cv_err e = cv_purge_step(st, cv_now_ms(), 200, &ps);

		if (e == CV_EDEADLOCK && ++busy < 1000) {
			usleep(10000);  /* another process is purging: let it finish its step */
			continue;
		}
		if (e) {
			free(took);
			return fail("purging", e);
		}
		if (steps == cap) {
			cap = cap ? 2 * cap : 64;
			took = cv_realloc(took, cap * sizeof(*took));
		}
		took[steps++] = cv_mono_ms() - t0;
		worst = CV_MAX(worst, took[steps - 1]);
		total += ps.deleted;
		round += ps.deleted;
		if (ps.wrapped) {
			quiet_rounds = round ? 0 : quiet_rounds + 1;
			round = 0;
		}
	}
	if (verbose) {
		qsort(took, steps, sizeof(*took), cmp_i64);
		printf("%zu records deleted in %zu steps, median %lld ms, the longest %lld ms\n", total, steps,
		       (long long)(steps ? took[steps / 2] : 0), (long long)worst);
	}
	free(took);
	return 0;
}

static int cmd_fleet(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--owner=", "--label=", NULL };
	struct opts o = { argc - 2, argv + 2 };
	const char *bad;

	if (argc == 3 && !strcmp(argv[0], "add-vehicle"))
		return add_fleet_vehicle(st, argv[1], argv[2]);
	if (argc < 2 || strcmp(argv[0], "add"))
		return usage_error("fleet add ID --owner LOGIN, or fleet add-vehicle ID VIN");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	return add_fleet(st, argv[1], opt(&o, "--owner"), opt(&o, "--label"), false);
}

/* ---- token issue -------------------------------------------------------- */

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

/* token list and token revoke: which tokens (every given option must match) */
struct token_filter {
	const char *user, *client;
	bool has_family;
	unsigned char family[CV_TOKEN_FAMILY];
	size_t n;
};

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

/* token list [--user L] [--client C]; token revoke (--user L | --client C | --family F)... */
static int cmd_token_select(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--user=", "--client=", "--family=", NULL };
	struct opts o = { argc - 1, argv + 1 };
	struct token_filter f;
	const char *bad, *fam;
	bool revoke = !strcmp(argv[0], "revoke");
	enum cv_err e;

	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	memset(&f, 0, sizeof(f));
	f.user = opt(&o, "--user");
	f.client = opt(&o, "--client");
	fam = opt(&o, "--family");
	if (fam) {
		static const unsigned char none[CV_TOKEN_FAMILY];

		if (strlen(fam) != 2 * CV_TOKEN_FAMILY || cv_unhex(fam, f.family, CV_TOKEN_FAMILY))
			return usage_error("--family takes the 32 hex digits token list shows");
		if (!memcmp(f.family, none, CV_TOKEN_FAMILY))
			return usage_error("--family 000...0 names no grant (tokens made before families): use --user or --client");
		f.has_family = true;
	}
	if (revoke && !f.user && !f.client && !f.has_family)
		return usage_error("token revoke needs --user, --client or --family");
	if (!revoke) {
		e = cv_token_walk(st, list_one, &f);
		return e ? fail("listing the tokens", e) : 0;
	}
	e = cv_store_txn(st, 0, revoke_txn, &f);
	if (e)
		return fail("revoking the tokens", e);
	printf("revoked=%zu\n", f.n);
	return 0;
}

static int cmd_token(struct cv_store *st, int argc, char **argv)
{
	static const char *const allowed[] = { "--client=", "--scope=", "--ttl=", NULL };
	struct opts o = { argc - 2, argv + 2 };
	struct issue_arg a;
	const char *bad, *scope = NULL, *ttl;
	size_t badlen;
	int64_t secs = 3600;
	enum cv_err e;

	if (argc >= 1 && (!strcmp(argv[0], "list") || !strcmp(argv[0], "revoke")))
		return cmd_token_select(st, argc, argv);
	if (argc < 2 || strcmp(argv[0], "issue"))
		return usage_error("token issue LOGIN ..., token list, token revoke");
	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	memset(&a, 0, sizeof(a));
	if (!login_ok(argv[1]))
		return usage_error("bad login");
	cv_strlcpy(a.t.user, argv[1], sizeof(a.t.user));
	cv_strlcpy(a.t.client, opt(&o, "--client") ? opt(&o, "--client") : "cvctl", sizeof(a.t.client));
	scope = opt(&o, "--scope");
	a.t.scopes = CV_SC_ALL;
	if (scope && cv_scopes_parse(scope, &a.t.scopes, &bad, &badlen)) {
		fprintf(stderr, "cvctl: unknown scope %.*s\n", (int)badlen, bad);
		return 2;
	}
	ttl = opt(&o, "--ttl");
	if (ttl && cv_parse_i64(ttl, -31536000, 31536000, &secs))
		return usage_error("--ttl takes seconds, at most a year");
	a.t.kind = CV_TOKEN_ACCESS;
	cv_token_family_new(a.t.family);
	a.t.issued = cv_now_ms();
	a.t.expires = a.t.issued + secs * 1000;
	e = cv_store_txn(st, 0, put_token, &a);
	if (e == CV_ENOTFOUND) {
		fprintf(stderr, "cvctl: no user %s\n", argv[1]);
		return 1;
	}
	if (e)
		return fail("issuing the token", e);
	printf("%s\n", a.out);
	return 0;
}

/* ---- demo --------------------------------------------------------------- */

static int cmd_demo(struct cv_store *st, int argc, char **argv)
{
	static const struct { const char *vin, *energy, *brand, *label; } cars[] = {
		{ "VR3UPHNKSKT000001", "petrol", "Peugeot", "208 PureTech 100" },
		{ "VR3UKZKXZMJ000002", "electric", "Peugeot", "e-208 GT" },
		{ "VR3MRHNSSMY000003", "phev", "Peugeot", "3008 Hybrid4" },
	};
	static const char *const allowed[] = { "--vehicles=", NULL };
	struct opts o = { argc, argv };
	const char *bad, *path;
	FILE *f = NULL;
	int rc;

	if (!opts_known(&o, allowed, &bad)) {
		fprintf(stderr, "cvctl: unknown or incomplete option %s\n", bad);
		return 2;
	}
	path = opt(&o, "--vehicles");
	/* open it first: a vehicle added without its credential written would be unusable */
	if (path) {
		f = fopen(path, "a");
		if (!f) {
			fprintf(stderr, "cvctl: cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	rc = add_user(st, "demo", "demo", "Camille", "Martin", "demo@cvapi.example", true);
	if (!rc)
		rc = add_user(st, "fleet", "fleet", "Fleet", "Manager", "fleet@cvapi.example", true);
	if (!rc)
		rc = add_client(st, "console", NULL, NULL, "cvapi console", true);
	if (!rc)
		rc = add_fleet(st, "demo-fleet", "fleet", "Demo fleet", true);
	if (rc) {
		if (f)
			fclose(f);
		return rc;
	}
	for (size_t i = 0; i < CV_ARRAY_LEN(cars); i++) {
		char cred[CV_TOKEN_STRLEN], id[CV_VID_HEXLEN + 1];

		rc = add_vehicle(st, cars[i].vin, "demo", cars[i].energy, cars[i].brand, cars[i].label, cred, id, true);
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
		rc = add_fleet_vehicle(st, "demo-fleet", cars[i].vin);
	if (f && fclose(f)) {
		fprintf(stderr, "cvctl: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	return rc;
}

/* ---- verify, backup ----------------------------------------------------- */

/*
 * Berkeley DB's own messages during verify and backup: the last one is
 * kept for cvctl's single error line instead of going to stderr as it comes
 * (a failed backup or verify would print several lines).
 */
static char bdb_msg[256];

static void quiet_errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
	(void)env;
	(void)prefix;
	cv_strlcpy(bdb_msg, msg, sizeof(bdb_msg));
}

static int cmd_verify(struct cv_store *st, const char *home)
{
	const char *first = NULL;
	char why[256] = "";
	int bad = 0, first_ret = 0;

	st->env->set_errcall(st->env, quiet_errcall);
	for (int i = 0; i < CV_DB_COUNT; i++) {
		DB *db;
		int ret;

		bdb_msg[0] = '\0';
		ret = db_create(&db, st->env, 0);
		if (!ret)
			ret = db->verify(db, cv_store_files[i], NULL, NULL, 0); /* frees db */
		if (ret && !bad++) {
			first = cv_store_files[i];
			first_ret = ret;
			cv_strlcpy(why, bdb_msg, sizeof(why));
		}
	}
	if (bad) {
		fprintf(stderr, "cvctl: %s/%s: %s%s%s (%d of %d databases failed)\n", home, first,
			db_strerror(first_ret), why[0] ? ": " : "", why, bad, CV_DB_COUNT);
		return 1;
	}
	printf("%d databases verified\n", CV_DB_COUNT);
	return 0;
}

static int cmd_backup(struct cv_store *st, const char *dir)
{
	int ret;

	bdb_msg[0] = '\0';
	st->env->set_errcall(st->env, quiet_errcall);
	ret = st->env->backup(st->env, dir, DB_CREATE | DB_BACKUP_CLEAN);
	if (ret) {
		fprintf(stderr, "cvctl: backup to %s: %s\n", dir, bdb_msg[0] ? bdb_msg : db_strerror(ret));
		return 1;
	}
	printf("backup written to %s\n", dir);
	return 0;
}

/*
 * Open the store with what it says on stderr held back: on success it is
 * passed on as it was; on failure (a damaged database can make Berkeley DB
 * print a line per page) it becomes one line, the store's own summary with
 * Berkeley DB's last message after it.
 */
static enum cv_err open_store(struct cv_store *st, const char *home)
{
	FILE *tmp = tmpfile();
	char *line = NULL, *last = NULL, *detail = NULL;
	size_t cap = 0;
	ssize_t n;
	enum cv_err e;
	int saved = -1;

	fflush(stderr);
	if (tmp)
		saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		if (tmp)
			fclose(tmp);
		return cv_store_open(st, home, CV_STORE_CREATE);
	}
	e = cv_store_open(st, home, CV_STORE_CREATE);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	while ((n = getline(&line, &cap, tmp)) > 0) {
		if (!e) {
			fputs(line, stderr);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "cvapi: store: ", 14)) {
			free(detail);
			detail = cv_strdup(line + 14);
		} else if (line[0]) {
			free(last);
			last = cv_strdup(!strncmp(line, "cvapi: ", 7) ? line + 7 : line);
		}
	}
	if (e)
		fprintf(stderr, "cvctl: %s%s%s%s\n", last ? last : "cannot open the store",
			detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	free(line);
	free(last);
	free(detail);
	fclose(tmp);
	return e;
}

/*
 * A change made: one line to syslog (authpriv), in the programs' audit
 * form (cgi/log.h): the command, its subcommand and object (never an
 * option's value: a password may be one), who ran it, and the store.
 */
static void audit(const char *cmd, int argc, char **argv, const char *home)
{
	char what[200];
	struct passwd *pw = getpwuid(getuid());
	int n;

	if (!strcmp(cmd, "verify") || !strcmp(cmd, "backup") || !strcmp(cmd, "recover") ||
	    (!strcmp(cmd, "retention") && (argc == 0 || argv[0][0] == '-')))
		return;         /* nothing changed */
	n = snprintf(what, sizeof(what), "%s", cmd);
	for (int j = 0; j < argc && j < 2 && argv[j][0] != '-' && n > 0 && (size_t)n < sizeof(what); j++)
		n += snprintf(what + n, sizeof(what) - (size_t)n, " %s", argv[j]);
	openlog("cvctl", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "audit event=admin command=\"%s\" uid=%ld user=%s store=\"%s\"", what, (long)getuid(),
	       pw ? pw->pw_name : "-", home);
	closelog();
}

int main(int argc, char **argv)
{
	const char *home = getenv("CVAPI_HOME");
	struct cv_store st;
	const char *cmd;
	int rc, i = 1;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("cvctl (cvapi) %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "-H")) {
		if (argc < 3 || !*argv[2])
			return usage_error("-H needs the store's folder");
		home = argv[2];
		i = 3;
	}
	if (!home || !*home)
		home = CV_STATEDIR "/db";
	if (i >= argc)
		return usage_error("no command");
	/* --help and --version after -H DIR, and "COMMAND [SUB] --help" */
	for (int j = i; j < argc && j < i + 3; j++) {
		if (!strcmp(argv[j], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (j == i && !strcmp(argv[j], "--version")) {
			printf("cvctl (cvapi) %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	cmd = argv[i++];
	if (strcmp(cmd, "init") && strcmp(cmd, "user") && strcmp(cmd, "client") && strcmp(cmd, "vehicle") && strcmp(cmd, "fleet") && strcmp(cmd, "cert") &&
	    strcmp(cmd, "retention") && strcmp(cmd, "purge") && strcmp(cmd, "reindex") &&
	    strcmp(cmd, "token") && strcmp(cmd, "demo") && strcmp(cmd, "verify") && strcmp(cmd, "backup") &&
	    strcmp(cmd, "recover")) {
		fprintf(stderr, "cvctl: unknown command %s (see cvctl --help)\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "backup") && argc - i != 1)
		return usage_error("backup takes one argument: the folder DIR");
	if ((!strcmp(cmd, "init") || !strcmp(cmd, "verify") || !strcmp(cmd, "recover")) && i < argc) {
		fprintf(stderr, "cvctl: %s takes no argument (see cvctl --help)\n", cmd);
		return 2;
	}
	/* as root on a store of the programs' user: as that user (store.h) */
	if (cv_store_owner(home) || open_store(&st, home))
		return 1;
	if (!strcmp(cmd, "init")) {
		rc = cmd_init(&st);
	} else if (!strcmp(cmd, "recover")) {
		rc = 0;
	} else if (!strcmp(cmd, "user")) {
		rc = cmd_user(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "client")) {
		rc = cmd_client(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "vehicle")) {
		rc = cmd_vehicle(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "fleet")) {
		rc = cmd_fleet(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "cert")) {
		rc = cmd_cert(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "retention")) {
		rc = cmd_retention(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "purge")) {
		rc = cmd_purge(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "reindex")) {
		rc = cmd_reindex(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "token")) {
		rc = cmd_token(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "demo")) {
		rc = cmd_demo(&st, argc - i, argv + i);
	} else if (!strcmp(cmd, "verify")) {
		rc = cmd_verify(&st, home);
	} else {
		rc = cmd_backup(&st, argv[i]);
	}
	if (!rc)
		audit(cmd, argc - i, argv + i, home);
	st.env->txn_checkpoint(st.env, 0, 0, 0);
	cv_store_close(&st);
	return rc;
}

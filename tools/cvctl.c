/*
 * cvctl - administration of a cvapi store: see cvctl(8).
 *
 * main, the table of commands and what the commands share (cvctl.h). The
 * table is the one source of the usage: --help lists its rows, and a bad
 * usage repeats a row's brief or synopsis.
 *
 * Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.
 */
#include "config.h"
#include "cvctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <pwd.h>
#include <unistd.h>

static const char vehicle_brief[] = "vehicle add VIN ..., vehicle capacity VIN ..., or vehicle device VIN KIND:ID";
static const char fleet_brief[] = "fleet add ID --owner LOGIN, fleet add-vehicle ID VIN, or fleet limits ID ...";

/* In the order of --help. */
static const struct ctl_cmd commands[] = {
	{ .name = "init", .fn = cmd_init, .min = 0, .max = 0,
	  .usage = "init", .brief = "init takes no argument",
	  .help = "create the store (idempotent; on a store made by an\n"
		  "older cvapi, builds what it lacks: see reindex)" },
	{ .name = "user", .sub = "add", .fn = cmd_user_add, .min = 1, .max = CTL_ANY,
	  .usage = "user add LOGIN [--password PW | --password-stdin] [--first NAME] [--last NAME] [--email ADDR]",
	  .brief = "user add LOGIN ... or user limits LOGIN ..." },
	{ .name = "user", .sub = "limits", .fn = cmd_user_limits, .min = 1, .max = CTL_ANY,
	  .usage = "user limits LOGIN [--callbacks N] [--monitors N] [--vehicle-monitors N] [--timed-monitors N] "
		   "[--queued N] [--redeliveries N] [--idempotency-keys N] [--default]",
	  .help = "print or set the user's quotas (\"default\" the\n"
		  "server's), and what it uses of each" },
	{ .name = "client", .sub = "add", .fn = cmd_client_add, .min = 1, .max = CTL_ANY,
	  .usage = "client add ID [--secret SECRET | --public] [--scope \"S1 S2...\"] [--name NAME]",
	  .brief = "client add ID ... or client limits ID ..." },
	{ .name = "client", .sub = "limits", .fn = cmd_client_limits, .min = 1, .max = CTL_ANY,
	  .usage = "client limits ID [--day N] [--second N] [--token-day N] [--token-second N] [--default]",
	  .help = "print or set the client's rate limits: requests a\n"
		  "day and a second for all its users, then for each\n"
		  "grant; 0 no limit, \"default\" the server's setting" },
	{ .name = "vehicle", .sub = "add", .fn = cmd_vehicle_add, .min = 1, .max = CTL_ANY,
	  .usage = "vehicle add VIN --owner LOGIN --energy petrol|diesel|electric|phev [--brand B] [--label L] "
		   "[--device KIND:ID] [--battery-kwh N] [--tank-l N]",
	  .brief = vehicle_brief,
	  .help = "prints id=... and credential=... (the upload\n"
		  "credential); with --device, device=KIND:ID too\n"
		  "(osmand:ID, teltonika:IMEI; \"osmand\" alone: a\n"
		  "new random id); --battery-kwh (electric, phev)\n"
		  "and --tank-l (petrol, diesel, phev): its usable\n"
		  "battery and its tank, one decimal at most" },
	{ .name = "vehicle", .sub = "capacity", .fn = cmd_vehicle_capacity, .min = 1, .max = CTL_ANY,
	  .usage = "vehicle capacity VIN [--battery-kwh N] [--tank-l N]",
	  .help = "print or set the vehicle's usable battery (kWh)\n"
		  "and tank (litres): battery-kwh=N and tank-l=N\n"
		  "as its energy has them, \"unknown\" when not set" },
	{ .name = "vehicle", .sub = "device", .fn = cmd_vehicle_device, .min = 2, .max = 2,
	  .usage = "vehicle device VIN KIND:ID",
	  .brief = vehicle_brief,
	  .help = "link a device to the vehicle (one each way);\n"
		  "prints device=KIND:ID" },
	{ .name = "fleet", .sub = "add", .fn = cmd_fleet_add, .min = 1, .max = CTL_ANY,
	  .usage = "fleet add ID --owner LOGIN [--label LABEL]", .brief = fleet_brief,
	  .help = "a fleet, managed by LOGIN" },
	{ .name = "fleet", .sub = "add-vehicle", .fn = cmd_fleet_add_vehicle, .min = 2, .max = 2,
	  .usage = "fleet add-vehicle ID VIN", .brief = fleet_brief,
	  .help = "put a vehicle in the fleet" },
	{ .name = "fleet", .sub = "limits", .fn = cmd_fleet_limits, .min = 1, .max = CTL_ANY,
	  .usage = "fleet limits ID [--callbacks N] [--monitors N] [--vehicle-monitors N] [--timed-monitors N] "
		   "[--queued N] [--redeliveries N] [--idempotency-keys N] [--default]", .brief = fleet_brief,
	  .help = "the same for a fleet's quotas" },
	{ .name = "cert", .sub = "add", .fn = cmd_cert_add, .min = 2, .max = 2,
	  .usage = "cert add FILE LOGIN", .brief = "cert add FILE LOGIN (FILE: the client certificate, PEM)",
	  .help = "a client certificate (PEM file): certificates\n"
		  "of its issuer and subject authenticate LOGIN\n"
		  "(fleet face)" },
	{ .name = "retention", .fn = cmd_retention, .min = 0, .max = CTL_ANY,
	  .usage = "retention [DAYS] [--vehicle VIN]",
	  .help = "print or set how many days of history are kept\n"
		  "(default 60; with --vehicle, 0 removes the override)" },
	{ .name = "purge", .fn = cmd_purge, .min = 0, .max = CTL_ANY,
	  .usage = "purge [--verbose]",
	  .help = "delete expired history now (cvapi-ingest also does\n"
		  "it, a little at a time)" },
	{ .name = "reindex", .fn = cmd_reindex, .min = 0, .max = CTL_ANY,
	  .usage = "reindex [--drop]",
	  .help = "rebuild the fleet-wide time index of alerts,\n"
		  "collisions and trips; --drop only removes it (the\n"
		  "fleet-wide lists then merge each vehicle's history)" },
	{ .name = "token", .sub = "issue", .fn = cmd_token_issue, .min = 1, .max = CTL_ANY,
	  .usage = "token issue LOGIN [--client ID] [--scope \"S1 S2...\"] [--ttl SECONDS]",
	  .brief = "token issue LOGIN ..., token list, token revoke",
	  .help = "prints an access token" },
	{ .name = "token", .sub = "list", .fn = cmd_token_list, .min = 0, .max = CTL_ANY,
	  .usage = "token list [--user LOGIN] [--client ID] [--family F]",
	  .help = "the tokens (never their text): kind, user,\n"
		  "client, issued, expires, family, used" },
	{ .name = "token", .sub = "revoke", .fn = cmd_token_revoke, .min = 0, .max = CTL_ANY,
	  .usage = "token revoke (--user LOGIN | --client ID | --family F)...",
	  .help = "revoke the matching tokens (all options must match)" },
	{ .name = "demo", .fn = cmd_demo, .min = 0, .max = CTL_ANY,
	  .usage = "demo [--vehicles FILE]",
	  .help = "load the demo account (idempotent); FILE gets\n"
		  "one line per demo vehicle: VIN ENERGY CREDENTIAL\n"
		  "and cvsim's fields (capacities, driver's style)" },
	{ .name = "repl", .sub = "init", .fn = cmd_repl_init, .min = 2, .max = CTL_ANY, .no_store = true,
	  .usage = "repl init [--peer HOST:PORT]... --local HOST:PORT [--priority N] [--ack-timeout MS] "
		   "[--election-timeout MS] [--heartbeat MS]",
	  .brief = "repl init --local HOST:PORT ..., repl status, or repl remove HOST:PORT",
	  .help = "make this store a site of a replication group\n"
		  "(the site stopped): without --peer it creates the\n"
		  "group, else it joins the group of its peers" },
	{ .name = "repl", .sub = "status", .fn = cmd_repl_status, .min = 0, .max = 0, .no_audit = true, .no_store = true,
	  .usage = "repl status",
	  .help = "the site's role, its master, position and peers" },
	{ .name = "repl", .sub = "remove", .fn = cmd_repl_remove, .min = 1, .max = 1, .no_store = true,
	  .usage = "repl remove HOST:PORT",
	  .help = "take a site that is gone for good out of the\n"
		  "group (run at a site whose cvrepl runs)" },
	{ .name = "verify", .fn = cmd_verify, .min = 0, .max = 0, .no_audit = true,
	  .usage = "verify", .brief = "verify takes no argument",
	  .help = "check every database (run it with the server stopped)" },
	{ .name = "digest", .fn = cmd_digest, .min = 0, .max = 0, .no_audit = true,
	  .usage = "digest", .brief = "digest takes no argument",
	  .help = "each database's records and SHA-256 of its content:\n"
		  "sites of a replication group that agree print the same" },
	{ .name = "backup", .fn = cmd_backup, .min = 1, .max = 1, .no_audit = true,
	  .usage = "backup DIR", .brief = "backup takes one argument: the folder DIR",
	  .help = "hot backup of databases and logs into DIR" },
	{ .name = "recover", .fn = cmd_recover, .min = 0, .max = 0, .no_audit = true,
	  .usage = "recover", .brief = "recover takes no argument",
	  .help = "run recovery now (any process opening the store does)" },
};

/* --help: the description of each row in one column, after its synopsis when it fits */
#define HELP_COL 41
#define HELP_WIDTH 90

static void help_row(const struct ctl_cmd *cmd)
{
	const char *line = cmd->help;
	int col = 2 + (int)strlen(cmd->usage);
	size_t len;

	printf("  %s", cmd->usage);
	if (!line) {
		putchar('\n');
		return;
	}
	len = strcspn(line, "\n");
	if (col + 2 <= HELP_COL)
		printf("%*s", HELP_COL - col, "");
	else if (col + 3 + (int)len <= HELP_WIDTH)
		printf("   ");
	else
		printf("\n%*s", HELP_COL, "");
	for (;;) {
		printf("%.*s\n", (int)len, line);
		if (!line[len])
			break;
		line += len + 1;
		len = strcspn(line, "\n");
		printf("%*s", HELP_COL, "");
	}
}

static void help(void)
{
	printf("Usage: cvctl [-H DIR] COMMAND [ARGS]\n"
	       "Administration of the cvapi store in DIR (default $CVAPI_HOME, else " CV_STATEDIR "/db).\n"
	       "\n");
	for (size_t i = 0; i < CV_ARRAY_LEN(commands); i++)
		help_row(&commands[i]);
	printf("\n"
	       "  -H DIR   the store's folder\n"
	       "  --help   this text;  --version  the version\n");
}

int ctl_usage_error(const char *msg)
{
	fprintf(stderr, "cvctl: %s (see cvctl --help)\n", msg);
	return 2;
}

int ctl_usage(const struct ctl *c)
{
	return ctl_usage_error(c->cmd->brief ? c->cmd->brief : c->cmd->usage);
}

int ctl_fail(const char *what, enum cv_err e)
{
	fprintf(stderr, "cvctl: %s: %s\n", what, cv_strerror(e));
	return 1;
}

int ctl_bad_option(const char *word)
{
	fprintf(stderr, "cvctl: unknown or incomplete option %s\n", word);
	return 2;
}

const char *ctl_parse(int argc, char **argv, const struct ctl_opt *opts)
{
	const struct ctl_opt *o;

	for (o = opts; o->name; o++) {
		if (o->value)
			*o->value = NULL;
		else
			*o->count = 0;
	}
	for (int i = 0; i < argc; i++) {
		for (o = opts; o->name && strcmp(argv[i], o->name); o++)
			;
		if (!o->name)
			return argv[i];
		if (!o->value) {
			(*o->count)++;
			continue;
		}
		if (i + 1 >= argc)
			return argv[i];
		if (!*o->value)
			*o->value = argv[i + 1];
		i++;
	}
	return NULL;
}

bool ctl_login_ok(const char *s)
{
	return cv_chars_ok(s, CV_LOGIN_MAX, "._-@");
}

bool ctl_vin_ok(const char *s)
{
	return cv_vin_ok(s, strlen(s));
}

/* A command's row (a family's first), or NULL. */
static const struct ctl_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < CV_ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The row of family's subcommand sub (NULL: none given), or NULL. */
static const struct ctl_cmd *find_sub(const struct ctl_cmd *family, const char *sub)
{
	const struct ctl_cmd *end = commands + CV_ARRAY_LEN(commands);

	for (const struct ctl_cmd *cmd = family; sub && cmd < end && !strcmp(cmd->name, family->name); cmd++)
		if (!strcmp(cmd->sub, sub))
			return cmd;
	return NULL;
}

static bool words_ok(const struct ctl_cmd *cmd, int n)
{
	return n >= cmd->min && (cmd->max == CTL_ANY || n <= cmd->max);
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

	n = snprintf(what, sizeof(what), "%s", cmd);
	for (int j = 0; j < argc && j < 2 && argv[j][0] != '-' && n > 0 && (size_t)n < sizeof(what); j++)
		n += snprintf(what + n, sizeof(what) - (size_t)n, " %s", argv[j]);
	openlog("cvctl", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "audit event=admin command=\"%s\" uid=%ld user=%s store=\"%s\"", what, (long)getuid(),
	       pw ? pw->pw_name : "-", home);
	closelog();
}

/*
 * Run c->cmd on the words after its name, the store open. A family's
 * subcommand is looked up here: its bad usage comes after the store is
 * opened (created when new), the check of a command without subcommands
 * before (main).
 */
static int run(struct ctl *c, int argc, char **argv)
{
	if (c->cmd->sub) {
		const struct ctl_cmd *sub = find_sub(c->cmd, argc ? argv[0] : NULL);

		if (!sub)
			return ctl_usage(c);
		c->cmd = sub;
		argc--;
		argv++;
		if (!words_ok(sub, argc))
			return ctl_usage(c);
	}
	c->audit = !c->cmd->no_audit;
	return c->cmd->fn(c, argc, argv);
}

int main(int argc, char **argv)
{
	const char *home = getenv("CVAPI_HOME");
	struct ctl c;
	int rc, i = 1;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		help();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("cvctl (cvapi) %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "-H")) {
		if (argc < 3 || !*argv[2])
			return ctl_usage_error("-H needs the store's folder");
		home = argv[2];
		i = 3;
	}
	if (!home || !*home)
		home = CV_STATEDIR "/db";
	if (i >= argc)
		return ctl_usage_error("no command");
	/* --help and --version after -H DIR, and "COMMAND [SUB] --help" */
	for (int j = i; j < argc && j < i + 3; j++) {
		if (!strcmp(argv[j], "--help")) {
			help();
			return 0;
		}
		if (j == i && !strcmp(argv[j], "--version")) {
			printf("cvctl (cvapi) %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	memset(&c, 0, sizeof(c));
	c.home = home;
	c.cmd = find_command(argv[i]);
	if (!c.cmd) {
		fprintf(stderr, "cvctl: unknown command %s (see cvctl --help)\n", argv[i]);
		return 2;
	}
	i++;
	if (!c.cmd->sub && !words_ok(c.cmd, argc - i))
		return ctl_usage(&c);
	/* as root on a store of the programs' user: as that user (store.h) */
	if (cv_store_owner(home))
		return 1;
	{
		const struct ctl_cmd *sub = c.cmd->sub ? find_sub(c.cmd, i < argc ? argv[i] : NULL) : c.cmd;

		if (sub && sub->no_store) {
			rc = run(&c, argc - i, argv + i);
			if (!rc && c.audit)
				audit(c.cmd->name, argc - i, argv + i, home);
			return rc;
		}
	}
	if (open_store(&c.st, home))
		return 1;
	/* on a replication master, a command's first transaction that writes
	 * connects it to the replicas first (cv_store_begin); reading ones
	 * write nothing */
	rc = run(&c, argc - i, argv + i);
	if (!rc && c.audit)
		audit(c.cmd->name, argc - i, argv + i, home);
	if (rc == 1 && c.st.replicated) {
		struct cv_repl_view v;

		/* a write refused on a replica: where to make it */
		if (cv_store_role(&c.st, &v) != CV_ROLE_MASTER)
			fprintf(stderr, "cvctl: this site is not its group's master%s%s%s%s: changes are made there\n",
				v.master[0] ? "; the master is " : " (none is known now)", v.master,
				v.url[0] ? " at " : "", v.url);
	}
	/* a replicated site's checkpoints are its listener's (store.h) */
	if (!c.st.replicated)
		c.st.env->txn_checkpoint(c.st.env, 0, 0, 0);
	cv_store_close(&c.st);
	return rc;
}

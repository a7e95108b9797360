/*
 * cvctl - administration of a cvapi store: what its commands share.
 *
 * tools/cvctl.c holds main and the table of commands, from which both the
 * dispatch and every usage text come: `cvctl --help` and the line that a
 * bad usage prints. A command is a function of a tools/cmd-*.c file, one
 * file per command or family of commands (user, client, vehicle, fleet,
 * cert, token, history, store, demo); it holds no usage text of its own
 * (ctl_usage() repeats the table's). Every command works on the store,
 * which main opens before it calls the command and closes after it.
 *
 * A command's function gets the words that follow its name (and its
 * subcommand's): `cvctl -H DIR user add alice --password pw` calls
 * cmd_user_add() with { "alice", "--password", "pw" }. It returns the exit
 * status: 0 success, 1 failure (after one line on stderr: ctl_fail()), 2
 * bad usage (likewise: ctl_usage(), ctl_usage_error(), ctl_bad_option()).
 */
#ifndef CV_CVCTL_H
#define CV_CVCTL_H

#include "model.h"

#include <stdbool.h>

struct ctl;
typedef int ctl_fn(struct ctl *c, int argc, char **argv);

/* CTL_ANY as a command's max: any number of words (the command checks them) */
#define CTL_ANY (-1)

/*
 * A row of the table: a command, or one subcommand of a family (the rows of
 * a family follow each other, in the order --help lists them).
 */
struct ctl_cmd {
	const char *name;       /* "client" */
	const char *sub;        /* "limits", or NULL: a command without subcommands */
	ctl_fn *fn;
	int min, max;           /* how many words may follow the name (options included), or CTL_ANY */
	bool no_audit;          /* changes nothing: never logged to syslog */
	bool no_store;          /* opens the store itself, if at all: main does not */
	const char *usage;      /* its synopsis, the line of --help */
	const char *brief;      /* what a bad usage repeats, if not the synopsis; a family's
				 * first row's is also its family's (an unknown subcommand) */
	const char *help;       /* what --help says of it, lines separated by '\n', or NULL */
};

/* The command being run: main fills it in, the command uses the store. */
struct ctl {
	struct cv_store st;
	const char *home;       /* the store's folder */
	const struct ctl_cmd *cmd;
	bool audit;             /* log it to syslog if it succeeds; a command that
				 * only read (retention without DAYS) clears it */
};

/* "cvctl: MSG (see cvctl --help)" on stderr; returns 2 */
int ctl_usage_error(const char *msg);

/* The running command's bad usage: its brief, else its synopsis; returns 2 */
int ctl_usage(const struct ctl *c);

/* "cvctl: WHAT: <the error>" on stderr; returns 1 */
int ctl_fail(const char *what, enum cv_err e);

/*
 * Options: "--name VALUE" or a flag "--name", in any order, each any number
 * of times (a value option's first one counts).
 */
struct ctl_opt {
	const char *name;       /* "--password" */
	const char **value;     /* where a value option's value goes (NULL when not given) */
	int *count;             /* where a flag's count goes (a flag: value NULL) */
};

#define CTL_OPT_VALUE(name, value) { (name), (value), NULL }
#define CTL_OPT_FLAG(name, count) { (name), NULL, (count) }
#define CTL_OPT_END { NULL, NULL, NULL }

/*
 * Read argv, options only, into opts' targets (each reset first): NULL, or
 * the first word that is no option of opts or lacks its value.
 */
const char *ctl_parse(int argc, char **argv, const struct ctl_opt *opts);

/* "cvctl: unknown or incomplete option WORD" on stderr; returns 2 */
int ctl_bad_option(const char *word);

/* A login, client id or fleet id: 1 to CV_LOGIN_MAX of A-Z a-z 0-9 . _ - @ */
bool ctl_login_ok(const char *s);

/* A VIN: 17 characters, digits and capitals but I, O, Q */
bool ctl_vin_ok(const char *s);

/*
 * What `demo` builds with, from the files of user, client, vehicle and
 * fleet: each returns an exit status as a command does. quiet_exists: an
 * object that exists already is no failure (0; ctl_vehicle_add: -1, and it
 * leaves cred and id alone).
 */
int ctl_user_add(struct cv_store *st, const char *login, const char *pw, const char *first,
		 const char *last, const char *email, bool quiet_exists);
int ctl_client_add(struct cv_store *st, const char *id, const char *secret, const char *scope,
		   const char *name, bool quiet_exists);
struct cv_device;
/* dev (may be NULL): a device (devices.h) linked to the vehicle in the same transaction. */
/* battery_wh, tank_cl: its energy capacity (0 unknown), refused (2) where its energy has no such store. */
int ctl_vehicle_add(struct cv_store *st, const char *vin, const char *owner, const char *energy,
		    const char *brand, const char *label, uint32_t battery_wh, uint32_t tank_cl,
		    const struct cv_device *dev, char cred[CV_TOKEN_STRLEN], char id[CV_VID_HEXLEN + 1], bool quiet_exists);
int ctl_fleet_add(struct cv_store *st, const char *id, const char *owner, const char *label, bool quiet_exists);
int ctl_fleet_add_vehicle(struct cv_store *st, const char *fid, const char *vin);

/* The commands, by file: the table in tools/cvctl.c says which words call them. */
int cmd_user_add(struct ctl *c, int argc, char **argv);                 /* cmd-user.c */
int cmd_client_add(struct ctl *c, int argc, char **argv);               /* cmd-client.c */
int cmd_client_limits(struct ctl *c, int argc, char **argv);
int cmd_vehicle_add(struct ctl *c, int argc, char **argv);              /* cmd-vehicle.c */
int cmd_vehicle_device(struct ctl *c, int argc, char **argv);
int cmd_vehicle_capacity(struct ctl *c, int argc, char **argv);
int cmd_fleet_add(struct ctl *c, int argc, char **argv);                /* cmd-fleet.c */
int cmd_user_limits(struct ctl *c, int argc, char **argv);              /* cmd-quota.c */
int cmd_fleet_limits(struct ctl *c, int argc, char **argv);             /* cmd-quota.c */
int cmd_fleet_add_vehicle(struct ctl *c, int argc, char **argv);
int cmd_cert_add(struct ctl *c, int argc, char **argv);                 /* cmd-cert.c */
int cmd_repl_init(struct ctl *c, int argc, char **argv);                /* cmd-repl.c */
int cmd_repl_status(struct ctl *c, int argc, char **argv);
int cmd_repl_remove(struct ctl *c, int argc, char **argv);
int cmd_token_issue(struct ctl *c, int argc, char **argv);              /* cmd-token.c */
int cmd_token_list(struct ctl *c, int argc, char **argv);
int cmd_token_revoke(struct ctl *c, int argc, char **argv);
int cmd_retention(struct ctl *c, int argc, char **argv);                /* cmd-history.c */
int cmd_purge(struct ctl *c, int argc, char **argv);
int cmd_reindex(struct ctl *c, int argc, char **argv);
int cmd_init(struct ctl *c, int argc, char **argv);                     /* cmd-store.c */
int cmd_verify(struct ctl *c, int argc, char **argv);
int cmd_digest(struct ctl *c, int argc, char **argv);
int cmd_backup(struct ctl *c, int argc, char **argv);
int cmd_recover(struct ctl *c, int argc, char **argv);
int cmd_demo(struct ctl *c, int argc, char **argv);                     /* cmd-demo.c */

#endif

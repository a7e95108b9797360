/*
 * cvctl retention, purge, reindex: how long history is kept, and its
 * fleet-wide index. See cvctl(8).
 */
#include "config.h"
#include "cvctl.h"
#include "purge.h"
#include "sweep.h"
#include "hindex.h"
#include "cvtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- retention ----------------------------------------------------------- */

struct retention_arg {
	const char *vid;
	int64_t days;
};

static enum cv_err set_retention(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct retention_arg *a = arg;

	return cv_retention_set(st, txn, a->vid, a->days);
}

/* retention [DAYS] [--vehicle VIN]: DAYS is the first word, when it is no option */
int cmd_retention(struct ctl *c, int argc, char **argv)
{
	const char *vin;
	const struct ctl_opt opts[] = { CTL_OPT_VALUE("--vehicle", &vin), CTL_OPT_END };
	struct retention_arg a = { NULL, 0 };
	struct cv_vehicle v;
	bool set = argc > 0 && argv[0][0] != '-';
	int first = set ? 1 : 0;        /* the first option's word */
	enum cv_err e;

	if (ctl_parse(argc - first, argv + first, opts))
		return ctl_usage(c);
	if (vin) {
		if (!ctl_vin_ok(vin))
			return ctl_usage_error("a VIN is 17 characters: digits and capitals but I, O, Q");
		e = cv_vehicle_by_vin(&c->st, NULL, vin, &v);
		if (e == CV_ENOTFOUND) {
			fprintf(stderr, "cvctl: no vehicle %s\n", vin);
			return 1;
		}
		if (e)
			return ctl_fail("reading the vehicle", e);
		a.vid = v.id;
	}
	if (!set) {
		c->audit = false;       /* nothing changed */
		e = cv_retention_get(&c->st, NULL, a.vid, &a.days);
		if (e)
			return ctl_fail("reading the retention", e);
		printf("%lld\n", (long long)a.days);
		return 0;
	}
	if (cv_parse_i64(argv[0], vin ? 0 : 1, CV_RETENTION_MAX_DAYS, &a.days))
		return ctl_usage_error(vin ? "DAYS is a whole number from 0 (the default again) to 36500"
					   : "DAYS is a whole number from 1 to 36500");
	e = cv_store_txn(&c->st, 0, set_retention, &a);
	return e ? ctl_fail("setting the retention", e) : 0;
}

/* ---- purge --------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* purge [--verbose]: steps until a whole round of the vehicles deleted nothing. */
int cmd_purge(struct ctl *c, int argc, char **argv)
{
	int verbose;
	const struct ctl_opt opts[] = { CTL_OPT_FLAG("--verbose", &verbose), CTL_OPT_END };
	size_t total = 0, round = 0, steps = 0, cap = 0;
	int64_t worst = 0, *took = NULL;
	int quiet_rounds = 0, busy = 0;

	if (ctl_parse(argc, argv, opts) || verbose > 1)
		return ctl_usage(c);
	while (quiet_rounds < 2) {
		struct cv_purge_stats ps;
		int64_t t0 = cv_mono_ms();
		enum cv_err e = cv_purge_step(&c->st, cv_now_ms(), 200, &ps);

		if (e == CV_EDEADLOCK && ++busy < 1000) {
			usleep(10000);  /* another process is purging: let it finish its step */
			continue;
		}
		if (e) {
			free(took);
			return ctl_fail("purging", e);
		}
		if (steps == cap) {
			cap = cap ? 2 * cap : 64;
			took = cv_realloc(took, cap * sizeof(*took));
		}
		took[steps++] = cv_mono_ms() - t0;
		worst = CV_MAX(worst, took[steps - 1]);
		total += ps.deleted + ps.swept + ps.forgotten;
		round += ps.deleted + ps.swept + ps.sweep_more + ps.forgotten + ps.forget_more;
		if (ps.wrapped) {
			quiet_rounds = round ? 0 : quiet_rounds + 1;
			round = 0;
		}
	}
	if (verbose) {
		size_t marks = 0;

		qsort(took, steps, sizeof(*took), cmp_i64);
		printf("%zu records deleted in %zu steps, median %lld ms, the longest %lld ms\n", total, steps,
		       (long long)(steps ? took[steps / 2] : 0), (long long)worst);
		if (!cv_sweep_pending(&c->st, &marks))
			printf("%zu deleted callback(s) left to sweep\n", marks);
	}
	free(took);
	return 0;
}

/* ---- reindex ------------------------------------------------------------- */

/* reindex [--drop] */
int cmd_reindex(struct ctl *c, int argc, char **argv)
{
	int drop;
	const struct ctl_opt opts[] = { CTL_OPT_FLAG("--drop", &drop), CTL_OPT_END };
	size_t n = 0;
	enum cv_err e;

	if (ctl_parse(argc, argv, opts) || drop > 1)
		return ctl_usage(c);
	if (!drop) {
		e = cv_hindex_rebuild(&c->st, &n);
		if (e)
			return ctl_fail("reindex", e);
		printf("%zu records indexed\n", n);
		return 0;
	}
	e = cv_hindex_drop(&c->st);
	return e ? ctl_fail("reindex", e) : 0;
}

/*
 * unit-charges.c - tests of charging sessions at ingest (db/charges) on a
 * store in a fresh temporary folder: sessions stored as the builder makes
 * them, whatever the batches; the state kept only while a session is
 * current; a vehicle that never charges costs no write.
 */
#include "charges.h"
#include "cvtime.h"
#include "tap.h"
#include "tmpstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define MIN 60000LL

static struct cv_store st;

/* A parked sample at minute m: charging status chg (-1: no charging group), level % x 10, power kW x 10 (-1: none). */
static struct cv_sample mk(double m, int chg, int level, int power)
{
	struct cv_sample s;

	memset(&s, 0, sizeof(s));
	s.at = T0 + (int64_t)(m * MIN);
	s.has = (1u << CV_G_POS) | (1u << CV_G_ELEC) | (1u << CV_G_KIN);
	s.lat_e7 = 488000000;
	s.lon_e7 = 23000000;
	s.fix = CV_FIX_3D;
	s.elec_level = (uint16_t)level;
	s.elec_autonomy = (uint16_t)(level * 3 / 10);
	if (chg >= 0) {
		s.has |= 1u << CV_G_CHARGE;
		s.chg_status = (uint8_t)chg;
		s.plugged = chg != CV_CHG_DISCONNECTED;
		s.chg_mode = CV_CHGMODE_SLOW;
		if (power >= 0) {
			s.has_chg_power = 1;
			s.chg_power_dkw = (uint16_t)power;
		}
	}
	return s;
}

/* One batch as cvapi-ingest stores it: history first, then the sessions, in one transaction. */
static enum cv_err upload(const unsigned char vid[16], const struct cv_sample *s, size_t n)
{
	DB_TXN *txn = NULL;
	enum cv_err e = cv_store_begin(&st, &txn, 0);

	if (!e)
		e = cv_history_put(&st, txn, vid, s, n);
	if (!e)
		e = cv_charges_ingest(&st, txn, vid, s, n);
	if (!e) {
		e = cv_store_commit(txn);
		txn = NULL;
	}
	cv_store_abort(txn);
	return e;
}

/* A home charge: 20 % to 80 % at 7.4 kW over an hour and a half, then unplugged. */
static size_t home_charge(struct cv_sample *s, double m0)
{
	size_t n = 0;

	s[n++] = mk(m0, CV_CHG_DISCONNECTED, 200, -1);
	for (int i = 0; i <= 18; i++)
		s[n++] = mk(m0 + 1 + 5 * i, CV_CHG_INPROGRESS, 200 + i * 600 / 18, 74);
	s[n++] = mk(m0 + 96, CV_CHG_FINISHED, 800, 0);
	s[n++] = mk(m0 + 120, CV_CHG_DISCONNECTED, 800, -1);
	return n;
}

static void test_one_batch(const unsigned char vid[16])
{
	struct cv_sample s[64];
	struct cv_charge c;
	struct cv_charge_state cs;
	size_t n = home_charge(s, 0);

	ok(upload(vid, s, n) == CV_OK, "a home charge in one batch is stored");
	ok(cv_charge_get(&st, NULL, vid, T0 + MIN, &c) == CV_OK, "the session is found by its start");
	ok(c.done, "it ended (Finished)");
	ok(c.start_level == 200 && c.end_level == 800, "levels 20 %% to 80 %% (%u, %u)", c.start_level, c.end_level);
	ok(cv_charge_energy_wh(&c, 50000) > 0, "energy added with power reported (%lld Wh)",
	   (long long)cv_charge_energy_wh(&c, 50000));
	ok(cv_charge_state_get(&st, NULL, vid, &cs) == CV_OK, "the state reads");
	/* unplugged more than the resume window after its end: the session left, no state kept */
	ok(!cs.has_cur, "no session current once it left the builder");
}

static void test_split(const unsigned char vid[16], const unsigned char ref[16])
{
	struct cv_sample s[64];
	struct cv_charge a, b;
	size_t n = home_charge(s, 0);
	bool same = true;

	/* the same samples, one batch per sample */
	for (size_t i = 0; i < n; i++)
		same = same && upload(vid, &s[i], 1) == CV_OK;
	ok(same, "the charge sent a sample at a time is stored");
	ok(cv_charge_get(&st, NULL, vid, T0 + MIN, &a) == CV_OK && cv_charge_get(&st, NULL, ref, T0 + MIN, &b) == CV_OK,
	   "both sessions are there");
	ok(!memcmp(&a, &b, sizeof(a)), "a sample at a time gives the session one batch gives");
	/* a repeat of the whole changes nothing */
	ok(upload(vid, s, n) == CV_OK && cv_charge_get(&st, NULL, vid, T0 + MIN, &a) == CV_OK &&
	   !memcmp(&a, &b, sizeof(a)), "the batch again (older samples) changes nothing");
}

static void test_current(const unsigned char vid[16])
{
	struct cv_sample s[4];
	struct cv_charge c;
	struct cv_charge_state cs;

	s[0] = mk(0, CV_CHG_INPROGRESS, 300, 110);
	s[1] = mk(10, CV_CHG_INPROGRESS, 330, 110);
	ok(upload(vid, s, 2) == CV_OK, "a charge under way");
	ok(cv_charge_state_get(&st, NULL, vid, &cs) == CV_OK && cs.has_cur && cs.cur.start_at == T0,
	   "the state holds it");
	ok(cv_charge_get(&st, NULL, vid, T0, &c) == CV_OK && !c.done && (cv_charge_faults(&c) & CV_CHARGE_UNFINISHED),
	   "it is listed, not done (Unfinished while it charges)");
	s[0] = mk(20, CV_CHG_INPROGRESS, 360, 110);
	ok(upload(vid, s, 1) == CV_OK && cv_charge_get(&st, NULL, vid, T0, &c) == CV_OK && c.end_level == 360,
	   "the next batch extends the same record");
}

/* A sample with the charging group but nothing else changes no state of a vehicle that never charged. */
static void test_no_charge(const unsigned char vid[16])
{
	struct cv_sample s[3];
	struct cv_charge_state cs;
	struct cv_buf b = CV_BUF_INIT(0);

	s[0] = mk(0, CV_CHG_DISCONNECTED, 500, -1);
	s[1] = mk(1, -1, 490, -1);
	s[2] = mk(2, -1, 480, -1);
	ok(upload(vid, s, 3) == CV_OK, "a car that does not charge uploads");
	ok(cv_charge_state_get(&st, NULL, vid, &cs) == CV_OK && !cs.has_cur, "no session");
	ok(cv_store_get(&st, CV_DB_CHARGEOPEN, NULL, vid, 16, &b) == CV_ENOTFOUND, "and no state record written");
	cv_buf_release(&b);
}

static void test_bad_state(const unsigned char vid[16])
{
	struct cv_charge_state cs;
	static const unsigned char bad[][3] = { { 9, 0, 0 }, { 1, 2, 0 }, { 1, 1, 0 } };
	static const size_t lens[] = { 2, 2, 3 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		DB_TXN *txn = NULL;
		bool put = cv_store_begin(&st, &txn, 0) == CV_OK &&
			   cv_store_put(&st, CV_DB_CHARGEOPEN, txn, vid, 16, bad[i], lens[i], 0) == CV_OK &&
			   cv_store_commit(txn) == CV_OK;

		ok(put && cv_charge_state_get(&st, NULL, vid, &cs) == CV_EINVAL, "a corrupt state %zu is refused", i);
	}
}

int main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[4096];
	unsigned char a[16] = { 0x21 }, b[16] = { 0x22 }, c[16] = { 0x23 }, d[16] = { 0x24 }, e[16] = { 0x25 };

	snprintf(dir, sizeof(dir), "%s/cvapi-unit-charges-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return tap_done();
	}
	if (!ok(cv_store_open(&st, dir, CV_STORE_CREATE) == CV_OK, "open a new store in %s", dir)) {
		rm_store(dir);
		return tap_done();
	}
	test_one_batch(a);
	test_split(b, a);
	test_current(c);
	test_no_charge(d);
	test_bad_state(e);
	cv_store_close(&st);
	rm_store(dir);
	return tap_done();
}

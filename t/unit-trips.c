/*
 * unit-trips.c - tests of trips at ingest (db/trips) on a store in a fresh
 * temporary folder, and of core/trip's additions for it: exact Unstarted
 * (cv_trip_feed_after) and Douglas-Peucker (cv_geo_simplify).
 *
 * The main property: whatever the batches (split anywhere, sent in any
 * order within the late window, repeated samples), the trips and the state
 * are those of one in-order batch of the same samples.
 */
#include "trips.h"
#include "tblock.h"
#include "cvtime.h"
#include "tap.h"
#include "tmpstore.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define MIN 60000LL
#define NONE (-1)

static struct cv_store st;

/* A sample at minute m: ignition (NONE: none), speed km/h x 10 (NONE: none); position and odometer follow m. */
static struct cv_sample mk(double m, int ign, int speed)
{
	struct cv_sample s;

	memset(&s, 0, sizeof(s));
	s.at = T0 + (int64_t)(m * MIN);
	if (ign != NONE) {
		s.has |= 1u << CV_G_IGN;
		s.ignition = (uint8_t)ign;
	}
	if (speed != NONE) {
		s.has |= 1u << CV_G_KIN;
		s.speed_dkmh = (uint16_t)speed;
		s.has |= (1u << CV_G_POS) | (1u << CV_G_ODO) | (1u << CV_G_FUEL);
		s.lat_e7 = 488000000 + (int32_t)(m * 10000);
		s.lon_e7 = 23000000 + (int32_t)(m * 7000);
		s.odo_hm = 100000 + (uint32_t)(m * 10);
		s.fuel_level = (uint16_t)(800 - (int)m % 700);
		s.fuel_autonomy = 500;
	}
	return s;
}

/* ---- core additions ---------------------------------------------------------- */

static void test_feed_after(void)
{
	struct cv_trip open, closed;
	bool has = false;
	struct cv_sample s = mk(0, CV_IGN_START, 600);

	/* unknown before: feed's guess (Start while moving: Unstarted) */
	cv_trip_feed_after(&open, &has, &s, CV_TRIP_IGN_UNKNOWN, &closed);
	is_int(open.faults, CV_TRIP_UNSTARTED, "unknown ignition before: the guess from the sample stays");
	/* after a Stop: a Start is the start, whatever the speed */
	has = false;
	cv_trip_feed_after(&open, &has, &s, CV_IGN_STOP, &closed);
	is_int(open.faults, 0, "a Start after a Stop is not Unstarted, even moving");
	is_int(open.cause[0], CV_TRIP_CAUSE_NONE, "and has no cause");
	/* after an ignition on: seen mid-way, even at a standstill */
	has = false;
	s = mk(0, CV_IGN_START, 0);
	cv_trip_feed_after(&open, &has, &s, CV_IGN_START, &closed);
	is_int(open.faults, CV_TRIP_UNSTARTED, "a Start after an ignition on is Unstarted, even standing");
	is_int(open.cause[0], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
	/* a StartUp is always a start */
	has = false;
	s = mk(0, CV_IGN_STARTUP, 600);
	cv_trip_feed_after(&open, &has, &s, CV_IGN_START, &closed);
	is_int(open.faults, 0, "a StartUp is never Unstarted");
	/* only the opening is refined */
	s = mk(1, CV_IGN_START, 600);
	is_int(cv_trip_feed_after(&open, &has, &s, CV_IGN_STOP, &closed), CV_TRIP_EXTENDED, "extending: plain feed");
	is_int(open.faults, 0, "nothing changed");
}

static void test_simplify(void)
{
	struct cv_geo_point p[64];
	bool keep[64];
	size_t work[128], n = 0;

	is_int(cv_geo_simplify(p, 0, 10, keep, work), 0, "an empty path");
	/* a straight line east along the equator, 100 m apart */
	for (n = 0; n < 11; n++) {
		p[n].lat_e7 = 0;
		p[n].lon_e7 = (int32_t)(n * 8983);     /* about 100 m */
	}
	is_int(cv_geo_simplify(p, n, 1, keep, work), 2, "a straight line keeps its two ends");
	ok(keep[0] && keep[10] && !keep[5], "the ends, not the middle");
	is_int(cv_geo_simplify(p, n, 0, keep, work), 11, "tolerance 0 keeps everything");
	/* a bump of about 50 m at the middle */
	p[5].lat_e7 = 4500;                          /* about 50 m north */
	is_int(cv_geo_simplify(p, n, 100, keep, work), 2, "a 50 m bump under a 100 m tolerance goes");
	is_int(cv_geo_simplify(p, n, 45, keep, work), 3, "over a 45 m tolerance it stays");
	ok(keep[5], "the bump is kept");
	/* at 10 m, the points next to the bump are 40 m from the chords to it: kept too */
	is_int(cv_geo_simplify(p, n, 10, keep, work), 5, "at 10 m: the ends, the bump and its neighbours");
	ok(keep[4] && keep[6] && !keep[3], "4 and 6, not 3 (on the chord 0-4)");
	/* a zigzag: every point is a corner */
	for (n = 0; n < 20; n++) {
		p[n].lat_e7 = (int32_t)((n % 2) * 9000);  /* 100 m up and down */
		p[n].lon_e7 = (int32_t)(n * 8983);
	}
	is_int(cv_geo_simplify(p, n, 20, keep, work), 20, "a zigzag of 100 m keeps every corner at 20 m");
	is_int(cv_geo_simplify(p, n, 200, keep, work), 2, "and none at 200 m");
	is_int(cv_geo_simplify(p, 1, 5, keep, work), 1, "one point is kept");
}

/* ---- the store ----------------------------------------------------------------- */

/* One batch, as cvapi-ingest stores it: sorted, history first, then the trips. */
static enum cv_err upload(const unsigned char vid[16], const struct cv_sample *in, size_t n, bool *refolded)
{
	struct cv_sample *s = cv_calloc(n ? n : 1, sizeof(*s));
	DB_TXN *txn = NULL;
	enum cv_err e;

	memcpy(s, in, n * sizeof(*s));
	for (size_t i = 1; i < n; i++)                     /* insertion sort: stable, by time */
		for (size_t j = i; j > 0 && s[j - 1].at > s[j].at; j--) {
			struct cv_sample t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	e = cv_store_begin(&st, &txn, 0);
	if (!e)
		e = cv_history_put(&st, txn, vid, s, n);
	if (!e)
		e = cv_trips_ingest(&st, txn, vid, s, n, refolded);
	if (!e) {
		e = cv_store_commit(txn);
		txn = NULL;
	}
	cv_store_abort(txn);
	free(s);
	return e;
}

struct collect {
	struct cv_trip t[64];
	size_t n;
};

static int collect_cb(const struct cv_trip *t, void *arg)
{
	struct collect *c = arg;

	if (c->n < 64)
		c->t[c->n++] = *t;
	return 0;
}

static size_t trips_of(const unsigned char vid[16], struct collect *c)
{
	c->n = 0;
	if (cv_trips_walk_desc(&st, NULL, vid, 0, CV_TIME_MAX, collect_cb, c))
		return (size_t)-1;
	return c->n;
}

/* The packed records of a vehicle's trips and state, for comparisons. */
static void fingerprint(const unsigned char vid[16], struct cv_buf *b)
{
	struct collect c;
	struct cv_trip_state ts;

	cv_buf_reset(b);
	trips_of(vid, &c);
	for (size_t i = 0; i < c.n; i++)
		cv_trip_encode(&c.t[i], b);
	if (!cv_trip_state_get(&st, NULL, vid, &ts)) {
		cv_buf_add(b, &ts.watermark, sizeof(ts.watermark));
		cv_buf_add(b, &ts.last_ign, 1);
		cv_buf_addc(b, ts.has_open ? 'o' : 'c');
		if (ts.has_open)
			cv_trip_encode(&ts.open, b);
	}
}

/* A morning: five trips, a gap, a timeout, a restart without Stop, partial samples. */
static size_t scenario(struct cv_sample *s)
{
	size_t n = 0;

	/* trip 1 (0..21): StartUp, drive, a sample without position, Stop */
	s[n++] = mk(0, CV_IGN_STARTUP, 0);
	for (int m = 1; m <= 20; m++)
		s[n++] = mk(m, CV_IGN_START, 300 + 10 * m);
	s[n++] = mk(10.5, NONE, 900);                      /* speed only: no position */
	s[n - 1].has = 1u << CV_G_KIN;
	s[n++] = mk(21, CV_IGN_STOP, 0);
	/* parked */
	s[n++] = mk(40, CV_IGN_STOP, 0);
	s[n++] = mk(70, CV_IGN_STOP, 0);
	/* trip 2 (90..120): Start while moving after a Stop, a 15-minute gap, then silence */
	for (int m = 90; m <= 100; m++)
		s[n++] = mk(m, CV_IGN_START, 400);
	for (int m = 115; m <= 120; m++)
		s[n++] = mk(m, CV_IGN_START, 450);
	/* trip 3 (160..169): seen again still running (after the timeout): Unstarted */
	for (int m = 160; m <= 169; m++)
		s[n++] = mk(m, CV_IGN_START, 500);
	/* trip 4 (170..181): a StartUp without a Stop before: a restart */
	s[n++] = mk(170, CV_IGN_STARTUP, 0);
	for (int m = 171; m <= 180; m++)
		s[n++] = mk(m, CV_IGN_START, 350);
	s[n++] = mk(181, CV_IGN_STOP, 0);
	/* trip 5 (200..): open */
	s[n++] = mk(200, CV_IGN_STARTUP, 0);
	for (int m = 201; m <= 210; m++)
		s[n++] = mk(m, CV_IGN_START, 600);
	return n;
}

static void test_reference(const unsigned char vid[16], const struct cv_sample *s, size_t n)
{
	struct collect c;
	struct cv_trip_state ts;
	bool refolded = true;

	is_int(upload(vid, s, n, &refolded), CV_OK, "one in-order batch of %zu samples", n);
	ok(!refolded, "no re-fold for a batch newer than everything");
	is_int(trips_of(vid, &c), 5, "five trips");
	if (c.n != 5)
		return;
	/* newest first */
	is_int(c.t[4].start_at, T0, "trip 1 starts with its StartUp");
	is_int(c.t[4].stop_at, T0 + 21 * MIN, "and stops with its Stop");
	is_int(cv_trip_faults(&c.t[4]), 0, "trip 1 is Nominal");
	is_int(c.t[4].speed_max_dkmh, 900, "its fastest reading is the partial sample's");
	is_int(cv_trip_distance_m(&c.t[4]), 21000, "21 km by the odometer");
	is_int(c.t[3].start_at, T0 + 90 * MIN, "trip 2 starts at 90 min");
	is_int(cv_trip_faults(&c.t[3]), CV_TRIP_DATALACKING | CV_TRIP_UNFINISHED,
	       "trip 2: a Start after a Stop is not Unstarted; the gap is DataLacking; no Stop: Unfinished");
	is_int(c.t[3].stop_at, T0 + 120 * MIN, "it stopped at its last sample");
	is_int(cv_trip_faults(&c.t[2]), CV_TRIP_UNSTARTED | CV_TRIP_UNFINISHED,
	       "trip 3: seen running after the timeout: Unstarted; ended by a restart: Unfinished");
	is_int(cv_trip_faults(&c.t[1]), 0, "trip 4 (the restart) is Nominal");
	ok(!c.t[0].done, "trip 5 is open, and in the trips database");
	is_int(c.t[0].last_at, T0 + 210 * MIN, "up to its last sample");
	is_int(cv_trip_state_get(&st, NULL, vid, &ts), CV_OK, "the state");
	ok(ts.has_open && ts.open.start_at == c.t[0].start_at, "the state holds the open trip");
	is_int(ts.watermark, T0 + 210 * MIN, "watermark: the newest sample");
	is_int(ts.last_ign, CV_IGN_START, "last ignition: Start");
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The samples cut in k batches of random extents, sent in a random order. */
static int upload_shuffled(const unsigned char vid[16], const struct cv_sample *s, size_t n, int k, int *refolds)
{
	size_t cut[16], order[16];
	int nb = 0;

	for (int i = 0; i < k - 1; i++)
		cut[i] = 1 + rnd() % (n - 1);
	cut[k - 1] = n;
	for (int i = 0; i < k; i++)                         /* sort the cuts */
		for (int j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	for (int i = 0; i < k; i++)
		order[i] = (size_t)i;
	for (int i = k - 1; i > 0; i--) {
		size_t j = rnd() % (size_t)(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < k; i++) {
		size_t b = order[i], from = b ? cut[b - 1] : 0, to = cut[b];
		bool refolded = false;

		if (to <= from)
			continue;
		if (upload(vid, s + from, to - from, &refolded))
			return -1;
		*refolds += refolded;
		nb++;
	}
	return nb;
}

static void test_late(const unsigned char ref[16], const struct cv_sample *s, size_t n)
{
	struct cv_buf want = CV_BUF_INIT(0), got = CV_BUF_INIT(0);
	int same = 0, refolds = 0, runs = 40;

	fingerprint(ref, &want);
	for (int r = 0; r < runs; r++) {
		unsigned char vid[16];

		memset(vid, 0, sizeof(vid));
		vid[0] = 0x40;
		vid[15] = (unsigned char)r;
		if (upload_shuffled(vid, s, n, 2 + (int)(rnd() % 8), &refolds) < 0)
			break;
		fingerprint(vid, &got);
		same += got.len == want.len && !memcmp(got.p, want.p, got.len);
	}
	is_int(same, runs, "%d random splits into late batches give the in-order trips and state", runs);
	ok(refolds > runs / 2, "and they did re-fold (%d times)", refolds);
	cv_buf_release(&want);
	cv_buf_release(&got);
}

static void test_repeats(const unsigned char ref[16], const struct cv_sample *s, size_t n)
{
	unsigned char vid[16] = { 0x50 };
	struct cv_buf want = CV_BUF_INIT(0), got = CV_BUF_INIT(0);

	fingerprint(ref, &want);
	is_int(upload(vid, s, n, NULL), CV_OK, "a batch");
	is_int(upload(vid, s, n, NULL), CV_OK, "the same samples again (another message id)");
	is_int(upload(vid, s + 10, 20, NULL), CV_OK, "and some of them again");
	fingerprint(vid, &got);
	ok(got.len == want.len && !memcmp(got.p, want.p, got.len), "samples sent twice do not change trips");
	cv_buf_release(&want);
	cv_buf_release(&got);
}

static void test_same_ms(void)
{
	unsigned char vid[16] = { 0x60 };
	struct cv_sample s[4] = { mk(0, CV_IGN_STARTUP, 0), mk(1, CV_IGN_START, 500), mk(1, CV_IGN_START, 700),
				  mk(2, CV_IGN_STOP, 0) };
	struct collect c;

	is_int(upload(vid, s, 4, NULL), CV_OK, "two samples in the same millisecond");
	is_int(trips_of(vid, &c), 1, "one trip");
	is_int(c.t[0].speed_max_dkmh, 700, "the later one counts (the history keeps it)");
	is_int(c.t[0].nsamples, 3, "one sample per millisecond");
}

static void test_window(void)
{
	unsigned char vid[16] = { 0x70 };
	struct cv_sample a[3] = { mk(0, CV_IGN_STARTUP, 0), mk(1, CV_IGN_START, 300), mk(2, CV_IGN_STOP, 0) };
	struct cv_sample b[3] = { mk(1500, CV_IGN_STARTUP, 0), mk(1501, CV_IGN_START, 300), mk(1502, CV_IGN_STOP, 0) };
	struct cv_sample old = mk(1.5, CV_IGN_START, 999), inside = mk(1501.5, CV_IGN_START, 888);
	struct collect c;
	bool refolded = true;

	is_int(upload(vid, a, 3, NULL), CV_OK, "a trip");
	is_int(upload(vid, b, 3, NULL), CV_OK, "another, 25 hours later");
	is_int(upload(vid, &old, 1, &refolded), CV_OK, "a sample late by more than 24 hours");
	ok(!refolded, "no re-fold");
	trips_of(vid, &c);
	is_int(c.t[1].speed_max_dkmh, 300, "the old trip is unchanged");
	is_int(upload(vid, &inside, 1, &refolded), CV_OK, "a sample late by minutes");
	ok(refolded, "re-folds");
	is_int(trips_of(vid, &c), 2, "still two trips");
	is_int(c.t[0].speed_max_dkmh, 888, "the late sample is in the newer trip");
	is_int(c.t[1].speed_max_dkmh, 300, "the re-fold started at that trip: the old one is still as it was");
}

/* A late batch that reveals a Stop: the trip it lands in closes there, and the rest is a new trip. */
static void test_late_split(void)
{
	unsigned char vid[16] = { 0x80 };
	struct cv_sample a[6] = { mk(0, CV_IGN_STARTUP, 0), mk(1, CV_IGN_START, 300), mk(2, CV_IGN_START, 300),
				  mk(8, CV_IGN_STARTUP, 0), mk(9, CV_IGN_START, 300), mk(10, CV_IGN_STOP, 0) };
	struct cv_sample late = mk(3, CV_IGN_STOP, 0);
	struct collect c;

	is_int(upload(vid, a, 6, NULL), CV_OK, "a trip with a restart in it");
	trips_of(vid, &c);
	is_int(c.n, 2, "two trips (the first Unfinished by the restart)");
	is_int(cv_trip_faults(&c.t[1]), CV_TRIP_UNFINISHED, "the first is Unfinished");
	is_int(upload(vid, &late, 1, NULL), CV_OK, "the missing Stop arrives late");
	trips_of(vid, &c);
	is_int(c.n, 2, "still two trips");
	is_int(cv_trip_faults(&c.t[1]), 0, "the first is now Nominal");
	is_int(c.t[1].stop_at, T0 + 3 * MIN, "stopped by the late Stop");
	is_int(cv_trip_faults(&c.t[0]), 0, "the second is unchanged");
}

/* A trip over two days long: a late sample inside it is stored but does not re-fold (the bound on the cost). */
static void test_long_trip(void)
{
	unsigned char vid[16] = { 0x90 };
	struct cv_sample s[160];
	struct cv_sample late[2] = { mk(2940.5, CV_IGN_START, 999), mk(3020, CV_IGN_START, 333) };
	struct collect c;
	size_t n = 0;
	bool refolded = true;

	s[n++] = mk(0, CV_IGN_STARTUP, 0);
	for (int m = 20; m <= 3000; m += 20)              /* 50 hours, a sample every 20 minutes */
		s[n++] = mk(m, CV_IGN_START, 300);
	is_int(upload(vid, s, n, NULL), CV_OK, "a trip of 50 hours");
	is_int(upload(vid, late, 2, &refolded), CV_OK, "a sample an hour late inside it, and a newer one");
	ok(!refolded, "no re-fold: it would start 50 hours back");
	trips_of(vid, &c);
	is_int(c.n, 1, "one trip");
	is_int(c.t[0].speed_max_dkmh, 333, "the late sample (99.9 km/h) is not in it, the newer one (33.3) is");
	is_int(c.t[0].last_at, T0 + 3020 * MIN, "up to the newer sample");
}

/* A trip whose first sample was purged: a late sample in it does not re-fold (that would cut it short). */
static void test_purged_start(void)
{
	unsigned char vid[16] = { 0xa0 }, kb[24];
	struct cv_sample s[5] = { mk(0, CV_IGN_STARTUP, 0), mk(1, CV_IGN_START, 300), mk(2, CV_IGN_START, 300),
				  mk(4, CV_IGN_START, 300), mk(5, CV_IGN_STOP, 0) };
	struct cv_sample late = mk(3, CV_IGN_START, 555);
	struct collect c;
	DB_TXN *txn = NULL;
	bool refolded = true;

	struct cv_buf b = CV_BUF_INIT(0);
	size_t used = 0;

	is_int(upload(vid, s, 5, NULL), CV_OK, "a trip");
	/* its block, without the first sample */
	memcpy(kb, vid, 16);
	cv_be64_put(kb + 16, (uint64_t)s[0].at);
	cv_store_begin(&st, &txn, 0);
	is_int(cv_store_del(&st, CV_DB_TELEMETRY, txn, kb, sizeof(kb)), CV_OK, "its first sample is purged");
	cv_tblock_pack(s + 1, 4, &b, &used);
	cv_be64_put(kb + 16, (uint64_t)s[1].at);
	is_int(cv_store_put(&st, CV_DB_TELEMETRY, txn, kb, sizeof(kb), b.p, b.len, 0), CV_OK, "the others stay");
	cv_store_commit(txn);
	cv_buf_release(&b);
	is_int(cv_telemetry_exists(&st, NULL, vid, s[0].at), CV_ENOTFOUND, "the first is gone");
	is_int(cv_telemetry_exists(&st, NULL, vid, s[1].at), CV_OK, "the second is there");
	is_int((int)used, 4, "in one block");
	is_int(upload(vid, &late, 1, &refolded), CV_OK, "a late sample inside it");
	ok(!refolded, "no re-fold");
	trips_of(vid, &c);
	ok(c.n == 1 && c.t[0].start_at == s[0].at && c.t[0].nsamples == 5, "the trip is whole, as it was");
}

int main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[4096];
	struct cv_sample s[128];
	unsigned char ref[16] = { 0x10 };
	size_t n;

	test_feed_after();
	test_simplify();
	snprintf(dir, sizeof(dir), "%s/cvapi-unit-trips-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return tap_done();
	}
	if (!ok(cv_store_open(&st, dir, CV_STORE_CREATE) == CV_OK, "open a new store in %s", dir)) {
		rm_store(dir);
		return tap_done();
	}
	n = scenario(s);
	test_reference(ref, s, n);
	test_late(ref, s, n);
	test_repeats(ref, s, n);
	test_same_ms();
	test_window();
	test_late_split();
	test_long_trip();
	test_purged_start();
	cv_store_close(&st);
	rm_store(dir);
	return tap_done();
}

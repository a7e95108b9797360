/* unit-tblock.c - tests of db/tblock: packing samples into telemetry blocks and reading them back. */
#include "tblock.h"
#include "rec.h"
#include "pack.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define T0 1767225600000LL      /* 2026-01-01 */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* A drive: values that move a little from sample to sample, within the link's bounds, some groups missing. */
static void drive(struct cv_sample *s, size_t n, int64_t t0, int64_t step)
{
	struct cv_sample c;

	memset(&c, 0, sizeof(c));
	c.lat_e7 = 483000000;
	c.lon_e7 = 23000000;
	c.alt_m = 35;
	c.odo_hm = 123456;
	c.fuel_level = 800;
	c.fuel_autonomy = 600;
	c.batt_mv = 12600;
	c.air_temp_dc = 85;
	c.maint_days = 200;
	c.maint_dkm = 150000;
	for (size_t i = 0; i < n; i++) {
		c.at = t0 + (int64_t)i * step + rnd((uint32_t)(step / 2));
		c.has = (1u << CV_G_COUNT) - 1;
		if (rnd(10) == 0)
			c.has &= ~(1u << rnd(CV_G_COUNT));     /* a group missing now and then */
		c.lat_e7 += (int32_t)rnd(40000) - 20000;
		c.lon_e7 += (int32_t)rnd(40000) - 20000;
		c.alt_m = -500 + (int32_t)rnd(9501);
		c.heading = (uint16_t)rnd(361);
		c.fix = (uint8_t)rnd(3);
		c.pos_type = (uint8_t)rnd(2);
		c.signal = (uint8_t)rnd(101);
		c.speed_dkmh = (uint16_t)rnd(1301);
		c.odo_hm += rnd(4);
		c.ignition = (uint8_t)rnd(4);
		c.fuel_level = (uint16_t)rnd(1001);
		c.elec_level = (uint16_t)rnd(1001);
		c.chg_remaining = rnd(604801);
		/* the charging power: now and then not reported, or a new value */
		if (rnd(4) == 0) {
			c.has_chg_power = (uint8_t)rnd(2);
			c.chg_power_dkw = c.has_chg_power ? (uint16_t)rnd(4001) : 0;
		}
		c.doors_open = (uint8_t)rnd(32);
		c.air_temp_dc = (int16_t)(-600 + (int)rnd(1301));
		c.maint_days = -3650 + (int32_t)rnd(7301);
		c.maint_dkm = -1000000 + (int32_t)rnd(2000001);
		s[i] = c;
	}
}

/* Same sample as far as the store keeps it: the same one-sample record. */
static bool same(const struct cv_sample *a, const struct cv_sample *b)
{
	struct cv_buf x = CV_BUF_INIT(0), y = CV_BUF_INIT(0);
	bool eq = a->at == b->at && a->has == b->has && b->nevents == 0 && !cv_sample_encode(a, &x) &&
		  !cv_sample_encode(b, &y) && x.len == y.len && !memcmp(x.p, y.p, x.len);

	cv_buf_release(&x);
	cv_buf_release(&y);
	return eq;
}

static void test_varint(void)
{
	static const uint64_t v[] = { 0, 1, 127, 128, 16383, 16384, UINT32_MAX, (uint64_t)INT64_MAX, UINT64_MAX };
	struct cv_buf b = CV_BUF_INIT(0);
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct cv_rd r;

		cv_buf_reset(&b);
		cv_wr_varint(&b, v[i]);
		r = (struct cv_rd)CV_RD_INIT(b.p, b.len);
		bad += cv_rd_varint(&r) != v[i] || r.bad || r.off != b.len;
		r = (struct cv_rd)CV_RD_INIT(b.p, b.len - 1);
		cv_rd_varint(&r);
		bad += !r.bad;
	}
	is_int(bad, 0, "varints round-trip, and a cut one is refused");
	{
		static const unsigned char eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
		static const unsigned char wide[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03 };
		struct cv_rd r = CV_RD_INIT(eleven, sizeof(eleven));

		cv_rd_varint(&r);
		ok(r.bad, "a varint of 11 bytes is refused");
		r = (struct cv_rd)CV_RD_INIT(wide, sizeof(wide));
		cv_rd_varint(&r);
		ok(r.bad, "a varint past 64 bits is refused");
	}
	ok(cv_unzigzag(cv_zigzag(INT64_MIN)) == INT64_MIN && cv_unzigzag(cv_zigzag(INT64_MAX)) == INT64_MAX &&
	   cv_zigzag(-1) == 1 && cv_zigzag(1) == 2, "zigzag keeps small magnitudes small, and the extremes");
	cv_buf_release(&b);
}

/* Pack s[0..n) into blocks and read every block back. */
static void test_round_trip(int64_t step, const char *what)
{
	enum { N = 2000 };
	struct cv_sample *s = calloc(N, sizeof(*s)), got;
	struct cv_buf b = CV_BUF_INIT(0);
	size_t done = 0, blocks = 0, bytes = 0;
	unsigned bad = 0, bounds = 0;

	drive(s, N, T0, step);
	while (done < N) {
		struct cv_tblock_rd rd;
		struct cv_tblock_info bi;
		size_t used, k = 0;
		enum cv_err e;

		cv_buf_reset(&b);
		if (cv_tblock_pack(s + done, N - done, &b, &used) || !used) {
			bad++;
			break;
		}
		blocks++;
		bytes += b.len;
		if (used > CV_TBLOCK_MAX || (used > 1 && b.len > CV_TBLOCK_BYTES + 40) ||
		    s[done + used - 1].at - s[done].at >= CV_TBLOCK_SPAN_MS)
			bounds++;
		if (cv_tblock_info(b.p, b.len, s[done].at, &bi) || bi.count != used ||
		    bi.last_at != s[done + used - 1].at)
			bad++;
		for (size_t j = 0; j < used; j++)
			bad += (s[done + j].has & bi.common) != bi.common;
		e = cv_tblock_open(&rd, b.p, b.len, s[done].at);
		while (!e && !(e = cv_tblock_next(&rd, &got)))
			bad += k >= used || !same(&got, &s[done + k++]);
		bad += e != CV_ENOTFOUND || k != used;
		done += used;
	}
	is_int(bad, 0, "%s: %zu samples in %zu blocks read back the same (%.1f bytes a sample)", what, done, blocks,
	       (double)bytes / (double)(done ? done : 1));
	is_int(bounds, 0, "%s: every block within its bounds", what);
	cv_buf_release(&b);
	free(s);
}

static void test_bounds(void)
{
	struct cv_sample *s = calloc(CV_TBLOCK_MAX + 10, sizeof(*s));
	struct cv_buf b = CV_BUF_INIT(0);
	size_t used = 0;

	for (size_t i = 0; i < CV_TBLOCK_MAX + 10; i++) {
		s[i].at = T0 + (int64_t)i;
		s[i].has = 1u << CV_G_KIN;
		s[i].speed_dkmh = (uint16_t)i;
	}
	cv_tblock_pack(s, CV_TBLOCK_MAX + 10, &b, &used);
	is_int((int)used, CV_TBLOCK_MAX, "a block holds at most CV_TBLOCK_MAX samples");
	s[3].at = T0 + CV_TBLOCK_SPAN_MS;
	for (size_t i = 4; i < 10; i++)
		s[i].at = s[3].at + (int64_t)i;
	cv_buf_reset(&b);
	cv_tblock_pack(s, 10, &b, &used);
	is_int((int)used, 3, "a sample CV_TBLOCK_SPAN_MS after the first starts a new block");
	s[3].at = s[2].at;
	cv_buf_reset(&b);
	cv_tblock_pack(s, 10, &b, &used);
	is_int((int)used, 3, "a sample not after the previous one starts a new block");
	is_int(cv_tblock_pack(s, 0, &b, &used), CV_EINVAL, "no samples: no block");
	cv_buf_release(&b);
	free(s);
}

static void test_malformed(void)
{
	struct cv_sample s[40], got;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_tblock_info bi;
	size_t used;
	unsigned cut_ok = 0, flips_read = 0, flips_refused = 0;

	drive(s, 40, T0, 10000);
	cv_tblock_pack(s, 40, &b, &used);
	/* every cut of the block is refused, by its header or while reading it */
	for (size_t n = 0; n < b.len; n++) {
		struct cv_tblock_rd rd;
		enum cv_err e = cv_tblock_open(&rd, b.p, n, T0);

		while (!e)
			e = cv_tblock_next(&rd, &got);
		cut_ok += e != CV_EINVAL;
	}
	is_int(cut_ok, 0, "each of the %zu shorter blocks is refused", b.len);
	/* a changed byte is refused or reads as other samples: never past the block */
	for (size_t n = 0; n < b.len; n++)
		for (int bit = 0; bit < 8; bit++) {
			unsigned char *p = malloc(b.len);
			struct cv_tblock_rd rd;
			enum cv_err e;

			memcpy(p, b.p, b.len);
			p[n] ^= (unsigned char)(1u << bit);
			e = cv_tblock_open(&rd, p, b.len, T0);
			while (!e)
				e = cv_tblock_next(&rd, &got);
			if (e == CV_EINVAL)
				flips_refused++;
			else
				flips_read++;
			free(p);
		}
	ok(flips_refused > 0, "bit flips: %u refused, %u read as other samples", flips_refused, flips_read);
	{
		unsigned char v9[] = { 9, 1, 0, 0, 0 };
		/* version, count, span, common groups; then each sample's dt, bits (and has) */
		unsigned char zero[] = { CV_TBLOCK_V, 0, 0, 0 };
		unsigned char many[] = { CV_TBLOCK_V, 100, 0, 0, 0, 0 };
		unsigned char dup[] = { CV_TBLOCK_V, 2, 0, 0, 0, 0, 0, 0 };
		unsigned char span[] = { CV_TBLOCK_V, 1, 5, 0, 0, 0 };
		unsigned char extra[] = { CV_TBLOCK_V, 1, 0, 0, 0, 0, 7 };
		unsigned char common[] = { CV_TBLOCK_V, 1, 0, 2, 0, 1, 1 };
		unsigned char badhas[] = { CV_TBLOCK_V, 1, 0, 0, 0, 1, 0x80, 0x80, 0x01 };
		struct cv_tblock_rd rd;

		is_int(cv_tblock_info(v9, sizeof(v9), T0, &bi), CV_EINVAL, "an unknown version is refused");
		is_int(cv_tblock_info(zero, sizeof(zero), T0, &bi), CV_EINVAL, "a block of no samples is refused");
		is_int(cv_tblock_info(NULL, 0, T0, &bi), CV_EINVAL, "an empty value is refused");
		is_int(cv_tblock_info(many, sizeof(many), T0, &bi), CV_EINVAL,
		       "a count larger than the block could hold is refused");
		is_int(cv_tblock_info(span, sizeof(span), -1, &bi), CV_EINVAL, "a negative key time is refused");
		cv_tblock_open(&rd, dup, sizeof(dup), T0);
		cv_tblock_next(&rd, &got);
		is_int(cv_tblock_next(&rd, &got), CV_EINVAL, "a second sample at the same time is refused");
		cv_tblock_open(&rd, span, sizeof(span), T0);
		is_int(cv_tblock_next(&rd, &got), CV_EINVAL, "samples that do not reach the header's span are refused");
		cv_tblock_open(&rd, extra, sizeof(extra), T0);
		is_int(cv_tblock_next(&rd, &got), CV_EINVAL, "bytes after the last sample are refused");
		cv_tblock_open(&rd, common, sizeof(common), T0);
		is_int(cv_tblock_next(&rd, &got), CV_EINVAL, "a sample without the groups the header says all have is refused");
		cv_tblock_open(&rd, badhas, sizeof(badhas), T0);
		is_int(cv_tblock_next(&rd, &got), CV_EINVAL, "groups that do not exist are refused");
	}
	cv_buf_release(&b);
}

/* A block of version 2 (before the charging power): its 27 columns read, no power. */
static void test_v2(void)
{
	enum { C_CHG_STATUS = 16, C_PLUGGED = 18, C_CHG_POWER = 27 };  /* tblock.c's column numbers */
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_tblock_rd rd;
	struct cv_tblock_info bi;
	struct cv_sample got;

	/* one sample: the charging group alone, InProgress and plugged */
	cv_wr_uint(&b, 2, 1);
	cv_wr_varint(&b, 1);
	cv_wr_varint(&b, 0);
	cv_wr_varint(&b, 1u << CV_G_CHARGE);
	cv_wr_varint(&b, 0);
	cv_wr_varint(&b, 1u | 1u << (C_CHG_STATUS + 1) | 1u << (C_PLUGGED + 1));
	cv_wr_varint(&b, 1u << CV_G_CHARGE);
	cv_wr_varint(&b, cv_zigzag(CV_CHG_INPROGRESS));
	cv_wr_varint(&b, cv_zigzag(1));
	ok(!cv_tblock_info(b.p, b.len, T0, &bi) && bi.version == 2 && bi.count == 1, "a version 2 block is read");
	ok(!cv_tblock_open(&rd, b.p, b.len, T0) && !cv_tblock_next(&rd, &got) && got.at == T0 &&
	   got.has == 1u << CV_G_CHARGE && got.chg_status == CV_CHG_INPROGRESS && got.plugged == 1 &&
	   !got.has_chg_power && !got.chg_power_dkw && cv_tblock_next(&rd, &got) == CV_ENOTFOUND,
	   "its sample: charging, no power reported");
	/* a column past its 27 is refused there; the same bytes are a version 3 block's power */
	cv_buf_reset(&b);
	cv_wr_uint(&b, 2, 1);
	cv_wr_varint(&b, 1);
	cv_wr_varint(&b, 0);
	cv_wr_varint(&b, 0);
	cv_wr_varint(&b, 0);
	cv_wr_varint(&b, 1u | 1u << (C_CHG_POWER + 1));
	cv_wr_varint(&b, 1u << CV_G_CHARGE);
	cv_wr_varint(&b, cv_zigzag(51));
	ok(!cv_tblock_open(&rd, b.p, b.len, T0) && cv_tblock_next(&rd, &got) == CV_EINVAL,
	   "a version 2 block with a 28th column is refused");
	b.p[0] = CV_TBLOCK_V;
	ok(!cv_tblock_open(&rd, b.p, b.len, T0) && !cv_tblock_next(&rd, &got) && got.has_chg_power &&
	   got.chg_power_dkw == 50, "in version 3 it is the power plus one: 5 kW");
	b.p[b.len - 1] = (unsigned char)cv_zigzag(0);
	ok(!cv_tblock_open(&rd, b.p, b.len, T0) && !cv_tblock_next(&rd, &got) && !got.has_chg_power,
	   "and 0 there is a power not reported");
	cv_buf_release(&b);
}

/* Charging samples, reported power or not, in one block: each keeps its own. */
static void test_power(void)
{
	static const int power[] = { -1, 74, 74, 0, -1, 4000, -1 };     /* -1: not reported */
	struct cv_sample s[7], got;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_tblock_rd rd;
	size_t used, k = 0;
	unsigned bad = 0;

	memset(s, 0, sizeof(s));
	for (size_t i = 0; i < 7; i++) {
		s[i].at = T0 + (int64_t)i * 60000;
		s[i].has = (1u << CV_G_ELEC) | (1u << CV_G_CHARGE);
		s[i].elec_level = (uint16_t)(200 + i * 10);
		s[i].chg_status = CV_CHG_INPROGRESS;
		s[i].has_chg_power = power[i] >= 0;
		s[i].chg_power_dkw = power[i] >= 0 ? (uint16_t)power[i] : 0;
	}
	s[4].has = 1u << CV_G_ELEC;     /* no charging group: no power either */
	cv_tblock_pack(s, 7, &b, &used);
	ok(used == 7 && b.p[0] == CV_TBLOCK_V, "seven samples in a version %d block", CV_TBLOCK_V);
	if (!cv_tblock_open(&rd, b.p, b.len, T0))
		while (!cv_tblock_next(&rd, &got))
			bad += k >= 7 || !same(&got, &s[k++]) || got.has_chg_power != (k - 1 != 4 && power[k - 1] >= 0);
	ok(!bad && k == 7, "each reads back with its power, 0 kW included, or none");
	cv_buf_release(&b);
}

/* A record of the former layout (one sample) reads as a block of one. */
static void test_v1(void)
{
	struct cv_sample s[1], got;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_tblock_rd rd;
	struct cv_tblock_info bi;

	drive(s, 1, T0, 1);
	cv_sample_encode(&s[0], &b);
	ok(!cv_tblock_info(b.p, b.len, s[0].at, &bi) && bi.count == 1 && bi.last_at == s[0].at && bi.common == s[0].has,
	   "a one-sample record: one sample, at its key's time");
	ok(!cv_tblock_open(&rd, b.p, b.len, s[0].at) && !cv_tblock_next(&rd, &got) && same(&got, &s[0]) &&
	   cv_tblock_next(&rd, &got) == CV_ENOTFOUND, "and reads back");
	ok(!cv_tblock_open(&rd, b.p, b.len, s[0].at) && !cv_tblock_step(&rd) && rd.has == s[0].has,
	   "its groups, without decoding it");
	cv_buf_release(&b);
}

int main(void)
{
	test_varint();
	test_round_trip(10000, "a sample every 10 s");
	test_round_trip(1800000, "a sample every 30 min");
	test_round_trip(1, "a sample every ms");
	test_bounds();
	test_malformed();
	test_v1();
	test_v2();
	test_power();
	return tap_done();
}

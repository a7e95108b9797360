/*
 * unit-tksample.c - a Teltonika record as a vehicle sample (core/tksample.h):
 * the documentation's packets decoded by core/teltonika.c, then mapped.
 */
#include "tksample.h"
#include "tap.h"

#include <string.h>

/* Codec 8 Extended, the documentation's 2017 example: a fix (6 satellites), ignition off (239 = 0) */
#define DOC_C8E_2017 "000000000000005F8E010000015FBA40B620000F0DCDE420959D30008A000006000000000006000100EF00" \
	"00010011001E000100100000CBDF0002000B000000003544C875000E0000000029BFE4D10001010000110000000000000000" \
	"000000000000000000010000D153"
/* Codec 8, the documentation's first example: no fix, 66 (external voltage) = 0x5E0F mV */
#define DOC_C8_1 "000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F1" \
	"0000601A014E0000000000000000010000C7CF"

static uint8_t buf[2048];
static struct cv_tk_record rec;

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v = 0;

		for (int i = 0; i < 2; i++)
			v = v * 16 + (unsigned)(h[i] <= '9' ? h[i] - '0' : h[i] - 'A' + 10);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* The first record of a documentation packet. */
static void first_record(const char *hex)
{
	struct cv_tk_packet pk;
	struct cv_tk_avl rd;
	size_t n = unhex(hex, buf);

	ok(cv_tk_scan(buf, n, &pk) == CV_TK_COMPLETE, "the documentation's packet scans");
	cv_tk_avl_open(&rd, buf, &pk);
	ok(cv_tk_avl_next(&rd, &rec), "its first record");
}

int main(void)
{
	struct cv_sample s;

	first_record(DOC_C8E_2017);
	ok(cv_tk_sample(&rec, &s), "a record with a fix is kept");
	is_int(s.at, 1510658324000LL, "its time");       /* 0x15FBA40B620 */
	ok(CV_HAS(&s, CV_G_POS), "a position");
	is_int(s.lat_e7, 546676016, "latitude (0x20959D30)");
	is_int(s.lon_e7, 252562916, "longitude (0x0F0DCDE4)");
	is_int(s.alt_m, 138, "altitude");
	is_int(s.fix, CV_FIX_3D, "6 satellites: 3D");
	ok(CV_HAS(&s, CV_G_KIN) && s.speed_dkmh == 0, "speed 0 with a fix is a reading");
	ok(CV_HAS(&s, CV_G_IGN) && s.ignition == CV_IGN_STOP, "239 = 0: ignition Stop");
	ok(CV_HAS(&s, CV_G_ODO), "16: the total odometer");

	first_record(DOC_C8_1);
	ok(cv_tk_sample(&rec, &s), "a record without a fix but with IO elements is kept");
	ok(!CV_HAS(&s, CV_G_POS), "no fix: no position (the last one stays)");
	ok(!CV_HAS(&s, CV_G_KIN), "no fix: its speed 0 is no reading");
	ok(CV_HAS(&s, CV_G_BATT12) && s.batt_mv == 0x5E0F, "66: the external voltage as the 12 V battery, mV");
	ok(!CV_HAS(&s, CV_G_IGN), "no 239: no ignition");

	/* made-up values: the bounds */
	memset(&rec, 0, sizeof(rec));
	rec.at_ms = 1700000000000LL;
	rec.valid = true;
	rec.sats = 3;
	rec.alt_m = 12000;
	rec.angle = 400;
	rec.speed_kmh = 900;
	rec.nio = 3;
	rec.io[0] = (struct cv_tk_io){ .id = CV_TK_IO_EXT_VOLTAGE, .size = 2, .value = 40000 };
	rec.io[1] = (struct cv_tk_io){ .id = CV_TK_IO_CAN_MILEAGE, .size = 4, .value = 123456789 };
	rec.io[2] = (struct cv_tk_io){ .id = CV_TK_IO_TOTAL_ODOMETER, .size = 4, .value = 5000 };
	ok(cv_tk_sample(&rec, &s), "made-up record");
	is_int(s.fix, CV_FIX_2D, "3 satellites: 2D");
	is_int(s.alt_m, 9000, "altitude held to 9,000 m");
	is_int(s.heading, 360, "angle held to 360");
	is_int(s.speed_dkmh, 5000, "speed held to 500 km/h");
	ok(!CV_HAS(&s, CV_G_BATT12), "40 V is out of the 12 V group's range: left out");
	is_int(s.odo_hm, 1234567, "87 (CAN mileage) before 16");
	rec.io[1].value = 0xFFFFFFFFu;
	cv_tk_sample(&rec, &s);
	ok(!CV_HAS(&s, CV_G_ODO), "an odometer beyond the model's is left out, not cut");
	rec.valid = false;
	rec.nio = 1;
	rec.io[0] = (struct cv_tk_io){ .id = CV_TK_IO_CAN_SPEED, .size = 1, .value = 42 };
	ok(cv_tk_sample(&rec, &s) && CV_HAS(&s, CV_G_KIN) && s.speed_dkmh == 420, "no fix: the CAN speed");
	rec.nio = 0;
	ok(!cv_tk_sample(&rec, &s), "no fix and nothing else: nothing to keep");
	return tap_done();
}

/*
 * unit-motion.c - tests of core/motion: the ignition a device without one
 * gets from its movement, sample by sample, and the trips the trip
 * builder makes of it (a red light inside a trip, a parking ending it, a
 * device silent while parked, a tracker's own ignition).
 */
#include "config.h"
#include "motion.h"
#include "trip.h"
#include "tap.h"

#include <string.h>

#define AT 1780272000000LL
#define SEC 1000LL
#define MIN (60 * SEC)
#define NOIGN (-1)

struct run {
	struct cv_state st;
	struct cv_trip open, closed[8];
	bool has_open;
	int nclosed;
};

/* A fix at t (s), speed in km/h x 10 (-1: none), at lat (1e-7 degrees, lon fixed; -1: no position). */
static int step(struct run *r, int64_t t, int speed, int64_t lat, int ign)
{
	struct cv_sample s;
	struct cv_trip closed;

	memset(&s, 0, sizeof(s));
	s.at = AT + t * SEC;
	if (speed >= 0) {
		s.speed_dkmh = (uint16_t)speed;
		s.has |= 1u << CV_G_KIN;
	}
	if (lat >= 0) {
		s.lat_e7 = (int32_t)lat;
		s.lon_e7 = 23000000;
		s.fix = CV_FIX_2D;      /* a phone's fix without an altitude (osmand.h) */
		s.has |= 1u << CV_G_POS;
	}
	if (ign != NOIGN) {
		s.ignition = (uint8_t)ign;
		s.has |= 1u << CV_G_IGN;
	}
	cv_motion_ignition(&r->st, &s);
	cv_state_merge(&r->st, &s, s.at);
	if (cv_trip_feed(&r->open, &r->has_open, &s, &closed) & CV_TRIP_CLOSED)
		r->closed[r->nclosed++] = closed;
	return CV_HAS(&s, CV_G_IGN) ? s.ignition : NOIGN;
}

static void test_speed(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	is_int(step(&r, 0, 0, 488000000, NOIGN), NOIGN, "standing, nothing known: no ignition");
	ok(!r.has_open, "no trip");
	is_int(step(&r, 10, 300, 488000000, NOIGN), CV_IGN_STARTUP, "30 km/h: StartUp");
	ok(r.has_open, "a trip opens");
	is_int(step(&r, 20, 500, 488010000, NOIGN), CV_IGN_START, "still moving: Start");
	is_int(step(&r, 30, 0, 488020000, NOIGN), NOIGN, "a red light: nothing");
	is_int(step(&r, 90, 79, 488020000, NOIGN), NOIGN, "7.9 km/h: standing still");
	is_int(step(&r, 100, 80, 488020000, NOIGN), CV_IGN_START, "8 km/h: moving again");
	is_int(step(&r, 390, 300, 488090000, NOIGN), CV_IGN_START, "moving at 390 s");
	is_int(step(&r, 400, 0, 488100000, NOIGN), NOIGN, "parked at 400 s: nothing yet");
	is_int(step(&r, 389 + 300, 0, 488100000, NOIGN), NOIGN, "4:59 after the last move: not yet");
	is_int(step(&r, 390 + 300, 0, 488100000, NOIGN), CV_IGN_STOP, "5:00 after the last move: Stop");
	ok(!r.has_open && r.nclosed == 1 && r.closed[0].done, "the trip is done");
	is_int(r.closed[0].faults, 0, "Nominal: no odometer to lack, positions at both ends (trip.h)");
	is_int(cv_trip_distance_m(&r.closed[0]), 1112, "its distance: the track's, 1.112 km");
	is_int(r.closed[0].start_at, AT + 10 * SEC, "from the first move");
	is_int(step(&r, 800, 0, 488100000, NOIGN), NOIGN, "parked: nothing more");
	is_int(step(&r, 900, 200, 488100000, NOIGN), CV_IGN_STARTUP, "off, then moving: StartUp");
}

static void test_silent(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	step(&r, 0, 400, 488000000, NOIGN);
	is_int(step(&r, 60, 400, 488100000, NOIGN), CV_IGN_START, "driving");
	/* parked, and the phone said nothing for 20 minutes */
	is_int(step(&r, 60 + 1200, 400, 489000000, NOIGN), CV_IGN_STARTUP, "moving after 20 silent minutes: StartUp");
	ok(r.nclosed == 1 && (r.closed[0].faults & CV_TRIP_UNFINISHED), "the trip before ends Unfinished");
	ok(r.has_open, "a new one opens");
}

static void test_positions(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	is_int(step(&r, 0, -1, 488000000, NOIGN), NOIGN, "a first position: nothing to compare");
	is_int(step(&r, 30, -1, 488000300, NOIGN), NOIGN, "3 m in 30 s: standing (noise)");
	is_int(step(&r, 60, -1, 488003000, NOIGN), NOIGN, "30 m in 30 s (13 km/h): under 50 m, standing");
	is_int(step(&r, 90, -1, 488020000, NOIGN), CV_IGN_STARTUP, "190 m in 30 s: moving");
	is_int(step(&r, 3690, -1, 488020000, NOIGN), CV_IGN_STOP, "an hour there: Stop");
	is_int(step(&r, 4000, -1, -1, NOIGN), NOIGN, "no speed, no position: nothing");
}

static void test_wire(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	is_int(step(&r, 0, 0, 488000000, CV_IGN_START), CV_IGN_STARTUP, "a tracker's ignition on, first: StartUp");
	is_int(step(&r, 10, 0, 488000000, CV_IGN_START), CV_IGN_START, "on again: Start, kept");
	is_int(step(&r, 1000, 0, 488000000, CV_IGN_START), CV_IGN_START, "idling 16 minutes: the wire says on");
	ok(r.has_open, "the trip goes on");
	is_int(step(&r, 1010, 0, 488000000, CV_IGN_STOP), CV_IGN_STOP, "off: Stop");
	ok(!r.has_open && r.nclosed == 1 && !(r.closed[0].faults & (CV_TRIP_UNSTARTED | CV_TRIP_UNFINISHED)),
	   "a trip neither Unstarted nor Unfinished");
	is_int(step(&r, 1020, 300, 488000000, CV_IGN_START), CV_IGN_STARTUP, "on after a Stop: StartUp");
}

int main(void)
{
	test_speed();
	test_silent();
	test_positions();
	test_wire();
	return tap_done();
}

/* motion.c - ignition from movement (see motion.h). */
#include "config.h"
#include "motion.h"
#include "trip.h"

/* The latest time st heard anything, 0 when never. */
static int64_t last_heard(const struct cv_state *st)
{
	int64_t t = 0;

	for (int g = 0; g < CV_G_COUNT; g++)
		if (CV_HAS(&st->v, g) && st->at[g] > t)
			t = st->at[g];
	return t;
}

static void set_ign(struct cv_sample *s, enum cv_ign ign)
{
	s->ignition = (uint8_t)ign;
	s->has |= 1u << CV_G_IGN;
}

/* 1 moving, 0 standing, -1 unknown */
static int moving(const struct cv_state *st, const struct cv_sample *s)
{
	const struct cv_sample *p = &st->v;
	int64_t dt;
	double m;

	if (CV_HAS(s, CV_G_KIN))
		return s->speed_dkmh >= CV_MOTION_MOVING_DKMH;
	if (!CV_HAS(s, CV_G_POS) || !CV_HAS(p, CV_G_POS) || (dt = s->at - st->at[CV_G_POS]) <= 0)
		return -1;
	m = cv_geo_dist_m(p->lat_e7, p->lon_e7, s->lat_e7, s->lon_e7);
	/* m / (dt / 1000) m/s, in km/h x 10: m * 36000 / dt */
	return m >= CV_MOTION_MIN_M && m * 36000.0 / (double)dt >= CV_MOTION_MOVING_DKMH;
}

void cv_motion_ignition(const struct cv_state *st, struct cv_sample *s)
{
	bool known = CV_HAS(&st->v, CV_G_IGN);
	bool on = known && st->v.ignition != CV_IGN_STOP;
	int64_t heard = last_heard(st);
	int mv;

	if (CV_HAS(s, CV_G_IGN)) {
		if (s->ignition == CV_IGN_START && !on)
			s->ignition = CV_IGN_STARTUP;
		return;
	}
	mv = moving(st, s);
	if (mv > 0)
		set_ign(s, !on || (heard && s->at - heard >= CV_MOTION_STOP_MS) ? CV_IGN_STARTUP : CV_IGN_START);
	else if (mv == 0 && on && s->at - st->at[CV_G_IGN] >= CV_MOTION_STOP_MS)
		set_ign(s, CV_IGN_STOP);
}

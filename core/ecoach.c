/* ecoach.c - eco-coaching scores of a trip, folded sample by sample (see ecoach.h). */
#include "ecoach.h"

#include <math.h>
#include <string.h>

const char *const cv_ecoach_cat_names[CV_ECO_NCAT] = {
	[CV_ECO_GLOBAL] = "Global",
	[CV_ECO_ACCELERATION] = "Acceleration",
	[CV_ECO_BREAK] = "Break",
	[CV_ECO_AIRCONDIONER] = "AirCondioner",
	[CV_ECO_COLDENGINE] = "ColdEngine",
	[CV_ECO_TIREPRESSURE] = "TirePressure",
	[CV_ECO_SLOPE] = "Slope",
	[CV_ECO_SPEED] = "Speed",
	[CV_ECO_STARTSTOP] = "StartStop",
};

#define SEC 1000LL

const struct cv_ecoach_params cv_ecoach_defaults = {
	.span_max_ms = 60 * SEC,
	.idle_max_dkmh = 20,
	.min_time_ms = 60 * SEC,
	.harsh_accel_cms2 = 300,
	.harsh_brake_cms2 = 300,
	.harsh_min_dkmh = 100,
	.harsh_min_dt_ms = 1 * SEC,
	.harsh_max_dt_ms = 5 * SEC,
	.harsh_zero_per100km = 20,
	.harsh_floor_m = 20000,
	.harsh_min_m = 1000,
	.speed_eco_dkmh = 1100,
	.speed_full_dkmh = 1500,
	.idle_min_ms = 60 * SEC,
	.idle_zero_pm = 500,
	.cold_warmup_m = 5000,
	.cold_hot_dc = 200,
	.cold_hot_pct = 20,
	.cold_cold_dc = -200,
	.cold_cold_pct = 100,
	.cold_min_m = 100,
	.slope_climb_mms = 1000,
	.slope_win_min_ms = 30 * SEC,
	.slope_win_max_ms = 120 * SEC,
	.slope_zero_pm = 500,
	.weight = {
		[CV_ECO_ACCELERATION] = 2, [CV_ECO_BREAK] = 2, [CV_ECO_SPEED] = 2,
		[CV_ECO_COLDENGINE] = 1, [CV_ECO_SLOPE] = 1, [CV_ECO_STARTSTOP] = 1,
	},
};

/* The categories this module can score (the others have no data on the vehicle link). */
static bool scored(int c)
{
	return c != CV_ECO_GLOBAL && c != CV_ECO_AIRCONDIONER && c != CV_ECO_TIREPRESSURE;
}

/* The longest time a parameter may name (a day): keeps the products below in range. */
#define TIME_MAX (24 * 3600 * SEC)

static bool time_ok(int64_t ms)
{
	return ms > 0 && ms <= TIME_MAX;
}

bool cv_ecoach_params_ok(const struct cv_ecoach_params *p)
{
	unsigned wsum = 0;

	for (int c = 0; c < CV_ECO_NCAT; c++)
		if (scored(c))
			wsum += p->weight[c];
	return time_ok(p->span_max_ms) && time_ok(p->min_time_ms) && time_ok(p->idle_min_ms) &&
	       time_ok(p->harsh_min_dt_ms) && time_ok(p->harsh_max_dt_ms) &&
	       p->harsh_min_dt_ms <= p->harsh_max_dt_ms &&
	       time_ok(p->slope_win_min_ms) && time_ok(p->slope_win_max_ms) &&
	       p->slope_win_min_ms <= p->slope_win_max_ms &&
	       p->harsh_accel_cms2 > 0 && p->harsh_brake_cms2 > 0 && p->harsh_zero_per100km > 0 &&
	       p->harsh_floor_m > 0 &&
	       p->speed_eco_dkmh < p->speed_full_dkmh &&
	       p->idle_zero_pm > 0 && p->idle_zero_pm <= 1000 &&
	       p->cold_warmup_m > 0 && p->cold_cold_dc < p->cold_hot_dc &&
	       p->cold_hot_pct <= p->cold_cold_pct && p->cold_cold_pct <= 1000 &&
	       p->slope_climb_mms > 0 && p->slope_zero_pm > 0 && p->slope_zero_pm <= 1000 &&
	       wsum > 0;
}

enum cv_err cv_ecoach_init(struct cv_ecoach *e, const struct cv_ecoach_params *p)
{
	if (!p)
		p = &cv_ecoach_defaults;
	if (!cv_ecoach_params_ok(p))
		return CV_EINVAL;
	memset(e, 0, sizeof(*e));
	e->p = *p;
	return CV_OK;
}

/* ---- folding ------------------------------------------------------------ */

/* The current run of standing spans ends: it counts if long enough. */
static void end_idle_run(struct cv_ecoach *e)
{
	if (e->idle_run_ms >= (uint64_t)e->p.idle_min_ms)
		e->idle_ms += e->idle_run_ms;
	e->idle_run_ms = 0;
}

static bool ign_on(const struct cv_ecoach *e)
{
	return (e->seen & CV_ECO_S_IGN) && e->ign != CV_IGN_STOP;
}

/* The span from the last speed reading to s's: Speed, StartStop, distance. */
static void fold_span(struct cv_ecoach *e, const struct cv_sample *s)
{
	const struct cv_ecoach_params *p = &e->p;
	uint64_t dt, sum;

	if (!(e->seen & CV_ECO_S_SPEED))
		goto next;
	dt = (uint64_t)(s->at - e->spd_at);
	if (dt > (uint64_t)p->span_max_ms) {
		end_idle_run(e);
		goto next;
	}
	sum = (uint64_t)e->spd_dkmh + s->speed_dkmh;      /* twice the mean speed */
	e->span_ms += dt;
	e->dist_dkmh_ms += sum * dt / 2;
	if (e->spd_dkmh <= p->idle_max_dkmh && s->speed_dkmh <= p->idle_max_dkmh) {
		/* standing: idling while the engine is on */
		if (ign_on(e))
			e->idle_run_ms += dt;
		else
			end_idle_run(e);
	} else {
		uint64_t eco2 = 2u * p->speed_eco_dkmh, band2 = 2u * (p->speed_full_dkmh - p->speed_eco_dkmh);
		uint64_t over2 = sum > eco2 ? CV_MIN(sum - eco2, band2) : 0;

		end_idle_run(e);
		e->moving_ms += dt;
		e->excess_dkmh_ms += over2 * dt / 2;
	}
next:
	e->seen |= CV_ECO_S_SPEED;
	e->spd_at = s->at;
	e->spd_dkmh = s->speed_dkmh;
}

/* The pair from the last examined reading to s's: Acceleration and Break. */
static void fold_harsh(struct cv_ecoach *e, const struct cv_sample *s)
{
	const struct cv_ecoach_params *p = &e->p;
	enum cv_ecoach_harsh now = CV_ECO_H_NONE;
	int64_t dt, dv;

	if (!(e->seen & CV_ECO_S_ACC))
		goto next;
	dt = s->at - e->acc_at;
	if (dt < p->harsh_min_dt_ms)
		return;         /* too close: the pair will start from the older reading */
	if (dt <= p->harsh_max_dt_ms && (int64_t)e->acc_dkmh + s->speed_dkmh >= 2 * (int64_t)p->harsh_min_dkmh) {
		/* dv / 36 m/s in dt / 1000 s reaches c / 100 m/s^2 when dv * 100000 >= c * 36 * dt */
		dv = (int64_t)s->speed_dkmh - e->acc_dkmh;
		e->harsh_dkmh_ms += ((uint64_t)e->acc_dkmh + s->speed_dkmh) * (uint64_t)dt / 2;
		if (dv > 0 && dv * 100000 >= (int64_t)p->harsh_accel_cms2 * 36 * dt)
			now = CV_ECO_H_ACCEL;
		else if (dv < 0 && -dv * 100000 >= (int64_t)p->harsh_brake_cms2 * 36 * dt)
			now = CV_ECO_H_BRAKE;
		if (now == CV_ECO_H_ACCEL && e->harsh_last != CV_ECO_H_ACCEL)
			e->accel_events++;
		if (now == CV_ECO_H_BRAKE && e->harsh_last != CV_ECO_H_BRAKE)
			e->brake_events++;
	}
	/* a pair skipped (too far apart, too slow) ends an event as a calm one does */
	e->harsh_last = (uint8_t)now;
next:
	e->seen |= CV_ECO_S_ACC;
	e->acc_at = s->at;
	e->acc_dkmh = s->speed_dkmh;
}

/* An altitude (a position with a 3D fix): Slope's windows. */
static void fold_alt(struct cv_ecoach *e, const struct cv_sample *s)
{
	const struct cv_ecoach_params *p = &e->p;
	int64_t dt;

	if (s->alt_m != 0)
		e->seen |= CV_ECO_S_ALT_NZ;
	if (!(e->seen & CV_ECO_S_ALT))
		goto next;
	dt = s->at - e->alt_at;
	if (dt < p->slope_win_min_ms)
		return;         /* the window goes on */
	if (dt <= p->slope_win_max_ms) {
		/* rise m in dt ms is rise * 1e6 / dt mm/s */
		e->slope_windows++;
		if ((int64_t)(s->alt_m - e->alt_m) * 1000000 >= (int64_t)p->slope_climb_mms * dt)
			e->climb_ms += (uint64_t)dt;
	}
next:
	e->seen |= CV_ECO_S_ALT;
	e->alt_at = s->at;
	e->alt_m = s->alt_m;
}

bool cv_ecoach_feed(struct cv_ecoach *e, const struct cv_sample *s)
{
	if (e->nsamples && s->at <= e->last_at)
		return false;
	/* spans first: a span's idling is judged by the ignition before s */
	if (CV_HAS(s, CV_G_KIN)) {
		fold_span(e, s);
		fold_harsh(e, s);
	}
	if (CV_HAS(s, CV_G_POS) && s->fix == CV_FIX_3D)
		fold_alt(e, s);
	if (CV_HAS(s, CV_G_IGN)) {
		e->seen |= CV_ECO_S_IGN;
		e->ign = s->ignition;
	}
	if (CV_HAS(s, CV_G_FUEL))
		e->seen |= CV_ECO_S_FUEL;
	if (CV_HAS(s, CV_G_AIR)) {
		e->temp_sum_dc += s->air_temp_dc;
		e->temp_count++;
	}
	if (CV_HAS(s, CV_G_ODO)) {
		if (!(e->seen & CV_ECO_S_ODO))
			e->odo_first_hm = s->odo_hm;
		e->seen |= CV_ECO_S_ODO;
		e->odo_last_hm = s->odo_hm;
	}
	e->last_at = s->at;
	e->nsamples++;
	return true;
}

/* ---- scoring ------------------------------------------------------------ */

/* A score in tenths from the fraction of it lost (0: 10, 1 or more: 0). */
static uint8_t tenths(double loss)
{
	double t = 100.0 * (1.0 - loss);

	if (!(t > 0))
		return 0;
	return t >= 100 ? 100 : (uint8_t)lround(t);
}

static void put(struct cv_ecoach_scores *out, enum cv_ecoach_cat c, double loss)
{
	out->present |= 1u << c;
	out->tenths[c] = tenths(loss);
}

/* Metres from km/h x 10 x ms (36 per mm). */
static double metres(uint64_t dkmh_ms)
{
	return (double)dkmh_ms / 36000.0;
}

static void score_harsh(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	const struct cv_ecoach_params *p = &e->p;
	double m = metres(e->harsh_dkmh_ms), per = fmax(m, (double)p->harsh_floor_m) / 100000.0;

	if (m < p->harsh_min_m)
		return;
	put(out, CV_ECO_ACCELERATION, e->accel_events / per / p->harsh_zero_per100km);
	put(out, CV_ECO_BREAK, e->brake_events / per / p->harsh_zero_per100km);
}

static void score_speed(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	const struct cv_ecoach_params *p = &e->p;
	double band = (double)(p->speed_full_dkmh - p->speed_eco_dkmh);

	if (e->moving_ms < (uint64_t)p->min_time_ms)
		return;
	put(out, CV_ECO_SPEED, (double)e->excess_dkmh_ms / (band * (double)e->moving_ms));
}

static void score_idle(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	const struct cv_ecoach_params *p = &e->p;
	uint64_t idle = e->idle_ms;

	if (!(e->seen & CV_ECO_S_IGN) || e->span_ms < (uint64_t)p->min_time_ms)
		return;
	if (e->idle_run_ms >= (uint64_t)p->idle_min_ms)
		idle += e->idle_run_ms;         /* the run still going */
	put(out, CV_ECO_STARTSTOP, (double)idle / (double)e->span_ms * 1000.0 / p->idle_zero_pm);
}

/* The mean extra consumption over the warm-up distance at t (C x 10), a fraction. */
static double cold_excess(const struct cv_ecoach_params *p, double t)
{
	double hot = p->cold_hot_pct / 100.0, cold = p->cold_cold_pct / 100.0;

	if (t >= p->cold_hot_dc)
		return hot;
	if (t <= p->cold_cold_dc)
		return cold;
	return cold + (hot - cold) * (t - p->cold_cold_dc) / (double)(p->cold_hot_dc - p->cold_cold_dc);
}

static void score_cold(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	const struct cv_ecoach_params *p = &e->p;
	bool odo = (e->seen & CV_ECO_S_ODO) && e->odo_last_hm > e->odo_first_hm;
	double d = odo ? (e->odo_last_hm - e->odo_first_hm) * 100.0 : metres(e->dist_dkmh_ms);
	double w = p->cold_warmup_m, x;

	if (!(e->seen & CV_ECO_S_FUEL) || !e->temp_count || d < p->cold_min_m)
		return;
	x = cold_excess(p, (double)e->temp_sum_dc / e->temp_count);
	/* extra fuel from 2x at the start down to 0 at w, over the trip's fuel */
	put(out, CV_ECO_COLDENGINE, d >= w ? x * w / d : x * (2.0 - d / w));
}

static void score_slope(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	const struct cv_ecoach_params *p = &e->p;
	double share;

	if (!(e->seen & CV_ECO_S_ALT_NZ) || !e->slope_windows || e->moving_ms < (uint64_t)p->min_time_ms)
		return;
	share = fmin(1.0, (double)e->climb_ms / (double)e->moving_ms);
	put(out, CV_ECO_SLOPE, share * 1000.0 / p->slope_zero_pm);
}

static void score_global(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	unsigned sum = 0, wsum = 0;

	for (int c = 0; c < CV_ECO_NCAT; c++) {
		if (!scored(c) || !(out->present & (1u << c)))
			continue;
		sum += (unsigned)e->p.weight[c] * out->tenths[c];
		wsum += e->p.weight[c];
	}
	if (!wsum)
		return;
	out->present |= 1u << CV_ECO_GLOBAL;
	out->tenths[CV_ECO_GLOBAL] = (uint8_t)((sum + wsum / 2) / wsum);
}

void cv_ecoach_score(const struct cv_ecoach *e, struct cv_ecoach_scores *out)
{
	memset(out, 0, sizeof(*out));
	score_harsh(e, out);
	score_speed(e, out);
	score_idle(e, out);
	score_cold(e, out);
	score_slope(e, out);
	score_global(e, out);
}

/* ---- rendering ---------------------------------------------------------- */

void cv_ecoach_render_members(struct cv_jw *w, const struct cv_ecoach_scores *sc)
{
	cv_jw_key(w, "scores");
	cv_jw_arr(w);
	for (int c = 0; c < CV_ECO_NCAT; c++) {
		if (!(sc->present & (1u << c)))
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "category", cv_ecoach_cat_names[c]);
		cv_jw_kfixed(w, "score", CV_MIN(sc->tenths[c], 100), 1);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

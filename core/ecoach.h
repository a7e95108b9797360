/*
 * ecoach.h - eco-coaching: a trip's driving scored from 0 to 10 per
 * category (b2c ECoaching schema), from the samples the vehicle link
 * carries, and the scores' rendering.
 *
 * The caller folds a trip's samples, in time order, into a struct
 * cv_ecoach with cv_ecoach_feed() (at ingest, or over the trip's stored
 * telemetry when it is read), then asks cv_ecoach_score() for the scores.
 * Nothing here does I/O or allocates: struct cv_ecoach is fixed-size plain
 * integers, with a copy of the parameters it was started with. A sample
 * not newer than the last one folded in is ignored. doc/ecoaching.md
 * explains the method and the defaults' reasons; the rules (every
 * threshold is a member of struct cv_ecoach_params, default in brackets):
 *
 * Speed spans: two successive samples with a speed reading. A span longer
 * than span_max_ms [60 s] is not counted: the vehicle may have done
 * anything in between. A span is standing when both speeds are at most
 * idle_max_dkmh [2 km/h], moving otherwise; its distance is its mean
 * speed times its time.
 *
 * - Acceleration and Break (braking). Each speed reading is paired with
 *   the reading before it, which ends the pair before (consecutive pairs
 *   share a reading). A reading less than harsh_min_dt_ms [1 s] after
 *   the previous one is passed over: the next pair starts from the older
 *   reading. A pair more than harsh_max_dt_ms [5 s] long is skipped (its
 *   mean acceleration says little of the peak), and so is one whose mean
 *   speed is under harsh_min_dkmh [10 km/h] (a crawl's speed noise looks
 *   harsh); the others are examined, and their distance is the distance
 *   examined. A pair whose speed changes per second by harsh_accel_cms2
 *   [3.0 m/s^2] or more up, or harsh_brake_cms2 [3.0 m/s^2] or more down,
 *   is harsh; successive harsh pairs of one direction are one event.
 *   Rate: events per 100 km of the distance examined, or of harsh_floor_m
 *   [20 km] if less; score 10 at 0 events, 0 at harsh_zero_per100km [20]
 *   or more, linear in between (a trip of 20 km or less loses 2.5 points
 *   an event). Absent when less than harsh_min_m [1 km] was examined.
 * - Speed. The moving time's excess over speed_eco_dkmh [110 km/h]: a
 *   moving span at mean speed v weighs (v - eco) / (full - eco), from 0 at
 *   the eco speed to 1 at speed_full_dkmh [150 km/h] and above; score
 *   10 x (1 - the time-weighted mean weight). Absent with less than
 *   min_time_ms [60 s] of moving spans.
 * - StartStop. Idling with the engine on: standing spans while the last
 *   ignition seen is on (StartUp or Start), in runs (successive standing
 *   spans) of idle_min_ms [60 s] or more: shorter stops are traffic.
 *   Score 10 x (1 - share / idle_zero_pm), the share of the spans' time,
 *   score 0 from idle_zero_pm [500 per mille]. Absent without an
 *   ignition reading or with less than min_time_ms of spans.
 * - ColdEngine. The extra fuel a combustion engine burns while it warms
 *   up, the engine taken at the outside temperature at the start (the
 *   link carries neither the engine's temperature nor how long it stood).
 *   At the mean outside temperature T, the extra consumption over the
 *   first cold_warmup_m [5 km] averages e(T): cold_hot_pct [20 %] at
 *   cold_hot_dc [20 C] and above, cold_cold_pct [100 %] at cold_cold_dc
 *   [-20 C] and below, linear in between. It falls linearly from 2e at
 *   the start to 0 at cold_warmup_m, so that over a trip of distance D
 *   (km, W the warm-up distance) the extra fuel is p = e x W / D for
 *   D >= W and p = e x (2 - D / W) below; score 10 x (1 - p), 0 from p = 1
 *   (twice the fuel). D: what the odometer advanced, if it did, else the
 *   speed spans' distance. Absent without a fuel reading (no combustion
 *   engine), an outside temperature, or cold_min_m [100 m] driven.
 * - Slope. Aggressive climbing: windows between two positions with a 3D
 *   fix (the vehicle link's altitude) slope_win_min_ms [30 s] to
 *   slope_win_max_ms [120 s] apart (a position sooner waits for the next;
 *   later, the window is skipped). A window climbing at
 *   slope_climb_mms [1.0 m/s] or more (vertical) is aggressive. Score
 *   10 x (1 - share / slope_zero_pm), the share of the moving time spent
 *   in aggressive windows, 0 from slope_zero_pm [500 per mille]. Absent
 *   without a window, when every altitude read is 0 (the vehicle link
 *   reads a missing altitude as 0), or with less than min_time_ms moving.
 * - Global. The mean of the categories present weighted by weight[]
 *   [Acceleration, Break and Speed 2, ColdEngine, Slope and StartStop 1].
 *   Absent when no weighted category is.
 * - AirCondioner and TirePressure: the vehicle link carries no data for
 *   them; never scored.
 *
 * Scores are kept in tenths (0 to 100) and each is rounded to a tenth
 * from its own figures; Global from the rounded categories.
 */
#ifndef CV_ECOACH_H
#define CV_ECOACH_H

#include "jw.h"
#include "vdata.h"

/* The categories, in the order of the schema's enum. */
enum cv_ecoach_cat {
	CV_ECO_GLOBAL,
	CV_ECO_ACCELERATION,
	CV_ECO_BREAK,
	CV_ECO_AIRCONDIONER,
	CV_ECO_COLDENGINE,
	CV_ECO_TIREPRESSURE,
	CV_ECO_SLOPE,
	CV_ECO_SPEED,
	CV_ECO_STARTSTOP,
	CV_ECO_NCAT
};
/* The schema's names, spelled as its enum spells them ("Break", "AirCondioner"). */
extern const char *const cv_ecoach_cat_names[CV_ECO_NCAT];

struct cv_ecoach_params {
	/* speed spans */
	int64_t span_max_ms;          /* a longer span is not counted */
	uint16_t idle_max_dkmh;       /* standing: both speeds at most this (km/h x 10) */
	int64_t min_time_ms;          /* Speed, StartStop, Slope need this much time */
	/* Acceleration and Break */
	uint16_t harsh_accel_cms2;    /* harsh acceleration, cm/s^2 */
	uint16_t harsh_brake_cms2;    /* harsh braking, cm/s^2 */
	uint16_t harsh_min_dkmh;      /* a pair's mean speed at least this (km/h x 10) */
	int64_t harsh_min_dt_ms;      /* a pair's readings at least this far apart */
	int64_t harsh_max_dt_ms;      /* ... and at most this */
	uint16_t harsh_zero_per100km; /* events per 100 km that score 0 */
	uint32_t harsh_floor_m;       /* the rate's distance is at least this */
	uint32_t harsh_min_m;         /* the category needs this much distance examined */
	/* Speed */
	uint16_t speed_eco_dkmh;      /* no penalty up to this (km/h x 10) */
	uint16_t speed_full_dkmh;     /* full penalty from this */
	/* StartStop */
	int64_t idle_min_ms;          /* a run of standing spans counts from this long */
	uint16_t idle_zero_pm;        /* share of idling (per mille) that scores 0 */
	/* ColdEngine */
	uint32_t cold_warmup_m;       /* warm-up distance */
	int16_t cold_hot_dc;          /* at or above this outside temperature (C x 10)... */
	uint16_t cold_hot_pct;        /* ... the mean extra consumption while warming up, % */
	int16_t cold_cold_dc;         /* at or below this one... */
	uint16_t cold_cold_pct;       /* ... this */
	uint32_t cold_min_m;          /* the category needs this distance */
	/* Slope */
	uint16_t slope_climb_mms;     /* aggressive from this vertical speed, mm/s */
	int64_t slope_win_min_ms;     /* a window's altitudes at least this far apart */
	int64_t slope_win_max_ms;     /* ... and at most this */
	uint16_t slope_zero_pm;       /* share of aggressive climbing (per mille) that scores 0 */
	/* Global */
	uint8_t weight[CV_ECO_NCAT];  /* weight of each category in Global (weight[CV_ECO_GLOBAL] unused) */
};

/* The defaults (above, and doc/ecoaching.md). */
extern const struct cv_ecoach_params cv_ecoach_defaults;

/*
 * true when p can be used: every threshold positive, each minimum below
 * its maximum, temperatures and percentages in order, a weight at least.
 */
bool cv_ecoach_params_ok(const struct cv_ecoach_params *p);

/* struct cv_ecoach.seen bits: what the trip's samples carried. */
enum cv_ecoach_seen {
	CV_ECO_S_SPEED = 1,      /* a speed reading: spd_* hold */
	CV_ECO_S_IGN = 2,        /* an ignition reading: ign holds */
	CV_ECO_S_FUEL = 4,       /* a fuel reading: a combustion engine */
	CV_ECO_S_ODO = 8,        /* an odometer: odo_first_hm, odo_last_hm hold */
	CV_ECO_S_ALT = 16,       /* a position with a 3D fix: alt_* hold */
	CV_ECO_S_ALT_NZ = 32,    /* ... one of whose altitudes is not 0 */
	CV_ECO_S_ACC = 64,       /* acc_* hold the last reading of a pair */
};

/* The last harsh pair examined (struct cv_ecoach.harsh_last). */
enum cv_ecoach_harsh { CV_ECO_H_NONE, CV_ECO_H_ACCEL, CV_ECO_H_BRAKE };

/* The accumulator: cv_ecoach_init(), then cv_ecoach_feed() for each sample. */
struct cv_ecoach {
	struct cv_ecoach_params p;
	int64_t last_at;            /* ms, the last sample folded in */
	uint32_t nsamples;          /* samples folded in */
	uint8_t seen;               /* enum cv_ecoach_seen bits */
	uint8_t ign;                /* enum cv_ign, the last ignition read (S_IGN) */
	/* speed spans */
	int64_t spd_at;             /* ms, the last speed reading (S_SPEED) */
	uint16_t spd_dkmh;
	uint64_t span_ms;           /* time of the spans counted */
	uint64_t moving_ms;         /* ... of the moving ones */
	uint64_t dist_dkmh_ms;      /* their distance, km/h x 10 x ms (36 per mm) */
	uint64_t excess_dkmh_ms;    /* moving time x speed over the eco speed (capped) */
	uint64_t idle_run_ms;       /* the current run of standing spans with ignition on */
	uint64_t idle_ms;           /* runs of idle_min_ms or more, ended */
	/* Acceleration and Break */
	int64_t acc_at;             /* ms, the older reading of the next pair (S_ACC) */
	uint16_t acc_dkmh;
	uint8_t harsh_last;         /* enum cv_ecoach_harsh */
	uint64_t harsh_dkmh_ms;     /* distance examined, as dist_dkmh_ms */
	uint32_t accel_events;
	uint32_t brake_events;
	/* ColdEngine */
	int64_t temp_sum_dc;        /* sum of the outside temperatures, C x 10 */
	uint32_t temp_count;
	uint32_t odo_first_hm;      /* km x 10 (S_ODO) */
	uint32_t odo_last_hm;
	/* Slope */
	int64_t alt_at;             /* ms, the window's first altitude (S_ALT) */
	int32_t alt_m;
	uint32_t slope_windows;     /* windows closed */
	uint64_t climb_ms;          /* time of the aggressive ones */
};

/*
 * Start an empty accumulator with parameters p (NULL: cv_ecoach_defaults).
 * CV_EINVAL, and *e untouched, when !cv_ecoach_params_ok(p).
 */
enum cv_err cv_ecoach_init(struct cv_ecoach *e, const struct cv_ecoach_params *p);

/* Fold s in; false (nothing changed) when s is not newer than the last sample. */
bool cv_ecoach_feed(struct cv_ecoach *e, const struct cv_sample *s);

/* The scores: present has bit 1u << cat for each category scored. */
struct cv_ecoach_scores {
	uint32_t present;
	uint8_t tenths[CV_ECO_NCAT];   /* 0 to 100: the score x 10 (present ones only) */
};

/* Score what e holds so far (e is unchanged: more samples may follow). */
void cv_ecoach_score(const struct cv_ecoach *e, struct cv_ecoach_scores *out);

/*
 * The data members of one ECoaching object, written into the current
 * object (the caller opens and closes it and writes `_links`): `scores`,
 * an array of {category, score} for the categories present, in the
 * schema's order (Global first); [] when none is. A score is a number
 * with at most one decimal (7.5, 10, 0).
 */
void cv_ecoach_render_members(struct cv_jw *w, const struct cv_ecoach_scores *sc);

#endif

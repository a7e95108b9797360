/* vehicle.c - a simulated vehicle (see vehicle.h). */
#include "vehicle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* Local time for day plans: Paris in winter, all year round. */
#define LOCAL_OFFSET HOUR

#define STEP_MS SEC          /* physics step while driving */
#define LOOKAHEAD 450.0      /* metres */
#define MIN_STAY (8 * MIN)   /* shortest stop between two legs */
#define AC_EFFICIENCY 0.9    /* what reaches the battery of what an AC charger gives */
#define DC_EFFICIENCY 0.95   /* the same on DC */
#define KNEE 0.8             /* the battery takes its most up to this level, then less and less */
#define TAPER_FLOOR 0.05     /* what it takes at 100%, a share of its most */
#define SLOW_PERIOD_MS (10 * MIN)    /* a sample while charging on AC */
#define QUICK_PERIOD_MS MIN          /* on DC */
#define WALLBOX_KW 7.4       /* a home wallbox */
#define AC_PUBLIC_KW 11.0    /* AC chargers at work and at malls */
#define PRECOND_KW 3.0       /* what preconditioning draws */
#define PRECOND_MS (20 * MIN)/* how long an immediate preconditioning runs */

enum extra { EXTRA_NONE, EXTRA_TRUNK_OPEN, EXTRA_TRUNK_CLOSE, EXTRA_REFUEL, EXTRA_PLUG };

const char *const sim_style_names[SIM_STYLE_COUNT] = { "calm", "normal", "sporty" };

/*
 * The styles: the ranges a driver's pace (share of the limit it cruises
 * at, traffic allowing), acceleration from rest and braking (m/s^2) are
 * drawn from, and its energy use against a normal driver's (harder
 * accelerations and braking waste what a calm driver keeps rolling).
 */
static const struct style {
	double pace_lo, pace_hi, accel_lo, accel_hi, brake_lo, brake_hi, thirst;
} styles[SIM_STYLE_COUNT] = {
	[SIM_CALM] = { 0.82, 0.92, 1.1, 1.6, 1.2, 1.7, 0.92 },
	[SIM_NORMAL] = { 0.88, 0.98, 1.6, 2.4, 1.8, 2.5, 1.0 },
	[SIM_SPORTY] = { 0.98, 1.08, 2.6, 3.6, 2.8, 4.0, 1.12 },
};

void sim_default_capacity(enum cv_energy e, uint32_t *battery_wh, uint32_t *tank_cl)
{
	*battery_wh = e == CV_ENERGY_ELECTRIC ? 50000 : e == CV_ENERGY_PHEV ? 12000 : 0;
	*tank_cl = e == CV_ENERGY_PETROL ? 4500 : e == CV_ENERGY_DIESEL ? 5000 : e == CV_ENERGY_PHEV ? 4000 : 0;
}

static bool has_fuel(const struct sim_vehicle *v)
{
	return v->energy != CV_ENERGY_ELECTRIC;
}

static bool has_battery(const struct sim_vehicle *v)
{
	return v->energy == CV_ENERGY_ELECTRIC || v->energy == CV_ENERGY_PHEV;
}

static int64_t local_day(int64_t t)
{
	int64_t l = t + LOCAL_OFFSET;

	return l >= 0 ? l / DAY : (l - DAY + 1) / DAY;
}

static int64_t day_start(int64_t day)
{
	return day * DAY - LOCAL_OFFSET;
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static uint16_t alert_code(const char *name)
{
	for (size_t i = 0; i < cv_alert_count; i++)
		if (!strcmp(cv_alert_names[i], name))
			return (uint16_t)i;
	return UINT16_MAX;
}

/* ---- weather ------------------------------------------------------------ */

/* A day's deviation from the seasonal mean, shared by every vehicle. */
static double weather_offset(uint64_t seed, int64_t day)
{
	struct sim_rng r;

	sim_rng_init(&r, sim_rng_hash(seed ^ 0x77656174686572ULL, (uint64_t)day));
	return 2.5 * sim_rng_normal(&r);
}

/* Outside temperature in Paris at t, degrees C. */
static double outside_temp(uint64_t seed, int64_t t)
{
	double days = (double)(t + LOCAL_OFFSET) / DAY;
	double doy = fmod(days - 10957.0, 365.2425);   /* days since 1 January (2000 onwards) */
	double season = -cos(2.0 * M_PI * (doy - 20.0) / 365.2425);  /* -1 mid-January, 1 mid-July */
	double hour = fmod(days, 1.0) * 24.0;
	double day = floor(days), f = days - day;
	double off = (1 - f) * weather_offset(seed, (int64_t)day) + f * weather_offset(seed, (int64_t)day + 1);

	return 12.5 + 8.0 * season + off + (4.0 + 2.0 * season) * cos(2.0 * M_PI * (hour - 15.0) / 24.0);
}

/* ---- places and plans --------------------------------------------------- */

static double node_dist(const struct sim_road *r, uint32_t a, uint32_t b)
{
	return hypot(r->nodes[a].x - r->nodes[b].x, r->nodes[a].y - r->nodes[b].y);
}

/* A node of the same area as `near`, between dmin and dmax metres away. */
static uint32_t pick_near(struct sim_vehicle *v, uint32_t near, double dmin, double dmax)
{
	const struct sim_road *r = v->road;
	uint8_t area = r->nodes[near].area;
	uint32_t first = 0, count = r->city_count, n = near;

	if (area != SIM_AREA_CITY) {
		first = r->towns[area - 1].first;
		count = r->towns[area - 1].count;
	}
	for (int tries = 0; tries < 200; tries++) {
		n = first + sim_rng_below(&v->rng, count);
		if (n != near && node_dist(r, n, near) >= dmin && node_dist(r, n, near) <= dmax)
			return n;
	}
	return n;
}

static uint32_t pick_town(struct sim_vehicle *v)
{
	const struct sim_road *r = v->road;
	uint8_t home_area = r->nodes[v->place_node[SIM_HOME]].area;
	size_t t;

	do
		t = sim_rng_below(&v->rng, (uint32_t)r->ntowns);
	while (t + 1 == home_area);
	return r->towns[t].first + sim_rng_below(&v->rng, r->towns[t].count);
}

static void add_leg(struct sim_vehicle *v, int64_t depart, enum sim_place place)
{
	struct sim_leg *l;

	if (v->nlegs >= SIM_MAX_LEGS)
		return;
	l = &v->legs[v->nlegs++];
	l->depart = depart;
	l->place = (uint8_t)place;
	if (place == SIM_TOWN)
		l->dest = pick_town(v);
	else if (place == SIM_SHOP && sim_rng_chance(&v->rng, 0.3))
		l->dest = pick_near(v, v->place_node[SIM_HOME], 500.0, 3000.0);
	else
		l->dest = v->place_node[place];
}

static int64_t minutes(struct sim_vehicle *v, double lo, double hi)
{
	return (int64_t)(sim_rng_range(&v->rng, lo, hi) * MIN);
}

/* Draw the day's alert and collision. */
static void plan_events(struct sim_vehicle *v, int64_t day)
{
	static const char *const common[] = {
		"AddWasherFluid", "LeftFrontTireUnderInflated", "RightRearTireUnderInflated",
		"ReplaceBrakePads", "HeadlightsFault", "RearLeftParkingLampsFault",
	};
	static const char *const thermic[] = { "OilLevelLow", "CoolantLevellow", "ParticleFilterRegenerating" };
	static const char *const electric[] = { "ChargingFailure", "BatteryChargeOrElectricalCircuitSystemFailure" };
	int64_t ds = day_start(day);

	v->events_day = day;
	if (!v->alert_raise_at && sim_rng_chance(&v->rng, 0.2)) {
		const char *name;
		uint32_t k = sim_rng_below(&v->rng, 10);

		if (k < 7)
			name = common[k % CV_ARRAY_LEN(common)];
		else if (v->energy == CV_ENERGY_ELECTRIC)
			name = electric[k % CV_ARRAY_LEN(electric)];
		else
			name = thermic[k % CV_ARRAY_LEN(thermic)];
		v->alert_code = alert_code(name);
		if (v->alert_code != UINT16_MAX) {
			v->alert_raise_at = ds + minutes(v, 6 * 60, 22 * 60);
			v->alert_clear_at = v->alert_raise_at + minutes(v, 2 * 60, 6 * 60);
		}
	}
	if (!v->collision_at && sim_rng_chance(&v->rng, 0.035))
		v->collision_at = ds + minutes(v, 7 * 60, 21 * 60);
	/* rare: about one vehicle in a hundred a month */
	if (!v->theft_at && !v->theft_active && sim_rng_chance(&v->rng, 0.0004))
		v->theft_at = ds + minutes(v, 0, 23 * 60);
}

/* Plan the local day `day`: a list of legs starting and ending at home. */
static void plan_day(struct sim_vehicle *v, int64_t day)
{
	int64_t ds = day_start(day), t;
	int dow = (int)(((day + 3) % 7 + 7) % 7);   /* 0 Monday; 1 January 1970 was a Thursday */
	bool weekday = dow < 5;

	v->plan_day = day;
	v->nlegs = 0;
	v->leg = 0;
	plan_events(v, day);
	if (weekday && v->commuter && sim_rng_chance(&v->rng, 0.92)) {
		add_leg(v, ds + minutes(v, 7 * 60 + 15, 8 * 60 + 50), SIM_WORK);
		t = ds + minutes(v, 16 * 60 + 45, 19 * 60);
		if (sim_rng_chance(&v->rng, 0.3)) {
			add_leg(v, t, sim_rng_chance(&v->rng, 0.3) ? SIM_MALL : SIM_SHOP);
			t += minutes(v, 20, 50);
		}
		add_leg(v, t, SIM_HOME);
	} else if (weekday) {
		if (sim_rng_chance(&v->rng, 0.85)) {
			t = ds + minutes(v, 9 * 60 + 30, 12 * 60);
			add_leg(v, t, sim_rng_chance(&v->rng, 0.5) ? SIM_MALL : SIM_SHOP);
			add_leg(v, t + minutes(v, 30, 100), SIM_HOME);
		}
		if (sim_rng_chance(&v->rng, 0.12)) {
			t = ds + minutes(v, 13 * 60 + 30, 14 * 60 + 30);
			add_leg(v, t, SIM_TOWN);
			add_leg(v, t + minutes(v, 60, 150), SIM_HOME);
		} else if (sim_rng_chance(&v->rng, 0.5)) {
			t = ds + minutes(v, 15 * 60, 18 * 60 + 30);
			add_leg(v, t, SIM_SHOP);
			add_leg(v, t + minutes(v, 20, 60), SIM_HOME);
		}
	} else {
		if (sim_rng_chance(&v->rng, 0.75)) {
			t = ds + minutes(v, 9 * 60 + 45, 11 * 60 + 30);
			add_leg(v, t, sim_rng_chance(&v->rng, 0.6) ? SIM_MALL : SIM_SHOP);
			add_leg(v, t + minutes(v, 40, 110), SIM_HOME);
		}
		if (sim_rng_chance(&v->rng, 0.45)) {
			t = ds + minutes(v, 13 * 60 + 30, 15 * 60 + 30);
			add_leg(v, t, SIM_TOWN);
			add_leg(v, t + minutes(v, 120, 300), SIM_HOME);
		}
	}
	if (sim_rng_chance(&v->rng, 0.2)) {
		t = ds + minutes(v, 20 * 60, 21 * 60 + 15);
		add_leg(v, t, SIM_SHOP);
		add_leg(v, t + minutes(v, 30, 75), SIM_HOME);
	}
}

/* Make sure a leg is pending: plan the following days as needed. */
static void ensure_plan(struct sim_vehicle *v)
{
	while (v->leg >= v->nlegs)
		plan_day(v, v->plan_day + 1);
}

/* ---- charging ----------------------------------------------------------- */

/*
 * The power curve (sim_charge_power) in three parts of the battery's
 * energy e: the session's power C up to e1, where the battery's taper
 * meets it; then the taper, T(e) = k (cap - e) with k = most / ((1 - KNEE)
 * cap), an exponential approach in time, down to e2, where it meets its
 * floor F; then F. Times and energies follow in closed form, so that the
 * end of a charge is known when it starts (its last sample) and a charge
 * advanced in steps lands where one advanced at once does.
 */
struct curve {
	double cap, c, k, f, e1, e2;
};

static struct curve charge_curve(const struct sim_vehicle *v)
{
	struct curve q;

	q.cap = v->batt_cap;
	q.c = v->chg_kw;
	q.f = CV_MIN(TAPER_FLOOR * v->batt_kw, q.c);
	q.k = v->batt_kw / ((1.0 - KNEE) * q.cap);
	/* T(e) = C and T(e) = F */
	q.e1 = CV_MAX(KNEE * q.cap, q.cap - q.c / q.k);
	q.e2 = CV_MAX(q.e1, q.cap - q.f / q.k);
	return q;
}

double sim_charge_power(const struct sim_vehicle *v, double batt)
{
	struct curve q;

	if (v->batt_cap <= 0)
		return 0;
	q = charge_curve(v);
	return batt < q.e1 ? q.c : batt < q.e2 ? q.k * (q.cap - batt) : q.f;
}

/* Hours to charge from a to b kWh (a <= b <= cap). */
static double charge_hours(const struct sim_vehicle *v, double a, double b)
{
	struct curve q = charge_curve(v);
	double h = 0, x;

	if (a < q.e1) {
		x = CV_MIN(b, q.e1);
		h += (x - a) / q.c;
		a = x;
	}
	if (a < b && a < q.e2) {
		x = CV_MIN(b, q.e2);
		h += log((q.cap - a) / (q.cap - x)) / q.k;
		a = x;
	}
	if (a < b)
		h += (b - a) / q.f;
	return h;
}

/* The energy after charging h hours from a kWh (uncapped by the target). */
static double charge_after(const struct sim_vehicle *v, double a, double h)
{
	struct curve q = charge_curve(v);
	double t;

	if (a < q.e1) {
		t = (q.e1 - a) / q.c;
		if (h <= t)
			return a + q.c * h;
		h -= t;
		a = q.e1;
	}
	if (a < q.e2) {
		t = log((q.cap - a) / (q.cap - q.e2)) / q.k;
		if (h <= t)
			return q.cap - (q.cap - a) * exp(-q.k * h);
		h -= t;
		a = q.e2;
	}
	return a + q.f * h;
}

/* When the charge under way reaches its target. */
static void charge_plan_end(struct sim_vehicle *v)
{
	v->chg_end_at = v->t + (int64_t)ceil(charge_hours(v, v->batt, v->chg_target) * HOUR);
	if (v->chg_end_at <= v->t)
		v->chg_end_at = v->t + 1;
}

/*
 * Plug in and charge, on AC (Slow) or DC (Quick), at a charger of
 * charger_kw, up to target (a share of the battery): the car takes at
 * most its onboard charger's power on AC, its battery's on DC, less the
 * losses.
 */
static void start_charge(struct sim_vehicle *v, enum cv_chgmode mode, double charger_kw, double target)
{
	bool dc = mode == CV_CHGMODE_QUICK;

	v->plugged = true;
	v->chg_mode = (uint8_t)mode;
	v->chg_kw = CV_MIN(charger_kw, dc ? v->batt_kw : v->ac_kw) * (dc ? DC_EFFICIENCY : AC_EFFICIENCY);
	v->chg_target = clamp(target, 0, 1) * v->batt_cap;
	v->chg_status = v->batt < v->chg_target - 0.01 ? CV_CHG_INPROGRESS : CV_CHG_FINISHED;
	if (v->chg_status == CV_CHG_INPROGRESS)
		charge_plan_end(v);
}

/* How long until the next periodic parked sample: shorter while charging. */
static int64_t park_period(const struct sim_vehicle *v)
{
	if (v->chg_status != CV_CHG_INPROGRESS)
		return SIM_PARK_PERIOD_MS;
	return v->chg_mode == CV_CHGMODE_QUICK ? QUICK_PERIOD_MS : SLOW_PERIOD_MS;
}

/* Where a car arriving at its place plugs in, if it does, and when. */
static void plug_in(struct sim_vehicle *v)
{
	double level = v->batt / v->batt_cap;
	bool electric = v->energy == CV_ENERGY_ELECTRIC;
	int64_t evening;

	switch (v->place) {
	case SIM_HOME:
		if (electric && level >= v->plug_below &&
		    (level >= v->home_target - 0.02 || !sim_rng_chance(&v->rng, 0.2)))
			return;         /* enough for tomorrow */
		evening = day_start(local_day(v->t)) + 22 * HOUR;
		if (electric && v->off_peak && level >= 0.2 && v->t >= evening - 16 * HOUR && v->t < evening) {
			/* plugged in for the night, off-peak: from 22:00 to 23:00 */
			v->extra_at = evening + minutes(v, 0, 60);
			v->extra_kind = EXTRA_PLUG;
			return;
		}
		start_charge(v, CV_CHGMODE_SLOW, v->home_kw, v->home_target);
		return;
	case SIM_WORK:
		if (v->work_chargers && level < 0.6)
			start_charge(v, CV_CHGMODE_SLOW, AC_PUBLIC_KW, electric ? 0.9 : 1.0);
		return;
	case SIM_TOWN:
		/* a trip away: a fast charger on the way in when below 65% */
		if (electric && level < 0.65)
			start_charge(v, CV_CHGMODE_QUICK, sim_rng_chance(&v->rng, 0.5) ? 150.0 : 100.0,
				     sim_rng_range(&v->rng, 0.8, 0.9));
		return;
	case SIM_MALL:
		if (electric && level >= 0.25 && level < 0.6 && sim_rng_chance(&v->rng, 0.3)) {
			start_charge(v, CV_CHGMODE_SLOW, AC_PUBLIC_KW, 0.9);
			return;
		}
		break;
	default:
		break;
	}
	if (electric && level < 0.25)
		start_charge(v, CV_CHGMODE_QUICK, 50.0, 0.8);
}

/* ---- initialisation ----------------------------------------------------- */

void sim_vehicle_init(struct sim_vehicle *v, const struct sim_road *road, uint64_t seed,
		      const char *vin, enum cv_energy energy, const struct sim_spec *spec, int64_t start)
{
	static const struct sim_spec none;
	const struct sim_road *r = road;
	const struct style *st;
	struct sim_rng habits;
	uint32_t home, battery_wh, tank_cl;
	double u_pace, u_accel;

	memset(v, 0, sizeof(*v));
	if (!spec)
		spec = &none;
	cv_strlcpy(v->vin, vin, sizeof(v->vin));
	v->energy = energy;
	v->road = road;
	v->seed = seed;
	sim_rng_derive(&v->rng, seed, vin);
	/* the driver's style and charging habits: a stream of their own, so that where the
	 * vehicle lives and goes is drawn as before they existed */
	sim_rng_derive(&habits, seed ^ 0x6861626974730000ULL, vin);
	sim_route_init(&v->route);

	/* home: Paris, or one of the towns */
	if (sim_rng_chance(&v->rng, 0.7)) {
		home = sim_rng_below(&v->rng, r->city_count);
	} else {
		const struct sim_town *town = &r->towns[sim_rng_below(&v->rng, (uint32_t)r->ntowns)];

		home = town->first + sim_rng_below(&v->rng, town->count);
	}
	v->place_node[SIM_HOME] = home;
	if (r->nodes[home].area == SIM_AREA_CITY && sim_rng_chance(&v->rng, 0.35)) {
		/* a job in one of the towns */
		v->place_node[SIM_WORK] = pick_town(v);
	} else {
		for (int tries = 0; tries < 200; tries++) {
			v->place_node[SIM_WORK] = sim_rng_below(&v->rng, r->city_count);
			if (node_dist(r, v->place_node[SIM_WORK], home) > 4000.0)
				break;
		}
	}
	v->place_node[SIM_SHOP] = pick_near(v, home, 300.0, 1500.0);
	for (int tries = 0; tries < 200; tries++) {
		uint32_t n = sim_rng_below(&v->rng, r->city_count);

		v->place_node[SIM_MALL] = n;
		if (hypot(r->nodes[n].x, r->nodes[n].y) > 3500.0 && n != home)
			break;
	}
	v->place_node[SIM_TOWN] = pick_town(v);
	v->commuter = sim_rng_chance(&v->rng, 0.75);
	u_pace = sim_rng_unit(&v->rng);
	u_accel = sim_rng_unit(&v->rng);
	if (spec->has_style) {
		v->style = spec->style;
	} else {
		double u = sim_rng_unit(&habits);

		v->style = u < 0.3 ? SIM_CALM : u < 0.75 ? SIM_NORMAL : SIM_SPORTY;
	}
	st = &styles[v->style];
	v->pace = st->pace_lo + (st->pace_hi - st->pace_lo) * u_pace;
	v->accel = st->accel_lo + (st->accel_hi - st->accel_lo) * u_accel;
	v->brake = sim_rng_range(&habits, st->brake_lo, st->brake_hi);
	v->thirst = st->thirst;

	sim_default_capacity(energy, &battery_wh, &tank_cl);
	if (spec->battery_wh && battery_wh)
		battery_wh = spec->battery_wh;
	if (spec->tank_cl && tank_cl)
		tank_cl = spec->tank_cl;
	v->tank = tank_cl / 100.0;
	v->batt_cap = battery_wh / 1000.0;
	switch (energy) {
	case CV_ENERGY_PETROL:
		v->fuel_per100 = 5.8 * sim_rng_range(&v->rng, 0.95, 1.15);
		break;
	case CV_ENERGY_DIESEL:
		v->fuel_per100 = 4.7 * sim_rng_range(&v->rng, 0.95, 1.15);
		break;
	case CV_ENERGY_ELECTRIC:
		v->kwh_per100 = 15.5 * sim_rng_range(&v->rng, 0.95, 1.15);
		/* an onboard charger of 7.4 or 11 kW; the battery takes 2C (100 kW for 50 kWh) */
		v->ac_kw = sim_rng_chance(&habits, 0.6) ? 7.4 : 11.0;
		v->batt_kw = 2.0 * v->batt_cap;
		/* charged at home to 80, 90 or 100%: every day or two, or once under half; most
		 * drivers plug in for the night (off-peak) */
		v->home_target = sim_rng_chance(&habits, 0.3) ? 0.8 : sim_rng_chance(&habits, 0.6) ? 0.9 : 1.0;
		v->plug_below = sim_rng_chance(&habits, 0.35) ? 0.5 : v->home_target - 0.1;
		v->off_peak = sim_rng_chance(&habits, 0.6);
		break;
	case CV_ENERGY_PHEV:
	case CV_ENERGY_COUNT:
		v->fuel_per100 = 6.4 * sim_rng_range(&v->rng, 0.95, 1.15);
		v->kwh_per100 = 21.0 * sim_rng_range(&v->rng, 0.95, 1.1);
		/* an onboard charger of 3.7 kW (7.4 as an option), no DC inlet; the battery takes 1C */
		v->ac_kw = sim_rng_chance(&habits, 0.7) ? 3.7 : 7.4;
		v->batt_kw = v->batt_cap;
		v->home_target = 1.0;
		break;
	}
	v->home_kw = WALLBOX_KW;
	v->work_chargers = sim_rng_chance(&habits, 0.35);
	v->fuel = v->tank * sim_rng_range(&v->rng, 0.35, 0.95);
	v->batt = v->batt_cap * sim_rng_range(&v->rng, 0.5, 0.95);
	v->chg_status = CV_CHG_DISCONNECTED;
	v->odo = sim_rng_range(&v->rng, 4000.0, 90000.0);
	v->service_due = start + (int64_t)sim_rng_range(&v->rng, 15.0, 330.0) * DAY;
	v->service_due_km = v->odo + sim_rng_range(&v->rng, 800.0, 19000.0);

	v->t = start;
	v->node = home;
	v->place = SIM_HOME;
	v->x = r->nodes[home].x;
	v->y = r->nodes[home].y;
	v->heading = sim_rng_range(&v->rng, 0.0, 360.0);
	v->parked_since = start - (int64_t)sim_rng_range(&v->rng, 1.0, 10.0) * HOUR;
	v->next_tick = start;
	v->lock = CV_LOCK_LOCKED;
	if (has_battery(v) && (energy == CV_ENERGY_PHEV || v->batt < (v->home_target - 0.1) * v->batt_cap))
		start_charge(v, CV_CHGMODE_SLOW, v->home_kw, v->home_target);
	plan_day(v, local_day(start));
	/* legs already past are skipped: the vehicle is home */
	while (v->leg < v->nlegs && v->legs[v->leg].depart < start)
		v->leg++;
}

void sim_vehicle_release(struct sim_vehicle *v)
{
	sim_route_release(&v->route);
	free(v->node_vmax);
	free(v->node_dwell);
	v->node_vmax = NULL;
	v->node_dwell = NULL;
}

/* ---- samples ------------------------------------------------------------ */

static void add_event(struct cv_sample *s, const struct cv_event *e)
{
	if (s->nevents < CV_MAX_EVENTS)
		s->events[s->nevents++] = *e;
}

static void alert_event(struct cv_sample *s, uint16_t code, int severity, bool active)
{
	struct cv_event e;

	memset(&e, 0, sizeof(e));
	e.kind = CV_EV_ALERT;
	e.code = code;
	e.severity = (uint8_t)severity;
	e.active = active;
	add_event(s, &e);
}

/* The events due at this sample. */
static void sample_events(struct sim_vehicle *v, struct cv_sample *s, double temp)
{
	double fuel_pct = v->tank > 0 ? 100.0 * v->fuel / v->tank : 100.0;

	if (v->alert_raise_at && !v->alert_active && s->at >= v->alert_raise_at) {
		alert_event(s, v->alert_code, 1, true);
		v->alert_active = true;
	} else if (v->alert_active && s->at >= v->alert_clear_at) {
		alert_event(s, v->alert_code, 1, false);
		v->alert_active = false;
		v->alert_raise_at = 0;
	}
	if (has_fuel(v) && !v->fuel_low_active && fuel_pct < 10.0) {
		alert_event(s, alert_code("FuelLevelLow"), 1, true);
		v->fuel_low_active = true;
	} else if (v->fuel_low_active && fuel_pct > 20.0) {
		alert_event(s, alert_code("FuelLevelLow"), 1, false);
		v->fuel_low_active = false;
	}
	if (v->driving && !v->ice_active && temp < 3.0) {
		alert_event(s, alert_code("RiskOfIce"), 0, true);
		v->ice_active = true;
	} else if (v->ice_active && temp > 4.0) {
		alert_event(s, alert_code("RiskOfIce"), 0, false);
		v->ice_active = false;
	}
	if (v->driving && v->theft_at && !v->theft_active && s->at >= v->theft_at) {
		struct cv_event e;

		memset(&e, 0, sizeof(e));
		e.kind = CV_EV_THEFT;
		e.active = 1;
		add_event(s, &e);
		v->theft_active = true;
		v->theft_found_at = 0;
	} else if (v->theft_active && !v->driving && !v->theft_found_at) {
		v->theft_found_at = s->at + minutes(v, 60, 6 * 60);
	} else if (v->theft_active && v->theft_found_at && s->at >= v->theft_found_at) {
		struct cv_event e;

		memset(&e, 0, sizeof(e));
		e.kind = CV_EV_THEFT;
		add_event(s, &e);
		v->theft_active = false;
		v->theft_at = 0;
	}
	if (v->driving && v->collision_at && s->at >= v->collision_at && v->speed > 2.0) {
		struct cv_event e;
		double sev = sim_rng_unit(&v->rng);

		memset(&e, 0, sizeof(e));
		e.kind = CV_EV_COLLISION;
		e.ndetails = (uint8_t)(1 + sim_rng_below(&v->rng, 2));
		for (int i = 0; i < e.ndetails; i++) {
			e.side[i] = (uint8_t)sim_rng_below(&v->rng, 3);
			e.csev[i] = sev < 0.5 ? 1 : sev < 0.92 ? 2 : 3;
		}
		add_event(s, &e);
		v->collision_at = 0;
	}
}

/* The charging group of a sample, as of the vehicle's clock: the power, rate and time left while charging. */
static void charging_fields(const struct sim_vehicle *v, struct cv_sample *s)
{
	s->chg_status = v->chg_status;
	s->chg_mode = v->chg_mode;
	s->plugged = v->plugged;
	s->has_chg_power = 0;
	s->chg_power_dkw = 0;
	s->chg_rate = 0;
	s->chg_remaining = 0;
	if (v->chg_status == CV_CHG_INPROGRESS) {
		double kw = sim_charge_power(v, v->batt);

		s->has_chg_power = 1;
		s->chg_power_dkw = (uint16_t)clamp(lround(kw * 10.0), 0, 4000);
		s->chg_rate = (uint16_t)clamp(lround(kw / v->kwh_per100 * 100.0), 0, 500);
		s->chg_remaining = (uint32_t)clamp((double)(v->chg_end_at - v->t) / SEC, 0, 604800);
	}
}

static void fill_sample(struct sim_vehicle *v, struct cv_sample *s, enum cv_ign ign)
{
	const struct sim_road *r = v->road;
	double lat, lon, temp, kmh = v->speed * 3.6;
	int64_t days, heading = (int64_t)lround(v->heading) % 360;

	memset(s, 0, sizeof(*s));
	s->at = v->t;
	s->has = (1u << CV_G_POS) | (1u << CV_G_KIN) | (1u << CV_G_ODO) | (1u << CV_G_IGN) |
		 (1u << CV_G_DOORS) | (1u << CV_G_PRECOND) | (1u << CV_G_AIR) | (1u << CV_G_BATT12) |
		 (1u << CV_G_MAINT) | (1u << CV_G_PRIVACY);
	sim_road_to_ll(v->x, v->y, &lat, &lon);
	s->lat_e7 = (int32_t)lround(lat * 1e7);
	s->lon_e7 = (int32_t)lround(lon * 1e7);
	s->alt_m = (int32_t)lround(sim_road_alt(r, v->x, v->y) + sim_rng_range(&v->rng, -1.5, 1.5));
	s->heading = (uint16_t)heading;
	s->fix = CV_FIX_3D;
	s->pos_type = CV_POS_ACQUIRE;
	s->signal = (uint8_t)(v->driving ? sim_rng_range(&v->rng, 70, 99) : sim_rng_range(&v->rng, 50, 90));
	s->speed_dkmh = (uint16_t)lround(kmh * 10.0);
	s->odo_hm = (uint32_t)lround(v->odo * 10.0);
	s->ignition = (uint8_t)ign;
	if (has_fuel(v)) {
		s->has |= 1u << CV_G_FUEL;
		s->fuel_level = (uint16_t)lround(clamp(1000.0 * v->fuel / v->tank, 0, 1000));
		s->fuel_autonomy = (uint16_t)clamp(floor(v->fuel / v->fuel_per100 * 100.0), 0, 3000);
	}
	if (has_battery(v)) {
		s->has |= (1u << CV_G_ELEC) | (1u << CV_G_CHARGE);
		s->elec_level = (uint16_t)lround(clamp(1000.0 * v->batt / v->batt_cap, 0, 1000));
		s->elec_autonomy = (uint16_t)clamp(floor(v->batt / v->kwh_per100 * 100.0), 0, 3000);
		charging_fields(v, s);
	}
	s->lock = v->lock;
	s->doors_open = v->doors_open;
	s->precond = v->precond == CV_PRE_ENABLED && v->t >= v->precond_until ? CV_PRE_FINISHED : v->precond;
	temp = outside_temp(v->seed, v->t);
	s->air_temp_dc = (int16_t)lround(clamp(temp + sim_rng_range(&v->rng, -0.3, 0.3), -60, 70) * 10.0);
	if (v->driving) {
		s->batt_mv = (uint16_t)lround(sim_rng_range(&v->rng, 13850, 14350));
	} else {
		double hours = (double)(v->t - v->parked_since) / HOUR;

		s->batt_mv = (uint16_t)lround(clamp(12750.0 - 12.0 * hours, 12400, 12750) +
						 sim_rng_range(&v->rng, -15, 15));
	}
	days = (v->service_due - v->t) / DAY;
	s->maint_days = (int32_t)clamp((double)days, -3650, 3650);
	s->maint_dkm = (int32_t)lround(clamp(v->service_due_km - v->odo, -100000, 100000) * 10.0);
	s->privacy = CV_PRIV_NONE;
	sample_events(v, s, temp);
}

/* ---- parked ------------------------------------------------------------- */

/* Charging and the like from v->t to t. */
static void advance_parked(struct sim_vehicle *v, int64_t t)
{
	bool drawn = false;

	/* preconditioning draws the traction battery (about 3 kW) while it runs */
	if (v->precond == CV_PRE_ENABLED && has_battery(v) && t > v->t) {
		int64_t until = t < v->precond_until ? t : v->precond_until;

		if (until > v->t) {
			v->batt = clamp(v->batt - PRECOND_KW * (double)(until - v->t) / HOUR, 0, v->batt_cap);
			drawn = true;
		}
		if (t >= v->precond_until)
			v->precond = CV_PRE_FINISHED;
	}
	if (v->chg_status == CV_CHG_INPROGRESS) {
		if (t >= v->chg_end_at) {
			v->batt = v->chg_target;
			v->chg_status = CV_CHG_FINISHED;
		} else {
			v->batt = CV_MIN(charge_after(v, v->batt, (double)(t - v->t) / HOUR), v->chg_target);
		}
	}
	v->t = t;
	if (drawn && v->chg_status == CV_CHG_INPROGRESS)
		charge_plan_end(v);     /* what preconditioning took is charged again */
}

static void arrive(struct sim_vehicle *v)
{
	const struct sim_leg *l = &v->legs[v->leg];

	v->driving = false;
	v->node = l->dest;
	v->place = l->place;
	v->leg++;
	v->speed = 0;
	v->limit = 0;
	v->parked_since = v->t;
	v->lock = CV_LOCK_LOCKED;
	v->doors_open = 0;
	v->extra_at = 0;
	v->extra_kind = EXTRA_NONE;
	if (has_battery(v))
		plug_in(v);
	v->next_tick = v->t + park_period(v);
	if (v->extra_at) {
		/* plugged in later */
	} else if (has_fuel(v) && v->fuel < 0.15 * v->tank) {
		v->extra_at = v->t + 4 * MIN;
		v->extra_kind = EXTRA_REFUEL;
	} else if ((v->place == SIM_SHOP || v->place == SIM_MALL) && sim_rng_chance(&v->rng, 0.35)) {
		v->extra_at = v->t + 2 * MIN;
		v->extra_kind = EXTRA_TRUNK_OPEN;
	}
}

/* How fast traffic lets the vehicle go on each class of road, by time of day. */
static void set_traffic(struct sim_vehicle *v)
{
	/* street, arterial, ring, highway */
	static const double rush[SIM_CLASS_COUNT] = { 0.75, 0.55, 0.4, 0.6 };
	static const double day[SIM_CLASS_COUNT] = { 0.85, 0.75, 0.7, 0.9 };
	static const double night[SIM_CLASS_COUNT] = { 0.95, 0.95, 1.0, 1.0 };
	int64_t local = v->t + LOCAL_OFFSET, day_no = local_day(v->t);
	double hour = (double)(local - day_no * DAY) / HOUR;
	int dow = (int)(((day_no + 3) % 7 + 7) % 7);
	const double *f = night;

	if (dow < 5 && ((hour >= 7.5 && hour < 9.5) || (hour >= 17.0 && hour < 19.5)))
		f = rush;
	else if (hour >= 7.0 && hour < 21.0)
		f = day;
	for (int c = 0; c < SIM_CLASS_COUNT; c++)
		v->traffic[c] = clamp(f[c] * sim_rng_range(&v->rng, 0.85, 1.15), 0.25, 1.0);
}

/* Allowed speeds and stops along the new route. */
static void plan_route(struct sim_vehicle *v)
{
	const struct sim_road *r = v->road;
	const struct sim_route *rt = &v->route;

	if (rt->n > v->node_cap) {
		v->node_cap = rt->n;
		v->node_vmax = cv_realloc(v->node_vmax, rt->n * sizeof(double));
		v->node_dwell = cv_realloc(v->node_dwell, rt->n * sizeof(uint16_t));
	}
	v->node_vmax[0] = 0;
	v->node_dwell[0] = 0;
	v->node_vmax[rt->n - 1] = 0;
	v->node_dwell[rt->n - 1] = 0;
	for (size_t i = 1; i + 1 < rt->n; i++) {
		const struct sim_edge *in = &r->edges[rt->edges[i - 1]], *out = &r->edges[rt->edges[i]];
		const struct sim_node *n = &r->nodes[rt->nodes[i]];
		double b_in = sim_road_bearing(r, rt->nodes[i - 1], rt->nodes[i]);
		double b_out = sim_road_bearing(r, rt->nodes[i], rt->nodes[i + 1]);
		double turn = fabs(fmod(b_out - b_in + 540.0, 360.0) - 180.0);
		double vmax = CV_MIN(in->limit * v->traffic[in->cls], out->limit * v->traffic[out->cls]) * v->pace;
		double p_stop = 0;

		if (turn > 60.0)
			vmax = CV_MIN(vmax, 22.0);
		else if (turn > 25.0)
			vmax = CV_MIN(vmax, 40.0);
		if (n->degree >= 3 && n->cls <= SIM_ARTERIAL)
			p_stop = out->cls == SIM_STREET && in->cls == SIM_STREET ? 0.3 : 0.4;
		if (turn > 60.0 && p_stop > 0)
			p_stop += 0.2;
		v->node_vmax[i] = vmax / 3.6;
		v->node_dwell[i] = 0;
		if (sim_rng_chance(&v->rng, p_stop)) {
			v->node_vmax[i] = 0;
			v->node_dwell[i] = (uint16_t)sim_rng_range(&v->rng, 3.0, 55.0);
		}
	}
}

static void depart(struct sim_vehicle *v)
{
	const struct sim_leg *l = &v->legs[v->leg];

	if (v->plugged) {
		v->plugged = false;
		v->chg_status = CV_CHG_DISCONNECTED;
		v->chg_mode = CV_CHGMODE_NO;
	}
	/* a long-overdue service has been done while parked */
	if (v->service_due < v->t - 40 * DAY || v->service_due_km < v->odo - 2500.0) {
		v->service_due = v->t + 365 * DAY;
		v->service_due_km = v->odo + (v->energy == CV_ENERGY_ELECTRIC ? 30000.0 : 20000.0);
	}
	if (sim_road_route(v->road, v->node, l->dest, &v->route) || v->route.n < 2) {
		/* nowhere to go: this leg is skipped */
		v->leg++;
		return;
	}
	set_traffic(v);
	plan_route(v);
	v->driving = true;
	v->seg = 0;
	v->seg_pos = 0;
	v->speed = 0;
	v->dwell_until = 0;
	v->lock = CV_LOCK_UNLOCKED;
	v->doors_open = 0;
	v->extra_at = 0;
	v->limit = v->road->edges[v->route.edges[0]].limit;
	v->heading = sim_road_bearing(v->road, v->route.nodes[0], v->route.nodes[1]);
	v->next_drive_sample = v->t + SIM_DRIVE_PERIOD_MS;
}

/* The next parked event: a periodic sample, an extra one, or the departure. */
static void parked_next(struct sim_vehicle *v)
{
	for (;;) {
		int64_t dep, t;
		bool tick, extra, charging;

		ensure_plan(v);
		dep = v->legs[v->leg].depart;
		if (dep < v->parked_since + MIN_STAY)
			dep = v->parked_since + MIN_STAY;
		if (dep < v->t)
			dep = v->t;
		if (v->stay)
			dep = INT64_MAX;        /* kept parked: only its periodic samples */
		t = v->next_tick;
		if (v->extra_at && v->extra_at < t)
			t = v->extra_at;
		if (v->chg_status == CV_CHG_INPROGRESS && v->chg_end_at < t)
			t = v->chg_end_at;      /* a sample when the charge ends */
		if (dep <= t) {
			advance_parked(v, dep);
			if (v->legs[v->leg].dest == v->node) {
				v->leg++;
				continue;
			}
			depart(v);
			if (!v->driving)
				continue;
			fill_sample(v, &v->next, CV_IGN_START);
			return;
		}
		charging = v->chg_status == CV_CHG_INPROGRESS;
		advance_parked(v, t);
		tick = t == v->next_tick;
		extra = v->extra_at && t == v->extra_at;
		if (tick || (charging && v->chg_status != CV_CHG_INPROGRESS))
			v->next_tick = t + park_period(v);      /* the charge's last sample: parked again */
		if (extra) {
			v->extra_at = 0;
			switch (v->extra_kind) {
			case EXTRA_TRUNK_OPEN:
				v->lock = CV_LOCK_UNLOCKED;
				v->doors_open = 1u << CV_DOOR_TRUNK;
				v->extra_at = t + 3 * MIN;
				v->extra_kind = EXTRA_TRUNK_CLOSE;
				break;
			case EXTRA_TRUNK_CLOSE:
				v->lock = CV_LOCK_LOCKED;
				v->doors_open = 0;
				break;
			case EXTRA_REFUEL:
				v->fuel = v->tank * sim_rng_range(&v->rng, 0.9, 1.0);
				break;
			case EXTRA_PLUG:
				start_charge(v, CV_CHGMODE_SLOW, v->home_kw, v->home_target);
				v->next_tick = t + park_period(v);
				break;
			default:
				break;
			}
		}
		fill_sample(v, &v->next, CV_IGN_STOP);
		return;
	}
}

/* ---- driving ------------------------------------------------------------ */

static void use_energy(struct sim_vehicle *v, double metres, double dt)
{
	double kmh = v->speed * 3.6, km = metres / 1000.0;

	v->odo += km;
	if (has_battery(v) && v->batt > 0.05 * v->batt_cap) {
		double f = 0.8 + 0.7 * (kmh / 130.0) * (kmh / 130.0);

		v->batt -= km * v->kwh_per100 / 100.0 * f * v->thirst;
		if (v->batt < 0)
			v->batt = 0;
		return;
	}
	if (has_fuel(v)) {
		double f = 0.85 + 0.35 * ((kmh - 70.0) / 70.0) * ((kmh - 70.0) / 70.0);

		v->fuel -= km * v->fuel_per100 / 100.0 * f * v->thirst + 0.7 * dt / 3600.0;
		if (v->fuel < 0)
			v->fuel = 0;
	} else {
		/* an electric car with an empty battery crawls home on what is left */
		v->batt -= km * v->kwh_per100 / 100.0 * 0.5;
		if (v->batt < 0)
			v->batt = 0;
	}
}

/* Where the vehicle is along its route: x, y and heading. */
static void locate(struct sim_vehicle *v)
{
	const struct sim_road *r = v->road;
	uint32_t a = v->route.nodes[v->seg], b = v->route.nodes[v->seg + 1];
	double len = r->edges[v->route.edges[v->seg]].len, f = clamp(v->seg_pos / len, 0, 1);

	v->x = r->nodes[a].x + (r->nodes[b].x - r->nodes[a].x) * f;
	v->y = r->nodes[a].y + (r->nodes[b].y - r->nodes[a].y) * f;
	v->heading = sim_road_bearing(r, a, b);
}

/* One physics step; true when the vehicle has arrived. */
static bool step(struct sim_vehicle *v)
{
	const struct sim_road *r = v->road;
	const struct sim_route *rt = &v->route;
	const struct sim_edge *e = &r->edges[rt->edges[v->seg]];
	double dt = STEP_MS / 1000.0;
	double target = e->limit / 3.6 * v->pace * v->traffic[e->cls], allow = target, d, stop_d = INFINITY;
	double a, nv, move;
	size_t stop_node = 0;

	v->t += STEP_MS;
	if (v->t <= v->dwell_until) {
		v->speed = 0;
		use_energy(v, 0, dt);
		return false;
	}
	/* what lies ahead: slower nodes and stops within braking distance */
	d = e->len - v->seg_pos;
	for (size_t j = v->seg + 1; j < rt->n; j++) {
		double vn = v->node_vmax[j];

		allow = CV_MIN(allow, sqrt(vn * vn + 2.0 * v->brake * d));
		if (vn == 0) {
			stop_d = d;
			stop_node = j;
			break;
		}
		if (j + 1 >= rt->n || d > LOOKAHEAD)
			break;
		d += r->edges[rt->edges[j]].len;
	}
	a = v->accel * CV_MAX(0.25, 1.0 - v->speed / 40.0);
	nv = CV_MIN(v->speed + a * dt, allow);
	if (nv < 0)
		nv = 0;
	move = (v->speed + nv) / 2.0 * dt;
	if (stop_node && stop_d <= CV_MAX(move, 3.0)) {
		/* reach the stop */
		move = stop_d;
		v->speed = 0;
	} else {
		v->speed = nv;
		stop_node = 0;
	}
	use_energy(v, move, dt);
	v->seg_pos += move;
	while (v->seg + 1 < rt->n - 1 && v->seg_pos >= r->edges[rt->edges[v->seg]].len) {
		double vn;

		v->seg_pos -= r->edges[rt->edges[v->seg]].len;
		v->seg++;
		vn = r->edges[rt->edges[v->seg]].limit / 3.6 * v->pace * v->traffic[r->edges[rt->edges[v->seg]].cls];
		if (v->speed > vn)
			v->speed = vn;
	}
	if (stop_node == rt->n - 1) {
		v->seg_pos = r->edges[rt->edges[v->seg]].len;
		locate(v);
		return true;
	}
	if (v->seg_pos > r->edges[rt->edges[v->seg]].len)
		v->seg_pos = r->edges[rt->edges[v->seg]].len;
	if (stop_node) {
		/* at a junction's stop line: wait, then go on at its turning speed */
		v->dwell_until = v->t + v->node_dwell[stop_node] * SEC;
		v->node_vmax[stop_node] = 22.0 / 3.6;
	}
	v->limit = r->edges[rt->edges[v->seg]].limit;
	locate(v);
	return false;
}

/* Drive to the next 10-second sample or to the destination. */
static void driving_next(struct sim_vehicle *v)
{
	while (v->t < v->next_drive_sample) {
		if (step(v)) {
			arrive(v);
			fill_sample(v, &v->next, CV_IGN_STOP);
			return;
		}
	}
	v->next_drive_sample += SIM_DRIVE_PERIOD_MS;
	fill_sample(v, &v->next, CV_IGN_START);
}

static void compute_next(struct sim_vehicle *v)
{
	if (v->driving)
		driving_next(v);
	else
		parked_next(v);
	v->have_next = true;
}

int64_t sim_vehicle_peek(struct sim_vehicle *v)
{
	if (!v->have_next)
		compute_next(v);
	return v->next.at;
}

bool sim_vehicle_next(struct sim_vehicle *v, int64_t until, struct cv_sample *out)
{
	if (sim_vehicle_peek(v) > until)
		return false;
	*out = v->next;
	v->last = v->next;
	v->have_next = false;
	return true;
}

/* ---- remote commands ------------------------------------------------------ */

static bool action_bool(json_object *o, const char *key, bool *v)
{
	json_object *x;

	if (!o || !json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_boolean))
		return false;
	*v = json_object_get_boolean(x);
	return true;
}

static const char *action_str(json_object *o, const char *key)
{
	json_object *x;

	if (!o || !json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_string))
		return "";
	return json_object_get_string(x);
}

int64_t sim_command_delay(enum cv_remote_type type, json_object *action)
{
	bool approval = false;

	switch (type) {
	case CV_RT_DOORS:
		return 1500;
	case CV_RT_HORN:
	case CV_RT_LIGHTS:
		return 800;
	case CV_RT_PRECOND:
	case CV_RT_CHARGING:
	case CV_RT_IMMOBILIZATION:
		return 2000;
	case CV_RT_WAKEUP:
		return 300;
	case CV_RT_NAVIGATION:
		return action_bool(action, "driverApproval", &approval) && approval ? 4000 : 1500;
	default:
		return 1000;
	}
}

void sim_vehicle_command(struct sim_vehicle *v, int64_t t, enum cv_remote_type type, json_object *action,
			 double draw, uint8_t *outcome, uint8_t *cause)
{
	json_object *ac = NULL;
	bool b = false, low = has_battery(v) && !v->plugged && v->batt < 0.1 * v->batt_cap;

	*outcome = CV_RS_SUCCESS;
	*cause = 0;
#define FAIL(c) do { *outcome = CV_RS_FAILED; *cause = (c); return; } while (0)
#define ALREADY() do { *outcome = CV_RS_ALREADY; return; } while (0)
	switch (type) {
	case CV_RT_DOORS:
		if (!strcmp(action_str(action, "state"), "Locked")) {
			if (v->doors_open)
				FAIL(CV_RC_DOORS_OPEN);
			if (v->lock != CV_LOCK_UNLOCKED)
				ALREADY();
			v->lock = CV_LOCK_LOCKED;
		} else {
			if (v->lock == CV_LOCK_UNLOCKED)
				ALREADY();
			v->lock = CV_LOCK_UNLOCKED;
		}
		break;
	case CV_RT_HORN:
		if (v->driving)
			FAIL(CV_RC_IN_USE);
		if (strcmp(action_str(action, "state"), "Activated"))
			ALREADY();       /* it was not sounding */
		break;
	case CV_RT_LIGHTS:
		if (v->driving)
			FAIL(CV_RC_IN_USE);
		break;
	case CV_RT_PRECOND:
		if (v->driving)
			FAIL(CV_RC_IN_USE);
		if (action)
			json_object_object_get_ex(action, "airConditioning", &ac);
		if (action_bool(ac, "immediate", &b)) {
			bool on = v->precond == CV_PRE_ENABLED && t < v->precond_until;

			if (b && low)
				FAIL(CV_RC_BATTERY);
			if (b == on && !json_object_object_get_ex(ac, "programs", NULL))
				ALREADY();
			v->precond = b ? CV_PRE_ENABLED : CV_PRE_DISABLED;
			v->precond_until = b ? t + PRECOND_MS : 0;
		}
		break;
	case CV_RT_CHARGING:
		if (!action_bool(action, "immediate", &b))
			break;           /* a schedule or preferences: kept by the charger */
		if (!has_battery(v))
			FAIL(CV_RC_WRONG_COMMAND);
		if (b) {
			if (!v->plugged)
				FAIL(CV_RC_EXT_CHARGING);
			if (v->chg_status == CV_CHG_INPROGRESS)
				ALREADY();
			start_charge(v, CV_CHGMODE_SLOW, v->home_kw, 1.0);
			if (v->chg_status != CV_CHG_INPROGRESS)
				ALREADY();   /* full already */
		} else {
			if (v->chg_status != CV_CHG_INPROGRESS)
				ALREADY();
			v->chg_status = CV_CHG_STOPPED;
		}
		break;
	case CV_RT_NAVIGATION:
		if (action_bool(action, "driverApproval", &b) && b && draw < 0.3)
			FAIL(CV_RC_CANCELED);
		break;
	case CV_RT_IMMOBILIZATION:
		if (!action_bool(action, "activate", &b))
			break;
		if (b && v->driving)
			FAIL(CV_RC_IN_USE);
		if (b == v->immobilized)
			ALREADY();
		v->immobilized = b;
		break;
	default:
		break;           /* wakeUp, stolen: nothing to change here */
	}
#undef FAIL
#undef ALREADY
	/* the next sample, computed already, carries the new state too */
	if (v->have_next) {
		v->next.lock = v->lock;
		v->next.precond = v->precond;
		if (has_battery(v))
			charging_fields(v, &v->next);
	}
}

void sim_vehicle_snapshot(const struct sim_vehicle *v, int64_t t, struct cv_sample *out)
{
	*out = v->last;
	out->at = t > v->last.at ? t : v->last.at + 1;
	out->nevents = 0;
	out->lock = v->lock;
	out->doors_open = v->doors_open;
	out->precond = v->precond == CV_PRE_ENABLED && t >= v->precond_until ? CV_PRE_FINISHED : v->precond;
	if (has_battery(v)) {
		out->elec_level = (uint16_t)lround(clamp(1000.0 * v->batt / v->batt_cap, 0, 1000));
		charging_fields(v, out);
	}
}

/* ---- JSON --------------------------------------------------------------- */

/* the names come from core/vdata.h (the vocabulary the server parses) */

static void event_json(struct cv_jw *w, const struct cv_event *e)
{
	cv_jw_obj(w);
	switch (e->kind) {
	case CV_EV_ALERT:
		cv_jw_kstr(w, "type", "alert");
		cv_jw_kstr(w, "alert", cv_alert_names[e->code]);
		cv_jw_kstr(w, "severity", cv_severity_names[e->severity % 3]);
		cv_jw_kbool(w, "active", e->active);
		break;
	case CV_EV_COLLISION:
		cv_jw_kstr(w, "type", "collision");
		cv_jw_key(w, "details");
		cv_jw_arr(w);
		for (int i = 0; i < e->ndetails && i < CV_MAX_COLLISION_DETAILS; i++) {
			cv_jw_obj(w);
			cv_jw_kstr(w, "side", cv_side_names[e->side[i] % 3]);
			if (e->csev[i] && e->csev[i] < 4)
				cv_jw_kstr(w, "severity", cv_csev_names[e->csev[i]]);
			cv_jw_end(w);
		}
		cv_jw_end(w);
		break;
	case CV_EV_THEFT:
		cv_jw_kstr(w, "type", "theft");
		cv_jw_kbool(w, "active", e->active);
		break;
	case CV_EV_ALARM:
		cv_jw_kstr(w, "type", "alarm");
		if (e->active && e->active < 3)
			cv_jw_kstr(w, "activation", cv_activation_names[e->active]);
		if (e->code && e->code <= cv_alarm_trigger_count)
			cv_jw_kstr(w, "trigger", cv_alarm_trigger_names[e->code - 1]);
		break;
	default:
		break;
	}
	cv_jw_end(w);
}

void sim_sample_json(struct cv_jw *w, const struct cv_sample *s)
{
	cv_jw_obj(w);
	cv_jw_ktime(w, "at", s->at);
	if (CV_HAS(s, CV_G_POS)) {
		cv_jw_key(w, "position");
		cv_jw_obj(w);
		cv_jw_kfixed(w, "lat", s->lat_e7, 7);
		cv_jw_kfixed(w, "lon", s->lon_e7, 7);
		cv_jw_kint(w, "alt", s->alt_m);
		cv_jw_kint(w, "heading", s->heading);
		cv_jw_kstr(w, "fix", cv_fix_names[s->fix % 3]);
		cv_jw_kint(w, "signal", s->signal);
		cv_jw_kstr(w, "type", cv_postype_names[s->pos_type % 2]);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_KIN))
		cv_jw_kfixed(w, "speed", s->speed_dkmh, 1);
	if (CV_HAS(s, CV_G_ODO))
		cv_jw_kfixed(w, "odometer", s->odo_hm, 1);
	if (CV_HAS(s, CV_G_IGN))
		cv_jw_kstr(w, "ignition", cv_ign_names[s->ignition % 3]);
	if (CV_HAS(s, CV_G_FUEL)) {
		cv_jw_key(w, "fuel");
		cv_jw_obj(w);
		cv_jw_kfixed(w, "level", s->fuel_level, 1);
		cv_jw_kint(w, "autonomy", s->fuel_autonomy);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_ELEC)) {
		cv_jw_key(w, "electric");
		cv_jw_obj(w);
		cv_jw_kfixed(w, "level", s->elec_level, 1);
		cv_jw_kint(w, "autonomy", s->elec_autonomy);
		if (CV_HAS(s, CV_G_CHARGE)) {
			cv_jw_key(w, "charging");
			cv_jw_obj(w);
			cv_jw_kstr(w, "status", cv_chg_names[s->chg_status % 5]);
			cv_jw_kstr(w, "mode", cv_chgmode_names[s->chg_mode % 3]);
			cv_jw_kbool(w, "plugged", s->plugged);
			if (s->chg_status == CV_CHG_INPROGRESS) {
				cv_jw_kint(w, "rate", s->chg_rate);
				cv_jw_kint(w, "remainingTime", s->chg_remaining);
			}
			if (s->has_chg_power)
				cv_jw_kfixed(w, "power", s->chg_power_dkw, 1);
			cv_jw_end(w);
		}
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_DOORS)) {
		cv_jw_key(w, "doors");
		cv_jw_obj(w);
		cv_jw_kstr(w, "locked", cv_lock_names[s->lock % 3]);
		cv_jw_key(w, "open");
		cv_jw_arr(w);
		for (int d = 0; d < CV_DOOR_COUNT; d++)
			if (s->doors_open & (1u << d))
				cv_jw_str(w, cv_door_names[d]);
		cv_jw_end(w);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_PRECOND))
		cv_jw_kstr(w, "preconditioning", cv_precond_names[s->precond % 4]);
	if (CV_HAS(s, CV_G_AIR))
		cv_jw_kfixed(w, "outsideTemp", s->air_temp_dc, 1);
	if (CV_HAS(s, CV_G_BATT12))
		cv_jw_kfixed(w, "battery12v", s->batt_mv, 3);
	if (CV_HAS(s, CV_G_MAINT)) {
		cv_jw_key(w, "maintenance");
		cv_jw_obj(w);
		cv_jw_kint(w, "days", s->maint_days);
		cv_jw_kfixed(w, "km", s->maint_dkm, 1);
		cv_jw_end(w);
	}
	if (CV_HAS(s, CV_G_PRIVACY))
		cv_jw_kstr(w, "privacy", cv_privacy_names[s->privacy % 3]);
	if (s->nevents) {
		cv_jw_key(w, "events");
		cv_jw_arr(w);
		for (int i = 0; i < s->nevents && i < CV_MAX_EVENTS; i++)
			event_json(w, &s->events[i]);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

enum cv_err sim_batch_json(struct cv_buf *b, const char *msgid, const struct cv_sample *s, size_t n)
{
	struct cv_jw w;

	cv_jw_init(&w, b);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "messageId", msgid);
	cv_jw_key(&w, "samples");
	cv_jw_arr(&w);
	for (size_t i = 0; i < n; i++)
		sim_sample_json(&w, &s[i]);
	cv_jw_end(&w);
	cv_jw_end(&w);
	return w.err;
}

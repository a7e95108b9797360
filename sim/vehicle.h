/*
 * vehicle.h - one simulated vehicle: its habits and day plans, its driving
 * on the generated roads, its energy, and the samples it sends (as the
 * vehicle link's struct cv_sample, rendered to JSON here too).
 *
 * Behaviour, in short: a vehicle lives at home (in Paris or one of the
 * towns) and plans each day (Paris local time, UTC+1): commutes to work on
 * weekdays if it is a commuter's car, errands to a shop near home or a mall,
 * trips to another town at weekends, now and then an evening outing. While
 * driving it sends a sample every 10 s (ignition Start), while parked every
 * 30 min (ignition Stop), plus one at ignition on and one at ignition off;
 * while charging every 10 min (AC) or every minute (DC), and one when the
 * charge ends.
 *
 * Its driver has a style (enum sim_style, drawn from the seed and the VIN
 * or given): how hard it accelerates and brakes, how close to the limit
 * (a sporty one a little over) it cruises, and what that costs in energy.
 *
 * Petrol and diesel burn fuel; electric cars draw their battery and charge
 * when parked: slowly (AC) at home on a 7.4 kW wallbox, at work when it has
 * chargers, at a mall now and then on 11 kW; quickly (DC, 50 kW at a mall
 * or a shop when low, 100-150 kW on a trip to another town). Plug-in
 * hybrids run on electricity first, then fuel, and charge slowly at home
 * (and at work). A charge runs at the charger's power, capped by what the
 * car takes (its onboard charger on AC, its battery on DC) until 80%, then
 * tapers as the battery takes less (sim_charge_power); its power goes in
 * every charging sample (electric.charging.power, what flows into the
 * battery), and levels, ranges and energy agree with the capacity.
 * Alerts are raised and cleared hours later, collisions are rare.
 *
 * Everything follows from (seed, VIN, spec, start): the same gives the same
 * samples, whatever else runs. The vehicle's stream does not depend on
 * how far ahead its caller asks (sim_vehicle_next's `until`).
 *
 * Ownership: sim_vehicle_init() keeps a pointer to the road network, which
 * must outlive the vehicle; sim_vehicle_release() frees what the vehicle
 * holds. A vehicle is used by one thread at a time. No I/O.
 */
#ifndef SIM_VEHICLE_H
#define SIM_VEHICLE_H

#include "road.h"
#include "vdata.h"
#include "remote.h"

#include <json-c/json.h>

#define SIM_VIN_LEN 17
#define SIM_MAX_LEGS 12
#define SIM_DRIVE_PERIOD_MS 10000
#define SIM_PARK_PERIOD_MS (30 * 60 * 1000)

enum sim_place { SIM_HOME, SIM_WORK, SIM_SHOP, SIM_MALL, SIM_TOWN, SIM_PLACE_COUNT };

/* How the driver drives: calm (gentle, under the limit), normal, sporty (hard, a little over it). */
enum sim_style { SIM_CALM, SIM_NORMAL, SIM_SPORTY, SIM_STYLE_COUNT };
extern const char *const sim_style_names[SIM_STYLE_COUNT];

/* What a vehicles-file line may say of a vehicle beyond its energy (cvsim.c); zeroed: the defaults. */
struct sim_spec {
	uint32_t battery_wh;  /* usable battery, Wh; 0: the energy's (sim_default_capacity) */
	uint32_t tank_cl;     /* tank, cl; 0: the energy's */
	bool has_style;       /* style given, else drawn from the seed and the VIN */
	enum sim_style style;
};

/*
 * What cvsim gives an energy when its vehicles file says nothing: a 45 L
 * petrol tank, a 50 L diesel one, a 50 kWh electric battery, a 12 kWh
 * plug-in hybrid battery with a 40 L tank (cvctl demo gives its cars the
 * same). 0 where the energy has none.
 */
void sim_default_capacity(enum cv_energy e, uint32_t *battery_wh, uint32_t *tank_cl);

struct sim_leg {
	int64_t depart;       /* planned departure; actual is later if the vehicle is late */
	uint32_t dest;        /* node */
	uint8_t place;        /* enum sim_place */
};

struct sim_vehicle {
	char vin[SIM_VIN_LEN + 1];
	enum cv_energy energy;
	const struct sim_road *road;
	uint64_t seed;
	struct sim_rng rng;

	/* habits */
	uint32_t place_node[SIM_PLACE_COUNT];
	bool commuter;
	enum sim_style style;
	double pace;          /* share of the limit the driver aims at (a sporty one: up to 1.08) */
	double accel;         /* m/s^2 from rest */
	double brake;         /* m/s^2, how hard it slows for what lies ahead */
	double thirst;        /* energy used against the average driver's (its style) */

	/* energy: fuel in litres, battery in kWh, consumption per 100 km */
	double tank, fuel, fuel_per100;
	double batt_cap, batt, kwh_per100;
	double ac_kw;         /* its onboard charger: the most it takes on AC */
	double batt_kw;       /* the most its battery takes (on DC, for an electric car; below 80%) */
	double home_kw;       /* the home wallbox */
	double home_target;   /* share of the battery it charges to at home */
	double plug_below;    /* an electric car is plugged in at home under this share (else now and then) */
	bool off_peak;        /* ... for the night, at 22:00-23:00, when it comes home in the day */
	bool work_chargers;   /* its workplace has AC chargers */
	uint8_t chg_status, chg_mode;   /* enum cv_chg, enum cv_chgmode */
	bool plugged;
	/* while charging: the power into the battery that the charger and the
	 * car allow (before the battery's taper), the energy aimed at (kWh),
	 * and when it is reached */
	double chg_kw, chg_target;
	int64_t chg_end_at;

	double odo;           /* km */
	int64_t service_due;  /* ms */
	double service_due_km;

	int64_t t;            /* the vehicle's clock (ms); state is as of t */
	bool have_next;       /* next holds the next sample, at next.at >= t */
	struct cv_sample next;

	/* parked */
	bool driving;
	uint32_t node;        /* where it is parked */
	uint8_t place;
	int64_t parked_since;
	int64_t next_tick;    /* next periodic parked sample */
	int64_t extra_at;     /* an unscheduled parked sample (trunk, refuelling); 0 none */
	uint8_t extra_kind;

	/* the day's plan */
	struct sim_leg legs[SIM_MAX_LEGS];
	int nlegs, leg;
	int64_t plan_day;     /* local day number of the plan */

	/* driving */
	struct sim_route route;
	double *node_vmax;    /* m/s allowed when passing route node i; 0 = stop there */
	uint16_t *node_dwell; /* seconds waiting at a stop */
	size_t node_cap;
	size_t seg;           /* current edge: route.edges[seg] */
	double seg_pos;       /* metres along it */
	double speed;         /* m/s */
	int64_t dwell_until;
	int64_t next_drive_sample;
	double limit;         /* km/h, the limit of the road the vehicle is on (0 parked) */
	double traffic[SIM_CLASS_COUNT];  /* share of the limit traffic allows on this trip */
	double x, y, heading;

	uint8_t lock;         /* enum cv_lock */
	uint8_t doors_open;   /* bits of enum cv_door */

	/* what remote commands change */
	uint8_t precond;      /* enum cv_precond */
	int64_t precond_until;/* Enabled until then (ms), then Finished */
	bool immobilized;
	bool stay;            /* never leaves where it is parked (cvsim --parked) */
	struct cv_sample last;/* the last sample given out (sim_vehicle_next) */

	/* alerts and incidents */
	int64_t events_day;
	int64_t alert_raise_at, alert_clear_at;   /* 0 none */
	uint16_t alert_code;
	bool alert_active, fuel_low_active, ice_active;
	int64_t collision_at; /* the first driving sample from then carries a collision; 0 none */
	/* a theft: reported stolen at the first driving sample from theft_at
	 * (the thief drives the day's next leg), found theft_found_after ms
	 * after the car stops */
	int64_t theft_at, theft_found_at;
	bool theft_active;
};

/*
 * Set v up, parked at home at `start` (ms); its first sample is at start.
 * vin is 17 characters; spec (NULL: every default) its capacities and
 * driver's style.
 */
void sim_vehicle_init(struct sim_vehicle *v, const struct sim_road *road, uint64_t seed,
		      const char *vin, enum cv_energy energy, const struct sim_spec *spec, int64_t start);
void sim_vehicle_release(struct sim_vehicle *v);

/* When the next sample will be collected. */
int64_t sim_vehicle_peek(struct sim_vehicle *v);
/* The next sample into *out if it is collected at or before until; false otherwise. */
bool sim_vehicle_next(struct sim_vehicle *v, int64_t until, struct cv_sample *out);

/*
 * The power (kW) flowing into v's battery during its charge when it holds
 * `batt` kWh: the session's power until 80%, then what the battery takes,
 * falling in a straight line to 5% of its most at 100% (never under it).
 */
double sim_charge_power(const struct sim_vehicle *v, double batt);

/* One sample as a JSON object (a value), in the vehicle link's format. */
void sim_sample_json(struct cv_jw *w, const struct cv_sample *s);

/*
 * Carry out a remote command of type `type` with its action (the Remote
 * body's member, doc/vehicle-link.md) at time t: the state it changes
 * (locks, preconditioning, charging, immobilization) from then on, and
 * the outcome in *outcome (CV_RS_SUCCESS, CV_RS_ALREADY or CV_RS_FAILED)
 * and *cause (enum cv_remote_cause when it failed). draw, in [0, 1), stands for
 * the driver's mood (navigation asks for approval). Does not touch the
 * vehicle's random stream: its samples stay what they would have been.
 */
void sim_vehicle_command(struct sim_vehicle *v, int64_t t, enum cv_remote_type type, json_object *action,
			 double draw, uint8_t *outcome, uint8_t *cause);
/* How long the vehicle takes to carry out a command of that type (ms), driver's approval included. */
int64_t sim_command_delay(enum cv_remote_type type, json_object *action);
/*
 * The vehicle's state at time t (>= the last sample's time) as a sample:
 * the last sample given out with what commands changed since, no events.
 */
void sim_vehicle_snapshot(const struct sim_vehicle *v, int64_t t, struct cv_sample *out);
/*
 * A whole upload, {"messageId": msgid, "samples": [...]}, appended to b.
 * CV_ETOOBIG if b's ceiling was reached.
 */
enum cv_err sim_batch_json(struct cv_buf *b, const char *msgid, const struct cv_sample *s, size_t n);

#endif

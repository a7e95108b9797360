/*
 * vdata.h - vehicle data: what a vehicle uploads (a sample), what the
 * server keeps as its latest state, and how both are rendered in the
 * API's JSON.
 *
 * A sample is one timestamped reading with any subset of the groups below
 * (bit `1u << group` set in `has`), plus up to CV_MAX_EVENTS events. Values
 * are kept as fixed-point integers in the units named by each field; the
 * bounds are checked by cv_sample_parse() and listed in doc/vehicle-link.md.
 *
 * The state is the newest value of each group, each with the time it was
 * collected: merging an older sample never overwrites newer data.
 *
 * Rendering writes JSON through a cv_jw; the caller opens and closes the
 * enclosing object. No function here allocates anything the caller frees.
 */
#ifndef CV_VDATA_H
#define CV_VDATA_H

#include <json-c/json.h>
#include "jread.h"
#include "jw.h"

enum cv_group {
	CV_G_POS,       /* position */
	CV_G_KIN,       /* speed */
	CV_G_ODO,       /* odometer */
	CV_G_IGN,       /* ignition */
	CV_G_FUEL,      /* fuel level and autonomy */
	CV_G_ELEC,      /* traction battery level and autonomy */
	CV_G_CHARGE,    /* charging */
	CV_G_DOORS,     /* doors and locks */
	CV_G_PRECOND,   /* preconditioning (air conditioning) */
	CV_G_AIR,       /* outside temperature */
	CV_G_BATT12,    /* 12 V battery */
	CV_G_MAINT,     /* maintenance countdown */
	CV_G_PRIVACY,   /* privacy mode */
	CV_G_COUNT
};

#define CV_HAS(s, g) (((s)->has >> (g)) & 1u)

enum cv_fix { CV_FIX_NONE, CV_FIX_2D, CV_FIX_3D };
enum cv_postype { CV_POS_ACQUIRE, CV_POS_ESTIMATED };
enum cv_ign { CV_IGN_STOP, CV_IGN_STARTUP, CV_IGN_START };
enum cv_chg { CV_CHG_DISCONNECTED, CV_CHG_INPROGRESS, CV_CHG_FAILURE, CV_CHG_STOPPED, CV_CHG_FINISHED };
enum cv_chgmode { CV_CHGMODE_NO, CV_CHGMODE_SLOW, CV_CHGMODE_QUICK };
enum cv_lock { CV_LOCK_UNLOCKED, CV_LOCK_LOCKED, CV_LOCK_SUPERLOCKED };
enum cv_precond { CV_PRE_DISABLED, CV_PRE_ENABLED, CV_PRE_FINISHED, CV_PRE_FAILURE };
enum cv_privacy { CV_PRIV_NONE, CV_PRIV_GEOLOCATION, CV_PRIV_FULL };
/* doors_open bits */
enum cv_door { CV_DOOR_DRIVER, CV_DOOR_PASSENGER, CV_DOOR_REARLEFT, CV_DOOR_REARRIGHT, CV_DOOR_TRUNK, CV_DOOR_COUNT };

/*
 * The API's names for the enums above, indexed by their values (what the
 * vehicle link accepts and the API sends). csev and activation have a
 * placeholder at 0 ("unknown", "none") that is never sent.
 */
extern const char *const cv_fix_names[3];
extern const char *const cv_postype_names[2];
extern const char *const cv_ign_names[3];
extern const char *const cv_chg_names[5];
extern const char *const cv_chgmode_names[3];
extern const char *const cv_lock_names[3];
extern const char *const cv_precond_names[4];
extern const char *const cv_privacy_names[3];
extern const char *const cv_door_names[CV_DOOR_COUNT];
extern const char *const cv_severity_names[3];
extern const char *const cv_side_names[3];
extern const char *const cv_csev_names[4];
extern const char *const cv_activation_names[3];

enum cv_event_kind { CV_EV_NONE, CV_EV_ALERT, CV_EV_COLLISION, CV_EV_ALARM, CV_EV_THEFT };
#define CV_MAX_EVENTS 8
#define CV_MAX_COLLISION_DETAILS 3

struct cv_event {
	uint8_t kind;        /* enum cv_event_kind */
	uint8_t severity;    /* alert: 0 Information, 1 Warning, 2 Critical */
	uint8_t active;      /* alert: raised (1) or cleared (0); alarm: activation 0 none, 1 Inactive, 2 Active;
	                      * theft: reported stolen (1) or found (0) */
	uint8_t ndetails;    /* collision: number of details */
	uint16_t code;       /* alert: index in cv_alert_names; alarm: trigger index + 1, 0 none */
	uint8_t side[CV_MAX_COLLISION_DETAILS];     /* 0 Front, 1 Rear, 2 Lateral */
	uint8_t csev[CV_MAX_COLLISION_DETAILS];     /* 0 unknown, 1 Minimal, 2 Minor, 3 Major */
	/* where: set at ingest (not in the upload): the sample's position, or
	 * the last one known before it */
	uint8_t has_pos;
	int32_t lat_e7, lon_e7, alt_m;
};

struct cv_sample {
	int64_t at;            /* ms since the epoch, when the vehicle collected it */
	uint32_t has;          /* bit per enum cv_group */
	int32_t lat_e7;        /* degrees x 1e7, [-90, 90] */
	int32_t lon_e7;        /* degrees x 1e7, [-180, 180] */
	int32_t alt_m;         /* metres, [-500, 9000] */
	uint16_t heading;      /* degrees, [0, 360] */
	uint8_t fix;           /* enum cv_fix */
	uint8_t pos_type;      /* enum cv_postype */
	uint8_t signal;        /* signal quality, [0, 100] */
	uint16_t speed_dkmh;   /* km/h x 10, [0, 500] */
	uint32_t odo_hm;       /* km x 10, [0, 2000000] */
	uint8_t ignition;      /* enum cv_ign */
	uint16_t fuel_level;   /* % x 10, [0, 100] */
	uint16_t fuel_autonomy;/* km, [0, 3000] */
	uint16_t elec_level;   /* % x 10 */
	uint16_t elec_autonomy;/* km, [0, 3000] */
	uint8_t chg_status;    /* enum cv_chg */
	uint8_t chg_mode;      /* enum cv_chgmode */
	uint8_t plugged;       /* 0 or 1 */
	uint16_t chg_rate;     /* km of range per hour, [0, 500] */
	uint32_t chg_remaining;/* seconds, [0, 604800] */
	uint8_t has_chg_power; /* 1 when the sample reported chg_power_dkw (optional in the charging group) */
	uint16_t chg_power_dkw;/* charging power, kW x 10, [0, 4000]: what flows into the battery */
	uint8_t lock;          /* enum cv_lock */
	uint8_t doors_open;    /* bit per enum cv_door */
	uint8_t precond;       /* enum cv_precond */
	int16_t air_temp_dc;   /* degrees C x 10, [-60, 70] */
	uint16_t batt_mv;      /* 12 V battery, mV, [0, 30000] */
	int32_t maint_days;    /* days before the next service, [-3650, 3650] */
	int32_t maint_dkm;     /* km x 10 before the next service, [-100000, 100000] */
	uint8_t privacy;       /* enum cv_privacy */
	uint8_t nevents;
	struct cv_event events[CV_MAX_EVENTS];
};

/* The newest value of each group and when it was collected (0 = never). */
struct cv_state {
	struct cv_sample v;          /* v.has: groups seen at least once */
	int64_t at[CV_G_COUNT];
	int64_t updated;             /* when the server last changed it */
};

/* Bounds of an upload (documented in doc/vehicle-link.md). */
#define CV_MAX_SAMPLES 1000
#define CV_MSGID_MAX 64

/*
 * Read one sample, the value o at jr's path (the caller's: "samples[3]").
 * `now` bounds the future: a sample more than 5 minutes ahead of the
 * server's clock is refused. CV_OK, or CV_EINVAL with the failure in jr
 * ("samples[3].position.lat: must be a number from -90 to 90", jread.h).
 */
enum cv_err cv_sample_parse(struct cv_jread *jr, json_object *o, int64_t now, struct cv_sample *s);

/* Fold s into st: each group of s newer than st's replaces it. */
void cv_state_merge(struct cv_state *st, const struct cv_sample *s, int64_t now);

/* The energies a vehicle has, from its energy type. */
enum cv_energy { CV_ENERGY_PETROL, CV_ENERGY_DIESEL, CV_ENERGY_ELECTRIC, CV_ENERGY_PHEV, CV_ENERGY_COUNT };
extern const char *const cv_energy_names[CV_ENERGY_COUNT];
/* "Thermic", "Electric" or "Hybrid", for Vehicle.motorization. */
const char *cv_energy_motorization(enum cv_energy e);

/*
 * A vehicle's energy capacity (cvctl vehicle add --battery-kwh, --tank-l):
 * its traction battery's usable energy in Wh, its fuel tank in cl, 0 when
 * not known. A battery is for electric and phev energies, a tank for
 * petrol, diesel and phev (cv_capacity_applies).
 */
enum cv_capacity { CV_CAP_BATTERY, CV_CAP_TANK };
#define CV_BATTERY_WH_MAX 300000u    /* 300 kWh */
#define CV_TANK_CL_MAX 20000u        /* 200 L */
/*
 * Read text, a number of kWh (battery) or litres (tank) in (0, max] with
 * at most one decimal ("50", "11.5"; no sign, exponent or blank), into
 * *out in Wh or cl. CV_EINVAL otherwise (*out untouched).
 */
enum cv_err cv_capacity_parse(enum cv_capacity kind, const char *text, uint32_t *out);
/* true if a vehicle of energy e has that kind of store. */
bool cv_capacity_applies(enum cv_capacity kind, enum cv_energy e);
/* A capacity as text: "50", "11.5" (kWh or litres, one decimal at most; 0 gives "0"). */
#define CV_CAPACITY_STRLEN 16
void cv_capacity_fmt(enum cv_capacity kind, uint32_t v, char out[CV_CAPACITY_STRLEN]);

/*
 * Status members under the data:telemetry scope, written into the
 * current object (no braces): battery, doorsState, energies, environment,
 * ignition, kinetic, odometer, preconditioning, privacy.
 */
void cv_render_status_members(struct cv_jw *w, const struct cv_state *st);
/* true if the state holds a position. */
bool cv_state_has_position(const struct cv_state *st);
/* A GeoJSON Feature (Position schema) for the latest position; a value. */
void cv_render_position(struct cv_jw *w, const struct cv_state *st);
/* A GeoJSON Feature (Position schema) for a point seen at `at`; a value. */
void cv_render_point(struct cv_jw *w, int32_t lat_e7, int32_t lon_e7, int32_t alt_m, int64_t at);
/* true if the state holds maintenance data. */
bool cv_state_has_maintenance(const struct cv_state *st);
/* Maintenance members: createdAt, daysBeforeMaintenance, mileageBeforeMaintenance. */
void cv_render_maintenance_members(struct cv_jw *w, const struct cv_state *st);

/* Telemetry type filter bits (TelemetryEnum). */
enum cv_tel_part {
	CV_TP_ENVIRONMENT, CV_TP_PRIVACY, CV_TP_BATTERY, CV_TP_DOORS, CV_TP_ENERGIES,
	CV_TP_IGNITION, CV_TP_KINETIC, CV_TP_ODOMETER, CV_TP_COUNT
};
#define CV_TP_ALL ((1u << CV_TP_COUNT) - 1)
/* Map one TelemetryEnum name to a mask of parts; 0 if unknown. */
uint32_t cv_tel_part_mask(const char *name);
/* The telemetry parts (bits of enum cv_tel_part) of a sample with these groups. */
uint32_t cv_groups_parts(uint32_t has);
/* true if the sample has any of the parts in mask. */
bool cv_sample_has_parts(const struct cv_sample *s, uint32_t mask);
/* Telemetry item members (createdAt, vehicle, environment, privacy) of s limited to mask. */
void cv_render_telemetry_members(struct cv_jw *w, const struct cv_sample *s, uint32_t mask);

extern const char *const cv_alert_names[];
extern const size_t cv_alert_count;
extern const char *const cv_alarm_trigger_names[];
extern const size_t cv_alarm_trigger_count;

#endif

/*
 * charge.h - charging sessions, built sample by sample at ingest, their
 * figures and rendering; and the trips' energy efficiency.
 *
 * A charging session runs from the traction battery's charging status
 * InProgress to its end (Finished, Stopped, Failure, Disconnected, or
 * unplugged), at one place. The caller keeps one current session per
 * vehicle (in the store, beside the trips' builder) and folds each new
 * sample into it with cv_charge_feed(), in time order, inside the upload
 * transaction, as core/trip.h does for trips. Nothing here does I/O or
 * allocates: struct cv_charge is fixed-size plain integers, packed for the
 * store by cv_charge_encode(). The figures that need the vehicle's battery
 * capacity (energy added, average power, the mode guessed without a mode
 * reported) are computed when read, from the capacity the caller passes:
 * the record keeps only what the samples said, so a capacity set or
 * corrected later applies to every session already stored.
 *
 * Words used below: a sample is *charging* when it has the charging group
 * (CV_G_CHARGE) with status InProgress and plugged; it *ends* a session
 * when it has the charging group and is not charging; it is *moving* when
 * its speed is at least CV_CHARGE_MOVING_DKMH (a car does not drive while
 * it charges); it is *away* when it has a position with a fix farther
 * than CV_CHARGE_PLACE_M from the session's place (its first position with
 * a fix). Samples without the charging group (a position, a level read on
 * their own) neither start nor end a session.
 *
 * The rules (the constants are below):
 *
 * - Opening. With no current session, a charging sample that is not
 *   moving opens one; anything else is ignored.
 * - Only forward. A sample not newer than the newest one the builder has
 *   looked at for the current session (seen_at) is ignored.
 * - Extending. While the session charges, every newer sample is folded in
 *   (its level, position, power, mode), whatever groups it carries.
 * - Ending. A sample that ends the session is folded in (its level is the
 *   end level, its time stoppedAt) and the session is done
 *   (CV_CHARGE_ENDED). It stays the current session for
 *   CV_CHARGE_RESUME_MS, in case charging resumes.
 * - Interruptions. A charging sample at most CV_CHARGE_RESUME_MS after a
 *   session ended, with no moving or away sample in between (nor in
 *   itself), resumes it: done again false, interruptions + 1, the same
 *   startedAt (so the same record key), and the pause counts neither as
 *   time charging nor as a gap (CV_CHARGE_RESUMED). Samples in the pause
 *   that do not resume it are not folded (the end level and stoppedAt
 *   stay), only seen. A DC charger that fails and is restarted, a smart
 *   wallbox shedding load for a few minutes, a cable plugged again: one
 *   session. An ended session leaves the builder (CV_CHARGE_CLOSED,
 *   unchanged) at the first sample after the window, or moving, or away;
 *   when that sample is charging it opens the next session in the same
 *   step (CV_CHARGE_REOPENED).
 * - Closing without an end. A charging session is closed as Unfinished,
 *   stopped at its last sample (the sample that reveals it is not folded
 *   into it), by a sample more than CV_CHARGE_TIMEOUT_MS after its last
 *   one (the vehicle went silent), a moving sample, or an away sample (the
 *   car left: its end was not seen). A charging, not moving, sample that
 *   does so opens the next session (CV_CHARGE_REOPENED: an away one is
 *   charging elsewhere). cv_charge_expire() applies the timeout and the
 *   resume window from a clock instead of a sample.
 *
 * Faults (the Trip's TripStateEnum names; a session with none is
 * Nominal), each with the first cause seen (enum cv_trip_cause, from the
 * session's latest privacy mode as trips have it):
 *
 * - DataLacking: two samples folded while charging more than
 *   CV_CHARGE_GAP_MS apart (a pause is not a gap); or the opening sample
 *   lacks the battery level or the position; or the ending sample lacks
 *   the level.
 * - Unfinished: no end was seen: stored on sessions closed without one
 *   (cause Connection, or FullPrivacy), and cv_charge_faults() adds it
 *   (without a cause) while the session charges. An ended session, held
 *   in case it resumes, is not Unfinished.
 *
 * Figures:
 *
 * - startedAt: the opening sample; stoppedAt (done): the last sample
 *   folded (last_at: the ending one, or the last before the silence or
 *   the move). duration: stoppedAt (or, while charging, the last sample)
 *   - startedAt; chargingDuration: the same without the pauses (charge_ms:
 *   the sum of the intervals between samples folded while charging).
 * - position: the session's place, its first position with a fix (a
 *   position without a fix stands in until one comes).
 * - levels and ranges: the first and the latest battery level (% x 10)
 *   and autonomy (km) folded. While the session charges, the end ones are
 *   the latest so far.
 * - energy added, in Wh, into the battery (what the vehicle reports, so
 *   the charger's losses are not in it):
 *     - with power reported (chg_power_dkw, in any sample): the power
 *       integrated by trapezoids between successive samples reporting it,
 *       a span longer than CV_CHARGE_GAP_MS not integrated (nor a pause);
 *       plus, when the capacity is known, the level risen over the spans
 *       not integrated (the level rise of the session less the rise over
 *       the integrated spans, pw_cov; nothing when negative) x capacity.
 *       Without a capacity the spans not integrated are missing from it;
 *     - else from the levels: (end level - start level) x capacity, 0
 *       when the level did not rise, unknown without a capacity or a level.
 * - avgPower: energy / chargingDuration (unknown when either is).
 *   maxPower: the highest power reported (only when some was).
 * - chargingMode: Quick when a sample of the session reported Quick, else
 *   Slow when one reported Slow; without a mode reported (No, the
 *   default), Quick when the highest power reported is above
 *   CV_CHARGE_QUICK_DKW, else Slow; without power either, the same test on
 *   the average power from the levels and the capacity; else unknown.
 *   22 kW is the most alternating current delivers in Europe (three
 *   phases, 32 A, IEC 62196 type 2), which a car's on-board charger
 *   limits further; above it the energy came from a DC charger. (A few
 *   older cars took 43 kW AC: they show as Quick.)
 *
 * The curve of a session is its samples' (time, level, power), read back
 * from the stored telemetry as a trip's track is: the builder keeps no
 * point. cv_charge_curve_has() says which samples belong to it and
 * cv_charge_render_point_members() writes one point.
 *
 * The JSON of a session (an extension of cvapi's; names in the official
 * API's style; times RFC 3339 UTC; absent members were not known):
 *
 *   {
 *     "id": "...",                 the caller's id
 *     "vin": "VR3...",             with a vin (the fleet face)
 *     "createdAt": time,           startedAt (a vehicle time, as trips)
 *     "updatedAt": time,           the last sample folded
 *     "startedAt": time,
 *     "stoppedAt": time,           done only
 *     "position": Position,        the official GeoJSON Feature (a Point
 *                                  [lon, lat, alt], properties.createdAt:
 *                                  when it was read), as trips' positions;
 *                                  only when the caller asks (its scope)
 *     "duration": 5400,            s, integer
 *     "chargingDuration": 5100,    s, integer, pauses left out
 *     "startLevel": 20.5,          % of the battery, one decimal
 *     "endLevel": 80,
 *     "startAutonomy": 60,         km, integer
 *     "endAutonomy": 240,
 *     "energyAdded": 27.6,         kWh, up to three decimals
 *     "avgPower": 18.4,            kW, one decimal
 *     "maxPower": 46.5,            kW, one decimal
 *     "chargingMode": "Quick",     "Slow" or "Quick"
 *     "interruptions": 0,          resumptions after a pause (integer)
 *     "done": true,
 *     "faults": [{"fault": "DataLacking", "cause": "Connection"}]
 *                                  always, [] when Nominal; fault
 *                                  "DataLacking" or "Unfinished", cause
 *                                  "GeoPrivacy", "FullPrivacy" or
 *                                  "Connection" (absent on an open one's
 *                                  Unfinished), as trips have them
 *   }
 *
 * and of a curve point (one telemetry sample of the session):
 *
 *   {"createdAt": time, "level": 45.5, "autonomy": 150, "power": 7.4,
 *    "status": "InProgress"}
 *
 * level and autonomy with the battery group, status (cv_chg_names) with
 * the charging group, power (kW, one decimal) when that group reported it.
 */
#ifndef CV_CHARGE_H
#define CV_CHARGE_H

#include "trip.h"

/*
 * Samples folded while charging further apart than this: DataLacking, and
 * the power is not integrated over the span (45 min). A parked car reports
 * every 30 minutes or so (cvsim's SIM_PARK_PERIOD_MS; the console's stale
 * marks are made for such cars): one missed report makes a gap of an
 * hour, a late one does not.
 */
#define CV_CHARGE_GAP_MS (45 * 60 * 1000LL)
/*
 * Samples further apart than this: the session was over, Unfinished (12 h).
 * Longer than trips' 30 minutes because a charging car may sleep between
 * reports, and charges last: a 7.4 kW wallbox fills 60 kWh in about 8
 * hours, a 3.7 kW one 46 kWh in about 12, and a car that reports only the
 * start and the end of its overnight charge must get one session. A car
 * that left without its end reported is caught sooner, by its first
 * sample moving or away; beyond 12 hours the next sample is most likely
 * another day's.
 */
#define CV_CHARGE_TIMEOUT_MS (12 * 3600 * 1000LL)
/*
 * Charging again within this after a session ended, at the same place,
 * resumes it (10 min): time to plug a failed DC charger's cable again or
 * for a wallbox's load shedding, shorter than a tariff's off-peak wait,
 * which makes a session of its own.
 */
#define CV_CHARGE_RESUME_MS (10 * 60 * 1000LL)
/*
 * A sample with a fix farther than this from the session's place is away
 * (150 m): three times the wander of a standing car's fixes between
 * buildings (core/trip.h), within the chargers of one large site.
 */
#define CV_CHARGE_PLACE_M 150
/* A sample at this speed or more is moving (5 km/h, trip.h's CV_TRIP_MOVING_DKMH). */
#define CV_CHARGE_MOVING_DKMH CV_TRIP_MOVING_DKMH
/* A session whose power went above this (or averaged above it) is Quick (22 kW, kW x 10). */
#define CV_CHARGE_QUICK_DKW 220

/* Fault bits (struct cv_charge.faults, cv_charge_faults()). */
enum cv_charge_fault {
	CV_CHARGE_DATALACKING = 1,
	CV_CHARGE_UNFINISHED = 2,
};
#define CV_CHARGE_NFAULTS 2
#define CV_CHARGE_FAULTS_ALL 3u
/* "DataLacking", "Unfinished", indexed by bit number. */
extern const char *const cv_charge_fault_names[CV_CHARGE_NFAULTS];

/* struct cv_charge.flags */
enum cv_charge_flag {
	CV_CHARGE_F_POS = 1,         /* a position was seen: lat_e7, lon_e7, alt_m, pos_at hold */
	CV_CHARGE_F_FIX = 2,         /* ... and it has a fix (the place for "away") */
	CV_CHARGE_F_LEVEL = 4,       /* a battery level was seen: the levels and autonomies hold */
	CV_CHARGE_F_POWER = 8,       /* a power was reported: peak_dkw holds */
	CV_CHARGE_F_CHAIN = 16,      /* the last power reported while charging: pw_at, pw_dkw hold */
	CV_CHARGE_F_CHAIN_LEVEL = 32,/* ... and the level then: pw_level holds */
};
#define CV_CHARGE_F_ALL 63u

/* struct cv_charge.modes: 1u << enum cv_chgmode, for Slow and Quick. */
#define CV_CHARGE_MODES_ALL ((1u << CV_CHGMODE_SLOW) | (1u << CV_CHGMODE_QUICK))

struct cv_charge {
	int64_t start_at;          /* ms, the opening sample */
	int64_t last_at;           /* ms, the last sample folded; stoppedAt when done */
	int64_t seen_at;           /* ms, the newest sample looked at (> last_at in a pause) */
	int64_t pos_at;            /* ms, when the place was read (F_POS) */
	int64_t charge_ms;         /* ms charging: the intervals folded while charging */
	int64_t pw_at;             /* ms, the last power reported (F_CHAIN) */
	uint64_t pw_sum2;          /* the power integrated, doubled: sum of (p1 + p2) x dt, kW x 10 x ms */
	int32_t lat_e7, lon_e7;    /* the place (F_POS) */
	int32_t alt_m;
	int32_t pw_cov;            /* level risen over the integrated spans, % x 10 (may be < 0) */
	uint16_t start_level;      /* % x 10 (F_LEVEL) */
	uint16_t end_level;
	uint16_t start_autonomy;   /* km */
	uint16_t end_autonomy;
	uint16_t peak_dkw;         /* kW x 10, the highest power reported (F_POWER) */
	uint16_t pw_dkw;           /* kW x 10, the last power reported (F_CHAIN) */
	uint16_t pw_level;         /* % x 10, the level at pw_at (F_CHAIN_LEVEL) */
	uint32_t nsamples;         /* samples folded in */
	uint16_t interruptions;    /* resumptions (saturates) */
	uint8_t flags;             /* enum cv_charge_flag bits */
	uint8_t modes;             /* the modes reported (CV_CHARGE_MODES_ALL bits) */
	uint8_t done;              /* 1 once ended or closed (0 again if it resumes) */
	uint8_t faults;            /* enum cv_charge_fault bits, as stored */
	uint8_t cause[CV_CHARGE_NFAULTS]; /* enum cv_trip_cause of each fault, by bit number */
	uint8_t privacy;           /* enum cv_privacy, the latest privacy mode folded */
};

/* What cv_charge_feed() did: bits, tested with &. */
enum cv_charge_step {
	CV_CHARGE_IGNORED = 0,     /* no figure changed (a pause's sample may move seen_at) */
	CV_CHARGE_OPENED = 1,      /* *cur is a new session (*has_cur now true) */
	CV_CHARGE_EXTENDED = 2,    /* the sample was folded into *cur */
	CV_CHARGE_ENDED = 4,       /* ... and ended it: *cur is done, held in case it resumes */
	CV_CHARGE_RESUMED = 8,     /* *cur had ended and charges again (done 0, same start) */
	CV_CHARGE_CLOSED = 16,     /* *closed holds the session that left the builder, done */
	/* the session left and the sample opened the next one: *closed is
	 * the old session, *cur the new one */
	CV_CHARGE_REOPENED = CV_CHARGE_CLOSED | CV_CHARGE_OPENED,
};

/*
 * Fold sample s into the vehicle's current session (*cur, valid when
 * *has_cur; when *has_cur is false *cur is ignored and may be anything).
 * On CV_CHARGE_CLOSED (alone: *has_cur is then false) or
 * CV_CHARGE_REOPENED, the session that left is copied to *closed (its
 * final record: store it). On OPENED, EXTENDED, ENDED or RESUMED the
 * record of *cur changed (store it; one key per startedAt). Keep *cur and
 * *has_cur as the builder's state after every call, IGNORED included.
 * closed must not alias cur; *closed is untouched otherwise.
 */
enum cv_charge_step cv_charge_feed(struct cv_charge *cur, bool *has_cur, const struct cv_sample *s,
				   struct cv_charge *closed);

/*
 * Let the current session leave on a clock: a charging one whose last
 * sample is more than CV_CHARGE_TIMEOUT_MS before now is closed as
 * Unfinished, an ended one more than CV_CHARGE_RESUME_MS before now is
 * released. Returns true and copies it to *closed (and *has_cur becomes
 * false) if so. Only for a clock well past the vehicle's upload delay.
 */
bool cv_charge_expire(struct cv_charge *cur, bool *has_cur, int64_t now, struct cv_charge *closed);

/* The faults of c, with Unfinished added while it charges; 0 is Nominal. */
unsigned cv_charge_faults(const struct cv_charge *c);
/* The end of its span: stoppedAt when done, else its last sample (both last_at). */
int64_t cv_charge_end_at(const struct cv_charge *c);
/* Duration in ms, startedAt to the end of its span. */
int64_t cv_charge_duration_ms(const struct cv_charge *c);
/*
 * Energy added in Wh by the rules above, with the battery's capacity in
 * Wh (0: unknown); -1 when unknown.
 */
int64_t cv_charge_energy_wh(const struct cv_charge *c, uint32_t capacity_wh);
/* Average power in kW x 10 (energy / time charging), rounded; -1 when unknown. */
int64_t cv_charge_avg_power_dkw(const struct cv_charge *c, uint32_t capacity_wh);
/* CV_CHGMODE_SLOW or CV_CHGMODE_QUICK by the rules above; CV_CHGMODE_NO when unknown. */
enum cv_chgmode cv_charge_mode(const struct cv_charge *c, uint32_t capacity_wh);

/*
 * Whether telemetry sample s is a point of c's curve: taken in c's span
 * (startedAt to the end of its span, both included, pauses too) and
 * carrying the battery level or the charging group.
 */
bool cv_charge_curve_has(const struct cv_charge *c, const struct cv_sample *s);
/*
 * The members of one curve point (createdAt, level, autonomy, power,
 * status, as above) written into the current object: the caller opens
 * and closes it.
 */
void cv_charge_render_point_members(struct cv_jw *w, const struct cv_sample *s);

/*
 * Packed little-endian record with a version byte (CV_CHARGE_RECLEN
 * bytes, version 1). Decoding checks the length, the version, every
 * field's range and the relations between fields (fields of data not seen
 * must be 0), and returns CV_EINVAL on anything else (*c is then
 * unspecified). Encoding returns CV_ETOOBIG (nothing appended) when out
 * cannot grow.
 */
#define CV_CHARGE_RECLEN 100
enum cv_err cv_charge_encode(const struct cv_charge *c, struct cv_buf *out);
enum cv_err cv_charge_decode(const void *p, size_t len, struct cv_charge *c);

/*
 * The data members of one charge object (the JSON above), written into
 * the current object: the caller opens and closes it and writes `_links`
 * itself. id is required; vin may be NULL. positions: write position (the
 * caller's data:position scope). capacity_wh: the vehicle's battery
 * capacity in Wh, 0 when unknown.
 */
void cv_charge_render_members(struct cv_jw *w, const struct cv_charge *c, const char *id, const char *vin,
			      bool positions, uint32_t capacity_wh);

/*
 * Efficiency: the official Trip's energyConsumptions[].avgConsumption,
 * "per 100 km ... for electric in terms of Wh/100km or for fuel in terms
 * of cl/100km" (EnergyConsumption, b2c 4.17.2 and b2b 3.19.2).
 *
 * cv_avg_consumption(): used_dpts is the energy used in percentage points
 * x 10 of the battery or the tank (a trip's start level - end level, 0
 * when it rose, as its energyConsumptions[].consumption), capacity the
 * battery's in Wh or the tank's in cL (the schema's units), distance_m
 * the trip's distance. The result is in Wh or cL per 100 km, x 10,
 * rounded: used_dpts / 1000 x capacity / distance_m x 100,000. It is -1
 * (unknown: leave avgConsumption out) when the capacity is 0, the
 * distance below CV_CONSUMPTION_MIN_M (or unknown, -1), or used_dpts above
 * 1000 (not a difference of two levels). The distance bound: a level read to
 * 0.1 point of a 46 kWh battery is 46 Wh, which over a few hundred metres
 * would say 10,000 Wh/100 km, or 0.
 */
#define CV_CONSUMPTION_MIN_M 1000
int64_t cv_avg_consumption(uint32_t used_dpts, int64_t distance_m, uint32_t capacity);
/*
 * The same for energy e of trip t (cv_trip_distance_m(), the levels of
 * its energyConsumptions, open trips included): -1 as above, or when the
 * trip has no level of that energy. capacity: the battery's in Wh for
 * CV_TRIP_ELEC, the tank's in cL for CV_TRIP_FUEL.
 */
int64_t cv_trip_avg_consumption(const struct cv_trip *t, enum cv_trip_energy e, uint32_t capacity);

#endif

/*
 * trip.h - trips, built sample by sample at ingest, and their rendering.
 *
 * A trip runs from ignition on (StartUp or Start) to ignition off (Stop).
 * The caller keeps one open trip per vehicle (in the store, next to its
 * status) and folds each new sample into it with cv_trip_feed(), in time
 * order, inside the upload transaction; a trip that closes is copied out
 * for the caller to store as history. Nothing here does I/O or allocates:
 * struct cv_trip is fixed-size plain integers, packed for the store by
 * cv_trip_encode().
 *
 * The rules (the constants are below):
 *
 * - Opening. With no open trip, a sample with ignition on opens one;
 *   anything else (ignition off, no ignition group) is ignored.
 * - Extending. With a trip open, every sample newer than its last one is
 *   folded in, whatever groups it carries: a sample without the ignition
 *   group (a door event, a periodic reading) extends the trip like an
 *   ignition-on one. A sample not newer than the trip's last one (late,
 *   or a repeat of the same time) is ignored: the builder only moves
 *   forward.
 * - Closing. A sample with ignition Stop is folded in and closes the
 *   trip (done, stoppedAt = that sample's time). Two things close a trip
 *   without a Stop, as Unfinished, stopped at its last sample (the sample
 *   that reveals it is not folded into the old trip):
 *     - a sample more than CV_TRIP_TIMEOUT_MS after the trip's last one
 *       (the vehicle went silent: the trip is over, whatever comes next);
 *     - an ignition StartUp after the trip has seen Start: the engine was
 *       started again, so a Stop was missed.
 *   When that sample is itself ignition on, it opens the next trip in the
 *   same step (CV_TRIP_REOPENED). cv_trip_expire() applies the timeout
 *   from a clock instead of a sample.
 *
 * Faults (TripStateEnum; a trip with none is Nominal), each with the first
 * cause seen (the schema's GeoPrivacy, FullPrivacy, Connection):
 *
 * - Unstarted: the first sample is not an ignition-on transition, i.e.
 *   its ignition is Start (not StartUp) while the vehicle already moves
 *   (speed at least CV_TRIP_MOVING_DKMH): the trip was seen mid-way.
 *   Start at a standstill, or without a speed, counts as the start (the
 *   vehicle link makes every group optional, and vehicles report Start
 *   when they set off).
 * - DataLacking: two samples of the trip more than CV_TRIP_GAP_MS apart
 *   (and at most CV_TRIP_TIMEOUT_MS, which would close it); or the first
 *   or the closing (Stop) sample lacks the position; or, in a trip with
 *   an odometer (any of its samples has one), the first or the Stop
 *   sample lacks it. A trip none of whose samples has an odometer (a
 *   phone, a tracker without the vehicle's bus) measures its distance on
 *   its track instead, and positions at both ends make it complete. The
 *   first sample's missing odometer is therefore decided when the trip's
 *   first odometer shows (odo_cause keeps the cause it had at the start,
 *   and it comes first, before a gap's). Samples in between may carry
 *   any subset of groups. The cause is FullPrivacy when the trip's latest
 *   privacy mode is Full, GeoPrivacy for a missing position under
 *   Geolocation privacy, else Connection.
 * - Unfinished: no Stop was seen. It is stored on trips closed by the
 *   timeout or a restart (cause Connection, or FullPrivacy as above), and
 *   cv_trip_faults() adds it (without a cause) to a trip still open.
 *
 * Figures:
 *
 * - distance: the odometer difference when the first sample had an
 *   odometer; else the track's length (at least two valid positions);
 *   else the odometer difference since the odometer was first seen; else
 *   unknown. An odometer going backwards counts as missing.
 * - the track's length (gps_mm): the sum of great-circle distances
 *   between successive valid positions (a position with fix none is left
 *   out), counting a step only once it reaches CV_TRIP_TRACK_STEP_M from
 *   the last position counted (track_*): a standing device's fixes wander
 *   by their accuracy, which the sample does not keep, and would add up
 *   at every stop. Measuring from the last position counted, not the
 *   last position, keeps a slow crawl (it adds up until it passes the
 *   threshold); what is lost is under CV_TRIP_TRACK_STEP_M at the end of
 *   a trip, and a little on bends. It runs below an odometer's figure:
 *   chords between fixes, not the road (doc/devices.md).
 * - duration: stoppedAt - startedAt (an open trip: its last sample).
 * - startMileage: the first odometer of the trip. Start energies: the
 *   first level and autonomy of each energy (fuel, traction battery) seen
 *   in the trip; end energies: the last ones.
 * - energyConsumptions: start level - end level of each energy, in
 *   percentage points of the tank or battery (0 when it rose: refuelled or
 *   charged). The schema's unit is L or kWh, which needs a capacity the
 *   store does not know.
 * - kinetic: avgSpeed is the mean of the speed readings of the trip's
 *   samples (start and stop ones included), maxSpeed the highest.
 * - createdAt is startedAt and updatedAt the last sample's time: both are
 *   vehicle times, so that the builder needs no clock.
 */
#ifndef CV_TRIP_H
#define CV_TRIP_H

#include "buf.h"
#include "jw.h"
#include "vdata.h"

/* Samples of one trip further apart than this: DataLacking (10 min). */
#define CV_TRIP_GAP_MS (10 * 60 * 1000LL)
/* Samples of one trip further apart than this: it ended Unfinished (30 min). */
#define CV_TRIP_TIMEOUT_MS (30 * 60 * 1000LL)
/* A first sample with Start at this speed or more: Unstarted (5 km/h). */
#define CV_TRIP_MOVING_DKMH 50
/* A track's step counts from this far from the last position counted (30 m:
 * a standing phone's fixes wander by 5 to 20 m in the open, more between
 * buildings). */
#define CV_TRIP_TRACK_STEP_M 30

/* Fault bits (struct cv_trip.faults, cv_trip_faults()). */
enum cv_trip_fault {
	CV_TRIP_UNSTARTED = 1,
	CV_TRIP_DATALACKING = 2,
	CV_TRIP_UNFINISHED = 4,
};
#define CV_TRIP_NFAULTS 3
#define CV_TRIP_FAULTS_ALL 7u
/* "Unstarted", "DataLacking", "Unfinished", indexed by bit number. */
extern const char *const cv_trip_fault_names[CV_TRIP_NFAULTS];

/* Causes of a fault; CV_TRIP_CAUSE_NONE is never sent. */
enum cv_trip_cause {
	CV_TRIP_CAUSE_NONE,
	CV_TRIP_CAUSE_GEOPRIVACY,
	CV_TRIP_CAUSE_FULLPRIVACY,
	CV_TRIP_CAUSE_CONNECTION,
	CV_TRIP_CAUSE_COUNT
};
/* "", "GeoPrivacy", "FullPrivacy", "Connection". */
extern const char *const cv_trip_cause_names[CV_TRIP_CAUSE_COUNT];

/* The energies a trip follows (index of struct cv_trip.energy). */
enum cv_trip_energy { CV_TRIP_FUEL, CV_TRIP_ELEC, CV_TRIP_NENERGY };

/* struct cv_trip.flags */
enum cv_trip_flag {
	CV_TRIP_F_POS = 1,        /* a position was seen: start_pos and end_pos hold */
	CV_TRIP_F_GPS = 2,        /* two valid positions at least: gps_mm is a distance */
	CV_TRIP_F_ODO = 4,        /* an odometer was seen: odo_start_hm and odo_end_hm hold */
	CV_TRIP_F_ODO_FIRST = 8,  /* ... and the trip's first sample had it */
	CV_TRIP_F_FUEL = 16,      /* energy[CV_TRIP_FUEL] holds */
	CV_TRIP_F_ELEC = 32,      /* energy[CV_TRIP_ELEC] holds */
	CV_TRIP_F_TRACK = 64,     /* a valid position was seen: track_lat_e7, track_lon_e7 hold */
};
#define CV_TRIP_F_ALL 127u

struct cv_trip_energy_levels {
	uint16_t start_level;      /* % x 10 */
	uint16_t end_level;
	uint16_t start_autonomy;   /* km */
	uint16_t end_autonomy;
};

struct cv_trip {
	int64_t start_at;          /* ms, the first sample */
	int64_t last_at;           /* ms, the last sample folded in */
	int64_t stop_at;           /* ms, when it stopped (done only) */
	int64_t start_pos_at;      /* ms, when start_pos was read (F_POS) */
	int64_t end_pos_at;        /* ms, when end_pos was read (F_POS) */
	int32_t start_lat_e7, start_lon_e7;   /* the first position of the trip */
	int32_t end_lat_e7, end_lon_e7;       /* the last one */
	uint32_t odo_start_hm;     /* km x 10, the first odometer (F_ODO) */
	uint32_t odo_end_hm;       /* km x 10, the last one */
	int32_t track_lat_e7, track_lon_e7;   /* the last position counted in gps_mm (F_TRACK) */
	uint64_t gps_mm;           /* mm, the track's length (above) */
	uint64_t speed_sum_dkmh;   /* sum of the speed readings, km/h x 10 */
	uint32_t speed_count;      /* number of speed readings */
	uint16_t speed_max_dkmh;   /* km/h x 10 */
	struct cv_trip_energy_levels energy[CV_TRIP_NENERGY];
	uint32_t nsamples;         /* samples folded in */
	uint8_t flags;             /* enum cv_trip_flag bits */
	uint8_t done;              /* 1 once closed; it never changes again */
	uint8_t faults;            /* enum cv_trip_fault bits, as stored */
	uint8_t cause[CV_TRIP_NFAULTS]; /* enum cv_trip_cause of each fault, by bit number */
	uint8_t last_ign;          /* enum cv_ign, the latest ignition of the trip */
	uint8_t privacy;           /* enum cv_privacy, the latest privacy mode of the trip */
	/* enum cv_trip_cause: the first sample had a position and no odometer,
	 * and none has shown since: the DataLacking it gets if one does
	 * (CV_TRIP_CAUSE_NONE otherwise, and once the trip is done) */
	uint8_t odo_cause;
};

/* What cv_trip_feed() did: bits, tested with &. */
enum cv_trip_step {
	CV_TRIP_IGNORED = 0,       /* nothing changed */
	CV_TRIP_OPENED = 1,        /* *open is a new trip (*has_open now true) */
	CV_TRIP_EXTENDED = 2,      /* the sample was folded into *open */
	CV_TRIP_CLOSED = 4,        /* *closed holds the trip that ended */
	/* the open trip ended Unfinished and the sample opened the next one:
	 * *closed is the old trip, *open the new one */
	CV_TRIP_REOPENED = CV_TRIP_CLOSED | CV_TRIP_OPENED,
};

/*
 * Fold sample s into the vehicle's open trip (*open, valid when *has_open;
 * when *has_open is false *open is ignored and may be anything). On
 * CV_TRIP_CLOSED (alone: *has_open is then false) or CV_TRIP_REOPENED, the
 * trip that ended is copied to *closed. closed must not alias open; *closed
 * is untouched otherwise.
 */
enum cv_trip_step cv_trip_feed(struct cv_trip *open, bool *has_open, const struct cv_sample *s,
			       struct cv_trip *closed);

/* prev_ign of cv_trip_feed_after() when the vehicle never reported an ignition. */
#define CV_TRIP_IGN_UNKNOWN 255

/*
 * cv_trip_feed() knowing the ignition the vehicle reported before s
 * (prev_ign: enum cv_ign of the latest earlier sample that had one, or
 * CV_TRIP_IGN_UNKNOWN), which makes Unstarted exact for a trip s opens:
 * after a Stop, any ignition on is the start (not Unstarted, whatever the
 * speed); after an ignition on (the trip before ended without a Stop: the
 * vehicle was already running when it was seen again), only a StartUp is,
 * anything else is Unstarted. With prev_ign unknown, feed's guess from s
 * stays. Otherwise the same as cv_trip_feed().
 */
enum cv_trip_step cv_trip_feed_after(struct cv_trip *open, bool *has_open, const struct cv_sample *s,
				     uint8_t prev_ign, struct cv_trip *closed);

/*
 * Close the open trip as Unfinished when its last sample is more than
 * CV_TRIP_TIMEOUT_MS before now (the vehicle went silent). Returns true
 * and copies it to *closed (and *has_open becomes false) if so. Only for a
 * clock well past the vehicle's upload delay: samples of the closed trip
 * that arrive afterwards are then ignored or start a new trip.
 */
bool cv_trip_expire(struct cv_trip *open, bool *has_open, int64_t now, struct cv_trip *closed);

/* The faults of t, with Unfinished added while it is open; 0 is Nominal. */
unsigned cv_trip_faults(const struct cv_trip *t);
/* Duration in ms: to stop_at when done, else to the last sample. */
int64_t cv_trip_duration_ms(const struct cv_trip *t);
/* Distance in metres by the rules above; -1 when unknown. */
int64_t cv_trip_distance_m(const struct cv_trip *t);

/* Great-circle distance in metres (haversine, mean Earth radius 6371008.8 m). */
double cv_geo_dist_m(int32_t lat1_e7, int32_t lon1_e7, int32_t lat2_e7, int32_t lon2_e7);

/* A point of a path (degrees x 1e7). */
struct cv_geo_point {
	int32_t lat_e7, lon_e7;
};

/*
 * Douglas-Peucker simplification of the path p[0..n) with tolerance tol_m
 * (metres): keep[i] is set for the points kept, cleared for the others; the
 * first and the last points are always kept, and tol_m <= 0 keeps every
 * point. Distances from a point to a chord are measured on a local
 * equirectangular projection around the chord (exact enough below a few
 * hundred km). work must hold 2 * n entries (an explicit stack, so a long
 * path cannot overflow the call stack). Returns how many points are kept.
 * O(n log n) on ordinary paths, O(n^2) at worst.
 */
size_t cv_geo_simplify(const struct cv_geo_point *p, size_t n, double tol_m, bool *keep, size_t *work);

/*
 * Packed little-endian record with a version byte (CV_TRIP_RECLEN bytes,
 * version 2). Decoding checks the length, the version and every field's
 * range, and returns CV_EINVAL on anything else (*t is then unspecified).
 * A version 1 record (CV_TRIP_RECLEN_V1 bytes: the same without the last
 * position counted and odo_cause, written before tracks had a threshold)
 * reads with its last position as the last one counted and no odo_cause:
 * its DataLacking was decided at its start.
 */
#define CV_TRIP_RECLEN 124
#define CV_TRIP_RECLEN_V1 115
enum cv_err cv_trip_encode(const struct cv_trip *t, struct cv_buf *out);
enum cv_err cv_trip_decode(const void *p, size_t len, struct cv_trip *t);

/* A vehicle's energy capacity (cvctl vehicle capacity), 0 when unknown: battery in Wh, tank in cl. */
struct cv_trip_capacity {
	uint32_t battery_wh;
	uint32_t tank_cl;
};

/*
 * The data members of one Trip object (b2c Trip schema; with a vin, the
 * b2b one), written into the current object: the caller opens and closes
 * it and writes `_links` itself. id is required; vin may be NULL (b2c has
 * none). positions: write startPosition and stopPosition (the caller's
 * data:position scope). Written: id, vin, createdAt, updatedAt, startedAt,
 * stoppedAt (done only), startPosition, stopPosition (done only), duration
 * (s), distance (km, when known), startMileage (km, when known),
 * startEnergies, endEnergies (done only), energyConsumptions, kinetic
 * (when a speed was read), done, faults (always, [] for Nominal). With
 * cap (may be NULL: unknown), each energy's avgConsumption when its
 * capacity is known (cv_trip_avg_consumption, charge.h). Not written:
 * segments (propulsion split).
 */
void cv_trip_render_members(struct cv_jw *w, const struct cv_trip *t, const char *id, const char *vin,
			    bool positions, const struct cv_trip_capacity *cap);

#endif

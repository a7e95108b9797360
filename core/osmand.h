/*
 * osmand.h - the OsmAnd protocol (Traccar Client and the devices that
 * speak it over HTTP): a request's fields read into one fix, and the fix
 * as a vehicle sample. Pure: the request layer (cgi/ingest.c) chooses the
 * mode, hands over the decoded pairs or the parsed JSON, and stores.
 *
 * Two modes, chosen by the request's Content-Type alone (never by looking
 * at the body):
 *
 *   query/form  name=value pairs, from the query string or an
 *               application/x-www-form-urlencoded body (cv_osm_query):
 *     id | deviceid     the device id (required; one of the two)
 *     timestamp         epoch seconds (below 2^31 - 1), epoch ms (from
 *                       there on), ISO 8601 with a T and a zone
 *                       (2016-01-27T18:55:47Z, ...+02:00, fractions), or
 *                       "yyyy-MM-dd HH:mm:ss", read as UTC; absent: the
 *                       time the request arrived
 *     lat + lon | location=lat,lon     degrees
 *     speed             knots
 *     bearing | heading degrees, 0 to 360
 *     altitude          metres
 *     accuracy          metres
 *     hdop
 *     batt              the device's battery, %
 *     charge            the device is charging
 *     valid             the position is a fix (default true)
 *     odometer          metres (a tracker's vehicle odometer)
 *     ignition          the vehicle's ignition
 *     alarm             an alarm's name (sos, tow, ...)
 *   Any other name (cell, wifi, mock, battery_health, driverUniqueId, a
 *   user's attributes...) is accepted and not kept.
 *
 *   JSON (Content-Type application/json: Traccar Client 9 and later,
 *   cv_osm_json): {"device_id": "...", "location": {"timestamp": ISO 8601,
 *   "coords": {"latitude", "longitude", "accuracy", "speed" (m/s),
 *   "heading", "altitude"}, "is_moving", "odometer" (the app's distance
 *   counter, metres), "event", "alarm", "battery": {"level" (0 to 1),
 *   "is_charging"}}}. Members not named here (the form-encoded copy "_",
 *   extras, uuid, activity, mock, age, accuracies, ...) are ignored
 *   whatever they hold, as are known optional members that are null.
 *
 * In both modes -1 means unknown for speed, bearing/heading, accuracy,
 * hdop and the battery (and any negative speed or heading in JSON, as the
 * app's location library sends); a missing field is unknown too. A field
 * that is present and wrong (not a number, out of its range, a known
 * field given twice, lat without lon) fails the whole request, naming
 * it, in the jread form ("lat: must be a number from -90 to 90",
 * "location.coords.speed: ..."): nothing of it is kept.
 *
 * Ranges: latitude -90 to 90, longitude -180 to 180, speed 0 to 1000
 * knots (514 m/s), heading 0 to 360, altitude -10,000 to 100,000 m,
 * accuracy 0 to 1,000,000 m, hdop 0 to 100, battery 0 to 100 %
 * (JSON 0 to 1), odometer 0 to 10^10 m, alarm and event 1 to 64
 * printable ASCII characters, id 1 to CV_OSM_ID_MAX of A-Z a-z 0-9 . _ -.
 * A fix time must be from 2000-01-01 to CV_OSM_FUTURE_MS ahead of now
 * (5 minutes, as the vehicle link's samples): a device's clock may run a
 * little fast, a fix from the future or from before GPS phones is a
 * broken clock.
 *
 * Booleans (charge, valid, ignition) are true, false, 1 or 0.
 */
#ifndef CV_OSMAND_H
#define CV_OSMAND_H

#include "jread.h"
#include "vdata.h"

#define CV_OSM_ID_MAX 64
#define CV_OSM_TEXT_MAX 64                          /* alarm, event */
#define CV_OSM_FUTURE_MS (5 * 60 * 1000LL)
#define CV_OSM_PAST_MS 946684800000LL               /* 2000-01-01T00:00:00Z */
#define CV_OSM_SECONDS_BELOW 2147483647LL           /* a timestamp below it is in seconds */

/* What a fix holds: bits of struct cv_osm_fix.has. */
enum cv_osm_field {
	CV_OSM_TIME,        /* at was sent (else it is the time received) */
	CV_OSM_POS,         /* lat_e7, lon_e7 */
	CV_OSM_SPEED,
	CV_OSM_HEADING,
	CV_OSM_ALT,
	CV_OSM_ACCURACY,
	CV_OSM_HDOP,
	CV_OSM_BATT,
	CV_OSM_CHARGE,
	CV_OSM_VALID,       /* valid was sent (valid holds it; true otherwise) */
	CV_OSM_ODO,         /* query mode's odometer: the vehicle's */
	CV_OSM_APP_ODO,     /* JSON's odometer: the app's own distance counter */
	CV_OSM_IGN,
	CV_OSM_ALARM,
	CV_OSM_MOVING,
	CV_OSM_EVENT,
};
#define CV_OSM_HAS(f, x) (((f)->has >> (x)) & 1u)

struct cv_osm_fix {
	char id[CV_OSM_ID_MAX + 1];     /* the device id as sent */
	bool json;                      /* read in JSON mode */
	uint32_t has;                   /* bit per enum cv_osm_field */
	int64_t at;                     /* ms since the epoch */
	int32_t lat_e7, lon_e7;         /* degrees x 1e7 */
	uint32_t speed_mms;             /* mm/s */
	uint16_t heading_dd;            /* degrees x 10, [0, 3600] */
	int32_t alt_dm;                 /* decimetres */
	uint32_t accuracy_cm;
	uint16_t hdop_x10;
	uint16_t batt_dpct;             /* % x 10 */
	bool charge, valid, ignition, moving;
	uint64_t odo_m;                 /* CV_OSM_ODO or CV_OSM_APP_ODO */
	char alarm[CV_OSM_TEXT_MAX + 1];
	char event[CV_OSM_TEXT_MAX + 1];
};

/* A decoded name=value pair of the query string or the form. */
struct cv_osm_pair {
	const char *name, *value;
};

/*
 * Read the query/form mode's pairs p[0..n) into *f (now: the time the
 * request arrived). CV_OK, or CV_EINVAL with the first failure in jr
 * (initialised here).
 */
enum cv_err cv_osm_query(const struct cv_osm_pair *p, size_t n, int64_t now, struct cv_osm_fix *f,
			 struct cv_jread *jr);
/* Read a JSON mode body (an object: the caller parsed it) into *f, as cv_osm_query does. */
enum cv_err cv_osm_json(json_object *body, int64_t now, struct cv_osm_fix *f, struct cv_jread *jr);

/*
 * The fix as a vehicle sample (vdata.h), what cvapi keeps of it:
 *   position    lat, lon; altitude (clamped into the sample's -500 to
 *               9,000 m, 0 when unknown); heading (0 when unknown); fix
 *               3D with an altitude, 2D without, none when valid is
 *               false; type Acquire; signal quality 0 (nothing in the
 *               protocol measures it: accuracy and hdop are not kept)
 *   speed       km/h, at most the sample's 500
 *   odometer    query mode's, km (one above the sample's 200,000 km is
 *               left out rather than cut); JSON's is the app's distance
 *               counter, which restarts with the app: not the vehicle's
 *   ignition    Start or Stop
 *   alarm       an alarm event, activation Active, with the trigger of
 *               its name where one matches (tow: VehicleLifting, bonnet
 *               or hood: HoodDoorBreakIn, trunk: TrunkDoorBreakIn)
 * The phone's battery and charging are the phone's, not the vehicle's,
 * and map to nothing (nor do moving and event). false when nothing of the
 * fix is kept (an id alone, or a push token upload): nothing to store.
 */
bool cv_osm_sample(const struct cv_osm_fix *f, struct cv_sample *s);

#endif

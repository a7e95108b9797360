/*
 * monitor.h - a monitor's triggers, read from its triggerParam, and their
 * values against a vehicle's state.
 *
 * A monitor has 1 to CV_MON_TRIGGERS named triggers combined by a boolExp
 * (boolexp.h; without one, all of them must hold: "t1 & t2 & ..."). A
 * trigger is exactly one of:
 *
 *   zone  a circle (center latitude/longitude, radius in km, up to
 *         CV_MON_RADIUS_MAX_KM) and a transition: In holds while the
 *         vehicle's last position is inside, Out while it is outside;
 *         with no position yet, neither holds.
 *   data  a data name of the face's DataTrigger enum that the vehicle link
 *         carries (cv_mon_data_names; the others are refused with a
 *         message saying so), an op and its value list:
 *           equalsTo     value [one literal]
 *           includedIn   value [one literal or more] (names)
 *           greaterThan, lowerThan   value [one number] (numbers)
 *           onChange     no value: holds on the sample that changes it
 *         and on B2C a `previous` condition (equalsTo or includedIn) that
 *         the value before the sample must meet.
 *   time  windows of time in a time zone (timewin.h): holds while the
 *         sample's time (or, from cvnotify's timer, the current time) is
 *         inside one.
 *
 * A trigger's truth is computed from the state before a sample and after
 * it (cv_mon_eval): a state trigger (zone, equalsTo...) from the state
 * after; onChange and previous from both. Numbers compare in the units
 * the API shows (km, %, km/h, degrees C), to the decimals the vehicle
 * link keeps. Parsing checks the whole triggerParam at creation with the
 * body's reader, which says what is wrong
 * ("triggerParam.triggers[1].zone.place.radius: ...", jread.h); nothing
 * here allocates or does I/O.
 */
#ifndef CV_MONITOR_H
#define CV_MONITOR_H

#include "boolexp.h"
#include "buf.h"
#include "jread.h"
#include "jw.h"
#include "pack.h"
#include "timewin.h"
#include "vdata.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define CV_MON_TRIGGERS 5
#define CV_MON_NAME_MAX 32
#define CV_MON_VALUES 16                /* literals of an includedIn */
#define CV_MON_RADIUS_MAX_KM 1000

enum cv_mon_kind { CV_MON_ZONE, CV_MON_DATA, CV_MON_TIME };
enum cv_mon_op { CV_OP_EQUALS, CV_OP_GREATER, CV_OP_LOWER, CV_OP_INCLUDED, CV_OP_CHANGE };
extern const char *const cv_mon_op_names[5];

/* A condition on one data value: numbers as fixed-point (the data's decimals), names as their index. */
struct cv_mon_cond {
	uint8_t op;                         /* enum cv_mon_op */
	uint8_t nvalues;
	int64_t values[CV_MON_VALUES];
};

struct cv_mon_trigger {
	char name[CV_MON_NAME_MAX + 1];
	uint8_t kind;                       /* enum cv_mon_kind */
	/* zone */
	int32_t lat_e7, lon_e7;
	int32_t radius_m;
	uint8_t out;                        /* 1: Out, 0: In */
	/* data */
	uint8_t data;                       /* index in cv_mon_data_names */
	struct cv_mon_cond cond;
	uint8_t has_previous;
	struct cv_mon_cond previous;
	/* time */
	struct cv_tw tw;
};

struct cv_mon_def {
	size_t ntrig;
	struct cv_mon_trigger trig[CV_MON_TRIGGERS];
	char exp_text[CV_BX_TEXT_MAX + 1];  /* as given; "" when absent */
	struct cv_boolexp exp;
};

/* The data names the engine can watch (both faces' enums name them). */
extern const char *const cv_mon_data_names[];
extern const size_t cv_mon_data_count;

/*
 * Read triggerParam ({triggers, boolExp}), the value at jr's path (the
 * caller's: "triggerParam"), into def. b2b: the fleet face's enum (no
 * `previous`). CV_OK, or CV_EINVAL with the failure in jr.
 */
enum cv_err cv_mon_parse(struct cv_jread *jr, json_object *triggerParam, bool b2b, struct cv_mon_def *def);

/*
 * triggerParam as the API shows it (a value: the object). A monitor posted
 * without boolExp shows the expression it holds: its triggers joined by &.
 */
void cv_mon_render(struct cv_jw *w, const struct cv_mon_def *def);

/*
 * triggerParam as it was given, boolExp only if it was: the form a stored
 * record keeps, so that reading it back (cv_mon_parse) gives the very
 * definition that was packed (cv_mon_pack) into the monitor's watch.
 */
void cv_mon_render_given(struct cv_jw *w, const struct cv_mon_def *def);

/*
 * The packed form of def that the monitor engine keeps beside each watched
 * vehicle (pack.h): unpacking it costs no JSON and no expression parsing.
 * Unpacking checks every index and count (CV_EINVAL when malformed).
 */
enum cv_err cv_mon_pack(const struct cv_mon_def *def, struct cv_buf *out);
enum cv_err cv_mon_unpack(struct cv_rd *rd, struct cv_mon_def *def);

/*
 * MonitorEvent.values for a firing: one {data, value: {type: "string",
 * body: {literalValue}}[, previous]} per data trigger that holds (bit i
 * of truths), the value as the API shows it; a value (the array).
 */
void cv_mon_render_values(struct cv_jw *w, const struct cv_mon_def *def, uint32_t truths,
			  const struct cv_state *before, const struct cv_state *after);

/*
 * Each trigger's truth (bit i: trig[i]) for a sample at time `at` (ms)
 * taking the vehicle from `before` to `after`.
 */
uint32_t cv_mon_truths(const struct cv_mon_def *def, const struct cv_state *before, const struct cv_state *after,
		       int64_t at);

/* The monitor's condition for that sample. */
bool cv_mon_eval(const struct cv_mon_def *def, const struct cv_state *before, const struct cv_state *after, int64_t at);

/* true if a trigger of def is a time trigger: its truth changes with time alone. */
bool cv_mon_timed(const struct cv_mon_def *def);

#endif

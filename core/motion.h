/*
 * motion.h - a vehicle's ignition as its movement shows it, for the
 * devices that report none (a phone running Traccar Client, a tracker
 * without an ignition wire): trips (trip.h) open on an ignition on and
 * close on a Stop, and monitors and the status read the ignition too.
 *
 * cv_motion_ignition() sets the ignition of a device's sample from the
 * vehicle's state before it (vdata.h), in time order, at ingest:
 *
 * - A sample with an ignition of its own keeps it (a tracker's wire is
 *   the truth), but an ignition on after a Stop, or with none known
 *   before, becomes StartUp: the trip starts there rather than being
 *   taken as seen mid-way (trip.h, Unstarted).
 * - Moving: a speed of CV_MOTION_MOVING_DKMH or more; without a speed,
 *   a position at least CV_MOTION_MIN_M from the last one known, reached
 *   at that speed or more on average. The ignition is Start, or StartUp
 *   when it was off or unknown, or when the vehicle was silent for
 *   CV_MOTION_STOP_MS or more before it (a device that stops sending
 *   when parked: the trip before ends there, Unfinished, trip.h).
 * - Standing (slower, or no farther): Stop when the ignition was on and
 *   the last moving sample is CV_MOTION_STOP_MS or more before it (a
 *   parking, not a red light or a queue); nothing otherwise, so that the
 *   open trip goes on through short stops.
 * - Neither a speed nor a position to compare: nothing.
 *
 * The state's ignition time is the last moving sample's while it is on:
 * only moving samples carry an ignition on. The status and the telemetry
 * of such a vehicle show the ignition so inferred (doc/devices.md).
 */
#ifndef CV_MOTION_H
#define CV_MOTION_H

#include "vdata.h"

/* Moving at 8 km/h or more: above a phone's position noise at a standstill, below a crawl in a queue. */
#define CV_MOTION_MOVING_DKMH 80
/* Without a speed: at least this far from the last position (a phone's noise is tens of metres). */
#define CV_MOTION_MIN_M 50
/* Standing 5 minutes is a stop: the trip ends (Traccar's own minimal parking, traffic lights stay in). */
#define CV_MOTION_STOP_MS (5 * 60 * 1000LL)

/* Set s's ignition (above) from st, the state before s. */
void cv_motion_ignition(const struct cv_state *st, struct cv_sample *s);

#endif

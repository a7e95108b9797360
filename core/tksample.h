/*
 * tksample.h - a Teltonika tracker's AVL record (teltonika.h) as a vehicle
 * sample (vdata.h): what cvapi keeps of it. Pure, like both.
 *
 *   position    with a valid fix (teltonika.h: not satellites 0 with
 *               speed 0): latitude, longitude, altitude (held to the
 *               sample's -500 to 9,000 m), heading (the angle), fix 3D
 *               with 4 satellites or more, 2D under; type Acquire; signal
 *               quality 0 (the protocol measures none: satellites are not
 *               a signal quality). Without a fix, no position: the record
 *               repeats the last fix's, and the vehicle's last position
 *               stays what it was (nothing is invented).
 *   speed       the GNSS speed with a valid fix; without one, the CAN
 *               adapter's (81) when sent, else none (a record without a
 *               fix says 0, which is not a reading). At most 500 km/h.
 *   odometer    the vehicle's own from CAN (87) when sent, else the
 *               tracker's total odometer (16), km; one beyond the
 *               sample's 2,000,000 km is left out rather than cut.
 *   ignition    239: Start or Stop (trips follow it, core/motion.h).
 *   12 V        66, the external voltage: the vehicle's supply, in mV
 *               (the battery12v group, 0 to 30,000 mV; above: left out).
 * Movement (240) is kept by the daemon for its immobilization's
 * standstill check, not in the sample (the model has no place for it: a
 * vehicle's kinetic "moving" is its speed). Fuel (89, 48) maps to
 * nothing: the model's fuel group holds an autonomy the tracker does not
 * report, and a stored 0 km would fire the owner's low-autonomy monitors.
 * RPM, fuel litres and crash detection have no place in the model.
 *
 * false when nothing of the record is kept: nothing to store.
 */
#ifndef CV_TKSAMPLE_H
#define CV_TKSAMPLE_H

#include "teltonika.h"
#include "vdata.h"

bool cv_tk_sample(const struct cv_tk_record *r, struct cv_sample *s);

#endif

/*
 * osmand.h - a simulated phone's fixes in the OsmAnd protocol, as Traccar
 * Client sends them (doc/devices.md): a vehicle sample's position, speed,
 * heading and altitude, with the phone's own battery and accuracy, for
 * `cvsim --protocol osmand` (run.h). Three forms, which cvsim takes in
 * turn so that a run exercises each:
 *
 *   SIM_OSM_QUERY  GET /osmand?id=...&timestamp=<ms>&lat=...  (query mode)
 *   SIM_OSM_FORM   POST /osmand, a form body, timestamp in seconds when
 *                  the fix has whole seconds (the app's SDK), else ms
 *   SIM_OSM_JSON   POST /osmand, Content-Type application/json: Traccar
 *                  Client 9's location, with its "_" copy and extras
 *
 * No ignition, odometer or alarm: a phone knows none of them (the server
 * infers the ignition from the movement, core/motion.h).
 */
#ifndef SIM_OSMAND_H
#define SIM_OSMAND_H

#include "buf.h"
#include "vdata.h"

enum sim_osm_mode { SIM_OSM_QUERY, SIM_OSM_FORM, SIM_OSM_JSON, SIM_OSM_MODES };

/*
 * The request of sample s from device id in mode: *method, path (after the
 * server's base, appended to), *ctype (NULL: no body) and body (appended
 * to). false, nothing written, when s has no position: a phone sends
 * positions, and a vehicle's other readings are not its.
 */
bool sim_osm_request(enum sim_osm_mode mode, const char *id, const struct cv_sample *s, struct cv_buf *path,
		     struct cv_buf *body, const char **method, const char **ctype);

#endif

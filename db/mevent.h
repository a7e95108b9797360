/*
 * mevent.h - a monitor's firing as its webhook carries it: the monitor
 * event of its face's template (webhook-b2c, webhook-b2b), rendered from
 * the firing and from the store as the firing's transaction sees it.
 *
 *   user face   {monitorId, values, extensions: [{type, body: [{member: ...}]}], refresh}
 *   fleet face  {fleetId, vin, eventDate, values, extensions: [{type, body: {member: ...}}], refresh}
 *
 * values: what made the condition true (cv_mon_render_values). extensions:
 * one for each name of the monitor's extendedEventParam, in its order,
 * with the data as it was after the sample: the state after it (status,
 * position, telemetry...), the vehicle's events up to its time (the last
 * collision, the last alarm), its active alerts, its theft under way, the
 * trip under way (else the last one). A body holds the item (a list of
 * one on the user face, the item itself on the fleet face) or, when
 * nothing is known, no item.
 *
 * Each face has a table of its extensions, {name, member, render}: the
 * names its template lists (vehicle.telemetry also as
 * vehicle.telemetry.<TelemetryEnum>, the part). A name the face does not
 * list is not rendered: the request layer refuses it when the monitor is
 * written (cgi/monitors.c), so only a record cvapi did not write holds one.
 *
 * A rendering that exceeds the writer's buffer leaves the writer's sticky
 * error (CV_ETOOBIG, jw.h) for the caller to find; the return value is a
 * store error only.
 */
#ifndef CV_MEVENT_H
#define CV_MEVENT_H

#include "model.h"
#include "monitor.h"
#include "jw.h"

struct cv_mevent {
	bool b2b;                       /* the fleet face */
	const char *monitor;            /* the monitor's id (user face) */
	const char *fleet;              /* its fleet's id (fleet face) */
	const char *vid;                /* the vehicle: its id in hex, */
	const unsigned char *vidb;      /* the same in 16 bytes, */
	const char *vin;                /* and its VIN */
	int64_t at;                     /* when it fired: the sample's time, or the timer's */
	const struct cv_mon_def *def;   /* the monitor's triggers */
	const struct cv_state *before, *after;  /* the vehicle before and after the sample */
	const char (*ext)[CV_MON_EXT_LEN + 1];  /* its extendedEventParam: ext[0..next) */
	size_t next;
	bool refresh;                   /* a reminder (refreshEvent), not a new truth */
};

/* The event of ev into w (a whole JSON object), under txn. */
enum cv_err cv_mevent_render(struct cv_store *st, DB_TXN *txn, const struct cv_mevent *ev, struct cv_jw *w);

#endif

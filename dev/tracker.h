/*
 * tracker.h - one Teltonika tracker's connection to cvteltonika: its
 * protocol (core/teltonika.h) and what it does in the store. No sockets
 * are opened or polled here (cvteltonika.c does that); a connection's
 * bytes come in through tkd_input() and its answers go out with send() on
 * its descriptor, never blocking.
 *
 *   HELLO   the IMEI handshake: a registered teltonika device
 *           (db/devices.h) is answered 01, anything else 00 and closed
 *   AVL     AVL packets (Codec 8, 8 Extended): their records become
 *           samples of the vehicle (core/tksample.h) stored as an upload
 *           is (db/ingest.h: one durable transaction, each record's
 *           message id "teltonika:<its time>", so that a record sent again
 *           is acknowledged and not stored twice), then the record count
 *           is acknowledged; Codec 12 responses to the command in flight
 *
 * A malformed message, a wrong CRC, an unknown codec, a store that cannot
 * take the records: the connection is closed without an acknowledgement
 * (the tracker keeps its records and sends them again), nothing stored.
 *
 * Remote actions (db/actions.h): a tracker carries out Immobilization
 * (db/devices.h, cv_device_remote_types) as a Codec 12 command whose text
 * and successful answer are settings (struct tkd_cmds). One command is in
 * flight per connection (Codec 12 has no id: the next response is its
 * answer). An activation waits until the vehicle's last record shows it
 * standing (speed 0 and no movement) or its ignition off, as the trackers'
 * own safe modes do; a release goes at once. Sending is the action's
 * acknowledgement (SentToVehicle), the response its result: Success when
 * the response holds the success text, else Failed VehicleError.
 *
 * Memory: a connection is one struct tkd_conn, its receive buffer the
 * codec's ceiling (CV_TK_MAX_PACKET), allocated at accept and freed at
 * close; nothing else grows with the number of connections.
 */
#ifndef CV_TRACKER_H
#define CV_TRACKER_H

#include "store.h"
#include "actions.h"
#include "teltonika.h"

#include <netinet/in.h>

enum tkd_state { TKD_HELLO, TKD_AVL };

/* The text of a command and the text in its answer that means it was done. */
struct tkd_cmd {
	const char *text;
	const char *ok;
};

/* The commands of the remote actions a tracker carries out (settings: cvteltonika(8)). */
struct tkd_cmds {
	struct tkd_cmd immo_on, immo_off;
};

struct tkd_conn {
	int fd;
	uint8_t state;                          /* enum tkd_state */
	char peer[48];                          /* address:port, for the log */
	char imei[CV_TK_IMEI_MAX + 1];
	char vid[CV_VID_HEXLEN + 1];            /* AVL: the vehicle */
	int64_t last_in;                        /* cv_mono_ms() of the last bytes received */
	size_t index;                           /* in cvteltonika.c's table */
	struct tkd_conn *next_vid;              /* cvteltonika.c's chain of a vid hash */
	/* the vehicle as its last record showed it: -1 unknown */
	int8_t ignition, movement;
	int32_t speed_kmh;
	int64_t last_record;                    /* the newest record's time (ms), 0: none yet */
	/* the command in flight: its action, empty when none */
	char rid[CV_ACTION_ID_LEN + 1];
	const struct tkd_cmd *cmd;
	size_t len;                             /* bytes in buf */
	uint8_t buf[CV_TK_MAX_PACKET];
};

/* What the daemon shares with its connections. */
struct tkd_ctx {
	struct cv_store *st;
	const struct tkd_cmds *cmds;
	/* called when a handshake names vehicle vid: the daemon closes another connection of it */
	void (*claimed)(struct tkd_conn *c);
	/* counters, for the log */
	uint64_t records, duplicates, refused;
};

/*
 * The bytes that came in (c->buf[0..c->len)) are read: every whole
 * message answered and consumed. false when the connection is to be
 * closed (said on stderr). CV_EPANIC from the store ends the process
 * (CV_EXIT_RECOVER).
 */
bool tkd_input(struct tkd_ctx *x, struct tkd_conn *c);

/*
 * Send the next command due on c, if any (its vehicle has an action under
 * way): false when the connection is to be closed (a send that failed).
 */
bool tkd_dispatch(struct tkd_ctx *x, struct tkd_conn *c);

/* An unknown IMEI's refusal, said once per IMEI in a while and at most 10 times a minute. */
void tkd_log_unknown(const char *imei, const char *peer, int64_t mono);

#endif

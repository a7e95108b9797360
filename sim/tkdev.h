/*
 * tkdev.h - a simulated Teltonika tracker (cvsim --protocol teltonika):
 * one TCP connection to cvteltonika, the IMEI handshake, the vehicle's
 * samples as AVL packets, and answers to the server's Codec 12 commands.
 *
 * A tracker whose IMEI ends in an odd digit speaks Codec 8 Extended, the
 * others Codec 8, so that a fleet exercises both. A sample becomes one
 * record: its position (none: satellites and speed 0, the protocol's "no
 * fix"), heading, altitude, speed, and the IO elements ignition (239),
 * movement (240), external voltage (66, the 12 V battery) and total
 * odometer (16). Records go as many to a packet as fit in the protocol's
 * 1280 bytes, and each packet waits for its acknowledgement (the record
 * count) before the next: what the server did not acknowledge is sent
 * again on a new connection, as a tracker does.
 *
 * Commands: "setdigout 1" / "setdigout 0" are answered "DOUT1:1
 * Timeout:INFINITY" / "DOUT1:0 Timeout:INFINITY" (what an FMB answers),
 * anything else "Unknown command"; the answer is a Codec 12 response.
 *
 * Blocking sockets with timeouts: one struct sim_tk per vehicle, used by
 * one thread at a time.
 */
#ifndef SIM_TKDEV_H
#define SIM_TKDEV_H

#include <signal.h>
#include "upload.h"
#include "teltonika.h"
#include "vdata.h"

#define SIM_TK_IMEI_LEN 15

struct sim_tk {
	const char *host, *port;          /* the daemon (the caller's strings) */
	char imei[SIM_TK_IMEI_LEN + 1];
	int fd;                           /* -1: not connected */
	unsigned long commands;           /* answered */
};

void sim_tk_init(struct sim_tk *t, const char *host, const char *port, const char *imei);
void sim_tk_release(struct sim_tk *t);

/*
 * Send samples s[0..n) (time order) as AVL packets, each acknowledged,
 * reconnecting and sending again what was not, up to SIM_UPLOAD_TRIES
 * times: SIM_UP_OK, SIM_UP_REFUSED (the handshake refused: an IMEI the
 * server does not know), SIM_UP_FAILED, SIM_UP_STOPPED. *sent: records
 * acknowledged.
 */
enum sim_up_status sim_tk_send(struct sim_tk *t, const struct cv_sample *s, size_t n,
			       const volatile sig_atomic_t *stop, long *sent, char *err, size_t errsz);

/* Answer the commands that came in on the connection, without waiting; false if it broke (it is closed). */
bool sim_tk_poll(struct sim_tk *t);

#endif

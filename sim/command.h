/*
 * command.h - a simulated vehicle's side of the remote commands, in live
 * mode: it polls the vehicle link for commands, acknowledges them, carries
 * them out on its model (vehicle.h) after a believable delay, uploads the
 * state they changed and reports the outcome (doc/vehicle-link.md).
 *
 * Waking: a vehicle is awake for `awake_ms` after its last exchange with
 * the server (an upload, an acknowledgement, a result), the same rule the
 * server follows. Awake, it polls four times a second (a poll writes
 * nothing: one index read); asleep, every 10 s (the
 * wake-up channel, an SMS in the field), and a command found asleep is
 * acknowledged only after the 3 s it takes to wake up.
 *
 * One sim_link per vehicle, used by one thread. A command is carried out
 * once: its id is remembered after it is done.
 */
#ifndef SIM_COMMAND_H
#define SIM_COMMAND_H

#include <signal.h>
#include "vehicle.h"
#include "upload.h"

#define SIM_LINK_CMDS 8
#define SIM_LINK_SEEN 32
#define SIM_RID_LEN 32

struct sim_cmd {
	char rid[SIM_RID_LEN + 1];
	uint8_t type;               /* enum cv_remote_type */
	json_object *action;        /* owned */
	int64_t ack_at;             /* acknowledge then (0: acknowledged) */
	int64_t done_at;            /* report then (0: not under way) */
	int64_t posted;             /* issuedAt, for the summary */
};

struct sim_link {
	int64_t last_exchange;      /* wall clock, ms */
	int64_t next_poll;
	struct sim_cmd cmds[SIM_LINK_CMDS];
	size_t n;
	char seen[SIM_LINK_SEEN][SIM_RID_LEN + 1];
	size_t seen_next;
	struct sim_rng rng;         /* the driver's mood; not the vehicle's stream */
	uint64_t done, failed;      /* commands reported */
};

struct sim_link_opts {
	int64_t awake_ms;           /* the server's CVAPI_REMOTE_AWAKE */
	int64_t exec_delay_ms;      /* < 0: each type's own delay (sim_command_delay) */
	uint64_t seed;
	bool quiet;
};

void sim_link_init(struct sim_link *l, const char *vin, uint64_t seed);
void sim_link_release(struct sim_link *l);

/*
 * Do what is due at wall time now for vehicle v (car's VIN and
 * credential): poll, acknowledge, carry out and report. *due: when it
 * next has something to do. SIM_UP_OK, or the failure of a call (err).
 */
enum sim_up_status sim_link_step(struct sim_link *l, const struct sim_link_opts *o, struct sim_upload *up,
				 const char *vin, const char *cred, struct sim_vehicle *v, int64_t now,
				 const volatile sig_atomic_t *stop, int64_t *due, char *err, size_t errsz);

#endif

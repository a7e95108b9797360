/*
 * run.h - cvsim's two ways of driving a fleet through the server.
 *
 * Fast mode (sim_run_fast) writes history: from `start` to `end` the
 * vehicles' simulated time runs as fast as the machine allows and their
 * samples go up in batches of up to opts->batch, each vehicle handled by
 * one of opts->parallel worker threads (one CURL handle, so one kept-alive
 * connection, per worker). A batch's messageId is "<VIN>-<seed>-<first
 * sample's time in ms>-<count>": a re-run with the same seed is
 * acknowledged as duplicates instead of being stored twice, and a run with
 * another seed is not mistaken for one.
 *
 * Live mode (sim_run_live) keeps the vehicles going in real time (or
 * opts->speedup times faster, never ahead of the wall clock): each sample
 * is uploaded when it is collected, every 10 s while driving and every
 * 30 min parked, until *stop becomes non-zero. Unless opts->no_commands,
 * each vehicle also takes and carries out its remote commands
 * (command.h); a vehicle named in opts->offline is out of coverage: it
 * does neither.
 *
 * With opts->osmand, a vehicle that has an OsmAnd device (struct
 * sim_car.device) sends each sample with a position as a fix of that
 * device (osmand.h, one request each) instead of batches: its other
 * readings and events, which a phone does not know, are not sent.
 *
 * With opts->teltonika, a vehicle that has a Teltonika device (its IMEI)
 * sends its samples as that tracker's AVL packets to cvteltonika
 * (tkdev.h: one connection per vehicle, each packet acknowledged), and
 * in live mode answers the Codec 12 commands that come on it; it takes
 * no command through the vehicle link.
 *
 * Ownership: the caller owns the fleet, the vehicles (initialised by the
 * caller, left in their final state so that live mode can follow fast mode)
 * and the road network. Both functions return an exit status (0 or 1) and
 * print errors as one line on stderr; summaries go to stdout unless quiet.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <signal.h>
#include "vehicle.h"
#include "upload.h"

#define SIM_DEVICE_MAX 64

struct sim_car {
	char vin[SIM_VIN_LEN + 1];
	enum cv_energy energy;
	char cred[SIM_CRED_MAX + 1];
	char device[SIM_DEVICE_MAX + 1];    /* its device's id: OsmAnd (osmand.h) or an IMEI; "" when none */
	bool teltonika;                     /* the device is a Teltonika tracker (tkdev.h) */
	struct sim_spec spec;               /* its capacities and driver's style, as given (vehicle.h) */
};

struct sim_opts {
	const char *url;
	uint64_t seed;
	int days;             /* 0: no history */
	int batch;
	bool live;
	double speedup;
	int parallel;
	bool quiet;
	bool osmand;          /* --protocol osmand: a car with a device sends its fixes as a phone (osmand.h) */
	bool teltonika;       /* --protocol teltonika: a car with a tracker sends AVL packets (tkdev.h) */
	const char *tk_host, *tk_port;      /* cvteltonika's address */
	/* live mode: the remote commands (command.h) */
	bool no_commands;           /* do not take any */
	bool parked;                /* the vehicles stay where they are parked */
	int64_t awake_ms;           /* the server's CVAPI_REMOTE_AWAKE */
	int64_t exec_delay_ms;      /* < 0: each command type's own delay */
	const char *offline[16];    /* VINs out of coverage: they neither upload nor take commands */
	size_t noffline;
};

int sim_run_fast(const struct sim_opts *opts, const struct sim_car *cars, struct sim_vehicle *veh,
		 size_t n, int64_t end, const volatile sig_atomic_t *stop);
int sim_run_live(const struct sim_opts *opts, const struct sim_car *cars, struct sim_vehicle *veh,
		 size_t n, int64_t start, const volatile sig_atomic_t *stop);

#endif

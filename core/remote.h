/*
 * remote.h - the model of a remote action, what an application asks a
 * vehicle to do, as pure functions and tables: no store, no HTTP. Its
 * names (RemoteType, RemoteActionStatus, the failure causes and feedback
 * details), the Remote body as checked (struct cv_remote: read by
 * cgi/remotes.c, cv_remotes_read), the life of an action, and the host's
 * settings of it (read by cgi/remotes.c at start). Everything here is
 * cv_remote_; the enums' constants are CV_RT_ (types), CV_RS_ (states),
 * CV_RC_ (causes) and CV_RE_ (events).
 *
 * A Remote body names exactly one action: door, horn, lights,
 * preconditioning, charging, wakeUp, navigation, and on the fleet face
 * (B2B) immobilization and stolen. The action's member is kept as compact
 * JSON: that text is what GET shows and what the vehicle receives.
 *
 * The life of an action is a small state machine (cv_remote_step):
 *
 *   Accepted -> [WakingUpVehicle] -> CheckingVehicle -> SentToVehicle -> Done
 *
 * Done is Success, AlreadyDone or Failed with a failureCause. A navigation
 * skips Accepted and WakingUpVehicle. Every state an event enters is
 * returned, in order, so that the caller notifies each one (the webhook's
 * Pending events and its one Done event).
 */
#ifndef CV_REMOTE_H
#define CV_REMOTE_H

#include "cv.h"

/* RemoteType, in the order of the fleet face's enum (bits of a callback's remoteTypes). */
enum cv_remote_type {
	CV_RT_PRECOND, CV_RT_CHARGING, CV_RT_HORN, CV_RT_DOORS, CV_RT_LIGHTS,
	CV_RT_IMMOBILIZATION, CV_RT_STOLEN, CV_RT_WAKEUP, CV_RT_NAVIGATION, CV_RT_COUNT
};
extern const char *const cv_remote_type_names[CV_RT_COUNT];
/* The Remote body's member for each type ("preconditioning", "door"...). */
extern const char *const cv_remote_type_members[CV_RT_COUNT];
/*
 * The name of a type in the fleet face's webhook template (its RemoteType
 * lists VehicleState where the API says WakeUp, and has no Navigation):
 * NULL when the template has none.
 */
const char *cv_remote_type_webhook_b2b(enum cv_remote_type t);

/* RemoteActionStatus: the states of an action (the first four are Pending). */
enum cv_remote_status {
	CV_RS_ACCEPTED, CV_RS_WAKING, CV_RS_CHECKING, CV_RS_SENT,
	CV_RS_SUCCESS, CV_RS_ALREADY, CV_RS_FAILED, CV_RS_COUNT
};
extern const char *const cv_remote_status_names[CV_RS_COUNT];
#define CV_RS_FINAL(s) ((s) >= CV_RS_SUCCESS)

/* RemoteFailedEventStatus, index + 1 (0: none). */
enum cv_remote_cause {
	CV_RC_NONE, CV_RC_GENERAL, CV_RC_VEHICLE, CV_RC_WRONG_COMMAND, CV_RC_TIMEOUT, CV_RC_MISSING_RIGHTS,
	CV_RC_BATTERY, CV_RC_PRIVACY, CV_RC_WAKEUPS, CV_RC_TOO_MANY_SHORT, CV_RC_SAME_IN_PROGRESS,
	CV_RC_STOLEN, CV_RC_IN_USE, CV_RC_TOO_MANY_SENT, CV_RC_DOORS_OPEN, CV_RC_VEHICLE_OR_CID, CV_RC_CID_INSIDE,
	CV_RC_EXT_CHARGING, CV_RC_VEH_CHARGING, CV_RC_NOT_LOCKED, CV_RC_CANCELED, CV_RC_COUNT
};
extern const char *const cv_remote_cause_names[CV_RC_COUNT];   /* [0] is "" */
/* RemoteEventFeedbackDetail, index + 1 (0: none). */
extern const char *const cv_remote_feedback_names[3];          /* [0] is "" */

#define CV_REMOTE_ACTION_MAX 4096   /* the action's compact JSON */
#define CV_REMOTE_LABEL_MAX 64

/* A Remote body, checked. */
struct cv_remote {
	uint8_t type;                           /* enum cv_remote_type */
	char label[CV_REMOTE_LABEL_MAX + 1];
	char action[CV_REMOTE_ACTION_MAX + 1];  /* the action's member, compact JSON */
	/* what the server checks before sending: it needs the traction battery */
	bool energy_hungry;
};

/* ---- the state machine ------------------------------------------------- */

struct cv_remote_state {
	uint8_t status;                         /* enum cv_remote_status */
	uint8_t cause;                          /* enum cv_remote_cause, when Failed */
	uint8_t feedback;                       /* index in cv_remote_feedback_names */
};

enum cv_remote_event {
	CV_RE_CREATE,       /* posted: in.awake, in.navigation, in.refuse (a cause: refused at once) */
	CV_RE_CHECK,        /* the server checked the vehicle's state: in.refuse (0: fine) */
	CV_RE_WOKEN,        /* a vehicle that was woken (or is heard from) is being checked */
	CV_RE_ACK,          /* the vehicle acknowledged receipt */
	CV_RE_RESULT,       /* the vehicle reported: in.outcome (Success, AlreadyDone, Failed), in.refuse, in.feedback */
	CV_RE_TIMEOUT,      /* the vehicle did not answer in time */
};

struct cv_remote_in {
	bool awake;             /* CREATE: the vehicle was heard from recently */
	bool navigation;        /* CREATE: a navigation (no Accepted, no wake-up) */
	uint8_t refuse;         /* CREATE, CHECK: a cause that ends it now; RESULT: the failure cause */
	uint8_t outcome;        /* RESULT: CV_RS_SUCCESS, CV_RS_ALREADY or CV_RS_FAILED */
	uint8_t feedback;       /* RESULT */
};

#define CV_REMOTE_MAX_STEPS 4

/*
 * Apply event ev to m: the states entered go to out[0..n) in order (at
 * most CV_REMOTE_MAX_STEPS), m becomes the last. Returns n (0: nothing
 * changes, as for a repeated acknowledgement or result), or -1 when the
 * event contradicts the state (a result other than the one recorded, an
 * event before creation): m unchanged.
 *
 *   CREATE   [Accepted] then WakingUpVehicle when asleep, else
 *            CheckingVehicle; a refusal: Failed with that cause
 *   WOKEN    from Accepted or WakingUpVehicle: CheckingVehicle
 *   CHECK    from CheckingVehicle: nothing, or Failed with in.refuse
 *   ACK      [CheckingVehicle] SentToVehicle (nothing once sent or done)
 *   RESULT   [CheckingVehicle] [SentToVehicle] then the outcome
 *   TIMEOUT  Failed VehicleConnectionTimeout, unless done
 */
int cv_remote_step(struct cv_remote_state *m, enum cv_remote_event ev, const struct cv_remote_in *in,
		   struct cv_remote_state *out);

/* ---- settings ------------------------------------------------------------ */

/* A host's settings of remote actions (read by cgi/remotes.c, cv_remotes_setup). */
struct cv_remote_cfg {
	int64_t timeout_ms;             /* from posting to a result, before VehicleConnectionTimeout */
	int64_t awake_ms;               /* a vehicle is awake this long after its last exchange */
	int32_t wakeups;                /* wake-ups an owner's actions may cost a vehicle per month (UTC) */
	int32_t vehicle_wakeups;        /* the vehicle's cap: all owners' actions together */
};

#endif

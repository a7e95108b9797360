/* remote.c - remote actions: their names and the life of an action (see remote.h). */
#include "config.h"
#include "remote.h"

const char *const cv_remote_type_names[CV_RT_COUNT] = {
	"ThermalPreconditioning", "ElectricBatteryChargingRequest", "Horn", "Doors", "Lights",
	"Immobilization", "Stolen", "WakeUp", "Navigation",
};
const char *const cv_remote_type_members[CV_RT_COUNT] = {
	"preconditioning", "charging", "horn", "door", "lights", "immobilization", "stolen", "wakeUp", "navigation",
};
const char *const cv_remote_status_names[CV_RS_COUNT] = {
	"Accepted", "WakingUpVehicle", "CheckingVehicle", "SentToVehicle", "Success", "AlreadyDone", "Failed",
};
const char *const cv_remote_cause_names[CV_RC_COUNT] = {
	"", "GeneralError", "VehicleError", "WrongCommand", "VehicleConnectionTimeout", "MissingRights",
	"NotPossibleDueToVehicleBatteryLevel", "NotPossibleDueToVehiclePrivacyLevel", "TooManyWakeUpsOverMonth",
	"TooManyRequestInShortTime", "SameActionInProgress", "NotPossibleDueToVehicleStolenState", "VehicleInUse",
	"TooManyRequestSent", "DoorsOpen", "VehicleErrorOrCidInside", "CidInside", "ExternalChargingSystemError",
	"VehicleChargingSystemError", "VehicleIsNotLocked", "CanceledByDriver",
};
const char *const cv_remote_feedback_names[3] = { "", "NoCIDBlacklisted", "CIDBlacklisted" };

const char *cv_remote_type_webhook_b2b(enum cv_remote_type t)
{
	if (t == CV_RT_WAKEUP)
		return "VehicleState";
	if (t == CV_RT_NAVIGATION || t >= CV_RT_COUNT)
		return NULL;
	return cv_remote_type_names[t];
}

/* ---- the state machine --------------------------------------------------- */

static void enter(struct cv_remote_state *m, struct cv_remote_state *out, int *n, uint8_t status, uint8_t cause,
		  uint8_t feedback)
{
	m->status = status;
	m->cause = status == CV_RS_FAILED ? cause : 0;
	m->feedback = status == CV_RS_SUCCESS || status == CV_RS_ALREADY ? feedback : 0;
	out[(*n)++] = *m;
}

int cv_remote_step(struct cv_remote_state *m, enum cv_remote_event ev, const struct cv_remote_in *in,
		   struct cv_remote_state *out)
{
	struct cv_remote_state s = *m;
	int n = 0;

	switch (ev) {
	case CV_RE_CREATE:
		if (!in->navigation)
			enter(&s, out, &n, CV_RS_ACCEPTED, 0, 0);
		if (in->refuse)
			enter(&s, out, &n, CV_RS_FAILED, in->refuse, 0);
		else if (!in->awake && !in->navigation)
			enter(&s, out, &n, CV_RS_WAKING, 0, 0);
		else
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		break;
	case CV_RE_WOKEN:
		if (s.status == CV_RS_ACCEPTED || s.status == CV_RS_WAKING)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		break;
	case CV_RE_CHECK:
		if (s.status != CV_RS_CHECKING)
			return -1;
		if (in->refuse)
			enter(&s, out, &n, CV_RS_FAILED, in->refuse, 0);
		break;
	case CV_RE_ACK:
		if (CV_RS_FINAL(s.status) || s.status == CV_RS_SENT)
			break;
		if (s.status != CV_RS_CHECKING)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		enter(&s, out, &n, CV_RS_SENT, 0, 0);
		break;
	case CV_RE_RESULT:
		if (in->outcome != CV_RS_SUCCESS && in->outcome != CV_RS_ALREADY && in->outcome != CV_RS_FAILED)
			return -1;
		if (CV_RS_FINAL(s.status)) {
			/* the same report again is acknowledged; another is a contradiction */
			if (s.status == in->outcome &&
			    (s.status != CV_RS_FAILED || s.cause == (in->refuse ? in->refuse : CV_RC_VEHICLE)))
				break;
			return -1;
		}
		if (s.status != CV_RS_CHECKING && s.status != CV_RS_SENT)
			enter(&s, out, &n, CV_RS_CHECKING, 0, 0);
		if (s.status != CV_RS_SENT)
			enter(&s, out, &n, CV_RS_SENT, 0, 0);
		enter(&s, out, &n, in->outcome, in->outcome == CV_RS_FAILED ? (in->refuse ? in->refuse : CV_RC_VEHICLE) : 0,
		      in->feedback);
		break;
	case CV_RE_TIMEOUT:
		if (!CV_RS_FINAL(s.status))
			enter(&s, out, &n, CV_RS_FAILED, CV_RC_TIMEOUT, 0);
		break;
	default:
		return -1;
	}
	*m = s;
	return n;
}

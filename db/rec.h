/*
 * rec.h - the records of the store and their encodings.
 *
 * Administrative records (users, clients, fleets, vehicles) are small JSON
 * objects: easy to read with db_dump, written rarely. Hot records are
 * packed: tokens (read on every request), the status record (read on every
 * status call; it carries its response fragments ready to send) and history
 * samples (many, so each byte counts). Packed integers are little-endian;
 * every packed record starts with a version byte.
 */
#ifndef CV_REC_H
#define CV_REC_H

#include "buf.h"
#include "vdata.h"
#include "monitor.h"
#include "remote.h"

#define CV_LOGIN_MAX 64
#define CV_NAME_MAX 128
#define CV_VID_HEXLEN 32            /* a vehicle id: 16 random bytes in hex */
#define CV_VIN_MAX 17
#define CV_HASH_MAX 160             /* a crypt(3) string */
#define CV_SHA256_HEXLEN 64

/*
 * OAuth2 scopes, as bits: the user face's (the B2C document's), then
 * `fleet`, cvapi's own, which makes a token a fleet manager's credential
 * on the fleet face. `fleet` is granted only when asked for by name: a
 * grant that names no scope gets the client's scopes but that one.
 */
enum cv_scope {
	CV_SC_TELEMETRY, CV_SC_POSITION, CV_SC_TRIP, CV_SC_ALERT, CV_SC_COLLISION,
	CV_SC_R_DOOR, CV_SC_R_PRECOND, CV_SC_R_HORN, CV_SC_R_CHARGING, CV_SC_R_LIGHTS,
	CV_SC_R_WAKEUP, CV_SC_R_NAVIGATION, CV_SC_VEHICLE_PNC, CV_SC_FLEET, CV_SC_COUNT
};
#define CV_SC_BIT(s) (1u << (s))
#define CV_SC_ALL ((1u << CV_SC_COUNT) - 1)
/* what a grant that names no scope may get: every scope but fleet */
#define CV_SC_DEFAULT (CV_SC_ALL & ~CV_SC_BIT(CV_SC_FLEET))
extern const char *const cv_scope_names[CV_SC_COUNT];
/*
 * Parse a space-separated scope list into a mask; CV_EINVAL on an unknown
 * name (*bad points to it, not NUL-terminated: *badlen bytes).
 */
enum cv_err cv_scopes_parse(const char *s, uint32_t *mask, const char **bad, size_t *badlen);
/* Append mask as a space-separated list. */
enum cv_err cv_scopes_fmt(uint32_t mask, struct cv_buf *out);

struct cv_user {
	char login[CV_LOGIN_MAX + 1];
	char hash[CV_HASH_MAX + 1];
	char first[CV_NAME_MAX + 1];
	char last[CV_NAME_MAX + 1];
	char email[CV_NAME_MAX + 1];
	int64_t created, updated;
};

#define CV_CLIENT_LIMITS 4
enum { CV_LIM_DAY, CV_LIM_SECOND, CV_LIM_TOKEN_DAY, CV_LIM_TOKEN_SECOND };

struct cv_client {
	char id[CV_LOGIN_MAX + 1];
	char name[CV_NAME_MAX + 1];
	char secret_sha256[CV_SHA256_HEXLEN + 1];   /* "" for a public client */
	uint32_t scopes;                            /* what it may ask for; a record made before
						     * the fleet scope with all the others reads as
						     * CV_SC_ALL */
	int64_t created;
	/* its rate limits (cvctl client limits): requests a day and a second
	 * for all its users together, then for each grant; -1: the default
	 * (CVAPI_RATE_CLIENT, CVAPI_RATE_TOKEN), 0: no limit */
	int64_t limits[CV_CLIENT_LIMITS];
};

struct cv_vehicle {
	char id[CV_VID_HEXLEN + 1];
	char vin[CV_VIN_MAX + 1];
	char brand[CV_NAME_MAX + 1];
	char label[CV_NAME_MAX + 1];
	uint8_t energy;                             /* enum cv_energy */
	uint32_t battery_wh;                        /* usable traction battery, Wh; 0 unknown (vdata.h: */
	uint32_t tank_cl;                           /* fuel tank, cl; 0 unknown      cv_capacity_*) */
	char owner[CV_LOGIN_MAX + 1];               /* "" if none */
	char cred_sha256[CV_SHA256_HEXLEN + 1];     /* the upload credential's hash */
	int64_t created, updated;
};

struct cv_fleet {
	char id[CV_LOGIN_MAX + 1];
	char label[CV_NAME_MAX + 1];
	char owner[CV_LOGIN_MAX + 1];               /* the fleet manager's login */
	int64_t created;
};

enum cv_token_kind { CV_TOKEN_ACCESS = 1, CV_TOKEN_REFRESH = 2 };

/*
 * An OAuth2 token (kept under the SHA-256 of its text). Every token of one
 * grant (a password grant and the refreshes that follow it) shares its
 * family: a refresh token used twice revokes the whole family. A refresh
 * token once used is kept, marked used, until it expires, to tell a reuse
 * from an unknown token.
 */
#define CV_TOKEN_FAMILY 16
struct cv_token {
	uint8_t kind;
	uint32_t scopes;
	int64_t issued, expires;
	char user[CV_LOGIN_MAX + 1];
	char client[CV_LOGIN_MAX + 1];
	unsigned char family[CV_TOKEN_FAMILY];      /* all zeros: made before families (none) */
	uint8_t used;                               /* a refresh token spent by a refresh grant */
};

/*
 * A callback: where and how notifications of its monitors and remote
 * actions are delivered (a webhook), with its policies. Kept under its
 * owner: "u:" login (B2C) or "f:" fleet id (B2B).
 */
#define CV_CB_IDLEN 32               /* 16 random bytes in hex */
#define CV_CB_OWNER_MAX (CV_LOGIN_MAX + 2)
#define CV_CB_URL_MAX 2048
#define CV_CB_ATTRS_MAX 16
#define CV_CB_KEY_MAX 64
#define CV_CB_VALUE_MAX 512
#define CV_CB_SECRET_LEN 32          /* bytes; shown as whsec_ + base64 */

enum cv_cb_attr_type { CV_CBA_HEADER, CV_CBA_BODY, CV_CBA_QUERY };
enum cv_cb_retry { CV_RETRY_NONE, CV_RETRY_BOUNDED, CV_RETRY_ALWAYS };
enum cv_cb_status { CV_CB_RUNNING, CV_CB_PAUSED, CV_CB_FAILED };
/* What a callback serves (B2C `type`): both when none is given. */
#define CV_CBT_MONITOR 1u
#define CV_CBT_REMOTE 2u

struct cv_cb_attr {
	uint8_t type;                               /* enum cv_cb_attr_type */
	char key[CV_CB_KEY_MAX + 1];
	char value[CV_CB_VALUE_MAX + 1];
};

struct cv_callback {
	char id[CV_CB_IDLEN + 1];
	char owner[CV_CB_OWNER_MAX + 1];
	uint8_t b2b;
	char label[CV_NAME_MAX + 1];
	uint32_t types;                             /* CV_CBT_* */
	uint32_t remote_types;                      /* B2B remoteTypes: bits of enum cv_remote_type */
	char name[CV_NAME_MAX + 1];                 /* the webhook's name */
	char target[CV_CB_URL_MAX + 1];
	struct cv_cb_attr attrs[CV_CB_ATTRS_MAX];
	size_t nattrs;
	uint8_t retry;                              /* enum cv_cb_retry */
	int32_t retry_number;                       /* Bounded: tries after the first */
	int32_t retry_delay;                        /* seconds */
	int32_t batch_size;                         /* 0: one event per request */
	int32_t batch_window;                       /* seconds */
	uint8_t status;                             /* enum cv_cb_status */
	unsigned char secret[CV_CB_SECRET_LEN];     /* the signing key (Standard Webhooks) */
	int64_t created, updated;
};
extern const char *const cv_cb_status_names[3];
extern const char *const cv_cb_retry_names[3];
extern const char *const cv_cb_attr_names[3];

/*
 * A monitor: triggers over a vehicle's data (monitor.h) whose firings go
 * to a callback of the same owner. B2C: one vehicle of the user, under
 * one of the user's callbacks.
 */
#define CV_MON_IDLEN 32
#define CV_MON_EXT_MAX 16            /* extendedEventParam entries */
#define CV_MON_EXT_LEN 64

struct cv_monitor {
	char id[CV_MON_IDLEN + 1];
	char owner[CV_CB_OWNER_MAX + 1];
	char vid[CV_VID_HEXLEN + 1];                /* the vehicle watched */
	char cbid[CV_CB_IDLEN + 1];                 /* the callback notified */
	uint8_t b2b;
	char label[CV_NAME_MAX + 1];
	int32_t refresh_s;                          /* refreshEvent: seconds between reminders, 0 none */
	char ext[CV_MON_EXT_MAX][CV_MON_EXT_LEN + 1];   /* extendedEventParam, as given */
	size_t next;
	struct cv_cb_attr attrs[CV_CB_ATTRS_MAX];   /* the monitor's attributes */
	size_t nattrs;
	struct cv_cb_attr cbattrs[CV_CB_ATTRS_MAX]; /* subscribeParam.callbackAttributes.webhook */
	size_t ncbattrs;
	struct cv_mon_def def;                      /* triggerParam */
	uint8_t status;                             /* enum cv_cb_status */
	int64_t created, updated;
};

/*
 * JSON records: encode appends to out; decode fills the struct (CV_EINVAL
 * if malformed: an attribute whose type is not an enum cv_cb_attr_type is).
 */
enum cv_err cv_user_encode(const struct cv_user *u, struct cv_buf *out);
enum cv_err cv_user_decode(const char *json, size_t len, struct cv_user *u);
enum cv_err cv_client_encode(const struct cv_client *c, struct cv_buf *out);
enum cv_err cv_client_decode(const char *json, size_t len, struct cv_client *c);
enum cv_err cv_vehicle_encode(const struct cv_vehicle *v, struct cv_buf *out);
enum cv_err cv_vehicle_decode(const char *json, size_t len, struct cv_vehicle *v);
enum cv_err cv_fleet_encode(const struct cv_fleet *f, struct cv_buf *out);
enum cv_err cv_fleet_decode(const char *json, size_t len, struct cv_fleet *f);
enum cv_err cv_callback_encode(const struct cv_callback *cb, struct cv_buf *out);
enum cv_err cv_callback_decode(const char *json, size_t len, struct cv_callback *cb);
enum cv_err cv_monitor_encode(const struct cv_monitor *m, struct cv_buf *out);
enum cv_err cv_monitor_decode(const char *json, size_t len, struct cv_monitor *m);

/* Packed records. */
enum cv_err cv_token_encode(const struct cv_token *t, struct cv_buf *out);
enum cv_err cv_token_decode(const void *p, size_t len, struct cv_token *t);

/* A sample without its time (the time is in the key); events are stored apart. */
enum cv_err cv_sample_encode(const struct cv_sample *s, struct cv_buf *out);
enum cv_err cv_sample_decode(const void *p, size_t len, int64_t at, struct cv_sample *s);
/* The groups (`has`) of a packed sample without decoding it; 0 if it is not one. */
uint32_t cv_sample_peek_has(const void *p, size_t len);
enum cv_err cv_event_encode(const struct cv_event *e, struct cv_buf *out);
enum cv_err cv_event_decode(const void *p, size_t len, struct cv_event *e);

/*
 * An alert occurrence: raised at `start` (key: vid . start . code), active
 * until an upload clears it. Positions are where the vehicle was (last
 * known) when it was raised and cleared.
 */
struct cv_alert_rec {
	int64_t start;          /* from the key */
	uint16_t code;          /* from the key: index in cv_alert_names */
	uint8_t severity;       /* 0 Information, 1 Warning, 2 Critical */
	uint8_t active;
	int64_t end;            /* when cleared; 0 while active */
	int64_t updated;        /* when the server last changed it */
	uint8_t has_start_pos, has_end_pos;
	int32_t start_lat_e7, start_lon_e7, start_alt_m;
	int32_t end_lat_e7, end_lon_e7, end_alt_m;
};
/* Encode (without start and code, which are in the key) / decode. */
enum cv_err cv_alert_encode(const struct cv_alert_rec *a, struct cv_buf *out);
enum cv_err cv_alert_decode(const void *p, size_t len, int64_t start, uint16_t code, struct cv_alert_rec *a);

/*
 * The status record: the merged state, and the two response fragments
 * rendered from it at ingest: `members` (the data:telemetry members of the
 * Status object) and `position` (the lastPosition Feature, or empty).
 */
struct cv_status_rec {
	struct cv_state state;
	const char *members;
	size_t members_len;
	const char *position;
	size_t position_len;
};
/* Render the fragments of st and encode the whole record. */
enum cv_err cv_status_encode(const struct cv_state *st, struct cv_buf *out);
/* Decode; the fragment pointers point into p, which must outlive r. */
enum cv_err cv_status_decode(const void *p, size_t len, struct cv_status_rec *r);

#endif

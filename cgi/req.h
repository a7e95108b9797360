/*
 * req.h - the request layer shared by every FastCGI program of cvapi.
 *
 * A program declares a table of routes (method, path pattern, handler,
 * auth, accepted query fields) and calls cv_serve(). For each request the
 * layer:
 *   1. matches the path (REQUEST_URI, percent-decoded per segment) against
 *      the table: 404 or 405 otherwise;
 *   2. parses and validates every query parameter against the route's
 *      fields into r->q (typed: numbers, ranges, times, lists), refusing
 *      unknown ones: handlers never see raw parameters;
 *   3. authenticates as the route asks: a user's bearer token (scopes,
 *      client_id) on the B2C face, a fleet manager (client certificate
 *      verified by the web server, HTTP Basic, or a bearer token of the
 *      scope fleet; client_id) on the B2B face, whose fleet ({fid}) must
 *      be theirs;
 *   4. checks the syntax of every id of the path, each by the kind its
 *      capture's name says (below): 400 (CV_C_BAD_ID) otherwise;
 *   5. calls the handler, which fills r->out and returns 0, or returns an
 *      HTTP status after cv_fail() wrote the xError (or, with an
 *      Idempotency-Key, after the first answer was replayed: keyed.h).
 *
 * Path ids: a pattern's captures are named by the kind of id they hold,
 * and a program whose table names another does not start:
 *   {id} {vid}  a vehicle id (32 hex digits); {vin} a VIN;
 *   {fid}       a fleet (authentication checks it is the manager's: 403);
 *   {cbid} {mid} {rid} {did}   a callback, monitor, remote action,
 *               delivery (lowercase hex of their lengths);
 *   {tid} {aid} {cid} {alarmid} {sid} {chid}   a trip, alert, collision,
 *               alarm, theft, charging session (ids.h: their vehicle, time
 *               and suffix).
 * Handlers read them by name, cv_req_id(r, "cbid"), already checked. The
 * vehicle link's {vin} is checked before authentication (its credential
 * is that vehicle's), every other id once who asks is known.
 *
 * Errors: cv_fail() writes {"code","uuid","message","timestamp"} and logs
 * one line "cvapi[prog] uuid METHOD path: message -> status" on stderr
 * (the web server's error log). `code` is status * 100 + a cause (see
 * enum cv_cause and doc/api.md).
 *
 * Nothing here outlives a request except the store handle and the
 * program's constant tables.
 */
#ifndef CV_REQ_H
#define CV_REQ_H

#include <fcgiapp.h>
#include <stddef.h>
#include "buf.h"
#include "jw.h"
#include "model.h"
#include "idem.h"
#include "rcache.h"
#include "ratelimit.h"

#define CV_PATH_MAX 512
#define CV_MAX_SEGS 12
#define CV_MAX_PARAMS 32
#define CV_MAX_INTERVALS 10
#define CV_HOST_MAX 256

/* The two faces: a prefix, not a second copy of the code. */
#define CV_B2C "/connectedcar/v4"
#define CV_B2B "/connectedcar/v3"

/* The two digits after the status in xError.code. */
enum cv_cause {
	CV_C_GENERIC = 0,
	/* 400 */
	CV_C_BAD_PARAM = 1, CV_C_BAD_ID = 2, CV_C_BAD_JSON = 3, CV_C_BAD_FIELD = 4,
	CV_C_BAD_TIME = 5, CV_C_BAD_PAGETOKEN = 6, CV_C_UNKNOWN_PARAM = 7, CV_C_DUP_PARAM = 8,
	CV_C_BAD_GRANT = 9, CV_C_BAD_HEADER = 10,
	/* 401 */
	CV_C_NO_CRED = 1, CV_C_BAD_TOKEN = 2, CV_C_EXPIRED = 3, CV_C_BAD_CLIENT = 4, CV_C_BAD_PASSWORD = 5,
	CV_C_BAD_CERT = 6,
	/* 403 */
	CV_C_NOT_YOURS = 1, CV_C_SCOPE = 2, CV_C_CLIENT_MISMATCH = 3, CV_C_QUOTA = 4,
	/* 404 */
	CV_C_NO_ROUTE = 1, CV_C_NO_DATA = 2,
	/* 422: an Idempotency-Key sent before with another request */
	CV_C_KEY_REUSED = 1,
	/* 429: a budget spent, a lockout after failed credentials */
	CV_C_RATE = 1, CV_C_LOCKED = 2,
	/* 405, 409, 411, 413, 415, 500, 503, 507 */
	CV_C_METHOD = 1, CV_C_CONFLICT = 1, CV_C_LENGTH = 1, CV_C_TOO_LARGE = 1, CV_C_MEDIA = 1,
	CV_C_STORE = 1, CV_C_UNAVAILABLE = 1, CV_C_FULL = 1,
};

/* Query field types. */
enum cv_ftype {
	CV_F_PAGESIZE,      /* 1..max (max in .max) */
	CV_F_INDEXRANGE,    /* "a-b" or "a-" */
	CV_F_PAGETOKEN,     /* opaque, checked by the paging code */
	CV_F_TIMESTAMPS,    /* repeated, up to CV_MAX_INTERVALS intervals */
	CV_F_CLIENT_ID,     /* must match the token's client */
	CV_F_STRING,        /* 1..max bytes of [A-Za-z0-9._:-] -> const char * at .dst */
	CV_F_LIST,          /* comma-separated and/or repeated names, each checked by .check -> uint32_t mask at .dst */
	CV_F_SPAN_S,        /* "min-max" or "min-" in whole seconds -> struct cv_span at .dst */
	CV_F_SPAN_KM,       /* "min-max" or "min-" in km, at most one decimal -> struct cv_span (metres) at .dst */
	CV_F_KM,            /* a number of km from 0 to .max, up to 6 decimals -> struct cv_opt (mm) at .dst */
	CV_F_ANY,           /* any parameter, unchecked, left in r->params: a device protocol's fields,
			     * which its own decoder reads (cv_fields_any) */
};

struct cv_field {
	const char *name;
	enum cv_ftype type;
	int64_t max;                              /* pageSize max; string max length; km ceiling */
	uint32_t (*check)(const char *item);      /* CV_F_LIST: item -> mask bits, 0 = bad */
	size_t dst;                               /* where the value goes: offsetof(struct cv_query, member) */
};

/* A range filter: set when given; max -1: open. */
struct cv_span {
	bool set;
	int64_t min, max;
};

/* A number that may be absent. */
struct cv_opt {
	bool set;
	int64_t v;
};

/* The common collection fields, in the order cv_fields_page() lists them. */
#define CV_FIELDS_PAGE(maxsize)                                   \
	{ "pageSize", CV_F_PAGESIZE, (maxsize), NULL, 0 },        \
	{ "indexRange", CV_F_INDEXRANGE, 0, NULL, 0 },            \
	{ "pageToken", CV_F_PAGETOKEN, 512, NULL, 0 }
#define CV_FIELD_CLIENT_ID { "client_id", CV_F_CLIENT_ID, CV_LOGIN_MAX, NULL, 0 }
#define CV_FIELD_TIMESTAMPS { "timestamps", CV_F_TIMESTAMPS, 0, NULL, 0 }
/* A history list's fields: paging, client_id, timestamps (a list's own filters follow). */
#define CV_FIELDS_LIST(maxsize) CV_FIELDS_PAGE(maxsize), CV_FIELD_CLIENT_ID, CV_FIELD_TIMESTAMPS
/* A route's own filters, each parsed into its named member of struct cv_query. */
#define CV_FIELD_STRING(name, maxlen, member) { (name), CV_F_STRING, (maxlen), NULL, offsetof(struct cv_query, member) }
#define CV_FIELD_LIST(name, check, member) { (name), CV_F_LIST, 0, (check), offsetof(struct cv_query, member) }
#define CV_FIELD_SPAN_S(name, member) { (name), CV_F_SPAN_S, 0, NULL, offsetof(struct cv_query, member) }
#define CV_FIELD_SPAN_KM(name, member) { (name), CV_F_SPAN_KM, 0, NULL, offsetof(struct cv_query, member) }
#define CV_FIELD_KM(name, max_km, member) { (name), CV_F_KM, (max_km), NULL, offsetof(struct cv_query, member) }

/* The fields of a route that takes any query parameter (a device protocol's: CV_F_ANY). */
extern const struct cv_field cv_fields_any[];

struct cv_interval {
	int64_t from, to;                  /* half-open */
};

/*
 * The list checkers several routes share (a CV_FIELD_LIST's check: nonzero
 * for an item it accepts). B2B profile (fleet, endUser: both show the same
 * data); telemetry type (TelemetryEnum of either face: the parts' mask,
 * cv_tel_part_mask); telemetry extension (location and maintenance of 4.17,
 * and the older alerts, collision, odometer, fuel and electric: accepted,
 * unused).
 */
uint32_t cv_check_profile(const char *item);
uint32_t cv_check_tel_type(const char *item);
uint32_t cv_check_tel_extension(const char *item);

/* Parsed query: what the route's fields produced, typed; absent is zero. */
struct cv_query {
	bool has_page_size;
	int64_t page_size;
	bool has_range;
	int64_t range_from, range_to;      /* range_to = -1: open */
	const char *page_token;            /* NULL if absent */
	size_t nintervals;                 /* 0: no time filter */
	struct cv_interval intervals[CV_MAX_INTERVALS];
	const char *client_id;
	/* the routes' own filters */
	uint32_t type;                     /* telemetry parts, alarm types (masks) */
	uint32_t extension;                /* telemetry extensions, vehicle extensions */
	uint32_t profile;                  /* B2B profile: accepted, the same data */
	uint32_t states;                   /* trips: fault states */
	uint32_t country;                  /* user: accepted countries */
	const char *locale;
	const char *vin_prefix;
	struct cv_span duration;           /* trips: seconds */
	struct cv_span distance;           /* trips: metres */
	struct cv_opt tolerance;           /* wayPoints: Douglas-Peucker tolerance, mm */
	uint32_t period;                   /* summary: day, week or month (one bit of cgi/trips.c's) */
};

enum cv_auth {
	CV_AUTH_NONE,       /* anyone */
	CV_AUTH_USER,       /* bearer access token of a user */
	CV_AUTH_VEHICLE,    /* the vehicle's own credential (vehicle link) */
	CV_AUTH_FLEET,      /* a fleet manager (B2B): certificate, Basic or a fleet token, and client_id;
			     * a pattern with {fid} also checks the fleet is theirs */
	CV_AUTH_DEVICE,     /* a tracking device (db/devices.h), named by a field of its request (the
			     * query or the body): the handler reads it, then calls cv_auth_device();
			     * a write whatever the method, refused under the disk's reserve */
};

struct cv_req;
typedef int (*cv_handler)(struct cv_req *r);

struct cv_route {
	const char *method;                /* "GET", "POST", ... */
	const char *pattern;               /* ".../user/vehicles/{id}/status": captures named by kind */
	cv_handler fn;
	enum cv_auth auth;
	uint32_t scopes;                   /* all required (CV_SC_BIT...) */
	const struct cv_field *fields;     /* NULL-name terminated; NULL: no query */
	size_t max_body;                   /* 0: no body accepted */
};

struct cv_req {
	FCGX_Request *fcgi;
	struct cv_store *store;
	const char *prog;
	const struct cv_route *route;
	int64_t now;
	char uuid[40];

	/* request */
	const char *method;
	char path[CV_PATH_MAX];            /* decoded */
	const char *raw_path;              /* as received, without the query */
	size_t raw_path_len;
	const char *query_string;
	/* the layer's: handlers read captures with cv_req_id() */
	char *seg[CV_MAX_SEGS];            /* path captures ({id}...), decoded, in segbuf */
	const char *segname[CV_MAX_SEGS];  /* each one's name, in the route's pattern (not terminated) */
	size_t segnamelen[CV_MAX_SEGS];
	size_t nseg;
	char segbuf[CV_PATH_MAX + CV_MAX_SEGS];
	char base[CV_HOST_MAX + 16];       /* "http://host:port" for links */
	struct cv_query q;
	char *params[CV_MAX_PARAMS][2];    /* decoded name/value pairs (owned) */
	size_t nparams;
	char *form[CV_MAX_PARAMS][2];      /* decoded form body pairs (owned) */
	size_t nform;
	struct cv_buf body;
	bool body_done;                    /* the body was read to its end (or dropped) */
	size_t body_bytes;                 /* how much was read */

	/* who */
	bool b2b;                          /* CV_AUTH_FLEET: the fleet face */
	/*
	 * CV_AUTH_USER: the token. CV_AUTH_FLEET: tok.user is the fleet
	 * manager, tok.client the client_id, tok.scopes every scope (the
	 * fleet face has none); with a bearer token (scope fleet) the rest
	 * is the token's own.
	 */
	struct cv_token tok;
	const char *fid;                   /* CV_AUTH_FLEET: the fleet of the path, checked */
	/* set by cv_check_vehicle(): the vehicle of the path and its URL path on
	 * this face (/connectedcar/v4/user/vehicles/ID or
	 * /connectedcar/v3/fleets/FID/vehicles/ID), for links */
	const char *vid;
	char vbase[CV_PATH_MAX];
	struct cv_vehicle veh;             /* CV_AUTH_VEHICLE; B2B: the path's, after cv_check_vehicle() */
	/* rate limits (quota.h): the budgets this request was counted
	 * against, and what its X-RateLimit headers say (rl_set) */
	struct cv_rl_ask rl_ask;
	struct cv_rl_state rl;
	bool rl_set;
	/* CV_AUTH_FLEET: the client's limits, read with it */
	int64_t client_limits[CV_CLIENT_LIMITS];
	/*
	 * A creating POST's Idempotency-Key (cgi/keyed.h), set by
	 * cv_keyed_start: whose key it is, and the hash of the request it
	 * binds; a replayed answer's Content-Type.
	 */
	bool keyed;
	struct cv_idem_id idem;
	unsigned char idem_request[32];
	char idem_ctype[CV_IDEM_CTYPE_MAX + 1];

	/* response */
	int status;
	const char *ctype;
	struct cv_buf out;
	struct cv_buf headers;             /* extra "Name: value\r\n" lines */
	/*
	 * A working buffer for the handler (a record read from the store...):
	 * emptied before each request, its memory kept by the loop so that a
	 * read needs no malloc. Valid until the handler returns.
	 */
	struct cv_buf scratch;

	/* the answer cache (rcache.h), set by the layer before the handler */
	bool rc_skip;                      /* answered from the store, never the answer cache */
	const char *read_after;            /* a commit token to wait for (serve.c), or NULL */
	bool rc_try;                       /* a cacheable request that missed */
	bool rc_ok;                        /* the handler called cv_rc_vehicle() */
	struct cv_rc_stamp rc_stamp;       /* generations noted before the store was read */
	size_t rc_klen;
	char rc_key[CV_RC_KEY_MAX];
};

/*
 * Run the FastCGI loop over routes (NULL-method terminated); returns the
 * exit status. Handles --help and --version; the store is $CVAPI_HOME.
 */
int cv_serve(int argc, char **argv, const char *prog, const char *summary, const struct cv_route *routes);

/*
 * Ask cv_serve() to purge expired history between requests (db/purge.h):
 * a step of at most 200 deletions (3 ms) every CVAPI_PURGE_EVERY seconds (default
 * 10; 0 turns it off). Call it before cv_serve(); cvapi-ingest does.
 */
void cv_serve_purge(bool on);

/*
 * Ask cv_serve() to sweep what deleted callbacks left (db/sweep.h) once
 * the current request is answered: steps until none is left, for at most
 * CV_SWEEP_GAP_MS between two requests (the rest in the next gaps, or at
 * cvapi-ingest's purge ticks).
 */
#define CV_SWEEP_GAP_MS 500
void cv_serve_sweep(void);

/*
 * Fail the request: write the xError for status with cause and message,
 * log it, and return status (so handlers can `return cv_fail(...)`).
 */
int cv_fail(struct cv_req *r, int status, int cause, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Map a store error to 404 (CV_ENOTFOUND, with what), 503 (panic) or 500. */
int cv_fail_store(struct cv_req *r, enum cv_err e, const char *what);
/*
 * Over an owner's quota q (db/quotas.h, as an int) of limit: 403 with
 * code 40304 naming the quota; retry_ms > 0 adds Retry-After (a quota of
 * a period).
 */
int cv_fail_quota(struct cv_req *r, int q, int64_t limit, int64_t retry_ms);

/*
 * A bearer token unknown on a replica may be one just issued at the
 * master. When the request names a commit this site has not applied
 * (Cvapi-Read-After, serve.c), wait for it, once, and set *again: look
 * the token up again. A wait that does not end applied counts as a failed
 * guess of the address (quota.h), which bounds what waits cost anyone
 * without a credential. Returns 0, or 429 (answered) while the address is
 * locked out.
 */
int cv_read_after_again(struct cv_req *r, bool *again);

/* Add a response header line ("Name: value"). */
void cv_header(struct cv_req *r, const char *name, const char *value);

/* The decoded value of query parameter name, or NULL (the first one). */
const char *cv_param(const struct cv_req *r, const char *name);

/*
 * The path id the route's pattern captures as {name}, decoded, its syntax
 * checked by its kind (above). A name the route does not capture is a bug
 * of the program: it dies saying so.
 */
const char *cv_req_id(const struct cv_req *r, const char *name);


/*
 * Check the vehicle of the path: B2C, {id} must be in the token's user's
 * account; B2B, {vid} must be in the fleet ({fid}). Sets r->vid and
 * r->vbase. 0, or the failure status (403 not yours) already written.
 */
int cv_check_vehicle(struct cv_req *r);
/*
 * Say that this answer depends on the path's vehicle (after
 * cv_check_vehicle(): r->vid is the capture {id}) and on who asks, and on
 * nothing else: the layer may keep it and answer the same request with it
 * until the vehicle's data or anyone's rights change (rcache.h). Only for
 * handlers of the B2C face whose answer is the same whatever the time.
 */
void cv_rc_vehicle(struct cv_req *r);

/*
 * Split an "Authorization: Basic ..." header value (after "Basic ") into
 * user and password; false if malformed or a part does not fit.
 */
bool cv_basic_parse(const char *b64, char *user, size_t usz, char *pass, size_t psz);

/*
 * true when the request says it comes from a script (an X-Requested-With
 * header, which the console sends and a browser never adds by itself).
 */
bool cv_req_scripted(const struct cv_req *r);
/*
 * The WWW-Authenticate of a 401 where HTTP Basic is taken: Basic realm
 * "cvapi"; but to a script's request (cv_req_scripted) Bearer realm
 * "cvapi", a challenge for which no browser opens its sign-in dialog.
 */
void cv_basic_challenge(struct cv_req *r);

/*
 * Authenticate a tracking device of the registry by its id (a CV_AUTH_DEVICE
 * route's handler, once it read the id): the brake on guessing first (per
 * address: an id is a credential, quota.h), then the device's vehicle into
 * r->veh, then its rate limit (quota.h: CVAPI_RATE_DEVICE). An unknown
 * device counts a failure against the address, is audited with its id
 * masked (never logged: an OsmAnd id is a bearer secret) and answered
 * unknown_status. 0, or the failure's status (written).
 */
int cv_auth_device(struct cv_req *r, int kind, const char *id, int unknown_status);

/*
 * Split an application/x-www-form-urlencoded body into r->form, every
 * field unchecked (a device protocol's decoder reads them); 415 for
 * another type, 400 for a malformed one (its text not quoted).
 */
int cv_body_pairs(struct cv_req *r);

/*
 * Parse an application/x-www-form-urlencoded body. names lists the accepted
 * fields (NULL-terminated); vals[i] gets the decoded value of names[i] or
 * NULL. Unknown and repeated fields are a 400, another type a 415.
 */
int cv_body_form(struct cv_req *r, const char *const *names, const char **vals);

/* The most values a JSON body may hold (a batch of 1000 full samples holds about 40,000). */
#define CV_JSON_MAX_VALUES 100000
/*
 * Parse the request body as a JSON object (400 on bad JSON, 415 on a wrong
 * type, 413 past CV_JSON_MAX_VALUES values, refused before json-c builds
 * anything).
 */
int cv_body_json(struct cv_req *r, json_object **out);

#endif

/*
 * model.h - the operations of the store that cvapi's programs use: users,
 * clients, vehicles and their links, tokens, status, history.
 *
 * Every function takes the transaction to work in; NULL means a
 * read-committed read of its own (reads only). Write functions must run in
 * a transaction the caller commits (cv_store_txn). Errors are cv_err;
 * CV_EDEADLOCK asks the caller to abort and retry the whole transaction.
 *
 * One header, a file per purpose:
 *   secrets.c    hashes, passwords, random secrets
 *   users.c      users, clients, vehicles, fleets and their links
 *   fleetauth.c  fleet managers' credentials: certificates, Basic
 *   tokens.c     OAuth2 tokens
 *   status.c     the status snapshot, history writes, message ids
 *   history.c    history reads, events, alert and theft periods
 */
#ifndef CV_MODEL_H
#define CV_MODEL_H

#include "store.h"
#include "rec.h"
#include "telemetry.h"

/* ---- secrets ------------------------------------------------------------ */

#define CV_TOKEN_BYTES 32           /* random bytes in a token */
#define CV_TOKEN_STRLEN 44          /* its base64url form and NUL */

void cv_sha256(const void *data, size_t n, unsigned char out[32]);
void cv_sha256_hex(const void *data, size_t n, char out[CV_SHA256_HEXLEN + 1]);
/*
 * HMAC-SHA-256 (RFC 2104) of data[0..n) under key[0..keylen): the whole
 * 32-byte MAC into out (a caller that sends fewer bytes takes the first
 * ones, as RFC 4231 truncates). Any key length; key is never NULL. Every
 * MAC of cvapi is this one: pageTokens (cgi/page.c), the Basic
 * verification cache (fleetauth.c), webhook signatures (notify/webhook.c).
 * Dies if libcrypto fails.
 */
void cv_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n, unsigned char out[32]);
/* Hash a password with yescrypt; CV_EIO if libcrypt fails. */
enum cv_err cv_password_hash(const char *pw, char out[CV_HASH_MAX + 1]);
/* true if pw matches hash (constant time in the comparison). */
bool cv_password_check(const char *pw, const char *hash);
/* A fresh random secret in base64url (CV_TOKEN_STRLEN bytes with NUL). */
void cv_secret_new(char out[CV_TOKEN_STRLEN]);

/* ---- users, clients, vehicles ------------------------------------------- */

enum cv_err cv_user_get(struct cv_store *st, DB_TXN *txn, const char *login, struct cv_user *u);
/* flags: 0 to replace, DB_NOOVERWRITE to add only (CV_EEXIST). */
enum cv_err cv_user_put(struct cv_store *st, DB_TXN *txn, const struct cv_user *u, uint32_t flags);

enum cv_err cv_client_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_client *c);
enum cv_err cv_client_put(struct cv_store *st, DB_TXN *txn, const struct cv_client *c, uint32_t flags);

enum cv_err cv_vehicle_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_vehicle *v);
enum cv_err cv_vehicle_by_vin(struct cv_store *st, DB_TXN *txn, const char *vin, struct cv_vehicle *v);
/*
 * Add a vehicle: its record, the VIN index and, when v->owner is set, the
 * owner's link. CV_EEXIST if the VIN is taken.
 */
enum cv_err cv_vehicle_add(struct cv_store *st, DB_TXN *txn, const struct cv_vehicle *v);
/*
 * The energy capacity of vehicle id: its battery in Wh and its tank in cl
 * (rec.h's struct cv_vehicle), each 0 when unknown or when its energy has
 * none. CV_ENOTFOUND if there is no such vehicle.
 */
enum cv_err cv_vehicle_capacity(struct cv_store *st, DB_TXN *txn, const char *id, uint32_t *battery_wh,
				uint32_t *tank_cl);
/*
 * Set the capacity of vehicle id: battery_wh and tank_cl (0: leave it as
 * it is), its `updated` to now. CV_ENOTFOUND if no such vehicle, CV_EINVAL
 * if a value is past its bound (vdata.h) or its energy has no such store
 * (cv_capacity_applies): nothing is written then.
 */
enum cv_err cv_vehicle_set_capacity(struct cv_store *st, DB_TXN *txn, const char *id, uint32_t battery_wh,
				    uint32_t tank_cl, int64_t now);
/* true (CV_OK) if the user's account holds vehicle id; CV_ENOTFOUND if not. */
enum cv_err cv_user_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *login, const char *vid);
/*
 * The user's vehicles in id order, optionally only VINs starting with
 * vin_prefix: count them all into *total and call fn for those whose rank
 * is in [offset, offset + limit). fn returns nonzero to stop early.
 */
enum cv_err cv_user_vehicles(struct cv_store *st, DB_TXN *txn, const char *login, const char *vin_prefix,
			     size_t offset, size_t limit, size_t *total,
			     int (*fn)(const struct cv_vehicle *v, void *arg), void *arg);

/* Add a fleet (CV_EEXIST if its id is taken); its owner must exist (CV_ENOTFOUND). */
enum cv_err cv_fleet_add(struct cv_store *st, DB_TXN *txn, const struct cv_fleet *f);
enum cv_err cv_fleet_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_fleet *f);
/* Put vehicle vid in fleet fid (idempotent); CV_ENOTFOUND if either is unknown. */
enum cv_err cv_fleet_add_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid);
/* CV_OK if vehicle vid is in fleet fid, CV_ENOTFOUND if not. */
enum cv_err cv_fleet_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid);

/* The vehicles of fleet fid, as cv_user_vehicles does for a user. */
enum cv_err cv_fleet_vehicles(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vin_prefix,
			      size_t offset, size_t limit, size_t *total,
			      int (*fn)(const struct cv_vehicle *v, void *arg), void *arg);
/*
 * The ids of a fleet's vehicles, from its links alone (no vehicle record
 * is read: a fleet-wide list loads only the vehicles it shows). fn returns
 * nonzero to stop.
 */
enum cv_err cv_fleet_vehicle_ids(struct cv_store *st, DB_TXN *txn, const char *fid,
				 int (*fn)(const char *vid, void *arg), void *arg);
/*
 * The fleets whose manager is login, in id order: all counted into *total,
 * fn called for ranks [offset, offset + limit). A walk of every fleet: an
 * installation has few of them.
 */
enum cv_err cv_owner_fleets(struct cv_store *st, DB_TXN *txn, const char *login, size_t offset, size_t limit,
			    size_t *total, int (*fn)(const struct cv_fleet *f, void *arg), void *arg);

/* ---- fleet managers' credentials ------------------------------------------ */

#define CV_SUBJECT_MAX 512           /* a certificate's issuer or subject (DN) */
#define CV_CERT_KEY_MAX (2 * CV_SUBJECT_MAX + 1)
#define CV_BASIC_TTL_MS 3600000      /* how long a verified Basic credential is remembered */
/* A yescrypt hash no password matches: checked for an unknown login, to take a known one's time. */
#define CV_DECOY_HASH "$y$j9T$AAAAAAAAAAAAAAAAAAAAA.$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
/*
 * A client certificate's identity: its issuer and its subject, each as an
 * RFC 2253 DN written by OpenSSL (so the same whatever the web server),
 * as "issuer\nsubject" in key. The certificate is PEM text (pem[0..len)),
 * as web servers export it. CV_EINVAL: not a certificate, or a DN longer
 * than CV_SUBJECT_MAX.
 */
enum cv_err cv_cert_key(const char *pem, size_t len, char key[CV_CERT_KEY_MAX + 1]);
/* Certificates of this identity (cv_cert_key) are login's. */
enum cv_err cv_cert_put(struct cv_store *st, DB_TXN *txn, const char *key, const char *login);
/* Whose certificates of this identity are they: CV_ENOTFOUND if nobody's. */
enum cv_err cv_cert_login(struct cv_store *st, DB_TXN *txn, const char *key, char login[CV_LOGIN_MAX + 1]);
/*
 * HTTP Basic: CV_OK if password is login's, CV_EAUTH if not (or no such
 * user: then a yescrypt of a decoy hash runs all the same, so that the
 * time taken does not tell whether the login exists). A success is
 * remembered for CV_BASIC_TTL_MS in this process's memory, keyed by an
 * HMAC of login, password and the user's hash under a key of the process,
 * so that the next requests skip yescrypt (about 20-45 ms) and nothing
 * stored makes guessing cheaper than yescrypt. *fresh (may be NULL) says
 * whether this success ran yescrypt (a login) or was remembered.
 */
enum cv_err cv_basic_check(struct cv_store *st, const char *login, const char *password, int64_t now, bool *fresh);
/*
 * CV_OK if this process remembers login and password as a success (no
 * yescrypt runs), else CV_EAUTH: then only cv_basic_check can tell. An
 * integration whose credentials were checked keeps working while someone
 * else's wrong guesses lock the login out.
 */
enum cv_err cv_basic_known(struct cv_store *st, const char *login, const char *password, int64_t now);

/* ---- tokens ------------------------------------------------------------- */

/* Make and store a token for t (kind, user, client, scopes, times, family); its text goes to out. */
enum cv_err cv_token_issue(struct cv_store *st, DB_TXN *txn, const struct cv_token *t, char out[CV_TOKEN_STRLEN]);
/* A new token family (random; never all zeros). */
void cv_token_family_new(unsigned char out[CV_TOKEN_FAMILY]);
/*
 * Look a token's text up; CV_ENOTFOUND if unknown, CV_EAUTH if expired.
 * A used refresh token is found (t->used set): the caller decides.
 */
enum cv_err cv_token_lookup(struct cv_store *st, DB_TXN *txn, const char *token, struct cv_token *t, int64_t now);
/*
 * Revoke one token: an access token alone; a refresh token with its whole
 * family (RFC 7009: the access tokens of its grant too). CV_ENOTFOUND if
 * unknown. Answers kept for a revoked access token end with it.
 */
enum cv_err cv_token_revoke(struct cv_store *st, DB_TXN *txn, const char *token);
/*
 * Spend refresh token `token` for a refresh grant at now, under txn (which
 * must commit whatever the outcome): its record into *t. Unused, it is
 * marked used. Used already, it is a reuse: *reused is set and every token
 * of its family is revoked. One made before families is deleted, and
 * t->family gets a new family for the grant's next tokens. CV_ENOTFOUND if unknown (or not a refresh
 * token), CV_EAUTH if expired.
 */
enum cv_err cv_token_spend(struct cv_store *st, DB_TXN *txn, const char *token, int64_t now, struct cv_token *t,
			   bool *reused);
/*
 * Revoke every token match(t, arg) accepts (a scan of every token: for
 * families, users and clients); *n counts them.
 */
enum cv_err cv_token_revoke_matching(struct cv_store *st, DB_TXN *txn,
				     bool (*match)(const struct cv_token *t, void *arg), void *arg, size_t *n);
/* Every token record, in key order, read committed; fn returns nonzero to stop. */
enum cv_err cv_token_walk(struct cv_store *st, int (*fn)(const struct cv_token *t, void *arg), void *arg);

/* ---- status and history ------------------------------------------------- */

/* The vehicle id's 16 bytes (for history keys); CV_EINVAL if not 32 hex chars. */
enum cv_err cv_vid_bytes(const char *vid, unsigned char out[16]);

/* The status record into buf (decoded into rec, pointing into buf). */
enum cv_err cv_status_get(struct cv_store *st, DB_TXN *txn, const char *vid, struct cv_buf *buf,
			  struct cv_status_rec *rec);
enum cv_err cv_status_put(struct cv_store *st, DB_TXN *txn, const char *vid, const struct cv_state *state);

/*
 * Walk, newest first, the records of vehicle `vid` in a history database
 * whose keys are vid (16) . at (8, big-endian ms) . suffix (`slen` bytes,
 * 0, 1 or 2, big-endian): events (suffix = index in the sample), alerts
 * (suffix = alert code), trips (no suffix). Starts at position `start` (at << 16 | suffix,
 * inclusive: a resume point) and stops below time `from`, or when fn
 * returns nonzero. One cursor seek, then one step per record.
 */
enum cv_err cv_history_walk_desc(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
				 size_t slen, int64_t from, int64_t start,
				 int (*fn)(int64_t at, unsigned suffix, const void *val, size_t len, void *arg),
				 void *arg);

/*
 * The same walk as a cursor the caller moves (to merge several vehicles'
 * histories): after open and each next, `valid` says whether at, suffix
 * and val/len (valid until the next move) hold a record. Close it always.
 */
struct cv_hist_iter {
	DBC *c;
	DBT k, d;
	unsigned char kb[26], vb[256];
	unsigned char vid[16];
	size_t slen;
	int64_t from;
	bool valid;
	int64_t at;
	unsigned suffix;
	const void *val;
	size_t len;
};
enum cv_err cv_hist_iter_open(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			      size_t slen, int64_t from, int64_t start, struct cv_hist_iter *it);
enum cv_err cv_hist_iter_next(struct cv_hist_iter *it);
void cv_hist_iter_close(struct cv_hist_iter *it);

/*
 * Count vehicle vid's records of a history database (keys vid . at ...)
 * with from <= at < to, and, with accept, those it accepts (it sees the
 * packed value). Bulk reads (DB_MULTIPLE_KEY): a lock and a call per few
 * hundred records instead of per record, so counting a vehicle's whole
 * retention period (about 24,000 samples) costs about a millisecond.
 */
enum cv_err cv_history_count(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			     int64_t from, int64_t to, bool (*accept)(const void *val, size_t len, void *arg),
			     void *arg, int64_t *count);

/* One event (vid . at . index) or CV_ENOTFOUND. */
/*
 * The raw record of a history database (keys vid . at . suffix of slen
 * bytes, as for cv_history_walk_desc) into out; CV_ENOTFOUND if none.
 */
enum cv_err cv_history_get(struct cv_store *st, DB_TXN *txn, enum cv_dbid id, const unsigned char vid[16],
			   int64_t at, unsigned suffix, size_t slen, struct cv_buf *out);
enum cv_err cv_event_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			 unsigned index, struct cv_event *ev);
/* One period of db (alerts or stolen: vid . start . code) or CV_ENOTFOUND. */
enum cv_err cv_period_get(struct cv_store *st, DB_TXN *txn, enum cv_dbid db, const unsigned char vid[16],
			  int64_t start, unsigned code, struct cv_alert_rec *a);
/* One alert occurrence (vid . start . code) or CV_ENOTFOUND. */
enum cv_err cv_alert_get(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t start,
			 unsigned code, struct cv_alert_rec *a);

/*
 * Fold an alert event (raised or cleared at `at`, where the event says it
 * happened) into the vehicle's alert occurrences: a raise opens an
 * occurrence unless one of that type is active; a clear closes the active
 * one (a clear with none active, or older than it, changes nothing).
 */
enum cv_err cv_alert_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now);

/*
 * Fold a theft event (reported stolen, or found, at `at`) into the
 * vehicle's theft periods (stolen database, kept like alert occurrences;
 * the open one under alertopen's code CV_THEFT_OPEN_CODE).
 */
#define CV_THEFT_OPEN_CODE 0xffff
enum cv_err cv_theft_apply(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], int64_t at,
			   const struct cv_event *ev, int64_t now);

/*
 * Store samples s[0..n) (ascending time) in the vehicle's history: their
 * telemetry (telemetry.h) and their events.
 */
enum cv_err cv_history_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16],
			   const struct cv_sample *s, size_t n);
/*
 * Whether s[i] of a batch s[0..n) (ascending time) is what the history
 * holds for its time once cv_history_put stored the batch: it has data (a
 * sample with events only is not in the telemetry) and no later sample of
 * the batch with data has the same time (the later put replaced it). What
 * the builders fold at ingest (trips, charging sessions).
 */
bool cv_history_kept(const struct cv_sample *s, size_t n, size_t i);

/*
 * Record a message id; CV_EEXIST if this vehicle sent it before (and it is
 * still remembered, see doc/vehicle-link.md).
 */
enum cv_err cv_msgid_put(struct cv_store *st, DB_TXN *txn, const unsigned char vid[16], const char *msgid, int64_t now);

/*
 * Callbacks, under their owner ("u:" login or "f:" fleet id): another
 * owner's id is CV_ENOTFOUND. put: flags 0 or DB_NOOVERWRITE (CV_EEXIST).
 */
enum cv_err cv_callback_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id,
			    struct cv_callback *cb);
enum cv_err cv_callback_put(struct cv_store *st, DB_TXN *txn, const struct cv_callback *cb, uint32_t flags);
/*
 * Delete a callback with its monitors (what else it leaves is swept in
 * steps: the API deletes a callback with cv_sweep_callback, sweep.h).
 */
enum cv_err cv_callback_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id);
/*
 * An owner's callbacks in id order: those keep() accepts (every one when
 * keep is NULL) are counted into *total, and fn is called for those whose
 * rank is in [offset, offset + limit); fn returns nonzero to stop.
 */
enum cv_err cv_callbacks_of(struct cv_store *st, DB_TXN *txn, const char *owner,
			    bool (*keep)(const struct cv_callback *cb, void *arg), size_t offset, size_t limit,
			    size_t *total, int (*fn)(const struct cv_callback *cb, void *arg), void *arg);

/* Monitors, under their owner as callbacks are (another owner's id: CV_ENOTFOUND). */
enum cv_err cv_monitor_get(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id, struct cv_monitor *m);
/* put and del keep the engine's watch record in step (engine.h). */
enum cv_err cv_monitor_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m, uint32_t flags);
enum cv_err cv_monitor_del(struct cv_store *st, DB_TXN *txn, const char *owner, const char *id);
/* An owner's monitors in id order, as cv_callbacks_of does for callbacks. */
enum cv_err cv_monitors_of(struct cv_store *st, DB_TXN *txn, const char *owner,
			   bool (*keep)(const struct cv_monitor *m, void *arg), size_t offset, size_t limit,
			   size_t *total, int (*fn)(const struct cv_monitor *m, void *arg), void *arg);
/* Delete the owner's monitors of callback cbid (deleting a callback deletes its monitors). */
enum cv_err cv_monitors_drop_callback(struct cv_store *st, DB_TXN *txn, const char *owner, const char *cbid);

#endif

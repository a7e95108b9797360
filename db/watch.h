/*
 * watch.h - the monitor engine's records (store.h): a monitor's watch, the
 * monitor as the engine reads it, and its state (mstate) for one vehicle.
 * Their keys and packed forms, and the writes that keep a monitor's watch in
 * step with the monitor (cv_watch_put, cv_watch_del: from cv_monitor_put and
 * cv_monitor_del, in the monitor's transaction).
 *
 *   watch   scope \0 owner \0 id       version (1) status (1) b2b (1)
 *                                      refreshEvent (4) callback id (str)
 *                                      triggers (cv_mon_pack), then the
 *                                      extras: extendedEventParam (count (1),
 *                                      str each), the monitor's attributes and
 *                                      those it adds to its callback (cbattr.h)
 *   timed   the watch's key            empty: a monitor with a time trigger
 *                                      or a refreshEvent (the timer's list)
 *   mstate  vid (16) . owner \0 id     version (1) truth (1) fired (8) seen (8)
 *
 * scope is "v" vehicle id (the user face) or "f" fleet id (the fleet
 * face): the monitors of a vehicle are one cursor range per scope, and the
 * states of a vehicle one range. Integers in the values are little-endian
 * (pack.h). Nothing here reads a record it did not check: a watch that
 * does not parse is not evaluated, an mstate that does not starts afresh.
 */
#ifndef CV_WATCH_H
#define CV_WATCH_H

#include "model.h"
#include "monitor.h"

/* One monitor watching the vehicle, and its state for it. */
struct cv_watch {
	char owner[CV_CB_OWNER_MAX + 1];
	char id[CV_MON_IDLEN + 1];
	char cbid[CV_CB_IDLEN + 1];
	uint8_t status;                 /* enum cv_cb_status */
	uint8_t b2b;
	int32_t refresh_s;
	struct cv_mon_def def;
	size_t extra_off, extra_len;    /* extendedEventParam and attributes, packed, in the engine's extras */
	/* mstate */
	uint8_t truth;
	int64_t fired;                  /* the sample time of its last firing (ms), 0 never */
	int64_t seen;                   /* the latest time it was evaluated at (a sample's, or the timer's) */
	bool dirty;                     /* mstate to write */
	/* this batch's firings: deferred, and past CV_ENGINE_FIRINGS_MAX (engine.h) */
	uint32_t deferred, capped;
};

/* The scopes of a watch key. */
#define CV_WATCH_VEHICLE 'v'            /* a user's monitor of one vehicle: scope "v" vid */
#define CV_WATCH_FLEET 'f'              /* a fleet's monitor, of its every vehicle: scope "f" fleet id */

#define CV_WATCH_KEY_MAX (1 + CV_LOGIN_MAX + 1 + CV_CB_OWNER_MAX + 1 + CV_MON_IDLEN)
#define CV_MSTATE_VID 16                /* the vehicle id's bytes that start an mstate key (cv_vid_bytes) */
#define CV_MSTATE_KEY_MAX (CV_MSTATE_VID + CV_CB_OWNER_MAX + 1 + CV_MON_IDLEN)
#define CV_MSTATE_LEN 18                /* an mstate value, as written */

/* The fleet id of a fleet's owner ("f:" fleet id, rec.h); NULL for any other owner. */
const char *cv_watch_fleet(const char *owner);

/* scope \0, the start of a scope's range, into k[0..ksz): its length; 0 if id is empty or k too small. */
size_t cv_watch_scope_key(char *k, size_t ksz, char scope, const char *id);
/* The watch (and timed) key of m into k[0..ksz): its length; 0 if m cannot be watched. */
size_t cv_watch_key(char *k, size_t ksz, const struct cv_monitor *m);

/* A watch key's parts. */
struct cv_watch_key {
	char scope;                     /* CV_WATCH_VEHICLE or CV_WATCH_FLEET */
	char scope_id[CV_LOGIN_MAX + 1];
	char owner[CV_CB_OWNER_MAX + 1];
	char id[CV_MON_IDLEN + 1];
};
/* Split a watch key k[0..klen) into *out: false if it is not one (a part too long, or missing). */
bool cv_watch_key_parse(const void *k, size_t klen, struct cv_watch_key *out);

/*
 * Pack m's watch record into b, and read one back into w (status, b2b,
 * refresh_s, cbid, def; extra_off and extra_len: where its extras start in
 * v, and their length). CV_EINVAL: not a watch record of this version.
 */
enum cv_err cv_watch_pack(const struct cv_monitor *m, struct cv_buf *b);
enum cv_err cv_watch_unpack(const void *v, size_t vlen, struct cv_watch *w);
/* Whether two packed watch records watch for the same thing: everything but their status alike. */
bool cv_watch_same(const void *a, size_t alen, const void *b, size_t blen);
/* A watch's extras (extendedEventParam, attributes) into m; CV_EINVAL if malformed. */
enum cv_err cv_watch_extras(const void *p, size_t len, struct cv_monitor *m);

/* The mstate key of (owner, id) for the vehicle vid into k[0..CV_MSTATE_KEY_MAX): its length; 0 if too long. */
size_t cv_mstate_key(unsigned char *k, const char *owner, const char *id, const unsigned char vid[CV_MSTATE_VID]);
/* The owner and monitor id of an mstate key (its vehicle's bytes skipped); false if it is not one. */
bool cv_mstate_key_parse(const void *k, size_t klen, char owner[CV_CB_OWNER_MAX + 1], char id[CV_MON_IDLEN + 1]);
/* w's state (truth, fired, seen) packed into v, and read back: a value that does not parse reads as none (all 0). */
void cv_mstate_pack(const struct cv_watch *w, unsigned char v[CV_MSTATE_LEN]);
void cv_mstate_unpack(const void *v, size_t vlen, struct cv_watch *w);

/*
 * Keep the watch record of m in step (from cv_monitor_put / cv_monitor_del,
 * same transaction): written, with its timed entry when it has a time
 * trigger or a refreshEvent; a definition that changed (not merely its
 * status) drops its states, as deleting it does. put: CV_EINVAL if m cannot
 * be watched.
 */
enum cv_err cv_watch_put(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m);
enum cv_err cv_watch_del(struct cv_store *st, DB_TXN *txn, const struct cv_monitor *m);

#endif

/*
 * devices.h - the device registry: which tracking device reports for which
 * vehicle. A device speaks an open device protocol (a kind) and is named
 * by an id in it; the two protocols cvapi speaks are:
 *
 *   osmand     the OsmAnd / Traccar Client HTTP protocol (cgi/ingest.c,
 *              /osmand): the id is 1 to CV_DEVICE_ID_MAX characters of
 *              A-Z a-z 0-9 . _ - , the app's "device identifier". It is
 *              the only credential the protocol has: whoever knows it
 *              reports positions for the vehicle. A bearer secret, kept
 *              as its SHA-256 like every other credential of the store,
 *              and best long and random (cv_device_new_osmand: 256 bits).
 *   teltonika  a Teltonika tracker (TCP, Codec 8): the id is its IMEI,
 *              exactly 15 digits, as the tracker's handshake sends it.
 *              Printed on the box and no secret: kept as it is.
 *
 * Written "KIND:ID" (cv_device_parse, and what cvctl prints).
 *
 * A device reports for exactly one vehicle, and a vehicle has at most one
 * device: a phone or a tracker is the vehicle's one source of positions
 * besides the vehicle link, and two trackers in one car would report two
 * truths. Both directions are one key of the `devices` database each,
 * written in one transaction (store.h):
 *
 *   "d" KIND ":" ID      the vehicle id (32 hex digits)   (osmand: ID is the
 *                                                           SHA-256 in hex)
 *   "v" vehicle id       KIND ":" ID, as above
 *
 * so that a report finds its vehicle with one lookup (cv_device_vehicle).
 * Functions take the transaction to work in, as model.h's do.
 */
#ifndef CV_DEVICES_H
#define CV_DEVICES_H

#include "model.h"

enum cv_device_kind { CV_DEV_OSMAND, CV_DEV_TELTONIKA, CV_DEV_KINDS };
/* "osmand", "teltonika" */
extern const char *const cv_device_kind_names[CV_DEV_KINDS];

#define CV_DEVICE_ID_MAX 64         /* an OsmAnd id's length at most */
#define CV_DEVICE_IMEI_LEN 15       /* a Teltonika IMEI's digits */
/* An OsmAnd id shorter than this can be guessed: cvctl says so (a generated one has 43). */
#define CV_DEVICE_ID_SAFE 22
/* "teltonika:" and the longest id */
#define CV_DEVICE_TEXT_MAX (9 + 1 + CV_DEVICE_ID_MAX)

struct cv_device {
	uint8_t kind;                       /* enum cv_device_kind */
	char id[CV_DEVICE_ID_MAX + 1];      /* as given: the OsmAnd id or the IMEI */
};

/* Is id a valid id of kind (the syntax above)? */
bool cv_device_id_ok(enum cv_device_kind kind, const char *id);
/*
 * Read "KIND:ID" into *d: CV_OK, or CV_EINVAL with what is wrong in why
 * (an unknown kind, a malformed id).
 */
enum cv_err cv_device_parse(const char *text, struct cv_device *d, char *why, size_t whysz);
/* "KIND:ID" of d into out. */
void cv_device_text(const struct cv_device *d, char out[CV_DEVICE_TEXT_MAX + 1]);
/* A new random OsmAnd id: 32 random bytes in base64url (43 characters). */
void cv_device_new_osmand(struct cv_device *d);

/*
 * Link device d to vehicle vid (which must exist: the caller checked).
 * CV_OK, also when d is linked to vid already (nothing written);
 * CV_EEXIST when d reports for another vehicle (its id into other_vid),
 * CV_EBUSY when vid has another device. Nothing is written on a refusal.
 */
enum cv_err cv_device_link(struct cv_store *st, DB_TXN *txn, const struct cv_device *d, const char *vid,
			   char other_vid[CV_VID_HEXLEN + 1]);
/* The vehicle d reports for, into vid: CV_OK, or CV_ENOTFOUND for a device nobody linked. */
enum cv_err cv_device_vehicle(struct cv_store *st, DB_TXN *txn, const struct cv_device *d,
			      char vid[CV_VID_HEXLEN + 1]);
/*
 * The device of vehicle vid: its kind into *kind, CV_OK; CV_ENOTFOUND when
 * it has none. (The OsmAnd id itself is not kept, only its digest.)
 */
enum cv_err cv_device_of_vehicle(struct cv_store *st, DB_TXN *txn, const char *vid, enum cv_device_kind *kind);
/*
 * The remote action types (bits 1 << enum cv_remote_type, core/remote.h)
 * a device of this kind can carry out: none for an OsmAnd phone (an app
 * that only reports), Immobilization for a Teltonika tracker (a digital
 * output, through a Codec 12 command its daemon sends: cvteltonika(8)).
 * A vehicle with a device takes no other remote action: its only link is
 * the device (cgi/remotes.c refuses the rest at the POST).
 */
uint32_t cv_device_remote_types(enum cv_device_kind kind);

/* Remove vehicle vid's device link, both ways (CV_OK when it had none): for a vehicle's removal. */
enum cv_err cv_device_unlink_vehicle(struct cv_store *st, DB_TXN *txn, const char *vid);

#endif

/* devices.c - the device registry (see devices.h). */
#include "config.h"
#include "devices.h"
#include "ids.h"
#include "remote.h"

#include <stdio.h>
#include <string.h>

const char *const cv_device_kind_names[CV_DEV_KINDS] = { "osmand", "teltonika" };

bool cv_device_id_ok(enum cv_device_kind kind, const char *id)
{
	size_t n = strlen(id);

	if (kind == CV_DEV_OSMAND)
		return cv_chars_ok(id, CV_DEVICE_ID_MAX, "._-");
	if (kind != CV_DEV_TELTONIKA || n != CV_DEVICE_IMEI_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return false;
	return true;
}

enum cv_err cv_device_parse(const char *text, struct cv_device *d, char *why, size_t whysz)
{
	const char *colon = strchr(text, ':');
	size_t kl = colon ? (size_t)(colon - text) : strlen(text);
	int k;

	memset(d, 0, sizeof(*d));
	for (k = 0; k < CV_DEV_KINDS; k++)
		if (strlen(cv_device_kind_names[k]) == kl && !strncmp(text, cv_device_kind_names[k], kl))
			break;
	if (k == CV_DEV_KINDS) {
		snprintf(why, whysz, "a device is osmand:ID or teltonika:IMEI");
		return CV_EINVAL;
	}
	d->kind = (uint8_t)k;
	if (!colon || !cv_device_id_ok((enum cv_device_kind)k, colon + 1)) {
		if (k == CV_DEV_OSMAND)
			snprintf(why, whysz, "an osmand device id is 1 to %d characters among A-Z a-z 0-9 . _ -",
				 CV_DEVICE_ID_MAX);
		else
			snprintf(why, whysz, "a teltonika device id is its IMEI: %d digits", CV_DEVICE_IMEI_LEN);
		return CV_EINVAL;
	}
	cv_strlcpy(d->id, colon + 1, sizeof(d->id));
	return CV_OK;
}

void cv_device_text(const struct cv_device *d, char out[CV_DEVICE_TEXT_MAX + 1])
{
	snprintf(out, CV_DEVICE_TEXT_MAX + 1, "%s:%s", cv_device_kind_names[d->kind < CV_DEV_KINDS ? d->kind : 0],
		 d->id);
}

void cv_device_new_osmand(struct cv_device *d)
{
	char s[CV_TOKEN_STRLEN];

	memset(d, 0, sizeof(*d));
	d->kind = CV_DEV_OSMAND;
	cv_secret_new(s);
	cv_strlcpy(d->id, s, sizeof(d->id));
}

/* The longest key: "d" KIND ":" a SHA-256 in hex or an IMEI */
#define KEY_MAX (1 + 9 + 1 + CV_SHA256_HEXLEN)

/*
 * The stored name of d, "KIND:ID" with an OsmAnd id as its SHA-256 (hex),
 * after prefix (one byte) in key; its length.
 */
static size_t device_key(const struct cv_device *d, char prefix, char key[KEY_MAX + 1])
{
	char hash[CV_SHA256_HEXLEN + 1];
	const char *id = d->id;

	if (d->kind == CV_DEV_OSMAND) {
		cv_sha256_hex(d->id, strlen(d->id), hash);
		id = hash;
	}
	return (size_t)snprintf(key, KEY_MAX + 1, "%c%s:%s", prefix, cv_device_kind_names[d->kind], id);
}

/* The reverse key: "v" vehicle id. */
static size_t vehicle_key(const char *vid, char key[CV_VID_HEXLEN + 2])
{
	return (size_t)snprintf(key, CV_VID_HEXLEN + 2, "v%s", vid);
}

enum cv_err cv_device_vehicle(struct cv_store *st, DB_TXN *txn, const struct cv_device *d,
			      char vid[CV_VID_HEXLEN + 1])
{
	char key[KEY_MAX + 1];
	size_t kl = device_key(d, 'd', key);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_DEVICES, txn, key, kl, &b);

	if (!e && b.len != CV_VID_HEXLEN)
		e = CV_EINVAL;
	if (!e) {
		memcpy(vid, b.p, CV_VID_HEXLEN);
		vid[CV_VID_HEXLEN] = '\0';
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_device_link(struct cv_store *st, DB_TXN *txn, const struct cv_device *d, const char *vid,
			   char other_vid[CV_VID_HEXLEN + 1])
{
	char key[KEY_MAX + 1], vkey[CV_VID_HEXLEN + 2];
	size_t kl = device_key(d, 'd', key), vkl = vehicle_key(vid, vkey);
	enum cv_err e;

	other_vid[0] = '\0';
	if (strlen(vid) != CV_VID_HEXLEN)
		return CV_EINVAL;
	e = cv_device_vehicle(st, txn, d, other_vid);
	if (!e)
		return strcmp(other_vid, vid) ? CV_EEXIST : CV_OK;
	if (e != CV_ENOTFOUND)
		return e;
	other_vid[0] = '\0';
	e = cv_store_exists(st, CV_DB_DEVICES, txn, vkey, vkl);
	if (!e)
		return CV_EBUSY;
	if (e != CV_ENOTFOUND)
		return e;
	e = cv_store_put(st, CV_DB_DEVICES, txn, key, kl, vid, CV_VID_HEXLEN, DB_NOOVERWRITE);
	if (!e)
		e = cv_store_put(st, CV_DB_DEVICES, txn, vkey, vkl, key + 1, kl - 1, DB_NOOVERWRITE);
	return e;
}

enum cv_err cv_device_of_vehicle(struct cv_store *st, DB_TXN *txn, const char *vid, enum cv_device_kind *kind)
{
	char vkey[CV_VID_HEXLEN + 2];
	size_t vkl = vehicle_key(vid, vkey);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_DEVICES, txn, vkey, vkl, &b);

	if (!e) {
		int k;

		for (k = 0; k < CV_DEV_KINDS; k++) {
			size_t n = strlen(cv_device_kind_names[k]);

			if (b.len > n && b.p[n] == ':' && !memcmp(b.p, cv_device_kind_names[k], n))
				break;
		}
		if (k == CV_DEV_KINDS)
			e = CV_EINVAL;
		else
			*kind = (enum cv_device_kind)k;
	}
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_device_unlink_vehicle(struct cv_store *st, DB_TXN *txn, const char *vid)
{
	char vkey[CV_VID_HEXLEN + 2], key[KEY_MAX + 1];
	size_t vkl = vehicle_key(vid, vkey);
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_DEVICES, txn, vkey, vkl, &b);

	if (e == CV_ENOTFOUND) {
		cv_buf_release(&b);
		return CV_OK;
	}
	if (!e && b.len > KEY_MAX - 1)
		e = CV_EINVAL;
	if (!e) {
		key[0] = 'd';
		memcpy(key + 1, b.p, b.len);
		e = cv_store_del(st, CV_DB_DEVICES, txn, key, b.len + 1);
		if (e == CV_ENOTFOUND)
			e = CV_OK;
	}
	if (!e)
		e = cv_store_del(st, CV_DB_DEVICES, txn, vkey, vkl);
	cv_buf_release(&b);
	return e;
}

uint32_t cv_device_remote_types(enum cv_device_kind kind)
{
	return kind == CV_DEV_TELTONIKA ? 1u << CV_RT_IMMOBILIZATION : 0;
}

/*
 * unit-devices.c - tests of db/devices: the ids each kind takes, "KIND:ID"
 * read and written, a generated OsmAnd id, and links in a store (one each
 * way, refusals that write nothing, an OsmAnd id kept as its digest, the
 * link removed with a vehicle).
 */
#define _GNU_SOURCE
#include "config.h"
#include "devices.h"
#include "remote.h"
#include "tap.h"
#include "tmpstore.h"

#include <stdlib.h>
#include <string.h>

static void test_ids(void)
{
	char id[CV_DEVICE_ID_MAX + 2], why[160], text[CV_DEVICE_TEXT_MAX + 1];
	struct cv_device d;

	ok(cv_device_id_ok(CV_DEV_OSMAND, "48241179"), "the app's default id (8 digits)");
	ok(cv_device_id_ok(CV_DEV_OSMAND, "a.b_c-D9"), "letters, digits, . _ -");
	ok(!cv_device_id_ok(CV_DEV_OSMAND, ""), "an empty id");
	ok(!cv_device_id_ok(CV_DEV_OSMAND, "a b"), "a space");
	ok(!cv_device_id_ok(CV_DEV_OSMAND, "a:b"), "a colon");
	ok(!cv_device_id_ok(CV_DEV_OSMAND, "caf\xc3\xa9"), "past ASCII");
	memset(id, 'x', CV_DEVICE_ID_MAX);
	id[CV_DEVICE_ID_MAX] = '\0';
	ok(cv_device_id_ok(CV_DEV_OSMAND, id), "64 characters");
	id[CV_DEVICE_ID_MAX] = 'x';
	id[CV_DEVICE_ID_MAX + 1] = '\0';
	ok(!cv_device_id_ok(CV_DEV_OSMAND, id), "65 characters");
	ok(cv_device_id_ok(CV_DEV_TELTONIKA, "356307042441013"), "an IMEI: 15 digits");
	ok(!cv_device_id_ok(CV_DEV_TELTONIKA, "35630704244101"), "14 digits");
	ok(!cv_device_id_ok(CV_DEV_TELTONIKA, "3563070424410130"), "16 digits");
	ok(!cv_device_id_ok(CV_DEV_TELTONIKA, "35630704244101a"), "a letter");

	ok(!cv_device_parse("osmand:48241179", &d, why, sizeof(why)) && d.kind == CV_DEV_OSMAND &&
	   !strcmp(d.id, "48241179"), "osmand:ID");
	cv_device_text(&d, text);
	is_str(text, "osmand:48241179", "written back");
	ok(!cv_device_parse("teltonika:356307042441013", &d, why, sizeof(why)) && d.kind == CV_DEV_TELTONIKA,
	   "teltonika:IMEI");
	ok(cv_device_parse("gt06:1234", &d, why, sizeof(why)) == CV_EINVAL && strstr(why, "osmand:ID"),
	   "an unknown kind: %s", why);
	ok(cv_device_parse("osmand", &d, why, sizeof(why)) == CV_EINVAL, "a kind without an id");
	ok(cv_device_parse("osmand:", &d, why, sizeof(why)) == CV_EINVAL && strstr(why, "1 to 64"),
	   "an empty id: %s", why);
	ok(cv_device_parse("teltonika:12", &d, why, sizeof(why)) == CV_EINVAL && strstr(why, "15 digits"),
	   "a short IMEI: %s", why);
	ok(cv_device_parse("osmandx:1", &d, why, sizeof(why)) == CV_EINVAL, "a kind's name is whole");

	cv_device_new_osmand(&d);
	is_int(strlen(d.id), 43, "a generated id: 43 characters");
	ok(cv_device_id_ok(CV_DEV_OSMAND, d.id), "of the id's alphabet");
	{
		struct cv_device e;

		cv_device_new_osmand(&e);
		ok(strcmp(d.id, e.id), "two generated ids differ");
	}
}

struct link {
	const struct cv_device *d;
	const char *vid;
	char other[CV_VID_HEXLEN + 1];
};

static enum cv_err link_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct link *l = arg;

	return cv_device_link(st, txn, l->d, l->vid, l->other);
}

static enum cv_err unlink_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_device_unlink_vehicle(st, txn, arg);
}

static enum cv_err link_dev(struct cv_store *st, const struct cv_device *d, const char *vid, char *other)
{
	struct link l = { d, vid, "" };
	enum cv_err e = cv_store_txn(st, 0, link_txn, &l);

	if (other)
		memcpy(other, l.other, sizeof(l.other));
	return e;
}

/* How many records the devices database holds. */
static int count_fn(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)k, (void)kl, (void)v, (void)vl;
	(*(int *)arg)++;
	return 0;
}

static int records(struct cv_store *st)
{
	int n = 0;

	cv_store_scan(st, CV_DB_DEVICES, NULL, "", 0, count_fn, &n);
	return n;
}

static int find_id(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)v, (void)vl;
	if (memmem(k, kl, arg, strlen(arg)))
		*(char *)arg = '\0';
	return 0;
}

static void test_store(struct cv_store *st)
{
	const char *v1 = "0123456789abcdef0123456789abcdef", *v2 = "fedcba9876543210fedcba9876543210";
	struct cv_device phone, tracker, other;
	char vid[CV_VID_HEXLEN + 1], who[CV_VID_HEXLEN + 1], needle[64];
	enum cv_device_kind kind;

	cv_device_parse("osmand:phone-0123456789abcdefXYZ", &phone, who, sizeof(who));
	cv_device_parse("teltonika:356307042441013", &tracker, who, sizeof(who));
	cv_device_parse("osmand:another-phone-0123456789", &other, who, sizeof(who));

	is_int(cv_device_vehicle(st, NULL, &phone, vid), CV_ENOTFOUND, "an unknown device");
	is_int(cv_device_of_vehicle(st, NULL, v1, &kind), CV_ENOTFOUND, "a vehicle without a device");
	is_int(link_dev(st, &phone, v1, NULL), CV_OK, "a phone linked to v1");
	ok(!cv_device_vehicle(st, NULL, &phone, vid) && !strcmp(vid, v1), "the phone reports for v1");
	ok(!cv_device_of_vehicle(st, NULL, v1, &kind) && kind == CV_DEV_OSMAND, "v1's device is an osmand one");
	is_int(records(st), 2, "one record each way");
	cv_strlcpy(needle, "phone-0123456789abcdefXYZ", sizeof(needle));
	cv_store_scan(st, CV_DB_DEVICES, NULL, "", 0, find_id, needle);
	ok(needle[0], "the OsmAnd id is not in the store (its SHA-256 is)");

	is_int(link_dev(st, &phone, v1, NULL), CV_OK, "the same link again: fine");
	is_int(records(st), 2, "nothing written");
	is_int(link_dev(st, &phone, v2, who), CV_EEXIST, "the phone to another vehicle: refused");
	is_str(who, v1, "it says which vehicle has it");
	is_int(link_dev(st, &other, v1, NULL), CV_EBUSY, "another device to v1: refused");
	is_int(records(st), 2, "nothing written by either");
	is_int(cv_device_vehicle(st, NULL, &other, vid), CV_ENOTFOUND, "the refused device is unknown");

	is_int(link_dev(st, &tracker, v2, NULL), CV_OK, "a tracker linked to v2");
	ok(!cv_device_of_vehicle(st, NULL, v2, &kind) && kind == CV_DEV_TELTONIKA, "v2's is a teltonika one");
	cv_strlcpy(needle, "356307042441013", sizeof(needle));
	cv_store_scan(st, CV_DB_DEVICES, NULL, "", 0, find_id, needle);
	ok(!needle[0], "an IMEI is kept as it is");

	is_int(cv_store_txn(st, 0, unlink_txn, (void *)v1), CV_OK, "v1's link removed");
	is_int(cv_device_vehicle(st, NULL, &phone, vid), CV_ENOTFOUND, "the phone is unknown again");
	is_int(cv_device_of_vehicle(st, NULL, v1, &kind), CV_ENOTFOUND, "v1 has no device");
	is_int(records(st), 2, "v2's two records are left");
	is_int(cv_store_txn(st, 0, unlink_txn, (void *)v1), CV_OK, "removing none: fine");
	is_int(link_dev(st, &other, v1, NULL), CV_OK, "v1 takes another device now");
	is_int(link_dev(st, &phone, "x", NULL), CV_EINVAL, "a malformed vehicle id");
}

int main(void)
{
	char dir[] = "/tmp/cvdevices-XXXXXX";
	struct cv_store st;

	test_ids();
	if (!mkdtemp(dir) || cv_store_open(&st, dir, CV_STORE_CREATE)) {
		printf("Bail out! no store\n");
		return 1;
	}
	test_store(&st);
	cv_store_close(&st);
	rm_store(dir);
	/* what each kind carries out: the POST refuses the rest (cgi/remotes.c) */
	is_int(cv_device_remote_types(CV_DEV_OSMAND), 0, "an OsmAnd phone carries out no remote action");
	is_int(cv_device_remote_types(CV_DEV_TELTONIKA), 1u << CV_RT_IMMOBILIZATION, "a Teltonika tracker: Immobilization");
	return tap_done();
}

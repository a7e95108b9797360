/*
 * unit-cbattr.c - the packed attribute lists (db/cbattr) and the records
 * that carry attributes: a list survives a round trip; writing refuses a
 * list over its bound or an attribute of an unknown type, leaving the
 * buffer as it was; reading refuses the same, and any damaged or
 * truncated list, without reading out of bounds and without handing back
 * part of it. The outbox's notes, the remote actions and the JSON
 * records of callbacks and monitors refuse an unknown type too.
 */
#include "cbattr.h"
#include "outbox.h"
#include "actions.h"
#include "ids.h"
#include "monitor.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void fill(struct cv_cb_attr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].type = (uint8_t)(i % 3);
		snprintf(a[i].key, sizeof(a[i].key), "k%zu", i);
		snprintf(a[i].value, sizeof(a[i].value), "v%zu", i);
	}
}

static bool same(const struct cv_cb_attr *a, const struct cv_cb_attr *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].type != b[i].type || strcmp(a[i].key, b[i].key) || strcmp(a[i].value, b[i].value))
			return false;
	return true;
}

/* Unpack p[0..len) with max; *n as read, and whether it was refused. */
static bool refused(const void *p, size_t len, size_t max, size_t *n)
{
	struct cv_cb_attr a[CV_NOTE_ATTRS];
	struct cv_rd rd = CV_RD_INIT(p, len);

	*n = 99;
	cv_cbattr_unpack(&rd, a, max, n);
	return rd.bad;
}

static void test_round_trip(void)
{
	struct cv_cb_attr a[CV_CB_ATTRS_MAX], back[CV_CB_ATTRS_MAX];
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_rd rd;
	size_t n = 99;

	fill(a, CV_CB_ATTRS_MAX);
	memset(a[0].key, 'K', CV_CB_KEY_MAX);
	a[0].key[CV_CB_KEY_MAX] = '\0';
	memset(a[1].value, 'V', CV_CB_VALUE_MAX);
	a[1].value[CV_CB_VALUE_MAX] = '\0';
	a[2].value[0] = '\0';
	is_int(cv_cbattr_pack(&b, a, CV_CB_ATTRS_MAX, CV_CB_ATTRS_MAX), CV_OK, "a full list of every type packs");
	rd = (struct cv_rd)CV_RD_INIT(b.p, b.len);
	cv_cbattr_unpack(&rd, back, CV_CB_ATTRS_MAX, &n);
	ok(!rd.bad && rd.off == b.len, "and unpacks whole");
	is_int(n, CV_CB_ATTRS_MAX, "all of it");
	ok(same(a, back, n), "as it was: types, the longest key and value, an empty value");

	cv_buf_reset(&b);
	is_int(cv_cbattr_pack(&b, a, 0, CV_CB_ATTRS_MAX), CV_OK, "an empty list packs");
	is_int(b.len, 1, "as its count alone");
	ok(!refused(b.p, b.len, CV_CB_ATTRS_MAX, &n) && n == 0, "and unpacks as none");
	cv_buf_release(&b);
}

static void test_write_refusals(void)
{
	struct cv_cb_attr *a = calloc(300, sizeof(*a));
	struct cv_buf b = CV_BUF_INIT(0);

	fill(a, 300);
	cv_buf_adds(&b, "before");
	is_int(cv_cbattr_pack(&b, a, CV_CB_ATTRS_MAX + 1, CV_CB_ATTRS_MAX), CV_EINVAL, "one over the bound is refused");
	is_int(cv_cbattr_pack(&b, a, 256, 300), CV_EINVAL, "a count that does not fit its byte is refused");
	a[5].type = CV_CBA_QUERY + 1;
	is_int(cv_cbattr_pack(&b, a, 8, CV_CB_ATTRS_MAX), CV_EINVAL, "a type past Query is refused");
	a[5].type = 255;
	is_int(cv_cbattr_pack(&b, a, 8, CV_CB_ATTRS_MAX), CV_EINVAL, "and 255");
	is_str(cv_buf_str(&b), "before", "nothing was written by a refusal");
	a[5].type = CV_CBA_QUERY;
	is_int(cv_cbattr_pack(&b, a, CV_NOTE_ATTRS, CV_NOTE_ATTRS), CV_OK, "the outbox's bound holds more");
	free(a);
	cv_buf_release(&b);
}

static void test_read_refusals(void)
{
	struct cv_cb_attr a[CV_NOTE_ATTRS];
	struct cv_buf b = CV_BUF_INIT(0);
	unsigned char bytes[700];
	size_t n, accepted = 0, flips = 0;
	bool sound = true;
	int cut_refused = 0;

	fill(a, CV_NOTE_ATTRS);
	cv_cbattr_pack(&b, a, CV_NOTE_ATTRS, CV_NOTE_ATTRS);
	ok(refused(b.p, b.len, CV_CB_ATTRS_MAX, &n), "a list over the reader's bound is refused");
	is_int(n, 0, "and none of it is handed back");
	ok(!refused(b.p, b.len, CV_NOTE_ATTRS, &n) && n == CV_NOTE_ATTRS, "the same under the outbox's bound is read");

	/* count 1, type, key, value, by hand */
	bytes[0] = 1, bytes[1] = CV_CBA_QUERY + 1, bytes[2] = 1, bytes[3] = 'k', bytes[4] = 0;
	ok(refused(bytes, 5, CV_CB_ATTRS_MAX, &n) && n == 0, "an unknown type is refused");
	bytes[1] = CV_CBA_QUERY;
	ok(!refused(bytes, 5, CV_CB_ATTRS_MAX, &n) && n == 1, "Query is read");
	bytes[1] = CV_CBA_HEADER;
	bytes[2] = CV_CB_KEY_MAX + 1;
	memset(bytes + 3, 'k', CV_CB_KEY_MAX + 1);
	bytes[3 + CV_CB_KEY_MAX + 1] = 0;
	ok(refused(bytes, 3 + CV_CB_KEY_MAX + 2, CV_CB_ATTRS_MAX, &n) && n == 0, "a key too long is refused");
	bytes[2] = 1;
	bytes[3] = 'k';
	bytes[4] = 0x81, bytes[5] = 0x04;       /* 513 */
	memset(bytes + 6, 'v', CV_CB_VALUE_MAX + 1);
	ok(refused(bytes, 6 + CV_CB_VALUE_MAX + 1, CV_CB_ATTRS_MAX, &n) && n == 0, "a value too long is refused");
	bytes[2] = 2, bytes[3] = 'k', bytes[4] = '\0', bytes[5] = 0;
	ok(refused(bytes, 6, CV_CB_ATTRS_MAX, &n) && n == 0, "a key holding a NUL is refused");
	ok(refused("", 0, CV_CB_ATTRS_MAX, &n) && n == 0, "nothing at all is refused");

	/* every truncation of a real list; every one-bit change read within bounds */
	cv_buf_reset(&b);
	cv_cbattr_pack(&b, a, 4, CV_CB_ATTRS_MAX);
	for (size_t cut = 0; cut < b.len; cut++)
		if (refused(b.p, cut, CV_CB_ATTRS_MAX, &n) && n == 0)
			cut_refused++;
	is_int(cut_refused, (long long)b.len, "every truncated list is refused");
	for (size_t i = 0; i < b.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			unsigned char *p = (unsigned char *)b.p;
			struct cv_cb_attr back[CV_CB_ATTRS_MAX];
			struct cv_rd rd = CV_RD_INIT(b.p, b.len);

			p[i] ^= (unsigned char)(1u << bit);
			cv_cbattr_unpack(&rd, back, CV_CB_ATTRS_MAX, &n);
			if (!rd.bad) {
				accepted++;
				for (size_t j = 0; j < n; j++)
					if (!cv_cbattr_type_ok(back[j].type) || strlen(back[j].key) > CV_CB_KEY_MAX)
						sound = false;
			} else if (n) {
				sound = false;
			}
			flips++;
			p[i] ^= (unsigned char)(1u << bit);
		}
	ok(sound, "every one-bit change is refused whole or read as a sound list (%zu of %zu read)", accepted, flips);
	cv_buf_release(&b);
}

/* The byte of the type of the attribute whose key is `key` (a short one) in a packed record. */
static unsigned char *type_byte(struct cv_buf *b, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 2; i + kl <= b->len; i++)
		if (!memcmp(b->p + i, key, kl) && (unsigned char)b->p[i - 1] == kl)
			return (unsigned char *)b->p + i - 2;
	return NULL;
}

static void test_records(void)
{
	struct cv_note *note = calloc(1, sizeof(*note)), *back = calloc(1, sizeof(*back));
	struct cv_action *ra = calloc(1, sizeof(*ra)), *rb = calloc(1, sizeof(*rb));
	struct cv_callback *cb = calloc(1, sizeof(*cb));
	struct cv_buf b = CV_BUF_INIT(0);
	unsigned char *t;

	/* an outbox note */
	note->kind = CV_NOTE_MONITOR;
	note->nattrs = 1;
	note->attrs[0] = (struct cv_cb_attr){ .type = CV_CBA_QUERY, .key = "markkey", .value = "x" };
	note->body = (char *)"{}";
	note->body_len = 2;
	is_int(cv_note_encode(note, &b), CV_OK, "a note with a Query attribute packs");
	is_int(cv_note_decode(b.p, b.len, back), CV_OK, "and reads back");
	is_int(back->attrs[0].type, CV_CBA_QUERY, "a Query");
	cv_note_clear(back);
	t = type_byte(&b, "markkey");
	ok(t && *t == CV_CBA_QUERY, "its type byte is found");
	if (t)
		*t = CV_CBA_QUERY + 1;
	is_int(cv_note_decode(b.p, b.len, back), CV_EINVAL, "a note with an unknown type is refused");
	cv_note_clear(back);
	note->attrs[0].type = 7;
	cv_buf_reset(&b);
	is_int(cv_note_encode(note, &b), CV_EINVAL, "and is never written");

	/* a remote action */
	cv_action_id_new(1714552200000LL, ra->id);
	ra->ncbattrs = 1;
	ra->cbattrs[0] = (struct cv_cb_attr){ .type = CV_CBA_BODY, .key = "markkey", .value = "y" };
	cv_buf_reset(&b);
	is_int(cv_action_encode(ra, &b), CV_OK, "a remote action with a Body attribute packs");
	is_int(cv_action_decode(b.p, b.len, rb), CV_OK, "and reads back");
	t = type_byte(&b, "markkey");
	ok(t && *t == CV_CBA_BODY, "its type byte is found");
	if (t)
		*t = 200;
	is_int(cv_action_decode(b.p, b.len, rb), CV_EINVAL, "a remote action with an unknown type is refused");

	/* the JSON record of a callback: refused, no longer clamped to Query */
	cv_strlcpy(cb->id, "cb1", sizeof(cb->id));
	cb->nattrs = 1;
	cb->attrs[0] = (struct cv_cb_attr){ .type = CV_CBA_QUERY, .key = "k", .value = "v" };
	cv_buf_reset(&b);
	cv_callback_encode(cb, &b);
	is_int(cv_callback_decode(b.p, b.len, cb), CV_OK, "a callback with a Query attribute reads back");
	is_int(cb->attrs[0].type, CV_CBA_QUERY, "a Query");
	{
		char *p = strstr(b.p, "\"type\":2");

		ok(p != NULL, "its type is in the record");
		if (p)
			p[7] = '3';
		is_int(cv_callback_decode(b.p, b.len, cb), CV_EINVAL, "a callback with type 3 is refused");
		if (p) {
			struct cv_buf c = CV_BUF_INIT(0);

			cv_buf_add(&c, b.p, (size_t)(p + 7 - b.p));
			cv_buf_adds(&c, "-1");
			cv_buf_adds(&c, p + 8);
			is_int(cv_callback_decode(c.p, c.len, cb), CV_EINVAL, "and one with type -1");
			cv_buf_release(&c);
		}
	}

	/* the JSON record of a monitor */
	{
		struct cv_monitor *m = calloc(1, sizeof(*m));
		json_object *o = json_tokener_parse("{\"triggers\": [{\"name\": \"f\", \"data\": {\"data\": "
						    "\"vehicle.energy.fuel.level\", \"op\": \"lowerThan\", \"value\": [\"10\"]}}]}");
		struct cv_jread jr;
		char *p;

		cv_jr_init(&jr, "triggerParam");
		ok(cv_mon_parse(&jr, o, false, &m->def) == CV_OK, "a monitor's triggers");
		json_object_put(o);
		m->ncbattrs = 1;
		m->cbattrs[0] = (struct cv_cb_attr){ .type = CV_CBA_HEADER, .key = "k", .value = "v" };
		cv_buf_reset(&b);
		cv_monitor_encode(m, &b);
		is_int(cv_monitor_decode(b.p, b.len, m), CV_OK, "a monitor with a Header attribute reads back");
		p = strstr(b.p, "\"type\":0");
		ok(p != NULL, "its type is in the record");
		if (p)
			p[7] = '9';
		is_int(cv_monitor_decode(b.p, b.len, m), CV_EINVAL, "a monitor with type 9 is refused");
		free(m);
	}
	cv_buf_release(&b);
	free(note);
	free(back);
	free(ra);
	free(rb);
	free(cb);
}

int main(void)
{
	test_round_trip();
	test_write_refusals();
	test_read_refusals();
	test_records();
	return tap_done();
}

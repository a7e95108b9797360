/*
 * unit-idem.c - tests of db/idem: which Idempotency-Keys are taken, the
 * request's hash, an answer packed and read back, and the keys in a store
 * (a tenant's own, its quota, a day's life, the purge oldest first, a
 * store made before the keys' databases).
 */
#include "idem.h"
#include "pack.h"
#include "tap.h"
#include "tmpstore.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY CV_IDEM_KEEP_MS

static void test_keys(void)
{
	char k[CV_IDEM_KEY_MAX + 2], all[0x7f - 0x20];
	size_t n = 0;

	ok(!cv_idem_key_problem("8e03978e-40d5-43e8-bc93-6894a57f9324"), "a UUID is a key");
	ok(!cv_idem_key_problem("x"), "one character");
	for (int c = 0x20; c < 0x7f; c++)
		if (c != ',')
			all[n++] = (char)c;
	all[n] = '\0';
	ok(!cv_idem_key_problem(all), "every printable character but the comma");
	memset(k, 'k', CV_IDEM_KEY_MAX);
	k[CV_IDEM_KEY_MAX] = '\0';
	ok(!cv_idem_key_problem(k), "255 characters");
	k[CV_IDEM_KEY_MAX] = 'k';
	k[CV_IDEM_KEY_MAX + 1] = '\0';
	ok(cv_idem_key_problem(k) && strstr(cv_idem_key_problem(k), "255"), "256: too long");
	ok(cv_idem_key_problem("") && strstr(cv_idem_key_problem(""), "empty"), "empty");
	ok(cv_idem_key_problem("a\tb") != NULL, "a tab is a control character");
	ok(cv_idem_key_problem("a\x7f") != NULL, "DEL");
	ok(cv_idem_key_problem("caf\xc3\xa9") != NULL, "past ASCII");
	ok(cv_idem_key_problem("k1, k1") && strstr(cv_idem_key_problem("k1, k1"), "once"),
	   "a header sent twice, as a web server joins it: refused");
}

static void test_hash(void)
{
	unsigned char a[32], b[32], want[32];
	static const char whole[] = "POST\0/x?client_id=c\0{\"a\":1}";

	cv_idem_request_hash("POST", "/x?client_id=c", "{\"a\":1}", 7, a);
	cv_sha256(whole, sizeof(whole) - 1, want);
	ok(!memcmp(a, want, 32), "SHA-256 of method \\0 target \\0 body");
	cv_idem_request_hash("POST", "/x?client_id=c", "{\"a\":1}", 7, b);
	ok(!memcmp(a, b, 32), "the same request, the same hash");
	cv_idem_request_hash("PUT", "/x?client_id=c", "{\"a\":1}", 7, b);
	ok(memcmp(a, b, 32), "another method");
	cv_idem_request_hash("POST", "/x?client_id=d", "{\"a\":1}", 7, b);
	ok(memcmp(a, b, 32), "another query");
	cv_idem_request_hash("POST", "/y?client_id=c", "{\"a\":1}", 7, b);
	ok(memcmp(a, b, 32), "another path");
	cv_idem_request_hash("POST", "/x?client_id=c", "{\"a\":2}", 7, b);
	ok(memcmp(a, b, 32), "another body");
	cv_idem_request_hash("POST", "/ab", "c", 1, a);
	cv_idem_request_hash("POST", "/a", "bc", 2, b);
	ok(memcmp(a, b, 32), "the target and the body cannot run into each other");
	cv_idem_request_hash("POST", "/a", NULL, 0, a);
	cv_idem_request_hash("POST", "/a", "", 0, b);
	ok(!memcmp(a, b, 32), "no body and an empty one alike");
}

static void sample(struct cv_idem_rec *rec, int64_t created, const char *body)
{
	memset(rec, 0, sizeof(*rec));
	rec->created = created;
	memset(rec->request, 0xab, sizeof(rec->request));
	rec->answer.status = 202;
	cv_strlcpy(rec->answer.ctype, "application/hal+json", sizeof(rec->answer.ctype));
	rec->answer.headers = "Location: /x/1\r\n";
	rec->answer.headers_len = strlen(rec->answer.headers);
	rec->answer.body = body;
	rec->answer.body_len = strlen(body);
}

static void test_pack(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec rec, back;
	char *big = malloc(CV_IDEM_ANSWER_MAX + 2);
	bool all_bad = true;

	sample(&rec, 1700000000123LL, "{\"remoteActionId\":\"01\"}");
	ok(cv_idem_pack(&rec, &b) == CV_OK, "an answer packs");
	ok(cv_idem_unpack(b.p, b.len, &back) == CV_OK, "and reads back");
	ok(back.created == rec.created && !memcmp(back.request, rec.request, 32) && back.answer.status == 202,
	   "time, request and status");
	is_str(back.answer.ctype, "application/hal+json", "its Content-Type");
	ok(back.answer.headers_len == rec.answer.headers_len &&
	   !memcmp(back.answer.headers, rec.answer.headers, rec.answer.headers_len), "its headers, byte for byte");
	ok(back.answer.body_len == rec.answer.body_len &&
	   !memcmp(back.answer.body, rec.answer.body, rec.answer.body_len), "its body, byte for byte");
	{
		struct cv_rd r = CV_RD_INIT(b.p, b.len);

		ok((int64_t)cv_rd_uint(&r, 8) == rec.created, "the value starts with the time it was made");
	}
	for (size_t n = 0; n < b.len; n++)
		all_bad &= cv_idem_unpack(b.p, n, &back) == CV_EINVAL;
	ok(all_bad, "every truncation of it is refused");
	ok(cv_buf_addc(&b, 'x') == CV_OK && cv_idem_unpack(b.p, b.len, &back) == CV_EINVAL, "so is a byte more");
	cv_idem_pack(&rec, &b);
	b.p[8 + 32] = 2;        /* the answer's version, after the time and the request */
	ok(cv_idem_unpack(b.p, b.len, &back) == CV_EINVAL, "and another version");

	rec.answer.status = 404;
	ok(cv_idem_pack(&rec, &b) == CV_EINVAL && b.len == 0, "a failure is never kept");
	rec.answer.status = 200;
	memset(big, 'b', CV_IDEM_ANSWER_MAX + 1);
	big[CV_IDEM_ANSWER_MAX - rec.answer.headers_len - strlen(rec.answer.ctype)] = '\0';
	rec.answer.body = big;
	rec.answer.body_len = strlen(big);
	ok(cv_idem_pack(&rec, &b) == CV_OK && cv_idem_unpack(b.p, b.len, &back) == CV_OK &&
	   back.answer.body_len == rec.answer.body_len, "an answer of CV_IDEM_ANSWER_MAX bytes is kept");
	rec.answer.body_len++;
	big[rec.answer.body_len - 1] = 'b';
	ok(cv_idem_pack(&rec, &b) == CV_ETOOBIG, "one byte more is refused");
	free(big);
	cv_buf_release(&b);
}

/* A put: the sample answer under (owner, client, key) at `at`, with quota max. */
struct put {
	struct cv_idem_id id;
	int64_t at, max;
	const char *body;
};

static enum cv_err put_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct put *p = arg;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec rec;
	enum cv_err e;

	sample(&rec, p->at, p->body);
	e = cv_idem_pack(&rec, &b);
	if (!e)
		e = cv_idem_put(st, txn, &p->id, p->at, b.p, b.len, p->max);
	cv_buf_release(&b);
	return e;
}

static enum cv_err put(struct cv_store *st, const char *owner, const char *client, const char *key, int64_t at,
		       int64_t max, const char *body)
{
	struct put p = { .at = at, .max = max, .body = body };

	cv_strlcpy(p.id.owner, owner, sizeof(p.id.owner));
	cv_strlcpy(p.id.client, client, sizeof(p.id.client));
	cv_sha256(key, strlen(key), p.id.key);
	return cv_store_txn(st, 0, put_txn, &p);
}

/* The body kept under the key at now ("" with none), or why not. */
static const char *got(struct cv_store *st, const char *owner, const char *client, const char *key, int64_t now)
{
	static char out[128];
	struct cv_idem_id id;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_idem_rec rec;
	enum cv_err e;

	memset(&id, 0, sizeof(id));
	cv_strlcpy(id.owner, owner, sizeof(id.owner));
	cv_strlcpy(id.client, client, sizeof(id.client));
	cv_sha256(key, strlen(key), id.key);
	e = cv_idem_get(st, NULL, &id, now, &b, &rec);
	if (e == CV_ENOTFOUND)
		cv_strlcpy(out, "", sizeof(out));
	else if (e)
		cv_strlcpy(out, cv_strerror(e), sizeof(out));
	else
		snprintf(out, sizeof(out), "%.*s", (int)rec.answer.body_len, rec.answer.body);
	cv_buf_release(&b);
	return out;
}

static int64_t count(struct cv_store *st, const char *owner)
{
	int64_t n = -1;

	return cv_idem_count(st, NULL, owner, &n) ? -1 : n;
}

/* The purge at now, taking at most `allow` keys. */
struct purge {
	int64_t now;
	size_t allow, forgotten;
	bool more;
};

static bool take(void *arg)
{
	size_t *allow = arg;

	if (!*allow)
		return false;
	(*allow)--;
	return true;
}

static enum cv_err purge_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct purge *p = arg;

	p->forgotten = 0;
	return cv_idem_purge(st, txn, p->now, take, &p->allow, &p->forgotten, &p->more);
}

static size_t purge(struct cv_store *st, int64_t now, size_t allow, bool *more)
{
	struct purge p = { now, allow, 0, false };

	if (cv_store_txn(st, 0, purge_txn, &p))
		return SIZE_MAX;
	*more = p.more;
	return p.forgotten;
}

static void test_store(struct cv_store *st)
{
	const int64_t t0 = 1700000000000LL;
	bool more;

	ok(put(st, "u:alice", "app", "k1", t0, 3, "first") == CV_OK, "a key kept with its answer");
	is_str(got(st, "u:alice", "app", "k1", t0 + 1000), "first", "read back");
	ok(put(st, "u:alice", "app", "k1", t0 + 1000, 3, "second") == CV_EEXIST, "the same key again: taken");
	is_str(got(st, "u:alice", "app", "k1", t0 + 2000), "first", "the first answer stays");
	is_int(count(st, "u:alice"), 1, "alice keeps one key");
	is_str(got(st, "u:bob", "app", "k1", t0), "", "bob has no such key: keys are a tenant's");
	ok(put(st, "u:bob", "app", "k1", t0, 3, "bob's") == CV_OK, "bob's own k1");
	ok(put(st, "u:alice", "other", "k1", t0, 3, "other client") == CV_OK, "so is another client's of alice");
	is_str(got(st, "u:alice", "app", "k1", t0), "first", "alice's through app unchanged");
	is_str(got(st, "u:alice", "other", "k1", t0), "other client", "and through the other client");
	ok(put(st, "u:alice", "app", "k2", t0 + 10, 3, "k2") == CV_OK, "a third key of alice");
	ok(put(st, "u:alice", "app", "k3", t0 + 20, 3, "k3") == CV_EQUOTA, "a fourth is over the quota of 3");
	is_str(got(st, "u:alice", "app", "k3", t0 + 20), "", "and nothing was kept");
	is_int(count(st, "u:alice"), 3, "alice keeps 3 keys, every client's");
	is_int(count(st, "u:bob"), 1, "bob 1");

	is_str(got(st, "u:alice", "app", "k1", t0 + DAY - 1), "first", "a key lives a day");
	is_str(got(st, "u:alice", "app", "k1", t0 + DAY), "", "and no more");
	ok(put(st, "u:alice", "app", "k1", t0 + DAY, 3, "again") == CV_OK,
	   "then it is taken again, even at the quota");
	is_str(got(st, "u:alice", "app", "k1", t0 + DAY), "again", "with its new answer");
	is_int(count(st, "u:alice"), 3, "in place: the count stays");

	is_int(purge(st, t0 + DAY - 1, 100, &more), 0, "nothing is a day old before the day");
	is_int(purge(st, t0 + DAY + 5, 1, &more), 1, "the purge forgets at most what its budget lets it");
	ok(more, "and says some are left");
	is_int(purge(st, t0 + DAY + 5, 100, &more), 1, "the rest of the day-old keys: bob's k1");
	ok(!more, "none left");
	is_int(count(st, "u:bob"), 0, "bob keeps none");
	is_int(count(st, "u:alice"), 2, "alice keeps k1 taken again and k2");
	is_str(got(st, "u:alice", "app", "k1", t0 + DAY + 5), "again", "k1 taken again stays: its place moved");
	is_int(purge(st, t0 + DAY + 11, 100, &more), 1, "k2 goes in its turn");
	is_int(purge(st, t0 + 2 * DAY, 100, &more), 1, "and k1 a day after it was taken again");
	is_int(count(st, "u:alice"), 0, "nothing left to count");
	ok(put(st, "u:alice", "app", "k3", t0 + 2 * DAY, 1, "k3") == CV_OK, "the quota has room again");
}

/* A store made before the keys' databases: the next open makes them. */
static void test_upgrade(const char *dir)
{
	struct cv_store st;
	char path[4096];
	struct stat sb;
	bool gone;

	if (cv_store_open(&st, dir, 0)) {
		ok(0, "reopen the store");
		return;
	}
	for (int i = CV_DB_IDEMKEYS; i <= CV_DB_IDEMTIME; i++) {
		st.db[i]->close(st.db[i], 0);
		st.db[i] = NULL;
		st.env->dbremove(st.env, NULL, cv_store_files[i], NULL, DB_AUTO_COMMIT);
	}
	cv_store_close(&st);
	snprintf(path, sizeof(path), "%s/idemkeys.db", dir);
	gone = stat(path, &sb) != 0;
	ok(gone, "a store without idemkeys.db");
	ok(cv_store_open(&st, dir, 0) == CV_OK && stat(path, &sb) == 0, "its next open makes it");
	ok(put(&st, "u:carol", "app", "k", 1700000000000LL, 1, "c") == CV_OK, "and keeps keys in it");
	cv_store_close(&st);
}

int main(void)
{
	char dir[] = "/tmp/cvidem-XXXXXX";
	struct cv_store st;

	test_keys();
	test_hash();
	test_pack();
	if (!mkdtemp(dir) || cv_store_open(&st, dir, CV_STORE_CREATE)) {
		printf("Bail out! no store\n");
		return 1;
	}
	test_store(&st);
	cv_store_close(&st);
	test_upgrade(dir);
	rm_store(dir);
	return tap_done();
}

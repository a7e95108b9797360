/* unit-store.c - tests of db/store and db/model on a store in a fresh temporary folder. */
#include "model.h"
#include "tblock.h"
#include "pack.h"
#include "purge.h"
#include "cvtime.h"
#include "tap.h"
#include "tmpstore.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 1714552200000LL       /* 2024-05-01T08:30:00Z */

static struct cv_store st;

/* Remove the files of a flat folder, then the folder. */

static DB_TXN *begin(void)
{
	DB_TXN *txn = NULL;

	if (cv_store_begin(&st, &txn, 0))
		cv_die("cannot begin a transaction");
	return txn;
}

static void commit(DB_TXN *txn, const char *what)
{
	is_int(cv_store_commit(txn), CV_OK, "commit: %s", what);
}

static void vid_of(int n, char out[CV_VID_HEXLEN + 1])
{
	snprintf(out, CV_VID_HEXLEN + 1, "%032x", n);
}

static void add_vehicle(DB_TXN *txn, int n, const char *vin, const char *owner)
{
	struct cv_vehicle v;

	memset(&v, 0, sizeof(v));
	vid_of(n, v.id);
	cv_strlcpy(v.vin, vin, sizeof(v.vin));
	cv_strlcpy(v.brand, "Peugeot", sizeof(v.brand));
	cv_strlcpy(v.owner, owner, sizeof(v.owner));
	v.energy = CV_ENERGY_ELECTRIC;
	v.created = T0;
	is_int(cv_vehicle_add(&st, txn, &v), CV_OK, "add vehicle %d (%s) for %s", n, vin, owner[0] ? owner : "nobody");
}

static void test_users(void)
{
	DB_TXN *txn = begin();
	struct cv_user u, g;
	struct cv_client c, cg;

	memset(&u, 0, sizeof(u));
	cv_strlcpy(u.login, "alice", sizeof(u.login));
	cv_strlcpy(u.first, "Alice", sizeof(u.first));
	cv_password_hash("secret", u.hash);
	u.created = T0;
	is_int(cv_user_put(&st, txn, &u, DB_NOOVERWRITE), CV_OK, "add user alice");
	is_int(cv_user_put(&st, txn, &u, DB_NOOVERWRITE), CV_EEXIST, "adding alice again is CV_EEXIST");
	cv_strlcpy(u.login, "bob", sizeof(u.login));
	is_int(cv_user_put(&st, txn, &u, DB_NOOVERWRITE), CV_OK, "add user bob");
	memset(&c, 0, sizeof(c));
	cv_strlcpy(c.id, "console", sizeof(c.id));
	cv_strlcpy(c.name, "Console", sizeof(c.name));
	c.scopes = CV_SC_BIT(CV_SC_TELEMETRY);
	is_int(cv_client_put(&st, txn, &c, DB_NOOVERWRITE), CV_OK, "add client");
	commit(txn, "users and client");

	is_int(cv_user_get(&st, NULL, "alice", &g), CV_OK, "get alice without a transaction");
	ok(!strcmp(g.login, "alice") && !strcmp(g.first, "Alice") && g.created == T0, "alice's record");
	ok(cv_password_check("secret", g.hash), "her password checks");
	is_int(cv_user_get(&st, NULL, "carol", &g), CV_ENOTFOUND, "an unknown user is CV_ENOTFOUND");
	is_int(cv_user_get(&st, NULL, "alic", &g), CV_ENOTFOUND, "a prefix of a login is not a user");
	is_int(cv_client_get(&st, NULL, "console", &cg), CV_OK, "get the client");
	ok(!strcmp(cg.name, "Console") && cg.scopes == CV_SC_BIT(CV_SC_TELEMETRY), "the client's record");

	/* an aborted transaction leaves nothing behind */
	txn = begin();
	cv_strlcpy(u.login, "ghost", sizeof(u.login));
	is_int(cv_user_put(&st, txn, &u, 0), CV_OK, "add ghost");
	cv_store_abort(txn);
	is_int(cv_user_get(&st, NULL, "ghost", &g), CV_ENOTFOUND, "aborted: ghost is not there");
}

struct seen {
	int n;
	char ids[16][CV_VID_HEXLEN + 1];
	int stop_after;
};

static int collect(const struct cv_vehicle *v, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		cv_strlcpy(s->ids[s->n], v->id, sizeof(s->ids[0]));
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

/* "1,2,3": the vehicle numbers seen (ids are %032x of the number). */
static const char *seen_str(const struct seen *s, char *buf, size_t bufsz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->n && i < 16; i++) {
		int k = snprintf(buf + len, bufsz - len, "%s%ld", i ? "," : "", strtol(s->ids[i], NULL, 16));

		if (k < 0 || (size_t)k >= bufsz - len)
			break;
		len += (size_t)k;
	}
	return buf;
}

static void vehicles_is(const char *login, const char *prefix, size_t offset, size_t limit, int stop_after,
			size_t want_total, const char *want)
{
	struct seen s;
	size_t total = 12345;
	char buf[128];
	enum cv_err e;

	memset(&s, 0, sizeof(s));
	s.stop_after = stop_after;
	e = cv_user_vehicles(&st, NULL, login, prefix, offset, limit, &total, collect, &s);
	seen_str(&s, buf, sizeof(buf));
	ok(e == CV_OK && total == want_total && !strcmp(buf, want),
	   "%s's vehicles, prefix %s, offset %zu, limit %zu: total %zu, [%s] (got %d: %zu, [%s])", login,
	   prefix ? prefix : "-", offset, limit, want_total, want, (int)e, total, buf);
}

static void test_vehicles(void)
{
	DB_TXN *txn = begin();
	struct cv_vehicle v;
	char vid[CV_VID_HEXLEN + 1], vid9[CV_VID_HEXLEN + 1];

	/* added out of order: listings come in id order */
	add_vehicle(txn, 3, "VR3AAAAAAAA000003", "alice");
	add_vehicle(txn, 1, "VR3AAAAAAAA000001", "alice");
	add_vehicle(txn, 2, "VF1BBBBBBBB000002", "alice");
	add_vehicle(txn, 5, "VR3AAAAAAAA000005", "alice");
	add_vehicle(txn, 4, "VF1BBBBBBBB000004", "alice");
	add_vehicle(txn, 6, "VR3CCCCCCCC000006", "bob");
	add_vehicle(txn, 7, "VR3CCCCCCCC000007", "");
	commit(txn, "vehicles");

	txn = begin();
	memset(&v, 0, sizeof(v));
	vid_of(8, v.id);
	cv_strlcpy(v.vin, "VR3AAAAAAAA000001", sizeof(v.vin));
	is_int(cv_vehicle_add(&st, txn, &v), CV_EEXIST, "a VIN already taken is CV_EEXIST");
	cv_store_abort(txn);

	vid_of(2, vid);
	is_int(cv_vehicle_get(&st, NULL, vid, &v), CV_OK, "get vehicle 2");
	ok(!strcmp(v.vin, "VF1BBBBBBBB000002") && !strcmp(v.owner, "alice") && v.energy == CV_ENERGY_ELECTRIC,
	   "vehicle 2's record");
	is_int(cv_vehicle_by_vin(&st, NULL, "VR3CCCCCCCC000006", &v), CV_OK, "find a vehicle by VIN");
	vid_of(6, vid);
	is_str(v.id, vid, "the right one");
	is_int(cv_vehicle_by_vin(&st, NULL, "VR3ZZZZZZZZ000000", &v), CV_ENOTFOUND, "an unknown VIN");
	vid_of(8, vid9);
	is_int(cv_vehicle_get(&st, NULL, vid9, &v), CV_ENOTFOUND, "the refused vehicle was not stored");

	/* energy capacity: vehicle 2 is electric */
	{
		uint32_t wh = 1, cl = 1;

		vid_of(2, vid);
		ok(!cv_vehicle_capacity(&st, NULL, vid, &wh, &cl) && wh == 0 && cl == 0, "no capacity known at first");
		txn = begin();
		is_int(cv_vehicle_set_capacity(&st, txn, vid, 0, 4500, T0 + 1), CV_EINVAL, "an electric car has no tank");
		is_int(cv_vehicle_set_capacity(&st, txn, vid, CV_BATTERY_WH_MAX + 1, 0, T0 + 1), CV_EINVAL,
		       "a battery past 300 kWh is refused");
		is_int(cv_vehicle_set_capacity(&st, txn, vid9, 50000, 0, T0 + 1), CV_ENOTFOUND, "an unknown vehicle");
		is_int(cv_vehicle_set_capacity(&st, txn, vid, 50000, 0, T0 + 1), CV_OK, "set a 50 kWh battery");
		commit(txn, "capacity");
		ok(!cv_vehicle_capacity(&st, NULL, vid, &wh, &cl) && wh == 50000 && cl == 0, "read back: 50 kWh, no tank");
		ok(!cv_vehicle_get(&st, NULL, vid, &v) && v.updated == T0 + 1 && v.battery_wh == 50000 &&
		   !strcmp(v.vin, "VF1BBBBBBBB000002") && !strcmp(v.owner, "alice"), "the record keeps the rest, updated");
		txn = begin();
		is_int(cv_vehicle_set_capacity(&st, txn, vid, 0, 0, T0 + 2), CV_OK, "0 and 0 change nothing");
		commit(txn, "capacity kept");
		ok(!cv_vehicle_capacity(&st, NULL, vid, &wh, &cl) && wh == 50000, "still 50 kWh");
		is_int(cv_vehicle_capacity(&st, NULL, vid9, &wh, &cl), CV_ENOTFOUND, "no capacity for an unknown vehicle");
	}

	vid_of(1, vid);
	is_int(cv_user_has_vehicle(&st, NULL, "alice", vid), CV_OK, "alice has vehicle 1");
	vid_of(6, vid);
	is_int(cv_user_has_vehicle(&st, NULL, "alice", vid), CV_ENOTFOUND, "alice does not have bob's vehicle");
	is_int(cv_user_has_vehicle(&st, NULL, "bob", vid), CV_OK, "bob has vehicle 6");
	vid_of(7, vid);
	is_int(cv_user_has_vehicle(&st, NULL, "alice", vid), CV_ENOTFOUND, "nobody has vehicle 7");
	vid_of(1, vid);
	is_int(cv_user_has_vehicle(&st, NULL, "alic", vid), CV_ENOTFOUND, "a prefix of alice has nothing");
	is_int(cv_user_has_vehicle(&st, NULL, "carol", vid), CV_ENOTFOUND, "an unknown user has nothing");
	is_int(cv_user_has_vehicle(&st, NULL, "alice", "00000000000000000000000000000"), CV_ENOTFOUND,
	       "a prefix of an id is not a vehicle");
	{
		char longlogin[200];

		memset(longlogin, 'a', sizeof(longlogin) - 1);
		longlogin[sizeof(longlogin) - 1] = '\0';
		is_int(cv_user_has_vehicle(&st, NULL, longlogin, vid), CV_ENOTFOUND, "an over-long login has nothing");
		is_int(cv_user_vehicles(&st, NULL, longlogin, NULL, 0, 10, &(size_t){ 0 }, collect, &(struct seen){ 0 }),
		       CV_EINVAL, "listing an over-long login is CV_EINVAL");
	}

	vehicles_is("alice", NULL, 0, 10, 0, 5, "1,2,3,4,5");
	vehicles_is("alice", NULL, 0, 2, 0, 5, "1,2");
	vehicles_is("alice", NULL, 1, 2, 0, 5, "2,3");
	vehicles_is("alice", NULL, 4, 10, 0, 5, "5");
	vehicles_is("alice", NULL, 5, 10, 0, 5, "");
	vehicles_is("alice", NULL, 100, 10, 0, 5, "");
	vehicles_is("alice", NULL, 0, 0, 0, 5, "");
	vehicles_is("alice", NULL, 0, 10, 2, 5, "1,2");
	vehicles_is("alice", "VR3", 0, 10, 0, 3, "1,3,5");
	vehicles_is("alice", "VR3", 1, 1, 0, 3, "3");
	vehicles_is("alice", "VF1", 0, 10, 0, 2, "2,4");
	vehicles_is("alice", "VF1BBBBBBBB000004", 0, 10, 0, 1, "4");
	vehicles_is("alice", "VX", 0, 10, 0, 0, "");
	vehicles_is("alice", "", 0, 10, 0, 5, "1,2,3,4,5");
	vehicles_is("bob", NULL, 0, 10, 0, 1, "6");
	vehicles_is("alic", NULL, 0, 10, 0, 0, "");
	vehicles_is("carol", NULL, 0, 10, 0, 0, "");

	/* a link to a vehicle that is gone is skipped, not an error */
	txn = begin();
	{
		char k[128];
		size_t kl = 0;

		memcpy(k, "alice", 6);
		kl = 6;
		memcpy(k + kl, "ffffffffffffffffffffffffffffffff", 32);
		kl += 32;
		is_int(cv_store_put(&st, CV_DB_USERVEHS, txn, k, kl, "", 0, 0), CV_OK, "a dangling link for alice");
		memcpy(k + 6, "00000000000000000000000000000002a", 33);
		is_int(cv_store_put(&st, CV_DB_USERVEHS, txn, k, 6 + 33, "", 0, 0), CV_OK, "a malformed link for alice");
	}
	commit(txn, "dangling links");
	vehicles_is("alice", NULL, 0, 10, 0, 5, "1,2,3,4,5");
	vehicles_is("alice", "VR3", 0, 10, 0, 3, "1,3,5");
}

static void test_tokens(void)
{
	DB_TXN *txn = begin();
	struct cv_token t, g;
	char tok[CV_TOKEN_STRLEN], tok2[CV_TOKEN_STRLEN];

	memset(&t, 0, sizeof(t));
	t.kind = CV_TOKEN_ACCESS;
	t.scopes = CV_SC_BIT(CV_SC_TELEMETRY) | CV_SC_BIT(CV_SC_POSITION);
	t.issued = T0;
	t.expires = T0 + 3600000;
	cv_strlcpy(t.user, "alice", sizeof(t.user));
	cv_strlcpy(t.client, "console", sizeof(t.client));
	is_int(cv_token_issue(&st, txn, &t, tok), CV_OK, "issue an access token");
	t.kind = CV_TOKEN_REFRESH;
	t.expires = T0 + 86400000;
	is_int(cv_token_issue(&st, txn, &t, tok2), CV_OK, "issue a refresh token");
	commit(txn, "tokens");
	is_int(strlen(tok), CV_TOKEN_STRLEN - 1, "a token is %d characters", CV_TOKEN_STRLEN - 1);
	ok(strcmp(tok, tok2) != 0, "two tokens differ");

	memset(&g, 0, sizeof(g));
	is_int(cv_token_lookup(&st, NULL, tok, &g, T0 + 1000), CV_OK, "look the access token up");
	ok(g.kind == CV_TOKEN_ACCESS && g.scopes == (CV_SC_BIT(CV_SC_TELEMETRY) | CV_SC_BIT(CV_SC_POSITION)) &&
	   g.issued == T0 && g.expires == T0 + 3600000 && !strcmp(g.user, "alice") && !strcmp(g.client, "console"),
	   "its record");
	is_int(cv_token_lookup(&st, NULL, tok, &g, T0 + 3599999), CV_OK, "valid 1 ms before it expires");
	is_int(cv_token_lookup(&st, NULL, tok, &g, T0 + 3600000), CV_EAUTH, "expired at its expiry time");
	is_int(cv_token_lookup(&st, NULL, tok2, &g, T0 + 3600000), CV_OK, "the refresh token lives longer");
	is_int(g.kind, CV_TOKEN_REFRESH, "and is a refresh token");
	is_int(cv_token_lookup(&st, NULL, "not-a-token", &g, T0), CV_ENOTFOUND, "an unknown token");
	is_int(cv_token_lookup(&st, NULL, "", &g, T0), CV_ENOTFOUND, "an empty token");

	txn = begin();
	is_int(cv_token_revoke(&st, txn, tok), CV_OK, "revoke the access token");
	commit(txn, "revoke");
	is_int(cv_token_lookup(&st, NULL, tok, &g, T0), CV_ENOTFOUND, "a revoked token is unknown");
	is_int(cv_token_lookup(&st, NULL, tok2, &g, T0), CV_OK, "the other one still works");
	txn = begin();
	is_int(cv_token_revoke(&st, txn, tok), CV_ENOTFOUND, "revoking twice is CV_ENOTFOUND");
	cv_store_abort(txn);
}

/* A refresh token made before families (none): spent, it is deleted and its grant gets a family. */
static void test_token_no_family(void)
{
	static const unsigned char none[CV_TOKEN_FAMILY];
	DB_TXN *txn = begin();
	struct cv_token t, g;
	char tok[CV_TOKEN_STRLEN];
	bool reused = true;

	memset(&t, 0, sizeof(t));
	t.kind = CV_TOKEN_REFRESH;
	t.issued = T0;
	t.expires = T0 + 86400000;
	cv_strlcpy(t.user, "alice", sizeof(t.user));
	cv_strlcpy(t.client, "console", sizeof(t.client));
	is_int(cv_token_issue(&st, txn, &t, tok), CV_OK, "a refresh token with no family");
	is_int(cv_token_spend(&st, txn, tok, T0 + 1000, &g, &reused), CV_OK, "spent");
	commit(txn, "spend");
	ok(!reused, "not a reuse");
	ok(memcmp(g.family, none, CV_TOKEN_FAMILY) != 0, "the grant gets a family for its next tokens");
	is_int(cv_token_lookup(&st, NULL, tok, &g, T0 + 2000), CV_ENOTFOUND, "the spent token is gone");
}

static void test_msgids(void)
{
	DB_TXN *txn = begin();
	unsigned char va[16], vb[16];

	cv_vid_bytes("00000000000000000000000000000001", va);
	cv_vid_bytes("00000000000000000000000000000002", vb);
	is_int(cv_msgid_put(&st, txn, va, "VR3-000042", T0), CV_OK, "a new message id");
	is_int(cv_msgid_put(&st, txn, va, "VR3-000042", T0 + 1), CV_EEXIST, "the same id again is CV_EEXIST");
	is_int(cv_msgid_put(&st, txn, vb, "VR3-000042", T0), CV_OK, "the same id from another vehicle is new");
	is_int(cv_msgid_put(&st, txn, va, "VR3-000043", T0), CV_OK, "the next id is new");
	commit(txn, "message ids");
	txn = begin();
	is_int(cv_msgid_put(&st, txn, va, "VR3-000042", T0 + 2), CV_EEXIST, "still a duplicate after commit");
	cv_store_abort(txn);
}

/* ---- history ------------------------------------------------------------ */

struct walk_seen {
	int n;
	int64_t at[64];
	int stop_after;
	bool values_ok;
};

static int walk_fn(const struct cv_sample *s, void *arg)
{
	struct walk_seen *w = arg;

	if (w->n < 64)
		w->at[w->n] = s->at;
	/* every stored sample i (at T0 + i s) has speed i and outside temperature -i */
	if (s->has != ((1u << CV_G_KIN) | (1u << CV_G_AIR)) || s->speed_dkmh != (s->at - T0) / 1000 ||
	    s->air_temp_dc != -(s->at - T0) / 1000)
		w->values_ok = false;
	w->n++;
	return w->stop_after && w->n >= w->stop_after;
}

/* want: the sample numbers (seconds after T0) in visiting order, "" for none */
static void walk_is(const unsigned char vid[16], int64_t from, int64_t to, int64_t start, bool desc, int stop_after,
		    const char *want, const char *what)
{
	struct cv_walk wk = { from, to, start, desc };
	struct walk_seen w;
	char got[256];
	size_t len = 0;
	enum cv_err e;

	memset(&w, 0, sizeof(w));
	w.values_ok = true;
	w.stop_after = stop_after;
	e = cv_telemetry_walk(&st, NULL, vid, &wk, walk_fn, &w);
	got[0] = '\0';
	for (int i = 0; i < w.n && i < 64; i++) {
		int k = snprintf(got + len, sizeof(got) - len, "%s%lld", i ? "," : "",
				 (long long)((w.at[i] - T0) / 1000));

		if (k < 0 || (size_t)k >= sizeof(got) - len)
			break;
		len += (size_t)k;
	}
	ok(e == CV_OK && !strcmp(got, want) && w.values_ok, "walk %s %s: [%s] (got %d: [%s]%s)", desc ? "desc" : "asc",
	   what, want, (int)e, got, w.values_ok ? "" : ", bad values");
}

#define S(n) (T0 + (n) * 1000LL)

static void test_history(void)
{
	DB_TXN *txn = begin();
	unsigned char va[16], vlo[16], vhi[16], vnone[16];
	struct cv_sample s;

	cv_vid_bytes("00000000000000000000000000000010", va);
	cv_vid_bytes("0000000000000000000000000000000f", vlo);
	cv_vid_bytes("00000000000000000000000000000011", vhi);
	cv_vid_bytes("000000000000000000000000000000ff", vnone);
	is_int(cv_vid_bytes("0000000000000000000000000000001", va), CV_EINVAL, "a 31-character vehicle id is refused");
	is_int(cv_vid_bytes("0000000000000000000000000000001x", va), CV_EINVAL, "a non-hex vehicle id is refused");
	cv_vid_bytes("00000000000000000000000000000010", va);

	/* samples 0..9 for vehicle a, stored out of order; neighbours before and after */
	for (int k = 0; k < 10; k++) {
		int i = (k * 7) % 10;

		memset(&s, 0, sizeof(s));
		s.at = S(i);
		s.has = (1u << CV_G_KIN) | (1u << CV_G_AIR);
		s.speed_dkmh = (uint16_t)i;
		s.air_temp_dc = (int16_t)-i;
		if (cv_history_put(&st, txn, va, &s, 1))
			break;
	}
	for (int i = -5; i < 20; i++) {
		memset(&s, 0, sizeof(s));
		s.at = S(i);
		s.has = 1u << CV_G_ODO;
		cv_history_put(&st, txn, vlo, &s, 1);
		cv_history_put(&st, txn, vhi, &s, 1);
	}
	/* an events-only sample has no telemetry record */
	memset(&s, 0, sizeof(s));
	s.at = S(20);
	s.nevents = 1;
	s.events[0].kind = CV_EV_ALERT;
	is_int(cv_history_put(&st, txn, va, &s, 1), CV_OK, "an events-only sample");
	commit(txn, "history");

	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false, 0, "0,1,2,3,4,5,6,7,8,9", "everything");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MAX, true, 0, "9,8,7,6,5,4,3,2,1,0", "everything");
	walk_is(va, S(2), S(5), S(2), false, 0, "2,3,4", "[2, 5)");
	walk_is(va, S(2), S(5), S(5) - 1, true, 0, "4,3,2", "[2, 5)");
	walk_is(va, S(2), S(5), CV_TIME_MAX, true, 0, "4,3,2", "[2, 5) from a start past the end");
	walk_is(va, S(2), S(5), CV_TIME_MIN, false, 0, "2,3,4", "[2, 5) from a start before the beginning");
	walk_is(va, S(2) - 1, S(5) + 1, S(2) - 1, false, 0, "2,3,4,5", "[2 - 1ms, 5 + 1ms)");
	walk_is(va, S(2) + 1, S(5), S(5), true, 0, "4,3", "(2, 5)");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, S(3) + 500, false, 0, "4,5,6,7,8,9", "from 3.5 s");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, S(3) + 500, true, 0, "3,2,1,0", "from 3.5 s");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, S(3), false, 0, "3,4,5,6,7,8,9", "from exactly 3 s");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, S(3), true, 0, "3,2,1,0", "from exactly 3 s");
	walk_is(va, S(1), S(8), S(6), true, 0, "6,5,4,3,2,1", "from 6 s in [1, 8)");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false, 3, "0,1,2", "stopped after 3");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MAX, true, 1, "9", "stopped after 1");
	walk_is(va, S(3), S(3), S(3), false, 0, "", "the empty range [3, 3)");
	walk_is(va, S(3), S(3), S(3), true, 0, "", "the empty range [3, 3)");
	walk_is(va, S(4), S(3), S(3), false, 0, "", "a reversed range");
	walk_is(va, S(4), S(3), S(3), true, 0, "", "a reversed range");
	walk_is(va, S(3) + 1, S(4), S(3), false, 0, "", "a range between two samples");
	walk_is(va, S(3) + 1, S(4), S(4), true, 0, "", "a range between two samples");
	walk_is(va, S(10), CV_TIME_MAX + 1, S(10), false, 0, "", "after the last sample");
	walk_is(va, S(10), CV_TIME_MAX + 1, CV_TIME_MAX, true, 0, "", "after the last sample");
	walk_is(va, CV_TIME_MIN, S(0), CV_TIME_MIN, false, 0, "", "before the first sample");
	walk_is(va, CV_TIME_MIN, S(0), S(0), true, 0, "", "before the first sample");
	walk_is(va, S(9), S(9) + 1, S(9), false, 0, "9", "only the last sample");
	walk_is(va, S(0), S(0) + 1, S(0), true, 0, "0", "only the first sample");
	walk_is(vnone, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false, 0, "", "a vehicle without history");
	walk_is(vnone, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MAX, true, 0, "", "a vehicle without history");
	walk_is(va, INT64_MIN, INT64_MAX, INT64_MIN, false, 0, "0,1,2,3,4,5,6,7,8,9", "over the widest range");
	walk_is(va, INT64_MIN, INT64_MAX, INT64_MAX, true, 0, "9,8,7,6,5,4,3,2,1,0", "over the widest range");

	{
		/* the neighbours' own walks stay in their lanes */
		struct cv_walk wk = { CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MAX, true };
		struct walk_seen w;

		memset(&w, 0, sizeof(w));
		is_int(cv_telemetry_walk(&st, NULL, vhi, &wk, walk_fn, &w), CV_OK, "walk the next vehicle");
		is_int(w.n, 25, "its 25 samples, none of vehicle a");
		wk.desc = false;
		wk.start = CV_TIME_MIN;
		memset(&w, 0, sizeof(w));
		cv_telemetry_walk(&st, NULL, vlo, &wk, walk_fn, &w);
		is_int(w.n, 25, "the previous vehicle's 25 samples");
	}

	/* the same time again replaces the sample */
	txn = begin();
	memset(&s, 0, sizeof(s));
	s.at = S(4);
	s.has = (1u << CV_G_KIN) | (1u << CV_G_AIR);
	s.speed_dkmh = 4;
	s.air_temp_dc = -4;
	is_int(cv_history_put(&st, txn, va, &s, 1), CV_OK, "store sample 4 again");
	commit(txn, "sample 4 again");
	walk_is(va, CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false, 0, "0,1,2,3,4,5,6,7,8,9", "after a replacement");
}

/* ---- telemetry blocks ---------------------------------------------------- */

/* The vehicle's blocks in the telemetry database. */
static int blocks_of(const unsigned char vid[16])
{
	DB *db = st.db[CV_DB_TELEMETRY];
	DBC *c;
	DBT k, d;
	unsigned char kb[24];
	int n = 0, ret;

	if (db->cursor(db, NULL, &c, DB_READ_COMMITTED))
		return -1;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, vid, 16);
	memset(kb + 16, 0, 8);
	k.data = kb;
	k.size = 24;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.flags = DB_DBT_PARTIAL;       /* keys only */
	for (ret = c->get(c, &k, &d, DB_SET_RANGE); !ret && !memcmp(kb, vid, 16); ret = c->get(c, &k, &d, DB_NEXT))
		n++;
	c->close(c);
	return n;
}

struct seen_all {
	int64_t n, prev;
	bool ascending;
	int64_t speed_at_late, speed_at_300;
};

static int seen_fn(const struct cv_sample *s, void *arg)
{
	struct seen_all *w = arg;

	if (w->n && s->at <= w->prev)
		w->ascending = false;
	w->prev = s->at;
	w->n++;
	if (s->at == T0 + 50001)
		w->speed_at_late = s->speed_dkmh;
	if (s->at == T0 + 3000000)
		w->speed_at_300 = s->speed_dkmh;
	return 0;
}

static bool has_odo(uint32_t has, void *arg)
{
	(void)arg;
	return (has >> CV_G_ODO) & 1u;
}

static void test_blocks(void)
{
	enum { N = 1000 };
	struct cv_sample *s = calloc(N, sizeof(*s)), late[3], bad[2];
	unsigned char vb[16];
	struct seen_all w;
	struct cv_walk all = { CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false };
	DB_TXN *txn;
	int64_t n, want;
	unsigned mismatches = 0;

	cv_vid_bytes("000000000000000000000000000000b0", vb);
	/* sample i at T0 + 10 i s: speed i % 500; every third one has no odometer */
	for (int i = 0; i < N; i++) {
		s[i].at = T0 + 10000LL * i;
		s[i].has = (1u << CV_G_KIN) | (i % 3 ? 1u << CV_G_ODO : 0);
		s[i].speed_dkmh = (uint16_t)(i % 500);
		s[i].odo_hm = (uint32_t)i;
	}
	txn = begin();
	is_int(cv_history_put(&st, txn, vb, s, N), CV_OK, "1000 samples in one upload");
	commit(txn, "1000 samples");
	is_int(blocks_of(vb), (N + CV_TBLOCK_MAX - 1) / CV_TBLOCK_MAX, "in blocks of CV_TBLOCK_MAX");
	is_int(cv_telemetry_count(&st, NULL, vb, CV_TIME_MIN, CV_TIME_MAX + 1, NULL, NULL, &n), CV_OK, "count them");
	is_int(n, N, "all of them");

	/* counts agree with walks over ranges that cut blocks anywhere */
	for (int k = 0; k < 200; k++) {
		int64_t from = T0 + (int64_t)((k * 7919) % (N * 10)) * 1000 - 500 * (k % 3);
		int64_t to = from + (int64_t)((k * 104729) % (N * 10)) * 1000;
		struct cv_walk wk = { from, to, from, false };
		int64_t c1 = -1, c2 = -1;

		memset(&w, 0, sizeof(w));
		w.ascending = true;
		cv_telemetry_walk(&st, NULL, vb, &wk, seen_fn, &w);
		cv_telemetry_count(&st, NULL, vb, from, to, NULL, NULL, &c1);
		cv_telemetry_count(&st, NULL, vb, from, to, has_odo, NULL, &c2);
		want = 0;
		for (int i = 0; i < N; i++)
			want += s[i].at >= from && s[i].at < to && (i % 3);
		mismatches += c1 != w.n || c2 != want || !w.ascending;
		wk.desc = true;
		wk.start = to - 1;
		memset(&w, 0, sizeof(w));
		cv_telemetry_walk(&st, NULL, vb, &wk, seen_fn, &w);
		mismatches += c1 != w.n;
	}
	is_int(mismatches, 0, "200 ranges: counts (all, and by groups) agree with walks both ways");

	/* late samples: inside the first (full) block, before every block, and one replacing sample 300 */
	memset(late, 0, sizeof(late));
	late[0].at = T0 - 5000;
	late[1].at = T0 + 50001;
	late[2].at = T0 + 3000000;
	for (int i = 0; i < 3; i++) {
		late[i].has = 1u << CV_G_KIN;
		late[i].speed_dkmh = (uint16_t)(777 + i);
	}
	txn = begin();
	is_int(cv_history_put(&st, txn, vb, late, 3), CV_OK, "three late samples");
	commit(txn, "late samples");
	memset(&w, 0, sizeof(w));
	w.ascending = true;
	is_int(cv_telemetry_walk(&st, NULL, vb, &all, seen_fn, &w), CV_OK, "walk them all");
	ok(w.n == N + 2 && w.ascending, "1002 samples, in time order (%lld)", (long long)w.n);
	ok(w.speed_at_late == 778 && w.speed_at_300 == 779, "the late one inside a block, and the replacement");
	is_int(cv_telemetry_exists(&st, NULL, vb, T0 + 50001), CV_OK, "the late sample exists");
	is_int(cv_telemetry_exists(&st, NULL, vb, T0 - 5000), CV_OK, "the earliest exists");
	is_int(cv_telemetry_exists(&st, NULL, vb, T0 + 50002), CV_ENOTFOUND, "a ms later, none");
	is_int(cv_telemetry_exists(&st, NULL, vb, T0 - 5001), CV_ENOTFOUND, "before the first, none");
	is_int(blocks_of(vb), (N + CV_TBLOCK_MAX - 1) / CV_TBLOCK_MAX + 2,
	       "the full block split in two, and a new block before the others");

	/* samples out of time order are refused, nothing written */
	memset(bad, 0, sizeof(bad));
	bad[0].at = T0 + 20000000;
	bad[1].at = T0 + 10000000;
	bad[0].has = bad[1].has = 1u << CV_G_KIN;
	txn = begin();
	is_int(cv_history_put(&st, txn, vb, bad, 2), CV_EINVAL, "samples out of time order are refused");
	cv_store_abort(txn);
	is_int(cv_telemetry_count(&st, NULL, vb, CV_TIME_MIN, CV_TIME_MAX + 1, NULL, NULL, &n), CV_OK, "count again");
	is_int(n, N + 2, "nothing more");
	free(s);
}

struct power_seen {
	int n;
	int64_t at[8];
	int power[8];           /* -1: not reported */
};

static int power_fn(const struct cv_sample *s, void *arg)
{
	struct power_seen *w = arg;

	if (w->n < 8) {
		w->at[w->n] = s->at;
		w->power[w->n] = s->has_chg_power ? s->chg_power_dkw : -1;
		w->n++;
	}
	return 0;
}

/*
 * The charging power through the store: a block written before it
 * (version 2, put here as it was) reads without power, and after an upload
 * that extends it (written again as version 3) still does, beside the new
 * samples' powers, 0 kW included.
 */
static void test_power_stored(void)
{
	enum { C_CHG_STATUS = 16 };     /* tblock.c's column of the charging status */
	static const int power[] = { 72, 0, 1105 };
	struct cv_walk all = { CV_TIME_MIN, CV_TIME_MAX + 1, CV_TIME_MIN, false };
	struct cv_buf old = CV_BUF_INIT(0), raw = CV_BUF_INIT(0);
	struct cv_sample s[4];
	struct power_seen w;
	unsigned char vp[16], kb[24];
	DB_TXN *txn;

	cv_vid_bytes("000000000000000000000000000000c0", vp);
	/* version 2: one sample at T0, the charging group alone, InProgress */
	cv_wr_uint(&old, 2, 1);
	cv_wr_varint(&old, 1);
	cv_wr_varint(&old, 0);
	cv_wr_varint(&old, 1u << CV_G_CHARGE);
	cv_wr_varint(&old, 0);
	cv_wr_varint(&old, 1u | 1u << (C_CHG_STATUS + 1));
	cv_wr_varint(&old, 1u << CV_G_CHARGE);
	cv_wr_varint(&old, cv_zigzag(CV_CHG_INPROGRESS));
	memcpy(kb, vp, 16);
	cv_be64_put(kb + 16, (uint64_t)T0);
	txn = begin();
	is_int(cv_store_put(&st, CV_DB_TELEMETRY, txn, kb, sizeof(kb), old.p, old.len, 0), CV_OK,
	       "a block of version 2 as it was written");
	commit(txn, "version 2 block");
	memset(&w, 0, sizeof(w));
	cv_telemetry_walk(&st, NULL, vp, &all, power_fn, &w);
	ok(w.n == 1 && w.at[0] == T0 && w.power[0] == -1, "reads as a charging sample without power");

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++) {
		s[i].at = T0 + 60000LL * (i + 1);
		s[i].has = (1u << CV_G_ELEC) | (1u << CV_G_CHARGE);
		s[i].chg_status = CV_CHG_INPROGRESS;
		s[i].has_chg_power = 1;
		s[i].chg_power_dkw = (uint16_t)power[i];
	}
	s[3].at = T0 + 240000;
	s[3].has = 1u << CV_G_CHARGE;
	s[3].chg_status = CV_CHG_FINISHED;
	txn = begin();
	is_int(cv_history_put(&st, txn, vp, s, 4), CV_OK, "charging samples after it, with and without power");
	commit(txn, "charging samples");
	is_int(blocks_of(vp), 1, "one block still");
	is_int(cv_store_get(&st, CV_DB_TELEMETRY, NULL, kb, sizeof(kb), &raw), CV_OK, "read it");
	is_int(raw.len ? raw.p[0] : 0, CV_TBLOCK_V, "written again in the current version");
	memset(&w, 0, sizeof(w));
	cv_telemetry_walk(&st, NULL, vp, &all, power_fn, &w);
	ok(w.n == 5 && w.power[0] == -1 && w.power[1] == 72 && w.power[2] == 0 && w.power[3] == 1105 &&
	   w.power[4] == -1, "each sample with its power: none, 7.2, 0, 110.5 kW, none (%d: %d %d %d %d %d)", w.n,
	   w.power[0], w.power[1], w.power[2], w.power[3], w.power[4]);
	cv_buf_release(&old);
	cv_buf_release(&raw);
}

/* Expired tokens go with the purge, a week after they expired; the others stay. */
static void test_token_purge(void)
{
	int64_t now = cv_now_ms();
	struct cv_token t, got;
	char old[CV_TOKEN_STRLEN], recent[CV_TOKEN_STRLEN], live[CV_TOKEN_STRLEN];
	DB_TXN *txn = begin();
	size_t deleted = 0;

	memset(&t, 0, sizeof(t));
	t.kind = CV_TOKEN_ACCESS;
	cv_strlcpy(t.user, "bob", sizeof(t.user));
	cv_strlcpy(t.client, "console", sizeof(t.client));
	t.issued = now - 9 * 86400000LL;
	t.expires = now - CV_TOKEN_KEEP_MS - 1000;
	cv_token_issue(&st, txn, &t, old);
	t.expires = now - 86400000LL;
	cv_token_issue(&st, txn, &t, recent);
	t.expires = now + 3600000LL;
	cv_token_issue(&st, txn, &t, live);
	commit(txn, "three tokens");
	/* steps until the sweep has been round the whole token database */
	for (int i = 0; i < 50; i++) {
		struct cv_purge_stats ps;

		if (cv_purge_step(&st, now, 200, &ps) == CV_OK)
			deleted += ps.deleted;
	}
	ok(deleted >= 1, "purge steps deleted %zu records", deleted);
	is_int(cv_token_lookup(&st, NULL, old, &got, now), CV_ENOTFOUND, "a token expired more than a week ago is gone");
	is_int(cv_token_lookup(&st, NULL, recent, &got, now), CV_EAUTH, "one expired yesterday is still told apart (expired)");
	is_int(cv_token_lookup(&st, NULL, live, &got, now), CV_OK, "a live one stays");
}

static void test_status(void)
{
	DB_TXN *txn = begin();
	struct cv_state state;
	struct cv_sample s;
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_status_rec r;
	const char *vid = "00000000000000000000000000000001";

	memset(&state, 0, sizeof(state));
	memset(&s, 0, sizeof(s));
	s.at = T0;
	s.has = (1u << CV_G_POS) | (1u << CV_G_AIR);
	s.lat_e7 = 488566000;
	s.lon_e7 = 23522000;
	s.air_temp_dc = -125;
	cv_state_merge(&state, &s, T0 + 10);
	is_int(cv_status_put(&st, txn, vid, &state), CV_OK, "put a status");
	commit(txn, "status");

	is_int(cv_status_get(&st, NULL, vid, &b, &r), CV_OK, "get it back");
	ok(!memcmp(&r.state, &state, sizeof(state)), "the same state");
	ok(r.members_len > 0 && strstr(r.members, "\"temp\":-12.5") != NULL, "members hold the temperature");
	ok(r.position_len > 0 && !strncmp(r.position, "{\"type\":\"Feature\"", 17), "a position Feature");
	is_int(cv_status_get(&st, NULL, "00000000000000000000000000000009", &b, &r), CV_ENOTFOUND,
	       "no status for a silent vehicle");
	cv_buf_release(&b);
}

/* Change generations (gen.h): bumped by commits, not by aborts nor before the commit, seen by other processes. */
static void test_generations(const char *dir)
{
	const char *vid = "00000000000000000000000000000002";
	size_t slot = cv_gen_slot(vid, strlen(vid));
	uint64_t v0 = cv_gen_get(&st.gen, slot), a0 = cv_gen_get(&st.gen, CV_GEN_ALL);
	struct cv_state state;
	struct cv_token t;
	char tok[CV_TOKEN_STRLEN], path[4096 + 64];
	struct cv_gen other;
	DB_TXN *txn;
	pid_t pid;
	int wst;

	ok(slot >= 1 && slot < CV_GEN_SLOTS, "a vehicle's slot is not CV_GEN_ALL (%zu)", slot);
	ok(a0 >= 1, "opening the store bumped CV_GEN_ALL");
	memset(&state, 0, sizeof(state));
	state.v.at = T0;
	txn = begin();
	is_int(cv_status_put(&st, txn, vid, &state), CV_OK, "a status put");
	is_int(cv_status_put(&st, txn, vid, &state), CV_OK, "and another in the same transaction");
	ok(cv_gen_get(&st.gen, slot) == v0, "no bump before the commit");
	commit(txn, "status");
	ok(cv_gen_get(&st.gen, slot) == v0 + 1, "one bump of the vehicle's slot after the commit");
	ok(cv_gen_get(&st.gen, CV_GEN_ALL) == a0, "CV_GEN_ALL unchanged by a status");

	txn = begin();
	is_int(cv_status_put(&st, txn, vid, &state), CV_OK, "a status put");
	cv_store_abort(txn);
	ok(cv_gen_get(&st.gen, slot) == v0 + 1, "no bump after an abort");

	memset(&t, 0, sizeof(t));
	t.kind = CV_TOKEN_ACCESS;
	cv_strlcpy(t.user, "bob", sizeof(t.user));
	cv_strlcpy(t.client, "console", sizeof(t.client));
	t.expires = cv_now_ms() + 60000;
	txn = begin();
	is_int(cv_token_issue(&st, txn, &t, tok), CV_OK, "issue a token");
	commit(txn, "token");
	ok(cv_gen_get(&st.gen, CV_GEN_ALL) == a0, "issuing a token bumps nothing");
	txn = begin();
	is_int(cv_token_revoke(&st, txn, tok), CV_OK, "revoke it");
	ok(cv_gen_get(&st.gen, CV_GEN_ALL) == a0, "not before the commit");
	commit(txn, "revoke");
	ok(cv_gen_get(&st.gen, CV_GEN_ALL) == a0 + 1, "revoking bumps CV_GEN_ALL after the commit");
	/* a refresh token reads nothing: its rotation ends nobody's copies */
	t.kind = CV_TOKEN_REFRESH;
	txn = begin();
	is_int(cv_token_issue(&st, txn, &t, tok), CV_OK, "issue a refresh token");
	commit(txn, "refresh token");
	txn = begin();
	is_int(cv_token_revoke(&st, txn, tok), CV_OK, "revoke it");
	commit(txn, "revoke the refresh token");
	ok(cv_gen_get(&st.gen, CV_GEN_ALL) == a0 + 1, "revoking a refresh token bumps nothing");

	/* another process maps the same counters */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct cv_gen g;

		if (cv_gen_open(&g, dir))
			_exit(1);
		cv_gen_bump(&g, slot);
		cv_gen_close(&g);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "a child bumped the slot");
	ok(cv_gen_get(&st.gen, slot) == v0 + 2, "and this process sees it");

	/* made whole, mode 0660, never through a link, never resized */
	snprintf(path, sizeof(path), "%s/fresh", dir);
	if (mkdir(path, 0700) == 0) {
		char gp[4400], target[4400];
		struct stat fs;
		FILE *f;

		is_int(cv_gen_open(&other, path), CV_OK, "a new counters file is made");
		cv_gen_close(&other);
		snprintf(gp, sizeof(gp), "%s/%s", path, CV_GEN_FILE);
		ok(stat(gp, &fs) == 0 && fs.st_size == (off_t)CV_GEN_SLOTS * 8 && (fs.st_mode & 0777) == 0660 &&
		   fs.st_nlink == 1, "whole: its size, mode 0660, one link");
		unlink(gp);

		/* a symbolic link: refused, the target untouched */
		snprintf(target, sizeof(target), "%s/target", path);
		f = fopen(target, "w");
		if (f) {
			fputs("someone's file\n", f);
			fclose(f);
		}
		ok(symlink(target, gp) == 0, "a link planted as the counters file");
		is_int(cv_gen_open(&other, path), CV_EIO, "a symbolic link is refused");
		ok(stat(target, &fs) == 0 && fs.st_size == 15, "its target is left as it was");
		unlink(gp);

		/* a second name of another file: refused */
		ok(link(target, gp) == 0, "a hard link planted as the counters file");
		is_int(cv_gen_open(&other, path), CV_EINVAL, "a file with two names is refused");
		ok(stat(target, &fs) == 0 && fs.st_size == 15, "and left as it was");
		unlink(gp);

		/* shorter than the counters: refused, not extended */
		ok(rename(target, gp) == 0, "a short file as the counters file");
		is_int(cv_gen_open(&other, path), CV_EINVAL, "a shorter file is refused");
		ok(stat(gp, &fs) == 0 && fs.st_size == 15, "and not extended");
		unlink(gp);

		/* a FIFO: refused at once, not waited on */
		ok(mkfifo(gp, 0660) == 0, "a FIFO as the counters file");
		is_int(cv_gen_open(&other, path), CV_EINVAL, "a FIFO is refused");
		unlink(gp);
		ok(other.slot == NULL, "nothing mapped");
		rmdir(path);
	}

	/* a file of another size is not ours */
	snprintf(path, sizeof(path), "%s/odd", dir);
	if (mkdir(path, 0700) == 0) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/odd/%s", dir, CV_GEN_FILE);
		f = fopen(path, "w");
		if (f) {
			fputs("not counters, and longer than the counters would be: ", f);
			for (int i = 0; i < 20000; i++)
				fputs("0123456789", f);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/odd", dir);
		is_int(cv_gen_open(&other, path), CV_EINVAL, "a longer file is refused");
		ok(other.slot == NULL, "and left closed");
		cv_gen_close(&other);
		snprintf(path, sizeof(path), "%s/odd/%s", dir, CV_GEN_FILE);
		unlink(path);
		snprintf(path, sizeof(path), "%s/odd", dir);
		rmdir(path);
	}
}

/* ---- the region files' blocks --------------------------------------------- */

/* How far this process maps path (the end of its furthest mapping of it), from /proc/self/maps; 0: not mapped. */
static long long mapped_len(const char *path)
{
	char line[8192];
	long long end = 0;
	size_t pl = strlen(path);
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		char *p = line;
		unsigned long long lo, hi, off;

		line[n] = '\0';
		if (n <= pl || strcmp(line + n - pl, path) || line[n - pl - 1] != ' ')
			continue;
		lo = strtoull(p, &p, 16);
		hi = strtoull(p + 1, &p, 16);
		p += strspn(p, " ");
		p += strcspn(p, " ");
		off = strtoull(p, NULL, 16);
		if ((long long)(off + hi - lo) > end)
			end = (long long)(off + hi - lo);
	}
	fclose(f);
	return end;
}

/*
 * Every region file of the store (__db.001...) has a block on disk for
 * each byte of it and each page this process maps of it: a page without
 * one is a SIGBUS on a full disk. (Allocated blocks, not SEEK_HOLE: a
 * range allocated ahead and not yet written is a hole to SEEK_HOLE on
 * ext4, yet needs no space when written.)
 */
static void regions_whole(const char *dir, const char *when)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!ok(d != NULL, "%s: the store folder lists", when))
		return;
	while ((de = readdir(d))) {
		char path[4200];
		struct stat sb;
		long long need, have, mapped;

		if (strncmp(de->d_name, "__db.", 5) || de->d_name[5] < '0' || de->d_name[5] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!ok(stat(path, &sb) == 0, "%s: stat %s", when, de->d_name))
			continue;
		mapped = mapped_len(path);
		need = mapped > (long long)sb.st_size ? mapped : (long long)sb.st_size;
		have = (long long)sb.st_blocks * 512;
		ok(mapped > 0, "%s: %s is mapped", when, de->d_name);
		ok(have >= need, "%s: %s has a block for each of its %lld bytes (size %lld, mapped %lld): %lld allocated",
		   when, de->d_name, need, (long long)sb.st_size, mapped, have);
		n++;
	}
	closedir(d);
	ok(n >= 2, "%s: %d region files", when, n);
}

/* The store's cache grown by some 10 MB of pages (in basicauth, unused), then every region still whole. */
static void test_regions(const char *dir)
{
	static char val[2000];
	enum { N = 5000 };
	enum cv_err e = CV_OK;

	memset(val, 'r', sizeof(val));
	for (int i = 0; i < N && !e; i += 500) {
		DB_TXN *txn = begin();

		for (int j = i; j < i + 500 && !e; j++) {
			char k[32];
			int kl = snprintf(k, sizeof(k), "region-%06d", j);

			e = cv_store_put(&st, CV_DB_BASICAUTH, txn, k, (size_t)kl, val, sizeof(val), 0);
		}
		if (e)
			cv_store_abort(txn);
		else
			e = cv_store_commit(txn);
	}
	is_int(e, CV_OK, "%d records of %zu bytes written", N, sizeof(val));
	regions_whole(dir, "after the cache grew");
	{
		DB_TXN *txn = begin();

		is_int(cv_store_del_prefix(&st, CV_DB_BASICAUTH, txn, "region-", 7, NULL, NULL, SIZE_MAX, NULL), CV_OK, "and deleted");
		commit(txn, "the deletion");
	}
}

/*
 * The failchk turn (an flock() of the store folder) held by another
 * process: a child takes it and says so through a pipe, then keeps it
 * for hold_ms (-1: until killed). What the open returns, and in *ms how
 * long it took.
 */
static enum cv_err open_while_held(const char *dir, int hold_ms, int64_t *ms)
{
	int p[2], status;
	char c = 0;
	pid_t pid;
	enum cv_err e;
	int64_t t0;
	struct cv_store s2;

	if (pipe(p) != 0)
		return CV_ERR_COUNT;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY);

		close(p[0]);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(p[1], "x", 1) != 1)
			_exit(1);
		if (hold_ms < 0)
			for (;;)
				pause();
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		return CV_ERR_COUNT;
	}
	close(p[0]);
	t0 = cv_mono_ms();
	e = cv_store_open(&s2, dir, 0);
	*ms = cv_mono_ms() - t0;
	if (e == CV_OK)
		cv_store_close(&s2);
	else
		ok(s2.env == NULL && s2.dirfd == -1, "a refused open leaves the store closed");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return e;
}

static void test_turn(const char *dir)
{
	int64_t ms;
	int saved = dup(2), fd = open("/dev/null", O_WRONLY);

	/* the refusal's line would only clutter the output */
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	cv_store_set_turn_wait(400);
	is_int(open_while_held(dir, -1, &ms), CV_EBUSY, "the failchk turn held all along: the open is refused (CV_EBUSY)");
	ok(ms >= 400, "after waiting for it (%lld ms)", (long long)ms);
	cv_store_set_turn_wait(CV_STORE_TURN_WAIT_MS);
	is_int(open_while_held(dir, 300, &ms), CV_OK, "the turn held for 300 ms: the open waits for it");
	ok(ms >= 250, "and joins once it is free (%lld ms)", (long long)ms);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

/*
 * Root making a store (CV_STORE_CREATE) in a folder that is there already
 * and someone else's: it appeared after cv_store_owner looked (which would
 * have made root that user): refused, nothing written in it as root.
 */
static void test_create_appeared(const char *dir)
{
	char sub[4200];
	DIR *d;
	int n = 0;
	struct cv_store s2;
	struct dirent *de;

	if (geteuid() != 0) {
		ok(1, "# SKIP root only: a folder of another user's appeared before root's create");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/theirs", dir);
	if (!ok(mkdir(sub, 0770) == 0 && chown(sub, 65534, 65534) == 0, "a folder of uid 65534 where root makes a store"))
		return;
	is_int(cv_store_open(&s2, sub, CV_STORE_CREATE), CV_EIO, "root's create there is refused");
	d = opendir(sub);
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	is_int(n, 0, "nothing made in it");
	rm_store(sub);
}

/*
 * A child opens the store, says it is outside Berkeley DB, and is killed.
 * Its death costs no recovery in this boot; in another (word 0 of the
 * processes file changed, as after a reboot or a power loss), the next
 * open recovers. What the opener says on stderr tells which.
 */
static bool open_after_death(const char *dir, bool other_boot)
{
	char file[4200], out[4200], said[4096] = "";
	pid_t pid;
	int status, fd, saved;
	struct cv_store s2;
	ssize_t n;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct cv_store c;

		if (cv_store_open(&c, dir, 0))
			_exit(2);
		cv_store_outside(&c, true);
		raise(SIGKILL);
		_exit(3);
	}
	waitpid(pid, &status, 0);
	if (other_boot) {
		uint64_t w = 12345;

		snprintf(file, sizeof(file), "%s/processes", dir);
		fd = open(file, O_WRONLY);
		if (fd < 0 || pwrite(fd, &w, sizeof(w), 0) != (ssize_t)sizeof(w))
			return false;
		close(fd);
	}
	snprintf(out, sizeof(out), "%s/opener.err", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	if (cv_store_open(&s2, dir, 0) == CV_OK)
		cv_store_close(&s2);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = open(out, O_RDONLY);
	n = fd >= 0 ? read(fd, said, sizeof(said) - 1) : -1;
	if (fd >= 0)
		close(fd);
	unlink(out);
	said[n > 0 ? n : 0] = '\0';
	return other_boot ? strstr(said, "died with the store open: recovering") != NULL
			  : strstr(said, "died outside the store: no recovery") != NULL;
}

static void test_deaths(const char *dir)
{
	ok(open_after_death(dir, false), "a process killed outside Berkeley DB: the next open needs no recovery");
	ok(open_after_death(dir, true), "the same after a reboot (another boot in the processes file): the next open recovers");
}

int main(void)
{
	char tmpl[] = "/tmp/cvapi-unit-store-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char dir[4096];

	if (tmpdir && *tmpdir) {
		snprintf(dir, sizeof(dir), "%s/cvapi-unit-store-XXXXXX", tmpdir);
	} else {
		cv_strlcpy(dir, tmpl, sizeof(dir));
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		printf("1..0 # SKIP cannot make a temporary folder\n");
		return 0;
	}
	if (!ok(cv_store_open(&st, dir, CV_STORE_CREATE) == CV_OK, "open a new store in %s", dir)) {
		rm_store(dir);
		return tap_done();
	}
	regions_whole(dir, "after open");
	test_users();
	test_vehicles();
	test_tokens();
	test_token_no_family();
	test_msgids();
	test_history();
	test_blocks();
	test_power_stored();
	test_token_purge();
	test_status();
	test_generations(dir);
	test_regions(dir);
	is_int(cv_store_maintain(&st, cv_now_ms()), CV_OK, "maintenance runs");
	cv_store_close(&st);

	/* what was committed is there after a reopen */
	if (ok(cv_store_open(&st, dir, 0) == CV_OK, "reopen the store")) {
		struct cv_user u;

		is_int(cv_user_get(&st, NULL, "bob", &u), CV_OK, "bob is still there");
		cv_store_close(&st);
	}
	cv_store_close(&st);
	test_deaths(dir);
	test_turn(dir);
	test_create_appeared(dir);
	rm_store(dir);
	ok(access(dir, F_OK) != 0, "the temporary store is removed");
	return tap_done();
}

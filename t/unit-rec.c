/* unit-rec.c - tests of db/rec: scopes, JSON records, packed records. */
#include "rec.h"
#include "ids.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define AT 1714552200000LL

static void test_scopes(void)
{
	uint32_t m = 0xdead;
	const char *bad = NULL;
	size_t badlen = 0;
	struct cv_buf b = CV_BUF_INIT(0);
	bool all = true;

	is_int(cv_scopes_parse("data:telemetry data:position", &m, &bad, &badlen), CV_OK, "two scopes");
	is_int(m, CV_SC_BIT(CV_SC_TELEMETRY) | CV_SC_BIT(CV_SC_POSITION), "their bits");
	is_int(cv_scopes_parse("  data:trip   remote:horn:write ", &m, &bad, &badlen), CV_OK, "extra spaces");
	is_int(m, CV_SC_BIT(CV_SC_TRIP) | CV_SC_BIT(CV_SC_R_HORN), "their bits");
	is_int(cv_scopes_parse("data:trip data:trip", &m, &bad, &badlen), CV_OK, "a repeated scope");
	is_int(m, CV_SC_BIT(CV_SC_TRIP), "counts once");
	is_int(cv_scopes_parse("", &m, &bad, &badlen), CV_OK, "empty list");
	is_int(m, 0, "no bits");
	is_int(cv_scopes_parse("   ", &m, &bad, &badlen), CV_OK, "blank list");
	is_int(m, 0, "no bits");
	m = 77;
	is_int(cv_scopes_parse("data:telemetry data:foo data:trip", &m, &bad, &badlen), CV_EINVAL, "an unknown scope");
	ok(badlen == 8 && !strncmp(bad, "data:foo", badlen), "bad points at it");
	is_int(m, 77, "mask untouched on failure");
	is_int(cv_scopes_parse("data:tele", &m, &bad, &badlen), CV_EINVAL, "a prefix of a scope is unknown");
	is_int(cv_scopes_parse("data:telemetryx", &m, &bad, &badlen), CV_EINVAL, "a longer name is unknown");
	is_int(cv_scopes_parse("Data:Telemetry", &m, &bad, &badlen), CV_EINVAL, "scopes are case-sensitive");
	is_int(cv_scopes_parse("data:telemetry,data:trip", &m, &bad, &badlen), CV_EINVAL, "commas do not separate");

	cv_scopes_fmt(0, &b);
	is_str(cv_buf_str(&b), "", "format no scope");
	cv_scopes_fmt(CV_SC_BIT(CV_SC_TELEMETRY) | CV_SC_BIT(CV_SC_VEHICLE_PNC), &b);
	is_str(cv_buf_str(&b), "data:telemetry data:vehicle:devices:pnc", "format two scopes");
	for (uint32_t mask = 0; mask <= CV_SC_ALL; mask += 37) {
		uint32_t back = 0;

		cv_buf_reset(&b);
		if (cv_scopes_fmt(mask, &b) || cv_scopes_parse(cv_buf_str(&b), &back, &bad, &badlen) || back != mask)
			all = false;
	}
	ok(all, "format/parse round trips");
	cv_buf_reset(&b);
	cv_scopes_fmt(0xffffffffu, &b);
	is_int(cv_scopes_parse(cv_buf_str(&b), &m, &bad, &badlen), CV_OK, "bits past the last scope are ignored");
	is_int(m, CV_SC_ALL, "all scopes");
	is_int(cv_scopes_parse("fleet", &m, &bad, &badlen), CV_OK, "the fleet face's scope");
	is_int(m, CV_SC_BIT(CV_SC_FLEET), "its bit");
	ok(!(CV_SC_DEFAULT & CV_SC_BIT(CV_SC_FLEET)) && (CV_SC_DEFAULT | CV_SC_BIT(CV_SC_FLEET)) == CV_SC_ALL,
	   "a grant naming no scope gets every scope but fleet");
	cv_buf_release(&b);
}

static void test_json_records(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_user u, u2;
	struct cv_client c, c2;
	struct cv_vehicle v, v2;

	memset(&u, 0, sizeof(u));
	cv_strlcpy(u.login, "alice", sizeof(u.login));
	cv_strlcpy(u.hash, "$y$j9T$salt$hash", sizeof(u.hash));
	cv_strlcpy(u.first, "Al\"ice\\", sizeof(u.first));
	cv_strlcpy(u.last, "Ð\xc3\xa9sir\xc3\xa9", sizeof(u.last));
	cv_strlcpy(u.email, "alice@example.org", sizeof(u.email));
	u.created = AT;
	u.updated = AT + 1;
	is_int(cv_user_encode(&u, &b), CV_OK, "user encoded");
	memset(&u2, 0x55, sizeof(u2));
	is_int(cv_user_decode(b.p, b.len, &u2), CV_OK, "user decoded");
	ok(!strcmp(u2.login, u.login) && !strcmp(u2.hash, u.hash) && !strcmp(u2.first, u.first) &&
	   !strcmp(u2.last, u.last) && !strcmp(u2.email, u.email) && u2.created == AT && u2.updated == AT + 1,
	   "user round trip");

	cv_buf_reset(&b);
	memset(&c, 0, sizeof(c));
	cv_strlcpy(c.id, "console", sizeof(c.id));
	cv_strlcpy(c.name, "The console", sizeof(c.name));
	c.scopes = CV_SC_ALL;
	c.created = AT;
	is_int(cv_client_encode(&c, &b), CV_OK, "client encoded");
	memset(&c2, 0x55, sizeof(c2));
	is_int(cv_client_decode(b.p, b.len, &c2), CV_OK, "client decoded");
	ok(!strcmp(c2.id, "console") && !strcmp(c2.name, c.name) && !strcmp(c2.secret_sha256, "") &&
	   c2.scopes == CV_SC_ALL && c2.created == AT, "client round trip (public client)");
	cv_buf_reset(&b);
	c.scopes = CV_SC_DEFAULT;
	cv_client_encode(&c, &b);
	is_int(cv_client_decode(b.p, b.len, &c2), CV_OK, "a client with every scope but fleet");
	is_int(c2.scopes, CV_SC_DEFAULT, "keeps them");
	{
		static const char old[] = "{\"id\":\"console\",\"scopes\":8191,\"created\":1}";
		static const char some[] = "{\"id\":\"app\",\"scopes\":3,\"created\":1}";

		is_int(cv_client_decode(old, sizeof(old) - 1, &c2), CV_OK, "a client recorded before the fleet scope");
		is_int(c2.scopes, CV_SC_ALL, "every scope then: every scope now");
		is_int(cv_client_decode(some, sizeof(some) - 1, &c2), CV_OK, "one with some scopes");
		is_int(c2.scopes, 3, "keeps them, without fleet");
	}

	cv_buf_reset(&b);
	memset(&v, 0, sizeof(v));
	cv_strlcpy(v.id, "0123456789abcdef0123456789abcdef", sizeof(v.id));
	cv_strlcpy(v.vin, "VR3UPHNKSKT000001", sizeof(v.vin));
	cv_strlcpy(v.brand, "Peugeot", sizeof(v.brand));
	cv_strlcpy(v.label, "e-208", sizeof(v.label));
	v.energy = CV_ENERGY_PHEV;
	cv_strlcpy(v.owner, "alice", sizeof(v.owner));
	memset(v.cred_sha256, 'a', CV_SHA256_HEXLEN);
	v.created = AT;
	v.updated = AT;
	is_int(cv_vehicle_encode(&v, &b), CV_OK, "vehicle encoded");
	memset(&v2, 0x55, sizeof(v2));
	is_int(cv_vehicle_decode(b.p, b.len, &v2), CV_OK, "vehicle decoded");
	ok(!strcmp(v2.id, v.id) && !strcmp(v2.vin, v.vin) && !strcmp(v2.brand, v.brand) && !strcmp(v2.label, v.label) &&
	   v2.energy == CV_ENERGY_PHEV && !strcmp(v2.owner, "alice") && !strcmp(v2.cred_sha256, v.cred_sha256) &&
	   v2.created == AT, "vehicle round trip");
	is_int(cv_vehicle_decode("{\"energy\":\"steam\"}", 18, &v2), CV_OK, "an unknown energy");
	is_int(v2.energy, 0, "reads as the first");
	ok(v2.vin[0] == '\0' && v2.created == 0, "missing members read as empty");
	{
		/* energy capacities: kept; a record made before them (or a value out of bounds) has them unknown */
		static const char before[] = "{\"id\":\"0123456789abcdef0123456789abcdef\",\"vin\":\"VR3UPHNKSKT000001\","
					     "\"energy\":\"phev\",\"owner\":\"alice\",\"created\":1,\"updated\":1}";
		static const char wrong[] = "{\"energy\":\"phev\",\"batteryWh\":300001,\"tankCl\":-5}";
		static const char text[] = "{\"energy\":\"phev\",\"batteryWh\":\"12000\",\"tankCl\":4000.5}";

		v.battery_wh = 12400;
		v.tank_cl = 4000;
		cv_buf_reset(&b);
		is_int(cv_vehicle_encode(&v, &b), CV_OK, "vehicle with capacities encoded");
		memset(&v2, 0x55, sizeof(v2));
		ok(!cv_vehicle_decode(b.p, b.len, &v2) && v2.battery_wh == 12400 && v2.tank_cl == 4000 &&
		   v2.energy == CV_ENERGY_PHEV && !strcmp(v2.owner, "alice"), "capacities round trip: 12.4 kWh, 40 L");
		v.battery_wh = 0;
		cv_buf_reset(&b);
		cv_vehicle_encode(&v, &b);
		ok(!strstr(cv_buf_str(&b), "batteryWh") && strstr(cv_buf_str(&b), "\"tankCl\":4000"),
		   "an unknown capacity is not written");
		memset(&v2, 0x55, sizeof(v2));
		ok(!cv_vehicle_decode(before, sizeof(before) - 1, &v2) && v2.battery_wh == 0 && v2.tank_cl == 0 &&
		   !strcmp(v2.vin, "VR3UPHNKSKT000001"), "a record made before capacities: both unknown");
		ok(!cv_vehicle_decode(wrong, sizeof(wrong) - 1, &v2) && v2.battery_wh == 0 && v2.tank_cl == 0,
		   "capacities out of bounds read as unknown");
		ok(!cv_vehicle_decode(text, sizeof(text) - 1, &v2) && v2.battery_wh == 0 && v2.tank_cl == 0,
		   "and so do capacities that are not integers");
	}

	is_int(cv_user_decode("", 0, &u2), CV_EINVAL, "empty JSON refused");
	is_int(cv_user_decode("{", 1, &u2), CV_EINVAL, "truncated JSON refused");
	is_int(cv_user_decode("[]", 2, &u2), CV_EINVAL, "an array refused");
	is_int(cv_user_decode("null", 4, &u2), CV_EINVAL, "null refused");
	is_int(cv_user_decode("\"x\"", 3, &u2), CV_EINVAL, "a string refused");
	is_int(cv_client_decode("{\"id\":", 6, &c2), CV_EINVAL, "truncated client refused");
	is_int(cv_vehicle_decode("{\"id\"}", 6, &v2), CV_EINVAL, "bad vehicle refused");
	is_int(cv_user_decode("{\"login\":5,\"created\":\"x\"}", 25, &u2), CV_OK, "wrong member types decode");
	ok(u2.login[0] == '\0' && u2.created == 0, "as empty values");
	{
		/* a value longer than the field is cut, not overflowed */
		struct cv_buf j = CV_BUF_INIT(0);

		cv_buf_adds(&j, "{\"login\":\"");
		for (int i = 0; i < 300; i++)
			cv_buf_addc(&j, 'x');
		cv_buf_adds(&j, "\"}");
		is_int(cv_user_decode(j.p, j.len, &u2), CV_OK, "an over-long login decodes");
		is_int(strlen(u2.login), CV_LOGIN_MAX, "cut to CV_LOGIN_MAX");
		cv_buf_release(&j);
	}
	cv_buf_release(&b);
}

static void test_tokens(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_token t, t2;
	bool all = true;

	memset(&t, 0, sizeof(t));
	t.kind = CV_TOKEN_REFRESH;
	t.scopes = CV_SC_ALL;
	t.issued = AT;
	t.expires = AT + 3600000;
	cv_strlcpy(t.user, "alice", sizeof(t.user));
	cv_strlcpy(t.client, "console", sizeof(t.client));
	memset(t.family, 0xa5, sizeof(t.family));
	t.used = 1;
	is_int(cv_token_encode(&t, &b), CV_OK, "token encoded");
	is_int(b.len, 1 + 1 + 4 + 8 + 8 + 1 + 5 + 1 + 7 + CV_TOKEN_FAMILY + 1, "token size");
	memset(&t2, 0x55, sizeof(t2));
	is_int(cv_token_decode(b.p, b.len, &t2), CV_OK, "token decoded");
	ok(t2.kind == t.kind && t2.scopes == t.scopes && t2.issued == t.issued && t2.expires == t.expires &&
	   !strcmp(t2.user, "alice") && !strcmp(t2.client, "console") && !memcmp(t2.family, t.family, CV_TOKEN_FAMILY) &&
	   t2.used == 1, "token round trip, with its family and used flag");
	for (size_t n = 0; n < b.len; n++)
		if (cv_token_decode(b.p, n, &t2) != CV_EINVAL)
			all = false;
	ok(all, "every truncation of a token is CV_EINVAL");
	b.p[0] = 3;
	is_int(cv_token_decode(b.p, b.len, &t2), CV_EINVAL, "unknown version refused");
	/* a version 1 record (before families): no family, not used */
	b.p[0] = 1;
	memset(&t2, 0x55, sizeof(t2));
	is_int(cv_token_decode(b.p, b.len - CV_TOKEN_FAMILY - 1, &t2), CV_OK, "a version 1 token decodes");
	ok(t2.used == 0 && t2.family[0] == 0 && t2.family[CV_TOKEN_FAMILY - 1] == 0 && !strcmp(t2.client, "console"),
	   "with no family, not used");
	b.p[0] = 2;
	cv_buf_addc(&b, 0);
	is_int(cv_token_decode(b.p, b.len, &t2), CV_EINVAL, "trailing bytes refused");

	/* a user name that claims more bytes than the field holds */
	cv_buf_reset(&b);
	memset(&t, 0, sizeof(t));
	memset(t.user, 'u', CV_LOGIN_MAX);
	t.issued = -5;
	t.expires = INT64_MAX;
	is_int(cv_token_encode(&t, &b), CV_OK, "token with the longest user and extreme times");
	is_int(cv_token_decode(b.p, b.len, &t2), CV_OK, "decoded");
	ok(strlen(t2.user) == CV_LOGIN_MAX && t2.issued == -5 && t2.expires == INT64_MAX && t2.client[0] == '\0',
	   "round trip of extremes");
	b.p[22] = CV_LOGIN_MAX + 1;    /* the user's length byte */
	is_int(cv_token_decode(b.p, b.len, &t2), CV_EINVAL, "a string longer than its field refused");
	b.p[22] = 255;
	is_int(cv_token_decode(b.p, b.len, &t2), CV_EINVAL, "a length past the end refused");
	cv_buf_release(&b);
}

/* A sample with every group, values chosen to catch sign and width errors. */
static void full_sample(struct cv_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->at = AT;
	s->has = (1u << CV_G_COUNT) - 1;
	s->lat_e7 = -338688000;
	s->lon_e7 = 1800000000;
	s->alt_m = -500;
	s->heading = 359;
	s->fix = CV_FIX_2D;
	s->pos_type = CV_POS_ESTIMATED;
	s->signal = 100;
	s->speed_dkmh = 5000;
	s->odo_hm = 20000000;
	s->ignition = CV_IGN_STARTUP;
	s->fuel_level = 1000;
	s->fuel_autonomy = 3000;
	s->elec_level = 999;
	s->elec_autonomy = 2999;
	s->chg_status = CV_CHG_FINISHED;
	s->chg_mode = CV_CHGMODE_QUICK;
	s->plugged = 1;
	s->chg_rate = 500;
	s->chg_remaining = 604800;
	s->has_chg_power = 1;
	s->chg_power_dkw = 4000;
	s->lock = CV_LOCK_SUPERLOCKED;
	s->doors_open = 0x1f;
	s->precond = CV_PRE_FAILURE;
	s->air_temp_dc = -125;
	s->batt_mv = 30000;
	s->maint_days = -3650;
	s->maint_dkm = -1000000;
	s->privacy = CV_PRIV_FULL;
}

/* Compare the fields of the groups in want->has; the others must be zero in got. */
static bool same_groups(const struct cv_sample *got, const struct cv_sample *want)
{
	struct cv_sample w = *want;

	if (got->has != want->has || got->at != want->at || got->nevents != 0)
		return false;
	if (!CV_HAS(&w, CV_G_POS)) {
		w.lat_e7 = w.lon_e7 = w.alt_m = 0;
		w.heading = 0;
		w.fix = w.pos_type = w.signal = 0;
	}
	if (!CV_HAS(&w, CV_G_KIN)) w.speed_dkmh = 0;
	if (!CV_HAS(&w, CV_G_ODO)) w.odo_hm = 0;
	if (!CV_HAS(&w, CV_G_IGN)) w.ignition = 0;
	if (!CV_HAS(&w, CV_G_FUEL)) w.fuel_level = w.fuel_autonomy = 0;
	if (!CV_HAS(&w, CV_G_ELEC)) w.elec_level = w.elec_autonomy = 0;
	if (!CV_HAS(&w, CV_G_CHARGE)) {
		w.chg_status = w.chg_mode = w.plugged = 0;
		w.chg_rate = 0;
		w.chg_remaining = 0;
		w.has_chg_power = 0;
		w.chg_power_dkw = 0;
	}
	if (!CV_HAS(&w, CV_G_DOORS)) w.lock = w.doors_open = 0;
	if (!CV_HAS(&w, CV_G_PRECOND)) w.precond = 0;
	if (!CV_HAS(&w, CV_G_AIR)) w.air_temp_dc = 0;
	if (!CV_HAS(&w, CV_G_BATT12)) w.batt_mv = 0;
	if (!CV_HAS(&w, CV_G_MAINT)) w.maint_days = w.maint_dkm = 0;
	if (!CV_HAS(&w, CV_G_PRIVACY)) w.privacy = 0;
	w.nevents = 0;
	memset(w.events, 0, sizeof(w.events));
	return !memcmp(got, &w, sizeof(w));
}

static void test_samples(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_sample s, d;
	unsigned fails = 0, trunc_fails = 0;

	full_sample(&s);
	for (uint32_t k = 0; k < 2u << CV_G_COUNT; k++) {
		uint32_t mask = k & ((1u << CV_G_COUNT) - 1);

		/* each combination with the charging power reported, then without */
		s.has = mask;
		s.has_chg_power = k >> CV_G_COUNT ? 0 : 1;
		s.chg_power_dkw = s.has_chg_power ? 4000 : 0;
		cv_buf_reset(&b);
		if (cv_sample_encode(&s, &b) || cv_sample_decode(b.p, b.len, AT, &d) || !same_groups(&d, &s)) {
			if (fails++ < 3)
				printf("# round trip failed for groups 0x%x\n", (unsigned)mask);
		}
		/* every shorter or longer input must be refused */
		if (mask % 97 == 0 || mask == (1u << CV_G_COUNT) - 1) {
			for (size_t n = 0; n < b.len; n++)
				if (cv_sample_decode(b.p, n, AT, &d) != CV_EINVAL)
					trunc_fails++;
			cv_buf_addc(&b, 0);
			if (cv_sample_decode(b.p, b.len, AT, &d) != CV_EINVAL)
				trunc_fails++;
		}
	}
	is_int(fails, 0, "sample round trips for all %u group combinations, with and without charging power",
	       1u << CV_G_COUNT);
	is_int(trunc_fails, 0, "truncated or extended samples are CV_EINVAL");

	/* specific values */
	full_sample(&s);
	s.has = 1u << CV_G_AIR;
	s.air_temp_dc = -600;
	cv_buf_reset(&b);
	cv_sample_encode(&s, &b);
	cv_sample_decode(b.p, b.len, AT, &d);
	is_int(d.air_temp_dc, -600, "-60.0 C survives");
	s.has = 1u << CV_G_MAINT;
	s.maint_days = INT32_MIN;
	s.maint_dkm = -1;
	cv_buf_reset(&b);
	cv_sample_encode(&s, &b);
	cv_sample_decode(b.p, b.len, AT, &d);
	ok(d.maint_days == INT32_MIN && d.maint_dkm == -1, "missing days (INT32_MIN) and -0.1 km survive");
	s.has = 1u << CV_G_POS;
	s.alt_m = 9000;
	s.lat_e7 = -900000000;
	s.lon_e7 = -1800000000;
	cv_buf_reset(&b);
	cv_sample_encode(&s, &b);
	cv_sample_decode(b.p, b.len, AT, &d);
	ok(d.alt_m == 9000 && d.lat_e7 == -900000000 && d.lon_e7 == -1800000000, "extreme position survives");
	{
		/* a charging group as written before the power: status Finished, mode Slow, plugged, rate 20, 3600 s */
		static const unsigned char before[] = { 1, 1u << CV_G_CHARGE, 0, 0x54, 20, 0, 0x10, 0x0e, 0, 0 };

		ok(!cv_sample_decode(before, sizeof(before), AT, &d) && d.chg_status == CV_CHG_FINISHED &&
		   d.chg_mode == CV_CHGMODE_SLOW && d.plugged == 1 && d.chg_rate == 20 && d.chg_remaining == 3600 &&
		   d.has_chg_power == 0 && d.chg_power_dkw == 0, "a record written before the charging power: no power");
		memset(&s, 0, sizeof(s));
		s.has = 1u << CV_G_CHARGE;
		s.chg_status = CV_CHG_FINISHED;
		s.chg_mode = CV_CHGMODE_SLOW;
		s.plugged = 1;
		s.chg_rate = 20;
		s.chg_remaining = 3600;
		cv_buf_reset(&b);
		cv_sample_encode(&s, &b);
		ok(b.len == sizeof(before) && !memcmp(b.p, before, b.len),
		   "a sample without power is written as before, byte for byte");
		s.has_chg_power = 1;
		s.chg_power_dkw = 0;
		cv_buf_reset(&b);
		cv_sample_encode(&s, &b);
		ok(b.len == sizeof(before) + 2 && !cv_sample_decode(b.p, b.len, AT, &d) && d.has_chg_power == 1 &&
		   d.chg_power_dkw == 0, "a power of 0 kW is kept as reported");
		s.chg_power_dkw = 745;
		cv_buf_reset(&b);
		cv_sample_encode(&s, &b);
		ok(!cv_sample_decode(b.p, b.len, AT, &d) && d.has_chg_power == 1 && d.chg_power_dkw == 745 &&
		   d.chg_status == CV_CHG_FINISHED && d.chg_mode == CV_CHGMODE_SLOW && d.plugged == 1,
		   "74.5 kW survives, beside the status, mode and plug");
		s.has = 1u << CV_G_ELEC;
		cv_buf_reset(&b);
		cv_sample_encode(&s, &b);
		ok(!cv_sample_decode(b.p, b.len, AT, &d) && d.has_chg_power == 0,
		   "without the charging group, no power is kept");
	}
	s.has = 0;
	cv_buf_reset(&b);
	cv_sample_encode(&s, &b);
	is_int(b.len, 3, "an empty sample is 3 bytes");
	is_int(cv_sample_decode(b.p, b.len, 42, &d), CV_OK, "and decodes");
	ok(d.has == 0 && d.at == 42, "to nothing, at the key's time");
	b.p[0] = 9;
	is_int(cv_sample_decode(b.p, b.len, 42, &d), CV_EINVAL, "unknown sample version refused");
	is_int(cv_sample_decode(NULL, 0, 42, &d), CV_EINVAL, "an empty record refused");
	cv_buf_release(&b);
}

static void test_events(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_event e, d;
	bool all = true;

	memset(&e, 0, sizeof(e));
	e.kind = CV_EV_COLLISION;
	e.ndetails = 3;
	e.side[0] = 0; e.csev[0] = 3;
	e.side[1] = 1; e.csev[1] = 0;
	e.side[2] = 2; e.csev[2] = 2;
	is_int(cv_event_encode(&e, &b), CV_OK, "collision encoded");
	memset(&d, 0x55, sizeof(d));
	is_int(cv_event_decode(b.p, b.len, &d), CV_OK, "collision decoded");
	ok(!memcmp(&d, &e, sizeof(e)), "collision round trip");
	for (size_t n = 0; n < b.len; n++)
		if (cv_event_decode(b.p, n, &d) != CV_EINVAL)
			all = false;
	ok(all, "every truncation of an event is CV_EINVAL");
	cv_buf_addc(&b, 0);
	is_int(cv_event_decode(b.p, b.len, &d), CV_EINVAL, "trailing bytes refused");
	b.p[6] = 4;
	is_int(cv_event_decode(b.p, b.len, &d), CV_EINVAL, "more than 3 details refused");

	cv_buf_reset(&b);
	memset(&e, 0, sizeof(e));
	e.kind = CV_EV_ALERT;
	e.severity = 2;
	e.active = 1;
	e.code = (uint16_t)(cv_alert_count - 1);
	cv_event_encode(&e, &b);
	is_int(cv_event_decode(b.p, b.len, &d), CV_OK, "alert decoded");
	ok(!memcmp(&d, &e, sizeof(e)), "alert round trip");

	cv_buf_reset(&b);
	memset(&e, 0, sizeof(e));
	e.kind = CV_EV_ALARM;
	e.active = 2;
	e.code = 65535;
	cv_event_encode(&e, &b);
	is_int(cv_event_decode(b.p, b.len, &d), CV_OK, "alarm decoded");
	ok(!memcmp(&d, &e, sizeof(e)), "alarm round trip (16-bit code)");
	b.p[0] = 0;
	is_int(cv_event_decode(b.p, b.len, &d), CV_EINVAL, "unknown event version refused");

	/* v2: where it happened; a theft */
	cv_buf_reset(&b);
	memset(&e, 0, sizeof(e));
	e.kind = CV_EV_THEFT;
	e.active = 1;
	e.has_pos = 1;
	e.lat_e7 = -899999999;
	e.lon_e7 = 1799999999;
	e.alt_m = -500;
	cv_event_encode(&e, &b);
	is_int(cv_event_decode(b.p, b.len, &d), CV_OK, "theft with a position decoded");
	ok(!memcmp(&d, &e, sizeof(e)), "theft round trip, negative coordinates and altitude kept");
	b.p[b.len - 13] = 2;
	is_int(cv_event_decode(b.p, b.len, &d), CV_EINVAL, "a position flag other than 0 or 1 refused");
	/* a v1 record (no position) is still read */
	{
		const unsigned char v1[] = { 1, CV_EV_COLLISION, 0, 0, 0, 0, 1, 0x21 };

		is_int(cv_event_decode(v1, sizeof(v1), &d), CV_OK, "a version 1 event is still read");
		ok(d.kind == CV_EV_COLLISION && d.ndetails == 1 && d.side[0] == 1 && d.csev[0] == 2 && !d.has_pos,
		   "version 1: its details, no position");
	}
	cv_buf_release(&b);
}

/* Alert occurrences and theft periods. */
static void test_periods(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_alert_rec a, d;

	memset(&a, 0, sizeof(a));
	a.start = 1714953600000LL;
	a.code = 7;
	a.severity = 2;
	a.active = 0;
	a.end = a.start + 3600000;
	a.updated = a.end + 5;
	a.has_start_pos = 1;
	a.start_lat_e7 = 488566000;
	a.start_lon_e7 = 23522000;
	a.start_alt_m = 35;
	a.has_end_pos = 1;
	a.end_lat_e7 = -1;
	a.end_lon_e7 = -2;
	a.end_alt_m = -3;
	is_int(cv_alert_encode(&a, &b), CV_OK, "period encoded");
	is_int(cv_alert_decode(b.p, b.len, a.start, a.code, &d), CV_OK, "period decoded");
	ok(!memcmp(&a, &d, sizeof(a)), "period round trip with both positions");
	{
		size_t accepted = 0;

		for (size_t n = 0; n < b.len; n++)
			accepted += cv_alert_decode(b.p, n, a.start, a.code, &d) != CV_EINVAL;
		is_int(accepted, 0, "every truncated period refused");
	}
	b.p[1] = 3;
	is_int(cv_alert_decode(b.p, b.len, a.start, a.code, &d), CV_EINVAL, "a severity past Critical refused");
	b.p[1] = 2;
	b.p[3] = 4;
	is_int(cv_alert_decode(b.p, b.len, a.start, a.code, &d), CV_EINVAL, "unknown position flags refused");
	cv_buf_reset(&b);
	a.has_start_pos = a.has_end_pos = 0;
	a.active = 1;
	cv_alert_encode(&a, &b);
	is_int((int)b.len, 20, "an active period without positions: 20 bytes");
	cv_buf_release(&b);
}

static void test_status(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_state st;
	struct cv_sample s;
	struct cv_status_rec r;
	bool all = true;

	memset(&st, 0, sizeof(st));
	full_sample(&s);
	cv_state_merge(&st, &s, AT + 5);
	is_int(cv_status_encode(&st, &b), CV_OK, "status encoded");
	memset(&r, 0, sizeof(r));
	is_int(cv_status_decode(b.p, b.len, &r), CV_OK, "status decoded");
	ok(!memcmp(&r.state, &st, sizeof(st)), "the state round trips");
	ok(r.members_len > 0 && r.members[0] == '"', "members are a list of members");
	ok(r.position_len > 0 && r.position[0] == '{' && r.position[r.position_len - 1] == '}', "position is an object");
	{
		struct cv_buf j = CV_BUF_INIT(0);
		json_object *o;

		cv_buf_addc(&j, '{');
		cv_buf_add(&j, r.members, r.members_len);
		cv_buf_addc(&j, '}');
		o = json_tokener_parse(j.p);
		ok(o && json_object_object_length(o) == 9, "{members} is an object of the 9 status parts");
		json_object_put(o);
		cv_buf_reset(&j);
		cv_buf_add(&j, r.position, r.position_len);
		o = json_tokener_parse(j.p);
		ok(o != NULL, "position is valid JSON");
		json_object_put(o);
		cv_buf_release(&j);
	}
	for (size_t n = 0; n < b.len; n++)
		if (cv_status_decode(b.p, n, &r) != CV_EINVAL)
			all = false;
	ok(all, "every truncation of a status record is CV_EINVAL");
	cv_buf_addc(&b, 'x');
	is_int(cv_status_decode(b.p, b.len, &r), CV_EINVAL, "trailing bytes refused");
	b.p[1] ^= 1;
	is_int(cv_status_decode(b.p, b.len - 1, &r), CV_EINVAL, "a state of another size refused");
	b.p[1] ^= 1;
	b.p[5] = 0xff;
	b.p[8] = 0xff;
	is_int(cv_status_decode(b.p, b.len - 1, &r), CV_EINVAL, "huge fragment sizes refused");

	/* a state without a position has an empty position fragment */
	cv_buf_reset(&b);
	memset(&st, 0, sizeof(st));
	s.has = 1u << CV_G_KIN;
	cv_state_merge(&st, &s, AT);
	cv_status_encode(&st, &b);
	is_int(cv_status_decode(b.p, b.len, &r), CV_OK, "speed-only status decoded");
	is_int(r.position_len, 0, "no position fragment");
	ok(r.members_len > 0 && !strncmp(r.members, "\"kinetic\"", 9), "only the kinetic member");

	/* an empty state */
	cv_buf_reset(&b);
	memset(&st, 0, sizeof(st));
	cv_status_encode(&st, &b);
	is_int(cv_status_decode(b.p, b.len, &r), CV_OK, "empty status decoded");
	ok(r.members_len == 0 && r.position_len == 0, "no fragments");
	cv_buf_release(&b);
}

/* Random bytes into every decoder: refused or accepted, never a crash. */
static void test_callback(void)
{
	struct cv_callback a, b;
	struct cv_buf buf = CV_BUF_INIT(0);

	memset(&a, 0, sizeof(a));
	cv_strlcpy(a.id, "0123456789abcdef0123456789abcdef", sizeof(a.id));
	cv_strlcpy(a.owner, "f:demo-fleet", sizeof(a.owner));
	a.b2b = 1;
	cv_strlcpy(a.label, "ops \"quoted\"", sizeof(a.label));
	a.types = CV_CBT_REMOTE;
	a.remote_types = 1u << 3 | 1u << 8;
	cv_strlcpy(a.name, "hook", sizeof(a.name));
	cv_strlcpy(a.target, "https://x.example/in?a=1", sizeof(a.target));
	a.nattrs = 2;
	a.attrs[0].type = CV_CBA_HEADER;
	cv_strlcpy(a.attrs[0].key, "X-Key", sizeof(a.attrs[0].key));
	cv_strlcpy(a.attrs[0].value, "s3cret", sizeof(a.attrs[0].value));
	a.attrs[1].type = CV_CBA_QUERY;
	cv_strlcpy(a.attrs[1].key, "car", sizeof(a.attrs[1].key));
	cv_strlcpy(a.attrs[1].value, "$vin", sizeof(a.attrs[1].value));
	a.retry = CV_RETRY_BOUNDED;
	a.retry_number = 5;
	a.retry_delay = 30;
	a.batch_size = 10;
	a.batch_window = 20;
	a.status = CV_CB_PAUSED;
	for (size_t i = 0; i < sizeof(a.secret); i++)
		a.secret[i] = (unsigned char)(i * 7 + 1);
	a.created = 1700000000000;
	a.updated = 1700000000123;
	is_int(cv_callback_encode(&a, &buf), CV_OK, "a callback encodes");
	is_int(cv_callback_decode(buf.p, buf.len, &b), CV_OK, "and decodes");
	ok(!memcmp(&a, &b, sizeof(a)), "the same callback back, every field");
	is_int(cv_callback_decode("{\"secret\":\"zz\"}", 14, &b), CV_EINVAL, "a record with a bad secret is refused");
	is_int(cv_callback_decode("[]", 2, &b), CV_EINVAL, "not an object: refused");
	cv_buf_release(&buf);
}

static void test_monitor(void)
{
	static struct cv_monitor a, b;
	struct cv_buf buf = CV_BUF_INIT(0);
	json_object *tp = json_tokener_parse("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"Out\","
					     "\"place\":{\"radius\":2,\"center\":{\"latitude\":48.8566,\"longitude\":2.3522}}}},"
					     "{\"name\":\"f\",\"data\":{\"data\":\"vehicle.energy.fuel.level\",\"op\":\"lowerThan\","
					     "\"value\":[\"10\"]}}],\"boolExp\":\"z | !f\"}");
	struct cv_jread jr;

	memset(&a, 0, sizeof(a));
	cv_strlcpy(a.id, "00112233445566778899aabbccddeeff", sizeof(a.id));
	cv_strlcpy(a.owner, "u:demo", sizeof(a.owner));
	cv_strlcpy(a.vid, "0123456789abcdef0123456789abcdef", sizeof(a.vid));
	cv_strlcpy(a.cbid, "fedcba9876543210fedcba9876543210", sizeof(a.cbid));
	cv_strlcpy(a.label, "home", sizeof(a.label));
	a.refresh_s = 600;
	a.next = 2;
	cv_strlcpy(a.ext[0], "vehicle.position", sizeof(a.ext[0]));
	cv_strlcpy(a.ext[1], "vehicle.telemetry.vehicle.energies", sizeof(a.ext[1]));
	a.nattrs = 1;
	a.attrs[0].type = CV_CBA_BODY;
	cv_strlcpy(a.attrs[0].key, "why", sizeof(a.attrs[0].key));
	cv_strlcpy(a.attrs[0].value, "$monitorId", sizeof(a.attrs[0].value));
	a.status = CV_CB_PAUSED;
	a.created = 1700000000000;
	a.updated = 1700000000500;
	cv_jr_init(&jr, "triggerParam");
	is_int(cv_mon_parse(&jr, tp, false, &a.def), CV_OK, "a triggerParam (%s)", jr.err);
	json_object_put(tp);
	is_int(cv_monitor_encode(&a, &buf), CV_OK, "a monitor encodes");
	is_int(cv_monitor_decode(buf.p, buf.len, &b), CV_OK, "and decodes");
	ok(!memcmp(&a, &b, sizeof(a)), "the same monitor back, its triggers parsed again");
	is_int(cv_monitor_decode("{\"triggerParam\":{}}", 18, &b), CV_EINVAL, "a record whose triggers do not parse is refused");

	/* posted without boolExp: the record keeps it absent (the answers say "z & f"), so that the
	 * definition read back packs as the one in the watch, and a status change keeps the watch's state */
	tp = json_tokener_parse("{\"triggers\":[{\"name\":\"z\",\"zone\":{\"transition\":\"Out\","
				"\"place\":{\"radius\":2,\"center\":{\"latitude\":48.8566,\"longitude\":2.3522}}}},"
				"{\"name\":\"f\",\"data\":{\"data\":\"vehicle.energy.fuel.level\",\"op\":\"lowerThan\","
				"\"value\":[\"10\"]}}]}");
	memset(&a.def, 0, sizeof(a.def));
	cv_jr_init(&jr, "triggerParam");
	is_int(cv_mon_parse(&jr, tp, false, &a.def), CV_OK, "a triggerParam without boolExp (%s)", jr.err);
	json_object_put(tp);
	cv_buf_release(&buf);
	is_int(cv_monitor_encode(&a, &buf), CV_OK, "it encodes");
	ok(!strstr(buf.p, "boolExp"), "the record keeps no boolExp it was not given");
	is_int(cv_monitor_decode(buf.p, buf.len, &b), CV_OK, "and decodes");
	{
		struct cv_buf pa = CV_BUF_INIT(0), pb = CV_BUF_INIT(0);
		struct cv_jw w;

		is_int(cv_mon_pack(&a.def, &pa) | cv_mon_pack(&b.def, &pb), CV_OK, "both pack");
		ok(pa.len == pb.len && !memcmp(pa.p, pb.p, pa.len), "the definition read back packs as the one posted");
		cv_buf_release(&pa);
		cv_jw_init(&w, &pa);
		cv_mon_render(&w, &b.def);
		ok(strstr(pa.p, "\"boolExp\":\"z & f\"") != NULL, "the answers show the expression it holds: %s", pa.p);
		cv_buf_release(&pa);
		cv_buf_release(&pb);
	}
	cv_buf_release(&buf);
}

static void test_garbage(void)
{
	unsigned char buf[600];
	struct cv_token t;
	struct cv_sample s;
	struct cv_event e;
	struct cv_status_rec r;
	struct cv_user u;
	int accepted = 0;

	for (int i = 0; i < 3000; i++) {
		size_t n = (size_t)(i % (int)sizeof(buf));

		cv_random(buf, n);
		if (n)
			buf[0] = 1;     /* the right version, to get past the first check */
		accepted += !cv_token_decode(buf, n, &t);
		accepted += !cv_sample_decode(buf, n, AT, &s);
		accepted += !cv_event_decode(buf, n, &e);
		accepted += !cv_status_decode(buf, n, &r);
		accepted += !cv_user_decode((const char *)buf, n, &u);
	}
	ok(1, "3000 random records through every decoder without a crash (%d accepted)", accepted);
}

int main(void)
{
	test_scopes();
	test_json_records();
	test_tokens();
	test_samples();
	test_events();
	test_periods();
	test_status();
	test_callback();
	test_monitor();
	test_garbage();
	return tap_done();
}

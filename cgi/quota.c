/* quota.c - rate limits and the brake on guessing (see quota.h). */
#include "config.h"
#include "quota.h"
#include "reqint.h"
#include "cvtime.h"
#include "settings.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cv_rl rl_table;

/* The defaults (quota.h); each "DAY/SECOND". */
static struct cv_rl_rule rule_client = { 10000000, 200 };
static struct cv_rl_rule rule_token = { 1000000, 50 };
static struct cv_rl_rule rule_vehicle = { 1000000, 20 };
static struct cv_rl_rule rule_device = { 1000000, 20 };
static struct cv_rl_rule rule_user = { 2000000, 100 };
static struct cv_rl_rule rule_grant = { 1000, 5 };
/* "off": that kind of budget is not counted at all, whatever a client's own limits say */
static bool off_client, off_token, off_vehicle, off_user, off_grant, off_device;
static uint32_t guess_account = 10, guess_address = 100;
static int64_t guess_delay_ms = 60000;
#define GUESS_MAX_MS 86400000LL

/* name="DAY/SECOND" or "off" into *rule; a bad one is said and *rule kept. */
static void rule_env(const char *prog, const char *name, struct cv_rl_rule *rule, bool *off)
{
	const char *v = getenv(name), *slash;
	char day[16];
	int64_t d, s;

	if (!v)
		return;
	if (!strcmp(v, "off")) {
		rule->day = rule->second = 0;
		*off = true;
		return;
	}
	slash = strchr(v, '/');
	if (slash && (size_t)(slash - v) < sizeof(day)) {
		memcpy(day, v, (size_t)(slash - v));
		day[slash - v] = '\0';
		if (!cv_parse_i64(day, 0, UINT32_MAX, &d) && !cv_parse_i64(slash + 1, 0, UINT32_MAX, &s)) {
			rule->day = (uint32_t)d;
			rule->second = (uint32_t)s;
			return;
		}
	}
	fprintf(stderr, "%s: %s=\"%.40s\" is not DAY/SECOND (requests, 0 for no limit) or off: %u/%u is used\n",
		prog, name, v, rule->day, rule->second);
}

void cv_quota_setup(const char *prog, const char *home)
{
	rule_env(prog, "CVAPI_RATE_CLIENT", &rule_client, &off_client);
	rule_env(prog, "CVAPI_RATE_TOKEN", &rule_token, &off_token);
	rule_env(prog, "CVAPI_RATE_VEHICLE", &rule_vehicle, &off_vehicle);
	rule_env(prog, "CVAPI_RATE_USER", &rule_user, &off_user);
	rule_env(prog, "CVAPI_RATE_GRANT", &rule_grant, &off_grant);
	rule_env(prog, "CVAPI_RATE_DEVICE", &rule_device, &off_device);
	guess_account = (uint32_t)cv_setting_int(prog, "CVAPI_GUESS_ACCOUNT", 0, 1000000, guess_account);
	guess_address = (uint32_t)cv_setting_int(prog, "CVAPI_GUESS_ADDRESS", 0, 1000000, guess_address);
	guess_delay_ms = cv_setting_int(prog, "CVAPI_GUESS_DELAY", 1, 86400, guess_delay_ms / 1000) * 1000;
	/* without the table nothing is limited: said, not fatal */
	if (cv_rl_open(&rl_table, home))
		fprintf(stderr, "%s: rate limits and the brake on guessing are off\n", prog);
}

void cv_quota_close(void)
{
	cv_rl_close(&rl_table);
}

/* ---- a client's limits ---------------------------------------------------- */

/*
 * A few clients' limits, read from the store once and kept while the
 * generation of everything (db/gen.h: a client record written bumps it)
 * is unchanged: a request costs no client lookup.
 */
#define CL_KEEP 8
static struct {
	char id[CV_LOGIN_MAX + 1];
	uint64_t gen;
	int64_t limits[CV_CLIENT_LIMITS];
} cl_kept[CL_KEEP];
static size_t cl_next;

static void client_limits(struct cv_req *r, const char *id, int64_t limits[CV_CLIENT_LIMITS])
{
	uint64_t gen = cv_gen_get(&r->store->gen, CV_GEN_ALL);
	struct cv_client c;
	size_t i;

	for (i = 0; i < CL_KEEP; i++)
		if (cl_kept[i].id[0] && cl_kept[i].gen == gen && !strcmp(cl_kept[i].id, id)) {
			memcpy(limits, cl_kept[i].limits, sizeof(cl_kept[i].limits));
			return;
		}
	/* the generation is noted before the read: a write in between costs a needless read later */
	if (cv_client_get(r->store, NULL, id, &c)) {
		for (i = 0; i < CV_CLIENT_LIMITS; i++)
			limits[i] = -1;
		return;
	}
	memcpy(limits, c.limits, sizeof(c.limits));
	i = cl_next++ % CL_KEEP;
	cv_strlcpy(cl_kept[i].id, id, sizeof(cl_kept[i].id));
	cl_kept[i].gen = gen;
	memcpy(cl_kept[i].limits, limits, sizeof(cl_kept[i].limits));
}

static uint32_t pick(int64_t set, uint32_t def)
{
	return set < 0 ? def : set > UINT32_MAX ? UINT32_MAX : (uint32_t)set;
}

/* A client's own limits over the defaults: its budget, and each grant's (or fleet manager's). */
static void rules_of(const int64_t cl[CV_CLIENT_LIMITS], struct cv_rl_rule *client, struct cv_rl_rule *grant)
{
	client->day = pick(cl[CV_LIM_DAY], rule_client.day);
	client->second = pick(cl[CV_LIM_SECOND], rule_client.second);
	grant->day = pick(cl[CV_LIM_TOKEN_DAY], rule_token.day);
	grant->second = pick(cl[CV_LIM_TOKEN_SECOND], rule_token.second);
}

/*
 * The table key of kind and name: a keyed SHA-256 (ratelimit.h), so the
 * last keys made are kept (a direct-mapped memo): the same client, grant
 * or vehicle asking again costs a comparison, not a hash.
 */
#define KEY_MEMO 32
#define KEY_MEMO_NAME 64
static struct {
	char kind;
	unsigned char len;
	unsigned char name[KEY_MEMO_NAME];
	uint64_t key;
} key_memo[KEY_MEMO];

static uint64_t key_of(char kind, const void *name, size_t len)
{
	size_t i = (size_t)((cv_hash64(name, len) ^ (uint64_t)(unsigned char)kind) % KEY_MEMO);

	if (len > KEY_MEMO_NAME)
		return cv_rl_key(&rl_table, kind, name, len);
	if (key_memo[i].kind != kind || key_memo[i].len != len || memcmp(key_memo[i].name, name, len)) {
		key_memo[i].kind = kind;
		key_memo[i].len = (unsigned char)len;
		memcpy(key_memo[i].name, name, len);
		key_memo[i].key = cv_rl_key(&rl_table, kind, name, len);
	}
	return key_memo[i].key;
}

static void ask_add(struct cv_rl_ask *a, char kind, const void *name, size_t len, const struct cv_rl_rule *rule)
{
	bool off = kind == 'c' || kind == 'C' ? off_client : kind == 'v' ? off_vehicle : kind == 'U' ? off_user
		   : kind == 'G' ? off_grant : kind == 'd' ? off_device : off_token;

	if (off || (!rule->day && !rule->second) || a->n == CV_RL_KEYS)
		return;
	a->key[a->n] = key_of(kind, name, len);
	a->rule[a->n] = *rule;
	a->n++;
}

/* ---- budgets ----------------------------------------------------------------- */

static int refused(struct cv_req *r)
{
	int64_t s = (r->rl.retry_ms + 999) / 1000;

	return cv_fail(r, 429, CV_C_RATE, "too many requests: %s; retry in %lld s",
		       r->rl.by_second ? "more than the budget of a second" : "the day's budget is spent",
		       (long long)(s < 1 ? 1 : s));
}

int cv_quota_take_ask(struct cv_req *r, const struct cv_rl_ask *a)
{
	r->rl_ask = *a;
	r->rl_set = a->n > 0;
	if (!a->n)
		return 0;
	/* the clock now, not the request's start: authentication may have taken a while */
	if (cv_rl_take(&rl_table, a, cv_now_ms(), &r->rl))
		return 0;
	return refused(r);
}

int cv_quota_take(struct cv_req *r)
{
	static const unsigned char none[CV_TOKEN_FAMILY];
	struct cv_rl_ask a = { 0 };
	struct cv_rl_rule client, grant;
	int64_t cl[CV_CLIENT_LIMITS];

	if (!rl_table.slot)
		return 0;
	switch (r->route->auth) {
	case CV_AUTH_USER:
		client_limits(r, r->tok.client, cl);
		rules_of(cl, &client, &grant);
		ask_add(&a, 'c', r->tok.client, strlen(r->tok.client), &client);
		/* a grant: its family; a token made before families stands alone */
		if (memcmp(r->tok.family, none, sizeof(none))) {
			ask_add(&a, 't', r->tok.family, sizeof(r->tok.family), &grant);
		} else {
			/* the token itself (cv_auth_user checked "Bearer " and a length) */
			const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);

			ask_add(&a, 'T', h + 7, strlen(h + 7), &grant);
		}
		/* the user's grants together: a login more is no budget more */
		ask_add(&a, 'U', r->tok.user, strlen(r->tok.user), &rule_user);
		break;
	case CV_AUTH_FLEET: {
		/*
		 * The client's budget of this fleet manager's: a client_id is a
		 * public name on the fleet face, so a manager naming an
		 * application's client spends its own share of that budget,
		 * never the application's users'
		 */
		char who[2 * (CV_LOGIN_MAX + 1)];
		size_t idl = strlen(r->tok.client), ml = strlen(r->tok.user);

		rules_of(r->client_limits, &client, &grant);
		if (idl + 1 + ml <= sizeof(who)) {
			memcpy(who, r->tok.client, idl);
			who[idl] = '\0';
			memcpy(who + idl + 1, r->tok.user, ml);
			ask_add(&a, 'C', who, idl + 1 + ml, &client);
		}
		ask_add(&a, 'm', r->tok.user, strlen(r->tok.user), &grant);
		break;
	}
	case CV_AUTH_VEHICLE:
		ask_add(&a, 'v', r->veh.id, strlen(r->veh.id), &rule_vehicle);
		break;
	default:
		return 0;
	}
	return cv_quota_take_ask(r, &a);
}

int cv_quota_take_device(struct cv_req *r, int kind, const char *id)
{
	struct cv_rl_ask a = { 0 };
	char key[8 + CV_LOGIN_MAX + 2];
	size_t n;

	if (!rl_table.slot)
		return 0;
	/* kind byte . id: the table keeps a keyed hash of it, never the id (ratelimit.h) */
	n = strlen(id);
	if (n > sizeof(key) - 1)
		n = sizeof(key) - 1;
	key[0] = (char)('0' + kind);
	memcpy(key + 1, id, n);
	ask_add(&a, 'd', key, n + 1, &rule_device);
	return cv_quota_take_ask(r, &a);
}

int cv_quota_take_grant(struct cv_req *r, const char *account)
{
	struct cv_rl_ask a = { 0 };

	if (!rl_table.slot)
		return 0;
	ask_add(&a, 'G', account, strlen(account), &rule_grant);
	return cv_quota_take_ask(r, &a);
}

static void header_num(struct cv_buf *b, const char *name, int64_t v)
{
	cv_buf_addf(b, "%s: %lld\r\n", name, (long long)v);
}

void cv_quota_headers(const struct cv_req *r, struct cv_buf *b)
{
	if (!r->rl_set)
		return;
	if (r->rl.has_day) {
		header_num(b, "X-RateLimit-Limit-1", r->rl.limit_day);
		header_num(b, "X-RateLimit-Remaining-1", r->rl.remaining_day);
	}
	if (r->rl.has_second) {
		header_num(b, "X-RateLimit-Limit-2", r->rl.limit_second);
		header_num(b, "X-RateLimit-Remaining-2", r->rl.remaining_second);
	}
	if (r->status == 429 && r->rl.retry_ms > 0) {
		int64_t s = (r->rl.retry_ms + 999) / 1000;

		header_num(b, "X-RateLimit-Reset", s);
		header_num(b, "Retry-After", s);
	}
}

/* ---- guessing ---------------------------------------------------------------------- */

/*
 * The client's address as the brake counts it, into buf: REMOTE_ADDR, or
 * behind a trusted proxy the last X-Forwarded-For hop. An IPv6 address
 * counts by its /64 (one subscriber's whole network: rotating within it
 * gains nothing); an IPv4-mapped one as the IPv4 address.
 */
static const char *address(const struct cv_req *r, char buf[INET6_ADDRSTRLEN + 8], size_t *len)
{
	const char *a = FCGX_GetParam("REMOTE_ADDR", r->fcgi->envp);
	const char *trust = getenv("CVAPI_TRUST_PROXY");
	char one[INET6_ADDRSTRLEN + 1];
	unsigned char v6[16];
	size_t n;

	if (trust && !strcmp(trust, "1")) {
		const char *xff = FCGX_GetParam("HTTP_X_FORWARDED_FOR", r->fcgi->envp);

		if (xff && *xff) {
			const char *last = strrchr(xff, ',');

			a = last ? last + 1 : xff;
			while (*a == ' ')
				a++;
		}
	}
	if (!a)
		a = "";
	n = strlen(a);
	while (n && a[n - 1] == ' ')
		n--;
	if (n < sizeof(one) && memchr(a, ':', n)) {
		memcpy(one, a, n);
		one[n] = '\0';
		if (inet_pton(AF_INET6, one, v6) == 1) {
			static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

			if (!memcmp(v6, mapped, sizeof(mapped)))
				a = inet_ntop(AF_INET, v6 + 12, buf, INET6_ADDRSTRLEN + 8);
			else {
				memset(v6 + 8, 0, 8);
				a = inet_ntop(AF_INET6, v6, buf, INET6_ADDRSTRLEN + 8);
			}
			if (!a)
				a = "";
			n = strlen(a);
		}
	}
	*len = n;
	return a;
}

static int locked_out(struct cv_req *r, int64_t ms, const char *who)
{
	char v[24];
	int64_t s = (ms + 999) / 1000;

	snprintf(v, sizeof(v), "%lld", (long long)(s < 1 ? 1 : s));
	cv_header(r, "Retry-After", v);
	return cv_fail(r, 429, CV_C_LOCKED, "too many failed attempts %s: retry in %s s", who, v);
}

/* The table keys of r's account (0 when account is NULL) and of its address. */
static void guess_keys(const struct cv_req *r, char kind, const char *account, uint64_t *acct, uint64_t *addr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t alen;
	const char *a = address(r, buf, &alen);

	*acct = account ? cv_rl_key(&rl_table, kind, account, strlen(account)) : 0;
	*addr = cv_rl_key(&rl_table, 'a', a, alen);
}

int cv_guess_check(struct cv_req *r, char kind, const char *account)
{
	int64_t now = cv_now_ms(), ms;
	uint64_t acct, addr;

	if (!rl_table.slot)
		return 0;
	guess_keys(r, kind, account, &acct, &addr);
	if (acct && (ms = cv_rl_locked(&rl_table, acct, now))) {
		cv_audit(r, "auth-locked", "who", "account", "login", account, NULL);
		return locked_out(r, ms, "for this account");
	}
	if ((ms = cv_rl_locked(&rl_table, addr, now))) {
		cv_audit(r, "auth-locked", "who", "address", NULL);
		return locked_out(r, ms, "from this address");
	}
	return 0;
}

void cv_guess_failed(struct cv_req *r, char kind, const char *account)
{
	int64_t now = cv_now_ms();
	uint64_t acct, addr;

	if (!rl_table.slot)
		return;
	guess_keys(r, kind, account, &acct, &addr);
	if (acct && cv_rl_failed(&rl_table, acct, guess_account, guess_delay_ms, GUESS_MAX_MS, now))
		cv_audit(r, "lockout", "who", "account", "login", account, NULL);
	if (cv_rl_failed(&rl_table, addr, guess_address, guess_delay_ms, GUESS_MAX_MS, now))
		cv_audit(r, "lockout", "who", "address", NULL);
}

void cv_guess_succeeded(struct cv_req *r, char kind, const char *account)
{
	(void)r;
	if (rl_table.slot && account)
		cv_rl_succeeded(&rl_table, cv_rl_key(&rl_table, kind, account, strlen(account)));
}

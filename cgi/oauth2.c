/*
 * oauth2.c - cvapi-oauth2: the OAuth2 token endpoint.
 *
 *   POST /oauth2/token   (application/x-www-form-urlencoded)
 *     grant_type=password      username, password, [scope]
 *                              (a fleet manager's, for the fleet face: scope=fleet)
 *     grant_type=refresh_token refresh_token, [scope]
 *   POST /oauth2/revoke  (RFC 7009)
 *     token, [token_type_hint]
 *   The client authenticates with HTTP Basic or client_id/client_secret
 *   fields; a public client (no secret, such as the console) sends
 *   client_id alone.
 *
 * Replies per RFC 6749: access_token (1 hour), token_type, expires_in,
 * refresh_token (30 days, rotated at each use), scope. Errors carry the
 * xError fields plus RFC 6749's `error` and `error_description`; a 401's
 * challenge is Basic, but Bearer to a script (cv_basic_challenge).
 * The scope fleet is granted only when asked for: with it the token is a
 * fleet manager's credential on the fleet face (cv_auth_fleet), which
 * checks that its login manages the fleet of the path. Lifetimes, rotation,
 * reuse detection, revocation, the guessing brake and the grant budget
 * are the same for every login.
 * Tokens are random 256-bit strings; the store keeps only their SHA-256.
 */
#include "req.h"
#include "quota.h"
#include "log.h"
#include "ids.h"

#include <string.h>

#define ACCESS_TTL_MS (3600LL * 1000)
#define REFRESH_TTL_MS (30LL * 86400 * 1000)

static int oauth_fail(struct cv_req *r, int status, int cause, const char *error, const char *desc)
{
	cv_fail(r, status, cause, "%s", desc);
	/* the xError object, then the RFC 6749 members */
	if (r->out.len && r->out.p[r->out.len - 1] == '}') {
		struct cv_jw w;

		cv_buf_truncate(&r->out, r->out.len - 1);
		cv_buf_adds(&r->out, ",\"error\":");
		cv_json_escape(&r->out, error, strlen(error));
		cv_buf_adds(&r->out, ",\"error_description\":");
		cv_json_escape(&r->out, desc, strlen(desc));
		cv_buf_addc(&r->out, '}');
		(void)w;
	}
	cv_header(r, "Cache-Control", "no-store");
	if (status == 401)
		cv_basic_challenge(r);
	return status;
}

/* Who the client is: Basic header or form fields; 0 or a failure status. */
static int client_auth(struct cv_req *r, const char *form_id, const char *form_secret, struct cv_client *c)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	char id[CV_LOGIN_MAX + 1] = "", secret[CV_TOKEN_STRLEN + 64] = "";
	char hex[CV_SHA256_HEXLEN + 1];
	enum cv_err e;

	if (h && !strncasecmp(h, "Basic ", 6)) {
		if (!cv_basic_parse(h + 6, id, sizeof(id), secret, sizeof(secret)))
			return oauth_fail(r, 401, CV_C_BAD_CLIENT, "invalid_client", "malformed Basic credentials");
		if (form_id && strcmp(form_id, id))
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_request", "two different client ids");
	} else {
		if (!form_id || !*form_id)
			return oauth_fail(r, 401, CV_C_NO_CRED, "invalid_client",
					  "no client: send client_id (and client_secret) or HTTP Basic");
		if (cv_strlcpy(id, form_id, sizeof(id)) ||
		    (form_secret && cv_strlcpy(secret, form_secret, sizeof(secret))))
			return oauth_fail(r, 401, CV_C_BAD_CLIENT, "invalid_client", "unknown client");
	}
	e = cv_client_get(r->store, NULL, id, c);
	if (e == CV_ENOTFOUND) {
		cv_audit(r, "auth-failed", "scheme", "client-secret", "reason", "unknown-client", "client", id, NULL);
		return oauth_fail(r, 401, CV_C_BAD_CLIENT, "invalid_client", "unknown client");
	}
	if (e)
		return cv_fail_store(r, e, "client");
	if (c->secret_sha256[0]) {
		/* a host may have chosen a weak secret: the brake on guessing, per address
		 * only (a lockout per client would keep all its users out) */
		int st = cv_guess_check(r, 'k', NULL);

		if (st) {
			cv_header(r, "Cache-Control", "no-store");
			return st;
		}
		cv_sha256_hex(secret, strlen(secret), hex);
		if (!secret[0] || !cv_memeq_ct(hex, c->secret_sha256, CV_SHA256_HEXLEN)) {
			cv_audit(r, "auth-failed", "scheme", "client-secret", "reason", "bad-secret", "client", id, NULL);
			cv_guess_failed(r, 'k', NULL);
			return oauth_fail(r, 401, CV_C_BAD_CLIENT, "invalid_client", "bad client secret");
		}
	} else if (secret[0]) {
		return oauth_fail(r, 401, CV_C_BAD_CLIENT, "invalid_client", "this client is public: it has no secret");
	}
	return 0;
}

/*
 * The form's fields (names, into v) and the client they authenticate:
 * v[cid] and v[cid + 1] are client_id and client_secret. 0 or the
 * failure's status.
 */
static int form_client(struct cv_req *r, const char *const *names, const char **v, size_t cid, struct cv_client *c)
{
	int st = cv_body_form(r, names, v);

	return st ? st : client_auth(r, v[cid], v[cid + 1], c);
}

/* The tokens of a grant, and the refresh token it spends (cv_txn_fn). */
struct pair {
	struct cv_token t;
	const char *old_refresh;            /* NULL: a password grant */
	int64_t now;
	bool reused;                        /* the refresh token was spent already: its family is revoked */
	char access[CV_TOKEN_STRLEN], refresh[CV_TOKEN_STRLEN];
};

static enum cv_err pair_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct pair *p = arg;
	enum cv_err e = CV_OK;

	p->reused = false;
	if (p->old_refresh) {
		/* a refresh token is spent once; the new pair stays in its family */
		struct cv_token old;

		e = cv_token_spend(st, txn, p->old_refresh, p->now, &old, &p->reused);
		if (e || p->reused)
			return e;       /* a reuse commits the family's revocation, and issues nothing */
		memcpy(p->t.family, old.family, sizeof(p->t.family));
	} else {
		cv_token_family_new(p->t.family);
	}
	p->t.kind = CV_TOKEN_ACCESS;
	p->t.expires = p->now + ACCESS_TTL_MS;
	if (!e)
		e = cv_token_issue(st, txn, &p->t, p->access);
	p->t.kind = CV_TOKEN_REFRESH;
	p->t.expires = p->now + REFRESH_TTL_MS;
	if (!e)
		e = cv_token_issue(st, txn, &p->t, p->refresh);
	return e;
}

static int issue_pair(struct cv_req *r, const char *user, const char *client, uint32_t scopes, const char *old_refresh)
{
	struct pair p;
	struct cv_buf sc = CV_BUF_INIT(0);
	struct cv_jw w;
	enum cv_err e;

	memset(&p, 0, sizeof(p));
	cv_strlcpy(p.t.user, user, sizeof(p.t.user));
	cv_strlcpy(p.t.client, client, sizeof(p.t.client));
	p.t.scopes = scopes;
	p.t.issued = r->now;
	p.old_refresh = old_refresh;
	p.now = r->now;
	e = cv_store_txn(r->store, 0, pair_txn, &p);
	if (!e && p.reused) {
		cv_audit(r, "token-reuse", "login", user, "client", client, NULL);
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant",
				  "refresh token already used: every token of its grant is revoked");
	}
	if (e == CV_ENOTFOUND && old_refresh)
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "unknown or used refresh token");
	if (e == CV_EAUTH && old_refresh)
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "the refresh token has expired");
	if (e)
		return cv_fail_store(r, e, "tokens");
	cv_scopes_fmt(scopes, &sc);
	r->ctype = "application/json";
	cv_header(r, "Cache-Control", "no-store");
	cv_header(r, "Pragma", "no-cache");
	cv_jw_init(&w, &r->out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "access_token", p.access);
	cv_jw_kstr(&w, "token_type", "Bearer");
	cv_jw_kint(&w, "expires_in", ACCESS_TTL_MS / 1000);
	cv_jw_kstr(&w, "refresh_token", p.refresh);
	cv_jw_kstr(&w, "scope", cv_buf_str(&sc));
	cv_jw_end(&w);
	cv_buf_release(&sc);
	explicit_bzero(&p, sizeof(p));
	return 0;
}

/* The scopes to grant: what was asked, within allowed; when nothing was, dflt. */
static int pick_scopes(struct cv_req *r, const char *asked, uint32_t allowed, uint32_t dflt, uint32_t *out)
{
	const char *bad;
	size_t badlen;
	uint32_t m;

	if (!asked || asked[strspn(asked, " ")] == '\0') {
		/* no scope, or an empty one */
		*out = dflt;
		return 0;
	}
	if (strlen(asked) > 1024)
		return oauth_fail(r, 400, CV_C_BAD_PARAM, "invalid_scope", "scope is longer than 1024 bytes");
	if (cv_scopes_parse(asked, &m, &bad, &badlen)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown scope \"%.*s\"", (int)CV_MIN(badlen, 60), bad);
		return oauth_fail(r, 400, CV_C_BAD_PARAM, "invalid_scope", msg);
	}
	if (m & ~allowed)
		return oauth_fail(r, 400, CV_C_SCOPE, "invalid_scope", "a scope asked for is not granted to this client");
	*out = m;
	return 0;
}

static int post_token(struct cv_req *r)
{
	static const char *const names[] = {
		"grant_type", "username", "password", "scope", "refresh_token", "client_id", "client_secret", NULL
	};
	enum { GRANT, USER, PASS, SCOPE, REFRESH, CID, CSECRET };
	const char *v[CV_ARRAY_LEN(names)];
	struct cv_client c;
	uint32_t scopes;
	int st = form_client(r, names, v, CID, &c);

	if (st)
		return st;
	if (!v[GRANT])
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_request", "grant_type is required");
	if (!strcmp(v[GRANT], "password")) {
		struct cv_user u;
		enum cv_err e;

		if (!v[USER] || !v[PASS] || !*v[USER])
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_request", "username and password are required");
		if (strlen(v[USER]) > CV_LOGIN_MAX || strlen(v[PASS]) > 1024)
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "bad username or password");
		/* locked out after failures (quota.h): no password is checked */
		st = cv_guess_check(r, 'u', v[USER]);
		if (st) {
			cv_header(r, "Cache-Control", "no-store");
			return st;
		}
		e = cv_user_get(r->store, NULL, v[USER], &u);
		if (e && e != CV_ENOTFOUND)
			return cv_fail_store(r, e, "user");
		/* check a password either way, so that timing does not tell who exists */
		if (!cv_password_check(v[PASS], e ? CV_DECOY_HASH : u.hash) || e) {
			cv_audit(r, "auth-failed", "scheme", "password", "reason", e ? "unknown-login" : "bad-password",
				 "login", v[USER], "client", c.id, NULL);
			cv_guess_failed(r, 'u', v[USER]);
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "bad username or password");
		}
		cv_guess_succeeded(r, 'u', u.login);
		/* the account's grants, counted once it proved who it is (before, the brake on guessing) */
		st = cv_quota_take_grant(r, u.login);
		if (st) {
			cv_header(r, "Cache-Control", "no-store");
			return st;
		}
		/* a fleet manager's token for the fleet face is asked for by name (rec.h) */
		st = pick_scopes(r, v[SCOPE], c.scopes, c.scopes & CV_SC_DEFAULT, &scopes);
		if (!st)
			st = issue_pair(r, u.login, c.id, scopes, NULL);
		if (!st)
			cv_audit(r, "login", "scheme", "password", "login", u.login, "client", c.id, NULL);
		return st;
	}
	if (!strcmp(v[GRANT], "refresh_token")) {
		struct cv_token t;
		enum cv_err e;

		if (!v[REFRESH] || !*v[REFRESH] || strlen(v[REFRESH]) > 256)
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_request", "refresh_token is required");
		e = cv_token_lookup(r->store, NULL, v[REFRESH], &t, r->now);
		if (e == CV_ENOTFOUND || (!e && t.kind != CV_TOKEN_REFRESH)) {
			cv_audit(r, "auth-failed", "scheme", "refresh-token", "reason", "unknown-token", "client", c.id, NULL);
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "unknown or used refresh token");
		}
		if (e == CV_EAUTH)
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "the refresh token has expired");
		if (e)
			return cv_fail_store(r, e, "token");
		if (strcmp(t.client, c.id))
			return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_grant", "the refresh token belongs to another client");
		st = cv_quota_take_grant(r, t.user);
		if (st) {
			cv_header(r, "Cache-Control", "no-store");
			return st;
		}
		st = pick_scopes(r, v[SCOPE], t.scopes, t.scopes, &scopes);
		if (!st)
			st = issue_pair(r, t.user, c.id, scopes, v[REFRESH]);
		if (!st)
			cv_audit(r, "token-refreshed", "login", t.user, "client", c.id, NULL);
		return st;
	}
	return oauth_fail(r, 400, CV_C_BAD_GRANT, "unsupported_grant_type",
			  "grant_type must be password or refresh_token");
}

/*
 * Revocation (RFC 7009): the token named, access or refresh, stops working
 * at once (answers kept for an access token end with it). An unknown, used
 * or expired token is answered 200 like a revoked one, so that the answer
 * tells nothing; another client's token is refused. The hint is only a
 * hint: RFC 7009 has an unknown value ignored.
 */
static enum cv_err revoke_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	return cv_token_revoke(st, txn, arg);
}

static int post_revoke(struct cv_req *r)
{
	static const char *const names[] = { "token", "token_type_hint", "client_id", "client_secret", NULL };
	enum { TOKEN, HINT, CID, CSECRET };
	const char *v[CV_ARRAY_LEN(names)];
	struct cv_client c;
	struct cv_token t;
	enum cv_err e;
	int st = form_client(r, names, v, CID, &c);

	if (st)
		return st;
	if (!v[TOKEN] || !*v[TOKEN])
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "invalid_request", "token is required");
	r->ctype = "application/json";
	cv_header(r, "Cache-Control", "no-store");
	if (strlen(v[TOKEN]) > 256) {
		cv_buf_adds(&r->out, "{}");
		return 0;
	}
	e = cv_token_lookup(r->store, NULL, v[TOKEN], &t, r->now);
	if (!e && strcmp(t.client, c.id))
		return oauth_fail(r, 400, CV_C_BAD_GRANT, "unauthorized_client", "the token belongs to another client");
	if (!e) {
		e = cv_store_txn(r->store, 0, revoke_txn, (void *)v[TOKEN]);
		if (e && e != CV_ENOTFOUND)
			return cv_fail_store(r, e, "tokens");
		if (!e)
			cv_audit(r, "token-revoked", "login", t.user, "client", c.id, "kind",
				 t.kind == CV_TOKEN_ACCESS ? "access" : "refresh", NULL);
	} else if (e != CV_ENOTFOUND && e != CV_EAUTH) {
		return cv_fail_store(r, e, "token");
	}
	cv_buf_adds(&r->out, "{}");
	return 0;
}

static const struct cv_route routes[] = {
	{ "POST", "/oauth2/token", post_token, CV_AUTH_NONE, 0, NULL, 16384 },
	{ "POST", "/oauth2/revoke", post_revoke, CV_AUTH_NONE, 0, NULL, 16384 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	return cv_serve(argc, argv, "cvapi-oauth2", "The OAuth2 token and revocation endpoints (/oauth2/token, /oauth2/revoke).", routes);
}

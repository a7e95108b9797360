/* auth.c - who asks: a vehicle, a user's bearer token, a fleet manager, a device (see reqint.h). */
#include "config.h"
#include "req.h"
#include "reqint.h"
#include "ids.h"
#include "quota.h"
#include "log.h"
#include "devices.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- auth --------------------------------------------------------------- */

/* The vehicle link: the path's VIN and the vehicle's own credential (Bearer). */
int cv_auth_vehicle(struct cv_req *r)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	/* its syntax checked by the layer (cv_ids_check) */
	const char *vin = cv_req_id(r, "vin");
	char hex[CV_SHA256_HEXLEN + 1];
	enum cv_err e;
	int st;

	if (!h || !*h)
		return cv_fail(r, 401, CV_C_NO_CRED, "no credentials: send Authorization: Bearer <vehicle credential>");
	if (strncasecmp(h, "Bearer ", 7) || !h[7] || strlen(h + 7) > 256)
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "the Authorization header must be Bearer <vehicle credential>");
	/* the brake on guessing: per address only, never per VIN, which anyone
	 * can read through a windscreen and use to keep a vehicle out (quota.h) */
	st = cv_guess_check(r, 'v', NULL);
	if (st)
		return st;
	e = cv_vehicle_by_vin(r->store, NULL, vin, &r->veh);
	if (e && e != CV_ENOTFOUND)
		return cv_fail_store(r, e, "vehicle");
	cv_sha256_hex(h + 7, strlen(h + 7), hex);
	if (e || !cv_memeq_ct(hex, r->veh.cred_sha256, CV_SHA256_HEXLEN)) {
		cv_audit(r, "auth-failed", "scheme", "vehicle", "reason", e ? "unknown-vin" : "bad-credential",
			 "vin", vin, NULL);
		cv_guess_failed(r, 'v', NULL);
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "unknown vehicle or bad credential");
	}
	return 0;
}

int cv_auth_device(struct cv_req *r, int kind, const char *id, int unknown_status)
{
	struct cv_device d = { .kind = (uint8_t)kind };
	char vid[CV_VID_HEXLEN + 1], masked[64];
	enum cv_err e;
	int st;

	/* per address only, as for vehicles: a lockout per device would let anyone keep it out */
	st = cv_guess_check(r, 'd', NULL);
	if (st)
		return st;
	if (kind < 0 || kind >= CV_DEV_KINDS || cv_strlcpy(d.id, id, sizeof(d.id)) ||
	    !cv_device_id_ok((enum cv_device_kind)kind, id))
		e = CV_ENOTFOUND;
	else
		e = cv_device_vehicle(r->store, NULL, &d, vid);
	if (!e)
		e = cv_vehicle_get(r->store, NULL, vid, &r->veh);
	if (e && e != CV_ENOTFOUND)
		return cv_fail_store(r, e, "device");
	if (e) {
		/* the id is the device's credential: its kind and length, never its text */
		snprintf(masked, sizeof(masked), "%s:<%zu characters>",
			 kind >= 0 && kind < CV_DEV_KINDS ? cv_device_kind_names[kind] : "?", strlen(id));
		cv_audit(r, "auth-failed", "scheme", "device", "reason", "unknown-device", "device", masked, NULL);
		cv_guess_failed(r, 'd', NULL);
		return cv_fail(r, unknown_status, unknown_status == 404 ? CV_C_NO_DATA : CV_C_BAD_FIELD,
			       "unknown device: link it to a vehicle first (cvctl vehicle device VIN %s:ID)",
			       kind >= 0 && kind < CV_DEV_KINDS ? cv_device_kind_names[kind] : "KIND");
	}
	return cv_quota_take_device(r, kind, id);
}

int cv_auth_user(struct cv_req *r)
{
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	enum cv_err e;
	uint32_t missing;

	if (!h || !*h) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "no-credentials", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\"");
		return cv_fail(r, 401, CV_C_NO_CRED, "no credentials: send Authorization: Bearer <access token>");
	}
	if (strncasecmp(h, "Bearer ", 7) || strlen(h + 7) == 0 || strlen(h + 7) > 256) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "malformed", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_request\"");
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "the Authorization header must be Bearer <access token>");
	}
	e = cv_token_lookup(r->store, NULL, h + 7, &r->tok, r->now);
	if (e == CV_ENOTFOUND) {
		bool again;
		int st = cv_read_after_again(r, &again);

		if (st)
			return st;
		if (again)
			e = cv_token_lookup(r->store, NULL, h + 7, &r->tok, r->now);
	}
	if (e == CV_ENOTFOUND || (!e && r->tok.kind != CV_TOKEN_ACCESS)) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "unknown-token", NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_token\"");
		return cv_fail(r, 401, CV_C_BAD_TOKEN, "unknown or revoked access token");
	}
	if (e == CV_EAUTH) {
		cv_audit(r, "auth-failed", "scheme", "bearer", "reason", "expired-token", "login", r->tok.user,
			 "client", r->tok.client, NULL);
		cv_header(r, "WWW-Authenticate", "Bearer realm=\"cvapi\", error=\"invalid_token\"");
		return cv_fail(r, 401, CV_C_EXPIRED, "the access token has expired: refresh it");
	}
	if (e)
		return cv_fail_store(r, e, "token");
	if (r->q.client_id && strcmp(r->q.client_id, r->tok.client))
		return cv_fail(r, 403, CV_C_CLIENT_MISMATCH, "client_id does not match the token's client");
	missing = r->route->scopes & ~r->tok.scopes;
	if (missing) {
		struct cv_buf b = CV_BUF_INIT(0);
		int st;

		cv_scopes_fmt(missing, &b);
		st = cv_fail(r, 403, CV_C_SCOPE, "the token lacks the scope %s", cv_buf_str(&b));
		cv_buf_release(&b);
		return st;
	}
	return 0;
}

bool cv_basic_parse(const char *b64, char *user, size_t usz, char *pass, size_t psz)
{
	char dec[2 * CV_LOGIN_MAX + 260], tmp[sizeof(dec) * 2];
	size_t n = 0, pad = 0;
	const char *p;
	long dl;
	char *colon;

	while (*b64 == ' ')
		b64++;
	/* standard base64: map it to base64url for our decoder */
	for (p = b64; *p && *p != '='; p++) {
		if (n + 1 >= sizeof(tmp))
			return false;
		tmp[n++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	/* then at most two '=' that complete the last quantum, and nothing after */
	while (*p == '=' && pad < 2) {
		p++;
		pad++;
	}
	if (*p || (pad && (n + pad) % 4))
		return false;
	tmp[n] = '\0';
	dl = cv_unb64url(tmp, n, dec, sizeof(dec) - 1);
	if (dl < 0)
		return false;
	dec[dl] = '\0';
	if ((size_t)dl != strlen(dec))
		return false;           /* a NUL inside */
	colon = strchr(dec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	return cv_strlcpy(user, dec, usz) == CV_OK && cv_strlcpy(pass, colon + 1, psz) == CV_OK;
}

bool cv_req_scripted(const struct cv_req *r)
{
	const char *x = FCGX_GetParam("HTTP_X_REQUESTED_WITH", r->fcgi->envp);

	return x && *x;
}

void cv_basic_challenge(struct cv_req *r)
{
	cv_header(r, "WWW-Authenticate", cv_req_scripted(r) ? "Bearer realm=\"cvapi\"" : "Basic realm=\"cvapi\"");
}

static int fleet_unauthorized(struct cv_req *r, int cause, const char *msg)
{
	cv_basic_challenge(r);
	return cv_fail(r, 401, cause, "%s", msg);
}

/* A client certificate the web server verified, registered to a login: r->tok.user. 0 or the failure. */
static int fleet_cert(struct cv_req *r, const char *pem)
{
	char key[CV_CERT_KEY_MAX + 1], *nl;
	enum cv_err e;
	int st;

	/* the certificate itself: its issuer and subject, not a DN the web server wrote */
	if (!pem || !*pem) {
		cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-exported", NULL);
		return fleet_unauthorized(r, CV_C_BAD_CERT, "the web server passes no SSL_CLIENT_CERT: "
					  "have it export the client certificate (etc/*-tls.conf.in)");
	}
	if (cv_cert_key(pem, strlen(pem), key)) {
		cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "unreadable", NULL);
		return fleet_unauthorized(r, CV_C_BAD_CERT, "the client certificate cannot be read");
	}
	e = cv_cert_login(r->store, NULL, key, r->tok.user);
	if (e == CV_ENOTFOUND || e == CV_EINVAL) {
		nl = strchr(key, '\n');
		*nl = '\0';
		cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-registered", "issuer", key,
			 "subject", nl + 1, NULL);
		cv_basic_challenge(r);
		st = cv_fail(r, 401, CV_C_BAD_CERT, "this client certificate is not registered "
			     "(issuer %.200s, subject %.200s): `cvctl cert add` its PEM file", key, nl + 1);
		return st;
	}
	return e ? cv_fail_store(r, e, "certificate") : 0;
}

/* HTTP Basic (after "Basic "): a fleet manager's login and password, r->tok.user. 0 or the failure. */
static int fleet_basic(struct cv_req *r, const char *b64)
{
	char pass[256];
	bool fresh = false;
	enum cv_err e;
	int st;

	if (!cv_basic_parse(b64, r->tok.user, sizeof(r->tok.user), pass, sizeof(pass)) || !r->tok.user[0]) {
		cv_audit(r, "auth-failed", "scheme", "basic", "reason", "malformed", NULL);
		return fleet_unauthorized(r, CV_C_BAD_TOKEN, "malformed Basic credentials: base64 of login:password");
	}
	/* remembered credentials pass a lockout (quota.h); others meet it first */
	e = cv_basic_known(r->store, r->tok.user, pass, r->now);
	if (e == CV_EAUTH) {
		st = cv_guess_check(r, 'u', r->tok.user);
		if (st) {
			explicit_bzero(pass, sizeof(pass));
			return st;
		}
		e = cv_basic_check(r->store, r->tok.user, pass, r->now, &fresh);
	}
	explicit_bzero(pass, sizeof(pass));
	if (e == CV_EAUTH) {
		cv_audit(r, "auth-failed", "scheme", "basic", "reason", "bad-password", "login", r->tok.user,
			 "client", r->q.client_id, NULL);
		cv_guess_failed(r, 'u', r->tok.user);
		return fleet_unauthorized(r, CV_C_BAD_PASSWORD, "wrong login or password");
	}
	if (e)
		return cv_fail_store(r, e, "user");
	/* a login: the password was checked, not remembered */
	if (fresh) {
		cv_guess_succeeded(r, 'u', r->tok.user);
		cv_audit(r, "login", "scheme", "basic", "login", r->tok.user, "client", r->q.client_id, NULL);
	}
	return 0;
}

/*
 * A bearer token (after "Bearer ") of the scope fleet: a fleet manager's
 * access token from /oauth2/token, into r->tok. Every failure keeps the
 * fleet face's answer to a credential it does not take (401, CV_C_NO_CRED)
 * and says which in its message and in the RFC 6750 challenge.
 */
static int fleet_bearer(struct cv_req *r, const char *text)
{
	const char *reason, *error, *msg;
	enum cv_err e;

	if (!*text || strlen(text) > 256) {
		reason = "malformed";
		error = "Bearer realm=\"cvapi\", error=\"invalid_request\"";
		msg = "the Authorization header must be Bearer <access token>";
	} else {
		e = cv_token_lookup(r->store, NULL, text, &r->tok, r->now);
		if (e == CV_ENOTFOUND) {
			bool again;
			int st = cv_read_after_again(r, &again);

			if (st)
				return st;
			if (again)
				e = cv_token_lookup(r->store, NULL, text, &r->tok, r->now);
		}
		if (e && e != CV_ENOTFOUND && e != CV_EAUTH)
			return cv_fail_store(r, e, "token");
		if (!e && r->tok.kind == CV_TOKEN_ACCESS && (r->tok.scopes & CV_SC_BIT(CV_SC_FLEET)))
			return 0;
		if (e == CV_EAUTH) {
			reason = "expired-token";
			error = "Bearer realm=\"cvapi\", error=\"invalid_token\", error_description=\"expired\"";
			msg = "the access token has expired: refresh it";
		} else if (e || r->tok.kind != CV_TOKEN_ACCESS) {
			reason = "unknown-token";
			error = "Bearer realm=\"cvapi\", error=\"invalid_token\"";
			msg = "unknown or revoked access token";
		} else {
			reason = "no-fleet-scope";
			error = "Bearer realm=\"cvapi\", error=\"insufficient_scope\", scope=\"fleet\"";
			msg = "this token lacks the scope fleet: a fleet manager asks /oauth2/token for scope=fleet";
		}
	}
	cv_audit(r, "auth-failed", "scheme", "bearer", "reason", reason, "login", r->tok.user[0] ? r->tok.user : NULL,
		 "client", r->tok.client[0] ? r->tok.client : NULL, NULL);
	cv_header(r, "WWW-Authenticate", error);
	return cv_fail(r, 401, CV_C_NO_CRED, "%s", msg);
}

/*
 * The fleet face: a client certificate the web server verified
 * (SSL_CLIENT_VERIFY=SUCCESS and its subject SSL_CLIENT_S_DN, FastCGI
 * parameters a client cannot set), registered with `cvctl cert add`; or
 * HTTP Basic with a fleet manager's login and password; or a bearer token
 * of the scope fleet. client_id must name a registered client (a token's
 * own). Then the fleet of the path, if any, must be theirs.
 */
int cv_auth_fleet(struct cv_req *r)
{
	char **envp = r->fcgi->envp;
	const char *verify = FCGX_GetParam("SSL_CLIENT_VERIFY", envp);
	const char *h = FCGX_GetParam("HTTP_AUTHORIZATION", envp);
	struct cv_client client;
	bool bearer = false;
	enum cv_err e;
	int st;

	memset(&r->tok, 0, sizeof(r->tok));
	if (verify && !strcmp(verify, "SUCCESS")) {
		st = fleet_cert(r, FCGX_GetParam("SSL_CLIENT_CERT", envp));
	} else if (h && !strncasecmp(h, "Basic ", 6)) {
		st = fleet_basic(r, h + 6);
	} else if (h && !strncasecmp(h, "Bearer ", 7)) {
		bearer = true;
		st = fleet_bearer(r, h + 7);
	} else if (verify && *verify && strcmp(verify, "NONE")) {
		cv_audit(r, "auth-failed", "scheme", "certificate", "reason", "not-verified", NULL);
		st = fleet_unauthorized(r, CV_C_BAD_CERT, "the client certificate was not verified");
	} else {
		cv_audit(r, "auth-failed", "scheme", "basic", "reason", "no-credentials", NULL);
		st = fleet_unauthorized(r, CV_C_NO_CRED,
					"no credentials: send Authorization: Basic or Bearer, or a client certificate");
	}
	if (st)
		return st;
	if (!r->q.client_id)
		return cv_fail(r, 401, CV_C_BAD_CLIENT, "client_id is required on the fleet face");
	if (bearer && strcmp(r->q.client_id, r->tok.client))
		return cv_fail(r, 403, CV_C_CLIENT_MISMATCH, "client_id does not match the token's client");
	e = cv_client_get(r->store, NULL, r->q.client_id, &client);
	if (e == CV_ENOTFOUND) {
		cv_audit(r, "auth-failed", "reason", "unknown-client", "login", r->tok.user, "client", r->q.client_id, NULL);
		return cv_fail(r, 401, CV_C_BAD_CLIENT, "unknown client_id");
	}
	if (e)
		return cv_fail_store(r, e, "client");
	cv_strlcpy(r->tok.client, client.id, sizeof(r->tok.client));
	memcpy(r->client_limits, client.limits, sizeof(r->client_limits));
	r->tok.kind = CV_TOKEN_ACCESS;
	/* the fleet face has no scopes: a token's fleet is all of it */
	r->tok.scopes = CV_SC_ALL;
	r->b2b = true;
	if ((r->fid = cv_req_capture(r, "fid")) != NULL) {
		struct cv_fleet f;

		e = cv_fleet_get(r->store, NULL, r->fid, &f);
		if (e && e != CV_ENOTFOUND)
			return cv_fail_store(r, e, "fleet");
		/* an unknown fleet and another manager's answer alike */
		if (e || strcmp(f.owner, r->tok.user))
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this fleet is not yours");
	}
	return 0;
}

int cv_check_vehicle(struct cv_req *r)
{
	/* its syntax checked by the layer (cv_ids_check) */
	const char *vid = cv_req_id(r, r->b2b ? "vid" : "id");
	enum cv_err e;
	int n;

	if (r->b2b) {
		e = cv_fleet_has_vehicle(r->store, NULL, r->fid, vid);
		if (e == CV_ENOTFOUND)
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this vehicle is not in this fleet");
		/* the fleet face names vehicles by VIN in its objects */
		if (!e)
			e = cv_vehicle_get(r->store, NULL, vid, &r->veh);
		n = snprintf(r->vbase, sizeof(r->vbase), CV_B2B "/fleets/%s/vehicles/%s", r->fid, vid);
	} else {
		e = cv_user_has_vehicle(r->store, NULL, r->tok.user, vid);
		if (e == CV_ENOTFOUND)
			return cv_fail(r, 403, CV_C_NOT_YOURS, "this vehicle is not in your account");
		n = snprintf(r->vbase, sizeof(r->vbase), CV_B2C "/user/vehicles/%s", vid);
	}
	if (e)
		return cv_fail_store(r, e, "vehicle link");
	if (n < 0 || (size_t)n >= sizeof(r->vbase))
		return cv_fail(r, 400, CV_C_BAD_ID, "overlong path");
	r->vid = vid;
	return 0;
}


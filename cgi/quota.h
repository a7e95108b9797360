/*
 * quota.h - the request layer's rate limits and its brake on password
 * guessing, over the shared table of ratelimit.h.
 *
 * Rate limits. Every request that proved who it is (a token, a fleet
 * manager's credentials, a vehicle's) is counted, after authentication
 * and before anything else is read or written, against:
 *   - B2C: its OAuth2 client (all users together), its grant (the
 *     token's family: every token a login and its refreshes made) and
 *     the user (all its grants together: CVAPI_RATE_USER);
 *   - B2B: its client_id (per fleet manager) and the fleet manager;
 *   - the vehicle link: the vehicle;
 *   - a tracking device's report (/osmand): the device (CVAPI_RATE_DEVICE,
 *     by default the vehicle link's 1000000/20: a phone replaying its
 *     buffer after a tunnel sends as fast as it is answered);
 *   - the token endpoint: the grants issued for an account that proved
 *     who it is (logins and refreshes: CVAPI_RATE_GRANT).
 * Each budget has a day (sliding 24 h) and a second; a client's come from
 * its record (`cvctl client limits`), else CVAPI_RATE_CLIENT and
 * CVAPI_RATE_TOKEN; a vehicle's from CVAPI_RATE_VEHICLE. Each setting is
 * "DAY/SECOND" (0: no limit) or "off" (none of that kind, a client's own
 * limits included). Every answer to a counted request
 * says X-RateLimit-Limit-1 / X-RateLimit-Remaining-1 (the day) and -2 (the
 * second), of the tighter budget; a request over a budget is answered 429
 * with X-RateLimit-Reset and Retry-After (seconds), and nothing else is done.
 *
 * Guessing. A wrong password (the password grant, Basic on the fleet
 * face) counts one failure against the account (the login) and against the
 * client address (REMOTE_ADDR, or with CVAPI_TRUST_PROXY=1 the last
 * X-Forwarded-For hop; an IPv6 address by its /64); a wrong vehicle
 * credential, client secret or device id against the address only. CVAPI_GUESS_ACCOUNT
 * (default 10) failures of an account in a sliding minute, or
 * CVAPI_GUESS_ADDRESS (default 100) of an address, lock it out for
 * CVAPI_GUESS_DELAY seconds (default 60), doubled by each earlier lockout
 * of the day, at most a day: while locked out every attempt is answered
 * 429 with Retry-After, right password or not, and costs no password
 * check, except Basic credentials this process remembers as checked (an
 * integration keeps working). A success clears the account.
 */
#ifndef CV_QUOTA_H
#define CV_QUOTA_H

#include "req.h"

/* Read the settings (a bad one is said on stderr and the default used) and map the table of home. */
void cv_quota_setup(const char *prog, const char *home);
void cv_quota_close(void);

/* Count r (after authentication): 0, or 429 (answered) when over a budget. */
int cv_quota_take(struct cv_req *r);
/*
 * Count a tracking device's report (cv_auth_device, once the device is
 * known) against its own budget: 0, or 429 (answered).
 */
int cv_quota_take_device(struct cv_req *r, int kind, const char *id);
/*
 * Count a grant the token endpoint is about to issue for account, which
 * proved who it is (a right password, a live refresh token): 0, or 429
 * (answered). Nothing is counted before: a stranger naming an account
 * spends only the guessing brake's failures, never the account's grants.
 */
int cv_quota_take_grant(struct cv_req *r, const char *account);
/* Count r against a kept answer's budgets: 0, or 429 (answered). */
int cv_quota_take_ask(struct cv_req *r, const struct cv_rl_ask *a);
/* Append r's X-RateLimit headers to buf (when it was counted). */
void cv_quota_headers(const struct cv_req *r, struct cv_buf *buf);

/*
 * Before checking a credential of account (kind 'u' a login; NULL: the
 * address only, as for vehicles ('v') and client secrets ('k'), where a
 * lockout of the account would let anyone keep it out): 0, or 429
 * (answered) while locked out.
 */
int cv_guess_check(struct cv_req *r, char kind, const char *account);
/* The credential was wrong: one failure of the account and of the address. */
void cv_guess_failed(struct cv_req *r, char kind, const char *account);
/* The credential was right: the account's failures are forgotten. */
void cv_guess_succeeded(struct cv_req *r, char kind, const char *account);

#endif

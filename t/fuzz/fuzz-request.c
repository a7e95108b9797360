/*
 * fuzz-request.c - libFuzzer harness for the request layer's parsers of
 * outside input (cgi/): the query string against a table of every field
 * type (cv_query_parse), a pageToken (cv_page_init, both as sent and
 * signed with the store's own key, so that the fields behind the MAC are
 * reached, then the paging walk it resumes), path captures
 * (cv_route_match) and the syntax of their ids (cv_ids_check), HTTP Basic
 * credentials (cv_basic_parse), the OAuth2 form (cv_pairs_split), the
 * Authorization header of every scheme through the real authentication
 * functions against a real store, a callback's body (cv_sub_callback,
 * cv_sub_policies, read with core/jread.h, rendered back) and a remote
 * action's body of either face (cv_remotes_read).
 *
 * The first byte picks the parser, the rest is what a client would send.
 * A store is made once in a temporary folder (removed at exit). Checks,
 * besides crashes and undefined behaviour: a refusal is a 4xx with an
 * xError body; an accepted query has every value within its bounds; an
 * accepted remote action keeps its member as JSON within its bound.
 */
#include "config.h"
#include "req.h"
#include "ids.h"
#include "pack.h"
#include "reqint.h"
#include "page.h"
#include "quota.h"
#include "remotes.h"
#include "store.h"
#include "subscribe.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cv_store store;
static char home[] = "/tmp/cvapi-fuzz-request.XXXXXX";
static unsigned char page_key[32];
static uint64_t no_filters;                 /* the filter digest of a query with paging only */

static const struct cv_field fields[] = {
	CV_FIELDS_LIST(2000),
	CV_FIELD_STRING("locale", 16, locale),
	CV_FIELD_STRING("vinPrefix", 17, vin_prefix),
	CV_FIELD_LIST("type", cv_check_tel_type, type),
	CV_FIELD_LIST("extension", cv_check_tel_extension, extension),
	CV_FIELD_LIST("profile", cv_check_profile, profile),
	CV_FIELD_SPAN_S("duration", duration),
	CV_FIELD_SPAN_KM("distance", distance),
	CV_FIELD_KM("tolerance", 100, tolerance),
	{ NULL, 0, 0, NULL, 0 },
};

static int hnone(struct cv_req *r)
{
	(void)r;
	return 0;
}

static const struct cv_route routes[] = {
	{ "GET", CV_B2C "/user/vehicles/{id}/trips/{tid}/wayPoints", hnone, CV_AUTH_USER, 0, fields, 0 },
	{ "GET", CV_B2B "/fleets/{fid}/vehicles/{vid}/status", hnone, CV_AUTH_FLEET, 0, fields, 0 },
	{ "POST", "/telematics/v1/vehicles/{vin}/messages", hnone, CV_AUTH_VEHICLE, 0, NULL, 1 << 20 },
	{ "POST", "/oauth2/token", hnone, CV_AUTH_NONE, 0, NULL, 4096 },
};

static void cleanup(void)
{
	char cmd[128];

	cv_store_close(&store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-request: cannot remove %s\n", home);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_req r;
	struct cv_page pg;

	(void)argc;
	(void)argv;
	/* the request log (a line per refusal) would be most of the run's time: away; sanitizer
	 * reports and libFuzzer's own lines are written to file descriptor 2, not through stderr */
	stderr = fopen("/dev/null", "w");
	if (!stderr)
		abort();
	if (!mkdtemp(home) || cv_store_open(&store, home, CV_STORE_CREATE)) {
		dprintf(2, "fuzz-request: cannot make a store in %s\n", home);
		abort();
	}
	atexit(cleanup);
	/* no lockouts: every input's credentials reach their checks (limits.mjs tests the brake) */
	setenv("CVAPI_GUESS_ACCOUNT", "0", 1);
	setenv("CVAPI_GUESS_ADDRESS", "0", 1);
	cv_quota_setup("fuzz-request", home);
	/* a first pageToken makes the store's key: read it to sign tokens */
	memset(&r, 0, sizeof(r));
	r.store = &store;
	r.prog = "fuzz";
	r.route = &routes[0];
	r.q.page_token = "AAAA";
	cv_page_init(&r, 60, &pg);
	cv_buf_release(&r.out);
	{
		/* well formed (version 2, 57 bytes), wrongly signed: the key is needed, so made */
		unsigned char raw[57] = { 2 };
		char tok[80];

		cv_b64url(raw, sizeof(raw), tok);
		r.q.page_token = tok;
		cv_page_init(&r, 60, &pg);
	}
	cv_buf_release(&r.out);
	if (cv_store_get(&store, CV_DB_META, NULL, "pagetoken-key", 13, &b) || b.len != 32) {
		dprintf(2, "fuzz-request: the store made no pageToken key\n");
		abort();
	}
	memcpy(page_key, b.p, 32);
	cv_buf_release(&b);
	{
		unsigned char h[32];

		cv_sha256("\0\0", 2, h);
		no_filters = cv_be64_get(h);
	}
	return 0;
}

/* A refusal must be a 4xx (a store failure: 5xx) with an xError body. */
static void check_refusal(struct cv_req *r, int st)
{
	if (st < 400 || st > 599 || r->status != st || !r->out.len || r->out.p[0] != '{')
		abort();
}

static void release(struct cv_req *r)
{
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i][0]);
		free(r->params[i][1]);
	}
	for (size_t i = 0; i < r->nform; i++) {
		free(r->form[i][0]);
		free(r->form[i][1]);
	}
	cv_buf_release(&r->out);
	cv_buf_release(&r->headers);
	cv_buf_release(&r->scratch);
	cv_buf_release(&r->body);
}

/* A query string; then its pageToken, if any, and the walk it resumes. */
static void fuzz_query(struct cv_req *r, const char *s)
{
	struct cv_page pg;
	int st;

	r->route = &routes[0];
	r->query_string = s;
	st = cv_query_parse(r);
	if (st) {
		check_refusal(r, st);
		return;
	}
	if ((r->q.has_page_size && (r->q.page_size < 1 || r->q.page_size > 2000)) ||
	    r->q.nintervals > CV_MAX_INTERVALS || (r->q.has_range && r->q.range_from < 0))
		abort();
	for (size_t i = 0; i < r->q.nintervals; i++)
		if (r->q.intervals[i].from > r->q.intervals[i].to)
			abort();
	st = cv_page_init(r, 60, &pg);
	if (st) {
		check_refusal(r, st);
		return;
	}
	for (int64_t k = 0; k < 200; k++) {
		unsigned char id[16] = { 0 };
		int64_t skip = 0;

		id[15] = (unsigned char)k;
		if (cv_page_step(&pg, &skip, k * 1000, id) == CV_PAGE_STOP)
			break;
	}
}

/* A pageToken payload (33 bytes after the version), signed as this store signs its own. */
static void fuzz_signed_token(struct cv_req *r, const uint8_t *data, size_t size)
{
	unsigned char raw[49], full[32];
	char tok[80], q[128];

	memset(raw, 0, sizeof(raw));
	raw[0] = 2;             /* page.c's TOKEN_V */
	memcpy(raw + 1, data, size < 40 ? size : 40);
	/* bound to this query, for a third of the inputs: the values behind the MAC are used */
	if (size > 42 && data[42] % 3 == 0)
		cv_be64_put(raw + 33, no_filters);
	cv_hmac_sha256(page_key, 32, raw, 41, full);
	memcpy(raw + 41, full, 8);
	/* the MAC is 16 bytes after 41: shorter here on purpose for half of the inputs */
	if (size > 40 && (data[40] & 1)) {
		unsigned char whole[57];

		memcpy(whole, raw, 41);
		memcpy(whole + 41, full, 16);
		cv_b64url(whole, sizeof(whole), tok);
	} else {
		cv_b64url(raw, sizeof(raw), tok);
	}
	snprintf(q, sizeof(q), "pageToken=%s%s", tok, size > 41 && (data[41] & 1) ? "&pageSize=7" : "");
	fuzz_query(r, q);
}

/* Authorization (and a client_id) through the real checks of each face. */
static void fuzz_auth(struct cv_req *r, const char *h, unsigned which)
{
	char *envp[] = { NULL, NULL, NULL };
	char hdr[1100];
	FCGX_Request fr;
	int st;

	memset(&fr, 0, sizeof(fr));
	snprintf(hdr, sizeof(hdr), "HTTP_AUTHORIZATION=%s", h);
	envp[0] = hdr;
	envp[1] = "REMOTE_ADDR=192.0.2.7";
	fr.envp = envp;
	r->fcgi = &fr;
	r->route = &routes[which % 3];
	r->raw_path = which % 3 == 2 ? "/telematics/v1/vehicles/VF3AAAAAAAAAAAAAA/messages" :
		      which % 3 == 1 ? CV_B2B "/fleets/f/vehicles/00/status" : CV_B2C "/user/vehicles/00/trips/11/wayPoints";
	r->raw_path_len = strlen(r->raw_path);
	if (cv_route_match(r, r->route->pattern) != 1)
		abort();
	r->q.client_id = "console";
	st = which % 3 == 0 ? cv_auth_user(r) : which % 3 == 1 ? cv_auth_fleet(r) : cv_auth_vehicle(r);
	if (st)
		check_refusal(r, st);
	r->fcgi = NULL;
}

/* A callback's body (POST or PUT .../callbacks): its callback, then its policies, rendered back. */
static void fuzz_callback(struct cv_req *r, const char *s, size_t n)
{
	json_tokener *tok = json_tokener_new_ex(32);
	json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	struct cv_callback *cb = cv_calloc(1, sizeof(*cb));
	struct cv_jread jr;

	json_tokener_free(tok);
	if (o && json_object_is_type(o, json_type_object)) {
		cv_jr_init(&jr, "subscribeParam");
		cv_sub_callback(&jr, o, cb);
		cv_sub_policies(&jr, o, (n & 1) != 0, cb);
		if (jr.failed) {
			/* a failure names its member under the reader's path */
			if (strncmp(jr.err, "subscribeParam", 14))
				abort();
			check_refusal(r, cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err));
		} else {
			struct cv_buf b = CV_BUF_INIT(0);
			struct cv_jw w;
			json_object *back;

			cv_jw_init(&w, &b);
			cv_jw_obj(&w);
			cv_sub_render_callback(&w, cb);
			cv_sub_render_policies(&w, cb);
			cv_jw_end(&w);
			back = w.err ? NULL : json_tokener_parse(cv_buf_str(&b));
			if (!w.err && !back)
				abort();
			json_object_put(back);
			cv_buf_release(&b);
		}
	}
	json_object_put(o);
	free(cb);
}

/* A remote action's body (POST .../remotes), b2b: the fleet face's. */
static void fuzz_remote(struct cv_req *r, const char *s, size_t n, bool b2b)
{
	json_tokener *tok = json_tokener_new_ex(32);
	json_object *o = json_tokener_parse_ex(tok, s, (int)n);
	struct cv_action *a = cv_calloc(1, sizeof(*a));
	struct cv_jread jr;

	json_tokener_free(tok);
	if (o) {
		cv_jr_init(&jr, "");
		cv_remotes_read(&jr, o, b2b, a);
		if (jr.failed) {
			if (!jr.err[0])
				abort();
			check_refusal(r, cv_fail(r, 400, CV_C_BAD_FIELD, "%s", jr.err));
		} else {
			json_object *back = json_tokener_parse(a->rm.action);

			if (a->rm.type >= CV_RT_COUNT || !back || strlen(a->rm.action) > CV_REMOTE_ACTION_MAX ||
			    a->nattrs > CV_CB_ATTRS_MAX || a->ncbattrs > CV_CB_ATTRS_MAX || (b2b && a->nattrs + a->ncbattrs))
				abort();
			json_object_put(back);
		}
	}
	json_object_put(o);
	free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cv_req r;
	char *s;
	int st;

	if (size < 1 || size > 4096)
		return 0;
	s = cv_malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	memset(&r, 0, sizeof(r));
	r.store = &store;
	r.prog = "fuzz";
	r.now = 1714550400000;
	cv_strlcpy(r.base, "http://127.0.0.1", sizeof(r.base));
	switch (data[0] % 9) {
	case 0:
		fuzz_query(&r, s);
		break;
	case 1:
		fuzz_signed_token(&r, data + 1, size - 1);
		break;
	case 2: {
		/* a raw path against each pattern */
		r.raw_path = s;
		r.raw_path_len = strlen(s);
		for (size_t i = 0; i < CV_ARRAY_LEN(routes); i++) {
			st = cv_route_match(&r, routes[i].pattern);
			if (st == 1 && r.nseg > CV_MAX_SEGS)
				abort();
			if (st != 1)
				continue;
			/* the ids the path holds, by their captures' kinds */
			r.route = &routes[i];
			st = cv_ids_check(&r, true);
			if (!st)
				st = cv_ids_check(&r, false);
			if (st)
				check_refusal(&r, st);
			cv_buf_reset(&r.out);
			r.status = 0;
		}
		break;
	}
	case 3: {
		char user[CV_LOGIN_MAX + 1], pass[256];

		if (cv_basic_parse(s, user, sizeof(user), pass, sizeof(pass)) && (strlen(user) > CV_LOGIN_MAX || strchr(user, ':')))
			abort();
		break;
	}
	case 4:
		r.route = &routes[3];
		st = cv_pairs_split(&r, s, strlen(s), r.form, &r.nform, "form field");
		if (st)
			check_refusal(&r, st);
		else if (r.nform > CV_MAX_PARAMS)
			abort();
		break;
	case 5:
		fuzz_auth(&r, s, size > 1 ? data[1] : 0);
		break;
	case 6:
		fuzz_callback(&r, s, strlen(s));
		break;
	default:
		fuzz_remote(&r, s, strlen(s), data[0] % 9 == 8);
		break;
	}
	release(&r);
	free(s);
	return 0;
}

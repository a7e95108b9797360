/* serve.c - the FastCGI loop: signals, settings, the watchdog, purge steps, the answer cache, one request after another (see req.h). */
#include "config.h"
#include "req.h"
#include "reqint.h"
#include "cvtime.h"
#include "settings.h"
#include "quota.h"
#include "purge.h"
#include "sweep.h"
#include "engine.h"
#include "outbox.h"
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Set by SIGTERM/SIGINT: finish the current request, then exit. */
static volatile sig_atomic_t cv_stop;

/*
 * The end of a connection (HACKING.md, "The FastCGI hop: where a small
 * read's time goes").
 * libfcgi's own close shuts its side for writing, then waits (up to 2 s)
 * until the web server has closed too, reading what comes meanwhile: over
 * TCP, input left unread when a socket closes makes the kernel send a
 * reset, which can make the web server drop an answer it has not read
 * yet. During that wait the process takes no request: behind lighttpd,
 * who closes only once its event loop comes to the connection, the wait
 * was a quarter of a small read's time. Over a UNIX socket a close loses
 * nothing the web server has not read (it reads what was sent, then the
 * end), so there, once the request's input has been read to its end (after
 * which a web server sends nothing more), the connection is closed at
 * once; anything else (TCP, input left, a connection the web server keeps)
 * ends as libfcgi ends it. The watchdog's idle phase comes first
 * (watchdog.h).
 */
static bool hop_unix;

static void finish_request(struct cv_req *r)
{
	FCGX_Request *fr = r->fcgi;

	if (hop_unix && !fr->keepConnection && cv_body_ended(r))
		FCGX_Detach(fr);
	cv_wd_idle();
	FCGX_Finish_r(fr);
}

/* Is the listening socket (fd 0) a UNIX one? */
static bool listens_unix(void)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	return getsockname(0, (struct sockaddr *)&sa, &len) == 0 && sa.ss_family == AF_UNIX;
}

/* Purging between requests (cv_serve_purge): on, and how often. */
static bool cv_purging;
static int64_t cv_purge_every_ms = 10000;
static int64_t cv_purge_last;

void cv_serve_purge(bool on)
{
	cv_purging = on;
}

/* A purge step when one is due; a busy store (another step) is no error. */
static void purge_tick(struct cv_store *st, const char *prog, int64_t now)
{
	struct cv_purge_stats ps;
	enum cv_err e;

	if (!cv_purging || cv_purge_every_ms <= 0 || (now - cv_purge_last < cv_purge_every_ms && now >= cv_purge_last))
		return;
	cv_purge_last = now;
	e = cv_purge_step(st, now, 200, &ps);
	if (e == CV_EPANIC)
		cv_req_panicked = true;
	else if (e && e != CV_EDEADLOCK)
		fprintf(stderr, "cvapi[%s]: purge: %s\n", prog, cv_strerror(e));
}

/* Set by a request that deleted a callback (cv_serve_sweep): sweep steps after its answer. */
static bool cv_sweeping;

void cv_serve_sweep(void)
{
	cv_sweeping = true;
}

static void sweep_tick(struct cv_store *st, const char *prog)
{
	int64_t until = cv_mono_ms() + CV_SWEEP_GAP_MS;

	while (cv_sweeping) {
		size_t n;
		bool more;
		enum cv_err e = cv_sweep_step(st, CV_SWEEP_BUDGET, &n, &more);

		if (e == CV_EPANIC)
			cv_req_panicked = true;
		else if (e && e != CV_EDEADLOCK)
			fprintf(stderr, "cvapi[%s]: sweeping a deleted callback: %s\n", prog, cv_strerror(e));
		if (e && e != CV_EDEADLOCK)
			return;         /* failing: the next gap, or cvapi-ingest's purge */
		if (!e)
			cv_sweeping = more;
		if (cv_mono_ms() >= until)
			return;         /* the rest in the next gap */
	}
}

/*
 * libfcgi's accept() retries after a signal, so an idle program would sleep
 * through SIGTERM: pointing fd 0, the listening socket, at /dev/null
 * (dup2 is async-signal-safe) makes the pending or next accept fail and
 * the loop end. A request being answered has its own connection and
 * finishes first. dup2, not close: a closed fd 0 would be the next file
 * the store opens, and a second signal would close that.
 */
static int devnull_fd = -1;

/* A request that read or wrote more than this gives its memory back after it (malloc_trim). */
#define CV_TRIM_AFTER (1024 * 1024)

static void on_term(int sig)
{
	(void)sig;
	cv_stop = 1;
	if (devnull_fd >= 0)
		dup2(devnull_fd, 0);
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* ---- the loop ----------------------------------------------------------- */

static void req_release(struct cv_req *r)
{
	for (size_t i = 0; i < CV_MAX_SEGS; i++)
		r->seg[i] = NULL;
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i][0]);
		free(r->params[i][1]);
	}
	r->nparams = 0;
	for (size_t i = 0; i < r->nform; i++) {
		free(r->form[i][0]);
		free(r->form[i][1]);
	}
	r->nform = 0;
	cv_buf_release(&r->body);
}

/* v in decimal, in buf (24 bytes); returns buf */
static const char *fmt_uint(char buf[24], size_t v)
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static bool rc_trace;                  /* CVAPI_CACHE_TRACE: an X-Cvapi-Cache header */

/* The head of the answer in head (at most 256 bytes): Status, Content-Type, Content-Length lines. */
static size_t response_head(const struct cv_req *r, char head[256])
{
	char num[24];
	size_t n;

	/* "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", without snprintf */
	n = cv_str_put(head, 256, 0, "Status: ");
	n = cv_str_put(head, 256, n, fmt_uint(num, (size_t)(r->status > 0 ? r->status : 0)));
	n = cv_str_put(head, 256, n, " ");
	n = cv_str_put(head, 256, n, reason(r->status));
	n = cv_str_put(head, 256, n, "\r\nContent-Type: ");
	n = cv_str_put(head, 256, n, r->ctype ? r->ctype : "application/json");
	n = cv_str_put(head, 256, n, "\r\nContent-Length: ");
	n = cv_str_put(head, 256, n, fmt_uint(num, r->out.len));
	n = cv_str_put(head, 256, n, "\r\n");
	return n;
}

static void send_response(struct cv_req *r)
{
	char head[256];
	size_t n = response_head(r, head);

	FCGX_PutStr(head, (int)n, r->fcgi->out);
	if (r->headers.len)
		FCGX_PutStr(r->headers.p, (int)r->headers.len, r->fcgi->out);
	FCGX_PutStr("\r\n", 2, r->fcgi->out);
	if (r->out.len && strcmp(r->method, "HEAD"))
		FCGX_PutStr(r->out.p, (int)r->out.len, r->fcgi->out);
}

/* key += s (false if it does not fit) */
static bool rc_key_add(struct cv_req *r, const char *s)
{
	size_t n = strlen(s);

	if (n + 1 > sizeof(r->rc_key) - r->rc_klen)
		return false;
	memcpy(r->rc_key + r->rc_klen, s, n);
	r->rc_key[r->rc_klen + n] = '\n';
	r->rc_klen += n + 1;
	return true;
}

/*
 * The answer cache (rcache.h), before anything is parsed or read: a B2C
 * GET or HEAD with a bearer token whose kept answer is still valid is sent
 * as it is, once counted against its budgets (-1; a status when refused).
 * Otherwise (0) the request may be kept once answered: its key and the
 * generations are noted now, before the store is read.
 */
static int rc_lookup(struct cv_req *r)
{
	char **envp = r->fcgi->envp;
	const char *auth = FCGX_GetParam("HTTP_AUTHORIZATION", envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", envp);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", envp);
	const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", envp);
	const struct cv_rl_ask *ask;
	const char *resp, *vid = cv_req_capture(r, "id");
	size_t len, head_len;
	bool head_only = !strcmp(r->method, "HEAD");
	int st;

	/* a request with a body gets cv_body_read()'s answer, never a kept one */
	if (!cv_rc_on() || r->rc_skip || r->route->auth != CV_AUTH_USER || !vid || !auth || !*auth || !uri ||
	    (!head_only && strcmp(r->method, "GET")) || (cl && *cl && strcmp(cl, "0")) || inm)
		return 0;
	r->rc_klen = 0;
	if (!rc_key_add(r, r->base) || !rc_key_add(r, uri) || !rc_key_add(r, auth))
		return 0;
	resp = cv_rc_find(&r->store->gen, r->rc_key, r->rc_klen, r->now, &len, &head_len, &ask);
	if (resp) {
		st = cv_quota_take_ask(r, ask);
		if (st)
			return st;
		cv_quota_headers(r, &r->headers);
		cv_wd_reply(r->fcgi->ipcFd);
		cv_store_outside(r->store, true);
		FCGX_PutStr(resp, (int)head_len, r->fcgi->out);
		if (r->headers.len)
			FCGX_PutStr(r->headers.p, (int)r->headers.len, r->fcgi->out);
		if (rc_trace)
			FCGX_PutStr("X-Cvapi-Cache: hit\r\n", 20, r->fcgi->out);
		FCGX_PutStr("\r\n", 2, r->fcgi->out);
		if (!head_only)
			FCGX_PutStr(resp + head_len, (int)(len - head_len), r->fcgi->out);
		return -1;
	}
	cv_rc_note(&r->store->gen, cv_gen_slot(vid, strlen(vid)), &r->rc_stamp);
	r->rc_try = true;
	return 0;
}

void cv_rc_vehicle(struct cv_req *r)
{
	const char *vid = cv_req_capture(r, "id");

	if (r->rc_try && r->vid && vid && !strcmp(r->vid, vid))
		r->rc_ok = true;
}

/* Keep the answer just made, when cacheable (head without the blank line, body). */
static void rc_keep(struct cv_req *r)
{
	struct cv_buf h = CV_BUF_INIT(0);
	char head[256];
	size_t n = response_head(r, head);

	if (cv_buf_add(&h, head, n) || (r->headers.len && cv_buf_add(&h, r->headers.p, r->headers.len))) {
		cv_buf_release(&h);
		return;
	}
	cv_rc_keep(r->rc_key, r->rc_klen, &r->rc_stamp, r->now, r->tok.expires, &r->rl_ask, h.p, h.len, r->out.p,
		   r->out.len);
	cv_buf_release(&h);
}

/*
 * An API read's validators: "Cache-Control: private, no-cache" (a cache
 * may keep it for this user only, and must ask again before reusing it)
 * and a strong ETag, a hash of the body. A request whose If-None-Match
 * names it gets 304 and no body: a client that polls pays a round trip,
 * not the transfer.
 */
static void set_validators(struct cv_req *r)
{
	static const char hex[] = "0123456789abcdef";
	const char *inm = FCGX_GetParam("HTTP_IF_NONE_MATCH", r->fcgi->envp);
	uint64_t h = cv_hash64(r->out.p, r->out.len);
	char etag[19];

	etag[0] = '"';
	for (int i = 0; i < 16; i++)
		etag[1 + i] = hex[(h >> (60 - 4 * i)) & 15];
	etag[17] = '"';
	etag[18] = '\0';
	cv_header(r, "Cache-Control", "private, no-cache");
	cv_header(r, "ETag", etag);
	if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
		r->status = 304;
		cv_buf_reset(&r->out);
	}
}

/*
 * A write on a replicated site that is not its group's master (db/repl.h)
 * is sent to the master's own site URL, method and body kept (307); while
 * no master is known (an election, cvrepl down), 503 with Retry-After.
 */
static int repl_elsewhere(struct cv_req *r, const char *uri)
{
	struct cv_repl_view v;
	char loc[CV_REPL_TEXT + CV_PATH_MAX];

	cv_store_role(r->store, &v);
	if (v.role == CV_ROLE_REPLICA && v.url[0] &&
	    (size_t)snprintf(loc, sizeof(loc), "%s%s", v.url, uri) < sizeof(loc)) {
		cv_header(r, "Location", loc);
		cv_header(r, "Cache-Control", "no-store");
		return cv_fail(r, 307, CV_C_GENERIC, "this site is a replica: changes are made at its group's master, %s",
			       v.url);
	}
	cv_header(r, "Retry-After", "2");
	return cv_fail(r, 503, CV_C_UNAVAILABLE, "this site takes no changes now: its replication group has no "
		       "master it knows of (an election may be under way); retry");
}

/*
 * Read-your-writes (doc/api.md "Replication"): a write's 2xx on a
 * replicated master carries its commit token in Cvapi-Commit; a request
 * that names one in Cvapi-Read-After is answered on a replica once the
 * site has applied that commit, waiting up to READ_AFTER_WAIT_MS, else
 * 503 with Retry-After (a front retries elsewhere). The wait is short
 * next to the watchdog (CV_REPL_WATCHDOG_MIN s at least on a replicated site). Malformed: 400 on any
 * site, so a client finds its mistake before it meets a replica.
 */
#define READ_AFTER_WAIT_MS 3000
static int read_after_check(struct cv_req *r)
{
	const char *tok = FCGX_GetParam("HTTP_CVAPI_READ_AFTER", r->fcgi->envp);

	r->read_after = NULL;
	if (!tok)
		return 0;
	if (cv_store_applied(r->store, tok, 0) == CV_EINVAL)
		return cv_fail(r, 400, CV_C_BAD_HEADER, "Cvapi-Read-After: not a commit token (the %d characters "
			       "of a Cvapi-Commit header)", CV_STORE_TOKEN_TEXT);
	if (r->store->replicated && cv_store_role(r->store, NULL) != CV_ROLE_MASTER) {
		r->read_after = tok;
		/* what replication applied may not have reached the answer caches yet */
		r->rc_skip = true;
	}
	return 0;
}

/* The wait itself, once the client is known and counted (a wait costs a process). */
static int read_after_wait(struct cv_req *r)
{
	const char *tok = r->read_after;

	r->read_after = NULL;
	if (!tok || cv_store_applied(r->store, tok, READ_AFTER_WAIT_MS) == CV_OK)
		return 0;
	cv_header(r, "Retry-After", "1");
	return cv_fail(r, 503, CV_C_UNAVAILABLE, "this site has not yet applied the change named by "
		       "Cvapi-Read-After; retry (or read at the master)");
}

int cv_read_after_again(struct cv_req *r, bool *again)
{
	const char *tok = r->read_after;
	int st;

	*again = false;
	if (!tok)
		return 0;
	st = cv_guess_check(r, 'r', NULL);
	if (st)
		return st;
	r->read_after = NULL;
	*again = cv_store_applied(r->store, tok, READ_AFTER_WAIT_MS) == CV_OK;
	if (!*again)
		cv_guess_failed(r, 'r', NULL);
	return 0;
}

/*
 * GET and HEAD change nothing a client asked for; anything else is a
 * write. A device's report is a write whatever its method (the OsmAnd
 * protocol sends fixes with GET too).
 */
static bool is_read(const struct cv_req *r)
{
	return (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) && r->route->auth != CV_AUTH_DEVICE;
}

static void handle(struct cv_req *r, const struct cv_route *routes)
{
	char **envp = r->fcgi->envp;
	const char *uri = FCGX_GetParam("REQUEST_URI", envp);
	const char *qm;
	const struct cv_route *rt, *path_match = NULL;
	int st = 0;

	r->method = FCGX_GetParam("REQUEST_METHOD", envp);
	if (!r->method)
		r->method = "GET";
	if (!uri)
		uri = "/";
	qm = strchr(uri, '?');
	r->raw_path = uri;
	r->raw_path_len = qm ? (size_t)(qm - uri) : strlen(uri);
	r->query_string = qm ? qm + 1 : "";
	if (!cv_pct_decode(uri, r->raw_path_len, r->path, sizeof(r->path), false)) {
		cv_strlcpy(r->path, "(malformed)", sizeof(r->path));
		st = cv_fail(r, 400, CV_C_BAD_PARAM, "malformed or overlong path");
		goto out;
	}
	cv_set_base(r);
	cv_wd_what(r->method, r->path);
	for (rt = routes; rt->method; rt++) {
		int m = cv_route_match(r, rt->pattern);

		if (m < 0) {
			st = cv_fail(r, 400, CV_C_BAD_ID, "malformed path segment");
			goto out;
		}
		if (!m)
			continue;
		path_match = rt;
		if (!strcmp(rt->method, r->method) || (!strcmp(r->method, "HEAD") && !strcmp(rt->method, "GET")))
			break;
	}
	if (!rt->method) {
		if (path_match) {
			cv_header(r, "Allow", path_match->method);
			st = cv_fail(r, 405, CV_C_METHOD, "%s is not allowed here", r->method);
		} else {
			st = cv_fail(r, 404, CV_C_NO_ROUTE, "no such resource");
		}
		goto out;
	}
	r->route = rt;
	r->rc_try = r->rc_ok = false;
	if (r->store->replicated && !is_read(r)) {
		if (cv_store_role(r->store, NULL) != CV_ROLE_MASTER) {
			st = repl_elsewhere(r, uri);
			goto out;
		}
		cv_store_repl_ready(r->store);
	}
	r->rc_skip = false;
	st = read_after_check(r);
	if (st)
		goto out;
	st = rc_lookup(r);
	if (st < 0) {
		req_release(r);
		return;
	}
	if (st)
		goto out;
	/* who asks, from the headers, before a body is read: an unknown
	 * client's body costs a read and a drop, never a parse */
	st = cv_query_parse(r);
	if (!st)
		st = cv_body_check(r);
	if (!st)
		st = cv_ids_check(r, true);
	cv_wd_store();
	if (!st && rt->auth == CV_AUTH_USER)
		st = cv_auth_user(r);
	if (!st && rt->auth == CV_AUTH_FLEET)
		st = cv_auth_fleet(r);
	if (!st && rt->auth == CV_AUTH_VEHICLE)
		st = cv_auth_vehicle(r);
	/* counted once who asks is known; a refusal reads and writes nothing more */
	if (!st)
		st = cv_quota_take(r);
	if (!st)
		st = read_after_wait(r);
	/* the disk's reserve: an authenticated write is refused, reads go on
	 * (the token endpoint's few records are not: a user can still log in
	 * to read; nor is a DELETE, which is how a tenant frees space) */
	if (!st && rt->auth != CV_AUTH_NONE && !is_read(r) && strcmp(r->method, "DELETE") && cv_store_low(r->store))
		st = cv_fail(r, 507, CV_C_FULL, "the store's disk is nearly full: writes are refused until space "
			     "is freed; reads go on");
	if (!st)
		st = cv_ids_check(r, false);
	if (!st)
		st = cv_body_read(r);
	if (!st) {
		uint64_t unacked = cv_store_unacked(), commits = cv_store_commits();

		r->status = 200;
		r->ctype = "application/hal+json";
		st = rt->fn(r);
		/*
		 * A write answered without a commit of its own (a duplicate
		 * upload, an Idempotency-Key replay) stands on an earlier one,
		 * perhaps the one whose 503 the client is retrying: a barrier
		 * commit proves the replicas have it too.
		 */
		bool unsure = !st && r->status < 300 && !is_read(r) && r->store->replicated &&
			      cv_store_commits() == commits && cv_store_repl_barrier(r->store) != CV_OK;

		/*
		 * A commit the replicas did not acknowledge is on this site's
		 * disk only, and a failover may roll it back: no 2xx for it.
		 * The client's retry is safe (uploads by messageId, creations
		 * by Idempotency-Key).
		 */
		if (!st && r->status < 300 && !is_read(r) && (unsure || cv_store_unacked() != unacked)) {
			cv_buf_reset(&r->headers);
			cv_header(r, "Retry-After", "1");
			st = cv_fail(r, 503, CV_C_UNAVAILABLE, "the change is stored here but not yet acknowledged by "
				     "enough sites of the replication group to survive a failure: retry it");
		}
		if (!st && r->status < 300 && !is_read(r) && r->store->replicated && cv_store_commits() != commits) {
			char tok[CV_STORE_TOKEN_TEXT + 1];

			if (cv_store_last_token(tok, sizeof(tok)))
				cv_header(r, "Cvapi-Commit", tok);
		}
	}
	if (!st && r->status == 200 && (rt->auth == CV_AUTH_USER || rt->auth == CV_AUTH_FLEET) &&
	    (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")))
		set_validators(r);
	if (!st && r->status == 200 && r->rc_ok) {
		rc_keep(r);
		if (rc_trace)
			cv_header(r, "X-Cvapi-Cache", "miss");
	}
out:
	(void)st;
	cv_quota_headers(r, &r->headers);
	cv_body_drop(r);
	cv_wd_reply(r->fcgi->ipcFd);
	cv_store_outside(r->store, true);
	send_response(r);
	req_release(r);
}

static void usage(const char *prog, const char *summary, FILE *f)
{
	fprintf(f,
		"Usage: %s [--help] [--version]\n"
		"%s\n"
		"A FastCGI responder: the web server starts it (see etc/); it reads the\n"
		"store in $CVAPI_HOME. See %s(8).\n", prog, summary, prog);
}

int cv_serve(int argc, char **argv, const char *prog, const char *summary, const struct cv_route *routes)
{
	struct cv_store store;
	FCGX_Request fr;
	struct sigaction sa;
	const char *home;
	struct cv_req r;
	unsigned watchdog, client;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			usage(prog, summary, stdout);
			return 0;
		}
		if (!strcmp(argv[1], "--version")) {
			printf("%s (cvapi) %s\n", prog, PACKAGE_VERSION);
			return 0;
		}
		usage(prog, summary, stderr);
		return 2;
	}
	for (const struct cv_route *rt = routes; rt->method; rt++) {
		char bad[32];

		if (!cv_route_names_ok(rt->pattern, bad, sizeof(bad))) {
			fprintf(stderr, "%s: the route %s %s captures {%s}, which is no kind of path id (req.h)\n",
				prog, rt->method, rt->pattern, bad);
			return 1;
		}
	}
	if (FCGX_IsCGI()) {
		fprintf(stderr, "%s: not started as a FastCGI responder (no socket on stdin)\n", prog);
		usage(prog, summary, stderr);
		return 2;
	}
	home = getenv("CVAPI_HOME");
	if (!home || !*home)
		home = CV_STATEDIR "/db";
	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The watchdog (watchdog.h): store work that takes more than
	 * `watchdog` seconds (default 3; a lock wait gives up after 2), or an
	 * opening of the store (recovery included) that takes more than 30 s
	 * (alarm), ends the process with SIGALRM (default action, which no
	 * wait inside Berkeley DB can ignore), and the web server starts a
	 * fresh one: a survivor of a peer's crash can otherwise hang for good
	 * on a mutex the dead process held. Waiting on the client (a body, an
	 * answer) has its own deadline, `client` seconds, which ends the
	 * request, never the process.
	 */
	{
		const char *base = getenv("CVAPI_BASE_URL");

		if (base && *base && !cv_base_url_set(base))
			fprintf(stderr, "%s: CVAPI_BASE_URL=\"%.80s\" is not http(s)://host[:port] with no path: "
				"links follow each request's Host\n", prog, base);
	}
	if (cv_clock_offset())
		fprintf(stderr, "%s: CVAPI_CLOCK: the wall clock is shifted by %lld ms (a test setting)\n", prog,
			(long long)cv_clock_offset());
	watchdog = (unsigned)cv_setting_int(prog, "CVAPI_WATCHDOG", 1, 3600, 3);
	client = (unsigned)cv_setting_int(prog, "CVAPI_CLIENT_TIMEOUT", 1, 3600, 20);
	cv_rc_setup((size_t)cv_setting_int(prog, "CVAPI_CACHE", 0, CV_RC_MAX, CV_RC_DEFAULT));
	rc_trace = getenv("CVAPI_CACHE_TRACE") && !strcmp(getenv("CVAPI_CACHE_TRACE"), "1");
	cv_store_set_reserve((uint64_t)cv_setting_int(prog, "CVAPI_STORE_RESERVE", 0, 1048576, CV_STORE_RESERVE_DEFAULT));
	cv_purge_every_ms = cv_setting_int(prog, "CVAPI_PURGE_EVERY", 0, 86400, cv_purge_every_ms / 1000) * 1000;
	cv_engine_note_max((size_t)cv_setting_int(prog, "CVAPI_NOTE_MAX", CV_ENGINE_NOTE_MIN, CV_NOTE_BODY_MAX,
					      CV_NOTE_BODY_MAX));
	signal(SIGALRM, SIG_DFL);
	alarm(watchdog > 30 ? watchdog : 30);
	if (cv_store_owner(home))
		return 1;
	{
		enum cv_err e = cv_store_open(&store, home, 0);

		/* told to stop meanwhile (an interrupted DB_REGISTER wait): a
		 * clean stop; a panicked store: 75, as when one is found later
		 * (req.h) */
		if (e)
			return cv_stop ? 0 : e == CV_EPANIC ? CV_EXIT_RECOVER : 1;
	}
	alarm(0);
	/*
	 * On a replicated site store work may wait: a commit on the master
	 * for the replicas' acknowledgement (up to the ack timeout), any call
	 * for a replication lockout (a role change, a sync: Berkeley DB checks
	 * every 5 s). The watchdog gives it cv_store_watchdog_floor(), or the
	 * site's own processes would end themselves in a failover, and the
	 * recovery their deaths cost would end the site's replication
	 * listener too.
	 */
	{
		unsigned floor = cv_store_watchdog_floor(&store);

		if (watchdog < floor) {
			/* said only when the host asked for less */
			if (getenv("CVAPI_WATCHDOG"))
				fprintf(stderr, "%s: CVAPI_WATCHDOG raised to %u s on a replicated site\n", prog, floor);
			watchdog = floor;
		}
	}
	cv_quota_setup(prog, home);
	cv_wd_start(watchdog, client);
	FCGX_Init();
	FCGX_InitRequest(&fr, 0, 0);
	hop_unix = listens_unix();
	memset(&r, 0, sizeof(r));
	/*
	 * Outside Berkeley DB (store.h) while waiting for a request and while
	 * sending an answer: a death there costs this process alone.
	 */
	cv_store_outside(&store, true);
	while (!cv_stop && FCGX_Accept_r(&fr) >= 0) {
		cv_store_outside(&store, false);
		cv_wd_client(fr.ipcFd);
		memset(&r, 0, offsetof(struct cv_req, out));
		cv_buf_reset(&r.out);
		cv_buf_reset(&r.headers);
		cv_buf_reset(&r.scratch);
		r.fcgi = &fr;
		r.store = &store;
		r.prog = prog;
		r.now = cv_now_ms();
		handle(&r, routes);
		/* the whole answer, end of request included, while the reply
		 * deadline holds; the connection is closed only once idle */
		FCGX_FClose(fr.err);
		FCGX_FClose(fr.out);
		finish_request(&r);
		cv_store_outside(&store, false);
		cv_wd_store();
		/* after a large request, the memory goes back to the system: a
		 * process keeps what a usual request needs, not its largest */
		if (r.body_bytes > CV_TRIM_AFTER || r.out.cap > CV_TRIM_AFTER || r.scratch.cap > CV_TRIM_AFTER) {
			if (r.out.cap > CV_TRIM_AFTER)
				cv_buf_release(&r.out);
			if (r.scratch.cap > CV_TRIM_AFTER)
				cv_buf_release(&r.scratch);
			malloc_trim(0);
		}
		/* housekeeping writes: the master's (or a lone store's) alone */
		if (cv_store_role(&store, NULL) <= CV_ROLE_MASTER) {
			sweep_tick(&store, prog);
			purge_tick(&store, prog, cv_now_ms());
		}
		if (cv_req_stale) {
			/* a replica resynchronized under this process: fresh handles in a fresh process */
			fprintf(stderr, "cvapi[%s]: the store's handles went stale: exiting to be restarted\n", prog);
			break;
		}
		if (cv_req_panicked || cv_store_maintain(&store, cv_now_ms()) == CV_EPANIC) {
			/*
			 * Leave at once, handles open: this process's slot in
			 * the environment's registry stays, naming a process
			 * that died with the store open, and the first
			 * replacement to open the store recovers it. Closing
			 * would empty the slot; when nobody else died, the
			 * replacements would then join the panicked
			 * environment again and again, with nobody to recover
			 * it (t/api/panic.mjs). Where the panic comes from a
			 * recovery under way, that recovery has emptied the
			 * slot already, and no second one follows.
			 */
			fprintf(stderr, "cvapi[%s]: the store needs recovery: exiting to be restarted\n", prog);
			fflush(stderr);
			_exit(CV_EXIT_RECOVER);
		}
		cv_wd_idle();
		cv_store_outside(&store, true);
	}
	cv_buf_release(&r.out);
	cv_buf_release(&r.headers);
	cv_buf_release(&r.scratch);
	FCGX_Free(&fr, 1);
	cv_rc_free();
	cv_quota_close();
	cv_store_close(&store);
	return 0;
}

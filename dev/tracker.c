/* tracker.c - one Teltonika tracker's connection (see tracker.h). */
#include "config.h"
#include "tracker.h"
#include "tksample.h"
#include "devices.h"
#include "ingest.h"
#include "cvtime.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "cvteltonika"
/* a record more than this ahead of the clock is not stored (the vehicle link's allowance) */
#define FUTURE_MS (5 * 60 * 1000LL)
/* nor one before 2000 (a tracker without a time yet sends 1970) */
#define PAST_MS 946684800000LL

static void leave_on_panic(enum cv_err e)
{
	if (e == CV_EPANIC) {
		fprintf(stderr, PROG ": the store needs recovery: exiting for the supervisor to start it again\n");
		_exit(CV_EXIT_RECOVER);
	}
}

/* Send all of p or nothing useful: a tracker that does not take a few bytes is dropped. */
static bool send_all(struct tkd_conn *c, const void *p, size_t n)
{
	ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w == (ssize_t)n)
		return true;
	fprintf(stderr, PROG ": %s IMEI %s: cannot send %zu bytes (%s): closed\n", c->peer, c->imei[0] ? c->imei : "-", n,
		w < 0 ? strerror(errno) : "a partial send");
	return false;
}

static void consume(struct tkd_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* ---- unknown IMEIs, said sparingly ------------------------------------------ */

#define UNKNOWN_SLOTS 64
#define UNKNOWN_AGAIN_MS (10 * 60 * 1000LL)
#define UNKNOWN_PER_MIN 10

static struct {
	char imei[CV_TK_IMEI_MAX + 1];
	int64_t at;
} unknown[UNKNOWN_SLOTS];
static int64_t unknown_minute;
static unsigned unknown_said, unknown_quiet;

void tkd_log_unknown(const char *imei, const char *peer, int64_t mono)
{
	unsigned h = 0;

	for (const char *p = imei; *p; p++)
		h = h * 31 + (unsigned char)*p;
	h %= UNKNOWN_SLOTS;
	if (!strcmp(unknown[h].imei, imei) && mono - unknown[h].at < UNKNOWN_AGAIN_MS)
		return;
	if (mono - unknown_minute >= 60000) {
		if (unknown_quiet)
			fprintf(stderr, PROG ": %u more handshakes of unknown IMEIs refused in the last minute\n", unknown_quiet);
		unknown_minute = mono;
		unknown_said = unknown_quiet = 0;
	}
	if (unknown_said >= UNKNOWN_PER_MIN) {
		unknown_quiet++;
		return;
	}
	unknown_said++;
	cv_strlcpy(unknown[h].imei, imei, sizeof(unknown[h].imei));
	unknown[h].at = mono;
	fprintf(stderr, PROG ": %s: IMEI %s is no registered device (cvctl vehicle device VIN teltonika:IMEI): "
		"refused (said once in 10 minutes)\n", peer, imei);
}

/* ---- the handshake ------------------------------------------------------------ */

/* 1: answered and known; 0: more bytes needed; -1: close. */
static int hello(struct tkd_ctx *x, struct tkd_conn *c)
{
	struct cv_tk_imei im;
	struct cv_device d = { .kind = CV_DEV_TELTONIKA };
	uint8_t answer = CV_TK_IMEI_REFUSE;
	enum cv_err e = CV_ENOTFOUND;
	enum cv_tk_res r = cv_tk_imei_scan(c->buf, c->len, &im);

	if (r == CV_TK_NEED_MORE)
		return 0;
	if (r == CV_TK_MALFORMED) {
		fprintf(stderr, PROG ": %s: not a handshake (%s): closed\n", c->peer, im.why);
		x->refused++;
		return -1;
	}
	cv_strlcpy(c->imei, im.digits, sizeof(c->imei));
	if (cv_device_id_ok(CV_DEV_TELTONIKA, im.digits)) {
		cv_strlcpy(d.id, im.digits, sizeof(d.id));
		e = cv_device_vehicle(x->st, NULL, &d, c->vid);
		leave_on_panic(e);
	}
	if (!e)
		answer = CV_TK_IMEI_ACCEPT;
	else if (e == CV_ENOTFOUND)
		tkd_log_unknown(c->imei, c->peer, cv_mono_ms());
	else
		fprintf(stderr, PROG ": %s IMEI %s: the registry: %s: closed\n", c->peer, c->imei, cv_strerror(e));
	/* a store that failed: no answer at all, the tracker tries again later */
	if (e && e != CV_ENOTFOUND)
		return -1;
	if (!send_all(c, &answer, 1) || e) {
		x->refused++;
		return -1;
	}
	consume(c, im.len);
	c->state = TKD_AVL;
	x->claimed(c);
	return 1;
}

/* ---- AVL packets ---------------------------------------------------------------- */

static int by_time(const void *a, const void *b)
{
	const struct cv_sample *p = a, *q = b;

	return p->at < q->at ? -1 : p->at > q->at;
}

/* What the newest record says of the vehicle, for the immobilization's wait. */
static void remember(struct tkd_conn *c, const struct cv_tk_record *r)
{
	bool on;
	uint64_t v;

	if (r->at_ms < c->last_record)
		return;
	c->last_record = r->at_ms;
	c->ignition = cv_tk_ignition(r, &on) ? on : -1;
	c->movement = cv_tk_movement(r, &on) ? on : -1;
	if (r->valid)
		c->speed_kmh = r->speed_kmh;
	else if (cv_tk_io_uint(r, CV_TK_IO_CAN_SPEED, &v) && v <= 255)
		c->speed_kmh = (int32_t)v;
	else
		c->speed_kmh = -1;
}

static struct cv_tk_record rec;
static struct cv_sample samples[255];

/* The records of packet pk (COMPLETE, Codec 8 or 8E), stored: false to close. */
static bool avl(struct tkd_ctx *x, struct tkd_conn *c, const struct cv_tk_packet *pk)
{
	struct cv_tk_avl rd;
	struct cv_ingest b;
	int64_t now = cv_now_ms();
	size_t n = 0, dropped = 0;
	uint8_t ack[4];
	enum cv_err e = CV_OK;

	cv_tk_avl_open(&rd, c->buf, pk);
	while (n < CV_ARRAY_LEN(samples) && cv_tk_avl_next(&rd, &rec)) {
		if (rec.at_ms > now + FUTURE_MS || rec.at_ms < PAST_MS) {
			dropped++;
			continue;
		}
		remember(c, &rec);
		if (cv_tk_sample(&rec, &samples[n]))
			n++;
	}
	if (dropped)
		fprintf(stderr, PROG ": IMEI %s: %zu records timed before 2000 or over 5 minutes ahead: acknowledged, "
			"not stored (the tracker's clock)\n", c->imei, dropped);
	if (n) {
		if (cv_store_low(x->st)) {
			fprintf(stderr, PROG ": IMEI %s: the store's disk is under its reserve: records not taken, closed\n",
				c->imei);
			return false;
		}
		qsort(samples, n, sizeof(samples[0]), by_time);
		b = (struct cv_ingest){ .vehicle = c->vid, .msgid = "teltonika", .samples = samples, .n = n, .now = now,
					.device = true, .sample_ids = true };
		e = cv_ingest_batch(x->st, &b);
		leave_on_panic(e);
		if (e) {
			fprintf(stderr, PROG ": IMEI %s: %u records not stored (%s): closed unacknowledged\n", c->imei,
				pk->count, cv_strerror(e));
			return false;
		}
		x->records += b.duplicate ? 0 : b.n;
		x->duplicates += b.duplicate ? n : n - b.n;
	}
	cv_tk_ack(pk->count, ack);
	return send_all(c, ack, sizeof(ack));
}

/* ---- Codec 12 --------------------------------------------------------------------- */

static bool contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (!k)
		return true;
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(p + i, s, k))
			return true;
	return false;
}

/* The response text, printable, for the log. */
static void printable(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < outsz; i++)
		out[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	out[j] = '\0';
}

static void response(struct tkd_ctx *x, struct tkd_conn *c, const struct cv_tk_packet *pk)
{
	struct cv_remote_in in = { 0 };
	struct cv_action *a;
	char text[128];
	int steps;
	enum cv_err e;

	printable(pk->text, pk->text_len, text, sizeof(text));
	if (!c->rid[0]) {
		fprintf(stderr, PROG ": IMEI %s: a Codec 12 response to no command of cvapi's: \"%s\"\n", c->imei, text);
		return;
	}
	in.outcome = contains(pk->text, pk->text_len, c->cmd->ok) ? CV_RS_SUCCESS : CV_RS_FAILED;
	if (in.outcome == CV_RS_FAILED)
		in.refuse = CV_RC_VEHICLE;
	a = cv_calloc(1, sizeof(*a));
	e = cv_action_report(x->st, c->vid, c->rid, CV_RE_RESULT, &in, cv_now_ms(), a, &steps);
	leave_on_panic(e);
	fprintf(stderr, PROG ": IMEI %s: action %s: \"%s\" answered \"%s\": %s%s%s\n", c->imei, c->rid, c->cmd->text, text,
		e ? cv_strerror(e) : cv_remote_status_names[a->sm.status], a->sm.cause ? " " : "",
		cv_remote_cause_names[a->sm.cause]);
	free(a);
	c->rid[0] = '\0';
	c->cmd = NULL;
}

bool tkd_input(struct tkd_ctx *x, struct tkd_conn *c)
{
	for (;;) {
		struct cv_tk_packet pk;
		enum cv_tk_res r;

		if (c->state == TKD_HELLO) {
			int h = hello(x, c);

			if (h <= 0)
				return h == 0;
			continue;
		}
		r = cv_tk_scan(c->buf, c->len, &pk);
		if (r == CV_TK_NEED_MORE)
			return true;
		if (r == CV_TK_MALFORMED) {
			fprintf(stderr, PROG ": %s IMEI %s: %s: closed, nothing stored\n", c->peer, c->imei, pk.why);
			x->refused++;
			return false;
		}
		if (pk.codec == CV_TK_CODEC12)
			response(x, c, &pk);
		else if (!avl(x, c, &pk))
			return false;
		consume(c, pk.len);
		if (!tkd_dispatch(x, c))
			return false;
	}
}

/* ---- commands ---------------------------------------------------------------------- */

struct pick {
	struct cv_action a;
	bool found;
};

static int pick_one(const struct cv_action *a, void *arg)
{
	struct pick *p = arg;

	if (a->rm.type != CV_RT_IMMOBILIZATION)
		return 0;
	p->a = *a;
	p->found = true;
	return 1;
}

/* The immobilization's "activate" (its action's compact JSON); false when it says nothing readable. */
static bool activate_of(const struct cv_action *a, bool *on)
{
	json_object *o = json_tokener_parse(a->rm.action), *v;
	bool ok = o && json_object_object_get_ex(o, "activate", &v) && json_object_is_type(v, json_type_boolean);

	if (ok)
		*on = json_object_get_boolean(v);
	json_object_put(o);
	return ok;
}

/* Standing still or ignition off, from the last record: an immobilizer may cut the engine then. */
static bool safe_to_immobilize(const struct tkd_conn *c)
{
	if (c->ignition == 0)
		return true;
	return c->speed_kmh == 0 && c->movement != 1;
}

bool tkd_dispatch(struct tkd_ctx *x, struct tkd_conn *c)
{
	static const struct cv_remote_in none = { 0 };
	struct pick *p;
	const struct tkd_cmd *cmd;
	uint8_t out[CV_TK_MAX_PACKET];
	size_t n;
	bool on = false, ok = true;
	int steps;
	enum cv_err e;

	if (c->state != TKD_AVL || c->rid[0])
		return true;
	p = cv_calloc(1, sizeof(*p));
	e = cv_action_pending(x->st, c->vid, cv_now_ms(), pick_one, p);
	leave_on_panic(e);
	if (e || !p->found)
		goto done;
	if (!activate_of(&p->a, &on)) {
		fprintf(stderr, PROG ": IMEI %s: action %s: unreadable: left to time out\n", c->imei, p->a.id);
		goto done;
	}
	/* activating waits for a standstill; releasing goes at once */
	if (on && !safe_to_immobilize(c))
		goto done;
	cmd = on ? &x->cmds->immo_on : &x->cmds->immo_off;
	if (cv_tk_c12_encode(CV_TK_C12_COMMAND, cmd->text, strlen(cmd->text), out, sizeof(out), &n))
		goto done;              /* the settings were checked at start */
	/* SentToVehicle first: the transaction says whether it may still go (its deadline) */
	e = cv_action_report(x->st, c->vid, p->a.id, CV_RE_ACK, &none, cv_now_ms(), &p->a, &steps);
	leave_on_panic(e);
	if (e || p->a.sm.status != CV_RS_SENT) {
		fprintf(stderr, PROG ": IMEI %s: action %s not sent: %s\n", c->imei, p->a.id,
			e ? cv_strerror(e) : cv_remote_status_names[p->a.sm.status]);
		goto done;
	}
	ok = send_all(c, out, n);
	if (ok) {
		cv_strlcpy(c->rid, p->a.id, sizeof(c->rid));
		c->cmd = cmd;
		fprintf(stderr, PROG ": IMEI %s: action %s: sent \"%s\"\n", c->imei, c->rid, cmd->text);
	}
done:
	free(p);
	return ok;
}

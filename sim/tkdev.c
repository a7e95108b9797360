/* tkdev.c - a simulated Teltonika tracker (see tkdev.h). */
#include "teltonika.h"
#include "tkdev.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 15000                   /* an answer of the server, at most */
#define REC_MAX 255

void sim_tk_init(struct sim_tk *t, const char *host, const char *port, const char *imei)
{
	memset(t, 0, sizeof(*t));
	t->host = host;
	t->port = port;
	cv_strlcpy(t->imei, imei, sizeof(t->imei));
	t->fd = -1;
}

static void drop(struct sim_tk *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

void sim_tk_release(struct sim_tk *t)
{
	drop(t);
}

static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* n bytes, waiting WAIT_MS at most for each read; false on a timeout, an error or a close. */
static bool recv_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pf, 1, WAIT_MS) <= 0)
			return false;
		r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* Connect and shake hands: SIM_UP_OK, REFUSED (00), FAILED. */
static enum sim_up_status connect_tk(struct sim_tk *t, char *err, size_t errsz)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai, *a;
	uint8_t hello[2 + SIM_TK_IMEI_LEN], answer;
	size_t il = strlen(t->imei);
	int r = getaddrinfo(t->host, t->port, &hints, &ai);

	if (r) {
		snprintf(err, errsz, "teltonika %s:%s: %s", t->host, t->port, gai_strerror(r));
		return SIM_UP_FAILED;
	}
	for (a = ai; a && t->fd < 0; a = a->ai_next) {
		t->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (t->fd >= 0 && connect(t->fd, a->ai_addr, a->ai_addrlen))
			drop(t);
	}
	freeaddrinfo(ai);
	if (t->fd < 0) {
		snprintf(err, errsz, "teltonika %s:%s: cannot connect: %s", t->host, t->port, strerror(errno));
		return SIM_UP_FAILED;
	}
	hello[0] = (uint8_t)(il >> 8);
	hello[1] = (uint8_t)il;
	memcpy(hello + 2, t->imei, il);
	if (!send_all(t->fd, hello, 2 + il) || !recv_all(t->fd, &answer, 1)) {
		snprintf(err, errsz, "teltonika IMEI %s: no answer to the handshake", t->imei);
		drop(t);
		return SIM_UP_FAILED;
	}
	if (answer != 1) {
		snprintf(err, errsz, "teltonika IMEI %s: refused by the server (not registered: cvctl vehicle device)", t->imei);
		drop(t);
		return SIM_UP_REFUSED;
	}
	return SIM_UP_OK;
}

/* ---- packets -------------------------------------------------------------------- */

static size_t put(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
	return (size_t)n;
}

/* One record of s at p (Codec 8 or 8 Extended): its length. */
static size_t record(const struct cv_sample *s, bool ext, uint8_t *p)
{
	int w = ext ? 2 : 1;
	bool pos = CV_HAS(s, CV_G_POS), ign = CV_HAS(s, CV_G_IGN);
	unsigned speed = CV_HAS(s, CV_G_KIN) ? (s->speed_dkmh + 5) / 10 : 0;
	unsigned n1 = 1 + ign, n2 = CV_HAS(s, CV_G_BATT12), n4 = CV_HAS(s, CV_G_ODO);
	size_t o = 0;

	o += put(p + o, (uint64_t)s->at, 8);
	p[o++] = 0;                                                     /* priority: low */
	o += put(p + o, (uint32_t)(pos ? s->lon_e7 : 0), 4);
	o += put(p + o, (uint32_t)(pos ? s->lat_e7 : 0), 4);
	o += put(p + o, (uint16_t)(pos ? s->alt_m : 0), 2);
	o += put(p + o, pos ? s->heading : 0, 2);
	p[o++] = pos ? (s->fix == CV_FIX_3D ? 9 : 3) : 0;              /* satellites */
	o += put(p + o, pos ? speed : 0, 2);
	o += put(p + o, 0, w);                                          /* event id: a periodic record */
	o += put(p + o, n1 + n2 + n4, w);
	o += put(p + o, n1, w);
	o += put(p + o, CV_TK_IO_MOVEMENT, w);
	p[o++] = speed > 0;
	if (ign) {
		o += put(p + o, CV_TK_IO_IGNITION, w);
		p[o++] = s->ignition != CV_IGN_STOP;
	}
	o += put(p + o, n2, w);
	if (n2) {
		o += put(p + o, CV_TK_IO_EXT_VOLTAGE, w);
		o += put(p + o, s->batt_mv, 2);
	}
	o += put(p + o, n4, w);
	if (n4) {
		o += put(p + o, CV_TK_IO_TOTAL_ODOMETER, w);
		o += put(p + o, (uint64_t)s->odo_hm * 100, 4);
	}
	o += put(p + o, 0, w);                                          /* 8-byte elements */
	if (ext)
		o += put(p + o, 0, 2);                                  /* variable-length ones */
	return o;
}

/* The largest record this writes. */
#define RECORD_MAX (8 + 1 + 15 + 2 * 7 + 3 * 2 + 4 + 6)

/* A packet of as many of s[0..n) as fit into out: how many went in (*len: the packet's bytes). */
static size_t packet(const struct cv_sample *s, size_t n, bool ext, uint8_t out[CV_TK_MAX_PACKET], size_t *len)
{
	size_t o = 8 + 2, k = 0;
	uint16_t crc;

	while (k < n && k < REC_MAX && o + RECORD_MAX + 1 <= 8 + CV_TK_MAX_DATA)
		o += record(&s[k++], ext, out + o);
	out[o++] = (uint8_t)k;
	put(out, 0, 4);
	put(out + 4, o - 8, 4);
	out[8] = ext ? CV_TK_CODEC8E : CV_TK_CODEC8;
	out[9] = (uint8_t)k;
	crc = cv_tk_crc16(out + 8, o - 8);
	o += put(out + o, crc, 4);
	*len = o;
	return k;
}

/* ---- commands -------------------------------------------------------------------- */

/* Answer the Codec 12 command at the start of buf (len bytes, whole): false if the answer cannot go. */
static bool answer(struct sim_tk *t, const uint8_t *buf, size_t len)
{
	struct cv_tk_packet pk;
	uint8_t out[CV_TK_MAX_PACKET];
	const char *reply = "Unknown command";
	size_t n;

	if (cv_tk_scan_command(buf, len, &pk) != CV_TK_COMPLETE)
		return false;
	if (pk.text_len == 11 && !memcmp(pk.text, "setdigout 1", 11))
		reply = "DOUT1:1 Timeout:INFINITY";
	else if (pk.text_len == 11 && !memcmp(pk.text, "setdigout 0", 11))
		reply = "DOUT1:0 Timeout:INFINITY";
	if (cv_tk_c12_encode(CV_TK_C12_RESPONSE, reply, strlen(reply), out, sizeof(out), &n))
		return false;
	t->commands++;
	return send_all(t->fd, out, n);
}

/*
 * A message from the server: the 4-byte acknowledgement (*ack) or a
 * Codec 12 command, answered. false when the connection broke.
 */
static bool next_message(struct sim_tk *t, uint32_t *ack, bool *got_ack)
{
	uint8_t buf[CV_TK_MAX_PACKET];
	size_t len;

	*got_ack = false;
	if (!recv_all(t->fd, buf, 4))
		return false;
	if (buf[0] | buf[1] | buf[2] | buf[3]) {
		*ack = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
		*got_ack = true;
		return true;
	}
	/* four zero bytes: a packet (a command), or an acknowledgement of 0 records, which cvapi never sends */
	if (!recv_all(t->fd, buf + 4, 4))
		return false;
	len = (size_t)buf[4] << 24 | (size_t)buf[5] << 16 | (size_t)buf[6] << 8 | buf[7];
	if (len > CV_TK_MAX_DATA || !recv_all(t->fd, buf + 8, len + 4))
		return false;
	return answer(t, buf, 12 + len);
}

bool sim_tk_poll(struct sim_tk *t)
{
	for (;;) {
		struct pollfd pf = { t->fd, POLLIN, 0 };
		uint32_t ack;
		bool got_ack;

		if (t->fd < 0)
			return true;
		if (poll(&pf, 1, 0) <= 0)
			return true;
		if (!next_message(t, &ack, &got_ack) || got_ack) {
			drop(t);
			return false;
		}
	}
}

enum sim_up_status sim_tk_send(struct sim_tk *t, const struct cv_sample *s, size_t n,
			       const volatile sig_atomic_t *stop, long *sent, char *err, size_t errsz)
{
	bool ext = (t->imei[SIM_TK_IMEI_LEN - 1] - '0') % 2 == 1;
	uint8_t out[CV_TK_MAX_PACKET];
	int tries = 0;

	*sent = 0;
	while (n) {
		enum sim_up_status st = SIM_UP_OK;
		size_t len, k;
		uint32_t ack = 0;
		bool got_ack = false;

		if (stop && *stop)
			return SIM_UP_STOPPED;
		if (t->fd < 0)
			st = connect_tk(t, err, errsz);
		if (st == SIM_UP_REFUSED)
			return st;
		if (st == SIM_UP_OK) {
			k = packet(s, n, ext, out, &len);
			if (!send_all(t->fd, out, len))
				st = SIM_UP_FAILED;
			/* commands may come before the acknowledgement */
			while (st == SIM_UP_OK && !got_ack)
				if (!next_message(t, &ack, &got_ack))
					st = SIM_UP_FAILED;
			if (st == SIM_UP_OK && ack != k) {
				snprintf(err, errsz, "teltonika IMEI %s: %zu records acknowledged as %u", t->imei, k, ack);
				drop(t);
				return SIM_UP_REFUSED;
			}
			if (st == SIM_UP_OK) {
				s += k;
				n -= k;
				*sent += (long)k;
				tries = 0;
				continue;
			}
			snprintf(err, errsz, "teltonika IMEI %s: no acknowledgement", t->imei);
		}
		drop(t);
		if (++tries >= SIM_UPLOAD_TRIES)
			return SIM_UP_FAILED;
		if (!sim_upload_sleep(100LL << tries, stop))
			return SIM_UP_STOPPED;
	}
	return SIM_UP_OK;
}

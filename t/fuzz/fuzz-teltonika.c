/*
 * fuzz-teltonika.c - libFuzzer harness for the Teltonika codec
 * (core/teltonika.c): what a tracker sends over its TCP connection.
 *
 * Build and run (from the source tree, or `make fuzz` in a build tree):
 *
 *   t/fuzz/build.sh . /tmp/fuzz
 *   cp -r t/fuzz/corpus/teltonika /tmp/fuzz/corpus-teltonika
 *   /tmp/fuzz/fuzz-teltonika -max_total_time=60 /tmp/fuzz/corpus-teltonika
 *
 * The seeds (t/fuzz/corpus/teltonika) are the worked examples of
 * Teltonika's protocol documentation, each an IMEI handshake then a
 * packet, as a device sends them.
 *
 * The input is read as a connection's bytes: a handshake (when there is
 * one), then packets one after the other, as the daemon reads them; then
 * the same bytes sealed into one packet (preamble, length and CRC made
 * right) so that the record parser is reached without the fuzzer having
 * to find CRCs; then as a Codec 12 command to encode. Besides crashes and
 * undefined behaviour it checks:
 *
 * - the answers are monotonic: NEED_MORE for every prefix up to the
 *   first COMPLETE or MALFORMED, then the same answer for every longer
 *   buffer (the same length for COMPLETE), and a reason with MALFORMED;
 * - a COMPLETE AVL packet yields exactly its count of records, each
 *   element a size of 1, 2, 4 or 8 whose value is the bytes at its offset,
 *   or a variable-length one inside the packet;
 * - a COMPLETE Codec 12 packet is the encoding of its text, byte for byte;
 * - a command that encodes scans back to its text.
 */
#include "teltonika.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Answers for this many bytes past the first final one are checked to be the same. */
#define TAIL 16

static struct cv_tk_record rec;
static uint8_t out[CV_TK_MAX_PACKET];

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The handshake at p: its length when COMPLETE, else 0; the prefixes' answers checked. */
static size_t imei(const uint8_t *p, size_t n)
{
	struct cv_tk_imei im, first;
	enum cv_tk_res end = CV_TK_NEED_MORE;
	size_t at = 0;

	memset(&first, 0, sizeof(first));

	for (size_t k = 0; k <= n; k++) {
		enum cv_tk_res r = cv_tk_imei_scan(p, k, &im);

		if (end == CV_TK_NEED_MORE) {
			if (r == CV_TK_NEED_MORE)
				continue;
			end = r;
			at = k;
			first = im;
		} else if (r != end || (r == CV_TK_COMPLETE && im.len != first.len)) {
			abort();
		}
		if (r == CV_TK_MALFORMED && !im.why)
			abort();
		if (r == CV_TK_COMPLETE) {
			size_t len = strlen(im.digits);

			if (len == 0 || len > CV_TK_IMEI_MAX || im.len != len + 2 || im.len > k ||
			    memcmp(im.digits, p + 2, len))
				abort();
			for (size_t i = 0; i < len; i++)
				if (im.digits[i] < '0' || im.digits[i] > '9')
					abort();
			(void)cv_tk_luhn_ok(im.digits);
		}
		if (end != CV_TK_NEED_MORE && k >= at + TAIL && k < n)
			k = n - 1;  /* then the whole buffer */
	}
	/* a handshake is at most 2 + 17 bytes */
	if (end == CV_TK_NEED_MORE && n >= 2 + CV_TK_IMEI_MAX)
		abort();
	return end == CV_TK_COMPLETE ? first.len : 0;
}

static void records(const uint8_t *p, const struct cv_tk_packet *pk)
{
	struct cv_tk_avl r;
	unsigned k = 0;
	uint8_t ack[4];

	cv_tk_avl_open(&r, p, pk);
	while (cv_tk_avl_next(&r, &rec)) {
		bool b;
		uint32_t u;
		unsigned pct;

		k++;
		if (rec.nio > CV_TK_MAX_IO || rec.at_ms < 0 || rec.valid != !(rec.sats == 0 && rec.speed_kmh == 0))
			abort();
		for (unsigned i = 0; i < rec.nio; i++) {
			const struct cv_tk_io *io = &rec.io[i];

			if ((size_t)io->off + io->size > pk->len - 5 || io->off < 10 + 24)
				abort();
			if (io->var) {
				if (pk->codec != CV_TK_CODEC8E || io->value)
					abort();
			} else if ((io->size != 1 && io->size != 2 && io->size != 4 && io->size != 8) ||
				   io->value != be(p + io->off, io->size) ||
				   (pk->codec == CV_TK_CODEC8 && io->id > 0xFF)) {
				abort();
			}
		}
		(void)cv_tk_ignition(&rec, &b);
		(void)cv_tk_movement(&rec, &b);
		(void)cv_tk_ext_voltage_mv(&rec, &u);
		(void)cv_tk_odometer_m(&rec, &u);
		(void)cv_tk_can_mileage_m(&rec, &u);
		if (cv_tk_fuel_pct(&rec, &pct) && pct > 100)
			abort();
	}
	if (k != pk->count || k == 0 || k > 255)
		abort();
	cv_tk_ack(pk->count, ack);
	if (be(ack, 4) != pk->count)
		abort();
}

/* What a COMPLETE packet must be. */
static void complete(const uint8_t *p, size_t n, const struct cv_tk_packet *pk, uint8_t c12type)
{
	size_t len;

	if (pk->len < 12 || pk->len > n || pk->len > CV_TK_MAX_PACKET || pk->len != 12 + be(p + 4, 4))
		abort();
	if (pk->codec == CV_TK_CODEC12) {
		if (pk->text != p + 15 || pk->text_len != pk->len - 20 || pk->count != 1)
			abort();
		/* a valid Codec 12 packet is the encoding of its text, nothing else */
		if (cv_tk_c12_encode(c12type, pk->text, pk->text_len, out, sizeof(out), &len) == CV_OK &&
		    (len != pk->len || memcmp(out, p, len)))
			abort();
	} else if (c12type == CV_TK_C12_RESPONSE && (pk->codec == CV_TK_CODEC8 || pk->codec == CV_TK_CODEC8E)) {
		records(p, pk);
	} else {
		abort();
	}
}

/* One packet at p[0..n) through scanner: its length when COMPLETE, else 0; the prefixes' answers checked. */
static size_t packet(const uint8_t *p, size_t n,
		     enum cv_tk_res (*scanner)(const uint8_t *, size_t, struct cv_tk_packet *), uint8_t c12type)
{
	struct cv_tk_packet pk, first;
	enum cv_tk_res end = CV_TK_NEED_MORE;
	size_t at = 0;

	memset(&first, 0, sizeof(first));
	for (size_t k = 0; k <= n; k++) {
		enum cv_tk_res r = scanner(p, k, &pk);

		if (end == CV_TK_NEED_MORE) {
			if (r == CV_TK_NEED_MORE)
				continue;
			end = r;
			at = k;
			first = pk;
			if (r == CV_TK_COMPLETE)
				complete(p, k, &pk, c12type);
		} else if (r != end || (r == CV_TK_COMPLETE && (pk.len != first.len || pk.count != first.count))) {
			abort();
		}
		if (r == CV_TK_MALFORMED && !pk.why)
			abort();
		if (end != CV_TK_NEED_MORE && k >= at + TAIL && k < n)
			k = n - 1;
	}
	/* no packet is longer than the ceiling: past it, an answer is final */
	if (end == CV_TK_NEED_MORE && n >= CV_TK_MAX_PACKET)
		abort();
	return end == CV_TK_COMPLETE ? first.len : 0;
}

/* The bytes made into one well-framed packet: preamble, length and CRC right. */
static void sealed(const uint8_t *data, size_t size)
{
	static uint8_t p[CV_TK_MAX_PACKET];
	struct cv_tk_packet pk;
	size_t n = size < sizeof(p) ? size : sizeof(p);
	size_t datalen;
	uint16_t crc;

	if (n < 12)
		return;
	memcpy(p, data, n);
	datalen = n - 12;
	memset(p, 0, 4);
	p[4] = 0;
	p[5] = 0;
	p[6] = (uint8_t)(datalen >> 8);
	p[7] = (uint8_t)datalen;
	crc = cv_tk_crc16(p + 8, datalen);
	p[n - 4] = 0;
	p[n - 3] = 0;
	p[n - 2] = (uint8_t)(crc >> 8);
	p[n - 1] = (uint8_t)crc;
	if (packet(p, n, cv_tk_scan, CV_TK_C12_RESPONSE) == 0) {
		(void)cv_tk_scan(p, n, &pk);
		/* framing and CRC are right: any refusal is about the contents */
		if (pk.why && (!strcmp(pk.why, "wrong CRC") || !strcmp(pk.why, "no preamble (4 zero bytes)") ||
			       !strcmp(pk.why, "data field over 1280 bytes")))
			abort();
	}
	(void)packet(p, n, cv_tk_scan_command, CV_TK_C12_COMMAND);
}

/* The first bytes as a command's text. */
static void command(const uint8_t *data, size_t size)
{
	struct cv_tk_packet pk;
	size_t n = size < 200 ? size : 200;
	size_t len;

	if (cv_tk_c12_encode(CV_TK_C12_COMMAND, data, n, out, sizeof(out), &len) != CV_OK)
		return;
	if (len != n + 20 || cv_tk_scan_command(out, len, &pk) != CV_TK_COMPLETE || pk.text_len != n ||
	    memcmp(pk.text, data, n))
		abort();
	if (cv_tk_scan(out, len, &pk) != CV_TK_MALFORMED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off, len;

	if (size > 4 * CV_TK_MAX_PACKET)
		return 0;
	/* a connection: the handshake when there is one, then packets */
	off = imei(data, size);
	while (off < size && (len = packet(data + off, size - off, cv_tk_scan, CV_TK_C12_RESPONSE)) > 0)
		off += len;
	(void)packet(data, size, cv_tk_scan_command, CV_TK_C12_COMMAND);
	sealed(data + off, size - off);
	command(data, size);
	return 0;
}

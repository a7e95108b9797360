/*
 * unit-teltonika.c - the Teltonika codec (core/teltonika): the worked
 * examples of Teltonika's public protocol documentation ("Teltonika Data
 * Sending Protocols" / "Codec", wiki.teltonika-gps.com: the IMEI
 * handshake, Codec 8 examples 1 to 3, Codec 8 Extended as documented in
 * 2019 and in 2017, the Codec 12 "getinfo" command and its response)
 * decode to their documented values; every truncation of each answers
 * NEED_MORE and every byte changed is refused or NEED_MORE, never
 * accepted; each refusal with its reason; the inputs of Traccar's
 * Teltonika decoder test (real devices' packets) framed and counted.
 *
 * The CRCs of the hand-made packets below come from cv_tk_crc16(), which
 * the documented packets' own CRCs check first.
 */
#include "teltonika.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Documentation examples. */
#define DOC_IMEI "000F333536333037303432343431303133"
#define DOC_C8_1 "000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F1" \
	"0000601A014E0000000000000000010000C7CF"
#define DOC_C8_2 "000000000000002808010000016B40D9AD80010000000000000000000000000000000103021503010101425E1000" \
	"00010000F22A"
#define DOC_C8_3 "000000000000004308020000016B40D57B480100000000000000000000000000000001010101000000000000016B" \
	"40D5C198010000000000000000000000000000000101010101000000020000252C"
#define DOC_C8E "000000000000004A8E010000016B412CEE000100000000000000000000000000000000010005000100010100010011" \
	"001D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A00000100002994"
/* the 2017 version of the Codec 8 Extended example: a fix, and a variable-length element */
#define DOC_C8E_2017 "000000000000005F8E010000015FBA40B620000F0DCDE420959D30008A000006000000000006000100EF00" \
	"00010011001E000100100000CBDF0002000B000000003544C875000E0000000029BFE4D10001010000110000000000000000" \
	"000000000000000000010000D153"
#define DOC_C12_CMD "000000000000000F0C010500000007676574696E666F0100004312"
#define DOC_C12_RESP "00000000000000900C010600000088494E493A323031392F372F323220373A3232205254433A323031392F372F" \
	"323220373A3533205253543A32204552523A312053523A302042523A302043463A302046473A3020464C3A302054553A302F" \
	"302055543A3020534D533A30204E4F4750533A303A3330204750533A31205341543A302052533A332052463A36352053463A" \
	"31204D443A30010000C78F"
#define DOC_C12_TEXT "INI:2019/7/22 7:22 RTC:2019/7/22 7:53 RST:2 ERR:1 SR:0 BR:0 CF:0 FG:0 FL:0 TU:0/0 UT:0 " \
	"SMS:0 NOGPS:0:30 GPS:1 SAT:0 RS:3 RF:65 SF:1 MD:0"

static uint8_t buf[4 * CV_TK_MAX_PACKET];
static struct cv_tk_record rec;

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; h[0] && h[1] && n < max; h += 2) {
		char b[3] = { h[0], h[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	return n;
}

/* Seal a hand-made packet p[0..n): its data length and CRC from its size. */
static void seal(uint8_t *p, size_t n)
{
	size_t datalen = n - 12;
	uint16_t crc;

	p[4] = (uint8_t)(datalen >> 24);
	p[5] = (uint8_t)(datalen >> 16);
	p[6] = (uint8_t)(datalen >> 8);
	p[7] = (uint8_t)datalen;
	crc = cv_tk_crc16(p + 8, datalen);
	p[n - 4] = 0;
	p[n - 3] = 0;
	p[n - 2] = (uint8_t)(crc >> 8);
	p[n - 1] = (uint8_t)crc;
}

static bool io_is(const struct cv_tk_io *io, unsigned id, unsigned size, uint64_t value)
{
	return io->id == id && io->size == size && !io->var && io->value == value;
}

static void test_crc(void)
{
	is_int(cv_tk_crc16((const uint8_t *)"123456789", 9), 0xBB3D, "CRC-16/ARC's check value");
	is_int(cv_tk_crc16(NULL, 0), 0, "nothing: the initial value 0");
}

static void test_imei(void)
{
	struct cv_tk_imei im;
	size_t n = unhex(DOC_IMEI, buf, sizeof(buf));
	bool all = true;

	is_int(cv_tk_imei_scan(buf, n, &im), CV_TK_COMPLETE, "the documented handshake");
	is_str(im.digits, "356307042441013", "its IMEI");
	is_int(im.len, 17, "2 + 15 bytes");
	buf[n] = 0x00;
	is_int(cv_tk_imei_scan(buf, n + 1, &im), CV_TK_COMPLETE, "a byte after it is not its");
	is_int(im.len, 17, "the handshake is still 17 bytes");
	for (size_t k = 0; k < n; k++)
		all &= cv_tk_imei_scan(buf, k, &im) == CV_TK_NEED_MORE;
	ok(all, "every truncation of it: NEED_MORE");
	ok(cv_tk_luhn_ok("356307042441013"), "its check digit is right");
	ok(!cv_tk_luhn_ok("356307042441014"), "another last digit is not");
	ok(cv_tk_luhn_ok("79927398713") && !cv_tk_luhn_ok("79927398710"), "Luhn's textbook number");
	ok(!cv_tk_luhn_ok("") && !cv_tk_luhn_ok("35630704244101a"), "no digits, or not only digits");

	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x00", 2, &im), CV_TK_MALFORMED, "length 0 refused");
	is_str(im.why, "empty IMEI", "with its reason");
	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x12", 2, &im), CV_TK_MALFORMED, "length 18 refused at once");
	is_str(im.why, "IMEI longer than 17 digits", "with its reason");
	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x11" "12345678901234567", 19, &im), CV_TK_COMPLETE,
	       "17 digits accepted");
	is_int(cv_tk_imei_scan((const uint8_t *)"\x01", 1, &im), CV_TK_MALFORMED,
	       "a first byte other than 0 refused at the first byte");
	/* an AVL packet sent without a handshake: its preamble's zeros read as length 0 */
	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x00\x00\x00", 4, &im), CV_TK_MALFORMED,
	       "an AVL packet instead of a handshake refused");
	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x0F" "3563", 6, &im), CV_TK_NEED_MORE, "a prefix: NEED_MORE");
	is_int(cv_tk_imei_scan((const uint8_t *)"\x00\x0F" "35 3", 6, &im), CV_TK_MALFORMED,
	       "a non-digit refused as soon as it arrives");
	is_str(im.why, "IMEI is not all digits", "with its reason");
}

/* Scan p[0..n) whole; COMPLETE expected, with that codec and count. */
static bool scan_ok(const uint8_t *p, size_t n, struct cv_tk_packet *pk, uint8_t codec, unsigned count)
{
	enum cv_tk_res r = cv_tk_scan(p, n, pk);

	if (r != CV_TK_COMPLETE)
		printf("# scan: %d (%s)\n", r, pk->why ? pk->why : "-");
	return r == CV_TK_COMPLETE && pk->len == n && pk->codec == codec && pk->count == count;
}

/*
 * The documented packet p[0..n): every proper prefix NEED_MORE; with
 * bytes after it, the same packet; every byte changed to each of its 255
 * other values, never COMPLETE.
 */
static void robust(const char *name, const uint8_t *p, size_t n,
		   enum cv_tk_res (*scanner)(const uint8_t *, size_t, struct cv_tk_packet *))
{
	static uint8_t m[CV_TK_MAX_PACKET + 16];
	struct cv_tk_packet pk;
	bool prefixes = true, changed = true;
	size_t accepted = 0;

	for (size_t k = 0; k < n; k++)
		prefixes &= scanner(p, k, &pk) == CV_TK_NEED_MORE;
	ok(prefixes, "%s: each of its %zu truncations answers NEED_MORE", name, n);
	memcpy(m, p, n);
	memcpy(m + n, p, 16);
	ok(scanner(m, n + 16, &pk) == CV_TK_COMPLETE && pk.len == n, "%s: the next packet's bytes after it", name);
	for (size_t i = 0; i < n; i++) {
		for (unsigned v = 0; v < 256; v++) {
			enum cv_tk_res r;

			if (v == p[i])
				continue;
			memcpy(m, p, n);
			m[i] = (uint8_t)v;
			r = scanner(m, n, &pk);
			if (r == CV_TK_COMPLETE) {
				accepted++;
				changed = false;
			} else if (r == CV_TK_MALFORMED && !pk.why) {
				changed = false;
			}
		}
	}
	ok(changed, "%s: each of its bytes changed (%zu x 255): refused with a reason or NEED_MORE, never "
	   "accepted (%zu were)", name, n, accepted);
}

static void test_codec8(void)
{
	struct cv_tk_packet pk;
	struct cv_tk_avl r;
	size_t n;
	uint8_t ack[4];
	uint32_t mv;
	bool b;

	/* example 1: 1-, 2-, 4- and 8-byte elements */
	n = unhex(DOC_C8_1, buf, sizeof(buf));
	ok(scan_ok(buf, n, &pk, CV_TK_CODEC8, 1), "Codec 8 example 1: one record");
	cv_tk_avl_open(&r, buf, &pk);
	ok(cv_tk_avl_next(&r, &rec), "its record");
	is_int(rec.at_ms, 1560161086000, "timestamp 2019-06-10 10:04:46 UTC");
	is_int(rec.priority, 1, "priority 1");
	ok(rec.lon_e7 == 0 && rec.lat_e7 == 0 && rec.alt_m == 0 && rec.angle == 0, "GNSS element all zero");
	ok(rec.sats == 0 && rec.speed_kmh == 0 && !rec.valid, "no satellites, no speed: no fix");
	is_int(rec.event_id, 1, "event IO id 1");
	is_int(rec.nio, 5, "5 IO elements");
	ok(io_is(&rec.io[0], 21, 1, 3) && io_is(&rec.io[1], 1, 1, 1), "1-byte: id 21 = 3, id 1 = 1");
	ok(io_is(&rec.io[2], 66, 2, 0x5E0F), "2-byte: id 66 = 0x5E0F");
	ok(io_is(&rec.io[3], 241, 4, 0x601A), "4-byte: id 241 = 0x0000601A");
	ok(io_is(&rec.io[4], 78, 8, 0), "8-byte: id 78 = 0");
	is_int(rec.io[2].off, 10 + 24 + 2 + 5 + 1 + 1, "an element's offset is its value's, in the packet");
	ok(cv_tk_ext_voltage_mv(&rec, &mv) && mv == 24079, "external voltage 24079 mV");
	ok(!cv_tk_ignition(&rec, &b), "no ignition element");
	ok(!cv_tk_avl_next(&r, &rec), "no second record");
	cv_tk_ack(pk.count, ack);
	ok(!memcmp(ack, "\x00\x00\x00\x01", 4), "acknowledged 00000001");
	robust("Codec 8 example 1", buf, n, cv_tk_scan);

	/* example 2: no 4- or 8-byte elements */
	n = unhex(DOC_C8_2, buf, sizeof(buf));
	ok(scan_ok(buf, n, &pk, CV_TK_CODEC8, 1), "Codec 8 example 2");
	cv_tk_avl_open(&r, buf, &pk);
	ok(cv_tk_avl_next(&r, &rec), "its record");
	is_int(rec.at_ms, 1560161136000, "timestamp 2019-06-10 10:05:36 UTC");
	ok(rec.nio == 3 && io_is(&rec.io[0], 21, 1, 3) && io_is(&rec.io[1], 1, 1, 1) &&
	   io_is(&rec.io[2], 66, 2, 0x5E10), "ids 21 = 3, 1 = 1, 66 = 0x5E10");
	robust("Codec 8 example 2", buf, n, cv_tk_scan);

	/* example 3: two records */
	n = unhex(DOC_C8_3, buf, sizeof(buf));
	ok(scan_ok(buf, n, &pk, CV_TK_CODEC8, 2), "Codec 8 example 3: two records");
	cv_tk_avl_open(&r, buf, &pk);
	ok(cv_tk_avl_next(&r, &rec) && rec.at_ms == 1560160861000 && rec.nio == 1 && io_is(&rec.io[0], 1, 1, 0),
	   "first: 2019-06-10 10:01:01 UTC, id 1 = 0");
	ok(cv_tk_avl_next(&r, &rec) && rec.at_ms == 1560160879000 && rec.nio == 1 && io_is(&rec.io[0], 1, 1, 1),
	   "second: 10:01:19, id 1 = 1");
	ok(!cv_tk_avl_next(&r, &rec), "no third");
	cv_tk_ack(pk.count, ack);
	ok(!memcmp(ack, "\x00\x00\x00\x02", 4), "acknowledged 00000002");
	robust("Codec 8 example 3", buf, n, cv_tk_scan);
}

static void test_codec8e(void)
{
	struct cv_tk_packet pk;
	struct cv_tk_avl r;
	size_t n;
	uint32_t m;
	bool b;

	n = unhex(DOC_C8E, buf, sizeof(buf));
	ok(scan_ok(buf, n, &pk, CV_TK_CODEC8E, 1), "Codec 8 Extended example");
	cv_tk_avl_open(&r, buf, &pk);
	ok(cv_tk_avl_next(&r, &rec), "its record");
	is_int(rec.at_ms, 1560166592000, "timestamp 2019-06-10 11:36:32 UTC");
	ok(rec.priority == 1 && rec.event_id == 1 && !rec.valid, "priority 1, event 1, no fix");
	is_int(rec.nio, 5, "5 IO elements");
	ok(io_is(&rec.io[0], 1, 1, 1) && io_is(&rec.io[1], 17, 2, 0x1D) && io_is(&rec.io[2], 16, 4, 0x015E2C88) &&
	   io_is(&rec.io[3], 11, 8, 0x3544C87A) && io_is(&rec.io[4], 14, 8, 0x1DD7E06A),
	   "ids 1 = 1, 17 = 0x1D, 16 = 0x015E2C88, 11 = 0x3544C87A, 14 = 0x1DD7E06A");
	ok(cv_tk_odometer_m(&rec, &m) && m == 22949000, "total odometer 22949000 m");
	ok(!cv_tk_can_mileage_m(&rec, &m), "no CAN mileage");
	ok(!cv_tk_avl_next(&r, &rec), "no second record");
	robust("Codec 8 Extended example", buf, n, cv_tk_scan);

	n = unhex(DOC_C8E_2017, buf, sizeof(buf));
	ok(scan_ok(buf, n, &pk, CV_TK_CODEC8E, 1), "Codec 8 Extended example of 2017");
	cv_tk_avl_open(&r, buf, &pk);
	ok(cv_tk_avl_next(&r, &rec), "its record");
	is_int(rec.at_ms, 1510658324000, "timestamp 2017-11-14 11:18:44 UTC");
	is_int(rec.lon_e7, 252562916, "longitude 25.2562916");
	is_int(rec.lat_e7, 546676016, "latitude 54.6676016");
	ok(rec.alt_m == 138 && rec.angle == 0 && rec.sats == 6 && rec.speed_kmh == 0, "138 m, 0 deg, 6 satellites, 0 km/h");
	ok(rec.valid, "6 satellites: a fix, standing still");
	is_int(rec.event_id, 0, "a periodic record (event 0)");
	is_int(rec.nio, 6, "6 IO elements, one of variable length");
	ok(io_is(&rec.io[0], 239, 1, 0) && io_is(&rec.io[1], 17, 2, 0x1E) && io_is(&rec.io[2], 16, 4, 0xCBDF),
	   "ids 239 = 0, 17 = 0x1E, 16 = 0xCBDF");
	ok(cv_tk_ignition(&rec, &b) && !b, "ignition off");
	ok(cv_tk_odometer_m(&rec, &m) && m == 52191, "total odometer 52191 m");
	ok(rec.io[5].id == 256 && rec.io[5].var && rec.io[5].size == 17 && rec.io[5].off == 10 + 24 + 4 + 5 + 6 +
	   8 + 22 + 6 && (size_t)rec.io[5].off + 17 + 5 == n, "id 256: 17 bytes, at its offset before the count and CRC");
	robust("Codec 8 Extended example of 2017", buf, n, cv_tk_scan);
}

static void test_codec12(void)
{
	static uint8_t out[CV_TK_MAX_PACKET];
	struct cv_tk_packet pk;
	size_t n, len = 0;
	const char *text = DOC_C12_TEXT;

	n = unhex(DOC_C12_CMD, buf, sizeof(buf));
	is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, "getinfo", 7, out, sizeof(out), &len), CV_OK, "encode getinfo");
	ok(len == n && !memcmp(out, buf, n), "the documented command, byte for byte (CRC 4312)");
	is_int(cv_tk_scan_command(buf, n, &pk), CV_TK_COMPLETE, "a simulated device reads it");
	ok(pk.text_len == 7 && !memcmp(pk.text, "getinfo", 7) && pk.len == n, "text getinfo");
	is_int(cv_tk_scan(buf, n, &pk), CV_TK_MALFORMED, "a command coming from a device is refused");
	is_str(pk.why, "not a Codec 12 response", "with its reason");
	robust("Codec 12 command", buf, n, cv_tk_scan_command);

	n = unhex(DOC_C12_RESP, buf, sizeof(buf));
	is_int(cv_tk_scan(buf, n, &pk), CV_TK_COMPLETE, "the documented getinfo response");
	ok(pk.codec == CV_TK_CODEC12 && pk.len == n && pk.count == 1, "a Codec 12 packet of %zu bytes", n);
	ok(pk.text_len == strlen(text) && !memcmp(pk.text, text, pk.text_len), "its text: %.*s", (int)pk.text_len,
	   pk.text);
	ok(pk.text == buf + 15, "pointing into the packet");
	is_int(cv_tk_scan_command(buf, n, &pk), CV_TK_MALFORMED, "a response is not a command");
	is_int(cv_tk_c12_encode(CV_TK_C12_RESPONSE, text, strlen(text), out, sizeof(out), &len), CV_OK,
	       "a simulated device's response");
	ok(len == n && !memcmp(out, buf, n), "the documented response, byte for byte (CRC C78F)");
	robust("Codec 12 response", buf, n, cv_tk_scan);

	/* what encoding refuses, writing nothing */
	memset(out, 0xAA, sizeof(out));
	is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, "", 0, out, sizeof(out), &len), CV_EINVAL, "an empty command");
	is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, "setdigout 1\r\n", 13, out, sizeof(out), &len), CV_EINVAL,
	       "a command with control characters");
	is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, "caf\xc3\xa9", 5, out, sizeof(out), &len), CV_EINVAL,
	       "a command beyond ASCII");
	is_int(cv_tk_c12_encode(0x0D, "getinfo", 7, out, sizeof(out), &len), CV_EINVAL, "another type");
	is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, "getinfo", 7, out, 26, &len), CV_ETOOBIG, "27 bytes in 26");
	{
		static char big[CV_TK_MAX_DATA];

		memset(big, 'a', sizeof(big));
		is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, big, CV_TK_MAX_DATA - 7, out, sizeof(out), &len),
		       CV_EINVAL, "a command over the ceiling");
		is_int(cv_tk_c12_encode(CV_TK_C12_COMMAND, big, CV_TK_MAX_DATA - 8, out, sizeof(out), &len), CV_OK,
		       "a command of %d bytes fills the ceiling", CV_TK_MAX_DATA - 8);
		ok(len == CV_TK_MAX_PACKET && cv_tk_scan_command(out, len, &pk) == CV_TK_COMPLETE &&
		   pk.text_len == CV_TK_MAX_DATA - 8, "a packet of CV_TK_MAX_PACKET bytes, read back");
		memset(out, 0xAA, sizeof(out));
	}
	n = 0;
	for (size_t i = 0; i < sizeof(out); i++)
		n += out[i] != 0xAA;
	is_int(n, 0, "the refusals wrote nothing");
	is_int(cv_tk_c12_encode(CV_TK_C12_RESPONSE, "", 0, out, sizeof(out), &len), CV_OK, "an empty response");
	ok(cv_tk_scan(out, len, &pk) == CV_TK_COMPLETE && pk.text_len == 0, "reads back empty");
}

/* p (n bytes) scanned: MALFORMED with that reason. */
static void refused(const uint8_t *p, size_t n, const char *why, const char *what)
{
	struct cv_tk_packet pk;

	is_int(cv_tk_scan(p, n, &pk), CV_TK_MALFORMED, "%s: refused", what);
	is_str(pk.why, why, "%s: \"%s\"", what, why);
}

static void test_refusals(void)
{
	static uint8_t p[CV_TK_MAX_PACKET + 16];
	struct cv_tk_packet pk;
	size_t n;

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[0] = 1;
	refused(p, 1, "no preamble (4 zero bytes)", "a first byte 01, alone");
	p[0] = 0;
	p[3] = 0x30;
	refused(p, 4, "no preamble (4 zero bytes)", "a fourth byte 30");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[6] = 0x05;
	p[7] = 0x01;
	refused(p, 8, "data field over 1280 bytes", "a length of 1281, at its eighth byte");
	p[4] = 0x80;
	refused(p, 8, "data field over 1280 bytes", "a length of 2^31");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[8] = 0x10;
	refused(p, 9, "unknown codec", "codec 0x10 (Codec 16), at its ninth byte");
	is_int(cv_tk_scan(p, 9, &pk), CV_TK_MALFORMED, "codec 0x10");
	is_int(pk.codec, 0x10, "the unknown codec is told, for the log");
	p[8] = 0x07;
	refused(p, 9, "unknown codec", "codec 0x07 (GH3000)");
	p[8] = 0x0D;
	refused(p, 9, "unknown codec", "codec 0x0D (Codec 13)");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[n - 1] ^= 1;
	refused(p, n, "wrong CRC", "the CRC's last bit changed");
	n = unhex(DOC_C8_1, p, sizeof(p));
	p[n - 4] = 1;
	refused(p, n, "wrong CRC", "a CRC with a high byte not zero");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[n - 5] = 2;
	seal(p, n);
	refused(p, n, "record count mismatch", "second record count 2 after a first of 1");
	n = unhex(DOC_C8_1, p, sizeof(p));
	p[9] = 0;
	p[n - 5] = 0;
	seal(p, n);
	refused(p, n, "no records", "both record counts 0");

	n = unhex(DOC_C8_2, p, sizeof(p));
	p[9] = 2;
	p[n - 5] = 2;
	seal(p, n);
	refused(p, n, "truncated record", "two records claimed, one sent");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[10 + 24 + 1] = 6;  /* the total: 6 where the groups hold 5 */
	seal(p, n);
	refused(p, n, "IO element count mismatch", "a total of 6 elements over groups of 5");
	n = unhex(DOC_C8E, p, sizeof(p));
	p[10 + 24 + 3] = 4;
	seal(p, n);
	refused(p, n, "IO element count mismatch", "Codec 8 Extended: a total of 4 over groups of 5");

	n = unhex(DOC_C8E_2017, p, sizeof(p));
	p[n - 5 - 17 - 1] = 0x12;  /* the variable-length element's length: one more than it has */
	seal(p, n);
	refused(p, n, "truncated record", "a variable-length element longer than the record");

	n = unhex(DOC_C8_1, p, sizeof(p));
	p[10] = 0x80;
	seal(p, n);
	refused(p, n, "timestamp out of range", "a timestamp of 2^63 ms or more");

	/* one byte more before the second count */
	n = unhex(DOC_C8_2, p, sizeof(p));
	memmove(p + n - 4, p + n - 5, 5);
	p[n - 5] = 0;
	n++;
	seal(p, n);
	refused(p, n, "data field longer than its records", "a byte after the last record");

	n = unhex(DOC_C8_2, p, sizeof(p));
	p[7] = 3 + 29;
	refused(p, 8 + 1, "data field too short for its codec", "a Codec 8 data field under 33 bytes");
	n = unhex(DOC_C8E, p, sizeof(p));
	p[7] = 3 + 37;
	refused(p, 8 + 1, "data field too short for its codec", "a Codec 8 Extended one under 41");

	/* Codec 12 */
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	p[9] = 2;
	p[n - 5] = 2;
	seal(p, n);
	refused(p, n, "Codec 12 quantity is not 1", "a response quantity of 2");
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	p[n - 5] = 0;
	seal(p, n);
	refused(p, n, "Codec 12 quantity is not 1", "a second quantity of 0");
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	p[14] -= 1;
	seal(p, n);
	refused(p, n, "Codec 12 size mismatch", "a text size one short of the data field");
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	p[10] = 0x11;
	seal(p, n);
	refused(p, n, "not a Codec 12 response", "a message of type 0x11");
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	p[7] = 7;
	refused(p, 9, "data field too short for its codec", "a Codec 12 data field under 8 bytes");

	/* the ceiling itself: a Codec 8 Extended record padded to 1280 bytes by a variable-length element */
	memset(p, 0, sizeof(p));
	n = unhex(DOC_C8E, p, sizeof(p));
	n -= 4 + 1 + 2;  /* back to the NX count */
	p[n++] = 0;
	p[n++] = 1;      /* one element */
	p[n++] = 0x01;
	p[n++] = 0x00;   /* id 256 */
	{
		size_t size = CV_TK_MAX_DATA - (n + 2 - 8) - 1;

		p[n++] = (uint8_t)(size >> 8);
		p[n++] = (uint8_t)size;
		memset(p + n, 'x', size);
		n += size;
	}
	p[n++] = 1;
	p[10 + 24 + 3] = 6;  /* the total, one more */
	n += 4;
	seal(p, n);
	ok(scan_ok(p, n, &pk, CV_TK_CODEC8E, 1) && n == CV_TK_MAX_PACKET, "a packet of 1280 data bytes: accepted");
	{
		struct cv_tk_avl r;

		cv_tk_avl_open(&r, p, &pk);
		ok(cv_tk_avl_next(&r, &rec) && rec.nio == 6 && rec.io[5].var && rec.io[5].size == 1280 - 3 - 38 - (3 + 4 + 6 + 2 * 10) - 4,
		   "its variable-length element: %u bytes", rec.io[5].size);
	}
}

/* A record of n Codec 8 Extended elements with 1-byte values. */
static size_t many(uint8_t *p, unsigned n)
{
	size_t len = 10;

	memset(p, 0, CV_TK_MAX_PACKET);
	p[8] = CV_TK_CODEC8E;
	p[9] = 1;
	p[10 + 7] = 1;      /* a timestamp of 1 ms */
	len += 24 + 2;      /* timestamp, priority, GNSS, event id 0 */
	p[len++] = (uint8_t)(n >> 8);
	p[len++] = (uint8_t)n;
	p[len++] = (uint8_t)(n >> 8);
	p[len++] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		p[len++] = (uint8_t)(i >> 8);
		p[len++] = (uint8_t)i;
		p[len++] = (uint8_t)i;
	}
	len += 2 * 4;       /* the 2-, 4-, 8-byte and variable groups: none */
	p[len++] = 1;
	len += 4;
	seal(p, len);
	return len;
}

static void test_bounds(void)
{
	static uint8_t p[CV_TK_MAX_PACKET + 16];
	struct cv_tk_packet pk;
	struct cv_tk_avl r;
	size_t n = many(p, CV_TK_MAX_IO);
	bool all = true;

	is_int(CV_TK_MAX_IO, 413, "at most 413 elements a record");
	ok(scan_ok(p, n, &pk, CV_TK_CODEC8E, 1) && n <= CV_TK_MAX_PACKET, "a record of 413 elements: %zu bytes", n);
	cv_tk_avl_open(&r, p, &pk);
	ok(cv_tk_avl_next(&r, &rec) && rec.nio == CV_TK_MAX_IO, "all 413 kept");
	for (unsigned i = 0; i < rec.nio; i++)
		all &= io_is(&rec.io[i], i, 1, i & 0xFF);
	ok(all, "in order, with their values");
	n = many(p, CV_TK_MAX_IO + 1);
	ok(n > CV_TK_MAX_PACKET, "one more does not fit under the ceiling (%zu bytes)", n);
	refused(p, n, "data field over 1280 bytes", "414 elements");

	/* the reader on packets the scan did not accept */
	pk = (struct cv_tk_packet){ .len = n, .codec = CV_TK_CODEC8E, .count = 1 };
	cv_tk_avl_open(&r, p, &pk);
	ok(!cv_tk_avl_next(&r, &rec) && rec.nio <= CV_TK_MAX_IO, "a record of 414 elements read anyway: refused");
	n = unhex(DOC_C8_2, p, sizeof(p));
	ok(cv_tk_scan(p, n, &pk) == CV_TK_COMPLETE, "Codec 8 example 2");
	pk.count = 2;
	cv_tk_avl_open(&r, p, &pk);
	ok(cv_tk_avl_next(&r, &rec) && !cv_tk_avl_next(&r, &rec) && !cv_tk_avl_next(&r, &rec),
	   "told of a second record it does not hold: one record, then no more");
	n = unhex(DOC_C12_RESP, p, sizeof(p));
	ok(cv_tk_scan(p, n, &pk) == CV_TK_COMPLETE, "a Codec 12 response");
	cv_tk_avl_open(&r, p, &pk);
	ok(!cv_tk_avl_next(&r, &rec), "has no records");
	ok(cv_tk_scan(p, n - 1, &pk) == CV_TK_NEED_MORE, "nor has a packet not complete");
	cv_tk_avl_open(&r, p, &pk);
	ok(!cv_tk_avl_next(&r, &rec), "nor a packet not complete");
}

static void test_helpers(void)
{
	bool b;
	uint32_t u;
	unsigned pct;
	uint64_t v;

	memset(&rec, 0, sizeof(rec));
	rec.nio = 5;
	rec.io[0] = (struct cv_tk_io){ .id = CV_TK_IO_IGNITION, .size = 1, .value = 1 };
	rec.io[1] = (struct cv_tk_io){ .id = CV_TK_IO_MOVEMENT, .size = 1, .value = 2 };
	rec.io[2] = (struct cv_tk_io){ .id = CV_TK_IO_OBD_FUEL_LEVEL, .size = 1, .value = 40 };
	rec.io[3] = (struct cv_tk_io){ .id = CV_TK_IO_CAN_MILEAGE, .size = 4, .value = 123456 };
	rec.io[4] = (struct cv_tk_io){ .id = 256, .size = 17, .var = true };
	ok(cv_tk_ignition(&rec, &b) && b, "ignition on");
	ok(!cv_tk_movement(&rec, &b), "a movement of 2 is no reading");
	ok(cv_tk_fuel_pct(&rec, &pct) && pct == 40, "the OBD fuel level without a CAN one");
	rec.io[rec.nio++] = (struct cv_tk_io){ .id = CV_TK_IO_CAN_FUEL_LEVEL, .size = 1, .value = 55 };
	ok(cv_tk_fuel_pct(&rec, &pct) && pct == 55, "the CAN one first");
	rec.io[rec.nio - 1].value = 101;
	ok(cv_tk_fuel_pct(&rec, &pct) && pct == 40, "a CAN level over 100: the OBD one");
	ok(cv_tk_can_mileage_m(&rec, &u) && u == 123456, "CAN mileage");
	ok(!cv_tk_odometer_m(&rec, &u), "no tracker odometer");
	ok(!cv_tk_io_uint(&rec, 256, &v) && cv_tk_io_get(&rec, 256), "a variable-length element has no number");
	ok(!cv_tk_io_get(&rec, 999), "an absent id");
	ok(!cv_tk_ext_voltage_mv(&rec, &u), "no external voltage");
	rec.io[rec.nio++] = (struct cv_tk_io){ .id = CV_TK_IO_EXT_VOLTAGE, .size = 4, .value = 70000 };
	ok(!cv_tk_ext_voltage_mv(&rec, &u), "an external voltage over 65535 mV is no reading");
	rec.io[2].value = 255;
	ok(!cv_tk_fuel_pct(&rec, &pct), "no fuel level in range: none");
}

/* Traccar's decoder test inputs (packets of real devices): framing and record counts. */
static void test_devices(void)
{
	static const struct {
		const char *hex;
		enum cv_tk_res res;
		unsigned count;
		const char *what;
	} v[] = {
		{ "00000000000000da08030000017fcedf499600280431be0eded45d0038012d100000fa100901000200b300b4004501500415"
		  "034702fa00054232a1180000cd3b2fce281d43001f02c700000006f10000a029000000017fcedea99600280432070eded3dd"
		  "00380046130009000f0801010200b300b400450150051502470205423276180009cd3b2fce281d43001f02c700000027f100"
		  "00a0290000000179d50853180027f65d3f0ed67212001500f1110061000f0801010200b300b4004501500515034702054234"
		  "f4180061cd53d1ce28c043003e02c700000147f1000000290003000052cb",
		  CV_TK_COMPLETE, 3, "Codec 8, 3 records" },
		{ "00000000000000b98e0200000179555c7bf8010b3a1cfbebc142b00000000000000000ec000f000900f00000150000c80000"
		  "450200710100740001070100fa0000ec01000500b500000018000000430d560044000000190000000100f100000000000000"
		  "0000000179555c83c8010b3a1cfbebc142b0000000000000000185000f000900f00000150000c80000450200710100740001"
		  "070100fa00018511000500b500000018000000430d560044000000190000000100f100000000000000000200003251",
		  CV_TK_COMPLETE, 2, "Codec 8 Extended, 2 records" },
		{ "00000000000000858e0200000174431aadc100061d888f21000e8a0032002e0c000001810001000000000000000000010181"
		  "001711210102030405060708090a0b0c0d0e0f10020b010ad000000174431a389100061d888f21000e8a0033002e0d000001"
		  "810001000000000000000000010181001711210102030405060708090a0b0c0d0e0f10020b010ad2020000492b",
		  CV_TK_COMPLETE, 2, "Codec 8 Extended, variable-length elements" },
		{ "0000000000000401080e0000015d12cc211000fadaf627186742f5000d0048080006000a040100f001500515000342318a43"
		  "0fe344000003c700000000f1000068b61000001b05000000015d12c6683800fadaf72118673f820000000000000000070301"
		  "00f00050040342318a430fe344000001f1000068b6000000015d12bd407800fadaf72118673f82000000000000000007030100"
		  "f000500403423179430fe144000001f1000068b6000000015d12b414d000fadaf72118673f82000400900c0000fa120a0100"
		  "f00050051502080007010552090e6f4bfa000542316a430fe14400000600006202b203c700002328f1000068b61000001b05"
		  "000000015d12b3074800fadaf2821867436a000400890d00170011090100f00150011502081007010553090e6f4d054231fb"
		  "430fe14400000603ae6202a003c700002328f1000068b61000001b05000000015d12b2ff7800fadaee89186747c60005009a"
		  "0d001d0011090100f00150011502081b07010553090e6f4d05423125430fe144000006050862029e03c700002328f1000068"
		  "b61000001b05000000015d12b2e42000fadae8cf18675e0a000300a60d00210011090101f001500115020824070305540"
		  "90e6f4d0542310a430fe14400000606cf62029703c700002328f1000068b61000001b05000000015d12b2d48000fadae058"
		  "18676a16000400930c00240011090100f00150011502082207010554090e6f4e05423738430fe144000006066a62029303c7"
		  "00002328f1000068b61000001b05000000015d12b2a1b800fadac33e18678e48000600940d00150011090101f00150051500"
		  "081907030553090e6f4e054239cc430fe14400000607c662028603c700002328f1000000001000001b05000000015d12b29d"
		  "d000fadac19d18678fc8000700820d00110011090100f00150051500081607030553090e6f4e054238c8430fe14400000606"
		  "d962028503c700002328f1000000001000001b05000000015d12b299e800fadabfa9186790e3000700670d00110011090101"
		  "f00150051500081407030553090e6f4e054231e5430fe144000006060a62028403c700002328f1000000001000001b050000"
		  "00015d12b2960000fadabd4018679104000600510d00120011090101f00150051500081207030553090e6f4e054231ce430f"
		  "e144000006057062028303c700002328f1000000001000001b05000000015d12b27aa800fadaa96518678b7c000600470d00"
		  "120011090101f00150051500081807030551090e6f4e05423a70430fe144000006074462027c03c700002328f10000000010"
		  "00001b05000000015d12b276c000fadaa73f18678ae60006003b0d000e0011090101f00150051500081607030551090e6f4e"
		  "05423a5a430fe14400000606b762027b03c700002328f1000000001000001b05000e000007a4",
		  CV_TK_COMPLETE, 14, "Codec 8, 14 records in 1025 bytes" },
		{ "000000000000004f0c01060000004755555555777730362e343b30342e323b30302e303b30302e303b30302e303b30302e30"
		  "3b30302e303b30302e303b30312e333b30302e303b31302e373b30302e303b5353530d0a010000e371",
		  CV_TK_COMPLETE, 1, "a Codec 12 response" },
		{ "00000000000000100C010600000008010300010015D5C5010000D988", CV_TK_COMPLETE, 1,
		  "a binary Codec 12 response" },
		{ "000000000000001C0D01050000001056E924222347455420444154414F524445520D0A0100004990",
		  CV_TK_MALFORMED, 0, "Codec 13" },
		{ "000000000000009D10020000013feb55ff74000f0ea850209a690000AE00B90B00000000070A05000100000200000300000400"
		  "0120000200180000004601290200C700000000004C0000000001003E00000000000000000000015B198C7498000F0DBC5020"
		  "95872F00AE00B90B00000000070A050001000002000003000004000120000200180000004601290200C700000000004C0000"
		  "000001003E000000000000000002000009A5",
		  CV_TK_MALFORMED, 0, "Codec 16" },
		{ "0000000000000000080100000113fc208dff00209cca800f14f650006f00d60400040004030101150316030001460000015d"
		  "000100000000",
		  CV_TK_MALFORMED, 0, "a data length of 0" },
		{ "00000000000000a608010000013f14a1d1ce000f0eb790209a778000ab010c0500000000000000000100003390",
		  CV_TK_NEED_MORE, 0, "166 data bytes announced, 33 sent" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct cv_tk_packet pk;
		size_t n = unhex(v[i].hex, buf, sizeof(buf));
		enum cv_tk_res res = cv_tk_scan(buf, n, &pk);

		ok(res == v[i].res && (res != CV_TK_COMPLETE || (pk.len == n && pk.count == v[i].count)),
		   "device packet: %s (%s)", v[i].what, pk.why ? pk.why : "-");
		if (res == CV_TK_COMPLETE && pk.codec != CV_TK_CODEC12) {
			struct cv_tk_avl r;
			unsigned k = 0;

			cv_tk_avl_open(&r, buf, &pk);
			while (cv_tk_avl_next(&r, &rec))
				k++;
			is_int(k, v[i].count, "  its %u records read", v[i].count);
		}
	}

	/* a VIN and trouble codes in variable-length elements (a Codec 8 Extended OBD tracker) */
	{
		struct cv_tk_packet pk;
		struct cv_tk_avl r;
		const struct cv_tk_io *vin, *dtc;
		size_t n = unhex("00000000000000a38e0100000178b11c9e1000040bbbc91f03190c002100e113001300000010000600ef0100"
				 "f00100150300c800004501001e070005004237e00018000a00ce166200430f970024059f000300f10000"
				 "665900c70000001e00100000a1b500000002010000115756315a5a5a32455a3836303135333838011900"
				 "2950303239392c50303637352c50303637342c50303637322c50303637312c50303437312c5032424143"
				 "0100001ad8", buf, sizeof(buf));
		bool b;

		ok(scan_ok(buf, n, &pk, CV_TK_CODEC8E, 1), "an OBD tracker's packet");
		cv_tk_avl_open(&r, buf, &pk);
		ok(cv_tk_avl_next(&r, &rec), "its record");
		ok(rec.valid && rec.sats == 19 && rec.speed_kmh == 19, "a fix: 19 satellites, 19 km/h");
		ok(cv_tk_ignition(&rec, &b) && b && cv_tk_movement(&rec, &b) && b, "ignition on, moving");
		vin = cv_tk_io_get(&rec, 256);
		dtc = cv_tk_io_get(&rec, 281);
		ok(vin && vin->var && vin->size == 17 && !memcmp(buf + vin->off, "WV1ZZZ2EZ86015388", 17),
		   "id 256: the VIN WV1ZZZ2EZ86015388");
		ok(dtc && dtc->var && dtc->size == 41 && !memcmp(buf + dtc->off, "P0299,P0675", 11),
		   "id 281: trouble codes P0299,P0675...");
	}
}

int main(void)
{
	test_crc();
	test_imei();
	test_codec8();
	test_codec8e();
	test_codec12();
	test_refusals();
	test_bounds();
	test_helpers();
	test_devices();
	return tap_done();
}

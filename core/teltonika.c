/*
 * teltonika.c - the Teltonika trackers' TCP protocol (see teltonika.h).
 */
#include "teltonika.h"

#include <string.h>

/* A record without IO elements: timestamp 8, priority 1, GNSS 15, then
 * the event id, the total and the four group counts (1 byte each in Codec
 * 8, 2 in Codec 8 Extended, which adds the variable-length group's count). */
#define REC_MIN_8 (8 + 1 + 15 + 6)
#define REC_MIN_8E (8 + 1 + 15 + 2 * 7)
/* The data field around the records: codec id, the two record counts. */
#define AVL_OVERHEAD 3
/* Codec 12: codec id, quantity, type, text size (4), quantity again. */
#define C12_OVERHEAD 8

_Static_assert(REC_MIN_8E == 38, "teltonika.h's CV_TK_MAX_IO counts 38 bytes a record");
_Static_assert(CV_TK_MAX_PACKET <= UINT16_MAX, "struct cv_tk_io's offsets are 16-bit");

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint16_t cv_tk_crc16(const uint8_t *p, size_t n)
{
	unsigned crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
	}
	return (uint16_t)crc;
}

/* ---- the IMEI handshake ---- */

enum cv_tk_res cv_tk_imei_scan(const uint8_t *p, size_t n, struct cv_tk_imei *out)
{
	size_t len;

	memset(out, 0, sizeof(*out));
	/* a first byte other than 0 is a length of 256 or more */
	if (n >= 1 && p[0] != 0) {
		out->why = "IMEI longer than 17 digits";
		return CV_TK_MALFORMED;
	}
	if (n < 2)
		return CV_TK_NEED_MORE;
	len = p[1];
	if (len == 0 || len > CV_TK_IMEI_MAX) {
		out->why = len ? "IMEI longer than 17 digits" : "empty IMEI";
		return CV_TK_MALFORMED;
	}
	for (size_t i = 2; i < n && i < 2 + len; i++) {
		if (p[i] < '0' || p[i] > '9') {
			out->why = "IMEI is not all digits";
			return CV_TK_MALFORMED;
		}
	}
	if (n < 2 + len)
		return CV_TK_NEED_MORE;
	memcpy(out->digits, p + 2, len);
	out->digits[len] = '\0';
	out->len = 2 + len;
	return CV_TK_COMPLETE;
}

bool cv_tk_luhn_ok(const char *digits)
{
	size_t n = strlen(digits);
	unsigned sum = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');

		if (digits[n - 1 - i] < '0' || digits[n - 1 - i] > '9')
			return false;
		/* every second digit from the right, the check digit's left neighbour first, is doubled */
		if (i % 2) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* ---- records ---- */

/* A bounds-checked reader over p[off..end). */
struct rd {
	const uint8_t *p;
	size_t off;
	size_t end;
	bool bad;
};

static uint64_t take(struct rd *r, int n)
{
	uint64_t v;

	if (r->bad || r->end - r->off < (size_t)n) {
		r->bad = true;
		return 0;
	}
	v = be(r->p + r->off, n);
	r->off += (size_t)n;
	return v;
}

/*
 * One record from r into rec (NULL: only check it). NULL, or the reason it
 * is refused. The scan and the reader both come here, so that a record the
 * scan accepts is one the reader decodes.
 */
static const char *parse_record(struct rd *r, uint8_t codec, struct cv_tk_record *rec)
{
	static const int sizes[4] = { 1, 2, 4, 8 };
	int w = codec == CV_TK_CODEC8E ? 2 : 1;
	uint64_t at = take(r, 8);
	uint8_t prio = (uint8_t)take(r, 1);
	uint32_t lon = (uint32_t)take(r, 4);
	uint32_t lat = (uint32_t)take(r, 4);
	uint16_t alt = (uint16_t)take(r, 2);
	uint16_t angle = (uint16_t)take(r, 2);
	uint8_t sats = (uint8_t)take(r, 1);
	uint16_t speed = (uint16_t)take(r, 2);
	uint16_t event = (uint16_t)take(r, w);
	uint64_t total = take(r, w);
	uint64_t sum = 0;
	unsigned nio = 0;

	if (r->bad)
		return "truncated record";
	if (at > INT64_MAX)
		return "timestamp out of range";
	if (rec) {
		rec->at_ms = (int64_t)at;
		rec->priority = prio;
		rec->lon_e7 = (int32_t)lon;
		rec->lat_e7 = (int32_t)lat;
		rec->alt_m = (int16_t)alt;
		rec->angle = angle;
		rec->sats = sats;
		rec->speed_kmh = speed;
		rec->valid = !(sats == 0 && speed == 0);
		rec->event_id = event;
		rec->nio = 0;
	}
	/* the four fixed-size groups, then Codec 8 Extended's variable-length one */
	for (int g = 0; g < (w == 2 ? 5 : 4); g++) {
		uint64_t count = take(r, w);

		sum += count;
		for (uint64_t i = 0; i < count && !r->bad; i++) {
			uint16_t id = (uint16_t)take(r, w);
			uint16_t size = g < 4 ? (uint16_t)sizes[g] : (uint16_t)take(r, 2);
			size_t at_value = r->off;
			uint64_t value = 0;

			if (g < 4) {
				value = take(r, size);
			} else if (r->end - r->off < size) {
				r->bad = true;
			} else {
				r->off += size;
			}
			if (r->bad)
				break;
			if (nio == CV_TK_MAX_IO)
				return "too many IO elements";
			if (rec) {
				struct cv_tk_io *io = &rec->io[nio];

				io->id = id;
				io->size = size;
				io->off = (uint16_t)at_value;
				io->var = g == 4;
				io->value = value;
				rec->nio = nio + 1;
			}
			nio++;
		}
		if (r->bad)
			return "truncated record";
	}
	if (sum != total)
		return "IO element count mismatch";
	return NULL;
}

void cv_tk_avl_open(struct cv_tk_avl *r, const uint8_t *p, const struct cv_tk_packet *pk)
{
	memset(r, 0, sizeof(*r));
	if (pk->codec != CV_TK_CODEC8 && pk->codec != CV_TK_CODEC8E)
		return;
	if (pk->len < 8 + AVL_OVERHEAD + 4)
		return;
	r->p = p;
	r->off = 10;
	r->end = pk->len - 4 - 1;  /* the second record count */
	r->codec = pk->codec;
	r->left = pk->count;
}

bool cv_tk_avl_next(struct cv_tk_avl *r, struct cv_tk_record *rec)
{
	struct rd rd;

	if (!r->left)
		return false;
	rd = (struct rd){ r->p, r->off, r->end, false };
	if (parse_record(&rd, r->codec, rec)) {
		r->left = 0;
		return false;
	}
	r->off = rd.off;
	r->left--;
	return true;
}

/* ---- packets ---- */

static enum cv_tk_res refuse(struct cv_tk_packet *pk, const char *why)
{
	pk->why = why;
	return CV_TK_MALFORMED;
}

/* A complete AVL packet whose CRC is right: its structure. */
static enum cv_tk_res check_avl(const uint8_t *p, size_t datalen, struct cv_tk_packet *pk)
{
	struct rd r = { p, 10, 8 + datalen - 1, false };
	unsigned count = p[9];

	if (count == 0)
		return refuse(pk, "no records");
	if (p[8 + datalen - 1] != count)
		return refuse(pk, "record count mismatch");
	for (unsigned i = 0; i < count; i++) {
		const char *why = parse_record(&r, pk->codec, NULL);

		if (why)
			return refuse(pk, why);
	}
	if (r.off != r.end)
		return refuse(pk, "data field longer than its records");
	pk->count = count;
	return CV_TK_COMPLETE;
}

/* A complete Codec 12 packet whose CRC is right: its structure. */
static enum cv_tk_res check_c12(const uint8_t *p, size_t datalen, uint8_t type, struct cv_tk_packet *pk)
{
	if (p[9] != 1 || p[8 + datalen - 1] != 1)
		return refuse(pk, "Codec 12 quantity is not 1");
	if (p[10] != type)
		return refuse(pk, type == CV_TK_C12_RESPONSE ? "not a Codec 12 response" : "not a Codec 12 command");
	if (be(p + 11, 4) != datalen - C12_OVERHEAD)
		return refuse(pk, "Codec 12 size mismatch");
	pk->count = 1;
	pk->text = p + 15;
	pk->text_len = datalen - C12_OVERHEAD;
	return CV_TK_COMPLETE;
}

/* The scan of both directions: c12type is the Codec 12 type expected; AVL packets only from a device. */
static enum cv_tk_res scan(const uint8_t *p, size_t n, struct cv_tk_packet *pk, uint8_t c12type)
{
	size_t datalen, min;
	enum cv_tk_res res;

	memset(pk, 0, sizeof(*pk));
	for (size_t i = 0; i < 4 && i < n; i++)
		if (p[i] != 0)
			return refuse(pk, "no preamble (4 zero bytes)");
	if (n < 8)
		return CV_TK_NEED_MORE;
	datalen = (size_t)be(p + 4, 4);
	if (datalen > CV_TK_MAX_DATA)
		return refuse(pk, "data field over 1280 bytes");
	if (n < 9)
		return CV_TK_NEED_MORE;
	pk->codec = p[8];
	if (pk->codec == CV_TK_CODEC12)
		min = C12_OVERHEAD;
	else if (pk->codec == CV_TK_CODEC8 && c12type == CV_TK_C12_RESPONSE)
		min = AVL_OVERHEAD + REC_MIN_8;
	else if (pk->codec == CV_TK_CODEC8E && c12type == CV_TK_C12_RESPONSE)
		min = AVL_OVERHEAD + REC_MIN_8E;
	else
		return refuse(pk, "unknown codec");
	if (datalen < min)
		return refuse(pk, "data field too short for its codec");
	if (n < 8 + datalen + 4)
		return CV_TK_NEED_MORE;
	if (be(p + 8 + datalen, 4) != cv_tk_crc16(p + 8, datalen))
		return refuse(pk, "wrong CRC");
	if (pk->codec == CV_TK_CODEC12)
		res = check_c12(p, datalen, c12type, pk);
	else
		res = check_avl(p, datalen, pk);
	if (res == CV_TK_COMPLETE)
		pk->len = 8 + datalen + 4;
	return res;
}

enum cv_tk_res cv_tk_scan(const uint8_t *p, size_t n, struct cv_tk_packet *pk)
{
	return scan(p, n, pk, CV_TK_C12_RESPONSE);
}

enum cv_tk_res cv_tk_scan_command(const uint8_t *p, size_t n, struct cv_tk_packet *pk)
{
	return scan(p, n, pk, CV_TK_C12_COMMAND);
}

void cv_tk_ack(unsigned count, uint8_t out[4])
{
	put_be(out, count, 4);
}

enum cv_err cv_tk_c12_encode(uint8_t type, const void *text, size_t len, uint8_t *out, size_t outsz,
			     size_t *outlen)
{
	const uint8_t *t = text;
	size_t datalen = len + C12_OVERHEAD;

	if (type != CV_TK_C12_COMMAND && type != CV_TK_C12_RESPONSE)
		return CV_EINVAL;
	if (len > CV_TK_MAX_DATA - C12_OVERHEAD || (type == CV_TK_C12_COMMAND && len == 0))
		return CV_EINVAL;
	for (size_t i = 0; type == CV_TK_C12_COMMAND && i < len; i++)
		if (t[i] < 0x20 || t[i] > 0x7E)
			return CV_EINVAL;
	if (outsz < 8 + datalen + 4)
		return CV_ETOOBIG;
	put_be(out, 0, 4);
	put_be(out + 4, datalen, 4);
	out[8] = CV_TK_CODEC12;
	out[9] = 1;
	out[10] = type;
	put_be(out + 11, len, 4);
	if (len)
		memcpy(out + 15, t, len);
	out[15 + len] = 1;
	put_be(out + 8 + datalen, cv_tk_crc16(out + 8, datalen), 4);
	*outlen = 8 + datalen + 4;
	return CV_OK;
}

/* ---- IO elements ---- */

const struct cv_tk_io *cv_tk_io_get(const struct cv_tk_record *r, unsigned id)
{
	for (unsigned i = 0; i < r->nio && i < CV_TK_MAX_IO; i++)
		if (r->io[i].id == id)
			return &r->io[i];
	return NULL;
}

bool cv_tk_io_uint(const struct cv_tk_record *r, unsigned id, uint64_t *v)
{
	const struct cv_tk_io *io = cv_tk_io_get(r, id);

	if (!io || io->var)
		return false;
	*v = io->value;
	return true;
}

/* Element id's value when it is at most max. */
static bool io_upto(const struct cv_tk_record *r, unsigned id, uint64_t max, uint64_t *v)
{
	return cv_tk_io_uint(r, id, v) && *v <= max;
}

static bool io_flag(const struct cv_tk_record *r, unsigned id, bool *on)
{
	uint64_t v;

	if (!io_upto(r, id, 1, &v))
		return false;
	*on = v == 1;
	return true;
}

bool cv_tk_ignition(const struct cv_tk_record *r, bool *on)
{
	return io_flag(r, CV_TK_IO_IGNITION, on);
}

bool cv_tk_movement(const struct cv_tk_record *r, bool *moving)
{
	return io_flag(r, CV_TK_IO_MOVEMENT, moving);
}

/* Element id's value when it is at most max (below 2^32). */
static bool io_u32(const struct cv_tk_record *r, unsigned id, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (!io_upto(r, id, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool cv_tk_ext_voltage_mv(const struct cv_tk_record *r, uint32_t *mv)
{
	return io_u32(r, CV_TK_IO_EXT_VOLTAGE, UINT16_MAX, mv);
}

bool cv_tk_odometer_m(const struct cv_tk_record *r, uint32_t *m)
{
	return io_u32(r, CV_TK_IO_TOTAL_ODOMETER, UINT32_MAX, m);
}

bool cv_tk_can_mileage_m(const struct cv_tk_record *r, uint32_t *m)
{
	return io_u32(r, CV_TK_IO_CAN_MILEAGE, UINT32_MAX, m);
}

bool cv_tk_fuel_pct(const struct cv_tk_record *r, unsigned *pct)
{
	uint64_t v;

	if (!io_upto(r, CV_TK_IO_CAN_FUEL_LEVEL, 100, &v) && !io_upto(r, CV_TK_IO_OBD_FUEL_LEVEL, 100, &v))
		return false;
	*pct = (unsigned)v;
	return true;
}

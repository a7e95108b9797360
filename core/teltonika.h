/*
 * teltonika.h - the Teltonika trackers' TCP protocol, as bytes: the IMEI
 * handshake, AVL data packets (Codec 8 and Codec 8 Extended) and their
 * acknowledgement, Codec 12 commands and responses.
 *
 * Pure: no I/O, no allocation, nothing kept between calls. Every function
 * reads a caller's buffer and writes into caller-owned fixed-size values;
 * every count read from the wire is checked against the bytes present and
 * the ceilings below before it is used. The layouts are those of the
 * public "Teltonika Data Sending Protocols" (Codec) pages of
 * wiki.teltonika-gps.com; their worked examples are t/unit-teltonika.c's
 * vectors.
 *
 * A connection, as cvapi's daemon speaks it:
 *
 *   device: IMEI handshake      -> cv_tk_imei_scan(); reply CV_TK_IMEI_ACCEPT
 *                                  (1 byte) or CV_TK_IMEI_REFUSE and close
 *   device: AVL packet          -> cv_tk_scan(); store the records
 *                                  (cv_tk_avl_open/next), then send
 *                                  cv_tk_ack() of pk.count
 *   server: Codec 12 command    <- cv_tk_c12_encode(CV_TK_C12_COMMAND, ...)
 *   device: Codec 12 response   -> cv_tk_scan(): pk.text, pk.text_len
 *
 * Incremental reading: the scan functions are told every byte received so
 * far (from the start of the message) and answer
 *
 *   CV_TK_NEED_MORE   a prefix of a message that may still be valid: read
 *                     more and call again with the longer buffer;
 *   CV_TK_COMPLETE    a whole valid message of `len` bytes at the start of
 *                     the buffer (bytes after it are the next message's);
 *   CV_TK_MALFORMED   not a valid message, whatever follows: `why` is a
 *                     static English reason for the log; close the
 *                     connection (the stream cannot be resynchronised).
 *
 * A refusal comes as soon as the bytes present prove it (a wrong preamble
 * at the first byte, an oversized length at the eighth, an unknown codec
 * at the ninth), so a peer cannot make the caller buffer a packet that
 * will be refused. The answers are monotonic: once a prefix is COMPLETE or
 * MALFORMED, every longer buffer gets the same answer (the fuzz harness
 * checks it).
 */
#ifndef CV_TELTONIKA_H
#define CV_TELTONIKA_H

#include "cv.h"

enum cv_tk_res {
	CV_TK_NEED_MORE = 0,
	CV_TK_COMPLETE,
	CV_TK_MALFORMED
};

/* ---- the IMEI handshake --------------------------------------------------
 *
 * The device's first message: the IMEI's length (2 bytes, big-endian),
 * then its ASCII digits (000F333536333037303432343431303133 is
 * "356307042441013"). The server answers one byte: 01 to accept, 00 to
 * refuse.
 *
 * Refused: a length of 0 or over CV_TK_IMEI_MAX (an IMEI has 15 digits,
 * an IMEISV 16; 17 leaves room for either with a stray digit, and refuses
 * at the first byte anything that is not a handshake), and any byte that
 * is not a decimal digit. The Luhn check digit is not verified: the
 * handshake only names a device, which the daemon looks up among the
 * registered ones, and a registered IMEI passes whatever its check digit;
 * refusing a bad check digit here would only refuse devices the lookup
 * refuses anyway, and simulators' made-up IMEIs. cv_tk_luhn_ok() is there
 * for who registers a device (a typo in an IMEI typed by hand).
 *
 * Reasons (`why`): "empty IMEI", "IMEI longer than 17 digits", "IMEI is
 * not all digits".
 */
#define CV_TK_IMEI_MAX 17
#define CV_TK_IMEI_ACCEPT 0x01
#define CV_TK_IMEI_REFUSE 0x00

struct cv_tk_imei {
	char digits[CV_TK_IMEI_MAX + 1];  /* COMPLETE: the IMEI, NUL-terminated */
	size_t len;                       /* COMPLETE: bytes of the handshake (2 + digits) */
	const char *why;                  /* MALFORMED: the reason */
};

enum cv_tk_res cv_tk_imei_scan(const uint8_t *p, size_t n, struct cv_tk_imei *out);

/* True when the string is 1 or more decimal digits whose last is their Luhn check digit. */
bool cv_tk_luhn_ok(const char *digits);

/* ---- packets ------------------------------------------------------------
 *
 * Every packet after the handshake, both ways, is framed alike:
 *
 *   00000000 | data length (4, BE) | data: codec id ... | CRC (4, BE)
 *
 * the CRC being CRC-16/IBM (polynomial 0xA001 reflected, initial value 0,
 * the catalogues' CRC-16/ARC) of the data field, in the low 2 bytes of its
 * 4 (the high 2 must be zero).
 *
 * Ceiling: a data field of at most CV_TK_MAX_DATA bytes. The documentation
 * gives 1280 bytes as the largest AVL packet of every device but the
 * FMx640 family (512); counted as the whole packet or as its data field,
 * such a packet fits. The same ceiling holds for Codec 12 both ways, so a
 * caller's receive buffer of CV_TK_MAX_PACKET bytes always holds a whole
 * message.
 */
#define CV_TK_CODEC8 0x08
#define CV_TK_CODEC8E 0x8E
#define CV_TK_CODEC12 0x0C
#define CV_TK_C12_COMMAND 0x05   /* Codec 12 message type: server -> device */
#define CV_TK_C12_RESPONSE 0x06  /* device -> server */

#define CV_TK_MAX_DATA 1280
#define CV_TK_MAX_PACKET (8 + CV_TK_MAX_DATA + 4)

struct cv_tk_packet {
	size_t len;            /* COMPLETE: bytes of the packet, preamble to CRC */
	uint8_t codec;         /* once the ninth byte is in: CV_TK_CODEC8, 8E, 12, or the unknown one */
	unsigned count;        /* COMPLETE AVL: the number of records (1 to 255), to acknowledge; Codec 12: 1 */
	const uint8_t *text;   /* COMPLETE Codec 12: its text, inside the caller's buffer, */
	size_t text_len;       /*   not terminated, any bytes (escape it before logging) */
	const char *why;       /* MALFORMED: the reason */
};

/*
 * What a device sends after its handshake: an AVL packet (Codec 8 or 8
 * Extended) or a Codec 12 response. COMPLETE means the whole packet is
 * valid: its CRC, both record counts equal and not 0, every record whole
 * and exactly filling the data field, every record's IO element count
 * equal to the sum of its groups' counts; for Codec 12: quantities 1,
 * type 0x06, a text size that fills the data field. Nothing is half
 * accepted: a packet refused for any of its records is refused whole, so
 * the device resends it, and the caller closes the connection.
 *
 * Reasons (`why`): "no preamble (4 zero bytes)", "data field over 1280
 * bytes", "unknown codec", "data field too short for its codec", "wrong
 * CRC", "no records", "record count mismatch", "truncated record",
 * "timestamp out of range", "IO element count mismatch", "too many IO
 * elements", "data field longer than its records", "Codec 12 quantity is
 * not 1", "not a Codec 12 response", "Codec 12 size mismatch".
 */
enum cv_tk_res cv_tk_scan(const uint8_t *p, size_t n, struct cv_tk_packet *pk);

/*
 * What the server sends: a Codec 12 command (type 0x05), the other way
 * round, for a simulated device (cvsim) and the tests. Anything else,
 * AVL packets included, is "unknown codec" or "not a Codec 12 command".
 */
enum cv_tk_res cv_tk_scan_command(const uint8_t *p, size_t n, struct cv_tk_packet *pk);

/* The acknowledgement of an AVL packet: its record count, 4 bytes big-endian. */
void cv_tk_ack(unsigned count, uint8_t out[4]);

/*
 * A Codec 12 message of type CV_TK_C12_COMMAND or CV_TK_C12_RESPONSE
 * carrying text[0..len) (quantities 1, the CRC computed), written to out:
 * len + 20 bytes (*outlen). A command is 1 to CV_TK_MAX_DATA - 8 bytes of
 * printable ASCII (0x20 to 0x7E: "setdigout 1", "getinfo"); a response
 * (for a simulated device) any 0 to CV_TK_MAX_DATA - 8 bytes. CV_EINVAL
 * for another type, an empty, oversized or unprintable command, or an
 * oversized response; CV_ETOOBIG when out (outsz bytes) is too small. On
 * an error nothing is written.
 */
enum cv_err cv_tk_c12_encode(uint8_t type, const void *text, size_t len, uint8_t *out, size_t outsz,
			     size_t *outlen);

/* CRC-16/IBM (ARC) of p[0..n): "123456789" gives 0xBB3D. */
uint16_t cv_tk_crc16(const uint8_t *p, size_t n);

/* ---- records ------------------------------------------------------------
 *
 * A record of an AVL packet, decoded into fixed-size members:
 *
 *   timestamp (8 bytes, ms since the epoch, UTC), priority (1: 0 low, 1
 *   high, 2 panic), GNSS element (15: longitude and latitude as signed
 *   32-bit two's complement in 1e-7 degrees, altitude in m (signed),
 *   angle in degrees from north, satellites, speed in km/h), IO element.
 *
 * The IO element: the id of the element whose change made the record (0:
 * none, a periodic record), the total count, then groups of elements with
 * 1-, 2-, 4- and 8-byte values, each group a count then (id, value)
 * pairs; Codec 8 has 1-byte ids and counts, Codec 8 Extended 2-byte ones
 * and a last group of variable-length elements (id, 2-byte length,
 * bytes). Values are big-endian; they are kept unsigned, as sent: the AVL
 * ID lists say which are signed, and in what unit.
 *
 * Every element is kept, in the packet's order. CV_TK_MAX_IO is the most
 * one record can hold under CV_TK_MAX_DATA (Codec 8 Extended, 1-byte
 * values, 3 bytes each after the 38 bytes of a record without elements;
 * Codec 8's 1-byte total caps it at 255), so no element is ever dropped
 * for want of room; a record claiming more is refused.
 *
 * valid: the documentation says a record taken without a GNSS fix carries
 * the last fix's position with angle, satellites and speed 0; cvapi takes
 * satellites 0 with speed 0 as no fix (the position is then not the
 * vehicle's present one).
 */
#define CV_TK_MAX_IO ((CV_TK_MAX_DATA - 3 - 38) / 3)

struct cv_tk_io {
	uint16_t id;
	uint16_t size;     /* 1, 2, 4 or 8; a variable-length element's length (0 to 65535) */
	uint16_t off;      /* the value's first byte, from the packet's start */
	bool var;          /* a variable-length element (Codec 8 Extended's last group) */
	uint64_t value;    /* a fixed-size element's value; 0 for a variable-length one */
};

struct cv_tk_record {
	int64_t at_ms;
	uint8_t priority;
	int32_t lon_e7;
	int32_t lat_e7;
	int16_t alt_m;
	uint16_t angle;
	uint8_t sats;
	uint16_t speed_kmh;
	bool valid;
	uint16_t event_id;
	unsigned nio;
	struct cv_tk_io io[CV_TK_MAX_IO];
};

/* A reader over the records of an AVL packet that cv_tk_scan() found COMPLETE. */
struct cv_tk_avl {
	const uint8_t *p;
	size_t off;
	size_t end;
	uint8_t codec;
	unsigned left;
};

void cv_tk_avl_open(struct cv_tk_avl *r, const uint8_t *p, const struct cv_tk_packet *pk);
/* The next record into *rec; false after the last (or on a packet not scanned COMPLETE). */
bool cv_tk_avl_next(struct cv_tk_avl *r, struct cv_tk_record *rec);

/* ---- IO elements --------------------------------------------------------
 *
 * AVL IDs of a car tracker, from Teltonika's AVL ID lists ("Teltonika Data
 * Sending Parameters ID" of the FMB and FMC models, and the LV-CAN200 /
 * CAN-CONTROL adapters' parameter tables); units as listed there.
 */
#define CV_TK_IO_TOTAL_ODOMETER 16    /* 4 bytes, m: the tracker's own (GNSS) odometer */
#define CV_TK_IO_OBD_FUEL_LEVEL 48    /* 1 byte, %: OBD trackers (FMB001/003...) */
#define CV_TK_IO_EXT_VOLTAGE 66       /* 2 bytes, mV (0.001 V; FMB930: 0.01 V): the vehicle's supply */
#define CV_TK_IO_CAN_SPEED 81         /* 1 byte, km/h: CAN adapters */
#define CV_TK_IO_CAN_FUEL_LITRES 84   /* 2 bytes, 0.1 l: CAN adapters */
#define CV_TK_IO_CAN_RPM 85           /* 2 bytes, rpm: CAN adapters */
#define CV_TK_IO_CAN_MILEAGE 87       /* 4 bytes, m: the vehicle's odometer from CAN */
#define CV_TK_IO_CAN_FUEL_LEVEL 89    /* 1 byte, %: CAN adapters */
#define CV_TK_IO_IGNITION 239         /* 1 byte: 0 off, 1 on */
#define CV_TK_IO_MOVEMENT 240         /* 1 byte: 0 still, 1 moving */
#define CV_TK_IO_CRASH 247            /* 1 byte: crash detection event */

/* The first element with that id, or NULL. */
const struct cv_tk_io *cv_tk_io_get(const struct cv_tk_record *r, unsigned id);
/* A fixed-size element's value (any of the four sizes: devices differ); false when absent or variable. */
bool cv_tk_io_uint(const struct cv_tk_record *r, unsigned id, uint64_t *v);

/*
 * The usual ones, false when the record does not carry them or carries a
 * value out of the documented range (ignition and movement 0 or 1, a
 * level 0 to 100, a voltage 0 to 65535 mV, an odometer 0 to 2^32-1 m).
 */
bool cv_tk_ignition(const struct cv_tk_record *r, bool *on);
bool cv_tk_movement(const struct cv_tk_record *r, bool *moving);
bool cv_tk_ext_voltage_mv(const struct cv_tk_record *r, uint32_t *mv);
bool cv_tk_odometer_m(const struct cv_tk_record *r, uint32_t *m);        /* CV_TK_IO_TOTAL_ODOMETER */
bool cv_tk_can_mileage_m(const struct cv_tk_record *r, uint32_t *m);     /* CV_TK_IO_CAN_MILEAGE */
/* The fuel level in %: the CAN adapter's (89) when present, else the OBD one (48). */
bool cv_tk_fuel_pct(const struct cv_tk_record *r, unsigned *pct);

#endif

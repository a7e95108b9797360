/* ids.c - random identifiers and encodings (see ids.h). */
#include "ids.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

void cv_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			cv_die("getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
}

void cv_hex(const void *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum cv_err cv_unhex(const char *s, void *out, size_t n)
{
	unsigned char *o = out;

	if (strlen(s) != 2 * n)
		return CV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return CV_EINVAL;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return CV_OK;
}

void cv_uuid4(char out[CV_UUID_STRLEN])
{
	unsigned char b[16];
	char h[33];

	cv_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	cv_hex(b, sizeof(b), h);
	memcpy(out, h, 8);
	out[8] = '-';
	memcpy(out + 9, h + 8, 4);
	out[13] = '-';
	memcpy(out + 14, h + 12, 4);
	out[18] = '-';
	memcpy(out + 19, h + 16, 4);
	out[23] = '-';
	memcpy(out + 24, h + 20, 12);
	out[36] = '\0';
}

static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t cv_b64url(const void *data, size_t n, char *out)
{
	const unsigned char *p = data;
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
		out[o++] = b64u[(v >> 6) & 63];
		out[o++] = b64u[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
		out[o++] = b64u[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64u, c) : NULL;

	return p ? (int)(p - b64u) : -1;
}

long cv_unb64url(const char *s, size_t len, void *out, size_t outsz)
{
	unsigned char *o = out;
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outsz)
				return -1;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1; /* non-canonical trailing bits */
	return (long)n;
}

/* ---- record ids ---------------------------------------------------------- */

void cv_coll_id(char *out, const char *vid, int64_t at, unsigned suffix, size_t slen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = CV_ID_LEN(slen);

	memcpy(out, vid, 32);
	for (size_t i = 0; i < 16; i++)
		out[32 + i] = hex[((uint64_t)at >> (60 - 4 * i)) & 15];
	for (size_t i = 48; i < n; i++)
		out[i] = hex[(suffix >> (4 * (n - 1 - i))) & 15];
	out[n] = '\0';
}

/* Parse an id of this collection into its vehicle (32 hex), time and suffix; false if malformed. */
bool cv_coll_parse_id(const char *id, size_t slen, char vid[33], int64_t *at, unsigned *suffix)
{
	size_t n = CV_ID_LEN(slen);
	uint64_t t = 0;
	unsigned s = 0;

	if (strlen(id) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = id[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return false;
		if (i < 32)
			continue;
		if (i < 48)
			t = t << 4 | (uint64_t)v;
		else
			s = s << 4 | (unsigned)v;
	}
	if (t > (uint64_t)INT64_MAX / 65536 || (slen == 1 && s > 255))
		return false;
	memcpy(vid, id, 32);
	vid[32] = '\0';
	*at = (int64_t)t;
	*suffix = s;
	return true;
}

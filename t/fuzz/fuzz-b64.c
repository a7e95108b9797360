/*
 * fuzz-b64.c - libFuzzer harness for cv_unb64url, cv_b64url and cv_unhex
 * (core/ids.c).
 *
 * Build and run (from the source tree, or `make fuzz` in a build tree):
 *
 *   t/fuzz/build.sh . /tmp/fuzz
 *   mkdir -p /tmp/fuzz/corpus-b64 && printf 'Zm9vYmFy' > /tmp/fuzz/corpus-b64/a
 *   /tmp/fuzz/fuzz-b64 -max_total_time=60 /tmp/fuzz/corpus-b64
 *
 * Checks: what decodes re-encodes to the same text (only canonical input
 * is accepted); any bytes encode and decode back; the output bound is
 * respected.
 */
#include "ids.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = size * 3 / 4 + 1;
	unsigned char *dec = cv_malloc(cap);
	char *enc2 = cv_malloc((size * 4) / 3 + 8);
	unsigned char *back = cv_malloc(size + 1);
	long n;
	size_t el;

	/* text -> bytes -> text */
	n = cv_unb64url((const char *)data, size, dec, cap);
	if (n >= 0) {
		if ((size_t)n > cap)
			abort();
		el = cv_b64url(dec, (size_t)n, enc2);
		if (el != size || memcmp(enc2, data, size))
			abort();
	}
	/* a tight output buffer: refused or exact, never past it */
	if (size > 4) {
		long m = cv_unb64url((const char *)data, size, dec, 1);

		if (m > 1)
			abort();
	}
	/* bytes -> text -> bytes */
	el = cv_b64url(data, size, enc2);
	if (el != (size * 4 + 2) / 3 || strlen(enc2) != el)
		abort();
	n = cv_unb64url(enc2, el, back, size);
	if (n != (long)size || (size && memcmp(back, data, size)))
		abort();
	/* hex */
	{
		char *s = cv_strndup((const char *)data, size);
		size_t hl = strlen(s);

		if (hl % 2 == 0 && cv_unhex(s, back, hl / 2) == CV_OK) {
			char *h = cv_malloc(hl + 1);

			cv_hex(back, hl / 2, h);
			for (size_t i = 0; i < hl; i++)
				if (h[i] != (s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]))
					abort();
			free(h);
		}
		free(s);
	}
	free(dec);
	free(enc2);
	free(back);
	return 0;
}

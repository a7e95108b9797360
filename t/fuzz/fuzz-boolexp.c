/*
 * fuzz-boolexp.c - libFuzzer harness for a monitor's boolean expression
 * (core/boolexp.c): any text against five trigger names.
 *
 * Checks: a refusal says why, in a terminated message; what parses
 * evaluates for every assignment of its variables and names only known
 * triggers.
 */
#include "boolexp.h"
#include "cv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "zone", "fuel", "z1", "a", "b_2" };
	struct cv_boolexp x;
	char err[128];
	char *text = cv_malloc(size + 1);
	enum cv_err e;

	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 'x', sizeof(err));
	e = cv_boolexp_parse(text, names, 5, &x, err, sizeof(err));
	if (e == CV_OK) {
		if (cv_boolexp_uses(&x) & ~0x1fu)
			abort();
		for (uint32_t v = 0; v < 32; v++)
			(void)cv_boolexp_eval(&x, v);
	} else if (e != CV_EINVAL || !memchr(err, '\0', sizeof(err)) || !err[0]) {
		abort();
	}
	free(text);
	return 0;
}

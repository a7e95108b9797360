/*
 * tap.h - a minimal TAP producer for cvapi's C unit tests.
 *
 *   int main(void) {
 *       ok(1 + 1 == 2, "addition");
 *       is_int(f(), 3, "f gives 3");
 *       is_str(s, "x", "s is x");
 *       return tap_done();   // prints the plan, exit status 1 on any failure
 *   }
 *
 * Header-only on purpose: each unit test is one .c file linked with the
 * libraries it tests.
 */
#ifndef CV_TAP_H
#define CV_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static void tap_vdesc(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void tap_vdesc(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
	putchar('\n');
}

static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));
static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	tap_vdesc(fmt, ap);
	va_end(ap);
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	return cond;
}

static int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6), unused));
static int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int cond = got == want;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	tap_vdesc(fmt, ap);
	va_end(ap);
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s line %d\n#        got: %lld\n#   expected: %lld\n", file, line, got, want);
	}
	return cond;
}

static int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6), unused));
static int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int cond = got && want && !strcmp(got, want);

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	tap_vdesc(fmt, ap);
	va_end(ap);
	if (!cond) {
		tap_failed++;
		printf("#   Failed at %s line %d\n#        got: '%s'\n#   expected: '%s'\n", file, line,
		       got ? got : "(null)", want ? want : "(null)");
	}
	return cond;
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

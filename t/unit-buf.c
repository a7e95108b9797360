/* unit-buf.c - tests of core/buf: growth, ceiling, addf, detach, truncate. */
#include "buf.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_empty(void)
{
	struct cv_buf b;

	cv_buf_init(&b, 0);
	ok(b.p == NULL, "a new buffer has no memory");
	is_int(b.len, 0, "a new buffer is empty");
	is_str(cv_buf_str(&b), "", "cv_buf_str of an empty buffer is \"\"");
	ok(b.max == SIZE_MAX / 2, "max 0 means SIZE_MAX/2");
	is_int(cv_buf_add(&b, "", 0), CV_OK, "adding nothing is fine");
	ok(b.p != NULL && b.p[0] == '\0', "after adding nothing the buffer is a NUL-terminated string");
	cv_buf_release(&b);
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "release frees and zeroes");
	cv_buf_release(&b);
	ok(1, "a second release is harmless");
}

static void test_growth(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	char big[5000];
	bool same = true;

	for (int i = 0; i < 1000; i++)
		if (cv_buf_addc(&b, (char)('a' + i % 26))) {
			same = false;
			break;
		}
	ok(same, "1000 single characters added");
	is_int(b.len, 1000, "length is 1000");
	ok(b.cap > b.len, "capacity leaves room for the NUL");
	is_int(b.p[1000], '\0', "always NUL-terminated");
	for (int i = 0; i < 1000; i++)
		if (b.p[i] != (char)('a' + i % 26))
			same = false;
	ok(same, "contents kept through every reallocation");

	memset(big, 'x', sizeof(big));
	is_int(cv_buf_add(&b, big, sizeof(big)), CV_OK, "a 5000-byte block is added");
	is_int(b.len, 6000, "length 6000");
	ok(b.p[999] == 'l' && b.p[1000] == 'x' && b.p[5999] == 'x' && b.p[6000] == '\0', "old and new contents in place");

	cv_buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	ok(b.p != NULL && b.p[0] == '\0', "reset keeps the memory, empty string");
	is_int(cv_buf_adds(&b, "hello"), CV_OK, "adds after reset");
	is_str(cv_buf_str(&b), "hello", "contents after reset");
	is_int(cv_buf_grow(&b, 100000), CV_OK, "grow makes room");
	ok(b.cap >= 100006, "capacity after grow covers len + n + 1");
	is_str(b.p, "hello", "grow keeps the contents");
	cv_buf_release(&b);
}

static void test_ceiling(void)
{
	struct cv_buf b;
	size_t cap;

	cv_buf_init(&b, 10);
	is_int(cv_buf_adds(&b, "0123456789"), CV_OK, "exactly max bytes fit");
	is_int(b.len, 10, "length 10");
	cap = b.cap;
	is_int(cv_buf_addc(&b, 'x'), CV_ETOOBIG, "one byte past max is CV_ETOOBIG");
	is_int(b.len, 10, "length unchanged after CV_ETOOBIG");
	is_str(b.p, "0123456789", "contents unchanged after CV_ETOOBIG");
	ok(b.cap == cap, "capacity unchanged after CV_ETOOBIG");
	is_int(cv_buf_addf(&b, "%d", 7), CV_ETOOBIG, "addf past max is CV_ETOOBIG");
	is_str(b.p, "0123456789", "contents unchanged after a refused addf");
	is_int(cv_buf_add(&b, "", 0), CV_OK, "adding nothing at the ceiling is fine");
	is_int(cv_buf_grow(&b, SIZE_MAX), CV_ETOOBIG, "grow by SIZE_MAX is refused, no overflow");
	cv_buf_truncate(&b, 5);
	is_int(cv_buf_adds(&b, "abcde"), CV_OK, "after truncation there is room again");
	is_str(b.p, "01234abcde", "contents after refill");
	cv_buf_release(&b);

	cv_buf_init(&b, 4);
	is_int(cv_buf_adds(&b, "hello"), CV_ETOOBIG, "a first addition over max is refused");
	ok(b.p == NULL && b.len == 0, "and leaves the buffer untouched (no memory)");
	is_str(cv_buf_str(&b), "", "still the empty string");
	cv_buf_release(&b);

	b = (struct cv_buf)CV_BUF_INIT(0);
	is_int(cv_buf_add(&b, "x", 1), CV_OK, "CV_BUF_INIT(0) is usable (max fixed on first growth)");
	ok(b.max == SIZE_MAX / 2, "max set to SIZE_MAX/2");
	cv_buf_release(&b);
}

static void test_addf(void)
{
	struct cv_buf b = CV_BUF_INIT(0);
	char longs[300];

	is_int(cv_buf_addf(&b, "%s=%d", "a", 1), CV_OK, "addf");
	is_int(cv_buf_addf(&b, ",%s=%lld", "b", -9000000000LL), CV_OK, "addf appends");
	is_str(b.p, "a=1,b=-9000000000", "addf contents");
	is_int(b.len, strlen("a=1,b=-9000000000"), "addf length");
	is_int(cv_buf_addf(&b, "%s", ""), CV_OK, "addf of an empty string");
	is_int(b.len, 17, "length unchanged by an empty addf");
	memset(longs, 'y', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	cv_buf_reset(&b);
	is_int(cv_buf_addf(&b, "[%s]", longs), CV_OK, "addf of 301 bytes (past the first allocation)");
	is_int(b.len, 301, "length 301");
	ok(b.p[0] == '[' && b.p[300] == ']' && b.p[301] == '\0', "long addf contents");
	cv_buf_release(&b);

	cv_buf_init(&b, 8);
	is_int(cv_buf_addf(&b, "%08d", 42), CV_OK, "addf of exactly max bytes");
	is_str(b.p, "00000042", "contents");
	cv_buf_release(&b);
}

static void test_truncate(void)
{
	struct cv_buf b = CV_BUF_INIT(0);

	cv_buf_adds(&b, "abcdef");
	cv_buf_truncate(&b, 3);
	is_str(b.p, "abc", "truncate to 3");
	is_int(b.len, 3, "length 3");
	cv_buf_truncate(&b, 10);
	is_str(b.p, "abc", "truncate past the end does nothing");
	is_int(b.len, 3, "length still 3");
	cv_buf_truncate(&b, 0);
	is_str(b.p, "", "truncate to 0");
	cv_buf_release(&b);

	b = (struct cv_buf)CV_BUF_INIT(0);
	cv_buf_truncate(&b, 0);
	ok(b.p == NULL, "truncating an unallocated buffer is harmless");
}

static void test_detach(void)
{
	struct cv_buf b = CV_BUF_INIT(100);
	size_t len = 99;
	char *p;

	cv_buf_adds(&b, "payload");
	p = cv_buf_detach(&b, &len);
	is_str(p, "payload", "detach hands over the contents");
	is_int(len, 7, "and their length");
	ok(b.p == NULL && b.len == 0 && b.cap == 0, "the buffer is reset");
	is_int(b.max, 100, "the ceiling is kept");
	free(p);

	p = cv_buf_detach(&b, &len);
	ok(p != NULL, "detaching an empty buffer gives a string");
	is_str(p, "", "an empty one");
	is_int(len, 0, "of length 0");
	free(p);

	cv_buf_adds(&b, "again");
	p = cv_buf_detach(&b, NULL);
	is_str(p, "again", "detach with len NULL");
	free(p);
	cv_buf_release(&b);
}

int main(void)
{
	test_empty();
	test_growth();
	test_ceiling();
	test_addf();
	test_truncate();
	test_detach();
	return tap_done();
}

/* unit-ratelimit.c - tests of db/ratelimit's brake on guessing: failures counted at any instant of the clock. */
#include "ratelimit.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MINUTE 60000LL
#define T0 (1764547200000LL)        /* 2025-12-01T00:00:00Z: a minute's start */

/* 10 failures of a fresh key, 50 ms apart, the first at `at`: the delay of the lockout (0: none). */
static int64_t ten_failures(struct cv_rl *t, const char *name, int64_t at)
{
	uint64_t key = cv_rl_key(t, 'a', name, strlen(name));
	int64_t delay = 0;

	for (int i = 0; i < 10; i++)
		delay = cv_rl_failed(t, key, 10, 2000, 86400000, at + 50 * i);
	return delay;
}

int main(void)
{
	char dir[] = "/tmp/cvrl-XXXXXX", path[64];
	struct cv_rl t;
	uint64_t key;

	if (!mkdtemp(dir))
		return 1;
	is_int(cv_rl_open(&t, dir), CV_OK, "the table made");
	/* 10 failures within a second, wherever it falls in the clock's minutes */
	is_int(ten_failures(&t, "start", T0), 2000, "within a minute: locked");
	is_int(ten_failures(&t, "edge", T0 + MINUTE - 250), 2000, "5 before a minute's edge, 5 after: locked");
	is_int(ten_failures(&t, "late", T0 + MINUTE - 10), 2000, "1 before the edge, 9 after: locked");
	key = cv_rl_key(&t, 'a', "edge", 4);
	ok(cv_rl_locked(&t, key, T0 + MINUTE + 300) > 0, "and it holds");
	is_int(cv_rl_locked(&t, key, T0 + MINUTE + 2500), 0, "until the delay has passed");
	/* 9 failures, then the 10th two minutes later: the first 9 are forgotten */
	key = cv_rl_key(&t, 'a', "slow", 4);
	for (int i = 0; i < 9; i++)
		is_int(cv_rl_failed(&t, key, 10, 2000, 86400000, T0 + i), 0, "failure %d: not yet", i + 1);
	is_int(cv_rl_failed(&t, key, 10, 2000, 86400000, T0 + 2 * MINUTE + 1), 0, "the 10th, two minutes on: not locked");
	/* a success forgets the failures */
	key = cv_rl_key(&t, 'a', "fine", 4);
	for (int i = 0; i < 9; i++)
		cv_rl_failed(&t, key, 10, 2000, 86400000, T0 + i);
	cv_rl_succeeded(&t, key);
	is_int(cv_rl_failed(&t, key, 10, 2000, 86400000, T0 + 20), 0, "after a success, a failure starts again");
	cv_rl_close(&t);
	snprintf(path, sizeof(path), "%s/%s", dir, CV_RL_FILE);
	unlink(path);
	rmdir(dir);
	return tap_done();
}

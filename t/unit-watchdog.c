/*
 * unit-watchdog.c - tests of cgi/watchdog: the store deadline ends a stuck
 * phase, the client deadline shuts a slow connection down, and neither
 * moves when the wall clock steps (the clock seam stands for an NTP step
 * or an operator's date).
 *
 * SIGALRM, the store deadline's signal, is caught here and counted instead
 * of ending the test.
 */
#include "watchdog.h"
#include "cvtime.h"
#include "tap.h"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static char clock_file[64];

static void bail_out(const char *what, const char *arg)
{
	printf("Bail out! %s%s\n", what, arg);
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Wait until cond() or ms have passed on the monotonic clock; the ms waited. */
static int64_t wait_for(bool (*cond)(void), int64_t ms)
{
	int64_t t0 = cv_mono_ms();

	while (!(cond && cond()) && cv_mono_ms() - t0 < ms) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);   /* a signal cuts it short: looked at again */
	}
	return cv_mono_ms() - t0;
}

static bool alarmed(void)
{
	return alarms > 0;
}

static bool cut(void)
{
	return cv_wd_cut();
}

/* Step the wall clock the programs see by ms (the seam's file, replaced whole). */
static void step_clock(int64_t ms)
{
#ifdef CV_CLOCK_SEAM
	static int64_t offset;
	char tmp[80];
	FILE *f;

	offset += ms;
	snprintf(tmp, sizeof(tmp), "%s.new", clock_file);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%lld\n", (long long)offset) < 0 || fclose(f) || rename(tmp, clock_file))
		bail_out("cannot write the clock file ", clock_file);
#else
	(void)ms;
#endif
}

static void test_store(void)
{
	int64_t took;

	/* an hour ahead within a phase: the phase is not an hour old */
	alarms = 0;
	cv_wd_store();
	step_clock(3600 * 1000);
	wait_for(NULL, 700);
	cv_wd_idle();
	ok(alarms == 0, "a store phase of 700 ms, with the wall clock stepped an hour ahead in it: no alarm (%d)", (int)alarms);

	/* the deadline itself */
	alarms = 0;
	cv_wd_store();
	took = wait_for(alarmed, 5000);
	cv_wd_idle();
	ok(alarms > 0 && took >= 900 && took < 2500, "a store phase past its deadline of 1 s: SIGALRM after %lld ms",
	   (long long)took);

	/* two hours back within a phase: the deadline still comes */
	alarms = 0;
	cv_wd_store();
	step_clock(-2 * 3600 * 1000);
	took = wait_for(alarmed, 5000);
	cv_wd_idle();
	ok(alarms > 0 && took >= 900 && took < 2500,
	   "the wall clock stepped two hours back in a store phase: SIGALRM at its deadline all the same (%lld ms)",
	   (long long)took);

	/* idle: no deadline */
	alarms = 0;
	wait_for(NULL, 1300);
	ok(alarms == 0, "idle for 1.3 s: no alarm");
}

static void test_client(void)
{
	int sv[2];
	char c;
	int64_t took;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bail_out("socketpair", "");
	cv_wd_client(sv[0]);
	step_clock(3600 * 1000);
	wait_for(NULL, 700);
	ok(!cv_wd_cut(), "a client phase of 700 ms, with the wall clock stepped an hour ahead in it: the connection stays");
	took = wait_for(cut, 8000);
	ok(cv_wd_cut() && took + 700 >= 3900 && took + 700 < 5500,
	   "a client phase past its deadline of 4 s: the connection is shut down after %lld ms", (long long)(took + 700));
	ok(read(sv[0], &c, 1) == 0, "and a read on it sees the end");
	cv_wd_idle();
	close(sv[0]);
	close(sv[1]);

	/* a small body: its own, shorter deadline */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bail_out("socketpair", "");
	cv_wd_body(sv[0], 100);
	is_int(cv_wd_limit_seconds(), 3, "a body of 100 bytes has 2 s and what 100 bytes take at 16 KB/s: 3 s rounded up");
	took = wait_for(cut, 8000);
	ok(cv_wd_cut() && took >= 1900 && took < 3500, "and is cut after %lld ms, before the client deadline of 4 s",
	   (long long)took);
	cv_wd_idle();
	close(sv[0]);
	close(sv[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		bail_out("socketpair", "");
	cv_wd_body(sv[0], 4 << 20);
	is_int(cv_wd_limit_seconds(), 4, "a body of 4 MB: the client deadline");
	cv_wd_idle();
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	struct sigaction sa;
	char dir[] = "/tmp/cvwd-XXXXXX";

	if (!mkdtemp(dir))
		bail_out("mkdtemp", "");
	snprintf(clock_file, sizeof(clock_file), "%s/offset", dir);
	step_clock(0);
	setenv("CVAPI_CLOCK", clock_file, 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	cv_wd_start(1, 4);

	test_store();
	test_client();

	unlink(clock_file);
	rmdir(dir);
	return tap_done();
}

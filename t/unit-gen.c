/*
 * unit-gen.c - waiting on a generation slot (db/gen.h): a bump of the
 * outbox's slot by another process wakes a waiter at once, a wait with
 * nothing bumped lasts its time, a slot already moved does not wait.
 */
#include "gen.h"
#include "cvtime.h"
#include "tap.h"
#include "tmpstore.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char dir[] = "/tmp/cvapi-unit-gen.XXXXXX";
	struct cv_gen g = { 0 };
	uint64_t v;
	int64_t t;
	int pipefd[2], wst;
	pid_t pid;
	char c;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ok(cv_gen_open(&g, dir) == CV_OK, "the generations file maps");
	v = cv_gen_get(&g, CV_GEN_OUTBOX);

	t = cv_mono_ms();
	ok(!cv_gen_wait(&g, CV_GEN_OUTBOX, v, 100), "nothing bumped: the wait ends unmoved");
	ok(cv_mono_ms() - t >= 90, "after its time (%lld ms)", (long long)(cv_mono_ms() - t));

	cv_gen_bump(&g, CV_GEN_OUTBOX);
	t = cv_mono_ms();
	ok(cv_gen_wait(&g, CV_GEN_OUTBOX, v, 5000), "a slot already moved: true");
	ok(cv_mono_ms() - t < 50, "at once");
	v++;

	/* a child waits without a bound; this process bumps: it wakes */
	if (pipe(pipefd))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct cv_gen cg = { 0 };
		uint64_t seen;
		bool moved;

		alarm(10);                      /* never woken: killed, the test fails */
		if (cv_gen_open(&cg, dir))
			_exit(2);
		seen = cv_gen_get(&cg, CV_GEN_OUTBOX);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(2);
		moved = cv_gen_wait(&cg, CV_GEN_OUTBOX, seen, -1);
		while (!moved)                  /* (a wait may end early: again) */
			moved = cv_gen_wait(&cg, CV_GEN_OUTBOX, seen, -1);
		cv_gen_close(&cg);
		_exit(0);
	}
	ok(pid > 0 && read(pipefd[0], &c, 1) == 1, "a child maps the file and waits");
	usleep(200 * 1000);                     /* (well into its wait) */
	ok(waitpid(pid, &wst, WNOHANG) == 0, "it is still waiting");
	t = cv_mono_ms();
	cv_gen_bump(&g, CV_GEN_OUTBOX);
	ok(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "the bump woke it");
	ok(cv_mono_ms() - t < 1000, "within a second of the bump (%lld ms)", (long long)(cv_mono_ms() - t));
	ok(cv_gen_get(&g, CV_GEN_OUTBOX) == v + 1, "one bump");

	cv_gen_close(&g);
	ok(!cv_gen_wait(&g, CV_GEN_OUTBOX, 0, 1000), "closed: no wait");
	rm_store(dir);
	return tap_done();
}

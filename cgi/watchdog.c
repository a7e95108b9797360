/* watchdog.c - deadlines for each phase of a request (see watchdog.h). */
#include "config.h"
#include "watchdog.h"
#include "cvtime.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum wd_phase { WD_IDLE, WD_CLIENT, WD_STORE, WD_REPLY };

/* Shared by the request loop and the thread, under wd_lock. */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static enum wd_phase wd_phase;
static int64_t wd_since;               /* when the phase began (cv_mono_ms) */
static int wd_fd = -1;                 /* the connection, in CLIENT and REPLY */
static bool wd_cut;                    /* the connection was shut down */
static char wd_what[128];              /* the request under way, for the last words */

static int64_t wd_store_ms = 3000, wd_client_ms = 20000;
static int64_t wd_limit_ms = 20000;    /* the current CLIENT or REPLY phase's deadline */

static void wd_enter(enum wd_phase p, int fd)
{
	int64_t now = cv_mono_ms();

	pthread_mutex_lock(&wd_lock);
	/* a new request (from IDLE) starts with its connection whole */
	if (wd_phase == WD_IDLE)
		wd_cut = false;
	wd_phase = p;
	wd_since = now;
	wd_fd = fd;
	wd_limit_ms = wd_client_ms;
	pthread_mutex_unlock(&wd_lock);
}

void cv_wd_client(int fd)
{
	wd_enter(WD_CLIENT, fd);
}

void cv_wd_body(int fd, int64_t bytes)
{
	/* a length past the client deadline's worth is the client deadline (no overflow for any length) */
	int64_t ms = bytes > (int64_t)CV_WD_BODY_RATE * 3600 * 24 ? INT64_MAX
		: CV_WD_BODY_GRACE_MS + bytes * 1000 / CV_WD_BODY_RATE;

	wd_enter(WD_CLIENT, fd);
	pthread_mutex_lock(&wd_lock);
	if (ms < wd_limit_ms)
		wd_limit_ms = ms;
	pthread_mutex_unlock(&wd_lock);
}

unsigned cv_wd_limit_seconds(void)
{
	int64_t ms;

	pthread_mutex_lock(&wd_lock);
	ms = wd_limit_ms;
	pthread_mutex_unlock(&wd_lock);
	return (unsigned)((ms + 999) / 1000);
}

void cv_wd_store(void)
{
	wd_enter(WD_STORE, -1);
}

void cv_wd_reply(int fd)
{
	wd_enter(WD_REPLY, fd);
}

void cv_wd_idle(void)
{
	wd_enter(WD_IDLE, -1);
}

void cv_wd_what(const char *method, const char *path)
{
	pthread_mutex_lock(&wd_lock);
	snprintf(wd_what, sizeof(wd_what), "%s %s", method ? method : "", path ? path : "");
	pthread_mutex_unlock(&wd_lock);
}

bool cv_wd_cut(void)
{
	bool cut;

	pthread_mutex_lock(&wd_lock);
	cut = wd_cut;
	pthread_mutex_unlock(&wd_lock);
	return cut;
}

static void *wd_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		int64_t now;

		nanosleep(&ts, NULL);
		now = cv_mono_ms();
		pthread_mutex_lock(&wd_lock);
		if (wd_phase == WD_STORE && now - wd_since > wd_store_ms) {
			/* the last words: what was stuck, for whoever reads the log */
			fprintf(stderr, "cvapi[%ld]: watchdog: %s: %lld ms in the store (at most %lld): ending this "
				"process\n", (long)getpid(), wd_what, (long long)(now - wd_since), (long long)wd_store_ms);
			pthread_mutex_unlock(&wd_lock);
			kill(getpid(), SIGALRM);
			continue;
		}
		if ((wd_phase == WD_CLIENT || wd_phase == WD_REPLY) && !wd_cut && wd_fd >= 0 &&
		    now - wd_since > wd_limit_ms) {
			/* reads see end of file at once; in REPLY, writes fail too */
			shutdown(wd_fd, wd_phase == WD_CLIENT ? SHUT_RD : SHUT_RDWR);
			wd_cut = true;
		}
		pthread_mutex_unlock(&wd_lock);
	}
	return NULL;
}

void cv_wd_start(unsigned store_s, unsigned client_s)
{
	sigset_t all, old;
	pthread_t t;

	wd_store_ms = (int64_t)store_s * 1000;
	wd_client_ms = (int64_t)client_s * 1000;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, wd_main, NULL) == 0)
		pthread_detach(t);
	else
		fprintf(stderr, "cvapi: cannot start the request watchdog\n");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

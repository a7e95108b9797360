/*
 * watchdog.h - deadlines for each phase of a request, kept by one thread.
 *
 * A FastCGI program answers one request at a time, in phases:
 *
 *   CV_WD_IDLE    between requests: accepting, finishing a connection
 *   CV_WD_CLIENT  waiting on the client: reading the request body, which
 *                 Apache passes on as the client sends it
 *   CV_WD_STORE   working: authentication, the handler, purge steps and
 *                 store maintenance
 *   CV_WD_REPLY   sending the answer to the web server
 *
 * Waiting on a client is never a reason to die. A CLIENT or REPLY phase
 * that outlives the client deadline has its connection shut down (the
 * pending read sees end of file, a pending write fails), so the request
 * ends, with 408 when its body did not arrive, and the process goes on to
 * the next one. Only a STORE phase that outlives the store deadline ends
 * the process (SIGALRM, whose default action no wait inside Berkeley DB
 * can ignore): a process stuck on a mutex of a dead one can only be
 * replaced.
 *
 * One thread checks five times a second; a phase change is a store under
 * an uncontended mutex, no system call. The connection's descriptor is
 * only shut down, never closed, and only while its phase says it is open:
 * cv_wd_idle() must come before the descriptor is closed.
 */
#ifndef CV_WATCHDOG_H
#define CV_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

/* Start the thread (every signal blocked in it). Deadlines in seconds. */
void cv_wd_start(unsigned store_s, unsigned client_s);


/* Enter a phase; fd is the request's connection (CLIENT and REPLY). */
void cv_wd_client(int fd);
/*
 * The CLIENT phase of reading a body of `bytes`: its deadline is the
 * client deadline, or sooner for a small body, CV_WD_BODY_GRACE_MS plus
 * what CV_WD_BODY_RATE bytes a second take. A web server that passes a
 * body on as it comes (Apache) would otherwise let a client trickling a
 * small body hold a process for the whole client deadline, and a few
 * such clients every process of a program: a token request's body of a
 * few hundred bytes arrives in one packet, or not in 2 s at all.
 */
#define CV_WD_BODY_GRACE_MS 2000
#define CV_WD_BODY_RATE 16384
void cv_wd_body(int fd, int64_t bytes);
/* The current phase's client deadline, in whole seconds rounded up (for messages). */
unsigned cv_wd_limit_seconds(void);
void cv_wd_store(void);
void cv_wd_reply(int fd);
void cv_wd_idle(void);

/*
 * The request under way (its method and path, never its query: it may
 * hold a secret), said on stderr if the store deadline ends the process.
 */
void cv_wd_what(const char *method, const char *path);

/* Did the client deadline shut the current connection down? */
bool cv_wd_cut(void);

#endif

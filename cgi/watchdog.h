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

/* Start the thread (every signal blocked in it). Deadlines in seconds. */
void cv_wd_start(unsigned store_s, unsigned client_s);

/* The client deadline, in seconds (for messages). */
unsigned cv_wd_client_seconds(void);

/* Enter a phase; fd is the request's connection (CLIENT and REPLY). */
void cv_wd_client(int fd);
void cv_wd_store(void);
void cv_wd_reply(int fd);
void cv_wd_idle(void);

/* Did the client deadline shut the current connection down? */
bool cv_wd_cut(void);

#endif

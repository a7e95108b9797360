/*
 * settings.h - the programs' settings from their environment.
 *
 * Every number a program takes from its environment (CVAPI_WATCHDOG,
 * CVAPI_CACHE, CVAPI_REMOTE_TIMEOUT, CVAPI_NOTIFY_WATCHDOG, ...) is read
 * through here, once, when the program starts: each is parsed one way, and
 * a value refused is said the same way by every program, on stderr:
 *
 *   PROG: NAME="VALUE" is not a whole number from MIN to MAX: DEFAULT is used
 *
 * A setting unset or empty takes its default silently. A refused one never
 * stops a program: a host's typo costs the setting, not the service.
 */
#ifndef CV_SETTINGS_H
#define CV_SETTINGS_H

#include <stdint.h>

/* $name as a whole number in [min, max]; def when unset, empty or refused (said). */
int64_t cv_setting_int(const char *prog, const char *name, int64_t min, int64_t max, int64_t def);

#endif

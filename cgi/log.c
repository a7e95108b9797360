/* log.c - the programs' log lines (see log.h). */
#include "config.h"
#include "log.h"
#include "req.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

char *cv_log_escape(const char *s, bool quoted, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!n)
		return out;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[4];
		size_t k = 0;

		if (c < 0x20 || c == 0x7f) {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		} else if (c == '\\' || (quoted && c == '"')) {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else {
			e[k++] = (char)c;
		}
		if (o + k >= n)
			break;
		memcpy(out + o, e, k);
		o += k;
	}
	out[o] = '\0';
	return out;
}

/* A plain word needs no quotes: letters, digits and . _ - @ : / */
static bool plain(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		      strchr("._-@:/", *v)))
			return false;
	return true;
}

void cv_audit(const struct cv_req *r, const char *event, ...)
{
	char line[1024], esc[300];
	const char *addr = r->fcgi ? FCGX_GetParam("REMOTE_ADDR", r->fcgi->envp) : NULL;
	const char *key;
	size_t o;
	va_list ap;

	o = (size_t)snprintf(line, sizeof(line), "cvapi[%s] audit event=%s", r->prog, event);
	va_start(ap, event);
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);

		if (!val || o >= sizeof(line))
			continue;
		if (plain(val))
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s=%s", key, cv_log_escape(val, false, esc, sizeof(esc)));
		else
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s=\"%s\"", key, cv_log_escape(val, true, esc, sizeof(esc)));
	}
	va_end(ap);
	if (addr && o < sizeof(line))
		snprintf(line + o, sizeof(line) - o, " addr=%s", cv_log_escape(addr, false, esc, sizeof(esc)));
	fprintf(stderr, "%s\n", line);
}

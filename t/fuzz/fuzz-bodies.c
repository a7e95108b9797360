/*
 * fuzz-bodies.c - libFuzzer harness for the JSON bodies of the API's
 * POSTs and PUTs that core/ reads whole (they are read again from the
 * stored records): a monitor's triggerParam with its boolExp
 * (core/monitor.c, both faces) and a time window (core/timewin.c). A remote
 * action's body is read by the request layer: fuzz-request.c.
 *
 * The first byte picks the reader, the rest is JSON text (what a client
 * would send). Checks: a refusal says why (CV_EINVAL and a terminated,
 * non-empty message); an accepted monitor renders as valid JSON.
 */
#include "monitor.h"
#include "timewin.h"
#include "jw.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused(enum cv_err e, const char *err, size_t n)
{
	if (e != CV_EINVAL || !memchr(err, '\0', n) || !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_tokener *tok;
	json_object *o;
	enum cv_err e;
	unsigned which;

	if (size < 1)
		return 0;
	which = data[0] % 3;
	tok = json_tokener_new_ex(32);
	o = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (!o)
		return 0;
	if (which < 2) {
		struct cv_mon_def *def = cv_calloc(1, sizeof(*def));

		struct cv_jread jr;

		cv_jr_init(&jr, "triggerParam");
		e = cv_mon_parse(&jr, o, which == 1, def);
		if (e == CV_OK) {
			struct cv_buf b = CV_BUF_INIT(0);
			struct cv_jw w;
			json_object *back;

			cv_jw_init(&w, &b);
			cv_mon_render(&w, def);
			back = w.err ? NULL : json_tokener_parse(cv_buf_str(&b));
			if (!w.err && !back)
				abort();
			json_object_put(back);
			cv_buf_release(&b);
		} else {
			refused(e, jr.err, sizeof(jr.err));
		}
		free(def);
	} else {
		struct cv_tw tw;
		struct cv_jread jr;

		cv_jr_init(&jr, "time");
		e = cv_tw_parse(&jr, o, &tw);
		if (e != CV_OK)
			refused(e, jr.err, sizeof(jr.err));
	}
	json_object_put(o);
	return 0;
}

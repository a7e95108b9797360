/*
 * fuzz-upload.c - libFuzzer harness for the vehicle link's upload, whole:
 * the body of POST /telematics/v1/vehicles/{vin}/messages as cvapi-ingest
 * reads it (cgi/ingest.c: the envelope, messageId, sleep, every sample)
 * and, when accepted, stored by the real write path (db/ingest.c) into a
 * real store made once in a temporary folder (removed at exit).
 *
 * The input is the body. Checks, besides crashes and undefined behaviour:
 * an answer is a 200 with a JSON object, or a 4xx with an xError body
 * (a 413 or 400 for what cannot be read); a batch sent again is a duplicate, never stored twice.
 */
#define main cv_ingest_main
#include "../../cgi/ingest.c"
#undef main
#include "quota.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cv_store fz_store;
static char fz_home[] = "/tmp/cvapi-fuzz-upload.XXXXXX";

static void fz_cleanup(void)
{
	char cmd[128];

	cv_store_close(&fz_store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_home);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-upload: cannot remove %s\n", fz_home);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* the request log (a line per refusal): away; sanitizer reports and libFuzzer's
	 * own lines are written to file descriptor 2, not through stderr */
	stderr = fopen("/dev/null", "w");
	if (!stderr)
		abort();
	if (!mkdtemp(fz_home) || cv_store_open(&fz_store, fz_home, CV_STORE_CREATE)) {
		fprintf(stderr, "fuzz-upload: cannot make a store in %s\n", fz_home);
		abort();
	}
	atexit(fz_cleanup);
	return 0;
}

static int fz_post(const uint8_t *data, size_t size, bool *repeat)
{
	static char *envp[] = { "CONTENT_TYPE=application/json", "REQUEST_METHOD=POST", NULL };
	static int64_t clock = 1714550400000;
	FCGX_Request fr;
	struct cv_req r;
	int st;

	memset(&fr, 0, sizeof(fr));
	fr.envp = envp;
	memset(&r, 0, sizeof(r));
	r.fcgi = &fr;
	r.store = &fz_store;
	r.prog = "fuzz-upload";
	r.route = &routes[0];
	r.now = clock += 1000;
	cv_strlcpy(r.veh.id, "00112233445566778899aabbccddeeff", sizeof(r.veh.id));
	cv_strlcpy(r.veh.vin, "VF3FUZZ0000000001", sizeof(r.veh.vin));
	cv_buf_add(&r.body, data, size);
	r.body_done = true;
	r.status = 200;
	st = post_messages(&r);
	if (st ? st < 400 || st > 599 || r.status != st : r.status != 200)
		abort();
	if (!r.out.len || r.out.p[0] != '{')
		abort();
	*repeat = !st && strstr(cv_buf_str(&r.out), "\"duplicate\":true");
	cv_buf_release(&r.out);
	cv_buf_release(&r.headers);
	cv_buf_release(&r.scratch);
	cv_buf_release(&r.body);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool repeat = false;

	if (size > 65536)
		return 0;
	/* accepted: the same batch again is a repeat, never stored twice */
	if (!fz_post(data, size, &repeat) && !repeat) {
		if (fz_post(data, size, &repeat) || !repeat)
			abort();
	}
	return 0;
}

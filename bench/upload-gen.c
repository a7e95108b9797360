/*
 * upload-gen.c - load generator for the cvapi vehicle link (bench/upload.sh).
 *
 *   upload-gen --url http://127.0.0.1:PORT --vehicles FILE [--batch N]
 *              [--seconds S | --batches B] [--start-ms MS] [--step-ms MS]
 *              [--tag TAG] [--quiet]
 *
 * FILE has one vehicle per line, "VIN ENERGY CREDENTIAL" (what `cvctl demo
 * --vehicles` writes; ENERGY is petrol, diesel, electric or phev). One
 * thread per vehicle, each with its own keep-alive connection, uploads
 * batches of N samples (default 100) one after the other, as a vehicle
 * does: POST /telematics/v1/vehicles/{vin}/messages, waiting for the 200
 * (the batch committed with its log flushed) before the next batch.
 *
 * Samples follow doc/vehicle-link.md: a drive (position moving along its
 * heading, speed, odometer, ignition), fuel and/or traction battery with
 * charging by energy (an electric or plug-in car drives CHARGE_EVERY - CHARGE_FOR
 * samples, then stands and charges CHARGE_FOR samples, 11 kW reported,
 * its level rising: sessions are built as it uploads), doors, preconditioning, outside temperature, 12 V
 * battery, maintenance, privacy, and now and then an event (an alert every
 * 50 samples, an alarm every 500, a collision every 1000; the vehicle's first
 * sample has all three, so its status has every part). Sample times are
 * distinct per vehicle: from --start-ms (default 30 days ago) by --step-ms
 * (default 1000). Message ids are "TAG-VIN-SEQ" (TAG default: pid and time),
 * distinct per run.
 *
 * Prints one line:
 *   UPLOAD vehicles=V batch=N batches=B samples=S seconds=T samples_per_s=X
 *          batches_per_s=Y p50_ms=.. p99_ms=.. max_ms=.. errors=E retries=R
 * "samples" counts what the server acknowledged ("accepted" in the 200
 * replies); errors counts non-200 replies, duplicates and transport errors
 * (the first few are printed on stderr). A 503 (the store is busy or
 * recovering) or a 429 is not an error: the same batch is sent again, as a
 * vehicle does, after its Retry-After (100 ms without one), and counted in
 * retries; the latency of a batch is that of its last try. Exit status 0 when errors=0, 1 if
 * not, 2 on bad usage.
 */
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLAMP_INT(n) ((n) > 1000000000 ? 1000000000 : (n))

#define MAX_VEHICLES 256
/* An electric or plug-in car's cycle: it drives, then charges for the last CHARGE_FOR samples of every CHARGE_EVERY. */
#define CHARGE_EVERY 3600
#define CHARGE_FOR 900
#define MAX_LAT 2000000

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_need(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->p = realloc(b->p, b->cap);
	if (!b->p) {
		fprintf(stderr, "upload-gen: out of memory\n");
		exit(1);
	}
}

static void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		buf_need(b, (size_t)(n > 0 ? n : 256) + 1);
	}
}

struct vehicle {
	char vin[32], energy[16], cred[128];
	/* the drive */
	double lat, lon, heading, speed, odo, fuel, elec, temp, batt;
	long retries;               /* 503s and 429s, each batch sent again */
	int64_t at;
	uint64_t rng;
	long seq;       /* samples generated */
	/* results */
	pthread_t th;
	long batches, samples, errors;
	uint32_t *lat_us;
	size_t nlat;
};

static const char *opt_url;
static int opt_batch = 100, opt_seconds = 0, opt_quiet = 0;
static long opt_batches = 0;
static int64_t opt_start_ms = 0, opt_step_ms = 1000;
static char opt_tag[64];
static double deadline;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static int err_printed;

/* Sleep ms milliseconds (the rest of it after a signal). */
static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double rnd(struct vehicle *v) /* [0, 1) */
{
	v->rng ^= v->rng << 13;
	v->rng ^= v->rng >> 7;
	v->rng ^= v->rng << 17;
	return (double)(v->rng >> 11) / 9007199254740992.0;
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static void fmt_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void add_sample(struct vehicle *v, struct buf *b)
{
	static const char *const alerts[] = { "AddWasherFluid", "LeftFrontTireUnderInflated", "FuelLevelLow" };
	bool petrol = strcmp(v->energy, "electric") != 0;
	bool electric = !strcmp(v->energy, "electric") || !strcmp(v->energy, "phev");
	char at[80];
	long k = v->seq++;
	double step = opt_step_ms / 1000.0;
	int nev = 0;

	bool charging = electric && k % CHARGE_EVERY >= CHARGE_EVERY - CHARGE_FOR;

	/* drive: speed wanders in [0, 130] km/h, heading turns a little; standing while it charges */
	v->speed = charging ? 0 : clamp(v->speed + (rnd(v) - 0.5) * 8, 0, 130);
	v->heading = fmod(v->heading + (rnd(v) - 0.5) * 10 + 360, 360);
	{
		double d = v->speed / 3.6 * step; /* metres */
		double rad = v->heading * M_PI / 180;

		v->lat = clamp(v->lat + d * cos(rad) / 111320.0, -89, 89);
		v->lon += d * sin(rad) / (111320.0 * cos(v->lat * M_PI / 180));
		if (v->lon > 179) v->lon -= 358;
		if (v->lon < -179) v->lon += 358;
		v->odo += d / 1000;
	}
	v->fuel = v->fuel < 5 ? 95 : v->fuel - 0.001;
	v->elec = charging ? clamp(v->elec + 0.02, 0, 100) : v->elec < 5 ? 95 : v->elec - 0.002;
	v->temp = clamp(v->temp + (rnd(v) - 0.5) * 0.2, -20, 40);
	v->batt = clamp(12.6 + (rnd(v) - 0.5) * 0.2, 11, 14.5);
	fmt_time(v->at, at, sizeof(at));
	v->at += opt_step_ms;

	buf_addf(b, "%s{\"at\":\"%s\",\"position\":{\"lat\":%.7f,\"lon\":%.7f,\"alt\":%d,\"heading\":%.0f,"
		 "\"fix\":\"3D\",\"signal\":%d,\"type\":\"Acquire\"},\"speed\":%.1f,\"odometer\":%.1f,"
		 "\"ignition\":\"%s\"",
		 b->p[b->len - 1] == '[' ? "" : ",", at, v->lat, v->lon, 30 + (int)(rnd(v) * 40), v->heading,
		 60 + (int)(rnd(v) * 40), v->speed, v->odo, v->speed > 0.5 ? "Start" : "Stop");
	if (petrol)
		buf_addf(b, ",\"fuel\":{\"level\":%.1f,\"autonomy\":%d}", v->fuel, (int)(v->fuel * 7));
	if (electric && charging)
		buf_addf(b, ",\"electric\":{\"level\":%.1f,\"autonomy\":%d,\"charging\":{\"status\":\"InProgress\","
			 "\"mode\":\"Slow\",\"plugged\":true,\"rate\":60,\"remainingTime\":3600,\"power\":11.0}}",
			 v->elec, (int)(v->elec * 3));
	else if (electric)
		buf_addf(b, ",\"electric\":{\"level\":%.1f,\"autonomy\":%d,\"charging\":{\"status\":\"Disconnected\","
			 "\"mode\":\"No\",\"plugged\":false,\"rate\":0,\"remainingTime\":0}}",
			 v->elec, (int)(v->elec * 3));
	buf_addf(b, ",\"doors\":{\"locked\":\"%s\",\"open\":[]},\"preconditioning\":\"Disabled\","
		 "\"outsideTemp\":%.1f,\"battery12v\":%.3f,\"maintenance\":{\"days\":%d,\"km\":%d},\"privacy\":\"None\"",
		 v->speed > 0.5 ? "Locked" : "Unlocked", v->temp, v->batt, 120 - (int)(k / 86400), 8000 - (int)(v->odo / 1000));
	if (k % 50 == 0 || k % 500 == 0 || k % 1000 == 0) {
		buf_addf(b, ",\"events\":[");
		if (k % 50 == 0)
			buf_addf(b, "%s{\"type\":\"alert\",\"alert\":\"%s\",\"severity\":\"Warning\",\"active\":%s}",
				 nev++ ? "," : "", alerts[(k / 50) % 3], (k / 150) % 2 ? "false" : "true");
		if (k % 500 == 0)
			buf_addf(b, "%s{\"type\":\"alarm\",\"activation\":\"Active\",\"trigger\":\"VolumetricBreakIn\"}",
				 nev++ ? "," : "");
		if (k % 1000 == 0)
			buf_addf(b, "%s{\"type\":\"collision\",\"details\":[{\"side\":\"Front\",\"severity\":\"Minor\"}]}",
				 nev++ ? "," : "");
		buf_addf(b, "]");
	}
	buf_addf(b, "}");
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_need(b, size * n);
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

static void report_error(struct vehicle *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_error(struct vehicle *v, const char *fmt, ...)
{
	va_list ap;

	v->errors++;
	pthread_mutex_lock(&err_lock);
	if (err_printed++ < 5) {
		fprintf(stderr, "upload-gen: %s: ", v->vin);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&err_lock);
}

static void *run_vehicle(void *arg)
{
	struct vehicle *v = arg;
	struct buf body = { 0 }, reply = { 0 };
	char url[512], auth[200];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();

	if (!c) {
		report_error(v, "curl_easy_init failed");
		return NULL;
	}
	snprintf(url, sizeof(url), "%s/telematics/v1/vehicles/%s/messages", opt_url, v->vin);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", v->cred);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	v->lat_us = calloc(MAX_LAT, sizeof(*v->lat_us));
	for (long bi = 0;; bi++) {
		double t0, t1;
		long code = 0, acc = -1;
		const char *a;
		CURLcode rc;

		if (opt_batches ? bi >= opt_batches : now_s() >= deadline)
			break;
		body.len = 0;
		buf_need(&body, 256);
		buf_addf(&body, "{\"messageId\":\"%s-%s-%06ld\",\"samples\":[", opt_tag, v->vin, bi);
		for (int i = 0; i < opt_batch; i++)
			add_sample(v, &body);
		buf_addf(&body, "]}");
		reply.len = 0;
		buf_need(&reply, 256);
		reply.p[0] = '\0';
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.p);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
		for (;;) {
			curl_off_t wait_s = 0;

			reply.len = 0;
			reply.p[0] = '\0';
			t0 = now_s();
			rc = curl_easy_perform(c);
			t1 = now_s();
			code = 0;
			if (rc == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			if ((code != 503 && code != 429) || (!opt_batches && t1 >= deadline))
				break;
			/* busy or over a budget: the same batch again, after the wait asked for */
			v->retries++;
			curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &wait_s);
			nap_ms(wait_s > 0 ? (long)(wait_s > 60 ? 60000 : wait_s * 1000) : 100);
		}
		if (v->nlat < MAX_LAT)
			v->lat_us[v->nlat++] = (uint32_t)((t1 - t0) * 1e6);
		if (rc != CURLE_OK) {
			report_error(v, "batch %ld: %s", bi, curl_easy_strerror(rc));
			continue;
		}
		a = strstr(reply.p, "\"accepted\":");
		if (a)
			acc = strtol(a + 11, NULL, 10);
		if (code != 200 || acc != opt_batch || strstr(reply.p, "\"duplicate\":true")) {
			report_error(v, "batch %ld: HTTP %ld: %.300s", bi, code, reply.p);
			if (code == 200 && acc > 0)
				v->samples += acc;
			continue;
		}
		v->batches++;
		v->samples += acc;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(body.p);
	free(reply.p);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: upload-gen --url http://127.0.0.1:PORT --vehicles FILE [--batch N] "
			"[--seconds S | --batches B] [--start-ms MS] [--step-ms MS] [--tag TAG] [--quiet]\n");
	return 2;
}

/* A whole number in [lo, hi] from s, or false (empty, junk, overflow). */
static bool num_arg(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Copy the next blank-separated field of *p into dst (dstsz bytes); false if none or too long. */
static bool next_field(const char **p, char *dst, size_t dstsz)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s; *e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r'; e++)
		;
	if (e == s || (size_t)(e - s) >= dstsz)
		return false;
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = '\0';
	*p = e;
	return true;
}

int main(int argc, char **argv)
{
	static struct vehicle vs[MAX_VEHICLES];
	const char *vfile = NULL;
	size_t nv = 0, nlat = 0;
	uint32_t *all;
	long batches = 0, samples = 0, errors = 0, retries = 0;
	double t0, secs;
	FILE *f;
	char line[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quiet")) {
			opt_quiet = 1;
			continue;
		}
		if (!val)
			return usage();
		i++;
		if (!strcmp(a, "--url")) {
			opt_url = val;
		} else if (!strcmp(a, "--vehicles")) {
			vfile = val;
		} else if (!strcmp(a, "--tag")) {
			snprintf(opt_tag, sizeof(opt_tag), "%s", val);
		} else {
			long long n;

			if (!num_arg(val, 0, INT64_MAX / 2, &n))
				return usage();
			if (!strcmp(a, "--batch")) opt_batch = (int)CLAMP_INT(n);
			else if (!strcmp(a, "--seconds")) opt_seconds = (int)CLAMP_INT(n);
			else if (!strcmp(a, "--batches")) opt_batches = (long)n;
			else if (!strcmp(a, "--start-ms")) opt_start_ms = n;
			else if (!strcmp(a, "--step-ms")) opt_step_ms = n;
			else return usage();
		}
	}
	if (!opt_url || !vfile || opt_batch < 1 || opt_batch > 1000 || opt_step_ms < 1 ||
	    (opt_seconds <= 0) == (opt_batches <= 0))
		return usage();
	if (!opt_tag[0])
		snprintf(opt_tag, sizeof(opt_tag), "b%ld-%ld", (long)getpid(), (long)time(NULL));
	if (!opt_start_ms)
		opt_start_ms = ((int64_t)time(NULL) - 30 * 86400) * 1000;
	f = fopen(vfile, "r");
	if (!f) {
		perror(vfile);
		return 2;
	}
	while (nv < MAX_VEHICLES && fgets(line, sizeof(line), f)) {
		struct vehicle *v = &vs[nv];

		const char *p = line;

		if (!next_field(&p, v->vin, sizeof(v->vin)) || !next_field(&p, v->energy, sizeof(v->energy)) ||
		    !next_field(&p, v->cred, sizeof(v->cred)))
			continue;
		v->rng = 0x9e3779b97f4a7c15ull * (nv + 1);
		v->lat = 48.85 + 0.01 * (double)nv;
		v->lon = 2.35 - 0.01 * (double)nv;
		v->heading = 37.0 * (double)nv;
		v->speed = 50;
		v->odo = 12000 + 1000.0 * (double)nv;
		v->fuel = 80;
		v->elec = 90;
		v->temp = 12;
		v->at = opt_start_ms;
		nv++;
	}
	fclose(f);
	if (!nv) {
		fprintf(stderr, "upload-gen: no vehicles in %s\n", vfile);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t0 = now_s();
	deadline = t0 + opt_seconds;
	for (size_t i = 0; i < nv; i++)
		pthread_create(&vs[i].th, NULL, run_vehicle, &vs[i]);
	for (size_t i = 0; i < nv; i++) {
		pthread_join(vs[i].th, NULL);
		nlat += vs[i].nlat;
	}
	secs = now_s() - t0;
	all = calloc(nlat + 1, sizeof(*all));
	nlat = 0;
	for (size_t i = 0; i < nv; i++) {
		memcpy(all + nlat, vs[i].lat_us, vs[i].nlat * sizeof(*all));
		nlat += vs[i].nlat;
		batches += vs[i].batches;
		samples += vs[i].samples;
		errors += vs[i].errors;
		retries += vs[i].retries;
		if (!opt_quiet)
			fprintf(stderr, "upload-gen: %s %s: %ld batches, %ld samples, last at %lld\n", vs[i].vin,
				vs[i].energy, vs[i].batches, vs[i].samples, (long long)(vs[i].at - opt_step_ms));
	}
	qsort(all, nlat, sizeof(*all), cmp_u32);
#define PCT(p) (nlat ? all[(size_t)((double)(nlat - 1) * (p))] / 1000.0 : 0.0)
	printf("UPLOAD vehicles=%zu batch=%d batches=%ld samples=%ld seconds=%.3f samples_per_s=%.0f "
	       "batches_per_s=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%ld retries=%ld\n",
	       nv, opt_batch, batches, samples, secs, samples / secs, batches / secs, PCT(0.5), PCT(0.99),
	       nlat ? all[nlat - 1] / 1000.0 : 0.0, errors, retries);
	curl_global_cleanup();
	return errors ? 1 : 0;
}

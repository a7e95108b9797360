/* run.c - fast and live modes (see run.h). */
#include "run.h"
#include "command.h"
#include "osmand.h"
#include "tkdev.h"
#include "cvtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSGID_LEN 64

/* Up to max samples of v collected at or before until; returns how many. */
static size_t collect(struct sim_vehicle *v, int64_t until, struct cv_sample *s, size_t max)
{
	size_t k = 0;

	while (k < max && sim_vehicle_next(v, until, &s[k]))
		k++;
	return k;
}

/*
 * A phone's fixes (osmand.h), one request each, the forms in turn by the
 * fix's second; the samples without a position are not a phone's. res
 * counts the fixes sent.
 */
static enum sim_up_status send_fixes(struct sim_upload *up, const struct sim_car *car, const struct cv_sample *s,
				     size_t k, struct cv_buf *body, const volatile sig_atomic_t *stop,
				     struct sim_up_result *res, char *err, size_t errsz)
{
	struct cv_buf path = CV_BUF_INIT(0);
	enum sim_up_status st = SIM_UP_OK;
	long sent = 0;

	for (size_t i = 0; i < k && st == SIM_UP_OK; i++) {
		struct sim_up_result one;
		const char *method, *ctype;

		cv_buf_reset(&path);
		cv_buf_reset(body);
		if (!sim_osm_request((enum sim_osm_mode)((s[i].at / 1000) % SIM_OSM_MODES), car->device, &s[i], &path,
				     body, &method, &ctype))
			continue;
		st = sim_osmand_send(up, car->vin, method, cv_buf_str(&path), ctype, body->p, body->len, stop, &one, err,
				     errsz);
		sent += one.accepted;
	}
	cv_buf_release(&path);
	memset(res, 0, sizeof(*res));
	res->accepted = sent;
	return st;
}

/* Does car send through its device (a phone or a tracker) rather than the vehicle link? */
static bool by_device(const struct sim_opts *opts, const struct sim_car *car)
{
	return car->device[0] && (car->teltonika ? opts->teltonika : opts->osmand);
}

/*
 * Render and post one batch of car's samples (a phone's: its fixes, with
 * --protocol osmand; a tracker's: its AVL packets on tk, with --protocol
 * teltonika).
 */
static enum sim_up_status send_batch(struct sim_upload *up, struct sim_tk *tk, const struct sim_opts *opts,
				     const struct sim_car *car, const struct cv_sample *s, size_t k, struct cv_buf *body,
				     const volatile sig_atomic_t *stop, struct sim_up_result *res, char *err, size_t errsz)
{
	char msgid[MSGID_LEN + 1];
	uint64_t seed = opts->seed;

	if (by_device(opts, car) && car->teltonika) {
		enum sim_up_status st;

		memset(res, 0, sizeof(*res));
		st = sim_tk_send(tk, s, k, stop, &res->accepted, err, errsz);
		return st;
	}
	if (by_device(opts, car))
		return send_fixes(up, car, s, k, body, stop, res, err, errsz);

	/* at most 17 + 1 + 19 + 1 + 15 + 1 + 4 characters */
	snprintf(msgid, sizeof(msgid), "%s-%llu-%lld-%zu", car->vin, (unsigned long long)seed, (long long)s[0].at, k);
	cv_buf_reset(body);
	if (sim_batch_json(body, msgid, s, k)) {
		snprintf(err, errsz, "%s: a batch too large to write", car->vin);
		return SIM_UP_REFUSED;
	}
	return sim_upload_post(up, car->vin, car->cred, body->p, body->len, stop, res, err, errsz);
}

/* ---- fast mode ---------------------------------------------------------- */

struct fast {
	const struct sim_opts *opts;
	const struct sim_car *cars;
	struct sim_vehicle *veh;
	size_t n;
	int64_t end;
	const volatile sig_atomic_t *stop;
	pthread_mutex_t lock;
	size_t next;                 /* the next vehicle to take */
	uint64_t samples, batches, duplicates;
	atomic_bool failed;
	bool interrupted;
	char err[512];               /* the first failure */
};

static void fast_fail(struct fast *f, const char *msg, bool interrupted)
{
	pthread_mutex_lock(&f->lock);
	if (!atomic_load(&f->failed)) {
		snprintf(f->err, sizeof(f->err), "%s", msg);
		f->interrupted = interrupted;
		atomic_store(&f->failed, true);
	}
	pthread_mutex_unlock(&f->lock);
}

static void *fast_worker(void *arg)
{
	struct fast *f = arg;
	struct sim_upload up;
	struct sim_tk tk;
	struct cv_sample *s = cv_malloc((size_t)f->opts->batch * sizeof(*s));
	struct cv_buf body = CV_BUF_INIT(0);
	char err[512];

	sim_tk_init(&tk, f->opts->tk_host, f->opts->tk_port, "");
	if (sim_upload_init(&up, f->opts->url)) {
		fast_fail(f, "cannot set up libcurl", false);
		goto out;
	}
	for (;;) {
		size_t i;

		pthread_mutex_lock(&f->lock);
		i = f->next++;
		pthread_mutex_unlock(&f->lock);
		if (i >= f->n)
			break;
		sim_tk_init(&tk, f->opts->tk_host, f->opts->tk_port, f->cars[i].device);
		for (;;) {
			struct sim_up_result res;
			enum sim_up_status st;
			size_t k;

			if (*f->stop) {
				fast_fail(f, "interrupted", true);
				goto out;
			}
			if (atomic_load(&f->failed))
				goto out;
			k = collect(&f->veh[i], f->end, s, (size_t)f->opts->batch);
			if (!k)
				break;
			st = send_batch(&up, &tk, f->opts, &f->cars[i], s, k, &body, f->stop, &res, err, sizeof(err));
			if (st != SIM_UP_OK) {
				fast_fail(f, st == SIM_UP_STOPPED ? "interrupted" : err, st == SIM_UP_STOPPED);
				goto out;
			}
			pthread_mutex_lock(&f->lock);
			f->samples += k;
			f->batches++;
			if (res.duplicate)
				f->duplicates++;
			pthread_mutex_unlock(&f->lock);
		}
		sim_tk_release(&tk);
	}
out:
	sim_tk_release(&tk);
	sim_upload_release(&up);
	cv_buf_release(&body);
	free(s);
	return NULL;
}

int sim_run_fast(const struct sim_opts *opts, const struct sim_car *cars, struct sim_vehicle *veh,
		 size_t n, int64_t end, const volatile sig_atomic_t *stop)
{
	struct fast f;
	size_t nthreads = CV_MIN((size_t)opts->parallel, n);
	pthread_t *th = cv_calloc(nthreads, sizeof(*th));
	size_t started = 0;
	int64_t t0 = cv_mono_ms();
	double secs;

	memset(&f, 0, sizeof(f));
	f.opts = opts;
	f.cars = cars;
	f.veh = veh;
	f.n = n;
	f.end = end;
	f.stop = stop;
	atomic_init(&f.failed, false);
	pthread_mutex_init(&f.lock, NULL);
	for (; started < nthreads; started++) {
		if (pthread_create(&th[started], NULL, fast_worker, &f)) {
			fast_fail(&f, "cannot start a worker thread", false);
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&f.lock);
	if (atomic_load(&f.failed)) {
		fprintf(stderr, "cvsim: %s%s\n", f.err,
			f.interrupted ? " before the history was complete" : "");
		return 1;
	}
	secs = (double)(cv_mono_ms() - t0) / 1000.0;
	if (!opts->quiet)
		printf("vehicles=%zu samples=%llu batches=%llu duplicates=%llu seconds=%.2f samples_per_s=%.0f\n",
		       n, (unsigned long long)f.samples, (unsigned long long)f.batches,
		       (unsigned long long)f.duplicates, secs, secs > 0 ? (double)f.samples / secs : 0.0);
	fflush(stdout);
	return 0;
}

/* ---- live mode ---------------------------------------------------------- */

static bool offline(const struct sim_opts *o, const char *vin)
{
	for (size_t i = 0; i < o->noffline; i++)
		if (!strcmp(o->offline[i], vin))
			return true;
	return false;
}

int sim_run_live(const struct sim_opts *opts, const struct sim_car *cars, struct sim_vehicle *veh,
		 size_t n, int64_t start, const volatile sig_atomic_t *stop)
{
	struct sim_upload up;
	struct cv_sample *s = cv_malloc((size_t)opts->batch * sizeof(*s));
	struct cv_buf body = CV_BUF_INIT(0);
	int64_t real0 = cv_mono_ms();
	uint64_t samples = 0, batches = 0, done = 0, failed = 0;
	struct sim_link *links = NULL;
	struct sim_tk *tks = NULL;
	struct sim_link_opts lo = { opts->awake_ms, opts->exec_delay_ms, opts->seed, opts->quiet };
	char err[512];
	int rc = 0;

	if (sim_upload_init(&up, opts->url)) {
		fprintf(stderr, "cvsim: cannot set up libcurl\n");
		rc = 1;
		goto out;
	}
	if (!opts->quiet) {
		char when[CV_TIME_STRLEN];

		cv_time_fmt(start, when);
		fprintf(stderr, "cvsim: live: %zu vehicle%s from %s, speedup %g; SIGINT or SIGTERM stops\n",
			n, n == 1 ? "" : "s", when, opts->speedup);
	}
	links = cv_calloc(n, sizeof(*links));
	tks = cv_calloc(n, sizeof(*tks));
	for (size_t i = 0; i < n; i++) {
		sim_tk_init(&tks[i], opts->tk_host, opts->tk_port, cars[i].device);
		sim_link_init(&links[i], cars[i].vin, opts->seed);
		veh[i].stay = opts->parked;
	}
	while (!*stop) {
		int64_t sim = start + (int64_t)((double)(cv_mono_ms() - real0) * opts->speedup);
		int64_t wall = cv_now_ms(), due = INT64_MAX, wall_due = INT64_MAX, wait;

		/* the server refuses samples from the future */
		if (sim > wall)
			sim = wall;
		for (size_t i = 0; i < n && !*stop; i++) {
			struct sim_up_result res;
			enum sim_up_status st;
			size_t k;

			if (offline(opts, cars[i].vin))
				continue;
			while ((k = collect(&veh[i], sim, s, (size_t)opts->batch)) > 0) {
				st = send_batch(&up, &tks[i], opts, &cars[i], s, k, &body, stop, &res, err, sizeof(err));
				if (st == SIM_UP_STOPPED)
					goto out;
				if (st != SIM_UP_OK) {
					fprintf(stderr, "cvsim: %s\n", err);
					rc = 1;
					goto out;
				}
				samples += k;
				batches++;
				links[i].last_exchange = cv_now_ms();
			}
			due = CV_MIN(due, sim_vehicle_peek(&veh[i]));
			/* a tracker's commands come on its connection (tkdev.h); a phone takes none */
			if (!opts->no_commands && by_device(opts, &cars[i]) && cars[i].teltonika && !sim_tk_poll(&tks[i]))
				fprintf(stderr, "cvsim: IMEI %s: the connection broke: opened again with the next packet\n",
					cars[i].device);
			if (!opts->no_commands && !by_device(opts, &cars[i])) {
				int64_t d = INT64_MAX;

				st = sim_link_step(&links[i], &lo, &up, cars[i].vin, cars[i].cred, &veh[i], cv_now_ms(), stop,
						   &d, err, sizeof(err));
				if (st == SIM_UP_STOPPED)
					goto out;
				if (st != SIM_UP_OK) {
					/* a command's trouble is said, and the vehicle drives on */
					fprintf(stderr, "cvsim: %s\n", err);
					d = cv_now_ms() + 1000;
				}
				wall_due = CV_MIN(wall_due, d);
			}
		}
		wait = due == INT64_MAX ? 1000 : (int64_t)((double)(due - sim) / opts->speedup);
		if (wall_due != INT64_MAX)
			wait = CV_MIN(wait, wall_due - cv_now_ms());
		sim_upload_sleep(wait < 5 ? 5 : wait > 1000 ? 1000 : wait, stop);
	}
out:
	for (size_t i = 0; links && i < n; i++) {
		done += links[i].done + tks[i].commands;
		failed += links[i].failed;
		sim_link_release(&links[i]);
		sim_tk_release(&tks[i]);
	}
	free(links);
	free(tks);
	if (!rc && !opts->quiet) {
		printf("vehicles=%zu samples=%llu batches=%llu commands=%llu failed=%llu seconds=%.0f\n", n,
		       (unsigned long long)samples, (unsigned long long)batches, (unsigned long long)done,
		       (unsigned long long)failed, (double)(cv_mono_ms() - real0) / 1000.0);
		fflush(stdout);
	}
	sim_upload_release(&up);
	cv_buf_release(&body);
	free(s);
	return rc;
}

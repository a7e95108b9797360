/* unit-ecoach.c - tests of core/ecoach: hand-made trips whose scores are known, bounds, rendering. */
#include "ecoach.h"
#include "tap.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define AT 1714552200000LL          /* 2024-05-01T08:30:00Z */
#define SEC 1000LL
#define MIN (60 * SEC)
#define NONE (-100000)
#define MAXS 4096

/*
 * A trip under construction: samples in time order. Each new sample has
 * ignition Start (the first StartUp; stop() makes the last one Stop), a
 * speed unless NONE, and whatever the trip's settings below add.
 */
struct trip {
	struct cv_sample s[MAXS];
	size_t n;
	int64_t at;         /* time of the last sample */
	int temp_dc;        /* outside temperature, NONE: none */
	bool fuel;          /* a fuel reading (a combustion engine) */
	bool ign;           /* an ignition reading */
	int alt;            /* altitude with a position, NONE: no position */
	int fix;            /* the position's fix */
	bool alt_noise;     /* altitudes wander by a metre: alt - 1, alt, alt + 1, ... */
};

static struct trip T;   /* one at a time: a trip is large */

static void start(int64_t at)
{
	memset(&T, 0, sizeof(T));
	T.at = at;
	T.temp_dc = NONE;
	T.ign = true;
	T.alt = NONE;
	T.fix = CV_FIX_3D;
}

/* A sample at time `at` (not advancing the trip's time) with speed (NONE: none). */
static struct cv_sample *add_at(int64_t at, int speed)
{
	struct cv_sample *s = &T.s[T.n];

	if (T.n == MAXS) {
		printf("# trip too long\n");
		exit(2);
	}
	memset(s, 0, sizeof(*s));
	s->at = at;
	if (speed != NONE) {
		s->has |= 1u << CV_G_KIN;
		s->speed_dkmh = (uint16_t)speed;
	}
	if (T.ign) {
		s->has |= 1u << CV_G_IGN;
		s->ignition = T.n ? CV_IGN_START : CV_IGN_STARTUP;
	}
	if (T.temp_dc != NONE) {
		s->has |= 1u << CV_G_AIR;
		s->air_temp_dc = (int16_t)T.temp_dc;
	}
	if (T.fuel) {
		s->has |= 1u << CV_G_FUEL;
		s->fuel_level = 500;
	}
	if (T.alt != NONE) {
		s->has |= 1u << CV_G_POS;
		s->lat_e7 = 488566000;
		s->lon_e7 = 23522000;
		s->alt_m = T.alt + (T.alt_noise ? (int)(T.n % 3) - 1 : 0);
		s->fix = (uint8_t)T.fix;
	}
	T.n++;
	return s;
}

/* A sample `after` ms after the last one. */
static struct cv_sample *add(int64_t after, int speed)
{
	T.at += after;
	return add_at(T.at, speed);
}

/* Samples every step ms for ms, the speed going linearly from the last sample's to `to`. */
static void go(int to, int64_t ms, int64_t step)
{
	int from = T.s[T.n - 1].speed_dkmh;

	for (int64_t k = step; k <= ms; k += step)
		add(step, (int)(from + (to - from) * k / ms));
}

static void stop(void)
{
	T.s[T.n - 1].ignition = CV_IGN_STOP;
}

/* Feed the trip with parameters p (NULL: defaults) and score it. */
static void run(const struct cv_ecoach_params *p, struct cv_ecoach *e, struct cv_ecoach_scores *sc)
{
	if (cv_ecoach_init(e, p) != CV_OK) {
		printf("# bad parameters\n");
		exit(2);
	}
	for (size_t i = 0; i < T.n; i++)
		cv_ecoach_feed(e, &T.s[i]);
	cv_ecoach_score(e, sc);
}

static bool has(const struct cv_ecoach_scores *sc, enum cv_ecoach_cat c)
{
	return sc->present & (1u << c);
}

/* The score in tenths, or -1 when absent. */
static int score(const struct cv_ecoach_scores *sc, enum cv_ecoach_cat c)
{
	return has(sc, c) ? sc->tenths[c] : -1;
}

/* Render sc as a whole object into a new string; free it. */
static char *render(const struct cv_ecoach_scores *sc)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_ecoach_render_members(&w, sc);
	cv_jw_end(&w);
	if (w.err)
		printf("# render error %d\n", (int)w.err);
	return cv_buf_detach(&b, NULL);
}

/* The calm trip: 20 km at 20 C with a petrol engine, ramps at 1 m/s^2, 72 km/h, altitudes about 100 m. */
static void calm(int64_t step)
{
	start(AT);
	T.temp_dc = 200;
	T.fuel = true;
	T.alt = 100;
	T.alt_noise = true;
	add(0, 0);
	go(720, 20 * SEC, step);        /* 36 (3.6 km/h) a second: 1 m/s^2 */
	go(720, 980 * SEC, step);       /* 19.6 km */
	go(0, 20 * SEC, step);
	stop();
}

/* ---- the categories' names ---------------------------------------------- */

/* The ECoaching schema's category enum in b2c-v4.17.2.yaml, into out ("a, b, c"); false if not found. */
static bool spec_enum(const char *dir, char *out, size_t size)
{
	char path[4096], *text, *p, *end;
	FILE *f;
	long len;
	bool found = false;

	if (snprintf(path, sizeof(path), "%s/b2c-v4.17.2.yaml", dir) >= (int)sizeof(path))
		return false;
	f = fopen(path, "rb");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)len + 1);
	if (text && fread(text, 1, (size_t)len, f) == (size_t)len) {
		p = strstr(text, "\n    ECoaching:");
		p = p ? strstr(p, "enum: [") : NULL;
		end = p ? strchr(p, ']') : NULL;
		if (end && (size_t)(end - p - 7) < size) {
			memcpy(out, p + 7, (size_t)(end - p - 7));
			out[end - p - 7] = '\0';
			found = true;
		}
	}
	free(text);
	fclose(f);
	return found;
}

static void test_names(void)
{
	static const char want[] =
		"Global, Acceleration, Break, AirCondioner, ColdEngine, TirePressure, Slope, Speed, StartStop";
	struct cv_buf b = CV_BUF_INIT(0);
	char spec[256];
	const char *dir = getenv("CVAPI_SPEC_DIR"), *joined;

	for (int c = 0; c < CV_ECO_NCAT; c++)
		cv_buf_addf(&b, "%s%s", c ? ", " : "", cv_ecoach_cat_names[c]);
	joined = cv_buf_str(&b);
	is_str(joined, want, "the categories, spelled and ordered as the schema's enum");
	if (!dir || !*dir) {
		ok(1, "the schema's enum # SKIP CVAPI_SPEC_DIR is not set");
	} else {
		ok(spec_enum(dir, spec, sizeof(spec)), "the ECoaching enum found in b2c-v4.17.2.yaml");
		is_str(joined, spec, "the names are the schema's, misspellings included");
	}
	cv_buf_release(&b);
}

/* ---- parameters --------------------------------------------------------- */

static void test_params(void)
{
	struct cv_ecoach_params p = cv_ecoach_defaults;
	struct cv_ecoach e, before;

	ok(cv_ecoach_params_ok(&cv_ecoach_defaults), "the defaults are valid");
	is_int(cv_ecoach_init(&e, NULL), CV_OK, "init with the defaults");
	ok(!memcmp(&e.p, &cv_ecoach_defaults, sizeof(e.p)), "the accumulator keeps a copy of them");
	is_int(e.nsamples, 0, "empty");

	before = e;
	p.speed_full_dkmh = p.speed_eco_dkmh;
	is_int(cv_ecoach_init(&e, &p), CV_EINVAL, "a speed band of 0 is refused");
	ok(!memcmp(&e, &before, sizeof(e)), "the accumulator is untouched");
	p = cv_ecoach_defaults;
	p.harsh_min_dt_ms = p.harsh_max_dt_ms + 1;
	ok(!cv_ecoach_params_ok(&p), "a pair's minimum time above its maximum is refused");
	p = cv_ecoach_defaults;
	p.slope_win_max_ms = p.slope_win_min_ms - 1;
	ok(!cv_ecoach_params_ok(&p), "a slope window's minimum above its maximum is refused");
	p = cv_ecoach_defaults;
	p.harsh_brake_cms2 = 0;
	ok(!cv_ecoach_params_ok(&p), "a harsh threshold of 0 is refused");
	p = cv_ecoach_defaults;
	p.harsh_zero_per100km = 0;
	ok(!cv_ecoach_params_ok(&p), "a rate of 0 that scores 0 is refused");
	p = cv_ecoach_defaults;
	p.cold_cold_dc = p.cold_hot_dc;
	ok(!cv_ecoach_params_ok(&p), "cold and hot temperatures equal are refused");
	p = cv_ecoach_defaults;
	p.cold_hot_pct = (uint16_t)(p.cold_cold_pct + 1);
	ok(!cv_ecoach_params_ok(&p), "more extra fuel when hot than cold is refused");
	p = cv_ecoach_defaults;
	p.idle_zero_pm = 1001;
	ok(!cv_ecoach_params_ok(&p), "a share over 1000 per mille is refused");
	p = cv_ecoach_defaults;
	p.span_max_ms = 0;
	ok(!cv_ecoach_params_ok(&p), "a span of 0 ms is refused");
	p = cv_ecoach_defaults;
	p.min_time_ms = 25 * 3600 * SEC;
	ok(!cv_ecoach_params_ok(&p), "a time over a day is refused");
	p = cv_ecoach_defaults;
	memset(p.weight, 0, sizeof(p.weight));
	p.weight[CV_ECO_GLOBAL] = 5;
	p.weight[CV_ECO_AIRCONDIONER] = 5;
	ok(!cv_ecoach_params_ok(&p), "no weight on a category scored is refused");
	p.weight[CV_ECO_SLOPE] = 1;
	ok(cv_ecoach_params_ok(&p), "one weight is enough");
}

/* ---- a calm trip -------------------------------------------------------- */

static const char calm_json[] =
	"{\"scores\":[{\"category\":\"Global\",\"score\":9.9},{\"category\":\"Acceleration\",\"score\":10},"
	"{\"category\":\"Break\",\"score\":10},{\"category\":\"ColdEngine\",\"score\":9.5},"
	"{\"category\":\"Slope\",\"score\":10},{\"category\":\"Speed\",\"score\":10},"
	"{\"category\":\"StartStop\",\"score\":10}]}";

static void test_calm(void)
{
	struct cv_ecoach e, half;
	struct cv_ecoach_scores sc, sc2;
	char *s;

	calm(SEC);
	run(NULL, &e, &sc);
	is_int(T.n, 1021, "calm: 1021 samples, one a second");
	is_int(e.dist_dkmh_ms / 36000, 20000, "calm: 20 km driven");
	is_int(e.harsh_dkmh_ms, 20000 * 36000LL - 2 * 162 * 1000,
	       "calm: every pair examined but the 6 under 10 km/h on average (0-3.6, 3.6-7.2, 7.2-10.8, twice)");
	is_int(e.accel_events + e.brake_events, 0, "calm: no harsh event");
	is_int(e.span_ms, 1020 * SEC, "calm: 1020 s of spans");
	is_int(e.moving_ms, 1020 * SEC, "calm: all moving");
	is_int(e.idle_ms + e.idle_run_ms, 0, "calm: no idling");
	is_int(e.slope_windows, 34, "calm: 34 windows of 30 s");
	is_int(e.climb_ms, 0, "calm: altitudes wandering by 2 m are no climb");
	is_int(score(&sc, CV_ECO_ACCELERATION), 100, "calm: Acceleration 10");
	is_int(score(&sc, CV_ECO_BREAK), 100, "calm: Break 10");
	is_int(score(&sc, CV_ECO_SPEED), 100, "calm: Speed 10 (72 km/h)");
	is_int(score(&sc, CV_ECO_STARTSTOP), 100, "calm: StartStop 10");
	is_int(score(&sc, CV_ECO_SLOPE), 100, "calm: Slope 10");
	/* 20 C: 20 % extra over the first 5 km of 20: 5 % of the trip's fuel */
	is_int(score(&sc, CV_ECO_COLDENGINE), 95, "calm: ColdEngine 9.5 (5 km of 20 warming up at 20 C)");
	/* (2 x 100 x 3 + 95 + 100 + 100) / 9 = 99.4 */
	is_int(score(&sc, CV_ECO_GLOBAL), 99, "calm: Global 9.9, the weighted mean");
	ok(!has(&sc, CV_ECO_AIRCONDIONER), "calm: no AirCondioner (no data on the link)");
	ok(!has(&sc, CV_ECO_TIREPRESSURE), "calm: no TirePressure (no data on the link)");
	s = render(&sc);
	is_str(s, calm_json, "calm: the ECoaching members");
	free(s);

	/* incremental: scoring half-way does not disturb the rest */
	cv_ecoach_init(&half, NULL);
	for (size_t i = 0; i < T.n / 2; i++)
		cv_ecoach_feed(&half, &T.s[i]);
	cv_ecoach_score(&half, &sc2);
	ok(has(&sc2, CV_ECO_GLOBAL), "calm: half-way, a score already");
	for (size_t i = T.n / 2; i < T.n; i++)
		cv_ecoach_feed(&half, &T.s[i]);
	ok(!memcmp(&half, &e, sizeof(e)), "calm: fed in two steps, the same accumulator");

	/* a sample not newer than the last one is ignored */
	half = e;
	ok(!cv_ecoach_feed(&half, &T.s[10]), "a sample of the past is ignored");
	ok(!cv_ecoach_feed(&half, &T.s[T.n - 1]), "a repeat of the last sample is ignored");
	ok(!memcmp(&half, &e, sizeof(e)), "nothing changed");
}

/* ---- harsh events ------------------------------------------------------- */

/* The calm trip's start, and 72 km/h for `secs`. */
static void calm_start(int secs)
{
	start(AT);
	T.temp_dc = 200;
	T.fuel = true;
	add(0, 0);
	go(720, 20 * SEC, SEC);
	go(720, secs * SEC, SEC);
}

static void calm_end(void)
{
	go(0, 20 * SEC, SEC);
	stop();
}

static void test_harsh(void)
{
	struct cv_ecoach_params p = cv_ecoach_defaults;
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	/* 72 to 36 km/h in 3 s (3.33 m/s^2), back in 3 s, and once more down: 1 + 2 events */
	calm_start(300);
	go(360, 3 * SEC, SEC);
	go(720, 3 * SEC, SEC);
	go(720, 300 * SEC, SEC);
	go(360, 3 * SEC, SEC);
	go(360, 10 * SEC, SEC);
	go(720, 10 * SEC, SEC);
	go(720, 300 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	ok(e.harsh_dkmh_ms / 36000 < 20000, "harsh: under 20 km examined: the rate's distance is 20 km");
	is_int(e.accel_events, 1, "harsh: 3 harsh pairs in a row up are one acceleration");
	is_int(e.brake_events, 2, "harsh: two brakings");
	is_int(score(&sc, CV_ECO_ACCELERATION), 75, "harsh: Acceleration 7.5 (one event: -2.5)");
	is_int(score(&sc, CV_ECO_BREAK), 50, "harsh: Break 5 (two events: -5)");
	is_int(score(&sc, CV_ECO_SPEED), 100, "harsh: Speed untouched");

	/* the same with a harsh threshold of 4 m/s^2: nothing */
	p.harsh_accel_cms2 = 400;
	p.harsh_brake_cms2 = 400;
	run(&p, &e, &sc);
	is_int(e.accel_events + e.brake_events, 0, "harsh, threshold 4 m/s^2: no event");
	is_int(score(&sc, CV_ECO_BREAK), 100, "harsh, threshold 4 m/s^2: Break 10");

	/* exactly 3 m/s^2 (10.8 km/h in 1 s) is harsh, 10.7 is not; a calm pair between harsh ones: 2 events */
	calm_start(100);
	add(SEC, 720 - 108);
	go(720, 20 * SEC, SEC);
	add(SEC, 720 - 107);
	go(720, 20 * SEC, SEC);
	go(720, 60 * SEC, SEC);
	go(600, SEC, SEC);
	go(480, SEC, SEC);
	go(460, SEC, SEC);           /* 2 km/h in 1 s: calm */
	go(340, SEC, SEC);
	go(720, 60 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.brake_events, 3, "threshold: 3 m/s^2 is harsh, 2.97 is not; a calm pair splits an event");
	is_int(score(&sc, CV_ECO_BREAK), 25, "threshold: Break 2.5");

	/* the same upwards */
	calm_start(100);
	go(612, 20 * SEC, SEC);
	add(SEC, 720);
	go(613, 20 * SEC, SEC);
	add(SEC, 720);
	go(720, 60 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.accel_events, 1, "threshold: 3 m/s^2 up is harsh, 2.97 is not");
	is_int(score(&sc, CV_ECO_ACCELERATION), 75, "threshold: Acceleration 7.5");

	/* five events: 0, not below */
	calm_start(100);
	for (int i = 0; i < 5; i++) {
		go(360, 3 * SEC, SEC);
		go(720, 36 * SEC, 3 * SEC);  /* 1 m/s^2, 3 s apart */
	}
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.brake_events, 5, "five brakings");
	is_int(e.accel_events, 0, "gentle accelerations between them");
	is_int(score(&sc, CV_ECO_BREAK), 0, "five events: Break 0");
	is_int(score(&sc, CV_ECO_ACCELERATION), 100, "Acceleration 10");

	/* a long trip: the rate is per 100 km of it (40 km, one event: 2.5 per 100 km, -1.25) */
	calm_start(1980);
	go(360, 3 * SEC, SEC);
	go(720, 36 * SEC, 3 * SEC);
	calm_end();
	run(NULL, &e, &sc);
	/* 200 + 39600 + 45 + 540 + 200 m, less the 9 m of the pairs under 10 km/h */
	is_int(e.harsh_dkmh_ms / 36000, 40576, "long: 40.6 km examined");
	is_int(e.brake_events, 1, "long: one braking");
	is_int(score(&sc, CV_ECO_BREAK), 88, "long: Break 8.8 (one event in 40.6 km: 2.46 per 100 km)");
}

/* Harsh-looking deltas at a crawl are not counted; the same at speed are. */
static void test_gate(void)
{
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	start(AT);
	add(0, 0);
	for (int i = 0; i < 10; i++) {      /* 0 and 14 km/h one second apart: 3.9 m/s^2, mean 7 km/h */
		add(SEC, 140);
		add(SEC, 0);
	}
	go(720, 20 * SEC, SEC);
	go(720, 120 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.accel_events + e.brake_events, 0, "crawl: 14 km/h jumps under 10 km/h on average are ignored");
	is_int(score(&sc, CV_ECO_ACCELERATION), 100, "crawl: Acceleration 10");
	is_int(score(&sc, CV_ECO_BREAK), 100, "crawl: Break 10");

	start(AT);
	add(0, 0);
	go(1000, 30 * SEC, SEC);
	for (int i = 0; i < 10; i++) {      /* 100 and 114 km/h: the same deltas at speed */
		add(SEC, 1140);
		add(SEC, 1000);
	}
	go(1000, 60 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.accel_events, 10, "at 100 km/h: the same jumps are 10 accelerations");
	is_int(e.brake_events, 10, "... and 10 brakings");
	is_int(score(&sc, CV_ECO_BREAK), 0, "... Break 0");
}

/* Sparse samples are not mistaken for harsh events, nor scored as calm. */
static void test_sparse(void)
{
	uint64_t examined = 0;
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	calm(10 * SEC);
	run(NULL, &e, &sc);
	is_int(T.n, 103, "sparse: the calm trip sampled every 10 s");
	is_int(e.harsh_dkmh_ms, 0, "sparse: no pair examined");
	ok(!has(&sc, CV_ECO_ACCELERATION), "sparse: no Acceleration (not enough data, not 10)");
	ok(!has(&sc, CV_ECO_BREAK), "sparse: no Break");
	is_int(score(&sc, CV_ECO_SPEED), 100, "sparse: Speed still scored");
	is_int(score(&sc, CV_ECO_COLDENGINE), 95, "sparse: ColdEngine still scored, the same");
	is_int(score(&sc, CV_ECO_SLOPE), 100, "sparse: Slope still scored");
	is_int(score(&sc, CV_ECO_STARTSTOP), 100, "sparse: StartStop still scored");
	is_int(score(&sc, CV_ECO_GLOBAL), 99, "sparse: Global from the 4 present ((200 + 95 + 100 + 100) / 5)");

	/* a gap of 6 s across which the speed falls 72 to 0 km/h (3.3 m/s^2 on average): skipped */
	calm_start(120);
	add(6 * SEC, 0);
	go(0, 5 * SEC, SEC);
	go(720, 20 * SEC, SEC);
	go(720, 60 * SEC, SEC);
	calm_end();
	run(NULL, &e, &sc);
	is_int(e.brake_events, 0, "gap: a fall across 6 s is not an event");
	is_int(score(&sc, CV_ECO_BREAK), 100, "gap: Break 10");

	/* samples 200 ms apart: 72 to 69 km/h in 0.2 s (4.2 m/s^2) waits for a pair of 1 s */
	for (int jitter = 0; jitter < 2; jitter++) {
		calm_start(60);
		if (jitter) {
			add(200, 690);
			add(200, 700);
			add(600, 720);
			add(200, 750);
			add(800, 720);
		} else {
			add(SEC, 720);
			add(SEC, 720);
		}
		go(720, 60 * SEC, SEC);
		calm_end();
		run(NULL, &e, &sc);
		if (!jitter) {
			examined = e.harsh_dkmh_ms;
			continue;
		}
		is_int(e.accel_events + e.brake_events, 0, "close samples: jitter in 0.2 s is not an event");
		is_int(e.harsh_dkmh_ms, examined, "close samples: the pairs examined are 1 s apart, as without them");
	}
}

/* ---- Speed -------------------------------------------------------------- */

/* Speed's score (-1: absent) of a trip at dkmh for secs, sampled every 10 s; its scores in *sc. */
static int steady(int dkmh, int secs, struct cv_ecoach_scores *sc)
{
	struct cv_ecoach e;

	start(AT);
	add(0, dkmh);
	go(dkmh, secs * SEC, 10 * SEC);
	run(NULL, &e, sc);
	return score(sc, CV_ECO_SPEED);
}

static void test_speed(void)
{
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	/* 300 s at 130 km/h (weight 0.5), 10 s between (mean 110: 0), 290 s at 90: a quarter lost */
	start(AT);
	T.ign = false;
	add(0, 1300);
	go(1300, 300 * SEC, 10 * SEC);
	add(10 * SEC, 900);
	go(900, 290 * SEC, 10 * SEC);
	run(NULL, &e, &sc);
	is_int(e.moving_ms, 600 * SEC, "speed: 600 s moving");
	is_int(score(&sc, CV_ECO_SPEED), 75, "speed: half the time at 130 km/h: 7.5");
	ok(!has(&sc, CV_ECO_STARTSTOP), "speed: no ignition read: no StartStop");
	ok(!has(&sc, CV_ECO_ACCELERATION), "speed: samples 10 s apart: no Acceleration");
	ok(!has(&sc, CV_ECO_COLDENGINE), "speed: no fuel, no temperature: no ColdEngine");
	ok(!has(&sc, CV_ECO_SLOPE), "speed: no position: no Slope");
	is_int(score(&sc, CV_ECO_GLOBAL), 75, "speed: Global is Speed, the only one");

	is_int(steady(1300, 120, &sc), 50, "speed: 130 km/h throughout: 5");
	is_int(steady(1100, 120, &sc), 100, "speed: 110 km/h throughout: 10");
	is_int(steady(1200, 120, &sc), 75, "speed: 120 km/h throughout: 7.5");
	is_int(steady(2500, 120, &sc), 0, "speed: 250 km/h throughout: 0, not below");
	is_int(steady(1300, 50, &sc), -1, "speed: 50 s moving is not enough");
	ok(!has(&sc, CV_ECO_GLOBAL), "speed: nothing scored, no Global");

	/* a span longer than a minute is not counted */
	start(AT);
	add(0, 1300);
	add(61 * SEC, 1300);
	add(61 * SEC, 1300);
	run(NULL, &e, &sc);
	is_int(e.span_ms, 0, "speed: samples 61 s apart: no span");
	ok(!has(&sc, CV_ECO_SPEED), "speed: nothing to score");
}

/* ---- StartStop ---------------------------------------------------------- */

static void test_idle(void)
{
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	/* 120 s idling at the start, a 30 s red light, in 1200 s: 10 %, half of 20 %: 8 */
	start(AT);
	add(0, 0);
	go(0, 120 * SEC, SEC);
	go(720, 20 * SEC, SEC);
	go(720, 500 * SEC, SEC);
	go(0, 20 * SEC, SEC);
	go(0, 30 * SEC, SEC);
	go(720, 20 * SEC, SEC);
	go(720, 470 * SEC, SEC);
	go(0, 20 * SEC, SEC);
	stop();
	run(NULL, &e, &sc);
	is_int(e.span_ms, 1200 * SEC, "idle: 1200 s");
	is_int(e.idle_ms, 120 * SEC, "idle: the 2 min at the start count, the red light does not");
	is_int(score(&sc, CV_ECO_STARTSTOP), 80, "idle: StartStop 8");

	/* ending with 70 s of idling: the run still open counts */
	calm_start(490);
	go(0, 20 * SEC, SEC);
	go(0, 70 * SEC, 10 * SEC);
	run(NULL, &e, &sc);
	is_int(e.idle_run_ms, 70 * SEC, "idle: a run of 70 s still going");
	is_int(score(&sc, CV_ECO_STARTSTOP), 77, "idle: counted: 70 s of 600, StartStop 7.7");
	T.n -= 2;
	run(NULL, &e, &sc);
	is_int(e.idle_run_ms, 50 * SEC, "idle: a run of 50 s still going");
	is_int(score(&sc, CV_ECO_STARTSTOP), 100, "idle: under a minute, not counted: StartStop 10");

	/* standing with the ignition off is not idling */
	calm_start(100);
	calm_end();
	go(0, 100 * SEC, 10 * SEC);
	for (size_t i = T.n - 10; i < T.n; i++)
		T.s[i].has &= ~(1u << CV_G_IGN);
	run(NULL, &e, &sc);
	is_int(e.idle_ms + e.idle_run_ms, 0, "idle: after a Stop, standing is not idling");
	is_int(score(&sc, CV_ECO_STARTSTOP), 100, "idle: StartStop 10");

	/* idling only: 0 */
	start(AT);
	add(0, 0);
	go(0, 10 * MIN, 10 * SEC);
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_STARTSTOP), 0, "idle: 10 min standing, engine on: StartStop 0");
	ok(!has(&sc, CV_ECO_SPEED), "idle: never moving: no Speed");
	ok(!has(&sc, CV_ECO_COLDENGINE), "idle: no fuel reading: no ColdEngine");
	is_int(score(&sc, CV_ECO_GLOBAL), 0, "idle: Global 0");
}

/* ---- ColdEngine --------------------------------------------------------- */

/* Two samples, odometers d_hm apart, temperatures t1 and t2, with a fuel reading. */
static void cold_trip(int d_hm, int t1, int t2, bool fuel)
{
	struct cv_sample *s;

	start(AT);
	T.fuel = fuel;
	T.temp_dc = t1;
	s = add(0, NONE);
	s->has |= 1u << CV_G_ODO;
	s->odo_hm = 100000;
	T.temp_dc = t2;
	s = add(20 * MIN, NONE);
	s->has |= 1u << CV_G_ODO;
	s->odo_hm = (uint32_t)(100000 + d_hm);
	stop();
}

static void test_cold(void)
{
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;
	char *s;

	cold_trip(100, -50, -150, true);
	run(NULL, &e, &sc);
	/* -10 C: 80 % extra over 5 km; 10 km: 40 % of the trip */
	is_int(score(&sc, CV_ECO_COLDENGINE), 60, "cold: 10 km at -10 C: 6");
	is_int(score(&sc, CV_ECO_GLOBAL), 60, "cold: Global is ColdEngine, the only one");
	s = render(&sc);
	is_str(s, "{\"scores\":[{\"category\":\"Global\",\"score\":6},{\"category\":\"ColdEngine\",\"score\":6}]}",
	       "cold: the ECoaching members");
	free(s);

	cold_trip(25, 0, 0, true);
	run(NULL, &e, &sc);
	/* 0 C: 60 %; 2.5 km, half the warm-up: 0.6 x (2 - 0.5) = 90 % */
	is_int(score(&sc, CV_ECO_COLDENGINE), 10, "cold: 2.5 km at 0 C: 1");

	cold_trip(10, -300, -300, true);
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 0, "cold: 1 km at -30 C: 0, not below");
	cold_trip(200, -300, -300, true);
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 75, "cold: 20 km at -30 C: 100 %% as at -20 C, over a quarter: 7.5");

	cold_trip(50, 350, 350, true);
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 80, "cold: 5 km at 35 C: 20 %%, as at 20 C: 8");

	cold_trip(500, 200, 200, true);
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 98, "cold: 50 km at 20 C: 9.8 (2 %%)");

	cold_trip(100, -50, -150, false);
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_COLDENGINE), "cold: no fuel reading (an electric car): no ColdEngine");
	is_int(sc.present, 0, "cold: nothing at all");
	s = render(&sc);
	is_str(s, "{\"scores\":[]}", "nothing scored: scores is []");
	free(s);

	cold_trip(100, NONE, NONE, true);
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_COLDENGINE), "cold: no outside temperature: no ColdEngine");

	cold_trip(0, 100, 100, true);
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_COLDENGINE), "cold: not moved: no ColdEngine");

	/* without an odometer: the speed spans' distance (the calm trip's 20 km) */
	calm(SEC);
	for (size_t i = 0; i < T.n; i++)
		T.s[i].air_temp_dc = -200;
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 75, "cold: 20 km by speed at -20 C: 7.5");
	for (size_t i = 0; i < T.n; i++) {
		T.s[i].has |= 1u << CV_G_ODO;
		T.s[i].odo_hm = 123456;
	}
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 75, "cold: an odometer that does not move: by speed still");
	T.s[T.n - 1].odo_hm = 123456 + 400;
	run(NULL, &e, &sc);
	is_int(score(&sc, CV_ECO_COLDENGINE), 88, "cold: an odometer that moved 40 km: by it (12.5 %%)");
}

/* ---- Slope -------------------------------------------------------------- */

static void test_slope(void)
{
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	/* 600 s at 72 km/h: 300 s flat, 150 s up at 1.5 m/s, 150 s up at 0.5 m/s: a quarter aggressive */
	start(AT);
	T.ign = false;
	T.alt = 200;
	add(0, 720);
	go(720, 300 * SEC, 10 * SEC);
	for (int i = 0; i < 15; i++) {
		T.alt += 15;
		add(10 * SEC, 720);
	}
	for (int i = 0; i < 15; i++) {
		T.alt += 5;
		add(10 * SEC, 720);
	}
	run(NULL, &e, &sc);
	is_int(e.slope_windows, 20, "slope: 20 windows of 30 s");
	is_int(e.climb_ms, 150 * SEC, "slope: 150 s climbing at 1.5 m/s");
	is_int(score(&sc, CV_ECO_SLOPE), 50, "slope: a quarter of the time: 5");

	/* exactly 1 m/s is aggressive, 29 m in 30 s is not */
	start(AT);
	T.alt = 200;
	add(0, 720);
	go(720, 30 * SEC, 10 * SEC);
	T.alt += 30;
	go(720, 30 * SEC, 30 * SEC);
	T.alt += 29;
	go(720, 30 * SEC, 30 * SEC);
	go(720, 30 * SEC, 30 * SEC);
	run(NULL, &e, &sc);
	is_int(e.climb_ms, 30 * SEC, "slope: 30 m in 30 s is aggressive, 29 m is not");
	is_int(score(&sc, CV_ECO_SLOPE), 50, "slope: 30 s of 120: 5");

	/* a window over 120 s is skipped */
	start(AT);
	T.alt = 200;
	add(0, 720);
	go(720, 60 * SEC, 10 * SEC);
	T.alt += 500;
	add(121 * SEC, 720);
	go(720, 60 * SEC, 10 * SEC);
	run(NULL, &e, &sc);
	is_int(e.climb_ms, 0, "slope: 500 m over 121 s is no window");
	is_int(score(&sc, CV_ECO_SLOPE), 100, "slope: 10");

	/* no altitude: a 2D fix, all 0, or too short */
	calm(SEC);
	for (size_t i = 0; i < T.n; i++)
		T.s[i].fix = CV_FIX_2D;
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_SLOPE), "slope: 2D fixes have no altitude: no Slope");
	calm(SEC);
	for (size_t i = 0; i < T.n; i++)
		T.s[i].alt_m = 0;
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_SLOPE), "slope: every altitude 0 (none reported): no Slope");
	calm(SEC);
	for (size_t i = 0; i < T.n; i++)
		T.s[i].has &= ~(1u << CV_G_POS);
	run(NULL, &e, &sc);
	ok(!has(&sc, CV_ECO_SLOPE), "slope: no position: no Slope");
	is_int(sc.present, (1u << CV_ECO_GLOBAL) | (1u << CV_ECO_ACCELERATION) | (1u << CV_ECO_BREAK) |
	       (1u << CV_ECO_COLDENGINE) | (1u << CV_ECO_SPEED) | (1u << CV_ECO_STARTSTOP),
	       "slope: the others still there");
	is_int(score(&sc, CV_ECO_GLOBAL), 99, "slope: Global without it ((600 + 95 + 100) / 8 = 99.4)");
}

/* ---- Global's weights --------------------------------------------------- */

static void test_weights(void)
{
	struct cv_ecoach_params p = cv_ecoach_defaults;
	struct cv_ecoach e;
	struct cv_ecoach_scores sc;

	calm(SEC);
	memset(p.weight, 0, sizeof(p.weight));
	p.weight[CV_ECO_COLDENGINE] = 1;
	run(&p, &e, &sc);
	is_int(score(&sc, CV_ECO_GLOBAL), 95, "weights: ColdEngine alone: Global is it");
	p.weight[CV_ECO_SPEED] = 3;
	run(&p, &e, &sc);
	is_int(score(&sc, CV_ECO_GLOBAL), 99, "weights: 3 x 100 + 95 over 4: 98.75, rounded 99");
	p.weight[CV_ECO_SPEED] = 1;
	run(&p, &e, &sc);
	is_int(score(&sc, CV_ECO_GLOBAL), 98, "weights: 100 + 95 over 2: 97.5, rounded 98");
}

/* ---- bounds and the rendering's shape, on random trips ------------------ */

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The rendering is {"scores": [{category, score}...]} with known names and scores from 0 to 10. */
static bool shape_ok(const char *json, const struct cv_ecoach_scores *sc)
{
	json_object *o = json_tokener_parse(json), *arr, *v;
	bool good = o && json_object_is_type(o, json_type_object) && json_object_object_length(o) == 1 &&
		    json_object_object_get_ex(o, "scores", &arr) && json_object_is_type(arr, json_type_array);
	size_t n = good ? json_object_array_length(arr) : 0, want = 0;

	for (int c = 0; c < CV_ECO_NCAT; c++)
		want += has(sc, (enum cv_ecoach_cat)c);
	good = good && n == want;
	for (size_t i = 0; good && i < n; i++) {
		json_object *item = json_object_array_get_idx(arr, i);
		const char *name;
		bool known = false;
		double x;

		good = json_object_is_type(item, json_type_object) && json_object_object_length(item) == 2 &&
		       json_object_object_get_ex(item, "category", &v) && json_object_is_type(v, json_type_string);
		if (!good)
			break;
		name = json_object_get_string(v);
		for (int c = 0; c < CV_ECO_NCAT; c++)
			known = known || !strcmp(name, cv_ecoach_cat_names[c]);
		good = known && json_object_object_get_ex(item, "score", &v) &&
		       (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
		x = good ? json_object_get_double(v) : -1;
		good = good && x >= 0 && x <= 10;
	}
	json_object_put(o);
	return good;
}

static void test_random(void)
{
	struct cv_ecoach_params tight = cv_ecoach_defaults;
	int bad_bounds = 0, bad_shape = 0, invented = 0, scored_any = 0;

	/* parameters at their edges too */
	tight.harsh_accel_cms2 = 1;
	tight.harsh_brake_cms2 = 1;
	tight.harsh_zero_per100km = 1;
	tight.harsh_floor_m = 1;
	tight.harsh_min_m = 0;
	tight.idle_zero_pm = 1;
	tight.slope_zero_pm = 1;
	tight.slope_climb_mms = 1;
	tight.min_time_ms = 1;
	tight.cold_min_m = 0;
	tight.cold_cold_pct = 1000;
	for (int round = 0; round < 400; round++) {
		struct cv_ecoach e;
		struct cv_ecoach_scores sc;
		char *s;

		start(AT + rnd(1000000));
		for (int i = 0, n = 1 + (int)rnd(300); i < n; i++) {
			struct cv_sample *x = add(rnd(4) ? rnd(8000) : rnd(200000), rnd(5) ? (int)rnd(5001) : NONE);

			x->has |= rnd(2) << CV_G_POS | rnd(2) << CV_G_AIR | rnd(2) << CV_G_FUEL | rnd(2) << CV_G_ODO;
			x->has &= ~(rnd(2) << CV_G_IGN);
			x->ignition = (uint8_t)rnd(3);
			x->fix = (uint8_t)rnd(3);
			x->alt_m = (int32_t)rnd(9501) - 500;
			x->air_temp_dc = (int16_t)((int)rnd(1301) - 600);
			x->odo_hm = rnd(2000001);
		}
		run(round % 2 ? &tight : NULL, &e, &sc);
		for (int c = 0; c < CV_ECO_NCAT; c++)
			if (has(&sc, (enum cv_ecoach_cat)c) && sc.tenths[c] > 100)
				bad_bounds++;
		if (has(&sc, CV_ECO_AIRCONDIONER) || has(&sc, CV_ECO_TIREPRESSURE))
			invented++;
		scored_any += has(&sc, CV_ECO_GLOBAL);
		s = render(&sc);
		if (!shape_ok(s, &sc)) {
			if (!bad_shape)
				printf("# bad shape: %s\n", s);
			bad_shape++;
		}
		free(s);
	}
	is_int(bad_bounds, 0, "random trips: every score from 0 to 10");
	is_int(invented, 0, "random trips: never AirCondioner nor TirePressure");
	is_int(bad_shape, 0, "random trips: the rendering has the schema's shape");
	ok(scored_any > 100, "random trips: most are scored (%d of 400)", scored_any);
}

int main(void)
{
	test_names();
	test_params();
	test_calm();
	test_harsh();
	test_gate();
	test_sparse();
	test_speed();
	test_idle();
	test_cold();
	test_slope();
	test_weights();
	test_random();
	return tap_done();
}

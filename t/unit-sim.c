/*
 * unit-sim.c - the simulator's pure parts: the generated roads and the
 * vehicles (determinism, limits, bounds, duty cycle, valid samples).
 */
#include "vehicle.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

#define DAY_MS (24LL * 3600 * 1000)
#define START 1714953600000LL   /* 2024-05-06T00:00:00Z, a Monday */
#define DAYS 14

static const struct {
	const char *vin;
	enum cv_energy energy;
} cars[] = {
	{ "VR3UPHNKSKT000001", CV_ENERGY_PETROL },
	{ "VR3UKZKXZMJ000002", CV_ENERGY_ELECTRIC },
	{ "VR3MRHNSSMY000003", CV_ENERGY_PHEV },
	{ "VF1RFB00X64000004", CV_ENERGY_DIESEL },
	{ "VR3UKZKXZMJ000005", CV_ENERGY_ELECTRIC },
	{ "VR3UPHNKSKT000006", CV_ENERGY_PETROL },
};

static void test_roads(const struct sim_road *r)
{
	static const int lo[SIM_CLASS_COUNT] = { 30, 50, 70, 110 }, hi[SIM_CLASS_COUNT] = { 50, 70, 90, 130 };
	size_t bad_limit = 0, bad_alt = 0, unreachable = 0, count[SIM_CLASS_COUNT] = { 0 };
	struct sim_route rt;
	struct sim_rng rng;

	ok(r->nnodes > 600 && r->nedges > r->nnodes, "a network of %zu nodes and %zu edges", r->nnodes, r->nedges);
	for (size_t e = 0; e < r->nedges; e++) {
		const struct sim_edge *ed = &r->edges[e];

		count[ed->cls]++;
		/* slip roads into towns and ring accesses are arterials at 50-70 */
		if (ed->limit < lo[ed->cls] || ed->limit > hi[ed->cls])
			bad_limit++;
	}
	is_int(bad_limit, 0, "every road's limit fits its class");
	ok(count[SIM_STREET] && count[SIM_ARTERIAL] && count[SIM_RING] && count[SIM_HIGHWAY],
	   "streets %zu, arterials %zu, ring %zu, highways %zu", count[SIM_STREET], count[SIM_ARTERIAL],
	   count[SIM_RING], count[SIM_HIGHWAY]);
	for (size_t i = 0; i < r->nnodes; i++)
		if (r->nodes[i].alt < 30.0 || r->nodes[i].alt > 130.0 || fabs(r->nodes[i].lat - SIM_CENTRE_LAT) > 0.5 ||
		    fabs(r->nodes[i].lon - SIM_CENTRE_LON) > 0.8)
			bad_alt++;
	is_int(bad_alt, 0, "every node is around Paris, 30-130 m high");
	ok(r->ntowns == SIM_MAX_TOWNS, "%zu towns", r->ntowns);

	sim_route_init(&rt);
	sim_rng_init(&rng, 7);
	for (int k = 0; k < 200; k++) {
		uint32_t a = sim_rng_below(&rng, (uint32_t)r->nnodes), b = sim_rng_below(&rng, (uint32_t)r->nnodes);

		if (sim_road_route(r, a, b, &rt) || rt.nodes[0] != a || rt.nodes[rt.n - 1] != b)
			unreachable++;
	}
	is_int(unreachable, 0, "200 random routes found");
	ok(!sim_road_route(r, 0, r->towns[4].first, &rt) && rt.length > 30000.0,
	   "Paris to Meaux: %.1f km", rt.length / 1000.0);
	{
		bool highway = false;

		for (size_t i = 0; i + 1 < rt.n; i++)
			if (r->edges[rt.edges[i]].cls == SIM_HIGHWAY)
				highway = true;
		ok(highway, "which takes the highway");
	}
	sim_route_release(&rt);
}

static void test_determinism(const struct sim_road *r1, const struct sim_road *r2)
{
	struct sim_vehicle a, b, c;
	struct cv_sample sa, sb;
	struct cv_buf ja = CV_BUF_INIT(0), jb = CV_BUF_INIT(0), jc = CV_BUF_INIT(0);
	size_t n = 0, same = 0;

	sim_vehicle_init(&a, r1, 42, cars[2].vin, cars[2].energy, START);
	sim_vehicle_init(&b, r2, 42, cars[2].vin, cars[2].energy, START);
	sim_vehicle_init(&c, r1, 43, cars[2].vin, cars[2].energy, START);
	/* b is asked in small steps, a all at once: the stream must not care */
	for (int64_t t = START; t <= START + 3 * DAY_MS; t += 3600 * 1000)
		while (sim_vehicle_next(&b, t, &sb))
			sim_batch_json(&jb, "x", &sb, 1);
	while (sim_vehicle_next(&a, START + 3 * DAY_MS, &sa)) {
		sim_batch_json(&ja, "x", &sa, 1);
		n++;
	}
	while (sim_vehicle_next(&c, START + 3 * DAY_MS, &sa))
		sim_batch_json(&jc, "x", &sa, 1);
	ok(n > 500, "%zu samples in 3 days", n);
	{
		char head[32];

		snprintf(head, sizeof(head), "%.29s", cv_buf_str(&ja));
		is_str(head, "{\"messageId\":\"x\",\"samples\":[{", "a batch's JSON");
	}
	is_int(ja.len, jb.len, "same seed, same JSON length");
	ok(ja.len == jb.len && !memcmp(ja.p, jb.p, ja.len), "same seed, same samples");
	if (ja.len == jc.len && !memcmp(ja.p, jc.p, ja.len))
		same = 1;
	is_int(same, 0, "another seed, other samples");
	cv_buf_release(&ja);
	cv_buf_release(&jb);
	cv_buf_release(&jc);
	sim_vehicle_release(&a);
	sim_vehicle_release(&b);
	sim_vehicle_release(&c);
}

struct stats {
	size_t samples, driving, parked, bad_speed, bad_level, bad_time, bad_odo, bad_json, bad_doors;
	size_t charging_slow, finished, disconnected, alerts_on, alerts_off, collisions, trunk;
	double max_kmh, km;
};

static void check_vehicle(const struct sim_road *r, int idx, struct stats *st)
{
	struct sim_vehicle v;
	struct cv_sample s;
	struct cv_buf b = CV_BUF_INIT(0);
	int64_t prev_at = 0;
	uint32_t prev_odo = 0, first_odo = 0;

	sim_vehicle_init(&v, r, 1, cars[idx].vin, cars[idx].energy, START);
	while (sim_vehicle_next(&v, START + DAYS * DAY_MS, &s)) {
		double kmh = s.speed_dkmh / 10.0;
		json_object *o;
		struct cv_sample back;
		struct cv_jread jr;

		st->samples++;
		if (!first_odo)
			first_odo = s.odo_hm;
		if (s.ignition == CV_IGN_START) {
			st->driving++;
			if (kmh > v.limit + 0.05 || kmh > 130.0)
				st->bad_speed++;
			if (s.lock != CV_LOCK_UNLOCKED)
				st->bad_doors++;
		} else {
			st->parked++;
			if (s.speed_dkmh != 0)
				st->bad_speed++;
			if (s.lock != CV_LOCK_LOCKED && !(s.doors_open & (1u << CV_DOOR_TRUNK)))
				st->bad_doors++;
			if (s.doors_open & (1u << CV_DOOR_TRUNK))
				st->trunk++;
		}
		if (kmh > st->max_kmh)
			st->max_kmh = kmh;
		if (s.fuel_level > 1000 || s.elec_level > 1000 || s.alt_m < 28 || s.alt_m > 132 || s.heading >= 360 ||
		    s.batt_mv < 12300 || s.batt_mv > 14400 || s.air_temp_dc < -200 || s.air_temp_dc > 400 ||
		    s.signal > 100)
			st->bad_level++;
		if (CV_HAS(&s, CV_G_FUEL) != (cars[idx].energy != CV_ENERGY_ELECTRIC) ||
		    CV_HAS(&s, CV_G_ELEC) != (cars[idx].energy == CV_ENERGY_ELECTRIC || cars[idx].energy == CV_ENERGY_PHEV))
			st->bad_level++;
		if (s.at <= prev_at)
			st->bad_time++;
		if (s.odo_hm < prev_odo)
			st->bad_odo++;
		prev_at = s.at;
		prev_odo = s.odo_hm;
		if (CV_HAS(&s, CV_G_CHARGE)) {
			if (s.chg_status == CV_CHG_INPROGRESS && s.chg_mode == CV_CHGMODE_SLOW && s.plugged &&
			    s.chg_rate > 0 && s.chg_remaining > 0)
				st->charging_slow++;
			if (s.chg_status == CV_CHG_FINISHED)
				st->finished++;
			if (s.chg_status == CV_CHG_DISCONNECTED && !s.plugged)
				st->disconnected++;
		}
		for (int e = 0; e < s.nevents; e++) {
			if (s.events[e].kind == CV_EV_ALERT && s.events[e].active)
				st->alerts_on++;
			else if (s.events[e].kind == CV_EV_ALERT)
				st->alerts_off++;
			if (s.events[e].kind == CV_EV_COLLISION)
				st->collisions++;
		}
		/* what the server's parser makes of it */
		cv_buf_reset(&b);
		{
			struct cv_jw w;

			cv_jw_init(&w, &b);
			sim_sample_json(&w, &s);
		}
		o = json_tokener_parse(cv_buf_str(&b));
		cv_jr_init(&jr, "s");
		if (!o || cv_sample_parse(&jr, o, s.at, &back) || back.at != s.at ||
		    back.lat_e7 != s.lat_e7 || back.odo_hm != s.odo_hm || back.nevents != s.nevents) {
			if (st->bad_json++ == 0)
				printf("# %s: %s\n", o ? jr.err : "not JSON", cv_buf_str(&b));
		}
		json_object_put(o);
	}
	st->km += (prev_odo - first_odo) / 10.0;
	cv_buf_release(&b);
	sim_vehicle_release(&v);
}

/*
 * A theft (rare in a simulation: set one up): reported at the first
 * driving sample from theft_at, found some time after the car stops, both
 * events parsed back by the server's parser.
 */
static void test_theft(const struct sim_road *r)
{
	struct sim_vehicle v;
	struct cv_sample s;
	int64_t reported = 0, found = 0, stopped = 0;
	bool driving_when_reported = false;

	sim_vehicle_init(&v, r, 3, cars[0].vin, cars[0].energy, START);
	v.theft_at = START + 6 * 3600 * 1000;
	while (sim_vehicle_next(&v, START + 2 * DAY_MS, &s) && !found) {
		for (int e = 0; e < s.nevents; e++) {
			if (s.events[e].kind != CV_EV_THEFT)
				continue;
			if (s.events[e].active && !reported) {
				reported = s.at;
				driving_when_reported = s.ignition == CV_IGN_START;
			} else if (!s.events[e].active && reported) {
				found = s.at;
			}
		}
		if (reported && !stopped && s.ignition == CV_IGN_STOP)
			stopped = s.at;
	}
	ok(reported >= START + 6 * 3600 * 1000 && driving_when_reported, "a theft is reported while the thief drives");
	ok(stopped > reported && found >= stopped + 3600 * 1000 && found <= stopped + 7 * 3600 * 1000,
	   "the car is found 1 to 6 hours after it stops");
	ok(!v.theft_active && !v.theft_at, "and no theft is pending afterwards");
	sim_vehicle_release(&v);
}

int main(void)
{
	struct sim_road r1, r2;
	struct stats st;
	double per_day;
	size_t nveh = CV_ARRAY_LEN(cars);

	sim_road_init(&r1, 42);
	sim_road_init(&r2, 42);
	test_roads(&r1);
	ok(r1.nnodes == r2.nnodes && r1.nedges == r2.nedges && r1.nodes[100].x == r2.nodes[100].x,
	   "same seed, same roads");
	test_determinism(&r1, &r2);
	sim_road_release(&r2);
	test_theft(&r1);

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < nveh; i++)
		check_vehicle(&r1, (int)i, &st);
	per_day = (double)st.samples / (double)(nveh * DAYS);
	printf("# %zu samples (%zu driving, %zu parked), %.0f km, max %.1f km/h, %zu alerts raised, "
	       "%zu cleared, %zu collisions, %zu trunk samples\n", st.samples, st.driving, st.parked, st.km,
	       st.max_kmh, st.alerts_on, st.alerts_off, st.collisions, st.trunk);
	ok(per_day >= 300 && per_day <= 500, "%.0f samples per vehicle-day", per_day);
	ok(st.driving * 10.0 / 3600.0 / (double)(nveh * DAYS) > 0.6 &&
	   st.driving * 10.0 / 3600.0 / (double)(nveh * DAYS) < 1.5,
	   "%.2f h of driving per vehicle-day", st.driving * 10.0 / 3600.0 / (double)(nveh * DAYS));
	is_int(st.bad_speed, 0, "speeds within the road's limit (max %.1f km/h), 0 when parked", st.max_kmh);
	ok(st.max_kmh > 100.0, "some highway driving");
	is_int(st.bad_level, 0, "levels, altitude, heading, voltage, temperature within bounds");
	is_int(st.bad_time, 0, "sample times strictly increase");
	is_int(st.bad_odo, 0, "the odometer never goes back");
	is_int(st.bad_doors, 0, "unlocked while driving, locked when parked (but for an open trunk)");
	ok(st.charging_slow > 0 && st.finished > 0 && st.disconnected > 0,
	   "charging at home: %zu InProgress, %zu Finished, %zu Disconnected", st.charging_slow, st.finished,
	   st.disconnected);
	ok(st.alerts_on > 0 && st.alerts_off > 0, "alerts raised and cleared");
	is_int(st.bad_json, 0, "every sample's JSON passes the server's parser");
	sim_road_release(&r1);
	return tap_done();
}

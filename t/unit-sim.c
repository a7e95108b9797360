/*
 * unit-sim.c - the simulator's pure parts: the generated roads and the
 * vehicles (determinism, limits, bounds, duty cycle, valid samples).
 */
#include "vehicle.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	sim_vehicle_init(&a, r1, 42, cars[2].vin, cars[2].energy, NULL, START);
	sim_vehicle_init(&b, r2, 42, cars[2].vin, cars[2].energy, NULL, START);
	sim_vehicle_init(&c, r1, 43, cars[2].vin, cars[2].energy, NULL, START);
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
	/* charging */
	size_t slow_sessions, quick_sessions, bad_power, bad_energy, bad_range, bad_place, bad_target, bad_curve;
	size_t bad_period, tapering;
	double quick_kw_max;
};

/*
 * A charging sample of v against the one before it (prev, the same
 * vehicle): the power is reported and within what the session allows,
 * the rate agrees with it, a Quick charge is an electric car's away from
 * home, the energy gained between two samples is what the power says
 * (the curve never rises in time: between the later power and the
 * earlier), the power never rises within a session, and a charge that
 * finishes parked ends at its target.
 */
static void check_charging(const struct sim_vehicle *v, const struct cv_sample *prev, const struct cv_sample *s,
			   struct stats *st)
{
	double cap = v->batt_cap, kw = s->chg_power_dkw / 10.0;
	bool was = prev && CV_HAS(prev, CV_G_CHARGE) && prev->chg_status == CV_CHG_INPROGRESS &&
		   s->ignition == CV_IGN_STOP && prev->ignition == CV_IGN_STOP;

	if (s->chg_status == CV_CHG_INPROGRESS) {
		if (!was)
			s->chg_mode == CV_CHGMODE_QUICK ? st->quick_sessions++ : st->slow_sessions++;
		if (!s->has_chg_power || kw <= 0 || kw > v->chg_kw + 0.05 ||
		    labs((long)s->chg_rate - CV_MIN(500, lround(kw / v->kwh_per100 * 100.0))) > 1) {
			if (st->bad_power++ < 3)
				printf("# %s at %lld: %.1f kW (session %.1f), rate %u\n", v->vin, (long long)s->at, kw,
				       v->chg_kw, s->chg_rate);
		}
		if (s->chg_mode == CV_CHGMODE_QUICK && (v->place == SIM_HOME || v->energy != CV_ENERGY_ELECTRIC))
			st->bad_place++;
		if (s->chg_mode == CV_CHGMODE_SLOW && v->place == SIM_HOME && kw > 7.4 * 0.9 + 0.05)
			st->bad_power++;
		if (s->chg_mode == CV_CHGMODE_QUICK && kw > st->quick_kw_max)
			st->quick_kw_max = kw;
		if (s->elec_level > 800 && kw < v->chg_kw - 0.5)
			st->tapering++;
		if (was && s->chg_mode != prev->chg_mode)
			st->bad_curve++;
		if (was && s->chg_power_dkw > prev->chg_power_dkw + 1)
			st->bad_curve++;
		if (was && s->at - prev->at > (s->chg_mode == CV_CHGMODE_QUICK ? 60000 : 600000))
			st->bad_period++;
	}
	if (was && (s->chg_status == CV_CHG_INPROGRESS || s->chg_status == CV_CHG_FINISHED)) {
		double h = (double)(s->at - prev->at) / 3600000.0;
		double gained = (s->elec_level - prev->elec_level) / 1000.0 * cap;
		double hi = prev->chg_power_dkw / 10.0 * h, lo = s->chg_status == CV_CHG_INPROGRESS ? kw * h : 0;
		double tol = 0.0011 * cap + 0.06 * h;

		if (gained > hi + tol || gained < lo - tol) {
			if (st->bad_energy++ < 3)
				printf("# %s: %.3f kWh gained in %.3f h at %.1f then %.1f kW\n", v->vin, gained, h,
				       prev->chg_power_dkw / 10.0, kw);
		}
		if (s->chg_status == CV_CHG_FINISHED && labs((long)s->elec_level - lround(v->chg_target / cap * 1000.0)) > 1)
			st->bad_target++;
	}
	if (CV_HAS(s, CV_G_ELEC) && fabs(s->elec_autonomy - floor(s->elec_level / 1000.0 * cap / v->kwh_per100 * 100.0)) > 1.5)
		st->bad_range++;
}

/* Drive one vehicle for days and check every sample it sends. */
static void check_vehicle(const struct sim_road *r, uint64_t seed, const char *vin, enum cv_energy energy,
			  const struct sim_spec *spec, int days, struct stats *st)
{
	struct sim_vehicle v;
	struct cv_sample s, prev;
	struct cv_buf b = CV_BUF_INIT(0);
	int64_t prev_at = 0;
	uint32_t prev_odo = 0, first_odo = 0;

	sim_vehicle_init(&v, r, seed, vin, energy, spec, START);
	while (sim_vehicle_next(&v, START + days * DAY_MS, &s)) {
		double kmh = s.speed_dkmh / 10.0;
		json_object *o;
		struct cv_sample back;
		struct cv_jread jr;

		st->samples++;
		if (!first_odo)
			first_odo = s.odo_hm;
		if (s.ignition == CV_IGN_START) {
			/* a sporty driver cruises up to 8% over the limit */
			double over = v.style == SIM_SPORTY ? 1.08 : 1.0;

			st->driving++;
			if (kmh > v.limit * over + 0.05 || kmh > 130.0 * over + 0.05)
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
		if (CV_HAS(&s, CV_G_FUEL) != (energy != CV_ENERGY_ELECTRIC) ||
		    CV_HAS(&s, CV_G_ELEC) != (energy == CV_ENERGY_ELECTRIC || energy == CV_ENERGY_PHEV))
			st->bad_level++;
		if (s.at <= prev_at)
			st->bad_time++;
		if (s.odo_hm < prev_odo)
			st->bad_odo++;
		if (CV_HAS(&s, CV_G_CHARGE))
			check_charging(&v, prev_at ? &prev : NULL, &s, st);
		prev_at = s.at;
		prev_odo = s.odo_hm;
		prev = s;
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
		    back.lat_e7 != s.lat_e7 || back.odo_hm != s.odo_hm || back.nevents != s.nevents ||
		    back.has_chg_power != s.has_chg_power || back.chg_power_dkw != s.chg_power_dkw) {
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

	sim_vehicle_init(&v, r, 3, cars[0].vin, cars[0].energy, NULL, START);
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

/* The charging checks over what stats saw. */
static void check_charging_stats(const struct stats *st, const char *what)
{
	printf("# %s: %zu slow and %zu quick charging sessions (up to %.1f kW), %zu samples above 80%% tapering\n",
	       what, st->slow_sessions, st->quick_sessions, st->quick_kw_max, st->tapering);
	is_int(st->bad_power, 0, "%s: every charging sample reports its power, within the session's, the rate agreeing",
	       what);
	is_int(st->bad_place, 0, "%s: quick charges only for electric cars, away from home", what);
	is_int(st->bad_energy, 0, "%s: the energy gained between two charging samples is what their power says", what);
	is_int(st->bad_curve, 0, "%s: within a session the power never rises", what);
	ok(st->tapering > 0, "%s: the power tapers above 80%%", what);
	is_int(st->bad_period, 0, "%s: a sample every minute on DC, every 10 minutes on AC", what);
	is_int(st->bad_target, 0, "%s: a charge finishes at its target", what);
	is_int(st->bad_range, 0, "%s: the range follows the level, the capacity and the consumption", what);
}

/* The power curve itself (sim_charge_power), on hand-set sessions. */
static void test_charge_curve(const struct sim_road *r)
{
	struct sim_vehicle v;

	sim_vehicle_init(&v, r, 1, cars[1].vin, CV_ENERGY_ELECTRIC, NULL, START);
	ok(v.batt_cap == 50.0 && v.batt_kw == 100.0, "a 50 kWh battery that takes up to 100 kW");
	/* a 150 kW charger: the car takes 100 kW, 95 of which reach the battery */
	v.chg_kw = 95.0;
	ok(fabs(sim_charge_power(&v, 10.0) - 95.0) < 1e-9 && fabs(sim_charge_power(&v, 40.0) - 95.0) < 1e-9,
	   "DC: 95 kW at 20%% and at 80%%");
	ok(fabs(sim_charge_power(&v, 45.0) - 50.0) < 1e-9 && fabs(sim_charge_power(&v, 47.5) - 25.0) < 1e-9,
	   "then what the battery takes: 50 kW at 90%%, 25 kW at 95%%");
	ok(fabs(sim_charge_power(&v, 49.9) - 5.0) < 1e-9, "and never under 5%% of its most: 5 kW at 99.8%%");
	/* a 7.4 kW wallbox, 90% efficient: flat nearly to the end */
	v.chg_kw = 7.4 * 0.9;
	ok(fabs(sim_charge_power(&v, 49.0) - 6.66) < 1e-9 && fabs(sim_charge_power(&v, 49.5) - 5.0) < 1e-9,
	   "AC: 6.66 kW at 98%%, 5 kW at 99%%");
	sim_vehicle_release(&v);
	sim_vehicle_init(&v, r, 1, cars[2].vin, CV_ENERGY_PHEV, NULL, START);
	v.chg_kw = 3.7 * 0.9;
	ok(v.batt_cap == 12.0 && fabs(sim_charge_power(&v, 11.0) - 3.33) < 1e-9 &&
	   fabs(sim_charge_power(&v, 11.7) - 1.5) < 1e-9 && fabs(sim_charge_power(&v, 11.99) - 0.6) < 1e-9,
	   "a 12 kWh plug-in hybrid on 3.7 kW: 3.33 kW at 92%%, 1.5 at 97.5%%, 0.6 at the end");
	sim_vehicle_release(&v);
}

/*
 * A whole session, started by a remote command on an electric car parked
 * at home with 20% left: a sample every 10 minutes at 6.66 kW (7.4 kW
 * less losses), the power falling only at the very end, one sample when it
 * finishes at 100%, 40 kWh in all, then one every 30 minutes.
 */
static void test_charge_session(const struct sim_road *r)
{
	struct sim_vehicle v;
	struct cv_sample s, prev = { 0 };
	json_object *on = json_tokener_parse("{\"immediate\": true}");
	uint8_t outcome, cause;
	int64_t start = 0, end = 0, after = 0, remaining = 0;
	double energy = 0;
	size_t n = 0, flat = 0, bad = 0;

	sim_vehicle_init(&v, r, 1, cars[1].vin, CV_ENERGY_ELECTRIC, NULL, START);
	v.stay = true;
	v.plugged = true;
	v.chg_status = CV_CHG_STOPPED;
	v.batt = 0.2 * v.batt_cap;
	sim_vehicle_command(&v, START, CV_RT_CHARGING, on, 0.5, &outcome, &cause);
	is_int(outcome, CV_RS_SUCCESS, "charging started by a command");
	while (sim_vehicle_next(&v, START + DAY_MS, &s) && !after) {
		if (s.chg_status == CV_CHG_INPROGRESS) {
			if (!n++) {
				start = s.at;
				remaining = s.chg_remaining;
			} else {
				energy += prev.chg_power_dkw / 10.0 * (double)(s.at - prev.at) / 3600000.0;
				bad += s.at - prev.at != 600000;
			}
			flat += s.chg_power_dkw == 67;
			bad += s.chg_mode != CV_CHGMODE_SLOW || !s.has_chg_power;
		} else if (s.chg_status == CV_CHG_FINISHED && !end) {
			end = s.at;
			energy += prev.chg_power_dkw / 10.0 * (double)(s.at - prev.at) / 3600000.0;
			ok(s.elec_level == 1000 && !s.has_chg_power && s.plugged, "finished at 100%%, still plugged, no power");
		} else if (end) {
			after = s.at;
		}
		prev = s;
	}
	printf("# %zu samples charging, %.2f h, %.2f kWh\n", n, (end - start) / 3600000.0, energy);
	is_int(bad, 0, "a Slow charge with its power, a sample every 10 minutes");
	ok(end - start > 6 * 3600000LL && end - start < 6 * 3600000LL + 600000,
	   "40 kWh at 6.66 kW: 6 hours and a few minutes");
	ok(labs((long)(remaining - (end - start) / 1000)) <= 1, "its remaining time said so from the start");
	ok(flat + 1 >= n, "the power is flat until the last sample or so");
	ok(fabs(energy - 40.0) < 0.4, "the power adds up to the energy the levels say (%.2f kWh)", energy);
	is_int(after - end, 30 * 60000, "then a sample 30 minutes later, as parked");
	json_object_put(on);
	sim_vehicle_release(&v);
}

/*
 * Electric cars, some with a larger battery, for three weeks: slow and
 * quick sessions, each sample checked (check_charging), and a quick one
 * over 50 kW.
 */
static void test_charging_fleet(const struct sim_road *r)
{
	struct sim_spec big = { .battery_wh = 77500 };
	struct stats st;
	char vin[SIM_VIN_LEN + 1];

	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 10; i++) {
		snprintf(vin, sizeof(vin), "VR3UKZKXZMJ1000%02d", i);
		check_vehicle(r, 5, vin, CV_ENERGY_ELECTRIC, i % 2 ? &big : NULL, 21, &st);
	}
	check_charging_stats(&st, "electric cars");
	ok(st.slow_sessions > 20 && st.quick_sessions > 2 && st.quick_kw_max > 50.0,
	   "slow (AC) and quick (DC) sessions, some above 50 kW");
	is_int(st.bad_json + st.bad_level + st.bad_time + st.bad_speed, 0, "every sample good");
}

/* Capacities: the energy's, or what the vehicles file gives. */
static void test_capacities(const struct sim_road *r)
{
	static const struct { enum cv_energy e; uint32_t wh, cl; } want[] = {
		{ CV_ENERGY_PETROL, 0, 4500 }, { CV_ENERGY_DIESEL, 0, 5000 },
		{ CV_ENERGY_ELECTRIC, 50000, 0 }, { CV_ENERGY_PHEV, 12000, 4000 },
	};
	struct sim_spec spec = { .battery_wh = 77500, .tank_cl = 5250 };
	struct sim_vehicle v;
	unsigned bad = 0;

	for (size_t i = 0; i < CV_ARRAY_LEN(want); i++) {
		uint32_t wh, cl;

		sim_default_capacity(want[i].e, &wh, &cl);
		bad += wh != want[i].wh || cl != want[i].cl;
	}
	is_int(bad, 0, "the energies' capacities are cvctl demo's: 45 L, 50 L, 50 kWh, 12 kWh and 40 L");
	sim_vehicle_init(&v, r, 1, cars[2].vin, CV_ENERGY_PHEV, &spec, START);
	ok(v.batt_cap == 77.5 && v.tank == 52.5, "a plug-in hybrid given 77.5 kWh and 52.5 L");
	sim_vehicle_release(&v);
	sim_vehicle_init(&v, r, 1, cars[0].vin, CV_ENERGY_PETROL, &spec, START);
	ok(v.batt_cap == 0 && v.tank == 52.5, "a battery given to a petrol car is none");
	sim_vehicle_release(&v);
}

/* The styles drawn: all three, each in its ranges; where a vehicle lives does not depend on them. */
static void test_styles(const struct sim_road *r)
{
	size_t count[SIM_STYLE_COUNT] = { 0 }, bad = 0, moved = 0;
	char vin[SIM_VIN_LEN + 1];

	for (int i = 0; i < 300; i++) {
		struct sim_vehicle v, w;
		struct sim_spec calm = { .has_style = true, .style = SIM_CALM };

		snprintf(vin, sizeof(vin), "VF1STYLE00000%04d", i);
		sim_vehicle_init(&v, r, 9, vin, CV_ENERGY_DIESEL, NULL, START);
		sim_vehicle_init(&w, r, 9, vin, CV_ENERGY_DIESEL, &calm, START);
		count[v.style]++;
		switch (v.style) {
		case SIM_CALM:
			bad += v.pace < 0.82 || v.pace > 0.92 || v.accel < 1.1 || v.accel > 1.6 || v.brake < 1.2 ||
			       v.brake > 1.7;
			break;
		case SIM_NORMAL:
			bad += v.pace < 0.88 || v.pace > 0.98 || v.accel < 1.6 || v.accel > 2.4 || v.brake < 1.8 ||
			       v.brake > 2.5;
			break;
		default:
			bad += v.pace < 0.98 || v.pace > 1.08 || v.accel < 2.6 || v.accel > 3.6 || v.brake < 2.8 ||
			       v.brake > 4.0;
			break;
		}
		bad += w.style != SIM_CALM;
		moved += memcmp(v.place_node, w.place_node, sizeof(v.place_node)) != 0 || v.commuter != w.commuter;
		sim_vehicle_release(&v);
		sim_vehicle_release(&w);
	}
	printf("# styles of 300 drivers: %zu calm, %zu normal, %zu sporty\n", count[SIM_CALM], count[SIM_NORMAL],
	       count[SIM_SPORTY]);
	ok(count[SIM_CALM] > 45 && count[SIM_NORMAL] > 45 && count[SIM_SPORTY] > 45, "every style is drawn");
	is_int(bad, 0, "each driver's pace, acceleration and braking within its style's; a style given is kept");
	is_int(moved, 0, "a driver's style does not move where the vehicle lives, works and shops");
}

struct driving {
	double gain95, drop95, over, pace, per100, km;
};

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A week of driving in a style: speed changes between 10-second samples, speeding, fuel used. */
static void drive_style(const struct sim_road *r, enum sim_style style, struct driving *d)
{
	struct sim_spec spec = { .has_style = true, .style = style };
	struct sim_vehicle v;
	struct cv_sample s, prev = { 0 };
	double *gain = NULL, *drop = NULL, litres = 0, pace = 0;
	size_t ng = 0, nd = 0, cap = 0, moving = 0;
	bool have = false;

	memset(d, 0, sizeof(*d));
	sim_vehicle_init(&v, r, 4, cars[0].vin, CV_ENERGY_PETROL, &spec, START);
	while (sim_vehicle_next(&v, START + 7 * DAY_MS, &s)) {
		if (have && s.ignition == CV_IGN_START && prev.ignition == CV_IGN_START && s.at - prev.at == 10000) {
			double dv = (s.speed_dkmh - prev.speed_dkmh) / 36.0 / 10.0;    /* m/s^2 over the 10 s */

			if (ng == cap) {
				cap = cap ? 2 * cap : 1024;
				gain = realloc(gain, cap * sizeof(*gain));
				drop = realloc(drop, cap * sizeof(*drop));
			}
			if (dv > 0)
				gain[ng++] = dv;
			else if (dv < 0)
				drop[nd++] = -dv;
			if (s.fuel_level < prev.fuel_level)
				litres += (prev.fuel_level - s.fuel_level) / 1000.0 * v.tank;
			d->km += (s.odo_hm - prev.odo_hm) / 10.0;
			if (v.limit > 0 && s.speed_dkmh / 10.0 > v.limit + 0.5)
				d->over++;
			if (v.limit > 0 && s.speed_dkmh > 50) {
				pace += s.speed_dkmh / 10.0 / v.limit;
				moving++;
			}
		}
		prev = s;
		have = true;
	}
	qsort(gain, ng, sizeof(*gain), by_value);
	qsort(drop, nd, sizeof(*drop), by_value);
	d->gain95 = ng ? gain[ng * 95 / 100] : 0;
	d->drop95 = nd ? drop[nd * 95 / 100] : 0;
	d->per100 = d->km > 0 ? litres / d->km * 100.0 : 0;
	d->pace = moving ? pace / (double)moving : 0;
	free(gain);
	free(drop);
	sim_vehicle_release(&v);
}

/* The same car and plans, driven calm and sporty: the sporty driver accelerates, brakes and speeds more. */
static void test_style_driving(const struct sim_road *r)
{
	struct driving calm, sporty;

	drive_style(r, SIM_CALM, &calm);
	drive_style(r, SIM_SPORTY, &sporty);
	printf("# calm: %.0f km, 95th percentile gain %.2f and drop %.2f m/s^2 a 10 s sample, %.2f of the limit, "
	       "%.0f samples over it, %.2f L/100 km\n", calm.km, calm.gain95, calm.drop95, calm.pace, calm.over,
	       calm.per100);
	printf("# sporty: %.0f km, 95th percentile gain %.2f and drop %.2f m/s^2 a 10 s sample, %.2f of the limit, "
	       "%.0f samples over it, %.2f L/100 km\n", sporty.km, sporty.gain95, sporty.drop95, sporty.pace,
	       sporty.over, sporty.per100);
	ok(calm.km > 100 && sporty.km > 100, "both drove");
	ok(sporty.gain95 > calm.gain95 * 1.25, "a sporty driver accelerates harder");
	ok(sporty.drop95 > calm.drop95 * 1.25, "and brakes harder");
	ok(sporty.pace > calm.pace * 1.1, "cruises closer to the limit");
	ok(calm.over == 0 && sporty.over > 0, "which only a sporty one goes over, where traffic allows");
	ok(sporty.per100 > calm.per100 * 1.03, "and uses more fuel a kilometre");
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
		check_vehicle(&r1, 1, cars[i].vin, cars[i].energy, NULL, DAYS, &st);
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
	check_charging_stats(&st, "the fleet");
	is_int(st.bad_json, 0, "every sample's JSON passes the server's parser");

	test_capacities(&r1);
	test_charge_curve(&r1);
	test_charge_session(&r1);
	test_charging_fleet(&r1);
	test_styles(&r1);
	test_style_driving(&r1);
	sim_road_release(&r1);
	return tap_done();
}

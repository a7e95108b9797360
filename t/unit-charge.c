/* unit-charge.c - tests of core/charge: building charging sessions, figures, records, rendering, efficiency. */
#include "charge.h"
#include "cvtime.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define AT 1714586400000LL          /* 2024-05-01T18:00:00Z */
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define NONE (-1)
#define CAP 50000u                  /* a 50 kWh battery, in Wh */

/* Places: home, 55 m from it (the same place), 1.1 km from it (away). */
#define HOME_LAT 488566000
#define HOME_LON 23522000
#define NEAR_LAT (HOME_LAT + 5000)
#define FAR_LAT (HOME_LAT + 100000)

/* One sample; NONE leaves a group (or the power, or plugged's value) out. */
struct spec {
	int64_t at;
	int status;         /* enum cv_chg: the charging group */
	int power;          /* kW x 10, reported with the charging group */
	int level;          /* % x 10: the battery group (autonomy: level / 4 km) */
	int64_t lat;        /* with HOME_LON; fix 3D */
	int mode;           /* enum cv_chgmode (NONE: No) */
	int plugged;        /* NONE: the vehicle link's default, status is not Disconnected */
	int speed;          /* km/h x 10 */
	int privacy;
};

static struct cv_sample mk(struct spec p)
{
	struct cv_sample s;

	memset(&s, 0, sizeof(s));
	s.at = p.at;
	if (p.status != NONE) {
		s.has |= 1u << CV_G_CHARGE;
		s.chg_status = (uint8_t)p.status;
		s.chg_mode = (uint8_t)(p.mode == NONE ? CV_CHGMODE_NO : p.mode);
		s.plugged = (uint8_t)(p.plugged == NONE ? p.status != CV_CHG_DISCONNECTED : p.plugged);
		if (p.power != NONE) {
			s.has_chg_power = 1;
			s.chg_power_dkw = (uint16_t)p.power;
		}
	}
	if (p.level != NONE) {
		s.has |= 1u << CV_G_ELEC;
		s.elec_level = (uint16_t)p.level;
		s.elec_autonomy = (uint16_t)(p.level / 4);
	}
	if (p.lat != NONE) {
		s.has |= 1u << CV_G_POS;
		s.lat_e7 = (int32_t)p.lat;
		s.lon_e7 = HOME_LON;
		s.alt_m = 35;
		s.fix = CV_FIX_3D;
	}
	if (p.speed != NONE) {
		s.has |= 1u << CV_G_KIN;
		s.speed_dkmh = (uint16_t)p.speed;
	}
	if (p.privacy != NONE) {
		s.has |= 1u << CV_G_PRIVACY;
		s.privacy = (uint8_t)p.privacy;
	}
	return s;
}

/* A sample at home with status, power, level; and the same with a mode. */
#define CHG(at_, st_, pw_, lvl_) \
	mk((struct spec){ (at_), (st_), (pw_), (lvl_), HOME_LAT, NONE, NONE, NONE, NONE })
#define CHGM(at_, st_, pw_, lvl_, mode_) \
	mk((struct spec){ (at_), (st_), (pw_), (lvl_), HOME_LAT, (mode_), NONE, NONE, NONE })
#define IP CV_CHG_INPROGRESS

/* A builder and what came out of it. */
struct run {
	struct cv_charge cur;
	bool has;
	struct cv_charge closed[8];
	int nclosed;
};

static enum cv_charge_step feed(struct run *r, struct cv_sample s)
{
	struct cv_charge out;
	enum cv_charge_step step = cv_charge_feed(&r->cur, &r->has, &s, &out);

	if ((step & CV_CHARGE_CLOSED) && r->nclosed < (int)CV_ARRAY_LEN(r->closed))
		r->closed[r->nclosed++] = out;
	return step;
}

/* Render c as a whole object (no _links) into a new string; free it. */
static char *render(const struct cv_charge *c, const char *vin, bool positions, uint32_t cap)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_charge_render_members(&w, c, "c1", vin, positions, cap);
	cv_jw_end(&w);
	if (w.err)
		printf("# render error %d\n", (int)w.err);
	return cv_buf_detach(&b, NULL);
}

static char *render_point(const struct cv_sample *s)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_jw w;

	cv_jw_init(&w, &b);
	cv_jw_obj(&w);
	cv_charge_render_point_members(&w, s);
	cv_jw_end(&w);
	return cv_buf_detach(&b, NULL);
}

static json_object *parse_json(const char *s)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));

	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  (size_t)json_tokener_get_parse_end(tok) != strlen(s))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* ---- a home AC session -------------------------------------------------- */

/*
 * A 7.5 kW wallbox on a 50 kWh battery, reported every 30 minutes from
 * 18:00: 3.75 kWh (7.5 points) each half hour, 20 % to 50 % by 20:00;
 * Finished at 20:01 without a power.
 */
static const char home_json[] =
	"{\"id\":\"c1\",\"createdAt\":\"2024-05-01T18:00:00Z\",\"updatedAt\":\"2024-05-01T20:01:00Z\","
	"\"startedAt\":\"2024-05-01T18:00:00Z\",\"stoppedAt\":\"2024-05-01T20:01:00Z\","
	"\"position\":{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[2.3522,48.8566,35]},"
	"\"properties\":{\"createdAt\":\"2024-05-01T18:00:00Z\"}},"
	"\"duration\":7260,\"chargingDuration\":7260,\"startLevel\":20,\"endLevel\":50,"
	"\"startAutonomy\":50,\"endAutonomy\":125,\"energyAdded\":15,\"avgPower\":7.4,\"maxPower\":7.5,"
	"\"chargingMode\":\"Slow\",\"interruptions\":0,\"done\":true,\"faults\":[]}";

static void home_session(struct run *r)
{
	memset(r, 0, sizeof(*r));
	is_int(feed(r, CHGM(AT, IP, 75, 200, CV_CHGMODE_SLOW)), CV_CHARGE_OPENED, "home: InProgress opens a session");
	ok(r->has, "a session is current");
	is_int(cv_charge_faults(&r->cur), CV_CHARGE_UNFINISHED, "a charging session is Unfinished");
	for (int i = 1; i <= 4; i++)
		is_int(feed(r, CHGM(AT + i * 30 * MIN, IP, 75, 200 + 75 * i, CV_CHGMODE_SLOW)), CV_CHARGE_EXTENDED,
		       "InProgress at +%d min extends it", i * 30);
	is_int(cv_charge_energy_wh(&r->cur, CAP), 15000, "15 kWh so far");
	is_int(feed(r, CHGM(AT + 2 * HOUR + MIN, CV_CHG_FINISHED, NONE, 500, CV_CHGMODE_SLOW)),
	       CV_CHARGE_EXTENDED | CV_CHARGE_ENDED, "Finished ends it");
	ok(r->has && r->cur.done, "done, and held in case it resumes");
	is_int(r->nclosed, 0, "nothing closed yet");
}

static void test_home(void)
{
	struct run r;
	struct cv_charge c;
	char *s;

	home_session(&r);
	c = r.cur;
	is_int(cv_charge_faults(&c), 0, "Nominal");
	is_int(c.start_at, AT, "startedAt");
	is_int(cv_charge_end_at(&c), AT + 2 * HOUR + MIN, "stoppedAt: the Finished sample");
	is_int(cv_charge_duration_ms(&c), 2 * HOUR + MIN, "duration");
	is_int(c.charge_ms, 2 * HOUR + MIN, "all of it charging");
	is_int(c.nsamples, 6, "6 samples");
	is_int(c.start_level, 200, "from 20 %%");
	is_int(c.end_level, 500, "to 50 %%");
	is_int(c.pw_sum2, 4 * 150 * 30 * MIN, "4 spans of (7.5 + 7.5) kW x 30 min, doubled");
	is_int(c.pw_cov, 300, "every point of the rise is under an integrated span");
	is_int(cv_charge_energy_wh(&c, CAP), 15000, "energy: 15 kWh by the power");
	is_int(cv_charge_energy_wh(&c, 0), 15000, "the same without the capacity");
	is_int(cv_charge_avg_power_dkw(&c, CAP), 74, "avgPower: 15 kWh in 2 h 1 min, 7.4 kW");
	is_int(c.peak_dkw, 75, "maxPower 7.5 kW");
	is_int(cv_charge_mode(&c, CAP), CV_CHGMODE_SLOW, "Slow, as reported");
	s = render(&c, NULL, true, CAP);
	is_str(s, home_json, "home: the charge object");
	free(s);

	/* the next report, 30 minutes later, releases it */
	is_int(feed(&r, CHGM(AT + 2 * HOUR + 31 * MIN, CV_CHG_FINISHED, NONE, 500, CV_CHGMODE_SLOW)),
	       CV_CHARGE_CLOSED, "a report after the resume window: it leaves the builder");
	ok(!r.has, "no current session");
	is_int(r.nclosed, 1, "one session out");
	ok(r.closed[0].done && r.closed[0].last_at == c.last_at && r.closed[0].nsamples == c.nsamples,
	   "as it ended");
	is_int(feed(&r, CHGM(AT + 3 * HOUR, CV_CHG_FINISHED, NONE, 500, CV_CHGMODE_SLOW)), CV_CHARGE_IGNORED,
	       "Finished with no session: ignored");
	is_int(feed(&r, CHG(AT + 4 * HOUR, CV_CHG_DISCONNECTED, NONE, 500)), CV_CHARGE_IGNORED,
	       "Disconnected with no session: ignored");
	ok(!r.has, "still none");
}

/* ---- a DC session with a taper ------------------------------------------ */

static void dc_session(struct run *r)
{
	static const int pw[] = { 1000, 1000, 800, 600, 400, 200 };
	static const int lvl[] = { 100, 300, 480, 620, 720, 780 };

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 6; i++)
		feed(r, CHG(AT + i * 5 * MIN, IP, pw[i], lvl[i]));
	is_int(feed(r, CHG(AT + 30 * MIN, CV_CHG_FINISHED, 0, 800)), CV_CHARGE_EXTENDED | CV_CHARGE_ENDED,
	       "dc: Finished ends it");
}

static void test_dc(void)
{
	struct run r;
	char *s;
	json_object *o;

	dc_session(&r);
	/* (100 + 100 + 100 + 80 + 80 + 60 + 60 + 40 + 40 + 20 + 20 + 0) / 2 kW x 5 min = 350 / 12 kWh */
	is_int(r.cur.pw_sum2, 7000LL * 5 * MIN, "the doubled trapezoids: 7000 kW x 10 x 5 min");
	is_int(cv_charge_energy_wh(&r.cur, CAP), 29167, "energy 29.167 kWh, by the power");
	is_int(cv_charge_energy_wh(&r.cur, 0), 29167, "the same without the capacity");
	is_int(cv_charge_avg_power_dkw(&r.cur, CAP), 583, "avgPower 58.3 kW over 30 min");
	is_int(r.cur.peak_dkw, 1000, "maxPower 100 kW");
	is_int(cv_charge_mode(&r.cur, 0), CV_CHGMODE_QUICK, "no mode reported: Quick from the peak");
	is_int(r.cur.modes, 0, "no mode reported");
	is_int(cv_charge_faults(&r.cur), 0, "Nominal");
	ok(!(r.cur.flags & CV_CHARGE_F_CHAIN), "the span of power ends with the session");
	s = render(&r.cur, "VR3UPHNKSKT000001", false, CAP);
	o = parse_json(s);
	ok(o != NULL, "renders as JSON");
	ok(json_object_get_double(json_object_object_get(o, "energyAdded")) == 29.167, "energyAdded 29.167");
	ok(json_object_get_double(json_object_object_get(o, "maxPower")) == 100, "maxPower 100");
	ok(json_object_get_double(json_object_object_get(o, "avgPower")) == 58.3, "avgPower 58.3");
	is_str(json_object_get_string(json_object_object_get(o, "chargingMode")), "Quick", "chargingMode Quick");
	is_str(json_object_get_string(json_object_object_get(o, "vin")), "VR3UPHNKSKT000001", "vin");
	ok(!json_object_object_get(o, "position"), "no position when not asked");
	json_object_put(o);
	free(s);
}

/* ---- the mode's threshold ----------------------------------------------- */

static void test_mode(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 220, 200));
	feed(&r, CHG(AT + 10 * MIN, CV_CHG_FINISHED, 0, 273));
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_SLOW, "a peak of 22 kW: Slow (the most AC gives)");
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 221, 200));
	feed(&r, CHG(AT + 10 * MIN, CV_CHG_FINISHED, 0, 273));
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_QUICK, "a peak of 22.1 kW: Quick");
	memset(&r, 0, sizeof(r));
	feed(&r, CHGM(AT, IP, 500, 200, CV_CHGMODE_SLOW));
	feed(&r, CHG(AT + 10 * MIN, CV_CHG_FINISHED, 0, 273));
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_SLOW, "a mode reported wins over the power");
	memset(&r, 0, sizeof(r));
	feed(&r, CHGM(AT, IP, 70, 200, CV_CHGMODE_SLOW));
	feed(&r, CHGM(AT + 10 * MIN, IP, 70, 210, CV_CHGMODE_QUICK));
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_QUICK, "Quick reported once: Quick");
	is_int(r.cur.modes, (1 << CV_CHGMODE_SLOW) | (1 << CV_CHGMODE_QUICK), "both modes kept");
}

/* ---- levels only, power only, capacity unknown -------------------------- */

static void test_levels_only(void)
{
	struct run r;
	char *s;
	json_object *o;

	/* AC: 20 % to 80 % of 50 kWh in 3 hours, no power, no mode */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 6; i++)
		feed(&r, CHG(AT + i * 30 * MIN, IP, NONE, 200 + 100 * i));
	feed(&r, CHG(AT + 3 * HOUR, CV_CHG_FINISHED, NONE, 800));
	ok(!(r.cur.flags & CV_CHARGE_F_POWER), "levels only: no power");
	is_int(cv_charge_energy_wh(&r.cur, CAP), 30000, "energy: 60 points of 50 kWh, 30 kWh");
	is_int(cv_charge_avg_power_dkw(&r.cur, CAP), 100, "avgPower 10 kW");
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_SLOW, "Slow from the average power");
	is_int(cv_charge_energy_wh(&r.cur, 46000), 27600, "with 46 kWh: 27.6 kWh");

	/* capacity unknown: nothing of the energy is known */
	is_int(cv_charge_energy_wh(&r.cur, 0), -1, "capacity unknown: energy unknown");
	is_int(cv_charge_avg_power_dkw(&r.cur, 0), -1, "and avgPower");
	is_int(cv_charge_mode(&r.cur, 0), CV_CHGMODE_NO, "and the mode");
	s = render(&r.cur, NULL, true, 0);
	o = parse_json(s);
	ok(o && !json_object_object_get(o, "energyAdded") && !json_object_object_get(o, "avgPower") &&
	   !json_object_object_get(o, "maxPower") && !json_object_object_get(o, "chargingMode"),
	   "capacity unknown: no energyAdded, avgPower, maxPower, chargingMode");
	ok(json_object_get_double(json_object_object_get(o, "endLevel")) == 80, "the levels still are");
	json_object_put(o);
	free(s);

	/* DC: 10 % to 80 % in 30 minutes, 35 kWh: 70 kW on average */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, NONE, 100));
	feed(&r, CHG(AT + 15 * MIN, IP, NONE, 500));
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_FINISHED, NONE, 800));
	is_int(cv_charge_energy_wh(&r.cur, CAP), 35000, "DC levels only: 35 kWh");
	is_int(cv_charge_mode(&r.cur, CAP), CV_CHGMODE_QUICK, "Quick from the average power");

	/* the level fell (a reading's noise): nothing added, not a negative */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, NONE, 500));
	feed(&r, CHG(AT + MIN, CV_CHG_STOPPED, NONE, 499));
	is_int(cv_charge_energy_wh(&r.cur, CAP), 0, "a level that fell: 0 Wh");
}

static void test_power_only(void)
{
	struct run r;

	/* power reported, no battery group at all */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 4; i++)
		feed(&r, CHG(AT + i * 30 * MIN, IP, 110, NONE));
	feed(&r, CHG(AT + 2 * HOUR, CV_CHG_FINISHED, 110, NONE));
	ok(!(r.cur.flags & CV_CHARGE_F_LEVEL), "power only: no level");
	is_int(cv_charge_energy_wh(&r.cur, CAP), 22000, "energy: 11 kW for 2 h, 22 kWh");
	is_int(cv_charge_energy_wh(&r.cur, 0), 22000, "the same without the capacity");
	is_int(cv_charge_avg_power_dkw(&r.cur, 0), 110, "avgPower 11 kW");
	is_int(cv_charge_faults(&r.cur), CV_CHARGE_DATALACKING, "no level at the start nor at the end: DataLacking");
	is_int(r.cur.cause[0], CV_TRIP_CAUSE_CONNECTION, "cause Connection");

	/* power reported only from the middle: the level rise before it is added with the capacity */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, NONE, 200));
	feed(&r, CHG(AT + 30 * MIN, IP, 100, 300));
	feed(&r, CHG(AT + HOUR, IP, 100, 400));
	feed(&r, CHG(AT + 90 * MIN, CV_CHG_FINISHED, NONE, 500));
	is_int(r.cur.pw_cov, 100, "10 points under the one integrated span");
	is_int(cv_charge_energy_wh(&r.cur, CAP), 5000 + 10000, "5 kWh by the power, 20 points of 50 kWh by the levels");
	is_int(cv_charge_energy_wh(&r.cur, 0), 5000, "without the capacity: the integrated part only");
}

/* ---- interruptions ------------------------------------------------------ */

static void test_interruption(void)
{
	struct run r;
	struct cv_charge before;

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, 300));
	feed(&r, CHG(AT + 30 * MIN, IP, 70, 370));
	is_int(feed(&r, CHG(AT + 40 * MIN, CV_CHG_STOPPED, 0, 380)), CV_CHARGE_EXTENDED | CV_CHARGE_ENDED,
	       "Stopped ends it");
	before = r.cur;
	is_int(feed(&r, CHG(AT + 42 * MIN, CV_CHG_FINISHED, 0, 380)), CV_CHARGE_IGNORED,
	       "a Finished in the pause: only seen");
	is_int(r.cur.seen_at, AT + 42 * MIN, "seen_at moves");
	ok(r.cur.last_at == before.last_at && r.cur.nsamples == before.nsamples && r.cur.done,
	   "the session does not change");
	is_int(feed(&r, mk((struct spec){ AT + 43 * MIN, IP, 0, NONE, NEAR_LAT, NONE, NONE, 0, NONE })),
	       CV_CHARGE_RESUMED | CV_CHARGE_EXTENDED, "InProgress 55 m away within 10 min resumes it");
	ok(r.has && !r.cur.done, "charging again");
	is_int(r.cur.start_at, AT, "same start: the same record");
	is_int(r.cur.interruptions, 1, "one interruption");
	is_int(r.cur.charge_ms, 40 * MIN, "the pause is not charging time");
	feed(&r, CHG(AT + 73 * MIN, IP, 70, 450));
	is_int(feed(&r, CHG(AT + 80 * MIN, CV_CHG_FINISHED, 0, 460)), CV_CHARGE_EXTENDED | CV_CHARGE_ENDED, "Finished");
	is_int(r.nclosed, 0, "one session all along");
	is_int(r.cur.charge_ms, 77 * MIN, "77 min charging in 80");
	is_int(cv_charge_duration_ms(&r.cur), 80 * MIN, "80 min in all");
	is_int(cv_charge_faults(&r.cur), 0, "a pause is no gap: Nominal");
	/* 7 kW for 30 min, 7 to 0 over 10 min; 0 to 7 over 30 min, 7 to 0 over 7 min */
	is_int(r.cur.pw_sum2, 140LL * 30 * MIN + 70LL * 10 * MIN + 70LL * 30 * MIN + 70LL * 7 * MIN,
	       "the pause is not integrated");
	/* 3500 + 583.3 + 1750 + 408.3 Wh, rounded once */
	is_int(cv_charge_energy_wh(&r.cur, 0), 6242, "energy: the four spans");

	/* too late, or elsewhere, or after a move: a new session */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, 300));
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_STOPPED, 0, 370));
	is_int(feed(&r, CHG(AT + 40 * MIN + 1, IP, 70, 370)), CV_CHARGE_REOPENED,
	       "InProgress 10 min 1 ms after the end: the next session");
	is_int(r.nclosed, 1, "the first left");
	ok(r.closed[0].done && !cv_charge_faults(&r.closed[0]), "ended, Nominal");
	is_int(r.cur.start_at, AT + 40 * MIN + 1, "the new one starts there");

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, 300));
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_STOPPED, 0, 370));
	is_int(feed(&r, mk((struct spec){ AT + 35 * MIN, IP, 70, 370, FAR_LAT, NONE, NONE, NONE, NONE })),
	       CV_CHARGE_REOPENED, "InProgress 1.1 km away: the next session");

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, 300));
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_DISCONNECTED, NONE, 370));
	is_int(feed(&r, mk((struct spec){ AT + 32 * MIN, NONE, NONE, NONE, NONE, NONE, NONE, 300, NONE })),
	       CV_CHARGE_CLOSED, "a sample at 30 km/h in the pause: it leaves");
	is_int(feed(&r, CHG(AT + 34 * MIN, IP, 70, 370)), CV_CHARGE_OPENED, "charging after it: a new session");

	/* unplugged ends a session, plugged again resumes it */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 500, 300));
	is_int(feed(&r, mk((struct spec){ AT + MIN, IP, NONE, 310, HOME_LAT, NONE, 0, NONE, NONE })),
	       CV_CHARGE_EXTENDED | CV_CHARGE_ENDED, "InProgress but unplugged: it ended");
	is_int(feed(&r, CHG(AT + 3 * MIN, CV_CHG_FAILURE, NONE, 310)), CV_CHARGE_IGNORED, "a Failure in the pause");
	is_int(feed(&r, CHG(AT + 5 * MIN, IP, 500, 310)), CV_CHARGE_RESUMED | CV_CHARGE_EXTENDED,
	       "plugged again 4 min later: resumed");
}

/* ---- gaps, silence, moves ----------------------------------------------- */

static void test_gap(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 75, 200));
	feed(&r, CHG(AT + 45 * MIN, IP, 75, 312));
	is_int(r.cur.faults, 0, "45 min between samples: no gap");
	is_int(feed(&r, CHG(AT + 90 * MIN + 1, IP, 75, 425)), CV_CHARGE_EXTENDED, "45 min 1 ms: extends");
	is_int(r.cur.faults, CV_CHARGE_DATALACKING, "and is DataLacking");
	is_int(r.cur.cause[0], CV_TRIP_CAUSE_CONNECTION, "cause Connection");
	feed(&r, CHG(AT + 120 * MIN, CV_CHG_FINISHED, 75, 500));
	is_int(r.cur.pw_sum2, 150LL * 45 * MIN + 150LL * (30 * MIN - 1), "the gap is not integrated");
	is_int(r.cur.pw_cov, 112 + 75, "the level under the integrated spans");
	/* 5625 + 3750 Wh by the power, 11.3 points of 50 kWh over the gap */
	is_int(cv_charge_energy_wh(&r.cur, CAP), 5625 + 3750 + 5650, "with the capacity, the gap from the levels");
	is_int(cv_charge_energy_wh(&r.cur, 0), 5625 + 3750, "without it, the integrated spans only");
	is_int(r.cur.charge_ms, 120 * MIN, "a gap is charging time");

	/* the gap's cause under Full privacy */
	memset(&r, 0, sizeof(r));
	feed(&r, mk((struct spec){ AT, IP, 75, 200, HOME_LAT, NONE, NONE, NONE, CV_PRIV_FULL }));
	feed(&r, CHG(AT + HOUR, IP, 75, 300));
	is_int(r.cur.cause[0], CV_TRIP_CAUSE_FULLPRIVACY, "a gap under Full privacy: cause FullPrivacy");
}

static void test_datalacking(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	feed(&r, mk((struct spec){ AT, IP, 70, 200, NONE, NONE, NONE, NONE, CV_PRIV_GEOLOCATION }));
	is_int(r.cur.faults, CV_CHARGE_DATALACKING, "no position at the start: DataLacking");
	is_int(r.cur.cause[0], CV_TRIP_CAUSE_GEOPRIVACY, "cause GeoPrivacy");
	ok(!(r.cur.flags & CV_CHARGE_F_POS), "no place");
	feed(&r, CHG(AT + MIN, IP, 70, 210));
	ok(r.cur.flags & CV_CHARGE_F_POS, "the place: the first position seen");
	is_int(r.cur.pos_at, AT + MIN, "read then");

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, NONE));
	is_int(r.cur.faults, CV_CHARGE_DATALACKING, "no level at the start: DataLacking");
	is_int(r.cur.cause[0], CV_TRIP_CAUSE_CONNECTION, "cause Connection");

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 70, 200));
	feed(&r, CHG(AT + MIN, NONE, NONE, 210));
	is_int(r.cur.faults, 0, "a sample with the level only, in the middle: fine");
	ok(!r.cur.done, "and it ends nothing");
	feed(&r, CHG(AT + 2 * MIN, CV_CHG_FINISHED, 0, NONE));
	is_int(r.cur.faults, CV_CHARGE_DATALACKING, "no level at the end: DataLacking");
	is_int(r.cur.end_level, 210, "the end level: the latest read");

	/* a first position without a fix stands in until one with a fix */
	memset(&r, 0, sizeof(r));
	{
		struct cv_sample s = CHG(AT, IP, 70, 200);

		s.fix = CV_FIX_NONE;
		s.lat_e7 = FAR_LAT;
		feed(&r, s);
		ok((r.cur.flags & CV_CHARGE_F_POS) && !(r.cur.flags & CV_CHARGE_F_FIX), "a place without a fix");
		is_int(feed(&r, CHG(AT + MIN, IP, 70, 210)), CV_CHARGE_EXTENDED, "a fix far from it is not away");
		ok(r.cur.flags & CV_CHARGE_F_FIX, "the place has a fix now");
		is_int(r.cur.lat_e7, HOME_LAT, "the fix's");
		s.at = AT + 2 * MIN;
		is_int(feed(&r, s), CV_CHARGE_EXTENDED, "a far position without a fix is not away");
		is_int(r.cur.lat_e7, HOME_LAT, "and does not move the place");
	}
}

static void test_silence(void)
{
	struct run r;
	struct cv_charge c;

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	feed(&r, CHG(AT + 30 * MIN, IP, 74, 274));
	is_int(feed(&r, CHG(AT + 30 * MIN + 12 * HOUR, IP, 74, 800)), CV_CHARGE_EXTENDED,
	       "12 h of silence: the same session");
	is_int(r.cur.faults, CV_CHARGE_DATALACKING, "DataLacking");
	is_int(feed(&r, CHG(AT + 30 * MIN + 24 * HOUR + 1, IP, 74, 300)), CV_CHARGE_REOPENED,
	       "12 h 1 ms: it was over; InProgress opens the next");
	is_int(r.nclosed, 1, "one closed");
	c = r.closed[0];
	ok(c.done, "done");
	is_int(cv_charge_faults(&c), CV_CHARGE_DATALACKING | CV_CHARGE_UNFINISHED, "DataLacking and Unfinished");
	is_int(c.cause[1], CV_TRIP_CAUSE_CONNECTION, "Unfinished: cause Connection");
	is_int(cv_charge_end_at(&c), AT + 30 * MIN + 12 * HOUR, "stopped at its last sample");
	is_int(c.nsamples, 3, "the revealing sample is not in it");
	ok(!(c.flags & CV_CHARGE_F_CHAIN), "its power span ended");
	is_int(r.cur.start_at, AT + 30 * MIN + 24 * HOUR + 1, "the next one starts there");
	is_int(r.cur.nsamples, 1, "with that sample");

	/* silence then Finished: closed Unfinished, the Finished is not folded, nothing opens */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	is_int(feed(&r, CHG(AT + 13 * HOUR, CV_CHG_FINISHED, 0, 1000)), CV_CHARGE_CLOSED,
	       "Finished 13 h later: closed without it");
	ok(!r.has && r.closed[0].end_level == 200, "its end level is the last before the silence");

	/* the car drove away without its end reported */
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	is_int(feed(&r, mk((struct spec){ AT + 20 * MIN, NONE, NONE, 250, HOME_LAT, NONE, NONE, 50, NONE })),
	       CV_CHARGE_CLOSED, "a sample at 5 km/h: closed");
	is_int(cv_charge_faults(&r.closed[0]), CV_CHARGE_UNFINISHED, "Unfinished");
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	is_int(feed(&r, mk((struct spec){ AT + 20 * MIN, NONE, NONE, 250, HOME_LAT, NONE, NONE, 49, NONE })),
	       CV_CHARGE_EXTENDED, "at 4.9 km/h: still charging");
	is_int(feed(&r, mk((struct spec){ AT + 40 * MIN, NONE, NONE, 250, FAR_LAT, NONE, NONE, NONE, NONE })),
	       CV_CHARGE_CLOSED, "a position 1.1 km away: closed");
	is_int(cv_charge_faults(&r.closed[0]), CV_CHARGE_UNFINISHED, "Unfinished");
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	is_int(feed(&r, mk((struct spec){ AT + 40 * MIN, IP, 500, 250, FAR_LAT, NONE, NONE, NONE, NONE })),
	       CV_CHARGE_REOPENED, "charging 1.1 km away: the next session");
	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	is_int(feed(&r, mk((struct spec){ AT + MIN, IP, 74, 250, NEAR_LAT, NONE, NONE, NONE, NONE })),
	       CV_CHARGE_EXTENDED, "a fix 55 m away is the same place");
}

static void test_expire(void)
{
	struct run r;
	struct cv_charge out;

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	ok(!cv_charge_expire(&r.cur, &r.has, AT + 12 * HOUR, &out), "expire at 12 h: not yet");
	ok(cv_charge_expire(&r.cur, &r.has, AT + 12 * HOUR + 1, &out), "at 12 h 1 ms: closed");
	ok(!r.has && out.done, "done, not current");
	is_int(cv_charge_faults(&out), CV_CHARGE_UNFINISHED, "Unfinished");
	ok(!cv_charge_expire(&r.cur, &r.has, AT + 24 * HOUR, &out), "nothing to expire");

	memset(&r, 0, sizeof(r));
	feed(&r, CHG(AT, IP, 74, 200));
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_FINISHED, 74, 275));
	ok(!cv_charge_expire(&r.cur, &r.has, AT + 40 * MIN, &out), "an ended one at 10 min: held");
	ok(cv_charge_expire(&r.cur, &r.has, AT + 40 * MIN + 1, &out), "at 10 min 1 ms: released");
	is_int(cv_charge_faults(&out), 0, "as it ended: Nominal");
}

/* ---- opening, order ----------------------------------------------------- */

static void test_opening_order(void)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	is_int(feed(&r, CHG(AT, CV_CHG_STOPPED, NONE, 200)), CV_CHARGE_IGNORED, "Stopped opens nothing");
	is_int(feed(&r, CHG(AT, NONE, NONE, 200)), CV_CHARGE_IGNORED, "a level alone opens nothing");
	is_int(feed(&r, mk((struct spec){ AT, IP, 70, 200, HOME_LAT, NONE, 0, NONE, NONE })), CV_CHARGE_IGNORED,
	       "InProgress unplugged opens nothing");
	is_int(feed(&r, mk((struct spec){ AT, IP, 70, 200, HOME_LAT, NONE, NONE, 300, NONE })), CV_CHARGE_IGNORED,
	       "InProgress at 30 km/h opens nothing");
	ok(!r.has, "no session");

	feed(&r, CHG(AT + 10 * MIN, IP, 70, 200));
	feed(&r, CHG(AT + 20 * MIN, IP, 70, 220));
	is_int(feed(&r, CHG(AT + 15 * MIN, CV_CHG_FINISHED, 70, 210)), CV_CHARGE_IGNORED, "an older sample: ignored");
	is_int(feed(&r, CHG(AT + 20 * MIN, CV_CHG_FINISHED, 70, 210)), CV_CHARGE_IGNORED,
	       "a sample of the same time: ignored");
	ok(!r.cur.done && r.cur.nsamples == 2 && r.cur.end_level == 220, "nothing changed");
	feed(&r, CHG(AT + 30 * MIN, CV_CHG_FINISHED, 70, 240));
	feed(&r, CHG(AT + 35 * MIN, CV_CHG_FINISHED, 70, 240));
	is_int(feed(&r, CHG(AT + 33 * MIN, IP, 70, 240)), CV_CHARGE_IGNORED,
	       "in a pause, a sample older than one seen: ignored");
	ok(r.cur.done, "still ended");
}

/* ---- the curve ---------------------------------------------------------- */

static void test_curve(void)
{
	struct run r;
	struct cv_sample s;
	char *j;

	home_session(&r);
	ok(cv_charge_curve_has(&r.cur, &(struct cv_sample){ .at = AT, .has = 1u << CV_G_ELEC }),
	   "a level at the start: a point");
	ok(cv_charge_curve_has(&r.cur, &(struct cv_sample){ .at = AT + 2 * HOUR + MIN, .has = 1u << CV_G_CHARGE }),
	   "the charging group at the end: a point");
	ok(!cv_charge_curve_has(&r.cur, &(struct cv_sample){ .at = AT - 1, .has = 1u << CV_G_ELEC }),
	   "before: not");
	ok(!cv_charge_curve_has(&r.cur, &(struct cv_sample){ .at = AT + 2 * HOUR + MIN + 1, .has = 1u << CV_G_ELEC }),
	   "after: not");
	ok(!cv_charge_curve_has(&r.cur, &(struct cv_sample){ .at = AT + HOUR, .has = 1u << CV_G_POS }),
	   "a position alone: not");

	s = CHG(AT + HOUR, IP, 74, 455);
	j = render_point(&s);
	is_str(j, "{\"createdAt\":\"2024-05-01T19:00:00Z\",\"level\":45.5,\"autonomy\":113,\"power\":7.4,"
		  "\"status\":\"InProgress\"}", "a point with everything");
	free(j);
	s = CHG(AT + HOUR, CV_CHG_FINISHED, NONE, NONE);
	j = render_point(&s);
	is_str(j, "{\"createdAt\":\"2024-05-01T19:00:00Z\",\"status\":\"Finished\"}", "a point without level nor power");
	free(j);
	s = CHG(AT + HOUR, NONE, NONE, 1000);
	j = render_point(&s);
	is_str(j, "{\"createdAt\":\"2024-05-01T19:00:00Z\",\"level\":100,\"autonomy\":250}", "a level alone");
	free(j);
}

/* ---- records ------------------------------------------------------------ */

static bool same_record(const struct cv_charge *a, const struct cv_charge *b)
{
	struct cv_buf x = CV_BUF_INIT(0), y = CV_BUF_INIT(0);
	bool same = !cv_charge_encode(a, &x) && !cv_charge_encode(b, &y) && x.len == y.len &&
		    !memcmp(x.p, y.p, x.len);

	cv_buf_release(&x);
	cv_buf_release(&y);
	return same;
}

/* Decoding must refuse or give a session that renders as JSON with sane figures. */
static bool decode_safely(const unsigned char *p, size_t len, int *accepted)
{
	struct cv_charge c;
	char *s;
	json_object *o;

	if (cv_charge_decode(p, len, &c) != CV_OK)
		return true;
	++*accepted;
	if (cv_charge_energy_wh(&c, CAP) < 0 && (c.flags & CV_CHARGE_F_LEVEL))
		return false;
	s = render(&c, "VR3UPHNKSKT000001", true, CAP);
	o = parse_json(s);
	free(s);
	if (!o)
		return false;
	json_object_put(o);
	return true;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Offsets of the record's fields (charge.c's order). */
enum {
	O_VERSION = 0, O_START = 1, O_LAST = 9, O_SEEN = 17, O_POS_AT = 25, O_CHARGE_MS = 33, O_PW_AT = 41,
	O_SUM2 = 49, O_LAT = 57, O_LON = 61, O_ALT = 65, O_COV = 69, O_START_LEVEL = 73, O_END_LEVEL = 75,
	O_START_AUT = 77, O_END_AUT = 79, O_PEAK = 81, O_PW_DKW = 83, O_PW_LEVEL = 85, O_NSAMPLES = 87,
	O_INTERRUPTIONS = 91, O_FLAGS = 93, O_MODES = 94, O_DONE = 95, O_FAULTS = 96, O_CAUSE = 97,
	O_PRIVACY = 99,
};

static void test_records(void)
{
	struct run r;
	struct cv_charge c, open, back;
	struct cv_buf b = CV_BUF_INIT(0), full = CV_BUF_INIT(CV_CHARGE_RECLEN - 1);
	unsigned char rec[CV_CHARGE_RECLEN + 1], orec[CV_CHARGE_RECLEN], junk[2 * CV_CHARGE_RECLEN];
	bool all = true;
	int accepted = 0;

	home_session(&r);
	c = r.cur;
	is_int(cv_charge_encode(&c, &b), CV_OK, "encode an ended session");
	is_int(b.len, CV_CHARGE_RECLEN, "CV_CHARGE_RECLEN bytes");
	is_int((unsigned char)b.p[0], 1, "version 1 first");
	is_int(cv_charge_decode(b.p, b.len, &back), CV_OK, "decode it");
	ok(same_record(&c, &back), "round trip");
	ok(back.pw_sum2 == c.pw_sum2 && back.charge_ms == c.charge_ms && back.alt_m == 35 && back.modes == c.modes &&
	   back.end_autonomy == 125, "fields survive");
	memcpy(rec, b.p, b.len);

	/* an open one with faults, a power span, a pause seen, negative coordinates */
	memset(&r, 0, sizeof(r));
	{
		struct cv_sample s = mk((struct spec){ AT, IP, 1500, 300, NONE, CV_CHGMODE_QUICK, NONE, NONE,
						       CV_PRIV_GEOLOCATION });

		feed(&r, s);
		s = mk((struct spec){ AT + HOUR, IP, 1200, 700, NONE, NONE, NONE, NONE, NONE });
		s.has |= 1u << CV_G_POS;
		s.lat_e7 = -338688000;
		s.lon_e7 = -1512093000;
		s.alt_m = -20;
		s.fix = CV_FIX_2D;
		feed(&r, s);
	}
	open = r.cur;
	cv_buf_reset(&b);
	cv_charge_encode(&open, &b);
	ok(cv_charge_decode(b.p, b.len, &back) == CV_OK && same_record(&open, &back),
	   "round trip of an open session");
	is_int(back.lat_e7, -338688000, "a negative latitude");
	is_int(back.alt_m, -20, "a negative altitude");
	ok(back.flags & CV_CHARGE_F_CHAIN_LEVEL, "its power span");
	is_int(back.faults, CV_CHARGE_DATALACKING, "its faults");
	is_int(back.cause[0], CV_TRIP_CAUSE_GEOPRIVACY, "their causes");
	memcpy(orec, b.p, b.len);

	is_int(cv_charge_encode(&c, &full), CV_ETOOBIG, "a buffer too small: CV_ETOOBIG");
	is_int(full.len, 0, "and nothing written");

	is_int(cv_charge_decode(rec, 0, &back), CV_EINVAL, "empty: refused");
	is_int(cv_charge_decode(rec, 1, &back), CV_EINVAL, "version alone: refused");
	is_int(cv_charge_decode(rec, CV_CHARGE_RECLEN - 1, &back), CV_EINVAL, "one byte short: refused");
	rec[CV_CHARGE_RECLEN] = 0;
	is_int(cv_charge_decode(rec, CV_CHARGE_RECLEN + 1, &back), CV_EINVAL, "one byte more: refused");
#define BAD(buf, off, val, what) do { \
		unsigned char c_ = (buf)[off]; \
		(buf)[off] = (unsigned char)(val); \
		is_int(cv_charge_decode((buf), CV_CHARGE_RECLEN, &back), CV_EINVAL, what); \
		(buf)[off] = c_; \
	} while (0)
	/* the ended home session: done, every span closed */
	BAD(rec, O_VERSION, 0, "version 0: refused");
	BAD(rec, O_VERSION, 2, "version 2: refused");
	BAD(rec, O_START + 7, 0x80, "a negative start: refused");
	BAD(rec, O_START + 7, 0x7f, "a start past 9999: refused");
	BAD(rec, O_START + 3, rec[O_START + 3] + 1, "started after its last sample: refused");
	BAD(rec, O_SEEN + 1, rec[O_SEEN + 1] - 1, "seen before its last sample: refused");
	BAD(rec, O_POS_AT + 1, rec[O_POS_AT + 1] - 1, "a place read before the start: refused");
	BAD(rec, O_CHARGE_MS + 3, 0xff, "more time charging than the duration: refused");
	BAD(rec, O_CHARGE_MS + 7, 0x80, "a negative time charging: refused");
	BAD(rec, O_PW_AT, 1, "a power span's time in a session without one: refused");
	BAD(rec, O_SUM2 + 6, 1, "more energy than the peak power for the duration: refused");
	BAD(rec, O_LAT + 3, 0x40, "a latitude out of range: refused");
	BAD(rec, O_LON + 3, 0x7f, "a longitude out of range: refused");
	BAD(rec, O_ALT + 1, 0x7f, "an altitude out of range: refused");
	BAD(rec, O_COV + 3, 0x40, "a covered rise beyond any level: refused");
	BAD(rec, O_START_LEVEL + 1, 0x04, "a level above 100 %%: refused");
	BAD(rec, O_END_LEVEL + 1, 0x04, "an end level above 100 %%: refused");
	BAD(rec, O_START_AUT + 1, 0x0c, "an autonomy above 3000 km: refused");
	BAD(rec, O_END_AUT + 1, 0x0c, "an end autonomy above 3000 km: refused");
	BAD(rec, O_PEAK + 1, 0x10, "a peak above 400 kW: refused");
	BAD(rec, O_PW_DKW, 1, "a last power in a session without a span: refused");
	BAD(rec, O_PW_LEVEL, 1, "a level at the last power without a span: refused");
	BAD(rec, O_NSAMPLES, 0, "no sample: refused");
	BAD(rec, O_INTERRUPTIONS, 6, "as many interruptions as samples: refused");
	BAD(rec, O_FLAGS, 0x40, "unknown flags: refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] & ~CV_CHARGE_F_POS, "a place's flag missing (a fix without a place): refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] & ~(CV_CHARGE_F_POS | CV_CHARGE_F_FIX), "coordinates without a place: refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] & ~CV_CHARGE_F_LEVEL, "levels without their flag: refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] & ~CV_CHARGE_F_POWER, "a power without its flag: refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] | CV_CHARGE_F_CHAIN, "a power span in an ended session: refused");
	BAD(rec, O_FLAGS, rec[O_FLAGS] | CV_CHARGE_F_CHAIN_LEVEL, "a span's level without a span: refused");
	BAD(rec, O_MODES, 1, "mode No as a mode seen: refused");
	BAD(rec, O_MODES, 8, "an unknown mode: refused");
	BAD(rec, O_DONE, 2, "done 2: refused");
	BAD(rec, O_FAULTS, 4, "an unknown fault: refused");
	BAD(rec, O_FAULTS, CV_CHARGE_DATALACKING, "a fault without a cause: refused");
	BAD(rec, O_CAUSE, CV_TRIP_CAUSE_CONNECTION, "a cause without a fault: refused");
	BAD(rec, O_PRIVACY, 3, "an unknown privacy mode: refused");
	ok(cv_charge_decode(rec, CV_CHARGE_RECLEN, &back) == CV_OK, "the record is intact again");
	/* the open session: a span, a fault */
	BAD(orec, O_CAUSE, CV_TRIP_CAUSE_COUNT, "an unknown cause: refused");
	BAD(orec, O_CAUSE, CV_TRIP_CAUSE_NONE, "a fault without its cause: refused");
	BAD(orec, O_FAULTS, CV_CHARGE_DATALACKING | CV_CHARGE_UNFINISHED, "Unfinished stored while open: refused");
	BAD(orec, O_PW_AT + 7, 0x80, "a span's time before the start: refused");
	BAD(orec, O_PW_DKW + 1, 0x0f, "a last power above the peak: refused");
	BAD(orec, O_PW_LEVEL + 1, 0x04, "a span's level above 100 %%: refused");
	BAD(orec, O_FLAGS, orec[O_FLAGS] & ~CV_CHARGE_F_CHAIN, "a span's level without its span: refused");
	BAD(orec, O_FLAGS, orec[O_FLAGS] & ~CV_CHARGE_F_CHAIN_LEVEL, "a span's level without its flag: refused");
	BAD(orec, O_DONE, 1, "a power span in a done session: refused");
	BAD(orec, O_SEEN, orec[O_SEEN] + 1, "open, seen past its last sample: refused");
	ok(cv_charge_decode(orec, CV_CHARGE_RECLEN, &back) == CV_OK, "the open record is intact again");

	/* an ended session in its pause: seen past its last sample */
	home_session(&r);
	feed(&r, CHG(AT + 2 * HOUR + 5 * MIN, CV_CHG_FINISHED, NONE, 500));
	cv_buf_reset(&b);
	cv_charge_encode(&r.cur, &b);
	ok(cv_charge_decode(b.p, b.len, &back) == CV_OK && back.seen_at == AT + 2 * HOUR + 5 * MIN,
	   "round trip of a session in its pause");
	memcpy(junk, b.p, b.len);
	BAD(junk, O_DONE, 0, "open, yet seen past its last sample: refused");

	/* every single-bit flip and random bytes: refused, or a session that renders */
	for (size_t i = 0; i < CV_CHARGE_RECLEN * 8; i++) {
		rec[i / 8] ^= (unsigned char)(1u << (i % 8));
		all = decode_safely(rec, CV_CHARGE_RECLEN, &accepted) && all;
		rec[i / 8] ^= (unsigned char)(1u << (i % 8));
		orec[i / 8] ^= (unsigned char)(1u << (i % 8));
		all = decode_safely(orec, CV_CHARGE_RECLEN, &accepted) && all;
		orec[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	ok(all, "bit flips: refused or valid (%d of %d accepted)", accepted, 2 * CV_CHARGE_RECLEN * 8);
	accepted = 0;
	for (int n = 0; n < 20000; n++) {
		size_t len = n % 2 ? CV_CHARGE_RECLEN : (size_t)(rng() % sizeof(junk));

		for (size_t i = 0; i < len; i++)
			junk[i] = (unsigned char)rng();
		if (len)
			junk[0] = 1;
		all = decode_safely(junk, len, &accepted) && all;
	}
	ok(all, "random bytes: refused or valid (%d accepted)", accepted);
	cv_buf_release(&b);
	cv_buf_release(&full);
}

/* ---- rendering ---------------------------------------------------------- */

static void test_render(void)
{
	struct run r;
	char *s;

	/* an open session: no stoppedAt, Unfinished without a cause, the figures so far */
	memset(&r, 0, sizeof(r));
	feed(&r, mk((struct spec){ AT, IP, NONE, 200, NONE, NONE, NONE, NONE, CV_PRIV_GEOLOCATION }));
	feed(&r, CHG(AT + 30 * MIN, IP, NONE, 300));
	s = render(&r.cur, NULL, true, CAP);
	is_str(s, "{\"id\":\"c1\",\"createdAt\":\"2024-05-01T18:00:00Z\",\"updatedAt\":\"2024-05-01T18:30:00Z\","
		  "\"startedAt\":\"2024-05-01T18:00:00Z\","
		  "\"position\":{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[2.3522,48.8566,35]},"
		  "\"properties\":{\"createdAt\":\"2024-05-01T18:30:00Z\"}},"
		  "\"duration\":1800,\"chargingDuration\":1800,\"startLevel\":20,\"endLevel\":30,"
		  "\"startAutonomy\":50,\"endAutonomy\":75,\"energyAdded\":5,\"avgPower\":10,"
		  "\"chargingMode\":\"Slow\",\"interruptions\":0,\"done\":false,"
		  "\"faults\":[{\"fault\":\"DataLacking\",\"cause\":\"GeoPrivacy\"},{\"fault\":\"Unfinished\"}]}",
	       "an open session");
	free(s);

	/* closed by silence: Unfinished with its cause, no level, no position, interruptions */
	memset(&r, 0, sizeof(r));
	feed(&r, mk((struct spec){ AT, IP, 70, NONE, NONE, NONE, NONE, NONE, CV_PRIV_FULL }));
	feed(&r, mk((struct spec){ AT + MIN, CV_CHG_STOPPED, 0, NONE, NONE, NONE, NONE, NONE, NONE }));
	feed(&r, mk((struct spec){ AT + 2 * MIN, IP, 70, NONE, NONE, NONE, NONE, NONE, NONE }));
	cv_charge_expire(&r.cur, &r.has, AT + 15 * HOUR, &r.closed[0]);
	s = render(&r.closed[0], NULL, true, CAP);
	is_str(s, "{\"id\":\"c1\",\"createdAt\":\"2024-05-01T18:00:00Z\",\"updatedAt\":\"2024-05-01T18:02:00Z\","
		  "\"startedAt\":\"2024-05-01T18:00:00Z\",\"stoppedAt\":\"2024-05-01T18:02:00Z\","
		  "\"duration\":120,\"chargingDuration\":60,\"energyAdded\":0.058,\"avgPower\":3.5,\"maxPower\":7,"
		  "\"chargingMode\":\"Slow\",\"interruptions\":1,\"done\":true,"
		  "\"faults\":[{\"fault\":\"DataLacking\",\"cause\":\"FullPrivacy\"},"
		  "{\"fault\":\"Unfinished\",\"cause\":\"FullPrivacy\"}]}",
	       "closed by the clock, under Full privacy");
	free(s);
}

/* ---- random sequences --------------------------------------------------- */

/* What must hold of any session the builder holds or lets out. */
static bool sane(const struct cv_charge *c, const char *what, int n)
{
	struct cv_buf b = CV_BUF_INIT(0);
	struct cv_charge back;
	bool good = true;
	char *s;
	json_object *o;

	if (c->last_at < c->start_at || c->seen_at < c->last_at || c->charge_ms < 0 ||
	    c->charge_ms > cv_charge_duration_ms(c))
		good = false;
	if (cv_charge_energy_wh(c, CAP) < -1 || cv_charge_energy_wh(c, 0) < -1 || cv_charge_avg_power_dkw(c, CAP) < -1)
		good = false;
	if ((c->flags & CV_CHARGE_F_POWER) && cv_charge_energy_wh(c, 0) < 0)
		good = false;
	if ((c->flags & CV_CHARGE_F_LEVEL) && cv_charge_energy_wh(c, CAP) < 0)
		good = false;
	/* the decoder accepts whatever the builder makes, unchanged */
	if (cv_charge_encode(c, &b) || cv_charge_decode(b.p, b.len, &back) || !same_record(c, &back))
		good = false;
	s = render(c, NULL, true, CAP);
	o = parse_json(s);
	if (!o)
		good = false;
	json_object_put(o);
	free(s);
	cv_buf_release(&b);
	if (!good)
		printf("# %s session of step %d breaks an invariant\n", what, n);
	return good;
}

static void test_random(void)
{
	static const int64_t lats[] = { HOME_LAT, NEAR_LAT, FAR_LAT, NONE };
	static const int64_t steps[] = { 1, SEC, MIN, 5 * MIN, 30 * MIN, 50 * MIN, 13 * HOUR, -MIN };
	struct run r;
	int64_t at = AT;
	bool all = true;
	int opened = 0, ended = 0, resumed = 0, closed = 0, ignored = 0;

	memset(&r, 0, sizeof(r));
	for (int n = 0; n < 60000 && all; n++) {
		struct spec p = { at, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE };
		struct cv_sample s;
		enum cv_charge_step step;
		uint64_t x = rng();

		at += steps[x % CV_ARRAY_LEN(steps)];
		x /= CV_ARRAY_LEN(steps);
		p.at = at;
		if (x % 8 < 6) {
			p.status = x % 3 ? IP : (int)(rng() % 5);
			p.power = rng() % 3 ? (int)(rng() % 4001) : NONE;
			p.mode = (int)(rng() % 3);
			p.plugged = rng() % 10 ? NONE : (int)(rng() % 2);
		}
		x /= 8;
		if (x % 5)
			p.level = (int)(rng() % 1001);
		x /= 5;
		p.lat = lats[x % CV_ARRAY_LEN(lats)];
		x /= CV_ARRAY_LEN(lats);
		if (x % 10 == 0)
			p.speed = (int)(rng() % 1000);
		x /= 10;
		if (x % 10 == 0)
			p.privacy = (int)(rng() % 3);
		s = mk(p);
		if (rng() % 4 == 0)
			s.fix = CV_FIX_NONE;
		step = feed(&r, s);
		opened += !!(step & CV_CHARGE_OPENED);
		ended += !!(step & CV_CHARGE_ENDED);
		resumed += !!(step & CV_CHARGE_RESUMED);
		ignored += step == CV_CHARGE_IGNORED;
		if (step & CV_CHARGE_CLOSED) {
			closed++;
			all = sane(&r.closed[0], "a closed", n) && r.closed[0].done && all;
			r.nclosed = 0;
		}
		if (r.has)
			all = sane(&r.cur, "the current", n) && all;
		if (r.has && rng() % 1000 == 0 && cv_charge_expire(&r.cur, &r.has, at + 13 * HOUR, &r.closed[0])) {
			all = sane(&r.closed[0], "an expired", n) && r.closed[0].done && all;
			closed++;
		}
	}
	ok(all, "random sequences: every session sane (%d opened, %d ended, %d resumed, %d closed, %d ignored)",
	   opened, ended, resumed, closed, ignored);
	ok(opened > 1000 && ended > 1000 && resumed > 100 && closed > 1000, "and every kind of step happened");
}

/* ---- efficiency --------------------------------------------------------- */

static void test_consumption(void)
{
	struct cv_trip t;

	/* 10 points of 46 kWh over 30 km: 4.6 kWh, 15,333.3 Wh/100 km */
	is_int(cv_avg_consumption(100, 30000, 46000), 153333, "battery: 15333.3 Wh/100 km");
	/* 5 points of a 44 L tank over 40 km: 2.2 L, 5.5 L/100 km = 550 cL/100 km */
	is_int(cv_avg_consumption(50, 40000, 4400), 5500, "tank: 550.0 cL/100 km");
	is_int(cv_avg_consumption(0, 40000, 4400), 0, "nothing used: 0");
	is_int(cv_avg_consumption(1000, 1000, 100000), 100000000, "a full 100 kWh battery in 1 km: exact");
	is_int(cv_avg_consumption(1, 3000, 46000), 15333, "rounded: 1533.3 (1533.33)");
	is_int(cv_avg_consumption(1, 3000, 47000), 15667, "rounded up: 1566.7 (1566.67)");
	is_int(cv_avg_consumption(100, 30000, 0), -1, "capacity unknown: unknown");
	is_int(cv_avg_consumption(100, -1, 46000), -1, "distance unknown: unknown");
	is_int(cv_avg_consumption(100, 0, 46000), -1, "no distance: unknown");
	is_int(cv_avg_consumption(1, 999, 46000), -1, "under 1 km: unknown");
	is_int(cv_avg_consumption(1, 1000, 46000), 46000, "1 km: 46 Wh/km");
	is_int(cv_avg_consumption(1001, 30000, 46000), -1, "more than 100 points: unknown");
	is_int(cv_avg_consumption(1000, 1000, UINT32_MAX), 4294967295000LL, "the largest capacity: no overflow");

	memset(&t, 0, sizeof(t));
	t.flags = CV_TRIP_F_ODO | CV_TRIP_F_ODO_FIRST | CV_TRIP_F_ELEC;
	t.odo_start_hm = 123456;
	t.odo_end_hm = 123756;                  /* 30 km */
	t.energy[CV_TRIP_ELEC].start_level = 800;
	t.energy[CV_TRIP_ELEC].end_level = 700;
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_ELEC, 46000), 153333, "a trip's battery: 15333.3 Wh/100 km");
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_FUEL, 4400), -1, "no fuel level in the trip: unknown");
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_ELEC, 0), -1, "capacity unknown: unknown");
	t.energy[CV_TRIP_ELEC].end_level = 810;
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_ELEC, 46000), 0, "the level rose: 0");
	t.flags |= CV_TRIP_F_FUEL;
	t.energy[CV_TRIP_FUEL].start_level = 556;
	t.energy[CV_TRIP_FUEL].end_level = 500;
	/* 5.6 points of 44 L = 2.464 L over 30 km: 8.213 L/100 km */
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_FUEL, 4400), 8213, "a trip's tank: 821.3 cL/100 km");
	t.flags &= (uint8_t)~(CV_TRIP_F_ODO | CV_TRIP_F_ODO_FIRST);
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_FUEL, 4400), -1, "a trip without a distance: unknown");
	is_int(cv_trip_avg_consumption(&t, CV_TRIP_NENERGY, 4400), -1, "not an energy: unknown");
}

int main(void)
{
	test_home();
	test_dc();
	test_mode();
	test_levels_only();
	test_power_only();
	test_interruption();
	test_gap();
	test_datalacking();
	test_silence();
	test_expire();
	test_opening_order();
	test_curve();
	test_records();
	test_render();
	test_random();
	test_consumption();
	return tap_done();
}

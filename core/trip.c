/* trip.c - trips built sample by sample, packed and rendered (see trip.h). */
#include "trip.h"
#include "charge.h"
#include "pack.h"
#include "cvtime.h"

#include <math.h>
#include <string.h>

const char *const cv_trip_fault_names[CV_TRIP_NFAULTS] = { "Unstarted", "DataLacking", "Unfinished" };
const char *const cv_trip_cause_names[CV_TRIP_CAUSE_COUNT] = { "", "GeoPrivacy", "FullPrivacy", "Connection" };

/* ---- geometry ----------------------------------------------------------- */

#define EARTH_RADIUS_M 6371008.8

double cv_geo_dist_m(int32_t lat1_e7, int32_t lon1_e7, int32_t lat2_e7, int32_t lon2_e7)
{
	const double rad = M_PI / 180.0 / 1e7;
	double p1 = lat1_e7 * rad, p2 = lat2_e7 * rad;
	double dp = (double)((int64_t)lat2_e7 - lat1_e7) * rad, dl = (double)((int64_t)lon2_e7 - lon1_e7) * rad;
	double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	if (a > 1)
		a = 1;
	return 2.0 * EARTH_RADIUS_M * asin(sqrt(a));
}

/* Distance in metres from p to the chord a-b, on a local equirectangular projection. */
static double chord_dist_m(const struct cv_geo_point *a, const struct cv_geo_point *b, const struct cv_geo_point *p)
{
	const double m = M_PI / 180.0 / 1e7 * EARTH_RADIUS_M;    /* metres per 1e-7 degree of latitude */
	double k = cos(((double)a->lat_e7 + b->lat_e7) / 2.0 * M_PI / 180.0 / 1e7) * m;
	double bx = (double)((int64_t)b->lon_e7 - a->lon_e7) * k, by = (double)((int64_t)b->lat_e7 - a->lat_e7) * m;
	double px = (double)((int64_t)p->lon_e7 - a->lon_e7) * k, py = (double)((int64_t)p->lat_e7 - a->lat_e7) * m;
	double len2 = bx * bx + by * by, t;

	if (len2 <= 0)
		return sqrt(px * px + py * py);
	t = (px * bx + py * by) / len2;
	if (t < 0)
		t = 0;
	else if (t > 1)
		t = 1;
	px -= t * bx;
	py -= t * by;
	return sqrt(px * px + py * py);
}

size_t cv_geo_simplify(const struct cv_geo_point *p, size_t n, double tol_m, bool *keep, size_t *work)
{
	size_t top = 0, kept = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		keep[i] = tol_m <= 0 || i == 0 || i == n - 1;
	if (tol_m <= 0 || n < 3)
		return n;
	work[top++] = 0;
	work[top++] = n - 1;
	while (top) {
		size_t b = work[--top], a = work[--top], far = a;
		double dmax = -1;

		for (size_t i = a + 1; i < b; i++) {
			double d = chord_dist_m(&p[a], &p[b], &p[i]);

			if (d > dmax) {
				dmax = d;
				far = i;
			}
		}
		if (far == a || dmax <= tol_m)
			continue;
		keep[far] = true;
		/* each range pushed splits one of at most n - 1 gaps: 2 * n entries suffice */
		work[top++] = a;
		work[top++] = far;
		work[top++] = far;
		work[top++] = b;
	}
	for (size_t i = 0; i < n; i++)
		kept += keep[i];
	return kept;
}

/* ---- building ----------------------------------------------------------- */

static bool ign_on(const struct cv_sample *s)
{
	return CV_HAS(s, CV_G_IGN) && s->ignition != CV_IGN_STOP;
}

static int fault_index(enum cv_trip_fault f)
{
	return f == CV_TRIP_UNSTARTED ? 0 : f == CV_TRIP_DATALACKING ? 1 : 2;
}

/* Record fault f; the first cause seen for it stays. */
static void add_fault(struct cv_trip *t, enum cv_trip_fault f, enum cv_trip_cause c)
{
	if (t->faults & f)
		return;
	t->faults |= (uint8_t)f;
	t->cause[fault_index(f)] = (uint8_t)c;
}

/* Why data is missing, from the trip's privacy mode. */
static enum cv_trip_cause lack_cause(const struct cv_trip *t, bool position)
{
	if (t->privacy == CV_PRIV_FULL)
		return CV_TRIP_CAUSE_FULLPRIVACY;
	if (position && t->privacy == CV_PRIV_GEOLOCATION)
		return CV_TRIP_CAUSE_GEOPRIVACY;
	return CV_TRIP_CAUSE_CONNECTION;
}

/*
 * DataLacking if s, an end of the trip, lacks the position, or the odometer
 * in a trip that has one. At the start, a missing odometer is undecided
 * (odo_cause, settled by fold_odo()); at the Stop, the trip has shown one
 * or never will.
 */
static void check_end(struct cv_trip *t, const struct cv_sample *s, bool start)
{
	if (!start)
		t->odo_cause = CV_TRIP_CAUSE_NONE;
	if (!CV_HAS(s, CV_G_POS))
		add_fault(t, CV_TRIP_DATALACKING, lack_cause(t, true));
	else if (CV_HAS(s, CV_G_ODO))
		return;
	else if (start)
		t->odo_cause = (uint8_t)lack_cause(t, false);
	else if (t->flags & CV_TRIP_F_ODO)
		add_fault(t, CV_TRIP_DATALACKING, lack_cause(t, false));
}

/* An odometer in s: the trip has one. */
static void fold_odo(struct cv_trip *t, const struct cv_sample *s)
{
	if (!(t->flags & CV_TRIP_F_ODO)) {
		t->flags |= CV_TRIP_F_ODO;
		t->odo_start_hm = s->odo_hm;
		/* the start lacked it: DataLacking, first of the trip's causes */
		if (t->odo_cause != CV_TRIP_CAUSE_NONE) {
			t->faults |= CV_TRIP_DATALACKING;
			t->cause[fault_index(CV_TRIP_DATALACKING)] = t->odo_cause;
			t->odo_cause = CV_TRIP_CAUSE_NONE;
		}
	}
	t->odo_end_hm = s->odo_hm;
}

/* A position in s: the trip's ends, and its track (trip.h). */
static void fold_pos(struct cv_trip *t, const struct cv_sample *s)
{
	double m;

	if (!(t->flags & CV_TRIP_F_POS)) {
		t->flags |= CV_TRIP_F_POS;
		t->start_lat_e7 = s->lat_e7;
		t->start_lon_e7 = s->lon_e7;
		t->start_pos_at = s->at;
	}
	t->end_lat_e7 = s->lat_e7;
	t->end_lon_e7 = s->lon_e7;
	t->end_pos_at = s->at;
	if (s->fix == CV_FIX_NONE)
		return;
	if (!(t->flags & CV_TRIP_F_TRACK)) {
		t->flags |= CV_TRIP_F_TRACK;
		t->track_lat_e7 = s->lat_e7;
		t->track_lon_e7 = s->lon_e7;
		return;
	}
	t->flags |= CV_TRIP_F_GPS;
	m = cv_geo_dist_m(t->track_lat_e7, t->track_lon_e7, s->lat_e7, s->lon_e7);
	if (m < CV_TRIP_TRACK_STEP_M)
		return;
	t->gps_mm += (uint64_t)llround(1000.0 * m);
	t->track_lat_e7 = s->lat_e7;
	t->track_lon_e7 = s->lon_e7;
}

static void fold_energy(struct cv_trip *t, enum cv_trip_energy e, enum cv_trip_flag f, uint16_t level,
			uint16_t autonomy)
{
	struct cv_trip_energy_levels *l = &t->energy[e];

	if (!(t->flags & f)) {
		t->flags |= (uint8_t)f;
		l->start_level = level;
		l->start_autonomy = autonomy;
	}
	l->end_level = level;
	l->end_autonomy = autonomy;
}

/* Add the readings of s to t (no fault rules). */
static void fold(struct cv_trip *t, const struct cv_sample *s)
{
	if (CV_HAS(s, CV_G_PRIVACY))
		t->privacy = s->privacy;
	if (CV_HAS(s, CV_G_IGN))
		t->last_ign = s->ignition;
	if (CV_HAS(s, CV_G_POS))
		fold_pos(t, s);
	if (CV_HAS(s, CV_G_ODO))
		fold_odo(t, s);
	if (CV_HAS(s, CV_G_KIN)) {
		t->speed_sum_dkmh += s->speed_dkmh;
		t->speed_count++;
		if (s->speed_dkmh > t->speed_max_dkmh)
			t->speed_max_dkmh = s->speed_dkmh;
	}
	if (CV_HAS(s, CV_G_FUEL))
		fold_energy(t, CV_TRIP_FUEL, CV_TRIP_F_FUEL, s->fuel_level, s->fuel_autonomy);
	if (CV_HAS(s, CV_G_ELEC))
		fold_energy(t, CV_TRIP_ELEC, CV_TRIP_F_ELEC, s->elec_level, s->elec_autonomy);
	t->last_at = s->at;
	t->nsamples++;
}

/* A new trip from its first sample (ignition on). */
static void open_trip(struct cv_trip *t, const struct cv_sample *s)
{
	memset(t, 0, sizeof(*t));
	t->start_at = s->at;
	fold(t, s);
	if (CV_HAS(s, CV_G_ODO))
		t->flags |= CV_TRIP_F_ODO_FIRST;
	if (s->ignition == CV_IGN_START && CV_HAS(s, CV_G_KIN) && s->speed_dkmh >= CV_TRIP_MOVING_DKMH)
		add_fault(t, CV_TRIP_UNSTARTED, lack_cause(t, false));
	check_end(t, s, true);
}

/* End t without a Stop: Unfinished, stopped at its last sample. */
static void close_unfinished(struct cv_trip *t)
{
	add_fault(t, CV_TRIP_UNFINISHED, lack_cause(t, false));
	t->odo_cause = CV_TRIP_CAUSE_NONE;
	t->stop_at = t->last_at;
	t->done = 1;
}

enum cv_trip_step cv_trip_feed(struct cv_trip *open, bool *has_open, const struct cv_sample *s,
			       struct cv_trip *closed)
{
	if (!*has_open) {
		if (!ign_on(s))
			return CV_TRIP_IGNORED;
		open_trip(open, s);
		*has_open = true;
		return CV_TRIP_OPENED;
	}
	if (s->at <= open->last_at)
		return CV_TRIP_IGNORED;
	if (s->at - open->last_at > CV_TRIP_TIMEOUT_MS ||
	    (CV_HAS(s, CV_G_IGN) && s->ignition == CV_IGN_STARTUP && open->last_ign == CV_IGN_START)) {
		close_unfinished(open);
		*closed = *open;
		if (!ign_on(s)) {
			*has_open = false;
			return CV_TRIP_CLOSED;
		}
		open_trip(open, s);
		return CV_TRIP_REOPENED;
	}
	/* the gap's cause is the privacy mode before this sample */
	if (s->at - open->last_at > CV_TRIP_GAP_MS)
		add_fault(open, CV_TRIP_DATALACKING, lack_cause(open, false));
	fold(open, s);
	if (!CV_HAS(s, CV_G_IGN) || s->ignition != CV_IGN_STOP)
		return CV_TRIP_EXTENDED;
	check_end(open, s, false);
	open->stop_at = s->at;
	open->done = 1;
	*closed = *open;
	*has_open = false;
	return CV_TRIP_CLOSED;
}

enum cv_trip_step cv_trip_feed_after(struct cv_trip *open, bool *has_open, const struct cv_sample *s,
				     uint8_t prev_ign, struct cv_trip *closed)
{
	enum cv_trip_step step = cv_trip_feed(open, has_open, s, closed);

	if (!(step & CV_TRIP_OPENED) || prev_ign > CV_IGN_START)
		return step;
	open->faults &= (uint8_t)~CV_TRIP_UNSTARTED;
	open->cause[fault_index(CV_TRIP_UNSTARTED)] = CV_TRIP_CAUSE_NONE;
	if (prev_ign != CV_IGN_STOP && s->ignition != CV_IGN_STARTUP)
		add_fault(open, CV_TRIP_UNSTARTED, lack_cause(open, false));
	return step;
}

bool cv_trip_expire(struct cv_trip *open, bool *has_open, int64_t now, struct cv_trip *closed)
{
	if (!*has_open || now - open->last_at <= CV_TRIP_TIMEOUT_MS)
		return false;
	close_unfinished(open);
	*closed = *open;
	*has_open = false;
	return true;
}

/* ---- figures ------------------------------------------------------------ */

unsigned cv_trip_faults(const struct cv_trip *t)
{
	return t->faults | (t->done ? 0u : (unsigned)CV_TRIP_UNFINISHED);
}

int64_t cv_trip_duration_ms(const struct cv_trip *t)
{
	return (t->done ? t->stop_at : t->last_at) - t->start_at;
}

int64_t cv_trip_distance_m(const struct cv_trip *t)
{
	bool odo_ok = (t->flags & CV_TRIP_F_ODO) && t->odo_end_hm >= t->odo_start_hm;

	if (odo_ok && (t->flags & CV_TRIP_F_ODO_FIRST))
		return (int64_t)(t->odo_end_hm - t->odo_start_hm) * 100;
	if (t->flags & CV_TRIP_F_GPS)
		return (int64_t)((t->gps_mm + 500) / 1000);
	if (odo_ok)
		return (int64_t)(t->odo_end_hm - t->odo_start_hm) * 100;
	return -1;
}

/* ---- packed record ------------------------------------------------------ */

#define TRIP_V 2
#define TRIP_V1 1

enum cv_err cv_trip_encode(const struct cv_trip *t, struct cv_buf *out)
{
	size_t len0 = out->len;
	enum cv_err e = cv_wr_uint(out, TRIP_V, 1);

	if (!e) e = cv_wr_uint(out, (uint64_t)t->start_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->last_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->stop_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->start_pos_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->end_pos_at, 8);
	if (!e) e = cv_wr_uint(out, (uint32_t)t->start_lat_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)t->start_lon_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)t->end_lat_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)t->end_lon_e7, 4);
	if (!e) e = cv_wr_uint(out, t->odo_start_hm, 4);
	if (!e) e = cv_wr_uint(out, t->odo_end_hm, 4);
	if (!e) e = cv_wr_uint(out, t->gps_mm, 8);
	if (!e) e = cv_wr_uint(out, t->speed_sum_dkmh, 8);
	if (!e) e = cv_wr_uint(out, t->speed_count, 4);
	if (!e) e = cv_wr_uint(out, t->speed_max_dkmh, 2);
	for (int i = 0; i < CV_TRIP_NENERGY && !e; i++) {
		const struct cv_trip_energy_levels *l = &t->energy[i];

		e = cv_wr_uint(out, l->start_level, 2);
		if (!e) e = cv_wr_uint(out, l->end_level, 2);
		if (!e) e = cv_wr_uint(out, l->start_autonomy, 2);
		if (!e) e = cv_wr_uint(out, l->end_autonomy, 2);
	}
	if (!e) e = cv_wr_uint(out, t->nsamples, 4);
	if (!e) e = cv_wr_uint(out, t->flags, 1);
	if (!e) e = cv_wr_uint(out, t->done, 1);
	if (!e) e = cv_wr_uint(out, t->faults, 1);
	for (int i = 0; i < CV_TRIP_NFAULTS && !e; i++)
		e = cv_wr_uint(out, t->cause[i], 1);
	if (!e) e = cv_wr_uint(out, t->last_ign, 1);
	if (!e) e = cv_wr_uint(out, t->privacy, 1);
	/* version 2 */
	if (!e) e = cv_wr_uint(out, (uint32_t)t->track_lat_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)t->track_lon_e7, 4);
	if (!e) e = cv_wr_uint(out, t->odo_cause, 1);
	if (e)
		cv_buf_truncate(out, len0);
	return e;
}

/* The bounds of the vehicle link (doc/vehicle-link.md); GPS: 1e9 km. */
#define ODO_MAX 20000000u
#define SPEED_MAX 5000u
#define LEVEL_MAX 1000u
#define AUTONOMY_MAX 3000u
#define GPS_MAX_MM 1000000000000000ull

static bool time_ok(int64_t ms)
{
	return ms >= CV_TIME_MIN && ms <= CV_TIME_MAX;
}

static bool lat_ok(int32_t v) { return v >= -900000000 && v <= 900000000; }
static bool lon_ok(int32_t v) { return v >= -1800000000 && v <= 1800000000; }

/* Ranges and the relations between fields; false on anything a trip cannot hold. */
static bool trip_ok(const struct cv_trip *t)
{
	if (!time_ok(t->start_at) || !time_ok(t->last_at) || t->last_at < t->start_at || !t->nsamples)
		return false;
	if (t->done > 1 || (t->done && (!time_ok(t->stop_at) || t->stop_at < t->start_at)))
		return false;
	if (t->flags & ~CV_TRIP_F_ALL || t->faults & ~CV_TRIP_FAULTS_ALL)
		return false;
	if ((t->flags & CV_TRIP_F_POS) && (!time_ok(t->start_pos_at) || !time_ok(t->end_pos_at) ||
					    !lat_ok(t->start_lat_e7) || !lon_ok(t->start_lon_e7) ||
					    !lat_ok(t->end_lat_e7) || !lon_ok(t->end_lon_e7)))
		return false;
	if ((t->flags & CV_TRIP_F_TRACK) && (!(t->flags & CV_TRIP_F_POS) ||
					      !lat_ok(t->track_lat_e7) || !lon_ok(t->track_lon_e7)))
		return false;
	if ((t->flags & CV_TRIP_F_GPS) && !(t->flags & CV_TRIP_F_TRACK))
		return false;
	if (t->odo_cause >= CV_TRIP_CAUSE_COUNT || (t->odo_cause && (t->flags & CV_TRIP_F_ODO)))
		return false;
	if ((t->flags & CV_TRIP_F_ODO_FIRST) && !(t->flags & CV_TRIP_F_ODO))
		return false;
	if (t->odo_start_hm > ODO_MAX || t->odo_end_hm > ODO_MAX || t->gps_mm > GPS_MAX_MM)
		return false;
	if (t->speed_max_dkmh > SPEED_MAX || t->speed_sum_dkmh > (uint64_t)t->speed_count * t->speed_max_dkmh)
		return false;
	for (int i = 0; i < CV_TRIP_NENERGY; i++) {
		const struct cv_trip_energy_levels *l = &t->energy[i];

		if (l->start_level > LEVEL_MAX || l->end_level > LEVEL_MAX ||
		    l->start_autonomy > AUTONOMY_MAX || l->end_autonomy > AUTONOMY_MAX)
			return false;
	}
	for (int i = 0; i < CV_TRIP_NFAULTS; i++)
		if (t->cause[i] >= CV_TRIP_CAUSE_COUNT)
			return false;
	return t->last_ign <= CV_IGN_START && t->privacy <= CV_PRIV_FULL;
}

enum cv_err cv_trip_decode(const void *p, size_t len, struct cv_trip *t)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	unsigned v = (unsigned)cv_rd_uint(&r, 1);

	memset(t, 0, sizeof(*t));
	if (v != TRIP_V && v != TRIP_V1)
		return CV_EINVAL;
	t->start_at = (int64_t)cv_rd_uint(&r, 8);
	t->last_at = (int64_t)cv_rd_uint(&r, 8);
	t->stop_at = (int64_t)cv_rd_uint(&r, 8);
	t->start_pos_at = (int64_t)cv_rd_uint(&r, 8);
	t->end_pos_at = (int64_t)cv_rd_uint(&r, 8);
	t->start_lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	t->start_lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	t->end_lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	t->end_lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	t->odo_start_hm = (uint32_t)cv_rd_uint(&r, 4);
	t->odo_end_hm = (uint32_t)cv_rd_uint(&r, 4);
	t->gps_mm = cv_rd_uint(&r, 8);
	t->speed_sum_dkmh = cv_rd_uint(&r, 8);
	t->speed_count = (uint32_t)cv_rd_uint(&r, 4);
	t->speed_max_dkmh = (uint16_t)cv_rd_uint(&r, 2);
	for (int i = 0; i < CV_TRIP_NENERGY; i++) {
		struct cv_trip_energy_levels *l = &t->energy[i];

		l->start_level = (uint16_t)cv_rd_uint(&r, 2);
		l->end_level = (uint16_t)cv_rd_uint(&r, 2);
		l->start_autonomy = (uint16_t)cv_rd_uint(&r, 2);
		l->end_autonomy = (uint16_t)cv_rd_uint(&r, 2);
	}
	t->nsamples = (uint32_t)cv_rd_uint(&r, 4);
	t->flags = (uint8_t)cv_rd_uint(&r, 1);
	t->done = (uint8_t)cv_rd_uint(&r, 1);
	t->faults = (uint8_t)cv_rd_uint(&r, 1);
	for (int i = 0; i < CV_TRIP_NFAULTS; i++)
		t->cause[i] = (uint8_t)cv_rd_uint(&r, 1);
	t->last_ign = (uint8_t)cv_rd_uint(&r, 1);
	t->privacy = (uint8_t)cv_rd_uint(&r, 1);
	if (v == TRIP_V) {
		t->track_lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		t->track_lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		t->odo_cause = (uint8_t)cv_rd_uint(&r, 1);
	} else if (t->flags & CV_TRIP_F_TRACK) {
		return CV_EINVAL;       /* not a flag of version 1 */
	} else if (t->flags & CV_TRIP_F_POS) {
		/* version 1: every position was counted, the last one too */
		t->flags |= CV_TRIP_F_TRACK;
		t->track_lat_e7 = t->end_lat_e7;
		t->track_lon_e7 = t->end_lon_e7;
	}
	return r.bad || r.off != len || !trip_ok(t) ? CV_EINVAL : CV_OK;
}

/* ---- rendering ---------------------------------------------------------- */

/* A Position (GeoJSON Feature) with only what a trip keeps. */
static void render_position(struct cv_jw *w, int32_t lat_e7, int32_t lon_e7, int64_t at)
{
	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Feature");
	cv_jw_key(w, "geometry");
	cv_jw_obj(w);
	cv_jw_kstr(w, "type", "Point");
	cv_jw_key(w, "coordinates");
	cv_jw_arr(w);
	cv_jw_fixed(w, lon_e7, 7);
	cv_jw_fixed(w, lat_e7, 7);
	cv_jw_end(w);
	cv_jw_end(w);
	cv_jw_key(w, "properties");
	cv_jw_obj(w);
	cv_jw_ktime(w, "createdAt", at);
	cv_jw_end(w);
	cv_jw_end(w);
}

static const struct {
	enum cv_trip_flag flag;
	const char *type, *subtype;
} energies[CV_TRIP_NENERGY] = {
	[CV_TRIP_FUEL] = { CV_TRIP_F_FUEL, "Fuel", "FossilEnergy" },
	[CV_TRIP_ELEC] = { CV_TRIP_F_ELEC, "Electric", "ElectricEnergy" },
};

/* startEnergies or endEnergies: LiteEnergy items. */
static void render_levels(struct cv_jw *w, const struct cv_trip *t, const char *key, bool end)
{
	cv_jw_key(w, key);
	cv_jw_arr(w);
	for (int i = 0; i < CV_TRIP_NENERGY; i++) {
		const struct cv_trip_energy_levels *l = &t->energy[i];

		if (!(t->flags & energies[i].flag))
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", energies[i].type);
		cv_jw_kstr(w, "subType", energies[i].subtype);
		cv_jw_kfixed(w, "level", end ? l->end_level : l->start_level, 1);
		cv_jw_kint(w, "autonomy", end ? l->end_autonomy : l->start_autonomy);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

static void render_consumptions(struct cv_jw *w, const struct cv_trip *t, const struct cv_trip_capacity *cap)
{
	cv_jw_key(w, "energyConsumptions");
	cv_jw_arr(w);
	for (int i = 0; i < CV_TRIP_NENERGY; i++) {
		const struct cv_trip_energy_levels *l = &t->energy[i];

		if (!(t->flags & energies[i].flag))
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", energies[i].type);
		cv_jw_kstr(w, "subType", energies[i].subtype);
		cv_jw_kfixed(w, "consumption", l->start_level > l->end_level ? l->start_level - l->end_level : 0, 1);
		if (cap) {
			int64_t avg = cv_trip_avg_consumption(t, (enum cv_trip_energy)i, i == CV_TRIP_ELEC ? cap->battery_wh :
							      cap->tank_cl);

			if (avg >= 0)
				cv_jw_kfixed(w, "avgConsumption", avg, 1);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

static void render_faults(struct cv_jw *w, const struct cv_trip *t)
{
	unsigned faults = cv_trip_faults(t);

	cv_jw_key(w, "faults");
	cv_jw_arr(w);
	for (int i = 0; i < CV_TRIP_NFAULTS; i++) {
		uint8_t c = t->faults & (1u << i) ? t->cause[i] : CV_TRIP_CAUSE_NONE;

		if (!(faults & (1u << i)))
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "fault", cv_trip_fault_names[i]);
		if (c != CV_TRIP_CAUSE_NONE && c < CV_TRIP_CAUSE_COUNT)
			cv_jw_kstr(w, "cause", cv_trip_cause_names[c]);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

void cv_trip_render_members(struct cv_jw *w, const struct cv_trip *t, const char *id, const char *vin,
			    bool positions, const struct cv_trip_capacity *cap)
{
	int64_t dist = cv_trip_distance_m(t), dur = cv_trip_duration_ms(t);

	cv_jw_kstr(w, "id", id);
	if (vin)
		cv_jw_kstr(w, "vin", vin);
	cv_jw_ktime(w, "createdAt", t->start_at);
	cv_jw_ktime(w, "updatedAt", t->last_at);
	cv_jw_ktime(w, "startedAt", t->start_at);
	if (t->done)
		cv_jw_ktime(w, "stoppedAt", t->stop_at);
	if (positions && (t->flags & CV_TRIP_F_POS)) {
		cv_jw_key(w, "startPosition");
		render_position(w, t->start_lat_e7, t->start_lon_e7, t->start_pos_at);
		if (t->done) {
			cv_jw_key(w, "stopPosition");
			render_position(w, t->end_lat_e7, t->end_lon_e7, t->end_pos_at);
		}
	}
	cv_jw_kint(w, "duration", (dur + 500) / 1000);
	if (dist >= 0)
		cv_jw_kfixed(w, "distance", dist, 3);
	if (t->flags & CV_TRIP_F_ODO)
		cv_jw_kfixed(w, "startMileage", t->odo_start_hm, 1);
	render_levels(w, t, "startEnergies", false);
	if (t->done)
		render_levels(w, t, "endEnergies", true);
	render_consumptions(w, t, cap);
	if (t->speed_count) {
		uint64_t avg = (t->speed_sum_dkmh * 2 + t->speed_count) / (2 * (uint64_t)t->speed_count);

		cv_jw_key(w, "kinetic");
		cv_jw_obj(w);
		cv_jw_kfixed(w, "avgSpeed", (int64_t)avg, 1);
		cv_jw_kfixed(w, "maxSpeed", t->speed_max_dkmh, 1);
		cv_jw_end(w);
	}
	cv_jw_kbool(w, "done", t->done);
	render_faults(w, t);
}

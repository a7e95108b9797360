/* charge.c - charging sessions built sample by sample, their figures, records and rendering (see charge.h). */
#include "charge.h"
#include "pack.h"
#include "cvtime.h"

#include <math.h>
#include <string.h>

const char *const cv_charge_fault_names[CV_CHARGE_NFAULTS] = { "DataLacking", "Unfinished" };

/* ---- building ----------------------------------------------------------- */

static bool charging(const struct cv_sample *s)
{
	return CV_HAS(s, CV_G_CHARGE) && s->chg_status == CV_CHG_INPROGRESS && s->plugged;
}

static bool ends(const struct cv_sample *s)
{
	return CV_HAS(s, CV_G_CHARGE) && !charging(s);
}

static bool moving(const struct cv_sample *s)
{
	return CV_HAS(s, CV_G_KIN) && s->speed_dkmh >= CV_CHARGE_MOVING_DKMH;
}

/* s has a fix too far from c's place. */
static bool away(const struct cv_charge *c, const struct cv_sample *s)
{
	if (!(c->flags & CV_CHARGE_F_FIX) || !CV_HAS(s, CV_G_POS) || s->fix == CV_FIX_NONE)
		return false;
	return cv_geo_dist_m(c->lat_e7, c->lon_e7, s->lat_e7, s->lon_e7) > CV_CHARGE_PLACE_M;
}

static bool opens(const struct cv_sample *s)
{
	return charging(s) && !moving(s);
}

static int fault_index(enum cv_charge_fault f)
{
	return f == CV_CHARGE_DATALACKING ? 0 : 1;
}

/* Record fault f; the first cause seen for it stays. */
static void add_fault(struct cv_charge *c, enum cv_charge_fault f, enum cv_trip_cause cause)
{
	if (c->faults & f)
		return;
	c->faults |= (uint8_t)f;
	c->cause[fault_index(f)] = (uint8_t)cause;
}

/* Why data is missing, from the session's privacy mode (as trips say it). */
static enum cv_trip_cause lack_cause(const struct cv_charge *c, bool position)
{
	if (c->privacy == CV_PRIV_FULL)
		return CV_TRIP_CAUSE_FULLPRIVACY;
	if (position && c->privacy == CV_PRIV_GEOLOCATION)
		return CV_TRIP_CAUSE_GEOPRIVACY;
	return CV_TRIP_CAUSE_CONNECTION;
}

/* The place: the first position, replaced once by the first with a fix if it had none. */
static void fold_pos(struct cv_charge *c, const struct cv_sample *s)
{
	if ((c->flags & CV_CHARGE_F_FIX) || ((c->flags & CV_CHARGE_F_POS) && s->fix == CV_FIX_NONE))
		return;
	c->flags |= CV_CHARGE_F_POS;
	if (s->fix != CV_FIX_NONE)
		c->flags |= CV_CHARGE_F_FIX;
	c->lat_e7 = s->lat_e7;
	c->lon_e7 = s->lon_e7;
	c->alt_m = s->alt_m;
	c->pos_at = s->at;
}

static void fold_level(struct cv_charge *c, const struct cv_sample *s)
{
	if (!(c->flags & CV_CHARGE_F_LEVEL)) {
		c->flags |= CV_CHARGE_F_LEVEL;
		c->start_level = s->elec_level;
		c->start_autonomy = s->elec_autonomy;
	}
	c->end_level = s->elec_level;
	c->end_autonomy = s->elec_autonomy;
}

/* Forget the last power reported: the next one starts a new span. */
static void cut_chain(struct cv_charge *c)
{
	c->flags &= (uint8_t)~(CV_CHARGE_F_CHAIN | CV_CHARGE_F_CHAIN_LEVEL);
	c->pw_at = 0;
	c->pw_dkw = 0;
	c->pw_level = 0;
}

/* A power reported in s (after its level was folded): integrate the span since the last one. */
static void fold_power(struct cv_charge *c, const struct cv_sample *s)
{
	uint16_t p = s->chg_power_dkw;

	if (!(c->flags & CV_CHARGE_F_POWER) || p > c->peak_dkw)
		c->peak_dkw = p;
	c->flags |= CV_CHARGE_F_POWER;
	if ((c->flags & CV_CHARGE_F_CHAIN) && s->at - c->pw_at <= CV_CHARGE_GAP_MS) {
		c->pw_sum2 += (uint64_t)(c->pw_dkw + p) * (uint64_t)(s->at - c->pw_at);
		if (c->flags & CV_CHARGE_F_CHAIN_LEVEL)
			c->pw_cov += (int32_t)c->end_level - (int32_t)c->pw_level;
	}
	c->flags |= CV_CHARGE_F_CHAIN;
	c->pw_at = s->at;
	c->pw_dkw = p;
	if (c->flags & CV_CHARGE_F_LEVEL) {
		c->flags |= CV_CHARGE_F_CHAIN_LEVEL;
		c->pw_level = c->end_level;
	} else {
		c->flags &= (uint8_t)~CV_CHARGE_F_CHAIN_LEVEL;
	}
}

/* Add the readings of s to c; counting charges the interval since the last sample as time charging. */
static void fold(struct cv_charge *c, const struct cv_sample *s, bool counting)
{
	if (CV_HAS(s, CV_G_PRIVACY))
		c->privacy = s->privacy;
	if (CV_HAS(s, CV_G_POS))
		fold_pos(c, s);
	if (CV_HAS(s, CV_G_ELEC))
		fold_level(c, s);
	if (CV_HAS(s, CV_G_CHARGE)) {
		if (s->chg_mode == CV_CHGMODE_SLOW || s->chg_mode == CV_CHGMODE_QUICK)
			c->modes |= (uint8_t)(1u << s->chg_mode);
		if (s->has_chg_power)
			fold_power(c, s);
	}
	if (counting)
		c->charge_ms += s->at - c->last_at;
	c->last_at = s->at;
	c->seen_at = s->at;
	c->nsamples++;
}

/* A new session from its first sample (charging). */
static void open_session(struct cv_charge *c, const struct cv_sample *s)
{
	memset(c, 0, sizeof(*c));
	c->start_at = s->at;
	c->last_at = s->at;
	fold(c, s, false);
	if (!CV_HAS(s, CV_G_ELEC))
		add_fault(c, CV_CHARGE_DATALACKING, lack_cause(c, false));
	if (!CV_HAS(s, CV_G_POS))
		add_fault(c, CV_CHARGE_DATALACKING, lack_cause(c, true));
}

/* End c without an end seen: Unfinished, stopped at its last sample. */
static void close_unfinished(struct cv_charge *c)
{
	add_fault(c, CV_CHARGE_UNFINISHED, lack_cause(c, false));
	cut_chain(c);
	c->done = 1;
}

/* c leaves the builder; s, which made it leave, opens the next session if it can. */
static enum cv_charge_step leave(struct cv_charge *cur, bool *has_cur, const struct cv_sample *s,
				 struct cv_charge *closed)
{
	*closed = *cur;
	if (!opens(s)) {
		*has_cur = false;
		return CV_CHARGE_CLOSED;
	}
	open_session(cur, s);
	return CV_CHARGE_REOPENED;
}

/* A sample after cur ended: it resumes it, releases it, or is only seen. */
static enum cv_charge_step feed_ended(struct cv_charge *cur, bool *has_cur, const struct cv_sample *s,
				      struct cv_charge *closed)
{
	if (s->at - cur->last_at > CV_CHARGE_RESUME_MS || moving(s) || away(cur, s))
		return leave(cur, has_cur, s, closed);
	if (!charging(s)) {
		cur->seen_at = s->at;
		return CV_CHARGE_IGNORED;
	}
	cur->done = 0;
	if (cur->interruptions < UINT16_MAX)
		cur->interruptions++;
	fold(cur, s, false);
	return CV_CHARGE_RESUMED | CV_CHARGE_EXTENDED;
}

enum cv_charge_step cv_charge_feed(struct cv_charge *cur, bool *has_cur, const struct cv_sample *s,
				   struct cv_charge *closed)
{
	if (!*has_cur) {
		if (!opens(s))
			return CV_CHARGE_IGNORED;
		open_session(cur, s);
		*has_cur = true;
		return CV_CHARGE_OPENED;
	}
	if (s->at <= cur->seen_at)
		return CV_CHARGE_IGNORED;
	if (cur->done)
		return feed_ended(cur, has_cur, s, closed);
	if (s->at - cur->last_at > CV_CHARGE_TIMEOUT_MS || moving(s) || away(cur, s)) {
		close_unfinished(cur);
		return leave(cur, has_cur, s, closed);
	}
	/* the gap's cause is the privacy mode before this sample */
	if (s->at - cur->last_at > CV_CHARGE_GAP_MS)
		add_fault(cur, CV_CHARGE_DATALACKING, lack_cause(cur, false));
	fold(cur, s, true);
	if (!ends(s))
		return CV_CHARGE_EXTENDED;
	if (!CV_HAS(s, CV_G_ELEC))
		add_fault(cur, CV_CHARGE_DATALACKING, lack_cause(cur, false));
	cut_chain(cur);
	cur->done = 1;
	return CV_CHARGE_EXTENDED | CV_CHARGE_ENDED;
}

bool cv_charge_expire(struct cv_charge *cur, bool *has_cur, int64_t now, struct cv_charge *closed)
{
	if (!*has_cur || now - cur->last_at <= (cur->done ? CV_CHARGE_RESUME_MS : CV_CHARGE_TIMEOUT_MS))
		return false;
	if (!cur->done)
		close_unfinished(cur);
	*closed = *cur;
	*has_cur = false;
	return true;
}

/* ---- figures ------------------------------------------------------------ */

unsigned cv_charge_faults(const struct cv_charge *c)
{
	return c->faults | (c->done ? 0u : (unsigned)CV_CHARGE_UNFINISHED);
}

int64_t cv_charge_end_at(const struct cv_charge *c)
{
	return c->last_at;
}

int64_t cv_charge_duration_ms(const struct cv_charge *c)
{
	return c->last_at - c->start_at;
}

/* capacity_wh x dlevel / 1000 (dlevel in % x 10), rounded. */
static int64_t level_wh(uint32_t capacity_wh, int64_t dlevel)
{
	return ((int64_t)capacity_wh * dlevel + 500) / 1000;
}

int64_t cv_charge_energy_wh(const struct cv_charge *c, uint32_t capacity_wh)
{
	bool levels = c->flags & CV_CHARGE_F_LEVEL;
	int64_t rise = levels ? (int64_t)c->end_level - c->start_level : 0;

	if (c->flags & CV_CHARGE_F_POWER) {
		/* pw_sum2 is kW x 10 x ms, doubled: 1 Wh = 36,000 kW x 10 x ms */
		int64_t wh = (int64_t)((c->pw_sum2 + 36000) / 72000);
		int64_t uncovered = rise - c->pw_cov;

		if (capacity_wh && levels && uncovered > 0)
			wh += level_wh(capacity_wh, uncovered);
		return wh;
	}
	if (!capacity_wh || !levels)
		return -1;
	return rise > 0 ? level_wh(capacity_wh, rise) : 0;
}

int64_t cv_charge_avg_power_dkw(const struct cv_charge *c, uint32_t capacity_wh)
{
	int64_t wh = cv_charge_energy_wh(c, capacity_wh);

	if (wh < 0 || c->charge_ms <= 0)
		return -1;
	/* Wh / h = W; x 10 / 1000 for kW x 10 */
	return llround((double)wh * 36000.0 / (double)c->charge_ms);
}

enum cv_chgmode cv_charge_mode(const struct cv_charge *c, uint32_t capacity_wh)
{
	int64_t avg;

	if (c->modes & (1u << CV_CHGMODE_QUICK))
		return CV_CHGMODE_QUICK;
	if (c->modes & (1u << CV_CHGMODE_SLOW))
		return CV_CHGMODE_SLOW;
	if (c->flags & CV_CHARGE_F_POWER)
		return c->peak_dkw > CV_CHARGE_QUICK_DKW ? CV_CHGMODE_QUICK : CV_CHGMODE_SLOW;
	avg = cv_charge_avg_power_dkw(c, capacity_wh);
	if (avg < 0)
		return CV_CHGMODE_NO;
	return avg > CV_CHARGE_QUICK_DKW ? CV_CHGMODE_QUICK : CV_CHGMODE_SLOW;
}

/* ---- the curve ---------------------------------------------------------- */

bool cv_charge_curve_has(const struct cv_charge *c, const struct cv_sample *s)
{
	if (s->at < c->start_at || s->at > cv_charge_end_at(c))
		return false;
	return CV_HAS(s, CV_G_ELEC) || CV_HAS(s, CV_G_CHARGE);
}

void cv_charge_render_point_members(struct cv_jw *w, const struct cv_sample *s)
{
	cv_jw_ktime(w, "createdAt", s->at);
	if (CV_HAS(s, CV_G_ELEC)) {
		cv_jw_kfixed(w, "level", s->elec_level, 1);
		cv_jw_kint(w, "autonomy", s->elec_autonomy);
	}
	if (CV_HAS(s, CV_G_CHARGE)) {
		if (s->has_chg_power)
			cv_jw_kfixed(w, "power", s->chg_power_dkw, 1);
		cv_jw_kstr(w, "status", cv_chg_names[s->chg_status <= CV_CHG_FINISHED ? s->chg_status : 0]);
	}
}

/* ---- packed record ------------------------------------------------------ */

#define CHARGE_V 1

enum cv_err cv_charge_encode(const struct cv_charge *c, struct cv_buf *out)
{
	size_t len0 = out->len;
	enum cv_err e = cv_wr_uint(out, CHARGE_V, 1);

	if (!e) e = cv_wr_uint(out, (uint64_t)c->start_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)c->last_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)c->seen_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)c->pos_at, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)c->charge_ms, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)c->pw_at, 8);
	if (!e) e = cv_wr_uint(out, c->pw_sum2, 8);
	if (!e) e = cv_wr_uint(out, (uint32_t)c->lat_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)c->lon_e7, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)c->alt_m, 4);
	if (!e) e = cv_wr_uint(out, (uint32_t)c->pw_cov, 4);
	if (!e) e = cv_wr_uint(out, c->start_level, 2);
	if (!e) e = cv_wr_uint(out, c->end_level, 2);
	if (!e) e = cv_wr_uint(out, c->start_autonomy, 2);
	if (!e) e = cv_wr_uint(out, c->end_autonomy, 2);
	if (!e) e = cv_wr_uint(out, c->peak_dkw, 2);
	if (!e) e = cv_wr_uint(out, c->pw_dkw, 2);
	if (!e) e = cv_wr_uint(out, c->pw_level, 2);
	if (!e) e = cv_wr_uint(out, c->nsamples, 4);
	if (!e) e = cv_wr_uint(out, c->interruptions, 2);
	if (!e) e = cv_wr_uint(out, c->flags, 1);
	if (!e) e = cv_wr_uint(out, c->modes, 1);
	if (!e) e = cv_wr_uint(out, c->done, 1);
	if (!e) e = cv_wr_uint(out, c->faults, 1);
	for (int i = 0; i < CV_CHARGE_NFAULTS && !e; i++)
		e = cv_wr_uint(out, c->cause[i], 1);
	if (!e) e = cv_wr_uint(out, c->privacy, 1);
	if (e)
		cv_buf_truncate(out, len0);
	return e;
}

/* The bounds of the vehicle link (doc/vehicle-link.md). */
#define LEVEL_MAX 1000
#define AUTONOMY_MAX 3000u
#define POWER_MAX 4000u
#define ALT_MIN (-500)
#define ALT_MAX 9000

static bool time_ok(int64_t ms)
{
	return ms >= CV_TIME_MIN && ms <= CV_TIME_MAX;
}

/* ms within c's span */
static bool in_span(const struct cv_charge *c, int64_t ms)
{
	return ms >= c->start_at && ms <= c->last_at;
}

static bool times_ok(const struct cv_charge *c)
{
	if (!time_ok(c->start_at) || !time_ok(c->last_at) || !time_ok(c->seen_at))
		return false;
	if (c->last_at < c->start_at || c->seen_at < c->last_at || (!c->done && c->seen_at != c->last_at))
		return false;
	return c->charge_ms >= 0 && c->charge_ms <= c->last_at - c->start_at;
}

static bool place_ok(const struct cv_charge *c)
{
	if (!(c->flags & CV_CHARGE_F_POS))
		return !(c->flags & CV_CHARGE_F_FIX) && !c->lat_e7 && !c->lon_e7 && !c->alt_m && !c->pos_at;
	return in_span(c, c->pos_at) && c->lat_e7 >= -900000000 && c->lat_e7 <= 900000000 &&
	       c->lon_e7 >= -1800000000 && c->lon_e7 <= 1800000000 && c->alt_m >= ALT_MIN && c->alt_m <= ALT_MAX;
}

static bool levels_ok(const struct cv_charge *c)
{
	if (!(c->flags & CV_CHARGE_F_LEVEL))
		return !c->start_level && !c->end_level && !c->start_autonomy && !c->end_autonomy && !c->pw_cov;
	/* each integrated span adds a difference of two levels */
	return c->start_level <= LEVEL_MAX && c->end_level <= LEVEL_MAX && c->start_autonomy <= AUTONOMY_MAX &&
	       c->end_autonomy <= AUTONOMY_MAX && llabs((int64_t)c->pw_cov) <= (int64_t)LEVEL_MAX * c->nsamples;
}

static bool power_ok(const struct cv_charge *c)
{
	if (!(c->flags & CV_CHARGE_F_POWER))
		return !(c->flags & (CV_CHARGE_F_CHAIN | CV_CHARGE_F_CHAIN_LEVEL)) && !c->peak_dkw && !c->pw_sum2 &&
		       !c->pw_at && !c->pw_dkw && !c->pw_level;
	/* every integrated span lies in the session and (p1 + p2) <= 2 x peak */
	if (c->peak_dkw > POWER_MAX || c->pw_sum2 > 2ull * c->peak_dkw * (uint64_t)(c->last_at - c->start_at))
		return false;
	if (!(c->flags & CV_CHARGE_F_CHAIN))
		return !(c->flags & CV_CHARGE_F_CHAIN_LEVEL) && !c->pw_at && !c->pw_dkw && !c->pw_level;
	if (c->done || !in_span(c, c->pw_at) || c->pw_dkw > c->peak_dkw)
		return false;
	if (!(c->flags & CV_CHARGE_F_CHAIN_LEVEL))
		return !c->pw_level;
	return (c->flags & CV_CHARGE_F_LEVEL) && c->pw_level <= LEVEL_MAX;
}

static bool faults_ok(const struct cv_charge *c)
{
	if (c->faults & ~CV_CHARGE_FAULTS_ALL || ((c->faults & CV_CHARGE_UNFINISHED) && !c->done))
		return false;
	/* a fault has a cause, and only a fault has one */
	for (int i = 0; i < CV_CHARGE_NFAULTS; i++)
		if (c->cause[i] >= CV_TRIP_CAUSE_COUNT || !(c->faults & (1u << i)) != !c->cause[i])
			return false;
	return true;
}

/* Ranges and the relations between fields; false on anything a session cannot hold. */
static bool charge_ok(const struct cv_charge *c)
{
	if (!c->nsamples || c->interruptions >= c->nsamples || c->done > 1)
		return false;
	if (c->flags & ~CV_CHARGE_F_ALL || c->modes & ~CV_CHARGE_MODES_ALL || c->privacy > CV_PRIV_FULL)
		return false;
	return times_ok(c) && place_ok(c) && levels_ok(c) && power_ok(c) && faults_ok(c);
}

enum cv_err cv_charge_decode(const void *p, size_t len, struct cv_charge *c)
{
	struct cv_rd r = CV_RD_INIT(p, len);

	memset(c, 0, sizeof(*c));
	if (cv_rd_uint(&r, 1) != CHARGE_V)
		return CV_EINVAL;
	c->start_at = (int64_t)cv_rd_uint(&r, 8);
	c->last_at = (int64_t)cv_rd_uint(&r, 8);
	c->seen_at = (int64_t)cv_rd_uint(&r, 8);
	c->pos_at = (int64_t)cv_rd_uint(&r, 8);
	c->charge_ms = (int64_t)cv_rd_uint(&r, 8);
	c->pw_at = (int64_t)cv_rd_uint(&r, 8);
	c->pw_sum2 = cv_rd_uint(&r, 8);
	c->lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	c->lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	c->alt_m = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	c->pw_cov = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	c->start_level = (uint16_t)cv_rd_uint(&r, 2);
	c->end_level = (uint16_t)cv_rd_uint(&r, 2);
	c->start_autonomy = (uint16_t)cv_rd_uint(&r, 2);
	c->end_autonomy = (uint16_t)cv_rd_uint(&r, 2);
	c->peak_dkw = (uint16_t)cv_rd_uint(&r, 2);
	c->pw_dkw = (uint16_t)cv_rd_uint(&r, 2);
	c->pw_level = (uint16_t)cv_rd_uint(&r, 2);
	c->nsamples = (uint32_t)cv_rd_uint(&r, 4);
	c->interruptions = (uint16_t)cv_rd_uint(&r, 2);
	c->flags = (uint8_t)cv_rd_uint(&r, 1);
	c->modes = (uint8_t)cv_rd_uint(&r, 1);
	c->done = (uint8_t)cv_rd_uint(&r, 1);
	c->faults = (uint8_t)cv_rd_uint(&r, 1);
	for (int i = 0; i < CV_CHARGE_NFAULTS; i++)
		c->cause[i] = (uint8_t)cv_rd_uint(&r, 1);
	c->privacy = (uint8_t)cv_rd_uint(&r, 1);
	return r.bad || r.off != len || !charge_ok(c) ? CV_EINVAL : CV_OK;
}

/* ---- rendering ---------------------------------------------------------- */

static void render_faults(struct cv_jw *w, const struct cv_charge *c)
{
	unsigned faults = cv_charge_faults(c);

	cv_jw_key(w, "faults");
	cv_jw_arr(w);
	for (int i = 0; i < CV_CHARGE_NFAULTS; i++) {
		uint8_t cause = c->faults & (1u << i) ? c->cause[i] : CV_TRIP_CAUSE_NONE;

		if (!(faults & (1u << i)))
			continue;
		cv_jw_obj(w);
		cv_jw_kstr(w, "fault", cv_charge_fault_names[i]);
		if (cause != CV_TRIP_CAUSE_NONE && cause < CV_TRIP_CAUSE_COUNT)
			cv_jw_kstr(w, "cause", cv_trip_cause_names[cause]);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

void cv_charge_render_members(struct cv_jw *w, const struct cv_charge *c, const char *id, const char *vin,
			      bool positions, uint32_t capacity_wh)
{
	int64_t wh = cv_charge_energy_wh(c, capacity_wh), avg = cv_charge_avg_power_dkw(c, capacity_wh);
	enum cv_chgmode mode = cv_charge_mode(c, capacity_wh);

	cv_jw_kstr(w, "id", id);
	if (vin)
		cv_jw_kstr(w, "vin", vin);
	cv_jw_ktime(w, "createdAt", c->start_at);
	cv_jw_ktime(w, "updatedAt", c->last_at);
	cv_jw_ktime(w, "startedAt", c->start_at);
	if (c->done)
		cv_jw_ktime(w, "stoppedAt", c->last_at);
	if (positions && (c->flags & CV_CHARGE_F_POS)) {
		cv_jw_key(w, "position");
		cv_render_point(w, c->lat_e7, c->lon_e7, c->alt_m, c->pos_at);
	}
	cv_jw_kint(w, "duration", (cv_charge_duration_ms(c) + 500) / 1000);
	cv_jw_kint(w, "chargingDuration", (c->charge_ms + 500) / 1000);
	if (c->flags & CV_CHARGE_F_LEVEL) {
		cv_jw_kfixed(w, "startLevel", c->start_level, 1);
		cv_jw_kfixed(w, "endLevel", c->end_level, 1);
		cv_jw_kint(w, "startAutonomy", c->start_autonomy);
		cv_jw_kint(w, "endAutonomy", c->end_autonomy);
	}
	if (wh >= 0)
		cv_jw_kfixed(w, "energyAdded", wh, 3);
	if (avg >= 0)
		cv_jw_kfixed(w, "avgPower", avg, 1);
	if (c->flags & CV_CHARGE_F_POWER)
		cv_jw_kfixed(w, "maxPower", c->peak_dkw, 1);
	if (mode != CV_CHGMODE_NO)
		cv_jw_kstr(w, "chargingMode", cv_chgmode_names[mode]);
	cv_jw_kint(w, "interruptions", c->interruptions);
	cv_jw_kbool(w, "done", c->done);
	render_faults(w, c);
}

/* ---- efficiency --------------------------------------------------------- */

int64_t cv_avg_consumption(uint32_t used_dpts, int64_t distance_m, uint32_t capacity)
{
	/* used_dpts / 1000 x capacity per distance_m / 100,000 m, x 10 */
	if (!capacity || distance_m < CV_CONSUMPTION_MIN_M || used_dpts > LEVEL_MAX)
		return -1;
	return ((int64_t)used_dpts * capacity * 1000 + distance_m / 2) / distance_m;
}

int64_t cv_trip_avg_consumption(const struct cv_trip *t, enum cv_trip_energy e, uint32_t capacity)
{
	static const uint8_t flag[CV_TRIP_NENERGY] = { [CV_TRIP_FUEL] = CV_TRIP_F_FUEL, [CV_TRIP_ELEC] = CV_TRIP_F_ELEC };
	const struct cv_trip_energy_levels *l;

	if ((unsigned)e >= CV_TRIP_NENERGY || !(t->flags & flag[e]))
		return -1;
	l = &t->energy[e];
	return cv_avg_consumption(l->start_level > l->end_level ? (uint32_t)(l->start_level - l->end_level) : 0,
				  cv_trip_distance_m(t), capacity);
}

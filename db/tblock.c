/* tblock.c - telemetry blocks (see tblock.h). */
#include "tblock.h"
#include "pack.h"
#include "rec.h"

#include <stddef.h>
#include <string.h>

#define SAMPLE_V1 1     /* the former one-sample record (rec.c) */
#define TBLOCK_V2 2     /* a block written before the charging power: its first 27 columns */

/*
 * The columns, most changeable first: a driving sample usually changes only
 * the first six, whose bits (with bit 0) fit the first byte of `bits`.
 */
enum col {
	C_LAT, C_LON, C_SPEED, C_ODO, C_HEADING, C_ALT,
	C_FUEL_LEVEL, C_ELEC_LEVEL, C_FUEL_AUT, C_ELEC_AUT, C_AIR, C_BATT, C_SIGNAL, C_IGN,
	C_FIX, C_POS_TYPE, C_CHG_STATUS, C_CHG_MODE, C_PLUGGED, C_CHG_RATE, C_CHG_REMAINING,
	C_LOCK, C_DOORS, C_PRECOND, C_MAINT_DAYS, C_MAINT_DKM, C_PRIVACY,
	C_CHG_POWER,    /* the charging power + 1, 0 when not reported (from version 3) */
	C_COUNT
};
#define C_COUNT_V2 C_CHG_POWER

_Static_assert(C_COUNT == CV_TBLOCK_COLS, "CV_TBLOCK_COLS is the number of columns");

/* The group each column belongs to. */
static const uint8_t col_group[C_COUNT] = {
	[C_LAT] = CV_G_POS, [C_LON] = CV_G_POS, [C_SPEED] = CV_G_KIN, [C_ODO] = CV_G_ODO,
	[C_HEADING] = CV_G_POS, [C_ALT] = CV_G_POS,
	[C_FUEL_LEVEL] = CV_G_FUEL, [C_ELEC_LEVEL] = CV_G_ELEC, [C_FUEL_AUT] = CV_G_FUEL,
	[C_ELEC_AUT] = CV_G_ELEC, [C_AIR] = CV_G_AIR, [C_BATT] = CV_G_BATT12,
	[C_SIGNAL] = CV_G_POS, [C_IGN] = CV_G_IGN, [C_FIX] = CV_G_POS, [C_POS_TYPE] = CV_G_POS,
	[C_CHG_STATUS] = CV_G_CHARGE, [C_CHG_MODE] = CV_G_CHARGE, [C_PLUGGED] = CV_G_CHARGE,
	[C_CHG_RATE] = CV_G_CHARGE, [C_CHG_REMAINING] = CV_G_CHARGE,
	[C_LOCK] = CV_G_DOORS, [C_DOORS] = CV_G_DOORS, [C_PRECOND] = CV_G_PRECOND,
	[C_MAINT_DAYS] = CV_G_MAINT, [C_MAINT_DKM] = CV_G_MAINT, [C_PRIVACY] = CV_G_PRIVACY,
	[C_CHG_POWER] = CV_G_CHARGE,
};

static void cols_get(const struct cv_sample *s, int64_t v[C_COUNT])
{
	v[C_LAT] = s->lat_e7;
	v[C_LON] = s->lon_e7;
	v[C_SPEED] = s->speed_dkmh;
	v[C_ODO] = s->odo_hm;
	v[C_HEADING] = s->heading;
	v[C_ALT] = s->alt_m;
	v[C_FUEL_LEVEL] = s->fuel_level;
	v[C_ELEC_LEVEL] = s->elec_level;
	v[C_FUEL_AUT] = s->fuel_autonomy;
	v[C_ELEC_AUT] = s->elec_autonomy;
	v[C_AIR] = s->air_temp_dc;
	v[C_BATT] = s->batt_mv;
	v[C_SIGNAL] = s->signal;
	v[C_IGN] = s->ignition;
	v[C_FIX] = s->fix;
	v[C_POS_TYPE] = s->pos_type;
	v[C_CHG_STATUS] = s->chg_status;
	v[C_CHG_MODE] = s->chg_mode;
	v[C_PLUGGED] = s->plugged;
	v[C_CHG_RATE] = s->chg_rate;
	v[C_CHG_REMAINING] = s->chg_remaining;
	v[C_LOCK] = s->lock;
	v[C_DOORS] = s->doors_open;
	v[C_PRECOND] = s->precond;
	v[C_MAINT_DAYS] = s->maint_days;
	v[C_MAINT_DKM] = s->maint_dkm;
	v[C_PRIVACY] = s->privacy;
	v[C_CHG_POWER] = s->has_chg_power ? (int64_t)s->chg_power_dkw + 1 : 0;
}

/* The columns of the groups in s->has into s (narrowed to their fields' types). */
static void cols_set(struct cv_sample *s, const int64_t v[C_COUNT])
{
#define COL(g, field, type, c) do { if (CV_HAS(s, g)) s->field = (type)v[c]; } while (0)
	COL(CV_G_POS, lat_e7, int32_t, C_LAT);
	COL(CV_G_POS, lon_e7, int32_t, C_LON);
	COL(CV_G_POS, alt_m, int32_t, C_ALT);
	COL(CV_G_POS, heading, uint16_t, C_HEADING);
	COL(CV_G_POS, fix, uint8_t, C_FIX);
	COL(CV_G_POS, pos_type, uint8_t, C_POS_TYPE);
	COL(CV_G_POS, signal, uint8_t, C_SIGNAL);
	COL(CV_G_KIN, speed_dkmh, uint16_t, C_SPEED);
	COL(CV_G_ODO, odo_hm, uint32_t, C_ODO);
	COL(CV_G_IGN, ignition, uint8_t, C_IGN);
	COL(CV_G_FUEL, fuel_level, uint16_t, C_FUEL_LEVEL);
	COL(CV_G_FUEL, fuel_autonomy, uint16_t, C_FUEL_AUT);
	COL(CV_G_ELEC, elec_level, uint16_t, C_ELEC_LEVEL);
	COL(CV_G_ELEC, elec_autonomy, uint16_t, C_ELEC_AUT);
	COL(CV_G_CHARGE, chg_status, uint8_t, C_CHG_STATUS);
	COL(CV_G_CHARGE, chg_mode, uint8_t, C_CHG_MODE);
	COL(CV_G_CHARGE, plugged, uint8_t, C_PLUGGED);
	COL(CV_G_CHARGE, chg_rate, uint16_t, C_CHG_RATE);
	COL(CV_G_CHARGE, chg_remaining, uint32_t, C_CHG_REMAINING);
	COL(CV_G_DOORS, lock, uint8_t, C_LOCK);
	COL(CV_G_DOORS, doors_open, uint8_t, C_DOORS);
	COL(CV_G_PRECOND, precond, uint8_t, C_PRECOND);
	COL(CV_G_AIR, air_temp_dc, int16_t, C_AIR);
	COL(CV_G_BATT12, batt_mv, uint16_t, C_BATT);
	COL(CV_G_MAINT, maint_days, int32_t, C_MAINT_DAYS);
	COL(CV_G_MAINT, maint_dkm, int32_t, C_MAINT_DKM);
	COL(CV_G_PRIVACY, privacy, uint8_t, C_PRIVACY);
#undef COL
	if (CV_HAS(s, CV_G_CHARGE) && v[C_CHG_POWER] > 0) {
		s->has_chg_power = 1;
		s->chg_power_dkw = (uint16_t)(v[C_CHG_POWER] - 1);
	}
}

/* The groups a block stores: those the sample codec knows. */
#define HAS_MASK ((1u << CV_G_COUNT) - 1)

/* Append sample s, coded against the block's running state (prev_at, has, col). */
static enum cv_err put_sample(struct cv_buf *out, const struct cv_sample *s, int64_t *prev_at,
			      uint32_t *has, int64_t col[C_COUNT])
{
	int64_t v[C_COUNT];
	uint64_t bits = 0;
	uint32_t h = s->has & HAS_MASK;
	enum cv_err e;

	cols_get(s, v);
	if (h != *has)
		bits |= 1;
	for (int c = 0; c < C_COUNT; c++)
		if ((h >> col_group[c] & 1u) && v[c] != col[c])
			bits |= (uint64_t)1 << (c + 1);
	e = cv_wr_varint(out, (uint64_t)(s->at - *prev_at));
	if (!e)
		e = cv_wr_varint(out, bits);
	if (!e && (bits & 1))
		e = cv_wr_varint(out, h);
	for (int c = 0; c < C_COUNT && !e; c++) {
		if (!(bits >> (c + 1) & 1))
			continue;
		e = cv_wr_varint(out, cv_zigzag((int64_t)((uint64_t)v[c] - (uint64_t)col[c])));
		col[c] = v[c];
	}
	*prev_at = s->at;
	*has = h;
	return e;
}

enum cv_err cv_tblock_pack(const struct cv_sample *s, size_t n, struct cv_buf *out, size_t *used)
{
	struct cv_buf body = CV_BUF_INIT(0);
	int64_t prev_at = s[0].at, col[C_COUNT] = { 0 };
	uint32_t has = 0, common = HAS_MASK;
	size_t i = 0;
	enum cv_err e = CV_OK;

	*used = 0;
	if (!n)
		return CV_EINVAL;
	while (i < n && !e) {
		size_t mark = body.len;
		int64_t mark_at = prev_at, mark_col[C_COUNT];
		uint32_t mark_has = has;

		if (i && (i == CV_TBLOCK_MAX || s[i].at <= prev_at || s[i].at - s[0].at >= CV_TBLOCK_SPAN_MS))
			break;
		memcpy(mark_col, col, sizeof(col));
		e = put_sample(&body, &s[i], &prev_at, &has, col);
		if (!e && i && body.len > CV_TBLOCK_BYTES) {
			/* over the size: this sample starts the next block */
			body.len = mark;
			prev_at = mark_at;
			has = mark_has;
			memcpy(col, mark_col, sizeof(col));
			break;
		}
		common &= has;
		i++;
	}
	if (!e)
		e = cv_wr_uint(out, CV_TBLOCK_V, 1);
	if (!e)
		e = cv_wr_varint(out, i);
	if (!e)
		e = cv_wr_varint(out, (uint64_t)(prev_at - s[0].at));
	if (!e)
		e = cv_wr_varint(out, common);
	if (!e)
		e = cv_buf_add(out, body.p, body.len);
	cv_buf_release(&body);
	if (!e)
		*used = i;
	return e;
}

/* Read a block's header (see tblock.h) and where the samples begin. */
static enum cv_err header(const void *p, size_t len, int64_t first_at, struct cv_tblock_info *bi, size_t *off)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	uint64_t n, span, common;

	bi->version = (uint8_t)cv_rd_uint(&r, 1);
	if (first_at < 0 || (bi->version != CV_TBLOCK_V && bi->version != TBLOCK_V2))
		return CV_EINVAL;
	n = cv_rd_varint(&r);
	span = cv_rd_varint(&r);
	common = cv_rd_varint(&r);
	if (r.bad || n < 1 || n > len || span > (uint64_t)(INT64_MAX - first_at) || (common & ~(uint64_t)HAS_MASK))
		return CV_EINVAL;
	bi->count = (size_t)n;
	bi->last_at = first_at + (int64_t)span;
	bi->common = (uint32_t)common;
	*off = r.off;
	return CV_OK;
}

enum cv_err cv_tblock_open(struct cv_tblock_rd *rd, const void *p, size_t len, int64_t first_at)
{
	struct cv_tblock_info bi;
	enum cv_err e;

	memset(rd, 0, sizeof(*rd));
	rd->p = p;
	rd->len = len;
	rd->first_at = rd->at = rd->last_at = first_at;
	if (len && rd->p[0] == SAMPLE_V1) {
		rd->single = true;
		rd->left = 1;
		return CV_OK;
	}
	e = header(p, len, first_at, &bi, &rd->off);
	if (!e) {
		rd->ncols = bi.version == TBLOCK_V2 ? C_COUNT_V2 : C_COUNT;
		rd->left = bi.count;
		rd->last_at = bi.last_at;
		rd->common = bi.common;
	}
	return e;
}

enum cv_err cv_tblock_info(const void *p, size_t len, int64_t first_at, struct cv_tblock_info *bi)
{
	size_t off;

	if (len && *(const unsigned char *)p == SAMPLE_V1) {
		bi->version = SAMPLE_V1;
		bi->count = 1;
		bi->last_at = first_at;
		bi->common = cv_sample_peek_has(p, len);
		return CV_OK;
	}
	return header(p, len, first_at, bi, &off);
}

enum cv_err cv_tblock_step(struct cv_tblock_rd *rd)
{
	struct cv_rd r = CV_RD_INIT(rd->p, rd->len);
	uint64_t dt, bits;

	if (!rd->left)
		return CV_ENOTFOUND;
	if (rd->single) {
		rd->left = 0;
		rd->read = 1;
		rd->has = cv_sample_peek_has(rd->p, rd->len);
		return rd->has ? CV_OK : CV_EINVAL;
	}
	r.off = rd->off;
	dt = cv_rd_varint(&r);
	bits = cv_rd_varint(&r);
	/* times ascend strictly: only the first sample has dt 0 */
	if (r.bad || bits >> (rd->ncols + 1) || dt > (uint64_t)(INT64_MAX - rd->at) || (dt == 0) != (rd->read == 0))
		goto bad;
	if (bits & 1) {
		uint64_t h = cv_rd_varint(&r);

		if (h & ~(uint64_t)HAS_MASK)
			goto bad;
		rd->has = (uint32_t)h;
	}
	for (int c = 0; c < rd->ncols; c++)
		if (bits >> (c + 1) & 1)
			rd->col[c] = (int64_t)((uint64_t)rd->col[c] + (uint64_t)cv_unzigzag(cv_rd_varint(&r)));
	if (r.bad || (rd->has & rd->common) != rd->common)
		goto bad;       /* cut short, or not the groups the header says all have */
	rd->at += (int64_t)dt;
	rd->off = r.off;
	rd->left--;
	rd->read++;
	if (!rd->left && (rd->off != rd->len || rd->at != rd->last_at))
		goto bad;       /* trailing bytes, or not the span the header says */
	return CV_OK;
bad:
	rd->left = 0;
	return CV_EINVAL;
}

enum cv_err cv_tblock_next(struct cv_tblock_rd *rd, struct cv_sample *s)
{
	enum cv_err e;

	if (rd->single && rd->left) {
		rd->left = 0;
		rd->read = 1;
		return cv_sample_decode(rd->p, rd->len, rd->first_at, s);
	}
	e = cv_tblock_step(rd);
	if (e)
		return e;
	memset(s, 0, offsetof(struct cv_sample, events));
	s->at = rd->at;
	s->has = rd->has;
	cols_set(s, rd->col);
	return CV_OK;
}

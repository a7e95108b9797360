/* monitor.c - a monitor's triggers (see monitor.h). */
#include "monitor.h"
#include "trip.h"

#include <stdio.h>
#include <string.h>

const char *const cv_mon_op_names[5] = { "equalsTo", "greaterThan", "lowerThan", "includedIn", "onChange" };

static const char *const bool_names[2] = { "false", "true" };

enum dtype { T_NUM, T_ENUM, T_BOOL, T_OPAQUE };

/* A data the engine can watch: where it is in the state, and how it compares. */
struct data_def {
	const char *name;
	uint8_t type;                       /* enum dtype */
	uint8_t decimals;                   /* T_NUM: fixed-point digits */
	uint8_t faces;                      /* 1 B2C, 2 B2B */
	const char *const *names;           /* T_ENUM */
	size_t nnames;
	bool (*get)(const struct cv_sample *s, int64_t *v);
};

#define HAS(s, g) CV_HAS(s, g)
static bool g_odo(const struct cv_sample *s, int64_t *v) { *v = s->odo_hm; return HAS(s, CV_G_ODO); }
static bool g_elev(const struct cv_sample *s, int64_t *v) { *v = s->elec_level; return HAS(s, CV_G_ELEC); }
static bool g_eaut(const struct cv_sample *s, int64_t *v) { *v = s->elec_autonomy; return HAS(s, CV_G_ELEC); }
static bool g_flev(const struct cv_sample *s, int64_t *v) { *v = s->fuel_level; return HAS(s, CV_G_FUEL); }
static bool g_faut(const struct cv_sample *s, int64_t *v) { *v = s->fuel_autonomy; return HAS(s, CV_G_FUEL); }
static bool g_aut(const struct cv_sample *s, int64_t *v)
{
	*v = (HAS(s, CV_G_FUEL) ? s->fuel_autonomy : 0) + (HAS(s, CV_G_ELEC) ? s->elec_autonomy : 0);
	return HAS(s, CV_G_FUEL) || HAS(s, CV_G_ELEC);
}
static bool g_chg(const struct cv_sample *s, int64_t *v) { *v = s->chg_status; return HAS(s, CV_G_CHARGE); }
static bool g_plug(const struct cv_sample *s, int64_t *v) { *v = s->plugged != 0; return HAS(s, CV_G_CHARGE); }
static bool g_mode(const struct cv_sample *s, int64_t *v) { *v = s->chg_mode; return HAS(s, CV_G_CHARGE); }
static bool g_lock(const struct cv_sample *s, int64_t *v) { *v = s->lock; return HAS(s, CV_G_DOORS); }
static bool g_open(const struct cv_sample *s, int64_t *v) { *v = s->doors_open; return HAS(s, CV_G_DOORS); }
static bool g_moving(const struct cv_sample *s, int64_t *v) { *v = s->speed_dkmh > 0; return HAS(s, CV_G_KIN); }
static bool g_speed(const struct cv_sample *s, int64_t *v) { *v = s->speed_dkmh; return HAS(s, CV_G_KIN); }
static bool g_air(const struct cv_sample *s, int64_t *v) { *v = s->air_temp_dc; return HAS(s, CV_G_AIR); }
static bool g_priv(const struct cv_sample *s, int64_t *v) { *v = s->privacy; return HAS(s, CV_G_PRIVACY); }
static bool g_pre(const struct cv_sample *s, int64_t *v) { *v = s->precond; return HAS(s, CV_G_PRECOND); }
static bool g_mdays(const struct cv_sample *s, int64_t *v) { *v = s->maint_days; return HAS(s, CV_G_MAINT); }
static bool g_mkm(const struct cv_sample *s, int64_t *v) { *v = s->maint_dkm; return HAS(s, CV_G_MAINT); }

#define NAMES(a) (a), (sizeof(a) / sizeof((a)[0]))
static const struct data_def datas[] = {
	{ "vehicle.odometer", T_NUM, 1, 3, NULL, 0, g_odo },
	{ "vehicle.energy.electric.level", T_NUM, 1, 3, NULL, 0, g_elev },
	{ "vehicle.energy.electric.autonomy", T_NUM, 0, 3, NULL, 0, g_eaut },
	{ "vehicle.energy.fuel.level", T_NUM, 1, 3, NULL, 0, g_flev },
	{ "vehicle.energy.fuel.autonomy", T_NUM, 0, 3, NULL, 0, g_faut },
	{ "vehicle.autonomy", T_NUM, 0, 3, NULL, 0, g_aut },
	{ "vehicle.energy.charging.status", T_ENUM, 0, 3, NAMES(cv_chg_names), g_chg },
	{ "vehicle.energy.charging.plugged", T_BOOL, 0, 3, NAMES(bool_names), g_plug },
	{ "vehicle.energy.charging.type", T_ENUM, 0, 3, NAMES(cv_chgmode_names), g_mode },
	{ "vehicle.doorsState.lockedState", T_ENUM, 0, 3, NAMES(cv_lock_names), g_lock },
	{ "vehicle.doorsState.opening", T_OPAQUE, 0, 3, NULL, 0, g_open },
	{ "vehicle.kinetic.moving", T_BOOL, 0, 3, NAMES(bool_names), g_moving },
	{ "vehicle.kinetic.speed", T_NUM, 1, 3, NULL, 0, g_speed },
	{ "environment.air.temp", T_NUM, 1, 3, NULL, 0, g_air },
	{ "privacy.state", T_ENUM, 0, 3, NAMES(cv_privacy_names), g_priv },
	{ "vehicle.preconditioning.airConditioning", T_ENUM, 0, 3, NAMES(cv_precond_names), g_pre },
	{ "vehicle.maintenance.daysBeforeMaintenance", T_NUM, 0, 2, NULL, 0, g_mdays },
	{ "vehicle.maintenance.mileageBeforeMaintenance", T_NUM, 1, 2, NULL, 0, g_mkm },
};
#define NDATAS (sizeof(datas) / sizeof(datas[0]))

const char *const cv_mon_data_names[] = {
	"vehicle.odometer", "vehicle.energy.electric.level", "vehicle.energy.electric.autonomy",
	"vehicle.energy.fuel.level", "vehicle.energy.fuel.autonomy", "vehicle.autonomy",
	"vehicle.energy.charging.status", "vehicle.energy.charging.plugged", "vehicle.energy.charging.type",
	"vehicle.doorsState.lockedState", "vehicle.doorsState.opening", "vehicle.kinetic.moving",
	"vehicle.kinetic.speed", "environment.air.temp", "privacy.state", "vehicle.preconditioning.airConditioning",
	"vehicle.maintenance.daysBeforeMaintenance", "vehicle.maintenance.mileageBeforeMaintenance",
};
const size_t cv_mon_data_count = NDATAS;

/* The faces' DataTrigger names that the vehicle link does not carry (yet). */
static const char *const not_carried[] = {
	"vehicle.alert", "vehicle.powertrain.status", "vehicle.engines.thermic.oil.temp", "vehicle.trip",
	"vehicle.trip.start", "vehicle.trip.stop", "vehicle.trip.duration", "vehicle.trip.distance",
	"vehicle.trip.state", "vehicle.safety.beltWarning", "vehicle.drivingBehavior.mode",
	"vehicle.safety.autoECallTriggering", "vehicle.alarm.trigger.type", "vehicle.alarm.status.activation",
	"vehicle.collision.side", "vehicle.collision.severity", "stolen.state",
};

/* ---- reading ------------------------------------------------------------ */

/* "12", "-3.5": a fixed-point number with at most `decimals` digits after the point. */
static bool parse_fixed(const char *s, int decimals, int64_t *out)
{
	int64_t v = 0;
	int frac = -1;
	bool neg = false, digits = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || v > 1000000000000LL)
			return false;
		if (frac >= 0 && ++frac > decimals)
			return false;
		v = v * 10 + (*s - '0');
		digits = true;
	}
	if (!digits)
		return false;
	for (int i = frac < 0 ? 0 : frac; i < decimals; i++)
		v *= 10;
	*out = neg ? -v : v;
	return true;
}

/* op and value[] of a condition on data d, at jr's path ("triggers[0].data", "...data.previous"). */
static void read_cond(struct cv_jread *jr, json_object *o, const struct data_def *d, bool previous,
		      struct cv_mon_cond *c)
{
	json_object *vals;
	size_t n;
	int k;

	c->op = 0;
	c->nvalues = 0;
	if (!cv_jr_enum(jr, o, "op", cv_mon_op_names, 5, CV_JR_REQUIRED, &k))
		return;
	if (previous && k != CV_OP_EQUALS && k != CV_OP_INCLUDED)
		cv_jr_fail(jr, "op", "must be one of equalsTo, includedIn");
	else if ((d->type == T_OPAQUE && k != CV_OP_CHANGE) ||
		 ((d->type == T_ENUM || d->type == T_BOOL) && (k == CV_OP_GREATER || k == CV_OP_LOWER)) ||
		 (d->type == T_BOOL && k == CV_OP_INCLUDED) || (d->type == T_NUM && k == CV_OP_INCLUDED))
		cv_jr_fail(jr, "op", "%s does not apply to %s", cv_mon_op_names[k], d->name);
	c->op = (uint8_t)k;
	if (k == CV_OP_CHANGE) {
		if (cv_jr_has(o, "value"))
			cv_jr_fail(jr, "value", "onChange takes no value");
		return;
	}
	vals = cv_jr_array(jr, o, "value", 1, k == CV_OP_INCLUDED ? CV_MON_VALUES : 1, CV_JR_REQUIRED, &n);
	cv_jr_enter(jr, "value");
	for (size_t i = 0; vals && i < n && !jr->failed; i++) {
		json_object *x = json_object_array_get_idx(vals, i);
		const char *s = json_object_is_type(x, json_type_string) ? json_object_get_string(x) : "";
		int64_t v = 0;
		int e;

		cv_jr_enter_item(jr, i);
		if (d->type != T_NUM && cv_jr_enum(jr, x, NULL, d->names, d->nnames, CV_JR_REQUIRED, &e))
			v = e;
		else if (d->type == T_NUM && !parse_fixed(s, d->decimals, &v))
			cv_jr_fail(jr, NULL, "must be a number with at most %d decimals in a string (\"12.5\")", d->decimals);
		cv_jr_leave(jr);
		c->values[c->nvalues++] = v;
	}
	cv_jr_leave(jr);
}

/* A data trigger {data, op, value[, previous]}, at jr's path ("triggers[0].data"). */
static void read_data(struct cv_jread *jr, json_object *o, bool b2b, struct cv_mon_trigger *t)
{
	static const char *const names_b2c[] = { "data", "op", "value", "previous", NULL };
	static const char *const names_b2b[] = { "data", "op", "value", NULL };
	static const char *const names_prev[] = { "op", "value", NULL };
	json_object *pv;
	const char *name;
	size_t i;

	if (!cv_jr_object(jr, o, NULL, b2b ? names_b2b : names_b2c, CV_JR_REQUIRED) ||
	    !cv_jr_string(jr, o, "data", 64, CV_JR_REQUIRED, &name))
		return;
	for (i = 0; i < NDATAS; i++)
		if (!strcmp(datas[i].name, name) && (datas[i].faces & (b2b ? 2 : 1)))
			break;
	if (i == NDATAS) {
		if (cv_name_index(name, not_carried, CV_ARRAY_LEN(not_carried)) >= 0)
			cv_jr_fail(jr, "data", "%.60s is not watched by this server (the vehicle link does not carry it)",
				   name);
		else
			cv_jr_fail(jr, "data", "unknown data name \"%.60s\"", name);
		return;
	}
	t->kind = CV_MON_DATA;
	t->data = (uint8_t)i;
	read_cond(jr, o, &datas[i], false, &t->cond);
	t->has_previous = 0;
	if ((pv = cv_jr_object(jr, o, "previous", names_prev, CV_JR_OPTIONAL)) != NULL) {
		cv_jr_enter(jr, "previous");
		read_cond(jr, pv, &datas[i], true, &t->previous);
		cv_jr_leave(jr);
		t->has_previous = 1;
	}
}

/* A zone trigger {transition, place: {center: {latitude, longitude}, radius}}, at jr's path. */
static void read_zone(struct cv_jread *jr, json_object *o, struct cv_mon_trigger *t)
{
	static const char *const names[] = { "transition", "place", NULL };
	static const char *const place_names[] = { "center", "radius", NULL };
	static const char *const center_names[] = { "latitude", "longitude", NULL };
	static const char *const transitions[] = { "In", "Out" };
	json_object *place, *center;
	double lat = 0, lon = 0, radius = 0;
	int out = 0;

	if (!cv_jr_object(jr, o, NULL, names, CV_JR_REQUIRED))
		return;
	cv_jr_enum(jr, o, "transition", transitions, 2, CV_JR_REQUIRED, &out);
	place = cv_jr_object(jr, o, "place", place_names, CV_JR_REQUIRED);
	cv_jr_enter(jr, "place");
	if (cv_jr_number(jr, place, "radius", 0, CV_MON_RADIUS_MAX_KM, CV_JR_REQUIRED, &radius) && !(radius > 0))
		cv_jr_fail(jr, "radius", "must be above 0 km");
	center = cv_jr_object(jr, place, "center", center_names, CV_JR_REQUIRED);
	cv_jr_enter(jr, "center");
	cv_jr_number(jr, center, "latitude", -90, 90, CV_JR_REQUIRED, &lat);
	cv_jr_number(jr, center, "longitude", -180, 180, CV_JR_REQUIRED, &lon);
	cv_jr_leave(jr);
	cv_jr_leave(jr);
	t->kind = CV_MON_ZONE;
	t->out = (uint8_t)out;
	t->lat_e7 = (int32_t)(lat * 1e7 + (lat < 0 ? -0.5 : 0.5));
	t->lon_e7 = (int32_t)(lon * 1e7 + (lon < 0 ? -0.5 : 0.5));
	t->radius_m = (int32_t)(radius * 1000 + 0.5);
	if (t->radius_m < 1)
		t->radius_m = 1;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CV_MON_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

/* The expression of a monitor posted without one: every trigger ("a & b & c"). */
#define ALL_OF_MAX (CV_MON_TRIGGERS * (CV_MON_NAME_MAX + 3) + 1)
static void all_of(const struct cv_mon_def *def, char out[ALL_OF_MAX])
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < def->ntrig && at < ALL_OF_MAX; i++)
		at += (size_t)snprintf(out + at, ALL_OF_MAX - at, "%s%s", i ? " & " : "", def->trig[i].name);
}

/* triggers[i]: {name, and one of zone, time, data}, at jr's path ("triggerParam.triggers[0]"). */
static void read_trigger(struct cv_jread *jr, json_object *o, bool b2b, const char *const *names, size_t i,
			 struct cv_mon_trigger *t)
{
	static const char *const members[] = { "name", "zone", "time", "data", NULL };
	json_object *kv;
	const char *name;

	if (!cv_jr_object(jr, o, NULL, members, CV_JR_REQUIRED) ||
	    !cv_jr_string(jr, o, "name", CV_MON_NAME_MAX, CV_JR_REQUIRED, &name))
		return;
	if (!name_ok(name))
		cv_jr_fail(jr, "name", "must be 1 to %d letters, digits, '.', '-' or '_'", CV_MON_NAME_MAX);
	if (cv_name_index(name, names, i) >= 0)
		cv_jr_fail(jr, "name", "\"%s\" names two triggers", name);
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (cv_jr_has(o, "zone") + cv_jr_has(o, "time") + cv_jr_has(o, "data") != 1)
		cv_jr_fail(jr, NULL, "must hold exactly one of zone, time or data");
	if (jr->failed)
		return;
	if (json_object_object_get_ex(o, "time", &kv)) {
		cv_jr_enter(jr, "time");
		cv_tw_parse(jr, kv, &t->tw);
		cv_jr_leave(jr);
		t->kind = CV_MON_TIME;
	} else if (json_object_object_get_ex(o, "zone", &kv)) {
		cv_jr_enter(jr, "zone");
		read_zone(jr, kv, t);
		cv_jr_leave(jr);
	} else {
		json_object_object_get_ex(o, "data", &kv);
		cv_jr_enter(jr, "data");
		read_data(jr, kv, b2b, t);
		cv_jr_leave(jr);
	}
}

enum cv_err cv_mon_parse(struct cv_jread *jr, json_object *tp, bool b2b, struct cv_mon_def *def)
{
	static const char *const members[] = { "triggers", "boolExp", NULL };
	json_object *trs, *ex;
	const char *names[CV_MON_TRIGGERS];
	char e[160];
	size_t n;

	memset(def, 0, sizeof(*def));
	if (!cv_jr_object(jr, tp, NULL, members, CV_JR_REQUIRED))
		return CV_EINVAL;
	trs = cv_jr_array(jr, tp, "triggers", 1, CV_MON_TRIGGERS, CV_JR_REQUIRED, &n);
	cv_jr_enter(jr, "triggers");
	for (size_t i = 0; trs && i < n && !jr->failed; i++) {
		cv_jr_enter_item(jr, i);
		read_trigger(jr, json_object_array_get_idx(trs, i), b2b, names, i, &def->trig[i]);
		cv_jr_leave(jr);
		names[i] = def->trig[i].name;
	}
	cv_jr_leave(jr);
	if (jr->failed)
		return CV_EINVAL;
	def->ntrig = n;
	if (json_object_object_get_ex(tp, "boolExp", &ex)) {
		const char *s = json_object_is_type(ex, json_type_string) ? json_object_get_string(ex) : NULL;

		if (!s)
			cv_jr_fail(jr, "boolExp", "must be a string (trigger names with &, |, ! and parentheses)");
		else if (cv_boolexp_parse(s, names, n, &def->exp, e, sizeof(e)) != CV_OK)
			cv_jr_fail(jr, "boolExp", "%s", e);
		else
			snprintf(def->exp_text, sizeof(def->exp_text), "%s", s);
	} else {
		/* all of them */
		char all[ALL_OF_MAX];

		all_of(def, all);
		if (cv_boolexp_parse(all, names, n, &def->exp, e, sizeof(e)) != CV_OK)
			cv_jr_fail(jr, NULL, "%s", e);
	}
	return jr->failed ? CV_EINVAL : CV_OK;
}

/* ---- writing ------------------------------------------------------------ */

static void value_str(const struct data_def *d, int64_t v, char *out, size_t n)
{
	if (d->type != T_NUM) {
		snprintf(out, n, "%s", v >= 0 && (size_t)v < d->nnames ? d->names[v] : "");
		return;
	}
	if (!d->decimals) {
		snprintf(out, n, "%lld", (long long)v);
	} else {
		int64_t p = 1, a = v < 0 ? -v : v;
		int len;

		for (int i = 0; i < d->decimals; i++)
			p *= 10;
		len = snprintf(out, n, "%s%lld.%0*lld", v < 0 ? "-" : "", (long long)(a / p), d->decimals,
			       (long long)(a % p));
		/* no trailing zeros, nor a lone point */
		while (len > 0 && (size_t)len < n && out[len - 1] == '0')
			out[--len] = '\0';
		if (len > 0 && (size_t)len < n && out[len - 1] == '.')
			out[--len] = '\0';
	}
}

static void render_cond(struct cv_jw *w, const struct data_def *d, const struct cv_mon_cond *c)
{
	cv_jw_kstr(w, "op", cv_mon_op_names[c->op]);
	if (c->op == CV_OP_CHANGE)
		return;
	cv_jw_key(w, "value");
	cv_jw_arr(w);
	for (size_t i = 0; i < c->nvalues; i++) {
		char s[48];

		value_str(d, c->values[i], s, sizeof(s));
		cv_jw_str(w, s);
	}
	cv_jw_end(w);
}

/* triggerParam; implied: the expression of a monitor posted without one said too. */
static void render_tp(struct cv_jw *w, const struct cv_mon_def *def, bool implied)
{
	cv_jw_obj(w);
	cv_jw_key(w, "triggers");
	cv_jw_arr(w);
	for (size_t i = 0; i < def->ntrig; i++) {
		const struct cv_mon_trigger *t = &def->trig[i];

		cv_jw_obj(w);
		cv_jw_kstr(w, "name", t->name);
		if (t->kind == CV_MON_ZONE) {
			cv_jw_key(w, "zone");
			cv_jw_obj(w);
			cv_jw_kstr(w, "transition", t->out ? "Out" : "In");
			cv_jw_key(w, "place");
			cv_jw_obj(w);
			cv_jw_kfixed(w, "radius", t->radius_m, 3);
			cv_jw_key(w, "center");
			cv_jw_obj(w);
			cv_jw_kfixed(w, "latitude", t->lat_e7, 7);
			cv_jw_kfixed(w, "longitude", t->lon_e7, 7);
			cv_jw_end(w);
			cv_jw_end(w);
			cv_jw_end(w);
		} else if (t->kind == CV_MON_TIME) {
			cv_jw_key(w, "time");
			cv_tw_render(w, &t->tw);
		} else {
			const struct data_def *d = &datas[t->data];

			cv_jw_key(w, "data");
			cv_jw_obj(w);
			cv_jw_kstr(w, "data", d->name);
			render_cond(w, d, &t->cond);
			if (t->has_previous) {
				cv_jw_key(w, "previous");
				cv_jw_obj(w);
				render_cond(w, d, &t->previous);
				cv_jw_end(w);
			}
			cv_jw_end(w);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
	if (def->exp_text[0]) {
		cv_jw_kstr(w, "boolExp", def->exp_text);
	} else if (implied) {
		/* posted without one: every trigger must hold, said as the expression it is */
		char all[ALL_OF_MAX];

		all_of(def, all);
		cv_jw_kstr(w, "boolExp", all);
	}
	cv_jw_end(w);
}

void cv_mon_render(struct cv_jw *w, const struct cv_mon_def *def)
{
	render_tp(w, def, true);
}

void cv_mon_render_given(struct cv_jw *w, const struct cv_mon_def *def)
{
	render_tp(w, def, false);
}

/* ---- packing ------------------------------------------------------------ */

#define PACK_VERSION 1

static enum cv_err pack_cond(struct cv_buf *b, const struct cv_mon_cond *c)
{
	enum cv_err e = cv_wr_uint(b, c->op, 1);

	if (!e)
		e = cv_wr_uint(b, c->nvalues, 1);
	for (size_t i = 0; i < c->nvalues && !e; i++)
		e = cv_wr_varint(b, cv_zigzag(c->values[i]));
	return e;
}

static void unpack_cond(struct cv_rd *rd, struct cv_mon_cond *c)
{
	c->op = (uint8_t)cv_rd_uint(rd, 1);
	c->nvalues = (uint8_t)cv_rd_uint(rd, 1);
	if (c->op > CV_OP_CHANGE || c->nvalues > CV_MON_VALUES) {
		rd->bad = true;
		return;
	}
	for (size_t i = 0; i < c->nvalues; i++)
		c->values[i] = cv_unzigzag(cv_rd_varint(rd));
}

enum cv_err cv_mon_pack(const struct cv_mon_def *def, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, PACK_VERSION, 1);

	if (!e)
		e = cv_wr_uint(out, def->ntrig, 1);
	for (size_t i = 0; i < def->ntrig && !e; i++) {
		const struct cv_mon_trigger *t = &def->trig[i];

		e = cv_wr_str(out, t->name);
		if (!e)
			e = cv_wr_uint(out, t->kind, 1);
		if (!e && t->kind == CV_MON_ZONE) {
			e = cv_wr_uint(out, (uint32_t)t->lat_e7, 4);
			if (!e)
				e = cv_wr_uint(out, (uint32_t)t->lon_e7, 4);
			if (!e)
				e = cv_wr_uint(out, (uint32_t)t->radius_m, 4);
			if (!e)
				e = cv_wr_uint(out, t->out, 1);
		} else if (!e && t->kind == CV_MON_DATA) {
			e = cv_wr_uint(out, t->data, 1);
			if (!e)
				e = pack_cond(out, &t->cond);
			if (!e)
				e = cv_wr_uint(out, t->has_previous, 1);
			if (!e && t->has_previous)
				e = pack_cond(out, &t->previous);
		} else if (!e && t->kind == CV_MON_TIME) {
			e = cv_tw_pack(&t->tw, out);
		}
	}
	if (!e)
		e = cv_wr_str(out, def->exp_text);
	if (!e)
		e = cv_wr_uint(out, def->exp.n, 1);
	for (size_t i = 0; i < def->exp.n && !e; i++) {
		e = cv_wr_uint(out, def->exp.node[i].op, 1);
		if (!e)
			e = cv_wr_uint(out, def->exp.node[i].var, 1);
	}
	return e;
}

enum cv_err cv_mon_unpack(struct cv_rd *rd, struct cv_mon_def *def)
{
	memset(def, 0, sizeof(*def));
	if (cv_rd_uint(rd, 1) != PACK_VERSION)
		rd->bad = true;
	def->ntrig = (size_t)cv_rd_uint(rd, 1);
	if (def->ntrig < 1 || def->ntrig > CV_MON_TRIGGERS)
		rd->bad = true;
	for (size_t i = 0; i < def->ntrig && !rd->bad; i++) {
		struct cv_mon_trigger *t = &def->trig[i];

		cv_rd_str(rd, t->name, sizeof(t->name));
		t->kind = (uint8_t)cv_rd_uint(rd, 1);
		if (t->kind == CV_MON_ZONE) {
			t->lat_e7 = (int32_t)(uint32_t)cv_rd_uint(rd, 4);
			t->lon_e7 = (int32_t)(uint32_t)cv_rd_uint(rd, 4);
			t->radius_m = (int32_t)(uint32_t)cv_rd_uint(rd, 4);
			t->out = (uint8_t)cv_rd_uint(rd, 1);
		} else if (t->kind == CV_MON_DATA) {
			t->data = (uint8_t)cv_rd_uint(rd, 1);
			if (t->data >= NDATAS)
				rd->bad = true;
			unpack_cond(rd, &t->cond);
			t->has_previous = (uint8_t)cv_rd_uint(rd, 1);
			if (t->has_previous)
				unpack_cond(rd, &t->previous);
		} else if (t->kind == CV_MON_TIME) {
			cv_tw_unpack(rd, &t->tw);
		} else {
			rd->bad = true;
		}
	}
	cv_rd_str(rd, def->exp_text, sizeof(def->exp_text));
	def->exp.n = (size_t)cv_rd_uint(rd, 1);
	if (def->exp.n < 1 || def->exp.n > CV_BX_NODES_MAX)
		rd->bad = true;
	/* a well-formed postfix program, as the evaluator assumes: the stack never runs dry and ends with one value */
	size_t depth = 0;

	for (size_t i = 0; i < def->exp.n && !rd->bad; i++) {
		uint8_t op = (uint8_t)cv_rd_uint(rd, 1), var = (uint8_t)cv_rd_uint(rd, 1);

		def->exp.node[i].op = op;
		def->exp.node[i].var = var;
		if (op == CV_BX_VAR && var < def->ntrig)
			depth++;
		else if (op == CV_BX_NOT && depth >= 1)
			;
		else if ((op == CV_BX_AND || op == CV_BX_OR) && depth >= 2)
			depth--;
		else
			rd->bad = true;
	}
	if (depth != 1)
		rd->bad = true;
	return rd->bad ? CV_EINVAL : CV_OK;
}

/* ---- evaluating --------------------------------------------------------- */

static bool cond_holds(const struct cv_mon_cond *c, int64_t v)
{
	switch (c->op) {
	case CV_OP_EQUALS: return v == c->values[0];
	case CV_OP_GREATER: return v > c->values[0];
	case CV_OP_LOWER: return v < c->values[0];
	case CV_OP_INCLUDED:
		for (size_t i = 0; i < c->nvalues; i++)
			if (v == c->values[i])
				return true;
		return false;
	default: return false;
	}
}

static bool trigger_holds(const struct cv_mon_trigger *t, const struct cv_state *before, const struct cv_state *after,
			  int64_t at)
{
	if (t->kind == CV_MON_TIME)
		return at > 0 && cv_tw_holds(&t->tw, at);
	if (t->kind == CV_MON_ZONE) {
		bool inside;

		int64_t dlat = (int64_t)after->v.lat_e7 - t->lat_e7;

		if (!CV_HAS(&after->v, CV_G_POS))
			return false;
		/* farther north or south than the radius (a degree of latitude is
		 * over 110 km everywhere): outside, without the trigonometry */
		if ((dlat < 0 ? -dlat : dlat) > (int64_t)t->radius_m * 100 + 10000)
			inside = false;
		else
			inside = cv_geo_dist_m(t->lat_e7, t->lon_e7, after->v.lat_e7, after->v.lon_e7) <= (double)t->radius_m;
		return t->out ? !inside : inside;
	}
	if (t->kind == CV_MON_DATA) {
		const struct data_def *d = &datas[t->data];
		int64_t now, then;
		bool had = before && d->get(&before->v, &then);

		if (!d->get(&after->v, &now))
			return false;
		if (t->cond.op == CV_OP_CHANGE) {
			if (!had || now == then)
				return false;
		} else if (!cond_holds(&t->cond, now)) {
			return false;
		}
		if (t->has_previous)
			return had && cond_holds(&t->previous, then);
		return true;
	}
	return false;
}

uint32_t cv_mon_truths(const struct cv_mon_def *def, const struct cv_state *before, const struct cv_state *after,
		       int64_t at)
{
	uint32_t m = 0;

	for (size_t i = 0; i < def->ntrig; i++)
		if (trigger_holds(&def->trig[i], before, after, at))
			m |= 1u << i;
	return m;
}

bool cv_mon_eval(const struct cv_mon_def *def, const struct cv_state *before, const struct cv_state *after, int64_t at)
{
	return cv_boolexp_eval(&def->exp, cv_mon_truths(def, before, after, at));
}

bool cv_mon_timed(const struct cv_mon_def *def)
{
	for (size_t i = 0; i < def->ntrig; i++)
		if (def->trig[i].kind == CV_MON_TIME)
			return true;
	return false;
}

void cv_mon_render_values(struct cv_jw *w, const struct cv_mon_def *def, uint32_t truths,
			  const struct cv_state *before, const struct cv_state *after)
{
	cv_jw_arr(w);
	for (size_t i = 0; i < def->ntrig; i++) {
		const struct cv_mon_trigger *t = &def->trig[i];
		const struct data_def *d;
		int64_t v;
		char s[48];

		if (!(truths & (1u << i)) || t->kind != CV_MON_DATA)
			continue;
		d = &datas[t->data];
		if (!d->get(&after->v, &v))
			continue;
		value_str(d, v, s, sizeof(s));
		cv_jw_obj(w);
		cv_jw_kstr(w, "data", d->name);
		cv_jw_key(w, "value");
		cv_jw_obj(w);
		cv_jw_kstr(w, "type", "string");
		cv_jw_key(w, "body");
		cv_jw_obj(w);
		cv_jw_kstr(w, "literalValue", s);
		cv_jw_end(w);
		cv_jw_end(w);
		if (t->has_previous && before && d->get(&before->v, &v)) {
			value_str(d, v, s, sizeof(s));
			cv_jw_kstr(w, "previous", s);
		}
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

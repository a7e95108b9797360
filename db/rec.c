/* rec.c - record encodings (see rec.h). */
#include "rec.h"
#include "cbattr.h"
#include "pack.h"
#include "jw.h"
#include "ids.h"

#include <string.h>

const char *const cv_scope_names[CV_SC_COUNT] = {
	[CV_SC_TELEMETRY] = "data:telemetry",
	[CV_SC_POSITION] = "data:position",
	[CV_SC_TRIP] = "data:trip",
	[CV_SC_ALERT] = "data:alert",
	[CV_SC_COLLISION] = "data:collision",
	[CV_SC_R_DOOR] = "remote:door:write",
	[CV_SC_R_PRECOND] = "remote:preconditioning:write",
	[CV_SC_R_HORN] = "remote:horn:write",
	[CV_SC_R_CHARGING] = "remote:charging:write",
	[CV_SC_R_LIGHTS] = "remote:lights:write",
	[CV_SC_R_WAKEUP] = "remote:wakeup:write",
	[CV_SC_R_NAVIGATION] = "remote:navigation:write",
	[CV_SC_VEHICLE_PNC] = "data:vehicle:devices:pnc",
	[CV_SC_FLEET] = "fleet",
};

enum cv_err cv_scopes_parse(const char *s, uint32_t *mask, const char **bad, size_t *badlen)
{
	uint32_t m = 0;

	while (*s) {
		const char *e;
		size_t n;
		int i;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		for (e = s; *e && *e != ' '; e++)
			;
		n = (size_t)(e - s);
		for (i = 0; i < CV_SC_COUNT; i++)
			if (strlen(cv_scope_names[i]) == n && !memcmp(cv_scope_names[i], s, n))
				break;
		if (i == CV_SC_COUNT) {
			*bad = s;
			*badlen = n;
			return CV_EINVAL;
		}
		m |= CV_SC_BIT(i);
		s = e;
	}
	*mask = m;
	return CV_OK;
}

enum cv_err cv_scopes_fmt(uint32_t mask, struct cv_buf *out)
{
	bool first = true;
	enum cv_err e = CV_OK;

	for (int i = 0; i < CV_SC_COUNT && !e; i++) {
		if (!(mask & CV_SC_BIT(i)))
			continue;
		if (!first)
			e = cv_buf_addc(out, ' ');
		if (!e)
			e = cv_buf_adds(out, cv_scope_names[i]);
		first = false;
	}
	return e;
}

/* ---- JSON records ------------------------------------------------------- */

static json_object *parse_obj(const char *json, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	if (!tok)
		cv_die("out of memory (json_tokener_new)");
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void get_str(json_object *o, const char *key, char *dst, size_t dstsz)
{
	json_object *v;

	dst[0] = '\0';
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		cv_strlcpy(dst, json_object_get_string(v), dstsz);
}

static int64_t get_i64(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

/* An integer in [0, max]; 0 when absent or out of bounds. */
static int64_t get_bounded(json_object *o, const char *key, int64_t max)
{
	int64_t v = get_i64(o, key);

	return v >= 0 && v <= max ? v : 0;
}

enum cv_err cv_user_encode(const struct cv_user *u, struct cv_buf *out)
{
	struct cv_jw w;

	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "login", u->login);
	cv_jw_kstr(&w, "hash", u->hash);
	cv_jw_kstr(&w, "firstName", u->first);
	cv_jw_kstr(&w, "lastName", u->last);
	cv_jw_kstr(&w, "email", u->email);
	cv_jw_kint(&w, "created", u->created);
	cv_jw_kint(&w, "updated", u->updated);
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_user_decode(const char *json, size_t len, struct cv_user *u)
{
	json_object *o = parse_obj(json, len);

	if (!o)
		return CV_EINVAL;
	get_str(o, "login", u->login, sizeof(u->login));
	get_str(o, "hash", u->hash, sizeof(u->hash));
	get_str(o, "firstName", u->first, sizeof(u->first));
	get_str(o, "lastName", u->last, sizeof(u->last));
	get_str(o, "email", u->email, sizeof(u->email));
	u->created = get_i64(o, "created");
	u->updated = get_i64(o, "updated");
	json_object_put(o);
	return CV_OK;
}

enum cv_err cv_client_encode(const struct cv_client *c, struct cv_buf *out)
{
	struct cv_jw w;

	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "id", c->id);
	cv_jw_kstr(&w, "name", c->name);
	cv_jw_kstr(&w, "secretSha256", c->secret_sha256);
	cv_jw_kint(&w, "scopes", c->scopes);
	cv_jw_kint(&w, "fleetScope", 1);            /* scopes has a fleet bit (see cv_client_decode) */
	cv_jw_kint(&w, "created", c->created);
	for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
		if (c->limits[i] < 0)
			continue;
		/* only when some limit is not the default */
		cv_jw_key(&w, "limits");
		cv_jw_arr(&w);
		for (size_t j = 0; j < CV_CLIENT_LIMITS; j++)
			cv_jw_int(&w, c->limits[j]);
		cv_jw_end(&w);
		break;
	}
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_client_decode(const char *json, size_t len, struct cv_client *c)
{
	json_object *o = parse_obj(json, len);

	if (!o)
		return CV_EINVAL;
	get_str(o, "id", c->id, sizeof(c->id));
	get_str(o, "name", c->name, sizeof(c->name));
	get_str(o, "secretSha256", c->secret_sha256, sizeof(c->secret_sha256));
	c->scopes = (uint32_t)get_i64(o, "scopes");
	/* a client recorded before `fleet` existed (no fleetScope) with every scope has every scope still */
	if (!get_i64(o, "fleetScope") && c->scopes == CV_SC_DEFAULT)
		c->scopes = CV_SC_ALL;
	c->created = get_i64(o, "created");
	{
		json_object *l;

		for (size_t i = 0; i < CV_CLIENT_LIMITS; i++)
			c->limits[i] = -1;
		if (json_object_object_get_ex(o, "limits", &l) && json_object_is_type(l, json_type_array) &&
		    json_object_array_length(l) == CV_CLIENT_LIMITS)
			for (size_t i = 0; i < CV_CLIENT_LIMITS; i++) {
				json_object *v = json_object_array_get_idx(l, i);

				if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0)
					c->limits[i] = json_object_get_int64(v);
			}
	}
	json_object_put(o);
	return CV_OK;
}

enum cv_err cv_vehicle_encode(const struct cv_vehicle *v, struct cv_buf *out)
{
	struct cv_jw w;

	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "id", v->id);
	cv_jw_kstr(&w, "vin", v->vin);
	cv_jw_kstr(&w, "brand", v->brand);
	cv_jw_kstr(&w, "label", v->label);
	cv_jw_kstr(&w, "energy", cv_energy_names[v->energy < CV_ENERGY_COUNT ? v->energy : 0]);
	if (v->battery_wh)
		cv_jw_kint(&w, "batteryWh", v->battery_wh);
	if (v->tank_cl)
		cv_jw_kint(&w, "tankCl", v->tank_cl);
	cv_jw_kstr(&w, "owner", v->owner);
	cv_jw_kstr(&w, "credSha256", v->cred_sha256);
	cv_jw_kint(&w, "created", v->created);
	cv_jw_kint(&w, "updated", v->updated);
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_vehicle_decode(const char *json, size_t len, struct cv_vehicle *v)
{
	json_object *o = parse_obj(json, len);
	char energy[16];

	if (!o)
		return CV_EINVAL;
	get_str(o, "id", v->id, sizeof(v->id));
	get_str(o, "vin", v->vin, sizeof(v->vin));
	get_str(o, "brand", v->brand, sizeof(v->brand));
	get_str(o, "label", v->label, sizeof(v->label));
	get_str(o, "energy", energy, sizeof(energy));
	v->energy = 0;
	for (int i = 0; i < CV_ENERGY_COUNT; i++)
		if (!strcmp(cv_energy_names[i], energy))
			v->energy = (uint8_t)i;
	/* a record made before capacities has none: unknown (0); so has one out of bounds */
	v->battery_wh = (uint32_t)get_bounded(o, "batteryWh", CV_BATTERY_WH_MAX);
	v->tank_cl = (uint32_t)get_bounded(o, "tankCl", CV_TANK_CL_MAX);
	get_str(o, "owner", v->owner, sizeof(v->owner));
	get_str(o, "credSha256", v->cred_sha256, sizeof(v->cred_sha256));
	v->created = get_i64(o, "created");
	v->updated = get_i64(o, "updated");
	json_object_put(o);
	return CV_OK;
}

enum cv_err cv_fleet_encode(const struct cv_fleet *f, struct cv_buf *out)
{
	struct cv_jw w;

	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "id", f->id);
	cv_jw_kstr(&w, "label", f->label);
	cv_jw_kstr(&w, "owner", f->owner);
	cv_jw_kint(&w, "created", f->created);
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_fleet_decode(const char *json, size_t len, struct cv_fleet *f)
{
	json_object *o = parse_obj(json, len);

	if (!o)
		return CV_EINVAL;
	get_str(o, "id", f->id, sizeof(f->id));
	get_str(o, "label", f->label, sizeof(f->label));
	get_str(o, "owner", f->owner, sizeof(f->owner));
	f->created = get_i64(o, "created");
	json_object_put(o);
	return CV_OK;
}

/* ---- packed records ----------------------------------------------------- */

static void rd_str(struct cv_rd *r, char *dst, size_t dstsz)
{
	size_t n = (size_t)cv_rd_uint(r, 1);

	dst[0] = '\0';
	if (r->bad || n >= dstsz || r->off + n > r->len) {
		r->bad = true;
		return;
	}
	memcpy(dst, r->p + r->off, n);
	dst[n] = '\0';
	r->off += n;
}

static enum cv_err wr_str(struct cv_buf *b, const char *s)
{
	size_t n = strlen(s);
	enum cv_err e;

	if (n > 255)
		return CV_ETOOBIG;
	e = cv_wr_uint(b, n, 1);
	return e ? e : cv_buf_add(b, s, n);
}

/* version 2 added the family and the used flag; a version 1 record has neither */
#define TOKEN_V 2

enum cv_err cv_token_encode(const struct cv_token *t, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, TOKEN_V, 1);

	if (!e) e = cv_wr_uint(out, t->kind, 1);
	if (!e) e = cv_wr_uint(out, t->scopes, 4);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->issued, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)t->expires, 8);
	if (!e) e = wr_str(out, t->user);
	if (!e) e = wr_str(out, t->client);
	if (!e) e = cv_buf_add(out, t->family, CV_TOKEN_FAMILY);
	if (!e) e = cv_wr_uint(out, t->used, 1);
	return e;
}

enum cv_err cv_token_decode(const void *p, size_t len, struct cv_token *t)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	uint64_t v = cv_rd_uint(&r, 1);

	if (v != 1 && v != TOKEN_V)
		return CV_EINVAL;
	t->kind = (uint8_t)cv_rd_uint(&r, 1);
	t->scopes = (uint32_t)cv_rd_uint(&r, 4);
	t->issued = (int64_t)cv_rd_uint(&r, 8);
	t->expires = (int64_t)cv_rd_uint(&r, 8);
	rd_str(&r, t->user, sizeof(t->user));
	rd_str(&r, t->client, sizeof(t->client));
	memset(t->family, 0, sizeof(t->family));
	t->used = 0;
	if (v == TOKEN_V && !r.bad) {
		if (r.off + CV_TOKEN_FAMILY > len) {
			r.bad = true;
		} else {
			memcpy(t->family, r.p + r.off, CV_TOKEN_FAMILY);
			r.off += CV_TOKEN_FAMILY;
		}
		t->used = (uint8_t)cv_rd_uint(&r, 1);
	}
	return r.bad || r.off != len ? CV_EINVAL : CV_OK;
}

#define SAMPLE_V 1
#define CHG_POWER_BIT 0x80      /* in the charging group's first byte: the power follows */

/*
 * Fields of each group, in a fixed order and width. The charging group's
 * first byte holds status (4 bits), mode (2) and plugged (1); its top bit,
 * always 0 in records written before the charging power, says that the
 * power (kW x 10, 2 bytes) follows the group's other fields. The version
 * stays 1: a record without power is the same bytes as before, and a
 * telemetry block's first byte (tblock.h) is what tells a block from this
 * record.
 */
enum cv_err cv_sample_encode(const struct cv_sample *s, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, SAMPLE_V, 1);

	if (!e) e = cv_wr_uint(out, s->has, 2);
	if (!e && CV_HAS(s, CV_G_POS)) {
		e = cv_wr_uint(out, (uint32_t)s->lat_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)s->lon_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint16_t)(int16_t)s->alt_m, 2);
		if (!e) e = cv_wr_uint(out, s->heading, 2);
		if (!e) e = cv_wr_uint(out, (uint64_t)(s->fix | s->pos_type << 2), 1);
		if (!e) e = cv_wr_uint(out, s->signal, 1);
	}
	if (!e && CV_HAS(s, CV_G_KIN)) e = cv_wr_uint(out, s->speed_dkmh, 2);
	if (!e && CV_HAS(s, CV_G_ODO)) e = cv_wr_uint(out, s->odo_hm, 4);
	if (!e && CV_HAS(s, CV_G_IGN)) e = cv_wr_uint(out, s->ignition, 1);
	if (!e && CV_HAS(s, CV_G_FUEL)) {
		e = cv_wr_uint(out, s->fuel_level, 2);
		if (!e) e = cv_wr_uint(out, s->fuel_autonomy, 2);
	}
	if (!e && CV_HAS(s, CV_G_ELEC)) {
		e = cv_wr_uint(out, s->elec_level, 2);
		if (!e) e = cv_wr_uint(out, s->elec_autonomy, 2);
	}
	if (!e && CV_HAS(s, CV_G_CHARGE)) {
		e = cv_wr_uint(out, (uint64_t)((s->chg_status & 15) | (s->chg_mode & 3) << 4 | (s->plugged ? 1 : 0) << 6 |
					       (s->has_chg_power ? CHG_POWER_BIT : 0)), 1);
		if (!e) e = cv_wr_uint(out, s->chg_rate, 2);
		if (!e) e = cv_wr_uint(out, s->chg_remaining, 4);
		if (!e && s->has_chg_power) e = cv_wr_uint(out, s->chg_power_dkw, 2);
	}
	if (!e && CV_HAS(s, CV_G_DOORS)) {
		e = cv_wr_uint(out, s->lock, 1);
		if (!e) e = cv_wr_uint(out, s->doors_open, 1);
	}
	if (!e && CV_HAS(s, CV_G_PRECOND)) e = cv_wr_uint(out, s->precond, 1);
	if (!e && CV_HAS(s, CV_G_AIR)) e = cv_wr_uint(out, (uint16_t)s->air_temp_dc, 2);
	if (!e && CV_HAS(s, CV_G_BATT12)) e = cv_wr_uint(out, s->batt_mv, 2);
	if (!e && CV_HAS(s, CV_G_MAINT)) {
		e = cv_wr_uint(out, (uint32_t)s->maint_days, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)s->maint_dkm, 4);
	}
	if (!e && CV_HAS(s, CV_G_PRIVACY)) e = cv_wr_uint(out, s->privacy, 1);
	return e;
}

uint32_t cv_sample_peek_has(const void *p, size_t len)
{
	const unsigned char *b = p;

	if (len < 3 || b[0] != SAMPLE_V)
		return 0;
	return (uint32_t)b[1] | (uint32_t)b[2] << 8;
}

enum cv_err cv_sample_decode(const void *p, size_t len, int64_t at, struct cv_sample *s)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	uint64_t v;

	memset(s, 0, sizeof(*s));
	if (cv_rd_uint(&r, 1) != SAMPLE_V)
		return CV_EINVAL;
	s->at = at;
	s->has = (uint32_t)cv_rd_uint(&r, 2);
	if (CV_HAS(s, CV_G_POS)) {
		s->lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		s->lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		s->alt_m = (int16_t)(uint16_t)cv_rd_uint(&r, 2);
		s->heading = (uint16_t)cv_rd_uint(&r, 2);
		v = cv_rd_uint(&r, 1);
		s->fix = (uint8_t)(v & 3);
		s->pos_type = (uint8_t)(v >> 2 & 3);
		s->signal = (uint8_t)cv_rd_uint(&r, 1);
	}
	if (CV_HAS(s, CV_G_KIN)) s->speed_dkmh = (uint16_t)cv_rd_uint(&r, 2);
	if (CV_HAS(s, CV_G_ODO)) s->odo_hm = (uint32_t)cv_rd_uint(&r, 4);
	if (CV_HAS(s, CV_G_IGN)) s->ignition = (uint8_t)cv_rd_uint(&r, 1);
	if (CV_HAS(s, CV_G_FUEL)) {
		s->fuel_level = (uint16_t)cv_rd_uint(&r, 2);
		s->fuel_autonomy = (uint16_t)cv_rd_uint(&r, 2);
	}
	if (CV_HAS(s, CV_G_ELEC)) {
		s->elec_level = (uint16_t)cv_rd_uint(&r, 2);
		s->elec_autonomy = (uint16_t)cv_rd_uint(&r, 2);
	}
	if (CV_HAS(s, CV_G_CHARGE)) {
		v = cv_rd_uint(&r, 1);
		s->chg_status = (uint8_t)(v & 15);
		s->chg_mode = (uint8_t)(v >> 4 & 3);
		s->plugged = (uint8_t)(v >> 6 & 1);
		s->chg_rate = (uint16_t)cv_rd_uint(&r, 2);
		s->chg_remaining = (uint32_t)cv_rd_uint(&r, 4);
		if (v & CHG_POWER_BIT) {
			s->has_chg_power = 1;
			s->chg_power_dkw = (uint16_t)cv_rd_uint(&r, 2);
		}
	}
	if (CV_HAS(s, CV_G_DOORS)) {
		s->lock = (uint8_t)cv_rd_uint(&r, 1);
		s->doors_open = (uint8_t)cv_rd_uint(&r, 1);
	}
	if (CV_HAS(s, CV_G_PRECOND)) s->precond = (uint8_t)cv_rd_uint(&r, 1);
	if (CV_HAS(s, CV_G_AIR)) s->air_temp_dc = (int16_t)(uint16_t)cv_rd_uint(&r, 2);
	if (CV_HAS(s, CV_G_BATT12)) s->batt_mv = (uint16_t)cv_rd_uint(&r, 2);
	if (CV_HAS(s, CV_G_MAINT)) {
		s->maint_days = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		s->maint_dkm = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	}
	if (CV_HAS(s, CV_G_PRIVACY)) s->privacy = (uint8_t)cv_rd_uint(&r, 1);
	return r.bad || r.off != len ? CV_EINVAL : CV_OK;
}

#define EVENT_V 2

/* v2 adds where the event happened (has_pos, lat, lon, alt); v1 is still read. */
enum cv_err cv_event_encode(const struct cv_event *ev, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, EVENT_V, 1);

	if (!e) e = cv_wr_uint(out, ev->kind, 1);
	if (!e) e = cv_wr_uint(out, ev->severity, 1);
	if (!e) e = cv_wr_uint(out, ev->active, 1);
	if (!e) e = cv_wr_uint(out, ev->code, 2);
	if (!e) e = cv_wr_uint(out, ev->ndetails, 1);
	for (int i = 0; i < ev->ndetails && i < CV_MAX_COLLISION_DETAILS && !e; i++)
		e = cv_wr_uint(out, (uint64_t)(ev->side[i] | ev->csev[i] << 4), 1);
	if (!e) e = cv_wr_uint(out, ev->has_pos ? 1 : 0, 1);
	if (!e && ev->has_pos) {
		e = cv_wr_uint(out, (uint32_t)ev->lat_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)ev->lon_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)ev->alt_m, 4);
	}
	return e;
}

enum cv_err cv_event_decode(const void *p, size_t len, struct cv_event *ev)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	uint64_t v;

	memset(ev, 0, sizeof(*ev));
	v = cv_rd_uint(&r, 1);
	if (v != 1 && v != EVENT_V)
		return CV_EINVAL;
	ev->kind = (uint8_t)cv_rd_uint(&r, 1);
	ev->severity = (uint8_t)cv_rd_uint(&r, 1);
	ev->active = (uint8_t)cv_rd_uint(&r, 1);
	ev->code = (uint16_t)cv_rd_uint(&r, 2);
	ev->ndetails = (uint8_t)cv_rd_uint(&r, 1);
	if (ev->ndetails > CV_MAX_COLLISION_DETAILS)
		return CV_EINVAL;
	for (int i = 0; i < ev->ndetails; i++) {
		uint64_t d = cv_rd_uint(&r, 1);

		ev->side[i] = (uint8_t)(d & 15);
		ev->csev[i] = (uint8_t)(d >> 4);
	}
	if (v >= 2) {
		ev->has_pos = (uint8_t)cv_rd_uint(&r, 1);
		if (ev->has_pos > 1)
			return CV_EINVAL;
		if (ev->has_pos) {
			ev->lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
			ev->lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
			ev->alt_m = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		}
	}
	return r.bad || r.off != len ? CV_EINVAL : CV_OK;
}

#define ALERT_V 1

enum cv_err cv_alert_encode(const struct cv_alert_rec *a, struct cv_buf *out)
{
	enum cv_err e = cv_wr_uint(out, ALERT_V, 1);

	if (!e) e = cv_wr_uint(out, a->severity, 1);
	if (!e) e = cv_wr_uint(out, a->active ? 1 : 0, 1);
	if (!e) e = cv_wr_uint(out, (uint64_t)((a->has_start_pos ? 1 : 0) | (a->has_end_pos ? 2 : 0)), 1);
	if (!e) e = cv_wr_uint(out, (uint64_t)a->end, 8);
	if (!e) e = cv_wr_uint(out, (uint64_t)a->updated, 8);
	if (!e && a->has_start_pos) {
		e = cv_wr_uint(out, (uint32_t)a->start_lat_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)a->start_lon_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)a->start_alt_m, 4);
	}
	if (!e && a->has_end_pos) {
		e = cv_wr_uint(out, (uint32_t)a->end_lat_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)a->end_lon_e7, 4);
		if (!e) e = cv_wr_uint(out, (uint32_t)a->end_alt_m, 4);
	}
	return e;
}

enum cv_err cv_alert_decode(const void *p, size_t len, int64_t start, uint16_t code, struct cv_alert_rec *a)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	uint64_t flags;

	memset(a, 0, sizeof(*a));
	a->start = start;
	a->code = code;
	if (cv_rd_uint(&r, 1) != ALERT_V)
		return CV_EINVAL;
	a->severity = (uint8_t)cv_rd_uint(&r, 1);
	a->active = (uint8_t)cv_rd_uint(&r, 1);
	flags = cv_rd_uint(&r, 1);
	if (a->severity > 2 || a->active > 1 || flags > 3)
		return CV_EINVAL;
	a->has_start_pos = flags & 1;
	a->has_end_pos = (flags >> 1) & 1;
	a->end = (int64_t)cv_rd_uint(&r, 8);
	a->updated = (int64_t)cv_rd_uint(&r, 8);
	if (a->has_start_pos) {
		a->start_lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		a->start_lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		a->start_alt_m = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	}
	if (a->has_end_pos) {
		a->end_lat_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		a->end_lon_e7 = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
		a->end_alt_m = (int32_t)(uint32_t)cv_rd_uint(&r, 4);
	}
	return r.bad || r.off != len ? CV_EINVAL : CV_OK;
}

#define STATUS_V 1

/*
 * Layout: version (1), state size (4), members size (4), position size (4),
 * the raw struct cv_state, members, position. The state is kept as the
 * in-memory struct: the store is local to one machine and STATUS_V changes
 * with the struct.
 */
enum cv_err cv_status_encode(const struct cv_state *st, struct cv_buf *out)
{
	struct cv_buf mem = CV_BUF_INIT(0), pos = CV_BUF_INIT(0);
	struct cv_jw w;
	enum cv_err e;

	cv_jw_init(&w, &mem);
	/* render inside a throwaway object so the writer places the commas,
	 * then keep what is between the braces */
	cv_jw_obj(&w);
	cv_render_status_members(&w, st);
	cv_jw_end(&w);
	e = w.err;
	if (!e && cv_state_has_position(st)) {
		cv_jw_init(&w, &pos);
		cv_render_position(&w, st);
		e = w.err;
	}
	if (!e) e = cv_wr_uint(out, STATUS_V, 1);
	if (!e) e = cv_wr_uint(out, sizeof(*st), 4);
	if (!e) e = cv_wr_uint(out, mem.len - 2, 4);
	if (!e) e = cv_wr_uint(out, pos.len, 4);
	if (!e) e = cv_buf_add(out, st, sizeof(*st));
	if (!e) e = cv_buf_add(out, mem.p + 1, mem.len - 2);
	if (!e) e = cv_buf_add(out, cv_buf_str(&pos), pos.len);
	cv_buf_release(&mem);
	cv_buf_release(&pos);
	return e;
}

enum cv_err cv_status_decode(const void *p, size_t len, struct cv_status_rec *rec)
{
	struct cv_rd r = CV_RD_INIT(p, len);
	size_t ssz, msz, psz;

	if (cv_rd_uint(&r, 1) != STATUS_V)
		return CV_EINVAL;
	ssz = (size_t)cv_rd_uint(&r, 4);
	msz = (size_t)cv_rd_uint(&r, 4);
	psz = (size_t)cv_rd_uint(&r, 4);
	if (r.bad || ssz != sizeof(rec->state) || r.off + ssz + msz + psz != len)
		return CV_EINVAL;
	memcpy(&rec->state, r.p + r.off, ssz);
	rec->members = (const char *)r.p + r.off + ssz;
	rec->members_len = msz;
	rec->position = rec->members + msz;
	rec->position_len = psz;
	return CV_OK;
}

/* ---- callbacks ------------------------------------------------------------- */

const char *const cv_cb_status_names[3] = { "Running", "Paused", "Failed" };
const char *const cv_cb_retry_names[3] = { "None", "Bounded", "Always" };
const char *const cv_cb_attr_names[3] = { "Header", "Body", "Query" };

/* A list of attributes: [{type, key, value}]. */
static void attrs_encode(struct cv_jw *w, const char *key, const struct cv_cb_attr *a, size_t n)
{
	cv_jw_key(w, key);
	cv_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		cv_jw_obj(w);
		cv_jw_kint(w, "type", a[i].type);
		cv_jw_kstr(w, "key", a[i].key);
		cv_jw_kstr(w, "value", a[i].value);
		cv_jw_end(w);
	}
	cv_jw_end(w);
}

/* Read it back (absent: none); false if an attribute's type is not one of enum cv_cb_attr_type. */
static bool attrs_decode(json_object *o, const char *key, struct cv_cb_attr *a, size_t *n)
{
	json_object *arr;

	*n = 0;
	if (!json_object_object_get_ex(o, key, &arr) || !json_object_is_type(arr, json_type_array))
		return true;
	for (size_t i = 0; i < json_object_array_length(arr) && *n < CV_CB_ATTRS_MAX; i++) {
		json_object *x = json_object_array_get_idx(arr, i);
		int64_t type;

		if (!json_object_is_type(x, json_type_object))
			continue;
		type = get_i64(x, "type");
		if (!cv_cbattr_type_ok(type)) {
			*n = 0;
			return false;
		}
		a[*n].type = (uint8_t)type;
		get_str(x, "key", a[*n].key, sizeof(a[*n].key));
		get_str(x, "value", a[*n].value, sizeof(a[*n].value));
		(*n)++;
	}
	return true;
}

enum cv_err cv_callback_encode(const struct cv_callback *cb, struct cv_buf *out)
{
	char secret[2 * CV_CB_SECRET_LEN + 1];
	struct cv_jw w;

	cv_hex(cb->secret, sizeof(cb->secret), secret);
	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "id", cb->id);
	cv_jw_kstr(&w, "owner", cb->owner);
	cv_jw_kint(&w, "b2b", cb->b2b);
	cv_jw_kstr(&w, "label", cb->label);
	cv_jw_kint(&w, "types", cb->types);
	cv_jw_kint(&w, "remoteTypes", cb->remote_types);
	cv_jw_kstr(&w, "name", cb->name);
	cv_jw_kstr(&w, "target", cb->target);
	attrs_encode(&w, "attributes", cb->attrs, cb->nattrs);
	cv_jw_kint(&w, "retry", cb->retry);
	cv_jw_kint(&w, "retryNumber", cb->retry_number);
	cv_jw_kint(&w, "retryDelay", cb->retry_delay);
	cv_jw_kint(&w, "batchSize", cb->batch_size);
	cv_jw_kint(&w, "batchWindow", cb->batch_window);
	cv_jw_kint(&w, "status", cb->status);
	cv_jw_kstr(&w, "secret", secret);
	cv_jw_kint(&w, "created", cb->created);
	cv_jw_kint(&w, "updated", cb->updated);
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_callback_decode(const char *json, size_t len, struct cv_callback *cb)
{
	json_object *o = parse_obj(json, len);
	char secret[2 * CV_CB_SECRET_LEN + 1];

	if (!o)
		return CV_EINVAL;
	memset(cb, 0, sizeof(*cb));
	get_str(o, "id", cb->id, sizeof(cb->id));
	get_str(o, "owner", cb->owner, sizeof(cb->owner));
	cb->b2b = get_i64(o, "b2b") != 0;
	get_str(o, "label", cb->label, sizeof(cb->label));
	cb->types = (uint32_t)get_i64(o, "types");
	cb->remote_types = (uint32_t)get_i64(o, "remoteTypes");
	get_str(o, "name", cb->name, sizeof(cb->name));
	get_str(o, "target", cb->target, sizeof(cb->target));
	if (!attrs_decode(o, "attributes", cb->attrs, &cb->nattrs)) {
		json_object_put(o);
		return CV_EINVAL;
	}
	cb->retry = (uint8_t)CV_MIN((int64_t)CV_RETRY_ALWAYS, get_i64(o, "retry"));
	cb->retry_number = (int32_t)get_i64(o, "retryNumber");
	cb->retry_delay = (int32_t)get_i64(o, "retryDelay");
	cb->batch_size = (int32_t)get_i64(o, "batchSize");
	cb->batch_window = (int32_t)get_i64(o, "batchWindow");
	cb->status = (uint8_t)CV_MIN((int64_t)CV_CB_FAILED, get_i64(o, "status"));
	get_str(o, "secret", secret, sizeof(secret));
	if (cv_unhex(secret, cb->secret, sizeof(cb->secret)) != CV_OK) {
		json_object_put(o);
		return CV_EINVAL;
	}
	cb->created = get_i64(o, "created");
	cb->updated = get_i64(o, "updated");
	json_object_put(o);
	return CV_OK;
}

/* ---- monitors -------------------------------------------------------------- */

enum cv_err cv_monitor_encode(const struct cv_monitor *m, struct cv_buf *out)
{
	struct cv_jw w;

	cv_jw_init(&w, out);
	cv_jw_obj(&w);
	cv_jw_kstr(&w, "id", m->id);
	cv_jw_kstr(&w, "owner", m->owner);
	cv_jw_kstr(&w, "vid", m->vid);
	cv_jw_kstr(&w, "cbid", m->cbid);
	cv_jw_kint(&w, "b2b", m->b2b);
	cv_jw_kstr(&w, "label", m->label);
	cv_jw_kint(&w, "refresh", m->refresh_s);
	cv_jw_key(&w, "ext");
	cv_jw_arr(&w);
	for (size_t i = 0; i < m->next; i++)
		cv_jw_str(&w, m->ext[i]);
	cv_jw_end(&w);
	attrs_encode(&w, "attributes", m->attrs, m->nattrs);
	attrs_encode(&w, "callbackAttributes", m->cbattrs, m->ncbattrs);
	cv_jw_key(&w, "triggerParam");
	cv_mon_render_given(&w, &m->def);
	cv_jw_kint(&w, "status", m->status);
	cv_jw_kint(&w, "created", m->created);
	cv_jw_kint(&w, "updated", m->updated);
	cv_jw_end(&w);
	return w.err;
}

enum cv_err cv_monitor_decode(const char *json, size_t len, struct cv_monitor *m)
{
	json_object *o = parse_obj(json, len), *x;
	struct cv_jread jr;
	enum cv_err e = CV_OK;

	if (!o)
		return CV_EINVAL;
	memset(m, 0, sizeof(*m));
	get_str(o, "id", m->id, sizeof(m->id));
	get_str(o, "owner", m->owner, sizeof(m->owner));
	get_str(o, "vid", m->vid, sizeof(m->vid));
	get_str(o, "cbid", m->cbid, sizeof(m->cbid));
	m->b2b = get_i64(o, "b2b") != 0;
	get_str(o, "label", m->label, sizeof(m->label));
	m->refresh_s = (int32_t)get_i64(o, "refresh");
	if (json_object_object_get_ex(o, "ext", &x) && json_object_is_type(x, json_type_array))
		for (size_t i = 0; i < json_object_array_length(x) && m->next < CV_MON_EXT_MAX; i++) {
			json_object *v = json_object_array_get_idx(x, i);

			if (json_object_is_type(v, json_type_string))
				cv_strlcpy(m->ext[m->next++], json_object_get_string(v), sizeof(m->ext[0]));
		}
	if (!attrs_decode(o, "attributes", m->attrs, &m->nattrs) ||
	    !attrs_decode(o, "callbackAttributes", m->cbattrs, &m->ncbattrs))
		e = CV_EINVAL;
	/* the triggers as they were checked at creation: read the same way */
	cv_jr_init(&jr, "triggerParam");
	if (!json_object_object_get_ex(o, "triggerParam", &x) || cv_mon_parse(&jr, x, m->b2b, &m->def))
		e = CV_EINVAL;
	m->status = (uint8_t)CV_MIN((int64_t)CV_CB_FAILED, get_i64(o, "status"));
	m->created = get_i64(o, "created");
	m->updated = get_i64(o, "updated");
	json_object_put(o);
	return e;
}

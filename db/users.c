/* users.c - users, clients, vehicles, fleets and their links (see model.h). */
#include "config.h"
#include "model.h"
#include "window.h"

#include <stdlib.h>
#include <string.h>

/* ---- users, clients, vehicles ------------------------------------------- */

#define GET_JSON(dbid, key, decode, obj)                                              \
	do {                                                                          \
		struct cv_buf b_ = CV_BUF_INIT(0);                                    \
		enum cv_err e_ = cv_store_get(st, dbid, txn, key, strlen(key), &b_);  \
		if (!e_)                                                              \
			e_ = decode(b_.p, b_.len, obj);                               \
		cv_buf_release(&b_);                                                  \
		return e_;                                                            \
	} while (0)

#define PUT_JSON(dbid, key, encode, obj, flags)                                                 \
	do {                                                                                    \
		struct cv_buf b_ = CV_BUF_INIT(0);                                              \
		enum cv_err e_ = encode(obj, &b_);                                              \
		if (!e_)                                                                        \
			e_ = cv_store_put(st, dbid, txn, key, strlen(key), b_.p, b_.len, flags); \
		cv_buf_release(&b_);                                                            \
		return e_;                                                                      \
	} while (0)

enum cv_err cv_user_get(struct cv_store *st, DB_TXN *txn, const char *login, struct cv_user *u)
{
	GET_JSON(CV_DB_USERS, login, cv_user_decode, u);
}

enum cv_err cv_user_put(struct cv_store *st, DB_TXN *txn, const struct cv_user *u, uint32_t flags)
{
	PUT_JSON(CV_DB_USERS, u->login, cv_user_encode, u, flags);
}

enum cv_err cv_client_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_client *c)
{
	GET_JSON(CV_DB_CLIENTS, id, cv_client_decode, c);
}

enum cv_err cv_client_put(struct cv_store *st, DB_TXN *txn, const struct cv_client *c, uint32_t flags)
{
	PUT_JSON(CV_DB_CLIENTS, c->id, cv_client_encode, c, flags);
}

enum cv_err cv_vehicle_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_vehicle *v)
{
	GET_JSON(CV_DB_VEHICLES, id, cv_vehicle_decode, v);
}

enum cv_err cv_vehicle_by_vin(struct cv_store *st, DB_TXN *txn, const char *vin, struct cv_vehicle *v)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e = cv_store_get(st, CV_DB_VINS, txn, vin, strlen(vin), &b);

	if (!e)
		e = cv_vehicle_get(st, txn, b.p, v);
	cv_buf_release(&b);
	return e;
}

enum cv_err cv_vehicle_capacity(struct cv_store *st, DB_TXN *txn, const char *id, uint32_t *battery_wh,
				uint32_t *tank_cl)
{
	struct cv_vehicle v;
	enum cv_err e = cv_vehicle_get(st, txn, id, &v);

	if (e)
		return e;
	*battery_wh = cv_capacity_applies(CV_CAP_BATTERY, v.energy) ? v.battery_wh : 0;
	*tank_cl = cv_capacity_applies(CV_CAP_TANK, v.energy) ? v.tank_cl : 0;
	return CV_OK;
}

enum cv_err cv_vehicle_set_capacity(struct cv_store *st, DB_TXN *txn, const char *id, uint32_t battery_wh,
				    uint32_t tank_cl, int64_t now)
{
	struct cv_vehicle v;
	enum cv_err e = cv_vehicle_get(st, txn, id, &v);

	if (e)
		return e;
	if (battery_wh > CV_BATTERY_WH_MAX || tank_cl > CV_TANK_CL_MAX ||
	    (battery_wh && !cv_capacity_applies(CV_CAP_BATTERY, v.energy)) ||
	    (tank_cl && !cv_capacity_applies(CV_CAP_TANK, v.energy)))
		return CV_EINVAL;
	if (battery_wh)
		v.battery_wh = battery_wh;
	if (tank_cl)
		v.tank_cl = tank_cl;
	v.updated = now;
	PUT_JSON(CV_DB_VEHICLES, v.id, cv_vehicle_encode, &v, 0);
}

/* login \0 vid */
static size_t link_key(char *k, size_t ksz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb > ksz)
		return 0;
	memcpy(k, a, la);
	k[la] = '\0';
	memcpy(k + la + 1, b, lb);
	return la + 1 + lb;
}

enum cv_err cv_vehicle_add(struct cv_store *st, DB_TXN *txn, const struct cv_vehicle *v)
{
	struct cv_buf b = CV_BUF_INIT(0);
	enum cv_err e;
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl;

	e = cv_store_put(st, CV_DB_VINS, txn, v->vin, strlen(v->vin), v->id, strlen(v->id), DB_NOOVERWRITE);
	if (!e)
		e = cv_vehicle_encode(v, &b);
	if (!e)
		e = cv_store_put(st, CV_DB_VEHICLES, txn, v->id, strlen(v->id), b.p, b.len, DB_NOOVERWRITE);
	if (!e && v->owner[0]) {
		kl = link_key(k, sizeof(k), v->owner, v->id);
		e = kl ? cv_store_put(st, CV_DB_USERVEHS, txn, k, kl, "", 0, 0) : CV_EINVAL;
	}
	cv_buf_release(&b);
	return e;
}

/* CV_OK if the link owner \0 vid exists in db (uservehs, fleetvehs), CV_ENOTFOUND if not. */
static enum cv_err link_exists(struct cv_store *st, enum cv_dbid db, DB_TXN *txn, const char *owner, const char *vid)
{
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl = link_key(k, sizeof(k), owner, vid);

	if (!kl)
		return CV_ENOTFOUND;
	return cv_store_exists(st, db, txn, k, kl);
}

enum cv_err cv_user_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *login, const char *vid)
{
	return link_exists(st, CV_DB_USERVEHS, txn, login, vid);
}

/* The vehicles linked to owner (a login or a fleet id) in a link database. */
static enum cv_err linked_vehicles(struct cv_store *st, DB_TXN *txn, enum cv_dbid links, const char *login,
				   const char *vin_prefix, size_t offset, size_t limit, size_t *total,
				   int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	DBC *c;
	DBT k, d;
	char prefix[CV_LOGIN_MAX + 2], kb[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN + 1];
	size_t pl = strlen(login) + 1, plen = vin_prefix ? strlen(vin_prefix) : 0;
	struct cv_window w = CV_WINDOW(offset, limit);
	int ret;
	enum cv_err e = CV_OK;

	if (pl > sizeof(prefix))
		return CV_EINVAL;
	memcpy(prefix, login, pl);
	ret = st->db[links]->cursor(st->db[links], txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	memcpy(kb, prefix, pl);
	k.data = kb;
	k.size = (u_int32_t)pl;
	k.ulen = sizeof(kb);
	k.flags = DB_DBT_USERMEM;
	d.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
	for (ret = c->get(c, &k, &d, DB_SET_RANGE); ret == 0; ret = c->get(c, &k, &d, DB_NEXT)) {
		char vid[CV_VID_HEXLEN + 1];
		size_t vl;
		struct cv_vehicle v;

		if (k.size < pl || memcmp(kb, prefix, pl))
			break;
		vl = k.size - pl;
		if (vl > CV_VID_HEXLEN)
			continue;
		memcpy(vid, kb + pl, vl);
		vid[vl] = '\0';
		if (plen || cv_window_take(&w)) {
			e = cv_vehicle_get(st, txn, vid, &v);
			if (e == CV_ENOTFOUND) {
				e = CV_OK;      /* a link to a vehicle that is gone: skip it */
				continue;
			}
			if (e)
				break;
			if (plen && strncmp(v.vin, vin_prefix, plen))
				continue;
		}
		if (cv_window_take(&w) && fn(&v, arg))
			cv_window_stop(&w);
		cv_window_count(&w);
	}
	if (!e && ret && ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	c->close(c);
	*total = w.n;
	return e;
}

enum cv_err cv_user_vehicles(struct cv_store *st, DB_TXN *txn, const char *login, const char *vin_prefix,
			     size_t offset, size_t limit, size_t *total,
			     int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	return linked_vehicles(st, txn, CV_DB_USERVEHS, login, vin_prefix, offset, limit, total, fn, arg);
}

enum cv_err cv_fleet_vehicles(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vin_prefix,
			      size_t offset, size_t limit, size_t *total,
			      int (*fn)(const struct cv_vehicle *v, void *arg), void *arg)
{
	return linked_vehicles(st, txn, CV_DB_FLEETVEHS, fid, vin_prefix, offset, limit, total, fn, arg);
}

struct fleet_ids {
	const char *fid;
	size_t pl;                  /* strlen(fid) + 1: the key prefix "fid\0" */
	int (*fn)(const char *vid, void *arg);
	void *arg;
};

static int fleet_ids_one(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct fleet_ids *fi = arg;
	char vid[CV_VID_HEXLEN + 1];

	(void)v;
	(void)vlen;
	if (klen < fi->pl || memcmp(k, fi->fid, fi->pl))
		return 1;               /* past the fleet's links */
	if (klen - fi->pl != CV_VID_HEXLEN)
		return 0;
	memcpy(vid, (const char *)k + fi->pl, CV_VID_HEXLEN);
	vid[CV_VID_HEXLEN] = '\0';
	return fi->fn(vid, fi->arg);
}

enum cv_err cv_fleet_vehicle_ids(struct cv_store *st, DB_TXN *txn, const char *fid,
				 int (*fn)(const char *vid, void *arg), void *arg)
{
	struct fleet_ids fi = { fid, strlen(fid) + 1, fn, arg };

	if (fi.pl > CV_LOGIN_MAX + 1)
		return CV_EINVAL;
	return cv_store_scan(st, CV_DB_FLEETVEHS, txn, fid, fi.pl, fleet_ids_one, &fi);
}

enum cv_err cv_owner_fleets(struct cv_store *st, DB_TXN *txn, const char *login, size_t offset, size_t limit,
			    size_t *total, int (*fn)(const struct cv_fleet *f, void *arg), void *arg)
{
	DBC *c;
	DBT k, d;
	struct cv_window w = CV_WINDOW(offset, limit);
	int ret;
	enum cv_err e = CV_OK;

	ret = st->db[CV_DB_FLEETS]->cursor(st->db[CV_DB_FLEETS], txn, &c, txn ? 0 : DB_READ_COMMITTED);
	if (ret)
		return cv_store_err(ret);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.flags = DB_DBT_REALLOC;
	d.flags = DB_DBT_REALLOC;
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		struct cv_fleet f;

		if (cv_fleet_decode(d.data, d.size, &f) || strcmp(f.owner, login))
			continue;
		if (cv_window_take(&w) && fn(&f, arg))
			cv_window_stop(&w);
		cv_window_count(&w);
	}
	if (ret != DB_NOTFOUND)
		e = cv_store_err(ret);
	free(k.data);
	free(d.data);
	c->close(c);
	*total = w.n;
	return e;
}

enum cv_err cv_fleet_get(struct cv_store *st, DB_TXN *txn, const char *id, struct cv_fleet *f)
{
	GET_JSON(CV_DB_FLEETS, id, cv_fleet_decode, f);
}

enum cv_err cv_fleet_add(struct cv_store *st, DB_TXN *txn, const struct cv_fleet *f)
{
	struct cv_user u;
	enum cv_err e = cv_user_get(st, txn, f->owner, &u);

	if (e)
		return e;
	PUT_JSON(CV_DB_FLEETS, f->id, cv_fleet_encode, f, DB_NOOVERWRITE);
}

enum cv_err cv_fleet_add_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid)
{
	char k[CV_LOGIN_MAX + 2 + CV_VID_HEXLEN];
	size_t kl = link_key(k, sizeof(k), fid, vid);
	struct cv_fleet f;
	struct cv_vehicle v;
	enum cv_err e;

	if (!kl)
		return CV_EINVAL;
	e = cv_fleet_get(st, txn, fid, &f);
	if (!e)
		e = cv_vehicle_get(st, txn, vid, &v);
	if (!e)
		e = cv_store_put(st, CV_DB_FLEETVEHS, txn, k, kl, "", 0, 0);
	if (!e) {
		kl = link_key(k, sizeof(k), vid, fid);
		e = cv_store_put(st, CV_DB_VEHFLEETS, txn, k, kl, "", 0, 0);
	}
	return e;
}

enum cv_err cv_fleet_has_vehicle(struct cv_store *st, DB_TXN *txn, const char *fid, const char *vid)
{
	return link_exists(st, CV_DB_FLEETVEHS, txn, fid, vid);
}


/* unit-quotas.c - tests of db/quotas: an owner's own quotas, the defaults, the redeliveries of an hour. */
#include "quotas.h"
#include "tap.h"
#include "tmpstore.h"

#include <stdlib.h>
#include <string.h>

#define HOUR 3600000LL

struct redo {
	const char *owner;
	int64_t now, limit, retry;
};

static enum cv_err redo_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct redo *r = arg;

	return cv_limits_redeliver(st, txn, r->owner, r->now, &r->limit, &r->retry);
}

struct put {
	const char *owner;
	int64_t set[CV_Q_COUNT];
};

static enum cv_err put_txn(struct cv_store *st, DB_TXN *txn, void *arg)
{
	struct put *p = arg;

	return cv_limits_put(st, txn, p->owner, p->set);
}

int main(void)
{
	char dir[] = "/tmp/cvquota-XXXXXX";
	struct cv_store st;
	int64_t v[CV_Q_COUNT], used[CV_Q_COUNT], limit;
	struct put p = { "u:alice", { -1, 5, -1, -1, -1, 2, -1 } };
	struct redo r = { "u:alice", 10 * HOUR + 5000, 0, 0 };

	if (!mkdtemp(dir) || cv_store_open(&st, dir, CV_STORE_CREATE)) {
		printf("Bail out! no store\n");
		return 1;
	}
	ok(cv_limits_get(&st, NULL, "u:alice", v) == CV_OK && v[CV_Q_CALLBACKS] == 100 && v[CV_Q_VEHICLE_MONITORS] == 32,
	   "no record: the defaults");
	ok(cv_store_txn(&st, 0, put_txn, &p) == CV_OK, "set two quotas");
	ok(cv_limits_get_set(&st, NULL, "u:alice", v) == CV_OK && v[CV_Q_MONITORS] == 5 && v[CV_Q_CALLBACKS] == -1,
	   "as set: -1 the default");
	ok(cv_limits_get(&st, NULL, "u:alice", v) == CV_OK && v[CV_Q_MONITORS] == 5 && v[CV_Q_CALLBACKS] == 100,
	   "in force: its own, else the default");
	ok(cv_limits_get(&st, NULL, "f:fleet1", v) == CV_OK && v[CV_Q_MONITORS] == 1000, "another owner: the defaults");
	ok(cv_limits_check(&st, NULL, "u:alice", CV_Q_MONITORS, NULL, &limit) == CV_OK && limit == 5,
	   "no monitor yet: one more may come");
	ok(cv_limits_check(&st, NULL, "u:alice", CV_Q_VEHICLE_MONITORS, NULL, &limit) == CV_EINVAL,
	   "vehicleMonitors needs the vehicle");
	p.set[0] = 0;
	p.set[1] = 0;
	ok(cv_store_txn(&st, 0, put_txn, &p) == CV_OK &&
	   cv_limits_check(&st, NULL, "u:alice", CV_Q_CALLBACKS, NULL, &limit) == CV_EQUOTA && limit == 0,
	   "a quota of 0: nothing more");
	p.set[0] = CV_QUOTA_MAX + 1;
	ok(cv_store_txn(&st, 0, put_txn, &p) == CV_EINVAL, "over the most a host may set: refused");

	ok(cv_store_txn(&st, 0, redo_txn, &r) == CV_OK && cv_store_txn(&st, 0, redo_txn, &r) == CV_OK,
	   "two redeliveries in the hour");
	ok(cv_store_txn(&st, 0, redo_txn, &r) == CV_EQUOTA && r.limit == 2 && r.retry == HOUR - 5000,
	   "the third waits for the next hour (%lld ms)", (long long)r.retry);
	ok(cv_limits_usage(&st, NULL, "u:alice", r.now, used) == CV_OK && used[CV_Q_REDELIVERIES] == 2 &&
	   used[CV_Q_CALLBACKS] == 0 && used[CV_Q_QUEUE] == 0, "the usage says 2 redeliveries, no queue");
	r.now += HOUR;
	ok(cv_store_txn(&st, 0, redo_txn, &r) == CV_OK, "the next hour: again");
	r.owner = "u:bob";
	r.now -= HOUR;
	ok(cv_store_txn(&st, 0, redo_txn, &r) == CV_OK, "another owner counts its own");
	for (size_t i = 0; i < CV_Q_COUNT; i++)
		p.set[i] = -1;
	ok(cv_store_txn(&st, 0, put_txn, &p) == CV_OK && cv_limits_get_set(&st, NULL, "u:alice", v) == CV_OK &&
	   v[CV_Q_MONITORS] == -1, "every quota back to the default: the record goes");
	cv_store_close(&st);
	rm_store(dir);
	return tap_done();
}

/* command.c - a simulated vehicle's remote commands (see command.h). */
#include "config.h"
#include "command.h"
#include "cvtime.h"
#include "jw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_AWAKE_MS 250
#define POLL_ASLEEP_MS 10000
#define WAKE_MS 3000

void sim_link_init(struct sim_link *l, const char *vin, uint64_t seed)
{
	memset(l, 0, sizeof(*l));
	sim_rng_derive(&l->rng, seed, vin);
	l->last_exchange = cv_now_ms();
}

static void drop(struct sim_link *l, size_t i)
{
	json_object_put(l->cmds[i].action);
	l->cmds[i] = l->cmds[--l->n];
	memset(&l->cmds[l->n], 0, sizeof(l->cmds[l->n]));
}

void sim_link_release(struct sim_link *l)
{
	while (l->n)
		drop(l, 0);
}

static bool seen(const struct sim_link *l, const char *rid)
{
	for (size_t i = 0; i < SIM_LINK_SEEN; i++)
		if (!strcmp(l->seen[i], rid))
			return true;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->cmds[i].rid, rid))
			return true;
	return false;
}

static void remember(struct sim_link *l, const char *rid)
{
	cv_strlcpy(l->seen[l->seen_next], rid, sizeof(l->seen[0]));
	l->seen_next = (l->seen_next + 1) % SIM_LINK_SEEN;
}

/* Take the new commands of a poll's reply. */
static void take(struct sim_link *l, const struct cv_buf *reply, int64_t now, bool asleep)
{
	json_object *o = json_tokener_parse(cv_buf_str(reply)), *a;
	size_t n;

	if (!o || !json_object_object_get_ex(o, "commands", &a) || !json_object_is_type(a, json_type_array)) {
		json_object_put(o);
		return;
	}
	n = json_object_array_length(a);
	for (size_t i = 0; i < n && l->n < SIM_LINK_CMDS; i++) {
		json_object *c = json_object_array_get_idx(a, i), *x, *action = NULL;
		const char *rid, *type;
		int k;

		if (!json_object_object_get_ex(c, "remoteActionId", &x) || !json_object_is_type(x, json_type_string))
			continue;
		rid = json_object_get_string(x);
		if (strlen(rid) != SIM_RID_LEN || seen(l, rid))
			continue;
		type = json_object_object_get_ex(c, "type", &x) ? json_object_get_string(x) : "";
		k = cv_name_index(type ? type : "", cv_remote_type_names, CV_RT_COUNT);
		if (k < 0)
			continue;
		json_object_object_get_ex(c, cv_remote_type_members[k], &action);
		cv_strlcpy(l->cmds[l->n].rid, rid, sizeof(l->cmds[0].rid));
		l->cmds[l->n].type = (uint8_t)k;
		l->cmds[l->n].action = action ? json_object_get(action) : NULL;
		l->cmds[l->n].ack_at = now + (asleep ? WAKE_MS : 0);
		l->cmds[l->n].done_at = 0;
		l->n++;
	}
	json_object_put(o);
}

/* Upload the state a command changed, as one sample taken now. */
static enum sim_up_status upload_state(struct sim_upload *up, const char *vin, const char *cred,
				       const struct sim_vehicle *v, int64_t now, const char *rid,
				       const volatile sig_atomic_t *stop, char *err, size_t errsz)
{
	struct cv_sample s;
	struct cv_buf body = CV_BUF_INIT(0);
	struct sim_up_result res;
	char id[64];
	enum sim_up_status st;

	if (!v->last.has)
		return SIM_UP_OK;       /* nothing sent yet: nothing to update */
	sim_vehicle_snapshot(v, now, &s);
	snprintf(id, sizeof(id), "%s-cmd-%s", vin, rid);
	if (sim_batch_json(&body, id, &s, 1)) {
		snprintf(err, errsz, "%s: a sample too large to send", vin);
		cv_buf_release(&body);
		return SIM_UP_REFUSED;
	}
	st = sim_upload_post(up, vin, cred, cv_buf_str(&body), body.len, stop, &res, err, errsz);
	cv_buf_release(&body);
	return st;
}

enum sim_up_status sim_link_step(struct sim_link *l, const struct sim_link_opts *o, struct sim_upload *up,
				 const char *vin, const char *cred, struct sim_vehicle *v, int64_t now,
				 const volatile sig_atomic_t *stop, int64_t *due, char *err, size_t errsz)
{
	bool asleep = !v->driving && now - l->last_exchange > o->awake_ms;
	enum sim_up_status st = SIM_UP_OK;
	char path[128];
	long status;

	if (now >= l->next_poll) {
		st = sim_link_call(up, vin, cred, "GET", "/commands", NULL, stop, &status, err, errsz);
		if (st != SIM_UP_OK)
			return st;
		take(l, &up->reply, now, asleep);
		l->next_poll = now + (asleep ? POLL_ASLEEP_MS : POLL_AWAKE_MS);
	}
	for (size_t i = 0; i < l->n;) {
		struct sim_cmd *c = &l->cmds[i];

		if (c->ack_at && now >= c->ack_at) {
			json_object *r, *x;
			bool execute = false;

			snprintf(path, sizeof(path), "/commands/%s/ack", c->rid);
			st = sim_link_call(up, vin, cred, "POST", path, NULL, stop, &status, err, errsz);
			if (st == SIM_UP_REFUSED && status == 404) {
				remember(l, c->rid);        /* gone: its callback was deleted */
				drop(l, i);
				st = SIM_UP_OK;
				continue;
			}
			if (st != SIM_UP_OK)
				return st;
			l->last_exchange = now;
			r = json_tokener_parse(cv_buf_str(&up->reply));
			execute = r && json_object_object_get_ex(r, "execute", &x) && json_object_get_boolean(x);
			json_object_put(r);
			if (!execute) {
				remember(l, c->rid);        /* ended already: refused, timed out */
				drop(l, i);
				continue;
			}
			c->ack_at = 0;
			c->done_at = now + (o->exec_delay_ms >= 0 ? o->exec_delay_ms : sim_command_delay(c->type, c->action));
		}
		if (c->done_at && now >= c->done_at) {
			uint8_t outcome, cause;
			struct cv_buf body = CV_BUF_INIT(0);
			struct cv_jw w;

			sim_vehicle_command(v, now, (enum cv_remote_type)c->type, c->action, sim_rng_unit(&l->rng),
					    &outcome, &cause);
			st = upload_state(up, vin, cred, v, now, c->rid, stop, err, errsz);
			if (st != SIM_UP_OK)
				return st;
			cv_jw_init(&w, &body);
			cv_jw_obj(&w);
			cv_jw_kstr(&w, "status", cv_remote_status_names[outcome]);
			if (outcome == CV_RS_FAILED && cause)
				cv_jw_kstr(&w, "failureCause", cv_remote_cause_names[cause]);
			cv_jw_end(&w);
			snprintf(path, sizeof(path), "/commands/%s/result", c->rid);
			st = sim_link_call(up, vin, cred, "POST", path, cv_buf_str(&body), stop, &status, err, errsz);
			cv_buf_release(&body);
			/* 404: the action went with its callback; 409: it timed out meanwhile */
			if (st == SIM_UP_REFUSED && (status == 404 || status == 409))
				st = SIM_UP_OK;
			if (st != SIM_UP_OK)
				return st;
			l->last_exchange = now;
			if (outcome == CV_RS_FAILED)
				l->failed++;
			else
				l->done++;
			if (!o->quiet)
				fprintf(stderr, "cvsim: %s: %s %s%s%s\n", vin, cv_remote_type_names[c->type],
					cv_remote_status_names[outcome], cause ? " " : "",
					cv_remote_cause_names[cause]);
			remember(l, c->rid);
			drop(l, i);
			continue;
		}
		i++;
	}
	*due = l->next_poll;
	for (size_t i = 0; i < l->n; i++) {
		if (l->cmds[i].ack_at && l->cmds[i].ack_at < *due)
			*due = l->cmds[i].ack_at;
		if (l->cmds[i].done_at && l->cmds[i].done_at < *due)
			*due = l->cmds[i].done_at;
	}
	return SIM_UP_OK;
}

/*
 * stop — regent_ua_stop(): every Registerer of a UA disposed (un-REGISTERed
 * where registered, each within the deadline), then one "done" (SIP.js
 * UserAgent.stop() with gracefulShutdown, which ran the disposals one after
 * the other: here they run side by side; docs/sipjs-differences.md).
 *
 * The Registerers of one stop share a count of those not yet TERMINATED;
 * the last one to get there calls done. Kept apart from the UA (src/ua
 * knows no Registerer): the UA only lists its clients.
 */
#include <errno.h>
#include <stdlib.h>

#include "reg/reg_int.h"

struct regent_reg_stop {
	size_t pending; /* Registerers not yet TERMINATED, + 1 while starting */
	regent_ua_stopped_h *done;
	void *arg;
	struct regent_ua *ua;
};

/* One fewer to wait for; the last calls done (when `notify`) and frees. */
static void count_down(struct regent_reg_stop *st, bool notify)
{
	if (--st->pending > 0)
		return;
	if (notify && st->done != NULL)
		st->done(st->ua, st->arg);
	free(st);
}

void regent_reg_stop_detach(struct regent_registerer *r, bool notify)
{
	struct regent_reg_stop *st = r->stop;

	if (st == NULL)
		return;
	r->stop = NULL;
	count_down(st, notify);
}

/* The Registerers of ua into a new array (*n of them), or NULL. */
static struct regent_registerer **collect(struct regent_ua *ua, size_t *n)
{
	size_t k = regent_ua_clients(ua, NULL, 0);
	struct regent_ua_client **cs = calloc(k + 1, sizeof(*cs));
	struct regent_registerer **rs = calloc(k + 1, sizeof(*rs));

	*n = 0;
	if (cs == NULL || rs == NULL) {
		free(cs);
		free(rs);
		return NULL;
	}
	k = regent_ua_clients(ua, cs, k);
	for (size_t i = 0; i < k; i++) {
		if (cs[i]->ops == &regent_reg_client_ops) /* cl is the first member */
			rs[(*n)++] = (struct regent_registerer *)(void *)cs[i];
	}
	free(cs);
	return rs;
}

int regent_ua_stop(struct regent_ua *ua, uint32_t deadline_ms, regent_ua_stopped_h *done, void *arg)
{
	struct regent_registerer **rs;
	struct regent_reg_stop *st;
	size_t n;

	if (ua == NULL)
		return EINVAL;
	rs = collect(ua, &n);
	st = calloc(1, sizeof(*st));
	if (rs == NULL || st == NULL) {
		free(rs);
		free(st);
		return ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (rs[i]->stop != NULL) {
			free(rs);
			free(st);
			return EBUSY;
		}
	}
	*st = (struct regent_reg_stop){1, done, arg, ua};
	regent_ua_enter(ua); /* a callback may free any of them, or the UA */
	for (size_t i = 0; i < n; i++) {
		if (rs[i]->state == REGENT_REG_TERMINATED)
			continue;
		rs[i]->stop = st;
		st->pending++;
	}
	for (size_t i = 0; i < n; i++) {
		if (rs[i]->stop == st && regent_reg_alive(rs[i]))
			regent_registerer_dispose(rs[i], deadline_ms);
	}
	free(rs);
	count_down(st, true);
	regent_ua_leave(ua);
	return 0;
}

/*
 * timers — the Registerer's deadlines (transaction timers, the wait for a
 * flow, dispose(), refresh, retry, expiry) and the flow coming and going.
 *
 * Refresh, retry and expiry are looked at only while idle: one owner
 * schedules requests (defects 3 and 11). A due timer is always consumed,
 * so a deadline in the past can never make the host spin.
 */
#include <errno.h>
#include <stdio.h>

#include "reg/reg_int.h"

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t regent_reg_deadline(const struct regent_registerer *r)
{
	uint64_t d = REGENT_REG_NEVER;

	if (r->state == REGENT_REG_TERMINATED)
		return REGENT_REG_NEVER;
	if (r->txn != NULL)
		d = min64(d, regent_txn_deadline(r->txn));
	if (r->old != NULL)
		d = min64(d, r->old->timer_k);
	if (r->queued)
		d = min64(d, r->t_queue);
	d = min64(d, r->t_dispose);
	d = min64(d, regent_reg_probe_deadline(r));
	if (r->xk == REGENT_X_NONE) {
		/* idle only: one owner schedules requests */
		d = min64(d, r->t_retry);
		d = min64(d, r->t_refresh);
		d = min64(d, r->t_expire);
	}
	return d;
}

/* Timers E, F and K of the transactions, and the wait for a flow. False:
 * stop (r was freed). */
static bool txn_timers(struct regent_registerer *r, uint64_t now)
{
	enum regent_txn_action act;
	int err;

	if (r->old != NULL && r->old->timer_k <= now)
		regent_reg_drop_old(r);
	if (r->txn != NULL && regent_txn_deadline(r->txn) <= now) {
		act = regent_txn_timer(r->txn, now);
		if (act == REGENT_TXN_ACT_SEND && r->txn->req != NULL) {
			err = regent_ua_send(r->ua, &r->cl, r->txn->req, r->txn->req_len, r->cseq,
					     true);
			if (err != 0) {
				regent_txn_transport_error(r->txn);
				regent_reg_local_failure(
				    r, 503, "Service Unavailable (transport error)", err);
			}
		} else if (act == REGENT_TXN_ACT_TIMEOUT) {
			/* timer F: a local 408 (RFC 3261 §8.1.3.1) */
			regent_reg_local_failure(r, 408, "Request Timeout", REGENT_ETIMEOUT);
		}
		if (!regent_reg_alive(r))
			return false;
	}
	if (r->queued && r->t_queue <= now) {
		regent_reg_local_failure(r, 503, "Service Unavailable (no flow)", ENOTCONN);
		if (!regent_reg_alive(r))
			return false;
	}
	return true;
}

/* Expiry, retry and refresh, while idle. */
static void idle_timers(struct regent_registerer *r, uint64_t now)
{
	if (r->t_expire <= now) {
		r->t_expire = REGENT_REG_NEVER;
		if (!regent_reg_lost(r, "registration expired", 0))
			return;
		/* nothing else scheduled: come back with the back-off */
		if (r->t_retry == REGENT_REG_NEVER && r->xk == REGENT_X_NONE)
			regent_reg_schedule_retry(r, false, 0, "registration expired", 0);
		if (!regent_reg_alive(r) || r->xk != REGENT_X_NONE)
			return;
	}
	if (r->t_retry <= now) {
		r->t_retry = REGENT_REG_NEVER;
		if (r->want_reg) {
			regent_reg_start_exchange(r, REGENT_X_REGISTER, REGENT_SEND_RETRY);
			return;
		}
	}
	if (r->t_refresh <= now) {
		r->t_refresh = REGENT_REG_NEVER;
		if (r->want_reg)
			regent_reg_start_exchange(r, REGENT_X_REGISTER, REGENT_SEND_REFRESH);
	}
}

void regent_reg_process_timers(struct regent_registerer *r, uint64_t now)
{
	if (r->state == REGENT_REG_TERMINATED || !txn_timers(r, now))
		return;
	if (r->t_dispose <= now) {
		/* dispose() bound reached: give up on the un-REGISTER */
		regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: dispose deadline reached",
			      r->call_id);
		regent_reg_terminate(r);
		return;
	}
	if (r->xk == REGENT_X_NONE)
		idle_timers(r, now);
	if (regent_reg_alive(r) && r->state != REGENT_REG_TERMINATED)
		regent_reg_probe_timers(r, now);
}

void regent_reg_flow_up(struct regent_registerer *r)
{
	if (r->state == REGENT_REG_TERMINATED)
		return;
	if (r->queued) {
		regent_reg_send_request(r, r->next_reason);
		return;
	}
	if (r->xk != REGENT_X_NONE || !r->want_reg || r->disposing)
		return;
	/* RFC 5626 §4.5: re-register when the flow is back. Failures caused by
	 * the dead flow say nothing about the registrar: go now (plus a little
	 * jitter). Otherwise keep the back-off the registrar earned. */
	if (r->t_retry != REGENT_REG_NEVER && (r->flow_lost || r->failures <= 1))
		r->t_retry = min64(r->t_retry, regent_reg_now(r) + regent_reg_rnd16(r) % 500u);
}

/* The exchange in flight fails at once (defect 7). True when the caller
 * should go on to the registration itself. */
static bool fail_exchange(struct regent_registerer *r, int err)
{
	enum regent_reg_xkind xk = r->xk;
	char phrase[96];

	if (r->txn != NULL)
		regent_txn_transport_error(r->txn);
	/* the reason names the cause (e.g. TLS verification) */
	if (err != 0)
		snprintf(phrase, sizeof(phrase), "Service Unavailable (flow lost: %s)",
			 regent_strerror(err));
	else
		snprintf(phrase, sizeof(phrase), "Service Unavailable (network changed)");
	regent_reg_local_failure(r, 503, phrase, err != 0 ? err : ENETRESET);
	/* A REGISTER or un-REGISTER decides about the registration in its
	 * failure. A query, or a removal of other Contacts, owns none: the
	 * binding on the lost flow is handled as when idle, even if a
	 * callback has started another exchange meanwhile (the retry then
	 * waits for it to end). */
	return (xk == REGENT_X_QUERY || xk == REGENT_X_REMOVE) && regent_reg_alive(r);
}

void regent_reg_flow_down(struct regent_registerer *r, int err)
{
	char why[96];

	if (r->state == REGENT_REG_TERMINATED)
		return;
	regent_reg_drop_old(r);
	if (!regent_reg_nat_flow_down(r, err))
		return;
	r->flow_lost = true;
	if (r->xk != REGENT_X_NONE && !fail_exchange(r, err))
		return;
	if (r->state != REGENT_REG_REGISTERED || !r->want_reg)
		return;
	snprintf(why, sizeof(why), "flow lost: %s",
		 err != 0 ? regent_strerror(err) : "network changed");
	if (!regent_reg_lost(r, why, err != 0 ? err : ENETRESET))
		return;
	/* issue 13: a connection that drops while the registrar was fine (a
	 * held registration, no failure since) is reopened and re-registered
	 * at once, once (plus up to 0.5 s of jitter); a second drop in a row
	 * gets the RFC 5626 §4.5 back-off */
	r->retry_now = r->failures == 0;
	regent_reg_schedule_retry(r, false, 0, "flow lost", err != 0 ? err : ENETRESET);
}

/*
 * The Registerer's exchange (SIP.js Registerer parity, minus the defects
 * listed in docs/sipjs-differences.md): sending a REGISTER and its
 * transaction, taking a response, and the handler table the UA calls.
 *
 * One owner schedules every request: the exchange in progress (`xk`) is the
 * only one; refresh, retry and expiry timers are only looked at while idle
 * (timers.c), so an internal refresh never collides with an in-flight
 * request (defect 3) and an expiry during a refresh waits for its outcome
 * (defect 11). Every exit of an exchange goes through
 * regent_reg_end_exchange(), and final.c clears `waiting` (defect 2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg_int.h"

uint64_t regent_reg_now(const struct regent_registerer *r)
{
	return regent_ua_now(r->ua);
}

uint16_t regent_reg_rnd16(struct regent_registerer *r)
{
	return (uint16_t)(regent_ua_random_u32(r->ua) & 0xffff);
}

void regent_reg_drop_txn(struct regent_registerer *r, struct regent_txn **tp)
{
	if (*tp == NULL)
		return;
	regent_ua_untrack(r->ua, (*tp)->branch);
	regent_txn_close(*tp);
	free(*tp);
	*tp = NULL;
}

void regent_reg_drop_old(struct regent_registerer *r)
{
	if (r->old == NULL)
		return;
	regent_ua_untrack(r->ua, r->old->key);
	free(r->old);
	r->old = NULL;
}

void regent_reg_free_contacts(struct regent_registerer *r)
{
	if (r->more == NULL)
		return;
	for (size_t i = 0; i < r->more->nxcontacts; i++)
		free(r->more->xcontacts[i]);
	free(r->more->xcontacts);
	r->more->xcontacts = NULL;
	r->more->nxcontacts = 0;
}

/* A completed txn leaves its record in `old` to absorb retransmissions
 * (timer K) when there is room to track it (see regent_ua_track); another
 * one just goes. */
static void retire_txn(struct regent_registerer *r)
{
	struct regent_txn_done *d;

	if (r->txn == NULL)
		return;
	if (r->txn->state != REGENT_TXN_COMPLETED) {
		regent_reg_drop_txn(r, &r->txn);
		return;
	}
	regent_reg_drop_old(r);
	if (regent_txn_done_make(&d, r->txn) != 0)
		d = NULL; /* out of memory: not absorbing is not wrong (§18.1.2) */
	regent_reg_drop_txn(r, &r->txn);
	if (d != NULL && regent_ua_track(r->ua, d->key, &r->cl) == 0)
		r->old = d;
	else
		free(d);
}

void regent_reg_end_exchange(struct regent_registerer *r)
{
	retire_txn(r);
	r->xk = REGENT_X_NONE;
	r->queued = false;
	r->t_queue = REGENT_REG_NEVER;
	r->auth_tries = 0;
	r->redirects = 0;
	if (r->more != NULL) {
		free(r->more->xruri);
		r->more->xruri = NULL;
		free(r->more->xheaders);
		r->more->xheaders = NULL;
		memset(&r->more->xdelegate, 0, sizeof(r->more->xdelegate));
	}
	regent_reg_free_contacts(r);
}

void regent_reg_local_failure(struct regent_registerer *r, uint16_t status, const char *phrase,
			      int err)
{
	regent_reg_drop_txn(r, &r->txn);
	regent_reg_handle_final(r, status, phrase, NULL, true, err);
}

/* ------------------------------------------------------------ sending */

static void random_branch(struct regent_registerer *r, char *out)
{
	/* RFC 3261 §8.1.1.7: magic cookie + 96 random bits. */
	memcpy(out, "z9hG4bK", 7);
	regent_ua_random_hex(r->ua, out + 7, 24);
}

/* Waits for the flow, bounded by timer F (never a stuck waiting). */
static void queue_for_flow(struct regent_registerer *r, enum regent_send_reason reason)
{
	r->queued = true;
	r->next_reason = reason;
	if (r->t_queue == REGENT_REG_NEVER)
		r->t_queue = regent_reg_now(r) + (regent_ua_identity(r->ua)->txn_timeout_ms
						      ? regent_ua_identity(r->ua)->txn_timeout_ms
						      : 64ull * regent_ua_identity(r->ua)->t1_ms);
	regent_ua_want_flow(r->ua, &r->cl);
}

/* A new transaction for the request in wb (tracked by the UA). */
static int start_txn(struct regent_registerer *r, const struct regent_wbuf *wb, const char *branch)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	struct regent_txn_timers tm;

	regent_reg_drop_txn(r, &r->txn);
	r->txn = calloc(1, sizeof(*r->txn));
	memset(&tm, 0, sizeof(tm));
	tm.t1_ms = id->t1_ms;
	tm.t2_ms = id->t2_ms;
	tm.t4_ms = id->t4_ms;
	tm.reliable = regent_transport_reliable(regent_ua_flow_info(r->ua, &r->cl)->transport);
	if (r->txn == NULL || regent_txn_start(r->txn, &tm, branch, "REGISTER", wb->buf, wb->len,
					       regent_reg_now(r)) != 0) {
		free(r->txn);
		r->txn = NULL;
		return ENOMEM;
	}
	regent_txn_bound(r->txn, id->txn_timeout_ms, regent_reg_now(r));
	/* the transaction in flight comes first: the completed one makes
	 * room for it if the UA's spare pool is used up */
	if (regent_ua_track(r->ua, r->txn->branch, &r->cl) != 0) {
		regent_reg_drop_old(r);
		if (regent_ua_track(r->ua, r->txn->branch, &r->cl) != 0) {
			regent_reg_drop_txn(r, &r->txn); /* not tracked: only freed */
			return ENOBUFS;
		}
	}
	return 0;
}

static void emit_sent(struct regent_registerer *r, enum regent_send_reason reason,
		      const struct regent_wbuf *wb)
{
	struct regent_event ev;

	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: REGISTER sent (%s, CSeq %u)",
		      r->call_id, regent_send_reason_name(reason), r->cseq);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_REQUEST_SENT;
	ev.reason = reason;
	ev.cseq = r->cseq;
	ev.msg = wb->buf;
	ev.msg_len = wb->len;
	regent_reg_emit(r, &ev);
}

void regent_reg_send_request(struct regent_registerer *r, enum regent_send_reason reason)
{
	struct regent_wbuf wb;
	char branch[REGENT_TXN_BRANCH_MAX];
	int err;

	if (!regent_ua_flow_is_up(r->ua, &r->cl)) {
		queue_for_flow(r, reason);
		return;
	}
	r->queued = false;
	r->t_queue = REGENT_REG_NEVER;
	r->cseq++; /* every request, auth retries included (RFC 3261 §10.2.4) */
	random_branch(r, branch);
	branch[7 + 24] = '\0';

	regent_wbuf_init_dynamic(&wb, 65536);
	err = regent_reg_build(r, &wb, branch, r->xk == REGENT_X_REGISTER ? r->asked_expires : 0);
	if (err) {
		regent_ua_log(r->ua, REGENT_LOG_ERROR, "registerer %s: cannot build REGISTER: %s",
			      r->call_id, wb.err_field[0] ? wb.err_field : strerror(err));
		regent_wbuf_release(&wb);
		regent_reg_local_failure(r, 500, "Cannot Build Request", err);
		return;
	}
	err = start_txn(r, &wb, branch);
	if (err) {
		regent_wbuf_release(&wb);
		regent_reg_local_failure(r, 500, "Out Of Memory", err);
		return;
	}
	err = regent_ua_send(r->ua, &r->cl, wb.buf, wb.len, r->cseq, false);
	if (err) {
		/* §17.1.4: a transport error fails the transaction at once. */
		regent_wbuf_release(&wb);
		regent_txn_transport_error(r->txn);
		regent_reg_local_failure(r, 503, "Service Unavailable (transport error)", err);
		return;
	}
	emit_sent(r, reason, &wb);
	regent_wbuf_release(&wb);
}

void regent_reg_start_exchange(struct regent_registerer *r, enum regent_reg_xkind xk,
			       enum regent_send_reason reason)
{
	r->exchange_no++;
	r->xk = xk;
	r->did_423 = false;
	r->auth_restarted = false;
	r->auth_tries = 0;
	r->redirects = 0;
	if (xk != REGENT_X_QUERY && xk != REGENT_X_REMOVE) {
		/* a query, or removing other Contacts, leaves the registration's
		 * timers alone */
		r->t_retry = REGENT_REG_NEVER;
		r->t_refresh = REGENT_REG_NEVER;
	}
	if (!regent_reg_set_waiting(r, true) && !regent_reg_alive(r))
		return;
	regent_reg_send_request(r, reason);
}

/* ------------------------------------------------------------ responses */

/* A response whose branch is ours must also carry our Call-ID and From tag
 * (RFC 3261 §8.1.3.3, §17.1.3): one that does not is a confused proxy's
 * answer to someone else, dropped, counted and logged at most once a
 * second (a proxy that does it does it to every response). */
static bool ours_by_ids(struct regent_registerer *r, const struct regent_msg *m)
{
	struct regent_addr from;
	struct regent_reg_more *x;
	uint64_t now;

	if (regent_pl_eq_str(regent_msg_call_id(m), r->call_id) && regent_msg_from(m, &from) == 0 &&
	    regent_pl_eq_str(from.tag, r->from_tag))
		return true;
	regent_ua_counters(r->ua)->mismatched_dropped++;
	now = regent_reg_now(r);
	if ((x = regent_reg_more(r)) == NULL)
		return false; /* counted; not logged without memory for the limit */
	if (x->mismatch_log_at != 0 && now - x->mismatch_log_at < 1000) {
		x->mismatch_quiet++;
		return false;
	}
	regent_ua_log(r->ua, REGENT_LOG_WARN,
		      "registerer %s: dropped a %u response: branch ours, Call-ID or From tag "
		      "not (%u more not logged)",
		      r->call_id, regent_msg_status(m), x->mismatch_quiet);
	x->mismatch_log_at = now != 0 ? now : 1;
	x->mismatch_quiet = 0;
	return false;
}

/* A final response with values clamped or ignored (src/msg/tolerant.c) is
 * used; it is counted, and logged once per Registerer (issue 11 §2). */
static void note_odd(struct regent_registerer *r, const struct regent_msg *m)
{
	uint32_t n = 0, odd = regent_msg_odd(m, &n);
	char names[128];

	if (odd == 0)
		return;
	regent_ua_counters(r->ua)->odd_responses++;
	if (r->odd_logged)
		return;
	r->odd_logged = true;
	regent_msg_odd_names(odd, names, sizeof(names));
	regent_ua_log(r->ua, REGENT_LOG_WARN,
		      "registerer %s: %u response with %u odd value(s) in %s: clamped or ignored, "
		      "response used (logged once)",
		      r->call_id, regent_msg_status(m), n, names);
}

/* A 1xx: shown (SIP.js onTrying/onProgress), nothing else changes. */
static void provisional(struct regent_registerer *r, const struct regent_msg *m)
{
	struct regent_request_delegate d = regent_reg_rare(r)->xdelegate;
	struct regent_pl raw = regent_msg_raw(m);
	struct regent_event ev;
	char phrase[64];

	regent_pl_strcpy(regent_msg_reason(m), phrase, sizeof(phrase));
	regent_ua_log(r->ua, REGENT_LOG_DEBUG, "registerer %s: %u %s", r->call_id,
		      regent_msg_status(m), phrase);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_PROVISIONAL;
	ev.status = regent_msg_status(m);
	ev.phrase = phrase;
	ev.cseq = r->cseq;
	ev.msg = raw.p;
	ev.msg_len = raw.l;
	if (regent_reg_emit(r, &ev))
		regent_reg_delegate(r, &d, &ev);
}

static bool recv_response(struct regent_registerer *r, const struct regent_msg *m,
			  struct regent_pl branch, struct regent_pl method)
{
	uint16_t status = regent_msg_status(m);
	enum regent_txn_action act;
	char phrase[64];

	if (r->old != NULL && regent_txn_done_matches(r->old, branch, method)) {
		ours_by_ids(r, m); /* if not: dropped and counted there */
		return true;	   /* a late retransmission: absorbed (timer K) */
	}
	if (r->txn == NULL || !regent_txn_matches(r->txn, branch, method))
		return false;
	if (!ours_by_ids(r, m))
		return true;
	act = regent_txn_response(r->txn, status, regent_reg_now(r));
	if (act != REGENT_TXN_ACT_DELIVER)
		return true;
	if (status < 200) {
		provisional(r, m); /* timer E slows down to T2 (txn) */
		return true;
	}
	note_odd(r, m);
	r->last_retransmitted = r->txn->retransmissions > 0;
	regent_pl_strcpy(regent_msg_reason(m), phrase, sizeof(phrase));
	/* the completed txn becomes `old` when the exchange ends, or is
	 * replaced by the next request's txn */
	retire_txn(r);
	regent_reg_handle_final(r, status, phrase, m, false, 0);
	return true;
}

/* ------------------------------------------------------------ the UA's handlers */

/* Every way into a Registerer from outside src/reg ends in resched (the
 * handlers below and the public calls of api.c), so the UA's heap always
 * holds what regent_reg_deadline() says. */
void regent_reg_resched(struct regent_registerer *r)
{
	regent_ua_schedule(r->ua, &r->cl, regent_reg_deadline(r));
}

static struct regent_registerer *of(struct regent_ua_client *c)
{
	return (struct regent_registerer *)(void *)c; /* cl is the first member */
}

static bool on_recv(struct regent_ua_client *c, const struct regent_msg *m, struct regent_pl branch,
		    struct regent_pl method)
{
	bool taken;

	if (regent_reg_probe_response(of(c), m, branch)) {
		if (regent_reg_alive(of(c)))
			regent_reg_resched(of(c));
		return true;
	}
	taken = recv_response(of(c), m, branch, method);

	regent_reg_resched(of(c));
	return taken;
}

static void on_process(struct regent_ua_client *c, uint64_t now)
{
	regent_reg_process_timers(of(c), now);
	regent_reg_resched(of(c));
}

static void on_flow_up(struct regent_ua_client *c)
{
	regent_reg_flow_up(of(c));
	regent_reg_resched(of(c));
}

static void on_flow_down(struct regent_ua_client *c, int err)
{
	regent_reg_flow_down(of(c), err);
	regent_reg_resched(of(c));
}

static uint64_t on_deadline(const struct regent_ua_client *c)
{
	return regent_reg_deadline((const struct regent_registerer *)(const void *)c);
}

static void on_destroy(struct regent_ua_client *c)
{
	regent_reg_destroy(of(c));
}

/* A NAT rebinding seen by a STUN keep-alive (RFC 5626 §4.4.2): the
 * registrar's binding (or its received/rport) points at the old mapping;
 * re-register now (natflow.c then rewrites the Contact if need be). */
static void on_flow_mapped(struct regent_ua_client *c, const char *host, uint16_t port)
{
	regent_reg_nat_mapped(of(c), host, port);
	regent_reg_resched(of(c));
}

/* Our reachability probe came back over the flow (reach.c). */
static void on_probe_seen(struct regent_ua_client *c, const char *call_id)
{
	regent_reg_probe_seen(of(c), call_id);
	if (regent_reg_alive(of(c)))
		regent_reg_resched(of(c));
}

const struct regent_ua_client_ops regent_reg_client_ops = {
    on_recv,	 on_process, on_flow_up,     on_flow_down,
    on_deadline, on_destroy, on_flow_mapped, on_probe_seen,
};

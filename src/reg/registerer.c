/*
 * The Registerer state machine (SIP.js Registerer parity, minus the defects
 * listed in sipjs-registerer.md §4a).
 *
 * One owner schedules every request: the exchange in progress (`xk`) is the
 * only one; refresh, retry and expiry timers are only looked at while idle,
 * so an internal refresh never collides with an in-flight request (defect 3)
 * and an expiry during a refresh waits for its outcome (defect 11). Every exit
 * of an exchange goes through end_exchange(), which clears `waiting`
 * (defect 2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg/policy.h"
#include "reg/reg_int.h"

#define NEVER UINT64_MAX

static void start_exchange(struct regent_registerer *r, enum regent_reg_xkind xk,
			   enum regent_send_reason reason);
static void send_request(struct regent_registerer *r, enum regent_send_reason reason);
static void terminate(struct regent_registerer *r);

/* ------------------------------------------------------------ events */

static bool alive(const struct regent_registerer *r)
{
	return !r->dead && !r->ua->free_pending;
}

/* Emits an event. False when the caller must stop: the registerer was freed,
 * or the callback started another exchange (what we were about to report is
 * stale). */
static bool emit(struct regent_registerer *r, struct regent_event *ev)
{
	uint32_t epoch = r->epoch;

	if (!alive(r))
		return false;
	ev->state = r->state;
	ev->waiting = r->waiting;
	if (r->event_h != NULL) {
		r->ua->cb_depth++;
		r->event_h(r, ev, r->event_arg);
		r->ua->cb_depth--;
	}
	return alive(r) && r->epoch == epoch;
}

static bool set_state(struct regent_registerer *r, enum regent_registerer_state s)
{
	struct regent_event ev;

	if (r->state == s || r->state == REGENT_REG_TERMINATED)
		return alive(r);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_STATE_CHANGED;
	ev.old_state = r->state;
	r->state = s;
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: state %s -> %s", r->call_id,
		      regent_registerer_state_name(ev.old_state), regent_registerer_state_name(s));
	return emit(r, &ev);
}

static bool set_waiting(struct regent_registerer *r, bool w)
{
	struct regent_event ev;

	if (r->waiting == w)
		return alive(r);
	r->waiting = w;
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_WAITING_CHANGED;
	return emit(r, &ev);
}

static bool emit_simple(struct regent_registerer *r, enum regent_event_type type, const char *why,
			uint64_t retry_in, int error)
{
	struct regent_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.why = why;
	ev.retry_in_ms = retry_in;
	ev.error = error;
	return emit(r, &ev);
}

/* ------------------------------------------------------------ helpers */

static uint64_t now_ms(const struct regent_registerer *r)
{
	return regent_ua_now(r->ua);
}

static uint16_t rnd16(struct regent_registerer *r)
{
	return (uint16_t)(regent_ua_random_u32(r->ua) & 0xffff);
}

static void drop_txn(struct regent_registerer *r, struct regent_txn **tp)
{
	if (*tp == NULL)
		return;
	regent_ua_txmap_del(&r->ua->txns, (*tp)->branch);
	regent_txn_close(*tp);
	free(*tp);
	*tp = NULL;
}

static void free_contacts(struct regent_registerer *r)
{
	for (size_t i = 0; i < r->nxcontacts; i++)
		free(r->xcontacts[i]);
	free(r->xcontacts);
	r->xcontacts = NULL;
	r->nxcontacts = 0;
}

/* The exchange is over, whatever its outcome: nothing in flight, nothing
 * queued, per-request state gone. Does not emit. */
static void end_exchange(struct regent_registerer *r)
{
	/* A completed txn moves to `old` to absorb retransmissions. */
	if (r->txn != NULL) {
		if (r->txn->state == REGENT_TXN_COMPLETED) {
			drop_txn(r, &r->old);
			r->old = r->txn;
			r->txn = NULL;
		} else {
			drop_txn(r, &r->txn);
		}
	}
	r->xk = REGENT_X_NONE;
	r->queued = false;
	r->t_queue = NEVER;
	r->auth_tries = 0;
	r->redirects = 0;
	free(r->xruri);
	r->xruri = NULL;
	free(r->xheaders);
	r->xheaders = NULL;
	free_contacts(r);
}

static void schedule_retry(struct regent_registerer *r, bool has_ra, uint32_t ra_s, const char *why)
{
	uint64_t now = now_ms(r), d;

	if (!r->auto_retry || !r->want_reg || r->disposing)
		return;
	r->failures++;
	d = regent_reg_retry_ms(r->failures, r->retry_base_s, r->retry_max_s, has_ra, ra_s,
				rnd16(r));
	/* A binding still held on the registrar: retry well before it ends,
	 * but never in a rush (the floor bounds REGISTERs per minute). */
	if (!has_ra && r->state == REGENT_REG_REGISTERED && r->t_expire != NEVER &&
	    r->t_expire > now) {
		uint64_t half = (r->t_expire - now) / 2;
		if (half < REGENT_REG_RETRY_HELD_FLOOR_MS)
			half = REGENT_REG_RETRY_HELD_FLOOR_MS;
		if (half < d)
			d = half;
	}
	r->t_retry = now + d;
	r->t_refresh = NEVER;
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: will retry in %llu ms (%s)",
		      r->call_id, (unsigned long long)d, why);
	emit_simple(r, REGENT_EV_WILL_RETRY, why, d, 0);
}

/* The registration is gone (expired, removed, flow lost). `err` is the local
 * cause (errno or REGENT_E*) for the event, 0 when there is none. */
static bool lost(struct regent_registerer *r, const char *why, int err)
{
	r->t_refresh = NEVER;
	r->t_expire = NEVER;
	if (r->state != REGENT_REG_REGISTERED)
		return alive(r);
	regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: registration lost: %s", r->call_id,
		      why);
	if (!set_state(r, REGENT_REG_UNREGISTERED))
		return false;
	return emit_simple(r, REGENT_EV_REGISTRATION_LOST, why, 0, err);
}

/* After an exchange ends while dispose() is pending. */
static void dispose_continue(struct regent_registerer *r)
{
	if (!r->disposing || r->xk != REGENT_X_NONE || !alive(r))
		return;
	if (r->state == REGENT_REG_REGISTERED && !r->dispose_sent) {
		r->dispose_sent = true;
		r->want_reg = false;
		start_exchange(r, REGENT_X_UNREGISTER, REGENT_SEND_UNREGISTER);
		return;
	}
	terminate(r);
}

/* Is `u` one of the Contacts an unregister_contacts() exchange asked to
 * remove (RFC 3261 §19.1.4 equivalence, as the registrar compares)? */
static bool named_for_removal(const struct regent_registerer *r, const struct regent_uri *u)
{
	struct regent_uri t;

	if (r->xk != REGENT_X_REMOVE)
		return false;
	for (size_t i = 0; i < r->nxcontacts; i++) {
		if (regent_uri_parse(&t, r->xcontacts[i], strlen(r->xcontacts[i]), NULL) == 0 &&
		    regent_uri_equal(&t, u))
			return true;
	}
	return false;
}

/* Copies the Contacts of a 2xx into one block (strings valid until the next
 * response, as regent.h says). */
static void store_bindings(struct regent_registerer *r, const struct regent_msg *m,
			   const uint8_t *levels, size_t nlevels, uint32_t asked)
{
	struct regent_msg_iter it;
	struct regent_contact c;
	uint8_t best = REGENT_REG_MATCH_NONE;
	size_t n = 0, bytes = 0, i = 0, ci = 0;
	uint32_t hdr = 0;
	bool has_hdr = regent_msg_u32(m, REGENT_HDR_EXPIRES, &hdr) == 0;
	const struct regent_hdr *sr;
	char *blk, *s;

	free(r->bindings);
	r->bindings = NULL;
	r->nbindings = 0;
	free(r->service_route);
	r->service_route = NULL;

	for (size_t k = 0; k < nlevels; k++)
		if (levels[k] > best)
			best = levels[k];
	memset(&it, 0, sizeof(it));
	while (regent_msg_contact_next(m, &it, &c) == 0) {
		if (c.star)
			continue;
		n++;
		bytes += c.addr.uri.raw.l + 1 +
			 (regent_pl_isset(c.addr.params) ? c.addr.params.l : 0) + 1 + c.pub_gruu.l +
			 1 + c.temp_gruu.l + 1;
		if (n >= 64)
			break; /* bounded: a registrar listing more is not our problem */
	}
	if (n > 0) {
		blk = malloc(n * sizeof(struct regent_binding) + bytes);
		if (blk == NULL)
			return;
		r->bindings = (struct regent_binding *)(void *)blk;
		s = blk + n * sizeof(struct regent_binding);
		memset(&it, 0, sizeof(it));
		while (i < n && regent_msg_contact_next(m, &it, &c) == 0) {
			struct regent_binding *b = &r->bindings[i];
			struct regent_pl pr = c.addr.params;
			size_t li = ci++;
			if (c.star)
				continue;
			b->uri = s;
			memcpy(s, c.addr.uri.raw.p, c.addr.uri.raw.l);
			s += c.addr.uri.raw.l;
			*s++ = '\0';
			/* params as received, without the leading ';' */
			if (regent_pl_isset(pr) && pr.l > 0 && pr.p[0] == ';') {
				pr.p++;
				pr.l--;
			}
			b->params = s;
			if (regent_pl_isset(pr)) {
				memcpy(s, pr.p, pr.l);
				s += pr.l;
			}
			*s++ = '\0';
			b->pub_gruu = NULL;
			b->temp_gruu = NULL;
			if (regent_pl_isset(c.pub_gruu)) {
				b->pub_gruu = s;
				memcpy(s, c.pub_gruu.p, c.pub_gruu.l);
				s += c.pub_gruu.l;
			}
			*s++ = '\0';
			if (regent_pl_isset(c.temp_gruu)) {
				b->temp_gruu = s;
				memcpy(s, c.temp_gruu.p, c.temp_gruu.l);
				s += c.temp_gruu.l;
			}
			*s++ = '\0';
			b->expires = regent_reg_binding_expires(c.has_expires, c.expires, has_hdr,
								hdr, asked);
			b->ours =
			    best != REGENT_REG_MATCH_NONE && li < nlevels && levels[li] == best;
			b->kept = b->expires > 0 && named_for_removal(r, &c.addr.uri);
			i++;
		}
		r->nbindings = i;
	}

	/* RFC 3608: Service-Route, as received (values joined by ", "). */
	bytes = 0;
	for (sr = NULL; (sr = regent_msg_hdr_find(m, REGENT_HDR_SERVICE_ROUTE, NULL, sr)) != NULL;)
		bytes += sr->value.l + 2;
	if (bytes > 0) {
		r->service_route = malloc(bytes + 1);
		if (r->service_route == NULL)
			return;
		s = r->service_route;
		for (sr = NULL;
		     (sr = regent_msg_hdr_find(m, REGENT_HDR_SERVICE_ROUTE, NULL, sr)) != NULL;) {
			if (s != r->service_route) {
				*s++ = ',';
				*s++ = ' ';
			}
			memcpy(s, sr->value.p, sr->value.l);
			s += sr->value.l;
		}
		*s = '\0';
	}
}

/* ------------------------------------------------------------ sending */

static void random_branch(struct regent_registerer *r, char *out)
{
	/* RFC 3261 §8.1.1.7: magic cookie + 96 random bits. */
	memcpy(out, "z9hG4bK", 7);
	regent_ua_random_hex(r->ua, out + 7, 24);
}

static void handle_final(struct regent_registerer *r, uint16_t status, const char *phrase,
			 const struct regent_msg *m, bool local, int lerr);

/* Fails the exchange locally with a synthesized response; `err` (errno or
 * REGENT_E*) is its cause, reported in the event's `error`. */
static void local_failure(struct regent_registerer *r, uint16_t status, const char *phrase, int err)
{
	drop_txn(r, &r->txn);
	handle_final(r, status, phrase, NULL, true, err);
}

static void send_request(struct regent_registerer *r, enum regent_send_reason reason)
{
	struct regent_wbuf wb;
	struct regent_txn_timers tm;
	struct regent_event ev;
	char branch[REGENT_TXN_BRANCH_MAX];
	uint32_t expires = 0;
	int err;

	if (!r->ua->flow_up) {
		/* Wait for the flow, bounded by timer F (never a stuck waiting). */
		r->queued = true;
		r->next_reason = reason;
		if (r->t_queue == NEVER)
			r->t_queue = now_ms(r) + 64ull * r->ua->t1_ms;
		regent_ua_want_flow(r->ua);
		return;
	}
	r->queued = false;
	r->t_queue = NEVER;

	if (r->xk == REGENT_X_REGISTER)
		expires = r->asked_expires;
	r->cseq++; /* every request, auth retries included (RFC 3261 §10.2.4) */
	random_branch(r, branch);
	branch[7 + 24] = '\0';

	regent_wbuf_init_dynamic(&wb, 65536);
	err = regent_reg_build(r, &wb, branch, expires);
	if (err) {
		regent_ua_log(r->ua, REGENT_LOG_ERROR, "registerer %s: cannot build REGISTER: %s",
			      r->call_id, wb.err_field[0] ? wb.err_field : strerror(err));
		regent_wbuf_release(&wb);
		local_failure(r, 500, "Cannot Build Request", err);
		return;
	}

	drop_txn(r, &r->txn);
	r->txn = calloc(1, sizeof(*r->txn));
	memset(&tm, 0, sizeof(tm));
	tm.t1_ms = r->ua->t1_ms;
	tm.t2_ms = r->ua->t2_ms;
	tm.t4_ms = r->ua->t4_ms;
	tm.reliable = regent_transport_reliable(r->ua->fi.transport);
	if (r->txn == NULL ||
	    regent_txn_start(r->txn, &tm, branch, "REGISTER", wb.buf, wb.len, now_ms(r)) != 0) {
		free(r->txn);
		r->txn = NULL;
		regent_wbuf_release(&wb);
		local_failure(r, 500, "Out Of Memory", ENOMEM);
		return;
	}
	regent_ua_txmap_put(&r->ua->txns, r->txn->branch, r);

	err = regent_ua_send(r->ua, wb.buf, wb.len);
	if (err) {
		/* §17.1.4: a transport error fails the transaction at once. */
		regent_wbuf_release(&wb);
		regent_txn_transport_error(r->txn);
		local_failure(r, 503, "Service Unavailable (transport error)", err);
		return;
	}
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: REGISTER sent (%s, CSeq %u)",
		      r->call_id, regent_send_reason_name(reason), r->cseq);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_REQUEST_SENT;
	ev.reason = reason;
	ev.cseq = r->cseq;
	ev.msg = wb.buf;
	ev.msg_len = wb.len;
	emit(r, &ev);
	regent_wbuf_release(&wb);
}

static void start_exchange(struct regent_registerer *r, enum regent_reg_xkind xk,
			   enum regent_send_reason reason)
{
	r->epoch++;
	r->xk = xk;
	r->did_423 = false;
	r->auth_restarted = false;
	r->auth_tries = 0;
	r->redirects = 0;
	if (xk != REGENT_X_QUERY && xk != REGENT_X_REMOVE) {
		/* a query, or removing other Contacts, leaves the registration's
		 * timers alone */
		r->t_retry = NEVER;
		r->t_refresh = NEVER;
	}
	if (!set_waiting(r, true) && !alive(r))
		return;
	send_request(r, reason);
}

/* ------------------------------------------------------------ responses */

static void build_me(struct regent_registerer *r, struct regent_reg_me *me, struct regent_uri *u,
		     char *buf, size_t size)
{
	memset(me, 0, sizeof(*me));
	me->instance = r->instance;
	me->reg_id = r->reg_id;
	if (regent_reg_contact_uri(r, buf, size) == 0 &&
	    regent_uri_parse(u, buf, strlen(buf), NULL) == 0)
		me->contact = u;
}

static bool retryable(uint16_t status, bool has_ra)
{
	/* Every failure is retried with the back-off (RFC 5626 §4.5): even a
	 * 403 or a refused credential may be a registrar's passing trouble,
	 * and the back-off (30 s .. 30 min) keeps it far from a storm. */
	(void)status;
	(void)has_ra;
	return true;
}

static void failure(struct regent_registerer *r, enum regent_reg_xkind xk, uint16_t status,
		    bool has_ra, uint32_t ra, const char *why, bool gone, int err)
{
	uint64_t now = now_ms(r);

	if (xk == REGENT_X_REGISTER) {
		/* A failed refresh does not end a binding the registrar still
		 * holds (defect 11), unless the flow it lives on died. */
		bool still = r->state == REGENT_REG_REGISTERED && r->t_expire != NEVER &&
			     r->t_expire > now && !r->flow_lost && !gone;
		if (!still) {
			if (r->state == REGENT_REG_REGISTERED) {
				if (!lost(r, why, err))
					return;
			} else if (!set_state(r, REGENT_REG_UNREGISTERED)) {
				return;
			}
		}
		if (retryable(status, has_ra))
			schedule_retry(r, has_ra, ra, why);
		else
			r->failures++;
	} else if (xk == REGENT_X_UNREGISTER || xk == REGENT_X_UNREGISTER_ALL) {
		/* The binding may still be there (defect 11): keep REGISTERED
		 * until it expires, but stop refreshing it. */
		r->t_refresh = NEVER;
		if (r->state != REGENT_REG_REGISTERED)
			set_state(r, REGENT_REG_UNREGISTERED);
	}
}

static void handle_2xx(struct regent_registerer *r, enum regent_reg_xkind xk, uint32_t granted,
		       enum regent_reg_grant g)
{
	uint64_t now = now_ms(r), d;

	if (xk == REGENT_X_QUERY || xk == REGENT_X_REMOVE)
		return;
	if (xk == REGENT_X_UNREGISTER || xk == REGENT_X_UNREGISTER_ALL) {
		r->t_refresh = r->t_expire = r->t_retry = NEVER;
		r->failures = 0;
		set_state(r, REGENT_REG_UNREGISTERED);
		return;
	}
	if (g != REGENT_REG_GRANTED) {
		/* An explicit outcome, never a hang nor a tight loop (defects 1, 2). */
		regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: 2xx: %s", r->call_id,
			      regent_reg_grant_name(g));
		/* do not keep a binding we cannot see */
		failure(r, xk, 200, false, 0, regent_reg_grant_name(g), true, 0);
		return;
	}
	r->failures = 0;
	r->flow_lost = false;
	r->t_retry = NEVER;
	r->t_expire = now + (uint64_t)granted * 1000u;
	if (r->auto_refresh && r->want_reg) {
		d = regent_reg_refresh_ms(
		    granted, r->refresh_pct,
		    regent_reg_refresh_margin_ms(regent_transport_reliable(r->ua->fi.transport),
						 r->ua->t1_ms),
		    rnd16(r));
		r->t_refresh = now + d;
	} else {
		r->t_refresh = NEVER;
	}
	if (r->state == REGENT_REG_REGISTERED)
		emit_simple(r, REGENT_EV_REFRESHED, NULL, 0, 0);
	else
		set_state(r, REGENT_REG_REGISTERED);
}

static void handle_final(struct regent_registerer *r, uint16_t status, const char *phrase,
			 const struct regent_msg *m, bool local, int lerr)
{
	enum regent_reg_xkind xk = r->xk;
	struct regent_event ev;
	struct regent_retry_after ra;
	struct regent_reg_me me;
	struct regent_uri cu;
	enum regent_reg_grant g = REGENT_REG_NO_CONTACT;
	uint32_t granted = 0, minexp = 0, newexp = 0;
	bool has_ra = false;
	char cbuf[512], why[96];
	char target[512];
	uint32_t ep;
	int err;

	if (m != NULL && regent_msg_retry_after(m, &ra) == 0)
		has_ra = true;
	/* readable until the next final response (defect 6) */
	r->retry_after = has_ra ? (int64_t)ra.seconds : -1;

	if (status >= 200 && status < 300 && m != NULL) {
		uint8_t levels[64];
		size_t nlev = 0;
		enum regent_reg_grant g2;

		build_me(r, &me, &cu, cbuf, sizeof(cbuf));
		g2 = regent_reg_granted_levels(m, &me, r->asked_expires, &granted, levels,
					       sizeof(levels), &nlev);
		if (xk == REGENT_X_REGISTER)
			g = g2;
		store_bindings(r, m, levels, nlev < sizeof(levels) ? nlev : sizeof(levels),
			       r->asked_expires);
	}

	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: %u %s%s", r->call_id, status, phrase,
		      local ? " (local)" : "");
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_RESPONSE;
	ev.status = status;
	ev.phrase = phrase;
	ev.local = local;
	ev.error = local ? lerr : 0;
	ev.granted_expires = g == REGENT_REG_GRANTED ? granted : 0;
	ev.cseq = r->cseq;
	if (m != NULL) {
		struct regent_pl raw = regent_msg_raw(m);
		ev.msg = raw.p;
		ev.msg_len = raw.l;
	}
	if (!emit(r, &ev))
		return;

	/* 401/407: answer (bounded), RFC 3261 §22.2, RFC 7616. */
	if ((status == 401 || status == 407) && m != NULL) {
		snprintf(why, sizeof(why), "authentication failed");
		if (r->auth != NULL && r->auth_tries < REGENT_REG_MAX_AUTH_TRIES) {
			enum regent_auth_verdict v =
			    regent_auth_client_challenge(r->auth, m, why, sizeof(why));
			/* A challenge to a request we had to retransmit may be the
			 * registrar refusing the replayed nc of a copy it already
			 * accepted (its 2xx lost): start the exchange over, once. */
			if (v == REGENT_AUTH_FAIL && r->last_retransmitted && !r->auth_restarted) {
				r->auth_restarted = true;
				regent_auth_client_done(r->auth, status);
				v = regent_auth_client_challenge(r->auth, m, why, sizeof(why));
			}
			if (v == REGENT_AUTH_RETRY) {
				r->auth_tries++;
				send_request(r, REGENT_SEND_AUTH_RETRY);
				return;
			}
		}
		if (r->auth == NULL)
			snprintf(why, sizeof(why), "challenged but no credentials configured");
		else
			regent_auth_client_done(r->auth, status);
		end_exchange(r);
		r->waiting = false;
		ep = r->epoch;
		failure(r, xk, status, false, 0, why, false, 0);
		goto done;
	}
	if (r->auth != NULL)
		regent_auth_client_done(r->auth, status); /* the exchange is over */

	/* 423: once per registration, only with a larger Min-Expires (§10.2.8). */
	if (status == 423 && xk == REGENT_X_REGISTER && m != NULL) {
		bool has_min = regent_msg_u32(m, REGENT_HDR_MIN_EXPIRES, &minexp) == 0;
		if (regent_reg_423_retry(r->asked_expires, has_min, minexp, r->did_423, &newexp)) {
			r->did_423 = true;
			r->asked_expires = newexp;
			send_request(r, REGENT_SEND_INTERVAL_RETRY);
			return;
		}
	}

	/* 3xx: follow the Contact, a few hops at most (§8.1.3.4). */
	if (status >= 300 && status < 400 && m != NULL) {
		err = regent_reg_redirect_target(m, r->redirects, target, sizeof(target));
		if (err == 0 && regent_check_uri(NULL, "redirect", target, true) == 0) {
			char *t = strdup(target);
			if (t != NULL) {
				free(r->xruri);
				r->xruri = t;
				r->redirects++;
				send_request(r, REGENT_SEND_REDIRECT);
				return;
			}
		}
	}

	end_exchange(r);
	r->waiting = false;
	ep = r->epoch;
	if (status >= 200 && status < 300) {
		handle_2xx(r, xk, granted, g);
	} else {
		if (local)
			snprintf(why, sizeof(why), "%u %s", status, phrase);
		else
			snprintf(why, sizeof(why), "%u %.80s", status, phrase);
		failure(r, xk, status, has_ra, has_ra ? ra.seconds : 0, why, false,
			local ? lerr : 0);
	}
done:
	if (!alive(r))
		return;
	/* `waiting` was cleared before the events above; report it now unless
	 * a callback already started a new exchange. */
	if (r->epoch == ep && r->xk == REGENT_X_NONE && !r->waiting) {
		struct regent_event wev;
		memset(&wev, 0, sizeof(wev));
		wev.type = REGENT_EV_WAITING_CHANGED;
		if (!emit(r, &wev))
			return;
	}
	dispose_continue(r);
}

static bool recv_response(struct regent_registerer *r, const struct regent_msg *m,
			  struct regent_pl branch, struct regent_pl method)
{
	uint16_t status = regent_msg_status(m);
	enum regent_txn_action act;
	char phrase[64];

	if (r->dead)
		return false;
	if (r->old != NULL && regent_txn_matches(r->old, branch, method)) {
		regent_txn_response(r->old, status, now_ms(r));
		return true; /* a late retransmission: absorbed (timer K) */
	}
	if (r->txn == NULL || !regent_txn_matches(r->txn, branch, method))
		return false;
	act = regent_txn_response(r->txn, status, now_ms(r));
	if (act != REGENT_TXN_ACT_DELIVER || status < 200)
		return true; /* 1xx: nothing to do (timer E slows down to T2) */
	r->last_retransmitted = r->txn->retransmissions > 0;
	regent_pl_strcpy(regent_msg_reason(m), phrase, sizeof(phrase));
	/* the completed txn becomes `old` when the exchange ends, or is
	 * replaced by the next request's txn */
	if (r->txn->state == REGENT_TXN_COMPLETED) {
		drop_txn(r, &r->old);
		r->old = r->txn;
		r->txn = NULL;
	} else {
		drop_txn(r, &r->txn);
	}
	handle_final(r, status, phrase, m, false, 0);
	return true;
}

/* ------------------------------------------------------------ timers */

static void terminate(struct regent_registerer *r)
{
	if (r->state == REGENT_REG_TERMINATED)
		return;
	if (r->xk != REGENT_X_NONE)
		end_exchange(r);
	r->t_refresh = r->t_expire = r->t_retry = r->t_dispose = NEVER;
	r->want_reg = false;
	r->disposing = false;
	if (!set_state(r, REGENT_REG_TERMINATED))
		return;
	set_waiting(r, false);
}

uint64_t regent_reg_deadline(const struct regent_registerer *r)
{
	uint64_t d = NEVER;

	if (r->dead || r->state == REGENT_REG_TERMINATED)
		return NEVER;
	if (r->txn != NULL && regent_txn_deadline(r->txn) < d)
		d = regent_txn_deadline(r->txn);
	if (r->old != NULL && regent_txn_deadline(r->old) < d)
		d = regent_txn_deadline(r->old);
	if (r->queued && r->t_queue < d)
		d = r->t_queue;
	if (r->t_dispose < d)
		d = r->t_dispose;
	if (r->xk == REGENT_X_NONE) {
		/* idle only: one owner schedules requests */
		if (r->t_retry < d)
			d = r->t_retry;
		if (r->t_refresh < d)
			d = r->t_refresh;
		if (r->t_expire < d)
			d = r->t_expire;
	}
	return d;
}

static void process_timers(struct regent_registerer *r, uint64_t now)
{
	enum regent_txn_action act;

	if (r->dead || r->state == REGENT_REG_TERMINATED)
		return;

	if (r->old != NULL && regent_txn_deadline(r->old) <= now) {
		if (regent_txn_timer(r->old, now) == REGENT_TXN_ACT_DONE)
			drop_txn(r, &r->old);
	}
	if (r->txn != NULL && regent_txn_deadline(r->txn) <= now) {
		act = regent_txn_timer(r->txn, now);
		if (act == REGENT_TXN_ACT_SEND && r->txn->req != NULL) {
			r->ua->stats.retransmissions++;
			int serr = regent_ua_send(r->ua, r->txn->req, r->txn->req_len);
			if (serr != 0) {
				regent_txn_transport_error(r->txn);
				local_failure(r, 503, "Service Unavailable (transport error)",
					      serr);
			}
		} else if (act == REGENT_TXN_ACT_TIMEOUT) {
			/* timer F: a local 408 (RFC 3261 §8.1.3.1) */
			local_failure(r, 408, "Request Timeout", REGENT_ETIMEOUT);
		}
		if (!alive(r))
			return;
	}
	if (r->queued && r->t_queue <= now) {
		local_failure(r, 503, "Service Unavailable (no flow)", ENOTCONN);
		if (!alive(r))
			return;
	}
	if (r->t_dispose <= now) {
		/* dispose() bound reached: give up on the un-REGISTER */
		regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: dispose deadline reached",
			      r->call_id);
		terminate(r);
		return;
	}
	if (r->xk != REGENT_X_NONE)
		return;
	if (r->t_expire <= now) {
		r->t_expire = NEVER;
		if (!lost(r, "registration expired", 0))
			return;
		/* nothing else scheduled: come back with the back-off */
		if (r->t_retry == NEVER && r->xk == REGENT_X_NONE)
			schedule_retry(r, false, 0, "registration expired");
		if (!alive(r) || r->xk != REGENT_X_NONE)
			return;
	}
	/* A due timer is always consumed, so a deadline in the past can never
	 * make the host spin. */
	if (r->t_retry <= now) {
		r->t_retry = NEVER;
		if (r->want_reg) {
			start_exchange(r, REGENT_X_REGISTER, REGENT_SEND_RETRY);
			return;
		}
	}
	if (r->t_refresh <= now) {
		r->t_refresh = NEVER;
		if (r->want_reg) {
			start_exchange(r, REGENT_X_REGISTER, REGENT_SEND_REFRESH);
			return;
		}
	}
}

/* ------------------------------------------------------------ flow */

static void flow_up(struct regent_registerer *r)
{
	uint64_t now;

	if (r->dead || r->state == REGENT_REG_TERMINATED)
		return;
	if (r->queued) {
		send_request(r, r->next_reason);
		return;
	}
	if (r->xk != REGENT_X_NONE || !r->want_reg || r->disposing)
		return;
	/* RFC 5626 §4.5: re-register when the flow is back. Failures caused by
	 * the dead flow say nothing about the registrar: go now (plus a little
	 * jitter). Otherwise keep the back-off the registrar earned. */
	if (r->t_retry != NEVER && (r->flow_lost || r->failures <= 1)) {
		now = now_ms(r);
		uint64_t at = now + rnd16(r) % 500u;
		if (at < r->t_retry)
			r->t_retry = at;
	}
}

static void flow_down(struct regent_registerer *r, int err)
{
	bool was_registered;
	char phrase[96];

	if (r->dead || r->state == REGENT_REG_TERMINATED)
		return;
	drop_txn(r, &r->old);
	r->flow_lost = true;
	if (r->xk != REGENT_X_NONE) {
		enum regent_reg_xkind xk = r->xk;

		/* fail the pending transaction at once (defect 7) */
		if (r->txn != NULL)
			regent_txn_transport_error(r->txn);
		/* the reason names the cause (e.g. TLS verification) */
		if (err != 0)
			snprintf(phrase, sizeof(phrase), "Service Unavailable (flow lost: %s)",
				 regent_strerror(err));
		else
			snprintf(phrase, sizeof(phrase), "Service Unavailable (network changed)");
		local_failure(r, 503, phrase, err != 0 ? err : ENETRESET);
		/* A REGISTER or un-REGISTER decides about the registration in
		 * its failure. A query, or a removal of other Contacts, owns
		 * none: the binding on the lost flow is handled as when idle,
		 * even if a callback has started another exchange meanwhile
		 * (the retry then waits for it to end). */
		if ((xk != REGENT_X_QUERY && xk != REGENT_X_REMOVE) || !alive(r))
			return;
	}
	was_registered = r->state == REGENT_REG_REGISTERED;
	if (!was_registered || !r->want_reg)
		return;
	snprintf(phrase, sizeof(phrase), "flow lost: %s",
		 err != 0 ? regent_strerror(err) : "network changed");
	if (!lost(r, phrase, err != 0 ? err : ENETRESET))
		return;
	schedule_retry(r, false, 0, "flow lost");
}

/* ------------------------------------------------------------ entry points */

/* Puts r in its UA's timer heap at its current deadline. Every way into a
 * Registerer from outside src/reg ends here (the UA's dispatch below and the
 * public calls), so the heap always holds what regent_reg_deadline() says. */
static void resched(struct regent_registerer *r)
{
	regent_ua_heap_set(&r->ua->timers, &r->timer, regent_reg_deadline(r));
}

bool regent_reg_recv(struct regent_registerer *r, const struct regent_msg *m,
		     struct regent_pl branch, struct regent_pl method)
{
	bool taken = recv_response(r, m, branch, method);

	resched(r);
	return taken;
}

void regent_reg_process(struct regent_registerer *r, uint64_t now)
{
	process_timers(r, now);
	resched(r);
}

void regent_reg_flow_up(struct regent_registerer *r)
{
	flow_up(r);
	resched(r);
}

void regent_reg_flow_down(struct regent_registerer *r, int err)
{
	flow_down(r, err);
	resched(r);
}

/* ------------------------------------------------------------ list */

struct regent_registerer *regent_reg_next(const struct regent_registerer *r)
{
	return r->next;
}

bool regent_reg_dead(const struct regent_registerer *r)
{
	return r->dead;
}

void regent_reg_link(struct regent_registerer *r)
{
	struct regent_ua *ua = r->ua;

	r->timer.key = NEVER;
	r->timer.pos = 0;
	r->prev = NULL;
	r->next = ua->regs;
	if (ua->regs != NULL)
		ua->regs->prev = r;
	ua->regs = r;
	ua->nregs++;
}

static void unlink_reg(struct regent_registerer *r)
{
	struct regent_ua *ua = r->ua;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		ua->regs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
	ua->nregs--;
}

struct regent_registerer *regent_reg_of_timer(struct regent_ua_heap_node *nd)
{
	return (struct regent_registerer *)(void *)((char *)nd -
						    offsetof(struct regent_registerer, timer));
}

#ifdef REGENT_CHECK_INVARIANTS
size_t regent_reg_timer_checked(const struct regent_registerer *r)
{
	uint64_t d = regent_reg_deadline(r);

	if (d != r->timer.key || (d == NEVER) != (r->timer.pos == 0))
		abort();
	return r->timer.pos != 0;
}
#endif

/* Frees r; a linked one must be unlinked first (the UA's own teardown
 * frees its whole list without unlinking). */
void regent_reg_destroy(struct regent_registerer *r)
{
	if (r == NULL)
		return;
	regent_ua_heap_set(&r->ua->timers, &r->timer, NEVER);
	drop_txn(r, &r->txn);
	drop_txn(r, &r->old);
	regent_auth_client_free(r->auth);
	free(r->ruri);
	free(r->from_uri);
	free(r->to_uri);
	free(r->from_display);
	free(r->to_display);
	free(r->instance);
	free(r->extra_headers);
	free(r->contact_xparams);
	free(r->call_id);
	free(r->xruri);
	free(r->xheaders);
	free_contacts(r);
	free(r->bindings);
	free(r->service_route);
	free(r);
}

void regent_reg_sweep(struct regent_ua *ua)
{
	while (ua->dead != NULL) {
		struct regent_registerer *r = ua->dead;

		ua->dead = r->dead_next;
		unlink_reg(r);
		regent_reg_destroy(r);
	}
}

/* ------------------------------------------------------------ public calls */

static int join_headers(char **out, const char *const *h, size_t n, const char *field,
			struct regent_error *err, bool *has_allow);

int regent_reg_join_headers(char **out, const char *const *h, size_t n, struct regent_error *err,
			    bool *has_allow)
{
	return join_headers(out, h, n, "extra_headers", err, has_allow);
}

/* Joins header lines into "A: b\r\nC: d\r\n" after checking each one. */
static int join_headers(char **out, const char *const *h, size_t n, const char *field,
			struct regent_error *err, bool *has_allow)
{
	size_t total = 1, i;
	char *s;
	int e;

	*out = NULL;
	if (n == 0)
		return 0;
	if (h == NULL)
		return regent_error_set(err, EINVAL, "%s: NULL with a count of %zu", field, n);
	for (i = 0; i < n; i++) {
		e = regent_check_header_line(err, field, h[i]);
		if (e)
			return e;
		total += strlen(h[i]) + 2;
		if (has_allow != NULL && strncasecmp(h[i], "Allow", 5) == 0 &&
		    (h[i][5] == ':' || h[i][5] == ' ' || h[i][5] == '\t'))
			*has_allow = true;
	}
	s = malloc(total);
	if (s == NULL)
		return regent_error_set(err, ENOMEM, "%s: out of memory", field);
	*out = s;
	for (i = 0; i < n; i++) {
		size_t l = strlen(h[i]);
		memcpy(s, h[i], l);
		s += l;
		*s++ = '\r';
		*s++ = '\n';
	}
	*s = '\0';
	return 0;
}

static int begin(struct regent_registerer *r, const struct regent_request_options *ro,
		 bool allow_disposing)
{
	int e;

	if (r == NULL)
		return EINVAL;
	if (r->dead || r->state == REGENT_REG_TERMINATED || (r->disposing && !allow_disposing))
		return EPERM;
	if (r->xk != REGENT_X_NONE)
		return EBUSY; /* SIP.js RequestPendingError */
	free(r->xheaders);
	r->xheaders = NULL;
	if (ro != NULL) {
		e = join_headers(&r->xheaders, ro->extra_headers, ro->extra_headers_count,
				 "extra_headers", NULL, NULL);
		if (e)
			return e;
	}
	return 0;
}

int regent_registerer_register(struct regent_registerer *r, const struct regent_request_options *ro)
{
	int e = begin(r, ro, false);

	if (e)
		return e;
	regent_ua_cb_enter(r->ua);
	r->want_reg = true;
	r->failures = 0;
	/* an explicit register() asks for the configured expiry again */
	r->asked_expires = r->expires;
	start_exchange(r, REGENT_X_REGISTER,
		       r->state == REGENT_REG_REGISTERED ? REGENT_SEND_REFRESH
							 : REGENT_SEND_INITIAL);
	resched(r);
	regent_ua_cb_leave(r->ua);
	return 0;
}

int regent_registerer_unregister(struct regent_registerer *r, bool all,
				 const struct regent_request_options *ro)
{
	int e = begin(r, ro, false);

	if (e)
		return e;
	regent_ua_cb_enter(r->ua);
	r->want_reg = false;
	r->t_retry = r->t_refresh = NEVER;
	if (r->state != REGENT_REG_REGISTERED && !all)
		regent_ua_log(r->ua, REGENT_LOG_WARN,
			      "registerer %s: un-REGISTER while not registered", r->call_id);
	start_exchange(r, all ? REGENT_X_UNREGISTER_ALL : REGENT_X_UNREGISTER,
		       REGENT_SEND_UNREGISTER);
	resched(r);
	regent_ua_cb_leave(r->ua);
	return 0;
}

int regent_registerer_query(struct regent_registerer *r)
{
	int e = begin(r, NULL, false);

	if (e)
		return e;
	regent_ua_cb_enter(r->ua);
	start_exchange(r, REGENT_X_QUERY, REGENT_SEND_QUERY);
	resched(r);
	regent_ua_cb_leave(r->ua);
	return 0;
}

/* Our own Contact (as the flow makes it now): unregister() removes that,
 * and keeps the Registerer's state right; removing it behind its back would
 * leave it REGISTERED and refreshing a binding that is gone. */
static bool is_ours(struct regent_registerer *r, const char *uri)
{
	struct regent_reg_me me;
	struct regent_uri cu, u;
	char cbuf[512];

	if (regent_uri_parse(&u, uri, strlen(uri), NULL) != 0)
		return false;
	/* what the registrar listed as ours in the last 2xx, even with the
	 * flow down ... */
	for (size_t i = 0; i < r->nbindings; i++) {
		if (r->bindings[i].ours &&
		    regent_uri_parse(&cu, r->bindings[i].uri, strlen(r->bindings[i].uri), NULL) ==
			0 &&
		    regent_uri_equal(&cu, &u))
			return true;
	}
	/* ... and what the flow makes it now */
	if (!r->ua->flow_up)
		return false;
	build_me(r, &me, &cu, cbuf, sizeof(cbuf));
	return me.contact != NULL && regent_uri_equal(me.contact, &u);
}

int regent_registerer_unregister_contacts(struct regent_registerer *r, const char *const *uris,
					  size_t n, const struct regent_request_options *ro)
{
	char **v;
	int e;

	if (r != NULL && (uris == NULL || n == 0 || n > REGENT_MAX_REMOVE))
		return EINVAL;
	for (size_t i = 0; r != NULL && i < n; i++) {
		if (uris[i] == NULL || uris[i][0] == '\0' ||
		    regent_check_uri(NULL, "contacts", uris[i], false) != 0 || is_ours(r, uris[i]))
			return EINVAL;
	}
	e = begin(r, ro, false);
	if (e)
		return e;
	v = calloc(n, sizeof(*v));
	for (size_t i = 0; v != NULL && i < n; i++) {
		v[i] = strdup(uris[i]);
		if (v[i] == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			v = NULL;
		}
	}
	if (v == NULL)
		return ENOMEM;
	free_contacts(r);
	r->xcontacts = v;
	r->nxcontacts = n;
	regent_ua_cb_enter(r->ua);
	start_exchange(r, REGENT_X_REMOVE, REGENT_SEND_UNREGISTER);
	resched(r);
	regent_ua_cb_leave(r->ua);
	return 0;
}

int regent_registerer_dispose(struct regent_registerer *r, uint32_t deadline_ms)
{
	if (r == NULL)
		return EINVAL;
	if (r->dead)
		return EPERM;
	if (r->state == REGENT_REG_TERMINATED || r->disposing)
		return 0;
	regent_ua_cb_enter(r->ua);
	r->disposing = true;
	r->t_retry = r->t_refresh = NEVER;
	r->t_dispose = now_ms(r) + (deadline_ms != 0 ? deadline_ms : 5000u);
	if (r->xk == REGENT_X_NONE)
		dispose_continue(r);
	/* else: continues when the exchange in flight ends */
	resched(r);
	regent_ua_cb_leave(r->ua);
	return 0;
}

void regent_registerer_free(struct regent_registerer *r)
{
	struct regent_ua *ua;

	if (r == NULL || r->dead)
		return;
	ua = r->ua;
	r->dead = true;
	r->event_h = NULL;
	resched(r); /* no timer once dead */
	if (ua->cb_depth == 0) {
		unlink_reg(r);
		regent_reg_destroy(r);
		return;
	}
	/* inside a callback: swept when the outermost call returns */
	r->dead_next = ua->dead;
	ua->dead = r;
}

enum regent_registerer_state regent_registerer_state(const struct regent_registerer *r)
{
	return r != NULL ? r->state : REGENT_REG_TERMINATED;
}

bool regent_registerer_waiting(const struct regent_registerer *r)
{
	return r != NULL && r->waiting;
}

int64_t regent_registerer_retry_after(const struct regent_registerer *r)
{
	return r != NULL ? r->retry_after : -1;
}

size_t regent_registerer_contacts(const struct regent_registerer *r,
				  const struct regent_binding **bindings)
{
	if (bindings != NULL)
		*bindings = r != NULL ? r->bindings : NULL;
	return r != NULL ? r->nbindings : 0;
}

const char *regent_registerer_service_route(const struct regent_registerer *r)
{
	return r != NULL ? r->service_route : NULL;
}

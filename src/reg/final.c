/*
 * final — what a final response (or a local 408/503) does to an exchange,
 * as a few named steps: report it, answer a challenge, retry with a larger
 * Min-Expires, follow a redirect, or conclude (registered, refreshed,
 * failed and retried, un-registered).
 *
 * Ordering (stated in regent.h): every follow-up of a response — the auth
 * retry, the 423 retry, the redirect (each a REQUEST_SENT), or WILL_RETRY —
 * is emitted synchronously from the call that delivered the response, and
 * before the WAITING_CHANGED(false) that ends the exchange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/check.h"
#include "reg/reg_int.h"

/* One final response, as the steps below see it. */
struct final {
	enum regent_reg_xkind xk; /* what the exchange was for */
	uint16_t status;
	const char *phrase;
	const struct regent_msg *m; /* NULL for a local one */
	bool local;
	int lerr; /* local cause (errno or REGENT_E*) */
	bool has_ra;
	bool ra_capped; /* Retry-After cut to retry_max_s; ra_sent as received */
	uint32_t ra_sent;
	struct regent_retry_after ra;
	enum regent_reg_grant g; /* 2xx to a REGISTER */
	uint32_t granted;
};

/* ------------------------------------------------------------ outcomes */

/* Another Registerer of r's instance, with another reg-id, registered: one
 * of the instance's flows works. */
static bool sibling_flow_ok(const struct regent_ua_client *o, const void *arg)
{
	const struct regent_reg_more *mine = regent_reg_rare(arg), *its;
	const struct regent_registerer *s;

	if (o->ops != &regent_reg_client_ops)
		return false;
	s = (const struct regent_registerer *)o;
	its = regent_reg_rare(s);
	return its->instance != NULL && its->reg_id != 0 && its->reg_id != mine->reg_id &&
	       s->state == REGENT_REG_REGISTERED && strcmp(its->instance, mine->instance) == 0;
}

/* RFC 5626 §4.5: the back-off's base time is 30 s when every flow of the
 * instance failed, 90 s while one still works (another reg-id registered):
 * retry_base_s, tripled then. */
static uint32_t retry_base(struct regent_registerer *r)
{
	if (regent_reg_rare(r)->instance == NULL || regent_reg_rare(r)->reg_id == 0 ||
	    !regent_ua_any_client(r->ua, &r->cl, sibling_flow_ok, r))
		return r->retry_base_s;
	uint64_t b = (uint64_t)r->retry_base_s * 3;

	return b < r->retry_max_s ? (uint32_t)b : r->retry_max_s;
}

void regent_reg_schedule_retry(struct regent_registerer *r, bool has_ra, uint32_t ra_s,
			       const char *why, int err)
{
	uint64_t now = regent_reg_now(r), d;
	bool at_once = r->retry_now;

	r->retry_now = false;
	if (!r->auto_retry || !r->want_reg || r->disposing)
		return;
	r->failures++;
	d = regent_reg_retry_ms(r->failures, retry_base(r), r->retry_max_s, has_ra, ra_s,
				regent_reg_rnd16(r));
	if (at_once) /* a dropped flow, the first time (timers.c) */
		d = regent_reg_rnd16(r) % 500u;
	/* A binding still held on the registrar: retry well before it ends,
	 * but never in a rush (the floor bounds REGISTERs per minute). */
	if (!has_ra && r->state == REGENT_REG_REGISTERED && r->t_expire != REGENT_REG_NEVER &&
	    r->t_expire > now) {
		uint64_t half = (r->t_expire - now) / 2;
		if (half < REGENT_REG_RETRY_HELD_FLOOR_MS)
			half = REGENT_REG_RETRY_HELD_FLOOR_MS;
		if (half < d)
			d = half;
	}
	r->t_retry = now + d;
	r->t_refresh = REGENT_REG_NEVER;
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: will retry in %llu ms (%s)",
		      r->call_id, (unsigned long long)d, why);
	regent_reg_emit_simple(r, REGENT_EV_WILL_RETRY, why, d, err);
}

bool regent_reg_lost(struct regent_registerer *r, const char *why, int err)
{
	r->t_refresh = REGENT_REG_NEVER;
	r->t_expire = REGENT_REG_NEVER;
	if (r->state != REGENT_REG_REGISTERED)
		return regent_reg_alive(r);
	regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: registration lost: %s", r->call_id,
		      why);
	if (!regent_reg_set_state(r, REGENT_REG_UNREGISTERED))
		return false;
	return regent_reg_emit_simple(r, REGENT_EV_REGISTRATION_LOST, why, 0, err);
}

void regent_reg_terminate(struct regent_registerer *r)
{
	if (r->state == REGENT_REG_TERMINATED)
		return;
	if (r->xk != REGENT_X_NONE)
		regent_reg_end_exchange(r);
	r->t_refresh = r->t_expire = r->t_retry = r->t_dispose = REGENT_REG_NEVER;
	r->want_reg = false;
	r->disposing = false;
	if (!regent_reg_set_state(r, REGENT_REG_TERMINATED))
		return;
	if (!regent_reg_set_waiting(r, false) && !regent_reg_alive(r))
		return;
	regent_reg_stop_detach(r, true); /* regent_ua_stop(): one fewer */
}

void regent_reg_dispose_continue(struct regent_registerer *r)
{
	if (!r->disposing || r->xk != REGENT_X_NONE || !regent_reg_alive(r))
		return;
	if (r->state == REGENT_REG_REGISTERED && !r->dispose_sent) {
		r->dispose_sent = true;
		r->want_reg = false;
		regent_reg_start_exchange(r, REGENT_X_UNREGISTER, REGENT_SEND_UNREGISTER);
		return;
	}
	regent_reg_terminate(r);
}

/* A failed exchange. `lerr` is the local cause for REGISTRATION_LOST (0:
 * none), `cause` what WILL_RETRY reports. */
static void failure(struct regent_registerer *r, const struct final *f, const char *why, bool gone,
		    int cause)
{
	uint64_t now = regent_reg_now(r);
	int lerr = f->local ? f->lerr : 0;

	if (f->xk == REGENT_X_REGISTER) {
		/* A failed refresh does not end a binding the registrar still
		 * holds (defect 11), unless the flow it lives on died. */
		bool still = r->state == REGENT_REG_REGISTERED && r->t_expire != REGENT_REG_NEVER &&
			     r->t_expire > now && !r->flow_lost && !gone;
		if (!still) {
			if (r->state == REGENT_REG_REGISTERED) {
				if (!regent_reg_lost(r, why, lerr))
					return;
			} else if (!regent_reg_set_state(r, REGENT_REG_UNREGISTERED)) {
				return;
			}
		}
		/* Every failure is retried with the back-off (RFC 5626 §4.5),
		 * by default even a 403/404/603 or a refused credential: a
		 * registrar's passing trouble, and the back-off (30 s .. 30
		 * min) keeps it far from a storm. retry_on_reject off stops
		 * there instead: no account lockout by a wrong password
		 * retried for days (docs/design.md, "Policies"). */
		if (!r->retry_on_reject && regent_reg_definitive(f->local, f->status, cause)) {
			r->want_reg = false;
			regent_ua_log(r->ua, REGENT_LOG_WARN,
				      "registerer %s: %s: not retried (retry_on_reject off)",
				      r->call_id, why);
			return;
		}
		regent_reg_schedule_retry(r, f->has_ra, f->has_ra ? f->ra.seconds : 0, why, cause);
	} else if (f->xk == REGENT_X_UNREGISTER || f->xk == REGENT_X_UNREGISTER_ALL) {
		/* The binding may still be there (defect 11): keep REGISTERED
		 * until it expires, but stop refreshing it. */
		r->t_refresh = REGENT_REG_NEVER;
		if (r->state != REGENT_REG_REGISTERED)
			regent_reg_set_state(r, REGENT_REG_UNREGISTERED);
	}
}

static void success(struct regent_registerer *r, const struct final *f)
{
	uint64_t now = regent_reg_now(r), margin;

	if (f->xk == REGENT_X_QUERY || f->xk == REGENT_X_REMOVE)
		return;
	if (f->xk == REGENT_X_UNREGISTER || f->xk == REGENT_X_UNREGISTER_ALL) {
		r->t_refresh = r->t_expire = r->t_retry = REGENT_REG_NEVER;
		r->failures = 0;
		regent_reg_set_state(r, REGENT_REG_UNREGISTERED);
		return;
	}
	if (f->g != REGENT_REG_GRANTED) {
		/* An explicit outcome, never a hang nor a tight loop (defects 1, 2). */
		regent_ua_log(r->ua, REGENT_LOG_WARN, "registerer %s: 2xx: %s", r->call_id,
			      regent_reg_grant_name(f->g));
		/* do not keep a binding we cannot see (any Retry-After aside) */
		struct final nf = *f;

		nf.has_ra = false;
		failure(r, &nf, regent_reg_grant_name(f->g), true, REGENT_EREJECTED);
		return;
	}
	r->failures = 0;
	r->flow_lost = false;
	r->t_retry = REGENT_REG_NEVER;
	r->t_expire = now + (uint64_t)f->granted * 1000u;
	r->t_refresh = REGENT_REG_NEVER;
	if (r->auto_refresh && r->want_reg) {
		margin = regent_reg_refresh_margin_ms(
		    regent_transport_reliable(regent_ua_flow_info(r->ua, &r->cl)->transport),
		    regent_ua_identity(r->ua)->t1_ms);
		r->t_refresh = now + regent_reg_refresh_ms(f->granted, r->refresh_pct,
							   (uint32_t)margin, regent_reg_rnd16(r));
	}
	if (r->state == REGENT_REG_REGISTERED)
		regent_reg_emit_simple(r, REGENT_EV_REFRESHED, NULL, 0, 0);
	else
		regent_reg_set_state(r, REGENT_REG_REGISTERED);
}

/* ------------------------------------------------------------ the steps */

/* Reads what every step needs: Retry-After, and for a 2xx the bindings. */
static void read_final(struct regent_registerer *r, struct final *f)
{
	if (f->m != NULL && regent_msg_retry_after(f->m, &f->ra) == 0) {
		f->has_ra = true;
		f->ra_sent = f->ra.seconds;
		f->ra.seconds =
		    regent_reg_retry_after_cap(f->ra.seconds, r->retry_max_s, &f->ra_capped);
		if (f->ra_capped)
			regent_ua_log(r->ua, REGENT_LOG_WARN,
				      "registerer %s: Retry-After %u s capped at retry_max_s %u s",
				      r->call_id, f->ra_sent, f->ra.seconds);
	}
	/* readable until the next final response (defect 6) */
	r->has_retry_after = f->has_ra;
	r->retry_after_s = f->has_ra ? f->ra.seconds : 0;
	f->g = REGENT_REG_NO_CONTACT;
	if (f->status >= 200 && f->status < 300 && f->m != NULL) {
		uint8_t levels[64];
		size_t nlev = 0;
		struct regent_reg_me me;
		struct regent_uri cu;
		char cbuf[512];
		enum regent_reg_grant g;

		regent_reg_build_me(r, &me, &cu, cbuf, sizeof(cbuf));
		g = regent_reg_granted_levels(f->m, &me, r->asked_expires, &f->granted, levels,
					      sizeof(levels), &nlev);
		if (f->xk == REGENT_X_REGISTER) {
			f->g = g;
			regent_reg_nat_read(r, f->m);
		} else {
			regent_reg_nat_listed(r, f->m);
		}
		regent_reg_store_bindings(r, f->m, levels,
					  nlev < sizeof(levels) ? nlev : sizeof(levels),
					  r->asked_expires);
	}
}

static void response_event(struct regent_registerer *r, const struct final *f,
			   struct regent_event *ev_out)
{
	struct regent_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_RESPONSE;
	ev.status = f->status;
	ev.phrase = f->phrase;
	ev.local = f->local;
	ev.error = f->local ? f->lerr : 0;
	ev.granted_expires = f->g == REGENT_REG_GRANTED ? f->granted : 0;
	ev.cseq = r->cseq;
	/* RFC 5626 §4.2.1, §6: the registrar bound the flow (natflow.c read
	 * the same 2xx) */
	ev.outbound = f->xk == REGENT_X_REGISTER && f->m != NULL && f->status >= 200 &&
		      f->status < 300 && r->ka_outbound;
	if (f->m != NULL) {
		struct regent_pl raw = regent_msg_raw(f->m);
		ev.msg = raw.p;
		ev.msg_len = raw.l;
	}
	*ev_out = ev;
}

/* The RESPONSE event. False: stop (freed, or a callback moved on). */
static bool report_response(struct regent_registerer *r, const struct final *f)
{
	struct regent_event ev;

	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: %u %s%s", r->call_id, f->status,
		      f->phrase, f->local ? " (local)" : "");
	response_event(r, f, &ev);
	return regent_reg_emit(r, &ev);
}

/* 401/407: answer it (bounded), RFC 3261 §22.2, RFC 7616. True when the
 * authenticated retry went out; else `why` says what failed. */
static bool answer_challenge(struct regent_registerer *r, const struct final *f, char *why,
			     size_t size)
{
	enum regent_auth_verdict v;

	regent_pl_strtrunc(why, size, regent_strerror(REGENT_EAUTH));
	if (r->auth == NULL) {
		snprintf(why, size, "challenged but no credentials configured");
		return false;
	}
	if (r->auth_tries < REGENT_REG_MAX_AUTH_TRIES) {
		v = regent_auth_client_challenge(r->auth, f->m, why, size);
		/* A challenge to a request we had to retransmit may be the
		 * registrar refusing the replayed nc of a copy it already
		 * accepted (its 2xx lost): start the exchange over, once. */
		if (v == REGENT_AUTH_FAIL && r->last_retransmitted && !r->auth_restarted) {
			r->auth_restarted = true;
			regent_auth_client_done(r->auth, f->status);
			v = regent_auth_client_challenge(r->auth, f->m, why, size);
		}
		if (v == REGENT_AUTH_RETRY) {
			r->auth_tries++;
			regent_reg_send_request(r, REGENT_SEND_AUTH_RETRY);
			return true;
		}
	}
	regent_auth_client_done(r->auth, f->status);
	return false;
}

/* 423: once per registration, only with a larger Min-Expires (§10.2.8). */
static bool retry_min_expires(struct regent_registerer *r, const struct final *f)
{
	uint32_t minexp = 0, newexp = 0;
	bool has_min;

	if (f->status != 423 || f->xk != REGENT_X_REGISTER || f->m == NULL)
		return false;
	has_min = regent_msg_u32(f->m, REGENT_HDR_MIN_EXPIRES, &minexp) == 0;
	if (!regent_reg_423_retry(r->asked_expires, has_min, minexp, r->did_423, &newexp))
		return false;
	r->did_423 = true;
	r->asked_expires = newexp;
	regent_reg_send_request(r, REGENT_SEND_INTERVAL_RETRY);
	return true;
}

/* 439 First Hop Lacks Outbound Support (RFC 5626 §4.2.1, §6, §11.6): the
 * registrar supports outbound but the edge proxy between us did not mark
 * its Path with `ob`. The UA may register again without outbound: once,
 * at once, the same Contact without reg-id (the +sip.instance stays, RFC
 * 5627); regent_registerer_outbound() says NO from then on. */
static bool retry_without_outbound(struct regent_registerer *r, const struct final *f)
{
	if (f->status != 439 || f->xk != REGENT_X_REGISTER || regent_reg_rare(r)->reg_id == 0 ||
	    regent_reg_rare(r)->instance == NULL)
		return false;
	regent_ua_log(r->ua, REGENT_LOG_WARN,
		      "registerer %s: 439 First Hop Lacks Outbound Support: registering again "
		      "without reg-id %u (RFC 5626 §4.2.1)",
		      r->call_id, regent_reg_rare(r)->reg_id);
	r->more->reg_id = 0; /* a reg-id lives in r->more */
	r->ob_refused = true;
	regent_reg_send_request(r, REGENT_SEND_RETRY);
	return true;
}

/* 3xx: follow the Contact, a few hops at most (§8.1.3.4). */
static bool follow_redirect(struct regent_registerer *r, const struct final *f)
{
	char target[512], *t;

	if (f->status < 300 || f->status >= 400 || f->m == NULL)
		return false;
	if (regent_reg_redirect_target(f->m, r->redirects, target, sizeof(target)) != 0 ||
	    regent_check_uri(NULL, "redirect", target, true) != 0 || regent_reg_more(r) == NULL ||
	    (t = strdup(target)) == NULL)
		return false;
	free(r->more->xruri);
	r->more->xruri = t;
	r->redirects++;
	regent_reg_send_request(r, REGENT_SEND_REDIRECT);
	return true;
}

/* The exchange is over: its outcome, then WAITING_CHANGED(false) (unless a
 * callback already started another exchange), then a pending dispose().
 * `auth_why` is set when a challenge could not be answered. */
static void conclude(struct regent_registerer *r, const struct final *f, const char *auth_why)
{
	char why[128];
	uint32_t no;
	struct regent_request_delegate d = regent_reg_rare(r)->xdelegate;
	struct regent_event dev;

	regent_reg_end_exchange(r);
	r->waiting = false;
	no = r->exchange_no;
	if (auth_why != NULL) {
		struct final nf = *f; /* a challenge's Retry-After is not ours */

		nf.has_ra = false;
		failure(r, &nf, auth_why, false, REGENT_EAUTH);
	} else if (f->status >= 200 && f->status < 300) {
		success(r, f);
	} else {
		if (f->local)
			snprintf(why, sizeof(why), "%u %s", f->status, f->phrase);
		else if (f->ra_capped)
			snprintf(why, sizeof(why), "%u %.40s (Retry-After %u s capped at %u s)",
				 f->status, f->phrase, f->ra_sent, f->ra.seconds);
		else
			snprintf(why, sizeof(why), "%u %.80s", f->status, f->phrase);
		failure(r, f, why, false, f->local ? f->lerr : REGENT_EREJECTED);
	}
	if (!regent_reg_alive(r))
		return;
	if (!regent_reg_nat_emit(r) && !regent_reg_alive(r))
		return;
	/* the request's delegate hears the outcome, after the Registerer's
	 * own handling (SIP.js order) and before WAITING_CHANGED(false) */
	response_event(r, f, &dev);
	if (r->exchange_no == no && !regent_reg_delegate(r, &d, &dev))
		return;
	/* `waiting` was cleared before the events above; report it now unless
	 * a callback already started a new exchange. */
	if (r->exchange_no == no && r->xk == REGENT_X_NONE && !r->waiting) {
		struct regent_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = REGENT_EV_WAITING_CHANGED;
		if (!regent_reg_emit(r, &ev))
			return;
	}
	regent_reg_dispose_continue(r);
}

void regent_reg_handle_final(struct regent_registerer *r, uint16_t status, const char *phrase,
			     const struct regent_msg *m, bool local, int lerr)
{
	struct final f;
	char why[96];

	memset(&f, 0, sizeof(f));
	f.xk = r->xk;
	f.status = status;
	f.phrase = phrase;
	f.m = m;
	f.local = local;
	f.lerr = lerr;
	read_final(r, &f);
	if (!report_response(r, &f))
		return;
	if ((status == 401 || status == 407) && m != NULL) {
		if (!answer_challenge(r, &f, why, sizeof(why)))
			conclude(r, &f, why);
		return;
	}
	if (r->auth != NULL)
		regent_auth_client_done(r->auth, status); /* the exchange is over */
	if (retry_min_expires(r, &f) || follow_redirect(r, &f) || retry_without_outbound(r, &f))
		return;
	conclude(r, &f, NULL);
}

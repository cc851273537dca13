/*
 * natflow — what a 2xx to a REGISTER says about the path to the registrar
 * (issue 13, phase 2): whether a NAT sits in between (RFC 3581 §4: the top
 * Via's received/rport differ from the address we sent from), whether
 * outbound is in use (RFC 5626 §4.2.1: Require: outbound) and its
 * Flow-Timer; hence the keep-alive interval of the Registerer's flow
 * (regent_reg_keepalive_s, src/reg/nat.c), pushed to the flow through the
 * UA's service interface and reported once per change (REGENT_EV_KEEPALIVE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg/nat.h"
#include "reg/reg_int.h"

static void pl_copy(char *dst, size_t size, struct regent_pl pl)
{
	size_t n = pl.p != NULL ? (pl.l < size - 1 ? pl.l : size - 1) : 0;

	if (n > 0)
		memcpy(dst, pl.p, n);
	dst[n] = '\0';
}

/* Our address as the Via and Contact give it: via_host, else the flow's. */
static void our_addr(const struct regent_registerer *r, struct regent_reg_nat_addr *a)
{
	const char *via_host = regent_ua_identity(r->ua)->via_host;
	const struct regent_flow_info *fi = regent_ua_flow_info(r->ua, &r->cl);

	memset(a, 0, sizeof(*a));
	regent_pl_strtrunc(a->host, sizeof(a->host), via_host != NULL ? via_host : fi->local_host);
	a->port = via_host != NULL ? 0 : fi->local_port;
}

/* The address the registrar saw the request from (host "" when it said
 * nothing). */
static void learnt_addr(const struct regent_msg *m, struct regent_reg_nat_addr *out)
{
	struct regent_msg_iter it;
	struct regent_via v;
	char recv[64], sent[64];

	memset(out, 0, sizeof(*out));
	memset(&it, 0, sizeof(it));
	if (regent_msg_via_next(m, &it, &v) != 0)
		return;
	pl_copy(recv, sizeof(recv), v.received);
	pl_copy(sent, sizeof(sent), v.host);
	regent_reg_nat_from_via(out, recv, v.has_rport ? v.rport : 0, sent, v.port);
}

static bool same_addr(const struct regent_reg_nat_addr *a, const struct regent_reg_nat_addr *b)
{
	return strcmp(a->host, b->host) == 0 &&
	       (a->port ? a->port : 5060) == (b->port ? b->port : 5060);
}

/* RFC 7118 §5: on WS/WSS the Contact's host is never used to reach us (the
 * registrar reaches us over the connection), so unless the application
 * names a Via host we write a stable "<token>.invalid" (RFC 2606) as SIP.js
 * does: one Contact for the UA's life, the same over every reconnect (each
 * has a new local port), so a new connection leaves no stale binding. */
static bool ws_invalid_host(const struct regent_registerer *r)
{
	enum regent_transport tp = regent_ua_flow_info(r->ua, &r->cl)->transport;

	return (tp == REGENT_TP_WS || tp == REGENT_TP_WSS) &&
	       regent_ua_identity(r->ua)->via_host == NULL;
}

/* 12 characters [a-z0-9] drawn from the UA's instance id (random per UA
 * unless the application keeps it, RFC 5626 §4.1): every Registerer of the
 * UA, and every flow, gets the same host without more state. FNV-1a. */
static void ws_token(const struct regent_registerer *r, char *out, size_t size)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = 0xcbf29ce484222325ull;
	char tok[13];

	for (const char *p = regent_ua_identity(r->ua)->instance_id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	for (size_t i = 0; i < 12; i++) {
		tok[i] = digits[h % 36];
		h = h / 36 ^ (h << 29);
	}
	tok[12] = '\0';
	snprintf(out, size, "%s.invalid", tok);
}

void regent_reg_contact_host(const struct regent_registerer *r, char *host, size_t size,
			     uint16_t *port)
{
	const char *h = r->nat != NULL ? r->nat->contact.host : "";

	if (h[0] == '\0' && ws_invalid_host(r)) {
		ws_token(r, host, size);
		*port = 0;
		return;
	}
	if (h[0] == '\0') {
		regent_reg_sent_by(r, host, size, port);
		return;
	}
	snprintf(host, size, strchr(h, ':') != NULL ? "[%s]" : "%s", h); /* RFC 3261 §25.1 */
	*port = r->nat->contact.port;
}

/* RFC 3581 §4 contact rewrite: decides with the loop guard of src/reg/nat.c
 * and, on REWRITE, makes the learnt address our Contact and keeps the old
 * one to remove in the re-REGISTER that follows at once. */
static void rewrite(struct regent_registerer *r, const struct regent_reg_nat_addr *me,
		    const struct regent_reg_nat_addr *learnt, bool outbound)
{
	static const struct regent_reg_nat_memo none;
	struct regent_reg_nat_in in;
	enum regent_reg_nat_verdict v;
	char old[512];
	uint64_t now = regent_reg_now(r);

	memset(&in, 0, sizeof(in));
	in.contact = *me;
	if (r->nat != NULL) {
		/* this 2xx answered a REGISTER that carried the old Contact's
		 * removal (and the lost flow's) */
		free(r->nat->old);
		r->nat->old = NULL;
		free(r->nat->gone);
		r->nat->gone = NULL;
		if (r->nat->contact.host[0] != '\0')
			in.contact = r->nat->contact;
	}
	in.learnt = *learnt;
	in.outbound = outbound;
	/* a WS Contact's host is not an address (RFC 7118 §5): nothing to
	 * rewrite */
	in.mode = regent_ua_identity(r->ua)->contact_rewrite_off || ws_invalid_host(r)
		      ? REGENT_REG_NAT_OFF
		      : REGENT_REG_NAT_AUTO;
	v = regent_reg_nat_decide(&in, r->nat != NULL ? &r->nat->memo : &none, now);
	if (v == REGENT_REG_NAT_KEEP_FLAPPING)
		regent_ua_log(r->ua, REGENT_LOG_WARN,
			      "registerer %s: the learnt address keeps changing (now %s port %u): "
			      "Contact kept until the hour is over",
			      r->call_id, learnt->host, learnt->port);
	if (v != REGENT_REG_NAT_REWRITE || r->nat == NULL ||
	    regent_reg_contact_uri(r, old, sizeof(old)) != 0)
		return;
	r->nat->old = strdup(old);
	r->nat->contact = *learnt;
	r->nat_reregister = true;
	regent_reg_nat_note(&r->nat->memo, learnt, now);
	regent_ua_log(r->ua, REGENT_LOG_INFO,
		      "registerer %s: contact rewrite: %s -> %s port %u (RFC 3581), re-registering",
		      r->call_id, old, learnt->host, learnt->port);
}

/* RFC 5626 §5.1, §6: an edge proxy that did outbound processing marks its
 * Path URI with `ob` (the registrar echoes Path in the 2xx, RFC 3327 §5.3);
 * the first Path URI is the edge proxy next to us. */
static bool path_ob(const struct regent_msg *m)
{
	const struct regent_hdr *h = regent_msg_hdr_find(m, REGENT_HDR_PATH, NULL, NULL);
	const char *lt, *gt;
	struct regent_uri u;

	if (h == NULL || (lt = memchr(h->value.p, '<', h->value.l)) == NULL)
		return false;
	gt = memchr(lt, '>', h->value.l - (size_t)(lt - h->value.p));
	if (gt == NULL || regent_uri_parse(&u, lt + 1, (size_t)(gt - lt - 1), NULL) != 0)
		return false;
	return u.is_sip && regent_param_get(u.params, "ob", NULL);
}

/* RFC 5626 §4.2.1, §6: a registrar that supports outbound puts
 * Require: outbound in the 2xx to a REGISTER whose Contact has
 * +sip.instance and reg-id. Said once per change: without it the binding
 * is a plain RFC 3261 one (reg-id ignored), so we do not count on requests
 * coming back over this flow: keep-alives follow the NAT rules
 * (regent_reg_keepalive_s) and the contact rewrite stays on (rewrite()). */
static void note_outbound(struct regent_registerer *r, const struct regent_msg *m, bool outbound)
{
	if (regent_reg_rare(r)->instance == NULL || regent_reg_rare(r)->reg_id == 0 ||
	    (r->ka_known && r->ka_outbound == outbound))
		return;
	if (outbound)
		regent_ua_log(r->ua, REGENT_LOG_INFO,
			      "registerer %s: outbound: yes (Require: outbound%s), reg-id %u",
			      r->call_id, path_ob(m) ? "; edge proxy Path ;ob" : "",
			      regent_reg_rare(r)->reg_id);
	else
		regent_ua_log(r->ua, REGENT_LOG_WARN,
			      "registerer %s: outbound: NO, registrar did not confirm (no Require: "
			      "outbound, RFC 5626 §4.2.1): reg-id %u is not a flow there",
			      r->call_id, regent_reg_rare(r)->reg_id);
}

void regent_reg_nat_read(struct regent_registerer *r, const struct regent_msg *m)
{
	struct regent_reg_ka_in in;
	struct regent_reg_nat_addr me, learnt;
	uint32_t ft = 0, ka;

	our_addr(r, &me);
	learnt_addr(m, &learnt);
	memset(&in, 0, sizeof(in));
	in.tp = regent_ua_flow_info(r->ua, &r->cl)->transport;
	in.outbound = regent_msg_has_token(m, REGENT_HDR_REQUIRE, "outbound");
	note_outbound(r, m, in.outbound);
	if (learnt.host[0] != '\0' && !same_addr(&me, &learnt) && r->nat == NULL)
		r->nat = calloc(1, sizeof(*r->nat)); /* NULL: no learning this time */
	if (r->nat != NULL)
		r->nat->learnt = learnt;
	rewrite(r, &me, &learnt, in.outbound);
	if (regent_msg_u32(m, REGENT_HDR_FLOW_TIMER, &ft) == 0)
		in.flow_timer_s = ft;
	in.nat = learnt.host[0] != '\0' && !same_addr(&me, &learnt);
	in.user_s = regent_ua_identity(r->ua)->keepalive_s;
	/* the same path as before keeps its interval (no new jitter draw) */
	if (r->ka_known && r->ka_tp == in.tp && r->ka_ft == in.flow_timer_s &&
	    r->ka_outbound == in.outbound && r->ka_nat == in.nat)
		return;
	in.u = regent_reg_rnd16(r);
	ka = regent_reg_keepalive_s(&in);
	r->ka_tp = in.tp;
	r->ka_ft = in.flow_timer_s;
	r->ka_outbound = in.outbound;
	r->ka_nat = in.nat;
	if (in.nat)
		regent_ua_log(r->ua, REGENT_LOG_INFO,
			      "registerer %s: NAT seen: the registrar saw %s port %u, we sent from "
			      "%s port %u (RFC 3581)",
			      r->call_id, learnt.host, learnt.port, me.host, me.port);
	if (r->ka_known && r->ka_s == ka)
		return;
	/* nothing to tell when there never was a keep-alive (loopback, a LAN) */
	r->ka_emit = ka != 0 || r->ka_known;
	r->ka_known = true;
	r->ka_s = ka;
	regent_ua_flow_keepalive(r->ua, &r->cl, ka);
}

static const char *mechanism(enum regent_transport tp)
{
	if (tp == REGENT_TP_UDP)
		return "stun";
	if (tp == REGENT_TP_WS || tp == REGENT_TP_WSS)
		return "ws-ping";
	return "crlf";
}

/* REGENT_EV_FLOW_DOWN: the flow's error and what it means. */
static bool emit_flow_down(struct regent_registerer *r, int err)
{
	struct regent_event ev;
	char why[128];

	if (err == ETIMEDOUT && !r->queued)
		/* an up flow times out only when its keep-alive is not
		 * answered (src/net/conn_ka.c) or TCP gives up */
		snprintf(why, sizeof(why),
			 "no answer on the flow: keep-alive not answered in time "
			 "(RFC 5626 §4.4)");
	else if (err == ETIMEDOUT)
		snprintf(why, sizeof(why), "connecting timed out");
	else if (err == 0 || err == ENETRESET)
		snprintf(why, sizeof(why), "the network changed: flow dropped for a new one");
	else
		snprintf(why, sizeof(why), "%s", regent_strerror(err));
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_FLOW_DOWN;
	ev.error = err != 0 ? err : ENETRESET;
	ev.why = why;
	return regent_reg_emit(r, &ev);
}

bool regent_reg_nat_flow_down(struct regent_registerer *r, int err)
{
	char uri[512];

	if (!emit_flow_down(r, err))
		return false;

	/* the binding the registrar may hold for the lost flow: the first
	 * REGISTER over the next flow names it with expires=0 if its own
	 * Contact differs (a new local port on TCP/TLS/UDP; RFC 3261
	 * §10.2.2), as a contact rewrite does; kept until a 2xx */
	if (regent_reg_rare(r)->contact_uri != NULL ||
	    !(r->state == REGENT_REG_REGISTERED || r->xk == REGENT_X_REGISTER))
		return true;
	if (r->nat != NULL && r->nat->gone != NULL)
		return true; /* an older one still to remove: that one first */
	if (regent_reg_contact_uri(r, uri, sizeof(uri)) != 0)
		return true;
	if (r->nat == NULL)
		r->nat = calloc(1, sizeof(*r->nat)); /* NULL: nothing to remove */
	if (r->nat != NULL)
		r->nat->gone = strdup(uri);
	return true;
}

void regent_reg_nat_listed(struct regent_registerer *r, const struct regent_msg *m)
{
	struct regent_msg_iter it;
	struct regent_contact c;
	struct regent_uri g;
	const char *gone = r->nat != NULL ? r->nat->gone : NULL;

	if (gone == NULL || regent_uri_parse(&g, gone, strlen(gone), NULL) != 0)
		return;
	memset(&it, 0, sizeof(it));
	while (regent_msg_contact_next(m, &it, &c) == 0) {
		if (!c.star && regent_uri_equal(&c.addr.uri, &g))
			return; /* still held: the next REGISTER removes it */
	}
	free(r->nat->gone);
	r->nat->gone = NULL;
}

/* REGENT_EV_CONTACT_REWRITE for the rewrite rewrite() just made. */
static bool emit_rewrite(struct regent_registerer *r)
{
	struct regent_event ev;
	char now[512];

	if (r->nat == NULL || r->nat->old == NULL || regent_reg_contact_uri(r, now, sizeof(now)))
		return regent_reg_alive(r);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_CONTACT_REWRITE;
	ev.why = "the registrar saw another address (RFC 3581 received/rport)";
	ev.old_contact = r->nat->old;
	ev.new_contact = now;
	ev.learnt_host = r->nat->contact.host;
	ev.learnt_port = r->nat->contact.port;
	ev.nat = true;
	return regent_reg_emit(r, &ev);
}

void regent_reg_nat_log_config(const struct regent_registerer *r)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	uint32_t ka = id->keepalive_s;

	if (ka == REGENT_KEEPALIVE_OFF)
		regent_ua_log(r->ua, REGENT_LOG_INFO, "  keepalive_interval_s: off");
	else if (ka != 0)
		regent_ua_log(r->ua, REGENT_LOG_INFO,
			      "  keepalive_interval_s: %u (on every flow; stun on UDP, crlf on "
			      "TCP/TLS, ws-ping on WS/WSS; answer due in 10 s, RFC 5626 §4.4.1)",
			      ka);
	else
		regent_ua_log(r->ua, REGENT_LOG_INFO,
			      "  keepalive_interval_s: auto (after each 2xx, RFC 5626 §4.4.1: "
			      "80-100 %% of Flow-Timer; with outbound UDP 24-29 s, streams "
			      "95-120 s; behind a NAT without outbound UDP %u-%u s, streams "
			      "95-120 s; none otherwise; stun on UDP, crlf on TCP/TLS, ws-ping on "
			      "WS/WSS; answer due in 10 s)",
			      REGENT_REG_KA_UDP_NAT_MAX_S * 4 / 5, REGENT_REG_KA_UDP_NAT_MAX_S);
	regent_ua_log(r->ua, REGENT_LOG_INFO,
		      "  contact_rewrite: %s (RFC 3581 received/rport; never on a WS Contact)",
		      id->contact_rewrite_off ? "off" : "auto");
}

bool regent_reg_nat_emit(struct regent_registerer *r)
{
	struct regent_event ev;
	char why[160];
	uint32_t user = regent_ua_identity(r->ua)->keepalive_s;

	if (r->nat_reregister) {
		/* the rewritten Contact goes out now (the refresh timer, taken
		 * once the exchange is over: one owner schedules requests) */
		r->nat_reregister = false;
		if (!emit_rewrite(r))
			return false;
		if (r->want_reg && r->state == REGENT_REG_REGISTERED)
			r->t_refresh = regent_reg_now(r);
	}
	if (!r->ka_emit)
		return true;
	r->ka_emit = false;
	snprintf(why, sizeof(why), "%s, %s%s%s%s", r->ka_s ? mechanism(r->ka_tp) : "none",
		 user == REGENT_KEEPALIVE_OFF ? "off by option"
		 : user != 0		      ? "interval by option"
		 : r->ka_ft		      ? "Flow-Timer"
		 : r->ka_outbound	      ? "outbound"
		 : r->ka_nat		      ? "NAT seen"
					      : "no NAT seen",
		 r->ka_outbound ? "; outbound" : "", r->ka_nat && user ? "; NAT seen" : "", "");
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: keep-alive %s%u s (%s)", r->call_id,
		      r->ka_s ? "every " : "off, ", r->ka_s, why);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_KEEPALIVE;
	ev.why = why;
	ev.keepalive_s = r->ka_s;
	ev.nat = r->ka_nat;
	ev.outbound = r->ka_outbound;
	return regent_reg_emit(r, &ev);
}

void regent_reg_nat_mapped(struct regent_registerer *r, const char *host, uint16_t port)
{
	struct regent_reg_nat_addr seen, mapped;

	if (!r->want_reg || r->state != REGENT_REG_REGISTERED)
		return;
	/* what the registrar saw at the last 2xx (our own address when it
	 * showed no NAT) */
	if (r->nat != NULL && r->nat->learnt.host[0] != '\0')
		seen = r->nat->learnt;
	else
		our_addr(r, &seen);
	memset(&mapped, 0, sizeof(mapped));
	snprintf(mapped.host, sizeof(mapped.host), "%s", host);
	mapped.port = port;
	if (same_addr(&seen, &mapped))
		return;
	regent_ua_log(r->ua, REGENT_LOG_INFO,
		      "registerer %s: NAT rebinding: seen from %s port %u, the registrar last saw "
		      "%s port %u: re-registering",
		      r->call_id, host, port, seen.host, seen.port);
	r->t_refresh = regent_reg_now(r);
}

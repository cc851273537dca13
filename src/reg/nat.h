/*
 * reg/nat — NAT learning and the keep-alive interval as pure functions
 * (docs/design.md, "Policies"): no clock, no random source, no state of
 * their own (the caller keeps struct regent_reg_nat_memo and passes `now`
 * and the random `u` in), so each rule has a table test
 * (tests/unit/test_reg_nat.c).
 *
 * NAT learning (RFC 3581 §4, issue 13 item 2): when outbound is not in use
 * and the address the registrar saw us from (the top Via's received/rport
 * in a 2xx, or a STUN mapped address on the flow) differs from our
 * Contact's host:port, re-register with the learnt address in the Contact
 * and remove the old Contact in the same REGISTER ("contact rewrite").
 * Loop guards:
 *  - once per learnt address change: an address already acted on is not
 *    acted on again while it stays the last learnt one;
 *  - flapping between addresses is bounded: at most
 *    REGENT_REG_NAT_MAX_REWRITES rewrites per REGENT_REG_NAT_WINDOW_MS
 *    (4 per hour); past that the Contact is kept until the window ends.
 */
#ifndef REGENT_REG_NAT_H
#define REGENT_REG_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "regent.h"

#define REGENT_REG_NAT_MAX_REWRITES 4
#define REGENT_REG_NAT_WINDOW_MS 3600000u
#define REGENT_REG_NAT_HOST_MAX 64

/* contact_rewrite option */
enum regent_reg_nat_mode {
	REGENT_REG_NAT_AUTO = 0,
	REGENT_REG_NAT_OFF,
};

enum regent_reg_nat_verdict {
	REGENT_REG_NAT_KEEP_SAME = 0, /* learnt = our Contact: no NAT seen */
	REGENT_REG_NAT_KEEP_NO_INFO,  /* nothing learnt (no received/rport) */
	REGENT_REG_NAT_KEEP_OFF,      /* contact_rewrite off */
	REGENT_REG_NAT_KEEP_OUTBOUND, /* RFC 5626: the flow routes requests */
	REGENT_REG_NAT_KEEP_DONE,     /* this address was already acted on */
	REGENT_REG_NAT_KEEP_FLAPPING, /* the per-window bound is reached */
	REGENT_REG_NAT_REWRITE,	      /* re-register with host:port, remove the old */
};

/* An address: numeric host without brackets, port (0: none). */
struct regent_reg_nat_addr {
	char host[REGENT_REG_NAT_HOST_MAX];
	uint16_t port;
};

/* What the caller remembers between decisions (zero it at start). */
struct regent_reg_nat_memo {
	struct regent_reg_nat_addr last; /* last address acted on ("" none) */
	uint64_t window_start_ms;
	uint32_t rewrites; /* in the window */
};

struct regent_reg_nat_in {
	struct regent_reg_nat_addr contact; /* our Contact's host:port now */
	struct regent_reg_nat_addr learnt;  /* regent_reg_nat_from_via() or STUN */
	bool outbound;			    /* RFC 5626 in use on this flow */
	enum regent_reg_nat_mode mode;
};

/* The address the registrar saw a request from (RFC 3581 §4): host =
 * `received` if given, else the Via sent-by host; port = `rport` if the
 * 2xx filled it (> 0), else the sent-by port (5060 if none). Both absent:
 * nothing was learnt (out->host empty). received/sent_by may be NULL. */
void regent_reg_nat_from_via(struct regent_reg_nat_addr *out, const char *received, uint32_t rport,
			     const char *sent_by, uint16_t sent_by_port);

/* The decision for `in` given the memo, at `now_ms`. Pure: the caller
 * applies a REWRITE (Contact := in->learnt, old Contact removed with
 * expires=0 in the same REGISTER) and then calls regent_reg_nat_note(). */
enum regent_reg_nat_verdict regent_reg_nat_decide(const struct regent_reg_nat_in *in,
						  const struct regent_reg_nat_memo *memo,
						  uint64_t now_ms);

/* Records a REWRITE to `learnt` at now_ms in the memo. */
void regent_reg_nat_note(struct regent_reg_nat_memo *memo, const struct regent_reg_nat_addr *learnt,
			 uint64_t now_ms);

/* A short name for logs and events ("same", "rewrite", ...). */
const char *regent_reg_nat_verdict_name(enum regent_reg_nat_verdict v);

/* ------------------------------------------------ keep-alive interval */

/* user_s of struct regent_reg_ka_in */
#define REGENT_REG_KA_AUTO 0u
#define REGENT_REG_KA_OFF UINT32_MAX
/* at most this on a UDP flow behind a NAT without outbound: common NAT UDP
 * timeouts are 30 s (issue 13 item 1) */
#define REGENT_REG_KA_UDP_NAT_MAX_S 25u

struct regent_reg_ka_in {
	enum regent_transport tp;
	uint32_t flow_timer_s; /* Flow-Timer of the last 2xx, 0 none */
	bool outbound;	       /* RFC 5626 in use on this flow */
	bool nat;	       /* a NAT was seen (verdict other than SAME/NO_INFO) */
	uint32_t user_s;       /* REGENT_REG_KA_AUTO, REGENT_REG_KA_OFF or seconds */
	uint16_t u;	       /* random, uniform in 0..65535 */
};

/* Keep-alive interval in seconds, 0: none (RFC 5626 §4.4.1):
 *  - a user value wins (OFF: 0);
 *  - a Flow-Timer F: uniform in [0.8·F, F] (§4.4.1: 80-100 % of it);
 *  - outbound without Flow-Timer: the §4.4.1 defaults, uniform in 95-120 s
 *    on connection-oriented transports and 24-29 s on UDP;
 *  - no outbound, NAT seen: UDP uniform in [20, 25] s
 *    (REGENT_REG_KA_UDP_NAT_MAX_S at most); a stream 95-120 s, so a
 *    black-holed flow is found within that + 10 s;
 *  - no outbound, no NAT seen: none (same address on both sides).
 * Never less than 1 s when on. */
uint32_t regent_reg_keepalive_s(const struct regent_reg_ka_in *in);

#endif /* REGENT_REG_NAT_H */

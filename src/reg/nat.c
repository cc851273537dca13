/*
 * nat — the NAT-learning decision (RFC 3581 §4: contact rewrite with its
 * loop guards) and the keep-alive interval (RFC 5626 §4.4.1), as pure
 * functions; the rules are said in reg/nat.h.
 */
#include <stdio.h>
#include <string.h>

#include "msg/msg.h"
#include "reg/nat.h"

void regent_reg_nat_from_via(struct regent_reg_nat_addr *out, const char *received, uint32_t rport,
			     const char *sent_by, uint16_t sent_by_port)
{
	bool has_recv = received != NULL && received[0] != '\0';

	memset(out, 0, sizeof(*out));
	if (!has_recv && rport == 0)
		return; /* the registrar told us nothing */
	regent_pl_strtrunc(out->host, sizeof(out->host),
			   has_recv ? received : (sent_by != NULL ? sent_by : ""));
	if (out->host[0] == '\0')
		return;
	if (rport > 0 && rport <= 65535)
		out->port = (uint16_t)rport;
	else
		out->port = sent_by_port ? sent_by_port : 5060; /* RFC 3261 §18.2.2 */
}

static bool addr_eq(const struct regent_reg_nat_addr *a, const struct regent_reg_nat_addr *b)
{
	uint16_t pa = a->port ? a->port : 5060, pb = b->port ? b->port : 5060;

	return pa == pb && strcmp(a->host, b->host) == 0;
}

enum regent_reg_nat_verdict regent_reg_nat_decide(const struct regent_reg_nat_in *in,
						  const struct regent_reg_nat_memo *memo,
						  uint64_t now_ms)
{
	bool in_window;

	if (in->learnt.host[0] == '\0')
		return REGENT_REG_NAT_KEEP_NO_INFO;
	if (addr_eq(&in->learnt, &in->contact))
		return REGENT_REG_NAT_KEEP_SAME;
	if (in->mode == REGENT_REG_NAT_OFF)
		return REGENT_REG_NAT_KEEP_OFF;
	/* RFC 5626 §5: the edge proxy reaches us over the flow whatever the
	 * Contact says; rewriting it would only break the instance match */
	if (in->outbound)
		return REGENT_REG_NAT_KEEP_OUTBOUND;
	if (memo->last.host[0] != '\0' && addr_eq(&in->learnt, &memo->last))
		return REGENT_REG_NAT_KEEP_DONE;
	in_window = memo->rewrites > 0 && now_ms >= memo->window_start_ms &&
		    now_ms - memo->window_start_ms < REGENT_REG_NAT_WINDOW_MS;
	if (in_window && memo->rewrites >= REGENT_REG_NAT_MAX_REWRITES)
		return REGENT_REG_NAT_KEEP_FLAPPING;
	return REGENT_REG_NAT_REWRITE;
}

void regent_reg_nat_note(struct regent_reg_nat_memo *memo, const struct regent_reg_nat_addr *learnt,
			 uint64_t now_ms)
{
	bool in_window = memo->rewrites > 0 && now_ms >= memo->window_start_ms &&
			 now_ms - memo->window_start_ms < REGENT_REG_NAT_WINDOW_MS;

	if (!in_window) {
		memo->window_start_ms = now_ms;
		memo->rewrites = 0;
	}
	memo->rewrites++;
	memo->last = *learnt;
}

const char *regent_reg_nat_verdict_name(enum regent_reg_nat_verdict v)
{
	static const char *const names[] = {"same",    "no-info",  "off",    "outbound",
					    "already", "flapping", "rewrite"};

	return (size_t)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

/* uniform in [lo, hi] from u */
static uint32_t pick(uint32_t lo, uint32_t hi, uint16_t u)
{
	return lo + (uint32_t)(((uint64_t)(hi - lo + 1) * u) >> 16);
}

uint32_t regent_reg_keepalive_s(const struct regent_reg_ka_in *in)
{
	bool udp = in->tp == REGENT_TP_UDP;
	uint32_t f = in->flow_timer_s;

	if (in->user_s == REGENT_REG_KA_OFF)
		return 0;
	if (in->user_s != REGENT_REG_KA_AUTO)
		return in->user_s;
	if (f > 0) {
		/* RFC 5626 §4.4.1: 80 % to 100 % of the Flow-Timer */
		uint32_t lo = (uint32_t)((uint64_t)f * 80 / 100);
		return pick(lo ? lo : 1, f, in->u);
	}
	if (in->outbound) /* RFC 5626 §4.4.1 defaults */
		return udp ? pick(24, 29, in->u) : pick(95, 120, in->u);
	if (!in->nat)
		return 0;
	return udp ? pick(REGENT_REG_KA_UDP_NAT_MAX_S * 4 / 5, REGENT_REG_KA_UDP_NAT_MAX_S, in->u)
		   : pick(95, 120, in->u);
}

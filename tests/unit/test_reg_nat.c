/*
 * Table tests for NAT learning and the keep-alive interval (src/reg/nat.h):
 * the address learnt from received/rport (RFC 3581 §4), the contact-rewrite
 * decision with its loop guards (once per learnt address, a bound on
 * flapping per hour), and the RFC 5626 §4.4.1 interval rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reg/nat.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct regent_reg_nat_addr A(const char *h, uint16_t p) {
	struct regent_reg_nat_addr a = {{0}, p};

	snprintf(a.host, sizeof(a.host), "%s", h);
	return a;
}

static void
learnt_address_from_via_table(void **state)
{
	static const struct {
		const char *received;
		uint32_t rport;
		const char *sent_by;
		uint16_t sb_port;
		const char *host;
		uint16_t port;
	} tab[] = {
	    {"198.51.100.7", 41253, "10.77.1.2", 5060, "198.51.100.7", 41253},
	    /* received only: the port is the sent-by port */
	    {"198.51.100.7", 0, "10.77.1.2", 5062, "198.51.100.7", 5062},
	    {"198.51.100.7", 0, "10.77.1.2", 0, "198.51.100.7", 5060},
	    /* rport only (the source address was the sent-by) */
	    {NULL, 41000, "10.77.1.2", 5060, "10.77.1.2", 41000},
	    {"", 41000, "10.77.1.2", 5060, "10.77.1.2", 41000},
	    /* nothing learnt */
	    {NULL, 0, "10.77.1.2", 5060, "", 0},
	    {"", 0, "10.77.1.2", 5060, "", 0},
	    /* an out-of-range rport is ignored */
	    {"198.51.100.7", 70000, "10.77.1.2", 5060, "198.51.100.7", 5060},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		struct regent_reg_nat_addr a;

		regent_reg_nat_from_via(&a, tab[i].received, tab[i].rport, tab[i].sent_by,
					tab[i].sb_port);
		if (strcmp(a.host, tab[i].host) != 0 || a.port != tab[i].port)
			fail_msg("row %zu: got %s:%u", i, a.host, a.port);
	}
}

static void rewrite_decision_table(void **state)
{
	const struct regent_reg_nat_memo none = {0};
	struct regent_reg_nat_memo done = {0};
	struct regent_reg_nat_memo full = {0};

	(void)state;
	regent_reg_nat_note(&done, &(struct regent_reg_nat_addr){"198.51.100.7", 41253}, 1000);
	for (int i = 0; i < REGENT_REG_NAT_MAX_REWRITES; i++)
		regent_reg_nat_note(&full, &(struct regent_reg_nat_addr){"198.51.100.9", 1}, 1000);

	const struct {
		struct regent_reg_nat_addr contact, learnt;
		bool outbound;
		enum regent_reg_nat_mode mode;
		const struct regent_reg_nat_memo *memo;
		uint64_t now;
		enum regent_reg_nat_verdict want;
	} tab[] = {
	    /* behind a NAT: rewrite */
	    {A("10.77.1.2", 5060), A("198.51.100.7", 41253), false, REGENT_REG_NAT_AUTO, &none, 0,
	     REGENT_REG_NAT_REWRITE},
	    /* the same address both sides (5060 implied) */
	    {A("10.77.1.2", 0), A("10.77.1.2", 5060), false, REGENT_REG_NAT_AUTO, &none, 0,
	     REGENT_REG_NAT_KEEP_SAME},
	    /* only the port changed (a port-translating NAT): rewrite */
	    {A("10.77.1.2", 5060), A("10.77.1.2", 40001), false, REGENT_REG_NAT_AUTO, &none, 0,
	     REGENT_REG_NAT_REWRITE},
	    {A("10.77.1.2", 5060), A("", 0), false, REGENT_REG_NAT_AUTO, &none, 0,
	     REGENT_REG_NAT_KEEP_NO_INFO},
	    {A("10.77.1.2", 5060), A("198.51.100.7", 41253), false, REGENT_REG_NAT_OFF, &none, 0,
	     REGENT_REG_NAT_KEEP_OFF},
	    {A("10.77.1.2", 5060), A("198.51.100.7", 41253), true, REGENT_REG_NAT_AUTO, &none, 0,
	     REGENT_REG_NAT_KEEP_OUTBOUND},
	    /* loop guard: already acted on this address (the registrar keeps
	     * reporting it although our Contact did not take) */
	    {A("10.77.1.2", 5060), A("198.51.100.7", 41253), false, REGENT_REG_NAT_AUTO, &done,
	     2000, REGENT_REG_NAT_KEEP_DONE},
	    /* after the rewrite, the Contact is the learnt address: same */
	    {A("198.51.100.7", 41253), A("198.51.100.7", 41253), false, REGENT_REG_NAT_AUTO, &done,
	     2000, REGENT_REG_NAT_KEEP_SAME},
	    /* NAT rebinding: a new learnt address is acted on once more */
	    {A("198.51.100.7", 41253), A("198.51.100.7", 43180), false, REGENT_REG_NAT_AUTO, &done,
	     2000, REGENT_REG_NAT_REWRITE},
	    /* flapping: the 4 rewrites of this hour are spent */
	    {A("198.51.100.9", 1), A("198.51.100.7", 2), false, REGENT_REG_NAT_AUTO, &full,
	     1000 + REGENT_REG_NAT_WINDOW_MS - 1, REGENT_REG_NAT_KEEP_FLAPPING},
	    /* ... until the window ends */
	    {A("198.51.100.9", 1), A("198.51.100.7", 2), false, REGENT_REG_NAT_AUTO, &full,
	     1000 + REGENT_REG_NAT_WINDOW_MS, REGENT_REG_NAT_REWRITE},
	};

	for (size_t i = 0; i < N(tab); i++) {
		struct regent_reg_nat_in in = {tab[i].contact, tab[i].learnt, tab[i].outbound,
					       tab[i].mode};
		enum regent_reg_nat_verdict v = regent_reg_nat_decide(&in, tab[i].memo, tab[i].now);

		if (v != tab[i].want)
			fail_msg("row %zu: got %s, want %s", i, regent_reg_nat_verdict_name(v),
				 regent_reg_nat_verdict_name(tab[i].want));
	}
}

/* A NAT flapping between two addresses for a simulated day, one 2xx per
 * keep-alive interval (25 s): rewrites stay within 4 per hour. */
static void flapping_for_a_day_is_bounded(void **state)
{
	struct regent_reg_nat_memo memo = {0};
	struct regent_reg_nat_addr contact = A("10.77.1.2", 5060);
	struct regent_reg_nat_addr ab[2] = {A("198.51.100.7", 40000), A("198.51.100.7", 45000)};
	uint32_t total = 0, per_hour[25] = {0};

	(void)state;
	for (uint64_t t = 0, k = 0; t < 24 * REGENT_REG_NAT_WINDOW_MS; t += 25000, k++) {
		struct regent_reg_nat_in in = {contact, ab[k % 2], false, REGENT_REG_NAT_AUTO};

		if (regent_reg_nat_decide(&in, &memo, t) == REGENT_REG_NAT_REWRITE) {
			regent_reg_nat_note(&memo, &in.learnt, t);
			contact = in.learnt;
			total++;
			per_hour[t / REGENT_REG_NAT_WINDOW_MS]++;
		}
	}
	for (size_t h = 0; h < 24; h++)
		assert_true(per_hour[h] <= REGENT_REG_NAT_MAX_REWRITES);
	assert_true(total >= 24); /* it still follows the NAT, boundedly */
	assert_true(total <= 24 * REGENT_REG_NAT_MAX_REWRITES);
}

static void keepalive_interval_table(void **state)
{
	static const struct {
		enum regent_transport tp;
		uint32_t flow_timer;
		bool outbound, nat;
		uint32_t user;
		uint16_t u;
		uint32_t want;
	} tab[] = {
	    /* Flow-Timer: 80-100 % of it */
	    {REGENT_TP_TCP, 120, true, false, REGENT_REG_KA_AUTO, 0, 96},
	    {REGENT_TP_TCP, 120, true, false, REGENT_REG_KA_AUTO, 65535, 120},
	    {REGENT_TP_UDP, 25, true, true, REGENT_REG_KA_AUTO, 0, 20},
	    {REGENT_TP_UDP, 25, true, true, REGENT_REG_KA_AUTO, 32768, 23},
	    {REGENT_TP_UDP, 1, true, true, REGENT_REG_KA_AUTO, 0, 1},
	    /* outbound without Flow-Timer: RFC 5626 §4.4.1 defaults */
	    {REGENT_TP_TLS, 0, true, false, REGENT_REG_KA_AUTO, 0, 95},
	    {REGENT_TP_WSS, 0, true, false, REGENT_REG_KA_AUTO, 65535, 120},
	    {REGENT_TP_UDP, 0, true, false, REGENT_REG_KA_AUTO, 0, 24},
	    {REGENT_TP_UDP, 0, true, false, REGENT_REG_KA_AUTO, 65535, 29},
	    /* no outbound, NAT seen: UDP at most 25 s */
	    {REGENT_TP_UDP, 0, false, true, REGENT_REG_KA_AUTO, 0, 20},
	    {REGENT_TP_UDP, 0, false, true, REGENT_REG_KA_AUTO, 65535, 25},
	    {REGENT_TP_TCP, 0, false, true, REGENT_REG_KA_AUTO, 0, 95},
	    /* no outbound, no NAT: not needed */
	    {REGENT_TP_UDP, 0, false, false, REGENT_REG_KA_AUTO, 0, 0},
	    {REGENT_TP_TCP, 0, false, false, REGENT_REG_KA_AUTO, 65535, 0},
	    /* the user's value wins, off included */
	    {REGENT_TP_UDP, 25, true, true, 7, 0, 7},
	    {REGENT_TP_UDP, 0, false, false, 7, 0, 7},
	    {REGENT_TP_UDP, 25, true, true, REGENT_REG_KA_OFF, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		struct regent_reg_ka_in in = {tab[i].tp,  tab[i].flow_timer, tab[i].outbound,
					      tab[i].nat, tab[i].user,	     tab[i].u};
		uint32_t got = regent_reg_keepalive_s(&in);

		if (got != tab[i].want)
			fail_msg("row %zu: got %u, want %u", i, got, tab[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(learnt_address_from_via_table),
	    cmocka_unit_test(rewrite_decision_table),
	    cmocka_unit_test(flapping_for_a_day_is_bounded),
	    cmocka_unit_test(keepalive_interval_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sim_odd_response — issue 11 §2 end to end: responses with odd values
 * in headers the transaction does not match on reach the Registerer.
 *
 * A 503 whose Retry-After does not fit in 32 bits used to be dropped as
 * malformed: the REGISTER was retransmitted until timer F and the user saw
 * a local 408. Now the 503 is the response (and the retry waits, at least
 * no sooner than the back-off). A 200 whose Contact expires and Expires are
 * out of range registers, with the binding's expiry taken as the largest
 * (RFC 3261 §10.2.1.1, then bounded by what was asked).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sim_test_util.h"

static enum sim_script_action odd_503(struct sim_harness *h, const struct regent_msg *req,
				      const char *resp, size_t resp_len, struct regent_wbuf *out,
				      void *arg)
{
	(void)h;
	(void)resp;
	(void)resp_len;
	(void)arg;
	if (sim_reply(out, req, 503, "Service Unavailable",
		      "Retry-After: 99999999999 (maintenance\r\n") != 0)
		return SIM_PASS;
	return SIM_REPLACE;
}

static void overlarge_retry_after_503_is_the_response_not_a_timeout(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x0dd503);
	struct sim_setup s;
	struct sim_harness *h;
	long r;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	h->script = odd_503;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 40000); /* past timer F (32 s) */
	r = sim_find(h, REGENT_EV_RESPONSE, 0);
	SIM_ASSERT(seed, r >= 0, "no response at all");
	SIM_ASSERT(seed, h->ev[r].status == 503 && !h->ev[r].local,
		   "first response %u%s, want the registrar's 503", h->ev[r].status,
		   h->ev[r].local ? " (local)" : "");
	SIM_ASSERT(seed, h->ev[r].t < 1000, "503 reported after %" PRIu64 " ms", h->ev[r].t);
	SIM_ASSERT(seed, regent_registerer_retry_after(h->reg) > 0, "Retry-After not kept");
	sim_stop(h);
}

static enum sim_script_action odd_200(struct sim_harness *h, const struct regent_msg *req,
				      const char *resp, size_t resp_len, struct regent_wbuf *out,
				      void *arg)
{
	(void)h;
	(void)arg;
	char contact[512], extra[700];

	if (sim_status_of(resp, resp_len) != 200 || !sim_contact_of(req, contact, sizeof(contact)))
		return SIM_PASS;
	snprintf(extra, sizeof(extra),
		 "Contact: %s;expires=4294967296\r\nExpires: -1\r\nExpires: 99999999999\r\n",
		 contact);
	return sim_reply(out, req, 200, "OK", extra) == 0 ? SIM_REPLACE : SIM_PASS;
}

static void overlarge_expiry_200_registers(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x0dd200);
	struct sim_setup s;
	struct sim_harness *h;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	h->script = odd_200;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED, "state %s",
		   regent_registerer_state_name(regent_registerer_state(h->reg)));
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(overlarge_retry_after_503_is_the_response_not_a_timeout),
	    SIM_TEST(overlarge_expiry_200_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

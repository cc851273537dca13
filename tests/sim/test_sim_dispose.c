/*
 * test_sim_dispose — dispose() always ends in TERMINATED within its
 * deadline: after a clean un-REGISTER, with the registrar unreachable, and
 * with a request still pending (SIP.js waited for `waiting` to clear, and
 * hung for good when it never did).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_test_util.h"

static uint64_t terminated_at(const struct sim_harness *h)
{
	for (size_t i = 0; i < h->n_ev; i++)
		if (h->ev[i].type == REGENT_EV_STATE_CHANGED &&
		    h->ev[i].state == REGENT_REG_TERMINATED)
			return h->ev[i].t;
	return UINT64_MAX;
}

static void dispose_unregisters_then_terminates(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd15);
	struct sim_setup s;
	struct sim_harness *h;
	size_t i0;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	SIM_ASSERT(seed, sim_registrar_holds(h), "not registered");
	i0 = h->n_ev;
	assert_int_equal(regent_registerer_dispose(h->reg, 0), 0);
	SIM_RUN_FOR(h, 10000);
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_UNREGISTER, i0) == 1, "no un-REGISTER");
	SIM_ASSERT(seed, !sim_registrar_holds(h), "the registrar still holds the binding");
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_TERMINATED, "state %s",
		   regent_registerer_state_name(regent_registerer_state(h->reg)));
	SIM_ASSERT(seed, regent_registerer_register(h->reg, NULL) == EPERM,
		   "register() accepted after dispose");
	sim_stop(h);
}

static void dispose_with_registrar_unreachable_ends_at_the_deadline(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd16);
	struct sim_setup s;
	struct sim_harness *h;
	uint64_t t0, t;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	sim_net_link(h->net, SIM_UP)->partitioned = true;
	t0 = sim_now(h);
	assert_int_equal(regent_registerer_dispose(h->reg, 3000), 0);
	SIM_RUN_FOR(h, 60000);
	t = terminated_at(h);
	SIM_ASSERT(seed, t != UINT64_MAX, "never TERMINATED");
	SIM_ASSERT(seed, t - t0 <= 3000, "TERMINATED %" PRIu64 " ms after dispose(3000)", t - t0);
	SIM_ASSERT(seed, !regent_registerer_waiting(h->reg), "still waiting after dispose");
	sim_stop(h);
}

static void dispose_during_a_pending_request_terminates(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd17);
	struct sim_setup s;
	struct sim_harness *h;
	uint64_t t0, t;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	/* Nothing answers: the first REGISTER stays pending. */
	sim_net_link(h->net, SIM_UP)->partitioned = true;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 1000);
	SIM_ASSERT(seed, regent_registerer_waiting(h->reg), "request not pending");
	t0 = sim_now(h);
	assert_int_equal(regent_registerer_dispose(h->reg, 2000), 0);
	SIM_RUN_FOR(h, 60000);
	t = terminated_at(h);
	SIM_ASSERT(seed, t != UINT64_MAX, "never TERMINATED (SIP.js hung here)");
	SIM_ASSERT(seed, t - t0 <= 2000, "TERMINATED %" PRIu64 " ms after dispose(2000)", t - t0);
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(dispose_unregisters_then_terminates),
	    SIM_TEST(dispose_with_registrar_unreachable_ends_at_the_deadline),
	    SIM_TEST(dispose_during_a_pending_request_terminates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sim_partition — a silent network partition (no flow-down signal, as
 * with UDP) for ten minutes while registered: the loss is reported, the UA
 * does not storm the dead path, and the binding is back within the RFC 5626
 * §4.5 back-off bound once the path heals.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sim_test_util.h"

#define T_F 32000
#define CUT_MS 600000ULL

static void partition_10_min_reports_loss_no_storm_back_within_backoff(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x9a27);
	struct sim_setup s;
	struct sim_harness *h;
	uint64_t t_cut, t_heal, cap, max_retry = 0, back = UINT64_MAX;
	size_t i0, failures = 0, attempts = 0;

	sim_setup_init(&s, seed);
	s.reg.expires = 120;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, 60000);
	SIM_ASSERT(seed, sim_registrar_holds(h), "not registered before the cut");

	i0 = h->n_ev;
	t_cut = sim_now(h);
	sim_net_link(h->net, SIM_UP)->partitioned = true;
	sim_net_link(h->net, SIM_DOWN)->partitioned = true;
	SIM_RUN_FOR(h, CUT_MS);
	sim_net_link(h->net, SIM_UP)->partitioned = false;
	sim_net_link(h->net, SIM_DOWN)->partitioned = false;
	t_heal = sim_now(h);

	for (size_t i = i0; i < h->n_ev; i++) {
		const struct sim_event *e = &h->ev[i];

		if (e->type == REGENT_EV_RESPONSE && e->status >= 300)
			failures++;
		if (e->type == REGENT_EV_WILL_RETRY && e->retry_in_ms > max_retry)
			max_retry = e->retry_in_ms;
		if (e->type == REGENT_EV_REQUEST_SENT && e->reason != REGENT_SEND_AUTH_RETRY)
			attempts++;
	}
	SIM_ASSERT(seed, sim_count(h, REGENT_EV_REGISTRATION_LOST, i0) >= 1,
		   "a 10 min partition with expires 120 and no REGISTRATION_LOST");
	SIM_ASSERT(seed, regent_registerer_state(h->reg) != REGENT_REG_REGISTERED,
		   "still REGISTERED after the binding expired unrefreshed");
	for (size_t m = t_cut / 60000; m < t_heal / 60000 && m < h->n_min; m++)
		SIM_ASSERT(seed, h->min_requests[m] <= 6, "minute %zu of the cut: %u REGISTERs", m,
			   h->min_requests[m]);
	/* Back-off grows: far fewer attempts than one per timer F. */
	SIM_ASSERT(seed, attempts <= CUT_MS / T_F / 2, "%zu attempts in the 10 min cut", attempts);

	cap = (uint64_t)s.reg.retry_base_s * 1000;
	for (size_t k = 0; k < failures && cap < (uint64_t)s.reg.retry_max_s * 1000; k++)
		cap *= 2;
	if (cap > (uint64_t)s.reg.retry_max_s * 1000)
		cap = (uint64_t)s.reg.retry_max_s * 1000;
	SIM_ASSERT(seed, max_retry <= cap, "back-off %" PRIu64 " ms above the bound %" PRIu64,
		   max_retry, cap);

	for (int k = 0; k < 4000 && back == UINT64_MAX; k++) {
		SIM_RUN_FOR(h, 1000);
		if (sim_registrar_holds(h))
			back = sim_now(h);
	}
	printf("sim partition: seed=%" PRIu64
	       " %zu attempts, %zu failures, longest back-off %" PRIu64 " ms; binding back %" PRIu64
	       " ms after the heal (bound %" PRIu64 " ms)\n",
	       seed, attempts, failures, max_retry, back - t_heal, cap + T_F + 2000);
	SIM_ASSERT(seed, back != UINT64_MAX, "binding never came back");
	SIM_ASSERT(seed, back - t_heal <= cap + T_F + 2000,
		   "binding back %" PRIu64 " ms after the heal", back - t_heal);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(partition_10_min_reports_loss_no_storm_back_within_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sim_registrar_restart — the registrar forgets every binding and
 * nonce (regent_registrar_restart). The binding must come back by the next
 * refresh when the registrar restarts at once, and within the back-off
 * bound when it is unreachable for a while around the restart.
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

struct watch {
	uint64_t gone_at, back_at; /* virtual ms, 0: not seen */
};

static void watch_tick(struct sim_harness *h, void *arg)
{
	struct watch *w = arg;
	bool held = sim_registrar_holds(h);

	if (!held && w->gone_at == 0)
		w->gone_at = sim_now(h);
	if (held && w->gone_at != 0 && w->back_at == 0)
		w->back_at = sim_now(h);
}

static void restart_binding_back_by_the_next_refresh(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x4e57);
	struct sim_setup s;
	struct sim_harness *h;
	struct watch w = {0};
	uint64_t t_restart;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, 100000);
	SIM_ASSERT(seed, sim_registrar_holds(h), "not registered before the restart");

	t_restart = sim_now(h);
	sim_registrar_restart(h);
	SIM_ASSERT(seed, !sim_registrar_holds(h), "restart kept the binding");
	h->tick_ms = 100;
	h->on_tick = watch_tick;
	h->on_tick_arg = &w;
	SIM_RUN_FOR(h, 300000);
	SIM_ASSERT(seed, w.back_at != 0, "binding never came back");
	printf("sim restart: seed=%" PRIu64 " binding back %" PRIu64 " ms after the restart\n",
	       seed, w.back_at - t_restart);
	/* The next refresh is due within expires (60 s); it meets an unknown
	 * nonce, is challenged once and succeeds. */
	SIM_ASSERT(seed, w.back_at - t_restart <= 60000 + 1000,
		   "binding back %" PRIu64 " ms after the restart", w.back_at - t_restart);
	SIM_ASSERT(seed, sim_registrar_holds(h), "binding lost again");
	sim_stop(h);
}

static void restart_with_outage_binding_back_within_backoff_bound(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x4e58);
	struct sim_setup s;
	struct sim_harness *h;
	struct watch w = {0};
	uint64_t t_heal, bound, max_retry = 0;
	size_t i0, failures = 0;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, 100000);
	SIM_ASSERT(seed, sim_registrar_holds(h), "not registered before the restart");

	/* The registrar host reboots: unreachable for 3 minutes, then up with
	 * no state. Requests vanish; the UA sees timeouts. */
	i0 = h->n_ev;
	sim_net_link(h->net, SIM_UP)->partitioned = true;
	sim_registrar_restart(h);
	SIM_RUN_FOR(h, 180000);
	sim_net_link(h->net, SIM_UP)->partitioned = false;
	t_heal = sim_now(h);
	for (size_t i = i0; i < h->n_ev; i++) {
		if (h->ev[i].type == REGENT_EV_RESPONSE && h->ev[i].status >= 300)
			failures++;
		if (h->ev[i].type == REGENT_EV_WILL_RETRY && h->ev[i].retry_in_ms > max_retry)
			max_retry = h->ev[i].retry_in_ms;
	}
	SIM_ASSERT(seed, failures >= 2, "only %zu failures in a 3 min outage", failures);
	SIM_ASSERT(seed, sim_count(h, REGENT_EV_WILL_RETRY, i0) >= 1, "no retry scheduled");
	/* RFC 5626 §4.5: wait <= min(max, base * 2^failures). */
	{
		uint64_t cap = (uint64_t)s.reg.retry_base_s * 1000;

		for (size_t k = 0; k < failures && cap < (uint64_t)s.reg.retry_max_s * 1000; k++)
			cap *= 2;
		if (cap > (uint64_t)s.reg.retry_max_s * 1000)
			cap = (uint64_t)s.reg.retry_max_s * 1000;
		SIM_ASSERT(seed, max_retry <= cap,
			   "back-off %" PRIu64 " ms above the bound %" PRIu64, max_retry, cap);
		bound = cap + T_F + 2000;
	}
	h->tick_ms = 100;
	h->on_tick = watch_tick;
	h->on_tick_arg = &w;
	w.gone_at = 1; /* already gone */
	SIM_RUN_FOR(h, bound + 60000);
	SIM_ASSERT(seed, w.back_at != 0, "binding never came back");
	printf("sim restart+outage: seed=%" PRIu64 " %zu failures, longest back-off %" PRIu64
	       " ms, binding back %" PRIu64 " ms after the outage (bound %" PRIu64 " ms)\n",
	       seed, failures, max_retry, w.back_at - t_heal, bound);
	SIM_ASSERT(seed, w.back_at - t_heal <= bound,
		   "binding back %" PRIu64 " ms after the outage ended, bound %" PRIu64 " ms",
		   w.back_at - t_heal, bound);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(restart_binding_back_by_the_next_refresh),
	    SIM_TEST(restart_with_outage_binding_back_within_backoff_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

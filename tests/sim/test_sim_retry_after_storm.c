/*
 * test_sim_retry_after_storm — a registrar answering 503 with
 * Retry-After: 120 for ten minutes. Every retry waits at least the 120 s it
 * asked for (RFC 3261 §21.5.4, §20.33), there is no storm, and the
 * registration recovers once the registrar does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sim_test_util.h"

#define FAIL_MS 600000ULL

static void check_storm(struct sim_harness *h, size_t from, uint64_t t_fail_start)
{
	uint64_t seed = h->seed, prev = 0;
	size_t n503 = 0, attempts = 0;

	for (size_t i = from; i < h->n_ev; i++) {
		const struct sim_event *e = &h->ev[i];

		if (e->type == REGENT_EV_RESPONSE && e->status == 503)
			n503++;
		if (e->type != REGENT_EV_REQUEST_SENT || e->reason == REGENT_SEND_AUTH_RETRY)
			continue;
		if (e->t > t_fail_start + FAIL_MS)
			break;
		if (prev != 0 && n503 > 0)
			SIM_ASSERT(seed, e->t - prev >= 120000,
				   "attempt %" PRIu64 " ms after the previous one, asked 120 s",
				   e->t - prev);
		prev = e->t;
		attempts++;
	}
	printf("sim 503 storm: seed=%" PRIu64 " %zu attempts and %zu 503s in the 10 min outage\n",
	       seed, attempts, n503);
	SIM_ASSERT(seed, n503 >= 3, "only %zu 503s seen in the outage", n503);
	/* 10 min at >= 120 s apart: at most 6 attempts (plus the first). */
	SIM_ASSERT(seed, attempts <= 7, "%zu attempts in 10 min", attempts);
}

static void retry_after_120_for_10_min_spaces_retries_then_recovers(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x503);
	struct sim_setup s;
	struct sim_harness *h;
	struct regent_registrar_faults f = {0};
	long ra_ev;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	f.fail_status = 503;
	f.fail_retry_after = 120;
	f.fail_until_ms = h->now + FAIL_MS;
	regent_registrar_set_faults(h->registrar, &f);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	ra_ev = sim_find(h, REGENT_EV_WILL_RETRY, 0);
	SIM_ASSERT(seed, ra_ev >= 0, "503 not retried");
	SIM_ASSERT(seed, h->ev[ra_ev].retry_in_ms >= 120000, "retry in %" PRIu64 " ms",
		   h->ev[ra_ev].retry_in_ms);
	SIM_ASSERT(seed, regent_registerer_retry_after(h->reg) == 120, "retry_after %" PRId64,
		   regent_registerer_retry_after(h->reg));
	SIM_RUN_FOR(h, FAIL_MS + 300000);
	check_storm(h, 0, 0);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered 5 min after the registrar recovered");
	{
		long ok = -1;

		for (size_t i = 0; i < h->n_ev && ok < 0; i++)
			if (h->ev[i].type == REGENT_EV_RESPONSE && h->ev[i].status == 200)
				ok = (long)i;
		SIM_ASSERT(seed, ok >= 0, "no 200");
		printf("sim 503 storm: registered %" PRIu64 " ms after the registrar recovered\n",
		       (uint64_t)(h->ev[ok].t - FAIL_MS));
		/* The first retry after the outage is at most one Retry-After away. */
		SIM_ASSERT(seed, h->ev[ok].t <= FAIL_MS + 120000 + 60000,
			   "recovered only %" PRIu64 " ms after the registrar",
			   (uint64_t)(h->ev[ok].t - FAIL_MS));
	}
	sim_stop(h);
}

static void retry_after_while_registered_no_storm_then_recovers(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x504);
	struct sim_setup s;
	struct sim_harness *h;
	struct regent_registrar_faults f = {0};
	uint64_t t0;
	size_t i0;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 100000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	t0 = sim_now(h);
	i0 = h->n_ev;
	f.fail_status = 503;
	f.fail_retry_after = 120;
	f.fail_until_ms = h->now + FAIL_MS;
	regent_registrar_set_faults(h->registrar, &f);
	SIM_RUN_FOR(h, FAIL_MS + 300000);
	check_storm(h, i0, t0);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered 5 min after the registrar recovered");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(retry_after_120_for_10_min_spaces_retries_then_recovers),
	    SIM_TEST(retry_after_while_registered_no_storm_then_recovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

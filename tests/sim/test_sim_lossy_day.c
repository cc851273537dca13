/*
 * test_sim_lossy_day — 24 hours of virtual time on a bad network: 30 % loss
 * each way, duplicates, reordering, jitter; expires 60 with digest auth.
 * The registrar must hold our binding at least 99 % of the sampled seconds,
 * no minute may carry more than a handful of REGISTERs, and no request may
 * stay waiting beyond timer F. Real time is printed, never asserted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "sim_test_util.h"

#define DAY_MS (24ULL * 3600 * 1000)
#define T_F 32000 /* 64·T1, T1 = 500 ms */
#define MAX_PER_MINUTE 6

struct day {
	uint64_t samples, held, stuck;
	uint64_t first_held; /* virtual ms, 0: not yet */
};

static void tick(struct sim_harness *h, void *arg)
{
	struct day *d = arg;
	bool held = sim_registrar_holds(h);

	d->samples++;
	d->held += held;
	if (held && d->first_held == 0)
		d->first_held = sim_now(h);
	/* Waiting covers one transaction (timer F) per request sent in it (an
	 * auth retry is a second one); longer than that plus a margin is stuck. */
	if (h->waiting_since != 0) {
		uint64_t n = h->waiting_txns > 1 ? h->waiting_txns : 1;

		if (h->now - h->waiting_since > n * T_F + 2000)
			d->stuck++;
	}
}

static void lossy_day_keeps_binding_99_percent_with_few_registers_per_minute(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0x24d4);
	struct sim_setup s;
	struct sim_harness *h;
	struct sim_link l = {.loss_permille = 300,
			     .dup_permille = 50,
			     .delay_ms = 20,
			     .jitter_ms = 80,
			     .reorder_permille = 50,
			     .reorder_ms = 400};
	struct sim_net_stats up, down;
	struct regent_ua_stats us;
	struct day d = {0};
	struct timespec t0, t1;
	uint32_t max_min = 0, max_sends_min = 0;
	uint64_t requests = 0;
	double pct, real_s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	s.keep_msgs = false;
	h = sim_start(&s, seed);
	*sim_net_link(h->net, SIM_UP) = l;
	*sim_net_link(h->net, SIM_DOWN) = l;
	h->tick_ms = 1000;
	h->on_tick = tick;
	h->on_tick_arg = &d;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, DAY_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (size_t m = 0; m < h->n_min && m < DAY_MS / 60000; m++) {
		requests += h->min_requests[m];
		if (h->min_requests[m] > max_min)
			max_min = h->min_requests[m];
		if (h->min_sends[m] > max_sends_min)
			max_sends_min = h->min_sends[m];
	}
	sim_net_stats(h->net, SIM_UP, &up);
	sim_net_stats(h->net, SIM_DOWN, &down);
	regent_ua_stats(h->ua, &us);
	pct = d.samples ? 100.0 * (double)d.held / (double)d.samples : 0;
	real_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("sim lossy day: seed=%" PRIu64 " held %.3f%% of %" PRIu64 " s (first at %" PRIu64
	       " ms); REGISTERs %" PRIu64 " (max %u in a minute), datagrams sent %" PRIu64
	       " (max %u in a minute), retransmissions %" PRIu64 " (ua says %" PRIu64 ")\n",
	       seed, pct, d.samples, d.first_held, requests, max_min, h->sends, max_sends_min,
	       h->sends - requests, us.retransmissions);
	printf("sim lossy day: up: lost %" PRIu64 "/%" PRIu64 " dup %" PRIu64 " reordered %" PRIu64
	       "; down: lost %" PRIu64 "/%" PRIu64 " dup %" PRIu64 " reordered %" PRIu64
	       "; refreshed %zu, lost %zu; longest wait %" PRIu64
	       " ms, longest transaction %" PRIu64 " ms; real time %.2f s\n",
	       up.lost, up.sent, up.duplicated, up.reordered, down.lost, down.sent, down.duplicated,
	       down.reordered, sim_count(h, REGENT_EV_REFRESHED, 0),
	       sim_count(h, REGENT_EV_REGISTRATION_LOST, 0), h->max_waiting_ms, h->max_txn_ms,
	       real_s);

	SIM_ASSERT(seed, d.samples >= DAY_MS / 1000 - 1, "%" PRIu64 " samples", d.samples);
	SIM_ASSERT(seed, up.lost > up.sent / 5 && up.duplicated > 0 && down.reordered > 0,
		   "the network was not as bad as asked");
	SIM_ASSERT(seed, d.held * 100 >= d.samples * 99, "binding held %.3f%% of the time", pct);
	SIM_ASSERT(seed, max_min <= MAX_PER_MINUTE, "a minute carried %u REGISTERs", max_min);
	SIM_ASSERT(seed, h->max_txn_ms <= T_F + 1000, "a transaction lasted %" PRIu64 " ms",
		   h->max_txn_ms);
	SIM_ASSERT(seed, d.stuck == 0, "waiting stuck for %" PRIu64 " sampled seconds", d.stuck);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered at the end of the day");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(lossy_day_keeps_binding_99_percent_with_few_registers_per_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sim_net — the simulation's own building blocks: the seeded generator
 * and the lossy network. If these lie (loss not at the rate asked, runs not
 * reproducible), every simulation result above them is worthless.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_check.h"
#include "sim_net.h"
#include "sim_rng.h"

enum { N = 20000 };

static uint64_t seed;

static int setup(void **state)
{
	(void)state;
	seed = sim_seed(0x5eed0001);
	return 0;
}

static void rng_same_seed_same_stream_other_seed_other_stream(void **state)
{
	(void)state;
	struct sim_rng a, b, c;
	int same_c = 0;

	sim_rng_seed(&a, seed);
	sim_rng_seed(&b, seed);
	sim_rng_seed(&c, seed + 1);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = sim_rng_next(&a);

		SIM_ASSERT(seed, x == sim_rng_next(&b), "stream diverged at %d", i);
		if (x == sim_rng_next(&c))
			same_c++;
	}
	SIM_ASSERT(seed, same_c == 0, "%d equal draws with another seed", same_c);
}

static void rng_below_is_in_range_and_roughly_uniform(void **state)
{
	(void)state;
	struct sim_rng r;
	unsigned hist[10] = {0};

	sim_rng_seed(&r, seed);
	for (int i = 0; i < N; i++) {
		uint64_t x = sim_rng_below(&r, 10);

		SIM_ASSERT(seed, x < 10, "below(10) gave %llu", (unsigned long long)x);
		hist[x]++;
	}
	/* Each bucket expects 2000; 5 sigma is about 212. */
	for (int i = 0; i < 10; i++)
		SIM_ASSERT(seed, hist[i] > 1780 && hist[i] < 2220, "bucket %d has %u", i, hist[i]);
	SIM_ASSERT(seed, sim_rng_below(&r, 0) == 0, "below(0) must be 0");
	SIM_ASSERT(seed, !sim_rng_permille(&r, 0), "permille 0 must never fire");
	SIM_ASSERT(seed, sim_rng_permille(&r, 1000), "permille 1000 must always fire");
}

static void seed_env_var_overrides_the_default(void **state)
{
	(void)state;
	const char *old = getenv("REGENT_SIM_SEED");
	char *saved = old != NULL ? strdup(old) : NULL;

	assert_int_equal(setenv("REGENT_SIM_SEED", "12345", 1), 0);
	assert_int_equal(sim_seed(7), 12345);
	assert_int_equal(setenv("REGENT_SIM_SEED", "0x10", 1), 0);
	assert_int_equal(sim_seed(7), 16);
	assert_int_equal(setenv("REGENT_SIM_SEED", "junk", 1), 0);
	assert_int_equal(sim_seed(7), 7);
	assert_int_equal(unsetenv("REGENT_SIM_SEED"), 0);
	assert_int_equal(sim_seed(7), 7);
	if (saved != NULL) {
		assert_int_equal(setenv("REGENT_SIM_SEED", saved, 1), 0);
		free(saved);
	}
}

/* Sends N datagrams one ms apart and drains everything. */
static void run(struct sim_net *net, enum sim_dir dir, uint64_t *order, size_t *n_order,
		uint64_t *max_late)
{
	uint64_t now = 0;
	size_t k = 0;

	*max_late = 0;
	for (uint32_t i = 0; i < N; i++, now++) {
		struct sim_packet *pk;

		assert_int_equal(sim_net_send(net, dir, now, &i, sizeof(i)), 0);
		while ((pk = sim_net_pop(net, now)) != NULL) {
			uint32_t v;

			memcpy(&v, pk->data, sizeof(v));
			assert_true(pk->deliver_at <= now);
			if (order != NULL && k < N * 2)
				order[k++] = ((uint64_t)v << 32) | (uint32_t)pk->deliver_at;
			free(pk);
		}
	}
	while (sim_net_next(net) != UINT64_MAX) {
		struct sim_packet *pk;

		now = sim_net_next(net);
		while ((pk = sim_net_pop(net, now)) != NULL) {
			uint32_t v;

			memcpy(&v, pk->data, sizeof(v));
			if (now - v > *max_late)
				*max_late = now - v;
			if (order != NULL && k < N * 2)
				order[k++] = ((uint64_t)v << 32) | (uint32_t)pk->deliver_at;
			free(pk);
		}
	}
	if (n_order != NULL)
		*n_order = k;
}

static void loss_and_duplication_happen_at_the_configured_rates(void **state)
{
	(void)state;
	struct sim_net *net;
	struct sim_net_stats st;
	uint64_t late;

	assert_int_equal(sim_net_alloc(&net, seed), 0);
	*sim_net_link(net, SIM_UP) = (struct sim_link){.loss_permille = 300, .dup_permille = 100};
	run(net, SIM_UP, NULL, NULL, &late);
	sim_net_stats(net, SIM_UP, &st);
	SIM_ASSERT(seed, st.sent == N, "sent %llu", (unsigned long long)st.sent);
	/* 30 % of 20000 = 6000, sigma ~65: allow 5 sigma. */
	SIM_ASSERT(seed, st.lost > 5675 && st.lost < 6325, "lost %llu of %d",
		   (unsigned long long)st.lost, N);
	/* 10 % of the ~14000 survivors are doubled. */
	SIM_ASSERT(seed, st.duplicated > 1200 && st.duplicated < 1600, "duplicated %llu",
		   (unsigned long long)st.duplicated);
	SIM_ASSERT(seed, st.delivered == st.sent - st.lost + st.duplicated,
		   "delivered %llu != sent - lost + dup", (unsigned long long)st.delivered);
	/* The other direction was untouched. */
	sim_net_stats(net, SIM_DOWN, &st);
	SIM_ASSERT(seed, st.sent == 0 && st.delivered == 0, "down direction used");
	sim_net_free(net);
}

static void delay_and_jitter_bound_delivery_and_reorder(void **state)
{
	(void)state;
	struct sim_net *net;
	struct sim_net_stats st;
	uint64_t late;

	assert_int_equal(sim_net_alloc(&net, seed), 0);
	*sim_net_link(net, SIM_DOWN) = (struct sim_link){
	    .delay_ms = 20, .jitter_ms = 10, .reorder_permille = 100, .reorder_ms = 200};
	run(net, SIM_DOWN, NULL, NULL, &late);
	sim_net_stats(net, SIM_DOWN, &st);
	SIM_ASSERT(seed, st.lost == 0 && st.delivered == N, "delivered %llu",
		   (unsigned long long)st.delivered);
	/* Sent 1 ms apart with up to 10 ms jitter and 10 % held back up to 200 ms. */
	SIM_ASSERT(seed, st.reordered > N / 20, "only %llu reordered",
		   (unsigned long long)st.reordered);
	SIM_ASSERT(seed, late <= 20 + 10 + 200, "one arrived %llu ms late",
		   (unsigned long long)late);
	sim_net_free(net);

	/* No jitter, no reordering: strictly in order. */
	assert_int_equal(sim_net_alloc(&net, seed), 0);
	*sim_net_link(net, SIM_UP) = (struct sim_link){.delay_ms = 5};
	run(net, SIM_UP, NULL, NULL, &late);
	sim_net_stats(net, SIM_UP, &st);
	SIM_ASSERT(seed, st.reordered == 0, "%llu reordered without jitter",
		   (unsigned long long)st.reordered);
	sim_net_free(net);
}

static void same_seed_gives_the_same_deliveries(void **state)
{
	(void)state;
	struct sim_link l = {.loss_permille = 300,
			     .dup_permille = 50,
			     .delay_ms = 10,
			     .jitter_ms = 30,
			     .reorder_permille = 50,
			     .reorder_ms = 100};
	uint64_t *a = calloc(2 * N, sizeof(*a));
	uint64_t *b = calloc(2 * N, sizeof(*b));
	uint64_t *c = calloc(2 * N, sizeof(*c));
	size_t na, nb, nc;
	uint64_t late;
	struct sim_net *net;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sim_net_alloc(&net, i < 2 ? seed : seed + 1), 0);
		*sim_net_link(net, SIM_UP) = l;
		run(net, SIM_UP,
		    i == 0   ? a
		    : i == 1 ? b
			     : c,
		    i == 0   ? &na
		    : i == 1 ? &nb
			     : &nc,
		    &late);
		sim_net_free(net);
	}
	SIM_ASSERT(seed, na == nb && memcmp(a, b, na * sizeof(*a)) == 0,
		   "same seed, different deliveries");
	SIM_ASSERT(seed, na != nc || memcmp(a, c, na * sizeof(*a)) != 0,
		   "another seed gave identical deliveries");
	free(a);
	free(b);
	free(c);
}

static void partition_drops_everything_including_in_flight(void **state)
{
	(void)state;
	struct sim_net *net;
	struct sim_net_stats st;
	struct sim_packet *pk;
	char x = 'x';

	assert_int_equal(sim_net_alloc(&net, seed), 0);
	sim_net_link(net, SIM_UP)->delay_ms = 50;
	assert_int_equal(sim_net_send(net, SIM_UP, 0, &x, 1), 0);
	assert_int_equal(sim_net_next(net), 50);
	/* The cable is cut while the datagram is on its way. */
	sim_net_link(net, SIM_UP)->partitioned = true;
	assert_int_equal(sim_net_send(net, SIM_UP, 10, &x, 1), 0);
	assert_null(sim_net_pop(net, 100));
	sim_net_stats(net, SIM_UP, &st);
	SIM_ASSERT(seed, st.lost == 2 && st.delivered == 0, "lost %llu delivered %llu",
		   (unsigned long long)st.lost, (unsigned long long)st.delivered);
	/* Healed: traffic flows again, and not before its time. */
	sim_net_link(net, SIM_UP)->partitioned = false;
	assert_int_equal(sim_net_send(net, SIM_UP, 200, &x, 1), 0);
	assert_null(sim_net_pop(net, 249));
	pk = sim_net_pop(net, 250);
	assert_non_null(pk);
	assert_int_equal(pk->len, 1);
	assert_int_equal(pk->data[0], 'x');
	free(pk);
	assert_int_equal(sim_net_in_flight(net), 0);
	sim_net_free(net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rng_same_seed_same_stream_other_seed_other_stream),
	    cmocka_unit_test(rng_below_is_in_range_and_roughly_uniform),
	    cmocka_unit_test(seed_env_var_overrides_the_default),
	    cmocka_unit_test(loss_and_duplication_happen_at_the_configured_rates),
	    cmocka_unit_test(delay_and_jitter_bound_delivery_and_reorder),
	    cmocka_unit_test(same_seed_gives_the_same_deliveries),
	    cmocka_unit_test(partition_drops_everything_including_in_flight),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

/*
 * The UA's timer heap (src/ua/heap.c): table-driven cases for each way a
 * node moves, then long random runs against a plain array as the model
 * (the smallest key on top, every position right, nothing lost).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ua/heap.h"

#define NEVER UINT64_MAX

/* Every node in the heap knows its place, and no child is below its parent. */
static void check_shape(const struct regent_ua_heap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i]->pos, i + 1);
		if (i > 0)
			assert_true(h->v[(i - 1) / 2]->key <= h->v[i]->key);
	}
}

static void moves_table(void **state)
{
	/* five nodes at 10..50, then one change each; the top after it */
	static const struct {
		size_t node;
		uint64_t key;
		uint64_t top;
		size_t n;
	} t[] = {
	    {4, 5, 5, 5},      /* the last one jumps to the top */
	    {4, 60, 10, 5},    /* and sinks to the bottom */
	    {0, NEVER, 20, 4}, /* the top leaves */
	    {0, NEVER, 20, 4}, /* leaving twice is a no-op */
	    {2, 15, 15, 4},    /* a middle one moves up */
	    {2, 15, 15, 4},    /* the same key again: nothing moves */
	    {1, NEVER, 15, 3}, /* a middle one leaves */
	    {0, 1, 1, 4},      /* one comes back, on top */
	    {2, NEVER, 1, 3},  {3, NEVER, 1, 2}, {4, NEVER, 1, 1}, {0, NEVER, 0, 0},
	};
	struct regent_ua_heap h = {0};
	struct regent_ua_heap_node nd[5] = {{0}};

	(void)state;
	assert_int_equal(regent_ua_heap_reserve(&h, 5), 0);
	assert_null(regent_ua_heap_top(&h));
	for (size_t i = 0; i < 5; i++)
		regent_ua_heap_set(&h, &nd[i], 10 * (i + 1));
	check_shape(&h);
	assert_ptr_equal(regent_ua_heap_top(&h), &nd[0]);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		regent_ua_heap_set(&h, &nd[t[i].node], t[i].key);
		check_shape(&h);
		assert_int_equal(h.n, t[i].n);
		if (t[i].n == 0)
			assert_null(regent_ua_heap_top(&h));
		else
			assert_int_equal(regent_ua_heap_top(&h)->key, t[i].top);
		assert_int_equal(nd[t[i].node].pos == 0, t[i].key == NEVER);
	}
	regent_ua_heap_release(&h);
}

static void random_runs_match_a_model(void **state)
{
	enum { N = 300, STEPS = 20000 };
	static struct regent_ua_heap_node nd[N];
	static uint64_t model[N]; /* NEVER: out */
	struct regent_ua_heap h = {0};
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_int_equal(regent_ua_heap_reserve(&h, N), 0);
	for (size_t i = 0; i < N; i++) {
		nd[i] = (struct regent_ua_heap_node){NEVER, 0};
		model[i] = NEVER;
	}
	for (size_t step = 0; step < STEPS; step++) {
		size_t i, in = 0, min_i = N;
		uint64_t key;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		i = (size_t)(x % N);
		/* a quarter of the changes take the node out; few distinct keys,
		 * so ties are common */
		key = (x >> 20) % 4 == 0 ? NEVER : (x >> 24) % 64;
		regent_ua_heap_set(&h, &nd[i], key);
		model[i] = key;
		if (step % 97 == 0)
			check_shape(&h);
		for (size_t k = 0; k < N; k++) {
			if (model[k] == NEVER)
				continue;
			in++;
			if (min_i == N || model[k] < model[min_i])
				min_i = k;
		}
		assert_int_equal(h.n, in);
		if (in == 0)
			assert_null(regent_ua_heap_top(&h));
		else
			assert_int_equal(regent_ua_heap_top(&h)->key, model[min_i]);
	}
	check_shape(&h);
	/* draining in order gives the keys sorted */
	for (uint64_t last = 0; regent_ua_heap_top(&h) != NULL;) {
		struct regent_ua_heap_node *top = regent_ua_heap_top(&h);

		assert_true(top->key >= last);
		last = top->key;
		regent_ua_heap_set(&h, top, NEVER);
		check_shape(&h);
	}
	regent_ua_heap_release(&h);
}

static void take_due_takes_exactly_what_is_due(void **state)
{
	static const uint64_t keys[] = {50, 10, 30, 10, 70, 20, 60};
	static const struct {
		uint64_t now;
		size_t taken, left;
		uint64_t top; /* of what is left, 0: empty */
	} t[] = {
	    {5, 0, 7, 10},   /* nothing due yet */
	    {10, 2, 5, 20},  /* both tied at 10 */
	    {35, 2, 3, 50},  /* 20 and 30 */
	    {1000, 3, 0, 0}, /* the rest */
	    {2000, 0, 0, 0}, /* an empty heap */
	};
	struct regent_ua_heap h = {0};
	struct regent_ua_heap_node nd[7] = {{0}};
	size_t total = 0;

	(void)state;
	assert_int_equal(regent_ua_heap_reserve(&h, 7), 0);
	for (size_t i = 0; i < 7; i++)
		regent_ua_heap_set(&h, &nd[i], keys[i]);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t k = regent_ua_heap_take_due(&h, t[i].now);

		assert_int_equal(k, t[i].taken);
		assert_int_equal(h.n, t[i].left);
		check_shape(&h);
		for (size_t j = 0; j < k; j++) {
			/* out of the heap, due, and each taken once */
			size_t idx = (size_t)(h.due[j] - nd);

			assert_true(idx < 7);
			assert_int_equal(h.due[j]->pos, 0);
			assert_true(keys[idx] <= t[i].now);
			assert_int_equal(h.due[j]->key, NEVER);
			total++;
		}
		if (t[i].left > 0)
			assert_int_equal(regent_ua_heap_top(&h)->key, t[i].top);
	}
	assert_int_equal(total, 7);
	/* a taken node goes back in like a new one */
	regent_ua_heap_set(&h, &nd[3], 5);
	assert_ptr_equal(regent_ua_heap_top(&h), &nd[3]);
	regent_ua_heap_release(&h);
}

static void reserve_grows_and_keeps(void **state)
{
	struct regent_ua_heap h = {0};
	struct regent_ua_heap_node nd[40] = {{0}};

	(void)state;
	for (size_t i = 0; i < 40; i++) {
		assert_int_equal(regent_ua_heap_reserve(&h, i + 1), 0);
		assert_true(h.cap >= i + 1);
		regent_ua_heap_set(&h, &nd[i], 1000 - i);
		check_shape(&h);
	}
	assert_ptr_equal(regent_ua_heap_top(&h), &nd[39]);
	regent_ua_heap_release(&h);
	assert_null(h.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(moves_table),
	    cmocka_unit_test(random_runs_match_a_model),
	    cmocka_unit_test(take_due_takes_exactly_what_is_due),
	    cmocka_unit_test(reserve_grows_and_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

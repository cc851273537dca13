/*
 * The UA's transaction map (src/ua/txmap.c): branch -> Registerer. Exact
 * matches only (length, bytes, a NUL inside), several entries with the same
 * text all found, removal by the key's own pointer, and long random runs
 * against a plain array as the model: every entry still found after any
 * mix of puts and removals (backward-shift deletion keeps probe runs whole).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ua/txmap.h"

static struct regent_pl pl(const char *s)
{
	return (struct regent_pl){s, strlen(s)};
}

static size_t count(const struct regent_ua_txmap *m, struct regent_pl b, void *want)
{
	size_t it = 0, n = 0;
	void *v;

	while ((v = regent_ua_txmap_find(m, b, &it)) != NULL)
		n += want == NULL || v == want;
	return n;
}

static void exact_matches_only(void **state)
{
	struct regent_ua_txmap m = {0};
	char k1[] = "z9hG4bKabc", k2[] = "z9hG4bKabc", k3[] = "z9hG4bKabd";
	int a, b, c;
	static const struct {
		const char *p;
		size_t l;
		size_t found;
	} t[] = {
	    {"z9hG4bKabc", 10, 2}, /* both entries with this text */
	    {"z9hG4bKabd", 10, 1},
	    {"z9hG4bKab", 9, 0},      /* a prefix */
	    {"z9hG4bKabcd", 11, 0},   /* longer */
	    {"Z9HG4BKABC", 10, 0},    /* branches compare case-sensitively (§17.1.3) */
	    {"z9hG4bKabc\0x", 12, 0}, /* NUL inside: never cut short */
	    {"", 0, 0},
	};

	(void)state;
	assert_null(regent_ua_txmap_find(&m, pl("x"), &(size_t){0})); /* empty, no table */
	assert_int_equal(regent_ua_txmap_reserve(&m, 3), 0);
	regent_ua_txmap_put(&m, k1, &a);
	regent_ua_txmap_put(&m, k2, &b);
	regent_ua_txmap_put(&m, k3, &c);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(count(&m, (struct regent_pl){t[i].p, t[i].l}, NULL), t[i].found);
	assert_int_equal(count(&m, pl(k1), &a), 1);
	assert_int_equal(count(&m, pl(k1), &b), 1);
	assert_null(regent_ua_txmap_find(&m, (struct regent_pl){NULL, 0}, &(size_t){0}));
	/* removal is by the key's pointer: the same text elsewhere stays */
	regent_ua_txmap_del(&m, k2);
	assert_int_equal(count(&m, pl(k1), &a), 1);
	assert_int_equal(count(&m, pl(k1), &b), 0);
	regent_ua_txmap_del(&m, k2); /* gone already: a no-op */
	assert_int_equal(m.n, 2);
	regent_ua_txmap_release(&m);
}

static void random_runs_match_a_model(void **state)
{
	enum { N = 256, STEPS = 20000 };
	static char keys[N][32];
	static bool in[N];
	struct regent_ua_txmap m = {0};
	uint64_t x = 0x2545f4914f6cdd1dull;
	size_t n = 0;

	(void)state;
	/* a table kept small (N/4 entries at most live), so probe runs wrap
	 * and collide; keys of varied length */
	assert_int_equal(regent_ua_txmap_reserve(&m, N / 4), 0);
	for (size_t i = 0; i < N; i++)
		snprintf(keys[i], sizeof(keys[i]), "z9hG4bK%zx%.*s", i * 2654435761u, (int)(i % 7),
			 "qqqqqqq");
	for (size_t step = 0; step < STEPS; step++) {
		size_t i;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = (size_t)(x % N);
		if (in[i]) {
			regent_ua_txmap_del(&m, keys[i]);
			in[i] = false;
			n--;
		} else if (n < N / 4) {
			regent_ua_txmap_put(&m, keys[i], keys[i]);
			in[i] = true;
			n++;
		}
		assert_int_equal(m.n, n);
		if (step % 61 == 0 || step == STEPS - 1) {
			for (size_t k = 0; k < N; k++)
				assert_int_equal(count(&m, pl(keys[k]), keys[k]), in[k] ? 1 : 0);
		}
	}
	regent_ua_txmap_release(&m);
}

static void reserve_rehashes(void **state)
{
	struct regent_ua_txmap m = {0};
	static char keys[200][24];

	(void)state;
	for (size_t i = 0; i < 200; i++) {
		snprintf(keys[i], sizeof(keys[i]), "z9hG4bK%zu", i);
		assert_int_equal(regent_ua_txmap_reserve(&m, i + 1), 0);
		assert_true(m.cap >= 2 * (i + 1));
		regent_ua_txmap_put(&m, keys[i], keys[i]);
	}
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(count(&m, pl(keys[i]), keys[i]), 1);
	regent_ua_txmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exact_matches_only),
	    cmocka_unit_test(random_runs_match_a_model),
	    cmocka_unit_test(reserve_rehashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

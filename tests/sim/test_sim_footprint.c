/*
 * test_sim_footprint — what one live registration holds on the heap when a
 * UA keeps many, each with its own credentials (issue 14: at most 1 KiB a
 * live registration; `regent load` keeps 100,000 on one UA). 2,000 accounts
 * register through a digest challenge; measured while each still keeps its
 * completed transaction for timer K (T4 = 5 s after its 2xx, RFC 3261
 * §17.1.2.2), the most a registration holds between exchanges:
 *   - what freeing the Registerers gives back (glibc's mallinfo2(): the
 *     Registerer, its strings, credentials, cached challenge, bindings and
 *     the timer-K record), plus
 *   - the UA's shares of its transaction map and timer heap, which are
 *     reserved per Registerer and never shrink.
 * Also: every account's response was taken by its own transaction (none
 * dropped as unmatched). Skipped under ASan, whose allocator mallinfo2()
 * does not see.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim_test_util.h"
#include "ua/ua_int.h"

#include "under_asan.h"

enum { NACCT = 2000, LIMIT_BYTES = 1024 };

static void live_registration_fits_in_a_kib(void **state)
{
	(void)state;
#ifdef REGENT_TEST_UNDER_ASAN
	skip();
#else
	uint64_t seed = sim_seed(0xf007);
	struct sim_setup s;
	struct sim_harness *h;
	struct regent_registerer **r = calloc(NACCT, sizeof(*r));
	struct regent_ua_stats st;
	size_t held, tables, registered = 0, before;
	char uri[64], user[16];

	assert_non_null(r);
	sim_setup_init(&s, seed);
	s.keep_msgs = false;
	h = sim_start(&s, seed);
	for (unsigned i = 0; i < NACCT; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		assert_int_equal(regent_registrar_add_user(h->registrar, user, "pw"), 0);
	}
	for (unsigned i = 0; i < NACCT; i++) {
		struct regent_registerer_options o;
		struct regent_error e;

		snprintf(uri, sizeof(uri), "sip:u%u@example.com", i);
		regent_registerer_options_init(&o);
		o.expires = 3600;
		o.log_configuration = false;
		o.params.to_uri = uri;
		o.params.from_uri = uri;
		o.authorization_password = "pw";
		assert_int_equal(regent_registerer_alloc(&r[i], h->ua, &o, &e), 0);
		assert_int_equal(regent_registerer_register(r[i], NULL), 0);
	}
	SIM_RUN_FOR(h, 2000); /* registered; their timer-K records still kept */
	for (unsigned i = 0; i < NACCT; i++)
		registered += regent_registerer_state(r[i]) == REGENT_REG_REGISTERED;
	SIM_ASSERT(seed, registered == NACCT, "%zu of %d registered", registered, NACCT);
	regent_ua_stats(h->ua, &st);
	SIM_ASSERT(seed, st.unmatched_dropped == 0, "%llu responses dropped as unmatched",
		   (unsigned long long)st.unmatched_dropped);

	before = mallinfo2().uordblks;
	for (unsigned i = 0; i < NACCT; i++)
		regent_registerer_free(r[i]);
	held = before - mallinfo2().uordblks;
	tables = h->ua->txns.cap * sizeof(*h->ua->txns.v) +
		 h->ua->timers.cap * 2 * sizeof(*h->ua->timers.v);
	printf("per live registration: %zu B held + %zu B of the UA's tables = %zu B\n",
	       held / NACCT, tables / NACCT, (held + tables) / NACCT);
	SIM_ASSERT(seed, (held + tables) / NACCT <= LIMIT_BYTES,
		   "%zu B per live registration (limit %d)", (held + tables) / NACCT, LIMIT_BYTES);
	free(r);
	sim_stop(h);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(live_registration_fits_in_a_kib),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

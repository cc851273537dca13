/*
 * test_sim_many — hundreds of Registerers on one UA, each on its own
 * schedule, for two virtual hours (docs/design.md: one process keeps
 * thousands of registrations alive). The UA runs only what is due,
 * from a timer heap, and finds the Registerer of a response by its branch;
 * this proves the schedule is still every Registerer's own:
 *   - every 2xx follows the previous one within the granted expiry (no
 *     refresh late), and within the refresh policy's window plus the time
 *     of one exchange (none early, doubled or lost);
 *   - Registerers freed from inside an event callback, disposed, or
 *     re-registered by hand drop out or carry on without disturbing the
 *     others;
 *   - the UA's next deadline is never a time that has passed once the UA
 *     has run (the simulation reports that as a 0 ms timer loop).
 * In the debug (sanitizer) build, regent_ua_next_deadline() also checks at
 * every step that the heap holds exactly each Registerer's deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "reg/policy.h"
#include "sim_test_util.h"

enum { NREG = 300, EXCHANGE_MS = 2000 };

struct one {
	struct regent_registerer *r;
	struct sim_harness *h;
	unsigned idx;
	uint32_t expires;		   /* asked for (the registrar grants it: 60..3600) */
	uint64_t last_ok;		   /* absolute ms of the last 2xx to REGISTER, 0: none */
	uint64_t max_gap, min_gap;	   /* between 2xx */
	uint64_t max_refresh, min_refresh; /* from a 2xx to the refresh it timed */
	bool by_hand;			   /* the next request is a register() call's */
	unsigned oks, requests;
	bool freed, disposed;
};

static struct one many[NREG];

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct one *o = arg;
	uint64_t now = o->h->now;

	(void)r;
	if (ev->type == REGENT_EV_REQUEST_SENT) {
		o->requests++;
		/* a refresh goes out exactly when its timer says: the
		 * simulation steps to each deadline the UA reports */
		if (ev->reason == REGENT_SEND_REFRESH && o->last_ok != 0 && !o->by_hand) {
			uint64_t gap = now - o->last_ok;

			if (gap < o->min_refresh)
				o->min_refresh = gap;
			if (gap > o->max_refresh)
				o->max_refresh = gap;
		}
		o->by_hand = false;
		return;
	}
	if (ev->type != REGENT_EV_RESPONSE || ev->status / 100 != 2 || ev->granted_expires == 0)
		return;
	if (o->last_ok != 0) {
		uint64_t gap = now - o->last_ok;

		if (gap > o->max_gap)
			o->max_gap = gap;
		if (gap < o->min_gap)
			o->min_gap = gap;
	}
	o->last_ok = now;
	o->oks++;
	/* every seventh one frees itself from inside its own callback at its
	 * third 2xx: it must leave the heap and the branch index at once */
	if (o->idx % 7 == 3 && o->oks == 3) {
		regent_registerer_free(o->r);
		o->r = NULL;
		o->freed = true;
	}
}

static void many_registerers_keep_their_own_schedules(void **state)
{
	uint64_t seed = sim_seed(0x3a11);
	struct sim_setup s;
	struct sim_harness *h;
	struct regent_error e;

	(void)state;
	sim_setup_init(&s, seed);
	s.keep_msgs = false;
	h = sim_start(&s, seed);
	for (unsigned i = 0; i < NREG; i++) {
		struct regent_registerer_options o;
		struct one *m = &many[i];

		*m = (struct one){
		    .h = h, .idx = i, .min_gap = UINT64_MAX, .min_refresh = UINT64_MAX};
		/* 60 .. 659 s: schedules spread over every second */
		m->expires = 60 + (i * 37u) % 600;
		regent_registerer_options_init(&o);
		o.expires = m->expires;
		o.event_h = on_event;
		o.event_arg = m;
		assert_int_equal(regent_registerer_alloc(&m->r, h->ua, &o, &e), 0);
		assert_int_equal(regent_registerer_register(m->r, NULL), 0);
	}
	SIM_RUN_FOR(h, 3600 * 1000);

	/* half-time: dispose some, re-register others by hand */
	for (unsigned i = 0; i < NREG; i++) {
		struct one *m = &many[i];

		if (m->freed)
			continue;
		if (i % 7 == 5) {
			assert_int_equal(regent_registerer_dispose(m->r, 0), 0);
			m->disposed = true;
		} else if (i % 7 == 6 && regent_registerer_state(m->r) == REGENT_REG_REGISTERED &&
			   !regent_registerer_waiting(m->r)) {
			m->by_hand = true;
			assert_int_equal(regent_registerer_register(m->r, NULL), 0);
		}
	}
	SIM_RUN_FOR(h, 3600 * 1000);

	unsigned live = 0;

	for (unsigned i = 0; i < NREG; i++) {
		struct one *m = &many[i];

		if (m->freed) {
			SIM_ASSERT(seed, m->oks == 3, "registerer %u: %u 2xx after its free", i,
				   m->oks);
			continue;
		}
		if (m->disposed) {
			SIM_ASSERT(seed, regent_registerer_state(m->r) == REGENT_REG_TERMINATED,
				   "registerer %u: disposed but %s", i,
				   regent_registerer_state_name(regent_registerer_state(m->r)));
			continue;
		}
		live++;
		SIM_ASSERT(seed, regent_registerer_state(m->r) == REGENT_REG_REGISTERED,
			   "registerer %u: %s after 2 h", i,
			   regent_registerer_state_name(regent_registerer_state(m->r)));
		/* two hours of refreshes, none late, none early: the policy
		 * (src/reg/policy.c) refreshes between lo and hi after a 2xx,
		 * and the refresh exchange (REGISTER, 401, REGISTER, 200 on a
		 * lossless network) takes well under EXCHANGE_MS */
		uint32_t margin = regent_reg_refresh_margin_ms(false, 500);
		uint64_t lo = regent_reg_refresh_ms(m->expires, 99, margin, 65535);
		uint64_t hi = regent_reg_refresh_ms(m->expires, 99, margin, 0) + EXCHANGE_MS;

		SIM_ASSERT(seed, m->min_refresh >= lo && m->max_refresh <= hi - EXCHANGE_MS,
			   "registerer %u (expires %u): refreshes %" PRIu64 "..%" PRIu64
			   " ms after a 2xx, policy %" PRIu64 "..%" PRIu64,
			   i, m->expires, m->min_refresh, m->max_refresh, lo, hi - EXCHANGE_MS);
		SIM_ASSERT(seed, m->oks >= 2 * 3600 * 1000 / hi,
			   "registerer %u (expires %u): only %u 2xx in 2 h", i, m->expires, m->oks);
		SIM_ASSERT(seed, m->max_gap <= hi && m->max_gap <= (uint64_t)m->expires * 1000,
			   "registerer %u: %" PRIu64 " ms between 2xx, expires %u s", i, m->max_gap,
			   m->expires);
		/* the hand-made register() at half-time may come early: only the
		 * automatic refreshes are bound below */
		if (i % 7 != 6)
			SIM_ASSERT(seed, m->min_gap >= lo,
				   "registerer %u: a 2xx %" PRIu64
				   " ms after the last, expires %u s",
				   i, m->min_gap, m->expires);
	}
	SIM_ASSERT(seed, live > NREG / 2, "only %u live", live);
	for (unsigned i = 0; i < NREG; i++)
		regent_registerer_free(many[i].r); /* NULL for the freed ones */
	SIM_ASSERT(seed, regent_ua_next_deadline(h->ua) >= h->now,
		   "a deadline in the past after the run");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(many_registerers_keep_their_own_schedules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

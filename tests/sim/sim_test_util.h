/*
 * sim_test_util.h — small helpers shared by the test_sim_*.c files
 * (header-only, static: each test is its own executable).
 * Include after <cmocka.h>.
 */
#ifndef SIM_TEST_UTIL_H
#define SIM_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim_check.h"
#include "sim_harness.h"

/* Harnesses of the running test, freed by sim_teardown() if a failed check
 * jumped out of the test before sim_stop(). */
enum { SIM_LIVE_MAX = 8 };
static struct sim_harness *sim_live[SIM_LIVE_MAX];

static inline struct sim_harness *sim_start(const struct sim_setup *s, uint64_t seed)
{
	struct sim_harness *h = NULL;
	int err = sim_harness_alloc(&h, s, seed);

	SIM_ASSERT(seed, err == 0 && h != NULL, "sim_harness_alloc failed: %d", err);
	for (size_t i = 0; i < SIM_LIVE_MAX; i++) {
		if (sim_live[i] == NULL) {
			sim_live[i] = h;
			break;
		}
	}
	return h;
}

static inline void sim_stop(struct sim_harness *h)
{
	for (size_t i = 0; i < SIM_LIVE_MAX; i++)
		if (sim_live[i] == h)
			sim_live[i] = NULL;
	sim_harness_free(h);
}

static inline int sim_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < SIM_LIVE_MAX; i++) {
		sim_harness_free(sim_live[i]);
		sim_live[i] = NULL;
	}
	return 0;
}

#define SIM_TEST(f) cmocka_unit_test_teardown(f, sim_teardown)

/* Runs to relative time t; a 0 ms timer loop or a runaway fails the test. */
#define SIM_RUN_UNTIL(h, t)                                                                        \
	do {                                                                                       \
		int rc_ = sim_run_until((h), (t));                                                 \
		SIM_ASSERT((h)->seed, rc_ == 0, "run until %" PRIu64 " ms: %s at %" PRIu64 " ms",  \
			   (uint64_t)(t), rc_ == ELOOP ? "0 ms timer loop" : "step budget spent",  \
			   sim_now(h));                                                            \
	} while (0)
#define SIM_RUN_FOR(h, ms) SIM_RUN_UNTIL((h), sim_now(h) + (ms))

/* Value of `name=` inside a header value (quotes removed) into out. */
static inline bool sim_param(const char *hv, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	const char *p = hv;

	while ((p = strstr(p, name)) != NULL) {
		bool start = p == hv || p[-1] == ' ' || p[-1] == ',' || p[-1] == ';';

		if (start && p[nl] == '=') {
			const char *v = p + nl + 1;
			size_t l;

			if (*v == '"') {
				const char *e = strchr(v + 1, '"');

				if (e == NULL)
					return false;
				v++;
				l = (size_t)(e - v);
			} else {
				l = strcspn(v, " ,;\r\n");
			}
			if (l >= size)
				return false;
			memcpy(out, v, l);
			out[l] = '\0';
			return true;
		}
		p += nl;
	}
	return false;
}

/* Index of the n-th (0-based) REQUEST_SENT, or -1. */
static inline long sim_nth_sent(const struct sim_harness *h, size_t n)
{
	for (size_t i = 0; i < h->n_ev; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT && n-- == 0)
			return (long)i;
	return -1;
}

/* The first RESPONSE after event index i, or -1. */
static inline long sim_response_after(const struct sim_harness *h, long i)
{
	return i < 0 ? -1 : sim_find(h, REGENT_EV_RESPONSE, (size_t)i + 1);
}

/* Prints the event trace (on failure paths, to see what happened). */
static inline void sim_dump(const struct sim_harness *h)
{
	for (size_t i = 0; i < h->n_ev; i++) {
		const struct sim_event *e = &h->ev[i];

		fprintf(stderr,
			"  %8" PRIu64 " ms ev=%d state=%s waiting=%d reason=%s cseq=%u status=%u%s "
			"granted=%u retry_in=%" PRIu64 " %s\n",
			e->t, (int)e->type, regent_registerer_state_name(e->state), e->waiting,
			e->type == REGENT_EV_REQUEST_SENT ? regent_send_reason_name(e->reason)
							  : "-",
			e->cseq, e->status, e->local ? " (local)" : "", e->granted_expires,
			e->retry_in_ms, e->why);
	}
}

#endif /* SIM_TEST_UTIL_H */

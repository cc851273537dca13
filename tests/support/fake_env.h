/*
 * fake_env — the virtual clock and seeded random source a test hands the
 * core as its `struct regent_env` (docs/design.md: everything above the I/O
 * line takes time and randomness from the host, so a test owns both).
 *
 * The clock is the test's own counter, which the test advances; the random
 * bytes come from the test's own sim_rng, so a seed replays a run exactly.
 * One helper for the unit tests, the simulation harness and the benchmarks.
 */
#ifndef FAKE_ENV_H
#define FAKE_ENV_H

#include <stdint.h>

#include "regent.h"
#include "sim_rng.h"

struct fake_env {
	const uint64_t *now; /* virtual monotonic ms, owned and advanced by the test */
	struct sim_rng *rng; /* seeded by the test */
};

/* Points fe at the test's clock and generator and fills env so that the core
 * reads them. fe must outlive every UA made with env. */
void fake_env_init(struct fake_env *fe, struct regent_env *env, const uint64_t *now,
		   struct sim_rng *rng);

/* The regent_env callbacks (arg is a struct fake_env). */
uint64_t fake_env_now(void *arg);
void fake_env_random(void *arg, void *buf, size_t len);

#endif /* FAKE_ENV_H */

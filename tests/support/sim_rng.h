/*
 * sim_rng — a seeded, reproducible random source for the tests (tests/support:
 * used by the simulation, the unit tests' fake_env and the benchmarks).
 *
 * xoshiro256** (Blackman & Vigna), seeded through splitmix64 so that any
 * 64-bit seed, 0 included, gives a well-mixed state. Every random decision
 * of a simulation run (network loss, jitter, the UA's branches and tags, the
 * registrar's nonces) comes from generators derived from one seed, so a
 * failing run is replayed exactly by exporting REGENT_SIM_SEED.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); n == 0 gives 0. Unbiased (rejection sampling). */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* True with probability permille/1000. */
bool sim_rng_permille(struct sim_rng *r, uint32_t permille);
/* Fills buf with random bytes. */
void sim_rng_bytes(struct sim_rng *r, void *buf, size_t len);
/* Adapter with the regent_env / registrar random() signature (arg is a sim_rng). */
void sim_rng_fill(void *arg, void *buf, size_t len);

/* The seed of a run: REGENT_SIM_SEED from the environment (decimal or 0x hex)
 * if set and valid, otherwise `fallback`. */
uint64_t sim_seed(uint64_t fallback);

#endif /* SIM_RNG_H */

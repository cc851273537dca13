/*
 * sim_check — assertions for simulation tests that always name the seed.
 *
 * A simulation failure is only useful if it can be replayed: every failed
 * check prints the seed and how to rerun with it (REGENT_SIM_SEED).
 * Include after <cmocka.h>.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <inttypes.h>
#include <stdint.h>

#define SIM_ASSERT(seed, cond, ...)                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			print_error("sim: seed=%" PRIu64 " (rerun with REGENT_SIM_SEED=%" PRIu64   \
				    "): ",                                                         \
				    (uint64_t)(seed), (uint64_t)(seed));                           \
			print_error(__VA_ARGS__);                                                  \
			print_error("\n");                                                         \
			fail_msg("sim check failed: %s (seed=%" PRIu64 ")", #cond,                 \
				 (uint64_t)(seed));                                                \
		}                                                                                  \
	} while (0)

#endif /* SIM_CHECK_H */

/*
 * fake_env — a virtual clock and a seeded random source (see fake_env.h).
 */
#include "fake_env.h"

uint64_t fake_env_now(void *arg)
{
	const struct fake_env *fe = arg;

	return *fe->now;
}

void fake_env_random(void *arg, void *buf, size_t len)
{
	struct fake_env *fe = arg;

	sim_rng_bytes(fe->rng, buf, len);
}

void fake_env_init(struct fake_env *fe, struct regent_env *env, const uint64_t *now,
		   struct sim_rng *rng)
{
	fe->now = now;
	fe->rng = rng;
	env->now_ms = fake_env_now;
	env->random = fake_env_random;
	env->arg = fe;
}

/*
 * sim_rng — xoshiro256** seeded by splitmix64 (see sim_rng.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	uint64_t lim, x;

	if (n == 0)
		return 0;
	/* Reject the top partial block so every residue is equally likely. */
	lim = UINT64_MAX - (UINT64_MAX % n);
	do {
		x = sim_rng_next(r);
	} while (x >= lim);
	return x % n;
}

bool sim_rng_permille(struct sim_rng *r, uint32_t permille)
{
	if (permille == 0)
		return false;
	return sim_rng_below(r, 1000) < permille;
}

void sim_rng_bytes(struct sim_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		uint64_t x = sim_rng_next(r);
		size_t n = len < sizeof(x) ? len : sizeof(x);

		memcpy(p, &x, n);
		p += n;
		len -= n;
	}
}

void sim_rng_fill(void *arg, void *buf, size_t len)
{
	sim_rng_bytes(arg, buf, len);
}

uint64_t sim_seed(uint64_t fallback)
{
	const char *s = getenv("REGENT_SIM_SEED");
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return fallback;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		return fallback;
	return (uint64_t)v;
}

/*
 * sysenv — the system clock and random source (CLOCK_MONOTONIC,
 * getrandom(2)): I/O, so below the line (docs/design.md); the core only
 * ever sees them through struct regent_env.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "regent.h"

static uint64_t sys_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sys_random(void *arg, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)arg;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			abort(); /* no entropy: refuse to make guessable branches/tags */
		}
		p += n;
		len -= (size_t)n;
	}
}

void regent_env_system(struct regent_env *env)
{
	if (env == NULL)
		return;
	env->now_ms = sys_now;
	env->random = sys_random;
	env->arg = NULL;
}

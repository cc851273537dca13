/*
 * wrap_alloc — see wrap_alloc.h: the link-time wrapped allocator that keeps
 * the live bytes and blocks and, when armed, counts allocations and fails
 * the chosen one.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "wrap_alloc.h"

struct wrap_alloc wrap_alloc;

/* Counts one allocation; true if it is to fail. */
static bool fail_here(void *site)
{
	if (!wrap_alloc.armed)
		return false;
	if (++wrap_alloc.n != wrap_alloc.fail)
		return false;
	wrap_alloc.injected = true;
	wrap_alloc.site = site;
	return true;
}

static void *gained(void *p)
{
	if (p != NULL) {
		wrap_alloc.live_bytes += (long long)malloc_usable_size(p);
		wrap_alloc.live_blocks++;
	}
	return p;
}

void *__wrap_malloc(size_t n)
{
	if (fail_here(__builtin_return_address(0)))
		return NULL;
	return gained(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t m)
{
	if (fail_here(__builtin_return_address(0)))
		return NULL;
	return gained(__real_calloc(n, m));
}

void *__wrap_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (fail_here(__builtin_return_address(0)))
		return NULL;
	old = p != NULL ? malloc_usable_size(p) : 0;
	q = __real_realloc(p, n);
	if (q != NULL) {
		wrap_alloc.live_bytes += (long long)malloc_usable_size(q) - (long long)old;
		if (p == NULL)
			wrap_alloc.live_blocks++;
	} else if (n == 0 && p != NULL) { /* realloc(p, 0) freed it */
		wrap_alloc.live_bytes -= (long long)old;
		wrap_alloc.live_blocks--;
	}
	return q;
}

void __wrap_free(void *p)
{
	if (p != NULL) {
		wrap_alloc.live_bytes -= (long long)malloc_usable_size(p);
		wrap_alloc.live_blocks--;
	}
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	size_t l = strlen(s) + 1;
	char *p;

	if (fail_here(__builtin_return_address(0)))
		return NULL;
	p = gained(__real_malloc(l));
	if (p != NULL)
		memcpy(p, s, l);
	return p;
}

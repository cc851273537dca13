/*
 * wrap_alloc — the allocator wrapped at link time
 * (-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup),
 * for a program that counts what the library allocates or fails an
 * allocation on purpose: bench/cost/cost_one_registration.c (live bytes
 * held) and tests/sim/test_sim_failmalloc.c (each allocation failed in
 * turn). Link wrap_alloc.c into that executable only.
 */
#ifndef WRAP_ALLOC_H
#define WRAP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

struct wrap_alloc {
	bool armed;	    /* count allocations (and fail the fail-th) */
	unsigned long n;    /* allocations counted while armed */
	unsigned long fail; /* fail the one with this number (0: none) */
	bool injected;	    /* it was reached */
	void *site;	    /* its caller */
	/* what is live through the wrappers (malloc_usable_size), always kept */
	long long live_bytes, live_blocks;
};

extern struct wrap_alloc wrap_alloc;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);

#endif

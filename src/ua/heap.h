/*
 * heap — the UA's timer heap: one node per Registerer, keyed by the
 * Registerer's next deadline (absolute ms). The loop asks "when next?" in
 * O(1) and the UA runs only what is due, O(log n) per change, however many
 * Registerers share the UA (a gateway or a load test keeps thousands alive
 * from one process; a scan of every Registerer per event made that
 * quadratic).
 *
 * The heap never allocates while it is used: capacity is reserved when a
 * Registerer is created (regent_ua_heap_reserve), so a timer can never be
 * lost to ENOMEM in the middle of handling a response.
 */
#ifndef REGENT_UA_HEAP_H
#define REGENT_UA_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct regent_ua_heap_node {
	uint64_t key; /* deadline, absolute ms */
	size_t pos;   /* index + 1 in the heap, 0: not in it */
};

struct regent_ua_heap {
	struct regent_ua_heap_node **v;
	struct regent_ua_heap_node **due; /* regent_ua_heap_take_due's output */
	size_t n, cap;			  /* both arrays hold cap nodes */
};

/* Room for n nodes. 0 or ENOMEM (the heap is unchanged then). */
int regent_ua_heap_reserve(struct regent_ua_heap *h, size_t n);

/* Takes every node whose key is <= now out of the heap into h->due[0..k)
 * and returns k. The UA runs each of them once per round: one that stays
 * due after it ran does not run again in that round, nor keep the others
 * waiting behind it. */
size_t regent_ua_heap_take_due(struct regent_ua_heap *h, uint64_t now);

/* Puts nd in the heap with `key`, or moves it there if it is in already;
 * key UINT64_MAX (no timer) takes it out. Needs room reserved. */
void regent_ua_heap_set(struct regent_ua_heap *h, struct regent_ua_heap_node *nd, uint64_t key);

/* The node with the smallest key, NULL if the heap is empty. */
static inline struct regent_ua_heap_node *regent_ua_heap_top(const struct regent_ua_heap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

void regent_ua_heap_release(struct regent_ua_heap *h);

#endif /* REGENT_UA_HEAP_H */

/*
 * heap — binary min-heap of Registerer timer nodes (see heap.h). Each node
 * records its position, so a changed deadline moves it in O(log n) without
 * a search.
 */
#include <errno.h>
#include <stdlib.h>

#include "ua/heap.h"

static int grow(struct regent_ua_heap_node ***a, size_t cap)
{
	struct regent_ua_heap_node **v = realloc(*a, cap * sizeof(*v));

	if (v == NULL)
		return ENOMEM;
	*a = v;
	return 0;
}

int regent_ua_heap_reserve(struct regent_ua_heap *h, size_t n)
{
	size_t cap;

	if (n <= h->cap)
		return 0;
	cap = h->cap ? h->cap : 8;
	while (cap < n)
		cap *= 2;
	/* a failure leaves cap as it was: a larger array is harmless */
	if (grow(&h->v, cap) != 0 || grow(&h->due, cap) != 0)
		return ENOMEM;
	h->cap = cap;
	return 0;
}

static void place(struct regent_ua_heap *h, size_t i, struct regent_ua_heap_node *nd)
{
	h->v[i] = nd;
	nd->pos = i + 1;
}

static void sift_up(struct regent_ua_heap *h, size_t i)
{
	struct regent_ua_heap_node *nd = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->key <= nd->key)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, nd);
}

static void sift_down(struct regent_ua_heap *h, size_t i)
{
	struct regent_ua_heap_node *nd = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->key < h->v[c]->key)
			c++;
		if (nd->key <= h->v[c]->key)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, nd);
}

static void take_out(struct regent_ua_heap *h, struct regent_ua_heap_node *nd)
{
	size_t i = nd->pos - 1;
	struct regent_ua_heap_node *last = h->v[--h->n];

	nd->pos = 0;
	if (last == nd)
		return;
	/* the last node fills the hole, then goes whichever way it must */
	place(h, i, last);
	if (i > 0 && h->v[(i - 1) / 2]->key > last->key)
		sift_up(h, i);
	else
		sift_down(h, i);
}

void regent_ua_heap_set(struct regent_ua_heap *h, struct regent_ua_heap_node *nd, uint64_t key)
{
	uint64_t old = nd->key;

	if (key == UINT64_MAX) {
		if (nd->pos != 0)
			take_out(h, nd);
		nd->key = key;
		return;
	}
	nd->key = key;
	if (nd->pos == 0) {
		if (h->n >= h->cap)
			abort(); /* a Registerer without reserved room: a bug */
		place(h, h->n++, nd);
		sift_up(h, h->n - 1);
	} else if (key < old) {
		sift_up(h, nd->pos - 1);
	} else if (key > old) {
		sift_down(h, nd->pos - 1);
	}
}

size_t regent_ua_heap_take_due(struct regent_ua_heap *h, uint64_t now)
{
	size_t k = 0;

	while (h->n > 0 && h->v[0]->key <= now) {
		struct regent_ua_heap_node *top = h->v[0];

		take_out(h, top);
		top->key = UINT64_MAX;
		h->due[k++] = top;
	}
	return k;
}

void regent_ua_heap_release(struct regent_ua_heap *h)
{
	free(h->v);
	free(h->due);
	h->v = NULL;
	h->due = NULL;
	h->n = h->cap = 0;
}

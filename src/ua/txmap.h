/*
 * txmap — the UA's index of its client transactions by Via branch, so a
 * response finds its Registerer in O(1) instead of asking every Registerer
 * in turn. Matching stays RFC 3261 §17.1.3's (branch, then method, checked
 * by the transaction itself); this only finds the candidates.
 *
 * Keys are the branch strings inside the live transactions (not copied):
 * an entry must be removed before its transaction is freed. Like the timer
 * heap, the map never allocates while used: room is reserved when a
 * Registerer is created.
 */
#ifndef REGENT_UA_TXMAP_H
#define REGENT_UA_TXMAP_H

#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

struct regent_ua_txmap {
	struct regent_ua_txmap_slot {
		const char *key; /* NUL-terminated branch, NULL: empty slot */
		void *val;
		uint32_t len, hash;
	} * v;
	size_t n, cap; /* cap: 0 or a power of two, at least twice n */
};

/* Room for n entries. 0 or ENOMEM (the map is unchanged then). */
int regent_ua_txmap_reserve(struct regent_ua_txmap *m, size_t n);

/* Adds key -> val. Needs room reserved. */
void regent_ua_txmap_put(struct regent_ua_txmap *m, const char *key, void *val);

/* Removes the entry whose key is this very pointer and returns its value
 * (NULL if absent: a no-op). */
void *regent_ua_txmap_del(struct regent_ua_txmap *m, const char *key);

/* The values whose key equals `branch`, one per call: *it starts at 0.
 * NULL when there are no more. */
void *regent_ua_txmap_find(const struct regent_ua_txmap *m, struct regent_pl branch, size_t *it);

void regent_ua_txmap_release(struct regent_ua_txmap *m);

#endif /* REGENT_UA_TXMAP_H */

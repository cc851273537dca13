/*
 * txcache — what a non-INVITE server transaction does for a stateless core
 * (RFC 3261 §17.2.2): a retransmitted request gets the same final response
 * again instead of being processed twice (which would look like a replayed
 * nc or an out-of-order CSeq). Direct-mapped, fixed number of slots, each
 * kept 64·T1 = 32 s: memory is bounded; a collision only forgets.
 */
#ifndef REGENT_REGISTRAR_TXCACHE_H
#define REGENT_REGISTRAR_TXCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

struct reg_txcache;

int reg_txcache_alloc(struct reg_txcache **cp, size_t slots);
void reg_txcache_free(struct reg_txcache *c);
void reg_txcache_clear(struct reg_txcache *c);
/* Key of a request: top Via branch, Call-ID, CSeq; 0 if it has no branch. */
uint64_t reg_txcache_key(const struct regent_msg *m);
/* The cached response for key at now_ms, or NULL. */
const char *reg_txcache_get(struct reg_txcache *c, uint64_t key, uint64_t now_ms, size_t *len);
/* Remembers a response (copied). Failure to allocate only forgets. */
void reg_txcache_put(struct reg_txcache *c, uint64_t key, uint64_t now_ms, const char *p,
		     size_t len);

#endif

/*
 * srvtx — the answers the UA gave to requests that reached it over a flow,
 * kept so that a retransmitted request gets the same answer (RFC 3261
 * §17.2.2: a non-INVITE server transaction answers retransmissions from its
 * last response until timer J, 64·T1). Bounded memory: at most
 * REGENT_SRVTX_MAX entries, each response at most REGENT_SRVTX_MAX_RESP
 * bytes, the least recently used entry evicted first.
 */
#ifndef REGENT_NET_SRVTX_H
#define REGENT_NET_SRVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

#define REGENT_SRVTX_MAX 64
#define REGENT_SRVTX_MAX_RESP 8192
#define REGENT_SRVTX_KEY_MAX 400

struct regent_srvtx;

int regent_srvtx_alloc(struct regent_srvtx **cp);
void regent_srvtx_free(struct regent_srvtx *c);

/* The transaction key of request m (RFC 3261 §17.2.3): top Via branch,
 * sent-by host and port, and the method (CSeq method; ACK is matched as
 * INVITE's, but is never answered). ENOENT: no usable top Via / branch;
 * ENAMETOOLONG: the key does not fit. */
int regent_srvtx_key(char *key, size_t size, const struct regent_msg *m);

/* The response kept for key, not expired at now (and made the most
 * recently used): true with *resp and *len (valid until the next put). */
bool regent_srvtx_find(struct regent_srvtx *c, const char *key, uint64_t now, const char **resp,
		       size_t *len);

/* Keeps resp for key until now + ttl_ms (replacing an entry of that key).
 * 0, EMSGSIZE (over REGENT_SRVTX_MAX_RESP: not kept), ENOMEM. */
int regent_srvtx_put(struct regent_srvtx *c, const char *key, const char *resp, size_t len,
		     uint64_t now, uint64_t ttl_ms);

/* Entries held (for tests). */
size_t regent_srvtx_count(const struct regent_srvtx *c, uint64_t now);

#endif /* REGENT_NET_SRVTX_H */

/*
 * edge — the I/O edge of a UA from regent_ua_alloc() (src/net/edge*.c),
 * private to src/net: it implements the core's struct regent_sender with
 * regent's own transports, one flow per destination (the outbound proxy,
 * else each registrar: RFC 3261 §8.1.2), resolves each with RFC 3263, walks
 * its ordered target list on failure (§4.3), answers requests that arrive
 * on a flow, and backs the embedding API (fds, timeout, process) the loop
 * and host programs drive.
 */
#ifndef REGENT_NET_EDGE_H
#define REGENT_NET_EDGE_H

#include "base/base.h"
#include "base/guard.h"
#include "net/net.h"
#include "net/netwatch.h"
#include "regent.h"
#include "ua/ua.h"

struct regent_edge;

/* One flow (docs/design.md "Where a REGISTER goes"): a destination, its
 * RFC 3263 target list and failover state, and at most one connection. Its
 * id is its index in the edge's table and the core's (ua/ua.h). */
struct regent_edge_flow {
	struct regent_edge *io;
	uint32_t id;
	struct regent_dest dest; /* the key: what two Registerers share */

	struct regent_target *targets;
	size_t ntargets, cur;
	struct regent_conn *conn;
	bool up;
	bool resolving;
	bool wanted;	  /* the core asked for it (open) and has not closed it */
	int pending_down; /* flow_down to report from regent_ua_io_process */
	int failover;	  /* move to the next target (503, timeout): the error */

	/* the request on the wire, to notice a transaction that timed out
	 * (RFC 3263 §4.3 fails over on a timeout too); the core says what it
	 * sends and receives (ua/ua.h, struct regent_ua_edge_ops) */
	bool out_pending;
	uint32_t out_cseq;
	uint64_t out_since;

	/* the keep-alive interval the core chose for this flow (ka_set), for
	 * its connection and the next ones; the mapped address STUN last told */
	bool ka_set;
	uint32_t ka_s;
	char mapped_host[64];
	uint16_t mapped_port;
};

struct regent_edge {
	struct regent_ua *ua; /* NULL once the UA freed the edge while busy */
	struct regent_env env;
	struct regent_dns *dns;
	struct regent_tls *tls;
	struct regent_conn_options co;
	struct regent_log log;
	uint32_t t1_ms;
	enum regent_transport force; /* the transport option, for every flow */
	bool proxy;		     /* an outbound proxy: flow 0 for everything */

	/* flow 0 is the proxy's or the AOR's domain's; the others are made
	 * by regent_edge_flow_for, never removed (a closed flow is kept for
	 * the next Registerer naming that destination) */
	struct regent_edge_flow **flows;
	uint32_t nflows;

	struct regent_local local; /* local_address */
	char tls_detail[160];	   /* filled by the conn (co.tls_detail) */

	struct regent_guard guard; /* src/base/guard.h */

	/* random bytes drawn from getrandom(2) in bulk: a registration asks
	 * for a Call-ID, tags, branches and a cnonce, seven draws that would
	 * each be a system call. Like the UA's socket and its Call-IDs, the
	 * buffer is not for sharing across fork(): a child must make its own
	 * UA (after a fork both would hand out the same bytes). */
	unsigned char rnd[1024];
	size_t rnd_left;

	struct regent_edge_srv *srv; /* edge_answer.c: the request handler, answer cache */
	struct regent_netwatch *nw;  /* watch_network: address/route changes, or NULL */
};

/* edge.c */
extern const struct regent_ua_edge_ops regent_edge_ops;
extern const struct regent_sender regent_edge_sender; /* flow 0; arg: set to the edge */
void regent_edge_random(void *arg, void *buf, size_t len);
void regent_edge_destroy(struct regent_edge *io);
/* Adds a flow to `d` (flow 0 first): 0 or ENOMEM. */
int regent_edge_flow_add(struct regent_edge *io, const struct regent_dest *d, uint32_t *id);
/* Drops flow f's connection and moves to its next target; the caller tells
 * the core. */
void regent_edge_failover_now(struct regent_edge_flow *f);

/* edge_answer.c: answers a request that arrived on flow f. */
void regent_edge_answer(struct regent_edge_flow *f, const char *buf, size_t len);
/* The request handler options of o (copied); err names the field. */
int regent_edge_srv_init(struct regent_edge *io, const struct regent_ua_options *o,
			 struct regent_error *err);
void regent_edge_srv_free(struct regent_edge_srv *srv);

#endif /* REGENT_NET_EDGE_H */

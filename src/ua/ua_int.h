/*
 * ua_int — struct regent_ua, private to src/ua.
 */
#ifndef REGENT_UA_INT_H
#define REGENT_UA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"
#include "base/guard.h"
#include "regent.h"
#include "ua/heap.h"
#include "ua/txmap.h"
#include "ua/ua.h"

/* The peer the I/O edge tried last on a flow (regent_ua_note_flow). */
struct regent_ua_tried {
	bool set;
	enum regent_transport transport;
	char peer_host[64];
	uint16_t peer_port;
	char dns_name[256];
	char detail[160];
};

/* One flow of the UA (docs/design.md "Where a REGISTER goes"): a
 * destination the edge connects to, and the clients bound to it. Flow 0
 * always exists: it is the one of struct regent_sender (a UA from
 * regent_ua_alloc_core has no other) and, with regent_ua_alloc, the one of
 * the outbound proxy or of the default registrar (the AOR's domain). */
struct regent_ua_flow {
	struct regent_ua_client *clients; /* bound to it, newest first */
	bool up;
	bool opening; /* open asked, waiting for flow_up/down */
	struct regent_flow_info fi;
	struct regent_ua_tried tried; /* trace.c: what the edge tried last */
};

struct regent_ua {
	/* what the UA was created with */
	struct regent_env env;
	struct regent_sender sender;

	/* the I/O edge (src/net/edge.c), NULL for a core-only UA */
	void *edge;
	const struct regent_ua_edge_ops *edge_ops;

	/* identity: the strings are owned here (freed by destroy) */
	struct regent_ua_identity id;
	struct regent_log log;
	enum regent_transport transport; /* as configured (informative) */

	/* the flows, indexed by flow id (a client holds its id): a message
	 * finds its flow in O(1); the table grows only when a Registerer names
	 * a destination no flow has yet (ua/flows.c) */
	struct regent_ua_flow *flows;
	uint32_t nflows;

	struct regent_ua_client *dead; /* freed under the guard: destroyed at leave */
	size_t nclients;	       /* in the flows' lists, dead ones included */
	struct regent_ua_heap timers;  /* clients with a timer, by deadline */
	struct regent_ua_txmap txns;   /* live client transactions, by branch */
	size_t spare_used;	       /* entries beyond each client's first (clients.c) */
	bool processing;	       /* inside regent_ua_process */
	struct regent_ua_stats stats;

	struct regent_guard guard; /* src/base/guard.h */

	/* trace.c: the application's drop handler */
	void (*drop_h)(const struct regent_drop *d, void *arg);
	void *drop_arg;
};

/* ua.c: frees everything (the guard is not held). */
void regent_ua_destroy(struct regent_ua *ua);

/* flows.c: the flow table. */
int regent_ua_flows_init(struct regent_ua *ua, enum regent_transport tp);
/* Runs flow_up (up) or flow_down(err) on every live client of flow f. */
void regent_ua_flow_notify(struct regent_ua *ua, uint32_t f, bool up, int err);
/* Takes flow f down at the sender or the edge (no client is told). */
void regent_ua_flow_close(struct regent_ua *ua, uint32_t f);

#endif /* REGENT_UA_INT_H */

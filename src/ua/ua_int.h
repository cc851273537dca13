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

/* The flow the I/O edge tried last (regent_ua_note_flow). */
struct regent_ua_tried {
	bool set;
	enum regent_transport transport;
	char peer_host[64];
	uint16_t peer_port;
	char dns_name[256];
	char detail[160];
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

	/* the flow */
	bool flow_up;
	bool flow_opening; /* sender.open() called, waiting for flow_up/down */
	struct regent_flow_info fi;

	struct regent_ua_client *clients; /* newest first */
	struct regent_ua_client *dead;	  /* freed under the guard: destroyed at leave */
	size_t nclients;		  /* in `clients`, dead ones included */
	struct regent_ua_heap timers;	  /* clients with a timer, by deadline */
	struct regent_ua_txmap txns;	  /* live client transactions, by branch */
	bool processing;		  /* inside regent_ua_process */
	struct regent_ua_stats stats;

	struct regent_guard guard; /* src/base/guard.h */

	/* trace.c: the application's drop handler, and the flow the edge
	 * tried last (for the events of a local failure) */
	void (*drop_h)(const struct regent_drop *d, void *arg);
	void *drop_arg;
	struct regent_ua_tried tried;
};

/* ua.c: frees everything (the guard is not held). */
void regent_ua_destroy(struct regent_ua *ua);

#endif /* REGENT_UA_INT_H */

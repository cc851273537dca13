/*
 * ua — what the UA offers the objects it hosts (its "clients": the
 * Registerers of src/reg), and what the I/O edge (src/net/edge*.c) needs to
 * attach itself. struct regent_ua itself is private to src/ua (ua_int.h).
 *
 * The UA never calls a client by name: a client registers a table of
 * handlers (struct regent_ua_client_ops) and the UA runs them when a
 * response for one of its transactions arrives, when its deadline is due and
 * when the flow changes. A client in turn reaches the UA only through the
 * calls below: its identity, the flow, the clock and random source, sending,
 * scheduling its deadline, tracking its transactions, logging.
 *
 * Callback safety is the guard of src/base/guard.h, held by the UA for
 * itself and every client: each entry point from outside (the public UA
 * calls, and a client's own public calls through regent_ua_enter/leave)
 * holds it; a client freed while it is held is unlinked and destroyed when
 * the outermost call returns (regent_ua_client_free).
 */
#ifndef REGENT_UA_H
#define REGENT_UA_H

#include <stdbool.h>
#include <stdint.h>

#include "msg/msg.h"
#include "regent.h"
#include "ua/heap.h"

/* ------------------------------------------------------------ identity */

/* The UA's options as the clients read them (copied strings; NULL when
 * unset unless said otherwise). */
struct regent_ua_identity {
	const char *aor;	    /* uri */
	const char *auth_user;	    /* never NULL: default user part of uri */
	const char *password;	    /* authorization_password */
	const char *ha1;	    /* authorization_ha1 */
	const char *display_name;   /* From display name */
	const char *contact_name;   /* never NULL: default 8 random chars */
	const char *contact_params; /* NULL: "transport=<tp>" */
	const char *via_host;	    /* NULL: the flow's local address */
	const char *instance_id;    /* never NULL: lower-case UUID */
	const char *user_agent;	    /* never NULL */
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t txn_timeout_ms; /* transaction_timeout_ms: 0 = timer F (64*T1) */
};

const struct regent_ua_identity *regent_ua_identity(const struct regent_ua *ua);

/* ------------------------------------------------------------ clients */

struct regent_ua_client;

struct regent_ua_client_ops {
	/* A response (already parsed) whose top Via branch is one the client
	 * tracks: true if one of its transactions took it. */
	bool (*recv)(struct regent_ua_client *c, const struct regent_msg *m,
		     struct regent_pl branch, struct regent_pl method);
	/* Its deadline is due at `now`. */
	void (*process)(struct regent_ua_client *c, uint64_t now);
	/* The flow came up / went down (err: errno or REGENT_E*, 0: the
	 * network changed). */
	void (*flow_up)(struct regent_ua_client *c);
	void (*flow_down)(struct regent_ua_client *c, int err);
	/* Absolute ms of its next timer, UINT64_MAX for none. */
	uint64_t (*deadline)(const struct regent_ua_client *c);
	/* Frees it (the UA has unlinked it, or is going itself). */
	void (*destroy)(struct regent_ua_client *c);
};

/* Embedded in the client; the UA owns the fields. */
struct regent_ua_client {
	struct regent_ua_client *next, *prev;
	struct regent_ua_client *dead_next;
	struct regent_ua_heap_node timer;
	const struct regent_ua_client_ops *ops;
	bool dead;
};

/* Adds c to the UA, with room reserved for its timer and two transactions
 * (so none can be lost to ENOMEM later). 0, ENOMEM, or EPERM while the UA
 * is being freed. */
int regent_ua_client_attach(struct regent_ua *ua, struct regent_ua_client *c,
			    const struct regent_ua_client_ops *ops);

/* Frees c: at once, or when the outermost call into the UA returns (see the
 * guard above). Its handlers are not run again either way. */
void regent_ua_client_free(struct regent_ua *ua, struct regent_ua_client *c);

/* False once c or its UA was freed: a caller that ran a callback stops. */
bool regent_ua_client_alive(const struct regent_ua *ua, const struct regent_ua_client *c);

/* Puts c's timer at `deadline` (UINT64_MAX: none). */
void regent_ua_schedule(struct regent_ua *ua, struct regent_ua_client *c, uint64_t deadline);

/* Responses with this branch go to c until untracked. `branch` is not
 * copied: untrack it before it goes. */
void regent_ua_track(struct regent_ua *ua, const char *branch, struct regent_ua_client *c);
void regent_ua_untrack(struct regent_ua *ua, const char *branch);

/* Holds the UA's guard around a client's public call. */
void regent_ua_enter(struct regent_ua *ua);
void regent_ua_leave(struct regent_ua *ua);

/* ------------------------------------------------------------ services */

void regent_ua_log(const struct regent_ua *ua, enum regent_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint64_t regent_ua_now(const struct regent_ua *ua);

/* Random bytes from the injected env, as lower-case hex / token chars
 * (NUL-terminated: out holds nchars + 1). */
void regent_ua_random_hex(struct regent_ua *ua, char *out, size_t nchars);
void regent_ua_random_token(struct regent_ua *ua, char *out, size_t nchars);
uint32_t regent_ua_random_u32(struct regent_ua *ua);

/* Is the flow up? And what the core knows of it: the last flow up (its
 * transport is the configured one before any). */
bool regent_ua_flow_is_up(const struct regent_ua *ua);
const struct regent_flow_info *regent_ua_flow_info(const struct regent_ua *ua);

/* Sends one request of the transaction with this CSeq through the sender,
 * counting it (`again`: a retransmission). 0 or errno (ENOTCONN when the
 * flow is not up). */
int regent_ua_send(struct regent_ua *ua, const char *buf, size_t len, uint32_t cseq, bool again);

/* Asks the edge to bring the flow up (sender.open) unless it is up or opening. */
void regent_ua_want_flow(struct regent_ua *ua);

/* ------------------------------------------------------------ trace.c */

/* TRACE of one message sent (out) or received on the flow `fi`, with its
 * direction and addresses. */
void regent_ua_trace_msg(const struct regent_ua *ua, const struct regent_flow_info *fi, bool out,
			 const char *buf, size_t len);
/* A message received on the flow `fi` dropped unused: counted, logged
 * (rate-limited), handed to drop_h (which may free the UA: the caller
 * touches it no more). */
void regent_ua_dropped(struct regent_ua *ua, const struct regent_flow_info *fi, bool malformed,
		       const char *reason, const char *buf, size_t len);
/* The edge tells the flow it tries (the DNS name asked, "" if none; peer
 * "" and 0 before an address is known), and why TLS refused the peer. */
void regent_ua_note_flow(struct regent_ua *ua, enum regent_transport tp, const char *peer_host,
			 uint16_t peer_port, const char *dns_name);
void regent_ua_note_detail(struct regent_ua *ua, const char *detail);
/* Fills the flow fields of an event with a local error. */
void regent_ua_event_flow(const struct regent_ua *ua, struct regent_event *ev);

/* ------------------------------------------------------------ the I/O edge */

/* What the edge is told of the core's traffic, so it never re-parses it
 * (RFC 3263 §4.3 failover on a timeout or a 503). */
struct regent_ua_edge_ops {
	/* a request went out: first send or retransmission */
	void (*sent)(void *edge, uint32_t cseq, bool again);
	/* a response arrived (any, matched or not) */
	void (*response)(void *edge, uint32_t cseq, uint16_t status);
	/* the UA is freed: free the edge (after sender.close). It must not
	 * call into the UA. */
	void (*free)(void *edge);
};

/* Attaches the edge to a UA from regent_ua_alloc_core(). */
void regent_ua_set_edge(struct regent_ua *ua, void *edge, const struct regent_ua_edge_ops *ops);

/* The edge of a UA, or NULL; `ops` tells whose edge it is. */
void *regent_ua_edge(const struct regent_ua *ua, const struct regent_ua_edge_ops *ops);

#endif /* REGENT_UA_H */

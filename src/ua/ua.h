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

	/* issue 11 §3, checked and joined by msg/check.h; NULL: none */
	const char *route_set;	     /* "Route: <..>\r\n"... */
	const char *extra_supported; /* ", tok, tok" */
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t txn_timeout_ms; /* transaction_timeout_ms: 0 = timer F (64*T1) */
	uint32_t keepalive_s;	 /* keepalive_interval_s: 0 auto, REGENT_KEEPALIVE_OFF, N */
	bool contact_rewrite_off;
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
	/* The address the peer sees the flow from changed (a STUN answer on
	 * a keep-alive: a NAT rebinding, RFC 5626 §4.4.2); NULL: not told.
	 * It may only schedule (no call back into the UA). */
	void (*flow_mapped)(struct regent_ua_client *c, const char *host, uint16_t port);
	/* A request with this Call-ID came to us over the client's flow (a
	 * reachability probe, src/reg/reach.c); NULL: not told. */
	void (*probe_seen)(struct regent_ua_client *c, const char *call_id);
};

/* Embedded in the client; the UA owns the fields. */
struct regent_ua_client {
	struct regent_ua_client *next, *prev;
	struct regent_ua_client *dead_next;
	struct regent_ua_heap_node timer;
	const struct regent_ua_client_ops *ops;
	bool dead;
	uint8_t ntracked; /* its entries in the UA's transaction map */
	uint32_t flow;	  /* the flow it sends on (regent_ua_flow_for), for its life */
};

/* The flow of a client whose requests go to `uri` (its Request-URI, RFC
 * 3261 §8.1.2): flow 0 without an I/O edge or with an outbound proxy;
 * otherwise the edge's flow to that destination, made if none has it yet.
 * 0, or EINVAL (err names `field`) / ENOMEM. */
int regent_ua_flow_for(struct regent_ua *ua, const char *uri, const char *field, uint32_t *flow,
		       struct regent_error *err);

/* The flow of a client with an outbound proxy of its own, `uri` (RFC 3261
 * §8.1.2; RFC 5626 §4.2: one flow per reg-id): the edge's flow to that
 * destination, made if none has it yet, even when the UA has a proxy;
 * flow 0 without an I/O edge (its sender routes). 0, EINVAL, ENOMEM. */
int regent_ua_flow_to(struct regent_ua *ua, const char *uri, const char *field, uint32_t *flow,
		      struct regent_error *err);

/* Adds c to the UA on flow `flow` (from regent_ua_flow_for), with room
 * reserved for its timer and one transaction, and the shared spare pool
 * grown with it (so the transaction in flight can never be lost to ENOMEM
 * later; see regent_ua_track). 0, ENOMEM, or EPERM while the UA is being freed. */
int regent_ua_client_attach(struct regent_ua *ua, struct regent_ua_client *c,
			    const struct regent_ua_client_ops *ops, uint32_t flow);

/* Frees c: at once, or when the outermost call into the UA returns (see the
 * guard above). Its handlers are not run again either way. */
void regent_ua_client_free(struct regent_ua *ua, struct regent_ua_client *c);

/* False once c or its UA was freed: a caller that ran a callback stops. */
bool regent_ua_client_alive(const struct regent_ua *ua, const struct regent_ua_client *c);

/* Puts c's timer at `deadline` (UINT64_MAX: none). */
void regent_ua_schedule(struct regent_ua *ua, struct regent_ua_client *c, uint64_t deadline);

/* Responses with this branch go to c until untracked. `branch` is not
 * copied: untrack it before it goes. A client's first tracked transaction
 * always has room (reserved by attach); a second or third one at the same
 * time (a completed one absorbing retransmissions, a probe) takes room from
 * the UA's shared spare pool: 0, or ENOBUFS when that is used up. */
int regent_ua_track(struct regent_ua *ua, const char *branch, struct regent_ua_client *c);
void regent_ua_untrack(struct regent_ua *ua, const char *branch);

/* The clients of the UA not being freed, for a call over all of them
 * (regent_ua_stop): up to `max` written to out; returns how many there are. */
size_t regent_ua_clients(struct regent_ua *ua, struct regent_ua_client **out, size_t max);

/* Is there a live client other than c for which pred(client, arg) holds?
 * Every flow's list, in order; stops at the first. */
bool regent_ua_any_client(const struct regent_ua *ua, const struct regent_ua_client *c,
			  bool (*pred)(const struct regent_ua_client *o, const void *arg),
			  const void *arg);

/* Holds the UA's guard around a client's public call. */
void regent_ua_enter(struct regent_ua *ua);
void regent_ua_leave(struct regent_ua *ua);

/* ------------------------------------------------------------ services */

void regent_ua_log(const struct regent_ua *ua, enum regent_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint64_t regent_ua_now(const struct regent_ua *ua);

/* The UA's counters, for a client to count what only it can judge (odd or
 * mismatched responses). */
struct regent_ua_stats *regent_ua_counters(struct regent_ua *ua);

/* Random bytes from the injected env, as lower-case hex / token chars
 * (NUL-terminated: out holds nchars + 1). */
void regent_ua_random_hex(struct regent_ua *ua, char *out, size_t nchars);
void regent_ua_random_token(struct regent_ua *ua, char *out, size_t nchars);
uint32_t regent_ua_random_u32(struct regent_ua *ua);

/* Is c's flow up? And what the core knows of it: the last flow up (its
 * transport is the configured one before any). */
bool regent_ua_flow_is_up(const struct regent_ua *ua, const struct regent_ua_client *c);
const struct regent_flow_info *regent_ua_flow_info(const struct regent_ua *ua,
						   const struct regent_ua_client *c);

/* Sends one request of c's transaction with this CSeq on c's flow,
 * counting it (`again`: a retransmission). 0 or errno (ENOTCONN when the
 * flow is not up). */
int regent_ua_send(struct regent_ua *ua, const struct regent_ua_client *c, const char *buf,
		   size_t len, uint32_t cseq, bool again);

/* Sets the keep-alive interval of c's flow (0: none); nothing without an
 * I/O edge (a core-only UA's sender owns its transport). */
void regent_ua_flow_keepalive(struct regent_ua *ua, const struct regent_ua_client *c,
			      uint32_t interval_s);

/* Sends a request of c's that is not a REGISTER transaction (a probe) on
 * c's flow: not counted as the edge's request on the wire. 0 or errno. */
int regent_ua_send_other(struct regent_ua *ua, const struct regent_ua_client *c, const char *buf,
			 size_t len);

/* Asks for c's flow to come up unless it is up or opening. */
void regent_ua_want_flow(struct regent_ua *ua, const struct regent_ua_client *c);

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
void regent_ua_note_flow(struct regent_ua *ua, uint32_t f, enum regent_transport tp,
			 const char *peer_host, uint16_t peer_port, const char *dns_name);
void regent_ua_note_detail(struct regent_ua *ua, uint32_t f, const char *detail);
/* What the core knows of the edge's flow f (flow 0 for an unknown id). */
const struct regent_flow_info *regent_ua_edge_flow_info(const struct regent_ua *ua, uint32_t f);
/* Fills the flow fields of an event of client c (its flow). */
void regent_ua_event_flow(const struct regent_ua *ua, const struct regent_ua_client *c,
			  struct regent_event *ev);

/* ------------------------------------------------------------ the I/O edge */

/* The edge of a UA from regent_ua_alloc(). Flow 0 goes through the
 * struct regent_sender the UA was made with; the other flows, which only
 * flow_for makes, through open/send/close here. The edge is told of the
 * core's traffic per flow, so it never re-parses it (RFC 3263 §4.3
 * failover on a timeout or a 503). */
struct regent_ua_edge_ops {
	/* a request went out on flow f: first send or retransmission */
	void (*sent)(void *edge, uint32_t f, uint32_t cseq, bool again);
	/* a response arrived on flow f (any, matched or not) */
	void (*response)(void *edge, uint32_t f, uint32_t cseq, uint16_t status);
	/* the UA is freed: free the edge (after sender.close). It must not
	 * call into the UA. */
	void (*free)(void *edge);
	/* the flow for requests to `uri` (see regent_ua_flow_for): an id the
	 * edge numbers from 0 up, one more than the highest so far when new */
	int (*flow_for)(void *edge, const char *uri, const char *field, uint32_t *f,
			struct regent_error *err);
	/* flows other than 0, as struct regent_sender's calls */
	int (*open)(void *edge, uint32_t f);
	int (*send)(void *edge, uint32_t f, const char *buf, size_t len);
	void (*close)(void *edge, uint32_t f);
	/* the keep-alive interval of flow f from now on (0: none), for its
	 * live connection and the next ones (RFC 5626 §4.4.1) */
	void (*keepalive)(void *edge, uint32_t f, uint32_t interval_s);
	/* the flow to the outbound proxy `uri` of one client (a Registerer's
	 * own `server`), whatever the UA's proxy: as flow_for without one */
	int (*flow_to)(void *edge, const char *uri, const char *field, uint32_t *f,
		       struct regent_error *err);
};

/* The edge's entry points for flow f (the public regent_ua_recv,
 * regent_ua_flow_up and regent_ua_flow_down are these for flow 0). */
void regent_ua_edge_recv(struct regent_ua *ua, uint32_t f, const char *buf, size_t len);
void regent_ua_edge_flow_up(struct regent_ua *ua, uint32_t f, const struct regent_flow_info *fi);
void regent_ua_edge_flow_down(struct regent_ua *ua, uint32_t f, int err);
/* A reachability probe (Call-ID "regent-reach-...") arrived on flow f. */
void regent_ua_edge_probe_seen(struct regent_ua *ua, uint32_t f, const char *call_id);
/* Flow f's mapped address changed (NAT rebinding): its clients are told. */
void regent_ua_edge_flow_mapped(struct regent_ua *ua, uint32_t f, const char *host, uint16_t port);

/* Attaches the edge to a UA from regent_ua_alloc_core(). */
void regent_ua_set_edge(struct regent_ua *ua, void *edge, const struct regent_ua_edge_ops *ops);

/* The edge of a UA, or NULL; `ops` tells whose edge it is. */
void *regent_ua_edge(const struct regent_ua *ua, const struct regent_ua_edge_ops *ops);

#endif /* REGENT_UA_H */

/*
 * reg_int — the Registerer object and the calls between the files of
 * src/reg (each file has one job):
 *
 *   alloc.c      options, validation, construction, destruction, free
 *   api.c        the public calls (register, unregister, query, ...)
 *   registerer.c the exchange: sending, transactions, the UA's handlers
 *   final.c      a final response, step by step (auth, 423, 3xx, outcome)
 *   timers.c     deadlines, due timers, the flow coming and going
 *   emit.c       events to the application
 *   bindings.c   the bindings and Service-Route of the last 2xx; our Contact
 *   check.c      joining configured header lines and Contact params
 *   build.c      the REGISTER on the wire
 *   policy.c     the pure decisions (table-tested)
 *
 * The Registerer reaches its UA only through ua/ua.h (identity, flow,
 * clock, random, sending, scheduling, tracking, logging); the UA reaches it
 * only through the handler table in registerer.c.
 */
#ifndef REGENT_REG_INT_H
#define REGENT_REG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/base.h"
#include "msg/msg.h"
#include "reg/nat.h"
#include "reg/policy.h"
#include "regent.h"
#include "txn/txn.h"
#include "ua/ua.h"

#define REGENT_REG_NEVER UINT64_MAX

/* What the current exchange is for. */
enum regent_reg_xkind {
	REGENT_X_NONE = 0,
	REGENT_X_REGISTER,
	REGENT_X_UNREGISTER,
	REGENT_X_UNREGISTER_ALL,
	REGENT_X_QUERY,
	REGENT_X_REMOVE, /* un-REGISTER of other Contacts (unregister_contacts) */
};

struct regent_registerer {
	struct regent_ua_client cl; /* in the UA's list and timer heap */
	struct regent_ua *ua;

	/* configuration (strings NULL = the UA's default) */
	char *ruri; /* registrar */
	char *from_uri, *to_uri;
	struct regent_reg_more *more; /* what few use (below), or NULL */
	char *call_id;
	char from_tag[24];
	uint32_t expires; /* configured */
	uint8_t refresh_pct;
	bool auto_retry, auto_refresh, user_allow;
	bool retry_on_reject; /* retry 403/404/603 and refused credentials too */
	bool has_retry_after; /* the last final response had a Retry-After */
	bool packed;	      /* call_id, ruri, from_uri, to_uri: one block at call_id */
	uint32_t retry_base_s, retry_max_s;
	uint32_t retry_after_s; /* of the last failure, if has_retry_after */
	regent_registerer_event_h *event_h;
	void *event_arg;
	struct regent_auth_client *auth; /* NULL without credentials */

	/* state */
	enum regent_registerer_state state;
	bool waiting;
	bool disposing;	   /* dispose(): un-REGISTER then TERMINATED */
	bool dispose_sent; /* the dispose un-REGISTER went out */
	bool want_reg;	   /* should be registered (refresh / retry / re-register) */
	bool flow_lost;	   /* the flow died since the last 2xx */
	bool retry_now;	   /* the next retry goes at once (a first flow drop) */
	bool odd_logged;   /* an odd response was logged (once per Registerer) */
	bool ob_refused;   /* a 439: registered again without reg-id (final.c) */
	uint32_t cseq;
	uint32_t exchange_no;	/* bumped when an exchange starts (see emit.c) */
	uint32_t asked_expires; /* for this registration (423 may raise it) */
	uint32_t failures;	/* consecutive, for the back-off */
	uint32_t nbindings;	/* of the last 2xx (here: no padding hole) */

	/* the exchange in progress */
	enum regent_reg_xkind xk;
	enum regent_send_reason next_reason;
	uint8_t auth_tries, redirects;
	bool did_423;
	bool auth_restarted;	     /* the once-per-exchange auth restart was used */
	bool last_retransmitted;     /* the txn of the last final response was retransmitted */
	bool queued;		     /* waiting for the flow before the first send */
	bool nat_reregister;	     /* natflow.c: the re-REGISTER a contact rewrite asks for */
	struct regent_txn *txn;	     /* in progress */
	struct regent_txn_done *old; /* completed, absorbing retransmissions (timer K) */

	/* timers (absolute ms, REGENT_REG_NEVER off) */
	uint64_t t_refresh, t_expire, t_retry, t_dispose, t_queue;

	struct regent_reg_stop *stop; /* the regent_ua_stop() waiting for r, or NULL */

	/* the last 2xx */
	struct regent_binding *bindings; /* one block: array + strings; nbindings above */

	/* the path the last 2xx showed and the keep-alive chosen for it
	 * (natflow.c) */
	bool ka_known, ka_emit, ka_outbound, ka_nat;
	enum regent_transport ka_tp;
	uint32_t ka_ft, ka_s;
	/* NAT learning (RFC 3581 §4), made when a NAT is first seen (a
	 * Registerer that never sees one pays one pointer) */
	struct regent_reg_natstate *nat;
	struct regent_reg_probe *probe; /* reach.c, made at the first check */
};

/* What few Registerers use: configuration rarely set, an exchange's
 * extras (redirect, per-request headers and delegate, Contacts to remove),
 * the mismatched-response log's bookkeeping. Made at the first use, kept
 * until the Registerer goes: a plain Registerer (a load client keeps
 * 100,000) does not carry its 150 bytes. Read it through regent_reg_rare(). */
struct regent_reg_more {
	/* configuration (NULL = the UA's default) */
	char *from_display, *to_display;
	char *instance;	       /* "<urn:uuid:...>" or NULL */
	char *extra_headers;   /* joined "Name: v\r\n..." or NULL */
	char *contact_xparams; /* joined ";a;b=c" or NULL */
	char *contact_uri;     /* contact_uri: registered exactly, or NULL */
	/* the exchange in progress */
	char *xruri;				  /* redirect target, or NULL */
	char *xheaders;				  /* per-request extra headers, joined, or NULL */
	struct regent_request_delegate xdelegate; /* of this exchange; zeroed: none */
	char **xcontacts;			  /* REGENT_X_REMOVE: the Contact URIs, or NULL */
	size_t nxcontacts;
	uint32_t reg_id;	  /* RFC 5626 reg-id, 0 none (an instance goes with it) */
	char *service_route;	  /* of the last 2xx (RFC 3608), or NULL */
	uint64_t mismatch_log_at; /* last log of a mismatched response; 0 none */
	uint32_t mismatch_quiet;  /* mismatched responses not logged since */
};

/* r->more, or an empty one (all NULL) to read from when r has none. */
extern const struct regent_reg_more regent_reg_no_more;
static inline const struct regent_reg_more *regent_reg_rare(const struct regent_registerer *r)
{
	return r->more != NULL ? r->more : &regent_reg_no_more;
}
/* r->more, made if need be; NULL: out of memory. */
struct regent_reg_more *regent_reg_more(struct regent_registerer *r);

/* The learnt address our Contact uses, the Contact it replaced (sent with
 * expires=0 until a 2xx; NULL none), the loop guard's memory. */
struct regent_reg_natstate {
	struct regent_reg_nat_addr learnt; /* what the last 2xx's Via said */
	struct regent_reg_nat_addr contact;
	char *old;
	char *gone; /* the Contact of a lost flow, removed the same way */
	struct regent_reg_nat_memo memo;
};

/* ------------------------------------------------ emit.c */

/* Is r still there (not freed, nor its UA)? */
bool regent_reg_alive(const struct regent_registerer *r);
/* Each emits one event (filling state and waiting) and returns whether the
 * caller may go on: r is alive and no callback started another exchange. */
bool regent_reg_emit(struct regent_registerer *r, struct regent_event *ev);
bool regent_reg_set_state(struct regent_registerer *r, enum regent_registerer_state s);
bool regent_reg_set_waiting(struct regent_registerer *r, bool w);
/* The exchange's delegate callback for ev (PROVISIONAL or the RESPONSE that
 * ends it), if set. Same return as regent_reg_emit. */
bool regent_reg_delegate(struct regent_registerer *r, const struct regent_request_delegate *d,
			 struct regent_event *ev);
bool regent_reg_emit_simple(struct regent_registerer *r, enum regent_event_type type,
			    const char *why, uint64_t retry_in, int error);

/* ------------------------------------------------ natflow.c */

/* A 2xx to a REGISTER: NAT seen?, outbound, Flow-Timer; sets the flow's
 * keep-alive interval when it changes. Does not emit. */
void regent_reg_nat_read(struct regent_registerer *r, const struct regent_msg *m);
/* After a final response: REGENT_EV_KEEPALIVE if the interval changed,
 * the re-REGISTER a contact rewrite asks for. Same return as
 * regent_reg_emit. */
bool regent_reg_nat_emit(struct regent_registerer *r);
/* The flow went down (err as the flow said): REGENT_EV_FLOW_DOWN; under a
 * binding its Contact is kept to remove with the next REGISTER if that
 * one's Contact differs. Same return as regent_reg_emit. */
bool regent_reg_nat_flow_down(struct regent_registerer *r, int err);
/* The keep-alive and NAT settings, for log_configuration (alloc.c). */
void regent_reg_nat_log_config(const struct regent_registerer *r);
/* A 2xx to another kind of REGISTER (a query, a removal) lists the
 * bindings: a lost flow's Contact it does not list needs no removal. */
void regent_reg_nat_listed(struct regent_registerer *r, const struct regent_msg *m);
/* The flow's mapped address changed (NAT rebinding): re-register at once
 * when registered (through the refresh timer: one owner schedules). */
void regent_reg_nat_mapped(struct regent_registerer *r, const char *host, uint16_t port);
/* The host ([v6]) and port of our Contact: the learnt address after a
 * rewrite, else regent_reg_sent_by(). */
void regent_reg_contact_host(const struct regent_registerer *r, char *host, size_t size,
			     uint16_t *port);

/* ------------------------------------------------ reach.c */

uint64_t regent_reg_probe_deadline(const struct regent_registerer *r);
/* Sends a queued probe, reports a timed-out one. False: r is gone. */
bool regent_reg_probe_timers(struct regent_registerer *r, uint64_t now);
/* A response to the probe (true: taken). May free r: the caller returns. */
bool regent_reg_probe_response(struct regent_registerer *r, const struct regent_msg *m,
			       struct regent_pl branch);
void regent_reg_probe_seen(struct regent_registerer *r, const char *call_id);
void regent_reg_probe_free(struct regent_registerer *r);

/* ------------------------------------------------ registerer.c */

extern const struct regent_ua_client_ops regent_reg_client_ops;

uint64_t regent_reg_now(const struct regent_registerer *r);
uint16_t regent_reg_rnd16(struct regent_registerer *r);
void regent_reg_drop_txn(struct regent_registerer *r, struct regent_txn **tp);
void regent_reg_drop_old(struct regent_registerer *r);
void regent_reg_free_contacts(struct regent_registerer *r);
/* The exchange is over, whatever its outcome. Does not emit. */
void regent_reg_end_exchange(struct regent_registerer *r);
void regent_reg_start_exchange(struct regent_registerer *r, enum regent_reg_xkind xk,
			       enum regent_send_reason reason);
void regent_reg_send_request(struct regent_registerer *r, enum regent_send_reason reason);
/* Fails the exchange locally with a synthesized response; `err` (errno or
 * REGENT_E*) is its cause, reported in the event's `error`. */
void regent_reg_local_failure(struct regent_registerer *r, uint16_t status, const char *phrase,
			      int err);
/* Puts r in its UA's timer heap at its current deadline. */
void regent_reg_resched(struct regent_registerer *r);

/* ------------------------------------------------ final.c */

void regent_reg_handle_final(struct regent_registerer *r, uint16_t status, const char *phrase,
			     const struct regent_msg *m, bool local, int lerr);
/* The registration is gone (expired, removed, flow lost). */
bool regent_reg_lost(struct regent_registerer *r, const char *why, int err);
/* Schedules the next try with the back-off; `err` is the cause for the
 * WILL_RETRY event. */
void regent_reg_schedule_retry(struct regent_registerer *r, bool has_ra, uint32_t ra_s,
			       const char *why, int err);
void regent_reg_dispose_continue(struct regent_registerer *r);
void regent_reg_terminate(struct regent_registerer *r);

/* ------------------------------------------------ timers.c */

uint64_t regent_reg_deadline(const struct regent_registerer *r);
void regent_reg_process_timers(struct regent_registerer *r, uint64_t now);
void regent_reg_flow_up(struct regent_registerer *r);
void regent_reg_flow_down(struct regent_registerer *r, int err);

/* ------------------------------------------------ bindings.c */

/* Who we are (our Contact as the flow makes it now); buf holds the URI. */
void regent_reg_build_me(struct regent_registerer *r, struct regent_reg_me *me,
			 struct regent_uri *u, char *buf, size_t size);
/* Copies the Contacts and Service-Route of a 2xx (valid until the next). */
void regent_reg_store_bindings(struct regent_registerer *r, const struct regent_msg *m,
			       const uint8_t *levels, size_t nlevels, uint32_t asked);
/* Is `uri` our own Contact (as the last 2xx listed it, or the flow makes it)? */
bool regent_reg_is_ours(struct regent_registerer *r, const char *uri);

/* ------------------------------------------------ check.c */

/* Checks and joins header lines into "A: b\r\n..." (NULL for none); sets
 * *has_allow if one is an Allow header. */
int regent_reg_join_headers(char **out, const char *const *h, size_t n, struct regent_error *err,
			    bool *has_allow);
/* Checks and joins Contact params into ";a;b=c" (NULL for none). */
int regent_reg_join_params(char **out, const char *const *p, size_t n, struct regent_error *err);

/* ------------------------------------------------ stop.c */

/* r is TERMINATED (`notify`: may call the stop's done) or going (not). */
void regent_reg_stop_detach(struct regent_registerer *r, bool notify);

/* ------------------------------------------------ alloc.c */

void regent_reg_destroy(struct regent_registerer *r);

/* ------------------------------------------------ build.c */

int regent_reg_build(struct regent_registerer *r, struct regent_wbuf *wb, const char *branch,
		     uint32_t expires);
/* Our Contact URI ("sip:name@host:port;params") into buf. */
int regent_reg_contact_uri(const struct regent_registerer *r, char *buf, size_t size);
/* sips.c: is the Request-URI or the To URI a SIPS URI (RFC 3261 §8.1.1.8)? */
bool regent_reg_wants_sips(const struct regent_registerer *r);
/* The Via sent-by host (brackets added for IPv6) and port (0: none). */
/* Request line, Via (sent-by of the flow, rport, branch) and Max-Forwards of
 * a request the Registerer sends (build.c: REGISTER; reach.c: OPTIONS). */
void regent_reg_put_start(struct regent_registerer *r, struct regent_wbuf *wb, const char *method,
			  const char *ruri, const char *branch);
void regent_reg_sent_by(const struct regent_registerer *r, char *host, size_t size, uint16_t *port);

#endif /* REGENT_REG_INT_H */

/*
 * sim_harness — the real Registerer (regent_ua_alloc_core) against the real
 * registrar core, over sim_net, in virtual time.
 *
 * The UA gets a regent_env whose clock is the harness's virtual clock and
 * whose random source is a generator derived from the run's seed; its
 * regent_sender puts each datagram on the simulated network. The registrar
 * side answers through regent_registrar_handle(), optionally rewritten or
 * replaced by a script hook (odd responses the registrar core would never
 * send). sim_run_until() steps virtual time from deadline to deadline: the
 * UA's next timer, the network's next delivery, the next sampling tick.
 *
 * Everything the Registerer reports is recorded (events with time and raw
 * message), plus every datagram the UA sent, per virtual minute.
 */
#ifndef SIM_HARNESS_H
#define SIM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"
#include "regent.h"
#include "registrar/registrar.h"

#include "sim_net.h"
#include "fake_env.h"
#include "sim_rng.h"

/* Virtual time starts here (not 0, so that "0 = unset" bugs show up). */
#define SIM_T0_MS 1000000ULL

struct sim_harness;
struct sim_stx;

/* What the script hook decides for one request. */
enum sim_script_action {
	SIM_PASS = 0, /* send the registrar's response as it is (if any) */
	SIM_REPLACE,  /* send `out` instead */
	SIM_DROP,     /* send nothing */
};

/* Called for every request that reaches the registrar side, after the
 * registrar core handled it. `resp` is its response (NULL if it sent none). */
typedef enum sim_script_action(sim_script_h)(struct sim_harness *h, const struct regent_msg *req,
					     const char *resp, size_t resp_len,
					     struct regent_wbuf *out, void *arg);

typedef void(sim_event_h)(struct sim_harness *h, const struct regent_event *ev, void *arg);
typedef void(sim_tick_h)(struct sim_harness *h, void *arg);

struct sim_setup {
	struct regent_ua_options ua;
	struct regent_registerer_options reg;
	struct regent_registrar_options registrar;
	const char *user;     /* registrar account, default "alice" */
	const char *password; /* default "secret" */
	bool keep_msgs;	      /* keep the raw message of every event (default true) */
};

/* Defaults: AOR sip:alice@example.com, password "secret", an instance id and
 * reg-id 1, registrar realm "example.com" with digest required. */
void sim_setup_init(struct sim_setup *s, uint64_t seed);

struct sim_event {
	uint64_t t; /* virtual ms since SIM_T0_MS */
	enum regent_event_type type;
	enum regent_registerer_state state, old_state;
	bool waiting;
	enum regent_send_reason reason;
	uint32_t cseq;
	uint16_t status;
	bool local;
	uint32_t granted_expires;
	uint64_t retry_in_ms;
	char why[96];
	char *msg; /* NUL-terminated copy, or NULL */
	size_t msg_len;
};

struct sim_harness {
	uint64_t seed;
	uint64_t now; /* absolute virtual ms */
	struct sim_rng ua_rng, registrar_rng;
	struct fake_env ua_env; /* now and ua_rng, as the UA's regent_env */
	struct sim_net *net;
	struct regent_ua *ua;
	struct regent_registerer *reg;
	struct regent_registrar *registrar;
	char instance_id[37];
	bool keep_msgs;

	/* transport state as the sender sees it */
	bool flow_ok;
	struct regent_flow_info fi;

	/* Optional RFC 3261 §17.2.2 server transactions in front of the
	 * registrar core: a retransmitted request gets the response already
	 * sent, before the core sees it. Off by default: the registrar core
	 * absorbs retransmissions itself, and that is what the tests exercise. */
	bool front_txn;
	struct sim_stx *stx;
	size_t n_stx_hits;

	/* hooks */
	sim_script_h *script;
	void *script_arg;
	sim_event_h *on_event;
	void *on_event_arg;
	sim_tick_h *on_tick;
	void *on_tick_arg;
	uint64_t tick_ms;
	uint64_t next_tick;

	/* records */
	struct sim_event *ev;
	size_t n_ev, cap_ev;
	uint32_t *min_sends, *min_requests; /* per virtual minute since T0 */
	size_t n_min;
	uint64_t sends, send_errors, requests_to_registrar, responses_to_ua;
	uint64_t waiting_since; /* absolute, 0: not waiting */
	unsigned waiting_txns;	/* requests sent since waiting began (auth retries...) */
	uint64_t max_waiting_ms;
	uint64_t last_request_sent; /* absolute, 0: none pending */
	uint64_t max_txn_ms;	    /* REQUEST_SENT to its final RESPONSE */
	uint64_t tight_loops;	    /* steps that made no progress in time */
	uint64_t steps;
};

int sim_harness_alloc(struct sim_harness **hp, const struct sim_setup *s, uint64_t seed);
void sim_harness_free(struct sim_harness *h);

/* Virtual ms since SIM_T0_MS. */
uint64_t sim_now(const struct sim_harness *h);

/* Runs until virtual time T0 + t (relative ms). Returns 0, or ELOOP when the
 * UA asked to be woken at a time already past too many times in a row (a
 * 0 ms timer loop), or EMLINK when the step budget ran out. */
int sim_run_until(struct sim_harness *h, uint64_t t);
int sim_run_for(struct sim_harness *h, uint64_t ms);

/* The flow breaks (partition both ways, regent_ua_flow_down) / comes back. */
void sim_flow_down(struct sim_harness *h);
void sim_flow_up(struct sim_harness *h);

/* The registrar restarts: regent_registrar_restart() and its server
 * transactions forgotten. */
void sim_registrar_restart(struct sim_harness *h);

/* Does the registrar hold a live binding carrying our instance id (or, if
 * the UA has none, any binding)? */
bool sim_registrar_holds(struct sim_harness *h);

/* Events: count of `type` (0: any) at index >= from; index of the next one at
 * or after `from`, or -1. */
size_t sim_count(const struct sim_harness *h, enum regent_event_type type, size_t from);
long sim_find(const struct sim_harness *h, enum regent_event_type type, size_t from);
/* REQUEST_SENT events with this reason, from index `from`. */
size_t sim_count_sent(const struct sim_harness *h, enum regent_send_reason reason, size_t from);

/* ---- text helpers for raw SIP messages (NUL-terminated) */

/* Value of the n-th (0-based) header line named `name` (case-insensitive,
 * compact forms not mapped) into out; false if absent. */
bool sim_hdr(const char *msg, const char *name, unsigned n, char *out, size_t size);
/* Number of header lines named `name`. */
unsigned sim_hdr_count(const char *msg, const char *name);
/* Number of occurrences of `needle` (case-sensitive). */
unsigned sim_strcount(const char *hay, const char *needle);

/* Builds a response to `req` from scratch: Via, From, To (with a tag),
 * Call-ID, CSeq copied; then the `extra` header lines ("A: b\r\nC: d\r\n"). */
int sim_reply(struct regent_wbuf *out, const struct regent_msg *req, uint16_t status,
	      const char *reason, const char *extra);
/* Copies a response, dropping every header line named `drop` (NULL: none),
 * removing ";expires=N" from Contact lines if strip_contact_expires, and
 * inserting `add` lines (NULL: none) before Content-Length. */
int sim_edit(struct regent_wbuf *out, const char *resp, size_t len, const char *drop,
	     bool strip_contact_expires, const char *add);

/* The request's first Contact value with any ";expires=N" removed, into out
 * (NUL-terminated); false if the request has no Contact or it does not fit. */
bool sim_contact_of(const struct regent_msg *req, char *out, size_t size);
/* Status code of a raw response, 0 if it is not one. */
uint16_t sim_status_of(const char *resp, size_t len);

#endif /* SIM_HARNESS_H */

/*
 * registrar — a small server-side registrar core (RFC 3261 §10.3), sans-I/O.
 * Used by the simulation harness, the `regent registrar` command, the demo
 * and benchmarks. A test and demo tool, not a production registrar: it is
 * the regent_registrar library (registrar/), never part of libregent.
 *
 * It takes a request (bytes), the current time, and returns the response
 * bytes (or nothing, for a scripted drop). Bindings live in memory.
 */
#ifndef REGENT_REGISTRAR_H
#define REGENT_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct regent_registrar;
struct regent_wbuf; /* src/msg: the response is written into one */

struct regent_registrar_options {
	const char *realm;	   /* default "regent" */
	uint32_t min_expires;	   /* default 60; below it: 423 + Min-Expires */
	uint32_t max_expires;	   /* default 3600; above it: granted max */
	uint32_t default_expires;  /* no expires asked: default 3600 */
	bool auth;		   /* digest required (default true if users exist) */
	uint32_t nonce_lifetime_s; /* default 300 */
	const char *digest_algs;   /* "MD5" (default), "SHA-256,MD5", ... offered in order */
	void (*random)(void *arg, void *buf, size_t len); /* nonce secret (NULL: OpenSSL) */
	void *random_arg;
	uint32_t max_bindings;	       /* all AORs together (default 200000); beyond: 503 */
	uint32_t max_bindings_per_aor; /* default 16; beyond: 403 */
};

void regent_registrar_options_init(struct regent_registrar_options *o);
int regent_registrar_alloc(struct regent_registrar **rp, const struct regent_registrar_options *o);
void regent_registrar_free(struct regent_registrar *r);
int regent_registrar_add_user(struct regent_registrar *r, const char *user, const char *password);

/* Scripted faults (for tests and demos). */
struct regent_registrar_faults {
	uint32_t drop_percent;	   /* drop this share of requests (uses the random source) */
	uint16_t fail_status;	   /* answer every REGISTER with this (e.g. 503) ... */
	uint32_t fail_retry_after; /* ... with Retry-After (0: none) ... */
	uint64_t fail_until_ms;	   /* ... until this time (0: off) */
	bool no_contact_in_200;	   /* 200 without Contact */
};

void regent_registrar_set_faults(struct regent_registrar *r,
				 const struct regent_registrar_faults *f);

/* Forget every binding and nonce, as a restart does. */
void regent_registrar_restart(struct regent_registrar *r);

/* Handles one received request at time now_ms. Writes the response into wb
 * and returns 0, or returns ENOMSG when nothing is to be sent (drop, or a
 * response/ACK received), EBADMSG when the bytes do not parse as a request
 * (nothing is written: a request that does not parse has no Via to answer
 * to). src_host/src_port, the packet's source, give Via received/rport
 * (RFC 3581). A retransmission (same top Via branch, Call-ID and CSeq,
 * within 32 s) gets the bytes of the first response again, as a server
 * transaction would send them (RFC 3261 §17.2.2). */
int regent_registrar_handle(struct regent_registrar *r, const char *buf, size_t len,
			    uint64_t now_ms, const char *src_host, uint16_t src_port,
			    struct regent_wbuf *wb);

/* Answers bytes that regent_registrar_handle() found malformed (EBADMSG):
 * RFC 3261 §8.2, a 400 whose reason phrase names the problem ("400
 * Malformed Request (CSeq: bad number at 95)") with the Vias, From, To,
 * Call-ID and CSeq the request had, written into wb; returns 0. Returns
 * EBADMSG, writing nothing, when there is nowhere to answer (no readable
 * Via) or the bytes are a response, and the note (below) says which and
 * why; EINVAL when they are not malformed. */
int regent_registrar_reject_malformed(struct regent_registrar *r, const char *buf, size_t len,
				      const char *src_host, uint16_t src_port,
				      struct regent_wbuf *wb);

/* Why the last request handled got the answer it got, in one line for a
 * log that helps debug a client ("" when there is nothing to add): which
 * credential check failed (malformed username, unknown user, wrong
 * password, foreign nonce...), an un-REGISTER and what it removed, a user
 * changing another AOR's bindings, why a request was malformed. Valid until
 * the next call on r. */
const char *regent_registrar_note(const struct regent_registrar *r);

/* Inspection, for tests and `regent query`-style output. */
struct regent_registrar_binding {
	const char *aor;
	const char *contact; /* the full Contact value as registered */
	const char *call_id;
	uint32_t cseq;
	uint64_t expires_at_ms;
};

/* Number of live bindings of `aor` at now_ms (NULL aor: all). */
size_t regent_registrar_count(struct regent_registrar *r, const char *aor, uint64_t now_ms);
/* Calls cb for each live binding; stops early if cb returns false. */
void regent_registrar_foreach(struct regent_registrar *r, uint64_t now_ms,
			      bool (*cb)(const struct regent_registrar_binding *b, void *arg),
			      void *arg);

/* Counters. */
struct regent_registrar_stats {
	uint64_t requests, registers, challenges, ok, rejected, dropped, malformed;
	uint64_t retransmissions; /* answered from the response cache (RFC 3261 §17.2.2) */
};
void regent_registrar_stats(const struct regent_registrar *r, struct regent_registrar_stats *st);

#endif /* REGENT_REGISTRAR_H */

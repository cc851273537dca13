/*
 * reg_fixture — the fixture shared by the test_reg_* unit tests that drive a
 * Registerer against scripted responses: a UA from regent_ua_alloc_core()
 * whose sender records every message (and the virtual time it went out), the
 * fake clock and seeded random source of tests/support/fake_env, an event
 * recorder that can also act from inside the callback (to prove the
 * callback-safety pattern of docs/design.md), a log and a drop recorder, and
 * the helpers that read a sent request and answer it.
 */
#ifndef REG_FIXTURE_H
#define REG_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_env.h"
#include "regent.h"

#define REG_FIX_MAXMSG 64
#define REG_FIX_MAXEV 256

/* An event as it was seen: its strings copied, its pointers cleared (they
 * are not valid after the callback). */
struct reg_fix_ev {
	struct regent_event ev;
	char why[160];
	char peer[64]; /* flow_peer_host, "(null)" for none */
	uint64_t t;
};

struct reg_fix {
	uint64_t now; /* the test advances it */
	struct sim_rng rng;
	struct fake_env fe; /* now and rng, as the UA's regent_env */
	char *sent[REG_FIX_MAXMSG];
	uint64_t sent_at[REG_FIX_MAXMSG];
	size_t nsent;
	int send_fail; /* when set, the sender fails with it */
	struct regent_ua *ua;
	struct regent_registerer *reg;
	struct reg_fix_ev ev[REG_FIX_MAXEV];
	size_t nev;
	/* the log, one line each; with log_levels each line starts "<level> " */
	bool log_levels;
	char log[16384];
	size_t loglen;
	/* drop_h: how many, how many malformed, the last one's reason and peer */
	size_t ndrops, nmalformed;
	char drop_reason[160], drop_peer[64];
	uint16_t drop_port;
	/* actions taken from inside the event callback */
	bool free_on_response;
	bool dispose_on_response;
	bool register_on_waiting_false;
	bool query_on_waiting_false;
	bool free_ua_on_response;
	int reentrant_rc;
};

/* A fixture whose clock starts at `start_ms`, its random source seeded with
 * `seed`; no UA yet. */
struct reg_fix *reg_fix_alloc(uint64_t start_ms, uint64_t seed);

/* The UA from `uo` (its sender, log_h, log_arg, drop_h and drop_arg are set
 * here; the rest as given), its flow up over `tp` from local_host:local_port
 * to peer_host:5060. Fails the test if the UA is refused (the reason in *e). */
void reg_fix_ua(struct reg_fix *f, struct regent_ua_options *uo, struct regent_error *e,
		enum regent_transport tp, const char *local_host, uint16_t local_port,
		const char *peer_host);

/* regent_ua_alloc_core() from `uo` as given, with the fixture's clock,
 * random source and recording sender: for a test of a UA of its own or of
 * its refusal. The UA in *ua is the caller's to free. */
int reg_fix_ua_alloc(struct regent_ua **ua, struct reg_fix *f, const struct regent_ua_options *uo,
		     struct regent_error *e);

/* A Registerer from `ro` whose events go to the recorder; the alloc's result. */
int reg_fix_registerer(struct reg_fix *f, const struct regent_registerer_options *ro,
		       struct regent_error *e);

/* Frees the Registerer, the UA, what was sent and the fixture. */
void reg_fix_free(struct reg_fix *f);

/* Runs the clock to `t`, firing due timers in order. */
void reg_fix_run_until(struct reg_fix *f, uint64_t t);
void reg_fix_run_for(struct reg_fix *f, uint64_t ms);

/* Runs due timers until `n` messages were sent (or `limit` ms pass). */
void reg_fix_run_until_sent(struct reg_fix *f, size_t n, uint64_t limit);

/* Runs due timers until the n-th REQUEST_SENT event (or `limit` ms pass):
 * unlike reg_fix_run_until_sent, a retransmission does not count. */
void reg_fix_run_until_requests(struct reg_fix *f, size_t n, uint64_t limit);

/* The value of header `name` (idx-th occurrence) of message text m, read
 * with the library's parser. */
bool reg_fix_hdr(const char *m, const char *name, size_t idx, char *out, size_t size);
size_t reg_fix_hdr_count(const char *m, const char *name);

/* Answers request i with `status`, echoing Via, From, Call-ID, CSeq and To
 * (with ;tag=srv) and adding the `extra` header lines (each ending in CRLF,
 * or NULL); `callid` and `ftag` replace the request's when not NULL. */
void reg_fix_reply_ids(struct reg_fix *f, size_t i, uint16_t status, const char *reason,
		       const char *extra, const char *callid, const char *ftag);
void reg_fix_reply(struct reg_fix *f, size_t i, uint16_t status, const char *reason,
		   const char *extra);

/* A 200 echoing the Contact of request i with ;expires=e. */
void reg_fix_reply_200(struct reg_fix *f, size_t i, uint32_t e);

/* The first event of type t at or after index `from`, -1 if none. */
long reg_fix_find_ev(const struct reg_fix *f, enum regent_event_type t, size_t from);
size_t reg_fix_count_ev(const struct reg_fix *f, enum regent_event_type t);

#endif

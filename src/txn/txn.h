/*
 * txn — non-INVITE client transaction (RFC 3261 §17.1.2), pure.
 *
 * The transaction never sends nor reads a clock: the caller passes `now`
 * (monotonic ms) and acts on what the functions return. It keeps the request
 * bytes for retransmission until a final response (or the end) and drops them
 * then, so a completed transaction absorbing late retransmissions (timer K)
 * costs only its branch.
 */
#ifndef REGENT_TXN_H
#define REGENT_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

enum regent_txn_state {
	REGENT_TXN_TRYING = 0,
	REGENT_TXN_PROCEEDING,
	REGENT_TXN_COMPLETED,  /* final response seen; timer K running */
	REGENT_TXN_TERMINATED, /* done: free it */
};

struct regent_txn_timers {
	uint32_t t1_ms, t2_ms, t4_ms;
	bool reliable; /* no timer E; timer K = 0 (§17.1.2.2) */
};

/* Branch: "z9hG4bK" + up to 32 more chars. */
#define REGENT_TXN_BRANCH_MAX 40

struct regent_txn {
	enum regent_txn_state state;
	struct regent_txn_timers tm;
	char branch[REGENT_TXN_BRANCH_MAX];
	char method[16];
	char *req; /* owned copy for retransmission; NULL once completed */
	size_t req_len;
	uint32_t interval_e; /* current timer E interval */
	uint64_t timer_e;    /* absolute ms, UINT64_MAX off */
	uint64_t timer_f;
	uint64_t timer_k;
	uint32_t retransmissions;
};

/* What the caller must do after an input. */
enum regent_txn_action {
	REGENT_TXN_ACT_NONE = 0,
	REGENT_TXN_ACT_SEND,	/* (re)send regent_txn_request() */
	REGENT_TXN_ACT_DELIVER, /* pass the response up (provisional or final) */
	REGENT_TXN_ACT_ABSORB,	/* a retransmitted response: drop it silently */
	REGENT_TXN_ACT_TIMEOUT, /* timer F: synthesize 408 (terminated) */
	REGENT_TXN_ACT_DONE,	/* timer K ended or already done: free it */
};

/* Starts a transaction for `req` (copied). The caller sends it once now (the
 * function returns with timers armed as if sent at `now`). EINVAL on a bad
 * branch/method, ENOMEM. */
int regent_txn_start(struct regent_txn *t, const struct regent_txn_timers *tm, const char *branch,
		     const char *method, const char *req, size_t len, uint64_t now);

/* Bounds the transaction by `ms` from `now` instead of timer F (64*T1):
 * regent_ua_options.transaction_timeout_ms. 0 keeps timer F. */
void regent_txn_bound(struct regent_txn *t, uint32_t ms, uint64_t now);

/* Frees the retransmission copy (the struct itself belongs to the caller). */
void regent_txn_close(struct regent_txn *t);

/* Does a response with this top Via branch and CSeq method belong here?
 * (§17.1.3: branch and method.) */
bool regent_txn_matches(const struct regent_txn *t, struct regent_pl branch,
			struct regent_pl method);

/* A matching response arrived. */
enum regent_txn_action regent_txn_response(struct regent_txn *t, uint16_t status, uint64_t now);

/* Timers: call when now >= regent_txn_deadline(). Returns SEND (timer E),
 * TIMEOUT (timer F), DONE (timer K) or NONE. */
enum regent_txn_action regent_txn_timer(struct regent_txn *t, uint64_t now);

/* The transport failed to take the request (§17.1.4): terminated at once. */
void regent_txn_transport_error(struct regent_txn *t);

/* Absolute ms of the next timer, UINT64_MAX for none. */
uint64_t regent_txn_deadline(const struct regent_txn *t);

/* A completed transaction reduced to what timer K needs (§17.1.2.2): it
 * only absorbs retransmitted final responses, so it keeps its branch, its
 * method (§17.1.3 matching) and the deadline, in one allocation sized to
 * them (about 50 bytes instead of a whole transaction: a load client keeps
 * one per registration for T4 after each exchange). */
struct regent_txn_done {
	uint64_t timer_k; /* absolute ms: free it then */
	char key[];	  /* branch NUL method NUL */
};

/* The record of a COMPLETED transaction t (t itself is left as it is).
 * EINVAL if t is not completed, ENOMEM. */
int regent_txn_done_make(struct regent_txn_done **dp, const struct regent_txn *t);

/* Does a response with this branch and CSeq method belong to d? */
bool regent_txn_done_matches(const struct regent_txn_done *d, struct regent_pl branch,
			     struct regent_pl method);

#endif /* REGENT_TXN_H */

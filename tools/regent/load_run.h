/*
 * load_run — the state of one `regent load` run, shared by its driver
 * (cmd_load.c: sockets, loop, pace, stop), its event handler
 * (load_events.c: what each Registerer's events count) and its sockets
 * (load_sock.c).
 */
#ifndef REGENT_LOAD_RUN_H
#define REGENT_LOAD_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "load_accounts.h"
#include "load_opts.h"
#include "load_pace.h"
#include "load_report.h"
#include "load_stats.h"
#include "load_sock.h"

enum load_phase {
	LOAD_NEW = 0,	  /* not started */
	LOAD_REGISTERING, /* initial registration in progress */
	LOAD_LIVE,	  /* registered once; refreshed by the library */
	LOAD_FAILED,	  /* initial registration failed: freed, not retried */
	LOAD_DONE,	  /* disposed (TERMINATED) and freed */
};

struct load_run;

/* One account: what is needed to time its exchanges, no more (56 bytes). */
struct load_acct {
	struct regent_registerer *r;
	struct load_run *run;
	uint64_t t_sent_us; /* the exchange in progress: first REGISTER sent */
	uint64_t t_2xx_ms;  /* the last 2xx: start of the refresh window */
	uint32_t granted_s; /* expiry it granted */
	int32_t last_err;   /* local cause of the last final response */
	uint16_t last_status;
	uint8_t phase;
	bool waiting : 1, last_local : 1, refreshing : 1, late : 1, unreg : 1;
};

struct load_run {
	struct load_opts *o;
	struct load_accounts acc;
	struct load_acct *accts;
	uint64_t n, next;     /* accounts; the next to start */
	uint64_t pending;     /* started, not yet registered nor failed */
	uint64_t outstanding; /* Registerers not yet freed */
	uint64_t inflight;    /* Registerers waiting for a final response */
	struct load_sock *socks;
	uint32_t nsocks;
	struct load_stats st;
	struct load_report rep;
	struct load_pace pace;
	int sigfd, signo, signals;
	uint64_t dispose_next; /* teardown: next account to dispose */
	uint32_t refresh_pct;
	bool reported_alloc_error;
};

/* Starts the next account (alloc + REGISTER); false when none is left. */
bool load_start_next(struct load_run *run);
/* The Registerers' event handler (event_arg: the struct load_acct). */
void load_on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg);
/* Teardown: dispose of the next account that has a binding or an exchange;
 * false when none is left. */
bool load_dispose_next(struct load_run *run);
/* Frees a Registerer that will not be disposed (deadline passed, or
 * --no-unregister); with `count`, a binding it leaves is counted as an
 * un-REGISTER not sent. */
void load_abandon(struct load_run *run, struct load_acct *a, bool count);

/* `regent load --merge FILE...` (load_merge.c); returns the exit code. */
int load_merge(const struct load_opts *o);

/* The exit code for these counts under --max-failures. */
int load_exit_code(const struct load_opts *o, const struct load_stats *s);

#endif /* REGENT_LOAD_RUN_H */

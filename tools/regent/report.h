/*
 * report — how `regent register|unregister|query` tell a person or a program
 * what happened: one readable line per event (with a live status line on a
 * TTY), or one JSON object per event on stdout (--json), and the full SIP
 * trace on stderr (-v).
 */
#ifndef REGENT_CLI_REPORT_H
#define REGENT_CLI_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "regent.h"

enum regent_report_mode {
	REGENT_REPORT_TEXT = 0,
	REGENT_REPORT_JSON,
};

struct regent_report {
	enum regent_report_mode mode;
	bool verbose;	   /* -v: SIP trace on stderr */
	bool quiet;	   /* -q: errors only */
	bool live;	   /* stdout is a TTY: keep a status line at the bottom */
	bool status_shown; /* a status line is on screen and must be erased first */
	uint64_t t0_ms;	   /* start, CLOCK_MONOTONIC */
	/* state for the live status line */
	enum regent_registerer_state state;
	bool waiting;
	uint64_t expires_at_ms; /* binding expiry as granted; 0 unknown */
	uint64_t retry_at_ms;	/* a retry is scheduled for then; 0 none */
	uint32_t last_granted;	/* expiry of the last 2xx, for REFRESHED */
	FILE *out;
	FILE *err;
	/* to say when the next refresh comes (the refresh policy of reg/policy.h
	 * over the granted expiry; the flow's transport from the 2xx's event) */
	bool refresh_hint;
	uint32_t refresh_pct, t1_ms;
	bool reliable;
	enum regent_send_reason last_reason; /* of the last REGISTER sent */
	int64_t retry_after; /* Retry-After of the last failure (s), -1 none; set by the caller */
	bool bindings_asked; /* the bindings are the command's data (query): kept with -q */
	bool out_failed;     /* a write to stdout failed (closed pipe): the caller stops */
	uint64_t sent_at_us; /* of the last REGISTER sent, for the round-trip time */
	uint64_t rtt_us;     /* of the last final response */
	/* the cause of the last local failure: machine code and words */
	const char *cause;
	char cause_text[256];
	/* responses the UA dropped unused (regent_report_drop): counted, with
	 * the reason and the peer of the last of each kind */
	uint64_t dropped_malformed, dropped_unmatched;
	char malformed_why[200], unmatched_why[200];
	/* issue 13 item 3. outbound_asked: the Contact had +sip.instance and
	 * reg-id, so each 2xx says whether the registrar confirmed outbound
	 * (a line when that changes; "outbound" in JSON); outbound_seen: -1
	 * not yet, 0 no, 1 yes. flow_reg_id/flow_server: this report is one of
	 * two flows (two --server): text lines start "[reg-id N via S] ", JSON
	 * objects carry "reg_id" and "server". */
	bool outbound_asked;
	int outbound_seen;
	uint32_t flow_reg_id;
	const char *flow_server;
};

/* What a local failure (an event's error code: errno or REGENT_E*) means, in
 * plain words naming the peer when known, into words[n]; returns the
 * machine-readable cause ("connection_refused", "dns", "tls_verify", ...). */
const char *regent_report_cause(const struct regent_event *ev, char *words, size_t n);

/* The UA's drop handler (regent_ua_options.drop_h; arg: the report). */
void regent_report_drop(const struct regent_drop *d, void *arg);

/* "3 messages dropped as malformed: Via: empty parameter at 217 (UDP
 * 127.0.0.1:5060)" for the final error; "" when none was dropped. */
void regent_report_dropped_words(const struct regent_report *rp, char *buf, size_t n);

/* The CLI's one monotonic clock (CLOCK_MONOTONIC), in microseconds and in
 * milliseconds, for its own bookkeeping. */
uint64_t regent_report_now_us(void);
uint64_t regent_report_now_ms(void);

void regent_report_init(struct regent_report *rp, enum regent_report_mode mode, bool verbose,
			bool quiet);

/* One registerer event (the registerer's event callback forwards here). */
void regent_report_event(struct regent_report *rp, const struct regent_event *ev);

/* The bindings of the last 2xx (regent query). */
/* The bindings of the last 2xx, with their GRUUs (RFC 5627), and its
 * Service-Route (RFC 3608; NULL: none). */
void regent_report_bindings(struct regent_report *rp, const struct regent_binding *b, size_t n,
			    const char *service_route);

/* A plain note ("unregistering", "signal: interrupt"). kind is the JSON event name. */
void regent_report_note(struct regent_report *rp, const char *kind, const char *text);

/* An error line: on stderr always, and as {"event":"error"} with --json. */
void regent_report_error(struct regent_report *rp, int exit_code, const char *text);

/* The final line: exit code and why. */
void regent_report_exit(struct regent_report *rp, int exit_code, const char *why);

/* Redraws the live status line (TTY only; a no-op otherwise). */
void regent_report_tick(struct regent_report *rp);

/* Erases the live status line (before exiting). */
void regent_report_clear(struct regent_report *rp);

/* Log callback for the UA (regent_log_h): library logs on stderr. */
void regent_report_log(enum regent_log_level level, const char *line, void *arg);

/* Writes `s` as a JSON string (with quotes) to f; len may be (size_t)-1 for NUL-terminated. */
void regent_json_string(FILE *f, const char *s, size_t len);

#endif /* REGENT_CLI_REPORT_H */

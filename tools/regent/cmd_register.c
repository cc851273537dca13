/*
 * cmd_register.c — `regent register`, `regent unregister`, `regent query`.
 *
 * One UA (regent's own I/O), one Registerer (two with --server twice: reg-id
 * 1 and 2 over two flows, RFC 5626 §4.2; the first decides the outcome),
 * the default epoll loop, and a signalfd for SIGINT/SIGTERM watched by that
 * loop. The registerer's events
 * drive the output (report.c) and the decision to stop; the process exit code
 * says how it ended:
 *   0 success, 1 rejected (final 4xx/5xx/6xx, auth failed), 2 usage,
 *   3 network / DNS / timeout, 4 TLS verification failed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_register.h"
#include "opts.h"
#include "report.h"

/* Longest a single REGISTER exchange can take (64·T1 with T1 up to 60 s would
 * be absurd; this bounds unregister/query whatever the timers say). */
#define EXCHANGE_BOUND_MS 120000u

struct run {
	struct regent_cli_opts *o;
	struct regent_report rep;
	struct regent_ua *ua;
	struct regent_loop *loop;
	struct regent_registerer *reg;
	int sigfd;
	int signo;
	unsigned nsignals; /* SIGINT/SIGTERM/SIGHUP received */
	bool out_closed;   /* stdout's reader went away (`| head -2`) */
	bool out_watched;  /* stdout is watched for that in the loop */
	char realm[96];	   /* of the last challenge (401/407), for the words */

	enum regent_send_reason last_reason; /* of the last REGISTER sent */
	/* regent.h's ordering guarantee: a follow-up to a failure (auth or 423
	 * retry, redirect, WILL_RETRY) comes before WAITING_CHANGED(false), so
	 * a failure still unanswered then is the outcome */
	bool fail_open; /* a final failure, no follow-up seen yet */
	bool failed;	/* ... and the exchange ended on it */
	int fail_code;	/* exit code of the last final failure; 0 none */
	char fail_text[192];
	bool got_2xx; /* a 2xx arrived since the last REGISTER was sent */
	bool ever_registered;
	uint16_t last_status; /* of the last final response */
	bool give_up;	      /* rejected before ever registering: retrying will not help */
	/* --max-unregistered (issue 11 §3b): time spent not registered */
	uint64_t unreg_since; /* when the current unregistered spell began; 0: registered */
	uint64_t unreg_ms;    /* earlier spells, in all */
	/* --check-reachability: asked once registered; the outcome */
	bool reach_asked, reach_done, reachable;
	/* two --server (issue 13 item 3): the second flow, reg-id 2 of the
	 * same instance via servers[1], with a report of its own; `reg` is
	 * reg-id 1 via servers[0] and decides the outcome as with one flow */
	struct regent_registerer *reg2;
	struct regent_report rep2;
};

/* The exit code a lost registration stands for when no failure said more
 * (issue 11 §3b): the flow's cause (TLS, network), else the registrar's. */
static int lost_code(const struct regent_event *ev)
{
	if (ev->error == REGENT_ETLSVERIFY)
		return REGENT_EXIT_TLS;
	return ev->error ? REGENT_EXIT_NETWORK : REGENT_EXIT_REJECTED;
}

/* Milliseconds not registered since the start, the current spell included. */
static uint64_t unregistered_ms(const struct run *r)
{
	uint64_t now = regent_report_now_ms();

	return r->unreg_ms + (r->unreg_since && now > r->unreg_since ? now - r->unreg_since : 0);
}

/* Before the first success, an answer that says "not you, not like this"
 * (4xx other than 408 timeout and 429 overload, or 6xx) ends the command:
 * an operator's typo should not back off for ever. Once registered, the
 * agent keeps retrying like a device would. */
static bool rejects_for_good(uint16_t status)
{
	if (status >= 600)
		return true;
	return status >= 400 && status < 500 && status != 408 && status != 429;
}

/* Exit code a final failure response stands for. Locally synthesized
 * responses (408 timeout, 503 transport error) are network failures unless
 * their cause (the event's error) is a failed TLS verification. */
static int exit_code_for(const struct regent_event *ev)
{
	if (!ev->local)
		return REGENT_EXIT_REJECTED;
	if (ev->error == REGENT_ETLSVERIFY)
		return REGENT_EXIT_TLS;
	return REGENT_EXIT_NETWORK;
}

/* realm="..." of a challenge, for "credentials rejected for realm ..." */
static void note_realm(struct run *r, const struct regent_event *ev)
{
	static const char key[] = "realm=\"";
	const char *m = ev->msg, *end = ev->msg + ev->msg_len;

	for (; m && m + sizeof(key) <= end; m++) {
		if (!strncasecmp(m, key, sizeof(key) - 1)) {
			const char *v = m + sizeof(key) - 1, *q = memchr(v, '"', (size_t)(end - v));

			if (q)
				snprintf(r->realm, sizeof(r->realm), "%.*s", (int)(q - v), v);
			return;
		}
	}
}

/* The registerer is about to back off from an answer that ends the command
 * (rejects_for_good): its "will retry in N s" would be printed right before
 * exiting, so it is not printed at all. */
static bool gives_up_now(const struct run *r, const struct regent_event *ev)
{
	return ev->type == REGENT_EV_WILL_RETRY && !r->ever_registered &&
	       r->fail_code == REGENT_EXIT_REJECTED && rejects_for_good(r->last_status);
}

static void on_event(struct regent_registerer *reg, const struct regent_event *ev, void *arg)
{
	struct run *r = arg;

	r->rep.retry_after = regent_registerer_retry_after(reg);
	if (ev->type == REGENT_EV_RESPONSE && (ev->status == 401 || ev->status == 407))
		note_realm(r, ev);
	if (!gives_up_now(r, ev))
		regent_report_event(&r->rep, ev);
	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		r->last_reason = ev->reason;
		r->fail_open = false;
		r->failed = false;
		r->got_2xx = false;
		break;
	case REGENT_EV_RESPONSE:
		r->last_status = ev->status;
		if (ev->status >= 200 && ev->status < 300) {
			r->got_2xx = true;
			r->fail_open = false;
			r->fail_code = 0;
			if (r->last_reason != REGENT_SEND_UNREGISTER &&
			    r->last_reason != REGENT_SEND_QUERY) {
				/* a 2xx registers only if it lists our binding: until
				 * the state says Registered, it counts as a failure */
				r->fail_open = true;
				r->fail_code = REGENT_EXIT_REJECTED;
				snprintf(r->fail_text, sizeof(r->fail_text),
					 "%u %s without our binding", (unsigned)ev->status,
					 ev->phrase ? ev->phrase : "");
			}
			regent_loop_stop(r->loop);
		} else if (ev->status >= 300) {
			r->fail_open = true;
			r->fail_code = exit_code_for(ev);
			snprintf(r->fail_text, sizeof(r->fail_text), "%u %s%s",
				 (unsigned)ev->status, ev->phrase ? ev->phrase : "",
				 ev->local ? " (local)" : "");
			regent_loop_stop(r->loop);
		}
		break;
	case REGENT_EV_WILL_RETRY:
		r->fail_open = false;
		if (ev->why && r->fail_code == REGENT_EXIT_REJECTED)
			snprintf(r->fail_text, sizeof(r->fail_text), "%s", ev->why);
		if (!r->ever_registered && r->fail_code == REGENT_EXIT_REJECTED &&
		    rejects_for_good(r->last_status)) {
			r->give_up = true;
			regent_loop_stop(r->loop);
		}
		break;
	case REGENT_EV_REFRESHED:
		r->fail_open = false;
		r->fail_code = 0;
		break;
	case REGENT_EV_REACHABILITY:
		r->reach_done = true;
		r->reachable = ev->reachable;
		regent_loop_stop(r->loop);
		break;
	case REGENT_EV_STATE_CHANGED:
		if (ev->state == REGENT_REG_REGISTERED && r->unreg_since) {
			r->unreg_ms = unregistered_ms(r);
			r->unreg_since = 0;
		} else if (ev->old_state == REGENT_REG_REGISTERED) {
			r->unreg_since = regent_report_now_ms();
		}
		if (ev->state == REGENT_REG_REGISTERED) {
			r->ever_registered = true;
			r->fail_open = false;
			r->fail_code = 0;
		}
		regent_loop_stop(r->loop);
		break;
	case REGENT_EV_REGISTRATION_LOST:
		if (!r->fail_code) { /* lost with no failure reported: still a failure */
			r->fail_code = lost_code(ev);
			snprintf(r->fail_text, sizeof(r->fail_text), "registration lost (%s)",
				 ev->why ? ev->why : "unknown");
		}
		regent_loop_stop(r->loop);
		break;
	case REGENT_EV_WAITING_CHANGED:
		if (!ev->waiting && r->fail_open) {
			r->failed = true;
			regent_loop_stop(r->loop);
		}
		break;
	default:
		break;
	}
}

/* The second flow's events: reported under its reg-id and server. The
 * outcome is the first flow's; this one's state is read where it matters
 * (--once, the end). Each event wakes the loop so that it is read. */
static void on_event2(struct regent_registerer *reg, const struct regent_event *ev, void *arg)
{
	struct run *r = arg;

	r->rep2.retry_after = regent_registerer_retry_after(reg);
	regent_report_event(&r->rep2, ev);
	if (ev->type == REGENT_EV_STATE_CHANGED || ev->type == REGENT_EV_WAITING_CHANGED)
		regent_loop_stop(r->loop);
}

static void on_signal(int fd, int revents, void *arg)
{
	struct run *r = arg;
	struct signalfd_siginfo si;

	(void)revents;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		r->signo = (int)si.ssi_signo;
		r->nsignals++;
	}
	regent_loop_stop(r->loop);
}

/* stdout is a pipe or socket whose reader went away (POLLERR on the write
 * end): the run ends the way a signal ends it. Watched for no readiness, so
 * only the error wakes the loop; unwatched at once (it stays raised). */
static void on_stdout(int fd, int revents, void *arg)
{
	struct run *r = arg;

	(void)revents;
	r->out_closed = true;
	regent_loop_unwatch_fd(r->loop, fd);
	r->out_watched = false;
	regent_loop_stop(r->loop);
}

/* Writes failed (EPIPE: SIGPIPE is ignored) or the reader is gone. */
static bool out_gone(struct run *r)
{
	return r->out_closed || r->rep.out_failed;
}

/* A final failure with no retry, auth answer or refresh coming after it. */
static bool failed_for_good(struct run *r)
{
	if (!r->failed)
		return false;
	if (regent_registerer_waiting(r->reg))
		return false;
	return regent_registerer_state(r->reg) != REGENT_REG_REGISTERED;
}

/* Runs the loop for at most ms, redrawing the status line. */
static void pump(struct run *r, uint64_t ms)
{
	if (ms > 1000)
		ms = 1000;
	regent_loop_run(r->loop, (int)ms);
	regent_report_tick(&r->rep);
}

static const char *cmd_word(enum regent_cli_cmd cmd)
{
	return cmd == REGENT_CLI_REGISTER ? "register"
	       : cmd == REGENT_CLI_QUERY  ? "query"
					  : "unregister";
}

/* A refusal of the library's validation names the C field
 * (refresh_frequency): the CLI user typed --refresh-frequency. */
static int setup_error(struct run *r, int code, const char *text)
{
	char msg[400];

	regent_cli_flag_names(msg, sizeof(msg), text);
	regent_report_error(&r->rep, code, msg);
	if (code == REGENT_EXIT_USAGE) {
		fprintf(stderr, "Try 'regent %s --help'.\n", cmd_word(r->o->cmd));
	}
	return code;
}

/* Two --server (RFC 5626 §4.2, §5.3): the same AOR and instance over a
 * second flow, reg-id 2 via servers[1]; its own keep-alives, failure
 * detection and back-off come with its flow. */
static int second_flow(struct run *r, struct regent_cli_opts *o, struct regent_error *err)
{
	struct regent_registerer_options ro = o->reg;

	r->rep.flow_reg_id = 1;
	r->rep.flow_server = o->servers[0];
	regent_report_init(&r->rep2, o->json ? REGENT_REPORT_JSON : REGENT_REPORT_TEXT, o->verbose,
			   o->quiet);
	r->rep2.live = false; /* one status line: the first flow's */
	r->rep2.t0_ms = r->rep.t0_ms;
	r->rep2.refresh_hint = r->rep.refresh_hint;
	r->rep2.refresh_pct = r->rep.refresh_pct;
	r->rep2.t1_ms = r->rep.t1_ms;
	r->rep2.outbound_asked = true;
	r->rep2.flow_reg_id = 2;
	r->rep2.flow_server = o->servers[1];
	ro.reg_id = 2;
	ro.server = o->servers[1];
	ro.event_h = on_event2;
	ro.event_arg = r;
	ro.log_configuration = false; /* the same but reg_id and server */
	return regent_registerer_alloc(&r->reg2, r->ua, &ro, err);
}

static int setup(struct run *r, struct regent_cli_opts *o)
{
	struct regent_error err = {0};
	sigset_t set;
	int e;

	r->o = o;
	r->sigfd = -1;
	regent_report_init(&r->rep, o->json ? REGENT_REPORT_JSON : REGENT_REPORT_TEXT, o->verbose,
			   o->quiet);

	r->rep.refresh_hint = o->cmd == REGENT_CLI_REGISTER && !o->once;
	r->rep.bindings_asked = o->cmd == REGENT_CLI_QUERY;
	r->rep.refresh_pct = o->reg.refresh_frequency;
	r->rep.t1_ms = o->ua.t1_ms;
	r->rep.outbound_asked = o->reg.reg_id != 0; /* +sip.instance and reg-id */
	o->ua.log_h = regent_report_log;
	o->ua.drop_h = regent_report_drop;
	o->ua.drop_arg = &r->rep;
	o->ua.log_arg = &r->rep;
	/* -v: the library's TRACE level carries every message sent and received,
	 * retransmissions included, on stderr */
	/* the library logs at INFO, TRACE with -v (every message sent and
	 * received, retransmissions included); report.c applies -q */
	o->ua.log_level = o->verbose ? REGENT_LOG_TRACE : REGENT_LOG_INFO;
	o->reg.event_h = on_event;
	o->reg.event_arg = r;
	if (o->cmd != REGENT_CLI_REGISTER || o->once) {
		/* one exchange: its outcome is the answer, nothing to retry later */
		o->reg.auto_retry = false;
		o->reg.auto_refresh = false;
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		regent_report_error(&r->rep, REGENT_EXIT_NETWORK, "sigprocmask failed");
		return REGENT_EXIT_NETWORK;
	}
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0) {
		regent_report_error(&r->rep, REGENT_EXIT_NETWORK, "signalfd failed");
		return REGENT_EXIT_NETWORK;
	}

	e = regent_ua_alloc(&r->ua, &o->ua, &err);
	if (e) {
		int code = e == EINVAL		    ? REGENT_EXIT_USAGE
			   : e == REGENT_ETLSVERIFY ? REGENT_EXIT_TLS
						    : REGENT_EXIT_NETWORK;

		return setup_error(r, code, err.text[0] ? err.text : regent_strerror(e));
	}
	e = regent_loop_alloc(&r->loop);
	if (!e)
		e = regent_loop_add_ua(r->loop, r->ua);
	if (!e)
		e = regent_loop_watch_fd(r->loop, r->sigfd, REGENT_POLL_IN, on_signal, r);
	if (!e) {
		struct stat st;

		if (!fstat(STDOUT_FILENO, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
			e = regent_loop_watch_fd(r->loop, STDOUT_FILENO, 0, on_stdout, r);
			r->out_watched = !e;
		}
	}
	if (e) {
		regent_report_error(&r->rep, REGENT_EXIT_NETWORK, regent_strerror(e));
		return REGENT_EXIT_NETWORK;
	}
	if (o->n_servers == 2)
		o->reg.server = o->servers[0];
	e = regent_registerer_alloc(&r->reg, r->ua, &o->reg, &err);
	if (!e && o->n_servers == 2)
		e = second_flow(r, o, &err);
	if (e) {
		int code = e == EINVAL ? REGENT_EXIT_USAGE : REGENT_EXIT_NETWORK;

		return setup_error(r, code, err.text[0] ? err.text : regent_strerror(e));
	}
	/* the UA's part of the configuration dump (issue 13) */
	if (o->reg.log_configuration)
		regent_report_log(REGENT_LOG_INFO,
				  o->ua.watch_network ? "  watch_network: true (rtnetlink)"
						      : "  watch_network: false",
				  &r->rep);
	return 0;
}

static void teardown(struct run *r)
{
	regent_report_clear(&r->rep);
	if (r->reg2)
		regent_registerer_free(r->reg2);
	if (r->reg)
		regent_registerer_free(r->reg);
	if (r->loop && r->sigfd >= 0)
		regent_loop_unwatch_fd(r->loop, r->sigfd);
	if (r->loop && r->out_watched)
		regent_loop_unwatch_fd(r->loop, STDOUT_FILENO);
	if (r->loop && r->ua)
		regent_loop_remove_ua(r->loop, r->ua);
	if (r->ua)
		regent_ua_free(r->ua);
	if (r->loop)
		regent_loop_free(r->loop);
	if (r->sigfd >= 0)
		close(r->sigfd);
}

/* The final words of a failure: the cause of a local one first (not the
 * library's 503), "no password given" for a challenge without credentials
 * (exit 2: the user's input is missing, the registrar did nothing wrong),
 * one wording for rejected credentials with and without --once, and the
 * responses dropped as malformed, counted. */
static int final_words(struct run *r, int code, const char **why, char *buf, size_t n)
{
	struct regent_ua_stats st;
	bool challenge = r->last_status == 401 || r->last_status == 407;

	if ((code == REGENT_EXIT_NETWORK || code == REGENT_EXIT_TLS) && r->rep.cause &&
	    *why == r->fail_text) {
		/* --timeout is the transaction's bound (transaction_timeout_ms) */
		if (r->o->timeout_s && !strcmp(r->rep.cause, "timeout"))
			snprintf(buf, n, "%.200s: no final response in %u s (--timeout)",
				 r->rep.cause_text, (unsigned)r->o->timeout_s);
		else
			snprintf(buf, n, "%s", r->rep.cause_text);
		*why = buf;
	} else if (code == REGENT_EXIT_REJECTED && challenge && *why == r->fail_text) {
		if (!r->o->ua.authorization_password && !r->o->ua.authorization_ha1) {
			*why = "no password given (REGENT_PASSWORD, --password-file or a terminal)";
			return REGENT_EXIT_USAGE;
		}
		snprintf(buf, n, "credentials rejected%s%s%s (%u %s)",
			 r->realm[0] ? " for realm \"" : "", r->realm, r->realm[0] ? "\"" : "",
			 (unsigned)r->last_status,
			 r->last_status == 401 ? "Unauthorized" : "Proxy Authentication Required");
		*why = buf;
	}
	if (code && r->ua) {
		char dropped[420], tmp[256];

		/* the UA's count is the truth; the reasons came through drop_h */
		regent_ua_stats(r->ua, &st);
		r->rep.dropped_malformed = st.malformed_dropped;
		regent_report_dropped_words(&r->rep, dropped, sizeof(dropped));
		if (dropped[0]) {
			snprintf(tmp, sizeof(tmp), "%.160s", *why);
			snprintf(buf, n, "%.160s; %s", tmp, dropped);
			*why = buf;
		}
	}
	return code;
}

static int finish(struct run *r, int code, const char *why)
{
	char words[640];

	code = final_words(r, code, &why, words, sizeof(words));
	if (code)
		regent_report_error(&r->rep, code, why);
	regent_report_exit(&r->rep, code, why);
	return code;
}

/* Graceful end: un-REGISTER (bounded by --unregister-timeout), then TERMINATED. */
static int unregister_and_exit(struct run *r, const char *why)
{
	bool was_registered = regent_registerer_state(r->reg) == REGENT_REG_REGISTERED;
	uint64_t end = regent_report_now_ms() + r->o->unregister_timeout_ms + 1000u;
	unsigned signals = r->nsignals;
	int e;

	regent_report_note(&r->rep, "note",
			   was_registered ? "unregistering" : "not registered; stopping");
	r->got_2xx = false;
	r->fail_open = false;
	r->failed = false;
	if (r->o->unregister_all_at_exit && !regent_registerer_waiting(r->reg)) {
		/* SIP.js unregister({all: true}) in the same run: same Call-ID,
		 * cached credentials, no second process (RFC 3261 §10.2.2) */
		struct regent_unregister_options uo;

		memset(&uo, 0, sizeof(uo));
		uo.all = true;
		if (regent_registerer_unregister_with(r->reg, &uo) == 0)
			was_registered = true; /* the answer to Contact: * decides */
	}
	if (r->reg2) /* its outcome is its own report's: the first flow's decides */
		(void)regent_registerer_dispose(r->reg2, r->o->unregister_timeout_ms);
	e = regent_registerer_dispose(r->reg, r->o->unregister_timeout_ms);
	if (e && e != EPERM)
		return finish(r, REGENT_EXIT_NETWORK, regent_strerror(e));
	for (;;) {
		uint64_t now = regent_report_now_ms();

		if (regent_registerer_state(r->reg) == REGENT_REG_TERMINATED &&
		    (!r->reg2 || regent_registerer_state(r->reg2) == REGENT_REG_TERMINATED))
			break;
		if (now >= end)
			return finish(r, REGENT_EXIT_NETWORK, "un-REGISTER not answered in time");
		/* any signal during the un-REGISTER (a second Ctrl-C): at once */
		if (r->nsignals != signals)
			return finish(r, REGENT_EXIT_NETWORK, "second signal: stopped at once");
		pump(r, end - now);
	}
	if (was_registered) {
		if (r->got_2xx)
			return finish(r, REGENT_EXIT_OK, why);
		if (r->fail_code)
			return finish(r, r->fail_code, r->fail_text);
		return finish(r, REGENT_EXIT_NETWORK, "un-REGISTER not confirmed");
	}
	/* not registered at the end: never 0 (issue 11 §3b), the last failure */
	if (r->fail_code)
		return finish(r, r->fail_code, r->fail_text);
	(void)why;
	return finish(r, REGENT_EXIT_NETWORK,
		      r->ever_registered ? "not registered at the end" : "never registered");
}

static void report_contacts(struct run *r)
{
	const struct regent_binding *b = NULL;
	size_t n = regent_registerer_contacts(r->reg, &b);

	regent_report_bindings(&r->rep, b, n, regent_registerer_service_route(r->reg));
}

static int run_register(struct run *r)
{
	uint64_t start = regent_report_now_ms();
	uint64_t for_end = r->o->for_s ? start + (uint64_t)r->o->for_s * 1000u : UINT64_MAX;
	int e;

	r->unreg_since = start ? start : 1; /* not registered until the first 2xx */
	e = regent_registerer_register(r->reg, NULL);
	if (!e && r->reg2)
		e = regent_registerer_register(r->reg2, NULL);
	if (e)
		return finish(r, e == EINVAL ? REGENT_EXIT_USAGE : REGENT_EXIT_NETWORK,
			      regent_strerror(e));
	for (;;) {
		uint64_t now = regent_report_now_ms();
		uint64_t wait = 1000;

		if (r->signo) {
			char why[64];

			snprintf(why, sizeof(why), "%s", strsignal(r->signo));
			return unregister_and_exit(r, why);
		}
		if (out_gone(r))
			return unregister_and_exit(r, "standard output closed");
		if (now >= for_end)
			return unregister_and_exit(r, "--for elapsed");
		/* --once is one exchange: --timeout bounds it (without --once,
		 * the library bounds each transaction: transaction_timeout_ms) */
		if (r->o->once && r->o->timeout_s &&
		    now - start >= (uint64_t)r->o->timeout_s * 1000u) {
			char why[96];

			snprintf(why, sizeof(why), "no final response in %u s (--timeout)",
				 (unsigned)r->o->timeout_s);
			return finish(r, REGENT_EXIT_NETWORK, why);
		}
		if (r->o->max_unregistered_s &&
		    unregistered_ms(r) > (uint64_t)r->o->max_unregistered_s * 1000u) {
			char why[96];

			snprintf(why, sizeof(why), "not registered for more than %u s in all",
				 r->o->max_unregistered_s);
			regent_report_note(&r->rep, "note", why);
			return unregister_and_exit(r, why);
		}
		if (r->o->check_reach && !r->reach_asked &&
		    regent_registerer_state(r->reg) == REGENT_REG_REGISTERED &&
		    !regent_registerer_waiting(r->reg)) {
			/* issue 13 item 5: the probe goes once the Registerer is
			 * idle (after a contact rewrite's re-REGISTER) */
			r->reach_asked = true;
			e = regent_registerer_check_reachability(r->reg, 5000);
			if (e) {
				r->reach_done = true;
				regent_report_note(&r->rep, "note", regent_strerror(e));
			}
		}
		if (r->o->once && regent_registerer_state(r->reg) == REGENT_REG_REGISTERED &&
		    !regent_registerer_waiting(r->reg) && (!r->o->check_reach || r->reach_done) &&
		    !regent_registerer_waiting(r->reg2)) {
			if (r->reg2 && regent_registerer_state(r->reg2) != REGENT_REG_REGISTERED)
				regent_report_note(&r->rep2, "note",
						   "this flow is not registered (the other is)");
			report_contacts(r);
			if (r->o->check_reach && !r->reachable)
				return finish(r, REGENT_EXIT_UNREACHABLE,
					      "registered but not reachable (--once: binding left "
					      "in place)");
			return finish(r, REGENT_EXIT_OK,
				      "registered (--once: binding left in place)");
		}
		if (r->give_up)
			return finish(r, r->fail_code, r->fail_text);
		if (failed_for_good(r))
			return finish(r, r->fail_code, r->fail_text);
		if (regent_registerer_state(r->reg) == REGENT_REG_TERMINATED)
			return finish(r, r->fail_code ? r->fail_code : REGENT_EXIT_NETWORK,
				      r->fail_code ? r->fail_text : "registerer terminated");
		if (for_end - now < wait)
			wait = for_end - now;
		pump(r, wait ? wait : 1);
	}
}

/* What the 2xx to an un-REGISTER says, told as it is: the registrar lists
 * the bindings it still holds (RFC 3261 §10.3 step 8), so a binding asked
 * to be removed that is still listed was not removed (exit 1), and an
 * un-REGISTER of our own Contact from a new process usually matched
 * nothing (a new local port): say so, and list what is left. */
static int unregister_outcome(struct run *r)
{
	const struct regent_binding *b = NULL;
	size_t nb = regent_registerer_contacts(r->reg, &b), n = 0, kept = 0;
	size_t asked = r->o->n_contacts;
	char why[200];

	/* a binding listed with expires 0 is on its way out: not left */
	for (size_t i = 0; i < nb; i++) {
		n += b[i].expires > 0;
		kept += b[i].kept;
	}
	if (r->o->all) {
		if (n == 0)
			return finish(r, REGENT_EXIT_OK, "every binding removed");
		report_contacts(r);
		return finish(r, REGENT_EXIT_REJECTED, "the registrar still lists bindings");
	}
	if (n > 0)
		report_contacts(r);
	if (asked > 0) {
		/* the 2xx shows they are not there now, not that they were
		 * before: "un-registered", not "removed" */
		if (kept == 0) {
			snprintf(why, sizeof(why),
				 "%zu Contact%s un-registered, none listed now; %zu binding%s left",
				 asked, asked == 1 ? "" : "s", n, n == 1 ? "" : "s");
			return finish(r, REGENT_EXIT_OK, why);
		}
		snprintf(why, sizeof(why), "%zu of %zu Contact%s not removed (still listed)", kept,
			 asked, asked == 1 ? "" : "s");
		return finish(r, REGENT_EXIT_REJECTED, why);
	}
	/* whatever is still listed is left, even one the policy calls ours
	 * by its user part: ours exactly would have gone */
	if (n == 0)
		return finish(r, REGENT_EXIT_OK, "our Contact un-registered; no binding left");
	/* Our Contact is this process's (a new local port): it matched no
	 * binding, and the ones a user meant are left. Not a success. */
	snprintf(why, sizeof(why),
		 "nothing removed: this process's Contact is new and matched no binding; "
		 "%zu binding%s still listed (remove one with --contact URI, all with --all)",
		 n, n == 1 ? "" : "s");
	return finish(r, REGENT_EXIT_REJECTED, why);
}

/* unregister and query: one exchange (with its auth round trip), then exit. */
static int run_exchange(struct run *r)
{
	uint64_t bound = r->o->timeout_s ? (uint64_t)r->o->timeout_s * 1000u : EXCHANGE_BOUND_MS;
	uint64_t end = regent_report_now_ms() + bound;
	int e;

	if (r->o->cmd == REGENT_CLI_QUERY)
		e = regent_registerer_query(r->reg);
	else if (r->o->n_contacts > 0)
		e = regent_registerer_unregister_contacts(r->reg, r->o->contacts, r->o->n_contacts,
							  NULL);
	else
		e = regent_registerer_unregister(r->reg, r->o->all, NULL);
	/* every --contact parsed already: what is left to refuse is our own */
	if (e == EINVAL && r->o->n_contacts > 0)
		return finish(r, REGENT_EXIT_USAGE,
			      "--contact: that is this process's own Contact; unregister without "
			      "--contact removes it");
	if (e)
		return finish(r, e == EINVAL ? REGENT_EXIT_USAGE : REGENT_EXIT_NETWORK,
			      regent_strerror(e));
	for (;;) {
		uint64_t now = regent_report_now_ms();

		if (r->signo)
			return finish(r, REGENT_EXIT_NETWORK, "interrupted");
		if (out_gone(r))
			return finish(r, REGENT_EXIT_NETWORK, "standard output closed");
		if (r->got_2xx && !regent_registerer_waiting(r->reg)) {
			if (r->o->cmd == REGENT_CLI_QUERY) {
				report_contacts(r);
				return finish(r, REGENT_EXIT_OK, "bindings listed");
			}
			return unregister_outcome(r);
		}
		if (r->failed && !regent_registerer_waiting(r->reg))
			return finish(r, r->fail_code, r->fail_text);
		if (now >= end) {
			char why[96];

			snprintf(why, sizeof(why), "no final response in %llu s%s",
				 (unsigned long long)(bound / 1000u),
				 r->o->timeout_s ? " (--timeout)" : "");
			return finish(r, REGENT_EXIT_NETWORK, why);
		}
		pump(r, end - now);
	}
}

static int run_cmd(enum regent_cli_cmd cmd, int argc, char **argv)
{
	struct regent_cli_opts o;
	struct run r;
	int code;

	memset(&r, 0, sizeof(r));
	code = regent_cli_opts_parse(&o, cmd, argc, argv);
	if (code) {
		regent_cli_opts_release(&o);
		return code < 0 ? REGENT_EXIT_OK : code;
	}
	code = setup(&r, &o);
	if (!code)
		code = cmd == REGENT_CLI_REGISTER ? run_register(&r) : run_exchange(&r);
	teardown(&r);
	regent_cli_opts_release(&o);
	return code;
}

int regent_cmd_register(int argc, char **argv)
{
	return run_cmd(REGENT_CLI_REGISTER, argc, argv);
}

int regent_cmd_unregister(int argc, char **argv)
{
	return run_cmd(REGENT_CLI_UNREGISTER, argc, argv);
}

int regent_cmd_query(int argc, char **argv)
{
	return run_cmd(REGENT_CLI_QUERY, argc, argv);
}

/*
 * report.c — event output of the register/unregister/query commands.
 *
 * Text mode prints one line per event, prefixed with the seconds since start;
 * on a TTY a status line ("registered, expires in 42 s") is kept at the bottom
 * and redrawn once a second. JSON mode prints exactly one object per line on
 * stdout and nothing else there, so `regent register --json | jq` works.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "report.h"

uint64_t regent_report_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t regent_report_now_ms(void)
{
	return regent_report_now_us() / 1000u;
}

void regent_report_init(struct regent_report *rp, enum regent_report_mode mode, bool verbose,
			bool quiet)
{
	memset(rp, 0, sizeof(*rp));
	rp->mode = mode;
	rp->verbose = verbose;
	rp->quiet = quiet;
	rp->out = stdout;
	rp->err = stderr;
	rp->live = mode == REGENT_REPORT_TEXT && !quiet && isatty(STDOUT_FILENO);
	rp->t0_ms = regent_report_now_ms();
	rp->state = REGENT_REG_INITIAL;
	rp->retry_after = -1;
	rp->outbound_seen = -1;
}

/* Invalid UTF-8 becomes U+FFFD so that the output is always valid JSON
 * (RFC 8259 §8.1): reason phrases and URIs come from the network as bytes.
 * The one JSON string writer of the CLI (`regent parse --json` uses it too). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n = c >= 0xf0 && c <= 0xf4  ? 4
		   : c >= 0xe0 && c < 0xf0 ? 3
		   : c >= 0xc2 && c < 0xe0 ? 2
					   : 0;

	if (!n || n > left)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	}
	if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, or a UTF-16 surrogate */
	if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
		return 0; /* overlong, or beyond U+10FFFF */
	return n;
}

void regent_json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	if (len == (size_t)-1)
		len = strlen(s);
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else if ((n = utf8_len(p + i, len - i)) != 0) {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		} else {
			fputs("\\ufffd", f);
		}
		i++;
	}
	fputc('"', f);
}

/* Every write to stdout ends with this: a closed pipe (`| head -2`, EPIPE
 * with SIGPIPE ignored) or a full disk is noticed, and the command ends the
 * way a signal ends it (cmd_register.c). */
static void flush_out(struct regent_report *rp)
{
	if (fflush(rp->out) != 0 || ferror(rp->out))
		rp->out_failed = true;
}

static double elapsed(const struct regent_report *rp)
{
	return (double)(regent_report_now_ms() - rp->t0_ms) / 1000.0;
}

void regent_report_clear(struct regent_report *rp)
{
	if (!rp->status_shown)
		return;
	fputs("\r\033[K", rp->out);
	flush_out(rp);
	rp->status_shown = false;
}

/* Starts a text line: erases the status line, prints the time stamp. */
static bool text_begin(struct regent_report *rp)
{
	if (rp->mode != REGENT_REPORT_TEXT || rp->quiet)
		return false;
	regent_report_clear(rp);
	fprintf(rp->out, "[%7.3f] ", elapsed(rp));
	if (rp->flow_server != NULL)
		fprintf(rp->out, "[reg-id %" PRIu32 " via %s] ", rp->flow_reg_id, rp->flow_server);
	return true;
}

static void text_end(struct regent_report *rp)
{
	fputc('\n', rp->out);
	flush_out(rp);
	regent_report_tick(rp);
}

static void json_begin(struct regent_report *rp, const char *event)
{
	fprintf(rp->out, "{\"time\":%.3f,\"event\":", elapsed(rp));
	regent_json_string(rp->out, event, (size_t)-1);
	if (rp->flow_server != NULL) {
		fprintf(rp->out, ",\"reg_id\":%" PRIu32 ",\"server\":", rp->flow_reg_id);
		regent_json_string(rp->out, rp->flow_server, (size_t)-1);
	}
}

static void json_end(struct regent_report *rp)
{
	fputs("}\n", rp->out);
	flush_out(rp);
}

static const char *lower_state(enum regent_registerer_state s)
{
	switch (s) {
	case REGENT_REG_INITIAL:
		return "initial";
	case REGENT_REG_REGISTERED:
		return "registered";
	case REGENT_REG_UNREGISTERED:
		return "unregistered";
	case REGENT_REG_TERMINATED:
		return "terminated";
	}
	return "unknown";
}

/* When the next refresh comes after a 2xx granting `expires`: the refresh
 * policy's window between its jitter extremes. False when no refresh follows. */
static bool refresh_window(const struct regent_report *rp, uint32_t expires, uint64_t *lo,
			   uint64_t *hi)
{
	uint32_t margin;
	uint64_t a, b;

	if (!rp->refresh_hint || !expires || rp->last_reason == REGENT_SEND_UNREGISTER ||
	    rp->last_reason == REGENT_SEND_QUERY)
		return false;
	margin = regent_reg_refresh_margin_ms(rp->reliable, rp->t1_ms);
	a = regent_reg_refresh_ms(expires, rp->refresh_pct, margin, 0);
	b = regent_reg_refresh_ms(expires, rp->refresh_pct, margin, 65535);
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
	return true;
}

/* ", next refresh in 2.9-3.0 s" */
static void refresh_hint(struct regent_report *rp, uint32_t expires)
{
	uint64_t a, b;

	if (!refresh_window(rp, expires, &a, &b))
		return;
	if (b - a < 100)
		fprintf(rp->out, ", next refresh in %.1f s", (double)b / 1000.0);
	else
		fprintf(rp->out, ", next refresh in %.1f-%.1f s", (double)a / 1000.0,
			(double)b / 1000.0);
}

/* REFRESHED may leave granted_expires to the RESPONSE event before it. */
static uint32_t granted(const struct regent_report *rp, const struct regent_event *ev)
{
	return ev->granted_expires ? ev->granted_expires : rp->last_granted;
}

/* "127.0.0.1:5060 (udp)" of the event's flow, or "the registrar". */
static void flow_words(const struct regent_event *ev, char *peer, size_t n)
{
	char tp[8];
	const char *name = regent_transport_name(ev->flow_transport);
	size_t i;

	for (i = 0; i + 1 < sizeof(tp) && name[i]; i++)
		tp[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	tp[i] = '\0';
	if (ev->flow_peer_host != NULL && ev->flow_peer_host[0])
		snprintf(peer, n, strchr(ev->flow_peer_host, ':') ? "[%s]:%u (%s)" : "%s:%u (%s)",
			 ev->flow_peer_host, (unsigned)ev->flow_peer_port, tp);
	else if (ev->dns_name != NULL && ev->dns_name[0])
		snprintf(peer, n, "%.128s (%s)", ev->dns_name, tp);
	else
		snprintf(peer, n, "the registrar");
}

const char *regent_report_cause(const struct regent_event *ev, char *words, size_t n)
{
	char peer[200];
	int error = ev->error;

	flow_words(ev, peer, sizeof(peer));
	switch (error) {
	case ECONNREFUSED:
		snprintf(words, n, "connection refused by %s", peer);
		return "connection_refused";
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED:
		snprintf(words, n, "connection closed by %s", peer);
		return "connection_closed";
	case ETIMEDOUT:
		snprintf(words, n, "connecting to %s timed out", peer);
		return "connect_timeout";
	case ENETUNREACH:
	case EHOSTUNREACH:
		snprintf(words, n, "%s is unreachable (%s)", peer, strerror(error));
		return "unreachable";
	case ENOTCONN:
		snprintf(words, n, "no connection to %s in time", peer);
		return "no_connection";
	case ENETRESET:
		snprintf(words, n, "the network changed; the flow to %s was dropped", peer);
		return "network_changed";
	case REGENT_ETIMEOUT:
		snprintf(words, n, "no response from %s (transaction timeout)", peer);
		return "timeout";
	case REGENT_EDNS:
		if (ev->dns_name != NULL && ev->dns_name[0])
			snprintf(words, n, "DNS: cannot resolve %.128s", ev->dns_name);
		else
			snprintf(words, n, "DNS: resolution failed");
		return "dns";
	case REGENT_ETLSVERIFY:
		if (ev->detail != NULL && ev->detail[0])
			snprintf(words, n, "TLS: the certificate of %s was refused: %s", peer,
				 ev->detail);
		else
			snprintf(words, n, "TLS: the certificate of %s did not verify", peer);
		return "tls_verify";
	default:
		snprintf(words, n, "%s (%s)", error ? regent_strerror(error) : "local failure",
			 peer);
		return "local";
	}
}

void regent_report_drop(const struct regent_drop *d, void *arg)
{
	struct regent_report *rp = arg;
	char *why = d->malformed ? rp->malformed_why : rp->unmatched_why;
	size_t n = d->malformed ? sizeof(rp->malformed_why) : sizeof(rp->unmatched_why);
	const char *h = d->peer_host != NULL ? d->peer_host : "";

	if (d->malformed)
		rp->dropped_malformed++;
	else
		rp->dropped_unmatched++;
	snprintf(why, n, strchr(h, ':') ? "%.120s (%s [%s]:%u)" : "%.120s (%s %s:%u)",
		 d->reason ? d->reason : "?", regent_transport_name(d->transport), h[0] ? h : "?",
		 (unsigned)d->peer_port);
}

void regent_report_dropped_words(const struct regent_report *rp, char *buf, size_t n)
{
	int l = 0;

	buf[0] = '\0';
	if (rp->dropped_malformed)
		l = snprintf(buf, n, "%llu message%s dropped as malformed: %s",
			     (unsigned long long)rp->dropped_malformed,
			     rp->dropped_malformed == 1 ? "" : "s", rp->malformed_why);
	if (rp->dropped_unmatched && l >= 0 && (size_t)l < n)
		snprintf(buf + l, n - (size_t)l, "%s%llu unmatched response%s dropped: %s",
			 l ? "; " : "", (unsigned long long)rp->dropped_unmatched,
			 rp->dropped_unmatched == 1 ? "" : "s", rp->unmatched_why);
}

static void event_json(struct regent_report *rp, const struct regent_event *ev)
{
	switch (ev->type) {
	case REGENT_EV_STATE_CHANGED:
		json_begin(rp, "state");
		fprintf(rp->out, ",\"state\":\"%s\",\"old_state\":\"%s\"", lower_state(ev->state),
			lower_state(ev->old_state));
		break;
	case REGENT_EV_WAITING_CHANGED:
		json_begin(rp, "waiting");
		fprintf(rp->out, ",\"waiting\":%s", ev->waiting ? "true" : "false");
		break;
	case REGENT_EV_REQUEST_SENT:
		json_begin(rp, "sent");
		fprintf(rp->out, ",\"method\":\"REGISTER\",\"reason\":\"%s\",\"cseq\":%" PRIu32,
			regent_send_reason_name(ev->reason), ev->cseq);
		break;
	case REGENT_EV_RESPONSE:
		json_begin(rp, "response");
		fprintf(rp->out, ",\"status\":%u,\"phrase\":", (unsigned)ev->status);
		regent_json_string(rp->out, ev->phrase ? ev->phrase : "", (size_t)-1);
		fprintf(rp->out, ",\"local\":%s", ev->local ? "true" : "false");
		if (ev->local) {
			fputs(",\"cause\":", rp->out);
			regent_json_string(rp->out, rp->cause, (size_t)-1);
			fputs(",\"cause_text\":", rp->out);
			regent_json_string(rp->out, rp->cause_text, (size_t)-1);
		} else if (rp->sent_at_us) {
			fprintf(rp->out, ",\"rtt_ms\":%.3f", (double)rp->rtt_us / 1000.0);
		}
		if (ev->status >= 200 && ev->status < 300) {
			uint64_t a, b;

			fprintf(rp->out, ",\"expires\":%" PRIu32, ev->granted_expires);
			if (rp->outbound_asked)
				fprintf(rp->out, ",\"outbound\":%s",
					ev->outbound ? "true" : "false");
			if (refresh_window(rp, ev->granted_expires, &a, &b))
				fprintf(rp->out, ",\"next_refresh_ms\":[%" PRIu64 ",%" PRIu64 "]",
					a, b);
		}
		break;
	case REGENT_EV_PROVISIONAL: /* every 1xx (issue 11 §3) */
		json_begin(rp, "provisional");
		fprintf(rp->out, ",\"status\":%u,\"phrase\":", (unsigned)ev->status);
		regent_json_string(rp->out, ev->phrase ? ev->phrase : "", (size_t)-1);
		break;
	case REGENT_EV_WILL_RETRY:
		json_begin(rp, "will_retry");
		fprintf(rp->out, ",\"retry_in_ms\":%" PRIu64 ",\"why\":", ev->retry_in_ms);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		if (rp->retry_after >= 0)
			fprintf(rp->out, ",\"retry_after\":%lld", (long long)rp->retry_after);
		break;
	case REGENT_EV_REFRESHED:
		json_begin(rp, "refreshed");
		fprintf(rp->out, ",\"expires\":%" PRIu32, granted(rp, ev));
		break;
	case REGENT_EV_KEEPALIVE: /* issue 13 */
		json_begin(rp, "keepalive");
		fprintf(rp->out, ",\"interval_s\":%" PRIu32 ",\"nat\":%s,", ev->keepalive_s,
			ev->nat ? "true" : "false");
		if (rp->outbound_asked)
			fprintf(rp->out, "\"outbound\":%s,", ev->outbound ? "true" : "false");
		fputs("\"why\":", rp->out);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		break;
	case REGENT_EV_REACHABILITY: /* issue 13 */
		json_begin(rp, "reachability");
		fprintf(rp->out, ",\"reachable\":%s", ev->reachable ? "true" : "false");
		if (ev->reachable)
			fprintf(rp->out, ",\"rtt_ms\":%" PRIu32, ev->rtt_ms);
		if (ev->status)
			fprintf(rp->out, ",\"status\":%u", (unsigned)ev->status);
		fputs(",\"why\":", rp->out);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		break;
	case REGENT_EV_FLOW_DOWN: /* issue 13 */
		json_begin(rp, regent_event_type_name(ev->type));
		fprintf(rp->out, ",\"error\":%d,\"error_text\":", ev->error);
		regent_json_string(rp->out, regent_strerror(ev->error), (size_t)-1);
		fprintf(rp->out, ",\"transport\":\"%s\",\"peer\":",
			regent_transport_name(ev->flow_transport));
		regent_json_string(rp->out, ev->flow_peer_host ? ev->flow_peer_host : "",
				   (size_t)-1);
		fprintf(rp->out, ",\"peer_port\":%u,\"why\":", (unsigned)ev->flow_peer_port);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		break;
	case REGENT_EV_CONTACT_REWRITE: /* issue 13 */
		json_begin(rp, regent_event_type_name(ev->type));
		fputs(",\"old_contact\":", rp->out);
		regent_json_string(rp->out, ev->old_contact ? ev->old_contact : "", (size_t)-1);
		fputs(",\"new_contact\":", rp->out);
		regent_json_string(rp->out, ev->new_contact ? ev->new_contact : "", (size_t)-1);
		fputs(",\"learnt_host\":", rp->out);
		regent_json_string(rp->out, ev->learnt_host ? ev->learnt_host : "", (size_t)-1);
		fprintf(rp->out, ",\"learnt_port\":%u,\"why\":", (unsigned)ev->learnt_port);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		break;
	case REGENT_EV_REGISTRATION_LOST:
		json_begin(rp, "lost");
		fputs(",\"why\":", rp->out);
		regent_json_string(rp->out, ev->why ? ev->why : "", (size_t)-1);
		break;
	default:
		json_begin(rp, "unknown");
		fprintf(rp->out, ",\"type\":%d", (int)ev->type);
		break;
	}
	fprintf(rp->out, ",\"registerer_state\":\"%s\"", lower_state(ev->state));
	json_end(rp);
}

static void event_text(struct regent_report *rp, const struct regent_event *ev)
{
	switch (ev->type) {
	case REGENT_EV_STATE_CHANGED:
		if (text_begin(rp)) {
			fprintf(rp->out, "state: %s -> %s",
				regent_registerer_state_name(ev->old_state),
				regent_registerer_state_name(ev->state));
			text_end(rp);
		}
		break;
	case REGENT_EV_WAITING_CHANGED:
		/* Shown in the status line; a line of its own only with -v. */
		if (rp->verbose && text_begin(rp)) {
			fprintf(rp->out, "waiting: %s", ev->waiting ? "yes" : "no");
			text_end(rp);
		}
		break;
	case REGENT_EV_REQUEST_SENT:
		if (text_begin(rp)) {
			fprintf(rp->out, "-> REGISTER (%s) CSeq %" PRIu32,
				regent_send_reason_name(ev->reason), ev->cseq);
			text_end(rp);
		}
		break;
	case REGENT_EV_RESPONSE:
		if (text_begin(rp)) {
			if (ev->local)
				fprintf(rp->out, "<- %s (local %u)", rp->cause_text,
					(unsigned)ev->status);
			else
				fprintf(rp->out, "<- %u %s (%.2f ms)", (unsigned)ev->status,
					ev->phrase ? ev->phrase : "", (double)rp->rtt_us / 1000.0);
			if (ev->status >= 200 && ev->status < 300 && ev->granted_expires) {
				fprintf(rp->out, ", expires in %" PRIu32 " s", ev->granted_expires);
				refresh_hint(rp, ev->granted_expires);
			}
			text_end(rp);
		}
		break;
	case REGENT_EV_PROVISIONAL: /* every 1xx (issue 11 §3) */
		if (text_begin(rp)) {
			fprintf(rp->out, "<- %u %s", (unsigned)ev->status,
				ev->phrase ? ev->phrase : "");
			text_end(rp);
		}
		break;
	case REGENT_EV_WILL_RETRY:
		if (text_begin(rp)) {
			fprintf(rp->out, "will retry in %.1f s (%s",
				(double)ev->retry_in_ms / 1000.0, ev->why ? ev->why : "failure");
			if (rp->retry_after >= 0)
				fprintf(rp->out, ", Retry-After %lld s",
					(long long)rp->retry_after);
			fputc(')', rp->out);
			text_end(rp);
		}
		break;
	case REGENT_EV_REACHABILITY: /* issue 13 */
		if (text_begin(rp)) {
			if (ev->reachable)
				fprintf(rp->out, "reachable: yes (%" PRIu32 " ms)", ev->rtt_ms);
			else
				fprintf(rp->out, "reachable: NO (%s)", ev->why ? ev->why : "");
			text_end(rp);
		}
		break;
	case REGENT_EV_KEEPALIVE: /* issue 13 */
		if (text_begin(rp)) {
			if (ev->keepalive_s)
				fprintf(rp->out, "keep-alive: every %" PRIu32 " s (%s)",
					ev->keepalive_s, ev->why ? ev->why : "");
			else
				fprintf(rp->out, "keep-alive: off (%s)", ev->why ? ev->why : "");
			text_end(rp);
		}
		break;
	case REGENT_EV_REFRESHED:
		if (text_begin(rp)) {
			fprintf(rp->out, "refreshed: expires in %" PRIu32 " s", granted(rp, ev));
			text_end(rp);
		}
		break;
	case REGENT_EV_FLOW_DOWN: /* issue 13 */
		if (text_begin(rp)) {
			fprintf(rp->out, "flow down: %s %s:%u: %s (%s)",
				regent_transport_name(ev->flow_transport),
				ev->flow_peer_host ? ev->flow_peer_host : "",
				(unsigned)ev->flow_peer_port, ev->why ? ev->why : "",
				regent_strerror(ev->error));
			text_end(rp);
		}
		break;
	case REGENT_EV_CONTACT_REWRITE: /* issue 13 */
		if (text_begin(rp)) {
			fprintf(rp->out, "contact rewrite: %s -> %s (the registrar saw %s port %u)",
				ev->old_contact ? ev->old_contact : "",
				ev->new_contact ? ev->new_contact : "",
				ev->learnt_host ? ev->learnt_host : "", (unsigned)ev->learnt_port);
			text_end(rp);
		}
		break;
	case REGENT_EV_REGISTRATION_LOST:
		if (text_begin(rp)) {
			fprintf(rp->out, "registration lost (%s)", ev->why ? ev->why : "unknown");
			text_end(rp);
		}
		break;
	default:
		break;
	}
}

/* RFC 5626 §4.2.1, §6: whether the registrar confirmed outbound, a text
 * line when that changes (JSON has it in each 2xx's "outbound"). */
static void outbound_line(struct regent_report *rp, const struct regent_event *ev)
{
	bool ok2xx = ev->type == REGENT_EV_RESPONSE && !ev->local && ev->status >= 200 &&
		     ev->status < 300 && ev->granted_expires > 0;

	if (!rp->outbound_asked || !ok2xx || rp->outbound_seen == (int)ev->outbound)
		return;
	rp->outbound_seen = ev->outbound;
	if (!text_begin(rp))
		return;
	fputs(ev->outbound ? "outbound: yes (Require: outbound)"
			   : "outbound: NO, registrar did not confirm (RFC 5626 §4.2.1)",
	      rp->out);
	text_end(rp);
}

void regent_report_event(struct regent_report *rp, const struct regent_event *ev)
{
	uint64_t now = regent_report_now_ms();

	rp->state = ev->state;
	rp->waiting = ev->waiting;
	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		rp->retry_at_ms = 0;
		rp->last_reason = ev->reason;
		rp->sent_at_us = regent_report_now_us();
		break;
	case REGENT_EV_RESPONSE:
		/* the round trip of this final response: from its REQUEST_SENT
		 * (the first transmission; retransmissions are not events) */
		rp->rtt_us = rp->sent_at_us ? regent_report_now_us() - rp->sent_at_us : 0;
		if (ev->local)
			rp->cause = regent_report_cause(ev, rp->cause_text, sizeof(rp->cause_text));
		else if (ev->status >= 200 && ev->status < 300)
			rp->reliable = regent_transport_reliable(ev->flow_transport);
		if (ev->status >= 200 && ev->status < 300 && ev->granted_expires) {
			rp->expires_at_ms = now + (uint64_t)ev->granted_expires * 1000u;
			rp->last_granted = ev->granted_expires;
		}
		break;
	case REGENT_EV_WILL_RETRY:
		rp->retry_at_ms = now + ev->retry_in_ms;
		break;
	case REGENT_EV_REGISTRATION_LOST:
		rp->expires_at_ms = 0;
		break;
	default:
		break;
	}
	if (rp->quiet)
		return;
	if (rp->mode == REGENT_REPORT_JSON)
		event_json(rp, ev);
	else
		event_text(rp, ev);
	outbound_line(rp, ev);
}

void regent_report_bindings(struct regent_report *rp, const struct regent_binding *b, size_t n,
			    const char *service_route)
{
	size_t i;

	if (rp->mode == REGENT_REPORT_JSON) {
		json_begin(rp, "bindings");
		fputs(",\"bindings\":[", rp->out);
		for (i = 0; i < n; i++) {
			fputs(i ? ",{\"uri\":" : "{\"uri\":", rp->out);
			regent_json_string(rp->out, b[i].uri, (size_t)-1);
			fprintf(rp->out, ",\"expires\":%" PRIu32 ",\"params\":", b[i].expires);
			regent_json_string(rp->out, b[i].params ? b[i].params : "", (size_t)-1);
			fprintf(rp->out, ",\"ours\":%s", b[i].ours ? "true" : "false");
			if (b[i].kept)
				fputs(",\"kept\":true", rp->out);
			if (b[i].pub_gruu) {
				fputs(",\"pub_gruu\":", rp->out);
				regent_json_string(rp->out, b[i].pub_gruu, (size_t)-1);
			}
			if (b[i].temp_gruu) {
				fputs(",\"temp_gruu\":", rp->out);
				regent_json_string(rp->out, b[i].temp_gruu, (size_t)-1);
			}
			fputc('}', rp->out);
		}
		fputc(']', rp->out);
		if (service_route) {
			fputs(",\"service_route\":", rp->out);
			regent_json_string(rp->out, service_route, (size_t)-1);
		}
		json_end(rp);
		return;
	}
	/* -q: printed only where they are the data asked for (`regent query -q`) */
	if (rp->quiet && !rp->bindings_asked)
		return;
	regent_report_clear(rp);
	fprintf(rp->out, "%zu binding%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		fprintf(rp->out, "  %s  expires %" PRIu32 " s", b[i].uri ? b[i].uri : "?",
			b[i].expires);
		if (b[i].params && *b[i].params)
			fprintf(rp->out, "  ;%s", b[i].params);
		if (b[i].ours)
			fputs("  (ours)", rp->out);
		if (b[i].kept)
			fputs("  (kept: asked to remove it)", rp->out);
		fputc('\n', rp->out);
		/* RFC 5627 §5: the GRUUs the registrar made for this instance */
		if (b[i].pub_gruu)
			fprintf(rp->out, "    pub-gruu  %s\n", b[i].pub_gruu);
		if (b[i].temp_gruu)
			fprintf(rp->out, "    temp-gruu %s\n", b[i].temp_gruu);
	}
	if (service_route) /* RFC 3608 §6 */
		fprintf(rp->out, "Service-Route: %s\n", service_route);
	flush_out(rp);
}

void regent_report_note(struct regent_report *rp, const char *kind, const char *text)
{
	if (rp->quiet)
		return;
	if (rp->mode == REGENT_REPORT_JSON) {
		json_begin(rp, kind);
		fputs(",\"text\":", rp->out);
		regent_json_string(rp->out, text, (size_t)-1);
		json_end(rp);
		return;
	}
	if (text_begin(rp)) {
		fputs(text, rp->out);
		text_end(rp);
	}
}

void regent_report_error(struct regent_report *rp, int exit_code, const char *text)
{
	regent_report_clear(rp);
	fprintf(rp->err, "regent: %s\n", text);
	fflush(rp->err);
	if (rp->mode == REGENT_REPORT_JSON) {
		json_begin(rp, "error");
		fprintf(rp->out, ",\"exit_code\":%d,\"text\":", exit_code);
		regent_json_string(rp->out, text, (size_t)-1);
		if (rp->cause && (exit_code == 3 || exit_code == 4)) {
			fputs(",\"cause\":", rp->out);
			regent_json_string(rp->out, rp->cause, (size_t)-1);
		}
		if (rp->dropped_malformed) {
			fprintf(rp->out, ",\"dropped_malformed\":%" PRIu64 ",\"malformed_reason\":",
				rp->dropped_malformed);
			regent_json_string(rp->out, rp->malformed_why, (size_t)-1);
		}
		if (rp->dropped_unmatched) {
			fprintf(rp->out, ",\"dropped_unmatched\":%" PRIu64 ",\"unmatched_reason\":",
				rp->dropped_unmatched);
			regent_json_string(rp->out, rp->unmatched_why, (size_t)-1);
		}
		json_end(rp);
	}
}

void regent_report_exit(struct regent_report *rp, int exit_code, const char *why)
{
	if (rp->mode == REGENT_REPORT_JSON) {
		json_begin(rp, "exit");
		fprintf(rp->out, ",\"exit_code\":%d,\"why\":", exit_code);
		regent_json_string(rp->out, why, (size_t)-1);
		json_end(rp);
		return;
	}
	if (rp->quiet)
		return;
	if (text_begin(rp)) {
		fprintf(rp->out, "exit %d: %s", exit_code, why);
		fputc('\n', rp->out);
		flush_out(rp);
	}
}

void regent_report_tick(struct regent_report *rp)
{
	uint64_t now;

	if (!rp->live)
		return;
	now = regent_report_now_ms();
	fputs("\r\033[K", rp->out);
	fprintf(rp->out, "  * %s%s", regent_registerer_state_name(rp->state),
		rp->waiting ? ", waiting for a response" : "");
	if (rp->state == REGENT_REG_REGISTERED && rp->expires_at_ms > now)
		fprintf(rp->out, ", binding expires in %" PRIu64 " s",
			(rp->expires_at_ms - now + 999) / 1000);
	if (rp->retry_at_ms > now && !rp->waiting)
		fprintf(rp->out, ", retry in %" PRIu64 " s", (rp->retry_at_ms - now + 999) / 1000);
	flush_out(rp);
	rp->status_shown = true;
}

/* The library logs each event at INFO too; the CLI shows events itself, so
 * those lines are left out unless -v asked for everything. */
static bool duplicates_an_event(const char *line)
{
	const char *p;

	if (strncmp(line, "registerer ", 11))
		return false;
	p = strstr(line, ": ");
	if (!p)
		return false;
	p += 2;
	/* "NNN Reason" alone is the response event; "NNN Reason: what we do
	 * about it" says more than the event and is kept */
	return !strncmp(p, "REGISTER sent", 13) || !strncmp(p, "state ", 6) ||
	       !strncmp(p, "will retry", 10) ||
	       (p[0] >= '1' && p[0] <= '6' && p[3] == ' ' && !strstr(p, ": "));
}

void regent_report_log(enum regent_log_level level, const char *line, void *arg)
{
	struct regent_report *rp = arg;
	static const char *const names[] = {"error", "warn", "info", "debug", "trace"};

	/* the library logs at INFO (TRACE with -v); the user's level is applied
	 * here: -q errors only; by default warnings and errors (the
	 * configuration dump and the connection lines are INFO: -v) */
	if (rp->quiet && level > REGENT_LOG_ERROR)
		return;
	if (!rp->verbose && level > REGENT_LOG_WARN)
		return;
	if (!rp->verbose && duplicates_an_event(line))
		return;
	regent_report_clear(rp);
	/* the library's trace names direction and addresses itself */
	fprintf(rp->err, "regent: %s: %s\n", (unsigned)level < 5 ? names[level] : "log", line);
	fflush(rp->err);
	regent_report_tick(rp);
}

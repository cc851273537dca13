/*
 * report.c — event output of the register/unregister/query commands.
 *
 * Text mode prints one line per event, prefixed with the seconds since start;
 * on a TTY a status line ("registered, expires in 42 s") is kept at the bottom
 * and redrawn once a second. JSON mode prints exactly one object per line on
 * stdout and nothing else there, so `regent register --json | jq` works.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "report.h"

uint64_t regent_report_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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
}

void regent_json_string(FILE *f, const char *s, size_t len)
{
	size_t i;

	if (!s) {
		fputs("null", f);
		return;
	}
	if (len == (size_t)-1)
		len = strlen(s);
	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
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
	fflush(rp->out);
	rp->status_shown = false;
}

/* Starts a text line: erases the status line, prints the time stamp. */
static bool text_begin(struct regent_report *rp)
{
	if (rp->mode != REGENT_REPORT_TEXT || rp->quiet)
		return false;
	regent_report_clear(rp);
	fprintf(rp->out, "[%7.3f] ", elapsed(rp));
	return true;
}

static void text_end(struct regent_report *rp)
{
	fputc('\n', rp->out);
	fflush(rp->out);
	regent_report_tick(rp);
}

static void json_begin(struct regent_report *rp, const char *event)
{
	fprintf(rp->out, "{\"time\":%.3f,\"event\":", elapsed(rp));
	regent_json_string(rp->out, event, (size_t)-1);
}

static void json_end(struct regent_report *rp)
{
	fputs("}\n", rp->out);
	fflush(rp->out);
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
		if (ev->status >= 200 && ev->status < 300) {
			uint64_t a, b;

			fprintf(rp->out, ",\"expires\":%" PRIu32, ev->granted_expires);
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
			fprintf(rp->out, "<- %u %s%s", (unsigned)ev->status,
				ev->phrase ? ev->phrase : "", ev->local ? " (local)" : "");
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
	case REGENT_EV_REFRESHED:
		if (text_begin(rp)) {
			fprintf(rp->out, "refreshed: expires in %" PRIu32 " s", granted(rp, ev));
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

void regent_report_event(struct regent_report *rp, const struct regent_event *ev)
{
	uint64_t now = regent_report_now_ms();

	rp->state = ev->state;
	rp->waiting = ev->waiting;
	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		rp->retry_at_ms = 0;
		rp->last_reason = ev->reason;
		break;
	case REGENT_EV_RESPONSE:
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
}

void regent_report_bindings(struct regent_report *rp, const struct regent_binding *b, size_t n)
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
		json_end(rp);
		return;
	}
	if (rp->quiet)
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
	}
	fflush(rp->out);
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
		fflush(rp->out);
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
	fflush(rp->out);
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
	return !strncmp(p, "REGISTER sent", 13) || !strncmp(p, "state ", 6) ||
	       !strncmp(p, "will retry", 10) || (p[0] >= '1' && p[0] <= '6' && p[3] == ' ');
}

void regent_report_log(enum regent_log_level level, const char *line, void *arg)
{
	struct regent_report *rp = arg;
	static const char *const names[] = {"error", "warn", "info", "debug", "trace"};

	if (!strncmp(line, "flow up: ", 9))
		rp->reliable = strncmp(line + 9, "UDP ", 4) != 0;
	/* the library logs at INFO (TRACE with -v); the user's level is applied here */
	if (rp->quiet && level > REGENT_LOG_ERROR)
		return;
	if (!rp->verbose && level == REGENT_LOG_INFO && duplicates_an_event(line))
		return;
	regent_report_clear(rp);
	fprintf(rp->err, "regent: %s: %s\n", (unsigned)level < 5 ? names[level] : "log", line);
	fflush(rp->err);
	regent_report_tick(rp);
}

/*
 * load_events.c — what `regent load` counts from each Registerer's events
 * (regent.h REGENT_EV_*), and the start and end of one account.
 *
 * Latencies run from the first REGISTER of an exchange (REQUEST_SENT) to
 * the 2xx that ends it, so a 401 challenge and the authenticated retry are
 * inside them. A refresh is measured against the account's own window: the
 * 2xx before it granted E seconds at t, so the refresh was due at
 * t + E * refresh_frequency / 100 and the binding ends at t + E. It is on
 * time when it was sent by its due time and its 2xx came before the end;
 * its lateness is how long after the due time it was sent (0 if before).
 * An initial registration that fails is counted once and freed, not
 * retried, so counts stay exact; a binding lost later (REGISTRATION_LOST)
 * is counted and left to the library's own retry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_run.h"
#include "report.h"

static const char *cause_name(int err, uint16_t status)
{
	switch (err) {
	case REGENT_ETIMEOUT:
		return "timeout";
	case REGENT_ETLSVERIFY:
		return "tls";
	case REGENT_EDNS:
		return "dns";
	case REGENT_EAUTH:
		return "auth";
	case ECONNREFUSED:
		return "refused";
	case ENOTCONN:
		return "no_flow";
	case 0:
		return status == 408 ? "timeout" : "transport";
	default:
		return "transport";
	}
}

static void not_waiting(struct load_run *run, struct load_acct *a)
{
	if (a->waiting && run->inflight)
		run->inflight--;
	a->waiting = false;
}

static void release(struct load_run *run, struct load_acct *a, enum load_phase phase)
{
	not_waiting(run, a);
	if (a->r) {
		regent_registerer_free(a->r); /* deferred inside its own callback */
		run->outstanding--;
	}
	a->r = NULL;
	a->phase = (uint8_t)phase;
}

static void initial_failed(struct load_run *run, struct load_acct *a)
{
	struct load_stats *st = &run->st;

	st->failed++;
	if (a->last_local || a->last_status == 0)
		load_stats_fail_cause(st, cause_name(a->last_err, a->last_status));
	else
		load_stats_fail_status(st, a->last_status);
	run->pending--;
	release(run, a, LOAD_FAILED);
}

static void went_live(struct load_run *run, struct load_acct *a, uint64_t now_us)
{
	struct load_stats *st = &run->st;

	if (a->phase == LOAD_REGISTERING) {
		st->registered++;
		run->pending--;
		load_hist_add(&st->initial, now_us - a->t_sent_us);
		a->phase = LOAD_LIVE;
	} else {
		st->reregistered++; /* after a loss, by the library's retry */
	}
	st->live++;
	if (st->live > st->live_peak)
		st->live_peak = st->live;
	a->t_2xx_ms = now_us / 1000;
}

static void state_changed(struct load_run *run, struct load_acct *a, const struct regent_event *ev,
			  uint64_t now_us)
{
	struct load_stats *st = &run->st;

	if (ev->state == REGENT_REG_REGISTERED) {
		went_live(run, a, now_us);
	} else if (ev->old_state == REGENT_REG_REGISTERED) {
		st->live--;
		if (ev->state == REGENT_REG_UNREGISTERED && a->unreg && a->last_status / 100 == 2) {
			st->unregistered++;
			load_hist_add(&st->unreg, now_us - a->t_sent_us);
		} else if (ev->state == REGENT_REG_TERMINATED) {
			st->unregister_failed++; /* no 2xx to it within the deadline */
		}
	}
	if (ev->state == REGENT_REG_UNREGISTERED && a->phase == LOAD_REGISTERING)
		initial_failed(run, a);
	else if (ev->state == REGENT_REG_TERMINATED)
		release(run, a, a->phase == LOAD_REGISTERING ? LOAD_FAILED : LOAD_DONE);
}

static void request_sent(struct load_run *run, struct load_acct *a, const struct regent_event *ev,
			 uint64_t now_us)
{
	uint64_t due_ms, now_ms = now_us / 1000;

	switch (ev->reason) {
	case REGENT_SEND_INITIAL:
	case REGENT_SEND_UNREGISTER:
		a->t_sent_us = now_us;
		a->refreshing = false;
		break;
	case REGENT_SEND_REFRESH:
	case REGENT_SEND_RETRY:
		/* a retry after a failed refresh, binding still held, is a late
		 * refresh; a retry after a loss is a new registration */
		if (a->phase != LOAD_LIVE || !a->granted_s || ev->state != REGENT_REG_REGISTERED)
			break;
		a->t_sent_us = now_us;
		a->refreshing = true;
		due_ms = a->t_2xx_ms + (uint64_t)a->granted_s * 10u * run->refresh_pct;
		a->late = now_ms > due_ms;
		load_hist_add(&run->st.lateness, a->late ? now_ms - due_ms : 0);
		break;
	default:
		break; /* auth retry, 423, redirect: the same exchange */
	}
}

/* A final response; a refresh's 2xx is checked against the end of the
 * binding it refreshes (the grant before it) before the new grant counts. */
static void response(struct load_acct *a, const struct regent_event *ev, uint64_t now_us)
{
	a->last_status = ev->status;
	a->last_local = ev->local;
	a->last_err = ev->error;
	if (ev->status / 100 != 2)
		return;
	if (a->refreshing && now_us / 1000 > a->t_2xx_ms + (uint64_t)a->granted_s * 1000u)
		a->late = true;
	if (ev->granted_expires)
		a->granted_s = ev->granted_expires;
}

static void refreshed(struct load_run *run, struct load_acct *a, uint64_t now_us)
{
	struct load_stats *st = &run->st;
	uint64_t now_ms = now_us / 1000;

	st->refreshes++;
	if (a->refreshing) {
		load_hist_add(&st->refresh, now_us - a->t_sent_us);
		if (!a->late)
			st->refresh_on_time++;
	}
	a->refreshing = false;
	a->t_2xx_ms = now_ms;
}

static void waiting_changed(struct load_run *run, struct load_acct *a, bool waiting)
{
	if (waiting && !a->waiting) {
		run->inflight++;
		a->waiting = true;
		return;
	}
	if (waiting)
		return;
	not_waiting(run, a);
	/* a refresh exchange that ended without a 2xx */
	if (a->refreshing && a->last_status / 100 != 2) {
		load_stats_refresh_failed(&run->st, a->last_local ? 0 : a->last_status,
					  a->last_local || a->last_status == 0
					      ? cause_name(a->last_err, a->last_status)
					      : NULL);
		a->refreshing = false;
	}
}

void load_on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct load_acct *a = arg;
	struct load_run *run = a->run;
	uint64_t now_us = regent_report_now_us();

	(void)r;
	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		request_sent(run, a, ev, now_us);
		break;
	case REGENT_EV_WAITING_CHANGED:
		waiting_changed(run, a, ev->waiting);
		break;
	case REGENT_EV_RESPONSE:
		response(a, ev, now_us);
		break;
	case REGENT_EV_STATE_CHANGED:
		state_changed(run, a, ev, now_us);
		break;
	case REGENT_EV_REFRESHED:
		refreshed(run, a, now_us);
		break;
	case REGENT_EV_REGISTRATION_LOST:
		run->st.lost++;
		break;
	default:
		break;
	}
}

/* out = the first al bytes of a, then b; truncated to size - 1 bytes and
 * NUL-terminated. One of these runs per account started: no snprintf. */
static void join(char *out, size_t size, const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b);

	if (al > size - 1)
		al = size - 1;
	if (bl > size - 1 - al)
		bl = size - 1 - al;
	memcpy(out, a, al);
	memcpy(out + al, b, bl);
	out[al + bl] = '\0';
}

/* The registrar of an account: its AOR without the user part (as the
 * library's default for the UA's own AOR, regent.h `registrar`). */
static void registrar_of(const char *aor, char *out, size_t size)
{
	const char *at = strchr(aor, '@'), *colon = strchr(aor, ':');

	if (!at || !colon || colon > at)
		join(out, size, aor, 0, aor);
	else
		join(out, size, aor, (size_t)(colon - aor + 1), at + 1);
}

static bool has_scheme(const char *aor)
{
	return !strncmp(aor, "sip:", 4) || !strncmp(aor, "sips:", 5);
}

bool load_start_next(struct load_run *run)
{
	struct regent_registerer_options ro = run->o->reg.reg;
	struct regent_error err = {0};
	struct load_account acc;
	char aor[300], registrar[300];
	struct load_acct *a;
	uint64_t k;
	int e;

	if (run->next >= run->n)
		return false;
	k = run->next++;
	a = &run->accts[k];
	a->run = run;
	run->st.attempted++;
	e = load_accounts_get(&run->acc, k, &acc);
	if (!e) {
		join(aor, sizeof(aor), "sip:", has_scheme(acc.aor) ? 0 : 4, acc.aor);
		registrar_of(aor, registrar, sizeof(registrar));
		ro.params.from_uri = ro.params.to_uri = aor;
		if (!ro.registrar)
			ro.registrar = registrar;
		ro.authorization_username = acc.user[0] ? acc.user : NULL;
		ro.authorization_password = acc.password && *acc.password ? acc.password : NULL;
		ro.event_h = load_on_event;
		ro.event_arg = a;
		e = regent_registerer_alloc(&a->r, run->socks[k % run->nsocks].ua, &ro, &err);
	}
	if (e) {
		if (!run->reported_alloc_error)
			fprintf(stderr, "regent load: account %llu: %s\n",
				(unsigned long long)load_accounts_global(&run->acc, k),
				err.text[0] ? err.text : "bad account");
		run->reported_alloc_error = true;
		run->st.failed++;
		load_stats_fail_cause(&run->st, "config");
		a->phase = LOAD_FAILED;
		return true;
	}
	run->outstanding++;
	run->pending++;
	a->phase = LOAD_REGISTERING;
	a->t_sent_us = regent_report_now_us();
	e = regent_registerer_register(a->r, NULL);
	if (e && a->phase == LOAD_REGISTERING) {
		a->last_local = true;
		a->last_err = e;
		initial_failed(run, a);
	}
	return true;
}

bool load_dispose_next(struct load_run *run)
{
	while (run->dispose_next < run->next) {
		struct load_acct *a = &run->accts[run->dispose_next++];

		if (!a->r || (a->phase != LOAD_LIVE && a->phase != LOAD_REGISTERING))
			continue;
		a->unreg = true;
		regent_registerer_dispose(a->r, run->o->reg.unregister_timeout_ms);
		return true;
	}
	return false;
}

void load_abandon(struct load_run *run, struct load_acct *a, bool count)
{
	if (!a->r)
		return;
	if (count && regent_registerer_state(a->r) == REGENT_REG_REGISTERED) {
		run->st.unregister_skipped++;
		run->st.live--;
	}
	if (a->phase == LOAD_REGISTERING)
		run->pending--;
	release(run, a, LOAD_DONE);
}

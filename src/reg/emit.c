/*
 * emit — the Registerer's events to the application.
 *
 * A callback may call anything, including free() of this Registerer or of
 * its UA, or start another exchange. Memory safety is the UA's guard
 * (src/base/guard.h, ua/ua.h): every way into a Registerer holds it, so r
 * stays allocated until the outermost call returns, and regent_reg_alive()
 * says whether it was freed meanwhile. What the callback may also do is
 * start another exchange: `exchange_no` counts exchanges, so what we were
 * about to report on the old one is known to be stale. Each emit returns
 * "go on" (alive and the same exchange); a caller that gets false returns
 * at once.
 */
#include <string.h>

#include "reg/reg_int.h"

bool regent_reg_alive(const struct regent_registerer *r)
{
	return regent_ua_client_alive(r->ua, &r->cl);
}

bool regent_reg_emit(struct regent_registerer *r, struct regent_event *ev)
{
	uint32_t no = r->exchange_no;

	if (!regent_reg_alive(r))
		return false;
	ev->state = r->state;
	ev->waiting = r->waiting;
	regent_ua_event_flow(r->ua, &r->cl, ev); /* the flow (names a local failure) */
	if (r->event_h != NULL)
		r->event_h(r, ev, r->event_arg);
	return regent_reg_alive(r) && r->exchange_no == no;
}

bool regent_reg_delegate(struct regent_registerer *r, const struct regent_request_delegate *d,
			 struct regent_event *ev)
{
	regent_registerer_event_h *h = NULL;
	uint32_t no = r->exchange_no;

	if (!regent_reg_alive(r))
		return false;
	if (ev->type == REGENT_EV_PROVISIONAL)
		h = ev->status == 100 ? d->on_trying : d->on_progress;
	else if (ev->status >= 200 && ev->status < 300)
		h = d->on_accept;
	else if (ev->status >= 300 && ev->status < 400)
		h = d->on_redirect;
	else
		h = d->on_reject;
	if (h == NULL)
		return true;
	ev->state = r->state;
	ev->waiting = r->waiting;
	h(r, ev, d->arg);
	return regent_reg_alive(r) && r->exchange_no == no;
}

bool regent_reg_set_state(struct regent_registerer *r, enum regent_registerer_state s)
{
	struct regent_event ev;

	if (r->state == s || r->state == REGENT_REG_TERMINATED)
		return regent_reg_alive(r);
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_STATE_CHANGED;
	ev.old_state = r->state;
	r->state = s;
	regent_ua_log(r->ua, REGENT_LOG_INFO, "registerer %s: state %s -> %s", r->call_id,
		      regent_registerer_state_name(ev.old_state), regent_registerer_state_name(s));
	return regent_reg_emit(r, &ev);
}

bool regent_reg_set_waiting(struct regent_registerer *r, bool w)
{
	struct regent_event ev;

	if (r->waiting == w)
		return regent_reg_alive(r);
	r->waiting = w;
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_WAITING_CHANGED;
	return regent_reg_emit(r, &ev);
}

const char *regent_event_type_name(enum regent_event_type t)
{
	static const char *const names[] = {
	    "unknown",	    "state",	 "waiting",	   "sent",	  "response",
	    "will_retry",   "refreshed", "lost",	   "provisional", "keepalive",
	    "reachability", "flow_down", "contact_rewrite"};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

bool regent_reg_emit_simple(struct regent_registerer *r, enum regent_event_type type,
			    const char *why, uint64_t retry_in, int error)
{
	struct regent_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.why = why;
	ev.retry_in_ms = retry_in;
	ev.error = error;
	return regent_reg_emit(r, &ev);
}

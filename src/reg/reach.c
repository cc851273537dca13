/*
 * reach — is the registration any use? (issue 13 item 5): an OPTIONS to our
 * own AOR through the registrar's flow, the registrar acting as a proxy
 * (RFC 3261 §16: location lookup, relay to the binding). When it comes back
 * to us over our flow the I/O edge answers it 200 (RFC 3261 §11.2) and tells
 * the core (regent_ua_edge_probe_seen): reachable, with the round-trip time.
 * A final answer to the probe that is not ours (408 from a proxy whose relay
 * died at a NAT, 404, 477), or nothing within the timeout: unreachable.
 * Sent only while the Registerer is idle (a contact rewrite's re-REGISTER
 * goes first: one owner schedules requests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg_int.h"

#define PROBE_TIMEOUT_MS 5000u

struct regent_reg_probe {
	char call_id[40];
	char branch[48];
	char tag[16];
	bool queued, pending, tracked;
	uint64_t sent_at, deadline;
	uint32_t timeout_ms;
};

static int build(struct regent_registerer *r, struct regent_wbuf *wb)
{
	const struct regent_ua_identity *id = regent_ua_identity(r->ua);
	struct regent_reg_probe *p = r->probe;
	const char *aor = r->to_uri != NULL ? r->to_uri : id->aor;

	regent_reg_put_start(r, wb, "OPTIONS", aor, p->branch);
	/* the preloaded route set (an outbound proxy) first, then the
	 * Service-Route of the last 2xx: RFC 3608 §6.1, a request after the
	 * registration follows the path the registrar named */
	if (id->route_set != NULL)
		regent_wbuf_puts(wb, id->route_set);
	if (regent_reg_rare(r)->service_route != NULL) {
		regent_wbuf_puts(wb, "Route: ");
		regent_wbuf_puts(wb, regent_reg_rare(r)->service_route);
		regent_wbuf_puts(wb, "\r\n");
	}
	regent_wbuf_puts(wb, "To: ");
	regent_build_name_addr(wb, "To", NULL, aor);
	regent_wbuf_puts(wb, "\r\n");
	regent_wbuf_puts(wb, "From: ");
	regent_build_name_addr(wb, "From", NULL, aor);
	regent_wbuf_puts(wb, ";tag=");
	regent_wbuf_puts(wb, p->tag);
	regent_wbuf_puts(wb, "\r\nCall-ID: ");
	regent_wbuf_puts(wb, p->call_id);
	regent_wbuf_puts(wb, "\r\nCSeq: 1 OPTIONS\r\n");
	regent_build_header(wb, "User-Agent", id->user_agent);
	return regent_build_finish(wb, NULL, 0);
}

static bool report(struct regent_registerer *r, bool reachable, uint16_t status, const char *why)
{
	struct regent_reg_probe *p = r->probe;
	struct regent_event ev;
	uint64_t now = regent_reg_now(r);

	p->pending = false;
	memset(&ev, 0, sizeof(ev));
	ev.type = REGENT_EV_REACHABILITY;
	ev.reachable = reachable;
	ev.rtt_ms = reachable ? (uint32_t)(now - p->sent_at) : 0;
	ev.status = status;
	ev.why = why;
	regent_ua_log(r->ua, reachable ? REGENT_LOG_INFO : REGENT_LOG_WARN,
		      "registerer %s: reachability: %s (%s)", r->call_id, reachable ? "yes" : "NO",
		      why);
	return regent_reg_emit(r, &ev);
}

static void untrack(struct regent_registerer *r)
{
	if (r->probe != NULL && r->probe->tracked) {
		regent_ua_untrack(r->ua, r->probe->branch);
		r->probe->tracked = false;
	}
}

/* Sends the queued probe. False: r is gone. */
static bool send_probe(struct regent_registerer *r)
{
	struct regent_reg_probe *p = r->probe;
	struct regent_wbuf wb;
	char buf[2048], why[96];
	int err;

	p->queued = false;
	untrack(r);
	regent_ua_random_hex(r->ua, p->call_id + 13, 20); /* after "regent-reach-" */
	memcpy(p->branch, "z9hG4bK", 7);
	regent_ua_random_hex(r->ua, p->branch + 7, 24);
	regent_ua_random_hex(r->ua, p->tag, 12);
	regent_wbuf_init_fixed(&wb, buf, sizeof(buf));
	err = build(r, &wb);
	if (!err)
		err = regent_ua_send_other(r->ua, &r->cl, wb.buf, wb.len);
	if (err) {
		snprintf(why, sizeof(why), "probe not sent: %s", regent_strerror(err));
		return report(r, false, 0, why);
	}
	if (regent_ua_track(r->ua, p->branch, &r->cl) != 0)
		return report(r, false, 0, "probe not tracked: the UA's spare room is used up");
	p->tracked = true;
	p->pending = true;
	p->sent_at = regent_reg_now(r);
	p->deadline = p->sent_at + p->timeout_ms;
	return true;
}

int regent_registerer_check_reachability(struct regent_registerer *r, uint32_t timeout_ms)
{
	if (r == NULL || r->state == REGENT_REG_TERMINATED)
		return EINVAL;
	if (r->state != REGENT_REG_REGISTERED)
		return ENOTCONN;
	if (r->probe != NULL && (r->probe->queued || r->probe->pending))
		return EBUSY;
	if (r->probe == NULL && (r->probe = calloc(1, sizeof(*r->probe))) == NULL)
		return ENOMEM;
	memcpy(r->probe->call_id, "regent-reach-", 13);
	r->probe->timeout_ms = timeout_ms ? timeout_ms : PROBE_TIMEOUT_MS;
	r->probe->queued = true;
	regent_reg_resched(r);
	return 0;
}

uint64_t regent_reg_probe_deadline(const struct regent_registerer *r)
{
	const struct regent_reg_probe *p = r->probe;

	if (p == NULL)
		return REGENT_REG_NEVER;
	if (p->queued)
		/* once idle and no refresh is due (a rewrite's re-REGISTER first) */
		return r->xk == REGENT_X_NONE && r->t_refresh > regent_reg_now(r)
			   ? regent_reg_now(r)
			   : REGENT_REG_NEVER;
	return p->pending ? p->deadline : REGENT_REG_NEVER;
}

bool regent_reg_probe_timers(struct regent_registerer *r, uint64_t now)
{
	struct regent_reg_probe *p = r->probe;
	char why[64];

	if (p == NULL)
		return true;
	if (p->queued && r->xk == REGENT_X_NONE && r->t_refresh > now)
		return send_probe(r);
	if (p->pending && now >= p->deadline) {
		snprintf(why, sizeof(why), "no answer within %u ms", p->timeout_ms);
		return report(r, false, 0, why);
	}
	return true;
}

bool regent_reg_probe_response(struct regent_registerer *r, const struct regent_msg *m,
			       struct regent_pl branch)
{
	struct regent_reg_probe *p = r->probe;
	uint16_t status = regent_msg_status(m);
	char why[160], phrase[96];

	if (p == NULL || !p->tracked || branch.l != strlen(p->branch) ||
	    memcmp(branch.p, p->branch, branch.l) != 0)
		return false;
	if (status < 200)
		return true;
	untrack(r);
	/* our own 200 coming back after the probe was seen: nothing more */
	if (!p->pending)
		return true;
	if (regent_pl_strcpy(regent_msg_reason(m), phrase, sizeof(phrase)) != 0)
		snprintf(phrase, sizeof(phrase), "(reason phrase too long)");
	snprintf(why, sizeof(why), "%u %s to the probe%s", status, phrase,
		 status < 300 ? " but it never reached us" : "");
	report(r, false, status, why);
	return true;
}

void regent_reg_probe_seen(struct regent_registerer *r, const char *call_id)
{
	char why[64];

	if (r->probe == NULL || !r->probe->pending || strcmp(call_id, r->probe->call_id) != 0)
		return;
	snprintf(why, sizeof(why), "came back over our flow in %u ms",
		 (unsigned)(regent_reg_now(r) - r->probe->sent_at));
	report(r, true, 0, why);
}

void regent_reg_probe_free(struct regent_registerer *r)
{
	untrack(r);
	free(r->probe);
	r->probe = NULL;
}

/*
 * flows — the UA's flows (docs/design.md "Where a REGISTER goes"): which
 * flow a client sends on, each flow's state (up, opening, what the core
 * knows of it for Via and Contact), sending and opening on it, and the flow
 * entry points (up, down, network changed) that notify only the clients of
 * the flow concerned.
 *
 * RFC 3261 §8.1.2: a request goes to the outbound proxy when one is set,
 * otherwise to its Request-URI resolved by RFC 3263. Registerers naming
 * different registrars on one UA therefore need a flow each; the edge
 * (src/net/edge*.c) decides which destinations are the same flow, the core
 * only keeps a table indexed by flow id, so a message costs no lookup.
 * Flow 0 is the flow of the public struct regent_sender and always exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ua/ua_int.h"

int regent_ua_flows_init(struct regent_ua *ua, enum regent_transport tp)
{
	ua->flows = calloc(1, sizeof(*ua->flows));
	if (ua->flows == NULL)
		return ENOMEM;
	ua->nflows = 1;
	ua->flows[0].fi.transport = tp != REGENT_TP_NONE ? tp : REGENT_TP_UDP;
	return 0;
}

/* Room for flow ids up to f (new flows: down, the configured transport). */
static int grow(struct regent_ua *ua, uint32_t f)
{
	struct regent_ua_flow *v;

	if (f < ua->nflows)
		return 0;
	v = realloc(ua->flows, ((size_t)f + 1) * sizeof(*v));
	if (v == NULL)
		return ENOMEM;
	memset(v + ua->nflows, 0, ((size_t)f + 1 - ua->nflows) * sizeof(*v));
	for (uint32_t i = ua->nflows; i <= f; i++)
		v[i].fi.transport = v[0].fi.transport;
	ua->flows = v;
	ua->nflows = f + 1;
	return 0;
}

static int flow_by(struct regent_ua *ua, bool proxy, const char *uri, const char *field,
		   uint32_t *flow, struct regent_error *err)
{
	uint32_t f = 0;
	int e;

	*flow = 0;
	if (ua->edge_ops == NULL ||
	    (proxy ? ua->edge_ops->flow_to : ua->edge_ops->flow_for) == NULL)
		return 0; /* a custom sender routes by itself: one flow */
	e = (proxy ? ua->edge_ops->flow_to : ua->edge_ops->flow_for)(ua->edge, uri, field, &f, err);
	if (e)
		return e;
	if (grow(ua, f) != 0)
		return regent_error_set(err, ENOMEM, "%s: out of memory", field);
	*flow = f;
	return 0;
}

int regent_ua_flow_for(struct regent_ua *ua, const char *uri, const char *field, uint32_t *flow,
		       struct regent_error *err)
{
	return flow_by(ua, false, uri, field, flow, err);
}

/* A client's own outbound proxy: a flow keyed by that destination, so two
 * Registerers of one instance with a server each (reg-id 1 and 2) never
 * share one (RFC 5626 §4.2: each reg-id is a flow of its own). */
int regent_ua_flow_to(struct regent_ua *ua, const char *uri, const char *field, uint32_t *flow,
		      struct regent_error *err)
{
	return flow_by(ua, true, uri, field, flow, err);
}

/* The flows' lists hold every client (one list per flow): a Registerer
 * asks about the others of its instance on other flows (RFC 5626 §4.5). */
bool regent_ua_any_client(const struct regent_ua *ua, const struct regent_ua_client *c,
			  bool (*pred)(const struct regent_ua_client *o, const void *arg),
			  const void *arg)
{
	for (uint32_t f = 0; f < ua->nflows; f++) {
		for (const struct regent_ua_client *o = ua->flows[f].clients; o != NULL;
		     o = o->next) {
			if (o != c && !o->dead && pred(o, arg))
				return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------ the sender */

static bool can_open(const struct regent_ua *ua, uint32_t f)
{
	return f == 0 ? ua->sender.open != NULL : ua->edge_ops->open != NULL;
}

void regent_ua_flow_close(struct regent_ua *ua, uint32_t f)
{
	struct regent_ua_flow *fl = &ua->flows[f];

	if (fl->up || fl->opening) {
		if (f == 0 && ua->sender.close != NULL)
			ua->sender.close(ua->sender.arg);
		else if (f != 0 && ua->edge_ops->close != NULL)
			ua->edge_ops->close(ua->edge, f);
	}
	fl->up = false;
	fl->opening = false;
}

bool regent_ua_flow_is_up(const struct regent_ua *ua, const struct regent_ua_client *c)
{
	return ua->flows[c->flow].up;
}

const struct regent_flow_info *regent_ua_flow_info(const struct regent_ua *ua,
						   const struct regent_ua_client *c)
{
	return &ua->flows[c->flow].fi;
}

int regent_ua_send(struct regent_ua *ua, const struct regent_ua_client *c, const char *buf,
		   size_t len, uint32_t cseq, bool again)
{
	uint32_t f = c->flow;
	int err;

	if (again)
		ua->stats.retransmissions++;
	if (!ua->flows[f].up)
		return ENOTCONN;
	regent_ua_trace_msg(ua, &ua->flows[f].fi, true, buf, len);
	if (f == 0)
		err = ua->sender.send(ua->sender.arg, buf, len);
	else
		err = ua->edge_ops->send(ua->edge, f, buf, len);
	if (err)
		return err < 0 ? EIO : err;
	ua->stats.msgs_sent++;
	ua->stats.bytes_sent += len;
	if (ua->edge_ops != NULL && ua->edge_ops->sent != NULL)
		ua->edge_ops->sent(ua->edge, f, cseq, again);
	return 0;
}

int regent_ua_send_other(struct regent_ua *ua, const struct regent_ua_client *c, const char *buf,
			 size_t len)
{
	uint32_t f = c->flow;
	int err;

	if (!ua->flows[f].up)
		return ENOTCONN;
	regent_ua_log(ua, REGENT_LOG_TRACE, "send %zu bytes:\n%.*s", len, (int)len, buf);
	err = f == 0 ? ua->sender.send(ua->sender.arg, buf, len)
		     : ua->edge_ops->send(ua->edge, f, buf, len);
	if (err)
		return err < 0 ? EIO : err;
	ua->stats.msgs_sent++;
	ua->stats.bytes_sent += len;
	return 0;
}

static void want_flow(struct regent_ua *ua, uint32_t f)
{
	struct regent_ua_flow *fl = &ua->flows[f];
	int err;

	if (fl->up || fl->opening || !can_open(ua, f))
		return;
	fl->opening = true;
	err = f == 0 ? ua->sender.open(ua->sender.arg) : ua->edge_ops->open(ua->edge, f);
	/* re-read: nothing may have moved the table, but stay safe */
	if (err && ua->flows[f].opening) {
		ua->flows[f].opening = false;
		regent_ua_log(ua, REGENT_LOG_WARN, "cannot open flow %u: %s", f,
			      regent_strerror(err));
	}
}

void regent_ua_want_flow(struct regent_ua *ua, const struct regent_ua_client *c)
{
	want_flow(ua, c->flow);
}

/* ------------------------------------------------------------ entry points */

static bool usable(const struct regent_ua *ua)
{
	return ua != NULL && !regent_guard_doomed(&ua->guard);
}

void regent_ua_flow_notify(struct regent_ua *ua, uint32_t f, bool up, int err)
{
	/* ua->flows is read again at each step: a callback that makes a
	 * Registerer on a new destination may move the table */
	for (struct regent_ua_client *c = ua->flows[f].clients; c != NULL && usable(ua);
	     c = c->next) {
		if (c->dead)
			continue;
		if (up)
			c->ops->flow_up(c);
		else
			c->ops->flow_down(c, err);
	}
}

void regent_ua_edge_flow_up(struct regent_ua *ua, uint32_t f, const struct regent_flow_info *fi)
{
	struct regent_ua_flow *fl;

	if (!usable(ua) || f >= ua->nflows)
		return;
	fl = &ua->flows[f];
	if (fi != NULL) {
		fl->fi = *fi;
		if (fl->fi.transport == REGENT_TP_NONE)
			fl->fi.transport = REGENT_TP_UDP;
	}
	fl->up = true;
	fl->opening = false;
	regent_ua_log(ua, REGENT_LOG_INFO, "flow up: %s %s:%u -> %s:%u",
		      regent_transport_name(fl->fi.transport), fl->fi.local_host, fl->fi.local_port,
		      fl->fi.peer_host, fl->fi.peer_port);
	regent_ua_enter(ua);
	regent_ua_flow_notify(ua, f, true, 0);
	regent_ua_leave(ua);
}

void regent_ua_edge_probe_seen(struct regent_ua *ua, uint32_t f, const char *call_id)
{
	if (!usable(ua) || f >= ua->nflows)
		return;
	regent_ua_enter(ua);
	for (struct regent_ua_client *c = ua->flows[f].clients; c != NULL && usable(ua);
	     c = c->next) {
		if (!c->dead && c->ops->probe_seen != NULL)
			c->ops->probe_seen(c, call_id);
	}
	regent_ua_leave(ua);
}

void regent_ua_edge_flow_mapped(struct regent_ua *ua, uint32_t f, const char *host, uint16_t port)
{
	if (!usable(ua) || f >= ua->nflows)
		return;
	regent_ua_log(ua, REGENT_LOG_INFO, "flow %u: the peer now sees us from %s port %u", f, host,
		      port);
	for (struct regent_ua_client *c = ua->flows[f].clients; c != NULL; c = c->next) {
		if (!c->dead && c->ops->flow_mapped != NULL)
			c->ops->flow_mapped(c, host, port);
	}
}

void regent_ua_edge_flow_down(struct regent_ua *ua, uint32_t f, int err)
{
	if (!usable(ua) || f >= ua->nflows)
		return;
	ua->flows[f].up = false;
	ua->flows[f].opening = false;
	regent_ua_log(ua, REGENT_LOG_WARN, "flow down: %s", regent_strerror(err));
	regent_ua_enter(ua);
	regent_ua_flow_notify(ua, f, false, err ? err : ECONNRESET);
	regent_ua_leave(ua);
}

void regent_ua_flow_up(struct regent_ua *ua, const struct regent_flow_info *fi)
{
	regent_ua_edge_flow_up(ua, 0, fi);
}

void regent_ua_flow_down(struct regent_ua *ua, int err)
{
	regent_ua_edge_flow_down(ua, 0, err);
}

/* One flow through a network change: dropped, its clients told, opened
 * again. */
static void flow_changed(struct regent_ua *ua, uint32_t f)
{
	if (can_open(ua, f))
		regent_ua_flow_close(ua, f); /* the next request opens a new one */
	regent_ua_flow_notify(ua, f, false, 0);
	/* a flow that is always up (no open()) is usable again at once; with
	 * open() the retry timer brings it back */
	regent_ua_flow_notify(ua, f, true, 0);
	/* a flow nobody uses stays closed: with registrars named, the AOR's
	 * domain may not even resolve */
	if (usable(ua) && can_open(ua, f) && ua->flows[f].clients != NULL)
		want_flow(ua, f);
}

void regent_ua_network_changed(struct regent_ua *ua)
{
	if (!usable(ua))
		return;
	regent_ua_log(ua, REGENT_LOG_INFO, "network changed: re-registering");
	regent_ua_enter(ua);
	/* every flow: a new local address changes them all */
	for (uint32_t f = 0; f < ua->nflows && usable(ua); f++)
		flow_changed(ua, f);
	regent_ua_leave(ua);
}

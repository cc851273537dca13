/*
 * edge — the flows of a UA from regent_ua_alloc() (see net/edge.h): the
 * sender the core sends through, one flow per destination, RFC 3263 targets
 * tried in order, failover (§4.3) on a transport error, a timeout or a 503.
 *
 * Re-entrancy: every call into the core may run the user's callbacks, which
 * may free the UA (and with it this edge). The edge's guard
 * (src/base/guard.h) defers that free while the edge is busy, and nothing
 * touches the UA after it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/edge.h"
#include "ua/ua.h"

void regent_edge_random(void *arg, void *buf, size_t len)
{
	struct regent_edge *io = arg;
	struct regent_env sys;
	unsigned char *p = buf;

	regent_env_system(&sys);
	if (len > sizeof(io->rnd)) { /* large draws straight from the kernel */
		sys.random(sys.arg, buf, len);
		return;
	}
	while (len > 0) {
		if (io->rnd_left == 0) {
			sys.random(sys.arg, io->rnd, sizeof(io->rnd));
			io->rnd_left = sizeof(io->rnd);
		}
		size_t n = len < io->rnd_left ? len : io->rnd_left;
		unsigned char *from = io->rnd + sizeof(io->rnd) - io->rnd_left;

		memcpy(p, from, n);
		memset(from, 0, n); /* a byte handed out is not kept */
		io->rnd_left -= n;
		p += n;
		len -= n;
	}
}

static void flow_free(struct regent_edge_flow *f)
{
	regent_conn_free(f->conn);
	free(f->targets);
	free(f);
}

void regent_edge_destroy(struct regent_edge *io)
{
	for (uint32_t i = 0; i < io->nflows; i++)
		flow_free(io->flows[i]);
	free(io->flows);
	regent_dns_free(io->dns);
	regent_tls_free(io->tls);
	regent_edge_srv_free(io->srv);
	regent_netwatch_close(io->nw);
	free(io);
}

int regent_edge_flow_add(struct regent_edge *io, const struct regent_dest *d, uint32_t *id)
{
	struct regent_edge_flow **v, *f;

	if (io->nflows == UINT32_MAX)
		return ENOMEM;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return ENOMEM;
	/* an array of pointers: a conn's handlers hold their flow's address,
	 * which must not move when the table grows */
	v = realloc(io->flows, ((size_t)io->nflows + 1) * sizeof(*v));
	if (v == NULL) {
		free(f);
		return ENOMEM;
	}
	f->io = io;
	f->id = io->nflows;
	f->dest = *d;
	v[io->nflows++] = f;
	io->flows = v;
	*id = f->id;
	return 0;
}

/* What RFC 3263 §4.1/§4.2 make of a numeric host: no DNS, so the transport
 * is the one given, else UDP (TLS for sips:), and the port the one given,
 * else the transport's default. */
static void numeric_effective(const struct regent_dest *d, enum regent_transport *tp,
			      uint16_t *port)
{
	*tp = d->tp != REGENT_TP_NONE ? d->tp : d->secure ? REGENT_TP_TLS : REGENT_TP_UDP;
	*port = d->port;
	if (*port == 0)
		*port = *tp == REGENT_TP_TLS   ? 5061
			: *tp == REGENT_TP_WS  ? 80
			: *tp == REGENT_TP_WSS ? 443
					       : 5060;
}

/* Do a and b name one destination? A numeric host: the same address,
 * transport and port as RFC 3263 will use them (so sip:127.0.0.1:5060 and
 * sip:127.0.0.1;transport=udp share a flow). A name: the same name (any
 * case), and the port and transport as given, since giving them changes
 * the lookups (§4.1, §4.2). And the same security and WebSocket resource. */
static bool same_dest(const struct regent_dest *a, const struct regent_dest *b)
{
	unsigned char aa[16], ab[16];
	enum regent_transport ta, tb;
	uint16_t pa, pb;
	int fam;

	if (a->secure != b->secure || a->numeric != b->numeric ||
	    strcmp(a->ws_path, b->ws_path) != 0)
		return false;
	if (!a->numeric)
		return a->port == b->port && a->tp == b->tp && strcasecmp(a->host, b->host) == 0;
	numeric_effective(a, &ta, &pa);
	numeric_effective(b, &tb, &pb);
	fam = strchr(a->host, ':') != NULL ? AF_INET6 : AF_INET;
	if (ta != tb || pa != pb || fam != (strchr(b->host, ':') != NULL ? AF_INET6 : AF_INET))
		return false;
	memset(aa, 0, sizeof(aa));
	memset(ab, 0, sizeof(ab));
	return inet_pton(fam, a->host, aa) == 1 && inet_pton(fam, b->host, ab) == 1 &&
	       memcmp(aa, ab, sizeof(aa)) == 0;
}

/* ------------------------------------------------------------ what the core tells */

static void edge_free(void *arg)
{
	struct regent_edge *io = arg;

	if (!io)
		return;
	io->ua = NULL;
	if (regent_guard_doom(&io->guard)) {
		regent_edge_destroy(io);
		return;
	}
	for (uint32_t i = 0; i < io->nflows; i++) {
		regent_conn_free(io->flows[i]->conn); /* deferred by the conn if it is busy */
		io->flows[i]->conn = NULL;
	}
	regent_dns_cancel(io->dns);
}

static void edge_sent(void *arg, uint32_t id, uint32_t cseq, bool again)
{
	struct regent_edge *io = arg;
	struct regent_edge_flow *f;

	if (id >= io->nflows)
		return;
	f = io->flows[id];
	if (again || (f->out_pending && cseq == f->out_cseq))
		return; /* a retransmission: timer F keeps running */
	f->out_pending = true;
	f->out_cseq = cseq;
	f->out_since = io->env.now_ms(io->env.arg);
}

static void edge_response(void *arg, uint32_t id, uint32_t cseq, uint16_t status)
{
	struct regent_edge *io = arg;
	struct regent_edge_flow *f;

	if (id >= io->nflows)
		return;
	f = io->flows[id];
	if (f->out_pending && status >= 200 && cseq == f->out_cseq)
		f->out_pending = false;
	/* RFC 3263 §4.3: a 503 moves on to the next target, after the core
	 * has seen it (it decides when to retry) */
	if (status == 503 && f->ntargets > 1)
		f->failover = ECONNREFUSED;
}

/* RFC 3261 §8.1.2: the outbound proxy takes every request; otherwise a
 * request goes to its Request-URI, so each registrar gets a flow, shared
 * by every Registerer naming the same destination. A linear look-up, at
 * Registerer creation only: a message finds its flow by id. This is the
 * flow to `uri` itself, also for a Registerer's own `server` (RFC 5626
 * §4.2: a flow per reg-id, whatever the UA's proxy). */
static int edge_flow_to(void *arg, const char *uri, const char *field, uint32_t *id,
			struct regent_error *err)
{
	struct regent_edge *io = arg;
	struct regent_dest d;
	int e;

	*id = 0;
	e = regent_dest_parse_field(&d, uri, io->force, field, err);
	if (e)
		return e;
	for (uint32_t i = 0; i < io->nflows; i++) {
		if (same_dest(&io->flows[i]->dest, &d)) {
			*id = i;
			return 0;
		}
	}
	e = regent_edge_flow_add(io, &d, id);
	if (e)
		return regent_error_set(err, e, "%s: out of memory", field);
	regent_log_emit(&io->log, REGENT_LOG_DEBUG, "flow %u: to %s (%s)", *id, d.host, uri);
	return 0;
}

/* The flow of a Registerer's Request-URI: the proxy's (flow 0) when the UA
 * has one, else as edge_flow_to. */
static int edge_flow_for(void *arg, const char *uri, const char *field, uint32_t *id,
			 struct regent_error *err)
{
	struct regent_edge *io = arg;

	*id = 0;
	if (io->proxy)
		return 0;
	return edge_flow_to(arg, uri, field, id, err);
}

/* ------------------------------------------------------------ flows */

static void start_next(struct regent_edge_flow *f);

static void on_up(void *arg, const struct regent_flow_info *fi)
{
	struct regent_edge_flow *f = arg;

	f->up = true;
	if (f->io->ua)
		regent_ua_edge_flow_up(f->io->ua, f->id, fi);
}

static void on_recv(void *arg, const char *buf, size_t len)
{
	struct regent_edge_flow *f = arg;

	if (!f->io->ua)
		return;
	/* a response starts with the SIP version (RFC 3261 §7.2) */
	if (len >= 12 && memcmp(buf, "SIP/2.0 ", 8) == 0) {
		/* traces it, tells edge_response */
		regent_ua_edge_recv(f->io->ua, f->id, buf, len);
		return;
	}
	/* requests never reach the core: traced here, as the core traces */
	regent_ua_trace_msg(f->io->ua, regent_ua_edge_flow_info(f->io->ua, f->id), false, buf, len);
	regent_edge_answer(f, buf, len);
}

static void forget_targets(struct regent_edge_flow *f)
{
	free(f->targets);
	f->targets = NULL;
	f->ntargets = f->cur = 0;
}

static void on_down(void *arg, int err)
{
	struct regent_edge_flow *f = arg;
	bool was_up = f->up;

	regent_conn_free(f->conn); /* deferred: we are inside its process */
	f->conn = NULL;
	f->up = false;
	/* RFC 3263 §4.3: a transport error moves on to the next target */
	f->cur++;
	if (!was_up && f->cur < f->ntargets) {
		/* never got up: try the next target without bothering the core */
		regent_log_emit(&f->io->log, REGENT_LOG_INFO, "trying the next target (%zu of %zu)",
				f->cur + 1, f->ntargets);
		start_next(f);
		return;
	}
	if (f->cur >= f->ntargets)
		forget_targets(f);
	if (err == REGENT_ETLSVERIFY)
		regent_ua_note_detail(f->io->ua, f->id, f->io->tls_detail);
	if (f->io->ua)
		regent_ua_edge_flow_down(f->io->ua, f->id, err);
}

/* The address the registrar's STUN answer says we are seen from (RFC 5626
 * §4.4.2): told at the first answer and at each change, a NAT rebinding. */
static void on_mapped(void *arg, const char *host, uint16_t port)
{
	struct regent_edge_flow *f = arg;
	bool first = f->mapped_host[0] == '\0';

	if (!first && strcmp(f->mapped_host, host) == 0 && f->mapped_port == port)
		return;
	regent_log_emit(&f->io->log, first ? REGENT_LOG_DEBUG : REGENT_LOG_INFO,
			"flow %u: STUN mapped address %s%s port %u", f->id,
			first ? "" : "changed (NAT rebinding) to ", host, port);
	snprintf(f->mapped_host, sizeof(f->mapped_host), "%s", host);
	f->mapped_port = port;
	/* the core compares it with what the registrar saw (a rebinding:
	 * the binding points at the old mapping) */
	if (f->io->ua)
		regent_ua_edge_flow_mapped(f->io->ua, f->id, host, port);
}

static void start_next(struct regent_edge_flow *f)
{
	static const struct regent_conn_handlers h0 = {on_up, on_recv, on_down, NULL};
	struct regent_edge *io = f->io;
	struct regent_conn_options co = io->co;
	int err = REGENT_EDNS;

	if (f->ka_set)
		co.keepalive_interval_s = f->ka_s;
	f->mapped_host[0] = '\0';

	while (f->cur < f->ntargets) {
		struct regent_conn_handlers h = h0;
		const struct regent_target *t = &f->targets[f->cur];
		char host[64];
		uint16_t port = 0;

		h.arg = f;
		regent_sa_format((const struct sockaddr *)&t->addr, host, sizeof(host), &port);
		regent_log_emit(&io->log, REGENT_LOG_INFO, "connecting %s to %s port %u (%s)",
				regent_transport_name(t->tp), host, port, t->host);
		regent_ua_note_flow(io->ua, f->id, t->tp, host, port,
				    f->dest.numeric ? "" : f->dest.host);
		err = regent_conn_open(&f->conn, t, &co, &h, io->env.now_ms(io->env.arg));
		if (!err) {
			regent_conn_on_mapped(f->conn, on_mapped);
			return;
		}
		regent_log_emit(&io->log, REGENT_LOG_WARN, "cannot open %s flow to %s: %s",
				regent_transport_name(t->tp), host, regent_strerror(err));
		f->cur++;
	}
	/* every target failed: start over with fresh DNS on the next open */
	forget_targets(f);
	f->pending_down = err;
}

static void on_resolved(int err, const struct regent_target *t, size_t n, void *arg)
{
	struct regent_edge_flow *f = arg;
	struct regent_log *log = &f->io->log;

	f->resolving = false;
	if (err) {
		regent_log_emit(log, REGENT_LOG_ERROR, "cannot resolve %s: %s", f->dest.host,
				regent_strerror(err));
		regent_ua_note_flow(f->io->ua, f->id, f->dest.tp, "", 0, f->dest.host);
		if (f->wanted)
			f->pending_down = err;
		return;
	}
	forget_targets(f);
	f->targets = malloc(n * sizeof(*t));
	if (!f->targets) {
		if (f->wanted)
			f->pending_down = ENOMEM;
		return;
	}
	memcpy(f->targets, t, n * sizeof(*t));
	f->ntargets = n;
	f->cur = 0;
	regent_log_emit(log, REGENT_LOG_DEBUG, "%s resolved to %zu target(s)", f->dest.host, n);
	/* closed meanwhile: the targets wait for the next open */
	if (f->wanted)
		start_next(f);
}

void regent_edge_failover_now(struct regent_edge_flow *f)
{
	/* RFC 3263 §4.3: timeout or 503 from this target: drop the flow and
	 * let the next open() use the next target */
	regent_log_emit(&f->io->log, REGENT_LOG_INFO, "failing over from target %zu of %zu",
			f->cur + 1, f->ntargets);
	regent_conn_free(f->conn);
	f->conn = NULL;
	f->up = false;
	f->out_pending = false;
	f->cur++;
	if (f->cur >= f->ntargets)
		forget_targets(f);
}

/* ------------------------------------------------------------ the sender */

static int flow_open(struct regent_edge_flow *f)
{
	int e;

	f->wanted = true;
	if (f->conn || f->resolving)
		return 0; /* on its way (or up: the core knows) */
	if (f->cur < f->ntargets) {
		start_next(f);
		return 0;
	}
	f->resolving = true;
	e = regent_dns_resolve(f->io->dns, &f->dest, &f->io->env, on_resolved, f);
	if (e)
		f->resolving = false;
	return e;
}

static int flow_send(struct regent_edge_flow *f, const char *buf, size_t len)
{
	if (!f->conn || !f->up)
		return ENOTCONN;
	/* no TRACE here: the core logs each message it sends, retransmissions
	 * included (regent_ua_send) */
	return regent_conn_send(f->conn, buf, len);
}

/* A resolution under way is left to finish: its answer is kept for the
 * next open (the DNS object cancels only all at once, and other flows may
 * be resolving). */
static void flow_close(struct regent_edge_flow *f)
{
	regent_conn_free(f->conn);
	f->conn = NULL;
	f->up = false;
	f->wanted = false;
}

static struct regent_edge_flow *flow_of(void *arg, uint32_t id)
{
	struct regent_edge *io = arg;

	return id < io->nflows ? io->flows[id] : NULL;
}

static int edge_open_f(void *arg, uint32_t id)
{
	struct regent_edge_flow *f = flow_of(arg, id);

	return f != NULL ? flow_open(f) : EINVAL;
}

static int edge_send_f(void *arg, uint32_t id, const char *buf, size_t len)
{
	struct regent_edge_flow *f = flow_of(arg, id);

	return f != NULL ? flow_send(f, buf, len) : ENOTCONN;
}

static void edge_close_f(void *arg, uint32_t id)
{
	struct regent_edge_flow *f = flow_of(arg, id);

	if (f != NULL)
		flow_close(f);
}

/* RFC 5626 §4.4.1: the core picks the interval after each 2xx. */
static void edge_keepalive_f(void *arg, uint32_t id, uint32_t interval_s)
{
	struct regent_edge_flow *f = flow_of(arg, id);

	if (f == NULL || (f->ka_set && f->ka_s == interval_s))
		return;
	f->ka_set = true;
	f->ka_s = interval_s;
	if (f->conn != NULL)
		regent_conn_set_keepalive(f->conn, interval_s, f->io->env.now_ms(f->io->env.arg));
}

const struct regent_ua_edge_ops regent_edge_ops = {
    edge_sent,	 edge_response, edge_free,    edge_flow_for,
    edge_open_f, edge_send_f,	edge_close_f, edge_keepalive_f,
    edge_flow_to, /* appended (issue 13 item 3) */
};

/* Flow 0 through the public struct regent_sender, as for any transport. */
static int edge_open(void *arg)
{
	return edge_open_f(arg, 0);
}

static int edge_send(void *arg, const char *buf, size_t len)
{
	return edge_send_f(arg, 0, buf, len);
}

static void edge_close(void *arg)
{
	edge_close_f(arg, 0);
}

const struct regent_sender regent_edge_sender = {edge_open, edge_send, edge_close, NULL};

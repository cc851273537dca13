/*
 * edge — the flows of a UA from regent_ua_alloc() (see net/edge.h): the
 * sender the core sends through, RFC 3263 targets tried in order, failover
 * (§4.3) on a transport error, a timeout or a 503.
 *
 * Re-entrancy: every call into the core may run the user's callbacks, which
 * may free the UA (and with it this edge). The edge's guard
 * (src/base/guard.h) defers that free while the edge is busy, and nothing
 * touches the UA after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

void regent_edge_destroy(struct regent_edge *io)
{
	regent_conn_free(io->conn);
	regent_dns_free(io->dns);
	regent_tls_free(io->tls);
	free(io->targets);
	free(io);
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
	regent_conn_free(io->conn); /* deferred by the conn if it is busy */
	io->conn = NULL;
	regent_dns_cancel(io->dns);
}

static void edge_sent(void *arg, uint32_t cseq, bool again)
{
	struct regent_edge *io = arg;

	if (again || (io->out_pending && cseq == io->out_cseq))
		return; /* a retransmission: timer F keeps running */
	io->out_pending = true;
	io->out_cseq = cseq;
	io->out_since = io->env.now_ms(io->env.arg);
}

static void edge_response(void *arg, uint32_t cseq, uint16_t status)
{
	struct regent_edge *io = arg;

	if (io->out_pending && status >= 200 && cseq == io->out_cseq)
		io->out_pending = false;
	/* RFC 3263 §4.3: a 503 moves on to the next target, after the core
	 * has seen it (it decides when to retry) */
	if (status == 503 && io->ntargets > 1)
		io->failover = ECONNREFUSED;
}

const struct regent_ua_edge_ops regent_edge_ops = {edge_sent, edge_response, edge_free};

/* ------------------------------------------------------------ flows */

static void start_next(struct regent_edge *io);

static void on_up(void *arg, const struct regent_flow_info *fi)
{
	struct regent_edge *io = arg;

	io->up = true;
	if (io->ua)
		regent_ua_flow_up(io->ua, fi);
}

static void on_recv(void *arg, const char *buf, size_t len)
{
	struct regent_edge *io = arg;

	if (!io->ua)
		return;
	/* a response starts with the SIP version (RFC 3261 §7.2) */
	if (len >= 12 && memcmp(buf, "SIP/2.0 ", 8) == 0) {
		regent_ua_recv(io->ua, buf, len); /* traces it, tells edge_response */
		return;
	}
	/* requests never reach the core: traced here, as the core traces */
	regent_ua_trace_msg(io->ua, regent_ua_flow_info(io->ua), false, buf, len);
	regent_edge_answer(io, buf, len);
}

static void forget_targets(struct regent_edge *io)
{
	free(io->targets);
	io->targets = NULL;
	io->ntargets = io->cur = 0;
}

static void on_down(void *arg, int err)
{
	struct regent_edge *io = arg;
	bool was_up = io->up;

	regent_conn_free(io->conn); /* deferred: we are inside its process */
	io->conn = NULL;
	io->up = false;
	/* RFC 3263 §4.3: a transport error moves on to the next target */
	io->cur++;
	if (!was_up && io->cur < io->ntargets) {
		/* never got up: try the next target without bothering the core */
		regent_log_emit(&io->log, REGENT_LOG_INFO, "trying the next target (%zu of %zu)",
				io->cur + 1, io->ntargets);
		start_next(io);
		return;
	}
	if (io->cur >= io->ntargets)
		forget_targets(io);
	if (err == REGENT_ETLSVERIFY)
		regent_ua_note_detail(io->ua, io->tls_detail);
	if (io->ua)
		regent_ua_flow_down(io->ua, err);
}

static void start_next(struct regent_edge *io)
{
	static const struct regent_conn_handlers h0 = {on_up, on_recv, on_down, NULL};
	int err = REGENT_EDNS;

	while (io->cur < io->ntargets) {
		struct regent_conn_handlers h = h0;
		const struct regent_target *t = &io->targets[io->cur];
		char host[64];
		uint16_t port = 0;

		h.arg = io;
		regent_sa_format((const struct sockaddr *)&t->addr, host, sizeof(host), &port);
		regent_log_emit(&io->log, REGENT_LOG_INFO, "connecting %s to %s port %u (%s)",
				regent_transport_name(t->tp), host, port, t->host);
		regent_ua_note_flow(io->ua, t->tp, host, port,
				    io->dest.numeric ? "" : io->dest.host);
		err = regent_conn_open(&io->conn, t, &io->co, &h, io->env.now_ms(io->env.arg));
		if (!err)
			return;
		regent_log_emit(&io->log, REGENT_LOG_WARN, "cannot open %s flow to %s: %s",
				regent_transport_name(t->tp), host, regent_strerror(err));
		io->cur++;
	}
	/* every target failed: start over with fresh DNS on the next open */
	forget_targets(io);
	io->pending_down = err;
}

static void on_resolved(int err, const struct regent_target *t, size_t n, void *arg)
{
	struct regent_edge *io = arg;

	io->resolving = false;
	if (err) {
		regent_log_emit(&io->log, REGENT_LOG_ERROR, "cannot resolve %s: %s", io->dest.host,
				regent_strerror(err));
		regent_ua_note_flow(io->ua, io->dest.tp, "", 0, io->dest.host);
		io->pending_down = err;
		return;
	}
	io->targets = malloc(n * sizeof(*t));
	if (!io->targets) {
		io->pending_down = ENOMEM;
		return;
	}
	memcpy(io->targets, t, n * sizeof(*t));
	io->ntargets = n;
	io->cur = 0;
	regent_log_emit(&io->log, REGENT_LOG_DEBUG, "%s resolved to %zu target(s)", io->dest.host,
			n);
	start_next(io);
}

void regent_edge_failover_now(struct regent_edge *io)
{
	/* RFC 3263 §4.3: timeout or 503 from this target: drop the flow and
	 * let the next open() use the next target */
	regent_log_emit(&io->log, REGENT_LOG_INFO, "failing over from target %zu of %zu",
			io->cur + 1, io->ntargets);
	regent_conn_free(io->conn);
	io->conn = NULL;
	io->up = false;
	io->out_pending = false;
	io->cur++;
	if (io->cur >= io->ntargets)
		forget_targets(io);
}

/* ------------------------------------------------------------ the sender */

static int edge_open(void *arg)
{
	struct regent_edge *io = arg;
	int e;

	if (io->conn || io->resolving)
		return 0; /* on its way (or up: the core knows) */
	if (io->cur < io->ntargets) {
		start_next(io);
		return 0;
	}
	io->resolving = true;
	e = regent_dns_resolve(io->dns, &io->dest, &io->env, on_resolved, io);
	if (e)
		io->resolving = false;
	return e;
}

static int edge_send(void *arg, const char *buf, size_t len)
{
	struct regent_edge *io = arg;

	if (!io->conn || !io->up)
		return ENOTCONN;
	/* no TRACE here: the core logs each message it sends, retransmissions
	 * included (regent_ua_send) */
	return regent_conn_send(io->conn, buf, len);
}

static void edge_close(void *arg)
{
	struct regent_edge *io = arg;

	regent_conn_free(io->conn);
	io->conn = NULL;
	io->up = false;
	regent_dns_cancel(io->dns);
	io->resolving = false;
}

const struct regent_sender regent_edge_sender = {edge_open, edge_send, edge_close, NULL};

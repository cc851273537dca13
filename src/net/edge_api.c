/*
 * edge_api — regent_ua_alloc() (a UA with regent's own I/O) and the
 * embedding API the loop and host programs drive (c-ares style: fds,
 * timeout, process).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/edge.h"
#include "ua/ua.h"

/* The edge's parts from the options; err names the field at fault. */
static int set_up(struct regent_edge *io, const struct regent_ua_options *o,
		  struct regent_error *err)
{
	/* RFC 3261 §8.1.2: the outbound proxy takes every request; without
	 * one, a preloaded route set sends every request to its first URI (a
	 * loose router: the Request-URI stays the registrar, §16.12); without
	 * either, flow 0 goes to the default registrar, the AOR's domain (RFC
	 * 3263), and each Registerer naming another registrar gets its own
	 * flow (edge.c, edge_flow_for) */
	bool routed = o->preloaded_route_set_count > 0 && o->preloaded_route_set != NULL &&
		      o->preloaded_route_set[0] != NULL;
	const char *where = o->server ? o->server : routed ? o->preloaded_route_set[0] : o->uri;
	const char *field = o->server ? "server" : routed ? "preloaded_route_set[0]" : "uri";
	struct regent_tls_options to = {o->tls_ca_file, o->tls_ca_dir, o->tls_insecure};
	struct regent_dest d;
	uint32_t id;
	int e;

	if (!where)
		return regent_error_set(err, EINVAL, "uri: required");
	io->force = o->transport;
	io->proxy = o->server != NULL || routed;
	e = regent_dest_parse_field(&d, where, o->transport, field, err);
	if (!e && regent_edge_flow_add(io, &d, &id) != 0)
		e = regent_error_set(err, ENOMEM, "ua: out of memory");
	if (!e)
		e = regent_local_parse(&io->local, o->local_address, err);
	if (!e)
		e = regent_tls_alloc(&io->tls, &to, err);
	if (e)
		return e;
	io->co.tls = io->tls;
	if (o->tls_insecure)
		regent_log_emit(&io->log, REGENT_LOG_WARN,
				"tls_insecure is set: TLS peers will NOT be verified (no "
				"certificate or host name check); use only for testing");
	/* issue 13 item 6: a new address or route re-registers over a new
	 * flow; without rtnetlink (not Linux, a sandbox) only logged */
	if (o->watch_network && (e = regent_netwatch_open(&io->nw, 0)) != 0)
		regent_log_emit(&io->log, REGENT_LOG_WARN, "watch_network: cannot watch: %s",
				regent_strerror(e));
	e = regent_dns_alloc(&io->dns, o->dns_server);
	if (e)
		return regent_error_set(err, e, "dns_server: \"%.100s\" is not usable",
					o->dns_server ? o->dns_server : "/etc/resolv.conf");
	return 0;
}

int regent_ua_alloc(struct regent_ua **uap, const struct regent_ua_options *o,
		    struct regent_error *err)
{
	struct regent_sender s = regent_edge_sender;
	struct regent_edge *io;
	struct regent_ua *ua = NULL;
	int e;

	regent_error_clear(err);
	if (!uap || !o)
		return regent_error_set(err, EINVAL, "ua: NULL argument");
	io = calloc(1, sizeof(*io));
	if (!io)
		return regent_error_set(err, ENOMEM, "ua: out of memory");
	regent_env_system(&io->env);
	io->env.random = regent_edge_random;
	io->env.arg = io;
	io->log.h = o->log_h;
	io->log.arg = o->log_arg;
	io->log.level = o->log_level;
	io->t1_ms = o->t1_ms;
	/* RFC 5626 §4.4 keep-alives with an answer check (pong within 10 s,
	 * STUN on UDP); a user interval applies from the first connection,
	 * "auto" is set per flow by the Registerer after each 2xx */
	regent_conn_options_init(&io->co);
	io->co.connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 5000;
	io->co.keepalive_interval_s =
	    o->keepalive_interval_s == REGENT_KEEPALIVE_OFF ? 0 : o->keepalive_interval_s;
	io->co.log = &io->log;
	io->co.local = &io->local;
	io->co.tls_detail = io->tls_detail;
	io->co.tls_detail_size = sizeof(io->tls_detail);
	io->co.env = &io->env;
	s.arg = io;
	e = regent_edge_srv_init(io, o, err);
	if (!e)
		e = set_up(io, o, err);
	if (!e)
		e = regent_ua_alloc_core(&ua, o, &io->env, &s, err);
	if (e) {
		regent_edge_destroy(io);
		return e;
	}
	io->ua = ua;
	regent_ua_set_edge(ua, io, &regent_edge_ops);
	*uap = ua;
	return 0;
}

/* ------------------------------------------------------------ embedding */

static struct regent_edge *edge_of(struct regent_ua *ua)
{
	return regent_ua_edge(ua, &regent_edge_ops);
}

size_t regent_ua_io_fds(struct regent_ua *ua, struct regent_pollfd *fds, size_t max)
{
	struct regent_edge *io = edge_of(ua);
	struct regent_pollfd tmp[16];
	size_t n = 0, k;

	if (!io)
		return 0;
	for (uint32_t i = 0; i < io->nflows; i++) {
		int ev = 0, fd = regent_conn_fd(io->flows[i]->conn, &ev);

		if (fd >= 0 && ev) {
			if (n < max && fds)
				fds[n] = (struct regent_pollfd){fd, ev, 0};
			n++;
		}
	}
	if (io->nw != NULL) {
		if (n < max && fds)
			fds[n] =
			    (struct regent_pollfd){regent_netwatch_fd(io->nw), REGENT_POLL_IN, 0};
		n++;
	}
	k = regent_dns_fds(io->dns, tmp, 16);
	for (size_t i = 0; i < k && i < 16; i++) {
		if (n < max && fds)
			fds[n] = tmp[i];
		n++;
	}
	return n;
}

/* Timer F of the request on the wire, plus a margin: past it, the core has
 * failed the request by now. */
static uint64_t out_deadline(const struct regent_edge *io, const struct regent_edge_flow *f)
{
	return f->out_pending ? f->out_since + 64u * io->t1_ms + 201u : UINT64_MAX;
}

/* The earliest deadline of the flows; 0 when one has something to report. */
static uint64_t flows_deadline(const struct regent_edge *io)
{
	uint64_t dl = UINT64_MAX;

	for (uint32_t i = 0; i < io->nflows; i++) {
		const struct regent_edge_flow *f = io->flows[i];
		uint64_t cd = regent_conn_deadline(f->conn);

		if (f->pending_down || f->failover)
			return 0;
		dl = cd < dl ? cd : dl;
		dl = out_deadline(io, f) < dl ? out_deadline(io, f) : dl;
	}
	if (io->nw != NULL && regent_netwatch_deadline(io->nw) < dl)
		dl = regent_netwatch_deadline(io->nw);
	return dl;
}

int regent_ua_io_timeout(struct regent_ua *ua)
{
	struct regent_edge *io = edge_of(ua);
	uint64_t now, dl, fd;
	int t = -1, dt;

	if (!io)
		return -1;
	fd = flows_deadline(io);
	if (fd == 0)
		return 0;
	now = io->env.now_ms(io->env.arg);
	dl = regent_ua_next_deadline(ua);
	if (fd < dl)
		dl = fd;
	if (dl != UINT64_MAX)
		t = dl <= now ? 0 : (dl - now > 86400000u ? 86400000 : (int)(dl - now));
	dt = regent_dns_timeout(io->dns);
	if (dt >= 0 && (t < 0 || dt < t))
		t = dt;
	return t;
}

/* The conn's readiness from fds. */
static void process_conn(struct regent_edge *io, struct regent_edge_flow *f,
			 const struct regent_pollfd *fds, size_t n)
{
	int ev = 0, rev = 0, fd = regent_conn_fd(f->conn, &ev);

	for (size_t i = 0; i < n && fds; i++) {
		if (fds[i].fd == fd && fd >= 0)
			rev |= fds[i].revents;
	}
	regent_conn_process(f->conn, rev, io->env.now_ms(io->env.arg));
}

/* Flow i's connection and what it has to tell the core. io->flows is read
 * again after each call out: a callback that makes a Registerer on a new
 * destination may grow it (the flows themselves never move). False when
 * the UA went. */
static bool process_flow(struct regent_edge *io, uint32_t i, const struct regent_pollfd *fds,
			 size_t n)
{
	int e;

	if (io->flows[i]->conn) {
		process_conn(io, io->flows[i], fds, n);
		if (regent_guard_doomed(&io->guard))
			return false;
	}
	if (io->flows[i]->pending_down) {
		e = io->flows[i]->pending_down;
		io->flows[i]->pending_down = 0;
		if (io->ua)
			regent_ua_edge_flow_down(io->ua, i, e);
		if (regent_guard_doomed(&io->guard))
			return false;
	}
	return true;
}

/* A request unanswered past timer F (64*T1, RFC 3261 §17.1.2.2): the core
 * has failed it by now; the next try goes to the next target. False when
 * the UA went. */
static bool failover_flow(struct regent_edge *io, uint32_t i)
{
	struct regent_edge_flow *f = io->flows[i];
	int e;

	if (f->out_pending && io->env.now_ms(io->env.arg) >= out_deadline(io, f)) {
		f->out_pending = false;
		if (f->ntargets > 1)
			f->failover = ETIMEDOUT;
	}
	if (f->failover && io->ua) {
		e = f->failover;
		f->failover = 0;
		regent_edge_failover_now(f);
		regent_ua_edge_flow_down(io->ua, i, e);
		if (regent_guard_doomed(&io->guard))
			return false;
	}
	return true;
}

/* The network watcher: a burst of address/route changes is one
 * regent_ua_network_changed() (new flows, re-registration). */
static void process_netwatch(struct regent_edge *io, const struct regent_pollfd *fds, size_t n)
{
	int fd = regent_netwatch_fd(io->nw);
	uint64_t now = io->env.now_ms(io->env.arg);
	bool ready = now >= regent_netwatch_deadline(io->nw);

	for (size_t i = 0; i < n && fds != NULL; i++)
		ready = ready || (fds[i].fd == fd && fds[i].revents != 0);
	if (!ready || !regent_netwatch_process(io->nw, now) || io->ua == NULL)
		return;
	regent_log_emit(&io->log, REGENT_LOG_INFO, "network changed: re-registering");
	regent_ua_network_changed(io->ua);
}

/* The steps of one process call; each may free the UA (and doom io). */
static void process_steps(struct regent_edge *io, const struct regent_pollfd *fds, size_t n)
{
	regent_dns_process(io->dns, fds, n);
	if (regent_guard_doomed(&io->guard))
		return;
	if (io->nw != NULL) {
		process_netwatch(io, fds, n);
		if (regent_guard_doomed(&io->guard))
			return;
	}
	for (uint32_t i = 0; i < io->nflows; i++) {
		if (!process_flow(io, i, fds, n))
			return;
	}
	if (io->ua)
		regent_ua_process(io->ua);
	if (regent_guard_doomed(&io->guard))
		return;
	for (uint32_t i = 0; i < io->nflows; i++) {
		if (!failover_flow(io, i))
			return;
	}
}

void regent_ua_io_process(struct regent_ua *ua, const struct regent_pollfd *fds, size_t n)
{
	struct regent_edge *io = edge_of(ua);

	if (!io)
		return;
	regent_guard_enter(&io->guard);
	process_steps(io, fds, n);
	if (regent_guard_leave(&io->guard))
		regent_edge_destroy(io);
}

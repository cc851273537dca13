/*
 * io — the I/O edge of a UA from regent_ua_alloc(): it implements the core's
 * struct regent_sender with regent's own transports (net/), resolves the
 * server or the registrar's domain with RFC 3263, walks the ordered target
 * list on failure (§4.3), answers requests that arrive on the flow, and
 * exposes the embedding API (fds, timeout, process) the loop and host
 * programs drive.
 *
 * Re-entrancy: every call into the core may run the user's callbacks, which
 * may free the UA (and with it this edge). Such a free is deferred while the
 * edge is busy, and nothing touches the UA after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"
#include "net/net.h"
#include "regent.h"
#include "ua/io.h"
#include "ua/ua.h"

struct regent_io {
	struct regent_ua *ua;
	struct regent_env env;
	struct regent_dest dest;
	struct regent_dns *dns;
	struct regent_tls *tls;
	struct regent_conn_options co;
	regent_log_h *log_h;
	void *log_arg;
	enum regent_log_level log_level;

	struct regent_target *targets;
	size_t ntargets, cur;
	struct regent_conn *conn;
	bool up;
	bool resolving;
	int pending_down; /* flow_down to report from io_process */
	int failover;	  /* move to the next target (503, timeout): the error */

	/* the request on the wire, to notice a transaction that timed out
	 * (RFC 3263 §4.3 fails over on a timeout too) */
	bool out_pending;
	uint32_t out_cseq;
	uint64_t out_since;
	int busy;
	bool dead; /* freed while busy */

	/* random bytes drawn from getrandom(2) in bulk: a registration asks
	 * for a Call-ID, tags, branches and a cnonce, seven draws that would
	 * each be a system call. Like the UA's socket and its Call-IDs, the
	 * buffer is not for sharing across fork(): a child must make its own
	 * UA (after a fork both would hand out the same bytes). */
	unsigned char rnd[64];
	size_t rnd_left;
};

static void iolog(struct regent_io *io, enum regent_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void io_random(void *arg, void *buf, size_t len)
{
	struct regent_io *io = arg;
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

static void iolog(struct regent_io *io, enum regent_log_level lvl, const char *fmt, ...)
{
	if (!io->log_h || lvl > io->log_level)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	io->log_h(lvl, line, io->log_arg);
}

static void conn_log(void *arg, enum regent_log_level lvl, const char *line)
{
	iolog(arg, lvl, "%s", line);
}

static void io_destroy(struct regent_io *io)
{
	regent_conn_free(io->conn);
	regent_dns_free(io->dns);
	regent_tls_free(io->tls);
	free(io->targets);
	free(io);
}

/* ua->edge_free: the core frees the UA */
static void io_edge_free(void *arg)
{
	struct regent_io *io = arg;
	if (!io)
		return;
	io->ua = NULL;
	if (io->busy) {
		io->dead = true;
		regent_conn_free(io->conn); /* deferred by the conn if it is busy */
		io->conn = NULL;
		regent_dns_cancel(io->dns);
		return;
	}
	io_destroy(io);
}

/* ------------------------------------------------------------ inbound requests */

static void answer_request(struct regent_io *io, const char *buf, size_t len)
{
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_wbuf wb;
	if (regent_msg_parse(&m, buf, len, NULL, &me) != 0) {
		iolog(io, REGENT_LOG_DEBUG, "dropped a malformed request: %s", me.reason);
		return;
	}
	struct regent_pl method = regent_msg_method(m);
	uint16_t code;
	const char *reason;
	/* RFC 3261 §17: ACK gets no response */
	if (regent_pl_eq_str(method, "ACK"))
		goto out;
	if (regent_pl_eq_str(method, "OPTIONS")) {
		code = 200; /* RFC 3261 §11.2 */
		reason = "OK";
	} else if (regent_pl_eq_str(method, "INVITE") || regent_pl_eq_str(method, "NOTIFY") ||
		   regent_pl_eq_str(method, "SUBSCRIBE") || regent_pl_eq_str(method, "MESSAGE") ||
		   regent_pl_eq_str(method, "BYE") || regent_pl_eq_str(method, "CANCEL") ||
		   regent_pl_eq_str(method, "INFO") || regent_pl_eq_str(method, "UPDATE") ||
		   regent_pl_eq_str(method, "REFER") || regent_pl_eq_str(method, "PRACK") ||
		   regent_pl_eq_str(method, "PUBLISH") || regent_pl_eq_str(method, "REGISTER")) {
		code = 405; /* known to SIP, not supported by a registration agent */
		reason = "Method Not Allowed";
	} else {
		code = 501; /* RFC 3261 §8.2.1 */
		reason = "Not Implemented";
	}
	regent_wbuf_init_dynamic(&wb, 65536);
	regent_build_status_line(&wb, code, reason);
	/* RFC 3261 §8.2.6.2: Via (all, in order), From, To, Call-ID, CSeq copied */
	struct regent_addr to;
	bool to_tag = regent_msg_to(m, &to) == 0 && regent_pl_isset(to.tag);
	for (size_t i = 0; i < regent_msg_hdr_count(m); i++) {
		const struct regent_hdr *h = regent_msg_hdr_at(m, i);
		const char *name = regent_hdr_canonical_name(h->id);
		switch (h->id) {
		case REGENT_HDR_VIA:
		case REGENT_HDR_FROM:
		case REGENT_HDR_CALL_ID:
		case REGENT_HDR_CSEQ:
		case REGENT_HDR_TO:
			regent_wbuf_puts(&wb, name);
			regent_wbuf_puts(&wb, ": ");
			regent_wbuf_write(&wb, h->value.p, h->value.l);
			if (h->id == REGENT_HDR_TO && !to_tag) {
				unsigned char r[6];
				io->env.random(io->env.arg, r, sizeof(r));
				regent_wbuf_printf(&wb, ";tag=%02x%02x%02x%02x%02x%02x", r[0], r[1],
						   r[2], r[3], r[4], r[5]);
			}
			regent_wbuf_puts(&wb, "\r\n");
			break;
		default:
			break;
		}
	}
	regent_wbuf_puts(&wb, "Allow: OPTIONS\r\n");
	if (regent_build_finish(&wb, NULL, 0) == 0 && io->conn) {
		iolog(io, REGENT_LOG_DEBUG, "answered %.*s with %u", (int)method.l, method.p, code);
		regent_conn_send(io->conn, wb.buf, wb.len);
	}
	regent_wbuf_release(&wb);
out:
	regent_msg_free(m);
}

/* ------------------------------------------------------------ flows */

static void start_next(struct regent_io *io);

static bool cseq_of(const char *buf, size_t len, uint32_t *num)
{
	struct regent_msg *m = NULL;
	struct regent_pl method;
	bool ok = regent_msg_parse(&m, buf, len, NULL, NULL) == 0 &&
		  regent_msg_cseq(m, num, &method) == 0;
	regent_msg_free(m);
	return ok;
}

static void track_response(struct regent_io *io, const char *buf, size_t len)
{
	uint32_t n;
	if (io->out_pending && buf[8] >= '2' && cseq_of(buf, len, &n) && n == io->out_cseq)
		io->out_pending = false;
}

static void track_request(struct regent_io *io, const char *buf, size_t len)
{
	uint32_t n;
	if (!cseq_of(buf, len, &n))
		return;
	if (io->out_pending && n == io->out_cseq)
		return; /* a retransmission: timer F keeps running */
	io->out_pending = true;
	io->out_cseq = n;
	io->out_since = io->env.now_ms(io->env.arg);
}

static void on_up(void *arg, const struct regent_flow_info *fi)
{
	struct regent_io *io = arg;
	io->up = true;
	if (io->ua)
		regent_ua_flow_up(io->ua, fi);
}

static void on_recv(void *arg, const char *buf, size_t len)
{
	struct regent_io *io = arg;
	if (!io->ua)
		return;
	/* a response starts with the SIP version (RFC 3261 §7.2) */
	if (len >= 12 && memcmp(buf, "SIP/2.0 ", 8) == 0) {
		track_response(io, buf, len);
		/* RFC 3263 §4.3: a 503 moves on to the next target, after the
		 * core has seen it (it decides when to retry) */
		if (memcmp(buf + 8, "503", 3) == 0 && io->ntargets > 1)
			io->failover = ECONNREFUSED;
		regent_ua_recv(io->ua, buf, len); /* traces it */
		return;
	}
	/* requests never reach the core: traced here */
	iolog(io, REGENT_LOG_TRACE, "recv %zu bytes:\n%.*s", len, (int)len, buf);
	answer_request(io, buf, len);
}

static void on_down(void *arg, int err)
{
	struct regent_io *io = arg;
	bool was_up = io->up;
	regent_conn_free(io->conn); /* deferred: we are inside its process */
	io->conn = NULL;
	io->up = false;
	/* RFC 3263 §4.3: a transport error moves on to the next target */
	io->cur++;
	if (!was_up && io->cur < io->ntargets) {
		/* never got up: try the next target without bothering the core */
		iolog(io, REGENT_LOG_INFO, "trying the next target (%zu of %zu)", io->cur + 1,
		      io->ntargets);
		start_next(io);
		return;
	}
	if (io->cur >= io->ntargets) {
		free(io->targets);
		io->targets = NULL;
		io->ntargets = io->cur = 0;
	}
	if (io->ua)
		regent_ua_flow_down(io->ua, err);
}

static void start_next(struct regent_io *io)
{
	static const struct regent_conn_handlers h0 = {on_up, on_recv, on_down, conn_log, NULL};
	int err = REGENT_EDNS;
	while (io->cur < io->ntargets) {
		struct regent_conn_handlers h = h0;
		h.arg = io;
		const struct regent_target *t = &io->targets[io->cur];
		char host[64];
		uint16_t port = 0;
		regent_sa_format((const struct sockaddr *)&t->addr, host, sizeof(host), &port);
		iolog(io, REGENT_LOG_INFO, "connecting %s to %s port %u (%s)",
		      regent_transport_name(t->tp), host, port, t->host);
		err = regent_conn_open(&io->conn, t, &io->co, &h, io->env.now_ms(io->env.arg));
		if (!err)
			return;
		iolog(io, REGENT_LOG_WARN, "cannot open %s flow to %s: %s",
		      regent_transport_name(t->tp), host, regent_strerror(err));
		io->cur++;
	}
	/* every target failed: start over with fresh DNS on the next open */
	free(io->targets);
	io->targets = NULL;
	io->ntargets = io->cur = 0;
	io->pending_down = err;
}

static void on_resolved(int err, const struct regent_target *t, size_t n, void *arg)
{
	struct regent_io *io = arg;
	io->resolving = false;
	if (err) {
		iolog(io, REGENT_LOG_ERROR, "cannot resolve %s: %s", io->dest.host,
		      regent_strerror(err));
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
	iolog(io, REGENT_LOG_DEBUG, "%s resolved to %zu target(s)", io->dest.host, n);
	start_next(io);
}

/* ------------------------------------------------------------ the sender */

static int io_open(void *arg)
{
	struct regent_io *io = arg;
	if (io->conn || io->resolving)
		return 0; /* on its way (or up: the core knows) */
	if (io->cur < io->ntargets) {
		start_next(io);
		return 0;
	}
	io->resolving = true;
	int e = regent_dns_resolve(io->dns, &io->dest, &io->env, on_resolved, io);
	if (e) {
		io->resolving = false;
		return e;
	}
	return 0;
}

static int io_send(void *arg, const char *buf, size_t len)
{
	struct regent_io *io = arg;
	if (!io->conn || !io->up)
		return ENOTCONN;
	/* no TRACE here: the core logs each message it sends, retransmissions
	 * included (regent_ua_send) */
	int e = regent_conn_send(io->conn, buf, len);
	if (!e && !(len >= 8 && memcmp(buf, "SIP/2.0 ", 8) == 0))
		track_request(io, buf, len);
	return e;
}

static void io_close(void *arg)
{
	struct regent_io *io = arg;
	regent_conn_free(io->conn);
	io->conn = NULL;
	io->up = false;
	regent_dns_cancel(io->dns);
	io->resolving = false;
}

/* Drops the flow and moves the cursor; the caller tells the core. */
static void failover_now(struct regent_io *io)
{
	/* RFC 3263 §4.3: timeout or 503 from this target: drop the flow and
	 * let the next open() use the next target */
	iolog(io, REGENT_LOG_INFO, "failing over from target %zu of %zu", io->cur + 1,
	      io->ntargets);
	regent_conn_free(io->conn);
	io->conn = NULL;
	io->up = false;
	io->out_pending = false;
	io->cur++;
	if (io->cur >= io->ntargets) {
		free(io->targets);
		io->targets = NULL;
		io->ntargets = io->cur = 0;
	}
}

void regent_ua_io_failover(struct regent_ua *ua)
{
	struct regent_io *io = ua ? (struct regent_io *)ua->edge : NULL;
	if (io && !io->failover)
		io->failover = ECONNREFUSED;
}

/* ------------------------------------------------------------ construction */

int regent_ua_alloc(struct regent_ua **uap, const struct regent_ua_options *o,
		    struct regent_error *err)
{
	struct regent_io *io = NULL;
	struct regent_ua *ua = NULL;
	int e = 0;
	if (err) {
		err->code = 0;
		err->text[0] = '\0';
	}
	if (!uap || !o)
		return EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return ENOMEM;
	regent_env_system(&io->env);
	io->env.random = io_random;
	io->env.arg = io;
	io->log_h = o->log_h;
	io->log_arg = o->log_arg;
	io->log_level = o->log_level;
	io->co.connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 5000;
	io->co.keepalive_interval_s = o->keepalive_interval_s;
	io->co.max_msg = 65536;

	/* where to: the outbound server, else RFC 3263 on the AOR's domain */
	const char *where = o->server ? o->server : o->uri;
	if (!where) {
		e = EINVAL;
		if (err) {
			err->code = e;
			snprintf(err->text, sizeof(err->text), "uri: required");
		}
		goto out;
	}
	e = regent_dest_parse(&io->dest, where, o->transport, err);
	if (e) {
		if (err && !o->server) /* name the field the user set */
			memcpy(err->text, "uri   ", 6);
		goto out;
	}
	struct regent_tls_options to = {o->tls_ca_file, o->tls_ca_dir, o->tls_insecure};
	e = regent_tls_alloc(&io->tls, &to, err);
	if (e)
		goto out;
	io->co.tls = io->tls;
	if (o->tls_insecure) {
		iolog(io, REGENT_LOG_WARN,
		      "tls_insecure is set: TLS peers will NOT be verified (no certificate or "
		      "host name check); use only for testing");
	}
	e = regent_dns_alloc(&io->dns, o->dns_server);
	if (e) {
		if (err) {
			err->code = e;
			snprintf(err->text, sizeof(err->text),
				 "dns_server: \"%.100s\" is not usable",
				 o->dns_server ? o->dns_server : "/etc/resolv.conf");
		}
		goto out;
	}
	struct regent_sender s = {io_open, io_send, io_close, io};
	e = regent_ua_alloc_core(&ua, o, &io->env, &s, err);
	if (e)
		goto out;
	io->ua = ua;
	ua->edge = io;
	ua->edge_free = io_edge_free;
out:
	if (e) {
		io_destroy(io);
		return e;
	}
	*uap = ua;
	return 0;
}

/* ------------------------------------------------------------ embedding */

size_t regent_ua_io_fds(struct regent_ua *ua, struct regent_pollfd *fds, size_t max)
{
	struct regent_io *io = ua ? (struct regent_io *)ua->edge : NULL;
	size_t n = 0;
	if (!io)
		return 0;
	int ev = 0;
	int fd = regent_conn_fd(io->conn, &ev);
	if (fd >= 0 && ev) {
		if (n < max && fds)
			fds[n] = (struct regent_pollfd){fd, ev, 0};
		n++;
	}
	struct regent_pollfd tmp[16];
	size_t k = regent_dns_fds(io->dns, tmp, 16);
	for (size_t i = 0; i < k && i < 16; i++) {
		if (n < max && fds)
			fds[n] = tmp[i];
		n++;
	}
	return n;
}

int regent_ua_io_timeout(struct regent_ua *ua)
{
	struct regent_io *io = ua ? (struct regent_io *)ua->edge : NULL;
	if (!io)
		return -1;
	if (io->pending_down || io->failover)
		return 0;
	uint64_t now = io->env.now_ms(io->env.arg);
	uint64_t dl = regent_ua_next_deadline(ua);
	uint64_t cd = regent_conn_deadline(io->conn);
	if (cd < dl)
		dl = cd;
	if (io->out_pending && io->out_since + 64u * ua->t1_ms + 201u < dl)
		dl = io->out_since + 64u * ua->t1_ms + 201u;
	int t = -1;
	if (dl != UINT64_MAX)
		t = dl <= now ? 0 : (dl - now > 86400000u ? 86400000 : (int)(dl - now));
	int dt = regent_dns_timeout(io->dns);
	if (dt >= 0 && (t < 0 || dt < t))
		t = dt;
	return t;
}

void regent_ua_io_process(struct regent_ua *ua, const struct regent_pollfd *fds, size_t n)
{
	struct regent_io *io = ua ? (struct regent_io *)ua->edge : NULL;
	if (!io)
		return;
	io->busy++;
	regent_dns_process(io->dns, fds, n);
	if (io->dead)
		goto out;
	if (io->conn) {
		int ev = 0;
		int fd = regent_conn_fd(io->conn, &ev);
		int rev = 0;
		for (size_t i = 0; i < n && fds; i++) {
			if (fds[i].fd == fd && fd >= 0)
				rev |= fds[i].revents;
		}
		regent_conn_process(io->conn, rev, io->env.now_ms(io->env.arg));
		if (io->dead)
			goto out;
	}
	if (io->pending_down) {
		int e = io->pending_down;
		io->pending_down = 0;
		if (io->ua)
			regent_ua_flow_down(io->ua, e);
		if (io->dead)
			goto out;
	}
	if (io->ua)
		regent_ua_process(io->ua);
	if (io->dead)
		goto out;
	/* a request unanswered past timer F (64*T1, RFC 3261 §17.1.2.2): the
	 * core has failed it by now; the next try goes to the next target */
	if (io->out_pending && io->ua &&
	    io->env.now_ms(io->env.arg) > io->out_since + 64u * io->ua->t1_ms + 200u) {
		io->out_pending = false;
		if (io->ntargets > 1)
			io->failover = ETIMEDOUT;
	}
	if (io->failover && io->ua) {
		int e = io->failover;
		io->failover = 0;
		failover_now(io);
		regent_ua_flow_down(io->ua, e);
	}
out:
	io->busy--;
	if (io->dead && !io->busy)
		io_destroy(io);
}

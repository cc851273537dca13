/*
 * conn — one flow to one target: UDP (connected socket), TCP, TLS on
 * OpenSSL, and WS / WSS (RFC 7118 over RFC 6455, framing by libwslay).
 *
 * Why libwslay for WebSocket framing: it is a small, well-kept C library
 * (used by nghttp2/aria2), packaged in Debian, with no I/O of its own; its
 * event API already does what RFC 6455 asks of a client and is easy to get
 * subtly wrong by hand: masking every client frame (§5.3), reassembling
 * fragmented messages (§5.4), answering ping with pong (§5.5.2) and the
 * close handshake (§5.5.1), with a bound on message size. We write only the
 * HTTP upgrade (§4.1) and the Sec-WebSocket-Accept check ourselves.
 *
 * State: CONNECTING (non-blocking connect) -> TLS handshake -> WS upgrade ->
 * UP, each step skipped when it does not apply; the connect timeout covers
 * all of them. Handlers run only from regent_conn_process(), never from
 * open/send/free, and a handler may free the conn (the guard of
 * src/base/guard.h defers it until the process call unwinds).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "base/base.h"
#include "base/guard.h"
#include "msg/msg.h"
#include "msg/stun.h"
#include "net/conn_int.h"
#include "net/net.h"

int regent_conn_out_append(struct regent_conn *c, const void *p, size_t l)
{
	if (c->outlen + l > OUT_MAX)
		return ENOBUFS;
	if (c->outlen + l > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		while (cap < c->outlen + l)
			cap *= 2;
		char *n = realloc(c->out, cap);
		if (!n)
			return ENOMEM;
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, l);
	c->outlen += l;
	return 0;
}

static void go_down(struct regent_conn *c, int err)
{
	if (c->st == C_DOWN)
		return;
	c->st = C_DOWN;
	regent_log_emit(c->o.log, err ? REGENT_LOG_WARN : REGENT_LOG_INFO,
			"%s flow to %s: down (%s)", regent_transport_name(c->t.tp), c->t.host,
			regent_strerror(err));
	if (c->h.down)
		c->h.down(c->h.arg, err);
}

/* ---------------------------------------------------------- raw I/O */

/* >0 bytes, 0 would block, -errno on error/close */
static ssize_t raw_write(struct regent_conn *c, const char *p, size_t l)
{
	if (c->ssl) {
		ERR_clear_error();
		int n = SSL_write(c->ssl, p, (int)(l > 65536 ? 65536 : l));
		if (n > 0)
			return n;
		int e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			c->ssl_want_write = e == SSL_ERROR_WANT_WRITE;
			return 0;
		}
		return -EPIPE;
	}
	ssize_t n = send(c->fd, p, l, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}

static ssize_t raw_read(struct regent_conn *c, char *p, size_t l)
{
	if (c->ssl) {
		ERR_clear_error();
		int n = SSL_read(c->ssl, p, (int)(l > 65536 ? 65536 : l));
		if (n > 0)
			return n;
		int e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->ssl_want_write = e == SSL_ERROR_WANT_WRITE;
			return 0;
		}
		return e == SSL_ERROR_ZERO_RETURN ? -ECONNRESET : -EPIPE;
	}
	ssize_t n = recv(c->fd, p, l, 0);
	if (n > 0)
		return n;
	if (n == 0)
		return -ECONNRESET;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}

int regent_conn_send_dgram(struct regent_conn *c, const void *p, size_t l)
{
	if (send(c->fd, p, l, MSG_NOSIGNAL) >= 0)
		return 0;
	/* a full socket buffer loses a keep-alive, as the network may */
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : errno;
}

static int flush(struct regent_conn *c)
{
	size_t off = 0;
	while (off < c->outlen) {
		ssize_t n = raw_write(c, c->out + off, c->outlen - off);
		if (n < 0) {
			c->outlen = 0;
			return (int)-n;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off && off < c->outlen)
		memmove(c->out, c->out + off, c->outlen - off);
	c->outlen -= off;
	return 0;
}

/* Reads what is there into c->in (bounded). 0 or an errno. */
static int fill(struct regent_conn *c)
{
	size_t max = c->o.max_msg * 2 + 4096;
	for (int i = 0; i < 64; i++) {
		if (c->incap - c->inlen < 4096) {
			if (c->incap >= max)
				return 0; /* framing decides whether that is too much */
			size_t cap = c->incap ? c->incap * 2 : 8192;
			if (cap > max)
				cap = max;
			char *n = realloc(c->in, cap);
			if (!n)
				return ENOMEM;
			c->in = n;
			c->incap = cap;
		}
		ssize_t n = raw_read(c, c->in + c->inlen, c->incap - c->inlen);
		if (n < 0)
			return (int)-n;
		if (n == 0)
			return 0;
		c->inlen += (size_t)n;
	}
	return 0;
}

void regent_conn_consume(struct regent_conn *c, size_t n)
{
	if (n == 0)
		return;
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/* ---------------------------------------------------------- states */

static void become_up(struct regent_conn *c)
{
	c->st = C_UP;
	c->deadline = UINT64_MAX;
	regent_conn_ka_start(c);
	regent_log_emit(c->o.log, REGENT_LOG_INFO, "%s flow up: %s:%u -> %s:%u",
			regent_transport_name(c->t.tp), c->fi.local_host, c->fi.local_port,
			c->fi.peer_host, c->fi.peer_port);
	if (c->h.up)
		c->h.up(c->h.arg, &c->fi);
}

static int after_connect(struct regent_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) != 0)
		return errno;
	/* RFC 3261 §18.1.1: Via sent-by is the address of the socket used */
	regent_sa_format((struct sockaddr *)&ss, c->fi.local_host, sizeof(c->fi.local_host),
			 &c->fi.local_port);
	if (c->tls) {
		SSL_CTX *ctx = regent_tls_ssl_ctx(c->o.tls);

		if (!ctx) /* made in regent_conn_open; not expected here */
			return ENOMEM;
		c->ssl = SSL_new(ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
			return ENOMEM;
		struct in6_addr a;
		bool ip = inet_pton(AF_INET, c->t.host, &a) == 1 ||
			  inet_pton(AF_INET6, c->t.host, &a) == 1;
		if (!ip) /* RFC 6066 §3: SNI carries host names, not literals */
			SSL_set_tlsext_host_name(c->ssl, c->t.host);
		if (regent_tls_insecure(c->o.tls)) {
			regent_log_emit(
			    c->o.log, REGENT_LOG_WARN,
			    "TLS VERIFICATION DISABLED (tls_insecure): the peer %s is NOT "
			    "authenticated; anyone on the path can impersonate it",
			    c->t.host);
		} else if (ip) {
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->t.host);
		} else {
			SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			SSL_set1_host(c->ssl, c->t.host);
		}
		c->st = C_TLS;
		return 0;
	}
	if (c->ws)
		return regent_conn_ws_start(c);
	become_up(c);
	return 0;
}

static int tls_step(struct regent_conn *c)
{
	ERR_clear_error();
	int r = SSL_connect(c->ssl);
	if (r == 1) {
		if (c->ws)
			return regent_conn_ws_start(c);
		become_up(c);
		return 0;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->ssl_want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	long vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK) {
		regent_log_emit(c->o.log, REGENT_LOG_ERROR,
				"TLS: certificate of %s not accepted: %s", c->t.host,
				X509_verify_cert_error_string(vr));
		if (c->o.tls_detail != NULL)
			snprintf(c->o.tls_detail, c->o.tls_detail_size, "%s (%s)",
				 X509_verify_cert_error_string(vr), c->t.host);
		return REGENT_ETLSVERIFY;
	}
	char eb[256];
	ERR_error_string_n(ERR_peek_error(), eb, sizeof(eb));
	regent_log_emit(c->o.log, REGENT_LOG_ERROR, "TLS handshake with %s failed: %s", c->t.host,
			eb);
	return ECONNREFUSED;
}

static int deliver_stream(struct regent_conn *c)
{
	while (c->inlen > 0 && !regent_guard_doomed(&c->guard) && c->st == C_UP) {
		size_t skip = 0, ml = 0;
		bool pong = false;
		int e = regent_frame_stream(c->in, c->inlen, c->o.max_msg, &skip, &ml, &pong);
		if (pong) /* RFC 5626 §4.4.1 */
			regent_conn_ka_pong(c);
		if (e == EAGAIN) {
			regent_conn_consume(c, skip);
			if (c->inlen >= c->incap && c->incap >= c->o.max_msg * 2)
				return EMSGSIZE;
			return 0;
		}
		if (e) {
			regent_log_emit(c->o.log, REGENT_LOG_WARN, "stream framing error: %s",
					strerror(e));
			return e; /* RFC 3261 §18.3: the stream cannot be resynchronised */
		}
		if (c->h.recv)
			c->h.recv(c->h.arg, c->in + skip, ml);
		if (regent_guard_doomed(&c->guard))
			return 0;
		regent_conn_consume(c, skip + ml);
	}
	return 0;
}

/* Sends the datagrams queued by regent_conn_send during on_readable, in
 * one system call where the kernel takes them all (a wake-up that read a
 * round of responses sends the round's requests together). One the kernel
 * cannot take now (EAGAIN, ENOBUFS) is lost as any UDP datagram may be:
 * its transaction retransmits it (RFC 3261 §17.1.2.2); another error is
 * the flow's (connected UDP: an ICMP unreachable). */
static int dgram_flush(struct regent_conn *c)
{
	struct mmsghdr mh[CONN_DGRAM_BATCH];
	struct iovec iov[CONN_DGRAM_BATCH];
	uint32_t n = c->nbatch, i = 0;
	size_t off = 0;
	int err = 0;

	memset(mh, 0, n * sizeof(mh[0]));
	for (uint32_t k = 0; k < n; k++) {
		iov[k].iov_base = c->out + off;
		iov[k].iov_len = c->batch_len[k];
		off += c->batch_len[k];
		mh[k].msg_hdr.msg_iov = &iov[k];
		mh[k].msg_hdr.msg_iovlen = 1;
	}
	while (i < n && c->fd >= 0) {
		int r = sendmmsg(c->fd, mh + i, n - i, MSG_NOSIGNAL);

		if (r > 0) {
			i += (uint32_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			err = errno;
		break;
	}
	c->nbatch = 0;
	c->outlen = 0;
	return err;
}

/* A datagram queued for dgram_flush: 0, or an errno (not queued). */
static int dgram_queue(struct regent_conn *c, const char *buf, size_t len)
{
	int e;

	if (c->nbatch == CONN_DGRAM_BATCH || c->outlen + len > OUT_MAX) {
		e = dgram_flush(c);
		if (e)
			return e;
	}
	e = regent_conn_out_append(c, buf, len);
	if (e)
		return e;
	c->batch_len[c->nbatch++] = (uint32_t)len;
	return 0;
}

/* Reads the datagrams waiting (up to 64 a wake-up), each to the handler. */
static int dgram_read(struct regent_conn *c)
{
	char buf[65536];
	for (int i = 0; i < 64 && !regent_guard_doomed(&c->guard) && c->st == C_UP; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			/* connected UDP: ICMP port unreachable shows up here */
			return errno;
		}
		/* RFC 5626 §4.4.2: STUN and SIP share the flow (RFC 5389 §7.3
		 * tells them apart); CRLF keep-alives are not SIP */
		if (regent_stun_is_stun(buf, (size_t)n)) {
			regent_conn_ka_stun(c, buf, (size_t)n);
			continue;
		}
		if (n <= 4)
			continue;
		if (c->h.recv)
			c->h.recv(c->h.arg, buf, (size_t)n);
	}
	return 0;
}

static int on_readable(struct regent_conn *c)
{
	if (!c->stream) {
		int e, fe;

		c->batching = true;
		e = dgram_read(c);
		c->batching = false;
		fe = dgram_flush(c);
		return e ? e : fe;
	}
	int e = fill(c);
	if (c->st == C_WS) {
		const char *end = c->inlen ? memmem(c->in, c->inlen, "\r\n\r\n", 4) : NULL;
		if (!end) {
			if (e)
				return e;
			return c->inlen > 8192 ? EPROTO : 0;
		}
		size_t hl = (size_t)(end - c->in) + 4;
		int r = regent_conn_ws_check_response(c, hl);
		if (r)
			return r;
		regent_conn_consume(c, hl);
		r = regent_conn_ws_ctx_init(c);
		if (r)
			return r;
		become_up(c);
		if (regent_guard_doomed(&c->guard))
			return 0;
	}
	if (c->st == C_UP) {
		if (c->ws) {
			if (c->inlen && wslay_event_recv(c->wctx) != 0)
				return EPROTO;
			if (regent_guard_doomed(&c->guard))
				return 0;
			/* pong, close reply */
			if (wslay_event_send(c->wctx) != 0)
				return EPIPE;
			int fe = flush(c);
			if (fe)
				return fe;
			if (wslay_event_get_close_received(c->wctx) &&
			    !wslay_event_want_write(c->wctx)) {
				flush(c);
				return ECONNRESET;
			}
		} else {
			int r = deliver_stream(c);
			if (r)
				return r;
		}
	}
	return e;
}

/* ---------------------------------------------------------- public */

int regent_conn_open(struct regent_conn **cp, const struct regent_target *t,
		     const struct regent_conn_options *o, const struct regent_conn_handlers *h,
		     uint64_t now)
{
	struct regent_conn *c = NULL;
	int err = 0;
	if (!cp || !t || !o || !h)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->fd = -1;
	c->t = *t;
	c->o = *o;
	c->h = *h;
	if (!c->o.max_msg)
		c->o.max_msg = 65536;
	if (!c->o.connect_timeout_ms)
		c->o.connect_timeout_ms = 5000;
	c->stream = t->tp != REGENT_TP_UDP;
	c->tls = t->tp == REGENT_TP_TLS || t->tp == REGENT_TP_WSS;
	c->ws = t->tp == REGENT_TP_WS || t->tp == REGENT_TP_WSS;
	if (t->tp == REGENT_TP_NONE || (c->tls && !o->tls)) {
		err = EINVAL;
		goto out;
	}
	/* the TLS context (the system CA store, made at the first TLS flow)
	 * before any connect: a failure costs no TCP handshake */
	if (c->tls && !regent_tls_ssl_ctx(o->tls)) {
		regent_log_emit(
		    c->o.log, REGENT_LOG_ERROR,
		    "TLS to %s: cannot make the TLS context (system CA store): out of memory",
		    t->host);
		err = ENOMEM;
		goto out;
	}
	c->fi.transport = t->tp;
	regent_sa_format((const struct sockaddr *)&t->addr, c->fi.peer_host,
			 sizeof(c->fi.peer_host), &c->fi.peer_port);

	c->fd = socket(t->addr.ss_family,
		       (c->stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = errno;
		goto out;
	}
	if (c->stream) {
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	err = regent_local_bind(c->o.local, c->fd);
	if (err)
		goto out;
	/* UDP too is connected: the kernel picks the source address for us
	 * (that is what Via carries) and filters datagrams from elsewhere */
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) != 0 &&
	    errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	c->st = C_CONNECTING;
	c->deadline = now + c->o.connect_timeout_ms;
out:
	if (err) {
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return err;
	}
	*cp = c;
	return 0;
}

static void conn_destroy(struct regent_conn *c)
{
	if (c->wctx) {
		if (c->st == C_UP) {
			/* RFC 6455 §7.1.2: start the closing handshake; best effort */
			wslay_event_queue_close(c->wctx, 1000, NULL, 0);
			wslay_event_send(c->wctx);
			flush(c);
		}
		wslay_event_context_free(c->wctx);
	}
	if (c->ssl) {
		if (c->st == C_UP)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

void regent_conn_free(struct regent_conn *c)
{
	if (!c)
		return;
	if (regent_guard_doom(&c->guard))
		conn_destroy(c);
}

int regent_conn_send(struct regent_conn *c, const char *buf, size_t len)
{
	if (!c || !buf)
		return EINVAL;
	if (c->st == C_DOWN)
		return EPIPE;
	if (c->st != C_UP)
		return ENOTCONN;
	if (len > c->o.max_msg)
		return EMSGSIZE;
	if (!c->stream) {
		if (c->batching && dgram_queue(c, buf, len) == 0)
			return 0;
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? ENOBUFS : errno;
		return 0;
	}
	if (c->ws) {
		/* RFC 7118 §5.1: one SIP message per text message */
		struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)buf, len};
		if (wslay_event_queue_msg(c->wctx, &m) != 0)
			return ENOBUFS;
		if (wslay_event_send(c->wctx) != 0)
			return EPIPE;
	} else {
		int e = regent_conn_out_append(c, buf, len);
		if (e)
			return e;
	}
	int e = flush(c);
	if (e) {
		/* reported now to the caller; the flow is gone (down() comes
		 * from process, where the handler may run safely) */
		c->send_err = e;
		return e;
	}
	return 0;
}

int regent_conn_fd(const struct regent_conn *c, int *events)
{
	if (!c || c->fd < 0 || c->st == C_DOWN) {
		if (events)
			*events = 0;
		return -1;
	}
	int ev = REGENT_POLL_IN;
	if (c->st == C_CONNECTING || c->outlen > 0 || c->ssl_want_write ||
	    (c->wctx && wslay_event_want_write(c->wctx)))
		ev |= REGENT_POLL_OUT;
	if (events)
		*events = ev;
	return c->fd;
}

int regent_conn_flush(struct regent_conn *c)
{
	return flush(c);
}

uint64_t regent_conn_deadline(const struct regent_conn *c)
{
	if (!c || c->st == C_DOWN)
		return UINT64_MAX;
	if (c->send_err)
		return 0;
	return c->st == C_UP ? regent_conn_ka_deadline(c) : c->deadline;
}

void regent_conn_process(struct regent_conn *c, int revents, uint64_t now)
{
	int err = 0;
	if (!c || c->st == C_DOWN)
		return;
	regent_guard_enter(&c->guard);
	c->now = now;
	if (c->send_err) {
		err = c->send_err;
		goto out;
	}
	if (c->st != C_UP && now >= c->deadline) {
		regent_log_emit(c->o.log, REGENT_LOG_WARN, "%s connect to %s:%u timed out",
				regent_transport_name(c->t.tp), c->fi.peer_host, c->fi.peer_port);
		err = ETIMEDOUT;
		goto out;
	}
	if (c->st == C_CONNECTING && revents) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = errno;
		if (soerr) {
			err = soerr;
			goto out;
		}
		if (!(revents & REGENT_POLL_OUT) && c->stream)
			goto out;
		err = after_connect(c);
		if (err || regent_guard_doomed(&c->guard))
			goto out;
	}
	if (c->st == C_TLS && (revents || c->ssl_want_write)) {
		c->ssl_want_write = false;
		err = tls_step(c);
		if (err || regent_guard_doomed(&c->guard))
			goto out;
		revents |= REGENT_POLL_IN; /* SSL may hold application data already */
	}
	if (revents & REGENT_POLL_OUT || c->ssl_want_write) {
		c->ssl_want_write = false;
		if (c->wctx && wslay_event_want_write(c->wctx) && wslay_event_send(c->wctx) != 0) {
			err = EPIPE;
			goto out;
		}
		err = flush(c);
		if (err)
			goto out;
	}
	if ((revents & REGENT_POLL_IN) && (c->st == C_WS || c->st == C_UP)) {
		err = on_readable(c);
		if (err || regent_guard_doomed(&c->guard))
			goto out;
	}
	/* RFC 5626 §4.4: keep-alives and the check of their answers */
	if (c->st == C_UP)
		err = regent_conn_ka_run(c);
out:
	/* down() may free c: still inside the guard */
	if (err && !regent_guard_doomed(&c->guard))
		go_down(c, err);
	if (regent_guard_leave(&c->guard))
		conn_destroy(c);
}

/*
 * serve_stream.c — TCP, TLS, WS and WSS listeners and connections of
 * `regent registrar`.
 *
 * Bytes come in through plain recv() or OpenSSL; SIP over TCP/TLS is framed
 * by Content-Length (RFC 3261 §18.3, regent_frame_stream), with CRLFCRLF
 * keep-alive pings answered by a CRLF pong (RFC 5626 §3.5.1); WS/WSS first
 * does the HTTP upgrade, then hands bytes to the WebSocket framer. Answers go
 * back on the connection the request came on (RFC 3261 §18.2.2). Buffers are
 * bounded: a peer that sends more than a message's worth without a frame
 * boundary, or does not read its answers, is disconnected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "serve_int.h"
#include "serve_ws.h"

#define IN_CAP (65536 + 4096)
#define OUT_MAX (1024 * 1024)
#define MAX_CONNS 512

struct serve_listener {
	struct regent_serve_fd sfd;
	struct regent_serve *s;
	enum regent_serve_proto proto;
	struct serve_listener *next;
};

enum conn_mode { MODE_SIP = 0, MODE_WS_HANDSHAKE, MODE_WS };

struct serve_conn {
	struct regent_serve_fd sfd;
	struct regent_serve *s;
	enum regent_serve_proto proto;
	enum conn_mode mode;
	SSL *ssl;
	struct regent_serve_ws *ws;
	char host[64];
	uint16_t port;
	char in[IN_CAP];
	size_t in_len;
	struct regent_wbuf out; /* what the peer has yet to read (src/msg/wbuf.c) */
	bool want_out;
	bool dead;
	struct serve_conn *prev, *next;
};

static void conn_close(struct serve_conn *c, const char *why)
{
	struct regent_serve *s = c->s;

	if (why)
		regent_serve_logf(s, "%s %s:%u closed: %s", regent_serve_proto_name(c->proto),
				  c->host, (unsigned)c->port, why);
	regent_serve_unwatch(s, &c->sfd);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	regent_serve_ws_free(c->ws);
	close(c->sfd.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	regent_wbuf_release(&c->out);
	free(c);
}

/* Bounded by OUT_MAX (the buffer's cap): a peer that does not read its
 * answers is disconnected. */
static int out_append(struct serve_conn *c, const char *p, size_t l)
{
	regent_wbuf_write(&c->out, p, l);
	return c->out.err ? ENOBUFS : 0;
}

/* Writes what it can of the output buffer; asks for EPOLLOUT for the rest. */
static int conn_flush(struct serve_conn *c)
{
	while (c->out.len) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out.buf, (int)c->out.len);

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					break;
				return EPIPE;
			}
			n = r;
		} else {
			n = send(c->sfd.fd, c->out.buf, c->out.len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return errno;
			}
		}
		/* with the NUL the buffer keeps after its bytes */
		memmove(c->out.buf, c->out.buf + n, c->out.len - (size_t)n + 1);
		c->out.len -= (size_t)n;
	}
	if ((c->out.len != 0) != c->want_out) {
		c->want_out = c->out.len != 0;
		regent_serve_modify(c->s, &c->sfd, EPOLLIN | (c->want_out ? EPOLLOUT : 0));
	}
	return 0;
}

static void answer(struct serve_conn *c, const char *msg, size_t len)
{
	const char *out;
	size_t out_len;

	if (regent_serve_handle(c->s, c->proto, msg, len, c->host, c->port, &out, &out_len))
		return;
	if (c->ws) {
		if (regent_serve_ws_send(c->ws, out, out_len))
			c->dead = true;
	} else if (out_append(c, out, out_len)) {
		c->dead = true;
	}
}

static void ws_deliver(void *arg, const char *msg, size_t len)
{
	answer(arg, msg, len);
}

static int ws_write(void *arg, const char *data, size_t len)
{
	return out_append(arg, data, len);
}

static void consume(struct serve_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* Handles every whole unit in the input buffer. Returns a reason to close, or NULL. */
static const char *process(struct serve_conn *c)
{
	for (;;) {
		if (c->mode == MODE_SIP) {
			size_t skip = 0, mlen = 0;
			bool pong = false;
			int e = regent_frame_stream(c->in, c->in_len, 65536, &skip, &mlen, &pong);

			/* RFC 5626 §3.5.1: a CRLFCRLF ping gets a CRLF pong */
			if (skip >= 4 && !pong && out_append(c, "\r\n", 2))
				return "output buffer full";
			if (e == EAGAIN) {
				if (skip)
					consume(c, skip);
				if (c->in_len == sizeof(c->in))
					return "message too large";
				return NULL;
			}
			if (e == EMSGSIZE)
				return "message too large";
			if (e)
				return "no usable Content-Length on a stream";
			answer(c, c->in + skip, mlen);
			consume(c, skip + mlen);
		} else if (c->mode == MODE_WS_HANDSHAKE) {
			size_t used = 0;
			char why[96] = "";
			int e;

			/* the 101 (or 400) goes straight into the output buffer */
			e = regent_serve_ws_accept(c->in, c->in_len, &used, &c->out, why,
						   sizeof(why));
			if (e == EAGAIN)
				return NULL;
			if (c->out.err)
				return "output buffer full";
			if (e) {
				conn_flush(c);
				regent_serve_logf(c->s, "%s %s:%u bad upgrade: %s",
						  regent_serve_proto_name(c->proto), c->host,
						  (unsigned)c->port, why);
				return "bad WebSocket upgrade";
			}
			consume(c, used);
			if (regent_serve_ws_alloc(&c->ws, ws_deliver, ws_write, c))
				return "out of memory";
			c->mode = MODE_WS;
		} else {
			if (!c->in_len)
				return NULL;
			if (regent_serve_ws_feed(c->ws, c->in, c->in_len))
				return "WebSocket protocol error";
			c->in_len = 0;
			if (regent_serve_ws_done(c->ws))
				return "WebSocket closed";
			return NULL;
		}
		if (!c->in_len || c->dead)
			return c->dead ? "output buffer full" : NULL;
	}
}

/* Reads what is there. Returns a reason to close, or NULL. */
static const char *conn_read(struct serve_conn *c)
{
	int budget = 16;

	while (budget--) {
		size_t room = sizeof(c->in) - c->in_len;
		ssize_t n;
		const char *why;

		if (!room)
			return "message too large";
		if (c->ssl) {
			int r;

			if (!SSL_is_init_finished(c->ssl)) {
				r = SSL_do_handshake(c->ssl);
				if (r != 1) {
					int e = SSL_get_error(c->ssl, r);

					if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
						return NULL;
					regent_serve_logf(c->s, "%s %s:%u TLS handshake failed: %s",
							  regent_serve_proto_name(c->proto),
							  c->host, (unsigned)c->port,
							  ERR_reason_error_string(ERR_get_error()));
					return "TLS handshake failed";
				}
			}
			r = SSL_read(c->ssl, c->in + c->in_len, (int)room);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return NULL;
				if (e == SSL_ERROR_ZERO_RETURN)
					return "closed by peer";
				return "TLS error";
			}
			n = r;
		} else {
			n = recv(c->sfd.fd, c->in + c->in_len, room, 0);
			if (n < 0)
				return errno == EAGAIN || errno == EWOULDBLOCK ? NULL
									       : strerror(errno);
			if (n == 0)
				return "closed by peer";
		}
		c->in_len += (size_t)n;
		why = process(c);
		if (why)
			return why;
		if (c->ws && regent_serve_ws_flush(c->ws))
			return "WebSocket protocol error";
		if (conn_flush(c))
			return "write failed";
	}
	return NULL;
}

static void conn_event(struct regent_serve_fd *sfd, uint32_t events)
{
	struct serve_conn *c = (struct serve_conn *)sfd;
	const char *why = NULL;

	if (events & EPOLLOUT) {
		if (conn_flush(c))
			why = "write failed";
	}
	if (!why && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		why = conn_read(c);
	if (!why && c->ws && regent_serve_ws_flush(c->ws))
		why = "WebSocket protocol error";
	if (!why && conn_flush(c))
		why = "write failed";
	if (!why && c->dead)
		why = "output buffer full";
	if (why)
		conn_close(c, why);
}

static void accept_event(struct regent_serve_fd *sfd, uint32_t events)
{
	struct serve_listener *l = (struct serve_listener *)sfd;
	struct regent_serve *s = l->s;
	int budget = 16;

	(void)events;
	while (budget--) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct serve_conn *c;
		int fd;

		fd = accept4(sfd->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (s->n_conns >= MAX_CONNS) {
			regent_serve_logf(s, "%s: connection limit (%d) reached, refusing",
					  regent_serve_proto_name(l->proto), MAX_CONNS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->sfd.fd = fd;
		c->sfd.h = conn_event;
		regent_wbuf_init_dynamic(&c->out, OUT_MAX);
		c->s = s;
		c->proto = l->proto;
		c->mode = (l->proto == REGENT_SERVE_WS || l->proto == REGENT_SERVE_WSS)
			      ? MODE_WS_HANDSHAKE
			      : MODE_SIP;
		regent_serve_addr((struct sockaddr *)&ss, c->host, sizeof(c->host), &c->port);
		if (l->proto == REGENT_SERVE_TLS || l->proto == REGENT_SERVE_WSS) {
			c->ssl = SSL_new(regent_serve_ssl_ctx(s));
			if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
				if (c->ssl)
					SSL_free(c->ssl);
				close(fd);
				free(c);
				continue;
			}
			SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
						 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
			SSL_set_accept_state(c->ssl);
		}
		if (regent_serve_watch(s, &c->sfd, EPOLLIN)) {
			if (c->ssl)
				SSL_free(c->ssl);
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->n_conns++;
		if (s->verbose)
			regent_serve_logf(s, "%s %s:%u connected",
					  regent_serve_proto_name(c->proto), c->host,
					  (unsigned)c->port);
	}
}

int regent_serve_stream_open(struct regent_serve *s, int fd, enum regent_serve_proto proto)
{
	struct serve_listener *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return ENOMEM;
	l->sfd.fd = fd;
	l->sfd.h = accept_event;
	l->s = s;
	l->proto = proto;
	err = regent_serve_watch(s, &l->sfd, EPOLLIN);
	if (err) {
		free(l);
		return err;
	}
	l->next = s->listeners;
	s->listeners = l;
	return 0;
}

void regent_serve_stream_close_all(struct regent_serve *s)
{
	while (s->conns)
		conn_close(s->conns, NULL);
	while (s->listeners) {
		struct serve_listener *l = s->listeners;

		s->listeners = l->next;
		regent_serve_unwatch(s, &l->sfd);
		close(l->sfd.fd);
		free(l);
	}
}

/*
 * serve_ws.c — the server side of SIP over WebSocket (RFC 7118) for
 * `regent registrar`: the HTTP/1.1 upgrade (RFC 6455 §4.2.2) and the framing,
 * done by libwslay (the same well-kept library the client edge uses): it
 * unmasks client frames, reassembles fragments, answers pings and runs the
 * close handshake. One SIP message per text (or binary) message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wslay/wslay.h>

#include "net/wskey.h"
#include "serve_ws.h"

#define WS_MAX_HANDSHAKE 8192

struct regent_serve_ws {
	wslay_event_context_ptr ctx;
	regent_serve_ws_deliver_h *deliver;
	regent_serve_ws_write_h *write;
	void *arg;
	const char *feed; /* bytes handed to wslay by the current feed() */
	size_t feed_len;
	int err;
};

/* Value of header `name` in an HTTP head (case-insensitive), trimmed. */
static bool http_header(const char *head, size_t len, const char *name, char *val, size_t vsize)
{
	const char *p = head, *end = head + len;
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;

		if ((size_t)(le - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t vl;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			vl = (size_t)(le - v);
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= vsize)
				return false;
			memcpy(val, v, vl);
			val[vl] = '\0';
			return true;
		}
		p = le + 1;
	}
	return false;
}

/* A token in a comma-separated header value (case-insensitive). */
static bool has_token(const char *list, const char *tok)
{
	size_t tl = strlen(tok);
	const char *p = list;

	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!strncasecmp(p, tok, tl) && (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' '))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

int regent_serve_ws_accept(const char *buf, size_t len, size_t *consumed, struct regent_wbuf *reply,
			   char *why, size_t why_size)
{
	const char *end = NULL;
	char key[128], val[256], acc[REGENT_WS_ACCEPT_SIZE];

	for (size_t i = 3; i < len; i++) {
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		    buf[i - 3] == '\r') {
			end = buf + i + 1;
			break;
		}
	}
	if (!end) {
		if (len > WS_MAX_HANDSHAKE) {
			snprintf(why, why_size, "HTTP upgrade request too large");
			goto bad;
		}
		return EAGAIN;
	}
	*consumed = (size_t)(end - buf);
	len = *consumed;
	if (len < 4 || strncmp(buf, "GET ", 4)) {
		snprintf(why, why_size, "not an HTTP GET");
		goto bad;
	}
	if (!http_header(buf, len, "Upgrade", val, sizeof(val)) || strcasecmp(val, "websocket")) {
		snprintf(why, why_size, "no 'Upgrade: websocket'");
		goto bad;
	}
	if (!http_header(buf, len, "Sec-WebSocket-Key", key, sizeof(key)) || !key[0]) {
		snprintf(why, why_size, "no Sec-WebSocket-Key");
		goto bad;
	}
	/* RFC 7118 §4: the client asks for the "sip" subprotocol */
	if (!http_header(buf, len, "Sec-WebSocket-Protocol", val, sizeof(val)) ||
	    !has_token(val, "sip")) {
		snprintf(why, why_size, "no 'Sec-WebSocket-Protocol: sip'");
		goto bad;
	}
	if (regent_ws_accept_key(acc, sizeof(acc), key)) {
		snprintf(why, why_size, "unusable Sec-WebSocket-Key");
		goto bad;
	}
	regent_wbuf_printf(reply,
			   "HTTP/1.1 101 Switching Protocols\r\n"
			   "Upgrade: websocket\r\n"
			   "Connection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: %s\r\n"
			   "Sec-WebSocket-Protocol: sip\r\n\r\n",
			   acc);
	return 0;
bad:
	regent_wbuf_puts(reply, "HTTP/1.1 400 Bad Request\r\n"
				"Connection: close\r\n"
				"Content-Length: 0\r\n\r\n");
	return EPROTO;
}

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct regent_serve_ws *ws = user;
	size_t n = ws->feed_len < len ? ws->feed_len : len;

	(void)flags;
	if (!n) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, ws->feed, n);
	ws->feed += n;
	ws->feed_len -= n;
	return (ssize_t)n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct regent_serve_ws *ws = user;

	(void)flags;
	if (ws->write(ws->arg, (const char *)data, len)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static void ws_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		   void *user)
{
	struct regent_serve_ws *ws = user;

	(void)ctx;
	if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME)
		ws->deliver(ws->arg, (const char *)arg->msg, arg->msg_length);
}

int regent_serve_ws_alloc(struct regent_serve_ws **wsp, regent_serve_ws_deliver_h *deliver,
			  regent_serve_ws_write_h *write, void *arg)
{
	static const struct wslay_event_callbacks cbs = {
	    .recv_callback = ws_recv,
	    .send_callback = ws_send,
	    .on_msg_recv_callback = ws_msg,
	};
	struct regent_serve_ws *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return ENOMEM;
	ws->deliver = deliver;
	ws->write = write;
	ws->arg = arg;
	if (wslay_event_context_server_init(&ws->ctx, &cbs, ws)) {
		free(ws);
		return ENOMEM;
	}
	/* bound what one peer can make us buffer (RFC 7118 messages are small) */
	wslay_event_config_set_max_recv_msg_length(ws->ctx, 65536);
	*wsp = ws;
	return 0;
}

void regent_serve_ws_free(struct regent_serve_ws *ws)
{
	if (!ws)
		return;
	wslay_event_context_free(ws->ctx);
	free(ws);
}

int regent_serve_ws_feed(struct regent_serve_ws *ws, const char *buf, size_t len)
{
	ws->feed = buf;
	ws->feed_len = len;
	if (wslay_event_recv(ws->ctx))
		return EPROTO;
	ws->feed = NULL;
	ws->feed_len = 0;
	if (wslay_event_send(ws->ctx))
		return EPROTO;
	return 0;
}

int regent_serve_ws_send(struct regent_serve_ws *ws, const char *msg, size_t len)
{
	struct wslay_event_msg m = {
	    .opcode = WSLAY_TEXT_FRAME,
	    .msg = (const uint8_t *)msg,
	    .msg_length = len,
	};

	if (wslay_event_queue_msg(ws->ctx, &m))
		return ENOMEM;
	return 0;
}

int regent_serve_ws_flush(struct regent_serve_ws *ws)
{
	return wslay_event_send(ws->ctx) ? EPROTO : 0;
}

bool regent_serve_ws_done(const struct regent_serve_ws *ws)
{
	return !wslay_event_want_read(ws->ctx) && !wslay_event_want_write(ws->ctx);
}

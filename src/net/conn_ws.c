/*
 * conn_ws — the WebSocket part of a flow (RFC 7118 over RFC 6455): the
 * HTTP upgrade (§4.1), the Sec-WebSocket-Accept check, and libwslay's
 * callbacks (see conn.c for why libwslay).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "net/conn_int.h"
#include "net/wskey.h"

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *user)
{
	struct regent_conn *c = user;
	(void)flags;
	if (c->inlen == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = len < c->inlen ? len : c->inlen;
	memcpy(buf, c->in, n);
	regent_conn_consume(c, n);
	return (ssize_t)n;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
			  void *user)
{
	struct regent_conn *c = user;
	(void)flags;
	size_t room = OUT_MAX - c->outlen;
	if (room == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = len < room ? len : room;
	if (regent_conn_out_append(c, data, n)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	(void)ctx;
	(void)user;
	/* RFC 6455 §5.3: masking keys must be unpredictable */
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		      void *user)
{
	struct regent_conn *c = user;
	(void)ctx;
	/* RFC 7118 §5.1: one SIP message per text or binary message */
	if (regent_guard_doomed(&c->guard) || c->st != C_UP)
		return;
	if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
		if (c->h.recv)
			c->h.recv(c->h.arg, (const char *)arg->msg, arg->msg_length);
	} else if (arg->opcode == WSLAY_PONG) {
		regent_conn_ka_pong(c); /* RFC 6455 §5.5.3 */
	} else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		regent_log_emit(c->o.log, REGENT_LOG_INFO, "WebSocket close from peer (code %u)",
				arg->status_code);
	}
}

static int b64(const unsigned char *in, size_t l, char *out, size_t osize)
{
	if (osize < 4 * ((l + 2) / 3) + 1)
		return ENOSPC;
	EVP_EncodeBlock((unsigned char *)out, in, (int)l);
	return 0;
}

int regent_conn_ws_start(struct regent_conn *c)
{
	unsigned char key[16];
	char k64[32], buf[1024];
	if (RAND_bytes(key, sizeof(key)) != 1)
		return EIO;
	b64(key, sizeof(key), k64, sizeof(k64));
	/* RFC 6455 §4.2.2: the answer we will accept (net/wskey.c) */
	if (regent_ws_accept_key(c->ws_accept, sizeof(c->ws_accept), k64))
		return EIO;

	char hostport[300];
	uint16_t port = c->fi.peer_port;
	bool v6 = strchr(c->t.host, ':') != NULL;
	bool dflt =
	    (c->t.tp == REGENT_TP_WS && port == 80) || (c->t.tp == REGENT_TP_WSS && port == 443);
	if (dflt)
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]" : "%s", c->t.host);
	else
		snprintf(hostport, sizeof(hostport), v6 ? "[%s]:%u" : "%s:%u", c->t.host, port);
	int n = snprintf(buf, sizeof(buf),
			 "GET %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "Upgrade: websocket\r\n"
			 "Connection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Protocol: sip\r\n"
			 "\r\n",
			 c->t.ws_path[0] ? c->t.ws_path : "/", hostport, k64);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return ENAMETOOLONG;
	c->st = C_WS;
	return regent_conn_out_append(c, buf, (size_t)n);
}

/* Value of header `name` in the HTTP head [p, p+l), trimmed. */
static bool http_hdr(const char *p, size_t l, const char *name, const char **v, size_t *vl)
{
	size_t nl = strlen(name);
	const char *end = p + l;
	const char *line = memchr(p, '\n', l);
	while (line && line + 1 < end) {
		line++;
		const char *le = memchr(line, '\n', (size_t)(end - line));
		if (!le)
			le = end;
		if ((size_t)(le - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *a = line + nl + 1, *b = le;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'))
				b--;
			*v = a;
			*vl = (size_t)(b - a);
			return true;
		}
		line = le;
	}
	return false;
}

static bool token_in(const char *v, size_t vl, const char *tok)
{
	size_t tl = strlen(tok);
	for (size_t i = 0; i + tl <= vl; i++) {
		if (strncasecmp(v + i, tok, tl) == 0 &&
		    (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
		    (i + tl == vl || v[i + tl] == ',' || v[i + tl] == ' '))
			return true;
	}
	return false;
}

/* At most size-1 bytes of p into out, each byte outside printable ASCII
 * as '?', NUL-terminated. */
static void printable(char *out, size_t size, const char *p, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[n] = '\0';
}

/* RFC 6455 §4.1 (client requirements on the server's handshake). */
int regent_conn_ws_check_response(struct regent_conn *c, size_t hl)
{
	const char *v;
	size_t vl;
	if (hl < 12 || strncmp(c->in, "HTTP/1.1 101", 12) != 0) {
		const char *e = memchr(c->in, '\r', hl);
		char line[121];

		/* the peer's status line, bounded and printable: it goes to an
		 * operator's terminal (found by fuzz_ws) */
		printable(line, sizeof(line), c->in, (size_t)((e ? e : c->in + hl) - c->in));
		regent_log_emit(c->o.log, REGENT_LOG_ERROR, "WebSocket upgrade refused: %s", line);
		return ECONNREFUSED;
	}
	if (!http_hdr(c->in, hl, "Upgrade", &v, &vl) || !token_in(v, vl, "websocket") ||
	    !http_hdr(c->in, hl, "Connection", &v, &vl) || !token_in(v, vl, "upgrade")) {
		regent_log_emit(c->o.log, REGENT_LOG_ERROR,
				"WebSocket upgrade: missing Upgrade/Connection");
		return EPROTO;
	}
	if (!http_hdr(c->in, hl, "Sec-WebSocket-Accept", &v, &vl) || vl != strlen(c->ws_accept) ||
	    memcmp(v, c->ws_accept, vl) != 0) {
		regent_log_emit(c->o.log, REGENT_LOG_ERROR,
				"WebSocket upgrade: bad Sec-WebSocket-Accept");
		return EPROTO;
	}
	/* RFC 7118 §4: the server must agree on the "sip" subprotocol */
	if (!http_hdr(c->in, hl, "Sec-WebSocket-Protocol", &v, &vl) || vl != 3 ||
	    strncasecmp(v, "sip", 3) != 0) {
		regent_log_emit(c->o.log, REGENT_LOG_ERROR,
				"WebSocket upgrade: server did not accept protocol sip");
		return EPROTO;
	}
	return 0;
}

int regent_conn_ws_ctx_init(struct regent_conn *c)
{
	static const struct wslay_event_callbacks cbs = {
	    .recv_callback = ws_recv_cb,
	    .send_callback = ws_send_cb,
	    .genmask_callback = ws_genmask_cb,
	    .on_msg_recv_callback = ws_msg_cb,
	};
	if (wslay_event_context_client_init(&c->wctx, &cbs, c) != 0)
		return ENOMEM;
	wslay_event_config_set_max_recv_msg_length(c->wctx, c->o.max_msg);
	return 0;
}

int regent_conn_ws_ping(struct regent_conn *c)
{
	struct wslay_event_msg m = {WSLAY_PING, NULL, 0};

	return wslay_event_queue_msg(c->wctx, &m) == 0 && wslay_event_send(c->wctx) == 0 ? 0
											 : EPIPE;
}

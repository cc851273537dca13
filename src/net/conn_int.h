/*
 * conn_int — struct regent_conn and the calls between conn.c (sockets, TLS,
 * states) and conn_ws.c (WebSocket), private to src/net.
 */
#ifndef REGENT_NET_CONN_INT_H
#define REGENT_NET_CONN_INT_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <wslay/wslay.h>

#include "base/guard.h"
#include "net/net.h"

#define OUT_MAX (256 * 1024) /* bound on queued output */

enum cstate { C_CONNECTING, C_TLS, C_WS, C_UP, C_DOWN };

struct regent_conn {
	struct regent_target t;
	struct regent_conn_options o;
	struct regent_conn_handlers h;
	int fd;
	enum cstate st;
	bool stream, tls, ws;
	SSL *ssl;
	bool ssl_want_write; /* the last SSL call wants POLLOUT */
	wslay_event_context_ptr wctx;
	char ws_accept[64]; /* expected Sec-WebSocket-Accept */
	char *in;
	size_t inlen, incap;
	char *out;
	size_t outlen, outcap;
	uint64_t deadline; /* connect/handshake, or next keep-alive */
	struct regent_flow_info fi;
	int send_err;		   /* a send failed: reported as down() by the next process */
	struct regent_guard guard; /* src/base/guard.h: held by regent_conn_process */
};

/* conn.c */
/* Queues bytes for output (bounded by OUT_MAX). 0, ENOBUFS or ENOMEM. */
int regent_conn_out_append(struct regent_conn *c, const void *p, size_t l);
/* Drops n bytes from the front of the input buffer. */
void regent_conn_consume(struct regent_conn *c, size_t n);

/* conn_ws.c */
/* Sends the HTTP upgrade request (RFC 6455 §4.1). */
int regent_conn_ws_start(struct regent_conn *c);
/* Checks the upgrade response whose head is hl bytes of c->in. */
int regent_conn_ws_check_response(struct regent_conn *c, size_t hl);
/* The libwslay client context, once upgraded. */
int regent_conn_ws_ctx_init(struct regent_conn *c);

#endif /* REGENT_NET_CONN_INT_H */

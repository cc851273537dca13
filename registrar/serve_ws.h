/*
 * serve_ws — WebSocket server side of the test registrar (RFC 6455, RFC 7118).
 */
#ifndef REGENT_REGISTRAR_SERVE_WS_H
#define REGENT_REGISTRAR_SERVE_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "msg/msg.h"

/* Parses the HTTP upgrade request at the start of buf. Returns 0 with the 101
 * answer in reply and *consumed set; EAGAIN when the head is incomplete;
 * EPROTO when it is not an acceptable SIP WebSocket upgrade (a 400 is in
 * reply, `why` says what is missing). */
int regent_serve_ws_accept(const char *buf, size_t len, size_t *consumed, struct regent_wbuf *reply,
			   char *why, size_t why_size);

struct regent_serve_ws;

/* A whole message arrived. */
typedef void(regent_serve_ws_deliver_h)(void *arg, const char *msg, size_t len);
/* Frame bytes to put on the connection; non-zero: cannot. */
typedef int(regent_serve_ws_write_h)(void *arg, const char *data, size_t len);

int regent_serve_ws_alloc(struct regent_serve_ws **wsp, regent_serve_ws_deliver_h *deliver,
			  regent_serve_ws_write_h *write, void *arg);
void regent_serve_ws_free(struct regent_serve_ws *ws);
/* Hands received bytes to the framer (delivers messages, answers pings);
 * EPROTO on a protocol error (the connection should be closed). */
int regent_serve_ws_feed(struct regent_serve_ws *ws, const char *buf, size_t len);
/* Queues one message as a text frame; regent_serve_ws_flush writes it out. */
int regent_serve_ws_send(struct regent_serve_ws *ws, const char *msg, size_t len);
int regent_serve_ws_flush(struct regent_serve_ws *ws);
/* The close handshake is over: the connection can go. */
bool regent_serve_ws_done(const struct regent_serve_ws *ws);

#endif /* REGENT_REGISTRAR_SERVE_WS_H */

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
#include "msg/stun.h"
#include "net/net.h"

#define OUT_MAX (256 * 1024) /* bound on queued output */
#define CONN_DGRAM_BATCH 64  /* datagrams sent by one sendmmsg(2) */

enum cstate { C_CONNECTING, C_TLS, C_WS, C_UP, C_DOWN };

struct regent_conn {
	struct regent_target t;
	struct regent_conn_options o;
	struct regent_conn_handlers h;
	regent_conn_mapped_h *mapped_h;
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
	uint64_t deadline; /* connect/handshake */
	uint64_t now;	   /* of the regent_conn_process call running */
	struct {
		uint64_t next; /* next keep-alive, UINT64_MAX none */
		uint64_t wait; /* its answer is due by, UINT64_MAX none */
		uint64_t rtx;  /* next STUN retransmission, UINT64_MAX none */
		uint32_t rto;
		uint8_t txid[REGENT_STUN_TXID_LEN];
		bool stun;	     /* UDP: STUN requests (else CRLFCRLF) */
		bool stun_seen;	     /* the peer has answered STUN */
		uint32_t unanswered; /* rounds unanswered before any answer */
		bool have_mapped;
		char mapped_host[46];
		uint16_t mapped_port;
	} ka;
	struct regent_flow_info fi;
	int send_err; /* a send failed: reported as down() by the next process */
	/* UDP: while on_readable runs, the datagrams its handlers send wait in
	 * `out` (lengths here) for one sendmmsg(2) when it returns */
	bool batching;
	uint32_t nbatch;
	uint32_t batch_len[CONN_DGRAM_BATCH];
	struct regent_guard guard; /* src/base/guard.h: held by regent_conn_process */
};

/* conn.c */
/* Queues bytes for output (bounded by OUT_MAX). 0, ENOBUFS or ENOMEM. */
int regent_conn_out_append(struct regent_conn *c, const void *p, size_t l);
/* Drops n bytes from the front of the input buffer. */
void regent_conn_consume(struct regent_conn *c, size_t n);

/* conn_ka.c: keep-alives and their answers (RFC 5626 §4.4) */
/* The flow is up at c->now: the first keep-alive is scheduled. */
void regent_conn_ka_start(struct regent_conn *c);
/* Due keep-alive work at c->now: send, retransmit, time out. 0 or errno
 * (ETIMEDOUT: no answer in time). */
int regent_conn_ka_run(struct regent_conn *c);
/* A CRLF pong or a WS pong frame arrived. */
void regent_conn_ka_pong(struct regent_conn *c);
/* A STUN datagram arrived on a UDP flow (may call the mapped handler). */
void regent_conn_ka_stun(struct regent_conn *c, const void *buf, size_t len);
/* The earliest keep-alive deadline, UINT64_MAX none. */
uint64_t regent_conn_ka_deadline(const struct regent_conn *c);
/* Flushes c's output queue: 0 or errno (conn.c). */
int regent_conn_flush(struct regent_conn *c);
/* Sends a datagram on a UDP flow: 0 or errno (conn.c). */
int regent_conn_send_dgram(struct regent_conn *c, const void *p, size_t l);

/* conn_ws.c */
/* Sends the HTTP upgrade request (RFC 6455 §4.1). */
int regent_conn_ws_start(struct regent_conn *c);
/* Checks the upgrade response whose head is hl bytes of c->in. */
int regent_conn_ws_check_response(struct regent_conn *c, size_t hl);
/* The libwslay client context, once upgraded. */
int regent_conn_ws_ctx_init(struct regent_conn *c);
/* Queues and sends a ping frame (RFC 6455 §5.5.2). 0 or EPIPE. */
int regent_conn_ws_ping(struct regent_conn *c);

#endif /* REGENT_NET_CONN_INT_H */

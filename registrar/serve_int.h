/*
 * serve_int — inside the socket server of the test registrar (the public
 * side is registrar/include/registrar/serve.h): the registrar core
 * (registrar.c) served over real sockets: UDP, TCP and TLS (RFC 3261 §18.3
 * framing) and WebSocket / secure WebSocket (RFC 7118 over RFC 6455, framing
 * by libwslay). One small epoll loop, single-threaded. A test and demo tool,
 * not a production registrar.
 */
#ifndef REGENT_REGISTRAR_SERVE_INT_H
#define REGENT_REGISTRAR_SERVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "msg/msg.h"
#include "regent.h"
#include "registrar/registrar.h"
#include "registrar/serve.h"

struct serve_udp;
struct serve_listener;
struct serve_conn;

/* A watched fd: the loop calls h with the epoll events. */
struct regent_serve_fd {
	int fd;
	void (*h)(struct regent_serve_fd *sfd, uint32_t events);
};

/* The transports as the library numbers them (regent.h), so their names
 * come from its one table (src/base/transport.c). */
enum regent_serve_proto {
	REGENT_SERVE_UDP = REGENT_TP_UDP,
	REGENT_SERVE_TCP = REGENT_TP_TCP,
	REGENT_SERVE_TLS = REGENT_TP_TLS,
	REGENT_SERVE_WS = REGENT_TP_WS,
	REGENT_SERVE_WSS = REGENT_TP_WSS,
};

struct regent_serve {
	int epfd;
	struct regent_registrar *reg;
	bool verbose;
	SSL_CTX *ssl_ctx;
	struct regent_wbuf wb;		  /* the response being built */
	struct serve_udp *udps;		  /* serve_udp.c */
	struct serve_listener *listeners; /* serve_stream.c */
	struct serve_conn *conns;
	size_t n_conns;
};

int regent_serve_alloc(struct regent_serve **sp, struct regent_registrar *reg, bool verbose);
void regent_serve_free(struct regent_serve *s);

/* TLS server credentials (PEM files), needed before a tls: or wss: listener. */
int regent_serve_tls(struct regent_serve *s, const char *cert_file, const char *key_file,
		     char *errbuf, size_t errsize);

/* Opens a listener from "proto:host:port" (host may be [v6]; port 0 picks a
 * free one). `bound` receives the spec actually bound ("udp:127.0.0.1:40321"). */
int regent_serve_listen(struct regent_serve *s, const char *spec, char *bound, size_t bound_size,
			char *errbuf, size_t errsize);

/* One round of the loop: waits at most timeout_ms for I/O and handles it. */
int regent_serve_run_once(struct regent_serve *s, int timeout_ms);

/* Monotonic milliseconds (the registrar core's clock). */
uint64_t regent_serve_now_ms(void);

/* A log line with a wall-clock time stamp, on stdout. */
void regent_serve_logf(struct regent_serve *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- between the serve_*.c files ---- */

int regent_serve_watch(struct regent_serve *s, struct regent_serve_fd *sfd, uint32_t events);
int regent_serve_modify(struct regent_serve *s, struct regent_serve_fd *sfd, uint32_t events);
void regent_serve_unwatch(struct regent_serve *s, struct regent_serve_fd *sfd);
SSL_CTX *regent_serve_ssl_ctx(struct regent_serve *s);

/* Hands one received SIP message to the registrar core, logs it and its
 * answer. Returns 0 and sets *out and *out_len to the response (valid until the
 * next call), or ENOMSG when nothing is to be sent. */
int regent_serve_handle(struct regent_serve *s, enum regent_serve_proto proto, const char *buf,
			size_t len, const char *src_host, uint16_t src_port, const char **out,
			size_t *out_len);

const char *regent_serve_proto_name(enum regent_serve_proto p);

/* Listeners (serve_udp.c, serve_stream.c). */
int regent_serve_udp_open(struct regent_serve *s, int fd);
int regent_serve_stream_open(struct regent_serve *s, int fd, enum regent_serve_proto proto);
void regent_serve_udp_close_all(struct regent_serve *s);
void regent_serve_stream_close_all(struct regent_serve *s);

/* Formats a sockaddr as host and port. */
struct sockaddr;
void regent_serve_addr(const struct sockaddr *sa, char *host, size_t host_size, uint16_t *port);

#endif /* REGENT_REGISTRAR_SERVE_INT_H */

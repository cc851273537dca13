/*
 * net — the I/O edge of libregent (internal API): where to connect (RFC 3263
 * resolution with c-ares), and the flows themselves (UDP, TCP, TLS, WS, WSS).
 *
 * Everything here is non-blocking and driven c-ares style: each object says
 * which fd it wants watched for what and when it next needs attention, and
 * is handed readiness and the current time. Nothing here starts a thread or
 * reads a global.
 */
#ifndef REGENT_NET_H
#define REGENT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/base.h"
#include "regent.h"

/* ------------------------------------------------------------ targets */

/* What to resolve: a SIP URI (sip:/sips:, with optional port and
 * ;transport=) or a ws:// / wss:// URL. */
struct regent_dest {
	char host[256]; /* name or numeric address, IPv6 without brackets */
	bool numeric;
	uint16_t port;		  /* 0: none given */
	enum regent_transport tp; /* NONE: not given (RFC 3263 decides) */
	bool secure;		  /* sips: or wss: */
	char ws_path[256];	  /* WS/WSS: the resource, "/" by default */
};

/* Parses `s` into *d. `force` (from the options) wins over the URI's
 * ;transport= param. EINVAL with err->text naming what is wrong (as
 * "server: ..."). */
int regent_dest_parse(struct regent_dest *d, const char *s, enum regent_transport force,
		      struct regent_error *err);
/* The same, naming `field` (the option `s` came from) in err->text. */
int regent_dest_parse_field(struct regent_dest *d, const char *s, enum regent_transport force,
			    const char *field, struct regent_error *err);

/* One place to try, in failover order (RFC 3263 §4.3). */
struct regent_target {
	enum regent_transport tp;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[256]; /* the name TLS verifies and WS sends as Host */
	char ws_path[256];
};

/* Numeric address and port of a sockaddr: host without brackets. */
int regent_sa_format(const struct sockaddr *sa, char *host, size_t hsize, uint16_t *port);

/* ------------------------------------------------------------ DNS */

struct regent_dns;

/* `server`: "127.0.0.1", "127.0.0.1:5353" or "[::1]:53"; NULL uses
 * /etc/resolv.conf. /etc/hosts is always consulted first ("fb"). */
int regent_dns_alloc(struct regent_dns **dp, const char *server);
void regent_dns_free(struct regent_dns *d);

/* Called once per regent_dns_resolve(): 0 and an ordered list (n > 0), or
 * REGENT_EDNS / ENOMEM. `targets` is valid during the call only. */
typedef void(regent_dns_h)(int err, const struct regent_target *targets, size_t n, void *arg);

/* RFC 3263 §4: NAPTR -> SRV -> A/AAAA, skipping what §4.1/§4.2 say to skip:
 *  - numeric host: no DNS at all;
 *  - explicit port: A/AAAA only (transport: given, else UDP / TLS for sips);
 *  - explicit transport: SRV for it, then A/AAAA on the default port;
 *  - otherwise NAPTR, then SRV for the services found (or, with no NAPTR,
 *    SRV for every transport), then A/AAAA.
 * WS/WSS URLs resolve A/AAAA only (RFC 7118 defines no SRV use).
 * `rnd` picks among SRV records of equal priority by weight (RFC 2782). The
 * handler may be called before this returns (numeric hosts). */
int regent_dns_resolve(struct regent_dns *d, const struct regent_dest *dest,
		       const struct regent_env *rnd, regent_dns_h *h, void *arg);

/* Cancels every pending resolution: handlers are not called. */
void regent_dns_cancel(struct regent_dns *d);

size_t regent_dns_fds(struct regent_dns *d, struct regent_pollfd *fds, size_t max);
int regent_dns_timeout(struct regent_dns *d); /* ms, -1: none */
void regent_dns_process(struct regent_dns *d, const struct regent_pollfd *fds, size_t n);
/* Is a c-ares channel held now? Only while a name resolves (for tests). */
bool regent_dns_active(const struct regent_dns *d);

/* Orders SRV records of one priority by RFC 2782 weighted random selection
 * (exposed for tests). `rnd` returns a value in [0, total weight]. */
struct regent_srv {
	uint16_t priority, weight, port;
	char host[256];
};
void regent_srv_sort(struct regent_srv *v, size_t n, const struct regent_env *rnd);

/* ------------------------------------------------------------ TLS */

struct regent_tls;

struct regent_tls_options {
	const char *ca_file; /* NULL and ca_dir NULL: the system store */
	const char *ca_dir;
	bool insecure; /* no peer / host name verification */
};

int regent_tls_alloc(struct regent_tls **tp, const struct regent_tls_options *o,
		     struct regent_error *err);
void regent_tls_free(struct regent_tls *t);
/* SSL_CTX *, made at the first call when on the system store; NULL if that
 * store cannot be loaded. */
void *regent_tls_ssl_ctx(struct regent_tls *t);
bool regent_tls_insecure(const struct regent_tls *t);

/* ------------------------------------------------------------ connections */

struct regent_conn;

struct regent_conn_handlers {
	/* the flow is up: Via and Contact come from fi (the socket used) */
	void (*up)(void *arg, const struct regent_flow_info *fi);
	/* one whole SIP message (datagram, framed stream message, WS text frame) */
	void (*recv)(void *arg, const char *buf, size_t len);
	/* the flow failed or closed: err is an errno or REGENT_ETLSVERIFY. After
	 * this the conn does nothing more; free it. */
	void (*down)(void *arg, int err);
	void *arg;
};

/* local.c: the address flows bind to before connecting (local_address). */
struct regent_local {
	struct sockaddr_storage addr;
	socklen_t len; /* 0: none, the system chooses */
};
int regent_local_parse(struct regent_local *l, const char *s, struct regent_error *err);
/* Binds fd to l (nothing when unset): 0 or errno. */
int regent_local_bind(const struct regent_local *l, int fd);

/* UDP with STUN keep-alives: the address the peer saw us from
 * (XOR-MAPPED-ADDRESS, RFC 5626 §4.4.2), told at the first answer and at
 * every change (a NAT rebinding), with the handlers' arg. */
typedef void(regent_conn_mapped_h)(void *arg, const char *host, uint16_t port);

/* The answer to a keep-alive is due within this (RFC 5626 §4.4.1: 10 s). */
#define REGENT_CONN_PONG_TIMEOUT_MS 10000u
/* STUN retransmission: RTO doubling from T1 (RFC 5389 §7.2.1) */
#define REGENT_CONN_STUN_RTO_MS 500u
/* rounds a peer that never answered STUN gets before the CRLF fallback */
#define REGENT_CONN_STUN_FALLBACK_ROUNDS 2u

/* Keep-alives (RFC 5626 §4.4), every keepalive_interval_s seconds (0: none):
 *  - TCP/TLS: a CRLFCRLF ping; WS/WSS: a ping frame (RFC 6455 §5.5.2);
 *  - UDP: a STUN Binding request (RFC 5626 §4.4.2) when pong_timeout_ms and
 *    env are set, a CRLFCRLF datagram otherwise.
 * With pong_timeout_ms > 0 every keep-alive must be answered within it (a
 * CRLF pong, a pong frame, a STUN response matched by transaction id) or
 * the flow goes down with ETIMEDOUT. A STUN request is retransmitted from
 * stun_rto_ms doubling (RFC 5389 §7.2.1) within that bound (so 5 sends in
 * 10 s), not RFC 5389's 39.5 s: a keep-alive round must end well before
 * the next one and before a 30 s NAT timeout. A UDP peer that has never
 * answered STUN is not failed: after stun_fallback_rounds unanswered rounds
 * the flow falls back, once and logged once, to CRLFCRLF datagrams without
 * an answer check (registrars without STUN on their SIP port; Kamailio
 * answers only with its stun module). pong_timeout_ms = 0 keeps the old
 * send-only keep-alive (a zeroed struct; regent_conn_options_init() gives
 * the RFC 5626 defaults). */
struct regent_conn_options {
	uint32_t connect_timeout_ms;   /* TCP connect + TLS + WS handshakes */
	uint32_t keepalive_interval_s; /* 0: no keep-alive */
	struct regent_tls *tls;	       /* required for TLS and WSS */
	size_t max_msg;		       /* framing limit, default 65536 */
	const struct regent_log *log;  /* the UA's log sink (src/base), NULL: none */
	const struct regent_local *local; /* bind before connect; NULL: none */
	char *tls_detail;		  /* why TLS refused the peer, if it did */
	size_t tls_detail_size;
	uint32_t pong_timeout_ms;      /* 0: keep-alives are not checked */
	uint32_t stun_rto_ms;	       /* 0: REGENT_CONN_STUN_RTO_MS */
	uint32_t stun_fallback_rounds; /* 0: REGENT_CONN_STUN_FALLBACK_ROUNDS */
	const struct regent_env *env;  /* random source of STUN transaction ids */
};

/* Zeroes *o and sets the defaults: connect 5 s, max_msg 65536, pong
 * REGENT_CONN_PONG_TIMEOUT_MS, STUN RTO and fallback rounds. */
void regent_conn_options_init(struct regent_conn_options *o);

/* Starts connecting to `t` (non-blocking). Handlers are never called from
 * inside this function. */
int regent_conn_open(struct regent_conn **cp, const struct regent_target *t,
		     const struct regent_conn_options *o, const struct regent_conn_handlers *h,
		     uint64_t now);
/* Closes at once (no handler call). A WS flow sends a close frame if it can. */
void regent_conn_free(struct regent_conn *c);

/* Queues one whole message. ENOTCONN before up, EMSGSIZE, ENOBUFS when the
 * output queue is over its bound, EPIPE once down. */
int regent_conn_send(struct regent_conn *c, const char *buf, size_t len);

/* fd to watch and for what (0 events: nothing right now); -1 when none. */
int regent_conn_fd(const struct regent_conn *c, int *events);
uint64_t regent_conn_deadline(const struct regent_conn *c); /* UINT64_MAX none */
/* Readiness (revents may be 0 on a pure timeout) and timers. May call the
 * handlers, including down(); the caller must not touch c after down()
 * unless to free it. */
void regent_conn_process(struct regent_conn *c, int revents, uint64_t now);

/* Changes the keep-alive interval of a live conn (a 2xx brought a
 * Flow-Timer, RFC 5626 §4.4.1): the next keep-alive goes interval_s after
 * `now`; 0 stops them (an answer still awaited is still checked). */
int regent_conn_set_keepalive(struct regent_conn *c, uint32_t interval_s, uint64_t now);
/* Sets (NULL: clears) the handler told of the mapped address. Like the
 * others it runs only from regent_conn_process() and may free c. */
void regent_conn_on_mapped(struct regent_conn *c, regent_conn_mapped_h *h);

#endif /* REGENT_NET_H */

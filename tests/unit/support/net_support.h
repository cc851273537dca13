/*
 * net_support — scaffolding shared by the test_net_* unit tests.
 *
 * Loopback sockets, a dnsmasq on 127.0.0.1 serving the records a test needs
 * for RFC 3263 lookups, a recording set of conn handlers, and the bridge
 * between struct regent_pollfd and poll(2). Every address is 127.0.0.1,
 * every wait is bounded, and child processes are stopped by their pid.
 *
 * net_support.c needs only src/net; net_support_ua.c (the UA and
 * registerer helpers) needs the whole library. They are separate objects in
 * one static library so that a test linking only the first does not pull
 * the UA in.
 */
#ifndef NET_SUPPORT_H
#define NET_SUPPORT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/net.h"

/* ------------------------------------------------------------ sockets */

/* A socket of `type` bound to 127.0.0.1 on a port the kernel picks (in
 * *port), listening if SOCK_STREAM. -1 on failure: usable in group setups. */
int net_test_bind_lo(int type, uint16_t *port);

/* net_test_bind_lo() that fails the test (cmocka assert) instead. */
int net_test_listen_lo(int type, uint16_t *port);

/* Bounds blocking reads (and accept) on fd to `seconds`. */
void net_test_recv_timeout(int fd, int seconds);

/* A UDP port on 127.0.0.1 nobody uses right now (the kernel picks it); 0 if
 * none could be had. */
unsigned net_test_free_udp_port(void);

/* Is something bound to UDP 127.0.0.1:port? (/proc/net/udp) */
bool net_test_udp_bound(unsigned port);

/* Waits (bounded: 5 s) until `pid` has bound UDP 127.0.0.1:port. -1 if it
 * exited first (port taken, bad option) or never bound it. */
int net_test_wait_bound(pid_t pid, unsigned port);

/* The rest of the line after the first `name` in the NUL-terminated message
 * buf (name "\r\nCall-ID: " gives that header's value, "REGISTER " the
 * Request-URI and version), into out; "" if name is not there. */
void net_test_header_value(const char *buf, const char *name, char *out, size_t size);

/* ------------------------------------------------------------ dnsmasq */

struct net_test_dns {
	pid_t pid;
	unsigned port;
	char server[64]; /* "127.0.0.1:<port>": for regent_dns_alloc() or dns_server */
};

/* Starts dnsmasq on 127.0.0.1 on a free port: no upstream, no hosts file, no
 * pid file, logging to `log_facility` ("-" is stderr), serving `records`
 * (NULL-terminated dnsmasq options such as "--srv-host=..."). Returns when
 * it answers (bounded) or -1; on failure nothing is left running. */
int net_test_start_dnsmasq(struct net_test_dns *d, const char *log_facility,
			   const char *const *records);

/* Stops it by pid (SIGTERM, bounded wait, then SIGKILL). */
void net_test_stop_dnsmasq(struct net_test_dns *d);

/* ------------------------------------------------------------ conn flows */

/* What the conn handlers saw. */
struct net_test_obs {
	bool up, down;
	int down_err;
	struct regent_flow_info fi;
	char msg[8][2048];
	size_t msglen[8];
	size_t nmsg;
};

/* Handlers that record into o. */
struct regent_conn_handlers net_test_obs_handlers(struct net_test_obs *o);

/* A target at 127.0.0.1:port named `host` (TLS/SNI identity); ws_path may
 * be NULL. */
struct regent_target net_test_lo_target(enum regent_transport tp, const char *host, uint16_t port,
					const char *ws_path);

/* regent_conn_open() recording into o; fails the test if it refuses. */
struct regent_conn *net_test_conn_open(const struct regent_target *t,
				       const struct regent_conn_options *co, struct net_test_obs *o,
				       uint64_t now);

/* Pumps c for up to `rounds` 10 ms polls, or until *flag (flag may be NULL),
 * or at once if c has no socket. */
void net_test_conn_pump(struct regent_conn *c, const bool *flag, int rounds, uint64_t now);

/* ------------------------------------------------------------ poll bridge */

short net_test_poll_events(int regent_events);
int net_test_regent_revents(short revents);

/* rf[0..n) to pf[0..n) (revents cleared), and the answers back. */
void net_test_to_pollfds(const struct regent_pollfd *rf, size_t n, struct pollfd *pf);
void net_test_from_pollfds(const struct pollfd *pf, size_t n, struct regent_pollfd *rf);

/* ------------------------------------------------------------ UA (net_support_ua.c) */

/* regent_ua_alloc() that fails the test if it refuses. */
struct regent_ua *net_test_ua_alloc(const struct regent_ua_options *o);

/* Defaults, events to h(arg), no configuration log line. */
void net_test_registerer_options(struct regent_registerer_options *ro, regent_registerer_event_h *h,
				 void *arg);

/* regent_registerer_alloc() that fails the test if it refuses. */
struct regent_registerer *net_test_registerer_alloc(struct regent_ua *ua,
						    const struct regent_registerer_options *ro);

#endif

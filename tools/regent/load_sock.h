/*
 * load_sock — one socket (or connection) of `regent load`: a UA, and how
 * the run's poll loop drives it. By default a UA with regent's own I/O
 * (regent_ua_alloc: UDP, TCP, TLS, WS, WSS, RFC 3263), driven through the
 * embedding calls regent_ua_io_fds/_timeout/_process. With --local-ip, a
 * UA on the sans-I/O core (regent_ua_alloc_core) over a UDP socket this
 * file binds to the given source address: regent.h has no bind-address
 * option for its own I/O (see docs/load.md), so only UDP can have one.
 */
#ifndef REGENT_LOAD_SOCK_H
#define REGENT_LOAD_SOCK_H

#include <poll.h>
#include <stddef.h>

#include "regent.h"

#define LOAD_SOCK_MAX_FDS 8

struct load_sock {
	struct regent_ua *ua;
	int fd; /* own UDP socket (--local-ip), else -1 */
	struct regent_env env;
	struct regent_pollfd pf[LOAD_SOCK_MAX_FDS];
	size_t npf;
	size_t off; /* where its fds start in the poll array */
};

/* local_ip NULL: the library's I/O. errbuf gets the reason of a failure. */
int load_sock_open(struct load_sock *s, const struct regent_ua_options *uo, const char *local_ip,
		   const char *dest, char *errbuf, size_t errsize);
void load_sock_close(struct load_sock *s);
/* Adds its fds at pfds[0..] (at most max) and lowers *timeout_ms to its
 * next deadline; returns how many fds it added. */
size_t load_sock_prepare(struct load_sock *s, struct pollfd *pfds, size_t max, int *timeout_ms);
/* After poll(): readiness of the fds it added, and its due timers. */
void load_sock_process(struct load_sock *s, const struct pollfd *pfds);

#endif /* REGENT_LOAD_SOCK_H */

/*
 * load_sock.c — the UAs of `regent load` and their part of the poll loop
 * (see load_sock.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load_sock.h"

#define RECV_BATCH 32
#define RECV_MAX 65536

/* ------------------------------------------- own UDP socket (--local-ip) */

static int udp_send(void *arg, const char *buf, size_t len)
{
	struct load_sock *s = arg;

	if (send(s->fd, buf, len, 0) >= 0)
		return 0;
	/* a full socket buffer is a lost datagram: the transaction
	 * retransmits it (RFC 3261 §17.1.1.2) */
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR)
		return 0;
	return errno;
}

/* "sip:user@host:port;params" -> host, port (5060 by default). */
static int split_dest(const char *uri, char *host, size_t hsize, char *port, size_t psize)
{
	const char *p = strchr(uri, ':'), *at, *end;
	size_t n;

	p = p ? p + 1 : uri;
	if (!strncmp(uri, "udp:", 4) || !strncmp(uri, "sip:", 4) || !strncmp(uri, "sips:", 5)) {
		at = strchr(p, '@');
		if (at)
			p = at + 1;
	} else {
		p = uri;
	}
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return EINVAL;
		n = (size_t)(end - p - 1);
		p++;
		end++;
	} else {
		end = p + strcspn(p, ":;?>");
		n = (size_t)(end - p);
	}
	if (n == 0 || n >= hsize)
		return EINVAL;
	memcpy(host, p, n);
	host[n] = '\0';
	if (*end == ':') {
		n = strspn(end + 1, "0123456789");
		if (n == 0 || n >= psize)
			return EINVAL;
		memcpy(port, end + 1, n);
		port[n] = '\0';
	} else {
		snprintf(port, psize, "5060");
	}
	return 0;
}

static int udp_bind_connect(struct load_sock *s, const char *local_ip, const char *dest,
			    struct regent_flow_info *fi, char *errbuf, size_t errsize)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *peer = NULL, *local = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], serv[16];
	int e;

	if (split_dest(dest, host, sizeof(host), port, sizeof(port))) {
		snprintf(errbuf, errsize, "--local-ip: cannot read host:port from '%s'", dest);
		return EINVAL;
	}
	e = getaddrinfo(host, port, &hints, &peer);
	if (!e) {
		hints.ai_family = peer->ai_family;
		hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
		e = getaddrinfo(local_ip, "0", &hints, &local);
	}
	if (e) {
		snprintf(errbuf, errsize, "--local-ip %s to %s: %s", local_ip, host,
			 gai_strerror(e));
		freeaddrinfo(peer);
		return EINVAL;
	}
	s->fd = socket(peer->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	e = s->fd < 0 || bind(s->fd, local->ai_addr, local->ai_addrlen) ||
		    connect(s->fd, peer->ai_addr, peer->ai_addrlen) ||
		    getsockname(s->fd, (struct sockaddr *)&ss, &sl)
		? errno
		: 0;
	if (!e)
		e = getnameinfo((struct sockaddr *)&ss, sl, fi->local_host, sizeof(fi->local_host),
				serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)
			? EINVAL
			: 0;
	if (!e)
		e = getnameinfo(peer->ai_addr, peer->ai_addrlen, fi->peer_host,
				sizeof(fi->peer_host), port, sizeof(port),
				NI_NUMERICHOST | NI_NUMERICSERV)
			? EINVAL
			: 0;
	if (e)
		snprintf(errbuf, errsize, "--local-ip %s to %s:%s: %s", local_ip, host, port,
			 strerror(e));
	fi->local_port = (uint16_t)atoi(serv);
	fi->peer_port = (uint16_t)atoi(port);
	fi->transport = REGENT_TP_UDP;
	freeaddrinfo(peer);
	freeaddrinfo(local);
	return e;
}

static int open_own_udp(struct load_sock *s, const struct regent_ua_options *uo,
			const char *local_ip, const char *dest, char *errbuf, size_t errsize)
{
	struct regent_flow_info fi;
	struct regent_sender snd = {.send = udp_send, .arg = s};
	struct regent_error err = {0};
	int e;

	memset(&fi, 0, sizeof(fi));
	e = udp_bind_connect(s, local_ip, dest, &fi, errbuf, errsize);
	if (e)
		return e;
	regent_env_system(&s->env);
	e = regent_ua_alloc_core(&s->ua, uo, &s->env, &snd, &err);
	if (e) {
		snprintf(errbuf, errsize, "%s", err.text[0] ? err.text : regent_strerror(e));
		return e;
	}
	regent_ua_flow_up(s->ua, &fi);
	return 0;
}

/* Every datagram waiting, in batches (recvmmsg), until EAGAIN. */
static void drain_own_udp(struct load_sock *s)
{
	static char bufs[RECV_BATCH][RECV_MAX];
	struct mmsghdr mm[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	int n;

	do {
		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RECV_MAX;
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(s->fd, mm, RECV_BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++)
			regent_ua_recv(s->ua, bufs[i], mm[i].msg_len);
	} while (n == RECV_BATCH);
}

/* ------------------------------------------------------------- both */

int load_sock_open(struct load_sock *s, const struct regent_ua_options *uo, const char *local_ip,
		   const char *dest, char *errbuf, size_t errsize)
{
	struct regent_error err = {0};
	int e;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (local_ip)
		return open_own_udp(s, uo, local_ip, dest, errbuf, errsize);
	e = regent_ua_alloc(&s->ua, uo, &err);
	if (e)
		snprintf(errbuf, errsize, "%s", err.text[0] ? err.text : regent_strerror(e));
	return e;
}

void load_sock_close(struct load_sock *s)
{
	if (s->ua)
		regent_ua_free(s->ua);
	if (s->fd >= 0)
		close(s->fd);
	s->ua = NULL;
	s->fd = -1;
}

static void lower(int *timeout_ms, int t)
{
	if (t >= 0 && (*timeout_ms < 0 || t < *timeout_ms))
		*timeout_ms = t;
}

size_t load_sock_prepare(struct load_sock *s, struct pollfd *pfds, size_t max, int *timeout_ms)
{
	if (s->fd >= 0) {
		uint64_t d = regent_ua_next_deadline(s->ua), now = s->env.now_ms(s->env.arg);

		if (d != UINT64_MAX)
			lower(timeout_ms, d <= now ? 0 : d - now > 60000 ? 60000 : (int)(d - now));
		if (max < 1)
			return 0;
		pfds[0] = (struct pollfd){.fd = s->fd, .events = POLLIN};
		s->npf = 1;
		return 1;
	}
	s->npf = regent_ua_io_fds(s->ua, s->pf, LOAD_SOCK_MAX_FDS);
	if (s->npf > LOAD_SOCK_MAX_FDS)
		s->npf = LOAD_SOCK_MAX_FDS;
	if (s->npf > max)
		s->npf = max;
	for (size_t i = 0; i < s->npf; i++) {
		pfds[i].fd = s->pf[i].fd;
		pfds[i].events = (short)((s->pf[i].events & REGENT_POLL_IN ? POLLIN : 0) |
					 (s->pf[i].events & REGENT_POLL_OUT ? POLLOUT : 0));
		pfds[i].revents = 0;
	}
	lower(timeout_ms, regent_ua_io_timeout(s->ua));
	return s->npf;
}

void load_sock_process(struct load_sock *s, const struct pollfd *pfds)
{
	if (s->fd >= 0) {
		if (s->npf && pfds[0].revents)
			drain_own_udp(s);
		regent_ua_process(s->ua);
		return;
	}
	for (size_t i = 0; i < s->npf; i++) {
		short r = pfds[i].revents;

		s->pf[i].revents = (r & (POLLIN | POLLERR | POLLHUP) ? REGENT_POLL_IN : 0) |
				   (r & (POLLOUT | POLLERR | POLLHUP) ? REGENT_POLL_OUT : 0);
	}
	regent_ua_io_process(s->ua, s->pf, s->npf);
}

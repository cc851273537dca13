/*
 * serve_udp.c — UDP listener of `regent registrar`. Each datagram is one
 * message; the answer goes back to the source address and port, which is
 * what RFC 3581 (rport) asks of a server and what works behind NAT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_int.h"

struct serve_udp {
	struct regent_serve_fd sfd;
	struct regent_serve *s;
	struct serve_udp *next;
	char host[64]; /* the address bound: the proxy's Via */
	uint16_t port;
	char buf[65536];
};

static void udp_readable(struct regent_serve_fd *sfd, uint32_t events)
{
	struct serve_udp *u = (struct serve_udp *)sfd;
	int budget = 64; /* bounded per wake-up: other fds get their turn */

	(void)events;
	while (budget--) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[64];
		uint16_t port;
		const char *out;
		size_t out_len;
		ssize_t n;

		n = recvfrom(sfd->fd, u->buf, sizeof(u->buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error reported on the socket */
		if (n == 0)
			continue;
		regent_serve_addr((struct sockaddr *)&ss, host, sizeof(host), &port);
		if (regent_serve_proxy_response(u->s, sfd->fd, u->buf, (size_t)n) ||
		    regent_serve_proxy_request(u->s, sfd->fd, u->buf, (size_t)n, host, port,
					       u->host, u->port))
			continue;
		if (regent_serve_handle(u->s, REGENT_SERVE_UDP, u->buf, (size_t)n, host, port, &out,
					&out_len))
			continue;
		if (sendto(sfd->fd, out, out_len, 0, (struct sockaddr *)&ss, sl) < 0)
			regent_serve_logf(u->s, "udp: send to %s:%u failed: %s", host,
					  (unsigned)port, strerror(errno));
		else
			regent_serve_proxy_note(u->s, u->buf, (size_t)n, out, out_len,
						(struct sockaddr *)&ss, sl);
	}
}

int regent_serve_udp_open(struct regent_serve *s, int fd)
{
	struct serve_udp *u = calloc(1, sizeof(*u));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int err;

	if (!u)
		return ENOMEM;
	u->sfd.fd = fd;
	u->sfd.h = udp_readable;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		regent_serve_addr((struct sockaddr *)&ss, u->host, sizeof(u->host), &u->port);
	u->s = s;
	err = regent_serve_watch(s, &u->sfd, EPOLLIN);
	if (err) {
		free(u);
		return err;
	}
	u->next = s->udps;
	s->udps = u;
	return 0;
}

void regent_serve_udp_close_all(struct regent_serve *s)
{
	while (s->udps) {
		struct serve_udp *u = s->udps;

		s->udps = u->next;
		regent_serve_unwatch(s, &u->sfd);
		close(u->sfd.fd);
		free(u);
	}
}

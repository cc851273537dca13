/*
 * netwatch — an rtnetlink listener for address and route changes
 * (rtnetlink(7)), debounced; see net/netwatch.h.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netwatch.h"

#define DRAIN_MAX 64 /* datagrams read per process call */

struct regent_netwatch {
	int fd;
	uint32_t quiet_ms;
	bool pending;  /* a burst not yet reported */
	uint64_t last; /* time of its last event */
	uint64_t events;
};

int regent_netwatch_open(struct regent_netwatch **wp, uint32_t quiet_ms)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
					      RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE};
	struct regent_netwatch *w;

	if (wp == NULL)
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ENOMEM;
	w->quiet_ms = quiet_ms ? quiet_ms : REGENT_NETWATCH_QUIET_MS;
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return e;
	}
	*wp = w;
	return 0;
}

void regent_netwatch_close(struct regent_netwatch *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w);
}

int regent_netwatch_fd(const struct regent_netwatch *w)
{
	return w != NULL ? w->fd : -1;
}

uint64_t regent_netwatch_deadline(const struct regent_netwatch *w)
{
	if (w == NULL || !w->pending)
		return UINT64_MAX;
	return w->last + w->quiet_ms;
}

uint64_t regent_netwatch_events(const struct regent_netwatch *w)
{
	return w != NULL ? w->events : 0;
}

/* IPv6 link-local and multicast: a link coming up makes them (and their
 * DAD ends a second later); no flow of ours ever uses them (issue 13, seen
 * in tests/nat: a veth's fe80:: address turned a black-hole test into a
 * "network change"). */
static bool v6_link_only(const struct nlmsghdr *h)
{
	if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
		const struct ifaddrmsg *a = NLMSG_DATA(h);

		return a->ifa_family == AF_INET6 &&
		       (a->ifa_scope == RT_SCOPE_LINK || (a->ifa_flags & IFA_F_TENTATIVE) != 0);
	}
	const struct rtmsg *r = NLMSG_DATA(h);
	int alen = (int)RTM_PAYLOAD(h);

	if (r->rtm_family != AF_INET6)
		return false;
	if (r->rtm_type == RTN_MULTICAST)
		return true;
	for (const struct rtattr *ra = RTM_RTA(r); RTA_OK(ra, alen); ra = RTA_NEXT(ra, alen)) {
		const unsigned char *d = RTA_DATA(ra);

		if (ra->rta_type == RTA_DST && RTA_PAYLOAD(ra) >= 2)
			return d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80);
	}
	return false;
}

/* Counts the address and route messages of one datagram. */
static unsigned count(const char *buf, size_t n)
{
	unsigned k = 0;
	unsigned int len = (unsigned int)n; /* NLMSG_OK compares it with a __u32 */

	for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
	     h = NLMSG_NEXT(h, len)) {
		switch (h->nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			k += !v6_link_only(h);
			break;
		default:
			break;
		}
	}
	return k;
}

bool regent_netwatch_process(struct regent_netwatch *w, uint64_t now)
{
	char buf[8192] __attribute__((aligned(4)));

	if (w == NULL)
		return false;
	for (int i = 0; i < DRAIN_MAX; i++) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
		unsigned k;

		if (n < 0 && errno == ENOBUFS) {
			/* the kernel dropped events: something changed */
			k = 1;
		} else if (n <= 0) {
			break;
		} else {
			k = count(buf, (size_t)n);
		}
		if (k) {
			w->events += k;
			w->pending = true;
			w->last = now;
		}
	}
	if (w->pending && now >= w->last + w->quiet_ms) {
		w->pending = false;
		return true;
	}
	return false;
}

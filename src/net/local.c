/*
 * local — the local address a UA's flows bind to before connecting
 * (regent_ua_options.local_address, `--local-address`): parsed once, bound
 * on each socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/base.h"
#include "net/net.h"

static int bad(struct regent_error *err, const char *s, const char *why)
{
	return regent_error_set(err, EINVAL, "local_address: \"%.80s\": %s", s, why);
}

int regent_local_parse(struct regent_local *l, const char *s, struct regent_error *err)
{
	char host[64];
	const char *h = s, *port = NULL, *he;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l->addr;
	unsigned long p = 0;
	char *end;

	memset(l, 0, sizeof(*l));
	if (s == NULL)
		return 0;
	if (*s == '[') { /* "[v6]" or "[v6]:port" */
		he = strchr(s, ']');
		if (he == NULL || (he[1] != '\0' && he[1] != ':'))
			return bad(err, s, "unterminated IPv6 reference");
		h = s + 1;
		port = he[1] == ':' ? he + 2 : NULL;
	} else {
		he = strchr(s, ':');
		if (he != NULL && strchr(he + 1, ':') != NULL)
			he = s + strlen(s); /* a bare IPv6 address: no port */
		else if (he != NULL)
			port = he + 1;
		else
			he = s + strlen(s);
	}
	if ((size_t)(he - h) >= sizeof(host) || he == h)
		return bad(err, s, "not a numeric address");
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	if (port != NULL) {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno || p > 65535)
			return bad(err, s, "the port is not 0..65535");
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		l->len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		l->len = sizeof(*a6);
	} else {
		return bad(err, s, "not a numeric address");
	}
	return 0;
}

int regent_local_bind(const struct regent_local *l, int fd)
{
	int one = 1;

	if (l == NULL || l->len == 0)
		return 0;
	/* a fixed local port again soon after the last flow (TIME_WAIT) */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(fd, (const struct sockaddr *)&l->addr, l->len) == 0 ? 0 : errno;
}

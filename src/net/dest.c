/*
 * dest — where a flow goes: a sip:/sips: URI (RFC 3261 §19.1.1) or a ws:// /
 * wss:// URL (RFC 7118 §4, SIP.js transportOptions.server), reduced to the
 * host, port, transport and security RFC 3263 works from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "net/net.h"

/* The error names the option the string came from (`field`). */
static int fail(struct regent_error *err, const char *field, const char *s, const char *why)
{
	return regent_error_set(err, EINVAL, "%s: \"%.120s\": %s", field, s, why);
}

/* host[:port] up to one of `stops` (or the end); brackets for IPv6. */
static int parse_hostport(struct regent_dest *d, const char *p, const char *end, const char *s,
			  const char *field, struct regent_error *err)
{
	const char *h = p, *he;
	if (p < end && *p == '[') {
		he = memchr(p, ']', (size_t)(end - p));
		if (!he)
			return fail(err, field, s, "unterminated IPv6 reference");
		h = p + 1;
		p = he + 1;
	} else {
		he = p;
		while (he < end && *he != ':')
			he++;
		p = he;
	}
	size_t hl = (size_t)(he - h);
	if (hl == 0 || hl >= sizeof(d->host))
		return fail(err, field, s, "bad host");
	memcpy(d->host, h, hl);
	d->host[hl] = '\0';
	for (size_t i = 0; i < hl; i++) {
		char c = d->host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == ':' || c == '_'))
			return fail(err, field, s, "bad character in host");
	}
	if (p < end && *p == ':') {
		unsigned v = 0;
		p++;
		if (p == end)
			return fail(err, field, s, "empty port");
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return fail(err, field, s, "bad port");
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 65535)
				return fail(err, field, s, "port out of range");
		}
		if (v == 0)
			return fail(err, field, s, "port 0");
		d->port = (uint16_t)v;
	} else if (p != end) {
		return fail(err, field, s, "junk after host");
	}
	struct in6_addr a6;
	d->numeric =
	    inet_pton(AF_INET, d->host, &a6) == 1 || inet_pton(AF_INET6, d->host, &a6) == 1;
	if (strchr(d->host, ':') && !d->numeric)
		return fail(err, field, s, "bad IPv6 address");
	return 0;
}

int regent_dest_parse(struct regent_dest *d, const char *s, enum regent_transport force,
		      struct regent_error *err)
{
	return regent_dest_parse_field(d, s, force, "server", err);
}

/* ws://host[:port][/path] and wss://... (RFC 7118 §4). */
static int parse_ws(struct regent_dest *d, const char *s, enum regent_transport force,
		    const char *field, struct regent_error *err)
{
	const char *end = s + strlen(s), *p, *pe;
	size_t pl;
	int e;

	d->secure = s[2] == 's' || s[2] == 'S';
	d->tp = d->secure ? REGENT_TP_WSS : REGENT_TP_WS;
	p = s + (d->secure ? 6 : 5);
	pe = p;
	while (pe < end && *pe != '/' && *pe != '?' && *pe != '#')
		pe++;
	e = parse_hostport(d, p, pe, s, field, err);
	if (e)
		return e;
	pl = (size_t)(end - pe);
	if (pl == 0) {
		strcpy(d->ws_path, "/");
	} else {
		if (*pe != '/' || pl >= sizeof(d->ws_path) || memchr(pe, '#', pl))
			return fail(err, field, s, "bad resource path");
		for (size_t i = 0; i < pl; i++) {
			if ((unsigned char)pe[i] <= ' ' || pe[i] == 0x7f)
				return fail(err, field, s, "bad character in path");
		}
		memcpy(d->ws_path, pe, pl);
		d->ws_path[pl] = '\0';
	}
	if (!d->port)
		d->port = d->secure ? 443 : 80;
	if (force != REGENT_TP_NONE && force != d->tp)
		return fail(err, field, s, "transport option contradicts the URL scheme");
	return 0;
}

/* The ;transport= param among the URI params in [q, end) (RFC 3261
 * §19.1.1); the params stop at the headers ('?'). */
static int parse_transport(struct regent_dest *d, const char *q, const char *end, const char *s,
			   const char *field, struct regent_error *err)
{
	const char *pend = q;

	while (pend < end && *pend != '?')
		pend++;
	while (q < pend) {
		q++; /* ';' */
		const char *ne = q;
		while (ne < pend && *ne != ';')
			ne++;
		if ((size_t)(ne - q) > 10 && strncasecmp(q, "transport=", 10) == 0) {
			enum regent_transport tp;
			if (regent_transport_parse(&tp, q + 10, (size_t)(ne - q - 10)) != 0)
				return fail(err, field, s, "unsupported transport parameter");
			d->tp = tp;
		}
		q = ne;
	}
	return 0;
}

/* sip: and sips: URIs. */
static int parse_sip(struct regent_dest *d, const char *s, enum regent_transport force,
		     const char *field, struct regent_error *err)
{
	const char *end = s + strlen(s), *p, *hend, *at = NULL;
	int e;

	if (strncasecmp(s, "sips:", 5) == 0) {
		d->secure = true;
		p = s + 5;
	} else if (strncasecmp(s, "sip:", 4) == 0) {
		p = s + 4;
	} else {
		return fail(err, field, s, "not a sip:, sips:, ws:// or wss:// address");
	}
	/* userinfo ends at the last '@' before params/headers */
	hend = p;
	while (hend < end && *hend != ';' && *hend != '?')
		hend++;
	for (const char *q = p; q < hend; q++) {
		if (*q == '@')
			at = q;
	}
	if (at)
		p = at + 1;
	e = parse_hostport(d, p, hend, s, field, err);
	if (!e)
		e = parse_transport(d, hend, end, s, field, err);
	if (e)
		return e;
	if (force != REGENT_TP_NONE)
		d->tp = force;
	/* RFC 3261 §26.2.2 / RFC 5630: sips needs TLS (or WSS) */
	if (d->secure && d->tp != REGENT_TP_NONE && d->tp != REGENT_TP_TLS &&
	    d->tp != REGENT_TP_WSS)
		return fail(err, field, s, "sips: needs a secure transport");
	if (d->tp == REGENT_TP_WS || d->tp == REGENT_TP_WSS)
		strcpy(d->ws_path, "/");
	return 0;
}

int regent_dest_parse_field(struct regent_dest *d, const char *s, enum regent_transport force,
			    const char *field, struct regent_error *err)
{
	if (!d || !s)
		return EINVAL;
	memset(d, 0, sizeof(*d));
	if (strncasecmp(s, "ws://", 5) == 0 || strncasecmp(s, "wss://", 6) == 0)
		return parse_ws(d, s, force, field, err);
	return parse_sip(d, s, force, field, err);
}

int regent_sa_format(const struct sockaddr *sa, char *host, size_t hsize, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		if (!inet_ntop(AF_INET, &in->sin_addr, host, (socklen_t)hsize))
			return errno;
		*port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (!inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)hsize))
			return errno;
		*port = ntohs(in6->sin6_port);
		return 0;
	}
	return EAFNOSUPPORT;
}

/*
 * service — what the UA does for its clients (ua/ua.h): log, clock and
 * random source from the injected env; and the hook of the I/O edge (the
 * flows and sending are flows.c's).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua/ua_int.h"

void regent_ua_log(const struct regent_ua *ua, enum regent_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (ua == NULL)
		return;
	va_start(ap, fmt);
	regent_log_vemit(&ua->log, level, fmt, ap);
	va_end(ap);
}

uint64_t regent_ua_now(const struct regent_ua *ua)
{
	return ua->env.now_ms(ua->env.arg);
}

void regent_ua_random_hex(struct regent_ua *ua, char *out, size_t nchars)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t i;

	while (nchars > 0) {
		size_t n = nchars > 2 * sizeof(b) ? 2 * sizeof(b) : nchars;
		ua->env.random(ua->env.arg, b, (n + 1) / 2);
		for (i = 0; i + 1 < n; i += 2) { /* two digits a byte */
			out[i] = hex[b[i / 2] >> 4];
			out[i + 1] = hex[b[i / 2] & 15];
		}
		if (i < n)
			out[i] = hex[b[i / 2] >> 4];
		out += n;
		nchars -= n;
	}
	*out = '\0';
}

void regent_ua_random_token(struct regent_ua *ua, char *out, size_t nchars)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[32];
	size_t i;

	while (nchars > 0) {
		size_t n = nchars > sizeof(b) ? sizeof(b) : nchars;
		ua->env.random(ua->env.arg, b, n);
		for (i = 0; i < n; i++)
			out[i] = al[b[i] % 36];
		out += n;
		nchars -= n;
	}
	*out = '\0';
}

uint32_t regent_ua_random_u32(struct regent_ua *ua)
{
	uint32_t v = 0;

	ua->env.random(ua->env.arg, &v, sizeof(v));
	return v;
}

void regent_ua_set_edge(struct regent_ua *ua, void *edge, const struct regent_ua_edge_ops *ops)
{
	ua->edge = edge;
	ua->edge_ops = ops;
}

void *regent_ua_edge(const struct regent_ua *ua, const struct regent_ua_edge_ops *ops)
{
	return ua != NULL && ua->edge_ops == ops ? ua->edge : NULL;
}

void regent_ua_flow_keepalive(struct regent_ua *ua, const struct regent_ua_client *c,
			      uint32_t interval_s)
{
	if (ua->edge_ops != NULL && ua->edge_ops->keepalive != NULL)
		ua->edge_ops->keepalive(ua->edge, c->flow, interval_s);
}

/*
 * transport — the one table of transport names: the Via token (upper case,
 * RFC 3261 §18), the URI ;transport= param (lower case, §19.1.1), and
 * parsing either back.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"

static const struct {
	enum regent_transport tp;
	const char *via, *param;
	bool reliable;
} names[] = {
    {REGENT_TP_UDP, "UDP", "udp", false}, {REGENT_TP_TCP, "TCP", "tcp", true},
    {REGENT_TP_TLS, "TLS", "tls", true},  {REGENT_TP_WS, "WS", "ws", true},
    {REGENT_TP_WSS, "WSS", "wss", true},
};

#define NNAMES (sizeof(names) / sizeof(names[0]))

const char *regent_transport_name(enum regent_transport tp)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].tp == tp)
			return names[i].via;
	return "UDP";
}

const char *regent_transport_param(enum regent_transport tp)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].tp == tp)
			return names[i].param;
	return "udp";
}

bool regent_transport_reliable(enum regent_transport tp)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].tp == tp)
			return names[i].reliable;
	return false;
}

int regent_transport_parse(enum regent_transport *tp, const char *s, size_t len)
{
	*tp = REGENT_TP_NONE;
	if (s == NULL)
		return EINVAL;
	for (size_t i = 0; i < NNAMES; i++) {
		if (strlen(names[i].param) == len && strncasecmp(s, names[i].param, len) == 0) {
			*tp = names[i].tp;
			return 0;
		}
	}
	return EINVAL;
}

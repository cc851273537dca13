/*
 * hdr — header names: id from a name by a switch on length and first
 * character (no table walk), canonical names, compact forms (RFC 3261 §7.3.3,
 * RFC 3265 §7.2 for o/u).
 */
#include "msg/msg_int.h"

static const char *const canon[REGENT_HDR__COUNT] = {
    [REGENT_HDR_VIA] = "Via",
    [REGENT_HDR_FROM] = "From",
    [REGENT_HDR_TO] = "To",
    [REGENT_HDR_CALL_ID] = "Call-ID",
    [REGENT_HDR_CSEQ] = "CSeq",
    [REGENT_HDR_CONTACT] = "Contact",
    [REGENT_HDR_EXPIRES] = "Expires",
    [REGENT_HDR_MIN_EXPIRES] = "Min-Expires",
    [REGENT_HDR_RETRY_AFTER] = "Retry-After",
    [REGENT_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [REGENT_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [REGENT_HDR_AUTHORIZATION] = "Authorization",
    [REGENT_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [REGENT_HDR_PATH] = "Path",
    [REGENT_HDR_SERVICE_ROUTE] = "Service-Route",
    [REGENT_HDR_SUPPORTED] = "Supported",
    [REGENT_HDR_REQUIRE] = "Require",
    [REGENT_HDR_UNSUPPORTED] = "Unsupported",
    [REGENT_HDR_FLOW_TIMER] = "Flow-Timer",
    [REGENT_HDR_MAX_FORWARDS] = "Max-Forwards",
    [REGENT_HDR_CONTENT_LENGTH] = "Content-Length",
    [REGENT_HDR_CONTENT_TYPE] = "Content-Type",
    [REGENT_HDR_ROUTE] = "Route",
    [REGENT_HDR_RECORD_ROUTE] = "Record-Route",
    [REGENT_HDR_ALLOW] = "Allow",
    [REGENT_HDR_USER_AGENT] = "User-Agent",
    [REGENT_HDR_SERVER] = "Server",
    [REGENT_HDR_DATE] = "Date",
    [REGENT_HDR_SUBJECT] = "Subject",
    [REGENT_HDR_EVENT] = "Event",
};

const char *regent_hdr_canonical_name(enum regent_hdr_id id)
{
	if ((unsigned)id >= REGENT_HDR__COUNT)
		return NULL;
	return canon[id];
}

#define IS(lit, id_)                                                                               \
	do {                                                                                       \
		if (lceq(name, lit, len))                                                          \
			return id_;                                                                \
	} while (0)

enum regent_hdr_id regent_hdr_id_from_name(const char *name, size_t len)
{
	if (!name)
		return REGENT_HDR_OTHER;
	for (size_t i = 0; i < len; i++) {
		if (!ct(name[i], C_TOKEN))
			return REGENT_HDR_OTHER;
	}
	return regent_msgi_hdr_id(name, len);
}

enum regent_hdr_id regent_msgi_hdr_id(const char *name, size_t len)
{
	switch (len) {
	case 1:
		switch (name[0] | 0x20) {
		case 'i':
			return REGENT_HDR_CALL_ID;
		case 'm':
			return REGENT_HDR_CONTACT;
		case 'l':
			return REGENT_HDR_CONTENT_LENGTH;
		case 'f':
			return REGENT_HDR_FROM;
		case 't':
			return REGENT_HDR_TO;
		case 'v':
			return REGENT_HDR_VIA;
		case 'k':
			return REGENT_HDR_SUPPORTED;
		case 's':
			return REGENT_HDR_SUBJECT;
		case 'c':
			return REGENT_HDR_CONTENT_TYPE;
		case 'o':
			return REGENT_HDR_EVENT;
		default:
			return REGENT_HDR_OTHER; /* e, u: no id of their own */
		}
	case 2:
		IS("to", REGENT_HDR_TO);
		break;
	case 3:
		IS("via", REGENT_HDR_VIA);
		break;
	case 4:
		switch (name[0] | 0x20) {
		case 'f':
			IS("from", REGENT_HDR_FROM);
			break;
		case 'c':
			IS("cseq", REGENT_HDR_CSEQ);
			break;
		case 'p':
			IS("path", REGENT_HDR_PATH);
			break;
		case 'd':
			IS("date", REGENT_HDR_DATE);
			break;
		}
		break;
	case 5:
		switch (name[0] | 0x20) {
		case 'r':
			IS("route", REGENT_HDR_ROUTE);
			break;
		case 'a':
			IS("allow", REGENT_HDR_ALLOW);
			break;
		case 'e':
			IS("event", REGENT_HDR_EVENT);
			break;
		}
		break;
	case 6:
		IS("server", REGENT_HDR_SERVER);
		break;
	case 7:
		switch (name[0] | 0x20) {
		case 'c':
			if ((name[1] | 0x20) == 'a') {
				IS("call-id", REGENT_HDR_CALL_ID);
			} else {
				IS("contact", REGENT_HDR_CONTACT);
			}
			break;
		case 'e':
			IS("expires", REGENT_HDR_EXPIRES);
			break;
		case 'r':
			IS("require", REGENT_HDR_REQUIRE);
			break;
		case 's':
			IS("subject", REGENT_HDR_SUBJECT);
			break;
		}
		break;
	case 9:
		IS("supported", REGENT_HDR_SUPPORTED);
		break;
	case 10:
		switch (name[0] | 0x20) {
		case 'f':
			IS("flow-timer", REGENT_HDR_FLOW_TIMER);
			break;
		case 'u':
			IS("user-agent", REGENT_HDR_USER_AGENT);
			break;
		}
		break;
	case 11:
		switch (name[0] | 0x20) {
		case 'm':
			IS("min-expires", REGENT_HDR_MIN_EXPIRES);
			break;
		case 'r':
			IS("retry-after", REGENT_HDR_RETRY_AFTER);
			break;
		case 'u':
			IS("unsupported", REGENT_HDR_UNSUPPORTED);
			break;
		}
		break;
	case 12:
		switch (name[0] | 0x20) {
		case 'm':
			IS("max-forwards", REGENT_HDR_MAX_FORWARDS);
			break;
		case 'c':
			IS("content-type", REGENT_HDR_CONTENT_TYPE);
			break;
		case 'r':
			IS("record-route", REGENT_HDR_RECORD_ROUTE);
			break;
		}
		break;
	case 13:
		switch (name[0] | 0x20) {
		case 'a':
			IS("authorization", REGENT_HDR_AUTHORIZATION);
			break;
		case 's':
			IS("service-route", REGENT_HDR_SERVICE_ROUTE);
			break;
		}
		break;
	case 14:
		IS("content-length", REGENT_HDR_CONTENT_LENGTH);
		break;
	case 16:
		IS("www-authenticate", REGENT_HDR_WWW_AUTHENTICATE);
		break;
	case 18:
		IS("proxy-authenticate", REGENT_HDR_PROXY_AUTHENTICATE);
		break;
	case 19:
		IS("proxy-authorization", REGENT_HDR_PROXY_AUTHORIZATION);
		break;
	}
	return REGENT_HDR_OTHER;
}

/* Compact forms without an id of their own (RFC 3261 §7.3.3, RFC 3265). */
static const char *compact_long(char c)
{
	switch (c | 0x20) {
	case 'e':
		return "Content-Encoding";
	case 'u':
		return "Allow-Events";
	default:
		return NULL;
	}
}

bool regent_msgi_name_eq(struct regent_pl hname, const char *name)
{
	size_t nl = strlen(name);

	if (regent_pl_casecmp_eq(hname, (struct regent_pl){name, nl}))
		return true;
	if (hname.l == 1 && nl > 1) {
		const char *lng = compact_long(hname.p[0]);

		return lng && regent_pl_caseeq_str((struct regent_pl){name, nl}, lng);
	}
	if (nl == 1 && hname.l > 1) {
		const char *lng = compact_long(name[0]);

		return lng && regent_pl_caseeq_str(hname, lng);
	}
	return false;
}

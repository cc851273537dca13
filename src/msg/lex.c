/*
 * lex — the small lexical pieces of RFC 3261 §25.1 shared by the header
 * parsers: quoted-string, integers, host, generic-param; error formatting.
 */
#include <stdio.h>

#include "msg/msg_int.h"

static const char *const errc_names[] = {
    [REGENT_MSG_OK] = "ok",
    [REGENT_MSG_ETOOBIG] = "message too big",
    [REGENT_MSG_ETOOMANYHDRS] = "too many headers",
    [REGENT_MSG_ELINE] = "line too long",
    [REGENT_MSG_ESTARTLINE] = "bad start line",
    [REGENT_MSG_EVERSION] = "unsupported SIP version",
    [REGENT_MSG_EHEADER] = "bad header line",
    [REGENT_MSG_EMISSING] = "missing header",
    [REGENT_MSG_EVALUE] = "bad header value",
    [REGENT_MSG_ERANGE] = "integer out of range",
    [REGENT_MSG_ELENGTH] = "bad Content-Length",
    [REGENT_MSG_EINCOMPLETE] = "incomplete message",
    [REGENT_MSG_EURI] = "bad URI",
    [REGENT_MSG_EINJECT] = "CR, LF or NUL in a value",
    [REGENT_MSG_ENOMEM] = "out of memory",
    [REGENT_MSG_ENOSPC] = "buffer full",
};

const char *regent_msg_errc_name(enum regent_msg_errc c)
{
	if ((unsigned)c >= sizeof(errc_names) / sizeof(errc_names[0]) || !errc_names[c])
		return "unknown error";
	return errc_names[c];
}

void regent_msgi_errorf(struct regent_msg_error *err, enum regent_msg_errc code, size_t offset,
			const char *prefix, const char *what)
{
	if (!err)
		return;
	err->code = code;
	err->offset = offset;
	if (prefix && prefix[0])
		snprintf(err->reason, sizeof(err->reason), "%s: %s at %zu", prefix, what, offset);
	else
		snprintf(err->reason, sizeof(err->reason), "%s at %zu", what, offset);
}

void regent_msgi_error(struct regent_msg_error *err, const struct perr *pe, const char *base,
		       const char *prefix)
{
	size_t off = (pe->at && base && pe->at >= base) ? (size_t)(pe->at - base) : 0;

	regent_msgi_errorf(err, pe->code, off, prefix,
			   pe->what ? pe->what : regent_msg_errc_name(pe->code));
}

int regent_msgi_quoted(const char **pp, const char *end, struct regent_pl *inner, struct perr *e)
{
	const char *p = *pp + 1;
	const char *start = p;

	/* qdtext / quoted-pair (RFC 3261 §25.1): a quoted-pair may escape any
	 * octet but CR and LF; raw controls other than HT and folds are not
	 * qdtext. */
	for (;;) {
		p = regent_msgi_run(p, end, C_QD);
		if (p >= end)
			break;
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			inner->p = start;
			inner->l = (size_t)(p - start);
			*pp = p + 1;
			return 0;
		}
		if (c == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return perr_set(e, REGENT_MSG_EVALUE, p, "bad quoted-pair");
			p += 2;
			continue;
		}
		if (c == '\r') {
			if (end - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
				p += 3;
				continue;
			}
			return perr_set(e, REGENT_MSG_EVALUE, p, "CR in quoted string");
		}
		if (!ct((char)c, C_TEXT))
			return perr_set(e, REGENT_MSG_EVALUE, p,
					"control character in quoted string");
		p++;
	}
	return perr_set(e, REGENT_MSG_EVALUE, *pp, "unterminated quoted string");
}

int regent_msgi_u32(const char **pp, const char *end, uint32_t max, uint32_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned d;

	if (p >= end || (unsigned)((unsigned char)*p - '0') > 9)
		return EINVAL;
	/* Checked on every digit: a 100-digit value (RFC 4475 scalar02) is
	 * ERANGE, not a wrap. */
	while (p < end && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
		v = v * 10 + d;
		if (v > max) {
			while (p < end && ct(*p, C_DIGIT))
				p++;
			*pp = p;
			return ERANGE;
		}
		p++;
	}
	*pp = p;
	*out = (uint32_t)v;
	return 0;
}

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each 0..255 */
static bool is_ipv4(const char *p, const char *end)
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		const char *s = p;

		while (p < end && p - s < 4 && *p >= '0' && *p <= '9')
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == s || p - s > 3 || v > 255)
			return false;
		if (part < 3) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

/* End of an IPv4address at p (RFC 3261 §25.1: four 1*3DIGIT parts of
 * 0..255 joined by '.'), or NULL. */
static const char *ipv4_end(const char *p, const char *end)
{
	for (int part = 0; part < 4; part++) {
		const char *s = p;
		unsigned v = 0;

		while (p < end && *p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned)(*p++ - '0');
			if (p - s > 3)
				return NULL;
		}
		if (p == s || v > 255)
			return NULL;
		if (part < 3) {
			if (p >= end || *p != '.')
				return NULL;
			p++;
		}
	}
	return p;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ] (RFC 3261 §25.1), in one
 * pass: runs of alphanum by the class table, four bytes a round, with '-'
 * and '.' handled between runs; no '-' at either end of a label, no empty
 * label but a trailing dot, the last label starting with ALPHA; else it
 * must be an IPv4address. */
static const char *host_name(const char *s, const char *end, enum regent_host_type *type)
{
	const char *p = s, *label = s, *top = s;

	for (;;) {
		p = regent_msgi_run(p, end, C_ALPHA | C_DIGIT);
		if (p < end && *p == '-') {
			if (p == label)
				return NULL;
			p++;
			continue;
		}
		if (p == label) {
			/* an empty label is only allowed as the trailing dot */
			if (label > s && !(p < end && *p == '.'))
				break;
			return NULL;
		}
		if (p[-1] == '-')
			return NULL;
		top = label;
		if (p < end && *p == '.') {
			label = ++p;
			continue;
		}
		break;
	}
	if (ct(*top, C_ALPHA)) {
		*type = REGENT_HOST_NAME;
		return p;
	}
	if (is_ipv4(s, p)) {
		*type = REGENT_HOST_IPV4;
		return p;
	}
	return NULL;
}

int regent_msgi_host(const char **pp, const char *end, struct regent_pl *host,
		     enum regent_host_type *type, struct perr *e)
{
	const char *p = *pp;

	if (p < end && *p == '[') {
		const char *s = ++p;
		int colons = 0;

		/* IPv6reference (RFC 3261 §25.1, RFC 5118 §4.10): hex digits,
		 * colons and a dotted IPv4 tail. Liberal about the count of
		 * colons so the RFC 5118 "3 colons" ABNF bug form still parses. */
		while (p < end && (ct(*p, C_HEX) || *p == ':' || *p == '.')) {
			colons += *p == ':';
			p++;
		}
		if (p >= end || *p != ']')
			return perr_set(e, REGENT_MSG_EURI, p, "unterminated IPv6 reference");
		if (colons < 2 || p - s > 45)
			return perr_set(e, REGENT_MSG_EURI, s, "bad IPv6 reference");
		host->p = s;
		host->l = (size_t)(p - s);
		*type = REGENT_HOST_IPV6;
		*pp = p + 1;
		return 0;
	}
	const char *s = p;

	if (p >= end || !ct(*p, C_HOST))
		return perr_set(e, REGENT_MSG_EURI, s, "missing host");
	/* the common dotted IPv4 in one pass; anything else (a name, or
	 * digits that run on into more host characters) takes the general
	 * path, which decides alone */
	if (*p >= '0' && *p <= '9') {
		const char *q = ipv4_end(p, end);

		if (q && !(q < end && ct(*q, C_HOST))) {
			host->p = s;
			host->l = (size_t)(q - s);
			*type = REGENT_HOST_IPV4;
			*pp = q;
			return 0;
		}
	}
	p = host_name(s, end, type);
	if (!p)
		return perr_set(e, REGENT_MSG_EURI, s, "bad host");
	host->p = s;
	host->l = (size_t)(p - s);
	*pp = p;
	return 0;
}

int regent_msgi_param(const char **pp, const char *end, struct regent_pl *name,
		      struct regent_pl *val, bool *quoted, struct perr *e)
{
	const char *p = regent_msgi_lws(*pp, end);
	const char *s;

	if (p >= end || *p != ';')
		return ENOENT;
	p = regent_msgi_lws(p + 1, end);
	s = p;
	p = regent_msgi_run(p, end, C_TOKEN);
	if (p == s)
		return perr_set(e, REGENT_MSG_EVALUE, s, "empty parameter");
	name->p = s;
	name->l = (size_t)(p - s);
	*val = REGENT_PL_NULL;
	*quoted = false;
	const char *q = regent_msgi_lws(p, end);

	if (q < end && *q == '=') {
		q = regent_msgi_lws(q + 1, end);
		if (q < end && *q == '"') {
			if (regent_msgi_quoted(&q, end, val, e))
				return EBADMSG;
			*quoted = true;
			p = q;
		} else {
			s = q;
			q = regent_msgi_run(q, end, C_GENV);
			if (q == s)
				return perr_set(e, REGENT_MSG_EVALUE, s, "empty parameter value");
			val->p = s;
			val->l = (size_t)(q - s);
			p = q;
		}
	}
	*pp = p;
	return 0;
}

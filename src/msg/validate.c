/*
 * validate — full strictness for `regent parse`: every header regent knows,
 * every value's characters, and the cross-header rules the fast path leaves
 * to the layers above (RFC 3261 §8.2.2, §20; RFC 4475 §3.1.2, §3.3).
 */
#include <stdio.h>

#include "msg/msg_int.h"

static int vfail(struct regent_msg_error *err, const struct regent_msg *m, const char *at,
		 const struct regent_hdr *h, enum regent_msg_errc code, const char *what)
{
	char nb[32];
	const char *pfx = regent_hdr_canonical_name(h->id);

	if (!pfx) {
		regent_pl_strcpy((struct regent_pl){h->name.p, h->name.l < 31 ? h->name.l : 31}, nb,
				 sizeof(nb));
		pfx = nb;
	}
	regent_msgi_errorf(err, code, (size_t)(at - m->buf), pfx, what);
	return EBADMSG;
}

/* Header values carry text, HT and folds only (RFC 3261 §25.1 TEXT-UTF8,
 * LWS): a bare CR, LF or NUL is refused, except as a quoted-pair, which may
 * escape any octet but CR and LF (RFC 4475 intmeth). */
static const char *bad_char(struct regent_pl v)
{
	const char *p = v.p, *end = v.p + v.l;

	while (p < end) {
		if (*p == '\\' && end - p >= 2 && p[1] != '\r' && p[1] != '\n') {
			p += 2;
		} else if (ct(*p, C_TEXT)) {
			p++;
		} else if (*p == '\r' && end - p >= 3 && p[1] == '\n' &&
			   (p[2] == ' ' || p[2] == '\t')) {
			p += 3;
		} else {
			return p;
		}
	}
	return NULL;
}

static int tokens(struct regent_pl v, const char **at, bool allow_empty)
{
	const char *p = v.p, *end = v.p + v.l;

	if (v.l == 0) {
		*at = v.p;
		return allow_empty ? 0 : EBADMSG;
	}
	for (;;) {
		const char *s = regent_msgi_lws(p, end);

		p = regent_msgi_run(s, end, C_TOKEN);
		if (p == s) {
			*at = s;
			return EBADMSG;
		}
		p = regent_msgi_lws(p, end);
		if (p == end)
			return 0;
		if (*p != ',') {
			*at = p;
			return EBADMSG;
		}
		p++;
	}
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 §20.17) */
static bool sip_date(struct regent_pl v)
{
	static const char *const wk[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	const char *p = v.p;
	bool ok = false;

	/* "Sat, 13 Nov 2010 23:29:00 GMT" is 29 bytes */
	if (v.l != 29 || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' ||
	    p[16] != ' ' || p[19] != ':' || p[22] != ':' || p[25] != ' ' ||
	    memcmp(p + 26, "GMT", 3) != 0)
		return false;
	for (int i = 0; i < 7; i++)
		ok |= memcmp(p, wk[i], 3) == 0;
	if (!ok)
		return false;
	ok = false;
	for (int i = 0; i < 12; i++)
		ok |= memcmp(p + 8, mo[i], 3) == 0;
	if (!ok)
		return false;
	static const int digits[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};

	for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++) {
		if (!ct(p[digits[i]], C_DIGIT))
			return false;
	}
	return true;
}

/* media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
static int media_type(struct regent_pl v, struct perr *pe)
{
	const char *p = v.p, *end = v.p + v.l, *s = p;
	struct regent_pl n, val;
	bool quoted;
	int rc;

	p = regent_msgi_run(p, end, C_TOKEN);
	if (p == s)
		return perr_set(pe, REGENT_MSG_EVALUE, s, "bad media type");
	p = regent_msgi_lws(p, end);
	if (p >= end || *p != '/')
		return perr_set(pe, REGENT_MSG_EVALUE, p, "missing '/' in media type");
	s = p = regent_msgi_lws(p + 1, end);
	p = regent_msgi_run(p, end, C_TOKEN);
	if (p == s)
		return perr_set(pe, REGENT_MSG_EVALUE, s, "bad media subtype");
	while ((rc = regent_msgi_param(&p, end, &n, &val, &quoted, pe)) == 0)
		;
	if (rc != ENOENT)
		return EBADMSG;
	if (regent_msgi_lws(p, end) != end)
		return perr_set(pe, REGENT_MSG_EVALUE, p, "trailing characters");
	return 0;
}

static int token_params(struct regent_pl v, struct perr *pe)
{
	const char *p = v.p, *end = v.p + v.l, *s = p;
	struct regent_pl n, val;
	bool quoted;
	int rc;

	p = regent_msgi_run(p, end, C_TOKEN);
	if (p == s)
		return perr_set(pe, REGENT_MSG_EVALUE, s, "bad token");
	while ((rc = regent_msgi_param(&p, end, &n, &val, &quoted, pe)) == 0)
		;
	if (rc != ENOENT)
		return EBADMSG;
	if (regent_msgi_lws(p, end) != end)
		return perr_set(pe, REGENT_MSG_EVALUE, p, "trailing characters");
	return 0;
}

static int addr_list(const struct regent_msg *m, enum regent_hdr_id id,
		     struct regent_msg_error *err)
{
	struct regent_msg_iter it = {0};
	struct regent_addr a;
	struct perr pe = {0};
	const char *p, *end;
	int rc;

	while ((rc = regent_msgi_list_begin(m, id, &it, &p, &end)) == 0) {
		if (regent_msgi_addr(&a, &p, end, NULL, NULL, &pe) ||
		    regent_msgi_list_advance(&it, p, &pe))
			return vfail(err, m, pe.at, it.hdr, pe.code, pe.what);
	}
	return 0;
}

static const enum regent_hdr_id singletons[] = {
    REGENT_HDR_MAX_FORWARDS, REGENT_HDR_EXPIRES,    REGENT_HDR_MIN_EXPIRES, REGENT_HDR_CONTENT_TYPE,
    REGENT_HDR_RETRY_AFTER,  REGENT_HDR_FLOW_TIMER, REGENT_HDR_DATE,
};

/* The value of one header, by what its RFC says it holds. */
static int check_header(const struct regent_msg *m, const struct regent_hdr *h,
			struct regent_msg_error *err)
{
	struct perr pe = {0};
	const char *at = NULL;
	const char *bc = bad_char(h->value);
	union {
		struct regent_challenge ch;
		struct regent_credentials cr;
	} u;

	if (bc)
		return vfail(err, m, bc, h, REGENT_MSG_EHEADER, "control character");
	switch (h->id) {
	case REGENT_HDR_WWW_AUTHENTICATE:
	case REGENT_HDR_PROXY_AUTHENTICATE:
		if (regent_msgi_challenge(&u.ch, h->value.p, h->value.p + h->value.l, &pe))
			return vfail(err, m, pe.at, h, pe.code, pe.what);
		break;
	case REGENT_HDR_AUTHORIZATION:
	case REGENT_HDR_PROXY_AUTHORIZATION:
		if (regent_msgi_credentials(&u.cr, h->value.p, h->value.p + h->value.l, &pe))
			return vfail(err, m, pe.at, h, pe.code, pe.what);
		break;
	case REGENT_HDR_SUPPORTED:
	case REGENT_HDR_REQUIRE:
	case REGENT_HDR_UNSUPPORTED:
	case REGENT_HDR_ALLOW:
		/* Supported and Allow may be empty (RFC 3261 §20.37, §20.5) */
		if (tokens(h->value, &at,
			   h->id == REGENT_HDR_SUPPORTED || h->id == REGENT_HDR_ALLOW))
			return vfail(err, m, at, h, REGENT_MSG_EVALUE, "bad option tag");
		break;
	case REGENT_HDR_FLOW_TIMER:
		if (regent_pl_u32(h->value, UINT32_MAX, NULL))
			return vfail(err, m, h->value.p, h, REGENT_MSG_EVALUE, "not a number");
		break;
	case REGENT_HDR_DATE:
		if (!sip_date(h->value))
			return vfail(err, m, h->value.p, h, REGENT_MSG_EVALUE,
				     "not an RFC 1123 GMT date");
		break;
	case REGENT_HDR_CONTENT_TYPE:
		if (media_type(h->value, &pe))
			return vfail(err, m, pe.at, h, pe.code, pe.what);
		break;
	case REGENT_HDR_EVENT:
		if (token_params(h->value, &pe))
			return vfail(err, m, pe.at, h, pe.code, pe.what);
		break;
	case REGENT_HDR_USER_AGENT:
	case REGENT_HDR_SERVER:
		if (h->value.l == 0)
			return vfail(err, m, m->buf + h->offset, h, REGENT_MSG_EVALUE,
				     "empty value");
		break;
	default:
		break;
	}
	return 0;
}

int regent_msg_validate(const struct regent_msg *m, struct regent_msg_error *err)
{
	if (!m)
		return EINVAL;
	/* A response kept by the tolerant receiver: the error the strict parse
	 * stops at (tolerant.c), so `regent parse` says what it always said. */
	if (regent_msgi_strict_error(m, err))
		return EBADMSG;
	for (size_t i = 0; i < m->nhdr; i++) {
		if (check_header(m, &m->hdrs[i].h, err))
			return EBADMSG;
	}
	for (size_t i = 0; i < sizeof(singletons) / sizeof(singletons[0]); i++) {
		const struct regent_hdr *h = regent_msg_hdr_find(m, singletons[i], NULL, NULL);

		if (h && (h = regent_msg_hdr_find(m, singletons[i], NULL, h)))
			return vfail(err, m, m->buf + h->offset, h, REGENT_MSG_EVALUE,
				     "repeated header");
	}
	static const enum regent_hdr_id lists[] = {REGENT_HDR_ROUTE, REGENT_HDR_RECORD_ROUTE,
						   REGENT_HDR_PATH, REGENT_HDR_SERVICE_ROUTE};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (addr_list(m, lists[i], err))
			return EBADMSG;
	}
	/* RFC 3261 §8.1.1.5: the CSeq method matches the request method
	 * (RFC 4475 mismatch01, mismatch02). */
	if (m->request && !regent_pl_eq(m->method, m->cseq_method)) {
		const struct regent_hdr *h = regent_msg_hdr_find(m, REGENT_HDR_CSEQ, NULL, NULL);

		return vfail(err, m, m->cseq_method.p, h, REGENT_MSG_EVALUE,
			     "method does not match the request line");
	}
	if (err) {
		err->code = REGENT_MSG_OK;
		err->offset = 0;
		err->reason[0] = '\0';
	}
	return 0;
}

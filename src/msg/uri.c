/*
 * uri — SIP/SIPS URIs (RFC 3261 §19.1.1, §25.1) and other schemes as opaque
 * absolute URIs; §19.1.4 equivalence.
 */
#include "msg/msg_int.h"

/* Runs over chars of class cls and %HH escapes; EBADMSG on a bad escape. */
static const char *run_esc(const char *p, const char *end, uint16_t cls, struct perr *e, bool *bad)
{
	for (;;) {
		p = regent_msgi_run(p, end, cls);
		if (p >= end || *p != '%')
			return p;
		if (end - p < 3 || !ct(p[1], C_HEX) || !ct(p[2], C_HEX)) {
			*bad = true;
			perr_set(e, REGENT_MSG_EURI, p, "bad %-escape");
			return p;
		}
		p += 3;
	}
}

/* uri-parameters (RFC 3261 §25.1) at *pp, if any. */
static int sip_params(struct regent_uri *uri, const char **pp, const char *end, struct perr *e)
{
	const char *p = *pp, *ps = p;
	bool bad = false;

	if (p >= end || *p != ';')
		return 0;
	while (p < end && *p == ';') {
		const char *n = ++p;

		p = run_esc(p, end, C_PARAM, e, &bad);
		if (bad)
			return EBADMSG;
		if (p == n)
			return perr_set(e, REGENT_MSG_EURI, n, "empty URI parameter");
		if (p < end && *p == '=') {
			const char *v = ++p;

			p = run_esc(p, end, C_PARAM, e, &bad);
			if (bad)
				return EBADMSG;
			if (p == v)
				return perr_set(e, REGENT_MSG_EURI, v, "empty URI parameter value");
		}
	}
	uri->params.p = ps;
	uri->params.l = (size_t)(p - ps);
	*pp = p;
	return 0;
}

/* headers "?a=b&c=d" (RFC 3261 §25.1) at *pp, if any. */
static int sip_headers(struct regent_uri *uri, const char **pp, const char *end, struct perr *e)
{
	const char *p = *pp, *hs;
	bool bad = false;

	if (p >= end || *p != '?')
		return 0;
	hs = ++p;
	for (;;) {
		const char *n = p;

		p = run_esc(p, end, C_HNV, e, &bad);
		if (bad)
			return EBADMSG;
		if (p == n || p >= end || *p != '=')
			return perr_set(e, REGENT_MSG_EURI, p, "bad URI header");
		p = run_esc(p + 1, end, C_HNV, e, &bad);
		if (bad)
			return EBADMSG;
		if (p < end && *p == '&') {
			p++;
			continue;
		}
		break;
	}
	uri->headers.p = hs;
	uri->headers.l = (size_t)(p - hs);
	*pp = p;
	return 0;
}

static int sip_uri(struct regent_uri *uri, const char *p, const char *end, struct perr *e)
{
	bool bad = false;
	const char *s = p;
	const char *q;

	/* userinfo: a run of user/password chars ending in '@'. '@' occurs
	 * nowhere else in a SIP URI (not in params, not in headers). */
	q = run_esc(p, end, C_USER | C_PASS, e, &bad);
	/* the first run stops at the first ':', if any */
	const char *colon = !bad && q < end && *q == ':' ? q : NULL;

	while (!bad && q < end && *q == ':') /* password separator */
		q = run_esc(q + 1, end, C_USER | C_PASS, e, &bad);
	if (bad)
		return EBADMSG;
	if (q < end && *q == '@') {

		uri->user.p = s;
		uri->user.l = (size_t)((colon ? colon : q) - s);
		if (uri->user.l == 0)
			return perr_set(e, REGENT_MSG_EURI, s, "empty user");
		if (colon) {
			/* user ends at the first ':'; the password has no ';' '?' '/' */
			uri->password.p = colon + 1;
			uri->password.l = (size_t)(q - colon - 1);
			for (const char *c = colon + 1; c < q; c++) {
				if (!ct(*c, C_PASS) && *c != '%')
					return perr_set(e, REGENT_MSG_EURI, c, "bad password");
			}
		}
		p = q + 1;
	}
	if (regent_msgi_host(&p, end, &uri->host, &uri->host_type, e))
		return EBADMSG;
	if (p < end && *p == ':') {
		uint32_t port;
		const char *ps = ++p;

		if (regent_msgi_u32(&p, end, 65535, &port) || port == 0)
			return perr_set(e, REGENT_MSG_EURI, ps, "bad port");
		uri->port = (uint16_t)port;
		uri->has_port = true;
	}
	if (sip_params(uri, &p, end, e) || sip_headers(uri, &p, end, e))
		return EBADMSG;
	if (p != end)
		return perr_set(e, REGENT_MSG_EURI, p, "bad character in URI");
	return 0;
}

int regent_msgi_uri(struct regent_uri *uri, const char *p, const char *end, struct perr *e)
{
	const char *s = p;

	memset(uri, 0, sizeof(*uri));
	uri->raw.p = p;
	uri->raw.l = (size_t)(end - p);
	/* "sip:" and "sips:" (any case) by one 4-byte compare: |0x20 folds the
	 * three letters only, so no other byte can pass for them */
	size_t sl = 0;

	if (end - p >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		w |= 0x00202020u;
		if (w == ('s' | 'i' << 8 | 'p' << 16 | (uint32_t)':' << 24))
			sl = 3;
		else if (end - p >= 5 && p[4] == ':' &&
			 (w | 0x20000000u) == ('s' | 'i' << 8 | 'p' << 16 | (uint32_t)'s' << 24))
			sl = 4;
	}
	if (sl) {
		uri->scheme.p = s;
		uri->scheme.l = sl;
		uri->is_sip = true;
		uri->secure = sl == 4;
		return sip_uri(uri, p + sl + 1, end, e);
	}
	if (p >= end || !ct(*p, C_ALPHA))
		return perr_set(e, REGENT_MSG_EURI, p, "bad URI scheme");
	p = regent_msgi_run(p + 1, end, C_ALPHA | C_DIGIT | C_SCHEME);
	if (p >= end || *p != ':')
		return perr_set(e, REGENT_MSG_EURI, p, "missing ':' after URI scheme");
	uri->scheme.p = s;
	uri->scheme.l = (size_t)(p - s);
	p++;
	/* absoluteURI (RFC 3261 §25.1): kept opaque, only its characters checked */
	if (p == end)
		return perr_set(e, REGENT_MSG_EURI, p, "empty URI");
	uri->opaque.p = p;
	uri->opaque.l = (size_t)(end - p);
	/* uric includes escaped = "%" HEX HEX (RFC 2396 §2.4.1): a bare or
	 * cut-off '%' is refused, so §19.1.4 comparison never meets one. */
	for (; p < end; p++) {
		if (!ct(*p, C_URIC))
			return perr_set(e, REGENT_MSG_EURI, p, "bad character in URI");
		if (*p == '%') {
			if (end - p < 3 || !ct(p[1], C_HEX) || !ct(p[2], C_HEX))
				return perr_set(e, REGENT_MSG_EURI, p, "bad %-escape");
			p += 2;
		}
	}
	return 0;
}

int regent_uri_parse(struct regent_uri *uri, const char *p, size_t l, struct regent_msg_error *err)
{
	struct perr pe = {0};

	if (!uri || (!p && l))
		return EINVAL;
	if (!p)
		p = ""; /* NULL + 0 is undefined (C11 §6.5.6) */
	if (regent_msgi_uri(uri, p, p + l, &pe)) {
		regent_msgi_error(err, &pe, p, "URI");
		return EINVAL;
	}
	return 0;
}

bool regent_uri_param(const struct regent_uri *uri, const char *name, struct regent_pl *val)
{
	return regent_param_get(uri->params, name, val);
}

/* ---------------------------------------------------- §19.1.4 equivalence */

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return lc(c) - 'a' + 10;
}

/* Next octet of an escaped string; *esc says it was %-encoded. */
static unsigned char next_oct(const char **pp, bool *esc)
{
	const char *p = *pp;

	if (p[0] == '%') {
		*esc = true;
		*pp = p + 3;
		return (unsigned char)(hexv(p[1]) * 16 + hexv(p[2]));
	}
	*esc = false;
	*pp = p + 1;
	return (unsigned char)p[0];
}

static bool is_reserved(unsigned char c)
{
	return c && strchr(";/?:@&=+$,", c) != NULL;
}

/* Compares two escaped strings after unescaping; a reserved character and
 * its escaped form are not equivalent (RFC 3261 §19.1.4). */
static bool esc_eq(struct regent_pl a, struct regent_pl b, bool icase)
{
	const char *pa = a.p, *ea, *pb = b.p, *eb;

	if (!a.p || !b.p)
		return !a.p && !b.p;
	ea = a.p + a.l;
	eb = b.p + b.l;
	while (pa < ea && pb < eb) {
		bool xa, xb;
		unsigned char ca, cb;

		if ((pa[0] == '%' && ea - pa < 3) || (pb[0] == '%' && eb - pb < 3))
			return false;
		ca = next_oct(&pa, &xa);
		cb = next_oct(&pb, &xb);
		if (icase) {
			ca = (unsigned char)lc((char)ca);
			cb = (unsigned char)lc((char)cb);
		}
		if (ca != cb)
			return false;
		if (xa != xb && is_reserved(ca))
			return false;
	}
	return pa == ea && pb == eb;
}

/* The k-th (from 0) parameter named name, names compared unescaped and
 * case-insensitively. */
static bool find_param_nth(struct regent_pl params, struct regent_pl name, size_t k,
			   struct regent_pl *val)
{
	struct regent_pl n, v;
	size_t pos = 0;

	while (regent_param_next(params, &pos, &n, &v)) {
		if (esc_eq(n, name, true) && k-- == 0) {
			*val = v;
			return true;
		}
	}
	return false;
}

static bool find_param(struct regent_pl params, struct regent_pl name, struct regent_pl *val)
{
	return find_param_nth(params, name, 0, val);
}

/* How many parameters before byte offset end share name. */
static size_t param_rank(struct regent_pl params, struct regent_pl name, size_t end)
{
	struct regent_pl n, v;
	size_t pos = 0, k = 0;

	while (pos < end && regent_param_next(params, &pos, &n, &v)) {
		if ((size_t)(n.p - params.p) < end && esc_eq(n, name, true))
			k++;
	}
	return k;
}

static bool val_eq(struct regent_pl a, struct regent_pl b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return esc_eq(a, b, true);
}

static bool params_match(const struct regent_uri *a, const struct regent_uri *b)
{
	static const char *const must[] = {"user", "ttl", "method", "maddr", "transport"};
	struct regent_pl n, v, w;
	size_t pos = 0;

	/* The same parameter text (a registrar echoing our Contact): equal, as
	 * the relation is reflexive, without the scans below. */
	if (a->params.l == b->params.l &&
	    (a->params.l == 0 || memcmp(a->params.p, b->params.p, a->params.l) == 0))
		return true;
	/* These five must appear in both or neither. */
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		struct regent_pl mn = {must[i], strlen(must[i])};
		bool ha = find_param(a->params, mn, &v);
		bool hb = find_param(b->params, mn, &w);

		if (ha != hb || (ha && !val_eq(v, w)))
			return false;
	}
	/* Any other param present in both must match. RFC 3261 §19.1.4 does
	 * not say what a repeated parameter means; the parser accepts one, so
	 * the k-th occurrence in a is compared with the k-th in b, which keeps
	 * the relation reflexive and symmetric. */
	while (regent_param_next(a->params, &pos, &n, &v)) {
		size_t k = param_rank(a->params, n, (size_t)(n.p - a->params.p));

		if (find_param_nth(b->params, n, k, &w) && !val_eq(v, w))
			return false;
	}
	return true;
}

static bool hdr_next(struct regent_pl h, size_t *pos, struct regent_pl *n, struct regent_pl *v)
{
	const char *p, *end, *s;

	if (!h.p || *pos >= h.l)
		return false;
	end = h.p + h.l;
	p = h.p + *pos;
	s = p;
	while (p < end && *p != '=' && *p != '&')
		p++;
	*n = (struct regent_pl){s, (size_t)(p - s)};
	*v = (struct regent_pl){p, 0};
	if (p < end && *p == '=') {
		s = ++p;
		while (p < end && *p != '&')
			p++;
		*v = (struct regent_pl){s, (size_t)(p - s)};
	}
	*pos = (size_t)(p - h.p) + 1;
	return true;
}

static bool headers_subset(struct regent_pl a, struct regent_pl b)
{
	struct regent_pl n, v, n2, v2;
	size_t pos = 0;

	while (hdr_next(a, &pos, &n, &v)) {
		size_t pos2 = 0;
		bool found = false;

		while (hdr_next(b, &pos2, &n2, &v2)) {
			if (esc_eq(n, n2, true) && esc_eq(v, v2, false)) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

bool regent_uri_equal(const struct regent_uri *a, const struct regent_uri *b)
{
	if (!regent_pl_casecmp_eq(a->scheme, b->scheme))
		return false;
	if (!a->is_sip)
		return esc_eq(a->opaque, b->opaque, false);
	if (!esc_eq(a->user, b->user, false) || !esc_eq(a->password, b->password, false))
		return false;
	if (!regent_pl_casecmp_eq(a->host, b->host))
		return false;
	if (a->has_port != b->has_port || a->port != b->port)
		return false;
	if (!params_match(a, b))
		return false;
	return headers_subset(a->headers, b->headers) && headers_subset(b->headers, a->headers);
}

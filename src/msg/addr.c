/*
 * addr — name-addr / addr-spec with header params (RFC 3261 §20.10, §25.1):
 * From, To, Contact, Path, Route, Record-Route, Service-Route.
 */
#include "msg/msg_int.h"

/* A bare addr-spec ends at LWS, ';' (header params, RFC 3261 §20.10: a URI
 * with ',' '?' or ';' must be in <>) or ','. */
static const char *addr_spec_end(const char *p, const char *end)
{
	while (p < end && *p != ';' && *p != ',' && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	return p;
}

/* An error before the URI was parsed: a->uri is left cleared, as on every
 * other path. */
static int early_fail(struct regent_addr *a, struct perr *e, const char *at, const char *what)
{
	memset(&a->uri, 0, sizeof(a->uri));
	return perr_set(e, REGENT_MSG_EVALUE, at, what);
}

/* The header params after the address (RFC 3261 §20.10): tag is read,
 * each one goes to fn. */
static int addr_params(struct regent_addr *a, const char **pp, const char *p, const char *end,
		       regent_msgi_param_fn fn, void *arg, struct perr *e)
{
	const char *ps = NULL, *pe = p;
	struct regent_pl n, v;
	bool quoted;
	int err;

	while ((err = regent_msgi_param(&p, end, &n, &v, &quoted, e)) == 0) {
		if (!ps)
			ps = regent_msgi_lws(pe, end);
		pe = p;
		if (PL_IS(n, "tag")) {
			if (!v.p || quoted)
				return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad tag");
			a->tag = v;
		}
		if (fn && fn(arg, n, v, quoted, e))
			return EBADMSG;
	}
	if (err != ENOENT)
		return EBADMSG;
	if (ps) {
		a->params.p = ps;
		a->params.l = (size_t)(pe - ps);
	}
	*pp = p;
	return 0;
}

int regent_msgi_addr(struct regent_addr *a, const char **pp, const char *end,
		     regent_msgi_param_fn fn, void *arg, struct perr *e)
{
	const char *p = regent_msgi_lws(*pp, end);
	const char *us, *ue;

	/* a->uri is cleared by regent_msgi_uri, on every path that sets it;
	 * the rest here (cheaper than clearing the whole struct twice) */
	a->display = REGENT_PL_NULL;
	a->display_quoted = false;
	a->uri_raw = REGENT_PL_NULL;
	a->params = REGENT_PL_NULL;
	a->tag = REGENT_PL_NULL;
	if (p >= end)
		return early_fail(a, e, p, "empty address");
	if (*p == '"') {
		if (regent_msgi_quoted(&p, end, &a->display, e)) {
			memset(&a->uri, 0, sizeof(a->uri));
			return EBADMSG;
		}
		a->display_quoted = true;
		p = regent_msgi_lws(p, end);
		if (p >= end || *p != '<')
			return early_fail(a, e, p, "expected '<' after display name");
	} else if (*p != '<') {
		/* Either *(token LWS) followed by '<', or an addr-spec. */
		const char *s = p, *q = p, *last = p;

		while (q < end && ct(*q, C_TOKEN)) {
			q = regent_msgi_run(q, end, C_TOKEN);
			last = q;
			q = regent_msgi_lws(q, end);
		}
		if (q < end && *q == '<') {
			a->display.p = s;
			a->display.l = (size_t)(last - s);
			p = q;
		} else if (last < end && *last == ':' && last > s) {
			/* addr-spec: the scheme was the first token */
			ue = addr_spec_end(s, end);
			if (memchr(s, '?', (size_t)(ue - s)))
				return early_fail(a, e, s, "URI with '?' outside <>");
			if (regent_msgi_uri(&a->uri, s, ue, e))
				return EBADMSG;
			a->uri_raw = a->uri.raw;
			p = ue;
			return addr_params(a, pp, p, end, fn, arg, e);
		} else {
			return early_fail(a, e, q < end ? q : s, "bad display name or address");
		}
	}
	/* p at '<' */
	us = p + 1;
	ue = memchr(us, '>', (size_t)(end - us));
	if (!ue)
		return early_fail(a, e, p, "missing '>'");
	if (regent_msgi_uri(&a->uri, us, ue, e))
		return EBADMSG;
	a->uri_raw = a->uri.raw;
	p = ue + 1;
	return addr_params(a, pp, p, end, fn, arg, e);
}

int regent_addr_parse(struct regent_addr *addr, const char *p, size_t l,
		      struct regent_msg_error *err)
{
	struct perr pe = {0};
	const char *q, *end;

	if (!addr || (!p && l))
		return EINVAL;
	if (!p)
		p = ""; /* NULL + 0 is undefined (C11 §6.5.6) */
	q = p;
	end = p + l;
	if (regent_msgi_addr(addr, &q, end, NULL, NULL, &pe))
		goto bad;
	q = regent_msgi_lws(q, end);
	if (q != end) {
		perr_set(&pe, REGENT_MSG_EVALUE, q, "trailing characters after address");
		goto bad;
	}
	return 0;
bad:
	regent_msgi_error(err, &pe, p, "address");
	return EINVAL;
}

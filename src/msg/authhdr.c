/*
 * authhdr — WWW-/Proxy-Authenticate challenges and Authorization credentials
 * (RFC 3261 §20.44, §25.1; RFC 7616 §3.3, §3.4). Any scheme parses as
 * `scheme LWS auth-param *(COMMA auth-param)`; Digest fields are picked out.
 * A missing comma between params (the RFC 3665 §2.1 F3 erratum) is an error.
 */
#include "msg/msg_int.h"

typedef void (*auth_param_fn)(void *arg, struct regent_pl name, struct regent_pl val, bool quoted);

static int auth_params(const char *p, const char *end, struct regent_pl *scheme,
		       struct regent_pl *params, auth_param_fn fn, void *arg, struct perr *e)
{
	const char *s = regent_msgi_lws(p, end), *q;

	p = regent_msgi_run(s, end, C_TOKEN);
	if (p == s)
		return perr_set(e, REGENT_MSG_EVALUE, s, "missing auth scheme");
	*scheme = (struct regent_pl){s, (size_t)(p - s)};
	q = regent_msgi_lws(p, end);
	if (q == end)
		return perr_set(e, REGENT_MSG_EVALUE, q, "missing auth parameters");
	if (q == p)
		return perr_set(e, REGENT_MSG_EVALUE, q, "missing space after auth scheme");
	params->p = q;
	for (;;) {
		struct regent_pl n, v;
		bool quoted = false;

		s = q;
		q = regent_msgi_run(q, end, C_TOKEN);
		if (q == s)
			return perr_set(e, REGENT_MSG_EVALUE, s, "empty parameter");
		n = (struct regent_pl){s, (size_t)(q - s)};
		q = regent_msgi_lws(q, end);
		if (q >= end || *q != '=')
			return perr_set(e, REGENT_MSG_EVALUE, q, "expected '='");
		q = regent_msgi_lws(q + 1, end);
		if (q < end && *q == '"') {
			if (regent_msgi_quoted(&q, end, &v, e))
				return EBADMSG;
			quoted = true;
		} else {
			s = q;
			q = regent_msgi_run(q, end, C_TOKEN);
			if (q == s)
				return perr_set(e, REGENT_MSG_EVALUE, s, "empty parameter value");
			v = (struct regent_pl){s, (size_t)(q - s)};
		}
		fn(arg, n, v, quoted);
		params->l = (size_t)(q - params->p);
		q = regent_msgi_lws(q, end);
		if (q == end)
			return 0;
		if (*q != ',')
			return perr_set(e, REGENT_MSG_EVALUE, q,
					"missing comma between parameters");
		q = regent_msgi_lws(q + 1, end);
	}
}

static bool is_true(struct regent_pl v)
{
	return PL_IS(v, "true");
}

static void ch_param(void *arg, struct regent_pl n, struct regent_pl v, bool quoted)
{
	struct regent_challenge *ch = arg;

	(void)quoted;
	if (PL_IS(n, "realm"))
		ch->realm = v;
	else if (PL_IS(n, "nonce"))
		ch->nonce = v;
	else if (PL_IS(n, "opaque"))
		ch->opaque = v;
	else if (PL_IS(n, "algorithm"))
		ch->algorithm = v;
	else if (PL_IS(n, "domain"))
		ch->domain = v;
	else if (PL_IS(n, "charset"))
		ch->charset = v;
	else if (PL_IS(n, "qop"))
		ch->qop = v;
	else if (PL_IS(n, "stale"))
		ch->stale = is_true(v);
	else if (PL_IS(n, "userhash"))
		ch->userhash = is_true(v);
}

int regent_msgi_challenge(struct regent_challenge *ch, const char *p, const char *end,
			  struct perr *e)
{
	memset(ch, 0, sizeof(*ch));
	return auth_params(p, end, &ch->scheme, &ch->params, ch_param, ch, e);
}

int regent_challenge_parse(struct regent_challenge *ch, const char *p, size_t l)
{
	if (!ch || (!p && l))
		return EINVAL;
	if (!p)
		p = ""; /* NULL + 0 is undefined (C11 §6.5.6) */
	return regent_msgi_challenge(ch, p, p + l, NULL) ? EBADMSG : 0;
}

static void cr_param(void *arg, struct regent_pl n, struct regent_pl v, bool quoted)
{
	struct regent_credentials *cr = arg;

	(void)quoted;
	if (PL_IS(n, "username"))
		cr->username = v;
	else if (PL_IS(n, "realm"))
		cr->realm = v;
	else if (PL_IS(n, "nonce"))
		cr->nonce = v;
	else if (PL_IS(n, "uri"))
		cr->uri = v;
	else if (PL_IS(n, "response"))
		cr->response = v;
	else if (PL_IS(n, "algorithm"))
		cr->algorithm = v;
	else if (PL_IS(n, "cnonce"))
		cr->cnonce = v;
	else if (PL_IS(n, "opaque"))
		cr->opaque = v;
	else if (PL_IS(n, "qop"))
		cr->qop = v;
	else if (PL_IS(n, "nc"))
		cr->nc = v;
	else if (PL_IS(n, "userhash"))
		cr->userhash = is_true(v);
}

int regent_msgi_credentials(struct regent_credentials *cr, const char *p, const char *end,
			    struct perr *e)
{
	memset(cr, 0, sizeof(*cr));
	return auth_params(p, end, &cr->scheme, &cr->params, cr_param, cr, e);
}

int regent_credentials_parse(struct regent_credentials *cr, const char *p, size_t l)
{
	if (!cr || (!p && l))
		return EINVAL;
	if (!p)
		p = ""; /* NULL + 0 is undefined (C11 §6.5.6) */
	return regent_msgi_credentials(cr, p, p + l, NULL) ? EBADMSG : 0;
}

/* One challenge / credentials per header (RFC 7616 §3.3 allows several
 * challenges in one header, but a comma list of auth-params makes that
 * ambiguous; registrars send one per header). */
static const struct regent_hdr *next_of(const struct regent_msg *msg, enum regent_hdr_id id,
					struct regent_msg_iter *it)
{
	const struct regent_hdr *h = regent_msg_hdr_find(msg, id, NULL, it->hdr);

	if (h)
		it->hdr = h;
	return h;
}

int regent_msg_challenge_next(const struct regent_msg *msg, enum regent_hdr_id id,
			      struct regent_msg_iter *it, struct regent_challenge *out)
{
	const struct regent_hdr *h;

	if (id != REGENT_HDR_WWW_AUTHENTICATE && id != REGENT_HDR_PROXY_AUTHENTICATE)
		return EINVAL;
	h = next_of(msg, id, it);
	if (!h)
		return ENOENT;
	return regent_msgi_challenge(out, h->value.p, h->value.p + h->value.l, NULL) ? EBADMSG : 0;
}

int regent_msg_credentials_next(const struct regent_msg *msg, enum regent_hdr_id id,
				struct regent_msg_iter *it, struct regent_credentials *out)
{
	const struct regent_hdr *h;

	if (id != REGENT_HDR_AUTHORIZATION && id != REGENT_HDR_PROXY_AUTHORIZATION)
		return EINVAL;
	h = next_of(msg, id, it);
	if (!h)
		return ENOENT;
	return regent_msgi_credentials(out, h->value.p, h->value.p + h->value.l, NULL) ? EBADMSG
										       : 0;
}

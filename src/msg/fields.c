/*
 * fields — single-value headers: From, To, Call-ID, CSeq (cached at parse
 * time), integers, Retry-After (RFC 3261 §20.33), option-tag lists.
 */
#include "msg/msg_int.h"

int regent_msg_from(const struct regent_msg *msg, struct regent_addr *out)
{
	*out = msg->from;
	return 0;
}

int regent_msg_to(const struct regent_msg *msg, struct regent_addr *out)
{
	*out = msg->to;
	return 0;
}

struct regent_pl regent_msg_call_id(const struct regent_msg *msg)
{
	return msg->call_id;
}

int regent_msg_cseq(const struct regent_msg *msg, uint32_t *num, struct regent_pl *method)
{
	if (num)
		*num = msg->cseq;
	if (method)
		*method = msg->cseq_method;
	return 0;
}

int regent_msg_u32(const struct regent_msg *msg, enum regent_hdr_id id, uint32_t *out)
{
	const struct regent_hdr *h = regent_msg_hdr_find(msg, id, NULL, NULL);
	uint32_t max = id == REGENT_HDR_MAX_FORWARDS ? 255 : UINT32_MAX, v;
	int rc;

	if (!h)
		return ENOENT;
	if (id == REGENT_HDR_CONTENT_LENGTH) {
		rc = regent_pl_u32(h->value, max, out);
		return rc == EINVAL ? EBADMSG : rc;
	}
	/* RFC 3261 §10.2.1.1: beyond the largest is the largest (tolerant.c) */
	for (; h; h = regent_msg_hdr_find(msg, id, NULL, h)) {
		rc = regent_pl_u32(h->value, max, &v);
		if (rc == ERANGE)
			v = max;
		if (rc == 0 || rc == ERANGE) {
			if (out)
				*out = v;
			return 0;
		}
	}
	return EBADMSG;
}

/* comment = LPAREN *(ctext / quoted-pair / comment) RPAREN, nested. */
static int comment(const char **pp, const char *end, struct regent_pl *inner, struct perr *e)
{
	const char *p = *pp + 1, *s = p;
	unsigned depth = 1;

	while (p < end) {
		if (*p == '\\') {
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n')
				return perr_set(e, REGENT_MSG_EVALUE, p, "bad quoted-pair");
			p += 2;
			continue;
		}
		if (*p == '(') {
			if (++depth > 32)
				return perr_set(e, REGENT_MSG_EVALUE, p, "comment nested too deep");
		} else if (*p == ')') {
			if (--depth == 0) {
				inner->p = s;
				inner->l = (size_t)(p - s);
				*pp = p + 1;
				return 0;
			}
		} else if (*p == '\r') {
			if (!(end - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')))
				return perr_set(e, REGENT_MSG_EVALUE, p, "CR in comment");
			p += 3;
			continue;
		} else if (!ct(*p, C_TEXT)) {
			return perr_set(e, REGENT_MSG_EVALUE, p, "control character in comment");
		}
		p++;
	}
	return perr_set(e, REGENT_MSG_EVALUE, *pp, "unterminated comment");
}

int regent_msgi_retry_after(struct regent_retry_after *ra, const char *p, const char *end,
			    struct perr *e)
{
	struct regent_pl n, v;
	const char *ps = NULL, *pe;
	bool quoted;
	int rc;

	memset(ra, 0, sizeof(*ra));
	rc = regent_msgi_u32(&p, end, UINT32_MAX, &ra->seconds);
	if (rc)
		return perr_set(e, rc == ERANGE ? REGENT_MSG_ERANGE : REGENT_MSG_EVALUE, p,
				rc == ERANGE ? "seconds out of range" : "bad seconds");
	pe = p;
	const char *q = regent_msgi_lws(p, end);

	if (q < end && *q == '(') {
		if (comment(&q, end, &ra->comment, e))
			return EBADMSG;
		p = pe = q;
	}
	while ((rc = regent_msgi_param(&p, end, &n, &v, &quoted, e)) == 0) {
		if (!ps)
			ps = regent_msgi_lws(pe, end);
		pe = p;
		if (PL_IS(n, "duration")) {
			int r2;

			if (!v.p || quoted)
				return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad duration");
			r2 = regent_pl_u32(v, UINT32_MAX, &ra->duration);
			if (r2)
				return perr_set(
				    e, r2 == ERANGE ? REGENT_MSG_ERANGE : REGENT_MSG_EVALUE, v.p,
				    "bad duration");
			ra->has_duration = true;
		}
	}
	if (rc != ENOENT)
		return EBADMSG;
	if (ps)
		ra->params = (struct regent_pl){ps, (size_t)(pe - ps)};
	if (regent_msgi_lws(p, end) != end)
		return perr_set(e, REGENT_MSG_EVALUE, p, "trailing characters");
	return 0;
}

int regent_msg_retry_after(const struct regent_msg *msg, struct regent_retry_after *out)
{
	const struct regent_hdr *h = regent_msg_hdr_find(msg, REGENT_HDR_RETRY_AFTER, NULL, NULL);

	if (!h)
		return ENOENT;
	for (; h; h = regent_msg_hdr_find(msg, REGENT_HDR_RETRY_AFTER, NULL, h)) {
		const char *p = h->value.p, *end = h->value.p + h->value.l;
		int rc;

		if (regent_msgi_retry_after(out, p, end, NULL) == 0)
			return 0;
		/* tolerant.c: the seconds, clamped; a bad rest dropped */
		memset(out, 0, sizeof(*out));
		rc = regent_msgi_u32(&p, end, UINT32_MAX, &out->seconds);
		if (rc == ERANGE)
			out->seconds = UINT32_MAX;
		if (rc == 0 || rc == ERANGE)
			return 0;
	}
	return EBADMSG;
}

int regent_msg_token_next(const struct regent_msg *msg, enum regent_hdr_id id,
			  struct regent_msg_iter *it, struct regent_pl *tok)
{
	const char *p, *end, *s;
	int rc;

	if ((unsigned)id >= REGENT_HDR__COUNT || id == REGENT_HDR_OTHER)
		return EINVAL;
	rc = regent_msgi_list_begin(msg, id, it, &p, &end);
	if (rc)
		return rc;
	s = regent_msgi_lws(p, end);
	p = regent_msgi_run(s, end, C_TOKEN);
	if (p == s || regent_msgi_list_advance(it, p, NULL))
		return EBADMSG;
	tok->p = s;
	tok->l = (size_t)(p - s);
	return 0;
}

bool regent_msg_has_token(const struct regent_msg *msg, enum regent_hdr_id id, const char *tok)
{
	struct regent_msg_iter it = {0};
	struct regent_pl t;

	while (regent_msg_token_next(msg, id, &it, &t) == 0) {
		if (regent_pl_caseeq_str(t, tok))
			return true;
	}
	return false;
}

/*
 * contact — Contact values (RFC 3261 §20.10; RFC 5626 reg-id/+sip.instance;
 * RFC 5627 pub-gruu/temp-gruu) and the other name-addr lists.
 */
#include "msg/msg_int.h"

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static bool qvalue(struct regent_pl v)
{
	if (v.l == 0 || v.l > 5 || (v.p[0] != '0' && v.p[0] != '1'))
		return false;
	if (v.l == 1)
		return true;
	if (v.p[1] != '.')
		return false;
	for (size_t i = 2; i < v.l; i++) {
		if (!ct(v.p[i], C_DIGIT) || (v.p[0] == '1' && v.p[i] != '0'))
			return false;
	}
	return true;
}

static int u32_param(struct regent_pl n, struct regent_pl v, bool quoted, uint32_t *out,
		     struct perr *e, const char *what)
{
	int rc;

	if (!v.p || quoted)
		return perr_set(e, REGENT_MSG_EVALUE, n.p, what);
	rc = regent_pl_u32(v, UINT32_MAX, out);
	if (rc)
		return perr_set(e, rc == ERANGE ? REGENT_MSG_ERANGE : REGENT_MSG_EVALUE, v.p, what);
	return 0;
}

struct contact_arg {
	struct regent_contact *c;
	bool tolerant;
};

/* RFC 3261 §10.2.1.1: an expiry beyond 2^32-1 is taken as 2^32-1; a
 * malformed one (empty, quoted, negative, not a number) is ignored, so the
 * Expires header or the default applies (tolerant receiving of a response;
 * the strict checker still refuses both). */
static int contact_expires(struct contact_arg *a, struct regent_pl n, struct regent_pl v,
			   bool quoted, struct perr *e)
{
	struct regent_contact *c = a->c;
	uint32_t x;
	int rc;

	if (!a->tolerant) {
		if (u32_param(n, v, quoted, &c->expires, e, "bad expires"))
			return EBADMSG;
		c->has_expires = true;
		return 0;
	}
	rc = v.p && !quoted ? regent_pl_u32(v, UINT32_MAX, &x) : EINVAL;
	if (rc == ERANGE)
		x = UINT32_MAX;
	if (rc == 0 || rc == ERANGE) {
		c->expires = x;
		c->has_expires = true;
	}
	return 0;
}

static int contact_param(void *arg, struct regent_pl n, struct regent_pl v, bool quoted,
			 struct perr *e)
{
	struct contact_arg *a = arg;
	struct regent_contact *c = a->c;

	switch (n.l) {
	case 1:
		if ((n.p[0] | 0x20) == 'q') {
			if (!v.p || quoted || !qvalue(v))
				return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad q");
			c->q = v;
		}
		break;
	case 6:
		if (PL_IS(n, "reg-id")) {
			if (u32_param(n, v, quoted, &c->reg_id, e, "bad reg-id"))
				return EBADMSG;
			c->has_reg_id = true;
		}
		break;
	case 7:
		if (PL_IS(n, "expires"))
			return contact_expires(a, n, v, quoted, e);
		break;
	case 8:
		if (PL_IS(n, "pub-gruu"))
			c->pub_gruu = v;
		break;
	case 9:
		if (PL_IS(n, "temp-gruu"))
			c->temp_gruu = v;
		break;
	case 13:
		if (PL_IS(n, "+sip.instance"))
			c->instance = v;
		break;
	}
	return 0;
}

int regent_msgi_contact(struct regent_contact *c, const char **pp, const char *end, bool tolerant,
			struct perr *e)
{
	const char *p = regent_msgi_lws(*pp, end);
	struct contact_arg a = {c, tolerant};

	memset(c, 0, sizeof(*c));
	if (p < end && *p == '*') {
		c->star = true;
		*pp = regent_msgi_lws(p + 1, end);
		return 0;
	}
	if (regent_msgi_addr(&c->addr, &p, end, contact_param, &a, e))
		return EBADMSG;
	*pp = p;
	return 0;
}

int regent_msg_contact_next(const struct regent_msg *msg, struct regent_msg_iter *it,
			    struct regent_contact *out)
{
	const char *p, *end;
	int rc = regent_msgi_list_begin(msg, REGENT_HDR_CONTACT, it, &p, &end);

	if (rc)
		return rc;
	/* the first ones were parsed by regent_msg_parse already */
	for (size_t i = 0; i < msg->ncontacts; i++) {
		const struct contact_cache *cc = &msg->contacts[i];

		if (cc->hdr == it->hdr && cc->pos == it->pos) {
			*out = cc->c;
			it->pos = cc->next_pos;
			return 0;
		}
	}
	/* regent_msg_parse refused a request with a bad expires already */
	if (regent_msgi_contact(out, &p, end, true, NULL) || regent_msgi_list_advance(it, p, NULL))
		return EBADMSG;
	return 0;
}

int regent_msg_addr_next(const struct regent_msg *msg, enum regent_hdr_id id,
			 struct regent_msg_iter *it, struct regent_addr *out)
{
	const char *p, *end;
	int rc;

	if ((unsigned)id >= REGENT_HDR__COUNT || id == REGENT_HDR_OTHER)
		return EINVAL;
	rc = regent_msgi_list_begin(msg, id, it, &p, &end);
	if (rc)
		return rc;
	if (regent_msgi_addr(out, &p, end, NULL, NULL, NULL) ||
	    regent_msgi_list_advance(it, p, NULL))
		return EBADMSG;
	return 0;
}

/*
 * via — Via values (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 §4.5
 * received with or without brackets).
 */
#include "msg/msg_int.h"

/* SLASH = SWS "/" SWS */
static const char *slash(const char *p, const char *end)
{
	const char *q = regent_msgi_lws(p, end);

	if (q < end && *q == '/')
		return regent_msgi_lws(q + 1, end);
	return NULL;
}

int regent_msgi_via(struct regent_via *v, const char **pp, const char *end, struct perr *e)
{
	const char *p = regent_msgi_lws(*pp, end), *s, *q;
	struct regent_pl n, val;
	bool quoted;
	int rc;

	memset(v, 0, sizeof(*v));
	/* "SIP/2.0/" by one 8-byte compare (|0x20 folds the three letters
	 * only); anything else, LWS around the slashes included, goes the
	 * general way below */
	if (end - p >= 10) {
		uint64_t w;

		memcpy(&w, p, 8);
		if ((w | 0x202020u) == ((uint64_t)'s' | (uint64_t)'i' << 8 | (uint64_t)'p' << 16 |
					(uint64_t)'/' << 24 | (uint64_t)'2' << 32 |
					(uint64_t)'.' << 40 | (uint64_t)'0' << 48 |
					(uint64_t)'/' << 56)) {
			v->protocol = (struct regent_pl){p, 3};
			v->version = (struct regent_pl){p + 4, 3};
			s = p + 8;
			p = regent_msgi_run(s, end, C_TOKEN);
			if (p == s)
				return perr_set(e, REGENT_MSG_EVALUE, s, "bad transport");
			v->transport = (struct regent_pl){s, (size_t)(p - s)};
			goto sent_by;
		}
	}
	s = p;
	p = regent_msgi_run(p, end, C_TOKEN);
	if (p == s)
		return perr_set(e, REGENT_MSG_EVALUE, s, "bad protocol name");
	v->protocol = (struct regent_pl){s, (size_t)(p - s)};
	if (!(s = slash(p, end)) || (p = regent_msgi_run(s, end, C_TOKEN)) == s)
		return perr_set(e, REGENT_MSG_EVALUE, s ? s : p, "bad protocol version");
	v->version = (struct regent_pl){s, (size_t)(p - s)};
	if (!(s = slash(p, end)) || (p = regent_msgi_run(s, end, C_TOKEN)) == s)
		return perr_set(e, REGENT_MSG_EVALUE, s ? s : p, "bad transport");
	v->transport = (struct regent_pl){s, (size_t)(p - s)};
sent_by:
	q = regent_msgi_lws(p, end);
	if (q == p)
		return perr_set(e, REGENT_MSG_EVALUE, p, "missing space before sent-by");
	p = q;
	if (regent_msgi_host(&p, end, &v->host, &v->host_type, e))
		return perr_set(e, REGENT_MSG_EVALUE, e ? e->at : p, "bad sent-by host");
	q = regent_msgi_lws(p, end);
	if (q < end && *q == ':') {
		uint32_t port;

		s = regent_msgi_lws(q + 1, end);
		p = s;
		if (regent_msgi_u32(&p, end, 65535, &port) || port == 0)
			return perr_set(e, REGENT_MSG_EVALUE, s, "bad sent-by port");
		v->port = (uint16_t)port;
	}
	const char *ps = NULL, *pe = p;

	while ((rc = regent_msgi_param(&p, end, &n, &val, &quoted, e)) == 0) {
		if (!ps)
			ps = regent_msgi_lws(pe, end);
		pe = p;
		switch (n.l) {
		case 5:
			if (PL_IS(n, "rport")) {
				uint32_t rp = 0;

				if (val.p && (quoted || regent_pl_u32(val, 65535, &rp) || rp == 0))
					return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad rport");
				v->has_rport = true;
				v->rport = (uint16_t)rp;
			}
			break;
		case 6:
			if (PL_IS(n, "branch")) {
				if (!val.p || quoted)
					return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad branch");
				v->branch = val;
			}
			break;
		case 8:
			if (PL_IS(n, "received")) {
				struct regent_pl h;
				enum regent_host_type t;
				const char *r;

				if (!val.p || quoted)
					return perr_set(e, REGENT_MSG_EVALUE, n.p, "bad received");
				/* IPv4address / IPv6address, bracketed or not
				 * (RFC 5118 §4.5) */
				r = val.p;
				if (r[0] != '[' && memchr(r, ':', val.l)) {
					for (size_t i = 0; i < val.l; i++) {
						if (!ct(r[i], C_HEX) && r[i] != ':' && r[i] != '.')
							return perr_set(e, REGENT_MSG_EVALUE, r,
									"bad received");
					}
				} else if (regent_msgi_host(&r, val.p + val.l, &h, &t, NULL) ||
					   r != val.p + val.l || t == REGENT_HOST_NAME) {
					return perr_set(e, REGENT_MSG_EVALUE, val.p,
							"bad received");
				}
				v->received = val;
			}
			break;
		}
	}
	if (rc != ENOENT)
		return EBADMSG;
	if (ps)
		v->params = (struct regent_pl){ps, (size_t)(pe - ps)};
	*pp = p;
	return 0;
}

int regent_msg_via_next(const struct regent_msg *msg, struct regent_msg_iter *it,
			struct regent_via *out)
{
	const char *p, *end;
	int rc = regent_msgi_list_begin(msg, REGENT_HDR_VIA, it, &p, &end);

	if (rc)
		return rc;
	/* the first Via was parsed by regent_msg_parse already */
	if (msg->has_via0 && it->pos == 0 && it->hdr == msg->via0_hdr) {
		*out = msg->via0;
		it->pos = msg->via0_next_pos;
		return 0;
	}
	if (regent_msgi_via(out, &p, end, NULL) || regent_msgi_list_advance(it, p, NULL))
		return EBADMSG;
	return 0;
}

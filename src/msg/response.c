/*
 * response — the start of a response built from its request (RFC 3261
 * §8.2.6): status line, Via, From, To (+tag), Call-ID, CSeq.
 */
#include <errno.h>
#include <string.h>

#include "msg/response.h"

void regent_build_params(struct regent_wbuf *wb, struct regent_pl params, const char *const *skip)
{
	size_t i = 0;

	while (i < params.l) {
		size_t s, e, ne;
		bool q = false, drop = false;

		while (i < params.l &&
		       (params.p[i] == ';' || params.p[i] == ' ' || params.p[i] == '\t'))
			i++;
		s = i;
		for (; i < params.l; i++) {
			if (params.p[i] == '"')
				q = !q;
			else if (params.p[i] == '\\' && q && i + 1 < params.l)
				i++;
			else if (params.p[i] == ';' && !q)
				break;
		}
		e = i;
		while (e > s && (params.p[e - 1] == ' ' || params.p[e - 1] == '\t'))
			e--;
		if (e == s)
			continue;
		for (ne = s;
		     ne < e && params.p[ne] != '=' && params.p[ne] != ' ' && params.p[ne] != '\t';
		     ne++)
			;
		for (size_t k = 0; skip && skip[k]; k++)
			drop |=
			    regent_pl_caseeq_str((struct regent_pl){params.p + s, ne - s}, skip[k]);
		if (drop)
			continue;
		regent_wbuf_write(wb, ";", 1);
		regent_wbuf_write(wb, params.p + s, e - s);
	}
}

static void write_host(struct regent_wbuf *wb, struct regent_pl host, enum regent_host_type t)
{
	if (t == REGENT_HOST_IPV6)
		regent_wbuf_write(wb, "[", 1);
	regent_wbuf_write(wb, host.p, host.l);
	if (t == REGENT_HOST_IPV6)
		regent_wbuf_write(wb, "]", 1);
}

/* A source address that can go into a Via parameter as it is. */
static bool usable_src(const char *h)
{
	return h && *h && regent_check_value(h) == 0 && !strpbrk(h, " ;,\"");
}

/* One Via, rebuilt from its parsed parts; the top one may get received and
 * rport (RFC 3261 §18.2.1, RFC 3581 §4: the server records the source). */
static void write_via(struct regent_wbuf *wb, const struct regent_via *v, bool top,
		      const struct regent_resp_options *o)
{
	static const char *const skip[] = {"received", "rport", NULL};

	regent_wbuf_puts(wb, "Via: ");
	regent_wbuf_write(wb, v->protocol.p, v->protocol.l);
	regent_wbuf_write(wb, "/", 1);
	regent_wbuf_write(wb, v->version.p, v->version.l);
	regent_wbuf_write(wb, "/", 1);
	regent_wbuf_write(wb, v->transport.p, v->transport.l);
	regent_wbuf_write(wb, " ", 1);
	write_host(wb, v->host, v->host_type);
	if (v->port)
		regent_wbuf_printf(wb, ":%u", (unsigned)v->port);
	if (top && o && usable_src(o->src_host)) {
		regent_build_params(wb, v->params, skip);
		if (v->has_rport || !regent_pl_eq_str(v->host, o->src_host)) {
			regent_wbuf_puts(wb, ";received=");
			regent_wbuf_puts(wb, o->src_host);
		}
		if (v->has_rport)
			regent_wbuf_printf(wb, ";rport=%u", (unsigned)o->src_port);
	} else {
		regent_build_params(wb, v->params, NULL);
	}
	regent_wbuf_puts(wb, "\r\n");
}

int regent_build_vias(struct regent_wbuf *wb, const struct regent_msg *m,
		      const struct regent_resp_options *o)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;
	bool top = true;

	if (!wb || !m)
		return EINVAL;
	while (regent_msg_via_next(m, &it, &v) == 0) {
		write_via(wb, &v, top, o);
		top = false;
	}
	return top ? ENOENT : 0;
}

void regent_build_copy(struct regent_wbuf *wb, const struct regent_msg *m, enum regent_hdr_id id)
{
	const struct regent_hdr *h = NULL;

	while ((h = regent_msg_hdr_find(m, id, NULL, h)) != NULL) {
		regent_wbuf_puts(wb, regent_hdr_canonical_name(id));
		regent_wbuf_puts(wb, ": ");
		regent_wbuf_write(wb, h->value.p, h->value.l);
		regent_wbuf_puts(wb, "\r\n");
	}
}

/* FNV-1a of the Call-ID: a tag that retransmissions share. */
static uint64_t call_id_tag(const struct regent_msg *m)
{
	struct regent_pl cid = regent_msg_call_id(m);
	uint64_t x = 1469598103934665603ULL;

	for (size_t i = 0; i < cid.l; i++) {
		x ^= (unsigned char)cid.p[i];
		x *= 1099511628211ULL;
	}
	return x;
}

static void write_to(struct regent_wbuf *wb, const struct regent_msg *m,
		     const struct regent_resp_options *o)
{
	const struct regent_hdr *h = regent_msg_hdr_find(m, REGENT_HDR_TO, NULL, NULL);
	enum regent_resp_to_tag rule = o ? o->to_tag_rule : REGENT_RESP_TO_TAG_NONE;
	struct regent_addr to;

	if (!h)
		return;
	regent_wbuf_puts(wb, "To: ");
	regent_wbuf_write(wb, h->value.p, h->value.l);
	if (rule != REGENT_RESP_TO_TAG_NONE && regent_msg_to(m, &to) == 0 &&
	    !regent_pl_isset(to.tag)) {
		regent_wbuf_puts(wb, ";tag=");
		if (rule == REGENT_RESP_TO_TAG_GIVEN)
			regent_wbuf_value(wb, "to_tag", o->to_tag, strlen(o->to_tag));
		else
			regent_wbuf_hex(wb, call_id_tag(m), 16);
	}
	regent_wbuf_puts(wb, "\r\n");
}

int regent_build_response(struct regent_wbuf *wb, const struct regent_msg *req, uint16_t code,
			  const char *reason, const struct regent_resp_options *o)
{
	if (!wb || !req || !reason || !regent_msg_is_request(req))
		return EINVAL;
	if (o && o->to_tag_rule == REGENT_RESP_TO_TAG_GIVEN && (!o->to_tag || !*o->to_tag))
		return EINVAL;
	regent_build_status_line(wb, code, reason);
	if (regent_build_vias(wb, req, o))
		return EINVAL;
	regent_build_copy(wb, req, REGENT_HDR_FROM);
	write_to(wb, req, o);
	regent_build_copy(wb, req, REGENT_HDR_CALL_ID);
	regent_build_copy(wb, req, REGENT_HDR_CSEQ);
	return regent_wbuf_errno(wb);
}

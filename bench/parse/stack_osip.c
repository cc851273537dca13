/*
 * osip2: osip_message_parse() (copies the bytes, parses every known header
 * into allocated strings), then the fields from osip_message_t. CSeq number,
 * Contact `expires` and Expires are strings in osip2 and are converted here.
 */
#include <errno.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include "bench.h"

const char bench_stack_name[] = "osip2";

int bench_stack_init(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
	return parser_init() == 0 ? 0 : ENOSYS;
}

int bench_stack_run(struct bench_msg *m, struct bench_fields *f)
{
	osip_message_t *sip = NULL;
	osip_via_t *via = NULL;
	osip_contact_t *c = NULL;
	osip_generic_param_t *p = NULL;
	osip_header_t *h = NULL;
	osip_uri_t *to;
	int err = EBADMSG;

	if (osip_message_init(&sip) != 0)
		return ENOMEM;
	if (osip_message_parse(sip, m->buf, m->len) != 0)
		goto out;
	if (osip_message_get_via(sip, 0, &via) < 0 || !via || !sip->from || !sip->to ||
	    !sip->call_id || !sip->cseq)
		goto out;

	f->via_host = bench_cstr(via->host);
	if (osip_via_param_get_byname(via, "branch", &p) == 0 && p)
		f->via_branch = bench_cstr(p->gvalue);
	p = NULL;
	if (osip_from_get_tag(sip->from, &p) == 0 && p)
		f->from_tag = bench_cstr(p->gvalue);
	to = osip_to_get_url(sip->to);
	if (to) {
		f->to_user = bench_cstr(to->username);
		f->to_host = bench_cstr(to->host);
	}
	f->call_id = bench_cstr(sip->call_id->number);
	if (sip->call_id->host)
		f->call_id_host = bench_cstr(sip->call_id->host);
	if (!bench_u32(bench_cstr(sip->cseq->number), &f->cseq))
		goto out;
	f->cseq_method = bench_cstr(sip->cseq->method);
	for (int pos = 0; osip_message_get_contact(sip, pos, &c) >= 0 && c; pos++) {
		if (f->ncontacts < BENCH_MAX_CONTACTS) {
			if (c->url)
				f->contact[f->ncontacts].host = bench_cstr(c->url->host);
			p = NULL;
			if (osip_contact_param_get_byname(c, "expires", &p) == 0 && p)
				f->contact[f->ncontacts].has_expires = bench_u32(
				    bench_cstr(p->gvalue), &f->contact[f->ncontacts].expires);
		}
		f->ncontacts++;
		c = NULL;
	}
	if (osip_message_get_expires(sip, 0, &h) >= 0 && h)
		f->has_expires = bench_u32(bench_cstr(h->hvalue), &f->expires);
	bench_consume(f);
	err = 0;
out:
	osip_message_free(sip);
	return err;
}

void bench_stack_close(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
}

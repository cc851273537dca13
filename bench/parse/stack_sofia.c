/*
 * sofia-sip: msg_make() with the default SIP message class (copies the bytes
 * into the message's own buffer, parses every known header), then the
 * fields from sip_t. Expires and Contact `expires` are read as sofia gives
 * them: a parsed delta and a string.
 */
#include <errno.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include "bench.h"

const char bench_stack_name[] = "sofia-sip";

int bench_stack_init(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
	return sip_default_mclass() ? 0 : ENOSYS;
}

int bench_stack_run(struct bench_msg *m, struct bench_fields *f)
{
	msg_t *msg = msg_make(sip_default_mclass(), 0, m->buf, (ssize_t)m->len);
	sip_t *sip;
	int err = EBADMSG;

	if (!msg)
		return ENOMEM;
	sip = sip_object(msg);
	if (msg_has_error(msg) || !sip || !sip->sip_via || !sip->sip_from || !sip->sip_to ||
	    !sip->sip_call_id || !sip->sip_cseq)
		goto out;

	f->via_host = bench_cstr(sip->sip_via->v_host);
	f->via_branch = bench_cstr(sip->sip_via->v_branch);
	f->from_tag = bench_cstr(sip->sip_from->a_tag);
	f->to_user = bench_cstr(sip->sip_to->a_url->url_user);
	f->to_host = bench_cstr(sip->sip_to->a_url->url_host);
	f->call_id = bench_cstr(sip->sip_call_id->i_id);
	f->cseq = sip->sip_cseq->cs_seq;
	f->cseq_method = bench_cstr(sip->sip_cseq->cs_method_name);
	for (sip_contact_t *c = sip->sip_contact; c; c = c->m_next) {
		if (f->ncontacts < BENCH_MAX_CONTACTS) {
			f->contact[f->ncontacts].host = bench_cstr(c->m_url->url_host);
			if (c->m_expires)
				f->contact[f->ncontacts].has_expires = bench_u32(
				    bench_cstr(c->m_expires), &f->contact[f->ncontacts].expires);
		}
		f->ncontacts++;
	}
	if (sip->sip_expires) {
		f->has_expires = true;
		f->expires = (uint32_t)sip->sip_expires->ex_delta;
	}
	bench_consume(f);
	err = 0;
out:
	msg_destroy(msg);
	return err;
}

void bench_stack_close(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
}

/*
 * libre: sip_msg_decode() over an mbuf (zero-copy: the message keeps a
 * reference to the mbuf). The mbufs are filled once outside the measured
 * loop, as a receive path would hand them over; each run rewinds the
 * position. Via host comes from sentby, Contacts from the header list
 * (libre splits comma lists), Expires from the cached header.
 *
 * Headers: libre's headers expect the defines of its own build
 * (HAVE_INET6, HAVE_STDBOOL_H, HAVE_INTTYPES_H; see bench/CMakeLists.txt).
 */
#include <errno.h>
#include <string.h>

#include <re.h>

#include "bench.h"

const char bench_stack_name[] = "libre";

static struct bench_slice sl(struct pl pl)
{
	return (struct bench_slice){pl.p, pl.l};
}

int bench_stack_init(struct bench_msg *msgs, size_t n)
{
	int err = libre_init();

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		struct mbuf *mb = mbuf_alloc(msgs[i].len);

		if (!mb)
			return ENOMEM;
		err = mbuf_write_mem(mb, (const uint8_t *)msgs[i].buf, msgs[i].len);
		if (err) {
			mem_deref(mb);
			return err;
		}
		msgs[i].prep = mb;
	}
	return 0;
}

static bool contact_handler(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	(void)msg;
	struct bench_fields *f = arg;
	struct sip_addr addr;
	struct pl val;

	if (f->ncontacts < BENCH_MAX_CONTACTS && sip_addr_decode(&addr, &hdr->val) == 0) {
		f->contact[f->ncontacts].host = sl(addr.uri.host);
		if (msg_param_decode(&addr.params, "expires", &val) == 0)
			f->contact[f->ncontacts].has_expires =
			    bench_u32(sl(val), &f->contact[f->ncontacts].expires);
	}
	f->ncontacts++;
	return false; /* continue */
}

int bench_stack_run(struct bench_msg *m, struct bench_fields *f)
{
	struct mbuf *mb = m->prep;
	struct sip_msg *msg = NULL;
	struct pl host, port;
	int err;

	mb->pos = 0;
	err = sip_msg_decode(&msg, mb);
	if (err)
		return err;

	if (uri_decode_hostport(&msg->via.sentby, &host, &port) == 0)
		f->via_host = sl(host);
	f->via_branch = sl(msg->via.branch);
	f->from_tag = sl(msg->from.tag);
	f->to_user = sl(msg->to.uri.user);
	f->to_host = sl(msg->to.uri.host);
	f->call_id = sl(msg->callid);
	f->cseq = msg->cseq.num;
	f->cseq_method = sl(msg->cseq.met);
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler, f);
	if (pl_isset(&msg->expires))
		f->has_expires = bench_u32(sl(msg->expires), &f->expires);
	bench_consume(f);
	mem_deref(msg);
	return 0;
}

void bench_stack_close(struct bench_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		msgs[i].prep = mem_deref(msgs[i].prep);
	libre_close();
}

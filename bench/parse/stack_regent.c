/*
 * regent: src/msg (zero-copy; parses straight from the receive buffer), into
 * caller storage on the stack (regent_msg_parse_into: no malloc per message,
 * the way a receive loop uses it). regent_msg_parse, which mallocs the
 * ~3.8 KB message struct, costs ~450 instructions more a message.
 */
#include <errno.h>

#include "bench.h"
#include "msg/msg.h"

const char bench_stack_name[] = "regent";

static struct bench_slice sl(struct regent_pl pl)
{
	return (struct bench_slice){pl.p, pl.l};
}

int bench_stack_init(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
	return 0;
}

int bench_stack_run(struct bench_msg *m, struct bench_fields *f)
{
	union regent_msg_storage st;
	struct regent_msg *msg = NULL;
	struct regent_msg_iter it = {0};
	struct regent_via via;
	struct regent_addr a;
	struct regent_contact c;
	int err;

	err = regent_msg_parse_into(&st, &msg, m->buf, m->len, NULL, NULL);
	if (err)
		return err;

	err = regent_msg_via_next(msg, &it, &via);
	if (err)
		goto out;
	f->via_host = sl(via.host);
	f->via_branch = sl(via.branch);

	err = regent_msg_from(msg, &a);
	if (err)
		goto out;
	f->from_tag = sl(a.tag);

	err = regent_msg_to(msg, &a);
	if (err)
		goto out;
	f->to_user = sl(a.uri.user);
	f->to_host = sl(a.uri.host);

	f->call_id = sl(regent_msg_call_id(msg));
	err = regent_msg_cseq(msg, &f->cseq, &a.params);
	if (err)
		goto out;
	f->cseq_method = sl(a.params);

	it = (struct regent_msg_iter){0};
	while ((err = regent_msg_contact_next(msg, &it, &c)) == 0) {
		if (f->ncontacts < BENCH_MAX_CONTACTS) {
			f->contact[f->ncontacts].host = sl(c.addr.uri.host);
			f->contact[f->ncontacts].has_expires = c.has_expires;
			f->contact[f->ncontacts].expires = c.expires;
		}
		f->ncontacts++;
	}
	if (err != ENOENT)
		goto out;

	err = regent_msg_u32(msg, REGENT_HDR_EXPIRES, &f->expires);
	if (err == 0)
		f->has_expires = true;
	else if (err != ENOENT)
		goto out;
	err = 0;
	bench_consume(f);
out:
	regent_msg_free(msg);
	return err;
}

void bench_stack_close(struct bench_msg *msgs, size_t n)
{
	(void)msgs;
	(void)n;
}

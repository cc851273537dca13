/*
 * iter — walking the headers of a parsed message: by index, by name, and
 * element by element through comma lists (RFC 3261 §7.3.1). Used by the
 * parser's validation and by the field readers (via.c, contact.c,
 * fields.c); it calls none of them.
 */
#include <errno.h>
#include <string.h>

#include "msg/msg_int.h"

size_t regent_msg_hdr_count(const struct regent_msg *msg)
{
	return msg->nhdr;
}

const struct regent_hdr *regent_msg_hdr_at(const struct regent_msg *msg, size_t i)
{
	return i < msg->nhdr ? &msg->hdrs[i].h : NULL;
}

const struct regent_hdr *regent_msg_hdr_find(const struct regent_msg *msg, enum regent_hdr_id id,
					     const char *name, const struct regent_hdr *after)
{
	if ((unsigned)id >= REGENT_HDR__COUNT)
		return NULL;
	if (id != REGENT_HDR_OTHER)
		return after ? regent_msgi_next_hdr(msg, after) : regent_msgi_first_hdr(msg, id);
	if (!name)
		return NULL;
	/* A known name asked for as OTHER is looked up by its id. */
	enum regent_hdr_id nid = regent_hdr_id_from_name(name, strlen(name));

	if (nid != REGENT_HDR_OTHER)
		return after ? regent_msgi_next_hdr(msg, after) : regent_msgi_first_hdr(msg, nid);
	size_t i =
	    after ? (size_t)((const struct hdr_ent *)(const void *)after - msg->hdrs) + 1 : 0;

	for (; i < msg->nhdr; i++) {
		const struct regent_hdr *h = &msg->hdrs[i].h;

		if (h->id == REGENT_HDR_OTHER && regent_msgi_name_eq(h->name, name))
			return h;
	}
	return NULL;
}

int regent_msgi_list_begin(const struct regent_msg *msg, enum regent_hdr_id id,
			   struct regent_msg_iter *it, const char **pp, const char **end)
{
	const struct regent_hdr *h = it->hdr;

	if (!h) {
		h = regent_msgi_first_hdr(msg, id);
		if (!h)
			return ENOENT;
		it->hdr = h;
		it->pos = 0;
	}
	while (it->pos >= h->value.l) {
		h = regent_msgi_next_hdr(msg, h);
		if (!h)
			return ENOENT;
		it->hdr = h;
		it->pos = 0;
	}
	*pp = h->value.p + it->pos;
	*end = h->value.p + h->value.l;
	return 0;
}

int regent_msgi_list_advance(struct regent_msg_iter *it, const char *stop, struct perr *e)
{
	const char *vs = it->hdr->value.p, *end = vs + it->hdr->value.l;
	const char *q = regent_msgi_lws(stop, end);

	if (q == end) {
		it->pos = it->hdr->value.l;
		return 0;
	}
	if (*q != ',')
		return perr_set(e, REGENT_MSG_EVALUE, q, "unexpected character");
	q = regent_msgi_lws(q + 1, end);
	if (q == end || *q == ',')
		return perr_set(e, REGENT_MSG_EVALUE, q, "empty list element");
	it->pos = (size_t)(q - vs);
	return 0;
}

/*
 * bindings — what the last 2xx said: the bindings the registrar holds for
 * the AOR (RFC 3261 §10.3 step 8), their GRUUs (RFC 5627), the
 * Service-Route (RFC 3608); and which Contact is ours.
 */
#include <stdlib.h>
#include <string.h>

#include "reg/reg_int.h"

/* Bounded: a registrar listing more is not our problem. */
#define MAX_BINDINGS 64

void regent_reg_build_me(struct regent_registerer *r, struct regent_reg_me *me,
			 struct regent_uri *u, char *buf, size_t size)
{
	memset(me, 0, sizeof(*me));
	me->instance = regent_reg_rare(r)->instance;
	me->reg_id = regent_reg_rare(r)->reg_id;
	if (regent_reg_contact_uri(r, buf, size) == 0 &&
	    regent_uri_parse(u, buf, strlen(buf), NULL) == 0)
		me->contact = u;
}

/* Is `u` one of the Contacts an unregister_contacts() exchange asked to
 * remove (RFC 3261 §19.1.4 equivalence, as the registrar compares)? */
static bool named_for_removal(const struct regent_registerer *r, const struct regent_uri *u)
{
	struct regent_uri t;

	if (r->xk != REGENT_X_REMOVE)
		return false;
	const struct regent_reg_more *x = regent_reg_rare(r);

	for (size_t i = 0; i < x->nxcontacts; i++) {
		if (regent_uri_parse(&t, x->xcontacts[i], strlen(x->xcontacts[i]), NULL) == 0 &&
		    regent_uri_equal(&t, u))
			return true;
	}
	return false;
}

/* How many bindings the 2xx lists (up to MAX_BINDINGS) and the bytes their
 * strings take. */
static size_t count_bindings(const struct regent_msg *m, size_t *bytes)
{
	struct regent_msg_iter it;
	struct regent_contact c;
	size_t n = 0;

	*bytes = 0;
	memset(&it, 0, sizeof(it));
	while (n < MAX_BINDINGS && regent_msg_contact_next(m, &it, &c) == 0) {
		if (c.star)
			continue;
		n++;
		*bytes += c.addr.uri.raw.l + 1 +
			  (regent_pl_isset(c.addr.params) ? c.addr.params.l : 0) + 1 +
			  c.pub_gruu.l + 1 + c.temp_gruu.l + 1;
	}
	return n;
}

/* Copies pl at s as a NUL-terminated string; returns it (NULL if pl is
 * unset and `null_if_unset`) and moves *s past it. */
static const char *put_str(char **s, struct regent_pl pl, bool null_if_unset)
{
	char *at = *s;

	if (regent_pl_isset(pl)) {
		memcpy(at, pl.p, pl.l);
		*s += pl.l;
	} else if (null_if_unset) {
		at = NULL;
	}
	*(*s)++ = '\0';
	return at;
}

/* Fills b from one Contact; its strings go at *s. */
static void fill_binding(struct regent_binding *b, const struct regent_contact *c, char **s)
{
	struct regent_pl pr = c->addr.params;

	b->uri = put_str(s, c->addr.uri.raw, false);
	/* params as received, without the leading ';' */
	if (regent_pl_isset(pr) && pr.l > 0 && pr.p[0] == ';') {
		pr.p++;
		pr.l--;
	}
	b->params = put_str(s, pr, false);
	b->pub_gruu = put_str(s, c->pub_gruu, true);
	b->temp_gruu = put_str(s, c->temp_gruu, true);
}

/* Copies the Contacts of a 2xx into one block (strings valid until the next
 * response, as regent.h says). */
static void store_contacts(struct regent_registerer *r, const struct regent_msg *m,
			   const uint8_t *levels, size_t nlevels, uint32_t asked)
{
	struct regent_msg_iter it;
	struct regent_contact c;
	uint8_t best = REGENT_REG_MATCH_NONE;
	size_t bytes, i = 0, ci = 0, n = count_bindings(m, &bytes);
	uint32_t hdr = 0;
	bool has_hdr = regent_msg_u32(m, REGENT_HDR_EXPIRES, &hdr) == 0;
	char *blk, *s;

	for (size_t k = 0; k < nlevels; k++)
		if (levels[k] > best)
			best = levels[k];
	if (n == 0 || (blk = malloc(n * sizeof(struct regent_binding) + bytes)) == NULL)
		return;
	r->bindings = (struct regent_binding *)(void *)blk;
	s = blk + n * sizeof(struct regent_binding);
	memset(&it, 0, sizeof(it));
	while (i < n && regent_msg_contact_next(m, &it, &c) == 0) {
		struct regent_binding *b = &r->bindings[i];
		size_t li = ci++;

		if (c.star)
			continue;
		fill_binding(b, &c, &s);
		b->expires =
		    regent_reg_binding_expires(c.has_expires, c.expires, has_hdr, hdr, asked);
		b->ours = best != REGENT_REG_MATCH_NONE && li < nlevels && levels[li] == best;
		b->kept = b->expires > 0 && named_for_removal(r, &c.addr.uri);
		i++;
	}
	r->nbindings = i;
}

/* RFC 3608: Service-Route, as received (values joined by ", "). */
static void store_service_route(struct regent_registerer *r, const struct regent_msg *m)
{
	const struct regent_hdr *sr;
	size_t bytes = 0;
	char *s;

	for (sr = NULL; (sr = regent_msg_hdr_find(m, REGENT_HDR_SERVICE_ROUTE, NULL, sr)) != NULL;)
		bytes += sr->value.l + 2;
	if (bytes == 0 || regent_reg_more(r) == NULL ||
	    (r->more->service_route = malloc(bytes + 1)) == NULL)
		return;
	s = r->more->service_route;
	for (sr = NULL;
	     (sr = regent_msg_hdr_find(m, REGENT_HDR_SERVICE_ROUTE, NULL, sr)) != NULL;) {
		if (s != r->more->service_route) {
			*s++ = ',';
			*s++ = ' ';
		}
		memcpy(s, sr->value.p, sr->value.l);
		s += sr->value.l;
	}
	*s = '\0';
}

void regent_reg_store_bindings(struct regent_registerer *r, const struct regent_msg *m,
			       const uint8_t *levels, size_t nlevels, uint32_t asked)
{
	free(r->bindings);
	r->bindings = NULL;
	r->nbindings = 0;
	if (r->more != NULL) {
		free(r->more->service_route);
		r->more->service_route = NULL;
	}
	store_contacts(r, m, levels, nlevels, asked);
	store_service_route(r, m);
}

/* Our own Contact (as the flow makes it now): unregister() removes that,
 * and keeps the Registerer's state right; removing it behind its back would
 * leave it REGISTERED and refreshing a binding that is gone. */
bool regent_reg_is_ours(struct regent_registerer *r, const char *uri)
{
	struct regent_reg_me me;
	struct regent_uri cu, u;
	char cbuf[512];

	if (regent_uri_parse(&u, uri, strlen(uri), NULL) != 0)
		return false;
	/* what the registrar listed as ours in the last 2xx, even with the
	 * flow down ... */
	for (size_t i = 0; i < r->nbindings; i++) {
		const char *b = r->bindings[i].uri;

		if (r->bindings[i].ours && regent_uri_parse(&cu, b, strlen(b), NULL) == 0 &&
		    regent_uri_equal(&cu, &u))
			return true;
	}
	/* ... and what the flow makes it now */
	if (!regent_ua_flow_is_up(r->ua, &r->cl))
		return false;
	regent_reg_build_me(r, &me, &cu, cbuf, sizeof(cbuf));
	return me.contact != NULL && regent_uri_equal(me.contact, &u);
}

/*
 * dns_answer — NAPTR and SRV answers into what RFC 3263 §4.1 resolution
 * needs (see dns_answer.h). c-ares parses the wire format; the choice of
 * records and their order is ours.
 */
#include <ares.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>

#include "net/dns_answer.h"

#define MAX_NAPTR 32 /* records looked at per answer */

static enum regent_transport naptr_service(const char *svc, bool secure)
{
	if (strcasecmp(svc, "SIPS+D2T") == 0)
		return REGENT_TP_TLS;
	if (secure)
		return REGENT_TP_NONE;
	if (strcasecmp(svc, "SIP+D2U") == 0)
		return REGENT_TP_UDP;
	if (strcasecmp(svc, "SIP+D2T") == 0)
		return REGENT_TP_TCP;
	return REGENT_TP_NONE;
}

/* Insertion sort by order, then preference (stable: equal records keep the
 * answer's order). n is at most MAX_NAPTR. */
static void naptr_sort(struct ares_naptr_reply **v, size_t n)
{
	for (size_t a = 1; a < n; a++) {
		struct ares_naptr_reply *x = v[a];
		size_t k = a;

		while (k > 0 &&
		       (v[k - 1]->order > x->order ||
			(v[k - 1]->order == x->order && v[k - 1]->preference > x->preference))) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = x;
	}
}

static void srv_name_add(struct regent_srv_name *v, size_t *n, size_t max, const char *name,
			 enum regent_transport tp)
{
	for (size_t i = 0; i < *n; i++) {
		if (v[i].tp == tp && strcasecmp(v[i].name, name) == 0)
			return;
	}
	if (*n >= max)
		return;
	snprintf(v[*n].name, sizeof(v[*n].name), "%s", name);
	v[*n].tp = tp;
	(*n)++;
}

int regent_dns_naptr_answer(const unsigned char *abuf, size_t alen, bool secure,
			    struct regent_srv_name *v, size_t *n, size_t max)
{
	struct ares_naptr_reply *rep = NULL, *sorted[MAX_NAPTR];
	size_t k = 0;

	if (!abuf || alen > INT_MAX ||
	    ares_parse_naptr_reply(abuf, (int)alen, &rep) != ARES_SUCCESS)
		return EBADMSG;
	for (struct ares_naptr_reply *r = rep; r && k < MAX_NAPTR; r = r->next)
		sorted[k++] = r;
	naptr_sort(sorted, k);
	for (size_t a = 0; a < k; a++) {
		enum regent_transport tp;

		if (strcasecmp((const char *)sorted[a]->flags, "s") != 0)
			continue;
		tp = naptr_service((const char *)sorted[a]->service, secure);
		if (tp != REGENT_TP_NONE)
			srv_name_add(v, n, max, sorted[a]->replacement, tp);
	}
	ares_free_data(rep);
	return 0;
}

int regent_dns_srv_answer(const unsigned char *abuf, size_t alen, struct regent_srv *v, size_t *n,
			  size_t max)
{
	struct ares_srv_reply *rep = NULL;

	if (!abuf || alen > INT_MAX || ares_parse_srv_reply(abuf, (int)alen, &rep) != ARES_SUCCESS)
		return EBADMSG;
	for (struct ares_srv_reply *r = rep; r && *n < max; r = r->next) {
		struct regent_srv *s = &v[(*n)++];

		s->priority = r->priority;
		s->weight = r->weight;
		s->port = r->port;
		snprintf(s->host, sizeof(s->host), "%s", r->host);
	}
	ares_free_data(rep);
	return 0;
}

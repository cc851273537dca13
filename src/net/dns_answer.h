/*
 * dns_answer — what regent reads out of the DNS answers c-ares hands back
 * (RFC 3263 §4.1 NAPTR selection, RFC 2782 SRV records): pure functions on
 * the raw answer bytes, so that they can be fuzzed without a resolver
 * (fuzz/fuzz_dns.c). src/net/dns.c calls them from its c-ares callbacks.
 */
#ifndef REGENT_DNS_ANSWER_H
#define REGENT_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "net/net.h"

/* One SRV name to query and the transport its NAPTR service stands for. */
struct regent_srv_name {
	char name[300];
	enum regent_transport tp;
};

/* Parses a NAPTR answer and appends to v[*n..max) the SRV names to query:
 * by order, then preference (RFC 3403 §4.1); only "s" records for services
 * we support (SIPS+D2T; SIP+D2U and SIP+D2T unless `secure`); a name already
 * listed for the same transport is skipped. 0, or EBADMSG when the answer
 * does not parse (nothing appended). */
int regent_dns_naptr_answer(const unsigned char *abuf, size_t alen, bool secure,
			    struct regent_srv_name *v, size_t *n, size_t max);

/* Parses an SRV answer and appends its records to v[*n..max), in answer
 * order (regent_srv_sort orders them). 0, or EBADMSG. */
int regent_dns_srv_answer(const unsigned char *abuf, size_t alen, struct regent_srv *v, size_t *n,
			  size_t max);

#endif /* REGENT_DNS_ANSWER_H */

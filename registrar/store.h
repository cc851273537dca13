/*
 * store — the registrar's bindings: address-of-record -> contacts, each
 * with its Call-ID, CSeq and expiry (RFC 3261 §10.3). Internal to
 * registrar/. Counts are capped so memory stays bounded whatever the
 * peers send.
 */
#ifndef REGENT_REGISTRAR_STORE_H
#define REGENT_REGISTRAR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg/msg.h"

struct reg_binding {
	struct reg_binding *next;
	uint64_t expires_at_ms;
	uint32_t cseq;
	const char *call_id; /* into str[] */
	const char *uri;     /* the Contact URI alone, into str[] */
	char contact[];	     /* "<uri>;params" without expires, then uri, call_id */
};

struct reg_aor {
	struct reg_aor *next;
	struct reg_binding *bindings;
	uint32_t n;
	char name[];
};

struct reg_store {
	struct reg_aor **buckets;
	size_t nbuckets, naor, nbind;
	size_t max_bind, max_per_aor;
};

int reg_store_init(struct reg_store *s, size_t max_bind, size_t max_per_aor);
void reg_store_clear(struct reg_store *s); /* drops every binding, keeps the table */
void reg_store_free(struct reg_store *s);
/* Finds (create: or makes) the AOR record for a canonical name. NULL: absent / ENOMEM. */
struct reg_aor *reg_store_aor(struct reg_store *s, const char *name, bool create);
/* Removes the AOR's bindings expired at now_ms. */
void reg_aor_purge(struct reg_store *s, struct reg_aor *a, uint64_t now_ms);
/* Removes expired bindings everywhere and frees empty AORs. */
void reg_store_gc(struct reg_store *s, uint64_t now_ms);
/* Adds a binding, or replaces `old` with the new values. 0, ENOMEM, ENOSPC (caps). */
int reg_binding_put(struct reg_store *s, struct reg_aor *a, struct reg_binding *old,
		    const char *contact, const char *uri, struct regent_pl call_id, uint32_t cseq,
		    uint64_t expires_at_ms);
void reg_binding_del(struct reg_store *s, struct reg_aor *a, struct reg_binding *b);

#endif

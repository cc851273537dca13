/*
 * store — bindings per address-of-record, in a chained hash table that
 * doubles when full. Each binding is one allocation; caps on the total and
 * per-AOR count bound memory (RFC 3261 §10.3 leaves the policy to us).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

int reg_store_init(struct reg_store *s, size_t max_bind, size_t max_per_aor)
{
	memset(s, 0, sizeof(*s));
	s->nbuckets = 256;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	if (!s->buckets)
		return ENOMEM;
	s->max_bind = max_bind;
	s->max_per_aor = max_per_aor;
	return 0;
}

static void aor_free(struct reg_aor *a)
{
	struct reg_binding *b = a->bindings;

	while (b) {
		struct reg_binding *next = b->next;

		free(b);
		b = next;
	}
	free(a);
}

void reg_store_clear(struct reg_store *s)
{
	for (size_t i = 0; s->buckets && i < s->nbuckets; i++) {
		struct reg_aor *a = s->buckets[i];

		while (a) {
			struct reg_aor *next = a->next;

			aor_free(a);
			a = next;
		}
		s->buckets[i] = NULL;
	}
	s->naor = 0;
	s->nbind = 0;
}

void reg_store_free(struct reg_store *s)
{
	reg_store_clear(s);
	free(s->buckets);
	s->buckets = NULL;
}

static void grow(struct reg_store *s)
{
	size_t nb = s->nbuckets * 2;
	struct reg_aor **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* still correct, only slower */
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct reg_aor *a = s->buckets[i];

		while (a) {
			struct reg_aor *next = a->next;
			size_t k = hash_str(a->name) % nb;

			a->next = b[k];
			b[k] = a;
			a = next;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

struct reg_aor *reg_store_aor(struct reg_store *s, const char *name, bool create)
{
	size_t k = hash_str(name) % s->nbuckets, l;
	struct reg_aor *a;

	for (a = s->buckets[k]; a; a = a->next) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	if (!create)
		return NULL;
	l = strlen(name);
	a = calloc(1, sizeof(*a) + l + 1);
	if (!a)
		return NULL;
	memcpy(a->name, name, l + 1);
	a->next = s->buckets[k];
	s->buckets[k] = a;
	if (++s->naor > s->nbuckets)
		grow(s);
	return a;
}

void reg_binding_del(struct reg_store *s, struct reg_aor *a, struct reg_binding *b)
{
	for (struct reg_binding **pp = &a->bindings; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			free(b);
			a->n--;
			s->nbind--;
			return;
		}
	}
}

void reg_aor_purge(struct reg_store *s, struct reg_aor *a, uint64_t now_ms)
{
	struct reg_binding **pp = &a->bindings;

	while (*pp) {
		struct reg_binding *b = *pp;

		if (b->expires_at_ms <= now_ms) {
			*pp = b->next;
			free(b);
			a->n--;
			s->nbind--;
		} else {
			pp = &b->next;
		}
	}
}

void reg_store_gc(struct reg_store *s, uint64_t now_ms)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct reg_aor **pp = &s->buckets[i];

		while (*pp) {
			struct reg_aor *a = *pp;

			reg_aor_purge(s, a, now_ms);
			if (a->n == 0) {
				*pp = a->next;
				free(a);
				s->naor--;
			} else {
				pp = &a->next;
			}
		}
	}
}

int reg_binding_put(struct reg_store *s, struct reg_aor *a, struct reg_binding *old,
		    const char *contact, const char *uri, struct regent_pl call_id, uint32_t cseq,
		    uint64_t expires_at_ms)
{
	size_t cl = strlen(contact), ul = strlen(uri);
	struct reg_binding *b;
	char *p;

	if (!old && (a->n >= s->max_per_aor || s->nbind >= s->max_bind))
		return ENOSPC;
	b = calloc(1, sizeof(*b) + cl + 1 + ul + 1 + call_id.l + 1);
	if (!b)
		return ENOMEM;
	p = b->contact;
	memcpy(p, contact, cl + 1);
	p += cl + 1;
	memcpy(p, uri, ul + 1);
	b->uri = p;
	p += ul + 1;
	memcpy(p, call_id.p, call_id.l);
	p[call_id.l] = '\0';
	b->call_id = p;
	b->cseq = cseq;
	b->expires_at_ms = expires_at_ms;
	if (old) {
		/* Replace in place, keeping the order of the list. */
		for (struct reg_binding **pp = &a->bindings; *pp; pp = &(*pp)->next) {
			if (*pp == old) {
				b->next = old->next;
				*pp = b;
				free(old);
				return 0;
			}
		}
	}
	b->next = NULL;
	{
		struct reg_binding **pp = &a->bindings;

		while (*pp)
			pp = &(*pp)->next;
		*pp = b;
	}
	a->n++;
	s->nbind++;
	return 0;
}

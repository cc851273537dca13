/*
 * txmap — open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short however long the UA lives). The
 * hash takes the branch eight bytes at a time (multiply and fold, the
 * tail byte-wise): our branches carry 96 random bits, so any mixing spreads
 * them, and a branch that a peer makes up can only probe, never insert
 * (FNV-1a a byte at a time cost about 60 % more per registration).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ua/txmap.h"

static uint32_t hash(const char *p, size_t l)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull; /* odd: multiplying is a bijection */
	uint64_t h = 0xcbf29ce484222325ull ^ l, w;

	for (; l >= 8; p += 8, l -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	w = 0;
	for (size_t i = 0; i < l; i++)
		w |= (uint64_t)(unsigned char)p[i] << (8 * i);
	h = (h ^ w) * k;
	return (uint32_t)(h ^ (h >> 32));
}

static void insert(struct regent_ua_txmap_slot *v, size_t cap, struct regent_ua_txmap_slot s)
{
	size_t i = s.hash & (cap - 1);

	while (v[i].key != NULL)
		i = (i + 1) & (cap - 1);
	v[i] = s;
}

int regent_ua_txmap_reserve(struct regent_ua_txmap *m, size_t n)
{
	struct regent_ua_txmap_slot *v;
	size_t cap = m->cap ? m->cap : 16;

	while (cap < 2 * n)
		cap *= 2;
	if (cap == m->cap)
		return 0;
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->v[i].key != NULL)
			insert(v, cap, m->v[i]);
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

void regent_ua_txmap_put(struct regent_ua_txmap *m, const char *key, void *val)
{
	size_t l = strlen(key);
	struct regent_ua_txmap_slot s = {key, val, (uint32_t)l, hash(key, l)};

	if (m->cap == 0 || 2 * (m->n + 1) > m->cap)
		abort(); /* a transaction without reserved room: a bug */
	insert(m->v, m->cap, s);
	m->n++;
}

void *regent_ua_txmap_del(struct regent_ua_txmap *m, const char *key)
{
	size_t mask = m->cap - 1, i, j;
	void *val;

	if (m->cap == 0)
		return NULL;
	for (i = hash(key, strlen(key)) & mask; m->v[i].key != key; i = (i + 1) & mask) {
		if (m->v[i].key == NULL)
			return NULL;
	}
	val = m->v[i].val;
	/* backward shift: pull later entries of the probe run into the hole
	 * unless that would put them before their home slot */
	for (j = (i + 1) & mask; m->v[j].key != NULL; j = (j + 1) & mask) {
		size_t home = m->v[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->v[i] = m->v[j];
			i = j;
		}
	}
	m->v[i].key = NULL;
	m->v[i].val = NULL;
	m->n--;
	return val;
}

void *regent_ua_txmap_find(const struct regent_ua_txmap *m, struct regent_pl branch, size_t *it)
{
	size_t mask = m->cap - 1, i;
	uint32_t h;

	if (m->cap == 0 || branch.p == NULL)
		return NULL;
	h = hash(branch.p, branch.l);
	/* *it counts the slots already probed from the home slot */
	for (i = (h + *it) & mask; m->v[i].key != NULL && *it <= mask; i = (i + 1) & mask) {
		const struct regent_ua_txmap_slot *s = &m->v[i];

		++*it;
		if (s->hash == h && s->len == branch.l && memcmp(s->key, branch.p, branch.l) == 0)
			return s->val;
	}
	return NULL;
}

void regent_ua_txmap_release(struct regent_ua_txmap *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

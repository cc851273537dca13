/*
 * txcache — final responses remembered per request for retransmissions
 * (RFC 3261 §17.2.2: timer J = 64·T1 for unreliable transports).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "txcache.h"

enum { TXC_KEEP_MS = 32000 };

struct txc_slot {
	uint64_t key; /* 0: empty */
	uint64_t until_ms;
	char *resp;
	size_t len;
};

struct reg_txcache {
	size_t n;
	struct txc_slot s[];
};

int reg_txcache_alloc(struct reg_txcache **cp, size_t slots)
{
	struct reg_txcache *c;

	if (!cp || slots == 0)
		return EINVAL;
	c = calloc(1, sizeof(*c) + slots * sizeof(c->s[0]));
	if (!c)
		return ENOMEM;
	c->n = slots;
	*cp = c;
	return 0;
}

void reg_txcache_clear(struct reg_txcache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->s[i].resp);
		memset(&c->s[i], 0, sizeof(c->s[i]));
	}
}

void reg_txcache_free(struct reg_txcache *c)
{
	reg_txcache_clear(c);
	free(c);
}

static uint64_t fnv(uint64_t h, const char *p, size_t l)
{
	for (size_t i = 0; i < l; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t reg_txcache_key(const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct regent_pl cid = regent_msg_call_id(m), method;
	uint32_t cseq = 0;
	uint64_t h = 1469598103934665603ULL;
	char num[12];
	size_t nl = 0;

	if (regent_msg_via_next(m, &it, &v) || !regent_pl_isset(v.branch) || v.branch.l == 0 ||
	    regent_msg_cseq(m, &cseq, &method))
		return 0;
	for (uint32_t x = cseq; nl == 0 || x; x /= 10)
		num[nl++] = (char)('0' + x % 10);
	h = fnv(h, v.branch.p, v.branch.l);
	h = fnv(h, "\n", 1);
	h = fnv(h, cid.p, cid.l);
	h = fnv(h, "\n", 1);
	h = fnv(h, num, nl);
	h = fnv(h, method.p, method.l);
	return h ? h : 1;
}

const char *reg_txcache_get(struct reg_txcache *c, uint64_t key, uint64_t now_ms, size_t *len)
{
	struct txc_slot *s;

	if (!c || key == 0)
		return NULL;
	s = &c->s[key % c->n];
	if (s->key != key || now_ms >= s->until_ms || !s->resp)
		return NULL;
	*len = s->len;
	return s->resp;
}

void reg_txcache_put(struct reg_txcache *c, uint64_t key, uint64_t now_ms, const char *p,
		     size_t len)
{
	struct txc_slot *s;
	char *copy;

	if (!c || key == 0)
		return;
	s = &c->s[key % c->n];
	copy = malloc(len ? len : 1);
	free(s->resp);
	memset(s, 0, sizeof(*s));
	if (!copy)
		return;
	memcpy(copy, p, len);
	s->key = key;
	s->until_ms = now_ms + TXC_KEEP_MS;
	s->resp = copy;
	s->len = len;
}

/*
 * srvtx — a small LRU of the answers given to requests that arrived on the
 * flow, so that retransmissions get the same answer (RFC 3261 §17.2.2);
 * bounds in net/srvtx.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/srvtx.h"

struct entry {
	char key[REGENT_SRVTX_KEY_MAX];
	char *resp; /* malloc'd, at most REGENT_SRVTX_MAX_RESP */
	size_t len;
	uint64_t expires, used; /* used: LRU tick */
	bool live;
};

struct regent_srvtx {
	struct entry e[REGENT_SRVTX_MAX];
	uint64_t tick;
};

int regent_srvtx_alloc(struct regent_srvtx **cp)
{
	*cp = calloc(1, sizeof(**cp));
	return *cp == NULL ? ENOMEM : 0;
}

void regent_srvtx_free(struct regent_srvtx *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < REGENT_SRVTX_MAX; i++)
		free(c->e[i].resp);
	free(c);
}

int regent_srvtx_key(char *key, size_t size, const struct regent_msg *m)
{
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct regent_pl method = regent_msg_method(m);
	int n;

	if (regent_msg_via_next(m, &it, &v) != 0 || v.branch.l == 0)
		return ENOENT;
	/* RFC 3261 §17.2.3: an ACK belongs to the INVITE's transaction */
	if (regent_pl_eq_str(method, "ACK"))
		method = (struct regent_pl){"INVITE", 6};
	n = snprintf(key, size, "%.*s|%.*s:%u|%.*s", (int)v.branch.l, v.branch.p, (int)v.host.l,
		     v.host.p, v.port ? v.port : 5060, (int)method.l, method.p);
	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

static struct entry *lookup(struct regent_srvtx *c, const char *key, uint64_t now)
{
	for (size_t i = 0; i < REGENT_SRVTX_MAX; i++) {
		struct entry *e = &c->e[i];

		if (e->live && now >= e->expires)
			e->live = false; /* timer J fired */
		if (e->live && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

bool regent_srvtx_find(struct regent_srvtx *c, const char *key, uint64_t now, const char **resp,
		       size_t *len)
{
	struct entry *e = lookup(c, key, now);

	if (e == NULL)
		return false;
	e->used = ++c->tick;
	*resp = e->resp;
	*len = e->len;
	return true;
}

int regent_srvtx_put(struct regent_srvtx *c, const char *key, const char *resp, size_t len,
		     uint64_t now, uint64_t ttl_ms)
{
	struct entry *e = lookup(c, key, now);
	char *copy;

	if (len > REGENT_SRVTX_MAX_RESP)
		return EMSGSIZE;
	if (strlen(key) >= REGENT_SRVTX_KEY_MAX)
		return ENAMETOOLONG;
	for (size_t i = 0; e == NULL && i < REGENT_SRVTX_MAX; i++)
		if (!c->e[i].live)
			e = &c->e[i];
	if (e == NULL) {
		/* full: the least recently used goes */
		e = &c->e[0];
		for (size_t j = 1; j < REGENT_SRVTX_MAX; j++)
			if (c->e[j].used < e->used)
				e = &c->e[j];
	}
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return ENOMEM;
	memcpy(copy, resp, len);
	free(e->resp);
	e->resp = copy;
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->len = len;
	e->expires = now + ttl_ms;
	e->used = ++c->tick;
	e->live = true;
	return 0;
}

size_t regent_srvtx_count(const struct regent_srvtx *c, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < REGENT_SRVTX_MAX; i++)
		n += c->e[i].live && now < c->e[i].expires;
	return n;
}

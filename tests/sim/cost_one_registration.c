/*
 * cost_one_registration — what one complete authenticated registration
 * costs the client side, for BENCHMARKS.md. Not a test: run it by hand.
 *
 *   valgrind --tool=callgrind --collect-atstart=no ./cost_one_registration [MD5|SHA-256]
 *   callgrind_annotate callgrind.out.<pid> | head
 *
 * Instructions are collected only around the client's calls
 * (CALLGRIND_TOGGLE_COLLECT): build the REGISTER, parse the 401, compute
 * the digest and build the authorised REGISTER, parse the 200. The registrar
 * core runs between them uncollected. One registration first warms up
 * OpenSSL's lazy algorithm fetching, which a long-running process pays once;
 * the second, on a fresh UA and Registerer, is the one measured.
 *
 * It then keeps N (default 1000) UAs, each with one idle, registered
 * Registerer holding cached credentials, and reports the heap they hold:
 * glibc's mallinfo2() in-use bytes (everything, OpenSSL included, with
 * allocator overhead) and the bytes requested through malloc/calloc/realloc/
 * strdup in libregent (wrapped at link time), the registrar's own
 * allocations subtracted from both.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "regent.h"
#include "registrar/registrar.h"
#include "sim_rng.h"

/* ------------------------------------------------ malloc accounting */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);

/* Live bytes by malloc_usable_size, as seen through the wrapped calls. */
static long long live_bytes;
static long long live_blocks;

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);

	if (p != NULL) {
		live_bytes += (long long)malloc_usable_size(p);
		live_blocks++;
	}
	return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
	void *p = __real_calloc(n, m);

	if (p != NULL) {
		live_bytes += (long long)malloc_usable_size(p);
		live_blocks++;
	}
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	size_t old = p != NULL ? malloc_usable_size(p) : 0;
	void *q = __real_realloc(p, n);

	if (q != NULL) {
		live_bytes += (long long)malloc_usable_size(q) - (long long)old;
		if (p == NULL)
			live_blocks++;
	} else if (n == 0 && p != NULL) {
		live_bytes -= (long long)old;
		live_blocks--;
	}
	return q;
}

void __wrap_free(void *p)
{
	if (p != NULL) {
		live_bytes -= (long long)malloc_usable_size(p);
		live_blocks--;
	}
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	size_t l = strlen(s) + 1;
	char *p = __wrap_malloc(l);

	if (p != NULL)
		memcpy(p, s, l);
	return p;
}

/* ------------------------------------------------ the client side */

struct client {
	uint64_t now;
	struct sim_rng rng;
	char out[8192];
	size_t out_len;
	unsigned sent;
};

static uint64_t now_ms(void *arg)
{
	return ((struct client *)arg)->now;
}

static void rnd(void *arg, void *buf, size_t len)
{
	sim_rng_bytes(&((struct client *)arg)->rng, buf, len);
}

static int send_h(void *arg, const char *buf, size_t len)
{
	struct client *c = arg;

	if (len > sizeof(c->out))
		return EMSGSIZE;
	memcpy(c->out, buf, len);
	c->out_len = len;
	c->sent++;
	return 0;
}

struct registrar_cost {
	long long heap, live; /* held by the registrar, subtracted */
};

/* The registrar side, excluded from the counts. */
static int serve(struct regent_registrar *rg, struct client *c, struct regent_wbuf *wb,
		 struct registrar_cost *rc)
{
	long long h0 = (long long)mallinfo2().uordblks, l0 = live_bytes;
	int err;

	regent_wbuf_reset(wb);
	err = regent_registrar_handle(rg, c->out, c->out_len, c->now, "127.0.0.1", 5070, wb);
	rc->heap += (long long)mallinfo2().uordblks - h0;
	rc->live += live_bytes - l0;
	return err;
}

struct reg_state {
	bool ok;
};

static void ev_h(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct reg_state *st = arg;

	if (ev->type == REGENT_EV_RESPONSE && ev->status == 200)
		st->ok = true;
}

/* One full registration of a fresh UA + Registerer. Collects instructions
 * around the client's calls when `measure`. Leaves them allocated. */
static int one(struct regent_registrar *rg, struct client *c, struct regent_wbuf *wb,
	       struct registrar_cost *rc, bool measure, struct regent_ua **uap,
	       struct regent_registerer **rp, struct reg_state *st, unsigned idx)
{
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_env env = {now_ms, rnd, c};
	struct regent_sender snd = {NULL, send_h, NULL, c};
	struct regent_flow_info fi = {
	    .transport = REGENT_TP_UDP, .local_port = 5070, .peer_port = 5060};
	struct regent_error e;
	char contact[32];
	int err;

	snprintf(fi.local_host, sizeof(fi.local_host), "127.0.0.1");
	snprintf(fi.peer_host, sizeof(fi.peer_host), "127.0.0.1");
	snprintf(contact, sizeof(contact), "c%u", idx);
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_password = "secret";
	uo.contact_name = contact;
	err = regent_ua_alloc_core(uap, &uo, &env, &snd, &e);
	if (err) {
		fprintf(stderr, "ua: %s\n", e.text);
		return err;
	}
	regent_ua_flow_up(*uap, &fi);
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.event_h = ev_h;
	ro.event_arg = st;
	err = regent_registerer_alloc(rp, *uap, &ro, &e);
	if (err) {
		fprintf(stderr, "registerer: %s\n", e.text);
		return err;
	}

	/* 1. build and send the REGISTER */
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	err = regent_registerer_register(*rp, NULL);
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	if (err || c->sent == 0)
		return err ? err : EPROTO;
	c->now += 1;
	if (serve(rg, c, wb, rc) != 0 || strncmp(wb->buf, "SIP/2.0 401", 11) != 0) {
		fprintf(stderr, "expected a 401\n");
		return EPROTO;
	}
	/* 2. parse the 401, compute the digest, build and send the authorised REGISTER */
	c->sent = 0;
	c->now += 1;
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	regent_ua_recv(*uap, wb->buf, wb->len);
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	if (c->sent == 0) {
		fprintf(stderr, "no authorised REGISTER\n");
		return EPROTO;
	}
	c->now += 1;
	if (serve(rg, c, wb, rc) != 0 || strncmp(wb->buf, "SIP/2.0 200", 11) != 0) {
		fprintf(stderr, "expected a 200\n");
		return EPROTO;
	}
	/* 3. parse the 200 */
	c->now += 1;
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	regent_ua_recv(*uap, wb->buf, wb->len);
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	if (!st->ok || regent_registerer_state(*rp) != REGENT_REG_REGISTERED) {
		fprintf(stderr, "not registered\n");
		return EPROTO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *alg = argc > 1 ? argv[1] : "MD5";
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
	struct regent_registrar_options rgo;
	struct regent_registrar *rg = NULL;
	struct regent_wbuf wb;
	struct client *c = calloc(1, sizeof(*c));
	struct regent_ua **uas = calloc(n + 2, sizeof(*uas));
	struct regent_registerer **regs = calloc(n + 2, sizeof(*regs));
	struct reg_state *sts = calloc(n + 2, sizeof(*sts));
	struct registrar_cost rc = {0, 0};
	struct sim_rng rrng;
	long long heap0, live0, heap1, live1;
	int err = ENOMEM;

	regent_wbuf_init_dynamic(&wb, 65536);
	if (c == NULL || uas == NULL || regs == NULL || sts == NULL || n == 0)
		goto out;
	c->now = 1000000;
	sim_rng_seed(&c->rng, 1);
	sim_rng_seed(&rrng, 2);
	regent_registrar_options_init(&rgo);
	rgo.realm = "example.com";
	rgo.auth = true;
	rgo.digest_algs = alg;
	rgo.random = sim_rng_fill;
	rgo.random_arg = &rrng;
	err = regent_registrar_alloc(&rg, &rgo);
	if (err)
		goto out;
	err = regent_registrar_add_user(rg, "alice", "secret");
	if (err)
		goto out;

	/* Warm-up, then the measured registration. */
	err = one(rg, c, &wb, &rc, false, &uas[n], &regs[n], &sts[n], n);
	if (!err)
		err = one(rg, c, &wb, &rc, true, &uas[n + 1], &regs[n + 1], &sts[n + 1], n + 1);
	if (err)
		goto out;
	printf("cost: one authenticated registration (%s) done; instructions: see callgrind "
	       "(collected only around the client calls)\n",
	       alg);

	/* Heap per idle registered UA + Registerer. */
	rc.heap = rc.live = 0;
	heap0 = (long long)mallinfo2().uordblks;
	live0 = live_bytes;
	for (unsigned i = 0; i < n; i++) {
		err = one(rg, c, &wb, &rc, false, &uas[i], &regs[i], &sts[i], i);
		if (err)
			goto out;
	}
	heap1 = (long long)mallinfo2().uordblks;
	live1 = live_bytes;
	printf(
	    "heap: %u idle registered UA+Registerer pairs (cached credentials, %s): "
	    "%.0f bytes each in use (mallinfo2, allocator overhead included), "
	    "%.0f bytes each in libregent's own malloc blocks (usable size); registrar's %.0f/%.0f "
	    "bytes each excluded\n",
	    n, alg, (double)(heap1 - heap0 - rc.heap) / n, (double)(live1 - live0 - rc.live) / n,
	    (double)rc.heap / n, (double)rc.live / n);
	err = 0;
out:
	if (err)
		fprintf(stderr, "cost: failed: %s\n", strerror(err));
	for (unsigned i = 0; uas != NULL && regs != NULL && i < n + 2; i++) {
		if (regs[i] != NULL)
			regent_registerer_free(regs[i]);
		if (uas[i] != NULL)
			regent_ua_free(uas[i]);
	}
	regent_wbuf_release(&wb);
	if (rg != NULL)
		regent_registrar_free(rg);
	free(uas);
	free(regs);
	free(sts);
	free(c);
	return err ? 1 : 0;
}

/*
 * cost_one_registration — what one complete authenticated registration
 * costs the client side, for BENCHMARKS.md. A bench program (bench/cost), not
 * a test: run it by hand.
 *
 *   valgrind --tool=callgrind --collect-atstart=no ./cost_one_registration \
 *            [MD5|SHA-256] [N=1000] [warm|cold]
 *   callgrind_annotate callgrind.out.<pid> | head
 *
 * Instructions are collected only around the client's calls
 * (CALLGRIND_TOGGLE_COLLECT): build the REGISTER, parse the 401, compute
 * the digest and build the authorised REGISTER, parse the 200. The registrar
 * core runs between them uncollected. One registration first warms up
 * OpenSSL's lazy algorithm fetching, which a long-running process pays once;
 * the second, on a fresh UA and Registerer, is the one measured (third
 * argument "cold": the first instead). Each phase ends with a callgrind dump,
 * so callgrind writes one part per phase; parts 4 and 5 are the refresh
 * that follows (cached credentials: one round trip).
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
#include <time.h>

#include <valgrind/callgrind.h>

#include "msg/msg.h"
#include "regent.h"
#include "registrar/registrar.h"
#include "fake_env.h"
#include "wrap_alloc.h"

/* ------------------------------------------------ the client side */

struct client {
	uint64_t now;
	struct sim_rng rng;
	struct fake_env fe; /* the clock and rng above, as a regent_env */
	char out[8192];
	size_t out_len;
	unsigned sent;
};

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
	long long h0 = (long long)mallinfo2().uordblks, l0 = wrap_alloc.live_bytes;
	int err;

	regent_wbuf_reset(wb);
	err = regent_registrar_handle(rg, c->out, c->out_len, c->now, "127.0.0.1", 5070, wb);
	rc->heap += (long long)mallinfo2().uordblks - h0;
	rc->live += wrap_alloc.live_bytes - l0;
	return err;
}

struct reg_state {
	bool ok;
};

/* Heap by phase, summed over the N pairs (client side only). */
struct heap_acc {
	long long ua, reg, done;       /* live bytes (usable size) */
	long long ua_m, reg_m, done_m; /* mallinfo2 in-use bytes */
	long long blocks;
};

/* Wall time spent in the client's calls (nanoseconds), summed. */
static long long client_ns;

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long inuse(void)
{
	return (long long)mallinfo2().uordblks;
}

static void ev_h(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	struct reg_state *st = arg;

	if (ev->type == REGENT_EV_RESPONSE && ev->status == 200)
		st->ok = true;
}

/* The client's handling of the message in wb, as one step of the profile:
 * collected (and dumped as `step`) under callgrind when `measure`, its wall
 * time added to *ns when ns is not NULL. */
static void recv_measured(struct regent_ua *ua, const struct regent_wbuf *wb, bool measure,
			  const char *step, long long *ns)
{
	long long t0 = 0;

	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	if (ns != NULL)
		t0 = mono_ns();
	regent_ua_recv(ua, wb->buf, wb->len);
	if (ns != NULL)
		*ns += mono_ns() - t0;
	if (measure) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(step);
	}
}

/* One full registration of a fresh UA + Registerer. Collects instructions
 * around the client's calls when `measure`. Leaves them allocated. */
static int one(struct regent_registrar *rg, struct client *c, struct regent_wbuf *wb,
	       struct registrar_cost *rc, bool measure, struct regent_ua **uap,
	       struct regent_registerer **rp, struct reg_state *st, unsigned idx,
	       struct heap_acc *acc)
{
	long long l0 = wrap_alloc.live_bytes, m0 = inuse(), b0 = wrap_alloc.live_blocks, l1, m1, l2,
		  m2;
	struct registrar_cost rc0 = *rc;
	long long t0;
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_env env;
	struct regent_sender snd = {NULL, send_h, NULL, c};
	struct regent_flow_info fi = {
	    .transport = REGENT_TP_UDP, .local_port = 5070, .peer_port = 5060};
	struct regent_error e;
	char contact[32], uri[64];
	int err;

	fake_env_init(&c->fe, &env, &c->now, &c->rng);
	snprintf(fi.local_host, sizeof(fi.local_host), "127.0.0.1");
	snprintf(fi.peer_host, sizeof(fi.peer_host), "127.0.0.1");
	/* One AOR per UA, as in a load test (a registrar caps bindings per AOR). */
	snprintf(contact, sizeof(contact), "c%u", idx);
	snprintf(uri, sizeof(uri), "sip:u%u@example.com", idx);
	regent_ua_options_init(&uo);
	uo.uri = uri;
	uo.authorization_password = "secret";
	uo.contact_name = contact;
	err = regent_ua_alloc_core(uap, &uo, &env, &snd, &e);
	if (err) {
		fprintf(stderr, "ua: %s\n", e.text);
		return err;
	}
	regent_ua_flow_up(*uap, &fi);
	l1 = wrap_alloc.live_bytes;
	m1 = inuse();
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.event_h = ev_h;
	ro.event_arg = st;
	err = regent_registerer_alloc(rp, *uap, &ro, &e);
	if (err) {
		fprintf(stderr, "registerer: %s\n", e.text);
		return err;
	}
	l2 = wrap_alloc.live_bytes;
	m2 = inuse();

	/* 1. build and send the REGISTER */
	if (measure)
		CALLGRIND_TOGGLE_COLLECT;
	t0 = mono_ns();
	err = regent_registerer_register(*rp, NULL);
	client_ns += mono_ns() - t0;
	if (measure) {
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT("1 build and send REGISTER");
	}
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
	recv_measured(*uap, wb, measure, "2 parse 401, digest, build and send authorised REGISTER",
		      &client_ns);
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
	recv_measured(*uap, wb, measure, "3 parse 200", &client_ns);
	if (!st->ok || regent_registerer_state(*rp) != REGENT_REG_REGISTERED) {
		fprintf(stderr, "not registered\n");
		return EPROTO;
	}
	if (acc != NULL) {
		acc->ua += l1 - l0;
		acc->ua_m += m1 - m0;
		acc->reg += l2 - l1;
		acc->reg_m += m2 - m1;
		acc->done += wrap_alloc.live_bytes - l2 - (rc->live - rc0.live);
		acc->done_m += inuse() - m2 - (rc->heap - rc0.heap);
		acc->blocks += wrap_alloc.live_blocks - b0;
	}
	return 0;
}

/* A refresh of a registered UA: the timer fires, the REGISTER goes out with
 * the cached credentials (next nc), the 200 comes back. One round trip. */
static int refresh(struct regent_registrar *rg, struct client *c, struct regent_wbuf *wb,
		   struct registrar_cost *rc, struct regent_ua *ua, bool measure)
{
	/* Timers before the refresh (timer K ends the last transaction) are
	 * client work too: counted with it. */
	c->sent = 0;
	for (int k = 0; k < 16 && c->sent == 0 && regent_ua_next_deadline(ua) != UINT64_MAX; k++) {
		c->now = regent_ua_next_deadline(ua);
		if (measure)
			CALLGRIND_TOGGLE_COLLECT;
		regent_ua_process(ua);
		if (measure)
			CALLGRIND_TOGGLE_COLLECT;
	}
	if (measure)
		CALLGRIND_DUMP_STATS_AT("4 refresh: timers, build and send REGISTER with cached "
					"credentials");
	if (c->sent == 0) {
		fprintf(stderr, "no refresh sent\n");
		return EPROTO;
	}
	c->now += 1;
	if (serve(rg, c, wb, rc) != 0 || strncmp(wb->buf, "SIP/2.0 200", 11) != 0) {
		fprintf(stderr, "refresh not answered 200 at once: %.40s\n", wb->buf);
		return EPROTO;
	}
	c->now += 1;
	recv_measured(ua, wb, measure, "5 refresh: parse 200", NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *alg = argc > 1 ? argv[1] : "MD5";
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
	bool cold = argc > 3 && strcmp(argv[3], "cold") == 0;
	/* "none": no client requests, for a flat profile with
	 * --toggle-collect=regent_registerer_register --toggle-collect=regent_ua_recv
	 * --toggle-collect=regent_ua_process */
	bool none = argc > 3 && strcmp(argv[3], "none") == 0;
	struct regent_registrar_options rgo;
	struct regent_registrar *rg = NULL;
	struct regent_wbuf wb;
	struct client *c = calloc(1, sizeof(*c));
	struct regent_ua **uas = calloc(n + 2, sizeof(*uas));
	struct regent_registerer **regs = calloc(n + 2, sizeof(*regs));
	struct reg_state *sts = calloc(n + 2, sizeof(*sts));
	struct registrar_cost rc = {0, 0};
	struct heap_acc acc = {0};
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
	rgo.nonce_lifetime_s = 3600; /* the refresh below reuses the nonce */
	rgo.random = sim_rng_fill;
	rgo.random_arg = &rrng;
	err = regent_registrar_alloc(&rg, &rgo);
	if (err)
		goto out;
	for (unsigned i = 0; i < n + 2; i++) {
		char user[32];

		snprintf(user, sizeof(user), "u%u", i);
		err = regent_registrar_add_user(rg, user, "secret");
		if (err)
			goto out;
	}

	/* Warm-up, then the measured registration. */
	err = one(rg, c, &wb, &rc, cold && !none, &uas[n], &regs[n], &sts[n], n, NULL);
	if (!err)
		err = one(rg, c, &wb, &rc, !cold && !none, &uas[n + 1], &regs[n + 1], &sts[n + 1],
			  n + 1, NULL);
	if (!err)
		err = refresh(rg, c, &wb, &rc, uas[n + 1], !cold && !none);
	if (err)
		goto out;
	printf("cost: one authenticated registration (%s) done; instructions: see callgrind "
	       "(collected only around the client calls)\n",
	       alg);
	fflush(stdout);

	/* Heap per idle registered UA + Registerer. */
	rc.heap = rc.live = 0;
	client_ns = 0;
	heap0 = (long long)mallinfo2().uordblks;
	live0 = wrap_alloc.live_bytes;
	for (unsigned i = 0; i < n; i++) {
		err = one(rg, c, &wb, &rc, false, &uas[i], &regs[i], &sts[i], i, &acc);
		if (err)
			goto out;
	}
	heap1 = (long long)mallinfo2().uordblks;
	live1 = wrap_alloc.live_bytes;
	printf(
	    "heap: %u idle registered UA+Registerer pairs (cached credentials, %s): "
	    "%.0f bytes each in use (mallinfo2, allocator overhead included), "
	    "%.0f bytes each in libregent's own malloc blocks (usable size); registrar's %.0f/%.0f "
	    "bytes each excluded\n",
	    n, alg, (double)(heap1 - heap0 - rc.heap) / n, (double)(live1 - live0 - rc.live) / n,
	    (double)rc.heap / n, (double)rc.live / n);
	printf("time: %.2f us of wall time per registration in the client calls (build REGISTER, "
	       "401 → authorised REGISTER, 200; no sockets), mean of %u\n",
	       (double)client_ns / 1000.0 / n, n);
	printf("heap by phase, per pair (usable / in use): UA after flow up %.0f / %.0f, "
	       "Registerer allocated %.0f / %.0f, registration done (cached credentials, bindings, "
	       "timers) %.0f / %.0f; %.1f blocks per pair\n",
	       (double)acc.ua / n, (double)acc.ua_m / n, (double)acc.reg / n, (double)acc.reg_m / n,
	       (double)acc.done / n, (double)acc.done_m / n, (double)acc.blocks / n);
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

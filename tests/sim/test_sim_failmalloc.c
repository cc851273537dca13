/*
 * test_sim_failmalloc — every allocation of a full registration fails once,
 * in turn (in the spirit of nghttp2's failmalloc test).
 *
 * The scenario, all client side through regent_ua_alloc_core with a sender
 * that hands each message to the registrar core (regent_registrar_handle)
 * in virtual time: allocate the UA and a Registerer, REGISTER, 401, the
 * authorised REGISTER, 200, a refresh with the cached credentials, 200,
 * dispose() (un-REGISTER, 200), free. Run k makes the k-th allocation of
 * the client side fail (malloc, calloc, realloc and strdup are wrapped at
 * link time, see CMakeLists.txt, and OpenSSL's allocations are routed
 * through the same wrappers; the registrar's own allocations are never
 * failed), for k = 1, 2, ... until a run makes no k-th allocation.
 *
 * Each failure must end cleanly: an error return (ENOMEM), or a failure
 * event (a local response, REGISTRATION_LOST, WILL_RETRY, a state other
 * than the one the scenario expects), or the scenario completing anyway (a
 * retransmission or a retry absorbed it); never silence (the scenario not
 * completed and nothing said), a crash (ASan/UBSan), or a leak: the blocks
 * live through the wrappers after the teardown must be those before it.
 */
#include <errno.h>
#include <execinfo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "regent.h"
#include "msg/msg.h"
#include "registrar/registrar.h"
#include "sim_rng.h"
#include "wrap_alloc.h"

/* OpenSSL's allocations (the digests) go through the same counter: set
 * before OpenSSL allocates anything (first thing in main). */
static void *ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return __wrap_malloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return __wrap_realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	__wrap_free(p);
}

/* "binary(function+0x..)" of an allocation's caller, for the messages:
 * `addr2line -e <binary> -f <offset>` names the line. */
static const char *site_name(void *site)
{
	static char buf[256];
	char **s = backtrace_symbols(&site, 1);

	snprintf(buf, sizeof(buf), "%s", s ? s[0] : "?");
	__real_free(s); /* allocated inside glibc, not through the wrappers */
	return buf;
}

/* ------------------------------------------------ the scenario */

#define QMAX 8

struct run {
	uint64_t now;
	struct sim_rng rng, rrng;
	struct regent_registrar *rg;
	struct regent_ua *ua;
	struct regent_registerer *reg;
	char q[QMAX][8192]; /* messages the UA sent, not yet handled */
	size_t qlen[QMAX], qn;
	int api_err;	    /* first non-zero return of an API call */
	char err_text[256]; /* its regent_error text, if it has one */
	bool failure_ev;    /* a failure event was reported */
	unsigned ok200;	    /* 200 responses to REGISTER seen */
	bool terminated;
};

static uint64_t now_ms(void *arg)
{
	return ((struct run *)arg)->now;
}

static void rnd(void *arg, void *buf, size_t len)
{
	sim_rng_bytes(&((struct run *)arg)->rng, buf, len);
}

static int send_h(void *arg, const char *buf, size_t len)
{
	struct run *r = arg;

	if (r->qn == QMAX || len > sizeof(r->q[0]))
		return ENOBUFS;
	memcpy(r->q[r->qn], buf, len);
	r->qlen[r->qn++] = len;
	return 0;
}

static void ev_h(struct regent_registerer *reg, const struct regent_event *ev, void *arg)
{
	(void)reg;
	struct run *r = arg;

	switch (ev->type) {
	case REGENT_EV_RESPONSE:
		if (ev->local || ev->status >= 300)
			r->failure_ev |= ev->status != 401;
		if (ev->status == 200)
			r->ok200++;
		break;
	case REGENT_EV_WILL_RETRY:
	case REGENT_EV_REGISTRATION_LOST:
		r->failure_ev = true;
		break;
	case REGENT_EV_STATE_CHANGED:
		if (ev->state == REGENT_REG_TERMINATED)
			r->terminated = true;
		break;
	default:
		break;
	}
}

static void api(struct run *r, int err, const struct regent_error *e)
{
	if (err && !r->api_err) {
		r->api_err = err;
		snprintf(r->err_text, sizeof(r->err_text), "%s", e ? e->text : "");
	}
}

/* Hands queued messages to the registrar and its answers to the UA, and
 * runs the UA's timers, until virtual time `until` or until `done`. */
static void pump(struct run *r, uint64_t until, bool (*done)(struct run *))
{
	struct regent_wbuf wb;

	regent_wbuf_init_dynamic(&wb, 65536);
	for (int steps = 0; steps < 2000 && !done(r); steps++) {
		if (r->qn > 0) {
			char msg[8192];
			size_t len = r->qlen[0];

			memcpy(msg, r->q[0], len);
			memmove(r->q, r->q + 1, (r->qn - 1) * sizeof(r->q[0]));
			memmove(r->qlen, r->qlen + 1, (r->qn - 1) * sizeof(r->qlen[0]));
			r->qn--;
			wrap_alloc.armed = false;
			regent_wbuf_reset(&wb);
			r->now += 5;
			if (regent_registrar_handle(r->rg, msg, len, r->now, "127.0.0.1", 5070,
						    &wb) == 0) {
				r->now += 5;
				wrap_alloc.armed = true;
				regent_ua_recv(r->ua, wb.buf, wb.len);
			}
			wrap_alloc.armed = true;
			continue;
		}
		uint64_t d = regent_ua_next_deadline(r->ua);

		if (d == UINT64_MAX || d > until)
			break;
		if (d > r->now)
			r->now = d;
		regent_ua_process(r->ua);
	}
	wrap_alloc.armed = false;
	regent_wbuf_release(&wb);
	wrap_alloc.armed = true;
}

static bool registered(struct run *r)
{
	return r->ok200 >= 1 && regent_registerer_state(r->reg) == REGENT_REG_REGISTERED;
}

static bool refreshed(struct run *r)
{
	return r->ok200 >= 2;
}

static bool terminated(struct run *r)
{
	return r->terminated;
}

static bool never(struct run *r)
{
	(void)r;
	return false;
}

/* One run failing allocation `fail` (0: none). True if the whole scenario
 * completed. */
static bool scenario(struct run *r)
{
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_env env = {now_ms, rnd, r};
	struct regent_sender snd = {NULL, send_h, NULL, r};
	struct regent_flow_info fi = {
	    .transport = REGENT_TP_UDP, .local_port = 5070, .peer_port = 5060};
	struct regent_error e;
	bool complete = false;
	uint64_t t0;

	strcpy(fi.local_host, "127.0.0.1");
	strcpy(fi.peer_host, "127.0.0.1");
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_password = "secret";
	uo.contact_name = "alice";
	regent_registerer_options_init(&ro);
	ro.log_configuration = true; /* its allocations fail too */
	ro.event_h = ev_h;
	ro.event_arg = r;

	wrap_alloc.armed = true;
	e.text[0] = '\0';
	api(r, regent_ua_alloc_core(&r->ua, &uo, &env, &snd, &e), &e);
	if (r->api_err)
		goto out;
	regent_ua_flow_up(r->ua, &fi);
	api(r, regent_registerer_alloc(&r->reg, r->ua, &ro, &e), &e);
	if (r->api_err)
		goto out;
	api(r, regent_registerer_register(r->reg, NULL), NULL);
	t0 = r->now;
	/* 401, authorised REGISTER, 200 (retransmissions and retries included) */
	pump(r, t0 + 60000, registered);
	if (!registered(r))
		goto out;
	/* the refresh, with the cached credentials */
	pump(r, r->now + 600 * 1000, refreshed);
	if (!refreshed(r))
		goto out;
	api(r, regent_registerer_dispose(r->reg, 5000), NULL);
	pump(r, r->now + 10000, terminated);
	complete = r->terminated;
	/* the last timers (timer K), so that nothing is left pending */
	pump(r, r->now + 60000, never);
out:
	if (r->reg)
		regent_registerer_free(r->reg);
	if (r->ua)
		regent_ua_free(r->ua);
	wrap_alloc.armed = false;
	r->reg = NULL;
	r->ua = NULL;
	return complete;
}

static int run_once(unsigned long fail, bool *complete, struct run *r)
{
	struct regent_registrar_options rgo;
	long live0;

	memset(r, 0, sizeof(*r));
	r->now = 1000000;
	sim_rng_seed(&r->rng, 1);
	sim_rng_seed(&r->rrng, 2);
	wrap_alloc.armed = false;
	live0 = wrap_alloc.live_blocks;
	regent_registrar_options_init(&rgo);
	rgo.realm = "example.com";
	rgo.auth = true;
	rgo.random = sim_rng_fill;
	rgo.random_arg = &r->rrng;
	if (regent_registrar_alloc(&r->rg, &rgo) != 0 ||
	    regent_registrar_add_user(r->rg, "alice", "secret") != 0)
		return -1;
	wrap_alloc.n = 0;
	wrap_alloc.fail = fail;
	wrap_alloc.injected = false;
	wrap_alloc.site = NULL;
	*complete = scenario(r);
	regent_registrar_free(r->rg);
	r->rg = NULL;
	/* A failed OpenSSL allocation leaves an entry, with its data, on the
	 * thread's error queue (bounded, reused): not a leak of ours. */
	ERR_clear_error();
	return (int)(wrap_alloc.live_blocks - live0);
}

/* Defects known and reported (in src/reg, being rewritten elsewhere), each
 * with the error text it gives: a run that shows one says so and is not
 * counted as a failure. Remove the entry with the fix. */
static const struct known {
	int err;
	const char *text;
	const char *what;
} known_defects[] = {
    {EINVAL, "registrar: cannot derive it from uri",
     "src/reg/alloc.c default_registrar(): NULL for both a bad AOR and ENOMEM, so "
     "regent_registerer_alloc() says EINVAL when malloc fails"},
};

static const struct known *known_defect(const struct run *r)
{
	for (size_t i = 0; i < sizeof(known_defects) / sizeof(known_defects[0]); i++) {
		if (r->api_err == known_defects[i].err &&
		    strcmp(r->err_text, known_defects[i].text) == 0)
			return &known_defects[i];
	}
	return NULL;
}

static void every_allocation_fails_once(void **state)
{
	(void)state;
	static struct run run; /* not on the heap: a failed check leaves no leak */
	struct run *r = &run;
	unsigned long total, k, sites = 0, by_error = 0, by_event = 0, absorbed = 0, defects = 0;
	void *seen[512];
	bool complete;
	int leaked;

	/* OpenSSL fills its caches (algorithm fetches) in the first run and
	 * keeps them: a warm-up run first, as a long-lived process has had. */
	(void)run_once(0, &complete, r);
	/* No failure: the scenario completes; its allocations are the count. */
	leaked = run_once(0, &complete, r);
	assert_true(complete);
	assert_int_equal(leaked, 0);
	total = wrap_alloc.n;
	assert_true(total > 10);
	for (k = 1;; k++) {
		bool known = false;

		leaked = run_once(k, &complete, r);
		if (!wrap_alloc.injected)
			break; /* the run made fewer than k allocations: all done */
		if (leaked != 0) {
			print_error("allocation %lu (called from %s) failing leaks %d block(s)\n",
				    k, site_name(wrap_alloc.site), leaked);
			defects++;
		}
		if (r->api_err) {
			const struct known *kd = known_defect(r);

			if (kd)
				print_message("allocation %lu: known defect: %s\n", k, kd->what);
			else if (r->api_err != ENOMEM) {
				print_error(
				    "allocation %lu (called from %s) failing returns %d (%s: "
				    "%s), not ENOMEM\n",
				    k, site_name(wrap_alloc.site), r->api_err, strerror(r->api_err),
				    r->err_text);
				defects++;
			}
			by_error++;
		} else if (r->failure_ev) {
			by_event++;
		} else if (complete) {
			absorbed++;
		} else {
			print_error("allocation %lu (called from %s) failing ends in silence: "
				    "no error, no failure event, scenario not completed\n",
				    k, site_name(wrap_alloc.site));
			defects++;
		}
		for (unsigned long i = 0; i < sites; i++)
			known |= seen[i] == wrap_alloc.site;
		if (!known && sites < sizeof(seen) / sizeof(seen[0]))
			seen[sites++] = wrap_alloc.site;
	}
	print_message("failmalloc: %lu allocations in a full registration (%lu call sites), each "
		      "failed once: %lu error returns, %lu failure events, %lu absorbed; %lu "
		      "defects\n",
		      k - 1, sites, by_error, by_event, absorbed, defects);
	assert_int_equal(defects, 0);
	assert_true(k - 1 >= total);
}

int main(void)
{
	if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_allocation_fails_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sim_defects — each defect numbered 1–12 in SIP.js's Registerer
 * (docs/sipjs-differences.md, same numbering) shown absent in regent, one test per defect,
 * with the real Registerer and the real registrar core in virtual time.
 * Odd responses the registrar core would never send come from script hooks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "sim_test_util.h"

#define T_F 32000 /* timer F with the default T1 = 500 ms (RFC 3261 §17.1.2.2) */

static bool is_register_with_contact(const struct regent_msg *req)
{
	return regent_pl_eq_str(regent_msg_method(req), "REGISTER") &&
	       regent_msg_hdr_find(req, REGENT_HDR_CONTACT, NULL, NULL) != NULL;
}

/* Event index of the first RESPONSE with this status, or -1. */
static long first_status(const struct sim_harness *h, uint16_t status)
{
	for (size_t i = 0; i < h->n_ev; i++)
		if (h->ev[i].type == REGENT_EV_RESPONSE && h->ev[i].status == status)
			return (long)i;
	return -1;
}

/* Times of REQUEST_SENT events other than auth retries (new attempts). */
static size_t attempt_times(const struct sim_harness *h, uint64_t *t, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_ev && n < max; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT &&
		    h->ev[i].reason != REGENT_SEND_AUTH_RETRY)
			t[n++] = h->ev[i].t;
	return n;
}

/* ------------------------------------------------------------ defect 1 */

struct d1 {
	bool zero;
};

static enum sim_script_action d1_script(struct sim_harness *h, const struct regent_msg *req,
					const char *resp, size_t len, struct regent_wbuf *out,
					void *arg)
{
	(void)h;
	const struct d1 *c = arg;
	char ct[512], extra[640];

	if (sim_status_of(resp, len) != 200 || !is_register_with_contact(req))
		return SIM_PASS;
	if (c->zero) {
		/* The registrar "grants" 0: our binding is gone. */
		if (!sim_contact_of(req, ct, sizeof(ct)))
			return SIM_PASS;
		snprintf(extra, sizeof(extra), "Contact: %s;expires=0\r\n", ct);
		sim_reply(out, req, 200, "OK", extra);
		return SIM_REPLACE;
	}
	/* RFC 3261 §10.2.4: no expires param on our Contact, an Expires header. */
	sim_edit(out, resp, len, "Expires", true, "Expires: 300\r\n");
	return SIM_REPLACE;
}

static void defect01_expires_header_fallback_and_zero_expires_do_not_loop(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd01);
	struct sim_setup s;
	struct sim_harness *h;
	struct d1 c = {false};
	uint64_t t[64];
	long ok, refresh;
	size_t n;

	/* (a) Contact without ;expires, Expires: 300 header. */
	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	h->script = d1_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, 1000000);
	ok = first_status(h, 200);
	SIM_ASSERT(seed, ok >= 0, "no 200");
	SIM_ASSERT(seed, h->ev[ok].granted_expires == 300,
		   "granted %u, want the Expires header's 300", h->ev[ok].granted_expires);
	refresh = -1;
	for (size_t i = (size_t)ok; i < h->n_ev && refresh < 0; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT &&
		    h->ev[i].reason == REGENT_SEND_REFRESH)
			refresh = (long)i;
	SIM_ASSERT(seed, refresh >= 0, "never refreshed");
	/* Refresh before expiry, with margin, and not early like a NaN timer. */
	SIM_ASSERT(seed,
		   h->ev[refresh].t - h->ev[ok].t >= 150000 &&
		       h->ev[refresh].t - h->ev[ok].t <= 297000,
		   "refresh %" PRIu64 " ms after a 300 s grant", h->ev[refresh].t - h->ev[ok].t);
	n = attempt_times(h, t, 64);
	SIM_ASSERT(seed, n >= 4 && n <= 8, "%zu REGISTER attempts in 1000 s with a 300 s grant", n);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED, "state %s",
		   regent_registerer_state_name(regent_registerer_state(h->reg)));
	sim_stop(h);

	/* (b) ;expires=0 on our Contact in every 200: not a loop. */
	c.zero = true;
	h = sim_start(&s, seed);
	h->script = d1_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_UNTIL(h, 600000);
	SIM_ASSERT(seed, first_status(h, 200) >= 0, "no 200");
	n = attempt_times(h, t, 64);
	SIM_ASSERT(seed, n >= 1 && n <= 30, "%zu attempts in 600 s", n);
	for (size_t i = 1; i < n; i++)
		SIM_ASSERT(seed, t[i] - t[i - 1] >= 1000,
			   "attempts %zu and %zu only %" PRIu64 " ms apart", i - 1, i,
			   t[i] - t[i - 1]);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) != REGENT_REG_REGISTERED,
		   "expires=0 granted, yet REGISTERED");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 2 */

static void defect02_200_without_contact_clears_waiting(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd02);
	struct sim_setup s;
	struct sim_harness *h;
	struct regent_registrar_faults f = {.no_contact_in_200 = true};
	long ok;
	int rc;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	regent_registrar_set_faults(h->registrar, &f);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 1000);
	ok = first_status(h, 200);
	SIM_ASSERT(seed, ok >= 0, "no 200");
	SIM_ASSERT(seed, h->ev[ok].msg == NULL || sim_hdr_count(h->ev[ok].msg, "Contact") == 0,
		   "the fault did not strip Contact");
	SIM_ASSERT(seed, !regent_registerer_waiting(h->reg), "waiting still set after the 200");
	/* Not stranded: a new register() is accepted ... */
	rc = regent_registerer_register(h->reg, NULL);
	SIM_ASSERT(seed, rc == 0, "register() after the odd 200: %d", rc);
	SIM_RUN_FOR(h, 1000);
	SIM_ASSERT(seed, !regent_registerer_waiting(h->reg), "waiting after the second 200");
	/* ... and dispose() finishes. */
	assert_int_equal(regent_registerer_dispose(h->reg, 0), 0);
	SIM_RUN_FOR(h, 10000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_TERMINATED,
		   "dispose did not finish: %s",
		   regent_registerer_state_name(regent_registerer_state(h->reg)));
	SIM_ASSERT(seed, h->max_waiting_ms <= T_F + 1000, "waited %" PRIu64 " ms",
		   h->max_waiting_ms);
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 3 */

struct holds {
	uint64_t samples, held;
};

static void holds_tick(struct sim_harness *h, void *arg)
{
	struct holds *c = arg;

	c->samples++;
	if (sim_registrar_holds(h))
		c->held++;
}

static void defect03_manual_register_during_pending_refresh_keeps_scheduling(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd03);
	struct sim_setup s;
	struct sim_harness *h;
	struct holds c = {0, 0};
	size_t i0, refreshes;
	int rc;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	/* 500 ms each way: every request stays pending for a second. */
	sim_net_link(h->net, SIM_UP)->delay_ms = 500;
	sim_net_link(h->net, SIM_DOWN)->delay_ms = 500;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");

	/* Step until the automatic refresh is on the wire. */
	for (int k = 0; k < 1200 && sim_count_sent(h, REGENT_SEND_REFRESH, 0) == 0; k++)
		SIM_RUN_FOR(h, 100);
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_REFRESH, 0) == 1, "no refresh in 120 s");
	SIM_ASSERT(seed, regent_registerer_waiting(h->reg), "refresh not pending");
	rc = regent_registerer_register(h->reg, NULL);
	SIM_ASSERT(seed, rc == EBUSY, "register() during a pending refresh: %d, want EBUSY", rc);

	/* Scheduling is intact: ten minutes of refreshes, binding always held. */
	i0 = h->n_ev;
	h->tick_ms = 1000;
	h->on_tick = holds_tick;
	h->on_tick_arg = &c;
	SIM_RUN_FOR(h, 600000);
	refreshes = sim_count_sent(h, REGENT_SEND_REFRESH, i0);
	SIM_ASSERT(seed, c.held == c.samples, "binding missing %" PRIu64 " of %" PRIu64 " s",
		   c.samples - c.held, c.samples);
	SIM_ASSERT(seed, refreshes >= 10 && refreshes <= 40, "%zu refreshes in 10 min", refreshes);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");

	/* A manual register() while idle is a refresh; it does not add a timer. */
	for (int k = 0; k < 100 && regent_registerer_waiting(h->reg); k++)
		SIM_RUN_FOR(h, 100);
	SIM_ASSERT(seed, regent_registerer_register(h->reg, NULL) == 0, "manual register refused");
	i0 = h->n_ev;
	SIM_RUN_FOR(h, 600000);
	refreshes = sim_count(h, REGENT_EV_REQUEST_SENT, i0);
	SIM_ASSERT(seed, refreshes >= 10 && refreshes <= 40,
		   "%zu requests in the 10 min after a manual register", refreshes);
	for (size_t m = 0; m < h->n_min; m++)
		SIM_ASSERT(seed, h->min_requests[m] <= 4, "minute %zu carried %u REGISTERs", m,
			   h->min_requests[m]);
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 4 */

static enum sim_script_action d4_script(struct sim_harness *h, const struct regent_msg *req,
					const char *resp, size_t len, struct regent_wbuf *out,
					void *arg)
{
	(void)arg;
	char ct[512], extra[2048];
	struct regent_contact rc;
	struct regent_msg_iter it = {0};

	if (sim_status_of(resp, len) != 200 || !is_register_with_contact(req))
		return SIM_PASS;
	if (regent_msg_contact_next(req, &it, &rc) != 0 || !rc.has_expires || rc.expires == 0)
		return SIM_PASS;
	if (!sim_contact_of(req, ct, sizeof(ct)))
		return SIM_PASS;
	/* Our binding as the registrar saw it (600), our binding again as an
	 * SBC rewrote its host (300), and a stale binding of another device
	 * with the same user part (20), last: SIP.js would have used the last. */
	snprintf(extra, sizeof(extra),
		 "Contact: <sip:alice-sim@198.51.100.9:40000>;+sip.instance=\"<urn:uuid:%s>\";"
		 "reg-id=1;expires=300\r\n"
		 "Contact: %s;expires=600\r\n"
		 "Contact: <sip:alice-sim@192.0.2.77:5060;transport=udp>;+sip.instance="
		 "\"<urn:uuid:00000000-0000-4000-8000-000000000001>\";reg-id=1;expires=20\r\n",
		 h->instance_id, ct);
	sim_reply(out, req, 200, "OK", extra);
	return SIM_REPLACE;
}

static void defect04_several_bindings_same_user_minimum_of_ours_by_instance(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd04);
	struct sim_setup s;
	struct sim_harness *h;
	const struct regent_binding *b = NULL;
	size_t n, ours = 0;
	long ok, refresh;

	sim_setup_init(&s, seed);
	s.reg.expires = 600;
	h = sim_start(&s, seed);
	h->script = d4_script;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	ok = first_status(h, 200);
	SIM_ASSERT(seed, ok >= 0, "no 200");
	SIM_ASSERT(seed, h->ev[ok].granted_expires == 300,
		   "granted %u: want 300, the minimum over our two bindings",
		   h->ev[ok].granted_expires);
	n = regent_registerer_contacts(h->reg, &b);
	SIM_ASSERT(seed, n == 3 && b != NULL, "%zu bindings", n);
	for (size_t i = 0; i < n; i++) {
		bool foreign = strstr(b[i].uri, "192.0.2.77") != NULL;

		SIM_ASSERT(seed, b[i].ours != foreign, "binding %s: ours=%d", b[i].uri, b[i].ours);
		ours += b[i].ours;
	}
	SIM_ASSERT(seed, ours == 2, "%zu bindings ours", ours);
	/* The other device's 20 s binding does not set our timing. */
	SIM_RUN_FOR(h, 400000);
	refresh = -1;
	for (size_t i = (size_t)ok; i < h->n_ev && refresh < 0; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT)
			refresh = (long)i;
	SIM_ASSERT(seed, refresh >= 0, "never refreshed");
	SIM_ASSERT(seed,
		   h->ev[refresh].t - h->ev[ok].t >= 150000 &&
		       h->ev[refresh].t - h->ev[ok].t <= 297000,
		   "refresh %" PRIu64 " ms after a 300 s grant", h->ev[refresh].t - h->ev[ok].t);
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 5 */

struct d5 {
	uint32_t min_expires; /* 0: let the registrar core answer */
};

static enum sim_script_action d5_script(struct sim_harness *h, const struct regent_msg *req,
					const char *resp, size_t len, struct regent_wbuf *out,
					void *arg)
{
	(void)h;
	(void)resp;
	(void)len;
	const struct d5 *c = arg;
	char extra[64];

	if (c->min_expires == 0 || !is_register_with_contact(req))
		return SIM_PASS;
	snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", c->min_expires);
	sim_reply(out, req, 423, "Interval Too Brief", extra);
	return SIM_REPLACE;
}

static void defect05_423_retried_once_and_only_with_a_larger_min_expires(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd05);
	struct sim_setup s;
	struct sim_harness *h;
	struct d5 c = {0};
	char v[64], ct[512];
	long i, ok;
	uint64_t t[64];
	size_t n;

	/* (a) The registrar core wants 120, we ask 30: one retry with 120. */
	sim_setup_init(&s, seed);
	s.reg.expires = 30;
	s.registrar.min_expires = 120;
	h = sim_start(&s, seed);
	h->script = d5_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	SIM_ASSERT(seed, first_status(h, 423) >= 0, "no 423 from the registrar");
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_INTERVAL_RETRY, 0) == 1, "%zu 423 retries",
		   sim_count_sent(h, REGENT_SEND_INTERVAL_RETRY, 0));
	for (i = 0; i < (long)h->n_ev; i++)
		if (h->ev[i].type == REGENT_EV_REQUEST_SENT &&
		    h->ev[i].reason == REGENT_SEND_INTERVAL_RETRY)
			break;
	SIM_ASSERT(seed,
		   h->ev[i].msg != NULL && sim_hdr(h->ev[i].msg, "Contact", 0, ct, sizeof(ct)),
		   "no Contact in the 423 retry");
	SIM_ASSERT(seed, strstr(ct, "expires=120") != NULL, "423 retry Contact: %s", ct);
	SIM_ASSERT(seed, sim_hdr(h->ev[i].msg, "Expires", 0, v, sizeof(v)) && strcmp(v, "120") == 0,
		   "423 retry Expires: %s", v);
	ok = first_status(h, 200);
	SIM_ASSERT(seed, ok >= 0 && h->ev[ok].granted_expires == 120, "no 200 granting 120");
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	sim_stop(h);

	/* (b) A registrar that answers 423 forever: one retry per attempt, no loop. */
	sim_setup_init(&s, seed);
	c.min_expires = 7200;
	h = sim_start(&s, seed);
	h->script = d5_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 10000);
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_INTERVAL_RETRY, 0) == 1,
		   "%zu 423 retries in the first exchange",
		   sim_count_sent(h, REGENT_SEND_INTERVAL_RETRY, 0));
	SIM_ASSERT(seed, regent_registerer_state(h->reg) != REGENT_REG_REGISTERED,
		   "registered against a registrar that only says 423");
	SIM_ASSERT(seed, !regent_registerer_waiting(h->reg), "still waiting after the bound");
	SIM_RUN_FOR(h, 600000);
	n = attempt_times(h, t, 64);
	SIM_ASSERT(seed, n <= 40, "%zu REGISTERs in 10 min against an endless 423", n);
	sim_stop(h);

	/* (c) Min-Expires not larger than asked: no 423 retry at all. */
	sim_setup_init(&s, seed);
	s.reg.expires = 600;
	c.min_expires = 300;
	h = sim_start(&s, seed);
	h->script = d5_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 10000);
	SIM_ASSERT(seed, first_status(h, 423) >= 0, "no 423 seen");
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_INTERVAL_RETRY, 0) == 0,
		   "retried a 423 whose Min-Expires 300 is below the 600 asked");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 6 */

struct d6 {
	unsigned n; /* requests answered so far */
};

static enum sim_script_action d6_script(struct sim_harness *h, const struct regent_msg *req,
					const char *resp, size_t len, struct regent_wbuf *out,
					void *arg)
{
	(void)h;
	(void)resp;
	(void)len;
	struct d6 *c = arg;
	unsigned k = c->n++;

	if (k == 0)
		sim_reply(out, req, 503, "Service Unavailable", "Retry-After: 200\r\n");
	else if (k == 1)
		sim_reply(out, req, 500, "Server Internal Error", "Retry-After: 5 (busy)\r\n");
	else if (k == 2)
		sim_reply(out, req, 408, "Request Timeout", NULL);
	else
		return SIM_PASS;
	return SIM_REPLACE;
}

/* Steps one second at a time until a RESPONSE with `status` is recorded. */
static long step_to_status(struct sim_harness *h, uint16_t status, size_t from)
{
	for (int k = 0; k < 900; k++) {
		for (size_t i = from; i < h->n_ev; i++)
			if (h->ev[i].type == REGENT_EV_RESPONSE && h->ev[i].status == status)
				return (long)i;
		SIM_RUN_FOR(h, 1000);
	}
	return -1;
}

static void defect06_503_500_408_retried_with_retry_after_honoured_and_readable(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd06);
	struct sim_setup s;
	struct sim_harness *h;
	struct d6 c = {0};
	long r503, r500, r408, next;
	int64_t ra;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	h->script = d6_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);

	/* Values no back-off would produce by chance: 200 s after one failure
	 * (back-off <= 60 s), 5 s after two (back-off >= 60 s). Honoured means
	 * not earlier, and not much later. */
	r503 = step_to_status(h, 503, 0);
	SIM_ASSERT(seed, r503 >= 0, "no 503");
	/* Readable after the callback returned, a second later. */
	ra = regent_registerer_retry_after(h->reg);
	SIM_ASSERT(seed, ra == 200, "retry_after %" PRId64 " after a 503 with Retry-After: 200",
		   ra);
	next = sim_find(h, REGENT_EV_WILL_RETRY, (size_t)r503);
	SIM_ASSERT(seed, next >= 0, "no WILL_RETRY after 503");
	SIM_ASSERT(seed, h->ev[next].retry_in_ms >= 200000 && h->ev[next].retry_in_ms <= 250000,
		   "retry in %" PRIu64 " ms after Retry-After: 200", h->ev[next].retry_in_ms);

	r500 = step_to_status(h, 500, (size_t)r503 + 1);
	SIM_ASSERT(seed, r500 >= 0, "no retry answered by 500");
	SIM_ASSERT(seed,
		   h->ev[r500].t - h->ev[r503].t >= 200000 &&
		       h->ev[r500].t - h->ev[r503].t <= 251000,
		   "retried %" PRIu64 " ms after Retry-After: 200", h->ev[r500].t - h->ev[r503].t);
	ra = regent_registerer_retry_after(h->reg);
	SIM_ASSERT(seed, ra == 5, "retry_after %" PRId64 " after 500 with Retry-After: 5", ra);

	r408 = step_to_status(h, 408, (size_t)r500 + 1);
	SIM_ASSERT(seed, r408 >= 0, "no retry answered by 408");
	SIM_ASSERT(seed,
		   h->ev[r408].t - h->ev[r500].t >= 5000 && h->ev[r408].t - h->ev[r500].t <= 7250,
		   "retried %" PRIu64 " ms after Retry-After: 5", h->ev[r408].t - h->ev[r500].t);
	SIM_ASSERT(seed, !h->ev[r408].local, "the registrar's 408 reported as local");
	next = sim_find(h, REGENT_EV_WILL_RETRY, (size_t)r408);
	SIM_ASSERT(seed, next >= 0, "408 not retried");
	SIM_ASSERT(seed, regent_registerer_retry_after(h->reg) == -1,
		   "retry_after %" PRId64 " after a 408 without Retry-After",
		   regent_registerer_retry_after(h->reg));

	SIM_RUN_FOR(h, 1800000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered after the registrar recovered");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 7 */

static void defect07_flow_down_fails_transaction_now_and_reregisters_on_flow_up(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd07);
	struct sim_setup s;
	struct sim_harness *h;
	long resp, sent;
	uint64_t t_down, t_up;

	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	sim_net_link(h->net, SIM_UP)->delay_ms = 1000;
	sim_net_link(h->net, SIM_DOWN)->delay_ms = 1000;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 100);
	SIM_ASSERT(seed, regent_registerer_waiting(h->reg), "request not pending");

	t_down = sim_now(h);
	sim_flow_down(h);
	SIM_RUN_FOR(h, 0);
	resp = sim_find(h, REGENT_EV_RESPONSE, 0);
	SIM_ASSERT(seed, resp >= 0, "the pending transaction did not fail on flow down");
	SIM_ASSERT(seed, h->ev[resp].local, "failure not reported as local");
	SIM_ASSERT(seed, h->ev[resp].t == t_down, "failed %" PRIu64 " ms after the flow died",
		   h->ev[resp].t - t_down);
	SIM_ASSERT(seed, !regent_registerer_waiting(h->reg), "still waiting with the flow down");
	SIM_ASSERT(seed, regent_registerer_register(h->reg, NULL) != EBUSY,
		   "register() blocked by a dead transaction");

	SIM_RUN_FOR(h, 60000);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) != REGENT_REG_REGISTERED,
		   "registered with no flow");
	SIM_ASSERT(seed, h->send_errors <= 5, "%" PRIu64 " sends tried on a dead flow",
		   h->send_errors);

	t_up = sim_now(h);
	sent = (long)h->n_ev;
	sim_flow_up(h);
	SIM_RUN_FOR(h, 10000);
	sent = sim_find(h, REGENT_EV_REQUEST_SENT, (size_t)sent);
	SIM_ASSERT(seed, sent >= 0, "no REGISTER after flow up");
	SIM_ASSERT(seed, h->ev[sent].t - t_up <= 1000, "re-registered %" PRIu64 " ms after flow up",
		   h->ev[sent].t - t_up);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered 10 s after flow up");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 8 */

static void defect08_options_refused_by_name_and_extra_headers_add_and_persist(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd08);
	static const char *const conf[] = {"X-Conf: one"};
	static const char *const once[] = {"X-Once: two"};
	struct regent_request_options ro = {.extra_headers = once, .extra_headers_count = 1};
	struct regent_registerer_options o;
	struct regent_registerer *r;
	struct regent_error e;
	struct sim_setup s;
	struct sim_harness *h;
	long i;
	int rc;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	s.reg.extra_headers = conf;
	s.reg.extra_headers_count = 1;
	h = sim_start(&s, seed);

	/* expires 0 and refresh_frequency 120 are refused, naming the field. */
	regent_registerer_options_init(&o);
	o.expires = 0;
	r = NULL;
	memset(&e, 0, sizeof(e));
	rc = regent_registerer_alloc(&r, h->ua, &o, &e);
	SIM_ASSERT(seed, rc == EINVAL && r == NULL, "expires 0 accepted (%d)", rc);
	SIM_ASSERT(seed, strstr(e.text, "expires") != NULL, "error text: %s", e.text);
	regent_registerer_options_init(&o);
	o.refresh_frequency = 120;
	memset(&e, 0, sizeof(e));
	rc = regent_registerer_alloc(&r, h->ua, &o, &e);
	SIM_ASSERT(seed, rc == EINVAL && r == NULL, "refresh_frequency 120 accepted (%d)", rc);
	SIM_ASSERT(seed, strstr(e.text, "refresh_frequency") != NULL, "error text: %s", e.text);

	/* Per-request headers add to the configured ones, for that request only. */
	assert_int_equal(regent_registerer_register(h->reg, &ro), 0);
	SIM_RUN_FOR(h, 2000);
	i = sim_nth_sent(h, 0);
	SIM_ASSERT(seed, i >= 0 && h->ev[i].msg != NULL, "no first REGISTER");
	SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "X-Conf") == 1, "configured header missing");
	SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "X-Once") == 1, "per-request header missing");
	SIM_RUN_FOR(h, 120000);
	i = -1;
	for (size_t k = 0; k < h->n_ev; k++)
		if (h->ev[k].type == REGENT_EV_REQUEST_SENT &&
		    h->ev[k].reason == REGENT_SEND_REFRESH)
			i = (long)k;
	SIM_ASSERT(seed, i >= 0 && h->ev[i].msg != NULL, "no refresh");
	SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "X-Conf") == 1, "refresh lost X-Conf");
	SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "X-Once") == 0,
		   "the per-request header stuck to a later refresh");

	/* un-REGISTER keeps the configured headers; all=true sends Contact: *. */
	for (int k = 0; k < 100 && regent_registerer_waiting(h->reg); k++)
		SIM_RUN_FOR(h, 100);
	i = (long)h->n_ev;
	assert_int_equal(regent_registerer_unregister(h->reg, true, NULL), 0);
	SIM_RUN_FOR(h, 2000);
	i = sim_find(h, REGENT_EV_REQUEST_SENT, (size_t)i);
	SIM_ASSERT(seed, i >= 0 && h->ev[i].msg != NULL, "no un-REGISTER");
	SIM_ASSERT(seed, h->ev[i].reason == REGENT_SEND_UNREGISTER, "reason %s",
		   regent_send_reason_name(h->ev[i].reason));
	SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "X-Conf") == 1,
		   "un-REGISTER dropped the configured header");
	{
		char v[64];

		SIM_ASSERT(seed,
			   sim_hdr(h->ev[i].msg, "Contact", 0, v, sizeof(v)) && strcmp(v, "*") == 0,
			   "all=true Contact: %s", v);
		SIM_ASSERT(seed,
			   sim_hdr(h->ev[i].msg, "Expires", 0, v, sizeof(v)) && strcmp(v, "0") == 0,
			   "all=true Expires: %s", v);
	}
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_UNREGISTERED, "state %s",
		   regent_registerer_state_name(regent_registerer_state(h->reg)));
	SIM_ASSERT(seed, regent_registrar_count(h->registrar, NULL, h->now) == 0,
		   "the registrar still holds bindings");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 9 */

static void defect09_exactly_one_sip_instance_in_every_contact(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd09);
	struct sim_setup s;
	struct sim_harness *h;
	size_t n = 0;

	sim_setup_init(&s, seed);
	s.ua.instance_id = "3f2c1a7e-9b4d-4c2a-8e1f-5a6b7c8d9e0f";
	s.reg.instance_id = "8d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
	s.reg.reg_id = 1;
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 120000);
	assert_int_equal(regent_registerer_unregister(h->reg, false, NULL), 0);
	SIM_RUN_FOR(h, 5000);
	for (size_t i = 0; i < h->n_ev; i++) {
		char ct[1024];

		if (h->ev[i].type != REGENT_EV_REQUEST_SENT || h->ev[i].msg == NULL)
			continue;
		n++;
		SIM_ASSERT(seed, sim_hdr_count(h->ev[i].msg, "Contact") == 1, "%u Contact headers",
			   sim_hdr_count(h->ev[i].msg, "Contact"));
		SIM_ASSERT(seed, sim_hdr(h->ev[i].msg, "Contact", 0, ct, sizeof(ct)), "no Contact");
		SIM_ASSERT(seed, sim_strcount(ct, "+sip.instance") == 1, "%s REGISTER Contact: %s",
			   regent_send_reason_name(h->ev[i].reason), ct);
		SIM_ASSERT(seed, sim_strcount(ct, "reg-id=") == 1, "Contact: %s", ct);
		SIM_ASSERT(seed, sim_strcount(ct, "urn:uuid:") == 1, "Contact: %s", ct);
	}
	SIM_ASSERT(seed, n >= 4, "only %zu REGISTERs checked", n);
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_UNREGISTER, 0) == 1, "no un-REGISTER");
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 10 */

struct d10 {
	bool sent_407;
	unsigned proxy_checked, proxy_ok;
};

static bool verify_proxy_auth(const struct regent_msg *req)
{
	struct regent_msg_iter it = {0};
	struct regent_credentials cr;
	struct regent_digest_input in;
	char nonce[128], cnonce[128], uri[256], qop[16], nc[16], resp[130], want[130];

	if (regent_msg_credentials_next(req, REGENT_HDR_PROXY_AUTHORIZATION, &it, &cr) != 0)
		return false;
	if (regent_pl_strcpy(cr.nonce, nonce, sizeof(nonce)) ||
	    regent_pl_strcpy(cr.cnonce, cnonce, sizeof(cnonce)) ||
	    regent_pl_strcpy(cr.uri, uri, sizeof(uri)) ||
	    regent_pl_strcpy(cr.qop, qop, sizeof(qop)) || regent_pl_strcpy(cr.nc, nc, sizeof(nc)) ||
	    regent_pl_strcpy(cr.response, resp, sizeof(resp)))
		return false;
	if (!regent_pl_eq_str(cr.username, "alice") ||
	    !regent_pl_eq_str(cr.realm, "proxy.example.com") || strcmp(nonce, "proxynonce1") != 0)
		return false;
	memset(&in, 0, sizeof(in));
	in.alg = REGENT_DIGEST_MD5;
	in.username = "alice";
	in.realm = "proxy.example.com";
	in.password = "secret";
	in.nonce = nonce;
	in.cnonce = cnonce;
	in.method = "REGISTER";
	in.uri = uri;
	in.qop = qop;
	in.nc = (uint32_t)strtoul(nc, NULL, 16);
	if (regent_digest_response(&in, want) != 0)
		return false;
	return strcmp(want, resp) == 0;
}

static enum sim_script_action d10_script(struct sim_harness *h, const struct regent_msg *req,
					 const char *resp, size_t len, struct regent_wbuf *out,
					 void *arg)
{
	(void)h;
	(void)resp;
	(void)len;
	struct d10 *c = arg;
	bool www = regent_msg_hdr_find(req, REGENT_HDR_AUTHORIZATION, NULL, NULL) != NULL;
	bool proxy = regent_msg_hdr_find(req, REGENT_HDR_PROXY_AUTHORIZATION, NULL, NULL) != NULL;

	if (proxy) {
		c->proxy_checked++;
		c->proxy_ok += verify_proxy_auth(req);
		return SIM_PASS;
	}
	if (www && !c->sent_407) {
		/* A proxy on the way wants its own credentials too. */
		c->sent_407 = true;
		sim_reply(out, req, 407, "Proxy Authentication Required",
			  "Proxy-Authenticate: Digest realm=\"proxy.example.com\", "
			  "nonce=\"proxynonce1\", qop=\"auth\", algorithm=MD5\r\n");
		return SIM_REPLACE;
	}
	return SIM_PASS;
}

static void defect10_sha256_chosen_401_and_407_answered_nc_per_nonce_cached(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd10);
	struct sim_setup s;
	struct sim_harness *h;
	struct d10 c = {0};
	char prev_nonce[128] = "", hv[2048], nonce[128], nc[16], alg[32];
	unsigned long prev_nc = 0;
	unsigned nonce_changes = 0, refreshes = 0, one_rtt = 0, with_auth = 0;
	long first, r;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	s.registrar.digest_algs = "SHA-256,MD5";
	s.registrar.nonce_lifetime_s = 300;
	h = sim_start(&s, seed);
	h->script = d10_script;
	h->script_arg = &c;
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 5000);

	/* 401 offering SHA-256 and MD5, then 407; both answered. */
	first = sim_nth_sent(h, 0);
	r = sim_response_after(h, first);
	SIM_ASSERT(seed, r >= 0 && h->ev[r].status == 401, "first response not a 401");
	SIM_ASSERT(seed, h->ev[r].msg && sim_hdr_count(h->ev[r].msg, "WWW-Authenticate") == 2,
		   "the registrar did not offer two challenges");
	r = sim_nth_sent(h, 1);
	SIM_ASSERT(seed, r >= 0 && h->ev[r].reason == REGENT_SEND_AUTH_RETRY, "no auth retry");
	SIM_ASSERT(seed, sim_hdr(h->ev[r].msg, "Authorization", 0, hv, sizeof(hv)),
		   "no Authorization");
	SIM_ASSERT(seed,
		   sim_param(hv, "algorithm", alg, sizeof(alg)) && strcmp(alg, "SHA-256") == 0,
		   "chose %s", alg);
	SIM_ASSERT(seed, c.sent_407, "the 407 was never sent");
	SIM_ASSERT(seed, c.proxy_checked >= 1 && c.proxy_ok == c.proxy_checked,
		   "Proxy-Authorization right in %u of %u requests", c.proxy_ok, c.proxy_checked);
	r = sim_nth_sent(h, 2);
	SIM_ASSERT(seed, r >= 0 && h->ev[r].reason == REGENT_SEND_AUTH_RETRY, "407 not answered");
	SIM_ASSERT(seed,
		   sim_hdr_count(h->ev[r].msg, "Authorization") == 1 &&
		       sim_hdr_count(h->ev[r].msg, "Proxy-Authorization") == 1,
		   "the answer to 407 must carry both credentials");
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");

	/* Twenty minutes of refreshes: nonce lifetime 300 s. */
	SIM_RUN_FOR(h, 1200000);
	for (size_t i = 0; i < h->n_ev; i++) {
		const struct sim_event *e = &h->ev[i];

		if (e->type != REGENT_EV_REQUEST_SENT || e->msg == NULL ||
		    !sim_hdr(e->msg, "Authorization", 0, hv, sizeof(hv)))
			continue;
		with_auth++;
		SIM_ASSERT(seed,
			   sim_param(hv, "nonce", nonce, sizeof(nonce)) &&
			       sim_param(hv, "nc", nc, sizeof(nc)),
			   "Authorization without nonce/nc: %s", hv);
		SIM_ASSERT(seed,
			   sim_param(hv, "algorithm", alg, sizeof(alg)) &&
			       strcmp(alg, "SHA-256") == 0,
			   "algorithm %s", alg);
		if (strcmp(nonce, prev_nonce) == 0) {
			SIM_ASSERT(seed, strtoul(nc, NULL, 16) == prev_nc + 1,
				   "nc %s after %08lx on the same nonce", nc, prev_nc);
		} else {
			SIM_ASSERT(seed, strtoul(nc, NULL, 16) == 1, "nc %s on a new nonce", nc);
			if (prev_nonce[0] != '\0')
				nonce_changes++;
		}
		snprintf(prev_nonce, sizeof(prev_nonce), "%s", nonce);
		prev_nc = strtoul(nc, NULL, 16);
		if (e->reason == REGENT_SEND_REFRESH) {
			refreshes++;
			r = sim_response_after(h, (long)i);
			if (r >= 0 && h->ev[r].status == 200)
				one_rtt++;
		}
	}
	SIM_ASSERT(seed, refreshes >= 20, "%u refreshes with credentials", refreshes);
	SIM_ASSERT(seed, nonce_changes >= 2, "the nonce never went stale (%u changes)",
		   nonce_changes);
	/* Every refresh costs one round trip, except when the nonce went stale. */
	SIM_ASSERT(seed, one_rtt + nonce_changes >= refreshes,
		   "%u of %u refreshes answered 200 at once, %u nonce changes", one_rtt, refreshes,
		   nonce_changes);
	SIM_ASSERT(seed, regent_registerer_state(h->reg) == REGENT_REG_REGISTERED,
		   "not registered");
	(void)with_auth;
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 11 */

static void defect11_refresh_raises_an_event_and_state_does_not_flap(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd11);
	struct sim_setup s;
	struct sim_harness *h;
	size_t refreshes, refreshed, changes, lost;
	long last_reg_left = -1;

	/* (a) A clean network: one transition, one event per refresh. */
	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 1800000);
	refreshes = sim_count_sent(h, REGENT_SEND_REFRESH, 0);
	refreshed = sim_count(h, REGENT_EV_REFRESHED, 0);
	changes = sim_count(h, REGENT_EV_STATE_CHANGED, 0);
	SIM_ASSERT(seed, refreshes >= 30, "%zu refreshes in 30 min at expires 60", refreshes);
	SIM_ASSERT(seed, refreshed == refreshes, "%zu REFRESHED events for %zu refreshes",
		   refreshed, refreshes);
	SIM_ASSERT(seed, changes == 1, "%zu state changes on a clean network", changes);
	sim_stop(h);

	/* (b) A slow, lossy network: refreshes in flight near expiry. Leaving
	 * REGISTERED only happens with a REGISTRATION_LOST, and never flaps. */
	h = sim_start(&s, seed);
	*sim_net_link(h->net, SIM_UP) =
	    (struct sim_link){.loss_permille = 200, .delay_ms = 2000, .jitter_ms = 3000};
	*sim_net_link(h->net, SIM_DOWN) =
	    (struct sim_link){.loss_permille = 200, .delay_ms = 2000, .jitter_ms = 3000};
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 3600000);
	lost = sim_count(h, REGENT_EV_REGISTRATION_LOST, 0);
	for (size_t i = 0; i < h->n_ev; i++) {
		const struct sim_event *e = &h->ev[i];

		if (e->type != REGENT_EV_STATE_CHANGED)
			continue;
		if (e->old_state == REGENT_REG_REGISTERED)
			last_reg_left = (long)i;
		if (e->state == REGENT_REG_REGISTERED && last_reg_left >= 0)
			SIM_ASSERT(seed, e->t - h->ev[last_reg_left].t >= 1000,
				   "flap: REGISTERED again %" PRIu64 " ms after leaving it",
				   e->t - h->ev[last_reg_left].t);
	}
	changes = sim_count(h, REGENT_EV_STATE_CHANGED, 0);
	SIM_ASSERT(seed, changes <= 1 + 2 * lost, "%zu state changes, %zu registrations lost",
		   changes, lost);
	SIM_ASSERT(seed, sim_count(h, REGENT_EV_REFRESHED, 0) >= 30, "%zu refreshes succeeded",
		   sim_count(h, REGENT_EV_REFRESHED, 0));
	sim_stop(h);
}

/* ------------------------------------------------------------ defect 12 */

static void defect12_first_cseq_is_1_and_branch_has_64_random_bits(void **state)
{
	(void)state;
	uint64_t seed = sim_seed(0xd12);
	struct sim_setup s;
	struct sim_harness *h;
	char via[512], branch[128], callid[256], from[512], callid0[256] = "", from0[512] = "";
	char branches[64][128];
	size_t nb = 0;
	uint32_t prev = 0;

	sim_setup_init(&s, seed);
	s.reg.expires = 60;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registerer_register(h->reg, NULL), 0);
	SIM_RUN_FOR(h, 600000);
	for (size_t i = 0; i < h->n_ev && nb < 64; i++) {
		const struct sim_event *e = &h->ev[i];
		char cseq[64];
		const char *rnd;
		bool all_digits = true;

		if (e->type != REGENT_EV_REQUEST_SENT || e->msg == NULL)
			continue;
		SIM_ASSERT(seed, e->cseq == prev + 1, "CSeq %u after %u", e->cseq, prev);
		snprintf(branch, sizeof(branch), "%u REGISTER", e->cseq);
		SIM_ASSERT(seed,
			   sim_hdr(e->msg, "CSeq", 0, cseq, sizeof(cseq)) &&
			       strcmp(cseq, branch) == 0,
			   "CSeq header %s, event says %u", cseq, e->cseq);
		prev = e->cseq;

		SIM_ASSERT(seed, sim_hdr(e->msg, "Via", 0, via, sizeof(via)), "no Via");
		SIM_ASSERT(seed, sim_param(via, "branch", branch, sizeof(branch)), "Via: %s", via);
		SIM_ASSERT(seed, strncmp(branch, "z9hG4bK", 7) == 0, "branch %s", branch);
		rnd = branch + 7;
		for (const char *p = rnd; *p; p++)
			all_digits &= (*p >= '0' && *p <= '9');
		/* >= 64 bits: 16 hex digits, or 11 characters of a 64-symbol alphabet. */
		SIM_ASSERT(seed, strlen(rnd) >= 16 || (!all_digits && strlen(rnd) >= 11),
			   "branch %s carries fewer than 64 random bits", branch);
		for (size_t k = 0; k < nb; k++)
			SIM_ASSERT(seed, strcmp(branches[k], branch) != 0, "branch %s reused",
				   branch);
		snprintf(branches[nb++], sizeof(branches[0]), "%s", branch);

		SIM_ASSERT(seed, sim_hdr(e->msg, "Call-ID", 0, callid, sizeof(callid)),
			   "no Call-ID");
		SIM_ASSERT(seed, sim_hdr(e->msg, "From", 0, from, sizeof(from)), "no From");
		if (callid0[0] == '\0') {
			snprintf(callid0, sizeof(callid0), "%s", callid);
			snprintf(from0, sizeof(from0), "%s", from);
		}
		SIM_ASSERT(seed, strcmp(callid, callid0) == 0, "Call-ID changed");
		SIM_ASSERT(seed, strcmp(from, from0) == 0, "From (tag) changed");
	}
	SIM_ASSERT(seed, nb >= 10, "only %zu REGISTERs", nb);
	SIM_ASSERT(seed, h->ev[sim_nth_sent(h, 0)].cseq == 1, "first CSeq %u",
		   h->ev[sim_nth_sent(h, 0)].cseq);
	SIM_ASSERT(seed, sim_count_sent(h, REGENT_SEND_AUTH_RETRY, 0) >= 1,
		   "no auth retry among the CSeqs checked");
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(defect01_expires_header_fallback_and_zero_expires_do_not_loop),
	    SIM_TEST(defect02_200_without_contact_clears_waiting),
	    SIM_TEST(defect03_manual_register_during_pending_refresh_keeps_scheduling),
	    SIM_TEST(defect04_several_bindings_same_user_minimum_of_ours_by_instance),
	    SIM_TEST(defect05_423_retried_once_and_only_with_a_larger_min_expires),
	    SIM_TEST(defect06_503_500_408_retried_with_retry_after_honoured_and_readable),
	    SIM_TEST(defect07_flow_down_fails_transaction_now_and_reregisters_on_flow_up),
	    SIM_TEST(defect08_options_refused_by_name_and_extra_headers_add_and_persist),
	    SIM_TEST(defect09_exactly_one_sip_instance_in_every_contact),
	    SIM_TEST(defect10_sha256_chosen_401_and_407_answered_nc_per_nonce_cached),
	    SIM_TEST(defect11_refresh_raises_an_event_and_state_does_not_flap),
	    SIM_TEST(defect12_first_cseq_is_1_and_branch_has_64_random_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

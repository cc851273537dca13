/*
 * Issue 11 §2 (the Registerer's part) and §3 (SIP.js parity): the Registerer
 * against scripted responses, with a fake sender, clock and random source
 * (the fixture of test_reg_registerer.c, cut to what these tests need).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "reg/policy.h"
#include "reg_fixture.h"
#include "regent.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A UA from `uo_in` (NULL: alice with contact name reguser) logging at
 * DEBUG with the level on each line, its flow up over TCP (no
 * retransmissions to count). */
static struct reg_fix *fix_ua(const struct regent_ua_options *uo_in)
{
	struct reg_fix *f = reg_fix_alloc(1000000, 0x9e3779b97f4a7c15ull);
	struct regent_ua_options uo;
	struct regent_error e;

	if (uo_in != NULL) {
		uo = *uo_in;
	} else {
		regent_ua_options_init(&uo);
		uo.uri = "sip:alice@example.com";
		uo.contact_name = "reguser";
	}
	uo.log_level = REGENT_LOG_DEBUG;
	f->log_levels = true;
	reg_fix_ua(f, &uo, &e, REGENT_TP_TCP, "192.0.2.10", 5060, "192.0.2.1");
	return f;
}

static void fix_reg(struct reg_fix *f, struct regent_registerer_options *ro_in)
{
	struct regent_registerer_options ro;
	struct regent_error e;

	if (ro_in != NULL)
		ro = *ro_in;
	else
		regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	assert_int_equal(reg_fix_registerer(f, &ro, &e), 0);
}

static struct reg_fix *setup(struct regent_registerer_options *ro)
{
	struct reg_fix *f = fix_ua(NULL);

	fix_reg(f, ro);
	return f;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* ------------------------------------------------------------ §2 */

static void retry_after_cap_table(void **state)
{
	static const struct {
		uint32_t ra, max, want;
		bool capped;
	} tab[] = {
	    {60, 1800, 60, false},
	    {1800, 1800, 1800, false},
	    {1801, 1800, 1800, true},
	    {4294967295u, 1800, 1800, true}, /* a clamped overlarge value */
	    {4294967295u, 86400, 86400, true},
	    {0, 1800, 0, false},
	    {3600, 0, 3600, false}, /* no cap configured */
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++) {
		bool capped = !tab[i].capped;
		uint32_t got = regent_reg_retry_after_cap(tab[i].ra, tab[i].max, &capped);

		if (got != tab[i].want || capped != tab[i].capped)
			fail_msg("row %zu: %u %d, want %u %d", i, got, capped, tab[i].want,
				 tab[i].capped);
	}
}

static void overlarge_retry_after_is_capped_at_retry_max_and_said_so(void **state)
{
	struct regent_registerer_options ro;
	struct reg_fix *f;
	long w;

	(void)state;
	regent_registerer_options_init(&ro);
	ro.retry_max_s = 1800;
	f = setup(&ro);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 503, "Service Unavailable", "Retry-After: 99999999999\r\n");
	assert_int_equal(regent_registerer_retry_after(f->reg), 1800);
	w = reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0);
	assert_true(w >= 0);
	assert_true(f->ev[w].ev.retry_in_ms >= 1800000 && f->ev[w].ev.retry_in_ms <= 1980000);
	assert_non_null(strstr(f->ev[w].why, "capped at 1800 s"));
	assert_non_null(strstr(f->log, "capped at retry_max_s 1800 s"));
	/* and it does go out then, not in 136 years */
	reg_fix_run_until_requests(f, 2, 1980000);
	assert_int_equal(f->nsent, 2);
	assert_true(f->now - 1000000 >= 1800000);
	reg_fix_free(f);
}

static void odd_final_response_is_used_counted_and_logged_once(void **state)
{
	struct regent_ua_stats st;
	struct reg_fix *f = setup(NULL);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 500, "Server Error", "Expires: 99999999999\r\nMin-Expires: -3\r\n");
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_RESPONSE), 1);
	reg_fix_run_until_requests(f, 2, 3600000); /* the back-off retry */
	assert_int_equal(f->nsent, 2);
	reg_fix_reply(f, 1, 500, "Server Error", "Retry-After: x\r\nRetry-After: 99999999999\r\n");
	regent_ua_stats(f->ua, &st);
	assert_int_equal(st.odd_responses, 2);
	assert_int_equal(count_str(f->log, "odd value"), 1);
	assert_non_null(strstr(f->log, "1 registerer"));
	assert_non_null(strstr(f->log, "Expires, Min-Expires"));
	reg_fix_free(f);
}

static void branch_ours_but_other_call_id_or_tag_is_dropped_counted_logged(void **state)
{
	struct regent_ua_stats st;
	struct reg_fix *f = setup(NULL);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_ids(f, 0, 200, "OK", NULL, "someone-else@192.0.2.99", NULL);
	reg_fix_reply_ids(f, 0, 200, "OK", NULL, NULL, "nottag");
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_RESPONSE), 0);
	assert_true(regent_registerer_waiting(f->reg));
	regent_ua_stats(f->ua, &st);
	assert_int_equal(st.mismatched_dropped, 2);
	assert_int_equal(st.unmatched_dropped, 0);
	assert_int_equal(count_str(f->log, "Call-ID or From tag"), 1); /* once a second */
	f->now += 1000;
	reg_fix_reply_ids(f, 0, 404, "Not Found", NULL, "x@y", "z");
	assert_int_equal(count_str(f->log, "Call-ID or From tag"), 2);
	assert_non_null(strstr(f->log, "(1 more not logged)"));
	/* the real answer still completes the transaction */
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);
}

/* ------------------------------------------------------------ §3 */

static const char *const ROUTES[] = {"sip:edge.example.net;lr", "sip:core.example.net:5070;lr"};

static void preloaded_route_set_on_every_register_first_must_be_loose(void **state)
{
	static const char *const strict[] = {"sip:edge.example.net"};
	static const char *const bad[] = {"sip:edge.example.net;lr", "sip:x\r\nY: z"};
	struct regent_ua_options uo;
	struct regent_ua *ua = NULL;
	struct regent_error e;
	struct reg_fix *f;
	char v[256];

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.preloaded_route_set = ROUTES;
	uo.preloaded_route_set_count = 2;
	f = fix_ua(&uo);
	fix_reg(f, NULL);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_unregister(f->reg, false, NULL), 0);
	assert_int_equal(f->nsent, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(reg_fix_hdr_count(f->sent[i], "Route"), 2);
		assert_true(reg_fix_hdr(f->sent[i], "Route", 0, v, sizeof(v)));
		assert_string_equal(v, "<sip:edge.example.net;lr>");
		assert_true(reg_fix_hdr(f->sent[i], "Route", 1, v, sizeof(v)));
		assert_string_equal(v, "<sip:core.example.net:5070;lr>");
		/* loose routing: the Request-URI stays the registrar */
		assert_true(strncmp(f->sent[i], "REGISTER sip:example.com SIP/2.0", 32) == 0);
	}
	uo.preloaded_route_set = strict;
	uo.preloaded_route_set_count = 1;
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_true(strncmp(e.text, "preloaded_route_set[0]: ", 24) == 0);
	assert_non_null(strstr(e.text, "loose router"));
	uo.preloaded_route_set = bad;
	uo.preloaded_route_set_count = 2;
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_true(strncmp(e.text, "preloaded_route_set[1]: ", 24) == 0);
	assert_null(ua);
	reg_fix_free(f);
}

static void extra_supported_tokens_are_validated_and_sent(void **state)
{
	static const char *const toks[] = {"100rel", "replaces", "x-foo.bar"};
	static const char *const space[] = {"a b"};
	static const char *const own[] = {"timer", "Outbound"};
	struct regent_ua_options uo;
	struct regent_ua *ua = NULL;
	struct regent_error e;
	struct reg_fix *f;
	char v[256];

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.extra_supported = toks;
	uo.extra_supported_count = 3;
	f = fix_ua(&uo);
	fix_reg(f, NULL);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Supported", 0, v, sizeof(v)));
	assert_string_equal(v, "path, 100rel, replaces, x-foo.bar");
	uo.extra_supported = space;
	uo.extra_supported_count = 1;
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_true(strncmp(e.text, "extra_supported[0]: ", 20) == 0);
	uo.extra_supported = own;
	uo.extra_supported_count = 2;
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_true(strncmp(e.text, "extra_supported[1]: ", 20) == 0);
	reg_fix_free(f);
}

static void instance_id_without_reg_id_is_gruu_only(void **state)
{
	struct regent_registerer_options ro;
	const struct regent_binding *b;
	struct reg_fix *f;
	char v[512], extra[700];

	(void)state;
	regent_registerer_options_init(&ro);
	ro.instance_id = "8d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
	f = setup(&ro);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_non_null(
	    strstr(v, ";+sip.instance=\"<urn:uuid:8d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b>\""));
	assert_null(strstr(v, "reg-id"));
	assert_true(reg_fix_hdr(f->sent[0], "Supported", 0, v, sizeof(v)));
	assert_string_equal(v, "path, gruu");
	/* the registrar rewrote the URI: the instance alone makes it ours */
	snprintf(extra, sizeof(extra),
		 "Contact: <sip:other@198.51.100.7:6000>;expires=300;"
		 "+sip.instance=\"<urn:uuid:8d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b>\";"
		 "pub-gruu=\"sip:alice@example.com;gr=urn:uuid:8d1a2b3c-4d5e-4f60-8a7b-"
		 "9c0d1e2f3a4b\"\r\n");
	reg_fix_reply(f, 0, 200, "OK", extra);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	assert_int_equal(regent_registerer_contacts(f->reg, &b), 1);
	assert_true(b[0].ours);
	assert_int_equal(b[0].expires, 300);
	assert_non_null(b[0].pub_gruu);
	reg_fix_free(f);
}

struct dlg {
	unsigned trying, progress, accept, reject, redirect;
	uint16_t last_status;
	size_t at_nev; /* f->nev when the last final callback ran */
	struct reg_fix *f;
};

static void d_trying(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct dlg *d = arg;

	(void)r;
	assert_int_equal(ev->type, REGENT_EV_PROVISIONAL);
	d->trying++;
	d->last_status = ev->status;
}

static void d_progress(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct dlg *d = arg;

	(void)r;
	assert_int_equal(ev->type, REGENT_EV_PROVISIONAL);
	d->progress++;
	d->last_status = ev->status;
}

static void d_final(struct dlg *d, const struct regent_event *ev, unsigned *n)
{
	assert_int_equal(ev->type, REGENT_EV_RESPONSE);
	(*n)++;
	d->last_status = ev->status;
	d->at_nev = d->f->nev;
}

static void d_accept(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	d_final(arg, ev, &((struct dlg *)arg)->accept);
}

static void d_reject(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	d_final(arg, ev, &((struct dlg *)arg)->reject);
}

static void d_redirect(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	d_final(arg, ev, &((struct dlg *)arg)->redirect);
}

static void provisional_responses_are_events_and_reach_the_delegate(void **state)
{
	struct reg_fix *f = setup(NULL);
	struct dlg d = {0};
	struct regent_request_options ro;
	long w;

	(void)state;
	d.f = f;
	memset(&ro, 0, sizeof(ro));
	ro.delegate = (struct regent_request_delegate){d_accept,   d_reject, d_redirect,
						       d_progress, d_trying, &d};
	assert_int_equal(regent_registerer_register(f->reg, &ro), 0);
	reg_fix_reply(f, 0, 100, "Trying", NULL);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_PROVISIONAL), 1);
	assert_int_equal(d.trying, 1);
	assert_int_equal(d.last_status, 100);
	reg_fix_reply(f, 0, 183, "Session Progress", NULL);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_PROVISIONAL), 2);
	assert_int_equal(d.progress, 1);
	assert_int_equal(f->ev[reg_fix_find_ev(f, REGENT_EV_PROVISIONAL, 0)].ev.status, 100);
	assert_true(regent_registerer_waiting(f->reg));
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(d.accept, 1);
	assert_int_equal(d.reject + d.redirect, 0);
	/* after the Registerer's own handling, before WAITING_CHANGED(false) */
	assert_true(reg_fix_find_ev(f, REGENT_EV_STATE_CHANGED, 0) < (long)d.at_nev);
	w = reg_fix_find_ev(f, REGENT_EV_WAITING_CHANGED, 1);
	assert_true(w >= (long)d.at_nev);
	assert_false(f->ev[w].ev.waiting);
	/* a refresh has no delegate */
	reg_fix_run_until_requests(f, 2, 700000);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(d.accept, 1);
	reg_fix_free(f);
}

static void delegate_hears_the_outcome_not_the_answered_challenge_or_423(void **state)
{
	struct reg_fix *f = fix_ua(NULL);
	struct regent_ua_options uo;
	struct regent_unregister_options uro;
	struct dlg d = {0};
	struct regent_request_options ro;

	(void)state;
	regent_ua_free(f->ua);
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_password = "secret";
	f->ua = NULL;
	free(f);
	f = fix_ua(&uo);
	fix_reg(f, NULL);
	d.f = f;
	memset(&ro, 0, sizeof(ro));
	ro.delegate =
	    (struct regent_request_delegate){d_accept, d_reject, d_redirect, NULL, NULL, &d};
	assert_int_equal(regent_registerer_register(f->reg, &ro), 0);
	reg_fix_reply(
	    f, 0, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"\r\n");
	assert_int_equal(f->nsent, 2);
	reg_fix_reply(f, 1, 423, "Interval Too Brief", "Min-Expires: 1200\r\n");
	assert_int_equal(f->nsent, 3);
	assert_int_equal(d.accept + d.reject + d.redirect, 0);
	reg_fix_reply(f, 2, 403, "Forbidden", NULL);
	assert_int_equal(d.reject, 1);
	assert_int_equal(d.last_status, 403);
	/* the options struct of unregister carries a delegate too */
	memset(&uro, 0, sizeof(uro));
	uro.all = true;
	uro.request.delegate = ro.delegate;
	assert_int_equal(regent_registerer_unregister_with(f->reg, &uro), 0);
	assert_non_null(strstr(f->sent[f->nsent - 1], "\r\nContact: *\r\n"));
	reg_fix_reply(f, f->nsent - 1, 200, "OK", NULL);
	assert_int_equal(d.accept, 1);
	reg_fix_free(f);
}

static void www_and_proxy_challenges_in_one_response_answered_in_one_request(void **state)
{
	struct regent_ua_options uo;
	struct reg_fix *f;
	char v[1024];

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_password = "secret";
	f = fix_ua(&uo);
	fix_reg(f, NULL);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(
	    f, 0, 407, "Proxy Authentication Required",
	    "Proxy-Authenticate: Digest realm=\"proxy.example.net\", nonce=\"p1\", qop=\"auth\"\r\n"
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"w1\", qop=\"auth\"\r\n");
	assert_int_equal(f->nsent, 2);
	assert_true(reg_fix_hdr(f->sent[1], "Proxy-Authorization", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "realm=\"proxy.example.net\""));
	assert_true(reg_fix_hdr(f->sent[1], "Authorization", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "realm=\"example.com\""));
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);
}

static void definitive_failure_table(void **state)
{
	static const struct {
		bool local;
		uint16_t status;
		int cause;
		bool want;
	} tab[] = {
	    {false, 403, REGENT_EREJECTED, true},  {false, 404, REGENT_EREJECTED, true},
	    {false, 603, REGENT_EREJECTED, true},  {false, 401, REGENT_EAUTH, true},
	    {false, 407, REGENT_EAUTH, true},	   {false, 500, REGENT_EREJECTED, false},
	    {false, 503, REGENT_EREJECTED, false}, {false, 480, REGENT_EREJECTED, false},
	    {false, 408, REGENT_EREJECTED, false}, {true, 408, REGENT_ETIMEOUT, false},
	    {true, 503, ECONNREFUSED, false},	   {false, 200, REGENT_EREJECTED, false},
	};

	(void)state;
	for (size_t i = 0; i < N(tab); i++)
		if (regent_reg_definitive(tab[i].local, tab[i].status, tab[i].cause) != tab[i].want)
			fail_msg("row %zu", i);
}

static void retry_on_reject_off_ends_after_403_404_603_and_refused_credentials(void **state)
{
	static const uint16_t st[] = {403, 404, 603, 401};
	struct regent_registerer_options ro;
	struct regent_ua_options uo;

	(void)state;
	for (size_t i = 0; i < N(st); i++) {
		struct reg_fix *f;

		regent_ua_options_init(&uo);
		uo.uri = "sip:alice@example.com";
		uo.authorization_password = "wrong";
		f = fix_ua(&uo);
		regent_registerer_options_init(&ro);
		assert_true(ro.retry_on_reject); /* as 0.1 */
		ro.retry_on_reject = false;
		fix_reg(f, &ro);
		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		if (st[i] == 401) {
			reg_fix_reply(
			    f, 0, 401, "Unauthorized",
			    "WWW-Authenticate: Digest realm=\"r\", nonce=\"a\", qop=\"auth\"\r\n");
			reg_fix_reply(
			    f, 1, 401, "Unauthorized", /* the password is refused */
			    "WWW-Authenticate: Digest realm=\"r\", nonce=\"b\", qop=\"auth\"\r\n");
		} else {
			reg_fix_reply(f, 0, st[i], "No", NULL);
		}
		assert_int_equal(reg_fix_count_ev(f, REGENT_EV_WILL_RETRY), 0);
		assert_false(regent_registerer_waiting(f->reg));
		assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_UNREGISTERED);
		reg_fix_run_for(f, 7 * 86400 * 1000ull);
		assert_int_equal(reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT), st[i] == 401 ? 2 : 1);
		assert_non_null(strstr(f->log, "not retried (retry_on_reject off)"));
		reg_fix_free(f);
	}
	/* on (the default): the back-off as before */
	{
		struct reg_fix *f = setup(NULL);

		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		reg_fix_reply(f, 0, 403, "Forbidden", NULL);
		assert_int_equal(reg_fix_count_ev(f, REGENT_EV_WILL_RETRY), 1);
		reg_fix_free(f);
	}
}

struct stopped {
	unsigned n;
	uint64_t at;
	struct reg_fix *f;
};

static void on_stopped(struct regent_ua *ua, void *arg)
{
	struct stopped *s = arg;

	assert_ptr_equal(ua, s->f->ua);
	s->n++;
	s->at = s->f->now;
}

static void ua_stop_unregisters_every_registerer_then_reports_done(void **state)
{
	struct reg_fix *f = setup(NULL);
	struct regent_registerer *r2 = NULL, *r3 = NULL;
	struct regent_registerer_options ro;
	struct regent_error e;
	struct stopped s = {0, 0, f};
	uint64_t t0;

	(void)state;
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.params.to_uri = "sip:bob@example.com";
	ro.params.from_uri = "sip:bob@example.com";
	assert_int_equal(regent_registerer_alloc(&r2, f->ua, &ro, &e), 0);
	assert_int_equal(regent_registerer_alloc(&r3, f->ua, &ro, &e), 0); /* never registered */
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(regent_registerer_register(r2, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_state(r2), REGENT_REG_REGISTERED);
	t0 = f->now;
	assert_int_equal(regent_ua_stop(f->ua, 3000, on_stopped, &s), 0);
	assert_int_equal(regent_ua_stop(f->ua, 3000, on_stopped, &s), EBUSY);
	/* both un-REGISTERs at once, side by side; r3 terminated at once */
	assert_int_equal(f->nsent, 4);
	assert_non_null(strstr(f->sent[2], "expires=0"));
	assert_non_null(strstr(f->sent[3], "expires=0"));
	assert_int_equal(regent_registerer_state(r3), REGENT_REG_TERMINATED);
	assert_int_equal(s.n, 0);
	reg_fix_reply(f, 2, 200, "OK", NULL);
	assert_int_equal(s.n, 0);  /* the other is still out */
	reg_fix_run_for(f, 10000); /* it never answers: the deadline ends it */
	assert_int_equal(s.n, 1);
	assert_true(s.at - t0 <= 3000);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_TERMINATED);
	assert_int_equal(regent_registerer_state(r2), REGENT_REG_TERMINATED);
	regent_registerer_free(r2);
	regent_registerer_free(r3);
	/* nothing left to wait for: done at once */
	assert_int_equal(regent_ua_stop(f->ua, 0, on_stopped, &s), 0);
	assert_int_equal(s.n, 2);
	reg_fix_free(f);
}

/* PARITY_TESTS */

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(retry_after_cap_table),
	    cmocka_unit_test(overlarge_retry_after_is_capped_at_retry_max_and_said_so),
	    cmocka_unit_test(odd_final_response_is_used_counted_and_logged_once),
	    cmocka_unit_test(branch_ours_but_other_call_id_or_tag_is_dropped_counted_logged),
	    cmocka_unit_test(preloaded_route_set_on_every_register_first_must_be_loose),
	    cmocka_unit_test(extra_supported_tokens_are_validated_and_sent),
	    cmocka_unit_test(instance_id_without_reg_id_is_gruu_only),
	    cmocka_unit_test(provisional_responses_are_events_and_reach_the_delegate),
	    cmocka_unit_test(delegate_hears_the_outcome_not_the_answered_challenge_or_423),
	    cmocka_unit_test(www_and_proxy_challenges_in_one_response_answered_in_one_request),
	    cmocka_unit_test(definitive_failure_table),
	    cmocka_unit_test(retry_on_reject_off_ends_after_403_404_603_and_refused_credentials),
	    cmocka_unit_test(ua_stop_unregisters_every_registerer_then_reports_done),
	    /* PARITY_LIST */
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

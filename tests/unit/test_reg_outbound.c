/*
 * Outbound (RFC 5626), issue 13 item 3, the Registerer's part, against
 * scripted responses (tests/unit/support/reg_fixture):
 *  - Require: outbound in the 2xx (§4.2.1, §6) is told apart from its
 *    absence and from other option tags: the RESPONSE and KEEPALIVE events'
 *    `outbound` and regent_registerer_outbound();
 *  - nothing is asked (NOT_ASKED) without an instance and a reg_id, and a
 *    2xx that says outbound does not make it one;
 *  - each Registerer's Contact carries its own reg-id with the one
 *    +sip.instance, and outbound in Supported;
 *  - Flow-Timer is honoured: the keep-alive interval is 80-100 % of it
 *    (§4.4.1) whatever the jitter, and follows a new value;
 *  - without Require: outbound the registrar keeps an RFC 3261 binding, so
 *    the NAT's contact rewrite (RFC 3581) goes on; with it, it does not;
 *  - the §4.5 back-off's base is 90 s while another flow of the instance
 *    is registered, 30 s when none is;
 *  - `ob` (docs/design.md "Outbound"): a 439 First Hop Lacks Outbound
 *    Support registers again without reg-id, once; the edge proxy's Path
 *    ;ob in the 2xx is recognised; a configured route's ;ob is kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_fixture.h"
#include "regent.h"

#define INSTANCE "3f2a1b7c-9d4e-4a5b-8c6d-0e1f2a3b4c5d"

/* A UA over UDP from 192.0.2.10:5060 to 192.0.2.1, a Registerer with
 * `reg_id` (0: none) and, with one, the instance above. */
static struct reg_fix *setup(uint32_t reg_id, uint64_t seed)
{
	struct reg_fix *f = reg_fix_alloc(1000000, seed);
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_error e;

	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.contact_name = "me";
	reg_fix_ua(f, &uo, &e, REGENT_TP_UDP, "192.0.2.10", 5060, "192.0.2.1");
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.reg_id = reg_id;
	ro.instance_id = reg_id ? INSTANCE : NULL;
	assert_int_equal(reg_fix_registerer(f, &ro, &e), 0);
	return f;
}

/* A 200 to request i listing its Contact, with `via` appended to the top
 * Via (e.g. ";received=...;rport=...") and `extra` header lines. */
static void reply_200(struct reg_fix *f, size_t i, const char *via, const char *extra)
{
	char buf[4096], v[1024], ct[1024], *semi;
	size_t n;
	const char *names[] = {"From", "To", "Call-ID", "CSeq"};

	assert_true(reg_fix_hdr(f->sent[i], "Via", 0, v, sizeof(v)));
	n = (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 200 OK\r\nVia: %s%s\r\n", v,
			     via ? via : "");
	for (size_t k = 0; k < 4; k++) {
		assert_true(reg_fix_hdr(f->sent[i], names[k], 0, v, sizeof(v)));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s%s\r\n", names[k], v,
				      k == 1 ? ";tag=srv" : "");
	}
	assert_true(reg_fix_hdr(f->sent[i], "Contact", 0, ct, sizeof(ct)));
	semi = strstr(ct, ";expires=");
	if (semi != NULL)
		*semi = '\0';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "Contact: %s;expires=600\r\n%sContent-Length: 0\r\n\r\n", ct,
			      extra ? extra : "");
	regent_ua_recv(f->ua, buf, n);
}

/* The `outbound` of the last event of type t. */
static bool last_outbound(const struct reg_fix *f, enum regent_event_type t)
{
	long k = -1;

	for (long i = reg_fix_find_ev(f, t, 0); i >= 0; i = reg_fix_find_ev(f, t, (size_t)i + 1))
		k = i;
	assert_true(k >= 0);
	return f->ev[k].ev.outbound;
}

/* The 2xx's Require, as the registrar may write it, and what it means. */
static void require_outbound_present_absent_and_other_tags(void **state)
{
	static const struct {
		const char *extra;
		bool yes;
	} tab[] = {
	    {"Require: outbound\r\n", true},
	    {"Require: path, outbound\r\n", true},
	    {"Require: gruu\r\nRequire: OUTBOUND\r\n", true}, /* option tags: no case */
	    {"", false},
	    {"Require: path\r\n", false},
	    {"Require: outbounds, gruu\r\n", false}, /* a tag, not a prefix */
	    {"Supported: outbound\r\n", false},	     /* Supported is no promise */
	};

	(void)state;
	for (size_t t = 0; t < sizeof(tab) / sizeof(tab[0]); t++) {
		struct reg_fix *f = setup(1, 7 + t);

		assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_UNKNOWN);
		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		reply_200(f, 0, NULL, tab[t].extra);
		assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
		if (last_outbound(f, REGENT_EV_RESPONSE) != tab[t].yes)
			fail_msg("case %zu (%s): RESPONSE outbound %d", t, tab[t].extra,
				 !tab[t].yes);
		assert_int_equal(regent_registerer_outbound(f->reg),
				 tab[t].yes ? REGENT_OUTBOUND_YES : REGENT_OUTBOUND_NO);
		/* outbound alone picks the keep-alive (RFC 5626 §4.4.1 defaults) */
		if (tab[t].yes)
			assert_true(last_outbound(f, REGENT_EV_KEEPALIVE));
		/* said in the log, once */
		assert_non_null(strstr(f->log, tab[t].yes ? "outbound: yes" : "outbound: NO"));
		reg_fix_free(f);
	}
}

/* A registrar that stops confirming (a failover to one without outbound)
 * is seen at the next 2xx, and the other way round. */
static void outbound_follows_each_2xx(void **state)
{
	struct reg_fix *f = setup(2, 99);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, NULL, "Require: outbound\r\n");
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_YES);
	reg_fix_run_until_requests(f, 2, 700000); /* the refresh */
	reply_200(f, f->nsent - 1, NULL, NULL);
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NO);
	assert_false(last_outbound(f, REGENT_EV_RESPONSE));
	reg_fix_run_until_requests(f, 3, 700000);
	reply_200(f, f->nsent - 1, NULL, "Require: outbound\r\n");
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_YES);
	assert_true(last_outbound(f, REGENT_EV_RESPONSE));
	reg_fix_free(f);
}

/* Without an instance and a reg_id nothing was asked: a 2xx that says
 * outbound anyway does not make the binding one. */
static void not_asked_without_instance_and_reg_id(void **state)
{
	struct reg_fix *f = setup(0, 5);
	char ct[1024];

	(void)state;
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NOT_ASKED);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, ct, sizeof(ct)));
	assert_null(strstr(ct, "reg-id"));
	reply_200(f, 0, NULL, "Require: outbound\r\n");
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NOT_ASKED);
	assert_null(strstr(f->log, "outbound: "));
	reg_fix_free(f);
}

/* Two Registerers of one instance on one UA (RFC 5626 §4.2): each Contact
 * has its own reg-id, both the same +sip.instance, and Supported lists
 * outbound; each reads its own 2xx. */
static void reg_id_in_contact_per_registerer(void **state)
{
	struct reg_fix *f = setup(1, 11);
	struct regent_registerer_options ro;
	struct regent_registerer *r2 = NULL;
	struct regent_error e;
	char c1[1024], c2[1024], sup[256];

	(void)state;
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.reg_id = 2;
	ro.instance_id = INSTANCE;
	assert_int_equal(regent_registerer_alloc(&r2, f->ua, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(regent_registerer_register(r2, NULL), 0);
	assert_int_equal(f->nsent, 2);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, c1, sizeof(c1)));
	assert_true(reg_fix_hdr(f->sent[1], "Contact", 0, c2, sizeof(c2)));
	assert_non_null(strstr(c1, ";reg-id=1;"));
	assert_non_null(strstr(c2, ";reg-id=2;"));
	assert_null(strstr(c1, "reg-id=2"));
	assert_non_null(strstr(c1, "+sip.instance=\"<urn:uuid:" INSTANCE ">\""));
	assert_non_null(strstr(c2, "+sip.instance=\"<urn:uuid:" INSTANCE ">\""));
	assert_true(reg_fix_hdr(f->sent[1], "Supported", 0, sup, sizeof(sup)));
	assert_non_null(strstr(sup, "outbound"));
	reply_200(f, 1, NULL, "Require: outbound\r\n");
	assert_int_equal(regent_registerer_outbound(r2), REGENT_OUTBOUND_YES);
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_UNKNOWN);
	reply_200(f, 0, NULL, NULL);
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NO);
	assert_int_equal(regent_registerer_outbound(r2), REGENT_OUTBOUND_YES);
	regent_registerer_free(r2);
	reg_fix_free(f);
}

/* RFC 5626 §4.4.1: the keep-alive interval is 80-100 % of Flow-Timer, for
 * every jitter draw, and a new Flow-Timer in a later 2xx is followed. */
static void flow_timer_is_honoured(void **state)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct reg_fix *f = setup(1, seed);
		long k;
		uint32_t ka;

		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		reply_200(f, 0, NULL, "Require: outbound\r\nFlow-Timer: 100\r\n");
		k = reg_fix_find_ev(f, REGENT_EV_KEEPALIVE, 0);
		assert_true(k >= 0);
		ka = f->ev[k].ev.keepalive_s;
		assert_true(ka >= 80 && ka <= 100);
		assert_true(f->ev[k].ev.outbound);
		lo = ka < lo ? ka : lo;
		hi = ka > hi ? ka : hi;
		if (seed == 1) {
			/* a new Flow-Timer: a new interval within it */
			reg_fix_run_until_requests(f, 2, 700000);
			reply_200(f, f->nsent - 1, NULL, "Require: outbound\r\nFlow-Timer: 20\r\n");
			k = reg_fix_find_ev(f, REGENT_EV_KEEPALIVE, (size_t)k + 1);
			assert_true(k >= 0);
			assert_true(f->ev[k].ev.keepalive_s >= 16 && f->ev[k].ev.keepalive_s <= 20);
		}
		reg_fix_free(f);
	}
	/* jittered, not one fixed value */
	assert_true(hi > lo);
}

/* Without Require: outbound the registrar keeps our Contact as written
 * (RFC 3261), so behind a NAT the contact rewrite of RFC 3581 goes on; a
 * confirmed outbound flow needs none (the registrar uses the flow). */
static void unconfirmed_outbound_keeps_the_contact_rewrite(void **state)
{
	static const char *via = ";received=203.0.113.7;rport=40001";
	struct reg_fix *f = setup(1, 3);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, via, NULL);
	reg_fix_run_for(f, 1000);
	/* the rewrite's re-REGISTER (retransmissions are not counted) */
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT), 2);
	assert_non_null(strstr(f->sent[1], "203.0.113.7"));
	reg_fix_free(f);

	f = setup(1, 3);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reply_200(f, 0, via, "Require: outbound\r\n");
	reg_fix_run_for(f, 1000);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT), 1);
	reg_fix_free(f);
}

/* 439 First Hop Lacks Outbound Support (RFC 5626 §4.2.1): registered again
 * at once without reg-id (the instance kept), once: a second 439 is a
 * failure like any other, not a loop. */
static void first_hop_lacks_outbound_registers_without_reg_id(void **state)
{
	struct reg_fix *f = setup(1, 21);
	char ct[1024];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 439, "First Hop Lacks Outbound Support", NULL);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT), 2);
	assert_true(reg_fix_hdr(f->sent[f->nsent - 1], "Contact", 0, ct, sizeof(ct)));
	assert_null(strstr(ct, "reg-id"));
	assert_non_null(strstr(ct, "+sip.instance=\"<urn:uuid:" INSTANCE ">\""));
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NO);
	assert_non_null(strstr(f->log, "439 First Hop Lacks Outbound Support: registering again"));
	reply_200(f, f->nsent - 1, NULL, NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	assert_int_equal(regent_registerer_outbound(f->reg), REGENT_OUTBOUND_NO);
	reg_fix_free(f);

	/* without reg-id, a 439 is just a refusal: no retry at once */
	f = setup(1, 22);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 439, "First Hop Lacks Outbound Support", NULL);
	reg_fix_reply(f, f->nsent - 1, 439, "First Hop Lacks Outbound Support", NULL);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_REQUEST_SENT), 2);
	assert_true(reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0) >= 0);
	reg_fix_free(f);
}

/* The edge proxy's Path URI with `ob` (RFC 5626 §5.1), echoed in the 2xx,
 * is recognised: said with the outbound confirmation; not without it. */
static void path_ob_of_the_edge_proxy_is_recognised(void **state)
{
	static const struct {
		const char *path;
		bool ob;
	} tab[] = {
	    {"Path: <sip:edge.example.com;lr;ob>\r\n", true},
	    {"Path: <sip:tok@edge.example.com;ob;lr>, <sip:core.example.com;lr>\r\n", true},
	    {"Path: <sip:edge.example.com;lr>\r\n", false},
	    {"Path: <sip:edge.example.com;lr;obx>\r\n", false},
	    {"", false},
	};

	(void)state;
	for (size_t t = 0; t < sizeof(tab) / sizeof(tab[0]); t++) {
		struct reg_fix *f = setup(1, 31 + t);
		char extra[256];

		snprintf(extra, sizeof(extra), "Require: outbound\r\n%s", tab[t].path);
		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		reply_200(f, 0, NULL, extra);
		assert_non_null(strstr(f->log, "outbound: yes (Require: outbound"));
		if ((strstr(f->log, "edge proxy Path ;ob") != NULL) != tab[t].ob)
			fail_msg("case %zu: %s", t, tab[t].path);
		reg_fix_free(f);
	}
}

/* An outbound-proxy URI configured with `ob` (as a preloaded route, RFC
 * 5626 §4.2.1 outbound-proxy-set) keeps it on the Route of the REGISTER. */
static void ob_of_a_configured_route_is_kept(void **state)
{
	struct reg_fix *f = reg_fix_alloc(1000000, 41);
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_error e;
	const char *routes[] = {"sip:edge.example.com;lr;ob"};
	char route[256];

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.preloaded_route_set = routes;
	uo.preloaded_route_set_count = 1;
	reg_fix_ua(f, &uo, &e, REGENT_TP_UDP, "192.0.2.10", 5060, "192.0.2.1");
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.reg_id = 1;
	ro.instance_id = INSTANCE;
	assert_int_equal(reg_fix_registerer(f, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Route", 0, route, sizeof(route)));
	assert_string_equal(route, "<sip:edge.example.com;lr;ob>");
	reg_fix_free(f);
}

/* The retry_in_ms of the first WILL_RETRY. */
static uint64_t first_retry_ms(const struct reg_fix *f)
{
	long k = reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0);

	assert_true(k >= 0);
	return f->ev[k].ev.retry_in_ms;
}

/* RFC 5626 §4.5: the back-off's base time is 30 s when every flow of the
 * instance failed, 90 s while another flow of it (another reg-id) is
 * registered. A 503 without Retry-After on reg-id 1, the first failure:
 * 30..60 s alone, 90..180 s with reg-id 2 registered; a Registerer of
 * another instance, or one not registered, does not count. */
static void backoff_base_is_90_s_while_another_flow_works(void **state)
{
	static const struct {
		const char *other_instance; /* NULL: no other Registerer */
		bool other_registered;
		uint64_t lo, hi;
	} tab[] = {
	    {NULL, false, 30000, 60000},
	    {INSTANCE, true, 90000, 180000},
	    {INSTANCE, false, 30000, 60000},
	    {"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", true, 30000, 60000},
	};

	(void)state;
	for (size_t t = 0; t < sizeof(tab) / sizeof(tab[0]); t++) {
		for (uint64_t seed = 1; seed <= 8; seed++) {
			struct reg_fix *f = setup(1, seed * 100 + t);
			struct regent_registerer *r2 = NULL;
			struct regent_registerer_options ro;
			struct regent_error e;
			uint64_t d;

			if (tab[t].other_instance != NULL) {
				regent_registerer_options_init(&ro);
				ro.log_configuration = false;
				ro.reg_id = 2;
				ro.instance_id = tab[t].other_instance;
				assert_int_equal(regent_registerer_alloc(&r2, f->ua, &ro, &e), 0);
				assert_int_equal(regent_registerer_register(r2, NULL), 0);
				if (tab[t].other_registered)
					reply_200(f, 0, NULL, "Require: outbound\r\n");
			}
			assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
			reg_fix_reply(f, f->nsent - 1, 503, "Service Unavailable", NULL);
			d = first_retry_ms(f);
			if (d < tab[t].lo || d > tab[t].hi)
				fail_msg("case %zu seed %llu: retry in %llu ms, not %llu..%llu", t,
					 (unsigned long long)seed, (unsigned long long)d,
					 (unsigned long long)tab[t].lo,
					 (unsigned long long)tab[t].hi);
			regent_registerer_free(r2);
			reg_fix_free(f);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(require_outbound_present_absent_and_other_tags),
	    cmocka_unit_test(outbound_follows_each_2xx),
	    cmocka_unit_test(not_asked_without_instance_and_reg_id),
	    cmocka_unit_test(reg_id_in_contact_per_registerer),
	    cmocka_unit_test(flow_timer_is_honoured),
	    cmocka_unit_test(unconfirmed_outbound_keeps_the_contact_rewrite),
	    cmocka_unit_test(first_hop_lacks_outbound_registers_without_reg_id),
	    cmocka_unit_test(path_ob_of_the_edge_proxy_is_recognised),
	    cmocka_unit_test(ob_of_a_configured_route_is_kept),
	    cmocka_unit_test(backoff_base_is_90_s_while_another_flow_works),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The Registerer against scripted responses: a fake sender records every
 * message, a fake clock and a seeded random source make it deterministic.
 * Checks the exact wire content and the timing decisions.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "msg/msg.h"
#include "reg_fixture.h"
#include "regent.h"

static const char *const XH[] = {"X-Test: 1"};
static const char *const XP[] = {"foo=bar"};

static struct reg_fix *setup_full(const char *password, bool with_instance, uint32_t expires,
				  struct regent_registerer_options *override)
{
	struct reg_fix *f = reg_fix_alloc(1000000, 0x9e3779b97f4a7c15ull);
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_error e;

	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_password = password;
	uo.contact_name = "reguser";
	uo.instance_id = "3f2c1a7e-9b4d-4c2a-8e1f-5a6b7c8d9e0f";
	uo.user_agent_string = "regent-test/1";
	reg_fix_ua(f, &uo, &e, REGENT_TP_UDP, "192.0.2.10", 5060, "192.0.2.1");

	if (override != NULL) {
		ro = *override;
	} else {
		regent_registerer_options_init(&ro);
		ro.expires = expires;
		if (with_instance)
			ro.reg_id = 1;
		ro.extra_headers = XH;
		ro.extra_headers_count = 1;
		ro.extra_contact_header_params = XP;
		ro.extra_contact_header_params_count = 1;
	}
	assert_int_equal(reg_fix_registerer(f, &ro, &e), 0);
	return f;
}

static struct reg_fix *setup(void)
{
	return setup_full(NULL, true, 600, NULL);
}

static void branch_of(const char *m, char *out, size_t size)
{
	struct regent_msg *msg = NULL;
	struct regent_msg_iter it;
	struct regent_via via;

	assert_int_equal(regent_msg_parse(&msg, m, strlen(m), NULL, NULL), 0);
	memset(&it, 0, sizeof(it));
	assert_int_equal(regent_msg_via_next(msg, &it, &via), 0);
	assert_int_equal(regent_pl_strcpy(via.branch, out, size), 0);
	regent_msg_free(msg);
}

/* ------------------------------------------------------------ tests */

static void first_register_has_exact_wire_content(void **state)
{
	struct reg_fix *f = setup();
	char v[1024], br[64], from[256];
	long e;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);
	assert_true(strncmp(f->sent[0], "REGISTER sip:example.com SIP/2.0\r\n", 34) == 0);
	assert_true(reg_fix_hdr(f->sent[0], "Via", 0, v, sizeof(v)));
	assert_true(strncmp(v, "SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK", 48) == 0);
	branch_of(f->sent[0], br, sizeof(br));
	assert_true(strlen(br) >= 7 + 16); /* >= 64 random bits in hex */
	assert_true(reg_fix_hdr(f->sent[0], "Max-Forwards", 0, v, sizeof(v)));
	assert_string_equal(v, "70");
	assert_true(reg_fix_hdr(f->sent[0], "To", 0, v, sizeof(v)));
	assert_string_equal(v, "<sip:alice@example.com>");
	assert_true(reg_fix_hdr(f->sent[0], "From", 0, from, sizeof(from)));
	assert_true(strncmp(from, "<sip:alice@example.com>;tag=", 28) == 0);
	assert_true(strlen(from) > 28 + 7);
	assert_true(reg_fix_hdr(f->sent[0], "CSeq", 0, v, sizeof(v)));
	assert_string_equal(v, "1 REGISTER");
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_string_equal(v, "<sip:reguser@192.0.2.10:5060;transport=udp>;reg-id=1;"
			       "+sip.instance=\"<urn:uuid:3f2c1a7e-9b4d-4c2a-8e1f-5a6b7c8d9e0f>\";"
			       "foo=bar;expires=600");
	assert_int_equal(reg_fix_hdr_count(f->sent[0], "Contact"), 1);
	assert_true(reg_fix_hdr(f->sent[0], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "600");
	assert_true(reg_fix_hdr(f->sent[0], "Supported", 0, v, sizeof(v)));
	assert_string_equal(v, "path, outbound, gruu");
	assert_true(reg_fix_hdr(f->sent[0], "User-Agent", 0, v, sizeof(v)));
	assert_string_equal(v, "regent-test/1");
	assert_true(reg_fix_hdr(f->sent[0], "Allow", 0, v, sizeof(v)));
	assert_true(reg_fix_hdr(f->sent[0], "X-Test", 0, v, sizeof(v)));
	assert_string_equal(v, "1");
	assert_int_equal(reg_fix_hdr_count(f->sent[0], "Authorization"), 0);

	e = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, 0);
	assert_true(e >= 0);
	assert_int_equal(f->ev[e].ev.reason, REGENT_SEND_INITIAL);
	assert_int_equal(f->ev[e].ev.cseq, 1);
	assert_true(regent_registerer_waiting(f->reg));
	assert_int_equal(regent_registerer_register(f->reg, NULL), EBUSY);
	reg_fix_free(f);
}

static void without_instance_no_outbound_no_gruu_no_sip_instance(void **state)
{
	struct reg_fix *f = setup_full(NULL, false, 600, NULL);
	char v[1024];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Supported", 0, v, sizeof(v)));
	assert_string_equal(v, "path");
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_null(strstr(v, "+sip.instance"));
	assert_null(strstr(v, "reg-id"));
	reg_fix_free(f);
}

static void cseq_rises_by_one_callid_and_tag_stable_branches_unique(void **state)
{
	struct reg_fix *f = setup();
	char cid0[128], tag0[256], v[256], br[8][64];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	assert_false(regent_registerer_waiting(f->reg));
	reg_fix_run_until_sent(f, 2, 600000); /* the refresh */
	assert_int_equal(f->nsent, 2);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_query(f->reg), 0);
	reg_fix_reply(f, 2, 200, "OK", NULL);
	assert_int_equal(regent_registerer_unregister(f->reg, false, NULL), 0);
	reg_fix_reply(f, 3, 200, "OK", NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_UNREGISTERED);
	assert_int_equal(f->nsent, 4);

	assert_true(reg_fix_hdr(f->sent[0], "Call-ID", 0, cid0, sizeof(cid0)));
	assert_true(reg_fix_hdr(f->sent[0], "From", 0, tag0, sizeof(tag0)));
	for (size_t i = 0; i < f->nsent; i++) {
		char want[32];
		assert_true(reg_fix_hdr(f->sent[i], "Call-ID", 0, v, sizeof(v)));
		assert_string_equal(v, cid0);
		assert_true(reg_fix_hdr(f->sent[i], "From", 0, v, sizeof(v)));
		assert_string_equal(v, tag0);
		assert_true(reg_fix_hdr(f->sent[i], "CSeq", 0, v, sizeof(v)));
		snprintf(want, sizeof(want), "%zu REGISTER", i + 1);
		assert_string_equal(v, want);
		branch_of(f->sent[i], br[i], sizeof(br[i]));
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(br[i], br[k]);
	}
	/* the query has no Contact; the un-REGISTER expires=0 + Expires: 0 */
	assert_int_equal(reg_fix_hdr_count(f->sent[2], "Contact"), 0);
	assert_true(reg_fix_hdr(f->sent[3], "Contact", 0, v, sizeof(v)));
	assert_non_null(strstr(v, ";expires=0"));
	assert_true(reg_fix_hdr(f->sent[3], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "0");
	/* configured extra headers kept on the un-REGISTER (defect 8) */
	assert_int_equal(reg_fix_hdr_count(f->sent[3], "X-Test"), 1);
	assert_true(reg_fix_find_ev(f, REGENT_EV_REFRESHED, 0) >= 0);
	reg_fix_free(f);
}

static void unregister_all_sends_star_and_expires_zero(void **state)
{
	struct reg_fix *f = setup();
	char v[256];

	(void)state;
	assert_int_equal(regent_registerer_unregister(f->reg, true, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	assert_string_equal(v, "*");
	assert_true(reg_fix_hdr(f->sent[0], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "0");
	assert_int_equal(reg_fix_hdr_count(f->sent[0], "X-Test"), 1);
	reg_fix_free(f);
}

static void unregister_contacts_names_each_and_leaves_our_registration_alone(void **state)
{
	struct reg_fix *f = setup();
	static const char *const two[] = {"sip:old@192.0.2.77:40123;transport=udp",
					  "sips:desk@[2001:db8::1]:5061"};
	static const char *const bad[][1] = {{"sip:a@b\r\nX: y"}, {"not a uri"}, {""}};
	const struct regent_binding *b = NULL;
	char v[256];
	size_t n;

	(void)state;
	/* refused before anything is sent */
	assert_int_equal(regent_registerer_unregister_contacts(f->reg, two, 0, NULL), EINVAL);
	assert_int_equal(regent_registerer_unregister_contacts(f->reg, NULL, 1, NULL), EINVAL);
	assert_int_equal(
	    regent_registerer_unregister_contacts(f->reg, two, REGENT_MAX_REMOVE + 1, NULL),
	    EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(regent_registerer_unregister_contacts(f->reg, bad[i], 1, NULL),
				 EINVAL);
	/* our own Contact is unregister()'s business */
	static const char *const mine[] = {"sip:reguser@192.0.2.10:5060;transport=udp"};

	assert_int_equal(regent_registerer_unregister_contacts(f->reg, mine, 1, NULL), EINVAL);
	assert_int_equal(f->nsent, 0);

	/* registered first: removing others must not touch that */
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	uint64_t registered_at = f->now;

	f->now += 1000;

	assert_int_equal(regent_registerer_unregister_contacts(f->reg, two, 2, NULL), 0);
	assert_int_equal(regent_registerer_unregister_contacts(f->reg, two, 2, NULL), EBUSY);
	assert_int_equal(f->nsent, 2);
	/* RFC 3261 §10.2.2: each named with expires=0, and Expires: 0 */
	assert_int_equal(reg_fix_hdr_count(f->sent[1], "Contact"), 2);
	assert_true(reg_fix_hdr(f->sent[1], "Contact", 0, v, sizeof(v)));
	assert_string_equal(v, "<sip:old@192.0.2.77:40123;transport=udp>;expires=0");
	assert_true(reg_fix_hdr(f->sent[1], "Contact", 1, v, sizeof(v)));
	assert_string_equal(v, "<sips:desk@[2001:db8::1]:5061>;expires=0");
	assert_true(reg_fix_hdr(f->sent[1], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "0");
	assert_true(regent_registerer_waiting(f->reg));

	/* the registrar kept the second one (written differently: §19.1.4
	 * compares hosts case-insensitively) and lists ours */
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, v, sizeof(v)));
	char extra[1024], *semi = strstr(v, ";expires=");

	if (semi != NULL)
		*semi = '\0';
	snprintf(
	    extra, sizeof(extra),
	    "Contact: %s;expires=590\r\nContact: <sips:desk@[2001:DB8::1]:5061>;expires=30\r\n", v);
	reg_fix_reply(f, 1, 200, "OK", extra);
	assert_false(regent_registerer_waiting(f->reg));
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	n = regent_registerer_contacts(f->reg, &b);
	assert_int_equal(n, 2);
	assert_true(b[0].ours);
	assert_false(b[0].kept);
	assert_false(b[1].ours);
	assert_true(b[1].kept);
	/* our refresh goes out when it was due before, as a refresh */
	reg_fix_run_until_sent(f, 3, 600000);
	assert_int_equal(f->nsent, 3);
	assert_true(f->sent_at[2] >= registered_at + 500000);
	assert_true(f->sent_at[2] < registered_at + 600000);
	long last = -1;

	for (long k = 0; (k = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, (size_t)k)) >= 0; k++)
		last = k;
	assert_true(last >= 0);
	assert_int_equal(f->ev[last].ev.reason, REGENT_SEND_REFRESH);
	assert_true(reg_fix_hdr(f->sent[2], "Contact", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "reguser@"));
	reg_fix_free(f);
}

static void per_request_headers_add_for_that_request_only(void **state)
{
	struct reg_fix *f = setup();
	static const char *const once[] = {"X-Once: yes"};
	static const char *const bad[] = {"NoColonHere"};
	struct regent_request_options ro = {.extra_headers = once, .extra_headers_count = 1};
	struct regent_request_options rb = {.extra_headers = bad, .extra_headers_count = 1};

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, &rb), EINVAL);
	assert_int_equal(f->nsent, 0);
	assert_int_equal(regent_registerer_register(f->reg, &ro), 0);
	assert_int_equal(reg_fix_hdr_count(f->sent[0], "X-Once"), 1);
	assert_int_equal(reg_fix_hdr_count(f->sent[0], "X-Test"), 1);
	reg_fix_reply_200(f, 0, 600);
	reg_fix_run_until_sent(f, 2, 600000);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(reg_fix_hdr_count(f->sent[1], "X-Once"), 0);
	assert_int_equal(reg_fix_hdr_count(f->sent[1], "X-Test"), 1);
	reg_fix_free(f);
}

static void udp_retransmits_on_timer_e_then_local_408_at_timer_f(void **state)
{
	struct reg_fix *f = setup();
	uint64_t t0 = f->now;
	struct regent_ua_stats st;
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_run_for(f, 31999);
	assert_int_equal(f->nsent, 11); /* original + 10 retransmissions */
	assert_int_equal(f->sent_at[1] - t0, 500);
	assert_int_equal(f->sent_at[2] - t0, 1500);
	assert_int_equal(f->sent_at[3] - t0, 3500);
	assert_int_equal(f->sent_at[4] - t0, 7500);
	assert_int_equal(f->sent_at[5] - t0, 11500);
	for (size_t i = 1; i < f->nsent; i++)
		assert_string_equal(f->sent[i], f->sent[0]);
	assert_true(regent_registerer_waiting(f->reg));
	reg_fix_run_for(f, 1);
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.status, 408);
	assert_true(f->ev[r].ev.local);
	assert_int_equal(f->ev[r].ev.error, REGENT_ETIMEOUT);
	assert_int_equal(f->ev[r].t - t0, 32000);
	assert_false(regent_registerer_waiting(f->reg));
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_UNREGISTERED);
	r = reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0);
	assert_true(r >= 0);
	assert_true(f->ev[r].ev.retry_in_ms >= 30000 && f->ev[r].ev.retry_in_ms <= 60000);
	regent_ua_stats(f->ua, &st);
	assert_int_equal(st.retransmissions, 10);
	reg_fix_free(f);
}

static void late_retransmitted_response_is_absorbed(void **state)
{
	struct reg_fix *f = setup();
	struct regent_ua_stats st;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	size_t n = reg_fix_count_ev(f, REGENT_EV_RESPONSE);
	reg_fix_reply_200(f, 0, 600); /* a retransmission of the 200 */
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_RESPONSE), n);
	regent_ua_stats(f->ua, &st);
	assert_int_equal(st.unmatched_dropped, 0);
	/* after timer K it is unknown */
	reg_fix_run_for(f, 5001);
	reg_fix_reply_200(f, 0, 600);
	regent_ua_stats(f->ua, &st);
	assert_int_equal(st.unmatched_dropped, 1);
	assert_int_equal(reg_fix_count_ev(f, REGENT_EV_RESPONSE), n);
	reg_fix_free(f);
}

static void refresh_goes_out_before_expiry_with_margin(void **state)
{
	struct reg_fix *f = setup();
	uint64_t t200;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	t200 = f->now;
	reg_fix_run_until_sent(f, 2, 600000);
	assert_int_equal(f->nsent, 2);
	/* min(594 s, 600 - 34 s) minus up to 5 % jitter */
	assert_true(f->sent_at[1] - t200 <= 566000);
	assert_true(f->sent_at[1] - t200 >= 566000 * 95 / 100);
	assert_int_equal(f->ev[reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, 3)].ev.reason,
			 REGENT_SEND_REFRESH);
	reg_fix_free(f);
}

static void expires_header_used_when_contact_has_no_param(void **state)
{
	struct reg_fix *f = setup();
	char ct[512], extra[700], *semi;
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, ct, sizeof(ct)));
	semi = strstr(ct, ";expires=");
	*semi = '\0';
	snprintf(extra, sizeof(extra), "Contact: %s\r\nExpires: 300\r\n", ct);
	reg_fix_reply(f, 0, 200, "OK", extra);
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_int_equal(f->ev[r].ev.granted_expires, 300);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_run_for(f, 1000); /* no 0 ms loop */
	assert_int_equal(f->nsent, 1);
	reg_fix_free(f);
}

static void ok_without_contact_clears_waiting_and_retries_later(void **state)
{
	struct reg_fix *f = setup();
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 200, "OK", NULL);
	assert_false(regent_registerer_waiting(f->reg));
	assert_int_not_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	r = reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0);
	assert_true(r >= 0);
	assert_true(f->ev[r].ev.retry_in_ms >= 1000);
	reg_fix_run_for(f, 999);
	assert_int_equal(f->nsent, 1);
	reg_fix_free(f);
}

static void auth_retry_answers_canned_401_and_refresh_is_preemptive(void **state)
{
	struct reg_fix *f = setup_full("secret", true, 600, NULL);
	char v[1024];
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(
	    f, 0, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc123\", qop=\"auth\", "
	    "algorithm=MD5\r\n");
	assert_int_equal(f->nsent, 2);
	assert_true(regent_registerer_waiting(f->reg));
	assert_true(reg_fix_hdr(f->sent[1], "CSeq", 0, v, sizeof(v)));
	assert_string_equal(v, "2 REGISTER");
	assert_true(reg_fix_hdr(f->sent[1], "Authorization", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "username=\"alice\""));
	assert_non_null(strstr(v, "nonce=\"abc123\""));
	assert_non_null(strstr(v, "uri=\"sip:example.com\""));
	assert_non_null(strstr(v, "nc=00000001"));
	r = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, 0);
	r = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, (size_t)r + 1);
	assert_int_equal(f->ev[r].ev.reason, REGENT_SEND_AUTH_RETRY);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	/* the refresh carries cached credentials: one round trip */
	reg_fix_run_until_sent(f, 3, 600000);
	assert_int_equal(f->nsent, 3);
	assert_true(reg_fix_hdr(f->sent[2], "Authorization", 0, v, sizeof(v)));
	assert_non_null(strstr(v, "nonce=\"abc123\""));
	assert_non_null(strstr(v, "nc=00000002"));
	/* a second challenge for the same credentials in one exchange: bounded */
	reg_fix_reply(
	    f, 2, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n2\", qop=\"auth\"\r\n");
	assert_int_equal(f->nsent, 4);
	reg_fix_reply(
	    f, 3, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n3\", qop=\"auth\"\r\n");
	assert_true(f->nsent <= 5);
	if (f->nsent == 5)
		reg_fix_reply(f, 4, 401, "Unauthorized",
			      "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n4\", "
			      "qop=\"auth\"\r\n");
	assert_false(regent_registerer_waiting(f->reg));
	reg_fix_free(f);
}

static void interval_too_brief_retried_once_with_min_expires(void **state)
{
	struct reg_fix *f = setup_full(NULL, true, 30, NULL);
	char v[512];
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 423, "Interval Too Brief", "Min-Expires: 120\r\n");
	assert_int_equal(f->nsent, 2);
	assert_true(reg_fix_hdr(f->sent[1], "Contact", 0, v, sizeof(v)));
	assert_non_null(strstr(v, ";expires=120"));
	assert_true(reg_fix_hdr(f->sent[1], "Expires", 0, v, sizeof(v)));
	assert_string_equal(v, "120");
	r = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, 2);
	assert_int_equal(f->ev[r].ev.reason, REGENT_SEND_INTERVAL_RETRY);
	/* a second 423: no second immediate retry */
	reg_fix_reply(f, 1, 423, "Interval Too Brief", "Min-Expires: 240\r\n");
	assert_int_equal(f->nsent, 2);
	assert_false(regent_registerer_waiting(f->reg));
	assert_true(reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0) >= 0);
	reg_fix_free(f);
}

static void interval_too_brief_not_larger_is_not_retried(void **state)
{
	struct reg_fix *f = setup_full(NULL, true, 600, NULL);

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 423, "Interval Too Brief", "Min-Expires: 60\r\n");
	assert_int_equal(f->nsent, 1);
	assert_false(regent_registerer_waiting(f->reg));
	reg_fix_free(f);
}

static void retry_after_503_honoured_and_readable(void **state)
{
	struct reg_fix *f = setup();
	uint64_t t;
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 503, "Service Unavailable", "Retry-After: 40\r\n");
	t = f->now;
	assert_int_equal(regent_registerer_retry_after(f->reg), 40);
	r = reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0);
	assert_true(r >= 0);
	assert_true(f->ev[r].ev.retry_in_ms >= 40000 && f->ev[r].ev.retry_in_ms <= 44000);
	reg_fix_run_for(f, 39999);
	assert_int_equal(f->nsent, 1);
	assert_int_equal(regent_registerer_retry_after(f->reg), 40); /* still readable */
	reg_fix_run_until_sent(f, 2, 4001);
	assert_int_equal(f->nsent, 2);
	assert_true(f->sent_at[1] - t >= 40000);
	r = reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, 2);
	assert_int_equal(f->ev[r].ev.reason, REGENT_SEND_RETRY);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_retry_after(f->reg), -1);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);
}

static void redirect_followed_to_contact(void **state)
{
	struct reg_fix *f = setup();

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 302, "Moved Temporarily", "Contact: <sip:reg2.example.com:5070>\r\n");
	assert_int_equal(f->nsent, 2);
	assert_true(strncmp(f->sent[1], "REGISTER sip:reg2.example.com:5070 SIP/2.0\r\n", 44) == 0);
	for (size_t i = 1; i <= 3; i++)
		reg_fix_reply(f, i, 302, "Moved Temporarily",
			      "Contact: <sip:reg3.example.com>\r\n");
	/* 3 hops at most */
	assert_int_equal(f->nsent, 4);
	assert_false(regent_registerer_waiting(f->reg));
	reg_fix_free(f);
}

static void refresh_due_during_inflight_request_is_deferred(void **state)
{
	struct reg_fix *f = setup();
	uint64_t due;
	size_t before;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	reg_fix_run_for(f, 6000); /* timer K over: the next deadline is the refresh */
	due = regent_ua_next_deadline(f->ua);
	assert_true(due != UINT64_MAX);
	reg_fix_run_until(f, due - 10000);
	assert_int_equal(regent_registerer_query(f->reg), 0);
	reg_fix_run_until(f, due + 10000);
	/* only retransmissions of the query went out: the refresh waits */
	for (size_t i = 2; i < f->nsent; i++)
		assert_string_equal(f->sent[i], f->sent[1]);
	before = f->nsent;
	reg_fix_reply(f, 1, 200, "OK", NULL);
	reg_fix_run_until_sent(f, before + 1, 1);
	assert_int_equal(f->nsent, before + 1);
	assert_int_equal(reg_fix_hdr_count(f->sent[before], "Contact"), 1);
	assert_int_equal(f->ev[reg_fix_find_ev(f, REGENT_EV_REQUEST_SENT, f->nev - 3)].ev.reason,
			 REGENT_SEND_REFRESH);
	reg_fix_free(f);
}

static void flow_down_fails_at_once_and_flow_up_reregisters(void **state)
{
	struct reg_fix *f = setup();
	struct regent_flow_info fi;
	uint64_t t;
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	t = f->now;
	regent_ua_flow_down(f->ua, ECONNRESET);
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.status, 503);
	assert_true(f->ev[r].ev.local);
	assert_int_equal(f->ev[r].t, t);
	assert_false(regent_registerer_waiting(f->reg));
	reg_fix_run_for(f, 5000);
	assert_int_equal(f->nsent, 1); /* nothing tried on a dead flow */
	memset(&fi, 0, sizeof(fi));
	fi.transport = REGENT_TP_TCP;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = 40000;
	regent_ua_flow_up(f->ua, &fi);
	reg_fix_run_for(f, 1000);
	assert_int_equal(f->nsent, 2);
	assert_non_null(strstr(f->sent[1], "SIP/2.0/TCP 192.0.2.10:40000"));
	assert_non_null(strstr(f->sent[1], "transport=tcp"));
	reg_fix_free(f);
}

/* A query or a removal of other Contacts in flight when the flow dies: the
 * exchange fails, and the registration on that flow is lost and retried
 * as when idle (it used to stay REGISTERED until its refresh). */
static void flow_lost_during_query_or_removal_is_handled_as_when_idle(void **state)
{
	static const char *const other[] = {"sip:old@192.0.2.77:40123"};
	struct regent_flow_info fi;

	(void)state;
	/* k == 2: the application starts another query as soon as the failed
	 * one reports waiting = false: the loss is still handled */
	for (int k = 0; k < 3; k++) {
		struct reg_fix *f = setup();

		assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
		reg_fix_reply_200(f, 0, 600);
		assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
		f->query_on_waiting_false = k == 2;
		if (k != 1)
			assert_int_equal(regent_registerer_query(f->reg), 0);
		else
			assert_int_equal(
			    regent_registerer_unregister_contacts(f->reg, other, 1, NULL), 0);
		assert_int_equal(f->nsent, 2);
		regent_ua_flow_down(f->ua, ECONNRESET);
		assert_int_equal(regent_registerer_waiting(f->reg), k == 2);
		assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_UNREGISTERED);
		assert_true(reg_fix_find_ev(f, REGENT_EV_REGISTRATION_LOST, 0) >= 0);
		assert_true(reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0) >= 0);
		/* back at once when the flow is (as from idle) */
		memset(&fi, 0, sizeof(fi));
		fi.transport = REGENT_TP_UDP;
		strcpy(fi.local_host, "192.0.2.10");
		fi.local_port = 5062;
		regent_ua_flow_up(f->ua, &fi);
		if (k == 2) {
			/* the queued query goes first, then the retry once it ends */
			reg_fix_run_until_sent(f, 3, 1000);
			assert_int_equal(f->nsent, 3);
			assert_int_equal(reg_fix_hdr_count(f->sent[2], "Contact"), 0);
			reg_fix_reply(f, 2, 200, "OK", NULL);
			reg_fix_run_until_sent(f, 4, 3600000);
			assert_true(f->nsent >= 4);
			assert_int_equal(reg_fix_hdr_count(f->sent[3], "Contact"), 1);
			reg_fix_free(f);
			continue;
		}
		reg_fix_run_for(f, 600); /* the retry's jitter is under 500 ms */
		assert_true(f->nsent >= 3);
		assert_non_null(strstr(f->sent[2], "192.0.2.10:5062"));
		reg_fix_free(f);
	}
}

static void register_during_outage_waits_bounded_then_goes_on_flow_up(void **state)
{
	struct reg_fix *f = setup();
	struct regent_flow_info fi;
	uint64_t t_up;
	long r;

	(void)state;
	regent_ua_flow_down(f->ua, ECONNRESET);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 0);
	assert_true(regent_registerer_waiting(f->reg));
	reg_fix_run_for(f, 32000); /* bounded: timer F worth of waiting for a flow */
	assert_false(regent_registerer_waiting(f->reg));
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(r >= 0 && f->ev[r].ev.local && f->ev[r].ev.status == 503);
	reg_fix_run_for(f, 28000);
	assert_int_equal(f->nsent, 0);
	memset(&fi, 0, sizeof(fi));
	fi.transport = REGENT_TP_UDP;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = 5060;
	t_up = f->now;
	regent_ua_flow_up(f->ua, &fi);
	reg_fix_run_until_sent(f, 1, 1000);
	assert_int_equal(f->nsent, 1);
	assert_true(f->sent_at[0] - t_up <= 1000);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);
}

static void network_changed_reregisters_at_once(void **state)
{
	struct reg_fix *f = setup();
	long r;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	regent_ua_network_changed(f->ua);
	r = reg_fix_find_ev(f, REGENT_EV_REGISTRATION_LOST, 0);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.error, ENETRESET);
	reg_fix_run_until_sent(f, 2, 1000);
	assert_int_equal(f->nsent, 2);
	assert_true(f->sent_at[1] - f->ev[r].t <= 1000);
	reg_fix_reply_200(f, 1, 600);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);
}

static void send_error_fails_transaction_at_once(void **state)
{
	struct reg_fix *f = setup();
	long r;

	(void)state;
	f->send_fail = EPIPE;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.status, 503);
	assert_true(f->ev[r].ev.local);
	assert_int_equal(f->ev[r].ev.error, EPIPE);
	assert_false(regent_registerer_waiting(f->reg));
	assert_true(reg_fix_find_ev(f, REGENT_EV_WILL_RETRY, 0) >= 0);
	reg_fix_free(f);
}

/* A local response and a REGISTRATION_LOST carry the cause in `error`, so a
 * TLS verification failure, a DNS failure or a reset tell apart without
 * reading the log; a response from the network carries none. */
static void local_failures_name_their_cause_in_error(void **state)
{
	static const int causes[] = {REGENT_ETLSVERIFY, REGENT_EDNS, ECONNREFUSED};
	struct reg_fix *f = setup();
	struct regent_flow_info fi;
	size_t from = 0;
	long r;

	(void)state;
	memset(&fi, 0, sizeof(fi));
	fi.transport = REGENT_TP_TCP;
	strcpy(fi.local_host, "192.0.2.10");
	fi.local_port = 40000;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		assert_true(regent_registerer_waiting(f->reg));
		regent_ua_flow_down(f->ua, causes[i]);
		r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, from);
		assert_true(r >= 0);
		assert_int_equal(f->ev[r].ev.status, 503);
		assert_true(f->ev[r].ev.local);
		assert_int_equal(f->ev[r].ev.error, causes[i]);
		from = (size_t)r + 1;
		regent_ua_flow_up(f->ua, &fi);
		reg_fix_run_until_sent(f, i + 2, 1000);
		assert_int_equal(f->nsent, i + 2);
	}
	/* a response from the network: no local cause */
	reg_fix_reply_200(f, f->nsent - 1, 600);
	r = reg_fix_find_ev(f, REGENT_EV_RESPONSE, from);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.status, 200);
	assert_false(f->ev[r].ev.local);
	assert_int_equal(f->ev[r].ev.error, 0);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	/* registered and idle: the flow's failure is the loss's cause */
	regent_ua_flow_down(f->ua, REGENT_ETLSVERIFY);
	r = reg_fix_find_ev(f, REGENT_EV_REGISTRATION_LOST, 0);
	assert_true(r >= 0);
	assert_int_equal(f->ev[r].ev.error, REGENT_ETLSVERIFY);
	reg_fix_free(f);
}

static void dispose_unregisters_then_terminates(void **state)
{
	struct reg_fix *f = setup();
	char v[512];

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_dispose(f->reg, 0), 0);
	assert_int_equal(f->nsent, 2);
	assert_true(reg_fix_hdr(f->sent[1], "Contact", 0, v, sizeof(v)));
	assert_non_null(strstr(v, ";expires=0"));
	reg_fix_reply(f, 1, 200, "OK", NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_TERMINATED);
	assert_false(regent_registerer_waiting(f->reg));
	assert_int_equal(regent_registerer_register(f->reg, NULL), EPERM);
	reg_fix_free(f);
}

static void dispose_bounded_by_deadline(void **state)
{
	struct reg_fix *f = setup();

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(regent_registerer_dispose(f->reg, 2000), 0);
	reg_fix_run_for(f, 2000);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_TERMINATED);
	assert_false(regent_registerer_waiting(f->reg));
	assert_int_equal(regent_ua_next_deadline(f->ua), UINT64_MAX);
	reg_fix_free(f);
}

static void free_and_dispose_from_callback_are_safe(void **state)
{
	struct reg_fix *f = setup();

	(void)state;
	f->free_on_response = true;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_null(f->reg);
	assert_int_equal(regent_ua_next_deadline(f->ua), UINT64_MAX);
	reg_fix_free(f);

	f = setup();
	f->dispose_on_response = true;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply_200(f, 0, 600);
	assert_int_equal(f->reentrant_rc, 0);
	assert_int_equal(f->nsent, 2); /* the un-REGISTER */
	f->dispose_on_response = false;
	reg_fix_reply(f, 1, 200, "OK", NULL);
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_TERMINATED);
	reg_fix_free(f);

	f = setup();
	f->free_ua_on_response = true;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 401, "Unauthorized", NULL); /* the UA goes inside the callback */
	assert_null(f->ua);
	reg_fix_free(f);

	f = setup();
	f->register_on_waiting_false = true;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_reply(f, 0, 403, "Forbidden", NULL);
	assert_int_equal(f->reentrant_rc, 0);
	assert_int_equal(f->nsent, 2);
	assert_true(regent_registerer_waiting(f->reg));
	reg_fix_free(f);
}

static void bad_options_refused_naming_the_field(void **state)
{
	static const char *const badh[] = {": novalue"};
	static const char *const crlf[] = {"X-A: b\r\nX-Evil: 1"};
	static const char *const badp[] = {"a;b"};
	struct reg_fix *f = setup();
	struct regent_registerer_options o;
	struct regent_registerer *r;
	struct regent_error e;
	struct {
		int what;
		const char *field;
	} tab[] = {
	    {0, "expires"},
	    {1, "expires"},
	    {2, "refresh_frequency"},
	    {3, "refresh_frequency"},
	    {4, "instance_id"},
	    {5, "registrar"},
	    {6, "extra_headers"},
	    {7, "extra_headers"},
	    {8, "params.from_display_name"},
	    {9, "extra_contact_header_params"},
	    {10, "params.to_uri"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		regent_registerer_options_init(&o);
		switch (tab[i].what) {
		case 0:
			o.expires = 0;
			break;
		case 1:
			o.expires = 2147483648u;
			break;
		case 2:
			o.refresh_frequency = 49;
			break;
		case 3:
			o.refresh_frequency = 100;
			break;
		case 4:
			o.instance_id = "not-a-uuid";
			break;
		case 5:
			o.registrar = "sip:";
			break;
		case 6:
			o.extra_headers = badh;
			o.extra_headers_count = 1;
			break;
		case 7:
			o.extra_headers = crlf;
			o.extra_headers_count = 1;
			break;
		case 8:
			o.params.from_display_name = "A\nB";
			break;
		case 9:
			o.extra_contact_header_params = badp;
			o.extra_contact_header_params_count = 1;
			break;
		case 10:
			o.params.to_uri = "not a uri";
			break;
		}
		r = (struct regent_registerer *)1;
		assert_int_equal(regent_registerer_alloc(&r, f->ua, &o, &e), EINVAL);
		assert_null(r);
		if (strstr(e.text, tab[i].field) == NULL)
			fail_msg("row %zu: \"%s\" does not name %s", i, e.text, tab[i].field);
	}
	reg_fix_free(f);
}

static void bad_ua_options_refused_naming_the_field(void **state)
{
	struct regent_ua_options uo;
	struct regent_ua *ua;
	struct regent_error e;
	struct reg_fix *f = reg_fix_alloc(0, 1);

	(void)state;
	regent_ua_options_init(&uo);
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_non_null(strstr(e.text, "uri"));
	uo.uri = "sip:alice@example.com";
	uo.instance_id = "1234";
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_non_null(strstr(e.text, "instance_id"));
	uo.instance_id = NULL;
	uo.display_name = "Al\r\nice";
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), EINVAL);
	assert_non_null(strstr(e.text, "display_name"));
	reg_fix_free(f);
}

/* An HA1 hashes its own username (RFC 7616 §3.4.2): a Registerer with a
 * username of its own cannot use the UA's HA1; and without any secret the
 * username would be silently useless. */
static void own_username_needs_a_secret_of_its_own_or_a_password(void **state)
{
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_ua *ua = NULL;
	struct regent_registerer *r = NULL;
	struct regent_error e;
	struct reg_fix *f = reg_fix_alloc(0, 1);

	(void)state;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@example.com";
	uo.authorization_ha1 = "b077287b387044390375790e3bc509ff";
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), 0);
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.authorization_username = "bob";
	memset(&e, 0, sizeof(e));
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &e), EINVAL);
	assert_null(r);
	assert_non_null(strstr(e.text, "authorization_username"));
	/* with its own password it is fine */
	ro.authorization_password = "bobpw";
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &e), 0);
	regent_registerer_free(r);
	regent_ua_free(ua);

	/* a username with no secret anywhere would be silently useless */
	uo.authorization_ha1 = NULL;
	assert_int_equal(reg_fix_ua_alloc(&ua, f, &uo, &e), 0);
	ro.authorization_password = NULL;
	r = NULL;
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &e), EINVAL);
	assert_null(r);
	assert_non_null(strstr(e.text, "no password or HA1"));
	regent_ua_free(ua);
	reg_fix_free(f);
}

static void log_configuration_masks_the_password(void **state)
{
	struct reg_fix *f = setup_full("hunter2-secret", true, 600, NULL);

	(void)state;
	assert_non_null(strstr(f->log, "authorization_password: ********"));
	assert_non_null(strstr(f->log, "refresh_frequency: 99"));
	assert_non_null(strstr(f->log, "expires: 600"));
	assert_null(strstr(f->log, "hunter2"));
	reg_fix_free(f);

	/* a Registerer's own credentials are masked the same way */
	struct regent_registerer_options ro;

	regent_registerer_options_init(&ro);
	ro.params.to_uri = "sip:bob@example.com";
	ro.authorization_password = "bobs-own-secret";
	f = setup_full("hunter2-secret", true, 600, &ro);
	/* the credentials in use: bob's (from the To URI), each line once */
	assert_non_null(strstr(f->log, "authorization_username: bob (this registerer's)"));
	assert_non_null(strstr(f->log, "authorization_password: ******** (this registerer's)"));
	assert_null(strstr(strstr(f->log, "authorization_password") + 1, "authorization_password"));
	assert_null(strstr(f->log, "bobs-own-secret"));
	assert_null(strstr(f->log, "hunter2"));
	reg_fix_free(f);
}

#if !defined(__SANITIZE_ADDRESS__)
/* Heap accounting by interposing the allocator (glibc routes its own
 * strdup etc. through these too): bytes usable + the 8-byte chunk header. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t a, size_t b);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static long long g_live;

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);
	if (p != NULL)
		g_live += (long long)malloc_usable_size(p) + 8;
	return p;
}

void *calloc(size_t a, size_t b)
{
	void *p = __libc_calloc(a, b);
	if (p != NULL)
		g_live += (long long)malloc_usable_size(p) + 8;
	return p;
}

void *realloc(void *p, size_t n)
{
	long long old = p != NULL ? (long long)malloc_usable_size(p) + 8 : 0;
	void *q = __libc_realloc(p, n);
	if (q != NULL)
		g_live += (long long)malloc_usable_size(q) + 8 - old;
	else if (n == 0)
		g_live -= old;
	return q;
}

void free(void *p)
{
	if (p != NULL)
		g_live -= (long long)malloc_usable_size(p) + 8;
	__libc_free(p);
}
#endif

/* Heap held by one idle registered Registerer with cached credentials (the
 * UA and the fixture's copies of sent messages not counted). */
static void idle_registered_registerer_heap_bytes(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
	(void)state;
	skip(); /* ASan owns the allocator: measured in plain builds */
#else
	struct reg_fix *f = setup_full("secret", false, 600, NULL);
	struct regent_registerer_options ro;
	struct regent_registerer *r2;
	struct regent_error e;
	long long a, held, fixture = 0;
	size_t base = f->nsent;

	(void)state;
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	a = g_live;
	assert_int_equal(regent_registerer_alloc(&r2, f->ua, &ro, &e), 0);
	assert_int_equal(regent_registerer_register(r2, NULL), 0);
	reg_fix_reply(
	    f, base, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", "
	    "nonce=\"0123456789abcdef0123456789abcdef\", qop=\"auth\", algorithm=MD5\r\n");
	reg_fix_reply_200(f, base + 1, 600);
	assert_int_equal(regent_registerer_state(r2), REGENT_REG_REGISTERED);
	reg_fix_run_for(f, 6000); /* timer K over: idle */
	for (size_t i = base; i < f->nsent; i++)
		fixture += (long long)malloc_usable_size(f->sent[i]) + 8;
	held = g_live - a - fixture;
	print_message("heap held by one idle registered Registerer with cached credentials: "
		      "%lld bytes\n",
		      held);
	regent_registerer_free(r2);
	assert_true(g_live - a - fixture == 0); /* all of it was the registerer's */
	assert_true(held > 0 && held <= 1024);
	reg_fix_free(f);
#endif
}

/* The events since `from`, as a string of letters (R response, S sent,
 * W waiting changed, T state changed, Y will retry, L lost, F refreshed). */
static void ev_string(const struct reg_fix *f, size_t from, char *out, size_t size)
{
	static const char letters[] = "?TWSRYFL";
	size_t n = 0;

	for (size_t i = from; i < f->nev && n + 1 < size; i++)
		out[n++] = letters[f->ev[i].ev.type];
	out[n] = '\0';
}

/* regent.h's ordering guarantee: every follow-up to a final response (auth
 * retry, 423 retry, redirect, WILL_RETRY) is emitted from inside the call
 * that delivered it, before the WAITING_CHANGED(false) that ends the
 * exchange; without a follow-up, WAITING_CHANGED(false) comes right after
 * the outcome. */
static void followups_come_before_waiting_changed_false(void **state)
{
	struct regent_registerer_options ro;
	struct reg_fix *f = setup_full("secret", true, 30, NULL);
	char seq[64];
	size_t from;
	long w;

	(void)state;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	/* 401 -> the authenticated retry, waiting all along */
	from = f->nev;
	reg_fix_reply(
	    f, 0, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"o1\", qop=\"auth\"\r\n");
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RS");
	assert_int_equal(f->ev[from + 1].ev.reason, REGENT_SEND_AUTH_RETRY);
	assert_true(f->ev[from + 1].ev.waiting);
	/* 423 -> the retry with Min-Expires */
	from = f->nev;
	reg_fix_reply(f, 1, 423, "Interval Too Brief", "Min-Expires: 120\r\n");
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RS");
	assert_int_equal(f->ev[from + 1].ev.reason, REGENT_SEND_INTERVAL_RETRY);
	/* 302 -> the request to the new target */
	from = f->nev;
	reg_fix_reply(f, 2, 302, "Moved Temporarily", "Contact: <sip:reg2.example.com:5070>\r\n");
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RS");
	assert_int_equal(f->ev[from + 1].ev.reason, REGENT_SEND_REDIRECT);
	/* 403 -> Unregistered, WILL_RETRY (the registrar said no), and only
	 * then the end of the exchange */
	from = f->nev;
	reg_fix_reply(f, 3, 403, "Forbidden", NULL);
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RTYW");
	assert_int_equal(f->ev[from + 2].ev.error, REGENT_EREJECTED);
	assert_false(f->ev[from + 3].ev.waiting);
	reg_fix_free(f);

	/* a challenge without credentials: WILL_RETRY names REGENT_EAUTH */
	f = setup_full(NULL, true, 600, NULL);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	from = f->nev;
	reg_fix_reply(
	    f, 0, 401, "Unauthorized",
	    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"o2\", qop=\"auth\"\r\n");
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RTYW");
	assert_int_equal(f->ev[from + 2].ev.error, REGENT_EAUTH);
	reg_fix_free(f);

	/* no retry asked for: nothing follows, the failure is the outcome */
	regent_registerer_options_init(&ro);
	ro.auto_retry = false;
	f = setup_full(NULL, true, 600, &ro);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	from = f->nev;
	reg_fix_reply(f, 0, 404, "Not Found", NULL);
	ev_string(f, from, seq, sizeof(seq));
	assert_string_equal(seq, "RTW");
	w = reg_fix_find_ev(f, REGENT_EV_WAITING_CHANGED, from);
	assert_int_equal(w, (long)f->nev - 1);
	reg_fix_run_for(f, 3600000);
	assert_int_equal(f->nsent, 1);
	reg_fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_register_has_exact_wire_content),
	    cmocka_unit_test(without_instance_no_outbound_no_gruu_no_sip_instance),
	    cmocka_unit_test(cseq_rises_by_one_callid_and_tag_stable_branches_unique),
	    cmocka_unit_test(unregister_all_sends_star_and_expires_zero),
	    cmocka_unit_test(unregister_contacts_names_each_and_leaves_our_registration_alone),
	    cmocka_unit_test(per_request_headers_add_for_that_request_only),
	    cmocka_unit_test(udp_retransmits_on_timer_e_then_local_408_at_timer_f),
	    cmocka_unit_test(late_retransmitted_response_is_absorbed),
	    cmocka_unit_test(refresh_goes_out_before_expiry_with_margin),
	    cmocka_unit_test(expires_header_used_when_contact_has_no_param),
	    cmocka_unit_test(ok_without_contact_clears_waiting_and_retries_later),
	    cmocka_unit_test(auth_retry_answers_canned_401_and_refresh_is_preemptive),
	    cmocka_unit_test(interval_too_brief_retried_once_with_min_expires),
	    cmocka_unit_test(interval_too_brief_not_larger_is_not_retried),
	    cmocka_unit_test(retry_after_503_honoured_and_readable),
	    cmocka_unit_test(redirect_followed_to_contact),
	    cmocka_unit_test(refresh_due_during_inflight_request_is_deferred),
	    cmocka_unit_test(flow_down_fails_at_once_and_flow_up_reregisters),
	    cmocka_unit_test(flow_lost_during_query_or_removal_is_handled_as_when_idle),
	    cmocka_unit_test(register_during_outage_waits_bounded_then_goes_on_flow_up),
	    cmocka_unit_test(network_changed_reregisters_at_once),
	    cmocka_unit_test(send_error_fails_transaction_at_once),
	    cmocka_unit_test(local_failures_name_their_cause_in_error),
	    cmocka_unit_test(dispose_unregisters_then_terminates),
	    cmocka_unit_test(dispose_bounded_by_deadline),
	    cmocka_unit_test(free_and_dispose_from_callback_are_safe),
	    cmocka_unit_test(bad_options_refused_naming_the_field),
	    cmocka_unit_test(bad_ua_options_refused_naming_the_field),
	    cmocka_unit_test(own_username_needs_a_secret_of_its_own_or_a_password),
	    cmocka_unit_test(log_configuration_masks_the_password),
	    cmocka_unit_test(idle_registered_registerer_heap_bytes),
	    cmocka_unit_test(followups_come_before_waiting_changed_false),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

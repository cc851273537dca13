/*
 * What issue 12 asked of the library for an operator: responses dropped
 * unused are counted, logged with the reason and the peer and handed to
 * drop_h; the trace names direction and addresses; an event of a local
 * failure names its flow; extra headers may not repeat the headers the
 * registerer writes; a SIPS AOR gets a SIPS Contact (RFC 3261 §8.1.1.8);
 * transaction_timeout_ms bounds a transaction instead of timer F; a
 * contact_uri is registered exactly and recognised in the 2xx. A fake
 * sender records every message; the clock is virtual.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "reg_fixture.h"
#include "regent.h"

struct setup {
	const char *aor;
	enum regent_transport tp;
	uint32_t txn_timeout_ms;
	const char *contact_uri;
	const char *const *xh;
	size_t nxh;
};

static struct reg_fix *make(const struct setup *s, int *alloc_rc, struct regent_error *e)
{
	struct reg_fix *f = reg_fix_alloc(1000000, 12);
	struct regent_ua_options uo;
	struct regent_registerer_options ro;

	regent_ua_options_init(&uo);
	uo.uri = s->aor ? s->aor : "sip:alice@example.com";
	uo.contact_name = "me";
	uo.log_level = REGENT_LOG_TRACE;
	uo.transaction_timeout_ms = s->txn_timeout_ms;
	reg_fix_ua(f, &uo, e, s->tp ? s->tp : REGENT_TP_UDP, "127.0.0.1", 47200, "127.0.0.2");
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.contact_uri = s->contact_uri;
	ro.extra_headers = s->xh;
	ro.extra_headers_count = s->nxh;
	*alloc_rc = reg_fix_registerer(f, &ro, e);
	return f;
}

static struct reg_fix *make_ok(const struct setup *s)
{
	struct regent_error e;
	int rc;
	struct reg_fix *f = make(s, &rc, &e);

	assert_int_equal(rc, 0);
	return f;
}

/* Answers request i with `status`, `extra` lines and `branch` (NULL: its own). */
static void reply(struct reg_fix *f, size_t i, uint16_t status, const char *extra)
{
	char buf[4096], v[1024];
	size_t n = 0;
	const char *names[] = {"Via", "From", "To", "Call-ID", "CSeq"};

	n += (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 %u X\r\n", status);
	for (size_t k = 0; k < 5; k++) {
		assert_true(reg_fix_hdr(f->sent[i], names[k], 0, v, sizeof(v)));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\r\n", names[k], v);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%sContent-Length: 0\r\n\r\n",
			      extra ? extra : "");
	regent_ua_recv(f->ua, buf, n);
}

/* ------------------------------------------------------------ item 3 */

static void dropped_responses_are_counted_logged_with_reason_and_peer_and_handed_over(void **st)
{
	struct setup s = {0};
	struct reg_fix *f = make_ok(&s);
	struct regent_ua_stats us;
	static const char junk[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;\r\n"
				   "Content-Length: 0\r\n\r\n";
	static const char stray[] = "SIP/2.0 200 OK\r\n"
				    "Via: SIP/2.0/UDP 127.0.0.1:47200;branch=z9hG4bKnotours\r\n"
				    "From: <sip:alice@example.com>;tag=a\r\n"
				    "To: <sip:alice@example.com>\r\nCall-ID: c\r\n"
				    "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";

	(void)st;
	regent_ua_recv(f->ua, junk, sizeof(junk) - 1);
	regent_ua_stats(f->ua, &us);
	assert_int_equal(us.malformed_dropped, 1);
	assert_int_equal(f->nmalformed, 1);
	assert_true(strstr(f->drop_reason, " at ") != NULL); /* the parser's offset */
	assert_string_equal(f->drop_peer, "127.0.0.2");
	assert_int_equal(f->drop_port, 5060);
	assert_non_null(strstr(f->log, "dropped a malformed response #1 (UDP 127.0.0.2:5060 -> "
				       "127.0.0.1:47200): "));
	/* the dropped message is traced too */
	assert_non_null(strstr(f->log, "recv UDP 127.0.0.2:5060 -> 127.0.0.1:47200, "));

	regent_ua_recv(f->ua, stray, sizeof(stray) - 1);
	regent_ua_stats(f->ua, &us);
	assert_int_equal(us.unmatched_dropped, 1);
	assert_int_equal(f->ndrops, 2);
	assert_int_equal(f->nmalformed, 1);
	assert_non_null(strstr(f->drop_reason, "no transaction"));
	assert_non_null(strstr(f->log, "dropped an unmatched response #1"));
	reg_fix_free(f);
}

static void a_flood_of_junk_is_logged_rate_limited_but_all_counted(void **st)
{
	struct setup s = {0};
	struct reg_fix *f = make_ok(&s);
	struct regent_ua_stats us;
	static const char junk[] = "SIP/2.0 200 OK\r\nCSeq: x\r\n\r\n";
	size_t logged = 0;

	(void)st;
	for (int i = 0; i < 100; i++)
		regent_ua_recv(f->ua, junk, sizeof(junk) - 1);
	regent_ua_stats(f->ua, &us);
	assert_int_equal(us.malformed_dropped, 100);
	assert_int_equal(f->ndrops, 100);
	for (const char *p = f->log; (p = strstr(p, "dropped a malformed")) != NULL; p++)
		logged++;
	assert_int_equal(logged, 16 + 2); /* 1..16, then 32 and 64 */
	reg_fix_free(f);
}

/* ------------------------------------------------------------ -v trace */

static void trace_names_direction_and_addresses(void **st)
{
	struct setup s = {0};
	struct reg_fix *f = make_ok(&s);

	(void)st;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_int_equal(f->nsent, 1);
	assert_non_null(strstr(f->log, "send UDP 127.0.0.1:47200 -> 127.0.0.2:5060, "));
	reply(f, 0, 500, NULL);
	assert_non_null(strstr(f->log, "recv UDP 127.0.0.2:5060 -> 127.0.0.1:47200, "));
	reg_fix_free(f);
}

/* ------------------------------------------------------------ item 5 */

static void a_local_failure_names_its_flow(void **st)
{
	struct setup s = {0};
	struct reg_fix *f = make_ok(&s);
	long i;

	(void)st;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	regent_ua_flow_down(f->ua, ECONNREFUSED);
	i = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(i >= 0);
	assert_true(f->ev[i].ev.local);
	assert_int_equal(f->ev[i].ev.error, ECONNREFUSED);
	assert_int_equal(f->ev[i].ev.flow_transport, REGENT_TP_UDP);
	assert_string_equal(f->ev[i].peer, "127.0.0.2");
	assert_int_equal(f->ev[i].ev.flow_peer_port, 5060);
	reg_fix_free(f);
}

/* ------------------------------------------------------------ item 7 */

static void extra_headers_refuse_the_headers_the_registerer_writes(void **st)
{
	static const char *const bad[] = {
	    "Content-Length: 0", "l: 0",	  "VIA: SIP/2.0/UDP x",
	    "call-id: x",	 "CSeq: 1 X",	  "Contact: <sip:x@y>",
	    "m: <sip:x@y>",	 "Expires: 1",	  "Max-Forwards: 1",
	    "Authorization: x",	 "User-Agent: y", "t : <sip:a@b>"};
	static const char *const good[] = {"X-Foo: 1", "Lx: 2", "Content-Type-X: 3"};
	struct regent_error e;
	struct regent_request_options rq = {0};
	int rc;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct setup s = {.xh = &bad[i], .nxh = 1};
		struct reg_fix *f = make(&s, &rc, &e);
		size_t n = strcspn(bad[i], " :");

		assert_int_equal(rc, EINVAL);
		assert_int_equal(strncmp(e.text, "extra_headers: ", 15), 0);
		/* names it as given */
		assert_int_equal(strncmp(e.text + 15, "regent writes ", 14), 0);
		assert_int_equal(strncmp(e.text + 29, bad[i], n), 0);
		reg_fix_free(f);
	}
	{
		struct setup s = {.xh = &bad[1], .nxh = 1};
		struct reg_fix *f = make(&s, &rc, &e);

		/* a compact form says which header it is */
		assert_non_null(strstr(e.text, "regent writes l itself (Content-Length)"));
		reg_fix_free(f);
	}
	{
		struct setup s = {.xh = good, .nxh = 3};
		struct reg_fix *f = make_ok(&s);

		/* per request too */
		rq.extra_headers = &bad[0];
		rq.extra_headers_count = 1;
		assert_int_equal(regent_registerer_register(f->reg, &rq), EINVAL);
		assert_int_equal(f->nsent, 0);
		rq.extra_headers = good;
		rq.extra_headers_count = 3;
		assert_int_equal(regent_registerer_register(f->reg, &rq), 0);
		assert_int_equal(f->nsent, 1);
		reg_fix_free(f);
	}
}

/* ------------------------------------------------------------ item 10 */

static void a_sips_aor_gets_a_sips_contact(void **st)
{
	struct setup s = {.aor = "sips:alice@example.com", .tp = REGENT_TP_TLS};
	struct reg_fix *f = make_ok(&s);
	char ct[512];

	(void)st;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, ct, sizeof(ct)));
	assert_int_equal(strncmp(ct, "<sips:me@127.0.0.1:47200>", 25), 0);
	assert_null(strstr(ct, "transport=tls"));
	assert_non_null(strstr(f->sent[0], "REGISTER sips:example.com SIP/2.0\r\n"));
	/* and the 2xx listing it is ours */
	{
		char extra[600];

		snprintf(extra, sizeof(extra), "Contact: <sips:me@127.0.0.1:47200>;expires=60\r\n");
		reply(f, 0, 200, extra);
	}
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);

	/* a sip: AOR keeps sip: and names the transport */
	struct setup s2 = {.tp = REGENT_TP_TLS};
	f = make_ok(&s2);
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, ct, sizeof(ct)));
	assert_int_equal(strncmp(ct, "<sip:me@127.0.0.1:47200;transport=tls>", 38), 0);
	reg_fix_free(f);
}

/* ------------------------------------------------------------ --timeout */

static void transaction_timeout_bounds_the_transaction_instead_of_timer_f(void **st)
{
	struct setup s = {.txn_timeout_ms = 2000};
	struct reg_fix *f = make_ok(&s);
	uint64_t t0 = f->now;
	long i;

	(void)st;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_run_until(f, t0 + 1999);
	assert_int_equal(reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0), -1);
	reg_fix_run_until(f, t0 + 2000);
	i = reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0);
	assert_true(i >= 0);
	assert_int_equal(f->ev[i].ev.status, 408);
	assert_int_equal(f->ev[i].ev.error, REGENT_ETIMEOUT);
	reg_fix_free(f);

	/* unset: timer F, 64*T1 */
	struct setup s2 = {0};
	f = make_ok(&s2);
	t0 = f->now;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	reg_fix_run_until(f, t0 + 31999);
	assert_int_equal(reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0), -1);
	reg_fix_run_until(f, t0 + 32000);
	assert_true(reg_fix_find_ev(f, REGENT_EV_RESPONSE, 0) >= 0);
	reg_fix_free(f);
}

/* ------------------------------------------------------------ --contact */

static void contact_uri_is_registered_exactly_and_recognised_in_the_2xx(void **st)
{
	struct setup s = {.contact_uri = "sip:door@127.0.0.9:5070;transport=tcp"};
	struct reg_fix *f = make_ok(&s);
	char ct[512];

	(void)st;
	assert_int_equal(regent_registerer_register(f->reg, NULL), 0);
	assert_true(reg_fix_hdr(f->sent[0], "Contact", 0, ct, sizeof(ct)));
	assert_int_equal(strncmp(ct, "<sip:door@127.0.0.9:5070;transport=tcp>", 39), 0);
	/* RFC 3261 §19.1.4: host case and param order do not matter */
	reply(f, 0, 200, "Contact: <sip:door@127.0.0.9:5070;TRANSPORT=TCP>;expires=60\r\n");
	assert_int_equal(regent_registerer_state(f->reg), REGENT_REG_REGISTERED);
	reg_fix_free(f);

	{
		struct regent_error e;
		int rc;
		struct setup bad = {.contact_uri = "<sip:x@y>"};

		f = make(&bad, &rc, &e);
		assert_int_equal(rc, EINVAL);
		assert_int_equal(strncmp(e.text, "contact_uri: ", 13), 0);
		reg_fix_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		dropped_responses_are_counted_logged_with_reason_and_peer_and_handed_over),
	    cmocka_unit_test(a_flood_of_junk_is_logged_rate_limited_but_all_counted),
	    cmocka_unit_test(trace_names_direction_and_addresses),
	    cmocka_unit_test(a_local_failure_names_its_flow),
	    cmocka_unit_test(extra_headers_refuse_the_headers_the_registerer_writes),
	    cmocka_unit_test(a_sips_aor_gets_a_sips_contact),
	    cmocka_unit_test(transaction_timeout_bounds_the_transaction_instead_of_timer_f),
	    cmocka_unit_test(contact_uri_is_registered_exactly_and_recognised_in_the_2xx),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}

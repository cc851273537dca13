/*
 * URIs: RFC 3261 §19.1.1 parsing (user, password, host kinds, port, params,
 * headers, escapes), other schemes opaque, bad input, §19.1.4 equivalence.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"

static int parse(struct regent_uri *u, const char *s)
{
	return regent_uri_parse(u, s, strlen(s), NULL);
}

static void sip_uri_every_part(void **state)
{
	struct regent_uri u;
	struct regent_pl v;

	(void)state;
	assert_int_equal(parse(&u, "sips:alice:secret@Atlanta.Example.com:5061;transport=tcp;lr"
				   "?subject=project%20x&priority=urgent"),
			 0);
	assert_true(u.is_sip);
	assert_true(u.secure);
	assert_true(regent_pl_eq_str(u.scheme, "sips"));
	assert_true(regent_pl_eq_str(u.user, "alice"));
	assert_true(regent_pl_eq_str(u.password, "secret"));
	assert_true(regent_pl_eq_str(u.host, "Atlanta.Example.com"));
	assert_int_equal(u.host_type, REGENT_HOST_NAME);
	assert_true(u.has_port);
	assert_int_equal(u.port, 5061);
	assert_true(regent_pl_eq_str(u.params, ";transport=tcp;lr"));
	assert_true(regent_pl_eq_str(u.headers, "subject=project%20x&priority=urgent"));
	assert_true(regent_uri_param(&u, "TRANSPORT", &v));
	assert_true(regent_pl_eq_str(v, "tcp"));
	assert_true(regent_uri_param(&u, "lr", &v));
	assert_false(regent_pl_isset(v));
	assert_false(regent_uri_param(&u, "maddr", &v));
}

static void host_kinds(void **state)
{
	struct regent_uri u;

	(void)state;
	assert_int_equal(parse(&u, "sip:192.0.2.4"), 0);
	assert_int_equal(u.host_type, REGENT_HOST_IPV4);
	assert_false(regent_pl_isset(u.user));
	assert_false(u.has_port);
	assert_int_equal(parse(&u, "sip:[2001:db8::10]:5070"), 0);
	assert_int_equal(u.host_type, REGENT_HOST_IPV6);
	assert_true(regent_pl_eq_str(u.host, "2001:db8::10"));
	assert_int_equal(u.port, 5070);
	assert_int_equal(parse(&u, "sip:[::ffff:192.0.2.10]"), 0);
	assert_true(regent_pl_eq_str(u.host, "::ffff:192.0.2.10"));
	assert_int_equal(parse(&u, "sip:example.com."), 0); /* trailing dot allowed */
	assert_int_equal(u.host_type, REGENT_HOST_NAME);
	/* label edges (RFC 3261 §25.1 domainlabel / toplabel) */
	assert_int_equal(parse(&u, "sip:a-b.c--d.e9;lr"), 0);
	assert_true(regent_pl_eq_str(u.host, "a-b.c--d.e9"));
	assert_int_equal(parse(&u, "sip:x.example.com.:5060"), 0);
	assert_true(regent_pl_eq_str(u.host, "x.example.com."));
	assert_int_equal(parse(&u, "sip:1.2.3.4.example"), 0);
	assert_int_equal(u.host_type, REGENT_HOST_NAME);
	assert_true(regent_pl_eq_str(u.host, "1.2.3.4.example"));
	assert_int_equal(parse(&u, "sip:u@10.0.0.255:5060;lr"), 0);
	assert_int_equal(u.host_type, REGENT_HOST_IPV4);
	assert_true(regent_pl_eq_str(u.host, "10.0.0.255"));
	assert_int_equal(u.port, 5060);
	assert_int_equal(parse(&u, "sip:1-2.example"), 0);
	assert_int_equal(u.host_type, REGENT_HOST_NAME);
	static const char *const bad[] = {
	    "sip:-a.com",     "sip:a-.com",    "sip:a.-b",	"sip:a.b-",
	    "sip:.a",	      "sip:a..",       "sip:a.b..",	"sip:1.2.3.4.",
	    "sip:a.1com-",    "sip:1.2.3",     "sip:1.2.3.4a",	"sip:1.2.3.4-a",
	    "sip:0001.1.1.1", "sip:1.2.3.04-", "sip:256.1.1.1", "sip:a.9"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&u, bad[i]) == 0)
			fail_msg("accepted bad host in '%s'", bad[i]);
	}
}

static void escapes_are_kept_exact_including_nul(void **state)
{
	static const char s[] = "sip:a%00b@example.com";
	struct regent_uri u;

	(void)state;
	assert_int_equal(regent_uri_parse(&u, s, sizeof(s) - 1, NULL), 0);
	assert_int_equal(u.user.l, 5);
	assert_memory_equal(u.user.p, "a%00b", 5);
}

static void other_schemes_are_opaque(void **state)
{
	struct regent_uri u;

	(void)state;
	assert_int_equal(parse(&u, "tel:+1-201-555-0123"), 0);
	assert_false(u.is_sip);
	assert_true(regent_pl_eq_str(u.scheme, "tel"));
	assert_true(regent_pl_eq_str(u.opaque, "+1-201-555-0123"));
	assert_int_equal(parse(&u, "soap.beep://192.0.2.103:3002"), 0);
	assert_true(regent_pl_eq_str(u.scheme, "soap.beep"));
	assert_int_equal(parse(&u, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), 0);
}

static void malformed_uris_are_rejected_with_offset(void **state)
{
	static const char *const bad[] = {
	    "",
	    "sip:",
	    "sip:@example.com",	     /* empty user */
	    "sip:user@",	     /* no host */
	    "sip:user@host:",	     /* empty port */
	    "sip:user@host:65536",   /* port range */
	    "sip:user@host:0",	     /* port 0 */
	    "sip:user@2001:db8::1",  /* IPv6 without brackets (RFC 5118 4.2) */
	    "sip:user@[2001:db8::1", /* unterminated */
	    "sip:user@[zz::1]",
	    "sip:user@-host.com",
	    "sip:user@host-.com",
	    "sip:user@a..com",
	    "sip:user@256.1.1.1",
	    "sip:user@1.2.3",
	    "sip:user@host;",	/* empty param */
	    "sip:user@host;a=", /* empty param value */
	    "sip:user@host?",	/* empty header */
	    "sip:user@host?a",	/* header without '=' */
	    "sip:us%4ger@host", /* bad escape */
	    "sip:user@host%41",
	    "sip:user@host x",
	    "<sip:user@host>",
	    "1sip:user@host",
	    "tel:",
	    "tel:a b",
	    "sip:a:b:c@host", /* ':' in a password */
	};
	struct regent_uri u;
	struct regent_msg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (regent_uri_parse(&u, bad[i], strlen(bad[i]), &err) != EINVAL)
			fail_msg("accepted bad URI '%s'", bad[i]);
		assert_int_equal(err.code, REGENT_MSG_EURI);
		assert_true(err.offset <= strlen(bad[i]));
		assert_non_null(strstr(err.reason, "URI: "));
	}
}

static bool eq(const char *a, const char *b)
{
	struct regent_uri ua, ub;

	assert_int_equal(parse(&ua, a), 0);
	assert_int_equal(parse(&ub, b), 0);
	bool r = regent_uri_equal(&ua, &ub);

	assert_true(regent_uri_equal(&ub, &ua) == r); /* symmetric */
	return r;
}

/* The examples of RFC 3261 §19.1.4. */
static void rfc3261_equivalence_examples(void **state)
{
	(void)state;
	assert_true(
	    eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		       "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
	assert_true(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		       "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));

	assert_false(
	    eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	assert_false(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	assert_false(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
	assert_false(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

static void equivalence_details(void **state)
{
	(void)state;
	assert_false(eq("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
	assert_false(eq("sip:alice@atlanta.com", "sip:ALICE@atlanta.com")); /* user is exact */
	/* a reserved character and its escape are not the same (RFC 3261 §19.1.4) */
	assert_false(eq("sip:a%3Ab@host", "sip:a:b@host"));
	assert_true(eq("sip:a%40b@host", "sip:a%40b@host"));
	assert_true(eq("sip:%61@host", "sip:a@host"));
	assert_false(eq("sip:a@host", "sip:host"));
	assert_true(eq("sip:[2001:DB8::1]", "sip:[2001:db8::1]"));
	assert_true(eq("tel:+123", "TEL:+123"));
	assert_false(eq("tel:+123", "tel:+124"));
	assert_false(eq("sip:a@host;maddr=x.com", "sip:a@host"));
	assert_false(eq("sip:a@host;ttl=1", "sip:a@host;ttl=2"));
	assert_false(eq("sip:a@host?a=1", "sip:a@host?a=1&b=2"));
}

static void params_next_walks_every_param(void **state)
{
	struct regent_pl params = REGENT_PL(";a=1;b; c = \"x;y\" ;d=\"q\\\"\"");
	struct regent_pl n, v;
	size_t pos = 0;

	(void)state;
	assert_true(regent_param_next(params, &pos, &n, &v));
	assert_true(regent_pl_eq_str(n, "a") && regent_pl_eq_str(v, "1"));
	assert_true(regent_param_next(params, &pos, &n, &v));
	assert_true(regent_pl_eq_str(n, "b") && !regent_pl_isset(v));
	assert_true(regent_param_next(params, &pos, &n, &v));
	assert_true(regent_pl_eq_str(n, "c") && regent_pl_eq_str(v, "x;y"));
	assert_true(regent_param_next(params, &pos, &n, &v));
	assert_true(regent_pl_eq_str(n, "d") && regent_pl_eq_str(v, "q\\\""));
	assert_false(regent_param_next(params, &pos, &n, &v));
	assert_true(regent_param_get(params, "C", &v));
	assert_true(regent_pl_eq_str(v, "x;y"));
	assert_false(regent_param_get(params, "e", &v));
	assert_false(regent_param_get(REGENT_PL_NULL, "a", &v));
}

/* Fuzzer findings: a cut-off or invalid %-escape in a non-SIP URI is refused
 * (it made equality irreflexive), and a repeated URI parameter keeps equality
 * reflexive and symmetric (the k-th occurrence pairs with the k-th). */
static void escapes_and_repeated_params_keep_equality_sound(void **state)
{
	static const char *const bad[] = {"foo:%", "x:.%0", "tel:%zz", "tel:%4"};
	static const char *const self[] = {
	    "sip:u@h;a=1;b=2;a=3", "sip:h;transport=tcp;transport=udp", "tel:%41", "x:a%2fb"};
	struct regent_uri u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&u, bad[i]) != EINVAL)
			fail_msg("accepted bad URI '%s'", bad[i]);
	}
	for (size_t i = 0; i < sizeof(self) / sizeof(self[0]); i++) {
		if (!eq(self[i], self[i]))
			fail_msg("'%s' is not equal to itself", self[i]);
	}
	assert_true(eq("sip:u@h;a=1;b=2;a=3", "sip:u@h;A=1;a=3"));
	assert_false(eq("sip:u@h;a=1;b=2;a=3", "sip:u@h;a=3;a=1"));
	assert_false(eq("sip:h;transport=tcp;transport=udp", "sip:h;transport=tcp;transport=tls"));
	assert_true(eq("sip:h;transport=tcp;transport=udp", "sip:h;transport=tcp"));
	/* NULL with length 0 is an empty input, not undefined behaviour */
	assert_int_equal(regent_uri_parse(&u, NULL, 0, NULL), EINVAL);
	assert_false(regent_param_get((struct regent_pl){NULL, 0}, "a", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sip_uri_every_part),
	    cmocka_unit_test(host_kinds),
	    cmocka_unit_test(escapes_are_kept_exact_including_nul),
	    cmocka_unit_test(other_schemes_are_opaque),
	    cmocka_unit_test(malformed_uris_are_rejected_with_offset),
	    cmocka_unit_test(rfc3261_equivalence_examples),
	    cmocka_unit_test(equivalence_details),
	    cmocka_unit_test(params_next_walks_every_param),
	    cmocka_unit_test(escapes_and_repeated_params_keep_equality_sound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

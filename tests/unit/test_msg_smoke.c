/*
 * Smoke test of the codec: a REGISTER and its 200 parse and the fields a
 * registration client reads come out right.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"

static const char reg[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: \"Bob \\\"B\\\"\" <sip:bob@example.com>;tag=456248\r\n"
    "Call-ID: 843817637684230@998sdasdh09\r\n"
    "CSeq: 1826 REGISTER\r\n"
    "Contact: <sip:bob@192.0.2.1>;expires=3600, <sip:bob@[2001:db8::1]:5070>\r\n"
    "Expires: 7200\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static void register_fields_are_read(void **state)
{
	struct regent_msg *m = NULL;
	struct regent_msg_error err;
	struct regent_msg_iter it = {0};
	struct regent_via via;
	struct regent_addr a;
	struct regent_contact c;
	struct regent_pl meth;
	uint32_t n;

	(void)state;
	assert_int_equal(regent_msg_parse(&m, reg, sizeof(reg) - 1, NULL, &err), 0);
	assert_true(regent_msg_is_request(m));
	assert_true(regent_pl_eq_str(regent_msg_method(m), "REGISTER"));
	assert_true(regent_pl_eq_str(regent_msg_ruri(m)->host, "example.com"));

	assert_int_equal(regent_msg_via_next(m, &it, &via), 0);
	assert_true(regent_pl_eq_str(via.host, "192.0.2.1"));
	assert_int_equal(via.port, 5060);
	assert_true(regent_pl_eq_str(via.branch, "z9hG4bK776asdhds"));
	assert_true(via.has_rport);
	assert_int_equal(regent_msg_via_next(m, &it, &via), ENOENT);

	assert_int_equal(regent_msg_from(m, &a), 0);
	assert_true(regent_pl_eq_str(a.tag, "456248"));
	assert_true(regent_pl_eq_str(a.display, "Bob \\\"B\\\""));
	assert_int_equal(regent_msg_to(m, &a), 0);
	assert_true(regent_pl_eq_str(a.uri_raw, "sip:bob@example.com"));
	assert_false(regent_pl_isset(a.tag));

	assert_true(regent_pl_eq_str(regent_msg_call_id(m), "843817637684230@998sdasdh09"));
	assert_int_equal(regent_msg_cseq(m, &n, &meth), 0);
	assert_int_equal(n, 1826);
	assert_true(regent_pl_eq_str(meth, "REGISTER"));

	memset(&it, 0, sizeof(it));
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_true(c.has_expires);
	assert_int_equal(c.expires, 3600);
	assert_int_equal(regent_msg_contact_next(m, &it, &c), 0);
	assert_int_equal(c.addr.uri.host_type, REGENT_HOST_IPV6);
	assert_true(regent_pl_eq_str(c.addr.uri.host, "2001:db8::1"));
	assert_int_equal(c.addr.uri.port, 5070);
	assert_int_equal(regent_msg_contact_next(m, &it, &c), ENOENT);

	assert_int_equal(regent_msg_u32(m, REGENT_HDR_EXPIRES, &n), 0);
	assert_int_equal(n, 7200);
	assert_int_equal(regent_msg_validate(m, &err), 0);
	regent_msg_free(m);
}

static void empty_via_param_is_rejected_with_offset(void **state)
{
	static const char bad[] = "SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/UDP h;;branch=z9hG4bK1\r\n"
				  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
				  "CSeq: 1 REGISTER\r\n\r\n";
	struct regent_msg *m = NULL;
	struct regent_msg_error err;

	(void)state;
	assert_int_equal(regent_msg_parse(&m, bad, sizeof(bad) - 1, NULL, &err), EBADMSG);
	assert_null(m);
	assert_int_equal(err.code, REGENT_MSG_EVALUE);
	assert_int_equal(err.offset, 35);
	assert_string_equal(err.reason, "Via: empty parameter at 35");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(register_fields_are_read),
	    cmocka_unit_test(empty_via_param_is_rejected_with_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

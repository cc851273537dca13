/*
 * The response-from-request builder (src/msg/response.c, RFC 3261 §8.2.6):
 * what is copied and in which order, each To-tag rule, Via received/rport
 * (RFC 3581 §4), and refusals; every response read back with the parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "msg/response.h"

#define REQ_HEAD                                                                                   \
	"OPTIONS sip:ua@192.0.2.5 SIP/2.0\r\n"                                                     \
	"v: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKa1;rport\r\n"                                 \
	"Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bKb2;received=198.51.100.1\r\n"                \
	"Max-Forwards: 70\r\n"                                                                     \
	"From: <sip:proxy@example.com>;tag=f1\r\n"

static const char req_no_tag[] = REQ_HEAD "To: <sip:ua@example.com>\r\n"
					  "Call-ID: cid-1@example.com\r\n"
					  "CSeq: 5 OPTIONS\r\n"
					  "Subject: not copied\r\n"
					  "Content-Length: 0\r\n\r\n";

static const char req_tagged[] = REQ_HEAD "To: <sip:ua@example.com>;tag=t9\r\n"
					  "Call-ID: cid-1@example.com\r\n"
					  "CSeq: 5 OPTIONS\r\n"
					  "Content-Length: 0\r\n\r\n";

/* Builds a response to `req` and parses it back into *rsp. */
static int build(const char *req, uint16_t code, const struct regent_resp_options *o,
		 struct regent_wbuf *wb, struct regent_msg **rsp)
{
	struct regent_msg *m = NULL;
	struct regent_msg_error e;
	int err;

	assert_int_equal(regent_msg_parse(&m, req, strlen(req), NULL, &e), 0);
	regent_wbuf_init_dynamic(wb, 0);
	err = regent_build_response(wb, m, code, "Whatever", o);
	if (!err)
		err = regent_build_finish(wb, NULL, 0);
	regent_msg_free(m);
	if (!err && rsp && regent_msg_parse(rsp, wb->buf, wb->len, NULL, &e))
		fail_msg("response does not parse: %s\n%s", e.reason, wb->buf);
	return err;
}

static struct regent_pl to_tag(const struct regent_msg *m)
{
	struct regent_addr to;

	assert_int_equal(regent_msg_to(m, &to), 0);
	return to.tag;
}

static void copies_the_five_headers_in_order_and_nothing_else(void **state)
{
	struct regent_wbuf wb;
	struct regent_msg *r;
	const char *via, *via2, *from, *to, *cid, *cseq;

	(void)state;
	assert_int_equal(build(req_no_tag, 200, NULL, &wb, &r), 0);
	assert_int_equal(regent_msg_status(r), 200);
	assert_memory_equal(wb.buf, "SIP/2.0 200 Whatever\r\n", 22);
	via = strstr(wb.buf, "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKa1;rport\r\n");
	via2 = strstr(wb.buf, "Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bKb2;"
			      "received=198.51.100.1\r\n");
	from = strstr(wb.buf, "From: <sip:proxy@example.com>;tag=f1\r\n");
	to = strstr(wb.buf, "To: <sip:ua@example.com>\r\n");
	cid = strstr(wb.buf, "Call-ID: cid-1@example.com\r\n");
	cseq = strstr(wb.buf, "CSeq: 5 OPTIONS\r\n");
	assert_true(via && via2 && from && to && cid && cseq);
	assert_true(via < via2 && via2 < from && from < to && to < cid && cid < cseq);
	assert_null(strstr(wb.buf, "Subject"));
	assert_null(strstr(wb.buf, "Max-Forwards"));
	/* rule NONE: To copied as it came */
	assert_false(regent_pl_isset(to_tag(r)));
	regent_msg_free(r);
	regent_wbuf_release(&wb);
}

static void given_tag_added_only_when_to_has_none(void **state)
{
	struct regent_resp_options o = {.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN, .to_tag = "abc"};
	struct regent_wbuf wb;
	struct regent_msg *r;

	(void)state;
	assert_int_equal(build(req_no_tag, 405, &o, &wb, &r), 0);
	assert_true(regent_pl_eq_str(to_tag(r), "abc"));
	regent_msg_free(r);
	regent_wbuf_release(&wb);
	/* RFC 3261 §8.2.6.2: a To that has a tag keeps it, alone */
	assert_int_equal(build(req_tagged, 405, &o, &wb, &r), 0);
	assert_true(regent_pl_eq_str(to_tag(r), "t9"));
	assert_null(strstr(wb.buf, "abc"));
	regent_msg_free(r);
	regent_wbuf_release(&wb);
}

static void call_id_tag_is_stable_and_follows_the_call_id(void **state)
{
	struct regent_resp_options o = {.to_tag_rule = REGENT_RESP_TO_TAG_CALL_ID};
	struct regent_wbuf a, b, c;
	struct regent_msg *ra, *rb, *rc;
	char other[sizeof(req_no_tag)];

	(void)state;
	memcpy(other, req_no_tag, sizeof(req_no_tag));
	memcpy(strstr(other, "cid-1"), "cid-2", 5);
	assert_int_equal(build(req_no_tag, 200, &o, &a, &ra), 0);
	assert_int_equal(build(req_no_tag, 200, &o, &b, &rb), 0);
	assert_int_equal(build(other, 200, &o, &c, &rc), 0);
	/* 16 hex digits, the same for a retransmission, another for another call */
	assert_int_equal(to_tag(ra).l, 16);
	assert_true(regent_pl_eq(to_tag(ra), to_tag(rb)));
	assert_false(regent_pl_eq(to_tag(ra), to_tag(rc)));
	regent_msg_free(ra);
	regent_msg_free(rb);
	regent_msg_free(rc);
	regent_wbuf_release(&a);
	regent_wbuf_release(&b);
	regent_wbuf_release(&c);
	assert_int_equal(build(req_tagged, 200, &o, &a, &ra), 0);
	assert_true(regent_pl_eq_str(to_tag(ra), "t9"));
	regent_msg_free(ra);
	regent_wbuf_release(&a);
}

static void top_via_gets_received_and_rport(void **state)
{
	struct regent_resp_options o = {.src_host = "203.0.113.7", .src_port = 40000};
	struct regent_wbuf wb;
	struct regent_msg *r;

	(void)state;
	assert_int_equal(build(req_no_tag, 200, &o, &wb, &r), 0);
	/* RFC 3581 §4: rport filled, received added; the second Via untouched */
	assert_non_null(strstr(wb.buf, "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKa1;"
				       "received=203.0.113.7;rport=40000\r\n"));
	assert_non_null(strstr(wb.buf, "Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bKb2;"
				       "received=198.51.100.1\r\n"));
	regent_msg_free(r);
	regent_wbuf_release(&wb);
	/* a source that cannot go into a parameter is not written */
	o.src_host = "1.2.3.4;evil=1";
	assert_int_equal(build(req_no_tag, 200, &o, &wb, &r), 0);
	assert_null(strstr(wb.buf, "evil"));
	assert_non_null(strstr(wb.buf, "branch=z9hG4bKa1;rport\r\n"));
	regent_msg_free(r);
	regent_wbuf_release(&wb);
}

static void refusals(void **state)
{
	struct regent_resp_options o = {.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN};
	struct regent_msg *m = NULL, *rsp = NULL;
	struct regent_wbuf wb;
	char small[40];

	(void)state;
	assert_int_equal(regent_msg_parse(&m, req_no_tag, strlen(req_no_tag), NULL, NULL), 0);
	regent_wbuf_init_dynamic(&wb, 0);
	/* GIVEN with no tag, NULL arguments */
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", &o), EINVAL);
	assert_int_equal(regent_build_response(NULL, m, 200, "OK", NULL), EINVAL);
	assert_int_equal(regent_build_response(&wb, NULL, 200, "OK", NULL), EINVAL);
	/* a tag that would inject a header */
	o.to_tag = "x\r\nEvil: 1";
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", &o), EINVAL);
	regent_wbuf_release(&wb);
	/* a full fixed buffer */
	regent_wbuf_init_fixed(&wb, small, sizeof(small));
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", NULL), ENOSPC);
	/* a response is not answered */
	regent_wbuf_init_dynamic(&wb, 0);
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", NULL), 0);
	assert_int_equal(regent_build_finish(&wb, NULL, 0), 0);
	assert_int_equal(regent_msg_parse(&rsp, wb.buf, wb.len, NULL, NULL), 0);
	regent_wbuf_reset(&wb);
	assert_int_equal(regent_build_response(&wb, rsp, 200, "OK", NULL), EINVAL);
	regent_wbuf_release(&wb);
	regent_msg_free(rsp);
	regent_msg_free(m);
}

static void params_copied_with_skips(void **state)
{
	static const char *const skip[] = {"expires", "Q", NULL};
	struct regent_pl p = REGENT_PL(";a=1; expires=30 ;q=0.5;x=\"semi;colon\";b");
	struct regent_wbuf wb;

	(void)state;
	regent_wbuf_init_dynamic(&wb, 0);
	regent_build_params(&wb, p, skip);
	assert_string_equal(wb.buf, ";a=1;x=\"semi;colon\";b");
	regent_wbuf_reset(&wb);
	regent_build_params(&wb, p, NULL);
	assert_string_equal(wb.buf, ";a=1;expires=30;q=0.5;x=\"semi;colon\";b");
	regent_wbuf_release(&wb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copies_the_five_headers_in_order_and_nothing_else),
	    cmocka_unit_test(given_tag_added_only_when_to_has_none),
	    cmocka_unit_test(call_id_tag_is_stable_and_follows_the_call_id),
	    cmocka_unit_test(top_via_gets_received_and_rport),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(params_copied_with_skips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Message parsing: start lines, header index (folding, compact forms,
 * case), limits with their own codes, framing by Content-Length, mandatory
 * headers, integers, truncated input, errors with offsets.
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

#define HDRS                                                                                       \
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"                                           \
	"From: <sip:a@example.com>;tag=1\r\n"                                                      \
	"To: <sip:a@example.com>\r\n"                                                              \
	"Call-ID: c1\r\n"                                                                          \
	"CSeq: 1 REGISTER\r\n"

static int parse(const char *s, struct regent_msg **m, struct regent_msg_error *err)
{
	return regent_msg_parse(m, s, strlen(s), NULL, err);
}

static void expect_error(const char *s, enum regent_msg_errc code, const char *reason)
{
	struct regent_msg *m = (struct regent_msg *)1;
	struct regent_msg_error err;
	int rc = parse(s, &m, &err);

	if (rc == 0) {
		regent_msg_free(m);
		fail_msg("accepted: %s", s);
	}
	assert_null(m);
	if (err.code != code || !strstr(err.reason, reason))
		fail_msg("got %s '%s', wanted %s '%s' for: %s", regent_msg_errc_name(err.code),
			 err.reason, regent_msg_errc_name(code), reason, s);
	assert_true(err.offset <= strlen(s));
}

static void request_and_status_lines(void **state)
{
	struct regent_msg *m;
	struct regent_msg_error err;

	(void)state;
	assert_int_equal(parse("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "\r\n", &m, &err), 0);
	assert_true(regent_msg_is_request(m));
	assert_true(regent_pl_eq_str(regent_msg_method(m), "OPTIONS"));
	assert_null(NULL);
	regent_msg_free(m);

	assert_int_equal(parse("SIP/2.0 180 Ringing here\r\n" HDRS "\r\n", &m, &err), 0);
	assert_false(regent_msg_is_request(m));
	assert_int_equal(regent_msg_status(m), 180);
	assert_true(regent_pl_eq_str(regent_msg_reason(m), "Ringing here"));
	assert_null(regent_msg_ruri(m));
	regent_msg_free(m);

	assert_int_equal(parse("SIP/2.0 100 \r\n" HDRS "\r\n", &m, &err), 0);
	assert_int_equal(regent_msg_reason(m).l, 0);
	regent_msg_free(m);
}

static void bad_start_lines(void **state)
{
	(void)state;
	expect_error("OPTIONS sip:x@example.com SIP/3.0\r\n" HDRS "\r\n", REGENT_MSG_EVERSION,
		     "unsupported SIP version");
	expect_error("SIP/1.0 200 OK\r\n" HDRS "\r\n", REGENT_MSG_EVERSION, "version");
	expect_error("OPTIONS sip:x@example.com HTTP/1.1\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "bad SIP version");
	expect_error("OPTIONS  sip:x@example.com SIP/2.0\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "empty Request-URI");
	expect_error("OPTIONS sip:x@example.com SIP/2.0 \r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "extra space");
	expect_error("OPTIONS sip:x@example.com\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "missing SIP version");
	expect_error("OPT@ONS sip:x@example.com SIP/2.0\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "bad method");
	expect_error("OPTIONS <sip:x@example.com> SIP/2.0\r\n" HDRS "\r\n", REGENT_MSG_EURI,
		     "Request-URI");
	expect_error("SIP/2.0 20 OK\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE, "3 digits");
	expect_error("SIP/2.0 2000 OK\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE, "3 digits");
	expect_error("SIP/2.0 099 OK\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE, "out of range");
	expect_error("SIP/2.0 200\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE, "3 digits");
	expect_error("SIP/2.0 200 O\001K\r\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE,
		     "control character");
	expect_error("SIP/2.0 200 OK\n" HDRS "\r\n", REGENT_MSG_ESTARTLINE, "CRLF");
	expect_error("", REGENT_MSG_EINCOMPLETE, "no end of line");
}

static void folding_case_and_compact_forms(void **state)
{
	static const char s[] = "REGISTER sip:example.com SIP/2.0\r\n"
				"v: SIP/2.0/UDP 192.0.2.1\r\n"
				" ;branch=z9hG4bK1\r\n"
				"f: <sip:a@example.com>\r\n\t;tag=1\r\n"
				"t: <sip:a@example.com>\r\n"
				"i: c1\r\n"
				"cSeQ  :\r\n  7\r\n   REGISTER\r\n"
				"m: <sip:a@192.0.2.1>\r\n"
				"k: path\r\n"
				"e: gzip\r\n"
				"X-Odd: one  \r\n"
				"l: 0\r\n"
				"\r\n";
	struct regent_msg *m;
	struct regent_msg_error err;
	struct regent_msg_iter it = {0};
	struct regent_via v;
	struct regent_addr a;
	uint32_t n;
	const struct regent_hdr *h;

	(void)state;
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, NULL, &err), 0);
	assert_int_equal(regent_msg_via_next(m, &it, &v), 0);
	assert_true(regent_pl_eq_str(v.branch, "z9hG4bK1"));
	regent_msg_from(m, &a);
	assert_true(regent_pl_eq_str(a.tag, "1"));
	assert_true(regent_pl_eq_str(regent_msg_call_id(m), "c1"));
	assert_int_equal(regent_msg_cseq(m, &n, NULL), 0);
	assert_int_equal(n, 7);
	assert_true(regent_msg_has_token(m, REGENT_HDR_SUPPORTED, "PATH"));
	h = regent_msg_hdr_find(m, REGENT_HDR_OTHER, "Content-Encoding", NULL);
	assert_non_null(h);
	assert_true(regent_pl_eq_str(h->value, "gzip"));
	h = regent_msg_hdr_find(m, REGENT_HDR_OTHER, "x-odd", NULL);
	assert_non_null(h);
	assert_true(regent_pl_eq_str(h->value, "one")); /* trailing LWS trimmed */
	assert_true(regent_pl_eq_str(h->name, "X-Odd"));
	assert_null(regent_msg_hdr_find(m, REGENT_HDR_OTHER, "x-odd", h));
	h = regent_msg_hdr_find(m, REGENT_HDR_OTHER, "call-id", NULL); /* known name */
	assert_non_null(h);
	assert_int_equal(h->id, REGENT_HDR_CALL_ID);
	assert_int_equal(regent_msg_u32(m, REGENT_HDR_CONTENT_LENGTH, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(regent_msg_hdr_count(m), 10);
	assert_non_null(regent_msg_hdr_at(m, 9));
	assert_null(regent_msg_hdr_at(m, 10));
	assert_int_equal(regent_msg_validate(m, &err), 0);
	regent_msg_free(m);
}

static void header_names_and_ids(void **state)
{
	static const struct {
		const char *name;
		enum regent_hdr_id id;
	} t[] = {
	    {"via", REGENT_HDR_VIA},
	    {"V", REGENT_HDR_VIA},
	    {"From", REGENT_HDR_FROM},
	    {"f", REGENT_HDR_FROM},
	    {"TO", REGENT_HDR_TO},
	    {"t", REGENT_HDR_TO},
	    {"call-id", REGENT_HDR_CALL_ID},
	    {"i", REGENT_HDR_CALL_ID},
	    {"CSEQ", REGENT_HDR_CSEQ},
	    {"contact", REGENT_HDR_CONTACT},
	    {"m", REGENT_HDR_CONTACT},
	    {"Expires", REGENT_HDR_EXPIRES},
	    {"min-expires", REGENT_HDR_MIN_EXPIRES},
	    {"Retry-After", REGENT_HDR_RETRY_AFTER},
	    {"www-authenticate", REGENT_HDR_WWW_AUTHENTICATE},
	    {"Proxy-Authenticate", REGENT_HDR_PROXY_AUTHENTICATE},
	    {"authorization", REGENT_HDR_AUTHORIZATION},
	    {"Proxy-Authorization", REGENT_HDR_PROXY_AUTHORIZATION},
	    {"path", REGENT_HDR_PATH},
	    {"Service-Route", REGENT_HDR_SERVICE_ROUTE},
	    {"supported", REGENT_HDR_SUPPORTED},
	    {"k", REGENT_HDR_SUPPORTED},
	    {"Require", REGENT_HDR_REQUIRE},
	    {"Unsupported", REGENT_HDR_UNSUPPORTED},
	    {"Flow-Timer", REGENT_HDR_FLOW_TIMER},
	    {"Max-Forwards", REGENT_HDR_MAX_FORWARDS},
	    {"content-length", REGENT_HDR_CONTENT_LENGTH},
	    {"l", REGENT_HDR_CONTENT_LENGTH},
	    {"Content-Type", REGENT_HDR_CONTENT_TYPE},
	    {"c", REGENT_HDR_CONTENT_TYPE},
	    {"Route", REGENT_HDR_ROUTE},
	    {"Record-Route", REGENT_HDR_RECORD_ROUTE},
	    {"Allow", REGENT_HDR_ALLOW},
	    {"User-Agent", REGENT_HDR_USER_AGENT},
	    {"Server", REGENT_HDR_SERVER},
	    {"Date", REGENT_HDR_DATE},
	    {"Subject", REGENT_HDR_SUBJECT},
	    {"s", REGENT_HDR_SUBJECT},
	    {"Event", REGENT_HDR_EVENT},
	    {"o", REGENT_HDR_EVENT},
	    {"e", REGENT_HDR_OTHER},
	    {"u", REGENT_HDR_OTHER},
	    {"Vía", REGENT_HDR_OTHER},
	    {"Viaa", REGENT_HDR_OTHER},
	    {"Cal-lID", REGENT_HDR_OTHER},
	    {"", REGENT_HDR_OTHER},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (regent_hdr_id_from_name(t[i].name, strlen(t[i].name)) != t[i].id)
			fail_msg("%s", t[i].name);
	}
	for (int id = 1; id < REGENT_HDR__COUNT; id++) {
		const char *n = regent_hdr_canonical_name((enum regent_hdr_id)id);

		assert_non_null(n);
		assert_int_equal(regent_hdr_id_from_name(n, strlen(n)), id);
	}
	assert_null(regent_hdr_canonical_name(REGENT_HDR_OTHER));
	assert_string_equal(regent_hdr_canonical_name(REGENT_HDR_CALL_ID), "Call-ID");
}

static void bad_header_lines(void **state)
{
	(void)state;
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "NoColon\r\n\r\n",
		     REGENT_MSG_EHEADER, "missing colon");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS ": value\r\n\r\n",
		     REGENT_MSG_EHEADER, "missing header name");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n folded-first: x\r\n" HDRS "\r\n",
		     REGENT_MSG_EHEADER, "missing header name");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "X: a\nY: b\r\n\r\n",
		     REGENT_MSG_EHEADER, "CRLF");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS, REGENT_MSG_EINCOMPLETE,
		     "no end of headers");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "\r", REGENT_MSG_EINCOMPLETE,
		     "no end of headers");
}

static void mandatory_headers(void **state)
{
	static const char *const names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	char buf[512];

	(void)state;
	for (size_t skip = 0; skip < 5; skip++) {
		size_t n =
		    (size_t)snprintf(buf, sizeof(buf), "OPTIONS sip:x@example.com SIP/2.0\r\n");
		const char *lines[] = {"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n",
				       "From: <sip:a@b.com>;tag=1\r\n", "To: <sip:a@b.com>\r\n",
				       "Call-ID: c\r\n", "CSeq: 1 OPTIONS\r\n"};

		for (size_t i = 0; i < 5; i++) {
			if (i != skip)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", lines[i]);
		}
		snprintf(buf + n, sizeof(buf) - n, "\r\n");
		char want[64];

		snprintf(want, sizeof(want), "%s: missing header", names[skip]);
		expect_error(buf, REGENT_MSG_EMISSING, want);
	}
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "To: <sip:b@example.com>\r\n\r\n",
		     REGENT_MSG_EVALUE, "To: repeated header");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "i: c2\r\n\r\n",
		     REGENT_MSG_EVALUE, "Call-ID: repeated header");
}

static void integers_and_overflow(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(regent_pl_u32(REGENT_PL("4294967295"), UINT32_MAX, &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(regent_pl_u32(REGENT_PL("4294967296"), UINT32_MAX, &v), ERANGE);
	assert_int_equal(regent_pl_u32(REGENT_PL("36893488147419103232"), UINT32_MAX, &v), ERANGE);
	assert_int_equal(regent_pl_u32(REGENT_PL("0000000000000000000042"), UINT32_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(regent_pl_u32(REGENT_PL("256"), 255, &v), ERANGE);
	assert_int_equal(regent_pl_u32(REGENT_PL("-1"), UINT32_MAX, &v), EINVAL);
	assert_int_equal(regent_pl_u32(REGENT_PL("1 "), UINT32_MAX, &v), EINVAL);
	assert_int_equal(regent_pl_u32(REGENT_PL(""), UINT32_MAX, &v), EINVAL);
	assert_int_equal(regent_pl_u32(REGENT_PL_NULL, UINT32_MAX, &v), EINVAL);

	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Expires: 4294967296\r\n\r\n",
		     REGENT_MSG_ERANGE, "Expires: value out of range");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Expires: soon\r\n\r\n",
		     REGENT_MSG_EVALUE, "Expires: not a number");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Max-Forwards: 256\r\n\r\n",
		     REGENT_MSG_ERANGE, "Max-Forwards");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		     "From: <sip:a@b.com>;tag=1\r\nTo: <sip:a@b.com>\r\nCall-ID: c\r\n"
		     "CSeq: 4294967296 OPTIONS\r\n\r\n",
		     REGENT_MSG_ERANGE, "CSeq: number out of range");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		     "From: <sip:a@b.com>;tag=1\r\nTo: <sip:a@b.com>\r\nCall-ID: c\r\n"
		     "CSeq: 1OPTIONS\r\n\r\n",
		     REGENT_MSG_EVALUE, "CSeq: missing space");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS
		     "Contact: <sip:a@b.com>;expires=99999999999\r\n\r\n",
		     REGENT_MSG_ERANGE, "Contact: bad expires");
}

static void content_length_frames_the_body(void **state)
{
	static const char s[] =
	    "OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Content-Length: 4\r\n\r\nbodyTRAILING";
	struct regent_msg *m;
	struct regent_msg_error err;

	(void)state;
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, NULL, &err), 0);
	assert_true(regent_pl_eq_str(regent_msg_body(m), "body"));
	assert_int_equal(regent_msg_raw(m).l, sizeof(s) - 1 - 8);
	regent_msg_free(m);

	/* no Content-Length: a datagram's body is the rest */
	static const char d[] = "OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "\r\nxyz";

	assert_int_equal(regent_msg_parse(&m, d, sizeof(d) - 1, NULL, &err), 0);
	assert_true(regent_pl_eq_str(regent_msg_body(m), "xyz"));
	regent_msg_free(m);

	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Content-Length: 5\r\n\r\nbody",
		     REGENT_MSG_ELENGTH, "larger than the body");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS "Content-Length: -1\r\n\r\n",
		     REGENT_MSG_ELENGTH, "not a number");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS
		     "Content-Length: 99999999999\r\n\r\n",
		     REGENT_MSG_ERANGE, "Content-Length");
	expect_error("OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS
		     "l: 0\r\nContent-Length: 0\r\n\r\n",
		     REGENT_MSG_ELENGTH, "repeated header");
}

static void limits_have_their_own_codes(void **state)
{
	struct regent_msg_limits lim;
	struct regent_msg *m;
	struct regent_msg_error err;
	static const char s[] = "OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS
				"X-Long: 0123456789012345678901234567890123456789\r\n\r\n";

	(void)state;
	regent_msg_limits_init(&lim);
	assert_int_equal(lim.max_size, 65536);
	assert_int_equal(lim.max_headers, 256);
	assert_int_equal(lim.max_line, 16384);
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, &lim, &err), 0);
	regent_msg_free(m);

	lim.max_size = 100;
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, &lim, &err), EMSGSIZE);
	assert_int_equal(err.code, REGENT_MSG_ETOOBIG);

	regent_msg_limits_init(&lim);
	lim.max_headers = 5;
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, &lim, &err), EBADMSG);
	assert_int_equal(err.code, REGENT_MSG_ETOOMANYHDRS);

	regent_msg_limits_init(&lim);
	lim.max_line = 46; /* the Via line fits, X-Long does not */
	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, &lim, &err), EBADMSG);
	assert_int_equal(err.code, REGENT_MSG_ELINE);
	assert_int_equal(err.offset, strstr(s, "X-Long") - s);
}

/* More headers than fit in the message's inline index: the index grows. */
static void many_headers_grow_the_index(void **state)
{
	char *s = malloc(65536);
	size_t n = 0;
	struct regent_msg *m;
	struct regent_msg_error err;
	const struct regent_hdr *h = NULL;
	int count = 0;

	(void)state;
	assert_non_null(s);
	n += (size_t)sprintf(s + n, "OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS);
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(s + n, "X-N: %d\r\n", i);
	n += (size_t)sprintf(s + n, "\r\n");
	assert_int_equal(regent_msg_parse(&m, s, n, NULL, &err), 0);
	assert_int_equal(regent_msg_hdr_count(m), 205);
	while ((h = regent_msg_hdr_find(m, REGENT_HDR_OTHER, "x-n", h))) {
		char want[16];

		snprintf(want, sizeof(want), "%d", count++);
		assert_true(regent_pl_eq_str(h->value, want));
	}
	assert_int_equal(count, 200);
	regent_msg_free(m);
	free(s);
}

/* regent_msg_parse_into: the same message as regent_msg_parse, in caller
 * storage; a long header list still grows (and regent_msg_free frees it,
 * ASan checks); an error leaves *msgp NULL; no storage is EINVAL. */
static void parse_into_caller_storage(void **state)
{
	static const char ok[] = "REGISTER sip:example.com SIP/2.0\r\n" HDRS
				 "Contact: <sip:a@192.0.2.1:5060>;expires=60\r\n"
				 "Expires: 120\r\n"
				 "Content-Length: 0\r\n\r\n";
	union regent_msg_storage st;
	struct regent_msg *a = NULL, *b = NULL;
	struct regent_msg_error err;
	struct regent_msg_iter it = {0};
	struct regent_contact c;
	uint32_t v;
	char *s = malloc(65536);
	size_t n = 0;

	(void)state;
	assert_non_null(s);
	assert_int_equal(regent_msg_parse_into(&st, &a, ok, sizeof(ok) - 1, NULL, &err), 0);
	assert_ptr_equal((void *)a, (void *)&st);
	assert_int_equal(regent_msg_parse(&b, ok, sizeof(ok) - 1, NULL, &err), 0);
	assert_int_equal(regent_msg_hdr_count(a), regent_msg_hdr_count(b));
	for (size_t i = 0; i < regent_msg_hdr_count(a); i++) {
		assert_ptr_equal(regent_msg_hdr_at(a, i)->value.p,
				 regent_msg_hdr_at(b, i)->value.p);
		assert_int_equal(regent_msg_hdr_at(a, i)->value.l,
				 regent_msg_hdr_at(b, i)->value.l);
	}
	assert_true(regent_pl_eq_str(regent_msg_call_id(a), "c1"));
	assert_int_equal(regent_msg_contact_next(a, &it, &c), 0);
	assert_int_equal(c.expires, 60);
	assert_int_equal(regent_msg_u32(a, REGENT_HDR_EXPIRES, &v), 0);
	assert_int_equal(v, 120);
	regent_msg_free(a);
	regent_msg_free(b);

	/* more headers than the inline index: the index grows on the heap */
	n += (size_t)sprintf(s + n, "OPTIONS sip:x@example.com SIP/2.0\r\n" HDRS);
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(s + n, "X-N: %d\r\n", i);
	n += (size_t)sprintf(s + n, "\r\n");
	assert_int_equal(regent_msg_parse_into(&st, &a, s, n, NULL, &err), 0);
	assert_int_equal(regent_msg_hdr_count(a), 105);
	regent_msg_free(a);

	/* the same storage again, for a bad message: an error, no message */
	a = (struct regent_msg *)(void *)s;
	assert_int_equal(regent_msg_parse_into(&st, &a, "REGISTER\r\n\r\n", 14, NULL, &err),
			 EBADMSG);
	assert_null(a);
	assert_int_equal(regent_msg_parse_into(NULL, &a, ok, sizeof(ok) - 1, NULL, &err), EINVAL);
	assert_null(a);
	free(s);
}

/* Every prefix of a valid message fails cleanly (no read past the end:
 * each prefix is copied to an exact-size heap block for ASan). */
static void every_truncation_fails_cleanly(void **state)
{
	static const char s[] =
	    "REGISTER sip:example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport\r\n"
	    "From: \"A \\\"q\\\"\" <sip:a@example.com>;tag=1\r\n"
	    "To: <sip:a@example.com>\r\n"
	    "Call-ID: c1@h\r\n"
	    "CSeq: 1 REGISTER\r\n"
	    "Contact: <sip:a@192.0.2.1>;+sip.instance=\"<urn:x>\";expires=60\r\n"
	    "Retry-After: 10 (x (y)) ;duration=5\r\n"
	    "Content-Length: 3\r\n\r\nabc";

	(void)state;
	for (size_t l = 0; l < sizeof(s) - 1; l++) {
		char *b = malloc(l ? l : 1);
		struct regent_msg *m = NULL;
		struct regent_msg_error err;

		assert_non_null(b);
		memcpy(b, s, l);
		assert_int_not_equal(regent_msg_parse(&m, b, l, NULL, &err), 0);
		assert_null(m);
		assert_true(err.code == REGENT_MSG_EINCOMPLETE || err.code == REGENT_MSG_ELENGTH ||
			    err.code == REGENT_MSG_ESTARTLINE);
		assert_true(err.offset <= l);
		free(b);
	}
	struct regent_msg *m;
	struct regent_msg_error err;

	assert_int_equal(regent_msg_parse(&m, s, sizeof(s) - 1, NULL, &err), 0);
	regent_msg_free(m);
}

static void error_code_names(void **state)
{
	(void)state;
	for (int c = REGENT_MSG_OK; c <= REGENT_MSG_ENOSPC; c++) {
		const char *n = regent_msg_errc_name((enum regent_msg_errc)c);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown error");
	}
	assert_string_equal(regent_msg_errc_name((enum regent_msg_errc)999), "unknown error");
}

static void pl_helpers(void **state)
{
	char small[4];
	char *d;

	(void)state;
	assert_true(regent_pl_eq(REGENT_PL("abc"), REGENT_PL("abc")));
	assert_false(regent_pl_eq(REGENT_PL("abc"), REGENT_PL("abC")));
	assert_true(regent_pl_casecmp_eq(REGENT_PL("abc"), REGENT_PL("AbC")));
	assert_false(regent_pl_casecmp_eq(REGENT_PL("abc"), REGENT_PL("abcd")));
	assert_true(regent_pl_eq_str(REGENT_PL("x"), "x"));
	assert_true(regent_pl_caseeq_str(REGENT_PL("X"), "x"));
	assert_int_equal(regent_pl_strcpy(REGENT_PL("abc"), small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(regent_pl_strcpy(REGENT_PL("abcd"), small, sizeof(small)), ENOSPC);
	assert_string_equal(small, "");
	d = regent_pl_strdup(REGENT_PL("a\0b"));
	assert_non_null(d);
	assert_memory_equal(d, "a\0b", 4);
	free(d);
	assert_false(regent_pl_isset(REGENT_PL_NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_and_status_lines),
	    cmocka_unit_test(bad_start_lines),
	    cmocka_unit_test(folding_case_and_compact_forms),
	    cmocka_unit_test(header_names_and_ids),
	    cmocka_unit_test(bad_header_lines),
	    cmocka_unit_test(mandatory_headers),
	    cmocka_unit_test(integers_and_overflow),
	    cmocka_unit_test(content_length_frames_the_body),
	    cmocka_unit_test(limits_have_their_own_codes),
	    cmocka_unit_test(many_headers_grow_the_index),
	    cmocka_unit_test(parse_into_caller_storage),
	    cmocka_unit_test(every_truncation_fails_cleanly),
	    cmocka_unit_test(error_code_names),
	    cmocka_unit_test(pl_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

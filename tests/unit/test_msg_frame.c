/*
 * Stream framing (RFC 3261 §18.3): Content-Length (also compact `l`),
 * messages split across reads, several per read, CRLF keep-alives
 * (RFC 5626 §3.5.1), size limits, missing or conflicting lengths.
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

static const char m1[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h\r\nContent-Length: 5\r\n\r\nhello";
static const char m2[] = "OPTIONS sip:a@b SIP/2.0\r\nl:0\r\n\r\n";

static void one_whole_message(void **state)
{
	size_t skip, len;
	bool pong;

	(void)state;
	assert_int_equal(regent_frame_stream(m1, sizeof(m1) - 1, 65536, &skip, &len, &pong), 0);
	assert_int_equal(skip, 0);
	assert_int_equal(len, sizeof(m1) - 1);
	assert_false(pong);
}

/* Every split point of a message: EAGAIN until the last byte is there.
 * Each prefix is an exact-size heap copy so ASan sees any over-read. */
static void split_across_reads(void **state)
{
	(void)state;
	for (size_t l = 0; l < sizeof(m1) - 1; l++) {
		char *b = malloc(l ? l : 1);
		size_t skip, len;

		assert_non_null(b);
		memcpy(b, m1, l);
		assert_int_equal(regent_frame_stream(b, l, 65536, &skip, &len, NULL), EAGAIN);
		free(b);
	}
}

static void several_messages_and_keepalives_in_one_read(void **state)
{
	char buf[512];
	size_t n = 0, off = 0, skip, len;
	bool pong;

	(void)state;
	memcpy(buf + n, "\r\n", 2), n += 2; /* a pong */
	memcpy(buf + n, m1, sizeof(m1) - 1), n += sizeof(m1) - 1;
	memcpy(buf + n, "\r\n\r\n", 4), n += 4; /* a ping */
	memcpy(buf + n, m2, sizeof(m2) - 1), n += sizeof(m2) - 1;
	memcpy(buf + n, m1, 10), n += 10; /* start of a third */

	assert_int_equal(regent_frame_stream(buf + off, n - off, 65536, &skip, &len, &pong), 0);
	assert_int_equal(skip, 2);
	assert_true(pong);
	assert_memory_equal(buf + off + skip, m1, sizeof(m1) - 1);
	assert_int_equal(len, sizeof(m1) - 1);
	off += skip + len;
	assert_int_equal(regent_frame_stream(buf + off, n - off, 65536, &skip, &len, &pong), 0);
	assert_int_equal(skip, 4);
	assert_false(pong); /* CRLFCRLF is a ping, not a pong */
	assert_int_equal(len, sizeof(m2) - 1);
	off += skip + len;
	assert_int_equal(regent_frame_stream(buf + off, n - off, 65536, &skip, &len, &pong),
			 EAGAIN);
	assert_int_equal(skip, 0);
}

static void only_keepalives(void **state)
{
	size_t skip, len;
	bool pong;

	(void)state;
	assert_int_equal(regent_frame_stream("\r\n", 2, 65536, &skip, &len, &pong), EAGAIN);
	assert_int_equal(skip, 2);
	assert_true(pong);
	assert_int_equal(regent_frame_stream("\r\n\r\n", 4, 65536, &skip, &len, &pong), EAGAIN);
	assert_int_equal(skip, 4);
	assert_false(pong);
	assert_int_equal(regent_frame_stream("\r", 1, 65536, &skip, &len, &pong), EAGAIN);
	assert_int_equal(skip, 0);
	assert_int_equal(regent_frame_stream("", 0, 65536, &skip, &len, &pong), EAGAIN);
}

static void content_length_forms(void **state)
{
	static const char folded[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nab";
	static const char lower[] = "OPTIONS sip:a@b SIP/2.0\r\ncontent-length  :  2\r\n\r\nab";
	static const char none[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
	static const char neg[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n";
	static const char two[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab";
	static const char same[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nab";
	static const char huge[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 99999999999\r\n\r\n";
	static const char junk[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 2x\r\n\r\nab";
	size_t skip, len;

	(void)state;
	assert_int_equal(regent_frame_stream(folded, sizeof(folded) - 1, 65536, &skip, &len, NULL),
			 0);
	assert_int_equal(len, sizeof(folded) - 1);
	assert_int_equal(regent_frame_stream(lower, sizeof(lower) - 1, 65536, &skip, &len, NULL),
			 0);
	assert_int_equal(len, sizeof(lower) - 1);
	assert_int_equal(regent_frame_stream(none, sizeof(none) - 1, 65536, &skip, &len, NULL),
			 EBADMSG);
	assert_int_equal(regent_frame_stream(neg, sizeof(neg) - 1, 65536, &skip, &len, NULL),
			 EBADMSG);
	assert_int_equal(regent_frame_stream(two, sizeof(two) - 1, 65536, &skip, &len, NULL),
			 EBADMSG);
	assert_int_equal(regent_frame_stream(same, sizeof(same) - 1, 65536, &skip, &len, NULL), 0);
	assert_int_equal(regent_frame_stream(huge, sizeof(huge) - 1, 65536, &skip, &len, NULL),
			 EBADMSG);
	assert_int_equal(regent_frame_stream(junk, sizeof(junk) - 1, 65536, &skip, &len, NULL),
			 EBADMSG);
}

static void size_limits(void **state)
{
	static const char big[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 1000\r\n\r\n";
	char *nohdrend = malloc(200);
	size_t skip, len;

	(void)state;
	assert_int_equal(regent_frame_stream(big, sizeof(big) - 1, 500, &skip, &len, NULL),
			 EMSGSIZE);
	assert_int_equal(regent_frame_stream(big, sizeof(big) - 1, 65536, &skip, &len, NULL),
			 EAGAIN);
	assert_non_null(nohdrend);
	memset(nohdrend, 'a', 200);
	assert_int_equal(regent_frame_stream(nohdrend, 200, 100, &skip, &len, NULL), EMSGSIZE);
	assert_int_equal(regent_frame_stream(nohdrend, 200, 1000, &skip, &len, NULL), EAGAIN);
	free(nohdrend);
	assert_int_equal(regent_frame_stream(NULL, 1, 100, &skip, &len, NULL), EINVAL);
}

/* The framed bytes parse as a message. */
static void framed_message_parses(void **state)
{
	static const char s[] = "\r\nREGISTER sip:example.com SIP/2.0\r\n"
				"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
				"From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n"
				"Call-ID: c\r\nCSeq: 1 REGISTER\r\nl: 0\r\n\r\nOPTIONS";
	size_t skip, len;
	struct regent_msg *m;
	struct regent_msg_error err;

	(void)state;
	assert_int_equal(regent_frame_stream(s, sizeof(s) - 1, 65536, &skip, &len, NULL), 0);
	assert_int_equal(regent_msg_parse(&m, s + skip, len, NULL, &err), 0);
	assert_int_equal(regent_msg_raw(m).l, len);
	regent_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_whole_message),
	    cmocka_unit_test(split_across_reads),
	    cmocka_unit_test(several_messages_and_keepalives_in_one_read),
	    cmocka_unit_test(only_keepalives),
	    cmocka_unit_test(content_length_forms),
	    cmocka_unit_test(size_limits),
	    cmocka_unit_test(framed_message_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

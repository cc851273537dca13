/*
 * The answer cache of requests that reached the UA (src/net/srvtx.h): a
 * retransmission finds its answer until 64·T1, then not; the key is the
 * top Via branch + sent-by + method (an ACK maps to its INVITE); at most
 * REGENT_SRVTX_MAX entries, the least recently used evicted first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "net/srvtx.h"

static void key_of(const char *method, const char *cseq_method, const char *branch, char *key)
{
	char b[512];
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	int n =
	    snprintf(b, sizeof(b),
		     "%s sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=%s\r\n"
		     "From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c\r\n"
		     "CSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
		     method, branch, cseq_method);

	assert_int_equal(regent_msg_parse(&m, b, (size_t)n, NULL, &me), 0);
	assert_int_equal(regent_srvtx_key(key, REGENT_SRVTX_KEY_MAX, m), 0);
	regent_msg_free(m);
}

static void retransmissions_find_the_answer_until_timer_j(void **state)
{
	struct regent_srvtx *c;
	char k1[REGENT_SRVTX_KEY_MAX], k2[REGENT_SRVTX_KEY_MAX], k3[REGENT_SRVTX_KEY_MAX];
	const char *r;
	size_t l;

	(void)state;
	key_of("OPTIONS", "OPTIONS", "z9hG4bK1", k1);
	assert_string_equal(k1, "z9hG4bK1|127.0.0.1:5070|OPTIONS");
	key_of("INVITE", "INVITE", "z9hG4bK1", k2);
	key_of("ACK", "ACK", "z9hG4bK1", k3);
	assert_string_equal(k2, k3);
	assert_string_not_equal(k1, k2);

	assert_int_equal(regent_srvtx_alloc(&c), 0);
	assert_false(regent_srvtx_find(c, k1, 0, &r, &l));
	assert_int_equal(regent_srvtx_put(c, k1, "SIP/2.0 200 OK", 14, 1000, 32000), 0);
	assert_true(regent_srvtx_find(c, k1, 32999, &r, &l));
	assert_int_equal(l, 14);
	assert_memory_equal(r, "SIP/2.0 200 OK", 14);
	assert_false(regent_srvtx_find(c, k1, 33000, &r, &l));
	assert_int_equal(regent_srvtx_count(c, 33000), 0);
	regent_srvtx_free(c);
}

static void bounded_with_least_recently_used_evicted(void **state)
{
	struct regent_srvtx *c;
	char key[64];
	const char *r;
	size_t l;
	static char big[REGENT_SRVTX_MAX_RESP + 1];

	(void)state;
	assert_int_equal(regent_srvtx_alloc(&c), 0);
	for (int i = 0; i < REGENT_SRVTX_MAX; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(regent_srvtx_put(c, key, "x", 1, 0, 32000), 0);
	}
	assert_true(regent_srvtx_find(c, "k0", 1, &r, &l)); /* k0 used: k1 is now the oldest */
	assert_int_equal(regent_srvtx_put(c, "new", "y", 1, 2, 32000), 0);
	assert_int_equal(regent_srvtx_count(c, 3), REGENT_SRVTX_MAX);
	assert_true(regent_srvtx_find(c, "k0", 3, &r, &l));
	assert_false(regent_srvtx_find(c, "k1", 3, &r, &l));
	assert_true(regent_srvtx_find(c, "new", 3, &r, &l));
	assert_int_equal(regent_srvtx_put(c, "big", big, sizeof(big), 3, 32000), EMSGSIZE);
	regent_srvtx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(retransmissions_find_the_answer_until_timer_j),
	    cmocka_unit_test(bounded_with_least_recently_used_evicted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The WebSocket accept key (src/net/wskey.c, RFC 6455 §4.2.2), shared by the
 * client's Sec-WebSocket-Accept check and the test registrar's answer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/wskey.h"

static void rfc6455_example(void **state)
{
	char out[REGENT_WS_ACCEPT_SIZE];

	(void)state;
	/* RFC 6455 §1.3, the worked example */
	assert_int_equal(regent_ws_accept_key(out, sizeof(out), "dGhlIHNhbXBsZSBub25jZQ=="), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	/* another key, another answer (computed independently with
	 * `printf %s KEY GUID | openssl sha1 -binary | base64`) */
	assert_int_equal(regent_ws_accept_key(out, sizeof(out), "x3JJHMbDL1EzLkh9GBhXDw=="), 0);
	assert_string_equal(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

static void refusals(void **state)
{
	char out[REGENT_WS_ACCEPT_SIZE], big[300];

	(void)state;
	assert_int_equal(regent_ws_accept_key(out, sizeof(out), ""), EINVAL);
	assert_int_equal(regent_ws_accept_key(out, sizeof(out), NULL), EINVAL);
	assert_int_equal(regent_ws_accept_key(NULL, sizeof(out), "a"), EINVAL);
	assert_int_equal(regent_ws_accept_key(out, sizeof(out) - 1, "a"), ENOSPC);
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(regent_ws_accept_key(out, sizeof(out), big), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6455_example),
	    cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

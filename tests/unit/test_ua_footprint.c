/*
 * What an idle UA holds on the heap (docs/design.md: the pair UA + Registerer
 * is what scales when one process keeps many registrations alive). Two things
 * used to be made by every regent_ua_alloc() and are now made only when
 * needed:
 *   - the system CA store, loaded into an SSL_CTX (~830 KB), only at the
 *     first TLS connection;
 *   - the c-ares channel (~74 KB of tables), only while a name resolves.
 * Measured with glibc's mallinfo2(): skipped under ASan, whose allocator
 * mallinfo2() does not see.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <regent.h>

#include "under_asan.h"

/* well under either of the two: a regression of either fails the test */
#define IDLE_UA_LIMIT (32 * 1024)

#ifndef REGENT_TEST_UNDER_ASAN
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static size_t ua_heap(const char *uri, const char *server, enum regent_transport tp)
{
	struct regent_ua_options o;
	struct regent_error err = {0};
	struct regent_ua *ua = NULL;
	size_t before, after;

	regent_ua_options_init(&o);
	o.uri = uri;
	o.server = server;
	o.transport = tp;
	o.authorization_password = "secret";
	before = heap_in_use();
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), 0);
	after = heap_in_use();
	regent_ua_free(ua);
	return after > before ? after - before : 0;
}

#endif

static void idle_ua_is_small(void **state)
{
	(void)state;
#ifdef REGENT_TEST_UNDER_ASAN
	skip();
#else
	/* warm-up: OpenSSL's and c-ares' one-time library set-up is not the UA's */
	(void)ua_heap("sip:alice@127.0.0.1:5999", NULL, REGENT_TP_UDP);
	(void)ua_heap("sip:alice@127.0.0.1:5999", NULL, REGENT_TP_TLS);

	size_t udp = ua_heap("sip:alice@127.0.0.1:5999", NULL, REGENT_TP_UDP);
	size_t tls = ua_heap("sips:alice@127.0.0.1:5999", NULL, REGENT_TP_TLS);
	size_t name = ua_heap("sip:alice@example.com", "sip:proxy.example.com:5060", REGENT_TP_UDP);

	printf("idle UA heap: udp %zu B, tls %zu B, by name %zu B\n", udp, tls, name);
	assert_true(udp > 0);
	assert_true(udp < IDLE_UA_LIMIT);
	assert_true(tls < IDLE_UA_LIMIT);
	assert_true(name < IDLE_UA_LIMIT);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(idle_ua_is_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * net_support_ua — UA and registerer set-up for the test_net_* tests that
 * drive the whole I/O edge (see net_support.h). Apart from net_support.c so
 * that the tests of src/net alone do not need the UA to link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net_support.h"

struct regent_ua *net_test_ua_alloc(const struct regent_ua_options *o)
{
	struct regent_error err;
	struct regent_ua *ua = NULL;
	assert_int_equal(regent_ua_alloc(&ua, o, &err), 0);
	return ua;
}

void net_test_registerer_options(struct regent_registerer_options *ro, regent_registerer_event_h *h,
				 void *arg)
{
	regent_registerer_options_init(ro);
	ro->event_h = h;
	ro->event_arg = arg;
	ro->log_configuration = false;
}

struct regent_registerer *net_test_registerer_alloc(struct regent_ua *ua,
						    const struct regent_registerer_options *ro)
{
	struct regent_error err;
	struct regent_registerer *r = NULL;
	assert_int_equal(regent_registerer_alloc(&r, ua, ro, &err), 0);
	return r;
}

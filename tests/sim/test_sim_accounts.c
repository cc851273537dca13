/*
 * test_sim_accounts — several accounts, each with its own credentials, on
 * one UA (one socket), the way a gateway or trunk registers them: the UA's
 * own account (alice), one with its own password (bob: the username comes
 * from its To URI), one with an explicit username and an HA1 (dave), and
 * one with a wrong password (carol), which fails alone. Over a lossy hour,
 * each good account keeps its own binding at the registrar.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_test_util.h"

struct acct {
	const char *user;
	const char *auth_user; /* NULL: the default */
	const char *password;  /* NULL: none of its own */
	const char *ha1;
	bool should_register;
	struct regent_registerer *r;
	unsigned oks, auth_failures;
};

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct acct *a = arg;

	(void)r;
	if (ev->type != REGENT_EV_RESPONSE)
		return;
	if (ev->status / 100 == 2)
		a->oks++;
	else if (ev->status == 401 || ev->status == 403)
		a->auth_failures++;
}

struct count_arg {
	const char *aor;
	size_t n;
};

static bool count_aor(const struct regent_registrar_binding *b, void *arg)
{
	struct count_arg *c = arg;

	c->n += strcmp(b->aor, c->aor) == 0;
	return true;
}

static size_t bindings_of(struct sim_harness *h, const char *user)
{
	char aor[64];
	struct count_arg c = {aor, 0};

	snprintf(aor, sizeof(aor), "sip:%s@example.com", user);
	regent_registrar_foreach(h->registrar, h->now, count_aor, &c);
	return c.n;
}

static void each_account_registers_with_its_own_credentials(void **state)
{
	uint64_t seed = sim_seed(0xacc7);
	struct sim_setup s;
	struct sim_harness *h;
	/* dave's HA1 = MD5("dave:example.com:davepw"), RFC 7616 §3.4.2 */
	struct acct acct[] = {
	    {"alice", NULL, NULL, NULL, true, NULL, 0, 0},
	    {"bob", NULL, "bobpw", NULL, true, NULL, 0, 0},
	    {"dave", "dave", NULL, "b077287b387044390375790e3bc509ff", true, NULL, 0, 0},
	    {"carol", NULL, "not-carols", NULL, false, NULL, 0, 0},
	};
	const size_t n = sizeof(acct) / sizeof(acct[0]);

	(void)state;
	sim_setup_init(&s, seed);
	s.keep_msgs = false;
	h = sim_start(&s, seed);
	assert_int_equal(regent_registrar_add_user(h->registrar, "bob", "bobpw"), 0);
	assert_int_equal(regent_registrar_add_user(h->registrar, "dave", "davepw"), 0);
	assert_int_equal(regent_registrar_add_user(h->registrar, "carol", "carolpw"), 0);
	for (size_t i = 0; i < n; i++) {
		struct regent_registerer_options o;
		struct regent_error e;
		char uri[64];

		snprintf(uri, sizeof(uri), "sip:%s@example.com", acct[i].user);
		regent_registerer_options_init(&o);
		o.expires = 120;
		o.log_configuration = false;
		o.event_h = on_event;
		o.event_arg = &acct[i];
		if (strcmp(acct[i].user, "alice") != 0) {
			o.params.to_uri = uri;
			o.params.from_uri = uri;
		}
		o.authorization_username = acct[i].auth_user;
		o.authorization_password = acct[i].password;
		o.authorization_ha1 = acct[i].ha1;
		assert_int_equal(regent_registerer_alloc(&acct[i].r, h->ua, &o, &e), 0);
		assert_int_equal(regent_registerer_register(acct[i].r, NULL), 0);
	}
	SIM_RUN_FOR(h, 10 * 1000);
	for (size_t i = 0; i < n; i++) {
		struct acct *a = &acct[i];
		bool reg = regent_registerer_state(a->r) == REGENT_REG_REGISTERED;

		SIM_ASSERT(seed, reg == a->should_register, "%s: %s", a->user,
			   regent_registerer_state_name(regent_registerer_state(a->r)));
		SIM_ASSERT(seed, (bindings_of(h, a->user) == 1) == a->should_register,
			   "%s: %zu bindings at the registrar", a->user, bindings_of(h, a->user));
	}
	SIM_ASSERT(seed, acct[3].auth_failures > 0, "carol's wrong password was not refused");

	/* an hour at 10 % loss: every good account keeps its binding */
	sim_net_link(h->net, SIM_UP)->loss_permille = 100;
	sim_net_link(h->net, SIM_DOWN)->loss_permille = 100;
	SIM_RUN_FOR(h, 3600 * 1000);
	for (size_t i = 0; i < 3; i++) {
		SIM_ASSERT(seed, regent_registerer_state(acct[i].r) == REGENT_REG_REGISTERED,
			   "%s after an hour: %s", acct[i].user,
			   regent_registerer_state_name(regent_registerer_state(acct[i].r)));
		SIM_ASSERT(seed, acct[i].oks >= 3600 / 120, "%s: only %u 2xx in an hour",
			   acct[i].user, acct[i].oks);
	}
	for (size_t i = 0; i < n; i++)
		regent_registerer_free(acct[i].r);
	sim_stop(h);
}

static void bad_credentials_are_refused_naming_the_field(void **state)
{
	uint64_t seed = sim_seed(0xacc8);
	struct sim_setup s;
	struct sim_harness *h;
	static const struct {
		const char *user, *password, *ha1, *field;
	} t[] = {
	    {NULL, "pw\r\nX-Injected: 1", NULL, "authorization_password"},
	    {"bob\nX: y", "pw", NULL, "authorization_username"},
	    {NULL, NULL, "12345", "authorization_ha1"},
	    {NULL, NULL, "zz77287b387044390375790e3bc509ff", "authorization_ha1"},
	};

	(void)state;
	sim_setup_init(&s, seed);
	h = sim_start(&s, seed);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct regent_registerer_options o;
		struct regent_registerer *r = NULL;
		struct regent_error e;

		regent_registerer_options_init(&o);
		o.authorization_username = t[i].user;
		o.authorization_password = t[i].password;
		o.authorization_ha1 = t[i].ha1;
		memset(&e, 0, sizeof(e));
		assert_int_equal(regent_registerer_alloc(&r, h->ua, &o, &e), EINVAL);
		assert_null(r);
		SIM_ASSERT(seed, strstr(e.text, t[i].field) != NULL, "case %zu: \"%s\"", i, e.text);
	}
	sim_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SIM_TEST(each_account_registers_with_its_own_credentials),
	    SIM_TEST(bad_credentials_are_refused_naming_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Interop against a real Kamailio (started by run-kamailio.sh): over one
 * transport given on the command line, with the public API only
 * (regent_ua_alloc + regent_loop):
 *   1. register with digest auth (401 then 200)
 *   2. refresh with cached credentials: exactly one REGISTER, one 200
 *   3. a registration asking 30 s: 423 (Min-Expires 60), then 200 with 60
 *   4. query the bindings; a second UA's binding removed by its URI
 *   5. unregister, 6. unregister all (and the bindings are gone)
 * "tls-badhost": TLS to a listener whose certificate names another host
 * must fail with REGENT_ETLSVERIFY, and work with tls_insecure.
 * Every wait is bounded. Exit 0 on success, 1 with a message otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regent.h"

#define WAIT_MS 15000

struct rec {
	unsigned sent, responses;
	uint16_t last_status;
	uint16_t statuses[16];
	unsigned nstatus;
	uint32_t granted;
	bool last_local;
	int last_error; /* the event's error: the local cause */
	char last_sent[4096];
	char last_response[4096];
	enum regent_registerer_state state;
	int lost;
};

static struct regent_loop *loop;
static int verbose;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "interop FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void on_log(enum regent_log_level level, const char *line, void *arg)
{
	(void)arg;
	if (verbose || level <= REGENT_LOG_WARN)
		fprintf(stderr, "[regent %d] %s\n", level, line);
}

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	(void)r;
	struct rec *c = arg;
	c->state = ev->state;
	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		c->sent++;
		snprintf(c->last_sent, sizeof(c->last_sent), "%.*s", (int)ev->msg_len, ev->msg);
		break;
	case REGENT_EV_RESPONSE:
		c->responses++;
		c->last_status = ev->status;
		c->last_local = ev->local;
		c->last_error = ev->error;
		if (c->nstatus < 16)
			c->statuses[c->nstatus++] = ev->status;
		if (ev->status >= 200 && ev->status < 300)
			c->granted = ev->granted_expires;
		if (ev->msg)
			snprintf(c->last_response, sizeof(c->last_response), "%.*s",
				 (int)ev->msg_len, ev->msg);
		if (verbose)
			fprintf(stderr, "response %u %s%s\n", ev->status,
				ev->phrase ? ev->phrase : "", ev->local ? " (local)" : "");
		break;
	case REGENT_EV_REGISTRATION_LOST:
		c->lost++;
		break;
	default:
		break;
	}
}

static void reset(struct rec *c)
{
	c->sent = c->responses = 0;
	c->nstatus = 0;
	c->last_status = 0;
	c->granted = 0;
}

/* Runs the loop until a final non-401/407/423 response, bounded. */
static void wait_final(struct regent_registerer *r, struct rec *c, const char *what)
{
	for (int i = 0; i < WAIT_MS / 50; i++) {
		regent_loop_run(loop, 50);
		if (c->last_status >= 200 && c->last_status != 401 && c->last_status != 407 &&
		    c->last_status != 423 && !regent_registerer_waiting(r))
			return;
	}
	fail("%s: no final response within %d ms (last status %u)", what, WAIT_MS, c->last_status);
}

static const char *env(const char *n)
{
	const char *v = getenv(n);
	if (!v)
		fail("%s not set (run me through run-kamailio.sh)", n);
	return v;
}

static struct regent_ua *make_ua(const char *tp, bool insecure, char *server, size_t ssize)
{
	struct regent_ua_options o;
	struct regent_error err;
	struct regent_ua *ua = NULL;
	regent_ua_options_init(&o);
	o.uri = "sip:alice@127.0.0.1";
	o.authorization_password = env("REGENT_KAM_PASSWORD");
	o.log_h = on_log;
	o.log_level = verbose ? REGENT_LOG_TRACE : REGENT_LOG_WARN;
	o.tls_ca_file = env("REGENT_KAM_CA");
	o.connect_timeout_ms = 3000;
	o.tls_insecure = insecure;
	/* TLS and WSS use the name "localhost" (from /etc/hosts): the
	 * certificate's host name check and SNI are exercised */
	if (!strcmp(tp, "udp"))
		snprintf(server, ssize, "sip:127.0.0.1:%s;transport=udp", env("REGENT_KAM_UDP"));
	else if (!strcmp(tp, "tcp"))
		snprintf(server, ssize, "sip:127.0.0.1:%s;transport=tcp", env("REGENT_KAM_TCP"));
	else if (!strcmp(tp, "tls"))
		snprintf(server, ssize, "sips:localhost:%s", env("REGENT_KAM_TLS"));
	else if (!strcmp(tp, "ws"))
		snprintf(server, ssize, "ws://127.0.0.1:%s/", env("REGENT_KAM_WS"));
	else if (!strcmp(tp, "wss"))
		snprintf(server, ssize, "wss://localhost:%s/", env("REGENT_KAM_WSS"));
	else if (!strcmp(tp, "tls-badhost"))
		snprintf(server, ssize, "sips:localhost:%s", env("REGENT_KAM_TLS_BAD"));
	else
		fail("unknown transport %s", tp);
	o.server = server;
	int e = regent_ua_alloc(&ua, &o, &err);
	if (e)
		fail("regent_ua_alloc: %s (%s)", regent_strerror(e), err.text);
	if (regent_loop_add_ua(loop, ua))
		fail("regent_loop_add_ua");
	return ua;
}

static struct regent_registerer *make_reg(struct regent_ua *ua, uint32_t expires, struct rec *c)
{
	struct regent_registerer_options ro;
	struct regent_error err;
	struct regent_registerer *r = NULL;
	regent_registerer_options_init(&ro);
	ro.expires = expires;
	ro.event_h = on_event;
	ro.event_arg = c;
	ro.auto_retry = false;
	ro.log_configuration = false;
	int e = regent_registerer_alloc(&r, ua, &ro, &err);
	if (e)
		fail("regent_registerer_alloc: %s (%s)", regent_strerror(e), err.text);
	return r;
}

static void expect_statuses(const struct rec *c, const char *what, unsigned n, ...)
{
	va_list ap;
	va_start(ap, n);
	if (c->nstatus != n)
		fail("%s: %u responses, expected %u (last %u)", what, c->nstatus, n,
		     c->last_status);
	for (unsigned i = 0; i < n; i++) {
		unsigned want = va_arg(ap, unsigned);
		if (c->statuses[i] != want)
			fail("%s: response %u is %u, expected %u", what, i + 1, c->statuses[i],
			     want);
	}
	va_end(ap);
}

static int bad_host(void)
{
	char server[256];
	struct rec c = {0};
	struct regent_ua *ua = make_ua("tls-badhost", false, server, sizeof(server));
	struct regent_registerer *r = make_reg(ua, 600, &c);
	regent_registerer_register(r, NULL);
	wait_final(r, &c, "register over TLS to a certificate for another host");
	if (c.last_status < 300 || !c.last_local)
		fail("TLS with a wrong-host certificate: got %u, expected a local failure",
		     c.last_status);
	/* the local response names its cause: the clear REGENT_ETLSVERIFY,
	 * not a generic connection failure */
	if (c.last_error != REGENT_ETLSVERIFY)
		fail("TLS with a wrong-host certificate: error %d (%s), expected REGENT_ETLSVERIFY",
		     c.last_error, regent_strerror(c.last_error));
	printf("tls wrong host: refused with \"%s\" (local %u)\n",
	       regent_strerror(REGENT_ETLSVERIFY), c.last_status);
	regent_loop_remove_ua(loop, ua);
	regent_ua_free(ua);

	/* the same with verification turned off: works (and is logged) */
	struct rec c2 = {0};
	ua = make_ua("tls-badhost", true, server, sizeof(server));
	r = make_reg(ua, 600, &c2);
	regent_registerer_register(r, NULL);
	wait_final(r, &c2, "register over TLS with tls_insecure");
	if (c2.last_status != 200)
		fail("tls_insecure: got %u, expected 200", c2.last_status);
	printf("tls wrong host with tls_insecure: registered\n");
	regent_loop_remove_ua(loop, ua);
	regent_ua_free(ua);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		fail("usage: %s udp|tcp|tls|ws|wss|tls-badhost [-v]", argv[0]);
	verbose = argc > 2 && !strcmp(argv[2], "-v");
	const char *tp = argv[1];
	if (regent_loop_alloc(&loop))
		fail("regent_loop_alloc");
	if (!strcmp(tp, "tls-badhost")) {
		int rc = bad_host();
		regent_loop_free(loop);
		return rc;
	}
	char server[256], tpu[8];
	snprintf(tpu, sizeof(tpu), "%s", tp);
	for (char *p = tpu; *p; p++)
		*p = (char)(*p - 32 * (*p >= 'a' && *p <= 'z'));
	struct regent_ua *ua = make_ua(tp, false, server, sizeof(server));
	struct rec c1 = {0}, c2 = {0};
	struct regent_registerer *r1 = make_reg(ua, 600, &c1);

	/* 1. register with digest auth */
	if (regent_registerer_register(r1, NULL))
		fail("register refused");
	wait_final(r1, &c1, "register");
	expect_statuses(&c1, "register", 2, 401u, 200u);
	if (regent_registerer_state(r1) != REGENT_REG_REGISTERED)
		fail("register: state %s",
		     regent_registerer_state_name(regent_registerer_state(r1)));
	if (c1.sent != 2)
		fail("register: %u REGISTERs sent, expected 2", c1.sent);
	/* Via sent-by from the socket actually used (RFC 3261 §18.1.1) */
	char via[64];
	snprintf(via, sizeof(via), "Via: SIP/2.0/%s 127.0.0.1:", tpu);
	if (!strstr(c1.last_sent, via))
		fail("register: no \"%s\" in\n%s", via, c1.last_sent);
	printf("%s: registered (401 -> 200, granted %u s)\n", tp, c1.granted);

	/* 2. refresh with cached credentials: one round trip */
	reset(&c1);
	if (regent_registerer_register(r1, NULL))
		fail("refresh refused");
	wait_final(r1, &c1, "refresh");
	expect_statuses(&c1, "refresh", 1, 200u);
	if (c1.sent != 1)
		fail("refresh: %u REGISTERs on the wire, expected 1", c1.sent);
	if (!strstr(c1.last_sent, "Authorization: Digest"))
		fail("refresh: no cached Authorization in\n%s", c1.last_sent);
	printf("%s: refresh took 1 round trip (1 REGISTER, 1 response)\n", tp);

	/* 3. 423 Interval Too Brief, then success with Min-Expires */
	struct regent_registerer *r2 = make_reg(ua, 30, &c2);
	if (regent_registerer_register(r2, NULL))
		fail("register 30 s refused");
	wait_final(r2, &c2, "register 30 s");
	if (c2.last_status != 200)
		fail("register 30 s: final %u", c2.last_status);
	bool saw423 = false;
	for (unsigned i = 0; i < c2.nstatus; i++)
		saw423 |= c2.statuses[i] == 423;
	if (!saw423)
		fail("register 30 s: no 423 seen");
	if (c2.granted != 60)
		fail("register 30 s: granted %u, expected 60", c2.granted);
	printf("%s: 423 then 200 with Min-Expires 60\n", tp);

	/* 4. query the bindings */
	reset(&c1);
	if (regent_registerer_query(r1))
		fail("query refused");
	wait_final(r1, &c1, "query");
	expect_statuses(&c1, "query", 1, 200u);
	const struct regent_binding *b = NULL;
	size_t nb = regent_registerer_contacts(r1, &b);
	if (nb < 1)
		fail("query: no bindings");
	printf("%s: query: %zu binding(s), first %s expires %u%s\n", tp, nb, b[0].uri, b[0].expires,
	       b[0].ours ? " (ours)" : "");

	/* 4b. another device's binding removed by its URI, as a query lists it
	 * (RFC 3261 §10.2.2), leaving our own registration alone */
	char server2[256], other[256] = "";
	struct rec c3 = {0};
	struct regent_ua *ua2 = make_ua(tp, false, server2, sizeof(server2));
	struct regent_registerer *r3 = make_reg(ua2, 600, &c3);

	if (regent_registerer_register(r3, NULL))
		fail("second device: register refused");
	wait_final(r3, &c3, "second device: register");
	if (c3.last_status != 200)
		fail("second device: final %u", c3.last_status);
	nb = regent_registerer_contacts(r3, &b);
	for (size_t i = 0; i < nb; i++)
		if (b[i].ours)
			snprintf(other, sizeof(other), "%s", b[i].uri);
	if (!other[0])
		fail("second device: its binding is not listed");
	reset(&c1);
	const char *const rm[] = {other};
	if (regent_registerer_unregister_contacts(r1, rm, 1, NULL))
		fail("unregister_contacts refused");
	wait_final(r1, &c1, "unregister_contacts");
	expect_statuses(&c1, "unregister_contacts", 1, 200u);
	char want[300];
	snprintf(want, sizeof(want), "Contact: <%s>;expires=0", other);
	if (!strstr(c1.last_sent, want))
		fail("unregister_contacts: no \"%s\" in\n%s", want, c1.last_sent);
	nb = regent_registerer_contacts(r1, &b);
	for (size_t i = 0; i < nb; i++)
		if (b[i].kept || !strcmp(b[i].uri, other))
			fail("unregister_contacts: %s still listed", other);
	if (regent_registerer_state(r1) != REGENT_REG_REGISTERED)
		fail("unregister_contacts: our own state became %s",
		     regent_registerer_state_name(regent_registerer_state(r1)));
	printf("%s: removed another device's binding %s; ours stays\n", tp, other);
	regent_registerer_free(r3);
	regent_loop_remove_ua(loop, ua2);
	regent_ua_free(ua2);

	/* 5. unregister */
	reset(&c1);
	if (regent_registerer_unregister(r1, false, NULL))
		fail("unregister refused");
	wait_final(r1, &c1, "unregister");
	expect_statuses(&c1, "unregister", 1, 200u);
	if (regent_registerer_state(r1) != REGENT_REG_UNREGISTERED)
		fail("unregister: state %s",
		     regent_registerer_state_name(regent_registerer_state(r1)));
	printf("%s: unregistered\n", tp);

	/* 6. unregister all, then nothing is left */
	reset(&c2);
	if (regent_registerer_unregister(r2, true, NULL))
		fail("unregister all refused");
	wait_final(r2, &c2, "unregister all");
	expect_statuses(&c2, "unregister all", 1, 200u);
	if (!strstr(c2.last_sent, "Contact: *"))
		fail("unregister all: no \"Contact: *\" in\n%s", c2.last_sent);
	reset(&c1);
	if (regent_registerer_query(r1))
		fail("second query refused");
	wait_final(r1, &c1, "query after unregister all");
	nb = regent_registerer_contacts(r1, &b);
	if (nb != 0)
		fail("after unregister all: %zu binding(s) left", nb);
	printf("%s: unregistered all; no bindings left\n", tp);

	struct regent_ua_stats st;
	regent_ua_stats(ua, &st);
	printf("%s: %llu messages sent, %llu received, %llu bytes sent\n", tp,
	       (unsigned long long)st.msgs_sent, (unsigned long long)st.msgs_recv,
	       (unsigned long long)st.bytes_sent);
	regent_loop_remove_ua(loop, ua);
	regent_ua_free(ua);
	regent_loop_free(loop);
	return 0;
}

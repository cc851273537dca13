/*
 * Where a REGISTER goes (RFC 3261 §8.1.2, §10.2), through the whole I/O
 * edge of regent_ua_alloc() and real UDP sockets: two registrars on
 * 127.0.0.1 (different ports) answer 200 by hand (msg/response.c), and an
 * AOR on example.invalid (RFC 2606: it never resolves, and the DNS server
 * given is a dead loopback port, so a lookup of it fails at once):
 *  - without an outbound proxy, each REGISTER arrives at the registrar its
 *    Registerer names, over a flow of its own; a Registerer naming the same
 *    registrar (written differently) shares that flow: the same local port;
 *  - the last Registerer of a flow gone, its socket goes too;
 *  - regent_ua_network_changed() re-registers every flow, each where it
 *    belongs;
 *  - the AOR's domain is the default registrar, and a Registerer naming it
 *    shares that flow;
 *  - with an outbound proxy (`server`), every REGISTER goes to the proxy,
 *    the Request-URI still naming its registrar.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "msg/response.h"
#include "regent.h"
#include "support/net_support.h"

#define NSRV 3	  /* registrar A, registrar B, the proxy */
#define MAXREQ 16 /* requests one server remembers */

/* A registrar by hand: answers every REGISTER with 200 (its Contact
 * granted for 300 s) and remembers where each came from. */
struct srv {
	int fd;
	uint16_t port;
	unsigned n;
	uint16_t src_port[MAXREQ];
	char call_id[MAXREQ][64];
	char ruri[MAXREQ][96];
	char last[4096]; /* the last request, whole */
};

struct world {
	struct srv s[NSRV];
	char dns[64]; /* a dead DNS server: a lookup fails at once */
};

/* The registrars and the proxy. */
enum { A, B, P };

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	for (int i = 0; i < NSRV; i++) {
		w->s[i].fd = net_test_bind_lo(SOCK_DGRAM, &w->s[i].port);
		if (w->s[i].fd < 0)
			return -1;
	}
	snprintf(w->dns, sizeof(w->dns), "127.0.0.1:%u", net_test_free_udp_port());
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < NSRV; i++)
		close(w->s[i].fd);
	free(w);
	return 0;
}

/* Reads one request on s and answers it 200 with its Contact granted. */
static void serve_one(struct srv *s)
{
	char buf[4096], contact[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct regent_msg *m = NULL;
	struct regent_resp_options ro = {.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN, .to_tag = "r1"};
	struct regent_wbuf wb;
	ssize_t n = recvfrom(s->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);

	if (n <= 0)
		return;
	buf[n] = '\0';
	memcpy(s->last, buf, (size_t)n + 1);
	assert_int_equal(regent_msg_parse(&m, buf, (size_t)n, NULL, NULL), 0);
	if (s->n < MAXREQ) {
		s->src_port[s->n] = ntohs(from.sin_port);
		net_test_header_value(buf, "\r\nCall-ID: ", s->call_id[s->n],
				      sizeof(s->call_id[0]));
		net_test_header_value(buf, "REGISTER ", s->ruri[s->n], sizeof(s->ruri[0]));
	}
	s->n++;
	regent_wbuf_init_dynamic(&wb, 65536);
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", &ro), 0);
	net_test_header_value(buf, "\r\nContact: ", contact, sizeof(contact));
	if (contact[0] != '\0')
		regent_wbuf_printf(&wb, "Contact: %s;expires=300\r\n", contact);
	assert_int_equal(regent_build_finish(&wb, NULL, 0), 0);
	sendto(s->fd, wb.buf, wb.len, 0, (struct sockaddr *)&from, fl);
	regent_wbuf_release(&wb);
	regent_msg_free(m);
}

/* One Registerer and what its events said. */
struct acct {
	struct regent_registerer *r;
	char call_id[64];
	unsigned ok; /* 2xx responses */
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	struct acct *a = arg;

	(void)r;
	if (e->type == REGENT_EV_REQUEST_SENT && a->call_id[0] == '\0') {
		char buf[4096];

		snprintf(buf, sizeof(buf), "%.*s", (int)e->msg_len, e->msg);
		net_test_header_value(buf, "\r\nCall-ID: ", a->call_id, sizeof(a->call_id));
	}
	if (e->type == REGENT_EV_RESPONSE && e->status / 100 == 2)
		a->ok++;
}

/* Polls the UA and the servers for up to 20 ms. */
static void round1(struct regent_ua *ua, struct world *w)
{
	struct regent_pollfd rf[16];
	struct pollfd pf[16 + NSRV];
	size_t n = regent_ua_io_fds(ua, rf, 16);
	int t = regent_ua_io_timeout(ua);

	assert_true(n <= 16);
	net_test_to_pollfds(rf, n, pf);
	for (int i = 0; i < NSRV; i++)
		pf[n + (size_t)i] = (struct pollfd){w->s[i].fd, POLLIN, 0};
	poll(pf, n + NSRV, t < 0 || t > 20 ? 20 : t);
	net_test_from_pollfds(pf, n, rf);
	regent_ua_io_process(ua, rf, n);
	for (int i = 0; i < NSRV; i++) {
		if (pf[n + (size_t)i].revents & POLLIN)
			serve_one(&w->s[i]);
	}
}

/* Runs until every account has `ok` 2xx (bounded: 10 s). */
static void run_until_ok(struct regent_ua *ua, struct world *w, struct acct *a, size_t na,
			 unsigned ok)
{
	for (int i = 0; i < 500; i++) {
		size_t done = 0;

		for (size_t k = 0; k < na; k++)
			done += a[k].ok >= ok;
		if (done == na)
			return;
		round1(ua, w);
	}
	for (size_t k = 0; k < na; k++)
		assert_true(a[k].ok >= ok);
}

static void on_log(enum regent_log_level level, const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "[regent %d] %s\n", level, line);
}

static struct regent_ua *make_ua(struct world *w, const char *uri, const char *server)
{
	struct regent_ua_options o;

	regent_ua_options_init(&o);
	o.uri = uri;
	o.server = server;
	o.dns_server = w->dns;
	o.t1_ms = 50; /* a lost request fails within 3.2 s */
	if (getenv("REGENT_TEST_LOG") != NULL) {
		o.log_h = on_log;
		o.log_level = REGENT_LOG_TRACE;
	}
	return net_test_ua_alloc(&o);
}

static void add_acct(struct regent_ua *ua, struct acct *a, const char *registrar)
{
	struct regent_registerer_options ro;

	memset(a, 0, sizeof(*a));
	net_test_registerer_options(&ro, on_event, a);
	ro.registrar = registrar; /* auto_retry on: after a network change */
	a->r = net_test_registerer_alloc(ua, &ro);
	assert_int_equal(regent_registerer_register(a->r, NULL), 0);
}

/* Which request of s carried call_id: its index, or -1. */
static int req_of(const struct srv *s, const char *call_id)
{
	for (unsigned i = 0; i < s->n && i < MAXREQ; i++) {
		if (strcmp(s->call_id[i], call_id) == 0)
			return (int)i;
	}
	return -1;
}

/* Is the request line's rest "<uri> SIP/2.0"? */
static bool ruri_is(const char *line, const char *uri)
{
	size_t l = strlen(uri);

	return strncmp(line, uri, l) == 0 && strcmp(line + l, " SIP/2.0") == 0;
}

static void each_registrar_gets_its_own_flow_and_one_registrar_one_flow(void **state)
{
	struct world *w = *state;
	struct acct a[3];
	char ra[64], rb[64], ra2[80];
	int i1, i2, i3;

	w->s[A].n = w->s[B].n = w->s[P].n = 0;
	snprintf(ra, sizeof(ra), "sip:127.0.0.1:%u", w->s[A].port);
	snprintf(rb, sizeof(rb), "sip:127.0.0.1:%u", w->s[B].port);
	/* the same registrar as ra, written as RFC 3263 would use it */
	snprintf(ra2, sizeof(ra2), "sip:127.0.0.1:%u;transport=udp", w->s[A].port);
	struct regent_ua *ua = make_ua(w, "sip:alice@example.invalid", NULL);

	add_acct(ua, &a[0], ra);
	add_acct(ua, &a[1], rb);
	add_acct(ua, &a[2], ra2);
	run_until_ok(ua, w, a, 3, 1);

	/* each REGISTER went to the registrar its Registerer names */
	assert_int_equal(w->s[A].n, 2);
	assert_int_equal(w->s[B].n, 1);
	assert_int_equal(w->s[P].n, 0);
	i1 = req_of(&w->s[A], a[0].call_id);
	i3 = req_of(&w->s[A], a[2].call_id);
	i2 = req_of(&w->s[B], a[1].call_id);
	assert_true(i1 >= 0 && i2 >= 0 && i3 >= 0);
	assert_true(ruri_is(w->s[A].ruri[i1], ra));
	assert_true(ruri_is(w->s[A].ruri[i3], ra2));
	assert_true(ruri_is(w->s[B].ruri[i2], rb));
	/* one flow per registrar: the first and third share their socket,
	 * the second has its own */
	assert_int_equal(w->s[A].src_port[i1], w->s[A].src_port[i3]);
	assert_int_not_equal(w->s[A].src_port[i1], w->s[B].src_port[i2]);
	assert_int_equal(regent_registerer_state(a[0].r), REGENT_REG_REGISTERED);
	assert_int_equal(regent_registerer_state(a[1].r), REGENT_REG_REGISTERED);
	assert_int_equal(regent_registerer_state(a[2].r), REGENT_REG_REGISTERED);
	assert_int_equal(regent_ua_io_fds(ua, NULL, 0), 2);

	/* a network change: every flow is opened again and each Registerer
	 * re-registers where it belongs */
	regent_ua_network_changed(ua);
	run_until_ok(ua, w, a, 3, 2);
	assert_int_equal(w->s[A].n, 4);
	assert_int_equal(w->s[B].n, 2);
	assert_int_equal(w->s[P].n, 0);
	i1 = req_of(&w->s[A], a[0].call_id);
	assert_true(i1 >= 0);

	/* the only Registerer on B's flow goes: so does its socket */
	regent_registerer_free(a[1].r);
	assert_int_equal(regent_ua_io_fds(ua, NULL, 0), 1);
	regent_ua_free(ua);
}

static void the_aor_domain_is_the_default_registrar_and_shares_its_flow(void **state)
{
	struct world *w = *state;
	struct acct a[3];
	char aor[64], ra[64], rb[64];

	w->s[A].n = w->s[B].n = w->s[P].n = 0;
	snprintf(aor, sizeof(aor), "sip:bob@127.0.0.1:%u", w->s[A].port);
	snprintf(ra, sizeof(ra), "sip:127.0.0.1:%u", w->s[A].port);
	snprintf(rb, sizeof(rb), "sip:127.0.0.1:%u", w->s[B].port);
	struct regent_ua *ua = make_ua(w, aor, NULL);

	add_acct(ua, &a[0], NULL); /* default: the AOR's domain */
	add_acct(ua, &a[1], ra);   /* the same, named */
	add_acct(ua, &a[2], rb);
	run_until_ok(ua, w, a, 3, 1);
	assert_int_equal(w->s[A].n, 2);
	assert_int_equal(w->s[B].n, 1);
	assert_int_equal(w->s[A].src_port[0], w->s[A].src_port[1]);
	assert_int_not_equal(w->s[A].src_port[0], w->s[B].src_port[0]);
	regent_ua_free(ua);
}

static void an_outbound_proxy_takes_the_register_of_every_registrar(void **state)
{
	struct world *w = *state;
	struct acct a[2];
	char ra[64], rb[64], proxy[64];

	w->s[A].n = w->s[B].n = w->s[P].n = 0;
	snprintf(ra, sizeof(ra), "sip:127.0.0.1:%u", w->s[A].port);
	snprintf(rb, sizeof(rb), "sip:127.0.0.1:%u", w->s[B].port);
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", w->s[P].port);
	struct regent_ua *ua = make_ua(w, "sip:alice@example.invalid", proxy);

	add_acct(ua, &a[0], ra);
	add_acct(ua, &a[1], rb);
	run_until_ok(ua, w, a, 2, 1);
	assert_int_equal(w->s[A].n, 0);
	assert_int_equal(w->s[B].n, 0);
	assert_int_equal(w->s[P].n, 2);
	/* the Request-URIs still name the registrars (RFC 3261 §10.2) */
	int i1 = req_of(&w->s[P], a[0].call_id), i2 = req_of(&w->s[P], a[1].call_id);

	assert_true(i1 >= 0 && i2 >= 0);
	assert_true(ruri_is(w->s[P].ruri[i1], ra));
	assert_true(ruri_is(w->s[P].ruri[i2], rb));
	/* one flow: the proxy's */
	assert_int_equal(w->s[P].src_port[0], w->s[P].src_port[1]);
	assert_int_equal(regent_ua_io_fds(ua, NULL, 0), 1);
	regent_ua_free(ua);
}

/* RFC 3261 §8.1.2: without an outbound proxy, a preloaded route set sends
 * the request to its first URI (a loose router), the Request-URI staying
 * the registrar, with the Route header on it. */
static void a_preloaded_route_set_takes_the_register_to_its_first_route(void **state)
{
	struct world *w = *state;
	struct acct a[1];
	char ra[64], route[64], routeh[96];
	const char *routes[1] = {route};
	struct regent_ua_options o;

	w->s[A].n = w->s[B].n = w->s[P].n = 0;
	snprintf(ra, sizeof(ra), "sip:127.0.0.1:%u", w->s[A].port);
	snprintf(route, sizeof(route), "sip:127.0.0.1:%u;lr", w->s[P].port);
	regent_ua_options_init(&o);
	o.uri = "sip:alice@example.invalid";
	o.dns_server = w->dns;
	o.t1_ms = 50;
	o.preloaded_route_set = routes;
	o.preloaded_route_set_count = 1;
	struct regent_ua *ua = net_test_ua_alloc(&o);

	add_acct(ua, &a[0], ra);
	run_until_ok(ua, w, a, 1, 1);
	assert_int_equal(w->s[A].n, 0);
	assert_int_equal(w->s[P].n, 1);
	assert_true(ruri_is(w->s[P].ruri[0], ra));
	snprintf(routeh, sizeof(routeh), "Route: <%s>", route);
	assert_non_null(strstr(w->s[P].last, routeh));
	regent_ua_free(ua);
}

static void a_registrar_no_flow_can_reach_is_refused_by_name(void **state)
{
	struct world *w = *state;
	struct regent_registerer_options ro;
	struct regent_registerer *r = NULL;
	struct regent_error err;
	struct regent_ua *ua = make_ua(w, "sip:alice@example.invalid", NULL);

	net_test_registerer_options(&ro, NULL, NULL);
	/* sips: over UDP is no secure flow (RFC 3261 §26.2.2) */
	ro.registrar = "sips:127.0.0.1:5061;transport=udp";
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &err), EINVAL);
	assert_null(r);
	assert_int_equal(strncmp(err.text, "registrar: ", 11), 0);
	assert_non_null(strstr(err.text, "secure transport"));
	regent_ua_free(ua);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_registrar_gets_its_own_flow_and_one_registrar_one_flow),
	    cmocka_unit_test(the_aor_domain_is_the_default_registrar_and_shares_its_flow),
	    cmocka_unit_test(an_outbound_proxy_takes_the_register_of_every_registrar),
	    cmocka_unit_test(a_preloaded_route_set_takes_the_register_to_its_first_route),
	    cmocka_unit_test(a_registrar_no_flow_can_reach_is_refused_by_name),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

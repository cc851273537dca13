/*
 * Requests that reach a regent_ua_alloc() UA over its UDP flow, sent by a
 * fake registrar (a UDP socket on 127.0.0.1) to the UA's own port:
 *  - OPTIONS: 200 with Allow (only what is answered), Accept, Supported
 *    (RFC 3261 §11.2), a To tag, the request's Via;
 *  - without a handler: 405 with Allow for INVITE, 501 for an unknown
 *    method (§8.2.1); ACK never answered;
 *  - a retransmission gets the same bytes again (§17.2.2), a new branch a
 *    new answer;
 *  - with request_h: the listed methods reach it and it answers (a 180,
 *    then a 200 with a body); an unlisted one still gets 405; a handler
 *    that does not answer leaves a 480; regent_request_respond refuses
 *    header injection and a second final answer.
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

#include "regent.h"
#include "support/net_support.h"

struct reg {
	int fd;
	struct sockaddr_in ua; /* where the UA's REGISTER came from */
	char in[4][4096];      /* what the registrar received since the last clear */
	size_t n;
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	(void)r;
	(void)e;
	(void)arg;
}

/* one poll round for the UA; the registrar reads what is there */
static void round1(struct regent_ua *ua, struct reg *g)
{
	struct regent_pollfd rf[16] = {0};
	struct pollfd pf[17];
	size_t n = regent_ua_io_fds(ua, rf, 16);
	int t = regent_ua_io_timeout(ua);
	socklen_t sl = sizeof(g->ua);

	net_test_to_pollfds(rf, n, pf);
	pf[n] = (struct pollfd){g->fd, POLLIN, 0};
	poll(pf, n + 1, t < 0 || t > 10 ? 10 : t);
	net_test_from_pollfds(pf, n, rf);
	regent_ua_io_process(ua, rf, n);
	if (pf[n].revents & POLLIN) {
		char buf[4096];
		ssize_t r =
		    recvfrom(g->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&g->ua, &sl);
		if (r > 0 && g->n < 4) {
			memcpy(g->in[g->n], buf, (size_t)r);
			g->in[g->n][r] = '\0';
			g->n++;
		}
	}
}

static void pump(struct regent_ua *ua, struct reg *g, size_t want, int rounds)
{
	for (int i = 0; i < rounds && g->n < want; i++)
		round1(ua, g);
}

static struct regent_ua *start(struct reg *g, struct regent_ua_options *o)
{
	static char server[64];
	uint16_t port;
	struct regent_registerer_options ro;
	struct regent_ua *ua;

	memset(g, 0, sizeof(*g));
	g->fd = net_test_listen_lo(SOCK_DGRAM, &port);
	snprintf(server, sizeof(server), "sip:127.0.0.1:%u;transport=udp", port);
	o->uri = "sip:carol@example.test";
	o->server = server;
	ua = net_test_ua_alloc(o);
	net_test_registerer_options(&ro, on_event, NULL);
	ro.auto_retry = false;
	assert_int_equal(regent_registerer_register(net_test_registerer_alloc(ua, &ro), NULL), 0);
	pump(ua, g, 1, 300);
	assert_int_equal(g->n, 1);
	assert_non_null(strstr(g->in[0], "REGISTER sip:"));
	g->n = 0;
	return ua;
}

/* The registrar sends a request to the UA's port. */
static void send_req(struct reg *g, const char *method, const char *branch)
{
	char b[1024];
	int n = snprintf(b, sizeof(b),
			 "%s sip:carol@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"
			 "From: <sip:reg@127.0.0.1>;tag=r1\r\nTo: <sip:carol@example.test>\r\n"
			 "Call-ID: %s@test\r\nCSeq: 7 %s\r\nMax-Forwards: 70\r\n"
			 "Content-Length: 0\r\n\r\n",
			 method, branch, branch, strcmp(method, "ACK") == 0 ? "INVITE" : method);

	assert_int_equal(sendto(g->fd, b, (size_t)n, 0, (struct sockaddr *)&g->ua, sizeof(g->ua)),
			 n);
}

static void options_and_default_answers(void **state)
{
	struct reg g;
	struct regent_ua_options o;
	struct regent_ua *ua;

	(void)state;
	regent_ua_options_init(&o);
	ua = start(&g, &o);

	send_req(&g, "OPTIONS", "z9hG4bKopt1");
	pump(ua, &g, 1, 300);
	assert_int_equal(g.n, 1);
	assert_memory_equal(g.in[0], "SIP/2.0 200 OK\r\n", 16);
	assert_non_null(strstr(g.in[0], "branch=z9hG4bKopt1"));
	assert_non_null(strstr(g.in[0], "\r\nAllow: OPTIONS\r\n"));
	assert_non_null(strstr(g.in[0], "\r\nAccept: \r\n"));
	assert_non_null(strstr(g.in[0], "\r\nSupported: outbound\r\n"));
	assert_non_null(strstr(g.in[0], "To: <sip:carol@example.test>;tag="));
	assert_null(strstr(g.in[0], "INVITE"));
	char first[4096];
	snprintf(first, sizeof(first), "%s", g.in[0]);

	/* the retransmission: the very same answer (same To tag) */
	g.n = 0;
	send_req(&g, "OPTIONS", "z9hG4bKopt1");
	pump(ua, &g, 1, 300);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.in[0], first);
	/* a new transaction: a new To tag */
	g.n = 0;
	send_req(&g, "OPTIONS", "z9hG4bKopt2");
	pump(ua, &g, 1, 300);
	assert_int_equal(g.n, 1);
	assert_string_not_equal(g.in[0], first);

	g.n = 0;
	send_req(&g, "INVITE", "z9hG4bKinv1");
	pump(ua, &g, 1, 300);
	assert_memory_equal(g.in[0], "SIP/2.0 405 Method Not Allowed\r\n", 32);
	assert_non_null(strstr(g.in[0], "\r\nAllow: OPTIONS\r\n"));

	g.n = 0;
	send_req(&g, "FROB", "z9hG4bKfrob");
	pump(ua, &g, 1, 300);
	assert_memory_equal(g.in[0], "SIP/2.0 501 Not Implemented\r\n", 29);

	/* ACK: nothing at all */
	g.n = 0;
	send_req(&g, "ACK", "z9hG4bKinv1");
	pump(ua, &g, 1, 30);
	assert_int_equal(g.n, 0);
	regent_ua_free(ua);
	close(g.fd);
}

struct host {
	int calls, acks;
	int respond_err[4];
	bool silent; /* answer nothing */
};

static void on_request(struct regent_request *req, void *arg)
{
	struct host *h = arg;
	static const char *const bad[] = {"X-Evil: a\r\nInjected: b", NULL};
	static const char *const hdrs[] = {"Content-Type: text/plain", NULL};
	size_t len = 0;

	if (strcmp(regent_request_method(req), "ACK") == 0) {
		h->acks++;
		assert_int_equal(regent_request_respond(req, 200, "OK", NULL, NULL, 0), EINVAL);
		return;
	}
	h->calls++;
	assert_non_null(strstr(regent_request_data(req, &len), "Call-ID:"));
	assert_true(len > 0);
	if (h->silent)
		return;
	h->respond_err[0] = regent_request_respond(req, 200, "OK", bad, NULL, 0);
	h->respond_err[1] = regent_request_respond(req, 180, "Ringing", NULL, NULL, 0);
	h->respond_err[2] = regent_request_respond(req, 200, "OK", hdrs, "hello", 5);
	h->respond_err[3] = regent_request_respond(req, 486, "Busy Here", NULL, NULL, 0);
}

static void request_handler_answers_what_it_lists(void **state)
{
	struct reg g;
	struct regent_ua_options o;
	struct host h = {0};
	struct regent_ua *ua;

	(void)state;
	regent_ua_options_init(&o);
	o.request_h = on_request;
	o.request_arg = &h;
	o.request_methods = "INVITE, MESSAGE";
	ua = start(&g, &o);

	send_req(&g, "OPTIONS", "z9hG4bKo");
	pump(ua, &g, 1, 300);
	assert_non_null(strstr(g.in[0], "\r\nAllow: OPTIONS, INVITE, MESSAGE\r\n"));
	assert_non_null(strstr(g.in[0], "\r\nAccept: application/sdp\r\n"));

	g.n = 0;
	send_req(&g, "MESSAGE", "z9hG4bKm1");
	pump(ua, &g, 2, 300);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.respond_err[0], EINVAL);
	assert_int_equal(h.respond_err[1], 0);
	assert_int_equal(h.respond_err[2], 0);
	assert_int_equal(h.respond_err[3], EALREADY);
	assert_int_equal(g.n, 2);
	assert_memory_equal(g.in[0], "SIP/2.0 180 Ringing\r\n", 21);
	assert_memory_equal(g.in[1], "SIP/2.0 200 OK\r\n", 16);
	assert_non_null(strstr(g.in[1], "Content-Type: text/plain\r\n"));
	assert_non_null(strstr(g.in[1], "\r\n\r\nhello"));
	assert_null(strstr(g.in[1], "Injected"));

	/* its retransmission: the final answer again, the handler not called */
	g.n = 0;
	send_req(&g, "MESSAGE", "z9hG4bKm1");
	pump(ua, &g, 1, 300);
	assert_int_equal(h.calls, 1);
	assert_memory_equal(g.in[0], "SIP/2.0 200 OK\r\n", 16);

	/* not listed: 405, Allow says what is */
	g.n = 0;
	send_req(&g, "NOTIFY", "z9hG4bKn1");
	pump(ua, &g, 1, 300);
	assert_memory_equal(g.in[0], "SIP/2.0 405 ", 12);
	assert_non_null(strstr(g.in[0], "\r\nAllow: OPTIONS, INVITE, MESSAGE\r\n"));
	assert_int_equal(h.calls, 1);

	/* a handler that answers nothing: 480, never silence */
	h.silent = true;
	g.n = 0;
	send_req(&g, "INVITE", "z9hG4bKi1");
	pump(ua, &g, 1, 300);
	assert_int_equal(h.calls, 2);
	assert_memory_equal(g.in[0], "SIP/2.0 480 ", 12);

	/* the ACK of an INVITE goes to the handler, unanswered */
	g.n = 0;
	send_req(&g, "ACK", "z9hG4bKi1");
	pump(ua, &g, 1, 30);
	assert_int_equal(h.acks, 1);
	assert_int_equal(g.n, 0);
	regent_ua_free(ua);
	close(g.fd);
}

static void bad_request_methods_name_the_field(void **state)
{
	struct regent_ua_options o;
	struct regent_ua *ua = NULL;
	struct regent_error e;

	(void)state;
	regent_ua_options_init(&o);
	o.uri = "sip:carol@example.test";
	o.server = "sip:127.0.0.1:5;transport=udp";
	o.request_methods = "INVITE\r\nX: y";
	assert_int_equal(regent_ua_alloc(&ua, &o, &e), EINVAL);
	assert_non_null(strstr(e.text, "request_methods"));
	assert_null(ua);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(options_and_default_answers),
	    cmocka_unit_test(request_handler_answers_what_it_lists),
	    cmocka_unit_test(bad_request_methods_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

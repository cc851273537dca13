/*
 * The I/O edge of regent_ua_alloc() over TCP against a server in this test:
 *  - a connection reset while a REGISTER waits fails it at once (local 503),
 *    long before timer F (T1 is set huge: only the reset can end it);
 *  - an OPTIONS arriving on the TCP flow is framed and answered with 200;
 *  - freeing the UA from inside its own event callback is safe (ASan);
 *  - bad transport options are refused with a message naming the field.
 */
#include <errno.h>
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

struct srv {
	int lfd, fd;
	char in[8192];
	size_t inlen;
	unsigned requests;
};

struct ev {
	uint16_t status;
	bool local;
	unsigned responses;
	struct regent_ua *free_me; /* free the UA from the callback */
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	(void)r;
	struct ev *v = arg;
	if (e->type != REGENT_EV_RESPONSE)
		return;
	v->status = e->status;
	v->local = e->local;
	v->responses++;
	if (v->free_me) {
		struct regent_ua *ua = v->free_me;
		v->free_me = NULL;
		regent_ua_free(ua);
	}
}

static uint16_t srv_init(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	uint16_t port;
	s->lfd = net_test_listen_lo(SOCK_STREAM, &port);
	return port;
}

static void srv_free(struct srv *s)
{
	if (s->fd >= 0)
		close(s->fd);
	close(s->lfd);
}

/* one poll round for the UA and the server: accepts, and appends what the
 * server reads to s->in */
static void round1(struct regent_ua *ua, struct srv *s)
{
	struct regent_pollfd rf[16] = {0}; /* untouched when there is no ua */
	struct pollfd pf[18];
	size_t n = ua ? regent_ua_io_fds(ua, rf, 16) : 0;
	net_test_to_pollfds(rf, n, pf);
	pf[n] = (struct pollfd){s->lfd, POLLIN, 0};
	pf[n + 1] = (struct pollfd){s->fd, POLLIN, 0};
	int t = ua ? regent_ua_io_timeout(ua) : 20;
	poll(pf, n + 2, t < 0 || t > 20 ? 20 : t);
	net_test_from_pollfds(pf, n, rf);
	if (ua)
		regent_ua_io_process(ua, rf, n);
	if ((pf[n].revents & POLLIN) && s->fd < 0)
		s->fd = accept(s->lfd, NULL, NULL);
	if (s->fd >= 0 && (pf[n + 1].revents & POLLIN)) {
		ssize_t r = recv(s->fd, s->in + s->inlen, sizeof(s->in) - 1 - s->inlen, 0);
		if (r > 0) {
			s->inlen += (size_t)r;
			s->in[s->inlen] = '\0';
		}
	}
}

static struct regent_ua *make_ua(uint16_t port, uint32_t t1, struct regent_registerer **rp,
				 struct ev *v)
{
	char server[64];
	snprintf(server, sizeof(server), "sip:127.0.0.1:%u;transport=tcp", port);
	struct regent_ua_options o;
	regent_ua_options_init(&o);
	o.uri = "sip:carol@example.test";
	o.server = server;
	o.t1_ms = t1;
	if (o.t2_ms < t1)
		o.t2_ms = t1;
	struct regent_ua *ua = net_test_ua_alloc(&o);
	struct regent_registerer_options ro;
	net_test_registerer_options(&ro, on_event, v);
	ro.auto_retry = false;
	*rp = net_test_registerer_alloc(ua, &ro);
	return ua;
}

static void reset_fails_the_pending_register_at_once(void **state)
{
	(void)state;
	struct srv s;
	uint16_t port = srv_init(&s);
	struct ev v = {0};
	struct regent_registerer *r = NULL;
	/* T1 = 60 s: timer F would be over an hour away */
	struct regent_ua *ua = make_ua(port, 60000, &r, &v);
	assert_int_equal(regent_registerer_register(r, NULL), 0);
	for (int i = 0; i < 300 && !strstr(s.in, "\r\n\r\n"); i++)
		round1(ua, &s);
	assert_non_null(strstr(s.in, "REGISTER sip:"));
	assert_non_null(strstr(s.in, "Via: SIP/2.0/TCP 127.0.0.1:"));
	/* reset instead of answering */
	struct linger lg = {1, 0};
	setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s.fd);
	s.fd = -1;
	for (int i = 0; i < 300 && v.responses == 0; i++)
		round1(ua, &s);
	assert_int_equal(v.responses, 1);
	assert_true(v.local);
	assert_int_equal(v.status, 503);
	assert_false(regent_registerer_waiting(r));
	regent_ua_free(ua);
	srv_free(&s);
}

static void options_on_tcp_flow_is_answered_and_free_from_callback(void **state)
{
	(void)state;
	struct srv s;
	uint16_t port = srv_init(&s);
	struct ev v = {0};
	struct regent_registerer *r = NULL;
	struct regent_ua *ua = make_ua(port, 500, &r, &v);
	assert_int_equal(regent_registerer_register(r, NULL), 0);
	for (int i = 0; i < 300 && !strstr(s.in, "\r\n\r\n"); i++)
		round1(ua, &s);
	assert_true(s.fd >= 0);
	s.inlen = 0;
	s.in[0] = '\0';
	/* the registrar's OPTIONS and then, in the same segment, half a message */
	const char opt[] = "OPTIONS sip:carol@127.0.0.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKtcpopt\r\n"
			   "From: <sip:reg@127.0.0.1>;tag=r1\r\nTo: <sip:carol@127.0.0.1>\r\n"
			   "Call-ID: tcpopt\r\nCSeq: 3 OPTIONS\r\nMax-Forwards: 70\r\n"
			   "Content-Length: 0\r\n\r\nSIP/2.0 401 Unauth";
	assert_int_equal(send(s.fd, opt, strlen(opt), 0), (ssize_t)strlen(opt));
	for (int i = 0; i < 300 && !strstr(s.in, "\r\n\r\n"); i++)
		round1(ua, &s);
	assert_memory_equal(s.in, "SIP/2.0 200 ", 12);
	assert_non_null(strstr(s.in, "branch=z9hG4bKtcpopt"));
	assert_non_null(strstr(s.in, "CSeq: 3 OPTIONS"));
	/* the next final response for the REGISTER: the callback frees the UA */
	v.free_me = ua;
	/* finish the partial message as a 500 for some other transaction: it
	 * is unmatched and dropped; the flow stays up */
	const char rest[] = "orized\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKnone\r\n"
			    "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: none\r\n"
			    "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(send(s.fd, rest, strlen(rest), 0), (ssize_t)strlen(rest));
	for (int i = 0; i < 20; i++)
		round1(ua, &s);
	struct regent_ua_stats st;
	regent_ua_stats(ua, &st);
	assert_true(st.unmatched_dropped >= 1);
	/* now reset: the local 503 goes to the callback, which frees the UA
	 * while the edge is inside io_process */
	struct linger lg = {1, 0};
	setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s.fd);
	s.fd = -1;
	for (int i = 0; i < 300 && v.free_me; i++)
		round1(ua, &s);
	assert_null(v.free_me); /* freed: do not touch ua any more */
	srv_free(&s);
}

static void bad_transport_options_name_the_field(void **state)
{
	(void)state;
	struct regent_ua_options o;
	struct regent_error err;
	struct regent_ua *ua = NULL;
	regent_ua_options_init(&o);
	o.uri = "sip:a@example.test";
	o.server = "http://example.test";
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), EINVAL);
	assert_non_null(strstr(err.text, "server"));
	o.server = "sip:example.test";
	o.tls_ca_file = "/nonexistent/ca.pem";
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), EINVAL);
	assert_non_null(strstr(err.text, "tls_ca_file"));
	o.tls_ca_file = NULL;
	o.dns_server = "not an address";
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), EINVAL);
	assert_non_null(strstr(err.text, "dns_server"));
	o.dns_server = NULL;
	o.server = "ws://example.test/";
	o.transport = REGENT_TP_UDP;
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), EINVAL);
	assert_non_null(strstr(err.text, "transport"));
	assert_null(ua);
}

/* Without a server the destination comes from uri: its error names uri, as
 * the user wrote it (once "uri   " overwrote "server" in the text). */
static void bad_uri_destination_names_uri(void **state)
{
	struct regent_ua_options o;
	struct regent_error err;
	struct regent_ua *ua = NULL;

	(void)state;
	regent_ua_options_init(&o);
	o.uri = "sips:a@example.test";
	o.transport = REGENT_TP_UDP;
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(strncmp(err.text, "uri: \"sips:a@example.test\": ", 28), 0);
	assert_null(ua);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reset_fails_the_pending_register_at_once),
	    cmocka_unit_test(options_on_tcp_flow_is_answered_and_free_from_callback),
	    cmocka_unit_test(bad_transport_options_name_the_field),
	    cmocka_unit_test(bad_uri_destination_names_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

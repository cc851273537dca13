/*
 * The embedding API, proven from a plain poll() loop written here with no
 * regent_loop at all: a UA from regent_ua_alloc() registers over UDP with a
 * tiny registrar in this test (a loopback socket answering 200), and the
 * registrar's OPTIONS / NOTIFY / garbage sent to the UA's flow are answered
 * (200, 405) or dropped without harm. Also checks Via sent-by and rport
 * (RFC 3581) against the address the registrar actually saw.
 */
#include <arpa/inet.h>
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

struct srv {
	int fd;
	struct sockaddr_in peer; /* the UA's flow as seen here */
	socklen_t peerlen;
	unsigned registers;
	char last_req[4096];
	char last_rsp[4096]; /* what the UA answered to our requests */
	unsigned rsps;
};

struct ev {
	unsigned sent, responses;
	uint16_t status;
	enum regent_registerer_state state;
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	(void)r;
	struct ev *v = arg;
	v->state = e->state;
	if (e->type == REGENT_EV_REQUEST_SENT)
		v->sent++;
	if (e->type == REGENT_EV_RESPONSE) {
		v->responses++;
		v->status = e->status;
	}
}

/* copies header `name` lines ("Name: ...\r\n") from req into out */
static void copy_hdr(const char *req, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = req; (p = strstr(p, "\r\n")) != NULL;) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *e = strstr(p, "\r\n");
			size_t l = strlen(out);
			snprintf(out + l, cap - l, "%.*s\r\n", (int)(e - p), p);
		}
	}
}

static void srv_handle(struct srv *s)
{
	char buf[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(s->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return;
	buf[n] = '\0';
	s->peer = from;
	s->peerlen = fl;
	if (strncmp(buf, "SIP/2.0 ", 8) == 0) {
		snprintf(s->last_rsp, sizeof(s->last_rsp), "%s", buf);
		s->rsps++;
		return;
	}
	if (strncmp(buf, "REGISTER ", 9) != 0)
		return;
	s->registers++;
	snprintf(s->last_req, sizeof(s->last_req), "%s", buf);
	char rsp[4096] = "SIP/2.0 200 OK\r\n";
	copy_hdr(buf, "Via", rsp, sizeof(rsp));
	copy_hdr(buf, "From", rsp, sizeof(rsp));
	size_t l = strlen(rsp);
	char to[512] = "";
	copy_hdr(buf, "To", to, sizeof(to));
	to[strlen(to) - 2] = '\0';
	snprintf(rsp + l, sizeof(rsp) - l, "%s;tag=srv1\r\n", to);
	copy_hdr(buf, "Call-ID", rsp, sizeof(rsp));
	copy_hdr(buf, "CSeq", rsp, sizeof(rsp));
	char ct[512] = "";
	copy_hdr(buf, "Contact", ct, sizeof(ct));
	if (ct[0]) {
		/* grant what was asked: Contact without its own params + expires */
		char *gt = strchr(ct, '>');
		if (gt)
			snprintf(gt + 1, sizeof(ct) - (size_t)(gt + 1 - ct), ";expires=%s\r\n",
				 strstr(buf, "Expires: 0") ? "0" : "300");
		l = strlen(rsp);
		snprintf(rsp + l, sizeof(rsp) - l, "%s", ct);
	}
	l = strlen(rsp);
	snprintf(rsp + l, sizeof(rsp) - l, "Content-Length: 0\r\n\r\n");
	sendto(s->fd, rsp, strlen(rsp), 0, (struct sockaddr *)&from, fl);
}

static void srv_send(struct srv *s, const char *m)
{
	sendto(s->fd, m, strlen(m), 0, (struct sockaddr *)&s->peer, s->peerlen);
}

/* The host program's own loop: poll() on regent's fds and its own socket. */
static void host_loop(struct regent_ua *ua, struct srv *s, int rounds, bool (*done)(void *),
		      void *arg)
{
	for (int i = 0; i < rounds && !(done && done(arg)); i++) {
		struct regent_pollfd rf[16];
		struct pollfd pf[17];
		size_t n = regent_ua_io_fds(ua, rf, 16);
		assert_true(n <= 16);
		for (size_t k = 0; k < n; k++) {
			pf[k].fd = rf[k].fd;
			pf[k].events = (short)(((rf[k].events & REGENT_POLL_IN) ? POLLIN : 0) |
					       ((rf[k].events & REGENT_POLL_OUT) ? POLLOUT : 0));
			pf[k].revents = 0;
		}
		pf[n] = (struct pollfd){s->fd, POLLIN, 0};
		int t = regent_ua_io_timeout(ua);
		if (t < 0 || t > 20)
			t = 20;
		poll(pf, n + 1, t);
		for (size_t k = 0; k < n; k++) {
			rf[k].revents =
			    ((pf[k].revents & (POLLIN | POLLERR | POLLHUP)) ? REGENT_POLL_IN : 0) |
			    ((pf[k].revents & POLLOUT) ? REGENT_POLL_OUT : 0);
		}
		regent_ua_io_process(ua, rf, n);
		if (pf[n].revents & POLLIN)
			srv_handle(s);
	}
}

static bool ev_final(void *arg)
{
	struct ev *v = arg;
	return v->status >= 200;
}

static bool srv_got_rsp(void *arg)
{
	struct srv *s = arg;
	return s->rsps > 0;
}

static void register_query_and_answer_from_a_poll_loop(void **state)
{
	(void)state;
	struct srv s = {0};
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(s.fd, (struct sockaddr *)&sa, &sl);

	char server[64];
	snprintf(server, sizeof(server), "sip:127.0.0.1:%u", ntohs(sa.sin_port));
	struct regent_ua_options o;
	regent_ua_options_init(&o);
	o.uri = "sip:alice@example.test";
	o.server = server; /* numeric: no DNS */
	o.authorization_password = "x";
	struct regent_error err;
	struct regent_ua *ua = NULL;
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), 0);

	struct ev v = {0};
	struct regent_registerer_options ro;
	regent_registerer_options_init(&ro);
	ro.event_h = on_event;
	ro.event_arg = &v;
	ro.log_configuration = false;
	struct regent_registerer *r = NULL;
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &err), 0);
	assert_int_equal(regent_registerer_register(r, NULL), 0);

	host_loop(ua, &s, 500, ev_final, &v);
	assert_int_equal(v.status, 200);
	assert_int_equal(regent_registerer_state(r), REGENT_REG_REGISTERED);
	assert_int_equal(s.registers, 1);

	/* Via sent-by and Contact: the socket the registrar saw, and rport */
	char want[64];
	snprintf(want, sizeof(want), "Via: SIP/2.0/UDP 127.0.0.1:%u;", ntohs(s.peer.sin_port));
	assert_non_null(strstr(s.last_req, want));
	assert_non_null(strstr(s.last_req, ";rport"));
	snprintf(want, sizeof(want), "@127.0.0.1:%u", ntohs(s.peer.sin_port));
	assert_non_null(strstr(s.last_req, want));

	/* the registrar pings with OPTIONS: 200 on the same flow */
	srv_send(&s, "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKopt1\r\n"
		     "From: <sip:reg@127.0.0.1>;tag=f1\r\nTo: <sip:x@127.0.0.1>\r\n"
		     "Call-ID: opt1\r\nCSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\n"
		     "Content-Length: 0\r\n\r\n");
	host_loop(ua, &s, 200, srv_got_rsp, &s);
	assert_int_equal(s.rsps, 1);
	assert_memory_equal(s.last_rsp, "SIP/2.0 200 ", 12);
	assert_non_null(strstr(s.last_rsp, "branch=z9hG4bKopt1"));
	assert_non_null(strstr(s.last_rsp, "CSeq: 7 OPTIONS"));
	assert_non_null(strstr(s.last_rsp, "Call-ID: opt1"));
	assert_non_null(strstr(s.last_rsp, ";tag="));

	/* garbage first (dropped, flow survives), then NOTIFY: 405 */
	srv_send(&s, "\x01\x02 this is not SIP at all\r\n\r\n");
	s.rsps = 0;
	srv_send(&s, "NOTIFY sip:x@127.0.0.1 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKn1\r\n"
		     "From: <sip:reg@127.0.0.1>;tag=f2\r\nTo: <sip:x@127.0.0.1>;tag=t2\r\n"
		     "Call-ID: n1\r\nCSeq: 1 NOTIFY\r\nEvent: reg\r\nMax-Forwards: 70\r\n"
		     "Content-Length: 0\r\n\r\n");
	host_loop(ua, &s, 200, srv_got_rsp, &s);
	assert_int_equal(s.rsps, 1);
	assert_memory_equal(s.last_rsp, "SIP/2.0 405 ", 12);
	assert_non_null(strstr(s.last_rsp, "Allow: "));
	assert_non_null(strstr(s.last_rsp, "tag=t2"));

	/* still registered, and an unregister goes through the same loop */
	v.status = 0;
	assert_int_equal(regent_registerer_unregister(r, false, NULL), 0);
	host_loop(ua, &s, 500, ev_final, &v);
	assert_int_equal(v.status, 200);
	assert_int_equal(regent_registerer_state(r), REGENT_REG_UNREGISTERED);

	regent_ua_free(ua);
	close(s.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(register_query_and_answer_from_a_poll_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

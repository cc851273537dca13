/*
 * RFC 3263 §4.3 failover through the whole I/O edge: a dnsmasq started here
 * serves SRV records whose first target is bad, and a UA from
 * regent_ua_alloc() must end up registered with the second one:
 *  - UDP: the first target answers 503 (Retry-After: 1): the retry goes to
 *    the next target;
 *  - TCP: the first target refuses the connection: the next target is tried
 *    at once, before the core ever sees a failure.
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

static struct net_test_dns dns;
static int udp_bad, udp_good, tcp_good_l, udp_mute;
static uint16_t p_udp_bad, p_udp_good, p_tcp_dead, p_tcp_good, p_udp_mute;

static int setup(void **state)
{
	(void)state;
	udp_bad = net_test_bind_lo(SOCK_DGRAM, &p_udp_bad);
	udp_good = net_test_bind_lo(SOCK_DGRAM, &p_udp_good);
	tcp_good_l = net_test_bind_lo(SOCK_STREAM, &p_tcp_good);
	udp_mute = net_test_bind_lo(SOCK_DGRAM, &p_udp_mute); /* reads nothing, answers nothing */
	int dead = net_test_bind_lo(SOCK_STREAM, &p_tcp_dead);
	close(dead); /* nobody listens there any more: connect is refused */
	if (udp_bad < 0 || udp_good < 0 || tcp_good_l < 0)
		return -1;

	/* fo.test: the first target is bad (503 over UDP, refused over TCP);
	 * to.test: the first target never answers (UDP timeout) */
	char a[6][160];
	snprintf(a[0], sizeof(a[0]), "--srv-host=_sip._udp.fo.test,bad.fo.test,%u,10,0", p_udp_bad);
	snprintf(a[1], sizeof(a[1]), "--srv-host=_sip._udp.fo.test,good.fo.test,%u,20,0",
		 p_udp_good);
	snprintf(a[2], sizeof(a[2]), "--srv-host=_sip._tcp.fo.test,bad.fo.test,%u,10,0",
		 p_tcp_dead);
	snprintf(a[3], sizeof(a[3]), "--srv-host=_sip._tcp.fo.test,good.fo.test,%u,20,0",
		 p_tcp_good);
	snprintf(a[4], sizeof(a[4]), "--srv-host=_sip._udp.to.test,bad.fo.test,%u,10,0",
		 p_udp_mute);
	snprintf(a[5], sizeof(a[5]), "--srv-host=_sip._udp.to.test,good.fo.test,%u,20,0",
		 p_udp_good);
	const char *const records[] = {a[0],
				       a[1],
				       a[2],
				       a[3],
				       a[4],
				       a[5],
				       "--host-record=bad.fo.test,127.0.0.1",
				       "--host-record=good.fo.test,127.0.0.1",
				       NULL};
	return net_test_start_dnsmasq(&dns, "/dev/null", records);
}

static int teardown(void **state)
{
	(void)state;
	net_test_stop_dnsmasq(&dns);
	close(udp_bad);
	close(udp_good);
	close(tcp_good_l);
	close(udp_mute);
	return 0;
}

/* a response to the request in `req`, status line `status` and extra headers */
static size_t respond(const char *req, const char *status, const char *extra, char *out, size_t cap)
{
	size_t l = (size_t)snprintf(out, cap, "SIP/2.0 %s\r\n", status);
	const char *names[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
	for (size_t i = 0; i < 5; i++) {
		const char *p = strstr(req, names[i]);
		const char *e = p ? strstr(p, "\r\n") : NULL;
		if (p && e)
			l += (size_t)snprintf(out + l, cap - l, "%.*s%s\r\n", (int)(e - p), p,
					      i == 2 ? ";tag=t1" : "");
	}
	const char *ct = strstr(req, "Contact: ");
	const char *ce = ct ? strstr(ct, "\r\n") : NULL;
	if (ct && ce && status[0] == '2')
		l += (size_t)snprintf(out + l, cap - l, "%.*s;expires=300\r\n", (int)(ce - ct), ct);
	l += (size_t)snprintf(out + l, cap - l, "%sContent-Length: 0\r\n\r\n", extra);
	return l;
}

struct ev {
	uint16_t last;
	unsigned n503, n200;
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	(void)r;
	struct ev *v = arg;
	if (e->type != REGENT_EV_RESPONSE)
		return;
	v->last = e->status;
	v->n503 += e->status == 503;
	v->n200 += e->status == 200;
}

struct world {
	unsigned bad_seen, good_seen;
	int tcp_fd;
	char tcp_buf[8192];
	size_t tcp_len;
};

static void serve(struct world *w, struct pollfd *pf)
{
	char buf[4096], rsp[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	if (pf[0].revents & POLLIN) {
		ssize_t n =
		    recvfrom(udp_bad, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		if (n > 0) {
			buf[n] = '\0';
			w->bad_seen++;
			size_t l = respond(buf, "503 Service Unavailable", "Retry-After: 1\r\n",
					   rsp, sizeof(rsp));
			sendto(udp_bad, rsp, l, 0, (struct sockaddr *)&from, fl);
		}
	}
	if (pf[1].revents & POLLIN) {
		fl = sizeof(from);
		ssize_t n =
		    recvfrom(udp_good, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		if (n > 0) {
			buf[n] = '\0';
			w->good_seen++;
			size_t l = respond(buf, "200 OK", "", rsp, sizeof(rsp));
			sendto(udp_good, rsp, l, 0, (struct sockaddr *)&from, fl);
		}
	}
	if ((pf[2].revents & POLLIN) && w->tcp_fd < 0)
		w->tcp_fd = accept(tcp_good_l, NULL, NULL);
	if (w->tcp_fd >= 0 && (pf[3].revents & POLLIN)) {
		ssize_t n = recv(w->tcp_fd, w->tcp_buf + w->tcp_len,
				 sizeof(w->tcp_buf) - 1 - w->tcp_len, 0);
		if (n > 0) {
			w->tcp_len += (size_t)n;
			w->tcp_buf[w->tcp_len] = '\0';
			char *end = strstr(w->tcp_buf, "\r\n\r\n"); /* our requests have no body */
			if (end) {
				w->good_seen++;
				size_t l = respond(w->tcp_buf, "200 OK", "", rsp, sizeof(rsp));
				send(w->tcp_fd, rsp, l, 0);
				size_t used = (size_t)(end + 4 - w->tcp_buf);
				memmove(w->tcp_buf, end + 4, w->tcp_len - used);
				w->tcp_len -= used;
			}
		}
	}
}

static void run(struct regent_ua *ua, struct world *w, struct ev *v, int rounds)
{
	for (int i = 0; i < rounds && v->last != 200; i++) {
		struct regent_pollfd rf[16];
		struct pollfd pf[20];
		pf[0] = (struct pollfd){udp_bad, POLLIN, 0};
		pf[1] = (struct pollfd){udp_good, POLLIN, 0};
		pf[2] = (struct pollfd){tcp_good_l, POLLIN, 0};
		pf[3] = (struct pollfd){w->tcp_fd, POLLIN, 0};
		size_t n = regent_ua_io_fds(ua, rf, 16);
		net_test_to_pollfds(rf, n, pf + 4);
		int t = regent_ua_io_timeout(ua);
		poll(pf, 4 + n, t < 0 || t > 20 ? 20 : t);
		net_test_from_pollfds(pf + 4, n, rf);
		regent_ua_io_process(ua, rf, n);
		serve(w, pf);
	}
}

static void on_log(enum regent_log_level level, const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "[regent %d] %s\n", level, line);
}

static void register_via(const char *uri, enum regent_transport tp, struct world *w, struct ev *v)
{
	struct regent_ua_options o;
	regent_ua_options_init(&o);
	o.uri = uri;
	o.transport = tp;
	o.dns_server = dns.server;
	o.t1_ms = 10; /* timer F = 640 ms: the timeout case stays short */
	if (getenv("REGENT_TEST_LOG")) {
		o.log_h = on_log;
		o.log_level = REGENT_LOG_DEBUG;
	}
	struct regent_ua *ua = net_test_ua_alloc(&o);
	struct regent_registerer_options ro;
	net_test_registerer_options(&ro, on_event, v);
	ro.retry_base_s = 1;
	struct regent_registerer *r = net_test_registerer_alloc(ua, &ro);
	assert_int_equal(regent_registerer_register(r, NULL), 0);
	/* bounded: 20 ms polls; the 503 asks for a 1 s pause */
	run(ua, w, v, 1000);
	assert_int_equal(regent_registerer_state(r), REGENT_REG_REGISTERED);
	regent_ua_free(ua);
}

static void udp_503_moves_to_the_next_target(void **state)
{
	(void)state;
	struct world w = {.tcp_fd = -1};
	struct ev v = {0};
	register_via("sip:alice@fo.test", REGENT_TP_UDP, &w, &v);
	assert_int_equal(w.bad_seen, 1);
	assert_int_equal(v.n503, 1);
	assert_int_equal(w.good_seen, 1);
	assert_int_equal(v.n200, 1);
}

static void tcp_refused_moves_to_the_next_target_at_once(void **state)
{
	(void)state;
	struct world w = {.tcp_fd = -1};
	struct ev v = {0};
	register_via("sip:alice@fo.test", REGENT_TP_TCP, &w, &v);
	assert_int_equal(v.n503, 0); /* the core never saw a failure */
	assert_int_equal(w.good_seen, 1);
	assert_int_equal(v.n200, 1);
	if (w.tcp_fd >= 0)
		close(w.tcp_fd);
}

static void udp_timeout_moves_to_the_next_target(void **state)
{
	(void)state;
	struct world w = {.tcp_fd = -1};
	struct ev v = {0};
	register_via("sip:alice@to.test", REGENT_TP_UDP, &w, &v);
	/* T1 = 10 ms: a retransmission may reach it before it answers */
	assert_true(w.good_seen >= 1);
	assert_int_equal(v.n200, 1);
	/* the mute target got the REGISTER (and its retransmissions) first */
	char buf[2048];
	assert_true(recv(udp_mute, buf, sizeof(buf), MSG_DONTWAIT) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(udp_503_moves_to_the_next_target),
	    cmocka_unit_test(tcp_refused_moves_to_the_next_target_at_once),
	    cmocka_unit_test(udp_timeout_moves_to_the_next_target),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Keep-alives with an answer check (RFC 5626 §4.4) over real loopback
 * sockets, in virtual time (the conn is handed `now`):
 *  - TCP: a CRLF pong in time keeps the flow; no pong: down (ETIMEDOUT) at
 *    interval + pong timeout, not before; the interval changes on a live
 *    flow (Flow-Timer);
 *  - UDP: STUN Binding requests answered by a fake peer: the mapped address
 *    is reported, again when it changes, not when it does not; an answering
 *    peer that stops answering fails the flow; a peer that never answers
 *    makes the flow fall back to CRLFCRLF datagrams, logged once, never down.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/base.h"
#include "msg/stun.h"
#include "net/net.h"
#include "support/net_support.h"

/* ------------------------------------------------------------ fixtures */

static void counter_random(void *arg, void *buf, size_t len)
{
	unsigned *n = arg;
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(++*n * 37u);
}

static unsigned rnd_n;
static const struct regent_env env = {NULL, counter_random, &rnd_n};

struct logcap {
	int fallback_lines, timeout_lines;
};

static void log_h(enum regent_log_level level, const char *line, void *arg)
{
	struct logcap *l = arg;

	(void)level;
	if (strstr(line, "falling back to CRLF") != NULL)
		l->fallback_lines++;
	if (strstr(line, "not answered within") != NULL)
		l->timeout_lines++;
}

struct mapped_rec {
	int n;
	char host[64];
	uint16_t port;
};

static struct mapped_rec *mapped_into;

static void on_mapped(void *arg, const char *host, uint16_t port)
{
	(void)arg;
	mapped_into->n++;
	snprintf(mapped_into->host, sizeof(mapped_into->host), "%s", host);
	mapped_into->port = port;
}

static struct regent_conn *open_ka(enum regent_transport tp, uint16_t port, uint32_t interval_s,
				   struct regent_log *lg, struct net_test_obs *o, uint64_t now)
{
	struct regent_target t = net_test_lo_target(tp, "127.0.0.1", port, NULL);
	struct regent_conn_options co;

	regent_conn_options_init(&co);
	co.keepalive_interval_s = interval_s;
	co.env = &env;
	co.log = lg;
	return net_test_conn_open(&t, &co, o, now);
}

/* ------------------------------------------------------------ TCP */

static void tcp_pong_in_time_keeps_the_flow_and_none_fails_it(void **state)
{
	uint16_t port;
	int lfd = net_test_listen_lo(SOCK_STREAM, &port);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_ka(REGENT_TP_TCP, port, 30, NULL, &o, 1000);
	char buf[16];

	(void)state;
	net_test_conn_pump(c, &o.up, 100, 1000);
	assert_true(o.up);
	int s = accept(lfd, NULL, NULL);
	net_test_recv_timeout(s, 2);
	assert_int_equal(regent_conn_deadline(c), 31000);

	/* ping, pong within the 10 s: still up after the pong timeout */
	regent_conn_process(c, 0, 31000);
	assert_int_equal(recv(s, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "\r\n\r\n", 4);
	assert_int_equal(regent_conn_deadline(c), 41000); /* the pong is due */
	assert_int_equal(send(s, "\r\n", 2, 0), 2);
	net_test_conn_pump(c, NULL, 5, 35000);
	assert_int_equal(regent_conn_deadline(c), 61000); /* answered: next ping */
	regent_conn_process(c, 0, 41000);
	regent_conn_process(c, 0, 45000);
	assert_false(o.down);

	/* the next ping gets no pong: down at 61000 + 10000, not before */
	regent_conn_process(c, 0, 61000);
	assert_int_equal(recv(s, buf, sizeof(buf), 0), 4);
	regent_conn_process(c, 0, 70999);
	assert_false(o.down);
	regent_conn_process(c, 0, 71000);
	assert_true(o.down);
	assert_int_equal(o.down_err, ETIMEDOUT);
	regent_conn_free(c);
	close(s);
	close(lfd);
}

static void tcp_interval_changes_on_a_live_flow(void **state)
{
	uint16_t port;
	int lfd = net_test_listen_lo(SOCK_STREAM, &port);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_ka(REGENT_TP_TCP, port, 120, NULL, &o, 0);

	(void)state;
	net_test_conn_pump(c, &o.up, 100, 0);
	assert_true(o.up);
	assert_int_equal(regent_conn_deadline(c), 120000);
	/* a 2xx with Flow-Timer: 25 (RFC 5626 §4.4.1) */
	assert_int_equal(regent_conn_set_keepalive(c, 20, 5000), 0);
	assert_int_equal(regent_conn_deadline(c), 25000);
	assert_int_equal(regent_conn_set_keepalive(c, 0, 6000), 0);
	assert_int_equal(regent_conn_deadline(c), UINT64_MAX);
	regent_conn_free(c);
	close(lfd);
}

/* ------------------------------------------------------------ UDP / STUN */

/* The fake registrar: reads one datagram (bounded wait). Its length, 0 on
 * timeout; *from filled. */
static size_t peer_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	socklen_t sl = sizeof(*from);
	ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &sl);

	return n > 0 ? (size_t)n : 0;
}

/* The same without waiting. */
static size_t peer_recv_now(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);

	return n > 0 ? (size_t)n : 0;
}

/* A Binding success response to `req` with XOR-MAPPED-ADDRESS ip:port
 * (RFC 5389 §15.2), no FINGERPRINT (as Kamailio 5.6 answers). */
static void peer_answer(int fd, const uint8_t *req, const struct sockaddr_in *to, uint32_t ip,
			uint16_t port)
{
	uint8_t r[32] = {0x01, 0x01, 0x00, 12, 0x21, 0x12, 0xA4, 0x42};
	uint16_t xp = port ^ 0x2112;
	uint32_t xa = ip ^ REGENT_STUN_COOKIE;

	memcpy(r + 8, req + 8, REGENT_STUN_TXID_LEN);
	r[20] = 0x00;
	r[21] = 0x20; /* XOR-MAPPED-ADDRESS */
	r[22] = 0;
	r[23] = 8;
	r[24] = 0;
	r[25] = 0x01; /* IPv4 */
	r[26] = (uint8_t)(xp >> 8);
	r[27] = (uint8_t)xp;
	r[28] = (uint8_t)(xa >> 24);
	r[29] = (uint8_t)(xa >> 16);
	r[30] = (uint8_t)(xa >> 8);
	r[31] = (uint8_t)xa;
	assert_int_equal(sendto(fd, r, sizeof(r), 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)sizeof(r));
}

/* One keep-alive round at `now`: the peer reads the request, checks it is a
 * Binding request, and answers with ip:port unless port is 0. */
static void stun_round(struct regent_conn *c, int pfd, uint64_t now, uint32_t ip, uint16_t port,
		       const bool *flag)
{
	uint8_t buf[256];
	struct sockaddr_in from;
	struct regent_stun_msg m;

	regent_conn_process(c, 0, now);
	size_t n = peer_recv(pfd, buf, sizeof(buf), &from);
	assert_true(n > 0);
	assert_int_equal(regent_stun_parse(&m, buf, n), 0);
	assert_int_equal(m.cls, REGENT_STUN_REQUEST);
	assert_int_equal(m.method, REGENT_STUN_METHOD_BINDING);
	if (port == 0)
		return;
	peer_answer(pfd, buf, &from, ip, port);
	net_test_conn_pump(c, flag, 50, now);
}

static void udp_stun_mapped_reported_and_rebinding_seen(void **state)
{
	uint16_t port;
	int pfd = net_test_listen_lo(SOCK_DGRAM, &port);
	struct net_test_obs o = {0};
	struct mapped_rec mr = {0};
	struct regent_conn *c = open_ka(REGENT_TP_UDP, port, 20, NULL, &o, 0);
	bool got;

	(void)state;
	net_test_recv_timeout(pfd, 2);
	mapped_into = &mr;
	regent_conn_on_mapped(c, on_mapped);
	net_test_conn_pump(c, &o.up, 100, 0);
	assert_true(o.up);
	assert_int_equal(regent_conn_deadline(c), 20000);

	got = false;
	stun_round(c, pfd, 20000, 0xC6336401u /* 198.51.100.1 */, 41253, &got);
	for (int i = 0; i < 50 && mr.n < 1; i++)
		net_test_conn_pump(c, NULL, 1, 20100);
	assert_int_equal(mr.n, 1);
	assert_string_equal(mr.host, "198.51.100.1");
	assert_int_equal(mr.port, 41253);
	assert_int_equal(regent_conn_deadline(c), 40000); /* answered: no retransmit */

	/* the same mapping: not reported again */
	stun_round(c, pfd, 40000, 0xC6336401u, 41253, NULL);
	assert_int_equal(mr.n, 1);

	/* NAT rebinding: a new public port is reported */
	stun_round(c, pfd, 60000, 0xC6336401u, 43180, NULL);
	for (int i = 0; i < 50 && mr.n < 2; i++)
		net_test_conn_pump(c, NULL, 1, 60100);
	assert_int_equal(mr.n, 2);
	assert_int_equal(mr.port, 43180);
	assert_false(o.down);

	/* an answering peer that goes silent fails the flow: retransmissions
	 * (RTO doubling from 500 ms) within 10 s, then ETIMEDOUT */
	stun_round(c, pfd, 80000, 0, 0, NULL);
	int sends = 1;
	uint8_t buf[256];
	for (uint64_t t = 80000; t < 90000 && !o.down; t += 250) {
		regent_conn_process(c, 0, t);
		while (peer_recv_now(pfd, buf, sizeof(buf)) > 0)
			sends++;
	}
	assert_int_equal(sends, 5);
	assert_false(o.down);
	regent_conn_process(c, 0, 90000);
	assert_true(o.down);
	assert_int_equal(o.down_err, ETIMEDOUT);
	regent_conn_free(c);
	close(pfd);
}

static void udp_stun_retransmits_with_doubling_rto(void **state)
{
	uint16_t port;
	int pfd = net_test_listen_lo(SOCK_DGRAM, &port);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_ka(REGENT_TP_UDP, port, 20, NULL, &o, 0);
	uint8_t buf[256];
	struct sockaddr_in from;
	static const uint64_t at[] = {20000, 20500, 21500, 23500, 27500};

	(void)state;
	net_test_recv_timeout(pfd, 2);
	net_test_conn_pump(c, &o.up, 100, 0);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(regent_conn_deadline(c), at[i]);
		regent_conn_process(c, 0, at[i]);
		assert_true(peer_recv(pfd, buf, sizeof(buf), &from) > 0);
	}
	/* the next doubling (35500) is past the 10 s bound: none */
	assert_int_equal(regent_conn_deadline(c), 30000);
	regent_conn_free(c);
	close(pfd);
}

static void udp_stun_unanswered_falls_back_to_crlf_once(void **state)
{
	uint16_t port;
	int pfd = net_test_listen_lo(SOCK_DGRAM, &port);
	struct net_test_obs o = {0};
	struct logcap lc = {0};
	struct regent_log lg = {log_h, &lc, REGENT_LOG_DEBUG};
	struct regent_conn *c = open_ka(REGENT_TP_UDP, port, 20, &lg, &o, 0);
	uint8_t buf[256];
	int stun = 0, crlf = 0;

	(void)state;
	net_test_recv_timeout(pfd, 1);
	net_test_conn_pump(c, &o.up, 100, 0);
	/* a peer that reads everything and answers nothing, for 10 minutes */
	for (uint64_t t = 20000; t <= 600000; t += 250) {
		regent_conn_process(c, 0, t);
		assert_false(o.down);
	}
	for (;;) {
		size_t n = peer_recv_now(pfd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (regent_stun_is_stun(buf, n))
			stun++;
		else if (n == 4 && memcmp(buf, "\r\n\r\n", 4) == 0)
			crlf++;
	}
	/* two rounds of 5 STUN sends, then one CRLFCRLF per interval */
	assert_int_equal(stun, 2 * 5);
	assert_true(crlf >= 25);
	assert_int_equal(lc.fallback_lines, 1);
	assert_int_equal(lc.timeout_lines, 0);
	assert_false(o.down);
	regent_conn_free(c);
	close(pfd);
}

static void udp_without_answer_check_sends_crlf(void **state)
{
	uint16_t port;
	int pfd = net_test_listen_lo(SOCK_DGRAM, &port);
	struct net_test_obs o = {0};
	struct regent_target t = net_test_lo_target(REGENT_TP_UDP, "127.0.0.1", port, NULL);
	struct regent_conn_options co = {.keepalive_interval_s = 25};
	struct regent_conn *c = net_test_conn_open(&t, &co, &o, 0);
	uint8_t buf[64];
	struct sockaddr_in from;

	(void)state;
	net_test_recv_timeout(pfd, 2);
	net_test_conn_pump(c, &o.up, 100, 0);
	assert_int_equal(regent_conn_deadline(c), 25000);
	regent_conn_process(c, 0, 25000);
	assert_int_equal(peer_recv(pfd, buf, sizeof(buf), &from), 4);
	assert_memory_equal(buf, "\r\n\r\n", 4);
	assert_int_equal(regent_conn_deadline(c), 50000);
	regent_conn_free(c);
	close(pfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tcp_pong_in_time_keeps_the_flow_and_none_fails_it),
	    cmocka_unit_test(tcp_interval_changes_on_a_live_flow),
	    cmocka_unit_test(udp_stun_mapped_reported_and_rebinding_seen),
	    cmocka_unit_test(udp_stun_retransmits_with_doubling_rto),
	    cmocka_unit_test(udp_stun_unanswered_falls_back_to_crlf_once),
	    cmocka_unit_test(udp_without_answer_check_sends_crlf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * WS flows (RFC 7118 on RFC 6455) against a tiny WebSocket server written
 * here on a loopback TCP listener: upgrade with the "sip" subprotocol and the
 * Sec-WebSocket-Accept check, masked client frames, one SIP message per text
 * frame, fragmented messages reassembled, ping answered with pong, and the
 * close handshake. Also UDP and TCP flow basics that need no framing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
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

#include "net/net.h"
#include "support/net_support.h"

/* bounded blocking reads (and accept) on the server side */
static int listener(int type, uint16_t *port)
{
	int fd = net_test_listen_lo(type, port);
	net_test_recv_timeout(fd, 2);
	return fd;
}

static uint32_t ws_keepalive; /* keep-alive interval for the next open_to */

static struct regent_conn *open_to(enum regent_transport tp, uint16_t port, struct net_test_obs *o,
				   const char *path, uint64_t now)
{
	struct regent_target t = net_test_lo_target(tp, "127.0.0.1", port, path);
	struct regent_conn_options co = {.connect_timeout_ms = 1000,
					 .keepalive_interval_s = ws_keepalive};
	return net_test_conn_open(&t, &co, o, now);
}

static size_t read_head(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = recv(fd, buf + n, 1, 0);
		if (r <= 0)
			break;
		n++;
		buf[n] = '\0';
		if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	return n;
}

static void accept_key(const char *head, char *out)
{
	const char *k = strstr(head, "Sec-WebSocket-Key: ");
	assert_non_null(k);
	k += 19;
	const char *e = strstr(k, "\r\n");
	char cat[128];
	snprintf(cat, sizeof(cat), "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)(e - k), k);
	unsigned char d[SHA_DIGEST_LENGTH];
	SHA1((unsigned char *)cat, strlen(cat), d);
	EVP_EncodeBlock((unsigned char *)out, d, sizeof(d));
}

/* server frame: unmasked (RFC 6455 §5.1) */
static void put_frame(int fd, bool fin, int op, const char *p, size_t l)
{
	unsigned char h[4];
	size_t hl = 2;
	h[0] = (unsigned char)((fin ? 0x80 : 0) | op);
	if (l < 126) {
		h[1] = (unsigned char)l;
	} else {
		h[1] = 126;
		h[2] = (unsigned char)(l >> 8);
		h[3] = (unsigned char)l;
		hl = 4;
	}
	assert_int_equal(send(fd, h, hl, 0), (ssize_t)hl);
	if (l)
		assert_int_equal(send(fd, p, l, 0), (ssize_t)l);
}

static int recv_all(int fd, unsigned char *p, size_t l)
{
	size_t n = 0;
	while (n < l) {
		ssize_t r = recv(fd, p + n, l - n, 0);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	return 0;
}

/* client frame: must be masked (RFC 6455 §5.3); returns opcode, payload unmasked */
static int get_frame(int fd, bool *masked, char *out, size_t cap, size_t *len)
{
	unsigned char h[2], ext[8], mask[4];
	if (recv_all(fd, h, 2))
		return -1;
	*masked = h[1] & 0x80;
	uint64_t l = h[1] & 0x7f;
	if (l == 126) {
		recv_all(fd, ext, 2);
		l = ((uint64_t)ext[0] << 8) | ext[1];
	} else if (l == 127) {
		recv_all(fd, ext, 8);
		l = 0;
		for (int i = 0; i < 8; i++)
			l = (l << 8) | ext[i];
	}
	if (*masked)
		recv_all(fd, mask, 4);
	assert_true(l < cap);
	recv_all(fd, (unsigned char *)out, (size_t)l);
	for (size_t i = 0; i < l && *masked; i++)
		out[i] ^= (char)mask[i % 4];
	*len = (size_t)l;
	return h[0] & 0x0f;
}

static const char sipmsg[] = "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS x.invalid\r\n"
			     "Content-Length: 0\r\n\r\n";

static void ws_full_session(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(SOCK_STREAM, &port);
	struct net_test_obs o = {0};
	ws_keepalive = 30;
	struct regent_conn *c = open_to(REGENT_TP_WS, port, &o, "/sip", 0);
	ws_keepalive = 0;
	net_test_conn_pump(c, NULL, 5, 0); /* connect, write the upgrade */
	int s = accept(lfd, NULL, NULL);
	assert_true(s >= 0);
	net_test_recv_timeout(s, 2);
	char head[2048], acc[64], resp[512];
	read_head(s, head, sizeof(head));
	assert_non_null(strstr(head, "GET /sip HTTP/1.1\r\n"));
	assert_non_null(strstr(head, "Sec-WebSocket-Protocol: sip\r\n"));
	assert_non_null(strstr(head, "Sec-WebSocket-Version: 13\r\n"));
	assert_non_null(strstr(head, "Upgrade: websocket\r\n"));
	assert_false(o.up); /* not before the server agreed */
	accept_key(head, acc);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
		 acc);
	send(s, resp, strlen(resp), 0);
	net_test_conn_pump(c, &o.up, 100, 0);
	assert_true(o.up);
	assert_int_equal(o.fi.transport, REGENT_TP_WS);
	assert_string_equal(o.fi.local_host, "127.0.0.1");
	assert_true(o.fi.local_port != 0);
	assert_int_equal(o.fi.peer_port, port);

	/* one SIP message = one masked text frame */
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), 0);
	char buf[2048];
	size_t l;
	bool masked;
	assert_int_equal(get_frame(s, &masked, buf, sizeof(buf), &l), 1);
	assert_true(masked);
	assert_int_equal(l, strlen(sipmsg));
	assert_memory_equal(buf, sipmsg, l);

	/* a fragmented text message with a ping between the fragments */
	const char a[] = "SIP/2.0 200 OK\r\n", b[] = "Content-Length: 0\r\n\r\n";
	put_frame(s, false, 1, a, strlen(a));
	put_frame(s, true, 9, "hi", 2);
	put_frame(s, true, 0, b, strlen(b));
	bool two = false;
	for (int i = 0; i < 100 && o.nmsg < 1; i++)
		net_test_conn_pump(c, &two, 1, 0);
	assert_int_equal(o.nmsg, 1);
	assert_int_equal(o.msglen[0], strlen(a) + strlen(b));
	assert_memory_equal(o.msg[0], "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", o.msglen[0]);
	/* the pong carries the ping's payload (RFC 6455 §5.5.3) */
	assert_int_equal(get_frame(s, &masked, buf, sizeof(buf), &l), 10);
	assert_true(masked);
	assert_int_equal(l, 2);
	assert_memory_equal(buf, "hi", 2);

	/* keep-alive: a masked ping when due (virtual time), none before */
	assert_int_equal(regent_conn_deadline(c), 30000);
	regent_conn_process(c, 0, 29999);
	regent_conn_process(c, 0, 30000);
	assert_int_equal(get_frame(s, &masked, buf, sizeof(buf), &l), 9);
	assert_true(masked);
	assert_int_equal(regent_conn_deadline(c), 60000);

	/* close handshake: the client answers close and reports the flow down */
	put_frame(s, true, 8, "\x03\xe8", 2);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_true(o.down);
	assert_int_equal(get_frame(s, &masked, buf, sizeof(buf), &l), 8);
	assert_true(masked);
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), EPIPE);
	regent_conn_free(c);
	close(s);
	close(lfd);
}

static void ws_upgrade_checks(const char *resp_fmt, int want_err)
{
	uint16_t port;
	int lfd = listener(SOCK_STREAM, &port);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_to(REGENT_TP_WS, port, &o, "/", 0);
	net_test_conn_pump(c, NULL, 5, 0);
	int s = accept(lfd, NULL, NULL);
	net_test_recv_timeout(s, 2);
	char head[2048], acc[64], resp[512];
	read_head(s, head, sizeof(head));
	accept_key(head, acc);
	snprintf(resp, sizeof(resp), resp_fmt, acc);
	send(s, resp, strlen(resp), 0);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_false(o.up);
	assert_true(o.down);
	assert_int_equal(o.down_err, want_err);
	regent_conn_free(c);
	close(s);
	close(lfd);
}

static void ws_bad_accept_is_refused(void **state)
{
	(void)state;
	ws_upgrade_checks("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nSec-WebSocket-Accept: x%s\r\n"
			  "Sec-WebSocket-Protocol: sip\r\n\r\n",
			  EPROTO);
}

static void ws_without_sip_subprotocol_is_refused(void **state)
{
	(void)state;
	ws_upgrade_checks("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			  EPROTO);
}

static void ws_http_error_is_refused(void **state)
{
	(void)state;
	ws_upgrade_checks("HTTP/1.1 404 Not Found\r\nX-Ignore: %s\r\nContent-Length: 0\r\n\r\n",
			  ECONNREFUSED);
}

static void ws_handshake_timeout(void **state)
{
	(void)state;
	uint16_t port;
	int lfd = listener(SOCK_STREAM, &port);
	struct net_test_obs o = {0};
	/* the server accepts (backlog) but never answers the upgrade */
	struct regent_conn *c = open_to(REGENT_TP_WS, port, &o, "/", 1000);
	net_test_conn_pump(c, NULL, 5, 1000);
	assert_false(o.down);
	assert_int_equal(regent_conn_deadline(c), 2000);
	regent_conn_process(c, 0, 2000); /* virtual time: past the deadline */
	assert_true(o.down);
	assert_int_equal(o.down_err, ETIMEDOUT);
	regent_conn_free(c);
	close(lfd);
}

static void udp_flow_and_port_unreachable(void **state)
{
	(void)state;
	uint16_t port;
	int s = listener(SOCK_DGRAM, &port);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_to(REGENT_TP_UDP, port, &o, "", 0);
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), ENOTCONN);
	net_test_conn_pump(c, &o.up, 10, 0);
	assert_true(o.up);
	assert_int_equal(o.fi.transport, REGENT_TP_UDP);
	assert_string_equal(o.fi.local_host, "127.0.0.1");
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), 0);
	char buf[2048];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_int_equal(n, (ssize_t)strlen(sipmsg));
	/* the flow's source port is what Via/Contact will carry */
	assert_int_equal(ntohs(from.sin_port), o.fi.local_port);
	const char rsp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	sendto(s, rsp, strlen(rsp), 0, (struct sockaddr *)&from, fl);
	bool got = false;
	for (int i = 0; i < 100 && o.nmsg == 0; i++)
		net_test_conn_pump(c, &got, 1, 0);
	assert_int_equal(o.nmsg, 1);
	assert_memory_equal(o.msg[0], rsp, strlen(rsp));
	/* the registrar goes away: ICMP port unreachable brings the flow down */
	close(s);
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), 0);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_true(o.down);
	assert_int_equal(o.down_err, ECONNREFUSED);
	regent_conn_free(c);
}

static void udp_over_ipv6(void **state)
{
	(void)state;
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(s, (struct sockaddr *)&sa, &sl);
	struct regent_target t;
	memset(&t, 0, sizeof(t));
	t.tp = REGENT_TP_UDP;
	memcpy(&t.addr, &sa, sizeof(sa));
	t.addrlen = sizeof(sa);
	strcpy(t.host, "::1");
	struct net_test_obs o = {0};
	struct regent_conn_options co = {.connect_timeout_ms = 1000};
	struct regent_conn *c = net_test_conn_open(&t, &co, &o, 0);
	net_test_conn_pump(c, &o.up, 10, 0);
	assert_true(o.up);
	/* numeric, without brackets: the core adds them in Via (RFC 3261 §25.1) */
	assert_string_equal(o.fi.local_host, "::1");
	assert_string_equal(o.fi.peer_host, "::1");
	assert_int_equal(o.fi.peer_port, ntohs(sa.sin6_port));
	assert_int_equal(regent_conn_send(c, sipmsg, strlen(sipmsg)), 0);
	char buf[2048];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	assert_int_equal(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl),
			 (ssize_t)strlen(sipmsg));
	assert_int_equal(ntohs(from.sin6_port), o.fi.local_port);
	regent_conn_free(c);
	close(s);
}

static void tcp_refused_reports_down(void **state)
{
	(void)state;
	uint16_t port;
	int l = listener(SOCK_STREAM, &port);
	close(l); /* nobody listens there now */
	struct net_test_obs o = {0};
	struct regent_conn *c = open_to(REGENT_TP_TCP, port, &o, "", 0);
	net_test_conn_pump(c, &o.down, 100, 0);
	assert_false(o.up);
	assert_true(o.down);
	assert_int_equal(o.down_err, ECONNREFUSED);
	regent_conn_free(c);
}

static void free_from_inside_a_handler_is_safe(void **state)
{
	(void)state;
	/* exercised by ASan: down() frees the conn while process runs */
	uint16_t port;
	int l = listener(SOCK_STREAM, &port);
	close(l);
	struct net_test_obs o = {0};
	struct regent_conn *c = open_to(REGENT_TP_TCP, port, &o, "", 0);
	for (int i = 0; i < 100 && !o.down; i++) {
		int ev;
		int fd = regent_conn_fd(c, &ev);
		struct pollfd pf = {fd, POLLOUT, 0};
		poll(&pf, 1, 10);
		regent_conn_process(c, pf.revents ? REGENT_POLL_OUT | REGENT_POLL_IN : 0, 0);
	}
	assert_true(o.down);
	regent_conn_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ws_full_session),
	    cmocka_unit_test(ws_bad_accept_is_refused),
	    cmocka_unit_test(ws_without_sip_subprotocol_is_refused),
	    cmocka_unit_test(ws_http_error_is_refused),
	    cmocka_unit_test(ws_handshake_timeout),
	    cmocka_unit_test(udp_flow_and_port_unreachable),
	    cmocka_unit_test(udp_over_ipv6),
	    cmocka_unit_test(tcp_refused_reports_down),
	    cmocka_unit_test(free_from_inside_a_handler_is_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

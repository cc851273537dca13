/*
 * UDP send batching (src/net/conn.c): what the handlers send while a
 * wake-up reads the datagrams waiting is held and goes out together, in
 * order, when the read is over (one sendmmsg(2), issue 14); a send outside
 * a wake-up goes out at once, as before. Over real loopback sockets.
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

#include "net/net.h"
#include "support/net_support.h"

struct batch_obs {
	bool up;
	struct regent_conn *c;
	int peer;	  /* the peer's socket */
	unsigned got;	  /* datagrams the conn received */
	unsigned seen;	  /* datagrams at the peer while the handler ran */
	unsigned answers; /* sends the handler made */
};

static ssize_t peer_recv_now(int fd, char *buf, size_t size)
{
	return recv(fd, buf, size, MSG_DONTWAIT);
}

static void on_up(void *arg, const struct regent_flow_info *fi)
{
	(void)fi;
	((struct batch_obs *)arg)->up = true;
}

/* Each datagram in is answered with two out; the peer must not see any of
 * them yet. */
static void on_recv(void *arg, const char *buf, size_t len)
{
	struct batch_obs *o = arg;
	char out[64], in[256];

	(void)buf;
	(void)len;
	o->got++;
	for (int k = 0; k < 2; k++) {
		int n = snprintf(out, sizeof(out), "answer %u", o->answers);

		assert_int_equal(regent_conn_send(o->c, out, (size_t)n), 0);
		o->answers++;
	}
	while (peer_recv_now(o->peer, in, sizeof(in)) > 0)
		o->seen++;
}

static void on_down(void *arg, int err)
{
	(void)arg;
	(void)err;
	fail_msg("the flow went down");
}

static void sends_of_a_wake_up_go_out_together_in_order(void **state)
{
	uint16_t port;
	int pfd = net_test_listen_lo(SOCK_DGRAM, &port);
	struct regent_target t = net_test_lo_target(REGENT_TP_UDP, "127.0.0.1", port, NULL);
	struct regent_conn_options co;
	struct batch_obs o = {0};
	struct regent_conn_handlers h = {on_up, on_recv, on_down, &o};
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char buf[256], want[64];
	ssize_t n;

	(void)state;
	o.peer = pfd;
	regent_conn_options_init(&co);
	assert_int_equal(regent_conn_open(&o.c, &t, &co, &h, 0), 0);
	net_test_conn_pump(o.c, &o.up, 100, 0);
	assert_true(o.up);

	/* outside a wake-up: at once */
	assert_int_equal(regent_conn_send(o.c, "hello", 5), 0);
	net_test_recv_timeout(pfd, 2);
	n = recvfrom(pfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_int_equal(n, 5);

	/* three datagrams waiting (longer than a CRLF keep-alive), read in one wake-up: six
	 * answers, none out before the read is over, all out after it, in order */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sendto(pfd, "a ping", 6, 0, (struct sockaddr *)&from, fl), 6);
	usleep(20000);
	regent_conn_process(o.c, REGENT_POLL_IN, 1);
	assert_int_equal(o.got, 3);
	assert_int_equal(o.seen, 0);
	for (unsigned i = 0; i < 6; i++) {
		int wl = snprintf(want, sizeof(want), "answer %u", i);

		n = recv(pfd, buf, sizeof(buf), 0);
		assert_int_equal(n, wl);
		assert_memory_equal(buf, want, (size_t)wl);
	}
	assert_true(peer_recv_now(pfd, buf, sizeof(buf)) < 0);
	regent_conn_free(o.c);
	close(pfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sends_of_a_wake_up_go_out_together_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Outbound with two flows (RFC 5626 §4.2, §5.3; issue 13 item 3), through
 * the whole I/O edge of regent_ua_alloc() and real UDP sockets on
 * 127.0.0.1: two registrar addresses A and B and the UA's own outbound
 * proxy P answer REGISTER 200 by hand (msg/response.c) and say
 * Require: outbound when asked for it.
 *  - a Registerer's own `server` chooses its flow, even over the UA's
 *    proxy: reg-id 1 goes to A, reg-id 2 to B, none to P, each from a
 *    socket of its own (two flows), the same +sip.instance on both;
 *  - two Registerers naming the same server share its flow;
 *  - one flow failing (B's port closed: ICMP port unreachable on the
 *    keep-alive) loses that Registerer's registration only: the other
 *    stays REGISTERED and keeps refreshing over its flow.
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

#define NSRV 3
#define MAXREQ 32
#define INSTANCE "7c4e2a10-3b5d-4f6e-9a8b-1c2d3e4f5a6b"

enum { A, B, P };

/* A registrar address by hand: answers every REGISTER 200 with its Contact
 * (granted `expires` s), Require: outbound when the Contact has a reg-id. */
struct srv {
	int fd;
	uint16_t port;
	unsigned n;
	uint32_t expires;
	uint16_t src_port[MAXREQ];
	char contact[MAXREQ][512];
};

struct acct {
	struct regent_registerer *r;
	unsigned ok, lost;
};

struct world {
	struct srv s[NSRV];
	char dns[64];
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	for (int i = 0; i < NSRV; i++) {
		w->s[i].fd = net_test_bind_lo(SOCK_DGRAM, &w->s[i].port);
		if (w->s[i].fd < 0)
			return -1;
		w->s[i].expires = 300;
	}
	snprintf(w->dns, sizeof(w->dns), "127.0.0.1:%u", net_test_free_udp_port());
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < NSRV; i++) {
		if (w->s[i].fd >= 0)
			close(w->s[i].fd);
	}
	free(w);
	return 0;
}

static void serve_one(struct srv *s)
{
	char buf[4096], contact[512], *semi;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct regent_msg *m = NULL;
	struct regent_resp_options ro = {.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN, .to_tag = "r1"};
	struct regent_wbuf wb;
	ssize_t n = recvfrom(s->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);

	if (n <= 0 || memcmp(buf, "REGISTER ", 9) != 0)
		return; /* a keep-alive: not answered (a registrar without STUN) */
	buf[n] = '\0';
	assert_int_equal(regent_msg_parse(&m, buf, (size_t)n, NULL, NULL), 0);
	net_test_header_value(buf, "\r\nContact: ", contact, sizeof(contact));
	semi = strstr(contact, ";expires=");
	if (semi != NULL)
		*semi = '\0';
	if (s->n < MAXREQ) {
		s->src_port[s->n] = ntohs(from.sin_port);
		snprintf(s->contact[s->n], sizeof(s->contact[0]), "%s", contact);
	}
	s->n++;
	regent_wbuf_init_dynamic(&wb, 65536);
	assert_int_equal(regent_build_response(&wb, m, 200, "OK", &ro), 0);
	if (contact[0] != '\0')
		regent_wbuf_printf(&wb, "Contact: %s;expires=%u\r\n", contact, s->expires);
	if (strstr(contact, "reg-id=") != NULL) /* RFC 5626 §6 */
		regent_wbuf_printf(&wb, "Require: outbound\r\n");
	assert_int_equal(regent_build_finish(&wb, NULL, 0), 0);
	sendto(s->fd, wb.buf, wb.len, 0, (struct sockaddr *)&from, fl);
	regent_wbuf_release(&wb);
	regent_msg_free(m);
}

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	struct acct *a = arg;

	(void)r;
	if (e->type == REGENT_EV_RESPONSE && e->status / 100 == 2 && e->outbound)
		a->ok++;
	if (e->type == REGENT_EV_REGISTRATION_LOST)
		a->lost++;
}

static void round1(struct regent_ua *ua, struct world *w)
{
	struct regent_pollfd rf[16];
	struct pollfd pf[16 + NSRV];
	size_t n = regent_ua_io_fds(ua, rf, 16), k = n;
	int t = regent_ua_io_timeout(ua);

	assert_true(n <= 16);
	net_test_to_pollfds(rf, n, pf);
	for (int i = 0; i < NSRV; i++) {
		if (w->s[i].fd >= 0)
			pf[k++] = (struct pollfd){w->s[i].fd, POLLIN, 0};
	}
	poll(pf, k, t < 0 || t > 20 ? 20 : t);
	net_test_from_pollfds(pf, n, rf);
	regent_ua_io_process(ua, rf, n);
	k = n;
	for (int i = 0; i < NSRV; i++) {
		if (w->s[i].fd < 0)
			continue;
		if (pf[k++].revents & POLLIN)
			serve_one(&w->s[i]);
	}
}

/* Runs until cond(a) holds, at most `ms` (20 ms rounds). */
static bool run_until(struct regent_ua *ua, struct world *w, struct acct *a,
		      bool (*cond)(const struct acct *), unsigned ms)
{
	for (unsigned i = 0; i < ms / 20; i++) {
		if (cond(a))
			return true;
		round1(ua, w);
	}
	return cond(a);
}

static bool both_ok(const struct acct *a)
{
	return a[0].ok >= 1 && a[1].ok >= 1;
}

static bool second_lost(const struct acct *a)
{
	return a[1].lost >= 1;
}

static struct regent_ua *make_ua(struct world *w, const char *proxy, uint32_t ka)
{
	struct regent_ua_options o;

	regent_ua_options_init(&o);
	o.uri = "sip:alice@example.invalid";
	o.server = proxy;
	o.dns_server = w->dns;
	o.t1_ms = 50;
	o.keepalive_interval_s = ka;
	return net_test_ua_alloc(&o);
}

static void add_acct(struct regent_ua *ua, struct acct *a, uint32_t reg_id, const char *server)
{
	struct regent_registerer_options ro;

	memset(a, 0, sizeof(*a));
	net_test_registerer_options(&ro, on_event, a);
	ro.instance_id = INSTANCE;
	ro.reg_id = reg_id;
	ro.server = server;
	ro.registrar = "sip:example.invalid";
	ro.retry_base_s = 1;
	ro.retry_max_s = 2;
	a->r = net_test_registerer_alloc(ua, &ro);
	assert_int_equal(regent_registerer_register(a->r, NULL), 0);
}

static void each_registerer_server_is_its_flow(void **state)
{
	struct world *w = *state;
	struct acct a[3];
	char sa[64], sb[64], sp[64];

	/* an outbound-proxy URI with `ob` (RFC 5626) is a server like another */
	snprintf(sa, sizeof(sa), "sip:127.0.0.1:%u;ob", w->s[A].port);
	snprintf(sb, sizeof(sb), "sip:127.0.0.1:%u;transport=udp", w->s[B].port);
	snprintf(sp, sizeof(sp), "sip:127.0.0.1:%u", w->s[P].port);
	struct regent_ua *ua = make_ua(w, sp, 0);

	add_acct(ua, &a[0], 1, sa);
	add_acct(ua, &a[1], 2, sb);
	assert_true(run_until(ua, w, a, both_ok, 5000));
	/* each to its own server, none to the UA's proxy */
	assert_int_equal(w->s[A].n, 1);
	assert_int_equal(w->s[B].n, 1);
	assert_int_equal(w->s[P].n, 0);
	assert_non_null(strstr(w->s[A].contact[0], ";reg-id=1;"));
	assert_non_null(strstr(w->s[B].contact[0], ";reg-id=2;"));
	assert_non_null(strstr(w->s[A].contact[0], INSTANCE));
	assert_non_null(strstr(w->s[B].contact[0], INSTANCE));
	/* two flows: two sockets, two source ports */
	assert_int_not_equal(w->s[A].src_port[0], w->s[B].src_port[0]);
	assert_int_equal(regent_registerer_outbound(a[0].r), REGENT_OUTBOUND_YES);
	assert_int_equal(regent_registerer_outbound(a[1].r), REGENT_OUTBOUND_YES);

	/* a third naming A (written otherwise) shares A's flow */
	char sa2[80];

	snprintf(sa2, sizeof(sa2), "sip:127.0.0.1:%u;transport=udp", w->s[A].port);
	add_acct(ua, &a[2], 3, sa2);
	for (int i = 0; i < 250 && a[2].ok < 1; i++)
		round1(ua, w);
	assert_int_equal(a[2].ok, 1);
	assert_int_equal(w->s[A].n, 2);
	assert_int_equal(w->s[A].src_port[1], w->s[A].src_port[0]);
	regent_ua_free(ua);
}

/* B's port closed: the next keep-alive on B's flow gets ICMP port
 * unreachable, the flow fails and its Registerer loses its registration;
 * the Registerer on A's flow is untouched and refreshes. */
static void one_flow_failing_leaves_the_other_registered(void **state)
{
	struct world *w = *state;
	struct acct a[2];
	char sa[64], sb[64];
	unsigned a_before;

	w->s[A].expires = 2; /* A refreshes about every second */
	snprintf(sa, sizeof(sa), "sip:127.0.0.1:%u", w->s[A].port);
	snprintf(sb, sizeof(sb), "sip:127.0.0.1:%u", w->s[B].port);
	struct regent_ua *ua = make_ua(w, NULL, 1);

	add_acct(ua, &a[0], 1, sa);
	add_acct(ua, &a[1], 2, sb);
	assert_true(run_until(ua, w, a, both_ok, 5000));
	a_before = a[0].ok;
	close(w->s[B].fd);
	w->s[B].fd = -1;
	assert_true(run_until(ua, w, a, second_lost, 6000));
	assert_int_not_equal(regent_registerer_state(a[1].r), REGENT_REG_REGISTERED);
	assert_int_equal(a[0].lost, 0);
	assert_int_equal(regent_registerer_state(a[0].r), REGENT_REG_REGISTERED);
	/* A's flow goes on: refreshed since, and still registered after */
	for (int i = 0; i < 100; i++)
		round1(ua, w);
	assert_true(a[0].ok > a_before);
	assert_int_equal(a[0].lost, 0);
	assert_int_equal(regent_registerer_state(a[0].r), REGENT_REG_REGISTERED);
	regent_ua_free(ua);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(each_registerer_server_is_its_flow, setup, teardown),
	    cmocka_unit_test_setup_teardown(one_flow_failing_leaves_the_other_registered, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * regent_ua_network_changed() through real sockets (issue 11 §4): a UA from
 * regent_ua_alloc() (regent's own I/O, the system clock) on the default loop,
 * registered over UDP to the test registrar's core (registrar/) served on a
 * socket of this test on 127.0.0.1. After the call the flow is a new one (a
 * new local port; the old socket is gone from the UA's fds), the REGISTER
 * goes out on it with a Via and Contact naming the new port (RFC 3261
 * §18.1.1, §10.2.4: same Call-ID, the next CSeq), the registrar answers 200
 * and holds the new binding, and the Registerer reports it as ours.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg/msg.h"
#include "regent.h"
#include "registrar/registrar.h"

#define MAXREQ 16
#define AOR "sip:alice@example.test"

struct srv {
	int fd;
	struct regent_registrar *reg;
	size_t nreq;
	uint16_t src_port[MAXREQ]; /* where each request came from */
	char *req[MAXREQ];
};

struct evs {
	size_t n2xx;
	size_t nlost;
	int lost_error;
	size_t nsent;
	enum regent_send_reason reason[MAXREQ];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One datagram to the registrar core, its answer sent back to the source. */
static void on_srv(int fd, int revents, void *arg)
{
	struct srv *s = arg;
	char buf[8192], rsp[8192];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct regent_wbuf wb;
	ssize_t n;

	(void)revents;
	n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (s->nreq < MAXREQ) {
		s->src_port[s->nreq] = ntohs(from.sin_port);
		s->req[s->nreq] = strdup(buf);
		s->nreq++;
	}
	regent_wbuf_init_fixed(&wb, rsp, sizeof(rsp));
	if (regent_registrar_handle(s->reg, buf, (size_t)n, mono_ms(), "127.0.0.1",
				    ntohs(from.sin_port), &wb) == 0)
		sendto(fd, wb.buf, wb.len, 0, (struct sockaddr *)&from, fl);
}

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	struct evs *v = arg;

	(void)r;
	if (e->type == REGENT_EV_RESPONSE && e->status >= 200 && e->status < 300)
		v->n2xx++;
	if (e->type == REGENT_EV_REGISTRATION_LOST) {
		v->nlost++;
		v->lost_error = e->error;
	}
	if (e->type == REGENT_EV_REQUEST_SENT && v->nsent < MAXREQ)
		v->reason[v->nsent++] = e->reason;
}

/* The value of header `name` in request text m. */
static bool hdr(const char *m, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);

	for (const char *p = strstr(m, "\r\n"); p != NULL && p[2] != '\r';
	     p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (end != NULL && strncmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;

			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(end - v), v);
			return true;
		}
	}
	return false;
}

struct find {
	const char *needle;
	size_t n;
	uint64_t expires_at_ms;
};

static bool count_contact(const struct regent_registrar_binding *b, void *arg)
{
	struct find *f = arg;

	if (strcmp(b->aor, AOR) == 0 || strstr(b->aor, "alice@example.test") != NULL) {
		if (strstr(b->contact, f->needle) != NULL) {
			f->n++;
			f->expires_at_ms = b->expires_at_ms;
		}
	}
	return true;
}

/* How many live bindings of the registrar have a Contact containing s. */
static size_t registrar_holds(struct srv *s, const char *needle, uint64_t *expires_at_ms)
{
	struct find f = {needle, 0, 0};

	regent_registrar_foreach(s->reg, mono_ms(), count_contact, &f);
	if (expires_at_ms != NULL)
		*expires_at_ms = f.expires_at_ms;
	return f.n;
}

/* The local UDP ports of the UA's sockets. */
static size_t ua_ports(struct regent_ua *ua, uint16_t *ports, size_t max)
{
	struct regent_pollfd fds[8];
	size_t n = regent_ua_io_fds(ua, fds, 8), k = 0;

	for (size_t i = 0; i < n && i < 8 && k < max; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);

		if (getsockname(fds[i].fd, (struct sockaddr *)&sa, &sl) == 0 &&
		    sa.sin_family == AF_INET)
			ports[k++] = ntohs(sa.sin_port);
	}
	return k;
}

static void network_changed_moves_to_a_new_flow_and_reregisters(void **state)
{
	struct regent_registrar_options rgo;
	struct srv s = {0};
	struct evs v = {0};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct regent_loop *l = NULL;
	struct regent_ua_options o;
	struct regent_registerer_options ro;
	struct regent_error err;
	struct regent_ua *ua = NULL;
	struct regent_registerer *r = NULL;
	const struct regent_binding *b = NULL;
	char server[64], v0[512], v1[512], want[128];
	uint16_t p1, p2, ports[8];
	uint64_t exp_at, t_changed;
	size_t nb, nports;
	bool ours_p2 = false;

	(void)state;
	regent_registrar_options_init(&rgo);
	rgo.auth = false;
	assert_int_equal(regent_registrar_alloc(&s.reg, &rgo), 0);
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s.fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s.fd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(regent_loop_alloc(&l), 0);
	assert_int_equal(regent_loop_watch_fd(l, s.fd, REGENT_POLL_IN, on_srv, &s), 0);

	snprintf(server, sizeof(server), "sip:127.0.0.1:%u;transport=udp", ntohs(sa.sin_port));
	regent_ua_options_init(&o);
	o.uri = AOR;
	o.server = server;
	o.contact_name = "alice-nc";
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), 0);
	assert_int_equal(regent_loop_add_ua(l, ua), 0);
	regent_registerer_options_init(&ro);
	ro.log_configuration = false;
	ro.expires = 600;
	ro.event_h = on_event;
	ro.event_arg = &v;
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &err), 0);

	/* registered over the first flow */
	assert_int_equal(regent_registerer_register(r, NULL), 0);
	for (int i = 0; i < 250 && (v.n2xx < 1 || regent_registerer_waiting(r)); i++)
		regent_loop_run(l, 20);
	assert_int_equal(v.n2xx, 1);
	assert_int_equal(regent_registerer_state(r), REGENT_REG_REGISTERED);
	assert_int_equal(s.nreq, 1);
	p1 = s.src_port[0];
	nports = ua_ports(ua, ports, 8);
	assert_int_equal(nports, 1);
	assert_int_equal(ports[0], p1);
	snprintf(want, sizeof(want), "<sip:alice-nc@127.0.0.1:%u;transport=udp>", p1);
	assert_int_equal(registrar_holds(&s, want, NULL), 1);

	/* the network changed */
	t_changed = mono_ms();
	regent_ua_network_changed(ua);
	assert_int_equal(v.nlost, 1);
	assert_int_equal(v.lost_error, ENETRESET);
	for (int i = 0; i < 250 && (v.n2xx < 2 || regent_registerer_waiting(r)); i++)
		regent_loop_run(l, 20);
	assert_int_equal(v.n2xx, 2);
	assert_int_equal(regent_registerer_state(r), REGENT_REG_REGISTERED);
	assert_int_equal(s.nreq, 2); /* one REGISTER, answered at once: no retransmission */
	/* at once (docs/design.md, Flow: up to 0.5 s of jitter), not on the
	 * back-off (30 s and more); the bound leaves room for a loaded host */
	assert_true(mono_ms() - t_changed < 3000);
	assert_int_equal(v.nsent, 2);
	assert_int_equal(v.reason[0], REGENT_SEND_INITIAL);
	assert_int_equal(v.reason[1], REGENT_SEND_RETRY);

	/* a new flow: another local port, and the old socket is gone */
	p2 = s.src_port[1];
	assert_int_not_equal(p2, p1);
	nports = ua_ports(ua, ports, 8);
	assert_int_equal(nports, 1);
	assert_int_equal(ports[0], p2);

	/* the re-REGISTER names the new flow and continues the registration */
	assert_true(hdr(s.req[1], "Via", v1, sizeof(v1)));
	snprintf(want, sizeof(want), "SIP/2.0/UDP 127.0.0.1:%u;rport;branch=z9hG4bK", p2);
	assert_true(strncmp(v1, want, strlen(want)) == 0);
	assert_true(hdr(s.req[1], "Contact", v1, sizeof(v1)));
	snprintf(want, sizeof(want), "<sip:alice-nc@127.0.0.1:%u;transport=udp>;expires=600", p2);
	assert_string_equal(v1, want);
	assert_true(hdr(s.req[0], "Call-ID", v0, sizeof(v0)));
	assert_true(hdr(s.req[1], "Call-ID", v1, sizeof(v1)));
	assert_string_equal(v1, v0);
	assert_true(hdr(s.req[1], "CSeq", v1, sizeof(v1)));
	assert_string_equal(v1, "2 REGISTER");

	/* the registrar holds the new binding for the time asked */
	snprintf(want, sizeof(want), "<sip:alice-nc@127.0.0.1:%u;transport=udp>", p2);
	assert_int_equal(registrar_holds(&s, want, &exp_at), 1);
	assert_true(exp_at > mono_ms() + 590000 && exp_at <= mono_ms() + 600000);
	/* and the Registerer lists it as ours */
	snprintf(want, sizeof(want), "sip:alice-nc@127.0.0.1:%u;transport=udp", p2);
	nb = regent_registerer_contacts(r, &b);
	for (size_t i = 0; i < nb; i++)
		if (strcmp(b[i].uri, want) == 0 && b[i].ours && b[i].expires > 590)
			ours_p2 = true;
	assert_true(ours_p2);

	regent_registerer_free(r);
	regent_loop_remove_ua(l, ua);
	regent_ua_free(ua);
	regent_loop_unwatch_fd(l, s.fd);
	regent_loop_free(l);
	close(s.fd);
	regent_registrar_free(s.reg);
	for (size_t i = 0; i < s.nreq; i++)
		free(s.req[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(network_changed_moves_to_a_new_flow_and_reregisters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

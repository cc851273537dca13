/*
 * test_sim_keepalive — a flow whose keep-alive answers stop (issue 13 item
 * 1), in virtual time, end to end: the real UA core (regent_ua_alloc_core)
 * over the real connection code (src/net/conn.c, conn_ka.c), wired the way
 * the I/O edge wires them (sender open/send/close, conn handlers into
 * regent_ua_flow_up/recv/flow_down, the UA's keep-alive interval into
 * regent_conn_set_keepalive), to a peer on a real loopback socket that this
 * test plays: it answers REGISTER with 200 and keep-alives (a CRLF pong on
 * TCP, a STUN Binding success on UDP) while "alive", and swallows everything
 * while not. The clock is virtual: time jumps from deadline to deadline
 * once the sockets are quiet, so a simulated day takes seconds.
 *
 *  - TCP: pongs stop: the flow fails (ETIMEDOUT, REGENT_EV_FLOW_DOWN) at
 *    exactly the last answered ping + interval + 10 s (RFC 5626 §4.4.1);
 *    the REGISTER pending on it fails at that same instant (local 503), not
 *    at timer F; the peer answers again: re-registered over a new
 *    connection (a new local port), the lost one's Contact removed in it.
 *  - TCP: the peer stays silent for a simulated day: every new connection
 *    fails the same way, the retries follow the back-off (RFC 5626 §4.5),
 *    bounded, spaced, never a tight loop.
 *  - UDP: STUN answers stop: the flow fails within interval + 10 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_env.h"
#include "msg/stun.h"
#include "net/net.h"
#include "regent.h"
#include "sim_rng.h"
#include "ua/ua.h"

#define KA_S 30u
#define MAXC 256
#define MAXEV 4096

struct peer {
	int type, lfd;
	uint16_t port;
	int cfd[MAXC];
	char buf[MAXC][8192];
	size_t len[MAXC];
	size_t ncfd;
	bool alive;
	unsigned accepted, registers, pings;
};

struct world {
	uint64_t now;
	struct sim_rng rng;
	struct fake_env fe;
	struct regent_env env;
	struct regent_ua *ua;
	struct regent_registerer *reg;
	enum regent_transport tp;
	struct regent_conn *c;
	struct regent_conn *dead[MAXC];
	size_t ndead;
	uint32_t ka_s;
	unsigned opens;
	struct peer p;
	/* events: type, time, error */
	enum regent_event_type ev[MAXEV];
	uint64_t ev_t[MAXEV];
	int ev_err[MAXEV];
	uint16_t ev_status[MAXEV];
	size_t nev;
	uint64_t sent_t[MAXEV]; /* each REQUEST_SENT */
	size_t nsent;
	char last_register[4096];
};

/* ------------------------------------------------------------ the peer */

static void peer_open(struct peer *p, int type)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(p, 0, sizeof(*p));
	p->type = type;
	p->alive = true;
	p->lfd = socket(AF_INET, type, 0);
	assert_true(p->lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(p->lfd, 16), 0);
	assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&sa, &sl), 0);
	p->port = ntohs(sa.sin_port);
}

static void peer_close(struct peer *p)
{
	for (size_t i = 0; i < p->ncfd; i++)
		if (p->cfd[i] >= 0)
			close(p->cfd[i]);
	close(p->lfd);
}

/* The value of header `name` in m (first line), "" if none. */
static void header(const char *m, const char *name, char *out, size_t size)
{
	char key[64];
	const char *s, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	out[0] = '\0';
	s = strstr(m, key);
	if (s == NULL)
		return;
	s += strlen(key);
	e = strstr(s, "\r\n");
	snprintf(out, size, "%.*s", (int)(e != NULL ? e - s : (long)strlen(s)), s);
}

/* A 200 to REGISTER m listing its first Contact (none for a query). */
static size_t ok_200(struct world *w, const char *m, char *out, size_t size)
{
	char via[512], from[512], to[512], cid[256], cseq[64], ct[512], *semi;
	int n;

	header(m, "Via", via, sizeof(via));
	header(m, "From", from, sizeof(from));
	header(m, "To", to, sizeof(to));
	header(m, "Call-ID", cid, sizeof(cid));
	header(m, "CSeq", cseq, sizeof(cseq));
	header(m, "Contact", ct, sizeof(ct));
	semi = strstr(ct, ";expires=");
	if (semi != NULL)
		*semi = '\0';
	if (ct[0] != '\0') /* a REGISTER with a Contact (not a query) */
		snprintf(w->last_register, sizeof(w->last_register), "%s", m);
	n = snprintf(out, size,
		     "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=peer\r\nCall-ID: %s\r\n"
		     "CSeq: %s\r\n%s%s%sContent-Length: 0\r\n\r\n",
		     via, from, to, cid, cseq, ct[0] ? "Contact: " : "", ct,
		     ct[0] ? ";expires=3600\r\n" : "");
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* One stream connection's input: CRLFCRLF pings and whole requests. */
static void peer_stream(struct world *w, size_t i)
{
	struct peer *p = &w->p;
	char out[4096];

	for (;;) {
		char *b = p->buf[i], *end;
		size_t used, n;

		if (p->len[i] >= 4 && memcmp(b, "\r\n\r\n", 4) == 0) {
			used = 4;
			p->pings++;
			if (p->alive)
				assert_int_equal(send(p->cfd[i], "\r\n", 2, MSG_NOSIGNAL), 2);
		} else if ((end = memmem(b, p->len[i], "\r\n\r\n", 4)) != NULL) {
			used = (size_t)(end - b) + 4;
			b[used - 1] = '\0';
			if (strncmp(b, "REGISTER ", 9) == 0) {
				p->registers++;
				if (p->alive) {
					n = ok_200(w, b, out, sizeof(out));
					assert_int_equal(send(p->cfd[i], out, n, MSG_NOSIGNAL),
							 (ssize_t)n);
				}
			}
		} else {
			return;
		}
		memmove(p->buf[i], p->buf[i] + used, p->len[i] - used);
		p->len[i] -= used;
	}
}

/* A STUN Binding success with XOR-MAPPED-ADDRESS (RFC 5389 §15.2). */
static size_t stun_success(const uint8_t *req, const struct sockaddr_in *from, uint8_t *out)
{
	uint32_t cookie = 0x2112A442u, a = ntohl(from->sin_addr.s_addr) ^ cookie;
	uint16_t port = (uint16_t)(ntohs(from->sin_port) ^ (cookie >> 16));

	memset(out, 0, 32);
	out[0] = 0x01, out[1] = 0x01;		     /* Binding success */
	out[3] = 12;				     /* attributes: 12 bytes */
	memcpy(out + 4, req + 4, 16);		     /* cookie + transaction id */
	out[20] = 0x00, out[21] = 0x20, out[23] = 8; /* XOR-MAPPED-ADDRESS, 8 bytes */
	out[25] = 0x01;				     /* IPv4 */
	out[26] = (uint8_t)(port >> 8), out[27] = (uint8_t)port;
	out[28] = (uint8_t)(a >> 24), out[29] = (uint8_t)(a >> 16);
	out[30] = (uint8_t)(a >> 8), out[31] = (uint8_t)a;
	return 32;
}

static void peer_dgram(struct world *w)
{
	struct peer *p = &w->p;
	char buf[8192], out[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n =
	    recvfrom(p->lfd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	size_t m;

	if (n <= 0)
		return;
	buf[n] = '\0';
	if (regent_stun_is_stun(buf, (size_t)n)) {
		p->pings++;
		if (p->alive) {
			m = stun_success((const uint8_t *)buf, &from, (uint8_t *)out);
			sendto(p->lfd, out, m, 0, (struct sockaddr *)&from, fl);
		}
		return;
	}
	if (strncmp(buf, "REGISTER ", 9) != 0)
		return;
	p->registers++;
	if (p->alive) {
		m = ok_200(w, buf, out, sizeof(out));
		sendto(p->lfd, out, m, 0, (struct sockaddr *)&from, fl);
	}
}

/* ------------------------------------------------------------ the edge */

static void c_up(void *arg, const struct regent_flow_info *fi)
{
	struct world *w = arg;

	regent_ua_flow_up(w->ua, fi);
}

static void c_recv(void *arg, const char *buf, size_t len)
{
	struct world *w = arg;

	regent_ua_recv(w->ua, buf, len);
}

static void retire(struct world *w)
{
	if (w->c == NULL)
		return;
	assert_true(w->ndead < MAXC);
	w->dead[w->ndead++] = w->c;
	w->c = NULL;
}

static void c_down(void *arg, int err)
{
	struct world *w = arg;

	retire(w);
	regent_ua_flow_down(w->ua, err);
}

static int s_open(void *arg)
{
	struct world *w = arg;
	struct regent_target t;
	struct sockaddr_in *sa = (struct sockaddr_in *)&t.addr;
	struct regent_conn_options co;
	struct regent_conn_handlers h = {c_up, c_recv, c_down, w};

	retire(w);
	memset(&t, 0, sizeof(t));
	t.tp = w->tp;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(w->p.port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.addrlen = sizeof(*sa);
	snprintf(t.host, sizeof(t.host), "127.0.0.1");
	regent_conn_options_init(&co);
	co.keepalive_interval_s = w->ka_s;
	co.env = &w->env;
	w->opens++;
	return regent_conn_open(&w->c, &t, &co, &h, w->now);
}

static int s_send(void *arg, const char *buf, size_t len)
{
	struct world *w = arg;

	return w->c != NULL ? regent_conn_send(w->c, buf, len) : ENOTCONN;
}

static void s_close(void *arg)
{
	retire(arg);
}

static void e_keepalive(void *edge, uint32_t f, uint32_t interval_s)
{
	struct world *w = edge;

	(void)f;
	w->ka_s = interval_s;
	if (w->c != NULL)
		regent_conn_set_keepalive(w->c, interval_s, w->now);
}

static const struct regent_ua_edge_ops edge_ops = {.keepalive = e_keepalive};

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct world *w = arg;

	(void)r;
	assert_true(w->nev < MAXEV);
	w->ev[w->nev] = ev->type;
	w->ev_t[w->nev] = w->now;
	w->ev_err[w->nev] = ev->error;
	w->ev_status[w->nev++] = ev->status;
	if (ev->type == REGENT_EV_REQUEST_SENT)
		w->sent_t[w->nsent++] = w->now;
}

static struct world *world_new(enum regent_transport tp)
{
	struct world *w = calloc(1, sizeof(*w));
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_sender snd = {s_open, s_send, s_close, NULL};
	struct regent_error e;

	assert_non_null(w);
	w->tp = tp;
	w->now = 1000000;
	sim_rng_seed(&w->rng, 0x6b61ull);
	fake_env_init(&w->fe, &w->env, &w->now, &w->rng);
	peer_open(&w->p, tp == REGENT_TP_UDP ? SOCK_DGRAM : SOCK_STREAM);
	snd.arg = w;
	regent_ua_options_init(&uo);
	uo.uri = "sip:alice@127.0.0.1";
	uo.keepalive_interval_s = KA_S; /* as --keepalive 30 */
	assert_int_equal(regent_ua_alloc_core(&w->ua, &uo, &w->env, &snd, &e), 0);
	regent_ua_set_edge(w->ua, w, &edge_ops);
	regent_registerer_options_init(&ro);
	ro.expires = 3600;
	ro.event_h = on_event;
	ro.event_arg = w;
	assert_int_equal(regent_registerer_alloc(&w->reg, w->ua, &ro, &e), 0);
	return w;
}

static void world_free(struct world *w)
{
	regent_registerer_free(w->reg);
	regent_ua_free(w->ua);
	retire(w);
	for (size_t i = 0; i < w->ndead; i++)
		regent_conn_free(w->dead[i]);
	peer_close(&w->p);
	free(w);
}

/* Socket I/O until every socket is quiet (2 ms of real time). */
static void pump(struct world *w)
{
	for (int guard = 0; guard < 10000; guard++) {
		struct pollfd fds[MAXC + 2];
		size_t nf = 0, conn_at = SIZE_MAX, npolled = w->p.ncfd;
		int ev = 0, fd;

		fds[nf++] = (struct pollfd){w->p.lfd, POLLIN, 0};
		for (size_t i = 0; i < w->p.ncfd; i++)
			fds[nf++] = (struct pollfd){w->p.cfd[i], POLLIN, 0};
		fd = w->c != NULL ? regent_conn_fd(w->c, &ev) : -1;
		if (fd >= 0 && ev) {
			conn_at = nf;
			fds[nf++] = (struct pollfd){fd,
						    (short)((ev & REGENT_POLL_IN ? POLLIN : 0) |
							    (ev & REGENT_POLL_OUT ? POLLOUT : 0)),
						    0};
		}
		if (poll(fds, (nfds_t)nf, 2) <= 0)
			return;
		if (fds[0].revents && w->p.type == SOCK_STREAM) {
			assert_true(w->p.ncfd < MAXC);
			w->p.cfd[w->p.ncfd++] = accept(w->p.lfd, NULL, NULL);
			w->p.accepted++;
		} else if (fds[0].revents) {
			peer_dgram(w);
		}
		for (size_t i = 0; i < npolled; i++) {
			ssize_t n;

			if (!fds[1 + i].revents)
				continue;
			n = recv(w->p.cfd[i], w->p.buf[i] + w->p.len[i],
				 sizeof(w->p.buf[i]) - 1 - w->p.len[i], MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0) { /* closed by regent: forget it */
				close(w->p.cfd[i]);
				w->p.cfd[i] = -1;
				continue;
			}
			w->p.len[i] += (size_t)n;
			peer_stream(w, i);
		}
		if (conn_at != SIZE_MAX && fds[conn_at].revents && w->c != NULL) {
			int r = fds[conn_at].revents;

			regent_conn_process(
			    w->c,
			    (r & (POLLIN | POLLERR | POLLHUP) ? REGENT_POLL_IN : 0) |
				(r & (POLLOUT | POLLERR) ? REGENT_POLL_OUT : 0),
			    w->now);
		}
		/* closed peer sockets leave the table */
		for (size_t i = 0; i < w->p.ncfd;) {
			if (w->p.cfd[i] >= 0) {
				i++;
				continue;
			}
			memmove(&w->p.cfd[i], &w->p.cfd[i + 1], (w->p.ncfd - i - 1) * sizeof(int));
			memmove(w->p.buf[i], w->p.buf[i + 1],
				(w->p.ncfd - i - 1) * sizeof(w->p.buf[0]));
			memmove(&w->p.len[i], &w->p.len[i + 1],
				(w->p.ncfd - i - 1) * sizeof(size_t));
			w->p.ncfd--;
		}
	}
	fail_msg("sockets never went quiet");
}

/* Runs until virtual time t: I/O, then a jump to the next deadline. */
static void run_until(struct world *w, uint64_t t)
{
	for (int guard = 0; guard < 200000; guard++) {
		uint64_t d;

		pump(w);
		d = regent_ua_next_deadline(w->ua);
		if (w->c != NULL && regent_conn_deadline(w->c) < d)
			d = regent_conn_deadline(w->c);
		if (d > t)
			break;
		if (d > w->now)
			w->now = d;
		if (w->c != NULL)
			regent_conn_process(w->c, 0, w->now);
		regent_ua_process(w->ua);
	}
	w->now = t;
	pump(w);
}

static size_t find(const struct world *w, enum regent_event_type t, size_t from)
{
	for (size_t i = from; i < w->nev; i++)
		if (w->ev[i] == t)
			return i;
	return SIZE_MAX;
}

/* ------------------------------------------------------------ tests */

static void tcp_pongs_stop_fail_the_flow_and_its_request_then_reregister(void **state)
{
	struct world *w = world_new(REGENT_TP_TCP);
	uint64_t t0 = w->now, ping_at, down_at;
	size_t i, k;
	char c0[512], c1[512];

	(void)state;
	assert_int_equal(regent_registerer_register(w->reg, NULL), 0);
	run_until(w, t0 + 1000);
	assert_int_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	i = find(w, REGENT_EV_KEEPALIVE, 0);
	assert_int_not_equal(i, SIZE_MAX);
	assert_int_equal(w->ka_s, KA_S);
	/* three rounds answered: the flow stays */
	run_until(w, t0 + 3 * KA_S * 1000 + 5000);
	assert_true(w->p.pings >= 3);
	assert_int_equal(w->opens, 1);
	assert_int_equal(find(w, REGENT_EV_FLOW_DOWN, 0), SIZE_MAX);
	/* the next ping is due at: */
	ping_at = regent_conn_deadline(w->c);
	assert_true(ping_at > w->now && ping_at - w->now <= KA_S * 1000);
	/* the peer goes silent 1 s before it; a query is pending then */
	run_until(w, ping_at - 1000);
	w->p.alive = false;
	k = w->nev;
	assert_int_equal(regent_registerer_query(w->reg), 0);
	run_until(w, ping_at + 10000 - 1);
	assert_int_equal(find(w, REGENT_EV_FLOW_DOWN, k), SIZE_MAX);
	/* the flow fails at ping + 10 s, the query at that same instant */
	run_until(w, ping_at + 10000);
	i = find(w, REGENT_EV_FLOW_DOWN, k);
	assert_int_not_equal(i, SIZE_MAX);
	down_at = w->ev_t[i];
	assert_int_equal(down_at, ping_at + 10000);
	assert_int_equal(w->ev_err[i], ETIMEDOUT);
	i = find(w, REGENT_EV_RESPONSE, k);
	assert_int_not_equal(i, SIZE_MAX);
	assert_int_equal(w->ev_status[i], 503);
	assert_int_equal(w->ev_t[i], down_at); /* not timer F, 32 s */
	assert_int_not_equal(find(w, REGENT_EV_REGISTRATION_LOST, k), SIZE_MAX);
	/* the peer is back: re-registered over a new connection within 1 s */
	header(w->last_register, "Contact", c0, sizeof(c0));
	w->p.alive = true;
	run_until(w, down_at + 1000);
	assert_int_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	assert_int_equal(w->opens, 2);
	assert_int_equal(w->p.accepted, 2);
	/* the new REGISTER: our new Contact first, the lost one removed */
	header(w->last_register, "Contact", c1, sizeof(c1));
	assert_string_not_equal(c0, c1);
	*strstr(c0, ";expires=") = '\0';
	assert_non_null(strstr(w->last_register, c0));
	assert_non_null(strstr(strstr(w->last_register, c0), ";expires=0\r\n"));
	world_free(w);
}

static void tcp_silent_peer_for_a_day_backs_off_without_a_tight_loop(void **state)
{
	struct world *w = world_new(REGENT_TP_TCP);
	uint64_t t0 = w->now, min_gap = UINT64_MAX, day = 86400000;
	size_t k, downs = 0, sends;

	(void)state;
	assert_int_equal(regent_registerer_register(w->reg, NULL), 0);
	run_until(w, t0 + 1000);
	assert_int_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	w->p.alive = false;
	k = w->nsent;
	run_until(w, t0 + day);
	for (size_t i = 0; i < w->nev; i++)
		downs += w->ev[i] == REGENT_EV_FLOW_DOWN;
	sends = w->nsent - k;
	for (size_t i = k + 3; i < w->nsent; i++)
		if (w->sent_t[i] - w->sent_t[i - 1] < min_gap)
			min_gap = w->sent_t[i] - w->sent_t[i - 1];
	print_message("a silent peer for a day: %zu REGISTERs, %zu flows failed, %u connections, "
		      "smallest gap after the third %llu ms\n",
		      sends, downs, w->opens, (unsigned long long)min_gap);
	/* it keeps trying (RFC 5626 §4.5: at most 30 min apart) ... */
	assert_true(sends >= 86400 / 1800);
	assert_int_not_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	/* ... bounded by the back-off: no tight loop */
	assert_true(sends <= 150);
	assert_true(w->opens <= sends + 2);
	assert_true(min_gap >= 10000);
	/* the peer comes back: registered again within the longest back-off */
	w->p.alive = true;
	run_until(w, t0 + day + 1800000 + 60000);
	assert_int_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	world_free(w);
}

static void udp_stun_answers_stop_fail_the_flow(void **state)
{
	struct world *w = world_new(REGENT_TP_UDP);
	uint64_t t0 = w->now, last_ok;
	size_t i;

	(void)state;
	assert_int_equal(regent_registerer_register(w->reg, NULL), 0);
	run_until(w, t0 + 1000);
	assert_int_equal(regent_registerer_state(w->reg), REGENT_REG_REGISTERED);
	run_until(w, t0 + 2 * KA_S * 1000 + 5000);
	assert_true(w->p.pings >= 2); /* STUN Binding requests, answered */
	assert_int_equal(find(w, REGENT_EV_FLOW_DOWN, 0), SIZE_MAX);
	last_ok = w->now;
	w->p.alive = false;
	run_until(w, last_ok + KA_S * 1000 + 10000 + 1);
	i = find(w, REGENT_EV_FLOW_DOWN, 0);
	assert_int_not_equal(i, SIZE_MAX);
	assert_int_equal(w->ev_err[i], ETIMEDOUT);
	assert_true(w->ev_t[i] <= last_ok + KA_S * 1000 + 10000);
	assert_true(w->ev_t[i] >= last_ok + 10000);
	/* retransmitted within the bound (RFC 5389 §7.2.1, RTO from 500 ms) */
	assert_true(w->p.pings >= 2 + 4);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tcp_pongs_stop_fail_the_flow_and_its_request_then_reregister),
	    cmocka_unit_test(tcp_silent_peer_for_a_day_backs_off_without_a_tight_loop),
	    cmocka_unit_test(udp_stun_answers_stop_fail_the_flow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The default loop (poll): host fds and their handlers, stop from a handler,
 * bounded runs, unwatch, and a UA driven through it over UDP to a loopback
 * socket that answers REGISTER with 200.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "regent.h"

struct hit {
	struct regent_loop *l;
	int calls;
	int revents;
	bool stop;
};

static void on_fd(int fd, int revents, void *arg)
{
	struct hit *h = arg;
	char b[16];
	h->calls++;
	h->revents = revents;
	if (read(fd, b, sizeof(b)) < 0)
		return;
	if (h->stop)
		regent_loop_stop(h->l);
}

/* A loop watching the read end of a fresh pipe with on_fd and *h. */
static struct regent_loop *loop_on_pipe(int p[2], struct hit *h, bool stop)
{
	struct regent_loop *l = NULL;
	assert_int_equal(regent_loop_alloc(&l), 0);
	assert_int_equal(pipe(p), 0);
	*h = (struct hit){l, 0, 0, stop};
	assert_int_equal(regent_loop_watch_fd(l, p[0], REGENT_POLL_IN, on_fd, h), 0);
	return l;
}

static void watched_fd_runs_its_handler_and_stop_ends_the_run(void **state)
{
	(void)state;
	int p[2];
	struct hit h;
	struct regent_loop *l = loop_on_pipe(p, &h, true);
	assert_int_equal(write(p[1], "x", 1), 1);
	/* the bound is only a safety net: stop() ends the run */
	assert_int_equal(regent_loop_run(l, 10000), 0);
	assert_int_equal(h.calls, 1);
	assert_true(h.revents & REGENT_POLL_IN);
	regent_loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void unwatched_fd_is_not_dispatched(void **state)
{
	(void)state;
	int p[2];
	struct hit h;
	struct regent_loop *l = loop_on_pipe(p, &h, false);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(regent_loop_run(l, 50), 0);
	assert_int_equal(h.calls, 1);
	regent_loop_unwatch_fd(l, p[0]);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(regent_loop_run(l, 50), 0);
	assert_int_equal(h.calls, 1);
	regent_loop_free(l);
	close(p[0]);
	close(p[1]);
}

/* A pipe closed and another opened between two runs comes back under the
 * same fd number: the new one is watched (what the old epoll set got wrong
 * unless it re-armed every fd every round). */
static void fd_number_reused_between_runs_is_watched(void **state)
{
	int p[2], q[2];
	struct hit h;
	struct regent_loop *l = loop_on_pipe(p, &h, false);
	(void)state;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(regent_loop_run(l, 50), 0);
	assert_int_equal(h.calls, 1);
	close(p[0]);
	close(p[1]);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(q[0], p[0]); /* the lowest free numbers come back */
	assert_int_equal(write(q[1], "y", 1), 1);
	h.stop = true;
	assert_int_equal(regent_loop_run(l, 10000), 0);
	assert_int_equal(h.calls, 2);
	regent_loop_free(l);
	close(q[0]);
	close(q[1]);
}

/* A watched fd closed without regent_loop_unwatch_fd: the run ends with
 * EBADF at once, it does not spin. */
static void closed_watched_fd_ends_the_run(void **state)
{
	int p[2];
	struct hit h;
	struct regent_loop *l = loop_on_pipe(p, &h, false);
	(void)state;
	close(p[0]);
	close(p[1]);
	assert_int_equal(regent_loop_run(l, 10000), EBADF);
	assert_int_equal(h.calls, 0);
	regent_loop_unwatch_fd(l, p[0]);
	assert_int_equal(regent_loop_run(l, 20), 0);
	regent_loop_free(l);
}

static void bad_arguments_are_refused(void **state)
{
	(void)state;
	struct regent_loop *l = NULL;
	assert_int_equal(regent_loop_alloc(NULL), EINVAL);
	assert_int_equal(regent_loop_alloc(&l), 0);
	assert_int_equal(regent_loop_watch_fd(l, -1, REGENT_POLL_IN, on_fd, NULL), EINVAL);
	assert_int_equal(regent_loop_watch_fd(l, 0, REGENT_POLL_IN, NULL, NULL), EINVAL);
	assert_int_equal(regent_loop_add_ua(l, NULL), EINVAL);
	assert_int_equal(regent_loop_run(NULL, 0), EINVAL);
	regent_loop_free(l);
}

struct ev {
	uint16_t status;
};

static void on_event(struct regent_registerer *r, const struct regent_event *e, void *arg)
{
	(void)r;
	struct ev *v = arg;
	if (e->type == REGENT_EV_RESPONSE)
		v->status = e->status;
}

struct regsrv {
	struct regent_loop *l;
	int fd;
	unsigned seen;
};

/* answers a REGISTER with a 200 built from its headers (no Contact: a
 * 200 without our Contact is a defined outcome for the core; we only check
 * the loop delivered both ways) */
static void on_srv(int fd, int revents, void *arg)
{
	(void)revents;
	struct regsrv *s = arg;
	char buf[4096], rsp[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
	if (n <= 0)
		return;
	buf[n] = '\0';
	s->seen++;
	size_t l = (size_t)snprintf(rsp, sizeof(rsp), "SIP/2.0 500 Test\r\n");
	const char *names[] = {"Via:", "From:", "To:", "Call-ID:", "CSeq:"};
	for (size_t i = 0; i < 5; i++) {
		const char *p = strstr(buf, names[i]);
		const char *e = p ? strstr(p, "\r\n") : NULL;
		if (p && e)
			l +=
			    (size_t)snprintf(rsp + l, sizeof(rsp) - l, "%.*s\r\n", (int)(e - p), p);
	}
	l += (size_t)snprintf(rsp + l, sizeof(rsp) - l, "Content-Length: 0\r\n\r\n");
	sendto(fd, rsp, l, 0, (struct sockaddr *)&from, fl);
}

/* A UDP "registrar" (on_srv, answering 500) watched by l, a UA on l sending
 * to it, and a Registerer with event handler h that has sent its REGISTER. */
static struct regent_ua *ua_to_srv(struct regent_loop *l, struct regsrv *s,
				   regent_registerer_event_h *h, void *arg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	char server[64];
	struct regent_ua_options o;
	struct regent_registerer_options ro;
	struct regent_error err;
	struct regent_ua *ua = NULL;
	struct regent_registerer *r = NULL;

	*s = (struct regsrv){l, socket(AF_INET, SOCK_DGRAM, 0), 0};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(s->fd, (struct sockaddr *)&sa, &sl);
	assert_int_equal(regent_loop_watch_fd(l, s->fd, REGENT_POLL_IN, on_srv, s), 0);
	snprintf(server, sizeof(server), "sip:127.0.0.1:%u;transport=udp", ntohs(sa.sin_port));
	regent_ua_options_init(&o);
	o.uri = "sip:bob@example.test";
	o.server = server;
	assert_int_equal(regent_ua_alloc(&ua, &o, &err), 0);
	assert_int_equal(regent_loop_add_ua(l, ua), 0);
	regent_registerer_options_init(&ro);
	ro.event_h = h;
	ro.event_arg = arg;
	ro.auto_retry = false;
	ro.log_configuration = false;
	assert_int_equal(regent_registerer_alloc(&r, ua, &ro, &err), 0);
	assert_int_equal(regent_registerer_register(r, NULL), 0);
	return ua;
}

static void ua_traffic_goes_through_the_loop(void **state)
{
	(void)state;
	struct regent_loop *l = NULL;
	struct regsrv s;
	struct ev v = {0};
	assert_int_equal(regent_loop_alloc(&l), 0);
	struct regent_ua *ua = ua_to_srv(l, &s, on_event, &v);
	assert_int_equal(regent_loop_add_ua(l, ua), EALREADY);
	for (int i = 0; i < 200 && v.status == 0; i++)
		regent_loop_run(l, 20);
	assert_int_equal(s.seen, 1);
	assert_int_equal(v.status, 500);
	regent_loop_remove_ua(l, ua);
	regent_ua_free(ua);
	/* the loop keeps working without the UA */
	assert_int_equal(regent_loop_run(l, 10), 0);
	regent_loop_free(l);
	close(s.fd);
}

#define LATE_PIPES 20

struct late {
	struct regent_loop *l;
	struct hit h;
	int p[LATE_PIPES][2];
	bool watched;
	uint16_t status;
};

/* the UA's event handler watches more fds while the loop is dispatching
 * the UAs: they were not in this round's poll */
static void on_event_watch_more(struct regent_registerer *r, const struct regent_event *e,
				void *arg)
{
	struct late *lt = arg;
	(void)r;
	if (e->type != REGENT_EV_RESPONSE || lt->watched)
		return;
	lt->status = e->status;
	lt->watched = true;
	for (int i = 0; i < LATE_PIPES; i++) {
		/* non-blocking: a spurious dispatch must not hang the read */
		assert_int_equal(pipe2(lt->p[i], O_NONBLOCK), 0);
		assert_int_equal(
		    regent_loop_watch_fd(lt->l, lt->p[i][0], REGENT_POLL_IN, on_fd, &lt->h), 0);
	}
}

/* A host fd watched from inside a UA callback is polled from the next round
 * on: not dispatched in the round that added it with readiness nobody
 * asked the kernel about (ASan: no read past the round's poll array). */
static void fd_watched_from_a_ua_callback_waits_for_the_next_round(void **state)
{
	struct late lt = {0};
	struct regsrv s;

	(void)state;
	assert_int_equal(regent_loop_alloc(&lt.l), 0);
	lt.h.l = lt.l;
	struct regent_ua *ua = ua_to_srv(lt.l, &s, on_event_watch_more, &lt);
	for (int i = 0; i < 200 && !lt.watched; i++)
		regent_loop_run(lt.l, 20);
	assert_true(lt.watched);
	assert_int_equal(lt.status, 500);
	assert_int_equal(regent_loop_run(lt.l, 30), 0);
	assert_int_equal(lt.h.calls, 0); /* the pipes are empty */
	assert_int_equal(write(lt.p[LATE_PIPES - 1][1], "z", 1), 1);
	lt.h.stop = true;
	assert_int_equal(regent_loop_run(lt.l, 10000), 0);
	assert_int_equal(lt.h.calls, 1); /* and watched from the next round on */
	regent_loop_remove_ua(lt.l, ua);
	regent_ua_free(ua);
	regent_loop_free(lt.l);
	for (int i = 0; i < LATE_PIPES; i++) {
		close(lt.p[i][0]);
		close(lt.p[i][1]);
	}
	close(s.fd);
}

/* A stop requested before the run ends that run at once (a callback that
 * fired outside any run, e.g. during regent_registerer_register()), and only
 * that run: the next one waits for its bound again. */
static void stop_before_run_ends_the_next_run(void **state)
{
	(void)state;
	int p[2];
	struct hit h;
	struct regent_loop *l = loop_on_pipe(p, &h, false);
	struct timespec a, b;
	long ms;

	regent_loop_stop(l);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(regent_loop_run(l, 5000), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms < 1000);
	/* consumed: the next run lasts its bound */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(regent_loop_run(l, 60), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 50);
	regent_loop_free(l);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(watched_fd_runs_its_handler_and_stop_ends_the_run),
	    cmocka_unit_test(unwatched_fd_is_not_dispatched),
	    cmocka_unit_test(fd_number_reused_between_runs_is_watched),
	    cmocka_unit_test(closed_watched_fd_ends_the_run),
	    cmocka_unit_test(bad_arguments_are_refused),
	    cmocka_unit_test(ua_traffic_goes_through_the_loop),
	    cmocka_unit_test(fd_watched_from_a_ua_callback_waits_for_the_next_round),
	    cmocka_unit_test(stop_before_run_ends_the_next_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

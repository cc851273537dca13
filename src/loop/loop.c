/*
 * loop — the default event loop: poll(2) over the fds the UAs ask for
 * (regent_ua_io_fds), with the earliest deadline they give as the timeout.
 * It uses only the public embedding API, so it is also its reference user.
 * Single-threaded like everything else; no signals, no threads.
 *
 * Why poll and not epoll: the UAs name their fds afresh every round, and a
 * socket closed and reopened between rounds may come back under the same
 * number, which epoll (keyed on the open file) would silently have dropped.
 * Keeping an epoll set right meant re-arming every fd every round: one
 * epoll_ctl per fd plus a quadratic match. poll takes the round's list as
 * it is, in one call, and gives the readiness back in place.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regent.h"

struct watch {
	int fd;
	int events;
	regent_loop_fd_h *h;
	void *arg;
};

struct regent_loop {
	bool stop;
	struct regent_ua **uas;
	size_t nuas, capuas;
	struct watch *w;
	size_t nw, capw;
	struct regent_pollfd *fds; /* scratch: wanted fds, per UA in order */
	size_t capfds;
	struct pollfd *pfds; /* scratch: the same, then the host fds, for poll */
	size_t cappfds;
	size_t *fdcount; /* per UA */
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

int regent_loop_alloc(struct regent_loop **lp)
{
	if (!lp)
		return EINVAL;
	struct regent_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	*lp = l;
	return 0;
}

void regent_loop_free(struct regent_loop *l)
{
	if (!l)
		return;
	free(l->uas);
	free(l->w);
	free(l->fds);
	free(l->pfds);
	free(l->fdcount);
	free(l);
}

int regent_loop_add_ua(struct regent_loop *l, struct regent_ua *ua)
{
	if (!l || !ua)
		return EINVAL;
	for (size_t i = 0; i < l->nuas; i++) {
		if (l->uas[i] == ua)
			return EALREADY;
	}
	if (grow((void **)&l->uas, &l->capuas, l->nuas + 1, sizeof(*l->uas)))
		return ENOMEM;
	size_t cap = l->capuas;
	size_t *fc = realloc(l->fdcount, cap * sizeof(*fc));
	if (!fc)
		return ENOMEM;
	l->fdcount = fc;
	l->uas[l->nuas++] = ua;
	return 0;
}

void regent_loop_remove_ua(struct regent_loop *l, struct regent_ua *ua)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nuas; i++) {
		if (l->uas[i] == ua) {
			/* NULL for now: run() may be iterating; compacted there */
			l->uas[i] = NULL;
		}
	}
}

int regent_loop_watch_fd(struct regent_loop *l, int fd, int events, regent_loop_fd_h *h, void *arg)
{
	if (!l || fd < 0 || !h)
		return EINVAL;
	for (size_t i = 0; i < l->nw; i++) {
		if (l->w[i].fd == fd) {
			l->w[i] = (struct watch){fd, events, h, arg};
			return 0;
		}
	}
	if (grow((void **)&l->w, &l->capw, l->nw + 1, sizeof(*l->w)))
		return ENOMEM;
	l->w[l->nw++] = (struct watch){fd, events, h, arg};
	return 0;
}

void regent_loop_unwatch_fd(struct regent_loop *l, int fd)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nw; i++) {
		if (l->w[i].fd == fd)
			l->w[i].h = NULL; /* compacted in run() */
	}
}

void regent_loop_stop(struct regent_loop *l)
{
	if (l)
		l->stop = true;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static short to_poll(int ev)
{
	return (short)(((ev & REGENT_POLL_IN) ? POLLIN : 0) |
		       ((ev & REGENT_POLL_OUT) ? POLLOUT : 0));
}

/* A hang-up or an error wakes the reader (the read then says what it is);
 * POLLNVAL, an fd already closed, is nobody's readiness. */
static int from_poll(short ev)
{
	int r = 0;
	if (ev & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))
		r |= REGENT_POLL_IN;
	if (ev & (POLLOUT | POLLERR))
		r |= REGENT_POLL_OUT;
	return r;
}

static void compact(struct regent_loop *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->nuas; i++) {
		if (l->uas[i])
			l->uas[k++] = l->uas[i];
	}
	l->nuas = k;
	k = 0;
	for (size_t i = 0; i < l->nw; i++) {
		if (l->w[i].h)
			l->w[k++] = l->w[i];
	}
	l->nw = k;
}

/* One round: gather fds and timeouts, wait, dispatch. */
static int round_once(struct regent_loop *l, int limit_ms)
{
	size_t total = 0;
	int timeout = limit_ms;

	compact(l);
	for (size_t i = 0; i < l->nuas; i++) {
		size_t n = regent_ua_io_fds(l->uas[i], NULL, 0);
		if (grow((void **)&l->fds, &l->capfds, total + n + 1, sizeof(*l->fds)))
			return ENOMEM;
		n = regent_ua_io_fds(l->uas[i], l->fds + total, n);
		l->fdcount[i] = n;
		total += n;
		int t = regent_ua_io_timeout(l->uas[i]);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
	}
	/* the host fds polled this round: a UA callback below may watch more,
	 * which wait for the next round */
	size_t npw = l->nw;

	if (grow((void **)&l->pfds, &l->cappfds, total + npw + 1, sizeof(*l->pfds)))
		return ENOMEM;
	/* an fd asked for with no events is left out (-1), as before */
	for (size_t k = 0; k < total; k++) {
		l->pfds[k] = (struct pollfd){l->fds[k].events ? l->fds[k].fd : -1,
					     to_poll(l->fds[k].events), 0};
	}
	for (size_t i = 0; i < npw; i++)
		l->pfds[total + i] = (struct pollfd){l->w[i].fd, to_poll(l->w[i].events), 0};

	int n = poll(l->pfds, (nfds_t)(total + npw), timeout);
	if (n < 0) {
		if (errno != EINTR)
			return errno;
		for (size_t k = 0; k < total + npw; k++)
			l->pfds[k].revents = 0;
	}
	/* an fd closed but still asked for would wake every poll at once: the
	 * run ends with EBADF instead of spinning */
	for (size_t k = 0; k < total + npw; k++) {
		if (l->pfds[k].revents & POLLNVAL)
			return EBADF;
	}
	for (size_t k = 0; k < total; k++)
		l->fds[k].revents =
		    from_poll(l->pfds[k].revents) & (l->fds[k].events | REGENT_POLL_IN);
	/* UAs: every one gets its turn (timers run even without readiness) */
	size_t off = 0;
	size_t nuas = l->nuas;
	for (size_t i = 0; i < nuas && i < l->nuas; i++) {
		size_t cnt = l->fdcount[i];
		if (l->uas[i])
			regent_ua_io_process(l->uas[i], l->fds + off, cnt);
		off += cnt;
		if (l->stop)
			break;
	}
	/* host fds: only those polled; a handler may unwatch (h cleared) or
	 * watch more (after npw, polled next round) */
	for (size_t i = 0; i < npw && i < l->nw && !l->stop; i++) {
		int rev = from_poll(l->pfds[total + i].revents);
		if (l->w[i].h && rev)
			l->w[i].h(l->w[i].fd, rev, l->w[i].arg);
	}
	return 0;
}

int regent_loop_run(struct regent_loop *l, int timeout_ms)
{
	if (!l)
		return EINVAL;
	uint64_t end = timeout_ms >= 0 ? mono_ms() + (uint64_t)timeout_ms : UINT64_MAX;
	/* A stop requested before the run (from a callback that ran outside
	 * it, e.g. during regent_registerer_register()) ends this run: clearing
	 * it here would lose it and the run would wait its whole bound. The
	 * request is consumed when the run it ended returns. */
	while (!l->stop) {
		int left = -1;
		if (end != UINT64_MAX) {
			uint64_t now = mono_ms();
			if (now >= end)
				break;
			left = (int)(end - now);
		}
		int e = round_once(l, left);
		if (e)
			return e;
	}
	l->stop = false;
	return 0;
}

/*
 * loop — the default event loop: epoll over the fds the UAs ask for
 * (regent_ua_io_fds), with the earliest deadline they give as the timeout.
 * It uses only the public embedding API, so it is also its reference user.
 * Single-threaded like everything else; no signals, no threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "regent.h"

struct watch {
	int fd;
	int events;
	regent_loop_fd_h *h;
	void *arg;
};

struct reg {
	int fd;
	uint32_t ev;
	bool seen;
};

struct regent_loop {
	int epfd;
	bool stop;
	struct regent_ua **uas;
	size_t nuas, capuas;
	struct watch *w;
	size_t nw, capw;
	struct reg *regs; /* what epoll holds now */
	size_t nregs, capregs;
	struct regent_pollfd *fds; /* scratch: wanted fds, per UA in order */
	size_t capfds;
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
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		return e;
	}
	*lp = l;
	return 0;
}

void regent_loop_free(struct regent_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->uas);
	free(l->w);
	free(l->regs);
	free(l->fds);
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

static uint32_t to_epoll(int ev)
{
	return ((ev & REGENT_POLL_IN) ? EPOLLIN : 0) | ((ev & REGENT_POLL_OUT) ? EPOLLOUT : 0);
}

static int from_epoll(uint32_t ev)
{
	int r = 0;
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		r |= REGENT_POLL_IN;
	if (ev & (EPOLLOUT | EPOLLERR))
		r |= REGENT_POLL_OUT;
	return r;
}

static int want(struct regent_loop *l, int fd, uint32_t ev)
{
	for (size_t i = 0; i < l->nregs; i++) {
		if (l->regs[i].fd == fd) {
			l->regs[i].ev |= ev;
			l->regs[i].seen = true;
			return 0;
		}
	}
	if (grow((void **)&l->regs, &l->capregs, l->nregs + 1, sizeof(*l->regs)))
		return ENOMEM;
	l->regs[l->nregs++] = (struct reg){fd, ev, true};
	return 0;
}

/* Brings the epoll set in line with what is wanted now. fds may have been
 * closed and reused since the last round, so MOD falls back to ADD and the
 * other way round. */
static int sync_epoll(struct regent_loop *l, struct reg *old, size_t nold)
{
	for (size_t i = 0; i < l->nregs; i++) {
		struct reg *r = &l->regs[i];
		struct epoll_event ee = {.events = r->ev, .data.fd = r->fd};
		bool had = false;
		for (size_t k = 0; k < nold; k++)
			had |= old[k].fd == r->fd;
		/* always re-arm: an fd closed since the last round left epoll
		 * by itself, and its number may be back for another socket */
		if (epoll_ctl(l->epfd, had ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, r->fd, &ee) != 0) {
			int op = had ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
			if (epoll_ctl(l->epfd, op, r->fd, &ee) != 0)
				return errno;
		}
	}
	for (size_t k = 0; k < nold; k++) {
		bool still = false;
		for (size_t i = 0; i < l->nregs; i++)
			still |= l->regs[i].fd == old[k].fd;
		if (!still) /* may already be gone with its close(): ignore errors */
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, old[k].fd, NULL);
	}
	return 0;
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
	int err = 0;
	struct reg *old = NULL;
	size_t nold = l->nregs;

	compact(l);
	if (nold) {
		old = malloc(nold * sizeof(*old));
		if (!old)
			return ENOMEM;
		memcpy(old, l->regs, nold * sizeof(*old));
	}
	l->nregs = 0;

	size_t total = 0;
	int timeout = limit_ms;
	for (size_t i = 0; i < l->nuas; i++) {
		size_t n = regent_ua_io_fds(l->uas[i], NULL, 0);
		if (grow((void **)&l->fds, &l->capfds, total + n + 1, sizeof(*l->fds))) {
			err = ENOMEM;
			goto out;
		}
		n = regent_ua_io_fds(l->uas[i], l->fds + total, n);
		l->fdcount[i] = n;
		for (size_t k = 0; k < n; k++) {
			if (l->fds[total + k].events &&
			    (err =
				 want(l, l->fds[total + k].fd, to_epoll(l->fds[total + k].events))))
				goto out;
		}
		total += n;
		int t = regent_ua_io_timeout(l->uas[i]);
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
	}
	for (size_t i = 0; i < l->nw; i++) {
		if ((err = want(l, l->w[i].fd, to_epoll(l->w[i].events))))
			goto out;
	}
	if ((err = sync_epoll(l, old, nold)))
		goto out;

	struct epoll_event evs[64];
	int n = epoll_wait(l->epfd, evs, 64, timeout);
	if (n < 0) {
		if (errno != EINTR)
			err = errno;
		n = 0;
	}
	for (size_t k = 0; k < total; k++)
		l->fds[k].revents = 0;
	for (int e = 0; e < n; e++) {
		for (size_t k = 0; k < total; k++) {
			if (l->fds[k].fd == evs[e].data.fd)
				l->fds[k].revents =
				    from_epoll(evs[e].events) & (l->fds[k].events | REGENT_POLL_IN);
		}
	}
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
	/* host fds */
	size_t nw = l->nw;
	for (size_t i = 0; i < nw && i < l->nw && !l->stop; i++) {
		for (int e = 0; e < n; e++) {
			if (l->w[i].h && evs[e].data.fd == l->w[i].fd)
				l->w[i].h(l->w[i].fd, from_epoll(evs[e].events), l->w[i].arg);
		}
	}
out:
	free(old);
	return err;
}

int regent_loop_run(struct regent_loop *l, int timeout_ms)
{
	if (!l)
		return EINVAL;
	uint64_t end = timeout_ms >= 0 ? mono_ms() + (uint64_t)timeout_ms : UINT64_MAX;
	l->stop = false;
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
	return 0;
}

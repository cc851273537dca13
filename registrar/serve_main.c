/*
 * serve_main.c — the run of `regent registrar`: listeners up, signals
 * watched (signalfd), the fault schedule (fail from fail_after_s for
 * fail_for_s, forget at forget_after_s) applied between rounds of the loop,
 * the counters logged at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "serve_int.h"

/* The signalfd, and the signal that asked us to stop. */
struct sig_watch {
	struct regent_serve_fd sfd; /* first: the loop hands back &sfd */
	int stop;
};

static void on_signal(struct regent_serve_fd *sfd, uint32_t events)
{
	struct sig_watch *sw = (struct sig_watch *)sfd;
	struct signalfd_siginfo si;

	(void)events;
	while (read(sfd->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		sw->stop = (int)si.ssi_signo;
}

/* Where the fault schedule stands. */
struct schedule {
	const struct regent_serve_config *c;
	struct regent_registrar_faults active;
	uint64_t fail_at, forget_at;
	bool fail_armed, forget;
};

static void schedule_start(struct schedule *sc, struct regent_registrar *reg, uint64_t now)
{
	const struct regent_serve_config *c = sc->c;

	sc->active = c->faults;
	sc->active.fail_status = 0;
	sc->active.fail_until_ms = 0;
	regent_registrar_set_faults(reg, &sc->active);
	sc->fail_armed = c->faults.fail_status != 0;
	sc->fail_at = now + (uint64_t)c->fail_after_s * 1000u;
	sc->forget = c->forget;
	sc->forget_at = now + (uint64_t)c->forget_after_s * 1000u;
}

static void fail_on(struct schedule *sc, struct regent_serve *s, uint64_t now)
{
	const struct regent_serve_config *c = sc->c;

	sc->fail_armed = false;
	sc->active.fail_status = c->faults.fail_status;
	sc->active.fail_retry_after = c->faults.fail_retry_after;
	sc->active.fail_until_ms =
	    c->fail_for_s ? now + (uint64_t)c->fail_for_s * 1000u : UINT64_MAX;
	regent_registrar_set_faults(s->reg, &sc->active);
	if (c->fail_for_s)
		regent_serve_logf(
		    s, "fault: answering every REGISTER with %u (Retry-After %u) for %u s",
		    (unsigned)sc->active.fail_status, (unsigned)sc->active.fail_retry_after,
		    (unsigned)c->fail_for_s);
	else
		regent_serve_logf(s, "fault: answering every REGISTER with %u (Retry-After %u)",
				  (unsigned)sc->active.fail_status,
				  (unsigned)sc->active.fail_retry_after);
}

static uint64_t min_wait(uint64_t wait, bool when, uint64_t at, uint64_t now)
{
	return when && at - now < wait ? at - now : wait;
}

/* Applies what is due at now; returns how long the loop may wait (ms). */
static uint64_t schedule_tick(struct schedule *sc, struct regent_serve *s, uint64_t now)
{
	bool failing;

	if (sc->fail_armed && now >= sc->fail_at)
		fail_on(sc, s, now);
	failing = sc->active.fail_status && sc->active.fail_until_ms != UINT64_MAX;
	if (failing && now >= sc->active.fail_until_ms) {
		sc->active.fail_status = 0;
		sc->active.fail_until_ms = 0;
		regent_registrar_set_faults(s->reg, &sc->active);
		regent_serve_logf(s, "fault over: answering normally again");
		failing = false;
	}
	if (sc->forget && now >= sc->forget_at) {
		sc->forget = false;
		regent_registrar_restart(s->reg);
		regent_serve_logf(s, "forgot every binding and nonce (as a restart)");
	}
	uint64_t wait = min_wait(1000, sc->fail_armed, sc->fail_at, now);

	wait = min_wait(wait, failing, sc->active.fail_until_ms, now);
	return min_wait(wait, sc->forget, sc->forget_at, now);
}

static int open_listeners(struct regent_serve *s, const struct regent_serve_config *c, char *errbuf,
			  size_t errsize)
{
	char bound[128];
	int err;

	if (c->tls_cert) {
		err = regent_serve_tls(s, c->tls_cert, c->tls_key, errbuf, errsize);
		if (err)
			return err;
	}
	for (size_t i = 0; i < c->n_listen; i++) {
		err = regent_serve_listen(s, c->listen[i], bound, sizeof(bound), errbuf, errsize);
		if (err)
			return err;
		regent_serve_logf(s, "listening on %s", bound);
	}
	return 0;
}

static int watch_signals(struct regent_serve *s, struct sig_watch *sw, char *errbuf, size_t errsize)
{
	sigset_t set;
	int err;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sw->sfd.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sw->sfd.fd < 0 || regent_serve_watch(s, &sw->sfd, EPOLLIN)) {
		err = errno;
		snprintf(errbuf, errsize, "signalfd: %s", strerror(err));
		return err ? err : EIO;
	}
	return 0;
}

static void log_stop(struct regent_serve *s, int sig)
{
	struct regent_registrar_stats st;

	regent_registrar_stats(s->reg, &st);
	regent_serve_logf(s,
			  "stopping (%s): %llu requests, %llu REGISTER, %llu challenged, %llu ok, "
			  "%llu rejected, %llu dropped, %llu malformed; %zu bindings live",
			  strsignal(sig), (unsigned long long)st.requests,
			  (unsigned long long)st.registers, (unsigned long long)st.challenges,
			  (unsigned long long)st.ok, (unsigned long long)st.rejected,
			  (unsigned long long)st.dropped, (unsigned long long)st.malformed,
			  regent_registrar_count(s->reg, NULL, regent_serve_now_ms()));
}

int regent_serve_main(struct regent_registrar *reg, const struct regent_serve_config *c,
		      char *errbuf, size_t errsize)
{
	struct sig_watch sw = {.sfd = {.fd = -1, .h = on_signal}};
	struct schedule sc = {.c = c};
	struct regent_serve *s = NULL;
	int err;

	if (!reg || !c || !errbuf || !errsize)
		return EINVAL;
	err = regent_serve_alloc(&s, reg, c->verbose);
	if (err) {
		snprintf(errbuf, errsize, "%s", strerror(err));
		return err;
	}
	err = open_listeners(s, c, errbuf, errsize);
	if (!err)
		err = watch_signals(s, &sw, errbuf, errsize);
	if (err)
		goto out;
	schedule_start(&sc, reg, regent_serve_now_ms());
	if (c->ready)
		regent_serve_logf(s, "%s", c->ready);
	while (!sw.stop) {
		err = regent_serve_run_once(s, (int)schedule_tick(&sc, s, regent_serve_now_ms()));
		if (err) {
			snprintf(errbuf, errsize, "epoll: %s", strerror(err));
			goto out;
		}
	}
	log_stop(s, sw.stop);
out:
	if (sw.sfd.fd >= 0)
		close(sw.sfd.fd);
	regent_serve_free(s);
	return err;
}

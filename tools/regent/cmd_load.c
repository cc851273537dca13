/*
 * cmd_load.c — `regent load`: the driver. Opens K sockets (UAs), starts
 * the accounts at the paced rate within the window, holds them for
 * --duration while the library refreshes each on its own timer, then
 * disposes of them all (un-REGISTER, bounded by --unregister-timeout each
 * and --stop-timeout in all) and prints the report. SIGINT/SIGTERM stop
 * new registrations and go straight to that end; a second signal ends it
 * at once. One thread, one poll(2) loop over every UA's fds (the embedding
 * calls of regent.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd_load.h"
#include "load_run.h"
#include "report.h"

static uint64_t cpu_now_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"), or 0. */
static uint64_t proc_kib(const char *field)
{
	char line[256];
	uint64_t kib = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n)) {
			kib = strtoull(line + n, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

static void log_to_stderr(enum regent_log_level level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static int open_signals(struct load_run *run)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return errno;
	run->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return run->sigfd < 0 ? errno : 0;
}

static int open_sockets(struct load_run *run)
{
	struct load_opts *o = run->o;
	struct regent_ua_options uo = o->reg.ua;
	const char *dest = uo.server ? uo.server : o->reg.aor;
	char errbuf[320];
	int e;

	/* credentials are each account's (the Registerer's own) */
	uo.authorization_username = uo.authorization_password = uo.authorization_ha1 = NULL;
	uo.log_h = o->reg.verbose ? log_to_stderr : NULL;
	uo.log_level = o->reg.verbose ? REGENT_LOG_TRACE : REGENT_LOG_ERROR;
	run->socks = calloc(o->sockets, sizeof(*run->socks));
	if (!run->socks)
		return ENOMEM;
	for (uint32_t i = 0; i < o->sockets; i++) {
		const char *ip = o->n_local_ips ? o->local_ips[i % o->n_local_ips] : NULL;

		e = load_sock_open(&run->socks[i], &uo, ip, dest, errbuf, sizeof(errbuf));
		if (e) {
			fprintf(stderr, "regent load: socket %u: %s\n", i, errbuf);
			return e;
		}
		run->nsocks++;
	}
	return 0;
}

static int setup(struct load_run *run, struct load_opts *o)
{
	char errbuf[320];
	int e;

	run->o = o;
	run->sigfd = -1;
	load_stats_init(&run->st);
	o->reg.reg.log_configuration = o->reg.verbose;
	run->refresh_pct = o->reg.reg.refresh_frequency;
	if (o->users_file)
		e = load_accounts_file(&run->acc, o->users_file, errbuf, sizeof(errbuf));
	else
		e = load_accounts_template(&run->acc, o->aor_tmpl, o->auth_user_tmpl,
					   o->reg.password, o->first, o->count, errbuf,
					   sizeof(errbuf));
	if (!e && o->shard_n)
		e = load_accounts_shard(&run->acc, o->shard_i, o->shard_n);
	if (e) {
		fprintf(stderr, "regent load: %s\n", errbuf);
		return REGENT_EXIT_USAGE;
	}
	run->n = load_accounts_count(&run->acc);
	run->st.target = run->n;
	run->accts = calloc(run->n ? run->n : 1, sizeof(*run->accts));
	if (!run->accts || open_signals(run)) {
		fprintf(stderr, "regent load: %s\n", strerror(errno ? errno : ENOMEM));
		return REGENT_EXIT_NETWORK;
	}
	e = open_sockets(run);
	if (e)
		return e == EINVAL ? REGENT_EXIT_USAGE : REGENT_EXIT_NETWORK;
	return 0;
}

/* A signal repeated within 100 ms counts once: a wrapper such as
 * timeout(1) sends it to the process and to its process group. */
static void read_signals(struct load_run *run)
{
	static uint64_t last_us;
	struct signalfd_siginfo si;
	uint64_t now = regent_report_now_us();

	while (read(run->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (run->signals && now - last_us < 100000)
			continue;
		last_us = now;
		run->signo = (int)si.ssi_signo;
		run->signals++;
	}
}

/* One round: poll every UA's fds and the signals for at most timeout_ms,
 * then hand back readiness and run due timers. */
static void pump(struct load_run *run, int timeout_ms)
{
	struct pollfd pfds[1 + 64 * LOAD_SOCK_MAX_FDS];
	size_t max = sizeof(pfds) / sizeof(pfds[0]), n = 1;
	struct pollfd *dyn = NULL, *p = pfds;

	if ((size_t)run->nsocks * LOAD_SOCK_MAX_FDS + 1 > max) {
		max = (size_t)run->nsocks * LOAD_SOCK_MAX_FDS + 1;
		dyn = malloc(max * sizeof(*dyn));
		if (!dyn)
			return;
		p = dyn;
	}
	p[0] = (struct pollfd){.fd = run->sigfd, .events = POLLIN};
	for (uint32_t i = 0; i < run->nsocks; i++) {
		run->socks[i].off = n;
		n += load_sock_prepare(&run->socks[i], p + n, max - n, &timeout_ms);
	}
	if (poll(p, n, timeout_ms) < 0 && errno != EINTR) {
		free(dyn);
		return;
	}
	if (p[0].revents)
		read_signals(run);
	for (uint32_t i = 0; i < run->nsocks; i++)
		load_sock_process(&run->socks[i], p + run->socks[i].off);
	free(dyn);
}

static int ms_until(uint64_t now_us, uint64_t at_us)
{
	uint64_t ms;

	if (at_us <= now_us)
		return 0;
	ms = (at_us - now_us + 999) / 1000;
	return ms > 1000 ? 1000 : (int)ms;
}

static int min_ms(int a, int b)
{
	return a < b ? a : b;
}

/* The status line or object, once a second. */
static int tick(struct load_run *run, uint64_t now_us, uint64_t *next_tick, uint64_t cpu0)
{
	if (now_us >= *next_tick) {
		*next_tick = now_us + 1000000;
		load_report_tick(&run->rep, &run->st, now_us, cpu_now_us() - cpu0);
	}
	return ms_until(now_us, *next_tick);
}

/* Starts the accounts (paced, within the window) and holds them; returns
 * when the hold is over or on a signal. */
static void run_main(struct load_run *run, uint64_t cpu0)
{
	const struct load_opts *o = run->o;
	uint64_t now = regent_report_now_us(), hold_until = UINT64_MAX, next_tick = now + 1000000;

	load_pace_init(&run->pace, o->rate, o->ramp_s, now);
	while (!run->signals) {
		int timeout = 1000;

		now = regent_report_now_us();
		if (run->next < run->n && run->inflight < o->window) {
			uint64_t got = load_pace_take(&run->pace, now, o->window - run->inflight);

			while (got-- && load_start_next(run))
				;
			if (run->next < run->n && run->inflight < o->window)
				timeout = ms_until(now, now + load_pace_wait_us(&run->pace, now) +
							    o->tick_us);
		} else if (run->next >= run->n && !run->pending && hold_until == UINT64_MAX) {
			/* every account registered or failed: the hold begins */
			hold_until = o->have_duration ? now + (uint64_t)(o->duration_s * 1e6)
						      : UINT64_MAX - 1;
		}
		if (hold_until != UINT64_MAX) {
			if (now >= hold_until)
				break;
			timeout = min_ms(timeout, ms_until(now, hold_until));
		}
		timeout = min_ms(timeout, tick(run, now, &next_tick, cpu0));
		pump(run, timeout);
	}
}

/* un-REGISTER all, at most --window at a time, within --stop-timeout; a
 * new signal ends it at once. */
static void run_stop(struct load_run *run, uint64_t cpu0)
{
	const struct load_opts *o = run->o;
	uint64_t now = regent_report_now_us(), next_tick = now + 1000000;
	uint64_t deadline = now + (uint64_t)o->stop_timeout_s * 1000000u;
	int signals0 = run->signals;

	if (o->no_unregister)
		return;
	while (run->outstanding && now < deadline && run->signals == signals0) {
		while (run->inflight < o->window && load_dispose_next(run))
			;
		pump(run, min_ms(tick(run, now, &next_tick, cpu0), ms_until(now, deadline)));
		now = regent_report_now_us();
	}
}

int load_exit_code(const struct load_opts *o, const struct load_stats *s)
{
	uint64_t failures = load_stats_failures(s);

	if (load_opts_failures_ok(o, failures, s->attempted))
		return REGENT_EXIT_OK;
	/* the registrar never answered: network, not rejection */
	if (!s->registered && s->failed && load_stats_causes_total(s) == s->failed)
		return REGENT_EXIT_NETWORK;
	return REGENT_EXIT_REJECTED;
}

static int finish(struct load_run *run, uint64_t cpu0, uint64_t t0_us)
{
	struct regent_ua_stats us;
	int code;

	for (uint64_t k = 0; k < run->next; k++)
		load_abandon(run, &run->accts[k], !run->o->no_unregister);
	for (uint32_t i = 0; i < run->nsocks; i++) {
		regent_ua_stats(run->socks[i].ua, &us);
		run->st.retransmissions += us.retransmissions;
		run->st.msgs_sent += us.msgs_sent;
		run->st.msgs_recv += us.msgs_recv;
		run->st.bytes_sent += us.bytes_sent;
		run->st.bytes_recv += us.bytes_recv;
	}
	run->st.cpu_us = cpu_now_us() - cpu0;
	run->st.wall_ms = (regent_report_now_us() - t0_us) / 1000;
	run->st.rss_peak_kib = proc_kib("VmHWM:");
	run->st.interrupted = run->signals > 0;
	code = load_exit_code(run->o, &run->st);
	load_report_final(&run->rep, &run->st, run->o->max_failures_str, code);
	return code;
}

static void teardown(struct load_run *run)
{
	for (uint32_t i = 0; i < run->nsocks; i++)
		load_sock_close(&run->socks[i]);
	free(run->socks);
	free(run->accts);
	load_accounts_release(&run->acc);
	if (run->sigfd >= 0)
		close(run->sigfd);
}

int regent_cmd_load(int argc, char **argv)
{
	struct load_opts o;
	struct load_run run;
	uint64_t cpu0, t0;
	int code;

	memset(&run, 0, sizeof(run));
	run.sigfd = -1;
	code = load_opts_parse(&o, argc, argv);
	if (code) {
		load_opts_release(&o);
		return code < 0 ? REGENT_EXIT_OK : code;
	}
	if (o.merge) {
		code = load_merge(&o);
		load_opts_release(&o);
		return code;
	}
	t0 = regent_report_now_us();
	cpu0 = cpu_now_us();
	code = setup(&run, &o);
	if (!code) {
		run.st.rss_base_kib = proc_kib("VmRSS:");
		load_report_init(&run.rep, o.json, o.quiet, t0);
		run_main(&run, cpu0);
		run_stop(&run, cpu0);
		code = finish(&run, cpu0, t0);
	}
	teardown(&run);
	load_opts_release(&o);
	return code;
}

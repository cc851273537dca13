/*
 * load_report.c — the status line, the per-second JSON objects and the
 * final report of `regent load` (see load_report.h).
 */
#include <string.h>
#include <unistd.h>

#include "load_report.h"

void load_report_init(struct load_report *rp, bool json, bool quiet, uint64_t now_us)
{
	memset(rp, 0, sizeof(*rp));
	rp->json = json;
	rp->quiet = quiet;
	rp->out = stdout;
	rp->tty = !json && isatty(STDOUT_FILENO);
	rp->t0_us = rp->last_us = now_us;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 100.0;
}

/* "503:4 401:2 timeout:1" (at most `size` bytes) */
static size_t put_causes(const struct load_cause *tab, char *buf, size_t o, size_t size)
{
	for (size_t i = 0; i < LOAD_MAX_CAUSES && tab[i].name[0] && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, " %s:%llu", tab[i].name,
				      (unsigned long long)tab[i].n);
	return o;
}

static void failures_by_kind(const struct load_stats *s, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < LOAD_MAX_STATUS && o < size; i++) {
		if (s->by_status[i])
			o += (size_t)snprintf(buf + o, size - o, " %u:%llu", i,
					      (unsigned long long)s->by_status[i]);
	}
	put_causes(s->causes, buf, o, size);
}

void load_report_tick(struct load_report *rp, const struct load_stats *s, uint64_t now_us,
		      uint64_t cpu_us)
{
	double dt = (double)(now_us - rp->last_us) / 1e6;
	double rate = dt > 0 ? (double)(s->registered - rp->last_registered) / dt : 0;
	double cpu = dt > 0 ? 100.0 * (double)(cpu_us - rp->last_cpu_us) / 1e6 / dt : 0;
	char kinds[160];

	rp->last_us = now_us;
	rp->last_registered = s->registered;
	rp->last_cpu_us = cpu_us;
	failures_by_kind(s, kinds, sizeof(kinds));
	if (rp->json) {
		fprintf(rp->out,
			"{\"event\":\"status\",\"t_ms\":%llu,\"registered\":%llu,\"target\":%llu,"
			"\"live\":%llu,\"rate\":%.1f,\"failed\":%llu,\"lost\":%llu,"
			"\"refreshes\":%llu,"
			"\"p50_us\":%llu,\"p99_us\":%llu,\"refresh_on_time_pct\":%.2f,"
			"\"cpu_pct\":%.1f}\n",
			(unsigned long long)((now_us - rp->t0_us) / 1000),
			(unsigned long long)s->registered, (unsigned long long)s->target,
			(unsigned long long)s->live, rate, (unsigned long long)s->failed,
			(unsigned long long)s->lost, (unsigned long long)s->refreshes,
			(unsigned long long)load_hist_pct(&s->initial, 50),
			(unsigned long long)load_hist_pct(&s->initial, 99),
			pct(s->refresh_on_time, s->refreshes), cpu);
		fflush(rp->out);
		return;
	}
	if (!rp->tty || rp->quiet)
		return;
	fprintf(rp->out,
		"\r%llu/%llu registered, %llu live  %.0f/s  failed %llu%s  p50 %.2f ms p99 %.2f "
		"ms  refresh on time %.1f%%  CPU %.0f%%\033[K",
		(unsigned long long)s->registered, (unsigned long long)s->target,
		(unsigned long long)s->live, rate, (unsigned long long)load_stats_failures(s),
		kinds, (double)load_hist_pct(&s->initial, 50) / 1000.0,
		(double)load_hist_pct(&s->initial, 99) / 1000.0,
		pct(s->refresh_on_time, s->refreshes), cpu);
	fflush(rp->out);
	rp->shown = true;
}

void load_report_clear(struct load_report *rp)
{
	if (!rp->shown)
		return;
	fputs("\r\033[K", rp->out);
	fflush(rp->out);
	rp->shown = false;
}

static void line_hist(FILE *f, const char *what, const struct load_hist *h, double div,
		      const char *unit)
{
	fprintf(f, "  %-22s n=%llu p50 %.2f  p90 %.2f  p99 %.2f  max %.2f %s\n", what,
		(unsigned long long)h->count, (double)load_hist_pct(h, 50) / div,
		(double)load_hist_pct(h, 90) / div, (double)load_hist_pct(h, 99) / div,
		(double)h->max / div, unit);
}

void load_report_final(struct load_report *rp, const struct load_stats *s, const char *max_failures,
		       int exit_code)
{
	FILE *f = rp->out;
	char kinds[400];

	load_report_clear(rp);
	if (rp->json) {
		load_stats_write_json(s, f, max_failures, exit_code);
		fputc('\n', f);
		fflush(f);
		return;
	}
	failures_by_kind(s, kinds, sizeof(kinds));
	fprintf(f, "regent load: %llu accounts%s%s, %.1f s\n", (unsigned long long)s->target,
		s->shards > 1 ? " (merged shards)" : "", s->interrupted ? ", interrupted" : "",
		(double)s->wall_ms / 1000.0);
	fprintf(f, "  attempted %llu  registered %llu  failed %llu%s%s\n",
		(unsigned long long)s->attempted, (unsigned long long)s->registered,
		(unsigned long long)s->failed, kinds[0] ? " by kind:" : "", kinds);
	fprintf(
	    f,
	    "  retransmissions %llu  bindings lost %llu (registered again %llu)  peak live %llu\n",
	    (unsigned long long)s->retransmissions, (unsigned long long)s->lost,
	    (unsigned long long)s->reregistered, (unsigned long long)s->live_peak);
	line_hist(f, "initial latency", &s->initial, 1000.0, "ms");
	kinds[0] = '\0';
	put_causes(s->refresh_causes, kinds, 0, sizeof(kinds));
	fprintf(f, "  refreshes %llu  failed %llu%s%s  on time %.2f %%\n",
		(unsigned long long)s->refreshes, (unsigned long long)s->refresh_failed,
		kinds[0] ? " by kind:" : "", kinds, pct(s->refresh_on_time, s->refreshes));
	line_hist(f, "refresh latency", &s->refresh, 1000.0, "ms");
	line_hist(f, "refresh lateness", &s->lateness, 1.0, "ms");
	fprintf(f, "  unregistered %llu  failed %llu  not sent %llu\n",
		(unsigned long long)s->unregistered, (unsigned long long)s->unregister_failed,
		(unsigned long long)s->unregister_skipped);
	line_hist(f, "un-REGISTER latency", &s->unreg, 1000.0, "ms");
	fprintf(f,
		"  CPU %.3f s = %.1f us per registration; peak RSS %llu KiB = %.0f bytes per live "
		"registration (%.0f over the start)\n",
		(double)s->cpu_us / 1e6,
		s->registered ? (double)s->cpu_us / (double)s->registered : 0.0,
		(unsigned long long)s->rss_peak_kib,
		s->live_peak ? (double)s->rss_peak_kib * 1024.0 / (double)s->live_peak : 0.0,
		s->live_peak && s->rss_peak_kib > s->rss_base_kib
		    ? (double)(s->rss_peak_kib - s->rss_base_kib) * 1024.0 / (double)s->live_peak
		    : 0.0);
	fprintf(f, "  failures %llu (allowed: %s): exit %d\n",
		(unsigned long long)load_stats_failures(s), max_failures, exit_code);
	fflush(f);
}

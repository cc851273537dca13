/*
 * load_stats.c — counters of a `regent load` run, their JSON form and
 * their exact merge (see load_stats.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load_json.h"
#include "load_stats.h"

void load_stats_init(struct load_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->shards = 1;
}

void load_stats_fail_status(struct load_stats *s, unsigned status)
{
	s->by_status[status < LOAD_MAX_STATUS ? status : 0]++;
}

/* tab has LOAD_MAX_CAUSES entries, the named first, then empty ones */
static void add_cause(struct load_cause *tab, const char *name, uint64_t n)
{
	size_t i;

	for (i = 0; i < LOAD_MAX_CAUSES && tab[i].name[0]; i++) {
		if (!strcmp(tab[i].name, name)) {
			tab[i].n += n;
			return;
		}
	}
	if (i == LOAD_MAX_CAUSES)
		i = LOAD_MAX_CAUSES - 1; /* the last slot absorbs the rest */
	else
		snprintf(tab[i].name, sizeof(tab[i].name), "%s", name);
	tab[i].n += n;
}

void load_stats_fail_cause(struct load_stats *s, const char *name)
{
	add_cause(s->causes, name, 1);
}

void load_stats_refresh_failed(struct load_stats *s, unsigned status, const char *cause)
{
	char code[12];

	s->refresh_failed++;
	if (status != 0 && cause == NULL) {
		snprintf(code, sizeof(code), "%u", status);
		cause = code;
	}
	add_cause(s->refresh_causes, cause != NULL ? cause : "transport", 1);
}

uint64_t load_stats_causes_total(const struct load_stats *s)
{
	uint64_t t = 0;

	for (size_t i = 0; i < LOAD_MAX_CAUSES; i++)
		t += s->causes[i].n;
	return t;
}

uint64_t load_stats_failures(const struct load_stats *s)
{
	return s->failed + s->lost + s->unregister_failed;
}

#define COUNTERS(X)                                                                                \
	X(shards)                                                                                  \
	X(target)                                                                                  \
	X(attempted)                                                                               \
	X(registered)                                                                              \
	X(failed)                                                                                  \
	X(refreshes)                                                                               \
	X(refresh_failed)                                                                          \
	X(refresh_on_time)                                                                         \
	X(lost)                                                                                    \
	X(reregistered)                                                                            \
	X(unregistered)                                                                            \
	X(unregister_failed)                                                                       \
	X(unregister_skipped)                                                                      \
	X(retransmissions)                                                                         \
	X(msgs_sent)                                                                               \
	X(msgs_recv)                                                                               \
	X(bytes_sent)                                                                              \
	X(bytes_recv)                                                                              \
	X(live)                                                                                    \
	X(live_peak)                                                                               \
	X(cpu_us)                                                                                  \
	X(rss_base_kib)                                                                            \
	X(rss_peak_kib)

void load_stats_merge(struct load_stats *d, const struct load_stats *s)
{
#define ADD(f) d->f += s->f;
	COUNTERS(ADD)
#undef ADD
	/* shards run side by side: the merged run lasts as long as the longest */
	if (s->wall_ms > d->wall_ms)
		d->wall_ms = s->wall_ms;
	d->interrupted = d->interrupted || s->interrupted;
	for (size_t i = 0; i < LOAD_MAX_STATUS; i++)
		d->by_status[i] += s->by_status[i];
	for (size_t i = 0; i < LOAD_MAX_CAUSES && s->causes[i].name[0]; i++)
		add_cause(d->causes, s->causes[i].name, s->causes[i].n);
	for (size_t i = 0; i < LOAD_MAX_CAUSES && s->refresh_causes[i].name[0]; i++)
		add_cause(d->refresh_causes, s->refresh_causes[i].name, s->refresh_causes[i].n);
	load_hist_merge(&d->initial, &s->initial);
	load_hist_merge(&d->refresh, &s->refresh);
	load_hist_merge(&d->lateness, &s->lateness);
	load_hist_merge(&d->unreg, &s->unreg);
}

static void write_hists(const struct load_stats *s, FILE *f)
{
	fputs(",\"initial_latency_us\":", f);
	load_hist_write_json(&s->initial, f);
	fputs(",\"refresh_latency_us\":", f);
	load_hist_write_json(&s->refresh, f);
	fputs(",\"refresh_lateness_ms\":", f);
	load_hist_write_json(&s->lateness, f);
	fputs(",\"unregister_latency_us\":", f);
	load_hist_write_json(&s->unreg, f);
}

static void write_causes(const struct load_cause *tab, FILE *f)
{
	fputc('{', f);
	for (size_t i = 0; i < LOAD_MAX_CAUSES && tab[i].name[0]; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", tab[i].name,
			(unsigned long long)tab[i].n);
	fputc('}', f);
}

static void write_failed(const struct load_stats *s, FILE *f)
{
	bool first = true;

	fputs(",\"failed_by_status\":{", f);
	for (unsigned i = 0; i < LOAD_MAX_STATUS; i++) {
		if (!s->by_status[i])
			continue;
		fprintf(f, "%s\"%u\":%llu", first ? "" : ",", i,
			(unsigned long long)s->by_status[i]);
		first = false;
	}
	fputs("},\"failed_by_cause\":", f);
	write_causes(s->causes, f);
	fputs(",\"refresh_failed_by\":", f);
	write_causes(s->refresh_causes, f);
}

void load_stats_write_json(const struct load_stats *s, FILE *f, const char *max_failures,
			   int exit_code)
{
	double live = s->live_peak ? (double)s->live_peak : 0;
	double reg = s->registered ? (double)s->registered : 0;
	double on_time =
	    s->refreshes ? 100.0 * (double)s->refresh_on_time / (double)s->refreshes : 100.0;

	fputs("{\"event\":\"final\"", f);
#define PUT(fld) fprintf(f, ",\"" #fld "\":%llu", (unsigned long long)s->fld);
	COUNTERS(PUT)
#undef PUT
	fprintf(f, ",\"wall_ms\":%llu,\"interrupted\":%s", (unsigned long long)s->wall_ms,
		s->interrupted ? "true" : "false");
	write_failed(s, f);
	fprintf(f,
		",\"failures\":%llu,\"max_failures\":\"%s\",\"exit\":%d"
		",\"refresh_on_time_pct\":%.2f,\"cpu_us_per_registration\":%.2f"
		",\"rss_peak_bytes_per_live\":%.0f,\"rss_added_bytes_per_live\":%.0f",
		(unsigned long long)load_stats_failures(s), max_failures, exit_code, on_time,
		reg > 0 ? (double)s->cpu_us / reg : 0.0,
		live > 0 ? (double)s->rss_peak_kib * 1024.0 / live : 0.0,
		live > 0 && s->rss_peak_kib > s->rss_base_kib
		    ? (double)(s->rss_peak_kib - s->rss_base_kib) * 1024.0 / live
		    : 0.0);
	write_hists(s, f);
	fputc('}', f);
}

/* status: into by_status; else into tab */
static int read_map(const struct load_json *m, struct load_stats *s, bool status,
		    struct load_cause *tab)
{
	if (!m || m->type != LOAD_JSON_OBJECT)
		return EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		const struct load_json *v = &m->kids[i];
		unsigned long code;

		if (v->type != LOAD_JSON_NUMBER)
			return EINVAL;
		if (!status) {
			add_cause(tab, v->key, (uint64_t)v->num);
			continue;
		}
		code = strtoul(v->key, NULL, 10);
		s->by_status[code < LOAD_MAX_STATUS ? code : 0] += (uint64_t)v->num;
	}
	return 0;
}

int load_stats_from_json(struct load_stats *s, const struct load_json *o)
{
	const struct load_json *ev = load_json_get(o, "event"), *intr;
	int err;

	load_stats_init(s);
	if (!ev || ev->type != LOAD_JSON_STRING || strcmp(ev->str, "final"))
		return EINVAL;
#define GET(fld) s->fld = load_json_u64(o, #fld, 0);
	COUNTERS(GET)
#undef GET
	s->wall_ms = load_json_u64(o, "wall_ms", 0);
	intr = load_json_get(o, "interrupted");
	s->interrupted = intr && intr->type == LOAD_JSON_BOOL && intr->num != 0;
	err = read_map(load_json_get(o, "failed_by_status"), s, true, NULL);
	if (!err)
		err = read_map(load_json_get(o, "failed_by_cause"), s, false, s->causes);
	if (!err && load_json_get(o, "refresh_failed_by") != NULL) /* older reports: none */
		err = read_map(load_json_get(o, "refresh_failed_by"), s, false, s->refresh_causes);
	if (!err)
		err = load_hist_from_json(&s->initial, load_json_get(o, "initial_latency_us"));
	if (!err)
		err = load_hist_from_json(&s->refresh, load_json_get(o, "refresh_latency_us"));
	if (!err)
		err = load_hist_from_json(&s->lateness, load_json_get(o, "refresh_lateness_ms"));
	if (!err)
		err = load_hist_from_json(&s->unreg, load_json_get(o, "unregister_latency_us"));
	return err;
}

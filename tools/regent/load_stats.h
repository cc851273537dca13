/*
 * load_stats — what one run of `regent load` counted, in a form that n
 * shards add up exactly (--merge): counts add, histograms merge, derived
 * figures (per registration, percentiles) are recomputed from the sums.
 */
#ifndef REGENT_LOAD_STATS_H
#define REGENT_LOAD_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "load_hist.h"

#define LOAD_MAX_CAUSES 16
#define LOAD_MAX_STATUS 700

struct load_json;

struct load_cause {
	char name[24];
	uint64_t n;
};

struct load_stats {
	uint64_t shards;			   /* reports merged into this one (1 for a run) */
	uint64_t target;			   /* accounts of this shard */
	uint64_t attempted;			   /* initial REGISTER sent */
	uint64_t registered;			   /* reached REGISTERED (once per account) */
	uint64_t failed;			   /* initial registration failed for good */
	uint64_t by_status[LOAD_MAX_STATUS];	   /* failed, by final status from the registrar */
	struct load_cause causes[LOAD_MAX_CAUSES]; /* failed, by local cause */
	uint64_t refreshes, refresh_failed, refresh_on_time;
	/* refresh_failed by what ended the exchange: the registrar's final
	 * status ("401") or the local cause ("timeout"); the account is
	 * retried by the library, so these are not failures of the run */
	struct load_cause refresh_causes[LOAD_MAX_CAUSES];
	uint64_t lost, reregistered;
	uint64_t unregistered, unregister_failed, unregister_skipped;
	uint64_t retransmissions;
	uint64_t msgs_sent, msgs_recv, bytes_sent,
	    bytes_recv; /* every UA's, as the library counts */
	uint64_t live, live_peak;
	uint64_t cpu_us, wall_ms;
	uint64_t rss_base_kib, rss_peak_kib;
	bool interrupted;
	struct load_hist initial;  /* initial REGISTER sent -> 2xx, microseconds */
	struct load_hist refresh;  /* refresh sent -> 2xx, microseconds */
	struct load_hist lateness; /* refresh sent after its due time, milliseconds */
	struct load_hist unreg;	   /* un-REGISTER sent -> 2xx, microseconds */
};

void load_stats_init(struct load_stats *s);
void load_stats_fail_status(struct load_stats *s, unsigned status);
void load_stats_fail_cause(struct load_stats *s, const char *name);
/* A refresh exchange ended without a 2xx: status from the registrar, or
 * the local cause's name when status is 0. */
void load_stats_refresh_failed(struct load_stats *s, unsigned status, const char *cause);
uint64_t load_stats_causes_total(const struct load_stats *s);
/* failures that --max-failures judges: failed + lost + unregister_failed */
uint64_t load_stats_failures(const struct load_stats *s);
void load_stats_merge(struct load_stats *dst, const struct load_stats *src);

/* The final report as one JSON object on one line (no newline). */
void load_stats_write_json(const struct load_stats *s, FILE *f, const char *max_failures,
			   int exit_code);
/* Reads a report written by load_stats_write_json. */
int load_stats_from_json(struct load_stats *s, const struct load_json *obj);

#endif /* REGENT_LOAD_STATS_H */

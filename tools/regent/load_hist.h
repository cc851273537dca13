/*
 * load_hist — a latency histogram for `regent load` that shards can merge
 * exactly: log-linear buckets (HDR-style: every power of two split into 64
 * equal buckets, so a bucket is at most 1/64 = 1.6 % wide), merged by adding
 * counts. Percentiles are computed from the counts, never stored, so the
 * percentiles of n merged shards are those of one run over all of them.
 */
#ifndef REGENT_LOAD_HIST_H
#define REGENT_LOAD_HIST_H

#include <stdint.h>
#include <stdio.h>

#define LOAD_HIST_SUB_BITS 6 /* 64 buckets per power of two */
#define LOAD_HIST_BUCKETS (64 * 60)

struct load_json;

struct load_hist {
	uint64_t count, sum, min, max;
	uint64_t c[LOAD_HIST_BUCKETS];
};

void load_hist_reset(struct load_hist *h);
void load_hist_add(struct load_hist *h, uint64_t v);
void load_hist_merge(struct load_hist *dst, const struct load_hist *src);
/* The value at percentile p (0..100): the top of the bucket that holds it,
 * never above the exact maximum. 0 when empty. */
uint64_t load_hist_pct(const struct load_hist *h, double p);

/* {"count":..,"min":..,"max":..,"mean":..,"p50":..,"p90":..,"p99":..,
 *  "p999":..,"sub_bits":6,"buckets":[[index,count],...]} (values as given
 * to load_hist_add, the caller says the unit in the key). */
void load_hist_write_json(const struct load_hist *h, FILE *f);
/* From an object written by load_hist_write_json; EINVAL if it is not one
 * (or has other buckets than this build's). */
int load_hist_from_json(struct load_hist *h, const struct load_json *obj);

/* Bucket index of v, and the lowest value of bucket i (exported for tests). */
unsigned load_hist_index(uint64_t v);
uint64_t load_hist_lowest(unsigned i);

#endif /* REGENT_LOAD_HIST_H */

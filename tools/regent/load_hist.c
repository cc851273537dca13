/*
 * load_hist.c — log-linear latency histogram (see load_hist.h).
 *
 * Values below 128 have a bucket each. Above, a value v with its highest
 * set bit at m (m >= 7) goes to bucket (m - 6) * 64 + (v >> (m - 6)): the
 * top 7 bits of v, so every bucket spans 1/64 to 1/128 of its value.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "load_hist.h"
#include "load_json.h"

void load_hist_reset(struct load_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned load_hist_index(uint64_t v)
{
	unsigned m, shift;

	if (v < 128)
		return (unsigned)v;
	m = 63u - (unsigned)__builtin_clzll(v);
	shift = m - LOAD_HIST_SUB_BITS;
	if (shift * 64u + 127u >= LOAD_HIST_BUCKETS)
		return LOAD_HIST_BUCKETS - 1;
	return shift * 64u + (unsigned)(v >> shift);
}

uint64_t load_hist_lowest(unsigned i)
{
	unsigned shift;

	if (i < 128)
		return i;
	shift = i / 64u - 1u;
	return (uint64_t)(i % 64u + 64u) << shift;
}

static uint64_t bucket_top(unsigned i)
{
	if (i < 128)
		return i;
	return load_hist_lowest(i) + ((uint64_t)1 << (i / 64u - 1u)) - 1u;
}

void load_hist_add(struct load_hist *h, uint64_t v)
{
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->c[load_hist_index(v)]++;
}

void load_hist_merge(struct load_hist *dst, const struct load_hist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++)
		dst->c[i] += src->c[i];
}

uint64_t load_hist_pct(const struct load_hist *h, double p)
{
	uint64_t rank, seen = 0, top;

	if (h->count == 0)
		return 0;
	/* the smallest value with at least p % of the values at or below it */
	rank = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
		seen += h->c[i];
		if (seen >= rank) {
			top = bucket_top(i);
			return top > h->max ? h->max : top < h->min ? h->min : top;
		}
	}
	return h->max;
}

void load_hist_write_json(const struct load_hist *h, FILE *f)
{
	bool first = true;

	fprintf(f,
		"{\"count\":%llu,\"min\":%llu,\"max\":%llu,\"mean\":%llu,\"p50\":%llu,"
		"\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"sub_bits\":%d,\"buckets\":[",
		(unsigned long long)h->count, (unsigned long long)h->min,
		(unsigned long long)h->max, (unsigned long long)(h->count ? h->sum / h->count : 0),
		(unsigned long long)load_hist_pct(h, 50), (unsigned long long)load_hist_pct(h, 90),
		(unsigned long long)load_hist_pct(h, 99),
		(unsigned long long)load_hist_pct(h, 99.9), LOAD_HIST_SUB_BITS);
	for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
		if (!h->c[i])
			continue;
		fprintf(f, "%s[%u,%llu]", first ? "" : ",", i, (unsigned long long)h->c[i]);
		first = false;
	}
	fprintf(f, "],\"sum\":%llu}", (unsigned long long)h->sum);
}

int load_hist_from_json(struct load_hist *h, const struct load_json *obj)
{
	const struct load_json *b = load_json_get(obj, "buckets");
	uint64_t total = 0;

	load_hist_reset(h);
	if (!b || b->type != LOAD_JSON_ARRAY ||
	    load_json_u64(obj, "sub_bits", 0) != LOAD_HIST_SUB_BITS)
		return EINVAL;
	for (size_t k = 0; k < b->n; k++) {
		const struct load_json *pair = &b->kids[k];
		uint64_t i, c;

		if (pair->type != LOAD_JSON_ARRAY || pair->n != 2 ||
		    pair->kids[0].type != LOAD_JSON_NUMBER ||
		    pair->kids[1].type != LOAD_JSON_NUMBER)
			return EINVAL;
		i = (uint64_t)pair->kids[0].num;
		c = (uint64_t)pair->kids[1].num;
		if (i >= LOAD_HIST_BUCKETS)
			return EINVAL;
		h->c[i] += c;
		total += c;
	}
	h->count = load_json_u64(obj, "count", 0);
	h->min = load_json_u64(obj, "min", 0);
	h->max = load_json_u64(obj, "max", 0);
	h->sum = load_json_u64(obj, "sum", 0);
	return total == h->count ? 0 : EINVAL;
}

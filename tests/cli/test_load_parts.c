/*
 * test_load_parts.c — the parts of `regent load` that its end-to-end test
 * (test-load) cannot pin down exactly: the histogram's buckets, exact
 * merge and percentiles, the JSON round trip of a report, the account
 * templates and slices, the token bucket with its ramp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_accounts.h"
#include "load_hist.h"
#include "load_json.h"
#include "load_pace.h"
#include "load_stats.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void hist_buckets(void)
{
	/* every value falls in a bucket whose range holds it, within 1/64 */
	for (uint64_t v = 0; v < 5000000; v = v * 1.01 + 1) {
		unsigned i = load_hist_index(v);
		uint64_t lo = load_hist_lowest(i), next = load_hist_lowest(i + 1);

		CHECK(lo <= v && v < next);
		CHECK(v < 128 || (double)(next - lo) <= (double)v / 64.0 + 1);
	}
	CHECK(load_hist_index(127) == 127 && load_hist_index(128) == 128);
}

static void hist_merge_percentiles(void)
{
	static struct load_hist a, b, all;

	load_hist_reset(&a);
	load_hist_reset(&b);
	load_hist_reset(&all);
	for (uint64_t v = 1; v <= 1000; v++) {
		load_hist_add(v % 3 ? &a : &b, v * 100);
		load_hist_add(&all, v * 100);
	}
	load_hist_merge(&a, &b);
	CHECK(memcmp(&a, &all, sizeof(a)) == 0);
	/* p50 of 100..100000 step 100 is 50000, within a bucket (1.6 %) */
	CHECK(load_hist_pct(&all, 50) >= 50000 && load_hist_pct(&all, 50) <= 50000 * 1.016);
	CHECK(load_hist_pct(&all, 100) == 100000);
	CHECK(load_hist_pct(&all, 0) == 100);
}

static void report_round_trip(void)
{
	static struct load_stats s, r;
	struct load_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	load_stats_init(&s);
	s.attempted = 10;
	s.registered = 7;
	s.failed = 3;
	load_stats_fail_status(&s, 503);
	load_stats_fail_status(&s, 503);
	load_stats_fail_cause(&s, "timeout");
	for (int i = 1; i <= 7; i++)
		load_hist_add(&s.initial, (uint64_t)i * 1234);
	load_stats_write_json(&s, f, "0", 1);
	fclose(f);
	CHECK(load_json_parse(&j, buf, len, NULL) == 0);
	CHECK(load_stats_from_json(&r, &j) == 0);
	CHECK(r.attempted == 10 && r.registered == 7 && r.failed == 3);
	CHECK(r.by_status[503] == 2 && r.causes[0].n == 1 && !strcmp(r.causes[0].name, "timeout"));
	CHECK(memcmp(&r.initial, &s.initial, sizeof(r.initial)) == 0);
	load_json_free(&j);
	free(buf);
	CHECK(load_json_parse(&j, "{\"a\":[1,2", 9, NULL) != 0);
}

static void accounts(void)
{
	struct load_accounts a;
	struct load_account acc;
	char out[64], err[128];
	uint64_t seen = 0;

	CHECK(load_accounts_expand(out, sizeof(out), "sip:u{n:05}@x", 42, 1) == 0);
	CHECK(!strcmp(out, "sip:u00042@x"));
	CHECK(load_accounts_expand(out, sizeof(out), "sip:u{n}@x{n}", 7, 1) == 0);
	CHECK(!strcmp(out, "sip:u7@x7"));
	CHECK(load_accounts_expand(out, sizeof(out), "sip:alice@x", 7, 1) != 0);
	CHECK(load_accounts_expand(out, sizeof(out), "sip:u{m}@x", 7, 1) != 0);
	/* 3 slices of 10 cover 0..9 once */
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(load_accounts_template(&a, "sip:u{n}@x", NULL, "pw", 100, 10, err,
					     sizeof(err)) == 0);
		CHECK(load_accounts_shard(&a, i, 3) == 0);
		for (uint64_t k = 0; k < load_accounts_count(&a); k++) {
			unsigned n;

			CHECK(load_accounts_get(&a, k, &acc) == 0);
			CHECK(sscanf(acc.aor, "sip:u%u@x", &n) == 1 && n >= 100 && n < 110);
			CHECK(!(seen & (1u << (n - 100))));
			seen |= 1u << (n - 100);
		}
		load_accounts_release(&a);
	}
	CHECK(seen == 0x3ff);
}

static void pace(void)
{
	struct load_pace p;
	uint64_t got = 0;

	/* 1000/s for 2 s, a tick every ms: 2000 (+1 at once) */
	load_pace_init(&p, 1000, 0, 0);
	for (uint64_t t = 0; t <= 2000000; t += 1000)
		got += load_pace_take(&p, t, 1000000);
	CHECK(got >= 1999 && got <= 2002);
	/* a 10 s ramp to 1000/s: half of 10 s x 1000 in the ramp */
	load_pace_init(&p, 1000, 10, 0);
	got = 0;
	for (uint64_t t = 0; t <= 10000000; t += 1000)
		got += load_pace_take(&p, t, 1000000);
	CHECK(got >= 4900 && got <= 5100);
	CHECK(load_pace_wait_us(&p, 10000000) <= 1001);
}

int main(void)
{
	hist_buckets();
	hist_merge_percentiles();
	report_round_trip();
	accounts();
	pace();
	printf("test_load_parts: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}

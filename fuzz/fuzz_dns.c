/*
 * libFuzzer target: the DNS answers regent reads back from c-ares (RFC 3263
 * §4.1): NAPTR selection and SRV records, then RFC 2782 ordering.
 *
 * Input: a control byte (bit 0: SRV answer, else NAPTR; bit 1: a sips:
 * destination), 4 bytes seeding the random source regent_srv_sort draws
 * from, then the raw DNS message as a server would send it. The bytes go
 * through c-ares's parsers into regent_dns_naptr_answer() /
 * regent_dns_srv_answer() (what src/net/dns.c's callbacks call) and the SRV
 * records through regent_srv_sort().
 *
 * Invariants: names are NUL-terminated and bounded; NAPTR gives only
 * supported transports (only TLS for sips), no name twice for a transport,
 * at most `max`; the SRV ordering is a permutation of the records with
 * priorities non-decreasing and, within a priority, zero weights only where
 * RFC 2782 puts them (the random choice can still pick one first, so that
 * is not checked); appending to a partly filled array keeps what was there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "net/dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 4 /* MAX_SRVQ in src/net/dns.c */
#define MAX_RECS 16 /* MAX_SRV_RECS in src/net/dns.c */

struct rnd {
	uint32_t x;
};

static uint64_t no_clock(void *arg)
{
	(void)arg;
	return 0;
}

static void rnd_fill(void *arg, void *buf, size_t len)
{
	struct rnd *r = arg;
	unsigned char *b = buf;

	for (size_t i = 0; i < len; i++) {
		r->x = r->x * 1103515245u + 12345u;
		b[i] = (unsigned char)(r->x >> 16);
	}
}

static void check_naptr(const unsigned char *m, size_t l, bool secure)
{
	struct regent_srv_name v[MAX_NAMES + 1];
	size_t n = 1;

	memset(v, 0, sizeof(v));
	strcpy(v[0].name, "_sip._udp.kept.test"); /* already listed: must stay */
	v[0].tp = REGENT_TP_UDP;
	if (regent_dns_naptr_answer(m, l, secure, v, &n, MAX_NAMES) != 0) {
		if (n != 1)
			fuzz_fail("NAPTR: failed parse appended names");
		return;
	}
	if (n < 1 || n > MAX_NAMES)
		fuzz_fail("NAPTR: count out of bounds");
	if (strcmp(v[0].name, "_sip._udp.kept.test") != 0 || v[0].tp != REGENT_TP_UDP)
		fuzz_fail("NAPTR: an existing name was overwritten");
	if (v[MAX_NAMES].name[0] || v[MAX_NAMES].tp)
		fuzz_fail("NAPTR: wrote beyond max");
	for (size_t i = 1; i < n; i++) {
		if (!memchr(v[i].name, '\0', sizeof(v[i].name)))
			fuzz_fail("NAPTR: name not NUL-terminated");
		if (v[i].tp != REGENT_TP_UDP && v[i].tp != REGENT_TP_TCP &&
		    v[i].tp != REGENT_TP_TLS)
			fuzz_fail("NAPTR: unsupported transport");
		if (secure && v[i].tp != REGENT_TP_TLS)
			fuzz_fail("NAPTR: sips resolved to a transport other than TLS");
		for (size_t k = 0; k < i; k++) {
			if (v[k].tp == v[i].tp && strcasecmp(v[k].name, v[i].name) == 0)
				fuzz_fail("NAPTR: the same name twice for a transport");
		}
	}
}

static int srv_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct regent_srv));
}

static void check_srv(const unsigned char *m, size_t l, uint32_t seed)
{
	struct regent_srv v[MAX_RECS + 1], before[MAX_RECS], after[MAX_RECS];
	struct rnd r = {seed};
	struct regent_env env = {no_clock, rnd_fill, &r};
	size_t n = 0;

	memset(v, 0, sizeof(v));
	if (regent_dns_srv_answer(m, l, v, &n, MAX_RECS) != 0) {
		if (n != 0)
			fuzz_fail("SRV: failed parse appended records");
		return;
	}
	if (n > MAX_RECS)
		fuzz_fail("SRV: count out of bounds");
	if (v[MAX_RECS].host[0] || v[MAX_RECS].port)
		fuzz_fail("SRV: wrote beyond max");
	for (size_t i = 0; i < n; i++) {
		if (!memchr(v[i].host, '\0', sizeof(v[i].host)))
			fuzz_fail("SRV: host not NUL-terminated");
	}
	memcpy(before, v, n * sizeof(v[0]));
	regent_srv_sort(v, n, &env);
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1].priority > v[i].priority)
			fuzz_fail("SRV: priorities out of order");
	}
	/* a permutation: same multiset of records */
	memcpy(after, v, n * sizeof(v[0]));
	qsort(before, n, sizeof(before[0]), srv_cmp);
	qsort(after, n, sizeof(after[0]), srv_cmp);
	if (n && memcmp(before, after, n * sizeof(before[0])) != 0)
		fuzz_fail("SRV: ordering is not a permutation");
	/* no random source: still a permutation, still by priority */
	regent_srv_sort(v, n, NULL);
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1].priority > v[i].priority)
			fuzz_fail("SRV: priorities out of order (no random source)");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *m;
	uint32_t seed;
	size_t l;

	if (size < 5)
		return 0;
	seed = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
	       (uint32_t)data[4] << 24;
	/* an exactly-sized copy: ASan sees any read past the answer */
	l = size - 5;
	m = malloc(l ? l : 1);
	if (!m)
		return 0;
	memcpy(m, data + 5, l);
	if (data[0] & 1)
		check_srv(m, l, seed);
	else
		check_naptr(m, l, (data[0] & 2) != 0);
	free(m);
	return 0;
}

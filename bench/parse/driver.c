/*
 * bench_parse driver: loads the messages of a data directory and runs one
 * stack over them.
 *
 *   bench_parse_<stack> DATA_DIR --dump          fields read from each message
 *   bench_parse_<stack> DATA_DIR --time RUNS     median ns/message of RUNS runs
 *   bench_parse_<stack> DATA_DIR --callgrind N   N passes between
 *                         CALLGRIND_START/STOP_INSTRUMENTATION (run it under
 *                         valgrind --tool=callgrind --instr-atstart=no)
 *
 * A pass parses every message once, in file-name order. Before measuring, one
 * unmeasured pass checks that the stack accepts every message (exit 1 if not)
 * and warms caches, lazy symbol binding and the allocator.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "bench.h"

enum mode { MODE_DUMP, MODE_TIME, MODE_CALLGRIND };

struct driver {
	enum mode mode;
	const char *msg_name;
	unsigned long sum; /* folds what the stacks read, so nothing is optimised away */
};

static struct driver drv;

struct bench_slice bench_cstr(const char *s)
{
	return (struct bench_slice){s, s ? strlen(s) : 0};
}

bool bench_u32(struct bench_slice s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s.p || s.l == 0)
		return false;
	for (size_t i = 0; i < s.l; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static void dump_slice(const char *name, struct bench_slice s)
{
	printf(" %s=", name);
	if (!s.p)
		fputs("-", stdout);
	else
		fwrite(s.p, 1, s.l, stdout);
}

static unsigned long fold(struct bench_slice s)
{
	return s.l ? s.l + (unsigned char)s.p[0] : 0;
}

void bench_consume(const struct bench_fields *f)
{
	if (drv.mode != MODE_DUMP) {
		unsigned long x = fold(f->via_host) + fold(f->via_branch) + fold(f->from_tag) +
				  fold(f->to_user) + fold(f->to_host) + fold(f->call_id) +
				  fold(f->call_id_host) + fold(f->cseq_method) + f->cseq +
				  f->ncontacts + f->expires;

		for (size_t i = 0; i < f->ncontacts && i < BENCH_MAX_CONTACTS; i++)
			x += fold(f->contact[i].host) + f->contact[i].expires;
		drv.sum += x;
		return;
	}
	printf("%s:", drv.msg_name);
	dump_slice("via_host", f->via_host);
	dump_slice("branch", f->via_branch);
	dump_slice("from_tag", f->from_tag);
	dump_slice("to_user", f->to_user);
	dump_slice("to_host", f->to_host);
	/* Call-ID compared whole: stacks that split it at '@' are joined back. */
	dump_slice("call_id", f->call_id);
	if (f->call_id_host.p) {
		fputs("@", stdout);
		fwrite(f->call_id_host.p, 1, f->call_id_host.l, stdout);
	}
	printf(" cseq=%u", f->cseq);
	dump_slice("method", f->cseq_method);
	printf(" contacts=%zu", f->ncontacts);
	for (size_t i = 0; i < f->ncontacts && i < BENCH_MAX_CONTACTS; i++) {
		dump_slice("host", f->contact[i].host);
		if (f->contact[i].has_expires)
			printf(";expires=%u", f->contact[i].expires);
	}
	if (f->has_expires)
		printf(" expires=%u", f->expires);
	putchar('\n');
}

static int load_file(struct bench_msg *m, const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	long n;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		err = EIO;
		goto out;
	}
	m->buf = malloc((size_t)n);
	m->name = strdup(name);
	if (!m->buf || !m->name) {
		err = ENOMEM;
		goto out;
	}
	m->len = (size_t)n;
	if (fread(m->buf, 1, m->len, f) != m->len)
		err = EIO;
out:
	fclose(f);
	return err;
}

static int sip_file(const struct dirent *de)
{
	size_t l = strlen(de->d_name);

	return l > 4 && strcmp(de->d_name + l - 4, ".sip") == 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int pass(struct bench_msg *msgs, size_t n)
{
	struct bench_fields f;
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		drv.msg_name = msgs[i].name;
		memset(&f, 0, sizeof(f));
		err |= bench_stack_run(&msgs[i], &f);
	}
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct dirent **names = NULL;
	struct bench_msg *msgs = NULL;
	struct bench_fields f;
	long arg = 0;
	int n, err, ret = 1;

	if (argc < 3 || (strcmp(argv[2], "--dump") != 0 && argc != 4)) {
		fprintf(stderr, "usage: %s DATA_DIR --dump | --time RUNS | --callgrind PASSES\n",
			argv[0]);
		return 2;
	}
	if (strcmp(argv[2], "--dump") == 0) {
		drv.mode = MODE_DUMP;
	} else {
		drv.mode = strcmp(argv[2], "--time") == 0 ? MODE_TIME : MODE_CALLGRIND;
		arg = strtol(argv[3], NULL, 10);
		if ((strcmp(argv[2], "--time") != 0 && strcmp(argv[2], "--callgrind") != 0) ||
		    arg < 1 || arg > 1000000) {
			fprintf(stderr, "%s: bad mode or count\n", argv[0]);
			return 2;
		}
	}

	n = scandir(argv[1], &names, sip_file, alphasort);
	if (n <= 0) {
		fprintf(stderr, "%s: no *.sip in %s\n", argv[0], argv[1]);
		return 1;
	}
	msgs = calloc((size_t)n, sizeof(*msgs));
	if (!msgs)
		goto out;
	for (int i = 0; i < n; i++) {
		err = load_file(&msgs[i], argv[1], names[i]->d_name);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], names[i]->d_name, strerror(err));
			goto out;
		}
	}
	err = bench_stack_init(msgs, (size_t)n);
	if (err) {
		fprintf(stderr, "%s: init: %s\n", argv[0], strerror(err));
		goto out;
	}

	/* Unmeasured pass: every message must parse (else the figures would
	 * compare different work), and caches and the allocator get warm. */
	for (int i = 0; i < n; i++) {
		drv.msg_name = msgs[i].name;
		memset(&f, 0, sizeof(f));
		err = bench_stack_run(&msgs[i], &f);
		if (err) {
			fprintf(stderr, "%s: %s rejected %s: %s\n", argv[0], bench_stack_name,
				msgs[i].name, strerror(err));
			goto close;
		}
	}

	if (drv.mode == MODE_TIME) {
		double best[64], *runs = best, one;
		long iters;

		if (arg > 64)
			arg = 64;
		/* Size a run to about 0.25 s from one timed pass. */
		one = now_ns();
		(void)pass(msgs, (size_t)n);
		one = now_ns() - one;
		iters = (long)(0.25e9 / (one > 1 ? one : 1));
		if (iters < 1)
			iters = 1;
		for (long r = 0; r < arg; r++) {
			double t0 = now_ns();

			for (long it = 0; it < iters; it++)
				(void)pass(msgs, (size_t)n);
			runs[r] = (now_ns() - t0) / ((double)iters * n);
		}
		qsort(runs, (size_t)arg, sizeof(double), cmp_double);
		printf("stack=%s messages=%d runs=%ld passes_per_run=%ld median_ns_per_msg=%.0f "
		       "min_ns_per_msg=%.0f max_ns_per_msg=%.0f\n",
		       bench_stack_name, n, arg, iters, runs[arg / 2], runs[0], runs[arg - 1]);
	} else if (drv.mode == MODE_CALLGRIND) {
		CALLGRIND_START_INSTRUMENTATION;
		for (long it = 0; it < arg; it++)
			(void)pass(msgs, (size_t)n);
		CALLGRIND_STOP_INSTRUMENTATION;
		printf("stack=%s messages=%d passes=%ld\n", bench_stack_name, n, arg);
	}
	fprintf(stderr, "%s: checksum %lu\n", bench_stack_name, drv.sum);
	ret = 0;
close:
	bench_stack_close(msgs, (size_t)n);
out:
	for (int i = 0; i < n; i++) {
		if (msgs) {
			free(msgs[i].buf);
			free((void *)msgs[i].name);
		}
		free(names[i]);
	}
	free(names);
	free(msgs);
	return ret;
}

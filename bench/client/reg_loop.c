/*
 * reg_loop.c — bench_client_regent: the client-side cost of regent doing
 * complete authenticated registrations over real UDP sockets on 127.0.0.1,
 * to be set beside SIPp doing the same work against the same registrar
 * (bench/client/run, DESIGN.md "Performance").
 *
 *   bench_client_regent -s 127.0.0.1:PORT [-u USER] [-p PASSWORD] [-n N] [-w WINDOW]
 *                       [--warmup K] [--mem M] [--mem-ua M --mem-users PREFIX:COUNT]
 *                       [--tls-ca-file FILE]
 *
 * CPU phase. One UA (one UDP socket, opened during the warm-up) and, for
 * every registration, a fresh Registerer: the digest client state (nonce,
 * nc) lives in the Registerer, so each one starts without credentials and
 * does the whole REGISTER -> 401 -> REGISTER with Authorization -> 200
 * exchange (RFC 3261 §22.2). That is what a SIPp "call" of
 * sipp_register_auth.xml does too: one socket for every call, a new Call-ID
 * per call, the same Contact. Sharing the UA keeps a single binding at the
 * registrar (a new Call-ID replaces it, §10.3 step 7), so N can be large
 * without its per-AOR limit. The Registerer is freed as soon as it is
 * registered: no un-REGISTER (SIPp sends none). At most WINDOW exchanges are
 * in flight (SIPp -l WINDOW). Around the loop only: getrusage(RUSAGE_SELF)
 * user+sys and CLOCK_MONOTONIC. Prints
 *
 *   regent cpu_us_per_reg=X wall_us_per_reg=Y n=N ok=K
 *   regent detail requests=R challenges=C retransmissions=T bytes_sent_per_reg=B ...
 *
 * Memory phase (--mem M): M Registerers kept alive and registered on the
 * shared UA; glibc mallinfo2() in-use bytes and VmRSS before and after, per
 * registration, right after the last 200 ("peak": completed transactions
 * still absorb retransmissions, timer K = T4) and again after T4 + 0.5 s
 * ("settled"). --mem-ua M does the same with one UA (own socket) per
 * registration, users PREFIX0..PREFIX(COUNT-1) in turn (the registrar keeps
 * at most 16 bindings per AOR and accepts only its own user as AOR).
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <regent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define LOOP_LIMIT_MS 120000 /* every phase is bounded: a dead registrar ends it */

struct bench {
	struct regent_loop *loop;
	struct regent_ua *ua; /* the shared UA (CPU and --mem phases) */
	struct regent_registerer_options ro;
	struct regent_ua_options uo;
	const char *server; /* "sip:127.0.0.1:PORT;transport=udp" */
	const char *password;

	/* the phase in progress */
	unsigned target, window, started, inflight, done, ok, fail;
	bool keep;			 /* keep registered Registerers (memory phases) */
	struct regent_registerer **kept; /* [target] when keep */
	struct regent_ua **uas;		 /* [target] for --mem-ua, else NULL */
	const char *user_prefix;	 /* --mem-ua: user = prefix + (i % users) */
	unsigned users;

	/* what went over the wire, from the events */
	unsigned long requests, auth_retries, challenges, other_responses;
};

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* User and system CPU time of this process so far, in microseconds. */
static void cpu_us(uint64_t *user, uint64_t *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
	*sys = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

/* VmRSS of this process in KiB, or -1. */
static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

static int ua_new(struct bench *b, struct regent_ua **uap, const char *user)
{
	struct regent_error err = {0};
	char uri[128];
	int e;

	snprintf(uri, sizeof(uri), "sip:%s@127.0.0.1", user);
	b->uo.uri = uri;
	e = regent_ua_alloc(uap, &b->uo, &err);
	if (e) {
		fprintf(stderr, "bench_client_regent: ua: %s\n", err.text);
		return e;
	}
	e = regent_loop_add_ua(b->loop, *uap);
	if (e) {
		regent_ua_free(*uap);
		*uap = NULL;
	}
	return e;
}

/* Starts registration number b->started (counted before register(): a
 * local failure may be reported from inside it). */
static int bench_start_one(struct bench *b)
{
	struct regent_registerer *r = NULL;
	struct regent_error err = {0};
	struct regent_ua *ua = b->ua;
	unsigned i = b->started;
	int e;

	if (b->uas) {
		char user[64];

		snprintf(user, sizeof(user), "%s%u", b->user_prefix, i % b->users);
		e = ua_new(b, &b->uas[i], user);
		if (e)
			return e;
		ua = b->uas[i];
	}
	e = regent_registerer_alloc(&r, ua, &b->ro, &err);
	if (e) {
		fprintf(stderr, "bench_client_regent: registerer: %s\n", err.text);
		return e;
	}
	b->started++;
	b->inflight++;
	if (b->keep)
		b->kept[i] = r;
	e = regent_registerer_register(r, NULL);
	if (e) {
		fprintf(stderr, "bench_client_regent: register: %s\n", regent_strerror(e));
		return e;
	}
	return 0;
}

static void bench_fill(struct bench *b)
{
	while (b->started < b->target && b->inflight < b->window) {
		if (bench_start_one(b) != 0) {
			regent_loop_stop(b->loop);
			return;
		}
	}
}

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *arg)
{
	struct bench *b = arg;

	switch (ev->type) {
	case REGENT_EV_REQUEST_SENT:
		b->requests++;
		b->auth_retries += ev->reason == REGENT_SEND_AUTH_RETRY;
		return;
	case REGENT_EV_RESPONSE:
		if (ev->status == 401)
			b->challenges++;
		else if (ev->status != 200)
			b->other_responses++;
		return;
	case REGENT_EV_WAITING_CHANGED:
		break;
	default:
		return;
	}
	if (ev->waiting)
		return;
	/* The exchange is over: STATE_CHANGED came first, so state is final. */
	b->inflight--;
	b->done++;
	if (ev->state == REGENT_REG_REGISTERED)
		b->ok++;
	else
		b->fail++;
	if (!b->keep)
		regent_registerer_free(r); /* deferred: we are in its callback */
	if (b->done == b->target)
		regent_loop_stop(b->loop);
	else
		bench_fill(b);
}

/* Runs one phase of `n` registrations; 0 when every one was registered. */
static int bench_phase(struct bench *b, unsigned n, unsigned window)
{
	b->target = n;
	b->window = window;
	b->started = b->inflight = b->done = b->ok = b->fail = 0;
	if (n == 0)
		return 0;
	bench_fill(b);
	if (b->started > 0)
		regent_loop_run(b->loop, LOOP_LIMIT_MS);
	if (b->done < n)
		fprintf(stderr, "bench_client_regent: %u of %u exchanges finished in time\n",
			b->done, n);
	return b->ok == n ? 0 : 1;
}

static int bench_cpu(struct bench *b, unsigned n, unsigned window, unsigned warmup)
{
	struct regent_ua_stats s0, s1;
	unsigned long req0, chal0;
	uint64_t u0, u1, s0us, s1us, w0, w1;
	int rc;

	/* Warm-up: the socket opens, caches and the allocator settle. */
	if (bench_phase(b, warmup, window) != 0) {
		fprintf(stderr, "bench_client_regent: warm-up failed (%u ok of %u)\n", b->ok,
			warmup);
		return 1;
	}
	regent_ua_stats(b->ua, &s0);
	req0 = b->requests;
	chal0 = b->challenges;
	w0 = mono_ns();
	cpu_us(&u0, &s0us);
	rc = bench_phase(b, n, window);
	cpu_us(&u1, &s1us);
	w1 = mono_ns();
	regent_ua_stats(b->ua, &s1);
	printf("regent cpu_us_per_reg=%.2f wall_us_per_reg=%.2f n=%u ok=%u\n",
	       (double)(u1 - u0 + s1us - s0us) / n, (double)(w1 - w0) / 1000.0 / n, n, b->ok);
	printf("regent detail window=%u user_us_per_reg=%.2f sys_us_per_reg=%.2f requests=%lu "
	       "challenges=%lu msgs_sent=%llu "
	       "msgs_recv=%llu retransmissions=%llu bytes_sent_per_reg=%.0f "
	       "bytes_recv_per_reg=%.0f\n",
	       window, (double)(u1 - u0) / n, (double)(s1us - s0us) / n, b->requests - req0,
	       b->challenges - chal0, (unsigned long long)(s1.msgs_sent - s0.msgs_sent),
	       (unsigned long long)(s1.msgs_recv - s0.msgs_recv),
	       (unsigned long long)(s1.retransmissions - s0.retransmissions),
	       (double)(s1.bytes_sent - s0.bytes_sent) / n,
	       (double)(s1.bytes_recv - s0.bytes_recv) / n);
	return rc;
}

/* Keeps `m` registrations alive (shared UA, or one UA each when per_ua) and
 * prints the heap and RSS growth per registration. */
static int bench_mem(struct bench *b, unsigned m, unsigned window, bool per_ua)
{
	const char *what = per_ua ? "mem_ua" : "mem_shared_ua";
	long heap0, heap1, heap2, rss0, rss1, rss2;
	uint64_t settle_until, u0, s0, u1, s1;
	unsigned i;
	int rc;

	b->kept = calloc(m, sizeof(*b->kept));
	b->uas = per_ua ? calloc(m, sizeof(*b->uas)) : NULL;
	if (!b->kept || (per_ua && !b->uas)) {
		free(b->kept);
		b->kept = NULL;
		return 1;
	}
	b->keep = true;
	malloc_trim(0);
	heap0 = (long)mallinfo2().uordblks;
	rss0 = rss_kib();
	cpu_us(&u0, &s0);
	rc = bench_phase(b, m, window);
	cpu_us(&u1, &s1);
	heap1 = (long)mallinfo2().uordblks;
	rss1 = rss_kib();
	/* Timer K (T4, 5 s for UDP) keeps each completed transaction until then. */
	settle_until = mono_ns() / 1000000u + 5500;
	for (uint64_t now = mono_ns() / 1000000u; now < settle_until; now = mono_ns() / 1000000u)
		regent_loop_run(b->loop, (int)(settle_until - now));
	heap2 = (long)mallinfo2().uordblks;
	rss2 = rss_kib();
	printf("regent %s_peak_heap_bytes_per_reg=%.0f %s_peak_rss_bytes_per_reg=%.0f "
	       "%s_settled_heap_bytes_per_reg=%.0f %s_settled_rss_bytes_per_reg=%.0f m=%u ok=%u\n",
	       what, (double)(heap1 - heap0) / m, what, (double)(rss1 - rss0) * 1024.0 / m, what,
	       (double)(heap2 - heap0) / m, what, (double)(rss2 - rss0) * 1024.0 / m, m, b->ok);
	/* all m alive on the UA by the end: the cost of one must not grow with
	 * how many others there are (timer heap, branch index) */
	printf("regent %s_cpu_us_per_reg=%.2f %s_user_us_per_reg=%.2f m=%u\n", what,
	       (double)(u1 + s1 - u0 - s0) / m, what, (double)(u1 - u0) / m, m);
	for (i = 0; i < b->started; i++) {
		regent_registerer_free(b->kept[i]);
		if (per_ua && b->uas[i]) {
			regent_loop_remove_ua(b->loop, b->uas[i]);
			regent_ua_free(b->uas[i]);
		}
	}
	free(b->kept);
	free(b->uas);
	b->kept = NULL;
	b->uas = NULL;
	b->keep = false;
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: bench_client_regent -s HOST:PORT [-u USER] [-p PASSWORD] [-n N] [-w WINDOW]\n"
	      "         [--warmup K] [--mem M] [--mem-ua M --mem-users PREFIX:COUNT]\n"
	      "         [--tls-ca-file FILE]\n",
	      f);
}

static unsigned num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v > 10000000u) {
		fprintf(stderr, "bench_client_regent: '%s' is not a count\n", s);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"warmup", required_argument, NULL, 'W'},
	    {"mem", required_argument, NULL, 'm'},
	    {"mem-ua", required_argument, NULL, 'M'},
	    {"mem-users", required_argument, NULL, 'U'},
	    {"tls-ca-file", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct bench b;
	const char *hostport = NULL, *user = "alice", *mem_users = NULL, *ca_file = NULL;
	unsigned n = 2000, window = 1, warmup = 100, mem = 0, mem_ua = 0;
	char server[128], prefix[64];
	int o, rc = 1;

	memset(&b, 0, sizeof(b));
	b.password = "secret";
	while ((o = getopt_long(argc, argv, "s:u:p:n:w:h", lo, NULL)) != -1) {
		switch (o) {
		case 's':
			hostport = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'p':
			b.password = optarg;
			break;
		case 'n':
			n = num(optarg);
			break;
		case 'w':
			window = num(optarg);
			break;
		case 'W':
			warmup = num(optarg);
			break;
		case 'm':
			mem = num(optarg);
			break;
		case 'M':
			mem_ua = num(optarg);
			break;
		case 'U':
			mem_users = optarg;
			break;
		case 'C':
			ca_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!hostport || optind != argc || n == 0 || window == 0 ||
	    (mem_ua && (!mem_users || !strchr(mem_users, ':')))) {
		usage(stderr);
		return 2;
	}
	if (mem_ua) {
		const char *colon = strchr(mem_users, ':');

		snprintf(prefix, sizeof(prefix), "%.*s", (int)(colon - mem_users), mem_users);
		b.user_prefix = prefix;
		b.users = num(colon + 1);
		if (b.users == 0)
			return 2;
	}
	/* A numeric outbound proxy: no DNS anywhere (RFC 3263 is skipped). */
	snprintf(server, sizeof(server), "sip:%s;transport=udp", hostport);
	b.server = server;

	regent_ua_options_init(&b.uo);
	b.uo.authorization_password = b.password;
	b.uo.server = server;
	b.uo.transport = REGENT_TP_UDP;
	b.uo.tls_ca_file = ca_file;  /* every UA loads a CA store, UDP or not */
	b.uo.contact_name = "bench"; /* fixed: one binding per UA at the registrar */
	regent_registerer_options_init(&b.ro);
	b.ro.expires = 600;
	b.ro.log_configuration = false;
	b.ro.auto_retry = false; /* a failure must show, not be retried behind our back */
	b.ro.event_h = on_event;
	b.ro.event_arg = &b;

	if (regent_loop_alloc(&b.loop) || ua_new(&b, &b.ua, user))
		goto out;
	rc = bench_cpu(&b, n, window, warmup);
	if (rc == 0 && mem)
		rc = bench_mem(&b, mem, window, false);
	if (rc == 0 && mem_ua)
		rc = bench_mem(&b, mem_ua, window, true);
out:
	if (b.ua) {
		regent_loop_remove_ua(b.loop, b.ua);
		regent_ua_free(b.ua);
	}
	regent_loop_free(b.loop);
	fflush(stdout);
	return rc;
}

/*
 * load_opts.c — options of `regent load` (see load_opts.h). Exit code 2 on
 * any usage error, with a message naming the flag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load_accounts.h"
#include "load_opts.h"
#include "opts.h"

enum {
	L_AOR = 1,
	L_USERS,
	L_FIRST,
	L_COUNT,
	L_AUTH_USER,
	L_RATE,
	L_WINDOW,
	L_RAMP,
	L_TICK,
	L_DURATION,
	L_NO_UNREGISTER,
	L_SOCKETS,
	L_LOCAL_IP,
	L_SHARD,
	L_SHARDS,
	L_MAX_FAILURES,
	L_STOP_TIMEOUT,
	L_MERGE,
	L_JSON,
	L_QUIET,
	L_HELP,
	L_REFUSED, /* register flags that mean nothing for many accounts */
};

static const struct {
	const char *name;
	int id;
	bool arg;
} flags[] = {
    {"--aor", L_AOR, true},
    {"--users", L_USERS, true},
    {"--first", L_FIRST, true},
    {"--count", L_COUNT, true},
    {"--auth-user", L_AUTH_USER, true},
    {"--rate", L_RATE, true},
    {"--window", L_WINDOW, true},
    {"--ramp", L_RAMP, true},
    {"--tick", L_TICK, true},
    {"--duration", L_DURATION, true},
    {"--no-unregister", L_NO_UNREGISTER, false},
    {"--sockets", L_SOCKETS, true},
    {"--local-ip", L_LOCAL_IP, true},
    {"--shard", L_SHARD, true},
    {"--shards", L_SHARDS, true},
    {"--max-failures", L_MAX_FAILURES, true},
    {"--stop-timeout", L_STOP_TIMEOUT, true},
    {"--merge", L_MERGE, false},
    {"--json", L_JSON, false},
    {"-q", L_QUIET, false},
    {"--quiet", L_QUIET, false},
    {"-h", L_HELP, false},
    {"--help", L_HELP, false},
    {"--for", L_REFUSED, false},
    {"--once", L_REFUSED, false},
    {"--all", L_REFUSED, false},
    {"--contact", L_REFUSED, false},
    {"--ha1", L_REFUSED, false},
};

/* Is name one of ours (or one we refuse)? Then register's copy is left out. */
static bool own_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strlen(flags[i].name) == len && !strncmp(flags[i].name, name, len))
			return true;
	}
	return false;
}

void load_opts_print_flags(void *f)
{
	char *reg = NULL, *p;
	size_t len = 0;
	FILE *m = open_memstream(&reg, &len);

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (flags[i].id != L_REFUSED && !strncmp(flags[i].name, "--", 2))
			fprintf(f, "%s%s", i ? " " : "", flags[i].name);
	}
	if (m == NULL)
		return;
	regent_cli_print_register_flags(m);
	if (fclose(m) != 0 || reg == NULL) {
		free(reg);
		return;
	}
	/* every register option applies to each account, but those of our
	 * own table (ours, or refused for many accounts) */
	for (p = reg; *p;) {
		size_t l = strcspn(p, " ");

		if (!strncmp(p, "--", 2) && !own_flag(p, l))
			fprintf(f, " %.*s", (int)l, p);
		p += l;
		p += strspn(p, " ");
	}
	free(reg);
}

void load_opts_usage(void *fp)
{
	FILE *f = fp;

	fputs(
	    "usage: regent load (--aor TEMPLATE --count M | --users FILE) [options]\n"
	    "       regent load --merge [--json] [--max-failures N|P%] FILE...\n"
	    "Accounts:\n"
	    "  --aor TEMPLATE      e.g. 'sip:user{n}@example.com', {n:05} pads to 5 digits\n"
	    "  --first N           first {n} (default 0)   --count M   how many accounts\n"
	    "  --auth-user TEMPLATE  authorization username (default: the AOR's user part)\n"
	    "  --users FILE        one 'aor[,auth-user],password' a line (# comments)\n"
	    "  password for --aor: --password-file FILE or REGENT_PASSWORD (or a prompt)\n"
	    "  --shard I/N         slice I (0..N-1) of N disjoint slices of the accounts\n"
	    "  --shards N          the same, I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)\n"
	    "Pace:\n"
	    "  --rate R            new registrations per second (default 100; token bucket)\n"
	    "  --window W          at most W transactions in flight (default 100)\n"
	    "  --ramp S            rise from R/100 to R over S seconds (default 0)\n"
	    "  --tick MS           let new registrations wait up to MS ms, to start them in\n"
	    "                      rounds (1..20, default 1; more: fewer wake-ups, less CPU at\n"
	    "                      a fixed rate, burstier)\n"
	    "  --duration S        hold S seconds after the last initial registration, each\n"
	    "                      refreshed on its own timer (default: until SIGINT/SIGTERM)\n"
	    "  --no-unregister     leave the bindings at the end (default: un-REGISTER all)\n"
	    "  --stop-timeout S    bound of the final un-REGISTER of all (default 30)\n"
	    "Sockets:\n"
	    "  --sockets K         K user agents, each one socket (UDP) or one connection\n"
	    "                      (TCP, TLS, WS, WSS); accounts spread over them (default 1)\n"
	    "  --local-ip A,B,...  source addresses, the sockets spread over them (UDP only)\n"
	    "Output and exit:\n"
	    "  --json              one JSON object a second and a final report, on stdout\n"
	    "  -q                  final report only (no status line)\n"
	    "  --max-failures N|P%  failures allowed for exit 0 (default 0)\n"
	    "  --merge FILE...     add up the --json reports of shards into one\n"
	    "Every registration option of `regent register` applies to each account\n"
	    "(--expires, --refresh-frequency, --server, --transport, --tls-ca, --t1,\n"
	    "--unregister-timeout, --header, ...: see `regent register --help`).\n"
	    "Exit: 0 failures within --max-failures, 1 more, 2 usage, 3 network (nothing\n"
	    "registered, every failure local: timeout, transport, DNS, TLS)\n",
	    f);
}

static int usage_error(const char *fmt, const char *a)
{
	fputs("regent load: ", stderr);
	fprintf(stderr, fmt, a);
	fputs("\nTry 'regent load --help'.\n", stderr);
	return REGENT_EXIT_USAGE;
}

static int num(const char *flag, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || errno || *end || v < min || v > max || v != v) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s: '%%s' is not a number in %g..%g", flag, min, max);
		return usage_error(msg, s);
	}
	*out = v;
	return 0;
}

static int whole(const char *flag, const char *s, double min, double max, uint64_t *out)
{
	double v;
	int e = num(flag, s, min, max, &v);

	if (e)
		return e;
	if (v != (double)(uint64_t)v)
		return usage_error("%s: expected a whole number", flag);
	*out = (uint64_t)v;
	return 0;
}

static int parse_shard(struct load_opts *o, const char *s)
{
	unsigned i, n;
	char tail;

	if (sscanf(s, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i >= n || n > 100000)
		return usage_error("--shard: '%s' is not I/N with 0 <= I < N", s);
	o->shard_i = i;
	o->shard_n = n;
	return 0;
}

static int parse_shards(struct load_opts *o, const char *s)
{
	const char *idx = getenv("JOB_COMPLETION_INDEX");
	uint64_t n, i;
	int e = whole("--shards", s, 1, 100000, &n);

	if (e)
		return e;
	if (!idx || !*idx)
		return usage_error("--shards %s: JOB_COMPLETION_INDEX is not set (a Kubernetes "
				   "Indexed Job sets it; else use --shard I/N)",
				   s);
	e = whole("JOB_COMPLETION_INDEX", idx, 0, (double)n - 1, &i);
	if (e)
		return e;
	o->shard_i = (uint32_t)i;
	o->shard_n = (uint32_t)n;
	return 0;
}

static int parse_max_failures(struct load_opts *o, const char *s)
{
	size_t len = strlen(s);
	char buf[32];

	if (len == 0 || len >= sizeof(buf))
		return usage_error("--max-failures: '%s' is not N or P%%", s);
	memcpy(buf, s, len + 1);
	o->max_failures_pct = buf[len - 1] == '%';
	if (o->max_failures_pct)
		buf[len - 1] = '\0';
	if (num("--max-failures", buf, 0, o->max_failures_pct ? 100 : 1e15, &o->max_failures))
		return REGENT_EXIT_USAGE;
	snprintf(o->max_failures_str, sizeof(o->max_failures_str), "%s", s);
	return 0;
}

static int parse_local_ips(struct load_opts *o, const char *s)
{
	char *save = NULL, *tok;

	free(o->local_ip_buf);
	o->local_ip_buf = strdup(s);
	o->n_local_ips = 0;
	if (!o->local_ip_buf)
		return usage_error("%s", "out of memory");
	for (tok = strtok_r(o->local_ip_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_local_ips == LOAD_MAX_LOCAL_IPS)
			return usage_error("--local-ip: at most 16 addresses%s", "");
		o->local_ips[o->n_local_ips++] = tok;
	}
	return o->n_local_ips ? 0 : usage_error("--local-ip: '%s' names no address", s);
}

/* Which of our flags argv[*i] is (0: none), and its value. */
static int match(int argc, char **argv, int *i, const char **val, int *err)
{
	const char *a = argv[*i];

	*err = 0;
	*val = NULL;
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		size_t n = strlen(flags[k].name);

		if (strncmp(a, flags[k].name, n) != 0 || (a[n] != '\0' && a[n] != '='))
			continue;
		if (a[n] == '=')
			*val = a + n + 1;
		else if (flags[k].arg && *i + 1 < argc)
			*val = argv[++*i];
		if (flags[k].arg && !*val)
			*err = usage_error("%s: needs a value", flags[k].name);
		return flags[k].id;
	}
	return 0;
}

static int apply(struct load_opts *o, int id, const char *flag, const char *v)
{
	double d;
	int e = 0;

	switch (id) {
	case L_AOR:
		o->aor_tmpl = v;
		break;
	case L_USERS:
		o->users_file = v;
		break;
	case L_FIRST:
		e = whole("--first", v, 0, 1e15, &o->first);
		break;
	case L_COUNT:
		e = whole("--count", v, 1, 1e9, &o->count);
		o->have_count = true;
		break;
	case L_AUTH_USER:
		o->auth_user_tmpl = v;
		break;
	case L_RATE:
		e = num("--rate", v, 0.01, 1e7, &o->rate);
		break;
	case L_WINDOW:
		e = num("--window", v, 1, 1e6, &d);
		o->window = (uint32_t)d;
		break;
	case L_RAMP:
		e = num("--ramp", v, 0, 86400, &o->ramp_s);
		break;
	case L_TICK:
		e = num("--tick", v, 1, 20, &d);
		/* poll() waits whole milliseconds: 1 ms is the least already */
		o->tick_us = (uint64_t)(d * 1000.0) - 1000u;
		break;
	case L_DURATION:
		e = num("--duration", v, 0, 31536000, &o->duration_s);
		o->have_duration = true;
		break;
	case L_NO_UNREGISTER:
		o->no_unregister = true;
		break;
	case L_SOCKETS:
		e = num("--sockets", v, 1, 4096, &d);
		o->sockets = (uint32_t)d;
		break;
	case L_LOCAL_IP:
		e = parse_local_ips(o, v);
		break;
	case L_SHARD:
		e = parse_shard(o, v);
		break;
	case L_SHARDS:
		e = parse_shards(o, v);
		break;
	case L_MAX_FAILURES:
		e = parse_max_failures(o, v);
		break;
	case L_STOP_TIMEOUT:
		e = num("--stop-timeout", v, 1, 86400, &d);
		o->stop_timeout_s = (uint32_t)d;
		break;
	case L_MERGE:
		o->merge = true;
		break;
	case L_JSON:
		o->json = true;
		break;
	case L_QUIET:
		o->quiet = true;
		break;
	case L_REFUSED:
		return usage_error("%s: not an option of regent load (--duration holds the "
				   "registrations; --users gives each its own password)",
				   flag);
	default:
		break;
	}
	return e;
}

static int split_args(struct load_opts *o, int argc, char **argv, bool *shard_seen)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		int err, id = match(argc, argv, &i, &v, &err);

		if (err)
			return err;
		if (id == L_HELP) {
			load_opts_usage(stdout);
			return -1;
		}
		if (id == L_SHARD || id == L_SHARDS) {
			if (*shard_seen)
				return usage_error("--shard and --shards: give one%s", "");
			*shard_seen = true;
		}
		if (id) {
			err = apply(o, id, argv[i], v);
			if (err)
				return err;
			continue;
		}
		if (o->merge && argv[i][0] != '-') {
			o->merge_files[o->n_merge++] = argv[i];
			continue;
		}
		o->pass[o->n_pass++] = argv[i];
	}
	return 0;
}

/* The register options, through opts.c, with the first account as the
 * AOR (the UA's own; each account is a Registerer's To/From). */
static int parse_register_options(struct load_opts *o)
{
	struct load_accounts a;
	struct load_account acc;
	char errbuf[256];
	int e;

	if (o->users_file) {
		e = load_accounts_file(&a, o->users_file, errbuf, sizeof(errbuf));
		if (!e)
			e = load_accounts_get(&a, 0, &acc);
	} else {
		e = load_accounts_template(&a, o->aor_tmpl, o->auth_user_tmpl, NULL, o->first,
					   o->count, errbuf, sizeof(errbuf));
		if (!e)
			e = load_accounts_get(&a, 0, &acc);
	}
	load_accounts_release(&a);
	if (e)
		return usage_error("%s", errbuf);
	o->first_aor = strdup(acc.aor);
	if (!o->first_aor)
		return usage_error("%s", "out of memory");
	if (o->users_file) {
		/* each line has its password: no prompt for one */
		o->pass[o->n_pass++] = "--password-file";
		o->pass[o->n_pass++] = "/dev/null";
	}
	o->pass[o->n_pass++] = o->first_aor;
	o->pass[o->n_pass] = NULL;
	o->reg_parsed = true;
	e = regent_cli_opts_parse(&o->reg, REGENT_CLI_REGISTER, o->n_pass, o->pass);
	if (e < 0) /* --help of register cannot come here: we took it */
		return REGENT_EXIT_USAGE;
	return e;
}

/* --local-ip has its own UDP socket: a --server that asks for another
 * transport (sips:, ws://, wss://, ;transport=tcp|tls|ws|wss) cannot use it. */
static bool server_is_udp(const char *server)
{
	const char *t;

	if (!server)
		return true;
	if (!strncasecmp(server, "sips:", 5) || !strncasecmp(server, "ws", 2))
		return false;
	t = strcasestr(server, ";transport=");
	return !t || !strncasecmp(t + 11, "udp", 3);
}

int load_opts_parse(struct load_opts *o, int argc, char **argv)
{
	bool shard_seen = false;
	int e;

	memset(o, 0, sizeof(*o));
	o->rate = 100;
	o->window = 100;
	o->sockets = 1;
	o->stop_timeout_s = 30;
	snprintf(o->max_failures_str, sizeof(o->max_failures_str), "0");
	o->pass = calloc((size_t)argc + 5, sizeof(*o->pass));
	o->merge_files = calloc((size_t)argc + 1, sizeof(*o->merge_files));
	if (!o->pass || !o->merge_files)
		return usage_error("%s", "out of memory");
	o->pass[o->n_pass++] = "load";
	e = split_args(o, argc, argv, &shard_seen);
	if (e)
		return e;
	if (o->merge) {
		if (o->n_pass > 1)
			return usage_error("--merge: '%s' is not an option of --merge", o->pass[1]);
		return o->n_merge ? 0 : usage_error("--merge: no FILE given%s", "");
	}
	if (!o->aor_tmpl == !o->users_file)
		return usage_error("give --aor TEMPLATE --count M, or --users FILE%s", "");
	if (o->aor_tmpl && !o->have_count)
		return usage_error("--aor: --count M is needed%s", "");
	if (o->users_file && (o->have_count || o->first || o->auth_user_tmpl))
		return usage_error("--users: --first, --count and --auth-user are for --aor%s", "");
	e = parse_register_options(o);
	if (e)
		return e;
	if (o->n_local_ips &&
	    ((o->reg.ua.transport != REGENT_TP_NONE && o->reg.ua.transport != REGENT_TP_UDP) ||
	     !server_is_udp(o->reg.ua.server)))
		return usage_error(
		    "--local-ip: only with UDP, not %s (regent.h has no source address "
		    "option for the library's own I/O yet: see docs/load.md)",
		    o->reg.ua.transport != REGENT_TP_NONE
			? regent_transport_name(o->reg.ua.transport)
			: o->reg.ua.server);
	o->json = o->json || o->reg.json;
	o->quiet = o->quiet || o->reg.quiet;
	return 0;
}

void load_opts_release(struct load_opts *o)
{
	if (o->reg_parsed)
		regent_cli_opts_release(&o->reg);
	free(o->pass);
	free(o->merge_files);
	free(o->first_aor);
	free(o->local_ip_buf);
	memset(o, 0, sizeof(*o));
}

bool load_opts_failures_ok(const struct load_opts *o, uint64_t failures, uint64_t attempted)
{
	if (o->max_failures_pct)
		return (double)failures * 100.0 <= o->max_failures * (double)attempted;
	return (double)failures <= o->max_failures;
}

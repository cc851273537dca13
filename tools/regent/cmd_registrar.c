/*
 * cmd_registrar.c — `regent registrar`: its options. The registrar itself,
 * core and sockets, is the regent_registrar library (registrar/), run by
 * regent_serve_main(). A test and demo tool, not a production registrar:
 * bindings live in memory only.
 *
 *   regent registrar --listen udp:127.0.0.1:5060 --user alice:secret \
 *       --min-expires 5 --fail 503 --retry-after 5 --fail-after 20 --fail-for 10
 *
 * Each listener prints "listening on PROTO:HOST:PORT" (port 0 picks a free
 * port; scripts read the line). Each request is logged with its answer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "regent.h"
#include "cmd_registrar.h"
#include "internal.h"
#include "registrar/serve.h"

#define MAX_LISTEN 16
#define MAX_USERS 1000000 /* the digest server keeps them in a hash table */

enum {
	OPT_LISTEN = 256,
	OPT_USER,
	OPT_USERS,
	OPT_REALM,
	OPT_MIN_EXPIRES,
	OPT_MAX_EXPIRES,
	OPT_DIGEST,
	OPT_DROP,
	OPT_FAIL,
	OPT_RETRY_AFTER,
	OPT_FAIL_FOR,
	OPT_FAIL_AFTER,
	OPT_FORGET_AFTER,
	OPT_NO_CONTACT,
	OPT_MAX_BINDINGS_PER_AOR,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
};

static const struct option long_opts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"user", required_argument, NULL, OPT_USER},
    {"users", required_argument, NULL, OPT_USERS},
    {"realm", required_argument, NULL, OPT_REALM},
    {"min-expires", required_argument, NULL, OPT_MIN_EXPIRES},
    {"max-expires", required_argument, NULL, OPT_MAX_EXPIRES},
    {"digest", required_argument, NULL, OPT_DIGEST},
    {"drop", required_argument, NULL, OPT_DROP},
    {"fail", required_argument, NULL, OPT_FAIL},
    {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
    {"fail-for", required_argument, NULL, OPT_FAIL_FOR},
    {"fail-after", required_argument, NULL, OPT_FAIL_AFTER},
    {"forget-after", required_argument, NULL, OPT_FORGET_AFTER},
    {"no-contact-in-200", no_argument, NULL, OPT_NO_CONTACT},
    {"max-bindings-per-aor", required_argument, NULL, OPT_MAX_BINDINGS_PER_AOR},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void regent_registrar_print_flags(void *f)
{
	for (const struct option *op = long_opts; op->name; op++)
		fprintf(f, "%s--%s", op == long_opts ? "" : " ", op->name);
	fputs(" -v -h", f);
}

struct registrar_cfg {
	const char *listen[MAX_LISTEN];
	size_t n_listen;
	char **users; /* "name:password" (malloc), growable */
	size_t n_users, cap_users;
	struct regent_registrar_options ro;
	struct regent_registrar_faults faults;
	uint32_t fail_for_s, fail_after_s, forget_after_s;
	bool forget;
	const char *tls_cert, *tls_key;
	bool verbose;
};

static void usage(FILE *f)
{
	fputs("usage: regent registrar [options]   (a test and demo tool; see regent(1))\n"
	      "  --listen PROTO:HOST:PORT  udp, tcp, tls, ws or wss; repeatable; port 0: any free\n"
	      "                            (default udp:127.0.0.1:5060)\n"
	      "  --user NAME:PASSWORD      repeatable; --users FILE: one NAME:PASSWORD a line\n"
	      "  --realm R  --min-expires S  --max-expires S  --digest MD5|SHA-256,MD5|...\n"
	      "  --max-bindings-per-aor N  (default 16; beyond: 403)\n"
	      "  --tls-cert FILE --tls-key FILE   for tls: and wss: listeners\n"
	      "Faults: --drop PERCENT  --fail CODE [--retry-after S] [--fail-after S]\n"
	      "        [--fail-for S]  --forget-after S (drop every binding, as a restart)\n"
	      "        --no-contact-in-200\n"
	      "  -v   print every message in full\n",
	      f);
}

static int bad(const char *flag, const char *val, const char *want)
{
	fprintf(stderr, "regent registrar: %s: '%s' %s\nTry 'regent registrar --help'.\n", flag,
		val, want);
	return 2;
}

static int num(const char *flag, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return bad(flag, s, "is not a whole number");
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		char want[64];

		snprintf(want, sizeof(want), "is not a whole number in %u..%u", (unsigned)min,
			 (unsigned)max);
		return bad(flag, s, want);
	}
	*out = (uint32_t)v;
	return 0;
}

static int add_user(struct registrar_cfg *c, const char *flag, const char *spec)
{
	const char *colon = strchr(spec, ':');

	if (!colon || colon == spec)
		return bad(flag, spec, "is not NAME:PASSWORD");
	if (c->n_users == MAX_USERS)
		return bad(flag, spec, "is one user too many (1000000 at most)");
	if (c->n_users == c->cap_users) {
		size_t cap = c->cap_users ? c->cap_users * 2 : 16;
		char **n = realloc(c->users, cap * sizeof(*n));

		if (!n)
			return bad(flag, spec, "could not be stored (out of memory)");
		c->users = n;
		c->cap_users = cap;
	}
	c->users[c->n_users] = strdup(spec);
	if (!c->users[c->n_users])
		return bad(flag, spec, "could not be stored (out of memory)");
	c->n_users++;
	return 0;
}

static int read_users(struct registrar_cfg *c, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return bad("--users", path, strerror(errno));
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		err = add_user(c, "--users", line);
	}
	fclose(f);
	return err;
}

static void sys_random(void *arg, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)arg;
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n <= 0)
			continue; /* EINTR; getrandom never fails once the pool is ready */
		p += n;
		len -= (size_t)n;
	}
}

static int parse(struct registrar_cfg *c, int argc, char **argv)
{
	int o, err = 0;

	optind = 1;
	opterr = 0;
	while (!err && (o = getopt_long(argc, argv, "+vh", long_opts, NULL)) != -1) {
		switch (o) {
		case OPT_LISTEN:
			if (c->n_listen == MAX_LISTEN)
				return bad("--listen", optarg,
					   "is one listener too many (16 at most)");
			c->listen[c->n_listen++] = optarg;
			break;
		case OPT_USER:
			err = add_user(c, "--user", optarg);
			break;
		case OPT_USERS:
			err = read_users(c, optarg);
			break;
		case OPT_REALM:
			if (regent_check_value(optarg) || !*optarg || strchr(optarg, '"'))
				return bad("--realm", optarg, "is not a usable realm");
			c->ro.realm = optarg;
			break;
		case OPT_MIN_EXPIRES:
			err = num("--min-expires", optarg, 0, 2147483647u, &c->ro.min_expires);
			break;
		case OPT_MAX_EXPIRES:
			err = num("--max-expires", optarg, 1, 2147483647u, &c->ro.max_expires);
			break;
		case OPT_DIGEST:
			c->ro.digest_algs = optarg;
			break;
		case OPT_DROP:
			err = num("--drop", optarg, 0, 100, &c->faults.drop_percent);
			break;
		case OPT_FAIL: {
			uint32_t code;

			err = num("--fail", optarg, 300, 699, &code);
			c->faults.fail_status = (uint16_t)code;
			break;
		}
		case OPT_RETRY_AFTER:
			err = num("--retry-after", optarg, 0, 86400, &c->faults.fail_retry_after);
			break;
		case OPT_FAIL_FOR:
			err = num("--fail-for", optarg, 1, 31536000u, &c->fail_for_s);
			break;
		case OPT_FAIL_AFTER:
			err = num("--fail-after", optarg, 0, 31536000u, &c->fail_after_s);
			break;
		case OPT_FORGET_AFTER:
			err = num("--forget-after", optarg, 0, 31536000u, &c->forget_after_s);
			c->forget = true;
			break;
		case OPT_NO_CONTACT:
			c->faults.no_contact_in_200 = true;
			break;
		case OPT_MAX_BINDINGS_PER_AOR:
			err = num("--max-bindings-per-aor", optarg, 1, 100000,
				  &c->ro.max_bindings_per_aor);
			break;
		case OPT_TLS_CERT:
			c->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			c->tls_key = optarg;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fprintf(stderr, "regent registrar: unknown option or missing value: %s\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (err)
		return err;
	if (optind < argc)
		return bad("argument", argv[optind], "is not expected");
	if ((c->faults.fail_retry_after || c->fail_for_s || c->fail_after_s) &&
	    !c->faults.fail_status)
		return bad("--retry-after/--fail-for/--fail-after", "", "need --fail CODE");
	if (!!c->tls_cert != !!c->tls_key)
		return bad("--tls-cert/--tls-key", "", "go together");
	if (c->ro.max_expires && c->ro.min_expires > c->ro.max_expires)
		return bad("--min-expires", "", "is above --max-expires");
	if (!c->n_listen)
		c->listen[c->n_listen++] = "udp:127.0.0.1:5060";
	return 0;
}

static int serve(struct registrar_cfg *c)
{
	struct regent_registrar *reg = NULL;
	struct regent_serve_config sc = {
	    .listen = c->listen,
	    .n_listen = c->n_listen,
	    .tls_cert = c->tls_cert,
	    .tls_key = c->tls_key,
	    .faults = c->faults,
	    .fail_after_s = c->fail_after_s,
	    .fail_for_s = c->fail_for_s,
	    .forget = c->forget,
	    .forget_after_s = c->forget_after_s,
	    .verbose = c->verbose,
	};
	char errbuf[256], ready[256];
	int err, code = 0;

	c->ro.random = sys_random;
	c->ro.auth = c->n_users > 0;
	err = regent_registrar_alloc(&reg, &c->ro);
	if (err) {
		fprintf(stderr, "regent registrar: %s\n", strerror(err));
		return 2;
	}
	for (size_t i = 0; i < c->n_users; i++) {
		char *colon = strchr(c->users[i], ':');

		*colon = '\0';
		err = regent_registrar_add_user(reg, c->users[i], colon + 1);
		*colon = ':';
		if (err) {
			fprintf(stderr, "regent registrar: user '%.*s': %s\n",
				(int)(colon - c->users[i]), c->users[i], strerror(err));
			regent_registrar_free(reg);
			return 2;
		}
	}
	snprintf(ready, sizeof(ready),
		 "regent registrar %s ready: realm \"%s\", %zu user%s, expires %u..%u%s",
		 REGENT_VERSION, c->ro.realm ? c->ro.realm : "regent", c->n_users,
		 c->n_users == 1 ? "" : "s", (unsigned)c->ro.min_expires,
		 (unsigned)c->ro.max_expires, c->n_users ? "" : ", no authentication");
	sc.ready = ready;
	err = regent_serve_main(reg, &sc, errbuf, sizeof(errbuf));
	if (err) {
		/* a bad --listen, --tls-cert or --tls-key is a usage error (2);
		 * an address in use or any other system failure is 3 */
		fprintf(stderr, "regent registrar: %s\n", errbuf);
		code = err == EINVAL ? 2 : 3;
	}
	regent_registrar_free(reg);
	return code;
}

int regent_cmd_registrar(int argc, char **argv)
{
	struct registrar_cfg c;
	size_t i;
	int code;

	memset(&c, 0, sizeof(c));
	regent_registrar_options_init(&c.ro);
	code = parse(&c, argc, argv);
	if (code == 0)
		code = serve(&c);
	else if (code < 0)
		code = 0;
	for (i = 0; i < c.n_users; i++) {
		explicit_bzero(c.users[i], strlen(c.users[i]));
		free(c.users[i]);
	}
	free(c.users);
	return code;
}

/*
 * opts.c — flags shared by register, unregister and query.
 *
 * Every SIP.js RegistererOptions / UserAgentOptions member has one long flag
 * with the same meaning and default; the C library validates the values
 * (regent_registerer_alloc names the bad field), this file only checks that
 * numbers are numbers and reports the flag by name. Exit code 2 on any
 * usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cmd_parse.h"
#include "internal.h"
#include "opts.h"

enum {
	OPT_EXPIRES = 256,
	OPT_EXTRA_CONTACT_PARAM,
	OPT_HEADER,
	OPT_INSTANCE_ID,
	OPT_LOG_CONFIGURATION,
	OPT_NO_LOG_CONFIGURATION,
	OPT_FROM_DISPLAY_NAME,
	OPT_FROM_TAG,
	OPT_FROM_URI,
	OPT_TO_DISPLAY_NAME,
	OPT_TO_URI,
	OPT_REG_ID,
	OPT_REGISTRAR,
	OPT_REFRESH_FREQUENCY,
	OPT_AUTH_USER,
	OPT_PASSWORD,
	OPT_PASSWORD_FILE,
	OPT_HA1,
	OPT_DISPLAY_NAME,
	OPT_CONTACT_NAME,
	OPT_CONTACT_PARAM,
	OPT_VIA_HOST,
	OPT_USER_AGENT,
	OPT_SERVER,
	OPT_TRANSPORT,
	OPT_TLS_CA,
	OPT_TLS_INSECURE,
	OPT_DNS_SERVER,
	OPT_T1,
	OPT_RETRY_BASE,
	OPT_RETRY_MAX,
	OPT_FOR,
	OPT_ONCE,
	OPT_CHECK_REACH,
	OPT_ALL,
	OPT_CONTACT,
	OPT_JSON,
	OPT_UNREGISTER_TIMEOUT,
	OPT_KEEPALIVE,
	OPT_NO_CONTACT_REWRITE,
	OPT_NO_WATCH_NETWORK,
	OPT_TIMEOUT,
	OPT_ROUTE, /* issue 11 §3, §3b */
	OPT_EXTRA_SUPPORTED,
	OPT_UNREGISTER_ALL_AT_EXIT,
	OPT_MAX_UNREGISTERED,
	OPT_RETRY_ON_REJECT,
	OPT_NO_RETRY_ON_REJECT,
	OPT_LOCAL_ADDRESS,
};

static const struct option long_opts[] = {
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"extra-contact-param", required_argument, NULL, OPT_EXTRA_CONTACT_PARAM},
    {"header", required_argument, NULL, OPT_HEADER},
    {"instance-id", required_argument, NULL, OPT_INSTANCE_ID},
    {"log-configuration", no_argument, NULL, OPT_LOG_CONFIGURATION},
    {"no-log-configuration", no_argument, NULL, OPT_NO_LOG_CONFIGURATION},
    {"from-display-name", required_argument, NULL, OPT_FROM_DISPLAY_NAME},
    {"from-tag", required_argument, NULL, OPT_FROM_TAG},
    {"from-uri", required_argument, NULL, OPT_FROM_URI},
    {"to-display-name", required_argument, NULL, OPT_TO_DISPLAY_NAME},
    {"to-uri", required_argument, NULL, OPT_TO_URI},
    {"reg-id", required_argument, NULL, OPT_REG_ID},
    {"registrar", required_argument, NULL, OPT_REGISTRAR},
    {"refresh-frequency", required_argument, NULL, OPT_REFRESH_FREQUENCY},
    {"auth-user", required_argument, NULL, OPT_AUTH_USER},
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"ha1", required_argument, NULL, OPT_HA1},
    {"display-name", required_argument, NULL, OPT_DISPLAY_NAME},
    {"contact-name", required_argument, NULL, OPT_CONTACT_NAME},
    {"contact-param", required_argument, NULL, OPT_CONTACT_PARAM},
    {"via-host", required_argument, NULL, OPT_VIA_HOST},
    {"user-agent", required_argument, NULL, OPT_USER_AGENT},
    {"server", required_argument, NULL, OPT_SERVER},
    {"transport", required_argument, NULL, OPT_TRANSPORT},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-insecure", no_argument, NULL, OPT_TLS_INSECURE},
    {"dns-server", required_argument, NULL, OPT_DNS_SERVER},
    {"keepalive", required_argument, NULL, OPT_KEEPALIVE},
    {"no-contact-rewrite", no_argument, NULL, OPT_NO_CONTACT_REWRITE},
    {"no-watch-network", no_argument, NULL, OPT_NO_WATCH_NETWORK},
    {"t1", required_argument, NULL, OPT_T1},
    {"retry-base", required_argument, NULL, OPT_RETRY_BASE},
    {"retry-max", required_argument, NULL, OPT_RETRY_MAX},
    {"for", required_argument, NULL, OPT_FOR},
    {"once", no_argument, NULL, OPT_ONCE},
    {"check-reachability", no_argument, NULL, OPT_CHECK_REACH},
    {"all", no_argument, NULL, OPT_ALL},
    {"contact", required_argument, NULL, OPT_CONTACT},
    {"unregister-timeout", required_argument, NULL, OPT_UNREGISTER_TIMEOUT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"local-address", required_argument, NULL, OPT_LOCAL_ADDRESS},
    {"json", no_argument, NULL, OPT_JSON},
    /* SIP.js names, the short forms above kept as aliases (issue 11 §3) */
    {"extra-header", required_argument, NULL, OPT_HEADER},
    {"authorization-username", required_argument, NULL, OPT_AUTH_USER},
    {"authorization-ha1", required_argument, NULL, OPT_HA1},
    {"user-agent-string", required_argument, NULL, OPT_USER_AGENT},
    {"route", required_argument, NULL, OPT_ROUTE},
    {"preloaded-route-set", required_argument, NULL, OPT_ROUTE},
    {"sip-extension-extra-supported", required_argument, NULL, OPT_EXTRA_SUPPORTED},
    {"extra-supported", required_argument, NULL, OPT_EXTRA_SUPPORTED},
    {"unregister-all-at-exit", no_argument, NULL, OPT_UNREGISTER_ALL_AT_EXIT},
    {"max-unregistered", required_argument, NULL, OPT_MAX_UNREGISTERED},
    {"retry-on-reject", no_argument, NULL, OPT_RETRY_ON_REJECT},
    {"no-retry-on-reject", no_argument, NULL, OPT_NO_RETRY_ON_REJECT},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The long name of a flag from its getopt value. */
static const char *opt_name(int val)
{
	for (const struct option *op = long_opts; op->name; op++) {
		if (op->val == val)
			return op->name;
	}
	return "?";
}

/* Flags that belong to one command only; the rest are shared. */
static bool opt_for(enum regent_cli_cmd cmd, int val)
{
	switch (val) {
	case OPT_FOR:
	case OPT_ONCE:
	case OPT_CHECK_REACH:
		return cmd == REGENT_CLI_REGISTER;
	case OPT_ALL:
		return cmd == REGENT_CLI_UNREGISTER;
	case OPT_CONTACT:
		return cmd == REGENT_CLI_UNREGISTER || cmd == REGENT_CLI_REGISTER;
	default:
		return true;
	}
}

/* C field names of regent.h (as the library's validation names them) and the
 * flag a CLI user typed for each. */
static const struct {
	const char *field, *flag;
} field_flags[] = {
    {"params.from_display_name", "--from-display-name"},
    {"params.from_tag", "--from-tag"},
    {"params.from_uri", "--from-uri"},
    {"params.to_display_name", "--to-display-name"},
    {"params.to_uri", "--to-uri"},
    {"extra_contact_header_params", "--extra-contact-param"},
    {"extra_headers", "--header"},
    {"refresh_frequency", "--refresh-frequency"},
    {"instance_id", "--instance-id"},
    {"reg_id", "--reg-id"},
    {"registrar", "--registrar"},
    {"expires", "--expires"},
    {"authorization_username", "--auth-user"},
    {"authorization_password", "the password"},
    {"authorization_ha1", "--ha1"},
    {"display_name", "--display-name"},
    {"contact_name", "--contact-name"},
    {"contact_params", "--contact-param"},
    {"via_host", "--via-host"},
    {"user_agent_string", "--user-agent"},
    {"server", "--server"},
    {"tls_ca_file", "--tls-ca"},
    {"tls_ca_dir", "--tls-ca"},
    {"dns_server", "--dns-server"},
    {"keepalive_interval_s", "--keepalive"},
    {"t1_ms", "--t1"},
    {"retry_base_s", "--retry-base"},
    {"retry_max_s", "--retry-max"},
    {"local_address", "--local-address"},
    {"contact_uri", "--contact"},
    {"uri", "the AOR"},
};

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

void regent_cli_flag_names(char *out, size_t n, const char *text)
{
	size_t o = 0;

	for (const char *p = text; *p && o + 1 < n;) {
		const char *to = NULL;
		size_t len = 0;

		/* a field name is a whole word, outside quotes' content too rarely
		 * to matter: the values quoted are the user's own */
		if (p == text || !word_char(p[-1])) {
			for (size_t i = 0; i < sizeof(field_flags) / sizeof(field_flags[0]); i++) {
				size_t l = strlen(field_flags[i].field);

				if (!strncmp(p, field_flags[i].field, l) && !word_char(p[l])) {
					to = field_flags[i].flag;
					len = l;
					break;
				}
			}
		}
		if (to) {
			int w = snprintf(out + o, n - o, "%s", to);

			o += (size_t)w < n - o ? (size_t)w : n - o - 1;
			p += len;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static const char *cmd_name(enum regent_cli_cmd cmd)
{
	switch (cmd) {
	case REGENT_CLI_REGISTER:
		return "register";
	case REGENT_CLI_UNREGISTER:
		return "unregister";
	case REGENT_CLI_QUERY:
		return "query";
	}
	return "?";
}

void regent_cli_opts_usage(enum regent_cli_cmd cmd, void *fp)
{
	FILE *f = fp;

	fprintf(f, "usage: regent %s AOR [options]   (see regent(1))\n", cmd_name(cmd));
	if (cmd == REGENT_CLI_REGISTER)
		fputs("  --for SECONDS            stay registered that long, then unregister\n"
		      "  --once                   register, report, exit without unregistering\n"
		      "  --unregister-all-at-exit remove every binding of the AOR at the end\n"
		      "  --max-unregistered S     fail once unregistered longer than S in all\n"
		      "  --contact URI            register this Contact, on behalf of another "
		      "device\n"
		      "  --check-reachability     once registered, is the AOR reachable through\n"
		      "                           the registrar? (with --once: exit 5 if not)\n",
		      f);
	if (cmd == REGENT_CLI_UNREGISTER)
		fputs(
		    "  --all                    remove every binding of the AOR (Contact: *)\n"
		    "  --contact URI            remove this binding (as `regent query` lists it);\n"
		    "                           repeatable, up to 16\n",
		    f);
	fputs(
	    "Registerer (SIP.js RegistererOptions):\n"
	    "  --expires S  --extra-contact-param P  --header 'Name: value'\n"
	    "  --instance-id UUID  --[no-]log-configuration  --reg-id N\n"
	    "  --from-display-name N  --from-tag T  --from-uri U  --to-display-name N  --to-uri U\n"
	    "  --registrar URI  --refresh-frequency PCT  --[no-]retry-on-reject\n"
	    "User agent (SIP.js UserAgentOptions):\n"
	    "  --auth-user U  --password-file F (or REGENT_PASSWORD, or a prompt)  --ha1 HEX\n"
	    "  --display-name N  --contact-name N  --contact-param P  --via-host H\n"
	    "  --user-agent S  --server URI  --transport udp|tcp|tls|ws|wss\n"
	    "  --server twice (register, with --instance-id): the AOR over two flows,\n"
	    "    reg-id 1 via the first, 2 via the second (RFC 5626 outbound)\n"
	    "  --tls-ca FILE|DIR  --tls-insecure  --dns-server HOST:PORT  --keepalive S|off\n"
	    "  --no-contact-rewrite  --no-watch-network\n"
	    "  --t1 MS  --retry-base S  --retry-max S  --unregister-timeout MS\n"
	    "  --route URI (repeatable)  --sip-extension-extra-supported TOKEN (repeatable)\n"
	    "  SIP.js names: --extra-header (--header), --authorization-username (--auth-user),\n"
	    "  --authorization-ha1 (--ha1), --user-agent-string (--user-agent)\n"
	    "  --timeout S (bounds each exchange)  --local-address HOST[:PORT]\n"
	    "Output: --json (one JSON object per event)  -v (configuration, connection, SIP\n"
	    "  trace on stderr)  -q (errors and the data asked for only)\n"
	    "Exit: 0 ok, 1 rejected, 2 usage (and no password for a challenge),\n"
	    "  3 network/DNS/timeout, 4 TLS verification\n",
	    f);
}

static void print_flags(FILE *f, enum regent_cli_cmd cmd)
{
	for (const struct option *op = long_opts; op->name; op++) {
		if (opt_for(cmd, op->val))
			fprintf(f, "%s--%s", op == long_opts ? "" : " ", op->name);
	}
	fputs(" -v -q -h", f);
}

void regent_cli_print_register_flags(void *f)
{
	print_flags(f, REGENT_CLI_REGISTER);
}

void regent_cli_print_unregister_flags(void *f)
{
	print_flags(f, REGENT_CLI_UNREGISTER);
}

void regent_cli_print_query_flags(void *f)
{
	print_flags(f, REGENT_CLI_QUERY);
}

void regent_cli_completion_bash(void *fp, const struct regent_cli_flags *cmds, size_t n)
{
	FILE *f = fp;

	fputs("# bash completion for regent: generated by `regent completion bash` from\n"
	      "# the CLI's option tables (tools/regent); do not edit.\n"
	      "_regent() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"",
	      f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s ", cmds[i].cmd);
	fputs("--help --version\" -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tcase $prev in\n"
	      "\t--password-file|--tls-ca|--users|--tls-cert|--tls-key) "
	      "COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	      "\t--transport) COMPREPLY=($(compgen -W \"udp tcp tls ws wss\" -- \"$cur\")); "
	      "return ;;\n"
	      "\tesac\n"
	      "\tcase ${COMP_WORDS[1]} in\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		if (cmds[i].print == NULL)
			continue;
		fprintf(f, "\t%s) opts=\"", cmds[i].cmd);
		cmds[i].print(f);
		/* parse takes files as well as its flags */
		fputs(strcmp(cmds[i].cmd, "parse") == 0
			  ? "\"\n\t\tCOMPREPLY=($(compgen -W \"$opts\" -f -- "
			    "\"$cur\"))\n\t\treturn ;;\n"
			  : "\" ;;\n",
		      f);
	}
	fputs("\t*) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	      "\tesac\n"
	      "\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "}\n"
	      "complete -F _regent regent\n",
	      f);
}

static int usage_error(enum regent_cli_cmd cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(enum regent_cli_cmd cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "regent %s: ", cmd_name(cmd));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fprintf(stderr, "Try 'regent %s --help'.\n", cmd_name(cmd));
	return REGENT_EXIT_USAGE;
}

/* unregister --contact URI: bare, as `regent query` prints it
 * (sip:bob@192.0.2.7:5060). A URI equal to one already given (RFC 3261
 * §19.1.4: host case, parameter order) names the same binding: kept once. */
static int add_contact(struct regent_cli_opts *o, enum regent_cli_cmd cmd, const char *uri)
{
	struct regent_uri u, v;
	struct regent_msg_error me;

	if (regent_uri_parse(&u, uri, strlen(uri), &me) != 0)
		return usage_error(cmd, "--contact: '%s' is not a URI (%s)", uri,
				   me.reason[0] ? me.reason : "bad URI");
	for (size_t k = 0; k < o->n_contacts; k++) {
		if (regent_uri_parse(&v, o->contacts[k], strlen(o->contacts[k]), NULL) == 0 &&
		    regent_uri_equal(&u, &v))
			return 0;
	}
	if (o->n_contacts == REGENT_MAX_REMOVE)
		return usage_error(cmd, "--contact: at most %d different URIs", REGENT_MAX_REMOVE);
	o->contacts[o->n_contacts++] = uri;
	return 0;
}

/* A whole decimal number within [min, max], or exit code 2 naming the flag. */
static int parse_u32(enum regent_cli_cmd cmd, const char *flag, const char *s, uint32_t min,
		     uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad : {
	char range[64];

	snprintf(range, sizeof(range), "%u..%u", (unsigned)min, (unsigned)max);
	return usage_error(cmd, "--%s: expected a whole number in %s", flag, range);
}
}

static int parse_transport(const char *s, enum regent_transport *tp)
{
	return regent_transport_parse(tp, s, strlen(s));
}

/* First line of a file, without its line end. */
static int read_password_file(const char *path, char **out)
{
	FILE *f;
	char buf[1024];
	size_t n;
	int err = 0;

	f = fopen(path, "r");
	if (!f)
		return errno;
	if (!fgets(buf, sizeof(buf), f)) {
		err = ferror(f) ? EIO : 0;
		buf[0] = '\0';
	}
	fclose(f);
	if (err)
		return err;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *out ? 0 : ENOMEM;
}

/* No-echo prompt on the controlling terminal. */
static int prompt_password(const char *aor, char **out)
{
	struct termios old, quiet;
	char buf[1024];
	int fd, err = 0;
	FILE *tty;
	size_t n;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	tty = fdopen(fd, "r+");
	if (!tty) {
		err = errno;
		close(fd);
		return err;
	}
	if (tcgetattr(fd, &old)) {
		err = errno;
		goto out;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fprintf(tty, "Password for %s (empty: none): ", aor);
	fflush(tty);
	if (tcsetattr(fd, TCSAFLUSH, &quiet)) {
		err = errno;
		goto out;
	}
	if (!fgets(buf, sizeof(buf), tty))
		buf[0] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!*out)
		err = ENOMEM;
out:
	fclose(tty);
	return err;
}

/* True for "user@host" without a scheme (a ':' only after the '@'). */
static bool needs_scheme(const char *aor)
{
	const char *at = strchr(aor, '@');
	const char *colon = strchr(aor, ':');

	if (!strncasecmp(aor, "sip:", 4) || !strncasecmp(aor, "sips:", 5))
		return false;
	return at && (!colon || colon > at);
}

static int append_contact_param(struct regent_cli_opts *o, const char *p)
{
	size_t have = o->contact_params ? strlen(o->contact_params) : 0;
	size_t add = strlen(p);
	char *n;

	while (*p == ';') {
		p++;
		add--;
	}
	n = realloc(o->contact_params, have + add + 2);
	if (!n)
		return ENOMEM;
	if (have)
		n[have++] = ';';
	memcpy(n + have, p, add + 1);
	o->contact_params = n;
	return 0;
}

/* Two --server: the AOR over two flows with one instance, reg-id 1 via
 * the first and 2 via the second (RFC 5626 §4.2, §5.3). Outbound needs a
 * +sip.instance that outlives the process (§4.1), so --instance-id is
 * required; the reg-ids are the CLI's. Each server is then a Registerer's
 * own outbound proxy, not the UA's. */
static int two_servers(struct regent_cli_opts *o, enum regent_cli_cmd cmd)
{
	if (cmd != REGENT_CLI_REGISTER)
		return usage_error(cmd, "--server: given twice; only 'regent register' registers "
					"over two flows");
	if (o->reg.instance_id == NULL)
		return usage_error(cmd, "--server given twice needs outbound (RFC 5626): give "
					"--instance-id UUID (the flows are reg-id 1 and 2 of that "
					"instance)");
	if (o->reg.reg_id != 0)
		return usage_error(cmd, "--reg-id: with two --server the reg-ids are 1 and 2, "
					"one per --server");
	if (o->contacts[0] != NULL || o->reg.contact_uri != NULL)
		return usage_error(cmd, "--contact: not with two --server (each flow has its "
					"own Contact)");
	o->ua.server = NULL;
	o->reg.reg_id = 1;
	return 0;
}

void regent_cli_opts_release(struct regent_cli_opts *o)
{
	free(o->contact_params);
	o->contact_params = NULL;
	if (o->password) {
		explicit_bzero(o->password, strlen(o->password));
		free(o->password);
		o->password = NULL;
	}
	free(o->aor);
	o->aor = NULL;
}

int regent_cli_opts_parse(struct regent_cli_opts *o, enum regent_cli_cmd cmd, int argc, char **argv)
{
	const char *password_arg = NULL, *password_file = NULL;
	int c, err;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	regent_ua_options_init(&o->ua);
	o->ua.watch_network = true; /* the CLI follows address changes (issue 13) */
	regent_registerer_options_init(&o->reg);
	o->unregister_timeout_ms = 5000;

	optind = 1;
	opterr = 0;
	/* leading ':': a missing value is told apart from an unknown flag */
	while ((c = getopt_long(argc, argv, ":vqh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_EXPIRES:
			err = parse_u32(cmd, "expires", optarg, 1, 2147483647u, &o->reg.expires);
			if (err)
				return err;
			break;
		case OPT_EXTRA_CONTACT_PARAM:
			if (o->n_contact_header_params == REGENT_CLI_MAX_LIST)
				return usage_error(cmd, "--extra-contact-param: at most %d times",
						   REGENT_CLI_MAX_LIST);
			o->contact_header_params[o->n_contact_header_params++] = optarg;
			break;
		case OPT_HEADER:
			if (o->n_headers == REGENT_CLI_MAX_LIST)
				return usage_error(cmd, "--header: at most %d times",
						   REGENT_CLI_MAX_LIST);
			if (!strchr(optarg, ':'))
				return usage_error(cmd, "--header: '%s' is not 'Name: value'",
						   optarg);
			/* headers regent writes itself are refused by the
			 * library (extra_headers), named as --header */
			o->headers[o->n_headers++] = optarg;
			break;
		case OPT_INSTANCE_ID:
			o->reg.instance_id = optarg;
			break;
		case OPT_LOG_CONFIGURATION:
			o->reg.log_configuration = true;
			break;
		case OPT_NO_LOG_CONFIGURATION:
			o->reg.log_configuration = false;
			break;
		case OPT_FROM_DISPLAY_NAME:
			o->reg.params.from_display_name = optarg;
			break;
		case OPT_FROM_TAG:
			o->reg.params.from_tag = optarg;
			break;
		case OPT_FROM_URI:
			o->reg.params.from_uri = optarg;
			break;
		case OPT_TO_DISPLAY_NAME:
			o->reg.params.to_display_name = optarg;
			break;
		case OPT_TO_URI:
			o->reg.params.to_uri = optarg;
			break;
		case OPT_REG_ID:
			err = parse_u32(cmd, "reg-id", optarg, 1, 2147483647u, &o->reg.reg_id);
			if (err)
				return err;
			break;
		case OPT_REGISTRAR:
			o->reg.registrar = optarg;
			break;
		case OPT_REFRESH_FREQUENCY:
			/* the range 50..99 is checked by the library, which names the field */
			err = parse_u32(cmd, "refresh-frequency", optarg, 0, 1000,
					&o->reg.refresh_frequency);
			if (err)
				return err;
			break;
		case OPT_AUTH_USER:
			o->ua.authorization_username = optarg;
			break;
		case OPT_PASSWORD:
			password_arg = optarg;
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_HA1:
			o->ua.authorization_ha1 = optarg;
			break;
		case OPT_DISPLAY_NAME:
			o->ua.display_name = optarg;
			break;
		case OPT_CONTACT_NAME:
			o->ua.contact_name = optarg;
			break;
		case OPT_CONTACT_PARAM:
			if (append_contact_param(o, optarg))
				return usage_error(cmd, "out of memory");
			break;
		case OPT_VIA_HOST:
			o->ua.via_host = optarg;
			break;
		case OPT_USER_AGENT:
			o->ua.user_agent_string = optarg;
			break;
		case OPT_SERVER:
			/* repeatable once: two flows (RFC 5626 §4.2), checked below */
			if (o->n_servers == 2)
				return usage_error(cmd, "--server: at most twice (two flows, "
							"reg-id 1 and 2)");
			o->servers[o->n_servers++] = optarg;
			o->ua.server = o->servers[0];
			break;
		case OPT_TRANSPORT:
			if (parse_transport(optarg, &o->ua.transport))
				return usage_error(cmd,
						   "--transport: '%s' is not one of "
						   "udp, tcp, tls, ws, wss",
						   optarg);
			break;
		case OPT_TLS_CA: {
			struct stat st;

			if (stat(optarg, &st))
				return usage_error(cmd, "--tls-ca: %s: %s", optarg,
						   strerror(errno));
			if (S_ISDIR(st.st_mode))
				o->ua.tls_ca_dir = optarg;
			else
				o->ua.tls_ca_file = optarg;
			break;
		}
		case OPT_TLS_INSECURE:
			o->ua.tls_insecure = true;
			break;
		case OPT_DNS_SERVER:
			o->ua.dns_server = optarg;
			break;
		case OPT_NO_WATCH_NETWORK:
			o->ua.watch_network = false;
			break;
		case OPT_NO_CONTACT_REWRITE: /* RFC 3581 learning, issue 13 */
			o->ua.contact_rewrite = REGENT_CONTACT_REWRITE_OFF;
			break;
		case OPT_KEEPALIVE:
			/* 0: auto (the library default), "off": none */
			if (strcmp(optarg, "off") == 0) {
				o->ua.keepalive_interval_s = REGENT_KEEPALIVE_OFF;
				break;
			}
			err = parse_u32(cmd, "keepalive", optarg, 0, 86400,
					&o->ua.keepalive_interval_s);
			if (err)
				return err;
			break;
		case OPT_T1:
			err = parse_u32(cmd, "t1", optarg, 10, 60000, &o->ua.t1_ms);
			if (err)
				return err;
			if (o->ua.t2_ms < o->ua.t1_ms)
				o->ua.t2_ms = o->ua.t1_ms;
			break;
		case OPT_RETRY_BASE:
			err = parse_u32(cmd, "retry-base", optarg, 1, 86400, &o->reg.retry_base_s);
			if (err)
				return err;
			break;
		case OPT_RETRY_MAX:
			err = parse_u32(cmd, "retry-max", optarg, 1, 86400, &o->reg.retry_max_s);
			if (err)
				return err;
			break;
		case OPT_FOR:
			if (cmd != REGENT_CLI_REGISTER)
				goto not_here;
			err = parse_u32(cmd, "for", optarg, 1, 31536000u, &o->for_s);
			if (err)
				return err;
			break;
		case OPT_ONCE:
			if (cmd != REGENT_CLI_REGISTER)
				goto not_here;
			o->once = true;
			break;
		case OPT_CHECK_REACH:
			if (cmd != REGENT_CLI_REGISTER)
				goto not_here;
			o->check_reach = true;
			break;
		case OPT_ALL:
			if (cmd != REGENT_CLI_UNREGISTER)
				goto not_here;
			o->all = true;
			break;
		case OPT_CONTACT:
			if (cmd == REGENT_CLI_REGISTER) {
				if (o->reg.contact_uri)
					return usage_error(cmd, "--contact: once for register");
				o->reg.contact_uri = optarg; /* the library checks it */
				break;
			}
			if (cmd != REGENT_CLI_UNREGISTER)
				goto not_here;
			err = add_contact(o, cmd, optarg);
			if (err)
				return err;
			break;
		case OPT_UNREGISTER_TIMEOUT:
			err = parse_u32(cmd, "unregister-timeout", optarg, 100, 600000,
					&o->unregister_timeout_ms);
			if (err)
				return err;
			break;
		case OPT_TIMEOUT:
			err = parse_u32(cmd, "timeout", optarg, 1, 3600, &o->timeout_s);
			if (err)
				return err;
			/* every transaction, instead of timer F (64*T1) */
			o->ua.transaction_timeout_ms = o->timeout_s * 1000u;
			break;
		case OPT_LOCAL_ADDRESS:
			o->ua.local_address = optarg; /* the library checks it */
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_ROUTE: /* the library checks each URI and ;lr, naming it */
			if (o->n_routes == 16)
				return usage_error(cmd, "--%s: at most 16 times%s", "route", "");
			o->routes[o->n_routes++] = optarg;
			break;
		case OPT_EXTRA_SUPPORTED:
			if (o->n_supported == 16)
				return usage_error(cmd, "--%s: at most 16 times%s",
						   "sip-extension-extra-supported", "");
			o->supported[o->n_supported++] = optarg;
			break;
		case OPT_RETRY_ON_REJECT:
		case OPT_NO_RETRY_ON_REJECT:
			o->reg.retry_on_reject = c == OPT_RETRY_ON_REJECT;
			break;
		case OPT_UNREGISTER_ALL_AT_EXIT:
			if (cmd != REGENT_CLI_REGISTER)
				goto not_here;
			o->unregister_all_at_exit = true;
			break;
		case OPT_MAX_UNREGISTERED:
			if (cmd != REGENT_CLI_REGISTER)
				goto not_here;
			err = parse_u32(cmd, "max-unregistered", optarg, 1, 31536000u,
					&o->max_unregistered_s);
			if (err)
				return err;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			regent_cli_opts_usage(cmd, stdout);
			return -1;
		case ':':
			/* a flag at the end of argv without its value: optopt is the
			 * flag's val for a long one, the letter for a short one */
			if (optopt >= 256)
				return usage_error(cmd, "option --%s needs a value",
						   opt_name(optopt));
			return usage_error(cmd, "option -%c needs a value", optopt);
		case '?':
		default:
			if (optopt > 0 && optopt < 256)
				return usage_error(cmd, "unknown option -%c", optopt);
			if (optopt >= 256) /* a value given to a flag that takes none */
				return usage_error(cmd, "option --%s takes no value",
						   opt_name(optopt));
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
		continue;
	not_here:
		return usage_error(cmd, "--%s is not an option of 'regent %s'", opt_name(c),
				   cmd_name(cmd));
	}

	if (o->n_servers == 2) {
		err = two_servers(o, cmd);
		if (err)
			return err;
	}
	if (o->all && o->n_contacts)
		return usage_error(cmd, "--all and --contact exclude each other");
	if (o->once && o->for_s)
		return usage_error(cmd, "--once and --for exclude each other");
	if (o->verbose && o->quiet)
		return usage_error(cmd, "-v and -q exclude each other");
	if (optind >= argc)
		return usage_error(cmd, "missing AOR (e.g. sip:alice@example.com)");
	if (optind + 1 < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);

	/* "alice@example.com" is taken as sip:alice@example.com */
	if (needs_scheme(argv[optind])) {
		if (asprintf(&o->aor, "sip:%s", argv[optind]) < 0) {
			o->aor = NULL;
			return usage_error(cmd, "out of memory");
		}
	} else {
		o->aor = strdup(argv[optind]);
		if (!o->aor)
			return usage_error(cmd, "out of memory");
	}
	o->ua.uri = o->aor;

	if (o->n_headers) {
		o->reg.extra_headers = o->headers;
		o->reg.extra_headers_count = o->n_headers;
	}
	if (o->n_contact_header_params) {
		o->reg.extra_contact_header_params = o->contact_header_params;
		o->reg.extra_contact_header_params_count = o->n_contact_header_params;
	}
	if (o->contact_params)
		o->ua.contact_params = o->contact_params;
	if (o->n_routes) { /* the library sends to the first route unless --server is set */
		o->ua.preloaded_route_set = o->routes;
		o->ua.preloaded_route_set_count = o->n_routes;
	}
	if (o->n_supported) {
		o->ua.extra_supported = o->supported;
		o->ua.extra_supported_count = o->n_supported;
	}

	/* The password: --password-file, REGENT_PASSWORD, --password (warned),
	 * or a no-echo prompt when a person is at a terminal. */
	if (password_file) {
		err = read_password_file(password_file, &o->password);
		if (err)
			return usage_error(cmd, "--password-file: %s: %s", password_file,
					   strerror(err));
	} else if (password_arg) {
		fprintf(stderr,
			"regent %s: warning: --password is visible to other users of this "
			"machine (ps, /proc); prefer REGENT_PASSWORD or --password-file\n",
			cmd_name(cmd));
		o->password = strdup(password_arg);
		if (!o->password)
			return usage_error(cmd, "out of memory");
	} else if (getenv("REGENT_PASSWORD")) {
		o->password = strdup(getenv("REGENT_PASSWORD"));
		if (!o->password)
			return usage_error(cmd, "out of memory");
	} else if (!o->ua.authorization_ha1 && isatty(STDIN_FILENO)) {
		if (prompt_password(o->aor, &o->password))
			o->password = NULL;
	}
	if (o->password && *o->password)
		o->ua.authorization_password = o->password;
	return 0;
}

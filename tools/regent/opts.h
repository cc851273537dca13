/*
 * opts — the identity, transport and output flags shared by `regent register`,
 * `regent unregister` and `regent query`: one flag per SIP.js RegistererOptions
 * and UserAgentOptions member (README has the table), parsed into the C
 * options structs of regent.h.
 */
#ifndef REGENT_CLI_OPTS_H
#define REGENT_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "regent.h"

/* Exit codes (documented in README and regent(1)). */
enum {
	REGENT_EXIT_OK = 0,
	REGENT_EXIT_REJECTED = 1,    /* final 4xx/5xx/6xx, authentication failed */
	REGENT_EXIT_USAGE = 2,	     /* usage or bad option */
	REGENT_EXIT_NETWORK = 3,     /* network, DNS or timeout */
	REGENT_EXIT_TLS = 4,	     /* TLS verification failed */
	REGENT_EXIT_UNREACHABLE = 5, /* register --once --check-reachability: registered,
				      * but the probe did not come back (issue 13) */
};

enum regent_cli_cmd {
	REGENT_CLI_REGISTER = 0,
	REGENT_CLI_UNREGISTER,
	REGENT_CLI_QUERY,
};

#define REGENT_CLI_MAX_LIST 32

struct regent_cli_opts {
	enum regent_cli_cmd cmd;
	struct regent_ua_options ua;
	struct regent_registerer_options reg;

	/* repeatable flags, pointing into argv */
	const char *headers[REGENT_CLI_MAX_LIST];
	size_t n_headers;
	const char *contact_header_params[REGENT_CLI_MAX_LIST];
	size_t n_contact_header_params;
	char *contact_params; /* --contact-param values joined with ';' (malloc) */
	char *aor;	      /* the AOR with its scheme (malloc) */
	char *password;	      /* from the environment, a file or the prompt (malloc) */

	/* behaviour */
	bool once;	  /* register: report and exit without unregistering */
	bool check_reach; /* register: --check-reachability once registered */
	uint32_t for_s;	  /* register: stay this long (0: until a signal) */
	bool all;	  /* unregister: every binding (Contact: *) */
	const char *contacts[REGENT_MAX_REMOVE]; /* unregister --contact, into argv */
	size_t n_contacts;
	uint32_t unregister_timeout_ms; /* bound of the final un-REGISTER */
	uint32_t timeout_s;		/* --timeout: bound of one exchange; 0 none */

	/* issue 11 §3, §3b */
	const char *routes[16]; /* --route URI (SIP.js preloadedRouteSet) */
	size_t n_routes;
	const char *supported[16]; /* --sip-extension-extra-supported TOKEN */
	size_t n_supported;
	bool unregister_all_at_exit; /* register: Contact: * at the end, same Call-ID */
	uint32_t max_unregistered_s; /* register: fail past this long unregistered */

	/* issue 13 item 3: --server given twice (register with an instance):
	 * one Registerer per server, reg-id 1 via servers[0], 2 via servers[1]
	 * (RFC 5626 §4.2, §5.3); with one, it is the UA's outbound proxy */
	const char *servers[2];
	size_t n_servers;

	/* output */
	bool json;
	bool verbose;
	bool quiet;
};

/* Parses argv (argv[0] is the subcommand name). Returns 0, or
 * REGENT_EXIT_USAGE after printing a message that names the flag; returns -1
 * after printing help (exit 0). Frees nothing on error: call
 * regent_cli_opts_release() in every case. */
int regent_cli_opts_parse(struct regent_cli_opts *o, enum regent_cli_cmd cmd, int argc,
			  char **argv);

void regent_cli_opts_release(struct regent_cli_opts *o);

/* text with the C field names of regent.h the library's validation names
 * (refresh_frequency) replaced by the flags (--refresh-frequency), into out. */
void regent_cli_flag_names(char *out, size_t n, const char *text);

/* Writes a bash completion script for regent, made from the option tables
 * (so that it cannot drift from them). */
/* A command's long options for the completion, written as "--a --b" (each
 * command prints from its own option table, so the script cannot drift). */
struct regent_cli_flags {
	const char *cmd;
	void (*print)(void *f); /* NULL: files only */
};
/* The bash completion script: the commands in the order given, each with
 * the flags its print() writes. */
void regent_cli_completion_bash(void *f, const struct regent_cli_flags *cmds, size_t n);
/* The flags of register / unregister / query, for the completion. */
void regent_cli_print_register_flags(void *f);
void regent_cli_print_unregister_flags(void *f);
void regent_cli_print_query_flags(void *f);

/* Prints the usage of `cmd` on f. */
void regent_cli_opts_usage(enum regent_cli_cmd cmd, void *f);

#endif /* REGENT_CLI_OPTS_H */

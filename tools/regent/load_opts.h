/*
 * load_opts — the options of `regent load`. Its own flags (accounts, pace,
 * sockets, shards, output, exit) are read here; every other flag is a
 * registration option of `regent register` and goes, unchanged, through
 * opts.c's parser (regent_cli_opts_parse), so the two commands cannot
 * drift apart: what `regent register` accepts applies to each account.
 */
#ifndef REGENT_LOAD_OPTS_H
#define REGENT_LOAD_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "opts.h"

#define LOAD_MAX_LOCAL_IPS 16

struct load_opts {
	struct regent_cli_opts reg; /* the `regent register` options */
	bool reg_parsed;

	/* accounts */
	const char *aor_tmpl, *users_file, *auth_user_tmpl;
	uint64_t first, count;
	bool have_count;
	/* shards: slice shard_i of shard_n */
	uint32_t shard_i, shard_n;
	/* pace */
	double rate, ramp_s, duration_s;
	bool have_duration, no_unregister;
	uint32_t window;
	uint64_t tick_us; /* --tick: how long new registrations may wait for a round */
	uint32_t stop_timeout_s;
	/* sockets */
	uint32_t sockets;
	const char *local_ips[LOAD_MAX_LOCAL_IPS];
	size_t n_local_ips;
	char *local_ip_buf; /* the --local-ip value split in place (malloc) */
	/* exit */
	double max_failures; /* a count, or a percentage with max_failures_pct */
	bool max_failures_pct;
	char max_failures_str[32];
	/* --merge FILE... */
	bool merge;
	char **merge_files; /* into argv (malloc'd array) */
	int n_merge;
	/* output */
	bool json, quiet;

	char **pass; /* argv for regent_cli_opts_parse (malloc'd array) */
	int n_pass;
	char *first_aor; /* (malloc) the first account's AOR: the register options are checked
			    against it */
};

/* 0; REGENT_EXIT_USAGE after a message; -1 after --help (exit 0). Call
 * load_opts_release() in every case. */
int load_opts_parse(struct load_opts *o, int argc, char **argv);
void load_opts_release(struct load_opts *o);
void load_opts_usage(void *f);
/* True when `failures` out of `attempted` is within --max-failures. */
bool load_opts_failures_ok(const struct load_opts *o, uint64_t failures, uint64_t attempted);

/* The options of `regent load` and the register options it passes on, for
 * the completion. */
void load_opts_print_flags(void *f);

#endif /* REGENT_LOAD_OPTS_H */

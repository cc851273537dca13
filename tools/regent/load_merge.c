/*
 * load_merge.c — `regent load --merge FILE...`: the --json reports of n
 * shards added into one. Each FILE is what `regent load --json` wrote (the
 * status objects, one a line, then the final report): its last
 * {"event":"final"} line is read. Counts add, histograms merge bucket by
 * bucket, so the merged percentiles are those of one run over all shards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_json.h"
#include "load_run.h"

/* The last line of the file that holds a final report. */
static int read_final(const char *path, struct load_stats *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	ssize_t n;
	struct load_json j;
	int err;

	if (!f)
		return errno;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (strstr(line, "\"event\":\"final\"")) {
			free(last);
			last = strdup(line);
		}
	}
	free(line);
	fclose(f);
	if (!last)
		return ENOENT;
	err = load_json_parse(&j, last, strlen(last), NULL);
	free(last);
	if (err)
		return err;
	err = load_stats_from_json(s, &j);
	load_json_free(&j);
	return err;
}

int load_merge(const struct load_opts *o)
{
	struct load_stats *total = malloc(sizeof(*total)), *one = malloc(sizeof(*one));
	struct load_report rp;
	int code = REGENT_EXIT_OK;

	if (!total || !one) {
		free(total);
		free(one);
		fputs("regent load --merge: out of memory\n", stderr);
		return REGENT_EXIT_NETWORK;
	}
	load_stats_init(total);
	total->shards = 0;
	for (int i = 0; i < o->n_merge; i++) {
		int err = read_final(o->merge_files[i], one);

		if (err) {
			fprintf(stderr, "regent load --merge: %s: %s\n", o->merge_files[i],
				err == ENOENT	? "no final report ({\"event\":\"final\",...})"
				: err == EINVAL ? "not a report of regent load --json"
						: strerror(err));
			code = REGENT_EXIT_USAGE;
			break;
		}
		load_stats_merge(total, one);
	}
	if (code == REGENT_EXIT_OK) {
		code = load_exit_code(o, total);
		load_report_init(&rp, o->json, o->quiet, 0);
		load_report_final(&rp, total, o->max_failures_str, code);
	}
	free(total);
	free(one);
	return code;
}

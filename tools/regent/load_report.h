/*
 * load_report — what `regent load` shows while it runs and at the end: on
 * a terminal one status line redrawn each second; with --json one JSON
 * object a second ({"event":"status",...}) and the final report
 * ({"event":"final",...}, load_stats.h) on stdout; else the final report
 * as text.
 */
#ifndef REGENT_LOAD_REPORT_H
#define REGENT_LOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "load_stats.h"

struct load_report {
	bool json, tty, quiet;
	FILE *out;
	uint64_t t0_us;
	uint64_t last_us, last_registered, last_cpu_us;
	bool shown; /* a status line is on screen */
};

void load_report_init(struct load_report *rp, bool json, bool quiet, uint64_t now_us);
/* Once a second: the status line or object. */
void load_report_tick(struct load_report *rp, const struct load_stats *s, uint64_t now_us,
		      uint64_t cpu_us);
/* Erases the status line (before other output). */
void load_report_clear(struct load_report *rp);
void load_report_final(struct load_report *rp, const struct load_stats *s, const char *max_failures,
		       int exit_code);

#endif /* REGENT_LOAD_REPORT_H */

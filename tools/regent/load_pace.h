/*
 * load_pace — how fast `regent load` starts new registrations: a token
 * bucket filled at --rate R per second (a 20 ms burst at most), the rate
 * rising linearly from R/100 to R over the first --ramp S seconds. The
 * window (--window W transactions in flight) is checked by the caller.
 */
#ifndef REGENT_LOAD_PACE_H
#define REGENT_LOAD_PACE_H

#include <stdint.h>

struct load_pace {
	double rate;   /* per second, at full speed */
	double ramp_s; /* 0: full speed at once */
	double tokens, burst;
	uint64_t t0_us, last_us;
};

void load_pace_init(struct load_pace *p, double rate, double ramp_s, uint64_t now_us);
/* The rate in force at now. */
double load_pace_rate_now(const struct load_pace *p, uint64_t now_us);
/* Takes up to `want` tokens; returns how many it took. */
uint64_t load_pace_take(struct load_pace *p, uint64_t now_us, uint64_t want);
/* Microseconds until the next token (0: one is there now). */
uint64_t load_pace_wait_us(struct load_pace *p, uint64_t now_us);

#endif /* REGENT_LOAD_PACE_H */

/*
 * load_pace.c — token bucket with a linear ramp (see load_pace.h).
 */
#include "load_pace.h"

void load_pace_init(struct load_pace *p, double rate, double ramp_s, uint64_t now_us)
{
	p->rate = rate;
	p->ramp_s = ramp_s;
	p->burst = rate / 50.0 > 1.0 ? rate / 50.0 : 1.0;
	p->tokens = 1.0; /* the first registration goes at once */
	p->t0_us = p->last_us = now_us;
}

double load_pace_rate_now(const struct load_pace *p, uint64_t now_us)
{
	double t = (double)(now_us - p->t0_us) / 1e6, f;

	if (p->ramp_s <= 0 || t >= p->ramp_s)
		return p->rate;
	f = t / p->ramp_s;
	return p->rate * (f > 0.01 ? f : 0.01);
}

static void refill(struct load_pace *p, uint64_t now_us)
{
	double dt;

	if (now_us <= p->last_us)
		return;
	dt = (double)(now_us - p->last_us) / 1e6;
	/* the rate at the middle of the interval: exact for a linear ramp */
	p->tokens += dt * load_pace_rate_now(p, p->last_us + (now_us - p->last_us) / 2);
	if (p->tokens > p->burst)
		p->tokens = p->burst;
	p->last_us = now_us;
}

uint64_t load_pace_take(struct load_pace *p, uint64_t now_us, uint64_t want)
{
	uint64_t have;

	refill(p, now_us);
	have = p->tokens >= 1.0 ? (uint64_t)p->tokens : 0;
	if (have > want)
		have = want;
	p->tokens -= (double)have;
	return have;
}

uint64_t load_pace_wait_us(struct load_pace *p, uint64_t now_us)
{
	double r;

	refill(p, now_us);
	if (p->tokens >= 1.0)
		return 0;
	r = load_pace_rate_now(p, now_us);
	return (uint64_t)((1.0 - p->tokens) / r * 1e6) + 1;
}

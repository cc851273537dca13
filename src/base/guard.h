/*
 * guard — the one callback-safety pattern of libregent.
 *
 * Every object whose code calls out to a user callback (or to a handler that
 * may reach one) can be freed from inside that callback: the UA (and with it
 * its Registerers), the I/O edge, a connection. Each such object, or the
 * owner of a list of them, holds one struct regent_guard:
 *
 *   - every entry point that may call out does regent_guard_enter() first
 *     and, when it returns, regent_guard_leave(); when leave() says so (the
 *     outermost call, and a free was asked meanwhile), it frees for real;
 *   - the public free calls regent_guard_doom(): true means "nobody is
 *     inside, free now"; false means "a call is on the stack: mark it and let
 *     the outermost leave() free it" (an owner keeps the doomed objects of
 *     its list on a list of its own until then);
 *   - code that called out checks regent_guard_doomed() before it touches
 *     the object's state again, and stops if so.
 *
 * The object's memory therefore never goes while a frame on the stack still
 * points at it, and no callback ever runs for a doomed object.
 */
#ifndef REGENT_BASE_GUARD_H
#define REGENT_BASE_GUARD_H

#include <stdbool.h>

struct regent_guard {
	unsigned depth; /* entry points on the stack */
	bool doomed;	/* a free was asked */
};

static inline void regent_guard_enter(struct regent_guard *g)
{
	g->depth++;
}

/* True when the caller must free the object now. */
static inline bool regent_guard_leave(struct regent_guard *g)
{
	return --g->depth == 0 && g->doomed;
}

/* Asks for the object to be freed. True: free it now (nobody is inside). */
static inline bool regent_guard_doom(struct regent_guard *g)
{
	g->doomed = true;
	return g->depth == 0;
}

static inline bool regent_guard_doomed(const struct regent_guard *g)
{
	return g->doomed;
}

static inline bool regent_guard_busy(const struct regent_guard *g)
{
	return g->depth > 0;
}

#endif /* REGENT_BASE_GUARD_H */

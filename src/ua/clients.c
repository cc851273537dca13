/*
 * clients — the objects a UA hosts (its Registerers, through the handler
 * table of ua/ua.h, in the list of the flow each is bound to) and the core
 * entry points that feed them: responses and the clock (flow changes are
 * flows.c's). Each entry point holds the UA's guard
 * (src/base/guard.h); clients freed meanwhile are destroyed when it is left.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"
#include "ua/ua_int.h"

/* ------------------------------------------------------------ the list */

/* The entries a UA of n clients has room for beyond one per client: a
 * completed transaction absorbing retransmissions for T4 after each
 * exchange (RFC 3261 §17.1.2.2, UDP only) and the rare reachability
 * probe. An eighth of the clients: what a load client keeping 100,000
 * registrations refreshes in a few seconds; past that a completed
 * transaction is not kept, and a retransmitted response to it is dropped
 * as unmatched (§18.1.2) instead of absorbed: the same outcome, counted.
 * Two slots a client cost 157 bytes a registration at 100,000. */
static size_t spare_pool(size_t n)
{
	return n / 8 > 16 ? n / 8 : 16;
}

int regent_ua_client_attach(struct regent_ua *ua, struct regent_ua_client *c,
			    const struct regent_ua_client_ops *ops, uint32_t flow)
{
	size_t n = ua->nclients + 1;
	struct regent_ua_flow *fl;

	if (regent_guard_doomed(&ua->guard))
		return EPERM;
	if (flow >= ua->nflows)
		return EINVAL;
	/* one transaction per client (the one in flight) and the spare pool
	 * for the rest (see regent_ua_track) */
	if (regent_ua_heap_reserve(&ua->timers, n) != 0 ||
	    regent_ua_txmap_reserve(&ua->txns, n + spare_pool(n)) != 0)
		return ENOMEM;
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->flow = flow;
	c->timer.key = UINT64_MAX;
	fl = &ua->flows[flow];
	c->next = fl->clients;
	if (fl->clients != NULL)
		fl->clients->prev = c;
	fl->clients = c;
	ua->nclients++;
	return 0;
}

static void unlink_client(struct regent_ua *ua, struct regent_ua_client *c)
{
	struct regent_ua_flow *fl = &ua->flows[c->flow];

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		fl->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	ua->nclients--;
	/* the last client of a flow to another registrar: nobody needs the
	 * connection any more (flow 0 stays, as it always did) */
	if (c->flow != 0 && fl->clients == NULL)
		regent_ua_flow_close(ua, c->flow);
}

void regent_ua_client_free(struct regent_ua *ua, struct regent_ua_client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	regent_ua_heap_set(&ua->timers, &c->timer, UINT64_MAX);
	if (!regent_guard_busy(&ua->guard)) {
		unlink_client(ua, c);
		c->ops->destroy(c);
		return;
	}
	/* inside a call: destroyed when the outermost one returns */
	c->dead_next = ua->dead;
	ua->dead = c;
}

bool regent_ua_client_alive(const struct regent_ua *ua, const struct regent_ua_client *c)
{
	return !c->dead && !regent_guard_doomed(&ua->guard);
}

void regent_ua_schedule(struct regent_ua *ua, struct regent_ua_client *c, uint64_t deadline)
{
	regent_ua_heap_set(&ua->timers, &c->timer, c->dead ? UINT64_MAX : deadline);
}

int regent_ua_track(struct regent_ua *ua, const char *branch, struct regent_ua_client *c)
{
	if (c->ntracked > 0) {
		if (ua->spare_used >= spare_pool(ua->nclients) || c->ntracked == UINT8_MAX)
			return ENOBUFS;
		ua->spare_used++;
	}
	c->ntracked++;
	regent_ua_txmap_put(&ua->txns, branch, c);
	return 0;
}

void regent_ua_untrack(struct regent_ua *ua, const char *branch)
{
	struct regent_ua_client *c = regent_ua_txmap_del(&ua->txns, branch);

	if (c == NULL)
		return;
	if (--c->ntracked > 0)
		ua->spare_used--;
}

void regent_ua_enter(struct regent_ua *ua)
{
	regent_guard_enter(&ua->guard);
}

void regent_ua_leave(struct regent_ua *ua)
{
	bool free_ua = regent_guard_leave(&ua->guard);

	if (regent_guard_busy(&ua->guard))
		return;
	while (ua->dead != NULL) {
		struct regent_ua_client *c = ua->dead;

		ua->dead = c->dead_next;
		unlink_client(ua, c);
		c->ops->destroy(c);
	}
	if (free_ua)
		regent_ua_destroy(ua);
}

/* ------------------------------------------------------------ entry points */

static bool usable(const struct regent_ua *ua)
{
	return ua != NULL && !regent_guard_doomed(&ua->guard);
}

void regent_ua_edge_recv(struct regent_ua *ua, uint32_t f, const char *buf, size_t len)
{
	struct regent_msg *m = NULL;
	struct regent_msg_error perr;
	struct regent_msg_iter it;
	struct regent_via via;
	struct regent_pl method;
	struct regent_ua_client *c;
	uint32_t cseq;
	bool taken = false;

	if (!usable(ua) || buf == NULL)
		return;
	ua->stats.msgs_recv++;
	ua->stats.bytes_recv += len;
	regent_ua_trace_msg(ua, &ua->flows[f].fi, false, buf, len); /* dropped ones too */
	memset(&perr, 0, sizeof(perr));
	if (regent_msg_parse(&m, buf, len, NULL, &perr) != 0) {
		regent_ua_dropped(ua, &ua->flows[f].fi, true,
				  perr.reason[0] ? perr.reason : "not a SIP message", buf, len);
		return;
	}
	memset(&it, 0, sizeof(it));
	if (regent_msg_is_request(m) || regent_msg_via_next(m, &it, &via) != 0 ||
	    regent_msg_cseq(m, &cseq, &method) != 0) {
		/* requests are the edge's business (OPTIONS keep-alive etc.) */
		const char *why = regent_msg_is_request(m) ? "a request" : "no usable Via or CSeq";

		regent_msg_free(m);
		regent_ua_dropped(ua, &ua->flows[f].fi, false, why, buf, len);
		return;
	}
	if (ua->edge_ops != NULL && ua->edge_ops->response != NULL)
		ua->edge_ops->response(ua->edge, f, cseq, regent_msg_status(m));
	regent_ua_enter(ua);
	/* the candidates by branch, not every client (RFC 3261 §17.1.3
	 * matching is done by the transaction) */
	for (size_t k = 0; !taken && usable(ua) &&
			   (c = regent_ua_txmap_find(&ua->txns, via.branch, &k)) != NULL;) {
		if (!c->dead)
			taken = c->ops->recv(c, m, via.branch, method);
	}
	regent_msg_free(m);
	if (!taken && usable(ua))
		regent_ua_dropped(ua, &ua->flows[f].fi, false,
				  "no transaction of ours (Via branch, CSeq method)", buf, len);
	regent_ua_leave(ua);
}

void regent_ua_recv(struct regent_ua *ua, const char *buf, size_t len)
{
	regent_ua_edge_recv(ua, 0, buf, len);
}

static struct regent_ua_client *client_of_timer(struct regent_ua_heap_node *nd)
{
	return (struct regent_ua_client *)(void *)((char *)nd -
						   offsetof(struct regent_ua_client, timer));
}

void regent_ua_process(struct regent_ua *ua)
{
	size_t n;
	uint64_t now;

	/* a call from inside one of our callbacks: the outer call goes on */
	if (!usable(ua) || ua->processing)
		return;
	now = regent_ua_now(ua);
	regent_ua_enter(ua);
	ua->processing = true;
	/* Everything due leaves the heap first, so each client runs once per
	 * call even if it stays due, and none waits behind it. The list is
	 * read through ua->timers each time: a callback that makes a new
	 * client may move it (realloc keeps what it held). */
	n = regent_ua_heap_take_due(&ua->timers, now);
	for (size_t i = 0; i < n && usable(ua); i++) {
		struct regent_ua_client *c = client_of_timer(ua->timers.due[i]);

		if (!c->dead)
			c->ops->process(c, now);
	}
	ua->processing = false;
	regent_ua_leave(ua);
}

#ifdef REGENT_CHECK_INVARIANTS
/* The sanitizer build of the tests proves at every quiet point that the
 * heap holds exactly every client's deadline, with the earliest on top.
 * O(n) a call: never in a build anyone ships. */
static void check_heap(const struct regent_ua *ua)
{
	const struct regent_ua_heap_node *top = regent_ua_heap_top(&ua->timers);
	uint64_t min = UINT64_MAX;
	size_t in_heap = 0;

	for (uint32_t f = 0; f < ua->nflows; f++) {
		for (const struct regent_ua_client *c = ua->flows[f].clients; c != NULL;
		     c = c->next) {
			uint64_t d = c->dead ? UINT64_MAX : c->ops->deadline(c);

			if (d != c->timer.key || (d == UINT64_MAX) != (c->timer.pos == 0) ||
			    c->flow != f)
				abort();
			in_heap += c->timer.pos != 0;
			min = d < min ? d : min;
		}
	}
	if (in_heap != ua->timers.n || min != (top != NULL ? top->key : UINT64_MAX))
		abort();
}
#endif

uint64_t regent_ua_next_deadline(struct regent_ua *ua)
{
	const struct regent_ua_heap_node *top;

	if (!usable(ua))
		return UINT64_MAX;
#ifdef REGENT_CHECK_INVARIANTS
	if (!regent_guard_busy(&ua->guard))
		check_heap(ua);
#endif
	top = regent_ua_heap_top(&ua->timers);
	return top != NULL ? top->key : UINT64_MAX;
}

size_t regent_ua_clients(struct regent_ua *ua, struct regent_ua_client **out, size_t max)
{
	size_t n = 0;

	/* every flow's list: a stop (reg/stop.c) reaches every Registerer */
	for (uint32_t f = 0; f < ua->nflows; f++) {
		for (struct regent_ua_client *c = ua->flows[f].clients; c != NULL; c = c->next) {
			if (c->dead)
				continue;
			if (n < max)
				out[n] = c;
			n++;
		}
	}
	return n;
}

struct regent_ua_stats *regent_ua_counters(struct regent_ua *ua)
{
	return &ua->stats;
}

void regent_ua_stats(const struct regent_ua *ua, struct regent_ua_stats *st)
{
	if (st == NULL)
		return;
	if (ua == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = ua->stats;
}

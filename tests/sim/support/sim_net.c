/*
 * sim_net — seeded lossy datagram network (see sim_net.h).
 *
 * In-flight datagrams sit in one list sorted by delivery time, ties kept in
 * insertion order. A handful are in flight at once, so a sorted list beats a
 * heap on simplicity; the list is capped so that a runaway sender cannot make
 * the simulation allocate without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_net.h"
#include "sim_rng.h"

enum { SIM_NET_MAX_IN_FLIGHT = 4096 };

struct sim_net {
	struct sim_rng rng;
	struct sim_link link[2];
	struct sim_net_stats st[2];
	uint64_t next_seq[2];
	uint64_t max_delivered_seq[2]; /* +1, 0: none yet */
	struct sim_packet *head;
	size_t in_flight;
};

int sim_net_alloc(struct sim_net **np, uint64_t seed)
{
	struct sim_net *net = calloc(1, sizeof(*net));

	if (net == NULL)
		return ENOMEM;
	/* A stream of its own: the UA's randomness does not shift the losses. */
	sim_rng_seed(&net->rng, seed ^ 0x6e65742d6e65742dULL);
	*np = net;
	return 0;
}

void sim_net_free(struct sim_net *net)
{
	if (net == NULL)
		return;
	sim_net_flush(net);
	free(net);
}

struct sim_link *sim_net_link(struct sim_net *net, enum sim_dir dir)
{
	return &net->link[dir];
}

static void insert(struct sim_net *net, struct sim_packet *pk)
{
	struct sim_packet **pp = &net->head;

	/* Stable: after every packet due at the same time. */
	while (*pp != NULL && (*pp)->deliver_at <= pk->deliver_at)
		pp = &(*pp)->next;
	pk->next = *pp;
	*pp = pk;
	net->in_flight++;
}

static int enqueue(struct sim_net *net, enum sim_dir dir, uint64_t now, uint64_t seq,
		   const void *buf, size_t len)
{
	const struct sim_link *l = &net->link[dir];
	struct sim_packet *pk;
	uint64_t delay = l->delay_ms;

	if (net->in_flight >= SIM_NET_MAX_IN_FLIGHT) {
		net->st[dir].overflow++;
		return 0;
	}
	if (l->jitter_ms > 0)
		delay += sim_rng_below(&net->rng, (uint64_t)l->jitter_ms + 1);
	if (l->reorder_ms > 0 && sim_rng_permille(&net->rng, l->reorder_permille))
		delay += 1 + sim_rng_below(&net->rng, l->reorder_ms);

	pk = malloc(sizeof(*pk) + len);
	if (pk == NULL)
		return ENOMEM;
	pk->next = NULL;
	pk->dir = dir;
	pk->deliver_at = now + delay;
	pk->seq = seq;
	pk->len = len;
	memcpy(pk->data, buf, len);
	insert(net, pk);
	return 0;
}

int sim_net_send(struct sim_net *net, enum sim_dir dir, uint64_t now, const void *buf, size_t len)
{
	const struct sim_link *l = &net->link[dir];
	uint64_t seq = net->next_seq[dir]++;
	int err;

	net->st[dir].sent++;
	if (l->partitioned || sim_rng_permille(&net->rng, l->loss_permille)) {
		net->st[dir].lost++;
		return 0;
	}
	err = enqueue(net, dir, now, seq, buf, len);
	if (err)
		return err;
	if (sim_rng_permille(&net->rng, l->dup_permille)) {
		net->st[dir].duplicated++;
		err = enqueue(net, dir, now, seq, buf, len);
	}
	return err;
}

uint64_t sim_net_next(const struct sim_net *net)
{
	return net->head != NULL ? net->head->deliver_at : UINT64_MAX;
}

struct sim_packet *sim_net_pop(struct sim_net *net, uint64_t now)
{
	struct sim_packet *pk;
	struct sim_net_stats *st;

	while ((pk = net->head) != NULL && pk->deliver_at <= now) {
		net->head = pk->next;
		net->in_flight--;
		pk->next = NULL;
		st = &net->st[pk->dir];
		if (net->link[pk->dir].partitioned) {
			/* Cut while in flight: it never arrives. */
			st->lost++;
			free(pk);
			continue;
		}
		st->delivered++;
		if (pk->seq + 1 < net->max_delivered_seq[pk->dir])
			st->reordered++;
		if (pk->seq + 1 > net->max_delivered_seq[pk->dir])
			net->max_delivered_seq[pk->dir] = pk->seq + 1;
		return pk;
	}
	return NULL;
}

void sim_net_flush(struct sim_net *net)
{
	while (net->head != NULL) {
		struct sim_packet *pk = net->head;

		net->head = pk->next;
		net->st[pk->dir].lost++;
		free(pk);
	}
	net->in_flight = 0;
}

size_t sim_net_in_flight(const struct sim_net *net)
{
	return net->in_flight;
}

void sim_net_stats(const struct sim_net *net, enum sim_dir dir, struct sim_net_stats *st)
{
	*st = net->st[dir];
}

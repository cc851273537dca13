/*
 * sim_net — a simulated datagram network between the UA and the registrar.
 *
 * Two directions (SIM_UP: UA → registrar, SIM_DOWN: registrar → UA), each
 * with its own loss, duplication, delay, jitter, reordering and partition.
 * Every decision is drawn from the network's own seeded generator, so a run
 * is a pure function of its seed and of what is sent when. Time is the
 * caller's virtual time in milliseconds; the network never reads a clock.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_dir { SIM_UP = 0, SIM_DOWN = 1 };

struct sim_link {
	uint32_t loss_permille;	   /* share of datagrams lost */
	uint32_t dup_permille;	   /* share of datagrams delivered twice */
	uint32_t delay_ms;	   /* base one-way delay */
	uint32_t jitter_ms;	   /* plus uniform [0, jitter_ms] */
	uint32_t reorder_permille; /* share held back by up to reorder_ms more */
	uint32_t reorder_ms;
	bool partitioned; /* drop everything (a cut cable) */
};

struct sim_net_stats {
	uint64_t sent;	     /* datagrams handed to the network */
	uint64_t lost;	     /* dropped by loss or partition */
	uint64_t duplicated; /* extra copies created */
	uint64_t delivered;  /* copies delivered (duplicates included) */
	uint64_t reordered;  /* delivered after a datagram sent later */
	uint64_t overflow;   /* dropped because too many were in flight */
};

struct sim_packet {
	struct sim_packet *next;
	enum sim_dir dir;
	uint64_t deliver_at;
	uint64_t seq; /* send order within its direction */
	size_t len;
	char data[];
};

struct sim_net;

int sim_net_alloc(struct sim_net **np, uint64_t seed);
void sim_net_free(struct sim_net *net);

/* The link parameters of one direction; change them at any time. */
struct sim_link *sim_net_link(struct sim_net *net, enum sim_dir dir);

/* Hands one datagram to the network at time now. 0 or ENOMEM. A lost
 * datagram still returns 0: UDP does not tell the sender. */
int sim_net_send(struct sim_net *net, enum sim_dir dir, uint64_t now, const void *buf, size_t len);

/* Time of the next delivery (absolute ms), UINT64_MAX if nothing in flight. */
uint64_t sim_net_next(const struct sim_net *net);

/* Takes the earliest datagram due at or before now (ties in send order);
 * NULL if none. The caller frees it with free(). */
struct sim_packet *sim_net_pop(struct sim_net *net, uint64_t now);

/* Drops everything in flight (counted as lost). */
void sim_net_flush(struct sim_net *net);

size_t sim_net_in_flight(const struct sim_net *net);
void sim_net_stats(const struct sim_net *net, enum sim_dir dir, struct sim_net_stats *st);

#endif /* SIM_NET_H */

/*
 * netwatch — the kernel's address and route changes (rtnetlink), so that
 * the edge can re-register over a new flow when the network changes
 * (issue 13 item 6; regent_ua_network_changed()). Non-blocking, driven like
 * the rest of src/net: an fd to poll, a deadline, a process call. Bursts
 * (a DHCP renewal adds an address, a route, removes the old ones) are
 * reported once, after `quiet_ms` without a new event.
 */
#ifndef REGENT_NET_NETWATCH_H
#define REGENT_NET_NETWATCH_H

#include <stdbool.h>
#include <stdint.h>

#define REGENT_NETWATCH_QUIET_MS 500u

struct regent_netwatch;

/* Opens a NETLINK_ROUTE socket subscribed to IPv4/IPv6 address and route
 * changes. quiet_ms 0: REGENT_NETWATCH_QUIET_MS. 0 or an errno. */
int regent_netwatch_open(struct regent_netwatch **wp, uint32_t quiet_ms);
void regent_netwatch_close(struct regent_netwatch *w);

/* The fd to watch for readability. */
int regent_netwatch_fd(const struct regent_netwatch *w);
/* When process() must run even without readability; UINT64_MAX: never. */
uint64_t regent_netwatch_deadline(const struct regent_netwatch *w);
/* Drains the socket (bounded) and returns true once per burst of changes,
 * when quiet_ms have passed since its last event. */
bool regent_netwatch_process(struct regent_netwatch *w, uint64_t now);
/* Events seen since open (for logs and tests). */
uint64_t regent_netwatch_events(const struct regent_netwatch *w);

#endif /* REGENT_NET_NETWATCH_H */

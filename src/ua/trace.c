/*
 * trace — what the UA says about the traffic of its flow: each message sent
 * or received traced with its direction and addresses ("UDP
 * 127.0.0.1:47200 -> 127.0.0.1:5060"), each received message dropped
 * unused counted, logged with the reason and the peer and handed to the
 * application's drop_h; and what the I/O edge tells of the flow it tries,
 * so that an event of a local failure names it (struct regent_event).
 */
#include <stdio.h>
#include <string.h>

#include "ua/ua_int.h"

/* "UDP 127.0.0.1:47200 -> 127.0.0.1:5060", the arrow the way it went. */
static void direction(const struct regent_flow_info *fi, bool out, char *buf, size_t n)
{
	const char *fmt_l = strchr(fi->local_host, ':') ? "[%s]:%u" : "%s:%u";
	const char *fmt_p = strchr(fi->peer_host, ':') ? "[%s]:%u" : "%s:%u";
	char l[80], p[80];

	snprintf(l, sizeof(l), fmt_l, fi->local_host[0] ? fi->local_host : "?",
		 (unsigned)fi->local_port);
	snprintf(p, sizeof(p), fmt_p, fi->peer_host[0] ? fi->peer_host : "?",
		 (unsigned)fi->peer_port);
	snprintf(buf, n, "%s %s -> %s", regent_transport_name(fi->transport), out ? l : p,
		 out ? p : l);
}

void regent_ua_trace_msg(const struct regent_ua *ua, const struct regent_flow_info *fi, bool out,
			 const char *buf, size_t len)
{
	char d[200];

	if (ua->log.h == NULL || ua->log.level < REGENT_LOG_TRACE)
		return;
	direction(fi, out, d, sizeof(d));
	regent_ua_log(ua, REGENT_LOG_TRACE, "%s %s, %zu bytes:\n%.*s", out ? "send" : "recv", d,
		      len, (int)len, buf);
}

/* A flood of junk must not flood the log: the first 16 of a kind, then
 * every power of two. */
static bool worth_logging(uint64_t n)
{
	return n <= 16 || (n & (n - 1)) == 0;
}

void regent_ua_dropped(struct regent_ua *ua, const struct regent_flow_info *fi, bool malformed,
		       const char *reason, const char *buf, size_t len)
{
	uint64_t n = malformed ? ++ua->stats.malformed_dropped : ++ua->stats.unmatched_dropped;
	struct regent_drop d;
	char dir[200];

	direction(fi, false, dir, sizeof(dir));
	if (worth_logging(n))
		regent_ua_log(ua, REGENT_LOG_DEBUG, "dropped %s response #%llu (%s): %s",
			      malformed ? "a malformed" : "an unmatched", (unsigned long long)n,
			      dir, reason);
	if (ua->drop_h == NULL)
		return;
	memset(&d, 0, sizeof(d));
	d.malformed = malformed;
	d.reason = reason;
	d.transport = fi->transport;
	d.peer_host = fi->peer_host;
	d.peer_port = fi->peer_port;
	d.msg = buf;
	d.msg_len = len;
	regent_ua_enter(ua);
	ua->drop_h(&d, ua->drop_arg);
	regent_ua_leave(ua);
}

void regent_ua_note_flow(struct regent_ua *ua, uint32_t f, enum regent_transport tp,
			 const char *peer_host, uint16_t peer_port, const char *dns_name)
{
	struct regent_ua_tried *t;

	if (ua == NULL || f >= ua->nflows)
		return;
	t = &ua->flows[f].tried;
	t->set = true;
	t->transport = tp;
	snprintf(t->peer_host, sizeof(t->peer_host), "%s", peer_host ? peer_host : "");
	t->peer_port = peer_port;
	snprintf(t->dns_name, sizeof(t->dns_name), "%s", dns_name ? dns_name : "");
	t->detail[0] = '\0';
}

void regent_ua_note_detail(struct regent_ua *ua, uint32_t f, const char *detail)
{
	if (ua != NULL && f < ua->nflows)
		snprintf(ua->flows[f].tried.detail, sizeof(ua->flows[f].tried.detail), "%s",
			 detail ? detail : "");
}

void regent_ua_event_flow(const struct regent_ua *ua, const struct regent_ua_client *c,
			  struct regent_event *ev)
{
	const struct regent_ua_flow *fl = &ua->flows[c->flow];
	const struct regent_ua_tried *t = &fl->tried;

	if (t->set) {
		ev->flow_transport = t->transport;
		ev->flow_peer_host = t->peer_host;
		ev->flow_peer_port = t->peer_port;
		ev->dns_name = t->dns_name;
		ev->detail = t->detail;
		return;
	}
	/* a core-only UA: what its host told of the last flow up */
	ev->flow_transport = fl->fi.transport;
	ev->flow_peer_host = fl->fi.peer_host;
	ev->flow_peer_port = fl->fi.peer_port;
	ev->dns_name = "";
	ev->detail = "";
}

const struct regent_flow_info *regent_ua_edge_flow_info(const struct regent_ua *ua, uint32_t f)
{
	return &ua->flows[f < ua->nflows ? f : 0].fi;
}

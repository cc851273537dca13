/*
 * conn_ka — the keep-alives of one flow and the check of their answers
 * (RFC 5626 §4.4): CRLFCRLF ping / CRLF pong on TCP/TLS (§4.4.1), ping /
 * pong frames on WS/WSS (RFC 6455 §5.5.2), STUN Binding requests on UDP
 * (§4.4.2, RFC 5389) with the mapped address reported, and the fallback to
 * unchecked CRLFCRLF datagrams for a UDP peer that does not speak STUN.
 * The rules and their bounds are said at struct regent_conn_options
 * (src/net/net.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "msg/stun.h"
#include "net/conn_int.h"
#include "net/net.h"

void regent_conn_options_init(struct regent_conn_options *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 5000;
	o->max_msg = 65536;
	o->pong_timeout_ms = REGENT_CONN_PONG_TIMEOUT_MS;
	o->stun_rto_ms = REGENT_CONN_STUN_RTO_MS;
	o->stun_fallback_rounds = REGENT_CONN_STUN_FALLBACK_ROUNDS;
}

static uint64_t interval_ms(const struct regent_conn *c)
{
	return (uint64_t)c->o.keepalive_interval_s * 1000;
}

void regent_conn_ka_start(struct regent_conn *c)
{
	c->ka.wait = c->ka.rtx = UINT64_MAX;
	c->ka.next = c->o.keepalive_interval_s ? c->now + interval_ms(c) : UINT64_MAX;
	/* STUN needs an answer check and a random source for its ids */
	c->ka.stun = !c->stream && c->o.pong_timeout_ms && c->o.env && c->o.env->random;
}

int regent_conn_set_keepalive(struct regent_conn *c, uint32_t interval_s, uint64_t now)
{
	if (c == NULL)
		return EINVAL;
	if (c->st == C_DOWN)
		return EPIPE;
	c->o.keepalive_interval_s = interval_s;
	if (c->st == C_UP)
		c->ka.next = interval_s ? now + (uint64_t)interval_s * 1000 : UINT64_MAX;
	return 0;
}

void regent_conn_on_mapped(struct regent_conn *c, regent_conn_mapped_h *h)
{
	if (c != NULL)
		c->mapped_h = h;
}

uint64_t regent_conn_ka_deadline(const struct regent_conn *c)
{
	uint64_t d = c->ka.next;

	if (c->ka.wait < d)
		d = c->ka.wait;
	if (c->ka.rtx < d)
		d = c->ka.rtx;
	return d;
}

void regent_conn_ka_pong(struct regent_conn *c)
{
	if (!c->ka.stun)
		c->ka.wait = UINT64_MAX;
}

static int send_stun(struct regent_conn *c)
{
	uint8_t buf[REGENT_STUN_BINDING_MAX_LEN];
	size_t len = 0;

	/* FINGERPRINT in the request helps a peer tell STUN from SIP (RFC
	 * 5389 §7.1); it is not required in the response (Kamailio 5.6 sends
	 * none, tests/nat/README.md) */
	if (regent_stun_build_binding(buf, sizeof(buf), c->ka.txid, REGENT_STUN_FINGERPRINT, &len))
		return EINVAL;
	return regent_conn_send_dgram(c, buf, len);
}

/* A new keep-alive round at c->now. */
static int ping(struct regent_conn *c)
{
	int err;

	if (c->ka.stun) {
		/* RFC 5389 §6: a fresh transaction id per request */
		c->o.env->random(c->o.env->arg, c->ka.txid, sizeof(c->ka.txid));
		c->ka.rto = c->o.stun_rto_ms ? c->o.stun_rto_ms : REGENT_CONN_STUN_RTO_MS;
		c->ka.rtx = c->now + c->ka.rto;
		c->ka.wait = c->now + c->o.pong_timeout_ms;
		return send_stun(c);
	}
	if (!c->stream)
		return regent_conn_send_dgram(c, "\r\n\r\n", 4);
	if (c->ws)
		err = regent_conn_ws_ping(c);
	else
		err = regent_conn_out_append(c, "\r\n\r\n", 4);
	if (!err)
		err = regent_conn_flush(c);
	if (!err && c->o.pong_timeout_ms)
		c->ka.wait = c->now + c->o.pong_timeout_ms;
	return err;
}

/* No answer to the round in time. 0 (fallback) or ETIMEDOUT. */
static int unanswered(struct regent_conn *c)
{
	uint32_t rounds = c->o.stun_fallback_rounds ? c->o.stun_fallback_rounds
						    : REGENT_CONN_STUN_FALLBACK_ROUNDS;

	c->ka.wait = c->ka.rtx = UINT64_MAX;
	if (c->ka.stun && !c->ka.stun_seen && ++c->ka.unanswered < rounds)
		return 0;
	if (c->ka.stun && !c->ka.stun_seen) {
		c->ka.stun = false;
		regent_log_emit(c->o.log, REGENT_LOG_WARN,
				"UDP flow to %s:%u: no answer to %u STUN keep-alive rounds; "
				"falling back to CRLF keep-alives without an answer check "
				"(RFC 5626 §4.4.2: the peer does not speak STUN)",
				c->fi.peer_host, c->fi.peer_port, rounds);
		return 0;
	}
	regent_log_emit(c->o.log, REGENT_LOG_WARN,
			"%s flow to %s:%u: keep-alive not answered within %u ms (RFC 5626 §4.4)",
			regent_transport_name(c->t.tp), c->fi.peer_host, c->fi.peer_port,
			c->o.pong_timeout_ms);
	return ETIMEDOUT;
}

int regent_conn_ka_run(struct regent_conn *c)
{
	int err;

	if (c->now >= c->ka.wait) {
		err = unanswered(c);
		if (err)
			return err;
	}
	if (c->now >= c->ka.rtx) {
		/* RFC 5389 §7.2.1: RTO doubles; no retransmission past the bound */
		c->ka.rto *= 2;
		c->ka.rtx = c->now + c->ka.rto < c->ka.wait ? c->now + c->ka.rto : UINT64_MAX;
		err = send_stun(c);
		if (err)
			return err;
	}
	if (c->now >= c->ka.next) {
		c->ka.next = c->o.keepalive_interval_s ? c->now + interval_ms(c) : UINT64_MAX;
		/* one round at a time: a slower answer is still awaited */
		if (c->ka.wait == UINT64_MAX)
			return ping(c);
	}
	return 0;
}

static void report_mapped(struct regent_conn *c, const struct regent_stun_addr *a)
{
	if (c->ka.have_mapped && c->ka.mapped_port == a->port &&
	    strcmp(c->ka.mapped_host, a->host) == 0)
		return;
	c->ka.have_mapped = true;
	c->ka.mapped_port = a->port;
	snprintf(c->ka.mapped_host, sizeof(c->ka.mapped_host), "%s", a->host);
	regent_log_emit(c->o.log, REGENT_LOG_INFO, "UDP flow to %s:%u: mapped address %s:%u",
			c->fi.peer_host, c->fi.peer_port, a->host, a->port);
	if (c->mapped_h)
		c->mapped_h(c->h.arg, c->ka.mapped_host, c->ka.mapped_port);
}

void regent_conn_ka_stun(struct regent_conn *c, const void *buf, size_t len)
{
	struct regent_stun_msg m;

	if (regent_stun_parse(&m, buf, len) != 0 || m.method != REGENT_STUN_METHOD_BINDING)
		return;
	/* only the answer to the round in progress (RFC 5389 §7.3.3) */
	if (c->ka.wait == UINT64_MAX || !c->ka.stun ||
	    memcmp(m.txid, c->ka.txid, sizeof(m.txid)) != 0)
		return;
	if (m.cls != REGENT_STUN_SUCCESS && m.cls != REGENT_STUN_ERROR)
		return;
	if (m.n_unknown) /* §7.3.3: a response with unknown required attributes is discarded */
		return;
	/* an error response still proves the flow alive */
	c->ka.wait = c->ka.rtx = UINT64_MAX;
	c->ka.stun_seen = true;
	if (m.cls == REGENT_STUN_SUCCESS && m.has_mapped)
		report_mapped(c, &m.mapped);
}

/*
 * edge_answer — requests that arrive on the flow (the registrar's OPTIONS
 * "qualify" ping, an INVITE or MESSAGE for the registered AOR, RFC 5626 §5):
 * OPTIONS answered here (RFC 3261 §11.2), every other request handed to the
 * host's request_h with a call to answer it, or answered 405/501 (§8.2.1);
 * never silence, ACK never answered; retransmissions get the same answer
 * from the cache of net/srvtx.h (§17.2.2). Requests never reach the core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/check.h"
#include "msg/msg.h"
#include "msg/response.h"
#include "net/edge.h"
#include "net/srvtx.h"

struct regent_edge_srv {
	regent_request_h *h;
	void *arg;
	char *methods; /* NULL: every method */
	char *accept;
	struct regent_srvtx *tx; /* made at the first request */
};

struct regent_request {
	struct regent_edge *io;
	struct regent_edge_flow *flow; /* the flow it came on: the answer goes back there */
	const struct regent_msg *m;
	const char *buf;
	size_t len;
	char method[32];
	char key[REGENT_SRVTX_KEY_MAX]; /* "" : none (no usable branch) */
	char tag[13];
	bool is_ack, final_sent, in_call;
};

int regent_edge_srv_init(struct regent_edge *io, const struct regent_ua_options *o,
			 struct regent_error *err)
{
	struct regent_edge_srv *s = calloc(1, sizeof(*s));
	int e;

	if (s == NULL)
		return regent_error_set(err, ENOMEM, "ua: out of memory");
	io->srv = s;
	s->h = o->request_h;
	s->arg = o->request_arg;
	e = regent_dup_string(&s->methods, o->request_methods, "request_methods", err);
	if (!e)
		e = regent_dup_string(&s->accept, o->request_accept, "request_accept", err);
	return e;
}

void regent_edge_srv_free(struct regent_edge_srv *s)
{
	if (s == NULL)
		return;
	regent_srvtx_free(s->tx);
	free(s->methods);
	free(s->accept);
	free(s);
}

/* Is `method` a token of the comma/space list `list`? */
static bool listed(const char *list, const char *method)
{
	size_t ml = strlen(method);

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t l;

		p += strspn(p, ", \t");
		l = strcspn(p, ", \t");
		if (l == ml && strncmp(p, method, l) == 0)
			return true;
		p += l;
	}
	return false;
}

/* Does request_h take this method? */
static bool handled(const struct regent_edge_srv *s, const char *method)
{
	return s->h != NULL && (s->methods == NULL || listed(s->methods, method));
}

/* RFC 3261 §8.2.1: 405 for a method SIP defines, 501 otherwise. */
static uint16_t status_for(const char *method, const char **reason)
{
	static const char *const known[] = {"INVITE", "NOTIFY", "SUBSCRIBE", "MESSAGE",
					    "BYE",    "CANCEL", "INFO",	     "UPDATE",
					    "REFER",  "PRACK",	"PUBLISH",   "REGISTER"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(method, known[i]) == 0) {
			*reason = "Method Not Allowed";
			return 405;
		}
	}
	*reason = "Not Implemented";
	return 501;
}

/* Allow: OPTIONS and what request_h answers (RFC 3261 §20.5). */
static void put_allow(struct regent_wbuf *wb, const struct regent_edge_srv *s)
{
	regent_wbuf_puts(wb, "Allow: OPTIONS");
	if (s->h != NULL && s->methods != NULL && s->methods[0] != '\0') {
		regent_wbuf_puts(wb, ", ");
		regent_wbuf_puts(wb, s->methods);
	}
	regent_wbuf_puts(wb, "\r\n");
}

/* RFC 3261 §11.2: what an OPTIONS answer says about us. */
static void put_capabilities(struct regent_wbuf *wb, const struct regent_edge_srv *s)
{
	put_allow(wb, s);
	regent_wbuf_puts(wb, "Accept: ");
	if (s->accept != NULL)
		regent_wbuf_puts(wb, s->accept);
	else if (s->h != NULL)
		regent_wbuf_puts(wb, "application/sdp");
	regent_wbuf_puts(wb, "\r\nSupported: outbound\r\n"); /* RFC 5626 §4.2 */
}

static uint64_t now_ms(const struct regent_edge *io)
{
	return io->env.now_ms != NULL ? io->env.now_ms(io->env.arg) : 0;
}

/* Sends what wb holds and keeps a final answer for retransmissions. */
static int send_kept(struct regent_request *req, struct regent_wbuf *wb, uint16_t code)
{
	struct regent_edge *io = req->io;
	uint64_t t1 = io->t1_ms ? io->t1_ms : 500;
	int e;

	if (req->flow->conn == NULL)
		return ENOTCONN;
	e = regent_conn_send(req->flow->conn, wb->buf, wb->len);
	regent_log_emit(&io->log, REGENT_LOG_DEBUG, "answered %s with %u", req->method, code);
	if (code < 200 || req->key[0] == '\0')
		return e;
	req->final_sent = true;
	if (io->srv->tx == NULL && regent_srvtx_alloc(&io->srv->tx) != 0)
		return e;
	/* RFC 3261 §17.2.2: timer J is 64·T1 on an unreliable transport */
	regent_srvtx_put(io->srv->tx, req->key, wb->buf, wb->len, now_ms(io), 64 * t1);
	return e;
}

/* The response to req; `caps` adds what an OPTIONS answer carries, `allow`
 * the Allow of a 405. */
static int respond(struct regent_request *req, uint16_t code, const char *reason,
		   const char *const *headers, const char *body, size_t blen, bool caps)
{
	struct regent_resp_options ro = {.to_tag_rule = REGENT_RESP_TO_TAG_NONE};
	struct regent_addr to;
	struct regent_wbuf wb;
	int e;

	if (code > 100 && regent_msg_to(req->m, &to) == 0 && !regent_pl_isset(to.tag)) {
		ro.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN; /* RFC 3261 §8.2.6.2 */
		ro.to_tag = req->tag;
	}
	regent_wbuf_init_dynamic(&wb, 65536);
	e = regent_build_response(&wb, req->m, code, reason, &ro);
	if (!e) {
		if (caps)
			put_capabilities(&wb, req->io->srv);
		else if (code == 405)
			put_allow(&wb, req->io->srv);
		for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
			regent_wbuf_puts(&wb, headers[i]);
			regent_wbuf_puts(&wb, "\r\n");
		}
		e = regent_build_finish(&wb, body, blen);
	}
	if (!e)
		e = send_kept(req, &wb, code);
	regent_wbuf_release(&wb);
	return e;
}

const char *regent_request_method(const struct regent_request *req)
{
	return req != NULL ? req->method : NULL;
}

const char *regent_request_data(const struct regent_request *req, size_t *len)
{
	if (req == NULL)
		return NULL;
	if (len != NULL)
		*len = req->len;
	return req->buf;
}

int regent_request_respond(struct regent_request *req, uint16_t code, const char *reason,
			   const char *const *headers, const char *body, size_t body_len)
{
	if (req == NULL || !req->in_call || req->is_ack || code < 100 || code > 699 ||
	    (body == NULL && body_len > 0))
		return EINVAL;
	if (req->final_sent)
		return EALREADY;
	if (reason != NULL && regent_check_string(NULL, "reason", reason) != 0)
		return EINVAL;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		if (regent_check_header_line(NULL, "headers", headers[i]) != 0)
			return EINVAL;
	return respond(req, code, reason != NULL ? reason : "", headers, body, body_len, false);
}

/* Hands req to request_h; a request left without a final answer gets 480. */
static void hand_over(struct regent_request *req)
{
	struct regent_edge *io = req->io;

	req->in_call = true;
	regent_guard_enter(&io->guard);
	io->srv->h(req, io->srv->arg);
	req->in_call = false;
	if (regent_guard_leave(&io->guard)) {
		regent_edge_destroy(io); /* freed from inside the handler */
		return;
	}
	if (regent_guard_doomed(&io->guard) || io->ua == NULL || req->is_ack || req->final_sent)
		return;
	regent_log_emit(&io->log, REGENT_LOG_INFO, "%s: the request handler gave no answer: 480",
			req->method);
	respond(req, 480, "Temporarily Unavailable", NULL, NULL, 0, false);
}

/* Answered from the cache (a retransmission)? */
static bool from_cache(struct regent_request *req)
{
	struct regent_edge *io = req->io;
	const char *r;
	size_t l;

	if (req->key[0] == '\0' || io->srv->tx == NULL ||
	    !regent_srvtx_find(io->srv->tx, req->key, now_ms(io), &r, &l))
		return false;
	if (req->flow->conn != NULL)
		regent_conn_send(req->flow->conn, r, l);
	regent_log_emit(&io->log, REGENT_LOG_DEBUG, "%s retransmission: the same answer again",
			req->method);
	return true;
}

static void dispatch(struct regent_request *req)
{
	const char *reason;
	uint16_t code;

	if (req->is_ack) {
		/* RFC 3261 §17: no response; an ACK belongs to an INVITE */
		if (handled(req->io->srv, "INVITE"))
			hand_over(req);
		return;
	}
	if (from_cache(req))
		return;
	if (strcmp(req->method, "OPTIONS") == 0) {
		respond(req, 200, "OK", NULL, NULL, 0, true);
		return;
	}
	if (handled(req->io->srv, req->method)) {
		hand_over(req);
		return;
	}
	code = status_for(req->method, &reason);
	respond(req, code, reason, NULL, NULL, 0, false);
}

/* Our own reachability probe came back over this flow (answered 200 above
 * like any OPTIONS): the core reports it (src/reg/reach.c). */
static void probe_seen(struct regent_edge_flow *f, const struct regent_request *req)
{
	static const char mark[] = "regent-reach-";
	struct regent_pl cid = regent_msg_call_id(req->m);
	char buf[64];

	if (f->io->ua == NULL || strcmp(req->method, "OPTIONS") != 0 || cid.l >= sizeof(buf) ||
	    cid.l < sizeof(mark) - 1 || memcmp(cid.p, mark, sizeof(mark) - 1) != 0)
		return;
	memcpy(buf, cid.p, cid.l);
	buf[cid.l] = '\0';
	regent_ua_edge_probe_seen(f->io->ua, f->id, buf);
}

void regent_edge_answer(struct regent_edge_flow *f, const char *buf, size_t len)
{
	struct regent_edge *io = f->io;
	struct regent_request req = {.io = io, .flow = f, .buf = buf, .len = len};
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_pl method;
	unsigned char r[6];

	if (regent_msg_parse(&m, buf, len, NULL, &me) != 0) {
		regent_log_emit(&io->log, REGENT_LOG_DEBUG, "dropped a malformed request: %s",
				me.reason);
		return;
	}
	method = regent_msg_method(m);
	if (method.l == 0 || method.l >= sizeof(req.method)) {
		regent_msg_free(m);
		return;
	}
	memcpy(req.method, method.p, method.l);
	req.m = m;
	req.is_ack = strcmp(req.method, "ACK") == 0;
	if (regent_srvtx_key(req.key, sizeof(req.key), m) != 0)
		req.key[0] = '\0';
	io->env.random(io->env.arg, r, sizeof(r));
	snprintf(req.tag, sizeof(req.tag), "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
		 r[5]);
	dispatch(&req);
	probe_seen(f, &req);
	regent_msg_free(m);
}

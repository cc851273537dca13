/*
 * edge_answer — requests that arrive on a flow (an OPTIONS keep-alive, a
 * stray INVITE): a registration agent answers them itself and never hands
 * them to the core.
 */
#include <stdio.h>
#include <string.h>

#include "msg/msg.h"
#include "msg/response.h"
#include "net/edge.h"

/* RFC 3261 §8.2.1: what we answer a request with. */
static uint16_t status_for(struct regent_pl method, const char **reason)
{
	static const char *const known[] = {"INVITE", "NOTIFY", "SUBSCRIBE", "MESSAGE",
					    "BYE",    "CANCEL", "INFO",	     "UPDATE",
					    "REFER",  "PRACK",	"PUBLISH",   "REGISTER"};

	if (regent_pl_eq_str(method, "OPTIONS")) {
		*reason = "OK"; /* RFC 3261 §11.2 */
		return 200;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (regent_pl_eq_str(method, known[i])) {
			/* known to SIP, not supported by a registration agent */
			*reason = "Method Not Allowed";
			return 405;
		}
	}
	*reason = "Not Implemented";
	return 501;
}

void regent_edge_answer(struct regent_edge_flow *f, const char *buf, size_t len)
{
	struct regent_edge *io = f->io;
	struct regent_msg *m = NULL;
	struct regent_msg_error me;
	struct regent_wbuf wb;
	if (regent_msg_parse(&m, buf, len, NULL, &me) != 0) {
		regent_log_emit(&io->log, REGENT_LOG_DEBUG, "dropped a malformed request: %s",
				me.reason);
		return;
	}
	struct regent_pl method = regent_msg_method(m);
	uint16_t code;
	const char *reason;
	/* RFC 3261 §17: ACK gets no response */
	if (regent_pl_eq_str(method, "ACK"))
		goto out;
	code = status_for(method, &reason);
	regent_wbuf_init_dynamic(&wb, 65536);
	/* RFC 3261 §8.2.6: the headers copied from the request, one builder
	 * for the client and the test registrar (msg/response.c) */
	struct regent_resp_options ro = {.to_tag_rule = REGENT_RESP_TO_TAG_NONE};
	struct regent_addr to;
	char tag[13];
	if (regent_msg_to(m, &to) == 0 && !regent_pl_isset(to.tag)) {
		unsigned char r[6];
		io->env.random(io->env.arg, r, sizeof(r));
		snprintf(tag, sizeof(tag), "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
			 r[5]);
		ro.to_tag_rule = REGENT_RESP_TO_TAG_GIVEN;
		ro.to_tag = tag;
	}
	if (regent_build_response(&wb, m, code, reason, &ro) != 0)
		goto done;
	regent_wbuf_puts(&wb, "Allow: OPTIONS\r\n");
	if (regent_build_finish(&wb, NULL, 0) == 0 && f->conn) {
		regent_log_emit(&io->log, REGENT_LOG_DEBUG, "answered %.*s with %u", (int)method.l,
				method.p, code);
		regent_conn_send(f->conn, wb.buf, wb.len);
	}
done:
	regent_wbuf_release(&wb);
out:
	regent_msg_free(m);
}

/*
 * response — one response-from-request builder (RFC 3261 §8.2.6), for every
 * part of regent that answers a request: the client's I/O edge answering
 * requests that arrive on its flow, and the test registrar (registrar/).
 *
 * It writes the status line and the headers a response copies from its
 * request, in this order: every Via (the top one with received/rport when
 * the source address is given, RFC 3261 §18.2.1, RFC 3581 §4), From, To
 * (with a tag by the rule the caller names), Call-ID, CSeq. The caller
 * appends its own headers and ends with regent_build_finish().
 */
#ifndef REGENT_MSG_RESPONSE_H
#define REGENT_MSG_RESPONSE_H

#include <stdint.h>

#include "msg/msg.h"

/* The To tag a response adds when the request's To has none (RFC 3261
 * §8.2.6.2: a UAS adds a tag unless the To already carries one). */
enum regent_resp_to_tag {
	/* add none: To is copied as it is */
	REGENT_RESP_TO_TAG_NONE = 0,
	/* add `to_tag` as given (a stateful answer: e.g. fresh random bits) */
	REGENT_RESP_TO_TAG_GIVEN,
	/* add a tag derived from the Call-ID, the same for every retransmission
	 * of the request, so a stateless server answers them alike */
	REGENT_RESP_TO_TAG_CALL_ID,
};

struct regent_resp_options {
	enum regent_resp_to_tag to_tag_rule;
	const char *to_tag; /* REGENT_RESP_TO_TAG_GIVEN: the tag (no ";tag=") */
	/* the packet's source: the top Via gets received= (when it differs
	 * from the Via host or rport is asked) and rport= (when asked); NULL:
	 * every Via is copied as it came */
	const char *src_host;
	uint16_t src_port;
};

/* Writes the status line and the copied headers of a response to req.
 * Returns 0, EINVAL (NULL argument, not a request, no usable Via, or a
 * GIVEN rule without a tag), or the buffer's sticky error as an errno. */
int regent_build_response(struct regent_wbuf *wb, const struct regent_msg *req, uint16_t code,
			  const char *reason, const struct regent_resp_options *o);

/* Only the Via headers of a response to req (as regent_build_response
 * writes them), for a caller that copies the rest itself (a request that
 * did not parse whole). ENOENT when the top Via cannot be read: there is
 * then nowhere to send a response. */
int regent_build_vias(struct regent_wbuf *wb, const struct regent_msg *req,
		      const struct regent_resp_options *o);

/* Copies every header `id` of m as it came, under its canonical name. */
void regent_build_copy(struct regent_wbuf *wb, const struct regent_msg *m, enum regent_hdr_id id);

/* Copies ";a=b;c" parameters raw (quoted strings kept whole), leaving out
 * the names in `skip` (NULL-ended, case-insensitive; NULL: none). */
void regent_build_params(struct regent_wbuf *wb, struct regent_pl params, const char *const *skip);

#endif /* REGENT_MSG_RESPONSE_H */

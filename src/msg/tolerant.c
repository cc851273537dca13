/*
 * tolerant — a response is dropped only when the transaction cannot use it.
 *
 * Two jobs, kept apart: the strict checker (regent_msg_parse
 * + regent_msg_validate, what `regent parse` reports) and the tolerant
 * receiver. What matching and safety need (status line, Via, From, To,
 * Call-ID, CSeq, framing) still makes regent_msg_parse fail. The headers a
 * registration reads but does not match on are taken as the RFCs say:
 *  - Expires, Min-Expires, Contact expires: beyond 2^32-1 taken as 2^32-1
 *    (RFC 3261 §10.2.1.1, §20.19); malformed (empty, negative, not a
 *    number) ignored, as if absent; repeated: the first usable value;
 *  - Retry-After (RFC 3261 §20.33): seconds beyond 2^32-1 taken as 2^32-1
 *    (the Registerer caps them at retry_max_s); a bad comment or parameter
 *    dropped, the seconds kept; no seconds at all: ignored;
 *  - Max-Forwards (meaningless in a response), Flow-Timer: the same clamping.
 * Each such value is an oddity of the message (regent_msg_odd), for the
 * layer above to count and log once. A request stays strict: the registrar
 * refuses what it cannot trust, and the verdicts of `regent parse` are those
 * of before; regent_msg_validate reports, for a response, the error
 * regent_msg_parse used to stop at (the first one recorded here).
 */
#include <stdio.h>

#include "msg/msg_int.h"

static void strict_note(struct regent_msg *m, enum regent_msg_errc code, size_t offset,
			const char *prefix, const char *what)
{
	if (m->strict.code != REGENT_MSG_OK)
		return;
	m->strict.code = code;
	m->strict.offset = offset;
	m->strict.prefix = prefix;
	m->strict.what = what;
}

void regent_msgi_odd_note(struct regent_msg *m, uint32_t bit, enum regent_msg_errc code,
			  size_t offset, const char *prefix, const char *what)
{
	m->odd |= bit;
	m->nodd++;
	if (code != REGENT_MSG_OK)
		strict_note(m, code, offset, prefix, what);
}

bool regent_msgi_strict_error(const struct regent_msg *m, struct regent_msg_error *err)
{
	if (m->strict.code == REGENT_MSG_OK)
		return false;
	regent_msgi_errorf(err, m->strict.code, m->strict.offset, m->strict.prefix, m->strict.what);
	return true;
}

/* Every value of a numeric header. `strict`: the check regent_msg_parse
 * always made (its first failure is the strict verdict); otherwise only
 * regent_msg_validate looks at the values, and a bad one is only an oddity. */
static int u32_values(struct regent_msg *m, enum regent_hdr_id id, uint32_t max, uint32_t bit,
		      bool strict, struct regent_msg_error *err)
{
	const struct regent_hdr *h = regent_msgi_first_hdr(m, id);
	unsigned n = 0;

	/* the common case (absent, or one good value) costs one lookup and
	 * one number parse: the error's wording is made only when needed */
	for (; h; h = regent_msgi_next_hdr(m, h), n++) {
		int rc = regent_pl_u32(h->value, max, NULL);

		if (!rc)
			continue;
		enum regent_msg_errc code = rc == ERANGE ? REGENT_MSG_ERANGE : REGENT_MSG_EVALUE;
		const char *at = rc == ERANGE || h->value.p ? h->value.p : m->buf + h->offset;
		const char *what = rc == ERANGE ? "value out of range" : "not a number";
		const char *name = regent_hdr_canonical_name(id);

		if (m->request && strict) {
			regent_msgi_errorf(err, code, (size_t)(at - m->buf), name, what);
			return EBADMSG;
		}
		if (!m->request)
			regent_msgi_odd_note(m, bit, strict ? code : REGENT_MSG_OK,
					     (size_t)(at - m->buf), name, what);
	}
	if (n > 1 && !m->request)
		regent_msgi_odd_note(m, bit, REGENT_MSG_OK, 0, NULL, NULL); /* repeated */
	return 0;
}

static int retry_after_values(struct regent_msg *m, struct regent_msg_error *err)
{
	const struct regent_hdr *h = regent_msgi_first_hdr(m, REGENT_HDR_RETRY_AFTER);
	unsigned n = 0;

	for (; h; h = regent_msgi_next_hdr(m, h), n++) {
		struct regent_retry_after ra;
		struct perr pe = {0};
		size_t off;

		if (regent_msgi_retry_after(&ra, h->value.p, h->value.p + h->value.l, &pe) == 0)
			continue;
		off = pe.at && pe.at >= m->buf ? (size_t)(pe.at - m->buf) : 0;
		/* regent_msg_parse always checked the first one */
		if (m->request && n == 0) {
			regent_msgi_errorf(err, pe.code, off, "Retry-After",
					   pe.what ? pe.what : regent_msg_errc_name(pe.code));
			return EBADMSG;
		}
		if (!m->request)
			regent_msgi_odd_note(m, REGENT_ODD_RETRY_AFTER,
					     n == 0 ? pe.code : REGENT_MSG_OK, off, "Retry-After",
					     pe.what ? pe.what : regent_msg_errc_name(pe.code));
	}
	if (n > 1 && !m->request)
		regent_msgi_odd_note(m, REGENT_ODD_RETRY_AFTER, REGENT_MSG_OK, 0, NULL, NULL);
	return 0;
}

int regent_msgi_scalars(struct regent_msg *m, struct regent_msg_error *err)
{
	/* the order regent_msg_parse always checked them in */
	if (u32_values(m, REGENT_HDR_EXPIRES, UINT32_MAX, REGENT_ODD_EXPIRES, true, err) ||
	    u32_values(m, REGENT_HDR_MIN_EXPIRES, UINT32_MAX, REGENT_ODD_MIN_EXPIRES, true, err) ||
	    u32_values(m, REGENT_HDR_MAX_FORWARDS, 255, REGENT_ODD_MAX_FORWARDS, true, err) ||
	    retry_after_values(m, err))
		return EBADMSG;
	return u32_values(m, REGENT_HDR_FLOW_TIMER, UINT32_MAX, REGENT_ODD_FLOW_TIMER, false, err);
}

uint32_t regent_msg_odd(const struct regent_msg *msg, uint32_t *count)
{
	if (count)
		*count = msg ? msg->nodd : 0;
	return msg ? msg->odd : 0;
}

static const char *const odd_names[] = {"Expires",     "Min-Expires",	  "Max-Forwards",
					"Retry-After", "Contact expires", "Flow-Timer"};

int regent_msg_odd_names(uint32_t odd, char *buf, size_t size)
{
	size_t len = 0;

	if (!buf || size == 0)
		return ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(odd_names) / sizeof(odd_names[0]); i++) {
		int n;

		if (!(odd & (1u << i)))
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", odd_names[i]);
		if (n < 0 || (size_t)n >= size - len)
			return ENOSPC;
		len += (size_t)n;
	}
	return 0;
}

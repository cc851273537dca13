/*
 * malformed.c — answering a request that does not parse (RFC 3261 §8.2:
 * "400 (Bad Request)" whose reason phrase names the problem, §21.4.1) instead
 * of leaving the client to time out. The answer needs the request's Via
 * (RFC 3261 §18.2.2: where it goes) and copies From, To, Call-ID and CSeq
 * (§8.2.6.2); they are picked out of the raw bytes and parsed on their own.
 * A request whose Via cannot be read cannot be answered: it is dropped, and
 * the note says why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg/msg.h"
#include "msg/response.h"
#include "registrar_int.h"

enum { MAX_LINES = 32 };

/* The raw header lines a response copies: Via, From, To, Call-ID, CSeq. */
struct salvage {
	struct regent_pl via[MAX_LINES], other[MAX_LINES];
	size_t nvia, nother;
	char method[32];
};

/* Is the header named [p, p+l) one a response copies? 1: Via, 2: another. */
static int copied_kind(const char *p, size_t l)
{
	static const char *const others[] = {"from", "f", "to", "t", "call-id", "i", "cseq"};

	while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	if ((l == 3 && !strncasecmp(p, "via", 3)) || (l == 1 && (*p == 'v' || *p == 'V')))
		return 1;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (strlen(others[i]) == l && !strncasecmp(p, others[i], l))
			return 2;
	}
	return 0;
}

/* The request line's method, if it is a token (RFC 3261 §25.1). */
static void read_method(const char *buf, size_t len, char *out, size_t size)
{
	size_t n = 0;

	while (n < len && n + 1 < size &&
	       (buf[n] > 0x20 && buf[n] < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", buf[n])))
		n++;
	if (n == 0 || n == len || buf[n] != ' ' || n + 1 >= size)
		n = 0;
	memcpy(out, n ? buf : "OPTIONS", n ? n : 7);
	out[n ? n : 7] = '\0';
}

/* Picks the copied header lines (with their folds) out of the head. */
static void pick_lines(const char *buf, size_t len, struct salvage *sv)
{
	const char *p = memchr(buf, '\n', len), *end = buf + len;
	struct regent_pl *last = NULL;

	read_method(buf, len, sv->method, sizeof(sv->method));
	while (p && ++p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t l = (size_t)(le - p);
		const char *colon;
		int kind;

		if (l && p[l - 1] == '\r')
			l--;
		if (l == 0)
			break; /* end of the head */
		if ((*p == ' ' || *p == '\t') && last) {
			last->l = (size_t)(p + l - last->p); /* a fold: part of the line */
		} else {
			colon = memchr(p, ':', l);
			kind = colon ? copied_kind(p, (size_t)(colon - p)) : 0;
			last = NULL;
			if (kind == 1 && sv->nvia < MAX_LINES)
				last = &sv->via[sv->nvia++];
			else if (kind == 2 && sv->nother < MAX_LINES)
				last = &sv->other[sv->nother++];
			if (last)
				*last = (struct regent_pl){p, l};
		}
		p = nl;
	}
}

/* Parses "METHOD sip:invalid SIP/2.0" + the Via lines + (the other copied
 * lines, or stand-ins for them) as a request of its own. */
static int parse_part(struct regent_msg **mp, const struct salvage *sv, bool others,
		      struct regent_wbuf *tmp)
{
	regent_wbuf_reset(tmp);
	regent_wbuf_printf(tmp, "%s sip:invalid SIP/2.0\r\n", sv->method);
	for (size_t i = 0; i < sv->nvia; i++) {
		regent_wbuf_write(tmp, sv->via[i].p, sv->via[i].l);
		regent_wbuf_puts(tmp, "\r\n");
	}
	for (size_t i = 0; others && i < sv->nother; i++) {
		regent_wbuf_write(tmp, sv->other[i].p, sv->other[i].l);
		regent_wbuf_puts(tmp, "\r\n");
	}
	if (!others)
		regent_wbuf_printf(tmp,
				   "From: <sip:invalid>;tag=x\r\nTo: <sip:invalid>\r\n"
				   "Call-ID: x\r\nCSeq: 1 %s\r\n",
				   sv->method);
	regent_build_finish(tmp, NULL, 0);
	if (tmp->err)
		return ENOMEM;
	return regent_msg_parse(mp, tmp->buf, tmp->len, NULL, NULL) ? EBADMSG : 0;
}

/* "Malformed Request (CSeq: bad number at 95)": printable only. */
static void reason_of(const struct regent_msg_error *e, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "Malformed Request (%s)", e->reason);

	for (size_t i = 0; i < n && i < size; i++) {
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	}
}

/* Writes the 400 from the salvaged parts: all of them when they parse
 * together, else the Vias and the other lines copied as they came. */
static int write_400(struct regent_wbuf *wb, const struct salvage *sv, const char *reason,
		     const char *src_host, uint16_t src_port, struct regent_wbuf *tmp)
{
	struct regent_resp_options o = {
	    .to_tag_rule = REGENT_RESP_TO_TAG_CALL_ID,
	    .src_host = src_host,
	    .src_port = src_port,
	};
	struct regent_msg *m = NULL;
	int err;

	if (parse_part(&m, sv, true, tmp) == 0) {
		err = regent_build_response(wb, m, 400, reason, &o);
		regent_msg_free(m);
		return err ? err : regent_build_finish(wb, NULL, 0);
	}
	if (parse_part(&m, sv, false, tmp))
		return ENOENT; /* the Via itself cannot be read */
	regent_build_status_line(wb, 400, reason);
	err = regent_build_vias(wb, m, &o);
	regent_msg_free(m);
	for (size_t i = 0; !err && i < sv->nother; i++) {
		regent_wbuf_value(wb, "copied header", sv->other[i].p, sv->other[i].l);
		regent_wbuf_puts(wb, "\r\n");
	}
	return err ? err : regent_build_finish(wb, NULL, 0);
}

int regent_registrar_reject_malformed(struct regent_registrar *r, const char *buf, size_t len,
				      const char *src_host, uint16_t src_port,
				      struct regent_wbuf *wb)
{
	struct regent_msg_error e = {0};
	struct regent_msg *m = NULL;
	struct regent_wbuf tmp;
	struct salvage sv;
	char reason[200];
	size_t start;
	int err;

	if (!r || !buf || !wb)
		return EINVAL;
	if (regent_msg_parse(&m, buf, len, NULL, &e) == 0) {
		regent_msg_free(m);
		return EINVAL; /* not malformed: regent_registrar_handle() answers it */
	}
	if (len >= 8 && !memcmp(buf, "SIP/2.0 ", 8)) {
		regent_registrar_set_note(r, "malformed response (%s): dropped", e.reason);
		return EBADMSG; /* a response is never answered (RFC 3261 §8.1.3.3) */
	}
	memset(&sv, 0, sizeof(sv));
	pick_lines(buf, len, &sv);
	reason_of(&e, reason, sizeof(reason));
	regent_wbuf_init_dynamic(&tmp, 65536);
	start = wb->len;
	err = write_400(wb, &sv, reason, src_host, src_port, &tmp);
	regent_wbuf_release(&tmp);
	if (err) {
		wb->len = start; /* nothing half-written goes out */
		regent_registrar_set_note(r, "malformed (%s), no readable Via: dropped", e.reason);
		return EBADMSG;
	}
	/* the reason phrase already says what is wrong */
	regent_registrar_set_note(r, "%s", "");
	return 0;
}

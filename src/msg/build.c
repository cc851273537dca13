/*
 * build — request/status lines, headers, name-addr and the closing
 * Content-Length (RFC 3261 §7, §20.14), refusing header injection.
 */
#include <stdio.h>

#include "msg/msg_int.h"

static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (!ct(*s, C_TOKEN))
			return false;
	}
	return true;
}

static void bad(struct regent_wbuf *wb, enum regent_msg_errc code, const char *field)
{
	if (wb->err)
		return;
	wb->err = code;
	regent_pl_strcpy((struct regent_pl){field, strnlen(field, 63)}, wb->err_field,
			 sizeof(wb->err_field));
}

void regent_build_request_line(struct regent_wbuf *wb, const char *method, const char *ruri)
{
	if (!is_token(method)) {
		bad(wb, REGENT_MSG_EINJECT, "method");
		return;
	}
	if (!ruri || !*ruri || strpbrk(ruri, " \t\r\n")) {
		bad(wb, REGENT_MSG_EINJECT, "request-uri");
		return;
	}
	regent_wbuf_puts(wb, method);
	regent_wbuf_write(wb, " ", 1);
	regent_wbuf_puts(wb, ruri);
	regent_wbuf_write(wb, " SIP/2.0\r\n", 10);
}

void regent_build_status_line(struct regent_wbuf *wb, uint16_t code, const char *reason)
{
	if (code < 100 || code > 699) {
		bad(wb, REGENT_MSG_EINJECT, "status code");
		return;
	}
	regent_wbuf_write(wb, "SIP/2.0 ", 8);
	regent_wbuf_u64(wb, code);
	regent_wbuf_write(wb, " ", 1);
	regent_wbuf_value(wb, "reason", reason ? reason : "", reason ? strlen(reason) : 0);
	regent_wbuf_write(wb, "\r\n", 2);
}

void regent_build_header(struct regent_wbuf *wb, const char *name, const char *value)
{
	if (!is_token(name)) {
		bad(wb, REGENT_MSG_EINJECT, name && *name ? name : "header name");
		return;
	}
	if (!value) {
		bad(wb, REGENT_MSG_EINJECT, name);
		return;
	}
	regent_wbuf_puts(wb, name);
	regent_wbuf_write(wb, ": ", 2);
	regent_wbuf_value(wb, name, value, strlen(value));
	regent_wbuf_write(wb, "\r\n", 2);
}

void regent_build_header_line(struct regent_wbuf *wb, const char *field, const char *line)
{
	const char *p, *colon;

	if (!line || regent_check_value(line)) {
		bad(wb, REGENT_MSG_EINJECT, field);
		return;
	}
	p = line;
	while (*p && ct(*p, C_TOKEN))
		p++;
	colon = p;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	if (p == line || *colon != ':') {
		bad(wb, REGENT_MSG_EINJECT, field);
		return;
	}
	regent_wbuf_puts(wb, line);
	regent_wbuf_write(wb, "\r\n", 2);
}

/* A display name goes out as a token sequence when it is one, else quoted
 * (RFC 3261 §25.1 display-name). */
static bool token_words(const char *s)
{
	bool word = false;

	for (; *s; s++) {
		if (*s == ' ') {
			if (!word)
				return false;
			word = false;
		} else if (ct(*s, C_TOKEN)) {
			word = true;
		} else {
			return false;
		}
	}
	return word;
}

void regent_build_name_addr(struct regent_wbuf *wb, const char *field, const char *display,
			    const char *uri)
{
	if (!uri || regent_check_value(uri) || strpbrk(uri, "<> \t")) {
		bad(wb, REGENT_MSG_EINJECT, field);
		return;
	}
	if (display && *display) {
		if (regent_check_value(display)) {
			bad(wb, REGENT_MSG_EINJECT, field);
			return;
		}
		if (token_words(display))
			regent_wbuf_puts(wb, display);
		else
			regent_wbuf_quoted(wb, field, display, strlen(display));
		regent_wbuf_write(wb, " ", 1);
	}
	regent_wbuf_write(wb, "<", 1);
	regent_wbuf_puts(wb, uri);
	regent_wbuf_write(wb, ">", 1);
}

int regent_build_finish(struct regent_wbuf *wb, const char *body, size_t body_len)
{
	if (!body)
		body_len = 0;
	regent_wbuf_write(wb, "Content-Length: ", 16);
	regent_wbuf_u64(wb, body_len);
	regent_wbuf_write(wb, "\r\n\r\n", 4);
	if (body_len)
		regent_wbuf_write(wb, body, body_len);
	return regent_wbuf_errno(wb);
}

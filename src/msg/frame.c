/*
 * frame — message boundaries on a byte stream (RFC 3261 §18.3: on a stream
 * Content-Length is mandatory), CRLF keep-alives (RFC 5626 §3.5.1).
 */
#include "msg/msg_int.h"

/* Content-Length of a header block [p, end) ending in CRLFCRLF; a folded
 * value is accepted. 0 or EBADMSG (absent, malformed or conflicting). */
static int content_length(const char *p, const char *end, uint32_t *cl)
{
	bool found = false;

	/* skip the start line */
	p = memchr(p, '\n', (size_t)(end - p));
	if (!p)
		return EBADMSG;
	p++;
	while (p < end && !(p[0] == '\r' && end - p >= 2 && p[1] == '\n')) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *ne = regent_msgi_run(p, lf ? lf : end, C_TOKEN);
		size_t nl = (size_t)(ne - p);

		if (!lf)
			return EBADMSG;
		/* the whole logical line: folds continue it */
		while (lf + 1 < end && (lf[1] == ' ' || lf[1] == '\t')) {
			const char *n = memchr(lf + 1, '\n', (size_t)(end - lf - 1));

			if (!n)
				return EBADMSG;
			lf = n;
		}
		if ((nl == 1 && (p[0] | 0x20) == 'l') ||
		    (nl == 14 &&
		     regent_pl_caseeq_str((struct regent_pl){p, 14}, "content-length"))) {
			const char *q = ne;
			uint32_t v;

			while (q < lf && (*q == ' ' || *q == '\t'))
				q++;
			if (q >= lf || *q != ':')
				return EBADMSG;
			q = regent_msgi_lws(q + 1, lf);
			if (regent_msgi_u32(&q, lf, UINT32_MAX, &v))
				return EBADMSG;
			q = regent_msgi_lws(q, lf);
			if (q != lf - 1 || *q != '\r')
				return EBADMSG;
			if (found && v != *cl)
				return EBADMSG;
			*cl = v;
			found = true;
		}
		p = lf + 1;
	}
	return found ? 0 : EBADMSG;
}

int regent_frame_stream(const char *buf, size_t len, size_t max_size, size_t *skip, size_t *msg_len,
			bool *pong)
{
	size_t i = 0, ncrlf = 0;
	const char *p, *end = buf + len, *hend = NULL;
	uint32_t cl = 0;

	if (!skip || !msg_len || (!buf && len))
		return EINVAL;
	*skip = 0;
	*msg_len = 0;
	if (pong)
		*pong = false;
	while (len - i >= 2 && buf[i] == '\r' && buf[i + 1] == '\n') {
		i += 2;
		ncrlf++;
	}
	*skip = i;
	/* A lone CRLF is the pong of RFC 5626 §4.4.1; CRLFCRLF is a ping. */
	if (pong)
		*pong = (ncrlf % 2) == 1;
	if (i == len || (len - i == 1 && buf[i] == '\r'))
		return EAGAIN;
	/* find CRLFCRLF */
	p = buf + i;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));

		if (!lf)
			break;
		if (lf - (buf + i) >= 3 && lf[-1] == '\r' && lf[-2] == '\n' && lf[-3] == '\r') {
			hend = lf + 1;
			break;
		}
		p = lf + 1;
	}
	if (!hend) {
		if (len - i > max_size)
			return EMSGSIZE;
		return EAGAIN;
	}
	if ((size_t)(hend - (buf + i)) > max_size)
		return EMSGSIZE;
	if (content_length(buf + i, hend, &cl))
		return EBADMSG;
	if ((uint64_t)(hend - (buf + i)) + cl > max_size)
		return EMSGSIZE;
	if ((size_t)(end - hend) < cl)
		return EAGAIN;
	*msg_len = (size_t)(hend - (buf + i)) + cl;
	return 0;
}
